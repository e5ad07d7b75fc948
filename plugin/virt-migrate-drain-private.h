/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-drain.h"
#include "virt-migrate-drain-host.h"

G_BEGIN_DECLS

/* Made by virt_migrate_manager_create_drain(): @host (with what it can do,
 * @vtable) runs its jobs. */
VirtMigrateDrain *virt_migrate_drain_new              (GObject                    *host,
                                                       const VirtMigrateDrainHost *vtable,
                                                       VirtMigrateRequest  *request,
                                                       const char * const  *destinations,
                                                       guint                id);
/* The record a restarted process resumes from (a{sv}), and back. */
GVariant         *virt_migrate_drain_to_record        (VirtMigrateDrain    *self);
VirtMigrateDrain *virt_migrate_drain_new_from_record  (GObject                    *host,
                                                       const VirtMigrateDrainHost *vtable,
                                                       GVariant            *record,
                                                       GError             **error);
/* Follows the drain again from its record: what moved stays moved, the
 * jobs the manager adopted are followed, the rest is reconciled from
 * where each guest is and queued again. */
void              virt_migrate_drain_resume           (VirtMigrateDrain    *self);
/* The history's record of a finished drain. */
GVariant         *virt_migrate_drain_to_history_record (VirtMigrateDrain   *self);
G_END_DECLS
