/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The TCP ports programs of this machine listen on (private). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

GPtrArray *virt_migrate_listeners_read (const char *proc, GPtrArray *ports);

G_END_DECLS
