/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The D-Bus service's replies that carry data (Check's verdicts, Plan,
 * ListGuests), bounded: seen, a reply larger than the bus takes had
 * dbus-daemon disconnect the service, every client's calls then failing
 * "Message recipient disconnected from message bus without replying". */
#include "config.h"

#include "virt-migrate-dbus-reply.h"
#include <virt-migrate.h>

/**
 * virt_migrate_dbus_reply_fits:
 * @value: a reply's body
 * @max: the most bytes it may take
 * @fewer: what to ask for instead, in words
 *
 * Whether @value, serialised, takes at most @max bytes; %FALSE with
 * %VIRT_MIGRATE_ERROR_OUT_OF_RANGE naming its size and @fewer otherwise.
 */
gboolean
virt_migrate_dbus_reply_fits (GVariant *value, gsize max, const char *fewer, GError **error)
{
  gsize size = g_variant_get_size (value);

  if (size <= max)
    return TRUE;
  g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
               "The reply would take %.1f MiB, more than this service sends in one D-Bus message (%.0f MiB): %s",
               size / 1048576.0, max / 1048576.0, fewer);
  return FALSE;
}

/**
 * virt_migrate_dbus_return_bounded:
 * @value: (transfer floating): the reply's body
 *
 * Returns @value to @invocation where it fits %VIRT_MIGRATE_DBUS_REPLY_MAX,
 * else the error of virt_migrate_dbus_reply_fits().
 */
void
virt_migrate_dbus_return_bounded (GDBusMethodInvocation *invocation, GVariant *value, const char *fewer)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (value);
  GError *error = NULL;

  if (!virt_migrate_dbus_reply_fits (owned, VIRT_MIGRATE_DBUS_REPLY_MAX, fewer, &error))
    {
      g_dbus_method_invocation_take_error (invocation, error);
      return;
    }
  g_dbus_method_invocation_return_value (invocation, owned);
}
