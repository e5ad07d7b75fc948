/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The backend that does it with libvirt: every blocking libvirt call of a
 * migration, on the worker's threads. */
#include "config.h"

#include <string.h>

#include "virt-migrate-dest-storage.h"
#include "virt-migrate-libvirt-backend.h"
#include "virt-migrate-libvirt-hypervisor.h"
#include "virt-migrate-libvirt-private.h"
#include "virt-migrate-preflight-private.h"

/* How long to wait for libvirt's JOB_COMPLETED event after the migration
 * call returned, before falling back to the last polled statistics. */
#define FINAL_STATS_TIMEOUT_US (2 * G_USEC_PER_SEC)
/* How often an adopted job looks whether libvirt's job ended. */
#define FOLLOW_INTERVAL_US (250 * G_TIME_SPAN_MILLISECOND)

struct _VirtMigrateLibvirtBackend
{
  GObject                    parent_instance;

  VirtMigrateRequest        *request;  /* immutable */
  VirtMigrateConnectionPool *pool;
  gboolean                   adopted;  /* follows a migration libvirt already runs */

  /* The worker's migrate thread owns these between prepare() and finish(). */
  virConnectPtr              conn;
  virConnectPtr              dconn;       /* managed direct */
  virConnectPtr              check_conn;  /* where the outcome is checked, if reachable */
  virDomainPtr               ddom;        /* the guest on the destination (managed direct) */
  const VirtMigrateCall     *call;        /* the request's, made once when it was frozen */
  virTypedParameterPtr       params;      /* call's, as libvirt takes them */
  int                        nparams;
  VirtMigrateDestStorage    *dest_storage; /* disk-map, network-map */
  GVariant                  *verdict;      /* the pre-flight checks' */
  unsigned char              uuid[VIR_UUID_BUFLEN];
  gboolean                   have_uuid;
  gboolean                   source_persistent;
  char                      *dest_config_before;
  int                        state_before;
  VirtMigrateConfigOutcome  *expected_outcome;
  int                        completed_cb;
  int                        iteration_cb;
  VirtMigrateIterationFunc   on_iteration;
  gpointer                   on_iteration_data;

  /* Shared with the poll and abort threads and libvirt's event loop. */
  GMutex                     lock;
  GCond                      cond;
  virDomainPtr               dom;          /* the source guest, until finish() */
  virConnectPtr              control_conn; /* the pool's control connection to the source */
  virDomainPtr               control_dom;  /* the source guest on it, until finish() */
  gboolean                   have_event_stats;
  VirtMigrateSample          event_stats;  /* from VIR_DOMAIN_EVENT_ID_JOB_COMPLETED */

  /* The poll thread's: the dirty rate QEMU sampled before the migration
   * (bytes/s, once measured). */
  gboolean                   dirty_calc_started;
  VirtMigrateResident        resident;     /* ...and the source QEMU's resident set */
  guint64                    dirty_sampled;
  gboolean                   dirty_measured;
  /* ...and how busy the guest's vCPUs were meanwhile: their time when the
   * calculation started (prepare's, before the poller exists), then the
   * share of it they ran or waited to run, permille. */
  guint64                    vcpu_time_start;
  gint64                     vcpu_clock_start;
  guint                      vcpus;
  guint64                    vcpu_busy;
  gboolean                   vcpu_measured;
};

static void virt_migrate_libvirt_backend_iface_init (VirtMigrateBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VirtMigrateLibvirtBackend, virt_migrate_libvirt_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (VIRT_MIGRATE_TYPE_BACKEND,
                                                      virt_migrate_libvirt_backend_iface_init))

/* The source guest, referenced, or NULL after finish(). */
static virDomainPtr
ref_domain (VirtMigrateLibvirtBackend *self)
{
  virDomainPtr dom;

  g_mutex_lock (&self->lock);
  dom = self->dom;
  if (dom != NULL)
    virDomainRef (dom);
  g_mutex_unlock (&self->lock);
  return dom;
}

/* The guest on the control connection, for the calls made while the
 * migration call runs (see virt_migrate_connection_pool_get_control()). */
static virDomainPtr
ref_control_domain (VirtMigrateLibvirtBackend *self)
{
  virDomainPtr dom;

  g_mutex_lock (&self->lock);
  dom = self->control_dom != NULL ? self->control_dom : self->dom;
  if (dom != NULL)
    virDomainRef (dom);
  g_mutex_unlock (&self->lock);
  return dom;
}

static gboolean
not_running (GError **error)
{
  g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED, "The migration is not running");
  return FALSE;
}

static gboolean
libvirt_failed (const char *what, GError **error)
{
  g_propagate_prefixed_error (error, virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, what),
                              "%s: ", what);
  return FALSE;
}

/* --- events (libvirt-glib's loop) ------------------------------------------ */

