/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "virt-migrate-connection-pool.h"
#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-error.h"
#include "virt-migrate-request-private.h"

/**
 * VirtMigrateRequest:
 *
 * Everything that describes one migration: which guest, between which
 * hosts, over which control flow and transport, and with which of libvirt's
 * knobs.
 *
 * Each property maps to one `VIR_MIGRATE_*` flag or `VIR_MIGRATE_PARAM_*`
 * typed parameter.  A request converts to and from an `a{sv}` #GVariant
 * dictionary whose keys are the property names, so the same request travels
 * over D-Bus: enums travel as their nick strings (`"peer-to-peer"`,
 * `"tunnelled"`, `"copy-all"`), integers may use any D-Bus integer type whose
 * value fits, and unknown keys, wrong types and out-of-range values are
 * rejected with an error naming the key.
 */

struct _VirtMigrateRequest
{
  GObject parent_instance;
  GValue *values; /* indexed by property id */
};

enum {
  PROP_0,
  PROP_DOMAIN,
  PROP_SOURCE_URI,
  PROP_DEST_URI,
  PROP_HYPERVISOR_URI,
  PROP_FLOW,
  PROP_TRANSPORT,
  PROP_LIVE,
  PROP_OFFLINE,
  PROP_PERSIST_DEST,
  PROP_UNDEFINE_SOURCE,
  PROP_STORAGE,
  PROP_MIGRATE_DISKS,
  PROP_DISKS_URI,
  PROP_DISKS_PORT,
  PROP_DEST_XML,
  PROP_PERSISTENT_XML,
  PROP_DEST_NAME,
  PROP_LISTEN_ADDRESS,
  PROP_BANDWIDTH,
  PROP_MAX_DOWNTIME,
  PROP_TLS,
  PROP_TLS_DESTINATION,
  PROP_COMPRESSED,
  PROP_COMPRESSION_METHODS,
  PROP_PARALLEL_CONNECTIONS,
  PROP_AUTO_CONVERGE,
  PROP_POSTCOPY,
  PROP_POSTCOPY_AFTER_PRECOPY,
  PROP_SUSPEND,
  PROP_ABORT_ON_ERROR,
  PROP_UNSAFE,
  PROP_CONVERGENCE_POLICY,
  PROP_COMPLETION_ACTION,
  PROP_COMPLETION_TIMEOUT,
  PROP_POLICY_STALL_WINDOW,
  PROP_POLICY_STALL_ITERATIONS,
  PROP_POLICY_DOWNTIME_MAX,
  PROP_POLICY_BANDWIDTH_SCHEDULE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

/* The allowed range of each integer key. The GParamSpecs take their
 * type's whole range, so that an out-of-range value set through
 * g_object_set() or a GI binding is kept and refused by
 * virt_migrate_request_validate() with an error naming the key, instead
 * of a GLib warning and a silent default. */
typedef struct {
  gboolean set;
  gint64   min;
  guint64  max;
} Limit;

static Limit limits[N_PROPS];

G_DEFINE_FINAL_TYPE (VirtMigrateRequest, virt_migrate_request, G_TYPE_OBJECT)

/* QEMU's limit for the migration speed: bytes per second must fit an int64. */
#define BANDWIDTH_MAX ((guint64) (G_MAXINT64 / (1024 * 1024)))
/* Upper bounds for strings arriving from D-Bus: a domain XML may be large,
 * a URI or a name may not. */
#define MAX_XML_LENGTH (16 * 1024 * 1024)
#define MAX_STRING_LENGTH (64 * 1024)

/* libvirt 9.0 knows these two (qemuMigrationCompressMethod). */
static const char *const compression_methods[] = { "xbzrle", "mt", NULL };

static void
virt_migrate_request_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  VirtMigrateRequest *self = VIRT_MIGRATE_REQUEST (object);

  if (prop_id == 0 || prop_id >= N_PROPS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_value_copy (&self->values[prop_id], value);
}

static void
virt_migrate_request_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  VirtMigrateRequest *self = VIRT_MIGRATE_REQUEST (object);

