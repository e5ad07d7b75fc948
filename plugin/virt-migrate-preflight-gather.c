/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pre-flight facts: the guest's definition and what the destination
 * says about it, asked through the hypervisor seam (blocking calls: a
 * worker thread) and read here, so that the unit tests run all of it on
 * recorded answers. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gunixmounts.h>

#include "virt-migrate-error.h"
#include "virt-migrate-guest-xml.h"
#include "virt-migrate-listeners.h"
#include "virt-migrate-local-daemons.h"
#include "virt-migrate-preflight-private.h"
#include "virt-migrate-request-private.h"
#include "virt-migrate-xml-map.h"

/* The guest's <cpu> element, for the CPU comparison. */
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

/* The host UUID of capabilities @caps; NULL: none, or @caps NULL. */
static char *
host_uuid (const char *caps)
{
  static const char *const uuid_path[] = { "capabilities", "host", "uuid", NULL };
  char *uuid = NULL;

  if (caps == NULL || !virt_migrate_xml_path_text (caps, uuid_path, &uuid))
    return NULL;
  return uuid;
}

/* Whether a file is at @path on the destination, @vol its volume XML there
 * (NULL: no pool knows one). */
static VirtMigrateFact
image_exists (const char *vol, const char *path, gboolean local, const char *pool)
{
  if (vol != NULL)
    return VIRT_MIGRATE_FACT_YES;
  if (local)
    return g_file_test (path, G_FILE_TEST_EXISTS) ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
  return pool != NULL ? VIRT_MIGRATE_FACT_NO : VIRT_MIGRATE_FACT_UNKNOWN;
}

static VirtMigrateFact
volume_exists (VirtMigrateHypervisor *hv, const char *uri, const char *path, gboolean local, const char *pool)
{
  g_autofree char *vol = virt_migrate_hypervisor_volume_xml (hv, uri, path);

  return image_exists (vol, path, local, pool);
}

/* @size bytes at @offset of the image at @path (a regular file or a block
 * device this machine can read, virt_migrate_open_plain()) in @buf; how
 * many were read, 0: none. */
static gsize
image_read (const char *path, guint8 *buf, gsize size, guint64 offset)
{
  struct stat st;
  int fd = virt_migrate_open_plain (path, TRUE, &st, NULL);
  gssize got = 0;

  if (fd < 0)
    return 0;
  do
    got = pread (fd, buf, size, (off_t) offset);
  while (got < 0 && errno == EINTR);
  close (fd);
  return got > 0 ? (gsize) got : 0;
}

/* The backing file of the qcow2 image at @path, read from its header (a
 * file this machine can read: a local destination's). FALSE: not read. */
static gboolean
qcow2_backing (const char *path, char **backing)
{
  guint8 header[20];
  gsize got = image_read (path, header, sizeof header, 0);
  guint64 offset;
  guint32 size;
  g_autofree char *name = NULL;

  *backing = NULL;
  if (got == 0)
    return FALSE;
  if (got < sizeof header || memcmp (header, "QFI\xfb", 4) != 0)
    return TRUE; /* not qcow2: no backing file */
  memcpy (&offset, header + 8, sizeof offset);
  memcpy (&size, header + 16, sizeof size);
  offset = GUINT64_FROM_BE (offset);
  size = GUINT32_FROM_BE (size);
  if (offset == 0 || size == 0)
    return TRUE;
  if (size > 1023) /* QEMU's own limit */
    return FALSE;
  name = g_malloc0 (size + 1);
  if (image_read (path, (guint8 *) name, size, offset) != size)
    return FALSE;
  *backing = virt_migrate_backing_resolve (path, name);
  return TRUE;
}

/* The size of the disk an image holds (its virtual size), in bytes: from
 * its volume XML @vol, else (a file this machine can read) from the qcow2
 * header or the raw file's length. 0: unknown. */
static guint64
image_capacity (const char *vol, const char *path, gboolean local)
{
  static const char *const capacity_path[] = { "volume", "capacity", NULL };
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInfo) info = NULL;
  guint8 header[32];
  guint64 size;

  if (vol != NULL)
    return virt_migrate_xml_path_bytes (vol, capacity_path);
  if (!local)
    return 0;
  if (image_read (path, header, sizeof header, 0) == sizeof header && memcmp (header, "QFI\xfb", 4) == 0)
    {
      memcpy (&size, header + 24, sizeof size);
      return GUINT64_FROM_BE (size);
    }
  file = g_file_new_for_path (path);
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  return info != NULL ? (guint64) g_file_info_get_size (info) : 0;
}

/* The format of the image at @path on the destination: from its volume XML
 * @vol, else (a file this machine can read) qcow2 by its magic, raw
 * otherwise. NULL: unknown. */
static char *
image_format (const char *vol, const char *path, gboolean local)
{
  guint8 magic[4];
  gsize got;

  if (vol != NULL)
    return virt_migrate_volume_xml_format (vol);
  if (!local || (got = image_read (path, magic, sizeof magic, 0)) == 0)
    return NULL;
  return g_strdup (got == sizeof magic && memcmp (magic, "QFI\xfb", 4) == 0 ? "qcow2" : "raw");
}

