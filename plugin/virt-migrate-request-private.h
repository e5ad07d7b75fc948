/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-request.h"

G_BEGIN_DECLS

/* The libvirt call a request maps to. */
typedef enum {
  VIRT_MIGRATE_API_MIGRATE3,        /* virDomainMigrate3 (managed direct) */
  VIRT_MIGRATE_API_MIGRATE_TO_URI3, /* virDomainMigrateToURI3 (p2p, unmanaged) */
} VirtMigrateApi;

/* libvirt's virDomainMigrateFlags and VIR_MIGRATE_PARAM_* names, as its
 * header has them (plugin/libvirt/ checks each against it when built): the
 * call is described here without libvirt, and made there. */
enum {
  VIRT_MIGRATE_CALL_LIVE              = 1u << 0,
  VIRT_MIGRATE_CALL_PEER2PEER         = 1u << 1,
  VIRT_MIGRATE_CALL_TUNNELLED         = 1u << 2,
  VIRT_MIGRATE_CALL_PERSIST_DEST      = 1u << 3,
  VIRT_MIGRATE_CALL_UNDEFINE_SOURCE   = 1u << 4,
  VIRT_MIGRATE_CALL_PAUSED            = 1u << 5,
  VIRT_MIGRATE_CALL_NON_SHARED_DISK   = 1u << 6,
  VIRT_MIGRATE_CALL_NON_SHARED_INC    = 1u << 7,
  VIRT_MIGRATE_CALL_CHANGE_PROTECTION = 1u << 8,
  VIRT_MIGRATE_CALL_UNSAFE            = 1u << 9,
  VIRT_MIGRATE_CALL_OFFLINE           = 1u << 10,
  VIRT_MIGRATE_CALL_COMPRESSED        = 1u << 11,
  VIRT_MIGRATE_CALL_ABORT_ON_ERROR    = 1u << 12,
  VIRT_MIGRATE_CALL_AUTO_CONVERGE     = 1u << 13,
  VIRT_MIGRATE_CALL_RDMA_PIN_ALL      = 1u << 14,
  VIRT_MIGRATE_CALL_POSTCOPY          = 1u << 15,
  VIRT_MIGRATE_CALL_TLS               = 1u << 16,
  VIRT_MIGRATE_CALL_PARALLEL          = 1u << 17,
  VIRT_MIGRATE_CALL_NON_SHARED_SYNCHRONOUS_WRITES = 1u << 18,
  VIRT_MIGRATE_CALL_POSTCOPY_RESUME   = 1u << 19,
  VIRT_MIGRATE_CALL_ZEROCOPY          = 1u << 20,
};

#define VIRT_MIGRATE_PARAM_URI                      "migrate_uri"
#define VIRT_MIGRATE_PARAM_DEST_NAME                "destination_name"
#define VIRT_MIGRATE_PARAM_DEST_XML                 "destination_xml"
#define VIRT_MIGRATE_PARAM_PERSIST_XML              "persistent_xml"
#define VIRT_MIGRATE_PARAM_BANDWIDTH                "bandwidth"
#define VIRT_MIGRATE_PARAM_BANDWIDTH_POSTCOPY       "bandwidth.postcopy"
#define VIRT_MIGRATE_PARAM_GRAPHICS_URI             "graphics_uri"
#define VIRT_MIGRATE_PARAM_LISTEN_ADDRESS           "listen_address"
#define VIRT_MIGRATE_PARAM_MIGRATE_DISKS            "migrate_disks"
#define VIRT_MIGRATE_PARAM_DISKS_PORT               "disks_port"
#define VIRT_MIGRATE_PARAM_DISKS_URI                "disks_uri"
#define VIRT_MIGRATE_PARAM_COMPRESSION              "compression"
#define VIRT_MIGRATE_PARAM_COMPRESSION_MT_LEVEL     "compression.mt.level"
#define VIRT_MIGRATE_PARAM_COMPRESSION_MT_THREADS   "compression.mt.threads"
#define VIRT_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS  "compression.mt.dthreads"
#define VIRT_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE "compression.xbzrle.cache"
#define VIRT_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL    "auto_converge.initial"
#define VIRT_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT  "auto_converge.increment"
#define VIRT_MIGRATE_PARAM_PARALLEL_CONNECTIONS     "parallel.connections"
#define VIRT_MIGRATE_PARAM_TLS_DESTINATION          "tls.destination"

/* The call: which API, its flags, and its typed parameters as an a{sv}
 * (strings "s", the repeated migrate_disks and compression "as",
 * unsigned long longs "t", ints "i"). */
typedef struct _VirtMigrateCallCache {
  VirtMigrateApi  api;
  unsigned int    flags;
  GVariant       *params;   /* a{sv}, never NULL once built */
  char           *dconnuri; /* virDomainMigrateToURI3's dconnuri, or NULL */
} VirtMigrateCall;

gboolean     virt_migrate_request_build_call (VirtMigrateRequest *self,
                                              VirtMigrateCall    *call,
                                              GError            **error);
/* The call of a frozen request (a job's), made once when it was frozen. */
const VirtMigrateCall *virt_migrate_request_get_call (VirtMigrateRequest *self);
void         virt_migrate_call_clear         (VirtMigrateCall    *call);
const char  *virt_migrate_api_to_string      (VirtMigrateApi      api);

void                virt_migrate_request_freeze              (VirtMigrateRequest *self);
/* Whether dest-xml and persistent-xml are of the guest @uuid (and
 * dest-xml names it @name, when given): libvirt refuses them otherwise. */
gboolean            virt_migrate_request_check_guest_xml     (VirtMigrateRequest *self,
                                                              const char         *uuid,
                                                              const char         *name,
                                                              GError            **error);
/* The most destinations one check or drain takes. */
#define VIRT_MIGRATE_MAX_DESTINATIONS 256
char              **virt_migrate_uris_for_destinations       (const char *const  *destinations,
                                                              GError            **error);
gboolean            virt_migrate_request_is_frozen           (VirtMigrateRequest *self);
VirtMigrateRequest *virt_migrate_request_frozen              (VirtMigrateRequest *self);

/* Typed accessors for the keys the rest of the library reads. */
const char             *virt_migrate_request_get_destination_host       (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_live                   (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_persist_dest           (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_undefine_source        (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_postcopy               (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_postcopy_after_precopy (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_suspend                (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_convergence_policy     (VirtMigrateRequest *self);
guint                   virt_migrate_request_get_completion_timeout     (VirtMigrateRequest *self);
guint                   virt_migrate_request_get_postcopy_recovery_timeout (VirtMigrateRequest *self);
gboolean                virt_migrate_request_get_postcopy_resume        (VirtMigrateRequest *self);
guint                   virt_migrate_request_get_policy_stall_window    (VirtMigrateRequest *self);
guint                   virt_migrate_request_get_policy_stall_iterations (VirtMigrateRequest *self);
guint                   virt_migrate_request_get_auto_converge_initial  (VirtMigrateRequest *self);
guint                   virt_migrate_request_get_auto_converge_increment (VirtMigrateRequest *self);
VirtMigratePolicyAction virt_migrate_request_get_completion_action      (VirtMigrateRequest *self);

G_END_DECLS
