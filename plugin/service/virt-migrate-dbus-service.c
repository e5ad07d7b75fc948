/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <unistd.h>

#include <polkit/polkit.h>

#include "virt-migrate-dbus-generated.h"
#include "virt-migrate-dbus-reply.h"
#include "virt-migrate-dbus-uris.h"
#include "virt-migrate-dbus-service-private.h"
#include "virt-migrate-history-page.h"
#include "virt-migrate-drain-options.h"
#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-error.h"
#include "virt-migrate-manager-private.h"
#include "virt-migrate-service.h"
#include "virt-migrate-version.h"

/**
 * VirtMigrateDBusService:
 *
 * Exports a #VirtMigrateManager and its jobs on a #GDBusConnection: an
 * `org.freedesktop.DBus.ObjectManager` at the object path given, the
 * `org.virtmigrate.VirtMigrate1.Manager` interface at `PATH/Manager`, and one
 * object with the `org.virtmigrate.VirtMigrate1.Job` interface per job at
 * `PATH/jobs/ID`.
 *
 * Job properties are mirrored at most every
 * #VirtMigrateDBusService:progress-interval milliseconds, so a slow client
 * is never flooded with `PropertiesChanged`; state changes are sent at once.
 * The rate follows the manager's #VirtMigrateSettings:progress-rate until
 * set directly. The jobs exported are the manager's list (its
 * #GListModel): a finished job's object goes when it leaves that list,
 * #VirtMigrateSettings:retention seconds after it ended.
 *
 * Every call that starts, cancels or tunes a migration is authorised
 * first. With #VirtMigrateDBusService:polkit set (as on the system bus) the
 * polkit actions `org.virtmigrate.VirtMigrate1.migrate`, `.cancel-own` and
 * `.cancel-any` decide; otherwise the #VirtMigrateDBusService::authorize
 * signal does, and by default lets anyone on the bus migrate but only the
 * uid that started a job, or root, cancel or tune it. A refused call gets
 * `org.freedesktop.DBus.Error.AccessDenied` and changes nothing.
 */
enum {
  PROP_0,
  PROP_PROGRESS_INTERVAL,
  PROP_POLKIT,
  PROP_STATE_DIRECTORY,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_AUTHORIZE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (VirtMigrateDBusService, virt_migrate_dbus_service, G_TYPE_OBJECT)

/* --- mirroring a job ----------------------------------------------------- */

/* RunningJobs and QueuedJobs from the jobs' states: a job waiting in the
 * manager's queue (pending) is not running. */
static void
update_job_counts (VirtMigrateDBusService *self)
{
  GHashTableIter iter;
  gpointer value;
  guint running = 0, queued = 0;

  if (self->manager_iface == NULL)
    return;
  g_hash_table_iter_init (&iter, self->exports);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      VirtMigrateJob *job = ((VirtMigrateDBusJobExport *) value)->job;
      VirtMigrateJobState state = virt_migrate_job_get_state (job);

      if (state == VIRT_MIGRATE_JOB_STATE_PENDING)
        queued++;
      else if (!virt_migrate_job_is_finished (job))
        running++;
    }
  virt_migrate_dbus_manager_set_running_jobs (self->manager_iface, running);
  virt_migrate_dbus_manager_set_queued_jobs (self->manager_iface, queued);
}


static void
sync_job (VirtMigrateDBusJobExport *ex)
{
  g_autoptr(GVariant) snapshot = g_variant_ref_sink (virt_migrate_job_to_variant (ex->job));

  virt_migrate_publisher_sent (ex->publisher);
  g_object_freeze_notify (G_OBJECT (ex->iface));
  virt_migrate_dbus_set_skeleton_properties (G_OBJECT (ex->iface), snapshot);
  g_object_thaw_notify (G_OBJECT (ex->iface));
}

static void
sync_job_cb (gpointer user_data)
{
  sync_job (user_data);
}

static void
on_job_notify (VirtMigrateJob *job, GParamSpec *pspec, VirtMigrateDBusJobExport *ex)
{
  /* A new state is news (and may change the counts); numbers can wait for
   * the next slot. */
  if (g_str_equal (pspec->name, "state"))
    {
      sync_job (ex);
      update_job_counts (ex->service);
    }
  else
    virt_migrate_publisher_changed (ex->publisher, (gint64) ex->service->progress_interval * 1000);
}

