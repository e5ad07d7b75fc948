/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A request to and from an a{sv}, as D-Bus carries it. */
#include "config.h"

#include <string.h>

#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-error.h"
#include "virt-migrate-request-internal.h"

static const char *
variant_type_hint (GParamSpec *pspec)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

  if (type == G_TYPE_STRING || G_TYPE_IS_ENUM (type))
    return "a string (D-Bus type 's')";
  if (type == G_TYPE_BOOLEAN)
    return "a boolean (D-Bus type 'b')";
  if (type == G_TYPE_STRV)
    return "a string array (D-Bus type 'as')";
  return "an integer (any D-Bus integer type)";
}

/* Reads any D-Bus integer type; returns FALSE if @v is no integer. */
static gboolean
variant_get_integer (GVariant *v,
                     gboolean *negative,
                     guint64  *magnitude)
{
  gint64 s = 0;

  switch (g_variant_classify (v))
    {
    case G_VARIANT_CLASS_BYTE:   *negative = FALSE; *magnitude = g_variant_get_byte (v); return TRUE;
    case G_VARIANT_CLASS_UINT16: *negative = FALSE; *magnitude = g_variant_get_uint16 (v); return TRUE;
    case G_VARIANT_CLASS_UINT32: *negative = FALSE; *magnitude = g_variant_get_uint32 (v); return TRUE;
    case G_VARIANT_CLASS_UINT64: *negative = FALSE; *magnitude = g_variant_get_uint64 (v); return TRUE;
    case G_VARIANT_CLASS_INT16:  s = g_variant_get_int16 (v); break;
    case G_VARIANT_CLASS_INT32:  s = g_variant_get_int32 (v); break;
    case G_VARIANT_CLASS_INT64:  s = g_variant_get_int64 (v); break;
    default:
      return FALSE;
    }
  *negative = s < 0;
  *magnitude = s < 0 ? (guint64) (-(s + 1)) + 1 : (guint64) s;
  return TRUE;
}

static gboolean
integer_range (GParamSpec *pspec,
               gint64     *min,
               guint64    *max)
{
  guint prop = pspec->param_id;

  if (prop == 0 || prop >= N_PROPS || !virt_migrate_request_limits[prop].set)
    return FALSE;
  *min = virt_migrate_request_limits[prop].min;
  *max = virt_migrate_request_limits[prop].max;
  return TRUE;
}

static gboolean
value_from_variant (GParamSpec *pspec,
                    GVariant   *v,
                    GValue     *value,
                    GError    **error)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  const char *key = pspec->name;
  gint64 min;
  guint64 max;

  if (type == G_TYPE_STRING || G_TYPE_IS_ENUM (type))
    {
      const char *s;
      gsize len;
      gsize limit = request_string_limit (key);

      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
        goto wrong_type;
      s = g_variant_get_string (v, &len);
      if (len > limit)
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                       "Request key '%s' is too long (%" G_GSIZE_FORMAT " bytes, at most %"
                       G_GSIZE_FORMAT ")", key, len, limit);
          return FALSE;
        }
      /* GVariant's text parser lets "\377" through. */
      if (!g_utf8_validate_len (s, len, NULL))
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE,
                       "Request key '%s' is not valid UTF-8", key);
          return FALSE;
        }
      if (type == G_TYPE_STRING)
        {
          g_value_set_string (value, s);
          return TRUE;
        }
      else
        {
          g_autoptr(GEnumClass) klass = g_type_class_ref (type);
          GEnumValue *ev = g_enum_get_value_by_nick (klass, s);
          g_autoptr(GString) valid = g_string_new (NULL);

          if (ev != NULL)
            {
              g_value_set_enum (value, ev->value);
              return TRUE;
            }
          for (guint i = 0; i < klass->n_values; i++)
            g_string_append_printf (valid, "%s'%s'", i > 0 ? ", " : "",
                                    klass->values[i].value_nick);
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                       "Request key '%s' has an unknown value '%s' (expected one of %s)",
                       key, s, valid->str);
          return FALSE;
        }
    }

  if (type == G_TYPE_BOOLEAN)
    {
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
        goto wrong_type;
      g_value_set_boolean (value, g_variant_get_boolean (v));
      return TRUE;
    }

  if (type == G_TYPE_STRV)
    {
      g_autofree const char **strv = NULL;

      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY))
        goto wrong_type;
      if (g_variant_n_children (v) > MAX_LIST_LENGTH)
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                       "Request key '%s' has %" G_GSIZE_FORMAT " elements, at most %d", key,
                       g_variant_n_children (v), MAX_LIST_LENGTH);
          return FALSE;
        }
      strv = g_variant_get_strv (v, NULL);
      for (guint i = 0; strv[i] != NULL; i++)
        {
          if (strlen (strv[i]) > MAX_STRING_LENGTH)
            {
              g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                           "Request key '%s' has an element that is too long (at most %d bytes)", key,
                           MAX_STRING_LENGTH);
              return FALSE;
            }
          if (!g_utf8_validate (strv[i], -1, NULL))
            {
              g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE,
                           "Request key '%s' has an element that is not valid UTF-8", key);
              return FALSE;
            }
        }
      g_value_set_boxed (value, strv);
      return TRUE;
    }

  if (integer_range (pspec, &min, &max))
    {
      gboolean negative;
      guint64 magnitude;

      if (!variant_get_integer (v, &negative, &magnitude))
        goto wrong_type;
      if ((negative && (min >= 0 || magnitude > (guint64) -(min + 1) + 1)) ||
          (!negative && magnitude > max) ||
          (!negative && min > 0 && magnitude < (guint64) min))
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE,
                       "Request key '%s' is out of range (allowed: %" G_GINT64_FORMAT
                       " to %" G_GUINT64_FORMAT ")", key, min, max);
          return FALSE;
        }
      if (G_IS_PARAM_SPEC_INT (pspec))
        g_value_set_int (value, negative ? -(gint) (magnitude - 1) - 1 : (gint) magnitude);
      else if (G_IS_PARAM_SPEC_UINT (pspec))
        g_value_set_uint (value, (guint) magnitude);
      else
        g_value_set_uint64 (value, magnitude);
      return TRUE;
    }

  g_assert_not_reached ();

