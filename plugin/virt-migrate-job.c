/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-error-private.h"
#include "virt-migrate-job-private.h"
#include "virt-migrate-request-private.h"

/**
 * VirtMigrateJob:
 *
 * One migration, run as a #GTask with virt_migrate_job_run_async().
 *
 * All blocking libvirt calls happen on worker threads: one runs the
 * migration call itself, one polls `virDomainGetJobStats()` every
 * #VirtMigrateJob:poll-interval milliseconds, and libvirt's
 * `MIGRATION_ITERATION` and `JOB_COMPLETED` domain events arrive through
 * libvirt-glib's event loop.  The job's properties change, and are
 * notified, only on the #GMainContext that was the thread-default one when
 * virt_migrate_job_run_async() was called.
 *
 * #VirtMigrateJob:progress never decreases, even when the guest dirties
 * pages again; #VirtMigrateJob:data-remaining and
 * #VirtMigrateJob:data-transferred stay the raw numbers libvirt reports.
 *
 * virt_migrate_job_cancel(), or cancelling the #GCancellable given to
 * virt_migrate_job_run_async(), aborts the migration with
 * `virDomainAbortJob()`; the guest keeps running on the source.
 */

typedef struct {
  int      type;             /* virDomainJobType */
  gboolean have_total;
  guint64  total;            /* DATA_TOTAL */
  guint64  transferred;      /* DATA_PROCESSED: bytes sent, re-sent pages included */
  guint64  remaining;        /* DATA_REMAINING */
  guint64  memory_total;     /* MEMORY_TOTAL */
  guint64  memory_bps;
  guint64  disk_bps;
  guint64  dirty_rate;       /* MEMORY_DIRTY_RATE, pages/s */
  guint64  page_size;        /* MEMORY_PAGE_SIZE */
  guint64  iteration;        /* MEMORY_ITERATION */
  guint64  time_elapsed;     /* ms */
  gboolean have_downtime;
  guint64  downtime;         /* ms */
  gboolean postcopy;
} JobStats;

typedef struct {
  gboolean  success;
  gboolean  cancelled;
  GError   *error;
  JobStats  final;
  gboolean  have_final;
  VirtMigrateConfigOutcome *expected_outcome; /* NULL if the dest could not be checked */
  VirtMigrateConfigOutcome *outcome;
} WorkerResult;

/* The samples a rate is averaged over when libvirt reports none. */
#define RATE_WINDOW_SAMPLES 64

struct _VirtMigrateJob
{
  GObject                    parent_instance;

  guint                      id;
  gboolean                   adopted;          /* follows a migration libvirt already runs */
  VirtMigratePolicy         *policy;           /* nullable */
  struct {
    gint64                   start;            /* monotonic µs of the first sample */
    gint64                   timeout;          /* µs after start, 0: none */
    guint64                  low;              /* lowest data-remaining seen */
    gint64                   low_time;         /* when it was reached (or a step taken) */
    guint64                  base_downtime;    /* ms */
    guint                    step;             /* downtime steps taken */
    gboolean                 postcopy;         /* switched to post-copy */
    gboolean                 timed_out;
    int                      schedule_entry;   /* the bandwidth schedule's entry applied, -1: none */
    GSource                 *schedule_source;  /* applies the schedule on time, between samples */
    guint64                  pass;             /* the memory pass last seen */
    guint64                  pass_low;         /* lowest data-remaining at the start of a pass */
    guint                    passes_no_gain;   /* passes in a row that began without a new low */
  }                          pol;
  VirtMigrateRequest        *request;
  VirtMigrateConnectionPool *pool;
  GMainContext              *context;
  GTask                     *task;
  GCancellable              *cancellable;
  gulong                     cancellable_id;

  /* Owned by the main context. */
  VirtMigrateJobState        state;
  gdouble                    progress;
  guint64                    data_total;
  guint64                    data_processed;
  guint64                    data_remaining;
  guint64                    data_transferred;
  guint64                    rate;
  guint64                    memory_dirty_rate;
  guint64                    iteration;
  guint64                    elapsed;
  gint64                     expected_end_time;
  guint64                    downtime;
  GError                    *error;
  char                      *libvirt_api;
  guint                      libvirt_flags;
  VirtMigrateConfigOutcome  *config_outcome;
  VirtMigrateConfigOutcome  *expected_config_outcome;
  GPtrArray                 *messages;         /* char*, NULL-terminated */
  gint64                     started_by_uid;   /* set by the D-Bus service, -1: unknown */
  gint64                     start_time;       /* monotonic µs */
  /* Recent (time, bytes transferred) samples, for a rate when libvirt
   * gives none (a throttled block mirror moves the disks in bursts). */
  struct {
    gint64  time;
    guint64 transferred;
  }                          window[RATE_WINDOW_SAMPLES];
  guint                      window_len;
  guint                      window_next;

  /* Shared with the worker threads, under @lock. */
  GMutex                     lock;
  GCond                      cond;
  virDomainPtr               domain;           /* the source guest while the call runs */
  guint64                    memory_bytes;     /* the guest's RAM */
  gboolean                   in_call;
  gboolean                   cancel_requested;
  gboolean                   held;             /* the manager holds it in its queue */
  gboolean                   queued;           /* run_async() called while held */
  gboolean                   stop_poll;
  gboolean                   in_postcopy;
  gboolean                   postcopy_requested;
  guint64                    pending_downtime; /* ms, 0: nothing to apply */
  guint64                    pending_speed;    /* MiB/s, G_MAXUINT64: nothing to apply */
  gboolean                   pending_suspend;  /* the policy pauses the source guest */
  gboolean                   policy_paused;    /* ... and it was paused */
  guint                      poll_interval;    /* ms */
  gboolean                   have_event_stats;
  JobStats                   event_stats;      /* from VIR_DOMAIN_EVENT_ID_JOB_COMPLETED */
};

enum {
  PROP_0,
  PROP_ID,
  PROP_REQUEST,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_DATA_TOTAL,
  PROP_DATA_PROCESSED,
  PROP_DATA_REMAINING,
  PROP_DATA_TRANSFERRED,
  PROP_RATE,
  PROP_MEMORY_DIRTY_RATE,
  PROP_ITERATION,
  PROP_ELAPSED,
  PROP_EXPECTED_END_TIME,
  PROP_DOWNTIME,
  PROP_ERROR,
  PROP_LIBVIRT_API,
  PROP_LIBVIRT_FLAGS,
  PROP_POLL_INTERVAL,
  PROP_CONFIG_OUTCOME,
  PROP_EXPECTED_CONFIG_OUTCOME,
  PROP_MESSAGES,
  PROP_POLICY,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_COMPLETED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (VirtMigrateJob, virt_migrate_job, G_TYPE_OBJECT)

static gboolean cancel_queued_cb (gpointer user_data);
static void policy_evaluate (VirtMigrateJob *self);

#define DEFAULT_POLL_INTERVAL 250
#define RATE_WINDOW_US (5 * G_USEC_PER_SEC)
/* How long to wait for libvirt's JOB_COMPLETED event after the migration
 * call returned, before falling back to the last polled statistics. */
#define FINAL_STATS_TIMEOUT_US (2 * G_USEC_PER_SEC)
/* How long a cancel keeps retrying while libvirt has not started its job yet. */
#define ABORT_RETRY_US (60 * G_USEC_PER_SEC)

static gboolean
state_is_final (VirtMigrateJobState state)
{
  return state == VIRT_MIGRATE_JOB_STATE_SUCCEEDED ||
         state == VIRT_MIGRATE_JOB_STATE_FAILED ||
         state == VIRT_MIGRATE_JOB_STATE_CANCELLED;
}

/* --- property helpers (main context) --------------------------------- */

static void
set_u64 (VirtMigrateJob *self, guint64 *field, guint64 value, guint prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
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
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

static void
set_progress (VirtMigrateJob *self, gdouble progress)
{
  progress = CLAMP (progress, 0.0, 1.0);
  /* Never backwards: re-dirtied pages make libvirt's remaining bytes grow. */
  if (progress <= self->progress)
    return;
  self->progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROGRESS]);
}

static void
set_expected_end_time (VirtMigrateJob *self, gint64 value)
{
  if (self->expected_end_time == value)
    return;
  self->expected_end_time = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_EXPECTED_END_TIME]);
}

static void
update_elapsed (VirtMigrateJob *self)
{
  if (self->start_time != 0)
    set_u64 (self, &self->elapsed, (g_get_monotonic_time () - self->start_time) / 1000,
             PROP_ELAPSED);
}

static void
add_message (VirtMigrateJob *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
add_message (VirtMigrateJob *self,
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
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MESSAGES]);
}

static void
window_add (VirtMigrateJob *self, gint64 now, guint64 transferred)
{
  self->window[self->window_next].time = now;
  self->window[self->window_next].transferred = transferred;
  self->window_next = (self->window_next + 1) % RATE_WINDOW_SAMPLES;
  self->window_len = MIN (self->window_len + 1, RATE_WINDOW_SAMPLES);
}

/* Bytes per second from the oldest sample of the last few seconds to now. */
static guint64
window_rate (VirtMigrateJob *self, gint64 now, guint64 transferred)
{
  guint oldest = 0;
  gboolean found = FALSE;

  for (guint i = 0; i < self->window_len; i++)
    {
      guint k = (self->window_next + RATE_WINDOW_SAMPLES - self->window_len + i) % RATE_WINDOW_SAMPLES;

      if (now - self->window[k].time <= RATE_WINDOW_US)
        {
          oldest = k;
          found = TRUE;
          break;
        }
    }
  if (!found || now <= self->window[oldest].time || transferred < self->window[oldest].transferred)
    return 0;
  return (transferred - self->window[oldest].transferred) * G_USEC_PER_SEC /
         (guint64) (now - self->window[oldest].time);
}

