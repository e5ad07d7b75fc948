/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRT_MIGRATE_H_INSIDE__) && !defined(VIRT_MIGRATE_COMPILATION)
#error "Only <virt-migrate.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virt-migrate-enums.h"

G_BEGIN_DECLS

#define VIRT_MIGRATE_TYPE_REQUEST (virt_migrate_request_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateRequest, virt_migrate_request, VIRT_MIGRATE, REQUEST, GObject)

VirtMigrateRequest  *virt_migrate_request_new                  (const char *domain,
                                                                const char *source_uri,
                                                                const char *dest_uri);
VirtMigrateRequest  *virt_migrate_request_new_from_variant     (GVariant   *dict,
                                                                GError    **error);
GVariant            *virt_migrate_request_to_variant           (VirtMigrateRequest *self);
VirtMigrateRequest  *virt_migrate_request_copy                 (VirtMigrateRequest *self);
gboolean             virt_migrate_request_validate             (VirtMigrateRequest *self,
                                                                GError            **error);
gboolean             virt_migrate_request_validate_for_guest   (VirtMigrateRequest *self,
                                                                const char         *guest_uuid,
                                                                GError            **error);
gboolean             virt_migrate_request_validate_for         (VirtMigrateRequest *self,
                                                                const char *const  *destinations,
                                                                GError            **error);

const char          *virt_migrate_request_get_domain           (VirtMigrateRequest *self);
const char          *virt_migrate_request_get_source_uri       (VirtMigrateRequest *self);
const char          *virt_migrate_request_get_dest_uri         (VirtMigrateRequest *self);
const char          *virt_migrate_request_get_hypervisor_uri   (VirtMigrateRequest *self);
VirtMigrateFlow      virt_migrate_request_get_flow             (VirtMigrateRequest *self);
VirtMigrateTransport virt_migrate_request_get_transport        (VirtMigrateRequest *self);
VirtMigrateStorage   virt_migrate_request_get_storage          (VirtMigrateRequest *self);
gboolean             virt_migrate_request_get_offline          (VirtMigrateRequest *self);
guint64              virt_migrate_request_get_bandwidth        (VirtMigrateRequest *self);
guint64              virt_migrate_request_get_max_downtime     (VirtMigrateRequest *self);

char                *virt_migrate_uri_for_destination           (const char *destination);

G_END_DECLS
