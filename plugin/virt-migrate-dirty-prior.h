/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A guest's dirty rate during a migration's first pass, before QEMU
 * measures one: a pure unit of the progress model (see the .c). */
gdouble virt_migrate_dirty_prior_estimate (gdouble   link_rate,
                                           gdouble   learnt,
                                           guint64   sampled,
                                           gboolean  measured,
                                           guint64   seconds,
                                           gdouble   busy,
                                           gdouble   ceiling,
                                           gdouble  *converging);

G_END_DECLS
