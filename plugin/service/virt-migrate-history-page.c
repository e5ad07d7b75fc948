/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-history-page.h"

/* The filter with max-bytes held to the page's bound (a max-bytes of the
 * wrong type is left for the query to name). */
static GVariant *
bounded_filter (GVariant *filter)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (filter);
  guint64 max = 0;

  if (!g_variant_dict_lookup (&dict, "max-bytes", "t", &max) || max == 0 || max > VIRT_MIGRATE_HISTORY_PAGE_MAX)
    {
      if (!g_variant_dict_contains (&dict, "max-bytes") || g_variant_dict_lookup (&dict, "max-bytes", "t", &max))
        g_variant_dict_insert (&dict, "max-bytes", "t", (guint64) VIRT_MIGRATE_HISTORY_PAGE_MAX);
    }
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

static void
page_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  GVariant *records = virt_migrate_history_query (source, task_data, &error);

  if (records == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, records, (GDestroyNotify) g_variant_unref);
}

void
virt_migrate_history_page_async (VirtMigrateHistory  *history,
                                 GVariant            *filter,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (history, NULL, callback, user_data);
  g_autoptr(GVariant) owned = filter != NULL ? g_variant_ref_sink (filter) : NULL;

  g_task_set_source_tag (task, virt_migrate_history_page_async);
  g_task_set_task_data (task, bounded_filter (owned), (GDestroyNotify) g_variant_unref);
  g_task_run_in_thread (task, page_thread);
}

/* Returns: (transfer full): an aa{sv}, or NULL with @error set. */
GVariant *
virt_migrate_history_page_finish (VirtMigrateHistory  *history,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, history), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
page_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) records = virt_migrate_history_page_finish (VIRT_MIGRATE_HISTORY (source), result, &error);

  if (records == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new_tuple (&records, 1));
}

/* A page (virt_migrate_history_page_async()) as the reply to @invocation
 * (D-Bus GetHistory). */
void
virt_migrate_history_page_return (VirtMigrateHistory    *history,
                                  GVariant              *filter,
                                  GDBusMethodInvocation *invocation)
{
  virt_migrate_history_page_async (history, filter, page_done, g_object_ref (invocation));
}
