/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The history file: records in and out, filters, the bound, a torn line,
 * writers at once (processes and threads), and the manager's records of
 * jobs run on the scripted fake backend. No libvirtd. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>

#include "fake-backend.h"
#include "virt-migrate-guest-rates.h"
#include "virt-migrate-history-private.h"
#include "virt-migrate-host-setups.h"
#include "virt-migrate-job-private.h"
#include "virt-migrate-manager-private.h"
#include "virt-migrate.h"

#define MIB (1024 * 1024ULL)

typedef struct {
  char               *dir;
  char               *path;
  VirtMigrateHistory *history;
} Fixture;

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp ("virt-migrate-history-XXXXXX", &error);
  g_assert_no_error (error);
  fx->path = g_build_filename (fx->dir, "state", "history", NULL);
  fx->history = virt_migrate_history_new (fx->path);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->history);
  remove_tree (fx->dir);
  g_free (fx->path);
  g_free (fx->dir);
}

static GVariant *
make_record (const char *domain, const char *outcome, guint writer, guint n, gint64 end)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  const char *messages[] = { "policy: downtime raised to 300 ms", "line with\na newline", NULL };

  g_variant_dict_insert (&dict, "Domain", "s", domain);
  g_variant_dict_insert (&dict, "DomainUuid", "s", "4b0c6a5e-2f5d-4d7e-9c4a-1b2c3d4e5f60");
  g_variant_dict_insert (&dict, "Outcome", "s", outcome);
  g_variant_dict_insert (&dict, "Writer", "u", writer);
  g_variant_dict_insert (&dict, "N", "u", n);
  g_variant_dict_insert (&dict, "EndTime", "x", end);
  g_variant_dict_insert_value (&dict, "Messages", g_variant_new_strv (messages, -1));
  return g_variant_dict_end (&dict);
}

static GVariant *
query (VirtMigrateHistory *history, const char *filter_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) filter = filter_text != NULL ? g_variant_parse (G_VARIANT_TYPE_VARDICT, filter_text, NULL,
                                                                      NULL, &error)
                                                   : NULL;
  GVariant *records;

  g_assert_no_error (error);
  records = virt_migrate_history_query (history, filter, &error);
  g_assert_no_error (error);
  g_assert_nonnull (records);
  g_assert_true (g_variant_is_of_type (records, G_VARIANT_TYPE ("aa{sv}")));
  return records;
}

static guint
record_u (GVariant *records, guint index, const char *key)
{
  g_autoptr(GVariant) record = g_variant_get_child_value (records, index);
  guint32 value = G_MAXUINT32;

  g_assert_true (g_variant_lookup (record, key, "u", &value));
  return value;
}

static void
test_append_query (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) empty = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) web = NULL;
  g_autoptr(GVariant) by_uuid = NULL;
  g_autoptr(GVariant) failed = NULL;
  g_autoptr(GVariant) last = NULL;
  g_autoptr(GVariant) recent = NULL;
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **messages = NULL;

  g_test_summary ("Records go in whole (strings with newlines too) and come out oldest first; the "
                  "domain (name or UUID), outcome, since and limit filters select; a history never "
                  "written is empty and its directory is made on the first record");
  empty = query (fx->history, NULL);
  g_assert_cmpuint (g_variant_n_children (empty), ==, 0);
  g_assert_false (g_file_test (fx->path, G_FILE_TEST_EXISTS));

  g_assert_true (virt_migrate_history_append (fx->history, make_record ("web1", "succeeded", 0, 1, 1000), &error));
  g_assert_no_error (error);
  g_assert_true (virt_migrate_history_append (fx->history, make_record ("db1", "failed", 0, 2, 2000), &error));
  g_assert_true (virt_migrate_history_append (fx->history, make_record ("web1", "cancelled", 0, 3, 3000), &error));
  g_assert_no_error (error);

  all = query (fx->history, NULL);
  g_assert_cmpuint (g_variant_n_children (all), ==, 3);
  g_assert_cmpuint (record_u (all, 0, "N"), ==, 1);
  g_assert_cmpuint (record_u (all, 2, "N"), ==, 3);
  first = g_variant_get_child_value (all, 0);
  g_assert_true (g_variant_lookup (first, "Messages", "^a&s", &messages));
  g_assert_cmpstr (messages[1], ==, "line with\na newline");

  web = query (fx->history, "{'domain': <'web1'>}");
  g_assert_cmpuint (g_variant_n_children (web), ==, 2);
  by_uuid = query (fx->history, "{'domain': <'4b0c6a5e-2f5d-4d7e-9c4a-1b2c3d4e5f60'>}");
  g_assert_cmpuint (g_variant_n_children (by_uuid), ==, 3);
  failed = query (fx->history, "{'outcome': <'failed'>}");
  g_assert_cmpuint (g_variant_n_children (failed), ==, 1);
  g_assert_cmpuint (record_u (failed, 0, "N"), ==, 2);
  last = query (fx->history, "{'domain': <'web1'>, 'limit': <uint32 1>}");
  g_assert_cmpuint (g_variant_n_children (last), ==, 1);
  g_assert_cmpuint (record_u (last, 0, "N"), ==, 3);
  recent = query (fx->history, "{'since': <int64 2000>}");
  g_assert_cmpuint (g_variant_n_children (recent), ==, 2);
}

static void
test_filter_errors (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) records = NULL;
  g_autoptr(GVariant) unknown = g_variant_parse (NULL, "{'guest': <'x'>}", NULL, NULL, NULL);
  g_autoptr(GVariant) wrong = g_variant_parse (NULL, "{'limit': <'ten'>}", NULL, NULL, NULL);

  g_test_summary ("An unknown filter key or a value of the wrong type is a named error");
  records = virt_migrate_history_query (fx->history, unknown, &error);
  g_assert_null (records);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_UNKNOWN_KEY);
  g_assert_nonnull (strstr (error->message, "'guest'"));
  g_clear_error (&error);
  records = virt_migrate_history_query (fx->history, wrong, &error);
  g_assert_null (records);
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE);
  g_assert_nonnull (strstr (error->message, "'limit'"));
  g_clear_error (&error);
  g_assert_false (virt_migrate_history_append (fx->history, g_variant_new_string ("x"), &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE);
}

