/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A drain as values: its table, the snapshot D-Bus, HTTP and the webhooks
 * show, the record a restarted process resumes from, the history's record,
 * and the table as text. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "virt-migrate-drain-internal.h"
#include "virt-migrate-drain-placement.h"
#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-error.h"

Row *
virt_migrate_drain_row_from_variant (GVariant *v)
{
  Row *row = g_new0 (Row, 1);
  const char *outcome = NULL;

  g_variant_lookup (v, "domain", "s", &row->domain);
  g_variant_lookup (v, "uuid", "s", &row->uuid);
  g_variant_lookup (v, "memory", "t", &row->memory);
  g_variant_lookup (v, "position", "u", &row->position);
  g_variant_lookup (v, "destination", "s", &row->destination);
  g_variant_lookup (v, "rule", "s", &row->rule);
  g_variant_lookup (v, "outcome", "&s", &outcome);
  g_variant_lookup (v, "reason", "s", &row->reason);
  g_variant_lookup (v, "job", "u", &row->job_id);
  row->outcome = virt_migrate_drain_outcome_from_nick (outcome);
  return row;
}

GVariant *
virt_migrate_drain_row_to_variant (const Row *row)
{
  GVariantDict d;

  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "domain", "s", row->domain != NULL ? row->domain : "");
  g_variant_dict_insert (&d, "uuid", "s", row->uuid != NULL ? row->uuid : "");
  g_variant_dict_insert (&d, "memory", "t", row->memory);
  g_variant_dict_insert (&d, "position", "u", row->position);
  g_variant_dict_insert (&d, "destination", "s", row->destination != NULL ? row->destination : "");
  g_variant_dict_insert (&d, "rule", "s", row->rule != NULL ? row->rule : "");
  g_variant_dict_insert (&d, "outcome", "s", virt_migrate_drain_outcome_to_nick (row->outcome));
  g_variant_dict_insert (&d, "reason", "s", row->reason != NULL ? row->reason : "");
  g_variant_dict_insert (&d, "job", "u", row->job_id);
  return g_variant_dict_end (&d);
}

/* The table, floating. */
GVariant *
virt_migrate_drain_table (VirtMigrateDrain *self)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < self->rows->len; i++)
    g_variant_builder_add_value (&b, virt_migrate_drain_row_to_variant (g_ptr_array_index (self->rows, i)));
  return g_variant_builder_end (&b);
}

/* --- snapshots and records -------------------------------------------------- */

/**
 * virt_migrate_drain_to_variant:
 * @self: a #VirtMigrateDrain
 *
 * The drain as D-Bus and HTTP show it: `Id`, `State`, `Source`,
 * `Destinations`, `Progress`, `Guests`, `GuestCount`, `MovedCount`,
 * `LeftCount`, `FailedCount`, `ActiveCount`, `MaxParallel`, `Placement`, `Order`, `DryRun`,
 * `StartedByUid`, `StartTime`, `EndTime`, `Summary`.
 *
 * Returns: (transfer floating): an `a{sv}`
 */
GVariant *
virt_migrate_drain_to_variant (VirtMigrateDrain *self)
{
  GVariantBuilder b;
  g_autofree char *text = NULL;

  g_return_val_if_fail (VIRT_MIGRATE_IS_DRAIN (self), NULL);

  text = virt_migrate_drain_summary (self);
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
#define ADD(key, value) g_variant_builder_add (&b, "{sv}", key, value)
  ADD ("Id", g_variant_new_uint32 (self->id));
  ADD ("State", g_variant_new_string (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_DRAIN_STATE, self->state)));
  ADD ("Source", g_variant_new_string (virt_migrate_drain_get_source_uri (self)));
  ADD ("Destinations", g_variant_new_strv ((const char * const *) self->destinations, -1));
  ADD ("Progress", g_variant_new_double (virt_migrate_drain_get_progress (self)));
  ADD ("Guests", virt_migrate_drain_table (self));
  ADD ("GuestCount", g_variant_new_uint32 (self->rows->len));
  ADD ("MovedCount", g_variant_new_uint32 (virt_migrate_drain_get_n_moved (self)));
  ADD ("LeftCount", g_variant_new_uint32 (virt_migrate_drain_get_n_left (self)));
  ADD ("FailedCount", g_variant_new_uint32 (virt_migrate_drain_get_n_failed (self)));
  ADD ("ActiveCount", g_variant_new_uint32 (virt_migrate_drain_get_n_active (self)));
  ADD ("MaxParallel", g_variant_new_uint32 (self->max_parallel));
  ADD ("Placement", g_variant_new_string (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_DRAIN_PLACEMENT,
                                                                  self->placement)));
  ADD ("Order", g_variant_new_string (VIRT_MIGRATE_DRAIN_ORDER));
  ADD ("DryRun", g_variant_new_boolean (self->dry_run));
  ADD ("StartedByUid", g_variant_new_uint32 (self->started_by_uid >= 0 ? (guint32) self->started_by_uid
                                                                       : (guint32) getuid ()));
  ADD ("StartTime", g_variant_new_int64 (self->start_real_time));
  ADD ("EndTime", g_variant_new_int64 (self->end_real_time));
  ADD ("Summary", g_variant_new_string (text));
