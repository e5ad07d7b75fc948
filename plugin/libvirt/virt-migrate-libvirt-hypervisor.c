/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-libvirt-hypervisor.h"
#include "virt-migrate-libvirt-private.h"

struct _VirtMigrateLibvirtHypervisor
{
  GObject     parent_instance;
  GMutex      lock;
  GHashTable *conns;  /* URI -> virConnectPtr, or NULL: it could not be opened */
  GHashTable *errors; /* URI -> libvirt's message when it could not */
  char       *ssh_dir; /* the ssh of its qemu+ssh:// connections, or NULL */
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

/* The connection to @uri, opened once: read-write where allowed, else
 * read-only. A failure is kept, with libvirt's message in @error, so a
 * dead host is not asked again per guest. */
static virConnectPtr
connection (VirtMigrateLibvirtHypervisor *self, const char *uri, GError **error)
{
  g_autoptr(GError) local = NULL;
  virConnectPtr conn = NULL;
  gpointer found;
  gboolean known;

  g_mutex_lock (&self->lock);
  known = g_hash_table_lookup_extended (self->conns, uri, NULL, &found);
  if (known && found == NULL)
    g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CONNECT_FAILED,
                         g_hash_table_lookup (self->errors, uri));
  g_mutex_unlock (&self->lock);
  if (known)
    return found;
  virt_migrate_libvirt_init ();
  conn = virt_migrate_libvirt_open (uri, self->ssh_dir, FALSE, NULL);
  if (conn == NULL)
    conn = virt_migrate_libvirt_open (uri, self->ssh_dir, TRUE, &local);
  g_mutex_lock (&self->lock);
  if (g_hash_table_lookup_extended (self->conns, uri, NULL, &found))
    {
      close_connection (conn); /* another thread was quicker */
      conn = found;
    }
  else
    {
      g_hash_table_insert (self->conns, g_strdup (uri), conn);
      if (local != NULL)
        g_hash_table_insert (self->errors, g_strdup (uri), g_strdup (local->message));
    }
  g_mutex_unlock (&self->lock);
  if (conn == NULL && error != NULL)
    *error = local != NULL ? g_steal_pointer (&local)
                           : g_error_new (VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CONNECT_FAILED,
                                          "Cannot connect to %s", uri);
  return conn;
}

static virDomainPtr
domain (VirtMigrateLibvirtHypervisor *self, const char *uri, const char *name_or_uuid, GError **error)
{
  virConnectPtr conn = connection (self, uri, error);

  return conn != NULL ? virt_migrate_lookup_domain (conn, name_or_uuid, error) : NULL;
}

/* virsh's words for libvirt's domain states. */
static const char *
state_word (unsigned char state)
{
  switch (state)
    {
    case VIR_DOMAIN_RUNNING: return "running";
    case VIR_DOMAIN_BLOCKED: return "idle";
    case VIR_DOMAIN_PAUSED: return "paused";
    case VIR_DOMAIN_SHUTDOWN: return "in shutdown";
    case VIR_DOMAIN_SHUTOFF: return "shut off";
    case VIR_DOMAIN_CRASHED: return "crashed";
    case VIR_DOMAIN_PMSUSPENDED: return "pmsuspended";
    default: return "no state";
    }
}

static VirtMigrateGuestInfo *
guest_info (virDomainPtr dom)
{
  char uuid[VIR_UUID_STRING_BUFLEN] = "";
  virDomainInfo info = { 0 };
  VirtMigrateGuestInfo *guest;
  int state = VIR_DOMAIN_NOSTATE, reason = 0;

  virDomainGetUUIDString (dom, uuid);
  virDomainGetInfo (dom, &info);
  guest = virt_migrate_guest_info_new (virDomainGetName (dom), uuid, (guint64) info.memory * 1024);
  guest->running = virDomainIsActive (dom) == 1;
  guest->persistent = virDomainIsPersistent (dom) == 1;
  if (virDomainGetState (dom, &state, &reason, 0) < 0)
    state = info.state;
  /* The reasons a post-copy migration gives, in virsh's words. */
  guest->postcopy_failed = (state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_POSTCOPY_FAILED) ||
                           (state == VIR_DOMAIN_RUNNING && reason == VIR_DOMAIN_RUNNING_POSTCOPY_FAILED);
  guest->in_postcopy = guest->postcopy_failed ||
                       (state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_POSTCOPY) ||
                       (state == VIR_DOMAIN_RUNNING && reason == VIR_DOMAIN_RUNNING_POSTCOPY);
  guest->io_error = state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_IOERROR;
  guest->state = guest->in_postcopy
                   ? g_strdup_printf ("%s (%s)", state_word (state), guest->postcopy_failed ? "post-copy failed"
                                                                                             : "post-copy")
                 : guest->io_error ? g_strdup ("paused (I/O error)")
                                   : g_strdup (state_word (state));
  return guest;
}

