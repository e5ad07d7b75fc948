/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-migrated as on the system bus, with real polkit and real other users:
 * a private dbus-daemon with a system-bus configuration that includes our
 * bus policy file (data/org.virtmigrate.VirtMigrate1.conf) unchanged, the
 * real polkitd in a mount namespace where our actions
 * (data/org.virtmigrate.VirtMigrate1.policy) and one test rule are
 * installed, `virt-migrated --system` as root, and `gdbus call` run as the
 * test-bed user (uid A) and as nobody (uid B). Needs root. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vm-testbed.h"

#define RANDOM_MIB 64
#define BANDWIDTH_MIB 8

/* The rule a host admin would write: the test-bed user may migrate; nobody
 * has no rule, so polkit's defaults apply to them (auth_admin: refused
 * without an agent). */
static const char test_rule[] =
  "polkit.addRule(function(action, subject) {\n"
  "  if (action.id == 'org.virtmigrate.VirtMigrate1.migrate' && subject.user == '%s')\n"
  "    return polkit.Result.YES;\n"
  "});\n";

static const char bus_conf[] =
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
  "<busconfig>\n"
  "  <type>system</type>\n"
  "  <auth>EXTERNAL</auth>\n"
  "  <listen>unix:path=%s</listen>\n"
  "  <policy context=\"default\">\n"
  "    <allow user=\"*\"/>\n"
  "    <deny own=\"*\"/>\n"
  "    <deny send_type=\"method_call\"/>\n"
  "    <allow send_type=\"signal\"/>\n"
  "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
  "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
  "    <allow receive_type=\"method_call\"/>\n"
  "    <allow receive_type=\"method_return\"/>\n"
  "    <allow receive_type=\"error\"/>\n"
  "    <allow receive_type=\"signal\"/>\n"
  "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"/>\n"
  "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
  "  </policy>\n"
  "  <include>/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf</include>\n"
  "  <include>%s</include>\n"
  "</busconfig>\n";

static char *bus_address;
static GPid bus_pid, polkitd_pid, daemon_pid;
static GDBusConnection *root_conn;
static guint nobody_uid, nobody_gid;

typedef struct {
  gboolean ok;
  char    *out;
  char    *err;
} Result;

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

/* `gdbus call --system` on the test bus as @uid/@gid. */
static void
gdbus_call_as (guint uid, guint gid, const char *path, const char *method, const char *arg,
               Result *r)
{
  g_autofree char *reuid = g_strdup_printf ("--reuid=%u", uid);
  g_autofree char *regid = g_strdup_printf ("--regid=%u", gid);
  g_autofree char *env_bus = g_strconcat ("DBUS_SYSTEM_BUS_ADDRESS=", bus_address, NULL);
  const char *argv[] = { "env", "-i", env_bus, "PATH=/usr/bin:/bin", "setpriv", reuid, regid,
                         "--clear-groups", "gdbus", "call", "--system",
                         "--dest", VIRT_MIGRATE_DBUS_NAME, "--object-path", path,
                         "--method", method, arg, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  memset (r, 0, sizeof (*r));
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &r->out, &r->err, &status, &error));
  g_assert_no_error (error);
  r->ok = g_spawn_check_wait_status (status, NULL);
  g_test_message ("uid %u %s: %s%s", uid, method, r->ok ? r->out : "", r->ok ? "" : r->err);
}

static char *
request_text (const char *name)
{
  g_autoptr(VirtMigrateRequest) req = vm_testbed_slow_request (name, RANDOM_MIB, BANDWIDTH_MIB);
  g_autoptr(GVariant) dict = g_variant_ref_sink (virt_migrate_request_to_variant (req));

  return g_variant_print (dict, TRUE);
}

