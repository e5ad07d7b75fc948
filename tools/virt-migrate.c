/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-migrate: migrate a libvirt guest with a live progress bar. */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include <virt-migrate.h>

#define EXIT_USAGE 2
#define EXIT_CANCELLED 130

typedef struct {
  GMainLoop      *loop;
  VirtMigrateJob *job;
  gboolean        tty;
  gboolean        quiet;
  gint64          last_line; /* when the last non-tty line was printed */
  guint           n_interrupts;
  int             exit_code;
} Cli;

static void
format_bytes (char *buf, gsize len, guint64 bytes)
{
  g_snprintf (buf, len, "%.1f", bytes / (1024.0 * 1024.0));
}

static void
draw_progress (Cli *cli, gboolean final)
{
  VirtMigrateJob *job = cli->job;
  gdouble progress = virt_migrate_job_get_progress (job);
  guint64 total = virt_migrate_job_get_data_total (job);
  guint64 done = virt_migrate_job_get_data_processed (job);
  guint64 rate = virt_migrate_job_get_rate (job);
  gint64 end = virt_migrate_job_get_expected_end_time (job);
  char done_s[32], total_s[32], rate_s[32], eta[32] = "--:--";
  char bar[31];
  guint filled = (guint) (progress * 30 + 0.5);
  gint64 now;

  if (cli->quiet)
    return;
  now = g_get_monotonic_time ();
  if (!cli->tty && !final && now - cli->last_line < G_USEC_PER_SEC)
    return;
  cli->last_line = now;

  for (guint i = 0; i < 30; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[30] = '\0';
  format_bytes (done_s, sizeof done_s, done);
  format_bytes (total_s, sizeof total_s, total);
  format_bytes (rate_s, sizeof rate_s, rate);
  if (end > 0)
    {
      gint64 left = MAX ((end - g_get_real_time ()) / G_USEC_PER_SEC, 0);
      g_snprintf (eta, sizeof eta, "%" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT, left / 60, left % 60);
    }

  fprintf (stderr, "%s[%s] %3.0f%%  %s/%s MiB  %s MiB/s  ETA %s%s",
           cli->tty ? "\r" : "", bar, progress * 100.0, done_s, total_s, rate_s, eta,
           cli->tty ? "\033[K" : "\n");
  fflush (stderr);
}

static void
on_progress (VirtMigrateJob *job, GParamSpec *pspec, Cli *cli)
{
  draw_progress (cli, FALSE);
}

static void
on_run_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  VirtMigrateJob *job = VIRT_MIGRATE_JOB (source);
  VirtMigrateRequest *request = virt_migrate_job_get_request (job);
  g_autoptr(GError) error = NULL;

  if (virt_migrate_job_run_finish (job, result, &error))
    {
      draw_progress (cli, TRUE);
      if (cli->tty && !cli->quiet)
        fputc ('\n', stderr);
      if (!cli->quiet)
        printf ("Migrated '%s' in %.1f s (downtime %" G_GUINT64_FORMAT " ms, %s)\n",
                virt_migrate_request_get_domain (request),
                virt_migrate_job_get_elapsed (job) / 1000.0, virt_migrate_job_get_downtime (job),
                virt_migrate_job_get_libvirt_api (job));
      cli->exit_code = EXIT_SUCCESS;
    }
  else
    {
      if (cli->tty && !cli->quiet)
        fputc ('\n', stderr);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          fprintf (stderr, "%s\n", error->message);
          cli->exit_code = EXIT_CANCELLED;
        }
      else
        {
          int code = error->domain == VIRT_MIGRATE_ERROR ? virt_migrate_error_get_libvirt_code (error) : 0;

          if (code != 0)
            fprintf (stderr, "error: %s (libvirt error %d)\n", error->message, code);
          else
            fprintf (stderr, "error: %s\n", error->message);
          cli->exit_code = EXIT_FAILURE;
        }
    }
  g_main_loop_quit (cli->loop);
}

