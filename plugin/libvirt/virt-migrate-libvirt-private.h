/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Only plugin/libvirt/ includes libvirt's headers: this one. */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "virt-migrate-connection-pool.h"
#include "virt-migrate-error-private.h"
#include "virt-migrate-request-private.h"
#include "virt-migrate-sample.h"

G_BEGIN_DECLS

void          virt_migrate_libvirt_init                (void);
virConnectPtr virt_migrate_connection_pool_get         (VirtMigrateConnectionPool *self,
                                                        const char                *uri,
                                                        GError                   **error);
virConnectPtr virt_migrate_connection_pool_get_control (VirtMigrateConnectionPool *self,
                                                        const char                *uri,
                                                        GError                   **error);
virDomainPtr  virt_migrate_lookup_domain               (virConnectPtr              conn,
                                                        const char                *name_or_uuid,
                                                        GError                   **error);

/* (virt-migrate-libvirt-error.c) Wraps the calling thread's last libvirt
 * error; @fallback_code is used unless the libvirt code maps to a more
 * specific one. @context is used only when libvirt left no error. */
GError       *virt_migrate_error_from_libvirt          (VirtMigrateError           fallback_code,
                                                        const char                *context);

/* (virt-migrate-libvirt-error.c) libvirt's error on failing to connect to
 * @uri, as VIRT_MIGRATE_ERROR_CONNECT_FAILED naming the URI, with what to
 * do about an ssh connection that failed (an unknown host key, a refused
 * login, a host that cannot be reached); @ssh_dir: the daemon's ssh
 * directory the connection used, or NULL. */
GError       *virt_migrate_libvirt_connect_error       (const char                *uri,
                                                        const char                *ssh_dir);
/* libvirt's message on a migration over TLS whose handshake failed, with
 * what to look at; virt_migrate_tls_hint(): that hint alone (NULL: none). */
GError       *virt_migrate_libvirt_migrate_error       (gboolean                   tls);
char         *virt_migrate_tls_hint                    (const char                *message);
char         *virt_migrate_ssh_hint                    (const char                *uri,
                                                        const char                *message,
                                                        const char                *ssh_dir);

/* (virt-migrate-libvirt-ssh.c) A daemon's own ssh for qemu+ssh://: @uri
 * with command=SSH_DIR/ssh unless it names a command; the directory made
 * ready (known_hosts, the ssh); @uri opened through it. */
char         *virt_migrate_ssh_uri                     (const char                *uri,
                                                        const char                *ssh_dir);
gboolean      virt_migrate_ssh_directory_prepare       (const char                *ssh_dir,
                                                        GError                   **error);
virConnectPtr virt_migrate_libvirt_open                (const char                *uri,
                                                        const char                *ssh_dir,
                                                        gboolean                   read_only,
                                                        GError                   **error);

/* (virt-migrate-libvirt-call.c) @call's parameters as libvirt's typed
 * parameters (free with virTypedParamsFree()), with @dest_xml and
 * @persistent_xml instead of the call's where not NULL; FALSE with @error. */
gboolean      virt_migrate_libvirt_call_params         (const VirtMigrateCall     *call,
                                                        const char                *dest_xml,
                                                        const char                *persistent_xml,
                                                        virTypedParameterPtr      *params,
                                                        int                       *nparams,
                                                        GError                   **error);

/* (virt-migrate-libvirt-stats.c) A job's statistics (@flags: libvirt's
 * virDomainGetJobStats() flags) as a sample; the source QEMU's resident
 * set (bytes, 0: none given); the dirty rate QEMU sampled (bytes/s, 0:
 * not measured yet or none). */
/* QEMU's sampled dirty rate: over this long. Its page sampling is noisy
 * (a second of a guest dirtying 8 MiB/s read 6 to 14, two seconds 5 to
 * 12; a second of one dirtying 4 MiB/s in 512 MiB often read 0, libvirt
 * giving whole MiB/s). Four seconds halve the spread of two (14 of each
 * by turns on two paced guests, 5 Dec: variance 4.7 -> 2.5 and 3.7 ->
 * 2.1, the means alike), and the recorded first passes replayed with
 * counts drawn so (the rate QEMU measured next as their mean) kept 73 %
 * of their figures within 20 % instead of 66 %, the later news counted
 * in (see virt-migrate-dirty-prior.c); until it comes the vCPUs' share
 * tells an idle guest. */
#define DIRTY_CALC_SECONDS 4
void          virt_migrate_libvirt_sample_from_params  (VirtMigrateSample         *sample,
                                                        int                        type,
                                                        virTypedParameterPtr       params,
                                                        int                        nparams);
gboolean      virt_migrate_libvirt_fetch_stats         (virDomainPtr               dom,
                                                        unsigned int               flags,
                                                        VirtMigrateSample         *sample);
guint64       virt_migrate_libvirt_resident_bytes      (virDomainPtr               dom);
/* Whether the resident set grew faster than a guest fills it: QEMU's
 * reads of pages never touched make them resident (see the .c). */
#define READS_RESIDENT_BYTES (8 * 1024 * 1024)
#define READS_GROWTH_MAX (16.0 * 1024 * 1024)
gboolean      virt_migrate_libvirt_reads_resident      (guint64                    before,
                                                        guint64                    after,
                                                        gint64                     elapsed_us);
typedef struct {
  guint64  last;     /* the last reading, bytes (0: none) */
  gint64   time;     /* ...and when, monotonic µs */
  gboolean by_reads; /* QEMU's reads filling it: not read again */
} VirtMigrateResident;
gboolean      virt_migrate_libvirt_resident_read       (VirtMigrateResident       *self,
                                                        virDomainPtr               dom);
gboolean      virt_migrate_libvirt_sampled_dirty_rate  (virDomainPtr               dom,
                                                        guint64                   *bytes_per_second);
gboolean      virt_migrate_libvirt_vcpu_time           (virDomainPtr               dom,
                                                        guint64                   *nanoseconds,
                                                        guint                     *vcpus);

/* The active storage pools of @conn, each as its XML. */
GPtrArray    *virt_migrate_libvirt_storage_pools       (virConnectPtr              conn);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (virConnect, virConnectClose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (virDomain, virDomainFree)

G_END_DECLS
