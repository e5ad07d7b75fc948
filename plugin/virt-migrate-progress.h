/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-convergence.h"
#include "virt-migrate-enums.h"
#include "virt-migrate-sample.h"

G_BEGIN_DECLS

/* The progress maths of one migration, a pure unit: samples in; total,
 * processed, remaining, rate, time left and a never-decreasing fraction
 * out. No libvirt, no clock of its own (the samples carry their time), so
 * recorded traces replay exactly (tests/test-progress.c). */
typedef struct _VirtMigrateProgress VirtMigrateProgress;

/* What a person is shown, after each sample. */
typedef struct {
  guint64 total;        /* bytes to move: disks, then the guest's RAM */
  guint64 processed;    /* total - remaining */
  guint64 remaining;    /* as libvirt reports it (grows when pages are re-dirtied) */
  guint64 transferred;  /* bytes on the wire */
  guint64 rate;         /* bytes/s */
  guint64 dirty_rate;   /* bytes of memory dirtied per second */
  guint64 iteration;    /* the memory pass, never decreasing */
  gdouble fraction;     /* 0 to 1, never decreasing */
  gint64  time_left;    /* µs from the last sample to the (smoothed) expected end, 0: unknown */
  gboolean have_downtime;
  guint64 downtime;     /* ms, from the final statistics */
  VirtMigratePhase phase; /* from the last sample: disks, memory, switch-over, post-copy */
} VirtMigrateProgressState;

/* What the convergence policy will do when a memory pass begins with
 * @start bytes at @rate bytes/s, the guest dirtying @dirty bytes/s
 * (virt_migrate_convergence_forecast()). */
typedef VirtMigrateForecast (*VirtMigrateProgressForecastFunc) (guint64  start,
                                                                guint64  rate,
                                                                guint64  dirty,
                                                                guint64 *downtime,
                                                                gpointer user_data);

VirtMigrateProgress            *virt_migrate_progress_new        (void);
void                            virt_migrate_progress_free       (VirtMigrateProgress *self);
void                            virt_migrate_progress_set_memory (VirtMigrateProgress *self,
                                                                  guint64              memory_bytes);
void                            virt_migrate_progress_set_bandwidth_cap (VirtMigrateProgress *self,
                                                                         guint64              bytes_per_second);
void                            virt_migrate_progress_set_postcopy_cap (VirtMigrateProgress *self,
                                                                        guint64              bytes_per_second);
void                            virt_migrate_progress_set_resident (VirtMigrateProgress *self,
                                                                    guint64              resident_bytes,
                                                                    gboolean             by_reads);
void                            virt_migrate_progress_set_max_downtime (VirtMigrateProgress *self,
                                                                        guint64              milliseconds);
void                            virt_migrate_progress_force      (VirtMigrateProgress *self);
void                            virt_migrate_progress_set_forecast (VirtMigrateProgress             *self,
                                                                    VirtMigrateProgressForecastFunc  func,
                                                                    gpointer                         user_data);
void                            virt_migrate_progress_set_setup  (VirtMigrateProgress *self,
                                                                  gint64               setup_us);
gint64                          virt_migrate_progress_get_setup  (VirtMigrateProgress *self);
void                            virt_migrate_progress_set_dirty_learnt (VirtMigrateProgress *self,
                                                                        guint64              bytes_per_second);
guint64                         virt_migrate_progress_get_dirty_first (VirtMigrateProgress *self);
void                            virt_migrate_progress_start      (VirtMigrateProgress *self,
                                                                  gint64               time,
                                                                  guint64              disk_bytes);
gboolean                        virt_migrate_progress_add_sample (VirtMigrateProgress     *self,
                                                                  const VirtMigrateSample *sample);
void                            virt_migrate_progress_iteration  (VirtMigrateProgress *self,
                                                                  guint64              iteration);
void                            virt_migrate_progress_complete   (VirtMigrateProgress     *self,
                                                                  const VirtMigrateSample *final);
const VirtMigrateProgressState *virt_migrate_progress_get_state  (VirtMigrateProgress *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VirtMigrateProgress, virt_migrate_progress_free)

G_END_DECLS
