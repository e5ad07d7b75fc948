/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "virt-migrate-connection-pool.h"
#include "virt-migrate-drain-placement.h"
#include "virt-migrate-drain-private.h"
#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-error-private.h"
#include "virt-migrate-job-private.h"
#include "virt-migrate-preflight.h"
#include "virt-migrate-preflight-private.h"

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
struct _VirtMigrateDrain
{
  GObject                    parent_instance;

  guint                      id;
  VirtMigrateManager        *manager;       /* weak */
  VirtMigrateRequest        *request;       /* the template */
  char                     **destinations;
  VirtMigrateDrainState      state;
  guint                      max_parallel;
  VirtMigrateDrainPlacement  placement;
  char                     **include;
  char                     **exclude;
  gboolean                   dry_run;
  gint64                     started_by_uid;
  gint64                     start_real_time;
  gint64                     end_real_time;
  gboolean                   cancelled;
  char                      *error_message; /* why it failed to plan */

  GPtrArray                 *rows;          /* Row, in the table's order */
  GTask                     *task;          /* run_async()'s, while it runs */
  GCancellable              *planning;      /* cancels the planning thread */
};

typedef struct {
  char           *domain;
  char           *uuid;
  guint64         memory;
  guint           position;
  char           *destination;
  char           *rule;
  char           *outcome;
  char           *reason;
  guint           job_id;
  VirtMigrateJob *job;
  gulong          completed_id;
  gulong          progress_id;
  gboolean        reconcile;    /* after a restart: find where the guest is */
} Row;

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

static void
row_detach (Row *row)
{
  if (row->job != NULL)
    {
      g_clear_signal_handler (&row->completed_id, row->job);
      g_clear_signal_handler (&row->progress_id, row->job);
      g_clear_object (&row->job);
    }
}

static void
row_free (Row *row)
{
  row_detach (row);
  g_free (row->domain);
  g_free (row->uuid);
  g_free (row->destination);
  g_free (row->rule);
  g_free (row->outcome);
  g_free (row->reason);
  g_free (row);
}

static void
row_set (Row *row, const char *outcome, const char *reason)
{
  g_free (row->outcome);
  row->outcome = g_strdup (outcome);
  if (reason != NULL)
    {
      g_free (row->reason);
      row->reason = g_strdup (reason);
    }
}

static gboolean
row_is (const Row *row, const char *outcome)
{
  return g_strcmp0 (row->outcome, outcome) == 0;
}

static Row *
row_from_variant (GVariant *v)
{
  Row *row = g_new0 (Row, 1);

  g_variant_lookup (v, "domain", "s", &row->domain);
  g_variant_lookup (v, "uuid", "s", &row->uuid);
  g_variant_lookup (v, "memory", "t", &row->memory);
  g_variant_lookup (v, "position", "u", &row->position);
  g_variant_lookup (v, "destination", "s", &row->destination);
  g_variant_lookup (v, "rule", "s", &row->rule);
  g_variant_lookup (v, "outcome", "s", &row->outcome);
  g_variant_lookup (v, "reason", "s", &row->reason);
  g_variant_lookup (v, "job", "u", &row->job_id);
  if (row->outcome == NULL)
    row->outcome = g_strdup ("left");
  return row;
}

static GVariant *
row_to_variant (const Row *row)
{
  GVariantDict d;

  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "domain", "s", row->domain != NULL ? row->domain : "");
  g_variant_dict_insert (&d, "uuid", "s", row->uuid != NULL ? row->uuid : "");
  g_variant_dict_insert (&d, "memory", "t", row->memory);
  g_variant_dict_insert (&d, "position", "u", row->position);
  g_variant_dict_insert (&d, "destination", "s", row->destination != NULL ? row->destination : "");
  g_variant_dict_insert (&d, "rule", "s", row->rule != NULL ? row->rule : "");
  g_variant_dict_insert (&d, "outcome", "s", row->outcome);
  g_variant_dict_insert (&d, "reason", "s", row->reason != NULL ? row->reason : "");
  g_variant_dict_insert (&d, "job", "u", row->job_id);
  return g_variant_dict_end (&d);
}

