/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "virt-migrate-enums.h"

G_BEGIN_DECLS

/* A drain's decisions, a pure unit: the source's guests, each with its
 * pre-flight verdict against every destination, and what is known of the
 * destinations in; out, for every guest, a destination and the rule that
 * chose it, or the reason it stays, and the order the movers go in. The
 * drain (virt-migrate-drain.c) gathers the verdicts from libvirt; the unit
 * tests make them up. */

typedef struct {
  char      *domain;
  char      *uuid;
  guint64    memory;      /* bytes */
  GPtrArray *verdicts;    /* GVariant a{sv}, one per destination, in order */
  char      *error;       /* why it could not be checked at all, or NULL */
} VirtMigrateDrainCandidate;

typedef struct {
  char    *uri;
  guint64  free_memory;   /* bytes, 0: unknown */
} VirtMigrateDrainTarget;

VirtMigrateDrainCandidate *virt_migrate_drain_candidate_new  (const char *domain,
                                                              const char *uuid,
                                                              guint64     memory);
void                       virt_migrate_drain_candidate_free (VirtMigrateDrainCandidate *candidate);
VirtMigrateDrainTarget    *virt_migrate_drain_target_new     (const char *uri,
                                                              guint64     free_memory);
void                       virt_migrate_drain_target_free    (VirtMigrateDrainTarget *target);

/* "4.5 GiB", with a plain space. */
char *virt_migrate_drain_size_text (guint64 bytes);

/* The order the movers go in, said the way the CLI and D-Bus say it. */
#define VIRT_MIGRATE_DRAIN_ORDER "smallest memory first"

/* Returns: (transfer full): aa{sv}, one row per candidate: the ones that
 * stay first (by name), then the movers in their order. Each row: domain,
 * uuid, memory (t), position (u, 1-based among the movers, 0 for the ones
 * that stay), destination (s, "" if none), rule (s), outcome ("queued",
 * or "left"), reason (s: why it stays, "" otherwise). */
GVariant *virt_migrate_drain_place (GPtrArray                 *candidates,
                                    GPtrArray                 *targets,
                                    VirtMigrateDrainPlacement  placement);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VirtMigrateDrainCandidate, virt_migrate_drain_candidate_free)

G_END_DECLS
