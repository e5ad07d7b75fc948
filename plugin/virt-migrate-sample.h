/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One reading of a migration's statistics (libvirt's job statistics, or a
 * line of a recorded trace). Plain data: the backend fills it on a worker
 * thread, the job hands it to the progress and convergence units on its
 * main context. */
typedef struct {
  gint64   time;          /* monotonic µs when it was taken */
  gboolean active;        /* a migration job runs (libvirt: type != NONE) */
  gboolean completed;     /* final statistics of a finished job */
  gboolean have_total;
  guint64  total;         /* DATA_TOTAL: bytes to move, disks included */
  guint64  transferred;   /* DATA_PROCESSED: bytes sent, re-sent pages included */
  guint64  remaining;     /* DATA_REMAINING */
  guint64  memory_total;  /* MEMORY_TOTAL: 0 while only disks are copied */
  guint64  memory_bps;
  guint64  disk_bps;
  guint64  dirty_rate;    /* MEMORY_DIRTY_RATE, pages/s */
  guint64  page_size;     /* MEMORY_PAGE_SIZE */
  guint64  iteration;     /* MEMORY_ITERATION: the memory pass */
  guint64  time_elapsed;  /* ms */
  gboolean have_downtime;
  guint64  downtime;      /* ms */
  guint64  memory_constant; /* MEMORY_CONSTANT: pages found zero (sent as a header), this migration */
  guint64  memory_normal;   /* MEMORY_NORMAL: pages sent whole, this migration */
  guint64  resident;        /* the source QEMU's resident set (libvirt's rss), bytes; 0: not known */
  guint64  dirty_sampled;   /* the dirty rate QEMU sampled before the migration, bytes/s */
  gboolean dirty_measured;  /* ...and it has: dirty_sampled is its figure, 0 included (an idle guest) */
  guint64  vcpu_busy;       /* how busy the guest's vCPUs were meanwhile, permille of their time */
  gboolean vcpu_measured;   /* ...known: vcpu_busy is its figure (since the sampling began; final with its rate) */
  guint64  dirty_seconds;   /* how long QEMU sampled the dirty rate, s; 0: 2, as before this was recorded */
  gboolean postcopy;      /* the guest runs on the destination already */
  gboolean switch_over;   /* the source guest is paused for the switch-over */
} VirtMigrateSample;

gboolean virt_migrate_sample_parse  (const char        *line,
                                     VirtMigrateSample *sample);
char    *virt_migrate_sample_format (const VirtMigrateSample *sample);

G_END_DECLS
