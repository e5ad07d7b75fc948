/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-enum-types.h"
#include "virt-migrate-job-internal.h"
#include "virt-migrate-libvirt-backend.h"
#include "virt-migrate-request-private.h"

/**
 * VirtMigrateJob:
 *
 * One migration, run as a #GTask with virt_migrate_job_run_async().
 *
 * All blocking libvirt calls happen on worker threads: one runs the
 * migration call itself, one polls `virDomainGetJobStats()` every
 * #VirtMigrateJob:poll-interval milliseconds, and libvirt's
 * `MIGRATION_ITERATION` and `JOB_COMPLETED` domain events arrive through
 * libvirt-glib's event loop.  The job's properties change, and are
 * notified, only on the #GMainContext that was the thread-default one when
 * virt_migrate_job_run_async() was called.
 *
 * #VirtMigrateJob:progress never decreases, even when the guest dirties
 * pages again; #VirtMigrateJob:data-remaining and
 * #VirtMigrateJob:data-transferred stay the raw numbers libvirt reports.
 *
 * virt_migrate_job_cancel(), or cancelling the #GCancellable given to
 * virt_migrate_job_run_async(), aborts the migration with
 * `virDomainAbortJob()`; the guest keeps running on the source.
 *
 * A job made with virt_migrate_job_new() runs exactly the request: it has
 * no #VirtMigrateJob:policy unless one is set, applies no settings, waits
 * in no queue and is not checked against other migrations of the same
 * guest.  Jobs from virt_migrate_manager_start() get all of these.
 */

/* The struct and the property ids: virt-migrate-job-internal.h. The run
 * (virt-migrate-job-run.c) writes the properties; this file declares them
 * and reads them. */

GParamSpec *virt_migrate_job_props[N_PROPS];
guint virt_migrate_job_signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (VirtMigrateJob, virt_migrate_job, G_TYPE_OBJECT)

#define props virt_migrate_job_props
#define signals virt_migrate_job_signals

/* --- GObject ------------------------------------------------------------------ */