#undef ADD
  return g_variant_builder_end (&b);
}

GVariant *
virt_migrate_drain_to_record (VirtMigrateDrain *self)
{
  GVariantDict d;
  g_autoptr(GVariant) snapshot = g_variant_ref_sink (virt_migrate_drain_to_variant (self));

  g_variant_dict_init (&d, snapshot);
  g_variant_dict_insert_value (&d, "Request", virt_migrate_request_to_variant (self->request));
  g_variant_dict_insert_value (&d, "Include", g_variant_new_strv ((const char * const *) self->include,
                                                                 self->include != NULL ? -1 : 0));
  g_variant_dict_insert_value (&d, "Exclude", g_variant_new_strv ((const char * const *) self->exclude,
                                                                 self->exclude != NULL ? -1 : 0));
  return g_variant_dict_end (&d);
}

VirtMigrateDrain *
virt_migrate_drain_new_from_record (GObject                    *host,
                                    const VirtMigrateDrainHost *vtable,
                                    GVariant            *record,
                                    GError             **error)
{
  g_autoptr(GVariant) dict = g_variant_lookup_value (record, "Request", G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) guests = g_variant_lookup_value (record, "Guests", G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(VirtMigrateRequest) request = NULL;
  g_autofree const char **destinations = NULL;
  g_autofree const char **include = NULL;
  g_autofree const char **exclude = NULL;
  const char *placement = NULL;
  VirtMigrateDrain *self;
  guint id = 0, uid = 0, max_parallel = 0;
  gint64 start = 0;
  GVariantIter iter;
  GVariant *item;

  if (dict == NULL || guests == NULL || !g_variant_lookup (record, "Id", "u", &id) ||
      !g_variant_lookup (record, "Destinations", "^a&s", &destinations))
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_FAILED, "Not a drain record");
      return NULL;
    }
  request = virt_migrate_request_new_from_variant (dict, error);
  if (request == NULL)
    return NULL;
  self = virt_migrate_drain_new (host, vtable, request, destinations, id);
  g_variant_lookup (record, "MaxParallel", "u", &self->max_parallel);
  if (g_variant_lookup (record, "StartedByUid", "u", &uid))
    self->started_by_uid = uid;
  if (g_variant_lookup (record, "Placement", "&s", &placement) &&
      g_strcmp0 (placement, "first") == 0)
    self->placement = VIRT_MIGRATE_DRAIN_PLACEMENT_FIRST;
  if (g_variant_lookup (record, "Include", "^a&s", &include) && include[0] != NULL)
    self->include = g_strdupv ((char **) include);
  if (g_variant_lookup (record, "Exclude", "^a&s", &exclude) && exclude[0] != NULL)
    self->exclude = g_strdupv ((char **) exclude);
  g_variant_lookup (record, "StartTime", "x", &start);
  self->start_real_time = start;
  (void) max_parallel;
  g_variant_iter_init (&iter, guests);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_ptr_array_add (self->rows, virt_migrate_drain_row_from_variant (item));
      g_variant_unref (item);
    }
  return self;
}

