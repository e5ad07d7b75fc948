/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-job.h"

G_BEGIN_DECLS

/* The highest job id a record may hold: far from where the counter wraps. */
#define VIRT_MIGRATE_JOB_ID_MAX (G_MAXUINT32 / 2)

#define VIRT_MIGRATE_TYPE_JOB_STORE (virt_migrate_job_store_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateJobStore, virt_migrate_job_store, VIRT_MIGRATE, JOB_STORE, GObject)

VirtMigrateJobStore *virt_migrate_job_store_new    (const char          *directory);
gboolean             virt_migrate_job_store_save   (VirtMigrateJobStore *self,
                                                    VirtMigrateJob      *job,
                                                    GError             **error);
void                 virt_migrate_job_store_remove (VirtMigrateJobStore *self,
                                                    guint                id);
GPtrArray           *virt_migrate_job_store_load   (VirtMigrateJobStore *self);

G_END_DECLS
