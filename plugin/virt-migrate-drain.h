/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRT_MIGRATE_H_INSIDE__) && !defined(VIRT_MIGRATE_COMPILATION)
#error "Only <virt-migrate.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virt-migrate-enums.h"
#include "virt-migrate-request.h"

G_BEGIN_DECLS

#define VIRT_MIGRATE_TYPE_DRAIN (virt_migrate_drain_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateDrain, virt_migrate_drain, VIRT_MIGRATE, DRAIN, GObject)

guint                      virt_migrate_drain_get_id            (VirtMigrateDrain *self);
const char                *virt_migrate_drain_get_source_uri    (VirtMigrateDrain *self);
const char * const        *virt_migrate_drain_get_destinations  (VirtMigrateDrain *self);
VirtMigrateRequest        *virt_migrate_drain_get_request       (VirtMigrateDrain *self);
VirtMigrateDrainState      virt_migrate_drain_get_state         (VirtMigrateDrain *self);
gboolean                   virt_migrate_drain_is_finished       (VirtMigrateDrain *self);
gboolean                   virt_migrate_drain_state_is_final    (VirtMigrateDrainState state);
gdouble                    virt_migrate_drain_get_progress      (VirtMigrateDrain *self);
GVariant                  *virt_migrate_drain_get_guests        (VirtMigrateDrain *self);
guint                      virt_migrate_drain_get_n_guests      (VirtMigrateDrain *self);
guint                      virt_migrate_drain_get_n_moved       (VirtMigrateDrain *self);
guint                      virt_migrate_drain_get_n_left        (VirtMigrateDrain *self);
guint                      virt_migrate_drain_get_n_failed      (VirtMigrateDrain *self);
guint                      virt_migrate_drain_get_n_active      (VirtMigrateDrain *self);
GPtrArray                 *virt_migrate_drain_list_jobs         (VirtMigrateDrain *self);

guint                      virt_migrate_drain_get_max_parallel  (VirtMigrateDrain *self);
void                       virt_migrate_drain_set_max_parallel  (VirtMigrateDrain *self,
                                                                 guint             max_parallel);
VirtMigrateDrainPlacement  virt_migrate_drain_get_placement     (VirtMigrateDrain *self);
void                       virt_migrate_drain_set_placement     (VirtMigrateDrain *self,
                                                                 VirtMigrateDrainPlacement placement);
const char * const        *virt_migrate_drain_get_include       (VirtMigrateDrain *self);
void                       virt_migrate_drain_set_include       (VirtMigrateDrain *self,
                                                                 const char * const *patterns);
const char * const        *virt_migrate_drain_get_exclude       (VirtMigrateDrain *self);
void                       virt_migrate_drain_set_exclude       (VirtMigrateDrain *self,
                                                                 const char * const *patterns);
gboolean                   virt_migrate_drain_get_dry_run       (VirtMigrateDrain *self);
void                       virt_migrate_drain_set_dry_run       (VirtMigrateDrain *self,
                                                                 gboolean          dry_run);
gint64                     virt_migrate_drain_get_started_by_uid (VirtMigrateDrain *self);
void                       virt_migrate_drain_set_started_by_uid (VirtMigrateDrain *self,
                                                                  guint             uid);

void                       virt_migrate_drain_run_async         (VirtMigrateDrain    *self,
                                                                 GCancellable        *cancellable,
                                                                 GAsyncReadyCallback  callback,
                                                                 gpointer             user_data);
gboolean                   virt_migrate_drain_run_finish        (VirtMigrateDrain    *self,
                                                                 GAsyncResult        *result,
                                                                 GError             **error);
void                       virt_migrate_drain_cancel            (VirtMigrateDrain    *self);
GVariant                  *virt_migrate_drain_to_variant        (VirtMigrateDrain    *self);
char                      *virt_migrate_drain_guests_to_text    (GVariant            *guests);

G_END_DECLS
