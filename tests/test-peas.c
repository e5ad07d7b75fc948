/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libpeas plugin loaded by a real PeasEngine from the build tree into a
 * GApplication on a private bus: a migration started over the D-Bus
 * interfaces it exports under the application's path; deactivation in the
 * middle of another migration, which goes on to the end. */
#include <libpeas/peas.h>

#include "vm-testbed.h"

#define APP_ID "org.virtmigrate.PeasTest"
#define APP_PATH "/org/virtmigrate/PeasTest"

static GApplication *app;
static GDBusConnection *client;
static PeasEngine *engine;

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* A call to the plugin's objects, which live in this process: async, with
 * this thread's main context running meanwhile. */
static GVariant *
call (const char *path, const char *iface, const char *method, GVariant *params,
      const GVariantType *reply_type, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_dbus_connection_call (client, g_dbus_connection_get_unique_name (g_application_get_dbus_connection (app)),
                          path, iface, method, params, reply_type, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_dbus_connection_call_finish (client, result, error);
}

static char *
migrate_over_dbus (const char *base, const char *name)
{
  g_autoptr(VirtMigrateRequest) req = vm_testbed_slow_request (name, 48, 8);
  g_autoptr(GError) error = NULL;
  g_autofree char *manager_path = g_strconcat (base, "/Manager", NULL);
  g_autoptr(GVariant) reply = call (manager_path, "org.virtmigrate.VirtMigrate1.Manager", "Migrate",
                                    g_variant_new ("(@a{sv})", virt_migrate_request_to_variant (req)),
                                    G_VARIANT_TYPE ("(o)"), &error);
  char *path = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &path);
  return path;
}

static void
on_properties_changed (GDBusConnection *connection, const char *sender, const char *path,
                       const char *iface, const char *signal, GVariant *params, gpointer user_data)
{
  g_autoptr(GVariant) changed = g_variant_get_child_value (params, 1);
  gdouble progress;

  if (g_variant_lookup (changed, "Progress", "d", &progress))
    (*(guint *) user_data)++;
}

typedef struct {
  GMainLoop *loop;
  VirtMigrateJob *job;
} Wait;

static void
on_job_removed (VirtMigrateManager *manager, VirtMigrateJob *job, Wait *w)
{
  if (w->job == NULL || w->job == job)
    {
      g_set_object (&w->job, job);
      g_main_loop_quit (w->loop);
    }
}

static PeasExtension *
activate_plugin (char **dbus_path, VirtMigrateManager **manager)
{
  PeasPluginInfo *info = peas_engine_get_plugin_info (engine, "virt-migrate-peas");
  PeasExtension *ext;

  g_assert_nonnull (info);
  g_assert_true (peas_engine_load_plugin (engine, info));
  g_assert_true (peas_plugin_info_is_loaded (info));
  ext = peas_engine_create_extension (engine, info, PEAS_TYPE_ACTIVATABLE, "object", app, NULL);
  g_assert_nonnull (ext);
  peas_activatable_activate (PEAS_ACTIVATABLE (ext));
  g_object_get (ext, "dbus-path", dbus_path, "manager", manager, NULL);
  g_assert_cmpstr (*dbus_path, ==, APP_PATH "/VirtMigrate");
  g_assert_nonnull (*manager);
  return ext;
}

