/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The D-Bus export on a private bus (GTestDBus) with the scripted fake
 * backend: Migrate and follow to Completed, the queue's counts, Cancel,
 * named errors. No libvirtd. The service and the client share this
 * thread's main context, so every call is asynchronous. */
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "virt-migrate-service.h"

#include <glib/gstdio.h>

#include "fake-backend.h"
#include "virt-migrate-dbus-generated.h"
#include "virt-migrate-dbus-reply.h"
#include "virt-migrate-dbus-uris.h"
#include "virt-migrate-manager-private.h"

#define MIB (1024 * 1024)

typedef struct {
  GTestDBus              *bus;
  GDBusConnection        *service_conn;
  GDBusConnection        *client;
  VirtMigrateManager     *manager;
  VirtMigrateDBusService *service;
  GPtrArray              *fakes;
  VirtMigrateDBusManager *proxy;
} Fixture;

static VirtMigrateBackend *
make_fake (VirtMigrateRequest *request, gboolean adopted, gpointer user_data)
{
  Fixture *fx = user_data;
  FakeBackend *fake = fake_backend_new ();
  gboolean resume = FALSE;

  g_object_get (request, "postcopy-resume", &resume, NULL);
  if (g_str_has_prefix (virt_migrate_request_get_domain (request), "broken") && !resume)
    {
      /* Post-copy that breaks: the guest split, resumable. */
      fake_backend_add_memory_pass (fake, 64 * MIB, 40 * MIB, 1, FALSE);
      for (guint i = 0; i < 3; i++)
        fake_backend_add_memory_pass (fake, 64 * MIB, 30 * MIB - i * MIB, 2, TRUE);
      fake_backend_fail_after (fake, 3, "operation failed: job 'migration out' failed in post-copy phase");
      fake_backend_set_postcopy_failed (fake, TRUE);
    }
  else if (resume)
    for (guint i = 0; i < 3; i++)
      fake_backend_add_memory_pass (fake, 64 * MIB, 20 * MIB - i * 8 * MIB, 2, TRUE);
  else
    {
      for (guint i = 0; i < 4; i++)
        fake_backend_add_memory_pass (fake, 64 * MIB, 48 * MIB - i * 16 * MIB, 1, FALSE);
      fake_backend_set_blocking (fake, TRUE);
    }
  g_ptr_array_add (fx->fakes, g_object_ref (fake));
  return VIRT_MIGRATE_BACKEND (fake);
}

static void
on_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(VirtMigrateSettings) settings = virt_migrate_settings_new_with_backend (backend);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *address = NULL;

  fx->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fx->bus);
  address = g_strdup (g_test_dbus_get_bus_address (fx->bus));
  fx->service_conn = g_dbus_connection_new_for_address_sync (address,
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, &error);
  g_assert_no_error (error);
  fx->client = g_dbus_connection_new_for_address_sync (address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);

  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "max-parallel", GPOINTER_TO_UINT (data));
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "poll-interval", 10);
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "retention", 1);
  fx->manager = virt_migrate_manager_new_with_settings (settings);
  fx->fakes = g_ptr_array_new_with_free_func (g_object_unref);
  virt_migrate_manager_set_backend_func (fx->manager, make_fake, fx, NULL);
  fx->service = virt_migrate_dbus_service_new (fx->manager, fx->service_conn, NULL);
  g_assert_true (virt_migrate_dbus_service_export (fx->service, &error));
  g_assert_no_error (error);

  virt_migrate_dbus_manager_proxy_new (fx->client, G_DBUS_PROXY_FLAGS_NONE,
                                       g_dbus_connection_get_unique_name (fx->service_conn),
                                       VIRT_MIGRATE_DBUS_PATH "/Manager", NULL, on_result, &result);
  fx->proxy = virt_migrate_dbus_manager_proxy_new_finish (wait_result (&result), &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->proxy);
  virt_migrate_dbus_service_unexport (fx->service);
  g_clear_object (&fx->service);
  g_clear_object (&fx->manager);
  g_clear_pointer (&fx->fakes, g_ptr_array_unref);
  g_dbus_connection_close_sync (fx->client, NULL, NULL);
  g_dbus_connection_close_sync (fx->service_conn, NULL, NULL);
  g_clear_object (&fx->client);
  g_clear_object (&fx->service_conn);
  g_test_dbus_down (fx->bus);
  g_clear_object (&fx->bus);
}