static guint64
volume_capacity (VirtMigrateHypervisor *hv, const char *uri, const char *path, gboolean local)
{
  g_autofree char *vol = virt_migrate_hypervisor_volume_xml (hv, uri, path);

  return image_capacity (vol, path, local);
}

/* What an image at @path takes on its storage, in bytes: its volume's
 * <allocation> on @uri, else (a file this machine can read) its blocks.
 * 0: unknown. */
static guint64
volume_allocation (VirtMigrateHypervisor *hv, const char *uri, const char *path, gboolean local)
{
  static const char *const allocation_path[] = { "volume", "allocation", NULL };
  g_autofree char *vol = virt_migrate_hypervisor_volume_xml (hv, uri, path);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInfo) info = NULL;

  if (vol != NULL)
    return virt_migrate_xml_path_bytes (vol, allocation_path);
  if (!local)
    return 0;
  file = g_file_new_for_path (path);
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_UNIX_BLOCKS, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  return info != NULL ? g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_UNIX_BLOCKS) * 512 : 0;
}

/* A copy into a new image at @dir there: about what it writes (what the
 * source's images it reads take: the whole chain, or the top image of an
 * incremental copy), and the room where it is made (this machine's file
 * system, else the covering pool's <available>). */
static void
gather_space (VirtMigrateHypervisor *hv, const char *source_uri, gboolean local_source, gboolean local_dest,
              GPtrArray *pools, gboolean incremental, const char *dir, VirtMigratePreflightDisk *d)
{
  guint64 bytes = volume_allocation (hv, source_uri, d->source, local_source);

  for (guint k = 0; !incremental && bytes > 0 && k < d->backing->len; k++)
    {
      guint64 more = volume_allocation (hv, source_uri, ((VirtMigratePreflightBacking *)
                                                         g_ptr_array_index (d->backing, k))->source, local_source);

      bytes = more > 0 ? bytes + more : 0;
    }
  d->copy_bytes = bytes;
  if (local_dest)
    {
      g_autoptr(GFile) file = g_file_new_for_path (dir);
      g_autoptr(GFileInfo) info = g_file_query_filesystem_info (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, NULL, NULL);
      g_autoptr(GUnixMountEntry) mount = g_unix_mount_for (dir, NULL);

      if (info != NULL && mount != NULL)
        {
          d->space_where = g_strdup_printf ("the file system at %s", g_unix_mount_get_mount_path (mount));
          d->space_free = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
        }
    }
  else if (d->dest_pool != NULL)
    {
      d->space_where = g_strdup_printf ("the storage pool %s", d->dest_pool);
      d->space_free = virt_migrate_pools_available (pools, d->dest_pool);
    }
}

/* What the image at @path on the destination is backed by: from its
 * volume XML @vol, else (a local destination) from the file. FALSE:
 * unknown. */
static gboolean
dest_image_backing (const char *vol, const char *path, gboolean local, char **backing)
{
  *backing = NULL;
  if (vol != NULL)
    {
      g_autofree char *named = NULL;

      if (!virt_migrate_volume_xml_backing (vol, &named))
        return FALSE;
      *backing = virt_migrate_backing_resolve (path, named);
      return TRUE;
    }
  return local && qcow2_backing (path, backing);
}

/* Whether libvirt leaves a disk's medium out where it is missing, at a
 * migration's start there (<source startupPolicy>). */
static gboolean
droppable (const char *startup_policy)
{
  return g_strcmp0 (startup_policy, "optional") == 0 || g_strcmp0 (startup_policy, "requisite") == 0;
}

static gboolean
disk_is_copied (VirtMigrateRequest *request, const VirtMigrateDiskXml *d, const char *const *only)
{
  if (virt_migrate_request_get_storage (request) == VIRT_MIGRATE_STORAGE_SHARED || d->readonly ||
      g_strcmp0 (d->device, "cdrom") == 0 || g_strcmp0 (d->device, "floppy") == 0)
    return FALSE;
  return only == NULL || only[0] == NULL || g_strv_contains (only, d->target);
}

/* The guest's own facts: its disks (and their chains), networks, devices,
 * CPU, machine and emulator, from its definitions. */
