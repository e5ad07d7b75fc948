/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-progress.h"

/* The rate is the bytes moved over this window of samples, never libvirt's
 * instantaneous figure: QEMU's rate-limited disk mirror reports in 16 MiB
 * batches (the instantaneous rate reads up to 20 times the cap), and
 * libvirt's statistics call itself may block for seconds while it runs. */
#define WINDOW_SAMPLES 128
#define WINDOW_US (10 * G_USEC_PER_SEC)
/* Shorter than this, a window says nothing yet. */
#define WINDOW_MIN_US (G_USEC_PER_SEC)
/* A known cap is exceeded only by measurement noise. */
#define CAP_NOISE 1.05
/* How far each new estimate moves the expected end (the rest is the old one). */
#define END_SMOOTHING 0.3

struct _VirtMigrateProgress
{
  VirtMigrateProgressState state;
  guint64                  memory_bytes; /* the guest's RAM, counted from the start */
  guint64                  cap;          /* bytes/s, 0: none known */
  gint64                   end;          /* smoothed expected end, monotonic µs, 0: unknown */
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

/* The bandwidth cap in force (the request's, or the last one set while it
 * runs), in bytes per second; 0 when none is known. */
void
virt_migrate_progress_set_bandwidth_cap (VirtMigrateProgress *self,
                                         guint64              bytes_per_second)
{
  self->cap = bytes_per_second;
}

static void
window_add (VirtMigrateProgress *self, gint64 now, guint64 transferred)
{
  self->window[self->window_next].time = now;
  self->window[self->window_next].transferred = transferred;
  self->window_next = (self->window_next + 1) % WINDOW_SAMPLES;
  self->window_len = MIN (self->window_len + 1, WINDOW_SAMPLES);
}

/* Bytes per second over the window: from the newest sample at least
 * WINDOW_US old (or the oldest one there is) to now; 0 while the window is
 * shorter than WINDOW_MIN_US. */
static guint64
window_rate (VirtMigrateProgress *self, gint64 now, guint64 transferred)
{
  guint oldest = 0;
  gboolean found = FALSE;

  for (guint i = self->window_len; i-- > 0;)
    {
      guint k = (self->window_next + WINDOW_SAMPLES - self->window_len + i) % WINDOW_SAMPLES;

      oldest = k;
      found = TRUE;
      if (now - self->window[k].time >= WINDOW_US)
        break;
    }
  if (!found || now - self->window[oldest].time < WINDOW_MIN_US ||
      transferred < self->window[oldest].transferred)
    return 0;
  return (transferred - self->window[oldest].transferred) * G_USEC_PER_SEC /
         (guint64) (now - self->window[oldest].time);
}

/* What is still ahead, in time: the disks, then the memory, whose passes
 * resend what the guest dirties meanwhile. 0: unknown. */
static gint64
estimate_time_left (VirtMigrateProgress *self, const VirtMigrateSample *sample, guint64 rate)
{
  const VirtMigrateProgressState *st = &self->state;
  gdouble disk_left = 0, memory_left, memory_rate = rate;

  if (rate == 0 || st->remaining == 0)
    return 0;
  if (sample->memory_total == 0)
    {
      /* Copying disks: the memory comes after them, at a cost nobody knows
       * yet (QEMU skips zero pages: counting the whole RAM at the capped
       * rate made an idle guest's end 50 to 80 % late, bench-eta), so it
       * counts from its first pass on. */
      disk_left = sample->remaining;
      memory_left = 0;
    }
  else
    memory_left = sample->remaining;
  if (sample->memory_total > 0 && sample->iteration > 1 && st->dirty_rate > 0)
    {
      /* Each pass resends what the last one let the guest dirty. */
      if (st->dirty_rate >= rate)
        return 0; /* it does not converge at this rate: no honest figure */
      memory_rate = rate - st->dirty_rate;
    }
  return (gint64) ((disk_left / rate + memory_left / memory_rate) * G_USEC_PER_SEC);
}

/* The expected end moves a part of the way to each new estimate, so that
 * one burst or one stalled sample does not make it jump; an end that has
 * passed is replaced at once. */
static void
update_end (VirtMigrateProgress *self, gint64 now, gint64 time_left)
{
  gint64 raw = now + time_left;

  if (time_left == 0)
    self->end = 0;
  else if (self->end == 0 || self->end <= now)
    self->end = raw;
  else
    self->end += (gint64) ((raw - self->end) * END_SMOOTHING);
  self->state.time_left = self->end > now ? self->end - now : 0;
}

/* Returns: %FALSE if @sample says nothing (no job yet, no totals). */
gboolean
virt_migrate_progress_add_sample (VirtMigrateProgress     *self,
                                  const VirtMigrateSample *sample)
{
  VirtMigrateProgressState *st = &self->state;
  guint64 total = sample->total;
  guint64 remaining = sample->remaining;
  guint64 rate;

  if (!sample->active || !sample->have_total)
    return FALSE;

  if (sample->memory_total == 0 && self->memory_bytes > 0)
    {
      total += self->memory_bytes;
      remaining += self->memory_bytes;
    }
  rate = window_rate (self, sample->time, sample->transferred);
  window_add (self, sample->time, sample->transferred);
  if (self->cap > 0 && rate > self->cap * CAP_NOISE)
    rate = (guint64) (self->cap * CAP_NOISE);

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
  update_end (self, sample->time, estimate_time_left (self, sample, rate));
  st->phase = sample->postcopy ? VIRT_MIGRATE_PHASE_POSTCOPY :
              sample->switch_over ? VIRT_MIGRATE_PHASE_SWITCH_OVER :
              sample->memory_total == 0 && total > self->memory_bytes ? VIRT_MIGRATE_PHASE_COPYING_DISKS :
              VIRT_MIGRATE_PHASE_MEMORY;
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
  self->end = 0;
}

const VirtMigrateProgressState *
virt_migrate_progress_get_state (VirtMigrateProgress *self)
{
  return &self->state;
}
