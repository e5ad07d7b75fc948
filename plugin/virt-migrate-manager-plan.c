/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a manager's migration would do, without doing it: the plan
 * (virt_migrate_manager_plan_async()) and the pre-flight checks against
 * destinations (virt_migrate_manager_check_async()), each in a worker
 * thread over read-only connections of its own. */
#include "config.h"

#include "virt-migrate-error.h"
#include "virt-migrate-guest-xml.h"
#include "virt-migrate-manager-private.h"
#include "virt-migrate-plan-private.h"
#include "virt-migrate-preflight-private.h"
#include "virt-migrate-request-private.h"
#include "virt-migrate-xml-map.h"

/* disk-map, network-map: the destination XML a migration would send. */
static void
plan_dest_xml (VirtMigratePlan *plan, VirtMigrateHypervisor *hv, VirtMigrateRequest *request, const char *uuid)
{
  g_auto(GStrv) disk_map = NULL, network_map = NULL;
  g_autofree char *xml = NULL, *mapped = NULL;
  g_autoptr(GPtrArray) pools = NULL;
  const char *dest_uri = virt_migrate_request_get_dest_uri (request);

  g_object_get (request, "disk-map", &disk_map, "network-map", &network_map, NULL);
  if ((disk_map == NULL || disk_map[0] == NULL) && (network_map == NULL || network_map[0] == NULL))
    return;
  xml = virt_migrate_hypervisor_guest_xml (hv, virt_migrate_request_get_source_uri (request), uuid,
                                           VIRT_MIGRATE_GUEST_XML_LIVE, NULL);
  if (xml == NULL)
    return;
  pools = dest_uri != NULL ? virt_migrate_hypervisor_storage_pools (hv, dest_uri) : NULL;
  mapped = virt_migrate_map_xml (xml, (const char *const *) disk_map, (const char *const *) network_map,
                                 virt_migrate_pools_dir_func, pools);
  virt_migrate_plan_set_dest_xml (plan, mapped);
}

static void
plan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  VirtMigrateRequest *request = task_data;
  const char *dest_uri = virt_migrate_request_get_dest_uri (request);
  g_autoptr(VirtMigrateHypervisor) hv = virt_migrate_manager_new_hypervisor (source_object);
  g_autoptr(VirtMigrateGuestInfo) guest = NULL;
  g_autoptr(GError) error = NULL;
  gboolean dest_checked = FALSE, dest_config_exists = FALSE;
  VirtMigratePlan *plan;

  if (!virt_migrate_request_validate (request, &error))
    goto fail;
  guest = virt_migrate_hypervisor_lookup_guest (hv, virt_migrate_request_get_source_uri (request),
                                                virt_migrate_request_get_domain (request), &error);
  if (guest == NULL)
    goto fail;
  if (!virt_migrate_request_validate_for_guest (request, guest->uuid, &error) ||
      !virt_migrate_request_check_guest_xml (request, guest->uuid, guest->name, &error))
    goto fail;

  if (dest_uri != NULL)
    {
      g_autoptr(GError) dest_error = NULL;

      /* Unreachable: the plan says so, and its verdict has the blocker (a
       * managed direct migration needs this connection too). */
      if (virt_migrate_hypervisor_reach (hv, dest_uri, &dest_error))
        {
          g_autoptr(VirtMigrateGuestInfo) there = virt_migrate_hypervisor_lookup_guest (hv, dest_uri, guest->uuid,
                                                                                        NULL);

          dest_checked = TRUE;
          dest_config_exists = there != NULL && there->persistent;
        }
    }

  if (g_task_return_error_if_cancelled (task))
    return;
  plan = virt_migrate_plan_new (request, guest->uuid, guest->persistent, dest_checked, dest_config_exists, &error);
  if (plan == NULL)
    goto fail;
  /* The pre-flight checks a migration would run first. */
  if (dest_uri != NULL)
    {
      g_autoptr(VirtMigratePreflightFacts) facts = virt_migrate_preflight_facts_new ();

      if (virt_migrate_preflight_gather (hv, request, dest_uri, facts, NULL))
        virt_migrate_plan_set_verdict (plan, virt_migrate_preflight_verdict (facts, dest_uri));
    }
  plan_dest_xml (plan, hv, request, guest->uuid);
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
  g_autoptr(VirtMigrateHypervisor) hv = virt_migrate_manager_new_hypervisor (source_object);
  GVariantBuilder verdicts;

  g_variant_builder_init (&verdicts, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; c->destinations[i] != NULL; i++)
    {
      g_autoptr(VirtMigratePreflightFacts) facts = virt_migrate_preflight_facts_new ();
      GError *error = NULL;

      if (g_cancellable_is_cancelled (cancellable))
        break;
      /* The guest not found, the source unreachable: no verdict at all. */
      if (!virt_migrate_preflight_gather (hv, c->request, c->destinations[i], facts, &error))
        {
          g_variant_builder_clear (&verdicts);
          g_task_return_error (task, error);
          return;
        }
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
    {
      GError *error = NULL;

      if ((c->destinations = virt_migrate_uris_for_destinations (destinations, &error)) == NULL)
        {
          g_task_return_error (task, error);
          check_data_free (c);
          return;
        }
    }
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