static void
gather_guest (VirtMigrateRequest        *request,
              GPtrArray                 *src_pools,
              const VirtMigrateGuestXml *guest,
              const VirtMigrateGuestXml *live,
              const VirtMigrateGuestXml *dest_guest,
              VirtMigratePreflightFacts *facts)
{
  g_auto(GStrv) only = NULL, network_map = NULL;
  gboolean local_source = virt_migrate_uri_is_local (virt_migrate_request_get_source_uri (request));

  g_object_get (request, "migrate-disks", &only, "network-map", &network_map, NULL);
  for (guint i = 0; guest->disks != NULL && i < guest->disks->len; i++)
    {
      const VirtMigrateDiskXml *d = g_ptr_array_index (guest->disks, i);
      g_autofree char *pool_dir = d->pool != NULL ? virt_migrate_pools_dir (src_pools, d->pool) : NULL;
      g_autofree char *volume = NULL;
      VirtMigratePreflightDisk *fd;

      /* A volume's path is where its pool says (a pool without a directory: its name). */
      if (d->pool != NULL)
        volume = pool_dir != NULL ? g_build_filename (pool_dir, d->volume, NULL)
                                  : g_strdup_printf ("%s/%s", d->pool, d->volume);
      if ((d->source == NULL && volume == NULL && d->nvme == NULL) || d->target == NULL)
        continue;
      fd = virt_migrate_preflight_add_disk (facts, d->target, volume != NULL ? volume : d->source);
      fd->pool = g_strdup (d->pool);
      fd->nvme = g_strdup (d->nvme);
      fd->droppable = droppable (d->startup_policy);
      fd->copied = disk_is_copied (request, d, (const char *const *) only);
      fd->readonly = d->readonly;
      fd->transient = d->transient;
      fd->written = d->written;
      fd->cache = g_strdup (d->cache);
      fd->format = g_strdup (d->format);
      /* libvirt asks the source host's file system; it is this one's. */
      if (local_source && (d->type == NULL || g_str_equal (d->type, "file") ||
                           (d->pool != NULL && virt_migrate_pools_file_backed (src_pools, d->pool))))
        fd->source_fs = virt_migrate_path_fs_kind (fd->source);
      for (guint k = 0; live->disks != NULL && k < live->disks->len; k++)
        {
          const VirtMigrateDiskXml *ld = g_ptr_array_index (live->disks, k);

          for (guint b = 0; g_strcmp0 (ld->target, d->target) == 0 && b < ld->backing->len; b++)
            {
              const VirtMigrateBackingXml *bx = g_ptr_array_index (ld->backing, b);

              virt_migrate_preflight_add_backing (fd, bx->path, bx->format);
            }
        }
      for (guint k = 0; dest_guest->disks != NULL && k < dest_guest->disks->len; k++)
        {
          const VirtMigrateDiskXml *dd = g_ptr_array_index (dest_guest->disks, k);

          if (g_strcmp0 (dd->target, d->target) == 0 && dd->source != NULL)
            {
              g_free (fd->dest_path);
              fd->dest_path = g_strdup (dd->source);
              fd->droppable = droppable (dd->startup_policy);
            }
        }
    }
  /* libvirt refuses a copy that names a disk the guest lacks. */
  facts->unknown_disks = virt_migrate_guest_xml_unknown_targets (guest, (const char *const *) only,
                                                                 &facts->disk_targets);
  for (guint i = 0; guest->networks != NULL && i < guest->networks->len; i++)
    {
      const VirtMigrateInterfaceXml *iface = g_ptr_array_index (guest->networks, i);
      const char *kind = iface->kind;
      const char *net = iface->name;
      g_autofree char *mapped = g_str_equal (kind, "network")
                                  ? virt_migrate_map_network ((const char *const *) network_map, net) : NULL;

      virt_migrate_preflight_add_network (facts, kind, mapped != NULL ? mapped : net);
    }
  g_ptr_array_unref (facts->ties);
  facts->ties = g_ptr_array_ref (guest->ties);
  facts->nvram = g_strdup (guest->nvram);
  facts->uefi = guest->uefi || guest->nvram != NULL;
  facts->dest_nvram = g_strdup (dest_guest->nvram != NULL ? dest_guest->nvram : guest->nvram);
  if (local_source)
    facts->nvram_fs = virt_migrate_path_fs_kind (guest->nvram);
  facts->cpu_mode = g_strdup (guest->cpu_mode);
  facts->machine = g_strdup (guest->machine);
  facts->emulator = g_strdup (guest->emulator);
}

/* Other guests on the destination: one of the same name, this one. */
static void
gather_others (VirtMigrateHypervisor *hv, const char *dest_uri, const char *name, const char *uuid,
               VirtMigratePreflightFacts *facts)
{
  g_autoptr(VirtMigrateGuestInfo) by_name = virt_migrate_hypervisor_lookup_guest (hv, dest_uri, name, NULL);
  g_autoptr(VirtMigrateGuestInfo) by_uuid = virt_migrate_hypervisor_lookup_guest (hv, dest_uri, uuid, NULL);

  if (by_name != NULL && g_ascii_strcasecmp (by_name->uuid, uuid) != 0)
    {
      facts->name_conflict_uuid = g_strdup (by_name->uuid);
      facts->name_conflict_active = by_name->running;
    }
  facts->uuid_present = by_uuid != NULL ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
  facts->uuid_active = by_uuid != NULL && by_uuid->running;
}