static void
unexport_job (VirtMigrateDBusJobExport *ex)
{
  g_autofree char *path = g_strdup (g_dbus_object_get_object_path (G_DBUS_OBJECT (ex->object)));

  g_dbus_object_manager_server_unexport (ex->service->object_manager, path);
  g_hash_table_remove (ex->service->exports, GUINT_TO_POINTER (virt_migrate_job_get_id (ex->job)));
}

static void
on_job_completed (VirtMigrateJob *job, VirtMigrateDBusJobExport *ex)
{
  VirtMigrateJobState state = virt_migrate_job_get_state (job);
  const GError *error = virt_migrate_job_get_error (job);
  g_autofree char *message = NULL;

  sync_job (ex);
  if (state == VIRT_MIGRATE_JOB_STATE_SUCCEEDED)
    message = g_strdup_printf ("Migrated in %.1f s (downtime %" G_GUINT64_FORMAT " ms)",
                               virt_migrate_job_get_elapsed (job) / 1000.0,
                               virt_migrate_job_get_downtime (job));
  else if (state == VIRT_MIGRATE_JOB_STATE_CANCELLED)
    message = g_strdup ("Cancelled; the guest stays on the source");
  else
    message = g_strdup (error != NULL ? error->message : "Failed");
  /* The final properties go out before Completed: the skeleton would
   * otherwise send them from an idle, after the signal. */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (ex->iface));
  virt_migrate_dbus_job_emit_completed (ex->iface, state == VIRT_MIGRATE_JOB_STATE_SUCCEEDED, message);
}

static void
migrate_perform (VirtMigrateDBusCall *call)
{
  VirtMigrateDBusService *self = call->service;
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  job = virt_migrate_manager_create_job (self->manager, call->request, &error);
  if (job == NULL)
    {
      g_dbus_method_invocation_return_gerror (call->invocation, error);
      return;
    }
  /* The owner must be known when the manager announces the job. */
  virt_migrate_job_set_started_by_uid (job, call->uid);
  virt_migrate_manager_run_job (self->manager, job, NULL);
  path = g_strdup_printf ("%s/jobs/%u", self->path, virt_migrate_job_get_id (job));
  g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(o)", path));
}

static void
drain_perform (VirtMigrateDBusCall *call)
{
  VirtMigrateDBusService *self = call->service;
  g_autoptr(VirtMigrateDrain) drain = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  drain = virt_migrate_manager_create_drain (self->manager, call->request,
                                             (const char * const *) call->destinations, &error);
  if (drain != NULL)
    {
      /* Its jobs belong to the caller. */
      virt_migrate_drain_set_started_by_uid (drain, call->uid);
      if (!virt_migrate_drain_apply_options (drain, call->options, &error))
        {
          virt_migrate_drain_cancel (drain);
          g_clear_object (&drain);
        }
    }
  if (drain == NULL)
    {
      g_dbus_method_invocation_return_gerror (call->invocation, error);
      return;
    }
  virt_migrate_drain_run_async (drain, NULL, NULL, NULL);
  path = g_strdup_printf ("%s/drains/%u", self->path, virt_migrate_drain_get_id (drain));
  g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(o)", path));
}

void
virt_migrate_dbus_call_perform (VirtMigrateDBusCall *call_)
{
  g_autoptr(VirtMigrateDBusCall) call = call_;
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

  if (call->action == ACTION_MIGRATE)
    {
      migrate_perform (call);
      return;
    }
  if (call->action == ACTION_DRAIN)
    {
      drain_perform (call);
      return;
    }
  if (call->action == ACTION_CANCEL_DRAIN)
    {
      virt_migrate_drain_cancel (call->drain);
      g_dbus_method_invocation_return_value (call->invocation, NULL);
      return;
    }
  if (!g_hash_table_contains (call->service->exports, GUINT_TO_POINTER (call->job_id)))
    {
      g_dbus_method_invocation_return_error (call->invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT,
                                             "Job %u is gone", call->job_id);
      return;
    }
  switch (call->action)
    {
    case ACTION_CANCEL:
      ok = virt_migrate_job_cancel (call->job, &error);
      break;
    case ACTION_SET_MAX_DOWNTIME:
      ok = virt_migrate_job_set_max_downtime (call->job, call->value, &error);
      break;
    case ACTION_SET_MAX_SPEED:
      ok = virt_migrate_job_set_max_speed (call->job, call->value, &error);
      break;
    case ACTION_START_POSTCOPY:
      ok = virt_migrate_job_start_postcopy (call->job, &error);
      break;
    case ACTION_FORCE_COMPLETE:
      ok = virt_migrate_job_force_complete (call->job, &error);
      break;
    case ACTION_RECOVER:
      {
        g_autoptr(VirtMigrateJob) recovery = virt_migrate_manager_recover (call->service->manager, call->job, &error);
        g_autofree char *path = NULL;

        if (recovery == NULL)
          break;
        path = g_strdup_printf ("%s/jobs/%u", call->service->path, virt_migrate_job_get_id (recovery));
        g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(o)", path));
        return;
      }
    case ACTION_MIGRATE:
    case ACTION_DRAIN:
    case ACTION_CANCEL_DRAIN:
    default:
      g_assert_not_reached ();
    }
  if (ok)
    g_dbus_method_invocation_return_value (call->invocation, NULL);
  else
    g_dbus_method_invocation_return_gerror (call->invocation, error);
}

