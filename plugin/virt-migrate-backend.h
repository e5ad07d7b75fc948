/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "virt-migrate-config-outcome.h"
#include "virt-migrate-request.h"
#include "virt-migrate-sample.h"

G_BEGIN_DECLS

/* The seam below the job: the blocking operations of one migration. The
 * worker calls them on its threads (never on the job's main context);
 * VirtMigrateLibvirtBackend does them with libvirt, and the tests' fake
 * plays a recorded trace. One backend object serves one job. */
#define VIRT_MIGRATE_TYPE_BACKEND (virt_migrate_backend_get_type ())
G_DECLARE_INTERFACE (VirtMigrateBackend, virt_migrate_backend, VIRT_MIGRATE, BACKEND, GObject)

/* Called by the backend from any thread when the hypervisor starts a new
 * memory pass (libvirt's MIGRATION_ITERATION event). */
typedef void (*VirtMigrateIterationFunc) (guint64 iteration, gpointer user_data);

/* What the backend found before the migration. */
typedef struct {
  guint64  memory_bytes; /* the guest's RAM, 0 if unknown */
  guint64  resident_bytes; /* what of it the source's QEMU has touched (its RSS), 0 if unknown:
                            * a page never touched is zero, which a memory pass skips */
  gboolean resident_by_reads; /* ...seen filled by QEMU's reads before the call (the kernel backs a page
                               * read with memory): the pass's scan of zero pages costs */
  char     name[256];    /* the guest's name, "" if unknown */
  char     uuid[37];     /* its UUID, "" if unknown */
  guint64  disk_bytes;   /* what a storage copy will move, 0 if none or unknown */
  gboolean finished;     /* an adopted migration that ended meanwhile: nothing to run */
  gboolean success;      /* ... and whether the guest moved */
} VirtMigrateBackendGuest;

/* What the backend found after the migration. */
typedef struct {
  gboolean                  have_final;
  VirtMigrateSample         final;            /* the completed job's statistics */
  VirtMigrateConfigOutcome *expected_outcome; /* NULL: the destination could not be checked */
  VirtMigrateConfigOutcome *outcome;
  gboolean                  postcopy_failed;  /* it failed in post-copy: the guest is split, resumable */
} VirtMigrateBackendResult;

struct _VirtMigrateBackendInterface
{
  GTypeInterface g_iface;

  gboolean (*prepare)          (VirtMigrateBackend       *self,
                                VirtMigrateIterationFunc  on_iteration,
                                gpointer                  user_data,
                                VirtMigrateBackendGuest  *guest,
                                GError                  **error);
  gboolean (*migrate)          (VirtMigrateBackend       *self,
                                GError                  **error);
  gboolean (*get_stats)        (VirtMigrateBackend       *self,
                                VirtMigrateSample        *sample,
                                GError                  **error);
  gboolean (*set_max_downtime) (VirtMigrateBackend       *self,
                                guint64                   milliseconds,
                                GError                  **error);
  gboolean (*set_max_speed)    (VirtMigrateBackend       *self,
                                guint64                   mebibytes_per_second,
                                GError                  **error);
  gboolean (*start_postcopy)   (VirtMigrateBackend       *self,
                                GError                  **error);
  gboolean (*suspend)          (VirtMigrateBackend       *self,
                                GError                  **error);
  gboolean (*abort)            (VirtMigrateBackend       *self,
                                gboolean                 *retry,
                                GError                  **error);
  void     (*finish)           (VirtMigrateBackend       *self,
                                gboolean                  success,
                                gboolean                  resume_destination,
                                VirtMigrateBackendResult *result);
  GVariant *(*get_verdict)     (VirtMigrateBackend       *self);
  /* A backend that resumes this migration's broken post-copy with
   * @request (postcopy-resume set), or NULL if it cannot. */
  VirtMigrateBackend *(*resume) (VirtMigrateBackend       *self,
                                 VirtMigrateRequest       *request);
};

gboolean virt_migrate_backend_prepare          (VirtMigrateBackend       *self,
                                                VirtMigrateIterationFunc  on_iteration,
                                                gpointer                  user_data,
                                                VirtMigrateBackendGuest  *guest,
                                                GError                  **error);
gboolean virt_migrate_backend_migrate          (VirtMigrateBackend       *self,
                                                GError                  **error);
gboolean virt_migrate_backend_get_stats        (VirtMigrateBackend       *self,
                                                VirtMigrateSample        *sample,
                                                GError                  **error);
gboolean virt_migrate_backend_set_max_downtime (VirtMigrateBackend       *self,
                                                guint64                   milliseconds,
                                                GError                  **error);
gboolean virt_migrate_backend_set_max_speed    (VirtMigrateBackend       *self,
                                                guint64                   mebibytes_per_second,
                                                GError                  **error);
gboolean virt_migrate_backend_start_postcopy   (VirtMigrateBackend       *self,
                                                GError                  **error);
gboolean virt_migrate_backend_suspend          (VirtMigrateBackend       *self,
                                                GError                  **error);
gboolean virt_migrate_backend_abort            (VirtMigrateBackend       *self,
                                                gboolean                 *retry,
                                                GError                  **error);
void     virt_migrate_backend_finish           (VirtMigrateBackend       *self,
                                                gboolean                  success,
                                                gboolean                  resume_destination,
                                                VirtMigrateBackendResult *result);
VirtMigrateBackend *virt_migrate_backend_resume (VirtMigrateBackend *self,
                                                 VirtMigrateRequest *request);
void     virt_migrate_backend_result_clear     (VirtMigrateBackendResult *result);
/* The pre-flight verdict prepare() reached (transfer full), %NULL if it
 * ran none. Read it once prepare() has returned. */
GVariant *virt_migrate_backend_get_verdict     (VirtMigrateBackend       *self);
VirtMigrateBackend *virt_migrate_backend_resume (VirtMigrateBackend      *self,
                                                 VirtMigrateRequest      *request);

G_END_DECLS
