/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libvirt/libvirt.h>

#include "virt-migrate-request.h"

G_BEGIN_DECLS

/* The libvirt call a request maps to. */
typedef enum {
  VIRT_MIGRATE_API_MIGRATE3,        /* virDomainMigrate3 (managed direct) */
  VIRT_MIGRATE_API_MIGRATE_TO_URI3, /* virDomainMigrateToURI3 (p2p, unmanaged) */
} VirtMigrateApi;

typedef struct {
  VirtMigrateApi        api;
  unsigned int          flags;
  virTypedParameterPtr  params;
  int                   nparams;
  char                 *dconnuri; /* virDomainMigrateToURI3's dconnuri, or NULL */
} VirtMigrateCall;

gboolean     virt_migrate_request_build_call (VirtMigrateRequest *self,
                                              VirtMigrateCall    *call,
                                              GError            **error);
void         virt_migrate_call_clear         (VirtMigrateCall    *call);
const char  *virt_migrate_api_to_string      (VirtMigrateApi      api);

/* Typed accessors for the keys the rest of the library reads. */
gboolean                virt_migrate_request_get_live                   (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_persist_dest           (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_undefine_source        (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_postcopy               (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_postcopy_after_precopy (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_suspend                (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_convergence_policy     (VirtMigrateRequest *self);
guint                   virt_migrate_request_get_completion_timeout     (VirtMigrateRequest *self);
guint                   virt_migrate_request_get_postcopy_recovery_timeout (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_postcopy_resume        (VirtMigrateRequest *self);
guint                   virt_migrate_request_get_policy_stall_window    (VirtMigrateRequest *self);
guint                   virt_migrate_request_get_policy_stall_iterations (VirtMigrateRequest *self);
VirtMigratePolicyAction virt_migrate_request_get_completion_action      (VirtMigrateRequest *self);

G_END_DECLS
