/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* VirtMigrateRequest without any libvirt daemon: the a{sv} form and the
 * mapping onto libvirt's flags and typed parameters. */

#include <glib/gstdio.h>

#include "virt-migrate.h"
#include "virt-migrate-libvirt-private.h"
#include "virt-migrate-request-internal.h"

static void
test_round_trip (void)
{
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new ("web1", "qemu:///system",
                                                                 "qemu+ssh://dst/system");
  g_autoptr(VirtMigrateRequest) back = NULL;
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GVariant) dict2 = NULL;
  g_autoptr(GError) error = NULL;
  const char *disks[] = { "vda", "vdb", NULL };
  const char *flow = NULL;

  g_test_summary ("A request survives to_variant/new_from_variant; enums travel as nicks");
  g_object_set (req, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER,
                "transport", VIRT_MIGRATE_TRANSPORT_TUNNELLED,
                "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, "migrate-disks", disks,
                "bandwidth", (guint64) 100, "parallel-connections", 4, "live", TRUE, NULL);
  dict = g_variant_ref_sink (virt_migrate_request_to_variant (req));
  g_assert_true (g_variant_lookup (dict, "flow", "&s", &flow));
  g_assert_cmpstr (flow, ==, "peer-to-peer");
  g_assert_true (g_variant_lookup (dict, "transport", "&s", &flow));
  g_assert_cmpstr (flow, ==, "tunnelled");
  g_assert_true (g_variant_lookup (dict, "storage", "&s", &flow));
  g_assert_cmpstr (flow, ==, "copy-all");
  g_assert_false (g_variant_lookup (dict, "offline", "b", NULL)); /* defaults left out */

  back = virt_migrate_request_new_from_variant (dict, &error);
  g_assert_no_error (error);
  dict2 = g_variant_ref_sink (virt_migrate_request_to_variant (back));
  g_assert_true (g_variant_equal (dict, dict2));
  g_assert_cmpint (virt_migrate_request_get_flow (back), ==, VIRT_MIGRATE_FLOW_PEER_TO_PEER);
  g_assert_cmpuint (virt_migrate_request_get_bandwidth (back), ==, 100);
}

static void
test_integer_types (void)
{
  GVariant *values[] = {
    g_variant_new_byte (7), g_variant_new_int16 (7), g_variant_new_uint16 (7),
    g_variant_new_int32 (7), g_variant_new_uint32 (7), g_variant_new_int64 (7),
    g_variant_new_uint64 (7),
  };

  g_test_summary ("Integer keys accept every D-Bus integer type whose value fits");
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GVariantDict) d = g_variant_dict_new (NULL);
      g_autoptr(GVariant) dict = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(VirtMigrateRequest) req = NULL;
      int parallel = 0;

      g_variant_dict_insert_value (d, "bandwidth", values[i]);
      g_variant_dict_insert_value (d, "parallel-connections", values[i]);
      dict = g_variant_ref_sink (g_variant_dict_end (d));
      req = virt_migrate_request_new_from_variant (dict, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (virt_migrate_request_get_bandwidth (req), ==, 7);
      g_object_get (req, "parallel-connections", &parallel, NULL);
      g_assert_cmpint (parallel, ==, 7);
    }
}

static void
test_rejects (void)
{
  struct {
    const char *text;
    int code;
    const char *needle;
  } cases[] = {
    { "{'nope': <1>}", VIRT_MIGRATE_ERROR_UNKNOWN_KEY, "'nope'" },
    { "{'domain': <42>}", VIRT_MIGRATE_ERROR_WRONG_TYPE, "'domain'" },
    { "{'live': <1>}", VIRT_MIGRATE_ERROR_WRONG_TYPE, "'live'" },
    { "{'migrate-disks': <'vda'>}", VIRT_MIGRATE_ERROR_WRONG_TYPE, "'migrate-disks'" },
    { "{'bandwidth': <'fast'>}", VIRT_MIGRATE_ERROR_WRONG_TYPE, "'bandwidth'" },
    { "{'bandwidth': <int64 -5>}", VIRT_MIGRATE_ERROR_OUT_OF_RANGE, "'bandwidth'" },
    { "{'disks-port': <70000>}", VIRT_MIGRATE_ERROR_OUT_OF_RANGE, "'disks-port'" },
    { "{'parallel-connections': <uint64 18446744073709551615>}", VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
      "'parallel-connections'" },
    { "{'bandwidth': <uint64 18446744073709551615>}", VIRT_MIGRATE_ERROR_OUT_OF_RANGE, "'bandwidth'" },
    { "{'storage': <'copy-some'>}", VIRT_MIGRATE_ERROR_OUT_OF_RANGE, "'copy-all'" },
  };

  g_test_summary ("Unknown keys, wrong types and out-of-range values are refused, naming the key");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GVariant) dict = g_variant_parse (G_VARIANT_TYPE_VARDICT, cases[i].text,
                                                  NULL, NULL, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(VirtMigrateRequest) req = NULL;

      g_assert_nonnull (dict);
      req = virt_migrate_request_new_from_variant (dict, &error);
      g_assert_null (req);
      g_assert_error (error, VIRT_MIGRATE_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) notdict = g_variant_ref_sink (g_variant_new_string ("x"));
    g_assert_null (virt_migrate_request_new_from_variant (notdict, &error));
    g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *huge = g_strnfill (1 << 20, 'a');
    g_autoptr(GVariantDict) d = g_variant_dict_new (NULL);
    g_autoptr(GVariant) dict = NULL;

    g_variant_dict_insert (d, "domain", "s", huge);
    dict = g_variant_ref_sink (g_variant_dict_end (d));
    g_assert_null (virt_migrate_request_new_from_variant (dict, &error));
    g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE);
  }
}

static gboolean
has_string (VirtMigrateCall *call, const char *name, const char *value)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (call->params, name, NULL);

  if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return g_str_equal (g_variant_get_string (v, NULL), value);
  if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY))
    {
      g_autofree const char **strv = g_variant_get_strv (v, NULL);

      return g_strv_contains (strv, value);
    }
  return FALSE;
}

/* 1 and the value where the call has @name as an unsigned long long, as
 * virTypedParamsGetULLong() answers; 0 where it has none. */
static int
get_ullong (VirtMigrateCall *call, const char *name, unsigned long long *value)
{
  return g_variant_lookup (call->params, name, "t", value) ? 1 : 0;
}

static int
get_int (VirtMigrateCall *call, const char *name, int *value)
{
  return g_variant_lookup (call->params, name, "i", value) ? 1 : 0;
}

