/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* SUBCOMMAND --help (check, drain, history, jobs, cancel): prints that
 * subcommand's usage and returns TRUE; FALSE for anything else. */
gboolean print_subcommand_help (int argc, char **argv);

G_END_DECLS
