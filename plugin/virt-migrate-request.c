/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-error.h"
#include "virt-migrate-request-internal.h"


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


GParamSpec *virt_migrate_request_props[N_PROPS];
VirtMigrateRequestLimit virt_migrate_request_limits[N_PROPS];
/* libvirt 9.0 knows these two (qemuMigrationCompressMethod). */
const char *const virt_migrate_request_compression_methods[] = { "xbzrle", "mt", NULL };

G_DEFINE_FINAL_TYPE (VirtMigrateRequest, virt_migrate_request, G_TYPE_OBJECT)

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
  if (self->frozen)
    {
      g_critical ("The request of a job cannot change (%s): copy it with virt_migrate_request_copy()",
                  pspec->name);
      return;
    }
  self->validated = FALSE;
  g_value_unset (&self->values[prop_id]);
  g_value_init (&self->values[prop_id], G_PARAM_SPEC_VALUE_TYPE (pspec));
  /* A destination given as a host name is its qemu+ssh:// URI. */
  if (prop_id == PROP_DEST_URI)
    g_value_take_string (&self->values[prop_id], virt_migrate_uri_for_destination (g_value_get_string (value)));
  else
    g_value_copy (value, &self->values[prop_id]);
}

static void
virt_migrate_request_finalize (GObject *object)
{
  VirtMigrateRequest *self = VIRT_MIGRATE_REQUEST (object);

  for (guint i = 1; i < N_PROPS; i++)
    g_value_unset (&self->values[i]);
  g_free (self->values);
  if (self->call != NULL)
    {
      virt_migrate_call_clear (self->call);
      g_free (self->call);
    }

  G_OBJECT_CLASS (virt_migrate_request_parent_class)->finalize (object);
}

#define RW (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

/* Integer properties: the whole type's range, the real one in virt_migrate_request_limits[]. */
static GParamSpec *
int_prop (guint prop, const char *name, gint min, gint max)
{
  virt_migrate_request_limits[prop] = (VirtMigrateRequestLimit) { TRUE, min, (guint64) max };
  return g_param_spec_int (name, NULL, NULL, G_MININT, G_MAXINT, 0, RW);
}

static GParamSpec *
uint_prop (guint prop, const char *name, guint max)
{
  virt_migrate_request_limits[prop] = (VirtMigrateRequestLimit) { TRUE, 0, max };
  return g_param_spec_uint (name, NULL, NULL, 0, G_MAXUINT, 0, RW);
}