static GVariant *
request_dict (const char *domain)
{
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (domain, "qemu:///system",
                                                                "qemu+ssh://dst/system");

  g_object_set (req, "live", TRUE, NULL);
  return virt_migrate_request_to_variant (req);
}

static char *
migrate (Fixture *fx, const char *domain, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  char *path = NULL;

  virt_migrate_dbus_manager_call_migrate (fx->proxy, request_dict (domain), NULL, on_result, &result);
  if (!virt_migrate_dbus_manager_call_migrate_finish (fx->proxy, &path, wait_result (&result), error))
    return NULL;
  return path;
}

static VirtMigrateDBusJob *
job_proxy (Fixture *fx, const char *path)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  VirtMigrateDBusJob *job;

  virt_migrate_dbus_job_proxy_new (fx->client, G_DBUS_PROXY_FLAGS_NONE,
                                   g_dbus_connection_get_unique_name (fx->service_conn), path, NULL,
                                   on_result, &result);
  job = virt_migrate_dbus_job_proxy_new_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  return job;
}

/* A Manager property as the service has it now. */
static guint
manager_count (Fixture *fx, const char *property)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  g_dbus_connection_call (fx->client, g_dbus_connection_get_unique_name (fx->service_conn),
                          VIRT_MIGRATE_DBUS_PATH "/Manager", "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", "org.virtmigrate.VirtMigrate1.Manager", property),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_result, &result);
  reply = g_dbus_connection_call_finish (fx->client, wait_result (&result), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return g_variant_get_uint32 (value);
}

static void
wait_state (VirtMigrateDBusJob *job, const char *state)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (g_strcmp0 (virt_migrate_dbus_job_get_state (job), state) != 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
on_completed (VirtMigrateDBusJob *job, gboolean success, const char *message, gpointer user_data)
{
  *(int *) user_data = success ? 1 : 2;
}

static void
test_migrate_to_completed (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = migrate (fx, "web1", &error);
  g_autoptr(VirtMigrateDBusJob) job = NULL;
  int completed = 0;
  const char *domain = NULL;

  g_test_summary ("Migrate over D-Bus runs a job on the manager's backend; the Job object shows "
                  "its progress and request, Completed(true) comes once it succeeded, and the object "
                  "goes when the manager's retention is over");
  g_assert_no_error (error);
  job = job_proxy (fx, path);
  g_signal_connect (job, "completed", G_CALLBACK (on_completed), &completed);
  wait_state (job, "running");
  g_assert_true (g_variant_lookup (virt_migrate_dbus_job_get_request (job), "domain", "&s", &domain));
  g_assert_cmpstr (domain, ==, "web1");
  g_assert_cmpstr (virt_migrate_dbus_job_get_domain (job), ==, "web1");
  fake_backend_set_blocking (g_ptr_array_index (fx->fakes, 0), FALSE);
  while (completed == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (completed, ==, 1);
  g_assert_cmpstr (virt_migrate_dbus_job_get_state (job), ==, "succeeded");
  g_assert_cmpfloat (virt_migrate_dbus_job_get_progress (job), ==, 1.0);
  g_assert_cmpuint (virt_migrate_dbus_job_get_downtime (job), ==, 42);
  /* The manager's retention (1 s here) over, the object goes. */
  while (virt_migrate_dbus_service_get_n_jobs (fx->service) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fx->manager)), ==, 0);
}

