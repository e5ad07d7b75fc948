/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bound on a history record's size (see virt_migrate_history_append()). */
#include "config.h"

#include <string.h>

#include "virt-migrate-history-private.h"

/* A record's strings and lists are bounded, so that no record (a 64 KiB
 * domain name, a libvirt error quoting a whole XML, thousands of policy
 * lines) can make the file or a reply huge: a longer string is cut at a
 * character's start and marked, a longer list keeps its first elements and
 * says how many more there were. */
#define RECORD_STRING_MAX 1024
#define RECORD_LIST_MAX 32
#define RECORD_LIST_STRING_MAX 256

/* Returns: (transfer full): @value bounded (@string_max: its strings' bound),
 * a strong reference. */
static GVariant *
bound_value_within (GVariant *value, gsize string_max)
{
  const GVariantType *type = g_variant_get_type (value);
  GVariant *result;

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    {
      gsize len = 0;
      const char *text = g_variant_get_string (value, &len);
      const char *cut;

      if (len <= string_max)
        return g_variant_ref (value);
      cut = g_utf8_find_prev_char (text, text + string_max + 1);
      return g_variant_ref_sink (g_variant_new_take_string (
        g_strdup_printf ("%.*s… [%" G_GSIZE_FORMAT " bytes cut]", (int) (cut - text), text,
                         len - (gsize) (cut - text))));
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (value);
      g_autoptr(GVariant) bounded = bound_value_within (inner, string_max);

      return g_variant_ref_sink (g_variant_new_variant (bounded));
    }
  if ((g_variant_type_is_array (type) && !g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING)) ||
      g_variant_type_is_dict_entry (type) || g_variant_type_is_tuple (type))
    {
      gboolean array = g_variant_type_is_array (type);
      gsize n = g_variant_n_children (value), keep = array ? MIN (n, RECORD_LIST_MAX) : n, len = keep;
      g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

      for (gsize i = 0; i < keep; i++)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

          /* A list's strings (policy lines, flags) are short ones. */
          g_ptr_array_add (children, bound_value_within (child, array ? MIN (string_max, RECORD_LIST_STRING_MAX)
                                                                      : string_max));
        }
      /* A list of strings says what it left out. */
      if (n > keep && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
        {
          g_ptr_array_add (children, g_variant_ref_sink (g_variant_new_take_string (
                                       g_strdup_printf ("… [%" G_GSIZE_FORMAT " more]", n - keep))));
          len++;
        }
      if (array)
        result = g_variant_new_array (g_variant_type_element (type), (GVariant **) children->pdata, len);
      else if (g_variant_type_is_dict_entry (type))
        result = g_variant_new_dict_entry (g_ptr_array_index (children, 0), g_ptr_array_index (children, 1));
      else
        result = g_variant_new_tuple ((GVariant **) children->pdata, len);
      return g_variant_ref_sink (result);
    }
  return g_variant_ref (value);
}

GVariant *
virt_migrate_history_bound_record (GVariant *value)
{
  return bound_value_within (value, RECORD_STRING_MAX);
}
