/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRT_MIGRATE_H_INSIDE__) && !defined(VIRT_MIGRATE_COMPILATION)
#error "Only <virt-migrate.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * VIRT_MIGRATE_ERROR:
 *
 * The error domain of virt-migrate; codes are #VirtMigrateError.
 */
#define VIRT_MIGRATE_ERROR (virt_migrate_error_quark ())

GQuark virt_migrate_error_quark (void);

int virt_migrate_error_get_libvirt_code (const GError *error);
int virt_migrate_error_get_libvirt_domain (const GError *error);

G_END_DECLS
