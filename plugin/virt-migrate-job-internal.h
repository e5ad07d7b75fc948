/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Inside VirtMigrateJob: shared by virt-migrate-job.c (the GObject: its
 * properties, constructors and getters) and virt-migrate-job-run.c (the
 * state machine that writes them). Nothing else includes this. */

#include "virt-migrate-convergence.h"
#include "virt-migrate-job-private.h"
#include "virt-migrate-progress.h"
#include "virt-migrate-recovery.h"
#include "virt-migrate-worker.h"

G_BEGIN_DECLS

/* The job is the state machine and the GObject face of one migration; its
 * parts have one owner each (see docs/architecture.md):
 *  - VirtMigrateWorker: the threads and every piece of state they share;
 *  - VirtMigrateBackend: the blocking libvirt calls (a fake in the tests);
 *  - VirtMigrateProgress: the progress maths, from samples;
 *  - VirtMigrateConvergence: the policy's decisions, from samples.
 * Everything below runs on the job's main context, except where a
 * function says it may be called from any thread. */
struct _VirtMigrateJob
{
  GObject                    parent_instance;

  guint                      id;
  gboolean                   adopted;          /* follows a migration libvirt already runs */
  VirtMigrateRequest        *request;          /* immutable copy */
  GVariant                  *request_variant;  /* its a{sv}, made once: a large dest-xml is not
                                                * copied again by every snapshot, D-Bus sync,
                                                * HTTP reply or metrics scrape */
  VirtMigratePolicy         *policy;           /* nullable */
  VirtMigrateBackend        *backend;          /* nullable until the job runs */
  GMainContext              *context;
  GTask                     *task;
  GCancellable              *cancellable;
  gulong                     cancellable_id;
  gboolean                   started;          /* run_async() started the worker */
  VirtMigrateProgress       *progress_unit;
  VirtMigrateConvergence    *convergence;      /* nullable: no policy */
  GSource                   *schedule_source;  /* the bandwidth schedule's clock */
  GSource                   *clock_source;     /* elapsed, every second while it runs */
  /* Post-copy recovery (VIR_MIGRATE_POSTCOPY_RESUME) */
  GSource                   *recovery_source;  /* the next try */
  VirtMigrateRecovery        recovery;          /* a broken post-copy's tries */

  /* Owned by the main context. */
  VirtMigrateJobState        state;
  VirtMigratePhase           phase;
  gdouble                    progress;
  guint64                    data_total;
  guint64                    data_processed;
  guint64                    data_remaining;
  guint64                    data_transferred;
  guint64                    rate;
  guint64                    memory_dirty_rate;
  guint64                    iteration;
  guint64                    elapsed;
  gint64                     expected_end_time;
  guint64                    downtime;
  GError                    *error;
  GError                    *policy_error;     /* the convergence policy aborted: why (main context) */
  gboolean                   force_pending;    /* force-complete asked before memory moved (main context) */
  char                      *libvirt_api;
  guint                      libvirt_flags;
  VirtMigrateConfigOutcome  *config_outcome;
  VirtMigrateConfigOutcome  *expected_config_outcome;
  GPtrArray                 *messages;         /* char*, NULL-terminated */
  gint64                     started_by_uid;   /* -1: unknown */
  gint64                     start_time;       /* monotonic µs */
  gint64                     start_real_time;  /* µs since the epoch, 0: not started */
  gint64                     adopted_start;    /* an adopted job's real start, from its record; 0: none */
  gint64                     end_real_time;    /* µs since the epoch, 0: not ended */
  char                      *domain_name;      /* as libvirt names the guest; NULL: not known yet */
  char                      *domain_uuid;      /* NULL: not known yet */
  guint64                    dirty_learnt;     /* its first-pass dirty rate last time, bytes/s; 0: none */
  gint64                     setup_expected;   /* QEMU's set-up between its hosts lately, µs; 0: the guess */
  guint64                    resident_before;  /* the source QEMU's resident set before the call, 0: unknown */
  gboolean                   resident_by_reads; /* ...seen filled by QEMU's reads (before the call or since) */
  gboolean                   resident_reads_learnt; /* ...as the last migration between its hosts saw (at the call) */
  GVariant                  *verdict;          /* the pre-flight checks', NULL: none yet */
  guint                      drain_id;         /* the drain that started it, 0: none */

  /* Read and written from any thread. */
  gint                       finished;         /* atomic: a final state was reached */
  GMutex                     lock;             /* for the two below */
  VirtMigrateWorker         *worker;           /* while the migration runs */
  gboolean                   cancel_requested;
  gboolean                   recovering;       /* post-copy failed: resuming, not cancellable */
  guint                      poll_interval;    /* ms */
};

enum {
  PROP_0,
  PROP_ID,
  PROP_REQUEST,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_DATA_TOTAL,
  PROP_DATA_PROCESSED,
  PROP_DATA_REMAINING,
  PROP_DATA_TRANSFERRED,
  PROP_RATE,
  PROP_MEMORY_DIRTY_RATE,
  PROP_ITERATION,
  PROP_ELAPSED,
  PROP_EXPECTED_END_TIME,
  PROP_DOWNTIME,
  PROP_ERROR,
  PROP_LIBVIRT_API,
  PROP_LIBVIRT_FLAGS,
  PROP_POLL_INTERVAL,
  PROP_CONFIG_OUTCOME,
  PROP_EXPECTED_CONFIG_OUTCOME,
  PROP_MESSAGES,
  PROP_POLICY,
  PROP_PHASE,
  PROP_VERDICT,
  N_PROPS
};

extern GParamSpec *virt_migrate_job_props[N_PROPS];

enum {
  SIGNAL_COMPLETED,
  N_SIGNALS
};

extern guint virt_migrate_job_signals[N_SIGNALS];

#define DEFAULT_POLL_INTERVAL 250

void     virt_migrate_job_add_message      (VirtMigrateJob *self,
                                            const char     *format,
                                            ...) G_GNUC_PRINTF (2, 3);
void     virt_migrate_job_stop_schedule    (VirtMigrateJob *self);
VirtMigrateWorker *virt_migrate_job_ref_worker (VirtMigrateJob *self);
void     virt_migrate_job_force_complete_now (VirtMigrateJob *self);

G_END_DECLS
