/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Validation: the guide's URI rules and every combination libvirt 9.0 rejects. */
#include "config.h"

#include <string.h>

#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-error.h"
#include "virt-migrate-guest-xml.h"
#include "virt-migrate-request-internal.h"
#include "virt-migrate-xml-map.h"

/* --- validation ------------------------------------------------------- */

static gboolean
is_hypervisor_uri (const char *uri)
{
  return g_str_has_prefix (uri, "tcp:") || g_str_has_prefix (uri, "unix:") ||
         g_str_has_prefix (uri, "rdma:");
}

static gboolean
fail (GError **error, VirtMigrateError code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError          **error,
      VirtMigrateError  code,
      const char       *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, VIRT_MIGRATE_ERROR, code, message);
  return FALSE;
}

static gboolean
check_libvirt_uri (const char *key,
                   const char *uri,
                   GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED,
                                        &local_error);

  if (parsed == NULL)
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_URI,
                 "'%s' is not a valid libvirt URI (%s): %s", uri, key, local_error->message);
  if (is_hypervisor_uri (uri))
    return fail (error, VIRT_MIGRATE_ERROR_URI_KIND_MISMATCH,
                 "%s '%s' is a hypervisor migration URI; a libvirt connection URI such as "
                 "'qemu+ssh://host/system' is needed here (put tcp://, unix:// and rdma:// "
                 "URIs in 'hypervisor-uri')", key, uri);
  return TRUE;
}

/* The schemes checked here are the QEMU driver's (tcp, unix, rdma); other
 * drivers have their own (Xen: xenmigr://), so for them the URI only has to
 * parse. */
static gboolean
check_hypervisor_uri (const char *key,
                      const char *uri,
                      gboolean    qemu,
                      GError    **error)
{
  g_autoptr(GUri) parsed = NULL;

  if (!qemu)
    {
      if (!g_uri_is_valid (uri, G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED, NULL))
        return fail (error, VIRT_MIGRATE_ERROR_INVALID_URI, "%s '%s' is not a valid URI", key, uri);
      return TRUE;
    }

  /* QEMU also takes the legacy "tcp:host:port" form. */
  if (g_str_has_prefix (uri, "tcp:") && !g_str_has_prefix (uri, "tcp://"))
    return TRUE;

  parsed = g_uri_parse (uri, G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED, NULL);
  if (parsed == NULL)
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_URI,
                 "%s '%s' is not a valid URI: use tcp://HOST[:PORT], unix:///PATH or "
                 "rdma://HOST[:PORT]", key, uri);
  if (!is_hypervisor_uri (uri))
    return fail (error, VIRT_MIGRATE_ERROR_URI_KIND_MISMATCH,
                 "%s '%s' is not a hypervisor migration URI: use tcp://HOST[:PORT], "
                 "unix:///PATH or rdma://HOST[:PORT] (libvirt connection URIs belong in "
                 "source-uri/dest-uri)", key, uri);
  if (g_str_equal (g_uri_get_scheme (parsed), "unix") &&
      ((g_uri_get_host (parsed) != NULL && *g_uri_get_host (parsed) != '\0') ||
       g_uri_get_path (parsed) == NULL || g_uri_get_path (parsed)[0] != '/'))
    /* unix://relative/path parses as host "relative": QEMU would bind /path. */
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_URI,
                 "%s '%s' needs an absolute socket path and no host: unix:///PATH "
                 "(three slashes)", key, uri);
  return TRUE;
}

/* A libvirt URI that reaches libvirtd through a UNIX socket: the "unix"
 * transport, or a ?socket= parameter. */
/* Every integer key within its range (a GI client or g_object_set() may
 * have set any value of the type). */
