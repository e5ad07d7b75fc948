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

static int
compare (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static gdouble
median (GArray *a)
{
  g_array_sort (a, compare);
  return a->len % 2 ? g_array_index (a, gdouble, a->len / 2)
                    : (g_array_index (a, gdouble, a->len / 2 - 1) + g_array_index (a, gdouble, a->len / 2)) / 2;
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
  g_print ("| method | median (ms) | vs. raw API |\n| --- | ---: | ---: |\n");
  for (guint w = 0; w < N_WAYS; w++)
    med[w] = median (times[w]);
  for (guint w = 0; w < N_WAYS; w++)
    g_print ("| %s | %.0f | %.3f |\n", way_names[w], med[w], med[w] / med[RAW]);
  g_print ("\nlibrary / raw = %.3f (goal: <= 1.02)\n", med[LIBRARY] / med[RAW]);
  vm_testbed_destroy_guest (tb->src_uri, "bench");
  return 0;
}