/* Applies one statistics sample; called on the main context. */
static void
apply_stats (VirtMigrateJob *self, const JobStats *stats, guint64 memory_bytes)
{
  guint64 total = stats->total;
  guint64 remaining = stats->remaining;
  guint64 rate = stats->memory_bps + stats->disk_bps;
  gint64 now = g_get_monotonic_time ();

  if (stats->postcopy && self->state == VIRT_MIGRATE_JOB_STATE_RUNNING)
    set_state (self, VIRT_MIGRATE_JOB_STATE_POSTCOPY);
  if (state_is_final (self->state) || stats->type == VIR_DOMAIN_JOB_NONE || !stats->have_total)
    return;

  /* While disks are copied QEMU's RAM migration has not started and libvirt
   * reports no memory yet: count the guest's RAM in from the start, so the
   * fraction done does not jump back when the memory phase begins. */
  if (stats->memory_total == 0 && memory_bytes > 0)
    {
      total += memory_bytes;
      remaining += memory_bytes;
    }

  g_object_freeze_notify (G_OBJECT (self));

  if (rate == 0)
    rate = window_rate (self, now, stats->transferred);
  window_add (self, now, stats->transferred);

  set_u64 (self, &self->data_total, total, PROP_DATA_TOTAL);
  set_u64 (self, &self->data_remaining, remaining, PROP_DATA_REMAINING);
  set_u64 (self, &self->data_processed, total > remaining ? total - remaining : 0,
           PROP_DATA_PROCESSED);
  set_u64 (self, &self->data_transferred, stats->transferred, PROP_DATA_TRANSFERRED);
  set_u64 (self, &self->rate, rate, PROP_RATE);
  set_u64 (self, &self->memory_dirty_rate,
           stats->dirty_rate * (stats->page_size > 0 ? stats->page_size : 4096),
           PROP_MEMORY_DIRTY_RATE);
  if (stats->iteration > self->iteration)
    set_u64 (self, &self->iteration, stats->iteration, PROP_ITERATION);
  if (total > 0)
    set_progress (self, (gdouble) (total - MIN (remaining, total)) / (gdouble) total);
  if (rate > 0 && remaining > 0)
    set_expected_end_time (self, g_get_real_time () +
                                 (gint64) ((gdouble) remaining / (gdouble) rate * G_USEC_PER_SEC));
  else
    set_expected_end_time (self, 0);
  update_elapsed (self);

  if (self->policy != NULL && virt_migrate_policy_get_enabled (self->policy))
    policy_evaluate (self);

  g_object_thaw_notify (G_OBJECT (self));
}

/* --- the convergence policy (main context) ------------------------------ */

#define MIB (1024.0 * 1024.0)

static void
policy_act_on_timeout (VirtMigrateJob *self)
{
  VirtMigratePolicyAction action = virt_migrate_request_get_enum (self->request, "completion-action");
  gboolean postcopy_allowed = virt_migrate_request_get_boolean (self->request, "postcopy");

  if (action == VIRT_MIGRATE_POLICY_ACTION_DEFAULT)
    action = virt_migrate_policy_get_completion_action (self->policy);
  if (action == VIRT_MIGRATE_POLICY_ACTION_POSTCOPY && !postcopy_allowed)
    {
      add_message (self, "policy: completion timeout: post-copy is not allowed by the request, aborting instead");
      action = VIRT_MIGRATE_POLICY_ACTION_ABORT;
    }
  switch (action)
    {
    case VIRT_MIGRATE_POLICY_ACTION_PAUSE:
      add_message (self, "policy: completion timeout after %.0f s: pausing the guest on the source so the "
                   "migration can finish", self->pol.timeout / (gdouble) G_USEC_PER_SEC);
      g_mutex_lock (&self->lock);
      self->pending_suspend = TRUE;
      g_mutex_unlock (&self->lock);
      break;
    case VIRT_MIGRATE_POLICY_ACTION_POSTCOPY:
      add_message (self, "policy: completion timeout after %.0f s: switching to post-copy",
                   self->pol.timeout / (gdouble) G_USEC_PER_SEC);
      self->pol.postcopy = TRUE;
      virt_migrate_job_start_postcopy (self, NULL);
      break;
    case VIRT_MIGRATE_POLICY_ACTION_ABORT:
    case VIRT_MIGRATE_POLICY_ACTION_DEFAULT:
    default:
      add_message (self, "policy: completion timeout after %.0f s: aborting; the guest stays on the source",
                   self->pol.timeout / (gdouble) G_USEC_PER_SEC);
      virt_migrate_job_cancel (self, NULL);
      break;
    }
}

/* The bandwidth schedule's entry for now, if it is a new one. */
static void
policy_apply_schedule (VirtMigrateJob *self, gint64 now)
{
  VirtMigratePolicy *policy = self->policy;
  int entry = -1;
  guint64 mib = virt_migrate_policy_get_bandwidth_at (policy, (guint) ((now - self->pol.start) / G_USEC_PER_SEC),
                                                      &entry);

  if (entry >= 0 && entry != self->pol.schedule_entry)
    {
      self->pol.schedule_entry = entry;
      add_message (self, "policy: bandwidth schedule entry '%s': %" G_GUINT64_FORMAT " MiB/s after %.1f s",
                   virt_migrate_policy_get_bandwidth_schedule (policy)[entry], mib,
                   (now - self->pol.start) / (gdouble) G_USEC_PER_SEC);
      virt_migrate_job_set_max_speed (self, mib, NULL);
    }
}

/* Statistics may be seconds apart while libvirt is busy: the schedule
 * also runs on its own clock. */
static gboolean
schedule_tick_cb (gpointer user_data)
{
  VirtMigrateJob *self = user_data;

  if (self->state == VIRT_MIGRATE_JOB_STATE_RUNNING)
    policy_apply_schedule (self, g_get_monotonic_time ());
  return G_SOURCE_CONTINUE;
}

static void
stop_schedule (VirtMigrateJob *self)
{
  if (self->pol.schedule_source != NULL)
    g_source_destroy (self->pol.schedule_source);
  g_clear_pointer (&self->pol.schedule_source, g_source_unref);
}

/* One statistics sample seen by the policy. */
static void
policy_evaluate (VirtMigrateJob *self)
{
  VirtMigratePolicy *policy = self->policy;
  gint64 now = g_get_monotonic_time ();
  gint64 window = (gint64) virt_migrate_policy_get_stall_window (policy) * G_USEC_PER_SEC;
  guint steps = virt_migrate_policy_get_downtime_steps (policy);
  guint stall_passes = virt_migrate_policy_get_stall_iterations (policy);
  guint64 remaining = self->data_remaining;
  g_autofree char *reason = NULL;

  if (self->state != VIRT_MIGRATE_JOB_STATE_RUNNING || self->data_total == 0)
    return;

  if (self->pol.start == 0)
    {
      guint timeout_s = virt_migrate_request_get_uint (self->request, "completion-timeout");
      gdouble gib = MAX (self->data_total / (1024.0 * MIB), 1.0);

      if (timeout_s == 0)
        timeout_s = (guint) (virt_migrate_policy_get_completion_timeout_per_gib (policy) * gib);
      self->pol.start = now;
      self->pol.timeout = (gint64) timeout_s * G_USEC_PER_SEC;
      self->pol.low = remaining;
      self->pol.low_time = now;
      self->pol.base_downtime = virt_migrate_request_get_max_downtime (self->request);
      if (self->pol.base_downtime == 0)
        self->pol.base_downtime = 300; /* QEMU's default */
      self->pol.schedule_entry = -1;
      if (virt_migrate_policy_get_bandwidth_schedule (policy) != NULL &&
          virt_migrate_policy_get_bandwidth_schedule (policy)[0] != NULL)
        {
          self->pol.schedule_source = g_timeout_source_new (200);
          g_source_set_callback (self->pol.schedule_source, schedule_tick_cb, self, NULL);
          g_source_set_static_name (self->pol.schedule_source, "[virt-migrate] bandwidth schedule");
          g_source_attach (self->pol.schedule_source, self->context);
        }
      add_message (self, "policy: watching: stall after %u s without progress or %u memory passes "
                   "without gain, max downtime up to %" G_GUINT64_FORMAT " ms in %u steps, completion timeout %u s",
                   virt_migrate_policy_get_stall_window (policy), stall_passes,
                   virt_migrate_policy_get_downtime_max (policy), steps, timeout_s);
    }

  policy_apply_schedule (self, now);

  if (remaining + (guint64) MIB < self->pol.low)
    {
      self->pol.low = remaining;
      self->pol.low_time = now;
    }

  /* A new memory pass: did it begin with clearly fewer bytes left (5 %,
   * at least 1 MiB) than any pass before? */
  if (self->iteration > self->pol.pass)
    {
      if (self->pol.pass == 0 ||
          remaining + MAX ((guint64) MIB, self->pol.pass_low / 20) < self->pol.pass_low)
        {
          self->pol.pass_low = remaining;
          self->pol.passes_no_gain = 0;
        }
      else
        self->pol.passes_no_gain++;
      self->pol.pass = self->iteration;
    }

  if (self->pol.timeout > 0 && !self->pol.timed_out && now - self->pol.start >= self->pol.timeout)
    {
      self->pol.timed_out = TRUE;
      policy_act_on_timeout (self);
      return;
    }
  if (self->pol.timed_out)
    return;

  if (now - self->pol.low_time >= window)
    reason = g_strdup_printf ("no progress for %u s", virt_migrate_policy_get_stall_window (policy));
  else if (stall_passes > 0 && self->pol.passes_no_gain >= stall_passes)
    reason = g_strdup_printf ("%u memory passes without gain", self->pol.passes_no_gain);
  else
    return;

  /* Stalled. */
  if (self->pol.step < steps)
    {
      guint64 max = virt_migrate_policy_get_downtime_max (policy);
      guint64 base = MIN (self->pol.base_downtime, max);
      guint64 needed = self->rate > 0 ? remaining * 1000 / self->rate : max;
      guint64 target;

      do
        {
          self->pol.step++;
          target = base + (max - base) * self->pol.step / steps;
        }
      while (self->pol.step < steps && target < needed);
      add_message (self, "policy: %s (%.1f MiB left at %.1f MiB/s, about %" G_GUINT64_FORMAT
                   " ms of downtime needed): max downtime step %u/%u, %" G_GUINT64_FORMAT " ms",
                   reason, remaining / MIB, self->rate / MIB,
                   needed, self->pol.step, steps, target);
      virt_migrate_job_set_max_downtime (self, target, NULL);
    }
  else if (!self->pol.postcopy && virt_migrate_policy_get_postcopy_on_stall (policy) &&
           virt_migrate_request_get_boolean (self->request, "postcopy"))
    {
      self->pol.postcopy = TRUE;
      add_message (self, "policy: %s at the last downtime step: switching to post-copy", reason);
      virt_migrate_job_start_postcopy (self, NULL);
    }
  self->pol.low_time = now;
  self->pol.passes_no_gain = 0;
}

