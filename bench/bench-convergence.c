/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Convergence against the anchors, same guests, one run.
 *
 * Dirtying guests (tests/dirtier) at several rates and working-set sizes,
 * each migrated peer-to-peer over tcp://127.0.0.1 with a bandwidth cap, by:
 *
 *   plain libvirt       `virsh migrate --live` (guests that converge unaided)
 *   virsh post-copy     `virsh migrate --postcopy --postcopy-after-precopy`
 *   virsh suspend       `virsh migrate --timeout T --timeout-suspend`
 *   ours, post-copy     `virt-migrate --live --p2p --postcopy`: the CLI, default policy
 *   ours                `virt-migrate --live --p2p`: the same without post-copy
 *   Nova                Nova's default schedule (baseline-controllers.c)
 *   KubeVirt            KubeVirt's defaults (baseline-controllers.c)
 *
 * virsh and the CLI are timed the same way: each a process, from its spawn
 * to its exit (its connections, its checks, the migration, its wait for the
 * end). Nova's and KubeVirt's schedules run as controllers on a library job
 * in this process (they are not programs one can spawn), timed by the job.
 *
 * For each: the outcome, wall time, the downtime QEMU reported and the
 * bytes sent per byte of RAM, then ours against each as ratios. Nova's own
 * completion timeout for these guests is 1600 s; the bench stops a baseline
 * at CAP seconds and says so (its figures are then lower bounds).
 *   tests/testbed/virt-migrate-testbed run -- build/bench/bench-convergence [CAP_S [SUSPEND_S [GUEST...]]] */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <string.h>

#include "baseline-controllers.h"
#include "vm-testbed.h"

#define MIB (1024.0 * 1024.0)

typedef struct {
  const char *name;
  guint       memory;     /* MiB */
  guint       dirty;      /* MiB rewritten */
  guint       rate;       /* MiB/s the guest rewrites, 0: full speed */
  guint       bandwidth;  /* MiB/s cap */
  gboolean    converges;  /* unaided */
} Guest;

static const Guest guests[] = {
  { "converges", 256, 64, 2, 16, TRUE },
  { "stalls", 256, 64, 60, 20, FALSE },
  { "hopeless", 128, 48, 0, 8, FALSE },
  { "large", 256, 128, 40, 20, FALSE },
};

typedef enum {
  M_PLAIN, M_VIRSH_POSTCOPY, M_VIRSH_SUSPEND, M_OURS_POSTCOPY, M_OURS, M_NOVA, M_KUBEVIRT, N_METHODS
} Method;

static const char *const method_names[] = {
  "plain libvirt (virsh migrate --live)", "virsh --postcopy --postcopy-after-precopy",
  "virsh --timeout T --timeout-suspend", "virt-migrate, post-copy allowed", "virt-migrate",
  "Nova defaults", "KubeVirt defaults",
};

typedef struct {
  gboolean done;      /* ran */
  gboolean ok;        /* the guest runs on the destination */
  gboolean capped;    /* stopped by the bench */
  gdouble  seconds;
  guint64  downtime;
  guint64  sent;
  char    *note;
} Outcome;

static guint cap = 150, suspend_after = 20;

/* libvirt's record of the migration that ended, on the host @uri: the
 * destination's of a finished one, the source's of one that did not finish
 * (libvirt keeps those figures too, where it has any). */
static void
completed_stats (const char *uri, const char *name, Outcome *o)
{
  virConnectPtr conn = vm_testbed_connect (uri);
  virDomainPtr dom = virDomainLookupByName (conn, name);
  virTypedParameterPtr params = NULL;
  int nparams = 0, type = 0;
  unsigned long long v = 0;

  if (dom != NULL && virDomainGetJobStats (dom, &type, &params, &nparams, VIR_DOMAIN_JOB_STATS_COMPLETED) == 0)
    {
      if (virTypedParamsGetULLong (params, nparams, VIR_DOMAIN_JOB_DOWNTIME, &v) == 1)
        o->downtime = v;
      if (virTypedParamsGetULLong (params, nparams, VIR_DOMAIN_JOB_DATA_PROCESSED, &v) == 1)
        o->sent = v;
      virTypedParamsFree (params, nparams);
    }
  if (dom != NULL)
    virDomainFree (dom);
  virConnectClose (conn);
}

/* Runs @argv (NULL-terminated) for the migration of @name and times it as
 * a whole process; its standard error in @err if wanted. */
