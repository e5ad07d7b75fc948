/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-connection-pool.h"
#include "virt-migrate-history.h"
#include "virt-migrate-job-store.h"
#include "virt-migrate-manager-private.h"
#include "virt-migrate-settings.h"

G_BEGIN_DECLS

/* The manager's state, shared by its files: virt-migrate-manager.c (the
 * list, the queue, the jobs' lifecycle) and virt-migrate-manager-records.c
 * (the history, the ids, the job records and a restart). */
struct _VirtMigrateManager
{
  GObject                    parent_instance;
  VirtMigrateConnectionPool *pool;
  VirtMigrateSettings       *settings;
  GPtrArray                 *model;   /* the GListModel: the jobs, and the finished ones for the retention */
  GHashTable                *retained; /* finished job -> its retention GSource id */
  GPtrArray                 *running; /* the jobs admitted */
  GHashTable                *group_limits; /* a drain's id -> at most that many of its jobs at once */
  GQueue                     queue;   /* jobs waiting to be admitted, oldest first (not owned) */
  gulong                     settings_id;
  VirtMigrateJobStore       *store;   /* nullable: jobs are not recorded */
  VirtMigrateHistory        *history; /* nullable: no history */
  gboolean                   history_chosen; /* set_history() was called */
  VirtMigrateBackendFunc     backend_func;
  gpointer                   backend_data;
  GDestroyNotify             backend_destroy;
  VirtMigrateHypervisorFunc  hypervisor_func; /* NULL: libvirt's */
  gpointer                   hypervisor_data;
  GDestroyNotify             hypervisor_destroy;
  GPtrArray                 *drains;  /* VirtMigrateDrain, oldest first (virt-migrate-manager-drain.c) */
  char                      *state_directory; /* nullable */
};

/* virt-migrate-manager-records.c */
void virt_migrate_manager_apply_history_size (VirtMigrateManager *self);
void virt_migrate_manager_write_history      (VirtMigrateManager *self,
                                              VirtMigrateJob     *job);
void virt_migrate_manager_learn              (VirtMigrateManager *self,
                                              VirtMigrateJob     *job,
                                              VirtMigrateRequest *request);

G_END_DECLS
