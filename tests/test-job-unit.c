/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The job, its worker and the manager's queue against the scripted fake
 * backend: every phase a cancel can arrive in, failures, the policy's
 * decisions reaching the backend, admission under the parallel limits.
 * No libvirtd. */
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <string.h>
#include <unistd.h>

#include <virt-migrate.h>

#include "fake-backend.h"
#include "job-messages.h"
#include "virt-migrate-job-private.h"
#include "virt-migrate-manager-private.h"

#define MIB (1024 * 1024)

static VirtMigrateRequest *
new_request (const char *domain)
{
  VirtMigrateRequest *req = virt_migrate_request_new (domain, "qemu:///system", "qemu+ssh://dst/system");

  g_object_set (req, "live", TRUE, "postcopy", TRUE, NULL);
  return req;
}

/* A memory migration of 64 MiB in @n passes of shrinking remaining bytes. */
static FakeBackend *
converging_backend (guint n)
{
  FakeBackend *fake = fake_backend_new ();

  for (guint i = 0; i < n; i++)
    fake_backend_add_memory_pass (fake, 64 * MIB, 64 * MIB - (i + 1) * (64 * MIB / n), 1, FALSE);
  return fake;
}

/* run_async()'s callback sets the error (when any) and marks the job as
 * reported, which is_done() waits for too. */
static void
on_run_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;

  virt_migrate_job_run_finish (VIRT_MIGRATE_JOB (source), result, error);
  g_object_set_data (source, "reported", GINT_TO_POINTER (1));
}

static gboolean
is_done (VirtMigrateJob *job)
{
  /* Finished, and the run's callback came (when it was run). */
  return virt_migrate_job_is_finished (job) &&
         (g_object_get_data (G_OBJECT (job), "awaited") == NULL ||
          g_object_get_data (G_OBJECT (job), "reported") != NULL);
}

static void
run (VirtMigrateJob *job, GCancellable *cancellable, GError **error)
{
  g_object_set_data (G_OBJECT (job), "awaited", GINT_TO_POINTER (1));
  g_object_set_data (G_OBJECT (job), "reported", NULL);
  virt_migrate_job_run_async (job, cancellable, on_run_done, error);
}

static void
iterate_until (gboolean (*cond) (VirtMigrateJob *), VirtMigrateJob *job)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!cond (job))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
test_success (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = converging_backend (8);
  g_autoptr(VirtMigrateJob) job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  g_autoptr(GError) error = NULL;
  gdouble last = 0.0;

  g_test_summary ("A fake migration runs to success: preparing, running, then succeeded with "
                  "progress 1, everything moved, the final downtime, and the backend finished once");
  virt_migrate_job_set_poll_interval (job, 10);
  run (job, NULL, &error);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_PREPARING);
  while (!is_done (job))
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpfloat (virt_migrate_job_get_progress (job), >=, last);
      last = virt_migrate_job_get_progress (job);
    }
  g_assert_no_error (error);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  g_assert_cmpfloat (virt_migrate_job_get_progress (job), ==, 1.0);
  g_assert_cmpuint (virt_migrate_job_get_data_remaining (job), ==, 0);
  g_assert_cmpuint (virt_migrate_job_get_data_processed (job), ==, virt_migrate_job_get_data_total (job));
  g_assert_cmpuint (virt_migrate_job_get_downtime (job), ==, 42);
  g_assert_cmpuint (fake_backend_get_n_finished (fake), ==, 1);
  g_assert_true (fake_backend_get_finish_success (fake));
}

static void
test_snapshot_verdict (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = converging_backend (2);
  g_autoptr(VirtMigrateJob) job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  g_autoptr(GError) error = NULL;

  g_test_summary ("A job's pre-flight verdict in its snapshots, taken many times (as D-Bus and the JSON views "
                  "do): each snapshot holds it, and it goes with the job (under valgrind: each snapshot leaked "
                  "a reference, so it never went)");
  fake_backend_set_verdict (fake, g_variant_new_parsed ("{'destination': <'qemu+ssh://dst/system'>, "
                                                        "'result': <'ok'>, 'force': <false>, 'checks': "
                                                        "<@aa{sv} []>}"));
  virt_migrate_job_set_poll_interval (job, 10);
  run (job, NULL, &error);
  iterate_until (is_done, job);
  g_assert_no_error (error);
  g_assert_nonnull (virt_migrate_job_get_verdict (job));
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GVariant) snapshot = g_variant_ref_sink (virt_migrate_job_to_variant (job));
      g_autoptr(GVariant) verdict = g_variant_lookup_value (snapshot, "Verdict", G_VARIANT_TYPE_VARDICT);
      const char *result = NULL;

      g_assert_nonnull (verdict);
      g_assert_true (g_variant_lookup (verdict, "result", "&s", &result));
      g_assert_cmpstr (result, ==, "ok");
    }
}

static void
test_failure (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = converging_backend (20);
  g_autoptr(VirtMigrateJob) job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  g_autoptr(GError) error = NULL;

  g_test_summary ("A migration the hypervisor fails part-way ends failed with its message, "
                  "on the job and from run_finish()");
  fake_backend_fail_after (fake, 3, "internal error: qemu unexpectedly closed the monitor");
  virt_migrate_job_set_poll_interval (job, 10);
  run (job, NULL, &error);
  iterate_until (is_done, job);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_FAILED);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_LIBVIRT);
  g_assert_cmpstr (virt_migrate_job_get_error (job)->message, ==, error->message);
  g_assert_false (fake_backend_get_finish_success (fake));
}

static void
test_prepare_fails (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = converging_backend (2);
  g_autoptr(VirtMigrateJob) job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  g_autoptr(GError) error = NULL;

  g_test_summary ("A guest the backend cannot find: failed before any migration call");
  fake_backend_fail_prepare (fake, "Domain not found: no domain with matching name 'web1'");
  run (job, NULL, &error);
  iterate_until (is_done, job);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND);
  g_assert_cmpuint (fake_backend_get_n_migrated (fake), ==, 0);
  g_assert_cmpuint (fake_backend_get_n_finished (fake), ==, 1);
}

