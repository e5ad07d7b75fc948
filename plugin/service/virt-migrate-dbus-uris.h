/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <virt-migrate.h>

G_BEGIN_DECLS

gboolean virt_migrate_dbus_uri_allowed      (const char         *uri,
                                             GError            **error);
gboolean virt_migrate_dbus_request_allowed  (VirtMigrateRequest *request,
                                             const char *const  *destinations,
                                             GError            **error);

G_END_DECLS
