/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate.h"
#include "virt-migrate-cli-progress.h"
#include "virt-migrate-dbus-generated.h"

G_BEGIN_DECLS

#define EXIT_USAGE 2
#define EXIT_CANCELLED 130

/* One migration followed on the terminal: the progress view, its keys and
 * Ctrl-C, for a job in this process or on the bus. */
typedef struct {
  GMainLoop          *loop;
  VirtMigrateJob     *job;      /* in-process */
  VirtMigrateDBusJob *bus_job;  /* --bus */
  gboolean            tty;
  gboolean            quiet;
  gint64              last_line; /* when the last non-tty line was printed */
  char                last_text[256];
  guint               columns;   /* the terminal's width (0: not a terminal) */
  gboolean            drawn;     /* a frame of the bar is on screen */
  gboolean            paused_copy; /* not live: the whole copy runs paused */
  CliProgressEta      eta;
  guint               n_interrupts;
  guint               n_messages; /* the job's messages printed so far */
  gboolean            verbose;
  gboolean            json;
  char                last_phase[48]; /* --verbose: the phase line printed last */
  int                 exit_code;
} Cli;

/* Follows @job (in this process) until it ends: the bar, its messages,
 * the keys; cli->exit_code says how it ended. */
void     cli_view_follow_job       (Cli                *cli,
                                    VirtMigrateJob     *job);
/* Starts @request on virt-migrated and follows it the same way. */
void     cli_view_migrate_over_bus (Cli                *cli,
                                    VirtMigrateRequest *request,
                                    gboolean            system_bus);
/* SIGINT/SIGTERM (cancels) and SIGWINCH (redraws at the new width). */
gboolean cli_view_on_interrupt     (gpointer            user_data);
gboolean cli_view_on_winch         (gpointer            user_data);
/* Lets the manager go and runs what its going left pending (see the .c). */
void     cli_view_release_manager  (VirtMigrateManager **manager);

G_END_DECLS
