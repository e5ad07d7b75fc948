/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"


#include "virt-migrate-plan-private.h"
#include "virt-migrate-preflight.h"
#include "virt-migrate-request-private.h"

/**
 * VirtMigratePlan:
 *
 * What a migration would do, worked out before anything moves (see
 * virt_migrate_manager_plan_async()): the libvirt call, its flags and typed
 * parameters, the path the data takes, and what happens to the guest's
 * configuration files according to the migration guide's table, from the
 * source guest's type and whether the destination already has a
 * configuration of it.
 */
struct _VirtMigratePlan
{
  GObject                   parent_instance;
  VirtMigrateRequest       *request;
  char                     *libvirt_api;
  guint                     flags;
  GStrv                     flag_names;
  GVariant                 *parameters;
  char                     *data_path;
  char                     *guest_uuid;
  gboolean                  source_persistent;
  gboolean                  dest_checked;
  gboolean                  dest_config_exists;
  VirtMigrateConfigOutcome *outcome;
  GVariant                 *verdict;
  char                     *dest_xml;
};

G_DEFINE_FINAL_TYPE (VirtMigratePlan, virt_migrate_plan, G_TYPE_OBJECT)

static const struct {
  unsigned int flag;
  const char  *name;
} flag_names[] = {
  { VIRT_MIGRATE_CALL_LIVE, "VIR_MIGRATE_LIVE" },
  { VIRT_MIGRATE_CALL_PEER2PEER, "VIR_MIGRATE_PEER2PEER" },
  { VIRT_MIGRATE_CALL_TUNNELLED, "VIR_MIGRATE_TUNNELLED" },
  { VIRT_MIGRATE_CALL_PERSIST_DEST, "VIR_MIGRATE_PERSIST_DEST" },
  { VIRT_MIGRATE_CALL_UNDEFINE_SOURCE, "VIR_MIGRATE_UNDEFINE_SOURCE" },
  { VIRT_MIGRATE_CALL_PAUSED, "VIR_MIGRATE_PAUSED" },
  { VIRT_MIGRATE_CALL_NON_SHARED_DISK, "VIR_MIGRATE_NON_SHARED_DISK" },
  { VIRT_MIGRATE_CALL_NON_SHARED_INC, "VIR_MIGRATE_NON_SHARED_INC" },
  { VIRT_MIGRATE_CALL_UNSAFE, "VIR_MIGRATE_UNSAFE" },
  { VIRT_MIGRATE_CALL_OFFLINE, "VIR_MIGRATE_OFFLINE" },
  { VIRT_MIGRATE_CALL_COMPRESSED, "VIR_MIGRATE_COMPRESSED" },
  { VIRT_MIGRATE_CALL_ABORT_ON_ERROR, "VIR_MIGRATE_ABORT_ON_ERROR" },
  { VIRT_MIGRATE_CALL_AUTO_CONVERGE, "VIR_MIGRATE_AUTO_CONVERGE" },
  { VIRT_MIGRATE_CALL_POSTCOPY, "VIR_MIGRATE_POSTCOPY" },
  { VIRT_MIGRATE_CALL_TLS, "VIR_MIGRATE_TLS" },
  { VIRT_MIGRATE_CALL_PARALLEL, "VIR_MIGRATE_PARALLEL" },
};

static void
virt_migrate_plan_finalize (GObject *object)
{
  VirtMigratePlan *self = VIRT_MIGRATE_PLAN (object);

  g_clear_pointer (&self->verdict, g_variant_unref);
  g_clear_pointer (&self->dest_xml, g_free);
  g_clear_object (&self->request);
  g_clear_pointer (&self->libvirt_api, g_free);
  g_clear_pointer (&self->flag_names, g_strfreev);
  g_clear_pointer (&self->parameters, g_variant_unref);
  g_clear_pointer (&self->data_path, g_free);
  g_clear_pointer (&self->guest_uuid, g_free);
  g_clear_object (&self->outcome);

  G_OBJECT_CLASS (virt_migrate_plan_parent_class)->finalize (object);
}

static void
virt_migrate_plan_class_init (VirtMigratePlanClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virt_migrate_plan_finalize;
}