static void
test_queue_counts (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *p1 = migrate (fx, "one", &error);
  g_autofree char *p2 = migrate (fx, "two", &error);
  g_autoptr(VirtMigrateDBusJob) j1 = job_proxy (fx, p1);
  g_autoptr(VirtMigrateDBusJob) j2 = job_proxy (fx, p2);

  g_test_summary ("max-parallel 1 and two jobs: RunningJobs 1 and QueuedJobs 1; when the first "
                  "ends the second runs (RunningJobs 1, QueuedJobs 0)");
  g_assert_no_error (error);
  g_assert_cmpstr (virt_migrate_dbus_job_get_state (j2), ==, "pending");
  g_assert_cmpuint (manager_count (fx, "RunningJobs"), ==, 1);
  g_assert_cmpuint (manager_count (fx, "QueuedJobs"), ==, 1);
  wait_state (j1, "running");
  fake_backend_set_blocking (g_ptr_array_index (fx->fakes, 0), FALSE);
  wait_state (j1, "succeeded");
  wait_state (j2, "running");
  g_assert_cmpuint (manager_count (fx, "RunningJobs"), ==, 1);
  g_assert_cmpuint (manager_count (fx, "QueuedJobs"), ==, 0);
  fake_backend_set_blocking (g_ptr_array_index (fx->fakes, 1), FALSE);
  wait_state (j2, "succeeded");
  g_assert_cmpuint (manager_count (fx, "RunningJobs"), ==, 0);
}

static void
test_cancel (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = migrate (fx, "web1", &error);
  g_autoptr(VirtMigrateDBusJob) job = job_proxy (fx, path);
  g_autoptr(GAsyncResult) result = NULL;
  int completed = 0;

  g_test_summary ("Job.Cancel on a running job: the backend is aborted, Completed(false), state "
                  "cancelled, Cancelable false");
  g_signal_connect (job, "completed", G_CALLBACK (on_completed), &completed);
  wait_state (job, "running");
  g_assert_true (virt_migrate_dbus_job_get_cancelable (job));
  virt_migrate_dbus_job_call_cancel (job, NULL, on_result, &result);
  g_assert_true (virt_migrate_dbus_job_call_cancel_finish (job, wait_result (&result), &error));
  g_assert_no_error (error);
  while (completed == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (completed, ==, 2);
  wait_state (job, "cancelled");
  g_assert_false (virt_migrate_dbus_job_get_cancelable (job));
  g_assert_cmpuint (fake_backend_get_n_aborts (g_ptr_array_index (fx->fakes, 0)), ==, 1);
}

static gboolean
refuse_force_complete (VirtMigrateDBusService *service, const char *action, const char *sender, guint uid,
                       VirtMigrateJob *job, gpointer user_data)
{
  return !g_str_equal (action, "force-complete");
}

static gboolean
strv_has_prefix (const char *const *strv, const char *prefix)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    if (g_str_has_prefix (strv[i], prefix))
      return TRUE;
  return FALSE;
}

