/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "virt-migrate-backend.h"

G_DEFINE_INTERFACE (VirtMigrateBackend, virt_migrate_backend, G_TYPE_OBJECT)

static void
virt_migrate_backend_default_init (VirtMigrateBackendInterface *iface)
{
}

/* Finds what libvirt found: before the migration, the guest (connects,
 * looks it up, checks the request against it, registers for its events).
 * Blocking. */
gboolean
virt_migrate_backend_prepare (VirtMigrateBackend       *self,
                              VirtMigrateIterationFunc  on_iteration,
                              gpointer                  user_data,
                              VirtMigrateBackendGuest  *guest,
                              GError                  **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_BACKEND (self), FALSE);
  memset (guest, 0, sizeof (*guest));
  return VIRT_MIGRATE_BACKEND_GET_IFACE (self)->prepare (self, on_iteration, user_data, guest, error);
}

/* The migration itself; returns when it ended. Blocking. */
gboolean
virt_migrate_backend_migrate (VirtMigrateBackend *self,
                              GError            **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_BACKEND (self), FALSE);
  return VIRT_MIGRATE_BACKEND_GET_IFACE (self)->migrate (self, error);
}

/* The running migration's statistics, with sample->time set. Blocking. */
gboolean
virt_migrate_backend_get_stats (VirtMigrateBackend *self,
                                VirtMigrateSample  *sample,
                                GError            **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_BACKEND (self), FALSE);
  memset (sample, 0, sizeof (*sample));
  return VIRT_MIGRATE_BACKEND_GET_IFACE (self)->get_stats (self, sample, error);
}

gboolean
virt_migrate_backend_set_max_downtime (VirtMigrateBackend *self,
                                       guint64             milliseconds,
                                       GError            **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_BACKEND (self), FALSE);
  return VIRT_MIGRATE_BACKEND_GET_IFACE (self)->set_max_downtime (self, milliseconds, error);
}

gboolean
virt_migrate_backend_set_max_speed (VirtMigrateBackend *self,
                                    guint64             mebibytes_per_second,
                                    GError            **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_BACKEND (self), FALSE);
  return VIRT_MIGRATE_BACKEND_GET_IFACE (self)->set_max_speed (self, mebibytes_per_second, error);
}

gboolean
virt_migrate_backend_start_postcopy (VirtMigrateBackend *self,
                                     GError            **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_BACKEND (self), FALSE);
  return VIRT_MIGRATE_BACKEND_GET_IFACE (self)->start_postcopy (self, error);
}

/* Pauses the guest on the source (the policy's pause action). */
gboolean
virt_migrate_backend_suspend (VirtMigrateBackend *self,
                              GError            **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_BACKEND (self), FALSE);
  return VIRT_MIGRATE_BACKEND_GET_IFACE (self)->suspend (self, error);
}

/* Aborts the running migration. @retry: set when the hypervisor has not
 * begun its job yet, so an abort later may work. */
gboolean
virt_migrate_backend_abort (VirtMigrateBackend *self,
                            gboolean           *retry,
                            GError            **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_BACKEND (self), FALSE);
  *retry = FALSE;
  return VIRT_MIGRATE_BACKEND_GET_IFACE (self)->abort (self, retry, error);
}

/* After the migration: the final statistics and the configuration outcome
 * on success; on failure the guest is resumed on the source if it was
 * paused by the attempt. @resume_destination: the policy paused the guest,
 * resume it where it now runs. Always called once after prepare(). */
void
virt_migrate_backend_finish (VirtMigrateBackend       *self,
                             gboolean                  success,
                             gboolean                  resume_destination,
                             VirtMigrateBackendResult *result)
{
  g_return_if_fail (VIRT_MIGRATE_IS_BACKEND (self));
  memset (result, 0, sizeof (*result));
  VIRT_MIGRATE_BACKEND_GET_IFACE (self)->finish (self, success, resume_destination, result);
}

GVariant *
virt_migrate_backend_get_verdict (VirtMigrateBackend *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_BACKEND (self), NULL);
  if (VIRT_MIGRATE_BACKEND_GET_IFACE (self)->get_verdict == NULL)
    return NULL;
  return VIRT_MIGRATE_BACKEND_GET_IFACE (self)->get_verdict (self);
}

VirtMigrateBackend *
virt_migrate_backend_resume (VirtMigrateBackend *self,
                             VirtMigrateRequest *request)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_BACKEND (self), NULL);
  if (VIRT_MIGRATE_BACKEND_GET_IFACE (self)->resume == NULL)
    return NULL;
  return VIRT_MIGRATE_BACKEND_GET_IFACE (self)->resume (self, request);
}

void
virt_migrate_backend_result_clear (VirtMigrateBackendResult *result)
{
  g_clear_object (&result->expected_outcome);
  g_clear_object (&result->outcome);
}
