/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every pre-flight rule, from what a host answers to the verdict: the
 * facts gathered through the hypervisor seam (virt-migrate-preflight-
 * gather.c) from the scripted fake, which serves libvirt's own recorded
 * XML (tests/recorded/) edited per case. No libvirtd. */
#include "config.h"

#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>
#include <unistd.h>

#include "fake-hypervisor.h"
#include "virt-migrate-guest-xml.h"
#include "virt-migrate-listeners.h"
#include "virt-migrate-local-daemons.h"
#include "virt-migrate-preflight-private.h"
#include "virt-migrate-request-private.h"
#include "virt-migrate.h"

#define MiB (G_GUINT64_CONSTANT (1024) * 1024)
#define GiB (MiB * 1024)
#define SRC "qemu+ssh://src.example.org/system"
#define DST "qemu+ssh://dst.example.org/system"
#define UUID "7a6f22e4-0000-4000-8000-000000000001"

/* The recorded guest's interface and CPU, as libvirt wrote them. */
#define USER_IFACE "<interface type='user'>"
#define CPU_CUSTOM "<cpu mode='custom' match='exact' check='none'>\n    <model fallback='forbid'>qemu64</model>\n  </cpu>"

typedef struct {
  FakeHypervisor     *hv;
  VirtMigrateRequest *request;
} Fixture;

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  fx->hv = fake_hypervisor_new ();
  fake_hypervisor_add_host (fx->hv, SRC, 1 * GiB);
  fake_hypervisor_add_host (fx->hv, DST, 4 * GiB);
  fake_hypervisor_add_guest (fx->hv, SRC, "web", UUID, 512 * MiB, TRUE);
  fx->request = virt_migrate_request_new ("web", SRC, DST);
  g_object_set (fx->request, "live", TRUE, NULL);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->request);
  g_clear_object (&fx->hv);
}

/* The destination shares the guest's disk: a pool over its directory, the
 * image in it. */
static void
share_disk (Fixture *fx)
{
  fake_hypervisor_add_pool (fx->hv, DST, "images", FAKE_DISK_DIR);
  fake_hypervisor_add_volume (fx->hv, DST, FAKE_DISK, FAKE_DISK_BACKING);
  fake_hypervisor_add_volume (fx->hv, DST, FAKE_DISK_BACKING, NULL);
}

static GVariant *
verdict (Fixture *fx)
{
  g_autoptr(VirtMigratePreflightFacts) facts = virt_migrate_preflight_facts_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (virt_migrate_preflight_gather (VIRT_MIGRATE_HYPERVISOR (fx->hv), fx->request, NULL, facts, &error));
  g_assert_no_error (error);
  return g_variant_ref_sink (virt_migrate_preflight_verdict (facts, DST));
}

static const char *
result_of (GVariant *v)
{
  const char *result = NULL;

  g_assert_true (g_variant_lookup (v, "result", "&s", &result));
  return result;
}

/* Whether @v has a check @check with @result whose reason matches the
 * glob @reason (NULL: any). */
static gboolean
has (GVariant *v, const char *check, const char *result, const char *reason)
{
  g_autoptr(GVariant) checks = g_variant_lookup_value (v, "checks", G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter iter;
  GVariant *c;

  g_variant_iter_init (&iter, checks);
  while ((c = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *name = "", *res = "", *why = "";
      gboolean match;

      g_variant_lookup (c, "check", "&s", &name);
      g_variant_lookup (c, "result", "&s", &res);
      g_variant_lookup (c, "reason", "&s", &why);
      match = g_str_equal (name, check) && g_str_equal (res, result) &&
              (reason == NULL || g_pattern_match_simple (reason, why));
      g_variant_unref (c);
      if (match)
        return TRUE;
    }
  return FALSE;
}

static void
dump (GVariant *v)
{
  g_autofree char *text = g_variant_print (v, FALSE);

  g_test_message ("%s", text);
}

#define assert_has(v, check, result, reason) \
  G_STMT_START { if (!has (v, check, result, reason)) { dump (v); \
    g_error ("no %s check %s matching '%s'", result, check, reason ? reason : "*"); } } G_STMT_END

static void
test_all_ok (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("The recorded guest to a destination that shares its disk: every check ok, each "
                  "read from libvirt's recorded XML");
  share_disk (fx);
  v = verdict (fx);
  g_assert_cmpstr (result_of (v), ==, "ok");
  assert_has (v, "reachable", "ok", DST " answers");
  assert_has (v, "other-host", "ok", DST " is another host (host UUID *)");
  assert_has (v, "name", "ok", NULL);
  assert_has (v, "machine", "ok", "The destination offers machine type pc-i440fx-7.2 with /usr/bin/qemu-system-x86_64");
  assert_has (v, "cpu", "ok", "The destination can run the guest's CPU (custom)");
  assert_has (v, "memory", "ok", "512 MiB of memory needed, 4096 MiB free there");
  assert_has (v, "devices", "ok", "The destination offers the guest's disk bus virtio, disk bus ide, graphics vnc, video model cirrus");
  assert_has (v, "disk", "ok", "vda: " FAKE_DISK " is visible on the destination (shared)");
  assert_has (v, "snapshots", "ok", "The guest has no snapshots*");
  g_assert_false (has (v, "disk", "ok", "hdc*"));
  g_assert_cmpuint (fake_hypervisor_get_n_gathered (fx->hv), ==, 1);
}

/* A guest libvirt runs a job on (another client's migration, a block
 * copy…): it starts no migration until that ends. */
static void
test_busy (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A guest in a job of libvirt's: a blocker naming the job, with the way out; none: no line");
  share_disk (fx);
  v = verdict (fx);
  g_assert_false (has (v, "busy", "blocker", NULL) || has (v, "busy", "ok", NULL));
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_set_busy (fx->hv, SRC, "web", "a block job on vda");
  v = verdict (fx);
  g_assert_cmpstr (result_of (v), ==, "blocker");
  assert_has (v, "busy", "blocker",
              "libvirt is running a block job on vda on the guest now: it starts no migration of it until that ends");
}

/* libvirt refuses to migrate a guest with snapshots (their metadata would
 * stay behind): the source's count, asked with the guest. */
static void
test_snapshots (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A guest with snapshots: a blocker in libvirt's words, with the way out; even with the "
                  "destination unreachable; a count not known says nothing");
  share_disk (fx);
  fake_hypervisor_set_snapshots (fx->hv, SRC, "web", 2);
  v = verdict (fx);
  g_assert_cmpstr (result_of (v), ==, "blocker");
  assert_has (v, "snapshots", "blocker",
              "The guest has 2 snapshots: libvirt refuses to migrate it (\"cannot migrate domain with 2 snapshots\")");
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_set_reachable (fx->hv, DST, FALSE);
  v = verdict (fx);
  assert_has (v, "snapshots", "blocker", "The guest has 2 snapshots*");
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_set_reachable (fx->hv, DST, TRUE);
  fake_hypervisor_set_snapshots (fx->hv, SRC, "web", -1);
  v = verdict (fx);
  g_assert_cmpstr (result_of (v), ==, "ok");
  g_assert_false (has (v, "snapshots", "ok", NULL) || has (v, "snapshots", "blocker", NULL) ||
                  has (v, "snapshots", "unknown", NULL));
}

static void
test_unreachable (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A destination that cannot be reached is a blocker with libvirt's message; every check "
                  "that needs it is unknown");
  fake_hypervisor_set_reachable (fx->hv, DST, FALSE);
  v = verdict (fx);
  g_assert_cmpstr (result_of (v), ==, "blocker");
  /* The destination named once, then libvirt's reason. */
  assert_has (v, "reachable", "blocker", "Cannot connect to " DST ": Failed to connect socket*No such file or directory*");
  assert_has (v, "name", "unknown", NULL);
  assert_has (v, "memory", "unknown", NULL);
  assert_has (v, "cpu", "unknown", NULL);
}

static void
test_unreachable_p2p (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("Peer-to-peer, only the source's libvirtd must reach the destination: unknown, not a blocker");
  fake_hypervisor_set_reachable (fx->hv, DST, FALSE);
  g_object_set (fx->request, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, NULL);
  v = verdict (fx);
  g_assert_cmpstr (result_of (v), ==, "unknown");
  assert_has (v, "reachable", "unknown", "*peer-to-peer*");
}

static void
test_same_host (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;
  g_autofree char *caps_uuid = g_strdup ("0f0f0f0f-0000-4000-8000-000000000001");

  g_test_summary ("Two URIs of one machine (the same host UUID in both capabilities): a blocker");
  fake_hypervisor_set_host_uuid (fx->hv, SRC, caps_uuid);
  fake_hypervisor_set_host_uuid (fx->hv, DST, caps_uuid);
  v = verdict (fx);
  assert_has (v, "other-host", "blocker", NULL);
}

static void
test_name_conflict (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("Another guest of the same name on the destination (another UUID): a blocker naming it");
  fake_hypervisor_add_guest (fx->hv, DST, "web", "99999999-0000-4000-8000-000000000001", 64 * MiB, FALSE);
  v = verdict (fx);
  g_assert_cmpstr (result_of (v), ==, "blocker");
  assert_has (v, "name", "blocker", "A different guest of the same name (UUID 99999999-0000-4000-8000-000000000001, "
                                    "defined, not running)*");
}

static void
test_name_conflict_dest_name (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("With dest-name the conflict is looked for under the new name: none for the old");
  fake_hypervisor_add_guest (fx->hv, DST, "web", "99999999-0000-4000-8000-000000000001", 64 * MiB, TRUE);
  g_object_set (fx->request, "dest-name", "web2", NULL);
  v = verdict (fx);
  assert_has (v, "name", "ok", NULL);
  fake_hypervisor_add_guest (fx->hv, DST, "web2", "99999999-0000-4000-8000-000000000002", 64 * MiB, TRUE);
  g_clear_pointer (&v, g_variant_unref);
  v = verdict (fx);
  assert_has (v, "name", "blocker", "*running*");
}

static void
test_uuid_running (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("The guest itself already runs on the destination: a blocker");
  fake_hypervisor_add_guest (fx->hv, DST, "web", UUID, 512 * MiB, TRUE);
  v = verdict (fx);
  assert_has (v, "uuid", "blocker", "This guest (its UUID) already runs on the destination");
  assert_has (v, "name", "ok", NULL);
}

