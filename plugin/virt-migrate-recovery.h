/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-job.h"
#include "virt-migrate-request.h"

G_BEGIN_DECLS

/* Post-copy recovery, one unit for the job and for Manager.Recover(): the
 * request that resumes a broken post-copy (VIR_MIGRATE_POSTCOPY_RESUME),
 * whether a job can be recovered, and the tries' schedule (back-off 1, 2,
 * 4… s, at most 30, within the request's postcopy-recovery-timeout). A
 * job runs its tries with it; Recover() checks a job with it and makes
 * the job that resumes the migration from its request, which then runs
 * its own tries with it. Pure but for the job's state it reads. */
typedef struct {
  guint  timeout;  /* s, 0: no recovery */
  gint64 deadline; /* monotonic µs, 0: not started */
  guint  tries;
} VirtMigrateRecovery;

/* The schedule of a job of @request: no recovery unless post-copy is allowed. */
void                virt_migrate_recovery_init    (VirtMigrateRecovery       *self,
                                                   VirtMigrateRequest        *request);
gboolean            virt_migrate_recovery_started (const VirtMigrateRecovery *self);
/* Post-copy broke (the first time), or a try failed, at @now (monotonic
 * µs): the milliseconds to wait before the next try, or 0: give up. */
guint               virt_migrate_recovery_failed  (VirtMigrateRecovery       *self,
                                                   gint64                     now);
/* A try begins: its number. */
guint               virt_migrate_recovery_try     (VirtMigrateRecovery       *self);
/* The request that resumes @request's broken post-copy: the same flow and
 * URIs; the maps' XML is already on the destination. */
VirtMigrateRequest *virt_migrate_recovery_request (VirtMigrateRequest        *request);
/* Whether @job is a post-copy that failed and can be resumed; FALSE with
 * @error (VIRT_MIGRATE_ERROR_INVALID_REQUEST) otherwise. */
gboolean            virt_migrate_recovery_check   (VirtMigrateJob            *job,
                                                   GError                   **error);

G_END_DECLS
