/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pre-flight verdicts, a pure unit, from facts as libvirt gives them
 * (the answers below were recorded from libvirt 9.0: the messages of a
 * CPU comparison, of a host without the emulator, of a missing network)
 * for the conditions the test bed cannot make: an incompatible CPU, too
 * little memory, host devices, a network file system under a cached disk.
 * test-check runs the ones it can for real. No libvirtd. */
#include "config.h"

#include <string.h>

#include "virt-migrate-guest-xml.h"
#include "virt-migrate-listeners.h"
#include "virt-migrate-preflight.h"
#include "virt-migrate-preflight-private.h"
#include "virt-migrate-xml-map.h"
#include "virt-migrate.h"

#define MIB (1024 * 1024ULL)
#define DEST "qemu+ssh://dst.example.org/system"

/* A guest an idle destination can take: every check ok. */
static VirtMigratePreflightFacts *
good_facts (void)
{
  VirtMigratePreflightFacts *f = virt_migrate_preflight_facts_new ();
  VirtMigratePreflightDisk *d;

  f->reachable = TRUE;
  f->same_host = VIRT_MIGRATE_FACT_NO;
  f->host_uuid = g_strdup ("cc498143-3c87-4022-9ed4-8797a1b0bac9");
  f->uuid_present = VIRT_MIGRATE_FACT_NO;
  f->machine = g_strdup ("pc-i440fx-7.2");
  f->emulator = g_strdup ("/usr/bin/qemu-system-x86_64");
  f->cpu_mode = g_strdup ("custom");
  f->cpu_compare = 2; /* VIR_CPU_COMPARE_SUPERSET */
  f->guest_memory = 2048 * MIB;
  f->free_memory = 16384 * MIB;
  f->live = TRUE;
  virt_migrate_preflight_add_network (f, "network", "default")->present = VIRT_MIGRATE_FACT_YES;
  d = virt_migrate_preflight_add_disk (f, "vda", "/var/lib/libvirt/images/web1.qcow2");
  d->cache = g_strdup ("none");
  d->dest_exists = VIRT_MIGRATE_FACT_YES;
  d->source_fs = VIRT_MIGRATE_FS_SHARED;
  return f;
}

/* The one check named @name, and the verdict's result. */
static GVariant *
check_of (GVariant *verdict, const char *name)
{
  g_autoptr(GVariant) checks = g_variant_lookup_value (verdict, "checks", G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter iter;
  GVariant *check;

  g_variant_iter_init (&iter, checks);
  while ((check = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *n = NULL;

      if (g_variant_lookup (check, "check", "&s", &n) && g_str_equal (n, name))
        return check;
      g_variant_unref (check);
    }
  return NULL;
}

static void
assert_check (GVariant *verdict, const char *name, const char *result, const char *in_reason)
{
  g_autoptr(GVariant) check = check_of (verdict, name);
  const char *r = NULL, *reason = NULL;

  g_assert_nonnull (check);
  g_assert_true (g_variant_lookup (check, "result", "&s", &r));
  g_assert_true (g_variant_lookup (check, "reason", "&s", &reason));
  g_test_message ("%s %s: %s", name, r, reason);
  g_assert_cmpstr (r, ==, result);
  if (in_reason != NULL)
    g_assert_nonnull (strstr (reason, in_reason));
}

/* Whether some check @name says @result with @in_reason in its reason (a
 * name may have several: one per disk, an unknown before a blocker). */
static gboolean
has_check (GVariant *verdict, const char *name, const char *result, const char *in_reason)
{
  g_autoptr(GVariant) checks = g_variant_lookup_value (verdict, "checks", G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter iter;
  GVariant *check;
  gboolean found = FALSE;

  g_variant_iter_init (&iter, checks);
  while (!found && (check = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *n = "", *r = "", *reason = "";

      g_variant_lookup (check, "check", "&s", &n);
      g_variant_lookup (check, "result", "&s", &r);
      g_variant_lookup (check, "reason", "&s", &reason);
      /* A NULL @result or @in_reason: any. */
      found = g_str_equal (n, name) && (result == NULL || g_str_equal (r, result)) &&
              (in_reason == NULL || strstr (reason, in_reason) != NULL);
      g_variant_unref (check);
    }
  return found;
}

static GVariant *
verdict_of (VirtMigratePreflightFacts *f)
{
  return g_variant_ref_sink (virt_migrate_preflight_verdict (f, DEST));
}

static void
test_all_ok (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = verdict_of (f);
  g_autofree char *text = virt_migrate_verdict_to_text (v);
  const char *destination = NULL;

  g_test_summary ("A destination that can take the guest: every check ok, the verdict ok, the text "
                  "says so");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_OK);
  g_assert_true (g_variant_lookup (v, "destination", "&s", &destination));
  g_assert_cmpstr (destination, ==, DEST);
  for (guint i = 0; i < 8; i++)
    {
      static const char *const names[] = { "reachable", "other-host", "name", "machine", "cpu", "memory",
                                           "network", "disk" };

      assert_check (v, names[i], "ok", NULL);
    }
  g_assert_null (check_of (v, "cache"));
  g_assert_nonnull (strstr (text, DEST ": can take the guest"));
}

static void
test_cpu_incompatible (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;
  g_autofree char *blockers = NULL;

  g_test_summary ("virConnectCompareHypervisorCPU says incompatible (libvirt 9.0's message for a "
                  "Skylake guest on a Haswell host): a blocker naming the features, the fix a baseline");
  f->cpu_compare = 0; /* VIR_CPU_COMPARE_INCOMPATIBLE */
  f->cpu_error = g_strdup ("the CPU is incompatible with host CPU: Host CPU does not provide required "
                           "features: avx512f, avx512dq, clwb");
  v = verdict_of (f);
  assert_check (v, "cpu", "blocker", "avx512f");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_BLOCKER);
  blockers = virt_migrate_preflight_blockers (v);
  g_assert_nonnull (strstr (blockers, "hypervisor-cpu-baseline"));

  g_clear_pointer (&v, g_variant_unref);
  f->cpu_compare = VIRT_MIGRATE_CPU_NOT_COMPARED;
  g_free (f->cpu_mode);
  f->cpu_mode = g_strdup ("host-passthrough");
  v = verdict_of (f);
  assert_check (v, "cpu", "warning", "passes the source's CPU through");
}

static void
test_machine_missing (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("The destination's domain capabilities refuse the emulator (libvirt's message): "
                  "a blocker");
  f->domcaps_ok = FALSE;
  f->domcaps_error = g_strdup ("Cannot find 'qemu-system-x86_64' binary in $PATH: No such file or directory");
  v = verdict_of (f);
  assert_check (v, "machine", "blocker", "Cannot find 'qemu-system-x86_64'");
}

static void
test_memory (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("Free memory (virNodeGetFreeMemory) below the guest's: a blocker; within a tenth "
                  "of it: a warning");
  f->free_memory = 1024 * MIB;
  v = verdict_of (f);
  assert_check (v, "memory", "blocker", "2048 MiB of memory and the destination 1024 MiB free");
  g_clear_pointer (&v, g_variant_unref);
  f->free_memory = 2200 * MIB;
  v = verdict_of (f);
  assert_check (v, "memory", "warning", NULL);
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_WARNING);
}

/* The devices libvirt 9.0 and QEMU 7.2 judge a live migration by, one line
 * each: a blocker where they refuse, a warning where it moves on a
 * condition (test-check 6g: the shared memory and 9p ones for real). */
static void
test_host_devices (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A PCI host device, a peer's shared memory, the invariant TSC without its frequency: "
                  "blockers; a USB device, a teamed card, a 9p directory: warnings; offline none");
  virt_migrate_ties_add (f->ties, VIRT_MIGRATE_TIE_HOSTDEV, "<hostdev mode='subsystem' type='pci'>");
  v = verdict_of (f);
  g_assert_true (has_check (v, "devices", "blocker", "The guest has a host device passed through, <hostdev "
                            "mode='subsystem' type='pci'>: libvirt and QEMU refuse to migrate it running"));
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_BLOCKER);
  g_clear_pointer (&v, g_variant_unref);

  /* libvirt lets USB devices go (QEMU reattaches them), and a teamed card QEMU unplugs. */
  g_ptr_array_set_size (f->ties, 0);
  virt_migrate_ties_add (f->ties, VIRT_MIGRATE_TIE_USB, "<hostdev mode='subsystem' type='usb'> vendor 0x046d product 0xc52b");
  virt_migrate_ties_add (f->ties, VIRT_MIGRATE_TIE_TEAMED, "<interface type='hostdev'>");
  virt_migrate_ties_add (f->ties, VIRT_MIGRATE_TIE_9P, "share");
  v = verdict_of (f);
  g_assert_true (has_check (v, "devices", "warning", "(<hostdev mode='subsystem' type='usb'> vendor 0x046d product "
                            "0xc52b): it moves only if the destination has the same device"));
  g_assert_true (has_check (v, "devices", "warning", "The guest's <interface type='hostdev'> is teamed"));
  g_assert_true (has_check (v, "devices", "warning", "through 9p (mount tag share): QEMU refuses to migrate the "
                            "guest while it has it mounted"));
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_WARNING);
  g_clear_pointer (&v, g_variant_unref);

  g_ptr_array_set_size (f->ties, 0);
  virt_migrate_ties_add (f->ties, VIRT_MIGRATE_TIE_SHMEM, "shm0");
  virt_migrate_ties_add (f->ties, VIRT_MIGRATE_TIE_INVTSC, "invtsc");
  f->reachable = FALSE; /* the source's refusals, whatever the destination */
  v = verdict_of (f);
  g_assert_true (has_check (v, "devices", "blocker", "The shared memory device shm0 is a peer (its role is not "
                            "'master'): QEMU refuses to migrate the guest (\"Migration is disabled when using "
                            "feature 'peer mode' in device 'ivshmem'\")"));
  g_assert_true (has_check (v, "cpu", "blocker", "(\"domain has 'invtsc' CPU feature but TSC frequency is not "
                            "specified\")"));
  g_clear_pointer (&v, g_variant_unref);

  f->reachable = TRUE;
  f->offline = TRUE;
  v = verdict_of (f);
  g_assert_false (has_check (v, "devices", NULL, "shm0"));
  g_assert_false (has_check (v, "cpu", "blocker", NULL));
}

static void
test_volume_pool (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  VirtMigratePreflightDisk *d = g_ptr_array_index (f->disks, 0);
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A volume disk whose pool the destination lacks: a blocker; whose pools cannot be listed "
                  "there: a warning, not ok");
  d->pool = g_strdup ("images");
  d->dest_pool_named = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  g_assert_true (has_check (v, "disk", "blocker", "vda: a volume of the storage pool images, which the destination lacks"));
  g_clear_pointer (&v, g_variant_unref);
  d->dest_pool_named = VIRT_MIGRATE_FACT_UNKNOWN;
  v = verdict_of (f);
  g_assert_true (has_check (v, "disk", "warning", "vda: a volume of the storage pool images: whether the destination "
                            "has a pool of that name cannot be seen"));
  g_assert_false (has_check (v, "disk", "ok", NULL));
}

static void
test_hugepages (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A guest on huge pages: its pages against the destination's free ones of that size, not its "
                  "free memory; not seen, a warning");
  f->hugepage_kib = 1048576;
  f->hugepage_memory = 4096 * MIB + 1;   /* a part of a page takes a page */
  f->free_memory = 512 * MIB;         /* the huge pages are reserved apart */
  f->free_hugepages = 4;
  v = verdict_of (f);
  g_assert_true (has_check (v, "memory", "blocker", "on huge pages of 1048576 KiB: it needs 5 of them and the "
                            "destination has 4 free"));
  g_clear_pointer (&v, g_variant_unref);
  f->free_hugepages = 5;
  v = verdict_of (f);
  g_assert_true (has_check (v, "memory", "ok", "5 huge pages of 1048576 KiB needed, 5 free there"));
  g_assert_false (has_check (v, "memory", "blocker", NULL));
  g_clear_pointer (&v, g_variant_unref);
  f->free_hugepages = -1;
  v = verdict_of (f);
  g_assert_true (has_check (v, "memory", "warning", "how many the destination has free cannot be seen"));
}

static GArray *
ids_of (const char *set)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint));

  g_assert_true (virt_migrate_parse_id_set (set, ids));
  return ids;
}

