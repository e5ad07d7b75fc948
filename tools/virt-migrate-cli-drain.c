/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-migrate drain: every running guest off a host, in this process or
 * through virt-migrated (--bus, --system). Both print from the same two
 * things, the drain's state and its table: the plan once it is made (the
 * guests that cannot go first, with their reasons), a line per guest as
 * it starts, moves or fails, and the table at the end. */
#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

#include "virt-migrate-cli-bus.h"
#include "virt-migrate-cli-drain.h"
#include "virt-migrate-cli-history.h"
#include "virt-migrate-cli-view.h"
#include "virt-migrate-dbus-generated.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-service.h"

#define EXIT_USAGE 2
#define EXIT_CANCELLED 130

typedef struct {
  const CliDrainOptions *options;
  GMainLoop             *loop;
  VirtMigrateDrain      *drain;     /* in this process */
  VirtMigrateDBusDrain  *bus_drain; /* --bus */
  GHashTable            *seen;      /* domain -> the outcome printed last */
  gboolean               plan_printed;
  gboolean               done;
  guint                  n_interrupts;
  int                    exit_code;
} Drain;

/* A D-Bus drain's State nick: ended, as the library defines it. */
static gboolean
state_is_final (const char *state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (VIRT_MIGRATE_TYPE_DRAIN_STATE);
  GEnumValue *value = state != NULL ? g_enum_get_value_by_nick (klass, state) : NULL;

  return value != NULL && virt_migrate_drain_state_is_final (value->value);
}

