/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <unistd.h>

#include "virt-migrate-drain-internal.h"
#include "virt-migrate-enum-types.h"
#include "virt-migrate-error.h"


/**
 * VirtMigrateDrain:
 *
 * Moves every running guest off a host: the everyday migration of a host
 * going into maintenance. Made by virt_migrate_manager_create_drain() from
 * a request (how each guest is migrated: flow, flags, bandwidth; its
 * domain and destination are left out) and the destinations; started with
 * virt_migrate_drain_run_async().
 *
 * It decides everything before anything moves: it lists the source's
 * running guests (minus #VirtMigrateDrain:exclude, within
 * #VirtMigrateDrain:include), runs the pre-flight checks of each against
 * every destination, gives each guest a destination by
 * #VirtMigrateDrain:placement, or leaves it with the reason, and orders
 * the movers smallest memory first (the most guests off soonest). Then it
 * migrates them, at most #VirtMigrateDrain:max-parallel at once, each as a
 * #VirtMigrateJob of the manager (so the manager's own limits hold too). A
 * guest whose migration fails does not stop the others.
 *
 * #VirtMigrateDrain:guests is the table, one row per guest, as an `aa{sv}`:
 * `domain`, `uuid`, `memory` (bytes), `position` (its turn, 0 for a guest
 * that stays), `destination`, `rule` (why that destination), `outcome`
 * (`left`, `planned`, `queued`, `running`, `moved`, `failed`,
 * `cancelled`), `reason` (why it stays or failed, libvirt's message
 * included) and `job` (the job's id, 0 before it started).
 *
 * virt_migrate_drain_cancel() stops it: the queued guests stay where they
 * are, the running migrations are cancelled (a guest already in post-copy
 * finishes on the destination); every guest runs on exactly one host.
 */
