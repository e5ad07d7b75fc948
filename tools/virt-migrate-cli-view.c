/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-migrate's view of one migration: the progress bar (in this process
 * or from virt-migrated's PropertiesChanged), the job's messages above it,
 * the keys, Ctrl-C, and the last lines that say how it ended. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "virt-migrate-service.h"

#include "virt-migrate-cli-bus.h"
#include "virt-migrate-cli-keys.h"
#include "virt-migrate-cli-view.h"
#include "virt-migrate-enums-private.h"


typedef CliProgressFrame Snapshot;

static void
snapshot (Cli *cli, Snapshot *s)
{
  s->outcome = NULL;
  if (cli->job != NULL)
    {
      s->progress = virt_migrate_job_get_progress (cli->job);
      s->total = virt_migrate_job_get_data_total (cli->job);
      s->done = virt_migrate_job_get_data_processed (cli->job);
      s->rate = virt_migrate_job_get_rate (cli->job);
      s->end = virt_migrate_job_get_expected_end_time (cli->job);
      s->phase = virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_PHASE, virt_migrate_job_get_phase (cli->job));
      s->iteration = virt_migrate_job_get_iteration (cli->job);
    }
  else
    {
      s->progress = virt_migrate_dbus_job_get_progress (cli->bus_job);
      s->total = virt_migrate_dbus_job_get_bytes_total (cli->bus_job);
      s->done = virt_migrate_dbus_job_get_bytes_processed (cli->bus_job);
      s->rate = virt_migrate_dbus_job_get_rate (cli->bus_job);
      s->end = (gint64) virt_migrate_dbus_job_get_expected_end_time (cli->bus_job);
      s->phase = virt_migrate_dbus_job_get_phase (cli->bus_job);
      s->iteration = virt_migrate_dbus_job_get_iteration (cli->bus_job);
    }
}

/* The bar, redrawn in place on a terminal (never wider than it), a line a
 * second into a pipe; @outcome (the last frame: "succeeded", "failed",
 * "cancelled") says how it ended instead of the phase. */
static void
draw_progress (Cli *cli, const char *outcome)
{
  g_autofree char *text = NULL;
  Snapshot s;
  gint64 now;

  if (cli->quiet)
    return;
  now = g_get_monotonic_time ();
  if (!cli->tty && outcome == NULL && now - cli->last_line < G_USEC_PER_SEC)
    return;

  snapshot (cli, &s);
  if (s.total == 0 && outcome == NULL)
    return; /* nothing known yet */
  /* The job's last phase is "done" whatever the outcome: the frame that
   * ends the bar is the one that says how it ended. */
  if (outcome == NULL && g_strcmp0 (s.phase, "done") == 0)
    return;
  s.outcome = outcome;
  if (cli->paused_copy && g_strcmp0 (s.phase, "switch-over") == 0)
    s.phase = "guest paused, copying";
  text = cli_progress_format (&s, cli->tty ? cli->columns : 0, g_get_real_time (), &cli->eta);
  if (g_str_equal (text, cli->last_text))
    return;
  g_strlcpy (cli->last_text, text, sizeof cli->last_text);
  cli->last_line = now;
  cli->drawn = TRUE;
  fprintf (stderr, "%s%s%s", cli->tty ? "\r" : "", text, cli->tty ? "\033[K" : "\n");
  fflush (stderr);
}

/* The terminal was resized: the next frame fits the new width. */
gboolean
cli_view_on_winch (gpointer user_data)
{
  Cli *cli = user_data;

  cli->columns = cli_terminal_width (STDERR_FILENO);
  cli->last_text[0] = '\0';
  draw_progress (cli, NULL);
  return G_SOURCE_CONTINUE;
}

/* A line above the bar (the bar is drawn again below it). */
static void
print_line (Cli *cli, const char *text)
{
  g_autofree char *safe = NULL;

  if (cli->quiet)
    return;
  safe = cli_escape (text);
  fprintf (stderr, "%s%s%s\n", cli->tty ? "\r" : "", safe, cli->tty ? "\033[K" : "");
  cli->last_text[0] = '\0';
}

