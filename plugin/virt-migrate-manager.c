/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <libvirt/libvirt.h>

#include "virt-migrate-connection-pool.h"
#include "virt-migrate-error-private.h"
#include "virt-migrate-plan-private.h"
#include "virt-migrate-job-private.h"
#include "virt-migrate-manager.h"

/**
 * VirtMigrateManager:
 *
 * Runs migrations and keeps track of the ones in progress.  Its jobs share
 * one libvirt connection per URI, opened on first use and reopened if it
 * dies.
 */
struct _VirtMigrateManager
{
  GObject                    parent_instance;
  VirtMigrateConnectionPool *pool;
  GPtrArray                 *jobs; /* running jobs */
};

enum {
  SIGNAL_JOB_ADDED,
  SIGNAL_JOB_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (VirtMigrateManager, virt_migrate_manager, G_TYPE_OBJECT)

static void
virt_migrate_manager_dispose (GObject *object)
{
  VirtMigrateManager *self = VIRT_MIGRATE_MANAGER (object);

  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (virt_migrate_manager_parent_class)->dispose (object);
}

static void
virt_migrate_manager_class_init (VirtMigrateManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = virt_migrate_manager_dispose;

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
}

static void
virt_migrate_manager_init (VirtMigrateManager *self)
{
  self->pool = virt_migrate_connection_pool_new ();
  self->jobs = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * virt_migrate_manager_new:
 *
 * Returns: (transfer full): a new #VirtMigrateManager
 */
VirtMigrateManager *
virt_migrate_manager_new (void)
{
  return g_object_new (VIRT_MIGRATE_TYPE_MANAGER, NULL);
}

/**
 * virt_migrate_manager_create_job:
 * @self: a #VirtMigrateManager
 * @request: what to migrate
 * @error: return location for a #GError
 *
 * Validates @request and creates a job for it that uses the manager's
 * connections, without starting it.
 *
 * Returns: (transfer full): a new job, or %NULL if the request is invalid
 */
VirtMigrateJob *
virt_migrate_manager_create_job (VirtMigrateManager *self,
                                 VirtMigrateRequest *request,
                                 GError            **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), NULL);
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (request), NULL);

  if (!virt_migrate_request_validate (request, error))
    return NULL;
  return virt_migrate_job_new_with_pool (request, self->pool);
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(VirtMigrateManager) self = user_data;
  VirtMigrateJob *job = VIRT_MIGRATE_JOB (source);
  g_autoptr(GError) error = NULL;

  if (!virt_migrate_job_run_finish (job, result, &error))
    g_debug ("job %u ended: %s", virt_migrate_job_get_id (job), error->message);
  if (self->jobs == NULL)
    return;
  g_object_ref (job);
  if (g_ptr_array_remove (self->jobs, job))
    g_signal_emit (self, signals[SIGNAL_JOB_REMOVED], 0, job);
  g_object_unref (job);
}

/**
 * virt_migrate_manager_run_job:
 * @self: a #VirtMigrateManager
 * @job: a job from virt_migrate_manager_create_job(), not started yet
 * @cancellable: (nullable): cancels the migration when cancelled
 *
 * Starts @job and tracks it until it ends (#VirtMigrateManager::job-added,
 * #VirtMigrateManager::job-removed).
 */
void
virt_migrate_manager_run_job (VirtMigrateManager *self,
                              VirtMigrateJob     *job,
                              GCancellable       *cancellable)
{
  g_return_if_fail (VIRT_MIGRATE_IS_MANAGER (self));
  g_return_if_fail (VIRT_MIGRATE_IS_JOB (job));

  g_ptr_array_add (self->jobs, g_object_ref (job));
  g_signal_emit (self, signals[SIGNAL_JOB_ADDED], 0, job);
  virt_migrate_job_run_async (job, cancellable, job_done_cb, g_object_ref (self));
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
 * virt_migrate_manager_list_jobs:
 * @self: a #VirtMigrateManager
 *
 * Returns: (transfer container) (element-type VirtMigrateJob): the jobs
 *   still running, oldest first
 */
GPtrArray *
virt_migrate_manager_list_jobs (VirtMigrateManager *self)
{
  GPtrArray *jobs;

  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), NULL);

  jobs = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->jobs->len; i++)
    g_ptr_array_add (jobs, g_object_ref (g_ptr_array_index (self->jobs, i)));
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

  for (guint i = 0; i < self->jobs->len; i++)
    {
      VirtMigrateJob *job = g_ptr_array_index (self->jobs, i);
      if (virt_migrate_job_get_id (job) == id)
        return job;
    }
  return NULL;
}

