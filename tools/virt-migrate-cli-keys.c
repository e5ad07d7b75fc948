/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>

#include "virt-migrate-cli-keys.h"

static struct termios saved;
static gboolean       changed;
static guint          source_id;
static CliKeyFunc     key_func;
static gpointer       key_data;

static void
restore (void)
{
  if (changed)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved);
  changed = FALSE;
}

static gboolean
on_input (int fd, GIOCondition condition, gpointer user_data)
{
  char buf[16];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n <= 0)
    {
      source_id = 0;
      return G_SOURCE_REMOVE; /* end of input: no more keys */
    }
  for (ssize_t i = 0; i < n; i++)
    key_func (buf[i], key_data);
  return G_SOURCE_CONTINUE;
}

gboolean
cli_keys_start (CliKeyFunc func,
                gpointer   user_data)
{
  static gboolean registered;
  struct termios raw;

  if (!isatty (STDIN_FILENO) || tcgetattr (STDIN_FILENO, &saved) != 0)
    return FALSE;
  raw = saved;
  raw.c_lflag &= ~(ICANON | ECHO);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (tcsetattr (STDIN_FILENO, TCSANOW, &raw) != 0)
    return FALSE;
  changed = TRUE;
  if (!registered)
    atexit (restore);
  registered = TRUE;
  key_func = func;
  key_data = user_data;
  source_id = g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, NULL);
  return TRUE;
}

void
cli_keys_stop (void)
{
  g_clear_handle_id (&source_id, g_source_remove);
  restore ();
}