GVariant *
virt_migrate_drain_to_history_record (VirtMigrateDrain *self)
{
  g_autofree char *dests = g_strjoinv (" ", self->destinations);
  g_autofree char *name = g_strdup_printf ("drain %u", self->id);
  g_autofree char *text = virt_migrate_drain_summary (self);
  GVariantBuilder b;
  const char *state = virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_DRAIN_STATE, self->state);
  gint64 end = self->end_real_time != 0 ? self->end_real_time : g_get_real_time ();

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
#define ADD(key, value) g_variant_builder_add (&b, "{sv}", key, value)
  ADD ("Kind", g_variant_new_string ("drain"));
  ADD ("Id", g_variant_new_uint32 (self->id));
  ADD ("Domain", g_variant_new_string (name));
  ADD ("DomainUuid", g_variant_new_string (""));
  ADD ("Source", g_variant_new_string (virt_migrate_drain_get_source_uri (self)));
  ADD ("Destination", g_variant_new_string (dests));
  ADD ("Flow", g_variant_new_string (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_FLOW,
                                                             virt_migrate_request_get_flow (self->request))));
  ADD ("StartTime", g_variant_new_int64 (self->start_real_time));
  ADD ("EndTime", g_variant_new_int64 (end));
  ADD ("Elapsed", g_variant_new_uint64 (self->start_real_time > 0 ? (guint64) (end - self->start_real_time) / 1000 : 0));
  ADD ("Outcome", g_variant_new_string (state));
  ADD ("Error", g_variant_new_string (self->state == VIRT_MIGRATE_DRAIN_STATE_SUCCEEDED ? "" : text));
  ADD ("Messages", g_variant_new_strv ((const char *[]) { text, NULL }, 1));
  ADD ("Guests", virt_migrate_drain_table (self));
  ADD ("StartedByUid", g_variant_new_uint32 (self->started_by_uid >= 0 ? (guint32) self->started_by_uid
                                                                       : (guint32) getuid ()));
  ADD ("Host", g_variant_new_string (g_get_host_name ()));
#undef ADD
  return g_variant_builder_end (&b);
}

/**
 * virt_migrate_drain_guests_to_text:
 * @guests: a drain's virt_migrate_drain_table (#VirtMigrateDrain:guests)
 *
 * The table for a person: one line per guest with its outcome, its
 * destination and the rule that chose it, or why it stays or failed.
 *
 * Returns: (transfer full): the text
 */
char *
virt_migrate_drain_guests_to_text (GVariant *guests)
{
  g_autoptr(GString) text = g_string_new (NULL);
  GVariantIter iter;
  GVariant *item;
  gsize width = 5;

  g_return_val_if_fail (guests != NULL && g_variant_is_of_type (guests, G_VARIANT_TYPE ("aa{sv}")), NULL);

  g_variant_iter_init (&iter, guests);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *domain = "";

      g_variant_lookup (item, "domain", "&s", &domain);
      width = MAX (width, strlen (domain));
      g_variant_unref (item);
    }
  g_string_append_printf (text, "  %-*s  %-9s  %9s  %s\n", (int) width, "GUEST", "OUTCOME", "MEMORY",
                          "DESTINATION / REASON");
  g_variant_iter_init (&iter, guests);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) row = item;
      const char *domain = "", *outcome = "", *dest = "", *rule = "", *reason = "";
      guint64 memory = 0;
      guint job = 0;
      g_autofree char *mem = NULL;

      g_variant_lookup (row, "domain", "&s", &domain);
      g_variant_lookup (row, "outcome", "&s", &outcome);
      g_variant_lookup (row, "destination", "&s", &dest);
      g_variant_lookup (row, "rule", "&s", &rule);
      g_variant_lookup (row, "reason", "&s", &reason);
      g_variant_lookup (row, "memory", "t", &memory);
      g_variant_lookup (row, "job", "u", &job);
      mem = virt_migrate_drain_size_text (memory);
      g_string_append_printf (text, "  %-*s  %-9s  %9s  ", (int) width, domain, outcome, mem);
      if (*dest != '\0')
        g_string_append (text, dest);
      if (*dest != '\0' && job != 0)
        g_string_append_printf (text, " (job %u)", job);
      g_string_append_c (text, '\n');
      if (*reason != '\0')
        g_string_append_printf (text, "  %-*s  %s\n", (int) width, "", reason);
      else if (*rule != '\0' && g_strcmp0 (outcome, "moved") != 0)
        g_string_append_printf (text, "  %-*s  why there: %s\n", (int) width, "", rule);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}