/* Migrate as the test-bed user; returns the job path. */
static char *
migrate_as_owner (const char *name)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *request = request_text (name);
  g_auto(Result) r;
  char *path = NULL;

  gdbus_call_as (tb->uid, tb->gid, VIRT_MIGRATE_DBUS_PATH "/Manager",
                 "org.virtmigrate.VirtMigrate1.Manager.Migrate", request, &r);
  g_assert_true (r.ok);
  {
    g_autoptr(GVariant) reply = g_variant_parse (G_VARIANT_TYPE ("(o)"), r.out, NULL, NULL, NULL);

    g_assert_nonnull (reply);
    g_variant_get (reply, "(o)", &path);
  }
  return path;
}

static char *
job_state (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_sync (root_conn, VIRT_MIGRATE_DBUS_NAME, path,
                                 "org.freedesktop.DBus.Properties", "Get",
                                 g_variant_new ("(ss)", "org.virtmigrate.VirtMigrate1.Job", "State"),
                                 G_VARIANT_TYPE ("(v)"), 0, -1, NULL, &error);
  g_autoptr(GVariant) value = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return g_variant_dup_string (value, NULL);
}

static void
wait_for_state (const char *path, const char *expected)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *state = job_state (path);

      if (g_str_equal (state, expected))
        return;
      g_assert_true (g_str_equal (state, "pending") || g_str_equal (state, "preparing") ||
                     g_str_equal (state, "running"));
      g_usleep (100 * 1000);
    }
  g_error ("job %s did not reach %s", path, expected);
}

static void
test_migrate_denied (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("pk-deny");
  g_autofree char *request = request_text (name);
  g_autoptr(GVariant) jobs = NULL;
  g_auto(Result) r;

  g_test_summary ("Without a polkit grant, Migrate is AccessDenied and nothing starts");
  gdbus_call_as (nobody_uid, nobody_gid, VIRT_MIGRATE_DBUS_PATH "/Manager",
                 "org.virtmigrate.VirtMigrate1.Manager.Migrate", request, &r);
  g_assert_false (r.ok);
  g_assert_nonnull (strstr (r.err, "org.freedesktop.DBus.Error.AccessDenied"));
  g_assert_nonnull (strstr (r.err, "org.virtmigrate.VirtMigrate1.migrate"));

  jobs = g_dbus_connection_call_sync (root_conn, VIRT_MIGRATE_DBUS_NAME,
                                      VIRT_MIGRATE_DBUS_PATH "/Manager",
                                      "org.virtmigrate.VirtMigrate1.Manager", "GetJobs", NULL,
                                      G_VARIANT_TYPE ("(ao)"), 0, -1, NULL, NULL);
  g_assert_nonnull (jobs);
  g_assert_cmpuint (g_variant_n_children (g_variant_get_child_value (jobs, 0)), ==, 0);
  vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
  vm_assert_guest (tb->dst_uri, name, VM_GUEST_ABSENT);
  vm_testbed_destroy_guest (tb->src_uri, name);
}

