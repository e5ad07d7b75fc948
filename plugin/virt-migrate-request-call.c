/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libvirt call, flags and typed parameters a request maps to. */
#include "config.h"

#include <string.h>

#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-error.h"
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
  g_clear_pointer (&call->params, g_variant_unref);
  g_clear_pointer (&call->dconnuri, g_free);
}

static void
add_string (GVariantDict *params, const char *name, const char *value)
{
  if (value != NULL)
    g_variant_dict_insert (params, name, "s", value);
}

static void
add_strv (GVariantDict *params, const char *name, const char *const *strv)
{
  if (strv != NULL && strv[0] != NULL)
    g_variant_dict_insert_value (params, name, g_variant_new_strv (strv, -1));
}

const VirtMigrateCall *
virt_migrate_request_get_call (VirtMigrateRequest *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_REQUEST (self), NULL);
  g_return_val_if_fail (self->frozen, NULL);
  return self->call;
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
    { PROP_LIVE, VIRT_MIGRATE_CALL_LIVE },
    { PROP_OFFLINE, VIRT_MIGRATE_CALL_OFFLINE },
    { PROP_PERSIST_DEST, VIRT_MIGRATE_CALL_PERSIST_DEST },
    { PROP_UNDEFINE_SOURCE, VIRT_MIGRATE_CALL_UNDEFINE_SOURCE },
    { PROP_TLS, VIRT_MIGRATE_CALL_TLS },
    { PROP_COMPRESSED, VIRT_MIGRATE_CALL_COMPRESSED },
    { PROP_AUTO_CONVERGE, VIRT_MIGRATE_CALL_AUTO_CONVERGE },
    { PROP_POSTCOPY, VIRT_MIGRATE_CALL_POSTCOPY },
    { PROP_POSTCOPY_RESUME, VIRT_MIGRATE_CALL_POSTCOPY_RESUME },
    { PROP_ZEROCOPY, VIRT_MIGRATE_CALL_ZEROCOPY },
    { PROP_PARALLEL, VIRT_MIGRATE_CALL_PARALLEL },
    { PROP_CHANGE_PROTECTION, VIRT_MIGRATE_CALL_CHANGE_PROTECTION },
    { PROP_RDMA_PIN_ALL, VIRT_MIGRATE_CALL_RDMA_PIN_ALL },
    { PROP_COPY_STORAGE_SYNCHRONOUS_WRITES, VIRT_MIGRATE_CALL_NON_SHARED_SYNCHRONOUS_WRITES },
    { PROP_SUSPEND, VIRT_MIGRATE_CALL_PAUSED },
    { PROP_ABORT_ON_ERROR, VIRT_MIGRATE_CALL_ABORT_ON_ERROR },
    { PROP_UNSAFE, VIRT_MIGRATE_CALL_UNSAFE },
  };
  VirtMigrateFlow flow = virt_migrate_request_get_flow (self);
  GVariantDict params;
  int parallel = g_value_get_int (&self->values[PROP_PARALLEL_CONNECTIONS]);
  int disks_port = g_value_get_int (&self->values[PROP_DISKS_PORT]);
  guint64 bandwidth = virt_migrate_request_get_bandwidth (self);

  memset (call, 0, sizeof (*call));
  g_variant_dict_init (&params, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bool_flags); i++)
    if (request_get_bool (self, bool_flags[i].prop))
      call->flags |= bool_flags[i].flag;

  switch (virt_migrate_request_get_storage (self))
    {
    case VIRT_MIGRATE_STORAGE_COPY_ALL:
      call->flags |= VIRT_MIGRATE_CALL_NON_SHARED_DISK;
      break;
    case VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL:
      call->flags |= VIRT_MIGRATE_CALL_NON_SHARED_INC;
      break;
    case VIRT_MIGRATE_STORAGE_SHARED:
    default:
      break;
    }
  if (virt_migrate_request_get_transport (self) == VIRT_MIGRATE_TRANSPORT_TUNNELLED)
    call->flags |= VIRT_MIGRATE_CALL_TUNNELLED;
  if (parallel > 0)
    call->flags |= VIRT_MIGRATE_CALL_PARALLEL;

  switch (flow)
    {
    case VIRT_MIGRATE_FLOW_MANAGED_DIRECT:
      call->api = VIRT_MIGRATE_API_MIGRATE3;
      break;
    case VIRT_MIGRATE_FLOW_PEER_TO_PEER:
      call->api = VIRT_MIGRATE_API_MIGRATE_TO_URI3;
      call->flags |= VIRT_MIGRATE_CALL_PEER2PEER;
      call->dconnuri = g_strdup (request_get_string (self, PROP_DEST_URI));
      break;
    case VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT:
    default:
      call->api = VIRT_MIGRATE_API_MIGRATE_TO_URI3;
      break;
    }

  add_string (&params, VIRT_MIGRATE_PARAM_URI, request_get_string (self, PROP_HYPERVISOR_URI));
  add_string (&params, VIRT_MIGRATE_PARAM_DEST_NAME, request_get_string (self, PROP_DEST_NAME));
  add_string (&params, VIRT_MIGRATE_PARAM_DEST_XML, request_get_string (self, PROP_DEST_XML));
  add_string (&params, VIRT_MIGRATE_PARAM_PERSIST_XML,
                    request_get_string (self, PROP_PERSISTENT_XML));
  add_string (&params, VIRT_MIGRATE_PARAM_LISTEN_ADDRESS,
                    request_get_string (self, PROP_LISTEN_ADDRESS));
  add_string (&params, VIRT_MIGRATE_PARAM_DISKS_URI, request_get_string (self, PROP_DISKS_URI));
  add_string (&params, VIRT_MIGRATE_PARAM_TLS_DESTINATION,
                    request_get_string (self, PROP_TLS_DESTINATION));
  add_strv (&params, VIRT_MIGRATE_PARAM_MIGRATE_DISKS,
                  request_get_strv (self, PROP_MIGRATE_DISKS));
  add_strv (&params, VIRT_MIGRATE_PARAM_COMPRESSION,
                  request_get_strv (self, PROP_COMPRESSION_METHODS));
  if (bandwidth > 0)
    g_variant_dict_insert (&params, VIRT_MIGRATE_PARAM_BANDWIDTH, "t", bandwidth);
  if (g_value_get_uint64 (&self->values[PROP_POSTCOPY_BANDWIDTH]) > 0)
    g_variant_dict_insert (&params, VIRT_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, "t",
                           g_value_get_uint64 (&self->values[PROP_POSTCOPY_BANDWIDTH]));
  add_string (&params, VIRT_MIGRATE_PARAM_GRAPHICS_URI, request_get_string (self, PROP_GRAPHICS_URI));
  if (g_value_get_int (&self->values[PROP_COMP_MT_LEVEL]) >= 0)
    g_variant_dict_insert (&params, VIRT_MIGRATE_PARAM_COMPRESSION_MT_LEVEL, "i",
                           g_value_get_int (&self->values[PROP_COMP_MT_LEVEL]));
  {
    static const struct { guint prop; const char *name; } ints[] = {
      { PROP_COMP_MT_THREADS, VIRT_MIGRATE_PARAM_COMPRESSION_MT_THREADS },
      { PROP_COMP_MT_DTHREADS, VIRT_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS },
      { PROP_AUTO_CONVERGE_INITIAL, VIRT_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL },
      { PROP_AUTO_CONVERGE_INCREMENT, VIRT_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT },
    };

    for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
      if (g_value_get_uint (&self->values[ints[i].prop]) > 0)
        g_variant_dict_insert (&params, ints[i].name, "i", (gint32) g_value_get_uint (&self->values[ints[i].prop]));
  }
  if (g_value_get_uint64 (&self->values[PROP_COMP_XBZRLE_CACHE]) > 0)
    g_variant_dict_insert (&params, VIRT_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE, "t",
                           g_value_get_uint64 (&self->values[PROP_COMP_XBZRLE_CACHE]));
  if (disks_port > 0)
    g_variant_dict_insert (&params, VIRT_MIGRATE_PARAM_DISKS_PORT, "i", disks_port);
  if (parallel > 0)
    g_variant_dict_insert (&params, VIRT_MIGRATE_PARAM_PARALLEL_CONNECTIONS, "i", parallel);
  call->params = g_variant_ref_sink (g_variant_dict_end (&params));
  return TRUE;
}