static void
test_plugin_migrate (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("peas");
  g_autofree char *dbus_path = NULL, *job_path = NULL;
  g_autoptr(VirtMigrateManager) manager = NULL;
  g_autoptr(PeasExtension) ext = NULL;
  guint n_progress = 0, sub;
  Wait w = { g_main_loop_new (NULL, FALSE), NULL };

  g_test_summary ("PeasEngine loads the plugin from the build tree; activate() exports the "
                  "interfaces under the application's path; a migration through them succeeds "
                  "with progress as PropertiesChanged");
  ext = activate_plugin (&dbus_path, &manager);
  g_signal_connect (manager, "job-removed", G_CALLBACK (on_job_removed), &w);
  sub = g_dbus_connection_signal_subscribe (client, NULL, "org.freedesktop.DBus.Properties",
                                            "PropertiesChanged", NULL, "org.virtmigrate.VirtMigrate1.Job",
                                            G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed, &n_progress, NULL);
  job_path = migrate_over_dbus (dbus_path, name);
  g_assert_true (g_str_has_prefix (job_path, APP_PATH "/VirtMigrate/jobs/"));
  g_main_loop_run (w.loop);
  /* Let the last PropertiesChanged arrive. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) state = call (job_path, "org.freedesktop.DBus.Properties", "Get",
                                      g_variant_new ("(ss)", "org.virtmigrate.VirtMigrate1.Job", "State"),
                                      G_VARIANT_TYPE ("(v)"), &error);
    g_autoptr(GVariant) v = NULL;

    g_assert_no_error (error);
    g_variant_get (state, "(v)", &v);
    g_assert_cmpstr (g_variant_get_string (v, NULL), ==, "succeeded");
  }
  g_test_message ("%u Progress updates over D-Bus", n_progress);
  g_assert_cmpuint (n_progress, >=, 2);
  g_assert_cmpint (virt_migrate_job_get_state (w.job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  vm_assert_guest (tb->dst_uri, name, VM_GUEST_RUNNING);
  vm_assert_guest (tb->src_uri, name, VM_GUEST_ABSENT);
  vm_testbed_destroy_guest (tb->dst_uri, name);

  g_dbus_connection_signal_unsubscribe (client, sub);
  peas_activatable_deactivate (PEAS_ACTIVATABLE (ext));
  g_clear_object (&w.job);
  g_main_loop_unref (w.loop);
}

static void
on_first_progress (VirtMigrateJob *job, GParamSpec *pspec, GMainLoop *loop)
{
  if (virt_migrate_job_get_progress (job) > 0)
    g_main_loop_quit (loop);
}

static void
test_plugin_deactivate_midway (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("peas-deact");
  g_autofree char *dbus_path = NULL, *job_path = NULL, *manager_path = NULL;
  g_autoptr(VirtMigrateManager) manager = NULL;
  g_autoptr(PeasExtension) ext = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gulong id;

  g_test_summary ("deactivate() during a migration removes the D-Bus objects; the migration "
                  "goes on and succeeds");
  ext = activate_plugin (&dbus_path, &manager);
  job_path = migrate_over_dbus (dbus_path, name);
  jobs = virt_migrate_manager_list_jobs (manager);
  g_assert_cmpuint (jobs->len, ==, 1);
  job = g_object_ref (g_ptr_array_index (jobs, 0));
  id = g_signal_connect (job, "notify::progress", G_CALLBACK (on_first_progress), loop);
  g_main_loop_run (loop);
  g_signal_handler_disconnect (job, id);

  peas_activatable_deactivate (PEAS_ACTIVATABLE (ext));
  g_clear_object (&manager);
  g_clear_object (&ext);
  manager_path = g_strconcat (dbus_path, "/Manager", NULL);
  reply = call (manager_path, "org.virtmigrate.VirtMigrate1.Manager", "GetJobs", NULL, NULL, &error);
  g_assert_null (reply);
  g_assert_true (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
                 g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT));
  g_assert_false (virt_migrate_job_is_finished (job));

  while (!virt_migrate_job_is_finished (job))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  vm_assert_guest (tb->dst_uri, name, VM_GUEST_RUNNING);
  vm_testbed_destroy_guest (tb->dst_uri, name);
}

int
main (int argc, char **argv)
{
  g_autoptr(GTestDBus) bus = NULL;
  g_autoptr(GError) error = NULL;
  int rc;

  g_test_init (&argc, &argv, NULL);
  vm_testbed_get ();
  if (argc < 2)
    g_error ("usage: test-peas PLUGIN_DIR");

  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  app = g_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  g_assert_true (g_application_register (app, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_application_get_dbus_object_path (app), ==, APP_PATH);
  client = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);
  engine = peas_engine_new ();
  peas_engine_add_search_path (engine, argv[1], NULL);

  g_test_add_func ("/virt-migrate/peas/migrate", test_plugin_migrate);
  g_test_add_func ("/virt-migrate/peas/deactivate-midway", test_plugin_deactivate_midway);
  rc = g_test_run ();

  g_clear_object (&engine);
  g_clear_object (&client);
  g_clear_object (&app);
  g_test_dbus_down (bus);
  return rc;
}