static void
virt_migrate_plan_init (VirtMigratePlan *self)
{
}


static char *
describe_data_path (VirtMigrateRequest *request)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const char *dest = virt_migrate_request_get_dest_uri (request);
  const char *hv = virt_migrate_request_get_hypervisor_uri (request);
  g_autofree char *disks_uri = NULL;
  int disks_port = 0;
  g_autofree char *qemu_path = hv != NULL ? g_strdup_printf ("over %s", hv) :
    g_strdup ("over a tcp:// URI the destination libvirtd derives from its host name "
              "(set hypervisor-uri to choose the network)");

  if (virt_migrate_request_get_offline (request))
    {
      g_string_append (text, "Only the guest's definition is sent; no memory or disk data. ");
    }
  else
    switch (virt_migrate_request_get_flow (request))
      {
      case VIRT_MIGRATE_FLOW_MANAGED_DIRECT:
        g_string_append_printf (text, "This client drives both libvirtd daemons; the source "
                                "hypervisor sends the guest straight to the destination "
                                "hypervisor %s. ", qemu_path);
        break;
      case VIRT_MIGRATE_FLOW_PEER_TO_PEER:
        g_string_append_printf (text, "The source libvirtd connects to %s itself, with its own "
                                "credentials, and drives the migration (it continues if this "
                                "client goes away). ", dest);
        if (virt_migrate_request_get_transport (request) == VIRT_MIGRATE_TRANSPORT_TUNNELLED)
          g_string_append (text, "The data is tunnelled through that libvirtd connection: no "
                                 "hypervisor port is opened. ");
        else
          g_string_append_printf (text, "The data goes hypervisor to hypervisor %s (libvirt 9.0 "
                                  "passes it to the destination as VIR_MIGRATE_PARAM_URI; "
                                  "the guide's older APIs could not choose it in this flow). ",
                                  qemu_path);
        break;
      case VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT:
      default:
        g_string_append_printf (text, "The source hypervisor's own management layer sends the "
                                "guest to %s; no destination libvirtd takes part. ", hv);
        break;
      }

  if (virt_migrate_request_get_storage (request) != VIRT_MIGRATE_STORAGE_SHARED)
    {
      g_object_get (request, "disks-uri", &disks_uri, "disks-port", &disks_port, NULL);
      if (disks_uri != NULL)
        g_string_append_printf (text, "Disks are copied over NBD to %s.", disks_uri);
      else if (disks_port > 0)
        g_string_append_printf (text, "Disks are copied over NBD to port %d on the destination.",
                                disks_port);
      else
        g_string_append (text, "Disks are copied over NBD to a port libvirt picks on the "
                               "destination.");
    }
  else if (!virt_migrate_request_get_offline (request))
    g_string_append (text, "Disks are expected on shared storage, at the same paths unless "
                           "dest-xml says otherwise.");
  return g_strstrip (g_string_free (g_steal_pointer (&text), FALSE));
}

VirtMigratePlan *
virt_migrate_plan_new (VirtMigrateRequest *request,
                       const char         *guest_uuid,
                       gboolean            source_persistent,
                       gboolean            dest_checked,
                       gboolean            dest_config_exists,
                       GError            **error)
{
  g_autoptr(VirtMigratePlan) self = g_object_new (VIRT_MIGRATE_TYPE_PLAN, NULL);
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  VirtMigrateCall call;

  if (!virt_migrate_request_build_call (request, &call, error))
    return NULL;
  self->request = virt_migrate_request_copy (request);
  self->libvirt_api = g_strdup (virt_migrate_api_to_string (call.api));
  self->flags = call.flags;
  for (guint i = 0; i < G_N_ELEMENTS (flag_names); i++)
    if (call.flags & flag_names[i].flag)
      g_strv_builder_add (names, flag_names[i].name);
  self->flag_names = g_strv_builder_end (names);
  self->parameters = g_variant_ref (call.params);
  virt_migrate_call_clear (&call);
  self->data_path = describe_data_path (request);
  self->guest_uuid = g_strdup (guest_uuid);
  self->source_persistent = source_persistent;
  self->dest_checked = dest_checked;
  self->dest_config_exists = dest_config_exists;
  self->outcome = virt_migrate_config_outcome_predict (source_persistent, dest_config_exists,
                                                       virt_migrate_request_get_undefine_source (request),
                                                       virt_migrate_request_get_persist_dest (request));
  return g_steal_pointer (&self);
}

