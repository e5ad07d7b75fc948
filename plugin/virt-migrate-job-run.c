/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state machine of VirtMigrateJob: how a run goes from pending to its
 * end. It starts the worker, turns what the worker reports into property
 * changes (through the progress unit) and the policy's decisions (through
 * the convergence unit), and takes cancels from any thread (the other
 * controls of a running migration are in virt-migrate-job-control.c).
 * Every property is written here, on the job's main context. */
#include "config.h"

#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-error-private.h"
#include "virt-migrate-guest-rates.h"
#include "virt-migrate-host-setups.h"
#include "virt-migrate-job-internal.h"
#include "virt-migrate-request-private.h"

/* The bandwidth schedule's clock: statistics may be seconds apart while
 * libvirt is busy. */
#define SCHEDULE_TICK_MS 200

/**
 * virt_migrate_job_state_is_final:
 * @state: a #VirtMigrateJobState
 *
 * The one definition of a job's end, for every front end (the CLI reads a
 * D-Bus job's `State` nick back into the enum and asks this).
 *
 * Returns: whether @state ends a job: succeeded, failed or cancelled
 *   (recovering and post-copy are not)
 */
gboolean
virt_migrate_job_state_is_final (VirtMigrateJobState state)
{
  /* (RECOVERING comes after these in the enum, and is not final.) */
  return state == VIRT_MIGRATE_JOB_STATE_SUCCEEDED ||
         state == VIRT_MIGRATE_JOB_STATE_FAILED ||
         state == VIRT_MIGRATE_JOB_STATE_CANCELLED;
}

/* The worker, referenced, or NULL when the migration does not run. Any thread. */
VirtMigrateWorker *
virt_migrate_job_ref_worker (VirtMigrateJob *self)
{
  VirtMigrateWorker *worker;

  g_mutex_lock (&self->lock);
  worker = self->worker != NULL ? g_object_ref (self->worker) : NULL;
  g_mutex_unlock (&self->lock);
  return worker;
}

/* --- property helpers ---------------------------------------------------- */

static void
set_u64 (VirtMigrateJob *self, guint64 *field, guint64 value, guint prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), virt_migrate_job_props[prop]);
}

static void
set_state (VirtMigrateJob *self, VirtMigrateJobState state)
{
  if (self->state == state)
    return;
  g_debug ("job %u: %s -> %s", self->id,
           virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_JOB_STATE, self->state),
           virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_JOB_STATE, state));
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), virt_migrate_job_props[PROP_STATE]);
}

static void
set_phase (VirtMigrateJob *self, VirtMigratePhase phase)
{
  if (self->phase == phase)
    return;
  self->phase = phase;
  g_object_notify_by_pspec (G_OBJECT (self), virt_migrate_job_props[PROP_PHASE]);
}

static void
set_progress (VirtMigrateJob *self, gdouble progress)
{
  if (progress == self->progress)
    return;
  self->progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), virt_migrate_job_props[PROP_PROGRESS]);
}

static void
set_expected_end_time (VirtMigrateJob *self, gint64 value)
{
  if (self->expected_end_time == value)
    return;
  self->expected_end_time = value;
  g_object_notify_by_pspec (G_OBJECT (self), virt_migrate_job_props[PROP_EXPECTED_END_TIME]);
}

static void
update_elapsed (VirtMigrateJob *self)
{
  if (self->start_time != 0)
    set_u64 (self, &self->elapsed, (g_get_monotonic_time () - self->start_time) / 1000,
             PROP_ELAPSED);
}

void
virt_migrate_job_add_message (VirtMigrateJob *self,
             const char     *format,
             ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_info ("job %u: %s", self->id, message);
  g_ptr_array_add (self->messages, message);
  g_object_notify_by_pspec (G_OBJECT (self), virt_migrate_job_props[PROP_MESSAGES]);
}

/* The progress unit's numbers onto the properties. */
static void
publish_progress (VirtMigrateJob *self)
{
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (self->progress_unit);

  set_u64 (self, &self->data_total, st->total, PROP_DATA_TOTAL);
  set_u64 (self, &self->data_remaining, st->remaining, PROP_DATA_REMAINING);
  set_u64 (self, &self->data_processed, st->processed, PROP_DATA_PROCESSED);
  set_u64 (self, &self->data_transferred, st->transferred, PROP_DATA_TRANSFERRED);
  set_u64 (self, &self->rate, st->rate, PROP_RATE);
  set_u64 (self, &self->memory_dirty_rate, st->dirty_rate, PROP_MEMORY_DIRTY_RATE);
  set_u64 (self, &self->iteration, st->iteration, PROP_ITERATION);
  set_progress (self, st->fraction);
  if (st->have_downtime)
    set_u64 (self, &self->downtime, st->downtime, PROP_DOWNTIME);
  set_expected_end_time (self, st->time_left > 0 ? g_get_real_time () + st->time_left : 0);
}