static void
test_uuid_defined (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("The guest's configuration on the destination, not running: ok, it is replaced");
  fake_hypervisor_add_guest (fx->hv, DST, "web", UUID, 512 * MiB, FALSE);
  v = verdict (fx);
  assert_has (v, "uuid", "ok", "The destination has this guest's configuration, not running*");
}

static void
test_machine_missing (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("Domain capabilities refused for the guest's machine type: a blocker with libvirt's message");
  fake_hypervisor_fail_domcaps (fx->hv, DST, FALSE);
  v = verdict (fx);
  assert_has (v, "machine", "blocker", "The destination cannot run machine type pc-i440fx-7.2 with "
                                       "/usr/bin/qemu-system-x86_64: invalid argument: the machine*");
  g_assert_false (has (v, "devices", "ok", NULL));
}

static void
test_machine_denied (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("Domain capabilities denied (a read-only connection): not a blocker, devices not checked");
  fake_hypervisor_fail_domcaps (fx->hv, DST, TRUE);
  v = verdict (fx);
  assert_has (v, "machine", "ok", NULL);
  g_assert_false (has (v, "machine", "blocker", NULL));
  g_assert_false (has (v, "devices", "ok", NULL));
}

static void
test_cpu_incompatible (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("libvirt says the guest's CPU is incompatible with the destination's: a blocker with its reason");
  fake_hypervisor_set_cpu_compare (fx->hv, DST, VIRT_MIGRATE_CPU_INCOMPATIBLE,
                                   "the CPU is incompatible with host CPU: Host CPU does not provide required "
                                   "features: avx512f");
  v = verdict (fx);
  assert_has (v, "cpu", "blocker", "The guest's CPU (custom) is incompatible with the destination's: *avx512f");
}

static void
test_cpu_error (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("The CPU comparison failing: a warning, not a blocker");
  fake_hypervisor_set_cpu_compare (fx->hv, DST, -1, "internal error: unknown CPU model");
  v = verdict (fx);
  assert_has (v, "cpu", "warning", "*could not be compared*unknown CPU model");
  g_assert_cmpstr (result_of (v), !=, "blocker");
}

static void
test_cpu_passthrough (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("host-passthrough is not compared (libvirt cannot) and warned about");
  fake_hypervisor_set_cpu_compare (fx->hv, DST, VIRT_MIGRATE_CPU_INCOMPATIBLE, "must not be asked");
  fake_hypervisor_edit_guest (fx->hv, SRC, "web", CPU_CUSTOM, "<cpu mode='host-passthrough' check='none'/>");
  v = verdict (fx);
  assert_has (v, "cpu", "warning", "The guest passes the source's CPU through*");
}

static void
test_memory_short (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("More memory than the destination has free: a blocker");
  fake_hypervisor_add_guest (fx->hv, SRC, "big", "7a6f22e4-0000-4000-8000-000000000002", 6 * GiB, TRUE);
  g_object_set (fx->request, "domain", "big", NULL);
  v = verdict (fx);
  assert_has (v, "memory", "blocker", "The guest has 6144 MiB of memory and the destination 4096 MiB free");
}

static void
test_memory_tight (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("Memory that would leave the destination less than a tenth free: a warning");
  fake_hypervisor_add_guest (fx->hv, SRC, "big", "7a6f22e4-0000-4000-8000-000000000002", 3800 * MiB, TRUE);
  g_object_set (fx->request, "domain", "big", NULL);
  v = verdict (fx);
  assert_has (v, "memory", "warning", "*less than a tenth*");
}

static void
test_memory_not_running (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A guest that does not run takes no memory on the destination (offline); migrated otherwise "
                  "than offline, a blocker in libvirt's words");
  fake_hypervisor_add_guest (fx->hv, SRC, "off", "7a6f22e4-0000-4000-8000-000000000003", 6 * GiB, FALSE);
  g_object_set (fx->request, "domain", "off", "live", FALSE, "offline", TRUE, NULL);
  v = verdict (fx);
  g_assert_false (has (v, "memory", "blocker", NULL));
  g_assert_false (has (v, "state", "blocker", NULL));
  g_clear_pointer (&v, g_variant_unref);
  g_object_set (fx->request, "live", TRUE, "offline", FALSE, NULL);
  v = verdict (fx);
  assert_has (v, "state", "blocker", "The guest is not running (*): libvirt migrates it only offline*");
}

static void
test_device_not_offered (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A disk bus the destination's QEMU does not offer (its domain capabilities): a blocker");
  fake_hypervisor_edit_domcaps (fx->hv, DST, "<value>scsi</value>\n        <value>virtio</value>", "<value>scsi</value>");
  v = verdict (fx);
  assert_has (v, "devices", "blocker", "The destination's QEMU offers no disk bus virtio, which the guest uses");
  assert_has (v, "devices", "ok", "The destination offers the guest's disk bus ide, graphics vnc, video model cirrus");
}

static void
test_hostdev (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A PCI host device: a blocker");
  fake_hypervisor_edit_guest (fx->hv, SRC, "web", "<memballoon model='none'/>",
                              "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' "
                              "bus='0x06' slot='0x00' function='0x0'/></source></hostdev><memballoon model='none'/>");
  v = verdict (fx);
  assert_has (v, "devices", "blocker", "The guest has a host device passed through, <hostdev mode='subsystem' type='pci'>: *");
}

static void
use_network (Fixture *fx, const char *name)
{
  g_autofree char *iface = g_strdup_printf ("<interface type='network'><source network='%s'/>", name);

  fake_hypervisor_edit_guest (fx->hv, SRC, "web", USER_IFACE, iface);
}

static void
test_network_missing (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("The guest's virtual network absent, or not active, on the destination: a blocker");
  use_network (fx, "prod");
  v = verdict (fx);
  assert_has (v, "network", "blocker", "The guest's network prod does not exist (or is not active) on the destination");
  fake_hypervisor_add_network (fx->hv, DST, "network", "prod", FALSE);
  g_clear_pointer (&v, g_variant_unref);
  v = verdict (fx);
  assert_has (v, "network", "blocker", NULL);
  fake_hypervisor_add_network (fx->hv, DST, "network", "prod", TRUE);
  g_clear_pointer (&v, g_variant_unref);
  v = verdict (fx);
  assert_has (v, "network", "ok", "The network prod exists on the destination");
}

static void
test_network_map (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;
  const char *map[] = { "prod=lab", NULL };

  g_test_summary ("network-map: the mapped network is the one looked for");
  use_network (fx, "prod");
  fake_hypervisor_add_network (fx->hv, DST, "network", "lab", TRUE);
  g_object_set (fx->request, "network-map", map, NULL);
  v = verdict (fx);
  assert_has (v, "network", "ok", "The network lab exists on the destination");
  g_assert_false (has (v, "network", "blocker", NULL));
}

static void
test_bridge (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A bridge interface: the host interface is looked for on the destination");
  fake_hypervisor_edit_guest (fx->hv, SRC, "web", USER_IFACE, "<interface type='bridge'><source bridge='br0'/>");
  v = verdict (fx);
  assert_has (v, "network", "blocker", "The guest's bridge br0 does not exist*");
  fake_hypervisor_add_network (fx->hv, DST, "bridge", "br0", TRUE);
  g_clear_pointer (&v, g_variant_unref);
  v = verdict (fx);
  assert_has (v, "network", "ok", "The bridge br0 exists on the destination");
}

static void
test_disk_unseen (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("Shared storage no pool of a remote destination covers: cannot be seen, a warning");
  v = verdict (fx);
  assert_has (v, "disk", "warning", "vda: whether " FAKE_DISK " is shared with the destination cannot be seen*");
}

static void
test_disk_absent (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A pool over the disk's directory without the image: not shared, a blocker");
  fake_hypervisor_add_pool (fx->hv, DST, "images", FAKE_DISK_DIR);
  v = verdict (fx);
  assert_has (v, "disk", "blocker", "vda: " FAKE_DISK " is not on the destination (its pool images has no such volume)");
}

static void
test_copy_nowhere (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A storage copy with no image and no pool there: a blocker; the chain is copied whole");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, NULL);
  v = verdict (fx);
  assert_has (v, "disk", "blocker", "vda: nothing at " FAKE_DISK " on the destination and no storage pool there*");
  assert_has (v, "backing", "ok", "vda: the whole chain (the top image and 1 backing file) is copied into one image there");
}

static void
test_copy_into_image_there (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A storage copy into an image already there (its volume XML, the disk's from the source's): of "
                  "the disk's size and format ok; of another size, not qcow2 for a qcow2 disk, or qcow2 for a raw "
                  "one, a blocker in QEMU's words; a size not known, nothing claimed of it");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, NULL);
  fake_hypervisor_add_pool (fx->hv, DST, "images", FAKE_DISK_DIR);
  fake_hypervisor_add_volume (fx->hv, DST, FAKE_DISK, NULL);
  fake_hypervisor_add_volume (fx->hv, SRC, FAKE_DISK, NULL);
  v = verdict (fx);
  assert_has (v, "disk", "ok", "vda: copied into " FAKE_DISK ", which exists on the destination");
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_edit_volume (fx->hv, DST, FAKE_DISK, "<capacity unit='bytes'>16777216</capacity>",
                               "<capacity unit='bytes'>8388608</capacity>");
  v = verdict (fx);
  assert_has (v, "disk", "blocker", "vda: copied into " FAKE_DISK ", which exists on the destination and holds a disk "
                                    "of 8388608 bytes, where the guest's is 16777216: QEMU fails the copy part-way*");
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_edit_volume (fx->hv, DST, FAKE_DISK, "<format type='qcow2'/>", "<format type='raw'/>");
  v = verdict (fx);
  assert_has (v, "disk", "blocker", "vda: copied into " FAKE_DISK ", which exists on the destination as a raw image, "
                                    "where the disk is qcow2*");
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_edit_volume (fx->hv, DST, FAKE_DISK, "<format type='raw'/>", "<format type='qcow2'/>");
  fake_hypervisor_edit_volume (fx->hv, DST, FAKE_DISK, "<capacity unit='bytes'>8388608</capacity>", "");
  v = verdict (fx);
  assert_has (v, "disk", "ok", "vda: copied into " FAKE_DISK ", which exists on the destination");
  g_clear_pointer (&v, g_variant_unref);
  /* A raw disk reads a qcow2 image there as raw, of its file's length:
   * QEMU refuses the copy (test-storage-chain 7 for real). */
  fake_hypervisor_edit_volume (fx->hv, DST, FAKE_DISK, "<allocation", "<capacity unit='bytes'>8388608</capacity><allocation");
  fake_hypervisor_edit_guest (fx->hv, SRC, "web", "<driver name='qemu' type='qcow2' cache='none'/>",
                              "<driver name='qemu' type='raw' cache='none'/>");
  v = verdict (fx);
  assert_has (v, "disk", "blocker", "vda: copied into " FAKE_DISK ", which exists on the destination as a qcow2 image, "
                                    "where the disk is raw: QEMU opens it as raw there*");
}

