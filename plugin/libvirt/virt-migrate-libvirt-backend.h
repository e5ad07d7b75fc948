/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-backend.h"
#include "virt-migrate-connection-pool.h"
#include "virt-migrate-request.h"

G_BEGIN_DECLS

#define VIRT_MIGRATE_TYPE_LIBVIRT_BACKEND (virt_migrate_libvirt_backend_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateLibvirtBackend, virt_migrate_libvirt_backend,
                      VIRT_MIGRATE, LIBVIRT_BACKEND, GObject)

VirtMigrateBackend *virt_migrate_libvirt_backend_new (VirtMigrateRequest        *request,
                                                      VirtMigrateConnectionPool *pool,
                                                      gboolean                   adopted);

G_END_DECLS
