/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A job as JSON, for the HTTP API and the webhooks: the members are the
 * D-Bus Job interface's property names with the same values (enums as nick
 * strings, sizes in bytes, times in µs since the epoch or ms), plus Id. */
#include "config.h"

#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-job-json.h"
#include "virt-migrate-job-private.h"

JsonNode *
virt_migrate_job_to_json (VirtMigrateJob *job)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  VirtMigrateRequest *request = virt_migrate_job_get_request (job);
  VirtMigrateJobState state = virt_migrate_job_get_state (job);
  const GError *error = virt_migrate_job_get_error (job);
  const char *const *messages = virt_migrate_job_get_messages (job);
  gint64 end = virt_migrate_job_get_expected_end_time (job);
  gint64 uid = virt_migrate_job_get_started_by_uid (job);
  g_autoptr(GVariant) request_dict = g_variant_ref_sink (virt_migrate_request_to_variant (request));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Id");
  json_builder_add_int_value (builder, virt_migrate_job_get_id (job));
  json_builder_set_member_name (builder, "Domain");
  json_builder_add_string_value (builder, virt_migrate_request_get_domain (request));
  json_builder_set_member_name (builder, "DestUri");
  json_builder_add_string_value (builder, virt_migrate_request_get_dest_uri (request));
  json_builder_set_member_name (builder, "State");
  json_builder_add_string_value (builder, virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_JOB_STATE, state));
  json_builder_set_member_name (builder, "Progress");
  json_builder_add_double_value (builder, virt_migrate_job_get_progress (job));
#define U64(name, value) \
  json_builder_set_member_name (builder, name); \
  json_builder_add_int_value (builder, (gint64) MIN ((guint64) (value), (guint64) G_MAXINT64))
  U64 ("Rate", virt_migrate_job_get_rate (job));
  U64 ("ExpectedEndTime", end > 0 ? end : 0);
  U64 ("BytesTotal", virt_migrate_job_get_data_total (job));
  U64 ("BytesProcessed", virt_migrate_job_get_data_processed (job));
  U64 ("BytesRemaining", virt_migrate_job_get_data_remaining (job));
  U64 ("DirtyRate", virt_migrate_job_get_memory_dirty_rate (job));
  U64 ("Iteration", virt_migrate_job_get_iteration (job));
  U64 ("Downtime", virt_migrate_job_get_downtime (job));
  U64 ("Elapsed", virt_migrate_job_get_elapsed (job));
#undef U64
  json_builder_set_member_name (builder, "Cancelable");
  json_builder_add_boolean_value (builder, virt_migrate_job_is_cancelable (job));
  json_builder_set_member_name (builder, "StartedByUid");
  if (uid >= 0)
    json_builder_add_int_value (builder, uid);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "Error");
  json_builder_add_string_value (builder, error != NULL ? error->message : "");
  json_builder_set_member_name (builder, "Request");
  json_builder_add_value (builder, json_gvariant_serialize (request_dict));
  json_builder_set_member_name (builder, "Messages");
  json_builder_begin_array (builder);
  for (guint i = 0; messages != NULL && messages[i] != NULL; i++)
    json_builder_add_string_value (builder, messages[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

char *
virt_migrate_job_to_json_string (VirtMigrateJob *job,
                                 gboolean        pretty)
{
  g_autoptr(JsonNode) node = virt_migrate_job_to_json (job);

  return json_to_string (node, pretty);
}
