/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How far the job's expected end and rate are from the truth, for
 *
 *   storage  disks of random data copied with the guest: 96 MiB capped at
 *            8 MiB/s, 24 MiB at 2 and 256 MiB at 32 (QEMU's mirror
 *            reports in 16 MiB batches);
 *   memory   memory-only guests that converge by themselves (tests/dirtier,
 *            paced at boot against the clock): RAM sizes of 256 MiB to
 *            2 GiB, working sets of 96 to 256 MiB rewritten at 3 to 8
 *            MiB/s, caps of 8 to 32 MiB/s (see main());
 *   idle     two idle guests, the most common kind: data written once
 *            (128 and 256 MiB of 512 MiB and 1 GiB), then nothing touched;
 *   policy   two guests that dirty faster than the link: the convergence
 *            policy raises the downtime, or (allowed) switches to post-copy;
 *   RAM,WS,PACE,LINK[,WARM[,p2p|back]]...  any other memory-only guests
 *            (one after another), each migrated WARM s (default 6) after
 *            it starts, over peer-to-peer tcp:// with "p2p"; with "back",
 *            migrated back a second later (its dirty rate learnt).
 *
 * The job is sampled every 250 ms, as a progress dialog would through the
 * typelib; at 25, 50 and 75 % of the wall time the expected end it showed
 * is compared with the real end, as a part of the time that was still
 * left then (what test-python's eta_you_can_trust holds to 20 %). The rate
 * is compared with the cap. One run, each case once (or only "storage",
 * "memory", "idle", "policy", one case by name or a custom one;
 * VIRT_MIGRATE_BENCH_VERBOSE=1: every reading; VIRT_MIGRATE_TRACE_DIR: the
 * job's samples, for tests/traces/):
 *   VIRT_MIGRATE_DIRTIER=build/tests/dirtier/dirtier.elf GSETTINGS_SCHEMA_DIR=build/schemas \
 *     tests/testbed/virt-migrate-testbed run -- build/bench/bench-eta [WHICH] */
#include "vm-testbed.h"

#define MIB (1024.0 * 1024.0)

typedef struct {
  gint64  at;   /* µs since the epoch */
  gint64  end;  /* the job's expected end, µs since the epoch, 0: unknown */
  guint64 rate; /* bytes/s */
  gdouble progress;
  guint64 iteration;
} Reading;

typedef struct {
  VirtMigrateJob *job;
  GArray         *readings;
} Sampler;

static gboolean
sample_cb (gpointer data)
{
  Sampler *s = data;
  Reading r = { g_get_real_time (), virt_migrate_job_get_expected_end_time (s->job),
                virt_migrate_job_get_rate (s->job), virt_migrate_job_get_progress (s->job),
                virt_migrate_job_get_iteration (s->job) };

  g_array_append_val (s->readings, r);
  return G_SOURCE_CONTINUE;
}

/* One row; then the guest is destroyed where it is. A migration that
 * failed (a guest the policy gave up on) is a row of its own, and the run
 * goes on. */
static void
measure_full (const char *label, VirtMigrateRequest *request, guint64 cap_mib, gboolean keep)
{
  const char *name = virt_migrate_request_get_domain (request);
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new_with_settings (vm_testbed_memory_settings ());
  g_autoptr(GArray) readings = g_array_new (FALSE, FALSE, sizeof (Reading));
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigrateJob) job = virt_migrate_manager_create_job (manager, request, &error);
  Sampler s = { NULL, readings };
  guint source;
  gint64 start, end;
  guint64 max_rate = 0;

  g_assert_no_error (error);
  s.job = job;
  start = g_get_real_time ();
  source = g_timeout_add (250, sample_cb, &s);
  if (!vm_testbed_run_job (job, NULL, &error))
    {
      g_source_remove (source);
      g_print ("| %s | %.1f | failed: %s | | | |\n", label, (g_get_real_time () - start) / 1e6, error->message);
      vm_testbed_destroy_guest (virt_migrate_request_get_source_uri (request), name);
      return;
    }
  g_source_remove (source);
  end = g_get_real_time ();

  for (guint i = 0; i < readings->len; i++)
    {
      const Reading *r = &g_array_index (readings, Reading, i);

      max_rate = MAX (max_rate, r->rate);
      /* With VIRT_MIGRATE_BENCH_VERBOSE, every reading (to stderr). */
      if (g_getenv ("VIRT_MIGRATE_BENCH_VERBOSE") != NULL)
        g_printerr ("%s: %6.2f s pass %" G_GUINT64_FORMAT " progress %.3f expected end %s%.2f s (%+.0f %%)\n", label,
                    (r->at - start) / 1e6, r->iteration, r->progress, r->end == 0 ? "unknown " : "",
                    (r->end - start) / 1e6, r->end == 0 ? 0 : (r->end - end) * 100.0 / MAX (end - r->at, 1));
    }
  if (g_getenv ("VIRT_MIGRATE_BENCH_VERBOSE") != NULL)
    g_printerr ("%s: ended at %.2f s (started at %.3f s since the epoch)\n", label, (end - start) / 1e6,
                start / 1e6);
  g_print ("| %s | %.1f | %.1f (%.2f x cap) |", label, (end - start) / 1e6, max_rate / MIB,
           max_rate / (cap_mib * MIB));
  for (guint q = 1; q <= 3; q++)
    {
      gint64 when = start + (end - start) * q / 4;
      const Reading *best = NULL;

      for (guint i = 0; i < readings->len; i++)
        if (g_array_index (readings, Reading, i).at <= when)
          best = &g_array_index (readings, Reading, i);
      if (best == NULL || best->end == 0)
        g_print (" unknown |");
      else
        g_print (" %+.0f %% |", (best->end - end) * 100.0 / (end - best->at));
    }
  g_print ("\n");
  if (!keep)
    vm_testbed_destroy_guest (virt_migrate_request_get_dest_uri (request), name);
}

static void
measure (const char *label, VirtMigrateRequest *request, guint64 cap_mib)
{
  measure_full (label, request, cap_mib, FALSE);
}

/* A converging memory-only guest: @ram MiB of RAM of which @ws MiB are
 * rewritten at @pace MiB/s (tests/dirtier, paced by the clock), over a
 * link capped at @link MiB/s; after @warm seconds of running. With @back,
 * migrated back again a second later: the way back expects the dirty rate
 * QEMU measured on the way there (the guest's own, not a guess). */
static void
memory_case_full (const char *name, guint ram, guint ws, guint pace, guint link, guint warm, gboolean postcopy,
                  gboolean back, const char *what)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autofree char *file = g_strdup_printf ("%s.mig", name);
  g_autofree char *sock = vm_testbed_path (file);
  g_autofree char *hv = g_strconcat ("unix://", sock, NULL);
  g_autofree char *label = g_strdup_printf ("memory, %u MiB, %u MiB rewritten at %u MiB/s, %u MiB/s%s", ram, ws,
                                            pace, link, what);

  vm_testbed_dirty_guest (name, ram, ws, pace);
  g_usleep (warm * G_USEC_PER_SEC);
  g_object_set (request, "live", TRUE, "hypervisor-uri", hv, "bandwidth", (guint64) link, "postcopy", postcopy, NULL);
  measure_full (label, request, link, back);
  if (back)
    {
      g_autoptr(VirtMigrateRequest) again = virt_migrate_request_new (name, tb->dst_uri, tb->src_uri);
      g_autofree char *label_back = g_strconcat (label, ", back (its rate learnt)", NULL);

      g_object_set (again, "live", TRUE, "hypervisor-uri", hv, "bandwidth", (guint64) link, "postcopy", postcopy,
                    NULL);
      g_usleep (G_USEC_PER_SEC);
      measure (label_back, again, link);
    }
}

