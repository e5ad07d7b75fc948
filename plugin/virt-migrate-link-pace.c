/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* QEMU's memory rate (its "mbps", bytes over its last tenth of a second)
 * is the link's pace while it sends pages, and the memory model's pace for
 * the passes to come (held to the cap by the model). Not every reading is
 * the link's: where the scan crosses zero pages, which go as headers,
 * across the bitmap sync between two passes and while nothing is sent,
 * the bytes per second fall though the link is as fast as ever (a 320 MiB guest over 10 MiB/s: 2.7,
 * 1.6, then 1.2 MiB/s at the second pass's first sample, with the guest
 * dirtying 1.9 MiB/s: a series that would never end, an expected end shown
 * as unknown 84 % into a 9-s migration). A reading whose interval sent
 * no page whole, more zero pages than whole ones, or that spans a pass's
 * start, only raises the pace; any other is the pace, lower too (a slower
 * link is news). */
#include "config.h"

#include "virt-migrate-link-pace.h"

void
virt_migrate_link_pace_add (VirtMigrateLinkPace     *self,
                            const VirtMigrateSample *sample)
{
  gboolean sending;

  if (sample->memory_total == 0)
    return;
  sending = self->seen && sample->iteration == self->iteration &&
            sample->memory_normal > self->normal && sample->memory_constant >= self->constant &&
            sample->memory_normal - self->normal >= sample->memory_constant - self->constant;
  if (sample->memory_bps > 0 && (sending || sample->memory_bps > self->bps || self->bps == 0))
    self->bps = sample->memory_bps;
  self->constant = sample->memory_constant;
  self->normal = sample->memory_normal;
  self->iteration = sample->iteration;
  self->seen = TRUE;
}
