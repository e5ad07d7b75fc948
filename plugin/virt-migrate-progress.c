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
/* Ahead of the disks' end, what the memory and libvirt's last phases will
 * cost is not reported yet. The memory: a twentieth of the guest's RAM at the
 * rate (QEMU sends zero pages as headers; QEMU's own figures replace the
 * guess from the first pass on). Then libvirt's finish and confirm phases
 * (the destination resumes the guest, the source's QEMU stops): about a
 * second on the test bed, after the memory or the switch-over. Measured
 * with bench-eta; see docs/progress.md. */
#define MEMORY_GUESS 0.05
#define FINISH_US (G_USEC_PER_SEC)
/* A rate this close to the cap is the cap's: QEMU's throttled mirror. */
#define CAPPED 0.9

struct _VirtMigrateProgress
{
  VirtMigrateProgressState state;
  guint64                  memory_bytes; /* the guest's RAM, counted from the start */
  guint64                  cap;          /* bytes/s, 0: none known */
  gint64                   end;          /* smoothed expected end, monotonic µs, 0: unknown */
  guint64                  disk_done;    /* disk bytes processed at the last change */
  guint64                  disk_step;    /* by how much they grew then */
  gint64                   disk_changed; /* when, µs; 0: no disk progress yet */
  guint64                  disk_first;   /* disk bytes processed at the first change */
  gint64                   disk_first_changed;
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
 * resend what the guest dirties meanwhile (counted at the rate minus the
 * dirty rate), then libvirt's finish. 0: unknown (no rate yet, or a guest
 * that dirties faster than the link moves). */
static gint64
estimate_time_left (VirtMigrateProgress *self, const VirtMigrateSample *sample, guint64 rate)
{
  const VirtMigrateProgressState *st = &self->state;
  gdouble memory_left, memory_rate, seconds;

  if (rate == 0 || st->remaining == 0)
    return 0;
  if (self->cap > 0)
    rate = MIN (rate, self->cap);
  memory_rate = rate;
  if (sample->memory_total == 0)
    {
      /* Copying disks. Under a cap, QEMU's mirror writes a batch (16 MiB)
       * at once, reports it, then owes the cap its time: the disks end one
       * batch's time after the last report plus the rest, at the pace of
       * the reports, however long since the last one (bench-eta: anchored
       * at "now" with the window's rate, the end swung by a batch's time
       * and came a batch early). Without a cap, the rest at the rate. */
      gdouble owed = 0, disk_rate = rate;
      gint64 disks_end = self->disk_changed > 0 ? self->disk_changed : sample->time;
      gdouble disk_left = sample->remaining;

      if (self->cap > 0 && self->disk_changed > 0)
        {
          disk_rate = self->cap;
          if (self->disk_changed > self->disk_first_changed)
            disk_rate = MIN ((self->disk_done - self->disk_first) * (gdouble) G_USEC_PER_SEC /
                             (self->disk_changed - self->disk_first_changed), disk_rate);
          if (disk_rate >= self->cap * CAPPED)
            owed = self->disk_step;
          else
            disk_rate = rate;
        }
      disks_end += (gint64) ((disk_left + owed) / disk_rate * G_USEC_PER_SEC);
      seconds = (MAX (disks_end, sample->time) - sample->time) / (gdouble) G_USEC_PER_SEC;
      seconds += self->memory_bytes * MEMORY_GUESS / rate;
    }
  else
    {
      memory_left = sample->remaining;
      if (sample->iteration > 1 && st->dirty_rate > 0)
        {
          /* Each pass resends what the last one let the guest dirty. */
          if (st->dirty_rate >= rate)
            return 0; /* it does not converge at this rate: no honest figure */
          memory_rate = rate - st->dirty_rate;
        }
      seconds = memory_left / memory_rate;
    }
  return (gint64) (seconds * G_USEC_PER_SEC) + FINISH_US;
}

/* The disks' progress moves in batches: when it last moved, and by how
 * much. */
static void
track_disks (VirtMigrateProgress *self, const VirtMigrateSample *sample)
{
  guint64 done;

  if (sample->memory_total != 0 || sample->total == 0)
    return;
  done = sample->total > sample->remaining ? sample->total - sample->remaining : 0;
  if (done > self->disk_done)
    {
      if (self->disk_changed == 0)
        {
          self->disk_first = done;
          self->disk_first_changed = sample->time;
        }
      self->disk_step = done - self->disk_done;
      self->disk_done = done;
      self->disk_changed = sample->time;
    }
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
  track_disks (self, sample);
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
              sample->total == 0 ? VIRT_MIGRATE_PHASE_CONNECTING :
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
