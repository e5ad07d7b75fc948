/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a manager keeps beyond its process: the history (and the ids drawn
 * from it), the job records of a state directory, and following again the
 * jobs a previous process recorded there. */
#include "config.h"

#include "virt-migrate-enum-types.h"
#include "virt-migrate-guest-rates.h"
#include "virt-migrate-host-setups.h"
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

/* QEMU's set-up between two hosts is learnt (virt-migrate-host-setups.c):
 * a manager adds what its history held, among its newest HISTORY_SCAN
 * that succeeded, the first time the process goes between them. */
/* How many of the history's newest successful records are learnt from. */
#define HISTORY_SCAN 100

/* The history's newest HISTORY_SCAN successful records, oldest first
 * (NULL: none readable), read once for all that a new job learns:
 * *@records holds them once read. */
static GVariant *
newest_succeeded (VirtMigrateManager *self, GVariant **records)
{
  g_autoptr(GError) error = NULL;

  if (*records == NULL)
    {
      *records = virt_migrate_history_query (self->history,
                                             g_variant_new_parsed ("{'outcome': <'succeeded'>, 'limit': <@u %u>}",
                                                                   (guint32) HISTORY_SCAN), &error);
      if (*records == NULL)
        g_debug ("nothing learnt from the history: %s", error->message);
    }
  return *records;
}

/* The set-up times the history holds for the hosts @key names (see
 * above), oldest first. */
static GArray *
history_setup_times (VirtMigrateManager *self, const char *key, GVariant **cache)
{
  GArray *times = g_array_new (FALSE, FALSE, sizeof (gint64));
  GVariant *records = newest_succeeded (self, cache);

  for (gsize i = records != NULL ? g_variant_n_children (records) : 0; i-- > 0;)
    {
      g_autoptr(GVariant) record = g_variant_get_child_value (records, i);
      const char *from = NULL, *to = NULL;
      gint64 setup = 0;
      g_autofree char *hosts = NULL;

      if (!g_variant_lookup (record, "SetupTime", "x", &setup) || setup <= 0 ||
          !g_variant_lookup (record, "Source", "&s", &from) || !g_variant_lookup (record, "Destination", "&s", &to))
        continue;
      hosts = g_strdup_printf ("%s\n%s", from, to);
      if (g_str_equal (hosts, key))
        g_array_prepend_val (times, setup);
    }
  return times;
}

/* The history is read once a process for two hosts: what it held then,
 * and what this process's jobs measured since, are what counts (a drain
 * making a hundred jobs reads it once, not a hundred times). @cache: as
 * for newest_succeeded(). Returns: the set-up a job between them expects. */
static gint64
learnt_setup (VirtMigrateManager *self, VirtMigrateRequest *request, GVariant **cache)
{
  g_autofree char *key = virt_migrate_host_setups_key (request);
  gint64 median = 0;

  if (!virt_migrate_host_setups_lookup (key, &median) && self->history != NULL &&
      virt_migrate_settings_get_history_size (self->settings) > 0)
    {
      g_autoptr(GArray) times = history_setup_times (self, key, cache);

      virt_migrate_host_setups_seed (key, (const gint64 *) (gpointer) times->data, times->len);
      virt_migrate_host_setups_lookup (key, &median);
    }
  return median;
}

gint64
virt_migrate_manager_learnt_setup (VirtMigrateManager *self,
                                   VirtMigrateRequest *request)
{
  g_autoptr(GVariant) records = NULL;

  return learnt_setup (self, request, &records);
}

/* The guests' first-pass dirty rates (virt-migrate-guest-rates.c): what
 * the history's newest HISTORY_SCAN successful migrations measured, read
 * once a process for each history file (each job that moves its guest
 * notes its own). @cache: as for newest_succeeded(). */
G_LOCK_DEFINE_STATIC (dirty_read);
static GHashTable *dirty_read; /* the history files read */

static void
read_history_dirty (VirtMigrateManager *self, GVariant **cache)
{
  const char *path = virt_migrate_history_get_path (self->history);
  GVariant *records;
  gboolean read;

  G_LOCK (dirty_read);
  if (dirty_read == NULL)
    dirty_read = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  read = !g_hash_table_add (dirty_read, g_strdup (path));
  G_UNLOCK (dirty_read);
  if (read)
    return;
  records = newest_succeeded (self, cache);
  /* Newest first (the records come oldest first): a guest's first is its newest. */
  for (gsize i = records != NULL ? g_variant_n_children (records) : 0; i-- > 0;)
    {
      g_autoptr(GVariant) record = g_variant_get_child_value (records, i);
      const char *uuid = NULL;
      guint64 rate = 0;

      if (g_variant_lookup (record, "DirtyRate", "t", &rate) && g_variant_lookup (record, "DomainUuid", "&s", &uuid))
        virt_migrate_guest_rates_note (uuid, rate, FALSE);
    }
}

/* A job of a manager that the program ran itself (never given to
 * run_job(), which records it): into the history the manager had when it
 * made it (the manager may be gone by now), so that it is there for the
 * next process too. */
static void
record_untracked (VirtMigrateJob *job, gpointer user_data)
{
  VirtMigrateHistory *history = user_data;
  g_autoptr(GError) error = NULL;

  if (g_object_get_data (G_OBJECT (job), "virt-migrate-tracked") == NULL &&
      !virt_migrate_history_append (history, virt_migrate_job_to_history_record (job), &error))
    g_warning ("job %u: cannot write the history: %s", virt_migrate_job_get_id (job), error->message);
}

/* A new job of @request: it expects the set-up learnt (and, once it knows
 * its guest, the guest's dirty rate), what it measures is learnt from, and
 * it goes to the history however it is run. */
void
virt_migrate_manager_learn (VirtMigrateManager *self,
                            VirtMigrateJob     *job,
                            VirtMigrateRequest *request)
{
  g_autoptr(GVariant) records = NULL; /* the history read once, if at all */

  learnt_setup (self, request, &records); /* the job expects it when it runs */
  if (self->history != NULL && virt_migrate_settings_get_history_size (self->settings) > 0)
    {
      read_history_dirty (self, &records);
      g_signal_connect_data (job, "completed", G_CALLBACK (record_untracked), g_object_ref (self->history),
                             (GClosureNotify) (void (*) (void)) g_object_unref, 0);
    }
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
