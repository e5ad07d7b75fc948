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
#include "virt-migrate-history.h"

/**
 * VirtMigrateHistory:
 *
 * The record of finished migrations: one `a{sv}` per migration (guest,
 * hosts, flow and flags, start and end, outcome and error, bytes, downtime,
 * the policy's steps), kept in one file, newest last.
 *
 * A #VirtMigrateManager appends a record for every job it ran, to
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
/* Well under a D-Bus message's limit (32 MiB on a default system bus). */
#define DEFAULT_MAX_BYTES (8 * 1024 * 1024)

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
   * rest fit (the newest record is always kept). 8 MiB by default.
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

/* The records of the file's text, oldest first; lines that do not parse
 * as a record (a torn last line after a crash) are skipped. */
static GPtrArray *
parse_records (const char *contents)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      GVariant *record;

      if (*lines[i] == '\0')
        continue;
      record = g_variant_parse (G_VARIANT_TYPE_VARDICT, lines[i], NULL, NULL, &error);
      if (record == NULL)
        {
          g_debug ("history: line %u skipped: %s", i + 1, error->message);
          continue;
        }
      g_ptr_array_add (records, record); /* g_variant_parse(): not floating */
    }
  return records;
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
  for (const char *p = contents; (p = strchr (p, '\n')) != NULL; p++)
    lines++;
  if (lines <= self->max_records + slack && length <= self->max_bytes + self->max_bytes / 4)
    return;

  records = parse_records (contents);
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
  text = g_variant_print (record, TRUE);
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
    compact (self);
  release_lock (lock_fd);
  return ok;
}

/* --- reading -------------------------------------------------------------------- */

typedef struct {
  const char *domain;  /* name or UUID */
  const char *outcome;
  gint64      since;   /* µs since the epoch, by EndTime */
  guint       limit;   /* the newest N, 0: all */
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
                       "Unknown history filter key '%s' (known: domain, outcome, since, limit)", key);
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
 *   UUID), `outcome` (s: `succeeded`, `failed` or `cancelled`), `since`
 *   (x, µs since the epoch: ended then or later), `limit` (u: only the
 *   newest so many, 0 for all)
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
  int lock_fd;
  gboolean read;

  g_return_val_if_fail (VIRT_MIGRATE_IS_HISTORY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!parse_filter (owned_filter, &f, error))
    return NULL;

  lock_fd = take_lock (self, LOCK_SH, NULL);
  read = g_file_get_contents (self->path, &contents, NULL, &local_error);
  release_lock (lock_fd);
  if (!read && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "Cannot read the history: ");
      return NULL;
    }

  records = parse_records (read ? contents : "");
  matching = g_ptr_array_new ();
  for (guint i = 0; i < records->len; i++)
    if (matches (g_ptr_array_index (records, i), &f))
      g_ptr_array_add (matching, g_ptr_array_index (records, i));

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = f.limit > 0 && matching->len > f.limit ? matching->len - f.limit : 0; i < matching->len; i++)
    g_variant_builder_add_value (&builder, g_ptr_array_index (matching, i));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}