static void
on_job_completed_event (virConnectPtr conn, virDomainPtr dom, virTypedParameterPtr params,
                        int nparams, void *opaque)
{
  VirtMigrateLibvirtBackend *self = opaque;

  g_mutex_lock (&self->lock);
  virt_migrate_libvirt_sample_from_params (&self->event_stats, VIR_DOMAIN_JOB_COMPLETED, params, nparams);
  self->have_event_stats = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
on_iteration_event (virConnectPtr conn, virDomainPtr dom, int iteration, void *opaque)
{
  VirtMigrateLibvirtBackend *self = opaque;

  if (self->on_iteration != NULL)
    self->on_iteration ((guint64) MAX (iteration, 0), self->on_iteration_data);
}

/* --- helpers -------------------------------------------------------------- */

/* The stored (inactive) configuration of the guest with @uuid on @conn, or
 * NULL if that host has none. */
static char *
persistent_config (virConnectPtr conn, const unsigned char *uuid)
{
  g_autoptr(virDomain) dom = virDomainLookupByUUID (conn, uuid);

  if (dom == NULL || virDomainIsPersistent (dom) != 1)
    return NULL;
  return virDomainGetXMLDesc (dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
}

/* What libvirt reports after a successful migration. */
static VirtMigrateConfigOutcome *
observe_outcome (VirtMigrateLibvirtBackend *self)
{
  g_autofree char *dest_config = persistent_config (self->check_conn, self->uuid);
  g_autofree char *source_config = persistent_config (self->conn, self->uuid);
  VirtMigrateDestConfig dest = dest_config == NULL ? VIRT_MIGRATE_DEST_CONFIG_NONE :
                               self->dest_config_before == NULL ? VIRT_MIGRATE_DEST_CONFIG_CREATED :
                               g_str_equal (dest_config, self->dest_config_before) ?
                               VIRT_MIGRATE_DEST_CONFIG_UNCHANGED : VIRT_MIGRATE_DEST_CONFIG_REPLACED;

  return virt_migrate_config_outcome_new (dest_config != NULL ? VIRT_MIGRATE_GUEST_TYPE_PERSISTENT :
                                                                VIRT_MIGRATE_GUEST_TYPE_TRANSIENT,
                                          !self->source_persistent ? VIRT_MIGRATE_SOURCE_CONFIG_NONE :
                                          source_config != NULL ? VIRT_MIGRATE_SOURCE_CONFIG_KEPT :
                                          VIRT_MIGRATE_SOURCE_CONFIG_REMOVED,
                                          dest);
}

/* The guest on the destination, under its new name if the request gives
 * one, or %NULL: not there, or the destination is out of this client's
 * reach (@error says why it could not be asked, when it could not). */
static virDomainPtr
lookup_on_destination (VirtMigrateLibvirtBackend *self, GError **error)
{
  VirtMigrateRequest *request = self->request;
  const char *dest_uri = virt_migrate_request_get_dest_uri (request);
  g_autofree char *name = NULL;
  g_autoptr(virConnect) dconn = NULL;

  if (dest_uri == NULL)
    return NULL;
  dconn = virt_migrate_connection_pool_get (self->pool, dest_uri, error);
  if (dconn == NULL)
    return NULL;
  g_object_get (request, "dest-name", &name, NULL);
  return virt_migrate_lookup_domain (dconn, name != NULL ? name : virt_migrate_request_get_domain (request),
                                     NULL);
}

/* An adopted job whose guest is no longer on the source: it moved if the
 * destination has it. */
static gboolean
reconcile_from_destination (VirtMigrateLibvirtBackend *self, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(virDomain) ddom = lookup_on_destination (self, &local_error);

  if (ddom != NULL)
    return TRUE;
  g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND,
               "While virt-migrated was not running, '%s' left the source and is not on the "
               "destination%s%s", virt_migrate_request_get_domain (self->request),
               local_error != NULL ? ": " : "", local_error != NULL ? local_error->message : "");
  return FALSE;
}

/* An adopted job: waits for libvirt's migration job on the guest to end,
 * then tells from the guest's state whether it moved. */
static gboolean
follow_libvirt_job (VirtMigrateLibvirtBackend *self, virDomainPtr dom, GError **error)
{
  virDomainJobInfo info;
  int state = 0, reason = 0;

  while (virDomainGetJobInfo (dom, &info) == 0 && info.type != VIR_DOMAIN_JOB_NONE)
    {
      /* A post-copy whose stream broke keeps libvirt's job: resumable. */
      if (virDomainGetState (dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_PAUSED &&
          reason == VIR_DOMAIN_PAUSED_POSTCOPY_FAILED)
        {
          g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED,
                       "The post-copy migration of '%s' broke while virt-migrated was not running",
                       virt_migrate_request_get_domain (self->request));
          return FALSE;
        }
      g_usleep (FOLLOW_INTERVAL_US);
    }
  /* A transient guest that moved is gone; a persistent one is shut off. */
  if (virDomainGetState (dom, &state, &reason, 0) < 0 ||
      (state == VIR_DOMAIN_SHUTOFF && reason == VIR_DOMAIN_SHUTOFF_MIGRATED))
    return TRUE;
  g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED,
               "The migration of '%s' ended without moving the guest while virt-migrated was not "
               "running (libvirt aborts a managed-direct migration whose client is gone); the "
               "guest is %s on the source",
               virt_migrate_request_get_domain (self->request),
               state == VIR_DOMAIN_RUNNING ? "running" : state == VIR_DOMAIN_PAUSED ? "paused" : "shut off");
  return FALSE;
}

