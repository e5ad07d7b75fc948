/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-history.h"

G_BEGIN_DECLS

/* The history file's reader, for the unit tests and the fuzzer: the
 * records of @length bytes of its text (NULs, bad UTF-8 and torn lines
 * skipped with a warning naming them), and how many lines there were. */
GPtrArray *virt_migrate_history_parse (const char *contents,
                                       gsize       length,
                                       guint      *n_lines);

/* A new id, unique among every record this history holds or will hold,
 * from a counter kept in the lock file under the writers' lock (so
 * unique across the processes that share the history); 0 with @error
 * set if the lock file cannot be written. */
guint      virt_migrate_history_reserve_id (VirtMigrateHistory *self,
                                            GError            **error);

/* @record with its strings cut to 1 KiB (256 bytes inside lists) and its
 * lists to 32 elements, each cut marked: what the history writes.
 * Returns: (transfer full): a strong reference. */
GVariant  *virt_migrate_history_bound_record (GVariant *record);

G_END_DECLS