/* The table, floating. */
static GVariant *
table (VirtMigrateDrain *self)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < self->rows->len; i++)
    g_variant_builder_add_value (&b, row_to_variant (g_ptr_array_index (self->rows, i)));
  return g_variant_builder_end (&b);
}

/* --- GObject -------------------------------------------------------------- */

static void
virt_migrate_drain_dispose (GObject *object)
{
  VirtMigrateDrain *self = VIRT_MIGRATE_DRAIN (object);

  if (self->rows != NULL)
    for (guint i = 0; i < self->rows->len; i++)
      row_detach (g_ptr_array_index (self->rows, i));
  g_clear_weak_pointer (&self->manager);
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
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  self->started_by_uid = -1;
}

VirtMigrateDrain *
virt_migrate_drain_new (VirtMigrateManager *manager,
                        VirtMigrateRequest *request,
                        const char * const *destinations,
                        guint               id)
{
  VirtMigrateDrain *self = g_object_new (VIRT_MIGRATE_TYPE_DRAIN, NULL);

  g_set_weak_pointer (&self->manager, manager);
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
  return self->state >= VIRT_MIGRATE_DRAIN_STATE_SUCCEEDED ||
         self->state == VIRT_MIGRATE_DRAIN_STATE_PLANNED;
}

static guint
count (VirtMigrateDrain *self, const char *outcome, const char *or_outcome)
{
  guint n = 0;

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row_is (row, outcome) || (or_outcome != NULL && row_is (row, or_outcome)))
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

      if (row_is (row, "running") && row->job != NULL)
        done += virt_migrate_job_get_progress (row->job);
      else if (!row_is (row, "queued") && !row_is (row, "running"))
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
  return g_variant_ref_sink (table (self));
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
  return count (self, "moved", NULL);
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
  return count (self, "left", NULL);
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
  return count (self, "failed", "cancelled");
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
  return count (self, "queued", "running");
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

static void pump (VirtMigrateDrain *self);

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
  pump (self);
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

static void
set_state (VirtMigrateDrain *self, VirtMigrateDrainState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

static void
table_changed (VirtMigrateDrain *self)
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

static char *
summary (VirtMigrateDrain *self)
{
  guint moved = virt_migrate_drain_get_n_moved (self);
  guint left = virt_migrate_drain_get_n_left (self);
  guint failed = count (self, "failed", NULL);
  guint cancelled = count (self, "cancelled", NULL);

  if (self->error_message != NULL)
    return g_strdup_printf ("Nothing moved: %s", self->error_message);
  return g_strdup_printf ("%u of %u guest%s moved, %u left on the source, %u failed%s%.0u%s",
                          moved, self->rows->len, self->rows->len == 1 ? "" : "s", left, failed,
                          cancelled > 0 ? ", " : "", cancelled, cancelled > 0 ? " cancelled" : "");
}

static void
finish (VirtMigrateDrain *self, VirtMigrateDrainState state, GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);
  g_autoptr(VirtMigrateDrain) keep = g_object_ref (self);

  self->end_real_time = g_get_real_time ();
  if (error != NULL)
    self->error_message = g_strdup (error->message);
  g_object_freeze_notify (G_OBJECT (self));
  table_changed (self);
  set_state (self, state);
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
      g_autofree char *text = summary (self);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The drain was cancelled: %s", text);
    }
  else
    {
      g_autofree char *text = summary (self);

      g_task_return_new_error (task, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED,
                               "Not every guest moved: %s", text);
    }
}

/* --- running the jobs ------------------------------------------------------ */

static void
on_job_progress (VirtMigrateJob *job, GParamSpec *pspec, VirtMigrateDrain *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROGRESS]);
}

static void
on_job_completed (VirtMigrateJob *job, VirtMigrateDrain *self)
{
  const GError *error = virt_migrate_job_get_error (job);

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row->job != job)
        continue;
      switch (virt_migrate_job_get_state (job))
        {
        case VIRT_MIGRATE_JOB_STATE_SUCCEEDED:
          row_set (row, "moved", "");
          break;
        case VIRT_MIGRATE_JOB_STATE_CANCELLED:
          row_set (row, "cancelled", "The migration was cancelled; the guest stays on the source");
          break;
        case VIRT_MIGRATE_JOB_STATE_PENDING:
        case VIRT_MIGRATE_JOB_STATE_PREPARING:
        case VIRT_MIGRATE_JOB_STATE_RUNNING:
        case VIRT_MIGRATE_JOB_STATE_POSTCOPY:
        case VIRT_MIGRATE_JOB_STATE_COMPLETING:
        case VIRT_MIGRATE_JOB_STATE_FAILED:
        default:
          row_set (row, "failed", error != NULL ? error->message : "The migration failed");
          break;
        }
      row_detach (row);
      break;
    }
  table_changed (self);
  pump (self);
}

