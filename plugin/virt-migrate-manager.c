/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <unistd.h>


#include "virt-migrate-connection-pool.h"
#include "virt-migrate-drain.h"
#include "virt-migrate-enum-types.h"
#include "virt-migrate-error.h"
#include "virt-migrate-history.h"
#include "virt-migrate-history-private.h"
#include "virt-migrate-job-private.h"
#include "virt-migrate-recovery.h"
#include "virt-migrate-job-store.h"
#include "virt-migrate-manager.h"
#include "virt-migrate-manager-private.h"
#include "virt-migrate-manager-internal.h"
#include "virt-migrate-request-private.h"
#include "virt-migrate-settings.h"

/**
 * VirtMigrateManager:
 *
 * Runs migrations and keeps track of the ones in progress.  Its jobs share
 * one libvirt connection per URI, opened on first use and reopened if it
 * dies.
 *
 * The manager applies its #VirtMigrateManager:settings: a new job polls
 * every #VirtMigrateSettings:poll-interval ms and gets the default
 * #VirtMigrateSettings:bandwidth and #VirtMigrateSettings:max-downtime when
 * its request sets none. At most #VirtMigrateSettings:max-parallel jobs run
 * at once (and per source and destination URI as those settings say); the
 * others wait in order in state %VIRT_MIGRATE_JOB_STATE_PENDING and can be
 * cancelled there. One guest is never migrated twice at once.
 *
 * The manager is a #GListModel of its jobs (#VirtMigrateJob items, oldest
 * first): the running and queued ones, and the finished ones for
 * #VirtMigrateSettings:retention seconds. virt-migrated's D-Bus objects and
 * its HTTP view show exactly this list.
 *
 * Every job that ends leaves a record in the manager's
 * #VirtMigrateHistory: the user's history unless
 * virt_migrate_manager_set_history() or
 * virt_migrate_manager_set_state_directory() chose another, keeping
 * #VirtMigrateSettings:history-size records (0: none are written).
 */

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_JOB_ADDED,
  SIGNAL_JOB_REMOVED,
  SIGNAL_DRAIN_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void virt_migrate_manager_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VirtMigrateManager, virt_migrate_manager, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, virt_migrate_manager_list_model_init))

/* --- the list of jobs (GListModel) ---------------------------------------- */

static GType
list_model_get_item_type (GListModel *list)
{
  return VIRT_MIGRATE_TYPE_JOB;
}

static guint
list_model_get_n_items (GListModel *list)
{
  return VIRT_MIGRATE_MANAGER (list)->model->len;
}

static gpointer
list_model_get_item (GListModel *list, guint position)
{
  VirtMigrateManager *self = VIRT_MIGRATE_MANAGER (list);

  return position < self->model->len ? g_object_ref (g_ptr_array_index (self->model, position)) : NULL;
}

static void
virt_migrate_manager_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

/* A finished job leaves the list (and so D-Bus and HTTP). */
static void
drop_from_list (VirtMigrateManager *self, VirtMigrateJob *job)
{
  guint position;

  g_hash_table_remove (self->retained, job);
  if (!g_ptr_array_find (self->model, job, &position))
    return;
  g_ptr_array_remove_index (self->model, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

typedef struct {
  VirtMigrateManager *manager; /* not referenced: the source dies with it */
  VirtMigrateJob     *job;
} Retained;

static gboolean
retention_cb (gpointer user_data)
{
  Retained *r = user_data;

  g_hash_table_steal (r->manager->retained, r->job);
  drop_from_list (r->manager, r->job);
  return G_SOURCE_REMOVE;
}

static void
remove_source (gpointer id)
{
  g_source_remove (GPOINTER_TO_UINT (id));
}

/* A finished job stays in the list for the settings' retention. */
static void
retain (VirtMigrateManager *self, VirtMigrateJob *job)
{
  guint retention = virt_migrate_settings_get_retention (self->settings);
  Retained *r;

  if (retention == 0)
    {
      drop_from_list (self, job);
      return;
    }
  r = g_new0 (Retained, 1);
  r->manager = self;
  r->job = job;
  g_hash_table_insert (self->retained, job,
                       GUINT_TO_POINTER (g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, retention, retention_cb,
                                                                     r, g_free)));
}

static void
virt_migrate_manager_dispose (GObject *object)
{
  VirtMigrateManager *self = VIRT_MIGRATE_MANAGER (object);

  g_queue_clear (&self->queue);
  g_clear_pointer (&self->group_limits, g_hash_table_unref);
  g_clear_pointer (&self->retained, g_hash_table_unref);
  g_clear_pointer (&self->model, g_ptr_array_unref);
  g_clear_pointer (&self->running, g_ptr_array_unref);
  g_clear_object (&self->pool);
  if (self->settings != NULL)
    g_clear_signal_handler (&self->settings_id, self->settings);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->history);
  g_clear_pointer (&self->drains, g_ptr_array_unref);
  g_clear_pointer (&self->state_directory, g_free);
  if (self->backend_destroy != NULL)
    g_clear_pointer (&self->backend_data, self->backend_destroy);
  if (self->hypervisor_destroy != NULL)
    g_clear_pointer (&self->hypervisor_data, self->hypervisor_destroy);

  G_OBJECT_CLASS (virt_migrate_manager_parent_class)->dispose (object);
}

