/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate.h"

G_BEGIN_DECLS

/* A drain from D-Bus (Manager.Drain's a{sv}): the request's keys and the
 * drain's own (destinations, max-parallel, placement, include, exclude,
 * dry-run) apart, a guest or a single dest-uri refused. */
gboolean virt_migrate_drain_split_options (GVariant   *dict,
                                           GVariant  **request_dict,
                                           GVariant  **options,
                                           char     ***destinations,
                                           GError    **error);
/* The drain's own keys of @options set on @drain (not started yet). */
gboolean virt_migrate_drain_apply_options (VirtMigrateDrain  *drain,
                                           GVariant          *options,
                                           GError           **error);

G_END_DECLS
