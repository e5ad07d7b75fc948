/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <virt-migrate.h>

G_BEGIN_DECLS

#define VIRT_MIGRATE_TYPE_METRICS (virt_migrate_metrics_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateMetrics, virt_migrate_metrics, VIRT_MIGRATE, METRICS, GObject)

VirtMigrateMetrics *virt_migrate_metrics_new     (VirtMigrateManager *manager);
char               *virt_migrate_metrics_render  (VirtMigrateMetrics *self);

G_END_DECLS
