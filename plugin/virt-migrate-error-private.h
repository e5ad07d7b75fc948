/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "virt-migrate-enums.h"
#include "virt-migrate-error.h"

G_BEGIN_DECLS

/* Wraps the calling thread's last libvirt error; @fallback_code is used unless
 * the libvirt code maps to a more specific one.  @context is used only when
 * libvirt left no error. */
GError *virt_migrate_error_from_libvirt (VirtMigrateError fallback_code,
                                         const char      *context);

G_END_DECLS
