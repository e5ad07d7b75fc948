/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include <virt-migrate.h>

G_BEGIN_DECLS

/**
 * VIRT_MIGRATE_DBUS_NAME:
 *
 * The well-known bus name of virt-migrated.
 */
#define VIRT_MIGRATE_DBUS_NAME "org.virtmigrate.VirtMigrate1"

/**
 * VIRT_MIGRATE_DBUS_PATH:
 *
 * The object path of the object manager; the manager object is at
 * `VIRT_MIGRATE_DBUS_PATH "/Manager"` and jobs at `…/jobs/ID`.
 */
#define VIRT_MIGRATE_DBUS_PATH "/org/virtmigrate/VirtMigrate1"

#define VIRT_MIGRATE_TYPE_DBUS_SERVICE (virt_migrate_dbus_service_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateDBusService, virt_migrate_dbus_service,
                      VIRT_MIGRATE, DBUS_SERVICE, GObject)

VirtMigrateDBusService *virt_migrate_dbus_service_new        (VirtMigrateManager     *manager,
                                                              GDBusConnection        *connection,
                                                              const char             *object_path);
gboolean                virt_migrate_dbus_service_export     (VirtMigrateDBusService *self,
                                                              GError                **error);
void                    virt_migrate_dbus_service_unexport   (VirtMigrateDBusService *self);
guint                   virt_migrate_dbus_service_get_n_jobs (VirtMigrateDBusService *self);

G_END_DECLS