static guint
count_lines (const char *path)
{
  g_autofree char *contents = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  for (const char *p = contents; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

static void
test_bounded (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("The file never holds more than a quarter over max-records; what it keeps are "
                  "the newest records");
  virt_migrate_history_set_max_records (fx->history, 20);
  for (guint i = 1; i <= 107; i++)
    {
      g_assert_true (virt_migrate_history_append (fx->history, make_record ("g", "succeeded", 0, i, i), &error));
      g_assert_no_error (error);
      g_assert_cmpuint (count_lines (fx->path), <=, 25);
    }
  all = query (fx->history, NULL);
  g_assert_cmpuint (g_variant_n_children (all), >=, 20);
  g_assert_cmpuint (record_u (all, g_variant_n_children (all) - 1, "N"), ==, 107);
  g_assert_cmpuint (record_u (all, 0, "N"), ==, 107 - g_variant_n_children (all) + 1);
}

static void
test_torn_line (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GError) error = NULL;
  FILE *f;

  g_test_summary ("A writer that died mid-line leaves a torn line: readers skip it and the next "
                  "record is whole");
  g_assert_true (virt_migrate_history_append (fx->history, make_record ("g", "succeeded", 0, 1, 1), &error));
  f = fopen (fx->path, "a");
  g_assert_nonnull (f);
  fputs ("{'Domain': <'half", f);
  fclose (f);
  g_assert_true (virt_migrate_history_append (fx->history, make_record ("g", "succeeded", 0, 2, 2), &error));
  g_assert_no_error (error);
  g_test_expect_message ("VirtMigrate", G_LOG_LEVEL_WARNING, "history: line 2 skipped: *");
  all = query (fx->history, NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (g_variant_n_children (all), ==, 2);
  g_assert_cmpuint (record_u (all, 0, "N"), ==, 1);
  g_assert_cmpuint (record_u (all, 1, "N"), ==, 2);
}

/* A history damaged every way seen: bytes that are not UTF-8, a \\udddd
 * escape (a lone surrogate, which GVariant's parser refuses without saying
 * why), a NUL byte, a torn record joined to a good one on the next line.
 * Before: a NULL dereference (the CLI exited 139, the daemon crashed on
 * every read), or every record after the NUL hidden and the size bound
 * off. */
static void
test_damaged (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) good_record = g_variant_ref_sink (make_record ("g", "succeeded", 0, 1, 1));
  g_autofree char *good = g_variant_print (good_record, TRUE);
  g_autoptr(GString) text = g_string_new (NULL);
  struct stat st;

  g_test_summary ("A damaged history (invalid UTF-8, a \\udddd escape, a NUL, a torn line joined to the next) "
                  "is read without a crash, each bad line skipped with a warning naming it, every good "
                  "record kept, and the size bound still holds");
  g_string_append_printf (text, "%s\n", good);                            /* 1: good */
  g_string_append (text, "{'Domain': <'caf\xe9'>}\n");                    /* 2: Latin-1 */
  g_string_append (text, "{'Domain': <'\\udddd'>}\n");                   /* 3: a lone surrogate */
  g_string_append_printf (text, "{'Domain': <'x'>}%c%s\n", 0, good);      /* 4: a NUL */
  g_string_append_printf (text, "{'Domain': <'half%s\n", good);           /* 5: torn, joined */
  g_string_append_printf (text, "%s\n", good);                            /* 6: good */
  {
    g_autofree char *parent = g_path_get_dirname (fx->path);

    g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  }
  g_assert_true (g_file_set_contents (fx->path, text->str, (gssize) text->len, NULL));

  for (guint line = 2; line <= 5; line++)
    {
      g_autofree char *pattern = g_strdup_printf ("history: line %u skipped: *", line);

      g_test_expect_message ("VirtMigrate", G_LOG_LEVEL_WARNING, pattern);
    }
  all = query (fx->history, NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (g_variant_n_children (all), ==, 2);

  /* Past the NUL the writers still count every line: with a bound of 2,
   * six more records leave the file bounded (it grew to 12 lines). */
  virt_migrate_history_set_max_records (fx->history, 2);
  /* (The first append compacts: the four bad lines are named again, then gone.) */
  for (guint k = 0; k < 4; k++)
    g_test_expect_message ("VirtMigrate", G_LOG_LEVEL_WARNING, "history: line * skipped: *");
  for (guint i = 0; i < 6; i++)
    {
      g_assert_true (virt_migrate_history_append (fx->history, make_record ("g", "succeeded", 1, i, i), &error));
      g_assert_no_error (error);
    }
  g_test_assert_expected_messages ();
  g_assert_cmpint (stat (fx->path, &st), ==, 0);
  g_clear_pointer (&all, g_variant_unref);
  all = query (fx->history, NULL);
  g_test_message ("%u lines left, %" G_GSIZE_FORMAT " records", count_lines (fx->path), g_variant_n_children (all));
  g_assert_cmpuint (count_lines (fx->path), <=, 3);
  g_assert_cmpuint (record_u (all, g_variant_n_children (all) - 1, "N"), ==, 5);
}

#define N_WRITERS 3
#define N_EACH 150

typedef struct {
  const char *path;
  guint       writer;
  guint       max_records;
  guint64     max_bytes;
} CompactingWriter;

static gpointer
compacting_writer (gpointer data)
{
  CompactingWriter *w = data;
  g_autoptr(VirtMigrateHistory) history = virt_migrate_history_new (w->path);

  virt_migrate_history_set_max_records (history, w->max_records);
  g_object_set (history, "max-bytes", w->max_bytes, NULL);
  for (guint i = 0; i < N_EACH; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!virt_migrate_history_append (history, make_record ("g", "succeeded", w->writer, i, i), &error))
        {
          g_printerr ("writer %u, record %u: %s\n", w->writer, i, error->message);
          return GINT_TO_POINTER (FALSE);
        }
    }
  return GINT_TO_POINTER (TRUE);
}

/* Three processes and three threads writing at once, each with a history
 * of its own bounded to @max_records (and @max_bytes): the writers' own
 * objects compact the file while the others append. */
static void
write_concurrently (const char *path, guint max_records, guint64 max_bytes)
{
  pid_t children[N_WRITERS];
  GThread *threads[N_WRITERS];
  CompactingWriter thread_data[N_WRITERS];

  for (guint i = 0; i < N_WRITERS; i++)
    {
      children[i] = fork ();
      g_assert_cmpint (children[i], >=, 0);
      if (children[i] == 0)
        {
          CompactingWriter w = { path, i, max_records, max_bytes };

          _exit (GPOINTER_TO_INT (compacting_writer (&w)) ? 0 : 1);
        }
    }
  for (guint i = 0; i < N_WRITERS; i++)
    {
      thread_data[i] = (CompactingWriter) { path, 100 + i, max_records, max_bytes };
      threads[i] = g_thread_new ("writer", compacting_writer, &thread_data[i]);
    }
  for (guint i = 0; i < N_WRITERS; i++)
    {
      int status = 0;

      g_assert_true (GPOINTER_TO_INT (g_thread_join (threads[i])));
      g_assert_cmpint (waitpid (children[i], &status, 0), ==, children[i]);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
    }
}

/* What survives compaction under six writers: every line a whole record,
 * no record twice, and for each writer a run of its newest records with
 * no gap (compaction drops only the oldest; a writer's records are in its
 * order): nothing newer than a kept record was lost. */
static guint
check_survivors (VirtMigrateHistory *history, const char *path)
{
  g_autoptr(GVariant) all = query (history, NULL);
  g_autoptr(GHashTable) first = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GHashTable) count = g_hash_table_new (g_direct_hash, g_direct_equal);
  guint n = (guint) g_variant_n_children (all);
  GHashTableIter iter;
  gpointer writer, value;

  g_assert_cmpuint (count_lines (path), ==, n); /* no torn or unreadable line */
  for (guint i = 0; i < n; i++)
    {
      guint w = record_u (all, i, "Writer"), k = record_u (all, i, "N");
      guint seen = GPOINTER_TO_UINT (g_hash_table_lookup (count, GUINT_TO_POINTER (w + 1)));

      if (seen == 0)
        g_hash_table_insert (first, GUINT_TO_POINTER (w + 1), GUINT_TO_POINTER (k + 1));
      /* In the writer's order, one after the other: no gap, no repeat. */
      g_assert_cmpuint (k + 1, ==, GPOINTER_TO_UINT (g_hash_table_lookup (first, GUINT_TO_POINTER (w + 1))) + seen);
      g_hash_table_insert (count, GUINT_TO_POINTER (w + 1), GUINT_TO_POINTER (seen + 1));
    }
  /* Each writer's run ends at its last record. */
  g_hash_table_iter_init (&iter, first);
  while (g_hash_table_iter_next (&iter, &writer, &value))
    g_assert_cmpuint (GPOINTER_TO_UINT (value) - 1 + GPOINTER_TO_UINT (g_hash_table_lookup (count, writer)), ==,
                      N_EACH);
  return n;
}