enum {
  PROP_0,
  PROP_ID,
  PROP_SOURCE_URI,
  PROP_DESTINATIONS,
  PROP_REQUEST,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_GUESTS,
  PROP_N_GUESTS,
  PROP_N_MOVED,
  PROP_N_LEFT,
  PROP_N_FAILED,
  PROP_N_ACTIVE,
  PROP_MAX_PARALLEL,
  PROP_PLACEMENT,
  PROP_INCLUDE,
  PROP_EXCLUDE,
  PROP_DRY_RUN,
  PROP_STARTED_BY_UID,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_COMPLETED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (VirtMigrateDrain, virt_migrate_drain, G_TYPE_OBJECT)

void
virt_migrate_drain_row_detach (Row *row)
{
  if (row->job != NULL)
    {
      g_clear_signal_handler (&row->completed_id, row->job);
      g_clear_signal_handler (&row->progress_id, row->job);
      g_clear_signal_handler (&row->state_id, row->job);
      g_clear_object (&row->job);
    }
}

void
virt_migrate_drain_row_free (Row *row)
{
  virt_migrate_drain_row_detach (row);
  g_free (row->domain);
  g_free (row->uuid);
  g_free (row->destination);
  g_free (row->rule);
  g_free (row->reason);
  g_free (row);
}

static const char *const outcome_nicks[] = {
  [DRAIN_OUTCOME_QUEUED] = "queued",
  [DRAIN_OUTCOME_PLANNED] = "planned",
  [DRAIN_OUTCOME_RUNNING] = "running",
  [DRAIN_OUTCOME_MOVED] = "moved",
  [DRAIN_OUTCOME_LEFT] = "left",
  [DRAIN_OUTCOME_FAILED] = "failed",
  [DRAIN_OUTCOME_CANCELLED] = "cancelled",
};

const char *
virt_migrate_drain_outcome_to_nick (DrainOutcome outcome)
{
  g_return_val_if_fail (outcome >= 0 && (guint) outcome < G_N_ELEMENTS (outcome_nicks), "left");
  return outcome_nicks[outcome];
}

/* A record's outcome; one this version does not know is "left". */
DrainOutcome
virt_migrate_drain_outcome_from_nick (const char *nick)
{
  for (guint i = 0; nick != NULL && i < G_N_ELEMENTS (outcome_nicks); i++)
    if (g_str_equal (outcome_nicks[i], nick))
      return (DrainOutcome) i;
  return DRAIN_OUTCOME_LEFT;
}

void
virt_migrate_drain_row_set (Row *row, DrainOutcome outcome, const char *reason)
{
  row->outcome = outcome;
  if (reason != NULL)
    {
      g_free (row->reason);
      row->reason = g_strdup (reason);
    }
}

gboolean
virt_migrate_drain_row_is (const Row *row, DrainOutcome outcome)
{
  return row->outcome == outcome;
}


/* --- GObject -------------------------------------------------------------- */

static void
virt_migrate_drain_dispose (GObject *object)
{
  VirtMigrateDrain *self = VIRT_MIGRATE_DRAIN (object);

  if (self->rows != NULL)
    for (guint i = 0; i < self->rows->len; i++)
      virt_migrate_drain_row_detach (g_ptr_array_index (self->rows, i));
  g_clear_weak_pointer (&self->host);
  G_OBJECT_CLASS (virt_migrate_drain_parent_class)->dispose (object);
}

static void
virt_migrate_drain_finalize (GObject *object)
{
  VirtMigrateDrain *self = VIRT_MIGRATE_DRAIN (object);

  g_clear_object (&self->request);
  g_strfreev (self->destinations);
  g_strfreev (self->include);
  g_strfreev (self->exclude);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_object (&self->task);
  g_clear_object (&self->planning);
  g_free (self->error_message);
  G_OBJECT_CLASS (virt_migrate_drain_parent_class)->finalize (object);
}

static void
virt_migrate_drain_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VirtMigrateDrain *self = VIRT_MIGRATE_DRAIN (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_uint (value, self->id); break;
    case PROP_SOURCE_URI: g_value_set_string (value, virt_migrate_drain_get_source_uri (self)); break;
    case PROP_DESTINATIONS: g_value_set_boxed (value, self->destinations); break;
    case PROP_REQUEST: g_value_set_object (value, self->request); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_PROGRESS: g_value_set_double (value, virt_migrate_drain_get_progress (self)); break;
    case PROP_GUESTS: g_value_take_variant (value, virt_migrate_drain_get_guests (self)); break;
    case PROP_N_GUESTS: g_value_set_uint (value, virt_migrate_drain_get_n_guests (self)); break;
    case PROP_N_MOVED: g_value_set_uint (value, virt_migrate_drain_get_n_moved (self)); break;
    case PROP_N_LEFT: g_value_set_uint (value, virt_migrate_drain_get_n_left (self)); break;
    case PROP_N_FAILED: g_value_set_uint (value, virt_migrate_drain_get_n_failed (self)); break;
    case PROP_N_ACTIVE: g_value_set_uint (value, virt_migrate_drain_get_n_active (self)); break;
    case PROP_MAX_PARALLEL: g_value_set_uint (value, self->max_parallel); break;
    case PROP_PLACEMENT: g_value_set_enum (value, self->placement); break;
    case PROP_INCLUDE: g_value_set_boxed (value, self->include); break;
    case PROP_EXCLUDE: g_value_set_boxed (value, self->exclude); break;
    case PROP_DRY_RUN: g_value_set_boolean (value, self->dry_run); break;
    case PROP_STARTED_BY_UID: g_value_set_int64 (value, self->started_by_uid); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_drain_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  VirtMigrateDrain *self = VIRT_MIGRATE_DRAIN (object);

  switch (prop_id)
    {
    case PROP_MAX_PARALLEL: virt_migrate_drain_set_max_parallel (self, g_value_get_uint (value)); break;
    case PROP_PLACEMENT: virt_migrate_drain_set_placement (self, g_value_get_enum (value)); break;
    case PROP_INCLUDE: virt_migrate_drain_set_include (self, g_value_get_boxed (value)); break;
    case PROP_EXCLUDE: virt_migrate_drain_set_exclude (self, g_value_get_boxed (value)); break;
    case PROP_DRY_RUN: virt_migrate_drain_set_dry_run (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_drain_class_init (VirtMigrateDrainClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = virt_migrate_drain_dispose;
  object_class->finalize = virt_migrate_drain_finalize;
  object_class->get_property = virt_migrate_drain_get_property;
  object_class->set_property = virt_migrate_drain_set_property;

  /**
   * VirtMigrateDrain:id:
   *
   * The drain's number, unique in the process (and kept over a restart of
   * a daemon with a state directory).
   */
  props[PROP_ID] = g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT, 0, ro);
  /**
   * VirtMigrateDrain:source-uri:
   *
   * The host being drained (the request's source URI).
   */
  props[PROP_SOURCE_URI] = g_param_spec_string ("source-uri", NULL, NULL, NULL, ro);
  /**
   * VirtMigrateDrain:destinations:
   *
   * Where the guests may go, in the order given.
   */
  props[PROP_DESTINATIONS] = g_param_spec_boxed ("destinations", NULL, NULL, G_TYPE_STRV, ro);
  /**
   * VirtMigrateDrain:request:
   *
   * How each guest migrates: the request every guest's job is made from,
   * with the guest and its destination filled in.
   */
  props[PROP_REQUEST] = g_param_spec_object ("request", NULL, NULL, VIRT_MIGRATE_TYPE_REQUEST, ro);
  /**
   * VirtMigrateDrain:state:
   *
   * Where the drain is in its life.
   */
  props[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, VIRT_MIGRATE_TYPE_DRAIN_STATE,
                                         VIRT_MIGRATE_DRAIN_STATE_PENDING, ro);
  /**
   * VirtMigrateDrain:progress:
   *
   * From 0 to 1: the guests decided (moved, left, failed) plus the running
   * migrations' progress, over all the guests.
   */
  props[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0, 1, 0, ro);
  /**
   * VirtMigrateDrain:guests:
   *
   * The table, one `a{sv}` row per guest (see #VirtMigrateDrain).
   */
  props[PROP_GUESTS] = g_param_spec_variant ("guests", NULL, NULL, G_VARIANT_TYPE ("aa{sv}"), NULL, ro);
  /**
   * VirtMigrateDrain:n-guests:
   *
   * How many guests the drain took on (after include and exclude).
   */
  props[PROP_N_GUESTS] = g_param_spec_uint ("n-guests", NULL, NULL, 0, G_MAXUINT, 0, ro);
  /**
   * VirtMigrateDrain:n-moved:
   *
   * How many guests moved.
   */
  props[PROP_N_MOVED] = g_param_spec_uint ("n-moved", NULL, NULL, 0, G_MAXUINT, 0, ro);
  /**
   * VirtMigrateDrain:n-left:
   *
   * How many guests stay on the source: no destination could take them,
   * or the drain was cancelled before their turn.
   */
  props[PROP_N_LEFT] = g_param_spec_uint ("n-left", NULL, NULL, 0, G_MAXUINT, 0, ro);
  /**
   * VirtMigrateDrain:n-failed:
   *
   * How many guests' migrations failed or were cancelled (they run on the
   * source).
   */
  props[PROP_N_FAILED] = g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0, ro);
  /**
   * VirtMigrateDrain:n-active:
   *
   * How many guests are queued or migrating now.
   */
  props[PROP_N_ACTIVE] = g_param_spec_uint ("n-active", NULL, NULL, 0, G_MAXUINT, 0, ro);
  /**
   * VirtMigrateDrain:max-parallel:
   *
   * At most this many of the drain's migrations at once; 0: as many as
   * the manager's limits allow (#VirtMigrateSettings:max-parallel and the
   * per-host ones, which hold in any case).
   */
  props[PROP_MAX_PARALLEL] = g_param_spec_uint ("max-parallel", NULL, NULL, 0, 1024, 0, rw);
  /**
   * VirtMigrateDrain:placement:
   *
   * How a destination is picked among those that can take a guest.
   */
  props[PROP_PLACEMENT] = g_param_spec_enum ("placement", NULL, NULL, VIRT_MIGRATE_TYPE_DRAIN_PLACEMENT,
                                             VIRT_MIGRATE_DRAIN_PLACEMENT_MOST_FREE_MEMORY, rw);
  /**
   * VirtMigrateDrain:include:
   *
   * Only the guests whose name matches one of these (glob patterns, `*`
   * and `?`); %NULL or empty: every guest.
   */
  props[PROP_INCLUDE] = g_param_spec_boxed ("include", NULL, NULL, G_TYPE_STRV, rw);
  /**
   * VirtMigrateDrain:exclude:
   *
   * Not the guests whose name matches one of these (glob patterns); they
   * are not part of the drain.
   */
  props[PROP_EXCLUDE] = g_param_spec_boxed ("exclude", NULL, NULL, G_TYPE_STRV, rw);
  /**
   * VirtMigrateDrain:dry-run:
   *
   * Only decide: the drain ends in %VIRT_MIGRATE_DRAIN_STATE_PLANNED with
   * every guest's destination or reason, and nothing moves.
   */
  props[PROP_DRY_RUN] = g_param_spec_boolean ("dry-run", NULL, NULL, FALSE, rw);
  /**
   * VirtMigrateDrain:started-by-uid:
   *
   * The uid the drain runs for (its jobs' owner), -1 if unknown.
   */
  props[PROP_STARTED_BY_UID] = g_param_spec_int64 ("started-by-uid", NULL, NULL, -1, G_MAXUINT32, -1, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * VirtMigrateDrain::completed:
   * @self: the drain
   *
   * Emitted once, when the drain ends (planned, succeeded, incomplete,
   * cancelled or failed), after its last property change.
   */
  signals[SIGNAL_COMPLETED] = g_signal_new ("completed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
virt_migrate_drain_init (VirtMigrateDrain *self)
{
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_row_free);
  self->started_by_uid = -1;
}

VirtMigrateDrain *
virt_migrate_drain_new (GObject                    *host,
                        const VirtMigrateDrainHost *vtable,
                        VirtMigrateRequest         *request,
                        const char * const         *destinations,
                        guint                       id)
{
  VirtMigrateDrain *self = g_object_new (VIRT_MIGRATE_TYPE_DRAIN, NULL);

  g_set_weak_pointer (&self->host, host);
  self->vtable = vtable;
  self->request = virt_migrate_request_copy (request);
  self->destinations = g_strdupv ((char **) destinations);
  self->id = id;
  return self;
}

/* --- getters and setters -------------------------------------------------- */

/**
 * virt_migrate_drain_get_id:
 * @self: a #VirtMigrateDrain
 *
 * Returns: the drain's number
 */
guint
virt_migrate_drain_get_id (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), 0);
  return self->id;
}

/**
 * virt_migrate_drain_get_source_uri:
 * @self: a #VirtMigrateDrain
 *
 * Returns: (transfer none): the host being drained
 */
const char *
virt_migrate_drain_get_source_uri (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), NULL);
  return virt_migrate_request_get_source_uri (self->request);
}

