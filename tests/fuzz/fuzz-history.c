/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: untrusted bytes as a history file (a file anyone who could
 * write the state directory, a crash or a full disk may have damaged):
 * the reader, then a query with every filter key and the writer's
 * compaction over it. Nothing may crash, hang or leak; what is read must
 * print and parse back.
 *
 * Built with libFuzzer (clang, -Dfuzzing=true) it is the fuzzer; built
 * with fuzz-main.c it replays the seed corpus (tests/fuzz/history-corpus)
 * and every crash found as a unit test. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "virt-migrate-history-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
drop_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
}

static char *dir = NULL;

/* The directory made for the inputs, removed at exit (the replay runs in
 * every unit suite: it left one in /tmp each time). */
static void
remove_dir (void)
{
  const char *const names[] = { "history", "history.lock" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(VirtMigrateHistory) history = NULL;
  g_autoptr(GVariant) filter = NULL;
  g_autoptr(GVariant) page = NULL;
  g_autoptr(GError) error = NULL;
  guint lines = 0;

  if (dir == NULL)
    {
      dir = g_dir_make_tmp ("fuzz-history-XXXXXX", NULL);
      g_assert_nonnull (dir);
      atexit (remove_dir);
      g_log_set_handler ("VirtMigrate", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE, drop_log, NULL);
    }
  records = virt_migrate_history_parse ((const char *) data, size, &lines);
  g_assert_cmpuint (records->len, <=, lines);
  for (guint i = 0; i < records->len; i++)
    {
      g_autofree char *text = g_variant_print (g_ptr_array_index (records, i), TRUE);
      g_autoptr(GVariant) back = g_variant_parse (G_VARIANT_TYPE_VARDICT, text, NULL, NULL, NULL);

      g_assert_nonnull (back);
    }

  /* The same bytes as a file: a page of a query, then an append that
   * compacts it down to two records. */
  path = g_build_filename (dir, "history", NULL);
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) size, NULL));
  history = virt_migrate_history_new (path);
  filter = g_variant_ref_sink (g_variant_new_parsed ("{'domain': <'g'>, 'limit': <uint32 3>, 'offset': <uint32 1>, "
                                                     "'max-bytes': <uint64 4096>}"));
  page = virt_migrate_history_query (history, filter, &error);
  g_assert_no_error (error);
  virt_migrate_history_set_max_records (history, 2);
  g_assert_true (virt_migrate_history_append (history, g_variant_new_parsed ("{'Domain': <'g'>}"), &error));
  g_assert_no_error (error);
  g_unlink (path);
  return 0;
}
