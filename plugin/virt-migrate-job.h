/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRT_MIGRATE_H_INSIDE__) && !defined(VIRT_MIGRATE_COMPILATION)
#error "Only <virt-migrate.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virt-migrate-config-outcome.h"
#include "virt-migrate-enums.h"
#include "virt-migrate-policy.h"
#include "virt-migrate-request.h"

G_BEGIN_DECLS

#define VIRT_MIGRATE_TYPE_JOB (virt_migrate_job_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateJob, virt_migrate_job, VIRT_MIGRATE, JOB, GObject)

VirtMigrateJob      *virt_migrate_job_new                   (VirtMigrateRequest  *request);
void                 virt_migrate_job_run_async             (VirtMigrateJob      *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
gboolean             virt_migrate_job_run_finish            (VirtMigrateJob      *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);
gboolean             virt_migrate_job_cancel                (VirtMigrateJob      *self,
                                                             GError             **error);
gboolean             virt_migrate_job_start_postcopy        (VirtMigrateJob      *self,
                                                             GError             **error);
gboolean             virt_migrate_job_force_complete        (VirtMigrateJob      *self,
                                                             GError             **error);
gboolean             virt_migrate_job_set_max_downtime      (VirtMigrateJob      *self,
                                                             guint64              milliseconds,
                                                             GError             **error);
gboolean             virt_migrate_job_set_max_speed         (VirtMigrateJob      *self,
                                                             guint64              mebibytes_per_second,
                                                             GError             **error);

guint                virt_migrate_job_get_id                (VirtMigrateJob      *self);
VirtMigrateRequest  *virt_migrate_job_get_request           (VirtMigrateJob      *self);
VirtMigrateJobState  virt_migrate_job_get_state             (VirtMigrateJob      *self);
VirtMigratePhase     virt_migrate_job_get_phase             (VirtMigrateJob      *self);
GVariant            *virt_migrate_job_get_verdict           (VirtMigrateJob      *self);
gboolean             virt_migrate_job_is_finished           (VirtMigrateJob      *self);
gdouble              virt_migrate_job_get_progress          (VirtMigrateJob      *self);
guint64              virt_migrate_job_get_data_total        (VirtMigrateJob      *self);
guint64              virt_migrate_job_get_data_processed    (VirtMigrateJob      *self);
guint64              virt_migrate_job_get_data_remaining    (VirtMigrateJob      *self);
guint64              virt_migrate_job_get_data_transferred  (VirtMigrateJob      *self);
guint64              virt_migrate_job_get_rate              (VirtMigrateJob      *self);
guint64              virt_migrate_job_get_memory_dirty_rate (VirtMigrateJob      *self);
guint64              virt_migrate_job_get_iteration         (VirtMigrateJob      *self);
guint64              virt_migrate_job_get_elapsed           (VirtMigrateJob      *self);
gint64               virt_migrate_job_get_expected_end_time (VirtMigrateJob      *self);
guint64              virt_migrate_job_get_downtime          (VirtMigrateJob      *self);
const GError        *virt_migrate_job_get_error             (VirtMigrateJob      *self);
const char          *virt_migrate_job_get_libvirt_api       (VirtMigrateJob      *self);
guint                virt_migrate_job_get_libvirt_flags     (VirtMigrateJob      *self);
guint                virt_migrate_job_get_poll_interval     (VirtMigrateJob      *self);
VirtMigrateConfigOutcome *virt_migrate_job_get_config_outcome          (VirtMigrateJob *self);
VirtMigrateConfigOutcome *virt_migrate_job_get_expected_config_outcome (VirtMigrateJob *self);
const char * const       *virt_migrate_job_get_messages                (VirtMigrateJob *self);
void                 virt_migrate_job_set_poll_interval     (VirtMigrateJob      *self,
                                                             guint                interval_ms);

gboolean             virt_migrate_job_is_cancelable         (VirtMigrateJob      *self);
gint64               virt_migrate_job_get_started_by_uid    (VirtMigrateJob      *self);
gboolean             virt_migrate_job_state_is_final        (VirtMigrateJobState  state);
void                 virt_migrate_job_set_started_by_uid    (VirtMigrateJob      *self,
                                                             guint                uid);
GVariant            *virt_migrate_job_to_variant            (VirtMigrateJob      *self);

VirtMigratePolicy   *virt_migrate_job_get_policy            (VirtMigrateJob      *self);
void                 virt_migrate_job_set_policy            (VirtMigrateJob      *self,
                                                             VirtMigratePolicy   *policy);

G_END_DECLS
