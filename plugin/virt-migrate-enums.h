/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRT_MIGRATE_H_INSIDE__) && !defined(VIRT_MIGRATE_COMPILATION)
#error "Only <virt-migrate.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * VirtMigrateFlow:
 * @VIRT_MIGRATE_FLOW_MANAGED_DIRECT: the client drives every phase over two
 *   libvirt connections it opens itself (`virDomainMigrate3()`).
 * @VIRT_MIGRATE_FLOW_PEER_TO_PEER: the client only talks to the source
 *   libvirtd, which connects to the destination libvirtd itself
 *   (`virDomainMigrateToURI3()` with `VIR_MIGRATE_PEER2PEER`).
 * @VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT: the source hypervisor's own management
 *   layer moves the guest; there is no destination libvirtd
 *   (`virDomainMigrateToURI3()` without `VIR_MIGRATE_PEER2PEER`).
 *
 * The control flow of a migration, as described in libvirt's migration guide.
 */
typedef enum {
  VIRT_MIGRATE_FLOW_MANAGED_DIRECT,
  VIRT_MIGRATE_FLOW_PEER_TO_PEER,
  VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT,
} VirtMigrateFlow;

/**
 * VirtMigrateTransport:
 * @VIRT_MIGRATE_TRANSPORT_NATIVE: the hypervisor's own data connection.
 * @VIRT_MIGRATE_TRANSPORT_TUNNELLED: the data travels inside the libvirtd
 *   connection (`VIR_MIGRATE_TUNNELLED`, peer-to-peer only).
 *
 * How the migration data travels between the hosts.
 */
typedef enum {
  VIRT_MIGRATE_TRANSPORT_NATIVE,
  VIRT_MIGRATE_TRANSPORT_TUNNELLED,
} VirtMigrateTransport;

/**
 * VirtMigrateStorage:
 * @VIRT_MIGRATE_STORAGE_SHARED: disks are shared between the hosts; nothing is copied.
 * @VIRT_MIGRATE_STORAGE_COPY_ALL: copy whole disk images (`VIR_MIGRATE_NON_SHARED_DISK`).
 * @VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL: copy only the top image of each
 *   backing chain (`VIR_MIGRATE_NON_SHARED_INC`).
 *
 * What happens to the guest's disks.
 */
typedef enum {
  VIRT_MIGRATE_STORAGE_SHARED,
  VIRT_MIGRATE_STORAGE_COPY_ALL,
  VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL,
} VirtMigrateStorage;

/**
 * VirtMigrateJobState:
 * @VIRT_MIGRATE_JOB_STATE_PENDING: created, not started yet.
 * @VIRT_MIGRATE_JOB_STATE_PREPARING: connecting and looking up the guest.
 * @VIRT_MIGRATE_JOB_STATE_RUNNING: libvirt is migrating the guest.
 * @VIRT_MIGRATE_JOB_STATE_POSTCOPY: the guest runs on the destination while
 *   the rest of its memory is pulled over; it can no longer be cancelled.
 * @VIRT_MIGRATE_JOB_STATE_COMPLETING: libvirt finished; collecting final statistics.
 * @VIRT_MIGRATE_JOB_STATE_SUCCEEDED: the guest was migrated.
 * @VIRT_MIGRATE_JOB_STATE_FAILED: the migration failed; see #VirtMigrateJob:error.
 * @VIRT_MIGRATE_JOB_STATE_CANCELLED: the migration was cancelled; the guest
 *   stays on the source.
 * @VIRT_MIGRATE_JOB_STATE_RECOVERING: post-copy failed (the stream broke:
 *   the guest is paused on the source and runs on the destination); the job
 *   is resuming it with `VIR_MIGRATE_POSTCOPY_RESUME`, retrying with
 *   back-off for #VirtMigrateRequest:postcopy-recovery-timeout seconds.
 *
 * The life cycle of a #VirtMigrateJob.
 */
typedef enum {
  VIRT_MIGRATE_JOB_STATE_PENDING,
  VIRT_MIGRATE_JOB_STATE_PREPARING,
  VIRT_MIGRATE_JOB_STATE_RUNNING,
  VIRT_MIGRATE_JOB_STATE_POSTCOPY,
  VIRT_MIGRATE_JOB_STATE_COMPLETING,
  VIRT_MIGRATE_JOB_STATE_SUCCEEDED,
  VIRT_MIGRATE_JOB_STATE_FAILED,
  VIRT_MIGRATE_JOB_STATE_CANCELLED,
  VIRT_MIGRATE_JOB_STATE_RECOVERING,
} VirtMigrateJobState;

