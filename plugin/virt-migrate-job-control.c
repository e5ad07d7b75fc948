/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a caller does to a running VirtMigrateJob besides cancelling it:
 * post-copy, force-complete, the maximum downtime, the bandwidth and how
 * often it is polled. Each
 * may be called from any thread and is handed to the worker (whose poller
 * applies it) or to the job's main context. */
#include "config.h"

#include "virt-migrate-error.h"
#include "virt-migrate-job-internal.h"
#include "virt-migrate-request-private.h"

/* Force-complete, on the job's context: once the migration moves memory
 * (a pause before libvirt's job began would not hold), post-copy if the
 * request allows it, else the guest paused so it can finish. */
void
virt_migrate_job_force_complete_now (VirtMigrateJob *self)
{
  g_autoptr(VirtMigrateWorker) worker = virt_migrate_job_ref_worker (self);

  self->force_pending = FALSE;
  if (worker == NULL)
    return;
  /* The caller decided: the policy no longer steps in (it would abort a
   * paused guest that needs more than its ceiling). */
  g_clear_pointer (&self->convergence, virt_migrate_convergence_free);
  virt_migrate_progress_force (self->progress_unit);
  if (self->state == VIRT_MIGRATE_JOB_STATE_POSTCOPY || self->state == VIRT_MIGRATE_JOB_STATE_RECOVERING ||
      virt_migrate_worker_in_postcopy (worker))
    virt_migrate_job_add_message (self, "force-complete: already in post-copy; the migration finishes by itself");
  else if (virt_migrate_request_get_postcopy (self->request))
    {
      virt_migrate_worker_start_postcopy (worker, NULL);
      virt_migrate_job_add_message (self, "force-complete: switching to post-copy");
    }
  else
    {
      virt_migrate_worker_pause (worker);
      virt_migrate_job_add_message (self, "force-complete: pausing the guest on the source so the migration "
                                          "can finish (post-copy is not allowed by the request)");
    }
}

static gboolean
force_complete_cb (gpointer data)
{
  VirtMigrateJob *self = data;

  if (virt_migrate_job_state_is_final (self->state))
    return G_SOURCE_REMOVE;
  if (self->data_total > 0 && self->state != VIRT_MIGRATE_JOB_STATE_PREPARING &&
      self->state != VIRT_MIGRATE_JOB_STATE_PENDING)
    virt_migrate_job_force_complete_now (self);
  else if (!self->force_pending)
    {
      self->force_pending = TRUE;
      virt_migrate_job_add_message (self, "force-complete: as soon as the migration moves memory");
    }
  return G_SOURCE_REMOVE;
}

static gboolean
not_running (GError **error)
{
  g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED, "The migration is not running");
  return FALSE;
}

/**
 * virt_migrate_job_start_postcopy:
 * @self: a #VirtMigrateJob
 * @error: return location for a #GError
 *
 * Switches a running migration to post-copy
 * (`virDomainMigrateStartPostCopy()`): the guest continues on the
 * destination and the rest of its memory follows on demand.  Needs
 * #VirtMigrateRequest:postcopy.  The switch happens on the poller thread at
 * its next tick; #VirtMigrateJob:state becomes
 * %VIRT_MIGRATE_JOB_STATE_POSTCOPY when libvirt reports it.  May be called
 * from any thread.
 *
 * Returns: %TRUE if the switch was requested
 */
gboolean
virt_migrate_job_start_postcopy (VirtMigrateJob *self,
                                 GError        **error)
{
  g_autoptr(VirtMigrateWorker) worker = NULL;

  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);

  if (!virt_migrate_request_get_postcopy (self->request))
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                   "Post-copy was not enabled for this migration (request 'postcopy')");
      return FALSE;
    }
  worker = virt_migrate_job_ref_worker (self);
  return worker != NULL ? virt_migrate_worker_start_postcopy (worker, error) : not_running (error);
}

/**
 * virt_migrate_job_force_complete:
 * @self: a #VirtMigrateJob
 * @error: return location for a #GError
 *
 * Makes a running migration finish now, whatever the convergence policy
 * would wait for: it switches to post-copy when #VirtMigrateRequest:postcopy
 * allows it, and otherwise pauses the guest on the source so the rest of
 * its memory can go while it does not change (the guest runs again on the
 * destination unless #VirtMigrateRequest:suspend asked otherwise, and on the
 * source if the migration fails after all).  This is what Nova's
 * force-complete does.  The step is logged in #VirtMigrateJob:messages.
 * Asked before the migration moves memory, it waits until it does (a guest
 * paused before libvirt's job began would not stay paused).  A migration
 * already in post-copy finishes by itself, so asking again only logs that.
 * May be called from any thread; the step is taken on the job's context.
 *
 * Returns: %TRUE if the step was requested; %FALSE with
 *   %VIRT_MIGRATE_ERROR_FAILED if the migration is not running
 */
