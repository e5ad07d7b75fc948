/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <libvirt/libvirt.h>

#include "virt-migrate-connection-pool.h"
#include "virt-migrate-error-private.h"
#include "virt-migrate-libvirt-hypervisor.h"
#include "virt-migrate-preflight-private.h"

struct _VirtMigrateLibvirtHypervisor
{
  GObject     parent_instance;
  GMutex      lock;
  GHashTable *conns; /* URI -> virConnectPtr, or NULL: it could not be opened */
};

static void virt_migrate_libvirt_hypervisor_iface_init (VirtMigrateHypervisorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VirtMigrateLibvirtHypervisor, virt_migrate_libvirt_hypervisor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (VIRT_MIGRATE_TYPE_HYPERVISOR,
                                                      virt_migrate_libvirt_hypervisor_iface_init))

static void
close_connection (gpointer conn)
{
  if (conn != NULL)
    virConnectClose (conn);
}

/* The read-only connection to @uri, opened once (a failure is kept, with
 * libvirt's message in @error, so a dead host is not asked per guest). */
static virConnectPtr
connection (VirtMigrateLibvirtHypervisor *self, const char *uri, GError **error)
{
  virConnectPtr conn = NULL;
  gpointer found;
  gboolean known;

  g_mutex_lock (&self->lock);
  known = g_hash_table_lookup_extended (self->conns, uri, NULL, &found);
  g_mutex_unlock (&self->lock);
  if (known)
    {
      if (found == NULL)
        g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CONNECT_FAILED, "Cannot connect to %s", uri);
      return found;
    }
  conn = virConnectOpenReadOnly (uri);
  if (conn == NULL)
    g_propagate_prefixed_error (error,
                                virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_CONNECT_FAILED,
                                                                 "Connection failed"),
                                "Cannot connect to %s: ", uri);
  g_mutex_lock (&self->lock);
  if (g_hash_table_lookup_extended (self->conns, uri, NULL, &found))
    {
      close_connection (conn); /* another thread was quicker */
      conn = found;
    }
  else
    g_hash_table_insert (self->conns, g_strdup (uri), conn);
  g_mutex_unlock (&self->lock);
  return conn;
}

static GPtrArray *
list_running_guests (VirtMigrateHypervisor *hv, const char *uri, GError **error)
{
  VirtMigrateLibvirtHypervisor *self = VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv);
  virConnectPtr conn = connection (self, uri, error);
  GPtrArray *guests;
  virDomainPtr *doms = NULL;
  int n;

  if (conn == NULL)
    return NULL;
  n = virConnectListAllDomains (conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  if (n < 0)
    {
      *error = virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, "Cannot list the guests");
      return NULL;
    }
  guests = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_guest_info_free);
  for (int i = 0; i < n; i++)
    {
      g_autoptr(virDomain) dom = doms[i];
      char uuid[VIR_UUID_STRING_BUFLEN] = "";
      virDomainInfo info = { 0 };

      virDomainGetUUIDString (dom, uuid);
      virDomainGetInfo (dom, &info);
      g_ptr_array_add (guests, virt_migrate_guest_info_new (virDomainGetName (dom), uuid,
                                                            (guint64) info.memory * 1024));
    }
  g_free (doms);
  return guests;
}

static guint64
free_memory (VirtMigrateHypervisor *hv, const char *uri)
{
  virConnectPtr conn = connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, NULL);

  return conn != NULL ? virNodeGetFreeMemory (conn) : 0;
}

static gboolean
gather_facts (VirtMigrateHypervisor *hv, VirtMigrateRequest *request, const char *dest_uri,
              VirtMigratePreflightFacts *facts, GError **error)
{
  VirtMigrateLibvirtHypervisor *self = VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv);
  virConnectPtr conn = connection (self, virt_migrate_request_get_source_uri (request), error);
  virConnectPtr dconn;
  g_autoptr(virDomain) dom = NULL;

  if (dest_uri == NULL)
    dest_uri = virt_migrate_request_get_dest_uri (request);
  if (conn == NULL)
    return FALSE;
  dom = virt_migrate_lookup_domain (conn, virt_migrate_request_get_domain (request), error);
  if (dom == NULL)
    return FALSE;
  /* NULL when it cannot be reached: the gathering says so in the facts. */
  dconn = dest_uri != NULL ? connection (self, dest_uri, NULL) : NULL;
  virt_migrate_preflight_gather (conn, dconn, dom, request, dest_uri, facts);
  return TRUE;
}

static VirtMigrateGuestWhere
locate_guest (VirtMigrateHypervisor *hv, const char *uri, const char *uuid)
{
  virConnectPtr conn = connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, NULL);
  g_autoptr(virDomain) dom = NULL;

  if (conn == NULL)
    return VIRT_MIGRATE_GUEST_UNREACHABLE;
  dom = virDomainLookupByUUIDString (conn, uuid);
  return dom != NULL && virDomainIsActive (dom) == 1 ? VIRT_MIGRATE_GUEST_RUNNING : VIRT_MIGRATE_GUEST_NOT_RUNNING;
}

static void
virt_migrate_libvirt_hypervisor_iface_init (VirtMigrateHypervisorInterface *iface)
{
  iface->list_running_guests = list_running_guests;
  iface->free_memory = free_memory;
  iface->gather_facts = gather_facts;
  iface->locate_guest = locate_guest;
}

static void
virt_migrate_libvirt_hypervisor_finalize (GObject *object)
{
  VirtMigrateLibvirtHypervisor *self = VIRT_MIGRATE_LIBVIRT_HYPERVISOR (object);

  g_hash_table_unref (self->conns);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (virt_migrate_libvirt_hypervisor_parent_class)->finalize (object);
}

static void
virt_migrate_libvirt_hypervisor_class_init (VirtMigrateLibvirtHypervisorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virt_migrate_libvirt_hypervisor_finalize;
}

static void
virt_migrate_libvirt_hypervisor_init (VirtMigrateLibvirtHypervisor *self)
{
  g_mutex_init (&self->lock);
  self->conns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, close_connection);
}

VirtMigrateHypervisor *
virt_migrate_libvirt_hypervisor_new (void)
{
  return g_object_new (VIRT_MIGRATE_TYPE_LIBVIRT_HYPERVISOR, NULL);
}