/* --verbose: each new phase (and memory pass) as a line of its own. */
static void
print_phase (Cli *cli, Snapshot *s, guint64 elapsed_ms)
{
  char phase[48];
  g_autofree char *line = NULL;

  if (!cli->verbose)
    return;
  cli_progress_phase (phase, sizeof phase, s->phase, s->iteration);
  if (phase[0] == '\0' || g_str_equal (phase, cli->last_phase))
    return;
  g_strlcpy (cli->last_phase, phase, sizeof cli->last_phase);
  line = g_strdup_printf ("%6.1f s  %s", elapsed_ms / 1000.0, phase);
  print_line (cli, line);
}

static void
on_progress (VirtMigrateJob *job, GParamSpec *pspec, Cli *cli)
{
  Snapshot s;

  snapshot (cli, &s);
  print_phase (cli, &s, virt_migrate_job_get_elapsed (job));
  draw_progress (cli, NULL);
}

/* The job's messages (policy steps, the configuration check) as lines
 * above the progress bar. */
static void
on_messages (VirtMigrateJob *job, GParamSpec *pspec, Cli *cli)
{
  const char * const *messages = virt_migrate_job_get_messages (job);
  guint n = messages != NULL ? g_strv_length ((char **) messages) : 0;

  for (; cli->n_messages < n; cli->n_messages++)
    print_line (cli, messages[cli->n_messages]);
  cli->n_messages = MAX (cli->n_messages, n);
  draw_progress (cli, NULL);
}

static void
on_completed (VirtMigrateJob *job, Cli *cli)
{
  VirtMigrateRequest *request = virt_migrate_job_get_request (job);
  VirtMigrateJobState state = virt_migrate_job_get_state (job);
  const GError *error = virt_migrate_job_get_error (job);

  cli_keys_stop ();
  on_messages (job, NULL, cli);
  if (state == VIRT_MIGRATE_JOB_STATE_SUCCEEDED)
    {
      draw_progress (cli, "succeeded");
      if (cli->tty && !cli->quiet)
        fputc ('\n', stderr);
      if (!cli->quiet)
        printf ("Migrated '%s' in %.1f s (downtime %" G_GUINT64_FORMAT " ms, %s)\n",
                virt_migrate_request_get_domain (request),
                virt_migrate_job_get_elapsed (job) / 1000.0, virt_migrate_job_get_downtime (job),
                virt_migrate_job_get_libvirt_api (job));
      if (cli->verbose && !cli->quiet)
        printf ("  %.1f MiB to move, %.1f MiB sent (re-sent pages included), %" G_GUINT64_FORMAT
                " memory passes\n", virt_migrate_job_get_data_total (job) / (1024.0 * 1024.0),
                virt_migrate_job_get_data_transferred (job) / (1024.0 * 1024.0),
                virt_migrate_job_get_iteration (job));
      cli->exit_code = EXIT_SUCCESS;
    }
  else
    {
      /* A bar on screen ends saying how it ended, not "done". */
      if (cli->drawn)
        draw_progress (cli, state == VIRT_MIGRATE_JOB_STATE_CANCELLED ? "cancelled" : "failed");
      if (cli->tty && !cli->quiet)
        fputc ('\n', stderr);
      if (state == VIRT_MIGRATE_JOB_STATE_CANCELLED && cli->n_interrupts == 0)
        {
          /* Nobody here cancelled it: the convergence policy gave up. */
          cli_error (NULL, "the convergence policy aborted the migration of '%s'; the guest "
                           "stays on the source (see the policy's lines above; --no-policy for "
                           "plain libvirt)", virt_migrate_request_get_domain (request));
          cli->exit_code = EXIT_FAILURE;
        }
      else if (state == VIRT_MIGRATE_JOB_STATE_CANCELLED)
        {
          fprintf (stderr, "Migration of '%s' was cancelled; the guest stays on the source\n",
                   virt_migrate_request_get_domain (request));
          cli->exit_code = EXIT_CANCELLED;
        }
      else if (error == NULL)
        {
          cli_error (NULL, "the migration failed");
          cli->exit_code = EXIT_FAILURE;
        }
      else
        {
          cli_error_in_words (error->message, error->domain == VIRT_MIGRATE_ERROR
                                                ? virt_migrate_error_get_libvirt_code (error) : 0);
          /* Refused before libvirt was asked, or a host that could not be
           * reached (an unknown ssh host key, a refused login): nothing
           * moved, like a bad request. */
          cli->exit_code = g_error_matches (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_PREFLIGHT) ||
                           g_error_matches (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CONNECT_FAILED)
                             ? EXIT_USAGE : EXIT_FAILURE;
        }
    }
  g_main_loop_quit (cli->loop);
}