static gboolean
check_ranges (VirtMigrateRequest *self,
              GError            **error)
{
  for (guint i = 1; i < N_PROPS; i++)
    {
      const GValue *value = &self->values[i];
      gboolean negative = FALSE;
      guint64 magnitude;

      if (!virt_migrate_request_limits[i].set)
        continue;
      if (G_VALUE_HOLDS_INT (value))
        {
          gint v = g_value_get_int (value);

          negative = v < 0;
          magnitude = negative ? (guint64) -(gint64) v : (guint64) v;
        }
      else if (G_VALUE_HOLDS_UINT (value))
        magnitude = g_value_get_uint (value);
      else
        magnitude = g_value_get_uint64 (value);
      if ((negative && (virt_migrate_request_limits[i].min >= 0 || magnitude > (guint64) -virt_migrate_request_limits[i].min)) ||
          (!negative && magnitude > virt_migrate_request_limits[i].max))
        return fail (error, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                     "'%s' is %s%" G_GUINT64_FORMAT ", out of range (allowed: %" G_GINT64_FORMAT
                     " to %" G_GUINT64_FORMAT ")", virt_migrate_request_props[i]->name, negative ? "-" : "", magnitude,
                     virt_migrate_request_limits[i].min, virt_migrate_request_limits[i].max);
    }
  return TRUE;
}

/**
 * virt_migrate_request_validate:
 * @self: a #VirtMigrateRequest
 * @error: return location for a #GError
 *
 * Checks that the request is complete and consistent, without connecting to
 * any host: the URIs each flow needs (libvirt's migration guide), their
 * syntax and kind, and every combination libvirt 9.0 itself rejects.  Each
 * rule has its own #VirtMigrateError code, and the message says what to
 * change.  The guest's UUID against a dest-xml is checked where the guest is
 * known: by virt_migrate_request_validate_for_guest(), a plan and a job.
 *
 * Returns: %TRUE if the request can be attempted
 */
/* libvirt 9.0's rules for the tuning knobs (qemu_migration_params.c,
 * qemu_migration.c, virsh-domain.c), said before libvirt is asked. */
/* Every string within what libvirt accepts (a request made in the library
 * or the CLI, not only one that came over D-Bus). */
static gboolean
check_lengths (VirtMigrateRequest *self,
               GError            **error)
{
  for (guint i = 1; i < N_PROPS; i++)
    {
      const GValue *value = &self->values[i];
      const char *key = virt_migrate_request_props[i]->name;

      if (G_VALUE_HOLDS_STRING (value) && g_value_get_string (value) != NULL &&
          strlen (g_value_get_string (value)) > request_string_limit (key))
        return fail (error, VIRT_MIGRATE_ERROR_OUT_OF_RANGE, "'%s' is too long (%" G_GSIZE_FORMAT
                     " bytes, at most %" G_GSIZE_FORMAT ")", key, strlen (g_value_get_string (value)),
                     request_string_limit (key));
      /* As over D-Bus: text, never bytes a GVariant cannot hold. */
      if (G_VALUE_HOLDS_STRING (value) && g_value_get_string (value) != NULL &&
          !g_utf8_validate (g_value_get_string (value), -1, NULL))
        return fail (error, VIRT_MIGRATE_ERROR_WRONG_TYPE, "'%s' is not valid UTF-8 text", key);
      if (G_VALUE_HOLDS (value, G_TYPE_STRV) && g_value_get_boxed (value) != NULL)
        {
          const char *const *strv = g_value_get_boxed (value);

          if (g_strv_length ((char **) strv) > MAX_LIST_LENGTH)
            return fail (error, VIRT_MIGRATE_ERROR_OUT_OF_RANGE, "'%s' has %u elements, at most %d", key,
                         g_strv_length ((char **) strv), MAX_LIST_LENGTH);
          for (guint k = 0; strv[k] != NULL; k++)
            if (strlen (strv[k]) > MAX_STRING_LENGTH)
              return fail (error, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                           "'%s' has an element that is too long (at most %d bytes)", key, MAX_STRING_LENGTH);
            else if (!g_utf8_validate (strv[k], -1, NULL))
              return fail (error, VIRT_MIGRATE_ERROR_WRONG_TYPE, "'%s' has an element that is not valid UTF-8 text",
                           key);
        }
    }
  return TRUE;
}

