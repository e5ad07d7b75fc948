/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "virt-migrate-dest-storage.h"
#include "virt-migrate-guest-xml.h"
#include "virt-migrate-xml-map.h"

struct _VirtMigrateDestStorage
{
  VirtMigrateRequest *request;
  char               *xml;             /* the destination XML, NULL: no mapping */
  char               *persistent_xml;
  GPtrArray          *created;         /* virStorageVolPtr: images made for this migration */
  GPtrArray          *transient_pools; /* virStoragePoolPtr: made for this migration */
  unsigned char       uuid[VIR_UUID_BUFLEN]; /* the guest's, once images are made */
  gboolean            have_uuid;
};

VirtMigrateDestStorage *
virt_migrate_dest_storage_new (VirtMigrateRequest *request)
{
  VirtMigrateDestStorage *self = g_new0 (VirtMigrateDestStorage, 1);

  self->request = g_object_ref (request);
  self->created = g_ptr_array_new ();
  self->transient_pools = g_ptr_array_new ();
  return self;
}

GPtrArray *
virt_migrate_libvirt_storage_pools (virConnectPtr conn)
{
  GPtrArray *xmls;
  virStoragePoolPtr *pools = NULL;
  int n = conn != NULL ? virConnectListAllStoragePools (conn, &pools, VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE) : -1;

  /* Not known (no connection, no storage driver): not "none". */
  if (n < 0)
    return NULL;
  xmls = g_ptr_array_new_with_free_func (g_free);

  for (int i = 0; i < n; i++)
    {
      char *xml = virStoragePoolGetXMLDesc (pools[i], 0);

      if (xml != NULL)
        g_ptr_array_add (xmls, xml);
      virStoragePoolFree (pools[i]);
    }
  free (pools);
  return xmls;
}

/* A pool of @dconn for @dir: one that covers it, or a transient one. */
static virStoragePoolPtr
pool_for (VirtMigrateDestStorage *self, virConnectPtr dconn, const char *dir, GError **error)
{
  /* Asked again each time: a transient pool made for an earlier disk
   * covers this one's directory too. */
  g_autoptr(GPtrArray) pools = virt_migrate_libvirt_storage_pools (dconn);
  g_autofree char *name = virt_migrate_pools_covering (pools, dir);
  g_autofree char *escaped = NULL, *xml = NULL, *transient = NULL;
  virStoragePoolPtr pool;

  if (name != NULL)
    return virStoragePoolLookupByName (dconn, name);
  transient = g_strdup_printf ("virt-migrate-%08x", g_random_int ());
  escaped = g_markup_escape_text (dir, -1);
  xml = g_strdup_printf ("<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>", transient,
                         escaped);
  pool = virStoragePoolCreateXML (dconn, xml, 0);
  if (pool == NULL)
    {
      g_propagate_prefixed_error (error, virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, "Pool"),
                                  "Cannot make a storage pool for %s on the destination: ", dir);
      return NULL;
    }
  virStoragePoolRef (pool);
  g_ptr_array_add (self->transient_pools, pool);
  return pool;
}

/* @path on the destination, an image of the size of the guest's @target
 * disk: flat, or on top of @backing (of @backing_format) for an
 * incremental copy, which moves only what the top image holds. */