static void
attach (VirtMigrateDrain *self, Row *row, VirtMigrateJob *job)
{
  row->job = g_object_ref (job);
  row->job_id = virt_migrate_job_get_id (job);
  /* After the manager's handler: the job's history record comes first. */
  row->completed_id = g_signal_connect_after (job, "completed", G_CALLBACK (on_job_completed), self);
  row->progress_id = g_signal_connect (job, "notify::progress", G_CALLBACK (on_job_progress), self);
  row_set (row, "running", "");
}

static void
start_row (VirtMigrateDrain *self, Row *row)
{
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_copy (self->request);
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GError) error = NULL;

  g_object_set (request, "domain", row->domain, "dest-uri", row->destination, NULL);
  job = virt_migrate_manager_create_job (self->manager, request, &error);
  if (job == NULL)
    {
      row_set (row, "failed", error->message);
      return;
    }
  virt_migrate_job_set_drain_id (job, self->id);
  if (self->started_by_uid >= 0)
    virt_migrate_job_set_started_by_uid (job, (guint) self->started_by_uid);
  attach (self, row, job);
  virt_migrate_manager_run_job (self->manager, job, NULL);
}

/* Starts the next guests, in order, up to the limit; ends the drain when
 * nothing is queued or running any more. */
static void
pump (VirtMigrateDrain *self)
{
  guint running = count (self, "running", NULL);
  gboolean changed = FALSE;

  if (self->state != VIRT_MIGRATE_DRAIN_STATE_RUNNING || self->manager == NULL)
    return;
  for (guint i = 0; i < self->rows->len && !self->cancelled; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (self->max_parallel > 0 && running >= self->max_parallel)
        break;
      if (!row_is (row, "queued"))
        continue;
      start_row (self, row);
      changed = TRUE;
      if (row_is (row, "running"))
        running++;
    }
  if (changed)
    table_changed (self);
  if (count (self, "queued", "running") > 0)
    return;
  if (self->cancelled)
    finish (self, VIRT_MIGRATE_DRAIN_STATE_CANCELLED, NULL);
  else if (virt_migrate_drain_get_n_moved (self) == self->rows->len)
    finish (self, VIRT_MIGRATE_DRAIN_STATE_SUCCEEDED, NULL);
  else
    finish (self, VIRT_MIGRATE_DRAIN_STATE_INCOMPLETE, NULL);
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

      if (row_is (row, "queued"))
        row_set (row, "left", "Not started: the drain was cancelled");
    }
  jobs = virt_migrate_drain_list_jobs (self);
  for (guint i = 0; i < jobs->len; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!virt_migrate_job_cancel (g_ptr_array_index (jobs, i), &error))
        g_debug ("drain %u: job %u goes on: %s", self->id,
                 virt_migrate_job_get_id (g_ptr_array_index (jobs, i)), error->message);
    }
  table_changed (self);
  if (self->state == VIRT_MIGRATE_DRAIN_STATE_PENDING)
    finish (self, VIRT_MIGRATE_DRAIN_STATE_CANCELLED, NULL);
  else
    pump (self);
}

/* --- planning (in a worker thread) ----------------------------------------- */

typedef struct {
  VirtMigrateRequest        *request;
  char                     **destinations;
  char                     **include;
  char                     **exclude;
  VirtMigrateDrainPlacement  placement;
} PlanData;