static gboolean
reach (VirtMigrateHypervisor *hv, const char *uri, GError **error)
{
  return connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, error) != NULL;
}

static GPtrArray *
list_running_guests (VirtMigrateHypervisor *hv, const char *uri, GError **error)
{
  virConnectPtr conn = connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, error);
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

      g_ptr_array_add (guests, guest_info (dom));
    }
  g_free (doms);
  return guests;
}

/* The job libvirt runs on a running guest, in words, NULL if none: a
 * domain job (another client's migration, a save, a backup…: libvirt
 * takes no migration until it ends, and a query that needs the guest's
 * monitor waits 30 s for it), or a block job (blockcopy, blockcommit…:
 * "domain has active block job"), asked only when there is no domain job
 * (that query waits for one). */
static char *
guest_busy (VirtMigrateHypervisor *hv, const char *uri, const char *uuid, const char *const *targets)
{
  static const char *const operations[] = {
    [VIR_DOMAIN_JOB_OPERATION_START] = "a start",
    [VIR_DOMAIN_JOB_OPERATION_SAVE] = "a save",
    [VIR_DOMAIN_JOB_OPERATION_RESTORE] = "a restore",
    [VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN] = "an incoming migration",
    [VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT] = "an outgoing migration",
    [VIR_DOMAIN_JOB_OPERATION_SNAPSHOT] = "a snapshot",
    [VIR_DOMAIN_JOB_OPERATION_SNAPSHOT_REVERT] = "a snapshot revert",
    [VIR_DOMAIN_JOB_OPERATION_DUMP] = "a memory dump",
    [VIR_DOMAIN_JOB_OPERATION_BACKUP] = "a backup",
  };
  g_autoptr(virDomain) dom = domain (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, uuid, NULL);
  virTypedParameterPtr params = NULL;
  char *busy = NULL;
  int type = VIR_DOMAIN_JOB_NONE, nparams = 0, operation = 0;

  if (dom == NULL)
    {
      virResetLastError ();
      return NULL;
    }
  if (virDomainGetJobStats (dom, &type, &params, &nparams, 0) == 0 &&
      (type == VIR_DOMAIN_JOB_BOUNDED || type == VIR_DOMAIN_JOB_UNBOUNDED))
    {
      virTypedParamsGetInt (params, nparams, VIR_DOMAIN_JOB_OPERATION, &operation);
      busy = g_strdup (operation > 0 && (gsize) operation < G_N_ELEMENTS (operations) && operations[operation] != NULL
                         ? operations[operation] : "a job");
    }
  virTypedParamsFree (params, nparams);
  for (guint i = 0; busy == NULL && targets != NULL && targets[i] != NULL; i++)
    {
      virDomainBlockJobInfo info = { 0 };

      if (virDomainGetBlockJobInfo (dom, targets[i], &info, 0) == 1)
        busy = g_strdup_printf ("a block job on %s", targets[i]);
    }
  virResetLastError ();
  return busy;
}

static VirtMigrateGuestInfo *
lookup_guest (VirtMigrateHypervisor *hv, const char *uri, const char *name_or_uuid, GError **error)
{
  g_autoptr(virDomain) dom = domain (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, name_or_uuid, error);
  VirtMigrateGuestInfo *guest;

  if (dom == NULL)
    return NULL;
  guest = guest_info (dom);
  guest->snapshots = virDomainSnapshotNum (dom, 0); /* -1: not known */
  if (guest->snapshots < 0)
    virResetLastError ();
  return guest;
}

static char *
guest_xml (VirtMigrateHypervisor *hv, const char *uri, const char *name_or_uuid, VirtMigrateGuestXmlKind kind,
           GError **error)
{
  g_autoptr(virDomain) dom = domain (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, name_or_uuid, error);
  char *xml = NULL;

  if (dom == NULL)
    return NULL;
  switch (kind)
    {
    case VIRT_MIGRATE_GUEST_XML_MIGRATABLE:
      /* Needs a read-write connection; the plain one has what is read. */
      xml = virDomainGetXMLDesc (dom, VIR_DOMAIN_XML_MIGRATABLE);
      if (xml == NULL)
        xml = virDomainGetXMLDesc (dom, 0);
      break;
    case VIRT_MIGRATE_GUEST_XML_INACTIVE:
      xml = virDomainGetXMLDesc (dom, VIR_DOMAIN_XML_INACTIVE);
      break;
    case VIRT_MIGRATE_GUEST_XML_LIVE:
    default:
      xml = virDomainGetXMLDesc (dom, 0);
      break;
    }
  if (xml == NULL)
    *error = virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, "Domain XML");
  return xml;
}

