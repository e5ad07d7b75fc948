/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The progress unit: made-up samples for each rule, and traces recorded
 * on the test bed replayed through it. No libvirtd. */
#include <virt-migrate.h>

#include "trace.h"
#include "virt-migrate-progress.h"

#define MIB (1024 * 1024)

static VirtMigrateSample
sample (gint64 time_ms, guint64 total, guint64 remaining, guint64 memory_total, guint64 bps)
{
  VirtMigrateSample s = {
    .time = time_ms * 1000, .active = TRUE, .have_total = TRUE, .total = total,
    .remaining = remaining, .transferred = total - remaining, .memory_total = memory_total,
    .memory_bps = bps,
  };
  return s;
}

static void
test_memory_counted_from_start (void)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  VirtMigrateSample disks = sample (0, 48 * MIB, 40 * MIB, 0, 0);
  VirtMigrateSample memory = sample (1000, 112 * MIB, 60 * MIB, 64 * MIB, 8 * MIB);
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);

  g_test_summary ("While only disks are copied the guest's RAM is counted in, so the fraction "
                  "does not jump back when the memory phase begins");
  virt_migrate_progress_set_memory (p, 64 * MIB);
  g_assert_true (virt_migrate_progress_add_sample (p, &disks));
  g_assert_cmpuint (st->total, ==, 112 * MIB);
  g_assert_cmpuint (st->remaining, ==, 104 * MIB);
  g_assert_cmpfloat_with_epsilon (st->fraction, 8.0 / 112.0, 1e-9);
  g_assert_true (virt_migrate_progress_add_sample (p, &memory));
  g_assert_cmpuint (st->total, ==, 112 * MIB);
  g_assert_cmpfloat_with_epsilon (st->fraction, 52.0 / 112.0, 1e-9);
}

static void
test_never_backwards (void)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  VirtMigrateSample a = sample (0, 64 * MIB, 10 * MIB, 64 * MIB, 8 * MIB);
  VirtMigrateSample b = sample (250, 64 * MIB, 30 * MIB, 64 * MIB, 8 * MIB);
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);

  g_test_summary ("Re-dirtied pages make the remaining bytes grow: the raw numbers follow, the "
                  "fraction does not go back");
  virt_migrate_progress_add_sample (p, &a);
  virt_migrate_progress_add_sample (p, &b);
  g_assert_cmpuint (st->remaining, ==, 30 * MIB);
  g_assert_cmpuint (st->processed, ==, 34 * MIB);
  g_assert_cmpfloat_with_epsilon (st->fraction, 54.0 / 64.0, 1e-9);
}

static void
test_rate_and_time_left (void)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  VirtMigrateSample a = sample (0, 64 * MIB, 48 * MIB, 64 * MIB, 80 * MIB);
  VirtMigrateSample b = sample (2000, 64 * MIB, 32 * MIB, 64 * MIB, 80 * MIB);
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);

  g_test_summary ("The rate is the bytes moved over the window, not libvirt's instantaneous "
                  "figure (here 80 MiB/s); unknown (0) from one sample; time left is what "
                  "remains over that rate (4 s for 32 MiB at 8 MiB/s)");
  virt_migrate_progress_add_sample (p, &a);
  g_assert_cmpuint (st->rate, ==, 0);
  g_assert_cmpint (st->time_left, ==, 0);
  virt_migrate_progress_add_sample (p, &b);
  g_assert_cmpuint (st->rate, ==, 8 * MIB);
  g_assert_cmpint (st->time_left, ==, 4 * G_USEC_PER_SEC);
}

static void
test_rate_capped (void)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);

  g_test_summary ("A known cap (8 MiB/s): a burst of 16 MiB in 1 s reads no more than the cap "
                  "and measurement noise (5 %)");
  virt_migrate_progress_set_bandwidth_cap (p, 8 * MIB);
  for (guint i = 0; i < 3; i++)
    {
      VirtMigrateSample s = sample (i * 1000, 96 * MIB, 96 * MIB - i * 16 * MIB, 0, 160 * MIB);

      virt_migrate_progress_add_sample (p, &s);
      g_assert_cmpuint (st->rate, <=, 8 * MIB * 105 / 100);
    }
  g_assert_cmpuint (st->rate, >, 0);
}

