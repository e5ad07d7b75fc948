/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A manager's dry-run plan and pre-flight checks, through the hypervisor
 * seam against the scripted fake (libvirt's recorded XML): the guest's
 * UUID and persistence, the destination's configuration, the call, the
 * verdict, the destination XML of a disk-map and network-map, and the
 * errors a person gets. No libvirtd. */
#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>

#include "fake-hypervisor.h"
#include "virt-migrate-manager-private.h"
#include "virt-migrate.h"

#define MiB (G_GUINT64_CONSTANT (1024) * 1024)
#define GiB (MiB * 1024)
#define SRC "qemu+ssh://src.example.org/system"
#define DST "qemu+ssh://dst.example.org/system"
#define DST2 "qemu+ssh://dst2.example.org/system"
#define UUID "7a6f22e4-0000-4000-8000-000000000001"

typedef struct {
  FakeHypervisor     *hv;
  VirtMigrateManager *manager;
  VirtMigrateRequest *request;
} Fixture;

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(VirtMigrateSettings) settings = virt_migrate_settings_new_with_backend (backend);

  fx->hv = fake_hypervisor_new ();
  fx->manager = virt_migrate_manager_new_with_settings (settings);
  virt_migrate_manager_set_history (fx->manager, NULL);
  virt_migrate_manager_set_hypervisor_func (fx->manager, fake_hypervisor_ref_func, g_object_ref (fx->hv),
                                            g_object_unref);
  fake_hypervisor_add_host (fx->hv, SRC, 1 * GiB);
  fake_hypervisor_add_host (fx->hv, DST, 4 * GiB);
  fake_hypervisor_add_guest (fx->hv, SRC, "web", UUID, 512 * MiB, TRUE);
  fake_hypervisor_add_pool (fx->hv, DST, "images", FAKE_DISK_DIR);
  fake_hypervisor_add_volume (fx->hv, DST, FAKE_DISK, NULL);
  fx->request = virt_migrate_request_new ("web", SRC, DST);
  g_object_set (fx->request, "live", TRUE, NULL);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->request);
  g_clear_object (&fx->manager);
  g_clear_object (&fx->hv);
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static VirtMigratePlan *
plan (Fixture *fx, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  virt_migrate_manager_plan_async (fx->manager, fx->request, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return virt_migrate_manager_plan_finish (fx->manager, result, error);
}

static GVariant *
check (Fixture *fx, const char *const *destinations, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  virt_migrate_manager_check_async (fx->manager, fx->request, destinations, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return virt_migrate_manager_check_finish (fx->manager, result, error);
}

static const char *
result_of (GVariant *verdict)
{
  const char *result = NULL;

  g_assert_true (g_variant_lookup (verdict, "result", "&s", &result));
  return result;
}

static void
test_plan_persistent (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigratePlan) p = NULL;
  VirtMigrateConfigOutcome *outcome;

  g_test_summary ("A plan learns the guest's UUID and persistence from the source, checks the destination "
                  "and predicts the configurations");
  g_object_set (fx->request, "persist-dest", TRUE, NULL);
  p = plan (fx, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (virt_migrate_plan_get_guest_uuid (p), ==, UUID);
  g_assert_true (virt_migrate_plan_get_source_persistent (p));
  g_assert_true (virt_migrate_plan_get_dest_checked (p));
  g_assert_false (virt_migrate_plan_get_dest_config_exists (p));
  g_assert_cmpstr (virt_migrate_plan_get_libvirt_api (p), ==, "virDomainMigrate3");
  g_assert_true (g_strv_contains (virt_migrate_plan_get_flag_names (p), "VIR_MIGRATE_LIVE"));
  g_assert_true (g_strv_contains (virt_migrate_plan_get_flag_names (p), "VIR_MIGRATE_PERSIST_DEST"));
  outcome = virt_migrate_plan_get_config_outcome (p);
  g_assert_cmpint (virt_migrate_config_outcome_get_dest_type (outcome), ==, VIRT_MIGRATE_GUEST_TYPE_PERSISTENT);
  g_assert_cmpint (virt_migrate_config_outcome_get_source_config (outcome), ==, VIRT_MIGRATE_SOURCE_CONFIG_KEPT);
  g_assert_cmpstr (result_of (virt_migrate_plan_get_verdict (p)), ==, "ok");
}

static void
test_plan_transient_dest_config (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigratePlan) p = NULL;

  g_test_summary ("A transient guest whose configuration the destination already has");
  fake_hypervisor_set_transient (fx->hv, SRC, "web");
  fake_hypervisor_add_guest (fx->hv, DST, "web", UUID, 512 * MiB, FALSE);
  p = plan (fx, &error);
  g_assert_no_error (error);
  g_assert_false (virt_migrate_plan_get_source_persistent (p));
  g_assert_true (virt_migrate_plan_get_dest_config_exists (p));
  g_assert_cmpint (virt_migrate_config_outcome_get_source_config (virt_migrate_plan_get_config_outcome (p)), ==,
                   VIRT_MIGRATE_SOURCE_CONFIG_NONE);
}

static void
test_plan_dest_unreachable (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigratePlan) p = NULL;
  g_autofree char *text = NULL;

  g_test_summary ("A destination that cannot be reached: the plan says so (unchecked) with a blocker "
                  "verdict for a managed migration, which needs that connection, and unknown for "
                  "peer-to-peer, where only the source's libvirtd must reach it");
  fake_hypervisor_set_reachable (fx->hv, DST, FALSE);
  p = plan (fx, &error);
  g_assert_no_error (error);
  g_assert_false (virt_migrate_plan_get_dest_checked (p));
  g_assert_cmpstr (result_of (virt_migrate_plan_get_verdict (p)), ==, "blocker");
  text = virt_migrate_plan_to_text (p);
  g_assert_true (g_pattern_match_simple ("*To:            " DST "\n*", text));
  g_clear_object (&p);

  g_object_set (fx->request, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, NULL);
  p = plan (fx, &error);
  g_assert_no_error (error);
  g_assert_false (virt_migrate_plan_get_dest_checked (p));
  g_assert_cmpstr (virt_migrate_plan_get_libvirt_api (p), ==, "virDomainMigrateToURI3");
  g_assert_cmpstr (result_of (virt_migrate_plan_get_verdict (p)), ==, "unknown");
}

