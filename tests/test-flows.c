/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every control flow of the migration guide, for real, between the two
 * test-bed libvirtd daemons; each outcome is asserted from libvirt's side. */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <unistd.h>

#include "vm-testbed.h"

static char *
unix_uri (const char *name)
{
  g_autofree char *path = vm_testbed_path (name);
  return g_strconcat ("unix://", path, NULL);
}

static char *
tcp_uri (void)
{
  return g_strdup_printf ("tcp://127.0.0.1:%u", vm_testbed_free_port ());
}

/* Runs @req and checks the guest moved: running on the destination, gone
 * from the source, the job SUCCEEDED with full progress. */
static VirtMigrateJob *
migrate_ok (VirtMigrateRequest *req,
            const char         *name,
            const char         *expected_api,
            unsigned int        required_flags,
            unsigned int        forbidden_flags)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateJob) job = virt_migrate_job_new (req);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = vm_testbed_run_job (job, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  g_assert_null (virt_migrate_job_get_error (job));
  g_assert_cmpstr (virt_migrate_job_get_libvirt_api (job), ==, expected_api);
  g_assert_cmpuint (virt_migrate_job_get_libvirt_flags (job) & required_flags, ==, required_flags);
  g_assert_cmpuint (virt_migrate_job_get_libvirt_flags (job) & forbidden_flags, ==, 0);
  g_assert_cmpfloat (virt_migrate_job_get_progress (job), ==, 1.0);
  g_assert_cmpuint (virt_migrate_job_get_data_processed (job), ==,
                    virt_migrate_job_get_data_total (job));
  g_assert_cmpuint (virt_migrate_job_get_data_remaining (job), ==, 0);

  vm_assert_guest (tb->dst_uri, name, VM_GUEST_RUNNING);
  vm_assert_guest (tb->src_uri, name, VM_GUEST_ABSENT);
  return g_steal_pointer (&job);
}

static void
test_managed_direct_unix (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("md-unix");
  g_autofree char *hv = unix_uri ("md-unix.sock");
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateJob) job = NULL;

  g_test_summary ("Managed direct migration (virDomainMigrate3) over a UNIX-socket migrate URI");
  vm_testbed_create_guest (tb->src_uri, name, NULL, FALSE, TRUE);
  g_object_set (req, "live", TRUE, "hypervisor-uri", hv, NULL);
  job = migrate_ok (req, name, "virDomainMigrate3", VIR_MIGRATE_LIVE,
                    VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_TUNNELLED);
  /* libvirt reports the final statistics: RAM was counted. */
  g_assert_cmpuint (virt_migrate_job_get_data_total (job), >=, 64 << 20);
  vm_testbed_destroy_guest (tb->dst_uri, name);
}

static void
test_managed_direct_tcp (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("md-tcp");
  g_autofree char *hv = tcp_uri ();
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateJob) job = NULL;

  g_test_summary ("Managed direct migration over tcp://127.0.0.1:PORT, non-live");
  vm_testbed_create_guest (tb->src_uri, name, NULL, FALSE, TRUE);
  g_object_set (req, "hypervisor-uri", hv, NULL);
  job = migrate_ok (req, name, "virDomainMigrate3", 0,
                    VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_LIVE);
  vm_testbed_destroy_guest (tb->dst_uri, name);
}

static void
test_p2p_native (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("p2p");
  g_autofree char *hv = tcp_uri ();
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateJob) job = NULL;

  g_test_summary ("Managed peer-to-peer native migration (virDomainMigrateToURI3 + PEER2PEER)");
  vm_testbed_create_guest (tb->src_uri, name, NULL, FALSE, TRUE);
  g_object_set (req, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, "live", TRUE,
                "hypervisor-uri", hv, NULL);
  job = migrate_ok (req, name, "virDomainMigrateToURI3", VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_LIVE,
                    VIR_MIGRATE_TUNNELLED);
  vm_testbed_destroy_guest (tb->dst_uri, name);
}

static void
test_p2p_tunnelled (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("p2p-tun");
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateJob) job = NULL;

  g_test_summary ("Peer-to-peer tunnelled migration: the data travels inside libvirtd's connection");
  vm_testbed_create_guest (tb->src_uri, name, NULL, FALSE, TRUE);
  g_object_set (req, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER,
                "transport", VIRT_MIGRATE_TRANSPORT_TUNNELLED, "live", TRUE, NULL);
  job = migrate_ok (req, name, "virDomainMigrateToURI3",
                    VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_TUNNELLED | VIR_MIGRATE_LIVE, 0);
  vm_testbed_destroy_guest (tb->dst_uri, name);
}

