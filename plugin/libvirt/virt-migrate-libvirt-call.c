/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A migration call (virt-migrate-request-call.c, described without
 * libvirt) made into libvirt's flags and typed parameters. */
#include "config.h"

#include "virt-migrate-libvirt-private.h"

/* The description's flag values and names are libvirt's own. */
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_LIVE == (guint) VIR_MIGRATE_LIVE);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_PEER2PEER == (guint) VIR_MIGRATE_PEER2PEER);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_TUNNELLED == (guint) VIR_MIGRATE_TUNNELLED);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_PERSIST_DEST == (guint) VIR_MIGRATE_PERSIST_DEST);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_UNDEFINE_SOURCE == (guint) VIR_MIGRATE_UNDEFINE_SOURCE);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_PAUSED == (guint) VIR_MIGRATE_PAUSED);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_NON_SHARED_DISK == (guint) VIR_MIGRATE_NON_SHARED_DISK);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_NON_SHARED_INC == (guint) VIR_MIGRATE_NON_SHARED_INC);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_CHANGE_PROTECTION == (guint) VIR_MIGRATE_CHANGE_PROTECTION);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_UNSAFE == (guint) VIR_MIGRATE_UNSAFE);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_OFFLINE == (guint) VIR_MIGRATE_OFFLINE);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_COMPRESSED == (guint) VIR_MIGRATE_COMPRESSED);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_ABORT_ON_ERROR == (guint) VIR_MIGRATE_ABORT_ON_ERROR);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_AUTO_CONVERGE == (guint) VIR_MIGRATE_AUTO_CONVERGE);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_RDMA_PIN_ALL == (guint) VIR_MIGRATE_RDMA_PIN_ALL);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_POSTCOPY == (guint) VIR_MIGRATE_POSTCOPY);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_TLS == (guint) VIR_MIGRATE_TLS);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_PARALLEL == (guint) VIR_MIGRATE_PARALLEL);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_NON_SHARED_SYNCHRONOUS_WRITES == (guint) VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_POSTCOPY_RESUME == (guint) VIR_MIGRATE_POSTCOPY_RESUME);
G_STATIC_ASSERT ((guint) VIRT_MIGRATE_CALL_ZEROCOPY == (guint) VIR_MIGRATE_ZEROCOPY);

/* Each parameter name the description uses, and libvirt's. */
static const char *const names[][2] = {
  { VIRT_MIGRATE_PARAM_URI, VIR_MIGRATE_PARAM_URI },
  { VIRT_MIGRATE_PARAM_DEST_NAME, VIR_MIGRATE_PARAM_DEST_NAME },
  { VIRT_MIGRATE_PARAM_DEST_XML, VIR_MIGRATE_PARAM_DEST_XML },
  { VIRT_MIGRATE_PARAM_PERSIST_XML, VIR_MIGRATE_PARAM_PERSIST_XML },
  { VIRT_MIGRATE_PARAM_BANDWIDTH, VIR_MIGRATE_PARAM_BANDWIDTH },
  { VIRT_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY },
  { VIRT_MIGRATE_PARAM_GRAPHICS_URI, VIR_MIGRATE_PARAM_GRAPHICS_URI },
  { VIRT_MIGRATE_PARAM_LISTEN_ADDRESS, VIR_MIGRATE_PARAM_LISTEN_ADDRESS },
  { VIRT_MIGRATE_PARAM_MIGRATE_DISKS, VIR_MIGRATE_PARAM_MIGRATE_DISKS },
  { VIRT_MIGRATE_PARAM_DISKS_PORT, VIR_MIGRATE_PARAM_DISKS_PORT },
  { VIRT_MIGRATE_PARAM_DISKS_URI, VIR_MIGRATE_PARAM_DISKS_URI },
  { VIRT_MIGRATE_PARAM_COMPRESSION, VIR_MIGRATE_PARAM_COMPRESSION },
  { VIRT_MIGRATE_PARAM_COMPRESSION_MT_LEVEL, VIR_MIGRATE_PARAM_COMPRESSION_MT_LEVEL },
  { VIRT_MIGRATE_PARAM_COMPRESSION_MT_THREADS, VIR_MIGRATE_PARAM_COMPRESSION_MT_THREADS },
  { VIRT_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS, VIR_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS },
  { VIRT_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE, VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE },
  { VIRT_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL, VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL },
  { VIRT_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT, VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT },
  { VIRT_MIGRATE_PARAM_PARALLEL_CONNECTIONS, VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS },
  { VIRT_MIGRATE_PARAM_TLS_DESTINATION, VIR_MIGRATE_PARAM_TLS_DESTINATION },
};

static const char *
libvirt_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (names[i][0], name))
      return names[i][1];
  return NULL;
}

gboolean
virt_migrate_libvirt_call_params (const VirtMigrateCall *call,
                                  const char            *dest_xml,
                                  const char            *persistent_xml,
                                  virTypedParameterPtr  *params,
                                  int                   *nparams,
                                  GError               **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;
  int maxparams = 0, rc = 0;

  /* libvirt's typed-parameter helpers need libvirt initialised. */
  virt_migrate_libvirt_init ();
  *params = NULL;
  *nparams = 0;
  g_variant_iter_init (&iter, call->params);
  while (rc == 0 && g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      const char *name = libvirt_name (key);

      if (name == NULL)
        rc = -1;
      else if ((dest_xml != NULL && g_str_equal (key, VIRT_MIGRATE_PARAM_DEST_XML)) ||
               (persistent_xml != NULL && g_str_equal (key, VIRT_MIGRATE_PARAM_PERSIST_XML)))
        ; /* given instead */
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        rc = virTypedParamsAddString (params, nparams, &maxparams, name, g_variant_get_string (value, NULL));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
        {
          g_autofree const char **strv = g_variant_get_strv (value, NULL);

          for (guint i = 0; rc == 0 && strv[i] != NULL; i++)
            rc = virTypedParamsAddString (params, nparams, &maxparams, name, strv[i]);
        }
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
        rc = virTypedParamsAddULLong (params, nparams, &maxparams, name, g_variant_get_uint64 (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
        rc = virTypedParamsAddInt (params, nparams, &maxparams, name, g_variant_get_int32 (value));
      else
        rc = -1;
      g_variant_unref (value);
    }
  if (rc == 0 && dest_xml != NULL)
    rc = virTypedParamsAddString (params, nparams, &maxparams, VIR_MIGRATE_PARAM_DEST_XML, dest_xml);
  if (rc == 0 && persistent_xml != NULL)
    rc = virTypedParamsAddString (params, nparams, &maxparams, VIR_MIGRATE_PARAM_PERSIST_XML, persistent_xml);
  if (rc != 0)
    {
      virTypedParamsFree (*params, *nparams);
      *params = NULL;
      *nparams = 0;
      g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED,
                           "Could not build libvirt's migration parameters");
      return FALSE;
    }
  return TRUE;
}
