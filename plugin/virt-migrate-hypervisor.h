/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "virt-migrate-preflight.h"
#include "virt-migrate-request.h"

G_BEGIN_DECLS

/* The seam beside the backend: what the library asks a host outside one
 * migration's run (a drain's guests and their pre-flight facts, the free
 * memory of its destinations, where a guest is after a restart). Every
 * call blocks: worker threads only. VirtMigrateLibvirtHypervisor asks
 * libvirt (read-only connections, one per URI, kept for the object's
 * life); the tests' fake answers from a script. A manager makes one per
 * piece of work (virt_migrate_manager_new_hypervisor()). */
#define VIRT_MIGRATE_TYPE_HYPERVISOR (virt_migrate_hypervisor_get_type ())
G_DECLARE_INTERFACE (VirtMigrateHypervisor, virt_migrate_hypervisor, VIRT_MIGRATE, HYPERVISOR, GObject)

/* A running guest of a host. */
typedef struct {
  char    *name;
  char    *uuid;
  guint64  memory; /* bytes */
} VirtMigrateGuestInfo;

/* Where a guest is, by its UUID. */
typedef enum {
  VIRT_MIGRATE_GUEST_RUNNING,     /* running on that host */
  VIRT_MIGRATE_GUEST_NOT_RUNNING, /* absent, or defined and not running */
  VIRT_MIGRATE_GUEST_UNREACHABLE, /* the host could not be asked */
} VirtMigrateGuestWhere;

struct _VirtMigrateHypervisorInterface
{
  GTypeInterface g_iface;

  /* The running guests of @uri (VirtMigrateGuestInfo), or NULL with @error. */
  GPtrArray            *(*list_running_guests) (VirtMigrateHypervisor     *self,
                                                const char                *uri,
                                                GError                   **error);
  /* The free memory of @uri in bytes; 0 when it cannot be asked. */
  guint64               (*free_memory)         (VirtMigrateHypervisor     *self,
                                                const char                *uri);
  /* The pre-flight facts of migrating @request's guest from its source to
   * @dest_uri (its own when NULL); FALSE with @error when the guest cannot
   * be looked at at all. */
  gboolean              (*gather_facts)        (VirtMigrateHypervisor     *self,
                                                VirtMigrateRequest        *request,
                                                const char                *dest_uri,
                                                VirtMigratePreflightFacts *facts,
                                                GError                   **error);
  VirtMigrateGuestWhere (*locate_guest)        (VirtMigrateHypervisor     *self,
                                                const char                *uri,
                                                const char                *uuid);
};

GPtrArray            *virt_migrate_hypervisor_list_running_guests (VirtMigrateHypervisor     *self,
                                                                   const char                *uri,
                                                                   GError                   **error);
guint64               virt_migrate_hypervisor_free_memory         (VirtMigrateHypervisor     *self,
                                                                   const char                *uri);
gboolean              virt_migrate_hypervisor_gather_facts        (VirtMigrateHypervisor     *self,
                                                                   VirtMigrateRequest        *request,
                                                                   const char                *dest_uri,
                                                                   VirtMigratePreflightFacts *facts,
                                                                   GError                   **error);
VirtMigrateGuestWhere virt_migrate_hypervisor_locate_guest        (VirtMigrateHypervisor     *self,
                                                                   const char                *uri,
                                                                   const char                *uuid);

VirtMigrateGuestInfo *virt_migrate_guest_info_new  (const char *name,
                                                    const char *uuid,
                                                    guint64     memory);
void                  virt_migrate_guest_info_free (VirtMigrateGuestInfo *info);

G_END_DECLS
