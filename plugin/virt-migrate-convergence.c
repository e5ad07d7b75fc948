/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-convergence.h"

#define MIB (1024.0 * 1024.0)

struct _VirtMigrateConvergence
{
  VirtMigratePolicy            *policy;
  VirtMigrateConvergenceRequest request;
  gboolean                      started;
  gint64                        start;          /* µs of the first sample */
  gint64                        timeout;        /* µs after start, 0: none */
  guint64                       low;            /* lowest data-remaining of this pass */
  gint64                        low_time;       /* when it was reached (or a step taken) */
  gint64                        pass_low_time;  /* when a pass began with a new low (or a step taken) */
  gint64                        hover_since;    /* the first of the passes in a row that began fitting the downtime, 0: none */
  guint64                       base_downtime;  /* ms */
  guint                         step;           /* downtime steps taken */
  gboolean                      postcopy;       /* switched to post-copy */
  gboolean                      timed_out;
  int                           schedule_entry; /* the schedule's entry applied, -1: none */
  guint64                       pass;           /* the memory pass last seen */
  guint64                       pass_low;       /* lowest remaining at the start of a pass */
  guint                         passes_no_gain; /* passes in a row that began without a new low */
  guint64                       downtime;       /* ms the migration runs with now */
  guint64                       prev_start;     /* bytes the previous pass started with, 0: none seen */
  gboolean                      acted;          /* the prediction raised the downtime */
  gboolean                      doubt;          /* the prediction found it hopeless once */
  gboolean                      throttle_noted; /* ...while QEMU's auto-converge could still slow the guest */
  gboolean                      sent;           /* nothing left to send (no disk copy running)... */
  gint64                        sent_at;        /* ...since then, µs */
  gboolean                      sent_noted;     /* a stall with nothing left to send was logged */
};

/* A pass that keeps more than this part of the one before is not helping. */
#define SHRINK_ENOUGH 0.8
/* How many more passes a shrinking guest may take before the policy helps:
 * one that gets under the downtime by itself keeps libvirt's downtime. */
#define PASSES_TO_WAIT 10
/* Passes that begin with what fits the downtime (QEMU about to switch
 * over, its own measure of the rate lagging ours) are no stall for this
 * long: 14 of them took 0.6 s on the test bed. Hovering longer than that
 * (QEMU's bitmap syncs, with a large RAM, taking as long as the guest
 * needs to dirty a downtime's worth) is one. */
#define HOVER_GRACE_US (5 * G_USEC_PER_SEC)
/* QEMU's auto-converge (7.2, migration_trigger_throttle()): at every
 * second bitmap sync (a pass's end) where the guest dirtied more than half
 * of what was sent, the vCPUs' throttle starts at cpu-throttle-initial,
 * then rises by cpu-throttle-increment, up to max-cpu-throttle (99 %). */
#define THROTTLE_MAX 99
#define THROTTLE_INITIAL 20
#define THROTTLE_INCREMENT 10

void
virt_migrate_decision_free (VirtMigrateDecision *decision)
{
  g_free (decision->message);
  g_free (decision->reason);
  g_free (decision);
}

static void
decide (GPtrArray *out, VirtMigrateDecisionKind kind, guint64 value, const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
decide (GPtrArray *out, VirtMigrateDecisionKind kind, guint64 value, const char *format, ...)
{
  VirtMigrateDecision *d = g_new0 (VirtMigrateDecision, 1);
  va_list args;

  va_start (args, format);
  d->message = g_strdup_vprintf (format, args);
  va_end (args);
  d->kind = kind;
  d->value = value;
  g_ptr_array_add (out, d);
}

VirtMigrateConvergence *
virt_migrate_convergence_new (VirtMigratePolicy                   *policy,
                              const VirtMigrateConvergenceRequest *request)
{
  VirtMigrateConvergence *self = g_new0 (VirtMigrateConvergence, 1);

  g_return_val_if_fail (VIRT_MIGRATE_IS_POLICY (policy), NULL);
  self->policy = g_object_ref (policy);
  self->request = *request;
  self->schedule_entry = -1;
  return self;
}

void
virt_migrate_convergence_free (VirtMigrateConvergence *self)
{
  g_clear_object (&self->policy);
  g_free (self);
}

/* Whether a bandwidth schedule needs the clock between samples. */
gboolean
virt_migrate_convergence_has_schedule (VirtMigrateConvergence *self)
{
  const char *const *schedule = virt_migrate_policy_get_bandwidth_schedule (self->policy);

  return schedule != NULL && schedule[0] != NULL;
}

static void
apply_schedule (VirtMigrateConvergence *self, gint64 now, GPtrArray *out)
{
  int entry = -1;
  guint64 mib = virt_migrate_policy_get_bandwidth_at (self->policy, (guint) ((now - self->start) / G_USEC_PER_SEC),
                                                      &entry);

  if (entry >= 0 && entry != self->schedule_entry)
    {
      self->schedule_entry = entry;
      decide (out, VIRT_MIGRATE_DECISION_SET_SPEED, mib,
              "policy: bandwidth schedule entry '%s': %" G_GUINT64_FORMAT " MiB/s after %.1f s",
              virt_migrate_policy_get_bandwidth_schedule (self->policy)[entry], mib,
              (now - self->start) / (gdouble) G_USEC_PER_SEC);
    }
}

/* The clock between samples: only the bandwidth schedule acts on it. */
GPtrArray *
virt_migrate_convergence_tick (VirtMigrateConvergence *self,
                               gint64                  now)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_decision_free);

  if (self->started)
    apply_schedule (self, now, out);
  return out;
}

