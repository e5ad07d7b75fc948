/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A drain at work: the planning thread (every guest checked against every
 * destination, then placed), the jobs started in order within the limit,
 * cancel, and resuming from a record after a restart. */
#include "config.h"

#include "virt-migrate-drain-internal.h"
#include "virt-migrate-drain-placement.h"
#include "virt-migrate-error.h"
#include "virt-migrate-hypervisor.h"
#include "virt-migrate-preflight-private.h"
#include "virt-migrate-job-private.h"
#include "virt-migrate-preflight.h"

/* --- running the jobs ------------------------------------------------------ */

static void
on_job_progress (VirtMigrateJob *job, GParamSpec *pspec, VirtMigrateDrain *self)
{
  virt_migrate_drain_notify_progress (self);
}

static Row *
row_of_job (VirtMigrateDrain *self, VirtMigrateJob *job)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row->job == job)
        return row;
    }
  return NULL;
}

/* A queued guest's job left the host's queue: it runs. */
static void
on_job_state (VirtMigrateJob *job, GParamSpec *pspec, VirtMigrateDrain *self)
{
  Row *row = row_of_job (self, job);

  if (row != NULL && virt_migrate_drain_row_is (row, DRAIN_OUTCOME_QUEUED) &&
      virt_migrate_job_get_state (job) != VIRT_MIGRATE_JOB_STATE_PENDING &&
      !virt_migrate_job_state_is_final (virt_migrate_job_get_state (job)))
    {
      virt_migrate_drain_row_set (row, DRAIN_OUTCOME_RUNNING, "");
      virt_migrate_drain_table_changed (self);
    }
}

static void
on_job_completed (VirtMigrateJob *job, VirtMigrateDrain *self)
{
  const GError *error = virt_migrate_job_get_error (job);
  Row *row = row_of_job (self, job);

  if (row == NULL)
    return;
  switch (virt_migrate_job_get_state (job))
    {
    case VIRT_MIGRATE_JOB_STATE_SUCCEEDED:
      virt_migrate_drain_row_set (row, DRAIN_OUTCOME_MOVED, "");
      break;
    case VIRT_MIGRATE_JOB_STATE_CANCELLED:
      /* Cancelled in the queue, before it ran: it never left the source. */
      if (virt_migrate_drain_row_is (row, DRAIN_OUTCOME_QUEUED))
        virt_migrate_drain_row_set (row, DRAIN_OUTCOME_LEFT, self->cancelled ? "Not started: the drain was cancelled"
                                                                             : "Not started: its job was cancelled");
      else
        virt_migrate_drain_row_set (row, DRAIN_OUTCOME_CANCELLED,
                                    "The migration was cancelled; the guest stays on the source");
      break;
    case VIRT_MIGRATE_JOB_STATE_PENDING:
    case VIRT_MIGRATE_JOB_STATE_PREPARING:
    case VIRT_MIGRATE_JOB_STATE_RUNNING:
    case VIRT_MIGRATE_JOB_STATE_POSTCOPY:
    case VIRT_MIGRATE_JOB_STATE_COMPLETING:
    case VIRT_MIGRATE_JOB_STATE_FAILED:
    default:
      virt_migrate_drain_row_set (row, DRAIN_OUTCOME_FAILED, error != NULL ? error->message : "The migration failed");
      break;
    }
  virt_migrate_drain_row_detach (row);
  virt_migrate_drain_table_changed (self);
  virt_migrate_drain_pump (self);
}

static void
attach (VirtMigrateDrain *self, Row *row, VirtMigrateJob *job)
{
  row->job = g_object_ref (job);
  row->job_id = virt_migrate_job_get_id (job);
  /* After the manager's handler: the job's history record comes first. */
  row->completed_id = g_signal_connect_after (job, "completed", G_CALLBACK (on_job_completed), self);
  row->progress_id = g_signal_connect (job, "notify::progress", G_CALLBACK (on_job_progress), self);
  row->state_id = g_signal_connect (job, "notify::state", G_CALLBACK (on_job_state), self);
  /* Queued until it leaves the host's queue (on_job_state). */
  virt_migrate_drain_row_set (row, virt_migrate_job_get_state (job) == VIRT_MIGRATE_JOB_STATE_PENDING
                                     ? DRAIN_OUTCOME_QUEUED : DRAIN_OUTCOME_RUNNING, "");
}

