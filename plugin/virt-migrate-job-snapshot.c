/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One snapshot of a job, an a{sv} keyed by the D-Bus Job interface's
 * property names with their D-Bus types (enums as nick strings, sizes in
 * bytes, times in µs since the epoch or ms). The D-Bus export, the JSON
 * of the HTTP API and the webhooks are all made from it, so they cannot
 * drift apart; test-snapshot checks its keys against the interface XML. */
#include "config.h"

#include <unistd.h>

#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-job-private.h"

/**
 * virt_migrate_job_to_variant:
 * @self: a #VirtMigrateJob
 *
 * A snapshot of the job as an `a{sv}` dictionary keyed by the D-Bus Job
 * interface's property names (`State`, `Progress`, `Rate`,
 * `ExpectedEndTime`, `BytesTotal`, …, `Request`, `Messages`) with their
 * D-Bus types: what virt-migrated exports, the HTTP API serves as JSON and
 * the webhooks post.  Call it on the job's main context.
 *
 * Returns: (transfer floating): the job's `a{sv}`
 */
GVariant *
virt_migrate_job_to_variant (VirtMigrateJob *self)
{
  GVariantBuilder b;
  VirtMigrateRequest *request;
  const GError *error;
  const char *const *messages;
  const char *domain;
  gint64 end, uid;

  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);

  request = virt_migrate_job_get_request (self);
  error = virt_migrate_job_get_error (self);
  messages = virt_migrate_job_get_messages (self);
  domain = virt_migrate_request_get_domain (request);
  end = virt_migrate_job_get_expected_end_time (self);
  uid = virt_migrate_job_get_started_by_uid (self);

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
#define ADD(key, value) g_variant_builder_add (&b, "{sv}", key, value)
  ADD ("State", g_variant_new_string (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_JOB_STATE,
                                                              virt_migrate_job_get_state (self))));
  ADD ("Phase", g_variant_new_string (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_PHASE,
                                                              virt_migrate_job_get_phase (self))));
  ADD ("Progress", g_variant_new_double (virt_migrate_job_get_progress (self)));
  ADD ("Rate", g_variant_new_uint64 (virt_migrate_job_get_rate (self)));
  ADD ("ExpectedEndTime", g_variant_new_uint64 (end > 0 ? (guint64) end : 0));
  ADD ("BytesTotal", g_variant_new_uint64 (virt_migrate_job_get_data_total (self)));
  ADD ("BytesProcessed", g_variant_new_uint64 (virt_migrate_job_get_data_processed (self)));
  ADD ("BytesRemaining", g_variant_new_uint64 (virt_migrate_job_get_data_remaining (self)));
  ADD ("DirtyRate", g_variant_new_uint64 (virt_migrate_job_get_memory_dirty_rate (self)));
  ADD ("Iteration", g_variant_new_uint64 (virt_migrate_job_get_iteration (self)));
  ADD ("Downtime", g_variant_new_uint64 (virt_migrate_job_get_downtime (self)));
  ADD ("Elapsed", g_variant_new_uint64 (virt_migrate_job_get_elapsed (self)));
  ADD ("Cancelable", g_variant_new_boolean (virt_migrate_job_is_cancelable (self)));
  /* A job nobody claimed runs for this process's user. */
  ADD ("StartedByUid", g_variant_new_uint32 (uid >= 0 ? (guint32) uid : (guint32) getuid ()));
  ADD ("Request", virt_migrate_request_to_variant (request));
  ADD ("Domain", g_variant_new_string (domain != NULL ? domain : ""));
  ADD ("Error", g_variant_new_string (error != NULL ? error->message : ""));
  ADD ("Messages", g_variant_new_strv (messages, messages != NULL ? -1 : 0));
#undef ADD
  return g_variant_builder_end (&b);
}