static void
test_copy_into_pool (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A storage copy where a pool covers the directory: created there; what the copy writes (the "
                  "source's volumes' allocation: the chain, the top image only of an incremental copy) against "
                  "the pool's <available>: said, a blocker when more; nothing claimed when not known");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, NULL);
  fake_hypervisor_add_pool (fx->hv, DST, "images", FAKE_DISK_DIR);
  v = verdict (fx);
  assert_has (v, "disk", "ok", "vda: copied to " FAKE_DISK ", created in the destination's storage pool images");
  g_assert_cmpstr (result_of (v), ==, "ok");
  g_assert_false (has (v, "space", "ok", NULL));
  g_clear_pointer (&v, g_variant_unref);

  fake_hypervisor_add_volume (fx->hv, SRC, FAKE_DISK, FAKE_DISK_BACKING);
  fake_hypervisor_add_volume (fx->hv, SRC, FAKE_DISK_BACKING, NULL);
  fake_hypervisor_edit_volume (fx->hv, SRC, FAKE_DISK, "<allocation unit='bytes'>200704</allocation>",
                               "<allocation unit='bytes'>3221225472</allocation>");
  fake_hypervisor_edit_volume (fx->hv, SRC, FAKE_DISK_BACKING, "<allocation unit='bytes'>200704</allocation>",
                               "<allocation unit='bytes'>1073741824</allocation>");
  v = verdict (fx);
  assert_has (v, "space", "ok", "The copies of vda write about 4096 MiB (what the source's images take) into the "
                                "storage pool images on the destination, which has 240450 MiB free");
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_edit_pool (fx->hv, DST, "images", "<available unit='bytes'>252130414592</available>",
                             "<available unit='bytes'>4000000000</available>");
  v = verdict (fx);
  assert_has (v, "space", "blocker", "The copies of vda write about 4096 MiB into the storage pool images on the "
                                     "destination, which has 3815 MiB free*");
  g_clear_pointer (&v, g_variant_unref);
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL, NULL);
  fake_hypervisor_add_volume (fx->hv, DST, FAKE_DISK_BACKING, NULL);
  v = verdict (fx);
  assert_has (v, "space", "ok", "The copies of vda write about 3072 MiB*");
}

static void
test_copy_disk_map_pool (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;
  const char *map[] = { FAKE_DISK_DIR "=fast", NULL };

  g_test_summary ("disk-map onto a storage pool by name: the pool's directory, read from its XML");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, "disk-map", map, NULL);
  fake_hypervisor_add_pool (fx->hv, DST, "fast", "/srv/fast");
  v = verdict (fx);
  assert_has (v, "disk", "ok", "vda: copied to /srv/fast/web.qcow2, created in the destination's storage pool fast");
}

/* A disk that is a storage pool's volume: libvirt finds the pool by name
 * on each host (test-check 6i for real). */
static void
test_volume_disk (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;
  const char *map[] = { FAKE_DISK_DIR "=/srv/new", NULL };

  g_test_summary ("A volume disk: its path where the source's pool says; no pool of that name there a blocker, "
                  "copied or not; copied into the pool there (a disk-map, which maps paths, leaves it alone); "
                  "left in place, the volume must be in it");
  fake_hypervisor_edit_guest (fx->hv, SRC, "web", "<disk type='file' device='disk'>", "<disk type='volume' device='disk'>");
  fake_hypervisor_edit_guest (fx->hv, SRC, "web", "<source file='" FAKE_DISK "'", "<source pool='images' volume='web.qcow2'");
  fake_hypervisor_add_pool (fx->hv, SRC, "images", FAKE_DISK_DIR);
  fake_hypervisor_add_pool (fx->hv, DST, "other", "/srv/other");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, "disk-map", map, NULL);
  v = verdict (fx);
  assert_has (v, "disk", "blocker", "vda: a volume of the storage pool images, which the destination lacks (or has "
                                    "not started): libvirt looks it up by name there and fails*");
  g_clear_pointer (&v, g_variant_unref);

  fake_hypervisor_add_pool (fx->hv, DST, "images", "/srv/images");
  v = verdict (fx);
  assert_has (v, "disk", "ok", "vda: copied to /srv/images/web.qcow2, created in the destination's storage pool images");
  g_assert_cmpstr (result_of (v), ==, "ok");
  g_clear_pointer (&v, g_variant_unref);

  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_SHARED, "disk-map", NULL, NULL);
  v = verdict (fx);
  assert_has (v, "disk", "blocker", "vda: the destination's storage pool images has no volume /srv/images/web.qcow2*");
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_add_volume (fx->hv, DST, "/srv/images/web.qcow2", NULL);
  v = verdict (fx);
  assert_has (v, "disk", "ok", "vda: /srv/images/web.qcow2 there (" FAKE_DISK " here) is visible on the destination "
                               "(shared)");
}

/* An NVMe disk (a host's PCI device the guest's QEMU drives): the test bed
 * has none, so the rule is tested here only. */
static void
test_nvme (Fixture *fx, gconstpointer data)
{
  const char *map[] = { "/srv=/data", NULL };
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("An NVMe disk left in place: a blocker in libvirt's words (it counts one unsafe, "
                  "qemuMigrationSrcIsSafe()), a warning with --unsafe; copied a warning (into what the destination "
                  "XML names); read-only or offline no rule; never a path looked for (a disk-map too)");
  share_disk (fx);
  fake_hypervisor_edit_guest (fx->hv, SRC, "web", "</devices>",
                              "<disk type='nvme' device='disk'><driver name='qemu' type='raw'/><source type='pci' "
                              "managed='yes' namespace='2'><address domain='0x0000' bus='0x01' slot='0x00' "
                              "function='0x0'/></source><target dev='vdz' bus='virtio'/></disk></devices>");
  v = verdict (fx);
  assert_has (v, "disk", "blocker", "vdz: an NVMe disk (the host's PCI 0000:01:00.0 namespace 2), not copied: libvirt "
                                    "refuses the migration (\"Migration without shared storage is unsafe\")");
  g_clear_pointer (&v, g_variant_unref);
  g_object_set (fx->request, "unsafe", TRUE, NULL);
  v = verdict (fx);
  assert_has (v, "disk", "warning", "vdz: an NVMe disk *accepted with --unsafe*");
  g_clear_pointer (&v, g_variant_unref);
  g_object_set (fx->request, "unsafe", FALSE, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, "disk-map", map, NULL);
  v = verdict (fx);
  assert_has (v, "disk", "warning", "vdz: an NVMe disk (the host's PCI 0000:01:00.0 namespace 2), copied*");
  g_clear_pointer (&v, g_variant_unref);
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_SHARED, "disk-map", NULL, "live", FALSE, "offline", TRUE,
                "persist-dest", TRUE, NULL);
  v = verdict (fx);
  g_assert_false (has (v, "disk", "blocker", "vdz*") || has (v, "disk", "warning", "vdz*"));
  g_clear_pointer (&v, g_variant_unref);
  g_object_set (fx->request, "live", TRUE, "offline", FALSE, "persist-dest", FALSE, NULL);
  fake_hypervisor_edit_guest (fx->hv, SRC, "web", "<target dev='vdz' bus='virtio'/>",
                              "<target dev='vdz' bus='virtio'/><readonly/>");
  v = verdict (fx);
  g_assert_false (has (v, "disk", "blocker", "vdz*") || has (v, "disk", "warning", "vdz*"));
}

/* A guest whose VNC port is fixed (test-check 6m for real). */
static void
test_ports (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A fixed graphics port, from the guest's migratable XML (or --xml), against the ports the "
                  "destination's running guests hold (their live XML): the recorded guest's autoport none; "
                  "one a guest there was given a blocker, a free one ok; offline none");
  v = verdict (fx);
  g_assert_false (has (v, "ports", "ok", NULL) || has (v, "ports", "warning", NULL) || has (v, "ports", "blocker", NULL));
  g_clear_pointer (&v, g_variant_unref);

  fake_hypervisor_add_guest (fx->hv, DST, "other", "7a6f22e4-0000-4000-8000-000000000002", 512 * MiB, TRUE);
  fake_hypervisor_edit_guest (fx->hv, SRC, "web", "<graphics type='vnc' port='-1' autoport='yes'>",
                              "<graphics type='vnc' port='5900' autoport='no'>");
  v = verdict (fx);
  assert_has (v, "ports", "blocker", "VNC port 5900 is taken there: guest other listens on VNC port 5900 on 127.0.0.1*");
  g_clear_pointer (&v, g_variant_unref);

  g_object_set (fx->request, "dest-xml", "<domain><name>web</name><uuid>" UUID "</uuid><devices><graphics type='vnc' "
                "port='5901' autoport='no'><listen type='address' address='0.0.0.0'/></graphics></devices></domain>",
                NULL);
  v = verdict (fx);
  assert_has (v, "ports", "ok", "VNC port 5901 on 0.0.0.0: no guest of the destination holds it*");
  g_clear_pointer (&v, g_variant_unref);

  g_object_set (fx->request, "dest-xml", NULL, "live", FALSE, "offline", TRUE, "persist-dest", TRUE, NULL);
  v = verdict (fx);
  g_assert_false (has (v, "ports", "blocker", NULL) || has (v, "ports", "ok", NULL));
}

/* No migrate URI: the destination names itself (its host name, asked
 * through the seam); a remote one's migration_host is not seen. */