static gboolean
create_image (VirtMigrateDestStorage *self, virConnectPtr dconn, virDomainPtr dom, const char *target,
              const char *path, const char *format, const char *backing, const char *backing_format,
              GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *escaped = g_markup_escape_text (base, -1);
  g_autofree char *backing_xml = NULL;
  g_autofree char *xml = NULL;
  virDomainBlockInfo info;
  virStoragePoolPtr pool;
  virStorageVolPtr vol;

  if (virDomainGetBlockInfo (dom, target, &info, 0) < 0)
    {
      *error = virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, "Block info");
      return FALSE;
    }
  pool = pool_for (self, dconn, dir, error);
  if (pool == NULL)
    return FALSE;
  /* A pool may not know yet of a file that appeared since it was started. */
  virStoragePoolRefresh (pool, 0);
  vol = virStorageVolLookupByName (pool, base);
  if (vol != NULL)
    {
      virStorageVolFree (vol);
      virStoragePoolFree (pool);
      return TRUE;
    }
  if (backing != NULL)
    {
      g_autofree char *escaped_backing = g_markup_escape_text (backing, -1);

      backing_xml = g_strdup_printf ("<backingStore><path>%s</path><format type='%s'/></backingStore>",
                                     escaped_backing, backing_format != NULL ? backing_format : "raw");
    }
  xml = g_strdup_printf ("<volume><name>%s</name><capacity unit='bytes'>%llu</capacity>"
                         "<target><format type='%s'/></target>%s</volume>", escaped, info.capacity, format,
                         backing_xml != NULL ? backing_xml : "");
  vol = virStorageVolCreateXML (pool, xml, 0);
  if (vol == NULL)
    /* (Read before the pool is freed: any call of libvirt's clears it.) */
    g_propagate_prefixed_error (error, virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, "Volume"),
                                "Cannot create %s on the destination: ", path);
  virStoragePoolFree (pool);
  if (vol == NULL)
    return FALSE;
  virt_migrate_dest_storage_track (self, dom, vol);
  return TRUE;
}

/* Counts @vol (taken) among the images made for the migration of @dom:
 * removed again if it does not succeed (virt_migrate_dest_storage_finish()). */
void
virt_migrate_dest_storage_track (VirtMigrateDestStorage *self,
                                 virDomainPtr            dom,
                                 virStorageVolPtr        vol)
{
  if (!self->have_uuid)
    self->have_uuid = virDomainGetUUID (dom, self->uuid) == 0;
  g_ptr_array_add (self->created, vol);
}

/* The images the copy needs, where @disk_map puts them: each file-backed
 * disk that is neither read-only nor shared (the pre-flight's reading of
 * the XML), from the live XML, which alone lists the backing chains. A
 * disk with a chain is made on top of it (mapped too) for an incremental
 * copy and flat for a full one. @chains_only: only the disks with a chain
 * (no map given: libvirt makes the flat ones in a pool itself). */
static gboolean
create_images (VirtMigrateDestStorage *self, virDomainPtr dom, virConnectPtr dconn, GPtrArray *pools,
               const char *const *disk_map, const char *const *only, gboolean chains_only, GError **error)
{
  gboolean incremental = virt_migrate_request_get_storage (self->request) == VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL;
  g_autofree char *live_xml = virDomainGetXMLDesc (dom, 0);
  g_autofree char *dest_xml = NULL;
  VirtMigrateGuestXml guest = { 0 }, given = { 0 };
  gboolean have_given = FALSE;
  gboolean ok = TRUE;

  /* A destination XML the caller wrote says where each disk goes. */
  g_object_get (self->request, "dest-xml", &dest_xml, NULL);
  if (dest_xml != NULL)
    have_given = virt_migrate_guest_xml_parse (dest_xml, &given);

  if (live_xml == NULL)
    {
      *error = virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, "Domain XML");
      return FALSE;
    }
  if (!virt_migrate_guest_xml_parse (live_xml, &guest))
    {
      virt_migrate_guest_xml_clear (&guest);
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED, "Cannot read the guest's XML");
      return FALSE;
    }
  for (guint i = 0; ok && i < guest.disks->len; i++)
    {
      const VirtMigrateDiskXml *d = g_ptr_array_index (guest.disks, i);
      const VirtMigrateBackingXml *b = d->backing->len > 0 ? g_ptr_array_index (d->backing, 0) : NULL;
      g_autofree char *path = NULL, *backing = NULL;

      if (g_strcmp0 (d->device, "disk") != 0 || g_strcmp0 (d->type, "file") != 0 || d->readonly ||
          d->source == NULL || d->target == NULL)
        continue;
      if (only != NULL && only[0] != NULL && !g_strv_contains (only, d->target))
        continue;
      if (chains_only && (b == NULL || !incremental))
        continue;
      path = virt_migrate_map_path (disk_map, d->source, virt_migrate_pools_dir_func, pools);
      for (guint k = 0; path == NULL && have_given && k < given.disks->len; k++)
        {
          const VirtMigrateDiskXml *gd = g_ptr_array_index (given.disks, k);

          if (g_strcmp0 (gd->target, d->target) == 0 && gd->source != NULL)
            path = g_strdup (gd->source);
        }
      if (path == NULL)
        path = g_strdup (d->source);
      if (incremental && b != NULL)
        {
          backing = virt_migrate_map_path (disk_map, b->path, virt_migrate_pools_dir_func, pools);
          if (backing == NULL)
            backing = g_strdup (b->path);
        }
      ok = create_image (self, dconn, dom, d->target, path, g_strcmp0 (d->format, "qcow2") == 0 ? "qcow2" : "raw",
                         backing, b != NULL ? b->format : NULL, error);
    }
  virt_migrate_guest_xml_clear (&guest);
  if (given.disks != NULL)
    virt_migrate_guest_xml_clear (&given);
  if (!ok)
    virt_migrate_dest_storage_finish (self, FALSE, FALSE);
  return ok;
}

