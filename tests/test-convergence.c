/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The convergence unit: made-up samples for each rule, and traces of the
 * dirtying guest recorded on the test bed, each asserting the decision and
 * when it came. No libvirtd. */
#include <virt-migrate.h>

#include "trace.h"
#include "virt-migrate-convergence.h"
#include "virt-migrate-progress.h"

#define MIB (1024 * 1024)

typedef struct {
  VirtMigrateDecisionKind kind;
  guint64                 value;
  gdouble                 at;      /* seconds since the first sample */
  char                   *message;
  char                   *reason;
  gboolean                stuck;
} Seen;

static void
seen_clear (gpointer data)
{
  g_free (((Seen *) data)->message);
  g_free (((Seen *) data)->reason);
}

static void
collect (GArray *seen, GPtrArray *decisions, gint64 time)
{
  for (guint i = 0; i < decisions->len; i++)
    {
      VirtMigrateDecision *d = g_ptr_array_index (decisions, i);
      Seen s = { d->kind, d->value, time / (gdouble) G_USEC_PER_SEC, g_strdup (d->message), g_strdup (d->reason),
                 d->stuck };

      g_test_message ("%.1f s: %s", s.at, s.message);
      g_array_append_val (seen, s);
    }
}

static GArray *
new_seen (void)
{
  GArray *seen = g_array_new (FALSE, TRUE, sizeof (Seen));

  g_array_set_clear_func (seen, seen_clear);
  return seen;
}

static const Seen *
find (GArray *seen, VirtMigrateDecisionKind kind, guint nth)
{
  for (guint i = 0; i < seen->len; i++)
    if (g_array_index (seen, Seen, i).kind == kind && nth-- == 0)
      return &g_array_index (seen, Seen, i);
  return NULL;
}

static guint
count (GArray *seen, VirtMigrateDecisionKind kind)
{
  guint n = 0;

  for (guint i = 0; i < seen->len; i++)
    n += g_array_index (seen, Seen, i).kind == kind;
  return n;
}

/* One made-up sample straight into the unit, from a guest that dirties
 * @dirty bytes/s. */
static void
feed_dirty (VirtMigrateConvergence *c, GArray *seen, gdouble at, guint64 remaining, guint64 rate,
            guint64 iteration, guint64 dirty)
{
  VirtMigrateConvergenceSample s = {
    .time = (gint64) (at * G_USEC_PER_SEC), .total = 256 * MIB, .remaining = remaining,
    .rate = rate, .iteration = iteration, .dirty_rate = dirty,
  };
  g_autoptr(GPtrArray) decisions = virt_migrate_convergence_sample (c, &s);

  collect (seen, decisions, s.time);
}

/* The same from a guest that dirties a tenth of the rate: the prediction
 * expects it to converge within a few passes and leaves it to the safety
 * nets the tests below look at. */
static void
feed (VirtMigrateConvergence *c, GArray *seen, gdouble at, guint64 remaining, guint64 rate, guint64 iteration)
{
  feed_dirty (c, seen, at, remaining, rate, iteration, rate / 10);
}

/* A recorded trace through the progress unit and the policy, as the job
 * runs them; stops at the first post-copy, pause or abort (after that the
 * recorded guest did something the policy would have changed). */
static GArray *
replay (const char *name, VirtMigratePolicy *policy, const VirtMigrateConvergenceRequest *request)
{
  g_autoptr(GArray) samples = trace_load (name);
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  g_autoptr(VirtMigrateConvergence) c = virt_migrate_convergence_new (policy, request);
  GArray *seen = new_seen ();

  for (guint i = 0; i < samples->len; i++)
    {
      const VirtMigrateSample *s = &g_array_index (samples, VirtMigrateSample, i);
      const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);
      g_autoptr(GPtrArray) decisions = NULL;
      VirtMigrateConvergenceSample cs;

      if (!virt_migrate_progress_add_sample (p, s) || s->postcopy)
        continue;
      cs = (VirtMigrateConvergenceSample) { s->time, st->total, st->remaining, st->rate, st->iteration,
                                            st->dirty_rate };
      decisions = virt_migrate_convergence_sample (c, &cs);
      collect (seen, decisions, s->time);
      if (count (seen, VIRT_MIGRATE_DECISION_POSTCOPY) + count (seen, VIRT_MIGRATE_DECISION_ABORT) +
          count (seen, VIRT_MIGRATE_DECISION_PAUSE) > 0)
        break;
    }
  return seen;
}