static Outcome
spawn_timed (GPtrArray *argv, const char *name, char **err)
{
  const VmTestbed *tb = vm_testbed_get ();
  GSpawnFlags flags = G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | (err == NULL ? G_SPAWN_STDERR_TO_DEV_NULL : 0);
  gint64 start = g_get_monotonic_time ();
  int status = 0;
  Outcome o = { 0 };

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, flags, NULL, NULL, NULL, err, &status, NULL);
  o.done = TRUE;
  o.seconds = (g_get_monotonic_time () - start) / (gdouble) G_USEC_PER_SEC;
  o.ok = g_spawn_check_wait_status (status, NULL) &&
         vm_testbed_guest_state (tb->dst_uri, name, NULL) == VM_GUEST_RUNNING;
  if (o.ok)
    completed_stats (tb->dst_uri, name, &o);
  else
    o.capped = o.seconds >= cap;
  return o;
}

static Outcome
run_virsh (const char *name, const Guest *g, Method m)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *bw = g_strdup_printf ("%u", g->bandwidth);
  g_autofree char *lim = g_strdup_printf ("%u", cap);
  g_autofree char *after = g_strdup_printf ("%u", suspend_after);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *head[] = { "timeout", "-s", "INT", "-k", "30", lim, "virsh", "-q", "-c", tb->src_uri, "migrate",
                         "--live", "--p2p", "--bandwidth", bw };
  Outcome o = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (head); i++)
    g_ptr_array_add (argv, (gpointer) head[i]);
  if (m == M_VIRSH_POSTCOPY)
    {
      g_ptr_array_add (argv, "--postcopy");
      g_ptr_array_add (argv, "--postcopy-after-precopy");
    }
  else if (m == M_VIRSH_SUSPEND)
    {
      g_ptr_array_add (argv, "--timeout");
      g_ptr_array_add (argv, after);
      g_ptr_array_add (argv, "--timeout-suspend");
    }
  g_ptr_array_add (argv, (gpointer) name);
  g_ptr_array_add (argv, (gpointer) tb->dst_uri);
  g_ptr_array_add (argv, "tcp://127.0.0.1");
  g_ptr_array_add (argv, NULL);
  o = spawn_timed (argv, name, NULL);
  if (!o.ok)
    o.note = g_strdup (o.capped ? "stopped by the bench" : "failed");
  return o;
}

/* Ours as a user runs it: the CLI, a process like virsh, with its default
 * policy. */
static Outcome
run_cli (const char *name, const Guest *g, Method m)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *bw = g_strdup_printf ("%u", g->bandwidth);
  g_autofree char *lim = g_strdup_printf ("%u", cap);
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *head[] = { "timeout", "-s", "INT", "-k", "30", lim, VIRT_MIGRATE_CLI, "-q", "-c", tb->src_uri,
                         "--live", "--p2p", "--bandwidth", bw };
  Outcome o = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (head); i++)
    g_ptr_array_add (argv, (gpointer) head[i]);
  if (m == M_OURS_POSTCOPY)
    g_ptr_array_add (argv, "--postcopy");
  g_ptr_array_add (argv, (gpointer) name);
  g_ptr_array_add (argv, (gpointer) tb->dst_uri);
  g_ptr_array_add (argv, "tcp://127.0.0.1");
  g_ptr_array_add (argv, NULL);
  o = spawn_timed (argv, name, &err);
  if (!o.ok)
    {
      const char *cannot = err != NULL ? strstr (err, "cannot converge") : NULL;
      const char *eol = cannot != NULL ? strchr (cannot, '\n') : NULL;

      completed_stats (tb->src_uri, name, &o);
      o.note = o.capped ? g_strdup ("stopped by the bench") :
               cannot != NULL ? g_strdup_printf ("gave up: %.*s", (int) (eol != NULL ? eol - cannot : (long) strlen (cannot)), cannot) :
               g_strdup ("failed");
    }
  return o;
}

static gboolean
cap_cb (gpointer user_data)
{
  virt_migrate_job_cancel (user_data, NULL);
  g_object_set_data (user_data, "capped", GINT_TO_POINTER (1));
  return G_SOURCE_REMOVE;
}

/* The job's figures fall back to zero when an aborted migration ends:
 * keep the highest seen. */
static void
on_transferred (VirtMigrateJob *job, GParamSpec *pspec, guint64 *sent)
{
  *sent = MAX (*sent, virt_migrate_job_get_data_transferred (job));
}