wrong_type:
  g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE,
               "Request key '%s' must be %s, not of type '%s'",
               key, variant_type_hint (pspec), g_variant_get_type_string (v));
  return FALSE;
}

/**
 * virt_migrate_request_new_from_variant:
 * @dict: an `a{sv}` dictionary whose keys are #VirtMigrateRequest property names
 * @error: return location for a #GError
 *
 * Builds a request from a dictionary, as received over D-Bus.  Keys that are
 * not request properties, values of the wrong type and values out of range
 * are rejected with %VIRT_MIGRATE_ERROR_UNKNOWN_KEY,
 * %VIRT_MIGRATE_ERROR_WRONG_TYPE or %VIRT_MIGRATE_ERROR_OUT_OF_RANGE and a
 * message naming the key.  The request is not validated as a whole; call
 * virt_migrate_request_validate() for that.
 *
 * Returns: (transfer full): a new request, or %NULL with @error set
 */
VirtMigrateRequest *
virt_migrate_request_new_from_variant (GVariant *dict,
                                       GError  **error)
{
  g_autoptr(VirtMigrateRequest) self = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *v;

  g_return_val_if_fail (dict != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_variant_is_of_type (dict, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_WRONG_TYPE,
                   "A request must be a dictionary of type 'a{sv}', not '%s'",
                   g_variant_get_type_string (dict));
      return NULL;
    }

  self = g_object_new (VIRT_MIGRATE_TYPE_REQUEST, NULL);
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &v))
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), key);
      g_auto(GValue) value = G_VALUE_INIT;

      if (pspec == NULL)
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_UNKNOWN_KEY,
                       "Unknown request key '%s'", key);
          g_variant_unref (v);
          return NULL;
        }
      g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspec));
      if (!value_from_variant (pspec, v, &value, error))
        {
          g_variant_unref (v);
          return NULL;
        }
      g_object_set_property (G_OBJECT (self), pspec->name, &value);
    }

  return g_steal_pointer (&self);
}

/**
 * virt_migrate_request_to_variant:
 * @self: a #VirtMigrateRequest
 *
 * Converts the request to an `a{sv}` dictionary with one entry per property
 * that differs from its default; virt_migrate_request_new_from_variant()
 * turns it back into an equal request.
 *
 * Returns: (transfer floating): an `a{sv}` #GVariant
 */
GVariant *
virt_migrate_request_to_variant (VirtMigrateRequest *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 1; i < N_PROPS; i++)
    {
      const GValue *value = &self->values[i];
      GType type = G_VALUE_TYPE (value);
      GVariant *v = NULL;

      if (g_param_value_defaults (virt_migrate_request_props[i], value))
        continue;

      if (type == G_TYPE_STRING)
        v = g_variant_new_string (g_value_get_string (value));
      else if (G_TYPE_IS_ENUM (type))
        v = g_variant_new_string (virt_migrate_enum_nick (type, g_value_get_enum (value)));
      else if (type == G_TYPE_BOOLEAN)
        v = g_variant_new_boolean (g_value_get_boolean (value));
      else if (type == G_TYPE_STRV)
        v = g_variant_new_strv (g_value_get_boxed (value), -1);
      else if (type == G_TYPE_INT)
        v = g_variant_new_int32 (g_value_get_int (value));
      else if (type == G_TYPE_UINT)
        v = g_variant_new_uint32 (g_value_get_uint (value));
      else if (type == G_TYPE_UINT64)
        v = g_variant_new_uint64 (g_value_get_uint64 (value));
      else
        g_assert_not_reached ();

      g_variant_builder_add (&builder, "{sv}", virt_migrate_request_props[i]->name, v);
    }
  return g_variant_builder_end (&builder);
}