static void
test_force_complete (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = migrate (fx, "web1", &error);
  g_autoptr(VirtMigrateDBusJob) job = job_proxy (fx, path);
  g_autoptr(GAsyncResult) result = NULL;
  FakeBackend *fake;
  gulong id;

  g_test_summary ("Job.ForceComplete on a running job without post-copy: the guest is paused on the "
                  "source (the backend's suspend), logged in Messages; a caller the authorize signal "
                  "refuses gets AccessDenied");
  wait_state (job, "running");
  fake = g_ptr_array_index (fx->fakes, 0);

  id = g_signal_connect (fx->service, "authorize", G_CALLBACK (refuse_force_complete), NULL);
  virt_migrate_dbus_job_call_force_complete (job, NULL, on_result, &result);
  g_assert_false (virt_migrate_dbus_job_call_force_complete_finish (job, wait_result (&result), &error));
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED);
  g_clear_error (&error);
  g_clear_object (&result);
  g_signal_handler_disconnect (fx->service, id);
  g_assert_false (fake_backend_get_suspended (fake));

  virt_migrate_dbus_job_call_force_complete (job, NULL, on_result, &result);
  g_assert_true (virt_migrate_dbus_job_call_force_complete_finish (job, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  while (!fake_backend_get_suspended (fake) ||
         !strv_has_prefix (virt_migrate_dbus_job_get_messages (job), "force-complete: pausing the guest"))
    g_main_context_iteration (NULL, TRUE);
  virt_migrate_dbus_job_call_cancel (job, NULL, on_result, &result);
  g_assert_true (virt_migrate_dbus_job_call_cancel_finish (job, wait_result (&result), &error));
  wait_state (job, "cancelled");
}

static void
test_named_errors (Fixture *fx, gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GVariantBuilder b;

  g_test_summary ("A bad request over D-Bus gets the named error, mapped back to the GError of "
                  "VirtMigrateError (out of range: parallel-connections 256)");
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "domain", g_variant_new_string ("x"));
  g_variant_builder_add (&b, "{sv}", "source-uri", g_variant_new_string ("qemu:///system"));
  g_variant_builder_add (&b, "{sv}", "dest-uri", g_variant_new_string ("qemu+ssh://dst/system"));
  g_variant_builder_add (&b, "{sv}", "parallel-connections", g_variant_new_int32 (256));
  virt_migrate_dbus_manager_call_migrate (fx->proxy, g_variant_builder_end (&b), NULL, on_result, &result);
  g_assert_false (virt_migrate_dbus_manager_call_migrate_finish (fx->proxy, &path, wait_result (&result), &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE);
  g_assert_nonnull (strstr (error->message, "parallel-connections"));
  g_assert_cmpuint (fx->fakes->len, ==, 0);
}

static gboolean
refuse_drains (VirtMigrateDBusService *service, const char *action, const char *sender, guint uid,
               VirtMigrateJob *job, gpointer user_data)
{
  return !g_str_equal (action, "drain");
}

static char *
drain (Fixture *fx, const char *text, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GVariant) options = g_variant_parse (G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &parse_error);
  char *path = NULL;

  g_assert_no_error (parse_error);
  virt_migrate_dbus_manager_call_drain (fx->proxy, options, NULL, on_result, &result);
  if (!virt_migrate_dbus_manager_call_drain_finish (fx->proxy, &path, wait_result (&result), error))
    return NULL;
  return path;
}