static void pump_queue (VirtMigrateManager *self);
static void admit (VirtMigrateManager *self, VirtMigrateJob *job, GCancellable *cancellable);


static void
on_settings_changed (VirtMigrateSettings *settings, GParamSpec *pspec, VirtMigrateManager *self)
{
  if (g_str_equal (g_param_spec_get_name (pspec), "history-size"))
    virt_migrate_manager_apply_history_size (self);
  pump_queue (self);
}

static void
virt_migrate_manager_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VirtMigrateManager *self = VIRT_MIGRATE_MANAGER (object);

  switch (prop_id)
    {
    case PROP_SETTINGS: g_value_set_object (value, self->settings); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_manager_set_property (GObject *object, guint prop_id, const GValue *value,
                                   GParamSpec *pspec)
{
  VirtMigrateManager *self = VIRT_MIGRATE_MANAGER (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      if (self->settings == NULL)
        self->settings = virt_migrate_settings_new ();
      self->settings_id = g_signal_connect (self->settings, "notify",
                                            G_CALLBACK (on_settings_changed), self);
      self->history = virt_migrate_history_new_for_user ();
      virt_migrate_manager_apply_history_size (self);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_manager_class_init (VirtMigrateManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = virt_migrate_manager_dispose;
  object_class->get_property = virt_migrate_manager_get_property;
  object_class->set_property = virt_migrate_manager_set_property;

  /**
   * VirtMigrateManager:settings:
   *
   * The defaults and limits the manager applies; from
   * virt_migrate_settings_new() unless given at construction.
   */
  props[PROP_SETTINGS] = g_param_spec_object ("settings", NULL, NULL, VIRT_MIGRATE_TYPE_SETTINGS,
                                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                              G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * VirtMigrateManager::job-added:
   * @self: the manager
   * @job: the job that started
   *
   * Emitted when virt_migrate_manager_start() started a job.
   */
  signals[SIGNAL_JOB_ADDED] = g_signal_new ("job-added", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 1, VIRT_MIGRATE_TYPE_JOB);
  /**
   * VirtMigrateManager::job-removed:
   * @self: the manager
   * @job: the job that ended
   *
   * Emitted when a job the manager started has ended, after its
   * #VirtMigrateJob::completed signal.
   */
  signals[SIGNAL_JOB_REMOVED] = g_signal_new ("job-removed", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, VIRT_MIGRATE_TYPE_JOB);
  /**
   * VirtMigrateManager::drain-added:
   * @self: the manager
   * @drain: the new drain
   *
   * Emitted when virt_migrate_manager_create_drain() made a drain, or a
   * restarted process resumed one from its record.
   */
  signals[SIGNAL_DRAIN_ADDED] = g_signal_new ("drain-added", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, VIRT_MIGRATE_TYPE_DRAIN);
}

static void
virt_migrate_manager_init (VirtMigrateManager *self)
{
  self->pool = virt_migrate_connection_pool_new ();
  self->model = g_ptr_array_new_with_free_func (g_object_unref);
  self->retained = g_hash_table_new_full (NULL, NULL, NULL, remove_source);
  self->running = g_ptr_array_new ();
  self->drains = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->queue);
  self->group_limits = g_hash_table_new (NULL, NULL);
}

GPtrArray *
virt_migrate_manager_drains (VirtMigrateManager *self)
{
  return self->drains;
}

const char *
virt_migrate_manager_state_directory (VirtMigrateManager *self)
{
  return self->state_directory;
}

void
virt_migrate_manager_emit_drain_added (VirtMigrateManager *self,
                                       VirtMigrateDrain   *drain)
{
  g_signal_emit (self, signals[SIGNAL_DRAIN_ADDED], 0, drain);
}

/**
 * virt_migrate_manager_new:
 *
 * Returns: (transfer full): a new #VirtMigrateManager with the user's
 *   settings (virt_migrate_settings_new())
 */
VirtMigrateManager *
virt_migrate_manager_new (void)
{
  return g_object_new (VIRT_MIGRATE_TYPE_MANAGER, NULL);
}

/**
 * virt_migrate_manager_new_with_settings:
 * @settings: the defaults and limits to apply
 *
 * Returns: (transfer full): a new #VirtMigrateManager
 */
VirtMigrateManager *
virt_migrate_manager_new_with_settings (VirtMigrateSettings *settings)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_SETTINGS (settings), NULL);
  return g_object_new (VIRT_MIGRATE_TYPE_MANAGER, "settings", settings, NULL);
}

/**
 * virt_migrate_manager_get_settings:
 * @self: a #VirtMigrateManager
 *
 * Returns: (transfer none): the manager's settings
 */
VirtMigrateSettings *
virt_migrate_manager_get_settings (VirtMigrateManager *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), NULL);
  return self->settings;
}

