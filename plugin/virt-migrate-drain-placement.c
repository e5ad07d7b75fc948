/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-drain-placement.h"
#include "virt-migrate-preflight.h"

VirtMigrateDrainCandidate *
virt_migrate_drain_candidate_new (const char *domain,
                                  const char *uuid,
                                  guint64     memory)
{
  VirtMigrateDrainCandidate *c = g_new0 (VirtMigrateDrainCandidate, 1);

  c->domain = g_strdup (domain);
  c->uuid = g_strdup (uuid);
  c->memory = memory;
  c->verdicts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  return c;
}

void
virt_migrate_drain_candidate_free (VirtMigrateDrainCandidate *candidate)
{
  if (candidate == NULL)
    return;
  g_free (candidate->domain);
  g_free (candidate->uuid);
  g_free (candidate->error);
  g_ptr_array_unref (candidate->verdicts);
  g_free (candidate);
}

VirtMigrateDrainTarget *
virt_migrate_drain_target_new (const char *uri,
                               guint64     free_memory)
{
  VirtMigrateDrainTarget *t = g_new0 (VirtMigrateDrainTarget, 1);

  t->uri = g_strdup (uri);
  t->free_memory = free_memory;
  return t;
}

void
virt_migrate_drain_target_free (VirtMigrateDrainTarget *target)
{
  if (target == NULL)
    return;
  g_free (target->uri);
  g_free (target);
}

char *
virt_migrate_drain_size_text (guint64 bytes)
{
  g_autofree char *text = g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
  g_auto(GStrv) parts = g_strsplit (text, "\u00a0", -1);

  /* GLib separates with a no-break space; a terminal and grep want a space. */
  return g_strjoinv (" ", parts);
}

/* Smallest memory first gets the most guests off soonest; the name breaks
 * ties, so the same host drains in the same order every time. */
static gint
by_memory (gconstpointer a, gconstpointer b)
{
  const VirtMigrateDrainCandidate *x = *(VirtMigrateDrainCandidate **) a;
  const VirtMigrateDrainCandidate *y = *(VirtMigrateDrainCandidate **) b;

  if (x->memory != y->memory)
    return x->memory < y->memory ? -1 : 1;
  return g_strcmp0 (x->domain, y->domain);
}

static gint
by_name (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(VirtMigrateDrainCandidate **) a)->domain,
                    (*(VirtMigrateDrainCandidate **) b)->domain);
}

/* Free memory read a moment apart moves with page cache and other guests:
 * a reading within 1/16 of the most counts as equal to it. Unknown free
 * memory (0) is near the most only where none is known. */
static gboolean
near_most (guint64 free_memory, guint64 most)
{
  return most - free_memory <= most / 16;
}

/* The most of one guest's reason that names destinations one by one: the
 * rest are counted. (With 256 destinations each named, a drain's table
 * of a host's guests could outgrow what the bus carries.) */
#define WHY_MAX 2048

/* Adds what the destination @uri says of a guest to @why, unless @why
 * holds WHY_MAX bytes already: then it is counted in @more. */
static void
why_add (GString *why, guint *more, const char *uri, const char *text)
{
  if (why->len >= WHY_MAX)
    {
      (*more)++;
      return;
    }
  g_string_append_printf (why, "%s%s: %s", why->len > 0 ? "; " : "", uri, text);
}

static GVariant *
row (const VirtMigrateDrainCandidate *c, guint position, const char *destination,
     const char *rule, const char *outcome, const char *reason)
{
  GVariantDict d;

  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "domain", "s", c->domain);
  g_variant_dict_insert (&d, "uuid", "s", c->uuid != NULL ? c->uuid : "");
  g_variant_dict_insert (&d, "memory", "t", c->memory);
  g_variant_dict_insert (&d, "position", "u", position);
  g_variant_dict_insert (&d, "destination", "s", destination != NULL ? destination : "");
  g_variant_dict_insert (&d, "rule", "s", rule != NULL ? rule : "");
  g_variant_dict_insert (&d, "outcome", "s", outcome);
  g_variant_dict_insert (&d, "reason", "s", reason != NULL ? reason : "");
  return g_variant_dict_end (&d);
}

