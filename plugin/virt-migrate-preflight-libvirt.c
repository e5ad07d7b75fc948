/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pre-flight facts, from libvirt: the guest's definition and what the
 * destination's libvirtd says about it (blocking calls: a worker thread). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <libvirt/virterror.h>

#include "virt-migrate-connection-pool.h"
#include "virt-migrate-dest-storage.h"
#include "virt-migrate-guest-xml.h"
#include "virt-migrate-xml-map.h"
#include "virt-migrate-preflight-private.h"
#include "virt-migrate-request-private.h"

/* The guest's <cpu> element, for virConnectCompareHypervisorCPU(). */
static char *
cpu_element (const char *xml)
{
  static const char *const path[] = { "domain", "cpu", NULL };

  return virt_migrate_xml_copy_element (xml, path);
}

static VirtMigrateFact
caps_offer (const char *caps, const char *element, const char *enum_name, const char *value)
{
  switch (virt_migrate_domcaps_offer (caps, element, enum_name, value))
    {
    case 1:
      return VIRT_MIGRATE_FACT_YES;
    case 0:
      return VIRT_MIGRATE_FACT_NO;
    default:
      return VIRT_MIGRATE_FACT_UNKNOWN;
    }
}

/* --- the hosts --------------------------------------------------------------------- */

static char *
host_uuid (virConnectPtr conn)
{
  static const char *const uuid_path[] = { "capabilities", "host", "uuid", NULL };
  g_autofree char *caps = virConnectGetCapabilities (conn);
  char *uuid = NULL;

  if (caps == NULL || !virt_migrate_xml_path_text (caps, uuid_path, &uuid))
    return NULL;
  return uuid;
}

/* A URI without a host names this machine: its paths can be looked at here. */
static gboolean
uri_is_local (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  const char *host = parsed != NULL ? g_uri_get_host (parsed) : NULL;

  if (parsed == NULL || g_uri_get_port (parsed) != -1)
    return FALSE;
  return host == NULL || *host == '\0' || g_str_equal (host, "localhost") || g_str_equal (host, "127.0.0.1");
}

/* A network file system that is not a cluster one: libvirt's rule for the
 * cache mode (NFS, SMB/CIFS). */
static VirtMigrateFact
on_network_fs (const char *path)
{
  struct statfs sfs;

  if (statfs (path, &sfs) < 0)
    return VIRT_MIGRATE_FACT_UNKNOWN;
  switch ((unsigned long) sfs.f_type)
    {
    case 0x6969:     /* NFS */
    case 0xFF534D42: /* CIFS */
    case 0xFE534D42: /* SMB2 */
    case 0x517B:     /* SMB */
      return VIRT_MIGRATE_FACT_YES;
    default:
      return VIRT_MIGRATE_FACT_NO;
    }
}

static VirtMigrateFact
volume_exists (virConnectPtr dconn, const char *path, gboolean local, const char *pool)
{
  virStorageVolPtr vol = virStorageVolLookupByPath (dconn, path);

  if (vol != NULL)
    {
      virStorageVolFree (vol);
      return VIRT_MIGRATE_FACT_YES;
    }
  if (local)
    return g_file_test (path, G_FILE_TEST_EXISTS) ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
  return pool != NULL ? VIRT_MIGRATE_FACT_NO : VIRT_MIGRATE_FACT_UNKNOWN;
}

/* The backing file of the qcow2 image at @path, read from its header (a
 * file this machine can read: a local destination's). FALSE: not read. */
static gboolean
qcow2_backing (const char *path, char **backing)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, NULL);
  guint8 header[20];
  gsize got = 0;
  guint64 offset;
  guint32 size;
  g_autofree char *name = NULL;

  *backing = NULL;
  if (in == NULL || !g_input_stream_read_all (G_INPUT_STREAM (in), header, sizeof header, &got, NULL, NULL))
    return FALSE;
  if (got < sizeof header || memcmp (header, "QFI\xfb", 4) != 0)
    return got > 0; /* not qcow2: no backing file */
  offset = GUINT64_FROM_BE (*(guint64 *) (header + 8));
  size = GUINT32_FROM_BE (*(guint32 *) (header + 16));
  if (offset == 0 || size == 0)
    return TRUE;
  if (size > 1023) /* QEMU's own limit */
    return FALSE;
  name = g_malloc0 (size + 1);
  if (!g_seekable_seek (G_SEEKABLE (in), (goffset) offset, G_SEEK_SET, NULL, NULL) ||
      !g_input_stream_read_all (G_INPUT_STREAM (in), name, size, &got, NULL, NULL) || got != size)
    return FALSE;
  *backing = virt_migrate_backing_resolve (path, name);
  return TRUE;
}

