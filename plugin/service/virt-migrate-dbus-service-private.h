/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-publisher.h"

/* What the D-Bus service's three files share: the service itself
 * (virt-migrate-dbus-service.c: the Manager and the jobs), how a call is
 * authorised (virt-migrate-dbus-authorize.c) and the drains' objects
 * (virt-migrate-dbus-drain-export.c). */

#include "virt-migrate-dbus-generated.h"
#include "virt-migrate-dbus-service.h"

G_BEGIN_DECLS

struct _VirtMigrateDBusService
{
  GObject                           parent_instance;
  VirtMigrateManager               *manager;
  GDBusConnection                  *connection;
  char                             *path;
  GDBusObjectManagerServer         *object_manager;
  VirtMigrateDBusManager           *manager_iface;
  GHashTable                       *exports; /* job id -> VirtMigrateDBusJobExport */
  GHashTable                       *drain_exports; /* drain id -> DrainExport */
  guint                             progress_interval;
  gboolean                          polkit;
  char                             *state_directory;
  gboolean                          watching;
};

/* A job on the bus. */
typedef struct {
  VirtMigrateDBusService *service;
  VirtMigrateJob         *job;
  VirtMigrateDBusObjectSkeleton *object;
  VirtMigrateDBusJob     *iface;
  guint                   owner_uid;
  VirtMigratePublisher   *publisher;
  gulong                  notify_id;
  gulong                  completed_id;
} VirtMigrateDBusJobExport;

/* What a caller asks for. Every call goes through the same steps: ask the
 * bus who the caller is, decide (polkit, or the authorize signal), then act
 * on what is there at that moment, since a job may have gone meanwhile. */
typedef enum {
  ACTION_MIGRATE,
  ACTION_CANCEL,
  ACTION_SET_MAX_DOWNTIME,
  ACTION_SET_MAX_SPEED,
  ACTION_START_POSTCOPY,
  ACTION_DRAIN,
  ACTION_CANCEL_DRAIN,
  ACTION_RECOVER,
  ACTION_FORCE_COMPLETE,
} VirtMigrateDBusAction;

typedef struct {
  VirtMigrateDBusService *service;
  GDBusMethodInvocation  *invocation;
  VirtMigrateDBusAction   action;
  guint                   job_id;   /* the job acted on, 0 for ACTION_MIGRATE */
  VirtMigrateJob         *job;      /* a reference to it while deciding */
  VirtMigrateRequest     *request;  /* ACTION_MIGRATE, ACTION_DRAIN */
  VirtMigrateDrain       *drain;    /* ACTION_CANCEL_DRAIN */
  GVariant               *options;  /* ACTION_DRAIN */
  char                  **destinations; /* ACTION_DRAIN */
  guint64                 value;
  guint                   uid;
} VirtMigrateDBusCall;


void     virt_migrate_dbus_call_free          (VirtMigrateDBusCall *call);
/* Takes @call; answers its invocation once decided and done. */
void     virt_migrate_dbus_call_start         (VirtMigrateDBusCall *call);
/* (virt-migrate-dbus-authorize.c) Manager.GetPermissions: replies to
 * @invocation with what its caller may do. */
gboolean virt_migrate_dbus_service_get_permissions (VirtMigrateDBusManager *iface,
                                                    GDBusMethodInvocation  *invocation,
                                                    VirtMigrateDBusService *self);
/* Acts on an authorised call (virt-migrate-dbus-service.c); takes it. */
void     virt_migrate_dbus_call_perform       (VirtMigrateDBusCall *call);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VirtMigrateDBusCall, virt_migrate_dbus_call_free)

gboolean virt_migrate_dbus_service_real_authorize (VirtMigrateDBusService *self,
                                                   const char             *action,
                                                   const char             *sender,
                                                   guint                   uid,
                                                   VirtMigrateJob         *job);
/* The authorize signal's answer (virt-migrate-dbus-service.c). */
gboolean virt_migrate_dbus_service_emit_authorize (VirtMigrateDBusService *self,
                                                   const char             *action,
                                                   const char             *sender,
                                                   guint                   uid,
                                                   VirtMigrateJob         *job);
void     virt_migrate_dbus_set_skeleton_properties (GObject  *skeleton,
                                                    GVariant *snapshot);

void     virt_migrate_dbus_service_export_drain (VirtMigrateDBusService *self,
                                                 VirtMigrateDrain       *drain);
void     virt_migrate_dbus_drain_export_free    (gpointer                data);

G_END_DECLS