void
virt_migrate_plan_set_dest_xml (VirtMigratePlan *self,
                                const char      *xml)
{
  g_free (self->dest_xml);
  self->dest_xml = g_strdup (xml);
}

void
virt_migrate_plan_set_verdict (VirtMigratePlan *self,
                               GVariant        *verdict)
{
  g_clear_pointer (&self->verdict, g_variant_unref);
  self->verdict = verdict != NULL ? g_variant_ref_sink (verdict) : NULL;
}

/**
 * virt_migrate_plan_get_verdict:
 * @self: a #VirtMigratePlan
 *
 * The pre-flight checks against the request's destination: an `a{sv}`
 * with `destination` (s), `result` (s: `ok`, `warning` or `blocker`, the
 * worst check's), `force` (b) and `checks` (aa{sv}: `check`, `result`,
 * `reason`, `fix`), as virt_migrate_manager_check_async() gives them.
 *
 * Returns: (transfer none) (nullable): the verdict, %NULL without a
 *   destination libvirt URI (unmanaged direct)
 */
GVariant *
virt_migrate_plan_get_verdict (VirtMigratePlan *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), NULL);
  return self->verdict;
}

/**
 * virt_migrate_plan_get_request:
 * @self: a #VirtMigratePlan
 *
 * Returns: (transfer none): the request planned
 */
VirtMigrateRequest *
virt_migrate_plan_get_request (VirtMigratePlan *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), NULL);
  return self->request;
}

/**
 * virt_migrate_plan_get_libvirt_api:
 * @self: a #VirtMigratePlan
 *
 * Returns: the libvirt function that would be called
 */
const char *
virt_migrate_plan_get_libvirt_api (VirtMigratePlan *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), NULL);
  return self->libvirt_api;
}

/**
 * virt_migrate_plan_get_libvirt_flags:
 * @self: a #VirtMigratePlan
 *
 * Returns: the `virDomainMigrateFlags` that would be passed
 */
guint
virt_migrate_plan_get_libvirt_flags (VirtMigratePlan *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), 0);
  return self->flags;
}

/**
 * virt_migrate_plan_get_flag_names:
 * @self: a #VirtMigratePlan
 *
 * Returns: (transfer none) (array zero-terminated=1): the flags by name,
 *   e.g. `VIR_MIGRATE_LIVE`
 */
const char * const *
virt_migrate_plan_get_flag_names (VirtMigratePlan *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), NULL);
  return (const char * const *) self->flag_names;
}

/**
 * virt_migrate_plan_get_parameters:
 * @self: a #VirtMigratePlan
 *
 * Returns: (transfer none): the `VIR_MIGRATE_PARAM_*` typed parameters as an
 *   `a{sv}` keyed by libvirt's names (`migrate_uri`, `bandwidth`...)
 */
GVariant *
virt_migrate_plan_get_parameters (VirtMigratePlan *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), NULL);
  return self->parameters;
}

/**
 * virt_migrate_plan_get_data_path:
 * @self: a #VirtMigratePlan
 *
 * Returns: how control and data would travel, in a sentence or three
 */
const char *
virt_migrate_plan_get_data_path (VirtMigratePlan *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), NULL);
  return self->data_path;
}

/**
 * virt_migrate_plan_get_guest_uuid:
 * @self: a #VirtMigratePlan
 *
 * Returns: the guest's UUID on the source
 */
const char *
virt_migrate_plan_get_guest_uuid (VirtMigratePlan *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), NULL);
  return self->guest_uuid;
}

/**
 * virt_migrate_plan_get_source_persistent:
 * @self: a #VirtMigratePlan
 *
 * Returns: whether the guest is persistent on the source
 */
