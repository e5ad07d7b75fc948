/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <string.h>

#include <virt-migrate.h>

/* Whether one of the job's messages (its log) contains @needle. */
static inline gboolean
job_has_message (VirtMigrateJob *job,
                 const char     *needle)
{
  const char *const *messages = virt_migrate_job_get_messages (job);

  for (guint i = 0; messages != NULL && messages[i] != NULL; i++)
    if (strstr (messages[i], needle) != NULL)
      return TRUE;
  return FALSE;
}
