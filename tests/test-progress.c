/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The progress unit: made-up samples for each rule, and traces recorded
 * on the test bed replayed through it. No libvirtd. */
#include <string.h>

#include <virt-migrate.h>

#include "trace.h"
#include "virt-migrate-dirty-prior.h"
#include "virt-migrate-growth.h"
#include "virt-migrate-link-pace.h"
#include "virt-migrate-progress.h"

#define MIB (1024 * 1024)
/* The model's libvirt finish after the memory (FINISH_US in
 * plugin/virt-migrate-progress.c). */
#define FINISH_US (250 * 1000)

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
                  "remains over that rate and libvirt's finish (4 s for 32 MiB of memory at "
                  "8 MiB/s, and 0.25 s)");
  virt_migrate_progress_add_sample (p, &a);
  g_assert_cmpuint (st->rate, ==, 0);
  g_assert_cmpint (st->time_left, ==, 0);
  virt_migrate_progress_add_sample (p, &b);
  g_assert_cmpuint (st->rate, ==, 8 * MIB);
  g_assert_cmpint (st->time_left, ==, 4 * G_USEC_PER_SEC + FINISH_US);
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
  /* 32 MiB of disk at 8 MiB/s and libvirt's finish, the expected end
   * smoothed towards it. */
  g_assert_cmpint (st->time_left, >=, 3500 * 1000);
  g_assert_cmpint (st->time_left, <=, 4 * G_USEC_PER_SEC + FINISH_US + 500 * 1000);
}

static void
test_throttled_mirror (gconstpointer data)
{
  /* 0: every poll answered; 1: the statistics blocked for the first 5 s;
   * 2: from 4.8 s to 9.7 s (both seen on the test bed); 3, 4: the cap
   * changed at 5 s to 4 or 16 MiB/s (SetMaxSpeed), which libvirt 9.0 does
   * not apply to the mirrors. */
  int mode = GPOINTER_TO_INT (data);
  int blocked = mode <= 2 ? mode : 0;
  guint64 highest = 0;
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);
  /* The first batch 1 s after the call (as on 5 Dec's test bed); the
   * disks end 12 s after it (96 MiB at 8 MiB/s), then the memory (uncapped
   * after a storage copy: no time to speak of) and libvirt's finish. */
  gint64 truth = (1000 + 12000) * 1000LL + FINISH_US;

  g_test_summary ("QEMU's throttled mirror (8 MiB/s cap) reports 16 MiB batches every 2 s, the "
                  "first 1 s after the call: from the migration's start on (before any sample), the expected "
                  "end stays within 0.3 s of the disks' real end plus the memory and finish to "
                  "come, between batches as at them, also when the statistics blocked for the "
                  "first 5 s or from 4.8 to 9.7 s (batches seen late owe nothing more), or when "
                  "the cap changed to 4 or 16 MiB/s at 5 s: libvirt 9.0 leaves the mirrors at the "
                  "cap of the call, and the rate shown after it is theirs (with the new cap the end "
                  "read 12 s late or 0.5 s early, the rate was held to 4 MiB/s)");
  virt_migrate_progress_set_memory (p, 64 * MIB);
  virt_migrate_progress_set_bandwidth_cap (p, 8 * MIB);
  virt_migrate_progress_start (p, 0, 96 * MIB);
  g_assert_cmpint (ABS (st->time_left - truth), <=, 300 * 1000);
  g_assert_cmpint (st->phase, ==, VIRT_MIGRATE_PHASE_COPYING_DISKS);
  for (gint64 t = blocked == 1 ? 5500 : 0; t < 13000; t += 250)
    {
      /* Batch k (16 MiB) reported at 1 + 2k s. */
      guint64 batches = t < 1000 ? 0 : MIN ((guint64) (t - 1000) / 2000 + 1, 6);
      VirtMigrateSample s = sample (t, 96 * MIB, 96 * MIB - batches * 16 * MIB, 0, 0);

      if (blocked == 2 && t > 4800 && t < 9750)
        continue;
      if (mode >= 3 && t == 5000)
        virt_migrate_progress_set_bandwidth_cap (p, (mode == 3 ? 4 : 16) * MIB);
      s.transferred = batches * 16 * MIB;
      g_assert_true (virt_migrate_progress_add_sample (p, &s));
      g_assert_cmpuint (st->rate, <=, 8 * MIB * 105 / 100);
      if (t >= 2000 || blocked)
        {
          g_assert_cmpint (st->time_left, >, 0);
          g_assert_cmpint (ABS (s.time + st->time_left - truth), <=, 300 * 1000);
        }
      if (t > 7000)
        highest = MAX (highest, st->rate);
    }
  /* The mirrors' rate, after the change too. */
  g_assert_cmpuint (highest, >=, 7 * MIB);
}

/* QEMU's capped mirror as libvirt shows it, sampled every 250 ms: batch k
 * of 16 MiB (the disk's remainder for the last) begins at
 * first_ms + k * 16 MiB / cap and is seen, in parts, at the samples
 * after. */
typedef struct {
  guint        disk_mib;
  guint        cap_mib;
  const guint *parts;    /* MiB seen at each sample from a batch's start, 0-terminated */
  gint64       first_ms; /* the first batch's start after the call */
} MirrorCase;

static void
test_mirror_batches (gconstpointer data)
{
  const MirrorCase *c = data;
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);
  guint n = (c->disk_mib + 15) / 16;
  /* The disks end when the last batch has owed the cap its time; then the
   * memory (uncapped after a storage copy: nothing under a cap) and
   * libvirt's finish. */
  gint64 last_start = c->first_ms + (gint64) (n - 1) * 16 * 1000 / c->cap_mib;
  gint64 truth = (last_start + (gint64) (c->disk_mib - (n - 1) * 16) * 1000 / c->cap_mib) * 1000 + FINISH_US;
  gint64 worst = 0;

  g_test_summary ("QEMU's capped mirror writes 16 MiB batches (the disk's remainder last), each "
                  "owing the cap its time from its start: a batch seen in two parts in "
                  "consecutive samples (10 and 6 MiB, as under load) is one batch, dated from its "
                  "first part, and a short last batch owes its own size, not the pace's: from the "
                  "second batch on the expected end stays within 0.3 s of the real one, also when "
                  "the mirror began sooner than the model's set-up (its own start counts then)");
  virt_migrate_progress_set_memory (p, 64 * MIB);
  virt_migrate_progress_set_bandwidth_cap (p, c->cap_mib * MIB);
  virt_migrate_progress_start (p, 0, c->disk_mib * MIB);
  for (gint64 t = 250; t < truth / 1000; t += 250)
    {
      guint64 done = 0;
      VirtMigrateSample s;

      for (guint k = 0; k < n; k++)
        {
          gint64 begins = c->first_ms + (gint64) k * 16 * 1000 / c->cap_mib;
          guint64 size = MIN (16u, c->disk_mib - k * 16);
          guint64 seen = 0;

          /* The samples after the batch began, in order. */
          for (guint i = 0; c->parts[i] != 0 && t > begins + (gint64) i * 250; i++)
            seen += c->parts[i];
          done += MIN (seen, size);
        }
      s = sample (t, c->disk_mib * MIB, (c->disk_mib - done) * MIB, 0, 0);
      s.transferred = done * MIB;
      g_assert_true (virt_migrate_progress_add_sample (p, &s));
      if (t > c->first_ms + 16 * 1000 / c->cap_mib + 250)
        {
          g_assert_cmpint (st->time_left, >, 0);
          worst = MAX (worst, ABS (s.time + st->time_left - truth));
        }
    }
  g_test_message ("%u MiB at %u MiB/s: the expected end at most %.2f s off", c->disk_mib, c->cap_mib,
                  worst / 1e6);
  g_assert_cmpint (worst, <=, 300 * 1000);
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

/* A storage copy as QEMU's capped mirror reports it (16 MiB batches every
 * 2 s at 8 MiB/s, sampled every 250 ms); @odd: one odd sample at 4.5 s,
 * libvirt's remaining bytes 48 MiB too high for one statistics call (a
 * re-read after a stall, as seen under load). The expected end at each
 * sample from 4.5 to 6 s, in @ends. */
