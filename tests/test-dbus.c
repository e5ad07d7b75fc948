/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The D-Bus service on a private bus (GTestDBus): the real virt-migrated
 * daemon, real migrations between the test-bed hosts, followed only through
 * D-Bus. */
#include <gio/gio.h>
#include <libvirt/libvirt.h>
#include <unistd.h>

#include "virt-migrate-dbus-generated.h"
#include "vm-testbed.h"

#define RANDOM_MIB 64
#define BANDWIDTH_MIB 8

static GTestDBus *bus;
static GPid daemon_pid;
static GDBusConnection *client;

/* A throttled storage migration of a new guest, as the a{sv} D-Bus takes. */
static GVariant *
slow_request (const char *name)
{
  g_autoptr(VirtMigrateRequest) req = vm_testbed_slow_request (name, RANDOM_MIB, BANDWIDTH_MIB);
  return g_variant_ref_sink (virt_migrate_request_to_variant (req));
}

/* Proxies to the service in this process must not load properties with a
 * blocking GetAll: that service answers from this very thread. */
static GDBusProxyFlags
proxy_flags (const char *bus_name)
{
  return g_str_equal (bus_name, VIRT_MIGRATE_DBUS_NAME) ? G_DBUS_PROXY_FLAGS_NONE
                                                        : G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES;
}

static VirtMigrateDBusManager *
manager_proxy (GDBusConnection *connection, const char *bus_name, const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *manager_path = g_strconcat (path, "/Manager", NULL);
  VirtMigrateDBusManager *proxy =
    virt_migrate_dbus_manager_proxy_new_sync (connection, proxy_flags (bus_name), bus_name,
                                              manager_path, NULL, &error);
  g_assert_no_error (error);
  return proxy;
}

typedef struct {
  GMainLoop          *loop;
  VirtMigrateDBusJob *job;
  GArray             *progress;    /* every Progress in PropertiesChanged */
  GArray             *times;       /* when each of those arrived (µs) */
  gboolean            completed;
  gboolean            success;
  char               *message;
  gdouble             cancel_at;   /* > 0: Cancel once Progress reaches it */
  gboolean            cancel_sent;
} Follow;

static void on_cancel_reply (GObject *source, GAsyncResult *result, gpointer user_data);

static void
on_cancel_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  /* Cancel is accepted: the outcome arrives with Completed. */
  virt_migrate_dbus_job_call_cancel_finish (VIRT_MIGRATE_DBUS_JOB (source), result, &error);
  g_assert_no_error (error);
}

static void
on_properties_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated, Follow *f)
{
  gdouble p;

  if (!g_variant_lookup (changed, "Progress", "d", &p))
    return;
  g_array_append_val (f->progress, p);
  {
    gint64 now = g_get_monotonic_time ();
    g_array_append_val (f->times, now);
  }
  if (f->cancel_at > 0 && p >= f->cancel_at && !f->cancel_sent)
    {
      f->cancel_sent = TRUE;
      g_test_message ("Cancel at progress %.2f", p);
      virt_migrate_dbus_job_call_cancel (f->job, NULL, on_cancel_reply, f);
    }
}

static void
on_completed (VirtMigrateDBusJob *job, gboolean success, const char *message, Follow *f)
{
  f->completed = TRUE;
  f->success = success;
  f->message = g_strdup (message);
  g_main_loop_quit (f->loop);
}

static gboolean
state_is_done (const char *state)
{
  return g_strcmp0 (state, "succeeded") == 0 || g_strcmp0 (state, "failed") == 0 ||
         g_strcmp0 (state, "cancelled") == 0;
}

