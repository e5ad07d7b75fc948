/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-service.h"

#include "virt-migrate-peas-plugin.h"

/*
 * VirtMigratePeasPlugin: virt-migrate as a libpeas 1.x plugin
 * (`virt-migrate.plugin` + `libvirt-migrate-peas.so`), implementing
 * #PeasActivatable for any host object.
 *
 * activate() creates a #VirtMigrateManager (the "manager" property, for
 * the host to use directly). When the host object is a #GApplication
 * registered on D-Bus, it also exports the Manager and Job interfaces with
 * a #VirtMigrateDBusService at the application's object path plus
 * "/VirtMigrate" (e.g. /org/example/App/VirtMigrate/Manager).
 *
 * deactivate() unexports and drops the manager; migrations already running
 * are not touched and finish on their own (each job holds what it needs).
 */
struct _VirtMigratePeasPlugin
{
  GObject                 parent_instance;
  GObject                *object;   /* the host object (PeasActivatable:object) */
  VirtMigrateManager     *manager;
  VirtMigrateDBusService *service;
  char                   *dbus_path;
};

enum {
  PROP_0,
  PROP_OBJECT,
  PROP_MANAGER,
  PROP_DBUS_PATH,
  N_PROPS
};

static void virt_migrate_peas_plugin_activatable_init (PeasActivatableInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (VirtMigratePeasPlugin, virt_migrate_peas_plugin, G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (PEAS_TYPE_ACTIVATABLE,
                                                               virt_migrate_peas_plugin_activatable_init))

static void
virt_migrate_peas_plugin_activate (PeasActivatable *activatable)
{
  VirtMigratePeasPlugin *self = VIRT_MIGRATE_PEAS_PLUGIN (activatable);
  g_autoptr(GError) error = NULL;

  if (self->manager != NULL)
    return;
  self->manager = virt_migrate_manager_new ();
  g_object_notify (G_OBJECT (self), "manager");

  if (G_IS_APPLICATION (self->object))
    {
      GApplication *app = G_APPLICATION (self->object);
      GDBusConnection *connection = g_application_get_dbus_connection (app);
      const char *app_path = g_application_get_dbus_object_path (app);

      if (connection == NULL || app_path == NULL)
        {
          g_debug ("the application is not on D-Bus: no D-Bus interfaces");
          return;
        }
      self->dbus_path = g_strconcat (app_path, "/VirtMigrate", NULL);
      self->service = virt_migrate_dbus_service_new (self->manager, connection, self->dbus_path);
      if (!virt_migrate_dbus_service_export (self->service, &error))
        {
          g_warning ("cannot export virt-migrate at %s: %s", self->dbus_path, error->message);
          g_clear_object (&self->service);
          g_clear_pointer (&self->dbus_path, g_free);
          return;
        }
      g_object_notify (G_OBJECT (self), "dbus-path");
    }
}

static void
virt_migrate_peas_plugin_deactivate (PeasActivatable *activatable)
{
  VirtMigratePeasPlugin *self = VIRT_MIGRATE_PEAS_PLUGIN (activatable);

  if (self->service != NULL)
    virt_migrate_dbus_service_unexport (self->service);
  g_clear_object (&self->service);
  g_clear_pointer (&self->dbus_path, g_free);
  /* Running jobs keep the manager's connections alive until they end. */
  g_clear_object (&self->manager);
  g_object_notify (G_OBJECT (self), "manager");
  g_object_notify (G_OBJECT (self), "dbus-path");
}

static void
virt_migrate_peas_plugin_activatable_init (PeasActivatableInterface *iface)
{
  iface->activate = virt_migrate_peas_plugin_activate;
  iface->deactivate = virt_migrate_peas_plugin_deactivate;
}

static void
virt_migrate_peas_plugin_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VirtMigratePeasPlugin *self = VIRT_MIGRATE_PEAS_PLUGIN (object);

  switch (prop_id)
    {
    case PROP_OBJECT: g_value_set_object (value, self->object); break;
    case PROP_MANAGER: g_value_set_object (value, self->manager); break;
    case PROP_DBUS_PATH: g_value_set_string (value, self->dbus_path); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_peas_plugin_set_property (GObject *object, guint prop_id, const GValue *value,
                                       GParamSpec *pspec)
{
  VirtMigratePeasPlugin *self = VIRT_MIGRATE_PEAS_PLUGIN (object);

  switch (prop_id)
    {
    case PROP_OBJECT: g_set_object (&self->object, g_value_get_object (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_peas_plugin_dispose (GObject *object)
{
  VirtMigratePeasPlugin *self = VIRT_MIGRATE_PEAS_PLUGIN (object);

  if (self->service != NULL)
    virt_migrate_dbus_service_unexport (self->service);
  g_clear_object (&self->service);
  g_clear_object (&self->manager);
  g_clear_object (&self->object);
  g_clear_pointer (&self->dbus_path, g_free);
  G_OBJECT_CLASS (virt_migrate_peas_plugin_parent_class)->dispose (object);
}

static void
virt_migrate_peas_plugin_class_init (VirtMigratePeasPluginClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = virt_migrate_peas_plugin_get_property;
  object_class->set_property = virt_migrate_peas_plugin_set_property;
  object_class->dispose = virt_migrate_peas_plugin_dispose;

  g_object_class_override_property (object_class, PROP_OBJECT, "object");
  g_object_class_install_property (object_class, PROP_MANAGER,
    g_param_spec_object ("manager", NULL, NULL, VIRT_MIGRATE_TYPE_MANAGER,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, PROP_DBUS_PATH,
    g_param_spec_string ("dbus-path", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
virt_migrate_peas_plugin_class_finalize (VirtMigratePeasPluginClass *klass)
{
}

static void
virt_migrate_peas_plugin_init (VirtMigratePeasPlugin *self)
{
}

G_MODULE_EXPORT void
peas_register_types (PeasObjectModule *module)
{
  virt_migrate_peas_plugin_register_type (G_TYPE_MODULE (module));
  peas_object_module_register_extension_type (module, PEAS_TYPE_ACTIVATABLE,
                                              VIRT_MIGRATE_TYPE_PEAS_PLUGIN);
}
