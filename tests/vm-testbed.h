/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libvirt/libvirt.h>
#include "virt-migrate-service.h"

G_BEGIN_DECLS

/* The two libvirtd "hosts" that tests/testbed/virt-migrate-testbed started;
 * read from the VIRT_MIGRATE_TESTBED_* environment. */
typedef struct {
  char  *dir;
  char  *src_uri;
  char  *dst_uri;
  guint  uid;
  guint  gid;
} VmTestbed;

typedef enum {
  VM_GUEST_ABSENT,
  VM_GUEST_RUNNING,
  VM_GUEST_PAUSED,
  VM_GUEST_SHUTOFF,
  VM_GUEST_OTHER,
} VmGuestState;

const VmTestbed *vm_testbed_get            (void);
virConnectPtr    vm_testbed_connect        (const char *uri);
char            *vm_testbed_path           (const char *name);
void             vm_testbed_run            (const char *const *argv);
char            *vm_testbed_make_disk      (const char *name,
                                            guint       size_mib,
                                            guint       random_mib);
char            *vm_testbed_storage_guest  (const char *name,
                                            guint       disk_mib,
                                            guint       random_mib,
                                            char      **src_disk,
                                            char      **dst_disk);
VirtMigrateRequest *vm_testbed_slow_request (const char *name,
                                            guint       disk_mib,
                                            guint64     bandwidth_mib);
char            *vm_testbed_guest_xml      (const char *name,
                                            const char *disk_path);
void             vm_testbed_create_guest   (const char *uri,
                                            const char *name,
                                            const char *disk_path,
                                            gboolean    persistent,
                                            gboolean    start);
void             vm_testbed_dirty_guest    (const char *name,
                                            guint       mem_mib,
                                            guint       dirty_mib,
                                            guint       rate_mib);
void             vm_testbed_dirty_disk_guest (const char *name,
                                              guint       mem_mib,
                                              guint       dirty_mib,
                                              guint       rate_mib,
                                              guint       disk_mib);
void             vm_testbed_idle_guest     (const char *name,
                                            guint       mem_mib,
                                            guint       data_mib);
void             vm_testbed_define_xml     (const char *uri,
                                            const char *xml);
VmGuestState     vm_testbed_guest_state    (const char *uri,
                                            const char *name,
                                            gboolean   *persistent);
char            *vm_testbed_guest_dumpxml  (const char *uri,
                                            const char *name,
                                            unsigned int flags);
void             vm_testbed_destroy_guest  (const char *uri,
                                            const char *name);
gboolean         vm_testbed_run_job        (VirtMigrateJob *job,
                                            GCancellable   *cancellable,
                                            GError        **error);
VirtMigratePlan *vm_testbed_plan           (VirtMigrateRequest *request,
                                            GError            **error);
guint16          vm_testbed_free_port      (void);
VirtMigrateSettings *vm_testbed_memory_settings (void);
gboolean         vm_testbed_kill_dest_qemu (const char *name);
char            *vm_testbed_unique_name    (const char *prefix);
/* For the benchmarks: a GArray of gdouble, sorted in place. */
void             vm_testbed_sort_doubles   (GArray     *values);
gdouble          vm_testbed_median         (GArray     *values);
GPtrArray       *vm_testbed_trace_samples  (const char *directory);
guint            vm_testbed_count_trace_samples (const char *directory);

#define vm_assert_guest(uri, name, expected) \
  g_assert_cmpint (vm_testbed_guest_state ((uri), (name), NULL), ==, (expected))

G_END_DECLS
