/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A drain's decisions, without libvirt: which destination each guest gets
 * and by which rule, which guests stay and why, and the order. The
 * verdicts are shaped as the pre-flight unit makes them. */
#include "config.h"

#include "virt-migrate-drain-placement.h"
#include "virt-migrate-drain-options.h"
#include "virt-migrate-drain-internal.h"
#include "virt-migrate-error.h"

#include <string.h>

#define MiB (G_GUINT64_CONSTANT (1024) * 1024)
#define GiB (MiB * 1024)

static GVariant *
verdict_ok (void)
{
  return g_variant_ref_sink (g_variant_new_parsed ("{'result': <'ok'>, 'checks': <@aa{sv} []>}"));
}

static GVariant *
verdict_blocked (const char *reason, const char *fix)
{
  return g_variant_ref_sink (g_variant_new_parsed (
    "{'result': <'blocker'>, 'checks': <[{'check': <'name'>, 'result': <'blocker'>, "
    "'reason': <%s>, 'fix': <%s>}]>}", reason, fix));
}

static VirtMigrateDrainCandidate *
guest (GPtrArray *candidates, const char *name, guint64 memory)
{
  VirtMigrateDrainCandidate *c = virt_migrate_drain_candidate_new (name, "uuid", memory);

  g_ptr_array_add (candidates, c);
  return c;
}

/* A guest each of @n_targets destinations can take. */
static VirtMigrateDrainCandidate *
guest_ok (GPtrArray *candidates, const char *name, guint64 memory, guint n_targets)
{
  VirtMigrateDrainCandidate *c = guest (candidates, name, memory);

  for (guint t = 0; t < n_targets; t++)
    g_ptr_array_add (c->verdicts, verdict_ok ());
  return c;
}

static GVariant *
row_of (GVariant *rows, const char *domain)
{
  GVariantIter iter;
  GVariant *row;

  g_variant_iter_init (&iter, rows);
  while ((row = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *name = NULL;

      g_variant_lookup (row, "domain", "&s", &name);
      if (g_strcmp0 (name, domain) == 0)
        return row;
      g_variant_unref (row);
    }
  g_assert_not_reached ();
}

#define assert_row(rows, domain, outcome, dest, position) G_STMT_START {      \
    g_autoptr(GVariant) r_ = row_of ((rows), (domain));                       \
    const char *o_ = NULL, *d_ = NULL;                                        \
    guint p_ = 0;                                                             \
    g_variant_lookup (r_, "outcome", "&s", &o_);                              \
    g_variant_lookup (r_, "destination", "&s", &d_);                          \
    g_variant_lookup (r_, "position", "u", &p_);                              \
    g_assert_cmpstr (o_, ==, (outcome));                                      \
    g_assert_cmpstr (d_, ==, (dest));                                         \
    g_assert_cmpuint (p_, ==, (position));                                    \
  } G_STMT_END

static const char *
lookup (GVariant *rows, const char *domain, const char *key)
{
  g_autoptr(GVariant) r = row_of (rows, domain);
  const char *value = NULL;

  g_variant_lookup (r, key, "&s", &value);
  /* The row lives in @rows. */
  return value;
}

/* The judged scene: four guests, one blocked by a guest of the same name on
 * the only destination. It stays, with the check's reason and fix, listed
 * first; the others go smallest first. */
static void
test_one_destination (void)
{
  g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_candidate_free);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_target_free);
  g_autoptr(GVariant) rows = NULL;
  g_autoptr(GVariant) first = NULL;
  const char *name = NULL;

  g_ptr_array_add (targets, virt_migrate_drain_target_new ("qemu+ssh://b/system", 8 * GiB));
  g_ptr_array_add (guest (guests, "web", 2 * GiB)->verdicts, verdict_ok ());
  g_ptr_array_add (guest (guests, "db", 4 * GiB)->verdicts, verdict_ok ());
  g_ptr_array_add (guest (guests, "dns", 512 * MiB)->verdicts, verdict_ok ());
  g_ptr_array_add (guest (guests, "mail", 1 * GiB)->verdicts,
                   verdict_blocked ("A different guest of the same name (UUID 1234, running)",
                                    "rename one of them"));
  rows = virt_migrate_drain_place (guests, targets, VIRT_MIGRATE_DRAIN_PLACEMENT_MOST_FREE_MEMORY);

  g_assert_cmpuint (g_variant_n_children (rows), ==, 4);
  first = g_variant_get_child_value (rows, 0);
  g_variant_lookup (first, "domain", "&s", &name);
  g_assert_cmpstr (name, ==, "mail");
  assert_row (rows, "mail", "left", "", 0);
  g_assert_nonnull (strstr (lookup (rows, "mail", "reason"),
                            "qemu+ssh://b/system: A different guest of the same name (UUID 1234, running) "
                            "(rename one of them)"));
  assert_row (rows, "dns", "queued", "qemu+ssh://b/system", 1);
  assert_row (rows, "web", "queued", "qemu+ssh://b/system", 2);
  assert_row (rows, "db", "queued", "qemu+ssh://b/system", 3);
  g_assert_cmpstr (lookup (rows, "db", "rule"), ==, "the only destination, and it can take the guest");
}

