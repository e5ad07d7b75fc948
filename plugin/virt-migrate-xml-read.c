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

/* --- host CPUs and NUMA nodes ---------------------------------------------- */

static gint
cmp_ids (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

/* libvirt's own bound on a CPU or node id (VIR_DOMAIN_CPUMASK_LEN). */
#define MAX_IDS 16384

gboolean
virt_migrate_parse_id_set (const char *set, GArray *ids)
{
  g_auto(GStrv) parts = g_strsplit (set, ",", -1);
  g_autofree guint8 *in = g_malloc0 (MAX_IDS / 8);
  guint n = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *part = g_strstrip (parts[i]), *end = NULL;
      gboolean exclude = part[0] == '^';
      guint64 first, last;

      if (exclude)
        part++;
      if (!g_ascii_isdigit (part[0]))
        return FALSE;
      first = last = g_ascii_strtoull (part, &end, 10);
      if (*end == '-' && !exclude)
        {
          if (!g_ascii_isdigit (end[1]))
            return FALSE;
          last = g_ascii_strtoull (end + 1, &end, 10);
        }
      if (*end != '\0' || last < first || last >= MAX_IDS)
        return FALSE;
      /* An exclusion takes the id out whatever its place in the list, as libvirt's. */
      for (guint64 id = first; id <= last && !exclude; id++)
        in[id / 8] |= 1 << (id % 8);
      n++;
    }
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] == '^')
      {
        guint64 id = g_ascii_strtoull (parts[i] + 1, NULL, 10);

        in[id / 8] &= ~(1 << (id % 8));
      }
  for (guint id = 0; id < MAX_IDS; id++)
    if (in[id / 8] & (1 << (id % 8)))
      g_array_append_val (ids, id);
  return n > 0;
}

typedef struct {
  GArray  *cpus;
  GArray  *cells;
  gboolean in_host;
  gboolean in_topology;
} Topology;

static void
topology_start (GMarkupParseContext *context, const char *element, const char **names,
                const char **values, gpointer user_data, GError **error)
{
  Topology *t = user_data;
  const GSList *stack = g_markup_parse_context_get_element_stack (context);
  const char *parent = stack->next != NULL ? stack->next->data : "";
  GArray *into = NULL;

  if (g_str_equal (element, "topology") && g_str_equal (parent, "host"))
    t->in_topology = TRUE;
  else if (t->in_topology && g_str_equal (element, "cell") && g_str_equal (parent, "cells"))
    into = t->cells;
  else if (t->in_topology && g_str_equal (element, "cpu") && g_str_equal (parent, "cpus"))
    into = t->cpus;
  for (guint i = 0; into != NULL && names[i] != NULL; i++)
    if (g_str_equal (names[i], "id"))
      {
        guint id = (guint) g_ascii_strtoull (values[i], NULL, 10);

        g_array_append_val (into, id);
      }
}

static void
topology_end (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  Topology *t = user_data;

  if (g_str_equal (element, "topology"))
    t->in_topology = FALSE;
}

gboolean
virt_migrate_caps_topology (const char *caps, GArray *cpus, GArray *cells)
{
  static const GMarkupParser parser = { topology_start, topology_end, NULL, NULL, NULL };
  Topology t = { cpus, cells, FALSE, FALSE };

  g_array_set_size (cpus, 0);
  g_array_set_size (cells, 0);
  if (caps == NULL || !virt_migrate_xml_parse (&parser, caps, &t))
    return FALSE;
  g_array_sort (cpus, cmp_ids);
  g_array_sort (cells, cmp_ids);
  return cpus->len > 0 && cells->len > 0;
}

/* --- storage pools ---------------------------------------------------------- */

static const char *const pool_name_path[] = { "pool", "name", NULL };
static const char *const pool_dir_path[] = { "pool", "target", "path", NULL };

/* The XML of the first of @pools whose text at @key_path is @key; NULL: none. */
static const char *
pool_where (GPtrArray *pools, const char *const *key_path, const char *key)
{
  for (guint i = 0; pools != NULL && i < pools->len; i++)
    {
      const char *xml = g_ptr_array_index (pools, i);
      g_autofree char *k = NULL;

      if (virt_migrate_xml_path_text (xml, key_path, &k) && g_strcmp0 (k, key) == 0)
        return xml;
    }
  return NULL;
}