/* @request with the settings' defaults where it sets nothing: the
 * bandwidth and max downtime, and auto-converge when policy-auto-converge
 * is on (libvirt takes auto-converge only at the start). */
VirtMigrateRequest *
virt_migrate_manager_with_defaults (VirtMigrateManager *self, VirtMigrateRequest *request)
{
  VirtMigrateRequest *copy = virt_migrate_request_copy (request);
  GSettings *gs = virt_migrate_settings_get_gsettings (self->settings);

  if (virt_migrate_request_get_bandwidth (copy) == 0)
    g_object_set (copy, "bandwidth", virt_migrate_settings_get_bandwidth (self->settings), NULL);
  if (virt_migrate_request_get_max_downtime (copy) == 0)
    g_object_set (copy, "max-downtime", virt_migrate_settings_get_max_downtime (self->settings), NULL);
  if (virt_migrate_request_get_postcopy_recovery_timeout (copy) == 0)
    g_object_set (copy, "postcopy-recovery-timeout",
                  virt_migrate_settings_get_postcopy_recovery_timeout (self->settings), NULL);
  if (gs != NULL && g_settings_get_boolean (gs, "policy-enabled") &&
      g_settings_get_boolean (gs, "policy-auto-converge") &&
      virt_migrate_request_get_convergence_policy (copy) && !virt_migrate_request_get_offline (copy))
    g_object_set (copy, "auto-converge", TRUE, NULL);
  return copy;
}

/* Where a job leaves from and goes to, for the per-host limits. */
static const char *
job_source (VirtMigrateJob *job)
{
  return virt_migrate_request_get_source_uri (virt_migrate_job_get_request (job));
}

static const char *
job_destination (VirtMigrateJob *job)
{
  return virt_migrate_request_get_destination_host (virt_migrate_job_get_request (job));
}

static gboolean
under_limit (GPtrArray *running, VirtMigrateJob *job, const char *(*key) (VirtMigrateJob *), guint limit)
{
  guint n = 0;

  if (limit == 0)
    return TRUE;
  for (guint i = 0; i < running->len; i++)
    if (g_strcmp0 (key (g_ptr_array_index (running, i)), key (job)) == 0)
      n++;
  return n < limit;
}

/* A group's jobs (a drain's) under its own limit, if it has one. */
static gboolean
under_group_limit (VirtMigrateManager *self, VirtMigrateJob *job)
{
  guint group = virt_migrate_job_get_drain_id (job);
  guint limit = group != 0 ? GPOINTER_TO_UINT (g_hash_table_lookup (self->group_limits, GUINT_TO_POINTER (group))) : 0;
  guint n = 0;

  if (limit == 0)
    return TRUE;
  for (guint i = 0; i < self->running->len; i++)
    if (virt_migrate_job_get_drain_id (g_ptr_array_index (self->running, i)) == group)
      n++;
  return n < limit;
}

