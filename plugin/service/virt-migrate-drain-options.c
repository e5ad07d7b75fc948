/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-drain-options.h"

/* --- options from D-Bus and HTTP -------------------------------------------- */

static const char *const drain_keys[] = {
  "destinations", "max-parallel", "placement", "include", "exclude", "dry-run", NULL
};

gboolean
virt_migrate_drain_split_options (GVariant   *dict,
                                  GVariant  **request_dict,
                                  GVariant  **options,
                                  char     ***destinations,
                                  GError    **error)
{
  GVariantBuilder req, opt;
  GVariantIter iter;
  const char *key;
  GVariant *value;
  g_auto(GStrv) dests = NULL;

  g_variant_builder_init (&req, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_init (&opt, G_VARIANT_TYPE_VARDICT);
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) v = value;

      if (g_str_equal (key, "domain") || g_str_equal (key, "dest-uri"))
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                       "A drain takes every guest of the source to its destinations: "
                       "'%s' does not apply (use include/exclude and destinations)", key);
          g_variant_builder_clear (&req);
          g_variant_builder_clear (&opt);
          return FALSE;
        }
      if (g_strv_contains (drain_keys, key))
        {
          if (g_str_equal (key, "destinations"))
            {
              if (!g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY))
                {
                  g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE,
                               "'destinations' must be of type as, not %s", g_variant_get_type_string (v));
                  g_variant_builder_clear (&req);
                  g_variant_builder_clear (&opt);
                  return FALSE;
                }
              g_strfreev (dests);
              dests = g_variant_dup_strv (v, NULL);
            }
          g_variant_builder_add (&opt, "{sv}", key, v);
        }
      else
        g_variant_builder_add (&req, "{sv}", key, v);
    }
  if (dests == NULL || dests[0] == NULL)
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_MISSING_DEST_URI,
                   "A drain needs at least one destination ('destinations': as)");
      g_variant_builder_clear (&req);
      g_variant_builder_clear (&opt);
      return FALSE;
    }
  *request_dict = g_variant_ref_sink (g_variant_builder_end (&req));
  *options = g_variant_ref_sink (g_variant_builder_end (&opt));
  *destinations = g_steal_pointer (&dests);
  return TRUE;
}

gboolean
virt_migrate_drain_apply_options (VirtMigrateDrain  *self,
                                  GVariant          *options,
                                  GError           **error)
{
  const char *placement = NULL;
  g_autofree const char **include = NULL;
  g_autofree const char **exclude = NULL;
  guint max_parallel = 0;
  gboolean dry_run = FALSE;
  struct { const char *key; const char *type; } types[] = {
    { "max-parallel", "u" }, { "placement", "s" }, { "include", "as" }, { "exclude", "as" },
    { "dry-run", "b" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GVariant) v = g_variant_lookup_value (options, types[i].key, NULL);

      if (v != NULL && !g_variant_is_of_type (v, G_VARIANT_TYPE (types[i].type)))
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE,
                       "'%s' must be of type %s, not %s", types[i].key, types[i].type,
                       g_variant_get_type_string (v));
          return FALSE;
        }
    }
  if (g_variant_lookup (options, "placement", "&s", &placement))
    {
      GEnumClass *klass = g_type_class_ref (VIRT_MIGRATE_TYPE_DRAIN_PLACEMENT);
      GEnumValue *value = g_enum_get_value_by_nick (klass, placement);

      g_type_class_unref (klass);
      if (value == NULL)
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                       "Unknown placement '%s': most-free-memory or first", placement);
          return FALSE;
        }
      virt_migrate_drain_set_placement (self, value->value);
    }
  if (g_variant_lookup (options, "max-parallel", "u", &max_parallel))
    {
      if (max_parallel > 1024)
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                       "max-parallel must be at most 1024, not %u", max_parallel);
          return FALSE;
        }
      virt_migrate_drain_set_max_parallel (self, max_parallel);
    }
  if (g_variant_lookup (options, "include", "^a&s", &include))
    virt_migrate_drain_set_include (self, include);
  if (g_variant_lookup (options, "exclude", "^a&s", &exclude))
    virt_migrate_drain_set_exclude (self, exclude);
  if (g_variant_lookup (options, "dry-run", "b", &dry_run))
    virt_migrate_drain_set_dry_run (self, dry_run);
  return TRUE;
}

