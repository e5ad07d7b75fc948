/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRT_MIGRATE_H_INSIDE__) && !defined(VIRT_MIGRATE_COMPILATION)
#error "Only <virt-migrate.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

#define VIRT_MIGRATE_TYPE_HISTORY (virt_migrate_history_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateHistory, virt_migrate_history, VIRT_MIGRATE, HISTORY, GObject)

VirtMigrateHistory *virt_migrate_history_new             (const char          *path);
VirtMigrateHistory *virt_migrate_history_new_for_user    (void);
const char         *virt_migrate_history_get_path        (VirtMigrateHistory  *self);
guint               virt_migrate_history_get_max_records (VirtMigrateHistory  *self);
void                virt_migrate_history_set_max_records (VirtMigrateHistory  *self,
                                                          guint                max_records);
gboolean            virt_migrate_history_append          (VirtMigrateHistory  *self,
                                                          GVariant            *record,
                                                          GError             **error);
GVariant           *virt_migrate_history_query           (VirtMigrateHistory  *self,
                                                          GVariant            *filter,
                                                          GError             **error);

G_END_DECLS
