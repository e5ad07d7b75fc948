/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a manager's migration would do, without doing it: the plan
 * (virt_migrate_manager_plan_async()) and the pre-flight checks against
 * destinations (virt_migrate_manager_check_async()), each in a worker
 * thread over read-only connections of its own. */
#include "config.h"

#include <libvirt/libvirt.h>

#include "virt-migrate-connection-pool.h"
#include "virt-migrate-dest-storage.h"
#include "virt-migrate-error-private.h"
#include "virt-migrate-manager-private.h"
#include "virt-migrate-plan-private.h"
#include "virt-migrate-preflight-private.h"
#include "virt-migrate-request-private.h"
#include "virt-migrate-xml-map.h"

static virConnectPtr
open_read_only (const char *uri, GError **error)
{
  virConnectPtr conn = virConnectOpenReadOnly (uri);

  if (conn == NULL)
    g_propagate_prefixed_error (error,
                                virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_CONNECT_FAILED,
                                                                 "Connection failed"),
                                "Cannot connect to %s: ", uri);
  return conn;
}

static void
plan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  VirtMigrateRequest *request = task_data;
  const char *dest_uri = virt_migrate_request_get_dest_uri (request);
  g_autoptr(virConnect) conn = NULL;
  g_autoptr(virConnect) dconn = NULL;
  g_autoptr(virDomain) dom = NULL;
  g_autoptr(GError) error = NULL;
  char uuid[VIR_UUID_STRING_BUFLEN];
  gboolean source_persistent, dest_checked = FALSE, dest_config_exists = FALSE;
  VirtMigratePlan *plan;

  if (!virt_migrate_request_validate (request, &error))
    goto fail;
  conn = open_read_only (virt_migrate_request_get_source_uri (request), &error);
  if (conn == NULL)
    goto fail;
  dom = virt_migrate_lookup_domain (conn, virt_migrate_request_get_domain (request), &error);
  if (dom == NULL)
    goto fail;
  if (virDomainGetUUIDString (dom, uuid) < 0)
    {
      error = virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, "No UUID");
      goto fail;
    }
  if (!virt_migrate_request_validate_for_guest (request, uuid, &error))
    goto fail;
  source_persistent = virDomainIsPersistent (dom) == 1;

  if (dest_uri != NULL)
    {
      g_autoptr(GError) dest_error = NULL;

      dconn = open_read_only (dest_uri, &dest_error);
      if (dconn == NULL &&
          virt_migrate_request_get_flow (request) == VIRT_MIGRATE_FLOW_MANAGED_DIRECT)
        {
          /* A managed direct migration needs this connection too. */
          error = g_steal_pointer (&dest_error);
          goto fail;
        }
      if (dconn != NULL)
        {
          g_autoptr(virDomain) ddom = virDomainLookupByUUIDString (dconn, uuid);

          dest_checked = TRUE;
          dest_config_exists = ddom != NULL && virDomainIsPersistent (ddom) == 1;
        }
    }

  if (g_task_return_error_if_cancelled (task))
    return;
  plan = virt_migrate_plan_new (request, uuid, source_persistent, dest_checked,
                                dest_config_exists, &error);
  if (plan == NULL)
    goto fail;
  /* The pre-flight checks a migration would run first. */
  if (dest_uri != NULL)
    {
      g_autoptr(VirtMigratePreflightFacts) facts = virt_migrate_preflight_facts_new ();

      virt_migrate_preflight_gather (conn, NULL, dom, request, dest_uri, facts);
      virt_migrate_plan_set_verdict (plan, virt_migrate_preflight_verdict (facts, dest_uri));
    }
  /* disk-map, network-map: the destination XML it would send. */
  {
    g_auto(GStrv) disk_map = NULL, network_map = NULL;

    g_object_get (request, "disk-map", &disk_map, "network-map", &network_map, NULL);
    if ((disk_map != NULL && disk_map[0] != NULL) || (network_map != NULL && network_map[0] != NULL))
      {
        g_autofree char *xml = virDomainGetXMLDesc (dom, 0);

        if (xml != NULL)
          {
            g_autofree char *mapped = virt_migrate_map_xml (xml, (const char *const *) disk_map,
                                                            (const char *const *) network_map,
                                                            virt_migrate_dest_storage_pool_dir, dconn);

            virt_migrate_plan_set_dest_xml (plan, mapped);
          }
      }
  }
  g_task_return_pointer (task, plan, g_object_unref);
  return;

fail:
  g_task_return_error (task, g_steal_pointer (&error));
}

/* --- pre-flight checks against destinations ---------------------------------- */

typedef struct {
  VirtMigrateRequest *request;
  char              **destinations;
} CheckData;

