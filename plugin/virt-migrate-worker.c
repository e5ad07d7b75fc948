/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>

#include <unistd.h>

#include <glib/gstdio.h>

#include "virt-migrate-error.h"
#include "virt-migrate-worker.h"

/* How long a cancel keeps retrying while libvirt has not started its job yet. */
#define ABORT_RETRY_US (60 * G_USEC_PER_SEC)

struct _VirtMigrateWorker
{
  GObject                    parent_instance;

  /* Immutable after construction. */
  VirtMigrateBackend        *backend;
  VirtMigrateWorkerInput     input;
  GMainContext              *context;
  VirtMigrateWorkerCallbacks callbacks;
  GObject                   *owner;    /* the job; referenced while threads run */

  /* Shared by the threads and the callers, under @lock. */
  GMutex                     lock;
  GCond                      cond;
  gboolean                   started;
  gboolean                   in_call;
  gboolean                   cancel_requested;
  gboolean                   stop_poll;
  gboolean                   in_postcopy;
  gboolean                   postcopy_requested;
  guint64                    pending_downtime; /* ms, 0: nothing to apply */
  guint64                    pending_speed;    /* MiB/s, G_MAXUINT64: nothing to apply */
  gboolean                   pending_suspend;
  gboolean                   policy_paused;
  guint                      poll_interval;    /* ms */

  FILE                      *trace;            /* $VIRT_MIGRATE_TRACE_DIR: every sample, for tests/traces/ */
  gint64                     trace_start;
  guint64                    trace_resident;   /* the guest's resident set before the call, for the trace */
  gboolean                   trace_by_reads;   /* ...and whether QEMU's reads fill it (seen, or learnt) */
  gint64                     trace_call;       /* when the job began the call (monotonic), for the trace */
};

G_DEFINE_FINAL_TYPE (VirtMigrateWorker, virt_migrate_worker, G_TYPE_OBJECT)

/* --- dispatch to the job's context ------------------------------------------ */

/* Runs @func on @context's owner: at once when the caller is that owner,
 * otherwise from an idle source attached to @context.  Unlike
 * g_main_context_invoke_full(), a worker thread never runs @func itself
 * when the context happens to be free (the daemon's main thread may be
 * between two loops), so everything the main context owns stays there. */
void
virt_migrate_invoke_on_context (GMainContext   *context,
                                GSourceFunc     func,
                                gpointer        data,
                                GDestroyNotify  notify)
{
  g_autoptr(GSource) source = NULL;

  if (g_main_context_is_owner (context))
    {
      func (data);
      if (notify != NULL)
        notify (data);
      return;
    }
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[virt-migrate] job dispatch");
  g_source_attach (source, context);
}

typedef enum {
  POST_RUNNING,
  POST_SAMPLE,
  POST_ITERATION,
  POST_DONE,
} PostKind;

typedef struct {
  VirtMigrateWorker       *worker;
  PostKind                 kind;
  VirtMigrateSample        sample;
  VirtMigrateBackendGuest  guest;
  guint64                  value;
  VirtMigrateWorkerResult *result;
} Post;

static gboolean
post_cb (gpointer user_data)
{
  Post *p = user_data;
  VirtMigrateWorker *self = p->worker;

  switch (p->kind)
    {
    case POST_RUNNING:
      self->callbacks.running (&p->guest, self->owner);
      break;
    case POST_SAMPLE:
      self->callbacks.sample (&p->sample, self->owner);
      break;
    case POST_ITERATION:
      self->callbacks.iteration (p->value, self->owner);
      break;
    case POST_DONE:
      self->callbacks.done (p->result, self->owner);
      break;
    default:
      g_assert_not_reached ();
    }
  return G_SOURCE_REMOVE;
}

static void
post_free (gpointer user_data)
{
  Post *p = user_data;

  if (p->result != NULL)
    {
      g_clear_error (&p->result->error);
      virt_migrate_backend_result_clear (&p->result->backend);
      g_free (p->result);
    }
  g_object_unref (p->worker);
  g_free (p);
}