/* --- through the daemon: --bus, jobs, cancel ----------------------------- */

/* A D-Bus job's State nick: ended, as the library defines it. */
static gboolean
state_is_final (const char *state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (VIRT_MIGRATE_TYPE_JOB_STATE);
  GEnumValue *value = state != NULL ? g_enum_get_value_by_nick (klass, state) : NULL;

  return value != NULL && virt_migrate_job_state_is_final (value->value);
}

static void
bus_finish (Cli *cli, gboolean success, const char *message)
{
  const char *state = virt_migrate_dbus_job_get_state (cli->bus_job);

  cli_keys_stop ();
  if (success)
    draw_progress (cli, "succeeded");
  else if (cli->drawn)
    draw_progress (cli, g_strcmp0 (state, "cancelled") == 0 ? "cancelled" : "failed");
  if (cli->tty && !cli->quiet)
    fputc ('\n', stderr);
  if (success)
    {
      if (!cli->quiet)
        printf ("Migrated '%s': %s\n", virt_migrate_dbus_job_get_domain (cli->bus_job), message);
      cli->exit_code = EXIT_SUCCESS;
    }
  else if (g_strcmp0 (state, "cancelled") == 0)
    {
      fprintf (stderr, "%s\n", message);
      cli->exit_code = EXIT_CANCELLED;
    }
  else
    {
      const char *name = virt_migrate_dbus_job_get_error_name (cli->bus_job);

      cli_error_in_words (message, 0);
      /* As in this process: refused, or a host it could not reach, before
       * anything moved. */
      cli->exit_code = g_strcmp0 (name, "org.virtmigrate.VirtMigrate1.Error.Preflight") == 0 ||
                       g_strcmp0 (name, "org.virtmigrate.VirtMigrate1.Error.ConnectFailed") == 0
                         ? EXIT_USAGE : EXIT_FAILURE;
    }
  g_main_loop_quit (cli->loop);
}

static void
on_bus_completed (VirtMigrateDBusJob *job, gboolean success, const char *message, Cli *cli)
{
  bus_finish (cli, success, message);
}

static void
on_bus_properties_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated, Cli *cli)
{
  draw_progress (cli, NULL);
}

static void
on_bus_cancel_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);

  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      fprintf (stderr, "Cannot cancel: %s\n", error->message);
    }
}

static void
on_bus_force_complete_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  g_autofree char *line = NULL;

  if (reply != NULL)
    line = g_strdup ("force-complete: asked virt-migrated to finish the migration now");
  else
    {
      g_dbus_error_strip_remote_error (error);
      line = g_strdup_printf ("force-complete: %s", error->message);
    }
  print_line (cli, line);
}

/* A key in the progress view: f finishes the migration now (post-copy if
 * the request allows it, otherwise the guest paused so it can finish). */
static void
on_key (char key, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;

  if (key != 'f' && key != 'F')
    return;
  if (cli->bus_job != NULL)
    g_dbus_proxy_call (G_DBUS_PROXY (cli->bus_job), "ForceComplete", NULL,
                       G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, -1, NULL,
                       on_bus_force_complete_reply, cli);
  else if (cli->job != NULL && !virt_migrate_job_force_complete (cli->job, &error))
    {
      g_autofree char *line = g_strdup_printf ("force-complete: %s", error->message);

      print_line (cli, line);
    }
}

