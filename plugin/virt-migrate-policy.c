/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-enum-types.h"
#include "virt-migrate-policy.h"

#include <string.h>

/**
 * VirtMigratePolicy:
 *
 * How a job helps a migration that does not converge, the way OpenStack
 * Nova's live-migration monitor and KubeVirt's migration policies do. A job
 * with a policy (#VirtMigrateJob:policy; a #VirtMigrateManager gives each
 * job one from its settings) watches `data-remaining` on every statistics
 * sample and records each step it takes in #VirtMigrateJob:messages
 * ("policy: …"):
 *
 * - **stall**: no progress for #VirtMigratePolicy:stall-window seconds
 *   (the current memory pass sending nothing, or no pass beginning with
 *   fewer bytes left than the passes before), or
 *   #VirtMigratePolicy:stall-iterations memory passes in a row began
 *   without a new low (by 5 %) of the bytes left at the start of a pass (QEMU copies
 *   again what the guest dirtied during the last pass: when that never
 *   shrinks, more passes do not help);
 * - **prediction** (#VirtMigratePolicy:predict): from the second memory
 *   pass on, the downtime the guest needs and whether more passes shrink
 *   it decide at once between post-copy, the downtime needed and giving
 *   up; the rules below stay as safety nets;
 * - **downtime steps**: on a stall, the maximum downtime rises from the
 *   request's (or QEMU's 300 ms) towards #VirtMigratePolicy:downtime-max in
 *   #VirtMigratePolicy:downtime-steps equal steps, jumping straight to the
 *   first step that covers the downtime the last sample needs (bytes left ÷
 *   rate), so the switch-over stays within the final step;
 * - **post-copy**: with all steps used and still stalled, switch to
 *   post-copy if #VirtMigratePolicy:postcopy-on-stall and the request allows
 *   post-copy;
 * - **completion timeout**: #VirtMigratePolicy:completion-timeout-per-gib
 *   seconds per GiB to move (at least one GiB), then
 *   #VirtMigratePolicy:completion-action: abort (the guest stays on the
 *   source), pause the guest to finish (it runs again on the destination)
 *   or post-copy.
 *
 * libvirt accepts auto-converge only when a migration starts: a request
 * asks for it with #VirtMigrateRequest:auto-converge.
 */
struct _VirtMigratePolicy
{
  GObject                 parent_instance;
  gboolean                enabled;
  guint                   stall_window;
  guint                   stall_iterations;
  guint                   downtime_steps;
  guint64                 downtime_max;
  guint                   completion_timeout_per_gib;
  VirtMigratePolicyAction completion_action;
  gboolean                postcopy_on_stall;
  gboolean                predict;
  GStrv                   bandwidth_schedule;
  GArray                 *schedule; /* ScheduleEntry: bandwidth_schedule, parsed once when set */
};

typedef struct {
  guint   start; /* seconds */
  guint64 mib;   /* MiB/s */
} ScheduleEntry;

enum {
  PROP_0,
  PROP_ENABLED,
  PROP_STALL_WINDOW,
  PROP_STALL_ITERATIONS,
  PROP_DOWNTIME_STEPS,
  PROP_DOWNTIME_MAX,
  PROP_COMPLETION_TIMEOUT_PER_GIB,
  PROP_COMPLETION_ACTION,
  PROP_POSTCOPY_ON_STALL,
  PROP_PREDICT,
  PROP_BANDWIDTH_SCHEDULE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (VirtMigratePolicy, virt_migrate_policy, G_TYPE_OBJECT)

static gboolean parse_entry (const char *text, guint *start, guint64 *mib);

static void
virt_migrate_policy_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VirtMigratePolicy *self = VIRT_MIGRATE_POLICY (object);