/* --- libvirt statistics ---------------------------------------------- */

static guint64
param_ull (virTypedParameterPtr params, int nparams, const char *name, gboolean *found)
{
  unsigned long long value = 0;
  int rc = virTypedParamsGetULLong (params, nparams, name, &value);

  if (found != NULL)
    *found = rc == 1;
  return rc == 1 ? value : 0;
}

static void
stats_from_params (JobStats *stats, int type, virTypedParameterPtr params, int nparams)
{
  memset (stats, 0, sizeof (*stats));
  stats->type = type;
  stats->total = param_ull (params, nparams, VIR_DOMAIN_JOB_DATA_TOTAL, &stats->have_total);
  stats->transferred = param_ull (params, nparams, VIR_DOMAIN_JOB_DATA_PROCESSED, NULL);
  stats->remaining = param_ull (params, nparams, VIR_DOMAIN_JOB_DATA_REMAINING, NULL);
  stats->memory_total = param_ull (params, nparams, VIR_DOMAIN_JOB_MEMORY_TOTAL, NULL);
  stats->memory_bps = param_ull (params, nparams, VIR_DOMAIN_JOB_MEMORY_BPS, NULL);
  stats->disk_bps = param_ull (params, nparams, VIR_DOMAIN_JOB_DISK_BPS, NULL);
  stats->dirty_rate = param_ull (params, nparams, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, NULL);
  stats->page_size = param_ull (params, nparams, VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE, NULL);
  stats->iteration = param_ull (params, nparams, VIR_DOMAIN_JOB_MEMORY_ITERATION, NULL);
  stats->time_elapsed = param_ull (params, nparams, VIR_DOMAIN_JOB_TIME_ELAPSED, NULL);
  stats->downtime = param_ull (params, nparams, VIR_DOMAIN_JOB_DOWNTIME, &stats->have_downtime);
}

/* Blocking: worker threads only. */
static gboolean
fetch_stats (virDomainPtr dom, unsigned int flags, JobStats *stats)
{
  virTypedParameterPtr params = NULL;
  int nparams = 0;
  int type = VIR_DOMAIN_JOB_NONE;

  if (virDomainGetJobStats (dom, &type, &params, &nparams, flags) < 0)
    return FALSE;
  stats_from_params (stats, type, params, nparams);
  virTypedParamsFree (params, nparams);
  return TRUE;
}

/* --- main-context dispatch ------------------------------------------- */

/* Runs @func on @context's owner: at once when the caller is that owner,
 * otherwise from an idle source attached to @context.  Unlike
 * g_main_context_invoke_full(), a worker thread never runs @func itself
 * when the context happens to be free (the daemon's main thread may be
 * between two loops), so everything the main context owns stays there. */
static void
invoke_on_context (GMainContext   *context,
                   GSourceFunc     func,
                   gpointer        data,
                   GDestroyNotify  notify)
{
  g_autoptr(GSource) source = NULL;

  if (g_main_context_is_owner (context))
    {
      func (data);
      if (notify != NULL)
        notify (data);
      return;
    }
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[virt-migrate] job dispatch");
  g_source_attach (source, context);
}

typedef enum {
  DISPATCH_STATS,     /* a polled statistics sample */
  DISPATCH_RUNNING,   /* the migration call started */
  DISPATCH_ITERATION, /* a MIGRATION_ITERATION event */
} DispatchKind;

typedef struct {
  VirtMigrateJob *job;
  DispatchKind    kind;
  JobStats        stats;
  guint64         memory_bytes;
  guint64         iteration;
} Dispatch;

static gboolean
dispatch_cb (gpointer user_data)
{
  Dispatch *d = user_data;
  VirtMigrateJob *self = d->job;

  if (state_is_final (self->state))
    return G_SOURCE_REMOVE;

  switch (d->kind)
    {
    case DISPATCH_STATS:
      apply_stats (self, &d->stats, d->memory_bytes);
      break;
    case DISPATCH_RUNNING:
      if (self->state == VIRT_MIGRATE_JOB_STATE_PREPARING)
        set_state (self, VIRT_MIGRATE_JOB_STATE_RUNNING);
      break;
    case DISPATCH_ITERATION:
      if (d->iteration > self->iteration)
        set_u64 (self, &self->iteration, d->iteration, PROP_ITERATION);
      break;
    default:
      g_assert_not_reached ();
    }
  return G_SOURCE_REMOVE;
}

static void
dispatch_free (gpointer user_data)
{
  Dispatch *d = user_data;

  g_object_unref (d->job);
  g_free (d);
}

static void
dispatch (VirtMigrateJob *self, Dispatch *d)
{
  d->job = g_object_ref (self);
  invoke_on_context (self->context, dispatch_cb, d, dispatch_free);
}

/* --- domain events (libvirt-glib's loop, default main context) -------- */

