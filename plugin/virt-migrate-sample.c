/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Samples as text, one per line, for recorded traces (tests/traces/):
 *   TIME_MS ACTIVE TOTAL REMAINING TRANSFERRED MEMORY_TOTAL MEMORY_BPS DISK_BPS
 *   DIRTY_PAGES_PER_S PAGE_SIZE ITERATION POSTCOPY [CONSTANT_PAGES NORMAL_PAGES [RESIDENT DIRTY_SAMPLED
 *   [DIRTY_MEASURED [VCPU_BUSY [DIRTY_SECONDS]]]]]
 * TIME_MS counts from the first sample; '#' starts a comment. The last
 * six (QEMU's zero and whole pages, its resident set, the dirty rate it
 * sampled before the migration, 1 once it has: a 0 it measured is not a
 * 0 it has not; how busy the guest's vCPUs were meanwhile, permille, -1
 * while not known; how long QEMU sampled, s) came later: older traces
 * lack them (there a sampled rate of 0 reads as none measured, the vCPUs
 * are not known, and the sampling took 2 s). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "virt-migrate-sample.h"

gboolean
virt_migrate_sample_parse (const char        *line,
                           VirtMigrateSample *sample)
{
  guint64 time_ms, active, postcopy, measured = 0;
  gint64 busy = -1;
  guint64 seconds = 0;
  int n;

  memset (sample, 0, sizeof (*sample));
  n = sscanf (line, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT,
              &time_ms, &active, &sample->total, &sample->remaining, &sample->transferred,
              &sample->memory_total, &sample->memory_bps, &sample->disk_bps, &sample->dirty_rate,
              &sample->page_size, &sample->iteration, &postcopy, &sample->memory_constant,
              &sample->memory_normal, &sample->resident, &sample->dirty_sampled, &measured, &busy, &seconds);
  if (n != 12 && n != 14 && n != 16 && n != 17 && n != 18 && n != 19)
    return FALSE;
  sample->dirty_measured = n >= 17 ? measured != 0 : sample->dirty_sampled > 0;
  sample->vcpu_measured = n >= 18 && busy >= 0;
  sample->dirty_seconds = seconds;
  sample->vcpu_busy = sample->vcpu_measured ? (guint64) busy : 0;
  sample->time = (gint64) time_ms * 1000;
  sample->active = active != 0;
  sample->have_total = sample->active;
  sample->postcopy = postcopy != 0;
  return TRUE;
}

char *
virt_migrate_sample_format (const VirtMigrateSample *s)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT " %d %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                          " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                          " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %d %" G_GUINT64_FORMAT
                          " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %d %" G_GINT64_FORMAT
                          " %" G_GUINT64_FORMAT,
                          s->time / 1000, s->active && s->have_total ? 1 : 0, s->total, s->remaining,
                          s->transferred, s->memory_total, s->memory_bps, s->disk_bps, s->dirty_rate,
                          s->page_size, s->iteration, s->postcopy ? 1 : 0, s->memory_constant,
                          s->memory_normal, s->resident, s->dirty_sampled, s->dirty_measured ? 1 : 0,
                          s->vcpu_measured ? (gint64) s->vcpu_busy : (gint64) -1, s->dirty_seconds);
}