static void
odd_run (gboolean odd, gint64 *ends)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);

  virt_migrate_progress_set_memory (p, 64 * MIB);
  virt_migrate_progress_set_bandwidth_cap (p, 8 * MIB);
  virt_migrate_progress_start (p, 0, 96 * MIB);
  for (gint64 t = 250; t <= 6000; t += 250)
    {
      guint64 done = MIN ((guint64) (1 + (t - 300) / 2000) * 16 * MIB, 96 * MIB);
      VirtMigrateSample s = sample (t, 96 * MIB, 96 * MIB - (t >= 300 ? done : 0), 0, 0);

      if (odd && t == 4500)
        s.remaining += 48 * MIB;
      virt_migrate_progress_add_sample (p, &s);
      if (t >= 4500)
        ends[(t - 4500) / 250] = t * 1000 + st->time_left;
    }
}

static void
test_odd_sample (void)
{
  gint64 plain[7] = { 0 }, odd[7] = { 0 }, worst = 0;

  g_test_summary ("One odd statistics sample (remaining 48 MiB too high) moves the expected end by "
                  "less than 0.2 s (it was 1.2 s): the median of the last three estimates outvotes it, and "
                  "the batch it hid, seen a sample late, is not read as a slower link");
  odd_run (FALSE, plain);
  odd_run (TRUE, odd);
  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    {
      g_assert_cmpint (plain[i], >, 0);
      worst = MAX (worst, ABS (odd[i] - plain[i]));
    }
  g_test_message ("the odd sample moved the expected end by at most %.2f s", worst / 1e6);
  /* (All it hid: when the batch came, now known to a half-second window
   * instead of a quarter, its midpoint an eighth of a second later.) */
  g_assert_cmpint (worst, <, G_USEC_PER_SEC / 5);
}

/* Every recorded sample through the unit: the fraction never goes back
 * and never claims more than libvirt reported moved. @with_memory: the
 * storage trace (64 MiB of RAM, 96 MiB of disks). */
static void
replay (const char *name, gboolean with_memory)
{
  g_autoptr(GArray) samples = trace_load (name);
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);
  gdouble last = 0.0, best = 0.0;
  guint used = 0;

  /* As the job does: the guest's RAM, and the disks to copy from the
   * call on (the trace's clock starts with it). */
  if (with_memory)
    {
      virt_migrate_progress_set_memory (p, 64 * MIB);
      virt_migrate_progress_start (p, 0, 96 * MIB);
    }
  for (guint i = 0; i < samples->len; i++)
    {
      const VirtMigrateSample *s = &g_array_index (samples, VirtMigrateSample, i);
      guint64 total = s->total, remaining = s->remaining;

      if (!virt_migrate_progress_add_sample (p, s))
        continue;
      used++;
      /* What libvirt reported done, worked out here from the raw sample
       * (the guest's RAM counted in while libvirt leaves it out). */
      if (with_memory && s->memory_total == 0)
        {
          total += 64 * MIB;
          remaining += 64 * MIB;
        }
      if (total > 0)
        best = MAX (best, (gdouble) (total - MIN (remaining, total)) / (gdouble) total);
      g_assert_cmpfloat (st->fraction, >=, last);
      g_assert_cmpfloat (st->fraction, <=, 1.0);
      /* Never ahead of libvirt: at most the best processed/total seen so far. */
      g_assert_cmpfloat (st->fraction, <=, best + 1e-9);
      last = st->fraction;
    }
  g_assert_cmpuint (used, >, 5);
  g_test_message ("%s: %u samples, last fraction %.3f, rate %.1f MiB/s", name, used, last,
                  st->rate / (gdouble) MIB);
}

/* The number after @prefix in the trace's header (@prefix a whole
 * comment's start, "# ... "), in *@value; %FALSE if the header has none. */
static gboolean
trace_header_number (const char *name, const char *prefix, guint64 *value)
{
  g_autofree char *file = g_strconcat (name, ".trace", NULL);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "traces", file, NULL);
  g_autofree char *text = NULL;
  const char *at;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  at = strstr (text, prefix);
  *value = at != NULL ? g_ascii_strtoull (at + strlen (prefix), NULL, 10) : 0;
  return at != NULL;
}

/* "# the job ended at N ms" in the trace's header, µs. */
static gint64
trace_end (const char *name)
{
  guint64 ms;

  g_assert_true (trace_header_number (name, "# the job ended at ", &ms));
  return (gint64) ms * 1000;
}

/* @data: the trace's name: "storage" (4 Dec), or "storage-split", a run
 * of eta-loaded (both CPUs busy) whose mirror batches were seen in two
 * parts (-20 % at 75 % before they were read as one). */