static void
check_data_free (gpointer data)
{
  CheckData *c = data;

  g_object_unref (c->request);
  g_strfreev (c->destinations);
  g_free (c);
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CheckData *c = task_data;
  g_autoptr(virConnect) conn = NULL;
  g_autoptr(virDomain) dom = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder verdicts;

  conn = open_read_only (virt_migrate_request_get_source_uri (c->request), &error);
  if (conn != NULL)
    dom = virt_migrate_lookup_domain (conn, virt_migrate_request_get_domain (c->request), &error);
  if (dom == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_variant_builder_init (&verdicts, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; c->destinations[i] != NULL; i++)
    {
      g_autoptr(VirtMigratePreflightFacts) facts = virt_migrate_preflight_facts_new ();

      if (g_cancellable_is_cancelled (cancellable))
        break;
      virt_migrate_preflight_gather (conn, NULL, dom, c->request, c->destinations[i], facts);
      g_variant_builder_add_value (&verdicts, virt_migrate_preflight_verdict (facts, c->destinations[i]));
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_variant_builder_clear (&verdicts);
      return;
    }
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (&verdicts)),
                         (GDestroyNotify) g_variant_unref);
}

/**
 * virt_migrate_manager_check_async:
 * @self: a #VirtMigrateManager
 * @request: the migration to check
 * @destinations: (array zero-terminated=1) (nullable): destination libvirt
 *   URIs to check against, %NULL for the request's own
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the verdicts
 * @user_data: data for @callback
 *
 * Runs the pre-flight checks of @request against each destination (in a
 * worker thread): reachable and another host; no guest of the same name
 * there; the guest's machine type, emulator and CPU; free memory; each
 * network, bridge or direct interface; each disk (shared and visible, or
 * copied to an image that exists or a storage pool that covers its
 * directory); host devices; the cache mode where libvirt calls a live
 * migration unsafe. Nothing moves. A migration runs the same checks first
 * and refuses a blocker with %VIRT_MIGRATE_ERROR_PREFLIGHT unless
 * #VirtMigrateRequest:force is set.
 */
void
virt_migrate_manager_check_async (VirtMigrateManager  *self,
                                  VirtMigrateRequest  *request,
                                  const char * const  *destinations,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CheckData *c;

  g_return_if_fail (VIRT_MIGRATE_IS_MANAGER (self));
  g_return_if_fail (VIRT_MIGRATE_IS_REQUEST (request));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, virt_migrate_manager_check_async);
  g_task_set_name (task, "[virt-migrate] check");
  c = g_new0 (CheckData, 1);
  c->request = virt_migrate_request_copy (request);
  if (destinations != NULL && destinations[0] != NULL)
    c->destinations = g_strdupv ((char **) destinations);
  else if (virt_migrate_request_get_dest_uri (request) != NULL)
    c->destinations = g_strdupv ((char *[]) { (char *) virt_migrate_request_get_dest_uri (request), NULL });
  else
    {
      g_task_return_new_error (task, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_MISSING_DEST_URI,
                               "No destination to check: give the request a dest-uri or name destinations");
      check_data_free (c);
      return;
    }
  g_task_set_task_data (task, c, check_data_free);
  /* The same validation as a migration to each of them: a check never
   * says yes to a request the migration would refuse. */
  {
    GError *error = NULL;

    if (!virt_migrate_request_validate_for (c->request, (const char *const *) c->destinations, &error))
      {
        g_task_return_error (task, error);
        return;
      }
  }
  g_task_run_in_thread (task, check_thread);
}

/**
 * virt_migrate_manager_check_finish:
 * @self: a #VirtMigrateManager
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: (transfer full): an `aa{sv}`, one verdict per destination in
 *   order (see virt_migrate_plan_get_verdict()), or %NULL with @error set
 *   (the guest not found, the source unreachable)
 */
GVariant *
virt_migrate_manager_check_finish (VirtMigrateManager *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * virt_migrate_manager_plan_async:
 * @self: a #VirtMigrateManager
 * @request: what would be migrated
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the plan
 * @user_data: data for @callback
 *
 * Works out what migrating @request would do, without changing anything:
 * validates it, connects read-only to the source (and to the destination
 * where this client can reach it) to learn the guest's UUID, whether it is
 * persistent and whether the destination already has its configuration,
 * and predicts the configuration outcome.
 */
void
virt_migrate_manager_plan_async (VirtMigrateManager  *self,
                                 VirtMigrateRequest  *request,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (VIRT_MIGRATE_IS_MANAGER (self));
  g_return_if_fail (VIRT_MIGRATE_IS_REQUEST (request));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, virt_migrate_manager_plan_async);
  g_task_set_name (task, "[virt-migrate] plan");
  /* The plan shows what a job of this manager would do, defaults included. */
  g_task_set_task_data (task, virt_migrate_manager_with_defaults (self, request), g_object_unref);
  g_task_run_in_thread (task, plan_thread);
}

/**
 * virt_migrate_manager_plan_finish:
 * @self: a #VirtMigrateManager
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the plan, or %NULL with @error set (an invalid
 *   request, an unknown guest, an unreachable host)
 */
VirtMigratePlan *
virt_migrate_manager_plan_finish (VirtMigrateManager *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