  if (prop_id == 0 || prop_id >= N_PROPS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_value_unset (&self->values[prop_id]);
  g_value_init (&self->values[prop_id], G_PARAM_SPEC_VALUE_TYPE (pspec));
  g_value_copy (value, &self->values[prop_id]);
}

static void
virt_migrate_request_finalize (GObject *object)
{
  VirtMigrateRequest *self = VIRT_MIGRATE_REQUEST (object);

  for (guint i = 1; i < N_PROPS; i++)
    g_value_unset (&self->values[i]);
  g_free (self->values);

  G_OBJECT_CLASS (virt_migrate_request_parent_class)->finalize (object);
}

#define RW (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

/* Integer properties: the whole type's range, the real one in limits[]. */
static GParamSpec *
int_prop (guint prop, const char *name, gint min, gint max)
{
  limits[prop] = (Limit) { TRUE, min, (guint64) max };
  return g_param_spec_int (name, NULL, NULL, G_MININT, G_MAXINT, 0, RW);
}

static GParamSpec *
uint_prop (guint prop, const char *name, guint max)
{
  limits[prop] = (Limit) { TRUE, 0, max };
  return g_param_spec_uint (name, NULL, NULL, 0, G_MAXUINT, 0, RW);
}

static GParamSpec *
uint64_prop (guint prop, const char *name, guint64 max)
{
  limits[prop] = (Limit) { TRUE, 0, max };
  return g_param_spec_uint64 (name, NULL, NULL, 0, G_MAXUINT64, 0, RW);
}

static void
virt_migrate_request_class_init (VirtMigrateRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = virt_migrate_request_get_property;
  object_class->set_property = virt_migrate_request_set_property;
  object_class->finalize = virt_migrate_request_finalize;

  /**
   * VirtMigrateRequest:domain:
   *
   * The guest to migrate, by name or UUID, as known on the source host.
   */
  props[PROP_DOMAIN] = g_param_spec_string ("domain", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:source-uri:
   *
   * The libvirt connection URI of the source host (the first URI of the
   * migration guide), e.g. `qemu:///system` or `qemu+ssh://src/system`.
   */
  props[PROP_SOURCE_URI] = g_param_spec_string ("source-uri", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:dest-uri:
   *
   * The libvirt connection URI of the destination host (the second URI).  In
   * a peer-to-peer migration it is used by the source libvirtd, so it must
   * be reachable from the source host with the source daemon's credentials.
   * Not used by an unmanaged direct migration.
   */
  props[PROP_DEST_URI] = g_param_spec_string ("dest-uri", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:hypervisor-uri:
   *
   * The hypervisor-specific migration URI (the third URI,
   * `VIR_MIGRATE_PARAM_URI`), e.g. `tcp://10.0.0.1:49152` or
   * `unix:///run/migration.sock`.  Optional in managed flows, compulsory in
   * an unmanaged direct one.
   */
  props[PROP_HYPERVISOR_URI] = g_param_spec_string ("hypervisor-uri", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:flow:
   *
   * The control flow.
   */
  props[PROP_FLOW] = g_param_spec_enum ("flow", NULL, NULL, VIRT_MIGRATE_TYPE_FLOW,
                                        VIRT_MIGRATE_FLOW_MANAGED_DIRECT, RW);
  /**
   * VirtMigrateRequest:transport:
   *
   * The data transport; tunnelled needs the peer-to-peer flow.
   */
  props[PROP_TRANSPORT] = g_param_spec_enum ("transport", NULL, NULL, VIRT_MIGRATE_TYPE_TRANSPORT,
                                             VIRT_MIGRATE_TRANSPORT_NATIVE, RW);
  /**
   * VirtMigrateRequest:live:
   *
   * Keep the guest running while its memory is copied (`VIR_MIGRATE_LIVE`).
   * Without it libvirt pauses the guest for the whole migration.
   */
  props[PROP_LIVE] = g_param_spec_boolean ("live", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:offline:
   *
   * Migrate only the inactive definition (`VIR_MIGRATE_OFFLINE`); needs
   * #VirtMigrateRequest:persist-dest.
   */
  props[PROP_OFFLINE] = g_param_spec_boolean ("offline", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:persist-dest:
   *
   * Leave a persistent configuration on the destination
   * (`VIR_MIGRATE_PERSIST_DEST`, virsh's `--persistent`).
   */
  props[PROP_PERSIST_DEST] = g_param_spec_boolean ("persist-dest", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:undefine-source:
   *
   * Remove the configuration from the source after a successful migration
   * (`VIR_MIGRATE_UNDEFINE_SOURCE`).
   */
  props[PROP_UNDEFINE_SOURCE] = g_param_spec_boolean ("undefine-source", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:storage:
   *
   * Whether and how local disk images are copied.
   */
  props[PROP_STORAGE] = g_param_spec_enum ("storage", NULL, NULL, VIRT_MIGRATE_TYPE_STORAGE,
                                           VIRT_MIGRATE_STORAGE_SHARED, RW);
  /**
   * VirtMigrateRequest:migrate-disks:
   *
   * Target names (`vda`, `sdb`) of the disks to copy
   * (`VIR_MIGRATE_PARAM_MIGRATE_DISKS`); all writable disks when unset.
   */
  props[PROP_MIGRATE_DISKS] = g_param_spec_boxed ("migrate-disks", NULL, NULL, G_TYPE_STRV, RW);
  /**
   * VirtMigrateRequest:disks-uri:
   *
   * Where the destination's NBD server listens for the disk copy
   * (`VIR_MIGRATE_PARAM_DISKS_URI`), e.g. `unix:///run/nbd.sock`.
   */
  props[PROP_DISKS_URI] = g_param_spec_string ("disks-uri", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:disks-port:
   *
   * TCP port of the destination's NBD server (`VIR_MIGRATE_PARAM_DISKS_PORT`);
   * 0 lets libvirt choose.
   */
  props[PROP_DISKS_PORT] = int_prop (PROP_DISKS_PORT, "disks-port", 0, 65535);
  /**
   * VirtMigrateRequest:dest-xml:
   *
   * A domain XML to use on the destination (`VIR_MIGRATE_PARAM_DEST_XML`),
   * e.g. with rewritten disk paths; it must describe the same guest (same UUID).
   */
  props[PROP_DEST_XML] = g_param_spec_string ("dest-xml", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:persistent-xml:
   *
   * The persistent configuration to define on the destination
   * (`VIR_MIGRATE_PARAM_PERSIST_XML`), with #VirtMigrateRequest:persist-dest.
   */
  props[PROP_PERSISTENT_XML] = g_param_spec_string ("persistent-xml", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:dest-name:
   *
   * A new name for the guest on the destination (`VIR_MIGRATE_PARAM_DEST_NAME`).
   */
  props[PROP_DEST_NAME] = g_param_spec_string ("dest-name", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:listen-address:
   *
   * The address the destination hypervisor listens on for the incoming
   * migration (`VIR_MIGRATE_PARAM_LISTEN_ADDRESS`).
   */
  props[PROP_LISTEN_ADDRESS] = g_param_spec_string ("listen-address", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:bandwidth:
   *
   * Bandwidth cap in MiB/s (`VIR_MIGRATE_PARAM_BANDWIDTH`); 0 means no cap.
   */
  props[PROP_BANDWIDTH] = uint64_prop (PROP_BANDWIDTH, "bandwidth", BANDWIDTH_MAX);
  /**
   * VirtMigrateRequest:max-downtime:
   *
   * The longest pause the guest may see at switch-over, in milliseconds
   * (`virDomainMigrateSetMaxDowntime()`, applied once the migration runs);
   * 0 keeps the hypervisor's default.
   */
  props[PROP_MAX_DOWNTIME] = uint64_prop (PROP_MAX_DOWNTIME, "max-downtime", 2000000);
  /**
   * VirtMigrateRequest:tls:
   *
   * Encrypt the native migration stream with TLS (`VIR_MIGRATE_TLS`).
   */
  props[PROP_TLS] = g_param_spec_boolean ("tls", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:tls-destination:
   *
   * The host name the destination's TLS certificate is checked against
   * (`VIR_MIGRATE_PARAM_TLS_DESTINATION`), when it differs from the one in
   * the migration URI.
   */
  props[PROP_TLS_DESTINATION] = g_param_spec_string ("tls-destination", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:compressed:
   *
   * Compress the migration stream (`VIR_MIGRATE_COMPRESSED`).
   */
  props[PROP_COMPRESSED] = g_param_spec_boolean ("compressed", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:compression-methods:
   *
   * Compression methods (`VIR_MIGRATE_PARAM_COMPRESSION`): `xbzrle` and/or
   * `mt`, the two libvirt 9.0 knows; libvirt's default (`xbzrle`) when unset.
   */
  props[PROP_COMPRESSION_METHODS] = g_param_spec_boxed ("compression-methods", NULL, NULL,
                                                        G_TYPE_STRV, RW);
  /**
   * VirtMigrateRequest:parallel-connections:
   *
   * Migrate over this many connections at once (`VIR_MIGRATE_PARALLEL` and
   * `VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS`); 0 means one connection.
   */
  props[PROP_PARALLEL_CONNECTIONS] = int_prop (PROP_PARALLEL_CONNECTIONS, "parallel-connections", 0, 255);
  /**
   * VirtMigrateRequest:auto-converge:
   *
   * Let the hypervisor throttle the guest's CPUs if the migration does not
   * converge (`VIR_MIGRATE_AUTO_CONVERGE`).
   */
  props[PROP_AUTO_CONVERGE] = g_param_spec_boolean ("auto-converge", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:postcopy:
   *
   * Allow switching to post-copy (`VIR_MIGRATE_POSTCOPY`); the switch itself
   * is made by virt_migrate_job_start_postcopy() or
   * #VirtMigrateRequest:postcopy-after-precopy.
   */
  props[PROP_POSTCOPY] = g_param_spec_boolean ("postcopy", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:postcopy-after-precopy:
   *
   * Switch to post-copy automatically once the first pass over memory is
   * done (like virsh's `--postcopy-after-precopy`); needs
   * #VirtMigrateRequest:postcopy.
   */
  props[PROP_POSTCOPY_AFTER_PRECOPY] = g_param_spec_boolean ("postcopy-after-precopy", NULL, NULL,
                                                             FALSE, RW);
  /**
   * VirtMigrateRequest:suspend:
   *
   * Leave the guest paused on the destination (`VIR_MIGRATE_PAUSED`).
   */
  props[PROP_SUSPEND] = g_param_spec_boolean ("suspend", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:abort-on-error:
   *
   * Abort the migration on an I/O error of a disk (`VIR_MIGRATE_ABORT_ON_ERROR`).
   */
  props[PROP_ABORT_ON_ERROR] = g_param_spec_boolean ("abort-on-error", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:unsafe:
   *
   * Migrate even where libvirt considers it unsafe, e.g. disks with a cache
   * mode that may lose writes (`VIR_MIGRATE_UNSAFE`).
   */
  props[PROP_UNSAFE] = g_param_spec_boolean ("unsafe", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:convergence-policy:
   *
   * Whether a #VirtMigrateManager gives the job its convergence policy
   * (#VirtMigratePolicy, from the settings).
   */
  props[PROP_CONVERGENCE_POLICY] = g_param_spec_boolean ("convergence-policy", NULL, NULL, TRUE, RW);
  /**
   * VirtMigrateRequest:completion-action:
   *
   * What the policy does at the completion timeout, overriding the
   * settings' (%VIRT_MIGRATE_POLICY_ACTION_DEFAULT: the settings' choice).
   */
  props[PROP_COMPLETION_ACTION] = g_param_spec_enum ("completion-action", NULL, NULL,
                                                     VIRT_MIGRATE_TYPE_POLICY_ACTION,
                                                     VIRT_MIGRATE_POLICY_ACTION_DEFAULT, RW);
  /**
   * VirtMigrateRequest:completion-timeout:
   *
   * Seconds before the policy's completion action, overriding the
   * per-GiB timeout (0: the policy's).
   */
  props[PROP_COMPLETION_TIMEOUT] = uint_prop (PROP_COMPLETION_TIMEOUT, "completion-timeout", 86400);
  /**
   * VirtMigrateRequest:policy-stall-window:
   *
   * The policy's stall window in seconds for this migration (0: the
   * settings').
   */
  props[PROP_POLICY_STALL_WINDOW] = uint_prop (PROP_POLICY_STALL_WINDOW, "policy-stall-window", 3600);
  /**
   * VirtMigrateRequest:policy-stall-iterations:
   *
   * The policy's memory passes without gain that count as a stall, for
   * this migration (0: the settings').
   */
  props[PROP_POLICY_STALL_ITERATIONS] = uint_prop (PROP_POLICY_STALL_ITERATIONS, "policy-stall-iterations", 1000);
  /**
   * VirtMigrateRequest:policy-downtime-max:
   *
   * The policy's final downtime step in milliseconds for this migration
   * (0: the settings').
   */
  props[PROP_POLICY_DOWNTIME_MAX] = uint64_prop (PROP_POLICY_DOWNTIME_MAX, "policy-downtime-max", 600000);
  /**
   * VirtMigrateRequest:policy-bandwidth-schedule:
   *
   * The policy's bandwidth schedule (`"SECONDS:MIB"` entries) for this
   * migration (%NULL: the settings').
   */
  props[PROP_POLICY_BANDWIDTH_SCHEDULE] = g_param_spec_boxed ("policy-bandwidth-schedule", NULL, NULL,
                                                              G_TYPE_STRV, RW);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
virt_migrate_request_init (VirtMigrateRequest *self)
{
  self->values = g_new0 (GValue, N_PROPS);
  for (guint i = 1; i < N_PROPS; i++)
    {
      g_value_init (&self->values[i], G_PARAM_SPEC_VALUE_TYPE (props[i]));
      g_param_value_set_default (props[i], &self->values[i]);
    }
}

/**
 * virt_migrate_request_new:
 * @domain: (nullable): the guest's name or UUID
 * @source_uri: (nullable): the source host's libvirt URI
 * @dest_uri: (nullable): the destination host's libvirt URI
 *
 * Creates a request for a managed direct, native, non-live migration with
 * shared storage; set the other properties with g_object_set().
 *
 * Returns: (transfer full): a new #VirtMigrateRequest
 */
VirtMigrateRequest *
virt_migrate_request_new (const char *domain,
                          const char *source_uri,
                          const char *dest_uri)
{
  return g_object_new (VIRT_MIGRATE_TYPE_REQUEST,
                       "domain", domain,
                       "source-uri", source_uri,
                       "dest-uri", dest_uri,
                       NULL);
}

/**
 * virt_migrate_request_copy:
 * @self: a #VirtMigrateRequest
 *
 * Returns: (transfer full): a new request with the same values
 */
VirtMigrateRequest *
virt_migrate_request_copy (VirtMigrateRequest *self)
{
  VirtMigrateRequest *copy;

  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), NULL);

  copy = g_object_new (VIRT_MIGRATE_TYPE_REQUEST, NULL);
  for (guint i = 1; i < N_PROPS; i++)
    g_value_copy (&self->values[i], &copy->values[i]);
  return copy;
}

static const char *
variant_type_hint (GParamSpec *pspec)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

  if (type == G_TYPE_STRING || G_TYPE_IS_ENUM (type))
    return "a string (D-Bus type 's')";
  if (type == G_TYPE_BOOLEAN)
    return "a boolean (D-Bus type 'b')";
  if (type == G_TYPE_STRV)
    return "a string array (D-Bus type 'as')";
  return "an integer (any D-Bus integer type)";
}

/* Reads any D-Bus integer type; returns FALSE if @v is no integer. */
static gboolean
variant_get_integer (GVariant *v,
                     gboolean *negative,
                     guint64  *magnitude)
{
  gint64 s = 0;

  switch (g_variant_classify (v))
    {
    case G_VARIANT_CLASS_BYTE:   *negative = FALSE; *magnitude = g_variant_get_byte (v); return TRUE;
    case G_VARIANT_CLASS_UINT16: *negative = FALSE; *magnitude = g_variant_get_uint16 (v); return TRUE;
    case G_VARIANT_CLASS_UINT32: *negative = FALSE; *magnitude = g_variant_get_uint32 (v); return TRUE;
    case G_VARIANT_CLASS_UINT64: *negative = FALSE; *magnitude = g_variant_get_uint64 (v); return TRUE;
    case G_VARIANT_CLASS_INT16:  s = g_variant_get_int16 (v); break;
    case G_VARIANT_CLASS_INT32:  s = g_variant_get_int32 (v); break;
    case G_VARIANT_CLASS_INT64:  s = g_variant_get_int64 (v); break;
    default:
      return FALSE;
    }
  *negative = s < 0;
  *magnitude = s < 0 ? (guint64) (-(s + 1)) + 1 : (guint64) s;
  return TRUE;
}

static gboolean
integer_range (GParamSpec *pspec,
               gint64     *min,
               guint64    *max)
{
  guint prop = pspec->param_id;

  if (prop == 0 || prop >= N_PROPS || !limits[prop].set)
    return FALSE;
  *min = limits[prop].min;
  *max = limits[prop].max;
  return TRUE;
}

static gboolean
value_from_variant (GParamSpec *pspec,
                    GVariant   *v,
                    GValue     *value,
                    GError    **error)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  const char *key = pspec->name;
  gint64 min;
  guint64 max;

  if (type == G_TYPE_STRING || G_TYPE_IS_ENUM (type))
    {
      const char *s;
      gsize len;
      gsize limit = g_str_has_suffix (key, "-xml") ? MAX_XML_LENGTH : MAX_STRING_LENGTH;

      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
        goto wrong_type;
      s = g_variant_get_string (v, &len);
      if (len > limit)
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                       "Request key '%s' is too long (%" G_GSIZE_FORMAT " bytes, at most %"
                       G_GSIZE_FORMAT ")", key, len, limit);
          return FALSE;
        }
      /* GVariant's text parser lets "\377" through. */
      if (!g_utf8_validate_len (s, len, NULL))
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE,
                       "Request key '%s' is not valid UTF-8", key);
          return FALSE;
        }
      if (type == G_TYPE_STRING)
        {
          g_value_set_string (value, s);
          return TRUE;
        }
      else
        {
          g_autoptr(GEnumClass) klass = g_type_class_ref (type);
          GEnumValue *ev = g_enum_get_value_by_nick (klass, s);
          g_autoptr(GString) valid = g_string_new (NULL);

          if (ev != NULL)
            {
              g_value_set_enum (value, ev->value);
              return TRUE;
            }
          for (guint i = 0; i < klass->n_values; i++)
            g_string_append_printf (valid, "%s'%s'", i > 0 ? ", " : "",
                                    klass->values[i].value_nick);
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                       "Request key '%s' has an unknown value '%s' (expected one of %s)",
                       key, s, valid->str);
          return FALSE;
        }
    }

  if (type == G_TYPE_BOOLEAN)
    {
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
        goto wrong_type;
      g_value_set_boolean (value, g_variant_get_boolean (v));
      return TRUE;
    }

  if (type == G_TYPE_STRV)
    {
      g_autofree const char **strv = NULL;

      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY))
        goto wrong_type;
      strv = g_variant_get_strv (v, NULL);
      for (guint i = 0; strv[i] != NULL; i++)
        {
          if (strlen (strv[i]) > MAX_STRING_LENGTH)
            {
              g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                           "Request key '%s' has an element that is too long", key);
              return FALSE;
            }
          if (!g_utf8_validate (strv[i], -1, NULL))
            {
              g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE,
                           "Request key '%s' has an element that is not valid UTF-8", key);
              return FALSE;
            }
        }
      g_value_set_boxed (value, strv);
      return TRUE;
    }

  if (integer_range (pspec, &min, &max))
    {
      gboolean negative;
      guint64 magnitude;

      if (!variant_get_integer (v, &negative, &magnitude))
        goto wrong_type;
      if ((negative && (min >= 0 || magnitude > (guint64) -(min + 1) + 1)) ||
          (!negative && magnitude > max) ||
          (!negative && min > 0 && magnitude < (guint64) min))
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                       "Request key '%s' is out of range (allowed: %" G_GINT64_FORMAT
                       " to %" G_GUINT64_FORMAT ")", key, min, max);
          return FALSE;
        }
      if (G_IS_PARAM_SPEC_INT (pspec))
        g_value_set_int (value, negative ? -(gint) (magnitude - 1) - 1 : (gint) magnitude);
      else if (G_IS_PARAM_SPEC_UINT (pspec))
        g_value_set_uint (value, (guint) magnitude);
      else
        g_value_set_uint64 (value, magnitude);
      return TRUE;
    }

  g_assert_not_reached ();

wrong_type:
  g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE,
               "Request key '%s' must be %s, not of type '%s'",
               key, variant_type_hint (pspec), g_variant_get_type_string (v));
  return FALSE;
}

/**
 * virt_migrate_request_new_from_variant:
 * @dict: an `a{sv}` dictionary whose keys are #VirtMigrateRequest property names
 * @error: return location for a #GError
 *
 * Builds a request from a dictionary, as received over D-Bus.  Keys that are
 * not request properties, values of the wrong type and values out of range
 * are rejected with %VIRT_MIGRATE_ERROR_UNKNOWN_KEY,
 * %VIRT_MIGRATE_ERROR_WRONG_TYPE or %VIRT_MIGRATE_ERROR_OUT_OF_RANGE and a
 * message naming the key.  The request is not validated as a whole; call
 * virt_migrate_request_validate() for that.
 *
 * Returns: (transfer full): a new request, or %NULL with @error set
 */
VirtMigrateRequest *
virt_migrate_request_new_from_variant (GVariant *dict,
                                       GError  **error)
{
  g_autoptr(VirtMigrateRequest) self = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *v;

  g_return_val_if_fail (dict != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE,
                   "A request must be a dictionary of type 'a{sv}', not '%s'",
                   g_variant_get_type_string (dict));
      return NULL;
    }

  self = g_object_new (VIRT_MIGRATE_TYPE_REQUEST, NULL);
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &v))
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), key);
      g_auto(GValue) value = G_VALUE_INIT;

      if (pspec == NULL)
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_UNKNOWN_KEY,
                       "Unknown request key '%s'", key);
          g_variant_unref (v);
          return NULL;
        }
      g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspec));
      if (!value_from_variant (pspec, v, &value, error))
        {
          g_variant_unref (v);
          return NULL;
        }
      g_object_set_property (G_OBJECT (self), pspec->name, &value);
    }

