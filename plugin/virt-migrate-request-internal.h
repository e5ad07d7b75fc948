/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Inside VirtMigrateRequest: shared by its four files, nothing else.
 *   virt-migrate-request.c           the GObject: properties, accessors
 *   virt-migrate-request-codec.c     to and from an a{sv}
 *   virt-migrate-request-validate.c  the guide's and libvirt's rules
 *   virt-migrate-request-call.c      the libvirt call a request maps to */

#include "virt-migrate-request-private.h"

G_BEGIN_DECLS

struct _VirtMigrateRequest
{
  GObject  parent_instance;
  GValue  *values;    /* indexed by property id */
  gboolean validated; /* these values passed virt_migrate_request_validate() */
  gboolean frozen;    /* a job's own copy: no more changes */
  struct _VirtMigrateCallCache *call; /* a frozen request's libvirt call, made once */
};

enum {
  PROP_0,
  PROP_DOMAIN,
  PROP_SOURCE_URI,
  PROP_DEST_URI,
  PROP_HYPERVISOR_URI,
  PROP_FLOW,
  PROP_TRANSPORT,
  PROP_LIVE,
  PROP_OFFLINE,
  PROP_PERSIST_DEST,
  PROP_UNDEFINE_SOURCE,
  PROP_STORAGE,
  PROP_MIGRATE_DISKS,
  PROP_DISKS_URI,
  PROP_DISKS_PORT,
  PROP_DEST_XML,
  PROP_PERSISTENT_XML,
  PROP_DEST_NAME,
  PROP_LISTEN_ADDRESS,
  PROP_BANDWIDTH,
  PROP_MAX_DOWNTIME,
  PROP_TLS,
  PROP_TLS_DESTINATION,
  PROP_COMPRESSED,
  PROP_COMPRESSION_METHODS,
  PROP_PARALLEL_CONNECTIONS,
  PROP_AUTO_CONVERGE,
  PROP_POSTCOPY,
  PROP_POSTCOPY_AFTER_PRECOPY,
  PROP_SUSPEND,
  PROP_ABORT_ON_ERROR,
  PROP_UNSAFE,
  PROP_CONVERGENCE_POLICY,
  PROP_COMPLETION_ACTION,
  PROP_COMPLETION_TIMEOUT,
  PROP_POLICY_STALL_WINDOW,
  PROP_POLICY_STALL_ITERATIONS,
  PROP_POLICY_DOWNTIME_MAX,
  PROP_POLICY_BANDWIDTH_SCHEDULE,
  PROP_FORCE,
  PROP_DISK_MAP,
  PROP_NETWORK_MAP,
  PROP_POSTCOPY_RESUME,
  PROP_POSTCOPY_BANDWIDTH,
  PROP_POSTCOPY_RECOVERY_TIMEOUT,
  PROP_ZEROCOPY,
  PROP_PARALLEL,
  PROP_CHANGE_PROTECTION,
  PROP_RDMA_PIN_ALL,
  PROP_COPY_STORAGE_SYNCHRONOUS_WRITES,
  PROP_GRAPHICS_URI,
  PROP_COMP_MT_LEVEL,
  PROP_COMP_MT_THREADS,
  PROP_COMP_MT_DTHREADS,
  PROP_COMP_XBZRLE_CACHE,
  PROP_AUTO_CONVERGE_INITIAL,
  PROP_AUTO_CONVERGE_INCREMENT,
  N_PROPS
};


extern GParamSpec *virt_migrate_request_props[N_PROPS];

/* The allowed range of each integer key. The GParamSpecs take their
 * type's whole range, so that an out-of-range value set through
 * g_object_set() or a GI binding is kept and refused by
 * virt_migrate_request_validate() with an error naming the key, instead
 * of a GLib warning and a silent default. */
typedef struct {
  gboolean set;
  gint64   min;
  guint64  max;
} VirtMigrateRequestLimit;

extern VirtMigrateRequestLimit virt_migrate_request_limits[N_PROPS];

/* QEMU's limit for the migration speed: bytes per second must fit an int64. */
#define BANDWIDTH_MAX ((guint64) (G_MAXINT64 / (1024 * 1024)))
/* Upper bounds for strings, what libvirt itself accepts: an XML document
 * as large as libvirt's RPC carries a string (VIR_NET_MESSAGE_STRING_MAX,
 * 4 MiB), a guest's name as long as a file name (libvirt's QEMU driver
 * keeps each guest in NAME.xml), a URI or any other string 4 KiB, and at
 * most 256 elements in a list. */
#define MAX_XML_LENGTH (4 * 1024 * 1024)
#define MAX_NAME_LENGTH 255
#define MAX_STRING_LENGTH 4096
#define MAX_LIST_LENGTH 256

static inline gsize
request_string_limit (const char *key)
{
  if (g_str_has_suffix (key, "-xml"))
    return MAX_XML_LENGTH;
  if (g_str_equal (key, "domain") || g_str_equal (key, "dest-name"))
    return MAX_NAME_LENGTH;
  return MAX_STRING_LENGTH;
}

/* libvirt 9.0 knows these two (qemuMigrationCompressMethod). */
extern const char *const virt_migrate_request_compression_methods[];


/* Typed reads of the values, by property id. */
static inline const char *
request_get_string (VirtMigrateRequest *self, guint prop)
{
  const char *s = g_value_get_string (&self->values[prop]);
  return s != NULL && *s != '\0' ? s : NULL;
}

static inline const char *const *
request_get_strv (VirtMigrateRequest *self, guint prop)
{
  const char *const *strv = g_value_get_boxed (&self->values[prop]);
  return strv != NULL && strv[0] != NULL ? strv : NULL;
}

static inline gboolean
request_get_bool (VirtMigrateRequest *self, guint prop)
{
  return g_value_get_boolean (&self->values[prop]);
}

G_END_DECLS