static void
virt_migrate_job_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  VirtMigrateJob *self = VIRT_MIGRATE_JOB (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_uint (value, self->id); break;
    case PROP_REQUEST: g_value_set_object (value, self->request); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_PHASE: g_value_set_enum (value, self->phase); break;
    case PROP_VERDICT: g_value_set_variant (value, self->verdict); break;
    case PROP_PROGRESS: g_value_set_double (value, self->progress); break;
    case PROP_DATA_TOTAL: g_value_set_uint64 (value, self->data_total); break;
    case PROP_DATA_PROCESSED: g_value_set_uint64 (value, self->data_processed); break;
    case PROP_DATA_REMAINING: g_value_set_uint64 (value, self->data_remaining); break;
    case PROP_DATA_TRANSFERRED: g_value_set_uint64 (value, self->data_transferred); break;
    case PROP_RATE: g_value_set_uint64 (value, self->rate); break;
    case PROP_MEMORY_DIRTY_RATE: g_value_set_uint64 (value, self->memory_dirty_rate); break;
    case PROP_ITERATION: g_value_set_uint64 (value, self->iteration); break;
    case PROP_ELAPSED: g_value_set_uint64 (value, self->elapsed); break;
    case PROP_EXPECTED_END_TIME: g_value_set_int64 (value, self->expected_end_time); break;
    case PROP_DOWNTIME: g_value_set_uint64 (value, self->downtime); break;
    case PROP_ERROR: g_value_set_boxed (value, self->error); break;
    case PROP_LIBVIRT_API: g_value_set_string (value, self->libvirt_api); break;
    case PROP_LIBVIRT_FLAGS: g_value_set_uint (value, self->libvirt_flags); break;
    case PROP_POLL_INTERVAL: g_value_set_uint (value, virt_migrate_job_get_poll_interval (self)); break;
    case PROP_POLICY: g_value_set_object (value, self->policy); break;
    case PROP_CONFIG_OUTCOME: g_value_set_object (value, self->config_outcome); break;
    case PROP_EXPECTED_CONFIG_OUTCOME: g_value_set_object (value, self->expected_config_outcome); break;
    case PROP_MESSAGES: g_value_set_boxed (value, self->messages->pdata); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_job_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  VirtMigrateJob *self = VIRT_MIGRATE_JOB (object);

  switch (prop_id)
    {
    case PROP_REQUEST:
      /* A frozen request (the manager's, shared with the backend) cannot
       * change; another is copied and frozen, so that changing the
       * caller's later cannot change a running migration. */
      self->request = virt_migrate_request_frozen (g_value_get_object (value));
      virt_migrate_recovery_init (&self->recovery, self->request);
      self->request_variant = g_variant_ref_sink (virt_migrate_request_to_variant (self->request));
      break;
    case PROP_POLL_INTERVAL:
      virt_migrate_job_set_poll_interval (self, g_value_get_uint (value));
      break;
    case PROP_POLICY:
      virt_migrate_job_set_policy (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_job_finalize (GObject *object)
{
  VirtMigrateJob *self = VIRT_MIGRATE_JOB (object);

  g_assert (self->task == NULL);
  virt_migrate_job_stop_schedule (self);
  if (self->recovery_source != NULL)
    {
      g_source_destroy (self->recovery_source);
      g_clear_pointer (&self->recovery_source, g_source_unref);
    }
  g_clear_object (&self->worker);
  g_clear_object (&self->backend);
  g_clear_object (&self->request);
  g_clear_pointer (&self->request_variant, g_variant_unref);
  g_clear_object (&self->policy);
  g_clear_pointer (&self->progress_unit, virt_migrate_progress_free);
  g_clear_pointer (&self->convergence, virt_migrate_convergence_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->error);
  g_clear_error (&self->policy_error);
  g_clear_pointer (&self->libvirt_api, g_free);
  g_clear_pointer (&self->domain_name, g_free);
  g_clear_pointer (&self->domain_uuid, g_free);
  g_clear_pointer (&self->verdict, g_variant_unref);
  g_clear_object (&self->config_outcome);
  g_clear_object (&self->expected_config_outcome);
  g_clear_pointer (&self->messages, g_ptr_array_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (virt_migrate_job_parent_class)->finalize (object);
}

#define RO (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
virt_migrate_job_class_init (VirtMigrateJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = virt_migrate_job_get_property;
  object_class->set_property = virt_migrate_job_set_property;
  object_class->finalize = virt_migrate_job_finalize;

  /**
   * VirtMigrateJob:id:
   *
   * A number unique among the jobs of this process.
   */
  props[PROP_ID] = g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT, 0, RO);
  /**
   * VirtMigrateJob:request:
   *
   * The request this job runs (a private copy of the one given).
   */
  props[PROP_REQUEST] = g_param_spec_object ("request", NULL, NULL, VIRT_MIGRATE_TYPE_REQUEST,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                             G_PARAM_STATIC_STRINGS);
  /**
   * VirtMigrateJob:state:
   *
   * Where the job is in its life cycle.
   */
  props[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, VIRT_MIGRATE_TYPE_JOB_STATE,
                                         VIRT_MIGRATE_JOB_STATE_PENDING, RO);
  /**
   * VirtMigrateJob:progress:
   *
   * The fraction done, from 0.0 to 1.0; it never decreases.
   */
  props[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0, RO);
  /**
   * VirtMigrateJob:data-total:
   *
   * Bytes to move: the guest's RAM plus any disks being copied.
   */
  props[PROP_DATA_TOTAL] = g_param_spec_uint64 ("data-total", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:data-processed:
   *
   * Bytes of #VirtMigrateJob:data-total already moved (total minus
   * remaining); equal to the total once the job succeeded.
   */
  props[PROP_DATA_PROCESSED] = g_param_spec_uint64 ("data-processed", NULL, NULL,
                                                    0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:data-remaining:
   *
   * Bytes still to move as libvirt reports them; may grow when the guest
   * dirties memory again.
   */
  props[PROP_DATA_REMAINING] = g_param_spec_uint64 ("data-remaining", NULL, NULL,
                                                    0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:data-transferred:
   *
   * Bytes actually sent (libvirt's `VIR_DOMAIN_JOB_DATA_PROCESSED`): pages
   * sent again count again, zero pages count almost nothing.
   */
  props[PROP_DATA_TRANSFERRED] = g_param_spec_uint64 ("data-transferred", NULL, NULL,
                                                      0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:rate:
   *
   * Transfer rate in bytes per second.
   */
  props[PROP_RATE] = g_param_spec_uint64 ("rate", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:memory-dirty-rate:
   *
   * How fast the guest dirties memory, in bytes per second.
   */
  props[PROP_MEMORY_DIRTY_RATE] = g_param_spec_uint64 ("memory-dirty-rate", NULL, NULL,
                                                       0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:iteration:
   *
   * Number of passes over the guest's memory so far.
   */
  props[PROP_ITERATION] = g_param_spec_uint64 ("iteration", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:elapsed:
   *
   * Milliseconds since the job started.
   */
  props[PROP_ELAPSED] = g_param_spec_uint64 ("elapsed", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:expected-end-time:
   *
   * When the migration is expected to finish, in microseconds since the
   * Unix epoch (as g_get_real_time()); 0 if unknown.
   */
  props[PROP_EXPECTED_END_TIME] = g_param_spec_int64 ("expected-end-time", NULL, NULL,
                                                      0, G_MAXINT64, 0, RO);
  /**
   * VirtMigrateJob:downtime:
   *
   * How long the guest was paused at switch-over, in milliseconds, as
   * reported by the hypervisor when the migration completed.
   */
  props[PROP_DOWNTIME] = g_param_spec_uint64 ("downtime", NULL, NULL, 0, G_MAXUINT64, 0, RO);
  /**
   * VirtMigrateJob:error:
   *
   * Why the job failed; %NULL unless #VirtMigrateJob:state is
   * %VIRT_MIGRATE_JOB_STATE_FAILED.
   */
  props[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, RO);
  /**
   * VirtMigrateJob:libvirt-api:
   *
   * The libvirt function the migration calls (`virDomainMigrate3` or
   * `virDomainMigrateToURI3`); %NULL before the job started.
   */
  props[PROP_LIBVIRT_API] = g_param_spec_string ("libvirt-api", NULL, NULL, NULL, RO);
  /**
   * VirtMigrateJob:libvirt-flags:
   *
   * The `virDomainMigrateFlags` passed to libvirt.
   */
  props[PROP_LIBVIRT_FLAGS] = g_param_spec_uint ("libvirt-flags", NULL, NULL,
                                                 0, G_MAXUINT, 0, RO);
  /**
   * VirtMigrateJob:poll-interval:
   *
   * Milliseconds between two polls of libvirt's job statistics.
   */
  props[PROP_POLL_INTERVAL] = g_param_spec_uint ("poll-interval", NULL, NULL, 10, 60000,
                                                 DEFAULT_POLL_INTERVAL,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                 G_PARAM_STATIC_STRINGS);

  /**
   * VirtMigrateJob:policy:
   *
   * The convergence policy the job applies while it runs, or %NULL for
   * none. Set it before running the job.
   */
  props[PROP_POLICY] = g_param_spec_object ("policy", NULL, NULL, VIRT_MIGRATE_TYPE_POLICY,
                                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                            G_PARAM_STATIC_STRINGS);

  /**
   * VirtMigrateJob:config-outcome:
   *
   * What libvirt reports of the guest's configuration files after a
   * successful migration; %NULL before, after a failure, or when the
   * destination could not be queried.
   */
  props[PROP_CONFIG_OUTCOME] = g_param_spec_object ("config-outcome", NULL, NULL,
                                                    VIRT_MIGRATE_TYPE_CONFIG_OUTCOME, RO);
  /**
   * VirtMigrateJob:expected-config-outcome:
   *
   * The outcome the migration guide's table predicts from the state before
   * the migration (see virt_migrate_config_outcome_predict()); a warning is
   * added to #VirtMigrateJob:messages when #VirtMigrateJob:config-outcome
   * differs.
   */
  props[PROP_EXPECTED_CONFIG_OUTCOME] = g_param_spec_object ("expected-config-outcome", NULL, NULL,
                                                             VIRT_MIGRATE_TYPE_CONFIG_OUTCOME, RO);
  /**
   * VirtMigrateJob:messages:
   *
   * The job's log: notable things that happened, oldest first, warnings
   * prefixed with "warning: ".
   */
  props[PROP_MESSAGES] = g_param_spec_boxed ("messages", NULL, NULL, G_TYPE_STRV, RO);

  /**
   * VirtMigrateJob:phase:
   *
   * What the migration is doing now: connecting, copying disks, sending
   * memory (#VirtMigrateJob:iteration is the pass), the switch-over,
   * post-copy, finishing; `none` before it runs, `done` after.
   */
  props[PROP_PHASE] = g_param_spec_enum ("phase", NULL, NULL, VIRT_MIGRATE_TYPE_PHASE,
                                         VIRT_MIGRATE_PHASE_NONE, RO);
  /**
   * VirtMigrateJob:verdict:
   *
   * The pre-flight checks the job ran before asking libvirt to migrate,
   * an `a{sv}` as virt_migrate_plan_get_verdict() describes; %NULL until
   * they ran (and for a job that follows a migration libvirt already runs).
   * A blocker in it ended the job with %VIRT_MIGRATE_ERROR_PREFLIGHT.
   */
  props[PROP_VERDICT] = g_param_spec_variant ("verdict", NULL, NULL, G_VARIANT_TYPE_VARDICT, NULL, RO);

  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * VirtMigrateJob::completed:
   * @self: the job
   *
   * Emitted once when the job ends, whatever the outcome; the job's state
   * and error say how it ended.
   */
  signals[SIGNAL_COMPLETED] = g_signal_new ("completed", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 0);
}

static guint next_id = 1;

static void
virt_migrate_job_init (VirtMigrateJob *self)
{
  self->id = g_atomic_int_add (&next_id, 1);
  self->state = VIRT_MIGRATE_JOB_STATE_PENDING;
  self->poll_interval = DEFAULT_POLL_INTERVAL;
  self->context = g_main_context_ref_thread_default ();
  self->messages = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->started_by_uid = -1;
  self->progress_unit = virt_migrate_progress_new ();
  g_mutex_init (&self->lock);
}

/* A job whose blocking operations go through @backend (the tests' fake). */
VirtMigrateJob *
virt_migrate_job_new_with_backend (VirtMigrateRequest *request,
                                   VirtMigrateBackend *backend)
{
  VirtMigrateJob *self;

  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (request), NULL);
  g_return_val_if_fail (VIRT_MIGRATE_IS_BACKEND (backend), NULL);

  self = g_object_new (VIRT_MIGRATE_TYPE_JOB, "request", request, NULL);
  self->backend = g_object_ref (backend);
  return self;
}

/**
 * virt_migrate_job_set_started_by_uid:
 * @self: a #VirtMigrateJob
 * @uid: the user the job runs for
 *
 * Records who started the job: a manager sets this process's user when it
 * creates a job, a D-Bus service the caller's.  Shown as `StartedByUid`.
 */
void
virt_migrate_job_set_started_by_uid (VirtMigrateJob *self,
                                     guint           uid)
{
  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  self->started_by_uid = uid;
}

/**
 * virt_migrate_job_get_started_by_uid:
 * @self: a #VirtMigrateJob
 *
 * Returns: the user the job runs for, or -1 when nobody said (a job from
 *   virt_migrate_job_new())
 */
gint64
virt_migrate_job_get_started_by_uid (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), -1);
  return self->started_by_uid;
}

/**
 * virt_migrate_job_is_cancelable:
 * @self: a #VirtMigrateJob
 *
 * Returns: whether virt_migrate_job_cancel() can stop the job now: not
 *   finished and not in post-copy (the guest already runs on the destination)
 */
gboolean
virt_migrate_job_is_cancelable (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);
  return !virt_migrate_job_state_is_final (self->state) && self->state != VIRT_MIGRATE_JOB_STATE_POSTCOPY &&
         self->state != VIRT_MIGRATE_JOB_STATE_RECOVERING;
}

/* Adds @message to the job's log (#VirtMigrateJob:messages). */
void
virt_migrate_job_log (VirtMigrateJob *self,
                      const char     *message)
{
  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  virt_migrate_job_add_message (self, "%s", message);
}

/* A job that does not start a migration but follows the one libvirt runs
 * (or ran) for @request, under the id @id it had before (a restarted
 * daemon). New jobs get ids after it. */
VirtMigrateJob *
virt_migrate_job_new_adopted (VirtMigrateRequest *request,
                              VirtMigrateBackend *backend,
                              guint               id)
{
  VirtMigrateJob *self = virt_migrate_job_new_with_backend (request, backend);

  virt_migrate_job_set_id (self, id);
  self->adopted = TRUE;
  return self;
}

/* Before anyone sees the job: its id from elsewhere (a history's counter,
 * a record).  Jobs numbered by this process come after it (an id at the
 * counter's end would wrap it to 0 and spin here: the store refuses those). */
void
virt_migrate_job_set_id (VirtMigrateJob *self,
                         guint           id)
{
  guint next;

  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  g_return_if_fail (id != 0);

  self->id = id;
  while (id < G_MAXUINT32 && (next = (guint) g_atomic_int_get (&next_id)) <= id)
    g_atomic_int_compare_and_exchange (&next_id, next, id + 1);
}

/**
 * virt_migrate_job_new:
 * @request: what to migrate
 *
 * Creates a job for exactly @request, sharing the process-wide libvirt
 * connections.  Such a job lacks what a manager adds: the settings'
 * defaults, the convergence policy (unless virt_migrate_job_set_policy()),
 * the parallel limits and queue, the check that the guest is not being
 * migrated already, and restart recovery.  Use virt_migrate_manager_start()
 * for all of those.
 *
 * Returns: (transfer full): a new #VirtMigrateJob
 */
VirtMigrateJob *
virt_migrate_job_new (VirtMigrateRequest *request)
{
  g_autoptr(VirtMigrateBackend) backend = NULL;
  g_autoptr(VirtMigrateRequest) frozen = NULL;

  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (request), NULL);
  /* One copy for the job and its backend, which cannot change under them. */
  frozen = virt_migrate_request_frozen (request);
  backend = virt_migrate_libvirt_backend_new (frozen, virt_migrate_connection_pool_get_default (), FALSE);
  return virt_migrate_job_new_with_backend (frozen, backend);
}

/* --- getters ------------------------------------------------------------ */

/**
 * virt_migrate_job_get_id:
 * @self: a #VirtMigrateJob
 *
 * Returns: the job's number, unique in this process
 */
guint
virt_migrate_job_get_id (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->id;
}

/**
 * virt_migrate_job_get_request:
 * @self: a #VirtMigrateJob
 *
 * Returns: (transfer none): the job's request
 */
VirtMigrateRequest *
virt_migrate_job_get_request (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return self->request;
}

/**
 * virt_migrate_job_get_state:
 * @self: a #VirtMigrateJob
 *
 * Returns: the job's state
 */
VirtMigrateJobState
virt_migrate_job_get_state (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), VIRT_MIGRATE_JOB_STATE_PENDING);
  return self->state;
}

/**
 * virt_migrate_job_get_verdict:
 * @self: a #VirtMigrateJob
 *
 * Returns: (transfer none) (nullable): #VirtMigrateJob:verdict
 */
GVariant *
virt_migrate_job_get_verdict (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return self->verdict;
}

/**
 * virt_migrate_job_get_phase:
 * @self: a #VirtMigrateJob
 *
 * Returns: #VirtMigrateJob:phase
 */
VirtMigratePhase
virt_migrate_job_get_phase (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), VIRT_MIGRATE_PHASE_NONE);
  return self->phase;
}

/**
 * virt_migrate_job_is_finished:
 * @self: a #VirtMigrateJob
 *
 * Returns: %TRUE if the job succeeded, failed or was cancelled
 */
gboolean
virt_migrate_job_is_finished (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), FALSE);
  return virt_migrate_job_state_is_final (self->state);
}