static void
say (Drain *d, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Progress lines: on stdout, or on stderr when stdout carries the JSON. */
static void
say (Drain *d, const char *format, ...)
{
  g_autofree char *text = NULL;
  g_autofree char *safe = NULL;
  va_list args;

  if (d->options->quiet)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  /* Guests' names come from the host: escaped. */
  safe = cli_escape (text);
  fputs (safe, d->options->json ? stderr : stdout);
  fflush (d->options->json ? stderr : stdout);
}

static void
print_plan (Drain *d, const char *source, GVariant *guests, guint max_parallel, const char *placement,
            GVariant *snapshot)
{
  GVariantIter iter;
  GVariant *row;
  guint n = g_variant_n_children (guests), staying = 0, moving = 0, id = 0;

  d->plan_printed = TRUE;
  /* Its id names its history record ("drain ID"). */
  g_variant_lookup (snapshot, "Id", "u", &id);
  say (d, "Drain %u of %s: %u running guest%s; order: %s; placement: %s; %s%.0u%s\n", id, source, n,
       n == 1 ? "" : "s", "smallest memory first", placement,
       max_parallel > 0 ? "at most " : "as many at once as the limits allow", max_parallel,
       max_parallel > 0 ? " at once" : "");
  g_variant_iter_init (&iter, guests);
  while ((row = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *domain = "", *outcome = "", *reason = "";

      g_variant_lookup (row, "domain", "&s", &domain);
      g_variant_lookup (row, "outcome", "&s", &outcome);
      g_variant_lookup (row, "reason", "&s", &reason);
      /* What each guest's outcome was when planned: a change is printed. */
      g_hash_table_replace (d->seen, g_strdup (domain), g_strdup (outcome));
      if (g_str_equal (outcome, "left"))
        {
          if (staying++ == 0)
            say (d, "Cannot go, stays on the source:\n");
          say (d, "  %s: %s\n", domain, reason);
        }
      g_variant_unref (row);
    }
  g_variant_iter_init (&iter, guests);
  while ((row = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *domain = "", *dest = "", *rule = "";
      guint position = 0;

      g_variant_lookup (row, "domain", "&s", &domain);
      g_variant_lookup (row, "destination", "&s", &dest);
      g_variant_lookup (row, "rule", "&s", &rule);
      g_variant_lookup (row, "position", "u", &position);
      if (position > 0)
        {
          if (moving++ == 0)
            say (d, "%s, in this order:\n", d->options->dry_run ? "Would move" : "Moving");
          say (d, "  %u. %s -> %s (%s)\n", position, domain, dest, rule);
        }
      g_variant_unref (row);
    }
  if (n == 0)
    say (d, "No running guest to move.\n");
}

/* A line for each guest whose outcome changed since the last update. */
static void
print_changes (Drain *d, GVariant *guests)
{
  GVariantIter iter;
  GVariant *row;

  g_variant_iter_init (&iter, guests);
  while ((row = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) r = row;
      const char *domain = "", *outcome = "", *dest = "", *reason = "";
      guint job = 0;

      g_variant_lookup (r, "domain", "&s", &domain);
      g_variant_lookup (r, "outcome", "&s", &outcome);
      g_variant_lookup (r, "destination", "&s", &dest);
      g_variant_lookup (r, "reason", "&s", &reason);
      g_variant_lookup (r, "job", "u", &job);
      g_autofree char *before = g_strdup (g_hash_table_lookup (d->seen, domain));

      if (g_strcmp0 (before, outcome) == 0)
        continue;
      g_hash_table_replace (d->seen, g_strdup (domain), g_strdup (outcome));
      if (g_str_equal (outcome, "running"))
        say (d, "%s: migrating to %s (job %u)\n", domain, dest, job);
      else if (g_str_equal (outcome, "moved"))
        say (d, "%s: moved to %s\n", domain, dest);
      else if (g_str_equal (outcome, "failed") || g_str_equal (outcome, "cancelled"))
        say (d, "%s: %s, it runs on the source: %s\n", domain, outcome, reason);
      /* Planned, then left: not started (the drain was cancelled). */
      else if (g_str_equal (outcome, "left") && g_strcmp0 (before, "planned") == 0 && *reason != '\0')
        say (d, "%s: %s\n", domain, reason);
    }
}

static void
finish (Drain *d, const char *state, GVariant *guests, GVariant *snapshot)
{
  g_autofree char *table = virt_migrate_drain_guests_to_text (guests);
  const char *summary = "";
  GVariantIter iter;
  GVariant *row;
  gboolean all_go = TRUE;

  if (d->done)
    return;
  d->done = TRUE;
  g_variant_lookup (snapshot, "Summary", "&s", &summary);
  g_variant_iter_init (&iter, guests);
  while ((row = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *outcome = "";

      g_variant_lookup (row, "outcome", "&s", &outcome);
      if (g_str_equal (outcome, "left"))
        all_go = FALSE;
      g_variant_unref (row);
    }
  if (d->options->json)
    {
      g_autofree char *text = cli_variant_to_json (snapshot);

      printf ("%s\n", text);
    }
  else
    {
      cli_print_safe (stdout, "\n%s", table);
      if (g_str_equal (state, "planned"))
        printf ("Dry run: nothing moved. %s\n", all_go ? "Every guest can go." :
                "Some guests cannot go (above).");
      else
        cli_print_safe (stdout, "Drain %s: %s\n", state, summary);
    }
  if (g_str_equal (state, "planned"))
    d->exit_code = all_go ? EXIT_SUCCESS : EXIT_FAILURE;
  else if (g_str_equal (state, "cancelled"))
    d->exit_code = EXIT_CANCELLED;
  else
    d->exit_code = g_str_equal (state, "succeeded") ? EXIT_SUCCESS : EXIT_FAILURE;
  g_main_loop_quit (d->loop);
}

/* One update path for both: the drain's state and table. */
static void
update (Drain *d, const char *state, const char *source, GVariant *guests, guint max_parallel,
        const char *placement, GVariant *snapshot)
{
  if (!d->plan_printed && (g_str_equal (state, "running") || state_is_final (state)) &&
      !g_str_equal (state, "failed"))
    print_plan (d, source, guests, max_parallel, placement, snapshot);
  print_changes (d, guests);
  if (state_is_final (state))
    finish (d, state, guests, snapshot);
}

/* --- in this process ------------------------------------------------------- */

static void
local_update (Drain *d)
{
  g_autoptr(GVariant) snapshot = g_variant_ref_sink (virt_migrate_drain_to_variant (d->drain));
  g_autoptr(GVariant) guests = virt_migrate_drain_get_guests (d->drain);
  const char *state = virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_DRAIN_STATE, virt_migrate_drain_get_state (d->drain));
  const char *placement = virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_DRAIN_PLACEMENT,
                                                  virt_migrate_drain_get_placement (d->drain));

  update (d, state, virt_migrate_drain_get_source_uri (d->drain), guests,
          virt_migrate_drain_get_max_parallel (d->drain), placement, snapshot);
}

static void
on_local_notify (VirtMigrateDrain *drain, GParamSpec *pspec, Drain *d)
{
  local_update (d);
}

static void
on_local_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Drain *d = user_data;
  g_autoptr(GError) error = NULL;

  /* The summary says what happened, the error included. */
  if (!virt_migrate_drain_run_finish (VIRT_MIGRATE_DRAIN (source), result, &error))
    g_debug ("drain: %s", error->message);
  local_update (d);
}

/* --- through virt-migrated ----------------------------------------------- */

static void
bus_update (Drain *d)
{
  VirtMigrateDBusDrain *p = d->bus_drain;
  g_autoptr(GVariant) guests = NULL;
  GVariantDict snapshot;
  g_autoptr(GVariant) snap = NULL;
  GVariant *value = virt_migrate_dbus_drain_get_guests (p);

  guests = value != NULL ? g_variant_ref (value) :
           g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARDICT, NULL, 0));
  /* The properties, as the library's snapshot has them. */
  g_variant_dict_init (&snapshot, NULL);
  {
    g_auto(GStrv) names = g_dbus_proxy_get_cached_property_names (G_DBUS_PROXY (p));

    for (guint i = 0; names != NULL && names[i] != NULL; i++)
      {
        g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (p), names[i]);

        if (v != NULL)
          g_variant_dict_insert_value (&snapshot, names[i], v);
      }
  }
  snap = g_variant_ref_sink (g_variant_dict_end (&snapshot));
  update (d, virt_migrate_dbus_drain_get_state (p), virt_migrate_dbus_drain_get_source (p), guests,
          virt_migrate_dbus_drain_get_max_parallel (p), virt_migrate_dbus_drain_get_placement (p), snap);
}

