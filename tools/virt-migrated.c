/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-migrated: the virt-migrate D-Bus service. */
#include "config.h"

#include <glib-unix.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <locale.h>
#include <stdio.h>

#include "virt-migrate-service.h"

typedef struct {
  GMainLoop              *loop;
  VirtMigrateManager     *manager;
  VirtMigrateDBusService *service;
  guint                   idle_timeout; /* seconds, 0: never exit when idle */
  guint                   idle_source;
  guint                   trim_source;  /* malloc_trim() once the jobs are gone */
  int                     exit_code;
} Daemon;

static gboolean
on_idle_timeout (gpointer user_data)
{
  Daemon *d = user_data;

  /* Finished jobs stay exported for --retention: until they are gone the
   * daemon is not idle, so look again later. */
  if (virt_migrate_dbus_service_get_n_jobs (d->service) > 0)
    return G_SOURCE_CONTINUE;
  g_message ("idle for %u s with no jobs: exiting", d->idle_timeout);
  d->idle_source = 0;
  g_main_loop_quit (d->loop);
  return G_SOURCE_REMOVE;
}

/* (Re)arms the idle timer whenever the number of jobs may have changed. */
static void
rearm_idle (Daemon *d)
{
  g_clear_handle_id (&d->idle_source, g_source_remove);
  if (d->idle_timeout > 0)
    d->idle_source = g_timeout_add_seconds (d->idle_timeout, on_idle_timeout, d);
}

/* The daemon's log carries each job's messages (policy steps, the
 * configuration check), which the library keeps on the job. */
static void
on_job_messages (VirtMigrateJob *job, GParamSpec *pspec, gpointer user_data)
{
  const char * const *messages = virt_migrate_job_get_messages (job);
  guint n = messages != NULL ? g_strv_length ((char **) messages) : 0;
  guint logged = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (job), "virt-migrated-logged"));

  for (; logged < n; logged++)
    g_message ("job %u: %s", virt_migrate_job_get_id (job), messages[logged]);
  g_object_set_data (G_OBJECT (job), "virt-migrated-logged", GUINT_TO_POINTER (logged));
}

/* When the last job's objects are gone, hand the memory they used back to
 * the system: glibc keeps a burst's heap (a thousand failed requests, a
 * large dest-xml) otherwise, and a daemon that runs for months should sit
 * at its idle size between bursts. */
static gboolean
trim_cb (gpointer user_data)
{
  Daemon *d = user_data;

  d->trim_source = 0;
#ifdef HAVE_MALLOC_TRIM
  if (virt_migrate_dbus_service_get_n_jobs (d->service) == 0)
    malloc_trim (0);
#endif
  return G_SOURCE_REMOVE;
}

static void
on_jobs_changed (VirtMigrateManager *manager, VirtMigrateJob *job, Daemon *d)
{
  rearm_idle (d);
  if (d->trim_source == 0)
    d->trim_source = g_timeout_add_seconds (2, trim_cb, d);
}

static void
on_job_added (VirtMigrateManager *manager, VirtMigrateJob *job, Daemon *d)
{
  g_signal_connect (job, "notify::messages", G_CALLBACK (on_job_messages), NULL);
  on_job_messages (job, NULL, NULL);
  rearm_idle (d);
}

static void
on_bus_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Daemon *d = user_data;
  g_autoptr(GError) error = NULL;

  if (!virt_migrate_dbus_service_export (d->service, &error))
    {
      g_printerr ("virt-migrated: cannot export: %s\n", error->message);
      d->exit_code = 1;
      g_main_loop_quit (d->loop);
    }
}

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  g_message ("serving %s", name);
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Daemon *d = user_data;

  g_printerr ("virt-migrated: %s: %s\n", name,
              connection == NULL ? "cannot connect to the bus" : "name taken by another process");
  d->exit_code = 1;
  g_main_loop_quit (d->loop);
}

