/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libvirt/libvirt.h>

#include "virt-migrate-preflight.h"
#include "virt-migrate-request.h"

G_BEGIN_DECLS

/* @dconn: a connection to @dest_uri to use, or %NULL to open one (read-write
 * where this user may, as the domain capabilities and the CPU comparison
 * need). */
void virt_migrate_preflight_gather (virConnectPtr              conn,
                                    virConnectPtr              dconn,
                                    virDomainPtr               dom,
                                    VirtMigrateRequest        *request,
                                    const char                *dest_uri,
                                    VirtMigratePreflightFacts *facts);

G_END_DECLS