/**
 * virt_migrate_drain_get_destinations:
 * @self: a #VirtMigrateDrain
 *
 * Returns: (transfer none) (array zero-terminated=1): where the guests may go
 */
const char * const *
virt_migrate_drain_get_destinations (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), NULL);
  return (const char * const *) self->destinations;
}

/**
 * virt_migrate_drain_get_request:
 * @self: a #VirtMigrateDrain
 *
 * Returns: (transfer none): how each guest migrates
 */
VirtMigrateRequest *
virt_migrate_drain_get_request (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), NULL);
  return self->request;
}

/**
 * virt_migrate_drain_get_state:
 * @self: a #VirtMigrateDrain
 *
 * Returns: where the drain is
 */
VirtMigrateDrainState
virt_migrate_drain_get_state (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), VIRT_MIGRATE_DRAIN_STATE_PENDING);
  return self->state;
}

/**
 * virt_migrate_drain_is_finished:
 * @self: a #VirtMigrateDrain
 *
 * Returns: %TRUE once the drain ended (planned, succeeded, incomplete,
 *   cancelled or failed)
 */
gboolean
virt_migrate_drain_is_finished (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), FALSE);
  return virt_migrate_drain_state_is_final (self->state);
}

/**
 * virt_migrate_drain_state_is_final:
 * @state: a #VirtMigrateDrainState
 *
 * The one definition of a drain's end, for every front end.
 *
 * Returns: whether @state ends a drain: planned (a dry run), succeeded,
 *   incomplete, cancelled or failed
 */
