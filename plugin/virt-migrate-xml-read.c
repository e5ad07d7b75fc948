/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Two reads of libvirt's XML the pre-flight needs, with GMarkup (never a
 * string search): one element copied out whole (a guest's <cpu>, for
 * virConnectCompareHypervisorCPU()), and whether domain capabilities offer
 * a value (<disk supported='yes'><enum name='bus'><value>virtio</value>). */
#include "config.h"

#include <string.h>

#include "virt-migrate-guest-xml.h"

/* --- one element, copied out ----------------------------------------- */

typedef struct {
  const char *const *path;
  guint              depth;   /* elements open that match the path so far */
  guint              open;    /* elements open in all */
  guint              inside;  /* > 0: within the element copied (its depth) */
  GString           *out;
  gboolean           done;
} Copy;

static void
copy_start (GMarkupParseContext *context, const char *element, const char **names,
            const char **values, gpointer user_data, GError **error)
{
  Copy *c = user_data;

  if (!c->done && c->inside == 0 && c->depth == c->open && c->path[c->depth] != NULL &&
      g_str_equal (element, c->path[c->depth]))
    {
      c->depth++;
      if (c->path[c->depth] == NULL)
        c->inside = c->open + 1;
    }
  c->open++;
  if (c->inside > 0)
    {
      g_autofree char *name = g_markup_escape_text (element, -1);

      g_string_append_printf (c->out, "<%s", name);
      for (guint i = 0; names[i] != NULL; i++)
        {
          g_autofree char *n = g_markup_escape_text (names[i], -1);
          g_autofree char *v = g_markup_escape_text (values[i], -1);

          g_string_append_printf (c->out, " %s='%s'", n, v);
        }
      g_string_append_c (c->out, '>');
    }
}

static void
copy_end (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  Copy *c = user_data;

  if (c->inside > 0)
    {
      g_autofree char *name = g_markup_escape_text (element, -1);

      g_string_append_printf (c->out, "</%s>", name);
      if (c->open == c->inside)
        {
          c->inside = 0;
          c->done = TRUE;
        }
    }
  if (c->depth == c->open)
    c->depth--;
  c->open--;
}

static void
copy_text (GMarkupParseContext *context, const char *text, gsize len, gpointer user_data, GError **error)
{
  Copy *c = user_data;

  if (c->inside > 0)
    {
      g_autofree char *escaped = g_markup_escape_text (text, (gssize) len);

      g_string_append (c->out, escaped);
    }
}

char *
virt_migrate_xml_copy_element (const char *xml, const char *const *path)
{
  static const GMarkupParser parser = { copy_start, copy_end, copy_text, NULL, NULL };
  g_autoptr(GString) out = g_string_new (NULL);
  Copy c = { path, 0, 0, 0, out, FALSE };

  if (!virt_migrate_xml_parse (&parser, xml, &c) || !c.done)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* --- what domain capabilities offer ---------------------------------- */

typedef struct {
  const char *element, *enum_name, *value;
  guint       in_element;  /* depth of the <ELEMENT supported=…> open, 0: none */
  guint       in_enum;     /* depth of its <enum name=ENUM> open, 0: none */
  gboolean    in_value;
  guint       open;
  int         supported;   /* -1 not seen, 0 'no', 1 'yes' */
  gboolean    enum_seen, value_seen;
  GString    *text;
} Offer;

static void
offer_start (GMarkupParseContext *context, const char *element, const char **names,
             const char **values, gpointer user_data, GError **error)
{
  Offer *o = user_data;
  const char *supported = NULL, *name = NULL;

  o->open++;
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (g_str_equal (names[i], "supported"))
        supported = values[i];
      else if (g_str_equal (names[i], "name"))
        name = values[i];
    }
  if (o->in_element == 0 && o->supported < 0 && supported != NULL && g_str_equal (element, o->element))
    {
      o->in_element = o->open;
      o->supported = g_str_equal (supported, "yes");
    }
  else if (o->in_element > 0 && o->in_enum == 0 && g_str_equal (element, "enum") && g_strcmp0 (name, o->enum_name) == 0)
    {
      o->in_enum = o->open;
      o->enum_seen = TRUE;
    }
  else if (o->in_enum > 0 && g_str_equal (element, "value"))
    {
      o->in_value = TRUE;
      g_string_truncate (o->text, 0);
    }
}

