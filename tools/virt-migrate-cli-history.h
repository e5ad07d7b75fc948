/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  CLI_HISTORY_FILE,        /* the user's history file, in this process */
  CLI_HISTORY_SESSION_BUS, /* the session virt-migrated's */
  CLI_HISTORY_SYSTEM_BUS,  /* the system virt-migrated's */
} CliHistorySource;

char *cli_variant_to_json (GVariant *value);

int cli_history (CliHistorySource source,
                 const char      *domain,
                 guint            limit,
                 gboolean         json,
                 gboolean         verbose);

G_END_DECLS
