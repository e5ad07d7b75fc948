/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <virt-migrate.h>

G_BEGIN_DECLS

/* A page of the history for a front end (D-Bus GetHistory, HTTP
 * /v1/history): at most VIRT_MIGRATE_HISTORY_PAGE_MAX bytes of records,
 * the newest that fit (a caller's smaller max-bytes stands), read and
 * parsed in a thread, off the main loop. Callers page with offset. */
#define VIRT_MIGRATE_HISTORY_PAGE_MAX (4 * 1024 * 1024)

void      virt_migrate_history_page_async  (VirtMigrateHistory  *history,
                                            GVariant            *filter,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
GVariant *virt_migrate_history_page_finish (VirtMigrateHistory  *history,
                                            GAsyncResult        *result,
                                            GError             **error);

void      virt_migrate_history_page_return (VirtMigrateHistory    *history,
                                            GVariant              *filter,
                                            GDBusMethodInvocation *invocation);

G_END_DECLS
