/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRT_MIGRATE_H_INSIDE__) && !defined(VIRT_MIGRATE_COMPILATION)
#error "Only <virt-migrate.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virt-migrate-policy.h"

G_BEGIN_DECLS

/**
 * VIRT_MIGRATE_SETTINGS_SCHEMA:
 *
 * The id of virt-migrate's GSettings schema.
 */
#define VIRT_MIGRATE_SETTINGS_SCHEMA "org.virtmigrate.VirtMigrate"

#define VIRT_MIGRATE_TYPE_SETTINGS (virt_migrate_settings_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateSettings, virt_migrate_settings, VIRT_MIGRATE, SETTINGS, GObject)

VirtMigrateSettings *virt_migrate_settings_new                       (void);
VirtMigrateSettings *virt_migrate_settings_new_with_backend          (GSettingsBackend    *backend);
GSettings           *virt_migrate_settings_get_gsettings             (VirtMigrateSettings *self);
guint                virt_migrate_settings_get_poll_interval         (VirtMigrateSettings *self);
guint                virt_migrate_settings_get_progress_rate         (VirtMigrateSettings *self);
guint                virt_migrate_settings_get_retention             (VirtMigrateSettings *self);
guint                virt_migrate_settings_get_history_size          (VirtMigrateSettings *self);
guint                virt_migrate_settings_get_postcopy_recovery_timeout (VirtMigrateSettings *self);
guint                virt_migrate_settings_get_max_parallel          (VirtMigrateSettings *self);
guint                virt_migrate_settings_get_max_parallel_per_source (VirtMigrateSettings *self);
guint                virt_migrate_settings_get_max_parallel_per_destination (VirtMigrateSettings *self);
guint64              virt_migrate_settings_get_bandwidth             (VirtMigrateSettings *self);
guint64              virt_migrate_settings_get_max_downtime          (VirtMigrateSettings *self);
VirtMigratePolicy   *virt_migrate_settings_create_policy             (VirtMigrateSettings *self);

G_END_DECLS