static void
test_uri_programs (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *script = g_build_filename (tb->dir, "pk-ran.sh", NULL);
  g_autofree char *marker = g_build_filename (tb->dir, "pk-ran", NULL);
  g_autofree char *body = g_strdup_printf ("#!/bin/sh\nid -u >> %s\nexit 1\n", marker);
  g_autofree char *name = vm_testbed_unique_name ("pk-uri");
  g_autoptr(VirtMigrateRequest) req = vm_testbed_slow_request (name, RANDOM_MIB, BANDWIDTH_MIB);
  g_autofree char *ext = g_strdup_printf ("qemu+ext:///system?command=%s", script);
  g_autofree char *ssh = g_strdup_printf ("qemu+ssh://127.0.0.1/system?command=%s", script);
  g_autofree char *key = g_strdup_printf ("qemu+ssh://127.0.0.1/system?keyfile=%s", script);
  g_autofree char *list_ext = g_strdup_printf ("{'source-uri': <'%s'>}", ext);
  g_autofree char *list_src = g_strdup_printf ("{'source-uri': <'%s'>}", tb->src_uri);
  g_autofree char *migrate = NULL, *keyed = NULL;
  g_autoptr(GVariant) dict = NULL;
  g_auto(Result) r1;
  g_auto(Result) r2;
  g_auto(Result) r3;
  g_auto(Result) r4;
  g_auto(Result) r5;

  g_test_summary ("A URI naming a program (command=, the ext transport) or a file (keyfile=) for libvirt's client: "
                  "AccessDenied at once on the system bus, from a caller polkit lets migrate too, and the "
                  "program never runs (it ran as root from ListGuests, open to every caller); a plain URI is "
                  "listed");
  g_assert_true (g_file_set_contents (script, body, -1, NULL));
  g_assert_cmpint (g_chmod (script, 0755), ==, 0);
  gdbus_call_as (nobody_uid, nobody_gid, VIRT_MIGRATE_DBUS_PATH "/Manager",
                 "org.virtmigrate.VirtMigrate1.Manager.ListGuests", list_ext, &r1);
  g_assert_false (r1.ok);
  g_assert_nonnull (strstr (r1.err, "org.freedesktop.DBus.Error.AccessDenied"));
  g_assert_nonnull (strstr (r1.err, "the ext transport runs a program the URI names"));
  g_object_set (req, "dest-uri", ssh, NULL);
  dict = g_variant_ref_sink (virt_migrate_request_to_variant (req));
  migrate = g_variant_print (dict, TRUE);
  gdbus_call_as (tb->uid, tb->gid, VIRT_MIGRATE_DBUS_PATH "/Manager",
                 "org.virtmigrate.VirtMigrate1.Manager.Migrate", migrate, &r2);
  g_assert_false (r2.ok);
  g_assert_nonnull (strstr (r2.err, "'command' names a program or a file that this service would use as root"));
  gdbus_call_as (nobody_uid, nobody_gid, VIRT_MIGRATE_DBUS_PATH "/Manager",
                 "org.virtmigrate.VirtMigrate1.Manager.Plan", migrate, &r3);
  g_assert_false (r3.ok);
  g_assert_nonnull (strstr (r3.err, "org.freedesktop.DBus.Error.AccessDenied"));
  g_object_set (req, "dest-uri", key, NULL);
  g_clear_pointer (&dict, g_variant_unref);
  dict = g_variant_ref_sink (virt_migrate_request_to_variant (req));
  keyed = g_variant_print (dict, TRUE);
  gdbus_call_as (tb->uid, tb->gid, VIRT_MIGRATE_DBUS_PATH "/Manager",
                 "org.virtmigrate.VirtMigrate1.Manager.Plan", keyed, &r4);
  g_assert_false (r4.ok);
  g_assert_nonnull (strstr (r4.err, "'keyfile' names a program or a file"));
  {
    g_auto(Result) r6;
    const char *any_host = "{'source-uri': <'qemu+ssh://127.0.0.1/system?no_verify=1'>}";

    gdbus_call_as (nobody_uid, nobody_gid, VIRT_MIGRATE_DBUS_PATH "/Manager",
                   "org.virtmigrate.VirtMigrate1.Manager.ListGuests", any_host, &r6);
    g_assert_false (r6.ok);
    g_assert_nonnull (strstr (r6.err, "'no_verify' names a program or a file that this service would use as root, "
                              "or has it trust any host"));
  }
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  gdbus_call_as (nobody_uid, nobody_gid, VIRT_MIGRATE_DBUS_PATH "/Manager",
                 "org.virtmigrate.VirtMigrate1.Manager.ListGuests", list_src, &r5);
  g_assert_true (r5.ok);
  g_assert_nonnull (strstr (r5.out, name));
  vm_testbed_destroy_guest (tb->src_uri, name);
  g_unlink (script);
}