static void
test_trace_storage (gconstpointer data)
{
  const char *name = data;
  g_autoptr(GArray) samples = trace_load (name);
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);
  gint64 end = trace_end (name), start = -1;

  g_test_summary ("A recorded storage copy (96 MiB disk, 64 MiB of RAM, 8 MiB/s cap, 16 MiB "
                  "mirror batches, statistics blocked for the last seconds or batches seen in "
                  "two parts) replays with a rate never above the cap and, from 2 s on, an "
                  "expected end within 20 % of the time that was really left (0.1 s in the "
                  "last half second, two samples' worth)");
  replay (name, TRUE);
  virt_migrate_progress_set_memory (p, 64 * MIB);
  virt_migrate_progress_set_bandwidth_cap (p, 8 * MIB);
  /* The trace's clock starts with the migration call. */
  virt_migrate_progress_start (p, 0, 96 * MIB);
  for (guint i = 0; i < samples->len; i++)
    {
      const VirtMigrateSample *s = &g_array_index (samples, VirtMigrateSample, i);

      if (!virt_migrate_progress_add_sample (p, s) || s->total == 0)
        continue;
      if (start < 0)
        start = s->time;
      g_assert_cmpuint (st->rate, <=, 8 * MIB * 105 / 100);
      if (s->time > start + 2 * G_USEC_PER_SEC)
        {
          gdouble error = ((s->time + st->time_left) - end) / (gdouble) (end - s->time);

          g_test_message ("at %.2f s: %.1f MiB/s, %.0f MiB left, expected end at %.2f s, %+.0f %% of "
                          "the time left", s->time / 1e6, st->rate / (gdouble) MIB,
                          st->remaining / (gdouble) MIB, (s->time + st->time_left) / 1e6, error * 100);
          g_assert_cmpint (st->time_left, >, 0);
          /* 20 %, or a quarter second in the last second or so: what
           * follows the disks (QEMU's memory migration, libvirt's finish)
           * took 0.35 to 0.8 s beyond their end in the copies of 5 Dec,
           * 0.3 s in the one of 4 Dec, and one constant serves both
           * (0.35 s counted). */
          g_assert_cmpfloat (ABS (error), <=, MAX (0.2, G_USEC_PER_SEC / 4.0 / (end - s->time)));
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

/* A first-pass sample of a memory-only migration under a 16 MiB/s cap: 256
 * MiB of RAM, @sent_mib sent whole, @scanned_mib scanned, QEMU holding
 * @resident_mib. */
static VirtMigrateSample
memory_sample (gint64 time_ms, guint64 sent_mib, guint64 scanned_mib, guint64 resident_mib, guint64 iteration)
{
  VirtMigrateSample s = sample (time_ms, 256 * MIB, (256 - scanned_mib) * MIB, 256 * MIB, 16 * MIB);

  s.transferred = sent_mib * MIB;
  s.memory_normal = sent_mib * MIB / 4096;
  s.memory_constant = (scanned_mib - sent_mib) * MIB / 4096;
  s.resident = resident_mib * MIB;
  s.page_size = 4096;
  s.iteration = iteration;
  return s;
}

/* @s again and again, 10 ms apart: the smoothed expected end settles on
 * the model's. */
static void
settle (VirtMigrateProgress *p, VirtMigrateSample s)
{
  for (guint i = 0; i < 24; i++)
    {
      g_assert_true (virt_migrate_progress_add_sample (p, &s));
      s.time += 10000;
    }
}

/* The passes after a first one @pass s long, under a 16 MiB/s cap with
 * QEMU's default 300 ms downtime, from a guest dirtying @dirty MiB/s: each
 * resends what was dirtied during the one before, until what is left fits
 * the downtime (that goes while the guest is paused: the finish). The
 * last pass is sent at the cap only down to 0.9 of the downtime's worth
 * if it is the second, 0.5 if a later one (QEMU switches over there,
 * mid-pass). */
static gint64
later_passes_us (gdouble dirty, gdouble pass)
{
  gdouble x = dirty * pass, t = 0;

  for (guint n = 0; x > 16 * 0.3; n++)
    {
      gdouble fits = 16 * 0.3 * (n == 0 ? 0.9 : 0.5);

      if (dirty * x / 16 <= fits)
        {
          t += (x - fits) / 16; /* fits < 16 * 0.3 < x */
          break;
        }
      t += x / 16;
      x = dirty * x / 16;
    }
  return (gint64) (t * G_USEC_PER_SEC);
}

/* A guest 16 MiB into its first pass (20 MiB scanned, 84 MiB ahead),
 * 1.24 s after the call (its first sample at 1 s: the pass began at 0.5 s,
 * for all the unit knows), with QEMU's sampled dirty count @sampled MiB/s
 * (0: none yet, unless @measured): the time left. */
/* What a stand-in policy does for a guest dirtying 0.8 of the link or
 * more (as the real one's passes that do not shrink enough): nothing,
 * raise the downtime, or give up (@user_data: a FastAction). It does
 * nothing for the others. */
typedef enum { FAST_NOTHING, FAST_RAISES, FAST_GIVES_UP } FastAction;

static VirtMigrateForecast
forecast_fast_only (guint64 start, guint64 rate, guint64 dirty, guint64 *downtime, gpointer user_data)
{
  FastAction action = GPOINTER_TO_INT (user_data);

  if (dirty * 5 < rate * 4 || action == FAST_NOTHING)
    return VIRT_MIGRATE_FORECAST_NOTHING;
  return action == FAST_RAISES ? VIRT_MIGRATE_FORECAST_DOWNTIME : VIRT_MIGRATE_FORECAST_GIVE_UP;
}

static gint64
first_pass_left_full (guint64 sampled, gboolean measured, gboolean policy, FastAction action)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  VirtMigrateSample s;

  virt_migrate_progress_set_memory (p, 256 * MIB);
  virt_migrate_progress_set_bandwidth_cap (p, 16 * MIB);
  virt_migrate_progress_set_resident (p, 140 * MIB, FALSE);
  if (policy)
    virt_migrate_progress_set_forecast (p, forecast_fast_only, GINT_TO_POINTER (action));
  virt_migrate_progress_start (p, 0, 0);
  s = memory_sample (1000, 16, 20, 140, 1);
  s.dirty_sampled = sampled * MIB;
  s.dirty_measured = measured;
  settle (p, s);
  return virt_migrate_progress_get_state (p)->time_left;
}

static gint64
first_pass_left_policy (guint64 sampled, gboolean policy, FastAction action)
{
  return first_pass_left_full (sampled, sampled > 0, policy, action);
}

static gint64
first_pass_left (guint64 sampled)
{
  return first_pass_left_policy (sampled, FALSE, FAST_NOTHING);
}

static void
test_sample_measured (void)
{
  VirtMigrateSample s;
  g_autofree char *line = NULL;

  g_test_summary ("A trace keeps QEMU's sampled dirty rate of 0 apart from none measured; older traces, "
                  "without the column, read a 0 as none");
  g_assert_true (virt_migrate_sample_parse ("2000 1 100 90 10 100 5 0 0 4096 1 0 1 2 3 0 1", &s));
  g_assert_true (s.dirty_measured);
  g_assert_cmpuint (s.dirty_sampled, ==, 0);
  g_assert_true (virt_migrate_sample_parse ("2000 1 100 90 10 100 5 0 0 4096 1 0 1 2 3 0", &s));
  g_assert_false (s.dirty_measured);
  g_assert_true (virt_migrate_sample_parse ("2000 1 100 90 10 100 5 0 0 4096 1 0 1 2 3 1048576", &s));
  g_assert_true (s.dirty_measured);
  s.dirty_sampled = 0;
  s.dirty_measured = TRUE;
  line = virt_migrate_sample_format (&s);
  g_assert_true (virt_migrate_sample_parse (line, &s));
  g_assert_true (s.dirty_measured);
}

static void
test_sample_vcpus (void)
{
  VirtMigrateSample s;
  g_autofree char *line = NULL;

  g_test_summary ("A trace keeps how busy the guest's vCPUs were (permille), -1 while not known, and how "
                  "long QEMU sampled the dirty rate; older traces, without the columns, know neither (2 s)");
  g_assert_true (virt_migrate_sample_parse ("2000 1 100 90 10 100 5 0 0 4096 1 0 1 2 3 0 1 982", &s));
  g_assert_true (s.vcpu_measured);
  g_assert_cmpuint (s.vcpu_busy, ==, 982);
  g_assert_cmpuint (s.dirty_seconds, ==, 0);
  g_assert_true (virt_migrate_sample_parse ("2000 1 100 90 10 100 5 0 0 4096 1 0 1 2 3 0 1 -1", &s));
  g_assert_false (s.vcpu_measured);
  g_assert_true (virt_migrate_sample_parse ("2000 1 100 90 10 100 5 0 0 4096 1 0 1 2 3 0 1", &s));
  g_assert_false (s.vcpu_measured);
  s.vcpu_busy = 0;
  s.vcpu_measured = TRUE;
  s.dirty_seconds = 4;
  line = virt_migrate_sample_format (&s);
  g_assert_true (g_str_has_suffix (line, " 1 0 4"));
  g_assert_true (virt_migrate_sample_parse (line, &s));
  g_assert_true (s.vcpu_measured);
  g_assert_cmpuint (s.dirty_seconds, ==, 4);
  s.vcpu_measured = FALSE;
  g_clear_pointer (&line, g_free);
  line = virt_migrate_sample_format (&s);
  g_assert_true (g_str_has_suffix (line, " -1 4"));
}

/* The first pass's dirty rate for QEMU's figure @count MiB/s over a link
 * of @link MiB/s, sampled over @seconds (0: 2) or not yet (@measured
 * FALSE), the vCPUs @busy (negative: not known), in MiB/s. */
static gdouble
prior_full (gdouble link, guint64 count, gboolean measured, guint64 seconds, gdouble busy)
{
  gdouble converging;

  return virt_migrate_dirty_prior_estimate (link * MIB, 0, count * MIB, measured, seconds, busy, link * MIB,
                                            &converging) / MIB;
}

/* The same for a 2-s count. */
static gdouble
prior (gdouble link, guint64 count, gdouble busy)
{
  return prior_full (link, count, TRUE, 0, busy);
}

/* The same for a guest that dirtied @learnt MiB/s in its last migration's
 * first pass, a 4-s count. */
static gdouble
prior_learnt (gdouble link, gdouble learnt, guint64 count, gboolean measured, gdouble busy)
{
  gdouble converging;

  return virt_migrate_dirty_prior_estimate (link * MIB, learnt * MIB, count * MIB, measured, 4, busy, link * MIB,
                                            &converging) / MIB;
}

static void
test_dirty_prior_learnt (void)
{
  g_test_summary ("A guest migrated before: its own first-pass dirty rate (0.85 of it, shape 4) is the "
                  "prior in place of a fifth of the link, QEMU's count weighed against it; vCPUs that "
                  "hardly ran still make it idle");
  /* Before the count: 0.85 of the 4 MiB/s it dirtied last time, not a
   * fifth of the 16 MiB/s link (3.2), however busy its vCPUs. */
  g_assert_cmpfloat_with_epsilon (prior_learnt (16, 4, 0, FALSE, -1), 3.4, 0.001);
  g_assert_cmpfloat_with_epsilon (prior_learnt (16, 4, 0, FALSE, 1.0), 3.4, 0.001);
  g_assert_cmpfloat_with_epsilon (prior_learnt (16, 0, 0, FALSE, 1.0), 3.2, 0.001);
  /* A 4-s figure of 2 (read as 3, a figure as a migration starts: a count
   * of 6.5 worth 6.5 / 1.5, over 4/3 of two seconds): (4 + 6.5 / 1.5) /
   * (4 / 3.4 + 4 / 3) with it, (2 + 6.5 / 1.5) / (2 / 3.2 + 4 / 3) without. */
  g_assert_cmpfloat_with_epsilon (prior_learnt (16, 4, 2, TRUE, 1.0), (4 + 6.5 / 1.5) / (4 / 3.4 + 4.0 / 3), 0.001);
  g_assert_cmpfloat_with_epsilon (prior_learnt (16, 0, 2, TRUE, 1.0), (2 + 6.5 / 1.5) / (2 / 3.2 + 4.0 / 3), 0.001);
  /* A guest that hardly dirtied last time, now counted at 8 MiB/s (read
   * as 9: a count of 18.5 worth 18.5 / 1.5): one that changed, not held
   * near its old rate; read as 9 of a 16 MiB/s link, the fast kind's
   * (a prior of 24 MiB/s, as any guest's). */
  g_assert_cmpfloat_with_epsilon (prior_learnt (16, 0.2, 8, TRUE, 1.0), (2 + 18.5 / 1.5) / (2 / 24.0 + 4.0 / 3),
                                  0.001);
  /* vCPUs that hardly ran: idle now, whatever it did before. */
  g_assert_cmpfloat_with_epsilon (prior_learnt (16, 4, 0, FALSE, 0.01), 0.1, 0.001);
  /* The link's rate not known yet: no estimate. */
  g_assert_cmpfloat (prior_learnt (0, 4, 0, FALSE, 1.0), ==, 0);
}

static void
test_dirty_prior_vcpus (void)
{
  g_test_summary ("A count of 0 from vCPUs that ran a quarter of their time or more is a converging "
                  "guest's, from vCPUs that hardly ran an idle guest's whatever the link; between, "
                  "or not known, the count alone decides");
  /* 16 MiB/s: a count of 0 reads as an idle guest's (0.1 MiB/s: (2 + 0) /
   * (2 / 0.1 + 1)), unless the vCPUs ran: then a converging one's, a
   * fifth of the link taken down by the count ((2 + 0) / (2 / 3.2 + 1)). */
  g_assert_cmpfloat_with_epsilon (prior (16, 0, -1), 2.0 / 21, 0.001);
  g_assert_cmpfloat_with_epsilon (prior (16, 0, 0.1), 2.0 / 21, 0.001);
  g_assert_cmpfloat_with_epsilon (prior (16, 0, 1.0), 2.0 / 1.625, 0.001);
  g_assert_cmpfloat_with_epsilon (prior (16, 0, 0.25), 2.0 / 1.625, 0.001);
  /* 4 MiB/s: a converging guest counts 0 often enough to be the likelier
   * ((2 + 0) / (2 / 0.8 + 1)), unless the vCPUs hardly ran. */
  g_assert_cmpfloat_with_epsilon (prior (4, 0, -1), 2.0 / 3.5, 0.001);
  g_assert_cmpfloat_with_epsilon (prior (4, 0, 0.01), 2.0 / 21, 0.001);
  /* A count above 0 is the count's, busy or not. */
  g_assert_cmpfloat_with_epsilon (prior (16, 4, 0.01), 6.0 / 1.625, 0.001);
  g_assert_cmpfloat_with_epsilon (prior (16, 4, 1.0), 6.0 / 1.625, 0.001);
}

static void
test_dirty_prior_seconds (void)
{
  g_test_summary ("Before QEMU's count, vCPUs that hardly ran are an idle guest's (busy ones, or not known: "
                  "the converging prior, a fifth of the link); a count over 4 s is QEMU's figure r "
                  "halved from a count of 2r or 2r + 1 over twice the time: the same figure moves the "
                  "estimate further from the prior than over 2 s");
  g_assert_cmpfloat_with_epsilon (prior_full (16, 0, FALSE, 0, 0.01), 0.1, 0.001);
  g_assert_cmpfloat_with_epsilon (prior_full (16, 0, FALSE, 0, 1.0), 3.2, 0.001);
  g_assert_cmpfloat_with_epsilon (prior_full (16, 0, FALSE, 0, -1), 3.2, 0.001);
  g_assert_cmpfloat_with_epsilon (prior_full (16, 0, FALSE, 0, 0.1), 3.2, 0.001);
  /* 16 MiB/s, a figure of 6 MiB/s: (2 + 6) / (2 / 3.2 + 1) over 2 s,
   * over 4 s (read as 7, QEMU's figure as a migration starts reading low:
   * a count of 14.5 over twice the time, spreading 1.5 times a Poisson
   * count's) (2 + 14.5 / 1.5) / (2 / 3.2 + 2 / 1.5). */
  g_assert_cmpfloat_with_epsilon (prior_full (16, 6, TRUE, 2, 1.0), 8 / 1.625, 0.001);
  g_assert_cmpfloat_with_epsilon (prior_full (16, 6, TRUE, 0, 1.0), 8 / 1.625, 0.001);
  g_assert_cmpfloat_with_epsilon (prior_full (16, 6, TRUE, 4, 1.0), (2 + 14.5 / 1.5) / (0.625 + 2 / 1.5), 0.001);
  /* A figure of 0 over 4 s from idle vCPUs: an idle guest's still. */
  g_assert_cmpfloat_with_epsilon (prior_full (16, 0, TRUE, 4, 0.01), (2 + 2.5 / 1.5) / (20 + 2 / 1.5), 0.001);
}

static void
test_growth_steps (void)
{
  VirtMigrateGrowth g = { 0 };
  gdouble lowest = G_MAXDOUBLE, highest = 0;

  g_test_summary ("A resident set growing in 2-MiB steps (transparent huge pages), one every 2 s, "
                  "reads as about 1 MiB/s between the steps, not 0 and 2 by turns; once the steps stop "
                  "it fades as the window slides past them, and one that grew fast is over once no step "
                  "has come for twice a step's time");
  /* Read every 250 ms for 12 s: a step 1.5 or 2.5 s after the one before
   * (at 1, 2.5, 5, 6.5, 9 and 10.5 s: about 1 MiB/s). */
  const gint64 steps[] = { 1000, 2500, 5000, 6500, 9000, 10500 };

  for (gint64 t = 0; t <= 12000; t += 250)
    {
      guint64 resident = 100 * MIB;
      gdouble rate;

      for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
        resident += t >= steps[i] ? 2 * MIB : 0;

      virt_migrate_growth_add (&g, t * 1000, resident);
      rate = virt_migrate_growth_rate (&g, t * 1000, resident);
      if (t >= 4000)
        {
          lowest = MIN (lowest, rate);
          highest = MAX (highest, rate);
        }
    }
  g_assert_cmpfloat (lowest, >, 0.6 * MIB);
  g_assert_cmpfloat (highest, <, 1.5 * MIB);
  /* No step after 10.5 s: the slope over the last 8 s fades (half of it by
   * 16 s), and is none once the window holds no step (from 18.5 s). */
  for (gint64 t = 12250; t <= 19000; t += 250)
    {
      virt_migrate_growth_add (&g, t * 1000, 112 * MIB);
      if (t == 16000)
        g_assert_cmpfloat (virt_migrate_growth_rate (&g, t * 1000, 112 * MIB), <=, 0.5 * MIB);
    }
  g_assert_cmpfloat (virt_migrate_growth_rate (&g, 19000 * 1000, 112 * MIB), ==, 0);

  /* 4 MiB/s (a step every half second) for 3 s, then none: still read
   * 1 s on, over 2 s on (twice the time a step takes at the slope the
   * window then reads, 2.4 MiB/s), not 8 s on. */
  memset (&g, 0, sizeof g);
  for (gint64 t = 0; t <= 3000; t += 250)
    virt_migrate_growth_add (&g, t * 1000, (100 + 2 * (t / 500)) * MIB);
  g_assert_cmpfloat (virt_migrate_growth_rate (&g, 3000 * 1000, 112 * MIB), >, 3 * MIB);
  for (gint64 t = 3250; t <= 5000; t += 250)
    {
      virt_migrate_growth_add (&g, t * 1000, 112 * MIB);
      if (t == 4000)
        g_assert_cmpfloat (virt_migrate_growth_rate (&g, t * 1000, 112 * MIB), >, 2 * MIB);
    }
  g_assert_cmpfloat (virt_migrate_growth_rate (&g, 5000 * 1000, 112 * MIB), ==, 0);
}

static void
test_memory_model (void)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);
  VirtMigrateSample s;

  g_test_summary ("The first memory pass's payload is QEMU's resident set less its own 40 MiB, known "
                  "from the migration call on; what went and what the scan passed are taken off; the "
                  "later passes resend what the guest dirties (before QEMU measures it, a fifth of the "
                  "link, moved towards QEMU's sampled count), a series cut where what is left fits "
                  "the downtime; then libvirt's finish");
  virt_migrate_progress_set_memory (p, 256 * MIB);
  virt_migrate_progress_set_bandwidth_cap (p, 16 * MIB);
  virt_migrate_progress_set_resident (p, 140 * MIB, FALSE);
  virt_migrate_progress_start (p, 0, 0);
  /* QEMU's setup, 100 MiB at 16 MiB/s (6.25 s: 7 s), the passes after
   * it (the guest taken to dirty a fifth of the link, 3.2 MiB/s, during
   * the 6.25 s: pages are logged from the setup on), libvirt's finish. */
  g_assert_cmpint (ABS (st->time_left - (7000000 + later_passes_us (3.2, 6.25) + FINISH_US)), <, 1000);

  /* 16 MiB sent of the first 20 scanned: 84 MiB ahead (5.25 s), in a pass
   * begun 0.74 s ago. No count from QEMU yet: the prior. */
  g_assert_cmpint (ABS (first_pass_left (0) - (5250000 + later_passes_us (3.2, 5.99) + FINISH_US)), <, 100000);
  /* QEMU counted 4 MiB/s: (2 + 4) / (2 / 3.2 + 1) = 3.69 MiB/s, the
   * posterior mean of a Poisson count with the Gamma prior. */
  g_assert_cmpint (ABS (first_pass_left (4) - (5250000 + later_passes_us (6.0 / 1.625, 5.99) + FINISH_US)), <,
                   60000);
  /* QEMU counted nothing: a measurement, and the likeliest guest is an
   * idle one ((2 + 0) / (2 / 0.1 + 1) = 0.1 MiB/s: 0.6 MiB dirtied in the
   * pass, which goes with the switch-over): this pass, then the finish.
   * Read as no count, it was the prior's 3.2 MiB/s (above). */
  g_assert_cmpint (ABS (first_pass_left_full (0, TRUE, FALSE, FAST_NOTHING) - (5250000 + FINISH_US)), <, 60000);
  /* A count of 1 for a guest of this link: less than the prior. */
  g_assert_cmpint (ABS (first_pass_left (1) - (5250000 + later_passes_us (3.0 / 1.625, 5.99) + FINISH_US)), <,
                   60000);
  /* With the policy's forecast, no half-link bound: a count of 12 is
   * still more likely a guest that converges (8.6 MiB/s), the policy does
   * nothing; one of 20 a guest faster than the link (the second kind,
   * 20.3 MiB/s, held to the link), whose downtime the policy will raise at
   * the next pass: this pass, then the finish. */
  g_assert_cmpint (ABS (first_pass_left_policy (12, TRUE, FAST_RAISES) - (5250000 + later_passes_us (14.0 / 1.625, 5.99) +
                                                                    FINISH_US)), <, 150000);
  g_assert_cmpint (ABS (first_pass_left_policy (20, TRUE, FAST_RAISES) - (5250000 + FINISH_US)), <, 60000);
  /* A policy that would not help: the count never blanks the expected end
   * in the first pass; it is read as a converging guest's (13.5 MiB/s). */
  g_assert_cmpint (ABS (first_pass_left_policy (20, TRUE, FAST_NOTHING) -
                        (5250000 + later_passes_us (22.0 / 1.625, 5.99) + FINISH_US)), <, 1000000);
  /* Nor one that would give up on it: a count of 14 is the second kind's
   * (14.8 MiB/s, 0.92 of the link: 36 passes to the downtime, over a
   * minute), which the policy would give up on; a give-up read from the
   * count is the cue to read it as a converging guest's (9.8 MiB/s), as
   * for a count that never ends. In later passes a forecast give-up leaves
   * the series going (memory-policy-near-give-up). */
  g_assert_cmpint (ABS (first_pass_left_policy (14, TRUE, FAST_GIVES_UP) -
                        (5250000 + later_passes_us (16.0 / 1.625, 5.99) + FINISH_US)), <, 1000000);
  /* A count of 30: no more than half the link (8 MiB/s). */
  g_assert_cmpint (ABS (first_pass_left (30) - (5250000 + later_passes_us (8, 5.99) + FINISH_US)), <, 100000);

  /* The scan reached the zeros: no more ahead than it has left to scan
   * (6 MiB), in a pass 1.74 s long so far (begun at 0.5 s). */
  s = memory_sample (1000, 16, 20, 140, 1);
  settle (p, s);
  s = memory_sample (2000, 32, 250, 140, 1);
  settle (p, s);
  g_assert_cmpint (ABS (st->time_left - (375000 + later_passes_us (3.2, 1.74 + 0.375) + FINISH_US)), <, 100000);
  g_assert_cmpfloat (st->fraction, >, 0.0);
}

