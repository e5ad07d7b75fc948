/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-migrate history [DOMAIN]: the migrations that ended, as a table or
 * as JSON, from the user's history file or from a virt-migrated. */
#include "config.h"

#include <stdio.h>

#include <json-glib/json-glib.h>

#include "virt-migrate-service.h"

#include "virt-migrate-cli-bus.h"
#include "virt-migrate-cli-history.h"
#include "virt-migrate-dbus-generated.h"

static GVariant *
query_bus (gboolean system_bus, GVariant *filter, GError **error)
{
  g_autoptr(GDBusConnection) connection =
    g_bus_get_sync (system_bus || !cli_have_session_bus () ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL, error);
  g_autoptr(GVariant) reply = NULL;

  if (connection == NULL)
    return NULL;
  reply = g_dbus_connection_call_sync (connection, VIRT_MIGRATE_DBUS_NAME, VIRT_MIGRATE_DBUS_PATH "/Manager",
                                       "org.virtmigrate.VirtMigrate1.Manager", "GetHistory",
                                       g_variant_new_tuple (&filter, 1), G_VARIANT_TYPE ("(aa{sv})"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (*error);
      return NULL;
    }
  return g_variant_get_child_value (reply, 0);
}

static const char *
lookup_string (GVariant *record, const char *key)
{
  const char *s = NULL;

  return g_variant_lookup (record, key, "&s", &s) ? s : "";
}

static guint64
lookup_u64 (GVariant *record, const char *key)
{
  guint64 v = 0;

  g_variant_lookup (record, key, "t", &v);
  return v;
}

static void
print_table (GVariant *records, gboolean verbose)
{
  GVariantIter iter;
  GVariant *item;

  printf ("%-19s  %-16s  %-9s  %7s  %9s  %10s  %-14s  %s\n", "ENDED", "GUEST", "OUTCOME", "TIME",
          "DOWNTIME", "MOVED", "FLOW", "DESTINATION");
  g_variant_iter_init (&iter, records);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) record = item;
      g_autoptr(GDateTime) ended = NULL;
      g_autofree char *when = NULL;
      g_autofree const char **flags = NULL;
      g_autofree const char **messages = NULL;
      g_autofree char *flag_text = NULL;
      char elapsed[32], downtime[32], moved[32];
      guint64 seconds = lookup_u64 (record, "Elapsed") / 1000;
      gint64 end = 0;
      guint32 id = 0;
      const char *error = lookup_string (record, "Error");

      g_variant_lookup (record, "EndTime", "x", &end);
      ended = g_date_time_new_from_unix_local (end / G_USEC_PER_SEC);
      when = ended != NULL ? g_date_time_format (ended, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
      g_snprintf (elapsed, sizeof elapsed, "%" G_GUINT64_FORMAT ":%02" G_GUINT64_FORMAT, seconds / 60,
                  seconds % 60);
      if (g_str_equal (lookup_string (record, "Outcome"), "succeeded"))
        g_snprintf (downtime, sizeof downtime, "%" G_GUINT64_FORMAT " ms", lookup_u64 (record, "Downtime"));
      else
        g_strlcpy (downtime, "-", sizeof downtime);
      /* Nothing known to move (refused, or failed before libvirt said): "-", not 0.0 MiB. */
      if (lookup_u64 (record, "BytesTotal") == 0 && lookup_u64 (record, "BytesProcessed") == 0)
        g_strlcpy (moved, "-", sizeof moved);
      else
        g_snprintf (moved, sizeof moved, "%.1f MiB", lookup_u64 (record, "BytesProcessed") / (1024.0 * 1024.0));
      cli_print_safe (stdout, "%-19s  %-16s  %-9s  %7s  %9s  %10s  %-14s  %s\n", when, lookup_string (record, "Domain"),
              lookup_string (record, "Outcome"), elapsed, downtime, moved, lookup_string (record, "Flow"),
              lookup_string (record, "Destination"));
      if (*error != '\0')
        cli_print_safe (stdout, "    error: %s\n", error);
      if (!verbose)
        continue;
      g_variant_lookup (record, "Id", "u", &id);
      cli_print_safe (stdout, "    uuid %s, from %s, job %u on %s\n", lookup_string (record, "DomainUuid"),
              lookup_string (record, "Source"), id, lookup_string (record, "Host"));
      if (g_variant_lookup (record, "Flags", "^a&s", &flags) && flags[0] != NULL)
        {
          flag_text = g_strjoinv (" ", (char **) flags);
          cli_print_safe (stdout, "    flags: %s\n", flag_text);
        }
      if (g_variant_lookup (record, "Messages", "^a&s", &messages))
        for (guint i = 0; messages[i] != NULL; i++)
          cli_print_safe (stdout, "    %s\n", messages[i]);
      {
        g_autoptr(GVariant) guests = g_variant_lookup_value (record, "Guests", G_VARIANT_TYPE ("aa{sv}"));

        /* A drain's record: its table. */
        if (guests != NULL)
          {
            g_autofree char *table = virt_migrate_drain_guests_to_text (guests);

            cli_print_safe (stdout, "%s", table);
          }
      }
    }
}