/* What the image at @path on the destination is backed by: through its
 * storage pool, else (a local destination) from the file. FALSE: unknown. */
static gboolean
dest_image_backing (virConnectPtr dconn, const char *path, gboolean local, char **backing)
{
  virStorageVolPtr vol = virStorageVolLookupByPath (dconn, path);

  *backing = NULL;
  if (vol != NULL)
    {
      g_autofree char *xml = virStorageVolGetXMLDesc (vol, 0);
      g_autofree char *named = NULL;
      gboolean known = xml != NULL && virt_migrate_volume_xml_backing (xml, &named);

      virStorageVolFree (vol);
      if (known)
        *backing = virt_migrate_backing_resolve (path, named);
      return known;
    }
  return local && qcow2_backing (path, backing);
}

static VirtMigrateFact
network_present (virConnectPtr dconn, const char *kind, const char *name)
{
  virErrorPtr err;

  if (g_str_equal (kind, "network"))
    {
      virNetworkPtr net = virNetworkLookupByName (dconn, name);

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
      virInterfacePtr iface = virInterfaceLookupByName (dconn, name);

      if (iface != NULL)
        {
          virInterfaceFree (iface);
          return VIRT_MIGRATE_FACT_YES;
        }
      err = virGetLastError ();
      return err != NULL && err->code == VIR_ERR_NO_INTERFACE ? VIRT_MIGRATE_FACT_NO : VIRT_MIGRATE_FACT_UNKNOWN;
    }
}

/* --- the facts ----------------------------------------------------------------------- */

static gboolean
disk_is_copied (VirtMigrateRequest *request, const VirtMigrateDiskXml *d, const char *const *only)
{
  if (virt_migrate_request_get_storage (request) == VIRT_MIGRATE_STORAGE_SHARED || d->readonly ||
      g_strcmp0 (d->device, "cdrom") == 0 || g_strcmp0 (d->device, "floppy") == 0)
    return FALSE;
  return only == NULL || only[0] == NULL || g_strv_contains (only, d->target);
}

/* Fills @facts for migrating @dom (on @conn) as @request says to
 * @dest_uri. Never fails: what cannot be learnt stays unknown. */