static void
plan_data_free (PlanData *p)
{
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

static void
close_connection (gpointer conn)
{
  if (conn != NULL)
    virConnectClose (conn);
}

static void
plan_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  PlanData *p = task_data;
  const char *source_uri = virt_migrate_request_get_source_uri (p->request);
  g_autoptr(virConnect) conn = NULL;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_candidate_free);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_target_free);
  g_autoptr(GPtrArray) dconns = g_ptr_array_new_with_free_func (close_connection);
  g_autofree guint64 *free_memory = NULL;
  virDomainPtr *doms = NULL;
  int n;

  conn = virConnectOpenReadOnly (source_uri);
  if (conn == NULL)
    {
      g_autoptr(GError) error = virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_CONNECT_FAILED,
                                                                 "Connection failed");

      g_task_return_new_error (task, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CONNECT_FAILED,
                               "Cannot connect to %s: %s", source_uri, error->message);
      return;
    }
  n = virConnectListAllDomains (conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  if (n < 0)
    {
      g_task_return_error (task, virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT,
                                                                  "Cannot list the guests"));
      return;
    }
  /* One connection per destination, for every guest's checks. */
  free_memory = g_new0 (guint64, g_strv_length (p->destinations) + 1);
  for (guint t = 0; p->destinations[t] != NULL; t++)
    {
      virConnectPtr dconn = virConnectOpenReadOnly (p->destinations[t]);

      g_ptr_array_add (dconns, dconn);
      if (dconn != NULL)
        free_memory[t] = virNodeGetFreeMemory (dconn);
      g_ptr_array_add (targets, virt_migrate_drain_target_new (p->destinations[t], free_memory[t]));
    }
  for (int i = 0; i < n; i++)
    {
      g_autoptr(virDomain) dom = doms[i];
      const char *name = virDomainGetName (dom);
      char uuid[VIR_UUID_STRING_BUFLEN] = "";
      virDomainInfo info = { 0 };
      VirtMigrateDrainCandidate *c;

      if (g_cancellable_is_cancelled (cancellable))
        continue;
      if ((p->include != NULL && p->include[0] != NULL && !matches_any (p->include, name)) ||
          matches_any (p->exclude, name))
        continue;
      virDomainGetUUIDString (dom, uuid);
      virDomainGetInfo (dom, &info);
      c = virt_migrate_drain_candidate_new (name, uuid, (guint64) info.memory * 1024);
      g_ptr_array_add (candidates, c);
      for (guint t = 0; p->destinations[t] != NULL; t++)
        {
          g_autoptr(VirtMigratePreflightFacts) facts = virt_migrate_preflight_facts_new ();
          g_autoptr(VirtMigrateRequest) request = virt_migrate_request_copy (p->request);

          g_object_set (request, "domain", name, "dest-uri", p->destinations[t], NULL);
          virt_migrate_preflight_gather (conn, g_ptr_array_index (dconns, t), dom, request,
                                         p->destinations[t], facts);
          g_ptr_array_add (c->verdicts,
                           g_variant_ref_sink (virt_migrate_preflight_verdict (facts, p->destinations[t])));
        }
    }
  g_free (doms);
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
        finish (self, VIRT_MIGRATE_DRAIN_STATE_CANCELLED, NULL);
      else
        finish (self, VIRT_MIGRATE_DRAIN_STATE_FAILED, g_steal_pointer (&error));
      return;
    }
  g_variant_iter_init (&iter, rows);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      Row *row = row_from_variant (item);

      if (self->dry_run && row_is (row, "queued"))
        row_set (row, "planned", NULL);
      g_ptr_array_add (self->rows, row);
      g_variant_unref (item);
    }
  if (self->dry_run)
    {
      finish (self, VIRT_MIGRATE_DRAIN_STATE_PLANNED, NULL);
      return;
    }
  table_changed (self);
  set_state (self, VIRT_MIGRATE_DRAIN_STATE_RUNNING);
  pump (self);
}

