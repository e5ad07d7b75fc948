/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "virt-migrate-enums.h"
#include "virt-migrate-error.h"
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

/* Replaces the value of every ATTR='VALUE' (or "VALUE") in @xml after
 * @element's start, where @map gives a new one. */
static char *
map_attribute (const char *xml, const char *attribute, gboolean paths, const char *const *map,
               VirtMigratePoolDirFunc pool_dir, gpointer user_data)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *needle = g_strconcat (" ", attribute, "=", NULL);
  const char *p = xml, *at;

  while ((at = strstr (p, needle)) != NULL)
    {
      const char *value = at + strlen (needle) + 1;
      char quote = value[-1];
      const char *end = (quote == '\'' || quote == '"') ? strchr (value, quote) : NULL;
      g_autofree char *old = NULL, *mapped = NULL;

      if (end == NULL)
        break;
      old = g_strndup (value, (gsize) (end - value));
      mapped = paths ? virt_migrate_map_path (map, old, pool_dir, user_data) : virt_migrate_map_network (map, old);
      g_string_append_len (out, p, value - p);
      g_string_append (out, mapped != NULL ? mapped : old);
      p = end;
    }
  g_string_append (out, p);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* @xml with its disks' <source file=…/dev=…> and its interfaces'
 * <source network=…> mapped. */
char *
virt_migrate_map_xml (const char            *xml,
                      const char *const     *disk_map,
                      const char *const     *network_map,
                      VirtMigratePoolDirFunc pool_dir,
                      gpointer               user_data)
{
  g_autofree char *a = map_attribute (xml, "file", TRUE, disk_map, pool_dir, user_data);
  g_autofree char *b = map_attribute (a, "dev", TRUE, disk_map, pool_dir, user_data);

  return map_attribute (b, "network", FALSE, network_map, NULL, NULL);
}