static void
test_pinning (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GPtrArray) affinities = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));
  VirtMigrateGuestXml g = { 0 };

  g_test_summary ("Where the guest is pinned against the destination's CPUs and NUMA nodes: libvirt's set syntax, "
                  "the capabilities' topology, a blocker naming what it lacks (offline a warning), ok when all "
                  "is there, a warning when its topology is not known");
  g_assert_true (virt_migrate_parse_id_set ("0-3,^2, 8", ids));
  g_assert_cmpuint (ids->len, ==, 4);
  g_assert_cmpuint (g_array_index (ids, guint, 2), ==, 3);
  g_assert_cmpuint (g_array_index (ids, guint, 3), ==, 8);
  g_array_set_size (ids, 0);
  g_assert_false (virt_migrate_parse_id_set ("", ids));
  g_assert_false (virt_migrate_parse_id_set ("3-1", ids));
  g_assert_false (virt_migrate_parse_id_set ("a", ids));
  g_assert_false (virt_migrate_parse_id_set ("0-99999", ids));
  g_array_set_size (ids, 0);
  {
    g_autoptr(GArray) cpus = g_array_new (FALSE, FALSE, sizeof (guint));
    g_autoptr(GArray) cells = g_array_new (FALSE, FALSE, sizeof (guint));

    /* libvirt 9.0's, recorded on the test bed: one cell, two CPUs (guest <cpu>s elsewhere are not the host's). */
    g_assert_true (virt_migrate_caps_topology ("<capabilities><host><cpu><arch>x86_64</arch></cpu><topology>"
                                               "<cells num='2'><cell id='1'><cpus num='1'><cpu id='3'/></cpus></cell>"
                                               "<cell id='0'><cpus num='2'><cpu id='0' socket_id='0'/><cpu id='1'/>"
                                               "</cpus></cell></cells></topology></host><guest/></capabilities>",
                                               cpus, cells));
    g_assert_cmpuint (cpus->len, ==, 3);
    g_assert_cmpuint (g_array_index (cpus, guint, 2), ==, 3);
    g_assert_cmpuint (cells->len, ==, 2);
    g_assert_false (virt_migrate_caps_topology ("<capabilities><host/></capabilities>", cpus, cells));
  }

  g_assert_true (virt_migrate_guest_xml_parse ("<domain><vcpu placement='static' cpuset='0-1'>2</vcpu><cputune>"
                                               "<vcpupin vcpu='1' cpuset='5'/><emulatorpin cpuset='0'/>"
                                               "<iothreadpin iothread='1' cpuset='1'/></cputune><numatune>"
                                               "<memory mode='strict' nodeset='0-1'/><memnode cellid='0' "
                                               "nodeset='1'/></numatune><cpu><numa><cell id='0' memory='1'/></numa>"
                                               "</cpu></domain>", &g));
  affinities = g_ptr_array_ref (g.affinities);
  virt_migrate_guest_xml_clear (&g);
  g_assert_cmpuint (affinities->len, ==, 6);
  g_assert_cmpstr (((VirtMigrateAffinity *) g_ptr_array_index (affinities, 1))->what, ==, "vCPU 1");
  g_assert_cmpstr (((VirtMigrateAffinity *) g_ptr_array_index (affinities, 5))->what, ==, "NUMA cell 0's memory");

  f->affinities = g_ptr_array_ref (affinities);
  v = verdict_of (f);
  g_assert_true (has_check (v, "pinning", "warning", "The guest's vCPUs are pinned to host CPUs 0-1: whether the "
                            "destination has them cannot be seen"));
  g_clear_pointer (&v, g_variant_unref);

  f->dest_cpus = ids_of ("0-3");
  f->dest_cells = ids_of ("0");
  v = verdict_of (f);
  g_assert_true (has_check (v, "pinning", "blocker", "The guest's vCPU 1 is pinned to host CPUs 5; the destination "
                            "has no CPUs 5 (it has 0-3)"));
  g_assert_true (has_check (v, "pinning", "blocker", "The guest's memory is pinned to host NUMA nodes 0-1; the "
                            "destination has no NUMA nodes 1 (it has 0)"));
  g_assert_true (has_check (v, "pinning", "blocker", "The guest's NUMA cell 0's memory is pinned"));
  g_assert_false (has_check (v, "pinning", "blocker", "emulator threads"));
  g_assert_false (has_check (v, "pinning", "ok", NULL));
  g_clear_pointer (&v, g_variant_unref);

  f->offline = TRUE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "pinning", "warning", "vCPU 1 is pinned"));
  g_assert_false (has_check (v, "pinning", "blocker", NULL));
  g_clear_pointer (&v, g_variant_unref);

  f->offline = FALSE;
  g_array_unref (f->dest_cpus);
  g_array_unref (f->dest_cells);
  f->dest_cpus = ids_of ("0-7");
  f->dest_cells = ids_of ("0-1");
  v = verdict_of (f);
  g_assert_true (has_check (v, "pinning", "ok", "(it has CPUs 0-7, nodes 0-1)"));
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_OK);
}

/* The endpoints of @xml's graphics, one "WHAT PORT ADDRESS FIXED" string
 * each, joined by "; ". */
static char *
endpoints_of (const char *xml)
{
  g_autoptr(GString) text = g_string_new (NULL);
  VirtMigrateGuestXml g = { 0 };

  g_assert_true (virt_migrate_guest_xml_parse (xml, &g));
  for (guint i = 0; i < g.endpoints->len; i++)
    {
      const VirtMigrateEndpoint *e = g_ptr_array_index (g.endpoints, i);

      g_string_append_printf (text, "%s%s %u %s %s", text->len > 0 ? "; " : "", e->what, e->port,
                              e->address != NULL ? e->address : "-", e->fixed ? "fixed" : "chosen");
    }
  virt_migrate_guest_xml_clear (&g);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static GPtrArray *
endpoints_one (const char *what, guint port, const char *address, const char *guest)
{
  GPtrArray *list = virt_migrate_endpoints_new ();
  VirtMigrateEndpoint e = { (char *) what, (char *) address, port, TRUE, NULL };

  virt_migrate_endpoints_add_copy (list, &e, guest);
  return list;
}

static void
test_ports (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;
  /* What listens on this machine, the guest's port on its address (none:
   * the destination's qemu.conf's). */
  const struct { const char *guest, *address, *holder, *result, *text; } listening[] = {
    { NULL, "127.0.0.1", "python3 (pid 42)", "warning", "VNC port 5910 (on the address the destination's qemu.conf "
      "gives) may be taken there: python3 (pid 42) listens on 127.0.0.1:5910, on an address" },
    { "127.0.0.1", "127.0.0.1", "python3 (pid 42)", "blocker", "VNC port 5910 on 127.0.0.1 is taken there (this machine): "
      "python3 (pid 42) listens on 127.0.0.1:5910; QEMU would fail to start there (\"Address already in use\")" },
    { "127.0.0.1", "::", NULL, "blocker", "is taken there (this machine): a program listens on [::]:5910" },
    { "127.0.0.1", "127.0.0.2", NULL, "ok", "VNC port 5910 on 127.0.0.1: no guest of the destination holds it, "
      "no program of this machine (the destination) listens on it" },
  };
  struct { const char *xml, *endpoints; } reads[] = {
    /* libvirt's migratable XML of an autoport guest: nothing fixed */
    { "<domain><devices><graphics type='vnc' port='-1' autoport='yes'><listen type='address'/></graphics>"
      "</devices></domain>", "" },
    /* its live XML: the port it was given */
    { "<domain><devices><graphics type='vnc' port='5900' autoport='yes' listen='127.0.0.1'><listen type='address' "
      "address='127.0.0.1'/></graphics></devices></domain>", "VNC 5900 127.0.0.1 chosen" },
    /* a fixed port, the address from qemu.conf; a websocket */
    { "<domain><devices><graphics type='vnc' port='5910' autoport='no' websocket='5710'><listen type='address'/>"
      "</graphics></devices></domain>", "VNC 5910 - fixed; VNC websocket 5710 - fixed" },
    /* the listen attribute without an address in <listen> */
    { "<domain><devices><graphics type='vnc' port='5911' listen='0.0.0.0'><listen type='address'/></graphics>"
      "</devices></domain>", "VNC 5911 0.0.0.0 fixed" },
    /* SPICE's two; a UNIX socket has no port; none; a port out of range */
    { "<domain><devices><graphics type='spice' port='5920' tlsPort='5921' autoport='no'><listen type='address' "
      "address='::'/></graphics><graphics type='vnc' port='5930'><listen type='socket'/></graphics>"
      "<graphics type='vnc' port='5931'><listen type='none'/></graphics><graphics type='vnc' port='70000'/>"
      "<graphics type='sdl'/></devices></domain>", "SPICE 5920 :: fixed; SPICE TLS 5921 :: fixed" },
  };

  g_test_summary ("A port the guest's graphics fix against the destination's guests' (libvirt reserves a port for one "
                  "of them whatever the address: a blocker) and, both hosts on one machine, the source's (the same "
                  "address, or a wildcard: a blocker; not known: a warning), the destination being this machine, any "
                  "program listening there (the same rules); an address only some hosts have a "
                  "warning; the destination's guests not listed a warning; else ok");
  for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
    {
      g_autofree char *got = endpoints_of (reads[i].xml);

      g_assert_cmpstr (got, ==, reads[i].endpoints);
    }

  v = verdict_of (f);
  g_assert_false (has_check (v, "ports", NULL, NULL));
  g_clear_pointer (&v, g_variant_unref);

  f->endpoints = endpoints_one ("VNC", 5910, "127.0.0.1", NULL);
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "warning", "VNC port 5910 on 127.0.0.1 is fixed, and the destination's "
                            "guests could not be listed"));
  g_clear_pointer (&v, g_variant_unref);

  f->ports_held = endpoints_one ("SPICE", 5910, "10.1.1.1", "db");
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "blocker", "VNC port 5910 is taken there: guest db listens on SPICE port "
                            "5910 on 10.1.1.1, and libvirt reserves a port for one guest whatever the address "
                            "(\"Failed to reserve port 5910\")"));
  g_clear_pointer (&v, g_variant_unref);
  g_ptr_array_set_size (f->ports_held, 0);
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "ok", "VNC port 5910 on 127.0.0.1: no guest of the destination holds it "
                            "(other programs there are not known)"));
  g_clear_pointer (&v, g_variant_unref);

  /* One machine: the source's QEMUs bind the same ports. */
  f->ports_here = endpoints_one ("VNC", 5910, "127.0.0.2", "web");
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "ok", "no guest of the destination or of the source (the same machine)"));
  g_clear_pointer (&v, g_variant_unref);
  g_clear_pointer (&f->ports_here, g_ptr_array_unref);
  f->ports_here = endpoints_one ("VNC", 5910, "0.0.0.0", "web");
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "blocker", "VNC port 5910 on 127.0.0.1 is taken there: guest web of the "
                            "source (the same machine) listens on VNC port 5910 on 0.0.0.0; QEMU would fail"));
  g_clear_pointer (&v, g_variant_unref);
  g_clear_pointer (&f->endpoints, g_ptr_array_unref);
  f->endpoints = endpoints_one ("VNC", 5910, NULL, NULL);
  g_clear_pointer (&f->ports_here, g_ptr_array_unref);
  f->ports_here = endpoints_one ("VNC", 5910, "127.0.0.1", "web");
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "warning", "VNC port 5910 (on the address the destination's qemu.conf "
                            "gives) may be taken there: guest web of the source"));
  g_clear_pointer (&v, g_variant_unref);
  g_clear_pointer (&f->ports_here, g_ptr_array_unref);

  /* The destination is this machine: what else listens there. */
  for (guint i = 0; i < G_N_ELEMENTS (listening); i++)
    {
      g_clear_pointer (&f->endpoints, g_ptr_array_unref);
      f->endpoints = endpoints_one ("VNC", 5910, listening[i].guest, NULL);
      g_clear_pointer (&f->listeners, g_ptr_array_unref);
      f->listeners = endpoints_one ("TCP", 5910, listening[i].address, listening[i].holder);
      v = verdict_of (f);
      g_assert_true (has_check (v, "ports", listening[i].result, listening[i].text));
      g_clear_pointer (&v, g_variant_unref);
    }
  g_clear_pointer (&f->listeners, g_ptr_array_unref);

  /* An address some hosts have; every host's. */
  g_clear_pointer (&f->endpoints, g_ptr_array_unref);
  f->endpoints = endpoints_one ("VNC", 5910, "192.0.2.1", NULL);
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "warning", "VNC port 5910 listens on 192.0.2.1: libvirt keeps the address"));
  g_clear_pointer (&v, g_variant_unref);
  g_clear_pointer (&f->endpoints, g_ptr_array_unref);
  f->endpoints = endpoints_one ("VNC", 5910, "::1", NULL);
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "ok", NULL));

  /* The migration's listen address on a local destination: not one of
   * its addresses, a blocker; one, ok; a host name (unknown), nothing. */
  g_clear_pointer (&v, g_variant_unref);
  g_clear_pointer (&f->endpoints, g_ptr_array_unref);
  f->listen_address = g_strdup ("198.51.100.77");
  f->listen_here = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "blocker", "The listen address 198.51.100.77 is not an address of this machine "
                            "(the destination): its QEMU cannot listen there"));
  g_clear_pointer (&v, g_variant_unref);
  f->listen_here = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "ok", "The listen address 198.51.100.77: this machine (the destination) can "
                            "listen there"));
  g_clear_pointer (&v, g_variant_unref);
  f->listen_here = VIRT_MIGRATE_FACT_UNKNOWN;
  v = verdict_of (f);
  g_assert_null (check_of (v, "ports"));

  /* The UNIX sockets a local destination's QEMU makes: something at the
   * path (a file it would remove, a directory), the directory missing or
   * not writable for the daemon's user: blockers; free, ok. */
  {
    VirtMigratePreflightFile *sock = virt_migrate_preflight_add_socket (f, VIRT_MIGRATE_STREAM_MEMORY, "/srv/m.sock");

    g_clear_pointer (&v, g_variant_unref);
    sock->occupant = g_strdup ("a file of 9 bytes");
    v = verdict_of (f);
    g_assert_true (has_check (v, "ports", "blocker", "The migration stream's UNIX socket /srv/m.sock: a file of 9 bytes "
                              "is at that path on this machine (the destination), and its QEMU removes it to listen "
                              "there: it would be lost"));
    g_clear_pointer (&v, g_variant_unref);
    g_free (sock->occupant);
    sock->occupant = g_strdup ("a directory");
    v = verdict_of (f);
    g_assert_true (has_check (v, "ports", "blocker", "a directory is at that path on this machine (the destination), "
                              "where its QEMU cannot listen"));
    g_clear_pointer (&v, g_variant_unref);
    g_clear_pointer (&sock->occupant, g_free);
    sock->there = VIRT_MIGRATE_FACT_NO;
    v = verdict_of (f);
    g_assert_true (has_check (v, "ports", "blocker", "/srv/m.sock: its directory is missing on this machine"));
    g_clear_pointer (&v, g_variant_unref);
    sock->there = VIRT_MIGRATE_FACT_YES;
    sock->usable = VIRT_MIGRATE_FACT_NO;
    v = verdict_of (f);
    g_assert_true (has_check (v, "ports", "blocker", "/srv/m.sock: the destination's libvirtd (not identified) may not "
                              "write in its directory"));
    g_clear_pointer (&v, g_variant_unref);
    sock->usable = VIRT_MIGRATE_FACT_YES;
    v = verdict_of (f);
    g_assert_true (has_check (v, "ports", "ok", "/srv/m.sock: nothing is there, and the destination's"));
    g_clear_pointer (&f->sockets, g_ptr_array_unref);
  }

  /* A stream's port below the lowest an unprivileged program may bind:
   * on this machine, its daemon not root, a blocker; root, or another
   * machine (1024 by default), a warning; above it, nothing. */
  g_clear_pointer (&v, g_variant_unref);
  f->streams = endpoints_one (VIRT_MIGRATE_STREAM_MEMORY, 81, "127.0.0.1", NULL);
  f->unprivileged_port_start = 1024;
  f->dest_daemon_root = VIRT_MIGRATE_FACT_NO;
  f->dest_daemon = g_strdup ("libvirtd (pid 8, user vmtb)");
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "blocker", "The migration stream's port 81 is below 1024, the lowest an "
                            "unprivileged program of this machine (the destination) may listen on "
                            "(net.ipv4.ip_unprivileged_port_start), and its QEMU runs unprivileged, as the user of "
                            "libvirtd (pid 8, user vmtb)"));
  g_clear_pointer (&v, g_variant_unref);
  f->dest_daemon_root = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "warning", "port 81 is below 1024, the lowest an unprivileged program of this "
                            "machine (the destination) may listen on: libvirt runs QEMU unprivileged"));
  g_clear_pointer (&v, g_variant_unref);
  f->unprivileged_port_start = 0;
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "warning", "port 81 is below 1024, the lowest an unprivileged program there "
                            "(by default) may listen on"));
  g_clear_pointer (&v, g_variant_unref);
  f->unprivileged_port_start = 80;
  v = verdict_of (f);
  g_assert_false (has_check (v, "ports", NULL, "is below"));
  g_clear_pointer (&f->streams, g_ptr_array_unref);

  /* The migrate URI's host where the source connects, not where QEMU
   * listens: both hosts on this machine, a blocker; between two, a
   * warning (a forward may carry it); where it listens, ok. */
  g_clear_pointer (&v, g_variant_unref);
  f->stream_host = g_strdup ("127.0.0.1");
  f->stream_reaches = VIRT_MIGRATE_FACT_NO;
  f->same_machine = TRUE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "blocker", "The source connects to 127.0.0.1 (the migrate URI's host), and the "
                            "destination's QEMU listens on 198.51.100.77 only: both hosts are this machine"));
  g_clear_pointer (&v, g_variant_unref);
  f->same_machine = FALSE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "warning", "listens on 198.51.100.77 only: the connection fails unless "
                            "something on the way forwards it there"));
  g_clear_pointer (&v, g_variant_unref);
  f->stream_reaches = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  g_assert_true (has_check (v, "ports", "ok", "The source connects to 127.0.0.1 (the migrate URI's host), where the "
                            "destination's QEMU listens (198.51.100.77)"));
}