static void
follow_init (Follow *f, GDBusConnection *connection, const char *bus_name, const char *path)
{
  g_autoptr(GError) error = NULL;

  memset (f, 0, sizeof (*f));
  f->loop = g_main_loop_new (NULL, FALSE);
  f->progress = g_array_new (FALSE, FALSE, sizeof (gdouble));
  f->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  f->job = virt_migrate_dbus_job_proxy_new_sync (connection, proxy_flags (bus_name), bus_name,
                                                 path, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (f->job, "g-properties-changed", G_CALLBACK (on_properties_changed), f);
  g_signal_connect (f->job, "completed", G_CALLBACK (on_completed), f);
}

/* A restarted daemon owns its name before it has exported the jobs it
 * recovered: a proxy made before then would start with no properties. */
static void
wait_exported (GDBusConnection *connection, const char *path)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (TRUE)
    {
      g_autoptr(GVariant) all =
        g_dbus_connection_call_sync (connection, VIRT_MIGRATE_DBUS_NAME, path, "org.freedesktop.DBus.Properties",
                                     "GetAll", g_variant_new ("(s)", "org.virtmigrate.VirtMigrate1.Job"),
                                     G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);

      if (all != NULL)
        return;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
}

static void
follow_clear (Follow *f)
{
  g_main_loop_unref (f->loop);
  g_array_unref (f->progress);
  g_array_unref (f->times);
  g_clear_object (&f->job);
  g_free (f->message);
}

/* Migrate(@name's slow request) on the daemon, then follow the job. */
static void
migrate_and_follow (Follow *f, const char *name)
{
  g_autoptr(GVariant) request = slow_request (name);
  g_autoptr(VirtMigrateDBusManager) manager = manager_proxy (client, VIRT_MIGRATE_DBUS_NAME,
                                                             VIRT_MIGRATE_DBUS_PATH);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  g_assert_true (virt_migrate_dbus_manager_call_migrate_sync (manager, request, &path, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (path, VIRT_MIGRATE_DBUS_PATH "/jobs/"));
  follow_init (f, client, VIRT_MIGRATE_DBUS_NAME, path);
}

static void
test_migrate (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("dbus");
  Follow f;

  g_test_summary ("Migrate over D-Bus, followed only through PropertiesChanged and Completed");
  migrate_and_follow (&f, name);
  g_assert_cmpstr (virt_migrate_dbus_job_get_domain (f.job), ==, name);
  g_assert_cmpuint (virt_migrate_dbus_job_get_started_by_uid (f.job), ==, getuid ());
  g_main_loop_run (f.loop);

  g_test_message ("%u Progress updates; message: %s", f.progress->len, f.message);
  g_assert_true (f.success);
  g_assert_cmpstr (virt_migrate_dbus_job_get_state (f.job), ==, "succeeded");
  g_assert_cmpfloat (virt_migrate_dbus_job_get_progress (f.job), ==, 1.0);
  g_assert_cmpuint (virt_migrate_dbus_job_get_bytes_processed (f.job), ==,
                    virt_migrate_dbus_job_get_bytes_total (f.job));
  g_assert_cmpuint (f.progress->len, >=, 2);
  for (guint i = 1; i < f.progress->len; i++)
    {
      g_assert_cmpfloat (g_array_index (f.progress, gdouble, i), >=,
                         g_array_index (f.progress, gdouble, i - 1));
      /* At most 10 updates a second (with some slack for bus latency). */
      g_assert_cmpint (g_array_index (f.times, gint64, i) - g_array_index (f.times, gint64, i - 1),
                       >=, 50 * 1000);
    }
  vm_assert_guest (tb->dst_uri, name, VM_GUEST_RUNNING);
  vm_assert_guest (tb->src_uri, name, VM_GUEST_ABSENT);
  vm_testbed_destroy_guest (tb->dst_uri, name);
  follow_clear (&f);
}

static void
test_cancel (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("dbus-cancel");
  g_autoptr(GError) error = NULL;
  Follow f;

  g_test_summary ("Cancel over D-Bus mid-copy: Completed(false), the guest stays on the source");
  migrate_and_follow (&f, name);
  f.cancel_at = 0.01; /* the first progress report: most of the disk still to copy */
  g_main_loop_run (f.loop);

  g_assert_true (f.cancel_sent);
  g_assert_false (f.success);
  g_assert_cmpstr (virt_migrate_dbus_job_get_state (f.job), ==, "cancelled");
  g_assert_false (virt_migrate_dbus_job_get_cancelable (f.job));
  vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
  vm_assert_guest (tb->dst_uri, name, VM_GUEST_ABSENT);

  /* Cancelling again: a clear answer, nothing changes. */
  g_assert_false (virt_migrate_dbus_job_call_cancel_sync (f.job, NULL, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_NOT_CANCELLABLE);
  vm_testbed_destroy_guest (tb->src_uri, name);
  follow_clear (&f);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* A method call while this thread's main context runs: the in-process
 * service answers from the same context. */
static GVariant *
call_iterating (GDBusProxy *proxy, const char *method, GVariant *params, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_dbus_proxy_call (proxy, method, params, G_DBUS_CALL_FLAGS_NONE, -1, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_dbus_proxy_call_finish (proxy, result, error);
}

static gboolean
only_owner (VirtMigrateDBusService *service, const char *action, const char *sender, guint uid,
            VirtMigrateJob *job, gpointer owner_name)
{
  return g_strcmp0 (sender, owner_name) == 0;
}

/* The same check through the authorisation hook, in-process: the service on
 * a third connection, allowing only the connection that started the job. */
static void
test_authorize_hook (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  const char *address = g_test_dbus_get_bus_address (bus);
  g_autofree char *name = vm_testbed_unique_name ("dbus-hook");
  g_autoptr(GVariant) request = slow_request (name);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) service_conn = NULL, owner_conn = NULL, other_conn = NULL;
  g_autoptr(VirtMigrateManager) lib_manager = virt_migrate_manager_new ();
  g_autoptr(VirtMigrateDBusService) service = NULL;
  g_autoptr(VirtMigrateDBusManager) manager = NULL;
  g_autoptr(VirtMigrateDBusJob) other_job = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GVariant) reply = NULL;
  Follow f;

  g_test_summary ("The authorize hook: a second client's Cancel gets AccessDenied; the "
                  "owner's Cancel works");
#define CONNECT(conn) \
  conn = g_dbus_connection_new_for_address_sync (address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | \
                                                 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, \
                                                 NULL, NULL, &error); \
  g_assert_no_error (error)
  CONNECT (service_conn);
  CONNECT (owner_conn);
  CONNECT (other_conn);
#undef CONNECT

  service = virt_migrate_dbus_service_new (lib_manager, service_conn, "/test/VirtMigrate1");
  g_assert_true (virt_migrate_dbus_service_export (service, &error));

  manager = manager_proxy (owner_conn, g_dbus_connection_get_unique_name (service_conn),
                           "/test/VirtMigrate1");
  reply = call_iterating (G_DBUS_PROXY (manager), "Migrate", g_variant_new ("(@a{sv})", request), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &path);
  follow_init (&f, owner_conn, g_dbus_connection_get_unique_name (service_conn), path);

  /* The default policy, before any handler is connected: the uid that
   * started the job and root may act on it, another uid may not. */
  {
    g_autoptr(GPtrArray) jobs = virt_migrate_manager_list_jobs (lib_manager);
    const guint uids[] = { getuid (), 0, getuid () + 4242 };
    const gboolean expected[] = { TRUE, TRUE, FALSE };

    g_assert_cmpuint (jobs->len, ==, 1);
    for (guint i = 0; i < G_N_ELEMENTS (uids); i++)
      {
        gboolean allowed = !expected[i];

        g_signal_emit_by_name (service, "authorize", "cancel", ":1.0", uids[i],
                               g_ptr_array_index (jobs, 0), &allowed);
        g_assert_cmpint (allowed, ==, expected[i]);
      }
  }
  /* Now a policy of the host's own: only the connection that started it. */
  g_signal_connect (service, "authorize", G_CALLBACK (only_owner),
                    (gpointer) g_dbus_connection_get_unique_name (owner_conn));

  other_job = virt_migrate_dbus_job_proxy_new_sync (other_conn, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                                    g_dbus_connection_get_unique_name (service_conn),
                                                    path, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (call_iterating (G_DBUS_PROXY (other_job), "Cancel", NULL, &error));
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED);
  g_clear_error (&error);
  g_assert_null (call_iterating (G_DBUS_PROXY (other_job), "SetMaxSpeed",
                                 g_variant_new ("(t)", (guint64) 1000), &error));
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED);
  g_clear_error (&error);

  /* The owner may. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = call_iterating (G_DBUS_PROXY (f.job), "Cancel", NULL, &error);
  g_assert_no_error (error);
  if (!f.completed)
    g_main_loop_run (f.loop);
  g_assert_false (f.success);
  g_assert_nonnull (strstr (f.message, "Cancelled"));
  vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
  vm_assert_guest (tb->dst_uri, name, VM_GUEST_ABSENT);
  vm_testbed_destroy_guest (tb->src_uri, name);
  virt_migrate_dbus_service_unexport (service);
  follow_clear (&f);
}

static void
test_bad_requests (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateDBusManager) manager = manager_proxy (client, VIRT_MIGRATE_DBUS_NAME,
                                                             VIRT_MIGRATE_DBUS_PATH);
  g_autofree char *huge = g_strnfill (100 * 1024, 'x');
  g_autofree char *src = g_variant_print (g_variant_new_string (tb->src_uri), FALSE);
  struct {
    char *text;
    int   code;
  } bad[] = {
    { g_strdup ("{'colour': <'blue'>}"), VIRT_MIGRATE_ERROR_UNKNOWN_KEY },
    { g_strdup ("{'domain': <42>}"), VIRT_MIGRATE_ERROR_WRONG_TYPE },
    { g_strdup ("{'domain': <''>}"), VIRT_MIGRATE_ERROR_MISSING_DOMAIN },
    { g_strdup_printf ("{'domain': <'%s'>}", huge), VIRT_MIGRATE_ERROR_OUT_OF_RANGE },
    { g_strdup_printf ("{'domain': <'g'>, 'source-uri': <%s>, 'dest-uri': <'tcp://x:1'>}", src),
      VIRT_MIGRATE_ERROR_URI_KIND_MISMATCH },
    { g_strdup_printf ("{'domain': <'g'>, 'source-uri': <%s>, 'dest-uri': <'::'>}", src),
      VIRT_MIGRATE_ERROR_INVALID_URI },
  };

  g_test_summary ("Bad requests get named errors (the original GError for a client that "
                  "loaded the library); the daemon keeps serving");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GVariant) dict = g_variant_ref_sink (g_variant_parse (G_VARIANT_TYPE_VARDICT, bad[i].text,
                                                                      NULL, NULL, NULL));
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      g_autofree char *remote = NULL;

      g_assert_false (virt_migrate_dbus_manager_call_migrate_sync (manager, dict, &path, NULL, &error));
      g_assert_error (error, VIRT_MIGRATE_ERROR, bad[i].code);
      remote = g_dbus_error_encode_gerror (error);
      g_assert_true (g_str_has_prefix (remote, "org.virtmigrate.VirtMigrate1.Error."));
      g_test_message ("%s: %s", remote, error->message);
      g_clear_error (&error);
      g_assert_false (virt_migrate_dbus_manager_call_validate_sync (manager, dict, NULL, &error));
      g_assert_error (error, VIRT_MIGRATE_ERROR, bad[i].code);
      g_free (bad[i].text);
    }

  /* Still serving. */
  {
    g_auto(GStrv) jobs = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (virt_migrate_dbus_manager_call_get_jobs_sync (manager, &jobs, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (virt_migrate_dbus_manager_get_version (manager), ==, VIRT_MIGRATE_VERSION);
  }
}

static void
test_gdbus_tool (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("gdbus");
  g_autofree char *out = NULL, *err = NULL, *cmd = NULL, *request = NULL, *src = NULL, *dst = NULL;
  g_autofree char *plan_cmd = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_test_summary ("gdbus introspect shows the interfaces; gdbus call plans a migration");
  g_assert_true (g_spawn_command_line_sync ("gdbus introspect --session --dest " VIRT_MIGRATE_DBUS_NAME
                                            " --object-path " VIRT_MIGRATE_DBUS_PATH "/Manager",
                                            &out, &err, &status, &error));
  g_assert_nonnull (strstr (out, "interface org.virtmigrate.VirtMigrate1.Manager"));
  g_assert_nonnull (strstr (out, "Migrate(in  a{sv} request"));

  vm_testbed_create_guest (tb->src_uri, name, NULL, FALSE, TRUE);
  src = g_variant_print (g_variant_new_string (tb->src_uri), FALSE);
  dst = g_variant_print (g_variant_new_string (tb->dst_uri), FALSE);
  request = g_strdup_printf ("{'domain': <'%s'>, 'source-uri': <%s>, 'dest-uri': <%s>, "
                             "'hypervisor-uri': <'unix:///tmp/x.sock'>, 'live': <true>, "
                             "'bandwidth': <4>}", name, src, dst);
  plan_cmd = g_strdup_printf ("gdbus call --session --dest " VIRT_MIGRATE_DBUS_NAME
                              " --object-path " VIRT_MIGRATE_DBUS_PATH "/Manager"
                              " --method org.virtmigrate.VirtMigrate1.Manager.Plan");
  {
    g_autofree char *quoted = g_shell_quote (request);
    cmd = g_strdup_printf ("%s %s", plan_cmd, quoted);
  }
  g_clear_pointer (&out, g_free);
  g_assert_true (g_spawn_command_line_sync (cmd, &out, NULL, &status, &error));
  g_test_message ("%s", out);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "'libvirt-api': <'virDomainMigrate3'>"));
  g_assert_nonnull (strstr (out, "'bandwidth': <uint64 4>"));
  vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
  vm_testbed_destroy_guest (tb->src_uri, name);
}

static char *
gdbus_call (const char *path, const char *method, const char *arg)
{
  g_autofree char *quoted = arg != NULL ? g_shell_quote (arg) : g_strdup ("");
  g_autofree char *cmd = g_strdup_printf ("gdbus call --session --dest " VIRT_MIGRATE_DBUS_NAME
                                          " --object-path %s --method %s %s", path, method, quoted);
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status = 0;

  g_assert_true (g_spawn_command_line_sync (cmd, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_test_message ("%s -> %s", method, out);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static void
test_gdbus_migrate_cancel (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("gdbus-cancel");
  g_autoptr(GVariant) request = slow_request (name);
  g_autofree char *text = g_variant_print (request, TRUE);
  g_autofree char *out = NULL, *path = NULL, *cancel_out = NULL;
  g_autoptr(GVariant) reply = NULL;
  Follow f;

  g_test_summary ("gdbus call starts a migration (Migrate) and cancels it (Job.Cancel), as "
                  "the README shows");
  out = gdbus_call (VIRT_MIGRATE_DBUS_PATH "/Manager", "org.virtmigrate.VirtMigrate1.Manager.Migrate", text);
  reply = g_variant_parse (G_VARIANT_TYPE ("(o)"), out, NULL, NULL, NULL);
  g_assert_nonnull (reply);
  g_variant_get (reply, "(o)", &path);
  follow_init (&f, client, VIRT_MIGRATE_DBUS_NAME, path);
  cancel_out = gdbus_call (path, "org.virtmigrate.VirtMigrate1.Job.Cancel", NULL);
  g_assert_cmpstr (g_strstrip (cancel_out), ==, "()");
  if (!state_is_done (virt_migrate_dbus_job_get_state (f.job)))
    g_main_loop_run (f.loop);
  g_assert_cmpstr (virt_migrate_dbus_job_get_state (f.job), ==, "cancelled");
  vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
  vm_assert_guest (tb->dst_uri, name, VM_GUEST_ABSENT);
  vm_testbed_destroy_guest (tb->src_uri, name);
  follow_clear (&f);
}

/* Starts virt-migrated with @args (NULL-terminated, at most 6), waiting
 * for it to own the bus name; with --replace it takes the name over. */
static void
start_daemon (const char *const *args)
{
  const char *daemon = g_getenv ("VIRT_MIGRATED");
  g_autofree char *state_dir = vm_testbed_path ("daemon-state");
  const char *argv[10] = { daemon, "--state-dir", state_dir };
  g_autoptr(GError) error = NULL;
  g_autofree char *old_owner = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_assert_nonnull (daemon);
  for (guint i = 0; args[i] != NULL && i < 6; i++)
    argv[i + 3] = args[i];
  {
    g_autoptr(GVariant) reply =
      g_dbus_connection_call_sync (client, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                   "org.freedesktop.DBus", "GetNameOwner",
                                   g_variant_new ("(s)", VIRT_MIGRATE_DBUS_NAME),
                                   G_VARIANT_TYPE ("(s)"), 0, -1, NULL, NULL);
    if (reply != NULL)
      g_variant_get (reply, "(s)", &old_owner);
  }
  if (daemon_pid != 0)
    g_spawn_close_pid (daemon_pid);
  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                &daemon_pid, &error));
  g_assert_no_error (error);
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GVariant) reply =
        g_dbus_connection_call_sync (client, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetNameOwner",
                                     g_variant_new ("(s)", VIRT_MIGRATE_DBUS_NAME),
                                     G_VARIANT_TYPE ("(s)"), 0, -1, NULL, NULL);
      const char *owner = NULL;

      if (reply != NULL)
        g_variant_get (reply, "(&s)", &owner);
      if (owner != NULL && g_strcmp0 (owner, old_owner) != 0)
        return;
      g_usleep (50 * 1000);
    }
  g_error ("virt-migrated did not take its bus name");
}

static char *
get_state (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_sync (client, VIRT_MIGRATE_DBUS_NAME, path, "org.freedesktop.DBus.Properties",
                                 "Get", g_variant_new ("(ss)", "org.virtmigrate.VirtMigrate1.Job", "State"),
                                 G_VARIANT_TYPE ("(v)"), 0, -1, NULL, &error);
  g_autoptr(GVariant) value = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return g_variant_dup_string (value, NULL);
}

/* --- restart recovery ------------------------------------------------------ */

static gboolean
libvirt_job_running (const char *uri, const char *name)
{
  virConnectPtr conn = vm_testbed_connect (uri);
  virDomainPtr dom = virDomainLookupByName (conn, name);
  virDomainJobInfo info = { 0 };
  gboolean running = dom != NULL && virDomainGetJobInfo (dom, &info) == 0 &&
                     info.type != VIR_DOMAIN_JOB_NONE;

  if (dom != NULL)
    virDomainFree (dom);
  virConnectClose (conn);
  return running;
}

static void
kill_daemon (void)
{
  g_assert_cmpint (kill (daemon_pid, SIGKILL), ==, 0);
}

/* Migrate(@request) and wait for the first Progress > 0; returns the path. */
static char *
migrate_until_progress (VirtMigrateRequest *req)
{
  g_autoptr(VirtMigrateDBusManager) manager = manager_proxy (client, VIRT_MIGRATE_DBUS_NAME,
                                                             VIRT_MIGRATE_DBUS_PATH);
  g_autoptr(GVariant) dict = g_variant_ref_sink (virt_migrate_request_to_variant (req));
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  Follow f;

  g_assert_true (virt_migrate_dbus_manager_call_migrate_sync (manager, dict, &path, NULL, &error));
  g_assert_no_error (error);
  follow_init (&f, client, VIRT_MIGRATE_DBUS_NAME, path);
  while (f.progress->len == 0 || g_array_index (f.progress, gdouble, f.progress->len - 1) <= 0)
    g_main_context_iteration (NULL, TRUE);
  follow_clear (&f);
  return path;
}

static void
test_restart_p2p (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("restart-p2p");
  g_autoptr(VirtMigrateRequest) req = vm_testbed_slow_request (name, 96, 8);
  const char *const args[] = { "--retention", "30", NULL };
  g_autofree char *path = NULL;
  gint64 began, restarted;
  gdouble first;
  Follow f;

  g_test_summary ("SIGKILL the daemon during a throttled peer-to-peer migration: libvirt goes "
                  "on; the restarted daemon exports the same job path, progress grows, and it "
                  "ends succeeded with the guest on the destination");
  g_object_set (req, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, NULL);
  began = g_get_real_time ();
  path = migrate_until_progress (req);
  kill_daemon ();
  g_usleep (G_USEC_PER_SEC);
  g_assert_true (libvirt_job_running (tb->src_uri, name));
  restarted = g_get_real_time ();

  start_daemon (args);
  wait_exported (client, path);
  follow_init (&f, client, VIRT_MIGRATE_DBUS_NAME, path);
  g_test_message ("after the restart: %s at %.2f", virt_migrate_dbus_job_get_state (f.job),
                  virt_migrate_dbus_job_get_progress (f.job));
  g_assert_false (state_is_done (virt_migrate_dbus_job_get_state (f.job)));
  first = virt_migrate_dbus_job_get_progress (f.job);
  g_main_loop_run (f.loop);
  g_test_message ("Completed(%d, %s); %u Progress updates after the restart", f.success, f.message,
                  f.progress->len);
  g_assert_true (f.success);
  g_assert_cmpstr (virt_migrate_dbus_job_get_state (f.job), ==, "succeeded");
  g_assert_cmpuint (f.progress->len, >=, 2);
  g_assert_cmpfloat (g_array_index (f.progress, gdouble, f.progress->len - 1), >, first);
  for (guint i = 1; i < f.progress->len; i++)
    g_assert_cmpfloat (g_array_index (f.progress, gdouble, i), >=, g_array_index (f.progress, gdouble, i - 1));
  g_assert_cmpfloat (virt_migrate_dbus_job_get_progress (f.job), ==, 1.0);
  /* Its time counts from when the migration began, not from the restart. */
  g_test_message ("elapsed %" G_GUINT64_FORMAT " ms; %.1f s since it began, %.1f s since the restart",
                  virt_migrate_dbus_job_get_elapsed (f.job), (g_get_real_time () - began) / 1e6,
                  (g_get_real_time () - restarted) / 1e6);
  g_assert_cmpuint (virt_migrate_dbus_job_get_elapsed (f.job) * 1000, >, (guint64) (g_get_real_time () - restarted) + 500000);
  g_assert_cmpuint (virt_migrate_dbus_job_get_elapsed (f.job) * 1000, <=, (guint64) (g_get_real_time () - began));
  /* The event log came back with the job, plus the restart. */
  {
    const char *const *messages = virt_migrate_dbus_job_get_messages (f.job);
    g_autofree char *all = messages != NULL ? g_strjoinv ("\n", (char **) messages) : g_strdup ("");

    g_test_message ("Messages:\n%s", all);
    g_assert_nonnull (strstr (all, "policy: watching"));
    g_assert_nonnull (strstr (all, "virt-migrated restarted while this job was running"));
  }
  /* Its downtime, read from the destination once it answered. */
  g_test_message ("downtime %" G_GUINT64_FORMAT " ms", virt_migrate_dbus_job_get_downtime (f.job));
  g_assert_cmpuint (virt_migrate_dbus_job_get_downtime (f.job), >, 0);
  vm_assert_guest (tb->dst_uri, name, VM_GUEST_RUNNING);
  vm_assert_guest (tb->src_uri, name, VM_GUEST_ABSENT);
  vm_testbed_destroy_guest (tb->dst_uri, name);
  follow_clear (&f);
}

static void
test_restart_managed_direct (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("restart-direct");
  g_autoptr(VirtMigrateRequest) req = vm_testbed_slow_request (name, 96, 8);
  const char *const args[] = { "--retention", "30", NULL };
  g_autofree char *path = NULL;
  gint64 deadline;
  Follow f;

  g_test_summary ("SIGKILL the daemon (the libvirt client) during a managed-direct migration: "
                  "libvirt aborts it and the guest runs on the source, not paused; the "
                  "restarted daemon reports the job failed, saying so");
  path = migrate_until_progress (req);
  kill_daemon ();
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (libvirt_job_running (tb->src_uri, name) && g_get_monotonic_time () < deadline)
    g_usleep (200 * 1000);
  g_assert_false (libvirt_job_running (tb->src_uri, name));
  vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);

  start_daemon (args);
  wait_exported (client, path);
  follow_init (&f, client, VIRT_MIGRATE_DBUS_NAME, path);
  if (!state_is_done (virt_migrate_dbus_job_get_state (f.job)))
    g_main_loop_run (f.loop);
  g_test_message ("%s: %s", virt_migrate_dbus_job_get_state (f.job), virt_migrate_dbus_job_get_error (f.job));
  g_assert_cmpstr (virt_migrate_dbus_job_get_state (f.job), ==, "failed");
  g_assert_nonnull (strstr (virt_migrate_dbus_job_get_error (f.job), "managed-direct"));
  g_assert_nonnull (strstr (virt_migrate_dbus_job_get_error (f.job), "running on the source"));
  vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
  vm_assert_guest (tb->dst_uri, name, VM_GUEST_ABSENT);
  vm_testbed_destroy_guest (tb->src_uri, name);
  follow_clear (&f);
}

