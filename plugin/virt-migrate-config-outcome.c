/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-config-outcome.h"
#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"

/**
 * VirtMigrateConfigOutcome:
 *
 * What a migration leaves of the guest's configuration files: whether the
 * guest is persistent on the destination, what happened to the source's
 * configuration and to the destination's.
 *
 * virt_migrate_config_outcome_predict() gives the outcome of the
 * "Configuration file handling" table of libvirt's migration guide (16
 * rows: source transient or persistent, destination configuration present
 * or not, `undefine-source`, `persist-dest`), as libvirt 9.0 behaves; a job
 * records the outcome it observed after the migration
 * (#VirtMigrateJob:config-outcome).
 */
struct _VirtMigrateConfigOutcome
{
  GObject                 parent_instance;
  VirtMigrateGuestType    dest_type;
  VirtMigrateSourceConfig source_config;
  VirtMigrateDestConfig   dest_config;
};

enum {
  PROP_0,
  PROP_DEST_TYPE,
  PROP_SOURCE_CONFIG,
  PROP_DEST_CONFIG,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (VirtMigrateConfigOutcome, virt_migrate_config_outcome, G_TYPE_OBJECT)

static void
virt_migrate_config_outcome_get_property (GObject *object, guint prop_id, GValue *value,
                                          GParamSpec *pspec)
{
  VirtMigrateConfigOutcome *self = VIRT_MIGRATE_CONFIG_OUTCOME (object);

  switch (prop_id)
    {
    case PROP_DEST_TYPE: g_value_set_enum (value, self->dest_type); break;
    case PROP_SOURCE_CONFIG: g_value_set_enum (value, self->source_config); break;
    case PROP_DEST_CONFIG: g_value_set_enum (value, self->dest_config); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_config_outcome_set_property (GObject *object, guint prop_id, const GValue *value,
                                          GParamSpec *pspec)
{
  VirtMigrateConfigOutcome *self = VIRT_MIGRATE_CONFIG_OUTCOME (object);

  switch (prop_id)
    {
    case PROP_DEST_TYPE: self->dest_type = g_value_get_enum (value); break;
    case PROP_SOURCE_CONFIG: self->source_config = g_value_get_enum (value); break;
    case PROP_DEST_CONFIG: self->dest_config = g_value_get_enum (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define CO (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS)

static void
virt_migrate_config_outcome_class_init (VirtMigrateConfigOutcomeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = virt_migrate_config_outcome_get_property;
  object_class->set_property = virt_migrate_config_outcome_set_property;

  /**
   * VirtMigrateConfigOutcome:dest-type:
   *
   * Whether the guest is persistent on the destination afterwards.
   */
  props[PROP_DEST_TYPE] = g_param_spec_enum ("dest-type", NULL, NULL, VIRT_MIGRATE_TYPE_GUEST_TYPE,
                                             VIRT_MIGRATE_GUEST_TYPE_TRANSIENT, CO);
  /**
   * VirtMigrateConfigOutcome:source-config:
   *
   * What happens to the source's configuration.
   */
  props[PROP_SOURCE_CONFIG] = g_param_spec_enum ("source-config", NULL, NULL,
                                                 VIRT_MIGRATE_TYPE_SOURCE_CONFIG,
                                                 VIRT_MIGRATE_SOURCE_CONFIG_NONE, CO);
  /**
   * VirtMigrateConfigOutcome:dest-config:
   *
   * What happens to the destination's configuration.
   */
  props[PROP_DEST_CONFIG] = g_param_spec_enum ("dest-config", NULL, NULL,
                                               VIRT_MIGRATE_TYPE_DEST_CONFIG,
                                               VIRT_MIGRATE_DEST_CONFIG_NONE, CO);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
virt_migrate_config_outcome_init (VirtMigrateConfigOutcome *self)
{
}

/**
 * virt_migrate_config_outcome_new:
 * @dest_type: the guest's type on the destination
 * @source_config: what happened to the source's configuration
 * @dest_config: what happened to the destination's configuration
 *
 * Returns: (transfer full): a new #VirtMigrateConfigOutcome
 */
VirtMigrateConfigOutcome *
virt_migrate_config_outcome_new (VirtMigrateGuestType    dest_type,
                                 VirtMigrateSourceConfig source_config,
                                 VirtMigrateDestConfig   dest_config)
{
  return g_object_new (VIRT_MIGRATE_TYPE_CONFIG_OUTCOME, "dest-type", dest_type,
                       "source-config", source_config, "dest-config", dest_config, NULL);
}

/**
 * virt_migrate_config_outcome_predict:
 * @source_persistent: whether the guest is persistent on the source
 * @dest_config_exists: whether the destination already has a configuration of the guest
 * @undefine_source: #VirtMigrateRequest:undefine-source
 * @persist_dest: #VirtMigrateRequest:persist-dest
 *
 * The configuration outcome of a successful migration, per the migration
 * guide's table: the source's configuration is removed only with
 * @undefine_source; with @persist_dest the destination gets the source's
 * configuration (created, or replacing its own); without it an existing
 * destination configuration stays unchanged and keeps the guest persistent
 * there, and a guest with no destination configuration arrives transient.
 *
 * Returns: (transfer full): the predicted outcome
 */
VirtMigrateConfigOutcome *
virt_migrate_config_outcome_predict (gboolean source_persistent,
                                     gboolean dest_config_exists,
                                     gboolean undefine_source,
                                     gboolean persist_dest)
{
  VirtMigrateSourceConfig source = !source_persistent ? VIRT_MIGRATE_SOURCE_CONFIG_NONE :
                                   undefine_source ? VIRT_MIGRATE_SOURCE_CONFIG_REMOVED :
                                   VIRT_MIGRATE_SOURCE_CONFIG_KEPT;
  VirtMigrateDestConfig dest;

  if (persist_dest)
    dest = dest_config_exists ? VIRT_MIGRATE_DEST_CONFIG_REPLACED : VIRT_MIGRATE_DEST_CONFIG_CREATED;
  else
    dest = dest_config_exists ? VIRT_MIGRATE_DEST_CONFIG_UNCHANGED : VIRT_MIGRATE_DEST_CONFIG_NONE;

  return virt_migrate_config_outcome_new (dest == VIRT_MIGRATE_DEST_CONFIG_NONE ?
                                          VIRT_MIGRATE_GUEST_TYPE_TRANSIENT :
                                          VIRT_MIGRATE_GUEST_TYPE_PERSISTENT,
                                          source, dest);
}

/**
 * virt_migrate_config_outcome_get_dest_type:
 * @self: a #VirtMigrateConfigOutcome
 *
 * Returns: the guest's type on the destination
 */
VirtMigrateGuestType
virt_migrate_config_outcome_get_dest_type (VirtMigrateConfigOutcome *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_CONFIG_OUTCOME (self), 0);
  return self->dest_type;
}

/**
 * virt_migrate_config_outcome_get_source_config:
 * @self: a #VirtMigrateConfigOutcome
 *
 * Returns: what happens to the source's configuration
 */
VirtMigrateSourceConfig
virt_migrate_config_outcome_get_source_config (VirtMigrateConfigOutcome *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_CONFIG_OUTCOME (self), 0);
  return self->source_config;
}

/**
 * virt_migrate_config_outcome_get_dest_config:
 * @self: a #VirtMigrateConfigOutcome
 *
 * Returns: what happens to the destination's configuration
 */
VirtMigrateDestConfig
virt_migrate_config_outcome_get_dest_config (VirtMigrateConfigOutcome *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_CONFIG_OUTCOME (self), 0);
  return self->dest_config;
}

/**
 * virt_migrate_config_outcome_equal:
 * @self: a #VirtMigrateConfigOutcome
 * @other: another #VirtMigrateConfigOutcome
 *
 * Returns: %TRUE if both describe the same outcome
 */
gboolean
virt_migrate_config_outcome_equal (VirtMigrateConfigOutcome *self,
                                   VirtMigrateConfigOutcome *other)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_CONFIG_OUTCOME (self), FALSE);
  g_return_val_if_fail (VIRT_MIGRATE_IS_CONFIG_OUTCOME (other), FALSE);
  return self->dest_type == other->dest_type && self->source_config == other->source_config &&
         self->dest_config == other->dest_config;
}

/**
 * virt_migrate_config_outcome_to_string:
 * @self: a #VirtMigrateConfigOutcome
 *
 * Returns: (transfer full): e.g. "destination: persistent, source config:
 *   removed, destination config: replaced"
 */
char *
virt_migrate_config_outcome_to_string (VirtMigrateConfigOutcome *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_CONFIG_OUTCOME (self), NULL);
  return g_strdup_printf ("destination: %s, source config: %s, destination config: %s",
                          virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_GUEST_TYPE, self->dest_type),
                          virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_SOURCE_CONFIG, self->source_config),
                          virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_DEST_CONFIG, self->dest_config));
}

/**
 * virt_migrate_config_outcome_to_variant:
 * @self: a #VirtMigrateConfigOutcome
 *
 * Returns: (transfer floating): an `a{sv}` with the keys `dest-type`,
 *   `source-config` and `dest-config`, each an enum nick
 */
GVariant *
virt_migrate_config_outcome_to_variant (VirtMigrateConfigOutcome *self)
{
  GVariantDict dict;

  g_return_val_if_fail (VIRT_MIGRATE_IS_CONFIG_OUTCOME (self), NULL);
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "dest-type", "s", virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_GUEST_TYPE, self->dest_type));
  g_variant_dict_insert (&dict, "source-config", "s",
                         virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_SOURCE_CONFIG, self->source_config));
  g_variant_dict_insert (&dict, "dest-config", "s",
                         virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_DEST_CONFIG, self->dest_config));
  return g_variant_dict_end (&dict);
}