static gboolean
validate_tuning (VirtMigrateRequest *self, GError **error)
{
  const char *const *methods = request_get_strv (self, PROP_COMPRESSION_METHODS);
  gboolean mt = methods != NULL && g_strv_contains (methods, "mt");
  gboolean xbzrle = methods != NULL && g_strv_contains (methods, "xbzrle");
  gboolean parallel = request_get_bool (self, PROP_PARALLEL) ||
                      g_value_get_int (&self->values[PROP_PARALLEL_CONNECTIONS]) > 0;
  const char *hv = request_get_string (self, PROP_HYPERVISOR_URI);

  if ((g_value_get_int (&self->values[PROP_COMP_MT_LEVEL]) >= 0 ||
       g_value_get_uint (&self->values[PROP_COMP_MT_THREADS]) > 0 ||
       g_value_get_uint (&self->values[PROP_COMP_MT_DTHREADS]) > 0) && !mt)
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                 "'comp-mt-level', 'comp-mt-threads' and 'comp-mt-dthreads' tune multithread compression: "
                 "add 'mt' to 'compression-methods' (libvirt: \"Turn multithread compression on to tune it\")");
  if (g_value_get_uint64 (&self->values[PROP_COMP_XBZRLE_CACHE]) > 0 && !xbzrle)
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                 "'comp-xbzrle-cache' tunes XBZRLE compression: add 'xbzrle' to 'compression-methods' "
                 "(libvirt: \"Turn xbzrle compression on to tune it\")");
  if ((g_value_get_uint (&self->values[PROP_AUTO_CONVERGE_INITIAL]) > 0 ||
       g_value_get_uint (&self->values[PROP_AUTO_CONVERGE_INCREMENT]) > 0) &&
      !request_get_bool (self, PROP_AUTO_CONVERGE))
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                 "'auto-converge-initial' and 'auto-converge-increment' tune auto-convergence: set "
                 "'auto-converge' (libvirt: \"Turn auto convergence on to tune it\")");
  /* libvirt 9.0 hands the name to QEMU only with VIR_MIGRATE_TLS
   * (qemuMigrationSrcRun()): without it the name is dropped and the
   * stream goes unencrypted, which whoever gave a name did not mean. */
  if (request_get_string (self, PROP_TLS_DESTINATION) != NULL && !request_get_bool (self, PROP_TLS))
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                 "'tls-destination' names the host whose TLS certificate is checked: set 'tls' too (without it "
                 "libvirt ignores the name and the migration stream is not encrypted)");
  if (request_get_bool (self, PROP_ZEROCOPY) && !parallel)
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                 "'zerocopy' needs 'parallel' (libvirt: \"zero-copy is only available for parallel migration\")");
  /* QEMU 7.2's own rules (migrate-set-capabilities and -parameters, after
   * libvirt has begun: seen failing so on the test bed). */
  if (request_get_bool (self, PROP_ZEROCOPY) && (request_get_bool (self, PROP_COMPRESSED) || request_get_bool (self, PROP_TLS)))
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                 "'zerocopy' cannot go with '%s' (QEMU: \"Zero copy only available for non-compressed non-TLS "
                 "multifd migration\")", request_get_bool (self, PROP_COMPRESSED) ? "compressed" : "tls");
  if (parallel && request_get_bool (self, PROP_COMPRESSED) && mt)
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                 "'parallel' cannot go with multithread compression ('mt' in 'compression-methods'; QEMU: "
                 "\"Multifd is not compatible with compress\"): use xbzrle, or one connection");
  if (request_get_bool (self, PROP_COPY_STORAGE_SYNCHRONOUS_WRITES) &&
      virt_migrate_request_get_storage (self) == VIRT_MIGRATE_STORAGE_SHARED)
    return fail (error, VIRT_MIGRATE_ERROR_DISKS_WITHOUT_COPY,
                 "'copy-storage-synchronous-writes' needs a storage copy ('storage' copy-all or "
                 "copy-incremental)");
  /* libvirt's own rule (qemuMigrationSrcPerformNative): over a UNIX
   * socket there is no host name to check the destination's certificate
   * against. */
  if (request_get_bool (self, PROP_TLS) && hv != NULL && g_str_has_prefix (hv, "unix:") &&
      request_get_string (self, PROP_TLS_DESTINATION) == NULL && !request_get_bool (self, PROP_POSTCOPY_RESUME))
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                 "A TLS migration over a UNIX 'hypervisor-uri' needs 'tls-destination': the name the destination's "
                 "certificate holds (libvirt: \"Explicit destination hostname is required for TLS migration over "
                 "UNIX socket\")");
  /* libvirt's own rule (qemuDomainMigratePrepare3Params): a disk mirror
   * cannot guess where its NBD server listens when memory goes over a
   * UNIX socket. */
  if ((virt_migrate_request_get_storage (self) != VIRT_MIGRATE_STORAGE_SHARED ||
       request_get_strv (self, PROP_MIGRATE_DISKS) != NULL) &&
      hv != NULL && g_str_has_prefix (hv, "unix:") && request_get_string (self, PROP_DISKS_URI) == NULL)
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                 "A storage copy with a UNIX 'hypervisor-uri' needs 'disks-uri' too: the UNIX socket "
                 "the destination's NBD server listens on, unix:///PATH (libvirt: \"NBD URI must be "
                 "supplied when migration URI uses UNIX transport method\")");
  if (request_get_bool (self, PROP_RDMA_PIN_ALL) && (hv == NULL || !g_str_has_prefix (hv, "rdma://")))
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                 "'rdma-pin-all' applies to an RDMA migration: an rdma:// 'hypervisor-uri'");
  return TRUE;
}

