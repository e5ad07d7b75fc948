/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The job's one snapshot against the D-Bus interface XML: every Job
 * property, with its D-Bus type, and nothing else; the JSON view carries
 * them all. No libvirtd needed: the job is never run. */
#include <virt-migrate.h>

#include "virt-migrate-job-json.h"
#include "virt-migrate-job-private.h"

static GDBusInterfaceInfo *
job_interface (GDBusNodeInfo **node)
{
  g_autofree char *xml = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (DBUS_XML, &xml, NULL, &error));
  *node = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);
  return g_dbus_node_info_lookup_interface (*node, "org.virtmigrate.VirtMigrate1.Job");
}

static VirtMigrateJob *
new_job (void)
{
  g_autoptr(VirtMigrateRequest) req =
    virt_migrate_request_new ("web1", "qemu:///system", "qemu+ssh://dst/system");

  g_object_set (req, "live", TRUE, "bandwidth", (guint64) 8, NULL);
  return virt_migrate_job_new (req);
}

static void
test_keys_match_interface (void)
{
  g_autoptr(GDBusNodeInfo) node = NULL;
  GDBusInterfaceInfo *iface = job_interface (&node);
  g_autoptr(VirtMigrateJob) job = new_job ();
  g_autoptr(GVariant) snapshot = g_variant_ref_sink (virt_migrate_job_to_variant (job));
  guint n_props = 0;

  g_test_summary ("The snapshot has exactly the D-Bus Job properties, each with its D-Bus type");
  g_assert_nonnull (iface);
  for (guint i = 0; iface->properties[i] != NULL; i++, n_props++)
    {
      GDBusPropertyInfo *prop = iface->properties[i];
      g_autoptr(GVariant) value = g_variant_lookup_value (snapshot, prop->name, NULL);

      if (value == NULL)
        g_error ("snapshot lacks the D-Bus property %s", prop->name);
      g_assert_cmpstr (g_variant_get_type_string (value), ==, prop->signature);
    }
  g_assert_cmpuint (g_variant_n_children (snapshot), ==, n_props);
}

/* The Request entry's value as the snapshot holds it (child by child:
 * g_variant_lookup() would serialise the dictionary, copying it). */
static GVariant *
request_child (GVariant *snapshot)
{
  for (gsize i = 0; i < g_variant_n_children (snapshot); i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (snapshot, i);
      g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
      g_autoptr(GVariant) boxed = g_variant_get_child_value (entry, 1);

      if (g_str_equal (g_variant_get_string (key, NULL), "Request"))
        return g_variant_get_variant (boxed);
    }
  g_assert_not_reached ();
}

static void
test_values (void)
{
  g_autoptr(VirtMigrateJob) job = new_job ();
  g_autoptr(GVariant) snapshot = g_variant_ref_sink (virt_migrate_job_to_variant (job));
  g_autoptr(GVariant) request = NULL;
  const char *s = NULL;
  guint64 bandwidth = 0;

  g_test_summary ("A new job's snapshot: pending, nothing moved, the request as a{sv}");
  g_assert_true (g_variant_lookup (snapshot, "State", "&s", &s));
  g_assert_cmpstr (s, ==, "pending");
  g_assert_true (g_variant_lookup (snapshot, "Domain", "&s", &s));
  g_assert_cmpstr (s, ==, "web1");
  request = g_variant_lookup_value (snapshot, "Request", G_VARIANT_TYPE_VARDICT);
  g_assert_nonnull (request);
  g_assert_true (g_variant_lookup (request, "bandwidth", "t", &bandwidth));
  g_assert_cmpuint (bandwidth, ==, 8);
  virt_migrate_job_set_started_by_uid (job, 4242);
  g_clear_pointer (&snapshot, g_variant_unref);
  snapshot = g_variant_ref_sink (virt_migrate_job_to_variant (job));
  {
    guint32 uid = 0;
    g_autoptr(GVariant) again = request_child (snapshot);
    g_autoptr(GVariant) third = NULL;

    g_assert_true (g_variant_lookup (snapshot, "StartedByUid", "u", &uid));
    g_assert_cmpuint (uid, ==, 4242);
    /* The request's a{sv} is made once and shared by every snapshot (a
     * 4 MiB dest-xml is not copied at each D-Bus sync or HTTP reply). */
    g_clear_pointer (&snapshot, g_variant_unref);
    snapshot = g_variant_ref_sink (virt_migrate_job_to_variant (job));
    third = request_child (snapshot);
    g_assert_true (again == third);
  }
}

