/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-backend.h"

G_BEGIN_DECLS

/* A scripted backend for the unit tests: it plays samples (from a trace
 * recorded on the test bed, or made by the test) one per poll, and records
 * what the job asked of it. No libvirt. */
#define FAKE_TYPE_BACKEND (fake_backend_get_type ())
G_DECLARE_FINAL_TYPE (FakeBackend, fake_backend, FAKE, BACKEND, GObject)

typedef enum {
  FAKE_GATE_NONE,
  FAKE_GATE_PREPARE, /* prepare() waits until fake_backend_open_gate() */
  FAKE_GATE_MIGRATE, /* migrate() waits before its first sample */
} FakeGate;

FakeBackend *fake_backend_new             (void);
void         fake_backend_add_sample      (FakeBackend             *self,
                                           const VirtMigrateSample *sample);
void         fake_backend_load_trace      (FakeBackend             *self,
                                           const char              *path,
                                           guint                    every);
void         fake_backend_add_memory_pass (FakeBackend *self,
                                           guint64      total,
                                           guint64      remaining,
                                           guint64      iteration,
                                           gboolean     postcopy);
void         fake_backend_set_memory      (FakeBackend *self,
                                           guint64      memory_bytes);
/* The source QEMU's resident set prepare() reports, whether it saw QEMU's
 * reads fill it before the call, and whether every memory sample carries
 * it (@read; else none: the backend no longer reads it). */
void         fake_backend_set_resident    (FakeBackend *self,
                                           guint64      resident_bytes,
                                           gboolean     by_reads,
                                           gboolean     read);
/* The guest's UUID, as prepare() reports it ("" by default). */
void         fake_backend_set_uuid        (FakeBackend *self,
                                           const char  *uuid);
void         fake_backend_set_verdict     (FakeBackend *self,
                                           GVariant    *verdict);
void         fake_backend_fail_prepare    (FakeBackend *self,
                                           const char  *message);
void         fake_backend_fail_after      (FakeBackend *self,
                                           guint        n_samples,
                                           const char  *message);
void         fake_backend_set_gate        (FakeBackend *self,
                                           FakeGate     gate);
void         fake_backend_open_gate       (FakeBackend *self);
void         fake_backend_wait_gate       (FakeBackend *self);
void         fake_backend_set_abort_retries (FakeBackend *self,
                                             guint        retries);
void         fake_backend_set_blocking    (FakeBackend *self,
                                           gboolean     blocking);

/* A failure in post-copy (with fail_after) leaves the guest split; the
 * job then asks for a backend to resume it: @next. */
void         fake_backend_set_postcopy_failed (FakeBackend *self,
                                               gboolean     postcopy_failed);
void         fake_backend_set_resume      (FakeBackend *self,
                                           FakeBackend *next);
gboolean     fake_backend_get_resumed     (FakeBackend *self);

/* What it was asked. */
guint        fake_backend_get_n_prepared  (FakeBackend *self);
guint        fake_backend_get_n_migrated  (FakeBackend *self);
guint        fake_backend_get_n_aborts    (FakeBackend *self);
guint        fake_backend_get_n_finished  (FakeBackend *self);
gboolean     fake_backend_get_finish_success (FakeBackend *self);
gboolean     fake_backend_get_postcopy    (FakeBackend *self);
gboolean     fake_backend_get_suspended   (FakeBackend *self);
guint64      fake_backend_get_last_downtime (FakeBackend *self);
guint64      fake_backend_get_last_speed  (FakeBackend *self);
guint        fake_backend_get_n_stats     (FakeBackend *self);

G_END_DECLS