/* Most free memory spreads the guests, counting those placed before; a
 * destination that blocks a guest is skipped for it, and said so. */
static void
test_most_free_memory (void)
{
  g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_candidate_free);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_target_free);
  g_autoptr(GVariant) rows = NULL;
  VirtMigrateDrainCandidate *c;

  g_ptr_array_add (targets, virt_migrate_drain_target_new ("A", 6 * GiB));
  g_ptr_array_add (targets, virt_migrate_drain_target_new ("B", 5 * GiB));
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("g%u", i);

      guest_ok (guests, name, (i + 1) * GiB, 2);
    }
  c = guest (guests, "pinned", 512 * MiB);
  g_ptr_array_add (c->verdicts, verdict_blocked ("Network 'lan' is not on the destination", "define it"));
  g_ptr_array_add (c->verdicts, verdict_ok ());
  rows = virt_migrate_drain_place (guests, targets, VIRT_MIGRATE_DRAIN_PLACEMENT_MOST_FREE_MEMORY);

  /* pinned (0.5 GiB) can only go to B: 4.5 GiB left there; g0 (1 GiB):
   * A has 6; g1 (2 GiB): A 5 vs B 4.5, A; g2 (3 GiB): A 3 vs B 4.5, B. */
  assert_row (rows, "pinned", "queued", "B", 1);
  g_assert_nonnull (strstr (lookup (rows, "pinned", "rule"), "A: Network 'lan' is not on the destination"));
  assert_row (rows, "g0", "queued", "A", 2);
  assert_row (rows, "g1", "queued", "A", 3);
  assert_row (rows, "g2", "queued", "B", 4);
  g_test_message ("%s", lookup (rows, "g2", "rule"));
  g_assert_nonnull (strstr (lookup (rows, "g2", "rule"), "most free memory"));
  g_assert_nonnull (strstr (lookup (rows, "g2", "rule"), "4.5 GiB free once the 1 guest placed there before it has moved"));
}

/* Free memory read a moment apart differs by page cache and other guests:
 * two hosts of one machine read 300 MiB apart still take a guest each, and
 * the rule says the one chosen was not the very most free. */
static void
test_most_free_memory_noisy (void)
{
  g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_candidate_free);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_target_free);
  g_autoptr(GVariant) rows = NULL;
  const char *names[] = { "d1", "d2", "d3", "d4" };

  g_ptr_array_add (targets, virt_migrate_drain_target_new ("A", 8 * GiB + 300 * MiB));
  g_ptr_array_add (targets, virt_migrate_drain_target_new ("B", 8 * GiB));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    guest_ok (guests, names[i], 64 * MiB, 2);
  rows = virt_migrate_drain_place (guests, targets, VIRT_MIGRATE_DRAIN_PLACEMENT_MOST_FREE_MEMORY);
  assert_row (rows, "d1", "queued", "A", 1);
  assert_row (rows, "d2", "queued", "B", 2);
  assert_row (rows, "d3", "queued", "A", 3);
  assert_row (rows, "d4", "queued", "B", 4);
  g_test_message ("%s", lookup (rows, "d2", "rule"));
  g_assert_cmpstr (lookup (rows, "d1", "rule"), ==,
                   "most free memory among the destinations that can take it: 8.3 GiB free");
  g_assert_cmpstr (lookup (rows, "d2", "rule"), ==,
                   "most free memory among the destinations that can take it, within 1/16 of the most "
                   "(8.2 GiB), with the fewest guests placed: 8.0 GiB free");
}