  switch (prop_id)
    {
    case PROP_ENABLED: g_value_set_boolean (value, self->enabled); break;
    case PROP_STALL_WINDOW: g_value_set_uint (value, self->stall_window); break;
    case PROP_STALL_ITERATIONS: g_value_set_uint (value, self->stall_iterations); break;
    case PROP_DOWNTIME_STEPS: g_value_set_uint (value, self->downtime_steps); break;
    case PROP_DOWNTIME_MAX: g_value_set_uint64 (value, self->downtime_max); break;
    case PROP_COMPLETION_TIMEOUT_PER_GIB: g_value_set_uint (value, self->completion_timeout_per_gib); break;
    case PROP_COMPLETION_ACTION: g_value_set_enum (value, self->completion_action); break;
    case PROP_POSTCOPY_ON_STALL: g_value_set_boolean (value, self->postcopy_on_stall); break;
    case PROP_PREDICT: g_value_set_boolean (value, self->predict); break;
    case PROP_BANDWIDTH_SCHEDULE: g_value_set_boxed (value, self->bandwidth_schedule); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_policy_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  VirtMigratePolicy *self = VIRT_MIGRATE_POLICY (object);

  switch (prop_id)
    {
    case PROP_ENABLED: self->enabled = g_value_get_boolean (value); break;
    case PROP_STALL_WINDOW: self->stall_window = g_value_get_uint (value); break;
    case PROP_STALL_ITERATIONS: self->stall_iterations = g_value_get_uint (value); break;
    case PROP_DOWNTIME_STEPS: self->downtime_steps = g_value_get_uint (value); break;
    case PROP_DOWNTIME_MAX: self->downtime_max = g_value_get_uint64 (value); break;
    case PROP_COMPLETION_TIMEOUT_PER_GIB: self->completion_timeout_per_gib = g_value_get_uint (value); break;
    case PROP_COMPLETION_ACTION:
      self->completion_action = g_value_get_enum (value) == VIRT_MIGRATE_POLICY_ACTION_DEFAULT ?
                                VIRT_MIGRATE_POLICY_ACTION_ABORT : g_value_get_enum (value);
      break;
    case PROP_POSTCOPY_ON_STALL: self->postcopy_on_stall = g_value_get_boolean (value); break;
    case PROP_PREDICT: self->predict = g_value_get_boolean (value); break;
    case PROP_BANDWIDTH_SCHEDULE:
      {
        const char *const *entries = g_value_get_boxed (value);
        g_autoptr(GStrvBuilder) valid = g_strv_builder_new ();

        g_array_set_size (self->schedule, 0);
        for (guint i = 0; entries != NULL && entries[i] != NULL; i++)
          {
            ScheduleEntry e;

            if (parse_entry (entries[i], &e.start, &e.mib))
              {
                g_strv_builder_add (valid, entries[i]);
                g_array_append_val (self->schedule, e);
              }
            else
              g_warning ("bandwidth schedule: '%s' is not SECONDS:MIB, ignored", entries[i]);
          }
        g_strfreev (self->bandwidth_schedule);
        self->bandwidth_schedule = g_strv_builder_end (valid);
      }
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* "SECONDS:MIB" */
static gboolean
parse_entry (const char *text, guint *start, guint64 *mib)
{
  const char *colon = strchr (text, ':');
  g_autofree char *head = colon != NULL ? g_strndup (text, colon - text) : NULL;
  guint64 s = 0;

  if (colon == NULL || !g_ascii_string_to_unsigned (head, 10, 0, G_MAXUINT, &s, NULL) ||
      !g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXINT32, mib, NULL))
    return FALSE;
  *start = (guint) s;
  return TRUE;
}

static void
virt_migrate_policy_finalize (GObject *object)
{
  g_strfreev (VIRT_MIGRATE_POLICY (object)->bandwidth_schedule);
  g_array_unref (VIRT_MIGRATE_POLICY (object)->schedule);
  G_OBJECT_CLASS (virt_migrate_policy_parent_class)->finalize (object);
}

static void
virt_migrate_policy_class_init (VirtMigratePolicyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = virt_migrate_policy_get_property;
  object_class->set_property = virt_migrate_policy_set_property;

  /**
   * VirtMigratePolicy:enabled:
   *
   * Whether the policy acts at all.
   */
  props[PROP_ENABLED] = g_param_spec_boolean ("enabled", NULL, NULL, TRUE, rw);
  /**
   * VirtMigratePolicy:stall-window:
   *
   * Seconds without progress that count as a stall: the current memory
   * pass sending nothing (its bytes left falling no further), or
   * no pass beginning with fewer bytes left than the passes before.
   */
  props[PROP_STALL_WINDOW] = g_param_spec_uint ("stall-window", NULL, NULL, 1, 3600, 10, rw);
  /**
   * VirtMigratePolicy:stall-iterations:
   *
   * Memory passes in a row that begin without a new low of the bytes left
   * that count as a stall too (0: only #VirtMigratePolicy:stall-window).
   */
  props[PROP_STALL_ITERATIONS] = g_param_spec_uint ("stall-iterations", NULL, NULL, 0, 1000, 3, rw);
  /**
   * VirtMigratePolicy:downtime-steps:
   *
   * In how many equal steps the maximum downtime rises to
   * #VirtMigratePolicy:downtime-max (0: never raised).
   */
  props[PROP_DOWNTIME_STEPS] = g_param_spec_uint ("downtime-steps", NULL, NULL, 0, 100, 5, rw);
  /**
   * VirtMigratePolicy:downtime-max:
   *
   * The final downtime step, in milliseconds.
   */
  props[PROP_DOWNTIME_MAX] = g_param_spec_uint64 ("downtime-max", NULL, NULL, 1, 600000, 5000, rw);
  /**
   * VirtMigratePolicy:completion-timeout-per-gib:
   *
   * Seconds a migration may take per GiB to move (RAM and copied disks, at
   * least one GiB) before #VirtMigratePolicy:completion-action (0: never).
   */
  props[PROP_COMPLETION_TIMEOUT_PER_GIB] = g_param_spec_uint ("completion-timeout-per-gib", NULL, NULL,
                                                              0, 86400, 150, rw);
  /**
   * VirtMigratePolicy:completion-action:
   *
   * What to do at the completion timeout.
   */
  props[PROP_COMPLETION_ACTION] = g_param_spec_enum ("completion-action", NULL, NULL,
                                                     VIRT_MIGRATE_TYPE_POLICY_ACTION,
                                                     VIRT_MIGRATE_POLICY_ACTION_ABORT, rw);
  /**
   * VirtMigratePolicy:postcopy-on-stall:
   *
   * Switch to post-copy when the downtime steps are used up and the
   * migration still stalls (only if the request allows post-copy).
   */
  props[PROP_POSTCOPY_ON_STALL] = g_param_spec_boolean ("postcopy-on-stall", NULL, NULL, TRUE, rw);
  /**
   * VirtMigratePolicy:predict:
   *
   * From the second memory pass on, predict the downtime the guest needs
   * and whether more passes help, and act at once: post-copy when the
   * request allows it, the downtime needed when it fits
   * #VirtMigratePolicy:downtime-max, otherwise give up one pass later
   * with %VIRT_MIGRATE_ERROR_CANNOT_CONVERGE.  Off, only the stall,
   * step and timeout rules act.
   */
  props[PROP_PREDICT] = g_param_spec_boolean ("predict", NULL, NULL, TRUE, rw);
  /**
   * VirtMigratePolicy:bandwidth-schedule:
   *
   * Bandwidth caps over time, as `"SECONDS:MIB"` entries: from SECONDS
   * after the migration started running, cap it at MIB MiB/s (e.g.
   * `["0:50", "60:200"]`). Entries that do not parse are dropped with a
   * warning when set. Empty or %NULL: no schedule.
   */
  props[PROP_BANDWIDTH_SCHEDULE] = g_param_spec_boxed ("bandwidth-schedule", NULL, NULL, G_TYPE_STRV, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);
  object_class->finalize = virt_migrate_policy_finalize;
}

static void
virt_migrate_policy_init (VirtMigratePolicy *self)
{
  self->schedule = g_array_new (FALSE, FALSE, sizeof (ScheduleEntry));
  self->enabled = TRUE;
  self->stall_window = 10;
  self->stall_iterations = 3;
  self->downtime_steps = 5;
  self->downtime_max = 5000;
  self->completion_timeout_per_gib = 150;
  self->completion_action = VIRT_MIGRATE_POLICY_ACTION_ABORT;
  self->postcopy_on_stall = TRUE;
  self->predict = TRUE;
}

/**
 * virt_migrate_policy_new:
 *
 * Returns: (transfer full): a policy with the defaults (the GSettings
 *   schema's too): stall window 10 s or 3 passes without gain, 5 downtime
 *   steps up to 5000 ms,
 *   150 s per GiB, then abort
 */
VirtMigratePolicy *
virt_migrate_policy_new (void)
{
  return g_object_new (VIRT_MIGRATE_TYPE_POLICY, NULL);
}

/**
 * virt_migrate_policy_copy:
 * @self: a #VirtMigratePolicy
 *
 * Returns: (transfer full): a copy of @self
 */
VirtMigratePolicy *
virt_migrate_policy_copy (VirtMigratePolicy *self)
{
  VirtMigratePolicy *copy;

  g_return_val_if_fail (VIRT_MIGRATE_IS_POLICY (self), NULL);
  copy = virt_migrate_policy_new ();
  copy->enabled = self->enabled;
  copy->stall_window = self->stall_window;
  copy->stall_iterations = self->stall_iterations;
  copy->downtime_steps = self->downtime_steps;
  copy->downtime_max = self->downtime_max;
  copy->completion_timeout_per_gib = self->completion_timeout_per_gib;
  copy->completion_action = self->completion_action;
  copy->postcopy_on_stall = self->postcopy_on_stall;
  copy->predict = self->predict;
  copy->bandwidth_schedule = g_strdupv (self->bandwidth_schedule);
  g_array_append_vals (copy->schedule, self->schedule->data, self->schedule->len);
  return copy;
}

/**
 * virt_migrate_policy_get_enabled:
 * @self: a #VirtMigratePolicy
 *
 * Returns: #VirtMigratePolicy:enabled
 */
gboolean
virt_migrate_policy_get_enabled (VirtMigratePolicy *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_POLICY (self), FALSE);
  return self->enabled;
}

/**
 * virt_migrate_policy_get_stall_window:
 * @self: a #VirtMigratePolicy
 *
 * Returns: #VirtMigratePolicy:stall-window
 */
guint
virt_migrate_policy_get_stall_window (VirtMigratePolicy *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_POLICY (self), 0);
  return self->stall_window;
}

