/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-service.h"
#include "virt-migrate-dbus-service-private.h"

typedef struct {
  VirtMigrateManager      *manager; /* not referenced: the watcher holds it */
  gpointer                 watcher;
  VirtMigrateJobAddedFunc  on_added;
  VirtMigrateJobAddedFunc  on_dropped;
  GHashTable              *known;   /* the jobs seen in the list */
} Watch;

static void
watch_free (gpointer data)
{
  Watch *w = data;

  g_hash_table_unref (w->known);
  g_free (w);
}

/* Brings the watcher up to date with the manager's list: new jobs to
 * on_added, jobs that left it (their retention is over) to on_dropped. */
static void
sync_watch (GListModel *list, Watch *w)
{
  guint n = g_list_model_get_n_items (list);
  g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer job;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(VirtMigrateJob) item = g_list_model_get_item (list, i);

      g_hash_table_add (present, item);
      if (!g_hash_table_contains (w->known, item))
        {
          g_hash_table_add (w->known, g_object_ref (item));
          w->on_added (w->manager, item, w->watcher);
        }
    }
  g_hash_table_iter_init (&iter, w->known);
  while (g_hash_table_iter_next (&iter, &job, NULL))
    if (!g_hash_table_contains (present, job))
      {
        g_ptr_array_add (gone, job);
        g_hash_table_iter_steal (&iter);
      }
  for (guint i = 0; i < gone->len; i++)
    if (w->on_dropped != NULL)
      w->on_dropped (w->manager, g_ptr_array_index (gone, i), w->watcher);
}

static void
on_items_changed (GListModel *list, guint position, guint removed, guint added, gpointer watcher)
{
  Watch *w = g_object_get_data (G_OBJECT (watcher), "virt-migrate-watch");

  if (w != NULL)
    sync_watch (list, w);
}

/* Follows the manager's list of jobs (its GListModel) for as long as the
 * GObject @watcher lives: @on_added for each job in it now and each new one,
 * @on_dropped (nullable) for each that leaves it once its retention is
 * over. The D-Bus export, HTTP, metrics and webhooks all observe the
 * manager this way; none keeps a list or a retention of its own. */
void
virt_migrate_service_watch_jobs (VirtMigrateManager      *manager,
                                 gpointer                 watcher,
                                 VirtMigrateJobAddedFunc  on_added,
                                 VirtMigrateJobAddedFunc  on_dropped)
{
  Watch *w;

  g_return_if_fail (VIRT_MIGRATE_IS_MANAGER (manager));
  g_return_if_fail (G_IS_OBJECT (watcher));

  w = g_new0 (Watch, 1);
  w->manager = manager;
  w->watcher = watcher;
  w->on_added = on_added;
  w->on_dropped = on_dropped;
  w->known = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  /* Freed with the watcher; the handler goes with it too. */
  g_object_set_data_full (G_OBJECT (watcher), "virt-migrate-watch", w, watch_free);
  g_signal_connect_object (manager, "items-changed", G_CALLBACK (on_items_changed), watcher, 0);
  sync_watch (G_LIST_MODEL (manager), w);
}

/* "ExpectedEndTime" -> "expected-end-time", the generated skeleton's
 * GObject property for that D-Bus property. */
static char *
skeleton_property_name (const char *dbus_name)
{
  GString *name = g_string_new (NULL);

  for (const char *p = dbus_name; *p != '\0'; p++)
    {
      if (g_ascii_isupper (*p) && p != dbus_name)
        g_string_append_c (name, '-');
      g_string_append_c (name, g_ascii_tolower (*p));
    }
  return g_string_free (name, FALSE);
}

/* A snapshot (a job's, a drain's: their D-Bus property names) onto its
 * skeleton, within a freeze the caller holds; it sends one
 * PropertiesChanged with whatever changed.  Read child by child: a
 * format string with '&' would serialise each entry, copying a job's
 * Request (up to 4 MiB of dest-xml) at every sync, where this hands the
 * skeleton the job's own Request value, compared in place. */
void
virt_migrate_dbus_set_skeleton_properties (GObject *skeleton, GVariant *snapshot)
{
  gsize n = g_variant_n_children (snapshot);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (snapshot, i);
      g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
      g_autoptr(GVariant) boxed = g_variant_get_child_value (entry, 1);
      g_autoptr(GVariant) value = g_variant_get_variant (boxed);
      g_autofree char *name = skeleton_property_name (g_variant_get_string (key, NULL));
      g_auto(GValue) gvalue = G_VALUE_INIT;

      g_dbus_gvariant_to_gvalue (value, &gvalue);
      g_object_set_property (skeleton, name, &gvalue);
    }
}
