/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Concurrency: N idle 64 MiB guests (default 8) migrated through one
 * VirtMigrateManager all at once, then the same guests back one after
 * another. Prints the total times, their ratio, and the process's memory
 * (VmRSS now, VmHWM peak) after each phase. One run, one table.
 *   tests/testbed/virt-migrate-testbed run -- build/bench/bench-concurrency [N] */
#include "vm-testbed.h"

static guint64
status_kib (const char *field)
{
  g_autofree char *status = NULL;
  g_auto(GStrv) lines = NULL;
  guint64 value = 0;

  g_file_get_contents ("/proc/self/status", &status, NULL, NULL);
  lines = g_strsplit (status != NULL ? status : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], field))
      value = g_ascii_strtoull (lines[i] + strlen (field) + 1, NULL, 10);
  return value;
}

typedef struct {
  GMainLoop *loop;
  guint      left;
  guint      failed;
} Wait;

static void
on_removed (VirtMigrateManager *manager, VirtMigrateJob *job, Wait *w)
{
  if (virt_migrate_job_get_state (job) != VIRT_MIGRATE_JOB_STATE_SUCCEEDED)
    w->failed++;
  if (--w->left == 0)
    g_main_loop_quit (w->loop);
}

static gdouble
run (VirtMigrateManager *manager, char **names, guint n, const char *from, const char *to, gboolean together,
     guint *failed)
{
  Wait w = { g_main_loop_new (NULL, FALSE), 0, 0 };
  gulong id = g_signal_connect (manager, "job-removed", G_CALLBACK (on_removed), &w);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (names[i], from, to);
      g_autofree char *sock = vm_testbed_path (names[i]);
      g_autofree char *hv = g_strdup_printf ("unix://%s-%s.sock", sock, together ? "a" : "b");
      g_autoptr(VirtMigrateJob) job = NULL;

      g_object_set (req, "live", TRUE, "hypervisor-uri", hv, NULL);
      job = virt_migrate_manager_start (manager, req, NULL, NULL);
      g_assert_nonnull (job);
      w.left++;
      if (!together)
        g_main_loop_run (w.loop);
    }
  if (together)
    g_main_loop_run (w.loop);
  g_signal_handler_disconnect (manager, id);
  g_main_loop_unref (w.loop);
  *failed = w.failed;
  return (g_get_monotonic_time () - start) / (gdouble) G_USEC_PER_SEC;
}

int
main (int argc, char **argv)
{
  const VmTestbed *tb = vm_testbed_get ();
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 8;
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new ();
  char **names = g_new0 (char *, n + 1);
  gdouble together, sequential;
  guint64 rss0, rss1, hwm1, rss2, hwm2;
  guint failed1 = 0, failed2 = 0;

  for (guint i = 0; i < n; i++)
    {
      names[i] = g_strdup_printf ("conc-%u", i);
      vm_testbed_create_guest (tb->src_uri, names[i], NULL, FALSE, TRUE);
    }
  rss0 = status_kib ("VmRSS:");
  together = run (manager, names, n, tb->src_uri, tb->dst_uri, TRUE, &failed1);
  rss1 = status_kib ("VmRSS:");
  hwm1 = status_kib ("VmHWM:");
  sequential = run (manager, names, n, tb->dst_uri, tb->src_uri, FALSE, &failed2);
  rss2 = status_kib ("VmRSS:");
  hwm2 = status_kib ("VmHWM:");

  g_print ("%u idle 64 MiB TCG guests through one VirtMigrateManager (managed direct, UNIX sockets)\n\n", n);
  g_print ("| run | total (s) | per guest (s) | failed | VmRSS after (MiB) | VmHWM (MiB) |\n"
           "| --- | ---: | ---: | ---: | ---: | ---: |\n");
  g_print ("| all %u at once | %.1f | %.2f | %u | %.1f | %.1f |\n", n, together, together / n, failed1,
           rss1 / 1024.0, hwm1 / 1024.0);
  g_print ("| one after another | %.1f | %.2f | %u | %.1f | %.1f |\n", sequential, sequential / n, failed2,
           rss2 / 1024.0, hwm2 / 1024.0);
  g_print ("\nat once / one after another = %.2f; manager memory before: %.1f MiB RSS\n",
           together / sequential, rss0 / 1024.0);
  for (guint i = 0; i < n; i++)
    vm_testbed_destroy_guest (tb->src_uri, names[i]);
  g_strfreev (names);
  return failed1 + failed2 > 0;
}
