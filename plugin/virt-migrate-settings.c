/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-settings.h"

/**
 * VirtMigrateSettings:
 *
 * The defaults a user tunes once, from the GSettings schema
 * `org.virtmigrate.VirtMigrate`: how often jobs poll libvirt, how often
 * D-Bus sends progress, how long finished jobs stay visible, how many
 * migrations run at once, and the bandwidth and downtime a request gets when
 * it sets none.
 *
 * Each key is mirrored by a property of the same name that follows the
 * settings as they change. When the schema is not installed (a library
 * used from its build tree without `GSETTINGS_SCHEMA_DIR`) the properties
 * keep the schema's defaults and can still be set directly; a
 * #VirtMigrateManager and a #VirtMigrateDBusService read them at the moment
 * they need them, so a change applies to the next job or the next update.
 *
 * Tests use virt_migrate_settings_new_with_backend() with
 * g_memory_settings_backend_new().
 */
struct _VirtMigrateSettings
{
  GObject    parent_instance;
  GSettings *settings;
  guint      poll_interval;
  guint      progress_rate;
  guint      retention;
  guint      max_parallel;
  guint      max_parallel_per_source;
  guint      max_parallel_per_destination;
  guint64    bandwidth;
  guint64    max_downtime;
  guint      history_size;
  guint      postcopy_recovery_timeout;
};

enum {
  PROP_0,
  PROP_POLL_INTERVAL,
  PROP_PROGRESS_RATE,
  PROP_RETENTION,
  PROP_MAX_PARALLEL,
  PROP_MAX_PARALLEL_PER_SOURCE,
  PROP_MAX_PARALLEL_PER_DESTINATION,
  PROP_BANDWIDTH,
  PROP_MAX_DOWNTIME,
  PROP_HISTORY_SIZE,
  PROP_POSTCOPY_RECOVERY_TIMEOUT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (VirtMigrateSettings, virt_migrate_settings, G_TYPE_OBJECT)

/* The property behind each field, for get/set. */
static gpointer
field (VirtMigrateSettings *self, guint prop_id)
{
  switch (prop_id)
    {
    case PROP_POLL_INTERVAL: return &self->poll_interval;
    case PROP_PROGRESS_RATE: return &self->progress_rate;
    case PROP_RETENTION: return &self->retention;
    case PROP_MAX_PARALLEL: return &self->max_parallel;
    case PROP_MAX_PARALLEL_PER_SOURCE: return &self->max_parallel_per_source;
    case PROP_MAX_PARALLEL_PER_DESTINATION: return &self->max_parallel_per_destination;
    case PROP_BANDWIDTH: return &self->bandwidth;
    case PROP_MAX_DOWNTIME: return &self->max_downtime;
    case PROP_HISTORY_SIZE: return &self->history_size;
    case PROP_POSTCOPY_RECOVERY_TIMEOUT: return &self->postcopy_recovery_timeout;
    default: return NULL;
    }
}

static void
virt_migrate_settings_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  gpointer p = field (VIRT_MIGRATE_SETTINGS (object), prop_id);

  if (p == NULL)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  else if (G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_UINT64)
    g_value_set_uint64 (value, *(guint64 *) p);
  else
    g_value_set_uint (value, *(guint *) p);
}

static void
virt_migrate_settings_set_property (GObject *object, guint prop_id, const GValue *value,
                                    GParamSpec *pspec)
{
  gpointer p = field (VIRT_MIGRATE_SETTINGS (object), prop_id);

  if (p == NULL)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  if (G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_UINT64)
    {
      if (*(guint64 *) p == g_value_get_uint64 (value))
        return;
      *(guint64 *) p = g_value_get_uint64 (value);
    }
  else
    {
      if (*(guint *) p == g_value_get_uint (value))
        return;
      *(guint *) p = g_value_get_uint (value);
    }
  g_object_notify_by_pspec (object, pspec);
}

static void
virt_migrate_settings_dispose (GObject *object)
{
  VirtMigrateSettings *self = VIRT_MIGRATE_SETTINGS (object);

  g_clear_object (&self->settings);
  G_OBJECT_CLASS (virt_migrate_settings_parent_class)->dispose (object);
}

