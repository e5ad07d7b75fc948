/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Inside a drain: its fields and the helpers its three files share
 * (virt-migrate-drain.c: the GObject and its state; -drain-run.c: planning,
 * running, cancelling, resuming; -drain-snapshot.c: its a{sv} forms). */

#include "virt-migrate-drain-private.h"
#include "virt-migrate-job.h"

G_BEGIN_DECLS

struct _VirtMigrateDrain
{
  GObject                    parent_instance;

  guint                      id;
  GObject                   *host;          /* weak: the manager that runs the jobs */
  const VirtMigrateDrainHost *vtable;       /* what the host does for the drain */
  gboolean                   group_limited; /* the host's queue holds max_parallel for it */
  VirtMigrateRequest        *request;       /* the template */
  char                     **destinations;
  VirtMigrateDrainState      state;
  guint                      max_parallel;
  VirtMigrateDrainPlacement  placement;
  char                     **include;
  char                     **exclude;
  gboolean                   dry_run;
  gint64                     started_by_uid;
  gint64                     start_real_time;
  gint64                     end_real_time;
  gboolean                   cancelled;
  char                      *error_message; /* why it failed to plan */

  GPtrArray                 *rows;          /* Row, in the table's order */
  GTask                     *task;          /* run_async()'s, while it runs */
  GCancellable              *planning;      /* cancels the planning thread */
};

/* What became of one guest (the row's `outcome`, its nick on D-Bus, in
 * JSON, records and the history). */
typedef enum {
  DRAIN_OUTCOME_QUEUED,    /* to move, not started */
  DRAIN_OUTCOME_PLANNED,   /* would move (a dry run) */
  DRAIN_OUTCOME_RUNNING,   /* its job runs */
  DRAIN_OUTCOME_MOVED,
  DRAIN_OUTCOME_LEFT,      /* stays on the source: a blocker, or not started */
  DRAIN_OUTCOME_FAILED,
  DRAIN_OUTCOME_CANCELLED,
  DRAIN_OUTCOME_NONE = -1, /* (virt_migrate_drain_count()'s second: none) */
} DrainOutcome;

const char  *virt_migrate_drain_outcome_to_nick   (DrainOutcome outcome);
DrainOutcome virt_migrate_drain_outcome_from_nick (const char  *nick);

typedef struct {
  char           *domain;
  char           *uuid;
  guint64         memory;
  guint           position;
  char           *destination;
  char           *rule;
  DrainOutcome    outcome;
  char           *reason;
  guint           job_id;
  VirtMigrateJob *job;
  gulong          completed_id;
  gulong          progress_id;
  gulong          state_id;
  gboolean        reconcile;    /* after a restart: find where the guest is */
} Row;


void      virt_migrate_drain_row_detach        (Row *row);
void      virt_migrate_drain_row_free          (Row *row);
void      virt_migrate_drain_row_set           (Row *row, DrainOutcome outcome, const char *reason);
gboolean  virt_migrate_drain_row_is            (const Row *row, DrainOutcome outcome);
Row      *virt_migrate_drain_row_from_variant  (GVariant *v);
GVariant *virt_migrate_drain_row_to_variant    (const Row *row);
GVariant *virt_migrate_drain_table             (VirtMigrateDrain *self);
guint     virt_migrate_drain_count             (VirtMigrateDrain *self, DrainOutcome outcome, DrainOutcome or_outcome);
void      virt_migrate_drain_set_state         (VirtMigrateDrain *self, VirtMigrateDrainState state);
void      virt_migrate_drain_table_changed     (VirtMigrateDrain *self);
void      virt_migrate_drain_notify_progress   (VirtMigrateDrain *self);
char     *virt_migrate_drain_summary           (VirtMigrateDrain *self);
void      virt_migrate_drain_finish            (VirtMigrateDrain *self, VirtMigrateDrainState state, GError *error);
void      virt_migrate_drain_pump              (VirtMigrateDrain *self);

G_END_DECLS
