/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who may do what on the D-Bus service: every call that starts, cancels or
 * tunes a migration asks the bus who the caller is, then polkit (with
 * #VirtMigrateDBusService:polkit) or the authorize signal decides. */
#include "config.h"

#include <polkit/polkit.h>

#include "virt-migrate-dbus-service-private.h"
#include "virt-migrate-service.h"

static const char *const action_names[] = {
  "migrate", "cancel", "set-max-downtime", "set-max-speed", "start-postcopy", "drain", "cancel-drain", "recover",
  "force-complete",
};

void
virt_migrate_dbus_call_free (VirtMigrateDBusCall *call)
{
  g_clear_object (&call->service);
  g_clear_object (&call->invocation);
  g_clear_object (&call->job);
  g_clear_object (&call->request);
  g_clear_object (&call->drain);
  g_clear_pointer (&call->options, g_variant_unref);
  g_strfreev (call->destinations);
  g_free (call);
}

static guint
job_owner (VirtMigrateDBusService *self, guint job_id)
{
  VirtMigrateDBusJobExport *ex = g_hash_table_lookup (self->exports, GUINT_TO_POINTER (job_id));

  return ex != NULL ? ex->owner_uid : G_MAXUINT;
}

static guint
drain_owner (VirtMigrateDBusCall *call)
{
  gint64 uid = call->drain != NULL ? virt_migrate_drain_get_started_by_uid (call->drain) : -1;

  return uid >= 0 ? (guint) uid : G_MAXUINT;
}

static void
call_deny (VirtMigrateDBusCall *call, const char *why)
{
  if (call->drain != NULL)
    g_dbus_method_invocation_return_error (call->invocation, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                           "uid %u may not cancel drain %u: %s", call->uid,
                                           virt_migrate_drain_get_id (call->drain), why);
  else
    g_dbus_method_invocation_return_error (call->invocation, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                           "uid %u may not %s%s%.0u: %s", call->uid,
                                           action_names[call->action],
                                           call->job_id != 0 ? " job " : "", call->job_id, why);
}

/* The polkit action a call needs: migrate, or cancel-own / cancel-any
 * (tuning a job counts as cancelling it: both change a running migration). */
static const char *
call_polkit_action (VirtMigrateDBusCall *call)
{
  if (call->action == ACTION_MIGRATE || call->action == ACTION_DRAIN)
    return VIRT_MIGRATE_DBUS_NAME ".migrate";
  if (call->action == ACTION_CANCEL_DRAIN)
    return call->uid == drain_owner (call) ? VIRT_MIGRATE_DBUS_NAME ".cancel-own" : VIRT_MIGRATE_DBUS_NAME ".cancel-any";
  if (call->uid == job_owner (call->service, call->job_id))
    return VIRT_MIGRATE_DBUS_NAME ".cancel-own";
  return VIRT_MIGRATE_DBUS_NAME ".cancel-any";
}

static void
polkit_checked_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(VirtMigrateDBusCall) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PolkitAuthorizationResult) res =
    polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), result, &error);
  g_autofree char *why = NULL;

  if (res == NULL)
    why = g_strdup_printf ("polkit could not decide: %s", error->message);
  else if (polkit_authorization_result_get_is_challenge (res))
    why = g_strdup_printf ("%s needs authentication; call with interactive authorization allowed",
                           call_polkit_action (call));
  else if (!polkit_authorization_result_get_is_authorized (res))
    why = g_strdup_printf ("not authorized for %s", call_polkit_action (call));
  if (why != NULL)
    {
      call_deny (call, why);
      return;
    }
  virt_migrate_dbus_call_perform (g_steal_pointer (&call));
}

