/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manager's settings (GSettings, memory backend) and its queue, with
 * real migrations between the test-bed hosts. */

#include "vm-testbed.h"

static void
count_notify (GObject *object, GParamSpec *pspec, guint *n)
{
  (*n)++;
}

static void
test_settings_keys (void)
{
  g_autoptr(VirtMigrateSettings) settings = vm_testbed_memory_settings ();
  GSettings *gs = virt_migrate_settings_get_gsettings (settings);
  guint notified = 0;

  g_test_summary ("Each key is mirrored by a property that follows changes");
  g_assert_cmpuint (virt_migrate_settings_get_poll_interval (settings), ==, 250);
  g_assert_cmpuint (virt_migrate_settings_get_progress_rate (settings), ==, 10);
  g_assert_cmpuint (virt_migrate_settings_get_retention (settings), ==, 60);
  g_assert_cmpuint (virt_migrate_settings_get_max_parallel (settings), ==, 0);
  g_signal_connect (settings, "notify::max-parallel", G_CALLBACK (count_notify), &notified);
  g_settings_set_uint (gs, "max-parallel", 3);
  g_settings_set_uint (gs, "max-parallel-per-source", 2);
  g_settings_set_uint (gs, "max-parallel-per-destination", 1);
  g_settings_set_uint64 (gs, "bandwidth", 50);
  g_settings_set_uint64 (gs, "max-downtime", 400);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpuint (virt_migrate_settings_get_max_parallel (settings), ==, 3);
  g_assert_cmpuint (virt_migrate_settings_get_max_parallel_per_source (settings), ==, 2);
  g_assert_cmpuint (virt_migrate_settings_get_max_parallel_per_destination (settings), ==, 1);
  g_assert_cmpuint (virt_migrate_settings_get_bandwidth (settings), ==, 50);
  g_assert_cmpuint (virt_migrate_settings_get_max_downtime (settings), ==, 400);
  g_settings_set_uint (gs, "poll-interval", 1000);
  g_assert_cmpuint (virt_migrate_settings_get_poll_interval (settings), ==, 1000);
}

static void
test_settings_dbus_service (void)
{
  g_autoptr(VirtMigrateSettings) settings = vm_testbed_memory_settings ();
  GSettings *gs = virt_migrate_settings_get_gsettings (settings);
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new_with_settings (settings);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(VirtMigrateDBusService) service = NULL;
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  guint interval = 0;

  g_test_summary ("progress-rate reaches the D-Bus service as it changes (the retention is the "
                  "manager's: job-unit's manager-unit/retention)");
  g_test_dbus_up (bus);
  connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, NULL);
  g_assert_nonnull (connection);
  service = virt_migrate_dbus_service_new (manager, connection, NULL);
  g_object_get (service, "progress-interval", &interval, NULL);
  g_assert_cmpuint (interval, ==, 100);
  g_settings_set_uint (gs, "progress-rate", 4);
  g_object_get (service, "progress-interval", &interval, NULL);
  g_assert_cmpuint (interval, ==, 250);
  g_clear_object (&service);
  g_clear_object (&connection);
  g_test_dbus_down (bus);
}

/* --- behaviour ------------------------------------------------------------ */

typedef struct {
  GMainLoop *loop;
  guint      n_running;
} Waiter;

static void
on_job_removed (VirtMigrateManager *manager, VirtMigrateJob *job, Waiter *w)
{
  if (--w->n_running == 0)
    g_main_loop_quit (w->loop);
}

/* Runs @jobs through @manager until all have ended. */
static void
run_all (VirtMigrateManager *manager, VirtMigrateJob **jobs, guint n)
{
  Waiter w = { g_main_loop_new (NULL, FALSE), n };
  gulong id = g_signal_connect (manager, "job-removed", G_CALLBACK (on_job_removed), &w);

  for (guint i = 0; i < n; i++)
    virt_migrate_manager_run_job (manager, jobs[i], NULL);
  g_main_loop_run (w.loop);
  g_signal_handler_disconnect (manager, id);
  g_main_loop_unref (w.loop);
}

/* Migrates the idle guest @name from @from to @to with @settings' poll
 * interval set to @interval_ms; returns statistics samples per second. */