/* The same over peer-to-peer tcp:// (@p2p), as a virt manager would. */
static void
memory_case_p2p (const char *name, guint ram, guint ws, guint pace, guint link, guint warm, gboolean p2p)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateRequest) request = NULL;
  g_autofree char *label = NULL;

  if (!p2p)
    {
      memory_case_full (name, ram, ws, pace, link, warm, FALSE, FALSE, "");
      return;
    }
  request = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  label = g_strdup_printf ("memory, %u MiB, %u MiB rewritten at %u MiB/s, %u MiB/s, peer-to-peer", ram, ws, pace,
                           link);
  vm_testbed_dirty_guest (name, ram, ws, pace);
  g_usleep (warm * G_USEC_PER_SEC);
  g_object_set (request, "live", TRUE, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, "hypervisor-uri", "tcp://127.0.0.1",
                "bandwidth", (guint64) link, NULL);
  measure (label, request, link);
}

static void
memory_case (const char *name, guint ram, guint ws, guint pace, guint link, guint warm)
{
  memory_case_full (name, ram, ws, pace, link, warm, FALSE, FALSE, "");
}

/* An idle guest, the most common one: @data MiB of its @ram written once,
 * then nothing touched; migrated over @link MiB/s after @warm s. */
static void
idle_case (const char *name, guint ram, guint data, guint link, guint warm)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autofree char *file = g_strdup_printf ("%s.mig", name);
  g_autofree char *sock = vm_testbed_path (file);
  g_autofree char *hv = g_strconcat ("unix://", sock, NULL);
  g_autofree char *label = g_strdup_printf ("idle, %u MiB, %u MiB written once, %u MiB/s", ram, data, link);

  vm_testbed_idle_guest (name, ram, data);
  g_usleep (warm * G_USEC_PER_SEC);
  g_object_set (request, "live", TRUE, "hypervisor-uri", hv, "bandwidth", (guint64) link, NULL);
  measure (label, request, link);
}

