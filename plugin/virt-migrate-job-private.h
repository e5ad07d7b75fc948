/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-backend.h"
#include "virt-migrate-job.h"

G_BEGIN_DECLS

/* @backend: the seam to follow it through. */
VirtMigrateJob *virt_migrate_job_new_adopted   (VirtMigrateRequest        *request,
                                                VirtMigrateBackend        *backend,
                                                guint                      id);
void            virt_migrate_job_set_id        (VirtMigrateJob            *self,
                                                guint                      id);
void            virt_migrate_job_log           (VirtMigrateJob            *self,
                                                const char                *message);
GVariant       *virt_migrate_job_to_history_record (VirtMigrateJob *self);
VirtMigrateJob *virt_migrate_job_new_with_backend (VirtMigrateRequest      *request,
                                                   VirtMigrateBackend      *backend);

/* When the migration an adopted job follows really began (µs since the
 * epoch, from its record): its elapsed time and history count from there. */
void            virt_migrate_job_set_adopted_start (VirtMigrateJob *self,
                                                    gint64          start_real_time);
gint64          virt_migrate_job_get_start_real_time (VirtMigrateJob *self);

/* The drain that started @self (0: none), in its snapshot and history record. */
void            virt_migrate_job_set_drain_id  (VirtMigrateJob            *self,
                                                guint                      drain_id);
guint           virt_migrate_job_get_drain_id  (VirtMigrateJob            *self);

/* How long QEMU's set-up took in this migration (from the call to its
 * first memory statistics, µs, memory only; 0 until then); the next
 * migrations between the same hosts expect it (virt-migrate-host-setups.c). */
gint64          virt_migrate_job_get_setup_time (VirtMigrateJob *self);
/* ...and what it expected, as the last migrations between the same hosts
 * measured it (their median, µs; 0: none known, the guess). */
gint64          virt_migrate_job_get_setup_expected (VirtMigrateJob *self);

/* The guest's dirty rate in this migration's first pass (bytes/s: QEMU's
 * first figure, from its second pass; 0 until then): what its next
 * migration expects (guest-rates.c). */
guint64         virt_migrate_job_get_first_dirty_rate (VirtMigrateJob *self);
/* What it expected for the first pass instead (bytes/s, 0: none): the
 * rate its guest's last migration measured. */
guint64         virt_migrate_job_get_dirty_learnt (VirtMigrateJob *self);

G_END_DECLS