/* The completion action the request or the policy chose. */
static VirtMigratePolicyAction
chosen_action (VirtMigrateConvergence *self)
{
  VirtMigratePolicyAction action = self->request.completion_action;

  return action == VIRT_MIGRATE_POLICY_ACTION_DEFAULT ? virt_migrate_policy_get_completion_action (self->policy)
                                                      : action;
}

/* What the completion timeout does: the chosen action, an abort for a
 * post-copy the request does not allow. */
static VirtMigratePolicyAction
completion_action (VirtMigrateConvergence *self)
{
  VirtMigratePolicyAction action = chosen_action (self);

  if (action == VIRT_MIGRATE_POLICY_ACTION_POSTCOPY && !self->request.postcopy_allowed)
    return VIRT_MIGRATE_POLICY_ACTION_ABORT;
  return action;
}

/* The pass from which QEMU's auto-converge has had its whole say: its
 * throttle at its most from the end of pass 2 x (1 + the raises to get
 * there), and one pass to show what that does. 0: no auto-converge. */
static guint64
throttle_passes (VirtMigrateConvergence *self)
{
  guint initial = self->request.auto_converge_initial, increment = self->request.auto_converge_increment;
  guint raises;

  if (!self->request.auto_converge)
    return 0;
  if (initial == 0)
    initial = THROTTLE_INITIAL;
  if (increment == 0)
    increment = THROTTLE_INCREMENT;
  raises = initial >= THROTTLE_MAX ? 0 : (THROTTLE_MAX - initial + increment - 1) / increment;
  return 2 * (1 + raises) + 2;
}

/* The decision just made, to give it the reason for the job's error. */
static VirtMigrateDecision *
last_decision (GPtrArray *out)
{
  return g_ptr_array_index (out, out->len - 1);
}

static void
act_on_timeout (VirtMigrateConvergence *self, gint64 now, GPtrArray *out)
{
  VirtMigratePolicyAction action = completion_action (self);
  gdouble seconds = self->timeout / (gdouble) G_USEC_PER_SEC;

  if (action != chosen_action (self))
    decide (out, VIRT_MIGRATE_DECISION_LOG, 0,
            "policy: completion timeout: post-copy is not allowed by the request, aborting instead");
  switch (action)
    {
    case VIRT_MIGRATE_POLICY_ACTION_PAUSE:
      decide (out, VIRT_MIGRATE_DECISION_PAUSE, 0,
              "policy: completion timeout after %.0f s: pausing the guest on the source so the "
              "migration can finish", seconds);
      break;
    case VIRT_MIGRATE_POLICY_ACTION_POSTCOPY:
      self->postcopy = TRUE;
      decide (out, VIRT_MIGRATE_DECISION_POSTCOPY, 0,
              "policy: completion timeout after %.0f s: switching to post-copy", seconds);
      break;
    case VIRT_MIGRATE_POLICY_ACTION_ABORT:
    case VIRT_MIGRATE_POLICY_ACTION_DEFAULT:
    default:
      decide (out, VIRT_MIGRATE_DECISION_ABORT, 0,
              "policy: completion timeout after %.0f s: aborting; the guest stays on the source", seconds);
      /* Everything sent long since, and the destination never took the
       * stream's end: no guest too busy to move, but a stream that does
       * not reach the destination's QEMU (seen: a program listening on the
       * fixed migration port there got it). */
      if (self->sent && now - self->sent_at >= (gint64) virt_migrate_policy_get_stall_window (self->policy) *
                                                 G_USEC_PER_SEC)
        {
          last_decision (out)->stuck = TRUE;
          last_decision (out)->reason =
            g_strdup_printf ("all of it was sent %.0f s ago, and the destination has not taken the end of the "
                             "stream since: its QEMU may not be receiving it (a program listening on a fixed "
                             "migration port there gets it, or the network drops it)",
                             (now - self->sent_at) / (gdouble) G_USEC_PER_SEC);
          break;
        }
      last_decision (out)->reason =
        g_strdup_printf ("it did not finish within its completion timeout (%.0f s): allow post-copy, choose the "
                         "pause completion action, or give it more time", seconds);
      break;
    }
}

