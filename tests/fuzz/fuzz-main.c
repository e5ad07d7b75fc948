/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replays fuzz inputs (files, or every file in directories) through
 * LLVMFuzzerTestOneInput without libFuzzer: the seed corpus and every crash
 * found run as an ordinary unit test. TAP output, one line per file. */
#include <glib.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
replay (const char *path, guint *n)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const guint8 *) contents, length);
  g_print ("ok %u %s\n", ++*n, path);
}

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  guint n = 0;

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
      const char *name;

      if (dir == NULL)
        {
          g_ptr_array_add (files, g_strdup (argv[i]));
          continue;
        }
      while ((name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.' && !g_str_has_suffix (name, ".md"))
          g_ptr_array_add (files, g_build_filename (argv[i], name, NULL));
    }
  g_ptr_array_sort (files, compare_paths);
  g_print ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    replay (g_ptr_array_index (files, i), &n);
  return 0;
}