gboolean
virt_migrate_drain_state_is_final (VirtMigrateDrainState state)
{
  return state >= VIRT_MIGRATE_DRAIN_STATE_SUCCEEDED || state == VIRT_MIGRATE_DRAIN_STATE_PLANNED;
}

guint
virt_migrate_drain_count (VirtMigrateDrain *self, DrainOutcome outcome, DrainOutcome or_outcome)
{
  guint n = 0;

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (virt_migrate_drain_row_is (row, outcome) || (or_outcome != DRAIN_OUTCOME_NONE && virt_migrate_drain_row_is (row, or_outcome)))
        n++;
    }
  return n;
}

/**
 * virt_migrate_drain_get_progress:
 * @self: a #VirtMigrateDrain
 *
 * Returns: from 0 to 1, see #VirtMigrateDrain:progress
 */
gdouble
virt_migrate_drain_get_progress (VirtMigrateDrain *self)
{
  gdouble done = 0;

  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), 0);

  if (virt_migrate_drain_is_finished (self))
    return 1.0;
  if (self->rows->len == 0)
    return 0.0;
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (virt_migrate_drain_row_is (row, DRAIN_OUTCOME_RUNNING) && row->job != NULL)
        done += virt_migrate_job_get_progress (row->job);
      else if (!virt_migrate_drain_row_is (row, DRAIN_OUTCOME_QUEUED) && !virt_migrate_drain_row_is (row, DRAIN_OUTCOME_RUNNING))
        done += 1;
    }
  return CLAMP (done / self->rows->len, 0.0, 1.0);
}

