/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The most one reply of the service carries: the system bus takes messages
 * of 32 MiB at most (dbus-daemon's max_message_size) and disconnects
 * whoever sends a larger one, which would take the service off the bus. */
#define VIRT_MIGRATE_DBUS_REPLY_MAX (16 * 1024 * 1024)

gboolean virt_migrate_dbus_reply_fits      (GVariant              *value,
                                            gsize                  max,
                                            const char            *fewer,
                                            GError               **error);
void     virt_migrate_dbus_return_bounded  (GDBusMethodInvocation *invocation,
                                            GVariant              *value,
                                            const char            *fewer);

G_END_DECLS