static void
post (VirtMigrateWorker *self, Post *p)
{
  p->worker = g_object_ref (self);
  virt_migrate_invoke_on_context (self->context, post_cb, p, post_free);
}

static void
on_iteration (guint64 iteration, gpointer user_data)
{
  VirtMigrateWorker *self = user_data;
  Post *p = g_new0 (Post, 1);

  p->kind = POST_ITERATION;
  p->value = iteration;
  post (self, p);
  /* A new memory pass: its first sample is what the policy decides on,
   * so the poller takes it now rather than at its next tick. */
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* --- the poller thread -------------------------------------------------------- */

/* Recording: with $VIRT_MIGRATE_TRACE_DIR set, each job writes its samples
 * there in the trace format of virt-migrate-sample.c (poller thread only). */
static void
record_sample (VirtMigrateWorker *self, const VirtMigrateSample *sample)
{
  const char *dir = g_getenv ("VIRT_MIGRATE_TRACE_DIR");
  VirtMigrateSample relative = *sample;
  g_autofree char *line = NULL;

  if (dir == NULL || *dir == '\0')
    return;
  if (self->trace == NULL)
    {
      static gint counter;
      g_autofree char *name = g_strdup_printf ("job-%d-%d.trace", (int) getpid (),
                                               g_atomic_int_add (&counter, 1));
      g_autofree char *path = g_build_filename (dir, name, NULL);

      self->trace = g_fopen (path, "we");
      if (self->trace == NULL)
        return;
      self->trace_start = sample->time;
      fprintf (self->trace, "# time_ms active total remaining transferred memory_total memory_bps "
                            "disk_bps dirty_pages_per_s page_size iteration postcopy constant_pages normal_pages resident dirty_sampled "
                            "dirty_measured vcpu_busy dirty_seconds\n");
      /* What the job's progress starts from (read before the call). */
      fprintf (self->trace, "# resident before the call: %" G_GUINT64_FORMAT "\n", self->trace_resident);
      fprintf (self->trace, "# resident filled by QEMU's reads: %d\n", self->trace_by_reads ? 1 : 0);
      /* And when it began the call, before the first sample. */
      fprintf (self->trace, "# the call began %" G_GINT64_FORMAT " ms before\n",
               (sample->time - self->trace_call) / 1000);
    }
  relative.time = sample->time - self->trace_start;
  line = virt_migrate_sample_format (&relative);
  fprintf (self->trace, "%s\n", line);
  fflush (self->trace);
}

static gpointer
poll_thread (gpointer user_data)
{
  g_autoptr(VirtMigrateWorker) self = user_data;
  guint64 max_downtime = self->input.max_downtime;
  gboolean downtime_set = FALSE;
  gboolean postcopy_started = FALSE;
  gboolean seen_active = FALSE;

  while (TRUE)
    {
      g_autoptr(GError) error = NULL;
      gboolean want_postcopy, pending_suspend;
      guint64 pending_speed;
      Post *p;

      g_mutex_lock (&self->lock);
      if (!self->stop_poll)
        g_cond_wait_until (&self->cond, &self->lock,
                           g_get_monotonic_time () + self->poll_interval * G_TIME_SPAN_MILLISECOND);
      if (self->stop_poll)
        {
          g_mutex_unlock (&self->lock);
          break;
        }
      want_postcopy = self->postcopy_requested && !postcopy_started;
      if (self->pending_downtime > 0)
        {
          max_downtime = self->pending_downtime;
          downtime_set = FALSE;
          self->pending_downtime = 0;
        }
      pending_speed = self->pending_speed;
      self->pending_speed = G_MAXUINT64;
      pending_suspend = self->pending_suspend;
      self->pending_suspend = FALSE;
      g_mutex_unlock (&self->lock);

      if (pending_suspend)
        {
          if (virt_migrate_backend_suspend (self->backend, &error))
            {
              g_mutex_lock (&self->lock);
              self->policy_paused = TRUE;
              g_mutex_unlock (&self->lock);
            }
          else
            g_warning ("cannot pause the guest: %s", error->message);
          g_clear_error (&error);
        }
      if (pending_speed != G_MAXUINT64 &&
          !virt_migrate_backend_set_max_speed (self->backend, pending_speed, &error))
        {
          g_debug ("cannot set max speed: %s", error->message);
          g_clear_error (&error);
        }

      /* A switch someone asked for goes first: libvirt's statistics call
       * can block for seconds in a memory pass, and the switch should not
       * wait behind it. */
      if (want_postcopy && seen_active && !postcopy_started)
        {
          if (virt_migrate_backend_start_postcopy (self->backend, &error))
            postcopy_started = TRUE;
          else
            g_debug ("cannot switch to post-copy yet: %s", error->message);
          g_clear_error (&error);
        }

      p = g_new0 (Post, 1);
      p->kind = POST_SAMPLE;
      if (!virt_migrate_backend_get_stats (self->backend, &p->sample, &error))
        {
          g_debug ("no job statistics: %s", error->message);
          g_free (p);
          continue;
        }
      g_debug ("stats active=%d total=%" G_GUINT64_FORMAT " remaining=%" G_GUINT64_FORMAT
               " transferred=%" G_GUINT64_FORMAT " mem_total=%" G_GUINT64_FORMAT
               " bps=%" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT " iteration=%" G_GUINT64_FORMAT,
               p->sample.active, p->sample.total, p->sample.remaining, p->sample.transferred,
               p->sample.memory_total, p->sample.memory_bps, p->sample.disk_bps, p->sample.iteration);

      if (postcopy_started)
        p->sample.postcopy = TRUE;
      if (p->sample.active)
        {
          seen_active = TRUE;
          if (max_downtime > 0 && !downtime_set)
            {
              if (virt_migrate_backend_set_max_downtime (self->backend, max_downtime, &error))
                downtime_set = TRUE;
              else
                g_debug ("cannot set max downtime yet: %s", error->message);
              g_clear_error (&error);
            }
          if (!postcopy_started &&
              (want_postcopy || (self->input.postcopy_after_precopy && p->sample.iteration >= 2)))
            {
              if (virt_migrate_backend_start_postcopy (self->backend, &error))
                {
                  /* From now on the guest runs on the destination, even if
                   * no sample catches the short post-copy phase. */
                  postcopy_started = TRUE;
                  p->sample.postcopy = TRUE;
                }
              else
                g_debug ("cannot switch to post-copy yet: %s", error->message);
              g_clear_error (&error);
            }
        }

      g_mutex_lock (&self->lock);
      self->in_postcopy = self->in_postcopy || p->sample.postcopy;
      g_mutex_unlock (&self->lock);
      record_sample (self, &p->sample);
      post (self, p);
    }
  return NULL;
}

/* --- the migration thread ----------------------------------------------------- */

static void
migrate_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  VirtMigrateWorker *self = source_object;
  VirtMigrateWorkerResult *result = g_new0 (VirtMigrateWorkerResult, 1);
  VirtMigrateBackendGuest guest = { 0 };
  g_autoptr(GError) error = NULL;
  GThread *poller = NULL;
  gboolean ok, policy_paused;
  Post *p;

  if (!virt_migrate_backend_prepare (self->backend, on_iteration, self, &guest, &error))
    {
      virt_migrate_backend_finish (self->backend, FALSE, FALSE, &result->backend);
      goto out;
    }
  if (guest.finished)
    {
      /* An adopted migration that ended while nobody followed it. */
      result->success = guest.success;
      virt_migrate_backend_finish (self->backend, result->success, FALSE, &result->backend);
      goto out;
    }

  g_mutex_lock (&self->lock);
  if (self->cancel_requested)
    {
      g_mutex_unlock (&self->lock);
      result->cancelled = TRUE;
      virt_migrate_backend_finish (self->backend, FALSE, FALSE, &result->backend);
      goto out;
    }
  self->in_call = TRUE;
  self->stop_poll = FALSE;
  g_mutex_unlock (&self->lock);

  self->trace_call = g_get_monotonic_time ();
  p = g_new0 (Post, 1);
  p->kind = POST_RUNNING;
  p->guest = guest;
  post (self, p);

  self->trace_resident = guest.resident_bytes;
  self->trace_by_reads = guest.resident_by_reads || self->input.by_reads_learnt;
  if (!self->input.offline)
    poller = g_thread_new ("vm-job-poll", poll_thread, g_object_ref (self));

  ok = virt_migrate_backend_migrate (self->backend, &error);
  g_debug ("the migration call returned %d", ok);

  g_mutex_lock (&self->lock);
  self->in_call = FALSE;
  self->stop_poll = TRUE;
  result->cancelled = !ok && self->cancel_requested;
  policy_paused = self->policy_paused;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (poller != NULL)
    g_thread_join (poller);

  result->success = ok;
  virt_migrate_backend_finish (self->backend, ok, ok && policy_paused && !self->input.keep_paused,
                               &result->backend);
  /* A recorded trace ends with when the job did (the poller is gone, so
   * it is this thread's now): what the expected ends it replays are held
   * to. Written here, not when the worker goes, which a program holding
   * the job may never let happen. */
  if (self->trace != NULL)
    {
      fprintf (self->trace, "# the job ended at %" G_GINT64_FORMAT " ms\n",
               (g_get_monotonic_time () - self->trace_start) / 1000);
      g_clear_pointer (&self->trace, fclose);
    }

out:
  if (!result->success && !result->cancelled)
    result->error = g_steal_pointer (&error);
  p = g_new0 (Post, 1);
  p->kind = POST_DONE;
  p->result = result;
  post (self, p);
  g_task_return_boolean (task, TRUE);
}

