/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-libvirt-private.h"

#include "virt-migrate-request.h"

G_BEGIN_DECLS

/* The destination side of disk-map and network-map: the destination XML
 * (and persistent XML) the migration sends, and the images a storage copy
 * needs there, created through the destination's storage API and removed
 * again if the migration does not succeed. Blocking libvirt calls: the
 * migration thread. */
typedef struct _VirtMigrateDestStorage VirtMigrateDestStorage;

VirtMigrateDestStorage *virt_migrate_dest_storage_new     (VirtMigrateRequest     *request);
gboolean                virt_migrate_dest_storage_prepare (VirtMigrateDestStorage *self,
                                                           virDomainPtr            dom,
                                                           virConnectPtr           dconn,
                                                           GError                **error);
const char             *virt_migrate_dest_storage_get_xml (VirtMigrateDestStorage *self);
const char             *virt_migrate_dest_storage_get_persistent_xml (VirtMigrateDestStorage *self);
guint                   virt_migrate_dest_storage_get_n_created (VirtMigrateDestStorage *self);
void                    virt_migrate_dest_storage_track   (VirtMigrateDestStorage *self,
                                                           virDomainPtr            dom,
                                                           virStorageVolPtr        vol);
void                    virt_migrate_dest_storage_finish  (VirtMigrateDestStorage *self,
                                                           gboolean                success,
                                                           gboolean                postcopy);
void                    virt_migrate_dest_storage_free    (VirtMigrateDestStorage *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VirtMigrateDestStorage, virt_migrate_dest_storage_free)

G_END_DECLS