static void
test_permissions (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_auto(Result) granted;
  g_auto(Result) other;
  g_auto(Result) root;

  g_test_summary ("GetPermissions says what polkit would: the test-bed user (a rule grants it) may "
                  "migrate, nobody would need an administrator's password, as would cancelling "
                  "another uid's job; root may do both");
  gdbus_call_as (tb->uid, tb->gid, VIRT_MIGRATE_DBUS_PATH "/Manager",
                 "org.virtmigrate.VirtMigrate1.Manager.GetPermissions", NULL, &granted);
  g_assert_true (granted.ok);
  g_assert_nonnull (strstr (granted.out, "'migrate': <'yes'>"));
  g_assert_nonnull (strstr (granted.out, "'cancel-any': <'auth'>"));
  gdbus_call_as (nobody_uid, nobody_gid, VIRT_MIGRATE_DBUS_PATH "/Manager",
                 "org.virtmigrate.VirtMigrate1.Manager.GetPermissions", NULL, &other);
  g_assert_true (other.ok);
  g_assert_nonnull (strstr (other.out, "'migrate': <'auth'>"));
  gdbus_call_as (0, 0, VIRT_MIGRATE_DBUS_PATH "/Manager",
                 "org.virtmigrate.VirtMigrate1.Manager.GetPermissions", NULL, &root);
  g_assert_true (root.ok);
  g_assert_nonnull (strstr (root.out, "'migrate': <'yes'>"));
  g_assert_nonnull (strstr (root.out, "'cancel-any': <'yes'>"));
}

static void
test_cancel_own_not_any (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("pk-own");
  g_autofree char *path = NULL;

  g_test_summary ("Another uid's Cancel and SetMaxSpeed are AccessDenied (cancel-any) and "
                  "change nothing; the owner's Cancel works (cancel-own)");
  path = migrate_as_owner (name);
  wait_for_state (path, "running");
  {
    g_auto(Result) r;

    gdbus_call_as (nobody_uid, nobody_gid, path, "org.virtmigrate.VirtMigrate1.Job.Cancel", NULL, &r);
    g_assert_false (r.ok);
    g_assert_nonnull (strstr (r.err, "AccessDenied"));
    g_assert_nonnull (strstr (r.err, "cancel-any"));
  }
  {
    g_auto(Result) r;

    gdbus_call_as (nobody_uid, nobody_gid, path, "org.virtmigrate.VirtMigrate1.Job.SetMaxSpeed",
                   "10000", &r);
    g_assert_false (r.ok);
    g_assert_nonnull (strstr (r.err, "AccessDenied"));
  }
  {
    g_autofree char *state = job_state (path);

    g_assert_cmpstr (state, ==, "running");
  }
  {
    g_auto(Result) r;

    gdbus_call_as (tb->uid, tb->gid, path, "org.virtmigrate.VirtMigrate1.Job.Cancel", NULL, &r);
    g_assert_true (r.ok);
  }
  wait_for_state (path, "cancelled");
  vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
  vm_assert_guest (tb->dst_uri, name, VM_GUEST_ABSENT);
  vm_testbed_destroy_guest (tb->src_uri, name);
}

static void
test_admin_cancel (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("pk-admin");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  g_test_summary ("An administrator (root) may cancel another user's job (cancel-any)");
  path = migrate_as_owner (name);
  wait_for_state (path, "running");
  reply = g_dbus_connection_call_sync (root_conn, VIRT_MIGRATE_DBUS_NAME, path,
                                       "org.virtmigrate.VirtMigrate1.Job", "Cancel", NULL, NULL,
                                       0, -1, NULL, &error);
  g_assert_no_error (error);
  wait_for_state (path, "cancelled");
  vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
  vm_testbed_destroy_guest (tb->src_uri, name);
}

