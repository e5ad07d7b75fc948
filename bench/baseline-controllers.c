/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Nova's and KubeVirt's default convergence schedules as controllers on
 * the virt-migrate library (see baseline-controllers.h). Sources, read for
 * this (their code is not copied):
 *
 * Nova (openstack/nova, nova/virt/libvirt/):
 *   - migration.py downtime_steps(): live_migration_downtime (500 ms) in
 *     live_migration_downtime_steps (10) linear steps from downtime/steps,
 *     one step every live_migration_downtime_delay (75 s) x data_gb;
 *     update_downtime() sets a step once the elapsed time passes its mark,
 *     so the first (50 ms) is set at once.
 *   - driver.py _live_migration_data_gb(): the flavour's RAM in GiB, at
 *     least 2, plus the disk for a block migration.
 *   - driver.py _live_migration_monitor(): polls every 0.5 s; completion
 *     timeout live_migration_completion_timeout (800 s) x data_gb, then
 *     live_migration_timeout_action (abort by default);
 *     should_trigger_timeout_action() in migration.py.
 *   - post-copy and auto-converge are off by default
 *     (live_migration_permit_post_copy, _permit_auto_converge).
 *
 * KubeVirt (kubevirt/kubevirt, pkg/virt-launcher/virtwrap/, the migration
 * monitor's processInflightMigration()):
 *   - polls every 400 ms;
 *   - acceptableCompletionTime = CompletionTimeoutPerGiB (150 s) x the
 *     guest's migration data size in GiB (memory, rounded up to whole GB);
 *   - progress: the data remaining below the lowest seen so far (the
 *     progress watermark, which only ever goes down) resets the progress
 *     clock; no progress for ProgressTimeout (150 s) aborts;
 *   - past acceptableCompletionTime it aborts (AllowPostCopy and
 *     AllowWorkloadDisruption are off by default; no auto-converge). */
#include "baseline-controllers.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

struct _BaselineController
{
  BaselineKind    kind;
  VirtMigrateJob *job;
  guint64         memory_bytes;
  guint           source_id;
  guint64         downtime;      /* ms last set, 0: none */
  gdouble         last_progress; /* s: KubeVirt's lastProgressUpdate */
  guint64         watermark;     /* KubeVirt's progressWatermark */
  char           *verdict;
};

gdouble
baseline_nova_data_gib (guint64 memory_bytes, guint64 disk_bytes)
{
  return MAX (memory_bytes / GIB, 2.0) + disk_bytes / GIB;
}

guint64
baseline_nova_downtime_at (gdouble elapsed, gdouble data_gib)
{
  const guint64 downtime = 500, steps = 10;
  const gdouble delay = (guint64) (75 * data_gib);
  gdouble base = downtime / (gdouble) steps, offset = (downtime - base) / steps;
  guint64 value = 0;

  for (guint i = 0; i <= steps; i++)
    if (elapsed > (guint64) (delay * i))
      value = (guint64) (base + offset * i);
  return value;
}

gdouble
baseline_nova_completion_timeout (gdouble data_gib)
{
  return (guint64) (800 * data_gib);
}

gdouble
baseline_kubevirt_completion_time (guint64 memory_bytes)
{
  /* resource.Quantity.ScaledValue(resource.Giga) rounds up to whole GB. */
  return 150.0 * (gdouble) ((memory_bytes + 999999999) / 1000000000);
}

static gboolean
tick_cb (gpointer user_data)
{
  BaselineController *self = user_data;
  VirtMigrateJobState state = virt_migrate_job_get_state (self->job);
  gdouble elapsed = virt_migrate_job_get_elapsed (self->job) / 1000.0;

  if (virt_migrate_job_is_finished (self->job))
    {
      self->source_id = 0;
      return G_SOURCE_REMOVE;
    }
  if (state != VIRT_MIGRATE_JOB_STATE_RUNNING || self->verdict != NULL)
    return G_SOURCE_CONTINUE;

  if (self->kind == BASELINE_NOVA)
    {
      gdouble gib = baseline_nova_data_gib (self->memory_bytes, 0);
      guint64 downtime = baseline_nova_downtime_at (elapsed, gib);

      if (elapsed > baseline_nova_completion_timeout (gib))
        {
          self->verdict = g_strdup_printf ("Nova: completion timeout (%.0f s), aborted",
                                           baseline_nova_completion_timeout (gib));
          virt_migrate_job_cancel (self->job, NULL);
        }
      else if (downtime > 0 && downtime != self->downtime &&
               virt_migrate_job_set_max_downtime (self->job, downtime, NULL))
        self->downtime = downtime;
    }
  else
    {
      guint64 remaining = virt_migrate_job_get_data_remaining (self->job);

      /* The watermark only ever goes down: a pass that resends what the
       * guest dirtied (remaining grows again) is no progress until it
       * gets below the lowest seen. */
      if (self->watermark == 0 || remaining < self->watermark)
        {
          self->last_progress = elapsed;
          self->watermark = remaining;
        }
      if (elapsed > baseline_kubevirt_completion_time (self->memory_bytes))
        {
          self->verdict = g_strdup_printf ("KubeVirt: not completed after %.0f s, aborted",
                                           baseline_kubevirt_completion_time (self->memory_bytes));
          virt_migrate_job_cancel (self->job, NULL);
        }
      else if (elapsed - self->last_progress > 150)
        {
          self->verdict = g_strdup ("KubeVirt: no progress for 150 s, aborted");
          virt_migrate_job_cancel (self->job, NULL);
        }
    }
  return G_SOURCE_CONTINUE;
}

BaselineController *
baseline_controller_start (BaselineKind kind, VirtMigrateJob *job, guint64 memory_bytes)
{
  BaselineController *self = g_new0 (BaselineController, 1);

  self->kind = kind;
  self->job = g_object_ref (job);
  self->memory_bytes = memory_bytes;
  self->source_id = g_timeout_add (kind == BASELINE_NOVA ? 500 : 400, tick_cb, self);
  return self;
}

const char *
baseline_controller_get_verdict (BaselineController *self)
{
  return self->verdict;
}

void
baseline_controller_free (BaselineController *self)
{
  g_clear_handle_id (&self->source_id, g_source_remove);
  g_clear_object (&self->job);
  g_free (self->verdict);
  g_free (self);
}
