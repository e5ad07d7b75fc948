/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pre-flight verdict's rules for the guest's disks: what a storage copy
 * writes and where, what a disk left in place needs, the backing chains of
 * incremental copies, the room a copy takes. A pure unit, as
 * virt-migrate-preflight.c, whose verdict runs them. */
#include "config.h"

#include "virt-migrate-preflight-rules.h"

/* (Every rule adds its checks so.) */
#define add virt_migrate_verdict_add

/* A backing file there of another size than the source's holds another
 * disk: the top image copied over it would read other data. (The same
 * size says nothing of the contents, which are not compared.) */
static gboolean
backing_differs (const VirtMigratePreflightBacking *b)
{
  return b->capacity > 0 && b->dest_capacity > 0 && b->capacity != b->dest_capacity;
}

static void
add_backing_differs (Verdict *v, const VirtMigratePreflightDisk *d, const VirtMigratePreflightBacking *b)
{
  add (v, "backing", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
       "Copy the source's backing file there (the same content), or copy the whole chain with --copy-storage-all",
       "%s: the backing file at %s on the destination is a disk of %" G_GUINT64_FORMAT " bytes, the source's %s "
       "one of %" G_GUINT64_FORMAT ": not the same data, and the top image copied over it would read it, the "
       "guest's disk corrupted", d->target, b->dest_path, b->dest_capacity, b->source, b->capacity);
}

/* An incremental copy (copy-inc) moves a disk's top image only: what its
 * backing chain holds must already be on the destination, where the top
 * image there will look for it, or the guest runs on a disk without it. */
static void
check_incremental_chain (Verdict *v, const VirtMigratePreflightDisk *d)
{
  const VirtMigratePreflightBacking *first = g_ptr_array_index (d->backing, 0);

  /* An image already there decides its own chain: it must have one, and
   * the file it names must be there. */
  if (d->dest_exists == VIRT_MIGRATE_FACT_YES)
    {
      if (!d->dest_backing_known)
        add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_UNKNOWN,
             "Remove it (virt-migrate then creates it on top of the backing file), or copy the whole chain "
             "with --copy-storage-all",
             "%s: %s exists on the destination and what it is backed by cannot be read from here; an "
             "incremental copy needs it on top of the data of %s", d->target, d->dest_path, first->source);
      else if (d->dest_backing == NULL)
        add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             "Remove it (virt-migrate then creates it on top of the backing file), or copy the whole chain "
             "with --copy-storage-all",
             "%s: %s exists on the destination without a backing file: after an incremental copy the guest "
             "would lose what %s holds", d->target, d->dest_path, first->source);
      else if (d->dest_backing_exists == VIRT_MIGRATE_FACT_NO)
        add (v, "backing", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             "Copy the backing file there first (the same content), or copy the whole chain with "
             "--copy-storage-all",
             "%s: %s on the destination is backed by %s, which is not there", d->target, d->dest_path,
             d->dest_backing);
      else if (d->dest_backing_exists == VIRT_MIGRATE_FACT_UNKNOWN)
        add (v, "backing", VIRT_MIGRATE_CHECK_RESULT_UNKNOWN,
             "Make sure it is there (the same content as the source's), or copy the whole chain with "
             "--copy-storage-all",
             "%s: %s on the destination is backed by %s, which cannot be seen from here", d->target,
             d->dest_path, d->dest_backing);
      else if (g_strcmp0 (d->dest_backing, first->dest_path) != 0)
        add (v, "backing", VIRT_MIGRATE_CHECK_RESULT_WARNING,
             "Make sure it holds the same data as the source's backing file",
             "%s: %s on the destination is backed by %s, not by %s where the source's chain would be: "
             "an incremental copy keeps what that file holds", d->target, d->dest_path, d->dest_backing,
             first->dest_path);
      else if (backing_differs (first))
        add_backing_differs (v, d, first);
      else
        add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
             "%s: its top image copied into %s, which exists on the destination on top of %s", d->target,
             d->dest_path, first->dest_path);
      return;
    }

  for (guint k = 0; k < d->backing->len; k++)
    {
      const VirtMigratePreflightBacking *b = g_ptr_array_index (d->backing, k);

      if (b->dest_exists == VIRT_MIGRATE_FACT_YES && backing_differs (b))
        add_backing_differs (v, d, b);
      else if (b->dest_exists == VIRT_MIGRATE_FACT_YES)
        add (v, "backing", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
             "%s: its backing file %s is on the destination at %s%s", d->target, b->source, b->dest_path,
             b->capacity > 0 && b->dest_capacity > 0
               ? ", a disk of the same size (the contents are not compared: it must be a copy of the source's)"
               : "");
      else if (b->dest_exists == VIRT_MIGRATE_FACT_NO)
        add (v, "backing", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             "Copy the backing file there first (the same content), or copy the whole chain with "
             "--copy-storage-all",
             "%s: an incremental copy (--copy-storage-inc) moves only the top image, and its backing file "
             "%s is missing on the destination at %s: the guest would lose what that image holds",
             d->target, b->source, b->dest_path);
      else
        add (v, "backing", VIRT_MIGRATE_CHECK_RESULT_UNKNOWN,
             "Make sure the backing file is there (the same content), or copy the whole chain with "
             "--copy-storage-all",
             "%s: whether its backing file %s is on the destination at %s cannot be seen from here "
             "(no storage pool there covers it), and an incremental copy needs it", d->target, b->source,
             b->dest_path);
    }
  add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
       "%s: its top image copied to %s, created there on top of %s through the destination's storage API "
       "and removed again if the migration fails", d->target, d->dest_path, first->dest_path);
}