static void
test_files (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;
  VirtMigrateGuestXml g = { 0 };

  g_test_summary ("The files a guest's character devices write (a file serial port, a console mirroring it, a "
                  "pty's log; not a pty itself): their directory missing on the destination a blocker, not seen a "
                  "warning, there ok; a file named twice said once; the files QEMU reads (the firmware, a kernel, "
                  "an initrd): missing a blocker, not seen a warning; there but not for its libvirtd's user, a "
                  "blocker naming it");
  g_assert_true (virt_migrate_guest_xml_parse ("<domain><devices><serial type='file'><source path='/var/log/vm/s0.log'/>"
                                               "<target port='0'/></serial><console type='file'><source "
                                               "path='/var/log/vm/s0.log'/></console><serial type='pty'><log "
                                               "file='/var/log/vm/s1.log' append='on'/></serial><channel "
                                               "type='pty'><source path='/dev/pts/3'/></channel></devices></domain>",
                                               &g));
  g_assert_cmpuint (g.char_files->len, ==, 6);
  g_assert_cmpstr (g_ptr_array_index (g.char_files, 0), ==, "serial port");
  g_assert_cmpstr (g_ptr_array_index (g.char_files, 3), ==, "/var/log/vm/s0.log");
  g_assert_cmpstr (g_ptr_array_index (g.char_files, 4), ==, "serial port's log");
  g_assert_cmpstr (g_ptr_array_index (g.char_files, 5), ==, "/var/log/vm/s1.log");
  virt_migrate_guest_xml_clear (&g);

  virt_migrate_preflight_add_file (f, "serial port", "/var/log/vm/s0.log")->there = VIRT_MIGRATE_FACT_NO;
  virt_migrate_preflight_add_file (f, "console", "/var/log/vm/s0.log")->there = VIRT_MIGRATE_FACT_NO;
  virt_migrate_preflight_add_file (f, "serial port's log", "/var/log/vm/s1.log");
  virt_migrate_preflight_add_file (f, "channel", "/srv/ch")->there = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  g_assert_true (has_check (v, "files", "blocker", "The guest's serial port writes to /var/log/vm/s0.log, whose "
                            "directory is missing on the destination: the guest fails to start there"));
  g_assert_false (has_check (v, "files", NULL, "console"));
  g_assert_true (has_check (v, "files", "warning", "The guest's serial port's log writes to /var/log/vm/s1.log: the "
                            "destination needs its directory, and its files cannot be seen from here"));
  g_assert_true (has_check (v, "files", "ok", "The guest's channel writes to /srv/ch, whose directory is on the destination"));
  g_clear_pointer (&v, g_variant_unref);

  /* What QEMU reads: the file itself. */
  g_assert_true (virt_migrate_guest_xml_parse ("<domain><os><type>hvm</type><loader type='pflash'>/usr/share/OVMF/"
                                               "OVMF_CODE.fd</loader><kernel>/boot/vmlinuz</kernel><initrd> /boot/initrd"
                                               " </initrd><cmdline>quiet</cmdline></os></domain>", &g));
  g_assert_cmpuint (g.boot_files->len, ==, 6);
  g_assert_cmpstr (g_ptr_array_index (g.boot_files, 0), ==, "firmware");
  g_assert_cmpstr (g_ptr_array_index (g.boot_files, 3), ==, "/boot/vmlinuz");
  g_assert_cmpstr (g_ptr_array_index (g.boot_files, 5), ==, "/boot/initrd");
  virt_migrate_guest_xml_clear (&g);
  virt_migrate_preflight_add_file (f, "kernel", "/boot/vmlinuz")->read = TRUE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "files", "warning", "The guest's kernel is /boot/vmlinuz: the destination needs it, and "
                            "its files cannot be seen from here"));
  g_clear_pointer (&v, g_variant_unref);
  ((VirtMigratePreflightFile *) g_ptr_array_index (f->files, f->files->len - 1))->there = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  g_assert_true (has_check (v, "files", "blocker", "The guest's kernel is /boot/vmlinuz, which is missing on the "
                            "destination: the guest fails to start there"));
  /* There, but its libvirtd's user (a session daemon's QEMU) may not read it, or write beside it. */
  g_clear_pointer (&v, g_variant_unref);
  ((VirtMigratePreflightFile *) g_ptr_array_index (f->files, f->files->len - 1))->there = VIRT_MIGRATE_FACT_YES;
  ((VirtMigratePreflightFile *) g_ptr_array_index (f->files, f->files->len - 1))->usable = VIRT_MIGRATE_FACT_NO;
  ((VirtMigratePreflightFile *) g_ptr_array_index (f->files, 3))->usable = VIRT_MIGRATE_FACT_NO;
  f->dest_daemon = g_strdup ("libvirtd (pid 812, user vmtest)");
  v = verdict_of (f);
  g_assert_true (has_check (v, "files", "blocker", "The guest's kernel is /boot/vmlinuz, which the destination's "
                            "libvirtd (pid 812, user vmtest) may not read: the guest fails to start there (\"could not "
                            "open … Permission denied\")"));
  g_assert_true (has_check (v, "files", "blocker", "The guest's channel writes to /srv/ch, which the destination's "
                            "libvirtd (pid 812, user vmtest) may not write"));
}

static void
test_missing_there (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;
  VirtMigratePreflightDisk *cd = virt_migrate_preflight_add_disk (f, "hdc", "/isos/a.iso");
  VirtMigratePreflightDisk *cd2 = virt_migrate_preflight_add_disk (f, "hdd", "/isos/b.iso");

  g_test_summary ("A disk left in place that a local destination lacks (looked at: it is this machine): a "
                  "blocker naming its path there; a medium libvirt may leave out (startupPolicy), a warning");
  cd->readonly = TRUE;
  cd->dest_exists = VIRT_MIGRATE_FACT_NO;
  g_free (cd->dest_path);
  cd->dest_path = g_strdup ("/srv/isos/a.iso");
  cd2->readonly = TRUE;
  cd2->dest_exists = VIRT_MIGRATE_FACT_NO;
  cd2->droppable = TRUE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "disk", "blocker", "hdc: /srv/isos/a.iso there (/isos/a.iso here) is missing on the "
                            "destination: the guest cannot start there"));
  g_assert_true (has_check (v, "disk", "warning", "hdd: /isos/b.iso is missing on the destination: libvirt leaves the "
                            "medium out there"));
}

static void
test_nvram (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;
  VirtMigrateGuestXml g = { 0 };

  g_test_summary ("A UEFI guest's variables file: running, they move (QEMU writes them into the destination's "
                  "file); offline a warning, unless the destination sees that very file (shared, or on this "
                  "machine); to the same host nothing; the file read from either <nvram> form, not a network one");
  f->nvram = g_strdup ("/var/lib/libvirt/qemu/nvram/win11_VARS.fd");
  f->nvram_fs = VIRT_MIGRATE_FS_LOCAL;
  v = verdict_of (f);
  g_assert_true (has_check (v, "firmware", "ok", "The guest's UEFI variables (/var/lib/libvirt/qemu/nvram/win11_VARS.fd) "
                            "move with it: QEMU writes them into /var/lib/libvirt/qemu/nvram/win11_VARS.fd there at the "
                            "switch-over"));
  g_clear_pointer (&v, g_variant_unref);
  f->dest_nvram = g_strdup ("/srv/nvram/win11.fd");
  v = verdict_of (f);
  g_assert_true (has_check (v, "firmware", "ok", "QEMU writes them into /srv/nvram/win11.fd there"));
  g_clear_pointer (&v, g_variant_unref);
  f->offline = TRUE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "firmware", "warning", "The guest's UEFI variables are in "
                            "/var/lib/libvirt/qemu/nvram/win11_VARS.fd, a file an offline migration does not move: the "
                            "definition goes without them, and at its first start there /srv/nvram/win11.fd is made "
                            "from the template"));
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_WARNING);
  g_clear_pointer (&v, g_variant_unref);
  f->nvram_fs = VIRT_MIGRATE_FS_SHARED; /* but another path there */
  v = verdict_of (f);
  g_assert_true (has_check (v, "firmware", "warning", NULL));
  g_clear_pointer (&v, g_variant_unref);
  g_clear_pointer (&f->dest_nvram, g_free);
  v = verdict_of (f);
  g_assert_true (has_check (v, "firmware", "ok", "the destination sees that very file (a shared file system)"));
  g_clear_pointer (&v, g_variant_unref);
  f->nvram_fs = VIRT_MIGRATE_FS_LOCAL;
  f->same_machine = TRUE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "firmware", "ok", "(it runs on this machine too)"));
  g_clear_pointer (&v, g_variant_unref);
  f->same_machine = FALSE;
  /* Shut off, its firmware picked at start: no file named yet. */
  g_clear_pointer (&f->nvram, g_free);
  f->uefi = TRUE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "firmware", "warning", "The guest boots UEFI, and an offline migration does not move "
                            "the file of its variables"));
  g_clear_pointer (&v, g_variant_unref);
  f->offline = FALSE;
  v = verdict_of (f);
  g_assert_false (has_check (v, "firmware", NULL, NULL));
  g_clear_pointer (&v, g_variant_unref);
  f->offline = TRUE;
  f->same_host = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  g_assert_false (has_check (v, "firmware", NULL, NULL));

  g_assert_true (virt_migrate_guest_xml_parse ("<domain><os><loader readonly='yes' type='pflash'>/usr/share/OVMF/"
                                               "OVMF_CODE_4M.fd</loader><nvram template='/usr/share/OVMF/"
                                               "OVMF_VARS_4M.fd'> /var/lib/libvirt/qemu/nvram/g_VARS.fd </nvram>"
                                               "</os></domain>", &g));
  g_assert_cmpstr (g.nvram, ==, "/var/lib/libvirt/qemu/nvram/g_VARS.fd");
  g_assert_true (g.uefi);
  virt_migrate_guest_xml_clear (&g);
  memset (&g, 0, sizeof g);
  g_assert_true (virt_migrate_guest_xml_parse ("<domain><os><nvram type='file'><source file='/srv/nv/g.fd'/></nvram>"
                                               "</os></domain>", &g));
  g_assert_cmpstr (g.nvram, ==, "/srv/nv/g.fd");
  g_assert_false (g.uefi); /* (a <loader> would say so; the nvram alone tells the facts) */
  virt_migrate_guest_xml_clear (&g);
  memset (&g, 0, sizeof g);
  g_assert_true (virt_migrate_guest_xml_parse ("<domain><os><nvram type='network'><source protocol='iscsi' "
                                               "name='iqn.2013-07.com.example:iscsi-nopool/0'/></nvram></os></domain>", &g));
  g_assert_null (g.nvram);
  virt_migrate_guest_xml_clear (&g);
  memset (&g, 0, sizeof g);
  g_assert_true (virt_migrate_guest_xml_parse ("<domain><os firmware='efi'><type>hvm</type></os></domain>", &g));
  g_assert_null (g.nvram);
  g_assert_true (g.uefi);
  virt_migrate_guest_xml_clear (&g);
}

