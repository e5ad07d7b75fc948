/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "virt-migrate-enums.h"
#include "virt-migrate-error.h"
#include "virt-migrate-history-private.h"

/**
 * VirtMigrateHistory:
 *
 * The record of finished migrations: one `a{sv}` per migration (guest,
 * hosts, flow and flags, start and end, outcome and error, bytes, downtime,
 * the policy's steps), kept in one file, newest last.
 *
 * A #VirtMigrateManager appends a record for every job it made that
 * ended (run by the manager or by the program itself), to
 * `$XDG_STATE_HOME/virt-migrate/history` by default (virt-migrated on the
 * system bus: `/var/lib/virt-migrate/history`), so the command line tool
 * and a session daemon of the same user write to one file.
 *
 * The file is append-only text, one record per line in #GVariant text
 * format.  Every writer holds an exclusive `flock()` on `history.lock`
 * beside it, appends its line with one `write()` and `fdatasync()`s it:
 * concurrent writers (processes or threads) lose nothing, and a crash
 * leaves at worst a torn last line, which readers skip and the next
 * writer terminates.  When the file holds more than a quarter over
 * #VirtMigrateHistory:max-records or #VirtMigrateHistory:max-bytes, the
 * writer rewrites it atomically with the newest records only, so it stays
 * bounded in records and in bytes.
 */
struct _VirtMigrateHistory
{
  GObject parent_instance;
  char   *path;
  char   *lock_path;
  guint   max_records;
  guint64 max_bytes;
  /* The file as this object last left it (under the writers' lock): an
   * append that finds it so counts one more line instead of reading it. */
  gboolean cache_valid;
  dev_t    cache_dev;
  ino_t    cache_ino;
  goffset  cache_size;
  guint    cache_lines;
};

enum {
  PROP_0,
  PROP_PATH,
  PROP_MAX_RECORDS,
  PROP_MAX_BYTES,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

#define DEFAULT_MAX_RECORDS 1000
/* A thousand records at their bound (about 12 KiB each); replies are paged
 * well under a D-Bus message's limit whatever it holds. */
#define DEFAULT_MAX_BYTES (16 * 1024 * 1024)

G_DEFINE_FINAL_TYPE (VirtMigrateHistory, virt_migrate_history, G_TYPE_OBJECT)

static void
virt_migrate_history_finalize (GObject *object)
{
  VirtMigrateHistory *self = VIRT_MIGRATE_HISTORY (object);

  g_free (self->path);
  g_free (self->lock_path);
  G_OBJECT_CLASS (virt_migrate_history_parent_class)->finalize (object);
}

static void
virt_migrate_history_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VirtMigrateHistory *self = VIRT_MIGRATE_HISTORY (object);