  return g_steal_pointer (&self);
}

/**
 * virt_migrate_request_to_variant:
 * @self: a #VirtMigrateRequest
 *
 * Converts the request to an `a{sv}` dictionary with one entry per property
 * that differs from its default; virt_migrate_request_new_from_variant()
 * turns it back into an equal request.
 *
 * Returns: (transfer floating): an `a{sv}` #GVariant
 */
GVariant *
virt_migrate_request_to_variant (VirtMigrateRequest *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 1; i < N_PROPS; i++)
    {
      const GValue *value = &self->values[i];
      GType type = G_VALUE_TYPE (value);
      GVariant *v = NULL;

      if (g_param_value_defaults (props[i], value))
        continue;

      if (type == G_TYPE_STRING)
        v = g_variant_new_string (g_value_get_string (value));
      else if (G_TYPE_IS_ENUM (type))
        v = g_variant_new_string (virt_migrate_enum_nick (type, g_value_get_enum (value)));
      else if (type == G_TYPE_BOOLEAN)
        v = g_variant_new_boolean (g_value_get_boolean (value));
      else if (type == G_TYPE_STRV)
        v = g_variant_new_strv (g_value_get_boxed (value), -1);
      else if (type == G_TYPE_INT)
        v = g_variant_new_int32 (g_value_get_int (value));
      else if (type == G_TYPE_UINT)
        v = g_variant_new_uint32 (g_value_get_uint (value));
      else if (type == G_TYPE_UINT64)
        v = g_variant_new_uint64 (g_value_get_uint64 (value));
      else
        g_assert_not_reached ();

      g_variant_builder_add (&builder, "{sv}", props[i]->name, v);
    }
  return g_variant_builder_end (&builder);
}

