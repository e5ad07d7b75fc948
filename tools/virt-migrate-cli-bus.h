/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include <gio/gio.h>

G_BEGIN_DECLS

/* Whether a session bus is there to use. */
gboolean         cli_have_session_bus (void);
/* The CLI's connection to virt-migrated's bus (the system bus when asked
 * or when there is no session bus); NULL after printing why. */
GDBusConnection *cli_bus_connect     (gboolean system_bus);
/* "virt-migrate: error: MESSAGE" on standard error, without GDBus's
 * remote prefix, in the CLI's words (cli_words()). */
void             cli_print_bus_error (GError  *error);
/* Every error of the CLI: "virt-migrate: error: MESSAGE" (escaped), then
 * @hint on a line of its own when there is one ("Try 'virt-migrate --help'"). */
void             cli_error           (const char *hint,
                                      const char *format,
                                      ...) G_GNUC_PRINTF (2, 3);
/* A message of the library's (which names request properties) as an
 * error in the CLI's words (cli_words()), with libvirt's error number
 * when it has one (0: none). */
void             cli_error_in_words  (const char *message,
                                      int         libvirt_code);
/* "7" or "/org/virtmigrate/VirtMigrate1/jobs/7": the job's object path,
 * NULL for anything else. */
char            *cli_job_path_for    (const char *arg);
/* printf() for text that carries names from elsewhere (a guest's name, a
 * libvirt error, a history record): every control character but the
 * newline is written escaped (\\x1b, \\u009b…), so a name cannot drive
 * the terminal. */
void             cli_print_safe      (FILE       *out,
                                      const char *format,
                                      ...) G_GNUC_PRINTF (2, 3);
char            *cli_escape          (const char *text);
/* virt-migrate [--system] jobs / cancel JOB: exit statuses. */
int              cli_list_jobs       (gboolean system_bus,
                                      gboolean json);
int              cli_cancel_job      (gboolean system_bus,
                                      const char *path);

G_END_DECLS