static gboolean
validate_values (VirtMigrateRequest *self,
                 GError            **error)
{
  VirtMigrateFlow flow;
  const char *source_uri, *dest_uri, *hv_uri, *disks_uri;
  const char *const *methods;
  gboolean tunnelled, offline, copy, live, suspend, postcopy, qemu;
  int parallel, disks_port;

  flow = virt_migrate_request_get_flow (self);
  source_uri = request_get_string (self, PROP_SOURCE_URI);
  dest_uri = request_get_string (self, PROP_DEST_URI);
  hv_uri = request_get_string (self, PROP_HYPERVISOR_URI);
  disks_uri = request_get_string (self, PROP_DISKS_URI);
  tunnelled = virt_migrate_request_get_transport (self) == VIRT_MIGRATE_TRANSPORT_TUNNELLED;
  offline = request_get_bool (self, PROP_OFFLINE);
  copy = virt_migrate_request_get_storage (self) != VIRT_MIGRATE_STORAGE_SHARED;
  live = request_get_bool (self, PROP_LIVE);
  suspend = request_get_bool (self, PROP_SUSPEND);
  postcopy = request_get_bool (self, PROP_POSTCOPY);
  parallel = g_value_get_int (&self->values[PROP_PARALLEL_CONNECTIONS]);
  disks_port = g_value_get_int (&self->values[PROP_DISKS_PORT]);

  if (!check_ranges (self, error) || !check_lengths (self, error))
    return FALSE;
  if (!virt_migrate_map_check (request_get_strv (self, PROP_DISK_MAP), TRUE, "disk-map", error) ||
      !virt_migrate_map_check (request_get_strv (self, PROP_NETWORK_MAP), FALSE, "network-map", error))
    return FALSE;
  if ((request_get_strv (self, PROP_DISK_MAP) != NULL || request_get_strv (self, PROP_NETWORK_MAP) != NULL) &&
      request_get_string (self, PROP_DEST_XML) != NULL)
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                 "disk-map and network-map build the destination XML: do not give dest-xml too");

  /* The three URIs, per flow. */
  if (request_get_string (self, PROP_DOMAIN) == NULL)
    return fail (error, VIRT_MIGRATE_ERROR_MISSING_DOMAIN,
                 "No guest given: set 'domain' to the guest's name or UUID");
  if (source_uri == NULL)
    return fail (error, VIRT_MIGRATE_ERROR_MISSING_SOURCE_URI,
                 "No source host given: set 'source-uri' to the source's libvirt URI "
                 "(e.g. qemu:///system)");
  if (!check_libvirt_uri ("source-uri", source_uri, error))
    return FALSE;
  qemu = g_str_has_prefix (source_uri, "qemu");

  if (flow == VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT)
    {
      if (hv_uri == NULL)
        return fail (error, VIRT_MIGRATE_ERROR_MISSING_HYPERVISOR_URI,
                     "An unmanaged direct migration needs 'hypervisor-uri' (the destination "
                     "hypervisor's own migration URI)");
      if (dest_uri != NULL)
        return fail (error, VIRT_MIGRATE_ERROR_DEST_URI_UNUSED,
                     "An unmanaged direct migration has no destination libvirtd: unset "
                     "'dest-uri', or use the managed-direct or peer-to-peer flow");
    }
  else
    {
      if (dest_uri == NULL)
        return fail (error, VIRT_MIGRATE_ERROR_MISSING_DEST_URI,
                     "No destination host given: set 'dest-uri' to the destination's "
                     "libvirt URI (as seen from %s)",
                     flow == VIRT_MIGRATE_FLOW_PEER_TO_PEER ? "the source host" : "this client");
      if (!check_libvirt_uri ("dest-uri", dest_uri, error))
        return FALSE;
    }
  if (hv_uri != NULL && !check_hypervisor_uri ("hypervisor-uri", hv_uri, qemu, error))
    return FALSE;
  if (disks_uri != NULL && !check_hypervisor_uri ("disks-uri", disks_uri, TRUE, error))
    return FALSE;

  /* Transport. */
  if (tunnelled && flow != VIRT_MIGRATE_FLOW_PEER_TO_PEER)
    return fail (error, VIRT_MIGRATE_ERROR_TUNNELLED_NEEDS_P2P,
                 "A tunnelled migration needs the peer-to-peer flow: set flow to 'peer-to-peer'");
  if (tunnelled && !offline)
    {
      const char *what = copy ? "a storage copy ('storage')" :
                         parallel > 0 || request_get_bool (self, PROP_PARALLEL)
                           ? "parallel connections ('parallel'; libvirt: \"mutually exclusive\")" :
                         postcopy ? "post-copy ('postcopy')" :
                         hv_uri != NULL ? "a hypervisor URI ('hypervisor-uri'; the data goes "
                                          "through libvirtd's connection)" :
                         request_get_string (self, PROP_LISTEN_ADDRESS) != NULL
                           ? "a listen address ('listen-address'; libvirt: \"listen address is not supported by "
                             "tunnelled migration\")" : NULL;
      if (what != NULL)
        return fail (error, VIRT_MIGRATE_ERROR_TUNNELLED_CONFLICT,
                     "A tunnelled migration cannot use %s: drop it, or use the native transport",
                     what);
    }

  /* Offline. */
  if (offline)
    {
      const char *what = live ? "'live'" : suspend ? "'suspend'" : postcopy ? "'postcopy'" :
                         copy ? "a storage copy ('storage')" :
                         tunnelled ? "the tunnelled transport" : NULL;
      if (what != NULL)
        return fail (error, VIRT_MIGRATE_ERROR_OFFLINE_CONFLICT,
                     "An offline migration moves only the definition and cannot use %s", what);
      if (!request_get_bool (self, PROP_PERSIST_DEST))
        return fail (error, VIRT_MIGRATE_ERROR_OFFLINE_NEEDS_PERSIST,
                     "An offline migration only moves the definition: set 'persist-dest' too");
    }

  /* Storage. */
  if (!copy)
    {
      const char *what = request_get_strv (self, PROP_MIGRATE_DISKS) != NULL ? "migrate-disks" :
                         disks_uri != NULL ? "disks-uri" : disks_port > 0 ? "disks-port" : NULL;
      if (what != NULL)
        return fail (error, VIRT_MIGRATE_ERROR_DISKS_WITHOUT_COPY,
                     "'%s' only applies when disks are copied: set 'storage' to 'copy-all' or "
                     "'copy-incremental'", what);
    }
  if (disks_uri != NULL && disks_port > 0)
    return fail (error, VIRT_MIGRATE_ERROR_DISKS_URI_AND_PORT,
                 "'disks-uri' and 'disks-port' exclude each other: put the port in the URI");
  if (disks_uri != NULL && g_str_has_prefix (disks_uri, "unix:") && request_get_bool (self, PROP_TLS))
    return fail (error, VIRT_MIGRATE_ERROR_TLS_UNIX_DISKS,
                 "QEMU's NBD server has no TLS over UNIX sockets: use a tcp:// 'disks-uri', "
                 "or drop 'tls'");

  /* Post-copy. */
  if (postcopy && (!live || suspend))
    return fail (error, VIRT_MIGRATE_ERROR_POSTCOPY_CONFLICT,
                 "Post-copy needs a live migration that is not suspended: set 'live'%s",
                 suspend ? " and unset 'suspend'" : "");
  if (request_get_bool (self, PROP_POSTCOPY_AFTER_PRECOPY) && !postcopy)
    return fail (error, VIRT_MIGRATE_ERROR_POSTCOPY_CONFLICT,
                 "'postcopy-after-precopy' needs 'postcopy'");
  /* libvirt 9.0: VIR_MIGRATE_POSTCOPY_RESUME needs VIR_MIGRATE_POSTCOPY. */
  if (request_get_bool (self, PROP_POSTCOPY_RESUME) && !postcopy)
    return fail (error, VIRT_MIGRATE_ERROR_POSTCOPY_CONFLICT,
                 "'postcopy-resume' needs 'postcopy' (libvirt resumes a post-copy migration)");
  if (g_value_get_uint64 (&self->values[PROP_POSTCOPY_BANDWIDTH]) > 0 && !postcopy)
    return fail (error, VIRT_MIGRATE_ERROR_POSTCOPY_CONFLICT,
                 "'postcopy-bandwidth' needs 'postcopy'");
  if (!validate_tuning (self, error))
    return FALSE;

  /* libvirt 9.0's QEMU driver takes a name with '/' but cannot start
   * the guest under it: its log file is named after it ("Unable to open
   * file: …/qemu/log/a/b.log"), failed part-way on the destination. */
  if (request_get_string (self, PROP_DEST_NAME) != NULL && strchr (request_get_string (self, PROP_DEST_NAME), '/'))
    return fail (error, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                 "'dest-name' '%s' contains '/': the destination's QEMU driver cannot start a guest of that name "
                 "(its log file is named after it)", request_get_string (self, PROP_DEST_NAME));

  /* Where the destination listens. */
  if (request_get_string (self, PROP_LISTEN_ADDRESS) != NULL && hv_uri != NULL &&
      g_str_has_prefix (hv_uri, "unix:"))
    return fail (error, VIRT_MIGRATE_ERROR_LISTEN_ADDRESS_WITH_UNIX,
                 "'listen-address' makes no sense with a unix:// 'hypervisor-uri': drop one");

  methods = request_get_strv (self, PROP_COMPRESSION_METHODS);
  for (guint i = 0; methods != NULL && methods[i] != NULL; i++)
    if (!g_strv_contains (virt_migrate_request_compression_methods, methods[i]))
      return fail (error, VIRT_MIGRATE_ERROR_UNKNOWN_COMPRESSION,
                   "Unknown compression method '%s' in 'compression-methods': libvirt 9.0 "
                   "knows 'xbzrle' and 'mt'", methods[i]);

  return TRUE;
}

