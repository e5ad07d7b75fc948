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
/* (virt-migrate-local-host.c) */
gboolean virt_migrate_uri_is_local     (const char                *uri);
/* What libvirt makes of the file system under a path of this machine. */
VirtMigrateFsKind virt_migrate_path_fs_kind (const char *path);

G_END_DECLS