static void
start_row (VirtMigrateDrain *self, Row *row)
{
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_copy (self->request);
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GError) error = NULL;

  g_object_set (request, "domain", row->domain, "dest-uri", row->destination, NULL);
  job = self->vtable->create_job (self->host, request, &error);
  if (job == NULL)
    {
      virt_migrate_drain_row_set (row, DRAIN_OUTCOME_FAILED, error->message);
      return;
    }
  virt_migrate_job_set_drain_id (job, self->id);
  if (self->started_by_uid >= 0)
    virt_migrate_job_set_started_by_uid (job, (guint) self->started_by_uid);
  attach (self, row, job);
  self->vtable->run_job (self->host, job);
}

/* Hands every guest not handed yet to the host's one queue, in order (the
 * group's limit there keeps max-parallel); ends the drain when nothing is
 * queued or running any more. */
void
virt_migrate_drain_pump (VirtMigrateDrain *self)
{
  gboolean changed = FALSE;

  if (self->state != VIRT_MIGRATE_DRAIN_STATE_RUNNING || self->host == NULL)
    return;
  if (!self->group_limited && self->max_parallel > 0)
    {
      self->vtable->set_group_limit (self->host, self->id, self->max_parallel);
      self->group_limited = TRUE;
    }
  for (guint i = 0; i < self->rows->len && !self->cancelled; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (!virt_migrate_drain_row_is (row, DRAIN_OUTCOME_QUEUED) || row->job != NULL)
        continue;
      start_row (self, row);
      changed = TRUE;
    }
  if (changed)
    virt_migrate_drain_table_changed (self);
  if (virt_migrate_drain_count (self, DRAIN_OUTCOME_QUEUED, DRAIN_OUTCOME_RUNNING) > 0)
    return;
  if (self->cancelled)
    virt_migrate_drain_finish (self, VIRT_MIGRATE_DRAIN_STATE_CANCELLED, NULL);
  else if (virt_migrate_drain_get_n_moved (self) == self->rows->len)
    virt_migrate_drain_finish (self, VIRT_MIGRATE_DRAIN_STATE_SUCCEEDED, NULL);
  else
    virt_migrate_drain_finish (self, VIRT_MIGRATE_DRAIN_STATE_INCOMPLETE, NULL);
}

/**
 * virt_migrate_drain_cancel:
 * @self: a #VirtMigrateDrain
 *
 * Stops the drain: the guests not started yet stay on the source
 * (`left`), the running migrations are cancelled (a guest already in
 * post-copy finishes on the destination). The drain ends
 * %VIRT_MIGRATE_DRAIN_STATE_CANCELLED once they have. Does nothing once
 * the drain ended.
 */
void
virt_migrate_drain_cancel (VirtMigrateDrain *self)
{
  g_autoptr(GPtrArray) jobs = NULL;

  g_return_if_fail (VIRT_MIGRATE_IS_DRAIN (self));

  if (virt_migrate_drain_is_finished (self) || self->cancelled)
    return;
  self->cancelled = TRUE;
  if (self->planning != NULL)
    g_cancellable_cancel (self->planning);
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      /* Its job, if it has one, is cancelled in the queue below. */
      if (virt_migrate_drain_row_is (row, DRAIN_OUTCOME_QUEUED) && row->job == NULL)
        virt_migrate_drain_row_set (row, DRAIN_OUTCOME_LEFT, "Not started: the drain was cancelled");
    }
  jobs = virt_migrate_drain_list_jobs (self);
  for (guint i = 0; i < jobs->len; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!virt_migrate_job_cancel (g_ptr_array_index (jobs, i), &error))
        g_debug ("drain %u: job %u goes on: %s", self->id,
                 virt_migrate_job_get_id (g_ptr_array_index (jobs, i)), error->message);
    }
  virt_migrate_drain_table_changed (self);
  if (self->state == VIRT_MIGRATE_DRAIN_STATE_PENDING)
    virt_migrate_drain_finish (self, VIRT_MIGRATE_DRAIN_STATE_CANCELLED, NULL);
  else
    virt_migrate_drain_pump (self);
}