static void
test_dest_name (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("No migrate URI: the destination's host name asked through the seam, one beginning with "
                  "localhost a warning for a remote destination (its qemu.conf not seen), a remote source's lookup "
                  "not made; a migrate URI or a tunnelled migration: not asked; offline: asked (libvirt refuses a localhost "
                  "name even then)");
  v = verdict (fx);
  g_assert_false (has (v, "stream", "ok", NULL) || has (v, "stream", "warning", NULL));
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_set_host_name (fx->hv, DST, "dst.example.org");
  v = verdict (fx);
  g_assert_false (has (v, "stream", "ok", NULL) || has (v, "stream", "warning", NULL) || has (v, "stream", "blocker", NULL));
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_set_host_name (fx->hv, DST, "localhost.localdomain");
  v = verdict (fx);
  assert_has (v, "stream", "warning", "*its name is 'localhost.localdomain' (its host name): libvirt refuses it*"
              "unless its qemu.conf sets migration_host (not seen from here)");
  g_clear_pointer (&v, g_variant_unref);
  g_object_set (fx->request, "hypervisor-uri", "tcp://192.0.2.7", NULL);
  v = verdict (fx);
  g_assert_false (has (v, "stream", "warning", NULL));
  g_clear_pointer (&v, g_variant_unref);
  g_object_set (fx->request, "hypervisor-uri", NULL, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER,
                "transport", VIRT_MIGRATE_TRANSPORT_TUNNELLED, NULL);
  v = verdict (fx);
  g_assert_false (has (v, "stream", "warning", NULL));
  g_clear_pointer (&v, g_variant_unref);
  /* Offline, libvirt refuses a localhost name all the same. */
  g_object_set (fx->request, "transport", VIRT_MIGRATE_TRANSPORT_NATIVE, "live", FALSE, "offline", TRUE,
                "persist-dest", TRUE, NULL);
  v = verdict (fx);
  assert_has (v, "stream", "warning", "*its name is 'localhost.localdomain' (its host name): libvirt refuses it*");
}

/* An XML of another guest: refused before any verdict, as libvirt does. */
static void
test_other_guest_xml (Fixture *fx, gconstpointer data)
{
  g_autoptr(VirtMigratePreflightFacts) facts = virt_migrate_preflight_facts_new ();
  g_autoptr(GError) error = NULL;

  g_test_summary ("A destination XML naming the guest otherwise, or of another UUID: no verdict, the reason");
  g_object_set (fx->request, "dest-xml", "<domain><name>web2</name><uuid>" UUID "</uuid></domain>", NULL);
  g_assert_false (virt_migrate_preflight_gather (VIRT_MIGRATE_HYPERVISOR (fx->hv), fx->request, NULL, facts, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DEST_XML_UUID_MISMATCH);
  g_assert_nonnull (strstr (error->message, "'dest-xml' names the guest 'web2', but it is 'web'"));
  g_clear_error (&error);
  g_object_set (fx->request, "dest-xml", "<domain><name>web</name><uuid>7a6f22e4-0000-4000-8000-00000000000f</uuid>"
                "</domain>", NULL);
  g_assert_false (virt_migrate_preflight_gather (VIRT_MIGRATE_HYPERVISOR (fx->hv), fx->request, NULL, facts, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DEST_XML_UUID_MISMATCH);
}

/* A guest on huge pages (test-check 6j for real). */
static void
test_hugepages (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A guest on huge pages: its <memory> in pages of the size asked for, against the destination's "
                  "free pages of that size (none of that size: 0); not asked there: a warning");
  fake_hypervisor_edit_guest (fx->hv, SRC, "web", "<os>", "<memoryBacking><hugepages/></memoryBacking><os>");
  fake_hypervisor_set_free_pages (fx->hv, DST, 2048, 255);
  v = verdict (fx);
  assert_has (v, "memory", "blocker", "The guest's memory is on huge pages of 2048 KiB: it needs 256 of them and the "
                                      "destination has 255 free*");
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_set_free_pages (fx->hv, DST, 2048, 256);
  v = verdict (fx);
  assert_has (v, "memory", "ok", "256 huge pages of 2048 KiB needed, 256 free there");
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_edit_guest (fx->hv, SRC, "web", "<hugepages/>",
                              "<hugepages><page size='1048576' unit='KiB'/></hugepages>");
  v = verdict (fx);
  assert_has (v, "memory", "blocker", "*it needs 1 of them and the destination has 0 free*");
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_set_free_pages (fx->hv, DST, 2048, -1);
  v = verdict (fx);
  assert_has (v, "memory", "warning", "The guest's memory is on huge pages of 1048576 KiB (1 of them): how many*");
}

/* A UEFI guest between two machines (test-check 6l: on one machine). */
static void
test_nvram (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A UEFI guest's variables file on a remote source: running, they move (named); offline a "
                  "warning (its file system not known from here); its firmware file, not seen there a warning, "
                  "listed in the destination's domain capabilities ok");
  fake_hypervisor_edit_guest (fx->hv, SRC, "web", "</os>",
                              "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"
                              "<nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/var/lib/libvirt/qemu/nvram/"
                              "web_VARS.fd</nvram></os>");
  v = verdict (fx);
  assert_has (v, "firmware", "ok", "The guest's UEFI variables (/var/lib/libvirt/qemu/nvram/web_VARS.fd) move with it: "
                                   "QEMU writes them into /var/lib/libvirt/qemu/nvram/web_VARS.fd there at the switch-over");
  /* Its firmware file: not seen on a remote destination, unless its libvirt lists it. */
  assert_has (v, "files", "warning", "The guest's firmware is /usr/share/OVMF/OVMF_CODE_4M.fd: the destination needs it*");
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_edit_domcaps (fx->hv, DST, "<loader supported='yes'>",
                                "<loader supported='yes'><value>/usr/share/OVMF/OVMF_CODE_4M.fd</value>");
  v = verdict (fx);
  assert_has (v, "files", "ok", "The guest's firmware is /usr/share/OVMF/OVMF_CODE_4M.fd, which is on the destination");
  g_clear_pointer (&v, g_variant_unref);
  g_object_set (fx->request, "live", FALSE, "offline", TRUE, "persist-dest", TRUE, NULL);
  v = verdict (fx);
  assert_has (v, "firmware", "warning", "The guest's UEFI variables are in /var/lib/libvirt/qemu/nvram/web_VARS.fd, "
                                        "a file an offline migration does not move*");
}

static void
test_copy_disk_map_dir (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;
  const char *map[] = { FAKE_DISK_DIR "=/srv/new", NULL };

  g_test_summary ("disk-map onto a directory no pool covers: made there by virt-migrate");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, "disk-map", map, NULL);
  v = verdict (fx);
  assert_has (v, "disk", "ok", "vda: copied to /srv/new/web.qcow2 (disk-map), created there through its storage API*");
}

static void
test_copy_onto_other_guest (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;
  const char *map[] = { FAKE_DISK_DIR "=/srv/new", NULL };

  g_test_summary ("A storage copy into the image of another guest of the destination (the recorded XML's "
                  "disk, defined there, not running): a blocker naming it, though the image is there (the copy "
                  "would overwrite it; libvirt does); mapped elsewhere, ok");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, NULL);
  share_disk (fx);
  fake_hypervisor_add_guest (fx->hv, DST, "db", "99999999-0000-4000-8000-000000000003", 64 * MiB, FALSE);
  v = verdict (fx);
  g_assert_cmpstr (result_of (v), ==, "blocker");
  assert_has (v, "disk", "blocker", "vda: copied into " FAKE_DISK ", which is the disk of the guest db (not running) "
                                    "on the destination: the copy would overwrite it");
  g_assert_false (has (v, "disk", "ok", NULL));

  g_clear_pointer (&v, g_variant_unref);
  g_object_set (fx->request, "disk-map", map, NULL);
  v = verdict (fx);
  g_assert_false (has (v, "disk", "blocker", NULL));
  assert_has (v, "disk", "ok", "vda: copied to /srv/new/web.qcow2 (disk-map)*");
}

static void
test_copy_onto_own_definition (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("This guest's own definition on the destination names the image: copied into it, ok");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, NULL);
  share_disk (fx);
  fake_hypervisor_add_guest (fx->hv, DST, "web", UUID, 512 * MiB, FALSE);
  v = verdict (fx);
  assert_has (v, "disk", "ok", "vda: copied into " FAKE_DISK ", which exists on the destination");
  g_assert_false (has (v, "disk", "blocker", NULL));
}

static void
test_copy_only_some (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;
  const char *only[] = { "hdc", NULL };

  g_test_summary ("migrate-disks naming only hdc (the CD-ROM): vda is not copied, so it must be shared");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, "migrate-disks", only, NULL);
  v = verdict (fx);
  assert_has (v, "disk", "warning", "vda: whether * is shared*");
  g_assert_false (has (v, "disk", "blocker", NULL));
  /* One the guest lacks: libvirt refuses it ("disk target vdb not found"). */
  g_clear_pointer (&v, g_variant_unref);
  g_object_set (fx->request, "migrate-disks", (const char *[]) { "hdc", "vdb", NULL }, NULL);
  v = verdict (fx);
  assert_has (v, "disk", "blocker", "--migrate-disks names vdb, which is not a disk of the guest (its disks: vda, hdc)*");
}

static void
test_incremental_backing_missing (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("An incremental copy whose backing file is missing on the destination: a blocker (the data "
                  "it holds would be lost)");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL, NULL);
  fake_hypervisor_add_pool (fx->hv, DST, "images", FAKE_DISK_DIR);
  v = verdict (fx);
  assert_has (v, "backing", "blocker", "vda: an incremental copy (--copy-storage-inc) moves only the top image, and "
                                       "its backing file " FAKE_DISK_BACKING " is missing on the destination*");
}