/**
 * virt_migrate_drain_get_guests:
 * @self: a #VirtMigrateDrain
 *
 * Returns: (transfer full): the table, an `aa{sv}` (see #VirtMigrateDrain)
 */
GVariant *
virt_migrate_drain_get_guests (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), NULL);
  return g_variant_ref_sink (virt_migrate_drain_table (self));
}

/**
 * virt_migrate_drain_get_n_guests:
 * @self: a #VirtMigrateDrain
 *
 * Returns: how many guests the drain took on
 */
guint
virt_migrate_drain_get_n_guests (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), 0);
  return self->rows->len;
}

/**
 * virt_migrate_drain_get_n_moved:
 * @self: a #VirtMigrateDrain
 *
 * Returns: how many guests moved
 */
guint
virt_migrate_drain_get_n_moved (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), 0);
  return virt_migrate_drain_count (self, DRAIN_OUTCOME_MOVED, DRAIN_OUTCOME_NONE);
}

/**
 * virt_migrate_drain_get_n_left:
 * @self: a #VirtMigrateDrain
 *
 * Returns: how many guests stay (no destination, or not started)
 */
guint
virt_migrate_drain_get_n_left (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), 0);
  return virt_migrate_drain_count (self, DRAIN_OUTCOME_LEFT, DRAIN_OUTCOME_NONE);
}

/**
 * virt_migrate_drain_get_n_failed:
 * @self: a #VirtMigrateDrain
 *
 * Returns: how many guests' migrations failed or were cancelled
 */
guint
virt_migrate_drain_get_n_failed (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), 0);
  return virt_migrate_drain_count (self, DRAIN_OUTCOME_FAILED, DRAIN_OUTCOME_CANCELLED);
}

/**
 * virt_migrate_drain_get_n_active:
 * @self: a #VirtMigrateDrain
 *
 * Returns: how many guests are queued or migrating
 */
guint
virt_migrate_drain_get_n_active (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), 0);
  return virt_migrate_drain_count (self, DRAIN_OUTCOME_QUEUED, DRAIN_OUTCOME_RUNNING);
}

/**
 * virt_migrate_drain_list_jobs:
 * @self: a #VirtMigrateDrain
 *
 * Returns: (transfer container) (element-type VirtMigrateJob): the jobs
 *   the drain runs now
 */
