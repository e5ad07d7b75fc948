/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seams a manager injects: the backend of each job and the hypervisor
 * of each piece of work, libvirt's (plugin/libvirt/) unless the tests set
 * fakes. The only place the engine names the libvirt implementations. */
#include "config.h"

#include "virt-migrate-libvirt-backend.h"
#include "virt-migrate-libvirt-hypervisor.h"
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
  return virt_migrate_libvirt_hypervisor_new ();
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
