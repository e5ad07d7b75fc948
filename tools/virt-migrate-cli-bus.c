/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virt-migrate-cli-bus.h"
#include "virt-migrate-cli-words.h"
#include "virt-migrate-cli-history.h"
#include "virt-migrate-dbus-generated.h"
#include "virt-migrate-service.h"

/* Whether there is a session bus to talk to: its address is known (root
 * in a console or over ssh has none, and GDBus would try to autolaunch one
 * through X11). */
gboolean
cli_have_session_bus (void)
{
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, NULL);

  return address != NULL && (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL || !g_str_has_prefix (address, "autolaunch:"));
}

/* The session bus's service, or the system bus's when asked, or when there
 * is no session bus at all (the packages run the system daemon). */
GDBusConnection *
cli_bus_connect (gboolean system_bus)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  if (!system_bus && !cli_have_session_bus ())
    system_bus = TRUE;
  connection = g_bus_get_sync (system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL, &error);
  if (connection == NULL)
    fprintf (stderr, "virt-migrate: error: cannot connect to the %s bus: %s\n",
             system_bus ? "system" : "session", error->message);
  return connection;
}

void
cli_print_bus_error (GError *error)
{
  g_dbus_error_strip_remote_error (error);
  cli_error_in_words (error->message, 0);
}

/* @format's text with every control character but the newline escaped. */
static char *
escaped_vprintf (const char *format, va_list args)
{
  g_autofree char *text = g_strdup_vprintf (format, args);

  return cli_escape (text);
}

void
cli_error (const char *hint, const char *format, ...)
{
  g_autofree char *safe = NULL;
  va_list args;

  va_start (args, format);
  safe = escaped_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "virt-migrate: error: %s\n", safe);
  if (hint != NULL)
    fprintf (stderr, "%s\n", hint);
}

void
cli_error_in_words (const char *message, int libvirt_code)
{
  g_autofree char *text = cli_words (message);

  if (libvirt_code != 0)
    cli_error (NULL, "%s (libvirt error %d)", text, libvirt_code);
  else
    cli_error (NULL, "%s", text);
}

/* "7" or "/org/virtmigrate/VirtMigrate1/jobs/7" -> the job's object path. */
char *
cli_job_path_for (const char *arg)
{
  if (g_variant_is_object_path (arg) && g_str_has_prefix (arg, VIRT_MIGRATE_DBUS_PATH "/jobs/"))
    return g_strdup (arg);
  if (*arg != '\0' && strspn (arg, "0123456789") == strlen (arg))
    return g_strconcat (VIRT_MIGRATE_DBUS_PATH "/jobs/", arg, NULL);
  return NULL;
}

/* A job's properties as D-Bus has them (Id among them; from the path for a
 * daemon that predates it): the JSON of `jobs --json`, the same keys as
 * GET /v1/jobs. */
static GVariant *
job_record (VirtMigrateDBusJob *job, const char *path)
{
  g_auto(GStrv) names = g_dbus_proxy_get_cached_property_names (G_DBUS_PROXY (job));
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "Id", "u", (guint32) g_ascii_strtoull (strrchr (path, '/') + 1, NULL, 10));
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (job), names[i]);

      if (value != NULL)
        g_variant_dict_insert_value (&dict, names[i], value);
    }
  return g_variant_dict_end (&dict);
}

/* virt-migrate jobs: the daemon's jobs, running and recently finished. */
int
cli_list_jobs (gboolean system_bus,
               gboolean json)
{
  GVariantBuilder records;
  g_autoptr(GDBusConnection) connection = cli_bus_connect (system_bus);
  g_autoptr(VirtMigrateDBusManager) manager = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) paths = NULL;

  if (connection == NULL)
    return EXIT_FAILURE;
  manager = virt_migrate_dbus_manager_proxy_new_sync (connection, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                                      VIRT_MIGRATE_DBUS_NAME,
                                                      VIRT_MIGRATE_DBUS_PATH "/Manager", NULL, &error);
  if (manager == NULL || !virt_migrate_dbus_manager_call_get_jobs_sync (manager, &paths, NULL, &error))
    {
      cli_print_bus_error (error);
      return EXIT_FAILURE;
    }
  g_variant_builder_init (&records, G_VARIANT_TYPE ("aa{sv}"));
  if (!json)
    printf ("%-4s %-10s %8s %6s  %-24s %s\n", "ID", "STATE", "PROGRESS", "UID", "DOMAIN", "DESTINATION");
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr(VirtMigrateDBusJob) job =
        virt_migrate_dbus_job_proxy_new_sync (connection, G_DBUS_PROXY_FLAGS_NONE, VIRT_MIGRATE_DBUS_NAME,
                                              paths[i], NULL, &error);
      const char *dest = NULL;
      GVariant *req;

      if (job == NULL)
        {
          cli_print_bus_error (error);
          g_clear_error (&error);
          continue;
        }
      if (json)
        {
          g_variant_builder_add_value (&records, job_record (job, paths[i]));
          continue;
        }
      req = virt_migrate_dbus_job_get_request (job);
      if (req == NULL || !g_variant_lookup (req, "dest-uri", "&s", &dest))
        if (req == NULL || !g_variant_lookup (req, "hypervisor-uri", "&s", &dest))
          dest = "";
      cli_print_safe (stdout, "%-4s %-10s %7.0f%% %6u  %-24s %s\n", strrchr (paths[i], '/') + 1,
              virt_migrate_dbus_job_get_state (job), virt_migrate_dbus_job_get_progress (job) * 100.0,
              virt_migrate_dbus_job_get_started_by_uid (job), virt_migrate_dbus_job_get_domain (job), dest);
    }
  {
    g_autoptr(GVariant) all = g_variant_ref_sink (g_variant_builder_end (&records));

    if (json)
      {
        g_autofree char *text = cli_variant_to_json (all);

        printf ("%s\n", text);
      }
  }
  return EXIT_SUCCESS;
}

/* virt-migrate cancel JOB: asks the daemon to cancel; the guest stays on
 * the source. */
int
cli_cancel_job (gboolean system_bus, const char *path)
{
  g_autoptr(GDBusConnection) connection = cli_bus_connect (system_bus);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  if (connection == NULL)
    return EXIT_FAILURE;
  reply = g_dbus_connection_call_sync (connection, VIRT_MIGRATE_DBUS_NAME, path,
                                       "org.virtmigrate.VirtMigrate1.Job", "Cancel", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, -1, NULL, &error);
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD))
    {
      fprintf (stderr, "error: no job %s: it never existed or finished too long ago "
                       "(see virt-migrate jobs)\n", strrchr (path, '/') + 1);
      return EXIT_FAILURE;
    }
  if (reply == NULL)
    {
      cli_print_bus_error (error);
      return EXIT_FAILURE;
    }
  printf ("Cancelling %s\n", path);
  return EXIT_SUCCESS;
}

char *
cli_escape (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0';)
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* Not UTF-8: the byte, escaped. */
          g_string_append_printf (out, "\\x%02x", (guchar) *p);
          p++;
          continue;
        }
      if (c != '\n' && (c < 0x20 || c == 0x7f))
        g_string_append_printf (out, "\\x%02x", c);
      else if (c >= 0x80 && c <= 0x9f)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      p = g_utf8_next_char (p);
    }
  return g_string_free (out, FALSE);
}

void
cli_print_safe (FILE *out, const char *format, ...)
{
  g_autofree char *safe = NULL;
  va_list args;

  va_start (args, format);
  safe = escaped_vprintf (format, args);
  va_end (args);
  fputs (safe, out);
}