static void
on_job_completed_event (virConnectPtr        conn,
                        virDomainPtr         dom,
                        virTypedParameterPtr params,
                        int                  nparams,
                        void                *opaque)
{
  VirtMigrateJob *self = opaque;

  g_mutex_lock (&self->lock);
  stats_from_params (&self->event_stats, VIR_DOMAIN_JOB_COMPLETED, params, nparams);
  self->have_event_stats = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
on_iteration_event (virConnectPtr conn,
                    virDomainPtr  dom,
                    int           iteration,
                    void         *opaque)
{
  VirtMigrateJob *self = opaque;
  Dispatch *d = g_new0 (Dispatch, 1);

  d->kind = DISPATCH_ITERATION;
  d->iteration = (guint64) MAX (iteration, 0);
  dispatch (self, d);
}

/* --- the poller thread ------------------------------------------------ */

static gpointer
poll_thread (gpointer user_data)
{
  g_autoptr(VirtMigrateJob) self = user_data;
  VirtMigrateRequest *request = self->request;
  guint64 max_downtime = virt_migrate_request_get_max_downtime (request);
  gboolean postcopy_after_precopy =
    virt_migrate_request_get_boolean (request, "postcopy-after-precopy");
  gboolean downtime_set = FALSE;
  gboolean postcopy_started = FALSE;

  while (TRUE)
    {
      g_autoptr(virDomain) dom = NULL;
      gboolean want_postcopy;
      Dispatch *d;
      int state = 0, reason = 0;
      guint64 memory_bytes, pending_speed;
      gboolean pending_suspend;

      g_mutex_lock (&self->lock);
      if (!self->stop_poll)
        g_cond_wait_until (&self->cond, &self->lock,
                           g_get_monotonic_time () + self->poll_interval * G_TIME_SPAN_MILLISECOND);
      if (self->stop_poll || self->domain == NULL)
        {
          g_mutex_unlock (&self->lock);
          break;
        }
      dom = self->domain;
      virDomainRef (dom);
      want_postcopy = self->postcopy_requested && !postcopy_started;
      memory_bytes = self->memory_bytes;
      if (self->pending_downtime > 0)
        {
          max_downtime = self->pending_downtime;
          downtime_set = FALSE;
          self->pending_downtime = 0;
        }
      pending_speed = self->pending_speed;
      self->pending_speed = G_MAXUINT64;
      pending_suspend = self->pending_suspend;
      self->pending_suspend = FALSE;
      g_mutex_unlock (&self->lock);

      if (pending_suspend)
        {
          if (virDomainSuspend (dom) == 0)
            {
              g_mutex_lock (&self->lock);
              self->policy_paused = TRUE;
              g_mutex_unlock (&self->lock);
            }
          else
            g_warning ("job %u: cannot pause the guest: %s", self->id, virGetLastErrorMessage ());
        }

      if (pending_speed != G_MAXUINT64 && virDomainMigrateSetMaxSpeed (dom, pending_speed, 0) < 0)
        g_debug ("job %u: cannot set max speed: %s", self->id, virGetLastErrorMessage ());

      d = g_new0 (Dispatch, 1);
      d->kind = DISPATCH_STATS;
      d->memory_bytes = memory_bytes;
      if (!fetch_stats (dom, 0, &d->stats))
        {
          g_debug ("job %u: no job statistics: %s", self->id, virGetLastErrorMessage ());
          g_free (d);
          continue;
        }
      g_debug ("job %u: stats type=%d total=%" G_GUINT64_FORMAT " remaining=%" G_GUINT64_FORMAT
               " transferred=%" G_GUINT64_FORMAT " mem_total=%" G_GUINT64_FORMAT
               " bps=%" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT " iteration=%" G_GUINT64_FORMAT,
               self->id, d->stats.type, d->stats.total, d->stats.remaining, d->stats.transferred,
               d->stats.memory_total, d->stats.memory_bps, d->stats.disk_bps, d->stats.iteration);
      if (virDomainGetState (dom, &state, &reason, 0) == 0 &&
          state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_POSTCOPY)
        d->stats.postcopy = TRUE;

      if (d->stats.type != VIR_DOMAIN_JOB_NONE)
        {
          if (max_downtime > 0 && !downtime_set)
            {
              if (virDomainMigrateSetMaxDowntime (dom, max_downtime, 0) == 0)
                downtime_set = TRUE;
              else
                g_debug ("job %u: cannot set max downtime yet: %s", self->id,
                         virGetLastErrorMessage ());
            }
          if (!postcopy_started &&
              (want_postcopy || (postcopy_after_precopy && d->stats.iteration >= 2)))
            {
              if (virDomainMigrateStartPostCopy (dom, 0) == 0)
                {
                  /* From now on the guest runs on the destination, even if
                   * no sample catches the short post-copy phase. */
                  postcopy_started = TRUE;
                  d->stats.postcopy = TRUE;
                }
              else
                g_debug ("job %u: cannot switch to post-copy yet: %s", self->id,
                         virGetLastErrorMessage ());
            }
        }

      g_mutex_lock (&self->lock);
      self->in_postcopy = self->in_postcopy || d->stats.postcopy;
      g_mutex_unlock (&self->lock);

      dispatch (self, d);
    }
  return NULL;
}

/* --- the migration worker --------------------------------------------- */

static void
worker_result_free (gpointer data)
{
  WorkerResult *result = data;

  g_clear_error (&result->error);
  g_clear_object (&result->expected_outcome);
  g_clear_object (&result->outcome);
  g_free (result);
}

/* After a failed or cancelled migration the guest must not stay paused on
 * the source by our doing: resume it if it ran before and the request did not
 * ask for a pause. */
static void
resume_source_if_paused (VirtMigrateJob *self, virDomainPtr dom, int state_before)
{
  int state = 0, reason = 0;

  if (state_before != VIR_DOMAIN_RUNNING ||
      virDomainGetState (dom, &state, &reason, 0) < 0 ||
      state != VIR_DOMAIN_PAUSED)
    return;
  if (reason == VIR_DOMAIN_PAUSED_POSTCOPY || reason == VIR_DOMAIN_PAUSED_POSTCOPY_FAILED)
    return; /* the guest ran on the destination already; resuming here would fork it */
  if (virDomainResume (dom) < 0)
    {
      g_warning ("job %u: guest left paused on the source (reason %d) and could not be resumed: %s",
                 self->id, reason, virGetLastErrorMessage ());
      return;
    }
  g_info ("job %u: resumed the guest on the source after the failed migration", self->id);
}

/* The stored (inactive) configuration of the guest with @uuid on @conn, or
 * NULL if that host has none. Blocking. */
static char *
persistent_config (virConnectPtr conn, const unsigned char *uuid)
{
  g_autoptr(virDomain) dom = virDomainLookupByUUID (conn, uuid);

  if (dom == NULL || virDomainIsPersistent (dom) != 1)
    return NULL;
  return virDomainGetXMLDesc (dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
}

/* What libvirt reports after a successful migration. Blocking. */
static VirtMigrateConfigOutcome *
observe_outcome (virConnectPtr        conn,
                 virConnectPtr        dconn,
                 const unsigned char *uuid,
                 gboolean             source_persistent,
                 const char          *dest_config_before)
{
  g_autofree char *dest_config = persistent_config (dconn, uuid);
  g_autofree char *source_config = persistent_config (conn, uuid);
  VirtMigrateDestConfig dest = dest_config == NULL ? VIRT_MIGRATE_DEST_CONFIG_NONE :
                               dest_config_before == NULL ? VIRT_MIGRATE_DEST_CONFIG_CREATED :
                               g_str_equal (dest_config, dest_config_before) ?
                               VIRT_MIGRATE_DEST_CONFIG_UNCHANGED : VIRT_MIGRATE_DEST_CONFIG_REPLACED;

  return virt_migrate_config_outcome_new (dest_config != NULL ? VIRT_MIGRATE_GUEST_TYPE_PERSISTENT :
                                                                VIRT_MIGRATE_GUEST_TYPE_TRANSIENT,
                                          !source_persistent ? VIRT_MIGRATE_SOURCE_CONFIG_NONE :
                                          source_config != NULL ? VIRT_MIGRATE_SOURCE_CONFIG_KEPT :
                                          VIRT_MIGRATE_SOURCE_CONFIG_REMOVED,
                                          dest);
}

/* An adopted job: waits for libvirt's migration job on @dom to end, then
 * tells from the guest's state whether it moved. Returns 0 if it did. */
static int
follow_libvirt_job (VirtMigrateJob *self, virDomainPtr dom, GError **error)
{
  virDomainJobInfo info;
  int state = 0, reason = 0;

  while (virDomainGetJobInfo (dom, &info) == 0 && info.type != VIR_DOMAIN_JOB_NONE)
    {
      g_mutex_lock (&self->lock);
      g_cond_wait_until (&self->cond, &self->lock,
                         g_get_monotonic_time () + self->poll_interval * G_TIME_SPAN_MILLISECOND);
      g_mutex_unlock (&self->lock);
    }
  /* A transient guest that moved is gone; a persistent one is shut off. */
  if (virDomainGetState (dom, &state, &reason, 0) < 0 ||
      (state == VIR_DOMAIN_SHUTOFF && reason == VIR_DOMAIN_SHUTOFF_MIGRATED))
    return 0;
  g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED,
               "The migration of '%s' ended without moving the guest while virt-migrated was not "
               "running (libvirt aborts a managed-direct migration whose client is gone); the "
               "guest is %s on the source",
               virt_migrate_request_get_domain (self->request),
               state == VIR_DOMAIN_RUNNING ? "running" : state == VIR_DOMAIN_PAUSED ? "paused" : "shut off");
  return -1;
}

/* The guest on the destination, under its new name if the request gives
 * one, or %NULL: not there, or the destination is out of this client's
 * reach (@error says why it could not be asked, when it could not). */
static virDomainPtr
lookup_on_destination (VirtMigrateJob *self, GError **error)
{
  VirtMigrateRequest *request = self->request;
  const char *dest_uri = virt_migrate_request_get_dest_uri (request);
  g_autofree char *name = NULL;
  g_autoptr(virConnect) dconn = NULL;

  if (dest_uri == NULL)
    return NULL;
  dconn = virt_migrate_connection_pool_get (self->pool, dest_uri, error);
  if (dconn == NULL)
    return NULL;
  g_object_get (request, "dest-name", &name, NULL);
  return virt_migrate_lookup_domain (dconn, name != NULL ? name : virt_migrate_request_get_domain (request),
                                     NULL);
}

/* An adopted job whose guest is no longer on the source: it moved if the
 * destination has it. */
static int
reconcile_from_destination (VirtMigrateJob *self, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(virDomain) ddom = lookup_on_destination (self, &local_error);

  if (ddom != NULL)
    return 0;
  g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND,
               "While virt-migrated was not running, '%s' left the source and is not on the "
               "destination%s%s", virt_migrate_request_get_domain (self->request),
               local_error != NULL ? ": " : "", local_error != NULL ? local_error->message : "");
  return -1;
}