gboolean
virt_migrate_request_validate (VirtMigrateRequest *self,
                               GError            **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), FALSE);

  /* Once per set of values: a front end's early check, the manager's and a
   * job's start ask the same question of the same values (a copy keeps
   * the answer; any change forgets it). */
  if (self->validated)
    return TRUE;
  if (!validate_values (self, error))
    return FALSE;
  self->validated = TRUE;
  return TRUE;
}

/* The <uuid> of a domain XML's top-level <domain>, or NULL. */
static char *
domain_xml_uuid (const char *xml)
{
  g_autoptr(GRegex) regex = g_regex_new ("<domain\\b[^>]*>.*?<uuid>\\s*([0-9a-fA-F-]+)\\s*</uuid>",
                                         G_REGEX_DOTALL, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *uuid = NULL;

  if (xml == NULL || !g_regex_match (regex, xml, 0, &match))
    return NULL;
  uuid = g_match_info_fetch (match, 1);
  return g_ascii_strdown (uuid, -1);
}

/**
 * virt_migrate_request_validate_for_guest:
 * @self: a #VirtMigrateRequest
 * @guest_uuid: the UUID of the guest on the source, as a string
 * @error: return location for a #GError
 *
 * Like virt_migrate_request_validate(), and also checks that a
 * #VirtMigrateRequest:dest-xml or #VirtMigrateRequest:persistent-xml
 * describes this guest: libvirt refuses an XML with another UUID.
 *
 * Returns: %TRUE if the request can be attempted for that guest
 */
gboolean
virt_migrate_request_validate_for_guest (VirtMigrateRequest *self,
                                         const char         *guest_uuid,
                                         GError            **error)
{
  g_return_val_if_fail (guest_uuid != NULL, FALSE);

  return virt_migrate_request_validate (self, error) &&
         virt_migrate_request_check_guest_xml (self, guest_uuid, NULL, error);
}

/* Whether dest-xml and persistent-xml describe the guest @uuid, and
 * dest-xml names it @name (when given: libvirt 9.0's ABI check refuses
 * another, even with dest-name). */
gboolean
virt_migrate_request_check_guest_xml (VirtMigrateRequest *self,
                                      const char         *uuid,
                                      const char         *name,
                                      GError            **error)
{
  static const char *const name_path[] = { "domain", "name", NULL };
  const guint xml_props[] = { PROP_DEST_XML, PROP_PERSISTENT_XML };
  const char *dest_xml = request_get_string (self, PROP_DEST_XML);
  g_autofree char *xml_name = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (xml_props); i++)
    {
      g_autofree char *xml_uuid = domain_xml_uuid (request_get_string (self, xml_props[i]));
      g_autofree char *want = g_ascii_strdown (uuid, -1);

      if (xml_uuid != NULL && !g_str_equal (xml_uuid, want))
        return fail (error, VIRT_MIGRATE_ERROR_DEST_XML_UUID_MISMATCH,
                     "'%s' describes the guest with UUID %s, but '%s' has UUID %s: the XML "
                     "must come from this guest (virsh dumpxml --migratable)",
                     virt_migrate_request_props[xml_props[i]]->name, xml_uuid,
                     virt_migrate_request_get_domain (self), want);
    }
  if (name != NULL && dest_xml != NULL && virt_migrate_xml_path_text (dest_xml, name_path, &xml_name) &&
      xml_name != NULL && !g_str_equal (xml_name, name))
    return fail (error, VIRT_MIGRATE_ERROR_DEST_XML_UUID_MISMATCH,
                 "'dest-xml' names the guest '%s', but it is '%s': libvirt refuses another name there "
                 "(\"Target domain name does not match source\"): keep its name in the XML, and give "
                 "dest-name to rename it there",
                 xml_name, name);
  return TRUE;
}