/* Starts the migration on its threads. */
void
virt_migrate_worker_start (VirtMigrateWorker *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (VIRT_MIGRATE_IS_WORKER (self));
  g_mutex_lock (&self->lock);
  if (self->started)
    {
      g_mutex_unlock (&self->lock);
      g_critical ("a worker runs only once");
      return;
    }
  self->started = TRUE;
  g_mutex_unlock (&self->lock);

  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_source_tag (task, virt_migrate_worker_start);
  g_task_set_name (task, "[virt-migrate] migrate");
  g_task_run_in_thread (task, migrate_thread);
}

/* --- cancellation and tuning (any thread) -------------------------------------- */

static void
abort_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  VirtMigrateWorker *self = source_object;
  gint64 deadline = g_get_monotonic_time () + ABORT_RETRY_US;

  while (TRUE)
    {
      g_autoptr(GError) error = NULL;
      gboolean retry = FALSE;

      g_mutex_lock (&self->lock);
      if (!self->in_call || self->in_postcopy)
        {
          /* Not in the call yet (the migrate thread sees the flag), or done. */
          g_mutex_unlock (&self->lock);
          break;
        }
      g_mutex_unlock (&self->lock);

      if (virt_migrate_backend_abort (self->backend, &retry, &error))
        {
          g_debug ("migration aborted");
          break;
        }
      if (!retry || g_get_monotonic_time () > deadline)
        {
          g_debug ("abort failed: %s", error->message);
          break;
        }
      g_usleep (100 * G_TIME_SPAN_MILLISECOND);
    }
  g_task_return_boolean (task, TRUE);
}