void
virt_migrate_preflight_gather (virConnectPtr              conn,
                               virConnectPtr              given_dconn,
                               virDomainPtr               dom,
                               VirtMigrateRequest        *request,
                               const char                *dest_uri,
                               VirtMigratePreflightFacts *facts)
{
  g_autoptr(virConnect) dconn = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *dest_xml = NULL, *dname = NULL, *src_host = NULL;
  g_autofree char *cpu = NULL;
  g_auto(GStrv) only = NULL;
  g_auto(GStrv) disk_map = NULL;
  g_auto(GStrv) network_map = NULL;
  VirtMigrateGuestXml guest = { 0 }, dest_guest = { 0 }, live = { 0 };
  gboolean have_dest_guest = FALSE, have_live = FALSE;
  g_autofree char *live_xml = NULL;
  const char *name;
  unsigned char uuid[VIR_UUID_BUFLEN];
  virDomainInfo info;
  gboolean local_dest = uri_is_local (dest_uri);
  gboolean local_source = uri_is_local (virt_migrate_request_get_source_uri (request));

  /* The migratable definition needs a read-write connection; the plain one
   * has what the checks read. */
  xml = virDomainGetXMLDesc (dom, VIR_DOMAIN_XML_MIGRATABLE);
  if (xml == NULL)
    xml = virDomainGetXMLDesc (dom, 0);
  g_object_get (request, "dest-xml", &dest_xml, "migrate-disks", &only, "dest-name", &dname,
                "disk-map", &disk_map, "network-map", &network_map, NULL);
  name = dname != NULL ? dname : virDomainGetName (dom);
  facts->live = virt_migrate_request_get_live (request);
  g_object_get (request, "unsafe", &facts->unsafe, "force", &facts->force, NULL);
  facts->peer_to_peer = virt_migrate_request_get_flow (request) == VIRT_MIGRATE_FLOW_PEER_TO_PEER;
  if (virDomainGetInfo (dom, &info) == 0)
    facts->guest_memory = (guint64) info.memory * 1024;

  if (xml == NULL || !virt_migrate_guest_xml_parse (xml, &guest))
    {
      virt_migrate_guest_xml_clear (&guest);
      memset (&guest, 0, sizeof guest);
    }
  if (dest_xml != NULL)
    have_dest_guest = virt_migrate_guest_xml_parse (dest_xml, &dest_guest);
  /* The backing chains: only the live XML lists them. */
  live_xml = virDomainGetXMLDesc (dom, 0);
  if (live_xml != NULL)
    have_live = virt_migrate_guest_xml_parse (live_xml, &live);
  facts->incremental = virt_migrate_request_get_storage (request) == VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL;

  /* The disks, on either side. */
  for (guint i = 0; guest.disks != NULL && i < guest.disks->len; i++)
    {
      const VirtMigrateDiskXml *d = g_ptr_array_index (guest.disks, i);
      VirtMigratePreflightDisk *fd;

      if (d->source == NULL || d->target == NULL)
        continue;
      fd = virt_migrate_preflight_add_disk (facts, d->target, d->source);
      fd->copied = disk_is_copied (request, d, (const char *const *) only);
      fd->readonly = d->readonly;
      fd->cache = g_strdup (d->cache);
      fd->shared_fs = local_source ? on_network_fs (d->source) : VIRT_MIGRATE_FACT_UNKNOWN;
      for (guint k = 0; have_live && k < live.disks->len; k++)
        {
          const VirtMigrateDiskXml *ld = g_ptr_array_index (live.disks, k);

          for (guint b = 0; g_strcmp0 (ld->target, d->target) == 0 && b < ld->backing->len; b++)
            {
              const VirtMigrateBackingXml *bx = g_ptr_array_index (ld->backing, b);

              virt_migrate_preflight_add_backing (fd, bx->path, bx->format);
            }
        }
      for (guint k = 0; have_dest_guest && k < dest_guest.disks->len; k++)
        {
          const VirtMigrateDiskXml *dd = g_ptr_array_index (dest_guest.disks, k);

          if (g_strcmp0 (dd->target, d->target) == 0 && dd->source != NULL)
            {
              g_free (fd->dest_path);
              fd->dest_path = g_strdup (dd->source);
            }
        }
    }
  for (guint i = 0; guest.networks != NULL && i + 1 < guest.networks->len; i += 2)
    {
      const char *kind = g_ptr_array_index (guest.networks, i);
      const char *net = g_ptr_array_index (guest.networks, i + 1);
      g_autofree char *mapped = g_str_equal (kind, "network")
                                  ? virt_migrate_map_network ((const char *const *) network_map, net) : NULL;

      virt_migrate_preflight_add_network (facts, kind, mapped != NULL ? mapped : net);
    }
  facts->n_hostdevs = guest.n_hostdevs;
  facts->cpu_mode = g_strdup (guest.cpu_mode);
  facts->machine = g_strdup (guest.machine);
  facts->emulator = g_strdup (guest.emulator);

  /* Read-write: the domain capabilities and the CPU comparison refuse a
   * read-only connection. Read-only where that is all this user may do. */
  if (given_dconn != NULL && virConnectRef (given_dconn) == 0)
    dconn = given_dconn;
  if (dconn == NULL)
    dconn = virConnectOpen (dest_uri);
  if (dconn == NULL)
    dconn = virConnectOpenReadOnly (dest_uri);
  if (dconn == NULL)
    {
      facts->reachable = FALSE;
      facts->connect_error = g_strdup (virGetLastErrorMessage ());
      goto out;
    }
  facts->reachable = TRUE;

  /* Another host? */
  src_host = host_uuid (conn);
  facts->host_uuid = host_uuid (dconn);
  if (src_host != NULL && facts->host_uuid != NULL)
    facts->same_host = g_str_equal (src_host, facts->host_uuid) ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;

  /* Other guests there. */
  if (virDomainGetUUID (dom, uuid) == 0)
    {
      g_autoptr(virDomain) by_name = virDomainLookupByName (dconn, name);
      g_autoptr(virDomain) by_uuid = virDomainLookupByUUID (dconn, uuid);
      unsigned char other[VIR_UUID_BUFLEN];

      if (by_name != NULL && virDomainGetUUID (by_name, other) == 0 && memcmp (other, uuid, VIR_UUID_BUFLEN) != 0)
        {
          char text[VIR_UUID_STRING_BUFLEN];

          virDomainGetUUIDString (by_name, text);
          facts->name_conflict_uuid = g_strdup (text);
          facts->name_conflict_active = virDomainIsActive (by_name) == 1;
        }
      facts->uuid_present = by_uuid != NULL ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
      facts->uuid_active = by_uuid != NULL && virDomainIsActive (by_uuid) == 1;
    }

  /* Can it run the guest? */
  if (guest.arch != NULL)
    {
      g_autofree char *caps = virConnectGetDomainCapabilities (dconn, guest.emulator, guest.arch, guest.machine,
                                                               guest.virt_type, 0);

      virErrorPtr err = caps == NULL ? virGetLastError () : NULL;

      /* Denied (a read-only connection): not known, not a blocker. */
      facts->domcaps_ok = caps != NULL || (err != NULL && err->code == VIR_ERR_OPERATION_DENIED);
      if (caps == NULL)
        facts->domcaps_error = g_strdup (virGetLastErrorMessage ());
      for (guint i = 0; caps != NULL && i + 2 < guest.devices->len; i += 3)
        {
          const char *element = g_ptr_array_index (guest.devices, i);
          const char *value = g_ptr_array_index (guest.devices, i + 2);
          VirtMigrateFact offered = caps_offer (caps, element, g_ptr_array_index (guest.devices, i + 1), value);

          virt_migrate_preflight_add_device (facts, element, value, offered);
        }
    }
  cpu = guest.cpu_model && g_strcmp0 (guest.cpu_mode, "host-passthrough") != 0 ? cpu_element (xml) : NULL;
  if (cpu != NULL)
    {
      facts->cpu_compare = virConnectCompareHypervisorCPU (dconn, guest.emulator, guest.arch, guest.machine,
                                                           guest.virt_type, cpu, 0);
      if (facts->cpu_compare < 0 || facts->cpu_compare == VIR_CPU_COMPARE_INCOMPATIBLE)
        facts->cpu_error = g_strdup (virGetLastErrorMessage ());
    }
  facts->free_memory = virNodeGetFreeMemory (dconn);

  for (guint i = 0; i < facts->networks->len; i++)
    {
      VirtMigratePreflightNetwork *n = g_ptr_array_index (facts->networks, i);

      n->present = network_present (dconn, n->kind, n->name);
    }
  for (guint i = 0; i < facts->disks->len; i++)
    {
      VirtMigratePreflightDisk *d = g_ptr_array_index (facts->disks, i);
      g_autofree char *mapped = virt_migrate_map_path ((const char *const *) disk_map, d->source,
                                                       virt_migrate_dest_storage_pool_dir, dconn);
      g_autofree char *dir = NULL;

      if (mapped != NULL)
        {
          g_free (d->dest_path);
          d->dest_path = g_steal_pointer (&mapped);
          /* virt-migrate makes a missing image itself, in a pool there. */
          d->created_by_us = d->copied;
        }
      dir = g_path_get_dirname (d->dest_path);
      d->dest_pool = virt_migrate_dest_storage_pool_covering (dconn, dir);
      d->dest_exists = volume_exists (dconn, d->dest_path, local_dest, d->dest_pool);
      if (d->dest_exists == VIRT_MIGRATE_FACT_YES && d->backing->len > 0)
        d->dest_backing_known = dest_image_backing (dconn, d->dest_path, local_dest, &d->dest_backing);
      if (d->dest_backing != NULL)
        {
          g_autofree char *bdir = g_path_get_dirname (d->dest_backing);
          g_autofree char *bpool = virt_migrate_dest_storage_pool_covering (dconn, bdir);

          d->dest_backing_exists = volume_exists (dconn, d->dest_backing, local_dest, bpool);
        }
      /* The chain under it, where the destination's top image will look. */
      for (guint k = 0; k < d->backing->len; k++)
        {
          VirtMigratePreflightBacking *b = g_ptr_array_index (d->backing, k);
          g_autofree char *bmapped = virt_migrate_map_path ((const char *const *) disk_map, b->source,
                                                            virt_migrate_dest_storage_pool_dir, dconn);
          g_autofree char *bdir = NULL, *bpool = NULL;

          if (bmapped != NULL)
            {
              g_free (b->dest_path);
              b->dest_path = g_steal_pointer (&bmapped);
            }
          bdir = g_path_get_dirname (b->dest_path);
          bpool = virt_migrate_dest_storage_pool_covering (dconn, bdir);
          b->dest_exists = volume_exists (dconn, b->dest_path, local_dest, bpool);
        }
    }

out:
  virt_migrate_guest_xml_clear (&guest);
  if (live.disks != NULL)
    virt_migrate_guest_xml_clear (&live);
  if (have_dest_guest || dest_guest.disks != NULL)
    virt_migrate_guest_xml_clear (&dest_guest);
}