static void
begin (VirtMigrateConvergence *self, const VirtMigrateConvergenceSample *s, GPtrArray *out)
{
  VirtMigratePolicy *policy = self->policy;
  guint timeout_s = self->request.completion_timeout;
  gdouble gib = MAX (s->total / (1024.0 * MIB), 1.0);

  if (timeout_s == 0)
    timeout_s = (guint) (virt_migrate_policy_get_completion_timeout_per_gib (policy) * gib);
  self->started = TRUE;
  self->start = s->time;
  self->timeout = (gint64) timeout_s * G_USEC_PER_SEC;
  self->low = s->remaining;
  self->low_time = s->time;
  self->pass_low_time = s->time;
  self->base_downtime = self->request.max_downtime > 0 ? self->request.max_downtime : 300; /* QEMU's */
  self->downtime = self->base_downtime;
  decide (out, VIRT_MIGRATE_DECISION_LOG, 0,
          "policy: watching: stall after %u s without progress or %u memory passes "
          "without gain, max downtime up to %" G_GUINT64_FORMAT " ms in %u steps, completion timeout %u s",
          virt_migrate_policy_get_stall_window (policy), virt_migrate_policy_get_stall_iterations (policy),
          virt_migrate_policy_get_downtime_max (policy), virt_migrate_policy_get_downtime_steps (policy),
          timeout_s);
}

/* "5 s", "5.7 s" */
static char *
format_seconds (guint64 ms)
{
  return ms % 1000 == 0 ? g_strdup_printf ("%" G_GUINT64_FORMAT " s", ms / 1000)
                        : g_strdup_printf ("%.1f s", ms / 1000.0);
}

/* The downtime the migration runs with now, ms. */
static guint64
downtime_now (VirtMigrateConvergence *self)
{
  if (self->started)
    return self->downtime;
  return self->request.max_downtime > 0 ? self->request.max_downtime : 300; /* QEMU's */
}

/* The switch-over @bytes take at @rate bytes/s, ms (rounded up): what a
 * pass that begins with them needs as its downtime. */
static guint64
need_ms (guint64 bytes, guint64 rate)
{
  return (guint64) ((gdouble) bytes * 1000.0 / rate) + 1;
}

/* What the prediction does when a pass begins with @start bytes at @rate
 * bytes/s, @q of it to be sent again by the next (the guest's dirty rate
 * against the rate): *@need is the switch-over it would take, ms, and
 * *@target the downtime it raises to. One answer for predict() and for
 * virt_migrate_convergence_forecast(). */
static VirtMigrateForecast
forecast_pass (VirtMigrateConvergence *self, guint64 start, guint64 rate, gdouble q, guint64 *need, guint64 *target)
{
  guint64 ceiling = virt_migrate_policy_get_downtime_max (self->policy);
  guint64 downtime = downtime_now (self);

  *need = need_ms (start, rate);
  *target = 0;
  if (*need <= downtime)
    return VIRT_MIGRATE_FORECAST_NOTHING; /* QEMU switches over by itself */
  if (q < SHRINK_ENOUGH)
    {
      gdouble left = *need;

      for (guint k = 0; k < PASSES_TO_WAIT && left > downtime; k++)
        left *= q;
      if (left <= downtime)
        return VIRT_MIGRATE_FORECAST_NOTHING; /* converging on its own within a few passes */
    }
  if (self->request.postcopy_allowed && virt_migrate_policy_get_postcopy_on_stall (self->policy))
    return VIRT_MIGRATE_FORECAST_POSTCOPY;
  if (*need <= ceiling && !self->acted)
    {
      /* A quarter more for what the guest dirties meanwhile, in 100 ms. */
      *target = MIN (ceiling, (*need * 5 / 4 + 99) / 100 * 100);
      return VIRT_MIGRATE_FORECAST_DOWNTIME;
    }
  if (*need <= ceiling)
    return VIRT_MIGRATE_FORECAST_NOTHING; /* raised already: the step rules take it from here */
  return VIRT_MIGRATE_FORECAST_GIVE_UP;
}

