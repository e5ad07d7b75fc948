/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-hypervisor.h"
#include "virt-migrate-job.h"

G_BEGIN_DECLS

/* What a drain asks of whoever runs it (a manager: manager-drain.c), so
 * that the drain never reaches back into the manager: make a job for one
 * guest (numbered, with the defaults), run it (queued under the limits,
 * its group's among them), find a job by id (after a restart), the
 * hypervisor seam for its planning, and its group's limit.
 * @host is the runner's object; the drain holds it weakly. */
typedef struct {
  VirtMigrateJob        *(*create_job)     (GObject            *host,
                                            VirtMigrateRequest *request,
                                            GError            **error);
  void                   (*run_job)        (GObject            *host,
                                            VirtMigrateJob     *job);
  VirtMigrateJob        *(*lookup_job)     (GObject            *host,
                                            guint               id);
  VirtMigrateHypervisor *(*new_hypervisor) (GObject            *host);
  /* At most @limit of the jobs marked with @group (the drain's id) at once
   * in the host's one queue; 0: no limit of the group's own. */
  void                   (*set_group_limit) (GObject           *host,
                                             guint              group,
                                             guint              limit);
} VirtMigrateDrainHost;

G_END_DECLS