/* The destination XML from the guest's with the maps applied and, with a
 * storage copy, the images it names created there. */
gboolean
virt_migrate_dest_storage_prepare (VirtMigrateDestStorage *self,
                                   virDomainPtr            dom,
                                   virConnectPtr           dconn,
                                   GError                **error)
{
  g_auto(GStrv) disk_map = NULL, network_map = NULL;
  g_autofree char *xml = NULL;
  gboolean copy = virt_migrate_request_get_storage (self->request) != VIRT_MIGRATE_STORAGE_SHARED;
  g_auto(GStrv) only = NULL;

  gboolean incremental = virt_migrate_request_get_storage (self->request) == VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL;
  gboolean mapped;
  g_autoptr(GPtrArray) pools = NULL;

  g_object_get (self->request, "disk-map", &disk_map, "network-map", &network_map, "migrate-disks", &only, NULL);
  mapped = (disk_map != NULL && disk_map[0] != NULL) || (network_map != NULL && network_map[0] != NULL);
  /* An incremental copy of a disk with a backing chain needs its top
   * image made on top of the chain there, mapped or not: libvirt would
   * make it flat, and the guest would lose what the chain holds. */
  if (!mapped && !(incremental && dconn != NULL))
    return TRUE;
  /* The destination's pools, read once: a disk-map DST that is no path
   * names one of them. */
  pools = virt_migrate_libvirt_storage_pools (dconn);
  if (!mapped)
    return create_images (self, dom, dconn, pools, NULL, (const char *const *) only, TRUE, error);
  xml = virDomainGetXMLDesc (dom, VIR_DOMAIN_XML_MIGRATABLE);
  if (xml == NULL)
    {
      *error = virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, "Domain XML");
      return FALSE;
    }
  self->xml = virt_migrate_map_xml (xml, (const char *const *) disk_map, (const char *const *) network_map,
                                    virt_migrate_pools_dir_func, pools);
  if (self->xml == NULL)
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_LIBVIRT,
                   "The guest's XML cannot be read to apply disk-map and network-map");
      return FALSE;
    }
  if (virt_migrate_request_get_persist_dest (self->request) && virDomainIsPersistent (dom) == 1)
    {
      g_autofree char *inactive = virDomainGetXMLDesc (dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_MIGRATABLE);

      if (inactive != NULL)
        self->persistent_xml = virt_migrate_map_xml (inactive, (const char *const *) disk_map,
                                                     (const char *const *) network_map,
                                                     virt_migrate_pools_dir_func, pools);
    }
  if (!copy || dconn == NULL)
    return TRUE;

  return create_images (self, dom, dconn, pools, (const char *const *) disk_map, (const char *const *) only, FALSE,
                        error);
}

const char *
virt_migrate_dest_storage_get_xml (VirtMigrateDestStorage *self)
{
  return self->xml;
}

const char *
virt_migrate_dest_storage_get_persistent_xml (VirtMigrateDestStorage *self)
{
  return self->persistent_xml;
}