/* A memory pass begins (the second or later): what it starts with is what
 * a switch-over now would send. Returns TRUE when the decision ends the
 * pre-copy (post-copy or abort). */
static gboolean
predict (VirtMigrateConvergence *self, const VirtMigrateConvergenceSample *s, GPtrArray *out)
{
  guint64 start = s->remaining, ceiling = virt_migrate_policy_get_downtime_max (self->policy);
  guint64 prev = self->prev_start, need, target, throttled = throttle_passes (self);
  gdouble q;
  VirtMigrateForecast forecast;
  g_autofree char *facts = NULL;
  g_autofree char *need_s = NULL;
  g_autofree char *ceiling_s = NULL;

  self->prev_start = start;
  if (s->rate == 0 || start == 0)
    return FALSE;
  if (need_ms (start, s->rate) <= self->downtime)
    return FALSE; /* QEMU switches over by itself */

  /* How much of this pass the next one will have to send again. */
  if (s->dirty_rate > 0)
    q = (gdouble) s->dirty_rate / s->rate;
  else if (prev > 0)
    q = (gdouble) start / prev;
  else
    return FALSE; /* nothing to predict from yet */
  forecast = forecast_pass (self, start, s->rate, q, &need, &target);
  if (forecast == VIRT_MIGRATE_FORECAST_NOTHING)
    return FALSE;

  need_s = format_seconds (need);
  ceiling_s = format_seconds (ceiling);
  if (s->dirty_rate > 0)
    facts = g_strdup_printf ("pass %" G_GUINT64_FORMAT " starts with %.1f MiB at %.1f MiB/s, the guest dirtying "
                             "%.1f MiB/s: about %s of switch-over needed, more passes will not shrink it",
                             s->iteration, start / MIB, s->rate / MIB, s->dirty_rate / MIB, need_s);
  else
    facts = g_strdup_printf ("pass %" G_GUINT64_FORMAT " starts with %.1f MiB at %.1f MiB/s, %.0f %% of what the "
                             "pass before started with: about %s of switch-over needed, more passes will not "
                             "shrink it", s->iteration, start / MIB, s->rate / MIB, q * 100, need_s);
  if (forecast == VIRT_MIGRATE_FORECAST_POSTCOPY)
    {
      self->postcopy = TRUE;
      decide (out, VIRT_MIGRATE_DECISION_POSTCOPY, 0, "policy: %s: switching to post-copy", facts);
      return TRUE;
    }
  if (forecast == VIRT_MIGRATE_FORECAST_DOWNTIME)
    {
      self->acted = TRUE;
      self->downtime = MAX (self->downtime, target);
      self->low_time = s->time; /* the stall rules start again from here */
      self->pass_low_time = s->time;
      self->hover_since = 0;
      decide (out, VIRT_MIGRATE_DECISION_SET_DOWNTIME, target,
              "policy: %s: max downtime %" G_GUINT64_FORMAT " ms (the ceiling is %s)", facts, target, ceiling_s);
      return FALSE;
    }
  /* With auto-converge the passes do shrink, later: QEMU slows the guest
   * down every second pass. No verdict until its throttle has had its
   * whole say (a loaded test bed's 64 MiB guest rewriting 24 MiB at 16
   * MiB/s over 8 MiB/s read 5.1 s needed at pass 3, and was aborted there
   * before the throttle's first raise); the completion timeout still
   * bounds it. */
  if (s->iteration < throttled)
    {
      if (!self->throttle_noted)
        decide (out, VIRT_MIGRATE_DECISION_LOG, 0,
                "policy: %s, over the %s ceiling; QEMU's auto-converge throttles the guest more every second "
                "pass (at its most from pass %" G_GUINT64_FORMAT "): watching", facts, ceiling_s, throttled - 1);
      self->throttle_noted = TRUE;
      return FALSE;
    }
  if (completion_action (self) != VIRT_MIGRATE_POLICY_ACTION_ABORT)
    {
      if (!self->doubt)
        decide (out, VIRT_MIGRATE_DECISION_LOG, 0,
                "policy: %s, over the %s ceiling; the completion timeout will %s it", facts, ceiling_s,
                completion_action (self) == VIRT_MIGRATE_POLICY_ACTION_PAUSE ? "pause" : "switch");
      self->doubt = TRUE;
      return FALSE;
    }
  if (!self->doubt)
    {
      /* Giving up cannot be undone: one more pass to be sure. */
      self->doubt = TRUE;
      decide (out, VIRT_MIGRATE_DECISION_LOG, 0,
              "policy: %s, over the %s ceiling; watching one more pass before giving up", facts, ceiling_s);
      return FALSE;
    }
  decide (out, VIRT_MIGRATE_DECISION_ABORT, 0,
          "policy: %s, over the %s ceiling, and post-copy is not allowed: aborting; the guest keeps "
          "running on the source", facts, ceiling_s);
  last_decision (out)->reason = g_strdup_printf ("it needs about %s of downtime and the ceiling is %s: allow post-copy, "
                                                 "raise policy-downtime-max, or lower the guest's load",
                                                 need_s, ceiling_s);
  return TRUE;
}