GPtrArray *
virt_migrate_drain_list_jobs (VirtMigrateDrain *self)
{
  GPtrArray *jobs;

  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), NULL);

  jobs = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row->job != NULL)
        g_ptr_array_add (jobs, g_object_ref (row->job));
    }
  return jobs;
}

/**
 * virt_migrate_drain_get_max_parallel:
 * @self: a #VirtMigrateDrain
 *
 * Returns: see #VirtMigrateDrain:max-parallel
 */
guint
virt_migrate_drain_get_max_parallel (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), 0);
  return self->max_parallel;
}

/**
 * virt_migrate_drain_set_max_parallel:
 * @self: a #VirtMigrateDrain
 * @max_parallel: at most this many migrations at once, 0 for the
 *   manager's limits only
 *
 * May change while the drain runs: a higher limit starts more guests now.
 */
void
virt_migrate_drain_set_max_parallel (VirtMigrateDrain *self,
                                     guint             max_parallel)
{
  g_return_if_fail (VIRT_MIGRATE_IS_DRAIN (self));
  if (self->max_parallel == max_parallel)
    return;
  self->max_parallel = max_parallel;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MAX_PARALLEL]);
  virt_migrate_drain_pump (self);
}

/**
 * virt_migrate_drain_get_placement:
 * @self: a #VirtMigrateDrain
 *
 * Returns: how destinations are picked
 */
VirtMigrateDrainPlacement
virt_migrate_drain_get_placement (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), VIRT_MIGRATE_DRAIN_PLACEMENT_MOST_FREE_MEMORY);
  return self->placement;
}

/**
 * virt_migrate_drain_set_placement:
 * @self: a #VirtMigrateDrain, not started yet
 * @placement: how to pick destinations
 */
void
virt_migrate_drain_set_placement (VirtMigrateDrain          *self,
                                  VirtMigrateDrainPlacement  placement)
{
  g_return_if_fail (VIRT_MIGRATE_IS_DRAIN (self));
  g_return_if_fail (self->state == VIRT_MIGRATE_DRAIN_STATE_PENDING);
  if (self->placement == placement)
    return;
  self->placement = placement;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PLACEMENT]);
}

/**
 * virt_migrate_drain_get_include:
 * @self: a #VirtMigrateDrain
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): see
 *   #VirtMigrateDrain:include
 */
const char * const *
virt_migrate_drain_get_include (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), NULL);
  return (const char * const *) self->include;
}

/**
 * virt_migrate_drain_set_include:
 * @self: a #VirtMigrateDrain, not started yet
 * @patterns: (array zero-terminated=1) (nullable): glob patterns of the
 *   guests to take, %NULL for all
 */
void
virt_migrate_drain_set_include (VirtMigrateDrain   *self,
                                const char * const *patterns)
{
  g_return_if_fail (VIRT_MIGRATE_IS_DRAIN (self));
  g_return_if_fail (self->state == VIRT_MIGRATE_DRAIN_STATE_PENDING);
  g_strfreev (self->include);
  self->include = g_strdupv ((char **) patterns);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_INCLUDE]);
}

/**
 * virt_migrate_drain_get_exclude:
 * @self: a #VirtMigrateDrain
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): see
 *   #VirtMigrateDrain:exclude
 */
const char * const *
virt_migrate_drain_get_exclude (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), NULL);
  return (const char * const *) self->exclude;
}

/**
 * virt_migrate_drain_set_exclude:
 * @self: a #VirtMigrateDrain, not started yet
 * @patterns: (array zero-terminated=1) (nullable): glob patterns of the
 *   guests to leave out
 */
void
virt_migrate_drain_set_exclude (VirtMigrateDrain   *self,
                                const char * const *patterns)
{
  g_return_if_fail (VIRT_MIGRATE_IS_DRAIN (self));
  g_return_if_fail (self->state == VIRT_MIGRATE_DRAIN_STATE_PENDING);
  g_strfreev (self->exclude);
  self->exclude = g_strdupv ((char **) patterns);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_EXCLUDE]);
}

/**
 * virt_migrate_drain_get_dry_run:
 * @self: a #VirtMigrateDrain
 *
 * Returns: whether the drain only decides
 */
gboolean
virt_migrate_drain_get_dry_run (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), FALSE);
  return self->dry_run;
}