static void
test_host_names (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) verdicts = NULL;
  g_autoptr(GVariant) first = NULL;
  g_autoptr(VirtMigratePlan) p = NULL;
  const char *destinations[] = { "dst.example.org", NULL };
  const char *dest = NULL;
  g_autofree char *text = NULL;

  g_test_summary ("A destination named by its host: the plan and the checks use its qemu+ssh:// URI "
                  "(the system libvirtd), and say which");
  g_object_set (fx->request, "dest-uri", "dst.example.org", NULL);
  g_assert_cmpstr (virt_migrate_request_get_dest_uri (fx->request), ==, DST);
  p = plan (fx, &error);
  g_assert_no_error (error);
  g_assert_true (virt_migrate_plan_get_dest_checked (p));
  text = virt_migrate_plan_to_text (p);
  g_assert_true (g_pattern_match_simple ("*To:            qemu+ssh://dst.example.org/system\n*", text));
  verdicts = check (fx, destinations, &error);
  g_assert_no_error (error);
  first = g_variant_get_child_value (verdicts, 0);
  g_assert_true (g_variant_lookup (first, "destination", "&s", &dest));
  g_assert_cmpstr (dest, ==, DST);
  g_assert_cmpstr (result_of (first), ==, "ok");
}

static void
test_plan_no_guest (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigratePlan) p = NULL;

  g_test_summary ("No such guest, or the source unreachable: the plan fails with which");
  g_object_set (fx->request, "domain", "nope", NULL);
  p = plan (fx, &error);
  g_assert_null (p);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND);
  g_clear_error (&error);
  g_object_set (fx->request, "domain", "web", NULL);
  fake_hypervisor_set_reachable (fx->hv, SRC, FALSE);
  p = plan (fx, &error);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CONNECT_FAILED);
}

static void
test_plan_blocker (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigratePlan) p = NULL;
  g_autofree char *text = NULL;

  g_test_summary ("A plan carries the pre-flight verdict a migration would reach first, blockers in its text");
  fake_hypervisor_add_guest (fx->hv, DST, "web", "99999999-0000-4000-8000-000000000001", 64 * MiB, TRUE);
  p = plan (fx, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result_of (virt_migrate_plan_get_verdict (p)), ==, "blocker");
  text = virt_migrate_plan_to_text (p);
  g_assert_true (g_pattern_match_simple ("*A different guest of the same name (UUID 99999999-*", text));
}