static void
start_planning (VirtMigrateDrain *self)
{
  g_autoptr(GTask) task = NULL;
  PlanData *p = g_new0 (PlanData, 1);

  self->planning = g_cancellable_new ();
  p->request = virt_migrate_request_copy (self->request);
  p->destinations = g_strdupv (self->destinations);
  p->include = g_strdupv (self->include);
  p->exclude = g_strdupv (self->exclude);
  p->placement = self->placement;
  task = g_task_new (NULL, self->planning, plan_done, g_object_ref (self));
  g_task_set_name (task, "[virt-migrate] drain plan");
  g_task_set_task_data (task, p, (GDestroyNotify) plan_data_free);
  set_state (self, VIRT_MIGRATE_DRAIN_STATE_PLANNING);
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

/* --- snapshots and records -------------------------------------------------- */

/**
 * virt_migrate_drain_to_variant:
 * @self: a #VirtMigrateDrain
 *
 * The drain as D-Bus and HTTP show it: `Id`, `State`, `Source`,
 * `Destinations`, `Progress`, `Guests`, `GuestCount`, `MovedCount`,
 * `LeftCount`, `FailedCount`, `ActiveCount`, `MaxParallel`, `Placement`, `Order`, `DryRun`,
 * `StartedByUid`, `StartTime`, `EndTime`, `Summary`.
 *
 * Returns: (transfer floating): an `a{sv}`
 */
GVariant *
virt_migrate_drain_to_variant (VirtMigrateDrain *self)
{
  GVariantBuilder b;
  g_autofree char *text = NULL;

  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), NULL);

  text = summary (self);
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
#define ADD(key, value) g_variant_builder_add (&b, "{sv}", key, value)
  ADD ("Id", g_variant_new_uint32 (self->id));
  ADD ("State", g_variant_new_string (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_DRAIN_STATE, self->state)));
  ADD ("Source", g_variant_new_string (virt_migrate_drain_get_source_uri (self)));
  ADD ("Destinations", g_variant_new_strv ((const char * const *) self->destinations, -1));
  ADD ("Progress", g_variant_new_double (virt_migrate_drain_get_progress (self)));
  ADD ("Guests", table (self));
  ADD ("GuestCount", g_variant_new_uint32 (self->rows->len));
  ADD ("MovedCount", g_variant_new_uint32 (virt_migrate_drain_get_n_moved (self)));
  ADD ("LeftCount", g_variant_new_uint32 (virt_migrate_drain_get_n_left (self)));
  ADD ("FailedCount", g_variant_new_uint32 (virt_migrate_drain_get_n_failed (self)));
  ADD ("ActiveCount", g_variant_new_uint32 (virt_migrate_drain_get_n_active (self)));
  ADD ("MaxParallel", g_variant_new_uint32 (self->max_parallel));
  ADD ("Placement", g_variant_new_string (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_DRAIN_PLACEMENT,
                                                                  self->placement)));
  ADD ("Order", g_variant_new_string (VIRT_MIGRATE_DRAIN_ORDER));
  ADD ("DryRun", g_variant_new_boolean (self->dry_run));
  ADD ("StartedByUid", g_variant_new_uint32 (self->started_by_uid >= 0 ? (guint32) self->started_by_uid
                                                                       : (guint32) getuid ()));
  ADD ("StartTime", g_variant_new_int64 (self->start_real_time));
  ADD ("EndTime", g_variant_new_int64 (self->end_real_time));
  ADD ("Summary", g_variant_new_string (text));
#undef ADD
  return g_variant_builder_end (&b);
}

GVariant *
virt_migrate_drain_to_record (VirtMigrateDrain *self)
{
  GVariantDict d;
  g_autoptr(GVariant) snapshot = g_variant_ref_sink (virt_migrate_drain_to_variant (self));

  g_variant_dict_init (&d, snapshot);
  g_variant_dict_insert_value (&d, "Request", virt_migrate_request_to_variant (self->request));
  g_variant_dict_insert_value (&d, "Include", g_variant_new_strv ((const char * const *) self->include,
                                                                 self->include != NULL ? -1 : 0));
  g_variant_dict_insert_value (&d, "Exclude", g_variant_new_strv ((const char * const *) self->exclude,
                                                                 self->exclude != NULL ? -1 : 0));
  return g_variant_dict_end (&d);
}