static gboolean
can_run (VirtMigrateManager *self, VirtMigrateJob *job)
{
  guint max = virt_migrate_settings_get_max_parallel (self->settings);

  return (max == 0 || self->running->len < max) && under_group_limit (self, job) &&
         under_limit (self->running, job, job_source,
                      virt_migrate_settings_get_max_parallel_per_source (self->settings)) &&
         under_limit (self->running, job, job_destination,
                      virt_migrate_settings_get_max_parallel_per_destination (self->settings));
}

/* Starts the queued jobs that fit now, oldest first; a job that does not fit
 * (its hosts are busy) does not hold up the ones behind it. */
static void
pump_queue (VirtMigrateManager *self)
{
  GList *l = self->queue.head;

  while (l != NULL)
    {
      GList *next = l->next;
      VirtMigrateJob *job = l->data;

      if (can_run (self, job))
        {
          g_autoptr(GCancellable) cancellable = g_object_steal_data (G_OBJECT (job), "virt-migrate-cancellable");

          g_queue_delete_link (&self->queue, l);
          g_debug ("job %u: leaves the queue", virt_migrate_job_get_id (job));
          admit (self, job, cancellable);
        }
      l = next;
    }
}

/* The job, not finished, that migrates @request's guest, if any. */
static VirtMigrateJob *
find_same_guest (VirtMigrateManager *self, VirtMigrateRequest *request)
{
  for (guint i = 0; i < self->model->len; i++)
    {
      VirtMigrateJob *job = g_ptr_array_index (self->model, i);
      VirtMigrateRequest *other = virt_migrate_job_get_request (job);

      if (!virt_migrate_job_is_finished (job) &&
          g_strcmp0 (virt_migrate_request_get_domain (other), virt_migrate_request_get_domain (request)) == 0 &&
          g_strcmp0 (virt_migrate_request_get_source_uri (other),
                     virt_migrate_request_get_source_uri (request)) == 0)
        return job;
    }
  return NULL;
}

static gboolean
check_not_busy (VirtMigrateManager *self, VirtMigrateRequest *request, GError **error)
{
  VirtMigrateJob *other = find_same_guest (self, request);

  if (other == NULL)
    return TRUE;
  g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_BUSY,
               "'%s' is already being migrated from %s (job %u); wait for it or cancel it",
               virt_migrate_request_get_domain (request), virt_migrate_request_get_source_uri (request),
               virt_migrate_job_get_id (other));
  return FALSE;
}

/* The convergence policy for @job of @request (a snapshot of the
 * settings' policy, with the request's own choices), unless the request
 * opts out or is offline. A job adopted after a restart gets it too: a
 * migration that cannot converge must not run for ever because the
 * process that watched it was restarted. */
static void
give_policy (VirtMigrateManager *self, VirtMigrateJob *job, VirtMigrateRequest *request)
{
  g_autoptr(VirtMigratePolicy) live = NULL;
  g_autoptr(VirtMigratePolicy) policy = NULL;
  g_auto(GStrv) schedule = NULL;
  guint window = virt_migrate_request_get_policy_stall_window (request);
  guint iterations = virt_migrate_request_get_policy_stall_iterations (request);
  guint64 downtime_max = 0;

  if (!virt_migrate_request_get_convergence_policy (request) || virt_migrate_request_get_offline (request))
    return;
  live = virt_migrate_settings_create_policy (self->settings);
  if (!virt_migrate_policy_get_enabled (live))
    return;
  /* A snapshot: the settings may change while the job runs. */
  policy = virt_migrate_policy_copy (live);
  g_object_get (request, "policy-downtime-max", &downtime_max, "policy-bandwidth-schedule", &schedule, NULL);
  if (window > 0)
    g_object_set (policy, "stall-window", window, NULL);
  if (iterations > 0)
    g_object_set (policy, "stall-iterations", iterations, NULL);
  if (downtime_max > 0)
    g_object_set (policy, "downtime-max", downtime_max, NULL);
  if (schedule != NULL)
    g_object_set (policy, "bandwidth-schedule", schedule, NULL);
  virt_migrate_job_set_policy (job, policy);
}

