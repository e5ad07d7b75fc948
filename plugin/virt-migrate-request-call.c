/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libvirt call, flags and typed parameters a request maps to. */
#include "config.h"

#include <string.h>

#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-error.h"
#include "virt-migrate-connection-pool.h"
#include "virt-migrate-request-internal.h"

/* --- mapping to libvirt ----------------------------------------------- */

const char *
virt_migrate_api_to_string (VirtMigrateApi api)
{
  return api == VIRT_MIGRATE_API_MIGRATE3 ? "virDomainMigrate3" : "virDomainMigrateToURI3";
}

void
virt_migrate_call_clear (VirtMigrateCall *call)
{
  virTypedParamsFree (call->params, call->nparams);
  call->params = NULL;
  call->nparams = 0;
  g_clear_pointer (&call->dconnuri, g_free);
}

static int
add_string (VirtMigrateCall *call, int *maxparams, const char *name, const char *value)
{
  if (value == NULL)
    return 0;
  return virTypedParamsAddString (&call->params, &call->nparams, maxparams, name, value);
}

static int
add_strv (VirtMigrateCall *call, int *maxparams, const char *name, const char *const *strv)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    if (virTypedParamsAddString (&call->params, &call->nparams, maxparams, name, strv[i]) < 0)
      return -1;
  return 0;
}

/*
 * virt_migrate_request_build_call:
 *
 * Maps the request onto the libvirt call, flags and typed parameters, exactly
 * as the migration guide describes each flow.
 */