static void
test_restart_reconcile (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("restart-done");
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sock = vm_testbed_path ("reconcile.sock");
  g_autofree char *hv = g_strconcat ("unix://", sock, NULL);
  g_autofree char *record_path = vm_testbed_path ("daemon-state/900.job");
  g_autoptr(GVariant) record = NULL;
  const char *const args[] = { "--retention", "30", NULL };
  Follow f;

  g_test_summary ("A crash between libvirt's completion and the daemon's bookkeeping: a record "
                  "still saying 'running' for a guest already on the destination is reconciled "
                  "at start-up to succeeded");
  vm_testbed_create_guest (tb->src_uri, name, NULL, FALSE, TRUE);
  g_object_set (req, "live", TRUE, "hypervisor-uri", hv, NULL);
  job = virt_migrate_job_new (req);
  g_assert_true (vm_testbed_run_job (job, NULL, &error));
  g_assert_no_error (error);

  /* The record the daemon would have left: the job's snapshot and its Id
   * (virt-migrate-job-store.c). */
  record = g_variant_ref_sink (g_variant_new_parsed ("{'Id': <uint32 900>, 'StartedByUid': <uint32 %u>, "
                                                     "'State': <'running'>, 'Request': <%@a{sv}>, "
                                                     "'Error': <''>, 'Messages': <@as []>}",
                                                     (guint32) getuid (),
                                                     virt_migrate_request_to_variant (req)));
  kill_daemon ();
  g_assert_true (g_file_set_contents (record_path, g_variant_get_data (record), g_variant_get_size (record),
                                      NULL));
  start_daemon (args);
  wait_exported (client, VIRT_MIGRATE_DBUS_PATH "/jobs/900");
  follow_init (&f, client, VIRT_MIGRATE_DBUS_NAME, VIRT_MIGRATE_DBUS_PATH "/jobs/900");
  if (!state_is_done (virt_migrate_dbus_job_get_state (f.job)))
    g_main_loop_run (f.loop);
  g_assert_cmpstr (virt_migrate_dbus_job_get_state (f.job), ==, "succeeded");
  g_assert_cmpstr (virt_migrate_dbus_job_get_domain (f.job), ==, name);
  vm_assert_guest (tb->dst_uri, name, VM_GUEST_RUNNING);
  vm_testbed_destroy_guest (tb->dst_uri, name);
  follow_clear (&f);
}