static const VirtMigrateConvergenceRequest plain = { 0, VIRT_MIGRATE_POLICY_ACTION_DEFAULT, FALSE, 0 };
static const VirtMigrateConvergenceRequest with_postcopy = { 0, VIRT_MIGRATE_POLICY_ACTION_DEFAULT, TRUE, 0 };

static void
test_watching (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(VirtMigrateConvergence) c = virt_migrate_convergence_new (policy, &plain);
  g_autoptr(GArray) seen = new_seen ();

  g_test_summary ("The first sample with a total starts the policy: one log line with its limits; "
                  "the completion timeout counts at least 1 GiB (150 s)");
  {
    VirtMigrateConvergenceSample empty = { 0 };
    g_autoptr(GPtrArray) none = virt_migrate_convergence_sample (c, &empty);
    g_assert_cmpuint (none->len, ==, 0);
  }
  feed (c, seen, 0, 200 * MIB, 8 * MIB, 1);
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_cmpint (g_array_index (seen, Seen, 0).kind, ==, VIRT_MIGRATE_DECISION_LOG);
  g_assert_cmpstr (g_array_index (seen, Seen, 0).message, ==,
                   "policy: watching: stall after 10 s without progress or 3 memory passes without "
                   "gain, max downtime up to 5000 ms in 5 steps, completion timeout 150 s");
}

static void
test_stall_window_steps (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(VirtMigrateConvergence) c = virt_migrate_convergence_new (policy, &plain);
  g_autoptr(GArray) seen = new_seen ();
  const Seen *step;

  g_test_summary ("No new low for the stall window (10 s): one downtime step, straight to the "
                  "first step that covers what the guest needs (40 MiB at 10 MiB/s: 4000 ms, step 4/5)");
  for (gdouble t = 0; t <= 10.0; t += 0.5)
    feed (c, seen, t, 40 * MIB, 10 * MIB, 1);
  step = find (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME, 0);
  g_assert_nonnull (step);
  g_assert_cmpfloat (step->at, ==, 10.0);
  g_assert_cmpuint (step->value, ==, 300 + (5000 - 300) * 4 / 5);
  g_assert_nonnull (strstr (step->message, "no progress for 10 s"));
  g_assert_nonnull (strstr (step->message, "step 4/5"));
  g_assert_cmpuint (count (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME), ==, 1);
}

/* A guest that converges by itself (it dirties 0.6 of the rate): each pass
 * starts 40 % lower, and like every pass, it ends above where the first
 * one's last sample was. Pass 1 takes 25.5 s, the next ones 15 s together:
 * longer than the window, but the copy never stops moving. Before: "no
 * progress for 10 s" 10 s after pass 1's end, a downtime step on a guest
 * that needed none (the saw tooth Nova's progress timeout misread). */
static void
test_saw_tooth_no_step (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(VirtMigrateConvergence) c = virt_migrate_convergence_new (policy, &plain);
  g_autoptr(GArray) seen = new_seen ();
  gdouble t = 0, start = 256 * MIB;
  guint64 pass;

  g_test_summary ("A guest converging by itself through passes longer together than the stall "
                  "window: no stall, no downtime step (each pass's bytes left fall while it runs)");
  for (pass = 1; start * 1000 / (10 * MIB) > 300; pass++, start *= 0.6)
    for (gdouble left = start; left > 0; left -= 10 * MIB / 4, t += 0.25)
      feed_dirty (c, seen, t, (guint64) left, 10 * MIB, pass, 6 * MIB);
  g_test_message ("%" G_GUINT64_FORMAT " passes, %.2f s", pass, t);
  g_assert_cmpfloat (t, >, 25.5 + 10 + 1);
  g_assert_cmpuint (count (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME), ==, 0);
  g_assert_cmpuint (count (seen, VIRT_MIGRATE_DECISION_POSTCOPY), ==, 0);
}

/* The end of a converging migration: what each pass begins with fits the
 * downtime (1.1 MiB at 4 MiB/s: 275 ms of 300), and QEMU, whose own
 * measure of the rate lags, syncs again and again before it switches
 * over. Seen on the test bed: 14 passes in 0.6 s. Before, the pass rule
 * counted them as passes without gain and raised the downtime. Hovering
 * for good (QEMU's syncs as long as a downtime's worth of dirtying) is a
 * stall once the grace is over. */