static gdouble
samples_with_poll_interval (VirtMigrateSettings *settings, const char *name, const char *from,
                            const char *to, guint interval_ms)
{
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_new (name, from, to);
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new_with_settings (settings);
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sock = vm_testbed_path ("poll.sock");
  g_autofree char *hv = g_strconcat ("unix://", sock, NULL);
  g_autofree char *dir_name = g_strdup_printf ("poll-%u-traces", interval_ms);
  g_autofree char *traces = vm_testbed_path (dir_name);
  guint samples = 0;

  g_assert_cmpint (g_mkdir_with_parents (traces, 0700), ==, 0);
  g_setenv ("VIRT_MIGRATE_TRACE_DIR", traces, TRUE);
  g_object_set (request, "live", TRUE, "hypervisor-uri", hv, "bandwidth", (guint64) 8, NULL);
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "poll-interval", interval_ms);
  job = virt_migrate_manager_create_job (manager, request, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (virt_migrate_job_get_poll_interval (job), ==, interval_ms);
  run_all (manager, &job, 1);
  g_unsetenv ("VIRT_MIGRATE_TRACE_DIR");
  samples = vm_testbed_count_trace_samples (traces);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  g_test_message ("poll-interval %u ms: %u samples in %" G_GUINT64_FORMAT " ms", interval_ms,
                  samples, virt_migrate_job_get_elapsed (job));
  return samples * 1000.0 / MAX (virt_migrate_job_get_elapsed (job), 1);
}

static void
test_settings_poll_interval (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("poll");
  g_autoptr(VirtMigrateSettings) settings = vm_testbed_memory_settings ();
  gdouble slow, fast;

  g_test_summary ("The poll-interval key changes how often a job samples libvirt's statistics "
                  "(counted in the trace each job records)");
  /* A guest that keeps 32 MiB changing slowly: memory moves for seconds
   * behind the 8 MiB/s cap, and converges. */
  vm_testbed_dirty_guest (name, 128, 32, 2);
  g_usleep (3 * G_USEC_PER_SEC);
  slow = samples_with_poll_interval (settings, name, tb->src_uri, tb->dst_uri, 2000);
  fast = samples_with_poll_interval (settings, name, tb->dst_uri, tb->src_uri, 50);
  /* Every 2 s still samples at the start and at each memory pass (the
   * poller takes a pass's first sample at once). */
  g_assert_cmpfloat (fast, >, slow * 4);
  vm_testbed_destroy_guest (tb->src_uri, name);
}

static void
test_settings_defaults_applied (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateSettings) settings = vm_testbed_memory_settings ();
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new_with_settings (settings);
  g_autoptr(VirtMigrateRequest) plain = virt_migrate_request_new ("g", tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateRequest) own = virt_migrate_request_new ("h", tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateJob) job1 = NULL, job2 = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("bandwidth and max-downtime fill in a request that sets none; a request's "
                  "own values win; the caller's request is not modified");
  g_settings_set_uint64 (virt_migrate_settings_get_gsettings (settings), "bandwidth", 77);
  g_settings_set_uint64 (virt_migrate_settings_get_gsettings (settings), "max-downtime", 500);
  g_object_set (plain, "hypervisor-uri", "tcp://127.0.0.1:1", NULL);
  g_object_set (own, "hypervisor-uri", "tcp://127.0.0.1:1", "bandwidth", (guint64) 5,
                "max-downtime", (guint64) 100, NULL);
  job1 = virt_migrate_manager_create_job (manager, plain, &error);
  g_assert_no_error (error);
  job2 = virt_migrate_manager_create_job (manager, own, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (virt_migrate_request_get_bandwidth (virt_migrate_job_get_request (job1)), ==, 77);
  g_assert_cmpuint (virt_migrate_request_get_max_downtime (virt_migrate_job_get_request (job1)), ==, 500);
  g_assert_cmpuint (virt_migrate_request_get_bandwidth (plain), ==, 0);
  g_assert_cmpuint (virt_migrate_request_get_bandwidth (virt_migrate_job_get_request (job2)), ==, 5);
  g_assert_cmpuint (virt_migrate_request_get_max_downtime (virt_migrate_job_get_request (job2)), ==, 100);
}

static gboolean
request_bool (VirtMigrateRequest *request, const char *property)
{
  gboolean value = FALSE;

  g_object_get (request, property, &value, NULL);
  return value;
}