gboolean
virt_migrate_request_build_call (VirtMigrateRequest *self,
                                 VirtMigrateCall    *call,
                                 GError            **error)
{
  static const struct {
    guint prop;
    unsigned int flag;
  } bool_flags[] = {
    { PROP_LIVE, VIR_MIGRATE_LIVE },
    { PROP_OFFLINE, VIR_MIGRATE_OFFLINE },
    { PROP_PERSIST_DEST, VIR_MIGRATE_PERSIST_DEST },
    { PROP_UNDEFINE_SOURCE, VIR_MIGRATE_UNDEFINE_SOURCE },
    { PROP_TLS, VIR_MIGRATE_TLS },
    { PROP_COMPRESSED, VIR_MIGRATE_COMPRESSED },
    { PROP_AUTO_CONVERGE, VIR_MIGRATE_AUTO_CONVERGE },
    { PROP_POSTCOPY, VIR_MIGRATE_POSTCOPY },
    { PROP_POSTCOPY_RESUME, VIR_MIGRATE_POSTCOPY_RESUME },
    { PROP_ZEROCOPY, VIR_MIGRATE_ZEROCOPY },
    { PROP_PARALLEL, VIR_MIGRATE_PARALLEL },
    { PROP_CHANGE_PROTECTION, VIR_MIGRATE_CHANGE_PROTECTION },
    { PROP_RDMA_PIN_ALL, VIR_MIGRATE_RDMA_PIN_ALL },
    { PROP_COPY_STORAGE_SYNCHRONOUS_WRITES, VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES },
    { PROP_SUSPEND, VIR_MIGRATE_PAUSED },
    { PROP_ABORT_ON_ERROR, VIR_MIGRATE_ABORT_ON_ERROR },
    { PROP_UNSAFE, VIR_MIGRATE_UNSAFE },
  };
  VirtMigrateFlow flow = virt_migrate_request_get_flow (self);
  int maxparams = 0;
  int parallel = g_value_get_int (&self->values[PROP_PARALLEL_CONNECTIONS]);
  int disks_port = g_value_get_int (&self->values[PROP_DISKS_PORT]);
  guint64 bandwidth = virt_migrate_request_get_bandwidth (self);
  int rc = 0;

  /* libvirt's typed-parameter helpers need libvirt initialised. */
  virt_migrate_libvirt_init ();
  memset (call, 0, sizeof (*call));

  for (guint i = 0; i < G_N_ELEMENTS (bool_flags); i++)
    if (request_get_bool (self, bool_flags[i].prop))
      call->flags |= bool_flags[i].flag;

  switch (virt_migrate_request_get_storage (self))
    {
    case VIRT_MIGRATE_STORAGE_COPY_ALL:
      call->flags |= VIR_MIGRATE_NON_SHARED_DISK;
      break;
    case VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL:
      call->flags |= VIR_MIGRATE_NON_SHARED_INC;
      break;
    case VIRT_MIGRATE_STORAGE_SHARED:
    default:
      break;
    }
  if (virt_migrate_request_get_transport (self) == VIRT_MIGRATE_TRANSPORT_TUNNELLED)
    call->flags |= VIR_MIGRATE_TUNNELLED;
  if (parallel > 0)
    call->flags |= VIR_MIGRATE_PARALLEL;

  switch (flow)
    {
    case VIRT_MIGRATE_FLOW_MANAGED_DIRECT:
      call->api = VIRT_MIGRATE_API_MIGRATE3;
      break;
    case VIRT_MIGRATE_FLOW_PEER_TO_PEER:
      call->api = VIRT_MIGRATE_API_MIGRATE_TO_URI3;
      call->flags |= VIR_MIGRATE_PEER2PEER;
      call->dconnuri = g_strdup (request_get_string (self, PROP_DEST_URI));
      break;
    case VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT:
    default:
      call->api = VIRT_MIGRATE_API_MIGRATE_TO_URI3;
      break;
    }

  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_URI, request_get_string (self, PROP_HYPERVISOR_URI));
  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_DEST_NAME, request_get_string (self, PROP_DEST_NAME));
  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_DEST_XML, request_get_string (self, PROP_DEST_XML));
  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_PERSIST_XML,
                    request_get_string (self, PROP_PERSISTENT_XML));
  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_LISTEN_ADDRESS,
                    request_get_string (self, PROP_LISTEN_ADDRESS));
  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_DISKS_URI, request_get_string (self, PROP_DISKS_URI));
  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_TLS_DESTINATION,
                    request_get_string (self, PROP_TLS_DESTINATION));
  rc |= add_strv (call, &maxparams, VIR_MIGRATE_PARAM_MIGRATE_DISKS,
                  request_get_strv (self, PROP_MIGRATE_DISKS));
  rc |= add_strv (call, &maxparams, VIR_MIGRATE_PARAM_COMPRESSION,
                  request_get_strv (self, PROP_COMPRESSION_METHODS));
  if (bandwidth > 0)
    rc |= virTypedParamsAddULLong (&call->params, &call->nparams, &maxparams,
                                   VIR_MIGRATE_PARAM_BANDWIDTH, bandwidth);
  if (g_value_get_uint64 (&self->values[PROP_POSTCOPY_BANDWIDTH]) > 0)
    rc |= virTypedParamsAddULLong (&call->params, &call->nparams, &maxparams,
                                   VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY,
                                   g_value_get_uint64 (&self->values[PROP_POSTCOPY_BANDWIDTH]));
  rc |= add_string (call, &maxparams, VIR_MIGRATE_PARAM_GRAPHICS_URI, request_get_string (self, PROP_GRAPHICS_URI));
  if (g_value_get_int (&self->values[PROP_COMP_MT_LEVEL]) >= 0)
    rc |= virTypedParamsAddInt (&call->params, &call->nparams, &maxparams, VIR_MIGRATE_PARAM_COMPRESSION_MT_LEVEL,
                                g_value_get_int (&self->values[PROP_COMP_MT_LEVEL]));
  {
    static const struct { guint prop; const char *name; } ints[] = {
      { PROP_COMP_MT_THREADS, VIR_MIGRATE_PARAM_COMPRESSION_MT_THREADS },
      { PROP_COMP_MT_DTHREADS, VIR_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS },
      { PROP_AUTO_CONVERGE_INITIAL, VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL },
      { PROP_AUTO_CONVERGE_INCREMENT, VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT },
    };

    for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
      if (g_value_get_uint (&self->values[ints[i].prop]) > 0)
        rc |= virTypedParamsAddInt (&call->params, &call->nparams, &maxparams, ints[i].name,
                                    (int) g_value_get_uint (&self->values[ints[i].prop]));
  }
  if (g_value_get_uint64 (&self->values[PROP_COMP_XBZRLE_CACHE]) > 0)
    rc |= virTypedParamsAddULLong (&call->params, &call->nparams, &maxparams,
                                   VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE,
                                   g_value_get_uint64 (&self->values[PROP_COMP_XBZRLE_CACHE]));
  if (disks_port > 0)
    rc |= virTypedParamsAddInt (&call->params, &call->nparams, &maxparams,
                                VIR_MIGRATE_PARAM_DISKS_PORT, disks_port);
  if (parallel > 0)
    rc |= virTypedParamsAddInt (&call->params, &call->nparams, &maxparams,
                                VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, parallel);

  if (rc != 0)
    {
      virt_migrate_call_clear (call);
      g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED,
                           "Could not build libvirt's migration parameters");
      return FALSE;
    }
  return TRUE;
}