static void
test_invalid_request (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = converging_backend (2);
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("An invalid request fails validation when run, and the backend is never asked");
  g_object_set (req, "parallel-connections", 300, NULL);
  job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  run (job, NULL, &error);
  iterate_until (is_done, job);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE);
  g_assert_cmpuint (fake_backend_get_n_prepared (fake), ==, 0);
}

static void
on_phase (VirtMigrateJob *job, GParamSpec *pspec, GArray *phases)
{
  VirtMigratePhase phase = virt_migrate_job_get_phase (job);

  g_array_append_val (phases, phase);
}

static void
test_phases (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = fake_backend_new ();
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GArray) phases = g_array_new (FALSE, FALSE, sizeof (VirtMigratePhase));
  g_autoptr(GError) error = NULL;
  const VirtMigratePhase expected[] = {
    VIRT_MIGRATE_PHASE_CONNECTING, VIRT_MIGRATE_PHASE_COPYING_DISKS, VIRT_MIGRATE_PHASE_MEMORY,
    VIRT_MIGRATE_PHASE_SWITCH_OVER, VIRT_MIGRATE_PHASE_FINISHING, VIRT_MIGRATE_PHASE_DONE,
  };
  VirtMigrateSample disks = {
    .active = TRUE, .have_total = TRUE, .total = 32 * MIB, .remaining = 16 * MIB, .transferred = 16 * MIB,
  };
  VirtMigrateSample paused = {
    .active = TRUE, .have_total = TRUE, .total = 64 * MIB, .remaining = MIB, .transferred = 63 * MIB,
    .memory_total = 64 * MIB, .iteration = 3, .switch_over = TRUE,
  };

  g_test_summary ("The phase follows the samples: connecting, copying disks (no memory totals "
                  "yet), memory, switch-over (the source paused by libvirt), finishing, done");
  for (guint i = 0; i < 3; i++)
    fake_backend_add_sample (fake, &disks);
  for (guint i = 0; i < 3; i++)
    fake_backend_add_memory_pass (fake, 64 * MIB, 32 * MIB - i * 8 * MIB, 1 + i, FALSE);
  fake_backend_add_sample (fake, &paused);
  fake_backend_add_sample (fake, &paused);
  job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  g_assert_cmpint (virt_migrate_job_get_phase (job), ==, VIRT_MIGRATE_PHASE_NONE);
  g_signal_connect (job, "notify::phase", G_CALLBACK (on_phase), phases);
  virt_migrate_job_set_poll_interval (job, 10);
  run (job, NULL, &error);
  iterate_until (is_done, job);
  g_assert_no_error (error);
  g_assert_cmpuint (phases->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpint (g_array_index (phases, VirtMigratePhase, i), ==, expected[i]);
}

/* --- cancel in every phase --------------------------------------------------- */

static void
test_cancel_pending (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = converging_backend (2);
  g_autoptr(VirtMigrateJob) job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  g_autoptr(GError) error = NULL;
  guint completed = 0;

  g_test_summary ("Cancel before run: the job ends cancelled at once, completed once, run_async() "
                  "then reports the cancel; the backend is never asked");
  g_signal_connect_swapped (job, "completed", G_CALLBACK (g_atomic_int_inc), &completed);
  g_assert_true (virt_migrate_job_cancel (job, NULL));
  iterate_until (is_done, job);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_CANCELLED);
  g_assert_cmpuint (completed, ==, 1);
  run (job, NULL, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (fake_backend_get_n_prepared (fake), ==, 0);
}

static void
test_cancel_preparing (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = converging_backend (4);
  g_autoptr(VirtMigrateJob) job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  g_autoptr(GError) error = NULL;

  g_test_summary ("Cancel while the guest is looked up: the migration call is never made");
  fake_backend_set_gate (fake, FAKE_GATE_PREPARE);
  run (job, NULL, &error);
  fake_backend_wait_gate (fake);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_PREPARING);
  g_assert_true (virt_migrate_job_cancel (job, NULL));
  fake_backend_open_gate (fake);
  iterate_until (is_done, job);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_CANCELLED);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (fake_backend_get_n_migrated (fake), ==, 0);
  g_assert_null (virt_migrate_job_get_error (job));
}

static gboolean
is_running (VirtMigrateJob *job)
{
  return virt_migrate_job_get_state (job) == VIRT_MIGRATE_JOB_STATE_RUNNING &&
         virt_migrate_job_get_data_total (job) > 0;
}

static void
test_cancel_running (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = converging_backend (4);
  g_autoptr(VirtMigrateJob) job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  g_autoptr(GError) error = NULL;

  g_test_summary ("Cancel while copying: the backend is aborted and finished as failed (the "
                  "guest stays on the source), the job ends cancelled without an error");
  fake_backend_set_blocking (fake, TRUE);
  virt_migrate_job_set_poll_interval (job, 10);
  run (job, NULL, &error);
  iterate_until (is_running, job);
  g_assert_true (virt_migrate_job_cancel (job, NULL));
  iterate_until (is_done, job);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_CANCELLED);
  g_assert_cmpuint (fake_backend_get_n_aborts (fake), ==, 1);
  g_assert_false (fake_backend_get_finish_success (fake));
  g_assert_null (virt_migrate_job_get_error (job));
}

static void
test_cancel_retries (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = converging_backend (4);
  g_autoptr(VirtMigrateJob) job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_test_summary ("A cancel that reaches the hypervisor before its job began is retried until "
                  "the abort works; cancelling the GCancellable is the same as cancel()");
  fake_backend_set_blocking (fake, TRUE);
  fake_backend_set_abort_retries (fake, 3);
  virt_migrate_job_set_poll_interval (job, 10);
  run (job, cancellable, &error);
  iterate_until (is_running, job);
  g_cancellable_cancel (cancellable);
  iterate_until (is_done, job);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_CANCELLED);
  g_assert_cmpuint (fake_backend_get_n_aborts (fake), ==, 4);
}

static gboolean
is_postcopy (VirtMigrateJob *job)
{
  return virt_migrate_job_get_state (job) == VIRT_MIGRATE_JOB_STATE_POSTCOPY;
}