/* A second pass under a 16 MiB/s cap, 8 MiB/s dirtied, begun at 7 s, the
 * last sample at 9 s with 8 MiB left; @downtime ms allowed from 9 s on. */
static gint64
second_pass (guint64 downtime, gboolean settled)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  VirtMigrateSample s;

  virt_migrate_progress_set_memory (p, 256 * MIB);
  virt_migrate_progress_set_bandwidth_cap (p, 16 * MIB);
  virt_migrate_progress_set_resident (p, 140 * MIB, FALSE);
  virt_migrate_progress_start (p, 0, 0);
  for (guint i = 0; i < 4; i++)
    {
      s = memory_sample (7000 + i * 500, 100 + i * 8, 256, 140, 2);
      s.remaining = (40 - i * 8) * MIB;
      s.dirty_rate = 2048; /* 8 MiB/s: half the link */
      virt_migrate_progress_add_sample (p, &s);
    }
  virt_migrate_progress_set_max_downtime (p, downtime);
  s = memory_sample (9000, 132, 256, 140, 2);
  s.remaining = 8 * MIB;
  s.dirty_rate = 2048;
  if (settled)
    settle (p, s);
  else
    virt_migrate_progress_add_sample (p, &s);
  return virt_migrate_progress_get_state (p)->time_left;
}

