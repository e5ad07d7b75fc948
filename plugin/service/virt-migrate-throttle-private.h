/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The rate limit of the D-Bus and HTTP views of a job: TRUE when an update
 * may go out now, at least @interval_us after the one sent at @last
 * (monotonic µs); otherwise @source (0 when unset) is made to call @func
 * once that time has come, so the last change is never lost. */
static inline gboolean
virt_migrate_throttle (gint64       last,
                       gint64       interval_us,
                       guint       *source,
                       GSourceFunc  func,
                       gpointer     data)
{
  gint64 now = g_get_monotonic_time ();

  if (now >= last + interval_us)
    return TRUE;
  if (*source == 0)
    *source = g_timeout_add ((guint) ((last + interval_us - now) / 1000) + 1, func, data);
  return FALSE;
}

G_END_DECLS
