/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Private: not part of the public API or the GIR. The libvirt connections
 * a manager's jobs share (plugin/libvirt/virt-migrate-connection-pool.c;
 * what they hold is only seen from plugin/libvirt/). */
#define VIRT_MIGRATE_TYPE_CONNECTION_POOL (virt_migrate_connection_pool_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateConnectionPool, virt_migrate_connection_pool,
                      VIRT_MIGRATE, CONNECTION_POOL, GObject)

VirtMigrateConnectionPool *virt_migrate_connection_pool_new         (void);
VirtMigrateConnectionPool *virt_migrate_connection_pool_get_default (void);
guint                      virt_migrate_connection_pool_get_size    (VirtMigrateConnectionPool *self);
void                       virt_migrate_connection_pool_set_ssh_directory (VirtMigrateConnectionPool *self,
                                                                           const char                *ssh_dir);
const char                *virt_migrate_connection_pool_get_ssh_directory (VirtMigrateConnectionPool *self);

G_END_DECLS
