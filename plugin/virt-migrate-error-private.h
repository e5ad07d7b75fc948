/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-enums.h"
#include "virt-migrate-error.h"

G_BEGIN_DECLS

/* An error in the %VIRT_MIGRATE_ERROR domain carrying the hypervisor's own
 * error number and component (libvirt's virErrorNumber and
 * virErrorDomain, read back with virt_migrate_error_get_libvirt_code()
 * and virt_migrate_error_get_libvirt_domain()). @message is kept whole. */
GError *virt_migrate_error_new_hypervisor (VirtMigrateError code,
                                           const char      *message,
                                           int              hypervisor_code,
                                           int              hypervisor_domain);

G_END_DECLS
