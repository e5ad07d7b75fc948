/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The TCP sockets listening on this machine, from the kernel's tables
 * (/proc/net/tcp, /proc/net/tcp6): what a graphics port fixed by a guest
 * meets on a destination that is this machine, whoever listens (a guest's
 * QEMU, a VNC server, a web server); and the ports of a migration's own
 * that its request fixes there. */
#include "config.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#include "virt-migrate-guest-xml.h"
#include "virt-migrate-listeners.h"

#define TCP_LISTEN 0x0A /* the kernel's TCP_LISTEN, the "st" column */

/* An address as the kernel's tables print it: the address's bytes in
 * 32-bit words, each printed as a number of the machine's byte order. */
static GInetAddress *
table_address (const char *hex)
{
  gsize len = strlen (hex);
  guint8 bytes[16];

  if (len != 8 && len != 32)
    return NULL;
  for (gsize w = 0; w < len / 8; w++)
    {
      char word[9];
      char *end = NULL;
      guint32 v;

      memcpy (word, hex + w * 8, 8);
      word[8] = '\0';
      v = (guint32) g_ascii_strtoull (word, &end, 16);
      if (end != word + 8)
        return NULL;
      memcpy (bytes + w * 4, &v, 4);
    }
  return g_inet_address_new_from_bytes (bytes, len == 8 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);
}

static gboolean
wanted (GPtrArray *ports, guint port)
{
  for (guint i = 0; i < ports->len; i++)
    if (((const VirtMigrateEndpoint *) g_ptr_array_index (ports, i))->port == port)
      return TRUE;
  return FALSE;
}

/* The processes that hold the socket of @inode (pids, as strings), where
 * this process may look at their descriptors. */