static void
test_not_converging_unknown (void)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);

  g_test_summary ("A guest that dirties memory faster than the link in its second pass: the "
                  "time left is unknown (0), never a wrong small number");
  for (guint i = 0; i < 4; i++)
    {
      VirtMigrateSample s = sample (i * 1000, 128 * MIB, 45 * MIB, 128 * MIB, 0);

      s.transferred = 100 * MIB + i * 8 * MIB;
      s.iteration = 2;
      s.dirty_rate = 3072; /* pages/s of 4 KiB: 12 MiB/s */
      s.page_size = 4096;
      virt_migrate_progress_add_sample (p, &s);
    }
  g_assert_cmpuint (st->rate, ==, 8 * MIB);
  g_assert_cmpint (st->time_left, ==, 0);
}

static void
test_rate_from_window (void)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);

  g_test_summary ("Without libvirt's rate (a throttled block mirror), the rate is the bytes "
                  "moved over the last seconds; before two samples it is unknown and so is the "
                  "time left (0, never a wrong small number)");
  for (guint i = 0; i < 5; i++)
    {
      /* 16 MiB every 2 s: 8 MiB/s. */
      VirtMigrateSample s = sample (i * 2000, 96 * MIB, 96 * MIB - i * 16 * MIB, 0, 0);

      virt_migrate_progress_add_sample (p, &s);
      if (i == 0)
        {
          g_assert_cmpuint (st->rate, ==, 0);
          g_assert_cmpint (st->time_left, ==, 0);
        }
    }
  g_assert_cmpuint (st->rate, ==, 8 * MIB);
  /* 32 MiB of disk at 8 MiB/s, the expected end smoothed towards it. */
  g_assert_cmpint (st->time_left, >=, 3 * G_USEC_PER_SEC);
  g_assert_cmpint (st->time_left, <=, 5 * G_USEC_PER_SEC);
}

static void
test_inactive_ignored (void)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  VirtMigrateSample none = { .time = 0, .active = FALSE };
  VirtMigrateSample no_total = sample (0, 0, 0, 0, 0);
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);

  g_test_summary ("A sample of no job, or one without totals, changes nothing");
  no_total.have_total = FALSE;
  g_assert_false (virt_migrate_progress_add_sample (p, &none));
  g_assert_false (virt_migrate_progress_add_sample (p, &no_total));
  g_assert_cmpuint (st->total, ==, 0);
  g_assert_cmpfloat (st->fraction, ==, 0.0);
}

static void
test_complete (void)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  VirtMigrateSample s = sample (0, 112 * MIB, 50 * MIB, 64 * MIB, 8 * MIB);
  VirtMigrateSample final = sample (9000, 64 * MIB, 0, 64 * MIB, 0);
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);

  g_test_summary ("Completion: everything moved, fraction 1, the final downtime; a final total "
                  "that leaves out mirrored disks never shrinks the total");
  final.have_downtime = TRUE;
  final.downtime = 37;
  final.transferred = 130 * MIB;
  final.iteration = 4;
  virt_migrate_progress_add_sample (p, &s);
  virt_migrate_progress_complete (p, &final);
  g_assert_cmpuint (st->total, ==, 112 * MIB);
  g_assert_cmpuint (st->remaining, ==, 0);
  g_assert_cmpuint (st->processed, ==, 112 * MIB);
  g_assert_cmpuint (st->transferred, ==, 130 * MIB);
  g_assert_cmpfloat (st->fraction, ==, 1.0);
  g_assert_cmpuint (st->downtime, ==, 37);
  g_assert_cmpuint (st->iteration, ==, 4);
  g_assert_cmpint (st->time_left, ==, 0);
}

static void
test_iteration_monotonic (void)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  VirtMigrateSample s = sample (0, 64 * MIB, 10 * MIB, 64 * MIB, 8 * MIB);

  g_test_summary ("The memory pass only grows, from events and samples alike");
  virt_migrate_progress_iteration (p, 5);
  s.iteration = 3;
  virt_migrate_progress_add_sample (p, &s);
  g_assert_cmpuint (virt_migrate_progress_get_state (p)->iteration, ==, 5);
}