static void
test_hovering_no_step (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(VirtMigrateConvergence) c = virt_migrate_convergence_new (policy, &plain);
  g_autoptr(GArray) seen = new_seen ();
  guint64 pass = 1;

  g_test_summary ("Passes that each begin with what fits the downtime (QEMU about to switch over) "
                  "are no stall for 5 s, however many they are; hovering longer is one");
  feed_dirty (c, seen, 0, 64 * MIB, 4 * MIB, pass, MIB);
  for (gdouble t = 16; t < 21; t += 0.25)
    feed_dirty (c, seen, t, (guint64) (1.1 * MIB), 4 * MIB, ++pass, MIB);
  g_assert_cmpuint (count (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME), ==, 0);
  g_assert_cmpuint (seen->len, ==, 1); /* "watching" */
  /* Still hovering after the 5 s of grace: its passes count as passes
   * without gain again, three make a stall (at 21.5 s); the step starts
   * the grace anew. */
  for (gdouble t = 21; t < 27; t += 0.25)
    feed_dirty (c, seen, t, (guint64) (1.1 * MIB), 4 * MIB, ++pass, MIB);
  g_assert_cmpuint (count (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME), ==, 1);
  g_assert_cmpfloat (find (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME, 0)->at, ==, 21.5);
  g_assert_nonnull (strstr (find (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME, 0)->message,
                            "3 memory passes without gain"));
}

/* A throttled storage copy (1 MiB/s: QEMU's mirror reports a 16 MiB batch
 * every 16 s, and libvirt no memory figures yet) is progress: no downtime
 * step while the disks move; after them the stall window starts from the
 * first memory sample. Before: "no progress for 10 s … step 5/5" before
 * memory had started. */
static void
test_disk_copy_no_step (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(VirtMigrateConvergence) c = virt_migrate_convergence_new (policy, &plain);
  g_autoptr(GArray) seen = new_seen ();

  g_test_summary ("A throttled disk copy (16 MiB batches 16 s apart) logs no downtime step; the stall "
                  "window starts with the first memory pass");
  for (gdouble t = 0; t <= 64.0; t += 0.25)
    {
      guint64 done = MIN ((guint64) (t / 16) * 16, 64) * MIB;
      VirtMigrateConvergenceSample s = {
        .time = (gint64) (t * G_USEC_PER_SEC), .total = 64 * MIB, .remaining = 64 * MIB - done,
        .rate = MIB, .iteration = 0, .copying_disks = TRUE,
      };
      g_autoptr(GPtrArray) decisions = virt_migrate_convergence_sample (c, &s);

      collect (seen, decisions, s.time);
    }
  g_assert_cmpuint (count (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME), ==, 0);
  /* Memory then stalls for the window: a step 10 s after its first sample. */
  for (gdouble t = 64.25; t <= 80.0; t += 0.5)
    feed (c, seen, t, 40 * MIB, 10 * MIB, 1);
  g_assert_cmpuint (count (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME), ==, 1);
  g_assert_cmpfloat (find (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME, 0)->at, >=, 74.25);
}

static void
test_passes_without_gain (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(VirtMigrateConvergence) c = virt_migrate_convergence_new (policy, &plain);
  g_autoptr(GArray) seen = new_seen ();
  const Seen *step;

  g_test_summary ("Three memory passes that begin without a 5 % new low are a stall too, well "
                  "before the time window");
  for (guint pass = 1; pass <= 5; pass++)
    feed (c, seen, pass * 1.0, 40 * MIB, 10 * MIB, pass);
  step = find (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME, 0);
  g_assert_nonnull (step);
  g_assert_cmpfloat (step->at, ==, 4.0);
  g_assert_nonnull (strstr (step->message, "3 memory passes without gain"));
}

static void
test_postcopy_after_last_step (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(VirtMigrateConvergence) c = virt_migrate_convergence_new (policy, &with_postcopy);
  g_autoptr(VirtMigrateConvergence) c2 = virt_migrate_convergence_new (policy, &plain);
  g_autoptr(GArray) seen = new_seen ();
  g_autoptr(GArray) seen2 = new_seen ();
  const Seen *postcopy;

  g_test_summary ("A guest needing more than the last step: after it, a further stall switches "
                  "to post-copy when the request allows it, and does nothing more when not");
  for (gdouble t = 0; t <= 25.0; t += 0.5)
    {
      feed (c, seen, t, 60 * MIB, 8 * MIB, 1);
      feed (c2, seen2, t, 60 * MIB, 8 * MIB, 1);
    }
  g_assert_cmpuint (find (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME, 0)->value, ==, 5000);
  postcopy = find (seen, VIRT_MIGRATE_DECISION_POSTCOPY, 0);
  g_assert_nonnull (postcopy);
  g_assert_cmpfloat (postcopy->at, ==, 20.0);
  g_assert_cmpuint (count (seen, VIRT_MIGRATE_DECISION_POSTCOPY), ==, 1);
  g_assert_cmpuint (count (seen2, VIRT_MIGRATE_DECISION_POSTCOPY), ==, 0);
}

