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

G_END_DECLS