static void
test_incremental_backing_there (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("An incremental copy with the backing file there: the top image is made on it; a backing file "
                  "there of another size than the source's: a blocker (another disk)");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL, NULL);
  fake_hypervisor_add_pool (fx->hv, DST, "images", FAKE_DISK_DIR);
  fake_hypervisor_add_volume (fx->hv, DST, FAKE_DISK_BACKING, NULL);
  v = verdict (fx);
  assert_has (v, "backing", "ok", "vda: its backing file " FAKE_DISK_BACKING " is on the destination at *");
  assert_has (v, "disk", "ok", "vda: its top image copied to " FAKE_DISK ", created there on top of *");
  g_assert_cmpstr (result_of (v), ==, "ok");
  g_clear_pointer (&v, g_variant_unref);

  /* Both sizes known (the volumes' capacity): the same, said; another, a blocker. */
  fake_hypervisor_add_volume (fx->hv, SRC, FAKE_DISK_BACKING, NULL);
  v = verdict (fx);
  assert_has (v, "backing", "ok", "vda: its backing file * a disk of the same size (the contents are not compared*");
  g_clear_pointer (&v, g_variant_unref);
  fake_hypervisor_edit_volume (fx->hv, DST, FAKE_DISK_BACKING, "<capacity unit='bytes'>16777216</capacity>",
                               "<capacity unit='bytes'>33554432</capacity>");
  v = verdict (fx);
  assert_has (v, "backing", "blocker", "vda: the backing file at " FAKE_DISK_BACKING " on the destination is a disk of "
                                       "33554432 bytes, the source's " FAKE_DISK_BACKING " one of 16777216: not the "
                                       "same data*");
}

static void
test_incremental_flat_image_there (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("An incremental copy into an image already there without a backing file: a blocker");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL, NULL);
  fake_hypervisor_add_pool (fx->hv, DST, "images", FAKE_DISK_DIR);
  fake_hypervisor_add_volume (fx->hv, DST, FAKE_DISK, NULL);
  v = verdict (fx);
  assert_has (v, "disk", "blocker", "vda: " FAKE_DISK " exists on the destination without a backing file*");
}

static void
test_incremental_image_on_backing (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("An incremental copy into an image there on top of the backing file (its volume XML says so)");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL, NULL);
  share_disk (fx);
  v = verdict (fx);
  assert_has (v, "disk", "ok", "vda: its top image copied into " FAKE_DISK ", which exists on the destination on top of "
                               FAKE_DISK_BACKING);
}

static void
test_dest_xml_paths (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("dest-xml moves a disk: it is looked for where the destination XML says");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL,
                "dest-xml", "<domain type='qemu'><name>web</name><devices><disk type='file' device='disk'>"
                            "<source file='/srv/other/web.qcow2'/><target dev='vda' bus='virtio'/></disk>"
                            "</devices></domain>", NULL);
  fake_hypervisor_add_pool (fx->hv, DST, "other", "/srv/other");
  v = verdict (fx);
  assert_has (v, "disk", "ok", "vda: copied to /srv/other/web.qcow2, created in the destination's storage pool other");
}