VirtMigrateDrain *
virt_migrate_drain_new_from_record (VirtMigrateManager  *manager,
                                    GVariant            *record,
                                    GError             **error)
{
  g_autoptr(GVariant) dict = g_variant_lookup_value (record, "Request", G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) guests = g_variant_lookup_value (record, "Guests", G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(VirtMigrateRequest) request = NULL;
  g_autofree const char **destinations = NULL;
  g_autofree const char **include = NULL;
  g_autofree const char **exclude = NULL;
  const char *placement = NULL;
  VirtMigrateDrain *self;
  guint id = 0, uid = 0, max_parallel = 0;
  gint64 start = 0;
  GVariantIter iter;
  GVariant *item;

  if (dict == NULL || guests == NULL || !g_variant_lookup (record, "Id", "u", &id) ||
      !g_variant_lookup (record, "Destinations", "^a&s", &destinations))
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED, "Not a drain record");
      return NULL;
    }
  request = virt_migrate_request_new_from_variant (dict, error);
  if (request == NULL)
    return NULL;
  self = virt_migrate_drain_new (manager, request, destinations, id);
  g_variant_lookup (record, "MaxParallel", "u", &self->max_parallel);
  if (g_variant_lookup (record, "StartedByUid", "u", &uid))
    self->started_by_uid = uid;
  if (g_variant_lookup (record, "Placement", "&s", &placement) &&
      g_strcmp0 (placement, "first") == 0)
    self->placement = VIRT_MIGRATE_DRAIN_PLACEMENT_FIRST;
  if (g_variant_lookup (record, "Include", "^a&s", &include) && include[0] != NULL)
    self->include = g_strdupv ((char **) include);
  if (g_variant_lookup (record, "Exclude", "^a&s", &exclude) && exclude[0] != NULL)
    self->exclude = g_strdupv ((char **) exclude);
  g_variant_lookup (record, "StartTime", "x", &start);
  self->start_real_time = start;
  (void) max_parallel;
  g_variant_iter_init (&iter, guests);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_ptr_array_add (self->rows, row_from_variant (item));
      g_variant_unref (item);
    }
  return self;
}

/* After a restart: each guest that was migrating is either still followed
 * (a job the manager adopted), or found where it is now. */
static void
reconcile_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  GPtrArray *work = task_data; /* char* uuid, char* destination, pairs */
  const char *source_uri = g_ptr_array_index (work, 0);
  g_autoptr(virConnect) conn = virConnectOpenReadOnly (source_uri);
  GPtrArray *answers = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 1; i + 1 < work->len; i += 2)
    {
      const char *uuid = g_ptr_array_index (work, i);
      const char *dest = g_ptr_array_index (work, i + 1);
      g_autoptr(virDomain) on_source = conn != NULL ? virDomainLookupByUUIDString (conn, uuid) : NULL;
      g_autoptr(virConnect) dconn = NULL;
      g_autoptr(virDomain) on_dest = NULL;

      if (conn == NULL)
        {
          g_ptr_array_add (answers, g_strdup ("unknown"));
          continue;
        }
      if (on_source != NULL && virDomainIsActive (on_source) == 1)
        {
          g_ptr_array_add (answers, g_strdup ("source"));
          continue;
        }
      dconn = virConnectOpenReadOnly (dest);
      on_dest = dconn != NULL ? virDomainLookupByUUIDString (dconn, uuid) : NULL;
      g_ptr_array_add (answers, g_strdup (on_dest != NULL && virDomainIsActive (on_dest) == 1 ?
                                          "destination" : "nowhere"));
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
        row_set (row, "queued", "");
      else if (g_str_equal (where, "destination"))
        row_set (row, "moved", "Found running on the destination after virt-migrated restarted");
      else
        row_set (row, "failed", g_str_equal (where, "nowhere") ?
                 "After virt-migrated restarted, the guest runs on neither host" :
                 "After virt-migrated restarted, the source could not be reached to find the guest");
    }
  table_changed (self);
  set_state (self, VIRT_MIGRATE_DRAIN_STATE_RUNNING);
  pump (self);
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

      if (!row_is (row, "running"))
        continue;
      job = row->job_id != 0 && self->manager != NULL ?
            virt_migrate_manager_lookup_job (self->manager, row->job_id) : NULL;
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
  set_state (self, VIRT_MIGRATE_DRAIN_STATE_PLANNING);
  task = g_task_new (NULL, NULL, reconcile_done, g_object_ref (self));
  g_task_set_name (task, "[virt-migrate] drain resume");
  g_task_set_task_data (task, g_steal_pointer (&work), (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, reconcile_thread);
}