/* --- the convergence policy's decisions -------------------------------------- */

static void
apply_decisions (VirtMigrateJob *self, GPtrArray *decisions)
{
  g_autoptr(VirtMigrateWorker) worker = virt_migrate_job_ref_worker (self);

  for (guint i = 0; i < decisions->len; i++)
    {
      VirtMigrateDecision *d = g_ptr_array_index (decisions, i);

      virt_migrate_job_add_message (self, "%s", d->message);
      if (worker == NULL)
        continue;
      switch (d->kind)
        {
        case VIRT_MIGRATE_DECISION_LOG:
          break;
        case VIRT_MIGRATE_DECISION_SET_DOWNTIME:
          if (virt_migrate_worker_set_max_downtime (worker, d->value, NULL))
            virt_migrate_progress_set_max_downtime (self->progress_unit, d->value);
          break;
        case VIRT_MIGRATE_DECISION_SET_SPEED:
          if (virt_migrate_worker_set_max_speed (worker, d->value, NULL))
            virt_migrate_progress_set_bandwidth_cap (self->progress_unit, d->value * 1024 * 1024);
          break;
        case VIRT_MIGRATE_DECISION_POSTCOPY:
          virt_migrate_worker_start_postcopy (worker, NULL);
          virt_migrate_progress_force (self->progress_unit);
          break;
        case VIRT_MIGRATE_DECISION_PAUSE:
          virt_migrate_worker_pause (worker);
          virt_migrate_progress_force (self->progress_unit);
          break;
        case VIRT_MIGRATE_DECISION_ABORT:
          if (self->policy_error == NULL)
            self->policy_error = g_error_new (VIRT_MIGRATE_ERROR,
                                              d->stuck ? VIRT_MIGRATE_ERROR_FAILED : VIRT_MIGRATE_ERROR_CANNOT_CONVERGE,
                                              "The migration of '%s' %s: %s. The guest keeps running on the source",
                                              virt_migrate_request_get_domain (self->request),
                                              d->stuck ? "did not finish" : "cannot converge", d->reason);
          virt_migrate_job_cancel (self, NULL);
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

/* The request's post-copy cap, MiB/s (0: none). */
static guint64
postcopy_bandwidth (VirtMigrateRequest *request)
{
  guint64 mib = 0;

  g_object_get (request, "postcopy-bandwidth", &mib, NULL);
  return mib;
}

/* The progress unit asks the policy what it will do at a pass to come
 * (on the job's context, from a sample). */
static VirtMigrateForecast
forecast_cb (guint64 start, guint64 rate, guint64 dirty, guint64 *downtime, gpointer user_data)
{
  VirtMigrateJob *self = user_data;

  if (self->convergence == NULL || virt_migrate_recovery_started (&self->recovery))
    return VIRT_MIGRATE_FORECAST_NOTHING;
  return virt_migrate_convergence_forecast (self->convergence, start, rate, dirty, downtime);
}

static gboolean
schedule_tick_cb (gpointer user_data)
{
  VirtMigrateJob *self = user_data;

  if (self->state == VIRT_MIGRATE_JOB_STATE_RUNNING && self->convergence != NULL)
    {
      g_autoptr(GPtrArray) decisions = virt_migrate_convergence_tick (self->convergence,
                                                                      g_get_monotonic_time ());
      apply_decisions (self, decisions);
    }
  return G_SOURCE_CONTINUE;
}

/* Elapsed time moves on while libvirt's statistics call blocks (it does,
 * for seconds, while a throttled disk mirror runs). */
static gboolean
clock_tick_cb (gpointer user_data)
{
  VirtMigrateJob *self = user_data;

  update_elapsed (self);
  /* libvirt's statistics call blocked past the expected end: that end is
   * no longer known, and "0 s left" would be a wrong small number. */
  if (self->expected_end_time > 0 && g_get_real_time () > self->expected_end_time + G_USEC_PER_SEC)
    set_expected_end_time (self, 0);
  return G_SOURCE_CONTINUE;
}

void
virt_migrate_job_stop_schedule (VirtMigrateJob *self)
{
  if (self->clock_source != NULL)
    g_source_destroy (self->clock_source);
  g_clear_pointer (&self->clock_source, g_source_unref);
  if (self->schedule_source != NULL)
    g_source_destroy (self->schedule_source);
  g_clear_pointer (&self->schedule_source, g_source_unref);
}

static void
evaluate_policy (VirtMigrateJob *self, const VirtMigrateSample *sample)
{
  VirtMigrateConvergenceSample s = {
    .time = sample->time,
    .total = self->data_total,
    .remaining = self->data_remaining,
    .rate = self->rate,
    .iteration = self->iteration,
    .dirty_rate = self->memory_dirty_rate,
    .copying_disks = self->phase == VIRT_MIGRATE_PHASE_COPYING_DISKS,
  };
  g_autoptr(GPtrArray) decisions = NULL;

  if (self->force_pending && self->state == VIRT_MIGRATE_JOB_STATE_RUNNING && self->data_total > 0)
    virt_migrate_job_force_complete_now (self);
  if (self->convergence == NULL || self->state != VIRT_MIGRATE_JOB_STATE_RUNNING || self->data_total == 0)
    return;
  decisions = virt_migrate_convergence_sample (self->convergence, &s);
  if (self->schedule_source == NULL && virt_migrate_convergence_has_schedule (self->convergence))
    {
      self->schedule_source = g_timeout_source_new (SCHEDULE_TICK_MS);
      g_source_set_callback (self->schedule_source, schedule_tick_cb, self, NULL);
      g_source_set_static_name (self->schedule_source, "[virt-migrate] bandwidth schedule");
      g_source_attach (self->schedule_source, self->context);
    }
  apply_decisions (self, decisions);
}

/* --- what the worker reports (main context) ------------------------------------ */

/* The pre-flight verdict, once prepare() has run (refused or not). */
static void
take_verdict (VirtMigrateJob *self)
{
  if (self->verdict != NULL || self->backend == NULL)
    return;
  self->verdict = virt_migrate_backend_get_verdict (self->backend);
  if (self->verdict != NULL)
    g_object_notify_by_pspec (G_OBJECT (self), virt_migrate_job_props[PROP_VERDICT]);
}

/* QEMU's set-up between the request's hosts, as the last migrations
 * between them measured it (a manager added its history's); 0: the guess. */
static gint64
expected_setup (VirtMigrateJob *self)
{
  g_autofree char *hosts = virt_migrate_host_setups_key (self->request);
  gint64 setup = 0;

  virt_migrate_host_setups_lookup (hosts, &setup);
  return setup;
}

static gboolean
expected_by_reads (VirtMigrateJob *self)
{
  g_autofree char *hosts = virt_migrate_host_setups_key (self->request);

  return virt_migrate_host_setups_lookup_reads (hosts);
}

static void
on_worker_running (const VirtMigrateBackendGuest *guest, gpointer owner)
{
  VirtMigrateJob *self = owner;

  if (virt_migrate_job_state_is_final (self->state))
    return;
  take_verdict (self);
  if (guest->uuid[0] != '\0')
    {
      g_free (self->domain_uuid);
      self->domain_uuid = g_strdup (guest->uuid);
    }
  if (guest->name[0] != '\0')
    {
      g_free (self->domain_name);
      self->domain_name = g_strdup (guest->name);
    }
  /* A resumed post-copy goes on from where the progress was. */
  if (self->state == VIRT_MIGRATE_JOB_STATE_RECOVERING)
    return;
  virt_migrate_progress_set_memory (self->progress_unit, guest->memory_bytes);
  /* QEMU's reads fill the resident set: seen before the call, or where
   * the last migration between these hosts saw it (the check before the
   * call can come before QEMU's sampling has filled it). */
  self->resident_before = guest->resident_bytes;
  self->resident_by_reads = guest->resident_by_reads;
  virt_migrate_progress_set_resident (self->progress_unit, guest->resident_bytes,
                                      guest->resident_by_reads || self->resident_reads_learnt);
  /* QEMU's set-up between these hosts as the last migrations measured it,
   * and what the guest dirtied in its first pass last time, if it moved before. */
  self->setup_expected = expected_setup (self);
  virt_migrate_progress_set_setup (self->progress_unit, self->setup_expected);
  self->dirty_learnt = virt_migrate_guest_rates_lookup (self->domain_uuid);
  virt_migrate_progress_set_dirty_learnt (self->progress_unit, self->dirty_learnt);
  if (self->dirty_learnt > 0)
    virt_migrate_job_add_message (self, "expected end: the guest dirtied %.1f MiB/s in its last migration's first pass "
                                  "(QEMU's figure), expected again", self->dirty_learnt / (1024.0 * 1024.0));
  virt_migrate_progress_start (self->progress_unit, g_get_monotonic_time (), guest->disk_bytes);
  if (self->state == VIRT_MIGRATE_JOB_STATE_PREPARING)
    set_state (self, VIRT_MIGRATE_JOB_STATE_RUNNING);
  if (guest->disk_bytes > 0)
    set_phase (self, VIRT_MIGRATE_PHASE_COPYING_DISKS);
  publish_progress (self);
}

static void
on_worker_sample (const VirtMigrateSample *sample, gpointer owner)
{
  VirtMigrateJob *self = owner;

  if (virt_migrate_job_state_is_final (self->state))
    return;
  if (sample->postcopy && (self->state == VIRT_MIGRATE_JOB_STATE_RUNNING ||
                           self->state == VIRT_MIGRATE_JOB_STATE_RECOVERING))
    {
      if (self->state == VIRT_MIGRATE_JOB_STATE_RECOVERING)
        virt_migrate_job_add_message (self, "post-copy resumed: the rest of the guest's memory is moving again");
      set_state (self, VIRT_MIGRATE_JOB_STATE_POSTCOPY);
    }
  if (self->state == VIRT_MIGRATE_JOB_STATE_POSTCOPY)
    set_phase (self, VIRT_MIGRATE_PHASE_POSTCOPY);
  /* The backend reads the resident set no more: QEMU's reads fill it. */
  if (sample->memory_total > 0 && sample->resident == 0 && self->resident_before > 0)
    self->resident_by_reads = TRUE;
  if (!virt_migrate_progress_add_sample (self->progress_unit, sample))
    return;
  g_object_freeze_notify (G_OBJECT (self));
  /* Until libvirt knows what to move, the job is still connecting. */
  if (virt_migrate_progress_get_state (self->progress_unit)->total > 0 &&
      self->state != VIRT_MIGRATE_JOB_STATE_POSTCOPY)
    set_phase (self, virt_migrate_progress_get_state (self->progress_unit)->phase);
  publish_progress (self);
  update_elapsed (self);
  if (!virt_migrate_recovery_started (&self->recovery))
    evaluate_policy (self, sample);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
on_worker_iteration (guint64 iteration, gpointer owner)
{
  VirtMigrateJob *self = owner;

  if (virt_migrate_job_state_is_final (self->state))
    return;
  virt_migrate_progress_iteration (self->progress_unit, iteration);
  set_u64 (self, &self->iteration, virt_migrate_progress_get_state (self->progress_unit)->iteration,
           PROP_ITERATION);
}

/* --- completion ------------------------------------------------------------------ */

/* The job ends: the final state, `completed`, and the task's result if
 * virt_migrate_job_run_async() was called. */
static void
finish (VirtMigrateJob *self, VirtMigrateJobState state, const GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);
  g_autoptr(VirtMigrateWorker) worker = NULL;
  g_autofree char *hosts = NULL;

  g_assert (virt_migrate_job_state_is_final (state));
  virt_migrate_job_stop_schedule (self);
  g_mutex_lock (&self->lock);
  worker = g_steal_pointer (&self->worker);
  g_mutex_unlock (&self->lock);
  g_atomic_int_set (&self->finished, TRUE);

  if (self->cancellable != NULL)
    {
      g_cancellable_disconnect (self->cancellable, self->cancellable_id);
      self->cancellable_id = 0;
      g_clear_object (&self->cancellable);
    }

  self->end_real_time = g_get_real_time ();
  g_object_freeze_notify (G_OBJECT (self));
  update_elapsed (self);
  set_expected_end_time (self, 0);
  if (error != NULL)
    {
      self->error = g_error_copy (error);
      g_object_notify_by_pspec (G_OBJECT (self), virt_migrate_job_props[PROP_ERROR]);
    }
  set_state (self, state);
  set_phase (self, VIRT_MIGRATE_PHASE_DONE);
  g_object_thaw_notify (G_OBJECT (self));
  /* Whether QEMU's reads filled the resident set, for the next migration
   * between these hosts: as seen, or not seen in one that went through. */
  hosts = virt_migrate_host_setups_key (self->request);
  if (self->resident_before > 0 && (self->resident_by_reads || state == VIRT_MIGRATE_JOB_STATE_SUCCEEDED))
    virt_migrate_host_setups_note_reads (hosts, self->resident_by_reads);
  /* What the guest dirtied, for its next migration (of any job). */
  if (state == VIRT_MIGRATE_JOB_STATE_SUCCEEDED)
    {
      virt_migrate_guest_rates_note (self->domain_uuid, virt_migrate_progress_get_dirty_first (self->progress_unit),
                                     TRUE);
      virt_migrate_host_setups_note (hosts, virt_migrate_progress_get_setup (self->progress_unit));
    }

  g_signal_emit (self, virt_migrate_job_signals[SIGNAL_COMPLETED], 0);

  if (task == NULL)
    return;
  if (state == VIRT_MIGRATE_JOB_STATE_SUCCEEDED)
    g_task_return_boolean (task, TRUE);
  else if (state == VIRT_MIGRATE_JOB_STATE_CANCELLED)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "Migration of '%s' was cancelled; the guest stays on the source",
                             virt_migrate_request_get_domain (self->request));
  else
    g_task_return_error (task, g_error_copy (error));
}

/* Post-check: what libvirt did to the configuration files against what the
 * guide's table predicts. */
static void
record_outcome (VirtMigrateJob *self, VirtMigrateBackendResult *result)
{
  g_autofree char *expected = NULL;
  g_autofree char *actual = NULL;

  if (result->expected_outcome == NULL || result->outcome == NULL)
    {
      virt_migrate_job_add_message (self, "configuration outcome not checked: the destination host could not be "
                         "queried from here");
      return;
    }
  g_set_object (&self->expected_config_outcome, result->expected_outcome);
  g_set_object (&self->config_outcome, result->outcome);
  g_object_notify_by_pspec (G_OBJECT (self), virt_migrate_job_props[PROP_EXPECTED_CONFIG_OUTCOME]);
  g_object_notify_by_pspec (G_OBJECT (self), virt_migrate_job_props[PROP_CONFIG_OUTCOME]);

  expected = virt_migrate_config_outcome_to_string (result->expected_outcome);
  actual = virt_migrate_config_outcome_to_string (result->outcome);
  if (virt_migrate_config_outcome_equal (result->expected_outcome, result->outcome))
    virt_migrate_job_add_message (self, "configuration as planned: %s", actual);
  else
    virt_migrate_job_add_message (self, "warning: configuration differs from the plan: expected %s; libvirt "
                       "reports %s", expected, actual);
}

/* --- post-copy recovery -------------------------------------------------------- */

static const VirtMigrateWorkerCallbacks worker_callbacks;

static gboolean
recovery_try_cb (gpointer user_data)
{
  VirtMigrateJob *self = user_data;
  g_autoptr(VirtMigrateRequest) request = virt_migrate_recovery_request (self->request);
  g_autoptr(VirtMigrateBackend) backend = NULL;
  VirtMigrateWorkerInput input = { 0 };
  VirtMigrateWorker *worker;

  virt_migrate_request_freeze (request);
  g_clear_pointer (&self->recovery_source, g_source_unref);
  virt_migrate_job_add_message (self, "post-copy recovery: try %u (VIR_MIGRATE_POSTCOPY_RESUME)",
                                virt_migrate_recovery_try (&self->recovery));
  backend = virt_migrate_backend_resume (self->backend, request);
  if (backend == NULL)
    {
      g_autoptr(GError) error = g_error_new (VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_POSTCOPY_FAILED,
                                             "Post-copy failed and this job cannot resume it: the guest "
                                             "is paused on the source and runs on the destination");

      finish (self, VIRT_MIGRATE_JOB_STATE_FAILED, error);
      return G_SOURCE_REMOVE;
    }
  g_set_object (&self->backend, backend);
  g_mutex_lock (&self->lock);
  input.poll_interval = self->poll_interval;
  worker = virt_migrate_worker_new (self->backend, &input, self->context, &worker_callbacks, G_OBJECT (self));
  g_clear_object (&self->worker);
  self->worker = worker;
  g_mutex_unlock (&self->lock);
  virt_migrate_worker_start (worker);
  return G_SOURCE_REMOVE;
}

/* Post-copy failed: the guest is paused on the source and runs on the
 * destination. Resume the migration with back-off (1, 2, 4… s, at most
 * 30) until it works or the time is up; then fail, saying what to do. */
static void
recover (VirtMigrateJob *self, const GError *error)
{
  gboolean first = !virt_migrate_recovery_started (&self->recovery);
  guint delay = virt_migrate_recovery_failed (&self->recovery, g_get_monotonic_time ());
  const char *why = error != NULL ? error->message : "unknown error";

  if (self->recovery.timeout == 0)
    {
      g_autoptr(GError) failed =
        g_error_new (VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_POSTCOPY_FAILED,
                     "Post-copy failed: %s. The guest is paused on the source and runs on the destination "
                     "in post-copy-failed state; resume it with Recover() (virt-migrate --postcopy "
                     "--postcopy-resume with the same hosts)", why);

      finish (self, VIRT_MIGRATE_JOB_STATE_FAILED, failed);
      return;
    }
  g_mutex_lock (&self->lock);
  g_clear_object (&self->worker);
  self->recovering = TRUE;
  g_mutex_unlock (&self->lock);
  if (first)
    virt_migrate_job_add_message (self, "post-copy failed (%s): the guest is paused on the source and runs "
                                  "on the destination; resuming the migration for up to %u s", why,
                                  self->recovery.timeout);
  else
    virt_migrate_job_add_message (self, "post-copy recovery: try %u failed: %s", self->recovery.tries, why);
  if (delay == 0)
    {
      g_autoptr(GError) failed =
        g_error_new (VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_POSTCOPY_FAILED,
                     "Post-copy failed and could not be resumed in %u s (%u tries; the last: %s). The guest "
                     "is paused on the source and runs on the destination in post-copy-failed state; try "
                     "again with Recover() (virt-migrate --postcopy --postcopy-resume with the same hosts)",
                     self->recovery.timeout, self->recovery.tries, why);

      finish (self, VIRT_MIGRATE_JOB_STATE_FAILED, failed);
      return;
    }
  set_state (self, VIRT_MIGRATE_JOB_STATE_RECOVERING);
  set_phase (self, VIRT_MIGRATE_PHASE_POSTCOPY);
  self->recovery_source = g_timeout_source_new (delay);
  g_source_set_callback (self->recovery_source, recovery_try_cb, self, NULL);
  g_source_set_static_name (self->recovery_source, "[virt-migrate] post-copy recovery");
  g_source_attach (self->recovery_source, self->context);
}

static void
on_worker_done (VirtMigrateWorkerResult *result, gpointer owner)
{
  VirtMigrateJob *self = owner;

  take_verdict (self);
  if (virt_migrate_job_state_is_final (self->state))
    return;
  if (result->cancelled && self->policy_error != NULL)
    finish (self, VIRT_MIGRATE_JOB_STATE_FAILED, self->policy_error);
  else if (result->cancelled)
    finish (self, VIRT_MIGRATE_JOB_STATE_CANCELLED, NULL);
  else if (!result->success && result->backend.postcopy_failed)
    recover (self, result->error);
  else if (!result->success)
    finish (self, VIRT_MIGRATE_JOB_STATE_FAILED, result->error);
  else
    {
      g_object_freeze_notify (G_OBJECT (self));
      set_state (self, VIRT_MIGRATE_JOB_STATE_COMPLETING);
      set_phase (self, VIRT_MIGRATE_PHASE_FINISHING);
      virt_migrate_progress_complete (self->progress_unit,
                                      result->backend.have_final ? &result->backend.final : NULL);
      publish_progress (self);
      record_outcome (self, &result->backend);
      g_object_thaw_notify (G_OBJECT (self));
      finish (self, VIRT_MIGRATE_JOB_STATE_SUCCEEDED, NULL);
    }
}

static const VirtMigrateWorkerCallbacks worker_callbacks = {
  .running = on_worker_running,
  .sample = on_worker_sample,
  .iteration = on_worker_iteration,
  .done = on_worker_done,
};

/* --- cancellation -------------------------------------------------------------- */

/* A job cancelled before it ran ends now, on its own context. */
static gboolean
cancel_unstarted_cb (gpointer user_data)
{
  VirtMigrateJob *self = user_data;

  if (!self->started && !virt_migrate_job_state_is_final (self->state))
    finish (self, VIRT_MIGRATE_JOB_STATE_CANCELLED, NULL);
  return G_SOURCE_REMOVE;
}

/**
 * virt_migrate_job_cancel:
 * @self: a #VirtMigrateJob
 * @error: return location for a #GError
 *
 * Asks for the migration to be aborted (`virDomainAbortJob()`).  The job
 * then ends in %VIRT_MIGRATE_JOB_STATE_CANCELLED with the guest running on
 * the source; if libvirt completes the migration before the abort reaches
 * it, the job ends in %VIRT_MIGRATE_JOB_STATE_SUCCEEDED instead.  A job
 * that was not started yet (or waits in a manager's queue) ends cancelled
 * at once, without touching libvirt.  Does not block; may be called from
 * any thread (the job's state changes on its main context).
 *
 * Returns: %TRUE if the cancel was requested; %FALSE with
 *   %VIRT_MIGRATE_ERROR_NOT_CANCELLABLE if the job already finished or is in
 *   post-copy (the guest already runs on the destination).
 */
gboolean
virt_migrate_job_cancel (VirtMigrateJob *self,
                         GError        **error)
{
  g_autoptr(VirtMigrateWorker) worker = NULL;

  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);

  if (g_atomic_int_get (&self->finished))
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_NOT_CANCELLABLE,
                   "The migration already finished; nothing to cancel");
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  if (self->recovering)
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_NOT_CANCELLABLE,
                   "Post-copy is being resumed: the guest already runs on the destination and cannot go back");
      return FALSE;
    }
  if (self->worker != NULL)
    worker = g_object_ref (self->worker);
  else
    self->cancel_requested = TRUE;
  g_mutex_unlock (&self->lock);

  g_debug ("job %u: cancel requested", self->id);
  if (worker != NULL)
    return virt_migrate_worker_cancel (worker, error);
  virt_migrate_invoke_on_context (self->context, cancel_unstarted_cb, g_object_ref (self), g_object_unref);
  return TRUE;
}