/* The policy paused the guest to finish: it runs again on the destination. */
static void
resume_on_destination (VirtMigrateJob *self, virDomainPtr ddom)
{
  g_autoptr(virDomain) found = NULL;
  int state = 0, reason = 0;

  if (ddom == NULL)
    ddom = found = lookup_on_destination (self, NULL);
  if (ddom == NULL)
    {
      g_warning ("job %u: the policy paused the guest, and this client cannot reach it on the "
                 "destination to resume it", self->id);
      return;
    }
  if (virDomainGetState (ddom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_PAUSED)
    {
      if (virDomainResume (ddom) == 0)
        g_info ("job %u: policy: resumed the guest on the destination", self->id);
      else
        g_warning ("job %u: cannot resume the guest on the destination: %s", self->id,
                   virGetLastErrorMessage ());
    }
}

static void
migrate_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  VirtMigrateJob *self = source_object;
  VirtMigrateRequest *request = self->request;
  g_autoptr(GError) error = NULL;
  g_autoptr(virConnect) conn = NULL;
  g_autoptr(virConnect) dconn = NULL;
  g_autoptr(virDomain) dom = NULL;
  g_autoptr(virDomain) ddom = NULL;
  VirtMigrateCall call = { 0 };
  WorkerResult *result = g_new0 (WorkerResult, 1);
  GThread *poller = NULL;
  int completed_cb = -1, iteration_cb = -1;
  g_autoptr(virConnect) check_conn = NULL;
  g_autofree char *dest_config_before = NULL;
  unsigned char uuid[VIR_UUID_BUFLEN];
  gboolean source_persistent = FALSE;
  int state_before = 0, reason = 0;
  virDomainInfo info;
  gboolean offline = virt_migrate_request_get_offline (request);
  int rc;

  conn = virt_migrate_connection_pool_get (self->pool, virt_migrate_request_get_source_uri (request),
                                           &error);
  if (conn == NULL)
    goto out;
  dom = virt_migrate_lookup_domain (conn, virt_migrate_request_get_domain (request), &error);
  if (dom == NULL && self->adopted)
    {
      /* It finished (or vanished) while nobody followed it. */
      g_clear_error (&error);
      result->success = reconcile_from_destination (self, &error) == 0;
      goto out;
    }
  if (dom == NULL)
    goto out;
  {
    char uuid_string[VIR_UUID_STRING_BUFLEN];

    if (virDomainGetUUIDString (dom, uuid_string) == 0 &&
        !virt_migrate_request_validate_for_guest (request, uuid_string, &error))
      goto out;
  }
  if (virDomainGetState (dom, &state_before, &reason, 0) < 0)
    state_before = VIR_DOMAIN_NOSTATE;
  if (!offline && virDomainGetInfo (dom, &info) == 0)
    {
      g_mutex_lock (&self->lock);
      self->memory_bytes = (guint64) info.memory * 1024;
      g_mutex_unlock (&self->lock);
    }

  if (virt_migrate_request_get_flow (request) == VIRT_MIGRATE_FLOW_MANAGED_DIRECT && !self->adopted)
    {
      dconn = virt_migrate_connection_pool_get (self->pool,
                                                virt_migrate_request_get_dest_uri (request), &error);
      if (dconn == NULL)
        goto out;
    }

  if (!virt_migrate_request_build_call (request, &call, &error))
    goto out;

  /* Where the configuration files stand before: the source's type and,
   * where the client can reach it, the destination's configuration. */
  if (!self->adopted && virDomainGetUUID (dom, uuid) == 0)
    {
      const char *dest_uri = virt_migrate_request_get_dest_uri (request);

      if (dconn != NULL)
        {
          virConnectRef (dconn);
          check_conn = dconn;
        }
      else if (dest_uri != NULL)
        {
          /* Peer-to-peer: the dest URI is the source daemon's view, which
           * this client may not reach; then the outcome stays unchecked. */
          check_conn = virt_migrate_connection_pool_get (self->pool, dest_uri, NULL);
        }
      if (check_conn != NULL)
        {
          source_persistent = virDomainIsPersistent (dom) == 1;
          dest_config_before = persistent_config (check_conn, uuid);
          result->expected_outcome =
            virt_migrate_config_outcome_predict (source_persistent, dest_config_before != NULL,
                                                 virt_migrate_request_get_boolean (request, "undefine-source"),
                                                 virt_migrate_request_get_boolean (request, "persist-dest"));
        }
    }

  if (!offline)
    {
      completed_cb = virConnectDomainEventRegisterAny (conn, dom, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                                       VIR_DOMAIN_EVENT_CALLBACK (on_job_completed_event),
                                                       g_object_ref (self), g_object_unref);
      iteration_cb = virConnectDomainEventRegisterAny (conn, dom,
                                                       VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION,
                                                       VIR_DOMAIN_EVENT_CALLBACK (on_iteration_event),
                                                       g_object_ref (self), g_object_unref);
    }

  g_mutex_lock (&self->lock);
  if (self->cancel_requested)
    {
      g_mutex_unlock (&self->lock);
      result->cancelled = TRUE;
      goto out;
    }
  self->domain = dom;
  virDomainRef (dom);
  self->in_call = TRUE;
  self->stop_poll = FALSE;
  g_mutex_unlock (&self->lock);

  {
    Dispatch *d = g_new0 (Dispatch, 1);
    d->kind = DISPATCH_RUNNING;
    dispatch (self, d);
  }

  if (!offline)
    poller = g_thread_new ("vm-job-poll", poll_thread, g_object_ref (self));

  g_debug ("job %u: %s flags=0x%x nparams=%d dconnuri=%s", self->id,
           virt_migrate_api_to_string (call.api), call.flags, call.nparams,
           call.dconnuri != NULL ? call.dconnuri : "(null)");
  if (self->adopted)
    {
      rc = follow_libvirt_job (self, dom, &error);
    }
  else if (call.api == VIRT_MIGRATE_API_MIGRATE3)
    {
      ddom = virDomainMigrate3 (dom, dconn, call.params, call.nparams, call.flags);
      rc = ddom != NULL ? 0 : -1;
    }
  else
    {
      rc = virDomainMigrateToURI3 (dom, call.dconnuri, call.params, call.nparams, call.flags);
    }
  g_debug ("job %u: libvirt returned %d", self->id, rc);
  if (rc < 0 && error == NULL)
    error = virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, "Migration failed");

  g_mutex_lock (&self->lock);
  self->in_call = FALSE;
  self->stop_poll = TRUE;
  result->cancelled = rc < 0 && self->cancel_requested;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (poller != NULL)
    g_thread_join (poller);

  if (rc == 0 && !offline)
    {
      JobStats dest_stats;
      gboolean have_dest;
      gint64 deadline = g_get_monotonic_time () + FINAL_STATS_TIMEOUT_US;

      /* Final statistics: the source's JOB_COMPLETED event (which counts
       * mirrored disks) merged with the destination's completed job where
       * we have it (managed direct), which has the downtime QEMU measured. */
      have_dest = ddom != NULL && fetch_stats (ddom, VIR_DOMAIN_JOB_STATS_COMPLETED, &dest_stats) &&
                  dest_stats.have_total;

      g_mutex_lock (&self->lock);
      while (!self->have_event_stats)
        if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
          break;
      if (self->have_event_stats)
        {
          result->final = self->event_stats;
          result->have_final = TRUE;
        }
      g_mutex_unlock (&self->lock);

      if (have_dest && !result->have_final)
        {
          result->final = dest_stats;
          result->have_final = TRUE;
        }
      else if (have_dest)
        {
          JobStats *f = &result->final;

          f->total = MAX (f->total, dest_stats.total);
          f->transferred = MAX (f->transferred, dest_stats.transferred);
          f->memory_total = MAX (f->memory_total, dest_stats.memory_total);
          if (dest_stats.have_downtime)
            {
              f->downtime = dest_stats.downtime;
              f->have_downtime = TRUE;
            }
        }
    }
  else if (rc < 0)
    {
      resume_source_if_paused (self, dom, state_before);
    }
  result->success = rc == 0;
  if (result->success && self->policy_paused && !virt_migrate_request_get_boolean (request, "suspend"))
    resume_on_destination (self, ddom);
  if (result->success && result->expected_outcome != NULL)
    result->outcome = observe_outcome (conn, check_conn, uuid, source_persistent, dest_config_before);

out:
  if (completed_cb >= 0)
    virConnectDomainEventDeregisterAny (conn, completed_cb);
  if (iteration_cb >= 0)
    virConnectDomainEventDeregisterAny (conn, iteration_cb);
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->domain, virDomainFree);
  g_mutex_unlock (&self->lock);
  virt_migrate_call_clear (&call);

  if (!result->success && !result->cancelled)
    result->error = g_steal_pointer (&error);
  g_task_return_pointer (task, result, worker_result_free);
}

/* --- completion (main context) ---------------------------------------- */

static void
finish (VirtMigrateJob *self, VirtMigrateJobState state, GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  g_assert (state_is_final (state));
  stop_schedule (self);

  if (self->cancellable != NULL)
    {
      g_cancellable_disconnect (self->cancellable, self->cancellable_id);
      self->cancellable_id = 0;
      g_clear_object (&self->cancellable);
    }

  g_object_freeze_notify (G_OBJECT (self));
  update_elapsed (self);
  set_expected_end_time (self, 0);
  if (error != NULL)
    {
      self->error = g_error_copy (error);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR]);
    }
  set_state (self, state);
  g_object_thaw_notify (G_OBJECT (self));

  g_signal_emit (self, signals[SIGNAL_COMPLETED], 0);

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
record_outcome (VirtMigrateJob *self, WorkerResult *result)
{
  g_autofree char *expected = NULL;
  g_autofree char *actual = NULL;

  if (result->expected_outcome == NULL || result->outcome == NULL)
    {
      add_message (self, "configuration outcome not checked: the destination host could not be "
                         "queried from here");
      return;
    }
  g_set_object (&self->expected_config_outcome, result->expected_outcome);
  g_set_object (&self->config_outcome, result->outcome);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_EXPECTED_CONFIG_OUTCOME]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONFIG_OUTCOME]);

  expected = virt_migrate_config_outcome_to_string (result->expected_outcome);
  actual = virt_migrate_config_outcome_to_string (result->outcome);
  if (virt_migrate_config_outcome_equal (result->expected_outcome, result->outcome))
    add_message (self, "configuration as planned: %s", actual);
  else
    add_message (self, "warning: configuration differs from the plan: expected %s; libvirt "
                       "reports %s", expected, actual);
}

static void
migrate_thread_done (GObject      *source_object,
                     GAsyncResult *res,
                     gpointer      user_data)
{
  VirtMigrateJob *self = VIRT_MIGRATE_JOB (source_object);
  WorkerResult *result = g_task_propagate_pointer (G_TASK (res), NULL);

  g_assert (result != NULL);

  if (result->cancelled)
    finish (self, VIRT_MIGRATE_JOB_STATE_CANCELLED, NULL);
  else if (!result->success)
    finish (self, VIRT_MIGRATE_JOB_STATE_FAILED, result->error);
  else
    {
      g_object_freeze_notify (G_OBJECT (self));
      set_state (self, VIRT_MIGRATE_JOB_STATE_COMPLETING);
      if (result->have_final)
        {
          const JobStats *f = &result->final;
          guint64 total = f->total;

          if (f->memory_total == 0)
            total += self->memory_bytes;
          /* The destination's completed statistics leave out the disks the
           * source mirrored: never report less than was being moved. */
          set_u64 (self, &self->data_total, MAX (total, self->data_total), PROP_DATA_TOTAL);
          set_u64 (self, &self->data_transferred, MAX (f->transferred, self->data_transferred),
                   PROP_DATA_TRANSFERRED);
          if (f->have_downtime)
            set_u64 (self, &self->downtime, f->downtime, PROP_DOWNTIME);
          if (f->iteration > self->iteration)
            set_u64 (self, &self->iteration, f->iteration, PROP_ITERATION);
        }
      /* Everything was moved. */
      set_u64 (self, &self->data_remaining, 0, PROP_DATA_REMAINING);
      set_u64 (self, &self->data_processed, self->data_total, PROP_DATA_PROCESSED);
      set_progress (self, 1.0);
      record_outcome (self, result);
      g_object_thaw_notify (G_OBJECT (self));
      finish (self, VIRT_MIGRATE_JOB_STATE_SUCCEEDED, NULL);
    }
  worker_result_free (result);
}

/* --- cancellation ------------------------------------------------------ */

