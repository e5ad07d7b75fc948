/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-plan.h"

G_BEGIN_DECLS

VirtMigratePlan *virt_migrate_plan_new (VirtMigrateRequest *request,
                                        const char         *guest_uuid,
                                        gboolean            source_persistent,
                                        gboolean            dest_checked,
                                        gboolean            dest_config_exists,
                                        GError            **error);
void             virt_migrate_plan_set_verdict (VirtMigratePlan *self,
                                                GVariant        *verdict);
void             virt_migrate_plan_set_dest_xml (VirtMigratePlan *self,
                                                 const char      *xml);

G_END_DECLS