/**
 * virt_migrate_job_get_progress:
 * @self: a #VirtMigrateJob
 *
 * Returns: the fraction done, 0.0 to 1.0
 */
gdouble
virt_migrate_job_get_progress (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0.0);
  return self->progress;
}

/**
 * virt_migrate_job_get_data_total:
 * @self: a #VirtMigrateJob
 *
 * Returns: bytes to move
 */
guint64
virt_migrate_job_get_data_total (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->data_total;
}

/**
 * virt_migrate_job_get_data_processed:
 * @self: a #VirtMigrateJob
 *
 * Returns: bytes moved
 */
guint64
virt_migrate_job_get_data_processed (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->data_processed;
}

/**
 * virt_migrate_job_get_data_remaining:
 * @self: a #VirtMigrateJob
 *
 * Returns: bytes still to move
 */
guint64
virt_migrate_job_get_data_remaining (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->data_remaining;
}

/**
 * virt_migrate_job_get_data_transferred:
 * @self: a #VirtMigrateJob
 *
 * Returns: bytes sent on the wire
 */
guint64
virt_migrate_job_get_data_transferred (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->data_transferred;
}

/**
 * virt_migrate_job_get_rate:
 * @self: a #VirtMigrateJob
 *
 * Returns: the transfer rate in bytes per second
 */