/* Asks for the migration to be aborted: at once if the call runs (with
 * retries while the hypervisor has not begun), or before the call if it
 * has not started. Refused in post-copy: the guest runs on the destination. */
gboolean
virt_migrate_worker_cancel (VirtMigrateWorker *self,
                            GError           **error)
{
  gboolean start_abort;

  g_return_val_if_fail (VIRT_MIGRATE_IS_WORKER (self), FALSE);

  g_mutex_lock (&self->lock);
  if (self->in_postcopy)
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_NOT_CANCELLABLE,
                   "The migration is in post-copy: the guest already runs on the "
                   "destination and cannot be sent back");
      return FALSE;
    }
  start_abort = !self->cancel_requested && self->in_call;
  self->cancel_requested = TRUE;
  g_mutex_unlock (&self->lock);

  if (start_abort)
    {
      g_autoptr(GTask) task = g_task_new (self, NULL, NULL, NULL);

      g_task_set_source_tag (task, virt_migrate_worker_cancel);
      g_task_set_name (task, "[virt-migrate] abort");
      g_task_run_in_thread (task, abort_thread);
    }
  return TRUE;
}

static gboolean
queue_change (VirtMigrateWorker *self, guint64 *field, guint64 value, gboolean *flag, GError **error)
{
  g_mutex_lock (&self->lock);
  if (!self->in_call)
    {
      g_mutex_unlock (&self->lock);
      g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED, "The migration is not running");
      return FALSE;
    }
  if (field != NULL)
    *field = value;
  if (flag != NULL)
    *flag = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* The changes below are applied by the poller at its next tick. */
