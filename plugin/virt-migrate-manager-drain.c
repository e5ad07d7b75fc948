/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A manager's drains: made, listed, recorded in the state directory at
 * every change, written to the history when they end, and resumed by a
 * restarted process. The drain itself is virt-migrate-drain.c. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "virt-migrate-drain-private.h"
#include "virt-migrate-error.h"
#include "virt-migrate-manager-private.h"
#include "virt-migrate-request-private.h"

/* --- what a manager does for its drains ------------------------------------ */

static VirtMigrateJob *
host_create_job (GObject *host, VirtMigrateRequest *request, GError **error)
{
  return virt_migrate_manager_create_job (VIRT_MIGRATE_MANAGER (host), request, error);
}

static void
host_run_job (GObject *host, VirtMigrateJob *job)
{
  virt_migrate_manager_run_job (VIRT_MIGRATE_MANAGER (host), job, NULL);
}

static VirtMigrateJob *
host_lookup_job (GObject *host, guint id)
{
  return virt_migrate_manager_lookup_job (VIRT_MIGRATE_MANAGER (host), id);
}

static VirtMigrateHypervisor *
host_new_hypervisor (GObject *host)
{
  return virt_migrate_manager_new_hypervisor (VIRT_MIGRATE_MANAGER (host));
}

static void
host_set_group_limit (GObject *host, guint group, guint limit)
{
  virt_migrate_manager_set_group_limit (VIRT_MIGRATE_MANAGER (host), group, limit);
}

const VirtMigrateDrainHost *
virt_migrate_manager_get_drain_host (void)
{
  static const VirtMigrateDrainHost host = {
    .create_job = host_create_job,
    .run_job = host_run_job,
    .lookup_job = host_lookup_job,
    .new_hypervisor = host_new_hypervisor,
    .set_group_limit = host_set_group_limit,
  };

  return &host;
}

/* Finished drains kept in the list (for D-Bus, HTTP and a late reader). */
#define KEEP_FINISHED 32

static guint next_drain_id = 1;

static char *
record_path (VirtMigrateManager *self, guint id)
{
  g_autofree char *name = g_strdup_printf ("%u.drain", id);

  return g_build_filename (virt_migrate_manager_state_directory (self), name, NULL);
}

static void
save_record (VirtMigrateManager *self, VirtMigrateDrain *drain)
{
  g_autoptr(GVariant) record = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (virt_migrate_manager_state_directory (self) == NULL)
    return;
  record = g_variant_ref_sink (virt_migrate_drain_to_record (drain));
  path = record_path (self, virt_migrate_drain_get_id (drain));
  if (g_mkdir_with_parents (virt_migrate_manager_state_directory (self), 0700) < 0 ||
      !g_file_set_contents_full (path, g_variant_get_data (record), g_variant_get_size (record),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_warning ("cannot record drain %u: %s", virt_migrate_drain_get_id (drain),
               error != NULL ? error->message : g_strerror (errno));
}

static void
remove_record (VirtMigrateManager *self, guint id)
{
  g_autofree char *path = NULL;

  if (virt_migrate_manager_state_directory (self) == NULL)
    return;
  path = record_path (self, id);
  if (g_unlink (path) < 0 && errno != ENOENT)
    g_warning ("cannot remove %s: %s", path, g_strerror (errno));
}

static void
on_drain_changed (VirtMigrateDrain *drain, GParamSpec *pspec, VirtMigrateManager *self)
{
  if (!virt_migrate_drain_is_finished (drain))
    save_record (self, drain);
}

static void
on_drain_completed (VirtMigrateDrain *drain, VirtMigrateManager *self)
{
  VirtMigrateHistory *history = virt_migrate_manager_get_history (self);
  GPtrArray *drains = virt_migrate_manager_drains (self);
  g_autoptr(GError) error = NULL;
  guint finished = 0;

  g_signal_handlers_disconnect_by_func (drain, on_drain_changed, self);
  g_signal_handlers_disconnect_by_func (drain, on_drain_completed, self);
  remove_record (self, virt_migrate_drain_get_id (drain));
  /* A dry run moved nothing: no history. */
  if (history != NULL && virt_migrate_drain_get_state (drain) != VIRT_MIGRATE_DRAIN_STATE_PLANNED &&
      virt_migrate_settings_get_history_size (virt_migrate_manager_get_settings (self)) > 0 &&
      !virt_migrate_history_append (history, virt_migrate_drain_to_history_record (drain), &error))
    g_warning ("drain %u: cannot write the history: %s", virt_migrate_drain_get_id (drain), error->message);
  for (guint i = drains->len; i > 0; i--)
    if (virt_migrate_drain_is_finished (g_ptr_array_index (drains, i - 1)) && ++finished > KEEP_FINISHED)
      g_ptr_array_remove_index (drains, i - 1);
}

static void
track (VirtMigrateManager *self, VirtMigrateDrain *drain)
{
  g_ptr_array_add (virt_migrate_manager_drains (self), g_object_ref (drain));
  g_signal_connect (drain, "notify::state", G_CALLBACK (on_drain_changed), self);
  g_signal_connect (drain, "notify::guests", G_CALLBACK (on_drain_changed), self);
  g_signal_connect (drain, "completed", G_CALLBACK (on_drain_completed), self);
  virt_migrate_manager_emit_drain_added (self, drain);
}

/**
 * virt_migrate_manager_create_drain:
 * @self: a #VirtMigrateManager
 * @request: how each guest migrates: its source URI is the host to
 *   drain; it names no guest and no destination
 * @destinations: (array zero-terminated=1): the destination libvirt URIs
 * @error: return location for a #GError
 *
 * Makes a drain of @request's source host (see #VirtMigrateDrain); set its
 * options, then start it with virt_migrate_drain_run_async(). Its jobs are
 * this manager's: they get its defaults, policy and limits, its history
 * and, with a state directory, its records; the drain's own record lets a
 * restarted process resume it.
 *
 * Returns: (transfer full): the drain, or %NULL if @request could not
 *   migrate a guest to the first destination as it stands
 */
VirtMigrateDrain *
virt_migrate_manager_create_drain (VirtMigrateManager  *self,
                                   VirtMigrateRequest  *request,
                                   const char * const  *destinations,
                                   GError             **error)
{
  g_autoptr(VirtMigrateRequest) probe = NULL;
  g_autoptr(VirtMigrateDrain) drain = NULL;
  g_auto(GStrv) uris = NULL;
  guint id;

  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), NULL);
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (request), NULL);

  if (destinations == NULL || destinations[0] == NULL)
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_MISSING_DEST_URI,
                   "A drain needs at least one destination");
      return NULL;
    }
  if ((uris = virt_migrate_uris_for_destinations (destinations, error)) == NULL)
    return NULL;
  destinations = (const char *const *) uris;
  if (virt_migrate_request_get_domain (request) != NULL)
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                   "A drain takes every guest of the source: its request names none (not '%s'); "
                   "choose guests with include and exclude",
                   virt_migrate_request_get_domain (request));
      return NULL;
    }
  if (virt_migrate_request_get_offline (request))
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
                   "A drain moves running guests: offline does not apply");
      return NULL;
    }
  /* Each guest's request is this one with its name and destination. */
  for (guint i = 0; destinations[i] != NULL; i++)
    {
      g_clear_object (&probe);
      probe = virt_migrate_request_copy (request);
      g_object_set (probe, "domain", "drain", "dest-uri", destinations[i], NULL);
      if (!virt_migrate_request_validate (probe, error))
        return NULL;
      if (g_strcmp0 (destinations[i], virt_migrate_request_get_source_uri (request)) == 0)
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_URI,
                       "The host being drained cannot be a destination: %s", destinations[i]);
          return NULL;
        }
    }
  id = virt_migrate_manager_number (self, NULL);
  if (id == 0)
    id = next_drain_id;
  if (id >= next_drain_id)
    next_drain_id = id + 1;
  drain = virt_migrate_drain_new (G_OBJECT (self), virt_migrate_manager_get_drain_host (), request, destinations, id);
  virt_migrate_drain_set_started_by_uid (drain, getuid ());
  track (self, drain);
  return g_steal_pointer (&drain);
}

