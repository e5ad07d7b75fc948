/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-progress.h"

/* The samples a rate is averaged over when libvirt reports none (a
 * throttled block mirror moves the disks in bursts). */
#define WINDOW_SAMPLES 64
#define WINDOW_US (5 * G_USEC_PER_SEC)

struct _VirtMigrateProgress
{
  VirtMigrateProgressState state;
  guint64                  memory_bytes; /* the guest's RAM, counted from the start */
  struct {
    gint64  time;
    guint64 transferred;
  }                        window[WINDOW_SAMPLES];
  guint                    window_len;
  guint                    window_next;
};

VirtMigrateProgress *
virt_migrate_progress_new (void)
{
  return g_new0 (VirtMigrateProgress, 1);
}

void
virt_migrate_progress_free (VirtMigrateProgress *self)
{
  g_free (self);
}

/* The guest's RAM: counted in from the start, so the fraction done does
 * not jump back when the memory phase begins after the disks. */
void
virt_migrate_progress_set_memory (VirtMigrateProgress *self,
                                  guint64              memory_bytes)
{
  self->memory_bytes = memory_bytes;
}

static void
window_add (VirtMigrateProgress *self, gint64 now, guint64 transferred)
{
  self->window[self->window_next].time = now;
  self->window[self->window_next].transferred = transferred;
  self->window_next = (self->window_next + 1) % WINDOW_SAMPLES;
  self->window_len = MIN (self->window_len + 1, WINDOW_SAMPLES);
}

/* Bytes per second from the oldest sample of the last few seconds to now. */
static guint64
window_rate (VirtMigrateProgress *self, gint64 now, guint64 transferred)
{
  guint oldest = 0;
  gboolean found = FALSE;

  for (guint i = 0; i < self->window_len; i++)
    {
      guint k = (self->window_next + WINDOW_SAMPLES - self->window_len + i) % WINDOW_SAMPLES;

      if (now - self->window[k].time <= WINDOW_US)
        {
          oldest = k;
          found = TRUE;
          break;
        }
    }
  if (!found || now <= self->window[oldest].time || transferred < self->window[oldest].transferred)
    return 0;
  return (transferred - self->window[oldest].transferred) * G_USEC_PER_SEC /
         (guint64) (now - self->window[oldest].time);
}

/* Returns: %FALSE if @sample says nothing (no job yet, no totals). */
gboolean
virt_migrate_progress_add_sample (VirtMigrateProgress     *self,
                                  const VirtMigrateSample *sample)
{
  VirtMigrateProgressState *st = &self->state;
  guint64 total = sample->total;
  guint64 remaining = sample->remaining;
  guint64 rate = sample->memory_bps + sample->disk_bps;

  if (!sample->active || !sample->have_total)
    return FALSE;

  if (sample->memory_total == 0 && self->memory_bytes > 0)
    {
      total += self->memory_bytes;
      remaining += self->memory_bytes;
    }
  if (rate == 0)
    rate = window_rate (self, sample->time, sample->transferred);
  window_add (self, sample->time, sample->transferred);

  st->total = total;
  st->remaining = remaining;
  st->processed = total > remaining ? total - remaining : 0;
  st->transferred = sample->transferred;
  st->rate = rate;
  st->dirty_rate = sample->dirty_rate * (sample->page_size > 0 ? sample->page_size : 4096);
  st->iteration = MAX (st->iteration, sample->iteration);
  /* Never backwards: re-dirtied pages make libvirt's remaining bytes grow. */
  if (total > 0)
    st->fraction = MAX (st->fraction,
                        CLAMP ((gdouble) (total - MIN (remaining, total)) / (gdouble) total, 0.0, 1.0));
  st->time_left = rate > 0 && remaining > 0 ?
                  (gint64) ((gdouble) remaining / (gdouble) rate * G_USEC_PER_SEC) : 0;
  return TRUE;
}

/* A MIGRATION_ITERATION event: a new memory pass. */
void
virt_migrate_progress_iteration (VirtMigrateProgress *self,
                                 guint64              iteration)
{
  self->state.iteration = MAX (self->state.iteration, iteration);
}

/* The migration succeeded: everything moved. @final: the completed job's
 * statistics, if libvirt gave them. */
void
virt_migrate_progress_complete (VirtMigrateProgress     *self,
                                const VirtMigrateSample *final)
{
  VirtMigrateProgressState *st = &self->state;

  if (final != NULL)
    {
      guint64 total = final->total;

      if (final->memory_total == 0)
        total += self->memory_bytes;
      /* The destination's completed statistics leave out the disks the
       * source mirrored: never report less than was being moved. */
      st->total = MAX (total, st->total);
      st->transferred = MAX (final->transferred, st->transferred);
      if (final->have_downtime)
        {
          st->have_downtime = TRUE;
          st->downtime = final->downtime;
        }
      st->iteration = MAX (st->iteration, final->iteration);
    }
  st->remaining = 0;
  st->processed = st->total;
  st->fraction = 1.0;
  st->time_left = 0;
}

const VirtMigrateProgressState *
virt_migrate_progress_get_state (VirtMigrateProgress *self)
{
  return &self->state;
}
