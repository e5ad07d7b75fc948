/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What this machine shows of a destination that runs on it. A storage
 * copy's new image is made by the destination's libvirtd (its storage
 * driver runs qemu-img as itself), so whether it can be made is whether
 * that daemon's user may write in the directory: that user, its groups,
 * are read from /proc, for the process listening on its UNIX socket. And a
 * copy whose destination path is, on this machine, the very file the
 * source's guest runs from would write the image onto itself. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/socket.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <gio/gio.h>
#include <gio/gunixmounts.h>

#include "virt-migrate-guest-xml.h"
#include "virt-migrate-listeners.h"
#include "virt-migrate-local-daemons.h"
#include "virt-migrate-preflight-private.h"

void
virt_migrate_daemon_user_free (VirtMigrateDaemonUser *user)
{
  if (user == NULL)
    return;
  g_clear_pointer (&user->groups, g_array_unref);
  g_free (user->name);
  g_free (user);
}

static char *
first_socket (const char *dir)
{
  /* A modular daemon's (virtqemud) before the monolithic libvirtd's, as
   * libvirt's client looks. */
  const char *const names[] = { "virtqemud-sock", "libvirt-sock" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* A URI without a host names this machine: its paths can be looked at here. */
gboolean
virt_migrate_uri_is_local (const char *uri)
{
  g_autoptr(GUri) parsed = uri != NULL ? g_uri_parse (uri, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *host = parsed != NULL ? g_uri_get_host (parsed) : NULL;

  if (parsed == NULL || g_uri_get_port (parsed) != -1)
    return FALSE;
  return host == NULL || *host == '\0' || g_str_equal (host, "localhost") || g_str_equal (host, "127.0.0.1");
}

/* What libvirt makes of the file system under @path (virFileIsSharedFS()
 * and virFileIsClusterFS() in libvirt 9.0's src/util/virfile.c), read
 * here: the magic numbers it knows, a FUSE mount by its type in the mount
 * table; a path that cannot be read, from its nearest parent that can. */
VirtMigrateFsKind
virt_migrate_path_fs_kind (const char *path)
{
  g_autofree char *dir = g_strdup (path);
  g_autoptr(GUnixMountEntry) mount = NULL;
  struct statfs sfs;
  int rc;

  if (path == NULL || !g_path_is_absolute (path))
    return VIRT_MIGRATE_FS_UNKNOWN;
  while ((rc = statfs (dir, &sfs)) < 0 && strcmp (dir, "/") != 0)
    {
      char *parent = g_path_get_dirname (dir);

      g_free (dir);
      dir = parent;
    }
  if (rc < 0)
    return VIRT_MIGRATE_FS_UNKNOWN;
  switch ((unsigned long) sfs.f_type)
    {
    case 0x01161970: /* GFS2 */
    case 0x7461636f: /* OCFS2 */
    case 0x00C36400: /* CephFS */
      return VIRT_MIGRATE_FS_CLUSTER;
    case 0x6969:     /* NFS */
    case 0x6B414653: /* AFS */
    case 0x517B:     /* SMB */
    case 0xFF534D42: /* CIFS */
    case 0xFE534D42: /* SMB2 */
    case 0x47504653: /* GPFS */
    case 0x61636673: /* ACFS */
      return VIRT_MIGRATE_FS_SHARED;
    case 0x65735546: /* FUSE: GlusterFS and Quobyte are shared, by their mount's type */
      mount = g_unix_mount_for (dir, NULL);
      if (mount == NULL)
        return VIRT_MIGRATE_FS_UNKNOWN;
      if (g_str_equal (g_unix_mount_get_fs_type (mount), "fuse.glusterfs"))
        return VIRT_MIGRATE_FS_CLUSTER;
      if (g_str_equal (g_unix_mount_get_fs_type (mount), "fuse.quobyte"))
        return VIRT_MIGRATE_FS_SHARED;
      return VIRT_MIGRATE_FS_LOCAL;
    default:
      return VIRT_MIGRATE_FS_LOCAL;
    }
}

/**
 * virt_migrate_open_plain:
 * @path: a file of this machine
 * @devices: whether a block device is taken too (an image can be one)
 * @st: (out): its status
 *
 * @path opened to read without blocking, where it is a regular file (or,
 * with @devices, a block device): a path that someone else names (a
 * daemon's user in its qemu.conf, a guest's definition, a disk map) may be
 * a FIFO, whose opening waits for a writer (the check hung), or a device
 * such as /dev/zero, which never ends.
 *
 * Returns: the descriptor, or -1 with @error (%G_FILE_ERROR_NOENT where
 *   nothing is there; %G_FILE_ERROR_INVAL for another kind of file)
 */
int
virt_migrate_open_plain (const char *path, gboolean devices, struct stat *st, GError **error)
{
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY), saved;

  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "Cannot open %s: %s", path,
                   g_strerror (saved));
      return -1;
    }
  if (fstat (fd, st) < 0 || !(S_ISREG (st->st_mode) || (devices && S_ISBLK (st->st_mode))))
    {
      close (fd);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not a regular file", path);
      return -1;
    }
  return fd;
}

