/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <virt-migrate.h>

G_BEGIN_DECLS

/* The convergence schedules of two managers that drive libvirt, rebuilt on
 * the same library as baselines for bench-convergence: a VirtMigrateJob
 * with its own policy off, steered by a timer that reads the job's figures
 * and calls virt_migrate_job_set_max_downtime() / virt_migrate_job_cancel()
 * as the original does with libvirt. Only their defaults are modelled. */
typedef enum {
  BASELINE_NOVA,     /* OpenStack Nova's libvirt driver */
  BASELINE_KUBEVIRT, /* KubeVirt's virt-launcher */
} BaselineKind;

typedef struct _BaselineController BaselineController;

/* Nova: the downtime (ms) its schedule sets @elapsed seconds in, for
 * @data_gib of RAM and disk (what _live_migration_data_gb() returns). */
guint64             baseline_nova_downtime_at          (gdouble elapsed,
                                                        gdouble data_gib);
/* Nova: its completion timeout (s). */
gdouble             baseline_nova_completion_timeout   (gdouble data_gib);
gdouble             baseline_nova_data_gib             (guint64 memory_bytes,
                                                        guint64 disk_bytes);
/* KubeVirt: acceptableCompletionTime (s) for a guest of @memory_bytes. */
gdouble             baseline_kubevirt_completion_time  (guint64 memory_bytes);

BaselineController *baseline_controller_start          (BaselineKind    kind,
                                                        VirtMigrateJob *job,
                                                        guint64         memory_bytes);
/* Why it ended the migration, NULL if it did not. */
const char         *baseline_controller_get_verdict    (BaselineController *self);
void                baseline_controller_free           (BaselineController *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BaselineController, baseline_controller_free)

G_END_DECLS