static void
test_plan_maps (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigratePlan) p = NULL;
  g_autoptr(GVariant) v = NULL;
  const char *xml = NULL;
  const char *disk_map[] = { FAKE_DISK_DIR "=fast", NULL };
  const char *network_map[] = { "prod=lab&test", NULL };

  g_test_summary ("disk-map (onto a pool by name) and network-map: the destination XML the migration "
                  "would send, made from the recorded live XML, values escaped");
  fake_hypervisor_edit_guest (fx->hv, SRC, "web", "<interface type='user'>",
                              "<interface type='network'><source network='prod'/>");
  fake_hypervisor_add_pool (fx->hv, DST, "fast", "/srv/fast");
  g_object_set (fx->request, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, "disk-map", disk_map,
                "network-map", network_map, NULL);
  p = plan (fx, &error);
  g_assert_no_error (error);
  v = virt_migrate_plan_to_variant (p);
  g_assert_true (g_variant_lookup (v, "dest-xml", "&s", &xml));
  g_assert_true (g_pattern_match_simple ("*<source file=\"/srv/fast/web.qcow2\"*", xml) ||
                 g_pattern_match_simple ("*<source file='/srv/fast/web.qcow2'*", xml));
  g_assert_true (g_pattern_match_simple ("*/srv/fast/web-base.qcow2*", xml));
  g_assert_true (g_pattern_match_simple ("*network=?lab&amp;test?*", xml));
  g_assert_false (g_pattern_match_simple ("*lab&test*", xml));
}

static void
test_check_two (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) verdicts = NULL;
  g_autoptr(GVariant) first = NULL, second = NULL;
  const char *destinations[] = { DST, DST2, NULL };
  const char *dest = NULL;

  g_test_summary ("Checks against two destinations: one verdict each, in order; one the fake does not know "
                  "is unreachable");
  verdicts = check (fx, destinations, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (verdicts), ==, 2);
  first = g_variant_get_child_value (verdicts, 0);
  second = g_variant_get_child_value (verdicts, 1);
  g_assert_true (g_variant_lookup (first, "destination", "&s", &dest));
  g_assert_cmpstr (dest, ==, DST);
  g_assert_cmpstr (result_of (first), ==, "ok");
  g_assert_true (g_variant_lookup (second, "destination", "&s", &dest));
  g_assert_cmpstr (dest, ==, DST2);
  g_assert_cmpstr (result_of (second), ==, "blocker");
  g_assert_cmpuint (fake_hypervisor_get_n_gathered (fx->hv), ==, 2);
}

static void
test_check_no_guest (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) verdicts = NULL;

  g_test_summary ("Checks of a guest the source does not have: an error, no verdicts");
  g_object_set (fx->request, "domain", "nope", NULL);
  verdicts = check (fx, NULL, &error);
  g_assert_null (verdicts);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND);
}

static void
test_check_many (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) destinations = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) verdicts = NULL;
  g_autoptr(VirtMigrateDrain) drain = NULL;
  g_autoptr(VirtMigrateRequest) all = virt_migrate_request_new (NULL, SRC, NULL);

  g_test_summary ("A check or a drain to more than 256 destinations: refused before any is asked, naming the "
                  "bound (a check asks each in turn and answers in one reply: more took the service off the bus); "
                  "256: a verdict each");
  for (guint i = 0; i < 256; i++)
    g_ptr_array_add (destinations, g_strdup_printf ("qemu+ssh://dst%u.example.org/system", i));
  g_ptr_array_add (destinations, NULL);
  verdicts = check (fx, (const char *const *) destinations->pdata, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (verdicts), ==, 256);
  g_clear_pointer (&verdicts, g_variant_unref);
  g_ptr_array_remove_index (destinations, 256);
  g_ptr_array_add (destinations, g_strdup (DST));
  g_ptr_array_add (destinations, NULL);
  verdicts = check (fx, (const char *const *) destinations->pdata, &error);
  g_assert_null (verdicts);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE);
  g_assert_cmpstr (error->message, ==, "257 destinations given, at most 256: check or drain to them in groups");
  g_clear_error (&error);
  drain = virt_migrate_manager_create_drain (fx->manager, all, (const char *const *) destinations->pdata, &error);
  g_assert_null (drain);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE);
}