static void
test_offline_persist (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("offline");
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GError) error = NULL;
  gboolean persistent = FALSE;

  g_test_summary ("Offline migration moves the inactive definition: defined on both afterwards");
  vm_testbed_create_guest (tb->src_uri, name, NULL, TRUE, FALSE);
  g_object_set (req, "offline", TRUE, "persist-dest", TRUE, NULL);
  job = virt_migrate_job_new (req);

  g_assert_true (vm_testbed_run_job (job, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  g_assert_cmpuint (virt_migrate_job_get_libvirt_flags (job) & (VIR_MIGRATE_OFFLINE | VIR_MIGRATE_PERSIST_DEST),
                    ==, VIR_MIGRATE_OFFLINE | VIR_MIGRATE_PERSIST_DEST);

  g_assert_cmpint (vm_testbed_guest_state (tb->dst_uri, name, &persistent), ==, VM_GUEST_SHUTOFF);
  g_assert_true (persistent);
  g_assert_cmpint (vm_testbed_guest_state (tb->src_uri, name, &persistent), ==, VM_GUEST_SHUTOFF);
  g_assert_true (persistent);
  vm_testbed_destroy_guest (tb->dst_uri, name);
  vm_testbed_destroy_guest (tb->src_uri, name);
}

static void
assert_same_disk (const char *a, const char *b)
{
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *argv[] = { "qemu-img", "compare", "-q", "-U", "-f", "qcow2", "-F", "qcow2", a, b, NULL };

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error); /* exit 1 means the images differ */
}

static void
test_copy_storage_all (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("copy-all");
  g_autofree char *src_disk = NULL, *dst_disk = NULL;
  g_autofree char *dest_xml = vm_testbed_storage_guest (name, 64, 8, &src_disk, &dst_disk);
  g_autofree char *hv = tcp_uri ();
  g_autofree char *disks = tcp_uri ();
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autofree char *dst_xml = NULL;
  const char *const disks_list[] = { "vda", NULL };

  g_test_summary ("Non-shared storage: copy-storage-all with a disks URI and a rewritten dest XML");
  g_object_set (req, "live", TRUE, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL,
                "hypervisor-uri", hv, "disks-uri", disks, "dest-xml", dest_xml,
                "migrate-disks", disks_list, NULL);
  job = migrate_ok (req, name, "virDomainMigrate3", VIR_MIGRATE_NON_SHARED_DISK,
                    VIR_MIGRATE_NON_SHARED_INC);
  /* The disk counted in the total, the destination uses the new path, and
   * the data arrived. */
  g_assert_cmpuint (virt_migrate_job_get_data_total (job), >=, (64 + 8) << 20);
  dst_xml = vm_testbed_guest_dumpxml (tb->dst_uri, name, 0);
  g_assert_nonnull (strstr (dst_xml, dst_disk));
  assert_same_disk (src_disk, dst_disk);
  vm_testbed_destroy_guest (tb->dst_uri, name);
}

