/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ssh of a daemon's qemu+ssh:// connections.
 *
 * libvirt's ssh transport runs `ssh` (or the URI's `command=`) with a
 * few of the caller's environment variables, and ssh reads and writes
 * ~/.ssh of the user's passwd entry. Under virt-migrated's system unit
 * that home is read-only (ProtectHome=read-only), and an administrator
 * may not want the migration service to share root's interactive trust.
 * So a daemon keeps an ssh directory of its own (STATE_DIRECTORY/ssh):
 *
 *   known_hosts   the hosts it trusts, before the user's own known_hosts;
 *   id_ed25519    its key, if the administrator made one (then tried
 *                 before the user's keys);
 *   ssh           the ssh libvirt runs for the connections it opens,
 *                 written at each start, given as `command=`.
 *
 * A URI that names its own `command=` is left as it is. See
 * docs/remote.md. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "virt-migrate-libvirt-private.h"

/* @uri with `command=SSH_DIR/ssh` when it is a libvirt URI over ssh
 * (`+ssh`), names no command of its own and @ssh_dir is set; otherwise a
 * copy of @uri. */
char *
virt_migrate_ssh_uri (const char *uri, const char *ssh_dir)
{
  g_autoptr(GUri) parsed = NULL;
  g_autoptr(GUri) with = NULL;
  g_autofree char *command = NULL, *query = NULL;
  const char *old;

  if (ssh_dir == NULL || uri == NULL)
    return g_strdup (uri);
  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  if (parsed == NULL || !g_str_has_suffix (g_uri_get_scheme (parsed), "+ssh"))
    return g_strdup (uri);
  old = g_uri_get_query (parsed);
  if (old != NULL)
    {
      g_autoptr(GHashTable) params = g_uri_parse_params (old, -1, "&", G_URI_PARAMS_CASE_INSENSITIVE, NULL);

      if (params == NULL || g_hash_table_contains (params, "command"))
        return g_strdup (uri);
    }
  command = g_uri_escape_string (ssh_dir, "/", FALSE);
  query = old != NULL && *old != '\0' ? g_strdup_printf ("%s&command=%s/ssh", old, command)
                                      : g_strdup_printf ("command=%s/ssh", command);
  with = g_uri_build (G_URI_FLAGS_ENCODED, g_uri_get_scheme (parsed), g_uri_get_userinfo (parsed),
                      g_uri_get_host (parsed), g_uri_get_port (parsed), g_uri_get_path (parsed), query,
                      g_uri_get_fragment (parsed));
  return g_uri_to_string (with);
}

/* The daemon's ssh: its known hosts first, then the user's; its key (if
 * there is one) and the user's usual ones; every argument libvirt gives. */
static char *
wrapper_text (const char *ssh_dir)
{
  g_autofree char *quoted = g_shell_quote (ssh_dir);

  return g_strdup_printf (
    "#!/bin/sh\n"
    "# Written by virt-migrated at each start: the ssh libvirt runs (URI\n"
    "# parameter command=) for the qemu+ssh:// connections virt-migrated\n"
    "# opens itself. See virt-migrated(8) and docs/remote.md.\n"
    "dir=%s\n"
    "if [ -f \"$dir/id_ed25519\" ]; then\n"
    "\t# Naming one key drops ssh's default ones: name them too.\n"
    "\tfor key in \"$HOME\"/.ssh/id_ed25519 \"$HOME\"/.ssh/id_ecdsa \"$HOME\"/.ssh/id_rsa; do\n"
    "\t\t[ -f \"$key\" ] && set -- -i \"$key\" \"$@\"\n"
    "\tdone\n"
    "\tset -- -i \"$dir/id_ed25519\" \"$@\"\n"
    "fi\n"
    "exec ssh -o \"UserKnownHostsFile=\\\"$dir/known_hosts\\\" ~/.ssh/known_hosts ~/.ssh/known_hosts2\" \"$@\"\n",
    quoted);
}

/* Makes @ssh_dir (0700) with an empty known_hosts (0600) unless there is
 * one, and writes its ssh (0700). Blocking; FALSE with @error. */
gboolean
virt_migrate_ssh_directory_prepare (const char *ssh_dir, GError **error)
{
  g_autofree char *known = g_build_filename (ssh_dir, "known_hosts", NULL);
  g_autofree char *ssh = g_build_filename (ssh_dir, "ssh", NULL);
  g_autofree char *text = wrapper_text (ssh_dir);

  /* ssh reads the known_hosts path in double quotes. */
  if (strpbrk (ssh_dir, "\"\\\n") != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   "ssh cannot use a directory whose name has a quote, a backslash or a new line: %s", ssh_dir);
      return FALSE;
    }
  if (g_mkdir_with_parents (ssh_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot make the ssh directory %s: %s",
                   ssh_dir, g_strerror (saved));
      return FALSE;
    }
  if (!g_file_test (known, G_FILE_TEST_EXISTS) &&
      !g_file_set_contents_full (known, "", 0, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  return g_file_set_contents_full (ssh, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0700, error);
}

/* Opens @uri (read-only if @read_only) with the ssh of @ssh_dir (may be
 * NULL); NULL with @error naming @uri as given, and what to do. Blocking. */
virConnectPtr
virt_migrate_libvirt_open (const char *uri, const char *ssh_dir, gboolean read_only, GError **error)
{
  g_autofree char *effective = virt_migrate_ssh_uri (uri, ssh_dir);
  gboolean ours = g_strcmp0 (effective, uri) != 0;
  virConnectPtr conn;

  conn = read_only ? virConnectOpenReadOnly (effective) : virConnectOpen (effective);
  if (conn == NULL && error != NULL)
    *error = virt_migrate_libvirt_connect_error (uri, ours ? ssh_dir : NULL);
  return conn;
}
