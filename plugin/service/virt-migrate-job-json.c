/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A job as JSON, for the HTTP API and the webhooks: its snapshot
 * (virt_migrate_job_to_variant(), the D-Bus Job interface's properties with
 * the same values), plus Id and DestUri. */
#include "config.h"

#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-job-json.h"

JsonNode *
virt_migrate_job_to_json (VirtMigrateJob *job)
{
  g_autoptr(GVariant) snapshot = g_variant_ref_sink (virt_migrate_job_to_variant (job));
  VirtMigrateRequest *request = virt_migrate_job_get_request (job);
  JsonNode *node = json_gvariant_serialize (snapshot);
  JsonObject *object = json_node_get_object (node);

  json_object_set_string_member (object, "DestUri", virt_migrate_request_get_dest_uri (request));
  /* A job nobody claimed (a library user's) has no known owner. */
  if (virt_migrate_job_get_started_by_uid (job) < 0)
    json_object_set_null_member (object, "StartedByUid");
  return node;
}

char *
virt_migrate_job_to_json_string (VirtMigrateJob *job,
                                 gboolean        pretty)
{
  g_autoptr(JsonNode) node = virt_migrate_job_to_json (job);

  return json_to_string (node, pretty);
}