gboolean
virt_migrate_plan_get_source_persistent (VirtMigratePlan *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), FALSE);
  return self->source_persistent;
}

/**
 * virt_migrate_plan_get_dest_checked:
 * @self: a #VirtMigratePlan
 *
 * Returns: whether the destination could be queried (in a peer-to-peer
 *   migration the destination URI is the source daemon's view, which this
 *   client may not reach); if not, the outcome assumes it has no
 *   configuration of the guest
 */
gboolean
virt_migrate_plan_get_dest_checked (VirtMigratePlan *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), FALSE);
  return self->dest_checked;
}

/**
 * virt_migrate_plan_get_dest_config_exists:
 * @self: a #VirtMigratePlan
 *
 * Returns: whether the destination already has a configuration of the guest
 */
gboolean
virt_migrate_plan_get_dest_config_exists (VirtMigratePlan *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), FALSE);
  return self->dest_config_exists;
}

/**
 * virt_migrate_plan_get_config_outcome:
 * @self: a #VirtMigratePlan
 *
 * Returns: (transfer none): the predicted configuration outcome
 */
VirtMigrateConfigOutcome *
virt_migrate_plan_get_config_outcome (VirtMigratePlan *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), NULL);
  return self->outcome;
}

/**
 * virt_migrate_plan_to_variant:
 * @self: a #VirtMigratePlan
 *
 * Returns: (transfer floating): the plan as an `a{sv}`: `request` (a{sv}),
 *   `libvirt-api` (s), `libvirt-flags` (u), `flag-names` (as), `parameters`
 *   (a{sv}), `data-path` (s), `guest-uuid` (s), `source-persistent` (b),
 *   `dest-checked` (b), `dest-config-exists` (b), `config-outcome` (a{sv})
 */
GVariant *
virt_migrate_plan_to_variant (VirtMigratePlan *self)
{
  GVariantDict dict;

  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), NULL);
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert_value (&dict, "request", virt_migrate_request_to_variant (self->request));
  g_variant_dict_insert (&dict, "libvirt-api", "s", self->libvirt_api);
  g_variant_dict_insert (&dict, "libvirt-flags", "u", self->flags);
  g_variant_dict_insert_value (&dict, "flag-names",
                               g_variant_new_strv ((const char *const *) self->flag_names, -1));
  g_variant_dict_insert_value (&dict, "parameters", self->parameters);
  g_variant_dict_insert (&dict, "data-path", "s", self->data_path);
  g_variant_dict_insert (&dict, "guest-uuid", "s", self->guest_uuid);
  g_variant_dict_insert (&dict, "source-persistent", "b", self->source_persistent);
  g_variant_dict_insert (&dict, "dest-checked", "b", self->dest_checked);
  g_variant_dict_insert (&dict, "dest-config-exists", "b", self->dest_config_exists);
  g_variant_dict_insert_value (&dict, "config-outcome",
                               virt_migrate_config_outcome_to_variant (self->outcome));
  if (self->verdict != NULL)
    g_variant_dict_insert_value (&dict, "verdict", self->verdict);
  if (self->dest_xml != NULL)
    g_variant_dict_insert (&dict, "dest-xml", "s", self->dest_xml);
  return g_variant_dict_end (&dict);
}

/**
 * virt_migrate_plan_to_text:
 * @self: a #VirtMigratePlan
 *
 * Returns: (transfer full): the plan for people, several lines
 */