static void
test_concurrent_compaction (Fixture *fx, gconstpointer data)
{
  guint kept;
  struct stat st;

  g_test_summary ("Six writers (three processes, three threads) append 900 records to a history of 100: "
                  "it compacts again and again while they write; what is left is whole records only, "
                  "each writer's newest without a gap, within the bound");
  virt_migrate_history_set_max_records (fx->history, 100);
  write_concurrently (fx->path, 100, 8 * 1024 * 1024);
  kept = check_survivors (fx->history, fx->path);
  g_test_message ("%u of %u records kept", kept, 2 * N_WRITERS * N_EACH);
  g_assert_cmpuint (kept, >=, 100);
  g_assert_cmpuint (kept, <=, 125);

  /* The same in bytes: a record is ~330 bytes, 16 KiB keeps ~50. */
  g_assert_cmpint (unlink (fx->path), ==, 0);
  write_concurrently (fx->path, 1000, 16384);
  g_assert_cmpint (stat (fx->path, &st), ==, 0);
  kept = check_survivors (fx->history, fx->path);
  g_test_message ("%u records, %" G_GINT64_FORMAT " bytes kept within 16 KiB (+ a quarter)", kept,
                  (gint64) st.st_size);
  g_assert_cmpint (st.st_size, <=, 16384 + 16384 / 4);
  g_assert_cmpuint (kept, >=, 16384 / 400);
}

static void
test_concurrent_writers (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GHashTable) seen = NULL; /* made after the forks: a child leaks nothing */
  guint total = 2 * N_WRITERS * N_EACH;

  g_test_summary ("Three processes and three threads append at once, with compaction on: no "
                  "record is lost, none is torn or duplicated");
  /* Room for all: compaction runs (it rewrites when a quarter over) but
   * drops none of them. (test_concurrent_compaction drops some.) */
  virt_migrate_history_set_max_records (fx->history, total);
  /* Each writer with a history of the default bound, as a second process
   * would have. */
  write_concurrently (fx->path, 1000, 16 * 1024 * 1024);

  all = query (fx->history, NULL);
  g_assert_cmpuint (g_variant_n_children (all), ==, total);
  g_assert_cmpuint (count_lines (fx->path), ==, total);
  seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint i = 0; i < total; i++)
    {
      guint key = record_u (all, i, "Writer") * 1000 + record_u (all, i, "N");

      g_assert_false (g_hash_table_contains (seen, GUINT_TO_POINTER (key)));
      g_hash_table_add (seen, GUINT_TO_POINTER (key));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, total);
}

/* --- ids ------------------------------------------------------------------------ */

#define IDS_EACH 100

static gpointer
reserve_ids (gpointer data)
{
  const char *path = ((const char **) data)[0];
  guint *out = ((gpointer *) data)[1];
  g_autoptr(VirtMigrateHistory) history = virt_migrate_history_new (path);

  for (guint i = 0; i < IDS_EACH; i++)
    {
      g_autoptr(GError) error = NULL;

      out[i] = virt_migrate_history_reserve_id (history, &error);
      g_assert_no_error (error);
    }
  return NULL;
}