  switch (prop_id)
    {
    case PROP_PATH: g_value_set_string (value, self->path); break;
    case PROP_MAX_RECORDS: g_value_set_uint (value, self->max_records); break;
    case PROP_MAX_BYTES: g_value_set_uint64 (value, self->max_bytes); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_history_set_property (GObject *object, guint prop_id, const GValue *value,
                                   GParamSpec *pspec)
{
  VirtMigrateHistory *self = VIRT_MIGRATE_HISTORY (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      self->lock_path = g_strconcat (self->path, ".lock", NULL);
      break;
    case PROP_MAX_RECORDS:
      virt_migrate_history_set_max_records (self, g_value_get_uint (value));
      break;
    case PROP_MAX_BYTES:
      if (self->max_bytes != g_value_get_uint64 (value))
        {
          self->max_bytes = g_value_get_uint64 (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_history_class_init (VirtMigrateHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = virt_migrate_history_finalize;
  object_class->get_property = virt_migrate_history_get_property;
  object_class->set_property = virt_migrate_history_set_property;

  /**
   * VirtMigrateHistory:path:
   *
   * The history file; `PATH.lock` beside it serialises the writers.
   */
  props[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL,
                                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                          G_PARAM_STATIC_STRINGS);
  /**
   * VirtMigrateHistory:max-records:
   *
   * How many records the history keeps, the newest ones.
   */
  props[PROP_MAX_RECORDS] = g_param_spec_uint ("max-records", NULL, NULL, 1, 1000000, DEFAULT_MAX_RECORDS,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  /**
   * VirtMigrateHistory:max-bytes:
   *
   * How large the history file may grow, in bytes, whatever its records
   * hold: past a quarter over, the oldest records are dropped until the
   * rest fit (the newest record is always kept). 16 MiB by default.
   */
  props[PROP_MAX_BYTES] = g_param_spec_uint64 ("max-bytes", NULL, NULL, 4096, G_MAXUINT64, DEFAULT_MAX_BYTES,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
virt_migrate_history_init (VirtMigrateHistory *self)
{
  self->max_records = DEFAULT_MAX_RECORDS;
  self->max_bytes = DEFAULT_MAX_BYTES;
}

/**
 * virt_migrate_history_new:
 * @path: (type filename): the history file, created with its directory on
 *   the first record
 *
 * Returns: (transfer full): a history kept in @path
 */
VirtMigrateHistory *
virt_migrate_history_new (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);
  return g_object_new (VIRT_MIGRATE_TYPE_HISTORY, "path", path, NULL);
}

/**
 * virt_migrate_history_new_for_user:
 *
 * The user's history, `$XDG_STATE_HOME/virt-migrate/history` (by default
 * `~/.local/state/virt-migrate/history`): where the command line tool, a
 * session virt-migrated and any #VirtMigrateManager record by default.
 *
 * Returns: (transfer full): the user's history
 */
VirtMigrateHistory *
virt_migrate_history_new_for_user (void)
{
  g_autofree char *path = g_build_filename (g_get_user_state_dir (), "virt-migrate", "history", NULL);

  return virt_migrate_history_new (path);
}

/**
 * virt_migrate_history_get_path:
 * @self: a #VirtMigrateHistory
 *
 * Returns: (type filename): #VirtMigrateHistory:path
 */
const char *
virt_migrate_history_get_path (VirtMigrateHistory *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HISTORY (self), NULL);
  return self->path;
}

/**
 * virt_migrate_history_get_max_records:
 * @self: a #VirtMigrateHistory
 *
 * Returns: #VirtMigrateHistory:max-records
 */
guint
virt_migrate_history_get_max_records (VirtMigrateHistory *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HISTORY (self), 0);
  return self->max_records;
}

/**
 * virt_migrate_history_set_max_records:
 * @self: a #VirtMigrateHistory
 * @max_records: how many records to keep, at least 1
 *
 * Sets #VirtMigrateHistory:max-records; the file shrinks at the next
 * record written.
 */
void
virt_migrate_history_set_max_records (VirtMigrateHistory *self,
                                      guint               max_records)
{
  g_return_if_fail (VIRT_MIGRATE_IS_HISTORY (self));
  g_return_if_fail (max_records >= 1);

  if (self->max_records == max_records)
    return;
  self->max_records = max_records;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MAX_RECORDS]);
}

/* --- the file ------------------------------------------------------------------ */

static gboolean
set_errno_error (GError **error, int saved_errno, const char *what, const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "Cannot %s %s: %s",
               what, path, g_strerror (saved_errno));
  return FALSE;
}

/* The lock file, opened and locked (LOCK_EX or LOCK_SH); -1 with @error
 * set. Writers create it (and the directory); a reader that may not write
 * there (another user's history) reads without it. */
static int
take_lock (VirtMigrateHistory *self, int operation, GError **error)
{
  int fd;

  if (operation == LOCK_EX)
    {
      g_autofree char *dir = g_path_get_dirname (self->path);

      if (g_mkdir_with_parents (dir, 0700) < 0)
        return set_errno_error (error, errno, "create", dir), -1;
      fd = g_open (self->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    }
  else
    fd = g_open (self->lock_path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return set_errno_error (error, errno, "open", self->lock_path), -1;
  while (flock (fd, operation) < 0)
    {
      int saved_errno = errno;

      if (saved_errno == EINTR)
        continue;
      close (fd);
      return set_errno_error (error, saved_errno, "lock", self->lock_path), -1;
    }
  return fd;
}

static void
release_lock (int fd)
{
  /* Closing the last descriptor drops the flock. */
  if (fd >= 0)
    close (fd);
}

static gboolean
write_all (int fd, const char *data, gsize length)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/* Whether the GVariant text @text holds a \\u or \\U escape that is no
 * character (a surrogate, or past U+10FFFF): GLib's parser then fails a
 * critical check and returns no record and no error. */
static gboolean
has_bad_escape (const char *text, gsize len)
{
  for (gsize i = 0; i + 1 < len; i++)
    {
      if (text[i] != '\\')
        continue;
      if (text[i + 1] == 'u' || text[i + 1] == 'U')
        {
          gsize digits = text[i + 1] == 'u' ? 4 : 8;
          guint32 c = 0;

          for (gsize k = 0; k < digits && i + 2 + k < len && g_ascii_isxdigit (text[i + 2 + k]); k++)
            c = c * 16 + (guint32) g_ascii_xdigit_value (text[i + 2 + k]);
          if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
            return TRUE;
        }
      i++; /* the escaped character, whatever it is (\\\\ too) */
    }
  return FALSE;
}


/* A record written before the history shared the job snapshot's key names
 * (`Iterations`), read under today's (`Iteration`). Takes @record. */
static GVariant *
current_keys (GVariant *record)
{
  g_autoptr(GVariant) old = record;
  GVariantDict dict;
  guint64 iterations = 0;

  if (!g_variant_lookup (record, "Iterations", "t", &iterations))
    return g_steal_pointer (&old);
  g_variant_dict_init (&dict, record);
  g_variant_dict_remove (&dict, "Iterations");
  if (!g_variant_dict_contains (&dict, "Iteration"))
    g_variant_dict_insert (&dict, "Iteration", "t", iterations);
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

/* The records of @length bytes of the file, oldest first. A line that is
 * no record is skipped with a warning naming it: a torn last line after a
 * crash, bytes that are not UTF-8, a NUL (which would otherwise end the
 * text there and hide every later record), what GVariant cannot parse.
 * @n_lines: where to count every line, whole or not (%NULL: not wanted). */
GPtrArray *
virt_migrate_history_parse (const char *contents,
                            gsize       length,
                            guint      *n_lines)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  const char *at = contents, *end = contents + length;
  guint line = 0;

  while (at < end)
    {
      const char *nl = memchr (at, '\n', (gsize) (end - at));
      gsize len = (gsize) ((nl != NULL ? nl : end) - at);
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      GVariant *record;

      line++;
      if (len > 0)
        {
          if (memchr (at, '\0', len) != NULL)
            g_warning ("history: line %u skipped: it holds a NUL byte", line);
          else if (!g_utf8_validate (at, (gssize) len, NULL))
            g_warning ("history: line %u skipped: it is not UTF-8", line);
          else if (has_bad_escape (at, len))
            g_warning ("history: line %u skipped: it escapes a surrogate or no character at all", line);
          else
            {
              text = g_strndup (at, len);
              record = g_variant_parse (G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error);
              /* (g_variant_parse() may fail without saying why.) */
              if (record == NULL)
                g_warning ("history: line %u skipped: %s", line, error != NULL ? error->message : "not a record");
              else
                g_ptr_array_add (records, current_keys (record)); /* g_variant_parse(): not floating */
            }
        }
      at = nl != NULL ? nl + 1 : end;
    }
  if (n_lines != NULL)
    *n_lines = line;
  return records;
}

/* The lines of the file at @path (a last one without its newline too),
 * NUL bytes and all. */
static guint
count_lines (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  guint n = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return 0;
  for (const char *at = contents, *end = contents + length; at < end; n++)
    {
      const char *nl = memchr (at, '\n', (gsize) (end - at));

      at = nl != NULL ? nl + 1 : end;
    }
  return n;
}

/* Under the writers' lock: keeps the newest max-records, within
 * max-bytes, when the file has grown a quarter over either, replacing it
 * atomically. */
static void
compact (VirtMigrateHistory *self)
{
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) lines_kept = NULL;
  g_autoptr(GString) text = NULL;
  g_autoptr(GError) error = NULL;
  guint slack = MAX (self->max_records / 4, 1);
  guint lines = 0;
  gsize length = 0, bytes = 0;
  guint first;

  if (!g_file_get_contents (self->path, &contents, &length, &error))
    {
      g_warning ("history: cannot read %s: %s", self->path, error->message);
      return;
    }
  records = virt_migrate_history_parse (contents, length, &lines);
  if (lines <= self->max_records + slack && length <= self->max_bytes + self->max_bytes / 4)
    return;

  lines_kept = g_ptr_array_new_with_free_func (g_free);
  /* The newest first, while both bounds hold; the newest always. */
  first = records->len > self->max_records ? records->len - self->max_records : 0;
  for (guint i = records->len; i > first; i--)
    {
      char *line = g_variant_print (g_ptr_array_index (records, i - 1), TRUE);
      gsize size = strlen (line) + 1;

      if (lines_kept->len > 0 && bytes + size > self->max_bytes)
        {
          g_free (line);
          break;
        }
      bytes += size;
      g_ptr_array_add (lines_kept, line);
    }
  text = g_string_sized_new (bytes);
  for (guint i = lines_kept->len; i > 0; i--)
    {
      g_string_append (text, g_ptr_array_index (lines_kept, i - 1));
      g_string_append_c (text, '\n');
    }
  if (!g_file_set_contents_full (self->path, text->str, (gssize) text->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_warning ("history: cannot shrink %s: %s", self->path, error->message);
}


/**
 * virt_migrate_history_append:
 * @self: a #VirtMigrateHistory
 * @record: an `a{sv}` record (as a #VirtMigrateManager writes: `Domain`,
 *   `DomainUuid`, `Source`, `Destination`, `Flow`, `Flags`, `StartTime`,
 *   `EndTime`, `Outcome`, `Error`, `BytesProcessed`, `Downtime`,
 *   `Messages`, …)
 * @error: return location for a #GError
 *
 * Appends @record to the history, safely against other writers and
 * crashes, and drops the oldest records beyond
 * #VirtMigrateHistory:max-records.  It blocks for as long as another
 * writer holds the lock, which is the time of one write.
 *
 * Returns: %TRUE if the record is on disk
 */
gboolean
virt_migrate_history_append (VirtMigrateHistory *self,
                             GVariant           *record,
                             GError            **error)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GString) line = NULL;
  g_autofree char *text = NULL;
  struct stat st;
  int lock_fd, fd;
  gboolean ok;

  g_return_val_if_fail (VIRT_MIGRATE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  owned = g_variant_ref_sink (record);
  if (!g_variant_is_of_type (record, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE,
                   "A history record must be of type 'a{sv}', not '%s'",
                   g_variant_get_type_string (record));
      return FALSE;
    }
  /* The text format escapes newlines inside strings: one line a record. */
  {
    g_autoptr(GVariant) bounded = virt_migrate_history_bound_record (record);

    text = g_variant_print (bounded, TRUE);
  }
  line = g_string_new (NULL);

  lock_fd = take_lock (self, LOCK_EX, error);
  if (lock_fd < 0)
    return FALSE;
  fd = g_open (self->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      release_lock (lock_fd);
      return set_errno_error (error, errno, "open", self->path);
    }
  /* A writer that crashed mid-line: end that line first. */
  if (fstat (fd, &st) == 0 && st.st_size > 0)
    {
      int rfd = g_open (self->path, O_RDONLY | O_CLOEXEC, 0);
      char last = '\n';

      if (rfd >= 0)
        {
          if (pread (rfd, &last, 1, st.st_size - 1) != 1)
            last = '\n';
          close (rfd);
        }
      if (last != '\n')
        g_string_append_c (line, '\n');
    }
  g_string_append (line, text);
  g_string_append_c (line, '\n');
  ok = write_all (fd, line->str, line->len) && fdatasync (fd) == 0;
  if (!ok)
    set_errno_error (error, errno, "write to", self->path);
  close (fd);
  if (ok)
    {
      guint lines;
      goffset size = st.st_size + (goffset) line->len;

      /* One more line than this object left, unless another writer
       * wrote since: then counted from the file. */
      if (self->cache_valid && self->cache_dev == st.st_dev && self->cache_ino == st.st_ino &&
          self->cache_size == st.st_size)
        lines = self->cache_lines + 1;
      else
        lines = count_lines (self->path);
      self->cache_valid = TRUE;
      self->cache_dev = st.st_dev;
      self->cache_ino = st.st_ino;
      self->cache_size = size;
      self->cache_lines = lines;
      if (lines > self->max_records + MAX (self->max_records / 4, 1) ||
          (guint64) size > self->max_bytes + self->max_bytes / 4)
        {
          compact (self);
          self->cache_valid = FALSE; /* a new file */
        }
    }
  release_lock (lock_fd);
  return ok;
}

/* The largest Id among the history's records: where a lock file without
 * a counter (an older history, or a damaged counter) starts counting. */
static guint
largest_recorded_id (VirtMigrateHistory *self)
{
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) records = NULL;
  gsize length = 0;
  guint largest = 0;

  if (!g_file_get_contents (self->path, &contents, &length, NULL))
    return 0;
  records = virt_migrate_history_parse (contents, length, NULL);
  for (guint i = 0; i < records->len; i++)
    {
      guint id = 0;

      if (g_variant_lookup (g_ptr_array_index (records, i), "Id", "u", &id))
        largest = MAX (largest, id);
    }
  return largest;
}

/* Under the writers' lock, the lock file holds the next id as decimal
 * text: one counter for every process writing this history. */
guint
virt_migrate_history_reserve_id (VirtMigrateHistory *self,
                                 GError            **error)
{
  char text[32] = { 0 };
  guint64 next = 0;
  char *end = NULL;
  ssize_t got;
  int lock_fd, len;

  g_return_val_if_fail (VIRT_MIGRATE_IS_HISTORY (self), 0);

  lock_fd = take_lock (self, LOCK_EX, error);
  if (lock_fd < 0)
    return 0;
  got = pread (lock_fd, text, sizeof text - 1, 0);
  if (got > 0)
    {
      text[got] = '\0';
      next = g_ascii_strtoull (text, &end, 10);
      if (end == text || (*end != '\n' && *end != '\0') || next == 0 || next > G_MAXUINT32)
        {
          g_warning ("%s: not a counter (%.16s…): counting on from the history's records",
                     self->lock_path, text);
          next = 0;
        }
    }
  if (next == 0)
    next = (guint64) largest_recorded_id (self) + 1;
  if (next > G_MAXUINT32)
    next = 1; /* after four billion: around again */
  len = g_snprintf (text, sizeof text, "%" G_GUINT64_FORMAT "\n", next + 1 > G_MAXUINT32 ? 1 : next + 1);
  if (pwrite (lock_fd, text, len, 0) != len || ftruncate (lock_fd, len) < 0 || fdatasync (lock_fd) < 0)
    {
      set_errno_error (error, errno, "write to", self->lock_path);
      release_lock (lock_fd);
      return 0;
    }
  release_lock (lock_fd);
  return (guint) next;
}

/* --- reading -------------------------------------------------------------------- */

typedef struct {
  const char *domain;  /* name or UUID */
  const char *outcome;
  gint64      since;   /* µs since the epoch, by EndTime */
  guint       limit;   /* the newest N, 0: all */
  guint       offset;  /* past the newest N */
  guint64     max_bytes; /* of records (serialized), the newest that fit; 0: no bound */
} Filter;

static gboolean
parse_filter (GVariant *filter, Filter *f, GError **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  memset (f, 0, sizeof *f);
  if (filter == NULL)
    return TRUE;
  if (!g_variant_is_of_type (filter, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE,
                   "A history filter must be of type 'a{sv}', not '%s'", g_variant_get_type_string (filter));
      return FALSE;
    }
  g_variant_iter_init (&iter, filter);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) v = value;
      const char *want;

      if (g_str_equal (key, "domain") || g_str_equal (key, "outcome"))
        {
          want = "s";
          if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
            {
              /* The filter outlives this loop: it points into @filter. */
              const char *s = g_variant_get_string (v, NULL);

              *(g_str_equal (key, "domain") ? &f->domain : &f->outcome) = s;
              continue;
            }
        }
      else if (g_str_equal (key, "limit"))
        {
          want = "u";
          if (g_variant_is_of_type (v, G_VARIANT_TYPE_UINT32))
            {
              f->limit = g_variant_get_uint32 (v);
              continue;
            }
        }
      else if (g_str_equal (key, "offset"))
        {
          want = "u";
          if (g_variant_is_of_type (v, G_VARIANT_TYPE_UINT32))
            {
              f->offset = g_variant_get_uint32 (v);
              continue;
            }
        }
      else if (g_str_equal (key, "max-bytes"))
        {
          want = "t";
          if (g_variant_is_of_type (v, G_VARIANT_TYPE_UINT64))
            {
              f->max_bytes = g_variant_get_uint64 (v);
              continue;
            }
        }
      else if (g_str_equal (key, "since"))
        {
          want = "x";
          if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
            {
              f->since = g_variant_get_int64 (v);
              continue;
            }
        }
      else
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_UNKNOWN_KEY,
                       "Unknown history filter key '%s' (known: domain, outcome, since, limit, offset, "
                       "max-bytes)", key);
          return FALSE;
        }
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE,
                   "History filter key '%s' must be of type '%s', not '%s'", key, want,
                   g_variant_get_type_string (v));
      return FALSE;
    }
  return TRUE;
}