/* QEMU's set-up as earlier migrations between the hosts measured it
 * (@learnt_ms, 0: none, the 0.75-s guess): the expected end (µs from the
 * call) before its first statistics, after samples 250 and 500 ms after
 * the call; what this migration measured (its first statistics 630 ms
 * after the call) is returned in *@seen. */
static gint64
setup_end (gint64 learnt_ms, gint64 *seen)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  VirtMigrateSample first = memory_sample (630, 0, 1, 140, 1);
  gint64 end = 0;

  virt_migrate_progress_set_memory (p, 256 * MIB);
  virt_migrate_progress_set_bandwidth_cap (p, 16 * MIB);
  virt_migrate_progress_set_resident (p, 140 * MIB, FALSE);
  virt_migrate_progress_set_setup (p, learnt_ms * 1000);
  virt_migrate_progress_start (p, 0, 0);
  for (gint64 t = 250; t <= 500; t += 250)
    {
      VirtMigrateSample connecting = sample (t, 0, 0, 0, 0);

      g_assert_true (virt_migrate_progress_add_sample (p, &connecting));
      end = t * 1000 + virt_migrate_progress_get_state (p)->time_left;
    }
  g_assert_cmpint (virt_migrate_progress_get_setup (p), ==, 0);
  g_assert_true (virt_migrate_progress_add_sample (p, &first));
  *seen = virt_migrate_progress_get_setup (p);
  return end;
}

static void
test_memory_setup_learnt (void)
{
  /* The first pass (100 MiB at 16 MiB/s), the passes after it, libvirt's
   * finish. */
  gint64 rest = 6250000 + later_passes_us (3.2, 6.25) + FINISH_US, seen = 0;

  g_test_summary ("QEMU's set-up (from the call to its first memory statistics) is measured; as "
                  "earlier migrations measured it, it replaces the 0.75-s guess, both counted from "
                  "the call, not from each sample while it lasts");
  g_assert_cmpint (ABS (setup_end (0, &seen) - (750000 + rest)), <, 1000);
  g_assert_cmpint (seen, ==, 630000);
  g_assert_cmpint (ABS (setup_end (300, &seen) - (300000 + rest)), <, 1000);
  /* Overrun (0.2 s learnt): nothing left of it from then on, the end
   * moving later with each sample (a part of the way: 0.2, then 0.215 s). */
  g_assert_cmpint (ABS (setup_end (200, &seen) - (215000 + rest)), <, 1000);
}

