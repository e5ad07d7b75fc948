/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Single keys typed while the progress view runs: the terminal on
 * standard input goes out of line mode (and echo) until
 * cli_keys_stop() or the process exits. Nothing happens when standard
 * input is not a terminal. */
typedef void (*CliKeyFunc) (char key, gpointer user_data);

gboolean cli_keys_start (CliKeyFunc func,
                         gpointer   user_data);
void     cli_keys_stop  (void);

G_END_DECLS
