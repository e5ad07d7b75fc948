/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-backend.h"
#include "virt-migrate-connection-pool.h"
#include "virt-migrate-job.h"

G_BEGIN_DECLS

VirtMigrateJob *virt_migrate_job_new_with_pool (VirtMigrateRequest        *request,
                                                VirtMigrateConnectionPool *pool);
VirtMigrateJob *virt_migrate_job_new_adopted   (VirtMigrateRequest        *request,
                                                VirtMigrateConnectionPool *pool,
                                                guint                      id);
void            virt_migrate_job_log           (VirtMigrateJob            *self,
                                                const char                *message);
void            virt_migrate_job_set_started_by_uid (VirtMigrateJob *self,
                                                     guint           uid);
gint64          virt_migrate_job_get_started_by_uid (VirtMigrateJob *self);
gboolean        virt_migrate_job_is_cancelable      (VirtMigrateJob *self);
GVariant       *virt_migrate_job_snapshot      (VirtMigrateJob            *self);
VirtMigrateJob *virt_migrate_job_new_with_backend (VirtMigrateRequest      *request,
                                                   VirtMigrateBackend      *backend);

G_END_DECLS