static void
test_mapping (void)
{
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new ("g", "qemu:///system",
                                                                 "qemu+tls://dst/system");
  const char *disks[] = { "vda", "vdb", NULL };
  const char *methods[] = { "mt", NULL };
  VirtMigrateCall call;
  unsigned long long ull = 0;
  int i = 0;

  g_test_summary ("Every request field becomes the matching VIRT_MIGRATE_CALL_* flag or parameter");
  g_object_set (req, "live", TRUE, "persist-dest", TRUE, "undefine-source", TRUE,
                "storage", VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL, "migrate-disks", disks,
                "disks-uri", "unix:///run/nbd", "disks-port", 10809,
                "hypervisor-uri", "tcp://10.0.0.1:49152", "dest-name", "g2",
                "dest-xml", "<domain/>", "persistent-xml", "<domain/>",
                "listen-address", "10.0.0.1", "bandwidth", (guint64) 50,
                "tls", TRUE, "tls-destination", "dst.example", "compressed", TRUE,
                "compression-methods", methods, "parallel-connections", 3,
                "auto-converge", TRUE, "postcopy", TRUE, "suspend", TRUE,
                "abort-on-error", TRUE, "unsafe", TRUE, NULL);
  /* Every field at once: libvirt would refuse the combination (post-copy
   * with suspend, disks-uri with disks-port...), validation says so, but the
   * mapping of each field still holds. */
  g_assert_false (virt_migrate_request_validate (req, NULL));
  g_assert_true (virt_migrate_request_build_call (req, &call, NULL));
  g_assert_cmpint (call.api, ==, VIRT_MIGRATE_API_MIGRATE3);
  g_assert_null (call.dconnuri);
  g_assert_cmphex (call.flags, ==, VIRT_MIGRATE_CALL_LIVE | VIRT_MIGRATE_CALL_PERSIST_DEST |
                   VIRT_MIGRATE_CALL_UNDEFINE_SOURCE | VIRT_MIGRATE_CALL_NON_SHARED_INC | VIRT_MIGRATE_CALL_TLS |
                   VIRT_MIGRATE_CALL_COMPRESSED | VIRT_MIGRATE_CALL_PARALLEL | VIRT_MIGRATE_CALL_AUTO_CONVERGE |
                   VIRT_MIGRATE_CALL_POSTCOPY | VIRT_MIGRATE_CALL_PAUSED | VIRT_MIGRATE_CALL_ABORT_ON_ERROR |
                   VIRT_MIGRATE_CALL_UNSAFE);
  g_assert_true (has_string (&call, VIRT_MIGRATE_PARAM_URI, "tcp://10.0.0.1:49152"));
  g_assert_true (has_string (&call, VIRT_MIGRATE_PARAM_DEST_NAME, "g2"));
  g_assert_true (has_string (&call, VIRT_MIGRATE_PARAM_DEST_XML, "<domain/>"));
  g_assert_true (has_string (&call, VIRT_MIGRATE_PARAM_PERSIST_XML, "<domain/>"));
  g_assert_true (has_string (&call, VIRT_MIGRATE_PARAM_LISTEN_ADDRESS, "10.0.0.1"));
  g_assert_true (has_string (&call, VIRT_MIGRATE_PARAM_DISKS_URI, "unix:///run/nbd"));
  g_assert_true (has_string (&call, VIRT_MIGRATE_PARAM_MIGRATE_DISKS, "vda"));
  g_assert_true (has_string (&call, VIRT_MIGRATE_PARAM_MIGRATE_DISKS, "vdb"));
  g_assert_true (has_string (&call, VIRT_MIGRATE_PARAM_COMPRESSION, "mt"));
  g_assert_true (has_string (&call, VIRT_MIGRATE_PARAM_TLS_DESTINATION, "dst.example"));
  g_assert_cmpint (get_ullong (&call, VIRT_MIGRATE_PARAM_BANDWIDTH, &ull), ==, 1);
  g_assert_cmpuint (ull, ==, 50);
  g_assert_cmpint (get_int (&call, VIRT_MIGRATE_PARAM_DISKS_PORT, &i), ==, 1);
  g_assert_cmpint (i, ==, 10809);
  g_assert_cmpint (get_int (&call, VIRT_MIGRATE_PARAM_PARALLEL_CONNECTIONS, &i), ==, 1);
  g_assert_cmpint (i, ==, 3);
  virt_migrate_call_clear (&call);

  /* Peer-to-peer: virDomainMigrateToURI3 with the dest URI as dconnuri. */
  g_object_set (req, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER,
                "transport", VIRT_MIGRATE_TRANSPORT_TUNNELLED, NULL);
  g_assert_true (virt_migrate_request_build_call (req, &call, NULL));
  g_assert_cmpint (call.api, ==, VIRT_MIGRATE_API_MIGRATE_TO_URI3);
  g_assert_cmpstr (call.dconnuri, ==, "qemu+tls://dst/system");
  g_assert_cmphex (call.flags & (VIRT_MIGRATE_CALL_PEER2PEER | VIRT_MIGRATE_CALL_TUNNELLED), ==,
                   VIRT_MIGRATE_CALL_PEER2PEER | VIRT_MIGRATE_CALL_TUNNELLED);
  virt_migrate_call_clear (&call);

  /* Unmanaged direct: no PEER2PEER, no dconnuri, the hypervisor URI as param. */
  g_object_set (req, "flow", VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT,
                "transport", VIRT_MIGRATE_TRANSPORT_NATIVE, "dest-uri", NULL, NULL);
  g_assert_true (virt_migrate_request_build_call (req, &call, NULL));
  g_assert_cmpint (call.api, ==, VIRT_MIGRATE_API_MIGRATE_TO_URI3);
  g_assert_null (call.dconnuri);
  g_assert_cmphex (call.flags & VIRT_MIGRATE_CALL_PEER2PEER, ==, 0);
  g_assert_true (has_string (&call, VIRT_MIGRATE_PARAM_URI, "tcp://10.0.0.1:49152"));
  virt_migrate_call_clear (&call);

  /* Offline. */
  g_object_set (req, "flow", VIRT_MIGRATE_FLOW_MANAGED_DIRECT, "dest-uri", "qemu+ssh://d/system",
                "offline", TRUE, NULL);
  g_assert_true (virt_migrate_request_build_call (req, &call, NULL));
  g_assert_cmphex (call.flags & (VIRT_MIGRATE_CALL_OFFLINE | VIRT_MIGRATE_CALL_PERSIST_DEST), ==,
                   VIRT_MIGRATE_CALL_OFFLINE | VIRT_MIGRATE_CALL_PERSIST_DEST);
  virt_migrate_call_clear (&call);
}

/* The knobs of libvirt 9.0's virsh migrate beyond the guide's: each the
 * flag or typed parameter virsh sets. */