static void
test_cancel_postcopy (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = fake_backend_new ();
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) cancel_error = NULL;

  g_test_summary ("In post-copy the guest runs on the destination: a cancel is refused with "
                  "not-cancellable, Cancelable is false, and the migration completes");
  for (guint i = 0; i < 3; i++)
    fake_backend_add_memory_pass (fake, 64 * MIB, 40 * MIB, 1, FALSE);
  for (guint i = 0; i < 6; i++)
    fake_backend_add_memory_pass (fake, 64 * MIB, 30 * MIB - i * MIB, 2, TRUE);
  job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  virt_migrate_job_set_poll_interval (job, 20);
  run (job, NULL, &error);
  iterate_until (is_postcopy, job);
  g_assert_false (virt_migrate_job_cancel (job, &cancel_error));
  g_assert_error (cancel_error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_NOT_CANCELLABLE);
  g_assert_false (virt_migrate_job_is_cancelable (job));
  iterate_until (is_done, job);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  g_assert_cmpuint (fake_backend_get_n_aborts (fake), ==, 0);
}

static void
test_cancel_finished (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = converging_backend (2);
  g_autoptr(VirtMigrateJob) job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) cancel_error = NULL;

  g_test_summary ("A finished job cannot be cancelled, nor run again");
  virt_migrate_job_set_poll_interval (job, 10);
  run (job, NULL, &error);
  iterate_until (is_done, job);
  g_assert_false (virt_migrate_job_cancel (job, &cancel_error));
  g_assert_error (cancel_error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_NOT_CANCELLABLE);
  run (job, NULL, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_BUSY);
}

static GThread *main_thread;

/* notify::state on another thread than the one that runs the job's
 * context (this test's main thread). */
static void
on_state_check_context (VirtMigrateJob *job, GParamSpec *pspec, guint *off_context)
{
  if (g_thread_self () != main_thread)
    (*off_context)++;
}

static gpointer
cancel_thread (gpointer data)
{
  virt_migrate_job_cancel (data, NULL);
  return NULL;
}

static void
test_cancel_from_thread (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = converging_backend (4);
  g_autoptr(VirtMigrateJob) job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  g_autoptr(GError) error = NULL;
  GThread *threads[4];
  guint off_context = 0;

  g_test_summary ("Cancels from four threads at once: one abort, the state changes only on "
                  "the job's context");
  main_thread = g_thread_self ();
  g_signal_connect (job, "notify::state", G_CALLBACK (on_state_check_context), &off_context);
  fake_backend_set_blocking (fake, TRUE);
  virt_migrate_job_set_poll_interval (job, 10);
  run (job, NULL, &error);
  iterate_until (is_running, job);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("cancel", cancel_thread, job);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  iterate_until (is_done, job);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_CANCELLED);
  g_assert_cmpuint (fake_backend_get_n_aborts (fake), ==, 1);
  g_assert_cmpuint (off_context, ==, 0);
}

/* --- tuning and the policy ------------------------------------------------------ */

static void
test_tuning_reaches_backend (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = converging_backend (4);
  g_autoptr(VirtMigrateJob) job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) early = NULL;

  g_test_summary ("SetMaxDowntime, SetMaxSpeed and post-copy reach the backend at the next "
                  "poll; before the migration runs they are refused");
  g_assert_false (virt_migrate_job_set_max_speed (job, 10, &early));
  g_assert_error (early, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED);
  fake_backend_set_blocking (fake, TRUE);
  virt_migrate_job_set_poll_interval (job, 10);
  run (job, NULL, &error);
  iterate_until (is_running, job);
  g_assert_true (virt_migrate_job_set_max_downtime (job, 1234, NULL));
  g_assert_true (virt_migrate_job_set_max_speed (job, 77, NULL));
  g_assert_true (virt_migrate_job_start_postcopy (job, NULL));
  iterate_until (is_postcopy, job);
  g_assert_cmpuint (fake_backend_get_last_downtime (fake), ==, 1234);
  g_assert_cmpuint (fake_backend_get_last_speed (fake), ==, 77);
  g_assert_true (fake_backend_get_postcopy (fake));
  g_assert_false (virt_migrate_job_cancel (job, NULL));
  /* The fake ends once its samples are read. */
  fake_backend_set_blocking (fake, FALSE);
  iterate_until (is_done, job);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
}

static void
test_policy_timeout_aborts (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = fake_backend_new ();
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(GError) error = NULL;

  g_test_summary ("The policy's completion timeout (1 s, from the request) aborts a migration "
                  "that does not converge: logged, the backend aborted, the job failed with "
                  "CannotConverge saying why");
  fake_backend_set_blocking (fake, TRUE);
  fake_backend_add_memory_pass (fake, 64 * MIB, 50 * MIB, 1, FALSE);
  g_object_set (req, "completion-timeout", 1, "postcopy", FALSE, NULL);
  job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  virt_migrate_job_set_policy (job, policy);
  virt_migrate_job_set_poll_interval (job, 50);
  run (job, NULL, &error);
  iterate_until (is_done, job);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_FAILED);
  g_assert_error (virt_migrate_job_get_error (job), VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CANNOT_CONVERGE);
  g_assert_cmpstr (virt_migrate_job_get_error (job)->message, ==,
                   "The migration of 'web1' cannot converge: it did not finish within its completion timeout "
                   "(1 s): allow post-copy, choose the pause completion action, or give it more time. The "
                   "guest keeps running on the source");
  g_assert_cmpuint (fake_backend_get_n_aborts (fake), ==, 1);
  g_assert_true (g_strv_contains ((const char *const *) virt_migrate_job_get_messages (job),
                                  "policy: completion timeout after 1 s: aborting; the guest stays on the source"));
}

static gboolean
has_force_message (VirtMigrateJob *job)
{
  return job_has_message (job, "force-complete:");
}