static void
test_copy_storage_incremental (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("copy-inc");
  g_autofree char *base = vm_testbed_make_disk ("inc-base.qcow2", 64, 8);
  g_autofree char *dst_base = vm_testbed_path ("inc-base-dst.qcow2");
  g_autofree char *src_top = vm_testbed_path ("inc-top-src.qcow2");
  g_autofree char *dst_top = vm_testbed_path ("inc-top-dst.qcow2");
  g_autofree char *hv = tcp_uri ();
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autofree char *xml = NULL, *dest_xml = NULL;
  g_auto(GStrv) parts = NULL;

  g_test_summary ("Non-shared storage, incremental: only the top image of the backing chain "
                  "is copied onto a destination image the user pre-created on the same base");
  /* The base is the same on both hosts (copied, as a user would); the
   * source's top image has data of its own; the destination's is empty. */
  vm_testbed_run ((const char *[]) { "cp", base, dst_base, NULL });
  vm_testbed_run ((const char *[]) { "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2",
                                 "-b", base, src_top, NULL });
  vm_testbed_run ((const char *[]) { "qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 16M 4M",
                                 src_top, NULL });
  vm_testbed_run ((const char *[]) { "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2",
                                 "-b", dst_base, dst_top, NULL });
  if (getuid () == 0)
    {
      const char *files[] = { dst_base, src_top, dst_top };
      for (guint i = 0; i < G_N_ELEMENTS (files); i++)
        g_assert_cmpint (chown (files[i], tb->uid, tb->gid), ==, 0);
    }

  vm_testbed_create_guest (tb->src_uri, name, src_top, FALSE, TRUE);
  xml = vm_testbed_guest_dumpxml (tb->src_uri, name, VIR_DOMAIN_XML_MIGRATABLE);
  parts = g_strsplit (xml, src_top, -1);
  dest_xml = g_strjoinv (dst_top, parts);
  g_object_set (req, "live", TRUE, "storage", VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL,
                "hypervisor-uri", hv, "dest-xml", dest_xml, NULL);
  job = migrate_ok (req, name, "virDomainMigrate3", VIR_MIGRATE_NON_SHARED_INC,
                    VIR_MIGRATE_NON_SHARED_DISK);
  /* What the guest sees is the same on both sides (base + top)... */
  assert_same_disk (src_top, dst_top);
  /* ...and the destination's own base was not written to. */
  assert_same_disk (base, dst_base);
  vm_testbed_destroy_guest (tb->dst_uri, name);
}

static void
test_unix_only (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("unix-only");
  g_autofree char *src_disk = NULL, *dst_disk = NULL;
  g_autofree char *dest_xml = vm_testbed_storage_guest (name, 64, 4, &src_disk, &dst_disk);
  g_autofree char *hv = unix_uri ("uo-qemu.sock");
  g_autofree char *disks = unix_uri ("uo-nbd.sock");
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateJob) job = NULL;

  g_test_summary ("Migration using only UNIX sockets: libvirtd, QEMU and NBD, peer-to-peer");
  g_assert_true (g_str_has_prefix (tb->dst_uri, "qemu+unix:///session?socket="));
  g_object_set (req, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, "live", TRUE,
                "storage", VIRT_MIGRATE_STORAGE_COPY_ALL,
                "hypervisor-uri", hv, "disks-uri", disks, "dest-xml", dest_xml, NULL);
  job = migrate_ok (req, name, "virDomainMigrateToURI3",
                    VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_NON_SHARED_DISK, VIR_MIGRATE_TUNNELLED);
  assert_same_disk (src_disk, dst_disk);
  vm_testbed_destroy_guest (tb->dst_uri, name);
}

static void
test_unmanaged_direct (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("unmanaged");
  g_autofree char *hv = tcp_uri ();
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, tb->src_uri, NULL);
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Unmanaged direct needs a hypervisor with its own migration manager (Xen): "
                  "QEMU refuses, and libvirt's own error reaches the caller intact");
  vm_testbed_create_guest (tb->src_uri, name, NULL, FALSE, TRUE);
  g_object_set (req, "flow", VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT, "live", TRUE,
                "hypervisor-uri", hv, NULL);

  /* The plan of this scenario ("native migration, client to one libvirtd
   * server"): virDomainMigrateToURI3 without PEER2PEER, the hypervisor URI
   * as the only target, no destination libvirtd. */
  {
    g_autoptr(VirtMigratePlan) plan = vm_testbed_plan (req, &error);
    g_autoptr(GVariant) params = NULL;
    const char *uri = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (virt_migrate_plan_get_libvirt_api (plan), ==, "virDomainMigrateToURI3");
    g_assert_cmpuint (virt_migrate_plan_get_libvirt_flags (plan) & VIR_MIGRATE_PEER2PEER, ==, 0);
    g_assert_false (g_strv_contains (virt_migrate_plan_get_flag_names (plan), "VIR_MIGRATE_PEER2PEER"));
    g_assert_true (g_strv_contains (virt_migrate_plan_get_flag_names (plan), "VIR_MIGRATE_LIVE"));
    g_assert_true (g_variant_lookup (virt_migrate_plan_get_parameters (plan), "migrate_uri", "&s", &uri));
    g_assert_cmpstr (uri, ==, hv);
    g_assert_nonnull (strstr (virt_migrate_plan_get_data_path (plan), "no destination libvirtd"));
    g_assert_false (virt_migrate_plan_get_dest_checked (plan));
    params = g_variant_ref_sink (virt_migrate_plan_to_variant (plan));
    g_assert_true (g_variant_lookup (params, "config-outcome", "@a{sv}", NULL));
  }

  job = virt_migrate_job_new (req);

  g_assert_false (vm_testbed_run_job (job, NULL, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_LIBVIRT);
  g_test_message ("libvirt said: %s (code %d)", error->message,
                  virt_migrate_error_get_libvirt_code (error));
  g_assert_cmpint (virt_migrate_error_get_libvirt_code (error), !=, VIR_ERR_OK);
  g_assert_nonnull (strstr (error->message, "direct migration"));
  g_assert_cmpstr (virt_migrate_job_get_libvirt_api (job), ==, "virDomainMigrateToURI3");
  g_assert_cmpuint (virt_migrate_job_get_libvirt_flags (job) & VIR_MIGRATE_PEER2PEER, ==, 0);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_FAILED);
  g_assert_nonnull (virt_migrate_job_get_error (job));
  g_assert_cmpstr (virt_migrate_job_get_error (job)->message, ==, error->message);

  vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
  vm_testbed_destroy_guest (tb->src_uri, name);
}

