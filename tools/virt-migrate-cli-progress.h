/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What one frame of the progress bar shows, from a job in this process or
 * on the bus. */
typedef struct {
  gdouble     progress;
  guint64     total;
  guint64     done;
  guint64     rate;
  gint64      end;       /* expected end, µs since the epoch; 0: unknown */
  const char *phase;     /* the job's phase nick */
  guint64     iteration;
  const char *outcome;   /* NULL while it runs; "succeeded", "failed", "cancelled" */
} CliProgressFrame;

/* What the bar has shown of the expected end, so that it never climbs
 * when the outcome is near. */
typedef struct {
  gint64 last_left; /* seconds shown last; -1: none */
} CliProgressEta;

#define CLI_PROGRESS_ETA_INIT { -1 }

/* The frame as one line of at most @width - 1 columns (the last column
 * left empty, so that a terminal never wraps it); @width 0: no limit (a
 * pipe). @now is g_get_real_time(). */
char  *cli_progress_format    (const CliProgressFrame *frame,
                               guint                   width,
                               gint64                  now,
                               CliProgressEta         *eta);

/* "memory, pass 2" and the like. */
void   cli_progress_phase     (char                   *buf,
                               gsize                   len,
                               const char             *phase,
                               guint64                 iteration);

/* The terminal's width on @fd ($COLUMNS, then 80, where it cannot say). */
guint  cli_terminal_width     (int                     fd);

G_END_DECLS