/**
 * VirtMigratePhase:
 * @VIRT_MIGRATE_PHASE_NONE: not started (or waiting in a manager's queue).
 * @VIRT_MIGRATE_PHASE_CONNECTING: connecting to the hosts and looking up the guest.
 * @VIRT_MIGRATE_PHASE_COPYING_DISKS: copying the guest's disks (a storage copy).
 * @VIRT_MIGRATE_PHASE_MEMORY: sending the guest's memory, pass after pass
 *   (#VirtMigrateJob:iteration says which).
 * @VIRT_MIGRATE_PHASE_SWITCH_OVER: the guest is paused on the source while
 *   the last pages and the device state go.
 * @VIRT_MIGRATE_PHASE_POSTCOPY: the guest runs on the destination; the rest
 *   of its memory follows on demand.
 * @VIRT_MIGRATE_PHASE_FINISHING: libvirt finished; final statistics and the
 *   configuration check.
 * @VIRT_MIGRATE_PHASE_DONE: the job ended (see #VirtMigrateJob:state).
 *
 * What a migration is doing now: what a person needs to read a progress
 * bar that stands still.
 */
typedef enum {
  VIRT_MIGRATE_PHASE_NONE,
  VIRT_MIGRATE_PHASE_CONNECTING,
  VIRT_MIGRATE_PHASE_COPYING_DISKS,
  VIRT_MIGRATE_PHASE_MEMORY,
  VIRT_MIGRATE_PHASE_SWITCH_OVER,
  VIRT_MIGRATE_PHASE_POSTCOPY,
  VIRT_MIGRATE_PHASE_FINISHING,
  VIRT_MIGRATE_PHASE_DONE,
} VirtMigratePhase;

/**
 * VirtMigrateGuestType:
 * @VIRT_MIGRATE_GUEST_TYPE_TRANSIENT: the guest exists only while it runs.
 * @VIRT_MIGRATE_GUEST_TYPE_PERSISTENT: the guest has a stored configuration.
 *
 * Whether a guest has a configuration stored by libvirt.
 */
typedef enum {
  VIRT_MIGRATE_GUEST_TYPE_TRANSIENT,
  VIRT_MIGRATE_GUEST_TYPE_PERSISTENT,
} VirtMigrateGuestType;

/**
 * VirtMigrateSourceConfig:
 * @VIRT_MIGRATE_SOURCE_CONFIG_NONE: the source had no configuration (transient guest).
 * @VIRT_MIGRATE_SOURCE_CONFIG_KEPT: the source's configuration stays.
 * @VIRT_MIGRATE_SOURCE_CONFIG_REMOVED: the source's configuration is removed
 *   (`undefine-source`).
 *
 * What a migration does to the source host's configuration of the guest.
 */
typedef enum {
  VIRT_MIGRATE_SOURCE_CONFIG_NONE,
  VIRT_MIGRATE_SOURCE_CONFIG_KEPT,
  VIRT_MIGRATE_SOURCE_CONFIG_REMOVED,
} VirtMigrateSourceConfig;

/**
 * VirtMigrateDestConfig:
 * @VIRT_MIGRATE_DEST_CONFIG_NONE: no configuration on the destination afterwards.
 * @VIRT_MIGRATE_DEST_CONFIG_CREATED: a configuration is created from the source's.
 * @VIRT_MIGRATE_DEST_CONFIG_UNCHANGED: the destination's existing configuration stays as it was.
 * @VIRT_MIGRATE_DEST_CONFIG_REPLACED: the destination's existing configuration
 *   is replaced with the source's.
 *
 * What a migration does to the destination host's configuration of the guest.
 */
typedef enum {
  VIRT_MIGRATE_DEST_CONFIG_NONE,
  VIRT_MIGRATE_DEST_CONFIG_CREATED,
  VIRT_MIGRATE_DEST_CONFIG_UNCHANGED,
  VIRT_MIGRATE_DEST_CONFIG_REPLACED,
} VirtMigrateDestConfig;