static GPtrArray *
socket_holders (const char *proc, const char *inode)
{
  g_autoptr(GDir) dir = g_dir_open (proc, 0, NULL);
  g_autofree char *link = g_strdup_printf ("socket:[%s]", inode);
  GPtrArray *pids = g_ptr_array_new_with_free_func (g_free);
  const char *pid;

  while (dir != NULL && (pid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *fds = NULL;
      g_autoptr(GDir) fd_dir = NULL;
      const char *fd;

      if (strspn (pid, "0123456789") != strlen (pid))
        continue;
      fds = g_build_filename (proc, pid, "fd", NULL);
      fd_dir = g_dir_open (fds, 0, NULL);
      while (fd_dir != NULL && (fd = g_dir_read_name (fd_dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (fds, fd, NULL);
          g_autofree char *target = g_file_read_link (path, NULL);

          if (g_strcmp0 (target, link) == 0)
            {
              g_ptr_array_add (pids, g_strdup (pid));
              break;
            }
        }
    }
  return pids;
}

static char *
comm_of (const char *proc, const char *pid)
{
  g_autofree char *comm_path = g_build_filename (proc, pid, "comm", NULL);
  g_autofree char *comm = NULL;

  if (!g_file_get_contents (comm_path, &comm, NULL, NULL))
    return NULL;
  return g_strdup (g_strstrip (comm));
}

/* "python3 (pid 42)": the process that holds the socket of @inode, where
 * this process may look at its descriptors; NULL: not found. */
static char *
socket_holder (const char *proc, const char *inode)
{
  g_autoptr(GPtrArray) pids = socket_holders (proc, inode);
  g_autofree char *comm = NULL;

  if (pids->len == 0)
    return NULL;
  comm = comm_of (proc, g_ptr_array_index (pids, 0));
  return comm != NULL ? g_strdup_printf ("%s (pid %s)", comm, (const char *) g_ptr_array_index (pids, 0))
                      : g_strdup_printf ("pid %s", (const char *) g_ptr_array_index (pids, 0));
}

/**
 * virt_migrate_listeners_unix_pid:
 * @proc: where the proc file system is ("/proc"; another root in tests)
 * @path: a UNIX socket's path
 *
 * The process listening on the UNIX socket at @path (from
 * @proc/net/unix and the processes' descriptors), a libvirt daemon
 * before another holder of it (systemd, which made it for socket
 * activation); 0: not found.
 */
int
virt_migrate_listeners_unix_pid (const char *proc, const char *path)
{
  g_autofree char *table = g_build_filename (proc, "net", "unix", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (path == NULL || !g_file_get_contents (table, &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      /* Num RefCount Protocol Flags Type St Inode Path; listening: __SO_ACCEPTCON in Flags. */
      g_auto(GStrv) cols = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_autoptr(GPtrArray) words = g_ptr_array_new ();
      g_autoptr(GPtrArray) pids = NULL;

      for (guint k = 0; cols[k] != NULL; k++)
        if (*cols[k] != '\0')
          g_ptr_array_add (words, cols[k]);
      if (words->len < 8 || g_strcmp0 (g_ptr_array_index (words, 7), path) != 0 ||
          g_ascii_strtoull (g_ptr_array_index (words, 3), NULL, 16) != 0x10000)
        continue;
      pids = socket_holders (proc, g_ptr_array_index (words, 6));
      for (guint k = 0; k < pids->len; k++)
        {
          g_autofree char *comm = comm_of (proc, g_ptr_array_index (pids, k));

          if (g_strcmp0 (comm, "libvirtd") == 0 || g_strcmp0 (comm, "virtqemud") == 0)
            return atoi (g_ptr_array_index (pids, k));
        }
      if (pids->len > 0)
        return atoi (g_ptr_array_index (pids, 0));
    }
  return 0;
}

/* One table (@proc/net/tcp or tcp6): its listening sockets on @ports added
 * to @out. FALSE: not read. */
static gboolean
read_table (const char *proc, const char *name, GPtrArray *ports, GPtrArray *out)
{
  g_autofree char *path = g_build_filename (proc, "net", name, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  /* sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode … */
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_autoptr(GPtrArray) cols = g_ptr_array_new ();
      g_autoptr(GInetAddress) address = NULL;
      const char *local, *colon;
      g_autofree char *hex = NULL;
      guint64 port, state;
      VirtMigrateEndpoint e = { .what = (char *) "TCP" };
      g_autofree char *holder = NULL;

      for (guint k = 0; fields[k] != NULL; k++)
        if (*fields[k] != '\0')
          g_ptr_array_add (cols, fields[k]);
      if (cols->len < 10)
        continue;
      local = g_ptr_array_index (cols, 1);
      if ((colon = strchr (local, ':')) == NULL)
        continue;
      state = g_ascii_strtoull (g_ptr_array_index (cols, 3), NULL, 16);
      port = g_ascii_strtoull (colon + 1, NULL, 16);
      if (state != TCP_LISTEN || port == 0 || port > G_MAXUINT16 || !wanted (ports, (guint) port))
        continue;
      hex = g_strndup (local, colon - local);
      if ((address = table_address (hex)) == NULL)
        continue;
      e.address = g_inet_address_to_string (address);
      e.port = (guint) port;
      holder = socket_holder (proc, g_ptr_array_index (cols, 9));
      virt_migrate_endpoints_add_copy (out, &e, holder);
      g_free (e.address);
    }
  return TRUE;
}

/**
 * virt_migrate_listeners_read:
 * @proc: where the proc file system is ("/proc"; another root in tests)
 * @ports: (element-type VirtMigrateEndpoint): the ports asked about
 *
 * The TCP sockets of this machine listening on one of @ports' ports, from
 * @proc/net/tcp and tcp6: a #VirtMigrateEndpoint each (what "TCP", the
 * bound address, and as its guest the program that holds it, "name (pid N)",
 * where this process may see it, else NULL).
 *
 * Returns: (transfer full) (nullable): the listeners; NULL when neither
 *   table could be read
 */
GPtrArray *
virt_migrate_listeners_read (const char *proc, GPtrArray *ports)
{
  g_autoptr(GPtrArray) out = virt_migrate_endpoints_new ();
  gboolean v4 = read_table (proc, "tcp", ports, out);
  gboolean v6 = read_table (proc, "tcp6", ports, out);

  return v4 || v6 ? g_steal_pointer (&out) : NULL;
}

/* @uri as a GUri: libvirt's older tcp:HOST:PORT as tcp://HOST:PORT. */
static GUri *
parse_tcp (const char *uri)
{
  g_autofree char *full = uri != NULL && g_str_has_prefix (uri, "tcp:") && !g_str_has_prefix (uri, "tcp://")
                            ? g_strconcat ("tcp://", uri + 4, NULL) : g_strdup (uri);

  return full != NULL ? g_uri_parse (full, G_URI_FLAGS_NONE, NULL) : NULL;
}

/* To @streams: @what's port in @uri, a tcp:// one, at its host (or
 * @port, when given, at @host). */
static void
add_stream (GPtrArray *streams, const char *what, const char *uri, guint port, const char *host)
{
  g_autoptr(GUri) parsed = parse_tcp (uri);
  gboolean tcp = parsed != NULL && g_strcmp0 (g_uri_get_scheme (parsed), "tcp") == 0 && g_uri_get_port (parsed) > 0;
  VirtMigrateEndpoint e = { .what = (char *) what, .port = tcp ? (guint) g_uri_get_port (parsed) : port,
                            .address = tcp ? (char *) g_uri_get_host (parsed) : (char *) host };

  if (e.address != NULL && *e.address == '\0')
    e.address = NULL;
  if (e.port > 0)
    virt_migrate_endpoints_add_copy (streams, &e, NULL);
}

/**
 * virt_migrate_listeners_streams:
 * @request: a live migration's
 *
 * The ports a live migration has QEMU listen on at the destination that
 * @request fixes: the stream's (`tcp://HOST:PORT`, or libvirt's older
 * `tcp:HOST:PORT`), the storage copy's NBD server's (`disks-uri`
 * `tcp://HOST:PORT`, or `disks-port` at the stream's host), each at HOST,
 * where the source connects.
 *
 * Returns: (transfer full) (nullable): #VirtMigrateEndpoint each; NULL: none
 */
GPtrArray *
virt_migrate_listeners_streams (VirtMigrateRequest *request)
{
  g_autoptr(GPtrArray) streams = virt_migrate_endpoints_new ();
  const char *stream = virt_migrate_request_get_hypervisor_uri (request);
  g_autoptr(GUri) hv = parse_tcp (stream);
  g_autofree char *disks_uri = NULL;
  gint disks_port = 0;

  add_stream (streams, VIRT_MIGRATE_STREAM_MEMORY, stream, 0, NULL);
  g_object_get (request, "disks-uri", &disks_uri, "disks-port", &disks_port, NULL);
  if (virt_migrate_request_get_storage (request) != VIRT_MIGRATE_STORAGE_SHARED)
    add_stream (streams, VIRT_MIGRATE_STREAM_STORAGE, disks_uri, disks_uri == NULL ? (guint) disks_port : 0,
                hv != NULL ? g_uri_get_host (hv) : NULL);
  return streams->len > 0 ? g_steal_pointer (&streams) : NULL;
}

/**
 * virt_migrate_listeners_stream_host:
 * @request: a live migration's
 *
 * The host the source connects to for the migration stream: a `tcp://`
 * (or `tcp:`) hypervisor URI's, with or without a port.
 *
 * Returns: (transfer full) (nullable): the host; NULL: none given
 */
char *
virt_migrate_listeners_stream_host (VirtMigrateRequest *request)
{
  g_autoptr(GUri) hv = parse_tcp (virt_migrate_request_get_hypervisor_uri (request));
  const char *host = hv != NULL && g_strcmp0 (g_uri_get_scheme (hv), "tcp") == 0 ? g_uri_get_host (hv) : NULL;

  return host != NULL && *host != '\0' ? g_strdup (host) : NULL;
}