/**
 * virt_migrate_read_regular_file:
 * @path: a file of this machine
 * @max: the most bytes it may hold
 *
 * The text of @path, NUL-terminated, where it is a regular file of at most
 * @max bytes, opened with virt_migrate_open_plain() (a daemon's user
 * controls its qemu.conf and the certificates it points at).
 *
 * Returns: (transfer full): the text; %NULL with @error (%G_FILE_ERROR_NOENT
 *   where nothing is there)
 */
char *
virt_migrate_read_regular_file (const char *path, gsize max, GError **error)
{
  g_autofree char *text = NULL;
  struct stat st;
  gsize len = 0;
  int fd = virt_migrate_open_plain (path, FALSE, &st, error);

  if (fd < 0)
    return NULL;
  if ((guint64) st.st_size > max)
    {
      close (fd);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is larger than %" G_GSIZE_FORMAT " bytes", path, max);
      return NULL;
    }
  /* It may grow while it is read: never past @max. */
  text = g_malloc (max + 1);
  while (len <= max)
    {
      gssize n = read (fd, text + len, max + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += (gsize) n;
    }
  close (fd);
  if (len > max)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is larger than %" G_GSIZE_FORMAT " bytes", path, max);
      return NULL;
    }
  text[len] = '\0';
  return g_realloc (g_steal_pointer (&text), len + 1);
}

/**
 * virt_migrate_uri_socket_path:
 *
 * The UNIX socket a local libvirt URI connects to: its `socket`
 * parameter, else the system's or this user's session daemon's. %NULL for
 * a URI over a network transport (ssh, tcp, tls) or a driver other than
 * QEMU's.
 */
char *
virt_migrate_uri_socket_path (const char *uri)
{
  g_autoptr(GUri) parsed = uri != NULL ? g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, NULL) : NULL;
  g_autoptr(GHashTable) params = NULL;
  const char *scheme, *path, *query, *socket;

  if (parsed == NULL)
    return NULL;
  scheme = g_uri_get_scheme (parsed);
  path = g_uri_get_path (parsed);
  query = g_uri_get_query (parsed);
  if (g_strcmp0 (scheme, "qemu") != 0 && g_strcmp0 (scheme, "qemu+unix") != 0)
    return NULL;
  if (g_uri_get_host (parsed) != NULL && *g_uri_get_host (parsed) != '\0')
    return NULL;
  if (query != NULL)
    params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
  socket = params != NULL ? g_hash_table_lookup (params, "socket") : NULL;
  if (socket != NULL)
    return g_strdup (socket);
  if (g_strcmp0 (path, "/system") == 0)
    return first_socket ("/run/libvirt");
  if (g_strcmp0 (path, "/session") == 0)
    {
      g_autofree char *dir = g_build_filename (g_get_user_runtime_dir (), "libvirt", NULL);

      return first_socket (dir);
    }
  return NULL;
}

/* The effective user and group and the supplementary groups of the
 * process @pid, from its /proc/PID/status ("Uid:"/"Gid:" real, effective…;
 * "Groups:"), and in @raises whether it may raise another process's hard
 * limits ("CapEff:", CAP_SYS_RESOURCE). */
