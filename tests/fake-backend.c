/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include <virt-migrate.h>

#include "fake-backend.h"

struct _FakeBackend
{
  GObject     parent_instance;

  GMutex      lock;
  GCond       cond;
  GArray     *samples;          /* VirtMigrateSample */
  guint       next;             /* the next sample get_stats() returns */
  guint64     memory_bytes;
  guint64     resident_bytes;   /* prepare()'s guest */
  gboolean    resident_by_reads;
  gboolean    resident_read;    /* ...and every memory sample carries it */
  char        uuid[37];
  char       *prepare_error;
  guint       fail_after;       /* 0: never */
  char       *fail_message;
  FakeGate    gate;
  gboolean    gate_open;
  gboolean    at_gate;
  gboolean    in_migrate;
  gboolean    blocking;         /* migrate() waits for an abort after the last sample */
  guint       abort_retries;    /* aborts answered "retry" first */

  guint       n_prepared, n_migrated, n_aborts, n_finished, n_stats;
  gboolean    aborted;
  gboolean    finish_success;
  gboolean    postcopy;
  gboolean    suspended;
  guint64     last_downtime;
  guint64     last_speed;
  gboolean    postcopy_failed;  /* a failure leaves the guest split (resumable) */
  GVariant   *verdict;          /* what get_verdict() returns; NULL: none */
  FakeBackend *resume;          /* what resume() hands back */
  gboolean    resumed;          /* made by resume(): its request had postcopy-resume */
};

static void fake_backend_iface_init (VirtMigrateBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakeBackend, fake_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (VIRT_MIGRATE_TYPE_BACKEND, fake_backend_iface_init))

static void
wait_for_gate (FakeBackend *self, FakeGate gate)
{
  if (self->gate != gate)
    return;
  self->at_gate = TRUE;
  g_cond_broadcast (&self->cond);
  while (!self->gate_open)
    g_cond_wait (&self->cond, &self->lock);
}

static gboolean
fake_prepare (VirtMigrateBackend *backend, VirtMigrateIterationFunc on_iteration, gpointer user_data,
              VirtMigrateBackendGuest *guest, GError **error)
{
  FakeBackend *self = FAKE_BACKEND (backend);
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  self->n_prepared++;
  wait_for_gate (self, FAKE_GATE_PREPARE);
  guest->memory_bytes = self->memory_bytes;
  guest->resident_bytes = self->resident_bytes;
  guest->resident_by_reads = self->resident_by_reads;
  g_strlcpy (guest->uuid, self->uuid, sizeof guest->uuid);
  if (self->prepare_error != NULL)
    {
      g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND, self->prepare_error);
      ok = FALSE;
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

static gboolean
fake_migrate (VirtMigrateBackend *backend, GError **error)
{
  FakeBackend *self = FAKE_BACKEND (backend);
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  self->n_migrated++;
  wait_for_gate (self, FAKE_GATE_MIGRATE);
  self->in_migrate = TRUE;
  g_cond_broadcast (&self->cond);
  /* Until every sample was read (or for ever, when blocking), an abort,
   * or the failure point. */
  while (!self->aborted &&
         (self->blocking || self->next < self->samples->len) &&
         (self->fail_after == 0 || self->next < self->fail_after))
    g_cond_wait (&self->cond, &self->lock);
  if (self->aborted)
    {
      g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_LIBVIRT,
                           "operation aborted: migration out job: canceled by client");
      ok = FALSE;
    }
  else if (self->fail_after > 0 && self->next >= self->fail_after)
    {
      g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_LIBVIRT, self->fail_message);
      ok = FALSE;
    }
  self->in_migrate = FALSE;
  g_mutex_unlock (&self->lock);
  return ok;
}

