/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The images a storage copy makes on the destination (--disk-map), and
 * which of them go again when the migration does not succeed, against
 * libvirt's test driver (a source and a destination, each its own
 * test:///FILE node): one the pool has no room for named with libvirt's
 * reason; kept on success; removed after a failure;
 * kept in post-copy, where the guest runs on the destination from them;
 * kept where the guest of the same UUID runs there from one (a migration
 * libvirt says failed after the destination took over), removed where it
 * runs there from other disks. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "virt-migrate-dest-storage.h"

#define UUID "6695eb01-f6a4-8304-79aa-97f2502e193f"

static const char source_node[] =
  "<node>\n"
  "  <domain type='test'><name>g</name><uuid>" UUID "</uuid>\n"
  "    <memory>65536</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>\n"
  "    <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\n"
  "      <source file='/src/g.qcow2'/><target dev='vda' bus='virtio'/></disk></devices>\n"
  "  </domain>\n"
  "</node>\n";

typedef struct {
  char          *dir;
  virConnectPtr  src;
  virConnectPtr  dst;
  virDomainPtr   dom;
} Fixture;

/* A test driver node written into @f's directory, as a URI. */
static char *
node_uri (Fixture *f, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return g_strconcat ("test://", path, NULL);
}

/* The source (its guest with /src/g.qcow2) and the destination (a pool at
 * /dst and, with @guest_disk, a guest of the same UUID running there from
 * that disk). */