static void
test_memory_downtime_at_once (void)
{
  gint64 raised, kept;

  g_test_summary ("In a later pass the series follows QEMU's dirty rate; a raised downtime (the "
                  "policy's step) cuts it short and the expected end follows at once, not a third of "
                  "the way per sample");
  /* The 8 MiB left of this pass fit 5 s of downtime: QEMU switches over
   * now and sends them while the guest is paused (uncapped: part of the
   * finish), from the first sample after the change. */
  raised = second_pass (5000, FALSE);
  g_assert_cmpint (ABS (raised - FINISH_US), <, 50000);
  /* With 300 ms, passes of 20, 10 and 5 MiB come first (1.9 s more). */
  kept = second_pass (300, TRUE);
  g_assert_cmpint (ABS (kept - (500000 + 1250000 + 625000 + 312500 + FINISH_US)), <, 300000);
}

static VirtMigrateForecast
forecast_cb (guint64 start, guint64 rate, guint64 dirty, guint64 *downtime, gpointer user_data)
{
  return virt_migrate_convergence_forecast (user_data, start, rate, dirty, downtime);
}

/* A guest in its second pass that will not converge by itself: 40 MiB
 * left of it under an 8 MiB/s cap (5 s), the guest dirtying 12 MiB/s, with
 * the policy's forecast when @policy_on; post-copy when @postcopy_allowed,
 * at @postcopy_cap (0: none of its own). With @seen_begin, a sample of the
 * first pass comes first: the second is seen to begin (on the sample the
 * policy decides on). */
static gint64
policy_guest (gboolean policy_on, gboolean postcopy_allowed, guint64 ceiling, guint64 postcopy_cap,
              gboolean seen_begin)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  VirtMigrateConvergenceRequest r = { .postcopy_allowed = postcopy_allowed };
  g_autoptr(VirtMigrateConvergence) c = NULL;
  VirtMigrateSample s;

  g_object_set (policy, "downtime-max", ceiling, NULL);
  c = virt_migrate_convergence_new (policy, &r);
  virt_migrate_progress_set_memory (p, 256 * MIB);
  virt_migrate_progress_set_bandwidth_cap (p, 8 * MIB);
  virt_migrate_progress_set_resident (p, 140 * MIB, FALSE);
  virt_migrate_progress_set_postcopy_cap (p, postcopy_cap);
  if (policy_on)
    virt_migrate_progress_set_forecast (p, forecast_cb, c);
  virt_migrate_progress_start (p, 0, 0);
  if (seen_begin)
    {
      s = memory_sample (11000, 88, 250, 140, 1);
      s.memory_bps = 8 * MIB;
      g_assert_true (virt_migrate_progress_add_sample (p, &s));
    }
  s = memory_sample (12000, 100, 256, 140, 2);
  s.remaining = 40 * MIB;
  s.dirty_rate = 12 * 256; /* 12 MiB/s in 4 KiB pages */
  s.memory_bps = 8 * MIB;
  settle (p, s);
  return virt_migrate_progress_get_state (p)->time_left;
}

/* The stream dipping below the pace at which the guest touches new memory
 * (TCG stalls it for moments): the first pass still has an end. */
static void
test_memory_growth_dip (void)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);

  g_test_summary ("A resident set growing faster than the stream goes for a moment leaves the first "
                  "pass an expected end, never an unknown once one was shown");
  virt_migrate_progress_set_memory (p, 256 * MIB);
  virt_migrate_progress_set_bandwidth_cap (p, 16 * MIB);
  virt_migrate_progress_set_resident (p, 100 * MIB, FALSE);
  virt_migrate_progress_start (p, 0, 0);
  /* 4 MiB/s sent for 3 s while the resident set grows 8 MiB/s. */
  for (guint i = 1; i <= 12; i++)
    {
      VirtMigrateSample s = memory_sample (i * 250, i, 2 * i, 100 + 2 * i, 1);

      s.memory_bps = 4 * MIB;
      g_assert_true (virt_migrate_progress_add_sample (p, &s));
      if (i >= 4)
        g_assert_cmpint (st->time_left, >, 0);
    }
}

static void
test_memory_policy_forecast (void)
{
  gint64 alone, raised, postcopy, given_up;

  g_test_summary ("A guest that does not converge by itself has no expected end, unless the convergence "
                  "policy will act: its own forecast (a raised downtime, post-copy) counts before it acts, "
                  "on the pass it sees begin too, and a guest it will give up on has none");
  /* No policy: the passes never shrink, no end. */
  alone = policy_guest (FALSE, FALSE, 5000, 0, FALSE);
  g_assert_cmpint (alone, ==, 0);
  /* The policy raises the downtime at the next pass's start: what the
   * guest dirtied during this one's 5 s (60 MiB, capped at the 40 MiB
   * working set seen: 5 s of downtime needed, under the 6 s ceiling)
   * goes while it is paused, uncapped: this pass, then the finish. */
  raised = policy_guest (TRUE, FALSE, 6000, 0, FALSE);
  g_assert_cmpint (ABS (raised - (5000000 + FINISH_US)), <, 300000);
  /* Post-copy allowed: it switches at the next pass's start. Without a
   * post-copy cap of its own the pre-copy cap no longer holds (libvirt
   * lifts it): the rest goes uncapped, as part of the finish. */
  postcopy = policy_guest (TRUE, TRUE, 6000, 0, FALSE);
  g_assert_cmpint (ABS (postcopy - (5000000 + FINISH_US)), <, 300000);
  /* With a post-copy cap of 4 MiB/s, the 40 MiB take 10 s more. */
  postcopy = policy_guest (TRUE, TRUE, 6000, 4 * MIB, FALSE);
  g_assert_cmpint (ABS (postcopy - (5000000 + 10000000 + FINISH_US)), <, 300000);
  /* Over a 2 s ceiling, no post-copy: it will give up, no end. */
  given_up = policy_guest (TRUE, FALSE, 2000, 0, FALSE);
  g_assert_cmpint (given_up, ==, 0);

  /* Seen as the pass begins (the sample the policy decides on), it acts
   * on this pass, not the next: post-copy sends the 40 MiB uncapped with
   * the finish, a raised downtime sends them while the guest is paused;
   * no 5 s of this pass first. */
  postcopy = policy_guest (TRUE, TRUE, 6000, 0, TRUE);
  g_assert_cmpint (ABS (postcopy - FINISH_US), <, 300000);
  raised = policy_guest (TRUE, FALSE, 6000, 0, TRUE);
  g_assert_cmpint (ABS (raised - FINISH_US), <, 300000);
}

/* A guest whose passes shrink slowly, over the downtime ceiling: 50 MiB
 * left of its second pass under a 6 MiB/s cap, dirtying 4.6 MiB/s (each
 * pass 0.77 of the one before; 8.3 s of switch-over needed now, ten passes
 * on still over 300 ms). The policy forecasts a give-up, but watches one
 * more pass before it gives up, and such a guest often converges (a
 * slightly lower dirty rate at the next pass): the series as it goes, not
 * an unknown end for the whole pass (bench-eta, 4 Dec: 8 s of unknown). */
static void
test_memory_policy_near_give_up (void)
{
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  g_autoptr(VirtMigratePolicy) policy = virt_migrate_policy_new ();
  VirtMigrateConvergenceRequest r = { 0 };
  g_autoptr(VirtMigrateConvergence) c = virt_migrate_convergence_new (policy, &r);
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);
  guint64 target = 0;
  VirtMigrateSample s;

  g_test_summary ("A slowly converging guest the policy forecasts a give-up for (it watches one more "
                  "pass first) has the expected end of its passes, not an unknown one");
  g_assert_cmpint (virt_migrate_convergence_forecast (c, 50 * MIB, 6 * MIB, (guint64) (4.6 * MIB), &target), ==,
                   VIRT_MIGRATE_FORECAST_GIVE_UP);
  virt_migrate_progress_set_memory (p, 384 * MIB);
  virt_migrate_progress_set_bandwidth_cap (p, 6 * MIB);
  virt_migrate_progress_set_resident (p, 105 * MIB, FALSE);
  virt_migrate_progress_set_forecast (p, forecast_cb, c);
  virt_migrate_progress_start (p, 0, 0);
  s = memory_sample (11000, 66, 256, 105, 1);
  s.memory_bps = 6 * MIB;
  g_assert_true (virt_migrate_progress_add_sample (p, &s));
  s = memory_sample (11250, 67, 256, 105, 2);
  s.remaining = 50 * MIB;
  s.dirty_rate = (guint64) (4.6 * 256);
  s.memory_bps = 6 * MIB;
  settle (p, s);
  g_test_message ("time left %.1f s", st->time_left / 1e6);
  /* This pass (8.3 s), then passes of 0.77 each down to 1.8 MiB. */
  g_assert_cmpint (st->time_left, >, 20 * G_USEC_PER_SEC);
  g_assert_cmpint (st->time_left, <, 60 * G_USEC_PER_SEC);
}