/* What the prediction will do when a memory pass begins with @start bytes
 * to send at @rate bytes/s, the guest dirtying @dirty bytes/s: what the
 * progress unit asks ahead of time, so that the expected end counts with
 * the policy's action before it is taken. @downtime: the downtime it would
 * raise to, ms. Pure: the policy's state does not change.
 */
VirtMigrateForecast
virt_migrate_convergence_forecast (VirtMigrateConvergence *self,
                                   guint64                 start,
                                   guint64                 rate,
                                   guint64                 dirty,
                                   guint64                *downtime)
{
  guint64 need, target = 0;
  VirtMigrateForecast forecast = VIRT_MIGRATE_FORECAST_NOTHING;

  if (virt_migrate_policy_get_predict (self->policy) && !self->postcopy && !self->timed_out &&
      rate > 0 && start > 0 && dirty > 0)
    forecast = forecast_pass (self, start, rate, (gdouble) dirty / rate, &need, &target);
  if (downtime != NULL)
    *downtime = target;
  return forecast;
}

/* One statistics sample of a running (pre-copy) migration. */
GPtrArray *
virt_migrate_convergence_sample (VirtMigrateConvergence             *self,
                                 const VirtMigrateConvergenceSample *s)
{
  VirtMigratePolicy *policy = self->policy;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_decision_free);
  gint64 now = s->time;
  gint64 window = (gint64) virt_migrate_policy_get_stall_window (policy) * G_USEC_PER_SEC;
  guint steps = virt_migrate_policy_get_downtime_steps (policy);
  guint stall_passes = virt_migrate_policy_get_stall_iterations (policy);
  guint64 remaining = s->remaining;
  guint64 max, base, needed, target = 0;
  gboolean passes_stalled = FALSE, fits;
  g_autofree char *reason = NULL;

  if (s->total == 0)
    return out;
  if (!self->started)
    begin (self, s, out);

  apply_schedule (self, now, out);
  if (remaining > 0 || s->copying_disks)
    self->sent = FALSE;
  else if (!self->sent)
    {
      self->sent = TRUE;
      self->sent_at = now;
    }

  /* QEMU counts what the guest dirtied only when a pass begins, so the
   * bytes left are a saw tooth: each pass starts above where the one
   * before ended, and falls while it runs. Progress is either the current
   * pass moving (fewer bytes left than at its last sample) or a pass
   * beginning with a new low (below). The window is measured against
   * both (no progress of either kind for that long) and, as a pass
   * begins, against the second alone (passes not shrinking for that
   * long, however much data moves). Compared across the teeth, the bytes
   * left of a guest converging by itself made no new low once its later
   * passes took longer than the window, a stall it never had (Nova
   * removed its progress timeout for this: nova bug 1644248). */
  if (self->low == G_MAXUINT64 || (s->iteration == self->pass && remaining < self->low))
    {
      self->low = remaining;
      self->low_time = now;
    }
  else if (s->iteration > self->pass)
    self->low = remaining; /* a new tooth: its own low, the clock goes on */

  /* A new memory pass: did it begin with clearly fewer bytes left (5 %,
   * at least 1 MiB) than any pass before? */
  if (s->iteration > self->pass)
    {
      if (s->iteration >= 2 && !self->timed_out && !self->postcopy &&
          virt_migrate_policy_get_predict (policy) && predict (self, s, out))
        {
          self->pass = s->iteration;
          return out;
        }
      fits = s->rate > 0 && need_ms (remaining, s->rate) <= self->downtime;
      if (!fits)
        self->hover_since = 0;
      else if (self->hover_since == 0)
        self->hover_since = now;
      if (self->pass == 0 ||
          remaining + MAX ((guint64) MIB, self->pass_low / 20) < self->pass_low)
        {
          self->pass_low = remaining;
          self->pass_low_time = now;
          self->low_time = now; /* progress of the other kind */
          self->passes_no_gain = 0;
        }
      else if (fits && now - self->hover_since < HOVER_GRACE_US)
        {
          /* No stall either: what it begins with fits the downtime, and
           * QEMU switches over once its own measure of the rate agrees
           * (a few short passes at the end, the bytes left hovering). */
          self->low_time = now;
        }
      else
        {
          self->passes_no_gain++;
          passes_stalled = now - self->pass_low_time >= window;
        }
      self->pass = s->iteration;
    }

  if (self->timeout > 0 && !self->timed_out && now - self->start >= self->timeout)
    {
      self->timed_out = TRUE;
      act_on_timeout (self, now, out);
      return out;
    }
  if (self->timed_out)
    return out;

  /* The disks' mirror moves in batches (16 MiB at a time: under a low cap,
   * many seconds apart), and a downtime step is about memory: the stall
   * rules start when the first memory pass does. */
  if (s->copying_disks)
    {
      self->low = G_MAXUINT64;
      self->low_time = now;
      self->pass_low_time = now;
      self->passes_no_gain = 0;
      return out;
    }

  if (now - self->low_time >= window)
    reason = g_strdup_printf ("no progress for %u s", virt_migrate_policy_get_stall_window (policy));
  else if (passes_stalled)
    reason = g_strdup_printf ("no progress for %u s (no memory pass began with fewer bytes left)",
                              virt_migrate_policy_get_stall_window (policy));
  else if (stall_passes > 0 && self->passes_no_gain >= stall_passes)
    reason = g_strdup_printf ("%u memory passes without gain", self->passes_no_gain);
  else
    return out;

  /* Nothing left to send: no downtime or post-copy helps a destination
   * that does not take the end of the stream; said once, and the
   * completion timeout ends it. */
  if (self->sent)
    {
      if (!self->sent_noted)
        decide (out, VIRT_MIGRATE_DECISION_LOG, 0,
                "policy: %s, with nothing left to send: the destination has not taken the end of the stream "
                "(no downtime step or post-copy helps; the completion timeout ends it)", reason);
      self->sent_noted = TRUE;
      self->low_time = now;
      self->pass_low_time = now;
      self->passes_no_gain = 0;
      return out;
    }

  /* Stalled: the next downtime step that covers what the guest needs and
   * is above what the migration already runs with (a prediction may have
   * raised it), or post-copy after the last. */
  max = virt_migrate_policy_get_downtime_max (policy);
  needed = s->rate > 0 ? remaining * 1000 / s->rate : max;
  base = MIN (self->base_downtime, max);
  while (self->step < steps)
    {
      self->step++;
      target = base + (max - base) * self->step / steps;
      if (self->step == steps || (target >= needed && target > self->downtime))
        break;
    }
  if (target > self->downtime)
    {
      self->downtime = target;
      decide (out, VIRT_MIGRATE_DECISION_SET_DOWNTIME, target,
              "policy: %s (%.1f MiB left at %.1f MiB/s, about %" G_GUINT64_FORMAT
              " ms of downtime needed): max downtime step %u/%u, %" G_GUINT64_FORMAT " ms",
              reason, remaining / MIB, s->rate / MIB, needed, self->step, steps, target);
    }
  else if (!self->postcopy && virt_migrate_policy_get_postcopy_on_stall (policy) &&
           self->request.postcopy_allowed)
    {
      self->postcopy = TRUE;
      decide (out, VIRT_MIGRATE_DECISION_POSTCOPY, 0,
              "policy: %s at the last downtime step: switching to post-copy", reason);
    }
  self->low_time = now;
  self->pass_low_time = now;
  self->hover_since = 0;
  self->passes_no_gain = 0;
  return out;
}
