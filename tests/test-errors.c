/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bad input gives a clear GError and leaves the guest untouched. */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "vm-testbed.h"

typedef struct {
  char *name;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->name = vm_testbed_unique_name ("victim");
  vm_testbed_create_guest (vm_testbed_get ()->src_uri, f->name, NULL, FALSE, TRUE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  const VmTestbed *tb = vm_testbed_get ();

  /* Whatever failed, the guest is where it was, running. */
  vm_assert_guest (tb->src_uri, f->name, VM_GUEST_RUNNING);
  vm_assert_guest (tb->dst_uri, f->name, VM_GUEST_ABSENT);
  vm_testbed_destroy_guest (tb->src_uri, f->name);
  g_free (f->name);
}

static GError *
run_failing (VirtMigrateRequest *req)
{
  g_autoptr(VirtMigrateJob) job = virt_migrate_job_new (req);
  GError *error = NULL;

  g_assert_false (vm_testbed_run_job (job, NULL, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_FAILED);
  g_assert_nonnull (virt_migrate_job_get_error (job));
  g_assert_true (g_error_matches (virt_migrate_job_get_error (job), error->domain, error->code));
  g_test_message ("error: %s", error->message);
  return error;
}

/* The test bed's destination is reached over a UNIX socket, so every
 * request names where QEMU listens. */
static VirtMigrateRequest *
new_request (const char *name, const char *dest_uri)
{
  g_autofree char *sock = vm_testbed_path ("errors-qemu.sock");
  g_autofree char *hv = g_strconcat ("unix://", sock, NULL);
  VirtMigrateRequest *req = virt_migrate_request_new (name, vm_testbed_get ()->src_uri, dest_uri);

  g_object_set (req, "hypervisor-uri", hv, NULL);
  return req;
}

/* A destination URI whose socket nobody listens on; @missing is its path. */
static char *
unreachable_dest_uri (char **missing)
{
  *missing = vm_testbed_path ("nobody-listens-here");
  return g_strconcat ("qemu+unix:///session?socket=", *missing, NULL);
}

static void
test_unknown_domain (Fixture *f, gconstpointer data)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateRequest) req = new_request ("no-such-guest", tb->dst_uri);
  g_autoptr(GError) error = run_failing (req);

  g_test_summary ("An unknown guest: DOMAIN_NOT_FOUND, with libvirt's VIR_ERR_NO_DOMAIN behind it");
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND);
  g_assert_cmpint (virt_migrate_error_get_libvirt_code (error), ==, VIR_ERR_NO_DOMAIN);
  g_assert_nonnull (strstr (error->message, "no-such-guest"));
}

static void
test_unreachable_dest (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = NULL;
  g_autofree char *dst = unreachable_dest_uri (&missing);
  g_autoptr(VirtMigrateRequest) req = new_request (f->name, dst);
  g_autoptr(GError) error = run_failing (req);

  g_test_summary ("An unreachable destination: CONNECT_FAILED with libvirt's reason and the URI");
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CONNECT_FAILED);
  g_assert_nonnull (strstr (error->message, dst));
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_cmpint (virt_migrate_error_get_libvirt_code (error), !=, VIR_ERR_OK);
}

static void
test_unreachable_dest_p2p (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = NULL;
  g_autofree char *dst = unreachable_dest_uri (&missing);
  g_autoptr(VirtMigrateRequest) req = new_request (f->name, dst);
  g_autoptr(GError) error = NULL;

  g_test_summary ("Peer-to-peer to a destination this client cannot reach: the pre-flight "
                  "cannot run, so nothing moves (PREFLIGHT, 'could not run'); with force the "
                  "source libvirtd's own error reaches the caller");
  g_object_set (req, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, "live", TRUE, NULL);
  error = run_failing (req);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_PREFLIGHT);
  g_assert_nonnull (strstr (error->message, "could not run"));
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);
  {
    g_autoptr(VirtMigrateRequest) forced = new_request (f->name, dst);

    g_object_set (forced, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, "live", TRUE, "force", TRUE, NULL);
    error = run_failing (forced);
    g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_LIBVIRT);
    g_assert_nonnull (strstr (error->message, missing));
  }
}

static void
test_malformed_uri (Fixture *f, gconstpointer data)
{
  const VmTestbed *tb = vm_testbed_get ();
  struct {
    const char *dest_uri, *hypervisor_uri; /* NULL: the test bed's */
    int code;
    const char *needle;                    /* what the message must name */
  } bad[] = {
    { "not a uri", NULL, VIRT_MIGRATE_ERROR_INVALID_URI, "dest-uri" },
    { "tcp://127.0.0.1:4444", NULL, VIRT_MIGRATE_ERROR_URI_KIND_MISMATCH, "hypervisor migration URI" },
    { NULL, "qemu+ssh://host/system", VIRT_MIGRATE_ERROR_URI_KIND_MISMATCH, "hypervisor-uri" },
    { NULL, "unix://relative/path", VIRT_MIGRATE_ERROR_INVALID_URI, "absolute" },
  };

  g_test_summary ("Malformed URIs, and URIs of the wrong kind, are refused before connecting");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(VirtMigrateRequest) req =
        new_request (f->name, bad[i].dest_uri ? bad[i].dest_uri : tb->dst_uri);
      g_autoptr(GError) error = NULL;

      if (bad[i].hypervisor_uri != NULL)
        g_object_set (req, "hypervisor-uri", bad[i].hypervisor_uri, NULL);
      error = run_failing (req);
      g_assert_error (error, VIRT_MIGRATE_ERROR, bad[i].code);
      g_assert_nonnull (strstr (error->message, bad[i].needle));
    }
}

