/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* disk-map and network-map, a pure unit: "SRC=DST" entries applied to a
 * path or a network name, and to a domain XML's disk sources and
 * interface networks (the destination XML a migration sends instead of a
 * hand-written one). A disk-map's DST is a directory (a path prefix) or,
 * when it is no absolute path, a storage pool of the destination whose
 * directory the caller resolves (@pool_dir). */

typedef char *(*VirtMigratePoolDirFunc) (const char *pool, gpointer user_data);

gboolean  virt_migrate_map_check        (const char *const *map,
                                         gboolean           paths,
                                         const char        *key,
                                         GError           **error);
char     *virt_migrate_map_path         (const char *const     *disk_map,
                                         const char            *path,
                                         VirtMigratePoolDirFunc pool_dir,
                                         gpointer               user_data);
char     *virt_migrate_map_network      (const char *const *network_map,
                                         const char        *name);
char     *virt_migrate_map_xml          (const char            *xml,
                                         const char *const     *disk_map,
                                         const char *const     *network_map,
                                         VirtMigratePoolDirFunc pool_dir,
                                         gpointer               user_data);

G_END_DECLS
