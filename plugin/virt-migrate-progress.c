/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "virt-migrate-dirty-prior.h"
#include "virt-migrate-growth.h"
#include "virt-migrate-link-pace.h"
#include "virt-migrate-progress.h"

/* The rate is the bytes moved over this window of samples, never libvirt's
 * instantaneous figure: QEMU's rate-limited disk mirror reports in 16 MiB
 * batches (the instantaneous rate reads up to 20 times the cap), and
 * libvirt's statistics call itself may block for seconds while it runs. */
#define WINDOW_SAMPLES 128
#define WINDOW_US (10 * G_USEC_PER_SEC)
#define WINDOW_MIN_US (G_USEC_PER_SEC) /* shorter, a window says nothing yet */
#define CAP_NOISE 1.05 /* a known cap is exceeded only by measurement noise */
/* How far each new estimate moves the expected end (the rest is the old one): this share a sample,
 * more near the end, where a fixed share (0.7 s of lag at 250 ms samples) is most of what is left:
 * the lag held to 1/END_HORIZON of the time left, up to half the way a sample. Replayed: 138 of 186
 * figures within 20 % (125 before) on the 62 it was tuned on; on 20 recorded after, 36 of 60 either
 * way, 241 of 365 readings (235). */
#define END_SMOOTHING 0.3
#define END_SMOOTHING_MAX 0.5
#define END_HORIZON 8.0
#define END_SAMPLE_US (250 * 1000) /* a sample at the default poll: sparser ones move no more */
/* Ahead of the disks' end, the memory is guessed as a twentieth of the guest's RAM (zero pages
 * go as headers) at the link's pace: after a storage copy libvirt leaves it uncapped (bench-eta:
 * 64 MiB in 0.03 to 0.12 s under an 8 MiB/s cap), as in uncapped_time(); then the finish. */
#define MEMORY_GUESS 0.05
/* After the memory (or the switch-over): the destination resumes the guest within 20 ms, then
 * libvirt's confirm phase polls every 200 ms until the source's QEMU is gone (reaped: at once
 * under systemd, so the test bed runs each daemon under tini): 0.22 to 0.26 s on the test bed. */
#define FINISH_US (250 * 1000)
/* From the disks' end to libvirt's finish, beyond the finish: 0.03 to 0.56 s in 14 storage copies
 * on 5 Dec (median 0.28 s), 0.03 s on 4 Dec: 0.1 s keeps both traces' last second within 20 %. */
#define AFTER_DISKS_US (100 * 1000)
/* From the migration call to the mirror's first batch, until it is seen: 0.9 to 1.6 s on 5 Dec's
 * test bed (median 1.1 s), 0.4 s on 4 Dec's; a little under the median, for faster machines. */
#define DISK_SETUP_US (1000 * 1000)
/* QEMU's mirror batch (the disk's remainder may be less): a step in the
 * sample after a part that fits in it with that part is the same batch. */
#define DEFAULT_BATCH (16 * 1024 * 1024)
/* The memory model (see memory_time_left()). QEMU's own resident memory beside the guest's pages
 * (code, libraries, device state, TCG's translations): 38 to 42 MiB on the test bed (QEMU 7.2
 * TCG), the resident set less the first pass's payload of guests whose pages were all touched. */
#define QEMU_OVERHEAD (40.0 * 1024 * 1024)
/* Where QEMU's reads make pages resident (the backend stops reading the set, or saw so before the
 * call: virt-migrate-libvirt-stats.c) each zero page scanned costs a 2 MiB page made and cleared:
 * 280 to 650 MiB/s (median 500) in 28 traces of 3 to 6 Dec (Linux 6.18); 400 keeps 55 of 90 replayed
 * figures within 20 %, 500 47 (the model's other misses, growth it cannot see, are short). */
#define ZERO_SCAN_BY_READS (400.0 * 1024 * 1024)
/* QEMU's downtime limit unless one is set (migrate-set-parameters). */
#define DEFAULT_DOWNTIME_MS 300
/* The part of the downtime's worth (rate times allowed downtime) at which
 * QEMU switches over mid-pass: it reads the rate as the cap's at the
 * second pass (passes of 27 to 92 % of the worth ended, 5 Dec) and lower
 * after each later bitmap sync, which stalls the stream. Replayed over 72
 * migrations, 168 of 216 figures within 20 % (165 sending the last pass
 * whole), 78 % of the readings (74 %). */
#define LAST_PASS_FITS_SECOND 0.9
#define LAST_PASS_FITS_LATER 0.5
/* From the migration call to QEMU's first memory statistics, unless learnt
 * (set_setup()): the median of 45 migrations on 5 Dec's test bed (0.6 to
 * 1.3 s; 0.3 to 0.5 s on 4 and 6 Dec's machines, under 0.3 s on another). */
#define MEMORY_SETUP_US (750 * 1000)

