/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The test bed's guest helpers for the Python, gjs and dialog tests, so
 * that every language makes its guests the same way (inside the test bed):
 *
 *   vm-testbed-tool slow-request NAME DISK_MIB BANDWIDTH_MIB
 *       a running guest with a disk of random data on the source; prints
 *       the throttled storage-copy request as a{sv} text
 *   vm-testbed-tool slow-request-cli NAME DISK_MIB BANDWIDTH_MIB
 *       the same guest; prints VM_DEST_XML=FILE, its destination XML
 *   vm-testbed-tool guest NAME       an idle running guest on the source
 *   vm-testbed-tool dirty-guest NAME MEM_MIB DIRTY_MIB RATE_MIB [DISK_MIB]
 *       a guest on the source that keeps dirtying its memory (tests/dirtier);
 *       with DISK_MIB, with a disk of that much random data (vda, NAME-src.qcow2)
 *   vm-testbed-tool idle-guest NAME MEM_MIB DATA_MIB
 *       a guest on the source that writes DATA_MIB once, then idles: as
 *       slow to move as its data, and sure to converge
 *   vm-testbed-tool memory-request NAME MEM_MIB DIRTY_MIB RATE_MIB BANDWIDTH_MIB
 *       the same guest; prints its live, memory-only request capped at
 *       BANDWIDTH_MIB MiB/s (managed direct over unix://, as bench-eta's)
 *   vm-testbed-tool idle-request NAME MEM_MIB DATA_MIB BANDWIDTH_MIB
 *       the same for a guest that writes DATA_MIB once, then idles
 *   vm-testbed-tool state src|dst|dst2 NAME
 *       prints absent, running, paused, shutoff or other
 *   vm-testbed-tool destroy src|dst NAME
 */
#include "vm-testbed.h"

static const char *
host_uri (const char *host)
{
  const VmTestbed *tb = vm_testbed_get ();

  if (g_str_equal (host, "src"))
    return tb->src_uri;
  if (g_str_equal (host, "dst"))
    return tb->dst_uri;
  if (g_str_equal (host, "dst2") && g_getenv ("VIRT_MIGRATE_TESTBED_DST2_URI") != NULL)
    return g_getenv ("VIRT_MIGRATE_TESTBED_DST2_URI");
  g_printerr ("host must be src, dst or (in a test bed of three) dst2, not %s\n", host);
  exit (2);
}

int
main (int argc, char **argv)
{
  static const char *const states[] = { "absent", "running", "paused", "shutoff", "other" };

  if (argc == 5 && g_str_equal (argv[1], "slow-request"))
    {
      g_autoptr(VirtMigrateRequest) req =
        vm_testbed_slow_request (argv[2], (guint) g_ascii_strtoull (argv[3], NULL, 10),
                                 g_ascii_strtoull (argv[4], NULL, 10));
      g_autoptr(GVariant) dict = g_variant_ref_sink (virt_migrate_request_to_variant (req));
      g_autofree char *text = g_variant_print (dict, TRUE);

      g_print ("%s\n", text);
      return 0;
    }
  if (argc == 5 && g_str_equal (argv[1], "slow-request-cli"))
    {
      /* The same guest, for a shell: its destination XML in a file. */
      g_autoptr(VirtMigrateRequest) req =
        vm_testbed_slow_request (argv[2], (guint) g_ascii_strtoull (argv[3], NULL, 10),
                                 g_ascii_strtoull (argv[4], NULL, 10));
      g_autofree char *xml = NULL;
      g_autofree char *name = g_strconcat (argv[2], "-dest.xml", NULL);
      g_autofree char *path = vm_testbed_path (name);
      g_autofree char *quoted = NULL;

      g_object_get (req, "dest-xml", &xml, NULL);
      g_assert_true (g_file_set_contents (path, xml, -1, NULL));
      quoted = g_shell_quote (path);
      g_print ("VM_DEST_XML=%s\n", quoted);
      return 0;
    }
  if (argc == 3 && g_str_equal (argv[1], "guest"))
    {
      vm_testbed_create_guest (vm_testbed_get ()->src_uri, argv[2], NULL, FALSE, TRUE);
      return 0;
    }
  if (argc == 5 && g_str_equal (argv[1], "idle-guest"))
    {
      vm_testbed_idle_guest (argv[2], (guint) g_ascii_strtoull (argv[3], NULL, 10),
                             (guint) g_ascii_strtoull (argv[4], NULL, 10));
      return 0;
    }
  if (argc == 6 && g_str_equal (argv[1], "dirty-guest"))
    {
      vm_testbed_dirty_guest (argv[2], (guint) g_ascii_strtoull (argv[3], NULL, 10),
                              (guint) g_ascii_strtoull (argv[4], NULL, 10),
                              (guint) g_ascii_strtoull (argv[5], NULL, 10));
      return 0;
    }
  if (argc == 7 && g_str_equal (argv[1], "dirty-guest"))
    {
      vm_testbed_dirty_disk_guest (argv[2], (guint) g_ascii_strtoull (argv[3], NULL, 10),
                                   (guint) g_ascii_strtoull (argv[4], NULL, 10),
                                   (guint) g_ascii_strtoull (argv[5], NULL, 10),
                                   (guint) g_ascii_strtoull (argv[6], NULL, 10));
      return 0;
    }
  if ((argc == 7 && g_str_equal (argv[1], "memory-request")) || (argc == 6 && g_str_equal (argv[1], "idle-request")))
    {
      const VmTestbed *tb = vm_testbed_get ();
      gboolean idle = g_str_equal (argv[1], "idle-request");
      g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (argv[2], tb->src_uri, tb->dst_uri);
      g_autofree char *file = g_strdup_printf ("%s.mig", argv[2]);
      g_autofree char *sock = vm_testbed_path (file);
      g_autofree char *hv = g_strconcat ("unix://", sock, NULL);
      g_autoptr(GVariant) dict = NULL;
      g_autofree char *text = NULL;

      if (idle)
        vm_testbed_idle_guest (argv[2], (guint) g_ascii_strtoull (argv[3], NULL, 10),
                               (guint) g_ascii_strtoull (argv[4], NULL, 10));
      else
        vm_testbed_dirty_guest (argv[2], (guint) g_ascii_strtoull (argv[3], NULL, 10),
                                (guint) g_ascii_strtoull (argv[4], NULL, 10),
                                (guint) g_ascii_strtoull (argv[5], NULL, 10));
      g_object_set (req, "live", TRUE, "hypervisor-uri", hv, "bandwidth",
                    g_ascii_strtoull (argv[idle ? 5 : 6], NULL, 10), NULL);
      dict = g_variant_ref_sink (virt_migrate_request_to_variant (req));
      text = g_variant_print (dict, TRUE);
      g_print ("%s\n", text);
      return 0;
    }
  if (argc == 4 && g_str_equal (argv[1], "state"))
    {
      g_print ("%s\n", states[vm_testbed_guest_state (host_uri (argv[2]), argv[3], NULL)]);
      return 0;
    }
  if (argc == 4 && g_str_equal (argv[1], "destroy"))
    {
      vm_testbed_destroy_guest (host_uri (argv[2]), argv[3]);
      return 0;
    }
  g_printerr ("usage: vm-testbed-tool slow-request NAME DISK_MIB BANDWIDTH_MIB | guest NAME |\n"
              "                       dirty-guest NAME MEM_MIB DIRTY_MIB RATE_MIB [DISK_MIB] |\n"
              "                       memory-request NAME MEM_MIB DIRTY_MIB RATE_MIB BANDWIDTH_MIB |\n"
              "                       state src|dst NAME | destroy src|dst NAME\n");
  return 2;
}
