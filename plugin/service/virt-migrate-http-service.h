/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include <virt-migrate.h>

G_BEGIN_DECLS

#define VIRT_MIGRATE_TYPE_HTTP_SERVICE (virt_migrate_http_service_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateHttpService, virt_migrate_http_service, VIRT_MIGRATE, HTTP_SERVICE, GObject)

VirtMigrateHttpService *virt_migrate_http_service_new            (VirtMigrateManager     *manager);
gboolean                virt_migrate_http_service_listen         (VirtMigrateHttpService *self,
                                                                  const char             *address,
                                                                  GError                **error);
char                  **virt_migrate_http_service_get_uris       (VirtMigrateHttpService *self);
const char             *virt_migrate_http_service_get_token_file (VirtMigrateHttpService *self);
void                    virt_migrate_http_service_disconnect     (VirtMigrateHttpService *self);

G_END_DECLS