static GVariant *
list_guests (Fixture *fx, const char *uri, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  virt_migrate_manager_list_guests_async (fx->manager, uri, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return virt_migrate_manager_list_guests_finish (fx->manager, result, error);
}

static GVariant *
guest_named (GVariant *guests, const char *name)
{
  for (gsize i = 0; i < g_variant_n_children (guests); i++)
    {
      g_autoptr(GVariant) g = g_variant_get_child_value (guests, i);
      const char *n = NULL;

      if (g_variant_lookup (g, "name", "&s", &n) && g_str_equal (n, name))
        return g_steal_pointer (&g);
    }
  return NULL;
}

static const char *
key_of (GVariant *dict, const char *key)
{
  const char *value = NULL;

  g_assert_true (g_variant_lookup (dict, key, "&s", &value));
  return value;
}

static void
test_list_guests (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) guests = NULL, remote = NULL, web = NULL, disks = NULL, disk = NULL, net = NULL;
  g_autoptr(GVariant) stopped = NULL, local = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("list-guests-XXXXXX", NULL);
  g_autofree char *image = g_build_filename (tmp, "db.qcow2", NULL);
  g_autofree char *from = g_strdup_printf ("<source file='%s' index='2'/>", FAKE_DISK);
  g_autofree char *to = g_strdup_printf ("<source file='%s' index='2'/>", image);
  guint64 memory = 0;

  g_test_summary ("A host's running guests, by name, each with its state, memory and whether its storage "
                  "is shared (a network disk), local (a file here) or not known (a remote host's file); "
                  "an unreachable host is an error");
  /* A remote source: its files cannot be looked at from here. */
  fake_hypervisor_add_guest (fx->hv, SRC, "app", "7a6f22e4-0000-4000-8000-000000000002", 256 * MiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, SRC, "off", "7a6f22e4-0000-4000-8000-000000000003", 256 * MiB, FALSE);
  remote = list_guests (fx, SRC, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (remote), ==, 2);
  web = guest_named (remote, "web");
  g_assert_nonnull (web);
  g_assert_cmpstr (key_of (web, "uuid"), ==, UUID);
  g_assert_cmpstr (key_of (web, "state"), ==, "running");
  g_assert_true (g_variant_lookup (web, "memory", "t", &memory));
  g_assert_cmpuint (memory, ==, 512 * MiB);
  g_assert_cmpstr (key_of (web, "storage"), ==, "unknown");
  disks = g_variant_lookup_value (web, "disks", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_cmpuint (g_variant_n_children (disks), ==, 1); /* the empty CD-ROM drive is left out */
  disk = g_variant_get_child_value (disks, 0);
  g_assert_cmpstr (key_of (disk, "target"), ==, "vda");
  g_assert_cmpstr (key_of (disk, "source"), ==, FAKE_DISK);
  g_assert_cmpstr (key_of (disk, "shared"), ==, "unknown");
  { /* by name */
    g_autoptr(GVariant) first = g_variant_get_child_value (remote, 0);

    g_assert_cmpstr (key_of (first, "name"), ==, "app");
  }
  stopped = guest_named (remote, "off");
  g_assert_null (stopped);

  /* A local source: a file on this machine's disk is local, a network
   * disk is shared. */
  g_assert_true (g_file_set_contents (image, "", 0, NULL));
  fake_hypervisor_add_host (fx->hv, "qemu:///system", 8 * GiB);
  fake_hypervisor_add_guest (fx->hv, "qemu:///system", "db", "7a6f22e4-0000-4000-8000-000000000004", 1 * GiB, TRUE);
  fake_hypervisor_edit_guest (fx->hv, "qemu:///system", "db", from, to);
  fake_hypervisor_add_guest (fx->hv, "qemu:///system", "ceph", "7a6f22e4-0000-4000-8000-000000000005", 1 * GiB, TRUE);
  fake_hypervisor_edit_guest (fx->hv, "qemu:///system", "ceph", "<disk type='file' device='disk'>",
                              "<disk type='network' device='disk'>");
  fake_hypervisor_edit_guest (fx->hv, "qemu:///system", "ceph", from,
                              "<source protocol='rbd' name='pool/ceph' index='2'/>");
  guests = list_guests (fx, "qemu:///system", &error);
  g_assert_no_error (error);
  local = guest_named (guests, "db");
  g_assert_cmpstr (key_of (local, "storage"), ==, "local");
  net = guest_named (guests, "ceph");
  g_assert_cmpstr (key_of (net, "storage"), ==, "shared");
  g_assert_cmpint (g_remove (image), ==, 0);
  g_assert_cmpint (g_rmdir (tmp), ==, 0);

  fake_hypervisor_set_reachable (fx->hv, SRC, FALSE);
  g_clear_pointer (&guests, g_variant_unref);
  guests = list_guests (fx, SRC, &error);
  g_assert_null (guests);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CONNECT_FAILED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/manager-plan/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("persistent", test_plan_persistent);
  ADD ("transient-dest-config", test_plan_transient_dest_config);
  ADD ("dest-unreachable", test_plan_dest_unreachable);
  ADD ("no-guest", test_plan_no_guest);
  ADD ("host-names", test_host_names);
  ADD ("blocker", test_plan_blocker);
  ADD ("maps", test_plan_maps);
  ADD ("check-two", test_check_two);
  ADD ("check-no-guest", test_check_no_guest);
  ADD ("check-many", test_check_many);
  ADD ("list-guests", test_list_guests);
  return g_test_run ();
}
