/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-enums.h"
#include "virt-migrate-policy.h"

G_BEGIN_DECLS

/* The convergence policy's decisions, a pure unit: the policy and the
 * request's own choices in; from each statistics sample (and the clock,
 * for the bandwidth schedule) the actions to take out, each with the line
 * the job logs. No libvirt, no clock of its own: recorded traces replay
 * exactly (tests/test-convergence.c).
 *
 * From the second memory pass on it predicts: the bytes a pass starts with
 * are what the switch-over would have to send, so with the rate achieved
 * they give the downtime the guest needs, and QEMU's dirty rate against
 * that rate says whether more passes will shrink it. When they will not,
 * it acts at once (post-copy when allowed, else the downtime needed when
 * it fits the ceiling) or, one pass later to be sure, aborts naming what
 * the guest would need. The stall, step and timeout rules stay as safety
 * nets (docs/convergence.md). */
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
  char                   *reason;  /* ABORT from a prediction: why the guest cannot move, for the job's error */
  gboolean                stuck;   /* ABORT: all had been sent, and the destination never took the end of it */
} VirtMigrateDecision;

/* What the request adds to the policy. */
typedef struct {
  guint                   completion_timeout; /* s, 0: the policy's per-GiB timeout */
  VirtMigratePolicyAction completion_action;  /* DEFAULT: the policy's */
  gboolean                postcopy_allowed;
  guint64                 max_downtime;       /* ms the migration starts with, 0: QEMU's 300 */
  gboolean                auto_converge;      /* QEMU throttles the guest's vCPUs (VIR_MIGRATE_AUTO_CONVERGE) */
  guint                   auto_converge_initial;   /* its first throttle, %, 0: QEMU's 20 */
  guint                   auto_converge_increment; /* each raise, %, 0: QEMU's 10 */
} VirtMigrateConvergenceRequest;

/* One statistics sample as the policy sees it. */
typedef struct {
  gint64  time;      /* monotonic µs */
  guint64 total;     /* bytes */
  guint64 remaining;
  guint64 rate;      /* bytes/s */
  guint64 iteration; /* memory pass */
  guint64 dirty_rate; /* bytes/s the guest dirties, QEMU's figure; 0: not known */
  gboolean copying_disks; /* the storage copy's mirror runs, no memory pass yet */
} VirtMigrateConvergenceSample;

/* What the prediction will do at a pass's start, asked ahead of time. */
typedef enum {
  VIRT_MIGRATE_FORECAST_NOTHING,  /* the passes go on (QEMU switches over by itself in time) */
  VIRT_MIGRATE_FORECAST_DOWNTIME, /* it raises the downtime: QEMU switches over at once */
  VIRT_MIGRATE_FORECAST_POSTCOPY, /* it switches to post-copy */
  VIRT_MIGRATE_FORECAST_GIVE_UP,  /* it aborts, or leaves it to the completion timeout */
} VirtMigrateForecast;

VirtMigrateConvergence *virt_migrate_convergence_new          (VirtMigratePolicy                   *policy,
                                                               const VirtMigrateConvergenceRequest *request);
void                    virt_migrate_convergence_free         (VirtMigrateConvergence              *self);
gboolean                virt_migrate_convergence_has_schedule (VirtMigrateConvergence              *self);
GPtrArray              *virt_migrate_convergence_sample       (VirtMigrateConvergence              *self,
                                                               const VirtMigrateConvergenceSample  *sample);
GPtrArray              *virt_migrate_convergence_tick         (VirtMigrateConvergence              *self,
                                                               gint64                               now);
VirtMigrateForecast     virt_migrate_convergence_forecast     (VirtMigrateConvergence              *self,
                                                               guint64                              start,
                                                               guint64                              rate,
                                                               guint64                              dirty,
                                                               guint64                             *downtime);
void                    virt_migrate_decision_free            (VirtMigrateDecision                 *decision);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VirtMigrateConvergence, virt_migrate_convergence_free)

G_END_DECLS
