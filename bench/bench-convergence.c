/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Convergence: the memory-dirtying guest (tests/dirtier, 256 MiB of RAM,
 * 128 MiB of it dirtied at RATE MiB/s) migrated over a link capped at
 * 20 MiB/s, for several dirty rates:
 *
 *   virsh           `virsh migrate --live` with its defaults, given a time limit
 *   virsh+ac        the same with --auto-converge
 *   virt-migrate    a VirtMigrateManager job with the default policy
 *
 * For each: success, time to complete, the downtime QEMU reported, and the
 * bytes sent relative to the guest's RAM, each method REPEAT times per rate
 * (interleaved): how many completed, and the medians of those that did.
 * One run, one table.
 *   tests/testbed/virt-migrate-testbed run -- build/bench/bench-convergence [LIMIT_S [REPEAT [RATE...]]] */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "vm-testbed.h"

#define MEM_MIB 256
#define DIRTY_MIB 128
#define BANDWIDTH 20

typedef struct {
  gboolean ok;
  gdouble  seconds;
  guint64  downtime;
  guint64  sent;
} Outcome;

/* The destination's record of the finished migration. */
static void
completed_stats (const char *name, Outcome *o)
{
  const VmTestbed *tb = vm_testbed_get ();
  virConnectPtr conn = vm_testbed_connect (tb->dst_uri);
  virDomainPtr dom = virDomainLookupByName (conn, name);
  virTypedParameterPtr params = NULL;
  int nparams = 0, type = 0;
  unsigned long long v = 0;

  if (dom != NULL && virDomainGetJobStats (dom, &type, &params, &nparams, VIR_DOMAIN_JOB_STATS_COMPLETED) == 0)
    {
      if (virTypedParamsGetULLong (params, nparams, VIR_DOMAIN_JOB_DOWNTIME, &v) == 1)
        o->downtime = v;
      if (o->sent == 0 && virTypedParamsGetULLong (params, nparams, VIR_DOMAIN_JOB_DATA_PROCESSED, &v) == 1)
        o->sent = v;
      virTypedParamsFree (params, nparams);
    }
  if (dom != NULL)
    virDomainFree (dom);
  virConnectClose (conn);
}

static Outcome
run_virsh (const char *name, gboolean auto_converge, guint limit)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *sock = vm_testbed_path (name);
  g_autofree char *hv = g_strconcat ("unix://", sock, ".mig", NULL);
  g_autofree char *bw = g_strdup_printf ("%u", BANDWIDTH);
  g_autofree char *lim = g_strdup_printf ("%u", limit);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *head[] = { "timeout", "-s", "INT", "-k", "30", lim, "virsh", "-q", "-c", tb->src_uri, "migrate", "--live",
                         "--bandwidth", bw };

  for (guint i = 0; i < G_N_ELEMENTS (head); i++)
    g_ptr_array_add (argv, (gpointer) head[i]);
  if (auto_converge)
    g_ptr_array_add (argv, "--auto-converge");
  g_ptr_array_add (argv, (gpointer) name);
  g_ptr_array_add (argv, (gpointer) tb->dst_uri);
  g_ptr_array_add (argv, hv);
  g_ptr_array_add (argv, NULL);
  gint64 start = g_get_monotonic_time ();
  int status = 0;
  Outcome o = { 0 };

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL);
  o.seconds = (g_get_monotonic_time () - start) / (gdouble) G_USEC_PER_SEC;
  o.ok = g_spawn_check_wait_status (status, NULL) &&
         vm_testbed_guest_state (tb->dst_uri, name, NULL) == VM_GUEST_RUNNING;
  if (o.ok)
    completed_stats (name, &o);
  return o;
}

static Outcome
run_library (const char *name)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new ();
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autofree char *sock = vm_testbed_path (name);
  g_autofree char *hv = g_strconcat ("unix://", sock, ".mig", NULL);
  g_autoptr(VirtMigrateJob) job = NULL;
  Outcome o = { 0 };

  g_object_set (req, "live", TRUE, "bandwidth", (guint64) BANDWIDTH, "hypervisor-uri", hv, NULL);
  job = virt_migrate_manager_create_job (manager, req, NULL);
  o.ok = vm_testbed_run_job (job, NULL, NULL);
  o.seconds = virt_migrate_job_get_elapsed (job) / 1000.0;
  o.downtime = virt_migrate_job_get_downtime (job);
  o.sent = virt_migrate_job_get_data_transferred (job);
  {
    const char *const *m = virt_migrate_job_get_messages (job);

    for (guint i = 0; m != NULL && m[i] != NULL; i++)
      g_printerr ("  %s\n", m[i]);
  }
  return o;
}

