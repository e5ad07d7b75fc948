/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

/* Private: not part of the public API or the GIR. */
#define VIRT_MIGRATE_TYPE_CONNECTION_POOL (virt_migrate_connection_pool_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateConnectionPool, virt_migrate_connection_pool,
                      VIRT_MIGRATE, CONNECTION_POOL, GObject)

void                       virt_migrate_libvirt_init                (void);
VirtMigrateConnectionPool *virt_migrate_connection_pool_new         (void);
VirtMigrateConnectionPool *virt_migrate_connection_pool_get_default (void);
virConnectPtr              virt_migrate_connection_pool_get         (VirtMigrateConnectionPool *self,
                                                                     const char                *uri,
                                                                     GError                   **error);
virConnectPtr              virt_migrate_connection_pool_get_control (VirtMigrateConnectionPool *self,
                                                                     const char                *uri,
                                                                     GError                   **error);
guint                      virt_migrate_connection_pool_get_size    (VirtMigrateConnectionPool *self);
virDomainPtr               virt_migrate_lookup_domain               (virConnectPtr              conn,
                                                                     const char                *name_or_uuid,
                                                                     GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (virConnect, virConnectClose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (virDomain, virDomainFree)

G_END_DECLS