static void
test_timeout_actions (void)
{
  const struct {
    VirtMigratePolicyAction action;
    gboolean                postcopy;
    VirtMigrateDecisionKind expected;
  } cases[] = {
    { VIRT_MIGRATE_POLICY_ACTION_DEFAULT, FALSE, VIRT_MIGRATE_DECISION_ABORT },
    { VIRT_MIGRATE_POLICY_ACTION_ABORT, TRUE, VIRT_MIGRATE_DECISION_ABORT },
    { VIRT_MIGRATE_POLICY_ACTION_PAUSE, FALSE, VIRT_MIGRATE_DECISION_PAUSE },
    { VIRT_MIGRATE_POLICY_ACTION_POSTCOPY, TRUE, VIRT_MIGRATE_DECISION_POSTCOPY },
    { VIRT_MIGRATE_POLICY_ACTION_POSTCOPY, FALSE, VIRT_MIGRATE_DECISION_ABORT },
  };

  g_test_summary ("The completion timeout (the request's 12 s) takes the request's action, or "
                  "the policy's; post-copy that the request does not allow becomes an abort");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
      VirtMigrateConvergenceRequest r = { 12, cases[i].action, cases[i].postcopy, 0 };
      g_autoptr(VirtMigrateConvergence) c = NULL;
      g_autoptr(GArray) seen = new_seen ();
      const Seen *d;

      g_object_set (policy, "downtime-steps", 0, NULL);
      c = virt_migrate_convergence_new (policy, &r);
      for (gdouble t = 0; t <= 20.0; t += 1.0)
        feed (c, seen, t, (100 - (guint64) t) * MIB, 8 * MIB, 1);
      d = find (seen, cases[i].expected, 0);
      g_assert_nonnull (d);
      g_assert_cmpfloat (d->at, ==, 12.0);
      g_assert_cmpuint (count (seen, VIRT_MIGRATE_DECISION_ABORT) + count (seen, VIRT_MIGRATE_DECISION_PAUSE) +
                        count (seen, VIRT_MIGRATE_DECISION_POSTCOPY), ==, 1);
    }
}

/* All sent and the end never taken (the stream went to another program
 * on the destination's fixed port: the source paused in its switch-over,
 * nothing left, until the timeout). */
static void
test_timeout_stuck (void)
{
  const struct { gdouble sent_at; gboolean stuck; } cases[] = {
    { 5.0, TRUE },   /* nothing left from 5 s on: 25 s at the timeout, over the 10-s window */
    { 25.0, FALSE }, /* only 5 s before the timeout: not long enough to tell */
    { -1, FALSE },   /* bytes left to the end: the plain timeout */
  };

  g_test_summary ("At the completion timeout, a migration that had sent everything for longer than the stall "
                  "window and never finished is not called one that cannot converge: its error says the "
                  "destination did not take the stream's end, and it is no CannotConverge; its stall raised no "
                  "downtime (nothing left to send) and was said once");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
      VirtMigrateConvergenceRequest r = { 30, VIRT_MIGRATE_POLICY_ACTION_ABORT, FALSE, 0 };
      g_autoptr(VirtMigrateConvergence) c = NULL;
      g_autoptr(GArray) seen = new_seen ();
      const Seen *d;

      c = virt_migrate_convergence_new (policy, &r);
      for (gdouble t = 0; t <= 31.0; t += 1.0)
        {
          gboolean done = cases[i].sent_at >= 0 && t >= cases[i].sent_at;

          feed (c, seen, t, done ? 0 : 64 * MIB, done ? 0 : 8 * MIB, done ? 2 : 1);
        }
      d = find (seen, VIRT_MIGRATE_DECISION_ABORT, 0);
      g_assert_nonnull (d);
      g_assert_cmpfloat (d->at, ==, 30.0);
      g_assert_cmpint (d->stuck, ==, cases[i].stuck);
      /* Nothing left from 5 s on: the stall at 15 s said once, no downtime step. */
      if (cases[i].stuck)
        {
          g_assert_null (find (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME, 0));
          g_assert_cmpuint (count (seen, VIRT_MIGRATE_DECISION_LOG), ==, 2);
          g_assert_cmpstr (find (seen, VIRT_MIGRATE_DECISION_LOG, 1)->message, ==,
                           "policy: no progress for 10 s, with nothing left to send: the destination has not taken "
                           "the end of the stream (no downtime step or post-copy helps; the completion timeout "
                           "ends it)");
        }
      if (cases[i].stuck)
        g_assert_cmpstr (d->reason, ==, "all of it was sent 25 s ago, and the destination has not taken the end of "
                                        "the stream since: its QEMU may not be receiving it (a program listening on "
                                        "a fixed migration port there gets it, or the network drops it)");
      else
        g_assert_true (g_str_has_prefix (d->reason, "it did not finish within its completion timeout (30 s)"));
    }
}