static char *
format_median (GArray *values, guint decimals)
{
  gdouble m = vm_testbed_median (values);

  return m < 0 ? g_strdup ("-") : g_strdup_printf ("%.*f", (int) decimals, m);
}

int
main (int argc, char **argv)
{
  const VmTestbed *tb = vm_testbed_get ();
  guint limit = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 60;
  guint repeat = argc > 2 ? MAX ((guint) g_ascii_strtoull (argv[2], NULL, 10), 1) : 3;
  guint default_rates[] = { 40, 60 };
  guint n_rates = argc > 3 ? (guint) argc - 3 : G_N_ELEMENTS (default_rates);
  g_autoptr(GString) table = g_string_new (NULL);
  static const char *const methods[] = { "virsh migrate (defaults)", "virsh migrate --auto-converge",
                                         "virt-migrate (default policy)" };

  g_setenv ("VIRT_MIGRATE_DIRTIER", DIRTIER_PATH, FALSE);
  g_string_append_printf (table, "Dirtying guest: %u MiB RAM, %u MiB dirtied at RATE MiB/s; link capped at "
                          "%u MiB/s; virsh given %u s; each method %u times per rate (interleaved)\n\n",
                          MEM_MIB, DIRTY_MIB, BANDWIDTH, limit, repeat);
  g_string_append (table, "| dirty rate | method | completed | time (s), median of completed | "
                          "downtime (ms), median | sent / RAM, median |\n"
                          "| ---: | --- | ---: | ---: | ---: | ---: |\n");
  for (guint r = 0; r < n_rates; r++)
    {
      guint rate = argc > 3 ? (guint) g_ascii_strtoull (argv[r + 3], NULL, 10) : default_rates[r];
      GArray *times[G_N_ELEMENTS (methods)];
      GArray *downtimes[G_N_ELEMENTS (methods)];
      GArray *sent[G_N_ELEMENTS (methods)];
      guint done[G_N_ELEMENTS (methods)] = { 0 };

      for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
        {
          times[m] = g_array_new (FALSE, FALSE, sizeof (gdouble));
          downtimes[m] = g_array_new (FALSE, FALSE, sizeof (gdouble));
          sent[m] = g_array_new (FALSE, FALSE, sizeof (gdouble));
        }
      /* Interleaved: a slow drift of the machine hits every method alike. */
      for (guint k = 0; k < repeat; k++)
        for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
          {
            g_autofree char *name = g_strdup_printf ("conv-%u-%u-%u", rate, m, k);
            Outcome o;

            vm_testbed_dirty_guest (name, MEM_MIB, DIRTY_MIB, rate);
            g_usleep (3 * G_USEC_PER_SEC);
            g_printerr ("%u MiB/s, %s, run %u/%u...\n", rate, methods[m], k + 1, repeat);
            o = m < 2 ? run_virsh (name, m == 1, limit) : run_library (name);
            g_printerr ("  %s in %.1f s\n", o.ok ? "completed" : "did not complete", o.seconds);
            if (o.ok)
              {
                gdouble d = (gdouble) o.downtime, ratio = o.sent / (MEM_MIB * 1024.0 * 1024.0);

                done[m]++;
                g_array_append_val (times[m], o.seconds);
                g_array_append_val (downtimes[m], d);
                if (o.sent > 0)
                  g_array_append_val (sent[m], ratio);
              }
            if (vm_testbed_guest_state (tb->dst_uri, name, NULL) != VM_GUEST_ABSENT)
              vm_testbed_destroy_guest (tb->dst_uri, name);
            if (vm_testbed_guest_state (tb->src_uri, name, NULL) != VM_GUEST_ABSENT)
              vm_testbed_destroy_guest (tb->src_uri, name);
          }
      for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
        {
          g_autofree char *t = format_median (times[m], 1);
          g_autofree char *d = format_median (downtimes[m], 0);
          g_autofree char *x = format_median (sent[m], 2);

          g_string_append_printf (table, "| %u MiB/s | %s | %u/%u | %s | %s | %s |\n", rate, methods[m],
                                  done[m], repeat, t, d, x);
          g_array_unref (times[m]);
          g_array_unref (downtimes[m]);
          g_array_unref (sent[m]);
        }
    }
  g_print ("%s", table->str);
  return 0;
}
