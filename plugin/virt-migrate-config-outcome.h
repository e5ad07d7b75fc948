/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRT_MIGRATE_H_INSIDE__) && !defined(VIRT_MIGRATE_COMPILATION)
#error "Only <virt-migrate.h> can be included directly."
#endif

#include <glib-object.h>

#include "virt-migrate-enums.h"

G_BEGIN_DECLS

#define VIRT_MIGRATE_TYPE_CONFIG_OUTCOME (virt_migrate_config_outcome_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateConfigOutcome, virt_migrate_config_outcome,
                      VIRT_MIGRATE, CONFIG_OUTCOME, GObject)

VirtMigrateConfigOutcome *virt_migrate_config_outcome_new            (VirtMigrateGuestType     dest_type,
                                                                      VirtMigrateSourceConfig  source_config,
                                                                      VirtMigrateDestConfig    dest_config);
VirtMigrateConfigOutcome *virt_migrate_config_outcome_predict        (gboolean source_persistent,
                                                                      gboolean dest_config_exists,
                                                                      gboolean undefine_source,
                                                                      gboolean persist_dest);
VirtMigrateGuestType      virt_migrate_config_outcome_get_dest_type     (VirtMigrateConfigOutcome *self);
VirtMigrateSourceConfig   virt_migrate_config_outcome_get_source_config (VirtMigrateConfigOutcome *self);
VirtMigrateDestConfig     virt_migrate_config_outcome_get_dest_config   (VirtMigrateConfigOutcome *self);
gboolean                  virt_migrate_config_outcome_equal          (VirtMigrateConfigOutcome *self,
                                                                      VirtMigrateConfigOutcome *other);
char                     *virt_migrate_config_outcome_to_string      (VirtMigrateConfigOutcome *self);
GVariant                 *virt_migrate_config_outcome_to_variant     (VirtMigrateConfigOutcome *self);

G_END_DECLS
