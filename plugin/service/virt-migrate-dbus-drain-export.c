/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A drain on the bus: one `org.virtmigrate.VirtMigrate1.Drain` object per
 * drain at `PATH/drains/ID`, its properties mirrored from the drain's
 * snapshot (at most every progress interval, state and table at once), its
 * Cancel authorised like a job's, and the object kept as long as a
 * finished job is. */
#include "config.h"

#include "virt-migrate-dbus-service-private.h"
#include "virt-migrate-service.h"
#include "virt-migrate-publisher.h"

typedef struct {
  VirtMigrateDBusService        *service;
  VirtMigrateDrain              *drain;
  VirtMigrateDBusObjectSkeleton *object;
  VirtMigrateDBusDrain          *iface;
  VirtMigratePublisher          *publisher;
  guint                          expire_source;
  gulong                         notify_id;
  gulong                         completed_id;
} DrainExport;

static void
sync_drain (DrainExport *ex)
{
  g_autoptr(GVariant) snapshot = g_variant_ref_sink (virt_migrate_drain_to_variant (ex->drain));
  g_autoptr(GVariant) guests = g_variant_lookup_value (snapshot, "Guests", G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  GVariant *value;

  virt_migrate_publisher_sent (ex->publisher);
  g_object_freeze_notify (G_OBJECT (ex->iface));
  virt_migrate_dbus_set_skeleton_properties (G_OBJECT (ex->iface), snapshot);
  /* The jobs' paths, from the table the snapshot already holds. */
  g_variant_iter_init (&iter, guests);
  while ((value = g_variant_iter_next_value (&iter)) != NULL)
    {
      guint job = 0;

      if (g_variant_lookup (value, "job", "u", &job) && job != 0)
        g_ptr_array_add (jobs, g_strdup_printf ("%s/jobs/%u", ex->service->path, job));
      g_variant_unref (value);
    }
  g_ptr_array_add (jobs, NULL);
  virt_migrate_dbus_drain_set_jobs (ex->iface, (const char *const *) jobs->pdata);
  g_object_thaw_notify (G_OBJECT (ex->iface));
}

static void
sync_drain_cb (gpointer user_data)
{
  sync_drain (user_data);
}

static void
on_drain_notify (VirtMigrateDrain *drain, GParamSpec *pspec, DrainExport *ex)
{
  /* The state and the table are news; the progress can wait for its slot. */
  if (g_str_equal (pspec->name, "state") || g_str_equal (pspec->name, "guests"))
    sync_drain (ex);
  else
    virt_migrate_publisher_changed (ex->publisher, (gint64) ex->service->progress_interval * 1000);
}

static gboolean
expire_drain_cb (gpointer user_data)
{
  DrainExport *ex = user_data;
  g_autofree char *path = g_strdup (g_dbus_object_get_object_path (G_DBUS_OBJECT (ex->object)));

  ex->expire_source = 0;
  g_dbus_object_manager_server_unexport (ex->service->object_manager, path);
  g_hash_table_remove (ex->service->drain_exports, GUINT_TO_POINTER (virt_migrate_drain_get_id (ex->drain)));
  return G_SOURCE_REMOVE;
}

static void
on_drain_completed (VirtMigrateDrain *drain, DrainExport *ex)
{
  VirtMigrateDrainState state = virt_migrate_drain_get_state (drain);
  g_autoptr(GVariant) snapshot = g_variant_ref_sink (virt_migrate_drain_to_variant (drain));
  const char *text = "";

  sync_drain (ex);
  g_variant_lookup (snapshot, "Summary", "&s", &text);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (ex->iface));
  virt_migrate_dbus_drain_emit_completed (ex->iface, state == VIRT_MIGRATE_DRAIN_STATE_SUCCEEDED ||
                                                     state == VIRT_MIGRATE_DRAIN_STATE_PLANNED, text);
  /* Kept as long as a finished job is. */
  ex->expire_source = g_timeout_add_seconds (MAX (virt_migrate_settings_get_retention (
                                                    virt_migrate_manager_get_settings (ex->service->manager)), 1),
                                             expire_drain_cb, ex);
}

void
virt_migrate_dbus_drain_export_free (gpointer data)
{
  DrainExport *ex = data;

  g_clear_pointer (&ex->publisher, virt_migrate_publisher_free);
  g_clear_handle_id (&ex->expire_source, g_source_remove);
  g_clear_signal_handler (&ex->notify_id, ex->drain);
  g_clear_signal_handler (&ex->completed_id, ex->drain);
  g_clear_object (&ex->iface);
  g_clear_object (&ex->object);
  g_clear_object (&ex->drain);
  g_free (ex);
}

static gboolean
handle_drain_cancel (VirtMigrateDBusDrain *iface, GDBusMethodInvocation *invocation, DrainExport *ex)
{
  VirtMigrateDBusCall *call = g_new0 (VirtMigrateDBusCall, 1);

  call->service = g_object_ref (ex->service);
  call->invocation = g_object_ref (invocation);
  call->action = ACTION_CANCEL_DRAIN;
  call->drain = g_object_ref (ex->drain);
  virt_migrate_dbus_call_start (call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

void
virt_migrate_dbus_service_export_drain (VirtMigrateDBusService *self, VirtMigrateDrain *drain)
{
  guint id = virt_migrate_drain_get_id (drain);
  g_autofree char *path = g_strdup_printf ("%s/drains/%u", self->path, id);
  DrainExport *ex = g_new0 (DrainExport, 1);

  ex->service = self;
  ex->drain = g_object_ref (drain);
  ex->publisher = virt_migrate_publisher_new (sync_drain_cb, ex);
  ex->object = virt_migrate_dbus_object_skeleton_new (path);
  ex->iface = virt_migrate_dbus_drain_skeleton_new ();
  sync_drain (ex);
  g_signal_connect (ex->iface, "handle-cancel", G_CALLBACK (handle_drain_cancel), ex);
  virt_migrate_dbus_object_skeleton_set_drain (ex->object, ex->iface);
  ex->notify_id = g_signal_connect (drain, "notify", G_CALLBACK (on_drain_notify), ex);
  ex->completed_id = g_signal_connect (drain, "completed", G_CALLBACK (on_drain_completed), ex);
  g_hash_table_replace (self->drain_exports, GUINT_TO_POINTER (id), ex);
  g_dbus_object_manager_server_export (self->object_manager, G_DBUS_OBJECT_SKELETON (ex->object));
  if (virt_migrate_drain_is_finished (drain))
    on_drain_completed (drain, ex);
}