static gboolean
lookup_equals (GVariant *record, const char *key, const char *value)
{
  const char *s = NULL;

  return g_variant_lookup (record, key, "&s", &s) && g_strcmp0 (s, value) == 0;
}

static gboolean
matches (GVariant *record, const Filter *f)
{
  gint64 end = 0;

  if (f->domain != NULL && !lookup_equals (record, "Domain", f->domain) &&
      !lookup_equals (record, "DomainUuid", f->domain))
    return FALSE;
  if (f->outcome != NULL && !lookup_equals (record, "Outcome", f->outcome))
    return FALSE;
  if (f->since > 0 && (!g_variant_lookup (record, "EndTime", "x", &end) || end < f->since))
    return FALSE;
  return TRUE;
}

/**
 * virt_migrate_history_query:
 * @self: a #VirtMigrateHistory
 * @filter: (nullable): an `a{sv}` filter: `domain` (s, a guest's name or
 *   UUID), `outcome` (s: `succeeded`, `failed`, `cancelled` or `refused`), `since`
 *   (x, µs since the epoch: ended then or later), `limit` (u: only the
 *   newest so many, 0 for all), `offset` (u: leave out the newest so many
 *   first: the next page), `max-bytes` (t: only the newest records whose
 *   serialized size fits, at least one; 0 for no bound)
 * @error: return location for a #GError
 *
 * The records that match @filter, oldest first.  An unknown filter key or
 * a value of the wrong type is an error naming it.  A history never
 * written is empty.
 *
 * Returns: (transfer full): an `aa{sv}` #GVariant, or %NULL with @error set
 */