/* --- planning (in a worker thread) ----------------------------------------- */

typedef struct {
  VirtMigrateHypervisor     *hypervisor;
  VirtMigrateRequest        *request;
  char                     **destinations;
  char                     **include;
  char                     **exclude;
  VirtMigrateDrainPlacement  placement;
} PlanData;

static void
plan_data_free (PlanData *p)
{
  g_clear_object (&p->hypervisor);
  g_clear_object (&p->request);
  g_strfreev (p->destinations);
  g_strfreev (p->include);
  g_strfreev (p->exclude);
  g_free (p);
}

static gboolean
matches_any (char **patterns, const char *name)
{
  for (guint i = 0; patterns != NULL && patterns[i] != NULL; i++)
    if (g_pattern_match_simple (patterns[i], name))
      return TRUE;
  return FALSE;
}

/* The hypervisor seam this drain's work goes through: its manager's; NULL
 * (the drain failed) when the manager is gone. */
static VirtMigrateHypervisor *
new_hypervisor (VirtMigrateDrain *self)
{
  if (self->host != NULL)
    return self->vtable->new_hypervisor (self->host);
  virt_migrate_drain_finish (self, VIRT_MIGRATE_DRAIN_STATE_FAILED,
                             g_error_new_literal (VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED,
                                                  "The manager that runs this drain is gone"));
  return NULL;
}

static void
plan_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  PlanData *p = task_data;
  const char *source_uri = virt_migrate_request_get_source_uri (p->request);
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_candidate_free);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_target_free);
  g_autoptr(GPtrArray) guests = NULL;
  GError *error = NULL;

  guests = virt_migrate_hypervisor_list_running_guests (p->hypervisor, source_uri, &error);
  if (guests == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint t = 0; p->destinations[t] != NULL; t++)
    g_ptr_array_add (targets, virt_migrate_drain_target_new (p->destinations[t],
                                                             virt_migrate_hypervisor_free_memory (p->hypervisor,
                                                                                                  p->destinations[t])));
  for (guint i = 0; i < guests->len; i++)
    {
      VirtMigrateGuestInfo *guest = g_ptr_array_index (guests, i);
      VirtMigrateDrainCandidate *c;

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if ((p->include != NULL && p->include[0] != NULL && !matches_any (p->include, guest->name)) ||
          matches_any (p->exclude, guest->name))
        continue;
      c = virt_migrate_drain_candidate_new (guest->name, guest->uuid, guest->memory);
      g_ptr_array_add (candidates, c);
      for (guint t = 0; p->destinations[t] != NULL; t++)
        {
          g_autoptr(VirtMigratePreflightFacts) facts = virt_migrate_preflight_facts_new ();
          g_autoptr(VirtMigrateRequest) request = virt_migrate_request_copy (p->request);
          g_autoptr(GError) local = NULL;

          g_object_set (request, "domain", guest->name, "dest-uri", p->destinations[t], NULL);
          if (!virt_migrate_preflight_gather (p->hypervisor, request, p->destinations[t], facts, &local))
            {
              /* Gone between the listing and its checks, or the source went away. */
              g_free (c->error);
              c->error = g_strdup (local->message);
              break;
            }
          g_ptr_array_add (c->verdicts,
                           g_variant_ref_sink (virt_migrate_preflight_verdict (facts, p->destinations[t])));
        }
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_return_pointer (task, virt_migrate_drain_place (candidates, targets, p->placement),
                         (GDestroyNotify) g_variant_unref);
}

