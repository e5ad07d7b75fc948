/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libvirt daemons of this machine one pre-flight check looks at, each
 * found once, and the qemu.conf each reads, read once. A daemon reads its
 * qemu.conf only as it starts: one changed since is what the daemon will
 * run with after a restart, not necessarily now, and the facts say so. */
#include "config.h"

#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "virt-migrate-local-daemons.h"
#include "virt-migrate-preflight-private.h"

enum { SOURCE, DEST };

/* A qemu.conf larger than this is no configuration (libvirt's, all
 * commented, is some 40 KiB). */
#define CONF_MAX (1024 * 1024)

typedef struct {
  char                  *uri;
  gboolean               looked;  /* in /proc, once */
  VirtMigrateDaemonUser *user;    /* NULL: none seen (a remote URI too) */
  gboolean               read;    /* its qemu.conf, once */
  char                  *conf;    /* its text, "" for none; NULL: not known */
} Daemon;

struct _VirtMigrateLocalDaemons {
  VirtMigratePreflightFacts *facts;
  Daemon                     host[2];
};

/**
 * virt_migrate_local_daemons_new:
 * @facts: (transfer none): where the daemons are named; outlives the result
 *
 * The daemons behind @source_uri and @dest_uri (either %NULL: none), for
 * one check; nothing is looked up yet.
 */
VirtMigrateLocalDaemons *
virt_migrate_local_daemons_new (const char *source_uri, const char *dest_uri, VirtMigratePreflightFacts *facts)
{
  VirtMigrateLocalDaemons *self = g_new0 (VirtMigrateLocalDaemons, 1);

  self->facts = facts;
  self->host[SOURCE].uri = g_strdup (source_uri);
  self->host[DEST].uri = g_strdup (dest_uri);
  return self;
}

void
virt_migrate_local_daemons_free (VirtMigrateLocalDaemons *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (self->host); i++)
    {
      g_free (self->host[i].uri);
      g_clear_pointer (&self->host[i].user, virt_migrate_daemon_user_free);
      g_free (self->host[i].conf);
    }
  g_free (self);
}

static const VirtMigrateDaemonUser *
daemon_of (VirtMigrateLocalDaemons *self, guint which)
{
  Daemon *d = &self->host[which];
  char **name = which == SOURCE ? &self->facts->source_daemon : &self->facts->dest_daemon;

  if (!d->looked && d->uri != NULL && virt_migrate_uri_is_local (d->uri))
    d->user = virt_migrate_daemon_user_of (d->uri);
  d->looked = TRUE;
  if (d->user != NULL && *name == NULL)
    *name = g_strdup (d->user->name);
  return d->user;
}

/**
 * virt_migrate_local_daemons_source:
 *
 * The source's libvirtd, where its URI is local and it is seen, named in
 * the facts (`source_daemon`); %NULL: not known.
 */
const VirtMigrateDaemonUser *
virt_migrate_local_daemons_source (VirtMigrateLocalDaemons *self)
{
  return daemon_of (self, SOURCE);
}

/**
 * virt_migrate_local_daemons_dest:
 *
 * The destination's, the same way (`dest_daemon`).
 */
const VirtMigrateDaemonUser *
virt_migrate_local_daemons_dest (VirtMigrateLocalDaemons *self)
{
  return daemon_of (self, DEST);
}

/* The qemu.conf that @daemon, this machine's behind @uri, reads: a system
 * one's /etc/libvirt/qemu.conf; a session one's in the configuration
 * directory of its environment ($XDG_CONFIG_HOME, else $HOME/.config).
 * NULL: not known (its environment not readable). */
static char *
daemon_qemu_conf (const char *uri, const VirtMigrateDaemonUser *daemon)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *path = g_strdup_printf ("/proc/%d/environ", daemon->pid), *env = NULL;
  const char *config = NULL, *home = NULL;
  gsize len = 0;

  if (parsed != NULL && g_strcmp0 (g_uri_get_path (parsed), "/system") == 0)
    return g_strdup ("/etc/libvirt/qemu.conf");
  if (!g_file_get_contents (path, &env, &len, NULL))
    return NULL;
  for (const char *v = env; v < env + len; v += strlen (v) + 1)
    {
      if (g_str_has_prefix (v, "XDG_CONFIG_HOME=") && v[strlen ("XDG_CONFIG_HOME=")] != '\0')
        config = v + strlen ("XDG_CONFIG_HOME=");
      else if (g_str_has_prefix (v, "HOME="))
        home = v + strlen ("HOME=");
    }
  return config != NULL ? g_build_filename (config, "libvirt", "qemu.conf", NULL)
         : home != NULL ? g_build_filename (home, ".config", "libvirt", "qemu.conf", NULL)
                        : NULL;
}

