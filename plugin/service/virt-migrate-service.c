/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-service.h"

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