static void
fixture_open (Fixture *f, const char *guest_disk)
{
  g_autofree char *src_uri = NULL, *dst_uri = NULL, *dst_node = NULL, *guest = NULL;

  f->dir = g_dir_make_tmp ("test-dest-storage-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  if (guest_disk != NULL)
    guest = g_strdup_printf ("  <domain type='test'><name>g</name><uuid>" UUID "</uuid>\n"
                             "    <memory>65536</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>\n"
                             "    <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\n"
                             "      <source file='%s'/><target dev='vda' bus='virtio'/></disk></devices>\n"
                             "  </domain>\n", guest_disk);
  dst_node = g_strdup_printf ("<node>\n%s"
                              "  <pool type='dir'><name>dst</name><capacity unit='TiB'>4</capacity>\n"
                              "    <available unit='TiB'>4</available><target><path>/dst</path></target></pool>\n"
                              "</node>\n", guest != NULL ? guest : "");
  src_uri = node_uri (f, "src.xml", source_node);
  dst_uri = node_uri (f, "dst.xml", dst_node);
  f->src = virConnectOpen (src_uri);
  f->dst = virConnectOpen (dst_uri);
  g_assert_nonnull (f->src);
  g_assert_nonnull (f->dst);
  f->dom = virDomainLookupByName (f->src, "g");
  g_assert_nonnull (f->dom);
}

static void
fixture_close (Fixture *f)
{
  g_autofree char *src = g_build_filename (f->dir, "src.xml", NULL);
  g_autofree char *dst = g_build_filename (f->dir, "dst.xml", NULL);

  virDomainFree (f->dom);
  virConnectClose (f->src);
  virConnectClose (f->dst);
  g_unlink (src);
  g_unlink (dst);
  g_rmdir (f->dir);
  g_free (f->dir);
}

static VirtMigrateDestStorage *
storage_new (void)
{
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_new ("g", "test:///src", "test:///dst");
  const char *map[] = { "/src=/dst", NULL };

  g_object_set (request, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, "disk-map", map, NULL);
  return virt_migrate_dest_storage_new (request);
}

/* The storage for a --copy-storage-all --disk-map /src=/dst migration of
 * the source's guest, its image made in the destination's pool. (The test
 * driver's disks are of a terabyte, its pools of 100 GiB: prepare() cannot
 * make it, test_too_big() below; made here as prepare() does.) */
static VirtMigrateDestStorage *
prepared (Fixture *f)
{
  VirtMigrateDestStorage *storage = storage_new ();
  virStoragePoolPtr pool = virStoragePoolLookupByName (f->dst, "dst");
  virStorageVolPtr vol;

  g_assert_nonnull (pool);
  vol = virStorageVolCreateXML (pool, "<volume><name>g.qcow2</name><capacity unit='GiB'>1</capacity>"
                                      "<target><format type='qcow2'/></target></volume>", 0);
  g_assert_nonnull (vol);
  virStoragePoolFree (pool);
  virt_migrate_dest_storage_track (storage, f->dom, vol);
  g_assert_cmpuint (virt_migrate_dest_storage_get_n_created (storage), ==, 1);
  return storage;
}

static gboolean
image_there (Fixture *f)
{
  virStoragePoolPtr pool = virStoragePoolLookupByName (f->dst, "dst");
  virStorageVolPtr vol;

  g_assert_nonnull (pool);
  vol = virStorageVolLookupByName (pool, "g.qcow2");
  virStoragePoolFree (pool);
  if (vol == NULL)
    return FALSE;
  virStorageVolFree (vol);
  return TRUE;
}

/* An image the destination's pool has no room for: prepare() fails with
 * libvirt's reason (it read "libvirt gave no reason": the error read after
 * freeing the pool, which clears it), nothing made. */
static void
test_too_big (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  VirtMigrateDestStorage *storage;

  fixture_open (&f, NULL);
  storage = storage_new ();
  g_assert_false (virt_migrate_dest_storage_prepare (storage, f.dom, f.dst, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_LIBVIRT);
  g_assert_nonnull (strstr (error->message, "Cannot create /dst/g.qcow2 on the destination"));
  g_assert_nonnull (strstr (error->message, "Not enough free space in pool"));
  g_assert_cmpuint (virt_migrate_dest_storage_get_n_created (storage), ==, 0);
  g_assert_false (image_there (&f));
  virt_migrate_dest_storage_free (storage);
  fixture_close (&f);
}

/* How a migration ends, and whether the image made for it stays. */
typedef struct {
  const char *guest_disk; /* a guest of the same UUID runs on the destination from it; NULL: none there */
  gboolean    success;
  gboolean    postcopy;   /* broken in post-copy: the guest runs on the destination (even where the
                           * destination cannot say so any more), its disk's writes there only */
  const char *warning;    /* the warning finish() gives, NULL: none */
  gboolean    kept;
} Case;

static const Case succeeded = { NULL, TRUE, FALSE, NULL, TRUE };
static const Case failed = { NULL, FALSE, FALSE, NULL, FALSE };
static const Case postcopy = { NULL, FALSE, TRUE, NULL, TRUE };
static const Case runs_there = { "/dst/g.qcow2", FALSE, FALSE,
                                 "*/dst/g.qcow2, is kept: the guest runs on the destination from it", TRUE };
static const Case runs_there_from_others = { "/elsewhere/g.qcow2", FALSE, FALSE, NULL, FALSE };

static void
test_finish (gconstpointer data)
{
  const Case *c = data;
  Fixture f = { 0 };
  VirtMigrateDestStorage *storage;

  fixture_open (&f, c->guest_disk);
  storage = prepared (&f);
  g_assert_true (image_there (&f));
  if (c->warning != NULL)
    g_test_expect_message ("VirtMigrate", G_LOG_LEVEL_WARNING, c->warning);
  virt_migrate_dest_storage_finish (storage, c->success, c->postcopy);
  g_test_assert_expected_messages ();
  g_assert_cmpint (image_there (&f), ==, c->kept);
  virt_migrate_dest_storage_free (storage);
  g_assert_cmpint (image_there (&f), ==, c->kept);
  fixture_close (&f);
}

static void
quiet (void *data, virErrorPtr error)
{
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* (A lookup that finds nothing is an error libvirt would print.) */
  virSetErrorFunc (NULL, quiet);
  g_test_add_func ("/virt-migrate/dest-storage/too-big", test_too_big);
  g_test_add_data_func ("/virt-migrate/dest-storage/succeeded", &succeeded, test_finish);
  g_test_add_data_func ("/virt-migrate/dest-storage/failed", &failed, test_finish);
  g_test_add_data_func ("/virt-migrate/dest-storage/postcopy", &postcopy, test_finish);
  g_test_add_data_func ("/virt-migrate/dest-storage/runs-there", &runs_there, test_finish);
  g_test_add_data_func ("/virt-migrate/dest-storage/runs-there-from-others", &runs_there_from_others,
                        test_finish);
  return g_test_run ();
}