static void
test_force_complete (void)
{
  for (guint postcopy = 0; postcopy <= 1; postcopy++)
    {
      g_autoptr(VirtMigrateRequest) req = new_request ("web1");
      g_autoptr(FakeBackend) fake = fake_backend_new ();
      g_autoptr(VirtMigrateJob) job = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) run_error = NULL;

      g_test_summary ("Force-complete: post-copy when the request allows it, else the guest paused on the "
                      "source (as Nova's force-complete), logged; refused once the job ended");
      fake_backend_set_blocking (fake, TRUE);
      fake_backend_add_memory_pass (fake, 64 * MIB, 50 * MIB, 1, FALSE);
      g_object_set (req, "postcopy", (gboolean) postcopy, NULL);
      job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
      virt_migrate_job_set_poll_interval (job, 50);
      g_assert_false (virt_migrate_job_force_complete (job, &error));
      g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED);
      g_clear_error (&error);
      run (job, NULL, &run_error);
      while (fake_backend_get_n_stats (fake) == 0)
        g_main_context_iteration (NULL, TRUE);
      g_assert_true (virt_migrate_job_force_complete (job, &error));
      g_assert_no_error (error);
      iterate_until (has_force_message, job);
      if (postcopy)
        {
          while (!fake_backend_get_postcopy (fake))
            g_main_context_iteration (NULL, TRUE);
          g_assert_true (job_has_message (job, "force-complete: switching to post-copy"));
          g_assert_false (fake_backend_get_suspended (fake));
        }
      else
        {
          while (!fake_backend_get_suspended (fake))
            g_main_context_iteration (NULL, TRUE);
          g_assert_true (job_has_message (job, "force-complete: pausing the guest on the source"));
          g_assert_false (fake_backend_get_postcopy (fake));
          virt_migrate_job_cancel (job, NULL);
        }
      if (postcopy)
        fake_backend_set_blocking (fake, FALSE);
      iterate_until (is_done, job);
      g_assert_false (virt_migrate_job_force_complete (job, &error));
      g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED);
    }
}

static void
test_policy_timeout_pauses (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = fake_backend_new ();
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(GError) error = NULL;

  g_test_summary ("The pause action reaches the backend as a suspend of the source guest");
  fake_backend_set_blocking (fake, TRUE);
  fake_backend_add_memory_pass (fake, 64 * MIB, 50 * MIB, 1, FALSE);
  g_object_set (req, "completion-timeout", 1, "completion-action", VIRT_MIGRATE_POLICY_ACTION_PAUSE, NULL);
  job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  virt_migrate_job_set_policy (job, policy);
  virt_migrate_job_set_poll_interval (job, 50);
  run (job, NULL, &error);
  while (!fake_backend_get_suspended (fake))
    g_main_context_iteration (NULL, TRUE);
  virt_migrate_job_cancel (job, NULL);
  iterate_until (is_done, job);
}

/* --- the manager: queue, admission, the same guest -------------------------------- */

typedef struct {
  GPtrArray          *fakes;
  guint               n_adopted;
  gboolean            diverging;    /* the next backends' guest never converges */
  VirtMigrateRequest *last_request; /* what the last backend was made for */
} Factory;

static VirtMigrateBackend *
make_fake (VirtMigrateRequest *request, gboolean adopted, gpointer user_data)
{
  Factory *f = user_data;
  FakeBackend *fake = f->diverging ? fake_backend_new () : converging_backend (4);

  f->n_adopted += adopted;
  f->last_request = request;
  if (f->diverging)
    fake_backend_add_memory_pass (fake, 64 * MIB, 50 * MIB, 1, FALSE);
  fake_backend_set_blocking (fake, TRUE);
  g_ptr_array_add (f->fakes, g_object_ref (fake));
  return VIRT_MIGRATE_BACKEND (fake);
}

static VirtMigrateManager *
fake_manager (Factory *f, guint max_parallel, guint per_dest)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(VirtMigrateSettings) settings = virt_migrate_settings_new_with_backend (backend);
  VirtMigrateManager *manager;

  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "max-parallel", max_parallel);
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "max-parallel-per-destination", per_dest);
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "poll-interval", 10);
  manager = virt_migrate_manager_new_with_settings (settings);
  f->fakes = g_ptr_array_new_with_free_func (g_object_unref);
  f->n_adopted = 0;
  f->diverging = FALSE;
  virt_migrate_manager_set_backend_func (manager, make_fake, f, NULL);
  return manager;
}

static void
release_fake (FakeBackend *fake)
{
  fake_backend_set_blocking (fake, FALSE);
  fake_backend_add_memory_pass (fake, 64 * MIB, 0, 2, FALSE);
}