static void
test_bad_dictionary (Fixture *f, gconstpointer data)
{
  const VmTestbed *tb = vm_testbed_get ();
  struct {
    const char *text;
    int code;
    const char *key;
  } bad[] = {
    { "{'domain': <'x'>, 'colour': <'blue'>}", VIRT_MIGRATE_ERROR_UNKNOWN_KEY, "colour" },
    { "{'domain': <'x'>, 'live': <'yes'>}", VIRT_MIGRATE_ERROR_WRONG_TYPE, "live" },
    { "{'domain': <'x'>, 'bandwidth': <-1>}", VIRT_MIGRATE_ERROR_OUT_OF_RANGE, "bandwidth" },
    { "{'domain': <'x'>, 'flow': <'sideways'>}", VIRT_MIGRATE_ERROR_OUT_OF_RANGE, "flow" },
  };

  g_test_summary ("A request dictionary with an unknown key or a wrong type is refused, "
                  "naming the key, and nothing runs");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GVariant) dict = g_variant_parse (G_VARIANT_TYPE_VARDICT, bad[i].text, NULL, NULL, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new_from_variant (dict, &error);

      g_assert_null (req);
      g_assert_error (error, VIRT_MIGRATE_ERROR, bad[i].code);
      g_assert_nonnull (strstr (error->message, bad[i].key));
    }

  /* The same dictionary, well-formed, migrates nothing either when the
   * guest name is wrong: checked from libvirt's side by the teardown. */
  {
    g_autoptr(GVariantDict) d = g_variant_dict_new (NULL);
    g_autoptr(GVariant) dict = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(VirtMigrateRequest) req = NULL;

    g_variant_dict_insert (d, "domain", "s", "no-such-guest");
    g_variant_dict_insert (d, "source-uri", "s", tb->src_uri);
    g_variant_dict_insert (d, "dest-uri", "s", tb->dst_uri);
    g_variant_dict_insert (d, "bandwidth", "y", 4);
    g_variant_dict_insert (d, "hypervisor-uri", "s", "unix:///nonexistent/errors.sock");
    dict = g_variant_ref_sink (g_variant_dict_end (d));
    req = virt_migrate_request_new_from_variant (dict, &error);
    g_assert_no_error (error);
    g_clear_error (&error);
    error = run_failing (req);
    g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND);
  }
}

static void
test_tunnelled_without_p2p (Fixture *f, gconstpointer data)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(VirtMigrateRequest) req = new_request (f->name, tb->dst_uri);
  g_autoptr(GError) error = NULL;

  g_test_summary ("Tunnelled transport without peer-to-peer is refused with what to change");
  g_object_set (req, "transport", VIRT_MIGRATE_TRANSPORT_TUNNELLED, NULL);
  error = run_failing (req);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_TUNNELLED_NEEDS_P2P);
  g_assert_nonnull (strstr (error->message, "peer-to-peer"));
}

static void
test_dest_xml_other_guest (Fixture *f, gconstpointer data)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *other = vm_testbed_unique_name ("other");
  g_autofree char *other_xml = NULL;
  g_autoptr(VirtMigrateRequest) req = new_request (f->name, tb->dst_uri);
  g_autoptr(GError) error = NULL;

  g_test_summary ("A dest-xml taken from another guest (another UUID) is refused once the "
                  "guest is known, before libvirt is asked");
  vm_testbed_create_guest (tb->src_uri, other, NULL, FALSE, TRUE);
  other_xml = vm_testbed_guest_dumpxml (tb->src_uri, other, VIR_DOMAIN_XML_MIGRATABLE);
  vm_testbed_destroy_guest (tb->src_uri, other);
  g_object_set (req, "live", TRUE, "dest-xml", other_xml, NULL);
  g_assert_true (virt_migrate_request_validate (req, NULL)); /* guest not known yet */
  error = run_failing (req);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DEST_XML_UUID_MISMATCH);
  g_assert_nonnull (strstr (error->message, "dest-xml"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  vm_testbed_get ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/virt-migrate/errors/unknown-domain", test_unknown_domain);
  ADD ("/virt-migrate/errors/unreachable-dest", test_unreachable_dest);
  ADD ("/virt-migrate/errors/unreachable-dest-p2p", test_unreachable_dest_p2p);
  ADD ("/virt-migrate/errors/malformed-uri", test_malformed_uri);
  ADD ("/virt-migrate/errors/bad-dictionary", test_bad_dictionary);
  ADD ("/virt-migrate/errors/tunnelled-without-p2p", test_tunnelled_without_p2p);
  ADD ("/virt-migrate/errors/dest-xml-other-guest", test_dest_xml_other_guest);
#undef ADD

  return g_test_run ();
}