/**
 * VirtMigratePolicyAction:
 * @VIRT_MIGRATE_POLICY_ACTION_DEFAULT: in a request: the policy's own choice.
 * @VIRT_MIGRATE_POLICY_ACTION_ABORT: abort the migration; the guest keeps
 *   running on the source.
 * @VIRT_MIGRATE_POLICY_ACTION_PAUSE: pause the guest on the source so the
 *   migration can finish; it runs again on the destination.
 * @VIRT_MIGRATE_POLICY_ACTION_POSTCOPY: switch to post-copy (when the request
 *   allows it; otherwise abort).
 *
 * What the convergence policy does when a migration reaches its completion
 * timeout.
 */
typedef enum {
  VIRT_MIGRATE_POLICY_ACTION_DEFAULT,
  VIRT_MIGRATE_POLICY_ACTION_ABORT,
  VIRT_MIGRATE_POLICY_ACTION_PAUSE,
  VIRT_MIGRATE_POLICY_ACTION_POSTCOPY,
} VirtMigratePolicyAction;

/**
 * VirtMigrateCheckResult:
 * @VIRT_MIGRATE_CHECK_RESULT_OK: nothing stands in the way.
 * @VIRT_MIGRATE_CHECK_RESULT_WARNING: it may work; read the reason.
 * @VIRT_MIGRATE_CHECK_RESULT_BLOCKER: the migration would fail or harm the
 *   guest; it is refused before libvirt is asked unless
 *   #VirtMigrateRequest:force is set.
 * @VIRT_MIGRATE_CHECK_RESULT_UNKNOWN: the check could not run (the
 *   destination cannot be reached from here, or what it needs cannot be
 *   seen), so nothing is known either way. A verdict with such a check is
 *   `unknown` unless a blocker makes it `blocker`; a migration is refused
 *   on it, as on a blocker, unless #VirtMigrateRequest:force is set.
 *
 * The result of one pre-flight check, and of a destination's verdict (its
 * worst check: blocker, then unknown, then warning, then ok).
 */
typedef enum {
  VIRT_MIGRATE_CHECK_RESULT_OK,
  VIRT_MIGRATE_CHECK_RESULT_WARNING,
  VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
  VIRT_MIGRATE_CHECK_RESULT_UNKNOWN,
} VirtMigrateCheckResult;

/**
 * VirtMigrateDrainState:
 * @VIRT_MIGRATE_DRAIN_STATE_PENDING: created, not started yet.
 * @VIRT_MIGRATE_DRAIN_STATE_PLANNING: listing the source's guests and
 *   checking each against every destination.
 * @VIRT_MIGRATE_DRAIN_STATE_PLANNED: a dry run ended: every guest has a
 *   destination or a reason to stay; nothing moved.
 * @VIRT_MIGRATE_DRAIN_STATE_RUNNING: migrating the guests, at most
 *   #VirtMigrateDrain:max-parallel at once.
 * @VIRT_MIGRATE_DRAIN_STATE_SUCCEEDED: every guest moved.
 * @VIRT_MIGRATE_DRAIN_STATE_INCOMPLETE: it ended with guests left on the
 *   source (blocked, or their migration failed); see
 *   #VirtMigrateDrain:guests.
 * @VIRT_MIGRATE_DRAIN_STATE_CANCELLED: cancelled: the queued guests stayed,
 *   the running migrations were cancelled; every guest runs on one host.
 * @VIRT_MIGRATE_DRAIN_STATE_FAILED: the drain could not plan (the source
 *   unreachable); nothing moved.
 *
 * Where a #VirtMigrateDrain is in its life.
 */
typedef enum {
  VIRT_MIGRATE_DRAIN_STATE_PENDING,
  VIRT_MIGRATE_DRAIN_STATE_PLANNING,
  VIRT_MIGRATE_DRAIN_STATE_PLANNED,
  VIRT_MIGRATE_DRAIN_STATE_RUNNING,
  VIRT_MIGRATE_DRAIN_STATE_SUCCEEDED,
  VIRT_MIGRATE_DRAIN_STATE_INCOMPLETE,
  VIRT_MIGRATE_DRAIN_STATE_CANCELLED,
  VIRT_MIGRATE_DRAIN_STATE_FAILED,
} VirtMigrateDrainState;