static gboolean
on_terminate (gpointer user_data)
{
  Daemon *d = user_data;

  /* Running migrations are not cancelled: libvirt aborts a managed-direct
   * one when this process goes (the guest resumes on the source) and lets a
   * peer-to-peer one finish. */
  g_message ("terminating");
  g_main_loop_quit (d->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
start_http (VirtMigrateManager      *manager,
            gboolean                 system_bus,
            const char              *address,
            const char              *token_file,
            const char              *certificate_file,
            const char              *key_file,
            VirtMigrateHttpService **out)
{
  g_autoptr(VirtMigrateHttpService) http = virt_migrate_http_service_new (manager);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) uris = NULL;

  if (key_file != NULL && certificate_file == NULL)
    {
      g_printerr ("virt-migrated: --http-tls-key needs --http-tls-certificate\n");
      return FALSE;
    }
  if (certificate_file != NULL)
    {
      certificate = key_file != NULL ? g_tls_certificate_new_from_files (certificate_file, key_file, &error)
                                      : g_tls_certificate_new_from_file (certificate_file, &error);
      if (certificate == NULL)
        {
          g_printerr ("virt-migrated: cannot load the HTTP TLS certificate %s: %s\n",
                      certificate_file, error->message);
          return FALSE;
        }
    }
  if (token_file == NULL && system_bus)
    token_file = "/run/virt-migrate/http-token";
  g_object_set (http, "token-file", token_file, "tls-certificate", certificate, NULL);
  if (!virt_migrate_http_service_listen (http, address, &error))
    {
      g_printerr ("virt-migrated: %s\n", error->message);
      return FALSE;
    }
  uris = virt_migrate_http_service_get_uris (http);
  for (guint i = 0; uris[i] != NULL; i++)
    g_message ("HTTP: serving %s (read-only; bearer token in %s)", uris[i],
               virt_migrate_http_service_get_token_file (http));
  *out = g_steal_pointer (&http);
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(VirtMigrateSettings) settings = NULL;
  g_autoptr(VirtMigrateManager) manager = NULL;
  g_autoptr(VirtMigrateDBusService) service = NULL;
  gboolean system_bus = FALSE, replace = FALSE;
  int idle_timeout = 0, retention = -1, progress_rate = -1, max_parallel = -1;
  g_autofree char *state_dir = NULL;
  g_autofree char *http_address = NULL;
  g_autofree char *http_token_file = NULL;
  g_autofree char *http_tls_certificate = NULL;
  g_autofree char *http_tls_key = NULL;
  g_auto(GStrv) webhook_urls = NULL;
  g_autoptr(VirtMigrateHttpService) http = NULL;
  g_autoptr(VirtMigrateWebhooks) webhooks = NULL;
  GSettings *gsettings;
  guint owner_id;
  Daemon d = { 0 };
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &system_bus, "Serve on the system bus, polkit deciding who may do what (default: session bus)", NULL },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout, "Exit after this many seconds with no jobs (0: never)", "SECONDS" },
    { "retention", 0, 0, G_OPTION_ARG_INT, &retention, "Keep finished jobs visible this long (default: the retention setting, 60)", "SECONDS" },
    { "progress-rate", 0, 0, G_OPTION_ARG_INT, &progress_rate, "At most this many progress updates per second per job (default: the progress-rate setting, 10)", "N" },
    { "max-parallel", 0, 0, G_OPTION_ARG_INT, &max_parallel, "Run at most N migrations at once, queue the rest (default: the max-parallel setting, 0: no limit)", "N" },
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace, "Replace a running instance", NULL },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "Keep job records here (default: $XDG_STATE_HOME/virt-migrate, or /var/lib/virt-migrate with --system)", "DIR" },
    { "http", 0, 0, G_OPTION_ARG_STRING, &http_address, "Also serve the jobs read-only over HTTP on HOST:PORT, or PORT on 127.0.0.1 (default: the http-address setting, empty: off)", "[HOST:]PORT" },
    { "http-token-file", 0, 0, G_OPTION_ARG_FILENAME, &http_token_file, "The HTTP bearer token's file, created with mode 0600 if missing (default: $XDG_RUNTIME_DIR/virt-migrate/http-token, /run/virt-migrate/http-token with --system)", "FILE" },
    { "http-tls-certificate", 0, 0, G_OPTION_ARG_FILENAME, &http_tls_certificate, "Serve HTTPS with this PEM certificate (needed for a non-loopback address)", "FILE" },
    { "http-tls-key", 0, 0, G_OPTION_ARG_FILENAME, &http_tls_key, "The PEM private key of --http-tls-certificate (default: in the certificate's file)", "FILE" },
    { "webhook", 0, 0, G_OPTION_ARG_STRING_ARRAY, &webhook_urls, "POST a JSON report to URL when a job ends (repeatable; default: the webhooks setting)", "URL" },
    { NULL }
  };

  setlocale (LC_ALL, "");
#ifdef HAVE_MALLOC_TRIM
  /* Large buffers (a request's 4 MiB dest-xml, a page of history, the
   * D-Bus messages that carry them) from mmap, given back when freed.
   * glibc's default raises this threshold after the first such free, and
   * the heap then kept 100-300 MB after a burst of 20 jobs with 4 MiB
   * dest-xml had gone (25 MB with the threshold fixed). */
  mallopt (M_MMAP_THRESHOLD, 128 * 1024);
