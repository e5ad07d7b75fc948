/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libpeas/peas.h>

G_BEGIN_DECLS

#define VIRT_MIGRATE_TYPE_PEAS_PLUGIN (virt_migrate_peas_plugin_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigratePeasPlugin, virt_migrate_peas_plugin, VIRT_MIGRATE, PEAS_PLUGIN, GObject)

G_MODULE_EXPORT void peas_register_types (PeasObjectModule *module);

G_END_DECLS
