/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-preflight.h"

G_BEGIN_DECLS

/* Inside the pre-flight verdict: its rules, in virt-migrate-preflight.c and
 * virt-migrate-preflight-disks.c (the disks'), add checks to one Verdict. */
typedef struct {
  GVariantBuilder        checks;
  VirtMigrateCheckResult worst;
} Verdict;

/* Adds the check @check with @result, its reason (@format) and @fix (NULL:
 * none) to @v, which keeps the worst result. */
void virt_migrate_verdict_add (Verdict                *v,
                               const char             *check,
                               VirtMigrateCheckResult  result,
                               const char             *fix,
                               const char             *format,
                               ...) G_GNUC_PRINTF (5, 6);

/* A file system every host sees the same (libvirt's shared ones, cluster ones included). */
static inline gboolean
virt_migrate_fs_shared (VirtMigrateFsKind kind)
{
  return kind == VIRT_MIGRATE_FS_SHARED || kind == VIRT_MIGRATE_FS_CLUSTER;
}

/* "python3 (pid 42) listens on 127.0.0.1:5901" (virt-migrate-preflight.c) */
char *virt_migrate_preflight_program_listening (const VirtMigrateEndpoint *l);

/* (virt-migrate-preflight-streams.c) */
void virt_migrate_preflight_check_streams (Verdict *v, const VirtMigratePreflightFacts *f);

/* (virt-migrate-preflight-disks.c) */
void virt_migrate_preflight_check_disks (Verdict *v, const VirtMigratePreflightFacts *f);
void virt_migrate_preflight_check_space (Verdict *v, const VirtMigratePreflightFacts *f);

G_END_DECLS