/* Can it run the guest: its devices in the domain capabilities, its CPU. */
static void
gather_capabilities (VirtMigrateHypervisor *hv, const char *dest_uri, const char *xml,
                     const VirtMigrateGuestXml *guest, VirtMigratePreflightFacts *facts)
{
  VirtMigrateDomcapsQuery query = { guest->emulator, guest->arch, guest->machine, guest->virt_type };
  g_autofree char *cpu = NULL;

  if (guest->arch != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *caps = virt_migrate_hypervisor_domain_capabilities (hv, dest_uri, &query, &error);

      /* Denied (a read-only connection): not known, not a blocker. */
      facts->domcaps_ok = caps != NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
      if (caps == NULL)
        facts->domcaps_error = g_strdup (error != NULL ? error->message : "no answer");
      facts->dest_loaders = virt_migrate_domcaps_loaders (caps);
      for (guint i = 0; caps != NULL && i + 2 < guest->devices->len; i += 3)
        {
          const char *element = g_ptr_array_index (guest->devices, i);
          const char *value = g_ptr_array_index (guest->devices, i + 2);
          VirtMigrateFact offered = caps_offer (caps, element, g_ptr_array_index (guest->devices, i + 1), value);

          virt_migrate_preflight_add_device (facts, element, value, offered);
        }
    }
  cpu = guest->cpu_model && g_strcmp0 (guest->cpu_mode, "host-passthrough") != 0 ? cpu_element (xml) : NULL;
  if (cpu != NULL)
    {
      g_autoptr(GError) error = NULL;

      facts->cpu_compare = virt_migrate_hypervisor_compare_cpu (hv, dest_uri, &query, cpu, &error);
      if (facts->cpu_compare < 0 || facts->cpu_compare == VIRT_MIGRATE_CPU_INCOMPATIBLE)
        facts->cpu_error = g_strdup (error != NULL ? error->message : "incompatible");
    }
}

/* Where @guest is pinned (its destination XML's, if one is given), and the
 * CPUs and NUMA cells the destination has (its capabilities @caps). */
static void
gather_topology (const char *caps, const VirtMigrateGuestXml *guest, VirtMigratePreflightFacts *facts)
{
  g_autoptr(GArray) cpus = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) cells = g_array_new (FALSE, FALSE, sizeof (guint));

  if (guest->affinities == NULL || guest->affinities->len == 0)
    return;
  facts->affinities = g_ptr_array_ref (guest->affinities);
  if (virt_migrate_caps_topology (caps, cpus, cells))
    {
      facts->dest_cpus = g_steal_pointer (&cpus);
      facts->dest_cells = g_steal_pointer (&cells);
    }
}

/* The ports the running guests of @uri listen on, each with its guest's
 * name; NULL when they cannot be listed. */
static GPtrArray *
ports_held (VirtMigrateHypervisor *hv, const char *uri)
{
  g_autoptr(GPtrArray) guests = virt_migrate_hypervisor_list_running_guests (hv, uri, NULL);
  GPtrArray *held;

  if (guests == NULL)
    return NULL;
  held = virt_migrate_endpoints_new ();
  for (guint i = 0; i < guests->len; i++)
    {
      const VirtMigrateGuestInfo *info = g_ptr_array_index (guests, i);
      g_autofree char *xml = virt_migrate_hypervisor_guest_xml (hv, uri, info->uuid, VIRT_MIGRATE_GUEST_XML_LIVE, NULL);
      VirtMigrateGuestXml g = { 0 };

      /* A guest gone since the list holds nothing. */
      if (xml != NULL && virt_migrate_guest_xml_parse (xml, &g))
        for (guint k = 0; k < g.endpoints->len; k++)
          virt_migrate_endpoints_add_copy (held, g_ptr_array_index (g.endpoints, k), info->name);
      virt_migrate_guest_xml_clear (&g);
    }
  return held;
}

/* The ports @guest's graphics fix, and those the destination's running
 * guests hold (asked only when there are such ports: one call a guest).
 * Only a live migration starts a QEMU there that listens. */
static void
gather_ports (VirtMigrateHypervisor *hv, VirtMigrateRequest *request, const char *source_uri, const char *dest_uri,
              const VirtMigrateGuestXml *guest, gboolean running, VirtMigrateLocalDaemons *daemons,
              VirtMigratePreflightFacts *facts)
{
  g_autoptr(GPtrArray) asked = virt_migrate_endpoints_new ();
  gboolean local = virt_migrate_uri_is_local (dest_uri);

  virt_migrate_dest_name_gather (hv, request, source_uri, dest_uri, daemons, facts);
  if (!running || facts->offline)
    return;
  for (guint i = 0; guest->endpoints != NULL && i < guest->endpoints->len; i++)
    {
      const VirtMigrateEndpoint *e = g_ptr_array_index (guest->endpoints, i);

      if (!e->fixed)
        continue;
      if (facts->endpoints == NULL)
        facts->endpoints = virt_migrate_endpoints_new ();
      virt_migrate_endpoints_add_copy (facts->endpoints, e, NULL);
      virt_migrate_endpoints_add_copy (asked, e, NULL);
    }
  if (facts->endpoints != NULL)
    {
      facts->ports_held = ports_held (hv, dest_uri);
      /* Both hosts on this machine (as the test bed's): one set of ports. */
      if (facts->same_machine)
        facts->ports_here = ports_held (hv, source_uri);
    }
  virt_migrate_streams_gather (hv, request, source_uri, dest_uri, daemons, facts);
  /* The destination is this machine: whatever listens on those ports and
   * on the migration's own there, seen. */
  if (!local)
    return;
  for (guint i = 0; facts->streams != NULL && i < facts->streams->len; i++)
    virt_migrate_endpoints_add_copy (asked, g_ptr_array_index (facts->streams, i), NULL);
  if (asked->len > 0)
    facts->listeners = virt_migrate_listeners_read ("/proc", asked);
}