static Outcome
run_library (VirtMigrateManager *manager, const char *name, const Guest *g, Method m)
{
  guint64 most_sent = 0;
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(BaselineController) controller = NULL;
  g_autoptr(GError) error = NULL;
  guint cap_id = 0;
  Outcome o = { 0 };

  g_object_set (req, "live", TRUE, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, "hypervisor-uri", "tcp://127.0.0.1",
                "bandwidth", (guint64) g->bandwidth, "postcopy", m == M_OURS_POSTCOPY,
                "convergence-policy", m == M_OURS_POSTCOPY || m == M_OURS, NULL);
  job = virt_migrate_manager_create_job (manager, req, &error);
  g_assert_no_error (error);
  g_signal_connect (job, "notify::data-transferred", G_CALLBACK (on_transferred), &most_sent);
  if (m == M_NOVA || m == M_KUBEVIRT)
    {
      controller = baseline_controller_start (m == M_NOVA ? BASELINE_NOVA : BASELINE_KUBEVIRT, job,
                                              (guint64) g->memory * 1024 * 1024);
      cap_id = g_timeout_add_seconds (cap, cap_cb, job);
    }
  o.ok = vm_testbed_run_job (job, NULL, NULL);
  if (cap_id != 0 && g_object_get_data (G_OBJECT (job), "capped") == NULL)
    g_source_remove (cap_id);
  o.done = TRUE;
  o.seconds = virt_migrate_job_get_elapsed (job) / 1000.0;
  o.downtime = virt_migrate_job_get_downtime (job);
  o.sent = MAX (most_sent, virt_migrate_job_get_data_transferred (job));
  o.capped = g_object_get_data (G_OBJECT (job), "capped") != NULL;
  if (!o.ok)
    {
      const GError *e = virt_migrate_job_get_error (job);

      if (o.capped)
        o.note = g_strdup ("stopped by the bench");
      else if (controller != NULL && baseline_controller_get_verdict (controller) != NULL)
        o.note = g_strdup (baseline_controller_get_verdict (controller));
      else if (e != NULL && g_error_matches (e, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CANNOT_CONVERGE))
        o.note = g_strdup_printf ("gave up: %s", e->message);
      else
        o.note = g_strdup (e != NULL ? e->message : "cancelled");
    }
  return o;
}

static const char *
verdict (const Outcome *o, char *buf, gsize len)
{
  if (o->ok)
    g_snprintf (buf, len, "moved");
  else
    g_snprintf (buf, len, "not moved (%s)", o->note);
  return buf;
}

/* ours / theirs: "0.07", or "< 0.07" when theirs is a lower bound. */
static char *
ratio (gdouble ours, gdouble theirs, gboolean lower_bound)
{
  if (theirs <= 0)
    return g_strdup ("-");
  return g_strdup_printf ("%s%.2f", lower_bound ? "< " : "", ours / theirs);
}