typedef struct {
  const char *name;
  guint64     cap, ram;   /* MiB/s, MiB */
  gdouble     tolerance;  /* of the time really left, in the first pass */
  gdouble     later;      /* the same from the second pass on (with QEMU's dirty rate) */
  gint64      from;       /* ms, the first sample held to it; 0: from a quarter of the wall time */
  gdouble     last;       /* in the last half second (a sample or two: noise); 0: @tolerance */
} MemoryTrace;

/* A recorded memory-only migration (bench-eta's guests) replayed: known
 * from the first sample, never going back, the rate held to the cap, and
 * from @from on an expected end within @tolerance of the time really left
 * during the first pass, within @later from the second pass on while more
 * than half a second is left (two samples' worth; closer to the end the
 * first pass's tolerance holds). The wall time counts from the call. */
static void
test_trace_memory (gconstpointer data)
{
  const MemoryTrace *c = data;
  g_autoptr(GArray) samples = trace_load (c->name);
  g_autoptr(VirtMigrateProgress) p = virt_migrate_progress_new ();
  const VirtMigrateProgressState *st = virt_migrate_progress_get_state (p);
  gint64 end = trace_end (c->name);
  gdouble last = 0, worst = 0;
  guint64 before, call = 0, learnt, by_reads;
  gint64 start, from, given;

  g_test_summary ("A recorded memory-only migration: an expected end from the first sample, within "
                  "its tolerance of the time really left from a point on; the fraction never "
                  "goes back; the rate never above the cap");
  virt_migrate_progress_set_memory (p, c->ram * MIB);
  virt_migrate_progress_set_bandwidth_cap (p, c->cap * MIB);
  /* A guest migrated before: its rate then, as the trace says. */
  if (trace_header_number (c->name, "# the guest's dirty rate learnt: ", &learnt))
    virt_migrate_progress_set_dirty_learnt (p, learnt);
  /* The job reads the resident set before the call: as the trace says,
   * or (recorded before traces said it) its first reading. */
  if (trace_header_number (c->name, "# resident before the call: ", &before) && before > 0)
    virt_migrate_progress_set_resident (p, before, trace_header_number (c->name, "# resident filled by QEMU's reads: ",
                                                                        &by_reads) && by_reads > 0);
  else
    for (guint i = 0; i < samples->len; i++)
      if (g_array_index (samples, VirtMigrateSample, i).resident > 0)
        {
          virt_migrate_progress_set_resident (p, g_array_index (samples, VirtMigrateSample, i).resident, FALSE);
          break;
        }
  /* The call began when the trace says (older traces: 0.3 s before the
   * first sample, bench-eta against its traces; their model started at it). */
  start = trace_header_number (c->name, "# the call began ", &call) ? -(gint64) call * 1000 : -300000;
  from = c->from > 0 ? c->from * 1000 : start + (end - start) / 4;
  virt_migrate_progress_start (p, call > 0 ? start : 0, 0);
  /* The end given at the call holds until QEMU's first statistics: held
   * to the tolerance where it is still the one given at @from. */
  given = st->time_left > 0 ? (call > 0 ? start : 0) + st->time_left : 0;
  for (guint i = 0; i < samples->len; i++)
    {
      const VirtMigrateSample *s = &g_array_index (samples, VirtMigrateSample, i);
      gdouble error;

      if (s->memory_total > 0 && s->time > from && given >= 0 && call > 0)
        {
          error = (given - end) / (gdouble) (end - from);
          g_test_message ("at %.2f s (the call's): expected end %.2f s (%+.0f %%)", from / 1e6, given / 1e6,
                          error * 100);
          g_assert_cmpint (given, >, 0);
          g_assert_cmpfloat (ABS (error), <=, c->tolerance);
        }
      if (s->memory_total > 0)
        given = -1;
      if (!virt_migrate_progress_add_sample (p, s) || s->memory_total == 0)
        continue;
      g_assert_cmpfloat (st->fraction, >=, last);
      last = st->fraction;
      g_assert_cmpuint (st->rate, <=, c->cap * MIB * 105 / 100);
      if (s->remaining == 0)
        continue;
      g_assert_cmpint (st->time_left, >, 0);
      error = ((s->time + st->time_left) - end) / (gdouble) (end - s->time);
      if (s->time >= from)
        {
          worst = MAX (worst, ABS (error));
          g_assert_cmpfloat (ABS (error), <=,
                             end - s->time <= G_USEC_PER_SEC / 2 && c->last > 0 ? c->last :
                             st->iteration >= 2 && end - s->time > G_USEC_PER_SEC / 2 ? c->later : c->tolerance);
        }
      g_test_message ("at %.2f s, pass %" G_GUINT64_FORMAT ": expected end %.2f s (%+.0f %%), fraction %.3f",
                      s->time / 1e6, st->iteration, (s->time + st->time_left) / 1e6, error * 100, st->fraction);
    }
  g_test_message ("%s: worst from %.2f s on %.0f %%", c->name, from / 1e6, worst * 100);
}

/* QEMU's memory rate is the link's pace only while pages are sent. */
static void
test_link_pace (void)
{
  VirtMigrateLinkPace link = { 0 };
  static const struct {
    guint64 iteration, constant, normal, mib_s, pace;
  } steps[] = {
    { 1, 100, 0, 0, 0 },     /* no reading yet */
    { 1, 100, 2560, 10, 10 }, /* pages sent: the link's */
    { 1, 30000, 2600, 2, 10 }, /* mostly zero pages: not */
    { 2, 57000, 2700, 1, 10 }, /* across the bitmap sync: not */
    { 2, 57000, 3700, 6, 6 },  /* sending again, slower: news */
    { 2, 57000, 3700, 3, 6 },  /* nothing sent, lower: not */
    { 2, 57000, 3700, 8, 8 },  /* nothing sent, higher: raises it */
  };

  g_test_summary ("QEMU's memory rate is the link's pace while it sends pages, lower too; read where "
                  "the scan crosses zero pages or across a pass's start, it only raises the pace");
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      VirtMigrateSample s = { .active = TRUE, .have_total = TRUE, .memory_total = 320 * MIB,
                              .iteration = steps[i].iteration, .memory_constant = steps[i].constant,
                              .memory_normal = steps[i].normal, .memory_bps = steps[i].mib_s * MIB };

      virt_migrate_link_pace_add (&link, &s);
      g_assert_cmpuint (link.bps, ==, steps[i].pace * MIB);
    }
}