/* Every recorded sample through the unit: the fraction never goes back
 * and never claims more than libvirt reported moved. */
static void
replay (const char *name, gboolean with_memory)
{
  g_autoptr(GArray) samples = trace_load (name);
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);
  gdouble last = 0.0;
  guint used = 0;

  if (with_memory)
    virt_migrate_progress_set_memory (p, 64 * MIB);
  for (guint i = 0; i < samples->len; i++)
    {
      const VirtMigrateSample *s = &g_array_index (samples, VirtMigrateSample, i);

      if (!virt_migrate_progress_add_sample (p, s))
        continue;
      used++;
      g_assert_cmpfloat (st->fraction, >=, last);
      g_assert_cmpfloat (st->fraction, <=, 1.0);
      /* Never ahead of libvirt: at most the best processed/total seen so far. */
      g_assert_cmpfloat (st->fraction * st->total, <=, (gdouble) st->total);
      last = st->fraction;
    }
  g_assert_cmpuint (used, >, 5);
  g_test_message ("%s: %u samples, last fraction %.3f, rate %.1f MiB/s", name, used, last,
                  st->rate / (gdouble) MIB);
}

static void
test_trace_storage (void)
{
  g_autoptr(GArray) samples = trace_load ("storage");
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);
  gint64 start = -1, end = 0;

  g_test_summary ("A recorded storage copy (8 MiB/s cap, 16 MiB mirror batches, statistics "
                  "blocked for seconds) replays with a monotonic fraction within [0, 1], a rate "
                  "never above the cap, and an expected end that is known once data moved");
  replay ("storage", TRUE);
  virt_migrate_progress_set_bandwidth_cap (p, 8 * MIB);
  for (guint i = 0; i < samples->len; i++)
    {
      const VirtMigrateSample *s = &g_array_index (samples, VirtMigrateSample, i);

      if (start < 0 && s->total > 0)
        start = s->time;
      if (s->total > 0 && s->remaining == 0 && end == 0)
        end = s->time;
    }
  for (guint i = 0; i < samples->len; i++)
    {
      const VirtMigrateSample *s = &g_array_index (samples, VirtMigrateSample, i);

      if (!virt_migrate_progress_add_sample (p, s) || s->total == 0)
        continue;
      g_assert_cmpuint (st->rate, <=, 8 * MIB * 105 / 100);
      if (s->time > start + 2 * G_USEC_PER_SEC && s->remaining > 0)
        {
          gdouble error = ((s->time + st->time_left) - end) / (gdouble) (end - start);

          g_test_message ("at %.1f s: %.1f MiB/s, expected end %+.0f %% of the wall time",
                          (s->time - start) / 1e6, st->rate / (gdouble) MIB, error * 100);
          g_assert_cmpint (st->time_left, >, 0);
        }
    }
}

static void
test_trace_hopeless (void)
{
  g_test_summary ("A recorded guest that dirties faster than the link: the fraction stays put "
                  "while libvirt's remaining bytes go up and down");
  replay ("hopeless", FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/virt-migrate/progress/memory-counted-from-start", test_memory_counted_from_start);
  g_test_add_func ("/virt-migrate/progress/never-backwards", test_never_backwards);
  g_test_add_func ("/virt-migrate/progress/rate-and-time-left", test_rate_and_time_left);
  g_test_add_func ("/virt-migrate/progress/rate-capped", test_rate_capped);
  g_test_add_func ("/virt-migrate/progress/not-converging-unknown", test_not_converging_unknown);
  g_test_add_func ("/virt-migrate/progress/rate-from-window", test_rate_from_window);
  g_test_add_func ("/virt-migrate/progress/inactive-ignored", test_inactive_ignored);
  g_test_add_func ("/virt-migrate/progress/complete", test_complete);
  g_test_add_func ("/virt-migrate/progress/iteration-monotonic", test_iteration_monotonic);
  g_test_add_func ("/virt-migrate/progress/trace-storage", test_trace_storage);
  g_test_add_func ("/virt-migrate/progress/trace-hopeless", test_trace_hopeless);
  return g_test_run ();
}