static void
abort_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  VirtMigrateJob *self = source_object;
  gint64 deadline = g_get_monotonic_time () + ABORT_RETRY_US;

  while (TRUE)
    {
      g_autoptr(virDomain) dom = NULL;
      virErrorPtr verr;

      g_mutex_lock (&self->lock);
      if (!self->in_call || self->in_postcopy)
        {
          /* Not in libvirt yet (the worker sees the flag), or finished. */
          g_mutex_unlock (&self->lock);
          break;
        }
      dom = self->domain;
      virDomainRef (dom);
      g_mutex_unlock (&self->lock);

      if (virDomainAbortJob (dom) == 0)
        {
          g_debug ("job %u: libvirt job aborted", self->id);
          break;
        }
      verr = virGetLastError ();
      /* "no job is active": libvirt has not begun its job yet; try again. */
      if (verr == NULL || verr->code != VIR_ERR_OPERATION_INVALID ||
          g_get_monotonic_time () > deadline)
        {
          g_debug ("job %u: abort failed: %s", self->id, virGetLastErrorMessage ());
          break;
        }
      g_usleep (100 * G_TIME_SPAN_MILLISECOND);
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * virt_migrate_job_cancel:
 * @self: a #VirtMigrateJob
 * @error: return location for a #GError
 *
 * Asks for the migration to be aborted (`virDomainAbortJob()`).  The job
 * then ends in %VIRT_MIGRATE_JOB_STATE_CANCELLED with the guest running on
 * the source; if libvirt completes the migration before the abort reaches
 * it, the job ends in %VIRT_MIGRATE_JOB_STATE_SUCCEEDED instead.  Cancelling
 * a job that was not started yet makes virt_migrate_job_run_async() finish
 * at once.  Does not block.
 *
 * Returns: %TRUE if the cancel was requested; %FALSE with
 *   %VIRT_MIGRATE_ERROR_NOT_CANCELLABLE if the job already finished or is in
 *   post-copy (the guest already runs on the destination).
 */
gboolean
virt_migrate_job_cancel (VirtMigrateJob *self,
                         GError        **error)
{
  g_autoptr(GTask) task = NULL;
  gboolean start_abort, queued;

  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);

  g_mutex_lock (&self->lock);
  if (state_is_final (self->state))
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_NOT_CANCELLABLE,
                   "The migration already finished; nothing to cancel");
      return FALSE;
    }
  if (self->in_postcopy)
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_NOT_CANCELLABLE,
                   "The migration is in post-copy: the guest already runs on the "
                   "destination and cannot be sent back");
      return FALSE;
    }
  start_abort = !self->cancel_requested && self->in_call;
  self->cancel_requested = TRUE;
  queued = self->queued;
  g_mutex_unlock (&self->lock);

  /* A queued job ends now, on its own context (this may be another thread). */
  if (queued)
    invoke_on_context (self->context, cancel_queued_cb, g_object_ref (self), g_object_unref);

  g_debug ("job %u: cancel requested", self->id);
  if (start_abort)
    {
      task = g_task_new (self, NULL, NULL, NULL);
      g_task_set_source_tag (task, virt_migrate_job_cancel);
      g_task_set_name (task, "[virt-migrate] abort");
      g_task_run_in_thread (task, abort_thread);
    }
  return TRUE;
}

static void
on_cancellable_cancelled (GCancellable *cancellable,
                          gpointer      user_data)
{
  VirtMigrateJob *self = user_data;

  /* May run on any thread; cancel() only touches locked state. */
  virt_migrate_job_cancel (self, NULL);
}

/**
 * virt_migrate_job_start_postcopy:
 * @self: a #VirtMigrateJob
 * @error: return location for a #GError
 *
 * Switches a running migration to post-copy
 * (`virDomainMigrateStartPostCopy()`): the guest continues on the
 * destination and the rest of its memory follows on demand.  Needs
 * #VirtMigrateRequest:postcopy.  The switch happens on the poller thread at
 * its next tick; #VirtMigrateJob:state becomes
 * %VIRT_MIGRATE_JOB_STATE_POSTCOPY when libvirt reports it.
 *
 * Returns: %TRUE if the switch was requested
 */
gboolean
virt_migrate_job_start_postcopy (VirtMigrateJob *self,
                                 GError        **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);

  if (!virt_migrate_request_get_boolean (self->request, "postcopy"))
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                   "Post-copy was not enabled for this migration (request 'postcopy')");
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  if (!self->in_call)
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED,
                   "The migration is not running");
      return FALSE;
    }
  self->postcopy_requested = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* Queues a change for the poller thread, which applies it at its next tick. */
static gboolean
queue_tuning (VirtMigrateJob *self, guint64 *field, guint64 value, GError **error)
{
  g_mutex_lock (&self->lock);
  if (!self->in_call)
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED,
                   "The migration is not running");
      return FALSE;
    }
  *field = value;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/**
 * virt_migrate_job_set_max_downtime:
 * @self: a #VirtMigrateJob
 * @milliseconds: the longest switch-over pause (at least 1)
 * @error: return location for a #GError
 *
 * Changes the maximum downtime of the running migration
 * (`virDomainMigrateSetMaxDowntime()`), at the poller's next tick.
 *
 * Returns: %TRUE if the change was queued
 */
gboolean
virt_migrate_job_set_max_downtime (VirtMigrateJob *self,
                                   guint64         milliseconds,
                                   GError        **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);
  if (milliseconds == 0)
    {
      g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                           "The maximum downtime must be at least 1 ms");
      return FALSE;
    }
  return queue_tuning (self, &self->pending_downtime, milliseconds, error);
}

/**
 * virt_migrate_job_set_max_speed:
 * @self: a #VirtMigrateJob
 * @mebibytes_per_second: the bandwidth cap in MiB/s
 * @error: return location for a #GError
 *
 * Changes the bandwidth cap of the running migration
 * (`virDomainMigrateSetMaxSpeed()`), at the poller's next tick.
 *
 * Returns: %TRUE if the change was queued
 */
gboolean
virt_migrate_job_set_max_speed (VirtMigrateJob *self,
                                guint64         mebibytes_per_second,
                                GError        **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);
  if (mebibytes_per_second >= G_MAXINT64 / (1024 * 1024))
    {
      g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                           "The bandwidth cap is too large");
      return FALSE;
    }
  return queue_tuning (self, &self->pending_speed, mebibytes_per_second, error);
}

/* --- running ----------------------------------------------------------- */

static void start_migration (VirtMigrateJob *self);

/* A queued job was cancelled: it ends without ever touching libvirt. */
static gboolean
cancel_queued_cb (gpointer user_data)
{
  VirtMigrateJob *self = user_data;
  gboolean queued;

  g_mutex_lock (&self->lock);
  queued = self->queued;
  self->queued = FALSE;
  g_mutex_unlock (&self->lock);
  if (queued && self->task != NULL)
    finish (self, VIRT_MIGRATE_JOB_STATE_CANCELLED, NULL);
  return G_SOURCE_REMOVE;
}

/* Before run_async(): the job will wait, pending, until released. */
void
virt_migrate_job_hold (VirtMigrateJob *self)
{
  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  g_mutex_lock (&self->lock);
  self->held = TRUE;
  g_mutex_unlock (&self->lock);
}

/* Lets a held job go; starts it if run_async() was already called. */
void
virt_migrate_job_release (VirtMigrateJob *self)
{
  gboolean queued, cancelled;

  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  g_mutex_lock (&self->lock);
  self->held = FALSE;
  queued = self->queued;
  self->queued = FALSE;
  cancelled = self->cancel_requested;
  g_mutex_unlock (&self->lock);
  if (!queued || self->task == NULL)
    return;
  if (cancelled)
    finish (self, VIRT_MIGRATE_JOB_STATE_CANCELLED, NULL);
  else
    start_migration (self);
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

  if (cancellable != NULL)
    {
      self->cancellable = g_object_ref (cancellable);
      self->cancellable_id = g_cancellable_connect (cancellable,
                                                    G_CALLBACK (on_cancellable_cancelled),
                                                    self, NULL);
    }

  g_mutex_lock (&self->lock);
  cancelled = self->cancel_requested;
  if (!cancelled && self->held)
    {
      /* Queued by the manager: stays pending until released or cancelled. */
      self->queued = TRUE;
      g_mutex_unlock (&self->lock);
      g_debug ("job %u: queued", self->id);
      return;
    }
  g_mutex_unlock (&self->lock);
  if (cancelled)
    {
      finish (self, VIRT_MIGRATE_JOB_STATE_CANCELLED, NULL);
      return;
    }
  start_migration (self);
}

/* Validates the request once more and starts the migration thread. */
static void
start_migration (VirtMigrateJob *self)
{
  g_autoptr(GTask) worker = NULL;
  g_autoptr(GError) error = NULL;

  if (!virt_migrate_request_validate (self->request, &error))
    {
      finish (self, VIRT_MIGRATE_JOB_STATE_FAILED, error);
      return;
    }

  {
    VirtMigrateCall call = { 0 };
    if (virt_migrate_request_build_call (self->request, &call, NULL))
      {
        self->libvirt_api = g_strdup (virt_migrate_api_to_string (call.api));
        self->libvirt_flags = call.flags;
        virt_migrate_call_clear (&call);
        g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LIBVIRT_API]);
        g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LIBVIRT_FLAGS]);
      }
  }

  set_state (self, VIRT_MIGRATE_JOB_STATE_PREPARING);
  update_elapsed (self);

  worker = g_task_new (self, NULL, migrate_thread_done, NULL);
  g_task_set_source_tag (worker, migrate_thread);
  g_task_set_name (worker, "[virt-migrate] migrate");
  g_task_run_in_thread (worker, migrate_thread);
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

/* --- GObject ----------------------------------------------------------- */

