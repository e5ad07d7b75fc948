/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-manager.h"

G_BEGIN_DECLS

VirtMigrateJob *virt_migrate_manager_adopt (VirtMigrateManager *self,
                                            VirtMigrateRequest *request,
                                            guint               id);

typedef void (*VirtMigrateJobAddedFunc) (VirtMigrateManager *self,
                                         VirtMigrateJob     *job,
                                         gpointer            watcher);

void            virt_migrate_manager_watch_jobs (VirtMigrateManager     *self,
                                                 gpointer                watcher,
                                                 VirtMigrateJobAddedFunc on_job);

G_END_DECLS
