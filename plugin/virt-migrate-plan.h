/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRT_MIGRATE_H_INSIDE__) && !defined(VIRT_MIGRATE_COMPILATION)
#error "Only <virt-migrate.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virt-migrate-config-outcome.h"
#include "virt-migrate-request.h"

G_BEGIN_DECLS

#define VIRT_MIGRATE_TYPE_PLAN (virt_migrate_plan_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigratePlan, virt_migrate_plan, VIRT_MIGRATE, PLAN, GObject)

VirtMigrateRequest       *virt_migrate_plan_get_request         (VirtMigratePlan *self);
const char               *virt_migrate_plan_get_libvirt_api     (VirtMigratePlan *self);
guint                     virt_migrate_plan_get_libvirt_flags   (VirtMigratePlan *self);
const char * const       *virt_migrate_plan_get_flag_names      (VirtMigratePlan *self);
GVariant                 *virt_migrate_plan_get_parameters      (VirtMigratePlan *self);
const char               *virt_migrate_plan_get_data_path       (VirtMigratePlan *self);
const char               *virt_migrate_plan_get_guest_uuid      (VirtMigratePlan *self);
gboolean                  virt_migrate_plan_get_source_persistent (VirtMigratePlan *self);
gboolean                  virt_migrate_plan_get_dest_checked    (VirtMigratePlan *self);
gboolean                  virt_migrate_plan_get_dest_config_exists (VirtMigratePlan *self);
VirtMigrateConfigOutcome *virt_migrate_plan_get_config_outcome  (VirtMigratePlan *self);
GVariant                 *virt_migrate_plan_get_verdict         (VirtMigratePlan *self);
GVariant                 *virt_migrate_plan_to_variant          (VirtMigratePlan *self);
char                     *virt_migrate_plan_to_text             (VirtMigratePlan *self);

char                     *virt_migrate_verdict_to_text          (GVariant        *verdict);

G_END_DECLS