static const char *
get_string (VirtMigrateRequest *self, guint prop)
{
  const char *s = g_value_get_string (&self->values[prop]);
  return s != NULL && *s != '\0' ? s : NULL;
}

static const char *const *
get_strv (VirtMigrateRequest *self, guint prop)
{
  const char *const *strv = g_value_get_boxed (&self->values[prop]);
  return strv != NULL && strv[0] != NULL ? strv : NULL;
}

#define get_bool(self, prop) g_value_get_boolean (&(self)->values[(prop)])

/**
 * virt_migrate_request_get_domain:
 * @self: a #VirtMigrateRequest
 *
 * Returns: (nullable): the guest's name or UUID
 */
const char *
virt_migrate_request_get_domain (VirtMigrateRequest *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), NULL);
  return get_string (self, PROP_DOMAIN);
}

/**
 * virt_migrate_request_get_source_uri:
 * @self: a #VirtMigrateRequest
 *
 * Returns: (nullable): the source host's libvirt URI
 */
const char *
virt_migrate_request_get_source_uri (VirtMigrateRequest *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), NULL);
  return get_string (self, PROP_SOURCE_URI);
}

/**
 * virt_migrate_request_get_dest_uri:
 * @self: a #VirtMigrateRequest
 *
 * Returns: (nullable): the destination host's libvirt URI
 */