static void
test_root_cli_jobs (void)
{
  g_autofree char *name = vm_testbed_unique_name ("pk-cli");
  g_autofree char *path = NULL;
  g_autofree char *out = NULL, *err = NULL, *json_out = NULL;
  g_autofree char *runtime = g_dir_make_tmp ("vm-no-session-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ ();
  const char *cli = g_getenv ("VIRT_MIGRATE_CLI");
  int status = -1;

  g_test_summary ("As root with no session bus (no DBUS_SESSION_BUS_ADDRESS, no X11, no "
                  "$XDG_RUNTIME_DIR/bus), 'virt-migrate jobs' reaches the system bus's daemon and "
                  "lists its jobs; --json too");
  g_assert_nonnull (cli);
  path = migrate_as_owner (name);
  wait_for_state (path, "running");
  env = g_environ_unsetenv (env, "DBUS_SESSION_BUS_ADDRESS");
  env = g_environ_unsetenv (env, "DISPLAY");
  env = g_environ_setenv (env, "XDG_RUNTIME_DIR", runtime, TRUE);
  env = g_environ_setenv (env, "DBUS_SYSTEM_BUS_ADDRESS", bus_address, TRUE);
  g_spawn_sync (NULL, (char *[]) { (char *) cli, "jobs", NULL }, env, G_SPAWN_DEFAULT, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  g_test_message ("virt-migrate jobs:\n%s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_str_has_prefix (out, "ID "));
  g_assert_nonnull (strstr (out, name));
  g_spawn_sync (NULL, (char *[]) { (char *) cli, "jobs", "--json", NULL }, env, G_SPAWN_DEFAULT, NULL, NULL,
                &json_out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (json_out, "\"Domain\" : \""));
  g_assert_nonnull (strstr (json_out, name));
  {
    g_autoptr(GVariant) reply =
      g_dbus_connection_call_sync (root_conn, VIRT_MIGRATE_DBUS_NAME, path, "org.virtmigrate.VirtMigrate1.Job",
                                   "Cancel", NULL, NULL, 0, -1, NULL, &error);

    g_assert_no_error (error);
  }
  wait_for_state (path, "cancelled");
  vm_testbed_destroy_guest (vm_testbed_get ()->src_uri, name);
  g_rmdir (runtime);
}

/* --- the private system bus, polkitd and the daemon ----------------------- */

static void
write_file (const char *path, const char *contents)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chmod (path, 0644), ==, 0);
}

static void
wait_for_name (const char *name)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GVariant) reply =
        g_dbus_connection_call_sync (root_conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "NameHasOwner", g_variant_new ("(s)", name),
                                     G_VARIANT_TYPE ("(b)"), 0, -1, NULL, NULL);
      gboolean owned = FALSE;

      if (reply != NULL)
        g_variant_get (reply, "(b)", &owned);
      if (owned)
        return;
      g_usleep (50 * 1000);
    }
  g_error ("%s did not appear on the test bus", name);
}