static void
test_mapping_tuning (void)
{
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new ("g", "qemu:///system", "qemu+ssh://dst/system");
  const char *methods[] = { "mt", "xbzrle", NULL };
  VirtMigrateCall call;
  unsigned long long ull = 0;
  int i = 0;

  g_test_summary ("postcopy-resume, postcopy-bandwidth, zerocopy, parallel, change-protection, "
                  "rdma-pin-all, copy-storage-synchronous-writes, graphics-uri, comp-mt-*, "
                  "comp-xbzrle-cache and auto-converge-* become virsh's flags and parameters; "
                  "comp-mt-level 0 is a level, -1 none");
  g_object_set (req, "live", TRUE, "postcopy", TRUE, "postcopy-resume", TRUE,
                "postcopy-bandwidth", (guint64) 2, "zerocopy", TRUE, "parallel", TRUE,
                "change-protection", TRUE, "rdma-pin-all", TRUE, "hypervisor-uri", "rdma://10.0.0.2:49152",
                "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, "copy-storage-synchronous-writes", TRUE,
                "graphics-uri", "spice://10.0.0.2:5901", "compression-methods", methods,
                "comp-mt-level", 0, "comp-mt-threads", 4, "comp-mt-dthreads", 2,
                "comp-xbzrle-cache", (guint64) 134217728, "auto-converge", TRUE,
                "auto-converge-initial", 30, "auto-converge-increment", 15, NULL);
  g_assert_true (virt_migrate_request_validate (req, NULL));
  g_assert_true (virt_migrate_request_build_call (req, &call, NULL));
  g_assert_cmphex (call.flags & (VIRT_MIGRATE_CALL_POSTCOPY_RESUME | VIRT_MIGRATE_CALL_ZEROCOPY | VIRT_MIGRATE_CALL_PARALLEL |
                                 VIRT_MIGRATE_CALL_CHANGE_PROTECTION | VIRT_MIGRATE_CALL_RDMA_PIN_ALL |
                                 VIRT_MIGRATE_CALL_NON_SHARED_SYNCHRONOUS_WRITES | VIRT_MIGRATE_CALL_NON_SHARED_DISK),
                   ==, VIRT_MIGRATE_CALL_POSTCOPY_RESUME | VIRT_MIGRATE_CALL_ZEROCOPY | VIRT_MIGRATE_CALL_PARALLEL |
                       VIRT_MIGRATE_CALL_CHANGE_PROTECTION | VIRT_MIGRATE_CALL_RDMA_PIN_ALL |
                       VIRT_MIGRATE_CALL_NON_SHARED_SYNCHRONOUS_WRITES | VIRT_MIGRATE_CALL_NON_SHARED_DISK);
  g_assert_true (has_string (&call, VIRT_MIGRATE_PARAM_GRAPHICS_URI, "spice://10.0.0.2:5901"));
  g_assert_cmpint (get_ullong (&call, VIRT_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, &ull), ==, 1);
  g_assert_cmpuint (ull, ==, 2);
  g_assert_cmpint (get_ullong (&call, VIRT_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE, &ull), ==, 1);
  g_assert_cmpuint (ull, ==, 134217728);
  g_assert_cmpint (get_int (&call, VIRT_MIGRATE_PARAM_COMPRESSION_MT_LEVEL, &i), ==, 1);
  g_assert_cmpint (i, ==, 0);
  g_assert_cmpint (get_int (&call, VIRT_MIGRATE_PARAM_COMPRESSION_MT_THREADS, &i), ==, 1);
  g_assert_cmpint (i, ==, 4);
  g_assert_cmpint (get_int (&call, VIRT_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS, &i), ==, 1);
  g_assert_cmpint (i, ==, 2);
  g_assert_cmpint (get_int (&call, VIRT_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL, &i), ==, 1);
  g_assert_cmpint (i, ==, 30);
  g_assert_cmpint (get_int (&call, VIRT_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT, &i), ==, 1);
  g_assert_cmpint (i, ==, 15);
  virt_migrate_call_clear (&call);

  /* Unset: no parameter at all (comp-mt-level -1). */
  g_object_set (req, "comp-mt-level", -1, "comp-mt-threads", 0, "graphics-uri", NULL, NULL);
  g_assert_true (virt_migrate_request_build_call (req, &call, NULL));
  g_assert_cmpint (get_int (&call, VIRT_MIGRATE_PARAM_COMPRESSION_MT_LEVEL, &i), ==, 0);
  g_assert_cmpint (get_int (&call, VIRT_MIGRATE_PARAM_COMPRESSION_MT_THREADS, &i), ==, 0);
  g_assert_false (has_string (&call, VIRT_MIGRATE_PARAM_GRAPHICS_URI, "spice://10.0.0.2:5901"));
  virt_migrate_call_clear (&call);
}

/* The description made into libvirt's typed parameters (plugin/libvirt/):
 * each value with libvirt's name and type, a list as repeated strings. */
static void
test_libvirt_params (void)
{
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new ("g", "qemu:///system", "qemu+ssh://dst/system");
  const char *disks[] = { "vda", "vdb", NULL };
  VirtMigrateCall call;
  virTypedParameterPtr params = NULL;
  int nparams = 0, port = 0;
  unsigned long long bw = 0;
  const char **values = NULL;
  guint n_values = 0;
  const char *xml = NULL;

  g_test_summary ("A call's a{sv} becomes libvirt's typed parameters: strings, repeated strings, "
                  "unsigned long longs and ints under libvirt's names");
  g_object_set (req, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL, "migrate-disks", disks, "bandwidth", (guint64) 40,
                "disks-port", 10809, NULL);
  g_assert_true (virt_migrate_request_build_call (req, &call, NULL));
  g_assert_true (virt_migrate_libvirt_call_params (&call, "<domain/>", NULL, &params, &nparams, NULL));
  for (int i = 0; i < nparams; i++)
    if (g_str_equal (params[i].field, VIR_MIGRATE_PARAM_MIGRATE_DISKS))
      {
        g_assert_cmpint (params[i].type, ==, VIR_TYPED_PARAM_STRING);
        values = g_renew (const char *, values, n_values + 2);
        values[n_values++] = params[i].value.s;
        values[n_values] = NULL;
      }
  g_assert_cmpuint (n_values, ==, 2);
  g_assert_cmpstr (values[0], ==, "vda");
  g_assert_cmpstr (values[1], ==, "vdb");
  g_assert_cmpint (virTypedParamsGetULLong (params, nparams, VIR_MIGRATE_PARAM_BANDWIDTH, &bw), ==, 1);
  g_assert_cmpuint (bw, ==, 40);
  g_assert_cmpint (virTypedParamsGetInt (params, nparams, VIR_MIGRATE_PARAM_DISKS_PORT, &port), ==, 1);
  g_assert_cmpint (port, ==, 10809);
  g_assert_cmpint (virTypedParamsGetString (params, nparams, VIR_MIGRATE_PARAM_DEST_XML, &xml), ==, 1);
  g_assert_cmpstr (xml, ==, "<domain/>");
  g_assert_cmphex (call.flags, ==, VIR_MIGRATE_NON_SHARED_DISK);
  g_free (values);
  virTypedParamsFree (params, nparams);
  virt_migrate_call_clear (&call);
}