static gboolean
on_interrupt (gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;

  if (cli->n_interrupts++ > 0)
    {
      fprintf (stderr, "\nStill cancelling; waiting for libvirt to abort the migration\n");
      return G_SOURCE_CONTINUE;
    }
  if (cli->tty)
    fputc ('\n', stderr);
  if (virt_migrate_job_cancel (cli->job, &error))
    fprintf (stderr, "Cancelling the migration...\n");
  else
    fprintf (stderr, "Cannot cancel: %s\n", error->message);
  return G_SOURCE_CONTINUE;
}

static void
on_plan_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigratePlan) plan =
    virt_migrate_manager_plan_finish (VIRT_MIGRATE_MANAGER (source), result, &error);

  if (plan == NULL)
    {
      fprintf (stderr, "error: %s\n", error->message);
      cli->exit_code = EXIT_FAILURE;
    }
  else
    {
      g_autofree char *text = virt_migrate_plan_to_text (plan);

      printf ("%s", text);
      printf ("Dry run: nothing was migrated.\n");
      cli->exit_code = EXIT_SUCCESS;
    }
  g_main_loop_quit (cli->loop);
}

static gboolean
read_file_option (const char *path, char **contents, GError **error)
{
  if (path == NULL)
    return TRUE;
  return g_file_get_contents (path, contents, NULL, error);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigrateRequest) request = NULL;
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *source_uri = NULL, *migrate_uri = NULL, *disks_uri = NULL;
  g_autofree char *xml_file = NULL, *persistent_xml_file = NULL, *dname = NULL;
  g_autofree char *listen_address = NULL, *tls_destination = NULL, *migrate_disks = NULL;
  g_autofree char *comp_methods = NULL;
  g_autofree char *dest_xml = NULL, *persistent_xml = NULL;
  gboolean live = FALSE, p2p = FALSE, tunnelled = FALSE, direct = FALSE, offline = FALSE;
  gboolean persistent = FALSE, undefine = FALSE, suspend = FALSE, copy_all = FALSE, copy_inc = FALSE;
  gboolean tls = FALSE, compressed = FALSE, auto_converge = FALSE, postcopy = FALSE;
  gboolean postcopy_after = FALSE, abort_on_error = FALSE, unsafe = FALSE, quiet = FALSE;
  gboolean version = FALSE, dry_run = FALSE;
  gint64 bandwidth = 0, max_downtime = 0;
  int parallel = 0, disks_port = 0, poll_interval = 0;
  g_auto(GStrv) args = NULL;
  const char *domain, *dest_uri = NULL;
  Cli cli = { 0 };
  const GOptionEntry entries[] = {
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &source_uri, "Source libvirt URI (default: $LIBVIRT_DEFAULT_URI or qemu:///system)", "URI" },
    { "live", 0, 0, G_OPTION_ARG_NONE, &live, "Live migration: the guest keeps running", NULL },
    { "p2p", 0, 0, G_OPTION_ARG_NONE, &p2p, "Peer-to-peer: the source libvirtd drives the migration", NULL },
    { "tunnelled", 0, 0, G_OPTION_ARG_NONE, &tunnelled, "Tunnel the data through libvirtd (with --p2p)", NULL },
    { "direct", 0, 0, G_OPTION_ARG_NONE, &direct, "Unmanaged direct: hand over to the hypervisor (needs --migrateuri)", NULL },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &offline, "Migrate only the definition (with --persistent)", NULL },
    { "persistent", 0, 0, G_OPTION_ARG_NONE, &persistent, "Persist the guest on the destination", NULL },
    { "undefinesource", 0, 0, G_OPTION_ARG_NONE, &undefine, "Undefine the guest on the source", NULL },
    { "suspend", 0, 0, G_OPTION_ARG_NONE, &suspend, "Leave the guest paused on the destination", NULL },
    { "copy-storage-all", 0, 0, G_OPTION_ARG_NONE, &copy_all, "Copy whole non-shared disks", NULL },
    { "copy-storage-inc", 0, 0, G_OPTION_ARG_NONE, &copy_inc, "Copy the top image of non-shared disks", NULL },
    { "migrate-disks", 0, 0, G_OPTION_ARG_STRING, &migrate_disks, "Comma-separated disk targets to copy", "vda,vdb" },
    { "disks-uri", 0, 0, G_OPTION_ARG_STRING, &disks_uri, "Where the destination NBD server listens", "URI" },
    { "disks-port", 0, 0, G_OPTION_ARG_INT, &disks_port, "Port of the destination NBD server", "PORT" },
    { "migrateuri", 0, 0, G_OPTION_ARG_STRING, &migrate_uri, "Hypervisor migration URI (tcp://, unix://, rdma://)", "URI" },
    { "xml", 0, 0, G_OPTION_ARG_FILENAME, &xml_file, "Domain XML to use on the destination", "FILE" },
    { "persistent-xml", 0, 0, G_OPTION_ARG_FILENAME, &persistent_xml_file, "Persistent XML for the destination", "FILE" },
    { "dname", 0, 0, G_OPTION_ARG_STRING, &dname, "Rename the guest on the destination", "NAME" },
    { "listen-address", 0, 0, G_OPTION_ARG_STRING, &listen_address, "Address the destination listens on", "ADDR" },
    { "bandwidth", 0, 0, G_OPTION_ARG_INT64, &bandwidth, "Bandwidth cap in MiB/s", "MIB" },
    { "max-downtime", 0, 0, G_OPTION_ARG_INT64, &max_downtime, "Longest switch-over pause in ms", "MS" },
    { "tls", 0, 0, G_OPTION_ARG_NONE, &tls, "Encrypt the native migration stream with TLS", NULL },
    { "tls-destination", 0, 0, G_OPTION_ARG_STRING, &tls_destination, "Host name to check the TLS certificate against", "HOST" },
    { "compressed", 0, 0, G_OPTION_ARG_NONE, &compressed, "Compress the migration stream", NULL },
    { "comp-methods", 0, 0, G_OPTION_ARG_STRING, &comp_methods, "Compression methods (xbzrle,mt,zlib,zstd)", "LIST" },
    { "parallel-connections", 0, 0, G_OPTION_ARG_INT, &parallel, "Migrate over N parallel connections", "N" },
    { "auto-converge", 0, 0, G_OPTION_ARG_NONE, &auto_converge, "Throttle the guest's CPUs if needed", NULL },
    { "postcopy", 0, 0, G_OPTION_ARG_NONE, &postcopy, "Allow post-copy", NULL },
    { "postcopy-after-precopy", 0, 0, G_OPTION_ARG_NONE, &postcopy_after, "Switch to post-copy after the first pass", NULL },
    { "abort-on-error", 0, 0, G_OPTION_ARG_NONE, &abort_on_error, "Abort on disk I/O errors", NULL },
    { "unsafe", 0, 0, G_OPTION_ARG_NONE, &unsafe, "Migrate even if libvirt considers it unsafe", NULL },
    { "poll-interval", 0, 0, G_OPTION_ARG_INT, &poll_interval, "Milliseconds between progress polls", "MS" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress bar", NULL },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Print the plan (libvirt call, flags, data path, configuration outcome) and migrate nothing", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, "DOMAIN DEST-URI [MIGRATE-URI]" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  context = g_option_context_new ("- migrate a libvirt guest");
  g_option_context_set_summary (context,
    "Migrates DOMAIN from the source host (--connect) to DEST-URI, showing progress.\n"
    "Options mirror 'virsh migrate'. Ctrl-C cancels: the guest stays on the source.\n"
    "With --direct there is no DEST-URI: give the hypervisor URI with --migrateuri.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return EXIT_USAGE;
    }
  if (version)
    {
      printf ("virt-migrate %s\n", VIRT_MIGRATE_VERSION);
      return EXIT_SUCCESS;
    }
  if (args == NULL || g_strv_length (args) < (direct ? 1 : 2) || g_strv_length (args) > 3)
    {
      fprintf (stderr, "usage: virt-migrate [OPTIONS] DOMAIN DEST-URI [MIGRATE-URI]\n"
                       "       virt-migrate --help\n");
      return EXIT_USAGE;
    }
  domain = args[0];
  if (!direct)
    dest_uri = args[1];
  if (g_strv_length (args) == (direct ? 2u : 3u))
    {
      if (migrate_uri != NULL)
        {
          fprintf (stderr, "MIGRATE-URI given twice (argument and --migrateuri)\n");
          return EXIT_USAGE;
        }
      migrate_uri = g_strdup (args[direct ? 1 : 2]);
    }
  if (bandwidth < 0 || max_downtime < 0 || parallel < 0 || disks_port < 0 || poll_interval < 0)
    {
      fprintf (stderr, "Numeric options cannot be negative\n");
      return EXIT_USAGE;
    }
  if (copy_all && copy_inc)
    {
      fprintf (stderr, "--copy-storage-all and --copy-storage-inc exclude each other\n");
      return EXIT_USAGE;
    }
  if (source_uri == NULL)
    source_uri = g_strdup (g_getenv ("LIBVIRT_DEFAULT_URI") ? g_getenv ("LIBVIRT_DEFAULT_URI")
                                                            : "qemu:///system");
  if (!read_file_option (xml_file, &dest_xml, &error) ||
      !read_file_option (persistent_xml_file, &persistent_xml, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return EXIT_USAGE;
    }

  request = virt_migrate_request_new (domain, source_uri, dest_uri);
  g_object_set (request,
                "flow", direct ? VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT :
                        p2p ? VIRT_MIGRATE_FLOW_PEER_TO_PEER : VIRT_MIGRATE_FLOW_MANAGED_DIRECT,
                "transport", tunnelled ? VIRT_MIGRATE_TRANSPORT_TUNNELLED : VIRT_MIGRATE_TRANSPORT_NATIVE,
                "storage", copy_all ? VIRT_MIGRATE_STORAGE_COPY_ALL :
                           copy_inc ? VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL : VIRT_MIGRATE_STORAGE_SHARED,
                "live", live, "offline", offline, "persist-dest", persistent,
                "undefine-source", undefine, "suspend", suspend,
                "hypervisor-uri", migrate_uri, "disks-uri", disks_uri, "disks-port", disks_port,
                "dest-xml", dest_xml, "persistent-xml", persistent_xml, "dest-name", dname,
                "listen-address", listen_address, "bandwidth", (guint64) bandwidth,
                "max-downtime", (guint64) max_downtime, "tls", tls,
                "tls-destination", tls_destination, "compressed", compressed,
                "parallel-connections", parallel, "auto-converge", auto_converge,
                "postcopy", postcopy, "postcopy-after-precopy", postcopy_after,
                "abort-on-error", abort_on_error, "unsafe", unsafe, NULL);
  if (migrate_disks != NULL)
    {
      g_auto(GStrv) disks = g_strsplit (migrate_disks, ",", -1);
      g_object_set (request, "migrate-disks", disks, NULL);
    }
  if (comp_methods != NULL)
    {
      g_auto(GStrv) methods = g_strsplit (comp_methods, ",", -1);
      g_object_set (request, "compression-methods", methods, NULL);
    }

  if (!virt_migrate_request_validate (request, &error))
    {
      fprintf (stderr, "error: %s\n", error->message);
      return EXIT_USAGE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  cli.loop = loop;
  cli.exit_code = EXIT_FAILURE;
  if (dry_run)
    {
      g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new ();

      virt_migrate_manager_plan_async (manager, request, NULL, on_plan_done, &cli);
      g_main_loop_run (loop);
      return cli.exit_code;
    }

  job = virt_migrate_job_new (request);
  if (poll_interval > 0)
    virt_migrate_job_set_poll_interval (job, (guint) poll_interval);

  cli.job = job;
  cli.tty = isatty (STDERR_FILENO);
  cli.quiet = quiet;
  g_signal_connect (job, "notify::progress", G_CALLBACK (on_progress), &cli);
  g_signal_connect (job, "notify::rate", G_CALLBACK (on_progress), &cli);
  g_unix_signal_add (SIGINT, on_interrupt, &cli);
  g_unix_signal_add (SIGTERM, on_interrupt, &cli);

  if (!quiet)
    fprintf (stderr, "Migrating '%s' from %s to %s\n", domain, source_uri,
             dest_uri != NULL ? dest_uri : migrate_uri);
  virt_migrate_job_run_async (job, NULL, on_run_done, &cli);
  g_main_loop_run (loop);

  return cli.exit_code;
}
