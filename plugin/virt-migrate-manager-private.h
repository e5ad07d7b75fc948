/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-backend.h"
#include "virt-migrate-drain.h"
#include "virt-migrate-drain-host.h"
#include "virt-migrate-hypervisor.h"
#include "virt-migrate-manager.h"

G_BEGIN_DECLS

/* @request with the settings' defaults where it sets nothing (a copy):
 * what a job of this manager would run, and what its plan shows. */
VirtMigrateRequest *virt_migrate_manager_with_defaults (VirtMigrateManager *self,
                                                        VirtMigrateRequest *request);

VirtMigrateJob *virt_migrate_manager_adopt (VirtMigrateManager *self,
                                            VirtMigrateRequest *request,
                                            guint               id,
                                            guint               owner_uid,
                                            const char *const  *messages,
                                            gint64              start_real_time,
                                            guint               drain_id);

/* A new job's (or, with @job %NULL, a drain's) id from the history's
 * counter, unique across the processes writing that history; 0 (the job
 * keeps its number in this process) without a history. */
guint           virt_migrate_manager_number (VirtMigrateManager *self,
                                             VirtMigrateJob     *job);

/* How long QEMU's set-up took on the last migrations between @request's
 * hosts, as the history recorded it and this process saw it since (µs, 0:
 * not known): what a new job expects instead of a guess. */
gint64          virt_migrate_manager_learnt_setup (VirtMigrateManager *self,
                                                   VirtMigrateRequest *request);

/* Makes the backend of a new job of @request. */
typedef VirtMigrateBackend *(*VirtMigrateBackendFunc) (VirtMigrateRequest *request,
                                                       gboolean            adopted,
                                                       gpointer            user_data);

/* What a manager does for the drains it runs (manager-drain.c). */
const VirtMigrateDrainHost *virt_migrate_manager_get_drain_host (void);
void            virt_migrate_manager_set_group_limit (VirtMigrateManager *self,
                                                      guint               group,
                                                      guint               limit);
VirtMigrateBackend *virt_migrate_manager_new_backend (VirtMigrateManager *self,
                                                      VirtMigrateRequest *request,
                                                      gboolean            adopted);
void            virt_migrate_manager_set_backend_func (VirtMigrateManager     *self,
                                                       VirtMigrateBackendFunc  func,
                                                       gpointer                user_data,
                                                       GDestroyNotify          destroy);

/* Makes the hypervisor seam for one piece of work (a drain's plan, a
 * restart's reconciliation): libvirt's unless the tests chose a fake. */
typedef VirtMigrateHypervisor *(*VirtMigrateHypervisorFunc) (gpointer user_data);

void                   virt_migrate_manager_set_hypervisor_func (VirtMigrateManager        *self,
                                                                 VirtMigrateHypervisorFunc  func,
                                                                 gpointer                   user_data,
                                                                 GDestroyNotify             destroy);
VirtMigrateHypervisor *virt_migrate_manager_new_hypervisor      (VirtMigrateManager        *self);

/* The drains (virt-migrate-manager-drain.c): the manager's list, where
 * their records go, and resuming them after a restart. */
GPtrArray      *virt_migrate_manager_drains           (VirtMigrateManager *self);
const char     *virt_migrate_manager_state_directory  (VirtMigrateManager *self);
void            virt_migrate_manager_emit_drain_added (VirtMigrateManager *self,
                                                       VirtMigrateDrain   *drain);
void            virt_migrate_manager_resume_drains    (VirtMigrateManager *self);

G_END_DECLS