static void
test_source_unreachable (Fixture *fx, gconstpointer data)
{
  g_autoptr(VirtMigratePreflightFacts) facts = virt_migrate_preflight_facts_new ();
  g_autoptr(GError) error = NULL;

  g_test_summary ("The source unreachable, or no such guest: no verdict at all, the error says which");
  g_object_set (fx->request, "domain", "nope", NULL);
  g_assert_false (virt_migrate_preflight_gather (VIRT_MIGRATE_HYPERVISOR (fx->hv), fx->request, NULL, facts, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND);
  g_clear_error (&error);
  fake_hypervisor_set_reachable (fx->hv, SRC, FALSE);
  g_object_set (fx->request, "domain", "web", NULL);
  g_assert_false (virt_migrate_preflight_gather (VIRT_MIGRATE_HYPERVISOR (fx->hv), fx->request, NULL, facts, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CONNECT_FAILED);
  g_assert_cmpuint (fake_hypervisor_get_n_gathered (fx->hv), ==, 0);
}

static void
test_hostile_name (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A guest whose name needs escaping in XML is read back whole");
  fake_hypervisor_add_guest (fx->hv, SRC, "a&b <c>", "7a6f22e4-0000-4000-8000-000000000004", 64 * MiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, DST, "a&b <c>", "99999999-0000-4000-8000-000000000004", 64 * MiB, FALSE);
  g_object_set (fx->request, "domain", "a&b <c>", NULL);
  v = verdict (fx);
  assert_has (v, "name", "blocker", "*99999999-0000-4000-8000-000000000004*");
}

/* The kernel's tables of TCP sockets, as a made-up proc file system: the
 * listening ones on the ports asked about, with their programs where a
 * process's descriptors show them. */
/* The verdict on migrating the guest "web" to a destination that is this
 * machine (two local URIs, as the test bed's) with @request's options. */
static GVariant *
local_verdict (FakeHypervisor *hv, VirtMigrateRequest *request)
{
  g_autoptr(VirtMigratePreflightFacts) facts = virt_migrate_preflight_facts_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (virt_migrate_preflight_gather (VIRT_MIGRATE_HYPERVISOR (hv), request, NULL, facts, &error));
  g_assert_no_error (error);
  return g_variant_ref_sink (virt_migrate_preflight_verdict (facts, "qemu:///session"));
}

/* A disk's image that is a FIFO (a path in a guest's definition or a disk
 * map names anything): its opening waited for a writer and the check hung;
 * now it is not read, and its size and format are not known. */
static void
test_fifo_image (void)
{
  g_autoptr(FakeHypervisor) hv = fake_hypervisor_new ();
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_new ("web", "qemu:///system", "qemu:///session");
  g_autofree char *dir = g_dir_make_tmp ("vm-fifo-XXXXXX", NULL);
  g_autofree char *src_dir = g_build_filename (dir, "src", NULL), *dst_dir = g_build_filename (dir, "dst", NULL);
  g_autofree char *src = g_build_filename (src_dir, "web.qcow2", NULL), *dst = g_build_filename (dst_dir, "web.qcow2", NULL);
  g_autofree char *source = g_strdup_printf ("<source file='%s'/>", src), *map = g_strdup_printf ("%s=%s", src_dir, dst_dir);
  const char *disk_map[] = { map, NULL };
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A disk's image, on the source or where it is copied to, that is a FIFO: not opened to wait for "
                  "a writer (the check hung), its size and format unknown");
  g_assert_cmpint (g_mkdir (src_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (dst_dir, 0700), ==, 0);
  g_assert_cmpint (mkfifo (src, 0600), ==, 0);
  g_assert_cmpint (mkfifo (dst, 0600), ==, 0);
  fake_hypervisor_add_host (hv, "qemu:///system", 1 * GiB);
  fake_hypervisor_add_host (hv, "qemu:///session", 4 * GiB);
  fake_hypervisor_add_guest (hv, "qemu:///system", "web", UUID, 512 * MiB, TRUE);
  fake_hypervisor_edit_guest (hv, "qemu:///system", "web", "<source file='/var/lib/testbed/imgs/web.qcow2'/>", source);
  g_object_set (request, "live", TRUE, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, "disk-map", disk_map, NULL);
  v = local_verdict (hv, request);
  g_assert_true (has (v, "disk", "ok", "vda: copied into */dst/web.qcow2, which exists on the destination"));
  g_clear_pointer (&v, g_variant_unref);
  /* The same with the image there a FIFO and none on the source. */
  g_unlink (src);
  v = local_verdict (hv, request);
  g_assert_true (has (v, "disk", "ok", "vda: copied into */dst/web.qcow2, which exists on the destination"));
  g_unlink (dst);
  g_rmdir (dst_dir);
  g_rmdir (src_dir);
  g_rmdir (dir);
}

static void
test_streams (void)
{
  g_autoptr(FakeHypervisor) hv = fake_hypervisor_new ();
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_new ("web", "qemu:///system", "qemu:///session");
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GVariant) v = NULL;
  g_autofree char *uri = NULL, *taken = NULL, *maybe = NULL, *free_port = NULL, *nbd = NULL;
  guint port;

  g_test_summary ("The migration's own ports a request fixes (--migrateuri tcp://HOST:PORT, --disks-port, "
                  "--disks-uri), on a destination that is this machine, against the sockets listening there (this "
                  "test's own): taken on the host's address a blocker naming the program, on a name that may be "
                  "it a warning, free ok (libvirt's older tcp:HOST:PORT too; no host, a warning); a storage "
                  "copy's only when disks are copied; offline none");
  fake_hypervisor_add_host (hv, "qemu:///system", 1 * GiB);
  fake_hypervisor_add_host (hv, "qemu:///session", 4 * GiB);
  fake_hypervisor_add_guest (hv, "qemu:///system", "web", UUID, 512 * MiB, TRUE);
  g_assert_nonnull (sock);
  g_assert_true (g_socket_bind (sock, any, FALSE, NULL));
  g_assert_true (g_socket_listen (sock, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  taken = g_strdup_printf ("The migration stream's port %u on 127.0.0.1 is taken there (this machine): * (pid %d) "
                           "listens on 127.0.0.1:%u; the source would connect to that program*", port, (int) getpid (),
                           port);
  maybe = g_strdup_printf ("The migration stream's port %u on localhost may be taken there (this machine): * (pid %d) "
                           "listens on 127.0.0.1:%u, on an address that may be the same*", port, (int) getpid (), port);
  free_port = g_strdup_printf ("The migration stream's port %u on 127.0.0.1: no program of this machine (the "
                               "destination) listens on it", port == 65535 ? 65534 : port + 1);
  nbd = g_strdup_printf ("The storage copy's port %u on 127.0.0.1 is taken there (this machine): * (pid %d)*", port,
                         (int) getpid ());

  g_object_set (request, "live", TRUE, NULL);
  v = local_verdict (hv, request);
  g_assert_false (has (v, "ports", "ok", NULL) || has (v, "ports", "blocker", NULL));
  g_clear_pointer (&v, g_variant_unref);

  /* The stream's URI: libvirt's older form too; no host. */
  g_free (uri);
  uri = g_strdup_printf ("The migration stream's port %u may be taken there (this machine): * (pid %d) listens on "
                         "127.0.0.1:%u, on an address that may be the same*", port, (int) getpid (), port);
  {
    const struct { const char *prefix, *result, *reason; } streams[] = {
      { "tcp://127.0.0.1:", "blocker", taken },
      { "tcp://localhost:", "warning", maybe },
      { "tcp:127.0.0.1:", "blocker", taken },
      { "tcp://:", "warning", uri },
    };

    for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
      {
        g_autofree char *stream = g_strdup_printf ("%s%u", streams[i].prefix, port);

        g_object_set (request, "hypervisor-uri", stream, NULL);
        v = local_verdict (hv, request);
        assert_has (v, "ports", streams[i].result, streams[i].reason);
        g_clear_pointer (&v, g_variant_unref);
      }
  }

  /* The stream on a free port, the storage copy's NBD server on the taken one. */
  g_free (uri);
  uri = g_strdup_printf ("tcp://127.0.0.1:%u", port == 65535 ? 65534 : port + 1);
  g_object_set (request, "hypervisor-uri", uri, "disks-port", (gint) port, NULL);
  v = local_verdict (hv, request);
  assert_has (v, "ports", "ok", free_port);
  g_assert_false (has (v, "ports", "blocker", NULL));
  g_clear_pointer (&v, g_variant_unref);
  g_object_set (request, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, NULL);
  v = local_verdict (hv, request);
  assert_has (v, "ports", "blocker", nbd);
  g_clear_pointer (&v, g_variant_unref);
  g_free (uri);
  uri = g_strdup_printf ("tcp://127.0.0.1:%u", port);
  g_object_set (request, "disks-port", 0, "disks-uri", uri, NULL);
  v = local_verdict (hv, request);
  assert_has (v, "ports", "blocker", nbd);
  g_clear_pointer (&v, g_variant_unref);
  g_object_set (request, "disks-uri", "unix:///run/nbd.sock", NULL);
  v = local_verdict (hv, request);
  g_assert_false (has (v, "ports", "blocker", NULL));
  g_clear_pointer (&v, g_variant_unref);

  /* Offline: no stream. */
  g_object_set (request, "hypervisor-uri", uri, "storage", VIRT_MIGRATE_STORAGE_SHARED, "live", FALSE, "offline", TRUE,
                "persist-dest", TRUE, NULL);
  v = local_verdict (hv, request);
  g_assert_false (has (v, "ports", "blocker", NULL) || has (v, "ports", "ok", NULL));
}

static void
test_listeners (void)
{
  g_autofree char *proc = g_dir_make_tmp ("vm-proc-XXXXXX", NULL);
  g_autofree char *net = g_build_filename (proc, "net", NULL);
  g_autofree char *fd = g_build_filename (proc, "4242", "fd", NULL);
  g_autofree char *tcp = g_build_filename (net, "tcp", NULL);
  g_autofree char *tcp6 = g_build_filename (net, "tcp6", NULL);
  g_autofree char *link = g_build_filename (fd, "7", NULL);
  g_autofree char *comm = g_build_filename (proc, "4242", "comm", NULL);
  g_autofree char *pid = g_build_filename (proc, "4242", NULL);
  g_autofree char *v4 = NULL;
  g_autofree char *v6 = NULL;
  g_autoptr(GPtrArray) ports = virt_migrate_endpoints_new ();
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  VirtMigrateEndpoint vnc = { (char *) "VNC", NULL, 5910, TRUE, NULL };
  VirtMigrateEndpoint spice = { (char *) "SPICE", NULL, 5930, TRUE, NULL };
  const char *head = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

  g_test_summary ("The TCP sockets listening on the ports asked about, from /proc/net/tcp and tcp6 (addresses in "
                  "the kernel's words of the machine's byte order), each with the program whose descriptor holds "
                  "it; a socket connected, or on another port, left out; no table: not known");
  g_assert_nonnull (proc);
  virt_migrate_endpoints_add_copy (ports, &vnc, NULL);
  virt_migrate_endpoints_add_copy (ports, &spice, NULL);
  g_assert_null (virt_migrate_listeners_read (proc, ports));

  g_assert_cmpint (g_mkdir_with_parents (net, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (fd, 0700), ==, 0);
  /* 127.0.0.1:5910 listening (inode 12345), 0.0.0.0:5930 connected, 10.0.0.5:22 listening. */
  v4 = g_strconcat (head,
    "   0: 0100007F:1716 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 12345 1 0 100 0 0 10 0\n"
    "   1: 00000000:172A 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0 100 0 0 10 0\n"
    "   2: 0500000A:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0 100 0 0 10 0\n"
    "   3: garbage\n", NULL);
  g_assert_true (g_file_set_contents (tcp, v4, -1, NULL));
  /* [::]:5930 listening (inode 999, no process seen) */
  v6 = g_strconcat (head,
    "   0: 00000000000000000000000000000000:172A 00000000000000000000000000000000:0000 0A 00000000:00000000 "
    "00:00000000 00000000     0        0 999 1 0 100 0 0 10 0\n", NULL);
  g_assert_true (g_file_set_contents (tcp6, v6, -1, NULL));
  g_assert_cmpint (symlink ("socket:[12345]", link), ==, 0);
  g_assert_true (g_file_set_contents (comm, "vncserver\n", -1, NULL));

  got = virt_migrate_listeners_read (proc, ports);
  g_assert_nonnull (got);
  for (guint i = 0; i < got->len; i++)
    {
      const VirtMigrateEndpoint *e = g_ptr_array_index (got, i);

      g_string_append_printf (text, "%s%s %s:%u %s", i > 0 ? "; " : "", e->what, e->address, e->port,
                              e->guest != NULL ? e->guest : "-");
    }
  g_assert_cmpstr (text->str, ==, "TCP 127.0.0.1:5910 vncserver (pid 4242); TCP :::5930 -");

  g_assert_cmpint (g_unlink (link), ==, 0);
  g_assert_cmpint (g_unlink (comm), ==, 0);
  g_assert_cmpint (g_rmdir (fd), ==, 0);
  g_assert_cmpint (g_rmdir (pid), ==, 0);
  g_assert_cmpint (g_unlink (tcp), ==, 0);
  g_assert_cmpint (g_unlink (tcp6), ==, 0);
  g_assert_cmpint (g_rmdir (net), ==, 0);
  g_assert_cmpint (g_rmdir (proc), ==, 0);
}

/* A local destination's libvirtd: who it runs as (its socket's peer), what
 * that user may write in, and one file under two paths. */
static void
test_local_host (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("vm-host-XXXXXX", NULL);
  g_autofree char *sock_path = g_build_filename (tmp, "libvirt-sock", NULL);
  g_autofree char *uri = g_strdup_printf ("qemu+unix:///session?socket=%s", sock_path);
  g_autofree char *shut = g_build_filename (tmp, "shut", NULL);
  g_autofree char *open_dir = g_build_filename (shut, "open", NULL);
  g_autofree char *file = g_build_filename (tmp, "disk.qcow2", NULL);
  g_autofree char *other = g_build_filename (tmp, "other.qcow2", NULL);
  g_autofree char *link = g_build_filename (tmp, "link", NULL);
  g_autofree char *via_link = g_build_filename (link, "disk.qcow2", NULL);
  g_autofree char *pid_words = g_strdup_printf ("(pid %d, ", (int) getpid ());
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL);
  g_autoptr(GSocketAddress) addr = g_unix_socket_address_new (sock_path);
  g_autoptr(VirtMigrateDaemonUser) me = NULL;
  g_autofree char *none = NULL;
  VirtMigrateDaemonUser other_user = { 1, 4242, 4242, NULL, (char *) "libvirtd (pid 1, uid 4242)" };
  VirtMigrateDaemonUser root = { 1, 0, 0, NULL, (char *) "libvirtd (pid 1, user root)" };
  guint group = 77;
  struct stat st = { 0 };

  g_test_summary ("The socket of a local URI (its socket parameter; none over ssh or tcp, or for another driver); "
                  "the user its daemon runs as, the process listening there (this process here); write and search by "
                  "the owner's, group's or others' bits, root always, every directory above searched; a file opened "
                  "to read or write by the same bits; two paths of one file through a link; the addresses this "
                  "machine can listen on");
  g_assert_nonnull (tmp);
  g_assert_cmpstr (none = virt_migrate_uri_socket_path ("qemu+unix:///session?socket=/run/x/sock&no_tty=1"), ==,
                   "/run/x/sock");
  g_clear_pointer (&none, g_free);
  g_assert_null (virt_migrate_uri_socket_path ("qemu+ssh://host/system?socket=/run/x/sock"));
  g_assert_null (virt_migrate_uri_socket_path ("qemu+tcp://host/system"));
  g_assert_null (virt_migrate_uri_socket_path ("test:///default"));
  g_assert_null (virt_migrate_uri_socket_path ("not a uri"));
  g_assert_null (virt_migrate_uri_socket_path (NULL));

  /* Nobody listens yet: not known. */
  g_assert_null (virt_migrate_daemon_user_of (uri));
  g_assert_true (g_socket_bind (sock, addr, FALSE, NULL));
  g_assert_true (g_socket_listen (sock, NULL));
  me = virt_migrate_daemon_user_of (uri);
  g_assert_nonnull (me);
  g_assert_cmpint (me->pid, ==, getpid ());
  g_assert_cmpuint (me->uid, ==, geteuid ());
  g_assert_cmpuint (me->gid, ==, getegid ());
  g_assert_nonnull (strstr (me->name, pid_words));

  /* The bits: the owner's, the group's (its own or a supplementary one), the others'. */
  other_user.groups = g_array_new (FALSE, FALSE, sizeof (guint));
  st.st_mode = S_IFDIR | 0750;
  st.st_uid = 4242;
  st.st_gid = 10;
  g_assert_cmpint (virt_migrate_daemon_user_may (&other_user, &st, W_OK | X_OK), ==, VIRT_MIGRATE_FACT_YES);
  st.st_mode = S_IFDIR | 0570;
  g_assert_cmpint (virt_migrate_daemon_user_may (&other_user, &st, W_OK | X_OK), ==, VIRT_MIGRATE_FACT_NO);
  g_assert_cmpint (virt_migrate_daemon_user_may (&other_user, &st, X_OK), ==, VIRT_MIGRATE_FACT_YES);
  st.st_uid = 0;
  st.st_mode = S_IFDIR | 0775;
  g_assert_cmpint (virt_migrate_daemon_user_may (&other_user, &st, W_OK | X_OK), ==, VIRT_MIGRATE_FACT_NO);
  st.st_gid = 77;
  g_assert_cmpint (virt_migrate_daemon_user_may (&other_user, &st, W_OK | X_OK), ==, VIRT_MIGRATE_FACT_NO);
  g_array_append_val (other_user.groups, group);
  g_assert_cmpint (virt_migrate_daemon_user_may (&other_user, &st, W_OK | X_OK), ==, VIRT_MIGRATE_FACT_YES);
  st.st_gid = 4242;
  st.st_mode = S_IFDIR | 0705;
  g_assert_cmpint (virt_migrate_daemon_user_may (&other_user, &st, X_OK), ==, VIRT_MIGRATE_FACT_NO);
  st.st_gid = 10;
  g_assert_cmpint (virt_migrate_daemon_user_may (&other_user, &st, X_OK), ==, VIRT_MIGRATE_FACT_YES);
  g_assert_cmpint (virt_migrate_daemon_user_may (&root, &st, W_OK | X_OK), ==, VIRT_MIGRATE_FACT_YES);

  /* Directories of this machine: another user may write in one open to
   * all, not in this process's own 0755 one, nor below a directory it
   * cannot pass. */
  g_assert_cmpint (g_mkdir_with_parents (open_dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (tmp, 0755), ==, 0);
  g_assert_cmpint (g_chmod (shut, 0755), ==, 0);
  g_assert_cmpint (g_chmod (open_dir, 0777), ==, 0);
  g_assert_cmpint (virt_migrate_daemon_user_can_write (&other_user, tmp), ==, VIRT_MIGRATE_FACT_NO);
  g_assert_cmpint (virt_migrate_daemon_user_can_write (&other_user, open_dir), ==, VIRT_MIGRATE_FACT_YES);
  g_assert_cmpint (g_chmod (shut, 0700), ==, 0);
  g_assert_cmpint (virt_migrate_daemon_user_can_write (&other_user, open_dir), ==, VIRT_MIGRATE_FACT_NO);
  g_assert_cmpint (virt_migrate_daemon_user_can_write (me, open_dir), ==, VIRT_MIGRATE_FACT_YES);
  g_assert_cmpint (virt_migrate_daemon_user_can_write (&other_user, "relative"), ==, VIRT_MIGRATE_FACT_UNKNOWN);
  g_assert_cmpint (virt_migrate_daemon_user_can_write (NULL, tmp), ==, VIRT_MIGRATE_FACT_UNKNOWN);
  g_assert_cmpint (virt_migrate_daemon_user_can_write (&other_user, "/nonexistent/dir"), ==, VIRT_MIGRATE_FACT_UNKNOWN);

  /* Addresses this machine has: a wildcard, a loopback one; one that no
   * socket here binds (the first of three documentation addresses; the
   * machine might have one); a host name, not known. */
  g_assert_cmpint (virt_migrate_address_here ("0.0.0.0"), ==, VIRT_MIGRATE_FACT_YES);
  g_assert_cmpint (virt_migrate_address_here ("[::]"), ==, VIRT_MIGRATE_FACT_YES);
  g_assert_cmpint (virt_migrate_address_here ("127.0.0.1"), ==, VIRT_MIGRATE_FACT_YES);
  g_assert_cmpint (virt_migrate_address_here ("::1"), ==, VIRT_MIGRATE_FACT_YES);
  g_assert_cmpint (virt_migrate_address_here ("host.example"), ==, VIRT_MIGRATE_FACT_UNKNOWN);
  g_assert_cmpint (virt_migrate_address_here (NULL), ==, VIRT_MIGRATE_FACT_UNKNOWN);
  g_assert_true (virt_migrate_address_here ("198.51.100.77") == VIRT_MIGRATE_FACT_NO ||
                 virt_migrate_address_here ("203.0.113.77") == VIRT_MIGRATE_FACT_NO ||
                 virt_migrate_address_here ("192.0.2.254") == VIRT_MIGRATE_FACT_NO);

  /* Where a client connecting to a host reaches a server listening on one
   * address: a wildcard, the address, a name for it (looked up only when
   * asked to); another address, not; a listen address that is a name, or
   * a name not looked up, not known. */
  g_assert_cmpint (virt_migrate_address_reaches ("127.0.0.2", "0.0.0.0", FALSE), ==, VIRT_MIGRATE_FACT_YES);
  g_assert_cmpint (virt_migrate_address_reaches ("[::1]", "::1", FALSE), ==, VIRT_MIGRATE_FACT_YES);
  g_assert_cmpint (virt_migrate_address_reaches ("127.0.0.1", "127.0.0.2", FALSE), ==, VIRT_MIGRATE_FACT_NO);
  g_assert_cmpint (virt_migrate_address_reaches ("127.0.0.1", "[::1]", TRUE), ==, VIRT_MIGRATE_FACT_NO);
  g_assert_cmpint (virt_migrate_address_reaches ("localhost", "127.0.0.1", FALSE), ==, VIRT_MIGRATE_FACT_UNKNOWN);
  g_assert_cmpint (virt_migrate_address_reaches ("localhost", "127.0.0.1", TRUE), ==, VIRT_MIGRATE_FACT_YES);
  g_assert_cmpint (virt_migrate_address_reaches ("localhost", "127.0.0.2", TRUE), ==, VIRT_MIGRATE_FACT_NO);
  g_assert_cmpint (virt_migrate_address_reaches ("127.0.0.1", "host.example", TRUE), ==, VIRT_MIGRATE_FACT_UNKNOWN);
  g_assert_cmpint (virt_migrate_address_reaches (NULL, "127.0.0.1", TRUE), ==, VIRT_MIGRATE_FACT_UNKNOWN);
  g_assert_cmpint (virt_migrate_address_reaches ("127.0.0.1", NULL, TRUE), ==, VIRT_MIGRATE_FACT_UNKNOWN);

  /* One file, two paths. */
  g_assert_true (g_file_set_contents (file, "QFI", -1, NULL));
  g_assert_true (g_file_set_contents (other, "QFI", -1, NULL));
  /* Opened by another user: read by the others' bits, written not (0644). */
  g_assert_cmpint (g_chmod (file, 0644), ==, 0);
  g_assert_cmpint (virt_migrate_daemon_user_can_open (&other_user, file, FALSE), ==, VIRT_MIGRATE_FACT_YES);
  g_assert_cmpint (virt_migrate_daemon_user_can_open (&other_user, file, TRUE), ==, VIRT_MIGRATE_FACT_NO);
  g_assert_cmpint (virt_migrate_daemon_user_can_open (me, file, TRUE), ==, VIRT_MIGRATE_FACT_YES);
  g_assert_cmpint (g_chmod (file, 0600), ==, 0);
  g_assert_cmpint (virt_migrate_daemon_user_can_open (&other_user, file, FALSE), ==, VIRT_MIGRATE_FACT_NO);
  g_assert_cmpint (virt_migrate_daemon_user_can_open (&other_user, "/nonexistent/f", FALSE), ==,
                   VIRT_MIGRATE_FACT_UNKNOWN);
  g_assert_cmpint (symlink (tmp, link), ==, 0);
  g_assert_true (virt_migrate_same_file (file, via_link));
  g_assert_true (virt_migrate_same_file (file, file));
  g_assert_false (virt_migrate_same_file (file, other));
  g_assert_false (virt_migrate_same_file (file, "/nonexistent"));
  g_assert_false (virt_migrate_same_file (NULL, file));

  g_array_unref (other_user.groups);
  g_socket_close (sock, NULL);
  g_assert_cmpint (g_unlink (sock_path), ==, 0);
  g_assert_cmpint (g_unlink (link), ==, 0);
  g_assert_cmpint (g_unlink (file), ==, 0);
  g_assert_cmpint (g_unlink (other), ==, 0);
  g_assert_cmpint (g_rmdir (open_dir), ==, 0);
  g_assert_cmpint (g_rmdir (shut), ==, 0);
  g_assert_cmpint (g_rmdir (tmp), ==, 0);
}

/* The process listening on a UNIX socket, from a made-up /proc: the daemon
 * before systemd (socket activation: both hold it); a socket that is not
 * listening (a client's) and another path left out. */
static void
test_unix_listener (void)
{
  g_autofree char *proc = g_dir_make_tmp ("vm-proc-XXXXXX", NULL);
  const char *const pids[] = { "1", "4243", "77" };
  const char *const comms[] = { "systemd\n", "libvirtd\n", "virsh\n" };
  const char *const inodes[] = { "5000", "5000", "6000" };
  g_autofree char *net = g_build_filename (proc, "net", NULL);
  g_autofree char *unix_table = g_build_filename (net, "unix", NULL);

  g_test_summary ("The process listening on a UNIX socket, from /proc/net/unix and the processes' descriptors: "
                  "libvirtd before systemd holding the same socket; a connected socket of that path, or another "
                  "path, not it; no table, nothing");
  g_assert_nonnull (proc);
  g_assert_cmpint (virt_migrate_listeners_unix_pid (proc, "/run/libvirt/libvirt-sock"), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (net, 0700), ==, 0);
  g_assert_true (g_file_set_contents (unix_table,
    "Num       RefCount Protocol Flags    Type St Inode Path\n"
    "0000000000000001: 00000002 00000000 00000000 0001 03 6000 /run/libvirt/libvirt-sock\n"
    "0000000000000002: 00000002 00000000 00010000 0001 01 5000 /run/libvirt/libvirt-sock\n"
    "0000000000000003: 00000002 00000000 00010000 0001 01 7000 /run/other-sock\n"
    "0000000000000004: 00000002 00000000 00000000 0002 01 8000\n", -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
    {
      g_autofree char *fd = g_build_filename (proc, pids[i], "fd", NULL);
      g_autofree char *link = g_build_filename (fd, "3", NULL);
      g_autofree char *target = g_strdup_printf ("socket:[%s]", inodes[i]);
      g_autofree char *comm = g_build_filename (proc, pids[i], "comm", NULL);

      g_assert_cmpint (g_mkdir_with_parents (fd, 0700), ==, 0);
      g_assert_cmpint (symlink (target, link), ==, 0);
      g_assert_true (g_file_set_contents (comm, comms[i], -1, NULL));
    }
  g_assert_cmpint (virt_migrate_listeners_unix_pid (proc, "/run/libvirt/libvirt-sock"), ==, 4243);
  g_assert_cmpint (virt_migrate_listeners_unix_pid (proc, "/run/other-sock"), ==, 0);
  g_assert_cmpint (virt_migrate_listeners_unix_pid (proc, "/run/none"), ==, 0);
  g_assert_cmpint (virt_migrate_listeners_unix_pid (proc, NULL), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
    {
      g_autofree char *dir = g_build_filename (proc, pids[i], NULL);
      g_autofree char *fd = g_build_filename (dir, "fd", NULL);
      g_autofree char *link = g_build_filename (fd, "3", NULL);
      g_autofree char *comm = g_build_filename (dir, "comm", NULL);

      g_assert_cmpint (g_unlink (link), ==, 0);
      g_assert_cmpint (g_unlink (comm), ==, 0);
      g_assert_cmpint (g_rmdir (fd), ==, 0);
      g_assert_cmpint (g_rmdir (dir), ==, 0);
    }
  g_assert_cmpint (g_unlink (unix_table), ==, 0);
  g_assert_cmpint (g_rmdir (net), ==, 0);
  g_assert_cmpint (g_rmdir (proc), ==, 0);
}

/* A process @pid in the made-up @proc: its command line @argv (written
 * NUL-separated, as the kernel does) and its @limits. */
static void
add_process (const char *proc, const char *pid, const char *const *argv, const char *limits)
{
  g_autofree char *dir = g_build_filename (proc, pid, NULL);
  g_autofree char *cmdline = g_build_filename (dir, "cmdline", NULL);
  g_autofree char *lim = g_build_filename (dir, "limits", NULL);
  g_autoptr(GString) args = g_string_new (NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    g_string_append_len (args, argv[i], (gssize) strlen (argv[i]) + 1);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (cmdline, args->str, (gssize) args->len, NULL));
  g_assert_true (g_file_set_contents (lim, limits, -1, NULL));
}

/* A file a daemon's user controls, read only where it is a regular file
 * within its bound: a FIFO (which would hang the check) and a device
 * (/dev/zero would fill the process) are refused at once. */
static void
test_read_regular_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vm-read-XXXXXX", NULL);
  g_autofree char *conf = g_build_filename (dir, "qemu.conf", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A regular file within its bound read; a FIFO, a device, a larger file refused without "
                  "blocking; a missing one NOENT");
  g_assert_true (g_file_set_contents (conf, "migration_host = \"web1\"\n", -1, NULL));
  text = virt_migrate_read_regular_file (conf, 64, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "migration_host = \"web1\"\n");
  g_clear_pointer (&text, g_free);
  g_assert_null (virt_migrate_read_regular_file (conf, 8, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_clear_error (&error);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_null (virt_migrate_read_regular_file (fifo, 1024, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_clear_error (&error);
  g_assert_null (virt_migrate_read_regular_file ("/dev/zero", 1024, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_clear_error (&error);
  g_assert_null (virt_migrate_read_regular_file (missing, 1024, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_unlink (conf);
  g_unlink (fifo);
  g_rmdir (dir);
}

/* When a process started, from its /proc/PID/stat (field 22, ticks since
 * boot): a name with spaces and parentheses read past; this process's own
 * start is before now and after the test began; a damaged line unknown. */
static void
test_proc_start_time (void)
{
  const char *stat = "812 (lib) (virt d) S 1 812 812 0 -1 4194560 1 0 0 0 5 3 0 0 20 0 18 0 4200 1 2 3";
  g_autofree char *own = NULL;
  struct timespec boot;
  gint64 now = g_get_real_time (), started;

  g_test_summary ("A process's start time from /proc/PID/stat (field 22 after its name), as wall-clock time");
  /* 4200 ticks at 100 a second: 42 s after boot; boot 100 s ago. */
  g_assert_cmpint (virt_migrate_proc_start_time (stat, 1000 * G_USEC_PER_SEC, 100 * G_USEC_PER_SEC, 100), ==,
                   942 * G_USEC_PER_SEC);
  g_assert_cmpint (virt_migrate_proc_start_time ("812 (x) S 1 2", now, 1, 100), ==, -1);
  g_assert_cmpint (virt_migrate_proc_start_time ("812 x S 1 812 812 0 -1 4194560 1 0 0 0 5 3 0 0 20 0 18 0 4200",
                                                 now, 1, 100), ==, -1);
  g_assert_cmpint (virt_migrate_proc_start_time (NULL, now, 1, 100), ==, -1);
  g_assert_cmpint (virt_migrate_proc_start_time (stat, now, 1, 0), ==, -1);
  g_assert_true (g_file_get_contents ("/proc/self/stat", &own, NULL, NULL));
  g_assert_cmpint (clock_gettime (CLOCK_BOOTTIME, &boot), ==, 0);
  started = virt_migrate_proc_start_time (own, now, (gint64) boot.tv_sec * G_USEC_PER_SEC + boot.tv_nsec / 1000,
                                          sysconf (_SC_CLK_TCK));
  g_assert_cmpint (started, <=, now + G_USEC_PER_SEC / 50);
  g_assert_cmpint (started, >, now - 600 * G_USEC_PER_SEC);
}

/* The locked-memory limit of a guest's running QEMU, found in a made-up
 * /proc by its -uuid (one waiting for an incoming migration passed over,
 * as is a process of another guest): the hard limit, unlimited, none. */
static void
test_qemu_memlock (void)
{
  g_autofree char *proc = g_dir_make_tmp ("vm-proc-XXXXXX", NULL);
  g_autofree char *rm = NULL;
  const char *uuid = "0b8d2a4e-5b0c-4a8e-9f3d-2f1e0c9b7a61";
  static const char limits[] = "Limit                     Soft Limit           Hard Limit           Units     \n"
                               "Max open files            1024                 524288               files     \n"
                               "Max locked memory         8388608              16777216             bytes     \n";
  const char *const waiting[] = { "qemu", "-uuid", "0b8d2a4e-5b0c-4a8e-9f3d-2f1e0c9b7a61", "-incoming", "defer", NULL };
  const char *const other[] = { "qemu", "-uuid", "11111111-2222-3333-4444-555555555555", NULL };
  const char *const running[] = { "qemu", "-name", "guest=g", "-uuid", "0B8D2A4E-5B0C-4A8E-9F3D-2F1E0C9B7A61", NULL };

  g_test_summary ("The hard locked-memory limit of the QEMU running a guest, found by its -uuid in /proc (not one "
                  "waiting for an incoming migration, not another guest's): bytes, unlimited, not known");
  g_assert_nonnull (proc);
  g_assert_cmpint (virt_migrate_qemu_memlock (proc, uuid), ==, -1);
  add_process (proc, "100", waiting, limits);
  add_process (proc, "101", other, limits);
  add_process (proc, "self", running, limits);
  /* Only the waiting one, another guest's, and no process's directory: none. */
  g_assert_cmpint (virt_migrate_qemu_memlock (proc, uuid), ==, -1);
  add_process (proc, "102", running, limits);
  g_assert_cmpint (virt_migrate_qemu_memlock (proc, uuid), ==, 16777216);
  add_process (proc, "102", running, "Max locked memory         unlimited            unlimited            bytes\n");
  g_assert_cmpint (virt_migrate_qemu_memlock (proc, uuid), ==, G_MAXINT64);
  add_process (proc, "102", running, "Max open files 1024 4096 files\n");
  g_assert_cmpint (virt_migrate_qemu_memlock (proc, uuid), ==, -1);
  g_assert_cmpint (virt_migrate_qemu_memlock (proc, NULL), ==, -1);
  rm = g_strdup_printf ("rm -rf '%s'", proc);
  g_assert_cmpint (system (rm), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/preflight-gather/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("all-ok", test_all_ok);
  ADD ("snapshots", test_snapshots);
  ADD ("busy", test_busy);
  ADD ("unreachable", test_unreachable);
  ADD ("unreachable-p2p", test_unreachable_p2p);
  ADD ("same-host", test_same_host);
  ADD ("name-conflict", test_name_conflict);
  ADD ("name-conflict-dest-name", test_name_conflict_dest_name);
  ADD ("uuid-running", test_uuid_running);
  ADD ("uuid-defined", test_uuid_defined);
  ADD ("machine-missing", test_machine_missing);
  ADD ("machine-denied", test_machine_denied);
  ADD ("cpu-incompatible", test_cpu_incompatible);
  ADD ("cpu-error", test_cpu_error);
  ADD ("cpu-passthrough", test_cpu_passthrough);
  ADD ("memory-short", test_memory_short);
  ADD ("memory-tight", test_memory_tight);
  ADD ("memory-not-running", test_memory_not_running);
  ADD ("device-not-offered", test_device_not_offered);
  ADD ("hostdev", test_hostdev);
  ADD ("volume-disk", test_volume_disk);
  ADD ("hugepages", test_hugepages);
  ADD ("ports", test_ports);
  ADD ("dest-name", test_dest_name);
  ADD ("nvme", test_nvme);
  ADD ("other-guest-xml", test_other_guest_xml);
  ADD ("nvram", test_nvram);
  ADD ("network-missing", test_network_missing);
  ADD ("network-map", test_network_map);
  ADD ("bridge", test_bridge);
  ADD ("disk-unseen", test_disk_unseen);
  ADD ("disk-absent", test_disk_absent);
  ADD ("copy-nowhere", test_copy_nowhere);
  ADD ("copy-into-image-there", test_copy_into_image_there);
  ADD ("copy-into-pool", test_copy_into_pool);
  ADD ("copy-disk-map-pool", test_copy_disk_map_pool);
  ADD ("copy-disk-map-dir", test_copy_disk_map_dir);
  ADD ("copy-onto-other-guest", test_copy_onto_other_guest);
  ADD ("copy-onto-own-definition", test_copy_onto_own_definition);
  ADD ("copy-only-some", test_copy_only_some);
  ADD ("incremental-backing-missing", test_incremental_backing_missing);
  ADD ("incremental-backing-there", test_incremental_backing_there);
  ADD ("incremental-flat-image-there", test_incremental_flat_image_there);
  ADD ("incremental-image-on-backing", test_incremental_image_on_backing);
  ADD ("dest-xml-paths", test_dest_xml_paths);
  ADD ("source-unreachable", test_source_unreachable);
  ADD ("hostile-name", test_hostile_name);
  g_test_add_func ("/preflight-gather/listeners", test_listeners);
  g_test_add_func ("/preflight-gather/streams", test_streams);
  g_test_add_func ("/preflight-gather/local-host", test_local_host);
  g_test_add_func ("/preflight-gather/qemu-memlock", test_qemu_memlock);
  g_test_add_func ("/preflight-gather/proc-start-time", test_proc_start_time);
  g_test_add_func ("/preflight-gather/read-regular-file", test_read_regular_file);
  g_test_add_func ("/preflight-gather/fifo-image", test_fifo_image);
  g_test_add_func ("/preflight-gather/unix-listener", test_unix_listener);
  return g_test_run ();
}