/* The progress view takes keys when a person watches it. */
static void
start_keys (Cli *cli)
{
  if (cli->tty && !cli->quiet && cli_keys_start (on_key, cli))
    fprintf (stderr, "Press f to finish now (post-copy if allowed, else the guest is paused), "
                     "Ctrl-C to cancel\n");
}

/* Migrate() on the daemon, then the same progress bar from
 * PropertiesChanged and the result from Completed. */
void
cli_view_migrate_over_bus (Cli *cli, VirtMigrateRequest *request, gboolean system_bus)
{
  g_autoptr(GDBusConnection) connection = cli_bus_connect (system_bus);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *path = NULL;

  if (connection == NULL)
    return;
  /* Interactive: a polkit agent may ask the user for a password. */
  reply = g_dbus_connection_call_sync (connection, VIRT_MIGRATE_DBUS_NAME, VIRT_MIGRATE_DBUS_PATH "/Manager",
                                       "org.virtmigrate.VirtMigrate1.Manager", "Migrate",
                                       g_variant_new ("(@a{sv})", virt_migrate_request_to_variant (request)),
                                       G_VARIANT_TYPE ("(o)"),
                                       G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, -1, NULL, &error);
  if (reply == NULL)
    {
      cli_print_bus_error (error);
      return;
    }
  g_variant_get (reply, "(o)", &path);
  cli->bus_job = virt_migrate_dbus_job_proxy_new_sync (connection, G_DBUS_PROXY_FLAGS_NONE,
                                                       VIRT_MIGRATE_DBUS_NAME, path, NULL, &error);
  if (cli->bus_job == NULL)
    {
      cli_print_bus_error (error);
      return;
    }
  if (!cli->quiet)
    fprintf (stderr, "Job %s\n", path);
  start_keys (cli);
  g_signal_connect (cli->bus_job, "g-properties-changed", G_CALLBACK (on_bus_properties_changed), cli);
  g_signal_connect (cli->bus_job, "completed", G_CALLBACK (on_bus_completed), cli);
  /* A job may end before the proxy subscribed to Completed. */
  if (state_is_final (virt_migrate_dbus_job_get_state (cli->bus_job)))
    {
      const char *message = virt_migrate_dbus_job_get_error (cli->bus_job);

      bus_finish (cli, g_str_equal (virt_migrate_dbus_job_get_state (cli->bus_job), "succeeded"),
                  message != NULL && *message != '\0' ? message : virt_migrate_dbus_job_get_state (cli->bus_job));
      return;
    }
  g_main_loop_run (cli->loop);
  g_clear_object (&cli->bus_job);
}

gboolean
cli_view_on_interrupt (gpointer user_data)
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
  fprintf (stderr, "Cancelling the migration...\n");
  if (cli->bus_job != NULL)
    g_dbus_proxy_call (G_DBUS_PROXY (cli->bus_job), "Cancel", NULL,
                       G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, -1, NULL,
                       on_bus_cancel_reply, cli);
  else if (!virt_migrate_job_cancel (cli->job, &error))
    fprintf (stderr, "Cannot cancel: %s\n", error->message);
  return G_SOURCE_CONTINUE;
}

void
cli_view_follow_job (Cli *cli, VirtMigrateJob *job)
{
  cli->job = job;
  g_signal_connect (job, "notify::progress", G_CALLBACK (on_progress), cli);
  g_signal_connect (job, "notify::rate", G_CALLBACK (on_progress), cli);
  g_signal_connect (job, "notify::phase", G_CALLBACK (on_progress), cli);
  g_signal_connect (job, "notify::messages", G_CALLBACK (on_messages), cli);
  g_signal_connect (job, "completed", G_CALLBACK (on_completed), cli);
  start_keys (cli);
}

/* Lets the manager (and with it its jobs and connections) go, then runs
 * what its going left pending on the main context: libvirt-glib removes a
 * connection's event handles in idle callbacks, and a process that exited
 * before them closed its connections unannounced, an error in each
 * daemon's log ("End of file while reading data", one to three a
 * migration). At most 100 iterations: nothing here waits. */
void
cli_view_release_manager (VirtMigrateManager **manager)
{
  g_clear_object (manager);
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}