char *
virt_migrate_plan_to_text (VirtMigratePlan *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *flags = NULL;
  g_autofree char *params = NULL;
  g_autofree char *outcome = NULL;

  g_return_val_if_fail (VIRT_MIGRATE_IS_PLAN (self), NULL);

  flags = g_strjoinv (" | ", self->flag_names);
  params = g_variant_print (self->parameters, FALSE);
  outcome = virt_migrate_config_outcome_to_string (self->outcome);
  g_string_append_printf (text, "Guest:         %s (%s, %s on the source)\n",
                          virt_migrate_request_get_domain (self->request), self->guest_uuid,
                          self->source_persistent ? "persistent" : "transient");
  if (virt_migrate_request_get_dest_uri (self->request) != NULL)
    g_string_append_printf (text, "To:            %s\n", virt_migrate_request_get_dest_uri (self->request));
  g_string_append_printf (text, "Call:          %s\n", self->libvirt_api);
  g_string_append_printf (text, "Flags:         %s\n", *flags != '\0' ? flags : "(none)");
  g_string_append_printf (text, "Parameters:    %s\n", params);
  g_string_append_printf (text, "Data path:     %s\n", self->data_path);
  if (self->dest_checked)
    g_string_append_printf (text, "Destination:   %s configuration of this guest\n",
                            self->dest_config_exists ? "has a" : "has no");
  else
    g_string_append (text, "Destination:   not reachable from here; assuming it has no "
                           "configuration of this guest\n");
  g_string_append_printf (text, "Configuration: %s\n", outcome);
  if (self->dest_xml != NULL)
    {
      g_auto(GStrv) lines = g_strsplit (self->dest_xml, "\n", -1);

      g_string_append (text, "Destination XML (disk-map, network-map):\n");
      for (guint i = 0; lines[i] != NULL; i++)
        if (*lines[i] != '\0')
          g_string_append_printf (text, "  %s\n", lines[i]);
    }
  if (self->verdict != NULL)
    {
      g_autofree char *checks = virt_migrate_verdict_to_text (self->verdict);
      gboolean force = FALSE;

      g_object_get (self->request, "force", &force, NULL);
      g_string_append_printf (text, "Checks:        %s", checks);
      if (virt_migrate_preflight_result (self->verdict) == VIRT_MIGRATE_CHECK_RESULT_BLOCKER)
        g_string_append (text, force ? "Force:         the blockers above are overridden (--force): libvirt decides\n"
                                     : "Refused:       a migration stops here, before libvirt is asked (--force to try anyway)\n");
      else if (virt_migrate_preflight_result (self->verdict) == VIRT_MIGRATE_CHECK_RESULT_UNKNOWN)
        g_string_append (text, force ? "Force:         the checks that could not run are overridden (--force): libvirt decides\n"
                                     : "Refused:       checks could not run; a migration stops here, before libvirt is asked "
                                       "(--force to try anyway)\n");
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/**
 * virt_migrate_verdict_to_text:
 * @verdict: a pre-flight verdict, as virt_migrate_plan_get_verdict() and
 *   virt_migrate_manager_check_finish() give them
 *
 * The verdict for people: a line saying whether the destination can take
 * the guest, then a line per check (its result, its name, the reason) and
 * the fix under each that is not ok.
 *
 * Returns: (transfer full): the text, several lines
 */
char *
virt_migrate_verdict_to_text (GVariant *verdict)
{
  g_autoptr(GVariant) checks = g_variant_lookup_value (verdict, "checks", G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GString) text = g_string_new (NULL);
  const char *destination = "", *result = "";
  GVariantIter iter;
  GVariant *item;

  g_variant_lookup (verdict, "destination", "&s", &destination);
  g_variant_lookup (verdict, "result", "&s", &result);
  g_string_append_printf (text, "%s: %s\n", destination,
                          g_str_equal (result, "blocker") ? "cannot take the guest" :
                          g_str_equal (result, "unknown") ? "cannot tell whether it can take the guest: checks did not run" :
                          g_str_equal (result, "warning") ? "can take the guest, with warnings" :
                          "can take the guest");
  if (checks != NULL)
    {
      g_variant_iter_init (&iter, checks);
      while ((item = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_autoptr(GVariant) check = item;
          const char *name = "", *check_result = "", *reason = "", *fix = "";

          g_variant_lookup (check, "check", "&s", &name);
          g_variant_lookup (check, "result", "&s", &check_result);
          g_variant_lookup (check, "reason", "&s", &reason);
          g_variant_lookup (check, "fix", "&s", &fix);
          g_string_append_printf (text, "  %-8s %-10s %s\n", check_result, name, reason);
          if (*fix != '\0' && !g_str_equal (check_result, "ok"))
            g_string_append_printf (text, "  %-8s %-10s fix: %s\n", "", "", fix);
        }
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}