static void
test_drain (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(VirtMigrateDBusDrain) proxy = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GVariant) row = NULL;
  const char *domain = NULL, *outcome = NULL, *reason = NULL;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  gulong id;

  g_test_summary ("Manager.Drain: named errors for bad options; a dry run of libvirt's test driver's "
                  "host onto an unreachable destination ends planned, its guest left with libvirt's "
                  "reason; a caller the service refuses gets AccessDenied");
  g_assert_null (drain (fx, "{'source-uri': <'test:///default'>, 'live': <true>, 'domain': <'test'>, "
                            "'destinations': <['qemu:///nowhere']>}", &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_REQUEST);
  g_clear_error (&error);
  g_assert_null (drain (fx, "{'source-uri': <'test:///default'>, 'live': <true>, "
                            "'flow': <'peer-to-peer'>, 'placement': <'nearest'>, "
                            "'destinations': <['qemu:///nowhere']>}", &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_null (drain (fx, "{'source-uri': <'test:///default'>, 'live': <true>}", &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_MISSING_DEST_URI);
  g_clear_error (&error);

  /* Managed direct: this process must reach the destination itself. */
  path = drain (fx, "{'source-uri': <'test:///default'>, 'live': <true>, "
                    "'hypervisor-uri': <'tcp://127.0.0.1:49152'>, "
                    "'destinations': <['qemu+unix:///session?socket=/nonexistent/sock']>, "
                    "'dry-run': <true>, 'max-parallel': <uint32 3>}", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (path, VIRT_MIGRATE_DBUS_PATH "/drains/"));
  virt_migrate_dbus_drain_proxy_new (fx->client, G_DBUS_PROXY_FLAGS_NONE,
                                     g_dbus_connection_get_unique_name (fx->service_conn), path, NULL,
                                     on_result, &result);
  proxy = virt_migrate_dbus_drain_proxy_new_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  while (g_strcmp0 (virt_migrate_dbus_drain_get_state (proxy), "planned") != 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpuint (virt_migrate_dbus_drain_get_guest_count (proxy), ==, 1);
  g_assert_cmpuint (virt_migrate_dbus_drain_get_left_count (proxy), ==, 1);
  g_assert_cmpuint (virt_migrate_dbus_drain_get_max_parallel (proxy), ==, 3);
  g_assert_true (virt_migrate_dbus_drain_get_dry_run (proxy));
  g_assert_cmpstr (virt_migrate_dbus_drain_get_order (proxy), ==, "smallest memory first");
  row = g_variant_get_child_value (virt_migrate_dbus_drain_get_guests (proxy), 0);
  g_variant_lookup (row, "domain", "&s", &domain);
  g_variant_lookup (row, "outcome", "&s", &outcome);
  g_variant_lookup (row, "reason", "&s", &reason);
  g_test_message ("%s: %s: %s", domain, outcome, reason);
  g_assert_cmpstr (domain, ==, "test");
  g_assert_cmpstr (outcome, ==, "left");
  g_assert_nonnull (strstr (reason, "/nonexistent/sock"));
  g_assert_cmpuint (fx->fakes->len, ==, 0);

  id = g_signal_connect (fx->service, "authorize", G_CALLBACK (refuse_drains), NULL);
  g_clear_pointer (&path, g_free);
  g_assert_null (drain (fx, "{'source-uri': <'test:///default'>, 'live': <true>, 'flow': <'peer-to-peer'>, "
                            "'destinations': <['qemu:///nowhere']>}", &error));
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED);
  g_signal_handler_disconnect (fx->service, id);
}

static void
test_recover (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(VirtMigrateDBusJob) job = NULL;
  g_autoptr(VirtMigrateDBusJob) recovery = NULL;
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new ("broken1", "qemu:///system", "qemu+ssh://dst/system");
  g_autofree char *path = NULL;
  g_autofree char *recovery_path = NULL;
  gboolean resume = FALSE;
  int done = 0;

  g_test_summary ("With recovery off, a job whose post-copy breaks fails with the PostcopyFailed "
                  "named error; Job.Recover() starts a new job resuming it (postcopy-resume), which "
                  "succeeds; Recover() on a job that did not fail that way is refused");
  g_settings_set_uint (virt_migrate_settings_get_gsettings (virt_migrate_manager_get_settings (fx->manager)),
                       "postcopy-recovery-timeout", 0);
  g_object_set (req, "live", TRUE, "postcopy", TRUE, NULL);
  virt_migrate_dbus_manager_call_migrate (fx->proxy, virt_migrate_request_to_variant (req), NULL, on_result, &result);
  g_assert_true (virt_migrate_dbus_manager_call_migrate_finish (fx->proxy, &path, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  job = job_proxy (fx, path);
  wait_state (job, "failed");
  g_test_message ("%s", virt_migrate_dbus_job_get_error (job));
  g_assert_nonnull (strstr (virt_migrate_dbus_job_get_error (job), "resume it with Recover()"));

  virt_migrate_dbus_job_call_recover (job, NULL, on_result, &result);
  g_assert_true (virt_migrate_dbus_job_call_recover_finish (job, &recovery_path, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpstr (recovery_path, !=, path);
  recovery = job_proxy (fx, recovery_path);
  g_signal_connect (recovery, "completed", G_CALLBACK (on_completed), &done);
  wait_state (recovery, "succeeded");
  g_assert_true (g_variant_lookup (virt_migrate_dbus_job_get_request (recovery), "postcopy-resume", "b", &resume));
  g_assert_true (resume);
  {
    g_autofree char *note = g_strdup_printf ("recovering job %s's broken post-copy (VIR_MIGRATE_POSTCOPY_RESUME)",
                                             strrchr (path, '/') + 1);

    g_assert_true (g_strv_contains (virt_migrate_dbus_job_get_messages (recovery), note));
  }

  /* The recovery job succeeded: nothing more to recover. */
  virt_migrate_dbus_job_call_recover (recovery, NULL, on_result, &result);
  g_assert_false (virt_migrate_dbus_job_call_recover_finish (recovery, NULL, wait_result (&result), &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_REQUEST);
}

static GVariant *
get_history (Fixture *fx, const char *filter_text, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) filter = g_variant_parse (NULL, filter_text, NULL, NULL, NULL);
  GVariant *records = NULL;

  virt_migrate_dbus_manager_call_get_history (fx->proxy, filter, NULL, on_result, &result);
  if (!virt_migrate_dbus_manager_call_get_history_finish (fx->proxy, &records, wait_result (&result), error))
    return NULL;
  return records;
}

static void
test_history (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(VirtMigrateDBusJob) job = NULL;
  g_autoptr(GVariant) records = NULL;
  g_autoptr(GVariant) none = NULL;
  g_autoptr(GVariant) record = NULL;
  g_autofree char *dir = g_dir_make_tmp ("virt-migrate-dbus-history-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "history", NULL);
  g_autofree char *lock = g_build_filename (dir, "history.lock", NULL);
  g_autoptr(VirtMigrateHistory) history = virt_migrate_history_new (file);
  const char *s = NULL;

  g_test_summary ("Manager.GetHistory returns the manager's records of jobs that ended, filtered; "
                  "a bad filter key is the named UnknownKey error");
  virt_migrate_manager_set_history (fx->manager, history);
  path = migrate (fx, "web1", &error);
  g_assert_no_error (error);
  job = job_proxy (fx, path);
  wait_state (job, "running");
  fake_backend_set_blocking (g_ptr_array_index (fx->fakes, 0), FALSE);
  wait_state (job, "succeeded");

  records = get_history (fx, "{'domain': <'web1'>}", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (records), ==, 1);
  record = g_variant_get_child_value (records, 0);
  g_assert_true (g_variant_lookup (record, "Outcome", "&s", &s));
  g_assert_cmpstr (s, ==, "succeeded");
  g_assert_true (g_variant_lookup (record, "Destination", "&s", &s));
  g_assert_cmpstr (s, ==, "qemu+ssh://dst/system");
  none = get_history (fx, "{'domain': <'other'>}", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (none), ==, 0);

  g_assert_null (get_history (fx, "{'guest': <'web1'>}", &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_UNKNOWN_KEY);
  g_unlink (file);
  g_unlink (lock);
  g_rmdir (dir);
}

/* A method whose reply is as large as its argument says, returned
 * through the service's bound. */
static void
big_method_call (GDBusConnection *connection, const char *sender, const char *path, const char *interface,
                 const char *method, GVariant *parameters, GDBusMethodInvocation *invocation, gpointer user_data)
{
  guint32 size = 0;
  g_autofree guint8 *bytes = NULL;

  g_variant_get (parameters, "(u)", &size);
  bytes = g_malloc0 (size);
  virt_migrate_dbus_return_bounded (invocation,
                                    g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes,
                                                                                       size, 1)),
                                    "ask for less");
}

static GVariant *
call_big (Fixture *fx, guint32 size, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_dbus_connection_call (fx->client, g_dbus_connection_get_unique_name (fx->service_conn), "/big", "org.example.Big",
                          "Get", g_variant_new ("(u)", size), G_VARIANT_TYPE ("(ay)"), G_DBUS_CALL_FLAGS_NONE, 60000,
                          NULL, on_result, &result);
  return g_dbus_connection_call_finish (fx->client, wait_result (&result), error);
}

static void
test_reply_bound (Fixture *fx, gconstpointer data)
{
  static const GDBusInterfaceVTable vtable = { big_method_call, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (
    "<node><interface name='org.example.Big'><method name='Get'><arg type='u' direction='in'/>"
    "<arg type='ay' direction='out'/></method></interface></node>", NULL);
  g_autoptr(GVariant) small = g_variant_ref_sink (g_variant_new_string ("0123456789"));
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint id;

  g_test_summary ("A reply larger than the service sends in one message (the bus disconnects a sender of one "
                  "larger than it takes, and the service dropped off the bus): the error OutOfRange saying what "
                  "to ask for; the service still answers after it");
  g_assert_true (virt_migrate_dbus_reply_fits (small, 11, "ask for less", &error));
  g_assert_no_error (error);
  g_assert_false (virt_migrate_dbus_reply_fits (small, 10, "ask for less", &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  id = g_dbus_connection_register_object (fx->service_conn, "/big", node->interfaces[0], &vtable, fx, NULL, &error);
  g_assert_no_error (error);
  reply = call_big (fx, 1024, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call_big (fx, VIRT_MIGRATE_DBUS_REPLY_MAX + 1, &error);
  g_assert_null (reply);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE);
  g_assert_true (g_str_has_suffix (error->message, "more than this service sends in one D-Bus message (16 MiB): "
                                   "ask for less"));
  g_clear_error (&error);
  reply = call_big (fx, 1024, &error);
  g_assert_no_error (error);
  g_dbus_connection_unregister_object (fx->service_conn, id);
}

/* The URIs the system service refuses to open for a caller: those that
 * name a program or a file for libvirt's client, however spelt. */
static void
test_uri_allowed (void)
{
  static const char *const refused[] = {
    "qemu+ext:///system?command=/tmp/x",
    "qemu+EXT:///system",
    "qemu+ssh://h/system?command=/tmp/x",
    "qemu+ssh://h/system?no_tty=1;command=/tmp/x",
    "qemu+ssh://h/system?COMMAND=/tmp/x",
    "qemu+ssh://h/system?comm%61nd=/tmp/x",
    "qemu+ssh://h/system?netcat=/tmp/x",
    "qemu+ssh://h/system?keyfile=/root/.ssh/id_rsa",
    "qemu+tls://h/system?pkipath=/root/pki",
    "qemu+libssh://h/system?known_hosts=/etc/passwd",
    "qemu+libssh://h/system?known_hosts_verify=auto",
    "qemu+ssh://h/system?no_verify=1",
  };
  static const char *const allowed[] = {
    "qemu:///system",
    "qemu+ssh://h/system",
    "qemu+ssh://user@h:2222/system?no_tty=1",
    "qemu+unix:///session?socket=/run/user/1000/libvirt/libvirt-sock",
    "qemu+tcp://h/system",
    "not a uri",
  };

  g_test_summary ("On the system bus a caller's URI naming a program or a file for libvirt's client (command=, "
                  "netcat=, keyfile=, pkipath=, known_hosts=, no_verify=, the ext transport), in any case, escaped "
                  "or after ';': AccessDenied; others allowed");
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", refused[i]);
      g_assert_false (virt_migrate_dbus_uri_allowed (refused[i], &error));
      g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED);
    }
  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (virt_migrate_dbus_uri_allowed (allowed[i], &error));
      g_assert_no_error (error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/virt-migrate/dbus-unit/migrate-to-completed", Fixture, GUINT_TO_POINTER (0),
              fixture_set_up, test_migrate_to_completed, fixture_tear_down);
  g_test_add ("/virt-migrate/dbus-unit/queue-counts", Fixture, GUINT_TO_POINTER (1),
              fixture_set_up, test_queue_counts, fixture_tear_down);
  g_test_add ("/virt-migrate/dbus-unit/cancel", Fixture, GUINT_TO_POINTER (0),
              fixture_set_up, test_cancel, fixture_tear_down);
  g_test_add ("/virt-migrate/dbus-unit/named-errors", Fixture, GUINT_TO_POINTER (0),
              fixture_set_up, test_named_errors, fixture_tear_down);
  g_test_add ("/virt-migrate/dbus-unit/force-complete", Fixture, GUINT_TO_POINTER (0),
              fixture_set_up, test_force_complete, fixture_tear_down);
  g_test_add ("/virt-migrate/dbus-unit/recover", Fixture, GUINT_TO_POINTER (0),
              fixture_set_up, test_recover, fixture_tear_down);
  g_test_add ("/virt-migrate/dbus-unit/drain", Fixture, GUINT_TO_POINTER (0),
              fixture_set_up, test_drain, fixture_tear_down);
  g_test_add ("/virt-migrate/dbus-unit/history", Fixture, GUINT_TO_POINTER (0),
              fixture_set_up, test_history, fixture_tear_down);
  g_test_add ("/virt-migrate/dbus-unit/reply-bound", Fixture, GUINT_TO_POINTER (0), fixture_set_up, test_reply_bound,
              fixture_tear_down);
  g_test_add_func ("/virt-migrate/dbus-unit/uri-allowed", test_uri_allowed);
  return g_test_run ();
}
