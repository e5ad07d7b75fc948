/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-hypervisor.h"

G_BEGIN_DECLS

/* A scripted hypervisor seam for the unit tests: hosts by URI, each with
 * its free memory, guests (running or only defined), networks, storage
 * pools and volumes, or unreachable. What it answers is libvirt's own
 * output recorded on the test bed (tests/recorded/): a guest's XML is the
 * recorded guest's with the scripted name, UUID and memory put in (and
 * any edit a test makes), the domain capabilities and a host's
 * capabilities are the recorded ones. Thread-safe: the drain asks from its
 * worker thread. No libvirt. */
#define FAKE_TYPE_HYPERVISOR (fake_hypervisor_get_type ())
G_DECLARE_FINAL_TYPE (FakeHypervisor, fake_hypervisor, FAKE, HYPERVISOR, GObject)

/* The recorded guest's disk, its backing file and their directory. */
#define FAKE_DISK         "/var/lib/testbed/imgs/web.qcow2"
#define FAKE_DISK_BACKING "/var/lib/testbed/imgs/web-base.qcow2"
#define FAKE_DISK_DIR     "/var/lib/testbed/imgs"

FakeHypervisor *fake_hypervisor_new        (void);
/* @uri's huge pages: @free_pages of @page_kib KiB free (-1: cannot be asked). */
void            fake_hypervisor_set_free_pages (FakeHypervisor *self,
                                                const char     *uri,
                                                guint           page_kib,
                                                gint64          free_pages);
void            fake_hypervisor_add_host   (FakeHypervisor *self,
                                            const char     *uri,
                                            guint64         free_memory);
void            fake_hypervisor_set_reachable (FakeHypervisor *self,
                                               const char     *uri,
                                               gboolean        reachable);
/* Another host's UUID in its capabilities (the same as another's: one
 * machine under two URIs). */
void            fake_hypervisor_set_host_uuid (FakeHypervisor *self,
                                               const char     *uri,
                                               const char     *uuid);
/* The host name @uri's libvirtd gives (NULL unless set: cannot be asked). */
void            fake_hypervisor_set_host_name (FakeHypervisor *self,
                                               const char     *uri,
                                               const char     *name);
/* A guest on @uri: @running, or only defined (persistent either way). */
void            fake_hypervisor_add_guest  (FakeHypervisor *self,
                                            const char     *uri,
                                            const char     *name,
                                            const char     *uuid,
                                            guint64         memory,
                                            gboolean        running);
void            fake_hypervisor_set_transient (FakeHypervisor *self,
                                               const char     *uri,
                                               const char     *name);
/* How many snapshots libvirt keeps of the guest (0 unless set; -1: not known). */
void            fake_hypervisor_set_snapshots (FakeHypervisor *self,
                                               const char     *uri,
                                               const char     *name,
                                               gint            snapshots);
/* The job libvirt runs on the guest, in words (NULL: none). */
void            fake_hypervisor_set_busy (FakeHypervisor *self,
                                          const char     *uri,
                                          const char     *name,
                                          const char     *busy);
/* Replaces @from with @to in the guest's live and migratable XML (where
 * it is in either; it must be in one). */
void            fake_hypervisor_edit_guest (FakeHypervisor *self,
                                            const char     *uri,
                                            const char     *name,
                                            const char     *from,
                                            const char     *to);
/* The same in @uri's domain capabilities; or they are denied (a read-only
 * connection) or fail. */
void            fake_hypervisor_edit_domcaps (FakeHypervisor *self,
                                              const char     *uri,
                                              const char     *from,
                                              const char     *to);
void            fake_hypervisor_fail_domcaps (FakeHypervisor *self,
                                              const char     *uri,
                                              gboolean        denied);
/* What comparing a CPU on @uri answers (libvirt's virCPUCompareResult;
 * superset unless set) and, where incompatible or failed, libvirt's message. */
void            fake_hypervisor_set_cpu_compare (FakeHypervisor *self,
                                                 const char     *uri,
                                                 int             result,
                                                 const char     *message);
/* A virtual network (@kind "network", @active or not) or a host interface
 * (@kind "bridge" or "direct"). */
void            fake_hypervisor_add_network (FakeHypervisor *self,
                                             const char     *uri,
                                             const char     *kind,
                                             const char     *name,
                                             gboolean        active);
void            fake_hypervisor_add_pool   (FakeHypervisor *self,
                                            const char     *uri,
                                            const char     *name,
                                            const char     *dir);
/* A volume at @path in a pool of @uri, a qcow2 image on @backing (NULL: none). */
void            fake_hypervisor_add_volume (FakeHypervisor *self,
                                            const char     *uri,
                                            const char     *path,
                                            const char     *backing);
/* @from (which must be there) replaced by @to in the XML of the pool @name. */
void fake_hypervisor_edit_pool (FakeHypervisor *self, const char *uri, const char *name, const char *from,
                                const char *to);
/* @from (which must be there) replaced by @to in the volume XML at @path. */
void fake_hypervisor_edit_volume (FakeHypervisor *self, const char *uri, const char *path, const char *from,
                                  const char *to);
/* How many times a guest's pre-flight facts were gathered (its migratable
 * XML asked for). */
guint           fake_hypervisor_get_n_gathered (FakeHypervisor *self);

/* For virt_migrate_manager_set_hypervisor_func(): a new reference to
 * @user_data (a FakeHypervisor). */
VirtMigrateHypervisor *fake_hypervisor_ref_func (gpointer user_data);

G_END_DECLS