guint
virt_migrate_dest_storage_get_n_created (VirtMigrateDestStorage *self)
{
  return self->created->len;
}

/* Whether the guest runs on the destination from @path (the guest of the
 * same UUID there, running or paused, names it among its disks); %TRUE
 * also when the destination cannot be asked (*@why says why). */
static gboolean
runs_from (VirtMigrateDestStorage *self, virConnectPtr dconn, const char *path, char **why)
{
  g_autoptr(virDomain) there = self->have_uuid ? virDomainLookupByUUID (dconn, self->uuid) : NULL;
  g_autofree char *xml = NULL;
  VirtMigrateGuestXml guest = { 0 };
  gboolean uses = FALSE;

  if (there == NULL)
    {
      virErrorPtr err = virGetLastError ();

      if (!self->have_uuid || (err != NULL && err->code == VIR_ERR_NO_DOMAIN))
        return FALSE;
      *why = g_strdup_printf ("the destination cannot be asked whether the guest runs from it (%s)",
                              virGetLastErrorMessage ());
      return TRUE;
    }
  if (virDomainIsActive (there) != 1)
    return FALSE;
  xml = virDomainGetXMLDesc (there, 0);
  if (xml == NULL || !virt_migrate_guest_xml_parse (xml, &guest))
    {
      virt_migrate_guest_xml_clear (&guest);
      *why = g_strdup ("the guest runs on the destination and its disks cannot be read");
      return TRUE;
    }
  for (guint i = 0; !uses && i < guest.disks->len; i++)
    uses = g_strcmp0 (((const VirtMigrateDiskXml *) g_ptr_array_index (guest.disks, i))->source, path) == 0;
  virt_migrate_guest_xml_clear (&guest);
  if (uses)
    *why = g_strdup ("the guest runs on the destination from it");
  return uses;
}

/* The images made for a migration that did not succeed are removed, but
 * never one the guest may need: with @postcopy (the source paused in
 * post-copy, broken or not) the guest has run on the destination since
 * the switch-over, its disks' writes there only, and Recover() or
 * --postcopy-resume finishes the move onto them; nor one the guest runs
 * from there (a migration libvirt reports failed after the destination
 * took over), nor when the destination cannot be asked (those two said
 * in a warning). The transient pools go either way (their files stay). */
void
virt_migrate_dest_storage_finish (VirtMigrateDestStorage *self,
                                  gboolean                success,
                                  gboolean                postcopy)
{
  for (guint i = 0; i < self->created->len; i++)
    {
      virStorageVolPtr vol = g_ptr_array_index (self->created, i);
      g_autofree char *path = success ? NULL : virStorageVolGetPath (vol);
      g_autofree char *why = NULL;

      if (success)
        ;
      else if (postcopy)
        g_info ("the image made for the migration on the destination, %s, is kept: the guest runs there "
                "in post-copy", path);
      else if (runs_from (self, virStorageVolGetConnect (vol), path, &why))
        g_warning ("the image made for the migration on the destination, %s, is kept: %s", path, why);
      else if (virStorageVolDelete (vol, 0) < 0)
        g_warning ("cannot remove the image made for the migration: %s", virGetLastErrorMessage ());
      virStorageVolFree (vol);
    }
  g_ptr_array_set_size (self->created, 0);
  for (guint i = 0; i < self->transient_pools->len; i++)
    {
      virStoragePoolPtr pool = g_ptr_array_index (self->transient_pools, i);

      virStoragePoolDestroy (pool);
      virStoragePoolFree (pool);
    }
  g_ptr_array_set_size (self->transient_pools, 0);
}

void
virt_migrate_dest_storage_free (VirtMigrateDestStorage *self)
{
  if (self == NULL)
    return;
  virt_migrate_dest_storage_finish (self, TRUE, FALSE);
  g_ptr_array_unref (self->created);
  g_ptr_array_unref (self->transient_pools);
  g_object_unref (self->request);
  g_free (self->xml);
  g_free (self->persistent_xml);
  g_free (self);
}