/* The files @guest's QEMU opens as it starts there: those its character
 * devices write (their directories must be there) and those it reads
 * (a kernel booted directly, the firmware: they must be there), seen on a
 * local destination or as a volume of a pool there, firmware also where
 * the destination's domain capabilities list it. Only a live migration
 * starts one. */
static void
gather_files (VirtMigrateHypervisor *hv, const char *dest_uri, const VirtMigrateGuestXml *guest, gboolean running,
              VirtMigrateLocalDaemons *daemons, VirtMigratePreflightFacts *facts)
{
  gboolean local_dest = virt_migrate_uri_is_local (dest_uri);

  if (!running || facts->offline)
    return;
  for (guint i = 0; guest->char_files != NULL && i + 1 < guest->char_files->len; i += 2)
    {
      const char *path = g_ptr_array_index (guest->char_files, i + 1);
      g_autofree char *dir = g_path_get_dirname (path);
      VirtMigratePreflightFile *f;

      if (!g_path_is_absolute (path))
        continue;
      f = virt_migrate_preflight_add_file (facts, g_ptr_array_index (guest->char_files, i), path);
      if (local_dest)
        f->there = g_file_test (dir, G_FILE_TEST_IS_DIR) ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
      /* Its QEMU writes it there as a session daemon's user. */
      if (local_dest && f->there == VIRT_MIGRATE_FACT_YES)
        f->usable = g_file_test (path, G_FILE_TEST_EXISTS)
                      ? virt_migrate_daemon_user_can_open (virt_migrate_local_daemons_dest (daemons), path, TRUE)
                      : virt_migrate_daemon_user_can_write (virt_migrate_local_daemons_dest (daemons), dir);
    }
  for (guint i = 0; guest->boot_files != NULL && i + 1 < guest->boot_files->len; i += 2)
    {
      const char *what = g_ptr_array_index (guest->boot_files, i), *path = g_ptr_array_index (guest->boot_files, i + 1);
      g_autofree char *vol = NULL;
      VirtMigratePreflightFile *f;

      if (!g_path_is_absolute (path))
        continue;
      f = virt_migrate_preflight_add_file (facts, what, path);
      f->read = TRUE;
      vol = local_dest ? NULL : virt_migrate_hypervisor_volume_xml (hv, dest_uri, path);
      f->there = image_exists (vol, path, local_dest, NULL);
      if (local_dest && f->there == VIRT_MIGRATE_FACT_YES)
        f->usable = virt_migrate_daemon_user_can_open (virt_migrate_local_daemons_dest (daemons), path, FALSE);
      /* Firmware its libvirt lists (the descriptors its package installs with the files). */
      if (f->there == VIRT_MIGRATE_FACT_UNKNOWN && g_str_equal (what, "firmware") && facts->dest_loaders != NULL &&
          g_strv_contains ((const char *const *) facts->dest_loaders, path))
        f->there = VIRT_MIGRATE_FACT_YES;
    }
}

/* Which other guest of the destination (not @uuid: this guest's own
 * definition there names its images as a matter of course) has @path
 * among its disks' images, from @users (list_disk_users()). */
static const VirtMigrateGuestInfo *
image_user (GPtrArray *users, const char *uuid, const char *path)
{
  for (guint i = 0; users != NULL && i < users->len; i++)
    {
      const VirtMigrateGuestInfo *g = g_ptr_array_index (users, i);

      if (g_ascii_strcasecmp (g->uuid, uuid) != 0 && g->disks != NULL &&
          g_strv_contains ((const char *const *) g->disks, path))
        return g;
    }
  return NULL;
}

/* The disks on the destination: where each goes (after disk-map), whether
 * an image or a pool is there, another guest's image it would be copied
 * onto, and the backing chain under it. */