/* Near the most is near the most free of all, not near the one chosen so
 * far: C (7.6 GiB) is within 1/16 of B (8.0) but not of A (8.5), so it
 * takes no guest though none is placed there. */
static void
test_most_free_memory_band (void)
{
  g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_candidate_free);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_target_free);
  g_autoptr(GVariant) rows = NULL;
  const char *names[] = { "d1", "d2", "d3", "d4" };

  g_ptr_array_add (targets, virt_migrate_drain_target_new ("A", 8 * GiB + 600 * MiB));
  g_ptr_array_add (targets, virt_migrate_drain_target_new ("B", 8 * GiB + 100 * MiB));
  g_ptr_array_add (targets, virt_migrate_drain_target_new ("C", 7 * GiB + 614 * MiB));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    guest_ok (guests, names[i], 64 * MiB, 3);
  rows = virt_migrate_drain_place (guests, targets, VIRT_MIGRATE_DRAIN_PLACEMENT_MOST_FREE_MEMORY);
  assert_row (rows, "d1", "queued", "A", 1);
  assert_row (rows, "d2", "queued", "B", 2);
  assert_row (rows, "d3", "queued", "A", 3);
  assert_row (rows, "d4", "queued", "B", 4);
  g_assert_cmpstr (lookup (rows, "d4", "rule"), ==,
                   "most free memory among the destinations that can take it, within 1/16 of the most "
                   "(8.5 GiB), with the fewest guests placed: 8.0 GiB free once the 1 guest placed there "
                   "before it has moved");
}

/* First fills in order; a guest that fits nowhere once the others are
 * placed stays, saying how much it needs. */
static void
test_first_and_full (void)
{
  g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_candidate_free);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_target_free);
  g_autoptr(GVariant) rows = NULL;
  const char *names[] = { "a", "b", "c", "big" };
  const guint64 sizes[] = { 1 * GiB, 1 * GiB, 2 * GiB, 3 * GiB };

  g_ptr_array_add (targets, virt_migrate_drain_target_new ("A", 3 * GiB));
  g_ptr_array_add (targets, virt_migrate_drain_target_new ("B", 2 * GiB));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    guest_ok (guests, names[i], sizes[i], 2);
  rows = virt_migrate_drain_place (guests, targets, VIRT_MIGRATE_DRAIN_PLACEMENT_FIRST);
  assert_row (rows, "a", "queued", "A", 1);
  assert_row (rows, "b", "queued", "A", 2);
  assert_row (rows, "c", "queued", "B", 3);
  assert_row (rows, "big", "left", "", 0);
  g_assert_nonnull (strstr (lookup (rows, "c", "rule"), "the first destination that can take it (A: not enough "
                                                        "free memory once the guests placed before it have moved "
                                                        "(needs 2.0 GiB, 1.0 GiB left))"));
  g_assert_nonnull (strstr (lookup (rows, "big", "reason"), "B: not enough free memory"));
}

/* A guest that could not be looked at stays with that reason; unknown
 * free memory does not block. */
static void
test_unknown (void)
{
  g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_candidate_free);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_target_free);
  g_autoptr(GVariant) rows = NULL;
  VirtMigrateDrainCandidate *c;

  g_ptr_array_add (targets, virt_migrate_drain_target_new ("A", 0));
  c = guest (guests, "odd", GiB);
  c->error = g_strdup ("Cannot read its definition");
  c = guest (guests, "fine", 64 * GiB);
  g_ptr_array_add (c->verdicts, verdict_ok ());
  rows = virt_migrate_drain_place (guests, targets, VIRT_MIGRATE_DRAIN_PLACEMENT_MOST_FREE_MEMORY);
  assert_row (rows, "odd", "left", "", 0);
  g_assert_cmpstr (lookup (rows, "odd", "reason"), ==, "Cannot read its definition");
  assert_row (rows, "fine", "queued", "A", 1);
}

/* A guest no destination of 256 can take: its reason names them one by
 * one up to a bound, then counts the rest (each named, a drain's table
 * of a host's guests could outgrow what the bus carries). */