/**
 * virt_migrate_manager_list_drains:
 * @self: a #VirtMigrateManager
 *
 * Returns: (transfer container) (element-type VirtMigrateDrain): the
 *   drains, running and recently finished, oldest first
 */
GPtrArray *
virt_migrate_manager_list_drains (VirtMigrateManager *self)
{
  GPtrArray *drains = virt_migrate_manager_drains (self);
  GPtrArray *list;

  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), NULL);

  list = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < drains->len; i++)
    g_ptr_array_add (list, g_object_ref (g_ptr_array_index (drains, i)));
  return list;
}

/**
 * virt_migrate_manager_lookup_drain:
 * @self: a #VirtMigrateManager
 * @id: a drain's number
 *
 * Returns: (transfer none) (nullable): the drain, or %NULL
 */
VirtMigrateDrain *
virt_migrate_manager_lookup_drain (VirtMigrateManager *self,
                                   guint               id)
{
  GPtrArray *drains = virt_migrate_manager_drains (self);

  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), NULL);

  for (guint i = 0; i < drains->len; i++)
    if (virt_migrate_drain_get_id (g_ptr_array_index (drains, i)) == id)
      return g_ptr_array_index (drains, i);
  return NULL;
}

/* The drains a previous process left unfinished, resumed; the others'
 * records go. */
void
virt_migrate_manager_resume_drains (VirtMigrateManager *self)
{
  const char *directory = virt_migrate_manager_state_directory (self);
  g_autoptr(GDir) dir = directory != NULL ? g_dir_open (directory, 0, NULL) : NULL;
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *contents = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GVariant) record = NULL;
      g_autoptr(VirtMigrateDrain) drain = NULL;
      g_autoptr(GError) error = NULL;
      const char *state = NULL;
      gsize length = 0;
      guint id = 0;

      if (!g_str_has_suffix (name, ".drain"))
        continue;
      path = g_build_filename (directory, name, NULL);
      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          g_warning ("cannot read %s: %s", path, error->message);
          continue;
        }
      bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
      record = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bytes, FALSE));
      g_variant_lookup (record, "Id", "u", &id);
      g_variant_lookup (record, "State", "&s", &state);
      if (id >= next_drain_id)
        next_drain_id = id + 1;
      if (g_strcmp0 (state, "running") != 0 && g_strcmp0 (state, "planning") != 0)
        {
          g_unlink (path);
          continue;
        }
      drain = virt_migrate_drain_new_from_record (G_OBJECT (self), virt_migrate_manager_get_drain_host (), record,
                                                  &error);
      if (drain == NULL)
        {
          g_warning ("%s: %s: dropped", path, error->message);
          g_unlink (path);
          continue;
        }
      g_message ("drain %u: recorded as %s before a restart: resuming it", id, state);
      track (self, drain);
      virt_migrate_drain_resume (drain);
    }
}