static gboolean
fake_get_stats (VirtMigrateBackend *backend, VirtMigrateSample *sample, GError **error)
{
  FakeBackend *self = FAKE_BACKEND (backend);

  g_mutex_lock (&self->lock);
  self->n_stats++;
  if (self->samples->len > 0)
    {
      guint i = MIN (self->next, self->samples->len - 1);

      *sample = g_array_index (self->samples, VirtMigrateSample, i);
      if (self->resident_read && sample->memory_total > 0)
        sample->resident = self->resident_bytes;
      if (self->next < self->samples->len)
        self->next++;
    }
  sample->time = g_get_monotonic_time ();
  sample->postcopy = sample->postcopy || self->postcopy;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
fake_set_max_downtime (VirtMigrateBackend *backend, guint64 milliseconds, GError **error)
{
  FakeBackend *self = FAKE_BACKEND (backend);

  g_mutex_lock (&self->lock);
  self->last_downtime = milliseconds;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
fake_set_max_speed (VirtMigrateBackend *backend, guint64 mebibytes_per_second, GError **error)
{
  FakeBackend *self = FAKE_BACKEND (backend);

  g_mutex_lock (&self->lock);
  self->last_speed = mebibytes_per_second;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
fake_start_postcopy (VirtMigrateBackend *backend, GError **error)
{
  FakeBackend *self = FAKE_BACKEND (backend);

  g_mutex_lock (&self->lock);
  self->postcopy = TRUE;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
fake_suspend (VirtMigrateBackend *backend, GError **error)
{
  FakeBackend *self = FAKE_BACKEND (backend);

  g_mutex_lock (&self->lock);
  self->suspended = TRUE;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
fake_abort (VirtMigrateBackend *backend, gboolean *retry, GError **error)
{
  FakeBackend *self = FAKE_BACKEND (backend);
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  self->n_aborts++;
  if (self->abort_retries > 0)
    {
      self->abort_retries--;
      *retry = TRUE;
      g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_LIBVIRT,
                           "Requested operation is not valid: no job is active on the domain");
      ok = FALSE;
    }
  else
    self->aborted = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return ok;
}

static void
fake_finish (VirtMigrateBackend *backend, gboolean success, gboolean resume_destination,
             VirtMigrateBackendResult *result)
{
  FakeBackend *self = FAKE_BACKEND (backend);

  g_mutex_lock (&self->lock);
  self->n_finished++;
  self->finish_success = success;
  result->postcopy_failed = !success && self->postcopy_failed;
  if (success && self->samples->len > 0)
    {
      result->have_final = TRUE;
      result->final = g_array_index (self->samples, VirtMigrateSample, self->samples->len - 1);
      result->final.completed = TRUE;
      result->final.remaining = 0;
      result->final.have_downtime = TRUE;
      result->final.downtime = 42;
    }
  g_mutex_unlock (&self->lock);
}

static VirtMigrateBackend *
fake_resume (VirtMigrateBackend *backend, VirtMigrateRequest *request)
{
  FakeBackend *self = FAKE_BACKEND (backend);
  FakeBackend *next;
  gboolean resume = FALSE;

  g_object_get (request, "postcopy-resume", &resume, NULL);
  g_mutex_lock (&self->lock);
  next = self->resume != NULL ? g_object_ref (self->resume) : NULL;
  g_mutex_unlock (&self->lock);
  if (next != NULL)
    next->resumed = resume;
  return next != NULL ? VIRT_MIGRATE_BACKEND (next) : NULL;
}

static GVariant *
fake_get_verdict (VirtMigrateBackend *backend)
{
  FakeBackend *self = FAKE_BACKEND (backend);

  return self->verdict != NULL ? g_variant_ref (self->verdict) : NULL;
}

/* The pre-flight verdict prepare() made, as the job takes it after. */
void
fake_backend_set_verdict (FakeBackend *self, GVariant *verdict)
{
  g_clear_pointer (&self->verdict, g_variant_unref);
  self->verdict = verdict != NULL ? g_variant_ref_sink (verdict) : NULL;
}

static void
fake_backend_iface_init (VirtMigrateBackendInterface *iface)
{
  iface->get_verdict = fake_get_verdict;
  iface->prepare = fake_prepare;
  iface->migrate = fake_migrate;
  iface->get_stats = fake_get_stats;
  iface->set_max_downtime = fake_set_max_downtime;
  iface->set_max_speed = fake_set_max_speed;
  iface->start_postcopy = fake_start_postcopy;
  iface->suspend = fake_suspend;
  iface->abort = fake_abort;
  iface->finish = fake_finish;
  iface->resume = fake_resume;
}

static void
fake_backend_finalize (GObject *object)
{
  FakeBackend *self = FAKE_BACKEND (object);

  g_array_unref (self->samples);
  g_free (self->prepare_error);
  g_free (self->fail_message);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_clear_object (&self->resume);
  g_clear_pointer (&self->verdict, g_variant_unref);
  G_OBJECT_CLASS (fake_backend_parent_class)->finalize (object);
}

static void
fake_backend_class_init (FakeBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fake_backend_finalize;
}

static void
fake_backend_init (FakeBackend *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->samples = g_array_new (FALSE, TRUE, sizeof (VirtMigrateSample));
  self->memory_bytes = 64 * 1024 * 1024;
}

FakeBackend *
fake_backend_new (void)
{
  return g_object_new (FAKE_TYPE_BACKEND, NULL);
}

void
fake_backend_add_sample (FakeBackend *self, const VirtMigrateSample *sample)
{
  g_mutex_lock (&self->lock);
  g_array_append_val (self->samples, *sample);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* Every @every-th sample of a recorded trace (tests/traces/). */
void
fake_backend_load_trace (FakeBackend *self, const char *path, guint every)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      VirtMigrateSample s;

      if (lines[i][0] == '#' || !virt_migrate_sample_parse (lines[i], &s))
        continue;
      if (n++ % MAX (every, 1) == 0)
        fake_backend_add_sample (self, &s);
    }
}

/* A memory-only sample. */
void
fake_backend_add_memory_pass (FakeBackend *self, guint64 total, guint64 remaining, guint64 iteration,
                              gboolean postcopy)
{
  VirtMigrateSample s = {
    .active = TRUE, .have_total = TRUE, .total = total, .remaining = remaining,
    .transferred = total - remaining, .memory_total = total, .memory_bps = 8 * 1024 * 1024,
    .iteration = iteration, .postcopy = postcopy,
  };

  fake_backend_add_sample (self, &s);
}

void
fake_backend_set_memory (FakeBackend *self, guint64 memory_bytes)
{
  self->memory_bytes = memory_bytes;
}

void
fake_backend_set_resident (FakeBackend *self, guint64 resident_bytes, gboolean by_reads, gboolean read)
{
  self->resident_bytes = resident_bytes;
  self->resident_by_reads = by_reads;
  self->resident_read = read;
}

void
fake_backend_set_uuid (FakeBackend *self, const char *uuid)
{
  g_strlcpy (self->uuid, uuid, sizeof self->uuid);
}

void
fake_backend_fail_prepare (FakeBackend *self, const char *message)
{
  g_free (self->prepare_error);
  self->prepare_error = g_strdup (message);
}

void
fake_backend_fail_after (FakeBackend *self, guint n_samples, const char *message)
{
  self->fail_after = n_samples;
  g_free (self->fail_message);
  self->fail_message = g_strdup (message);
}

void
fake_backend_set_gate (FakeBackend *self, FakeGate gate)
{
  self->gate = gate;
}

void
fake_backend_open_gate (FakeBackend *self)
{
  g_mutex_lock (&self->lock);
  self->gate_open = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* Blocks until the worker thread reached the gate. */
void
fake_backend_wait_gate (FakeBackend *self)
{
  g_mutex_lock (&self->lock);
  while (!self->at_gate)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
}

void
fake_backend_set_abort_retries (FakeBackend *self, guint retries)
{
  self->abort_retries = retries;
}

void
fake_backend_set_blocking (FakeBackend *self, gboolean blocking)
{
  g_mutex_lock (&self->lock);
  self->blocking = blocking;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

#define GETTER(type, name, field) \
  type fake_backend_get_##name (FakeBackend *self) \
  { \
    type value; \
    g_mutex_lock (&self->lock); \
    value = self->field; \
    g_mutex_unlock (&self->lock); \
    return value; \
  }
GETTER (guint, n_prepared, n_prepared)
GETTER (guint, n_migrated, n_migrated)
GETTER (guint, n_aborts, n_aborts)
GETTER (guint, n_finished, n_finished)
GETTER (gboolean, finish_success, finish_success)
GETTER (gboolean, postcopy, postcopy)
GETTER (gboolean, suspended, suspended)
GETTER (guint64, last_downtime, last_downtime)
GETTER (guint64, last_speed, last_speed)
GETTER (guint, n_stats, n_stats)

void
fake_backend_set_postcopy_failed (FakeBackend *self,
                                  gboolean     postcopy_failed)
{
  g_mutex_lock (&self->lock);
  self->postcopy_failed = postcopy_failed;
  g_mutex_unlock (&self->lock);
}

void
fake_backend_set_resume (FakeBackend *self,
                         FakeBackend *next)
{
  g_mutex_lock (&self->lock);
  g_set_object (&self->resume, next);
  g_mutex_unlock (&self->lock);
}

gboolean
fake_backend_get_resumed (FakeBackend *self)
{
  return self->resumed;
}