const char *
virt_migrate_request_get_dest_uri (VirtMigrateRequest *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), NULL);
  return get_string (self, PROP_DEST_URI);
}

/**
 * virt_migrate_request_get_hypervisor_uri:
 * @self: a #VirtMigrateRequest
 *
 * Returns: (nullable): the hypervisor migration URI
 */
const char *
virt_migrate_request_get_hypervisor_uri (VirtMigrateRequest *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), NULL);
  return get_string (self, PROP_HYPERVISOR_URI);
}

/**
 * virt_migrate_request_get_flow:
 * @self: a #VirtMigrateRequest
 *
 * Returns: the control flow
 */
VirtMigrateFlow
virt_migrate_request_get_flow (VirtMigrateRequest *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), 0);
  return g_value_get_enum (&self->values[PROP_FLOW]);
}

/**
 * virt_migrate_request_get_transport:
 * @self: a #VirtMigrateRequest
 *
 * Returns: the data transport
 */
VirtMigrateTransport
virt_migrate_request_get_transport (VirtMigrateRequest *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), 0);
  return g_value_get_enum (&self->values[PROP_TRANSPORT]);
}

/**
 * virt_migrate_request_get_storage:
 * @self: a #VirtMigrateRequest
 *
 * Returns: how disks are handled
 */