guint64
virt_migrate_job_get_rate (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->rate;
}

/**
 * virt_migrate_job_get_memory_dirty_rate:
 * @self: a #VirtMigrateJob
 *
 * Returns: the guest's memory dirty rate in bytes per second
 */
guint64
virt_migrate_job_get_memory_dirty_rate (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->memory_dirty_rate;
}

/**
 * virt_migrate_job_get_iteration:
 * @self: a #VirtMigrateJob
 *
 * Returns: passes over memory so far
 */
guint64
virt_migrate_job_get_iteration (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->iteration;
}

/**
 * virt_migrate_job_get_elapsed:
 * @self: a #VirtMigrateJob
 *
 * Returns: milliseconds since the job started
 */
guint64
virt_migrate_job_get_elapsed (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->elapsed;
}

/**
 * virt_migrate_job_get_expected_end_time:
 * @self: a #VirtMigrateJob
 *
 * Returns: expected end in microseconds since the epoch, 0 if unknown
 */
gint64
virt_migrate_job_get_expected_end_time (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->expected_end_time;
}

/**
 * virt_migrate_job_get_downtime:
 * @self: a #VirtMigrateJob
 *
 * Returns: the final downtime in milliseconds
 */
guint64
virt_migrate_job_get_downtime (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->downtime;
}