static void
on_bus_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated, Drain *d)
{
  bus_update (d);
}

static void
on_bus_completed (VirtMigrateDBusDrain *proxy, gboolean success, const char *message, Drain *d)
{
  bus_update (d);
}

static GVariant *
bus_options (VirtMigrateRequest *request, char **destinations, const CliDrainOptions *o)
{
  g_autoptr(GVariant) req = g_variant_ref_sink (virt_migrate_request_to_variant (request));
  GVariantDict dict;

  g_variant_dict_init (&dict, req);
  g_variant_dict_remove (&dict, "domain");
  g_variant_dict_remove (&dict, "dest-uri");
  g_variant_dict_insert_value (&dict, "destinations", g_variant_new_strv ((const char * const *) destinations, -1));
  g_variant_dict_insert (&dict, "max-parallel", "u", o->max_parallel);
  if (o->placement != NULL)
    g_variant_dict_insert (&dict, "placement", "s", o->placement);
  if (o->include != NULL)
    g_variant_dict_insert_value (&dict, "include", g_variant_new_strv ((const char * const *) o->include, -1));
  if (o->exclude != NULL)
    g_variant_dict_insert_value (&dict, "exclude", g_variant_new_strv ((const char * const *) o->exclude, -1));
  g_variant_dict_insert (&dict, "dry-run", "b", o->dry_run);
  return g_variant_dict_end (&dict);
}

static int
run_over_bus (Drain *d, VirtMigrateRequest *request, char **destinations)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = cli_bus_connect (d->options->bus == CLI_DRAIN_SYSTEM_BUS);
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *path = NULL;

  if (connection == NULL)
    return EXIT_FAILURE;
  reply = g_dbus_connection_call_sync (connection, VIRT_MIGRATE_DBUS_NAME, VIRT_MIGRATE_DBUS_PATH "/Manager",
                                       "org.virtmigrate.VirtMigrate1.Manager", "Drain",
                                       g_variant_new ("(@a{sv})", bus_options (request, destinations, d->options)),
                                       G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                       -1, NULL, &error);
  if (reply == NULL)
    {
      gboolean usage = error->domain == VIRT_MIGRATE_ERROR && error->code != VIRT_MIGRATE_ERROR_FAILED &&
                       error->code != VIRT_MIGRATE_ERROR_CONNECT_FAILED;

      cli_print_bus_error (error);
      return usage ? EXIT_USAGE : EXIT_FAILURE;
    }
  g_variant_get (reply, "(o)", &path);
  d->bus_drain = virt_migrate_dbus_drain_proxy_new_sync (connection, G_DBUS_PROXY_FLAGS_NONE,
                                                         VIRT_MIGRATE_DBUS_NAME, path, NULL, &error);
  if (d->bus_drain == NULL)
    {
      cli_print_bus_error (error);
      return EXIT_FAILURE;
    }
  say (d, "Drain %s\n", path);
  g_signal_connect (d->bus_drain, "g-properties-changed", G_CALLBACK (on_bus_changed), d);
  g_signal_connect (d->bus_drain, "completed", G_CALLBACK (on_bus_completed), d);
  bus_update (d);
  if (!d->done)
    g_main_loop_run (d->loop);
  g_clear_object (&d->bus_drain);
  return d->exit_code;
}