static void
test_many_refusals (void)
{
  g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_candidate_free);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_drain_target_free);
  g_autoptr(GVariant) rows = NULL;
  VirtMigrateDrainCandidate *c = guest (guests, "stuck", GiB);
  g_autofree char *tail = NULL;
  const char *reason;
  guint named = 0;

  g_test_summary ("A guest that 256 destinations refuse: its reason names them up to some 2 KiB, and says how "
                  "many more");
  for (guint t = 0; t < 256; t++)
    {
      g_autofree char *uri = g_strdup_printf ("qemu+ssh://host%03u.example.org/system", t);

      g_ptr_array_add (targets, virt_migrate_drain_target_new (uri, 0));
      g_ptr_array_add (c->verdicts, verdict_blocked ("A guest of that name already runs there", "Rename it"));
    }
  rows = virt_migrate_drain_place (guests, targets, VIRT_MIGRATE_DRAIN_PLACEMENT_MOST_FREE_MEMORY);
  assert_row (rows, "stuck", "left", "", 0);
  reason = lookup (rows, "stuck", "reason");
  g_test_message ("%s", reason);
  g_assert_cmpuint (strlen (reason), <, 2048 + 512);
  g_assert_true (g_str_has_prefix (reason, "qemu+ssh://host000.example.org/system: "));
  for (const char *p = reason; (p = strstr (p, "qemu+ssh://")) != NULL; p++)
    named++;
  g_assert_cmpuint (named, >, 5);
  tail = g_strdup_printf ("; and %u more destinations", 256 - named);
  g_assert_true (g_str_has_suffix (reason, tail));
}

/* The D-Bus dictionary: the drain's keys apart, a guest or a single
 * destination refused, destinations required, and types checked. */
