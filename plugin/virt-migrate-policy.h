/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRT_MIGRATE_H_INSIDE__) && !defined(VIRT_MIGRATE_COMPILATION)
#error "Only <virt-migrate.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virt-migrate-enums.h"

G_BEGIN_DECLS

#define VIRT_MIGRATE_TYPE_POLICY (virt_migrate_policy_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigratePolicy, virt_migrate_policy, VIRT_MIGRATE, POLICY, GObject)

VirtMigratePolicy       *virt_migrate_policy_new                        (void);
VirtMigratePolicy       *virt_migrate_policy_copy                       (VirtMigratePolicy *self);
gboolean                 virt_migrate_policy_get_enabled                (VirtMigratePolicy *self);
guint                    virt_migrate_policy_get_stall_window           (VirtMigratePolicy *self);
guint                    virt_migrate_policy_get_stall_iterations       (VirtMigratePolicy *self);
guint                    virt_migrate_policy_get_downtime_steps         (VirtMigratePolicy *self);
guint64                  virt_migrate_policy_get_downtime_max           (VirtMigratePolicy *self);
guint                    virt_migrate_policy_get_completion_timeout_per_gib (VirtMigratePolicy *self);
VirtMigratePolicyAction  virt_migrate_policy_get_completion_action      (VirtMigratePolicy *self);
gboolean                 virt_migrate_policy_get_postcopy_on_stall      (VirtMigratePolicy *self);
gboolean                 virt_migrate_policy_get_predict                (VirtMigratePolicy *self);
const char * const      *virt_migrate_policy_get_bandwidth_schedule     (VirtMigratePolicy *self);
guint64                  virt_migrate_policy_get_bandwidth_at           (VirtMigratePolicy *self,
                                                                         guint              seconds,
                                                                         int               *entry);

G_END_DECLS