static gboolean
proc_ids (int pid, guint *uid, guint *gid, GArray *groups, VirtMigrateFact *raises)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint found = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint *id = g_str_has_prefix (lines[i], "Uid:") ? uid : g_str_has_prefix (lines[i], "Gid:") ? gid : NULL;
      g_auto(GStrv) words = NULL;
      guint n = 0;

      /* Its effective capabilities: CAP_SYS_RESOURCE (24) raises a limit. */
      if (g_str_has_prefix (lines[i], "CapEff:"))
        *raises = (g_ascii_strtoull (lines[i] + strlen ("CapEff:"), NULL, 16) >> 24) & 1 ? VIRT_MIGRATE_FACT_YES
                                                                                     : VIRT_MIGRATE_FACT_NO;
      if (id == NULL && !g_str_has_prefix (lines[i], "Groups:"))
        continue;
      words = g_strsplit_set (strchr (lines[i], ':') + 1, " \t", -1);
      for (guint k = 0; words[k] != NULL; k++)
        {
          guint64 v;

          if (*words[k] == '\0' || !g_ascii_string_to_unsigned (words[k], 10, 0, G_MAXUINT32, &v, NULL))
            continue;
          /* Uid:, Gid: real, effective, saved, file system: the effective one. */
          if (id != NULL && n++ == 1)
            {
              *id = (guint) v;
              found++;
            }
          else if (id == NULL)
            g_array_append_vals (groups, &(guint) { (guint) v }, 1);
        }
    }
  return found == 2;
}

static char *
describe (int pid, guint uid)
{
  g_autofree char *comm_path = g_strdup_printf ("/proc/%d/comm", pid);
  g_autofree char *comm = NULL;
  struct passwd pw, *found = NULL;
  char buf[1024];

  if (g_file_get_contents (comm_path, &comm, NULL, NULL))
    g_strstrip (comm);
  if (getpwuid_r (uid, &pw, buf, sizeof buf, &found) == 0 && found != NULL)
    return g_strdup_printf ("%s (pid %d, user %s)", comm != NULL ? comm : "libvirtd", pid, found->pw_name);
  return g_strdup_printf ("%s (pid %d, uid %u)", comm != NULL ? comm : "libvirtd", pid, uid);
}

/**
 * virt_migrate_daemon_user_of:
 *
 * The user the libvirt daemon of the local @uri runs as: the process
 * listening on its UNIX socket, read from /proc (never connecting to it:
 * a connection closed unannounced is an error in the daemon's log);
 * %NULL when not known (a remote URI, no socket, no such process seen).
 */
VirtMigrateDaemonUser *
virt_migrate_daemon_user_of (const char *uri)
{
  g_autofree char *path = virt_migrate_uri_socket_path (uri);
  VirtMigrateDaemonUser *user;
  int pid = path != NULL ? virt_migrate_listeners_unix_pid ("/proc", path) : 0;

  if (pid <= 0)
    return NULL;
  user = g_new0 (VirtMigrateDaemonUser, 1);
  user->pid = pid;
  user->groups = g_array_new (FALSE, FALSE, sizeof (guint));
  if (!proc_ids (pid, &user->uid, &user->gid, user->groups, &user->raises_limits))
    {
      virt_migrate_daemon_user_free (user);
      return NULL;
    }
  user->name = describe (pid, user->uid);
  return user;
}

/**
 * virt_migrate_daemon_user_may:
 *
 * Whether @user may do @perms (`R_OK`, `W_OK`, `X_OK` together) to a file
 * whose status is @st, by its mode bits: its owner's, its group's (the
 * user's group or one of its groups), else the others'. Root may.
 */
VirtMigrateFact
virt_migrate_daemon_user_may (const VirtMigrateDaemonUser *user, const struct stat *st, int perms)
{
  gboolean group = st->st_gid == user->gid;
  mode_t need;

  if (user->uid == 0)
    return VIRT_MIGRATE_FACT_YES;
  for (guint i = 0; !group && user->groups != NULL && i < user->groups->len; i++)
    group = g_array_index (user->groups, guint, i) == st->st_gid;
  if (st->st_uid == user->uid)
    need = (mode_t) perms << 6;
  else if (group)
    need = (mode_t) perms << 3;
  else
    need = (mode_t) perms;
  return (st->st_mode & need) == need ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
}

static gboolean
has_acl (const char *path)
{
  return getxattr (path, "system.posix_acl_access", NULL, 0) >= 0;
}