static void
test_manager_queue (void)
{
  Factory f;
  g_autoptr(VirtMigrateManager) manager = fake_manager (&f, 1, 0);
  g_autoptr(VirtMigrateRequest) r1 = new_request ("one");
  g_autoptr(VirtMigrateRequest) r2 = new_request ("two");
  g_autoptr(VirtMigrateJob) j1 = virt_migrate_manager_start (manager, r1, NULL, NULL);
  g_autoptr(VirtMigrateJob) j2 = virt_migrate_manager_start (manager, r2, NULL, NULL);
  g_autoptr(GPtrArray) jobs = virt_migrate_manager_list_jobs (manager);

  g_test_summary ("max-parallel 1: the second job waits pending without touching its backend, "
                  "starts when the first ends, and both succeed");
  g_assert_nonnull (j1);
  g_assert_nonnull (j2);
  g_assert_cmpuint (jobs->len, ==, 2);
  g_assert_cmpint (virt_migrate_job_get_state (j1), ==, VIRT_MIGRATE_JOB_STATE_PREPARING);
  g_assert_cmpint (virt_migrate_job_get_state (j2), ==, VIRT_MIGRATE_JOB_STATE_PENDING);
  iterate_until (is_running, j1);
  g_assert_cmpint (virt_migrate_job_get_state (j2), ==, VIRT_MIGRATE_JOB_STATE_PENDING);
  g_assert_cmpuint (fake_backend_get_n_prepared (g_ptr_array_index (f.fakes, 1)), ==, 0);
  release_fake (g_ptr_array_index (f.fakes, 0));
  iterate_until (is_done, j1);
  iterate_until (is_running, j2);
  release_fake (g_ptr_array_index (f.fakes, 1));
  iterate_until (is_done, j2);
  g_assert_cmpint (virt_migrate_job_get_state (j1), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  g_assert_cmpint (virt_migrate_job_get_state (j2), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  g_clear_pointer (&jobs, g_ptr_array_unref);
  jobs = virt_migrate_manager_list_jobs (manager);
  g_assert_cmpuint (jobs->len, ==, 0);
  g_ptr_array_unref (f.fakes);
}

static void
test_manager_cancel_queued (void)
{
  Factory f;
  g_autoptr(VirtMigrateManager) manager = fake_manager (&f, 1, 0);
  g_autoptr(VirtMigrateRequest) r1 = new_request ("one");
  g_autoptr(VirtMigrateRequest) r2 = new_request ("two");
  g_autoptr(VirtMigrateJob) j1 = virt_migrate_manager_start (manager, r1, NULL, NULL);
  g_autoptr(VirtMigrateJob) j2 = virt_migrate_manager_start (manager, r2, NULL, NULL);
  guint removed = 0;

  g_test_summary ("A queued job cancelled ends cancelled at once, leaves the manager "
                  "(job-removed) and never reaches a backend; the running one is untouched");
  g_signal_connect_swapped (manager, "job-removed", G_CALLBACK (g_atomic_int_inc), &removed);
  g_assert_true (virt_migrate_job_cancel (j2, NULL));
  iterate_until (is_done, j2);
  g_assert_cmpint (virt_migrate_job_get_state (j2), ==, VIRT_MIGRATE_JOB_STATE_CANCELLED);
  g_assert_cmpuint (removed, ==, 1);
  g_assert_cmpuint (f.fakes->len, ==, 2);
  g_assert_cmpuint (fake_backend_get_n_prepared (g_ptr_array_index (f.fakes, 1)), ==, 0);
  g_assert_false (virt_migrate_job_is_finished (j1));
  virt_migrate_job_cancel (j1, NULL);
  iterate_until (is_done, j1);
  g_assert_cmpuint (removed, ==, 2);
  g_ptr_array_unref (f.fakes);
}

static void
test_manager_per_destination (void)
{
  Factory f;
  g_autoptr(VirtMigrateManager) manager = fake_manager (&f, 0, 1);
  g_autoptr(VirtMigrateRequest) r1 = new_request ("one");
  g_autoptr(VirtMigrateRequest) r2 = new_request ("two");
  g_autoptr(VirtMigrateRequest) r3 = virt_migrate_request_new ("three", "qemu:///system", "qemu+ssh://other/system");
  g_autoptr(VirtMigrateJob) j1 = NULL, j2 = NULL, j3 = NULL;

  g_test_summary ("One migration per destination: a second to the same host waits, one to "
                  "another host runs at once");
  g_object_set (r3, "live", TRUE, NULL);
  j1 = virt_migrate_manager_start (manager, r1, NULL, NULL);
  j2 = virt_migrate_manager_start (manager, r2, NULL, NULL);
  j3 = virt_migrate_manager_start (manager, r3, NULL, NULL);
  g_assert_cmpint (virt_migrate_job_get_state (j2), ==, VIRT_MIGRATE_JOB_STATE_PENDING);
  g_assert_cmpint (virt_migrate_job_get_state (j3), ==, VIRT_MIGRATE_JOB_STATE_PREPARING);
  for (guint i = 0; i < 3; i++)
    virt_migrate_job_cancel (i == 0 ? j2 : i == 1 ? j1 : j3, NULL);
  iterate_until (is_done, j1);
  iterate_until (is_done, j3);
  g_ptr_array_unref (f.fakes);
}

static void
test_manager_same_guest (void)
{
  Factory f;
  g_autoptr(VirtMigrateManager) manager = fake_manager (&f, 0, 0);
  g_autoptr(VirtMigrateRequest) r1 = new_request ("one");
  g_autoptr(VirtMigrateJob) j1 = virt_migrate_manager_start (manager, r1, NULL, NULL);
  g_autoptr(VirtMigrateJob) j2 = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("The same guest from the same source twice: refused with busy, naming the job");
  j2 = virt_migrate_manager_start (manager, r1, NULL, &error);
  g_assert_null (j2);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_BUSY);
  virt_migrate_job_cancel (j1, NULL);
  iterate_until (is_done, j1);
  g_ptr_array_unref (f.fakes);
}

static void
test_manager_applies_settings (void)
{
  Factory f;
  g_autoptr(VirtMigrateManager) manager = fake_manager (&f, 0, 0);
  g_autoptr(VirtMigrateRequest) r1 = new_request ("one");
  g_autoptr(VirtMigrateRequest) r2 = new_request ("two");
  g_autoptr(VirtMigrateJob) j1 = NULL, j2 = NULL;
  GSettings *gs = virt_migrate_settings_get_gsettings (virt_migrate_manager_get_settings (manager));

  g_test_summary ("The manager's jobs get the settings' defaults and the policy; a request "
                  "with convergence-policy off gets none; the owner is this process's user");
  g_settings_set_uint64 (gs, "bandwidth", 33);
  g_object_set (r2, "convergence-policy", FALSE, NULL);
  j1 = virt_migrate_manager_create_job (manager, r1, NULL);
  j2 = virt_migrate_manager_create_job (manager, r2, NULL);
  g_assert_cmpuint (virt_migrate_request_get_bandwidth (virt_migrate_job_get_request (j1)), ==, 33);
  g_assert_nonnull (virt_migrate_job_get_policy (j1));
  g_assert_null (virt_migrate_job_get_policy (j2));
  g_assert_cmpint (virt_migrate_job_get_started_by_uid (j1), ==, (gint64) getuid ());
  g_assert_cmpuint (virt_migrate_job_get_poll_interval (j1), ==, 10);
  g_ptr_array_unref (f.fakes);
}

static void
test_manager_one_request (void)
{
  Factory f;
  g_autoptr(VirtMigrateManager) manager = fake_manager (&f, 0, 0);
  g_autoptr(VirtMigrateRequest) r1 = new_request ("one");
  g_autoptr(VirtMigrateJob) job = NULL;
  VirtMigrateRequest *runs;

  g_test_summary ("The manager validates the request with its defaults once and freezes it: the job and its "
                  "backend share that one object, which cannot change; the caller's stays free");
  job = virt_migrate_manager_create_job (manager, r1, NULL);
  runs = virt_migrate_job_get_request (job);
  g_assert_true (runs == f.last_request);
  g_assert_true (runs != r1);
  g_test_expect_message ("VirtMigrate", G_LOG_LEVEL_CRITICAL, "*request of a job cannot change (bandwidth)*");
  g_object_set (runs, "bandwidth", (guint64) 1, NULL);
  g_test_assert_expected_messages ();
  g_object_set (r1, "bandwidth", (guint64) 1, NULL);
  g_assert_cmpuint (virt_migrate_request_get_bandwidth (runs), !=, 1);
  g_ptr_array_unref (f.fakes);
}

static void
test_manager_adopt (void)
{
  Factory f;
  g_autoptr(VirtMigrateManager) manager = fake_manager (&f, 1, 0);
  g_autoptr(VirtMigrateRequest) r1 = new_request ("one");
  g_autoptr(VirtMigrateRequest) r2 = new_request ("two");
  g_autoptr(VirtMigrateJob) busy = virt_migrate_manager_start (manager, r1, NULL, NULL);
  g_autoptr(VirtMigrateJob) later = NULL;
  const char *messages[] = { "policy: max downtime step 1/5, 1240 ms", NULL };
  VirtMigrateJob *adopted;
  gint64 began = g_get_real_time () - 30 * G_USEC_PER_SEC;

  g_test_summary ("A restarted daemon's job, adopted through the manager's backend seam (adopted set): "
                  "it keeps its id, owner, log and start, runs at once outside the limit of 1; "
                  "a new job never takes its id");
  adopted = virt_migrate_manager_adopt (manager, r2, 4242, 1000, messages, began, 0);
  g_assert_nonnull (adopted);
  g_assert_cmpuint (f.n_adopted, ==, 1);
  g_assert_cmpuint (virt_migrate_job_get_id (adopted), ==, 4242);
  g_assert_cmpint (virt_migrate_job_get_started_by_uid (adopted), ==, 1000);
  {
    g_auto(GStrv) log = NULL;

    g_object_get (adopted, "messages", &log, NULL);
    g_assert_true (g_strv_contains ((const char *const *) log, messages[0]));
  }
  /* Admitted although the one slot is taken. */
  while (fake_backend_get_n_prepared (g_ptr_array_index (f.fakes, 1)) == 0)
    g_main_context_iteration (NULL, TRUE);
  {
    g_autoptr(VirtMigrateRequest) r3 = new_request ("three");

    later = virt_migrate_manager_create_job (manager, r3, NULL);
  }
  g_assert_cmpuint (virt_migrate_job_get_id (later), !=, 4242);
  release_fake (g_ptr_array_index (f.fakes, 1));
  iterate_until (is_done, adopted);
  g_assert_cmpint (virt_migrate_job_get_state (adopted), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  /* Its time counts from the migration's real start, not the adoption. */
  g_assert_cmpuint (virt_migrate_job_get_elapsed (adopted), >=, 30000);
  virt_migrate_job_cancel (busy, NULL);
  iterate_until (is_done, busy);
  g_ptr_array_unref (f.fakes);
}

static void
test_manager_adopt_drain_limit (void)
{
  Factory f;
  g_autoptr(VirtMigrateManager) manager = fake_manager (&f, 0, 0);
  g_autoptr(VirtMigrateRequest) r1 = new_request ("one");
  g_autoptr(VirtMigrateRequest) r2 = new_request ("two");
  g_autoptr(VirtMigrateJob) next = NULL;
  VirtMigrateJob *adopted;

  g_test_summary ("A drain's job adopted after a restart counts in its drain's limit: with max-parallel 1 "
                  "the drain's next guest waits for it, then runs");
  virt_migrate_manager_set_group_limit (manager, 7, 1);
  adopted = virt_migrate_manager_adopt (manager, r1, 4242, 1000, NULL, 0, 7);
  g_assert_cmpuint (virt_migrate_job_get_drain_id (adopted), ==, 7);
  next = virt_migrate_manager_create_job (manager, r2, NULL);
  virt_migrate_job_set_drain_id (next, 7);
  virt_migrate_manager_run_job (manager, next, NULL);
  while (fake_backend_get_n_prepared (g_ptr_array_index (f.fakes, 0)) == 0)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (virt_migrate_job_get_state (next), ==, VIRT_MIGRATE_JOB_STATE_PENDING);
  g_assert_cmpuint (fake_backend_get_n_prepared (g_ptr_array_index (f.fakes, 1)), ==, 0);
  release_fake (g_ptr_array_index (f.fakes, 0));
  iterate_until (is_done, adopted);
  release_fake (g_ptr_array_index (f.fakes, 1));
  iterate_until (is_done, next);
  g_assert_cmpint (virt_migrate_job_get_state (next), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  g_ptr_array_unref (f.fakes);
}

static void
test_manager_adopt_policy (void)
{
  Factory f;
  g_autoptr(VirtMigrateManager) manager = fake_manager (&f, 0, 0);
  g_autoptr(VirtMigrateRequest) request = new_request ("web1");
  VirtMigrateJob *adopted;

  g_test_summary ("A job adopted after a restart runs under the convergence policy as the one it "
                  "follows did: a migration that does not converge is stopped at its completion "
                  "timeout, not followed for ever");
  g_object_set (request, "completion-timeout", 1, "postcopy", FALSE, NULL);
  f.diverging = TRUE;
  adopted = virt_migrate_manager_adopt (manager, request, 4242, 1000, NULL, 0, 0);
  g_assert_nonnull (virt_migrate_job_get_policy (adopted));
  {
    /* Without the policy it would run for ever: 10 s is plenty. */
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (!is_done (adopted) && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  }
  g_assert_cmpint (virt_migrate_job_get_state (adopted), ==, VIRT_MIGRATE_JOB_STATE_FAILED);
  g_assert_error (virt_migrate_job_get_error (adopted), VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CANNOT_CONVERGE);
  g_assert_cmpuint (fake_backend_get_n_aborts (g_ptr_array_index (f.fakes, 0)), ==, 1);
  g_ptr_array_unref (f.fakes);
}

static void
on_items_changed (GListModel *list, guint position, guint removed, guint added, guint *changes)
{
  (*changes)++;
}

static void
test_manager_retention (void)
{
  Factory f;
  g_autoptr(VirtMigrateManager) manager = fake_manager (&f, 0, 0);
  g_autoptr(VirtMigrateRequest) r1 = new_request ("one");
  g_autoptr(VirtMigrateJob) j1 = NULL;
  GListModel *list = G_LIST_MODEL (manager);
  guint changes = 0;
  gint64 ended;

  g_test_summary ("The manager is a GListModel of its jobs: a job is in it from the start, "
                  "stays once finished for the settings' retention (1 s), then leaves it");
  g_settings_set_uint (virt_migrate_settings_get_gsettings (virt_migrate_manager_get_settings (manager)),
                       "retention", 1);
  g_signal_connect (manager, "items-changed", G_CALLBACK (on_items_changed), &changes);
  g_assert_true (g_list_model_get_item_type (list) == VIRT_MIGRATE_TYPE_JOB);
  j1 = virt_migrate_manager_start (manager, r1, NULL, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1);
  g_assert_cmpuint (changes, ==, 1);
  {
    g_autoptr(VirtMigrateJob) item = g_list_model_get_item (list, 0);
    g_assert_true (item == j1);
  }
  release_fake (g_ptr_array_index (f.fakes, 0));
  iterate_until (is_done, j1);
  ended = g_get_monotonic_time ();
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1);
  while (g_list_model_get_n_items (list) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (g_get_monotonic_time () - ended, >=, G_USEC_PER_SEC / 2);
  g_assert_cmpuint (changes, ==, 2);
  g_ptr_array_unref (f.fakes);
}

/* --- post-copy recovery ------------------------------------------------------ */

static void
on_state (VirtMigrateJob *job, GParamSpec *pspec, GString *states)
{
  g_string_append_printf (states, "%s%s", states->len > 0 ? " " : "",
                          g_enum_get_value (g_type_class_peek (VIRT_MIGRATE_TYPE_JOB_STATE),
                                            virt_migrate_job_get_state (job))->value_nick);
}

static gboolean
is_recovering (VirtMigrateJob *job)
{
  return virt_migrate_job_get_state (job) == VIRT_MIGRATE_JOB_STATE_RECOVERING;
}

static char *
messages (VirtMigrateJob *job)
{
  return g_strjoinv ("\n", (char **) virt_migrate_job_get_messages (job));
}

/* Pre-copy, then post-copy that breaks: the guest is split. */
static FakeBackend *
breaking_backend (void)
{
  FakeBackend *fake = fake_backend_new ();

  for (guint i = 0; i < 2; i++)
    fake_backend_add_memory_pass (fake, 64 * MIB, 40 * MIB, 1, FALSE);
  for (guint i = 0; i < 4; i++)
    fake_backend_add_memory_pass (fake, 64 * MIB, 30 * MIB - i * MIB, 2, TRUE);
  fake_backend_fail_after (fake, 5, "operation failed: job 'migration out' failed in post-copy phase");
  fake_backend_set_postcopy_failed (fake, TRUE);
  return fake;
}

static void
test_postcopy_recovered (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = breaking_backend ();
  g_autoptr(FakeBackend) try1 = fake_backend_new ();
  g_autoptr(FakeBackend) try2 = fake_backend_new ();
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) cancel_error = NULL;
  g_autoptr(GString) states = g_string_new (NULL);
  g_autofree char *log = NULL;
  gint64 broke, ended;

  g_test_summary ("Post-copy breaks: the job goes to recovering (not cancellable), resumes the "
                  "migration through a resume backend (postcopy-resume), a first try that fails is "
                  "retried after the back-off, the second goes back to post-copy and succeeds");
  g_object_set (req, "postcopy-recovery-timeout", 30, NULL);
  fake_backend_add_memory_pass (try1, 64 * MIB, 20 * MIB, 2, FALSE);
  fake_backend_fail_after (try1, 1, "operation failed: resume failed: the destination is not ready");
  fake_backend_set_postcopy_failed (try1, TRUE);
  for (guint i = 0; i < 4; i++)
    fake_backend_add_memory_pass (try2, 64 * MIB, 20 * MIB - i * 4 * MIB, 2, TRUE);
  fake_backend_set_resume (fake, try1);
  fake_backend_set_resume (try1, try2);
  job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  g_signal_connect (job, "notify::state", G_CALLBACK (on_state), states);
  virt_migrate_job_set_poll_interval (job, 20);
  run (job, NULL, &error);
  iterate_until (is_recovering, job);
  broke = g_get_monotonic_time ();
  g_assert_false (virt_migrate_job_cancel (job, &cancel_error));
  g_assert_error (cancel_error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_NOT_CANCELLABLE);
  g_assert_false (virt_migrate_job_is_cancelable (job));
  iterate_until (is_done, job);
  ended = g_get_monotonic_time ();
  log = messages (job);
  g_test_message ("states: %s\n%s\n%.1f s from the break to the end", states->str, log,
                  (ended - broke) / 1e6);
  g_assert_no_error (error);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  g_assert_true (g_str_has_prefix (states->str, "preparing running postcopy recovering"));
  g_assert_true (g_str_has_suffix (states->str, "recovering postcopy completing succeeded"));
  g_assert_true (fake_backend_get_resumed (try1) && fake_backend_get_resumed (try2));
  g_assert_nonnull (strstr (log, "post-copy failed (operation failed: job 'migration out' failed in post-copy "
                                 "phase): the guest is paused on the source and runs on the destination; "
                                 "resuming the migration for up to 30 s"));
  g_assert_nonnull (strstr (log, "post-copy recovery: try 1 (VIR_MIGRATE_POSTCOPY_RESUME)"));
  g_assert_nonnull (strstr (log, "post-copy recovery: try 1 failed: operation failed: resume failed"));
  g_assert_nonnull (strstr (log, "post-copy recovery: try 2 (VIR_MIGRATE_POSTCOPY_RESUME)"));
  g_assert_nonnull (strstr (log, "post-copy resumed"));
  /* 1 s before the first try, 2 s before the second. */
  g_assert_cmpint (ended - broke, >=, 3 * G_USEC_PER_SEC - 100000);
  g_assert_cmpint (ended - broke, <, 8 * G_USEC_PER_SEC);
  g_assert_cmpfloat (virt_migrate_job_get_progress (job), ==, 1.0);
}

static void
test_postcopy_recovery_gives_up (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = breaking_backend ();
  g_autoptr(FakeBackend) try1 = fake_backend_new ();
  g_autoptr(FakeBackend) try2 = fake_backend_new ();
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Every resume fails: after postcopy-recovery-timeout (2 s) the job fails with "
                  "PostcopyFailed, saying how many tries, the last error, where the guest is and "
                  "that Recover() tries again");
  g_object_set (req, "postcopy-recovery-timeout", 2, NULL);
  for (guint i = 0; i < 2; i++)
    {
      FakeBackend *t = i == 0 ? try1 : try2;

      fake_backend_add_memory_pass (t, 64 * MIB, 20 * MIB, 2, FALSE);
      fake_backend_fail_after (t, 1, "Unable to resume: Connection refused");
      fake_backend_set_postcopy_failed (t, TRUE);
    }
  fake_backend_set_resume (fake, try1);
  fake_backend_set_resume (try1, try2);
  job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  virt_migrate_job_set_poll_interval (job, 20);
  run (job, NULL, &error);
  iterate_until (is_done, job);
  g_test_message ("%s", error->message);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_FAILED);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_POSTCOPY_FAILED);
  g_assert_nonnull (strstr (error->message, "could not be resumed in 2 s (2 tries; the last: Unable to resume: "
                                            "Connection refused)"));
  g_assert_nonnull (strstr (error->message, "Recover()"));
}

