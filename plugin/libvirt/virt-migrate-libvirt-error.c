/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-libvirt-private.h"

GError *
virt_migrate_error_from_libvirt (VirtMigrateError fallback_code,
                                 const char      *context)
{
  virErrorPtr verr = virGetLastError ();
  VirtMigrateError code = fallback_code;

  if (verr == NULL || verr->code == VIR_ERR_OK)
    return g_error_new (VIRT_MIGRATE_ERROR, fallback_code, "%s: libvirt gave no reason", context);
  if (verr->code == VIR_ERR_NO_DOMAIN)
    code = VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND;
  /* libvirt's message stays intact: it is the whole message. */
  return virt_migrate_error_new_hypervisor (code, verr->message != NULL ? verr->message : context, verr->code,
                                            verr->domain);
}
