/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @message (the library's, which names a request's properties as
 * 'hypervisor-uri', 'storage', 'force') in the words of this command line:
 * the option or argument a user types for each. */
char *cli_words (const char *message);

G_END_DECLS