static void
test_unique_ids (Fixture *fx, gconstpointer data)
{
  /* Made after the forks: a child's _exit() would leave it lost. */
  g_autoptr(GHashTable) seen = NULL;
  g_autofree char *lock_path = NULL;
  g_autoptr(GError) error = NULL;
  guint ids[2 * N_WRITERS][IDS_EACH];
  gpointer thread_data[N_WRITERS][2];
  GThread *threads[N_WRITERS];
  int pipes[N_WRITERS][2];
  pid_t children[N_WRITERS];
  guint id;

  g_test_summary ("Ids from one history are unique across the processes and threads that write "
                  "it (a counter in its lock file, under the writers' lock), and a damaged or "
                  "missing counter counts on from the largest recorded Id");
  for (guint i = 0; i < N_WRITERS; i++)
    {
      g_assert_cmpint (pipe (pipes[i]), ==, 0);
      children[i] = fork ();
      g_assert_cmpint (children[i], >=, 0);
      if (children[i] == 0)
        {
          gpointer mine[2] = { fx->path, ids[i] };

          reserve_ids (mine);
          _exit (write (pipes[i][1], ids[i], sizeof ids[i]) == sizeof ids[i] ? 0 : 1);
        }
      close (pipes[i][1]);
    }
  for (guint i = 0; i < N_WRITERS; i++)
    {
      thread_data[i][0] = fx->path;
      thread_data[i][1] = ids[N_WRITERS + i];
      threads[i] = g_thread_new ("ids", reserve_ids, thread_data[i]);
    }
  for (guint i = 0; i < N_WRITERS; i++)
    {
      int status = 0;
      gsize got = 0;

      g_thread_join (threads[i]);
      while (got < sizeof ids[i])
        {
          ssize_t n = read (pipes[i][0], (char *) ids[i] + got, sizeof ids[i] - got);

          g_assert_cmpint (n, >, 0);
          got += n;
        }
      close (pipes[i][0]);
      g_assert_cmpint (waitpid (children[i], &status, 0), ==, children[i]);
      g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    }
  seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  lock_path = g_strconcat (fx->path, ".lock", NULL);
  for (guint i = 0; i < 2 * N_WRITERS; i++)
    for (guint k = 0; k < IDS_EACH; k++)
      {
        g_assert_cmpuint (ids[i][k], !=, 0);
        g_assert_false (g_hash_table_contains (seen, GUINT_TO_POINTER (ids[i][k])));
        g_hash_table_add (seen, GUINT_TO_POINTER (ids[i][k]));
      }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 2 * N_WRITERS * IDS_EACH);

  /* A history written before the counter, or a damaged counter. */
  {
    g_autoptr(GVariant) old = g_variant_parse (G_VARIANT_TYPE_VARDICT, "{'Id': <uint32 7000>, 'Domain': <'old'>}",
                                               NULL, NULL, &error);

    g_assert_true (virt_migrate_history_append (fx->history, old, &error));
    g_assert_no_error (error);
  }
  g_assert_true (g_file_set_contents (lock_path, "", 0, &error));
  g_assert_cmpuint (virt_migrate_history_reserve_id (fx->history, &error), ==, 7001);
  g_assert_no_error (error);
  g_assert_cmpuint (virt_migrate_history_reserve_id (fx->history, &error), ==, 7002);
  g_assert_true (g_file_set_contents (lock_path, "12x\n", -1, &error));
  g_test_expect_message ("VirtMigrate", G_LOG_LEVEL_WARNING, "*not a counter*");
  id = virt_migrate_history_reserve_id (fx->history, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (id, ==, 7001);
  /* At the counter's end: around again. */
  g_assert_true (g_file_set_contents (lock_path, "4294967295\n", -1, &error));
  g_assert_cmpuint (virt_migrate_history_reserve_id (fx->history, &error), ==, 4294967295u);
  g_assert_cmpuint (virt_migrate_history_reserve_id (fx->history, &error), ==, 1);
}

/* --- the manager's records ------------------------------------------------------ */

typedef struct {
  gboolean    fail;
  const char *uuid;       /* the guest's, or NULL */
  guint64     dirty_rate; /* pages/s QEMU measures at a second pass, or 0: none */
  guint64     resident;   /* the resident set before the call (bytes; 0: unknown) */
  gboolean    by_reads;   /* ...seen filled by QEMU's reads before the call */
  gboolean    read;       /* ...and read in every sample (else never again: QEMU's reads fill it) */
} BackendScript;

static VirtMigrateBackend *
make_fake (VirtMigrateRequest *request, gboolean adopted, gpointer user_data)
{
  BackendScript *script = user_data;
  FakeBackend *fake = fake_backend_new ();

  fake_backend_set_memory (fake, 64 * MIB);
  for (guint i = 0; i < 3; i++)
    fake_backend_add_memory_pass (fake, 64 * MIB, 48 * MIB - i * 16 * MIB, 1, FALSE);
  if (script->dirty_rate > 0)
    {
      VirtMigrateSample s = { .active = TRUE, .have_total = TRUE, .total = 64 * MIB, .remaining = 4 * MIB,
                              .transferred = 60 * MIB, .memory_total = 64 * MIB, .memory_bps = 8 * MIB,
                              .iteration = 2, .dirty_rate = script->dirty_rate, .page_size = 4096 };

      fake_backend_add_sample (fake, &s);
    }
  if (script->uuid != NULL)
    fake_backend_set_uuid (fake, script->uuid);
  fake_backend_set_resident (fake, script->resident, script->by_reads, script->read);
  if (script->fail)
    fake_backend_fail_after (fake, 2, "internal error: qemu unexpectedly closed the monitor");
  return VIRT_MIGRATE_BACKEND (fake);
}

static void
run_to_end (VirtMigrateManager *manager, const char *domain)
{
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_new (domain, "qemu:///system",
                                                                    "qemu+ssh://dst/system");
  g_autoptr(GError) error = NULL;
  VirtMigrateJob *job;

  g_object_set (request, "live", TRUE, "bandwidth", (guint64) 8, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, NULL);
  job = virt_migrate_manager_start (manager, request, NULL, &error);
  g_assert_no_error (error);
  while (!virt_migrate_job_is_finished (job))
    g_main_context_iteration (NULL, TRUE);
}