static void
gather_dest_disks (VirtMigrateHypervisor *hv, VirtMigrateRequest *request, const char *dest_uri,
                   const char *uuid, VirtMigrateLocalDaemons *daemons, VirtMigratePreflightFacts *facts)
{
  g_auto(GStrv) disk_map = NULL;
  g_autoptr(GPtrArray) pools = virt_migrate_hypervisor_storage_pools (hv, dest_uri);
  g_autoptr(GPtrArray) users = NULL;
  const char *source_uri = virt_migrate_request_get_source_uri (request);
  gboolean local_dest = virt_migrate_uri_is_local (dest_uri);
  gboolean local_source = virt_migrate_uri_is_local (source_uri);
  gboolean copy = FALSE;

  /* Asked once, for a storage copy only (it writes the images). */
  for (guint i = 0; i < facts->disks->len; i++)
    copy |= ((VirtMigratePreflightDisk *) g_ptr_array_index (facts->disks, i))->copied;
  if (copy)
    users = virt_migrate_hypervisor_list_disk_users (hv, dest_uri, NULL);

  g_object_get (request, "disk-map", &disk_map, NULL);
  for (guint i = 0; i < facts->disks->len; i++)
    {
      VirtMigratePreflightDisk *d = g_ptr_array_index (facts->disks, i);
      g_autofree char *mapped = NULL, *dir = NULL, *vol = NULL;

      /* An NVMe disk is a device, not a file to look for. */
      if (d->source == NULL)
        continue;
      /* A volume is found by its pool's name there (disk-map maps paths, not pools). */
      if (d->pool == NULL)
        mapped = virt_migrate_map_path ((const char *const *) disk_map, d->source, virt_migrate_pools_dir_func, pools);
      if (d->pool != NULL)
        {
          g_autofree char *pool_dir = virt_migrate_pools_dir (pools, d->pool);
          g_autofree char *name = g_path_get_basename (d->source);

          d->dest_pool_named = virt_migrate_pools_has (pools, d->pool) ? VIRT_MIGRATE_FACT_YES
                               : pools != NULL ? VIRT_MIGRATE_FACT_NO : VIRT_MIGRATE_FACT_UNKNOWN;
          if (d->dest_pool_named != VIRT_MIGRATE_FACT_YES)
            continue;
          d->dest_pool = g_strdup (d->pool);
          /* A pool without a directory (RBD…): its volumes are not paths to look at. */
          if (pool_dir == NULL)
            continue;
          g_free (d->dest_path);
          d->dest_path = g_build_filename (pool_dir, name, NULL);
        }
      if (mapped != NULL)
        {
          g_free (d->dest_path);
          d->dest_path = g_steal_pointer (&mapped);
          /* virt-migrate makes a missing image itself, in a pool there. */
          d->created_by_us = d->copied;
        }
      if (d->copied)
        {
          const VirtMigrateGuestInfo *user = image_user (users, uuid, d->dest_path);

          d->dest_user = user != NULL ? g_strdup (user->name) : NULL;
          d->dest_user_running = user != NULL && user->running;
        }
      dir = g_path_get_dirname (d->dest_path);
      if (d->pool == NULL)
        d->dest_pool = virt_migrate_pools_covering (pools, dir);
      vol = virt_migrate_hypervisor_volume_xml (hv, dest_uri, d->dest_path);
      d->dest_exists = image_exists (vol, d->dest_path, local_dest, d->dest_pool);
      /* Its pool there is made over that directory, which must be there,
       * and its libvirtd makes the image in it. */
      if (d->created_by_us && local_dest)
        d->dest_dir_exists = g_file_test (dir, G_FILE_TEST_IS_DIR) ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
      if (d->created_by_us && d->dest_dir_exists == VIRT_MIGRATE_FACT_YES && d->dest_exists == VIRT_MIGRATE_FACT_NO)
        d->dest_dir_writable = virt_migrate_daemon_user_can_write (virt_migrate_local_daemons_dest (daemons), dir);
      /* The destination's QEMU opens the image there: to copy into it, or
       * to run from it (written unless read-only). */
      if (local_dest && d->dest_exists == VIRT_MIGRATE_FACT_YES)
        d->dest_openable = virt_migrate_daemon_user_can_open (virt_migrate_local_daemons_dest (daemons),
                                                              d->dest_path, d->copied || d->written);
      /* Both hosts on this machine: never a copy onto the source's own image. */
      if (d->copied && facts->same_machine && d->dest_exists == VIRT_MIGRATE_FACT_YES)
        d->dest_same_as = virt_migrate_same_file_as_source (d);
      if (d->copied && d->dest_exists == VIRT_MIGRATE_FACT_NO)
        gather_space (hv, source_uri, local_source, local_dest, pools, facts->incremental, dir, d);
      /* QEMU copies only into an image of the disk's very size. */
      if (d->copied && d->dest_exists == VIRT_MIGRATE_FACT_YES)
        {
          d->capacity = volume_capacity (hv, source_uri, d->source, local_source);
          d->dest_capacity = image_capacity (vol, d->dest_path, local_dest);
          d->dest_format = image_format (vol, d->dest_path, local_dest);
        }
      if (d->dest_exists == VIRT_MIGRATE_FACT_YES && d->backing->len > 0)
        d->dest_backing_known = dest_image_backing (vol, d->dest_path, local_dest, &d->dest_backing);
      if (d->dest_backing != NULL)
        {
          g_autofree char *bdir = g_path_get_dirname (d->dest_backing);
          g_autofree char *bpool = virt_migrate_pools_covering (pools, bdir);

          d->dest_backing_exists = volume_exists (hv, dest_uri, d->dest_backing, local_dest, bpool);
        }
      /* The chain under it, where the destination's top image will look. */
      for (guint k = 0; k < d->backing->len; k++)
        {
          VirtMigratePreflightBacking *b = g_ptr_array_index (d->backing, k);
          g_autofree char *bmapped = virt_migrate_map_path ((const char *const *) disk_map, b->source,
                                                            virt_migrate_pools_dir_func, pools);
          g_autofree char *bdir = NULL, *bpool = NULL, *bvol = NULL;

          if (bmapped != NULL)
            {
              g_free (b->dest_path);
              b->dest_path = g_steal_pointer (&bmapped);
            }
          bdir = g_path_get_dirname (b->dest_path);
          bpool = virt_migrate_pools_covering (pools, bdir);
          bvol = virt_migrate_hypervisor_volume_xml (hv, dest_uri, b->dest_path);
          b->dest_exists = image_exists (bvol, b->dest_path, local_dest, bpool);
          /* An incremental copy puts the top image over what is there: the same disk, or data lost. */
          if (facts->incremental && d->copied && b->dest_exists == VIRT_MIGRATE_FACT_YES)
            {
              b->capacity = volume_capacity (hv, source_uri, b->source, local_source);
              b->dest_capacity = image_capacity (bvol, b->dest_path, local_dest);
            }
        }
    }
}