struct _VirtMigrateProgress
{
  VirtMigrateProgressState state;
  guint64                  memory_bytes; /* the guest's RAM, counted from the start */
  guint64                  cap;          /* bytes/s, 0: none known */
  guint64                  disk_cap;     /* the disks' mirrors': the cap at the call (see disks_cap()) */
  gint64                   end;          /* smoothed expected end, monotonic µs, 0: unknown */
  gint64                   raw[3];       /* the last raw estimates of the end, newest at raw_next - 1 */
  guint                    raw_len;
  gint64                   end_updated;  /* when the end was last moved */
  guint                    raw_next;
  gint64                   disk_seen_after; /* the sample before the last batch was seen: it came after that */
  guint64                  disk_done;    /* disk bytes processed at the last change */
  gint64                   disk_changed; /* when the last batch was seen, µs; 0: no disk progress yet */
  gint64                   disk_part_seen; /* when its latest part was */
  guint64                  disk_step;    /* that batch's bytes seen so far */
  guint64                  disk_first;   /* disk bytes processed before the first batch */
  gboolean                 disk_prompt;  /* the last batch was seen within a second of the sample before */
  gint64                   last_sample;  /* when the sample before came, µs */
  guint64                  disk_bytes;   /* what the storage copy will move, as estimated before it */
  gint64                   started;      /* when the migration call began, µs */
  gboolean                 have_started;
  gint64                   setup;        /* QEMU's set-up as measured before (µs), 0: the guess */
  gint64                   setup_seen;   /* ...and in this migration, 0: not (yet) */
  gint64                   disk_first_changed; /* when the first batch was seen */
  gint64                   disk_first_began; /* when it began, if seen promptly (µs); 0: not known */
  struct {
    gint64  time;
    guint64 transferred;
    guint64 processed;
  }                        window[WINDOW_SAMPLES];
  guint                    window_len;
  guint64                  pace;         /* bytes done per second over the window, zero pages too */
  guint                    window_next;