/**
 * virt_migrate_policy_get_stall_iterations:
 * @self: a #VirtMigratePolicy
 *
 * Returns: #VirtMigratePolicy:stall-iterations
 */
guint
virt_migrate_policy_get_stall_iterations (VirtMigratePolicy *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_POLICY (self), 0);
  return self->stall_iterations;
}

/**
 * virt_migrate_policy_get_downtime_steps:
 * @self: a #VirtMigratePolicy
 *
 * Returns: #VirtMigratePolicy:downtime-steps
 */
guint
virt_migrate_policy_get_downtime_steps (VirtMigratePolicy *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_POLICY (self), 0);
  return self->downtime_steps;
}

/**
 * virt_migrate_policy_get_downtime_max:
 * @self: a #VirtMigratePolicy
 *
 * Returns: #VirtMigratePolicy:downtime-max
 */
guint64
virt_migrate_policy_get_downtime_max (VirtMigratePolicy *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_POLICY (self), 0);
  return self->downtime_max;
}

/**
 * virt_migrate_policy_get_completion_timeout_per_gib:
 * @self: a #VirtMigratePolicy
 *
 * Returns: #VirtMigratePolicy:completion-timeout-per-gib
 */
guint
virt_migrate_policy_get_completion_timeout_per_gib (VirtMigratePolicy *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_POLICY (self), 0);
  return self->completion_timeout_per_gib;
}