static void
polkit_authority_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VirtMigrateDBusCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PolkitAuthority) authority = polkit_authority_get_finish (result, &error);
  g_autoptr(PolkitSubject) subject = NULL;
  g_autoptr(PolkitDetails) details = NULL;
  PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;
  VirtMigrateRequest *request;

  if (authority == NULL)
    {
      g_autofree char *why = g_strdup_printf ("polkit is not available: %s", error->message);

      call_deny (call, why);
      virt_migrate_dbus_call_free (call);
      return;
    }

  subject = polkit_system_bus_name_new (g_dbus_method_invocation_get_sender (call->invocation));
  details = polkit_details_new ();
  request = call->request != NULL ? call->request :
            call->drain != NULL ? virt_migrate_drain_get_request (call->drain) :
            virt_migrate_job_get_request (call->job);
  if (virt_migrate_request_get_domain (request) != NULL)
    polkit_details_insert (details, "domain", virt_migrate_request_get_domain (request));
  if (call->action == ACTION_DRAIN || call->action == ACTION_CANCEL_DRAIN)
    {
      polkit_details_insert (details, "operation", action_names[call->action]);
      polkit_details_insert (details, "source-uri", virt_migrate_request_get_source_uri (request));
    }
  if (virt_migrate_request_get_dest_uri (request) != NULL)
    polkit_details_insert (details, "dest-uri", virt_migrate_request_get_dest_uri (request));
  if (call->job_id != 0)
    {
      g_autofree char *id = g_strdup_printf ("%u", call->job_id);

      polkit_details_insert (details, "job", id);
      polkit_details_insert (details, "operation", action_names[call->action]);
    }
  if (g_dbus_message_get_flags (g_dbus_method_invocation_get_message (call->invocation)) &
      G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION)
    flags |= POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;
  polkit_authority_check_authorization (authority, subject, call_polkit_action (call), details,
                                        flags, NULL, polkit_checked_cb, call);
}

static void
caller_uid_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VirtMigrateDBusCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  gboolean allowed = FALSE;

  if (reply == NULL)
    {
      g_dbus_method_invocation_return_error (call->invocation, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                             "Cannot tell who is calling: %s", error->message);
      virt_migrate_dbus_call_free (call);
      return;
    }
  g_variant_get (reply, "(u)", &call->uid);

  if (call->service->polkit)
    {
      polkit_authority_get_async (NULL, polkit_authority_cb, call);
      return;
    }

  /* A drain is cancelled by whoever started it, or root. */
  if (call->action == ACTION_CANCEL_DRAIN)
    allowed = call->uid == 0 || call->uid == drain_owner (call);
  else
    allowed = virt_migrate_dbus_service_emit_authorize (call->service, action_names[call->action],
                                                        g_dbus_method_invocation_get_sender (call->invocation),
                                                        call->uid, call->job);
  if (!allowed)
    {
      g_autofree char *why = call->drain != NULL ?
        g_strdup_printf ("it was started by uid %u", drain_owner (call)) :
        call->job_id != 0 ?
        g_strdup_printf ("it was started by uid %u", job_owner (call->service, call->job_id)) :
        g_strdup ("refused by the service");

      call_deny (call, why);
      virt_migrate_dbus_call_free (call);
      return;
    }
  virt_migrate_dbus_call_perform (call);
}

/* Asks the bus for the uid of @invocation's caller; @callback gets a "(u)". */
static void
ask_caller_uid (GDBusMethodInvocation *invocation, GAsyncReadyCallback callback, gpointer user_data)
{
  g_dbus_connection_call (g_dbus_method_invocation_get_connection (invocation),
                          "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "GetConnectionUnixUser",
                          g_variant_new ("(s)", g_dbus_method_invocation_get_sender (invocation)),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, callback, user_data);
}

void
virt_migrate_dbus_call_start (VirtMigrateDBusCall *call)
{
  ask_caller_uid (call->invocation, caller_uid_cb, call);
}

