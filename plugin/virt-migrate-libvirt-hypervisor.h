/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-hypervisor.h"

G_BEGIN_DECLS

/* The hypervisor seam over libvirt: read-only connections, one per URI,
 * opened on first use from any thread and closed with the object. */
#define VIRT_MIGRATE_TYPE_LIBVIRT_HYPERVISOR (virt_migrate_libvirt_hypervisor_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateLibvirtHypervisor, virt_migrate_libvirt_hypervisor, VIRT_MIGRATE,
                      LIBVIRT_HYPERVISOR, GObject)

VirtMigrateHypervisor *virt_migrate_libvirt_hypervisor_new (void);

G_END_DECLS
