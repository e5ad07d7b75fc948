/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One snapshot of a job, an a{sv} keyed by the D-Bus Job interface's
 * property names with their D-Bus types (enums as nick strings, sizes in
 * bytes, times in µs since the epoch or ms). The D-Bus export, the JSON
 * of the HTTP API and the webhooks are all made from it, so they cannot
 * drift apart; test-snapshot checks its keys against the interface XML. */
#include "config.h"

#include <unistd.h>

#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-error.h"
#include "virt-migrate-job-internal.h"
#include "virt-migrate-request-private.h"

/**
 * virt_migrate_job_to_variant:
 * @self: a #VirtMigrateJob
 *
 * A snapshot of the job as an `a{sv}` dictionary keyed by the D-Bus Job
 * interface's property names (`State`, `Progress`, `Rate`,
 * `ExpectedEndTime`, `BytesTotal`, …, `Request`, `Messages`) with their
 * D-Bus types: what virt-migrated exports, the HTTP API serves as JSON and
 * the webhooks post.  Call it on the job's main context.
 *
 * Returns: (transfer floating): the job's `a{sv}`
 */
GVariant *
virt_migrate_job_to_variant (VirtMigrateJob *self)
{
  GVariantBuilder b;
  VirtMigrateRequest *request;
  const GError *error;
  const char *const *messages;
  const char *domain;
  gint64 end, uid;

  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);

  request = virt_migrate_job_get_request (self);
  error = virt_migrate_job_get_error (self);
  messages = virt_migrate_job_get_messages (self);
  /* The guest as libvirt names it once looked up, else as asked for. */
  domain = self->domain_name != NULL ? self->domain_name : virt_migrate_request_get_domain (request);
  end = virt_migrate_job_get_expected_end_time (self);
  uid = virt_migrate_job_get_started_by_uid (self);

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
#define ADD(key, value) g_variant_builder_add (&b, "{sv}", key, value)
  ADD ("Id", g_variant_new_uint32 (virt_migrate_job_get_id (self)));
  ADD ("State", g_variant_new_string (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_JOB_STATE,
                                                              virt_migrate_job_get_state (self))));
  ADD ("Phase", g_variant_new_string (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_PHASE,
                                                              virt_migrate_job_get_phase (self))));
  ADD ("Progress", g_variant_new_double (virt_migrate_job_get_progress (self)));
  ADD ("Rate", g_variant_new_uint64 (virt_migrate_job_get_rate (self)));
  ADD ("ExpectedEndTime", g_variant_new_uint64 (end > 0 ? (guint64) end : 0));
  ADD ("BytesTotal", g_variant_new_uint64 (virt_migrate_job_get_data_total (self)));
  ADD ("BytesProcessed", g_variant_new_uint64 (virt_migrate_job_get_data_processed (self)));
  ADD ("BytesRemaining", g_variant_new_uint64 (virt_migrate_job_get_data_remaining (self)));
  ADD ("DirtyRate", g_variant_new_uint64 (virt_migrate_job_get_memory_dirty_rate (self)));
  ADD ("Iteration", g_variant_new_uint64 (virt_migrate_job_get_iteration (self)));
  ADD ("Downtime", g_variant_new_uint64 (virt_migrate_job_get_downtime (self)));
  ADD ("Elapsed", g_variant_new_uint64 (virt_migrate_job_get_elapsed (self)));
  ADD ("Cancelable", g_variant_new_boolean (virt_migrate_job_is_cancelable (self)));
  /* A job nobody claimed runs for this process's user. */
  ADD ("StartedByUid", g_variant_new_uint32 (uid >= 0 ? (guint32) uid : (guint32) getuid ()));
  ADD ("Request", self->request_variant); /* shared, not copied */
  ADD ("Domain", g_variant_new_string (domain != NULL ? domain : ""));
  ADD ("Error", g_variant_new_string (error != NULL ? error->message : ""));
  {
    /* Its D-Bus name (…VirtMigrate1.Error.ConnectFailed): what kind of
     * failure, for a client that reads no message. */
    g_autofree char *name = error != NULL ? g_dbus_error_encode_gerror (error) : NULL;

    ADD ("ErrorName", g_variant_new_string (name != NULL ? name : ""));
  }
  ADD ("Messages", g_variant_new_strv (messages, messages != NULL ? -1 : 0));
  /* The builder takes its own reference ("v" sinks or refs): one more
   * here was never released, and each job's verdict outlived it. */
  ADD ("Verdict", self->verdict != NULL ? self->verdict
                                        : g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  ADD ("Drain", g_variant_new_uint32 (self->drain_id));
#undef ADD
  return g_variant_builder_end (&b);
}

/* The request's choices beyond guest, hosts and flow, as virsh spells
 * them: "live", "bandwidth=8", "migrate-disks=vda,vdb"; XML as its key. */