char *
cli_variant_to_json (GVariant *value)
{
  g_autoptr(JsonNode) node = json_gvariant_serialize (value);

  return json_to_string (node, TRUE);
}

int
cli_history (CliHistorySource source,
             const char      *domain,
             guint            limit,
             gboolean         json,
             gboolean         verbose)
{
  g_autoptr(VirtMigrateHistory) history = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) filter = NULL;
  g_autoptr(GVariant) records = NULL;
  g_autoptr(GError) error = NULL;

  if (domain != NULL)
    g_variant_dict_insert (&dict, "domain", "s", domain);
  if (limit > 0)
    g_variant_dict_insert (&dict, "limit", "u", limit);
  filter = g_variant_ref_sink (g_variant_dict_end (&dict));

  if (source == CLI_HISTORY_FILE)
    {
      history = virt_migrate_history_new_for_user ();
      records = virt_migrate_history_query (history, filter, &error);
    }
  else
    {
      /* The daemon answers in pages (each well under the bus's limit):
       * ask for the next, older one until none is left or the limit is
       * reached. */
      g_autoptr(GPtrArray) pages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      GVariantBuilder all;
      guint got = 0;

      for (;;)
        {
          g_auto(GVariantDict) page_dict = G_VARIANT_DICT_INIT (filter);
          g_autoptr(GVariant) page_filter = NULL;
          GVariant *page;

          g_variant_dict_insert (&page_dict, "offset", "u", got);
          if (limit > 0)
            g_variant_dict_insert (&page_dict, "limit", "u", limit - got);
          page_filter = g_variant_ref_sink (g_variant_dict_end (&page_dict));
          page = query_bus (source == CLI_HISTORY_SYSTEM_BUS, page_filter, &error);
          if (page == NULL)
            break;
          if (g_variant_n_children (page) == 0)
            {
              g_variant_unref (page);
              break;
            }
          got += (guint) g_variant_n_children (page);
          g_ptr_array_add (pages, page);
          if (limit > 0 && got >= limit)
            break;
        }
      if (error == NULL)
        {
          g_variant_builder_init (&all, G_VARIANT_TYPE ("aa{sv}"));
          /* The oldest page came last. */
          for (guint i = pages->len; i > 0; i--)
            {
              GVariantIter iter;
              GVariant *item;

              g_variant_iter_init (&iter, g_ptr_array_index (pages, i - 1));
              while ((item = g_variant_iter_next_value (&iter)) != NULL)
                {
                  g_variant_builder_add_value (&all, item);
                  g_variant_unref (item);
                }
            }
          records = g_variant_ref_sink (g_variant_builder_end (&all));
        }
    }
  if (records == NULL)
    {
      cli_error (NULL, "%s", error->message);
      return EXIT_FAILURE;
    }

  if (json)
    {
      g_autofree char *text = cli_variant_to_json (records);

      printf ("%s\n", text);
    }
  else if (g_variant_n_children (records) == 0)
    fprintf (stderr, "No migration%s%s recorded%s%s\n", domain != NULL ? " of " : "", domain != NULL ? domain : "",
             history != NULL ? " in " : "", history != NULL ? virt_migrate_history_get_path (history) : "");
  else
    print_table (records, verbose);
  return EXIT_SUCCESS;
}
