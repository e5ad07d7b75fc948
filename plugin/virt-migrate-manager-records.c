/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a manager keeps beyond its process: the history (and the ids drawn
 * from it), the job records of a state directory, and following again the
 * jobs a previous process recorded there. */
#include "config.h"

#include "virt-migrate-enum-types.h"
#include "virt-migrate-history-private.h"
#include "virt-migrate-job-private.h"
#include "virt-migrate-manager-internal.h"
#include "virt-migrate-request-private.h"

/* A recorded State nick: ended, as the library defines it. */
static gboolean
state_is_final (const char *state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (VIRT_MIGRATE_TYPE_JOB_STATE);
  GEnumValue *value = g_enum_get_value_by_nick (klass, state);

  return value == NULL || virt_migrate_job_state_is_final (value->value);
}


void
virt_migrate_manager_apply_history_size (VirtMigrateManager *self)
{
  guint size = virt_migrate_settings_get_history_size (self->settings);

  if (self->history != NULL && size > 0)
    virt_migrate_history_set_max_records (self->history, size);
}

/* A job's (or, with @job %NULL, a drain's) id from the history's counter,
 * so that ids are unique across every process writing that history; a
 * job keeps its process-wide number when there is no history. */
guint
virt_migrate_manager_number (VirtMigrateManager *self,
                             VirtMigrateJob     *job)
{
  g_autoptr(GError) local = NULL;
  guint id;

  if (self->history == NULL)
    return 0;
  /* Past any live one (a record adopted from elsewhere may hold it). */
  do
    id = virt_migrate_history_reserve_id (self->history, &local);
  while (id != 0 && (job != NULL ? virt_migrate_manager_lookup_job (self, id) != NULL
                                 : virt_migrate_manager_lookup_drain (self, id) != NULL));
  if (id == 0)
    {
      g_warning ("cannot number from the history's counter: %s", local->message);
      return 0;
    }
  if (job != NULL)
    virt_migrate_job_set_id (job, id);
  return id;
}

/* Every job that ended, however, goes to the history. */
void
virt_migrate_manager_write_history (VirtMigrateManager *self, VirtMigrateJob *job)
{
  g_autoptr(GError) error = NULL;

  if (self->history == NULL || virt_migrate_settings_get_history_size (self->settings) == 0)
    return;
  if (!virt_migrate_history_append (self->history, virt_migrate_job_to_history_record (job), &error))
    g_warning ("job %u: cannot write the history: %s", virt_migrate_job_get_id (job), error->message);
}

/**
 * virt_migrate_manager_set_state_directory:
 * @self: a #VirtMigrateManager
 * @directory: where to record the jobs, created if missing
 *
 * Records every job of the manager in @directory (a file each, written
 * atomically, removed when the job ends) and follows again the unfinished
 * ones a previous process recorded there, under their ids and owners: a
 * migration libvirt still runs to its end, one that ended meanwhile
 * reconciled from where the guest is.  Unless
 * virt_migrate_manager_set_history() chose one, the history moves to
 * `history` in @directory too.  Call it once, before starting jobs.
 */
void
virt_migrate_manager_set_state_directory (VirtMigrateManager *self,
                                          const char         *directory)
{
  g_autoptr(GPtrArray) records = NULL;

  g_return_if_fail (VIRT_MIGRATE_IS_MANAGER (self));
  g_return_if_fail (self->store == NULL);

  self->store = virt_migrate_job_store_new (directory);
  self->state_directory = g_strdup (directory);
  if (!self->history_chosen)
    {
      g_autofree char *path = g_build_filename (directory, "history", NULL);

      g_clear_object (&self->history);
      self->history = virt_migrate_history_new (path);
      virt_migrate_manager_apply_history_size (self);
    }
  records = virt_migrate_job_store_load (self->store);
  for (guint i = 0; i < records->len; i++)
    {
      GVariant *record = g_ptr_array_index (records, i);
      g_autoptr(GVariant) dict = g_variant_lookup_value (record, "Request", G_VARIANT_TYPE_VARDICT);
      g_autoptr(VirtMigrateRequest) request = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree const char **messages = NULL;
      g_autofree char *note = NULL;
      VirtMigrateJob *job;
      const char *state = NULL;
      guint id = 0, owner = 0, drain = 0;
      gint64 started = 0;

      g_variant_lookup (record, "Id", "u", &id);
      g_variant_lookup (record, "StartedByUid", "u", &owner);
      g_variant_lookup (record, "State", "&s", &state);
      g_variant_lookup (record, "Drain", "u", &drain);
      /* Ended: nothing to follow. Still in the queue for its drain: never
       * asked of libvirt, and the drain hands its guest over again. */
      if (state == NULL || state_is_final (state) || (drain != 0 && g_str_equal (state, "pending")))
        {
          virt_migrate_job_store_remove (self->store, id);
          continue;
        }
      request = dict != NULL ? virt_migrate_request_new_from_variant (dict, &error) : NULL;
      if (request == NULL)
        {
          g_warning ("job %u: unreadable request in its record (%s): dropped", id,
                     error != NULL ? error->message : "none");
          virt_migrate_job_store_remove (self->store, id);
          continue;
        }
      g_message ("job %u: recorded as %s before a restart: following it again", id, state);
      g_variant_lookup (record, "Messages", "^a&s", &messages);
      g_variant_lookup (record, "StartTime", "x", &started);
      job = virt_migrate_manager_adopt (self, request, id, owner, messages, started, drain);
      note = g_strdup_printf ("virt-migrated restarted while this job was %s: following libvirt's "
                              "migration from here", state);
      virt_migrate_job_log (job, note);
    }
  /* The drains, once their jobs are followed again. */
  virt_migrate_manager_resume_drains (self);
}

/**
 * virt_migrate_manager_get_history:
 * @self: a #VirtMigrateManager
 *
 * Returns: (transfer none) (nullable): where the manager records the jobs
 *   that end, %NULL if nowhere
 */
VirtMigrateHistory *
virt_migrate_manager_get_history (VirtMigrateManager *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), NULL);
  return self->history;
}

/**
 * virt_migrate_manager_set_history:
 * @self: a #VirtMigrateManager
 * @history: (nullable): where to record the jobs that end, %NULL for
 *   nowhere
 *
 * Replaces the user's history (the default) with @history.
 */
void
virt_migrate_manager_set_history (VirtMigrateManager *self,
                                  VirtMigrateHistory *history)
{
  g_return_if_fail (VIRT_MIGRATE_IS_MANAGER (self));
  g_return_if_fail (history == NULL || VIRT_MIGRATE_IS_HISTORY (history));

  self->history_chosen = TRUE;
  g_set_object (&self->history, history);
  virt_migrate_manager_apply_history_size (self);
}