/**
 * virt_migrate_request_validate_for:
 * @self: a #VirtMigrateRequest
 * @destinations: (array zero-terminated=1) (nullable): destination libvirt
 *   URIs
 * @error: return location for a #GError
 *
 * Validates @self as a migration to each of @destinations (its
 * #VirtMigrateRequest:dest-uri replaced, unless the flow is unmanaged
 * direct, which has none), as virt_migrate_request_validate() does: what a
 * check of those destinations runs first, so that it never says yes to a
 * request the migration would refuse.
 *
 * Returns: %TRUE if every one is valid; else %FALSE with the first
 *   refusal, prefixed with its destination when there are several
 */
gboolean
virt_migrate_request_validate_for (VirtMigrateRequest *self,
                                   const char *const  *destinations,
                                   GError            **error)
{
  for (guint i = 0; destinations != NULL && destinations[i] != NULL; i++)
    {
      g_autoptr(VirtMigrateRequest) to = virt_migrate_request_copy (self);

      if (virt_migrate_request_get_flow (to) != VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT)
        g_object_set (to, "dest-uri", destinations[i], NULL);
      if (!virt_migrate_request_validate (to, error))
        {
          if (destinations[1] != NULL)
            g_prefix_error (error, "For %s: ", destinations[i]);
          return FALSE;
        }
    }
  return TRUE;
}