static void
test_devices_offered (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("The guest's devices against the destination's domain capabilities: a disk bus and "
                  "video model offered make one ok line; a graphics type its QEMU lacks (a build "
                  "without SPICE) is a blocker");
  virt_migrate_preflight_add_device (f, "disk", "virtio", VIRT_MIGRATE_FACT_YES);
  virt_migrate_preflight_add_device (f, "video", "vga", VIRT_MIGRATE_FACT_YES);
  virt_migrate_preflight_add_device (f, "disk", "virtio", VIRT_MIGRATE_FACT_YES);
  v = verdict_of (f);
  assert_check (v, "devices", "ok", "disk bus virtio, video model vga");
  g_clear_pointer (&v, g_variant_unref);
  virt_migrate_preflight_add_device (f, "graphics", "spice", VIRT_MIGRATE_FACT_NO);
  v = verdict_of (f);
  assert_check (v, "devices", "blocker", "offers no graphics spice");
}

static void
test_networks (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;
  g_autofree char *blockers = NULL;

  g_test_summary ("A network missing there (VIR_ERR_NO_NETWORK): a blocker with --network-map as "
                  "the fix; a bridge nobody can see from here (no interface driver): a warning");
  virt_migrate_preflight_add_network (f, "network", "isolated")->present = VIRT_MIGRATE_FACT_NO;
  virt_migrate_preflight_add_network (f, "bridge", "br0")->present = VIRT_MIGRATE_FACT_UNKNOWN;
  v = verdict_of (f);
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_BLOCKER);
  blockers = virt_migrate_preflight_blockers (v);
  g_assert_nonnull (strstr (blockers, "network isolated does not exist"));
  assert_check (v, "network", "ok", "default exists");
}

/* A disk left uncopied on a file system of the source that libvirt
 * counts as local (qemuMigrationSrcIsSafe() in libvirt 9.0): libvirt
 * refuses the migration unless VIR_MIGRATE_UNSAFE, or offline; a
 * read-only disk, a copied one or a file system not known are not its
 * business. (test-check 6c: the same for real.) */
static void
test_local_fs (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  VirtMigratePreflightDisk *d = g_ptr_array_index (f->disks, 0);
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("an uncopied disk on the source's local file system: a blocker in libvirt's words; "
                  "--unsafe a warning; offline, read-only, copied or not known: not this rule; copied into "
                  "its own path on a shared file system: a warning (the image onto itself)");
  d->source_fs = VIRT_MIGRATE_FS_LOCAL;
  v = verdict_of (f);
  assert_check (v, "disk", "blocker", "libvirt refuses the migration (\"Migration without shared storage is unsafe\")");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_BLOCKER);

  g_clear_pointer (&v, g_variant_unref);
  f->unsafe = TRUE;
  v = verdict_of (f);
  assert_check (v, "disk", "warning", "accepted with --unsafe, the destination must see this very file");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_WARNING);
  f->unsafe = FALSE;

  g_clear_pointer (&v, g_variant_unref);
  f->offline = TRUE;
  v = verdict_of (f);
  assert_check (v, "disk", "ok", "visible on the destination");
  f->offline = FALSE;

  g_clear_pointer (&v, g_variant_unref);
  d->readonly = TRUE;
  d->written = FALSE;
  v = verdict_of (f);
  assert_check (v, "disk", "ok", "visible on the destination");
  /* Shareable: not copied, but written: libvirt's rule applies. */
  g_clear_pointer (&v, g_variant_unref);
  d->written = TRUE;
  v = verdict_of (f);
  assert_check (v, "disk", "blocker", "that libvirt counts as local");
  d->readonly = FALSE;

  g_clear_pointer (&v, g_variant_unref);
  d->copied = TRUE;
  v = verdict_of (f);
  assert_check (v, "disk", "ok", "copied into");
  /* Copied into the same path on a shared file system: most likely the
   * image itself (two QEMUs writing one image). */
  g_clear_pointer (&v, g_variant_unref);
  d->source_fs = VIRT_MIGRATE_FS_CLUSTER;
  v = verdict_of (f);
  assert_check (v, "disk", "warning", "the copy writes the image onto itself");
  g_clear_pointer (&v, g_variant_unref);
  g_free (d->dest_path);
  d->dest_path = g_strdup ("/dst/images/web1.qcow2");
  v = verdict_of (f);
  assert_check (v, "disk", "ok", "copied into /dst/images/web1.qcow2, which exists");
  g_free (d->dest_path);
  d->dest_path = g_strdup (d->source);
  d->source_fs = VIRT_MIGRATE_FS_LOCAL;
  d->copied = FALSE;

  g_clear_pointer (&v, g_variant_unref);
  d->source_fs = VIRT_MIGRATE_FS_UNKNOWN;
  v = verdict_of (f);
  assert_check (v, "disk", "ok", "visible on the destination");
}

/* A resume of a post-copy migration that broke (postcopy-resume): only
 * that there is one; a new migration's checks would find the guest
 * already running there (test-postcopy-recovery 2 for real). */
static void
test_resume (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A resume: the guest in post-copy failed ok, still in post-copy ok (followed), running a "
                  "blocker (libvirt: not being migrated); no check of a new migration, even with the guest "
                  "already there; the destination unreachable a blocker");
  f->resume = TRUE;
  f->uuid_present = VIRT_MIGRATE_FACT_YES;
  f->uuid_active = TRUE;
  f->state = g_strdup ("running");
  v = verdict_of (f);
  g_assert_true (has_check (v, "state", "blocker", "Nothing to resume: the guest is running on the source, not in a "
                            "post-copy migration that broke (libvirt: \"domain is not being migrated\")"));
  g_assert_null (check_of (v, "uuid"));
  g_assert_null (check_of (v, "memory"));
  g_assert_null (check_of (v, "disk"));
  g_clear_pointer (&v, g_variant_unref);
  g_free (f->state);
  f->state = g_strdup ("paused (post-copy failed)");
  f->in_postcopy = f->postcopy_failed = TRUE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "state", "ok", "The guest is paused (post-copy failed) on the source: its post-copy "
                            "migration broke, and libvirt can resume it"));
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_OK);
  g_clear_pointer (&v, g_variant_unref);
  f->postcopy_failed = FALSE;
  g_free (f->state);
  f->state = g_strdup ("paused (post-copy)");
  v = verdict_of (f);
  g_assert_true (has_check (v, "state", "ok", "still moving, and virt-migrate follows it"));
  g_clear_pointer (&v, g_variant_unref);
  f->reachable = FALSE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "reachable", "blocker", NULL));
}

/* What libvirt 9.0 refuses to migrate running whatever the destination
 * (qemuMigrationSrcIsAllowed()): a directory shared through virtiofs (the
 * test bed's session-mode libvirtd cannot run one: "virtiofs is not yet
 * supported in session mode"), a transient disk (test-check 6e for real). */
static void
test_source_refusals (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  VirtMigratePreflightDisk *d = g_ptr_array_index (f->disks, 0);
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("virtiofs and a transient disk: blockers in libvirt's words, even with the destination "
                  "unreachable; offline neither, a running guest moved offline a warning (it runs on here); paused by "
                  "a disk I/O error, with abort-on-error a blocker, without a warning; paused with post-copy allowed, a "
                  "blocker");
  virt_migrate_ties_add (f->ties, VIRT_MIGRATE_TIE_VIRTIOFS, "a");
  virt_migrate_ties_add (f->ties, VIRT_MIGRATE_TIE_VIRTIOFS, "b");
  d->transient = TRUE;
  f->reachable = FALSE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "devices", "blocker", "The guest shares 2 directories with the host through virtiofs: "
                            "libvirt refuses to migrate it (\"migration with virtiofs device is not supported\")"));
  g_assert_true (has_check (v, "disk", "blocker", "vda: a transient disk (its writes kept in an overlay dropped at "
                            "shutdown): libvirt refuses to migrate it (\"migration with transient disk is not supported\")"));
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_BLOCKER);
  g_clear_pointer (&v, g_variant_unref);
  f->reachable = TRUE;
  f->offline = TRUE;
  v = verdict_of (f);
  g_assert_false (has_check (v, "devices", "blocker", "virtiofs"));
  g_assert_false (has_check (v, "disk", "blocker", "transient"));
  /* A running guest moved offline runs on here: a warning. */
  g_assert_true (has_check (v, "state", "warning", "The guest is running: an offline migration moves only its "
                            "definition and the guest runs on here; started there before it stops here, two QEMUs"));
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_WARNING);
  g_clear_pointer (&v, g_variant_unref);
  f->not_running = TRUE;
  v = verdict_of (f);
  g_assert_null (check_of (v, "state"));
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_OK);

  /* Paused by a disk I/O error: with abort-on-error libvirt refuses it (a
   * blocker), without it moves paused (a warning); offline, nothing. */
  g_clear_pointer (&v, g_variant_unref);
  f->offline = FALSE;
  f->not_running = FALSE;
  f->io_error = TRUE;
  f->abort_on_error = TRUE;
  g_clear_pointer (&f->ties, g_ptr_array_unref);
  f->ties = virt_migrate_ties_new ();
  d->transient = FALSE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "state", "blocker", "The guest is paused by a disk I/O error, and --abort-on-error is "
                            "given: libvirt refuses the migration (\"cannot migrate domain with I/O error\")"));
  g_clear_pointer (&v, g_variant_unref);
  f->abort_on_error = FALSE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "state", "warning", "The guest is paused by a disk I/O error: it moves paused"));
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_WARNING);
  g_clear_pointer (&v, g_variant_unref);
  f->offline = TRUE;
  f->abort_on_error = TRUE;
  v = verdict_of (f);
  g_assert_false (has_check (v, "state", NULL, "I/O error"));

  /* A paused guest with post-copy allowed: libvirt refuses it (a blocker);
   * without post-copy, or offline, nothing. */
  g_clear_pointer (&v, g_variant_unref);
  f->io_error = FALSE;
  f->offline = FALSE;
  f->paused = TRUE;
  f->postcopy = TRUE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "state", "blocker", "The guest is paused: libvirt migrates it paused, and refuses "
                            "post-copy for a paused guest"));
  g_clear_pointer (&v, g_variant_unref);
  f->postcopy = FALSE;
  v = verdict_of (f);
  g_assert_false (has_check (v, "state", NULL, "paused"));
}

/* What libvirt makes of this machine's file systems: none of the ones a
 * build runs on is shared; a path not there yet is judged by its nearest
 * parent (as libvirt does); a relative one is not known. */
static void
test_fs_kind (void)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *missing = g_build_filename (cwd, "no-such-dir", "no-such.qcow2", NULL);

  g_test_summary ("the file system under a path as libvirt sees it: local here, a missing path by its parent, "
                  "a relative one unknown");
  g_assert_cmpint (virt_migrate_path_fs_kind ("/"), ==, VIRT_MIGRATE_FS_LOCAL);
  g_assert_cmpint (virt_migrate_path_fs_kind (cwd), ==, VIRT_MIGRATE_FS_LOCAL);
  g_assert_cmpint (virt_migrate_path_fs_kind (missing), ==, virt_migrate_path_fs_kind (cwd));
  g_assert_cmpint (virt_migrate_path_fs_kind ("/proc/self/status"), ==, VIRT_MIGRATE_FS_LOCAL);
  g_assert_cmpint (virt_migrate_path_fs_kind ("images/web1.qcow2"), ==, VIRT_MIGRATE_FS_UNKNOWN);
  g_assert_cmpint (virt_migrate_path_fs_kind (NULL), ==, VIRT_MIGRATE_FS_UNKNOWN);
}

/* Copied into an image there that is not the guest's to write: another
 * guest's disk, or the same image for two of its disks. */
static void
test_disk_targets (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  VirtMigratePreflightDisk *d = g_ptr_array_index (f->disks, 0);
  VirtMigratePreflightDisk *e;
  g_autoptr(GVariant) v = NULL;
  g_autofree char *text = NULL;
  const char *result = NULL;

  g_test_summary ("A copy into another guest's disk there is a blocker naming it; two disks copied into one "
                  "image there are a blocker naming both; the same disks shared (not copied) are not");
  d->copied = TRUE;
  d->dest_user = g_strdup ("db");
  d->dest_user_running = TRUE;
  v = verdict_of (f);
  assert_check (v, "disk", "blocker", "which is the disk of the guest db (running) on the destination: the copy "
                                      "would overwrite it");
  g_clear_pointer (&v, g_variant_unref);
  g_clear_pointer (&d->dest_user, g_free);

  e = virt_migrate_preflight_add_disk (f, "vdb", "/srv/other/web1.qcow2");
  e->copied = TRUE;
  e->dest_exists = VIRT_MIGRATE_FACT_YES;
  g_free (e->dest_path);
  e->dest_path = g_strdup (d->dest_path);
  v = verdict_of (f);
  text = virt_migrate_verdict_to_text (v);
  g_test_message ("%s", text);
  g_assert_true (g_variant_lookup (v, "result", "&s", &result));
  g_assert_cmpstr (result, ==, "blocker");
  g_assert_nonnull (strstr (text, "vda and vdb (/var/lib/libvirt/images/web1.qcow2, /srv/other/web1.qcow2) would "
                                  "both be copied into /var/lib/libvirt/images/web1.qcow2 on the destination"));
  g_clear_pointer (&v, g_variant_unref);
  g_clear_pointer (&text, g_free);

  d->copied = e->copied = FALSE;
  v = verdict_of (f);
  text = virt_migrate_verdict_to_text (v);
  g_assert_null (strstr (text, "would both be copied"));
}