static void
test_json_has_every_property (void)
{
  g_autoptr(GDBusNodeInfo) node = NULL;
  GDBusInterfaceInfo *iface = job_interface (&node);
  g_autoptr(VirtMigrateJob) job = new_job ();
  g_autoptr(JsonNode) json = virt_migrate_job_to_json (job);
  JsonObject *object = json_node_get_object (json);

  g_test_summary ("The JSON of /v1/jobs/ID carries every D-Bus Job property, plus Id and DestUri");
  for (guint i = 0; iface->properties[i] != NULL; i++)
    if (!json_object_has_member (object, iface->properties[i]->name))
      g_error ("JSON lacks the D-Bus property %s", iface->properties[i]->name);
  g_assert_true (json_object_has_member (object, "Id"));
  g_assert_cmpstr (json_object_get_string_member (object, "DestUri"), ==, "qemu+ssh://dst/system");
  g_assert_cmpstr (json_object_get_string_member (object, "State"), ==, "pending");
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "Request")));
  g_assert_true (json_object_get_null_member (object, "StartedByUid"));
}

static void
test_history_record_keys (void)
{
  g_autoptr(VirtMigrateJob) job = new_job ();
  g_autoptr(GVariant) snapshot = g_variant_ref_sink (virt_migrate_job_to_variant (job));
  g_autoptr(GVariant) record = g_variant_ref_sink (virt_migrate_job_to_history_record (job));
  static const char *const live_only[] = { "Phase", "Progress", "Rate", "ExpectedEndTime", "BytesRemaining",
                                           "DirtyRate", "Cancelable", "Request", "Verdict", "Drain", NULL };
  static const char *const own[] = { "DomainUuid", "Source", "Destination", "Flow", "Flags", "LibvirtApi",
                                     "LibvirtFlags", "StartTime", "EndTime", "Outcome", "BytesTransferred",
                                     "Host", NULL };
  GVariantIter iter;
  const char *key;
  GVariant *value;
  guint32 id = 0, snapshot_id = 0;

  g_test_summary ("A job's history record is its snapshot under the same key names (Id, State, Iteration, "
                  "Domain…), less what only a live job has, plus the history's own keys");
  g_variant_iter_init (&iter, snapshot);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) there = g_variant_lookup_value (record, key, NULL);

      if (g_strv_contains (live_only, key))
        g_assert_null (there);
      else if (there == NULL)
        g_error ("the history record lacks the snapshot's %s", key);
      else
        g_assert_true (g_variant_equal (there, value));
      g_variant_unref (value);
    }
  g_variant_iter_init (&iter, record);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) in_snapshot = g_variant_lookup_value (snapshot, key, NULL);

      if (in_snapshot == NULL && !g_strv_contains (own, key))
        g_error ("the history record has %s, which is neither the snapshot's nor its own", key);
      g_variant_unref (value);
    }
  g_assert_true (g_variant_lookup (snapshot, "Id", "u", &snapshot_id));
  g_assert_true (g_variant_lookup (record, "Id", "u", &id));
  g_assert_cmpuint (id, ==, snapshot_id);
  g_assert_cmpuint (id, ==, virt_migrate_job_get_id (job));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/virt-migrate/snapshot/keys-match-interface", test_keys_match_interface);
  g_test_add_func ("/virt-migrate/snapshot/values", test_values);
  g_test_add_func ("/virt-migrate/snapshot/json-has-every-property", test_json_has_every_property);
  g_test_add_func ("/virt-migrate/snapshot/history-record-keys", test_history_record_keys);
  return g_test_run ();
}