int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/virt-migrate/progress/memory-counted-from-start", test_memory_counted_from_start);
  g_test_add_func ("/virt-migrate/progress/never-backwards", test_never_backwards);
  g_test_add_func ("/virt-migrate/progress/rate-and-time-left", test_rate_and_time_left);
  g_test_add_data_func ("/virt-migrate/progress/throttled-mirror", GINT_TO_POINTER (FALSE), test_throttled_mirror);
  g_test_add_data_func ("/virt-migrate/progress/throttled-mirror-blocked", GINT_TO_POINTER (1),
                        test_throttled_mirror);
  g_test_add_data_func ("/virt-migrate/progress/throttled-mirror-blocked-midway", GINT_TO_POINTER (2),
                        test_throttled_mirror);
  {
    /* A whole batch in one sample; one seen in two parts (10 and 6 MiB,
     * eta-loaded on 5 Dec), or in three; a last batch of 8 MiB at
     * 2 MiB/s after one of 16 (+60 % at 75 % when its size was read as
     * the pace's). The first batch 1.25 s after the call (1 to 1.6 s
     * under load on 5 Dec), or 0.4 s (4 Dec's machine: the bound from
     * the call with the model's 1 s set-up was 0.6 s late throughout). */
    static const guint whole[] = { 16, 0 }, split[] = { 10, 6, 0 }, thirds[] = { 5, 5, 6, 0 };
    static const MirrorCase mirror[] = {
      { 96, 8, whole, 1250 }, { 96, 8, split, 1250 }, { 96, 16, thirds, 1250 }, { 24, 2, whole, 1250 },
      { 30, 1, split, 1250 }, { 96, 8, whole, 400 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (mirror); i++)
      {
        g_autofree char *path = g_strdup_printf ("/virt-migrate/progress/mirror-batches/%u-at-%u-%s-from-%" G_GINT64_FORMAT,
                                                 mirror[i].disk_mib, mirror[i].cap_mib,
                                                 mirror[i].parts == whole ? "whole" :
                                                 mirror[i].parts == split ? "split" : "thirds",
                                                 mirror[i].first_ms);

        g_test_add_data_func (path, &mirror[i], test_mirror_batches);
      }
  }
  g_test_add_data_func ("/virt-migrate/progress/mirror-cap-lowered", GINT_TO_POINTER (3), test_throttled_mirror);
  g_test_add_data_func ("/virt-migrate/progress/mirror-cap-raised", GINT_TO_POINTER (4), test_throttled_mirror);
  g_test_add_func ("/virt-migrate/progress/rate-capped", test_rate_capped);
  g_test_add_func ("/virt-migrate/progress/not-converging-unknown", test_not_converging_unknown);
  g_test_add_func ("/virt-migrate/progress/memory-policy-near-give-up", test_memory_policy_near_give_up);
  g_test_add_func ("/virt-migrate/progress/rate-from-window", test_rate_from_window);
  g_test_add_func ("/virt-migrate/progress/inactive-ignored", test_inactive_ignored);
  g_test_add_func ("/virt-migrate/progress/complete", test_complete);
  g_test_add_func ("/virt-migrate/progress/iteration-monotonic", test_iteration_monotonic);
  g_test_add_data_func ("/virt-migrate/progress/trace-storage", "storage", test_trace_storage);
  g_test_add_data_func ("/virt-migrate/progress/trace-storage-split", "storage-split", test_trace_storage);
  g_test_add_func ("/virt-migrate/progress/sample-measured", test_sample_measured);
  g_test_add_func ("/virt-migrate/progress/sample-vcpus", test_sample_vcpus);
  g_test_add_func ("/virt-migrate/progress/dirty-prior-vcpus", test_dirty_prior_vcpus);
  g_test_add_func ("/virt-migrate/progress/dirty-prior-learnt", test_dirty_prior_learnt);
  g_test_add_func ("/virt-migrate/progress/dirty-prior-seconds", test_dirty_prior_seconds);
  g_test_add_func ("/virt-migrate/progress/growth-steps", test_growth_steps);
  g_test_add_func ("/virt-migrate/progress/memory-model", test_memory_model);
  g_test_add_func ("/virt-migrate/progress/memory-setup-learnt", test_memory_setup_learnt);
  g_test_add_func ("/virt-migrate/progress/memory-downtime-at-once", test_memory_downtime_at_once);
  g_test_add_func ("/virt-migrate/progress/memory-policy-forecast", test_memory_policy_forecast);
  g_test_add_func ("/virt-migrate/progress/memory-growth-dip", test_memory_growth_dip);
  {
    /* The two guests and a large one, their working sets touched
     * whole before the call, from the first quarter on; bench-eta's eta-m2,
     * still touching its own, from the third second. Recorded on 4 Dec
     * with each host's libvirtd under its reaper (a 0.25 s finish). Each
     * bound is the trace's worst with today's model, rounded up by 5
     * points: a net for what the model keeps, not the goal (20 %). In the
     * first pass the later passes rest on QEMU's sampled dirty count,
     * which read 3 MiB/s for a real 4.1 (issue-a), 3 for 2.2 (issue-b),
     * 7 for 8.4 (large) and 3 for 4.7 (long): worst 38, 49, 50 and 55 %.
     * From the second pass on QEMU's own rate gives 4, 15, 30 and 55 %:
     * the large guest's rate rises pass by pass (8.4, 9.6, 11.2 MiB/s of a
     * 20 MiB/s link) as the passes shorten, the long one's falls (4.7,
     * 4.6, 3.5 MiB/s of 8); neither shows in any figure before
     * (bench/README.md). */
    static const MemoryTrace traces[] = {
      { "memory-issue-a", 12, 256, 0.45, 0.2, 0 },
      { "memory-issue-b", 8, 384, 0.55, 0.2, 0 },
      { "memory-large", 20, 1280, 0.55, 0.35, 0 },
      { "memory-long", 8, 512, 0.6, 0.6, 2800 },
      /* An idle guest: its whole migration one pass; from QEMU's count of
       * 0 (1.8 s) on, worst 15 % (the last sample, 0.25 s before the
       * end). */
      { "memory-idle", 16, 512, 0.2, 0.2, 2000 },
      /* A guest still touching its working set for the first time: QEMU's
       * resident set grows in 2 MiB steps (transparent huge pages). */
      { "memory-thp", 4, 192, 0.65, 0.35, 0 },
      /* A two-second migration: QEMU's set-up is a third of it. */
      { "memory-short", 12, 448, 0.25, 0.2, 0 },
      /* A one-second migration on a machine whose QEMU gives its first
       * statistics within 0.3 s of the call, not the 0.75 s guessed:
       * from them on, worst +14 % (the last sample, pass 2); the end
       * smoothed towards from the guess instead was +48 to +125 % late. */
      { "memory-fast-setup", 12, 256, 0.2, 0.2, 0 },
      /* A three-second migration whose estimates rise as its resident set
       * grows: smoothed a fixed share a sample, its end lagged 23 % early
       * 0.8 s on (its first quarter); moved up to half the way a sample
       * as the end nears, within 17 % to the last half second (its last
       * sample, 0.24 s before the end, 34 %: 0.08 s). */
      { "memory-near-end", 12, 704, 0.2, 0.2, 0, 0.4 },
      /* A guest migrated back, its dirty rate from the way there: within
       * 17 % from its first sample (its first quarter 50 % early without
       * it: QEMU's count comes at 28 %, and the link's fifth is 1.8 MiB/s
       * for a real 4.5), within 7 % from the count to its last half
       * second (the last samples' +10 to +48 %: 0.1 s). */
      { "memory-learnt", 9, 272, 0.2, 0.2, 50, 0.5 },
      /* QEMU's memory rate read 2.7, 1.6 and 1.2 MiB/s where the scan
       * crossed the zero pages and at the second pass's first sample, the
       * guest dirtying 1.9 MiB/s: taken as the link's pace, an unknown end
       * there; the pace kept, within 2 % from the second pass on. Its
       * first pass within 32 % (QEMU's count 1 MiB/s for a real 1.9), with
       * the zero pages' scan counted where QEMU's reads make them resident
       * (57 % early without). */
      { "memory-zero-dip", 10, 320, 0.4, 0.1, 0, 0.35 },
      /* QEMU's first statistics with no memory rate: the cap is the pace
       * until it reports one, not the window's 0.2 MiB/s with the set-up
       * in it (+1984 % at that sample, smoothed down over seconds). The
       * first pass then within 39 % (QEMU's count 0 for a real 0.7; 88 %
       * early without the zero pages' scan counted, slow here). */
      { "memory-first-bps-zero", 6, 352, 0.5, 0.2, 1000, 0.4 },
      /* A three-second migration whose first quarter is QEMU's set-up:
       * the backend saw QEMU's reads fill the resident set before the
       * call, so the end given at the call counts the scan of 300 MiB of
       * zero pages (-6 %; -53 % without). Its last half second in pass 2,
       * -24 and -32 % (0.08 s). */
      { "memory-by-reads", 7, 320, 0.2, 0.2, 0, 0.35 },
      /* A guest that had run 25 s, dirtying 2 MiB/s, QEMU's 4-s figure 1
       * MiB/s (QEMU measured 2.0 at the second pass): read as 2, within
       * 18 % through its first pass from its first quarter (-52 % at 75 %
       * read as 1). */
      { "memory-count-low", 9, 320, 0.2, 0.2, 0, 0.35 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (traces); i++)
      {
        g_autofree char *path = g_strconcat ("/virt-migrate/progress/trace-", traces[i].name, NULL);

        g_test_add_data_func (path, &traces[i], test_trace_memory);
      }
  }
  g_test_add_func ("/virt-migrate/progress/odd-sample", test_odd_sample);
  g_test_add_func ("/virt-migrate/progress/link-pace", test_link_pace);
  g_test_add_func ("/virt-migrate/progress/trace-hopeless", test_trace_hopeless);
  return g_test_run ();
}