static char *
capabilities (VirtMigrateHypervisor *hv, const char *uri, GError **error)
{
  virConnectPtr conn = connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, error);
  char *caps = conn != NULL ? virConnectGetCapabilities (conn) : NULL;

  if (conn != NULL && caps == NULL)
    *error = virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, "Capabilities");
  return caps;
}

/* libvirt's error, as G_IO_ERROR_PERMISSION_DENIED where it denied. */
static GError *
error_or_denied (const char *context)
{
  virErrorPtr err = virGetLastError ();

  if (err != NULL && err->code == VIR_ERR_OPERATION_DENIED)
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                err->message != NULL ? err->message : context);
  return virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, context);
}

static char *
domain_capabilities (VirtMigrateHypervisor *hv, const char *uri, const VirtMigrateDomcapsQuery *q, GError **error)
{
  virConnectPtr conn = connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, error);
  char *caps;

  if (conn == NULL)
    return NULL;
  caps = virConnectGetDomainCapabilities (conn, q->emulator, q->arch, q->machine, q->virt_type, 0);
  if (caps == NULL)
    *error = error_or_denied ("Domain capabilities");
  return caps;
}

static int
compare_cpu (VirtMigrateHypervisor *hv, const char *uri, const VirtMigrateDomcapsQuery *q, const char *cpu_xml,
             GError **error)
{
  virConnectPtr conn = connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, error);
  int result;

  if (conn == NULL)
    return -1;
  result = virConnectCompareHypervisorCPU (conn, q->emulator, q->arch, q->machine, q->virt_type, cpu_xml, 0);
  if (result < 0 || result == VIR_CPU_COMPARE_INCOMPATIBLE)
    *error = error_or_denied ("CPU comparison");
  return result;
}

static guint64
free_memory (VirtMigrateHypervisor *hv, const char *uri)
{
  virConnectPtr conn = connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, NULL);

  return conn != NULL ? virNodeGetFreeMemory (conn) : 0;
}

static char *
host_name (VirtMigrateHypervisor *hv, const char *uri)
{
  virConnectPtr conn = connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, NULL);
  char *name = conn != NULL ? virConnectGetHostname (conn) : NULL;
  char *copy = g_strdup (name);

  free (name);
  return copy;
}

/* Over every NUMA cell: as many as libvirt counts free memory for. */
static gint64
free_pages (VirtMigrateHypervisor *hv, const char *uri, guint page_kib)
{
  virConnectPtr conn = connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, NULL);
  unsigned long long cells_free[256], counts[256];
  unsigned int size = page_kib;
  gint64 total = 0;
  int cells, n;

  if (conn == NULL || (cells = virNodeGetCellsFreeMemory (conn, cells_free, 0, G_N_ELEMENTS (cells_free))) <= 0 ||
      (n = virNodeGetFreePages (conn, 1, &size, 0, (unsigned int) cells, counts, 0)) <= 0)
    {
      virResetLastError ();
      return -1;
    }
  for (int i = 0; i < n; i++)
    total += (gint64) counts[i];
  return total;
}

static VirtMigrateFact
network_present (VirtMigrateHypervisor *hv, const char *uri, const char *kind, const char *name)
{
  virConnectPtr conn = connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, NULL);
  virErrorPtr err;

  if (conn == NULL)
    return VIRT_MIGRATE_FACT_UNKNOWN;
  if (g_str_equal (kind, "network"))
    {
      virNetworkPtr net = virNetworkLookupByName (conn, name);

      if (net != NULL)
        {
          gboolean active = virNetworkIsActive (net) == 1;

          virNetworkFree (net);
          return active ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
        }
      err = virGetLastError ();
      return err != NULL && err->code == VIR_ERR_NO_NETWORK ? VIRT_MIGRATE_FACT_NO : VIRT_MIGRATE_FACT_UNKNOWN;
    }
  else
    {
      virInterfacePtr iface = virInterfaceLookupByName (conn, name);

      if (iface != NULL)
        {
          virInterfaceFree (iface);
          return VIRT_MIGRATE_FACT_YES;
        }
      err = virGetLastError ();
      return err != NULL && err->code == VIR_ERR_NO_INTERFACE ? VIRT_MIGRATE_FACT_NO : VIRT_MIGRATE_FACT_UNKNOWN;
    }
}

static GPtrArray *
storage_pools (VirtMigrateHypervisor *hv, const char *uri)
{
  return virt_migrate_libvirt_storage_pools (connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, NULL));
}