static GVariant *
request_flags (VirtMigrateRequest *request)
{
  static const char *const skip[] = { "domain", "source-uri", "dest-uri", "flow", NULL };
  g_autoptr(GVariant) dict = g_variant_ref_sink (virt_migrate_request_to_variant (request));
  g_autoptr(GPtrArray) flags = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) v = value;

      if (g_strv_contains (skip, key))
        continue;
      if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
        g_ptr_array_add (flags, g_variant_get_boolean (v) ? g_strdup (key) : g_strconcat ("no-", key, NULL));
      else if (g_str_has_suffix (key, "-xml"))
        g_ptr_array_add (flags, g_strdup (key));
      else if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
        g_ptr_array_add (flags, g_strdup_printf ("%s=%s", key, g_variant_get_string (v, NULL)));
      else if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING_ARRAY))
        {
          g_autofree const char **items = g_variant_get_strv (v, NULL);
          g_autofree char *joined = g_strjoinv (",", (char **) items);

          g_ptr_array_add (flags, g_strdup_printf ("%s=%s", key, joined));
        }
      else
        {
          g_autofree char *number = g_variant_print (v, FALSE);

          g_ptr_array_add (flags, g_strdup_printf ("%s=%s", key, number));
        }
    }
  g_ptr_array_add (flags, NULL);
  return g_variant_new_strv ((const char *const *) flags->pdata, -1);
}

/* The history's record of a finished job (see #VirtMigrateHistory): the
 * snapshot's keys, under the same names (State, Iteration, Domain…), less
 * what only a live job has; then who, from where to where, how, when, and
 * the Outcome: the State, or `refused` where the pre-flight refused and
 * libvirt was never asked. */
GVariant *
virt_migrate_job_to_history_record (VirtMigrateJob *self)
{
  static const char *const live_only[] = { "Phase", "Progress", "Rate", "ExpectedEndTime", "BytesRemaining",
                                           "DirtyRate", "Cancelable", "Request", "Verdict", NULL };
  g_autoptr(GVariant) snapshot = NULL;
  GVariantBuilder b;
  GVariantIter iter;
  VirtMigrateRequest *request;
  const GError *error;
  const char *dest, *key;
  GVariant *value;

  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), NULL);

  snapshot = g_variant_ref_sink (virt_migrate_job_to_variant (self));
  request = virt_migrate_job_get_request (self);
  error = virt_migrate_job_get_error (self);
  dest = virt_migrate_request_get_destination_host (request);

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_iter_init (&iter, snapshot);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      /* A drain's jobs only say which drain. */
      if (!g_strv_contains (live_only, key) && !(g_str_equal (key, "Drain") && self->drain_id == 0))
        g_variant_builder_add (&b, "{sv}", key, value);
      g_variant_unref (value);
    }
#define ADD(key, value) g_variant_builder_add (&b, "{sv}", key, value)
#define STR(s) g_variant_new_string ((s) != NULL ? (s) : "")
  ADD ("DomainUuid", STR (self->domain_uuid));
  ADD ("Source", STR (virt_migrate_request_get_source_uri (request)));
  ADD ("Destination", STR (dest));
  ADD ("Flow", STR (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_FLOW, virt_migrate_request_get_flow (request))));
  ADD ("Flags", request_flags (request));
  ADD ("LibvirtApi", STR (virt_migrate_job_get_libvirt_api (self)));
  ADD ("LibvirtFlags", g_variant_new_uint32 (virt_migrate_job_get_libvirt_flags (self)));
  ADD ("StartTime", g_variant_new_int64 (self->start_real_time));
  ADD ("EndTime", g_variant_new_int64 (self->end_real_time != 0 ? self->end_real_time : g_get_real_time ()));
  /* Refused by its pre-flight check: nothing was asked of libvirt, so not
   * a migration that failed (its State still says failed). */
  if (g_error_matches (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_PREFLIGHT))
    ADD ("Outcome", g_variant_new_string ("refused"));
  else
    ADD ("Outcome", STR (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_JOB_STATE, virt_migrate_job_get_state (self))));
  ADD ("BytesTransferred", g_variant_new_uint64 (virt_migrate_job_get_data_transferred (self)));
  ADD ("Host", STR (g_get_host_name ()));
  /* From the call to QEMU's first memory statistics (memory only, µs):
   * what the next migrations between these hosts expect instead of a
   * guess (virt-migrate-host-setups.c). */
  if (virt_migrate_job_get_setup_time (self) > 0)
    ADD ("SetupTime", g_variant_new_int64 (virt_migrate_job_get_setup_time (self)));
  /* The guest's dirty rate in the first pass, as QEMU measured it at the
   * second (bytes/s): the next migration of the guest expects it. */
  if (virt_migrate_job_get_first_dirty_rate (self) > 0)
    ADD ("DirtyRate", g_variant_new_uint64 (virt_migrate_job_get_first_dirty_rate (self)));
#undef STR
#undef ADD
  return g_variant_builder_end (&b);
}

guint
virt_migrate_job_get_drain_id (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->drain_id;
}

void
virt_migrate_job_set_drain_id (VirtMigrateJob *self,
                               guint           drain_id)
{
  g_return_if_fail (VIRT_MIGRATE_IS_JOB (self));
  self->drain_id = drain_id;
}

gint64
virt_migrate_job_get_setup_time (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return virt_migrate_progress_get_setup (self->progress_unit);
}

gint64
virt_migrate_job_get_setup_expected (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->setup_expected;
}

guint64
virt_migrate_job_get_first_dirty_rate (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return virt_migrate_progress_get_dirty_first (self->progress_unit);
}

guint64
virt_migrate_job_get_dirty_learnt (VirtMigrateJob *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_JOB (self), 0);
  return self->dirty_learnt;
}