static void
test_manager_records (Fixture *fx, gconstpointer data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(VirtMigrateSettings) settings = virt_migrate_settings_new_with_backend (backend);
  g_autoptr(VirtMigrateManager) manager = NULL;
  g_autoptr(VirtMigrateHistory) user_history = virt_migrate_history_new_for_user ();
  g_autoptr(GVariant) all = NULL;
  g_autofree char *state_history = g_build_filename (fx->dir, "history", NULL);
  g_autoptr(GVariant) ok = NULL;
  g_autoptr(GVariant) failed = NULL;
  g_autofree const char **flags = NULL;
  BackendScript script = { FALSE };
  const char *s = NULL;
  gint64 start = 0, end = 0;
  guint64 bytes = 0;

  g_test_summary ("A manager records every job that ends: by default in the user's history "
                  "($XDG_STATE_HOME/virt-migrate/history), after set_state_directory() in that "
                  "directory; with its guest, hosts, flow, flags, times, outcome, error and bytes; "
                  "history-size 0 writes none");
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "poll-interval", 10);
  manager = virt_migrate_manager_new_with_settings (settings);
  g_assert_cmpstr (virt_migrate_history_get_path (virt_migrate_manager_get_history (manager)), ==,
                   virt_migrate_history_get_path (user_history));
  virt_migrate_manager_set_backend_func (manager, make_fake, &script, NULL);
  virt_migrate_manager_set_state_directory (manager, fx->dir);
  g_assert_cmpstr (virt_migrate_history_get_path (virt_migrate_manager_get_history (manager)), ==,
                   state_history);

  /* Its jobs are numbered by the history's counter (another process may
   * have counted up to 500). */
  {
    g_autofree char *lock_path = g_strconcat (state_history, ".lock", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true (g_file_set_contents (lock_path, "500\n", -1, &error));
  }
  run_to_end (manager, "web1");
  script.fail = TRUE;
  run_to_end (manager, "db1");

  all = query (virt_migrate_manager_get_history (manager), NULL);
  g_assert_cmpuint (g_variant_n_children (all), ==, 2);
  g_assert_cmpuint (record_u (all, 0, "Id"), ==, 500);
  g_assert_cmpuint (record_u (all, 1, "Id"), ==, 501);
  ok = g_variant_get_child_value (all, 0);
  g_assert_true (g_variant_lookup (ok, "Domain", "&s", &s));
  g_assert_cmpstr (s, ==, "web1");
  g_assert_true (g_variant_lookup (ok, "Outcome", "&s", &s));
  g_assert_cmpstr (s, ==, "succeeded");
  g_assert_true (g_variant_lookup (ok, "Source", "&s", &s));
  g_assert_cmpstr (s, ==, "qemu:///system");
  g_assert_true (g_variant_lookup (ok, "Destination", "&s", &s));
  g_assert_cmpstr (s, ==, "qemu+ssh://dst/system");
  g_assert_true (g_variant_lookup (ok, "Flow", "&s", &s));
  g_assert_cmpstr (s, ==, "peer-to-peer");
  g_assert_true (g_variant_lookup (ok, "Flags", "^a&s", &flags));
  g_assert_true (g_strv_contains (flags, "live"));
  g_assert_true (g_strv_contains (flags, "bandwidth=8"));
  g_assert_true (g_variant_lookup (ok, "StartTime", "x", &start));
  g_assert_true (g_variant_lookup (ok, "EndTime", "x", &end));
  g_assert_cmpint (start, >, 0);
  g_assert_cmpint (end, >=, start);
  g_assert_true (g_variant_lookup (ok, "BytesProcessed", "t", &bytes));
  g_assert_cmpuint (bytes, >, 0);
  g_assert_true (g_variant_lookup (ok, "Downtime", "t", NULL));
  g_assert_true (g_variant_lookup (ok, "Messages", "as", NULL));
  g_assert_true (g_variant_lookup (ok, "Error", "&s", &s));
  g_assert_cmpstr (s, ==, "");

  failed = g_variant_get_child_value (all, 1);
  g_assert_true (g_variant_lookup (failed, "Outcome", "&s", &s));
  g_assert_cmpstr (s, ==, "failed");
  g_assert_true (g_variant_lookup (failed, "Error", "&s", &s));
  g_assert_nonnull (strstr (s, "qemu unexpectedly closed the monitor"));

  /* No history at all. */
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "history-size", 0);
  script.fail = FALSE;
  run_to_end (manager, "web2");
  g_clear_pointer (&all, g_variant_unref);
  all = query (virt_migrate_manager_get_history (manager), NULL);
  g_assert_cmpuint (g_variant_n_children (all), ==, 2);
}

static void
append_text (VirtMigrateHistory *history, const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) record = g_variant_parse (G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (virt_migrate_history_append (history, record, &error));
  g_assert_no_error (error);
}