static void
plan_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_policy_overrides (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("overrides");
  g_autoptr(VirtMigrateSettings) settings = vm_testbed_memory_settings ();
  GSettings *gs = virt_migrate_settings_get_gsettings (settings);
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new_with_settings (settings);
  g_autoptr(VirtMigrateRequest) plain = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateRequest) own = NULL;
  g_autoptr(VirtMigrateRequest) off = NULL;
  g_autoptr(VirtMigrateJob) job1 = NULL, job2 = NULL, job3 = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(VirtMigratePlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  const char *schedule[] = { "0:5", NULL };
  g_auto(GStrv) got = NULL;
  guint window = 0;
  guint64 downtime_max = 0;

  g_test_summary ("The policy comes from the settings; a request overrides its stall window, "
                  "final downtime step and bandwidth schedule, or opts out; policy-auto-converge "
                  "and the default bandwidth show in the plan too");
  g_settings_set_uint (gs, "policy-stall-window", 20);
  g_settings_set_boolean (gs, "policy-auto-converge", TRUE);
  g_settings_set_uint64 (gs, "bandwidth", 33);
  g_object_set (plain, "live", TRUE, "hypervisor-uri", "tcp://127.0.0.1:1", NULL);
  own = virt_migrate_request_copy (plain);
  g_object_set (own, "policy-stall-window", 3, "policy-downtime-max", (guint64) 700,
                "policy-bandwidth-schedule", schedule, NULL);
  off = virt_migrate_request_copy (plain);
  g_object_set (off, "convergence-policy", FALSE, NULL);

  job1 = virt_migrate_manager_create_job (manager, plain, &error);
  g_assert_no_error (error);
  g_object_get (virt_migrate_job_get_policy (job1), "stall-window", &window, "downtime-max", &downtime_max, NULL);
  g_assert_cmpuint (window, ==, 20);
  g_assert_cmpuint (downtime_max, ==, 5000);
  g_assert_true (request_bool (virt_migrate_job_get_request (job1), "auto-converge"));

  /* The overrides travel in the request's a{sv}, as over D-Bus. */
  {
    g_autoptr(GVariant) dict = g_variant_ref_sink (virt_migrate_request_to_variant (own));
    g_autoptr(VirtMigrateRequest) back = virt_migrate_request_new_from_variant (dict, &error);

    g_assert_no_error (error);
    job2 = virt_migrate_manager_create_job (manager, back, &error);
    g_assert_no_error (error);
  }
  g_object_get (virt_migrate_job_get_policy (job2), "stall-window", &window, "downtime-max", &downtime_max,
                "bandwidth-schedule", &got, NULL);
  g_assert_cmpuint (window, ==, 3);
  g_assert_cmpuint (downtime_max, ==, 700);
  g_assert_cmpstrv (got, schedule);

  job3 = virt_migrate_manager_create_job (manager, off, &error);
  g_assert_no_error (error);
  g_assert_null (virt_migrate_job_get_policy (job3));
  g_assert_false (request_bool (virt_migrate_job_get_request (job3), "auto-converge"));

  vm_testbed_create_guest (tb->src_uri, name, NULL, FALSE, TRUE);
  virt_migrate_manager_plan_async (manager, plain, NULL, plan_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  plan = virt_migrate_manager_plan_finish (manager, result, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains (virt_migrate_plan_get_flag_names (plan), "VIR_MIGRATE_AUTO_CONVERGE"));
  {
    guint64 bw = 0;

    g_assert_true (g_variant_lookup (virt_migrate_plan_get_parameters (plan), "bandwidth", "t", &bw));
    g_assert_cmpuint (bw, ==, 33);
  }
  vm_testbed_destroy_guest (tb->src_uri, name);
}

/* --- the queue ------------------------------------------------------------ */

typedef struct {
  guint max_running;
  guint n_pending_seen;
  VirtMigrateManager *manager;
} QueueWatch;

static void
on_state (VirtMigrateJob *job, GParamSpec *pspec, QueueWatch *q)
{
  g_autoptr(GPtrArray) jobs = virt_migrate_manager_list_jobs (q->manager);
  guint running = 0;

  for (guint i = 0; i < jobs->len; i++)
    {
      VirtMigrateJobState s = virt_migrate_job_get_state (g_ptr_array_index (jobs, i));

      if (s != VIRT_MIGRATE_JOB_STATE_PENDING && !virt_migrate_job_is_finished (g_ptr_array_index (jobs, i)))
        running++;
    }
  q->max_running = MAX (q->max_running, running);
}

static void
test_queue_max_parallel (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateSettings) settings = vm_testbed_memory_settings ();
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new_with_settings (settings);
  VirtMigrateJob *jobs[5];
  char *names[5];
  QueueWatch q = { 0, 0, manager };
  g_autoptr(GError) error = NULL;

  g_test_summary ("max-parallel 2: five migrations, at most two at once, the rest pending in "
                  "order; a pending job cancelled ends at once without touching libvirt; the "
                  "others all succeed");
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "max-parallel", 2);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      g_autoptr(VirtMigrateRequest) request = NULL;

      names[i] = vm_testbed_unique_name ("queue");
      request = vm_testbed_slow_request (names[i], 16, 16);
      jobs[i] = virt_migrate_manager_create_job (manager, request, &error);
      g_assert_no_error (error);
      g_signal_connect (jobs[i], "notify::state", G_CALLBACK (on_state), &q);
    }
  {
    Waiter w = { g_main_loop_new (NULL, FALSE), G_N_ELEMENTS (jobs) };

    g_signal_connect (manager, "job-removed", G_CALLBACK (on_job_removed), &w);
    for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
      virt_migrate_manager_run_job (manager, jobs[i], NULL);
    /* Two start; three wait. */
    for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
      g_assert_cmpint (virt_migrate_job_get_state (jobs[i]), ==,
                       i < 2 ? VIRT_MIGRATE_JOB_STATE_PREPARING : VIRT_MIGRATE_JOB_STATE_PENDING);
    /* The same guest again, while its job is queued: refused. */
    {
      g_autoptr(VirtMigrateRequest) again = virt_migrate_request_new (names[3], tb->src_uri, tb->dst_uri);
      g_autoptr(VirtMigrateJob) dup = NULL;

      g_object_set (again, "hypervisor-uri", "tcp://127.0.0.1:1", NULL);
      dup = virt_migrate_manager_create_job (manager, again, &error);
      g_assert_null (dup);
      g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_BUSY);
      g_test_message ("%s", error->message);
      g_clear_error (&error);
    }
    /* Cancel a queued one. */
    g_assert_true (virt_migrate_job_cancel (jobs[4], &error));
    g_assert_no_error (error);
    g_main_loop_run (w.loop);
    g_main_loop_unref (w.loop);
  }
  g_assert_cmpuint (q.max_running, ==, 2);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      if (i == 4)
        {
          g_assert_cmpint (virt_migrate_job_get_state (jobs[i]), ==, VIRT_MIGRATE_JOB_STATE_CANCELLED);
          g_assert_null (virt_migrate_job_get_libvirt_api (jobs[i]));
          vm_assert_guest (tb->src_uri, names[i], VM_GUEST_RUNNING);
          vm_testbed_destroy_guest (tb->src_uri, names[i]);
        }
      else
        {
          g_assert_cmpint (virt_migrate_job_get_state (jobs[i]), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
          vm_assert_guest (tb->dst_uri, names[i], VM_GUEST_RUNNING);
          vm_testbed_destroy_guest (tb->dst_uri, names[i]);
        }
      g_object_unref (jobs[i]);
      g_free (names[i]);
    }
}

