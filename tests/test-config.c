/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The 16 rows of the "Configuration file handling" table of libvirt's
 * migration guide, each migrated for real: the prediction, the job's
 * post-check, and what libvirt 9.0 actually leaves, read independently
 * through a marker in each host's configuration. */
#include <libvirt/libvirt.h>

#include "vm-testbed.h"

#define SOURCE_MARKER "virt-migrate-test: source config"
#define DEST_MARKER "virt-migrate-test: dest config"

typedef struct {
  guint                   row;
  gboolean                source_persistent;
  gboolean                dest_config;
  gboolean                undefine_source;
  gboolean                persist_dest;
  /* after migration */
  VirtMigrateGuestType    dest_type;
  VirtMigrateSourceConfig source_config;
  VirtMigrateDestConfig   dest_result;
} Row;

#define T VIRT_MIGRATE_GUEST_TYPE_TRANSIENT
#define P VIRT_MIGRATE_GUEST_TYPE_PERSISTENT
#define S_NONE VIRT_MIGRATE_SOURCE_CONFIG_NONE
#define S_KEPT VIRT_MIGRATE_SOURCE_CONFIG_KEPT
#define S_GONE VIRT_MIGRATE_SOURCE_CONFIG_REMOVED
#define D_NONE VIRT_MIGRATE_DEST_CONFIG_NONE
#define D_NEW VIRT_MIGRATE_DEST_CONFIG_CREATED
#define D_SAME VIRT_MIGRATE_DEST_CONFIG_UNCHANGED
#define D_REPL VIRT_MIGRATE_DEST_CONFIG_REPLACED

/* The guide's table, row by row (rows 5 and 6: the current guide, which
 * real libvirt 9.0 confirms here; an early review claimed "transient"). */
static const Row rows[] = {
  /*  source  dest-cfg undefine persist -> dest  source  dest-config */
  {  1, FALSE, FALSE, FALSE, FALSE, T, S_NONE, D_NONE },
  {  2, FALSE, FALSE, TRUE,  FALSE, T, S_NONE, D_NONE },
  {  3, FALSE, FALSE, FALSE, TRUE,  P, S_NONE, D_NEW },
  {  4, FALSE, FALSE, TRUE,  TRUE,  P, S_NONE, D_NEW },
  {  5, FALSE, TRUE,  FALSE, FALSE, P, S_NONE, D_SAME },
  {  6, FALSE, TRUE,  TRUE,  FALSE, P, S_NONE, D_SAME },
  {  7, FALSE, TRUE,  FALSE, TRUE,  P, S_NONE, D_REPL },
  {  8, FALSE, TRUE,  TRUE,  TRUE,  P, S_NONE, D_REPL },
  {  9, TRUE,  FALSE, FALSE, FALSE, T, S_KEPT, D_NONE },
  { 10, TRUE,  FALSE, TRUE,  FALSE, T, S_GONE, D_NONE },
  { 11, TRUE,  FALSE, FALSE, TRUE,  P, S_KEPT, D_NEW },
  { 12, TRUE,  FALSE, TRUE,  TRUE,  P, S_GONE, D_NEW },
  { 13, TRUE,  TRUE,  FALSE, FALSE, P, S_KEPT, D_SAME },
  { 14, TRUE,  TRUE,  TRUE,  FALSE, P, S_GONE, D_SAME },
  { 15, TRUE,  TRUE,  FALSE, TRUE,  P, S_KEPT, D_REPL },
  { 16, TRUE,  TRUE,  TRUE,  TRUE,  P, S_GONE, D_REPL },
};

static char *
marked_xml (const char *name, const char *uuid, const char *marker)
{
  g_autofree char *xml = vm_testbed_guest_xml (name, NULL);
  g_autofree char *tag = g_strdup_printf ("<name>%s</name>", name);
  g_autofree char *with = g_strdup_printf ("<name>%s</name>\n  <uuid>%s</uuid>\n"
                                           "  <description>%s</description>", name, uuid, marker);
  g_auto(GStrv) parts = g_strsplit (xml, tag, 2);

  return g_strjoinv (with, parts);
}

/* What libvirt itself now says, without the library's help. */
static VirtMigrateConfigOutcome *
observe (const Row *row, const char *name)
{
  const VmTestbed *tb = vm_testbed_get ();
  gboolean dest_persistent = FALSE, source_persistent = FALSE;
  VmGuestState source_state;
  VirtMigrateDestConfig dest = VIRT_MIGRATE_DEST_CONFIG_NONE;

  g_assert_cmpint (vm_testbed_guest_state (tb->dst_uri, name, &dest_persistent), ==, VM_GUEST_RUNNING);
  source_state = vm_testbed_guest_state (tb->src_uri, name, &source_persistent);
  /* The guest left the source: gone, or only its configuration is there. */
  g_assert_true (source_state == VM_GUEST_ABSENT || source_state == VM_GUEST_SHUTOFF);
  if (dest_persistent)
    {
      g_autofree char *xml = vm_testbed_guest_dumpxml (tb->dst_uri, name, VIR_DOMAIN_XML_INACTIVE);

      if (strstr (xml, DEST_MARKER) != NULL)
        dest = VIRT_MIGRATE_DEST_CONFIG_UNCHANGED;
      else
        {
          g_assert_nonnull (strstr (xml, SOURCE_MARKER));
          dest = row->dest_config ? VIRT_MIGRATE_DEST_CONFIG_REPLACED : VIRT_MIGRATE_DEST_CONFIG_CREATED;
        }
    }
  return virt_migrate_config_outcome_new (dest_persistent ? P : T,
                                          !row->source_persistent ? S_NONE :
                                          source_persistent ? S_KEPT : S_GONE,
                                          dest);
}