static void
plan_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(VirtMigrateDrain) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) rows = g_task_propagate_pointer (G_TASK (result), &error);
  GVariantIter iter;
  GVariant *item;

  g_clear_object (&self->planning);
  if (rows == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        virt_migrate_drain_finish (self, VIRT_MIGRATE_DRAIN_STATE_CANCELLED, NULL);
      else
        virt_migrate_drain_finish (self, VIRT_MIGRATE_DRAIN_STATE_FAILED, g_steal_pointer (&error));
      return;
    }
  g_variant_iter_init (&iter, rows);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      Row *row = virt_migrate_drain_row_from_variant (item);

      if (self->dry_run && virt_migrate_drain_row_is (row, DRAIN_OUTCOME_QUEUED))
        virt_migrate_drain_row_set (row, DRAIN_OUTCOME_PLANNED, NULL);
      g_ptr_array_add (self->rows, row);
      g_variant_unref (item);
    }
  if (self->dry_run)
    {
      virt_migrate_drain_finish (self, VIRT_MIGRATE_DRAIN_STATE_PLANNED, NULL);
      return;
    }
  virt_migrate_drain_table_changed (self);
  virt_migrate_drain_set_state (self, VIRT_MIGRATE_DRAIN_STATE_RUNNING);
  virt_migrate_drain_pump (self);
}

static void
start_planning (VirtMigrateDrain *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(VirtMigrateHypervisor) hypervisor = new_hypervisor (self);
  PlanData *p;

  if (hypervisor == NULL)
    return;
  p = g_new0 (PlanData, 1);
  self->planning = g_cancellable_new ();
  p->hypervisor = g_steal_pointer (&hypervisor);
  p->request = virt_migrate_request_copy (self->request);
  p->destinations = g_strdupv (self->destinations);
  p->include = g_strdupv (self->include);
  p->exclude = g_strdupv (self->exclude);
  p->placement = self->placement;
  task = g_task_new (NULL, self->planning, plan_done, g_object_ref (self));
  g_task_set_name (task, "[virt-migrate] drain plan");
  g_task_set_task_data (task, p, (GDestroyNotify) plan_data_free);
  virt_migrate_drain_set_state (self, VIRT_MIGRATE_DRAIN_STATE_PLANNING);
  g_task_run_in_thread (task, plan_thread);
}

static void
on_run_cancelled (GCancellable *cancellable, VirtMigrateDrain *self)
{
  virt_migrate_drain_cancel (self);
}

/**
 * virt_migrate_drain_run_async:
 * @self: a #VirtMigrateDrain, not started yet
 * @cancellable: (nullable): cancels the drain (as virt_migrate_drain_cancel())
 * @callback: (scope async): called when the drain ended
 * @user_data: data for @callback
 *
 * Plans the drain (in a worker thread) and, unless
 * #VirtMigrateDrain:dry-run is set, migrates the guests. Follow
 * #VirtMigrateDrain:guests and the counts as it goes.
 */
void
virt_migrate_drain_run_async (VirtMigrateDrain    *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (VIRT_MIGRATE_IS_DRAIN (self));
  g_return_if_fail (self->task == NULL);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, virt_migrate_drain_run_async);
  g_task_set_check_cancellable (self->task, FALSE);
  if (self->state != VIRT_MIGRATE_DRAIN_STATE_PENDING)
    {
      g_task_return_new_error (g_steal_pointer (&self->task), VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_BUSY,
                               "Drain %u was already started", self->id);
      return;
    }
  if (cancellable != NULL)
    g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (on_run_cancelled), self, 0);
  self->start_real_time = g_get_real_time ();
  start_planning (self);
}

/**
 * virt_migrate_drain_run_finish:
 * @self: a #VirtMigrateDrain
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if every guest moved (or the dry run ended); %FALSE with
 *   %VIRT_MIGRATE_ERROR_FAILED when some stayed or failed (the table
 *   says which and why), %G_IO_ERROR_CANCELLED when cancelled, or the
 *   error that kept the drain from planning
 */