static void
test_validated_once (void)
{
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new ("g", "qemu:///system", "qemu+ssh://dst/system");
  g_autoptr(VirtMigrateRequest) copy = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Validation is asked once per set of values: a copy keeps the answer, a change forgets it");
  g_assert_true (virt_migrate_request_validate (req, NULL));
  g_assert_true (req->validated);
  copy = virt_migrate_request_copy (req);
  g_assert_true (copy->validated);
  g_object_set (copy, "parallel-connections", 300, NULL);
  g_assert_false (copy->validated);
  g_assert_false (virt_migrate_request_validate (copy, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE);
  g_assert_true (req->validated);
}

static void
test_frozen (void)
{
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new ("g", "qemu:///system", "qemu+ssh://dst/system");
  g_autoptr(VirtMigrateRequest) copy = NULL;
  const VirtMigrateCall *call;

  g_test_summary ("A job's frozen request refuses changes (a critical) and has its libvirt call made once; "
                  "a copy of it can change");
  g_object_set (req, "live", TRUE, NULL);
  virt_migrate_request_freeze (req);
  call = virt_migrate_request_get_call (req);
  g_assert_nonnull (call);
  g_assert_true (call == virt_migrate_request_get_call (req));
  g_assert_cmphex (call->flags, ==, VIRT_MIGRATE_CALL_LIVE);
  g_test_expect_message ("VirtMigrate", G_LOG_LEVEL_CRITICAL, "*request of a job cannot change (live)*");
  g_object_set (req, "live", FALSE, NULL);
  g_test_assert_expected_messages ();
  g_assert_true (virt_migrate_request_get_live (req));
  copy = virt_migrate_request_copy (req);
  g_object_set (copy, "live", FALSE, NULL);
  g_assert_false (virt_migrate_request_get_live (copy));
  /* What a job and its backend hold: a frozen request shared, another
   * frozen as a copy. */
  {
    g_autoptr(VirtMigrateRequest) shared = virt_migrate_request_frozen (req);
    g_autoptr(VirtMigrateRequest) held = virt_migrate_request_frozen (copy);

    g_assert_true (shared == req);
    g_assert_true (held != copy);
    g_assert_true (virt_migrate_request_is_frozen (held));
    g_assert_false (virt_migrate_request_is_frozen (copy));
    g_assert_false (virt_migrate_request_get_live (held));
  }
}

static void
test_host_names (void)
{
  static const struct { const char *given, *uri; } cases[] = {
    { "host2", "qemu+ssh://host2/system" },
    { "root@host2", "qemu+ssh://root@host2/system" },
    { "host2:2222", "qemu+ssh://host2:2222/system" },
    { "admin@host2.example.org:22", "qemu+ssh://admin@host2.example.org:22/system" },
    { "10.0.0.2", "qemu+ssh://10.0.0.2/system" },
    { "[fe80::1]", "qemu+ssh://[fe80::1]/system" },
    { "[fe80::1]:2222", "qemu+ssh://[fe80::1]:2222/system" },
    /* Already URIs, or not host names: as they are. */
    { "qemu:///system", "qemu:///system" },
    { "qemu+ssh://h/session?socket=/run/x", "qemu+ssh://h/session?socket=/run/x" },
    { "test:///default", "test:///default" },
    { "host2:0", "host2:0" },
    { "host2:99999", "host2:99999" },
    { "bad name", "bad name" },
    { "@host2", "@host2" },
    { "a@b@c", "a@b@c" },
    { "", "" },
  };
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new ("g", "qemu:///system", "host2");

  g_test_summary ("A destination named by its host ([user@]host[:port], an address, [IPv6]) is its system "
                  "libvirtd over ssh; URIs and what is no host name stay as they are");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *uri = virt_migrate_uri_for_destination (cases[i].given);

      g_assert_cmpstr (uri, ==, cases[i].uri);
    }
  g_assert_null (virt_migrate_uri_for_destination (NULL));
  g_assert_cmpstr (virt_migrate_request_get_dest_uri (req), ==, "qemu+ssh://host2/system");
  g_assert_true (virt_migrate_request_validate (req, NULL));
  g_object_set (req, "dest-uri", "bad name", NULL);
  g_assert_false (virt_migrate_request_validate (req, NULL));
}

/* ssh's failures, as libvirt 9.0 reported them on the test bed (and in
 * issue 28): each with what to do, naming the host, port and user. */
static void
test_ssh_hints (void)
{
  const char *uri = "qemu+ssh://vmtest@127.0.0.1:2299/session?socket=/run/x&keyfile=/k";
  const char *key_failed = "Cannot recv data: Host key verification failed.: Connection reset by peer";
  const char *denied = "Cannot recv data: vmtest@127.0.0.1: Permission denied (publickey).: Connection reset by peer";
  g_autofree char *unknown = virt_migrate_ssh_hint (uri, key_failed, NULL);
  g_autofree char *refused = virt_migrate_ssh_hint (uri, denied, NULL);
  g_autofree char *down = virt_migrate_ssh_hint (uri, "Cannot recv data: ssh: connect to host 127.0.0.1 port "
                                                      "2299: Connection refused: Connection reset by peer", NULL);
  g_autofree char *plain = virt_migrate_ssh_hint ("qemu+ssh://host2/system", "Cannot recv data: ssh: Could not "
                                                  "resolve hostname host2: Name or service not known: "
                                                  "Connection reset by peer", NULL);
  /* Through a daemon's own ssh directory: its files, not ~/.ssh. */
  g_autofree char *daemon_unknown = virt_migrate_ssh_hint (uri, key_failed, "/var/lib/virt-migrate/ssh");
  g_autofree char *daemon_refused = virt_migrate_ssh_hint (uri, denied, "/var/lib/virt-migrate/ssh");

  g_test_summary ("An ssh connection that failed says which way and what to do: an unknown host key, a "
                  "refused login, a host that cannot be reached; through a daemon's ssh directory, its "
                  "known_hosts and key; nothing for other URIs or messages");
  g_assert_true (g_pattern_match_simple ("The ssh host key of 127.0.0.1 is not known here*ssh-keyscan -p 2299 "
                                         "127.0.0.1 >> ~/.ssh/known_hosts*ssh -p 2299 vmtest@127.0.0.1*", unknown));
  g_assert_true (g_pattern_match_simple ("127.0.0.1 refused the ssh login of vmtest*ssh-copy-id -p 2299 "
                                         "vmtest@127.0.0.1*keyfile=*", refused));
  g_assert_true (g_pattern_match_simple ("127.0.0.1 cannot be reached over ssh on port 2299: check*", down));
  g_assert_true (g_pattern_match_simple ("host2 cannot be reached over ssh: check*", plain));
  g_assert_true (g_pattern_match_simple ("The ssh host key of 127.0.0.1 is not known to virt-migrated*ssh-keyscan "
                                         "-p 2299 127.0.0.1 >> /var/lib/virt-migrate/ssh/known_hosts",
                                         daemon_unknown));
  g_assert_true (g_pattern_match_simple ("127.0.0.1 refused the ssh login of vmtest*-f /var/lib/virt-migrate/ssh/"
                                         "id_ed25519*ssh-copy-id -i /var/lib/virt-migrate/ssh/id_ed25519.pub "
                                         "-p 2299 vmtest@127.0.0.1*", daemon_refused));
  g_assert_null (virt_migrate_ssh_hint ("qemu+tcp://h/system", "Host key verification failed", NULL));
  g_assert_null (virt_migrate_ssh_hint (uri, "Cannot recv data: something else", NULL));
  g_assert_null (virt_migrate_ssh_hint ("not a uri", "Permission denied", NULL));
}

