/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CLI's progress bar: one line that fits the terminal, an expected end
 * that is hidden rather than wrong, and a last frame that says the outcome. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "virt-migrate-cli-progress.h"

#define BAR_MAX 30
#define BAR_MIN 10

void
cli_progress_phase (char *buf, gsize len, const char *phase, guint64 iteration)
{
  if (g_strcmp0 (phase, "memory") == 0 && iteration > 0)
    g_snprintf (buf, len, "memory, pass %" G_GUINT64_FORMAT, iteration);
  else if (g_strcmp0 (phase, "copying-disks") == 0)
    g_strlcpy (buf, "copying disks", len);
  else
    g_strlcpy (buf, phase != NULL ? phase : "", len);
}

guint
cli_terminal_width (int fd)
{
  struct winsize ws;
  const char *columns = g_getenv ("COLUMNS");
  guint64 n;

  if (ioctl (fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  if (columns != NULL && g_ascii_string_to_unsigned (columns, 10, 1, 10000, &n, NULL))
    return (guint) n;
  return 80;
}

/* The expected end as "m:ss", or "--:--": unknown, in the switch-over or
 * the finish (where libvirt's figures say nothing of the pause), over, or
 * climbing: an end that moves away (by more than 10 % and 2 s of the one
 * shown; from 90 % on, at all) is the estimate having been wrong, and a
 * person reading a bar trusts a countdown, so it is hidden until the
 * estimate comes back under what was shown. */
static void
format_eta (char *buf, gsize len, const CliProgressFrame *f, gint64 now, CliProgressEta *eta)
{
  gint64 left;

  g_strlcpy (buf, "--:--", len);
  if (f->outcome != NULL || f->end <= 0 || g_strcmp0 (f->phase, "switch-over") == 0 ||
      g_strcmp0 (f->phase, "finishing") == 0)
    return;
  left = MAX ((f->end - now) / G_USEC_PER_SEC, 0);
  if (eta->last_left >= 0 && left > eta->last_left + (f->progress >= 0.9 ? 0 : 2 + eta->last_left / 10))
    return;
  eta->last_left = left;
  g_snprintf (buf, len, "%" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT, left / 60, left % 60);
}

static const char *
outcome_label (const char *outcome)
{
  if (g_strcmp0 (outcome, "succeeded") == 0)
    return "done";
  return outcome; /* "failed", "cancelled" */
}

char *
cli_progress_format (const CliProgressFrame *f, guint width, gint64 now, CliProgressEta *eta)
{
  char pct[8], sizes[64], rate[32], eta_s[24], label[64], bar[BAR_MAX + 3];
  guint max = width > 0 ? width - 1 : G_MAXUINT;
  gboolean with_rate = TRUE, with_sizes = TRUE, with_bar = TRUE;
  guint bar_len = BAR_MAX;
  GString *line = g_string_new (NULL);

  g_snprintf (pct, sizeof pct, "%3.0f%%", f->progress * 100.0);
  g_snprintf (sizes, sizeof sizes, "%.1f/%.1f MiB", f->done / (1024.0 * 1024.0), f->total / (1024.0 * 1024.0));
  g_snprintf (rate, sizeof rate, "%.1f MiB/s", f->rate / (1024.0 * 1024.0));
  format_eta (eta_s, sizeof eta_s, f, now, eta);
  if (f->outcome != NULL)
    g_strlcpy (label, outcome_label (f->outcome), sizeof label);
  else
    cli_progress_phase (label, sizeof label, f->phase, f->iteration);

  /* The widest that fits: the rate goes first, then the sizes, then the
   * bar shrinks and goes; the phase (or outcome) and ETA stay, cut last. */
  for (;;)
    {
      guint filled, i;

      g_string_truncate (line, 0);
      if (with_bar)
        {
          filled = (guint) (f->progress * bar_len + 0.5);
          bar[0] = '[';
          for (i = 0; i < bar_len; i++)
            bar[i + 1] = i < filled ? '#' : '.';
          bar[bar_len + 1] = ']';
          bar[bar_len + 2] = '\0';
          g_string_append_printf (line, "%s ", bar);
        }
      g_string_append (line, pct);
      if (with_sizes)
        g_string_append_printf (line, "  %s", sizes);
      if (with_rate)
        g_string_append_printf (line, "  %s", rate);
      g_string_append_printf (line, "  ETA %s", eta_s);
      if (label[0] != '\0')
        g_string_append_printf (line, "  %s", label);
      if (line->len <= max)
        break;
      if (with_rate)
        with_rate = FALSE;
      else if (with_sizes)
        with_sizes = FALSE;
      else if (with_bar && bar_len > BAR_MIN)
        bar_len = MAX (BAR_MIN, bar_len - (guint) MIN (line->len - max, bar_len - BAR_MIN));
      else if (with_bar)
        with_bar = FALSE;
      else
        {
          g_string_truncate (line, max);
          break;
        }
    }
  return g_string_free (line, FALSE);
}
