/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libvirt daemons of this machine one pre-flight check looks at: the
 * source's and the destination's, where their URIs are local. Each is
 * found in /proc once, at the first need, and the qemu.conf each reads is
 * read once; a file changed after its daemon started (a daemon reads it
 * only then) is noted in the facts. (private) */
#pragma once

#include "virt-migrate-local-host.h"

G_BEGIN_DECLS

typedef struct _VirtMigrateLocalDaemons VirtMigrateLocalDaemons;

VirtMigrateLocalDaemons     *virt_migrate_local_daemons_new         (const char                *source_uri,
                                                                     const char                *dest_uri,
                                                                     VirtMigratePreflightFacts *facts);
void                         virt_migrate_local_daemons_free        (VirtMigrateLocalDaemons   *self);
const VirtMigrateDaemonUser *virt_migrate_local_daemons_source      (VirtMigrateLocalDaemons   *self);
const VirtMigrateDaemonUser *virt_migrate_local_daemons_dest        (VirtMigrateLocalDaemons   *self);
const char                  *virt_migrate_local_daemons_source_conf (VirtMigrateLocalDaemons   *self);
const char                  *virt_migrate_local_daemons_dest_conf   (VirtMigrateLocalDaemons   *self);
gint64                       virt_migrate_proc_start_time           (const char                *stat,
                                                                     gint64                     now_real,
                                                                     gint64                     now_boot,
                                                                     long                       ticks);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VirtMigrateLocalDaemons, virt_migrate_local_daemons_free)

/* The gatherers that ask them (virt-migrate-local-host.c, -local-tls.c). */
void virt_migrate_source_memlock   (VirtMigrateLocalDaemons *daemons, const char *uuid, const char *xml,
                                    VirtMigratePreflightFacts *facts);
void virt_migrate_tls_gather       (VirtMigrateRequest *request, VirtMigrateLocalDaemons *daemons,
                                    VirtMigratePreflightFacts *facts);
void virt_migrate_tls_force_gather (VirtMigrateRequest *request, VirtMigrateLocalDaemons *daemons,
                                    VirtMigratePreflightFacts *facts);
void virt_migrate_dest_name_gather (VirtMigrateHypervisor *hv, VirtMigrateRequest *request, const char *source_uri,
                                    const char *dest_uri, VirtMigrateLocalDaemons *daemons,
                                    VirtMigratePreflightFacts *facts);
void virt_migrate_streams_gather   (VirtMigrateHypervisor *hv, VirtMigrateRequest *request, const char *source_uri,
                                    const char *dest_uri, VirtMigrateLocalDaemons *daemons,
                                    VirtMigratePreflightFacts *facts);

G_END_DECLS