/* --- Ctrl-C ------------------------------------------------------------------ */

static gboolean
on_interrupt (gpointer user_data)
{
  Drain *d = user_data;

  if (d->n_interrupts++ > 0)
    {
      fprintf (stderr, "Still cancelling; waiting for the running migrations to abort\n");
      return G_SOURCE_CONTINUE;
    }
  fprintf (stderr, "Cancelling the drain: the guests not started stay, the running migrations abort...\n");
  if (d->bus_drain != NULL)
    g_dbus_proxy_call (G_DBUS_PROXY (d->bus_drain), "Cancel", NULL,
                       G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, -1, NULL, NULL, NULL);
  else if (d->drain != NULL)
    virt_migrate_drain_cancel (d->drain);
  return G_SOURCE_CONTINUE;
}

int
cli_drain (VirtMigrateRequest    *request,
           char                 **destinations,
           const CliDrainOptions *options)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(VirtMigrateManager) manager = NULL;
  g_autoptr(GError) error = NULL;
  Drain d = { 0 };
  guint sigint, sigterm;
  int rc;

  if (options->placement != NULL && !g_str_equal (options->placement, "first") &&
      !g_str_equal (options->placement, "most-free-memory"))
    {
      cli_error (NULL, "--placement is most-free-memory or first, not '%s'", options->placement);
      return EXIT_USAGE;
    }
  d.options = options;
  d.loop = loop;
  d.seen = seen;
  d.exit_code = EXIT_FAILURE;
  sigint = g_unix_signal_add (SIGINT, on_interrupt, &d);
  sigterm = g_unix_signal_add (SIGTERM, on_interrupt, &d);
  if (options->bus != CLI_DRAIN_IN_PROCESS)
    {
      rc = run_over_bus (&d, request, destinations);
      g_source_remove (sigint);
      g_source_remove (sigterm);
      return rc;
    }

  /* The same engine as virt-migrated: its settings, limits and history. */
  manager = virt_migrate_manager_new ();
  d.drain = virt_migrate_manager_create_drain (manager, request, (const char * const *) destinations, &error);
  if (d.drain == NULL)
    {
      cli_error (NULL, "%s", error->message);
      g_source_remove (sigint);
      g_source_remove (sigterm);
      return EXIT_USAGE;
    }
  virt_migrate_drain_set_max_parallel (d.drain, options->max_parallel);
  if (options->placement != NULL && g_str_equal (options->placement, "first"))
    virt_migrate_drain_set_placement (d.drain, VIRT_MIGRATE_DRAIN_PLACEMENT_FIRST);
  virt_migrate_drain_set_include (d.drain, (const char * const *) options->include);
  virt_migrate_drain_set_exclude (d.drain, (const char * const *) options->exclude);
  virt_migrate_drain_set_dry_run (d.drain, options->dry_run);
  g_signal_connect (d.drain, "notify::state", G_CALLBACK (on_local_notify), &d);
  g_signal_connect (d.drain, "notify::guests", G_CALLBACK (on_local_notify), &d);
  say (&d, "Planning the drain of %s: checking every running guest against %u destination%s...\n",
       virt_migrate_request_get_source_uri (request), g_strv_length (destinations),
       g_strv_length (destinations) == 1 ? "" : "s");
  virt_migrate_drain_run_async (d.drain, NULL, on_local_done, &d);
  if (!d.done)
    g_main_loop_run (loop);
  g_signal_handlers_disconnect_by_data (d.drain, &d);
  g_clear_object (&d.drain);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  cli_view_release_manager (&manager);
  return d.exit_code;
}