static void
test_bandwidth_schedule (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  const char *schedule[] = { "0:9", "3:33", NULL };
  g_autoptr(VirtMigrateConvergence) c = NULL;
  g_autoptr(GArray) seen = new_seen ();

  g_test_summary ("The bandwidth schedule: each entry once, at its time, from samples or the "
                  "clock between them");
  g_object_set (policy, "bandwidth-schedule", schedule, NULL);
  {
    /* Parsed once when set; a copy has the parsed entries too. */
    g_autoptr(VirtMigratePolicy) copy = virt_migrate_policy_copy (policy);
    int entry = -1;

    g_assert_cmpuint (virt_migrate_policy_get_bandwidth_at (copy, 4, &entry), ==, 33);
    g_assert_cmpint (entry, ==, 1);
    g_assert_cmpuint (virt_migrate_policy_get_bandwidth_at (copy, 2, &entry), ==, 9);
    g_assert_cmpint (entry, ==, 0);
  }
  c = virt_migrate_convergence_new (policy, &plain);
  g_assert_true (virt_migrate_convergence_has_schedule (c));
  feed (c, seen, 0, 100 * MIB, 8 * MIB, 1);
  for (gdouble t = 0.2; t < 6.0; t += 0.2)
    {
      g_autoptr(GPtrArray) d = virt_migrate_convergence_tick (c, (gint64) (t * G_USEC_PER_SEC));
      collect (seen, d, (gint64) (t * G_USEC_PER_SEC));
    }
  g_assert_cmpuint (count (seen, VIRT_MIGRATE_DECISION_SET_SPEED), ==, 2);
  g_assert_cmpuint (find (seen, VIRT_MIGRATE_DECISION_SET_SPEED, 0)->value, ==, 9);
  g_assert_cmpfloat (find (seen, VIRT_MIGRATE_DECISION_SET_SPEED, 0)->at, ==, 0.0);
  g_assert_cmpuint (find (seen, VIRT_MIGRATE_DECISION_SET_SPEED, 1)->value, ==, 33);
  g_assert_cmpfloat_with_epsilon (find (seen, VIRT_MIGRATE_DECISION_SET_SPEED, 1)->at, 3.0, 0.01);
}

/* --- recorded traces ------------------------------------------------------------ */

static void
test_trace_converges (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(GArray) seen = replay ("converges", policy, &plain);

  g_test_summary ("A recorded guest that converges unaided (32 MiB rewritten at 4 MiB/s, 32 MiB/s link): the policy only watches");
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_cmpint (g_array_index (seen, Seen, 0).kind, ==, VIRT_MIGRATE_DECISION_LOG);
}

static void
test_trace_stall (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(GArray) seen = replay ("stall", policy, &plain);
  const Seen *step;

  g_test_summary ("The recorded stalling guest (64 MiB rewritten at 60 MiB/s, 20 MiB/s link, about 3 s of "
                  "switch-over): at the first sample of pass 2 (3.4 s) the prediction raises the downtime "
                  "straight to what it needs plus a quarter, before any stall rule");
  step = find (seen, VIRT_MIGRATE_DECISION_SET_DOWNTIME, 0);
  g_assert_nonnull (step);
  g_assert_cmpfloat (step->at, <=, 3.5);
  g_assert_cmpuint (step->value, >=, 3500);
  g_assert_cmpuint (step->value, <=, 4000);
  g_assert_nonnull (strstr (step->message, "pass 2 starts with 58.9 MiB"));
  g_assert_nonnull (strstr (step->message, "about 3.0 s of switch-over needed"));
  g_assert_cmpuint (count (seen, VIRT_MIGRATE_DECISION_ABORT), ==, 0);
  g_assert_cmpuint (count (seen, VIRT_MIGRATE_DECISION_POSTCOPY), ==, 0);
}

