/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How far the job's expected end and rate are from the truth, for
 *
 *   storage  a 96 MiB disk of random data copied with the guest, capped at
 *            8 MiB/s (QEMU's mirror reports in 16 MiB batches);
 *   memory   the dirtying guest at rates that converge: 256 MiB of RAM,
 *            96 MiB rewritten at 8 MiB/s under a 16 MiB/s cap; and 512 MiB
 *            of RAM, 192 MiB rewritten at 4 MiB/s under an 8 MiB/s cap
 *            (several passes, half a minute).
 *
 * The job is sampled every 250 ms, as a progress dialog would through the
 * typelib; at 25, 50 and 75 % of the wall time the expected end it showed
 * is compared with the real end, as a part of the time that was still
 * left then (what test-python's eta_you_can_trust holds to 20 %). The rate
 * is compared with the cap. One run, each case once:
 *   tests/testbed/virt-migrate-testbed run -- build/bench/bench-eta */
#include "vm-testbed.h"

#define MIB (1024.0 * 1024.0)

typedef struct {
  gint64  at;   /* µs since the epoch */
  gint64  end;  /* the job's expected end, µs since the epoch, 0: unknown */
  guint64 rate; /* bytes/s */
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
                virt_migrate_job_get_rate (s->job) };

  g_array_append_val (s->readings, r);
  return G_SOURCE_CONTINUE;
}

static void
measure (const char *label, VirtMigrateRequest *request, guint64 cap_mib)
{
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
    g_error ("%s: %s", label, error->message);
  g_source_remove (source);
  end = g_get_real_time ();

  for (guint i = 0; i < readings->len; i++)
    max_rate = MAX (max_rate, g_array_index (readings, Reading, i).rate);
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
}

int
main (int argc, char **argv)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateRequest) storage = vm_testbed_slow_request ("eta-disk", 96, 8);
  g_autoptr(VirtMigrateRequest) memory = virt_migrate_request_new ("eta-mem", tb->src_uri, tb->dst_uri);
  g_autofree char *sock = vm_testbed_path ("eta-mem.mig");
  g_autofree char *hv = g_strconcat ("unix://", sock, NULL);
  g_autoptr(VirtMigrateRequest) long_memory = virt_migrate_request_new ("eta-long", tb->src_uri, tb->dst_uri);
  g_autofree char *long_sock = vm_testbed_path ("eta-long.mig");
  g_autofree char *long_hv = g_strconcat ("unix://", long_sock, NULL);

  g_print ("Expected end against the real end (as a part of the time still left) at 25, 50 and "
           "75 %% of the wall time, sampled every 250 ms; the highest rate shown against the cap\n\n");
  g_print ("| migration | wall (s) | highest rate (MiB/s) | at 25 %% | at 50 %% | at 75 %% |\n");
  g_print ("| --- | --- | --- | --- | --- | --- |\n");
  measure ("storage copy, 96 MiB disk, 8 MiB/s", storage, 8);
  vm_testbed_destroy_guest (tb->dst_uri, "eta-disk");

  vm_testbed_dirty_guest ("eta-mem", 256, 96, 8);
  g_usleep (6 * G_USEC_PER_SEC); /* the dirtier running at its pace */
  g_object_set (memory, "live", TRUE, "hypervisor-uri", hv, "bandwidth", (guint64) 16, NULL);
  measure ("memory, 96 MiB rewritten at 8 MiB/s, 16 MiB/s", memory, 16);
  vm_testbed_destroy_guest (tb->dst_uri, "eta-mem");

  vm_testbed_dirty_guest ("eta-long", 512, 192, 4);
  g_usleep (6 * G_USEC_PER_SEC); /* the dirtier running at its pace */
  g_object_set (long_memory, "live", TRUE, "hypervisor-uri", long_hv, "bandwidth", (guint64) 8, NULL);
  measure ("memory, 192 MiB rewritten at 4 MiB/s, 8 MiB/s", long_memory, 8);
  vm_testbed_destroy_guest (tb->dst_uri, "eta-long");
  return 0;
}