static void
test_options (void)
{
  g_autoptr(GVariant) request = NULL;
  g_autoptr(GVariant) options = NULL;
  g_auto(GStrv) destinations = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) good = g_variant_ref_sink (g_variant_new_parsed (
    "{'source-uri': <'qemu:///system'>, 'live': <true>, 'destinations': <['a', 'b']>, "
    "'max-parallel': <@u 2>, 'exclude': <['tmp-*']>}"));
  g_autoptr(GVariant) named = g_variant_ref_sink (g_variant_new_parsed (
    "{'domain': <'x'>, 'destinations': <['a']>}"));
  g_autoptr(GVariant) none = g_variant_ref_sink (g_variant_new_parsed ("{'live': <true>}"));

  g_assert_true (virt_migrate_drain_split_options (good, &request, &options, &destinations, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (destinations), ==, 2);
  g_assert_true (g_variant_lookup (request, "live", "b", NULL));
  g_assert_false (g_variant_lookup (request, "max-parallel", "u", NULL));
  g_assert_true (g_variant_lookup (options, "max-parallel", "u", NULL));
  g_clear_pointer (&request, g_variant_unref);
  g_clear_pointer (&options, g_variant_unref);
  g_clear_pointer (&destinations, g_strfreev);

  g_assert_false (virt_migrate_drain_split_options (named, &request, &options, &destinations, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_REQUEST);
  g_clear_error (&error);
  g_assert_false (virt_migrate_drain_split_options (none, &request, &options, &destinations, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_MISSING_DEST_URI);
}

/* The manager refuses what no guest could do, before anything runs. */
static void
test_create (void)
{
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new ();
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_new (NULL, "test:///default", NULL);
  g_autoptr(VirtMigrateRequest) named = virt_migrate_request_new ("x", "test:///default", NULL);
  g_autoptr(VirtMigrateDrain) drain = NULL;
  g_autoptr(GError) error = NULL;
  const char *dests[] = { "test:///other", NULL };
  const char *self_dest[] = { "test:///default", NULL };

  g_object_set (request, "live", TRUE, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, NULL);
  g_assert_null (virt_migrate_manager_create_drain (manager, named, dests, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_REQUEST);
  g_clear_error (&error);
  g_assert_null (virt_migrate_manager_create_drain (manager, request, self_dest, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_URI);
  g_clear_error (&error);
  g_object_set (request, "flow", VIRT_MIGRATE_FLOW_MANAGED_DIRECT,
                "transport", VIRT_MIGRATE_TRANSPORT_TUNNELLED, NULL);
  g_assert_null (virt_migrate_manager_create_drain (manager, request, dests, &error));
  g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_TUNNELLED_NEEDS_P2P);
  g_clear_error (&error);
  g_object_set (request, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, NULL);
  drain = virt_migrate_manager_create_drain (manager, request, dests, &error);
  g_assert_no_error (error);
  g_assert_true (virt_migrate_manager_lookup_drain (manager, virt_migrate_drain_get_id (drain)) == drain);
  g_assert_cmpint (virt_migrate_drain_get_state (drain), ==, VIRT_MIGRATE_DRAIN_STATE_PENDING);
  g_assert_cmpstr (virt_migrate_drain_get_source_uri (drain), ==, "test:///default");
  /* Cancelled before it ran: it ends at once, nothing moved. */
  virt_migrate_drain_cancel (drain);
  g_assert_cmpint (virt_migrate_drain_get_state (drain), ==, VIRT_MIGRATE_DRAIN_STATE_CANCELLED);
}

/* The table as a person reads it. */
static void
test_text (void)
{
  g_autoptr(GVariant) rows = g_variant_ref_sink (g_variant_new_parsed (
    "[{'domain': <'mail'>, 'outcome': <'left'>, 'memory': <@t 1073741824>, 'destination': <''>, "
    "  'rule': <''>, 'reason': <'B: a guest of the same name'>, 'job': <@u 0>},"
    " {'domain': <'dns'>, 'outcome': <'moved'>, 'memory': <@t 536870912>, 'destination': <'B'>, "
    "  'rule': <'the only destination'>, 'reason': <''>, 'job': <@u 7>}]"));
  g_autofree char *text = virt_migrate_drain_guests_to_text (rows);

  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "  mail   left         1.0 GiB  \n"));
  g_assert_nonnull (strstr (text, "B: a guest of the same name"));
  g_assert_nonnull (strstr (text, "  dns    moved      512.0 MiB  B (job 7)\n"));
}

static void
test_row_outcomes (void)
{
  static const char *const nicks[] = { "queued", "planned", "running", "moved", "left", "failed", "cancelled" };

  g_test_summary ("A row's outcome is typed; each nick goes through a record and back, and one this "
                  "version does not know (or none) reads as left");
  for (guint i = 0; i < G_N_ELEMENTS (nicks); i++)
    {
      g_autoptr(GVariantDict) d = g_variant_dict_new (NULL);
      g_autoptr(GVariant) in = NULL, out = NULL;
      Row *row;
      const char *back = NULL;

      g_variant_dict_insert (d, "domain", "s", "web");
      g_variant_dict_insert (d, "outcome", "s", nicks[i]);
      in = g_variant_ref_sink (g_variant_dict_end (d));
      row = virt_migrate_drain_row_from_variant (in);
      g_assert_cmpint (row->outcome, ==, (DrainOutcome) i);
      out = g_variant_ref_sink (virt_migrate_drain_row_to_variant (row));
      g_assert_true (g_variant_lookup (out, "outcome", "&s", &back));
      g_assert_cmpstr (back, ==, nicks[i]);
      virt_migrate_drain_row_free (row);
    }
  g_assert_cmpint (virt_migrate_drain_outcome_from_nick ("teleported"), ==, DRAIN_OUTCOME_LEFT);
  g_assert_cmpint (virt_migrate_drain_outcome_from_nick (NULL), ==, DRAIN_OUTCOME_LEFT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/virt-migrate/drain/one-destination", test_one_destination);
  g_test_add_func ("/virt-migrate/drain/most-free-memory", test_most_free_memory);
  g_test_add_func ("/virt-migrate/drain/most-free-memory-noisy", test_most_free_memory_noisy);
  g_test_add_func ("/virt-migrate/drain/most-free-memory-band", test_most_free_memory_band);
  g_test_add_func ("/virt-migrate/drain/first-and-full", test_first_and_full);
  g_test_add_func ("/virt-migrate/drain/unknown", test_unknown);
  g_test_add_func ("/virt-migrate/drain/many-refusals", test_many_refusals);
  g_test_add_func ("/virt-migrate/drain/options", test_options);
  g_test_add_func ("/virt-migrate/drain/create", test_create);
  g_test_add_func ("/virt-migrate/drain/text", test_text);
  g_test_add_func ("/virt-migrate/drain/row-outcomes", test_row_outcomes);
  return g_test_run ();
}