static void
test_trace_hopeless (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(GArray) with = replay ("hopeless", policy, &with_postcopy);
  g_autoptr(GArray) without = replay ("hopeless", policy, &plain);
  const VirtMigrateConvergenceRequest pause = { 0, VIRT_MIGRATE_POLICY_ACTION_PAUSE, FALSE, 0 };
  g_autoptr(GArray) paused = replay ("hopeless", policy, &pause);
  const Seen *d;

  g_test_summary ("The recorded hopeless guest (48 MiB rewritten at full speed, 8 MiB/s link, about 5.7 s "
                  "of switch-over over the 5 s ceiling): post-copy at the first sample of pass 2 (6.3 s) "
                  "when allowed, as virsh's --postcopy-after-precopy would; without it, an abort one pass "
                  "later (12.0 s) naming the downtime needed; with the pause completion action, no abort");
  d = find (with, VIRT_MIGRATE_DECISION_POSTCOPY, 0);
  g_assert_nonnull (d);
  g_assert_cmpfloat (d->at, <=, 6.5);
  g_assert_cmpuint (count (with, VIRT_MIGRATE_DECISION_SET_DOWNTIME), ==, 0);

  g_assert_cmpuint (count (without, VIRT_MIGRATE_DECISION_POSTCOPY), ==, 0);
  g_assert_cmpuint (count (without, VIRT_MIGRATE_DECISION_SET_DOWNTIME), ==, 0);
  d = find (without, VIRT_MIGRATE_DECISION_LOG, 1);
  g_assert_nonnull (d);
  g_assert_cmpfloat (d->at, <=, 6.5);
  g_assert_nonnull (strstr (d->message, "watching one more pass"));
  d = find (without, VIRT_MIGRATE_DECISION_ABORT, 0);
  g_assert_nonnull (d);
  g_assert_cmpfloat (d->at, >=, 11.9);
  g_assert_cmpfloat (d->at, <=, 12.1);
  g_assert_nonnull (strstr (d->message, "about 5.7 s of switch-over needed"));
  g_assert_nonnull (strstr (d->message, "over the 5 s ceiling"));

  g_assert_cmpuint (count (paused, VIRT_MIGRATE_DECISION_ABORT), ==, 0);
  {
    /* policy-predict off: only the safety nets, as before the prediction. */
    g_autoptr(VirtMigratePolicy) nets = virt_migrate_policy_new ();
    g_autoptr(GArray) late = NULL;

    g_object_set (nets, "predict", FALSE, NULL);
    late = replay ("hopeless", nets, &with_postcopy);
    /* Its passes move but never shrink: the window counts from the last
     * pass that began with a new low (pass 2, 6.3 s), at pass 4 (17.8 s). */
    d = find (late, VIRT_MIGRATE_DECISION_SET_DOWNTIME, 0);
    g_assert_nonnull (d);
    g_assert_cmpuint (d->value, ==, 5000);
    g_assert_cmpfloat (d->at, >=, 16.3);
    g_assert_cmpfloat (d->at, <=, 18.0);
    g_assert_nonnull (strstr (d->message, "no memory pass began with fewer bytes left"));
    d = find (late, VIRT_MIGRATE_DECISION_POSTCOPY, 0);
    g_assert_nonnull (d);
    g_assert_cmpfloat (d->at, >, 12.0);
    g_assert_null (strstr (d->message, "pass 2 starts"));
  }
  g_assert_nonnull (strstr (find (paused, VIRT_MIGRATE_DECISION_LOG, 1)->message,
                            "the completion timeout will pause it"));
}

static void
test_abort_reason (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(VirtMigrateConvergence) c = virt_migrate_convergence_new (policy, &plain);
  g_autoptr(GPtrArray) d1 = NULL;
  g_autoptr(GPtrArray) d2 = NULL;
  g_autoptr(GPtrArray) d3 = NULL;
  VirtMigrateConvergenceSample s = { 0, 128 * MIB, 100 * MIB, 8 * MIB, 1, 0 };
  VirtMigrateDecision *abort_;

  g_test_summary ("The abort a prediction makes carries the reason the job's error gives: the downtime "
                  "needed, the ceiling and what would let the guest move");
  d1 = virt_migrate_convergence_sample (c, &s);
  s = (VirtMigrateConvergenceSample) { 6 * G_USEC_PER_SEC, 128 * MIB, 48 * MIB, 8 * MIB, 2, 8 * MIB };
  d2 = virt_migrate_convergence_sample (c, &s);
  s = (VirtMigrateConvergenceSample) { 12 * G_USEC_PER_SEC, 128 * MIB, 48 * MIB, 8 * MIB, 3, 8 * MIB };
  d3 = virt_migrate_convergence_sample (c, &s);
  g_assert_cmpuint (d3->len, ==, 1);
  abort_ = g_ptr_array_index (d3, 0);
  g_assert_cmpint (abort_->kind, ==, VIRT_MIGRATE_DECISION_ABORT);
  g_assert_cmpstr (abort_->reason, ==, "it needs about 6.0 s of downtime and the ceiling is 5 s: allow post-copy, "
                                       "raise policy-downtime-max, or lower the guest's load");
}