gboolean
virt_migrate_job_force_complete (VirtMigrateJob *self,
                                 GError        **error)
{
  g_autoptr(VirtMigrateWorker) worker = NULL;

  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);

  worker = virt_migrate_job_ref_worker (self);
  if (worker == NULL || g_atomic_int_get (&self->finished))
    return not_running (error);
  virt_migrate_invoke_on_context (self->context, force_complete_cb, g_object_ref (self), g_object_unref);
  return TRUE;
}

/* A change of a progress input, made from any thread, applied on the job's
 * context (the progress unit's owner): the bandwidth cap (its rate is held
 * to it) or the downtime (the expected end follows it at once). */
typedef struct {
  VirtMigrateJob *job;
  gboolean        downtime; /* else the bandwidth cap */
  guint64         value;    /* ms, or bytes/s */
} ProgressChange;

static gboolean
progress_change_cb (gpointer data)
{
  ProgressChange *c = data;

  if (c->downtime)
    virt_migrate_progress_set_max_downtime (c->job->progress_unit, c->value);
  else
    virt_migrate_progress_set_bandwidth_cap (c->job->progress_unit, c->value);
  return G_SOURCE_REMOVE;
}

static void
progress_change_free (gpointer data)
{
  ProgressChange *c = data;

  g_object_unref (c->job);
  g_free (c);
}

static void
post_progress_change (VirtMigrateJob *self, gboolean downtime, guint64 value)
{
  ProgressChange *c = g_new0 (ProgressChange, 1);

  c->job = g_object_ref (self);
  c->downtime = downtime;
  c->value = value;
  virt_migrate_invoke_on_context (self->context, progress_change_cb, c, progress_change_free);
}

/**
 * virt_migrate_job_set_max_downtime:
 * @self: a #VirtMigrateJob
 * @milliseconds: the longest switch-over pause (at least 1)
 * @error: return location for a #GError
 *
 * Changes the maximum downtime of the running migration
 * (`virDomainMigrateSetMaxDowntime()`), at the poller's next tick.  May be
 * called from any thread.
 *
 * Returns: %TRUE if the change was queued
 */
gboolean
virt_migrate_job_set_max_downtime (VirtMigrateJob *self,
                                   guint64         milliseconds,
                                   GError        **error)
{
  g_autoptr(VirtMigrateWorker) worker = NULL;

  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);
  if (milliseconds == 0)
    {
      g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                           "The maximum downtime must be at least 1 ms");
      return FALSE;
    }
  worker = virt_migrate_job_ref_worker (self);
  if (worker == NULL)
    return not_running (error);
  if (!virt_migrate_worker_set_max_downtime (worker, milliseconds, error))
    return FALSE;
  post_progress_change (self, TRUE, milliseconds);
  return TRUE;
}

/**
 * virt_migrate_job_set_max_speed:
 * @self: a #VirtMigrateJob
 * @mebibytes_per_second: the bandwidth cap in MiB/s
 * @error: return location for a #GError
 *
 * Changes the bandwidth cap of the running migration
 * (`virDomainMigrateSetMaxSpeed()`), at the poller's next tick.  May be
 * called from any thread.  A storage copy's disk mirrors keep the cap
 * they started with (libvirt 9.0), and so do the expected end and the
 * rate shown while they run.
 *
 * Returns: %TRUE if the change was queued
 */
gboolean
virt_migrate_job_set_max_speed (VirtMigrateJob *self,
                                guint64         mebibytes_per_second,
                                GError        **error)
{
  g_autoptr(VirtMigrateWorker) worker = NULL;

  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);
  if (mebibytes_per_second >= G_MAXINT64 / (1024 * 1024))
    {
      g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                           "The bandwidth cap is too large");
      return FALSE;
    }
  worker = virt_migrate_job_ref_worker (self);
  if (worker == NULL)
    return not_running (error);
  if (!virt_migrate_worker_set_max_speed (worker, mebibytes_per_second, error))
    return FALSE;
  post_progress_change (self, FALSE, mebibytes_per_second * 1024 * 1024);
  return TRUE;
}

/**
 * virt_migrate_job_get_poll_interval:
 * @self: a #VirtMigrateJob
 *
 * Returns: milliseconds between statistics polls
 */
guint
virt_migrate_job_get_poll_interval (VirtMigrateJob *self)
{
  guint interval;

  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  g_mutex_lock (&self->lock);
  interval = self->poll_interval;
  g_mutex_unlock (&self->lock);
  return interval;
}

/**
 * virt_migrate_job_set_poll_interval:
 * @self: a #VirtMigrateJob
 * @interval_ms: milliseconds between statistics polls (10 to 60000)
 *
 * Sets how often libvirt's job statistics are polled; takes effect at the
 * next poll.
 */
void
virt_migrate_job_set_poll_interval (VirtMigrateJob *self,
                                    guint           interval_ms)
{
  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  interval_ms = CLAMP (interval_ms, 10, 60000);
  g_mutex_lock (&self->lock);
  if (self->poll_interval == interval_ms)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->poll_interval = interval_ms;
  if (self->worker != NULL)
    virt_migrate_worker_set_poll_interval (self->worker, interval_ms);
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), virt_migrate_job_props[PROP_POLL_INTERVAL]);
}
