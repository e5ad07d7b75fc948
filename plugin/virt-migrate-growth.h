/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The source QEMU's resident set as read over a migration, and how fast it
 * grows (pages the guest writes for the first time): a pure unit of the
 * progress model (see the .c). Plain data, zeroed to start. */
#define VIRT_MIGRATE_GROWTH_SAMPLES 40

typedef struct {
  struct {
    gint64  time;     /* µs */
    guint64 resident; /* bytes */
  }       readings[VIRT_MIGRATE_GROWTH_SAMPLES];
  guint   len;
  guint   next;
  guint64 step;       /* the last step up, bytes */
  gint64  step_time;  /* ...and when it came, µs */
} VirtMigrateGrowth;

void    virt_migrate_growth_add  (VirtMigrateGrowth *self,
                                  gint64             now,
                                  guint64            resident);
gdouble virt_migrate_growth_rate (VirtMigrateGrowth *self,
                                  gint64             now,
                                  guint64            resident);

G_END_DECLS