static void
test_predict_fits (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(VirtMigrateConvergence) c = virt_migrate_convergence_new (policy, &with_postcopy);
  g_autoptr(VirtMigrateConvergence) c2 = virt_migrate_convergence_new (policy, &plain);
  g_autoptr(GArray) seen = new_seen ();
  g_autoptr(GArray) seen2 = new_seen ();

  g_test_summary ("Pass 2 starts with 30 MiB at 10 MiB/s while the guest dirties 10 MiB/s (3 s needed, "
                  "fits the 5 s ceiling): post-copy at once when allowed (milliseconds of pause instead of "
                  "seconds), else max downtime 3800 ms at once; never an abort");
  feed_dirty (c, seen, 0, 200 * MIB, 10 * MIB, 1, 0);
  feed_dirty (c, seen, 5, 30 * MIB, 10 * MIB, 2, 10 * MIB);
  feed_dirty (c2, seen2, 0, 200 * MIB, 10 * MIB, 1, 0);
  for (guint pass = 2; pass <= 6; pass++)
    feed_dirty (c2, seen2, pass * 3 - 1, 30 * MIB, 10 * MIB, pass, 10 * MIB);
  g_assert_cmpfloat (find (seen, VIRT_MIGRATE_DECISION_POSTCOPY, 0)->at, ==, 5.0);
  g_assert_cmpuint (find (seen2, VIRT_MIGRATE_DECISION_SET_DOWNTIME, 0)->value, ==, 3800);
  g_assert_cmpfloat (find (seen2, VIRT_MIGRATE_DECISION_SET_DOWNTIME, 0)->at, ==, 5.0);
  g_assert_cmpuint (count (seen2, VIRT_MIGRATE_DECISION_ABORT), ==, 0);
}

static void
test_predict_converging (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  g_autoptr(VirtMigrateConvergence) c = virt_migrate_convergence_new (policy, &with_postcopy);
  g_autoptr(VirtMigrateConvergence) c2 = virt_migrate_convergence_new (policy, &plain);
  g_autoptr(GArray) seen = new_seen ();
  g_autoptr(GArray) seen2 = new_seen ();

  g_test_summary ("A guest that dirties a fifth of the rate shrinks each pass to a fifth: it converges "
                  "under 300 ms within ten passes, so the prediction leaves it alone. Without QEMU's "
                  "dirty rate, the second pass start gives the ratio (here 100 %, so it acts at pass 3)");
  feed_dirty (c, seen, 0, 200 * MIB, 10 * MIB, 1, 0);
  feed_dirty (c, seen, 5, 20 * MIB, 10 * MIB, 2, 2 * MIB);
  feed_dirty (c, seen, 7, 4 * MIB, 10 * MIB, 3, 2 * MIB);
  g_assert_cmpuint (seen->len, ==, 1);
  {
    /* Half the rate, 4 s needed: four more passes get it under 300 ms. */
    g_autoptr(VirtMigrateConvergence) c3 = virt_migrate_convergence_new (policy, &plain);
    g_autoptr(GArray) seen3 = new_seen ();

    feed_dirty (c3, seen3, 0, 200 * MIB, 8 * MIB, 1, 0);
    feed_dirty (c3, seen3, 8, 32 * MIB, 8 * MIB, 2, 4 * MIB);
    feed_dirty (c3, seen3, 12, 16 * MIB, 8 * MIB, 3, 4 * MIB);
    g_assert_cmpuint (seen3->len, ==, 1);
  }

  feed_dirty (c2, seen2, 0, 200 * MIB, 10 * MIB, 1, 0);
  feed_dirty (c2, seen2, 5, 20 * MIB, 10 * MIB, 2, 0);
  g_assert_cmpuint (seen2->len, ==, 1);
  feed_dirty (c2, seen2, 7, 20 * MIB, 10 * MIB, 3, 0);
  g_assert_cmpuint (find (seen2, VIRT_MIGRATE_DECISION_SET_DOWNTIME, 0)->value, ==, 2600);
  g_assert_nonnull (strstr (find (seen2, VIRT_MIGRATE_DECISION_SET_DOWNTIME, 0)->message,
                            "100 % of what the pass before started with"));
}