/* --- Job methods --------------------------------------------------------- */

static gboolean
start_job_call (VirtMigrateDBusJobExport *ex, GDBusMethodInvocation *invocation, VirtMigrateDBusAction action, guint64 value)
{
  VirtMigrateDBusCall *call = g_new0 (VirtMigrateDBusCall, 1);

  call->service = g_object_ref (ex->service);
  call->invocation = g_object_ref (invocation);
  call->action = action;
  call->job = g_object_ref (ex->job);
  call->job_id = virt_migrate_job_get_id (ex->job);
  call->value = value;
  virt_migrate_dbus_call_start (call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_cancel (VirtMigrateDBusJob *iface, GDBusMethodInvocation *invocation, VirtMigrateDBusJobExport *ex)
{
  return start_job_call (ex, invocation, ACTION_CANCEL, 0);
}

static gboolean
handle_set_max_downtime (VirtMigrateDBusJob *iface, GDBusMethodInvocation *invocation,
                         guint64 ms, VirtMigrateDBusJobExport *ex)
{
  return start_job_call (ex, invocation, ACTION_SET_MAX_DOWNTIME, ms);
}

static gboolean
handle_set_max_speed (VirtMigrateDBusJob *iface, GDBusMethodInvocation *invocation,
                      guint64 mib, VirtMigrateDBusJobExport *ex)
{
  return start_job_call (ex, invocation, ACTION_SET_MAX_SPEED, mib);
}

static gboolean
handle_start_postcopy (VirtMigrateDBusJob *iface, GDBusMethodInvocation *invocation, VirtMigrateDBusJobExport *ex)
{
  return start_job_call (ex, invocation, ACTION_START_POSTCOPY, 0);
}

static gboolean
handle_force_complete (VirtMigrateDBusJob *iface, GDBusMethodInvocation *invocation, VirtMigrateDBusJobExport *ex)
{
  return start_job_call (ex, invocation, ACTION_FORCE_COMPLETE, 0);
}

static gboolean
handle_recover (VirtMigrateDBusJob *iface, GDBusMethodInvocation *invocation, VirtMigrateDBusJobExport *ex)
{
  return start_job_call (ex, invocation, ACTION_RECOVER, 0);
}

static void
job_export_free (gpointer data)
{
  VirtMigrateDBusJobExport *ex = data;

  g_clear_pointer (&ex->publisher, virt_migrate_publisher_free);
  g_clear_signal_handler (&ex->notify_id, ex->job);
  g_clear_signal_handler (&ex->completed_id, ex->job);
  g_clear_object (&ex->iface);
  g_clear_object (&ex->object);
  g_clear_object (&ex->job);
  g_free (ex);
}

static void
export_job (VirtMigrateDBusService *self, VirtMigrateJob *job)
{
  guint id = virt_migrate_job_get_id (job);
  g_autofree char *path = g_strdup_printf ("%s/jobs/%u", self->path, id);
  VirtMigrateDBusJobExport *ex = g_new0 (VirtMigrateDBusJobExport, 1);
  gint64 owner = virt_migrate_job_get_started_by_uid (job);

  ex->service = self;
  ex->job = g_object_ref (job);
  ex->publisher = virt_migrate_publisher_new (sync_job_cb, ex);
  /* Set by the manager at creation, by Migrate to the caller, or from
   * the record of a job recovered after a restart. */
  ex->owner_uid = owner >= 0 ? (guint) owner : (guint) getuid ();
  ex->object = virt_migrate_dbus_object_skeleton_new (path);
  ex->iface = virt_migrate_dbus_job_skeleton_new ();
  sync_job (ex);
  g_signal_connect (ex->iface, "handle-cancel", G_CALLBACK (handle_cancel), ex);
  g_signal_connect (ex->iface, "handle-set-max-downtime", G_CALLBACK (handle_set_max_downtime), ex);
  g_signal_connect (ex->iface, "handle-set-max-speed", G_CALLBACK (handle_set_max_speed), ex);
  g_signal_connect (ex->iface, "handle-start-post-copy", G_CALLBACK (handle_start_postcopy), ex);
  g_signal_connect (ex->iface, "handle-recover", G_CALLBACK (handle_recover), ex);
  g_signal_connect (ex->iface, "handle-force-complete", G_CALLBACK (handle_force_complete), ex);
  virt_migrate_dbus_object_skeleton_set_job (ex->object, ex->iface);
  ex->notify_id = g_signal_connect (job, "notify", G_CALLBACK (on_job_notify), ex);
  ex->completed_id = g_signal_connect (job, "completed", G_CALLBACK (on_job_completed), ex);
  g_hash_table_insert (self->exports, GUINT_TO_POINTER (id), ex);
  update_job_counts (self);
  g_dbus_object_manager_server_export (self->object_manager, G_DBUS_OBJECT_SKELETON (ex->object));
}

static void
on_job_added (VirtMigrateManager *manager, VirtMigrateJob *job, gpointer self)
{
  if (VIRT_MIGRATE_DBUS_SERVICE (self)->object_manager != NULL)
    export_job (self, job);
}

/* The job left the manager's list (its retention is over): its object goes. */
static void
on_job_dropped (VirtMigrateManager *manager, VirtMigrateJob *job, gpointer user_data)
{
  VirtMigrateDBusService *self = user_data;
  VirtMigrateDBusJobExport *ex = g_hash_table_lookup (self->exports, GUINT_TO_POINTER (virt_migrate_job_get_id (job)));

  if (ex != NULL)
    unexport_job (ex);
  update_job_counts (self);
}

gboolean
virt_migrate_dbus_service_emit_authorize (VirtMigrateDBusService *self,
                                          const char             *action,
                                          const char             *sender,
                                          guint                   uid,
                                          VirtMigrateJob         *job)
{
  gboolean allowed = FALSE;

  g_signal_emit (self, signals[SIGNAL_AUTHORIZE], 0, action, sender, uid, job, &allowed);
  return allowed;
}

static void
on_drain_added (VirtMigrateManager *manager, VirtMigrateDrain *drain, VirtMigrateDBusService *self)
{
  if (self->object_manager != NULL)
    virt_migrate_dbus_service_export_drain (self, drain);
}

/* --- Manager methods ------------------------------------------------------ */

/* The request in @dict, validated; on the system bus (as root), the URIs a
 * caller gives, its own and @destinations', name no program or file for
 * the service to use (virt-migrate-dbus-uris.c). A Check (@destinations
 * given, even empty) is validated per destination by
 * virt_migrate_manager_check_async() instead. */
static VirtMigrateRequest *
request_from_invocation (VirtMigrateDBusService *self, GDBusMethodInvocation *invocation, GVariant *dict,
                         const char *const *destinations)
{
  g_autoptr(GError) error = NULL;
  VirtMigrateRequest *request = virt_migrate_request_new_from_variant (dict, &error);

  if (request == NULL || (self->polkit && !virt_migrate_dbus_request_allowed (request, destinations, &error)) ||
      (destinations == NULL && !virt_migrate_request_validate (request, &error)))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      g_clear_object (&request);
    }
  return request;
}

static gboolean
handle_migrate (VirtMigrateDBusManager *iface, GDBusMethodInvocation *invocation,
                GVariant *dict, VirtMigrateDBusService *self)
{
  VirtMigrateRequest *request = request_from_invocation (self, invocation, dict, NULL);
  VirtMigrateDBusCall *call;

  if (request == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  call = g_new0 (VirtMigrateDBusCall, 1);
  call->service = g_object_ref (self);
  call->invocation = g_object_ref (invocation);
  call->action = ACTION_MIGRATE;
  call->request = request;
  virt_migrate_dbus_call_start (call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
plan_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigratePlan) plan =
    virt_migrate_manager_plan_finish (VIRT_MIGRATE_MANAGER (source), result, &error);

  if (plan == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    virt_migrate_dbus_return_bounded (invocation, g_variant_new ("(@a{sv})", virt_migrate_plan_to_variant (plan)),
                                      "the plan of this request is too large to send");
}

static gboolean
handle_plan (VirtMigrateDBusManager *iface, GDBusMethodInvocation *invocation,
             GVariant *dict, VirtMigrateDBusService *self)
{
  g_autoptr(VirtMigrateRequest) request = request_from_invocation (self, invocation, dict, NULL);

  if (request != NULL)
    virt_migrate_manager_plan_async (self->manager, request, NULL, plan_done_cb,
                                     g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_validate (VirtMigrateDBusManager *iface, GDBusMethodInvocation *invocation,
                 GVariant *dict, VirtMigrateDBusService *self)
{
  g_autoptr(VirtMigrateRequest) request = request_from_invocation (self, invocation, dict, NULL);

  if (request != NULL)
    g_dbus_method_invocation_return_value (invocation, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_jobs (VirtMigrateDBusManager *iface, GDBusMethodInvocation *invocation,
                 VirtMigrateDBusService *self)
{
  GVariantBuilder paths;
  GHashTableIter iter;
  gpointer value;

  g_variant_builder_init (&paths, G_VARIANT_TYPE ("ao"));
  g_hash_table_iter_init (&iter, self->exports);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_variant_builder_add (&paths, "o",
                           g_dbus_object_get_object_path (G_DBUS_OBJECT (((VirtMigrateDBusJobExport *) value)->object)));
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ao)", &paths));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
check_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) verdicts = virt_migrate_manager_check_finish (VIRT_MIGRATE_MANAGER (source), result, &error);

  if (verdicts == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    virt_migrate_dbus_return_bounded (invocation, g_variant_new_tuple (&verdicts, 1),
                                      "check fewer destinations at once");
}

/* Check reads what Plan reads: open to every caller, like Plan. */
static gboolean
handle_check (VirtMigrateDBusManager *iface, GDBusMethodInvocation *invocation,
              GVariant *dict, const char *const *destinations, VirtMigrateDBusService *self)
{
  g_autoptr(VirtMigrateRequest) request = request_from_invocation (self, invocation, dict, destinations);

  if (request == NULL)
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  virt_migrate_manager_check_async (self->manager, request, destinations, NULL, check_done_cb,
                                    g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
list_guests_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) guests = virt_migrate_manager_list_guests_finish (VIRT_MIGRATE_MANAGER (source), result,
                                                                        &error);

  if (guests == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    virt_migrate_dbus_return_bounded (invocation, g_variant_new_tuple (&guests, 1),
                                      "the host runs too many guests to list at once");
}

/* The source's running guests: what libvirt's read-only access shows any
 * local user, so no authorisation beyond the bus policy. */
static gboolean
handle_list_guests (VirtMigrateDBusManager *iface, GDBusMethodInvocation *invocation,
                    GVariant *options, VirtMigrateDBusService *self)
{
  const char *source_uri = "qemu:///system";
  g_autoptr(GError) error = NULL;

  if (g_variant_lookup (options, "source-uri", "&s", &source_uri) && *source_uri == '\0')
    source_uri = "qemu:///system";
  if (self->polkit && !virt_migrate_dbus_uri_allowed (source_uri, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  virt_migrate_manager_list_guests_async (self->manager, source_uri, NULL, list_guests_done_cb,
                                          g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_drain (VirtMigrateDBusManager *iface, GDBusMethodInvocation *invocation,
              GVariant *dict, VirtMigrateDBusService *self)
{
  g_autoptr(GVariant) request_dict = NULL;
  g_autoptr(GVariant) options = NULL;
  g_auto(GStrv) destinations = NULL;
  g_autoptr(VirtMigrateRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  VirtMigrateDBusCall *call;

  if (!virt_migrate_drain_split_options (dict, &request_dict, &options, &destinations, &error) ||
      (request = virt_migrate_request_new_from_variant (request_dict, &error)) == NULL ||
      (self->polkit && !virt_migrate_dbus_request_allowed (request, (const char *const *) destinations, &error)))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  call = g_new0 (VirtMigrateDBusCall, 1);
  call->service = g_object_ref (self);
  call->invocation = g_object_ref (invocation);
  call->action = ACTION_DRAIN;
  call->request = g_steal_pointer (&request);
  call->options = g_steal_pointer (&options);
  call->destinations = g_steal_pointer (&destinations);
  virt_migrate_dbus_call_start (call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_history (VirtMigrateDBusManager *iface, GDBusMethodInvocation *invocation,
                    GVariant *filter, VirtMigrateDBusService *self)
{
  VirtMigrateHistory *history = virt_migrate_manager_get_history (self->manager);

  /* Like GetJobs, open to every caller: the same jobs were on the bus. */
  if (history == NULL)
    {
      GVariant *none = g_variant_new_array (G_VARIANT_TYPE_VARDICT, NULL, 0);

      g_dbus_method_invocation_return_value (invocation, g_variant_new_tuple (&none, 1));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  /* A page of at most 4 MiB, read in a thread: callers page with offset. */
  virt_migrate_history_page_return (history, filter, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* --- GObject -------------------------------------------------------------- */

static void
virt_migrate_dbus_service_get_property (GObject *object, guint prop_id, GValue *value,
                                        GParamSpec *pspec)
{
  VirtMigrateDBusService *self = VIRT_MIGRATE_DBUS_SERVICE (object);

  switch (prop_id)
    {
    case PROP_PROGRESS_INTERVAL: g_value_set_uint (value, self->progress_interval); break;
    case PROP_POLKIT: g_value_set_boolean (value, self->polkit); break;
    case PROP_STATE_DIRECTORY: g_value_set_string (value, self->state_directory); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_dbus_service_set_property (GObject *object, guint prop_id, const GValue *value,
                                        GParamSpec *pspec)
{
  VirtMigrateDBusService *self = VIRT_MIGRATE_DBUS_SERVICE (object);

  switch (prop_id)
    {
    case PROP_PROGRESS_INTERVAL: self->progress_interval = g_value_get_uint (value); break;
    case PROP_POLKIT: self->polkit = g_value_get_boolean (value); break;
    case PROP_STATE_DIRECTORY:
      g_free (self->state_directory);
      self->state_directory = g_value_dup_string (value);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_dbus_service_dispose (GObject *object)
{
  VirtMigrateDBusService *self = VIRT_MIGRATE_DBUS_SERVICE (object);

  virt_migrate_dbus_service_unexport (self);
  g_clear_pointer (&self->exports, g_hash_table_unref);
  g_clear_pointer (&self->drain_exports, g_hash_table_unref);
  g_clear_object (&self->manager_iface);
  g_clear_object (&self->object_manager);
  g_clear_object (&self->connection);
  g_clear_object (&self->manager);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->state_directory, g_free);

  G_OBJECT_CLASS (virt_migrate_dbus_service_parent_class)->dispose (object);
}

static void
virt_migrate_dbus_service_class_init (VirtMigrateDBusServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = virt_migrate_dbus_service_get_property;
  object_class->set_property = virt_migrate_dbus_service_set_property;
  object_class->dispose = virt_migrate_dbus_service_dispose;

  /**
   * VirtMigrateDBusService:progress-interval:
   *
   * The shortest time between two progress updates (`PropertiesChanged`) of
   * one job, in milliseconds; 100 means at most 10 per second.
   */
  props[PROP_PROGRESS_INTERVAL] = g_param_spec_uint ("progress-interval", NULL, NULL, 0, 60000, 100,
                                                     G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /**
   * VirtMigrateDBusService:polkit:
   *
   * Whether polkit decides who may migrate (`org.virtmigrate.VirtMigrate1.migrate`)
   * and who may cancel or tune a job (`….cancel-own` for the uid that started
   * it, `….cancel-any` for anyone else), instead of the
   * #VirtMigrateDBusService::authorize signal. Set it on the system bus.
   */
  props[PROP_POLKIT] = g_param_spec_boolean ("polkit", NULL, NULL, FALSE,
                                             G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /**
   * VirtMigrateDBusService:state-directory:
   *
   * Where the service keeps a record of each job (request, state, owner,
   * messages), written atomically at every state change. When set before
   * virt_migrate_dbus_service_export(), the jobs a previous instance left
   * unfinished are exported again under their ids and followed to their
   * end: a migration libvirt still runs is followed, one that ended
   * meanwhile is reconciled from where the guest is. %NULL: no records.
   */
  props[PROP_STATE_DIRECTORY] = g_param_spec_string ("state-directory", NULL, NULL, NULL,
                                                     G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * VirtMigrateDBusService::authorize:
   * @self: the service
   * @action: `migrate`, `cancel`, `set-max-downtime`, `set-max-speed`,
   *   `start-postcopy`, `force-complete`, `recover` (a job's broken
   *   post-copy, again) or
   *   `drain` (cancelling a drain is for its owner or root, not asked here)
   * @sender: the caller's unique bus name
   * @uid: the caller's uid
   * @job: (nullable): the job concerned, %NULL for `migrate`
   *
   * Decides whether a caller may start a migration or act on a job, when
   * #VirtMigrateDBusService:polkit is not set. The default handler allows
   * anyone to migrate, and root and the uid that started a job to act on
   * it; connect a handler (it runs first) to decide otherwise.
   *
   * Returns: %TRUE to allow
   */
  signals[SIGNAL_AUTHORIZE] = g_signal_new_class_handler ("authorize", G_TYPE_FROM_CLASS (klass),
                                                          G_SIGNAL_RUN_LAST,
                                                          G_CALLBACK (virt_migrate_dbus_service_real_authorize),
                                                          g_signal_accumulator_first_wins, NULL, NULL,
                                                          G_TYPE_BOOLEAN, 4, G_TYPE_STRING, G_TYPE_STRING,
                                                          G_TYPE_UINT, VIRT_MIGRATE_TYPE_JOB);
}

static void
virt_migrate_dbus_service_init (VirtMigrateDBusService *self)
{
  self->exports = g_hash_table_new_full (NULL, NULL, NULL, job_export_free);
  self->drain_exports = g_hash_table_new_full (NULL, NULL, NULL, virt_migrate_dbus_drain_export_free);
  self->progress_interval = 100;
}

static gboolean
rate_to_interval (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  g_value_set_uint (to, 1000 / MAX (g_value_get_uint (from), 1));
  return TRUE;
}

static void
on_max_parallel (VirtMigrateSettings *settings, GParamSpec *pspec, VirtMigrateDBusService *self)
{
  if (self->manager_iface != NULL)
    virt_migrate_dbus_manager_set_max_parallel (self->manager_iface,
                                                virt_migrate_settings_get_max_parallel (settings));
}

/**
 * virt_migrate_dbus_service_new:
 * @manager: the manager to export
 * @connection: the bus connection
 * @object_path: (nullable): where to export, %VIRT_MIGRATE_DBUS_PATH if %NULL
 *
 * Returns: (transfer full): a new service, not exported yet
 */
VirtMigrateDBusService *
virt_migrate_dbus_service_new (VirtMigrateManager *manager,
                               GDBusConnection    *connection,
                               const char         *object_path)
{
  VirtMigrateDBusService *self;

  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (manager), NULL);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  self = g_object_new (VIRT_MIGRATE_TYPE_DBUS_SERVICE, NULL);
  self->manager = g_object_ref (manager);
  self->connection = g_object_ref (connection);
  self->path = g_strdup (object_path != NULL ? object_path : VIRT_MIGRATE_DBUS_PATH);
  /* The manager's settings give the rate limit. */
  g_object_bind_property_full (virt_migrate_manager_get_settings (manager), "progress-rate",
                               self, "progress-interval", G_BINDING_SYNC_CREATE,
                               rate_to_interval, NULL, NULL, NULL);
  return self;
}

/**
 * virt_migrate_dbus_service_export:
 * @self: a #VirtMigrateDBusService
 * @error: return location for a #GError
 *
 * Exports the object manager, the manager object and, from now on, every
 * job the manager starts.
 *
 * Returns: %TRUE on success
 */
gboolean
virt_migrate_dbus_service_export (VirtMigrateDBusService *self,
                                  GError                **error)
{
  g_autofree char *manager_path = NULL;
  g_autoptr(VirtMigrateDBusObjectSkeleton) object = NULL;

  g_return_val_if_fail (VIRT_MIGRATE_IS_DBUS_SERVICE (self), FALSE);
  g_return_val_if_fail (self->object_manager == NULL, FALSE);

  self->object_manager = g_dbus_object_manager_server_new (self->path);
  self->manager_iface = virt_migrate_dbus_manager_skeleton_new ();
  virt_migrate_dbus_manager_set_version (self->manager_iface, VIRT_MIGRATE_VERSION);
  g_signal_connect_object (virt_migrate_manager_get_settings (self->manager), "notify::max-parallel",
                           G_CALLBACK (on_max_parallel), self, 0);
  on_max_parallel (virt_migrate_manager_get_settings (self->manager), NULL, self);
  virt_migrate_dbus_manager_set_running_jobs (self->manager_iface, 0);
  virt_migrate_dbus_manager_set_queued_jobs (self->manager_iface, 0);
  g_signal_connect (self->manager_iface, "handle-migrate", G_CALLBACK (handle_migrate), self);
  g_signal_connect (self->manager_iface, "handle-plan", G_CALLBACK (handle_plan), self);
  g_signal_connect (self->manager_iface, "handle-validate", G_CALLBACK (handle_validate), self);
  g_signal_connect (self->manager_iface, "handle-get-jobs", G_CALLBACK (handle_get_jobs), self);
  g_signal_connect (self->manager_iface, "handle-get-history", G_CALLBACK (handle_get_history), self);
  g_signal_connect (self->manager_iface, "handle-get-permissions",
                    G_CALLBACK (virt_migrate_dbus_service_get_permissions), self);
  g_signal_connect (self->manager_iface, "handle-check", G_CALLBACK (handle_check), self);
  g_signal_connect (self->manager_iface, "handle-list-guests", G_CALLBACK (handle_list_guests), self);
  g_signal_connect (self->manager_iface, "handle-drain", G_CALLBACK (handle_drain), self);

  manager_path = g_strdup_printf ("%s/Manager", self->path);
  object = virt_migrate_dbus_object_skeleton_new (manager_path);
  virt_migrate_dbus_object_skeleton_set_manager (object, self->manager_iface);
  g_dbus_object_manager_server_export (self->object_manager, G_DBUS_OBJECT_SKELETON (object));
  g_dbus_object_manager_server_set_connection (self->object_manager, self->connection);

  if (!self->watching)
    {
      g_autoptr(GPtrArray) drains = virt_migrate_manager_list_drains (self->manager);

      virt_migrate_service_watch_jobs (self->manager, self, on_job_added, on_job_dropped);
      g_signal_connect_object (self->manager, "drain-added", G_CALLBACK (on_drain_added), self, 0);
      for (guint i = 0; i < drains->len; i++)
        virt_migrate_dbus_service_export_drain (self, g_ptr_array_index (drains, i));
    }
  self->watching = TRUE;
  /* The manager records its jobs there and follows the ones a previous
   * daemon left running, which this service then exports like any other. */
  if (self->state_directory != NULL)
    {
      g_autofree char *ssh_dir = g_build_filename (self->state_directory, "ssh", NULL);
      g_autoptr(GError) local = NULL;

      /* Its own ssh for the qemu+ssh:// connections it opens: its home
       * may be read-only (docs/remote.md). */
      if (!virt_migrate_manager_set_ssh_directory (self->manager, ssh_dir, &local))
        g_warning ("qemu+ssh:// connections use the user's own ssh: %s", local->message);
      virt_migrate_manager_set_state_directory (self->manager, self->state_directory);
    }
  return TRUE;
}

/**
 * virt_migrate_dbus_service_unexport:
 * @self: a #VirtMigrateDBusService
 *
 * Removes every object from the bus. Running migrations go on; they are no
 * longer visible over D-Bus.
 */
void
virt_migrate_dbus_service_unexport (VirtMigrateDBusService *self)
{
  g_return_if_fail (VIRT_MIGRATE_IS_DBUS_SERVICE (self));

  if (self->object_manager == NULL)
    return;
  g_hash_table_remove_all (self->exports);
  g_hash_table_remove_all (self->drain_exports);
  g_dbus_object_manager_server_set_connection (self->object_manager, NULL);
  g_clear_object (&self->object_manager);
}

/**
 * virt_migrate_dbus_service_get_n_jobs:
 * @self: a #VirtMigrateDBusService
 *
 * Returns: how many jobs are exported (running or recently finished); a
 *   daemon may exit when idle once this is 0
 */
guint
virt_migrate_dbus_service_get_n_jobs (VirtMigrateDBusService *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_DBUS_SERVICE (self), 0);
  return g_hash_table_size (self->exports);
}