static void
virt_migrate_job_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  VirtMigrateJob *self = VIRT_MIGRATE_JOB (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_uint (value, self->id); break;
    case PROP_REQUEST: g_value_set_object (value, self->request); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_PROGRESS: g_value_set_double (value, self->progress); break;
    case PROP_DATA_TOTAL: g_value_set_uint64 (value, self->data_total); break;
    case PROP_DATA_PROCESSED: g_value_set_uint64 (value, self->data_processed); break;
    case PROP_DATA_REMAINING: g_value_set_uint64 (value, self->data_remaining); break;
    case PROP_DATA_TRANSFERRED: g_value_set_uint64 (value, self->data_transferred); break;
    case PROP_RATE: g_value_set_uint64 (value, self->rate); break;
    case PROP_MEMORY_DIRTY_RATE: g_value_set_uint64 (value, self->memory_dirty_rate); break;
    case PROP_ITERATION: g_value_set_uint64 (value, self->iteration); break;
    case PROP_ELAPSED: g_value_set_uint64 (value, self->elapsed); break;
    case PROP_EXPECTED_END_TIME: g_value_set_int64 (value, self->expected_end_time); break;
    case PROP_DOWNTIME: g_value_set_uint64 (value, self->downtime); break;
    case PROP_ERROR: g_value_set_boxed (value, self->error); break;
    case PROP_LIBVIRT_API: g_value_set_string (value, self->libvirt_api); break;
    case PROP_LIBVIRT_FLAGS: g_value_set_uint (value, self->libvirt_flags); break;
    case PROP_POLL_INTERVAL: g_value_set_uint (value, virt_migrate_job_get_poll_interval (self)); break;
    case PROP_POLICY: g_value_set_object (value, self->policy); break;
    case PROP_CONFIG_OUTCOME: g_value_set_object (value, self->config_outcome); break;
    case PROP_EXPECTED_CONFIG_OUTCOME: g_value_set_object (value, self->expected_config_outcome); break;
    case PROP_MESSAGES: g_value_set_boxed (value, self->messages->pdata); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_job_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  VirtMigrateJob *self = VIRT_MIGRATE_JOB (object);

  switch (prop_id)
    {
    case PROP_REQUEST:
      /* A private copy: changing the caller's request later cannot change
       * a running migration. */
      self->request = virt_migrate_request_copy (g_value_get_object (value));
      break;
    case PROP_POLL_INTERVAL:
      virt_migrate_job_set_poll_interval (self, g_value_get_uint (value));
      break;
    case PROP_POLICY:
      virt_migrate_job_set_policy (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_job_finalize (GObject *object)
{
  VirtMigrateJob *self = VIRT_MIGRATE_JOB (object);

  g_assert (self->task == NULL);
  stop_schedule (self);
  g_clear_object (&self->request);
  g_clear_object (&self->policy);
  g_clear_object (&self->pool);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->error);
  g_clear_pointer (&self->libvirt_api, g_free);
  g_clear_object (&self->config_outcome);
  g_clear_object (&self->expected_config_outcome);
  g_clear_pointer (&self->messages, g_ptr_array_unref);
  g_clear_pointer (&self->domain, virDomainFree);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (virt_migrate_job_parent_class)->finalize (object);
}

#define RO (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
virt_migrate_job_class_init (VirtMigrateJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = virt_migrate_job_get_property;
  object_class->set_property = virt_migrate_job_set_property;
  object_class->finalize = virt_migrate_job_finalize;

  /**
   * VirtMigrateJob:id:
   *
   * A number unique among the jobs of this process.
   */
  props[PROP_ID] = g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT, 0, RO);
  /**
   * VirtMigrateJob:request:
   *
   * The request this job runs (a private copy of the one given).
   */
  props[PROP_REQUEST] = g_param_spec_object ("request", NULL, NULL, VIRT_MIGRATE_TYPE_REQUEST,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                             G_PARAM_STATIC_STRINGS);
  /**
   * VirtMigrateJob:state:
   *
   * Where the job is in its life cycle.
   */
  props[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, VIRT_MIGRATE_TYPE_JOB_STATE,
                                         VIRT_MIGRATE_JOB_STATE_PENDING, RO);
  /**
   * VirtMigrateJob:progress:
   *
   * The fraction done, from 0.0 to 1.0; it never decreases.
   */
  props[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0, RO);
  /**
   * VirtMigrateJob:data-total:
   *
   * Bytes to move: the guest's RAM plus any disks being copied.
   */
  props[PROP_DATA_TOTAL] = g_param_spec_uint64 ("data-total", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:data-processed:
   *
   * Bytes of #VirtMigrateJob:data-total already moved (total minus
   * remaining); equal to the total once the job succeeded.
   */
  props[PROP_DATA_PROCESSED] = g_param_spec_uint64 ("data-processed", NULL, NULL,
                                                    0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:data-remaining:
   *
   * Bytes still to move as libvirt reports them; may grow when the guest
   * dirties memory again.
   */
  props[PROP_DATA_REMAINING] = g_param_spec_uint64 ("data-remaining", NULL, NULL,
                                                    0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:data-transferred:
   *
   * Bytes actually sent (libvirt's `VIR_DOMAIN_JOB_DATA_PROCESSED`): pages
   * sent again count again, zero pages count almost nothing.
   */
  props[PROP_DATA_TRANSFERRED] = g_param_spec_uint64 ("data-transferred", NULL, NULL,
                                                      0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:rate:
   *
   * Transfer rate in bytes per second.
   */
  props[PROP_RATE] = g_param_spec_uint64 ("rate", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:memory-dirty-rate:
   *
   * How fast the guest dirties memory, in bytes per second.
   */
  props[PROP_MEMORY_DIRTY_RATE] = g_param_spec_uint64 ("memory-dirty-rate", NULL, NULL,
                                                       0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:iteration:
   *
   * Number of passes over the guest's memory so far.
   */
  props[PROP_ITERATION] = g_param_spec_uint64 ("iteration", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:elapsed:
   *
   * Milliseconds since the job started.
   */
  props[PROP_ELAPSED] = g_param_spec_uint64 ("elapsed", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:expected-end-time:
   *
   * When the migration is expected to finish, in microseconds since the
   * Unix epoch (as g_get_real_time()); 0 if unknown.
   */
  props[PROP_EXPECTED_END_TIME] = g_param_spec_int64 ("expected-end-time", NULL, NULL,
                                                      0, G_MAXINT64, 0, RO);
  /**
   * VirtMigrateJob:downtime:
   *
   * How long the guest was paused at switch-over, in milliseconds, as
   * reported by the hypervisor when the migration completed.
   */
  props[PROP_DOWNTIME] = g_param_spec_uint64 ("downtime", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:error:
   *
   * Why the job failed; %NULL unless #VirtMigrateJob:state is
   * %VIRT_MIGRATE_JOB_STATE_FAILED.
   */
  props[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, RO);
  /**
   * VirtMigrateJob:libvirt-api:
   *
   * The libvirt function the migration calls (`virDomainMigrate3` or
   * `virDomainMigrateToURI3`); %NULL before the job started.
   */
  props[PROP_LIBVIRT_API] = g_param_spec_string ("libvirt-api", NULL, NULL, NULL, RO);
  /**
   * VirtMigrateJob:libvirt-flags:
   *
   * The `virDomainMigrateFlags` passed to libvirt.
   */
  props[PROP_LIBVIRT_FLAGS] = g_param_spec_uint ("libvirt-flags", NULL, NULL,
                                                 0, G_MAXUINT, 0, RO);
  /**
   * VirtMigrateJob:poll-interval:
   *
   * Milliseconds between two polls of libvirt's job statistics.
   */
  props[PROP_POLL_INTERVAL] = g_param_spec_uint ("poll-interval", NULL, NULL, 10, 60000,
                                                 DEFAULT_POLL_INTERVAL,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                 G_PARAM_STATIC_STRINGS);

  /**
   * VirtMigrateJob:policy:
   *
   * The convergence policy the job applies while it runs, or %NULL for
   * none. Set it before running the job.
   */
  props[PROP_POLICY] = g_param_spec_object ("policy", NULL, NULL, VIRT_MIGRATE_TYPE_POLICY,
                                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                            G_PARAM_STATIC_STRINGS);

  /**
   * VirtMigrateJob:config-outcome:
   *
   * What libvirt reports of the guest's configuration files after a
   * successful migration; %NULL before, after a failure, or when the
   * destination could not be queried.
   */
  props[PROP_CONFIG_OUTCOME] = g_param_spec_object ("config-outcome", NULL, NULL,
                                                    VIRT_MIGRATE_TYPE_CONFIG_OUTCOME, RO);
  /**
   * VirtMigrateJob:expected-config-outcome:
   *
   * The outcome the migration guide's table predicts from the state before
   * the migration (see virt_migrate_config_outcome_predict()); a warning is
   * added to #VirtMigrateJob:messages when #VirtMigrateJob:config-outcome
   * differs.
   */
  props[PROP_EXPECTED_CONFIG_OUTCOME] = g_param_spec_object ("expected-config-outcome", NULL, NULL,
                                                             VIRT_MIGRATE_TYPE_CONFIG_OUTCOME, RO);
  /**
   * VirtMigrateJob:messages:
   *
   * The job's log: notable things that happened, oldest first, warnings
   * prefixed with "warning: ".
   */
  props[PROP_MESSAGES] = g_param_spec_boxed ("messages", NULL, NULL, G_TYPE_STRV, RO);

  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * VirtMigrateJob::completed:
   * @self: the job
   *
   * Emitted once when the job ends, whatever the outcome; the job's state
   * and error say how it ended.
   */
  signals[SIGNAL_COMPLETED] = g_signal_new ("completed", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 0);
}

static guint next_id = 1;

static void
virt_migrate_job_init (VirtMigrateJob *self)
{
  self->id = g_atomic_int_add (&next_id, 1);
  self->state = VIRT_MIGRATE_JOB_STATE_PENDING;
  self->poll_interval = DEFAULT_POLL_INTERVAL;
  self->pending_speed = G_MAXUINT64;
  self->context = g_main_context_ref_thread_default ();
  self->messages = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->started_by_uid = -1;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
}

VirtMigrateJob *
virt_migrate_job_new_with_pool (VirtMigrateRequest        *request,
                                VirtMigrateConnectionPool *pool)
{
  VirtMigrateJob *self;

  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (request), NULL);
  g_return_val_if_fail (VIRT_MIGRATE_IS_CONNECTION_POOL (pool), NULL);

  self = g_object_new (VIRT_MIGRATE_TYPE_JOB, "request", request, NULL);
  self->pool = g_object_ref (pool);
  return self;
}

/* The uid of the D-Bus caller that started the job, for the HTTP API's
 * StartedByUid (main context). */
void
virt_migrate_job_set_started_by_uid (VirtMigrateJob *self,
                                     guint           uid)
{
  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  self->started_by_uid = uid;
}

/* Returns: the uid, or -1 when the job was not started over D-Bus. */
gint64
virt_migrate_job_get_started_by_uid (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), -1);
  return self->started_by_uid;
}

/* What D-Bus and HTTP show as Cancelable: not finished, not in post-copy
 * (virt_migrate_job_cancel() refuses both). */
gboolean
virt_migrate_job_is_cancelable (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);
  return !state_is_final (self->state) && self->state != VIRT_MIGRATE_JOB_STATE_POSTCOPY;
}

/* Adds @message to the job's log (#VirtMigrateJob:messages). */
void
virt_migrate_job_log (VirtMigrateJob *self,
                      const char     *message)
{
  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  add_message (self, "%s", message);
}

/* A job that does not start a migration but follows the one libvirt runs
 * (or ran) for @request, under the id @id it had before (a restarted
 * daemon). New jobs get ids after it. */
VirtMigrateJob *
virt_migrate_job_new_adopted (VirtMigrateRequest        *request,
                              VirtMigrateConnectionPool *pool,
                              guint                      id)
{
  VirtMigrateJob *self = virt_migrate_job_new_with_pool (request, pool);
  guint next;

  self->id = id;
  self->adopted = TRUE;
  while ((next = (guint) g_atomic_int_get (&next_id)) <= id)
    g_atomic_int_compare_and_exchange (&next_id, next, id + 1);
  return self;
}

/**
 * virt_migrate_job_new:
 * @request: what to migrate
 *
 * Creates a job for @request, sharing the process-wide libvirt connections.
 * Use #VirtMigrateManager to run jobs with their own connection pool.
 *
 * Returns: (transfer full): a new #VirtMigrateJob
 */
VirtMigrateJob *
virt_migrate_job_new (VirtMigrateRequest *request)
{
  return virt_migrate_job_new_with_pool (request, virt_migrate_connection_pool_get_default ());
}

/* --- getters ------------------------------------------------------------ */

/**
 * virt_migrate_job_get_id:
 * @self: a #VirtMigrateJob
 *
 * Returns: the job's number, unique in this process
 */
guint
virt_migrate_job_get_id (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->id;
}

/**
 * virt_migrate_job_get_request:
 * @self: a #VirtMigrateJob
 *
 * Returns: (transfer none): the job's request
 */
VirtMigrateRequest *
virt_migrate_job_get_request (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return self->request;
}

/**
 * virt_migrate_job_get_state:
 * @self: a #VirtMigrateJob
 *
 * Returns: the job's state
 */
VirtMigrateJobState
virt_migrate_job_get_state (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), VIRT_MIGRATE_JOB_STATE_PENDING);
  return self->state;
}

/**
 * virt_migrate_job_is_finished:
 * @self: a #VirtMigrateJob
 *
 * Returns: %TRUE if the job succeeded, failed or was cancelled
 */
gboolean
virt_migrate_job_is_finished (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);
  return state_is_final (self->state);
}

/**
 * virt_migrate_job_get_progress:
 * @self: a #VirtMigrateJob
 *
 * Returns: the fraction done, 0.0 to 1.0
 */
gdouble
virt_migrate_job_get_progress (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0.0);
  return self->progress;
}

/**
 * virt_migrate_job_get_data_total:
 * @self: a #VirtMigrateJob
 *
 * Returns: bytes to move
 */
guint64
virt_migrate_job_get_data_total (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->data_total;
}

/**
 * virt_migrate_job_get_data_processed:
 * @self: a #VirtMigrateJob
 *
 * Returns: bytes moved
 */
guint64
virt_migrate_job_get_data_processed (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->data_processed;
}

/**
 * virt_migrate_job_get_data_remaining:
 * @self: a #VirtMigrateJob
 *
 * Returns: bytes still to move
 */
guint64
virt_migrate_job_get_data_remaining (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->data_remaining;
}

/**
 * virt_migrate_job_get_data_transferred:
 * @self: a #VirtMigrateJob
 *
 * Returns: bytes sent on the wire
 */
guint64
virt_migrate_job_get_data_transferred (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->data_transferred;
}

/**
 * virt_migrate_job_get_rate:
 * @self: a #VirtMigrateJob
 *
 * Returns: the transfer rate in bytes per second
 */
guint64
virt_migrate_job_get_rate (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->rate;
}

/**
 * virt_migrate_job_get_memory_dirty_rate:
 * @self: a #VirtMigrateJob
 *
 * Returns: the guest's memory dirty rate in bytes per second
 */
guint64
virt_migrate_job_get_memory_dirty_rate (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->memory_dirty_rate;
}

/**
 * virt_migrate_job_get_iteration:
 * @self: a #VirtMigrateJob
 *
 * Returns: passes over memory so far
 */
guint64
virt_migrate_job_get_iteration (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->iteration;
}

/**
 * virt_migrate_job_get_elapsed:
 * @self: a #VirtMigrateJob
 *
 * Returns: milliseconds since the job started
 */
guint64
virt_migrate_job_get_elapsed (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->elapsed;
}

/**
 * virt_migrate_job_get_expected_end_time:
 * @self: a #VirtMigrateJob
 *
 * Returns: expected end in microseconds since the epoch, 0 if unknown
 */
gint64
virt_migrate_job_get_expected_end_time (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->expected_end_time;
}

/**
 * virt_migrate_job_get_downtime:
 * @self: a #VirtMigrateJob
 *
 * Returns: the final downtime in milliseconds
 */
guint64
virt_migrate_job_get_downtime (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->downtime;
}

/**
 * virt_migrate_job_get_error:
 * @self: a #VirtMigrateJob
 *
 * Returns: (nullable) (transfer none): why the job failed, or %NULL
 */
const GError *
virt_migrate_job_get_error (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return self->error;
}

/**
 * virt_migrate_job_get_libvirt_api:
 * @self: a #VirtMigrateJob
 *
 * Returns: (nullable): the libvirt function called
 */
const char *
virt_migrate_job_get_libvirt_api (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return self->libvirt_api;
}

/**
 * virt_migrate_job_get_libvirt_flags:
 * @self: a #VirtMigrateJob
 *
 * Returns: the `virDomainMigrateFlags` passed to libvirt
 */
guint
virt_migrate_job_get_libvirt_flags (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->libvirt_flags;
}

/**
 * virt_migrate_job_get_policy:
 * @self: a #VirtMigrateJob
 *
 * Returns: (transfer none) (nullable): #VirtMigrateJob:policy
 */
VirtMigratePolicy *
virt_migrate_job_get_policy (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return self->policy;
}

/**
 * virt_migrate_job_set_policy:
 * @self: a #VirtMigrateJob
 * @policy: (nullable): the convergence policy, %NULL for none
 *
 * Sets #VirtMigrateJob:policy; takes effect when the job runs.
 */
void
virt_migrate_job_set_policy (VirtMigrateJob    *self,
                             VirtMigratePolicy *policy)
{
  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  g_return_if_fail (policy == NULL || VIRT_MIGRATE_IS_POLICY (policy));

  if (g_set_object (&self->policy, policy))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_POLICY]);
}

