/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What this machine shows of a destination that runs on it: the user its
 * libvirtd runs as, whether that user may write in a directory, whether
 * two paths are one file (private). */
#pragma once

#include <sys/stat.h>
#include <glib.h>

#include "virt-migrate-hypervisor.h"
#include "virt-migrate-preflight.h"
#include "virt-migrate-request.h"

G_BEGIN_DECLS

typedef struct {
  int      pid;
  guint    uid;
  guint    gid;
  GArray  *groups;  /* guint: its supplementary groups */
  char    *name;    /* "libvirtd (pid 812, user vmtb)" */
  VirtMigrateFact raises_limits; /* it has CAP_SYS_RESOURCE (may raise another process's hard limits) */
} VirtMigrateDaemonUser;

void                   virt_migrate_daemon_user_free  (VirtMigrateDaemonUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VirtMigrateDaemonUser, virt_migrate_daemon_user_free)

char                  *virt_migrate_uri_socket_path   (const char *uri);
VirtMigrateDaemonUser *virt_migrate_daemon_user_of    (const char *uri);
VirtMigrateFact        virt_migrate_daemon_user_may   (const VirtMigrateDaemonUser *user, const struct stat *st,
                                                       int perms);
VirtMigrateFact        virt_migrate_daemon_user_can_write (const VirtMigrateDaemonUser *user, const char *dir);
VirtMigrateFact        virt_migrate_daemon_user_can_open (const VirtMigrateDaemonUser *user, const char *path,
                                                          gboolean write);
gboolean               virt_migrate_same_file         (const char *a, const char *b);
VirtMigrateFact        virt_migrate_address_here      (const char *address);
VirtMigrateFact        virt_migrate_address_reaches   (const char *host, const char *listen, gboolean resolve);
char                  *virt_migrate_same_file_as_source (const VirtMigratePreflightDisk *d);
gint64                 virt_migrate_qemu_memlock      (const char *proc, const char *uuid);
char                  *virt_migrate_conf_value        (const char *text, const char *key);
int                    virt_migrate_open_plain        (const char *path, gboolean devices, struct stat *st,
                                                       GError **error);
char                  *virt_migrate_read_regular_file (const char *path, gsize max, GError **error);

G_END_DECLS
