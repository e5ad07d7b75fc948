/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The TCP ports programs of this machine listen on, and those a migration
 * has QEMU listen on (private). */
#pragma once

#include <glib.h>

#include "virt-migrate-request.h"

G_BEGIN_DECLS

/* The "what" of the ports virt_migrate_listeners_streams() returns. */
#define VIRT_MIGRATE_STREAM_MEMORY "The migration stream's"
#define VIRT_MIGRATE_STREAM_STORAGE "The storage copy's"

GPtrArray *virt_migrate_listeners_read    (const char *proc, GPtrArray *ports);
GPtrArray *virt_migrate_listeners_streams (VirtMigrateRequest *request);
char      *virt_migrate_listeners_stream_host (VirtMigrateRequest *request);
int        virt_migrate_listeners_unix_pid (const char *proc, const char *path);

G_END_DECLS