static void
on_cancellable_cancelled (GCancellable *cancellable,
                          gpointer      user_data)
{
  /* May run on any thread. */
  virt_migrate_job_cancel (VIRT_MIGRATE_JOB (user_data), NULL);
}

/* --- running -------------------------------------------------------------------- */

/* Starts the worker: the request validated (a manager's already was: no
 * work) and its libvirt call shown. */
static void
start_migration (VirtMigrateJob *self)
{
  g_autoptr(GError) error = NULL;
  const VirtMigrateCall *call;
  VirtMigrateWorkerInput input = { 0 };
  VirtMigrateWorker *worker;

  if (!virt_migrate_request_validate (self->request, &error))
    {
      finish (self, VIRT_MIGRATE_JOB_STATE_FAILED, error);
      return;
    }
  call = virt_migrate_request_get_call (self->request);
  self->libvirt_api = g_strdup (virt_migrate_api_to_string (call->api));
  self->libvirt_flags = call->flags;
  g_object_notify_by_pspec (G_OBJECT (self), virt_migrate_job_props[PROP_LIBVIRT_API]);
  g_object_notify_by_pspec (G_OBJECT (self), virt_migrate_job_props[PROP_LIBVIRT_FLAGS]);

  if (self->policy != NULL && virt_migrate_policy_get_enabled (self->policy) &&
      !virt_migrate_request_get_offline (self->request))
    {
      VirtMigrateConvergenceRequest r = {
        .completion_timeout = virt_migrate_request_get_completion_timeout (self->request),
        .completion_action = virt_migrate_request_get_completion_action (self->request),
        .postcopy_allowed = virt_migrate_request_get_postcopy (self->request),
        .max_downtime = virt_migrate_request_get_max_downtime (self->request),
        /* The call's flag: the request's, or the policy's policy-auto-converge. */
        .auto_converge = (call->flags & VIRT_MIGRATE_CALL_AUTO_CONVERGE) != 0,
        .auto_converge_initial = virt_migrate_request_get_auto_converge_initial (self->request),
        .auto_converge_increment = virt_migrate_request_get_auto_converge_increment (self->request),
      };
      self->convergence = virt_migrate_convergence_new (self->policy, &r);
      virt_migrate_progress_set_forecast (self->progress_unit, forecast_cb, self);
    }

  virt_migrate_progress_set_bandwidth_cap (self->progress_unit,
                                           virt_migrate_request_get_bandwidth (self->request) * 1024 * 1024);
  virt_migrate_progress_set_postcopy_cap (self->progress_unit,
                                          postcopy_bandwidth (self->request) * 1024 * 1024);
  input.max_downtime = virt_migrate_request_get_max_downtime (self->request);
  virt_migrate_progress_set_max_downtime (self->progress_unit, input.max_downtime);
  input.postcopy_after_precopy = virt_migrate_request_get_postcopy_after_precopy (self->request);
  input.offline = virt_migrate_request_get_offline (self->request);
  input.keep_paused = virt_migrate_request_get_suspend (self->request);
  self->resident_reads_learnt = expected_by_reads (self);
  input.by_reads_learnt = self->resident_reads_learnt;
  g_mutex_lock (&self->lock);
  input.poll_interval = self->poll_interval;
  worker = virt_migrate_worker_new (self->backend, &input, self->context, &worker_callbacks, G_OBJECT (self));
  self->worker = worker;
  g_mutex_unlock (&self->lock);

  self->started = TRUE;
  set_state (self, VIRT_MIGRATE_JOB_STATE_PREPARING);
  set_phase (self, VIRT_MIGRATE_PHASE_CONNECTING);
  self->clock_source = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->clock_source, clock_tick_cb, self, NULL);
  g_source_set_static_name (self->clock_source, "[virt-migrate] elapsed");
  g_source_attach (self->clock_source, self->context);
  update_elapsed (self);
  virt_migrate_worker_start (worker);
}