gboolean
virt_migrate_worker_start_postcopy (VirtMigrateWorker *self, GError **error)
{
  return queue_change (self, NULL, 0, &self->postcopy_requested, error);
}

gboolean
virt_migrate_worker_set_max_downtime (VirtMigrateWorker *self, guint64 milliseconds, GError **error)
{
  return queue_change (self, &self->pending_downtime, milliseconds, NULL, error);
}

gboolean
virt_migrate_worker_set_max_speed (VirtMigrateWorker *self, guint64 mebibytes_per_second, GError **error)
{
  return queue_change (self, &self->pending_speed, mebibytes_per_second, NULL, error);
}

/* The policy's pause: the guest stops on the source so the rest can go. */
void
virt_migrate_worker_pause (VirtMigrateWorker *self)
{
  queue_change (self, NULL, 0, &self->pending_suspend, NULL);
}

void
virt_migrate_worker_set_poll_interval (VirtMigrateWorker *self, guint interval_ms)
{
  g_mutex_lock (&self->lock);
  self->poll_interval = interval_ms;
  g_mutex_unlock (&self->lock);
}

gboolean
virt_migrate_worker_in_postcopy (VirtMigrateWorker *self)
{
  gboolean in_postcopy;

  g_mutex_lock (&self->lock);
  in_postcopy = self->in_postcopy;
  g_mutex_unlock (&self->lock);
  return in_postcopy;
}

/* --- GObject ------------------------------------------------------------------ */

static void
virt_migrate_worker_finalize (GObject *object)
{
  VirtMigrateWorker *self = VIRT_MIGRATE_WORKER (object);

  g_clear_object (&self->backend);
  g_clear_object (&self->owner);
  g_clear_pointer (&self->trace, fclose);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (virt_migrate_worker_parent_class)->finalize (object);
}

static void
virt_migrate_worker_class_init (VirtMigrateWorkerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virt_migrate_worker_finalize;
}

static void
virt_migrate_worker_init (VirtMigrateWorker *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->pending_speed = G_MAXUINT64;
}

/* @owner (the job) is referenced until the worker is finalized, which is
 * after its last callback. */
VirtMigrateWorker *
virt_migrate_worker_new (VirtMigrateBackend               *backend,
                         const VirtMigrateWorkerInput     *input,
                         GMainContext                     *context,
                         const VirtMigrateWorkerCallbacks *callbacks,
                         GObject                          *owner)
{
  VirtMigrateWorker *self = g_object_new (VIRT_MIGRATE_TYPE_WORKER, NULL);

  self->backend = g_object_ref (backend);
  self->input = *input;
  self->context = g_main_context_ref (context);
  self->callbacks = *callbacks;
  self->owner = g_object_ref (owner);
  self->poll_interval = input->poll_interval;
  return self;
}
