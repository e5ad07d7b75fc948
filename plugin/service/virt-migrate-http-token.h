/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *virt_migrate_http_token_default_file (void);
char *virt_migrate_http_token_load         (const char *path,
                                            GError    **error);

G_END_DECLS