VirtMigrateStorage
virt_migrate_request_get_storage (VirtMigrateRequest *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), 0);
  return g_value_get_enum (&self->values[PROP_STORAGE]);
}

/**
 * virt_migrate_request_get_offline:
 * @self: a #VirtMigrateRequest
 *
 * Returns: whether only the inactive definition is migrated
 */
gboolean
virt_migrate_request_get_offline (VirtMigrateRequest *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), FALSE);
  return get_bool (self, PROP_OFFLINE);
}

/**
 * virt_migrate_request_get_bandwidth:
 * @self: a #VirtMigrateRequest
 *
 * Returns: the bandwidth cap in MiB/s, 0 for none
 */
guint64
virt_migrate_request_get_bandwidth (VirtMigrateRequest *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), 0);
  return g_value_get_uint64 (&self->values[PROP_BANDWIDTH]);
}

/**
 * virt_migrate_request_get_max_downtime:
 * @self: a #VirtMigrateRequest
 *
 * Returns: the maximum downtime in milliseconds, 0 for the hypervisor's default
 */
guint64
virt_migrate_request_get_max_downtime (VirtMigrateRequest *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), 0);
  return g_value_get_uint64 (&self->values[PROP_MAX_DOWNTIME]);
}

gboolean
virt_migrate_request_get_boolean (VirtMigrateRequest *self,
                                  const char         *property)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), property);

  g_return_val_if_fail (pspec != NULL && pspec->value_type == G_TYPE_BOOLEAN, FALSE);
  return g_value_get_boolean (&self->values[pspec->param_id]);
}

int
virt_migrate_request_get_enum (VirtMigrateRequest *self,
                               const char         *property)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), property);

  g_return_val_if_fail (pspec != NULL && G_TYPE_IS_ENUM (pspec->value_type), 0);
  return g_value_get_enum (&self->values[pspec->param_id]);
}

guint
virt_migrate_request_get_uint (VirtMigrateRequest *self,
                               const char         *property)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), property);

  g_return_val_if_fail (pspec != NULL && pspec->value_type == G_TYPE_UINT, 0);
  return g_value_get_uint (&self->values[pspec->param_id]);
}

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
                 "URIs in hypervisor-uri)", key, uri);
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

      if (!limits[i].set)
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
      if ((negative && (limits[i].min >= 0 || magnitude > (guint64) -limits[i].min)) ||
          (!negative && magnitude > limits[i].max))
        return fail (error, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                     "'%s' is %s%" G_GUINT64_FORMAT ", out of range (allowed: %" G_GINT64_FORMAT
                     " to %" G_GUINT64_FORMAT ")", props[i]->name, negative ? "-" : "", magnitude,
                     limits[i].min, limits[i].max);
    }
  return TRUE;
}