static void
test_auto_converge (void)
{
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  VirtMigrateConvergenceRequest with_throttle = { 0, VIRT_MIGRATE_POLICY_ACTION_DEFAULT, FALSE, 0, TRUE, 30, 20 };
  g_autoptr(VirtMigrateConvergence) c = virt_migrate_convergence_new (policy, &plain);
  g_autoptr(VirtMigrateConvergence) c2 = virt_migrate_convergence_new (policy, &with_throttle);
  g_autoptr(VirtMigrateConvergence) c3 = virt_migrate_convergence_new (policy, &with_throttle);
  g_autoptr(GArray) seen = new_seen ();
  g_autoptr(GArray) seen2 = new_seen ();
  g_autoptr(GArray) seen3 = new_seen ();
  /* The throttled guest's dirty rate, MiB/s, at each pass's start
   * (QEMU's 30, 50 % from the ends of passes 2 and 4), each pass six
   * seconds of it. */
  static const guint64 throttled[] = { 0, 0, 8, 8, 6, 6, 4, 4 };

  g_test_summary ("With QEMU's auto-converge (30 %, then 20 more every second pass) a guest that needs "
                  "6 s of switch-over against the 5 s ceiling is not given up on at pass 3, as it is "
                  "without: not before the throttle is at its most (pass 11) and has had a pass to show "
                  "it; a guest the throttle slows is never given up on");
  for (guint pass = 1; pass <= 13; pass++)
    {
      if (count (seen, VIRT_MIGRATE_DECISION_ABORT) == 0)
        feed_dirty (c, seen, pass * 6.0, pass == 1 ? 100 * MIB : 48 * MIB, 8 * MIB, pass, pass == 1 ? 0 : 8 * MIB);
      feed_dirty (c2, seen2, pass * 6.0, pass == 1 ? 100 * MIB : 48 * MIB, 8 * MIB, pass, pass == 1 ? 0 : 8 * MIB);
      if (pass < G_N_ELEMENTS (throttled))
        feed_dirty (c3, seen3, pass * 6.0, pass == 1 ? 100 * MIB : throttled[pass] * 6 * MIB, 8 * MIB, pass,
                    throttled[pass] * MIB);
    }
  g_assert_cmpfloat (find (seen, VIRT_MIGRATE_DECISION_ABORT, 0)->at, ==, 18.0);
  g_assert_cmpuint (count (seen2, VIRT_MIGRATE_DECISION_ABORT), ==, 1);
  g_assert_cmpfloat (find (seen2, VIRT_MIGRATE_DECISION_ABORT, 0)->at, ==, 13 * 6.0);
  g_assert_nonnull (strstr (find (seen2, VIRT_MIGRATE_DECISION_LOG, 1)->message,
                            "auto-converge throttles the guest more every second pass (at its most from pass 11)"));
  g_assert_nonnull (strstr (find (seen2, VIRT_MIGRATE_DECISION_LOG, 2)->message,
                            "pass 12 starts with 48.0 MiB"));
  g_assert_cmpuint (count (seen3, VIRT_MIGRATE_DECISION_ABORT), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/virt-migrate/convergence/watching", test_watching);
  g_test_add_func ("/virt-migrate/convergence/stall-window-steps", test_stall_window_steps);
  g_test_add_func ("/virt-migrate/convergence/saw-tooth-no-step", test_saw_tooth_no_step);
  g_test_add_func ("/virt-migrate/convergence/hovering-no-step", test_hovering_no_step);
  g_test_add_func ("/virt-migrate/convergence/disk-copy-no-step", test_disk_copy_no_step);
  g_test_add_func ("/virt-migrate/convergence/passes-without-gain", test_passes_without_gain);
  g_test_add_func ("/virt-migrate/convergence/postcopy-after-last-step", test_postcopy_after_last_step);
  g_test_add_func ("/virt-migrate/convergence/timeout-actions", test_timeout_actions);
  g_test_add_func ("/virt-migrate/convergence/timeout-stuck", test_timeout_stuck);
  g_test_add_func ("/virt-migrate/convergence/bandwidth-schedule", test_bandwidth_schedule);
  g_test_add_func ("/virt-migrate/convergence/trace-converges", test_trace_converges);
  g_test_add_func ("/virt-migrate/convergence/trace-stall", test_trace_stall);
  g_test_add_func ("/virt-migrate/convergence/trace-hopeless", test_trace_hopeless);
  g_test_add_func ("/virt-migrate/convergence/abort-reason", test_abort_reason);
  g_test_add_func ("/virt-migrate/convergence/predict-fits", test_predict_fits);
  g_test_add_func ("/virt-migrate/convergence/predict-converging", test_predict_converging);
  g_test_add_func ("/virt-migrate/convergence/auto-converge", test_auto_converge);
  return g_test_run ();
}
