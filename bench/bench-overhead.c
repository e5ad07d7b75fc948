/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Overhead: an idle 64 MiB guest migrated back and forth between the test
 * bed's hosts, peer-to-peer over UNIX sockets, N times each way:
 *
 *   library  a VirtMigrateJob (progress polling, events, post-check)
 *   raw      virDomainMigrateToURI3() called directly, nothing else
 *   virsh    `virsh migrate --live --p2p`
 *
 * Prints the median wall time of each and the ratios, from one run, in
 * interleaved rounds so that drift hits all three alike.
 *   tests/testbed/virt-migrate-testbed run -- build/bench/bench-overhead [ROUNDS] */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "vm-testbed.h"

typedef enum { LIBRARY, RAW, VIRSH, N_WAYS } Way;
static const char *const way_names[] = { "library (VirtMigrateJob)", "raw virDomainMigrateToURI3", "virsh migrate" };

static char *
hv_uri (guint n)
{
  g_autofree char *name = g_strdup_printf ("bench-%u.sock", n);
  g_autofree char *path = vm_testbed_path (name);

  return g_strconcat ("unix://", path, NULL);
}

static gdouble
migrate (Way way, const char *name, const char *from, const char *to, guint n)
{
  g_autofree char *hv = hv_uri (n);
  gint64 start = g_get_monotonic_time ();

  switch (way)
    {
    case LIBRARY:
      {
        g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, from, to);
        g_autoptr(VirtMigrateJob) job = NULL;
        g_autoptr(GError) error = NULL;

        g_object_set (req, "live", TRUE, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, "hypervisor-uri", hv, NULL);
        job = virt_migrate_job_new (req);
        if (!vm_testbed_run_job (job, NULL, &error))
          g_error ("library: %s", error->message);
      }
      break;
    case RAW:
      {
        virConnectPtr conn = vm_testbed_connect (from);
        virDomainPtr dom = virDomainLookupByName (conn, name);
        virTypedParameterPtr params = NULL;
        int nparams = 0, maxparams = 0;

        virTypedParamsAddString (&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_URI, hv);
        if (dom == NULL ||
            virDomainMigrateToURI3 (dom, to, params, nparams, VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER) < 0)
          g_error ("raw: %s", virGetLastErrorMessage ());
        virTypedParamsFree (params, nparams);
        virDomainFree (dom);
        virConnectClose (conn);
      }
      break;
    case VIRSH:
    case N_WAYS:
    default:
      {
        const char *argv[] = { "virsh", "-q", "-c", from, "migrate", "--live", "--p2p", name, to, hv, NULL };

        vm_testbed_run (argv);
      }
      break;
    }
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* The idle guest's migrations take one of two times (about 2.1 s or 3.0 s
 * here, whatever the method: it depends on what SeaBIOS is doing at the
 * moment), so a median flips with how many runs of each method happened to
 * be fast. Returns the middle of the largest gap (> 300 ms) between the
 * sorted times of all methods, or 0 when there is none. */
static gdouble
mode_split (GArray **times)
{
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gdouble best_gap = 300, split = 0;

  for (guint w = 0; w < N_WAYS; w++)
    g_array_append_vals (all, times[w]->data, times[w]->len);
  vm_testbed_sort_doubles (all);
  for (guint i = 1; i < all->len; i++)
    {
      gdouble gap = g_array_index (all, gdouble, i) - g_array_index (all, gdouble, i - 1);

      if (gap > best_gap)
        {
          best_gap = gap;
          split = (g_array_index (all, gdouble, i) + g_array_index (all, gdouble, i - 1)) / 2;
        }
    }
  return split;
}