/**
 * virt_migrate_job_run_async:
 * @self: a #VirtMigrateJob
 * @cancellable: (nullable): a #GCancellable; cancelling it cancels the migration
 * @callback: (scope async): called when the migration ends
 * @user_data: data for @callback
 *
 * Runs the migration.  The request is validated first.  Progress is
 * reported through the job's properties on the calling thread's
 * thread-default #GMainContext, where @callback is also called.  A job runs
 * only once.
 */
void
virt_migrate_job_run_async (VirtMigrateJob      *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  gboolean cancelled;

  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, virt_migrate_job_run_async);
  g_task_set_name (task, "[virt-migrate] run");
  g_task_set_check_cancellable (task, FALSE);

  if (self->state == VIRT_MIGRATE_JOB_STATE_CANCELLED && !self->started)
    {
      /* Cancelled before it ran. */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "Migration of '%s' was cancelled; the guest stays on the source",
                               virt_migrate_request_get_domain (self->request));
      return;
    }
  if (self->state != VIRT_MIGRATE_JOB_STATE_PENDING || self->task != NULL)
    {
      g_task_return_new_error (task, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_BUSY,
                               "This job was already started; create a new job to migrate again");
      return;
    }

  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  self->task = g_steal_pointer (&task);
  self->start_time = g_get_monotonic_time ();
  self->start_real_time = g_get_real_time ();
  /* A migration followed again after a restart began before it. */
  if (self->adopted && self->adopted_start > 0 && self->adopted_start < self->start_real_time)
    {
      self->start_time -= self->start_real_time - self->adopted_start;
      self->start_real_time = self->adopted_start;
    }

  if (cancellable != NULL)
    {
      self->cancellable = g_object_ref (cancellable);
      self->cancellable_id = g_cancellable_connect (cancellable,
                                                    G_CALLBACK (on_cancellable_cancelled),
                                                    self, NULL);
    }

  g_mutex_lock (&self->lock);
  cancelled = self->cancel_requested;
  g_mutex_unlock (&self->lock);
  if (cancelled)
    {
      finish (self, VIRT_MIGRATE_JOB_STATE_CANCELLED, NULL);
      return;
    }
  start_migration (self);
}

/**
 * virt_migrate_job_run_finish:
 * @self: a #VirtMigrateJob
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes virt_migrate_job_run_async().  A cancelled migration gives
 * %G_IO_ERROR_CANCELLED (and #VirtMigrateJob:error stays %NULL); a failed one
 * gives the same error as #VirtMigrateJob:error, with libvirt's own message.
 *
 * Returns: %TRUE if the guest was migrated
 */
gboolean
virt_migrate_job_run_finish (VirtMigrateJob *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

