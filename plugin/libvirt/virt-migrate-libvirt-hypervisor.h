/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-hypervisor.h"

G_BEGIN_DECLS

/* The hypervisor seam over libvirt: one connection per URI (read-write
 * where this user may, as the domain capabilities and the CPU comparison
 * need; read-only otherwise), opened on first use from any thread and
 * closed with the object. */
#define VIRT_MIGRATE_TYPE_LIBVIRT_HYPERVISOR (virt_migrate_libvirt_hypervisor_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateLibvirtHypervisor, virt_migrate_libvirt_hypervisor, VIRT_MIGRATE,
                      LIBVIRT_HYPERVISOR, GObject)

/* @ssh_dir: the ssh directory of the qemu+ssh:// connections it opens
 * (virt-migrate-libvirt-ssh.c), or NULL for the user's ssh. */
VirtMigrateHypervisor        *virt_migrate_libvirt_hypervisor_new      (const char *ssh_dir);
/* One that asks @source_uri on @conn and @dest_uri on @dconn (each a
 * virConnectPtr, referenced; NULL: open one when asked): a migration's
 * pre-flight on the connections it already has. */
VirtMigrateLibvirtHypervisor *virt_migrate_libvirt_hypervisor_new_with (const char *source_uri,
                                                                        gpointer    conn,
                                                                        const char *dest_uri,
                                                                        gpointer    dconn,
                                                                        const char *ssh_dir);

G_END_DECLS