/* Whether @user may do @perms to @path and pass through every directory
 * above it, on a file system mounted writable if @perms writes (a
 * directory: @dir). A root daemon is asked as this process asks (access(),
 * which a network file system's server answers) when this process is root
 * too; unknown where an access control list is set for others than the
 * owner, or a path cannot be read. */
static VirtMigrateFact
reach (const VirtMigrateDaemonUser *user, const char *path, int perms, gboolean dir)
{
  g_autofree char *at = NULL;
  struct statvfs vfs;

  if (user == NULL || path == NULL || !g_path_is_absolute (path))
    return VIRT_MIGRATE_FACT_UNKNOWN;
  if ((perms & W_OK) && statvfs (path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
    return VIRT_MIGRATE_FACT_NO;
  if (user->uid == 0)
    {
      if (geteuid () != 0)
        return VIRT_MIGRATE_FACT_YES;
      return access (path, perms) == 0 ? VIRT_MIGRATE_FACT_YES
             : errno == EACCES || errno == EROFS ? VIRT_MIGRATE_FACT_NO : VIRT_MIGRATE_FACT_UNKNOWN;
    }
  at = g_strdup (path);
  for (;;)
    {
      struct stat st;
      VirtMigrateFact may;
      char *parent;

      if (stat (at, &st) < 0 || (dir && !S_ISDIR (st.st_mode)))
        return VIRT_MIGRATE_FACT_UNKNOWN;
      /* An access control list may grant or deny others than the owner. */
      if (st.st_uid != user->uid && has_acl (at))
        return VIRT_MIGRATE_FACT_UNKNOWN;
      may = virt_migrate_daemon_user_may (user, &st, perms);
      if (may != VIRT_MIGRATE_FACT_YES)
        return may;
      if (g_str_equal (at, "/"))
        return VIRT_MIGRATE_FACT_YES;
      parent = g_path_get_dirname (at);
      g_free (at);
      at = parent;
      /* Above it: passed through. */
      perms = X_OK;
      dir = TRUE;
    }
}

/**
 * virt_migrate_daemon_user_can_write:
 *
 * Whether @user may make a file in the directory @dir of this machine:
 * write and pass through it, pass through every directory above it, on a
 * file system mounted writable (see reach()).
 */
VirtMigrateFact
virt_migrate_daemon_user_can_write (const VirtMigrateDaemonUser *user, const char *dir)
{
  return reach (user, dir, W_OK | X_OK, TRUE);
}

/**
 * virt_migrate_daemon_user_can_open:
 *
 * Whether @user may open the file @path of this machine to read it (and
 * to write it, if @write): a guest's QEMU runs as a session daemon's user.
 */
VirtMigrateFact
virt_migrate_daemon_user_can_open (const VirtMigrateDaemonUser *user, const char *path, gboolean write)
{
  return reach (user, path, R_OK | (write ? W_OK : 0), FALSE);
}

/**
 * virt_migrate_same_file:
 *
 * Whether the paths @a and @b of this machine are one file (the same
 * device and inode: through a link, another mount of it, the same path).
 */
gboolean
virt_migrate_same_file (const char *a, const char *b)
{
  struct stat sa, sb;

  if (a == NULL || b == NULL || stat (a, &sa) < 0 || stat (b, &sb) < 0)
    return FALSE;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/**
 * virt_migrate_same_file_as_source:
 *
 * The image of the source's guest (@d's top image or a backing file of
 * it) that @d's destination path is, on this machine; %NULL: none.
 */
char *
virt_migrate_same_file_as_source (const VirtMigratePreflightDisk *d)
{
  if (virt_migrate_same_file (d->dest_path, d->source))
    return g_strdup (d->source);
  for (guint k = 0; k < d->backing->len; k++)
    {
      const VirtMigratePreflightBacking *b = g_ptr_array_index (d->backing, k);

      if (virt_migrate_same_file (d->dest_path, b->source))
        return g_strdup (b->source);
    }
  return NULL;
}

/* @address (an IP address, bracketed or not) as a #GInetAddress; NULL for
 * a host name or none. */
static GInetAddress *
inet_address_of (const char *address)
{
  g_autofree char *bare = NULL;

  if (address == NULL)
    return NULL;
  bare = g_str_has_prefix (address, "[") && g_str_has_suffix (address, "]")
           ? g_strndup (address + 1, strlen (address) - 2) : g_strdup (address);
  return g_inet_address_new_from_string (bare);
}

/**
 * virt_migrate_address_here:
 *
 * Whether @address (an IP address, bracketed or not) is one of this
 * machine's, so that a program here can listen on it: a wildcard or a
 * loopback address is; another is if a socket binds to it (no port taken:
 * port 0, closed at once). Unknown for a host name.
 */
VirtMigrateFact
virt_migrate_address_here (const char *address)
{
  g_autoptr(GInetAddress) inet = inet_address_of (address);
  g_autoptr(GSocketAddress) sa = NULL;
  struct sockaddr_storage native;
  int fd, rc, saved;

  if (inet == NULL)
    return VIRT_MIGRATE_FACT_UNKNOWN;
  if (g_inet_address_get_is_any (inet) || g_inet_address_get_is_loopback (inet))
    return VIRT_MIGRATE_FACT_YES;
  sa = g_inet_socket_address_new (inet, 0);
  if (!g_socket_address_to_native (sa, &native, sizeof native, NULL))
    return VIRT_MIGRATE_FACT_UNKNOWN;
  fd = socket (native.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return VIRT_MIGRATE_FACT_UNKNOWN;
  rc = bind (fd, (struct sockaddr *) &native, g_socket_address_get_native_size (sa));
  saved = errno;
  close (fd);
  return rc == 0 ? VIRT_MIGRATE_FACT_YES : saved == EADDRNOTAVAIL ? VIRT_MIGRATE_FACT_NO : VIRT_MIGRATE_FACT_UNKNOWN;
}

/**
 * virt_migrate_address_reaches:
 * @host: where a client connects (an IP address, bracketed or not, or a name)
 * @listen: the one address a server there listens on
 * @resolve: whether @host may be looked up here (the client is this machine)
 *
 * Whether connecting to @host reaches a socket bound to @listen only: yes
 * for a wildcard @listen, for @host that very address or a name with it
 * among its addresses (as libvirt and QEMU try each in turn); no for
 * another address, or a name whose addresses are all others; unknown for
 * a @listen that is no address, or a name not looked up or not found.
 * Blocks while a name is looked up.
 */
VirtMigrateFact
virt_migrate_address_reaches (const char *host, const char *listen, gboolean resolve)
{
  g_autoptr(GInetAddress) at = inet_address_of (listen);
  g_autoptr(GInetAddress) literal = inet_address_of (host);
  g_autoptr(GResolver) resolver = NULL;
  GList *named;
  VirtMigrateFact reaches = VIRT_MIGRATE_FACT_NO;

  if (at == NULL || host == NULL)
    return VIRT_MIGRATE_FACT_UNKNOWN;
  if (g_inet_address_get_is_any (at))
    return VIRT_MIGRATE_FACT_YES;
  if (literal != NULL)
    return g_inet_address_equal (literal, at) ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
  if (!resolve)
    return VIRT_MIGRATE_FACT_UNKNOWN;
  resolver = g_resolver_get_default ();
  named = g_resolver_lookup_by_name (resolver, host, NULL, NULL);
  if (named == NULL)
    return VIRT_MIGRATE_FACT_UNKNOWN;
  for (GList *l = named; l != NULL; l = l->next)
    if (g_inet_address_equal (l->data, at))
      reaches = VIRT_MIGRATE_FACT_YES;
  g_resolver_free_addresses (named);
  return reaches;
}

/* Whether @cmdline (NUL-separated, @len bytes) has "-uuid @uuid" and no
 * "-incoming": a guest's running QEMU, not one waiting for it. */
static gboolean
runs_guest (const char *cmdline, gsize len, const char *uuid)
{
  gboolean found = FALSE;

  for (const char *arg = cmdline; arg < cmdline + len; arg += strlen (arg) + 1)
    {
      const char *next = arg + strlen (arg) + 1;

      if (g_str_equal (arg, "-incoming"))
        return FALSE;
      if (g_str_equal (arg, "-uuid") && next < cmdline + len && g_ascii_strcasecmp (next, uuid) == 0)
        found = TRUE;
    }
  return found;
}

/**
 * virt_migrate_qemu_memlock:
 * @proc: where the proc file system is ("/proc"; another root in tests)
 * @uuid: a running guest's UUID
 *
 * The hard limit on locked memory of the QEMU process of this machine that
 * runs the guest with @uuid (started with `-uuid`, not waiting for an
 * incoming migration), as libvirt reads it before raising it
 * (virProcessGetMaxMemLock()).
 *
 * Returns: bytes; %G_MAXINT64 for unlimited; -1 when not known (no such
 *   process here, or its limits not readable)
 */
gint64
virt_migrate_qemu_memlock (const char *proc, const char *uuid)
{
  g_autoptr(GDir) dir = g_dir_open (proc, 0, NULL);
  const char *entry;

  while (dir != NULL && uuid != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *cmdline_path = g_build_filename (proc, entry, "cmdline", NULL);
      g_autofree char *limits_path = g_build_filename (proc, entry, "limits", NULL);
      g_autofree char *cmdline = NULL, *limits = NULL;
      g_auto(GStrv) lines = NULL;
      gsize len = 0;

      if (!g_ascii_isdigit (entry[0]) || !g_file_get_contents (cmdline_path, &cmdline, &len, NULL) ||
          !runs_guest (cmdline, len, uuid))
        continue;
      if (!g_file_get_contents (limits_path, &limits, NULL, NULL))
        return -1;
      /* "Max locked memory   8388608   8388608   bytes": soft, hard. */
      lines = g_strsplit (limits, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (g_str_has_prefix (lines[i], "Max locked memory"))
          {
            g_auto(GStrv) cols = g_strsplit_set (lines[i] + strlen ("Max locked memory"), " \t", -1);
            guint n = 0;

            for (guint k = 0; cols[k] != NULL; k++)
              if (cols[k][0] != '\0' && ++n == 2)
                return g_str_equal (cols[k], "unlimited") ? G_MAXINT64 : (gint64) g_ascii_strtoll (cols[k], NULL, 10);
          }
      return -1;
    }
  return -1;
}

/**
 * virt_migrate_source_memlock:
 *
 * For a zero-copy migration of a running guest from a source that is this
 * machine: how much memory libvirt has its QEMU lock (its `hard_limit`,
 * else its memory, from its @xml), the hard limit its QEMU has now, and
 * whether the source's daemon may raise it (CAP_SYS_RESOURCE), in @facts.
 */
void
virt_migrate_source_memlock (VirtMigrateLocalDaemons *daemons, const char *uuid, const char *xml,
                             VirtMigratePreflightFacts *facts)
{
  static const char *const hard_limit[] = { "domain", "memtune", "hard_limit", NULL };
  static const char *const memory[] = { "domain", "memory", NULL };
  const VirtMigrateDaemonUser *daemon = virt_migrate_local_daemons_source (daemons);
  g_autofree char *kib = NULL;

  if (xml != NULL && virt_migrate_xml_path_text (xml, hard_limit, &kib) && kib == NULL)
    virt_migrate_xml_path_text (xml, memory, &kib);
  facts->memlock_needed = kib != NULL ? g_ascii_strtoull (kib, NULL, 10) * 1024 : 0;
  facts->memlock_limit = daemon != NULL ? virt_migrate_qemu_memlock ("/proc", uuid) : -1;
  /* Raising a hard limit takes CAP_SYS_RESOURCE (24): root here lacks it
   * in some containers (seen: prlimit refused as root). */
  facts->source_daemon_raises = daemon != NULL ? daemon->raises_limits : VIRT_MIGRATE_FACT_UNKNOWN;
}

/* The UNIX socket a `unix://` URI of @request's @property has the local
 * destination's QEMU make: its directory there and writable by the
 * daemon's user, and what is at its path now that is no socket (QEMU
 * removes whatever is there to bind it: seen, a file there was gone). */
static void
gather_socket (VirtMigrateRequest *request, const char *property, const char *what,
               VirtMigrateLocalDaemons *daemons, VirtMigratePreflightFacts *facts)
{
  g_autofree char *uri = NULL, *dir = NULL;
  g_autoptr(GUri) parsed = NULL;
  VirtMigratePreflightFile *f;
  struct stat st;

  g_object_get (request, property, &uri, NULL);
  parsed = uri != NULL ? g_uri_parse (uri, G_URI_FLAGS_NONE, NULL) : NULL;
  if (parsed == NULL || g_strcmp0 (g_uri_get_scheme (parsed), "unix") != 0 ||
      !g_path_is_absolute (g_uri_get_path (parsed)))
    return;
  f = virt_migrate_preflight_add_socket (facts, what, g_uri_get_path (parsed));
  dir = g_path_get_dirname (f->path);
  f->there = g_file_test (dir, G_FILE_TEST_IS_DIR) ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
  if (f->there == VIRT_MIGRATE_FACT_YES)
    f->usable = virt_migrate_daemon_user_can_write (virt_migrate_local_daemons_dest (daemons), dir);
  if (lstat (f->path, &st) == 0 && !S_ISSOCK (st.st_mode))
    f->occupant = S_ISREG (st.st_mode) ? g_strdup_printf ("a file of %" G_GUINT64_FORMAT " bytes", (guint64) st.st_size)
                  : S_ISDIR (st.st_mode) ? g_strdup ("a directory")
                  : S_ISLNK (st.st_mode) ? g_strdup ("a symbolic link")
                                         : g_strdup ("a device or pipe");
}

/* The value of @key in the libvirt configuration file @text (`key =
 * value` lines, a string in double quotes, `#` comments); NULL where it is
 * not set or empty. */
char *
virt_migrate_conf_value (const char *text, const char *key)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]), *eq = strchr (line, '='), *value, *end;

      if (line[0] == '#' || eq == NULL)
        continue;
      *eq = '\0';
      value = g_strstrip (eq + 1);
      if (!g_str_equal (g_strstrip (line), key))
        continue;
      if (value[0] != '"')
        return value[0] != '\0' ? g_strdup (value) : NULL;
      end = strchr (value + 1, '"');
      return end != NULL && end > value + 1 ? g_strndup (value + 1, (gsize) (end - value - 1)) : NULL;
    }
  return NULL;
}

/* Whether the libvirt URI @uri reaches a daemon of this machine: a local
 * one, or over a network to a host that is one of this machine's
 * addresses (qemu+ssh://127.0.0.1/system). Blocks while a name is looked
 * up. */
static gboolean
uri_host_here (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED, NULL);
  const char *host = parsed != NULL ? g_uri_get_host (parsed) : NULL;
  g_autoptr(GResolver) resolver = NULL;
  gboolean here = FALSE;
  GList *addresses;

  if (virt_migrate_uri_is_local (uri))
    return TRUE;
  if (host == NULL || *host == '\0')
    return FALSE;
  if (virt_migrate_address_here (host) == VIRT_MIGRATE_FACT_YES)
    return TRUE;
  resolver = g_resolver_get_default ();
  addresses = g_resolver_lookup_by_name (resolver, host, NULL, NULL);
  for (GList *l = addresses; l != NULL && !here; l = l->next)
    {
      g_autofree char *address = g_inet_address_to_string (l->data);

      here = virt_migrate_address_here (address) == VIRT_MIGRATE_FACT_YES;
    }
  g_resolver_free_addresses (addresses);
  return here;
}

