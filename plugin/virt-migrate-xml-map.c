/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "virt-migrate-enums.h"
#include "virt-migrate-error.h"
#include "virt-migrate-guest-xml.h"
#include "virt-migrate-xml-map.h"

/* Every entry "SRC=DST" with both sides non-empty; for a disk-map SRC an
 * absolute path and DST an absolute path or a pool name. */
gboolean
virt_migrate_map_check (const char *const *map,
                        gboolean           paths,
                        const char        *key,
                        GError           **error)
{
  for (guint i = 0; map != NULL && map[i] != NULL; i++)
    {
      const char *eq = strchr (map[i], '=');

      if (eq == NULL || eq == map[i] || eq[1] == '\0' || (paths && map[i][0] != '/'))
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                       "%s entry '%s' must be SRC=DST%s", key, map[i],
                       paths ? " with SRC an absolute path (a file or a directory) and DST a path or a "
                               "storage pool of the destination" : " (network names)");
          return FALSE;
        }
    }
  return TRUE;
}

/* SRC matches @path itself, or a directory above it. */
static const char *
prefix_match (const char *src, gsize src_len, const char *path)
{
  while (src_len > 1 && src[src_len - 1] == '/')
    src_len--;
  if (strncmp (path, src, src_len) != 0)
    return NULL;
  if (path[src_len] == '\0' || path[src_len] == '/')
    return path + src_len;
  return NULL;
}

/* Where @path goes on the destination, or %NULL when no entry maps it.
 * The longest matching SRC wins. */
char *
virt_migrate_map_path (const char *const     *disk_map,
                       const char            *path,
                       VirtMigratePoolDirFunc pool_dir,
                       gpointer               user_data)
{
  const char *best = NULL, *rest = NULL;
  gsize best_len = 0;

  for (guint i = 0; disk_map != NULL && disk_map[i] != NULL; i++)
    {
      const char *eq = strchr (disk_map[i], '=');
      const char *r;
      gsize len;

      if (eq == NULL)
        continue;
      len = (gsize) (eq - disk_map[i]);
      r = prefix_match (disk_map[i], len, path);
      if (r != NULL && len > best_len)
        {
          best = eq + 1;
          best_len = len;
          rest = r;
        }
    }
  if (best == NULL)
    return NULL;
  if (best[0] != '/')
    {
      g_autofree char *dir = pool_dir != NULL ? pool_dir (best, user_data) : NULL;

      if (dir == NULL)
        return NULL;
      /* A pool takes the file by its name. */
      return g_build_filename (dir, *rest != '\0' ? rest : strrchr (path, '/'), NULL);
    }
  return g_strconcat (best, rest, NULL);
}

char *
virt_migrate_map_network (const char *const *network_map,
                          const char        *name)
{
  for (guint i = 0; network_map != NULL && network_map[i] != NULL; i++)
    {
      const char *eq = strchr (network_map[i], '=');

      if (eq != NULL && strncmp (network_map[i], name, (gsize) (eq - network_map[i])) == 0 &&
          name[eq - network_map[i]] == '\0')
        return g_strdup (eq + 1);
    }
  return NULL;
}

/* The domain XML written out again as GMarkup reads it, with the mapped
 * values: each disk's <source file|dev> (and its backing chain's), each
 * interface's <source network>; every value escaped as it is written. */
typedef struct {
  const char *const     *disk_map;
  const char *const     *network_map;
  VirtMigratePoolDirFunc pool_dir;
  gpointer               user_data;
  GString               *out;
  GPtrArray             *stack;    /* element names open (not owned) */
  gboolean               pending;  /* a start tag written without its '>' */
} MapXml;

static gboolean
inside (MapXml *m, const char *element)
{
  for (guint i = 0; i < m->stack->len; i++)
    if (g_str_equal (g_ptr_array_index (m->stack, i), element))
      return TRUE;
  return FALSE;
}

static void
close_pending (MapXml *m)
{
  if (m->pending)
    g_string_append_c (m->out, '>');
  m->pending = FALSE;
}

static void
map_start (GMarkupParseContext *context, const char *element, const char **names,
           const char **values, gpointer user_data, GError **error)
{
  MapXml *m = user_data;
  gboolean source = g_str_equal (element, "source");
  gboolean disk = source && inside (m, "disk");
  gboolean nic = source && !disk && inside (m, "interface");

  close_pending (m);
  g_string_append_printf (m->out, "<%s", element);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *mapped = NULL;
      g_autofree char *escaped = NULL;

      if (disk && (g_str_equal (names[i], "file") || g_str_equal (names[i], "dev")))
        mapped = virt_migrate_map_path (m->disk_map, values[i], m->pool_dir, m->user_data);
      else if (nic && g_str_equal (names[i], "network"))
        mapped = virt_migrate_map_network (m->network_map, values[i]);
      escaped = g_markup_escape_text (mapped != NULL ? mapped : values[i], -1);
      g_string_append_printf (m->out, " %s='%s'", names[i], escaped);
    }
  m->pending = TRUE;
  g_ptr_array_add (m->stack, (gpointer) g_markup_parse_context_get_element (context));
}

static void
map_end (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  MapXml *m = user_data;

  if (m->pending)
    g_string_append (m->out, "/>");
  else
    g_string_append_printf (m->out, "</%s>", element);
  m->pending = FALSE;
  g_ptr_array_set_size (m->stack, m->stack->len - 1);
}

static void
map_text (GMarkupParseContext *context, const char *text, gsize len, gpointer user_data, GError **error)
{
  MapXml *m = user_data;
  g_autofree char *escaped = g_markup_escape_text (text, (gssize) len);

  close_pending (m);
  g_string_append (m->out, escaped);
}

static void
map_passthrough (GMarkupParseContext *context, const char *text, gsize len, gpointer user_data, GError **error)
{
  MapXml *m = user_data;

  close_pending (m);
  g_string_append_len (m->out, text, (gssize) len); /* comments, as they were */
}

/* @xml with its disks' <source file=…/dev=…> and its interfaces'
 * <source network=…> mapped; NULL if @xml cannot be read. */
char *
virt_migrate_map_xml (const char            *xml,
                      const char *const     *disk_map,
                      const char *const     *network_map,
                      VirtMigratePoolDirFunc pool_dir,
                      gpointer               user_data)
{
  static const GMarkupParser parser = { map_start, map_end, map_text, map_passthrough, NULL };
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();
  g_autoptr(GString) out = g_string_new (NULL);
  MapXml m = { disk_map, network_map, pool_dir, user_data, out, stack, FALSE };

  if (!virt_migrate_xml_parse (&parser, xml, &m))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}
