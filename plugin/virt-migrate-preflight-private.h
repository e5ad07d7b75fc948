/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-hypervisor.h"
#include "virt-migrate-preflight.h"
#include "virt-migrate-request.h"

G_BEGIN_DECLS

/* (virt-migrate-preflight-gather.c) */
gboolean virt_migrate_preflight_gather (VirtMigrateHypervisor     *hv,
                                        VirtMigrateRequest        *request,
                                        const char                *dest_uri,
                                        VirtMigratePreflightFacts *facts,
                                        GError                   **error);
gboolean virt_migrate_uri_is_local     (const char                *uri);
/* Whether @path is on a network file system (NFS, SMB/CIFS) here. */
VirtMigrateFact virt_migrate_path_on_network_fs (const char *path);

G_END_DECLS