/* With no migrate URI, libvirt 9.0 has the source connect to
 * tcp://NAME:PORT, NAME the destination's migration_host (its qemu.conf),
 * else its host name: that name in @facts (migration_host read from a
 * local destination's qemu.conf), looked up as the source's QEMU does
 * where the source is this machine. */
static void
gather_dest_name (VirtMigrateHypervisor *hv, const char *dest_uri, gboolean source_here,
                  VirtMigrateLocalDaemons *daemons, VirtMigratePreflightFacts *facts)
{
  const char *conf = virt_migrate_local_daemons_dest_conf (daemons);
  g_autofree char *configured = conf != NULL ? virt_migrate_conf_value (conf, "migration_host") : NULL;
  g_autoptr(GResolver) resolver = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = NULL;
  GList *addresses;

  if (conf != NULL)
    facts->dest_name_set = configured != NULL ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
  facts->dest_name = configured != NULL ? g_steal_pointer (&configured) : virt_migrate_hypervisor_host_name (hv, dest_uri);
  if (facts->dest_name == NULL || !source_here)
    return;
  resolver = g_resolver_get_default ();
  addresses = g_resolver_lookup_by_name (resolver, facts->dest_name, NULL, &error);
  facts->dest_name_resolves = addresses != NULL ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
  facts->dest_name_loopback = addresses != NULL;
  text = g_string_new (error != NULL ? error->message : NULL);
  for (GList *l = addresses; l != NULL; l = l->next)
    {
      g_autofree char *address = g_inet_address_to_string (l->data);

      if (!g_inet_address_get_is_loopback (l->data))
        facts->dest_name_loopback = FALSE;
      g_string_append_printf (text, "%s%s", text->len > 0 ? ", " : "", address);
    }
  g_resolver_free_addresses (addresses);
  facts->dest_name_addresses = g_string_free (g_steal_pointer (&text), FALSE);
  /* Loopback addresses reach the destination where it is this machine
   * (over ssh to 127.0.0.1, as the ssh test bed's). */
  if (facts->dest_name_loopback && uri_host_here (dest_uri))
    facts->dest_name_loopback = FALSE;
}