static char *
volume_xml (VirtMigrateHypervisor *hv, const char *uri, const char *path)
{
  virConnectPtr conn = connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, NULL);
  virStorageVolPtr vol = conn != NULL ? virStorageVolLookupByPath (conn, path) : NULL;
  char *xml;

  if (vol == NULL)
    return NULL;
  xml = virStorageVolGetXMLDesc (vol, 0);
  virStorageVolFree (vol);
  /* Known, even if its XML could not be read. */
  return xml != NULL ? xml : g_strdup ("<volume/>");
}

/* One call for all the guests, running or not: their block statistics
 * name each disk's image (block.N.path; the backing chains too for the
 * running ones). */
static GPtrArray *
list_disk_users (VirtMigrateHypervisor *hv, const char *uri, GError **error)
{
  virConnectPtr conn = connection (VIRT_MIGRATE_LIBVIRT_HYPERVISOR (hv), uri, error);
  virDomainStatsRecordPtr *records = NULL;
  GPtrArray *guests;
  int n;

  if (conn == NULL)
    return NULL;
  /* NOWAIT: a guest in a job (an incoming migration) gives its disks
   * from its definition at once, where it held this call 30 s. */
  n = virConnectGetAllDomainStats (conn, VIR_DOMAIN_STATS_BLOCK, &records,
                                   VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING |
                                   VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
  if (n < 0)
    {
      *error = virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, "Cannot list the guests' disks");
      return NULL;
    }
  guests = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_guest_info_free);
  for (int i = 0; i < n; i++)
    {
      VirtMigrateGuestInfo *guest = guest_info (records[i]->dom);
      g_autoptr(GStrvBuilder) disks = g_strv_builder_new ();

      for (int k = 0; k < records[i]->nparams; k++)
        {
          const virTypedParameter *param = &records[i]->params[k];

          if (param->type == VIR_TYPED_PARAM_STRING && g_str_has_prefix (param->field, "block.") &&
              g_str_has_suffix (param->field, ".path"))
            g_strv_builder_add (disks, param->value.s);
        }
      guest->disks = g_strv_builder_end (disks);
      g_ptr_array_add (guests, guest);
    }
  virDomainStatsRecordListFree (records);
  return guests;
}

static void
virt_migrate_libvirt_hypervisor_iface_init (VirtMigrateHypervisorInterface *iface)
{
  iface->reach = reach;
  iface->list_running_guests = list_running_guests;
  iface->lookup_guest = lookup_guest;
  iface->guest_xml = guest_xml;
  iface->capabilities = capabilities;
  iface->domain_capabilities = domain_capabilities;
  iface->compare_cpu = compare_cpu;
  iface->free_memory = free_memory;
  iface->host_name = host_name;
  iface->free_pages = free_pages;
  iface->network_present = network_present;
  iface->storage_pools = storage_pools;
  iface->volume_xml = volume_xml;
  iface->list_disk_users = list_disk_users;
  iface->guest_busy = guest_busy;
}

static void
virt_migrate_libvirt_hypervisor_finalize (GObject *object)
{
  VirtMigrateLibvirtHypervisor *self = VIRT_MIGRATE_LIBVIRT_HYPERVISOR (object);

  g_hash_table_unref (self->conns);
  g_hash_table_unref (self->errors);
  g_free (self->ssh_dir);
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
  self->errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

VirtMigrateHypervisor *
virt_migrate_libvirt_hypervisor_new (const char *ssh_dir)
{
  VirtMigrateLibvirtHypervisor *self = g_object_new (VIRT_MIGRATE_TYPE_LIBVIRT_HYPERVISOR, NULL);

  self->ssh_dir = g_strdup (ssh_dir);
  return VIRT_MIGRATE_HYPERVISOR (self);
}

VirtMigrateLibvirtHypervisor *
virt_migrate_libvirt_hypervisor_new_with (const char *source_uri, gpointer conn, const char *dest_uri,
                                          gpointer dconn, const char *ssh_dir)
{
  VirtMigrateLibvirtHypervisor *self = g_object_new (VIRT_MIGRATE_TYPE_LIBVIRT_HYPERVISOR, NULL);

  self->ssh_dir = g_strdup (ssh_dir);
  if (source_uri != NULL && conn != NULL && virConnectRef (conn) == 0)
    g_hash_table_insert (self->conns, g_strdup (source_uri), conn);
  if (dest_uri != NULL && dconn != NULL && !g_hash_table_contains (self->conns, dest_uri) &&
      virConnectRef (dconn) == 0)
    g_hash_table_insert (self->conns, g_strdup (dest_uri), dconn);
  return self;
}
