/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include <virt-migrate.h>

G_BEGIN_DECLS

JsonNode *virt_migrate_job_to_json        (VirtMigrateJob *job);
char     *virt_migrate_job_to_json_string (VirtMigrateJob *job,
                                           gboolean        pretty);

G_END_DECLS