static void
setup (const char *source_dir)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *dir = vm_testbed_path ("polkit");
  g_autofree char *actions = g_build_filename (dir, "actions", NULL);
  g_autofree char *rules = g_build_filename (dir, "rules", NULL);
  g_autofree char *socket = g_build_filename (dir, "system_bus_socket", NULL);
  g_autofree char *conf_path = g_build_filename (dir, "bus.conf", NULL);
  g_autofree char *our_conf = g_build_filename (source_dir, "data", "org.virtmigrate.VirtMigrate1.conf", NULL);
  g_autofree char *our_policy = g_build_filename (source_dir, "data", "org.virtmigrate.VirtMigrate1.policy", NULL);
  g_autofree char *conf = g_strdup_printf (bus_conf, socket, our_conf);
  g_autofree char *rule = g_strdup_printf (test_rule, getpwuid (tb->uid)->pw_name);
  g_autofree char *rule_path = g_build_filename (rules, "50-virt-migrate-test.rules", NULL);
  g_autofree char *conf_arg = g_strconcat ("--config-file=", conf_path, NULL);
  g_autofree char *mounts = NULL;
  g_autofree char *env_bus = NULL;
  g_autoptr(GError) error = NULL;
  struct passwd *nobody = getpwnam ("nobody");

  g_assert_nonnull (nobody);
  nobody_uid = nobody->pw_uid;
  nobody_gid = nobody->pw_gid;

  g_assert_cmpint (g_mkdir_with_parents (actions, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (rules, 0755), ==, 0);
  g_assert_cmpint (chmod (dir, 0755), ==, 0);
  write_file (conf_path, conf);
  write_file (rule_path, rule);
  /* polkitd's own action files plus ours from the source tree, as `meson
   * install` puts them (ours last: an installed package's copy is replaced). */
  {
    g_autofree char *script = g_strdup_printf ("cp /usr/share/polkit-1/actions/*.policy '%s/' && cp -f '%s' '%s/' && "
                                               "chmod 0644 '%s'/*", actions, our_policy, actions, actions);

    vm_testbed_run ((const char *[]) { "sh", "-c", script, NULL });
  }

  /* The bus. */
  {
    const char *argv[] = { "dbus-daemon", conf_arg, "--nofork", "--nopidfile", NULL };

    g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                  G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                                  G_SPAWN_STDERR_TO_DEV_NULL,
                                  NULL, NULL, &bus_pid, &error));
    g_assert_no_error (error);
  }
  bus_address = g_strconcat ("unix:path=", socket, NULL);
  for (int i = 0; i < 200 && !g_file_test (socket, G_FILE_TEST_EXISTS); i++)
    g_usleep (50 * 1000);
  root_conn = g_dbus_connection_new_for_address_sync (bus_address,
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &error);
  g_assert_no_error (error);
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", bus_address, TRUE);

  /* polkitd, seeing our actions and the test rule in place of the host's. */
  mounts = g_strdup_printf ("mount --bind %s /usr/share/polkit-1/actions && "
                            "mount --bind %s /etc/polkit-1/rules.d && "
                            "exec /usr/lib/polkit-1/polkitd --no-debug", actions, rules);
  {
    const char *argv[] = { "unshare", "--mount", "--propagation", "private", "sh", "-c", mounts, NULL };

    g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                  G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                  NULL, NULL, &polkitd_pid, &error));
    g_assert_no_error (error);
  }
  wait_for_name ("org.freedesktop.PolicyKit1");

  /* The daemon, as on the system bus. */
  {
    g_autofree char *state_dir = g_build_filename (dir, "state", NULL);
    const char *argv[] = { g_getenv ("VIRT_MIGRATED"), "--system", "--retention", "60",
                           "--state-dir", state_dir, NULL };

    g_assert_nonnull (argv[0]);
    g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                  NULL, NULL, &daemon_pid, &error));
    g_assert_no_error (error);
  }
  wait_for_name (VIRT_MIGRATE_DBUS_NAME);
}

static void
teardown (void)
{
  GPid pids[] = { daemon_pid, polkitd_pid, bus_pid };

  for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
    if (pids[i] > 0)
      {
        kill (pids[i], SIGTERM);
        waitpid (pids[i], NULL, 0);
        g_spawn_close_pid (pids[i]);
      }
  g_clear_object (&root_conn);
  g_clear_pointer (&bus_address, g_free);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  vm_testbed_get ();
  if (getuid () != 0)
    {
      /* Other uids and polkitd's mount namespace need root; CI runs as root. */
      g_printerr ("test-polkit must run as root\n");
      return 1;
    }
  if (argc < 2)
    g_error ("usage: test-polkit SOURCE_DIR");
  setup (argv[1]);

  g_test_add_func ("/virt-migrate/polkit/migrate-denied", test_migrate_denied);
  g_test_add_func ("/virt-migrate/polkit/permissions", test_permissions);
  g_test_add_func ("/virt-migrate/polkit/uri-programs", test_uri_programs);
  g_test_add_func ("/virt-migrate/polkit/cancel-own-not-any", test_cancel_own_not_any);
  g_test_add_func ("/virt-migrate/polkit/admin-cancel", test_admin_cancel);
  g_test_add_func ("/virt-migrate/polkit/root-cli-jobs", test_root_cli_jobs);
  rc = g_test_run ();
  teardown ();
  return rc;
}
