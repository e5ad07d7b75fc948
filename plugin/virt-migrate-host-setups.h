/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "virt-migrate-request.h"

G_BEGIN_DECLS

/* How long QEMU's set-up took between two hosts, for the whole process
 * (see the .c). */
char    *virt_migrate_host_setups_key    (VirtMigrateRequest *request);
void     virt_migrate_host_setups_note   (const char         *key,
                                          gint64              setup_us);
void     virt_migrate_host_setups_seed   (const char         *key,
                                          const gint64       *setup_us,
                                          guint               n);
gboolean virt_migrate_host_setups_lookup (const char         *key,
                                          gint64             *median_us);
/* ...and whether QEMU's reads filled the source's resident set in the
 * last migration between them that could tell. */
void     virt_migrate_host_setups_note_reads   (const char   *key,
                                                gboolean      by_reads);
gboolean virt_migrate_host_setups_lookup_reads (const char   *key);

G_END_DECLS