/* A migration over TLS whose handshake failed (the test bed's, 7 Dec):
 * libvirt reports QEMU's words from either side, the reason being only in
 * the source's QEMU log; the message says where to look. */
static void
test_tls_hint (void)
{
  g_autofree char *load = virt_migrate_tls_hint ("2026-12-07T19:55:41.911783Z qemu-system-x86_64: load of migration "
                                                 "failed: Invalid argument");
  g_autofree char *write = virt_migrate_tls_hint ("operation failed: job 'migration out' failed: Cannot write to "
                                                  "TLS channel: Input/output error");

  g_test_summary ("A TLS handshake that failed says which certificates to look at; other failures get nothing");
  g_assert_true (g_pattern_match_simple ("Over TLS, one side refused the other's certificate*source's QEMU log*", load));
  g_assert_true (g_pattern_match_simple ("Over TLS*", write));
  g_assert_null (virt_migrate_tls_hint ("domain 'g' already exists with uuid 1"));
  g_assert_null (virt_migrate_tls_hint (NULL));
}

/* A daemon's ssh directory reaches libvirt as command= on ssh URIs only,
 * and never over a command the URI names itself. */
static void
test_ssh_uri (void)
{
  const struct { const char *uri, *dir, *want; } cases[] = {
    { "qemu+ssh://host2/system", "/var/lib/virt-migrate/ssh",
      "qemu+ssh://host2/system?command=/var/lib/virt-migrate/ssh/ssh" },
    { "qemu+ssh://u@127.0.0.1:2222/session?socket=/run/s&keyfile=/k", "/s/ssh",
      "qemu+ssh://u@127.0.0.1:2222/session?socket=/run/s&keyfile=/k&command=/s/ssh/ssh" },
    { "qemu+ssh://[fe80::1]/system", "/d", "qemu+ssh://[fe80::1]/system?command=/d/ssh" },
    { "qemu+ssh://h/system", "/a dir/with&odd=chars", "qemu+ssh://h/system?command=/a%20dir/with%26odd%3Dchars/ssh" },
    { "qemu+ssh://h/system?command=/usr/bin/myssh", "/d", "qemu+ssh://h/system?command=/usr/bin/myssh" },
    { "qemu+ssh://h/system?Command=/usr/bin/myssh", "/d", "qemu+ssh://h/system?Command=/usr/bin/myssh" },
    { "qemu+libssh://h/system", "/d", "qemu+libssh://h/system" },
    { "qemu+tcp://h/system", "/d", "qemu+tcp://h/system" },
    { "qemu:///system", "/d", "qemu:///system" },
    { "qemu+ssh://host2/system", NULL, "qemu+ssh://host2/system" },
  };

  g_test_summary ("A daemon's ssh reaches libvirt as command= on qemu+ssh:// URIs only, escaped, and never "
                  "over the URI's own command");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = virt_migrate_ssh_uri (cases[i].uri, cases[i].dir);

      g_assert_cmpstr (got, ==, cases[i].want);
    }
}

/* The directory made ready: 0700, an empty known_hosts kept once written
 * to, an ssh that names it (quoted, whatever the path). */