/* The text at @want_path of the first pool whose text at @key_path is @key. */
static char *
pools_lookup (GPtrArray *pools, const char *const *key_path, const char *key, const char *const *want_path)
{
  const char *xml = pool_where (pools, key_path, key);
  char *want = NULL;

  if (xml != NULL)
    virt_migrate_xml_path_text (xml, want_path, &want);
  return want;
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

guint64
virt_migrate_pools_available (GPtrArray *pools, const char *name)
{
  static const char *const available_path[] = { "pool", "available", NULL };
  const char *xml = pool_where (pools, pool_name_path, name);

  return xml != NULL ? virt_migrate_xml_path_bytes (xml, available_path) : 0;
}

gboolean
virt_migrate_pools_has (GPtrArray *pools, const char *name)
{
  return pool_where (pools, pool_name_path, name) != NULL;
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
  const char *xml = pool_where (pools, pool_name_path, name);
  g_autofree char *type = NULL;

  return xml != NULL && virt_migrate_xml_parse (&parser, xml, &type) && type != NULL &&
         (g_str_equal (type, "dir") || g_str_equal (type, "fs") || g_str_equal (type, "netfs") ||
          g_str_equal (type, "vstorage"));
}

typedef struct {
  GPtrArray *paths;
  GString   *text;
  gboolean   in_value;
} Loaders;

static void
loaders_start (GMarkupParseContext *context, const char *element, const char **names,
               const char **values, gpointer user_data, GError **error)
{
  const GSList *stack = g_markup_parse_context_get_element_stack (context);
  Loaders *l = user_data;

  /* <domainCapabilities><os><loader><value>, not an <enum>'s. */
  l->in_value = g_str_equal (element, "value") && stack->next != NULL && g_str_equal (stack->next->data, "loader") &&
                stack->next->next != NULL && g_str_equal (stack->next->next->data, "os");
  g_string_truncate (l->text, 0);
}

static void
loaders_text (GMarkupParseContext *context, const char *text, gsize len, gpointer user_data, GError **error)
{
  Loaders *l = user_data;

  if (l->in_value)
    g_string_append_len (l->text, text, (gssize) len);
}

static void
loaders_end (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  Loaders *l = user_data;

  if (l->in_value)
    g_ptr_array_add (l->paths, g_strdup (g_strstrip (l->text->str)));
  l->in_value = FALSE;
}

char **
virt_migrate_domcaps_loaders (const char *caps)
{
  static const GMarkupParser parser = { loaders_start, loaders_end, loaders_text, NULL, NULL };
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) text = g_string_new (NULL);
  Loaders l = { paths, text, FALSE };

  if (caps == NULL || !virt_migrate_xml_parse (&parser, caps, &l))
    return NULL;
  g_ptr_array_add (paths, NULL);
  return (char **) g_ptr_array_steal (paths, NULL);
}

static void
volume_format_start (GMarkupParseContext *context, const char *element, const char **names,
                     const char **values, gpointer user_data, GError **error)
{
  const GSList *stack = g_markup_parse_context_get_element_stack (context);
  char **format = user_data;

  /* <volume><target><format type='qcow2'/>, not a <backingStore>'s. */
  if (*format != NULL || !g_str_equal (element, "format") || stack->next == NULL ||
      !g_str_equal (stack->next->data, "target") || stack->next->next == NULL ||
      !g_str_equal (stack->next->next->data, "volume"))
    return;
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], "type"))
      *format = g_strdup (values[i]);
}

char *
virt_migrate_volume_xml_format (const char *xml)
{
  static const GMarkupParser parser = { volume_format_start, NULL, NULL, NULL, NULL };
  char *format = NULL;

  if (xml == NULL || !virt_migrate_xml_parse (&parser, xml, &format))
    g_clear_pointer (&format, g_free);
  return format;
}

char *
virt_migrate_pools_dir_func (const char *pool, gpointer pools)
{
  return virt_migrate_pools_dir (pools, pool);
}