static void
on_run_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (virt_migrate_job_run_finish (VIRT_MIGRATE_JOB (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* A manager of fake jobs played as @script says, polled every 10 ms, its
 * history in the fixture's directory. */
static VirtMigrateManager *
learning_manager (Fixture *fx, VirtMigrateSettings *settings, BackendScript *script)
{
  VirtMigrateManager *manager;

  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "poll-interval", 10);
  manager = virt_migrate_manager_new_with_settings (settings);
  virt_migrate_manager_set_backend_func (manager, make_fake, script, NULL);
  virt_migrate_manager_set_state_directory (manager, fx->dir);
  return manager;
}

static void
test_setup_learnt (Fixture *fx, gconstpointer data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(VirtMigrateSettings) settings = virt_migrate_settings_new_with_backend (backend);
  g_autoptr(VirtMigrateManager) manager = NULL;
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_new ("web1", "qemu:///system",
                                                                    "qemu+ssh://learn-a/system");
  g_autoptr(VirtMigrateRequest) other = virt_migrate_request_new ("web1", "qemu:///system",
                                                                  "qemu+ssh://learn-b/system");
  g_autoptr(VirtMigrateRequest) unseen = virt_migrate_request_new ("web1", "qemu:///system",
                                                                   "qemu+ssh://learn-c/system");
  g_autoptr(VirtMigrateRequest) late = virt_migrate_request_new ("web1", "qemu:///system",
                                                                 "qemu+ssh://learn-d/system");
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GError) error = NULL;
  BackendScript script = { FALSE };
  VirtMigrateHistory *history;
  gboolean done = FALSE;
  gint64 setup = 0;

  g_test_summary ("A memory migration's record holds how long QEMU's set-up took (the call to its "
                  "first statistics); a new job between the same hosts expects the median of the "
                  "last five that succeeded: this process's (its jobs run by the manager or not), "
                  "else the history's; none for other hosts, none without a history");
  manager = learning_manager (fx, settings, &script);
  history = virt_migrate_manager_get_history (manager);

  /* Six between these hosts in the history (the newest five count: 0.3,
   * 0.31, 0.32, 0.9, 1.2 s), one that failed, one to another host, one
   * that measured none (a storage copy), newest last. */
#define RECORD(outcome, dest, setup) \
  "{'Outcome': <'" outcome "'>, 'Source': <'qemu:///system'>, 'Destination': <'qemu+ssh://" dest "/system'>" setup "}"
  append_text (history, RECORD ("succeeded", "learn-a", ", 'SetupTime': <int64 5000000>"));
  append_text (history, RECORD ("succeeded", "learn-a", ", 'SetupTime': <int64 1200000>"));
  append_text (history, RECORD ("succeeded", "learn-a", ", 'SetupTime': <int64 300000>"));
  append_text (history, RECORD ("failed", "learn-a", ", 'SetupTime': <int64 10000>"));
  append_text (history, RECORD ("succeeded", "learn-a", ", 'SetupTime': <int64 900000>"));
  append_text (history, RECORD ("succeeded", "learn-b", ", 'SetupTime': <int64 50000>"));
  append_text (history, RECORD ("succeeded", "learn-a", ", 'SetupTime': <int64 320000>"));
  append_text (history, RECORD ("succeeded", "learn-a", ""));
  append_text (history, RECORD ("succeeded", "learn-a", ", 'SetupTime': <int64 310000>"));
#undef RECORD
  g_assert_cmpint (virt_migrate_manager_learnt_setup (manager, request), ==, 320000);
  g_assert_cmpint (virt_migrate_manager_learnt_setup (manager, other), ==, 50000);
  g_assert_cmpint (virt_migrate_manager_learnt_setup (manager, unseen), ==, 0);

  /* A job of the manager run by the program itself: what it measured (the fake's first statistics come at its
   * first poll, 10 ms on) is among the five the next between its hosts
   * go by, in place of the oldest (1.2 s): the median 0.31 s now (the
   * middle of 0.3, 0.31, 0.32, 0.9 and its own, whatever that took). */
  g_object_set (request, "live", TRUE, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, NULL);
  job = virt_migrate_manager_create_job (manager, request, &error);
  g_assert_no_error (error);
  virt_migrate_job_run_async (job, NULL, on_run_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (virt_migrate_job_get_setup_expected (job), ==, 320000);
  setup = virt_migrate_job_get_setup_time (job);
  g_assert_cmpint (setup, >, 0);
  g_assert_cmpint (setup, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpint (virt_migrate_manager_learnt_setup (manager, request), ==, CLAMP (setup, 310000, 320000));
  record = virt_migrate_job_to_history_record (job);
  g_assert_true (g_variant_lookup (record, "SetupTime", "x", &setup));
  g_assert_cmpint (setup, ==, virt_migrate_job_get_setup_time (job));
  /* ...and it is in the history (as a job run_job() ran is, once), for
   * the next process between these hosts. */
  all = query (history, NULL);
  g_assert_cmpuint (g_variant_n_children (all), ==, 10);
  g_clear_pointer (&record, g_variant_unref);
  record = g_variant_get_child_value (all, 9);
  g_assert_true (g_variant_lookup (record, "SetupTime", "x", &setup));
  g_assert_cmpint (setup, ==, virt_migrate_job_get_setup_time (job));

  /* The history is read once for two hosts: a record written since by
   * another process counts only for hosts this one has not asked about. */
  append_text (history, "{'Outcome': <'succeeded'>, 'Source': <'qemu:///system'>, "
                        "'Destination': <'qemu+ssh://learn-b/system'>, 'SetupTime': <int64 70000>}");
  append_text (history, "{'Outcome': <'succeeded'>, 'Source': <'qemu:///system'>, "
                        "'Destination': <'qemu+ssh://learn-b/system'>, 'SetupTime': <int64 90000>}");
  append_text (history, "{'Outcome': <'succeeded'>, 'Source': <'qemu:///system'>, "
                        "'Destination': <'qemu+ssh://learn-d/system'>, 'SetupTime': <int64 80000>}");
  g_assert_cmpint (virt_migrate_manager_learnt_setup (manager, other), ==, 50000);
  /* history-size 0: nothing learnt from the history. */
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "history-size", 0);
  g_assert_cmpint (virt_migrate_manager_learnt_setup (manager, late), ==, 0);
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "history-size", 1000);
  g_assert_cmpint (virt_migrate_manager_learnt_setup (manager, late), ==, 80000);
}

/* Runs a job made without a manager (as a script may make it) between
 * qemu:///system and @dest; returns it. */
static VirtMigrateJob *
run_plain (BackendScript *script, const char *dest)
{
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_new ("web1", "qemu:///system", dest);
  g_autoptr(VirtMigrateBackend) backend = NULL;
  VirtMigrateJob *job;
  gboolean done = FALSE;

  g_object_set (request, "live", TRUE, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, NULL);
  backend = make_fake (request, FALSE, script);
  job = virt_migrate_job_new_with_backend (request, backend);
  virt_migrate_job_set_poll_interval (job, 10);
  virt_migrate_job_run_async (job, NULL, on_run_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  return job;
}

static void
test_setup_learnt_plain (void)
{
  BackendScript script = { FALSE };
  g_autoptr(VirtMigrateJob) first = NULL;
  g_autoptr(VirtMigrateJob) second = NULL;
  g_autoptr(VirtMigrateJob) elsewhere = NULL;
  g_autofree char *hosts = NULL;
  gint64 median = -1;

  g_test_summary ("Jobs made without a manager learn QEMU's set-up too: the second between two hosts "
                  "expects what the first measured, a job to other hosts expects none; the process "
                  "remembers at most 1024 pairs of hosts (a daemon asked for thousands stays bounded)");
  first = run_plain (&script, "qemu+ssh://plain-a/system");
  g_assert_cmpint (virt_migrate_job_get_setup_expected (first), ==, 0);
  g_assert_cmpint (virt_migrate_job_get_setup_time (first), >, 0);
  second = run_plain (&script, "qemu+ssh://plain-a/system");
  g_assert_cmpint (virt_migrate_job_get_setup_expected (second), ==, virt_migrate_job_get_setup_time (first));
  elsewhere = run_plain (&script, "qemu+ssh://plain-b/system");
  g_assert_cmpint (virt_migrate_job_get_setup_expected (elsewhere), ==, 0);

  /* Thousands of other hosts: the table starts again past 1024 pairs. */
  hosts = virt_migrate_host_setups_key (virt_migrate_job_get_request (first));
  g_assert_true (virt_migrate_host_setups_lookup (hosts, &median));
  g_assert_cmpint (median, >, 0);
  for (guint i = 0; i < 1100; i++)
    {
      g_autofree char *key = g_strdup_printf ("qemu:///system\nqemu+ssh://many-%u/system", i);

      virt_migrate_host_setups_note (key, 300000 + i);
      g_assert_true (virt_migrate_host_setups_lookup (key, &median));
      g_assert_cmpint (median, ==, 300000 + i);
    }
  g_assert_false (virt_migrate_host_setups_lookup (hosts, &median));
  g_assert_cmpint (median, ==, 0);
}

static void
test_reads_learnt_plain (void)
{
  BackendScript script = { FALSE };
  g_autoptr(VirtMigrateJob) first = NULL;
  g_autoptr(VirtMigrateJob) second = NULL;
  g_autoptr(VirtMigrateJob) third = NULL;
  g_autofree char *hosts = NULL, *traces = NULL, *trace = NULL, *text = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_test_summary ("Whether QEMU's reads fill the source's resident set is learnt between two hosts: a "
                  "migration whose samples no longer carry the set (the backend stopped reading it) "
                  "tells the next between them, which counts the zero pages' scan from the call even "
                  "where its own check before the call came too soon; one that went through with the "
                  "set read all along unlearns it");
  /* The set read before the call, not in the samples: the backend found
   * QEMU's reads filling it after the call. */
  script.resident = 48 * MIB;
  first = run_plain (&script, "qemu+ssh://reads-a/system");
  hosts = virt_migrate_host_setups_key (virt_migrate_job_get_request (first));
  g_assert_true (virt_migrate_host_setups_lookup_reads (hosts));
  /* The next job between them, its own check before the call too soon,
   * is told (its trace says what the model was). */
  traces = g_dir_make_tmp ("reads-learnt-XXXXXX", NULL);
  g_assert_nonnull (traces);
  g_setenv ("VIRT_MIGRATE_TRACE_DIR", traces, TRUE);
  second = run_plain (&script, "qemu+ssh://reads-a/system");
  g_unsetenv ("VIRT_MIGRATE_TRACE_DIR");
  dir = g_dir_open (traces, 0, NULL);
  g_assert_nonnull (dir);
  name = g_dir_read_name (dir);
  g_assert_nonnull (name);
  trace = g_build_filename (traces, name, NULL);
  g_assert_true (g_file_get_contents (trace, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "# resident filled by QEMU's reads: 1\n"));
  g_assert_cmpint (g_unlink (trace), ==, 0);
  g_assert_cmpint (g_rmdir (traces), ==, 0);
  /* Seen before the call too. */
  script.by_reads = TRUE;
  g_clear_object (&second);
  second = run_plain (&script, "qemu+ssh://reads-a/system");
  g_assert_true (virt_migrate_host_setups_lookup_reads (hosts));
  /* Read all along: a kernel that fills it no more (use_zero_page set
   * back, say). */
  script.by_reads = FALSE;
  script.read = TRUE;
  g_clear_object (&second);
  second = run_plain (&script, "qemu+ssh://reads-a/system");
  g_assert_false (virt_migrate_host_setups_lookup_reads (hosts));
  script.read = FALSE;
  g_clear_object (&second);
  second = run_plain (&script, "qemu+ssh://reads-a/system");
  g_assert_true (virt_migrate_host_setups_lookup_reads (hosts));
  /* Unknown before the call: nothing learnt either way. */
  script.resident = 0;
  script.by_reads = FALSE;
  g_clear_object (&second);
  second = run_plain (&script, "qemu+ssh://reads-a/system");
  g_assert_true (virt_migrate_host_setups_lookup_reads (hosts));
  /* Other hosts know nothing. */
  g_clear_object (&third);
  third = run_plain (&script, "qemu+ssh://reads-b/system");
  g_free (hosts);
  hosts = virt_migrate_host_setups_key (virt_migrate_job_get_request (third));
  g_assert_false (virt_migrate_host_setups_lookup_reads (hosts));
  for (guint i = 0; i < 1100; i++)
    {
      g_autofree char *key = g_strdup_printf ("qemu:///system\nqemu+ssh://reads-many-%u/system", i);

      virt_migrate_host_setups_note_reads (key, TRUE);
      g_assert_true (virt_migrate_host_setups_lookup_reads (key));
    }
  g_free (hosts);
  hosts = virt_migrate_host_setups_key (virt_migrate_job_get_request (first));
  g_assert_false (virt_migrate_host_setups_lookup_reads (hosts));
}

/* Runs a job of @manager's for guest @domain to its end; TRUE if it moved
 * it. @learnt: (out): the dirty rate it expected from the guest's last
 * migration. */
static gboolean
run_learning (VirtMigrateManager *manager, const char *domain, guint64 *learnt)
{
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_new (domain, "qemu:///system",
                                                                    "qemu+ssh://learn-e/system");
  g_autoptr(GError) error = NULL;
  VirtMigrateJob *job;

  g_object_set (request, "live", TRUE, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, NULL);
  job = virt_migrate_manager_start (manager, request, NULL, &error);
  g_assert_no_error (error);
  while (!virt_migrate_job_is_finished (job))
    g_main_context_iteration (NULL, TRUE);
  *learnt = virt_migrate_job_get_dirty_learnt (job);
  return virt_migrate_job_get_state (job) == VIRT_MIGRATE_JOB_STATE_SUCCEEDED;
}

static void
test_dirty_learnt (Fixture *fx, gconstpointer data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(VirtMigrateSettings) settings = virt_migrate_settings_new_with_backend (backend);
  g_autoptr(VirtMigrateManager) manager = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) record = NULL;
  BackendScript script = { FALSE };
  VirtMigrateHistory *history;
  const char *uuid = NULL;
  guint64 rate = 0, learnt = 0;

  g_test_summary ("A memory migration's record holds the dirty rate QEMU measured in its first pass and "
                  "the guest's UUID; the guest's next migration (of this process, or of one that "
                  "reads the history) expects it: its newest, of a migration that succeeded");
  manager = learning_manager (fx, settings, &script);
  history = virt_migrate_manager_get_history (manager);

  /* The history's, read when the manager makes its first job: a guest's
   * newest that succeeded counts. */
#define RECORD(outcome, uuid, rate) \
  "{'Outcome': <'" outcome "'>, 'Source': <'qemu:///system'>, 'Destination': <'qemu+ssh://learn-e/system'>, " \
  "'DomainUuid': <'" uuid "'>, 'DirtyRate': <uint64 " rate ">}"
  append_text (history, RECORD ("succeeded", "11111111-0000-4000-8000-000000000001", "1000000"));
  append_text (history, RECORD ("succeeded", "11111111-0000-4000-8000-000000000001", "3000000"));
  append_text (history, RECORD ("failed", "11111111-0000-4000-8000-000000000001", "9000000"));
  append_text (history, RECORD ("failed", "11111111-0000-4000-8000-000000000002", "9000000"));
  /* Damaged or foreign records: of the wrong types, or a rate of 0. */
  append_text (history, "{'Outcome': <'succeeded'>, 'DomainUuid': <'11111111-0000-4000-8000-000000000004'>, "
                        "'DirtyRate': <'fast'>}");
  append_text (history, "{'Outcome': <'succeeded'>, 'DomainUuid': <uint32 4>, 'DirtyRate': <uint64 5>}");
  append_text (history, "{'Outcome': <'succeeded'>, 'DomainUuid': <'11111111-0000-4000-8000-000000000005'>, "
                        "'DirtyRate': <uint64 0>}");
#undef RECORD
  g_assert_cmpuint (virt_migrate_guest_rates_lookup ("11111111-0000-4000-8000-000000000001"), ==, 0);
  script.uuid = "11111111-0000-4000-8000-000000000003";
  g_assert_true (run_learning (manager, "learn1", &learnt));
  g_assert_cmpuint (learnt, ==, 0);
  g_assert_cmpuint (virt_migrate_guest_rates_lookup ("11111111-0000-4000-8000-000000000001"), ==, 3000000);
  g_assert_cmpuint (virt_migrate_guest_rates_lookup ("11111111-0000-4000-8000-000000000002"), ==, 0);
  g_assert_cmpuint (virt_migrate_guest_rates_lookup ("11111111-0000-4000-8000-000000000004"), ==, 0);
  g_assert_cmpuint (virt_migrate_guest_rates_lookup ("11111111-0000-4000-8000-000000000005"), ==, 0);
  /* A migration whose second pass never came measured nothing. */
  g_assert_cmpuint (virt_migrate_guest_rates_lookup ("11111111-0000-4000-8000-000000000003"), ==, 0);

  /* The guest of the history's records: its job expects the newest (and
   * measures 256 pages/s: its record says so, and it is the guest's newest
   * now). */
  script.uuid = "11111111-0000-4000-8000-000000000001";
  script.dirty_rate = 256;
  g_assert_true (run_learning (manager, "learn1", &learnt));
  g_assert_cmpuint (learnt, ==, 3000000);
  g_assert_cmpuint (virt_migrate_guest_rates_lookup ("11111111-0000-4000-8000-000000000001"), ==, MIB);
  all = query (history, NULL);
  record = g_variant_get_child_value (all, g_variant_n_children (all) - 1);
  g_assert_true (g_variant_lookup (record, "DirtyRate", "t", &rate));
  g_assert_cmpuint (rate, ==, MIB);
  g_assert_true (g_variant_lookup (record, "DomainUuid", "&s", &uuid));
  g_assert_cmpstr (uuid, ==, "11111111-0000-4000-8000-000000000001");

  /* One that failed teaches nothing. */
  script.dirty_rate = 1024;
  script.fail = TRUE;
  g_assert_false (run_learning (manager, "learn1", &learnt));
  g_assert_cmpuint (learnt, ==, MIB);
  g_assert_cmpuint (virt_migrate_guest_rates_lookup ("11111111-0000-4000-8000-000000000001"), ==, MIB);

  /* A daemon that moves thousands of guests over months keeps at most
   * 4096: past that the table starts again, the newest in it. */
  for (guint i = 0; i < 5000; i++)
    {
      g_autofree char *many = g_strdup_printf ("22222222-0000-4000-8000-%012u", i);

      virt_migrate_guest_rates_note (many, i + 1, TRUE);
    }
  g_assert_cmpuint (virt_migrate_guest_rates_lookup ("22222222-0000-4000-8000-000000004999"), ==, 5000);
  g_assert_cmpuint (virt_migrate_guest_rates_lookup ("22222222-0000-4000-8000-000000000000"), ==, 0);
  g_assert_cmpuint (virt_migrate_guest_rates_lookup ("11111111-0000-4000-8000-000000000001"), ==, 0);
}

static void
test_old_key_names (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) records = NULL;
  g_autoptr(GVariant) old = NULL, current = NULL;
  const char *text = "{'Id': <uint32 1>, 'Domain': <'web'>, 'Outcome': <'succeeded'>, 'Iterations': <uint64 3>}\n"
                     "{'Id': <uint32 2>, 'Domain': <'db'>, 'Outcome': <'failed'>, 'State': <'failed'>, "
                     "'Iteration': <uint64 5>}\n";
  guint64 n = 0;

  g_test_summary ("A record written before the history took the snapshot's key names reads under today's "
                  "(Iterations as Iteration); a current one as it is");
  {
    g_autofree char *parent = g_path_get_dirname (fx->path);

    g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  }
  g_assert_true (g_file_set_contents (fx->path, text, -1, NULL));
  records = query (fx->history, NULL);
  g_assert_cmpuint (g_variant_n_children (records), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GVariant) r = g_variant_get_child_value (records, i);
      guint32 id = 0;

      g_assert_true (g_variant_lookup (r, "Id", "u", &id));
      g_assert_false (g_variant_lookup (r, "Iterations", "t", &n));
      g_assert_true (g_variant_lookup (r, "Iteration", "t", &n));
      g_assert_cmpuint (n, ==, id == 1 ? 3 : 5);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add ("/virt-migrate/history/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("append-query", test_append_query);
  ADD ("filter-errors", test_filter_errors);
  ADD ("bounded", test_bounded);
  ADD ("torn-line", test_torn_line);
  ADD ("damaged", test_damaged);
  ADD ("concurrent-writers", test_concurrent_writers);
  ADD ("concurrent-compaction", test_concurrent_compaction);
  ADD ("unique-ids", test_unique_ids);
  ADD ("manager-records", test_manager_records);
  ADD ("old-key-names", test_old_key_names);
  ADD ("setup-learnt", test_setup_learnt);
  g_test_add_func ("/virt-migrate/history/setup-learnt-plain", test_setup_learnt_plain);
  g_test_add_func ("/virt-migrate/history/reads-learnt-plain", test_reads_learnt_plain);
  ADD ("dirty-learnt", test_dirty_learnt);
#undef ADD
  return g_test_run ();
}