static void
test_disks (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  VirtMigratePreflightDisk *d = g_ptr_array_index (f->disks, 0);
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("Disks: a copy into a missing image with no pool is a blocker, with a pool ok; a "
                  "shared disk not in its pool is a blocker, unseen a warning; a cached disk on NFS "
                  "is said to be safe (libvirt 9.0 lets it go), cache=none not mentioned; offline a missing image a "
                  "warning; a disk named for the copy that the guest lacks, a blocker");
  d->copied = TRUE;
  d->dest_exists = VIRT_MIGRATE_FACT_UNKNOWN;
  v = verdict_of (f);
  assert_check (v, "disk", "blocker", "no storage pool there covers its directory");
  g_clear_pointer (&v, g_variant_unref);
  d->dest_pool = g_strdup ("default");
  v = verdict_of (f);
  assert_check (v, "disk", "ok", "created in the destination's storage pool default");

  g_clear_pointer (&v, g_variant_unref);
  d->copied = FALSE;
  d->dest_exists = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  assert_check (v, "disk", "blocker", "is not on the destination");
  g_clear_pointer (&v, g_variant_unref);
  g_clear_pointer (&d->dest_pool, g_free);
  d->dest_exists = VIRT_MIGRATE_FACT_UNKNOWN;
  v = verdict_of (f);
  assert_check (v, "disk", "warning", "cannot be seen");

  /* A raw disk copied into a qcow2 image there: opened as raw, refused. */
  g_clear_pointer (&v, g_variant_unref);
  d->copied = TRUE;
  d->dest_exists = VIRT_MIGRATE_FACT_YES;
  d->format = g_strdup ("raw");
  d->dest_format = g_strdup ("qcow2");
  v = verdict_of (f);
  assert_check (v, "disk", "blocker", "which exists on the destination as a qcow2 image, where the disk is raw: QEMU "
                "opens it as raw there and fails the copy");
  g_clear_pointer (&d->format, g_free);
  g_clear_pointer (&d->dest_format, g_free);
  d->copied = FALSE;
  /* Offline only the definition moves: missing there, a warning. */
  g_clear_pointer (&v, g_variant_unref);
  d->dest_exists = VIRT_MIGRATE_FACT_NO;
  f->offline = TRUE;
  v = verdict_of (f);
  assert_check (v, "disk", "warning", "is missing on the destination: the definition moves, and the guest will not "
                "start there until it is there");
  f->offline = FALSE;
  /* A disk named for the copy that the guest lacks. */
  g_clear_pointer (&v, g_variant_unref);
  f->unknown_disks = g_strsplit ("vdz", ",", -1);
  f->disk_targets = g_strdup ("vda");
  v = verdict_of (f);
  g_assert_true (has_check (v, "disk", "blocker", "--migrate-disks names vdz, which is not a disk of the guest (its "
                            "disks: vda): libvirt refuses the migration (\"disk target vdz not found\")"));
  g_clear_pointer (&f->unknown_disks, g_strfreev);
  g_assert_null (virt_migrate_guest_xml_unknown_targets (&(VirtMigrateGuestXml) { 0 }, NULL, NULL));

  g_clear_pointer (&v, g_variant_unref);
  d->dest_exists = VIRT_MIGRATE_FACT_YES;
  g_clear_pointer (&d->cache, g_free);
  d->cache = g_strdup ("writeback");
  v = verdict_of (f);
  /* libvirt 9.0 lets it go (every QEMU it runs drops the destination's
   * page cache): said, not refused. */
  assert_check (v, "cache", "ok", "cache mode writeback on a network file system: safe");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_OK);
  g_clear_pointer (&v, g_variant_unref);
  d->source_fs = VIRT_MIGRATE_FS_CLUSTER;
  v = verdict_of (f);
  g_assert_null (check_of (v, "cache"));
}

/* Both hosts on this machine (the test bed, or a destination on this
 * machine): a copy onto the very file the source's guest runs from, and a
 * disk-map copy into a directory the destination's libvirtd may not write
 * in (test-check 5 for real). */
static void
test_disks_local_host (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  VirtMigratePreflightDisk *d = g_ptr_array_index (f->disks, 0);
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A copy onto the source's own image (or a backing file of it) on this machine: a blocker; "
                  "a disk-map copy into a directory its libvirtd may not write in: a blocker naming it, not "
                  "known a warning, known to be writable an ok naming it");
  d->copied = TRUE;
  d->dest_exists = VIRT_MIGRATE_FACT_YES;
  g_free (d->dest_path);
  d->dest_path = g_strdup ("/srv/link/web1.qcow2");
  d->dest_same_as = g_strdup (d->source);
  v = verdict_of (f);
  assert_check (v, "disk", "blocker", "vda: copied into /srv/link/web1.qcow2, which on this machine is the very image "
                "it runs from, /var/lib/libvirt/images/web1.qcow2: the copy would write the image onto itself");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_BLOCKER);
  g_clear_pointer (&v, g_variant_unref);
  g_free (d->dest_same_as);
  d->dest_same_as = g_strdup ("/var/lib/libvirt/images/base.qcow2");
  v = verdict_of (f);
  assert_check (v, "disk", "blocker", "which on this machine is its own backing file /var/lib/libvirt/images/base.qcow2");
  g_clear_pointer (&v, g_variant_unref);
  g_clear_pointer (&d->dest_same_as, g_free);
  v = verdict_of (f);
  assert_check (v, "disk", "ok", "copied into /srv/link/web1.qcow2, which exists");

  g_clear_pointer (&v, g_variant_unref);
  d->dest_exists = VIRT_MIGRATE_FACT_NO;
  d->created_by_us = TRUE;
  d->dest_dir_exists = VIRT_MIGRATE_FACT_YES;
  d->dest_dir_writable = VIRT_MIGRATE_FACT_NO;
  f->dest_daemon = g_strdup ("libvirtd (pid 812, user vmtest)");
  v = verdict_of (f);
  assert_check (v, "disk", "blocker", "vda: copied to /srv/link/web1.qcow2 (disk-map), in a directory that the "
                "destination's libvirtd (pid 812, user vmtest) may not write in: it cannot make the image there "
                "(\"Permission denied\")");
  g_clear_pointer (&v, g_variant_unref);
  d->dest_dir_writable = VIRT_MIGRATE_FACT_UNKNOWN;
  v = verdict_of (f);
  assert_check (v, "disk", "warning", "made there by libvirtd (pid 812, user vmtest): whether it may write in that "
                "directory cannot be told");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_WARNING);
  g_clear_pointer (&v, g_variant_unref);
  d->dest_dir_writable = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  assert_check (v, "disk", "ok", "created there by libvirtd (pid 812, user vmtest), which may write in that directory");
  /* An image already there that its user may not write. */
  g_clear_pointer (&v, g_variant_unref);
  d->dest_exists = VIRT_MIGRATE_FACT_YES;
  d->dest_openable = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  assert_check (v, "disk", "blocker", "vda: copied into /srv/link/web1.qcow2, which exists on the destination, where "
                "its libvirtd (pid 812, user vmtest) may not read and write it: its QEMU cannot copy into it");
  g_clear_pointer (&v, g_variant_unref);
  d->dest_openable = VIRT_MIGRATE_FACT_UNKNOWN;
  v = verdict_of (f);
  assert_check (v, "disk", "ok", "vda: copied into /srv/link/web1.qcow2, which exists on the destination");
  d->dest_exists = VIRT_MIGRATE_FACT_NO;
  /* Left in place (shared), there but not open to its user. */
  g_clear_pointer (&v, g_variant_unref);
  d->copied = FALSE;
  d->created_by_us = FALSE;
  d->dest_exists = VIRT_MIGRATE_FACT_YES;
  d->dest_openable = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  assert_check (v, "disk", "blocker", "vda: /srv/link/web1.qcow2 there (/var/lib/libvirt/images/web1.qcow2 here) is "
                "on the destination, where its libvirtd (pid 812, user vmtest) may not read and write it: the guest "
                "cannot start there");
  g_clear_pointer (&v, g_variant_unref);
  d->written = FALSE;
  d->readonly = TRUE;
  v = verdict_of (f);
  assert_check (v, "disk", "blocker", "may not read it: the guest cannot start there");
  g_clear_pointer (&v, g_variant_unref);
  d->dest_openable = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  assert_check (v, "disk", "ok", "is visible on the destination (shared)");
  d->written = TRUE;
  d->readonly = FALSE;
  d->copied = TRUE;
  d->created_by_us = TRUE;
  d->dest_exists = VIRT_MIGRATE_FACT_NO;
  /* A remote destination: nothing seen of the directory, nothing claimed of it. */
  g_clear_pointer (&v, g_variant_unref);
  d->dest_dir_exists = VIRT_MIGRATE_FACT_UNKNOWN;
  d->dest_dir_writable = VIRT_MIGRATE_FACT_UNKNOWN;
  g_clear_pointer (&f->dest_daemon, g_free);
  v = verdict_of (f);
  assert_check (v, "disk", "ok", "vda: copied to /srv/link/web1.qcow2 (disk-map), created there through its storage API");
}

/* An incremental copy of a disk with a backing chain (recorded on the test
 * bed: inc1.qcow2 on base1.qcow2): the base must be where the top image
 * there will look for it; an image already there must sit on it. */
static void
test_backing_chain (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  VirtMigratePreflightDisk *d = g_ptr_array_index (f->disks, 0);
  VirtMigratePreflightBacking *b;
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("copy-inc over a chain: a missing base is a blocker naming it and the fixes, an unseen one "
                  "unknown, a present one ok; the top made on it, or one there on another base refused; "
                  "copy-all: the chain flattened");
  f->incremental = TRUE;
  d->copied = TRUE;
  d->dest_exists = VIRT_MIGRATE_FACT_NO;
  g_free (d->dest_path);
  d->dest_path = g_strdup ("/dst/images/web1.qcow2");
  b = virt_migrate_preflight_add_backing (d, "/var/lib/libvirt/images/base1.qcow2", "qcow2");
  g_free (b->dest_path);
  b->dest_path = g_strdup ("/dst/images/base1.qcow2");
  b->dest_exists = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  assert_check (v, "backing", "blocker", "base1.qcow2 is missing on the destination at /dst/images/base1.qcow2");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_BLOCKER);
  {
    g_autofree char *why = virt_migrate_preflight_blockers (v);

    g_assert_nonnull (strstr (why, "--copy-storage-all"));
    g_assert_nonnull (strstr (why, "Copy the backing file there first"));
  }

  g_clear_pointer (&v, g_variant_unref);
  b->dest_exists = VIRT_MIGRATE_FACT_UNKNOWN;
  v = verdict_of (f);
  assert_check (v, "backing", "unknown", "cannot be seen from here");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_UNKNOWN);

  g_clear_pointer (&v, g_variant_unref);
  b->dest_exists = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  assert_check (v, "backing", "ok", "is on the destination at /dst/images/base1.qcow2");
  assert_check (v, "disk", "ok", "created there on top of /dst/images/base1.qcow2");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_OK);

  /* An image already there: without a backing file, on another, unread. */
  g_clear_pointer (&v, g_variant_unref);
  d->dest_exists = VIRT_MIGRATE_FACT_YES;
  d->dest_backing_known = TRUE;
  v = verdict_of (f);
  assert_check (v, "disk", "blocker", "exists on the destination without a backing file");
  /* One the user made on a base of their own: a warning when that base is
   * there, a blocker when it is not. */
  g_clear_pointer (&v, g_variant_unref);
  d->dest_backing = g_strdup ("/elsewhere/base1.qcow2");
  d->dest_backing_exists = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  assert_check (v, "backing", "warning", "is backed by /elsewhere/base1.qcow2, not by /dst/images/base1.qcow2");
  g_clear_pointer (&v, g_variant_unref);
  d->dest_backing_exists = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  assert_check (v, "backing", "blocker", "backed by /elsewhere/base1.qcow2, which is not there");
  g_clear_pointer (&v, g_variant_unref);
  d->dest_backing_known = FALSE;
  v = verdict_of (f);
  assert_check (v, "disk", "unknown", "cannot be read from here");
  g_clear_pointer (&v, g_variant_unref);
  d->dest_backing_known = TRUE;
  g_free (d->dest_backing);
  d->dest_backing = g_strdup ("/dst/images/base1.qcow2");
  d->dest_backing_exists = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  assert_check (v, "disk", "ok", "exists on the destination on top of /dst/images/base1.qcow2");

  /* A full copy takes the whole chain: no base needed there. */
  g_clear_pointer (&v, g_variant_unref);
  f->incremental = FALSE;
  g_clear_pointer (&d->dest_backing, g_free);
  b->dest_exists = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  assert_check (v, "backing", "ok", "the whole chain (the top image and 1 backing file)");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_OK);
}

