/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The service layer: what virt-migrated and the peas plugin put around a
 * VirtMigrateManager (D-Bus, HTTP, webhooks, metrics). It uses only the
 * library's public API and is linked into those programs, not into
 * libvirt-migrate-1.0 (which a GI client loads without libsoup, polkit or
 * json-glib). */

#include <virt-migrate.h>

#include "virt-migrate-dbus-service.h"
#include "virt-migrate-http-service.h"
#include "virt-migrate-webhooks.h"

G_BEGIN_DECLS

typedef void (*VirtMigrateJobAddedFunc) (VirtMigrateManager *manager,
                                         VirtMigrateJob     *job,
                                         gpointer            watcher);

void virt_migrate_service_watch_jobs (VirtMigrateManager      *manager,
                                      gpointer                 watcher,
                                      VirtMigrateJobAddedFunc  on_added,
                                      VirtMigrateJobAddedFunc  on_dropped);

G_END_DECLS