int
main (int argc, char **argv)
{
  const char *only = argc > 1 ? argv[1] : NULL;

  g_print ("Expected end against the real end (as a part of the time still left) at 25, 50 and "
           "75 %% of the wall time, sampled every 250 ms; the highest rate shown against the cap\n\n");
  g_print ("| migration | wall (s) | highest rate (MiB/s) | at 25 %% | at 50 %% | at 75 %% |\n");
  g_print ("| --- | --- | --- | --- | --- | --- |\n");
  {
    /* The typelib test's copy; a last batch of half a batch at a low cap
     * (its size once read as the pace's: +60 % at 75 %); a fast one. */
    const struct { const char *name; guint disk, cap; } copies[] = {
      { "eta-disk", 96, 8 },
      { "eta-disk-slow", 24, 2 },
      { "eta-disk-fast", 256, 32 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (copies); i++)
      if (only == NULL || g_str_equal (only, "storage") || g_str_equal (only, copies[i].name))
        {
          /* Made only when measured: its guest runs from here on. */
          g_autoptr(VirtMigrateRequest) storage = vm_testbed_slow_request (copies[i].name, copies[i].disk,
                                                                           copies[i].cap);
          g_autofree char *label = g_strdup_printf ("storage copy, %u MiB disk, %u MiB/s", copies[i].disk,
                                                    copies[i].cap);

          measure (label, storage, copies[i].cap);
        }
  }
  {
    const struct { const char *name; guint ram, ws, pace, link, warm; } cases[] = {
      { "eta-m1", 256, 96, 8, 16, 6 },
      { "eta-m2", 512, 192, 4, 8, 6 },
      { "eta-m3", 1024, 128, 4, 24, 8 },
      { "eta-m4", 768, 256, 6, 20, 10 },
      { "eta-m5", 2048, 96, 3, 32, 6 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      if (only == NULL || g_str_equal (only, "memory") || g_str_equal (only, cases[i].name))
        memory_case (cases[i].name, cases[i].ram, cases[i].ws, cases[i].pace, cases[i].link, cases[i].warm);
  }
  /* Idle guests with data in their RAM. */
  if (only == NULL || g_str_equal (only, "idle"))
    {
      idle_case ("eta-idle1", 512, 128, 16, 6);
      idle_case ("eta-idle2", 1024, 256, 32, 6);
    }
  /* Any other guests: "RAM,WS,PACE,LINK[,WARM[,p2p|back]]" (MiB, MiB, MiB/s,
   * MiB/s, s), one after another (the later ones expect QEMU's set-up as
   * the earlier ones measured it, from the history). */
  for (int a = 1; a < argc && g_ascii_isdigit (argv[a][0]); a++)
    {
      g_auto(GStrv) f = g_strsplit (argv[a], ",", -1);
      guint n = g_strv_length (f);

      if (n < 4)
        g_error ("a guest is RAM,WS,PACE,LINK[,WARM[,p2p|back]]");
      if (n > 5 && g_str_equal (f[5], "back"))
        memory_case_full ("eta-custom", atoi (f[0]), atoi (f[1]), atoi (f[2]), atoi (f[3]), atoi (f[4]), FALSE, TRUE,
                          "");
      else
        memory_case_p2p ("eta-custom", atoi (f[0]), atoi (f[1]), atoi (f[2]), atoi (f[3]), n > 4 ? atoi (f[4]) : 6,
                         n > 5 && g_str_equal (f[5], "p2p"));
    }
  /* Guests the policy has to help: 32 MiB rewritten faster than the link
   * (about 4 s of downtime needed, under its 5 s ceiling: it raises the
   * downtime), and the same with post-copy allowed (it switches). */
  if (only == NULL || g_str_equal (only, "policy"))
    {
      memory_case_full ("eta-policy", 256, 32, 12, 8, 6, FALSE, FALSE, ", the policy raising the downtime");
      memory_case_full ("eta-postcopy", 256, 32, 12, 8, 6, TRUE, FALSE, ", post-copy allowed");
    }
  return 0;
}
