/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "virt-migrate-preflight.h"

G_BEGIN_DECLS

/* The seam beside the backend: every question the library asks a host
 * outside one migration's run (a drain's guests, a plan's and a
 * pre-flight's facts, the free memory of destinations, where a guest is
 * after a restart). The answers are libvirt's own (XML documents as
 * libvirt writes them, its numbers); what they mean is worked out above
 * the seam (virt-migrate-preflight-gather.c, the plan, the drain), so the
 * unit tests run that against recorded answers. Every call blocks: worker
 * threads only. VirtMigrateLibvirtHypervisor (plugin/libvirt/) asks
 * libvirt, one connection per URI kept for the object's life; the tests'
 * FakeHypervisor answers from a script. A manager makes one per piece of
 * work (virt_migrate_manager_new_hypervisor()). */
#define VIRT_MIGRATE_TYPE_HYPERVISOR (virt_migrate_hypervisor_get_type ())
G_DECLARE_INTERFACE (VirtMigrateHypervisor, virt_migrate_hypervisor, VIRT_MIGRATE, HYPERVISOR, GObject)

/* A guest of a host. */
typedef struct {
  char    *name;
  char    *uuid;
  guint64  memory;     /* bytes */
  gboolean running;
  gboolean persistent; /* defined, not only running */
  char    *state;      /* libvirt's state as a word: running, paused, shut off…, with a post-copy reason as virsh
                        * gives it ("paused (post-copy failed)"); NULL: not asked */
  gboolean in_postcopy;     /* in a post-copy migration (paused or running "post-copy") */
  gboolean postcopy_failed; /* in one that broke ("post-copy failed") */
  gboolean io_error;   /* paused by a disk I/O error ("paused (I/O error)") */
  char   **disks;      /* the images its disks use (the chains where libvirt lists them); NULL: not asked */
  gint     snapshots;  /* how many snapshots libvirt keeps of it (lookup_guest); -1: not known */
} VirtMigrateGuestInfo;

/* Where a guest is, by its UUID. */
typedef enum {
  VIRT_MIGRATE_GUEST_RUNNING,     /* running on that host */
  VIRT_MIGRATE_GUEST_NOT_RUNNING, /* absent, or defined and not running */
  VIRT_MIGRATE_GUEST_UNREACHABLE, /* the host could not be asked */
} VirtMigrateGuestWhere;

/* Which of a guest's definitions. */
typedef enum {
  VIRT_MIGRATE_GUEST_XML_LIVE,       /* as it runs: backing chains listed */
  VIRT_MIGRATE_GUEST_XML_MIGRATABLE, /* what a migration sends (the live one where not allowed) */
  VIRT_MIGRATE_GUEST_XML_INACTIVE,   /* the persistent definition */
} VirtMigrateGuestXmlKind;

/* A host's domain capabilities are asked for one emulator, architecture,
 * machine type and virtualisation type. */
typedef struct {
  const char *emulator;
  const char *arch;
  const char *machine;
  const char *virt_type;
} VirtMigrateDomcapsQuery;

struct _VirtMigrateHypervisorInterface
{
  GTypeInterface g_iface;

  /* The host at @uri, once per object: FALSE with @error (libvirt's
   * message) when it cannot be reached. */
  gboolean              (*reach)               (VirtMigrateHypervisor     *self,
                                                const char                *uri,
                                                GError                   **error);
  /* The running guests of @uri (VirtMigrateGuestInfo), or NULL with @error. */
  GPtrArray            *(*list_running_guests) (VirtMigrateHypervisor     *self,
                                                const char                *uri,
                                                GError                   **error);
  /* The guest @name_or_uuid of @uri, or NULL with @error
   * (VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND: there is none). */
  VirtMigrateGuestInfo *(*lookup_guest)        (VirtMigrateHypervisor     *self,
                                                const char                *uri,
                                                const char                *name_or_uuid,
                                                GError                   **error);
  /* A guest's definition, or NULL with @error. */
  char                 *(*guest_xml)           (VirtMigrateHypervisor     *self,
                                                const char                *uri,
                                                const char                *name_or_uuid,
                                                VirtMigrateGuestXmlKind    kind,
                                                GError                   **error);
  /* The host's capabilities XML, or NULL with @error. */
  char                 *(*capabilities)        (VirtMigrateHypervisor     *self,
                                                const char                *uri,
                                                GError                   **error);
  /* The host's domain capabilities XML, or NULL with @error
   * (G_IO_ERROR_PERMISSION_DENIED: this connection may not ask). */
  char                 *(*domain_capabilities) (VirtMigrateHypervisor         *self,
                                                const char                    *uri,
                                                const VirtMigrateDomcapsQuery *query,
                                                GError                       **error);
  /* How the host's CPU compares with @cpu_xml (a guest's <cpu>), as
   * libvirt's virCPUCompareResult (-1 with @error: not compared). */
  int                   (*compare_cpu)         (VirtMigrateHypervisor         *self,
                                                const char                    *uri,
                                                const VirtMigrateDomcapsQuery *query,
                                                const char                    *cpu_xml,
                                                GError                       **error);
  /* The free memory of @uri in bytes; 0 when it cannot be asked. */
  guint64               (*free_memory)         (VirtMigrateHypervisor     *self,
                                                const char                *uri);
  /* How many huge pages of @page_kib KiB @uri has free, over all its
   * NUMA cells; -1 when it cannot be asked. */
  gint64                (*free_pages)          (VirtMigrateHypervisor     *self,
                                                const char                *uri,
                                                guint                      page_kib);
  /* Whether the virtual network (@kind "network", active) or the host
   * interface (a bridge, a direct device) @name is there. */
  VirtMigrateFact       (*network_present)     (VirtMigrateHypervisor     *self,
                                                const char                *uri,
                                                const char                *kind,
                                                const char                *name);
  /* The XML of every active storage pool of @uri (empty when it has none,
   * NULL when it cannot be asked). */
  GPtrArray            *(*storage_pools)       (VirtMigrateHypervisor     *self,
                                                const char                *uri);
  /* The XML of the storage volume at @path, NULL when no pool of @uri
   * knows one. */
  char                 *(*volume_xml)          (VirtMigrateHypervisor     *self,
                                                const char                *uri,
                                                const char                *path);
  /* Every guest of @uri, running or only defined, with its disks'
   * images (VirtMigrateGuestInfo.disks), or NULL with @error. */
  GPtrArray            *(*list_disk_users)     (VirtMigrateHypervisor     *self,
                                                const char                *uri,
                                                GError                   **error);
  /* The job libvirt runs on the running guest @uuid of @uri now, in words
   * ("an outgoing migration", "a block job on vda": @targets are its
   * disks'), without waiting for it; NULL: none, or not known. Asked of
   * the source only: a guest migrating in holds its job, and some queries
   * would wait 30 s for it. */
  char                 *(*guest_busy)          (VirtMigrateHypervisor     *self,
                                                const char                *uri,
                                                const char                *uuid,
                                                const char *const         *targets);
  /* The host name @uri's libvirtd gives for itself (virConnectGetHostname():
   * the one its migrations name for the stream without a migrate URI);
   * NULL when it cannot be asked. */
  char                 *(*host_name)           (VirtMigrateHypervisor     *self,
                                                const char                *uri);
};