static void
virt_migrate_settings_class_init (VirtMigrateSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = virt_migrate_settings_get_property;
  object_class->set_property = virt_migrate_settings_set_property;
  object_class->dispose = virt_migrate_settings_dispose;

  /**
   * VirtMigrateSettings:poll-interval:
   *
   * Milliseconds between two `virDomainGetJobStats()` polls of a running job.
   */
  props[PROP_POLL_INTERVAL] = g_param_spec_uint ("poll-interval", NULL, NULL, 10, 60000, 250, flags);
  /**
   * VirtMigrateSettings:progress-rate:
   *
   * At most this many D-Bus progress updates per second per job.
   */
  props[PROP_PROGRESS_RATE] = g_param_spec_uint ("progress-rate", NULL, NULL, 1, 1000, 10, flags);
  /**
   * VirtMigrateSettings:retention:
   *
   * Seconds a finished job stays visible on D-Bus.
   */
  props[PROP_RETENTION] = g_param_spec_uint ("retention", NULL, NULL, 0, G_MAXUINT, 60, flags);
  /**
   * VirtMigrateSettings:max-parallel:
   *
   * Migrations a manager runs at once (0: no limit); more wait, pending.
   */
  props[PROP_MAX_PARALLEL] = g_param_spec_uint ("max-parallel", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /**
   * VirtMigrateSettings:max-parallel-per-source:
   *
   * Migrations leaving one source URI at once (0: no limit).
   */
  props[PROP_MAX_PARALLEL_PER_SOURCE] = g_param_spec_uint ("max-parallel-per-source", NULL, NULL,
                                                           0, G_MAXUINT, 0, flags);
  /**
   * VirtMigrateSettings:max-parallel-per-destination:
   *
   * Migrations going to one destination URI at once (0: no limit).
   */
  props[PROP_MAX_PARALLEL_PER_DESTINATION] = g_param_spec_uint ("max-parallel-per-destination", NULL, NULL,
                                                                0, G_MAXUINT, 0, flags);
  /**
   * VirtMigrateSettings:bandwidth:
   *
   * MiB/s cap for a request that sets none (0: libvirt's default).
   */
  props[PROP_BANDWIDTH] = g_param_spec_uint64 ("bandwidth", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * VirtMigrateSettings:max-downtime:
   *
   * Longest switch-over pause, in ms, for a request that sets none (0:
   * libvirt's default).
   */
  props[PROP_MAX_DOWNTIME] = g_param_spec_uint64 ("max-downtime", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * VirtMigrateSettings:history-size:
   *
   * How many finished migrations a manager's #VirtMigrateHistory keeps,
   * the newest ones (0: no history is written).
   */
  props[PROP_HISTORY_SIZE] = g_param_spec_uint ("history-size", NULL, NULL, 0, 1000000, 1000, flags);
  /**
   * VirtMigrateSettings:postcopy-recovery-timeout:
   *
   * When a post-copy migration's stream breaks, how many seconds its job
   * keeps trying to resume it (with back-off) before it gives up, for a
   * request that sets none (0: no automatic recovery).
   */
  props[PROP_POSTCOPY_RECOVERY_TIMEOUT] = g_param_spec_uint ("postcopy-recovery-timeout", NULL, NULL, 0, 86400,
                                                             300, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
virt_migrate_settings_init (VirtMigrateSettings *self)
{
  self->poll_interval = 250;
  self->progress_rate = 10;
  self->retention = 60;
  self->history_size = 1000;
  self->postcopy_recovery_timeout = 300;
}

static void
on_key_changed (GSettings *settings, const char *key, VirtMigrateSettings *self)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), key);
  g_autoptr(GVariant) value = NULL;

  if (pspec == NULL)
    return;
  value = g_settings_get_value (settings, key);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    g_object_set (self, key, g_variant_get_uint64 (value), NULL);
  else
    g_object_set (self, key, g_variant_get_uint32 (value), NULL);
}

static VirtMigrateSettings *
settings_new (GSettingsBackend *backend, gboolean default_backend)
{
  VirtMigrateSettings *self = g_object_new (VIRT_MIGRATE_TYPE_SETTINGS, NULL);
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, VIRT_MIGRATE_SETTINGS_SCHEMA, TRUE);
  if (schema == NULL)
    {
      g_debug ("GSettings schema %s not installed: using its defaults", VIRT_MIGRATE_SETTINGS_SCHEMA);
      return self;
    }
  self->settings = g_settings_new_full (schema, default_backend ? NULL : backend, NULL);
  g_signal_connect (self->settings, "changed", G_CALLBACK (on_key_changed), self);
  for (guint i = 1; i < N_PROPS; i++)
    on_key_changed (self->settings, g_param_spec_get_name (props[i]), self);
  return self;
}

/**
 * virt_migrate_settings_new:
 *
 * Reads the `org.virtmigrate.VirtMigrate` settings from the default
 * backend (dconf for a user, the keyfile backend or the schema's defaults
 * for a system service).
 *
 * Returns: (transfer full): the settings
 */
VirtMigrateSettings *
virt_migrate_settings_new (void)
{
  return settings_new (NULL, TRUE);
}

/**
 * virt_migrate_settings_new_with_backend:
 * @backend: a #GSettingsBackend, e.g. from g_memory_settings_backend_new()
 *
 * Returns: (transfer full): settings read from @backend
 */
VirtMigrateSettings *
virt_migrate_settings_new_with_backend (GSettingsBackend *backend)
{
  g_return_val_if_fail (backend != NULL, NULL);
  return settings_new (backend, FALSE);
}

/**
 * virt_migrate_settings_get_gsettings:
 * @self: a #VirtMigrateSettings
 *
 * Returns: (transfer none) (nullable): the #GSettings behind @self, %NULL
 *   when the schema is not installed
 */
GSettings *
virt_migrate_settings_get_gsettings (VirtMigrateSettings *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_SETTINGS (self), NULL);
  return self->settings;
}

#define GETTER(type, name, fallback) \
  type \
  virt_migrate_settings_get_##name (VirtMigrateSettings *self) \
  { \
    g_return_val_if_fail (VIRT_MIGRATE_IS_SETTINGS (self), fallback); \
    return self->name; \
  }

/**
 * virt_migrate_settings_get_poll_interval:
 * @self: a #VirtMigrateSettings
 *
 * Returns: #VirtMigrateSettings:poll-interval
 */
GETTER (guint, poll_interval, 250)
/**
 * virt_migrate_settings_get_progress_rate:
 * @self: a #VirtMigrateSettings
 *
 * Returns: #VirtMigrateSettings:progress-rate
 */
GETTER (guint, progress_rate, 10)
/**
 * virt_migrate_settings_get_retention:
 * @self: a #VirtMigrateSettings
 *
 * Returns: #VirtMigrateSettings:retention
 */
GETTER (guint, retention, 60)
/**
 * virt_migrate_settings_get_history_size:
 * @self: a #VirtMigrateSettings
 *
 * Returns: #VirtMigrateSettings:history-size
 */
GETTER (guint, history_size, 1000)

/**
 * virt_migrate_settings_get_postcopy_recovery_timeout:
 * @self: a #VirtMigrateSettings
 *
 * Returns: #VirtMigrateSettings:postcopy-recovery-timeout
 */
GETTER (guint, postcopy_recovery_timeout, 300)
/**
 * virt_migrate_settings_get_max_parallel:
 * @self: a #VirtMigrateSettings
 *
 * Returns: #VirtMigrateSettings:max-parallel
 */
GETTER (guint, max_parallel, 0)
/**
 * virt_migrate_settings_get_max_parallel_per_source:
 * @self: a #VirtMigrateSettings
 *
 * Returns: #VirtMigrateSettings:max-parallel-per-source
 */
GETTER (guint, max_parallel_per_source, 0)
/**
 * virt_migrate_settings_get_max_parallel_per_destination:
 * @self: a #VirtMigrateSettings
 *
 * Returns: #VirtMigrateSettings:max-parallel-per-destination
 */
GETTER (guint, max_parallel_per_destination, 0)
/**
 * virt_migrate_settings_get_bandwidth:
 * @self: a #VirtMigrateSettings
 *
 * Returns: #VirtMigrateSettings:bandwidth
 */
GETTER (guint64, bandwidth, 0)
/**
 * virt_migrate_settings_get_max_downtime:
 * @self: a #VirtMigrateSettings
 *
 * Returns: #VirtMigrateSettings:max-downtime
 */
GETTER (guint64, max_downtime, 0)

/**
 * virt_migrate_settings_create_policy:
 * @self: a #VirtMigrateSettings
 *
 * Creates a #VirtMigratePolicy that follows the `policy-*` keys
 * (`policy-enabled`, `policy-stall-window`, `policy-stall-iterations`,
 * `policy-downtime-steps`,
 * `policy-downtime-max`, `policy-completion-timeout-per-gib`,
 * `policy-completion-action`, `policy-postcopy-on-stall`, `policy-predict`,
 * `policy-bandwidth-schedule`); with no schema
 * installed, a policy with the defaults.
 *
 * Returns: (transfer full): the policy
 */
VirtMigratePolicy *
virt_migrate_settings_create_policy (VirtMigrateSettings *self)
{
  static const char *const keys[][2] = {
    { "policy-enabled", "enabled" },
    { "policy-stall-window", "stall-window" },
    { "policy-stall-iterations", "stall-iterations" },
    { "policy-downtime-steps", "downtime-steps" },
    { "policy-downtime-max", "downtime-max" },
    { "policy-completion-timeout-per-gib", "completion-timeout-per-gib" },
    { "policy-completion-action", "completion-action" },
    { "policy-postcopy-on-stall", "postcopy-on-stall" },
    { "policy-predict", "predict" },
    { "policy-bandwidth-schedule", "bandwidth-schedule" },
  };
  VirtMigratePolicy *policy;

  g_return_val_if_fail (VIRT_MIGRATE_IS_SETTINGS (self), NULL);
  policy = virt_migrate_policy_new ();
  if (self->settings != NULL)
    {
      g_autoptr(GSettingsSchema) schema = NULL;

      g_object_get (self->settings, "settings-schema", &schema, NULL);
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          /* An older schema installed next to a newer library: its
           * default instead of GLib's abort. */
          if (!g_settings_schema_has_key (schema, keys[i][0]))
            {
              g_debug ("the installed settings schema has no key %s: its default applies", keys[i][0]);
              continue;
            }
          g_settings_bind (self->settings, keys[i][0], policy, keys[i][1],
                           G_SETTINGS_BIND_GET | G_SETTINGS_BIND_NO_SENSITIVITY);
        }
    }
  return policy;
}
