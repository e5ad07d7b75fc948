/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libvirt/libvirt.h>

#include "virt-migrate-preflight.h"
#include "virt-migrate-request.h"

G_BEGIN_DECLS

void virt_migrate_preflight_gather (virConnectPtr              conn,
                                    virDomainPtr               dom,
                                    VirtMigrateRequest        *request,
                                    const char                *dest_uri,
                                    VirtMigratePreflightFacts *facts);

G_END_DECLS