int
main (int argc, char **argv)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new ();
  g_autoptr(GString) table = g_string_new (NULL);
  g_autoptr(GString) ratios = g_string_new (NULL);

  cap = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 150;
  suspend_after = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 20;
  g_setenv ("VIRT_MIGRATE_DIRTIER", DIRTIER_PATH, FALSE);
  g_string_append_printf (table, "Peer-to-peer over tcp://127.0.0.1; baselines and virsh stopped at %u s; "
                          "virsh suspends after %u s; the policy's downtime ceiling 5000 ms\n\n", cap, suspend_after);
  g_string_append (table, "| guest | method | outcome | wall (s) | downtime (ms) | sent / RAM |\n"
                          "| --- | --- | --- | ---: | ---: | ---: |\n");
  for (guint gi = 0; gi < G_N_ELEMENTS (guests); gi++)
    {
      const Guest *g = &guests[gi];
      gboolean wanted = argc <= 3;

      for (int a = 3; a < argc; a++)
        wanted = wanted || g_str_equal (argv[a], g->name);
      if (!wanted)
        continue;
      Outcome out[N_METHODS] = { 0 };
      g_autofree char *speed = g->rate == 0 ? g_strdup ("full speed") : g_strdup_printf ("%u MiB/s", g->rate);
      g_autofree char *label = g_strdup_printf ("%s: %u MiB, %u MiB rewritten at %s, %u MiB/s link", g->name,
                                                g->memory, g->dirty, speed, g->bandwidth);
      static const Method converging[] = { M_PLAIN, M_OURS, M_PLAIN, M_OURS, M_PLAIN, M_OURS, M_NOVA, M_KUBEVIRT };
      static const Method hard[] = { M_VIRSH_POSTCOPY, M_OURS_POSTCOPY, M_VIRSH_SUSPEND, M_OURS, M_NOVA, M_KUBEVIRT };
      const Method *order = g->converges ? converging : hard;
      guint n = g->converges ? G_N_ELEMENTS (converging) : G_N_ELEMENTS (hard);
      GArray *plain_t = g_array_new (FALSE, FALSE, sizeof (gdouble));
      GArray *ours_t = g_array_new (FALSE, FALSE, sizeof (gdouble));

      for (guint k = 0; k < n; k++)
        {
          Method m = order[k];
          g_autofree char *name = g_strdup_printf ("conv-%s-%u", g->name, k);
          Outcome o;
          char buf[512];

          vm_testbed_dirty_guest (name, g->memory, g->dirty, g->rate);
          g_usleep (3 * G_USEC_PER_SEC);
          g_printerr ("%s: %s...\n", g->name, method_names[m]);
          o = m <= M_VIRSH_SUSPEND ? run_virsh (name, g, m) :
              m == M_OURS || m == M_OURS_POSTCOPY ? run_cli (name, g, m) : run_library (manager, name, g, m);
          g_printerr ("  %s in %.1f s, downtime %" G_GUINT64_FORMAT " ms, sent %.2f x RAM\n",
                      verdict (&o, buf, sizeof buf), o.seconds, o.downtime, o.sent / (g->memory * MIB));
          if (g->converges && (m == M_PLAIN || m == M_OURS))
            g_array_append_val (m == M_PLAIN ? plain_t : ours_t, o.seconds);
          g_free (out[m].note);
          out[m] = o;
          if (vm_testbed_guest_state (tb->dst_uri, name, NULL) != VM_GUEST_ABSENT)
            vm_testbed_destroy_guest (tb->dst_uri, name);
          if (vm_testbed_guest_state (tb->src_uri, name, NULL) != VM_GUEST_ABSENT)
            vm_testbed_destroy_guest (tb->src_uri, name);
        }
      for (guint m = 0; m < N_METHODS; m++)
        {
          char buf[512];

          if (!out[m].done)
            continue;
          g_autofree char *downtime = NULL;
          g_autofree char *sent = NULL;

          /* libvirt keeps no completed-job figures for virsh's post-copy. */
          if (out[m].sent == 0)
            downtime = g_strdup ("n/a"), sent = g_strdup ("n/a");
          else
            {
              downtime = out[m].ok ? g_strdup_printf ("%" G_GUINT64_FORMAT, out[m].downtime) : g_strdup ("-");
              sent = g_strdup_printf ("%s%.2f", out[m].capped ? "> " : "", out[m].sent / (g->memory * MIB));
            }
          g_string_append_printf (table, "| %s | %s | %s | %s%.1f | %s | %s |\n", g->name, method_names[m],
                                  verdict (&out[m], buf, sizeof buf), out[m].capped ? "> " : "", out[m].seconds,
                                  downtime, sent);
        }
      g_string_append_printf (ratios, "\n%s\n", label);
      if (g->converges)
        {
          gdouble p = vm_testbed_median (plain_t), q = vm_testbed_median (ours_t);

          g_string_append_printf (ratios, "  wall time, medians of %u runs each (interleaved): virt-migrate %.2f s, "
                                  "plain libvirt %.2f s: ratio %.3f (goal <= 1.05)\n", plain_t->len, q, p, q / p);
          g_string_append_printf (ratios, "  downtime: virt-migrate %" G_GUINT64_FORMAT " ms, plain libvirt %"
                                  G_GUINT64_FORMAT " ms (same 300 ms default ceiling)\n",
                                  out[M_OURS].downtime, out[M_PLAIN].downtime);
        }
      else
        {
          Method ours[] = { M_OURS_POSTCOPY, M_OURS };

          for (guint i = 0; i < G_N_ELEMENTS (ours); i++)
            {
              const Outcome *a = &out[ours[i]];
              Method refs[] = { M_NOVA, M_KUBEVIRT, i == 0 ? M_VIRSH_POSTCOPY : M_VIRSH_SUSPEND };

              for (guint r = 0; r < G_N_ELEMENTS (refs); r++)
                {
                  const Outcome *b = &out[refs[r]];
                  g_autofree char *wt = ratio (a->seconds, b->seconds, b->capped);
                  g_autofree char *bt = b->sent > 0 && a->sent > 0 ? ratio (a->sent, b->sent, b->capped) : g_strdup ("n/a");

                  g_string_append_printf (ratios, "  %s (%s) / %s (%s): wall %s, bytes sent %s\n",
                                          method_names[ours[i]], a->ok ? "moved" : "not moved",
                                          method_names[refs[r]], b->ok ? "moved" : b->capped ? "not done" : "not moved",
                                          wt, bt);
                }
            }
        }
      for (guint m = 0; m < N_METHODS; m++)
        g_free (out[m].note);
      g_array_unref (plain_t);
      g_array_unref (ours_t);
    }
  g_print ("%s%s", table->str, ratios->str);
  return 0;
}