gboolean              virt_migrate_hypervisor_reach               (VirtMigrateHypervisor     *self,
                                                                   const char                *uri,
                                                                   GError                   **error);
GPtrArray            *virt_migrate_hypervisor_list_running_guests (VirtMigrateHypervisor     *self,
                                                                   const char                *uri,
                                                                   GError                   **error);
VirtMigrateGuestInfo *virt_migrate_hypervisor_lookup_guest        (VirtMigrateHypervisor     *self,
                                                                   const char                *uri,
                                                                   const char                *name_or_uuid,
                                                                   GError                   **error);
char                 *virt_migrate_hypervisor_guest_xml           (VirtMigrateHypervisor     *self,
                                                                   const char                *uri,
                                                                   const char                *name_or_uuid,
                                                                   VirtMigrateGuestXmlKind    kind,
                                                                   GError                   **error);
char                 *virt_migrate_hypervisor_capabilities        (VirtMigrateHypervisor     *self,
                                                                   const char                *uri,
                                                                   GError                   **error);
char                 *virt_migrate_hypervisor_domain_capabilities (VirtMigrateHypervisor         *self,
                                                                   const char                    *uri,
                                                                   const VirtMigrateDomcapsQuery *query,
                                                                   GError                       **error);
int                   virt_migrate_hypervisor_compare_cpu         (VirtMigrateHypervisor         *self,
                                                                   const char                    *uri,
                                                                   const VirtMigrateDomcapsQuery *query,
                                                                   const char                    *cpu_xml,
                                                                   GError                       **error);
guint64               virt_migrate_hypervisor_free_memory         (VirtMigrateHypervisor     *self,
                                                                   const char                *uri);
gint64                virt_migrate_hypervisor_free_pages          (VirtMigrateHypervisor     *self,
                                                                   const char                *uri,
                                                                   guint                      page_kib);
VirtMigrateFact       virt_migrate_hypervisor_network_present     (VirtMigrateHypervisor     *self,
                                                                   const char                *uri,
                                                                   const char                *kind,
                                                                   const char                *name);
GPtrArray            *virt_migrate_hypervisor_storage_pools       (VirtMigrateHypervisor     *self,
                                                                   const char                *uri);
char                 *virt_migrate_hypervisor_volume_xml          (VirtMigrateHypervisor     *self,
                                                                   const char                *uri,
                                                                   const char                *path);
GPtrArray            *virt_migrate_hypervisor_list_disk_users     (VirtMigrateHypervisor     *self,
                                                                   const char                *uri,
                                                                   GError                   **error);
char                 *virt_migrate_hypervisor_guest_busy          (VirtMigrateHypervisor     *self,
                                                                   const char                *uri,
                                                                   const char                *uuid,
                                                                   const char *const         *targets);
char                 *virt_migrate_hypervisor_host_name           (VirtMigrateHypervisor     *self,
                                                                   const char                *uri);
/* Where the guest @uuid is: running on @uri, not running there, or @uri
 * unreachable (from lookup_guest). */
VirtMigrateGuestWhere virt_migrate_hypervisor_locate_guest        (VirtMigrateHypervisor     *self,
                                                                   const char                *uri,
                                                                   const char                *uuid);

VirtMigrateGuestInfo *virt_migrate_guest_info_new  (const char *name,
                                                    const char *uuid,
                                                    guint64     memory);
void                  virt_migrate_guest_info_free (VirtMigrateGuestInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VirtMigrateGuestInfo, virt_migrate_guest_info_free)

G_END_DECLS
