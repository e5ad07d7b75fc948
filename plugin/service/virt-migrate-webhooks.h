/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include <virt-migrate.h>

G_BEGIN_DECLS

#define VIRT_MIGRATE_TYPE_WEBHOOKS (virt_migrate_webhooks_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateWebhooks, virt_migrate_webhooks, VIRT_MIGRATE, WEBHOOKS, GObject)

VirtMigrateWebhooks *virt_migrate_webhooks_new (VirtMigrateManager *manager);

G_END_DECLS
