/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What each guest dirtied in its last migration's first pass, by UUID, for
 * the whole process (see the .c). */
void    virt_migrate_guest_rates_note   (const char *uuid,
                                         guint64     bytes_per_second,
                                         gboolean    replace);
guint64 virt_migrate_guest_rates_lookup (const char *uuid);

G_END_DECLS
