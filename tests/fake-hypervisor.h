/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-hypervisor.h"

G_BEGIN_DECLS

/* A scripted hypervisor seam for the unit tests: hosts by URI, each with
 * its free memory and running (or defined) guests, or unreachable. The
 * pre-flight facts it gives are what libvirt's gathering finds on such
 * hosts (a guest of the same name, the guest itself already there, too
 * little memory, an unreachable destination); every check not scripted
 * passes. Thread-safe: the drain asks from its worker thread. No libvirt. */
#define FAKE_TYPE_HYPERVISOR (fake_hypervisor_get_type ())
G_DECLARE_FINAL_TYPE (FakeHypervisor, fake_hypervisor, FAKE, HYPERVISOR, GObject)

FakeHypervisor *fake_hypervisor_new        (void);
void            fake_hypervisor_add_host   (FakeHypervisor *self,
                                            const char     *uri,
                                            guint64         free_memory);
void            fake_hypervisor_set_reachable (FakeHypervisor *self,
                                               const char     *uri,
                                               gboolean        reachable);
/* A guest on @uri: @running, or only defined. */
void            fake_hypervisor_add_guest  (FakeHypervisor *self,
                                            const char     *uri,
                                            const char     *name,
                                            const char     *uuid,
                                            guint64         memory,
                                            gboolean        running);
/* How many times gather_facts was asked. */
guint           fake_hypervisor_get_n_gathered (FakeHypervisor *self);

/* For virt_migrate_manager_set_hypervisor_func(): a new reference to
 * @user_data (a FakeHypervisor). */
VirtMigrateHypervisor *fake_hypervisor_ref_func (gpointer user_data);

G_END_DECLS