/**
 * virt_migrate_drain_set_dry_run:
 * @self: a #VirtMigrateDrain, not started yet
 * @dry_run: only decide, move nothing
 */
void
virt_migrate_drain_set_dry_run (VirtMigrateDrain *self,
                                gboolean          dry_run)
{
  g_return_if_fail (VIRT_MIGRATE_IS_DRAIN (self));
  g_return_if_fail (self->state == VIRT_MIGRATE_DRAIN_STATE_PENDING);
  if (self->dry_run == !!dry_run)
    return;
  self->dry_run = !!dry_run;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DRY_RUN]);
}

/**
 * virt_migrate_drain_get_started_by_uid:
 * @self: a #VirtMigrateDrain
 *
 * Returns: the uid the drain runs for, -1 if unknown
 */
gint64
virt_migrate_drain_get_started_by_uid (VirtMigrateDrain *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), -1);
  return self->started_by_uid;
}

/**
 * virt_migrate_drain_set_started_by_uid:
 * @self: a #VirtMigrateDrain
 * @uid: the uid it runs for; its jobs get it too
 */
void
virt_migrate_drain_set_started_by_uid (VirtMigrateDrain *self,
                                       guint             uid)
{
  g_return_if_fail (VIRT_MIGRATE_IS_DRAIN (self));
  self->started_by_uid = uid;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STARTED_BY_UID]);
}

/* --- state ----------------------------------------------------------------- */

void
virt_migrate_drain_set_state (VirtMigrateDrain *self, VirtMigrateDrainState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

void
virt_migrate_drain_table_changed (VirtMigrateDrain *self)
{
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_GUESTS]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_GUESTS]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_MOVED]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_LEFT]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_FAILED]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_ACTIVE]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROGRESS]);
  g_object_thaw_notify (G_OBJECT (self));
}

char *
virt_migrate_drain_summary (VirtMigrateDrain *self)
{
  guint moved = virt_migrate_drain_get_n_moved (self);
  guint left = virt_migrate_drain_get_n_left (self);
  guint failed = virt_migrate_drain_count (self, DRAIN_OUTCOME_FAILED, DRAIN_OUTCOME_NONE);
  guint cancelled = virt_migrate_drain_count (self, DRAIN_OUTCOME_CANCELLED, DRAIN_OUTCOME_NONE);

  if (self->error_message != NULL)
    return g_strdup_printf ("Nothing moved: %s", self->error_message);
  return g_strdup_printf ("%u of %u guest%s moved, %u left on the source, %u failed%s%.0u%s",
                          moved, self->rows->len, self->rows->len == 1 ? "" : "s", left, failed,
                          cancelled > 0 ? ", " : "", cancelled, cancelled > 0 ? " cancelled" : "");
}

void
virt_migrate_drain_finish (VirtMigrateDrain *self, VirtMigrateDrainState state, GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);
  g_autoptr(VirtMigrateDrain) keep = g_object_ref (self);

  self->end_real_time = g_get_real_time ();
  if (error != NULL)
    self->error_message = g_strdup (error->message);
  if (self->group_limited && self->host != NULL)
    self->vtable->set_group_limit (self->host, self->id, 0);
  self->group_limited = FALSE;
  g_object_freeze_notify (G_OBJECT (self));
  virt_migrate_drain_table_changed (self);
  virt_migrate_drain_set_state (self, state);
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[SIGNAL_COMPLETED], 0);
  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else if (state == VIRT_MIGRATE_DRAIN_STATE_SUCCEEDED || state == VIRT_MIGRATE_DRAIN_STATE_PLANNED)
    g_task_return_boolean (task, TRUE);
  else if (state == VIRT_MIGRATE_DRAIN_STATE_CANCELLED)
    {
      g_autofree char *text = virt_migrate_drain_summary (self);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The drain was cancelled: %s", text);
    }
  else
    {
      g_autofree char *text = virt_migrate_drain_summary (self);

      g_task_return_new_error (task, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED,
                               "Not every guest moved: %s", text);
    }
}

void
virt_migrate_drain_notify_progress (VirtMigrateDrain *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROGRESS]);
}