static void
test_unreachable (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = virt_migrate_preflight_facts_new ();
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("An unreachable destination: a blocker with libvirt's reason; peer-to-peer (only "
                  "the source's libvirtd must reach it): unknown, the checks not run listed; the same host: "
                  "a blocker");
  f->connect_error = g_strdup ("Cannot recv data: ssh: connect to host dst.example.org port 22: "
                               "Connection refused: Connection reset by peer");
  v = verdict_of (f);
  assert_check (v, "reachable", "blocker", "Connection refused");
  assert_check (v, "name", "unknown", "Not run: the destination cannot be reached from here");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_BLOCKER);
  g_clear_pointer (&v, g_variant_unref);
  f->peer_to_peer = TRUE;
  v = verdict_of (f);
  /* Nothing is known of it: unknown, never "can take the guest"; every
   * check that needs it listed as not run. */
  assert_check (v, "reachable", "unknown", "peer-to-peer");
  assert_check (v, "name", "unknown", "Not run");
  assert_check (v, "memory", "unknown", "Not run");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_UNKNOWN);
  {
    g_autofree char *text = virt_migrate_verdict_to_text (v);
    g_autofree char *why = virt_migrate_preflight_blockers (v);

    g_assert_null (strstr (text, ": can take the guest"));
    g_assert_nonnull (strstr (text, "cannot tell whether it can take the guest"));
    g_assert_nonnull (strstr (why, "Cannot connect to"));
    g_assert_null (strstr (why, "Not run"));
  }
  /* A blocker still outranks it. */
  g_clear_pointer (&v, g_variant_unref);
  {
    VirtMigratePreflightDisk *d = virt_migrate_preflight_add_disk (f, "vda", "/images/a.qcow2");

    d->copied = TRUE;
    d->dest_exists = VIRT_MIGRATE_FACT_UNKNOWN;
  }
  v = verdict_of (f);
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_BLOCKER);
  g_ptr_array_set_size (f->disks, 0);

  g_clear_pointer (&v, g_variant_unref);
  f->reachable = TRUE;
  f->same_host = VIRT_MIGRATE_FACT_YES;
  f->host_uuid = g_strdup ("cc498143-3c87-4022-9ed4-8797a1b0bac9");
  /* There, the guest found by its UUID is this guest itself: not a copy
   * to stop or undefine. */
  f->uuid_present = VIRT_MIGRATE_FACT_YES;
  f->uuid_active = TRUE;
  v = verdict_of (f);
  assert_check (v, "other-host", "blocker", "is the source host itself");
  {
    g_autofree char *text = virt_migrate_verdict_to_text (v);

    g_assert_null (strstr (text, "already runs on the destination"));
    g_assert_null (strstr (text, "Stop or undefine"));
  }
}

static void
test_guests_there (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;
  gboolean force = FALSE;

  g_test_summary ("This guest already running there: a blocker; only its configuration there: ok "
                  "(the configuration table decides); force is carried in the verdict");
  f->uuid_present = VIRT_MIGRATE_FACT_YES;
  f->uuid_active = TRUE;
  v = verdict_of (f);
  assert_check (v, "uuid", "blocker", "already runs on the destination");
  g_clear_pointer (&v, g_variant_unref);
  f->uuid_active = FALSE;
  f->force = TRUE;
  v = verdict_of (f);
  assert_check (v, "uuid", "ok", "configuration");
  g_assert_true (g_variant_lookup (v, "force", "b", &force));
  g_assert_true (force);
}

static char *
pool_dir (const char *pool, gpointer user_data)
{
  return g_str_equal (pool, "fast") ? g_strdup ("/srv/fast-pool") : NULL;
}