gboolean
virt_migrate_dbus_service_real_authorize (VirtMigrateDBusService *self,
                                          const char             *action,
                                          const char             *sender,
                                          guint                   uid,
                                          VirtMigrateJob         *job)
{
  if (job == NULL)
    return TRUE;
  return uid == 0 || uid == job_owner (self, virt_migrate_job_get_id (job));
}

/* --- Manager.GetPermissions ------------------------------------------------ */

typedef struct {
  GDBusMethodInvocation *invocation;
  PolkitAuthority       *authority;
  PolkitSubject         *subject;
  GVariantDict           answer;
  guint                  pending;
} Permissions;

static const char *const permission_actions[][2] = {
  { "migrate", VIRT_MIGRATE_DBUS_NAME ".migrate" },
  { "cancel-any", VIRT_MIGRATE_DBUS_NAME ".cancel-any" },
};

static void
permissions_reply (Permissions *p)
{
  g_dbus_method_invocation_return_value (p->invocation,
                                         g_variant_new ("(@a{sv})", g_variant_dict_end (&p->answer)));
  g_object_unref (p->invocation);
  g_clear_object (&p->authority);
  g_clear_object (&p->subject);
  g_variant_dict_clear (&p->answer);
  g_free (p);
}

/* One polkit question of a GetPermissions call. */
typedef struct {
  Permissions *permissions;
  const char  *key;
} PermissionCheck;

static void
permission_checked_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree PermissionCheck *check = user_data;
  Permissions *p = check->permissions;
  const char *key = check->key;
  g_autoptr(GError) error = NULL;
  g_autoptr(PolkitAuthorizationResult) res =
    polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), result, &error);
  const char *word = res == NULL ? "no" :
                     polkit_authorization_result_get_is_authorized (res) ? "yes" :
                     polkit_authorization_result_get_is_challenge (res) ? "auth" : "no";

  g_variant_dict_insert (&p->answer, key, "s", word);
  if (--p->pending == 0)
    permissions_reply (p);
}

static void
permissions_authority_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Permissions *p = user_data;
  g_autoptr(GError) error = NULL;

  p->authority = polkit_authority_get_finish (result, &error);
  if (p->authority == NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (permission_actions); i++)
        g_variant_dict_insert (&p->answer, permission_actions[i][0], "s", "no");
      permissions_reply (p);
      return;
    }
  p->subject = polkit_system_bus_name_new (g_dbus_method_invocation_get_sender (p->invocation));
  p->pending = G_N_ELEMENTS (permission_actions);
  for (guint i = 0; i < G_N_ELEMENTS (permission_actions); i++)
    {
      PermissionCheck *check = g_new0 (PermissionCheck, 1);

      check->permissions = p;
      check->key = permission_actions[i][0];
      polkit_authority_check_authorization (p->authority, p->subject, permission_actions[i][1], NULL,
                                            POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE, NULL,
                                            permission_checked_cb, check);
    }
}

static void
permissions_uid_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Permissions *p = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  guint uid = G_MAXUINT;

  if (reply != NULL)
    g_variant_get (reply, "(u)", &uid);
  /* As the calls themselves are decided without polkit: the authorize
   * signal's default lets anyone migrate; only root touches others' jobs. */
  g_variant_dict_insert (&p->answer, "migrate", "s", reply != NULL ? "yes" : "no");
  g_variant_dict_insert (&p->answer, "cancel-any", "s", uid == 0 ? "yes" : "no");
  permissions_reply (p);
}

gboolean
virt_migrate_dbus_service_get_permissions (VirtMigrateDBusManager *iface,
                                           GDBusMethodInvocation  *invocation,
                                           VirtMigrateDBusService *self)
{
  Permissions *p = g_new0 (Permissions, 1);

  p->invocation = g_object_ref (invocation);
  g_variant_dict_init (&p->answer, NULL);
  if (self->polkit)
    polkit_authority_get_async (NULL, permissions_authority_cb, p);
  else
    ask_caller_uid (invocation, permissions_uid_cb, p);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}