static void
test_queue_raise_limit (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateSettings) settings = vm_testbed_memory_settings ();
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new_with_settings (settings);
  g_autofree char *a = vm_testbed_unique_name ("dest-limit");
  g_autofree char *b = vm_testbed_unique_name ("dest-limit");
  g_autoptr(VirtMigrateRequest) ra = vm_testbed_slow_request (a, 32, 4);
  g_autoptr(VirtMigrateRequest) rb = vm_testbed_slow_request (b, 16, 16);
  VirtMigrateJob *jobs[2];
  g_autoptr(GError) error = NULL;
  Waiter w = { g_main_loop_new (NULL, FALSE), 2 };

  g_test_summary ("max-parallel-per-destination 1 queues the second migration to the same "
                  "host; raising the limit starts it at once");
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "max-parallel-per-destination", 1);
  jobs[0] = virt_migrate_manager_create_job (manager, ra, &error);
  g_assert_no_error (error);
  jobs[1] = virt_migrate_manager_create_job (manager, rb, &error);
  g_assert_no_error (error);
  g_signal_connect (manager, "job-removed", G_CALLBACK (on_job_removed), &w);
  virt_migrate_manager_run_job (manager, jobs[0], NULL);
  virt_migrate_manager_run_job (manager, jobs[1], NULL);
  g_assert_cmpint (virt_migrate_job_get_state (jobs[1]), ==, VIRT_MIGRATE_JOB_STATE_PENDING);
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "max-parallel-per-destination", 2);
  g_assert_cmpint (virt_migrate_job_get_state (jobs[1]), ==, VIRT_MIGRATE_JOB_STATE_PREPARING);
  g_assert_false (virt_migrate_job_is_finished (jobs[0]));
  g_main_loop_run (w.loop);
  g_main_loop_unref (w.loop);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpint (virt_migrate_job_get_state (jobs[i]), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
      g_object_unref (jobs[i]);
    }
  vm_testbed_destroy_guest (tb->dst_uri, a);
  vm_testbed_destroy_guest (tb->dst_uri, b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  vm_testbed_get ();

  g_test_add_func ("/virt-migrate/settings/keys", test_settings_keys);
  g_test_add_func ("/virt-migrate/settings/dbus-service", test_settings_dbus_service);
  g_test_add_func ("/virt-migrate/settings/defaults-applied", test_settings_defaults_applied);
  g_test_add_func ("/virt-migrate/settings/poll-interval", test_settings_poll_interval);
  g_test_add_func ("/virt-migrate/settings/policy-overrides", test_policy_overrides);
  g_test_add_func ("/virt-migrate/queue/max-parallel", test_queue_max_parallel);
  g_test_add_func ("/virt-migrate/queue/raise-limit", test_queue_raise_limit);
  return g_test_run ();
}