/**
 * virt_migrate_preflight_gather:
 *
 * Fills @facts for migrating @request's guest from its source to
 * @dest_uri (the request's own when %NULL), asking @hv. FALSE with @error
 * only when the guest cannot be looked at (the source unreachable, no such
 * guest); what cannot be learnt of the destination stays unknown.
 */
gboolean
virt_migrate_preflight_gather (VirtMigrateHypervisor     *hv,
                               VirtMigrateRequest        *request,
                               const char                *dest_uri,
                               VirtMigratePreflightFacts *facts,
                               GError                   **error)
{
  const char *source_uri = virt_migrate_request_get_source_uri (request);
  g_autoptr(VirtMigrateGuestInfo) info = NULL;
  g_autoptr(GError) reach_error = NULL;
  g_autofree char *xml = NULL, *live_xml = NULL, *dest_xml = NULL, *dname = NULL, *src_host = NULL;
  g_autofree char *src_caps = NULL, *dest_caps = NULL;
  VirtMigrateGuestXml guest = { 0 }, dest_guest = { 0 }, live = { 0 };
  const VirtMigrateGuestXml *there;
  g_autoptr(GPtrArray) src_pools = NULL;
  g_autoptr(VirtMigrateLocalDaemons) daemons = NULL;

  if (dest_uri == NULL)
    dest_uri = virt_migrate_request_get_dest_uri (request);
  daemons = virt_migrate_local_daemons_new (source_uri, dest_uri, facts);
  info = virt_migrate_hypervisor_lookup_guest (hv, source_uri, virt_migrate_request_get_domain (request), error);
  /* An XML of another guest: libvirt refuses the migration before it starts. */
  if (info == NULL || !virt_migrate_request_check_guest_xml (request, info->uuid, info->name, error))
    return FALSE;

  /* The migratable definition has what the checks read; the live one
   * lists the backing chains. */
  xml = virt_migrate_hypervisor_guest_xml (hv, source_uri, info->uuid, VIRT_MIGRATE_GUEST_XML_MIGRATABLE, NULL);
  live_xml = virt_migrate_hypervisor_guest_xml (hv, source_uri, info->uuid, VIRT_MIGRATE_GUEST_XML_LIVE, NULL);
  g_object_get (request, "dest-xml", &dest_xml, "dest-name", &dname, NULL);
  facts->live = virt_migrate_request_get_live (request);
  facts->offline = virt_migrate_request_get_offline (request);
  g_object_get (request, "unsafe", &facts->unsafe, "force", &facts->force, "zerocopy", &facts->zerocopy,
                "abort-on-error", &facts->abort_on_error, "postcopy", &facts->postcopy, NULL);
  facts->peer_to_peer = virt_migrate_request_get_flow (request) == VIRT_MIGRATE_FLOW_PEER_TO_PEER;
  facts->incremental = virt_migrate_request_get_storage (request) == VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL;
  facts->guest_memory = info->running ? info->memory : 0;
  facts->snapshots = info->snapshots;
  facts->not_running = !info->running;
  facts->state = g_strdup (info->state);
  facts->resume = virt_migrate_request_get_postcopy_resume (request);
  facts->in_postcopy = info->in_postcopy;
  facts->postcopy_failed = info->postcopy_failed;
  facts->io_error = info->io_error;
  facts->paused = !info->in_postcopy && g_str_has_prefix (info->state != NULL ? info->state : "", "paused");
  if (xml == NULL || !virt_migrate_guest_xml_parse (xml, &guest))
    {
      virt_migrate_guest_xml_clear (&guest);
      memset (&guest, 0, sizeof guest);
    }
  if (dest_xml == NULL || !virt_migrate_guest_xml_parse (dest_xml, &dest_guest))
    {
      virt_migrate_guest_xml_clear (&dest_guest);
      memset (&dest_guest, 0, sizeof dest_guest);
    }
  if (live_xml == NULL || !virt_migrate_guest_xml_parse (live_xml, &live))
    {
      virt_migrate_guest_xml_clear (&live);
      memset (&live, 0, sizeof live);
    }
  for (guint i = 0; guest.disks != NULL && i < guest.disks->len && src_pools == NULL; i++)
    if (((VirtMigrateDiskXml *) g_ptr_array_index (guest.disks, i))->pool != NULL)
      src_pools = virt_migrate_hypervisor_storage_pools (hv, source_uri);
  gather_guest (request, src_pools, &guest, &live, &dest_guest, facts);
  /* Both hosts on this machine (as the test bed's): one file system. */
  facts->same_machine = virt_migrate_uri_is_local (source_uri) && virt_migrate_uri_is_local (dest_uri);
  if (info->running && !facts->resume)
    {
      /* Its disks from the live XML, read once above. */
      g_autoptr(GPtrArray) targets = g_ptr_array_new ();

      for (guint i = 0; live.disks != NULL && i < live.disks->len; i++)
        {
          const VirtMigrateDiskXml *d = g_ptr_array_index (live.disks, i);

          if (d->target != NULL)
            g_ptr_array_add (targets, d->target);
        }
      g_ptr_array_add (targets, NULL);
      facts->busy = virt_migrate_hypervisor_guest_busy (hv, source_uri, info->uuid,
                                                        (const char *const *) targets->pdata);
    }

  if (dest_uri == NULL || !virt_migrate_hypervisor_reach (hv, dest_uri, &reach_error))
    {
      g_autofree char *prefix = g_strdup_printf ("Cannot connect to %s: ", dest_uri);
      const char *why = reach_error != NULL ? reach_error->message : "No destination";

      /* The reason alone: the verdict names the destination itself. */
      facts->reachable = FALSE;
      facts->connect_error = g_strdup (g_str_has_prefix (why, prefix) ? why + strlen (prefix) : why);
      goto out;
    }
  facts->reachable = TRUE;
  /* A resume is judged by the guest's state alone: nothing more to ask. */
  if (facts->resume)
    goto out;

  /* Another host? (The destination's capabilities read once: its topology too.) */
  src_caps = virt_migrate_hypervisor_capabilities (hv, source_uri, NULL);
  dest_caps = virt_migrate_hypervisor_capabilities (hv, dest_uri, NULL);
  src_host = host_uuid (src_caps);
  facts->host_uuid = host_uuid (dest_caps);
  if (src_host != NULL && facts->host_uuid != NULL)
    facts->same_host = g_str_equal (src_host, facts->host_uuid) ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;

  gather_others (hv, dest_uri, dname != NULL ? dname : info->name, info->uuid, facts);
  gather_capabilities (hv, dest_uri, xml, &guest, facts);
  /* What the destination starts: its XML's, if one was given (and read). */
  there = dest_guest.disks != NULL ? &dest_guest : &guest;
  gather_topology (dest_caps, there, facts);
  gather_ports (hv, request, source_uri, dest_uri, there, info->running, daemons, facts);
  gather_files (hv, dest_uri, there, info->running, daemons, facts);
  if (facts->zerocopy && info->running && !facts->offline && virt_migrate_uri_is_local (source_uri))
    virt_migrate_source_memlock (daemons, info->uuid, live_xml, facts);
  virt_migrate_tls_force_gather (request, daemons, facts);
  facts->free_memory = virt_migrate_hypervisor_free_memory (hv, dest_uri);
  facts->hugepage_kib = guest.hugepage_kib;
  facts->hugepage_memory = guest.memory_kib > 0 ? guest.memory_kib * 1024 : info->memory;
  if (facts->hugepage_kib > 0)
    facts->free_hugepages = virt_migrate_hypervisor_free_pages (hv, dest_uri, facts->hugepage_kib);
  for (guint i = 0; i < facts->networks->len; i++)
    {
      VirtMigratePreflightNetwork *n = g_ptr_array_index (facts->networks, i);

      n->present = virt_migrate_hypervisor_network_present (hv, dest_uri, n->kind, n->name);
    }
  gather_dest_disks (hv, request, dest_uri, info->uuid, daemons, facts);

out:
  virt_migrate_guest_xml_clear (&guest);
  virt_migrate_guest_xml_clear (&live);
  virt_migrate_guest_xml_clear (&dest_guest);
  return TRUE;
}
