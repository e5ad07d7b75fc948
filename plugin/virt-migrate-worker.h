/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-backend.h"

G_BEGIN_DECLS

/* The threads of one migration: one runs the backend's blocking migration
 * call, one polls its statistics, one aborts on a cancel. The worker owns
 * every piece of state those threads share (under its lock) and posts what
 * they learn to the job's main context through its callbacks; it never
 * touches the job's properties. Its methods may be called from any thread. */
#define VIRT_MIGRATE_TYPE_WORKER (virt_migrate_worker_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateWorker, virt_migrate_worker, VIRT_MIGRATE, WORKER, GObject)

/* What the worker is told once, before it starts. */
typedef struct {
  guint64  max_downtime;           /* ms to set once libvirt's job runs, 0: none */
  gboolean postcopy_after_precopy; /* switch after the first memory pass */
  gboolean offline;                /* nothing to poll */
  gboolean keep_paused;            /* the request asked for a paused guest on the destination */
  guint    poll_interval;          /* ms */
  gboolean by_reads_learnt;        /* the hosts' last migration saw QEMU's reads fill the resident set (for the trace) */
} VirtMigrateWorkerInput;

typedef struct {
  gboolean                 success;
  gboolean                 cancelled;
  GError                  *error;
  VirtMigrateBackendResult backend;
} VirtMigrateWorkerResult;

/* Each is called on the job's main context, in order. */
typedef struct {
  void (*running)   (const VirtMigrateBackendGuest *guest, gpointer owner);
  void (*sample)    (const VirtMigrateSample *sample, gpointer owner);
  void (*iteration) (guint64 iteration, gpointer owner);
  void (*done)      (VirtMigrateWorkerResult *result, gpointer owner);
} VirtMigrateWorkerCallbacks;

VirtMigrateWorker *virt_migrate_worker_new               (VirtMigrateBackend               *backend,
                                                          const VirtMigrateWorkerInput     *input,
                                                          GMainContext                     *context,
                                                          const VirtMigrateWorkerCallbacks *callbacks,
                                                          GObject                          *owner);
void               virt_migrate_worker_start             (VirtMigrateWorker *self);
gboolean           virt_migrate_worker_cancel            (VirtMigrateWorker *self,
                                                          GError           **error);
gboolean           virt_migrate_worker_start_postcopy    (VirtMigrateWorker *self,
                                                          GError           **error);
gboolean           virt_migrate_worker_set_max_downtime  (VirtMigrateWorker *self,
                                                          guint64            milliseconds,
                                                          GError           **error);
gboolean           virt_migrate_worker_set_max_speed     (VirtMigrateWorker *self,
                                                          guint64            mebibytes_per_second,
                                                          GError           **error);
void               virt_migrate_worker_pause             (VirtMigrateWorker *self);
void               virt_migrate_worker_set_poll_interval (VirtMigrateWorker *self,
                                                          guint              interval_ms);
gboolean           virt_migrate_worker_in_postcopy       (VirtMigrateWorker *self);

void               virt_migrate_invoke_on_context        (GMainContext      *context,
                                                          GSourceFunc        func,
                                                          gpointer           data,
                                                          GDestroyNotify     notify);

G_END_DECLS
