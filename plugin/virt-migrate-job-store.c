/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "virt-migrate-job-private.h"
#include "virt-migrate-job-store.h"

/*
 * VirtMigrateJobStore: the jobs of a daemon, on disk, so that a restarted
 * daemon finds them again. One file per job, `ID.job`, holding a serialized
 * a{sv}: id (u), owner-uid (u), state (s, the nick), request (a{sv}), error
 * (s), messages (as) and saved (x, µs since the epoch). Each write goes to a
 * temporary file renamed over the old one (g_file_set_contents()), so a
 * crash leaves either the old record or the new one.
 */
struct _VirtMigrateJobStore
{
  GObject  parent_instance;
  char    *directory;
};

G_DEFINE_FINAL_TYPE (VirtMigrateJobStore, virt_migrate_job_store, G_TYPE_OBJECT)

static void
virt_migrate_job_store_finalize (GObject *object)
{
  VirtMigrateJobStore *self = VIRT_MIGRATE_JOB_STORE (object);

  g_free (self->directory);
  G_OBJECT_CLASS (virt_migrate_job_store_parent_class)->finalize (object);
}

static void
virt_migrate_job_store_class_init (VirtMigrateJobStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virt_migrate_job_store_finalize;
}

static void
virt_migrate_job_store_init (VirtMigrateJobStore *self)
{
}

VirtMigrateJobStore *
virt_migrate_job_store_new (const char *directory)
{
  VirtMigrateJobStore *self = g_object_new (VIRT_MIGRATE_TYPE_JOB_STORE, NULL);

  self->directory = g_strdup (directory);
  return self;
}

static char *
job_path (VirtMigrateJobStore *self, guint id)
{
  g_autofree char *name = g_strdup_printf ("%u.job", id);

  return g_build_filename (self->directory, name, NULL);
}

/* The record is the job's snapshot (virt_migrate_job_to_variant(): State,
 * Request, Messages, StartedByUid, …) plus Id and when it was saved. */
gboolean
virt_migrate_job_store_save (VirtMigrateJobStore *self,
                             VirtMigrateJob      *job,
                             GError             **error)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) record = NULL;
  g_autofree char *path = job_path (self, virt_migrate_job_get_id (job));
  /* g_variant_dict_init() reads the snapshot and does not take it. */
  g_autoptr(GVariant) snapshot = g_variant_ref_sink (virt_migrate_job_to_variant (job));

  if (g_mkdir_with_parents (self->directory, 0700) < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create %s: %s", self->directory, g_strerror (saved_errno));
      return FALSE;
    }
  g_variant_dict_init (&dict, snapshot);
  g_variant_dict_insert (&dict, "Id", "u", virt_migrate_job_get_id (job));
  g_variant_dict_insert (&dict, "Saved", "x", g_get_real_time ());
  /* When it began: a restarted daemon that follows it keeps that. */
  g_variant_dict_insert (&dict, "StartTime", "x", virt_migrate_job_get_start_real_time (job));
  record = g_variant_ref_sink (g_variant_dict_end (&dict));
  return g_file_set_contents_full (path, g_variant_get_data (record), g_variant_get_size (record),
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

void
virt_migrate_job_store_remove (VirtMigrateJobStore *self,
                               guint                id)
{
  g_autofree char *path = job_path (self, id);

  if (g_unlink (path) < 0 && errno != ENOENT)
    g_warning ("cannot remove %s: %s", path, g_strerror (errno));
}

/* Returns: (element-type GVariant): the records (a{sv}, with at least Id,
 * StartedByUid, State and Request), in no order; unreadable files are
 * skipped with a warning. */
GPtrArray *
virt_migrate_job_store_load (VirtMigrateJobStore *self)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr(GDir) dir = g_dir_open (self->directory, 0, NULL);
  const char *name;

  if (dir == NULL)
    return records;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GVariant) record = NULL;
      g_autoptr(GVariant) request = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *expected = NULL;
      gchar *contents = NULL;
      gsize length = 0;
      guint32 id = 0;

      if (!g_str_has_suffix (name, ".job"))
        continue;
      path = g_build_filename (self->directory, name, NULL);
      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          g_warning ("cannot read %s: %s", path, error->message);
          continue;
        }
      bytes = g_bytes_new_take (contents, length);
      record = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bytes, FALSE));
      request = g_variant_lookup_value (record, "Request", G_VARIANT_TYPE_VARDICT);
      if (!g_variant_lookup (record, "Id", "u", &id) || !g_variant_lookup (record, "StartedByUid", "u", NULL) ||
          !g_variant_lookup (record, "State", "&s", NULL) || request == NULL)
        {
          g_warning ("%s is not a job record: skipped", path);
          continue;
        }
      /* The file is named after its job: one that is not (a copy, a
       * hand edit) would be adopted again at every start. And an id the
       * counter cannot go past is no id. */
      expected = g_strdup_printf ("%u.job", id);
      if (id == 0 || id > VIRT_MIGRATE_JOB_ID_MAX || !g_str_equal (name, expected))
        {
          g_warning ("%s holds job %u, which is not its name's (or no valid id): skipped", path, id);
          continue;
        }
      g_ptr_array_add (records, g_steal_pointer (&record));
    }
  return records;
}