GVariant *
virt_migrate_history_query (VirtMigrateHistory *self,
                            GVariant           *filter,
                            GError            **error)
{
  g_autoptr(GVariant) owned_filter = filter != NULL ? g_variant_ref_sink (filter) : NULL;
  Filter f;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) matching = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  GVariantBuilder builder;
  gsize length = 0;
  int lock_fd;
  gboolean read;

  g_return_val_if_fail (VIRT_MIGRATE_IS_HISTORY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!parse_filter (owned_filter, &f, error))
    return NULL;

  lock_fd = take_lock (self, LOCK_SH, NULL);
  read = g_file_get_contents (self->path, &contents, &length, &local_error);
  release_lock (lock_fd);
  if (!read && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "Cannot read the history: ");
      return NULL;
    }

  records = virt_migrate_history_parse (read ? contents : "", read ? length : 0, NULL);
  matching = g_ptr_array_new ();
  for (guint i = 0; i < records->len; i++)
    {
      GVariant *record = g_ptr_array_index (records, i);

      /* A record an older version wrote unbounded is bounded as it is
       * read: no reply carries a huge one. */
      if (g_variant_get_size (record) > 64 * 1024)
        {
          GVariant *bounded = virt_migrate_history_bound_record (record);

          g_variant_unref (record);
          g_ptr_array_index (records, i) = bounded; /* the array owns it now */
          record = bounded;
        }
      if (matches (record, &f))
        g_ptr_array_add (matching, record);
    }

  /* A page: past the newest @offset, the newest @limit, within
   * @max_bytes (at least one record); given oldest first. */
  {
    guint end = matching->len > f.offset ? matching->len - f.offset : 0;
    guint start = end, n = 0;
    guint64 bytes = 0;

    while (start > 0 && (f.limit == 0 || n < f.limit))
      {
        gsize size = g_variant_get_size (g_ptr_array_index (matching, start - 1));

        if (f.max_bytes > 0 && n > 0 && bytes + size > f.max_bytes)
          break;
        bytes += size;
        n++;
        start--;
      }
    g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
    for (guint i = start; i < end; i++)
      g_variant_builder_add_value (&builder, g_ptr_array_index (matching, i));
  }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}