  /* The memory model's inputs. */
  guint64                  resident;     /* the source QEMU's resident set, bytes, 0: unknown */
  gboolean                 by_reads;     /* ...filled by QEMU's reads: each zero page scanned costs */
  guint64                  max_downtime; /* ms, 0: QEMU's default */
  guint64                  pass;         /* the memory pass seen last */
  gint64                   pass_started; /* when it began, µs */
  gboolean                 pass_decided; /* the policy's forecast for this pass asked (or none to ask:
                                          * a pass begun before the first sample) */
  VirtMigrateForecast      pass_action;  /* ...and what it said */
  VirtMigrateGrowth        growth;       /* the resident set's readings */
  VirtMigrateLinkPace      link;         /* QEMU's memory rate, less its readings that are not the link's */
  guint64                  to_send;      /* bytes the model expects still to send, memory only; 0: none known */
  guint64                  resend_max;   /* the largest pass after the first seen: a bound of the working set */
  gint64                   memory_done;  /* when the memory was seen all sent, µs; 0: not yet */
  guint64                  postcopy_cap; /* bytes/s post-copy is held to, 0: uncapped */
  gboolean                 dirty_measured; /* QEMU's sampled count seen */
  guint64                  dirty_learnt; /* the guest's first-pass dirty rate last time, bytes/s, 0: unknown */
  guint64                  dirty_first;  /* ...and this time (QEMU's first figure), 0: not (yet) */
  VirtMigrateProgressForecastFunc forecast; /* the convergence policy's, or NULL */
  gpointer                 forecast_data;
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

/* Post-copy's own cap (the request's postcopy-bandwidth), bytes/s; 0:
 * none, post-copy goes as fast as the link. */
void
virt_migrate_progress_set_postcopy_cap (VirtMigrateProgress *self,
                                        guint64              bytes_per_second)
{
  self->postcopy_cap = bytes_per_second;
}

/* The source QEMU's resident set before the migration (libvirt's rss):
 * what the first memory pass can have to send, less QEMU's own; @by_reads:
 * QEMU's reads fill it (seen before the call), zero pages costing the scan. */
void
virt_migrate_progress_set_resident (VirtMigrateProgress *self,
                                    guint64              resident_bytes,
                                    gboolean             by_reads)
{
  self->resident = resident_bytes;
  self->by_reads = by_reads;
}

/* The downtime QEMU allows for the switch-over, in ms (0: its default):
 * the memory passes go on until what is left fits it. A change (the
 * policy raising it) moves the expected end at once. */
void
virt_migrate_progress_set_max_downtime (VirtMigrateProgress *self,
                                        guint64              milliseconds)
{
  if (milliseconds == self->max_downtime)
    return;
  self->max_downtime = milliseconds;
  self->end = 0; /* the next estimate is taken as it is */
}

/* The switch-over is forced (the guest paused, or post-copy): what is left
 * goes at once, the expected end with it. */
void
virt_migrate_progress_force (VirtMigrateProgress *self)
{
  self->end = 0;
}

/* The convergence policy, asked what it will do at each memory pass to
 * come: its action (a raised downtime, post-copy) counts in the expected
 * end before it is taken, and a guest it will give up on has none. */
void
virt_migrate_progress_set_forecast (VirtMigrateProgress             *self,
                                    VirtMigrateProgressForecastFunc  func,
                                    gpointer                         user_data)
{
  self->forecast = func;
  self->forecast_data = user_data;
}

/* How long @bytes sent without the pre-copy cap take, s (paused for the
 * switch-over, or post-copy): under a cap, as fast as the link goes, part of
 * the finish (bench-eta: 30 MiB capped at 8 MiB/s, with it in 2.1 s); post-copy
 * at its own cap if the request set one (libvirt's postcopy-bandwidth). */
static gdouble
uncapped_time (VirtMigrateProgress *self, gdouble bytes, gdouble rate)
{
  return self->cap > 0 ? 0 : bytes / rate;
}

static gdouble
postcopy_time (VirtMigrateProgress *self, gdouble bytes, gdouble rate)
{
  return self->postcopy_cap > 0 ? bytes / self->postcopy_cap : uncapped_time (self, bytes, rate);
}

/* The allowed downtime's worth at @rate, bytes: all of it (@pass 0), or
 * what is left when QEMU switches over during pass @pass (2: the second). */
static gdouble
downtime_worth (VirtMigrateProgress *self, gdouble rate, guint64 pass)
{
  gdouble worth = rate * (self->max_downtime > 0 ? self->max_downtime : DEFAULT_DOWNTIME_MS) / 1000.0;

  return pass == 0 ? worth : worth * (pass == 2 ? LAST_PASS_FITS_SECOND : LAST_PASS_FITS_LATER);
}

/* The passes after the one now running (pass @iteration; 0 before QEMU's
 * first statistics), s: each resends what the guest dirtied during the one
 * before (@pass s long) until what is left fits the downtime; the last goes
 * at the rate down to where QEMU switches over mid-pass (downtime_worth()),
 * the rest paused. At each pass's start the policy (if any) may act first:
 * a raised downtime switches over at once, post-copy sends the rest at the
 * rate. Its give-up ends the series (-1: no end at this rate) only in the
 * first pass: later the policy watches one more pass, a near thing the next
 * dirty rate decides (bench-eta's 384 MiB guest over 6 MiB/s converged so,
 * 4 Dec); in the first, it is the cue to read QEMU's count as a converging
 * guest's (memory_time_left()). Adds the bytes to *@bytes. */
static gdouble
later_passes (VirtMigrateProgress *self, gdouble rate, gdouble dirty, gdouble pass, guint64 iteration,
              gdouble *bytes)
{
  gdouble threshold = downtime_worth (self, rate, 0);
  /* A pass resends no more than the guest's working set: the largest pass
   * after the first seen (QEMU's dirty rate counts each page once per
   * pass, however often it is written). */
  gdouble ws = self->resend_max > 0 ? (gdouble) self->resend_max : G_MAXDOUBLE;
  gdouble x = MIN (dirty * pass, ws), t = 0;

  for (guint n = 0; x > threshold; n++)
    {
      VirtMigrateForecast action = VIRT_MIGRATE_FORECAST_NOTHING;
      guint64 downtime = 0;
      gdouble next, fits;

      if (self->forecast != NULL)
        action = self->forecast ((guint64) x, (guint64) rate, (guint64) dirty, &downtime, self->forecast_data);
      if (action == VIRT_MIGRATE_FORECAST_GIVE_UP && iteration <= 1)
        return -1;
      if (action == VIRT_MIGRATE_FORECAST_POSTCOPY)
        {
          *bytes += x;
          return t + postcopy_time (self, x, rate);
        }
      if (action == VIRT_MIGRATE_FORECAST_DOWNTIME)
        break; /* what is left fits the raised downtime: QEMU switches over */
      next = MIN (dirty * (x / rate), ws);
      /* Passes that no longer shrink (the working set resent whole each
       * time, or dirtied faster than it goes) never end by themselves: no
       * end, until the policy or the caller changes something. */
      if (next >= x * 0.95 || n == 64)
        return -1;
      fits = downtime_worth (self, rate, MAX (iteration, 1) + 1 + n); /* <= threshold < x */
      if (next <= fits)
        {
          t += (x - fits) / rate;
          *bytes += x - fits;
          x = fits;
          break;
        }
      t += x / rate;
      *bytes += x;
      x = next;
    }
  *bytes += x;
  /* The last bit goes while the guest is paused, and QEMU sends it
   * without the cap (bench-eta: 31 MiB in well under the 4 s an 8 MiB/s
   * cap would take). */
  return t + uncapped_time (self, x, rate);
}

/* The memory phase of a migration, modelled (iteration 0 or 1: the first
 * pass; then the later ones), in µs; 0: unknown, -1: no model (nothing
 * known of the guest's pages: the plain estimate instead).
 *
 * The first pass sends every page the guest ever wrote and skips the zero
 * ones (a page never touched is never resident), scanning the RAM in
 * order, so the counters so far cannot tell what lies ahead. Its payload
 * is what the source QEMU holds resident, less QEMU's own; what is ahead
 * is that less what went (QEMU's whole pages), no more than the RAM not yet
 * scanned, and it grows while the guest touches pages for the first time
 * (the resident set growing), which the scan then has to catch up with.
 * Each later pass resends what the guest dirtied during the one before,
 * a geometric series while it dirties slower than the link, until what is
 * left fits the allowed downtime. The dirty rate is QEMU's from the second
 * pass on; during the first, the one it sampled before (if any). */
static gint64
memory_time_left (VirtMigrateProgress *self, const VirtMigrateSample *s, gdouble rate)
{
  gdouble page = s != NULL && s->page_size > 0 ? s->page_size : 4096;
  guint64 iteration = s != NULL ? s->iteration : 0;
  gdouble dirty, converging = 0, left, elapsed, later, bytes = 0, sure, setup = 0;
  guint64 resident = s != NULL && s->resident > 0 ? s->resident : self->resident;
  gint64 now = s != NULL ? s->time : self->started;

  self->to_send = 0;
  if (rate <= 0)
    return 0;
  /* Never above half the link without the policy: one high count would
   * make a converging guest look endless. */
  dirty = iteration > 1 && s->dirty_rate > 0 ? s->dirty_rate * page
        : virt_migrate_dirty_prior_estimate (rate, self->dirty_learnt, s != NULL ? s->dirty_sampled : 0,
                                             s != NULL && s->dirty_measured, s != NULL ? s->dirty_seconds : 0,
                                             s != NULL && s->vcpu_measured ? s->vcpu_busy / 1000.0 : -1,
                                             self->forecast != NULL ? rate : rate / 2, &converging);
  if (s != NULL && s->postcopy)
    return (gint64) (postcopy_time (self, s->remaining, rate) * G_USEC_PER_SEC) + FINISH_US;
  /* Paused for the switch-over: QEMU sends what is left uncapped. */
  if (s != NULL && s->switch_over)
    return (gint64) (uncapped_time (self, s->remaining, rate) * G_USEC_PER_SEC) + FINISH_US;
  if (iteration <= 1)
    {
      gdouble sent = s != NULL ? s->memory_normal * page : 0;
      gdouble payload, ahead, growth;

      if (resident == 0)
        return -1;
      payload = MAX ((gdouble) resident - QEMU_OVERHEAD, sent);
      if (self->memory_bytes > 0)
        payload = MIN (payload, self->memory_bytes);
      ahead = MAX (payload - sent, 0);
      if (s != NULL && s->memory_total > 0)
        ahead = MIN (ahead, (gdouble) s->remaining);
      /* Pages touched for the first time ahead of the scan add to it
       * while the guest goes on touching new ones (its resident set
       * growing): the scan has to catch up with them. */
      growth = s != NULL ? virt_migrate_growth_rate (&self->growth, now, resident) : 0;
      /* Growth as fast as the link is the rate dipping for a moment (TCG
       * stalls the stream for half a second at times) far more often than
       * a guest touching new memory faster than the link: held to half of
       * it, as the dirty rate is, not an unknown end mid-pass. */
      growth = MIN (growth, rate / 2);
      left = ahead / (rate - growth);
      bytes += ahead + growth * left;
      /* The zero pages still to scan where QEMU's reads fill the set. */
      if (s != NULL && s->memory_total > 0 && s->resident == 0 && self->resident > 0)
        left += MAX ((gdouble) s->remaining - ahead, 0) / ZERO_SCAN_BY_READS;
      else if ((s == NULL || s->memory_total == 0) && self->by_reads)
        left += MAX ((gdouble) self->memory_bytes - ahead, 0) / ZERO_SCAN_BY_READS;
      /* A page written for the first time is a dirty page too: the guest
       * dirties at least as fast as its resident set grows (measured, where
       * QEMU's count is a guess), up to half the link as above. */
      dirty = MAX (dirty, MIN (growth, self->forecast != NULL ? rate : rate / 2));
      converging = MAX (converging, MIN (growth, self->forecast != NULL ? rate : rate / 2));
      /* The guest's pages are logged from QEMU's set-up's end, not from
       * the call: counting the set-up too made the next pass of a
       * two-second migration a third too big (bench-eta, 5 Dec). */
      elapsed = self->pass >= 1 ? (now - self->pass_started) / (gdouble) G_USEC_PER_SEC : 0;
      if (s == NULL || s->memory_total == 0)
        setup = MAX ((self->setup > 0 ? self->setup : MEMORY_SETUP_US) - (self->have_started ? now - self->started : 0),
                     0) / (gdouble) G_USEC_PER_SEC;
    }
  else
    {
      /* What is left fits the downtime (raised by the policy, say), as
       * QEMU reads it: QEMU switches over now, and sends it uncapped while
       * the guest is paused (part of the finish, as below). */
      if (self->cap > 0 && s->remaining <= downtime_worth (self, rate, s->iteration))
        {
          self->to_send = s->remaining;
          return FINISH_US;
        }
      /* The policy decides at a pass's start (asked once, it holds for the
       * pass): post-copy or a raised downtime ends this pass at once. A
       * give-up is left to the passes below: the policy watches one more
       * pass first (bench-eta's eta-m1, so read on 4 Dec, converged). */
      if (self->forecast != NULL && !self->pass_decided)
        {
          guint64 downtime = 0;

          self->pass_action = self->forecast (s->remaining, (guint64) rate, (guint64) dirty, &downtime,
                                              self->forecast_data);
          self->pass_decided = TRUE;
        }
      if (self->pass_action == VIRT_MIGRATE_FORECAST_POSTCOPY || self->pass_action == VIRT_MIGRATE_FORECAST_DOWNTIME)
        {
          self->to_send = s->remaining;
          return (gint64) ((self->pass_action == VIRT_MIGRATE_FORECAST_POSTCOPY
                            ? postcopy_time (self, s->remaining, rate)
                            : uncapped_time (self, s->remaining, rate)) * G_USEC_PER_SEC) +
                 FINISH_US;
        }
      left = s->remaining / rate;
      bytes += s->remaining;
      elapsed = (now - self->pass_started) / (gdouble) G_USEC_PER_SEC;
    }
  sure = bytes;
  later = later_passes (self, rate, dirty, MAX (elapsed, 0) + left, iteration, &bytes);
  /* In the first pass QEMU's count alone never blanks the expected end:
   * read as a guest faster than the link whose passes would never end
   * (and that the policy would not help), it is read as a converging
   * one's instead, until QEMU measures the rate at the second pass. */
  if (later < 0 && iteration <= 1 && converging < dirty)
    {
      bytes = sure;
      later = later_passes (self, rate, converging, MAX (elapsed, 0) + left, iteration, &bytes);
    }
  if (later < 0)
    return 0;
  self->to_send = (guint64) bytes;
  return (gint64) ((setup + left + later) * G_USEC_PER_SEC) + FINISH_US;
}

static void
window_add (VirtMigrateProgress *self, gint64 now, guint64 transferred, guint64 processed)
{
  self->window[self->window_next].time = now;
  self->window[self->window_next].transferred = transferred;
  self->window[self->window_next].processed = processed;
  self->window_next = (self->window_next + 1) % WINDOW_SAMPLES;
  self->window_len = MIN (self->window_len + 1, WINDOW_SAMPLES);
}

/* Bytes per second over the window: from the newest sample at least
 * WINDOW_US old (or the oldest one there is) to now; 0 while the window is
 * shorter than WINDOW_MIN_US. Of the bytes on the wire, or (@processed)
 * of the bytes done, zero pages included. */
static guint64
window_rate (VirtMigrateProgress *self, gint64 now, guint64 value, gboolean processed)
{
  guint oldest = 0;
  gboolean found = FALSE;
  guint64 then = 0;

  for (guint i = self->window_len; i-- > 0;)
    {
      guint k = (self->window_next + WINDOW_SAMPLES - self->window_len + i) % WINDOW_SAMPLES;

      oldest = k;
      found = TRUE;
      if (now - self->window[k].time >= WINDOW_US)
        break;
    }
  if (found)
    then = processed ? self->window[oldest].processed : self->window[oldest].transferred;
  if (!found || now - self->window[oldest].time < WINDOW_MIN_US || value < then)
    return 0;
  return (value - then) * G_USEC_PER_SEC / (guint64) (now - self->window[oldest].time);
}

/* The cap the disks are copied at: the call's (libvirt 9.0 leaves the
 * mirrors at it when the cap changes later, measured; the memory gets the new one). */
static guint64
disks_cap (VirtMigrateProgress *self)
{
  return self->have_started ? self->disk_cap : self->cap;
}

/* The cap of what @sample shows moving: the disks' while they are copied. */
static guint64
moving_cap (VirtMigrateProgress *self, const VirtMigrateSample *sample)
{
  gboolean disks = self->disk_bytes > 0 ? sample == NULL || sample->memory_total == 0
                                        : sample != NULL && sample->memory_total == 0 && sample->total > 0;

  return disks ? disks_cap (self) : self->cap;
}

/* When the disks will have moved, in the samples' clock; 0: unknown.
 * Under a cap, no sooner than the cap allows from the start: QEMU's mirror
 * reports a batch (16 MiB) at once, then owes the cap its time. A link
 * slower than the cap shows in the pace of the reports, which then decides. */
static gint64
disks_end (VirtMigrateProgress *self, const VirtMigrateSample *sample, guint64 rate)
{
  gboolean reported = sample != NULL && sample->total > 0;
  guint64 disk_total = reported ? sample->total : self->disk_bytes;
  gdouble disk_left = reported ? sample->remaining : self->disk_bytes;
  gint64 now = sample != NULL ? sample->time : self->started;
  gint64 from_start = 0, from_reports = 0, last;
  gdouble pace = rate;
  guint64 before;
  guint64 cap = disks_cap (self);

  if (disk_total == 0)
    return 0; /* nothing known yet: not even whether there are disks */
  /* (Once the first batch is seen promptly, the mirror's real start: the
   * set-up varies from machine to machine, 0.4 s to 1.4 s.) */
  if (cap > 0 && self->disk_first_began > 0)
    from_start = self->disk_first_began +
                 (gint64) ((disk_total - MIN (self->disk_first, disk_total)) / (gdouble) cap * G_USEC_PER_SEC);
  else if (cap > 0 && self->have_started && disk_total > 0)
    from_start = self->started + DISK_SETUP_US + (gint64) (disk_total / (gdouble) cap * G_USEC_PER_SEC);
  /* The pace from the earliest time the last step could have happened (a
   * late sighting is no slower link), over the batches before the last (the
   * disk's remainder is not the pace's: 8 MiB after 16 at 2 MiB/s, +60 %). */
  before = self->disk_done - self->disk_step - MIN (self->disk_first, self->disk_done - self->disk_step);
  last = self->disk_seen_after > self->disk_first_changed ? self->disk_seen_after : self->disk_changed;
  if (cap > 0 && last > self->disk_first_changed)
    pace = MIN (before * (gdouble) G_USEC_PER_SEC / (last - self->disk_first_changed), (gdouble) cap);
  else if (cap > 0)
    pace = cap; /* one batch: the pace is the cap's until the next */
  /* The last batch still owes the cap its time from when it began (the rest
   * is in the remaining bytes), unless the statistics blocked before it was
   * seen: then the start's bound above decides. */
  if (cap > 0 && self->disk_changed > 0 && self->disk_prompt)
    disk_left += self->disk_step;
  /* The last step: halfway between the sample that showed it and the one before. */
  if (pace > 0)
    from_reports = (self->disk_changed > 0 ? (self->disk_seen_after + self->disk_changed) / 2 : now) +
                   (gint64) (disk_left / pace * G_USEC_PER_SEC);
  if (from_start == 0 && from_reports == 0)
    return 0;
  return MAX (MAX (from_start, from_reports), now);
}

/* What is still ahead, in time: the disks, the memory (passes resending
 * what the guest dirties meanwhile), libvirt's finish. 0: unknown (no rate
 * yet, or a guest dirtying faster than the link). @sample: %NULL after start. */
static gint64
estimate_time_left (VirtMigrateProgress *self, const VirtMigrateSample *sample, guint64 rate)
{
  const VirtMigrateProgressState *st = &self->state;
  gint64 now = sample != NULL ? sample->time : self->started;
  gdouble memory_rate;
  guint64 cap = moving_cap (self, sample);

  if (cap > 0)
    rate = rate > 0 ? MIN (rate, cap) : 0;
  /* All sent (memory-only or after a storage copy): what is left is
   * libvirt's finish, counting down from the first sample that showed it
   * (never quite to nothing while the job runs). */
  if (sample != NULL && sample->memory_total > 0 && sample->remaining == 0 && sample->transferred > 0)
    {
      self->to_send = 0;
      if (self->memory_done == 0)
        {
          self->memory_done = now;
          self->end = 0; /* what is left is known now: no smoothing towards it */
        }
      return MAX (FINISH_US - (now - self->memory_done), FINISH_US / 5);
    }
  /* Memory only: the model, at QEMU's pace for the link (under a cap, the cap until it reports one). */
  if (self->disk_bytes == 0 && (sample == NULL || sample->total == 0 || sample->memory_total > 0))
    {
      gdouble pace = sample != NULL && self->link.bps > 0 ? (gdouble) MIN (self->link.bps, self->cap ? self->cap : G_MAXUINT64)
                   : self->cap > 0 ? (gdouble) self->cap : (gdouble) rate;
      gint64 modelled;

      modelled = memory_time_left (self, sample, pace);
      if (modelled >= 0)
        return modelled;
    }
  self->to_send = 0;
  if (sample == NULL || sample->memory_total == 0)
    {
      gint64 end = disks_end (self, sample, rate);
      gdouble memory_pace = rate > 0 ? rate : self->cap;

      if (end == 0 || memory_pace == 0 || (sample != NULL && st->remaining == 0))
        return 0;
      return end - now + (gint64) (uncapped_time (self, self->memory_bytes * MEMORY_GUESS, memory_pace) * G_USEC_PER_SEC) +
             AFTER_DISKS_US + FINISH_US;
    }
  /* Under a cap, QEMU's own pace for the link (virt-migrate-link-pace.c),
   * held to the cap; without, the window's: bursts read high. */
  if (self->cap > 0 && self->link.bps > 0)
    rate = MIN (self->link.bps, self->cap);
  /* The first pass skips zero pages: it goes at the pace the remaining
   * bytes fall, when that is faster than the wire, and until a second of
   * that pace is seen nobody knows (QEMU's wire rate alone made an idle
   * guest's end many times too late, bench-eta). */
  if (sample->iteration <= 1)
    {
      if (self->pace == 0)
        return 0;
      rate = MAX (rate, self->pace);
    }
  if (rate == 0 || st->remaining == 0)
    return 0;
  memory_rate = rate;
  if (sample->iteration > 1 && st->dirty_rate > 0)
    {
      /* Each pass resends what the last one let the guest dirty. */
      if (st->dirty_rate >= rate)
        return 0; /* it does not converge at this rate: no honest figure */
      memory_rate = rate - st->dirty_rate;
    }
  return (gint64) (sample->remaining / memory_rate * G_USEC_PER_SEC) + FINISH_US;
}

/* The disks' progress moves in batches: when the last one began, and how
 * much of it has been seen. QEMU's capped mirror writes a batch (16 MiB,
 * or the disk's remainder) and owes the cap its time from when it began; a
 * sample can see a batch in two parts (under load 10 and 6 MiB). A step in
 * the sample right after a part, fitting in one batch with it, is the same
 * batch and keeps its date (dated from its own sighting, owing only its
 * second part: the end 0.8 s early at 75 %, eta-loaded in CI). */
static void
track_disks (VirtMigrateProgress *self, const VirtMigrateSample *sample)
{
  guint64 done, step;

  if (sample->memory_total != 0 || sample->total == 0)
    return;
  done = sample->total > sample->remaining ? sample->total - sample->remaining : 0;
  if (done <= self->disk_done)
    return;
  step = done - self->disk_done;
  if (self->disk_changed > 0 && self->disk_part_seen == self->last_sample &&
      self->disk_step + step <= DEFAULT_BATCH)
    {
      self->disk_step += step;
    }
  else
    {
      if (self->disk_changed == 0)
        {
          /* Bytes before the first batch: none, unless its sighting holds
           * more (batches seen together, the last dated here). */
          self->disk_first = done - MIN (done, DEFAULT_BATCH);
          self->disk_first_changed = sample->time;
        }
      self->disk_step = MIN (step, DEFAULT_BATCH);
      self->disk_prompt = sample->time - (self->last_sample > 0 ? self->last_sample :
                                          self->have_started ? self->started : sample->time) <= G_USEC_PER_SEC;
      self->disk_changed = sample->time;
      self->disk_seen_after = self->last_sample > 0 ? self->last_sample : sample->time;
      if (self->disk_first_changed == sample->time && self->disk_prompt)
        self->disk_first_began = (self->disk_seen_after + sample->time) / 2;
    }
  self->disk_done = done;
  self->disk_part_seen = sample->time;
}

/* The median of the last three raw ends (of two, the one nearer the
 * current end): one odd sample — libvirt's remaining bytes read high once,
 * a statistics call that blocked under load — is outvoted, not followed. */
static gint64
median_end (VirtMigrateProgress *self)
{
  gint64 a, b, c;

  if (self->raw_len == 1)
    return self->raw[(self->raw_next + 2) % 3];
  if (self->raw_len == 2)
    {
      a = self->raw[(self->raw_next + 1) % 3];
      b = self->raw[(self->raw_next + 2) % 3];
      return ABS (a - self->end) <= ABS (b - self->end) ? a : b;
    }
  a = self->raw[0], b = self->raw[1], c = self->raw[2];
  return MAX (MIN (a, b), MIN (MAX (a, b), c));
}

/* The expected end moves a part of the way to each new estimate (the
 * median of the last three), so that one burst or one odd sample does not
 * make it jump; an end that has passed is replaced at once. */
static void
update_end (VirtMigrateProgress *self, gint64 now, gint64 time_left)
{
  if (time_left == 0)
    {
      self->end = 0;
      self->raw_len = 0;
      self->state.time_left = 0;
      return;
    }
  /* The first estimate, or one after the end passed: taken as it is, and
   * the votes start again from it. */
  if (self->end == 0 || self->end <= now)
    self->raw_len = 0;
  self->raw[self->raw_next] = now + time_left;
  self->raw_next = (self->raw_next + 1) % 3;
  self->raw_len = MIN (self->raw_len + 1, 3);
  if (self->raw_len == 1)
    self->end = now + time_left;
  else
    {
      gint64 median = median_end (self);
      gdouble weight = END_SMOOTHING;

      if (median > now && now > self->end_updated)
        weight = CLAMP (1 - exp (-MIN (now - self->end_updated, END_SAMPLE_US) * END_HORIZON / (gdouble) (median - now)),
                        END_SMOOTHING, END_SMOOTHING_MAX);
      self->end += (gint64) ((median - self->end) * weight);
    }
  self->end_updated = now;
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
  guint64 rate, cap;

  if (!sample->active || !sample->have_total)
    return FALSE;

  if (sample->memory_total == 0 && self->memory_bytes > 0)
    {
      total += self->memory_bytes;
      remaining += self->memory_bytes;
    }
  track_disks (self, sample);
  if (sample->memory_total > 0 && sample->iteration > 1)
    self->resend_max = MAX (self->resend_max, sample->remaining);
  if (sample->memory_total > 0 && sample->iteration > self->pass)
    {
      /* QEMU's first statistics end the set-up guessed (MEMORY_SETUP_US),
       * the second pass brings its measured dirty rate in place of the
       * first pass's guess: the estimate from either is taken as it is. */
      if ((self->pass == 0 && self->disk_bytes == 0) || (self->pass <= 1 && sample->iteration >= 2 && sample->dirty_rate > 0))
        self->end = 0;
      if (self->pass == 0 && self->disk_bytes == 0 && self->have_started && sample->time > self->started)
        self->setup_seen = sample->time - self->started;
      self->pass_decided = self->pass < 1;
      self->pass_action = VIRT_MIGRATE_FORECAST_NOTHING;
      self->pass = sample->iteration;
      /* It began between the sample before (the first pass: or the
       * call) and this one. */
      self->pass_started = self->last_sample > 0 ? (self->last_sample + sample->time) / 2
                         : sample->iteration == 1 && self->have_started && self->started < sample->time
                         ? (self->started + sample->time) / 2
                         : sample->time;
    }
  /* QEMU's sampled count, in the first pass, is news (the guest's kind,
   * idle or not), not noise: the estimate from it is taken as it is. */
  if (sample->dirty_measured && !self->dirty_measured)
    {
      self->dirty_measured = TRUE;
      if (sample->memory_total > 0 && sample->iteration <= 1)
        self->end = 0;
    }
  if (sample->resident > 0)
    virt_migrate_growth_add (&self->growth, sample->time, sample->resident);
  virt_migrate_link_pace_add (&self->link, sample);
  /* A sample whose disk bytes went back (libvirt's count read low once)
   * bounds no step's time: the next step is dated from the one before. */
  if (sample->memory_total != 0 || sample->total == 0 ||
      sample->total - MIN (sample->remaining, sample->total) >= self->disk_done)
    self->last_sample = sample->time;
  rate = window_rate (self, sample->time, sample->transferred, FALSE);
  self->pace = window_rate (self, sample->time, total > remaining ? total - remaining : 0, TRUE);
  window_add (self, sample->time, sample->transferred, total > remaining ? total - remaining : 0);
  cap = moving_cap (self, sample);
  if (cap > 0 && rate > cap * CAP_NOISE)
    rate = (guint64) (cap * CAP_NOISE);

  st->total = total;
  st->remaining = remaining;
  st->processed = total > remaining ? total - remaining : 0;
  st->transferred = sample->transferred;
  st->rate = rate;
  st->dirty_rate = sample->dirty_rate * (sample->page_size > 0 ? sample->page_size : 4096);
  if (self->dirty_first == 0 && sample->iteration > 1)
    self->dirty_first = st->dirty_rate;
  st->iteration = MAX (st->iteration, sample->iteration);
  update_end (self, sample->time, estimate_time_left (self, sample, rate));
  /* Never backwards: re-dirtied pages make libvirt's remaining bytes grow.
   * Memory only, with the model: the bytes sent against those it expects
   * to send in all (the passes that resend pages too), so the bar goes on
   * moving through the later passes instead of stopping at the first's. */
  if (self->to_send > 0 && sample->memory_total > 0 && sample->transferred > 0)
    st->fraction = MAX (st->fraction, CLAMP ((gdouble) sample->transferred /
                                             (gdouble) (sample->transferred + self->to_send), 0.0, 0.99));
  else if (total > 0)
    st->fraction = MAX (st->fraction,
                        CLAMP ((gdouble) (total - MIN (remaining, total)) / (gdouble) total, 0.0, 1.0));
  st->phase = sample->postcopy ? VIRT_MIGRATE_PHASE_POSTCOPY :
              sample->switch_over ? VIRT_MIGRATE_PHASE_SWITCH_OVER :
              sample->total == 0 ? (self->have_started && self->disk_bytes > 0 ? VIRT_MIGRATE_PHASE_COPYING_DISKS
                                                                            : VIRT_MIGRATE_PHASE_CONNECTING) :
              sample->memory_total == 0 && total > self->memory_bytes ? VIRT_MIGRATE_PHASE_COPYING_DISKS :
              VIRT_MIGRATE_PHASE_MEMORY;
  return TRUE;
}

/* The migration call begins (at @time, in the samples' clock), to copy
 * about @disk_bytes of disks first (0: none, or unknown). Under a known
 * cap that gives an expected end before libvirt reports anything, which
 * it may not do for seconds. */
void
virt_migrate_progress_start (VirtMigrateProgress *self,
                             gint64               time,
                             guint64              disk_bytes)
{
  self->started = time;
  self->have_started = TRUE;
  self->disk_cap = self->cap;
  /* The resident set read before the migration: where its growth is
   * measured from. */
  if (self->resident > 0 && self->growth.len == 0)
    virt_migrate_growth_add (&self->growth, time, self->resident);
  self->disk_bytes = disk_bytes;
  if (disk_bytes > 0)
    self->state.phase = VIRT_MIGRATE_PHASE_COPYING_DISKS;
  update_end (self, time, estimate_time_left (self, NULL, 0));
}

/* What the last migrations measured, for this one's guesses: QEMU's set-up
 * (the call to its first memory statistics) between these hosts, µs; the
 * guest's dirty rate in its first pass, bytes/s; 0: not known. The getters
 * return this migration's (the set-up of a memory-only one; QEMU's first
 * dirty figure, from the second pass), 0 until known. */
void
virt_migrate_progress_set_setup (VirtMigrateProgress *self,
                                 gint64               setup_us)
{
  self->setup = MAX (setup_us, 0);
}

gint64
virt_migrate_progress_get_setup (VirtMigrateProgress *self)
{
  return self->setup_seen;
}

void
virt_migrate_progress_set_dirty_learnt (VirtMigrateProgress *self,
                                        guint64              bytes_per_second)
{
  self->dirty_learnt = bytes_per_second;
}

guint64
virt_migrate_progress_get_dirty_first (VirtMigrateProgress *self)
{
  return self->dirty_first;
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