/**
 * VirtMigrateDrainPlacement:
 * @VIRT_MIGRATE_DRAIN_PLACEMENT_MOST_FREE_MEMORY: the destination that can
 *   take the guest with the most free memory, counting the guests placed
 *   before it (spreads the guests); free memory read within 1/16 of the
 *   most counts as equal, and among equals the fewest guests placed wins.
 * @VIRT_MIGRATE_DRAIN_PLACEMENT_FIRST: the first destination, in the order
 *   given, that can take the guest (fills them in order).
 *
 * How a drain picks a destination for each guest among those whose
 * pre-flight checks pass.
 */
typedef enum {
  VIRT_MIGRATE_DRAIN_PLACEMENT_MOST_FREE_MEMORY,
  VIRT_MIGRATE_DRAIN_PLACEMENT_FIRST,
} VirtMigrateDrainPlacement;

/**
 * VirtMigrateError:
 * @VIRT_MIGRATE_ERROR_FAILED: a failure that fits no other code.
 * @VIRT_MIGRATE_ERROR_UNKNOWN_KEY: a request dictionary names a key that is
 *   not a request property.
 * @VIRT_MIGRATE_ERROR_WRONG_TYPE: a request dictionary value has the wrong type.
 * @VIRT_MIGRATE_ERROR_OUT_OF_RANGE: a request value is outside its allowed range.
 * @VIRT_MIGRATE_ERROR_INVALID_REQUEST: the request is incomplete or contradicts itself.
 * @VIRT_MIGRATE_ERROR_INVALID_URI: a URI is malformed, or of the wrong kind
 *   for the place it is used in.
 * @VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND: the guest does not exist on the source.
 * @VIRT_MIGRATE_ERROR_CONNECT_FAILED: a libvirt connection could not be opened.
 * @VIRT_MIGRATE_ERROR_LIBVIRT: libvirt refused or failed the operation; the
 *   message is libvirt's own, and virt_migrate_error_get_libvirt_code() gives
 *   its `virErrorNumber`.
 * @VIRT_MIGRATE_ERROR_NOT_CANCELLABLE: the job cannot be cancelled any more
 *   (finished, or in post-copy).
 * @VIRT_MIGRATE_ERROR_BUSY: the job was already started.
 * @VIRT_MIGRATE_ERROR_MISSING_DOMAIN: no guest was named.
 * @VIRT_MIGRATE_ERROR_MISSING_SOURCE_URI: no source libvirt URI (every flow needs one).
 * @VIRT_MIGRATE_ERROR_MISSING_DEST_URI: a managed flow without a destination libvirt URI.
 * @VIRT_MIGRATE_ERROR_MISSING_HYPERVISOR_URI: an unmanaged direct migration
 *   without the hypervisor URI.
 * @VIRT_MIGRATE_ERROR_DEST_URI_UNUSED: an unmanaged direct migration given a
 *   destination libvirt URI, which that flow never uses.
 * @VIRT_MIGRATE_ERROR_UNIX_DEST_NEEDS_MIGRATE_URI: no longer raised (it was
 *   for a destination libvirt URI over a UNIX socket without a hypervisor
 *   URI, which libvirt migrates to the destination's host name; the
 *   pre-flight check's `stream-host` says whether the source reaches it).
 * @VIRT_MIGRATE_ERROR_URI_KIND_MISMATCH: a hypervisor URI where a libvirt URI
 *   belongs, or the other way round.
 * @VIRT_MIGRATE_ERROR_TUNNELLED_NEEDS_P2P: tunnelled transport outside the
 *   peer-to-peer flow.
 * @VIRT_MIGRATE_ERROR_TUNNELLED_CONFLICT: tunnelled transport with storage
 *   copy, parallel connections, post-copy or a hypervisor URI.
 * @VIRT_MIGRATE_ERROR_OFFLINE_CONFLICT: offline with live, suspend,
 *   post-copy, storage copy or tunnelled transport.
 * @VIRT_MIGRATE_ERROR_OFFLINE_NEEDS_PERSIST: offline without persist-dest.
 * @VIRT_MIGRATE_ERROR_DISKS_WITHOUT_COPY: migrate-disks, disks-uri or
 *   disks-port without a storage copy.
 * @VIRT_MIGRATE_ERROR_DISKS_URI_AND_PORT: both disks-uri and disks-port.
 * @VIRT_MIGRATE_ERROR_POSTCOPY_CONFLICT: post-copy with a non-live or
 *   suspended migration, or postcopy-after-precopy without postcopy.
 * @VIRT_MIGRATE_ERROR_LISTEN_ADDRESS_WITH_UNIX: a listen address with a
 *   `unix://` hypervisor URI.
 * @VIRT_MIGRATE_ERROR_TLS_UNIX_DISKS: TLS with a `unix://` disks URI (QEMU's
 *   NBD server has no TLS over UNIX sockets).
 * @VIRT_MIGRATE_ERROR_UNKNOWN_COMPRESSION: a compression method libvirt 9.0
 *   does not know (it knows `xbzrle` and `mt`).
 * @VIRT_MIGRATE_ERROR_DEST_XML_UUID_MISMATCH: dest-xml or persistent-xml
 *   describes another guest (its UUID differs), or dest-xml names the
 *   guest otherwise (libvirt refuses both).
 * @VIRT_MIGRATE_ERROR_PREFLIGHT: a pre-flight check found a blocker (the
 *   message names it and the fix); nothing was asked of libvirt.
 * @VIRT_MIGRATE_ERROR_POSTCOPY_FAILED: post-copy failed and could not be
 *   resumed in the time allowed: the guest is paused on the source and runs
 *   on the destination in "post-copy failed" state; virt_migrate_manager_recover()
 *   tries again.
 * @VIRT_MIGRATE_ERROR_CANNOT_CONVERGE: the convergence policy ended the
 *   migration: the guest needs more downtime than the policy's ceiling and
 *   post-copy is not allowed (the message says how much it needs and what
 *   would let it move), or the completion timeout aborted it.  The guest
 *   keeps running on the source.
 *
 * Error codes of the %VIRT_MIGRATE_ERROR domain.  A cancelled migration
 * finishes with %G_IO_ERROR_CANCELLED, following GIO's convention.
 */
