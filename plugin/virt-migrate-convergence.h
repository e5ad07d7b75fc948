/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-enums.h"
#include "virt-migrate-policy.h"

G_BEGIN_DECLS

/* The convergence policy's decisions, a pure unit: the policy and the
 * request's own choices in; from each statistics sample (and the clock,
 * for the bandwidth schedule) the actions to take out, each with the line
 * the job logs. No libvirt, no clock of its own: recorded traces replay
 * exactly (tests/test-convergence.c). */
typedef struct _VirtMigrateConvergence VirtMigrateConvergence;

typedef enum {
  VIRT_MIGRATE_DECISION_LOG,          /* only the message */
  VIRT_MIGRATE_DECISION_SET_DOWNTIME, /* value: ms */
  VIRT_MIGRATE_DECISION_SET_SPEED,    /* value: MiB/s */
  VIRT_MIGRATE_DECISION_POSTCOPY,
  VIRT_MIGRATE_DECISION_PAUSE,        /* pause the guest on the source so it can finish */
  VIRT_MIGRATE_DECISION_ABORT,        /* cancel; the guest stays on the source */
} VirtMigrateDecisionKind;

typedef struct {
  VirtMigrateDecisionKind kind;
  guint64                 value;
  char                   *message; /* the line for the job's log */
} VirtMigrateDecision;

/* What the request adds to the policy. */
typedef struct {
  guint                   completion_timeout; /* s, 0: the policy's per-GiB timeout */
  VirtMigratePolicyAction completion_action;  /* DEFAULT: the policy's */
  gboolean                postcopy_allowed;
  guint64                 max_downtime;       /* ms the migration starts with, 0: QEMU's 300 */
} VirtMigrateConvergenceRequest;

/* One statistics sample as the policy sees it. */
typedef struct {
  gint64  time;      /* monotonic µs */
  guint64 total;     /* bytes */
  guint64 remaining;
  guint64 rate;      /* bytes/s */
  guint64 iteration; /* memory pass */
} VirtMigrateConvergenceSample;

VirtMigrateConvergence *virt_migrate_convergence_new          (VirtMigratePolicy                   *policy,
                                                               const VirtMigrateConvergenceRequest *request);
void                    virt_migrate_convergence_free         (VirtMigrateConvergence              *self);
gboolean                virt_migrate_convergence_has_schedule (VirtMigrateConvergence              *self);
GPtrArray              *virt_migrate_convergence_sample       (VirtMigrateConvergence              *self,
                                                               const VirtMigrateConvergenceSample  *sample);
GPtrArray              *virt_migrate_convergence_tick         (VirtMigrateConvergence              *self,
                                                               gint64                               now);
void                    virt_migrate_decision_free            (VirtMigrateDecision                 *decision);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VirtMigrateConvergence, virt_migrate_convergence_free)

G_END_DECLS