static void
test_maps (void)
{
  static const char *const disk_map[] = { "/var/lib/libvirt/images=/srv/images",
                                          "/var/lib/libvirt/images/big=fast",
                                          "/var/lib/libvirt/odd=/srv/it's a&b", NULL };
  static const char *const network_map[] = { "default=prod", NULL };
  static const char *const bad[] = { "images=/srv", NULL };
  const char *xml =
    "<domain type='kvm'><devices>\n"
    "  <disk type='file' device='disk'><source file='/var/lib/libvirt/images/web1.qcow2'/><target dev='vda'/></disk>\n"
    "  <disk type='file' device='disk'><source file='/var/lib/libvirt/images/big/data.raw'/><target dev='vdb'/></disk>\n"
    "  <disk type='file' device='disk'><source file='/var/lib/libvirt/images2/other.qcow2'/><target dev='vdc'/></disk>\n"
    "  <interface type='network'><source network='default'/></interface>\n"
    "  <interface type='network'><source network='defaults'/></interface>\n"
    "  <!-- a comment -->\n"
    "  <disk type='file' device='disk'><source file='/var/lib/libvirt/odd/x.img'/>"
    "<backingStore type='file'><source file='/var/lib/libvirt/images/base.img'/></backingStore><target dev='vdd'/></disk>\n"
    "  <serial type='file'><source path='/var/lib/libvirt/images/console.log'/><log file='/var/lib/libvirt/images/log'/></serial>\n"
    "  <description>file='/var/lib/libvirt/images/x' network='default'</description>\n"
    "</devices></domain>";
  g_autofree char *mapped = virt_migrate_map_xml (xml, disk_map, network_map, pool_dir, NULL);
  g_autofree char *one = virt_migrate_map_path (disk_map, "/var/lib/libvirt/images/web1.qcow2", pool_dir, NULL);
  g_autoptr(GError) error = NULL;

  g_test_summary ("disk-map and network-map: a directory prefix (not a longer name that starts the "
                  "same), the longest entry winning, a storage pool's directory; network names "
                  "exactly; malformed entries refused with a message");
  g_assert_cmpstr (one, ==, "/srv/images/web1.qcow2");
  g_assert_nonnull (strstr (mapped, "file='/srv/images/web1.qcow2'"));
  g_assert_nonnull (strstr (mapped, "file='/srv/fast-pool/data.raw'"));
  g_assert_nonnull (strstr (mapped, "file='/var/lib/libvirt/images2/other.qcow2'"));
  g_assert_nonnull (strstr (mapped, "network='prod'"));
  g_assert_nonnull (strstr (mapped, "network='defaults'"));
  g_assert_nonnull (strstr (mapped, "<target dev='vda'/>"));
  /* Read with a parser: values escaped as they are written, a backing
   * chain's source mapped, attributes outside disks and interfaces (a log
   * file) and text that only looks like an attribute left alone. */
  g_assert_nonnull (strstr (mapped, "file='/srv/it&apos;s a&amp;b/x.img'"));
  g_assert_nonnull (strstr (mapped, "<backingStore type='file'><source file='/srv/images/base.img'/>"));
  g_assert_nonnull (strstr (mapped, "<log file='/var/lib/libvirt/images/log'/>"));
  g_assert_nonnull (strstr (mapped, "<description>file=&apos;/var/lib/libvirt/images/x&apos; network=&apos;default&apos;</description>"));
  g_assert_nonnull (strstr (mapped, "<!-- a comment -->"));
  g_assert_null (virt_migrate_map_xml ("<domain><devices>", disk_map, network_map, pool_dir, NULL));
  g_assert_true (virt_migrate_map_check (disk_map, TRUE, "disk-map", &error));
  g_assert_false (virt_migrate_map_check (bad, TRUE, "disk-map", &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_REQUEST);
  g_assert_nonnull (strstr (error->message, "images=/srv"));
}

/* The one reading of a guest's XML, which the checks and the destination's
 * storage share: each disk's kind, device, format, source and target, what
 * is read-only or shared, the buses, networks and host devices. */
static void
test_guest_xml (void)
{
  static const char xml[] =
    "<domain type='kvm'><name>g</name>"
    "<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>"
    "<cpu mode='host-model'/>"
    "<devices><emulator> /usr/bin/qemu-system-x86_64 </emulator>"
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>"
    "<source file='/var/lib/images/g.qcow2'/><target dev='vda' bus='virtio'/></disk>"
    "<disk type='block' device='disk'><driver name='qemu' type='raw'/>"
    "<source dev='/dev/vg/g-data'/><target dev='vdb' bus='virtio'/><shareable/><transient/></disk>"
    "<disk type='file' device='cdrom'><source file='/isos/x.iso'/><target dev='sda' bus='sata'/>"
    "<readonly/></disk>"
    "<interface type='network'><source network='default'/></interface>"
    "<interface type='bridge'><source bridge='br0'/></interface>"
    "<hostdev mode='subsystem' type='pci'/>"
    "<hostdev mode='subsystem' type='usb'><source><vendor id='0x046d'/><product id='0xc52b'/></source></hostdev>"
    "<hostdev mode='subsystem' type='usb'><source><address bus='1' device='4'/></source></hostdev>"
    "<interface type='hostdev'><source><address type='pci' bus='0x3b'/></source>"
    "<teaming type='transient' persistent='ua-net0'/></interface>"
    "<interface type='hostdev'><source><address type='pci' bus='0x3c'/></source></interface>"
    "<shmem name='peer0'><model type='ivshmem-plain'/></shmem>"
    "<shmem name='own0' role='master'><model type='ivshmem-plain'/></shmem>"
    "<filesystem type='mount'><driver type='virtiofs'/><source dir='/srv/a'/><target dir='a'/></filesystem>"
    "<filesystem type='mount'><driver type='path'/><source dir='/srv/b'/><target dir='b'/></filesystem>"
    "<video><model type='qxl'/></video><graphics type='spice'/>"
    "</devices></domain>";
  VirtMigrateGuestXml g = { 0 };
  const VirtMigrateDiskXml *d;

  g_assert_true (virt_migrate_guest_xml_parse (xml, &g));
  {
    const char *const named[] = { "vdb", "vdz", "sda", "hdq", NULL };
    const char *const known[] = { "vda", "sda", NULL };
    g_autofree char *targets = NULL;
    g_auto(GStrv) unknown = virt_migrate_guest_xml_unknown_targets (&g, named, &targets);

    g_assert_nonnull (unknown);
    g_assert_cmpstr (targets, ==, "vda, vdb, sda");
    g_assert_cmpstr (unknown[0], ==, "vdz");
    g_assert_cmpstr (unknown[1], ==, "hdq");
    g_assert_null (unknown[2]);
    g_assert_null (virt_migrate_guest_xml_unknown_targets (&g, known, NULL));
  }
  g_assert_cmpstr (g.virt_type, ==, "kvm");
  g_assert_cmpstr (g.machine, ==, "pc-q35-7.2");
  g_assert_cmpstr (g.emulator, ==, "/usr/bin/qemu-system-x86_64");
  g_assert_cmpstr (g.cpu_mode, ==, "host-model");
  g_assert_cmpuint (g.disks->len, ==, 3);
  d = g_ptr_array_index (g.disks, 0);
  g_assert_cmpstr (d->type, ==, "file");
  g_assert_cmpstr (d->device, ==, "disk");
  g_assert_cmpstr (d->format, ==, "qcow2");
  g_assert_cmpstr (d->cache, ==, "none");
  g_assert_cmpstr (d->source, ==, "/var/lib/images/g.qcow2");
  g_assert_cmpstr (d->target, ==, "vda");
  g_assert_false (d->readonly);
  g_assert_true (d->written);
  g_assert_false (d->transient);
  d = g_ptr_array_index (g.disks, 1);
  g_assert_cmpstr (d->type, ==, "block");
  g_assert_cmpstr (d->source, ==, "/dev/vg/g-data");
  g_assert_true (d->readonly);
  g_assert_true (d->written); /* shareable */
  g_assert_true (d->transient);
  d = g_ptr_array_index (g.disks, 2);
  g_assert_cmpstr (d->device, ==, "cdrom");
  g_assert_true (d->readonly);
  g_assert_false (d->written);
  g_assert_cmpuint (g.networks->len, ==, 2);
  {
    const VirtMigrateInterfaceXml *iface = g_ptr_array_index (g.networks, 1);

    g_assert_cmpstr (iface->kind, ==, "bridge");
    g_assert_cmpstr (iface->name, ==, "br0");
  }
  {
    /* In the XML's order; the master's shared memory migrates. */
    static const struct { VirtMigrateTieKind kind; const char *what; } ties[] = {
      { VIRT_MIGRATE_TIE_HOSTDEV, "<hostdev mode='subsystem' type='pci'>" },
      { VIRT_MIGRATE_TIE_USB, "<hostdev mode='subsystem' type='usb'> vendor 0x046d product 0xc52b" },
      { VIRT_MIGRATE_TIE_USB, "<hostdev mode='subsystem' type='usb'> bus 1 device 4" },
      { VIRT_MIGRATE_TIE_TEAMED, "<interface type='hostdev'>" },
      { VIRT_MIGRATE_TIE_HOSTDEV, "<interface type='hostdev'>" },
      { VIRT_MIGRATE_TIE_SHMEM, "peer0" },
      { VIRT_MIGRATE_TIE_VIRTIOFS, "a" },
      { VIRT_MIGRATE_TIE_9P, "b" },
    };

    g_assert_cmpuint (g.ties->len, ==, G_N_ELEMENTS (ties));
    for (guint i = 0; i < G_N_ELEMENTS (ties); i++)
      {
        const VirtMigrateTie *tie = g_ptr_array_index (g.ties, i);

        g_assert_cmpint (tie->kind, ==, ties[i].kind);
        g_assert_cmpstr (tie->what, ==, ties[i].what);
      }
  }
  /* disk bus virtio twice, sata, video qxl, graphics spice: five triples */
  g_assert_cmpuint (g.devices->len, ==, 15);
  virt_migrate_guest_xml_clear (&g);

  memset (&g, 0, sizeof g);
  g_assert_false (virt_migrate_guest_xml_parse ("<domain><devices>", &g));
  virt_migrate_guest_xml_clear (&g);

  /* The memory QEMU maps, and the huge pages it is on: the default size, or a page's own. */
  memset (&g, 0, sizeof g);
  g_assert_true (virt_migrate_guest_xml_parse ("<domain><memory unit='GiB'>4</memory><currentMemory unit='KiB'>1024"
                                               "</currentMemory><memoryBacking><hugepages><page size='1' unit='G'/>"
                                               "</hugepages></memoryBacking></domain>", &g));
  g_assert_cmpuint (g.memory_kib, ==, 4 * 1024 * 1024);
  g_assert_cmpuint (g.hugepage_kib, ==, 1024 * 1024);
  virt_migrate_guest_xml_clear (&g);
  memset (&g, 0, sizeof g);
  g_assert_true (virt_migrate_guest_xml_parse ("<domain><memory unit='KiB'>65536</memory><memoryBacking><hugepages/>"
                                               "</memoryBacking><numa><cell memory='65536'/></numa></domain>", &g));
  g_assert_cmpuint (g.memory_kib, ==, 65536);
  g_assert_cmpuint (g.hugepage_kib, ==, 2048);
  virt_migrate_guest_xml_clear (&g);
  memset (&g, 0, sizeof g);
  g_assert_true (virt_migrate_guest_xml_parse ("<domain><memory>65536</memory><memoryBacking><locked/></memoryBacking>"
                                               "</domain>", &g));
  g_assert_cmpuint (g.memory_kib, ==, 65536);
  g_assert_cmpuint (g.hugepage_kib, ==, 0);
  virt_migrate_guest_xml_clear (&g);

  /* The invariant TSC: pinned without a frequency, not with one, nor disabled. */
  {
    static const struct { const char *xml; guint ties; } tsc[] = {
      { "<domain><cpu mode='custom'><model>Skylake-Server</model><feature policy='require' name='invtsc'/></cpu>"
        "<clock offset='utc'><timer name='rtc' tickpolicy='catchup'/></clock></domain>", 1 },
      { "<domain><cpu><feature name='invtsc'/></cpu><clock><timer name='tsc' frequency='2095078000'/></clock></domain>", 0 },
      { "<domain><cpu><feature policy='disable' name='invtsc'/></cpu></domain>", 0 },
      { "<domain><cpu mode='host-passthrough'/></domain>", 0 },
    };


    for (guint i = 0; i < G_N_ELEMENTS (tsc); i++)
      {
        memset (&g, 0, sizeof g);
        g_assert_true (virt_migrate_guest_xml_parse (tsc[i].xml, &g));
        g_assert_cmpuint (g.ties->len, ==, tsc[i].ties);
        if (tsc[i].ties > 0)
          g_assert_cmpint (((VirtMigrateTie *) g_ptr_array_index (g.ties, 0))->kind, ==, VIRT_MIGRATE_TIE_INVTSC);
        virt_migrate_guest_xml_clear (&g);
      }
  }
}

/* A backing chain as libvirt 9.0's live XML lists it (recorded on the test
 * bed, one level deeper added), and a volume's backing file from its XML. */
static void
test_chain_xml (void)
{
  static const char xml[] =
    "<domain type='qemu'><name>inc1</name><devices>"
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
    "<source file='/tb/imgs/inc1.qcow2' index='1'/>"
    "<backingStore type='file' index='2'><format type='qcow2'/><source file='/tb/imgs/mid.qcow2'/>"
    "<backingStore type='file' index='3'><format type='raw'/><source file='/tb/imgs/base1.img'/>"
    "<backingStore/></backingStore></backingStore>"
    "<target dev='vda' bus='virtio'/></disk>"
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/tb/flat.qcow2'/>"
    "<backingStore/><target dev='vdb' bus='virtio'/></disk>"
    "</devices></domain>";
  static const char volume[] =
    "<volume type='file'><name>inc1.qcow2</name><target><path>/dst/inc1.qcow2</path>"
    "<format type='qcow2'/></target><backingStore><path>/dst/base1.qcow2</path>"
    "<format type='qcow2'/></backingStore></volume>";
  VirtMigrateGuestXml g = { 0 };
  const VirtMigrateDiskXml *d;
  const VirtMigrateBackingXml *b;
  g_autofree char *backing = NULL, *resolved = NULL;

  g_assert_true (virt_migrate_guest_xml_parse (xml, &g));
  g_assert_cmpuint (g.disks->len, ==, 2);
  d = g_ptr_array_index (g.disks, 0);
  g_assert_cmpstr (d->source, ==, "/tb/imgs/inc1.qcow2");
  g_assert_cmpstr (d->target, ==, "vda");
  g_assert_cmpuint (d->backing->len, ==, 2);
  b = g_ptr_array_index (d->backing, 0);
  g_assert_cmpstr (b->path, ==, "/tb/imgs/mid.qcow2");
  g_assert_cmpstr (b->format, ==, "qcow2");
  b = g_ptr_array_index (d->backing, 1);
  g_assert_cmpstr (b->path, ==, "/tb/imgs/base1.img");
  g_assert_cmpstr (b->format, ==, "raw");
  d = g_ptr_array_index (g.disks, 1);
  g_assert_cmpuint (d->backing->len, ==, 0);
  g_assert_cmpstr (d->target, ==, "vdb");
  virt_migrate_guest_xml_clear (&g);

  g_assert_true (virt_migrate_volume_xml_backing (volume, &backing));
  g_assert_cmpstr (backing, ==, "/dst/base1.qcow2");
  g_clear_pointer (&backing, g_free);
  g_assert_true (virt_migrate_volume_xml_backing ("<volume><target><path>/x</path></target></volume>", &backing));
  g_assert_null (backing);
  g_assert_false (virt_migrate_volume_xml_backing ("<volume><backingStore>", &backing));

  /* The same reader for a pool's directory and a host's UUID (the first
   * element at the path only: a guest's <uuid> elsewhere is not it). */
  {
    static const char *const pool_path[] = { "pool", "target", "path", NULL };
    static const char *const uuid_path[] = { "capabilities", "host", "uuid", NULL };
    g_autofree char *dir = NULL, *uuid = NULL, *none = NULL;

    g_assert_true (virt_migrate_xml_path_text ("<pool type='dir'><name>p</name><source/><target>"
                                               "<path> /var/lib/a&amp;b </path><permissions><path>/no</path>"
                                               "</permissions></target></pool>", pool_path, &dir));
    g_assert_cmpstr (dir, ==, "/var/lib/a&b");
    g_assert_true (virt_migrate_xml_path_text ("<capabilities><guest><uuid>not-this</uuid></guest><host>"
                                               "<uuid>998c4b6a-9a71-4d54-b426-7126894c30c8</uuid><cpu/></host>"
                                               "</capabilities>", uuid_path, &uuid));
    g_assert_cmpstr (uuid, ==, "998c4b6a-9a71-4d54-b426-7126894c30c8");
    g_assert_true (virt_migrate_xml_path_text ("<pool><target/></pool>", pool_path, &none));
    g_assert_null (none);
  }
  resolved = virt_migrate_backing_resolve ("/dst/images/inc1.qcow2", "../bases/base1.qcow2");
  g_assert_cmpstr (resolved, ==, "/dst/bases/base1.qcow2");
}

static void
test_xml_reads (void)
{
  static const char *const cpu_path[] = { "domain", "cpu", NULL };
  /* From a real guest and a real libvirt 9.0 domcapabilities (abridged):
   * a <cpu> of its own, and text that only looks like one. */
  static const char domain[] =
    "<domain type='qemu'><name>a&amp;b &lt;cpu&gt;</name><description>&lt;cpu mode='x'/&gt;</description>"
    "<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model>"
    "<feature policy='require' name='x2apic'/></cpu><devices/></domain>";
  static const char caps[] =
    "<domainCapabilities><devices>"
    "<disk supported='yes'><enum name='diskDevice'><value>disk</value><value>cdrom</value></enum>"
    "<enum name='bus'><value>ide</value><value>virtio</value></enum></disk>"
    "<graphics supported='no'/>"
    "<hostdev supported='yes'><enum name='mode'><value>subsystem</value></enum></hostdev>"
    "</devices></domainCapabilities>";
  g_autofree char *cpu = virt_migrate_xml_copy_element (domain, cpu_path);
  g_autofree char *none = virt_migrate_xml_copy_element ("<domain><name>x</name></domain>", cpu_path);
  g_autofree char *broken = virt_migrate_xml_copy_element ("<domain><cpu>", cpu_path);

  g_test_summary ("libvirt's XML read with a parser: the guest's <cpu> copied out whole (not a "
                  "'<cpu' in an escaped name or description), and what domain capabilities offer");
  g_assert_cmpstr (cpu, ==, "<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model>"
                            "<feature policy='require' name='x2apic'></feature></cpu>");
  g_assert_null (none);
  g_assert_null (broken);
  g_assert_cmpint (virt_migrate_domcaps_offer (caps, "disk", "bus", "virtio"), ==, 1);
  g_assert_cmpint (virt_migrate_domcaps_offer (caps, "disk", "bus", "scsi"), ==, 0);
  g_assert_cmpint (virt_migrate_domcaps_offer (caps, "disk", "model", "virtio"), ==, -1);
  g_assert_cmpint (virt_migrate_domcaps_offer (caps, "graphics", "type", "vnc"), ==, 0);
  g_assert_cmpint (virt_migrate_domcaps_offer (caps, "hostdev", "mode", "subsystem"), ==, 1);
  g_assert_cmpint (virt_migrate_domcaps_offer (caps, "video", "modelType", "vga"), ==, -1);
  g_assert_cmpint (virt_migrate_domcaps_offer ("<domainCapabilities><disk supported='yes'>", "disk", "bus", "virtio"),
                   ==, -1);

  /* Pools by name: which keep their volumes as files (libvirt's local-file-system rule applies). */
  {
    g_autoptr(GPtrArray) pools = g_ptr_array_new ();

    g_ptr_array_add (pools, "<pool type='logical'><name>vg</name><target><path>/dev/vg</path></target></pool>");
    g_ptr_array_add (pools, "<pool type='dir'><name>images</name><target><path>/srv/images</path></target></pool>");
    g_ptr_array_add (pools, "<pool type='netfs'><name>nfs</name><target><path>/mnt/nfs</path></target></pool>");
    g_ptr_array_add (pools, "<pool type='rbd'><name>ceph</name></pool>");
    g_assert_true (virt_migrate_pools_has (pools, "ceph"));
    g_assert_false (virt_migrate_pools_has (pools, "default"));
    g_assert_false (virt_migrate_pools_has (NULL, "images"));
    g_assert_true (virt_migrate_pools_file_backed (pools, "images"));
    g_assert_true (virt_migrate_pools_file_backed (pools, "nfs"));
    g_assert_false (virt_migrate_pools_file_backed (pools, "vg"));
    g_assert_false (virt_migrate_pools_file_backed (pools, "ceph"));
    g_assert_false (virt_migrate_pools_file_backed (pools, "default"));
    g_assert_cmpstr (virt_migrate_pools_dir (pools, "ceph"), ==, NULL);
  }
}

/* Zero-copy: libvirt raises the locked-memory limit of the guest's QEMU to
 * its memory (test-check 6m9 for real: a session daemon may not). */
static void
test_zerocopy (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("Zero-copy: the QEMU's limit short of the guest's memory and a daemon that may not raise it, a "
                  "blocker in libvirt's words; one that may, ok; a limit that covers it, ok; not seen, a warning; "
                  "not asked for, offline or shut off, nothing");
  v = verdict_of (f);
  g_assert_false (has_check (v, "memory", NULL, "Zero-copy"));
  g_clear_pointer (&v, g_variant_unref);
  f->zerocopy = TRUE;
  f->memlock_needed = 64 * 1048576;
  v = verdict_of (f);
  g_assert_true (has_check (v, "memory", "warning", "Zero-copy: libvirt raises the locked-memory limit of the guest's "
                            "QEMU to all its memory; whether the source's daemon may is not seen"));
  g_clear_pointer (&v, g_variant_unref);
  f->memlock_limit = 8 * 1048576;
  f->source_daemon = g_strdup ("libvirtd (pid 8, user vmtb)");
  f->source_daemon_raises = VIRT_MIGRATE_FACT_NO;
  f->reachable = FALSE;
  v = verdict_of (f);
  g_assert_true (has_check (v, "memory", "blocker", "Zero-copy: libvirt must let the guest's QEMU lock all its memory "
                            "(64 MiB), its limit is 8 MiB, and the source's libvirtd (pid 8, user vmtb) may not raise "
                            "it: it lacks CAP_SYS_RESOURCE (\"cannot limit locked memory"));
  g_clear_pointer (&v, g_variant_unref);
  f->reachable = TRUE;
  f->source_daemon_raises = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  g_assert_true (has_check (v, "memory", "ok", "Zero-copy: the source's libvirtd (pid 8, user vmtb) may raise"));
  g_clear_pointer (&v, g_variant_unref);
  f->source_daemon_raises = VIRT_MIGRATE_FACT_NO;
  f->memlock_limit = G_MAXINT64;
  v = verdict_of (f);
  g_assert_true (has_check (v, "memory", "ok", "Zero-copy: the guest's QEMU may lock its 64 MiB of memory already"));
  g_clear_pointer (&v, g_variant_unref);
  f->memlock_limit = 64 * 1048576;
  v = verdict_of (f);
  g_assert_true (has_check (v, "memory", "ok", "may lock its 64 MiB of memory already"));
  g_clear_pointer (&v, g_variant_unref);
  f->memlock_limit = 8 * 1048576;
  f->not_running = TRUE;
  v = verdict_of (f);
  g_assert_false (has_check (v, "memory", NULL, "Zero-copy"));
}

static void
test_dest_name (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("No migrate URI: the destination's name for the stream beginning with localhost, not resolving "
                  "where the source is, or resolving to loopback from another machine: blockers where the name is "
                  "known (a local destination's qemu.conf read), warnings where its migration_host is not seen; "
                  "resolving: ok with its addresses; no name, or not looked up: nothing");
  v = verdict_of (f);
  g_assert_null (check_of (v, "stream"));
  g_clear_pointer (&v, g_variant_unref);
  f->dest_name = g_strdup ("localhost.localdomain");
  f->dest_name_set = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  assert_check (v, "stream", "blocker", "its name is 'localhost.localdomain' (its host name): libvirt refuses it "
                "(\"hostname on destination resolved to localhost, but migration requires an FQDN\")");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_BLOCKER);
  g_clear_pointer (&v, g_variant_unref);
  f->dest_name_set = VIRT_MIGRATE_FACT_UNKNOWN;
  v = verdict_of (f);
  assert_check (v, "stream", "warning", "unless its qemu.conf sets migration_host (not seen from here)");
  g_clear_pointer (&v, g_variant_unref);
  g_free (f->dest_name);
  f->dest_name = g_strdup ("nowhere.invalid");
  f->dest_name_set = VIRT_MIGRATE_FACT_YES;
  f->dest_name_resolves = VIRT_MIGRATE_FACT_NO;
  f->dest_name_addresses = g_strdup ("Name or service not known");
  v = verdict_of (f);
  assert_check (v, "stream", "blocker", "the source connects to 'nowhere.invalid' (the destination's name for "
                "itself, its qemu.conf's migration_host), which does not resolve on this machine (the source): "
                "Name or service not known");
  g_clear_pointer (&v, g_variant_unref);
  g_free (f->dest_name);
  g_free (f->dest_name_addresses);
  f->dest_name = g_strdup ("web1");
  f->dest_name_set = VIRT_MIGRATE_FACT_NO;
  f->dest_name_resolves = VIRT_MIGRATE_FACT_YES;
  f->dest_name_addresses = g_strdup ("127.0.1.1");
  f->dest_name_loopback = TRUE;
  v = verdict_of (f);
  assert_check (v, "stream", "blocker", "which resolves here, where the source is, to 127.0.1.1: this machine, not "
                "the destination");
  g_clear_pointer (&v, g_variant_unref);
  f->same_machine = TRUE;
  v = verdict_of (f);
  assert_check (v, "stream", "ok", "the source connects to 'web1' (the destination's name for itself, its host "
                "name), which resolves here, where the source is, to 127.0.1.1");
  g_clear_pointer (&v, g_variant_unref);
  f->same_machine = FALSE;
  f->dest_name_loopback = FALSE;
  g_free (f->dest_name_addresses);
  f->dest_name_addresses = g_strdup ("192.0.2.7, 2001:db8::7");
  v = verdict_of (f);
  assert_check (v, "stream", "ok", "to 192.0.2.7, 2001:db8::7");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_OK);
  g_clear_pointer (&v, g_variant_unref);
  /* A remote source: not looked up, nothing said. */
  f->dest_name_resolves = VIRT_MIGRATE_FACT_UNKNOWN;
  v = verdict_of (f);
  g_assert_null (check_of (v, "stream"));
}