static gboolean
is_unix_libvirt_uri (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED, NULL);
  const char *query;

  if (parsed == NULL)
    return FALSE;
  query = g_uri_get_query (parsed);
  return g_str_has_suffix (g_uri_get_scheme (parsed), "+unix") ||
         (query != NULL && (g_str_has_prefix (query, "socket=") || strstr (query, "&socket=") != NULL));
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
gboolean
virt_migrate_request_validate (VirtMigrateRequest *self,
                               GError            **error)
{
  VirtMigrateFlow flow;
  const char *source_uri, *dest_uri, *hv_uri, *disks_uri;
  const char *const *methods;
  gboolean tunnelled, offline, copy, live, suspend, postcopy, qemu;
  int parallel, disks_port;

  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), FALSE);

  flow = virt_migrate_request_get_flow (self);
  source_uri = get_string (self, PROP_SOURCE_URI);
  dest_uri = get_string (self, PROP_DEST_URI);
  hv_uri = get_string (self, PROP_HYPERVISOR_URI);
  disks_uri = get_string (self, PROP_DISKS_URI);
  tunnelled = virt_migrate_request_get_transport (self) == VIRT_MIGRATE_TRANSPORT_TUNNELLED;
  offline = get_bool (self, PROP_OFFLINE);
  copy = virt_migrate_request_get_storage (self) != VIRT_MIGRATE_STORAGE_SHARED;
  live = get_bool (self, PROP_LIVE);
  suspend = get_bool (self, PROP_SUSPEND);
  postcopy = get_bool (self, PROP_POSTCOPY);
  parallel = g_value_get_int (&self->values[PROP_PARALLEL_CONNECTIONS]);
  disks_port = g_value_get_int (&self->values[PROP_DISKS_PORT]);

  if (!check_ranges (self, error))
    return FALSE;

  /* The three URIs, per flow. */
  if (get_string (self, PROP_DOMAIN) == NULL)
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
  if (dest_uri != NULL && hv_uri == NULL && !tunnelled && !offline &&
      is_unix_libvirt_uri (dest_uri))
    return fail (error, VIRT_MIGRATE_ERROR_UNIX_DEST_NEEDS_MIGRATE_URI,
                 "dest-uri '%s' reaches libvirtd over a UNIX socket, so libvirt cannot guess "
                 "where the hypervisor should listen: set 'hypervisor-uri' (unix:///PATH, "
                 "or tcp://HOST:PORT)", dest_uri);

  /* Transport. */
  if (tunnelled && flow != VIRT_MIGRATE_FLOW_PEER_TO_PEER)
    return fail (error, VIRT_MIGRATE_ERROR_TUNNELLED_NEEDS_P2P,
                 "A tunnelled migration needs the peer-to-peer flow: set flow to 'peer-to-peer'");
  if (tunnelled && !offline)
    {
      const char *what = copy ? "a storage copy ('storage')" :
                         parallel > 0 ? "parallel connections ('parallel-connections')" :
                         postcopy ? "post-copy ('postcopy')" :
                         hv_uri != NULL ? "a hypervisor URI ('hypervisor-uri'; the data goes "
                                          "through libvirtd's connection)" : NULL;
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
      if (!get_bool (self, PROP_PERSIST_DEST))
        return fail (error, VIRT_MIGRATE_ERROR_OFFLINE_NEEDS_PERSIST,
                     "An offline migration only moves the definition: set 'persist-dest' too");
    }

  /* Storage. */
  if (!copy)
    {
      const char *what = get_strv (self, PROP_MIGRATE_DISKS) != NULL ? "migrate-disks" :
                         disks_uri != NULL ? "disks-uri" : disks_port > 0 ? "disks-port" : NULL;
      if (what != NULL)
        return fail (error, VIRT_MIGRATE_ERROR_DISKS_WITHOUT_COPY,
                     "'%s' only applies when disks are copied: set 'storage' to 'copy-all' or "
                     "'copy-incremental'", what);
    }
  if (disks_uri != NULL && disks_port > 0)
    return fail (error, VIRT_MIGRATE_ERROR_DISKS_URI_AND_PORT,
                 "'disks-uri' and 'disks-port' exclude each other: put the port in the URI");
  if (disks_uri != NULL && g_str_has_prefix (disks_uri, "unix:") && get_bool (self, PROP_TLS))
    return fail (error, VIRT_MIGRATE_ERROR_TLS_UNIX_DISKS,
                 "QEMU's NBD server has no TLS over UNIX sockets: use a tcp:// 'disks-uri', "
                 "or drop 'tls'");

  /* Post-copy. */
  if (postcopy && (!live || suspend))
    return fail (error, VIRT_MIGRATE_ERROR_POSTCOPY_CONFLICT,
                 "Post-copy needs a live migration that is not suspended: set 'live'%s",
                 suspend ? " and unset 'suspend'" : "");
  if (get_bool (self, PROP_POSTCOPY_AFTER_PRECOPY) && !postcopy)
    return fail (error, VIRT_MIGRATE_ERROR_POSTCOPY_CONFLICT,
                 "'postcopy-after-precopy' needs 'postcopy'");

  /* Where the destination listens. */
  if (get_string (self, PROP_LISTEN_ADDRESS) != NULL && hv_uri != NULL &&
      g_str_has_prefix (hv_uri, "unix:"))
    return fail (error, VIRT_MIGRATE_ERROR_LISTEN_ADDRESS_WITH_UNIX,
                 "'listen-address' makes no sense with a unix:// 'hypervisor-uri': drop one");

  methods = get_strv (self, PROP_COMPRESSION_METHODS);
  for (guint i = 0; methods != NULL && methods[i] != NULL; i++)
    if (!g_strv_contains (compression_methods, methods[i]))
      return fail (error, VIRT_MIGRATE_ERROR_UNKNOWN_COMPRESSION,
                   "Unknown compression method '%s' in 'compression-methods': libvirt 9.0 "
                   "knows 'xbzrle' and 'mt'", methods[i]);

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
  const guint xml_props[] = { PROP_DEST_XML, PROP_PERSISTENT_XML };

  g_return_val_if_fail (guest_uuid != NULL, FALSE);

  if (!virt_migrate_request_validate (self, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (xml_props); i++)
    {
      g_autofree char *uuid = domain_xml_uuid (get_string (self, xml_props[i]));
      g_autofree char *want = g_ascii_strdown (guest_uuid, -1);

      if (uuid != NULL && !g_str_equal (uuid, want))
        return fail (error, VIRT_MIGRATE_ERROR_DEST_XML_UUID_MISMATCH,
                     "'%s' describes the guest with UUID %s, but '%s' has UUID %s: the XML "
                     "must come from this guest (virsh dumpxml --migratable)",
                     props[xml_props[i]]->name, uuid,
                     virt_migrate_request_get_domain (self), want);
    }
  return TRUE;
}

/* --- mapping to libvirt ----------------------------------------------- */

const char *
virt_migrate_api_to_string (VirtMigrateApi api)
{
  return api == VIRT_MIGRATE_API_MIGRATE3 ? "virDomainMigrate3" : "virDomainMigrateToURI3";
}