static void
on_job_removed (VirtMigrateManager *manager, VirtMigrateJob *job, gpointer user_data)
{
  g_main_loop_quit (user_data);
}

static void
test_manager_round_trip (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("manager");
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  const char *uris[][2] = { { tb->src_uri, tb->dst_uri }, { tb->dst_uri, tb->src_uri } };

  g_test_summary ("The manager runs jobs, lists them while they run, and reuses its "
                  "connections: there and back again opens one per URI for the migration calls "
                  "and one per source URI for the calls made meanwhile (the control connection), "
                  "four in all");
  vm_testbed_create_guest (tb->src_uri, name, NULL, FALSE, TRUE);
  g_signal_connect (manager, "job-removed", G_CALLBACK (on_job_removed), loop);

  for (guint i = 0; i < G_N_ELEMENTS (uris); i++)
    {
      g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, uris[i][0], uris[i][1]);
      g_autofree char *hv = unix_uri (i == 0 ? "mgr-0.sock" : "mgr-1.sock");
      g_autoptr(VirtMigrateJob) job = NULL;
      g_autoptr(GPtrArray) jobs = NULL;
      g_autoptr(GError) error = NULL;

      g_object_set (req, "live", TRUE, "hypervisor-uri", hv, NULL);
      job = virt_migrate_manager_start (manager, req, NULL, &error);
      g_assert_no_error (error);
      jobs = virt_migrate_manager_list_jobs (manager);
      g_assert_cmpuint (jobs->len, ==, 1);
      g_assert_true (g_ptr_array_index (jobs, 0) == job);
      g_assert_true (virt_migrate_manager_lookup_job (manager, virt_migrate_job_get_id (job)) == job);
      g_main_loop_run (loop);
      g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
      vm_assert_guest (uris[i][1], name, VM_GUEST_RUNNING);
      vm_assert_guest (uris[i][0], name, VM_GUEST_ABSENT);
      g_clear_pointer (&jobs, g_ptr_array_unref);
      jobs = virt_migrate_manager_list_jobs (manager);
      g_assert_cmpuint (jobs->len, ==, 0);
    }
  g_assert_cmpuint (virt_migrate_manager_get_n_connections (manager), ==, 4);
  vm_testbed_destroy_guest (tb->src_uri, name);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  vm_testbed_get ();

  g_test_add_func ("/virt-migrate/flow/managed-direct-unix", test_managed_direct_unix);
  g_test_add_func ("/virt-migrate/flow/managed-direct-tcp", test_managed_direct_tcp);
  g_test_add_func ("/virt-migrate/flow/p2p-native", test_p2p_native);
  g_test_add_func ("/virt-migrate/flow/p2p-tunnelled", test_p2p_tunnelled);
  g_test_add_func ("/virt-migrate/flow/offline-persist", test_offline_persist);
  g_test_add_func ("/virt-migrate/flow/copy-storage-all", test_copy_storage_all);
  g_test_add_func ("/virt-migrate/flow/copy-storage-incremental", test_copy_storage_incremental);
  g_test_add_func ("/virt-migrate/flow/unix-only", test_unix_only);
  g_test_add_func ("/virt-migrate/flow/unmanaged-direct", test_unmanaged_direct);
  g_test_add_func ("/virt-migrate/manager/round-trip", test_manager_round_trip);

  return g_test_run ();
}