/**
 * virt_migrate_dest_name_gather:
 *
 * With no migrate URI (the native transport, a managed flow), the name
 * the destination gives for the migration, asked through @hv, in @facts:
 * libvirt 9.0 refuses one beginning with localhost even offline; where
 * the guest's memory moves (not offline), looked up as the source would,
 * where it is this machine.
 */
void
virt_migrate_dest_name_gather (VirtMigrateHypervisor *hv, VirtMigrateRequest *request, const char *source_uri,
                               const char *dest_uri, VirtMigrateLocalDaemons *daemons,
                               VirtMigratePreflightFacts *facts)
{
  if (virt_migrate_request_get_hypervisor_uri (request) != NULL ||
      virt_migrate_request_get_transport (request) != VIRT_MIGRATE_TRANSPORT_NATIVE ||
      virt_migrate_request_get_flow (request) == VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT)
    return;
  gather_dest_name (hv, dest_uri, virt_migrate_uri_is_local (source_uri) && !facts->offline, daemons, facts);
}

/**
 * virt_migrate_streams_gather:
 *
 * Where a live migration's streams go, in @facts (after
 * virt_migrate_dest_name_gather()): the listen address and
 * the stream's host (whether connecting there reaches it; a name looked up
 * as the source would, where it is this machine), the ports the request's
 * URIs fix; of a destination that is this machine, whether it has that
 * address, and, where a port is below the lowest one an unprivileged
 * program may bind (net.ipv4.ip_unprivileged_port_start), whether its
 * daemon runs as root.
 */
