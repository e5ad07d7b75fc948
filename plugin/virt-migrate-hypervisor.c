/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-error.h"
#include "virt-migrate-hypervisor.h"

G_DEFINE_INTERFACE (VirtMigrateHypervisor, virt_migrate_hypervisor, G_TYPE_OBJECT)

static void
virt_migrate_hypervisor_default_init (VirtMigrateHypervisorInterface *iface)
{
}

#define IFACE(self) VIRT_MIGRATE_HYPERVISOR_GET_IFACE (self)

gboolean
virt_migrate_hypervisor_reach (VirtMigrateHypervisor *self, const char *uri, GError **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), FALSE);
  return IFACE (self)->reach (self, uri, error);
}

GPtrArray *
virt_migrate_hypervisor_list_running_guests (VirtMigrateHypervisor *self,
                                             const char            *uri,
                                             GError               **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), NULL);
  return IFACE (self)->list_running_guests (self, uri, error);
}

VirtMigrateGuestInfo *
virt_migrate_hypervisor_lookup_guest (VirtMigrateHypervisor *self,
                                      const char            *uri,
                                      const char            *name_or_uuid,
                                      GError               **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), NULL);
  return IFACE (self)->lookup_guest (self, uri, name_or_uuid, error);
}

char *
virt_migrate_hypervisor_guest_xml (VirtMigrateHypervisor  *self,
                                   const char             *uri,
                                   const char             *name_or_uuid,
                                   VirtMigrateGuestXmlKind kind,
                                   GError                **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), NULL);
  return IFACE (self)->guest_xml (self, uri, name_or_uuid, kind, error);
}

char *
virt_migrate_hypervisor_capabilities (VirtMigrateHypervisor *self, const char *uri, GError **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), NULL);
  return IFACE (self)->capabilities (self, uri, error);
}

char *
virt_migrate_hypervisor_domain_capabilities (VirtMigrateHypervisor         *self,
                                             const char                    *uri,
                                             const VirtMigrateDomcapsQuery *query,
                                             GError                       **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), NULL);
  return IFACE (self)->domain_capabilities (self, uri, query, error);
}

int
virt_migrate_hypervisor_compare_cpu (VirtMigrateHypervisor         *self,
                                     const char                    *uri,
                                     const VirtMigrateDomcapsQuery *query,
                                     const char                    *cpu_xml,
                                     GError                       **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), -1);
  return IFACE (self)->compare_cpu (self, uri, query, cpu_xml, error);
}

guint64
virt_migrate_hypervisor_free_memory (VirtMigrateHypervisor *self,
                                     const char            *uri)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), 0);
  return IFACE (self)->free_memory (self, uri);
}

char *
virt_migrate_hypervisor_host_name (VirtMigrateHypervisor *self,
                                   const char            *uri)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), NULL);
  return IFACE (self)->host_name (self, uri);
}

gint64
virt_migrate_hypervisor_free_pages (VirtMigrateHypervisor *self,
                                    const char            *uri,
                                    guint                  page_kib)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), -1);
  return IFACE (self)->free_pages (self, uri, page_kib);
}

VirtMigrateFact
virt_migrate_hypervisor_network_present (VirtMigrateHypervisor *self,
                                         const char            *uri,
                                         const char            *kind,
                                         const char            *name)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), VIRT_MIGRATE_FACT_UNKNOWN);
  return IFACE (self)->network_present (self, uri, kind, name);
}

GPtrArray *
virt_migrate_hypervisor_storage_pools (VirtMigrateHypervisor *self, const char *uri)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), NULL);
  return IFACE (self)->storage_pools (self, uri);
}

char *
virt_migrate_hypervisor_volume_xml (VirtMigrateHypervisor *self, const char *uri, const char *path)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), NULL);
  return IFACE (self)->volume_xml (self, uri, path);
}

GPtrArray *
virt_migrate_hypervisor_list_disk_users (VirtMigrateHypervisor *self, const char *uri, GError **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), NULL);
  return IFACE (self)->list_disk_users (self, uri, error);
}

char *
virt_migrate_hypervisor_guest_busy (VirtMigrateHypervisor *self, const char *uri, const char *uuid,
                                    const char *const *targets)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), NULL);
  return IFACE (self)->guest_busy (self, uri, uuid, targets);
}

VirtMigrateGuestWhere
virt_migrate_hypervisor_locate_guest (VirtMigrateHypervisor *self,
                                      const char            *uri,
                                      const char            *uuid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigrateGuestInfo) info = NULL;

  g_return_val_if_fail (VIRT_MIGRATE_IS_HYPERVISOR (self), VIRT_MIGRATE_GUEST_UNREACHABLE);
  info = IFACE (self)->lookup_guest (self, uri, uuid, &error);
  if (info != NULL)
    return info->running ? VIRT_MIGRATE_GUEST_RUNNING : VIRT_MIGRATE_GUEST_NOT_RUNNING;
  return g_error_matches (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND)
           ? VIRT_MIGRATE_GUEST_NOT_RUNNING : VIRT_MIGRATE_GUEST_UNREACHABLE;
}

VirtMigrateGuestInfo *
virt_migrate_guest_info_new (const char *name, const char *uuid, guint64 memory)
{
  VirtMigrateGuestInfo *info = g_new0 (VirtMigrateGuestInfo, 1);

  info->name = g_strdup (name);
  info->uuid = g_strdup (uuid);
  info->memory = memory;
  info->snapshots = -1;
  return info;
}

void
virt_migrate_guest_info_free (VirtMigrateGuestInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->uuid);
  g_free (info->state);
  g_strfreev (info->disks);
  g_free (info);
}