typedef enum {
  VIRT_MIGRATE_ERROR_FAILED,
  VIRT_MIGRATE_ERROR_UNKNOWN_KEY,
  VIRT_MIGRATE_ERROR_WRONG_TYPE,
  VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
  VIRT_MIGRATE_ERROR_INVALID_REQUEST,
  VIRT_MIGRATE_ERROR_INVALID_URI,
  VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND,
  VIRT_MIGRATE_ERROR_CONNECT_FAILED,
  VIRT_MIGRATE_ERROR_LIBVIRT,
  VIRT_MIGRATE_ERROR_NOT_CANCELLABLE,
  VIRT_MIGRATE_ERROR_BUSY,
  VIRT_MIGRATE_ERROR_MISSING_DOMAIN,
  VIRT_MIGRATE_ERROR_MISSING_SOURCE_URI,
  VIRT_MIGRATE_ERROR_MISSING_DEST_URI,
  VIRT_MIGRATE_ERROR_MISSING_HYPERVISOR_URI,
  VIRT_MIGRATE_ERROR_DEST_URI_UNUSED,
  VIRT_MIGRATE_ERROR_UNIX_DEST_NEEDS_MIGRATE_URI,
  VIRT_MIGRATE_ERROR_URI_KIND_MISMATCH,
  VIRT_MIGRATE_ERROR_TUNNELLED_NEEDS_P2P,
  VIRT_MIGRATE_ERROR_TUNNELLED_CONFLICT,
  VIRT_MIGRATE_ERROR_OFFLINE_CONFLICT,
  VIRT_MIGRATE_ERROR_OFFLINE_NEEDS_PERSIST,
  VIRT_MIGRATE_ERROR_DISKS_WITHOUT_COPY,
  VIRT_MIGRATE_ERROR_DISKS_URI_AND_PORT,
  VIRT_MIGRATE_ERROR_POSTCOPY_CONFLICT,
  VIRT_MIGRATE_ERROR_LISTEN_ADDRESS_WITH_UNIX,
  VIRT_MIGRATE_ERROR_TLS_UNIX_DISKS,
  VIRT_MIGRATE_ERROR_UNKNOWN_COMPRESSION,
  VIRT_MIGRATE_ERROR_DEST_XML_UUID_MISMATCH,
  VIRT_MIGRATE_ERROR_PREFLIGHT,
  VIRT_MIGRATE_ERROR_POSTCOPY_FAILED,
  VIRT_MIGRATE_ERROR_CANNOT_CONVERGE,
} VirtMigrateError;

G_END_DECLS