void
virt_migrate_streams_gather (VirtMigrateHypervisor *hv, VirtMigrateRequest *request, const char *source_uri,
                             const char *dest_uri, VirtMigrateLocalDaemons *daemons,
                             VirtMigratePreflightFacts *facts)
{
  gboolean source_here = virt_migrate_uri_is_local (source_uri), local = virt_migrate_uri_is_local (dest_uri);
  g_autofree char *start = NULL;
  const VirtMigrateDaemonUser *daemon;
  gboolean low = FALSE;

  g_object_get (request, "listen-address", &facts->listen_address, NULL);
  facts->stream_host = virt_migrate_listeners_stream_host (request);
  facts->stream_reaches = virt_migrate_address_reaches (facts->stream_host, facts->listen_address, source_here);
  facts->streams = virt_migrate_listeners_streams (request);
  if (!local)
    return;
  facts->listen_here = virt_migrate_address_here (facts->listen_address);
  if (g_file_get_contents ("/proc/sys/net/ipv4/ip_unprivileged_port_start", &start, NULL, NULL))
    facts->unprivileged_port_start = (guint) g_ascii_strtoull (start, NULL, 10);
  for (guint i = 0; facts->streams != NULL && i < facts->streams->len; i++)
    low |= ((VirtMigrateEndpoint *) g_ptr_array_index (facts->streams, i))->port < facts->unprivileged_port_start;
  if (low && (daemon = virt_migrate_local_daemons_dest (daemons)) != NULL)
    facts->dest_daemon_root = daemon->uid == 0 ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
  gather_socket (request, "hypervisor-uri", VIRT_MIGRATE_STREAM_MEMORY, daemons, facts);
  gather_socket (request, "disks-uri", VIRT_MIGRATE_STREAM_STORAGE, daemons, facts);
  virt_migrate_tls_gather (request, daemons, facts);
}