/* A Manager property read from the daemon now (not a proxy's cache). */
static guint
get_manager_count (const char *property)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_sync (client, VIRT_MIGRATE_DBUS_NAME, VIRT_MIGRATE_DBUS_PATH "/Manager",
                                 "org.freedesktop.DBus.Properties", "Get",
                                 g_variant_new ("(ss)", "org.virtmigrate.VirtMigrate1.Manager", property),
                                 G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_autoptr(GVariant) value = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return g_variant_get_uint32 (value);
}

static void
test_queue (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  const char *const args[] = { "--replace", "--max-parallel", "2", "--retention", "30", NULL };
  g_autoptr(VirtMigrateDBusManager) manager = NULL;
  char *names[4], *paths[4];
  GVariant *dicts[4];
  Follow f[4];
  guint running = 0, pending = 0;

  g_test_summary ("A daemon with max-parallel 2: four Migrate calls show 2 running and 2 "
                  "pending over D-Bus (RunningJobs 2, QueuedJobs 2); all four complete");
  start_daemon (args);
  manager = manager_proxy (client, VIRT_MIGRATE_DBUS_NAME, VIRT_MIGRATE_DBUS_PATH);
  g_assert_cmpuint (virt_migrate_dbus_manager_get_max_parallel (manager), ==, 2);
  /* The guests first, then the four calls back to back. */
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(VirtMigrateRequest) req = NULL;

      names[i] = vm_testbed_unique_name ("dbus-queue");
      req = vm_testbed_slow_request (names[i], 24, 8);
      dicts[i] = g_variant_ref_sink (virt_migrate_request_to_variant (req));
    }
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (virt_migrate_dbus_manager_call_migrate_sync (manager, dicts[i], &paths[i], NULL, &error));
      g_assert_no_error (error);
      g_variant_unref (dicts[i]);
    }
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *state = get_state (paths[i]);

      g_test_message ("%s: %s", paths[i], state);
      if (g_str_equal (state, "pending"))
        pending++;
      else if (g_str_equal (state, "preparing") || g_str_equal (state, "running"))
        running++;
      follow_init (&f[i], client, VIRT_MIGRATE_DBUS_NAME, paths[i]);
    }
  g_assert_cmpuint (running, ==, 2);
  g_assert_cmpuint (pending, ==, 2);
  /* The manager's counts agree: queued jobs are not running. */
  g_assert_cmpuint (get_manager_count ("RunningJobs"), ==, 2);
  g_assert_cmpuint (get_manager_count ("QueuedJobs"), ==, 2);
  for (guint i = 0; i < 4; i++)
    {
      if (!state_is_done (virt_migrate_dbus_job_get_state (f[i].job)))
        g_main_loop_run (f[i].loop);
      g_assert_cmpstr (virt_migrate_dbus_job_get_state (f[i].job), ==, "succeeded");
      vm_assert_guest (tb->dst_uri, names[i], VM_GUEST_RUNNING);
      vm_testbed_destroy_guest (tb->dst_uri, names[i]);
      follow_clear (&f[i]);
      g_free (names[i]);
      g_free (paths[i]);
    }
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  vm_testbed_get ();

  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  client = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_assert_nonnull (client);
  start_daemon ((const char *const[]) { "--retention", "30", NULL });

  g_test_add_func ("/virt-migrate/dbus/migrate", test_migrate);
  g_test_add_func ("/virt-migrate/dbus/cancel", test_cancel);
  g_test_add_func ("/virt-migrate/dbus/authorize-hook", test_authorize_hook);
  g_test_add_func ("/virt-migrate/dbus/bad-requests", test_bad_requests);
  g_test_add_func ("/virt-migrate/dbus/gdbus-tool", test_gdbus_tool);
  g_test_add_func ("/virt-migrate/dbus/gdbus-migrate-cancel", test_gdbus_migrate_cancel);
  g_test_add_func ("/virt-migrate/dbus/restart-p2p", test_restart_p2p);
  g_test_add_func ("/virt-migrate/dbus/restart-managed-direct", test_restart_managed_direct);
  g_test_add_func ("/virt-migrate/dbus/restart-reconcile", test_restart_reconcile);
  /* Last: it replaces the daemon with one that queues. */
  g_test_add_func ("/virt-migrate/dbus/queue", test_queue);
  rc = g_test_run ();

  kill (daemon_pid, SIGTERM);
  g_spawn_close_pid (daemon_pid);
  g_clear_object (&client);
  g_test_dbus_down (bus);
  g_object_unref (bus);
  return rc;
}