/**
 * virt_migrate_job_get_error:
 * @self: a #VirtMigrateJob
 *
 * Returns: (nullable) (transfer none): why the job failed, or %NULL
 */
const GError *
virt_migrate_job_get_error (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return self->error;
}

/**
 * virt_migrate_job_get_libvirt_api:
 * @self: a #VirtMigrateJob
 *
 * Returns: (nullable): the libvirt function called
 */
const char *
virt_migrate_job_get_libvirt_api (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return self->libvirt_api;
}

/**
 * virt_migrate_job_get_libvirt_flags:
 * @self: a #VirtMigrateJob
 *
 * Returns: the `virDomainMigrateFlags` passed to libvirt
 */
guint
virt_migrate_job_get_libvirt_flags (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->libvirt_flags;
}

/**
 * virt_migrate_job_get_policy:
 * @self: a #VirtMigrateJob
 *
 * Returns: (transfer none) (nullable): #VirtMigrateJob:policy
 */
VirtMigratePolicy *
virt_migrate_job_get_policy (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return self->policy;
}

/**
 * virt_migrate_job_set_policy:
 * @self: a #VirtMigrateJob
 * @policy: (nullable): the convergence policy, %NULL for none
 *
 * Sets #VirtMigrateJob:policy; takes effect when the job runs.
 */
