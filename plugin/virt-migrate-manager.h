/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRT_MIGRATE_H_INSIDE__) && !defined(VIRT_MIGRATE_COMPILATION)
#error "Only <virt-migrate.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virt-migrate-drain.h"
#include "virt-migrate-history.h"
#include "virt-migrate-job.h"
#include "virt-migrate-plan.h"
#include "virt-migrate-request.h"
#include "virt-migrate-settings.h"

G_BEGIN_DECLS

#define VIRT_MIGRATE_TYPE_MANAGER (virt_migrate_manager_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateManager, virt_migrate_manager, VIRT_MIGRATE, MANAGER, GObject)

VirtMigrateManager *virt_migrate_manager_new                 (void);
VirtMigrateManager *virt_migrate_manager_new_with_settings   (VirtMigrateSettings *settings);
VirtMigrateSettings *virt_migrate_manager_get_settings       (VirtMigrateManager *self);
VirtMigrateJob     *virt_migrate_manager_create_job          (VirtMigrateManager *self,
                                                              VirtMigrateRequest *request,
                                                              GError            **error);
void                virt_migrate_manager_run_job             (VirtMigrateManager *self,
                                                              VirtMigrateJob     *job,
                                                              GCancellable       *cancellable);
VirtMigrateJob     *virt_migrate_manager_start               (VirtMigrateManager *self,
                                                              VirtMigrateRequest *request,
                                                              GCancellable       *cancellable,
                                                              GError            **error);
GPtrArray          *virt_migrate_manager_list_jobs           (VirtMigrateManager *self);
VirtMigrateJob     *virt_migrate_manager_recover             (VirtMigrateManager *self,
                                                              VirtMigrateJob     *job,
                                                              GError            **error);
VirtMigrateJob     *virt_migrate_manager_lookup_job          (VirtMigrateManager *self,
                                                              guint               id);
void                virt_migrate_manager_set_state_directory (VirtMigrateManager *self,
                                                              const char         *directory);
gboolean            virt_migrate_manager_set_ssh_directory   (VirtMigrateManager *self,
                                                              const char         *directory,
                                                              GError            **error);
VirtMigrateHistory *virt_migrate_manager_get_history         (VirtMigrateManager *self);
void                virt_migrate_manager_set_history         (VirtMigrateManager *self,
                                                              VirtMigrateHistory *history);
guint               virt_migrate_manager_get_n_connections   (VirtMigrateManager *self);
void                virt_migrate_manager_plan_async          (VirtMigrateManager  *self,
                                                              VirtMigrateRequest  *request,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
VirtMigratePlan    *virt_migrate_manager_plan_finish         (VirtMigrateManager  *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

void                virt_migrate_manager_check_async         (VirtMigrateManager  *self,
                                                              VirtMigrateRequest  *request,
                                                              const char * const  *destinations,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
GVariant           *virt_migrate_manager_check_finish        (VirtMigrateManager  *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

void                virt_migrate_manager_list_guests_async   (VirtMigrateManager  *self,
                                                              const char          *source_uri,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
GVariant           *virt_migrate_manager_list_guests_finish  (VirtMigrateManager  *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

VirtMigrateDrain   *virt_migrate_manager_create_drain        (VirtMigrateManager  *self,
                                                              VirtMigrateRequest  *request,
                                                              const char * const  *destinations,
                                                              GError             **error);
GPtrArray          *virt_migrate_manager_list_drains         (VirtMigrateManager  *self);
VirtMigrateDrain   *virt_migrate_manager_lookup_drain        (VirtMigrateManager  *self,
                                                              guint                id);

G_END_DECLS