static void
test_row (gconstpointer data)
{
  const Row *row = data;
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("row");
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *src_xml = marked_xml (name, uuid, SOURCE_MARKER);
  g_autofree char *sock = g_strdup_printf ("%s/row-%u.sock", tb->dir, row->row);
  g_autofree char *hv = g_strconcat ("unix://", sock, NULL);
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);
  g_autoptr(VirtMigrateConfigOutcome) expected =
    virt_migrate_config_outcome_new (row->dest_type, row->source_config, row->dest_result);
  g_autoptr(VirtMigrateConfigOutcome) predicted =
    virt_migrate_config_outcome_predict (row->source_persistent, row->dest_config,
                                         row->undefine_source, row->persist_dest);
  g_autoptr(VirtMigrateConfigOutcome) actual = NULL;
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_s = virt_migrate_config_outcome_to_string (expected);
  g_autofree char *actual_s = NULL;

  g_test_summary ("One row of the guide's configuration-file table, migrated for real");
  /* The prediction is the guide's table. */
  g_assert_true (virt_migrate_config_outcome_equal (predicted, expected));

  {
    virConnectPtr conn = vm_testbed_connect (tb->src_uri);
    virDomainPtr dom = row->source_persistent ? virDomainDefineXML (conn, src_xml)
                                              : virDomainCreateXML (conn, src_xml, 0);
    g_assert_nonnull (dom);
    if (row->source_persistent)
      g_assert_cmpint (virDomainCreate (dom), ==, 0);
    virDomainFree (dom);
    virConnectClose (conn);
  }
  if (row->dest_config)
    {
      g_autofree char *dst_xml = marked_xml (name, uuid, DEST_MARKER);
      vm_testbed_define_xml (tb->dst_uri, dst_xml);
    }

  g_object_set (req, "live", TRUE, "hypervisor-uri", hv, "undefine-source", row->undefine_source,
                "persist-dest", row->persist_dest, NULL);

  /* The plan sees the same state, predicts the same, and touches nothing. */
  {
    g_autoptr(VirtMigratePlan) plan = vm_testbed_plan (req, &error);
    g_autofree char *text = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (virt_migrate_plan_get_guest_uuid (plan), ==, uuid);
    g_assert_cmpint (virt_migrate_plan_get_source_persistent (plan), ==, row->source_persistent);
    g_assert_true (virt_migrate_plan_get_dest_checked (plan));
    g_assert_cmpint (virt_migrate_plan_get_dest_config_exists (plan), ==, row->dest_config);
    g_assert_true (virt_migrate_config_outcome_equal (virt_migrate_plan_get_config_outcome (plan),
                                                      expected));
    text = virt_migrate_plan_to_text (plan);
    g_assert_nonnull (strstr (text, expected_s));
    vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
  }

  job = virt_migrate_job_new (req);
  g_assert_true (vm_testbed_run_job (job, NULL, &error));
  g_assert_no_error (error);

  actual = observe (row, name);
  actual_s = virt_migrate_config_outcome_to_string (actual);
  g_test_message ("row %u: guide says %s; libvirt did %s", row->row, expected_s, actual_s);
  g_assert_cmpstr (actual_s, ==, expected_s);

  /* The job predicted it, checked it, and logged that it matched. */
  g_assert_nonnull (virt_migrate_job_get_expected_config_outcome (job));
  g_assert_nonnull (virt_migrate_job_get_config_outcome (job));
  g_assert_true (virt_migrate_config_outcome_equal (virt_migrate_job_get_expected_config_outcome (job),
                                                    expected));
  g_assert_true (virt_migrate_config_outcome_equal (virt_migrate_job_get_config_outcome (job), actual));
  g_assert_true (g_str_has_prefix (virt_migrate_job_get_messages (job)[0], "configuration as planned"));

  vm_testbed_destroy_guest (tb->dst_uri, name);
  vm_testbed_destroy_guest (tb->src_uri, name);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  vm_testbed_get ();

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/virt-migrate/config/row-%02u", rows[i].row);
      g_test_add_data_func (path, &rows[i], test_row);
    }
  return g_test_run ();
}