/* After a failed or cancelled migration the guest must not stay paused on
 * the source by our doing: resume it if it ran before and the request did
 * not ask for a pause. */
static void
resume_source_if_paused (VirtMigrateLibvirtBackend *self, virDomainPtr dom)
{
  int state = 0, reason = 0;

  if (self->state_before != VIR_DOMAIN_RUNNING ||
      virDomainGetState (dom, &state, &reason, 0) < 0 ||
      state != VIR_DOMAIN_PAUSED)
    return;
  if (reason == VIR_DOMAIN_PAUSED_POSTCOPY || reason == VIR_DOMAIN_PAUSED_POSTCOPY_FAILED)
    return; /* the guest ran on the destination already; resuming here would fork it */
  if (virDomainResume (dom) < 0)
    {
      g_warning ("%s: guest left paused on the source (reason %d) and could not be resumed: %s",
                 virt_migrate_request_get_domain (self->request), reason, virGetLastErrorMessage ());
      return;
    }
  g_info ("%s: resumed the guest on the source after the failed migration",
          virt_migrate_request_get_domain (self->request));
}

/* The policy paused the guest to finish: it runs again on the destination. */
static void
resume_on_destination (VirtMigrateLibvirtBackend *self)
{
  g_autoptr(virDomain) found = NULL;
  virDomainPtr ddom = self->ddom;
  int state = 0, reason = 0;

  if (ddom == NULL)
    ddom = found = lookup_on_destination (self, NULL);
  if (ddom == NULL)
    {
      g_warning ("%s: the policy paused the guest, and this client cannot reach it on the "
                 "destination to resume it", virt_migrate_request_get_domain (self->request));
      return;
    }
  if (virDomainGetState (ddom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_PAUSED)
    {
      if (virDomainResume (ddom) == 0)
        g_info ("%s: policy: resumed the guest on the destination",
                virt_migrate_request_get_domain (self->request));
      else
        g_warning ("%s: cannot resume the guest on the destination: %s",
                   virt_migrate_request_get_domain (self->request), virGetLastErrorMessage ());
    }
}

/* What a storage copy will move: the virtual size of each disk with a
 * source (the ones named in migrate-disks, if any). Only an estimate for
 * the expected end until libvirt's statistics give the real total (which
 * they may not for seconds: the statistics call blocks while the mirror
 * starts). */
static guint64
disk_bytes_to_copy (virDomainPtr dom, VirtMigrateRequest *request)
{
  virDomainPtr doms[] = { dom, NULL };
  virDomainStatsRecordPtr *records = NULL;
  g_auto(GStrv) only = NULL;
  guint64 total = 0;
  unsigned int count = 0;

  if (virt_migrate_request_get_storage (request) == VIRT_MIGRATE_STORAGE_SHARED)
    return 0;
  g_object_get (request, "migrate-disks", &only, NULL);
  if (virDomainListGetStats (doms, VIR_DOMAIN_STATS_BLOCK, &records, 0) < 1)
    return 0;
  virTypedParamsGetUInt (records[0]->params, records[0]->nparams, "block.count", &count);
  for (unsigned int i = 0; i < count; i++)
    {
      g_autofree char *name_key = g_strdup_printf ("block.%u.name", i);
      g_autofree char *path_key = g_strdup_printf ("block.%u.path", i);
      g_autofree char *capacity_key = g_strdup_printf ("block.%u.capacity", i);
      const char *name = NULL, *path = NULL;
      unsigned long long capacity = 0;

      virTypedParamsGetString (records[0]->params, records[0]->nparams, name_key, &name);
      virTypedParamsGetString (records[0]->params, records[0]->nparams, path_key, &path);
      virTypedParamsGetULLong (records[0]->params, records[0]->nparams, capacity_key, &capacity);
      if (name == NULL || path == NULL || (only != NULL && only[0] != NULL && !g_strv_contains ((const char *const *) only, name)))
        continue;
      total += capacity;
    }
  virDomainStatsRecordListFree (records);
  return total;
}

static GVariant *
backend_get_verdict (VirtMigrateBackend *backend)
{
  VirtMigrateLibvirtBackend *self = VIRT_MIGRATE_LIBVIRT_BACKEND (backend);

  return self->verdict != NULL ? g_variant_ref (self->verdict) : NULL;
}

/* --- the interface ----------------------------------------------------------- */

static gboolean
backend_prepare (VirtMigrateBackend       *backend,
                 VirtMigrateIterationFunc  on_iteration,
                 gpointer                  user_data,
                 VirtMigrateBackendGuest  *guest,
                 GError                  **error)
{
  VirtMigrateLibvirtBackend *self = VIRT_MIGRATE_LIBVIRT_BACKEND (backend);
  VirtMigrateRequest *request = self->request;
  gboolean offline = virt_migrate_request_get_offline (request);
  g_autoptr(virDomain) dom = NULL;
  char uuid_string[VIR_UUID_STRING_BUFLEN];
  virDomainInfo info;
  int reason = 0;

  self->on_iteration = on_iteration;
  self->on_iteration_data = user_data;
  self->conn = virt_migrate_connection_pool_get (self->pool, virt_migrate_request_get_source_uri (request),
                                                 error);
  if (self->conn == NULL)
    return FALSE;
  dom = virt_migrate_lookup_domain (self->conn, virt_migrate_request_get_domain (request), error);
  /* Resuming a post-copy that an earlier try set going again (libvirt may
   * report a try failed while QEMU resumed): the guest may have left the
   * source already. */
  if (dom == NULL && virt_migrate_request_get_postcopy_resume (request))
    self->adopted = TRUE;
  if (dom == NULL && self->adopted)
    {
      /* It finished (or vanished) while nobody followed it. */
      g_clear_error (error);
      guest->finished = TRUE;
      guest->success = reconcile_from_destination (self, error);
      return guest->success;
    }
  if (dom == NULL)
    return FALSE;
  if (virDomainGetUUIDString (dom, uuid_string) == 0)
    {
      if (!virt_migrate_request_validate_for_guest (request, uuid_string, error) ||
          !virt_migrate_request_check_guest_xml (request, uuid_string, virDomainGetName (dom), error))
        return FALSE;
      g_strlcpy (guest->uuid, uuid_string, sizeof guest->uuid);
    }
  if (virDomainGetName (dom) != NULL)
    g_strlcpy (guest->name, virDomainGetName (dom), sizeof guest->name);

  if (virDomainGetState (dom, &self->state_before, &reason, 0) < 0)
    self->state_before = VIR_DOMAIN_NOSTATE;
  /* ...or still be moving: follow that migration instead of asking for
   * another ("QEMU reports migration is still running"). */
  if (virt_migrate_request_get_postcopy_resume (request) && !self->adopted &&
      self->state_before == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_POSTCOPY)
    {
      g_info ("%s: post-copy is moving again: following it", virt_migrate_request_get_domain (request));
      self->adopted = TRUE;
    }
  if (!offline && virDomainGetInfo (dom, &info) == 0)
    guest->memory_bytes = (guint64) info.memory * 1024;
  if (!offline)
    {
      virt_migrate_libvirt_resident_read (&self->resident, dom);
      guest->resident_bytes = self->resident.last;
    }
  if (!offline)
    guest->disk_bytes = disk_bytes_to_copy (dom, request);

  if (virt_migrate_request_get_flow (request) == VIRT_MIGRATE_FLOW_MANAGED_DIRECT && !self->adopted)
    {
      self->dconn = virt_migrate_connection_pool_get (self->pool, virt_migrate_request_get_dest_uri (request),
                                                      error);
      if (self->dconn == NULL)
        return FALSE;
    }
  /* The destination, once, for the pre-flight checks and the maps: the
   * managed flow's own connection, or the pool's (peer-to-peer: the URI is
   * the source libvirtd's view; NULL here if this client cannot reach it).
   * Checked after a managed flow opened it, whose failure is its own error. */
  self->dest_storage = virt_migrate_dest_storage_new (request);
  /* Resuming a post-copy migration: the guest already runs there, as
   * libvirt's own migration put it; nothing to check or make. */
  if (!self->adopted && virt_migrate_request_get_dest_uri (request) != NULL &&
      !virt_migrate_request_get_postcopy_resume (request))
    {
      const char *dest_uri = virt_migrate_request_get_dest_uri (request);
      g_autoptr(virConnect) target = NULL;

      if (self->dconn != NULL && virConnectRef (self->dconn) == 0)
        target = self->dconn;
      else
        target = virt_migrate_connection_pool_get (self->pool, dest_uri, NULL);

      /* A blocker stops here, before libvirt is asked to migrate. */
      if (virt_migrate_request_get_flow (request) != VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT)
        {
          g_autoptr(VirtMigratePreflightFacts) facts = virt_migrate_preflight_facts_new ();

          g_autoptr(VirtMigrateLibvirtHypervisor) hv = virt_migrate_libvirt_hypervisor_new_with (
            virt_migrate_request_get_source_uri (request), self->conn, dest_uri, target,
            virt_migrate_connection_pool_get_ssh_directory (self->pool));

          if (!virt_migrate_preflight_gather (VIRT_MIGRATE_HYPERVISOR (hv), request, dest_uri, facts, error))
            return FALSE;
          g_clear_pointer (&self->verdict, g_variant_unref);
          self->verdict = g_variant_ref_sink (virt_migrate_preflight_verdict (facts, dest_uri));
          /* Unknown too: a migration goes ahead only on what is known,
           * or when the caller says so. */
          VirtMigrateCheckResult result = virt_migrate_preflight_result (self->verdict);

          if ((result == VIRT_MIGRATE_CHECK_RESULT_BLOCKER || result == VIRT_MIGRATE_CHECK_RESULT_UNKNOWN) &&
              !facts->force)
            {
              g_autofree char *blockers = virt_migrate_preflight_blockers (self->verdict);

              g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_PREFLIGHT,
                           "Pre-flight check%s: %s. Nothing was migrated; set 'force' to try anyway", result == VIRT_MIGRATE_CHECK_RESULT_UNKNOWN ? " could not run" : "",
                           blockers);
              return FALSE;
            }
        }
      /* disk-map, network-map: the destination XML, and the images a copy
       * needs made there (removed again in finish() unless it succeeded). */
      if (!virt_migrate_dest_storage_prepare (self->dest_storage, dom, target, error))
        return FALSE;
    }

  /* How fast the guest dirties its memory is only reported from the
   * second memory pass on; QEMU can sample it before (libvirt allows no
   * such calculation while the migration runs): one, started now, read
   * by the poller once done, for the expected end of the first pass.
   * After the pre-flight: not on a guest it refused (one in another
   * client's job held this call 30 s). */
  if (!offline && !self->adopted && virDomainIsActive (dom) == 1 &&
      virDomainStartDirtyRateCalc (dom, DIRTY_CALC_SECONDS, VIR_DOMAIN_DIRTYRATE_MODE_PAGE_SAMPLING) == 0)
    {
      self->dirty_calc_started = TRUE;
      /* A count of 0 is an idle guest's, or one of a guest that dirties a
       * little and was unlucky: whether its vCPUs ran tells them apart. */
      if (virt_migrate_libvirt_vcpu_time (dom, &self->vcpu_time_start, &self->vcpus))
        self->vcpu_clock_start = g_get_monotonic_time ();
    }
  self->call = virt_migrate_request_get_call (request);
  /* disk-map, network-map: their destination XML goes instead. */
  if (!virt_migrate_libvirt_call_params (self->call, virt_migrate_dest_storage_get_xml (self->dest_storage),
                                         virt_migrate_dest_storage_get_persistent_xml (self->dest_storage),
                                         &self->params, &self->nparams, error))
    return FALSE;

  /* Where the configuration files stand before: the source's type and,
   * where the client can reach it, the destination's configuration. */
  if (!self->adopted && virDomainGetUUID (dom, self->uuid) == 0)
    {
      const char *dest_uri = virt_migrate_request_get_dest_uri (request);

      self->have_uuid = TRUE;
      if (self->dconn != NULL)
        {
          virConnectRef (self->dconn);
          self->check_conn = self->dconn;
        }
      else if (dest_uri != NULL)
        {
          /* Peer-to-peer: the dest URI is the source daemon's view, which
           * this client may not reach; then the outcome stays unchecked. */
          self->check_conn = virt_migrate_connection_pool_get (self->pool, dest_uri, NULL);
        }
      if (self->check_conn != NULL)
        {
          self->source_persistent = virDomainIsPersistent (dom) == 1;
          self->dest_config_before = persistent_config (self->check_conn, self->uuid);
          self->expected_outcome =
            virt_migrate_config_outcome_predict (self->source_persistent, self->dest_config_before != NULL,
                                                 virt_migrate_request_get_undefine_source (request),
                                                 virt_migrate_request_get_persist_dest (request));
        }
    }

  if (!offline)
    {
      self->completed_cb =
        virConnectDomainEventRegisterAny (self->conn, dom, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                          VIR_DOMAIN_EVENT_CALLBACK (on_job_completed_event),
                                          g_object_ref (self), g_object_unref);
      self->iteration_cb =
        virConnectDomainEventRegisterAny (self->conn, dom, VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION,
                                          VIR_DOMAIN_EVENT_CALLBACK (on_iteration_event),
                                          g_object_ref (self), g_object_unref);
    }
  if (!offline)
    {
      g_autoptr(virConnect) control = virt_migrate_connection_pool_get_control (
        self->pool, virt_migrate_request_get_source_uri (request), NULL);
      unsigned char uuid[VIR_UUID_BUFLEN];
      virDomainPtr control_dom = NULL;

      if (control != NULL && virDomainGetUUID (dom, uuid) == 0)
        control_dom = virDomainLookupByUUID (control, uuid);
      g_mutex_lock (&self->lock);
      self->control_dom = control_dom;
      if (control_dom != NULL)
        self->control_conn = g_steal_pointer (&control);
      g_mutex_unlock (&self->lock);
    }
  /* Already filled by QEMU's sampling? (Checked again at each sample.) */
  virt_migrate_libvirt_resident_read (&self->resident, dom);
  guest->resident_by_reads = self->resident.by_reads;
  g_mutex_lock (&self->lock);
  self->dom = g_steal_pointer (&dom);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
backend_migrate (VirtMigrateBackend *backend,
                 GError            **error)
{
  VirtMigrateLibvirtBackend *self = VIRT_MIGRATE_LIBVIRT_BACKEND (backend);
  g_autoptr(virDomain) dom = ref_domain (self);
  const VirtMigrateCall *call = self->call;
  int rc;

  if (dom == NULL)
    return not_running (error);
  g_debug ("%s: %s flags=0x%x nparams=%d dconnuri=%s", virt_migrate_request_get_domain (self->request),
           virt_migrate_api_to_string (call->api), call->flags, self->nparams,
           call->dconnuri != NULL ? call->dconnuri : "(null)");
  if (self->adopted)
    return follow_libvirt_job (self, dom, error);
  if (call->api == VIRT_MIGRATE_API_MIGRATE3)
    {
      self->ddom = virDomainMigrate3 (dom, self->dconn, self->params, self->nparams, call->flags);
      rc = self->ddom != NULL ? 0 : -1;
    }
  else
    rc = virDomainMigrateToURI3 (dom, call->dconnuri, self->params, self->nparams, call->flags);
  if (rc < 0)
    {
      g_propagate_error (error, virt_migrate_libvirt_migrate_error ((call->flags & VIR_MIGRATE_TLS) != 0));
      return FALSE;
    }
  return TRUE;
}

/* How busy the guest's vCPUs were since the dirty-rate calculation
 * began (poll thread): read at each sample until QEMU's figure comes (an
 * idle guest is told from the first statistics on), then kept, the
 * share over the sampling's own time. */
#define VCPU_SPAN_MIN_US (G_USEC_PER_SEC / 2)
static void
read_vcpu_busy (VirtMigrateLibvirtBackend *self, virDomainPtr dom)
{
  guint64 now_time = 0;
  guint vcpus = 0;
  gint64 span = g_get_monotonic_time () - self->vcpu_clock_start;

  if (self->vcpu_clock_start == 0 || span < VCPU_SPAN_MIN_US ||
      !virt_migrate_libvirt_vcpu_time (dom, &now_time, &vcpus) ||
      vcpus != self->vcpus || now_time < self->vcpu_time_start)
    return;
  self->vcpu_busy = MIN ((now_time - self->vcpu_time_start) / (span * (guint64) vcpus), 1000);
  self->vcpu_measured = TRUE;
}

static gboolean
backend_get_stats (VirtMigrateBackend *backend,
                   VirtMigrateSample  *sample,
                   GError            **error)
{
  VirtMigrateLibvirtBackend *self = VIRT_MIGRATE_LIBVIRT_BACKEND (backend);
  g_autoptr(virDomain) dom = ref_control_domain (self);
  int state = 0, reason = 0;

  if (dom == NULL)
    return not_running (error);
  if (!virt_migrate_libvirt_fetch_stats (dom, 0, sample))
    return libvirt_failed ("No job statistics", error);
  /* While memory moves, what QEMU has touched: the first pass's payload
   * grows with it (a page first written ahead of the scan). */
  if (sample->memory_total > 0 && virt_migrate_libvirt_resident_read (&self->resident, dom))
    sample->resident = self->resident.last;
  if (self->dirty_calc_started && !self->dirty_measured && sample->memory_total > 0)
    {
      self->dirty_measured = virt_migrate_libvirt_sampled_dirty_rate (dom, &self->dirty_sampled);
      read_vcpu_busy (self, dom);
      /* QEMU gave no figure: nothing more to ask. */
      if (!self->dirty_measured && sample->time_elapsed > (DIRTY_CALC_SECONDS + 3) * 1000)
        self->dirty_calc_started = FALSE;
    }
  sample->dirty_sampled = self->dirty_sampled;
  sample->dirty_measured = self->dirty_measured;
  sample->vcpu_busy = self->vcpu_busy;
  sample->vcpu_measured = self->vcpu_measured;
  sample->dirty_seconds = self->dirty_measured ? DIRTY_CALC_SECONDS : 0;
  if (virDomainGetState (dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_PAUSED)
    {
      sample->postcopy = reason == VIR_DOMAIN_PAUSED_POSTCOPY;
      sample->switch_over = reason == VIR_DOMAIN_PAUSED_MIGRATION;
    }
  return TRUE;
}

static gboolean
backend_set_max_downtime (VirtMigrateBackend *backend, guint64 milliseconds, GError **error)
{
  g_autoptr(virDomain) dom = ref_control_domain (VIRT_MIGRATE_LIBVIRT_BACKEND (backend));

  if (dom == NULL)
    return not_running (error);
  return virDomainMigrateSetMaxDowntime (dom, milliseconds, 0) == 0 ||
         libvirt_failed ("Cannot set the maximum downtime", error);
}

static gboolean
backend_set_max_speed (VirtMigrateBackend *backend, guint64 mebibytes_per_second, GError **error)
{
  g_autoptr(virDomain) dom = ref_control_domain (VIRT_MIGRATE_LIBVIRT_BACKEND (backend));

  if (dom == NULL)
    return not_running (error);
  return virDomainMigrateSetMaxSpeed (dom, mebibytes_per_second, 0) == 0 ||
         libvirt_failed ("Cannot set the bandwidth", error);
}

static gboolean
backend_start_postcopy (VirtMigrateBackend *backend, GError **error)
{
  g_autoptr(virDomain) dom = ref_control_domain (VIRT_MIGRATE_LIBVIRT_BACKEND (backend));

  if (dom == NULL)
    return not_running (error);
  return virDomainMigrateStartPostCopy (dom, 0) == 0 ||
         libvirt_failed ("Cannot switch to post-copy", error);
}

static gboolean
backend_suspend (VirtMigrateBackend *backend, GError **error)
{
  g_autoptr(virDomain) dom = ref_control_domain (VIRT_MIGRATE_LIBVIRT_BACKEND (backend));

  if (dom == NULL)
    return not_running (error);
  return virDomainSuspend (dom) == 0 || libvirt_failed ("Cannot pause the guest", error);
}

static gboolean
backend_abort (VirtMigrateBackend *backend, gboolean *retry, GError **error)
{
  g_autoptr(virDomain) dom = ref_control_domain (VIRT_MIGRATE_LIBVIRT_BACKEND (backend));
  virErrorPtr verr;

  if (dom == NULL)
    return not_running (error);
  if (virDomainAbortJob (dom) == 0)
    return TRUE;
  verr = virGetLastError ();
  /* "no job is active": libvirt has not begun its job yet. */
  *retry = verr != NULL && verr->code == VIR_ERR_OPERATION_INVALID;
  return libvirt_failed ("Cannot abort", error);
}

static void
backend_finish (VirtMigrateBackend       *backend,
                gboolean                  success,
                gboolean                  resume_destination,
                VirtMigrateBackendResult *result)
{
  VirtMigrateLibvirtBackend *self = VIRT_MIGRATE_LIBVIRT_BACKEND (backend);
  gboolean offline = virt_migrate_request_get_offline (self->request);
  g_autoptr(virDomain) dom = ref_domain (self);
  int state = 0, reason = 0;
  int got = dom != NULL && !success ? virDomainGetState (dom, &state, &reason, 0) : -1;
  gboolean postcopy = got == 0 && state == VIR_DOMAIN_PAUSED &&
                      (reason == VIR_DOMAIN_PAUSED_POSTCOPY || reason == VIR_DOMAIN_PAUSED_POSTCOPY_FAILED);

  /* Images made for a migration that failed or was cancelled go again
   * (not those the guest runs from in post-copy). */
  if (self->dest_storage != NULL)
    virt_migrate_dest_storage_finish (self->dest_storage, success, postcopy);

  if (dom != NULL && success && !offline && !self->adopted)
    {
      VirtMigrateSample dest_stats;
      gboolean have_dest;
      gint64 deadline = g_get_monotonic_time () + FINAL_STATS_TIMEOUT_US;

      /* Final statistics: the source's JOB_COMPLETED event (which counts
       * mirrored disks) merged with the destination's completed job where
       * we have it (managed direct), which has the downtime QEMU measured. */
      have_dest = self->ddom != NULL &&
                  virt_migrate_libvirt_fetch_stats (self->ddom, VIR_DOMAIN_JOB_STATS_COMPLETED, &dest_stats) &&
                  dest_stats.have_total;
      g_mutex_lock (&self->lock);
      while (!self->have_event_stats)
        if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
          break;
      if (self->have_event_stats)
        {
          result->final = self->event_stats;
          result->have_final = TRUE;
        }
      g_mutex_unlock (&self->lock);

      if (have_dest && !result->have_final)
        {
          result->final = dest_stats;
          result->have_final = TRUE;
        }
      else if (have_dest)
        {
          VirtMigrateSample *f = &result->final;

          f->total = MAX (f->total, dest_stats.total);
          f->transferred = MAX (f->transferred, dest_stats.transferred);
          f->memory_total = MAX (f->memory_total, dest_stats.memory_total);
          if (dest_stats.have_downtime)
            {
              f->downtime = dest_stats.downtime;
              f->have_downtime = TRUE;
            }
        }
    }
  else if (success && !offline && self->adopted)
    {
      /* Followed after a restart: libvirt kept the finished job's
       * statistics, with the downtime QEMU measured, on the destination
       * (either flow runs its finish there), and on a source that still
       * has the guest's definition. */
      g_autoptr(virDomain) ddom = lookup_on_destination (self, NULL);
      VirtMigrateSample stats;

      if ((ddom != NULL && virt_migrate_libvirt_fetch_stats (ddom, VIR_DOMAIN_JOB_STATS_COMPLETED, &stats) && stats.have_total) ||
          (dom != NULL && virt_migrate_libvirt_fetch_stats (dom, VIR_DOMAIN_JOB_STATS_COMPLETED, &stats) && stats.have_total))
        {
          result->final = stats;
          result->have_final = TRUE;
        }
    }
  else if (dom != NULL && !success)
    {
      gboolean resume = virt_migrate_request_get_postcopy_resume (self->request);

      /* The stream broke in post-copy: the source keeps the guest paused
       * and libvirt can resume the migration (VIR_MIGRATE_POSTCOPY_RESUME).
       * A resume libvirt called failed may have set it going (paused in
       * post-copy) or finished (gone): the next try follows or finds it. */
      if ((got == 0 && state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_POSTCOPY_FAILED) ||
          (resume && got == 0 && state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_POSTCOPY) ||
          (resume && got < 0))
        result->postcopy_failed = TRUE;
      else if (!self->adopted)
        resume_source_if_paused (self, dom);
    }
  if (success && resume_destination)
    resume_on_destination (self);
  if (success && self->expected_outcome != NULL && self->check_conn != NULL && self->have_uuid)
    {
      result->expected_outcome = g_object_ref (self->expected_outcome);
      result->outcome = observe_outcome (self);
    }

  if (self->completed_cb >= 0)
    virConnectDomainEventDeregisterAny (self->conn, self->completed_cb);
  if (self->iteration_cb >= 0)
    virConnectDomainEventDeregisterAny (self->conn, self->iteration_cb);
  self->completed_cb = self->iteration_cb = -1;
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->dom, virDomainFree);
  g_clear_pointer (&self->control_dom, virDomainFree);
  g_mutex_unlock (&self->lock);
}

static VirtMigrateBackend *
backend_resume (VirtMigrateBackend *backend, VirtMigrateRequest *request)
{
  VirtMigrateLibvirtBackend *self = VIRT_MIGRATE_LIBVIRT_BACKEND (backend);

  return virt_migrate_libvirt_backend_new (request, self->pool, FALSE);
}

static void
virt_migrate_libvirt_backend_iface_init (VirtMigrateBackendInterface *iface)
{
  iface->prepare = backend_prepare;
  iface->migrate = backend_migrate;
  iface->get_stats = backend_get_stats;
  iface->set_max_downtime = backend_set_max_downtime;
  iface->set_max_speed = backend_set_max_speed;
  iface->start_postcopy = backend_start_postcopy;
  iface->suspend = backend_suspend;
  iface->abort = backend_abort;
  iface->finish = backend_finish;
  iface->get_verdict = backend_get_verdict;
  iface->resume = backend_resume;
}

static void
virt_migrate_libvirt_backend_finalize (GObject *object)
{
  VirtMigrateLibvirtBackend *self = VIRT_MIGRATE_LIBVIRT_BACKEND (object);

  g_clear_object (&self->request);
  g_clear_object (&self->pool);
  g_clear_pointer (&self->conn, virConnectClose);
  g_clear_pointer (&self->dconn, virConnectClose);
  g_clear_pointer (&self->check_conn, virConnectClose);
  g_clear_pointer (&self->ddom, virDomainFree);
  g_clear_pointer (&self->dom, virDomainFree);
  g_clear_pointer (&self->control_dom, virDomainFree);
  g_clear_pointer (&self->control_conn, virConnectClose);
  virTypedParamsFree (self->params, self->nparams);
  g_clear_pointer (&self->dest_storage, virt_migrate_dest_storage_free);
  g_clear_pointer (&self->verdict, g_variant_unref);
  g_clear_pointer (&self->dest_config_before, g_free);
  g_clear_object (&self->expected_outcome);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (virt_migrate_libvirt_backend_parent_class)->finalize (object);
}

static void
virt_migrate_libvirt_backend_class_init (VirtMigrateLibvirtBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virt_migrate_libvirt_backend_finalize;
}

static void
virt_migrate_libvirt_backend_init (VirtMigrateLibvirtBackend *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->completed_cb = self->iteration_cb = -1;
}

/* A backend for one migration of @request (a private copy is kept). */
VirtMigrateBackend *
virt_migrate_libvirt_backend_new (VirtMigrateRequest        *request,
                                  VirtMigrateConnectionPool *pool,
                                  gboolean                   adopted)
{
  VirtMigrateLibvirtBackend *self = g_object_new (VIRT_MIGRATE_TYPE_LIBVIRT_BACKEND, NULL);

  /* The job's frozen request, shared: its call made once. */
  self->request = virt_migrate_request_frozen (request);
  self->pool = g_object_ref (pool);
  self->adopted = adopted;
  return VIRT_MIGRATE_BACKEND (self);
}