int
main (int argc, char **argv)
{
  const VmTestbed *tb = vm_testbed_get ();
  guint rounds = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 10;
  GArray *times[N_WAYS];
  guint n = 0;
  gdouble med[N_WAYS];

  vm_testbed_create_guest (tb->src_uri, "bench", NULL, FALSE, TRUE);
  for (guint w = 0; w < N_WAYS; w++)
    times[w] = g_array_new (FALSE, FALSE, sizeof (gdouble));
  /* One warm-up each way, not counted. */
  for (guint w = 0; w < N_WAYS; w++)
    {
      migrate (w, "bench", tb->src_uri, tb->dst_uri, n++);
      migrate (w, "bench", tb->dst_uri, tb->src_uri, n++);
    }
  for (guint r = 0; r < rounds; r++)
    for (guint w = 0; w < N_WAYS; w++)
      {
        gdouble there = migrate (w, "bench", tb->src_uri, tb->dst_uri, n++);
        gdouble back = migrate (w, "bench", tb->dst_uri, tb->src_uri, n++);

        g_array_append_val (times[w], there);
        g_array_append_val (times[w], back);
        g_printerr ("round %u/%u %s: %.0f ms, %.0f ms\n", r + 1, rounds, way_names[w], there, back);
      }
  g_print ("Idle 64 MiB TCG guest, peer-to-peer over UNIX sockets, %u migrations each way per method\n\n",
           rounds);
  g_print ("| method | median (ms) | vs. raw API | fast mode: n, median (ms) | slow mode: n, median (ms) |\n"
           "| --- | ---: | ---: | ---: | ---: |\n");
  {
    gdouble split = mode_split (times);
    gdouble weighted = 0;
    guint n_all = 0, n_fast_all = 0;
    gdouble mode_med[N_WAYS][2];
    guint mode_n[N_WAYS][2];

    for (guint w = 0; w < N_WAYS; w++)
      {
        g_autoptr(GArray) fast = g_array_new (FALSE, FALSE, sizeof (gdouble));
        g_autoptr(GArray) slow = g_array_new (FALSE, FALSE, sizeof (gdouble));

        for (guint i = 0; i < times[w]->len; i++)
          {
            gdouble t = g_array_index (times[w], gdouble, i);

            g_array_append_val (t < split ? fast : slow, t);
          }
        mode_n[w][0] = fast->len;
        mode_n[w][1] = slow->len;
        mode_med[w][0] = fast->len > 0 ? vm_testbed_median (fast) : 0;
        mode_med[w][1] = slow->len > 0 ? vm_testbed_median (slow) : 0;
        med[w] = vm_testbed_median (times[w]);
        n_all += times[w]->len;
        n_fast_all += fast->len;
      }
    for (guint w = 0; w < N_WAYS; w++)
      g_print ("| %s | %.0f | %.3f | %u, %.0f | %u, %.0f |\n", way_names[w], med[w], med[w] / med[RAW],
               mode_n[w][0], mode_med[w][0], mode_n[w][1], mode_med[w][1]);
    g_print ("\nlibrary / raw, medians of all runs = %.3f\n", med[LIBRARY] / med[RAW]);
    if (split > 0 && mode_n[LIBRARY][0] > 0 && mode_n[RAW][0] > 0 && mode_n[LIBRARY][1] > 0 && mode_n[RAW][1] > 0)
      {
        gdouble fast_ratio = mode_med[LIBRARY][0] / mode_med[RAW][0];
        gdouble slow_ratio = mode_med[LIBRARY][1] / mode_med[RAW][1];
        gdouble w_fast = (gdouble) n_fast_all / n_all;

        weighted = w_fast * fast_ratio + (1 - w_fast) * slow_ratio;
        g_print ("two modes (split at %.0f ms): library / raw = %.3f fast, %.3f slow, %.3f weighted by "
                 "how often each mode came up (goal: <= 1.02)\n", split, fast_ratio, slow_ratio, weighted);
      }
    else
      g_print ("one mode (goal: library / raw <= 1.02)\n");
  }
  vm_testbed_destroy_guest (tb->src_uri, "bench");
  return 0;
}
