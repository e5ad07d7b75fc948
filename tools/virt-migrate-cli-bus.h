/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The CLI's connection to virt-migrated's bus; NULL after printing why. */
GDBusConnection *cli_bus_connect     (gboolean system_bus);
/* "error: MESSAGE" on standard error, without GDBus's remote prefix. */
void             cli_print_bus_error (GError  *error);
/* "7" or "/org/virtmigrate/VirtMigrate1/jobs/7": the job's object path,
 * NULL for anything else. */
char            *cli_job_path_for    (const char *arg);
/* virt-migrate [--system] jobs / cancel JOB: exit statuses. */
int              cli_list_jobs       (gboolean system_bus);
int              cli_cancel_job      (gboolean system_bus,
                                      const char *path);

G_END_DECLS
