/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guests of a host as a front end lists them (D-Bus ListGuests, the
 * Cockpit page): each with what decides how it can move, its storage. */
#include "config.h"

#include "virt-migrate-error.h"
#include "virt-migrate-guest-xml.h"
#include "virt-migrate-manager-private.h"
#include "virt-migrate-preflight-private.h"

/* Whether a disk's image is seen from another host too: a network disk
 * (iSCSI, RBD, NBD…) is; a file on a file system libvirt counts as shared
 * here (NFS, SMB, CephFS, GFS2…) is; a local file is not; anything else
 * (a block device, a file on a remote source) is not known. */
static const char *
disk_shared (const VirtMigrateDiskXml *d, gboolean local_source)
{
  if (g_strcmp0 (d->type, "network") == 0)
    return "yes";
  if (g_strcmp0 (d->type, "file") != 0 || !local_source)
    return "unknown";
  switch (virt_migrate_path_fs_kind (d->source))
    {
    case VIRT_MIGRATE_FS_SHARED:
    case VIRT_MIGRATE_FS_CLUSTER: return "yes";
    case VIRT_MIGRATE_FS_LOCAL: return "no";
    case VIRT_MIGRATE_FS_UNKNOWN:
    default: return "unknown";
    }
}

/* One guest as an a{sv}: name, uuid, state, memory (bytes), persistent,
 * storage (shared: every disk seen from other hosts; local: a disk is
 * not; unknown; none: no disk), disks (aa{sv}: target, source, device,
 * readonly, shared: yes, no, unknown). */
static GVariant *
guest_variant (VirtMigrateHypervisor *hv, const char *uri, const VirtMigrateGuestInfo *info)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_auto(GVariantBuilder) disks = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  g_autofree char *xml = NULL;
  VirtMigrateGuestXml g = { 0 };
  gboolean local_source = virt_migrate_uri_is_local (uri);
  guint n_disks = 0, n_local = 0, n_unknown = 0;
  const char *storage;

  xml = virt_migrate_hypervisor_guest_xml (hv, uri, info->uuid, VIRT_MIGRATE_GUEST_XML_LIVE, NULL);
  if (xml != NULL && virt_migrate_guest_xml_parse (xml, &g))
    for (guint i = 0; g.disks != NULL && i < g.disks->len; i++)
      {
        const VirtMigrateDiskXml *d = g_ptr_array_index (g.disks, i);
        g_auto(GVariantBuilder) disk = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
        const char *shared, *source = d->source != NULL ? d->source : d->network;

        if (source == NULL || d->target == NULL)
          continue; /* an empty CD-ROM drive */
        shared = disk_shared (d, local_source);
        n_disks++;
        n_local += g_str_equal (shared, "no");
        n_unknown += g_str_equal (shared, "unknown");
        g_variant_builder_add (&disk, "{sv}", "target", g_variant_new_string (d->target));
        g_variant_builder_add (&disk, "{sv}", "source", g_variant_new_string (source));
        g_variant_builder_add (&disk, "{sv}", "device", g_variant_new_string (d->device != NULL ? d->device : "disk"));
        g_variant_builder_add (&disk, "{sv}", "readonly", g_variant_new_boolean (d->readonly));
        g_variant_builder_add (&disk, "{sv}", "shared", g_variant_new_string (shared));
        g_variant_builder_add_value (&disks, g_variant_builder_end (&disk));
      }
  virt_migrate_guest_xml_clear (&g);
  storage = xml == NULL ? "unknown" : n_disks == 0 ? "none" : n_local > 0 ? "local" : n_unknown > 0 ? "unknown"
                                                                                                 : "shared";
  g_variant_builder_add (&b, "{sv}", "name", g_variant_new_string (info->name));
  g_variant_builder_add (&b, "{sv}", "uuid", g_variant_new_string (info->uuid));
  g_variant_builder_add (&b, "{sv}", "state",
                         g_variant_new_string (info->state != NULL ? info->state
                                                                   : info->running ? "running" : "shut off"));
  g_variant_builder_add (&b, "{sv}", "memory", g_variant_new_uint64 (info->memory));
  g_variant_builder_add (&b, "{sv}", "persistent", g_variant_new_boolean (info->persistent));
  g_variant_builder_add (&b, "{sv}", "storage", g_variant_new_string (storage));
  g_variant_builder_add (&b, "{sv}", "disks", g_variant_builder_end (&disks));
  return g_variant_builder_end (&b);
}

static gint
by_name (gconstpointer a, gconstpointer b)
{
  const VirtMigrateGuestInfo *x = *(VirtMigrateGuestInfo *const *) a;
  const VirtMigrateGuestInfo *y = *(VirtMigrateGuestInfo *const *) b;

  return g_strcmp0 (x->name, y->name);
}

static void
list_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  VirtMigrateManager *self = source;
  const char *uri = data;
  g_autoptr(VirtMigrateHypervisor) hv = virt_migrate_manager_new_hypervisor (self);
  g_autoptr(GPtrArray) guests = NULL;
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  GError *error = NULL;

  guests = virt_migrate_hypervisor_list_running_guests (hv, uri, &error);
  if (guests == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_ptr_array_sort (guests, by_name);
  for (guint i = 0; i < guests->len; i++)
    {
      if (g_task_return_error_if_cancelled (task))
        return;
      g_variant_builder_add_value (&b, guest_variant (hv, uri, g_ptr_array_index (guests, i)));
    }
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (&b)),
                         (GDestroyNotify) g_variant_unref);
}

/**
 * virt_migrate_manager_list_guests_async:
 * @self: a #VirtMigrateManager
 * @source_uri: the host's libvirt URI, or a host name (see
 *   virt_migrate_uri_for_destination())
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the list is ready
 * @user_data: data for @callback
 *
 * Lists the running guests of @source_uri, the ones a live migration can
 * move (in a worker thread), by name, each with what decides how it can
 * move: whether its disks are seen from other hosts.
 */
void
virt_migrate_manager_list_guests_async (VirtMigrateManager  *self,
                                        const char          *source_uri,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (VIRT_MIGRATE_IS_MANAGER (self));
  g_return_if_fail (source_uri != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, virt_migrate_manager_list_guests_async);
  g_task_set_name (task, "[virt-migrate] list guests");
  g_task_set_task_data (task, virt_migrate_uri_for_destination (source_uri), g_free);
  g_task_run_in_thread (task, list_thread);
}

/**
 * virt_migrate_manager_list_guests_finish:
 * @self: a #VirtMigrateManager
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Each guest is an `a{sv}`: `name` and `uuid` (s), `state` (s: libvirt's
 * state in virsh's words: running, paused…), `memory` (t, bytes),
 * `persistent` (b: defined there, not only running), `storage` (s:
 * `shared` when every disk is seen from other hosts too: a network disk or
 * a file on NFS or SMB; `local` when a disk is a file on this host's own
 * file systems, which a migration must copy; `unknown` otherwise, as for
 * a block device or a remote host's files; `none` without disks) and
 * `disks` (aa{sv}: `target`, `source`, `device`, `readonly`, `shared`:
 * yes, no or unknown).
 *
 * Returns: (transfer full): an `aa{sv}` of the guests, or %NULL with @error
 *   set (the host could not be reached)
 */
GVariant *
virt_migrate_manager_list_guests_finish (VirtMigrateManager *self,
                                         GAsyncResult       *result,
                                         GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