static void
test_postcopy_recovery_off (void)
{
  g_autoptr(VirtMigrateRequest) req = new_request ("web1");
  g_autoptr(FakeBackend) fake = breaking_backend ();
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("With no recovery time (a job made without a manager, or the setting at 0), a "
                  "broken post-copy fails at once with PostcopyFailed naming Recover()");
  job = virt_migrate_job_new_with_backend (req, VIRT_MIGRATE_BACKEND (fake));
  virt_migrate_job_set_poll_interval (job, 20);
  run (job, NULL, &error);
  iterate_until (is_done, job);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_POSTCOPY_FAILED);
  g_assert_nonnull (strstr (error->message, "resume it with Recover()"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/virt-migrate/job-unit/success", test_success);
  g_test_add_func ("/virt-migrate/job-unit/snapshot-verdict", test_snapshot_verdict);
  g_test_add_func ("/virt-migrate/job-unit/failure", test_failure);
  g_test_add_func ("/virt-migrate/job-unit/prepare-fails", test_prepare_fails);
  g_test_add_func ("/virt-migrate/job-unit/invalid-request", test_invalid_request);
  g_test_add_func ("/virt-migrate/job-unit/phases", test_phases);
  g_test_add_func ("/virt-migrate/job-unit/cancel-pending", test_cancel_pending);
  g_test_add_func ("/virt-migrate/job-unit/cancel-preparing", test_cancel_preparing);
  g_test_add_func ("/virt-migrate/job-unit/cancel-running", test_cancel_running);
  g_test_add_func ("/virt-migrate/job-unit/cancel-retries", test_cancel_retries);
  g_test_add_func ("/virt-migrate/job-unit/cancel-postcopy", test_cancel_postcopy);
  g_test_add_func ("/virt-migrate/job-unit/cancel-finished", test_cancel_finished);
  g_test_add_func ("/virt-migrate/job-unit/cancel-from-threads", test_cancel_from_thread);
  g_test_add_func ("/virt-migrate/job-unit/tuning", test_tuning_reaches_backend);
  g_test_add_func ("/virt-migrate/job-unit/policy-timeout-aborts", test_policy_timeout_aborts);
  g_test_add_func ("/virt-migrate/job-unit/policy-timeout-pauses", test_policy_timeout_pauses);
  g_test_add_func ("/virt-migrate/job-unit/force-complete", test_force_complete);
  g_test_add_func ("/virt-migrate/job-unit/postcopy-recovered", test_postcopy_recovered);
  g_test_add_func ("/virt-migrate/job-unit/postcopy-recovery-gives-up", test_postcopy_recovery_gives_up);
  g_test_add_func ("/virt-migrate/job-unit/postcopy-recovery-off", test_postcopy_recovery_off);
  g_test_add_func ("/virt-migrate/manager-unit/queue", test_manager_queue);
  g_test_add_func ("/virt-migrate/manager-unit/cancel-queued", test_manager_cancel_queued);
  g_test_add_func ("/virt-migrate/manager-unit/per-destination", test_manager_per_destination);
  g_test_add_func ("/virt-migrate/manager-unit/same-guest", test_manager_same_guest);
  g_test_add_func ("/virt-migrate/manager-unit/applies-settings", test_manager_applies_settings);
  g_test_add_func ("/virt-migrate/manager-unit/retention", test_manager_retention);
  g_test_add_func ("/virt-migrate/manager-unit/adopt", test_manager_adopt);
  g_test_add_func ("/virt-migrate/manager-unit/adopt-drain-limit", test_manager_adopt_drain_limit);
  g_test_add_func ("/virt-migrate/manager-unit/adopt-policy", test_manager_adopt_policy);
  g_test_add_func ("/virt-migrate/manager-unit/one-request", test_manager_one_request);
  return g_test_run ();
}