void
virt_migrate_call_clear (VirtMigrateCall *call)
{
  virTypedParamsFree (call->params, call->nparams);
  call->params = NULL;
  call->nparams = 0;
  g_clear_pointer (&call->dconnuri, g_free);
}

static int
add_string (VirtMigrateCall *call, int *maxparams, const char *name, const char *value)
{
  if (value == NULL)
    return 0;
  return virTypedParamsAddString (&call->params, &call->nparams, maxparams, name, value);
}

static int
add_strv (VirtMigrateCall *call, int *maxparams, const char *name, const char *const *strv)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    if (virTypedParamsAddString (&call->params, &call->nparams, maxparams, name, strv[i]) < 0)
      return -1;
  return 0;
}

/*
 * virt_migrate_request_build_call:
 *
 * Maps the request onto the libvirt call, flags and typed parameters, exactly
 * as the migration guide describes each flow.
 */
gboolean
virt_migrate_request_build_call (VirtMigrateRequest *self,
                                 VirtMigrateCall    *call,
                                 GError            **error)
{
  static const struct {
    guint prop;
    unsigned int flag;
  } bool_flags[] = {
    { PROP_LIVE, VIR_MIGRATE_LIVE },
    { PROP_OFFLINE, VIR_MIGRATE_OFFLINE },
    { PROP_PERSIST_DEST, VIR_MIGRATE_PERSIST_DEST },
    { PROP_UNDEFINE_SOURCE, VIR_MIGRATE_UNDEFINE_SOURCE },
    { PROP_TLS, VIR_MIGRATE_TLS },
    { PROP_COMPRESSED, VIR_MIGRATE_COMPRESSED },
    { PROP_AUTO_CONVERGE, VIR_MIGRATE_AUTO_CONVERGE },
    { PROP_POSTCOPY, VIR_MIGRATE_POSTCOPY },
    { PROP_SUSPEND, VIR_MIGRATE_PAUSED },
    { PROP_ABORT_ON_ERROR, VIR_MIGRATE_ABORT_ON_ERROR },
    { PROP_UNSAFE, VIR_MIGRATE_UNSAFE },
  };
  VirtMigrateFlow flow = virt_migrate_request_get_flow (self);
  int maxparams = 0;
  int parallel = g_value_get_int (&self->values[PROP_PARALLEL_CONNECTIONS]);
  int disks_port = g_value_get_int (&self->values[PROP_DISKS_PORT]);
  guint64 bandwidth = virt_migrate_request_get_bandwidth (self);
  int rc = 0;

  /* libvirt's typed-parameter helpers need libvirt initialised. */
  virt_migrate_libvirt_init ();
  memset (call, 0, sizeof (*call));

  for (guint i = 0; i < G_N_ELEMENTS (bool_flags); i++)
    if (get_bool (self, bool_flags[i].prop))
      call->flags |= bool_flags[i].flag;

  switch (virt_migrate_request_get_storage (self))
    {
    case VIRT_MIGRATE_STORAGE_COPY_ALL:
      call->flags |= VIR_MIGRATE_NON_SHARED_DISK;
      break;
    case VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL:
      call->flags |= VIR_MIGRATE_NON_SHARED_INC;
      break;
    case VIRT_MIGRATE_STORAGE_SHARED:
    default:
      break;
    }
  if (virt_migrate_request_get_transport (self) == VIRT_MIGRATE_TRANSPORT_TUNNELLED)
    call->flags |= VIR_MIGRATE_TUNNELLED;
  if (parallel > 0)
    call->flags |= VIR_MIGRATE_PARALLEL;

  switch (flow)
    {
    case VIRT_MIGRATE_FLOW_MANAGED_DIRECT:
      call->api = VIRT_MIGRATE_API_MIGRATE3;
      break;
    case VIRT_MIGRATE_FLOW_PEER_TO_PEER:
      call->api = VIRT_MIGRATE_API_MIGRATE_TO_URI3;
      call->flags |= VIR_MIGRATE_PEER2PEER;
      call->dconnuri = g_strdup (get_string (self, PROP_DEST_URI));
      break;
    case VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT:
    default:
      call->api = VIRT_MIGRATE_API_MIGRATE_TO_URI3;
      break;
    }

  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_URI, get_string (self, PROP_HYPERVISOR_URI));
  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_DEST_NAME, get_string (self, PROP_DEST_NAME));
  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_DEST_XML, get_string (self, PROP_DEST_XML));
  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_PERSIST_XML,
                    get_string (self, PROP_PERSISTENT_XML));
  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_LISTEN_ADDRESS,
                    get_string (self, PROP_LISTEN_ADDRESS));
  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_DISKS_URI, get_string (self, PROP_DISKS_URI));
  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_TLS_DESTINATION,
                    get_string (self, PROP_TLS_DESTINATION));
  rc |= add_strv (call, &maxparams, VIR_MIGRATE_PARAM_MIGRATE_DISKS,
                  get_strv (self, PROP_MIGRATE_DISKS));
  rc |= add_strv (call, &maxparams, VIR_MIGRATE_PARAM_COMPRESSION,
                  get_strv (self, PROP_COMPRESSION_METHODS));
  if (bandwidth > 0)
    rc |= virTypedParamsAddULLong (&call->params, &call->nparams, &maxparams,
                                   VIR_MIGRATE_PARAM_BANDWIDTH, bandwidth);
  if (disks_port > 0)
    rc |= virTypedParamsAddInt (&call->params, &call->nparams, &maxparams,
                                VIR_MIGRATE_PARAM_DISKS_PORT, disks_port);
  if (parallel > 0)
    rc |= virTypedParamsAddInt (&call->params, &call->nparams, &maxparams,
                                VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, parallel);

  if (rc != 0)
    {
      virt_migrate_call_clear (call);
      g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED,
                           "Could not build libvirt's migration parameters");
      return FALSE;
    }
  return TRUE;
}