gboolean
virt_migrate_drain_run_finish (VirtMigrateDrain  *self,
                               GAsyncResult      *result,
                               GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* After a restart: each guest that was migrating is either still followed
 * (a job the manager adopted), or found where it is now. */
typedef struct {
  VirtMigrateHypervisor *hypervisor;
  GPtrArray             *work; /* the source URI, then char* uuid, char* destination, pairs */
} Reconcile;

static void
reconcile_free (Reconcile *r)
{
  g_clear_object (&r->hypervisor);
  g_ptr_array_unref (r->work);
  g_free (r);
}

static void
reconcile_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  Reconcile *r = task_data;
  const char *source_uri = g_ptr_array_index (r->work, 0);
  GPtrArray *answers = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 1; i + 1 < r->work->len; i += 2)
    {
      const char *uuid = g_ptr_array_index (r->work, i);
      const char *dest = g_ptr_array_index (r->work, i + 1);
      VirtMigrateGuestWhere on_source = virt_migrate_hypervisor_locate_guest (r->hypervisor, source_uri, uuid);

      if (on_source == VIRT_MIGRATE_GUEST_UNREACHABLE)
        g_ptr_array_add (answers, g_strdup ("unknown"));
      else if (on_source == VIRT_MIGRATE_GUEST_RUNNING)
        g_ptr_array_add (answers, g_strdup ("source"));
      else
        g_ptr_array_add (answers, g_strdup (virt_migrate_hypervisor_locate_guest (r->hypervisor, dest, uuid) ==
                                            VIRT_MIGRATE_GUEST_RUNNING ? "destination" : "nowhere"));
    }
  g_task_return_pointer (task, answers, (GDestroyNotify) g_ptr_array_unref);
}

static void
reconcile_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(VirtMigrateDrain) self = user_data;
  g_autoptr(GPtrArray) answers = g_task_propagate_pointer (G_TASK (result), NULL);
  guint k = 0;

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      const char *where;

      if (!row->reconcile)
        continue;
      row->reconcile = FALSE;
      where = answers != NULL && k < answers->len ? g_ptr_array_index (answers, k) : "unknown";
      k++;
      if (g_str_equal (where, "source"))
        virt_migrate_drain_row_set (row, DRAIN_OUTCOME_QUEUED, "");
      else if (g_str_equal (where, "destination"))
        virt_migrate_drain_row_set (row, DRAIN_OUTCOME_MOVED, "Found running on the destination after virt-migrated restarted");
      else
        virt_migrate_drain_row_set (row, DRAIN_OUTCOME_FAILED, g_str_equal (where, "nowhere") ?
                 "After virt-migrated restarted, the guest runs on neither host" :
                 "After virt-migrated restarted, the source could not be reached to find the guest");
    }
  virt_migrate_drain_table_changed (self);
  virt_migrate_drain_set_state (self, VIRT_MIGRATE_DRAIN_STATE_RUNNING);
  virt_migrate_drain_pump (self);
}

void
virt_migrate_drain_resume (VirtMigrateDrain *self)
{
  g_autoptr(GPtrArray) work = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (VIRT_MIGRATE_IS_DRAIN (self));

  g_ptr_array_add (work, g_strdup (virt_migrate_drain_get_source_uri (self)));
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      VirtMigrateJob *job;

      if (!virt_migrate_drain_row_is (row, DRAIN_OUTCOME_RUNNING))
        continue;
      job = row->job_id != 0 && self->host != NULL ? self->vtable->lookup_job (self->host, row->job_id) : NULL;
      if (job != NULL)
        {
          attach (self, row, job);
          continue;
        }
      row->reconcile = TRUE;
      g_ptr_array_add (work, g_strdup (row->uuid));
      g_ptr_array_add (work, g_strdup (row->destination));
    }
  /* A drain that was still planning plans again: nothing had moved. */
  if (self->rows->len == 0)
    {
      start_planning (self);
      return;
    }
  {
    g_autoptr(VirtMigrateHypervisor) hypervisor = new_hypervisor (self);
    Reconcile *r;

    if (hypervisor == NULL)
      return;
    virt_migrate_drain_set_state (self, VIRT_MIGRATE_DRAIN_STATE_PLANNING);
    task = g_task_new (NULL, NULL, reconcile_done, g_object_ref (self));
    g_task_set_name (task, "[virt-migrate] drain resume");
    r = g_new0 (Reconcile, 1);
    r->hypervisor = g_steal_pointer (&hypervisor);
    r->work = g_steal_pointer (&work);
    g_task_set_task_data (task, r, (GDestroyNotify) reconcile_free);
  }
  g_task_run_in_thread (task, reconcile_thread);
}
