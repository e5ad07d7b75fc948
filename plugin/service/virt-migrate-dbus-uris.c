/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libvirt URIs the system service opens for a caller. It runs as root,
 * and libvirt's client takes from a URI what to run and which files to
 * use: a caller's `command=` (ssh's program, or the ext transport's) ran
 * as root (seen: ListGuests, open to every caller, ran a script a user
 * named), `netcat=` runs a program on the far side under root's ssh
 * identity, `keyfile=` and `pkipath=` use root's keys and certificates,
 * `known_hosts=` has libssh write a file, `no_verify=` has ssh trust any
 * host key and add it to the service's known hosts. On the system bus
 * such URIs are refused; the service's own ssh (its state directory's
 * ssh/) serves. */
#include "config.h"

#include "virt-migrate-dbus-uris.h"
#include <string.h>

/* Query parameters of a libvirt URI that name a program or a file. */
static const char *const refused_params[] = {
  "command", "netcat", "keyfile", "pkipath", "known_hosts", "known_hosts_verify", "no_verify", NULL
};

/**
 * virt_migrate_dbus_uri_allowed:
 * @uri: a libvirt URI a caller gave (a host name as its qemu+ssh:// URI)
 *
 * Whether the system service may open @uri for a caller: not over the ext
 * transport, and naming none of the programs or files in
 * `refused_params`. %FALSE with %G_DBUS_ERROR_ACCESS_DENIED naming it.
 */
gboolean
virt_migrate_dbus_uri_allowed (const char *uri, GError **error)
{
  g_autoptr(GUri) parsed = uri != NULL ? g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_NON_DNS, NULL)
                                       : NULL;
  g_autoptr(GHashTable) params = NULL;
  const char *scheme, *plus;

  /* What does not parse is the request's to refuse, in its words. */
  if (parsed == NULL)
    return TRUE;
  scheme = g_uri_get_scheme (parsed);
  plus = strchr (scheme, '+');
  if (plus != NULL && g_ascii_strcasecmp (plus + 1, "ext") == 0)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                   "%s: the ext transport runs a program the URI names, which this service would run as root: "
                   "give a qemu+ssh:// URI (the service runs its own ssh)", uri);
      return FALSE;
    }
  /* libvirt splits at '&', else at ';' (viruri.c), names in any case,
   * escaped or not: each split here, unescaped. */
  if (g_uri_get_query (parsed) != NULL)
    params = g_uri_parse_params (g_uri_get_query (parsed), -1, "&;", G_URI_PARAMS_CASE_INSENSITIVE, NULL);
  for (guint i = 0; params != NULL && refused_params[i] != NULL; i++)
    if (g_hash_table_contains (params, refused_params[i]))
      {
        g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                     "%s: '%s' names a program or a file that this service would use as root, or has it trust "
                     "any host: leave it out (the service runs its own ssh, with the keys and known hosts of "
                     "its ssh directory), or run the migration yourself without --bus", uri, refused_params[i]);
        return FALSE;
      }
  return TRUE;
}

/**
 * virt_migrate_dbus_request_allowed:
 * @destinations: (nullable): destinations given beside @request (Check, Drain)
 *
 * virt_migrate_dbus_uri_allowed() of @request's source and destination
 * URIs and of each of @destinations, as the service will open them.
 */
gboolean
virt_migrate_dbus_request_allowed (VirtMigrateRequest *request, const char *const *destinations, GError **error)
{
  g_autofree char *dest = virt_migrate_uri_for_destination (virt_migrate_request_get_dest_uri (request));

  if (!virt_migrate_dbus_uri_allowed (virt_migrate_request_get_source_uri (request), error) ||
      !virt_migrate_dbus_uri_allowed (dest, error))
    return FALSE;
  for (guint i = 0; destinations != NULL && destinations[i] != NULL; i++)
    {
      g_autofree char *uri = virt_migrate_uri_for_destination (destinations[i]);

      if (!virt_migrate_dbus_uri_allowed (uri, error))
        return FALSE;
    }
  return TRUE;
}