/**
 * virt_migrate_manager_create_job:
 * @self: a #VirtMigrateManager
 * @request: what to migrate
 * @error: return location for a #GError
 *
 * Validates @request and creates a job for it that uses the manager's
 * connections, without starting it.  Start it with
 * virt_migrate_manager_run_job() (queued under the manager's limits) or
 * virt_migrate_job_run_async(); either way it goes to the manager's
 * history when it ends, and a memory-only job expects QEMU's set-up to take
 * as long as it did on the last migrations between the same hosts.
 *
 * Returns: (transfer full): a new job, or %NULL if the request is invalid
 */
VirtMigrateJob *
virt_migrate_manager_create_job (VirtMigrateManager *self,
                                 VirtMigrateRequest *request,
                                 GError            **error)
{
  g_autoptr(VirtMigrateRequest) copy = NULL;
  VirtMigrateJob *job;

  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), NULL);
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (request), NULL);

  /* What runs is validated: the request with the settings' defaults. The
   * job's start asks again and gets the same answer without work. */
  copy = virt_migrate_manager_with_defaults (self, request);
  if (!virt_migrate_request_validate (copy, error) || !check_not_busy (self, copy, error))
    return NULL;
  /* The job and its backend share it; nothing can change it any more. */
  virt_migrate_request_freeze (copy);
  {
    g_autoptr(VirtMigrateBackend) backend = virt_migrate_manager_new_backend (self, copy, FALSE);

    job = virt_migrate_job_new_with_backend (copy, backend);
  }
  virt_migrate_manager_number (self, job);
  virt_migrate_job_set_started_by_uid (job, getuid ());
  virt_migrate_job_set_poll_interval (job, virt_migrate_settings_get_poll_interval (self->settings));
  give_policy (self, job, copy);
  virt_migrate_manager_learn (self, job, copy);
  return job;
}

/* A job ended (ran, or was cancelled in the queue): it leaves the lists
 * and the next ones may start. */
/* --- the record of the jobs, for a restarted process ---------------------- */

static void
save_record (VirtMigrateManager *self, VirtMigrateJob *job)
{
  g_autoptr(GError) error = NULL;

  if (self->store != NULL && !virt_migrate_job_store_save (self->store, job, &error))
    g_warning ("cannot record job %u: %s", virt_migrate_job_get_id (job), error->message);
}

/* A new state or message goes to the record at once. */
static void
on_job_changed (VirtMigrateJob *job, GParamSpec *pspec, VirtMigrateManager *self)
{
  save_record (self, job);
}

static void on_job_completed (VirtMigrateJob *job, VirtMigrateManager *self);

static void
track (VirtMigrateManager *self, VirtMigrateJob *job)
{
  g_signal_connect (job, "completed", G_CALLBACK (on_job_completed), self);
  g_signal_connect (job, "notify::state", G_CALLBACK (on_job_changed), self);
  g_signal_connect (job, "notify::messages", G_CALLBACK (on_job_changed), self);
  save_record (self, job);
  g_ptr_array_add (self->model, g_object_ref (job));
  g_list_model_items_changed (G_LIST_MODEL (self), self->model->len - 1, 0, 1);
  g_signal_emit (self, signals[SIGNAL_JOB_ADDED], 0, job);
}


static void
on_job_completed (VirtMigrateJob *job, VirtMigrateManager *self)
{
  g_signal_handlers_disconnect_by_func (job, on_job_completed, self);
  virt_migrate_manager_write_history (self, job);
  g_signal_handlers_disconnect_by_func (job, on_job_changed, self);
  /* Nothing to follow after a restart. */
  if (self->store != NULL)
    virt_migrate_job_store_remove (self->store, virt_migrate_job_get_id (job));
  if (self->model == NULL)
    return;
  g_object_ref (job); /* the list's reference may go in retain() */
  g_ptr_array_remove (self->running, job);
  g_queue_remove (&self->queue, job);
  g_signal_emit (self, signals[SIGNAL_JOB_REMOVED], 0, job);
  retain (self, job);
  g_object_unref (job);
  pump_queue (self);
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  VirtMigrateManager *self = user_data; /* the reference run_job() took */
  VirtMigrateJob *job = VIRT_MIGRATE_JOB (source);
  g_autoptr(GError) error = NULL;

  if (!virt_migrate_job_run_finish (job, result, &error))
    g_debug ("job %u ended: %s", virt_migrate_job_get_id (job), error->message);
  g_object_unref (self);
}

static void
on_queued_cancelled (GCancellable *cancellable, VirtMigrateJob *job)
{
  virt_migrate_job_cancel (job, NULL);
}