/**
 * virt_migrate_policy_get_completion_action:
 * @self: a #VirtMigratePolicy
 *
 * Returns: #VirtMigratePolicy:completion-action (never
 *   %VIRT_MIGRATE_POLICY_ACTION_DEFAULT)
 */
VirtMigratePolicyAction
virt_migrate_policy_get_completion_action (VirtMigratePolicy *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_POLICY (self), VIRT_MIGRATE_POLICY_ACTION_ABORT);
  return self->completion_action;
}

/**
 * virt_migrate_policy_get_postcopy_on_stall:
 * @self: a #VirtMigratePolicy
 *
 * Returns: #VirtMigratePolicy:postcopy-on-stall
 */
gboolean
virt_migrate_policy_get_postcopy_on_stall (VirtMigratePolicy *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_POLICY (self), FALSE);
  return self->postcopy_on_stall;
}

/**
 * virt_migrate_policy_get_predict:
 * @self: a #VirtMigratePolicy
 *
 * Returns: #VirtMigratePolicy:predict
 */
gboolean
virt_migrate_policy_get_predict (VirtMigratePolicy *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_POLICY (self), FALSE);
  return self->predict;
}

/**
 * virt_migrate_policy_get_bandwidth_schedule:
 * @self: a #VirtMigratePolicy
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1):
 *   #VirtMigratePolicy:bandwidth-schedule
 */
const char * const *
virt_migrate_policy_get_bandwidth_schedule (VirtMigratePolicy *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_POLICY (self), NULL);
  return (const char * const *) self->bandwidth_schedule;
}

/**
 * virt_migrate_policy_get_bandwidth_at:
 * @self: a #VirtMigratePolicy
 * @seconds: seconds since the migration started running
 * @entry: (out): the index of the schedule entry that applies
 *
 * Returns: the bandwidth cap (MiB/s) the schedule sets at @seconds, or 0
 *   when no entry applies yet (@entry is then -1)
 */
guint64
virt_migrate_policy_get_bandwidth_at (VirtMigratePolicy *self,
                                      guint              seconds,
                                      int               *entry)
{
  guint best_start = 0;
  guint64 best = 0;

  g_return_val_if_fail (VIRT_MIGRATE_IS_POLICY (self), 0);
  *entry = -1;
  for (guint i = 0; i < self->schedule->len; i++)
    {
      const ScheduleEntry *e = &g_array_index (self->schedule, ScheduleEntry, i);

      if (e->start <= seconds && (*entry < 0 || e->start >= best_start))
        {
          best_start = e->start;
          best = e->mib;
          *entry = (int) i;
        }
    }
  return best;
}