static void
test_tls_forced (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A daemon that takes migrations only over TLS (migrate_tls_force): the source's or the "
                  "destination's a blocker in libvirt's words; not forced or not known: nothing");
  f->tls_forced_source = VIRT_MIGRATE_FACT_NO;
  f->tls_forced_dest = VIRT_MIGRATE_FACT_UNKNOWN;
  v = verdict_of (f);
  g_assert_null (check_of (v, "tls"));
  g_clear_pointer (&v, g_variant_unref);
  f->tls_forced_dest = VIRT_MIGRATE_FACT_YES;
  f->dest_daemon = g_strdup ("libvirtd (pid 9, user vmtb)");
  v = verdict_of (f);
  assert_check (v, "tls", "blocker", "The destination's libvirtd (pid 9, user vmtb) takes migrations only over TLS "
                "(its qemu.conf's migrate_tls_force): libvirt refuses this one (\"this libvirtd instance allows "
                "migration only with VIR_MIGRATE_TLS flag\")");
  g_clear_pointer (&v, g_variant_unref);
  f->tls_forced_dest = VIRT_MIGRATE_FACT_NO;
  f->tls_forced_source = VIRT_MIGRATE_FACT_YES;
  f->source_daemon = g_strdup ("libvirtd (pid 8, user vmtb)");
  v = verdict_of (f);
  assert_check (v, "tls", "blocker", "The source's libvirtd (pid 8, user vmtb) takes migrations only over TLS");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_BLOCKER);
}

static void
test_conf_changed (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("A daemon's qemu.conf changed after the daemon started (it reads the file only then): a "
                  "qemu-conf warning naming the file and both times; what the check read there no longer a "
                  "blocker (migrate_tls_force a warning, migration_host not known); not changed: nothing");
  f->tls_forced_dest = VIRT_MIGRATE_FACT_YES;
  f->dest_daemon = g_strdup ("libvirtd (pid 9, user vmtb)");
  f->dest_name = g_strdup ("localhost.localdomain");
  f->dest_name_set = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  g_assert_null (check_of (v, "qemu-conf"));
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_BLOCKER);
  g_clear_pointer (&v, g_variant_unref);
  f->dest_conf.path = g_strdup ("/home/vmtb/.config/libvirt/qemu.conf");
  f->dest_conf.started = 1000000000;
  f->dest_conf.changed = 1000000090;
  v = verdict_of (f);
  assert_check (v, "qemu-conf", "warning", "The destination's libvirtd (pid 9, user vmtb) started at ");
  assert_check (v, "qemu-conf", "warning", ", before its qemu.conf (/home/vmtb/.config/libvirt/qemu.conf) was last "
                "changed, at ");
  assert_check (v, "tls", "warning", "takes migrations only over TLS (its qemu.conf's migrate_tls_force, set after "
                "it started: libvirt refuses this one once the daemon restarts, and may take it until then)");
  assert_check (v, "stream", "warning", "unless its daemon still runs with another migration_host (its qemu.conf "
                "changed after it started)");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_WARNING);
  g_clear_pointer (&v, g_variant_unref);
  /* The source's the same way; its migrate_tls_force still a blocker where its file did not change. */
  g_clear_pointer (&f->dest_conf.path, g_free);
  f->tls_forced_dest = VIRT_MIGRATE_FACT_NO;
  f->tls_forced_source = VIRT_MIGRATE_FACT_YES;
  f->source_daemon = g_strdup ("libvirtd (pid 8, user vmtb)");
  f->source_conf.path = g_strdup ("/etc/libvirt/qemu.conf");
  f->source_conf.started = 1000000000;
  f->source_conf.changed = 1000000090;
  g_free (f->dest_name);
  f->dest_name = NULL;
  v = verdict_of (f);
  assert_check (v, "qemu-conf", "warning", "The source's libvirtd (pid 8, user vmtb) started at ");
  assert_check (v, "tls", "warning", "The source's libvirtd (pid 8, user vmtb) takes migrations only over TLS (its "
                "qemu.conf's migrate_tls_force, set after it started");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_WARNING);
}

static void
test_tls_cert (void)
{
  g_autoptr(VirtMigratePreflightFacts) f = good_facts ();
  g_autoptr(GVariant) v = NULL;

  g_test_summary ("Over TLS, the destination's certificate: missing, not signed by its own CA, not holding the "
                  "name the source checks, expired, not signed by the CA the source trusts: blockers; holding it: "
                  "ok; not read: nothing");
  v = verdict_of (f);
  g_assert_null (check_of (v, "tls"));
  g_clear_pointer (&v, g_variant_unref);
  f->tls_name = g_strdup ("web1");
  f->tls_name_from = "the destination's name for itself";
  f->tls_cert = g_strdup ("/etc/pki/qemu/server-cert.pem");
  f->tls_cert_there = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  assert_check (v, "tls", "blocker", "The destination's migration certificate /etc/pki/qemu/server-cert.pem is missing");
  g_clear_pointer (&v, g_variant_unref);
  f->tls_cert_there = VIRT_MIGRATE_FACT_YES;
  f->tls_own_ca = g_strdup ("/etc/pki/qemu/ca-cert.pem");
  f->tls_cert_own_ca = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  assert_check (v, "tls", "blocker", "is not signed by its own CA (/etc/pki/qemu/ca-cert.pem): its QEMU refuses");
  g_clear_pointer (&v, g_variant_unref);
  f->tls_cert_own_ca = VIRT_MIGRATE_FACT_YES;
  f->tls_cert_names = g_strdup ("192.0.2.7, web1.example.org");
  f->tls_cert_matches = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  assert_check (v, "tls", "blocker", "The source checks the destination's certificate (/etc/pki/qemu/server-cert.pem) "
                "against 'web1' (the destination's name for itself), and it holds 192.0.2.7, web1.example.org only: "
                "QEMU refuses it (\"Certificate does not match the hostname web1\")");
  g_clear_pointer (&v, g_variant_unref);
  f->tls_cert_matches = VIRT_MIGRATE_FACT_YES;
  f->tls_cert_expired = TRUE;
  v = verdict_of (f);
  assert_check (v, "tls", "blocker", "has expired or is not valid yet");
  g_clear_pointer (&v, g_variant_unref);
  f->tls_cert_expired = FALSE;
  f->tls_ca = g_strdup ("/home/u/.pki/ca-cert.pem");
  f->tls_cert_trusted = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  assert_check (v, "tls", "blocker", "is not signed by the CA the source trusts (/home/u/.pki/ca-cert.pem)");
  g_clear_pointer (&v, g_variant_unref);
  f->tls_cert_trusted = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  assert_check (v, "tls", "ok", "holds 'web1' (the destination's name for itself), signed by the CA the source "
                "trusts, /home/u/.pki/ca-cert.pem");
  g_assert_cmpint (virt_migrate_preflight_result (v), ==, VIRT_MIGRATE_CHECK_RESULT_OK);
  g_clear_pointer (&v, g_variant_unref);
  /* The source's client certificate, which the destination checks. */
  f->tls_client_cert = g_strdup ("/home/u/.pki/client-cert.pem");
  f->tls_client_there = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  g_assert_true (has_check (v, "tls", "blocker", "The source's client certificate /home/u/.pki/client-cert.pem is "
                            "missing, and the destination's QEMU wants one (migrate_tls_x509_verify)"));
  g_clear_pointer (&v, g_variant_unref);
  f->tls_client_there = VIRT_MIGRATE_FACT_YES;
  f->tls_client_trusted = VIRT_MIGRATE_FACT_NO;
  v = verdict_of (f);
  g_assert_true (has_check (v, "tls", "blocker", "The source's client certificate (/home/u/.pki/client-cert.pem) is "
                            "not signed by the CA the destination trusts (/etc/pki/qemu/ca-cert.pem)"));
  g_clear_pointer (&v, g_variant_unref);
  f->tls_client_trusted = VIRT_MIGRATE_FACT_YES;
  v = verdict_of (f);
  assert_check (v, "tls", "ok", "; the source's client certificate is signed by the CA the destination trusts");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/virt-migrate/preflight/all-ok", test_all_ok);
  g_test_add_func ("/virt-migrate/preflight/cpu-incompatible", test_cpu_incompatible);
  g_test_add_func ("/virt-migrate/preflight/machine-missing", test_machine_missing);
  g_test_add_func ("/virt-migrate/preflight/memory", test_memory);
  g_test_add_func ("/virt-migrate/preflight/host-devices", test_host_devices);
  g_test_add_func ("/virt-migrate/preflight/volume-pool", test_volume_pool);
  g_test_add_func ("/virt-migrate/preflight/hugepages", test_hugepages);
  g_test_add_func ("/virt-migrate/preflight/pinning", test_pinning);
  g_test_add_func ("/virt-migrate/preflight/ports", test_ports);
  g_test_add_func ("/virt-migrate/preflight/files", test_files);
  g_test_add_func ("/virt-migrate/preflight/missing-there", test_missing_there);
  g_test_add_func ("/virt-migrate/preflight/nvram", test_nvram);
  g_test_add_func ("/virt-migrate/preflight/devices-offered", test_devices_offered);
  g_test_add_func ("/virt-migrate/preflight/networks", test_networks);
  g_test_add_func ("/virt-migrate/preflight/disks", test_disks);
  g_test_add_func ("/virt-migrate/preflight/disk-targets", test_disk_targets);
  g_test_add_func ("/virt-migrate/preflight/disks-local-host", test_disks_local_host);
  g_test_add_func ("/virt-migrate/preflight/local-fs", test_local_fs);
  g_test_add_func ("/virt-migrate/preflight/fs-kind", test_fs_kind);
  g_test_add_func ("/virt-migrate/preflight/source-refusals", test_source_refusals);
  g_test_add_func ("/virt-migrate/preflight/resume", test_resume);
  g_test_add_func ("/virt-migrate/preflight/unreachable", test_unreachable);
  g_test_add_func ("/virt-migrate/preflight/guests-there", test_guests_there);
  g_test_add_func ("/virt-migrate/preflight/maps", test_maps);
  g_test_add_func ("/virt-migrate/preflight/zerocopy", test_zerocopy);
  g_test_add_func ("/virt-migrate/preflight/dest-name", test_dest_name);
  g_test_add_func ("/virt-migrate/preflight/tls-forced", test_tls_forced);
  g_test_add_func ("/virt-migrate/preflight/conf-changed", test_conf_changed);
  g_test_add_func ("/virt-migrate/preflight/tls-cert", test_tls_cert);
  g_test_add_func ("/virt-migrate/preflight/guest-xml", test_guest_xml);
  g_test_add_func ("/virt-migrate/preflight/chain-xml", test_chain_xml);
  g_test_add_func ("/virt-migrate/preflight/backing-chain", test_backing_chain);
  g_test_add_func ("/virt-migrate/preflight/xml-reads", test_xml_reads);
  return g_test_run ();
}
