/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-hypervisor.h"

G_DEFINE_INTERFACE (VirtMigrateHypervisor, virt_migrate_hypervisor, G_TYPE_OBJECT)

static void
virt_migrate_hypervisor_default_init (VirtMigrateHypervisorInterface *iface)
{
}

GPtrArray *
virt_migrate_hypervisor_list_running_guests (VirtMigrateHypervisor *self,
                                             const char            *uri,
                                             GError               **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), NULL);
  return VIRT_MIGRATE_HYPERVISOR_GET_IFACE (self)->list_running_guests (self, uri, error);
}

guint64
virt_migrate_hypervisor_free_memory (VirtMigrateHypervisor *self,
                                     const char            *uri)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), 0);
  return VIRT_MIGRATE_HYPERVISOR_GET_IFACE (self)->free_memory (self, uri);
}

gboolean
virt_migrate_hypervisor_gather_facts (VirtMigrateHypervisor     *self,
                                      VirtMigrateRequest        *request,
                                      const char                *dest_uri,
                                      VirtMigratePreflightFacts *facts,
                                      GError                   **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), FALSE);
  return VIRT_MIGRATE_HYPERVISOR_GET_IFACE (self)->gather_facts (self, request, dest_uri, facts, error);
}

VirtMigrateGuestWhere
virt_migrate_hypervisor_locate_guest (VirtMigrateHypervisor *self,
                                      const char            *uri,
                                      const char            *uuid)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), VIRT_MIGRATE_GUEST_UNREACHABLE);
  return VIRT_MIGRATE_HYPERVISOR_GET_IFACE (self)->locate_guest (self, uri, uuid);
}

VirtMigrateGuestInfo *
virt_migrate_guest_info_new (const char *name, const char *uuid, guint64 memory)
{
  VirtMigrateGuestInfo *info = g_new0 (VirtMigrateGuestInfo, 1);

  info->name = g_strdup (name);
  info->uuid = g_strdup (uuid);
  info->memory = memory;
  return info;
}

void
virt_migrate_guest_info_free (VirtMigrateGuestInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->uuid);
  g_free (info);
}