/* Another of the guest's disks before @i copied into the same image there. */
static const VirtMigratePreflightDisk *
copied_into_same (const VirtMigratePreflightFacts *f, guint i)
{
  const VirtMigratePreflightDisk *d = g_ptr_array_index (f->disks, i);

  for (guint k = 0; k < i; k++)
    {
      const VirtMigratePreflightDisk *e = g_ptr_array_index (f->disks, k);

      if (e->copied && e->source != NULL && g_strcmp0 (e->dest_path, d->dest_path) == 0)
        return e;
    }
  return NULL;
}

void
virt_migrate_preflight_check_disks (Verdict *v, const VirtMigratePreflightFacts *f)
{
  g_autofree char *named = NULL;

  /* qemuMigrationSrcBeginPhase(): every disk named must be the guest's. */
  for (guint i = 0; f->unknown_disks != NULL && f->unknown_disks[i] != NULL; i++)
    add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Name the disks to copy by their targets, as virsh domblklist lists them",
         "--migrate-disks names %s, which is not a disk of the guest (its disks: %s): libvirt refuses the "
         "migration (\"disk target %s not found\")", f->unknown_disks[i],
         f->disk_targets != NULL && *f->disk_targets != '\0' ? f->disk_targets : "none", f->unknown_disks[i]);
  for (guint i = 0; i < f->disks->len; i++)
    {
      const VirtMigratePreflightDisk *d = g_ptr_array_index (f->disks, i);
      const VirtMigratePreflightDisk *twin = d->copied && d->source != NULL ? copied_into_same (f, i) : NULL;

      /* An NVMe namespace the guest's QEMU drives itself (VFIO): libvirt
       * counts it unsafe to leave, whatever the destination
       * (qemuMigrationSrcIsSafe()); copied, it goes into whatever the
       * destination XML names there. */
      if (d->nvme != NULL && d->written && !f->offline)
        {
          if (d->copied)
            add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_WARNING, "Name the disk to copy into with --xml",
                 "%s: an NVMe disk (the host's %s), copied: into the disk the destination XML names, which must "
                 "be there (the same device, or another)", d->target, d->nvme);
          else if (f->unsafe)
            add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_WARNING, NULL,
                 "%s: an NVMe disk (the host's %s), not copied: accepted with --unsafe, the destination must "
                 "reach the very namespace", d->target, d->nvme);
          else
            add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
                 "Copy the storage (--copy-storage-all) into a disk of the destination (--xml), or, if it reaches "
                 "this very namespace, accept it with --unsafe",
                 "%s: an NVMe disk (the host's %s), not copied: libvirt refuses the migration (\"Migration "
                 "without shared storage is unsafe\")", d->target, d->nvme);
        }
      if (d->source == NULL)
        continue;
      /* libvirt refuses to migrate a running guest with one
       * (qemuMigrationSrcIsAllowed()). */
      if (d->transient && !f->offline)
        add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             "Shut the guest down and migrate it offline (--offline), or start it without <transient/> on that disk",
             "%s: a transient disk (its writes kept in an overlay dropped at shutdown): libvirt refuses to "
             "migrate it (\"migration with transient disk is not supported\")", d->target);
      /* Two disks mapped onto one path (--disk-map DIR1=X --disk-map
       * DIR2=X, the same file name): one image for both, which QEMU
       * refuses half-way ("Block node is read-only"). */
      if (twin != NULL)
        {
          add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
               "Map them to different paths (--disk-map SRC=DST for each)",
               "%s and %s (%s, %s) would both be copied into %s on the destination", twin->target, d->target,
               twin->source, d->source, d->dest_path);
          continue;
        }
      /* The copy writes the image there: never another guest's disk. */
      if (d->copied && d->dest_user != NULL)
        {
          add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
               "Copy it to another path (--disk-map SRC=DST), or move that guest's disk first",
               "%s: copied into %s, which is the disk of the guest %s (%s) on the destination: the copy "
               "would overwrite it", d->target, d->dest_path, d->dest_user,
               d->dest_user_running ? "running" : "not running");
          continue;
        }
      /* Both hosts on this machine: a copy into the very file the guest
       * runs from, or one under it, writes the image onto itself (QEMU
       * refuses a locked one; unlocked, a qcow2 is corrupted). */
      if (d->copied && d->dest_same_as != NULL)
        {
          add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
               "Copy it to another path (--disk-map SRC=DST); if the destination sees this very file, migrate "
               "without a storage copy",
               "%s: copied into %s, which on this machine is %s %s: the copy would write the "
               "image onto itself (QEMU refuses, \"Block node is read-only\")", d->target, d->dest_path,
               g_strcmp0 (d->dest_same_as, d->source) == 0 ? "the very image it runs from," : "its own backing file",
               d->dest_same_as);
          continue;
        }
      /* libvirt finds a volume's pool by name on the destination, copied or not. */
      if (d->pool != NULL && d->dest_pool_named == VIRT_MIGRATE_FACT_NO)
        {
          add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
               "Define and start a storage pool of that name there (over the same storage, unless the disk is copied)",
               "%s: a volume of the storage pool %s, which the destination lacks (or has not started): libvirt "
               "looks it up by name there and fails (\"Storage pool not found\")", d->target, d->pool);
          continue;
        }
      if (d->pool != NULL && d->dest_pool_named == VIRT_MIGRATE_FACT_UNKNOWN)
        {
          add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_WARNING, "Make sure it exists there",
               "%s: a volume of the storage pool %s: whether the destination has a pool of that name cannot be "
               "seen (its storage pools cannot be listed)", d->target, d->pool);
          continue;
        }
      if (d->copied && f->incremental && d->backing->len > 0)
        {
          check_incremental_chain (v, d);
          continue;
        }
      /* The destination's QEMU opens the image there in the disk's format. */
      if (d->copied && d->dest_exists == VIRT_MIGRATE_FACT_YES && g_strcmp0 (d->format, "qcow2") == 0 &&
          d->dest_format != NULL && !g_str_equal (d->dest_format, "qcow2"))
        {
          add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
               "Remove that image there (it is made again as qcow2), or convert it (qemu-img convert -O qcow2)",
               "%s: copied into %s, which exists on the destination as a %s image, where the disk is qcow2: QEMU "
               "fails to start there (\"Image is not in qcow2 format\")", d->target, d->dest_path, d->dest_format);
          continue;
        }
      /* A raw disk into an image of a format: QEMU opens it as raw there,
       * its file's length the disk's size, and refuses the copy (seen:
       * "Source and target image have different sizes"; of the same
       * length, it would write the disk over that image). */
      if (d->copied && d->dest_exists == VIRT_MIGRATE_FACT_YES && g_strcmp0 (d->format, "raw") == 0 &&
          d->dest_format != NULL && !g_str_equal (d->dest_format, "raw"))
        {
          add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
               "Remove that image there (it is made again as raw), or convert it (qemu-img convert -O raw)",
               "%s: copied into %s, which exists on the destination as a %s image, where the disk is raw: QEMU "
               "opens it as raw there and fails the copy (\"Source and target image have different sizes\"), "
               "or, were its file the disk's size, writes the disk over that image", d->target, d->dest_path,
               d->dest_format);
          continue;
        }
      /* QEMU mirrors only into a target of the disk's very size (as it
       * reads it: in the disk's format, the image's size in its own). */
      if (d->copied && d->dest_exists == VIRT_MIGRATE_FACT_YES && d->capacity > 0 && d->dest_capacity > 0 &&
          d->format != NULL && g_strcmp0 (d->format, d->dest_format) == 0 && d->capacity != d->dest_capacity)
        {
          add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
               "Remove that image there (it is made again of the right size), or resize it to the disk's",
               "%s: copied into %s, which exists on the destination and holds a disk of %" G_GUINT64_FORMAT
               " bytes, where the guest's is %" G_GUINT64_FORMAT ": QEMU fails the copy part-way (\"Source and "
               "target image have different sizes\")", d->target, d->dest_path, d->dest_capacity, d->capacity);
          continue;
        }
      /* A session daemon's QEMU opens the image as that daemon's user. */
      if (d->copied && d->dest_exists == VIRT_MIGRATE_FACT_YES && d->dest_openable == VIRT_MIGRATE_FACT_NO)
        {
          add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
               "Let the destination's libvirtd's user read and write that image (its owner, group or mode), or "
               "remove it there (it is made again)",
               "%s: copied into %s, which exists on the destination, where its %s may not read and write it: its "
               "QEMU cannot copy into it (\"Block node is read-only\")", d->target, d->dest_path,
               virt_migrate_preflight_daemon (f));
          continue;
        }
      if (d->copied)
        {
          if (d->backing->len > 0)
            add (v, "backing", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
                 "%s: the whole chain (the top image and %u backing file%s) is copied into one image there",
                 d->target, d->backing->len, d->backing->len > 1 ? "s" : "");
          /* The same path on a shared file system: most likely the very
           * image it runs from, which a copy would write onto itself (two
           * QEMUs writing one image: QEMU refuses if the image is locked,
           * "Block node is read-only"; a qcow2 unlocked is corrupted). */
          if (d->dest_exists == VIRT_MIGRATE_FACT_YES &&
              virt_migrate_fs_shared (d->source_fs) &&
              g_strcmp0 (d->dest_path, d->source) == 0)
            add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_WARNING,
                 "On shared storage, migrate without a storage copy; else copy to another path (--disk-map SRC=DST)",
                 "%s: copied into %s, the path of the image it runs from, which is on a shared file system: if the "
                 "destination sees the same file, the copy writes the image onto itself", d->target, d->dest_path);
          else if (d->dest_exists == VIRT_MIGRATE_FACT_YES)
            add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_OK, NULL, "%s: copied into %s, which exists on the destination",
                 d->target, d->dest_path);
          else if (d->dest_pool != NULL)
            add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
                 "%s: copied to %s, created in the destination's storage pool %s", d->target, d->dest_path, d->dest_pool);
          else if (d->created_by_us && d->dest_dir_exists == VIRT_MIGRATE_FACT_NO)
            add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
                 "Create the directory there (its libvirtd's user must write in it), or map the disk elsewhere",
                 "%s: copied to %s (disk-map), whose directory is not on the destination: no storage pool can be "
                 "made there for the image (\"cannot open directory\")", d->target, d->dest_path);
          /* Its libvirtd makes the image as its own user (qemu-img create). */
          else if (d->created_by_us && d->dest_dir_writable == VIRT_MIGRATE_FACT_NO)
            add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
                 "Let the destination's libvirtd write in that directory (its owner, group or mode), or map the "
                 "disk elsewhere",
                 "%s: copied to %s (disk-map), in a directory that the destination's %s may not write in: it "
                 "cannot make the image there (\"Permission denied\")", d->target, d->dest_path,
                 virt_migrate_preflight_daemon (f));
          else if (d->created_by_us && d->dest_dir_exists == VIRT_MIGRATE_FACT_YES &&
                   d->dest_dir_writable == VIRT_MIGRATE_FACT_UNKNOWN)
            add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_WARNING,
                 "Make sure the destination's libvirtd may write in that directory",
                 "%s: copied to %s (disk-map), made there by %s: whether it may write in that directory cannot "
                 "be told (an access control list, or a directory that cannot be read)", d->target, d->dest_path,
                 virt_migrate_preflight_daemon (f));
          else if (d->created_by_us && f->dest_daemon != NULL)
            add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
                 "%s: copied to %s (disk-map), created there by %s, which may write in that directory, through "
                 "its storage API in a transient pool, and removed again if the migration fails", d->target,
                 d->dest_path, f->dest_daemon);
          else if (d->created_by_us)
            add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
                 "%s: copied to %s (disk-map), created there through its storage API in a transient pool "
                 "and removed again if the migration fails", d->target, d->dest_path);
          else
            add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
                 "Create the image there, define a storage pool covering its directory, or map it with "
                 "--disk-map SRC=DST",
                 "%s: nothing at %s on the destination and no storage pool there covers its directory",
                 d->target, d->dest_path);
          continue;
        }
      /* Not copied, on a file system of the source that libvirt counts as
       * local: it refuses the migration unless told it is safe
       * (qemuMigrationSrcIsSafe(), for every migration but an offline one). */
      if (d->written && !f->offline && d->source_fs == VIRT_MIGRATE_FS_LOCAL)
        {
          if (!f->unsafe)
            {
              add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
                   "Copy the storage (--copy-storage-all), or, if the destination sees this very file, "
                   "accept it with --unsafe",
                   "%s: %s is not copied and is on a file system of the source that libvirt counts as local "
                   "(not NFS, SMB, CephFS, GFS2, OCFS2, GlusterFS…): libvirt refuses the migration "
                   "(\"Migration without shared storage is unsafe\")", d->target, d->source);
              continue;
            }
          add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_WARNING, NULL,
               "%s: %s is not copied and is on a file system of the source that libvirt counts as local: "
               "accepted with --unsafe, the destination must see this very file", d->target, d->source);
        }
      /* Not copied: it must be shared, and safe to switch over live. (The
       * destination may know it by another path: its XML's, its pool's.) */
      g_free (named);
      named = g_strcmp0 (d->dest_path, d->source) == 0 ? g_strdup (d->source)
                                                       : g_strdup_printf ("%s there (%s here)", d->dest_path, d->source);
      if (d->dest_exists == VIRT_MIGRATE_FACT_YES && d->dest_openable == VIRT_MIGRATE_FACT_NO)
        add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             "Let the destination's libvirtd's user open it (its owner, group or mode, and the directories above it)",
             "%s: %s is on the destination, where its %s may not %s it: the guest cannot start there (\"Cannot "
             "access storage file … Permission denied\")", d->target, named,
             virt_migrate_preflight_daemon (f), d->written ? "read and write" : "read");
      else if (d->dest_exists == VIRT_MIGRATE_FACT_YES)
        add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_OK, NULL, "%s: %s is visible on the destination (shared)",
             d->target, named);
      else if (d->dest_exists == VIRT_MIGRATE_FACT_NO && d->pool != NULL)
        add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             "Copy the storage (--copy-storage-all: libvirt creates the volume there), or give the pool there "
             "the same storage",
             "%s: the destination's storage pool %s has no volume %s (a shared disk must be in it already)",
             d->target, d->pool, d->dest_path);
      else if (d->dest_exists == VIRT_MIGRATE_FACT_NO && d->dest_pool != NULL)
        add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             "Copy the storage (--copy-storage-all) or put the image on shared storage",
             "%s: %s is not on the destination (its pool %s has no such volume)", d->target, named,
             d->dest_pool);
      /* Looked at directly: this machine is the destination. libvirt
       * leaves out a medium whose startupPolicy allows it. */
      else if (d->dest_exists == VIRT_MIGRATE_FACT_NO && d->droppable)
        add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_WARNING, "Put the image there if the guest needs it",
             "%s: %s is missing on the destination: libvirt leaves the medium out there (its startupPolicy)",
             d->target, named);
      /* Offline only the definition moves (libvirt looks at no image). */
      else if (d->dest_exists == VIRT_MIGRATE_FACT_NO && f->offline)
        add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_WARNING, "Put the image there before the guest starts there",
             "%s: %s is missing on the destination: the definition moves, and the guest will not start there "
             "until it is there (\"Cannot access storage file\")", d->target, named);
      else if (d->dest_exists == VIRT_MIGRATE_FACT_NO)
        add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             d->written ? "Copy the storage (--copy-storage-all) or put the image on shared storage"
                        : "Put the image there at that path, or eject the medium first (virsh change-media --eject)",
             "%s: %s is missing on the destination: the guest cannot start there (\"Cannot access storage file\")",
             d->target, named);
      else
        add (v, "disk", VIRT_MIGRATE_CHECK_RESULT_WARNING,
             "Make sure it is shared, or copy the storage (--copy-storage-all)",
             "%s: whether %s is shared with the destination cannot be seen (no storage pool there covers it)",
             d->target, named);
      /* A cache mode other than none or directsync on a network file
       * system that is not a cluster one: libvirt refused it as unsafe
       * before 5.6; since, with a QEMU that drops the destination's page
       * cache at the switch-over (every QEMU libvirt 9.0 runs, from 4.2:
       * qemuMigrationSrcIsSafe()), it lets it go, and so do we, saying so. */
      if (f->live && !d->readonly && d->source_fs == VIRT_MIGRATE_FS_SHARED &&
          g_strcmp0 (d->cache, "none") != 0 && g_strcmp0 (d->cache, "directsync") != 0)
        add (v, "cache", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
             "%s: cache mode %s on a network file system: safe, the destination's QEMU drops its page "
             "cache of the image at the switch-over (libvirt before 5.6 refused it)", d->target,
             d->cache != NULL ? d->cache : "(the default)");
    }
}

