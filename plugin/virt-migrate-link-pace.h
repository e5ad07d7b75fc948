/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-sample.h"

G_BEGIN_DECLS

/* The link's pace for memory as QEMU reads it, less its readings that are
 * not the link's: a pure unit of the progress model (see the .c). Plain
 * data, zeroed to start. */
typedef struct {
  guint64 bps;        /* the pace, bytes/s; 0: none read yet */
  guint64 constant;   /* QEMU's page counts at the sample before */
  guint64 normal;
  guint64 iteration;
  gboolean seen;      /* a sample before */
} VirtMigrateLinkPace;

void virt_migrate_link_pace_add (VirtMigrateLinkPace     *self,
                                 const VirtMigrateSample *sample);

G_END_DECLS