GVariant *
virt_migrate_drain_place (GPtrArray                 *candidates,
                          GPtrArray                 *targets,
                          VirtMigrateDrainPlacement  placement)
{
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  g_autoptr(GPtrArray) movers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr(GPtrArray) stayers = g_ptr_array_new ();
  g_autoptr(GPtrArray) stay_rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autofree guint64 *free_left = g_new0 (guint64, MAX (targets->len, 1));
  g_autofree guint *placed = g_new0 (guint, MAX (targets->len, 1));
  g_autofree gboolean *can = g_new0 (gboolean, MAX (targets->len, 1));
  gboolean most_free = placement == VIRT_MIGRATE_DRAIN_PLACEMENT_MOST_FREE_MEMORY;
  GVariantBuilder rows;

  for (guint t = 0; t < targets->len; t++)
    free_left[t] = ((VirtMigrateDrainTarget *) g_ptr_array_index (targets, t))->free_memory;
  for (guint i = 0; i < candidates->len; i++)
    g_ptr_array_add (order, g_ptr_array_index (candidates, i));
  g_ptr_array_sort (order, by_memory);

  for (guint i = 0; i < order->len; i++)
    {
      VirtMigrateDrainCandidate *c = g_ptr_array_index (order, i);
      g_autoptr(GString) why = g_string_new (NULL);
      guint more = 0;
      gint chosen = -1;
      guint64 most = 0;

      if (c->error != NULL)
        {
          g_ptr_array_add (stayers, c);
          g_ptr_array_add (stay_rows, g_variant_ref_sink (row (c, 0, NULL, NULL, "left", c->error)));
          continue;
        }
      for (guint t = 0; t < targets->len; t++)
        {
          VirtMigrateDrainTarget *target = g_ptr_array_index (targets, t);
          GVariant *verdict = t < c->verdicts->len ? g_ptr_array_index (c->verdicts, t) : NULL;

          can[t] = FALSE;
          if (verdict == NULL)
            {
              why_add (why, &more, target->uri, "not checked");
              continue;
            }
          /* Placed only where the checks ran and found no blocker. */
          if (virt_migrate_preflight_result (verdict) == VIRT_MIGRATE_CHECK_RESULT_BLOCKER ||
              virt_migrate_preflight_result (verdict) == VIRT_MIGRATE_CHECK_RESULT_UNKNOWN)
            {
              g_autofree char *blockers = virt_migrate_preflight_blockers (verdict);

              why_add (why, &more, target->uri, blockers);
              continue;
            }
          /* What the guests placed before it will take. */
          if (target->free_memory > 0 && c->memory > free_left[t])
            {
              g_autofree char *need = virt_migrate_drain_size_text (c->memory);
              g_autofree char *left = virt_migrate_drain_size_text (free_left[t]);
              g_autofree char *text = g_strdup_printf ("not enough free memory once the guests placed before it "
                                                       "have moved (needs %s, %s left)", need, left);

              why_add (why, &more, target->uri, text);
              continue;
            }
          can[t] = TRUE;
          most = MAX (most, free_left[t]);
        }
      if (more > 0)
        g_string_append_printf (why, "; and %u more destination%s", more, more == 1 ? "" : "s");
      /* First: the first that can take it. Most free memory: among those
       * near the most (unknown counting as less than any known), the one
       * with the fewest guests placed, then the most free, then the first. */
      for (guint t = 0; t < targets->len; t++)
        {
          if (!can[t] || (most_free && !near_most (free_left[t], most)))
            continue;
          if (chosen < 0 ||
              (most_free && (placed[t] < placed[chosen] ||
                             (placed[t] == placed[chosen] && free_left[t] > free_left[chosen]))))
            chosen = (gint) t;
        }
      if (chosen < 0)
        {
          g_ptr_array_add (stayers, c);
          g_ptr_array_add (stay_rows, g_variant_ref_sink (row (c, 0, NULL, NULL, "left",
                                                               why->len > 0 ? why->str : "no destination")));
          continue;
        }
      {
        VirtMigrateDrainTarget *target = g_ptr_array_index (targets, chosen);
        g_autofree char *rule = NULL;

        if (targets->len == 1)
          rule = g_strdup ("the only destination, and it can take the guest");
        else if (placement == VIRT_MIGRATE_DRAIN_PLACEMENT_FIRST)
          rule = g_strdup_printf ("the first destination that can take it%s%s%s",
                                  why->len > 0 ? " (" : "", why->str, why->len > 0 ? ")" : "");
        else if (target->free_memory > 0)
          {
            g_autofree char *free_text = virt_migrate_drain_size_text (free_left[chosen]);

            g_autofree char *after = placed[chosen] == 0 ? g_strdup ("") :
              g_strdup_printf (" once the %u guest%s placed there before it %s moved", placed[chosen],
                               placed[chosen] == 1 ? "" : "s", placed[chosen] == 1 ? "has" : "have");

            g_autofree char *most_text = virt_migrate_drain_size_text (most);
            g_autofree char *near = free_left[chosen] == most ? g_strdup ("") :
              g_strdup_printf (", within 1/16 of the most (%s), with the fewest guests placed", most_text);

            rule = g_strdup_printf ("most free memory among the destinations that can take it%s: "
                                    "%s free%s%s%s%s", near, free_text, after,
                                    why->len > 0 ? " (" : "", why->str, why->len > 0 ? ")" : "");
          }
        else
          rule = g_strdup_printf ("free memory unknown: the one with the fewest guests placed%s%s%s",
                                  why->len > 0 ? " (" : "", why->str, why->len > 0 ? ")" : "");
        if (target->free_memory > 0)
          free_left[chosen] -= c->memory;
        placed[chosen]++;
        g_ptr_array_add (movers, g_variant_ref_sink (row (c, movers->len + 1, target->uri, rule, "queued", NULL)));
      }
    }

  /* The ones that stay are listed first, by name: a person reads them
   * before anything moves. */
  g_variant_builder_init (&rows, G_VARIANT_TYPE ("aa{sv}"));
  {
    g_autoptr(GPtrArray) idx = g_ptr_array_new ();

    for (guint i = 0; i < stayers->len; i++)
      g_ptr_array_add (idx, stayers->pdata[i]);
    g_ptr_array_sort (idx, by_name);
    for (guint i = 0; i < idx->len; i++)
      for (guint j = 0; j < stayers->len; j++)
        if (stayers->pdata[j] == idx->pdata[i])
          g_variant_builder_add_value (&rows, g_ptr_array_index (stay_rows, j));
  }
  for (guint i = 0; i < movers->len; i++)
    g_variant_builder_add_value (&rows, g_ptr_array_index (movers, i));
  return g_variant_ref_sink (g_variant_builder_end (&rows));
}