GVariant *
virt_migrate_drain_to_history_record (VirtMigrateDrain *self)
{
  g_autofree char *dests = g_strjoinv (" ", self->destinations);
  g_autofree char *name = g_strdup_printf ("drain %u", self->id);
  g_autofree char *text = summary (self);
  GVariantBuilder b;
  const char *state = virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_DRAIN_STATE, self->state);
  gint64 end = self->end_real_time != 0 ? self->end_real_time : g_get_real_time ();

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
#define ADD(key, value) g_variant_builder_add (&b, "{sv}", key, value)
  ADD ("Kind", g_variant_new_string ("drain"));
  ADD ("Id", g_variant_new_uint32 (self->id));
  ADD ("Domain", g_variant_new_string (name));
  ADD ("DomainUuid", g_variant_new_string (""));
  ADD ("Source", g_variant_new_string (virt_migrate_drain_get_source_uri (self)));
  ADD ("Destination", g_variant_new_string (dests));
  ADD ("Flow", g_variant_new_string (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_FLOW,
                                                             virt_migrate_request_get_flow (self->request))));
  ADD ("StartTime", g_variant_new_int64 (self->start_real_time));
  ADD ("EndTime", g_variant_new_int64 (end));
  ADD ("Elapsed", g_variant_new_uint64 (self->start_real_time > 0 ? (guint64) (end - self->start_real_time) / 1000 : 0));
  ADD ("Outcome", g_variant_new_string (state));
  ADD ("Error", g_variant_new_string (self->state == VIRT_MIGRATE_DRAIN_STATE_SUCCEEDED ? "" : text));
  ADD ("Messages", g_variant_new_strv ((const char *[]) { text, NULL }, 1));
  ADD ("Guests", table (self));
  ADD ("StartedByUid", g_variant_new_uint32 (self->started_by_uid >= 0 ? (guint32) self->started_by_uid
                                                                       : (guint32) getuid ()));
  ADD ("Host", g_variant_new_string (g_get_host_name ()));
#undef ADD
  return g_variant_builder_end (&b);
}

/**
 * virt_migrate_drain_guests_to_text:
 * @guests: a drain's table (#VirtMigrateDrain:guests)
 *
 * The table for a person: one line per guest with its outcome, its
 * destination and the rule that chose it, or why it stays or failed.
 *
 * Returns: (transfer full): the text
 */
char *
virt_migrate_drain_guests_to_text (GVariant *guests)
{
  g_autoptr(GString) text = g_string_new (NULL);
  GVariantIter iter;
  GVariant *item;
  gsize width = 5;

  g_return_val_if_fail (guests != NULL && g_variant_is_of_type (guests, G_VARIANT_TYPE ("aa{sv}")), NULL);

  g_variant_iter_init (&iter, guests);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *domain = "";

      g_variant_lookup (item, "domain", "&s", &domain);
      width = MAX (width, strlen (domain));
      g_variant_unref (item);
    }
  g_string_append_printf (text, "  %-*s  %-9s  %9s  %s\n", (int) width, "GUEST", "OUTCOME", "MEMORY",
                          "DESTINATION / REASON");
  g_variant_iter_init (&iter, guests);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) row = item;
      const char *domain = "", *outcome = "", *dest = "", *rule = "", *reason = "";
      guint64 memory = 0;
      guint job = 0;
      g_autofree char *mem = NULL;

      g_variant_lookup (row, "domain", "&s", &domain);
      g_variant_lookup (row, "outcome", "&s", &outcome);
      g_variant_lookup (row, "destination", "&s", &dest);
      g_variant_lookup (row, "rule", "&s", &rule);
      g_variant_lookup (row, "reason", "&s", &reason);
      g_variant_lookup (row, "memory", "t", &memory);
      g_variant_lookup (row, "job", "u", &job);
      mem = virt_migrate_drain_size_text (memory);
      g_string_append_printf (text, "  %-*s  %-9s  %9s  ", (int) width, domain, outcome, mem);
      if (*dest != '\0')
        g_string_append (text, dest);
      if (*dest != '\0' && job != 0)
        g_string_append_printf (text, " (job %u)", job);
      g_string_append_c (text, '\n');
      if (*reason != '\0')
        g_string_append_printf (text, "  %-*s  %s\n", (int) width, "", reason);
      else if (*rule != '\0' && g_strcmp0 (outcome, "moved") != 0)
        g_string_append_printf (text, "  %-*s  why there: %s\n", (int) width, "", rule);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}
