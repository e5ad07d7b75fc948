/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The HTTP API's bearer token file. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "virt-migrate-http-token.h"


char *
virt_migrate_http_token_default_file (void)
{
  return g_build_filename (g_get_user_runtime_dir (), "virt-migrate", "http-token", NULL);
}

static char *
read_token (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  GStatBuf st;

  if (g_lstat (path, &st) < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot read the HTTP token file %s: %s", path, g_strerror (saved_errno));
      return NULL;
    }
  if (!S_ISREG (st.st_mode) || st.st_uid != geteuid () || (st.st_mode & 077) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "The HTTP token file %s must be a regular file of this user's with mode 0600 "
                   "(it is %s, mode %04o): others could read the token",
                   path, S_ISREG (st.st_mode) ? "a file" : "not a regular file",
                   (guint) (st.st_mode & 07777));
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  g_strstrip (contents);
  if (strlen (contents) < 16 || !g_utf8_validate (contents, -1, NULL) || strpbrk (contents, " \t\r\n") != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The HTTP token file %s must hold one token of at least 16 characters", path);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

static char *
create_token (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GString) hex = g_string_new (NULL);
  guint8 random[32];

  if (getrandom (random, sizeof random, 0) != (ssize_t) sizeof random)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot get random bytes for the HTTP token");
      return NULL;
    }
  for (guint i = 0; i < sizeof random; i++)
    g_string_append_printf (hex, "%02x", random[i]);
  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create %s: %s", dir, g_strerror (saved_errno));
      return NULL;
    }
  /* Mode 0600, and never over an existing file or link (O_EXCL). */
  out = g_file_create (file, G_FILE_CREATE_PRIVATE, NULL, error);
  if (out == NULL ||
      !g_output_stream_printf (G_OUTPUT_STREAM (out), NULL, NULL, error, "%s\n", hex->str) ||
      !g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error))
    {
      if (out != NULL)
        g_file_delete (file, NULL, NULL);
      g_prefix_error (error, "Cannot create the HTTP token file %s: ", path);
      return NULL;
    }
  return g_strdup (hex->str);
}

/* The token in @path: read (the file must be the user's own, mode 0600)
 * or, when the file is missing, created with 32 random bytes in hex.
 * Returns: (transfer full): the token, or %NULL with @error set. */
char *
virt_migrate_http_token_load (const char *path, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  char *token;

  /* One lstat() tells a missing file (create it) from one to check and read. */
  token = read_token (path, &local_error);
  if (token != NULL)
    return token;
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return create_token (path, error);
}

