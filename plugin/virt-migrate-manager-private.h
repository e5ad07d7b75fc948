/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-backend.h"
#include "virt-migrate-manager.h"

G_BEGIN_DECLS

VirtMigrateJob *virt_migrate_manager_adopt (VirtMigrateManager *self,
                                            VirtMigrateRequest *request,
                                            guint               id,
                                            guint               owner_uid,
                                            const char *const  *messages);



/* Makes the backend of a new job of @request. */
typedef VirtMigrateBackend *(*VirtMigrateBackendFunc) (VirtMigrateRequest *request,
                                                       gboolean            adopted,
                                                       gpointer            user_data);

void            virt_migrate_manager_set_backend_func (VirtMigrateManager     *self,
                                                       VirtMigrateBackendFunc  func,
                                                       gpointer                user_data,
                                                       GDestroyNotify          destroy);

G_END_DECLS