/**
 * virt_migrate_manager_get_n_connections:
 * @self: a #VirtMigrateManager
 *
 * Returns: how many libvirt connections the manager holds open (one per URI)
 */
guint
virt_migrate_manager_get_n_connections (VirtMigrateManager *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), 0);
  return virt_migrate_connection_pool_get_size (self->pool);
}

static virConnectPtr
open_read_only (const char *uri, GError **error)
{
  virConnectPtr conn = virConnectOpenReadOnly (uri);

  if (conn == NULL)
    g_propagate_prefixed_error (error,
                                virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_CONNECT_FAILED,
                                                                 "Connection failed"),
                                "Cannot connect to %s: ", uri);
  return conn;
}

static void
plan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  VirtMigrateRequest *request = task_data;
  const char *dest_uri = virt_migrate_request_get_dest_uri (request);
  g_autoptr(virConnect) conn = NULL;
  g_autoptr(virConnect) dconn = NULL;
  g_autoptr(virDomain) dom = NULL;
  g_autoptr(GError) error = NULL;
  char uuid[VIR_UUID_STRING_BUFLEN];
  gboolean source_persistent, dest_checked = FALSE, dest_config_exists = FALSE;
  VirtMigratePlan *plan;

  if (!virt_migrate_request_validate (request, &error))
    goto fail;
  conn = open_read_only (virt_migrate_request_get_source_uri (request), &error);
  if (conn == NULL)
    goto fail;
  dom = virt_migrate_lookup_domain (conn, virt_migrate_request_get_domain (request), &error);
  if (dom == NULL)
    goto fail;
  if (virDomainGetUUIDString (dom, uuid) < 0)
    {
      error = virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, "No UUID");
      goto fail;
    }
  if (!virt_migrate_request_validate_for_guest (request, uuid, &error))
    goto fail;
  source_persistent = virDomainIsPersistent (dom) == 1;

  if (dest_uri != NULL)
    {
      g_autoptr(GError) dest_error = NULL;

      dconn = open_read_only (dest_uri, &dest_error);
      if (dconn == NULL &&
          virt_migrate_request_get_flow (request) == VIRT_MIGRATE_FLOW_MANAGED_DIRECT)
        {
          /* A managed direct migration needs this connection too. */
          error = g_steal_pointer (&dest_error);
          goto fail;
        }
      if (dconn != NULL)
        {
          g_autoptr(virDomain) ddom = virDomainLookupByUUIDString (dconn, uuid);

          dest_checked = TRUE;
          dest_config_exists = ddom != NULL && virDomainIsPersistent (ddom) == 1;
        }
    }

  if (g_task_return_error_if_cancelled (task))
    return;
  plan = virt_migrate_plan_new (request, uuid, source_persistent, dest_checked,
                                dest_config_exists, &error);
  if (plan == NULL)
    goto fail;
  g_task_return_pointer (task, plan, g_object_unref);
  return;

fail:
  g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * virt_migrate_manager_plan_async:
 * @self: a #VirtMigrateManager
 * @request: what would be migrated
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the plan
 * @user_data: data for @callback
 *
 * Works out what migrating @request would do, without changing anything:
 * validates it, connects read-only to the source (and to the destination
 * where this client can reach it) to learn the guest's UUID, whether it is
 * persistent and whether the destination already has its configuration,
 * and predicts the configuration outcome.
 */
void
virt_migrate_manager_plan_async (VirtMigrateManager  *self,
                                 VirtMigrateRequest  *request,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (VIRT_MIGRATE_IS_MANAGER (self));
  g_return_if_fail (VIRT_MIGRATE_IS_REQUEST (request));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, virt_migrate_manager_plan_async);
  g_task_set_name (task, "[virt-migrate] plan");
  g_task_set_task_data (task, virt_migrate_request_copy (request), g_object_unref);
  g_task_run_in_thread (task, plan_thread);
}

/**
 * virt_migrate_manager_plan_finish:
 * @self: a #VirtMigrateManager
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the plan, or %NULL with @error set (an invalid
 *   request, an unknown guest, an unreachable host)
 */
VirtMigratePlan *
virt_migrate_manager_plan_finish (VirtMigrateManager *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