static GParamSpec *
uint64_prop (guint prop, const char *name, guint64 max)
{
  virt_migrate_request_limits[prop] = (VirtMigrateRequestLimit) { TRUE, 0, max };
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
  virt_migrate_request_props[PROP_DOMAIN] = g_param_spec_string ("domain", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:source-uri:
   *
   * The libvirt connection URI of the source host (the first URI of the
   * migration guide), e.g. `qemu:///system` or `qemu+ssh://src/system`.
   */
  virt_migrate_request_props[PROP_SOURCE_URI] = g_param_spec_string ("source-uri", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:dest-uri:
   *
   * The libvirt connection URI of the destination host (the second URI).  In
   * a peer-to-peer migration it is used by the source libvirtd, so it must
   * be reachable from the source host with the source daemon's credentials.
   * Not used by an unmanaged direct migration.  A host name given instead
   * (`host2`, `user@host2`, `host2:2222`) is stored as the URI
   * virt_migrate_uri_for_destination() makes of it,
   * `qemu+ssh://host2/system`.
   */
  virt_migrate_request_props[PROP_DEST_URI] = g_param_spec_string ("dest-uri", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:hypervisor-uri:
   *
   * The hypervisor-specific migration URI (the third URI,
   * `VIR_MIGRATE_PARAM_URI`), e.g. `tcp://10.0.0.1:49152` or
   * `unix:///run/migration.sock`.  Optional in managed flows, compulsory in
   * an unmanaged direct one.
   */
  virt_migrate_request_props[PROP_HYPERVISOR_URI] = g_param_spec_string ("hypervisor-uri", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:flow:
   *
   * The control flow.
   */
  virt_migrate_request_props[PROP_FLOW] = g_param_spec_enum ("flow", NULL, NULL, VIRT_MIGRATE_TYPE_FLOW,
                                        VIRT_MIGRATE_FLOW_MANAGED_DIRECT, RW);
  /**
   * VirtMigrateRequest:transport:
   *
   * The data transport; tunnelled needs the peer-to-peer flow.
   */
  virt_migrate_request_props[PROP_TRANSPORT] = g_param_spec_enum ("transport", NULL, NULL, VIRT_MIGRATE_TYPE_TRANSPORT,
                                             VIRT_MIGRATE_TRANSPORT_NATIVE, RW);
  /**
   * VirtMigrateRequest:live:
   *
   * Keep the guest running while its memory is copied (`VIR_MIGRATE_LIVE`).
   * Without it libvirt pauses the guest for the whole migration.
   */
  virt_migrate_request_props[PROP_LIVE] = g_param_spec_boolean ("live", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:offline:
   *
   * Migrate only the inactive definition (`VIR_MIGRATE_OFFLINE`); needs
   * #VirtMigrateRequest:persist-dest.
   */
  virt_migrate_request_props[PROP_OFFLINE] = g_param_spec_boolean ("offline", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:persist-dest:
   *
   * Leave a persistent configuration on the destination
   * (`VIR_MIGRATE_PERSIST_DEST`, virsh's `--persistent`).
   */
  virt_migrate_request_props[PROP_PERSIST_DEST] = g_param_spec_boolean ("persist-dest", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:undefine-source:
   *
   * Remove the configuration from the source after a successful migration
   * (`VIR_MIGRATE_UNDEFINE_SOURCE`).
   */
  virt_migrate_request_props[PROP_UNDEFINE_SOURCE] = g_param_spec_boolean ("undefine-source", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:storage:
   *
   * Whether and how local disk images are copied.
   */
  virt_migrate_request_props[PROP_STORAGE] = g_param_spec_enum ("storage", NULL, NULL, VIRT_MIGRATE_TYPE_STORAGE,
                                           VIRT_MIGRATE_STORAGE_SHARED, RW);
  /**
   * VirtMigrateRequest:migrate-disks:
   *
   * Target names (`vda`, `sdb`) of the disks to copy
   * (`VIR_MIGRATE_PARAM_MIGRATE_DISKS`); all writable disks when unset.
   */
  virt_migrate_request_props[PROP_MIGRATE_DISKS] = g_param_spec_boxed ("migrate-disks", NULL, NULL, G_TYPE_STRV, RW);
  /**
   * VirtMigrateRequest:disks-uri:
   *
   * Where the destination's NBD server listens for the disk copy
   * (`VIR_MIGRATE_PARAM_DISKS_URI`), e.g. `unix:///run/nbd.sock`.
   */
  virt_migrate_request_props[PROP_DISKS_URI] = g_param_spec_string ("disks-uri", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:disks-port:
   *
   * TCP port of the destination's NBD server (`VIR_MIGRATE_PARAM_DISKS_PORT`);
   * 0 lets libvirt choose.
   */
  virt_migrate_request_props[PROP_DISKS_PORT] = int_prop (PROP_DISKS_PORT, "disks-port", 0, 65535);
  /**
   * VirtMigrateRequest:dest-xml:
   *
   * A domain XML to use on the destination (`VIR_MIGRATE_PARAM_DEST_XML`),
   * e.g. with rewritten disk paths; it must describe the same guest (same UUID).
   */
  virt_migrate_request_props[PROP_DEST_XML] = g_param_spec_string ("dest-xml", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:persistent-xml:
   *
   * The persistent configuration to define on the destination
   * (`VIR_MIGRATE_PARAM_PERSIST_XML`), with #VirtMigrateRequest:persist-dest.
   */
  virt_migrate_request_props[PROP_PERSISTENT_XML] = g_param_spec_string ("persistent-xml", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:dest-name:
   *
   * A new name for the guest on the destination (`VIR_MIGRATE_PARAM_DEST_NAME`).
   */
  virt_migrate_request_props[PROP_DEST_NAME] = g_param_spec_string ("dest-name", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:listen-address:
   *
   * The address the destination hypervisor listens on for the incoming
   * migration (`VIR_MIGRATE_PARAM_LISTEN_ADDRESS`).
   */
  virt_migrate_request_props[PROP_LISTEN_ADDRESS] = g_param_spec_string ("listen-address", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:bandwidth:
   *
   * Bandwidth cap in MiB/s (`VIR_MIGRATE_PARAM_BANDWIDTH`); 0 means no cap.
   */
  virt_migrate_request_props[PROP_BANDWIDTH] = uint64_prop (PROP_BANDWIDTH, "bandwidth", BANDWIDTH_MAX);
  /**
   * VirtMigrateRequest:max-downtime:
   *
   * The longest pause the guest may see at switch-over, in milliseconds
   * (`virDomainMigrateSetMaxDowntime()`, applied once the migration runs);
   * 0 keeps the hypervisor's default.
   */
  virt_migrate_request_props[PROP_MAX_DOWNTIME] = uint64_prop (PROP_MAX_DOWNTIME, "max-downtime", 2000000);
  /**
   * VirtMigrateRequest:tls:
   *
   * Encrypt the native migration stream with TLS (`VIR_MIGRATE_TLS`).
   */
  virt_migrate_request_props[PROP_TLS] = g_param_spec_boolean ("tls", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:tls-destination:
   *
   * The host name the destination's TLS certificate is checked against
   * (`VIR_MIGRATE_PARAM_TLS_DESTINATION`), when it differs from the one in
   * the migration URI. Only with #VirtMigrateRequest:tls: libvirt ignores it
   * otherwise, so a request with it alone is refused.
   */
  virt_migrate_request_props[PROP_TLS_DESTINATION] = g_param_spec_string ("tls-destination", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:compressed:
   *
   * Compress the migration stream (`VIR_MIGRATE_COMPRESSED`).
   */
  virt_migrate_request_props[PROP_COMPRESSED] = g_param_spec_boolean ("compressed", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:compression-methods:
   *
   * Compression methods (`VIR_MIGRATE_PARAM_COMPRESSION`): `xbzrle` and/or
   * `mt`, the two libvirt 9.0 knows; libvirt's default (`xbzrle`) when unset.
   */
  virt_migrate_request_props[PROP_COMPRESSION_METHODS] = g_param_spec_boxed ("compression-methods", NULL, NULL,
                                                        G_TYPE_STRV, RW);
  /**
   * VirtMigrateRequest:parallel-connections:
   *
   * Migrate over this many connections at once (`VIR_MIGRATE_PARALLEL` and
   * `VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS`); 0 means one connection.
   */
  virt_migrate_request_props[PROP_PARALLEL_CONNECTIONS] = int_prop (PROP_PARALLEL_CONNECTIONS, "parallel-connections", 0, 255);
  /**
   * VirtMigrateRequest:auto-converge:
   *
   * Let the hypervisor throttle the guest's CPUs if the migration does not
   * converge (`VIR_MIGRATE_AUTO_CONVERGE`).
   */
  virt_migrate_request_props[PROP_AUTO_CONVERGE] = g_param_spec_boolean ("auto-converge", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:postcopy:
   *
   * Allow switching to post-copy (`VIR_MIGRATE_POSTCOPY`); the switch itself
   * is made by virt_migrate_job_start_postcopy() or
   * #VirtMigrateRequest:postcopy-after-precopy.
   */
  virt_migrate_request_props[PROP_POSTCOPY] = g_param_spec_boolean ("postcopy", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:postcopy-after-precopy:
   *
   * Switch to post-copy automatically once the first pass over memory is
   * done (like virsh's `--postcopy-after-precopy`); needs
   * #VirtMigrateRequest:postcopy.
   */
  virt_migrate_request_props[PROP_POSTCOPY_AFTER_PRECOPY] = g_param_spec_boolean ("postcopy-after-precopy", NULL, NULL,
                                                             FALSE, RW);
  /**
   * VirtMigrateRequest:suspend:
   *
   * Leave the guest paused on the destination (`VIR_MIGRATE_PAUSED`).
   */
  virt_migrate_request_props[PROP_SUSPEND] = g_param_spec_boolean ("suspend", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:abort-on-error:
   *
   * Abort the migration on an I/O error of a disk (`VIR_MIGRATE_ABORT_ON_ERROR`).
   */
  virt_migrate_request_props[PROP_ABORT_ON_ERROR] = g_param_spec_boolean ("abort-on-error", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:unsafe:
   *
   * Migrate even where libvirt considers it unsafe, e.g. a disk left
   * uncopied on a file system it counts as local, which the destination
   * must then see all the same (`VIR_MIGRATE_UNSAFE`).
   */
  virt_migrate_request_props[PROP_UNSAFE] = g_param_spec_boolean ("unsafe", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:convergence-policy:
   *
   * Whether a #VirtMigrateManager gives the job its convergence policy
   * (#VirtMigratePolicy, from the settings).
   */
  virt_migrate_request_props[PROP_CONVERGENCE_POLICY] = g_param_spec_boolean ("convergence-policy", NULL, NULL, TRUE, RW);
  /**
   * VirtMigrateRequest:completion-action:
   *
   * What the policy does at the completion timeout, overriding the
   * settings' (%VIRT_MIGRATE_POLICY_ACTION_DEFAULT: the settings' choice).
   */
  virt_migrate_request_props[PROP_COMPLETION_ACTION] = g_param_spec_enum ("completion-action", NULL, NULL,
                                                     VIRT_MIGRATE_TYPE_POLICY_ACTION,
                                                     VIRT_MIGRATE_POLICY_ACTION_DEFAULT, RW);
  /**
   * VirtMigrateRequest:completion-timeout:
   *
   * Seconds before the policy's completion action, overriding the
   * per-GiB timeout (0: the policy's).
   */
  virt_migrate_request_props[PROP_COMPLETION_TIMEOUT] = uint_prop (PROP_COMPLETION_TIMEOUT, "completion-timeout", 86400);
  /**
   * VirtMigrateRequest:policy-stall-window:
   *
   * The policy's stall window in seconds for this migration (0: the
   * settings').
   */
  virt_migrate_request_props[PROP_POLICY_STALL_WINDOW] = uint_prop (PROP_POLICY_STALL_WINDOW, "policy-stall-window", 3600);
  /**
   * VirtMigrateRequest:policy-stall-iterations:
   *
   * The policy's memory passes without gain that count as a stall, for
   * this migration (0: the settings').
   */
  virt_migrate_request_props[PROP_POLICY_STALL_ITERATIONS] = uint_prop (PROP_POLICY_STALL_ITERATIONS, "policy-stall-iterations", 1000);
  /**
   * VirtMigrateRequest:policy-downtime-max:
   *
   * The policy's final downtime step in milliseconds for this migration
   * (0: the settings').
   */
  virt_migrate_request_props[PROP_POLICY_DOWNTIME_MAX] = uint64_prop (PROP_POLICY_DOWNTIME_MAX, "policy-downtime-max", 600000);
  /**
   * VirtMigrateRequest:policy-bandwidth-schedule:
   *
   * The policy's bandwidth schedule (`"SECONDS:MIB"` entries) for this
   * migration (%NULL: the settings').
   */
  virt_migrate_request_props[PROP_POLICY_BANDWIDTH_SCHEDULE] = g_param_spec_boxed ("policy-bandwidth-schedule", NULL, NULL,
                                                              G_TYPE_STRV, RW);

  /**
   * VirtMigrateRequest:force:
   *
   * Migrate even when a pre-flight check finds a blocker (a guest of the
   * same name on the destination, too little memory there…): libvirt
   * decides. The plan lists it.
   */
  virt_migrate_request_props[PROP_FORCE] = g_param_spec_boolean ("force", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:postcopy-resume:
   *
   * Resume a post-copy migration whose stream broke
   * (`VIR_MIGRATE_POSTCOPY_RESUME`, libvirt 8.5 and later; virsh's
   * `--postcopy-resume`): the guest runs on the destination in
   * "post-copy failed" state and is paused on the source; the same flow and
   * URIs as the migration that failed. Needs #VirtMigrateRequest:postcopy.
   * A job resumes by itself when its post-copy fails (see
   * #VirtMigrateRequest:postcopy-recovery-timeout); this is for a person
   * (or virt_migrate_manager_recover()) after that.
   */
  virt_migrate_request_props[PROP_POSTCOPY_RESUME] = g_param_spec_boolean ("postcopy-resume", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:postcopy-bandwidth:
   *
   * The bandwidth cap in MiB/s once in post-copy
   * (`VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY`; 0: unlimited); virsh's
   * `--postcopy-bandwidth`.
   */
  virt_migrate_request_props[PROP_POSTCOPY_BANDWIDTH] = uint64_prop (PROP_POSTCOPY_BANDWIDTH, "postcopy-bandwidth",
                                                                     BANDWIDTH_MAX);
  /**
   * VirtMigrateRequest:postcopy-recovery-timeout:
   *
   * When this migration's post-copy fails (the stream broke: the guest is
   * split between the hosts), how many seconds the job keeps trying to
   * resume it (`VIR_MIGRATE_POSTCOPY_RESUME`, with back-off) before it
   * gives up and reports the failure; 0: the settings'
   * #VirtMigrateSettings:postcopy-recovery-timeout.
   */
  virt_migrate_request_props[PROP_POSTCOPY_RECOVERY_TIMEOUT] = uint_prop (PROP_POSTCOPY_RECOVERY_TIMEOUT,
                                                                          "postcopy-recovery-timeout", 86400);
  /**
   * VirtMigrateRequest:zerocopy:
   *
   * Send memory pages without copying them (`VIR_MIGRATE_ZEROCOPY`; virsh's
   * `--zerocopy`); libvirt 9.0 allows it only with
   * #VirtMigrateRequest:parallel.
   */
  virt_migrate_request_props[PROP_ZEROCOPY] = g_param_spec_boolean ("zerocopy", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:parallel:
   *
   * Migrate over several connections (`VIR_MIGRATE_PARALLEL`; virsh's
   * `--parallel`), libvirt's default count unless
   * #VirtMigrateRequest:parallel-connections says.
   */
  virt_migrate_request_props[PROP_PARALLEL] = g_param_spec_boolean ("parallel", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:change-protection:
   *
   * Refuse changes to the guest's configuration while it migrates
   * (`VIR_MIGRATE_CHANGE_PROTECTION`; virsh's `--change-protection`).
   */
  virt_migrate_request_props[PROP_CHANGE_PROTECTION] = g_param_spec_boolean ("change-protection", NULL, NULL,
                                                                             FALSE, RW);
  /**
   * VirtMigrateRequest:rdma-pin-all:
   *
   * Pin all the guest's memory before an RDMA migration
   * (`VIR_MIGRATE_RDMA_PIN_ALL`; virsh's `--rdma-pin-all`); needs an
   * `rdma://` #VirtMigrateRequest:hypervisor-uri.
   */
  virt_migrate_request_props[PROP_RDMA_PIN_ALL] = g_param_spec_boolean ("rdma-pin-all", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:copy-storage-synchronous-writes:
   *
   * During a storage copy, make the guest's writes wait for the mirror
   * (`VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES`): a busy disk converges.
   * Needs a storage copy.
   */
  virt_migrate_request_props[PROP_COPY_STORAGE_SYNCHRONOUS_WRITES] =
    g_param_spec_boolean ("copy-storage-synchronous-writes", NULL, NULL, FALSE, RW);
  /**
   * VirtMigrateRequest:graphics-uri:
   *
   * Where graphical clients reconnect after the migration
   * (`VIR_MIGRATE_PARAM_GRAPHICS_URI`, e.g. `spice://HOST:PORT`; virsh's
   * `--graphicsuri`).
   */
  virt_migrate_request_props[PROP_GRAPHICS_URI] = g_param_spec_string ("graphics-uri", NULL, NULL, NULL, RW);
  /**
   * VirtMigrateRequest:comp-mt-level:
   *
   * The multithread compression level, 0 to 9
   * (`VIR_MIGRATE_PARAM_COMPRESSION_MT_LEVEL`; -1: QEMU's default); needs
   * `mt` in #VirtMigrateRequest:compression-methods.
   */
  virt_migrate_request_limits[PROP_COMP_MT_LEVEL] = (VirtMigrateRequestLimit) { TRUE, -1, 9 };
  virt_migrate_request_props[PROP_COMP_MT_LEVEL] = g_param_spec_int ("comp-mt-level", NULL, NULL, G_MININT,
                                                                     G_MAXINT, -1, RW);
  /**
   * VirtMigrateRequest:comp-mt-threads:
   *
   * Compression threads (`VIR_MIGRATE_PARAM_COMPRESSION_MT_THREADS`; 0:
   * QEMU's default); needs `mt` compression.
   */
  virt_migrate_request_props[PROP_COMP_MT_THREADS] = uint_prop (PROP_COMP_MT_THREADS, "comp-mt-threads", 255);
  /**
   * VirtMigrateRequest:comp-mt-dthreads:
   *
   * Decompression threads on the destination
   * (`VIR_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS`; 0: QEMU's default); needs
   * `mt` compression.
   */
  virt_migrate_request_props[PROP_COMP_MT_DTHREADS] = uint_prop (PROP_COMP_MT_DTHREADS, "comp-mt-dthreads", 255);
  /**
   * VirtMigrateRequest:comp-xbzrle-cache:
   *
   * The XBZRLE cache in bytes (`VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE`;
   * 0: QEMU's default, 64 MiB); needs `xbzrle` compression.
   */
  virt_migrate_request_props[PROP_COMP_XBZRLE_CACHE] = uint64_prop (PROP_COMP_XBZRLE_CACHE, "comp-xbzrle-cache",
                                                                    G_MAXUINT64);
  /**
   * VirtMigrateRequest:auto-converge-initial:
   *
   * The first CPU throttle of auto-convergence, in percent
   * (`VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL`; 0: QEMU's 20); needs
   * #VirtMigrateRequest:auto-converge.
   */
  virt_migrate_request_props[PROP_AUTO_CONVERGE_INITIAL] = uint_prop (PROP_AUTO_CONVERGE_INITIAL,
                                                                      "auto-converge-initial", 100);
  /**
   * VirtMigrateRequest:auto-converge-increment:
   *
   * How much auto-convergence raises the throttle each time, in percent
   * (`VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT`; 0: QEMU's 10); needs
   * #VirtMigrateRequest:auto-converge.
   */
  virt_migrate_request_props[PROP_AUTO_CONVERGE_INCREMENT] = uint_prop (PROP_AUTO_CONVERGE_INCREMENT,
                                                                        "auto-converge-increment", 100);
  /**
   * VirtMigrateRequest:disk-map:
   *
   * Where the disks go on the destination, instead of a hand-written
   * #VirtMigrateRequest:dest-xml: `"SRC=DST"` entries, SRC a path or a
   * directory on the source, DST a directory (or path) on the destination
   * or the name of one of its storage pools. The destination XML is the
   * guest's with its disk sources mapped; with a storage copy, images
   * missing there are created through the destination's storage API (in a
   * pool covering their directory, or a transient one) and removed again
   * if the migration fails or is cancelled.
   */
  virt_migrate_request_props[PROP_DISK_MAP] = g_param_spec_boxed ("disk-map", NULL, NULL, G_TYPE_STRV, RW);
  /**
   * VirtMigrateRequest:network-map:
   *
   * `"SRC=DST"` entries: the guest's interfaces on libvirt network SRC use
   * network DST on the destination.
   */
  virt_migrate_request_props[PROP_NETWORK_MAP] = g_param_spec_boxed ("network-map", NULL, NULL, G_TYPE_STRV, RW);

  g_object_class_install_properties (object_class, N_PROPS, virt_migrate_request_props);
}

static void
virt_migrate_request_init (VirtMigrateRequest *self)
{
  self->values = g_new0 (GValue, N_PROPS);
  for (guint i = 1; i < N_PROPS; i++)
    {
      g_value_init (&self->values[i], G_PARAM_SPEC_VALUE_TYPE (virt_migrate_request_props[i]));
      g_param_value_set_default (virt_migrate_request_props[i], &self->values[i]);
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
  /* The same values: the same answer; a copy can change again. */
  copy->validated = self->validated;
  return copy;
}

/* A job's own copy: any later change is refused (a critical), so what runs
 * is what was validated and shown. */
void
virt_migrate_request_freeze (VirtMigrateRequest *self)
{
  g_return_if_fail (VIRT_MIGRATE_IS_REQUEST (self));
  if (self->frozen)
    return;
  self->frozen = TRUE;
  /* Its libvirt call, made once: the job shows it, the backend makes it. */
  self->call = g_new0 (VirtMigrateCall, 1);
  virt_migrate_request_build_call (self, self->call, NULL);
}

/* @self if frozen (a new reference), else a frozen copy of it: what a job
 * and its backend hold, which cannot change under the run. */
VirtMigrateRequest *
virt_migrate_request_frozen (VirtMigrateRequest *self)
{
  VirtMigrateRequest *frozen;

  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), NULL);
  if (self->frozen)
    return g_object_ref (self);
  frozen = virt_migrate_request_copy (self);
  virt_migrate_request_freeze (frozen);
  return frozen;
}

gboolean
virt_migrate_request_is_frozen (VirtMigrateRequest *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), FALSE);
  return self->frozen;
}



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
  return request_get_string (self, PROP_DOMAIN);
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
  return request_get_string (self, PROP_SOURCE_URI);
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
  return request_get_string (self, PROP_DEST_URI);
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
  return request_get_string (self, PROP_HYPERVISOR_URI);
}

/* The host the guest goes to, as the history and the per-host limits name
 * it: the destination's connection URI, or for unmanaged direct (no
 * destination libvirtd) the hypervisor URI. */
const char *
virt_migrate_request_get_destination_host (VirtMigrateRequest *self)
{
  const char *dest = virt_migrate_request_get_dest_uri (self);

  return dest != NULL ? dest : virt_migrate_request_get_hypervisor_uri (self);
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
  return request_get_bool (self, PROP_OFFLINE);
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

/* Typed private accessors for the keys the job, the manager and the
 * backend read (virt-migrate-request-private.h). */
#define BOOL_ACCESSOR(name, prop) \
  gboolean virt_migrate_request_get_##name (VirtMigrateRequest *self) \
  { \
    g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), FALSE); \
    return request_get_bool (self, prop); \
  }
#define UINT_ACCESSOR(name, prop) \
  guint virt_migrate_request_get_##name (VirtMigrateRequest *self) \
  { \
    g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), 0); \
    return g_value_get_uint (&self->values[prop]); \
  }
BOOL_ACCESSOR (live, PROP_LIVE)
BOOL_ACCESSOR (persist_dest, PROP_PERSIST_DEST)
BOOL_ACCESSOR (undefine_source, PROP_UNDEFINE_SOURCE)
BOOL_ACCESSOR (postcopy, PROP_POSTCOPY)
BOOL_ACCESSOR (postcopy_after_precopy, PROP_POSTCOPY_AFTER_PRECOPY)
BOOL_ACCESSOR (suspend, PROP_SUSPEND)
BOOL_ACCESSOR (convergence_policy, PROP_CONVERGENCE_POLICY)
UINT_ACCESSOR (completion_timeout, PROP_COMPLETION_TIMEOUT)
UINT_ACCESSOR (postcopy_recovery_timeout, PROP_POSTCOPY_RECOVERY_TIMEOUT)
BOOL_ACCESSOR (postcopy_resume, PROP_POSTCOPY_RESUME)
UINT_ACCESSOR (policy_stall_window, PROP_POLICY_STALL_WINDOW)
UINT_ACCESSOR (policy_stall_iterations, PROP_POLICY_STALL_ITERATIONS)
UINT_ACCESSOR (auto_converge_initial, PROP_AUTO_CONVERGE_INITIAL)
UINT_ACCESSOR (auto_converge_increment, PROP_AUTO_CONVERGE_INCREMENT)

VirtMigratePolicyAction
virt_migrate_request_get_completion_action (VirtMigrateRequest *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), VIRT_MIGRATE_POLICY_ACTION_DEFAULT);
  return g_value_get_enum (&self->values[PROP_COMPLETION_ACTION]);
}