/* The new images a storage copy makes there, against the room where each
 * is made (its file system, its pool): disks into the same place add up.
 * What a copy writes is about what the source's images take; more than is
 * free fails it part-way ("No space left on device"). */
void
virt_migrate_preflight_check_space (Verdict *v, const VirtMigratePreflightFacts *f)
{
  for (guint i = 0; i < f->disks->len; i++)
    {
      const VirtMigratePreflightDisk *d = g_ptr_array_index (f->disks, i);
      g_autoptr(GString) targets = g_string_new (NULL);
      guint64 bytes = 0;
      gboolean all_known = TRUE, first = TRUE;

      if (d->space_where == NULL || d->space_free == 0)
        continue;
      for (guint k = 0; k < f->disks->len && first; k++)
        {
          const VirtMigratePreflightDisk *e = g_ptr_array_index (f->disks, k);

          if (g_strcmp0 (e->space_where, d->space_where) != 0)
            continue;
          /* Said once a place, at its first disk. */
          if (k < i)
            first = FALSE;
          bytes += e->copy_bytes;
          all_known &= e->copy_bytes > 0;
          g_string_append_printf (targets, "%s%s", targets->len > 0 ? ", " : "", e->target);
        }
      if (!first)
        continue;
      if (bytes > d->space_free)
        add (v, "space", VIRT_MIGRATE_CHECK_RESULT_BLOCKER, "Free space there, or copy into another place (--disk-map)",
             "The copies of %s write about %.0f MiB into %s on the destination, which has %.0f MiB free: the copy "
             "fails part-way (\"No space left on device\")", targets->str, bytes / 1048576.0, d->space_where,
             d->space_free / 1048576.0);
      else if (all_known)
        add (v, "space", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
             "The copies of %s write about %.0f MiB (what the source's images take) into %s on the destination, "
             "which has %.0f MiB free", targets->str, bytes / 1048576.0, d->space_where, d->space_free / 1048576.0);
    }
}