static void
test_ssh_directory (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("ssh-dir-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (tmp, "it's a dir", "ssh", NULL);
  g_autofree char *known = g_build_filename (dir, "known_hosts", NULL);
  g_autofree char *ssh = g_build_filename (dir, "ssh", NULL);
  g_autofree char *text = NULL, *kept = NULL, *quoted = g_shell_quote (dir);
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_test_summary ("A daemon's ssh directory: made 0700 with an empty known_hosts (0600) it keeps, and an ssh "
                  "(0700) naming the directory, quoted");
  g_assert_true (virt_migrate_ssh_directory_prepare (dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (known, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, ==, 0);
  g_assert_cmpint (g_stat (ssh, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_true (g_file_get_contents (ssh, &text, NULL, NULL));
  g_assert_nonnull (g_strstr_len (text, -1, quoted));
  g_assert_true (g_file_set_contents (known, "[h]:22 ssh-ed25519 AAAA\n", -1, NULL));
  g_assert_true (virt_migrate_ssh_directory_prepare (dir, &error));
  g_assert_true (g_file_get_contents (known, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "[h]:22 ssh-ed25519 AAAA\n");
  g_assert_cmpint (g_remove (known), ==, 0);
  g_assert_cmpint (g_remove (ssh), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_free (text);
  text = g_path_get_dirname (dir);
  g_assert_cmpint (g_rmdir (text), ==, 0);
  g_assert_false (virt_migrate_ssh_directory_prepare ("/tmp/a\"quote", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
  g_assert_cmpint (g_rmdir (tmp), ==, 0);
}

static void
test_validate_uris (void)
{
  struct {
    VirtMigrateFlow flow;
    const char *src, *dst, *hv;
    gboolean ok;
  } cases[] = {
    { VIRT_MIGRATE_FLOW_MANAGED_DIRECT, "qemu:///system", "qemu+ssh://d/system", NULL, TRUE },
    { VIRT_MIGRATE_FLOW_MANAGED_DIRECT, "qemu:///system", "qemu+ssh://d/system", "tcp://10.0.0.1/", TRUE },
    { VIRT_MIGRATE_FLOW_MANAGED_DIRECT, "qemu:///system", "qemu+ssh://d/system", "tcp:10.0.0.1:4444", TRUE },
    { VIRT_MIGRATE_FLOW_MANAGED_DIRECT, "qemu:///system", NULL, NULL, FALSE },
    { VIRT_MIGRATE_FLOW_MANAGED_DIRECT, NULL, "qemu+ssh://d/system", NULL, FALSE },
    { VIRT_MIGRATE_FLOW_PEER_TO_PEER, "qemu:///system", "qemu+ssh://d/system", NULL, TRUE },
    /* A destination over a UNIX socket without a migrate URI: libvirt
     * gives the destination's host name (the pre-flight check looks it
     * up), as over any other connection. */
    { VIRT_MIGRATE_FLOW_MANAGED_DIRECT, "qemu:///system", "qemu+unix:///system?socket=/run/d.sock", NULL, TRUE },
    { VIRT_MIGRATE_FLOW_PEER_TO_PEER, "qemu:///system", "qemu:///session?socket=/run/d.sock", NULL, TRUE },
    /* Unmanaged direct is Xen's flow: its hypervisor URIs are its own. */
    { VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT, "xen:///system", NULL, "xenmigr://d/", TRUE },
    { VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT, "qemu:///system", NULL, "tcp://d:4444", TRUE },
    { VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT, "qemu:///system", "qemu+ssh://d/system", "tcp://d:4444", FALSE },
    { VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT, "qemu:///system", NULL, NULL, FALSE },
  };

  g_test_summary ("Which of the three URIs each flow needs");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new ("g", cases[i].src, cases[i].dst);
      g_autoptr(GError) error = NULL;

      g_object_set (req, "flow", cases[i].flow, "hypervisor-uri", cases[i].hv, NULL);
      g_assert_cmpint (virt_migrate_request_validate (req, &error), ==, cases[i].ok);
      if (!cases[i].ok)
        {
          g_assert_nonnull (error);
          g_test_message ("case %u: %s", i, error->message);
        }
    }
}

/* Each rule of virt_migrate_request_validate(): a request that breaks it
 * (@bad, applied to a good base request) gets the rule's own code and a
 * message naming @needle; applying @fix as well makes it valid again. */
typedef struct {
  const char *name;
  const char *bad;     /* a{sv} text merged into the base request */
  int         code;
  const char *needle;
  const char *fix;     /* a{sv} text merged after @bad */
} Rule;

static const Rule rules[] = {
  { "no domain", "{'domain': <''>}", VIRT_MIGRATE_ERROR_MISSING_DOMAIN, "domain",
    "{'domain': <'web1'>}" },
  { "no source", "{'source-uri': <''>}", VIRT_MIGRATE_ERROR_MISSING_SOURCE_URI, "source-uri",
    "{'source-uri': <'qemu:///system'>}" },
  { "managed without dest", "{'dest-uri': <''>}", VIRT_MIGRATE_ERROR_MISSING_DEST_URI, "dest-uri",
    "{'dest-uri': <'qemu+ssh://dst/system'>}" },
  { "p2p without dest", "{'flow': <'peer-to-peer'>, 'dest-uri': <''>}",
    VIRT_MIGRATE_ERROR_MISSING_DEST_URI, "as seen from the source",
    "{'dest-uri': <'qemu+ssh://dst/system'>}" },
  { "unmanaged without hypervisor URI", "{'flow': <'unmanaged-direct'>, 'dest-uri': <''>}",
    VIRT_MIGRATE_ERROR_MISSING_HYPERVISOR_URI, "hypervisor-uri",
    "{'hypervisor-uri': <'tcp://dst:49152'>}" },
  { "unmanaged with dest", "{'flow': <'unmanaged-direct'>, 'hypervisor-uri': <'tcp://dst:49152'>}",
    VIRT_MIGRATE_ERROR_DEST_URI_UNUSED, "dest-uri", "{'dest-uri': <''>}" },
  { "malformed dest", "{'dest-uri': <'not a uri'>}", VIRT_MIGRATE_ERROR_INVALID_URI, "not a valid",
    "{'dest-uri': <'qemu+ssh://dst/system'>}" },
  { "malformed hypervisor URI", "{'hypervisor-uri': <'tcp://[bad'>}", VIRT_MIGRATE_ERROR_INVALID_URI,
    "hypervisor-uri", "{'hypervisor-uri': <'tcp://10.0.0.1:49152'>}" },
  { "relative unix path", "{'hypervisor-uri': <'unix://run/mig.sock'>}", VIRT_MIGRATE_ERROR_INVALID_URI,
    "unix:///PATH", "{'hypervisor-uri': <'unix:///run/mig.sock'>}" },
  { "hypervisor URI as dest", "{'dest-uri': <'tcp://dst:49152'>}", VIRT_MIGRATE_ERROR_URI_KIND_MISMATCH,
    "dest-uri", "{'dest-uri': <'qemu+tcp://dst/system'>}" },
  { "libvirt URI as hypervisor URI", "{'hypervisor-uri': <'qemu+ssh://dst/system'>}",
    VIRT_MIGRATE_ERROR_URI_KIND_MISMATCH, "hypervisor-uri", "{'hypervisor-uri': <'tcp://dst'>}" },
  { "libvirt URI as disks URI", "{'storage': <'copy-all'>, 'disks-uri': <'qemu:///system'>}",
    VIRT_MIGRATE_ERROR_URI_KIND_MISMATCH, "disks-uri", "{'disks-uri': <'tcp://dst:10809'>}" },
  { "tunnelled, managed", "{'transport': <'tunnelled'>}", VIRT_MIGRATE_ERROR_TUNNELLED_NEEDS_P2P,
    "peer-to-peer", "{'flow': <'peer-to-peer'>}" },
  { "tunnelled + storage", "{'flow': <'peer-to-peer'>, 'transport': <'tunnelled'>, 'storage': <'copy-all'>}",
    VIRT_MIGRATE_ERROR_TUNNELLED_CONFLICT, "storage", "{'storage': <'shared'>}" },
  { "tunnelled + parallel", "{'flow': <'peer-to-peer'>, 'transport': <'tunnelled'>, 'parallel-connections': <4>}",
    VIRT_MIGRATE_ERROR_TUNNELLED_CONFLICT, "parallel", "{'parallel-connections': <0>}" },
  { "tunnelled + post-copy", "{'flow': <'peer-to-peer'>, 'transport': <'tunnelled'>, 'live': <true>, 'postcopy': <true>}",
    VIRT_MIGRATE_ERROR_TUNNELLED_CONFLICT, "post-copy", "{'postcopy': <false>}" },
  { "tunnelled + hypervisor URI", "{'flow': <'peer-to-peer'>, 'transport': <'tunnelled'>, 'hypervisor-uri': <'tcp://dst'>}",
    VIRT_MIGRATE_ERROR_TUNNELLED_CONFLICT, "hypervisor-uri", "{'hypervisor-uri': <''>}" },
  { "tunnelled + listen address", "{'flow': <'peer-to-peer'>, 'transport': <'tunnelled'>, 'live': <true>, "
    "'listen-address': <'127.0.0.1'>}", VIRT_MIGRATE_ERROR_TUNNELLED_CONFLICT, "listen address is not supported",
    "{'listen-address': <''>}" },
  { "tunnelled + parallel flag", "{'flow': <'peer-to-peer'>, 'transport': <'tunnelled'>, 'parallel': <true>}",
    VIRT_MIGRATE_ERROR_TUNNELLED_CONFLICT, "mutually exclusive", "{'parallel': <false>}" },
  { "zerocopy + compressed", "{'live': <true>, 'parallel': <true>, 'zerocopy': <true>, 'compressed': <true>}",
    VIRT_MIGRATE_ERROR_INVALID_REQUEST, "non-compressed non-TLS", "{'compressed': <false>}" },
  { "zerocopy + tls", "{'live': <true>, 'parallel': <true>, 'zerocopy': <true>, 'tls': <true>}",
    VIRT_MIGRATE_ERROR_INVALID_REQUEST, "cannot go with 'tls'", "{'tls': <false>}" },
  { "parallel + mt compression", "{'live': <true>, 'parallel': <true>, 'compressed': <true>, "
    "'compression-methods': <['mt']>}", VIRT_MIGRATE_ERROR_INVALID_REQUEST, "Multifd is not compatible",
    "{'compression-methods': <['xbzrle']>}" },
  { "offline + live", "{'offline': <true>, 'persist-dest': <true>, 'live': <true>}",
    VIRT_MIGRATE_ERROR_OFFLINE_CONFLICT, "'live'", "{'live': <false>}" },
  { "offline + suspend", "{'offline': <true>, 'persist-dest': <true>, 'suspend': <true>}",
    VIRT_MIGRATE_ERROR_OFFLINE_CONFLICT, "'suspend'", "{'suspend': <false>}" },
  { "offline + post-copy", "{'offline': <true>, 'persist-dest': <true>, 'postcopy': <true>}",
    VIRT_MIGRATE_ERROR_OFFLINE_CONFLICT, "'postcopy'", "{'postcopy': <false>}" },
  { "offline + storage", "{'offline': <true>, 'persist-dest': <true>, 'storage': <'copy-incremental'>}",
    VIRT_MIGRATE_ERROR_OFFLINE_CONFLICT, "storage", "{'storage': <'shared'>}" },
  { "offline + tunnelled", "{'offline': <true>, 'persist-dest': <true>, 'flow': <'peer-to-peer'>, 'transport': <'tunnelled'>}",
    VIRT_MIGRATE_ERROR_OFFLINE_CONFLICT, "tunnelled", "{'transport': <'native'>}" },
  { "offline without persist", "{'offline': <true>}", VIRT_MIGRATE_ERROR_OFFLINE_NEEDS_PERSIST,
    "persist-dest", "{'persist-dest': <true>}" },
  { "migrate-disks without copy", "{'migrate-disks': <['vda']>}", VIRT_MIGRATE_ERROR_DISKS_WITHOUT_COPY,
    "migrate-disks", "{'storage': <'copy-all'>}" },
  { "disks-uri without copy", "{'disks-uri': <'tcp://dst:10809'>}", VIRT_MIGRATE_ERROR_DISKS_WITHOUT_COPY,
    "disks-uri", "{'storage': <'copy-incremental'>}" },
  { "disks-port without copy", "{'disks-port': <10809>}", VIRT_MIGRATE_ERROR_DISKS_WITHOUT_COPY,
    "disks-port", "{'storage': <'copy-all'>}" },
  { "disks-uri and disks-port", "{'storage': <'copy-all'>, 'disks-uri': <'tcp://dst:10809'>, 'disks-port': <10809>}",
    VIRT_MIGRATE_ERROR_DISKS_URI_AND_PORT, "disks-port", "{'disks-port': <0>}" },
  { "TLS over unix disks URI", "{'storage': <'copy-all'>, 'disks-uri': <'unix:///run/nbd'>, 'tls': <true>}",
    VIRT_MIGRATE_ERROR_TLS_UNIX_DISKS, "tls", "{'disks-uri': <'tcp://dst:10809'>}" },
  { "post-copy, not live", "{'postcopy': <true>}", VIRT_MIGRATE_ERROR_POSTCOPY_CONFLICT, "live",
    "{'live': <true>}" },
  { "post-copy + suspend", "{'postcopy': <true>, 'live': <true>, 'suspend': <true>}",
    VIRT_MIGRATE_ERROR_POSTCOPY_CONFLICT, "suspend", "{'suspend': <false>}" },
  { "postcopy-after-precopy alone", "{'postcopy-after-precopy': <true>, 'live': <true>}",
    VIRT_MIGRATE_ERROR_POSTCOPY_CONFLICT, "'postcopy'", "{'postcopy': <true>}" },
  { "listen address + unix", "{'listen-address': <'10.0.0.2'>, 'hypervisor-uri': <'unix:///run/m'>}",
    VIRT_MIGRATE_ERROR_LISTEN_ADDRESS_WITH_UNIX, "listen-address", "{'hypervisor-uri': <'tcp://10.0.0.2'>}" },
  { "unknown compression", "{'compression-methods': <['xbzrle', 'zstd']>}",
    VIRT_MIGRATE_ERROR_UNKNOWN_COMPRESSION, "zstd", "{'compression-methods': <['xbzrle', 'mt']>}" },
  { "postcopy-resume without postcopy", "{'postcopy-resume': <true>}", VIRT_MIGRATE_ERROR_POSTCOPY_CONFLICT,
    "'postcopy-resume' needs 'postcopy'", "{'postcopy': <true>, 'live': <true>}" },
  { "postcopy-bandwidth without postcopy", "{'postcopy-bandwidth': <@t 2>}", VIRT_MIGRATE_ERROR_POSTCOPY_CONFLICT,
    "'postcopy-bandwidth' needs 'postcopy'", "{'postcopy': <true>, 'live': <true>}" },
  { "mt tuning without mt", "{'comp-mt-level': <3>}", VIRT_MIGRATE_ERROR_INVALID_REQUEST,
    "Turn multithread compression on", "{'compression-methods': <['mt']>}" },
  { "mt threads without mt", "{'comp-mt-threads': <@u 4>, 'compression-methods': <['xbzrle']>}",
    VIRT_MIGRATE_ERROR_INVALID_REQUEST, "add 'mt'", "{'compression-methods': <['xbzrle', 'mt']>}" },
  { "xbzrle cache without xbzrle", "{'comp-xbzrle-cache': <@t 67108864>}", VIRT_MIGRATE_ERROR_INVALID_REQUEST,
    "Turn xbzrle compression on", "{'compression-methods': <['xbzrle']>}" },
  { "auto-converge tuning without it", "{'auto-converge-initial': <@u 30>}", VIRT_MIGRATE_ERROR_INVALID_REQUEST,
    "Turn auto convergence on", "{'auto-converge': <true>}" },
  { "dest-name with a slash", "{'dest-name': <'web/1'>}", VIRT_MIGRATE_ERROR_INVALID_REQUEST,
    "contains '/'", "{'dest-name': <'web-1'>}" },
  { "tls over a unix socket without tls-destination", "{'tls': <true>, 'hypervisor-uri': <'unix:///run/m.sock'>}",
    VIRT_MIGRATE_ERROR_INVALID_REQUEST, "Explicit destination hostname is required",
    "{'tls-destination': <'dst.example.org'>}" },
  { "tls-destination without tls", "{'tls-destination': <'dst.example.org'>}", VIRT_MIGRATE_ERROR_INVALID_REQUEST,
    "set 'tls' too", "{'tls': <true>}" },
  { "zerocopy without parallel", "{'zerocopy': <true>}", VIRT_MIGRATE_ERROR_INVALID_REQUEST,
    "zero-copy is only available for parallel migration", "{'parallel': <true>}" },
  { "synchronous writes without a copy", "{'copy-storage-synchronous-writes': <true>}",
    VIRT_MIGRATE_ERROR_DISKS_WITHOUT_COPY, "needs a storage copy", "{'storage': <'copy-all'>}" },
  { "rdma-pin-all without rdma", "{'rdma-pin-all': <true>}", VIRT_MIGRATE_ERROR_INVALID_REQUEST,
    "rdma://", "{'hypervisor-uri': <'rdma://10.0.0.2:49152'>}" },
};

static VirtMigrateRequest *
merged_request (const char *const *texts)
{
  g_autoptr(GVariantDict) d = g_variant_dict_new (NULL);
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GError) error = NULL;
  VirtMigrateRequest *req;

  g_variant_dict_insert (d, "domain", "s", "web1");
  g_variant_dict_insert (d, "source-uri", "s", "qemu:///system");
  g_variant_dict_insert (d, "dest-uri", "s", "qemu+ssh://dst/system");
  for (guint i = 0; texts[i] != NULL; i++)
    {
      g_autoptr(GVariant) part = g_variant_parse (G_VARIANT_TYPE_VARDICT, texts[i], NULL, NULL, &error);
      GVariantIter iter;
      const char *key;
      GVariant *value;

      g_assert_no_error (error);
      g_variant_iter_init (&iter, part);
      while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
        {
          /* An empty string means "unset". */
          if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) &&
              *g_variant_get_string (value, NULL) == '\0')
            g_variant_dict_remove (d, key);
          else
            g_variant_dict_insert_value (d, key, value);
        }
    }
  dict = g_variant_ref_sink (g_variant_dict_end (d));
  req = virt_migrate_request_new_from_variant (dict, &error);
  g_assert_no_error (error);
  return req;
}

static void
test_validation_rules (void)
{
  g_test_summary ("Every validation rule: a bad request gets the rule's own code and a "
                  "message that says what to change; the fix passes");
  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      const char *bad[] = { rules[i].bad, NULL };
      const char *fixed[] = { rules[i].bad, rules[i].fix, NULL };
      g_autoptr(VirtMigrateRequest) req = merged_request (bad);
      g_autoptr(VirtMigrateRequest) good = merged_request (fixed);
      g_autoptr(GError) error = NULL;

      g_test_message ("rule: %s", rules[i].name);
      g_assert_false (virt_migrate_request_validate (req, &error));
      g_assert_error (error, VIRT_MIGRATE_ERROR, rules[i].code);
      g_assert_nonnull (strstr (error->message, rules[i].needle));
      g_clear_error (&error);
      virt_migrate_request_validate (good, &error);
      g_assert_no_error (error);
    }
}

static void
test_validate_for_guest (void)
{
  const char *with_xml[] = {
    "{'dest-xml': <'<domain type=\"qemu\"><name>web1</name><uuid>11111111-2222-3333-4444-555555555555</uuid></domain>'>}",
    NULL
  };
  g_autoptr(VirtMigrateRequest) req = merged_request (with_xml);
  g_autoptr(GError) error = NULL;

  g_test_summary ("A dest-xml must describe the guest being migrated (same UUID)");
  g_assert_true (virt_migrate_request_validate (req, NULL));
  g_assert_true (virt_migrate_request_validate_for_guest (req, "11111111-2222-3333-4444-555555555555", NULL));
  g_assert_true (virt_migrate_request_validate_for_guest (req, "11111111-2222-3333-4444-555555555555", NULL));
  g_assert_false (virt_migrate_request_validate_for_guest (req, "99999999-2222-3333-4444-555555555555", &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DEST_XML_UUID_MISMATCH);
  g_assert_nonnull (strstr (error->message, "dest-xml"));
}

static void
test_property_utf8 (void)
{
  g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new ("web1", "qemu:///system", "qemu+ssh://dst/system");
  g_autoptr(VirtMigrateRequest) req2 = virt_migrate_request_new ("web1", "qemu:///system", "qemu+ssh://dst/system");
  const char *bad[] = { "net0=\377", NULL };
  g_autoptr(GError) error = NULL;

  g_test_summary ("Bytes that are not UTF-8 set as a GObject (C) property, a string or a list's element: "
                  "validation refuses them naming the key (they reached GVariant as GLib criticals before)");
  g_object_set (req, "dest-xml", "<domain>\377\376</domain>", NULL);
  g_assert_false (virt_migrate_request_validate (req, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE);
  g_assert_nonnull (strstr (error->message, "'dest-xml' is not valid UTF-8 text"));
  g_clear_error (&error);
  g_object_set (req2, "network-map", bad, NULL);
  g_assert_false (virt_migrate_request_validate (req2, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE);
  g_assert_nonnull (strstr (error->message, "'network-map' has an element that is not valid UTF-8 text"));
}

static void
test_property_ranges (void)
{
  const struct { const char *key; gint64 value; } cases[] = {
    { "parallel-connections", 256 },
    { "parallel-connections", -1 },
    { "disks-port", 65536 },
    { "disks-port", -5 },
    { "max-downtime", 2000001 },
    { "completion-timeout", 86401 },
    { "policy-stall-window", 3601 },
    { "policy-stall-iterations", 1001 },
    { "policy-downtime-max", 600001 },
  };

  g_test_summary ("An out-of-range value set as a GObject (GI) property is kept, without a "
                  "GLib warning, and validation refuses it naming the key");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(VirtMigrateRequest) req =
        virt_migrate_request_new ("web1", "qemu:///system", "qemu+ssh://dst/system");
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (req), cases[i].key);
      g_auto(GValue) value = G_VALUE_INIT;
      g_autoptr(GError) error = NULL;

      g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspec));
      if (G_VALUE_HOLDS_INT (&value))
        g_value_set_int (&value, (gint) cases[i].value);
      else if (G_VALUE_HOLDS_UINT (&value))
        g_value_set_uint (&value, (guint) cases[i].value);
      else
        g_value_set_uint64 (&value, (guint64) cases[i].value);
      g_object_set_property (G_OBJECT (req), cases[i].key, &value);
      g_assert_false (virt_migrate_request_validate (req, &error));
      g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE);
      g_assert_nonnull (strstr (error->message, cases[i].key));
    }

  {
    g_autoptr(VirtMigrateRequest) req =
      virt_migrate_request_new ("web1", "qemu:///system", "qemu+ssh://dst/system");

    g_object_set (req, "parallel-connections", 255, "disks-port", 0, NULL);
    g_assert_true (virt_migrate_request_validate (req, NULL));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/virt-migrate/request/round-trip", test_round_trip);
  g_test_add_func ("/virt-migrate/request/integer-types", test_integer_types);
  g_test_add_func ("/virt-migrate/request/rejects", test_rejects);
  g_test_add_func ("/virt-migrate/request/mapping", test_mapping);
  g_test_add_func ("/virt-migrate/request/libvirt-params", test_libvirt_params);
  g_test_add_func ("/virt-migrate/request/validated-once", test_validated_once);
  g_test_add_func ("/virt-migrate/request/frozen", test_frozen);
  g_test_add_func ("/virt-migrate/request/host-names", test_host_names);
  g_test_add_func ("/virt-migrate/request/ssh-hints", test_ssh_hints);
  g_test_add_func ("/virt-migrate/request/tls-hint", test_tls_hint);
  g_test_add_func ("/virt-migrate/request/ssh-uri", test_ssh_uri);
  g_test_add_func ("/virt-migrate/request/ssh-directory", test_ssh_directory);
  g_test_add_func ("/virt-migrate/request/mapping-tuning", test_mapping_tuning);
  g_test_add_func ("/virt-migrate/request/validate-uris", test_validate_uris);
  g_test_add_func ("/virt-migrate/request/validation-rules", test_validation_rules);
  g_test_add_func ("/virt-migrate/request/validate-for-guest", test_validate_for_guest);
  g_test_add_func ("/virt-migrate/request/property-ranges", test_property_ranges);
  g_test_add_func ("/virt-migrate/request/property-utf8", test_property_utf8);

  return g_test_run ();
}
