/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate.h"

G_BEGIN_DECLS

typedef enum {
  CLI_DRAIN_IN_PROCESS,
  CLI_DRAIN_SESSION_BUS,
  CLI_DRAIN_SYSTEM_BUS,
} CliDrainBus;

typedef struct {
  guint        max_parallel;
  char       **include;
  char       **exclude;
  const char  *placement;  /* NULL: the default */
  gboolean     dry_run;
  gboolean     json;
  gboolean     quiet;
  CliDrainBus  bus;
} CliDrainOptions;

/* Runs the drain of @request's source to @destinations; the exit code:
 * 0 every guest moved (or, dry run, can go), 1 some stayed or failed,
 * 2 a bad command line or request, 130 cancelled (Ctrl-C, SIGTERM, or
 * Cancel from elsewhere). */
int cli_drain (VirtMigrateRequest    *request,
               char                 **destinations,
               const CliDrainOptions *options);

G_END_DECLS