/**
 * virt_migrate_proc_start_time:
 * @stat: a process's /proc/PID/stat
 * @now_real: the time now (g_get_real_time())
 * @now_boot: the time since boot now (`CLOCK_BOOTTIME`), microseconds
 * @ticks: clock ticks a second (`sysconf (_SC_CLK_TCK)`)
 *
 * When that process started, from its start time since boot (field 22).
 *
 * Returns: microseconds since 1970; -1: not known
 */
gint64
virt_migrate_proc_start_time (const char *stat, gint64 now_real, gint64 now_boot, long ticks)
{
  /* "PID (COMM) STATE PPID …": its name may hold spaces and parentheses,
   * the last ')' ends it; field 22 is then the 20th word after it. */
  const char *end = stat != NULL ? strrchr (stat, ')') : NULL;
  g_auto(GStrv) fields = end != NULL ? g_strsplit (end + 1, " ", -1) : NULL;
  guint64 start;

  if (fields == NULL || ticks <= 0 || g_strv_length (fields) < 21 ||
      !g_ascii_string_to_unsigned (fields[20], 10, 0, G_MAXINT64 / G_USEC_PER_SEC, &start, NULL))
    return -1;
  return now_real - (now_boot - (gint64) start * G_USEC_PER_SEC / ticks);
}

/* When the process @pid started, microseconds since 1970; -1: not known. */
static gint64
started (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid), *stat = NULL;
  struct timespec boot;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || clock_gettime (CLOCK_BOOTTIME, &boot) < 0)
    return -1;
  return virt_migrate_proc_start_time (stat, g_get_real_time (),
                                       (gint64) boot.tv_sec * G_USEC_PER_SEC + boot.tv_nsec / 1000,
                                       sysconf (_SC_CLK_TCK));
}

/* Reads @which's qemu.conf, once; notes in the facts a file changed more
 * than a second after its daemon started (the start is read to ticks, the
 * time of a file to the nanosecond). */
static const char *
conf_of (VirtMigrateLocalDaemons *self, guint which)
{
  Daemon *d = &self->host[which];
  const VirtMigrateDaemonUser *user = daemon_of (self, which);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;
  gint64 since, changed;

  if (d->read)
    return d->conf;
  d->read = TRUE;
  path = user != NULL ? daemon_qemu_conf (d->uri, user) : NULL;
  if (path == NULL)
    return NULL;
  if ((d->conf = virt_migrate_read_regular_file (path, CONF_MAX, &error)) == NULL)
    {
      /* None: libvirt's defaults (one the daemon read as it started and removed since is not seen). */
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        d->conf = g_strdup ("");
      return d->conf;
    }
  /* Only a daemon's own start says when it read the file: not that of
   * another holder of its socket (systemd, which starts it on demand). */
  if (!g_str_has_prefix (user->name, "libvirtd (") && !g_str_has_prefix (user->name, "virtqemud ("))
    return d->conf;
  since = started (user->pid);
  if (since < 0 || g_stat (path, &st) < 0)
    return d->conf;
  changed = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
  if (changed > since + G_USEC_PER_SEC)
    {
      VirtMigrateConfChange *c = which == SOURCE ? &self->facts->source_conf : &self->facts->dest_conf;

      c->path = g_steal_pointer (&path);
      c->changed = changed / G_USEC_PER_SEC;
      c->started = since / G_USEC_PER_SEC;
    }
  return d->conf;
}

/**
 * virt_migrate_local_daemons_source_conf:
 *
 * What the qemu.conf of the source's daemon (this machine's) says now: ""
 * where there is none (libvirt's defaults); %NULL: not known (no daemon
 * seen, its environment or the file not readable). Read once.
 */
const char *
virt_migrate_local_daemons_source_conf (VirtMigrateLocalDaemons *self)
{
  return conf_of (self, SOURCE);
}

/**
 * virt_migrate_local_daemons_dest_conf:
 *
 * The same of the destination's.
 */
const char *
virt_migrate_local_daemons_dest_conf (VirtMigrateLocalDaemons *self)
{
  return conf_of (self, DEST);
}