/* The job runs now: it counts against the limits until it ends. */
static void
admit (VirtMigrateManager *self, VirtMigrateJob *job, GCancellable *cancellable)
{
  g_ptr_array_add (self->running, job);
  virt_migrate_job_run_async (job, cancellable, job_done_cb, g_object_ref (self));
}

/**
 * virt_migrate_manager_run_job:
 * @self: a #VirtMigrateManager
 * @job: a job from virt_migrate_manager_create_job(), not started yet
 * @cancellable: (nullable): cancels the migration when cancelled
 *
 * Starts @job, or queues it (pending) while the parallel limits are
 * reached, and tracks it until it ends (#VirtMigrateManager::job-added,
 * #VirtMigrateManager::job-removed).  A queued job starts when a running
 * one ends; virt_migrate_job_cancel() ends it in the queue, without
 * touching libvirt.
 */
void
virt_migrate_manager_run_job (VirtMigrateManager *self,
                              VirtMigrateJob     *job,
                              GCancellable       *cancellable)
{
  g_return_if_fail (VIRT_MIGRATE_IS_MANAGER (self));
  g_return_if_fail (VIRT_MIGRATE_IS_JOB (job));

  /* Recorded in the history when it ends, by this manager. */
  g_object_set_data (G_OBJECT (job), "virt-migrate-tracked", GINT_TO_POINTER (TRUE));
  track (self, job);
  if (can_run (self, job))
    admit (self, job, cancellable);
  else
    {
      g_debug ("job %u: queued", virt_migrate_job_get_id (job));
      if (cancellable != NULL)
        {
          g_object_set_data_full (G_OBJECT (job), "virt-migrate-cancellable", g_object_ref (cancellable),
                                  g_object_unref);
          g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (on_queued_cancelled), job, 0);
        }
      g_queue_push_tail (&self->queue, job);
    }
}

/* Follows a migration this process did not start (a restarted daemon's
 * job @id, begun at @start_real_time, 0: unknown; of the drain @drain_id,
 * 0: none): runs at once, outside the limits, since libvirt already runs
 * it, but counts in its drain's limit (the drain starts no more beside
 * it), and under the convergence policy as any job. */
VirtMigrateJob *
virt_migrate_manager_adopt (VirtMigrateManager *self,
                            VirtMigrateRequest *request,
                            guint               id,
                            guint               owner_uid,
                            const char *const  *messages,
                            gint64              start_real_time,
                            guint               drain_id)
{
  VirtMigrateJob *job;

  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), NULL);
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (request), NULL);

  {
    /* Through the same seam as the manager's new jobs (the tests' fake). */
    g_autoptr(VirtMigrateRequest) frozen = virt_migrate_request_frozen (request);
    g_autoptr(VirtMigrateBackend) backend = NULL;

    backend = virt_migrate_manager_new_backend (self, frozen, TRUE);
    job = virt_migrate_job_new_adopted (frozen, backend, id);
  }
  virt_migrate_job_set_adopted_start (job, start_real_time);
  virt_migrate_job_set_poll_interval (job, virt_migrate_settings_get_poll_interval (self->settings));
  virt_migrate_job_set_started_by_uid (job, owner_uid);
  virt_migrate_job_set_drain_id (job, drain_id);
  give_policy (self, job, virt_migrate_job_get_request (job));
  for (guint i = 0; messages != NULL && messages[i] != NULL; i++)
    virt_migrate_job_log (job, messages[i]);
  track (self, job);
  admit (self, job, NULL);
  return job;
}

/**
 * virt_migrate_manager_start:
 * @self: a #VirtMigrateManager
 * @request: what to migrate
 * @cancellable: (nullable): cancels the migration when cancelled
 * @error: return location for a #GError
 *
 * Validates @request and starts migrating.  Follow the returned job's
 * properties and its #VirtMigrateJob::completed signal.
 *
 * Returns: (transfer full): the running job, or %NULL if the request is invalid
 */
VirtMigrateJob *
virt_migrate_manager_start (VirtMigrateManager *self,
                            VirtMigrateRequest *request,
                            GCancellable       *cancellable,
                            GError            **error)
{
  VirtMigrateJob *job;

  job = virt_migrate_manager_create_job (self, request, error);
  if (job == NULL)
    return NULL;
  virt_migrate_manager_run_job (self, job, cancellable);
  return job;
}