void
virt_migrate_job_set_policy (VirtMigrateJob    *self,
                             VirtMigratePolicy *policy)
{
  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  g_return_if_fail (policy == NULL || VIRT_MIGRATE_IS_POLICY (policy));

  if (g_set_object (&self->policy, policy))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_POLICY]);
}

/**
 * virt_migrate_job_get_config_outcome:
 * @self: a #VirtMigrateJob
 *
 * Returns: (nullable) (transfer none): the configuration outcome libvirt
 *   reported after the migration
 */
VirtMigrateConfigOutcome *
virt_migrate_job_get_config_outcome (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return self->config_outcome;
}

/**
 * virt_migrate_job_get_expected_config_outcome:
 * @self: a #VirtMigrateJob
 *
 * Returns: (nullable) (transfer none): the configuration outcome the guide's
 *   table predicted
 */
VirtMigrateConfigOutcome *
virt_migrate_job_get_expected_config_outcome (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return self->expected_config_outcome;
}

/**
 * virt_migrate_job_get_messages:
 * @self: a #VirtMigrateJob
 *
 * Returns: (transfer none) (array zero-terminated=1): the job's log
 */
const char * const *
virt_migrate_job_get_messages (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);
  return (const char * const *) self->messages->pdata;
}

void
virt_migrate_job_set_adopted_start (VirtMigrateJob *self,
                                    gint64          start_real_time)
{
  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  self->adopted_start = start_real_time;
}

gint64
virt_migrate_job_get_start_real_time (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->start_real_time;
}
