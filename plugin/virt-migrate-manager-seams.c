/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seams a manager injects: the backend of each job and the hypervisor
 * of each piece of work, libvirt's (plugin/libvirt/) unless the tests set
 * fakes. The only place the engine names the libvirt implementations. */
#include "config.h"

#include "virt-migrate-libvirt-backend.h"
#include "virt-migrate-libvirt-hypervisor.h"
#include "virt-migrate-libvirt-private.h"
#include "virt-migrate-manager-internal.h"

/* Where a manager's plans, checks and drains ask their questions: @func
 * makes the hypervisor for each piece of work (the tests' fake); the
 * default is libvirt. */
void
virt_migrate_manager_set_hypervisor_func (VirtMigrateManager        *self,
                                          VirtMigrateHypervisorFunc  func,
                                          gpointer                   user_data,
                                          GDestroyNotify             destroy)
{
  g_return_if_fail (VIRT_MIGRATE_IS_MANAGER (self));
  if (self->hypervisor_destroy != NULL)
    g_clear_pointer (&self->hypervisor_data, self->hypervisor_destroy);
  self->hypervisor_func = func;
  self->hypervisor_data = user_data;
  self->hypervisor_destroy = destroy;
}

VirtMigrateHypervisor *
virt_migrate_manager_new_hypervisor (VirtMigrateManager *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), NULL);
  if (self->hypervisor_func != NULL)
    return self->hypervisor_func (self->hypervisor_data);
  return virt_migrate_libvirt_hypervisor_new (virt_migrate_connection_pool_get_ssh_directory (self->pool));
}

/**
 * virt_migrate_manager_set_ssh_directory:
 * @self: a #VirtMigrateManager
 * @directory: (type filename): the manager's own ssh directory, created if missing
 * @error: return location for a #GError, or %NULL
 *
 * Gives the qemu+ssh:// connections the manager opens itself (a managed
 * migration's destination, pre-flight checks, plans, drains) an ssh of
 * their own, for a daemon whose home may be read-only:
 *
 * - `known_hosts` in @directory holds the hosts it trusts, before the
 *   user's own `~/.ssh/known_hosts` (made empty if missing);
 * - `id_ed25519` in @directory, if there is one, is its key, tried before
 *   the user's keys;
 * - `ssh` in @directory, written here, is the ssh libvirt runs for them
 *   (libvirt's URI parameter `command=`, added unless the URI names one).
 *
 * An ssh failure then names these files in its advice. In a peer-to-peer
 * migration the source's libvirtd opens the destination with its own
 * user's ssh, so none of this applies to it. virt-migrated uses `ssh` in
 * its state directory. Call it once, before starting jobs. Blocking.
 *
 * Returns: %TRUE, or %FALSE with @error set if @directory could not be made
 *   ready (then the user's own ssh is used)
 */
gboolean
virt_migrate_manager_set_ssh_directory (VirtMigrateManager *self,
                                        const char         *directory,
                                        GError            **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (directory != NULL, FALSE);

  if (!virt_migrate_ssh_directory_prepare (directory, error))
    return FALSE;
  virt_migrate_connection_pool_set_ssh_directory (self->pool, directory);
  return TRUE;
}

/* The backend of a new job of @request: libvirt's on the manager's
 * connections, unless the tests chose a fake. */
VirtMigrateBackend *
virt_migrate_manager_new_backend (VirtMigrateManager *self,
                                  VirtMigrateRequest *request,
                                  gboolean            adopted)
{
  if (self->backend_func != NULL)
    return self->backend_func (request, adopted, self->backend_data);
  return virt_migrate_libvirt_backend_new (request, self->pool, adopted);
}

void
virt_migrate_manager_set_backend_func (VirtMigrateManager     *self,
                                       VirtMigrateBackendFunc  func,
                                       gpointer                user_data,
                                       GDestroyNotify          destroy)
{
  g_return_if_fail (VIRT_MIGRATE_IS_MANAGER (self));
  if (self->backend_destroy != NULL)
    g_clear_pointer (&self->backend_data, self->backend_destroy);
  self->backend_func = func;
  self->backend_data = user_data;
  self->backend_destroy = destroy;
}