/**
 * virt_migrate_manager_recover:
 * @self: a #VirtMigrateManager
 * @job: a job that ended with %VIRT_MIGRATE_ERROR_POSTCOPY_FAILED
 * @error: return location for a #GError
 *
 * Tries again to resume @job's broken post-copy migration (its recovery
 * time ran out, or recovery was off): starts a new job with @job's request
 * and #VirtMigrateRequest:postcopy-resume, which itself keeps trying for
 * #VirtMigrateRequest:postcopy-recovery-timeout seconds. The new job
 * belongs to @job's owner.
 *
 * Returns: (transfer full): the new job, or %NULL if @job is not a failed
 *   post-copy
 */
VirtMigrateJob *
virt_migrate_manager_recover (VirtMigrateManager *self,
                              VirtMigrateJob     *job,
                              GError            **error)
{
  g_autoptr(VirtMigrateRequest) request = NULL;
  VirtMigrateJob *recovery;
  gint64 owner;
  g_autofree char *note = NULL;

  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), NULL);
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (job), NULL);

  /* The same unit as the job's own recovery: whether, and with what. */
  if (!virt_migrate_recovery_check (job, error))
    return NULL;
  request = virt_migrate_recovery_request (virt_migrate_job_get_request (job));
  recovery = virt_migrate_manager_create_job (self, request, error);
  if (recovery == NULL)
    return NULL;
  owner = virt_migrate_job_get_started_by_uid (job);
  if (owner >= 0)
    virt_migrate_job_set_started_by_uid (recovery, (guint) owner);
  note = g_strdup_printf ("recovering job %u's broken post-copy (VIR_MIGRATE_POSTCOPY_RESUME)",
                          virt_migrate_job_get_id (job));
  virt_migrate_job_log (recovery, note);
  virt_migrate_manager_run_job (self, recovery, NULL);
  return recovery;
}

/**
 * virt_migrate_manager_list_jobs:
 * @self: a #VirtMigrateManager
 *
 * Returns: (transfer container) (element-type VirtMigrateJob): the jobs
 *   not finished yet (running or queued), oldest first
 */
GPtrArray *
virt_migrate_manager_list_jobs (VirtMigrateManager *self)
{
  GPtrArray *jobs;

  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), NULL);

  jobs = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->model->len; i++)
    if (!virt_migrate_job_is_finished (g_ptr_array_index (self->model, i)))
      g_ptr_array_add (jobs, g_object_ref (g_ptr_array_index (self->model, i)));
  return jobs;
}

/**
 * virt_migrate_manager_lookup_job:
 * @self: a #VirtMigrateManager
 * @id: a job id
 *
 * Returns: (transfer none) (nullable): the running job with @id, or %NULL
 */
VirtMigrateJob *
virt_migrate_manager_lookup_job (VirtMigrateManager *self,
                                 guint               id)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), NULL);

  for (guint i = 0; i < self->model->len; i++)
    {
      VirtMigrateJob *job = g_ptr_array_index (self->model, i);
      if (virt_migrate_job_get_id (job) == id && !virt_migrate_job_is_finished (job))
        return job;
    }
  return NULL;
}

/**
 * virt_migrate_manager_get_n_connections:
 * @self: a #VirtMigrateManager
 *
 * Returns: how many libvirt connections the manager holds open: one per
 *   URI for the migration calls, and one per source URI for the calls made
 *   while a migration runs (statistics, tuning, abort)
 */
guint
virt_migrate_manager_get_n_connections (VirtMigrateManager *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), 0);
  return virt_migrate_connection_pool_get_size (self->pool);
}

/* At most @limit jobs of the group @group (a drain's id) at once, besides
 * the settings' limits; 0: no limit of its own. Its queued jobs wait in
 * the one queue, in order. */
void
virt_migrate_manager_set_group_limit (VirtMigrateManager *self,
                                      guint               group,
                                      guint               limit)
{
  g_return_if_fail (VIRT_MIGRATE_IS_MANAGER (self));
  g_return_if_fail (group != 0);
  if (limit == 0)
    g_hash_table_remove (self->group_limits, GUINT_TO_POINTER (group));
  else
    g_hash_table_insert (self->group_limits, GUINT_TO_POINTER (group), GUINT_TO_POINTER (limit));
  pump_queue (self);
}