/**
 * virt_migrate_job_get_poll_interval:
 * @self: a #VirtMigrateJob
 *
 * Returns: milliseconds between statistics polls
 */
guint
virt_migrate_job_get_poll_interval (VirtMigrateJob *self)
{
  guint interval;

  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  g_mutex_lock (&self->lock);
  interval = self->poll_interval;
  g_mutex_unlock (&self->lock);
  return interval;
}

/**
 * virt_migrate_job_set_poll_interval:
 * @self: a #VirtMigrateJob
 * @interval_ms: milliseconds between statistics polls (10 to 60000)
 *
 * Sets how often libvirt's job statistics are polled; takes effect at the
 * next poll.
 */
void
virt_migrate_job_set_poll_interval (VirtMigrateJob *self,
                                    guint           interval_ms)
{
  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  interval_ms = CLAMP (interval_ms, 10, 60000);
  g_mutex_lock (&self->lock);
  if (self->poll_interval == interval_ms)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->poll_interval = interval_ms;
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_POLL_INTERVAL]);
}

/**
 * virt_migrate_job_get_config_outcome:
 * @self: a #VirtMigrateJob
 *
 * Returns: (nullable) (transfer none): the configuration outcome libvirt
 *   reported after the migration
 */
VirtMigrateConfigOutcome *
virt_migrate_job_get_config_outcome (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return self->config_outcome;
}

/**
 * virt_migrate_job_get_expected_config_outcome:
 * @self: a #VirtMigrateJob
 *
 * Returns: (nullable) (transfer none): the configuration outcome the guide's
 *   table predicted
 */
VirtMigrateConfigOutcome *
virt_migrate_job_get_expected_config_outcome (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return self->expected_config_outcome;
}

/**
 * virt_migrate_job_get_messages:
 * @self: a #VirtMigrateJob
 *
 * Returns: (transfer none) (array zero-terminated=1): the job's log
 */
const char * const *
virt_migrate_job_get_messages (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return (const char * const *) self->messages->pdata;
}
