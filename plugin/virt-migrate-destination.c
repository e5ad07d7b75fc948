/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A destination as people name it: a libvirt URI, or a host name that
 * means the host's system libvirtd over ssh. */
#include "config.h"

#include <string.h>

#include "virt-migrate-error.h"
#include "virt-migrate-request-private.h"

/* [user@]host[:port]: a host name or address (IPv6 in brackets), no path. */
static gboolean
is_host (const char *text)
{
  const char *host = strchr (text, '@') != NULL ? strchr (text, '@') + 1 : text;
  const char *end;

  if (*text == '\0' || *text == '@' || strchr (host, '@') != NULL || *host == '\0')
    return FALSE;
  for (const char *c = text; c < host - 1; c++)
    if (!g_ascii_isalnum (*c) && *c != '_' && *c != '-' && *c != '.')
      return FALSE;
  if (*host == '[')
    {
      end = strchr (host, ']');
      if (end == NULL || end == host + 1)
        return FALSE;
      for (const char *c = host + 1; c < end; c++)
        if (!g_ascii_isxdigit (*c) && *c != ':' && *c != '.')
          return FALSE;
      end++;
    }
  else
    {
      for (end = host; *end != '\0' && *end != ':'; end++)
        if (!g_ascii_isalnum (*end) && *end != '-' && *end != '.' && *end != '_')
          return FALSE;
      if (end == host)
        return FALSE;
    }
  if (*end == ':')
    {
      guint64 port;

      return g_ascii_string_to_unsigned (end + 1, 10, 1, 65535, &port, NULL);
    }
  return *end == '\0';
}

/**
 * virt_migrate_uri_for_destination:
 * @destination: (nullable): a libvirt URI, or a host name
 *
 * The libvirt URI of a destination as people name it: a plain host name
 * (also `user@host`, `host:port`, an address, `[IPv6]`) is its system
 * libvirtd over ssh, `qemu+ssh://host/system`, as virt-manager and
 * cockpit-machines connect to remote hosts; anything else (a URI, or
 * what is neither) is returned as it is, for the validation to judge.
 * #VirtMigrateRequest:dest-uri, virt_migrate_manager_check_async() and
 * virt_migrate_manager_create_drain() apply it.
 *
 * Returns: (transfer full) (nullable): the URI, %NULL for %NULL
 */
char *
virt_migrate_uri_for_destination (const char *destination)
{
  if (destination == NULL)
    return NULL;
  if (!is_host (destination))
    return g_strdup (destination);
  return g_strdup_printf ("qemu+ssh://%s/system", destination);
}

/* Each of @destinations as virt_migrate_uri_for_destination() makes it
 * (host names as their qemu+ssh:// URIs), as for a migration, where there
 * are at most VIRT_MIGRATE_MAX_DESTINATIONS of them: a check or a drain
 * asks each in turn (an ssh connection, a pre-flight), and a check's
 * verdicts come back in one reply. %NULL with @error otherwise. */
char **
virt_migrate_uris_for_destinations (const char *const *destinations, GError **error)
{
  g_autoptr(GStrvBuilder) uris = g_strv_builder_new ();
  guint n = destinations != NULL ? g_strv_length ((char **) destinations) : 0;

  if (n > VIRT_MIGRATE_MAX_DESTINATIONS)
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                   "%u destinations given, at most %d: check or drain to them in groups", n,
                   VIRT_MIGRATE_MAX_DESTINATIONS);
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *uri = virt_migrate_uri_for_destination (destinations[i]);

      g_strv_builder_add (uris, uri);
    }
  return g_strv_builder_end (uris);
}