static void
offer_end (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  Offer *o = user_data;

  if (o->in_value && g_str_equal (element, "value"))
    {
      o->in_value = FALSE;
      if (g_str_equal (g_strstrip (o->text->str), o->value))
        o->value_seen = TRUE;
    }
  if (o->in_enum == o->open)
    o->in_enum = 0;
  if (o->in_element == o->open)
    o->in_element = 0;
  o->open--;
}

static void
offer_text (GMarkupParseContext *context, const char *text, gsize len, gpointer user_data, GError **error)
{
  Offer *o = user_data;

  if (o->in_value)
    g_string_append_len (o->text, text, (gssize) len);
}

int
virt_migrate_domcaps_offer (const char *caps, const char *element, const char *enum_name, const char *value)
{
  static const GMarkupParser parser = { offer_start, offer_end, offer_text, NULL, NULL };
  g_autoptr(GString) text = g_string_new (NULL);
  Offer o = { element, enum_name, value, 0, 0, FALSE, 0, -1, FALSE, FALSE, text };

  if (!virt_migrate_xml_parse (&parser, caps, &o) || o.supported < 0)
    return -1;
  if (o.supported == 0)
    return 0;
  if (!o.enum_seen)
    return -1;
  return o.value_seen ? 1 : 0;
}

/* --- storage pools ---------------------------------------------------------- */

static const char *const pool_name_path[] = { "pool", "name", NULL };
static const char *const pool_dir_path[] = { "pool", "target", "path", NULL };

/* The text at @want_path of the first pool whose text at @key_path is @key. */
static char *
pools_lookup (GPtrArray *pools, const char *const *key_path, const char *key, const char *const *want_path)
{
  for (guint i = 0; pools != NULL && i < pools->len; i++)
    {
      g_autofree char *k = NULL;
      char *want = NULL;

      if (virt_migrate_xml_path_text (g_ptr_array_index (pools, i), key_path, &k) && g_str_equal (k, key) &&
          virt_migrate_xml_path_text (g_ptr_array_index (pools, i), want_path, &want))
        return want;
    }
  return NULL;
}

char *
virt_migrate_pools_dir (GPtrArray *pools, const char *name)
{
  return pools_lookup (pools, pool_name_path, name, pool_dir_path);
}

char *
virt_migrate_pools_covering (GPtrArray *pools, const char *dir)
{
  return pools_lookup (pools, pool_dir_path, dir, pool_name_path);
}

gboolean
virt_migrate_pools_has (GPtrArray *pools, const char *name)
{
  g_autofree char *found = pools_lookup (pools, pool_name_path, name, pool_name_path);

  return found != NULL;
}

static void
pool_type_start (GMarkupParseContext *context, const char *element, const char **names,
                 const char **values, gpointer user_data, GError **error)
{
  char **type = user_data;

  for (guint i = 0; *type == NULL && g_str_equal (element, "pool") && names[i] != NULL; i++)
    if (g_str_equal (names[i], "type"))
      *type = g_strdup (values[i]);
}

gboolean
virt_migrate_pools_file_backed (GPtrArray *pools, const char *name)
{
  static const GMarkupParser parser = { pool_type_start, NULL, NULL, NULL, NULL };

  for (guint i = 0; pools != NULL && i < pools->len; i++)
    {
      g_autofree char *k = NULL, *type = NULL;

      if (virt_migrate_xml_path_text (g_ptr_array_index (pools, i), pool_name_path, &k) && g_str_equal (k, name))
        return virt_migrate_xml_parse (&parser, g_ptr_array_index (pools, i), &type) && type != NULL &&
               (g_str_equal (type, "dir") || g_str_equal (type, "fs") || g_str_equal (type, "netfs") ||
                g_str_equal (type, "vstorage"));
    }
  return FALSE;
}

char *
virt_migrate_pools_dir_func (const char *pool, gpointer pools)
{
  return virt_migrate_pools_dir (pools, pool);
}
