/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-error.h"
#include "virt-migrate-recovery.h"
#include "virt-migrate-request-private.h"

void
virt_migrate_recovery_init (VirtMigrateRecovery *self, VirtMigrateRequest *request)
{
  self->timeout = virt_migrate_request_get_postcopy (request)
                    ? virt_migrate_request_get_postcopy_recovery_timeout (request) : 0;
  self->deadline = 0;
  self->tries = 0;
}

gboolean
virt_migrate_recovery_started (const VirtMigrateRecovery *self)
{
  return self->deadline != 0;
}

guint
virt_migrate_recovery_failed (VirtMigrateRecovery *self, gint64 now)
{
  gint64 delay;

  if (self->timeout == 0)
    return 0;
  if (self->deadline == 0)
    self->deadline = now + (gint64) self->timeout * G_USEC_PER_SEC;
  if (now >= self->deadline)
    return 0;
  delay = (gint64) MIN (1u << MIN (self->tries, 5u), 30u) * 1000;
  /* Never past the deadline: the last try comes at it. */
  return (guint) MIN (delay, MAX ((self->deadline - now) / 1000, 1));
}

guint
virt_migrate_recovery_try (VirtMigrateRecovery *self)
{
  return ++self->tries;
}

VirtMigrateRequest *
virt_migrate_recovery_request (VirtMigrateRequest *request)
{
  VirtMigrateRequest *resume = virt_migrate_request_copy (request);

  g_object_set (resume, "postcopy-resume", TRUE, "postcopy-after-precopy", FALSE, "disk-map", NULL,
                "network-map", NULL, NULL);
  return resume;
}

gboolean
virt_migrate_recovery_check (VirtMigrateJob *job, GError **error)
{
  if (virt_migrate_job_get_state (job) == VIRT_MIGRATE_JOB_STATE_FAILED &&
      g_error_matches (virt_migrate_job_get_error (job), VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_POSTCOPY_FAILED))
    return TRUE;
  g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_REQUEST,
               "Job %u is not a post-copy migration that failed: nothing to recover", virt_migrate_job_get_id (job));
  return FALSE;
}