#endif
  context = g_option_context_new ("- the virt-migrate D-Bus service");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (idle_timeout < 0 || retention < -1 || max_parallel < -1 ||
      (progress_rate != -1 && (progress_rate < 1 || progress_rate > 1000)))
    {
      g_printerr ("--idle-timeout, --retention and --max-parallel must be >= 0, --progress-rate 1 to 1000\n");
      return 2;
    }

  connection = g_bus_get_sync (system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL, &error);
  if (connection == NULL)
    {
      g_printerr ("virt-migrated: cannot connect to the %s bus: %s\n",
                  system_bus ? "system" : "session", error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  /* GSettings gives the defaults; the command line overrides them here. */
  settings = virt_migrate_settings_new ();
  if (retention >= 0)
    g_object_set (settings, "retention", (guint) retention, NULL);
  if (progress_rate > 0)
    g_object_set (settings, "progress-rate", (guint) progress_rate, NULL);
  if (max_parallel >= 0)
    g_object_set (settings, "max-parallel", (guint) max_parallel, NULL);
  manager = virt_migrate_manager_new_with_settings (settings);
  gsettings = virt_migrate_settings_get_gsettings (settings);

  /* Webhooks: the command line's URLs, else the webhooks setting (live). */
  webhooks = virt_migrate_webhooks_new (manager);
  if (webhook_urls != NULL)
    g_object_set (webhooks, "urls", webhook_urls, NULL);
  else if (gsettings != NULL)
    g_settings_bind (gsettings, "webhooks", webhooks, "urls", G_SETTINGS_BIND_GET);
  if (gsettings != NULL)
    {
      g_settings_bind (gsettings, "webhook-attempts", webhooks, "attempts", G_SETTINGS_BIND_GET);
      g_settings_bind (gsettings, "webhook-retry-delay", webhooks, "retry-delay", G_SETTINGS_BIND_GET);
    }

  /* The read-only HTTP view, when asked for. */
#define FROM_SETTINGS(var, key) \
  if (var == NULL && gsettings != NULL) \
    { \
      var = g_settings_get_string (gsettings, key); \
      if (*var == '\0') \
        g_clear_pointer (&var, g_free); \
    }
  FROM_SETTINGS (http_address, "http-address");
  FROM_SETTINGS (http_token_file, "http-token-file");
  FROM_SETTINGS (http_tls_certificate, "http-tls-certificate");
  FROM_SETTINGS (http_tls_key, "http-tls-key");
#undef FROM_SETTINGS
  if (http_address != NULL && !start_http (manager, system_bus, http_address, http_token_file,
                                           http_tls_certificate, http_tls_key, &http))
    return 1;
  service = virt_migrate_dbus_service_new (manager, connection, NULL);
  /* On the system bus callers are other users: polkit decides per call.
   * Jobs are recorded so that a restarted daemon follows them again. */
  if (state_dir == NULL)
    state_dir = system_bus ? g_strdup ("/var/lib/virt-migrate")
                           : g_build_filename (g_get_user_state_dir (), "virt-migrate", NULL);
  g_object_set (service, "polkit", system_bus, "state-directory", state_dir, NULL);

  d.loop = loop;
  d.manager = manager;
  d.service = service;
  d.idle_timeout = (guint) idle_timeout;
  g_signal_connect (manager, "job-added", G_CALLBACK (on_job_added), &d);
  g_signal_connect (manager, "job-removed", G_CALLBACK (on_jobs_changed), &d);
  rearm_idle (&d);

  /* Everything in place (the objects, the state and ssh directories, the
   * jobs of a previous daemon) before the name is asked for: a client
   * that sees the name may call at once. */
  on_bus_acquired (connection, VIRT_MIGRATE_DBUS_NAME, &d);
  owner_id = g_bus_own_name_on_connection (connection, VIRT_MIGRATE_DBUS_NAME,
                                           G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT |
                                           (replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE : 0),
                                           on_name_acquired, on_name_lost, &d, NULL);
  g_unix_signal_add (SIGTERM, on_terminate, &d);
  g_unix_signal_add (SIGINT, on_terminate, &d);

  g_main_loop_run (loop);

  g_clear_handle_id (&d.trim_source, g_source_remove);
  g_bus_unown_name (owner_id);
  if (http != NULL)
    virt_migrate_http_service_disconnect (http);
  virt_migrate_dbus_service_unexport (service);
  g_clear_handle_id (&d.idle_source, g_source_remove);
  return d.exit_code;
}
