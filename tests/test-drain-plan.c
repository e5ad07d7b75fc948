/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A drain planned and resumed through the hypervisor seam, against the
 * scripted fake: which guests it takes, each guest's pre-flight verdict on
 * each destination as libvirt's gathering would find it, the placement,
 * the order, and after a restart where each guest is found. No libvirtd. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "fake-backend.h"
#include "fake-hypervisor.h"
#include "virt-migrate-drain-private.h"
#include "virt-migrate-manager-private.h"
#include "virt-migrate.h"

#define MiB (G_GUINT64_CONSTANT (1024) * 1024)
#define GiB (MiB * 1024)
#define SRC "qemu+ssh://src.example.org/system"
#define D1 "qemu+ssh://d1.example.org/system"
#define D2 "qemu+ssh://d2.example.org/system"

typedef struct {
  FakeHypervisor     *hv;
  VirtMigrateManager *manager;
  char               *dir;
} Fixture;

static VirtMigrateBackend *
make_fake_backend (VirtMigrateRequest *request, gboolean adopted, gpointer user_data)
{
  FakeBackend *fake = fake_backend_new ();

  fake_backend_set_memory (fake, 64 * MiB);
  fake_backend_add_memory_pass (fake, 64 * MiB, 0, 1, FALSE);
  return VIRT_MIGRATE_BACKEND (fake);
}

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(VirtMigrateSettings) settings = virt_migrate_settings_new_with_backend (backend);
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp ("virt-migrate-drain-plan-XXXXXX", &error);
  g_assert_no_error (error);
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "poll-interval", 10);
  fx->hv = fake_hypervisor_new ();
  fx->manager = virt_migrate_manager_new_with_settings (settings);
  virt_migrate_manager_set_history (fx->manager, NULL);
  virt_migrate_manager_set_hypervisor_func (fx->manager, fake_hypervisor_ref_func, g_object_ref (fx->hv),
                                            g_object_unref);
  virt_migrate_manager_set_backend_func (fx->manager, make_fake_backend, NULL, NULL);
  fake_hypervisor_add_host (fx->hv, SRC, 1 * GiB);
  fake_hypervisor_add_host (fx->hv, D1, 4 * GiB);
  fake_hypervisor_add_host (fx->hv, D2, 8 * GiB);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->manager);
  g_clear_object (&fx->hv);
  g_rmdir (fx->dir);
  g_free (fx->dir);
}

static VirtMigrateDrain *
drain_of (Fixture *fx, const char *const *destinations, gboolean dry_run)
{
  g_autoptr(VirtMigrateRequest) request = virt_migrate_request_new (NULL, SRC, NULL);
  g_autoptr(GError) error = NULL;
  VirtMigrateDrain *drain;

  g_object_set (request, "live", TRUE, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, NULL);
  drain = virt_migrate_manager_create_drain (fx->manager, request, destinations, &error);
  g_assert_no_error (error);
  virt_migrate_drain_set_dry_run (drain, dry_run);
  return drain;
}

static void
on_run_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;

  virt_migrate_drain_run_finish (VIRT_MIGRATE_DRAIN (source), result, error);
}

/* Runs @drain to its end; its error (NULL: every guest moved, or the dry run ended). */
static GError *
run_to_end (VirtMigrateDrain *drain)
{
  GError *error = NULL;

  virt_migrate_drain_run_async (drain, NULL, on_run_done, &error);
  while (!virt_migrate_drain_is_finished (drain))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return error;
}

/* The row of @domain: "outcome destination reason". */
static char *
row (VirtMigrateDrain *drain, const char *domain)
{
  g_autoptr(GVariant) rows = virt_migrate_drain_get_guests (drain);
  GVariantIter iter;
  GVariant *r;

  g_variant_iter_init (&iter, rows);
  while ((r = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = r;
      const char *name = NULL, *outcome = "", *dest = "", *reason = "";

      g_variant_lookup (r, "domain", "&s", &name);
      if (g_strcmp0 (name, domain) != 0)
        continue;
      g_variant_lookup (r, "outcome", "&s", &outcome);
      g_variant_lookup (r, "destination", "&s", &dest);
      g_variant_lookup (r, "reason", "&s", &reason);
      return g_strdup_printf ("%s %s %s", outcome, dest, reason);
    }
  return g_strdup ("absent");
}

#define assert_row(drain, domain, pattern) G_STMT_START {                      \
    g_autofree char *r_ = row ((drain), (domain));                               \
    if (!g_pattern_match_simple ((pattern), r_))                                 \
      g_error ("%s: row '%s' does not match '%s'", (domain), r_, (pattern));    \
  } G_STMT_END

static guint
n_rows (VirtMigrateDrain *drain)
{
  g_autoptr(GVariant) rows = virt_migrate_drain_get_guests (drain);

  return (guint) g_variant_n_children (rows);
}

static void
ignore_error (GError *error)
{
  g_clear_error (&error);
}

static void
test_plan_placement (Fixture *fx, gconstpointer data)
{
  const char *dests[] = { D1, D2, NULL };
  g_autoptr(VirtMigrateDrain) drain = NULL;

  g_test_summary ("A dry run takes the source's running guests only, checks each against every "
                  "destination (through the seam: 3 guests x 2 destinations), and places each where "
                  "most memory is free, counting what it already placed there");
  fake_hypervisor_add_guest (fx->hv, SRC, "web", "11111111-0000-4000-8000-000000000001", 3 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, SRC, "db", "11111111-0000-4000-8000-000000000002", 2 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, SRC, "cache", "11111111-0000-4000-8000-000000000003", 1 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, SRC, "off", "11111111-0000-4000-8000-000000000004", 1 * GiB, FALSE);
  drain = drain_of (fx, dests, TRUE);
  ignore_error (run_to_end (drain));
  g_assert_cmpint (virt_migrate_drain_get_state (drain), ==, VIRT_MIGRATE_DRAIN_STATE_PLANNED);
  g_assert_cmpuint (n_rows (drain), ==, 3);
  g_assert_cmpuint (fake_hypervisor_get_n_gathered (fx->hv), ==, 6);
  assert_row (drain, "off", "absent");
  /* Smallest first: cache (1) to D2 (8 free), db (2) to D2 (7 left), web
   * (3) to D2 (5 left, D1 has 4). */
  assert_row (drain, "cache", "planned " D2 " *");
  assert_row (drain, "db", "planned " D2 " *");
  assert_row (drain, "web", "planned " D2 " *");
}

static void
test_plan_conflicts (Fixture *fx, gconstpointer data)
{
  const char *dests[] = { D1, D2, NULL };
  g_autoptr(VirtMigrateDrain) drain = NULL;

  g_test_summary ("A guest of the same name (another UUID) on one destination sends the guest to the "
                  "other; on both, it stays with the check's reason; too little memory everywhere, "
                  "it stays saying so");
  fake_hypervisor_add_guest (fx->hv, SRC, "web", "22222222-0000-4000-8000-000000000001", 1 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, SRC, "db", "22222222-0000-4000-8000-000000000002", 1 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, SRC, "huge", "22222222-0000-4000-8000-000000000003", 64 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, D2, "web", "99999999-0000-4000-8000-000000000001", 1 * GiB, FALSE);
  fake_hypervisor_add_guest (fx->hv, D1, "db", "99999999-0000-4000-8000-000000000002", 1 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, D2, "db", "99999999-0000-4000-8000-000000000003", 1 * GiB, FALSE);
  drain = drain_of (fx, dests, TRUE);
  ignore_error (run_to_end (drain));
  assert_row (drain, "web", "planned " D1 " *");
  assert_row (drain, "db", "left *A different guest of the same name*");
  assert_row (drain, "huge", "left *memory*");
}

static void
test_plan_unreachable (Fixture *fx, gconstpointer data)
{
  const char *dests[] = { D1, D2, NULL };
  const char *only_d2[] = { D2, NULL };
  g_autoptr(VirtMigrateDrain) drain = NULL;
  g_autoptr(VirtMigrateDrain) alone = NULL;

  g_test_summary ("An unreachable destination takes no guest (its verdict says why) and the others "
                  "go to a reachable one; with no reachable destination every guest stays");
  fake_hypervisor_add_guest (fx->hv, SRC, "web", "33333333-0000-4000-8000-000000000001", 1 * GiB, TRUE);
  fake_hypervisor_set_reachable (fx->hv, D2, FALSE);
  drain = drain_of (fx, dests, TRUE);
  ignore_error (run_to_end (drain));
  assert_row (drain, "web", "planned " D1 " *");
  alone = drain_of (fx, only_d2, TRUE);
  ignore_error (run_to_end (alone));
  assert_row (alone, "web", "left *Cannot connect to " D2 "*");
}

static void
test_plan_filters (Fixture *fx, gconstpointer data)
{
  const char *dests[] = { D1, NULL };
  const char *include[] = { "web*", "db", NULL };
  const char *exclude[] = { "*-test", NULL };
  g_autoptr(VirtMigrateDrain) drain = NULL;

  g_test_summary ("--include and --exclude choose the guests before anything is asked of them: "
                  "only the chosen ones are checked");
  fake_hypervisor_add_guest (fx->hv, SRC, "web1", "44444444-0000-4000-8000-000000000001", 1 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, SRC, "web1-test", "44444444-0000-4000-8000-000000000002", 1 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, SRC, "db", "44444444-0000-4000-8000-000000000003", 1 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, SRC, "mail", "44444444-0000-4000-8000-000000000004", 1 * GiB, TRUE);
  drain = drain_of (fx, dests, TRUE);
  virt_migrate_drain_set_include (drain, include);
  virt_migrate_drain_set_exclude (drain, exclude);
  ignore_error (run_to_end (drain));
  g_assert_cmpuint (n_rows (drain), ==, 2);
  g_assert_cmpuint (fake_hypervisor_get_n_gathered (fx->hv), ==, 2);
  assert_row (drain, "web1", "planned " D1 " *");
  assert_row (drain, "db", "planned " D1 " *");
  assert_row (drain, "web1-test", "absent");
  assert_row (drain, "mail", "absent");
}

static void
test_plan_source_unreachable (Fixture *fx, gconstpointer data)
{
  const char *dests[] = { D1, NULL };
  g_autoptr(VirtMigrateDrain) drain = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A source that cannot be asked: the drain fails saying which host, nothing checked");
  fake_hypervisor_set_reachable (fx->hv, SRC, FALSE);
  drain = drain_of (fx, dests, TRUE);
  error = run_to_end (drain);
  g_assert_cmpint (virt_migrate_drain_get_state (drain), ==, VIRT_MIGRATE_DRAIN_STATE_FAILED);
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, "Cannot connect to " SRC));
  g_assert_cmpuint (fake_hypervisor_get_n_gathered (fx->hv), ==, 0);
}

static void
test_drain_runs (Fixture *fx, gconstpointer data)
{
  const char *dests[] = { D1, D2, NULL };
  g_autoptr(VirtMigrateDrain) drain = NULL;

  g_test_summary ("Not a dry run: the planned guests migrate (on the fake backend) to their "
                  "destinations; the one that stays is left; the drain ends incomplete");
  fake_hypervisor_add_guest (fx->hv, SRC, "a", "55555555-0000-4000-8000-000000000001", 1 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, SRC, "b", "55555555-0000-4000-8000-000000000002", 2 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, SRC, "c", "55555555-0000-4000-8000-000000000003", 1 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, D1, "c", "99999999-0000-4000-8000-000000000009", 1 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, D2, "c", "99999999-0000-4000-8000-00000000000a", 1 * GiB, TRUE);
  drain = drain_of (fx, dests, FALSE);
  ignore_error (run_to_end (drain));
  assert_row (drain, "a", "moved " D2 " *");
  assert_row (drain, "b", "moved " D2 " *");
  assert_row (drain, "c", "left *");
  g_assert_cmpint (virt_migrate_drain_get_state (drain), ==, VIRT_MIGRATE_DRAIN_STATE_INCOMPLETE);
  g_assert_cmpuint (virt_migrate_drain_get_n_moved (drain), ==, 2);
}

typedef struct {
  VirtMigrateDrain *drain;
  guint             running;     /* the drain's jobs past the queue now */
  guint             most;        /* the most at once */
  guint             queued_seen; /* the most rows queued with their job in the manager's queue */
} Watch;

static void
on_state (VirtMigrateJob *job, GParamSpec *pspec, Watch *w)
{
  VirtMigrateJobState state = virt_migrate_job_get_state (job);
  gboolean was = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (job), "watch-running"));
  gboolean is = state != VIRT_MIGRATE_JOB_STATE_PENDING && !virt_migrate_job_state_is_final (state);

  if (was == is)
    return;
  g_object_set_data (G_OBJECT (job), "watch-running", GUINT_TO_POINTER (is));
  w->running += is ? 1 : -1;
  w->most = MAX (w->most, w->running);
  {
      g_autoptr(GVariant) rows = virt_migrate_drain_get_guests (w->drain);
      GVariantIter iter;
      GVariant *r;
      guint n = 0;

      g_variant_iter_init (&iter, rows);
      while ((r = g_variant_iter_next_value (&iter)) != NULL)
        {
          const char *outcome = "";
          guint job_id = 0;

          g_variant_lookup (r, "outcome", "&s", &outcome);
          g_variant_lookup (r, "job", "u", &job_id);
          if (g_str_equal (outcome, "queued") && job_id != 0)
            n++;
          g_variant_unref (r);
        }
      w->queued_seen = MAX (w->queued_seen, n);
  }
}

static void
on_job_added (VirtMigrateManager *manager, VirtMigrateJob *job, Watch *w)
{
  g_signal_connect (job, "notify::state", G_CALLBACK (on_state), w);
}

static void
test_one_queue (Fixture *fx, gconstpointer data)
{
  const char *dests[] = { D1, NULL };
  g_autoptr(VirtMigrateDrain) drain = NULL;
  Watch w = { 0 };
  gulong id;

  g_test_summary ("A drain hands all its guests to the manager's one queue at once, as a group with "
                  "its max-parallel: never more than 1 of its jobs past the queue, the others queued "
                  "(with their job) meanwhile, all moved in order");
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("q%u", i);
      g_autofree char *uuid = g_strdup_printf ("77777777-0000-4000-8000-00000000000%u", i);

      fake_hypervisor_add_guest (fx->hv, SRC, name, uuid, i * 64 * MiB, TRUE);
    }
  drain = drain_of (fx, dests, FALSE);
  virt_migrate_drain_set_max_parallel (drain, 1);
  w.drain = drain;
  id = g_signal_connect (fx->manager, "job-added", G_CALLBACK (on_job_added), &w);
  g_assert_no_error (run_to_end (drain));
  g_signal_handler_disconnect (fx->manager, id);
  g_assert_cmpuint (w.most, ==, 1);
  g_assert_cmpuint (w.queued_seen, >=, 1);
  assert_row (drain, "q1", "moved " D1 " *");
  assert_row (drain, "q2", "moved " D1 " *");
  assert_row (drain, "q3", "moved " D1 " *");
  g_assert_cmpint (virt_migrate_drain_get_state (drain), ==, VIRT_MIGRATE_DRAIN_STATE_SUCCEEDED);
}

static void
test_resume_reconciles (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) record = NULL;
  g_autoptr(VirtMigrateDrain) drain = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A drain resumed after a restart finds each guest that was migrating through the "
                  "seam: on the destination is moved, on neither host failed saying so, the source "
                  "unreachable failed saying that, and one still on the source is queued again and "
                  "migrates");
  fake_hypervisor_add_guest (fx->hv, SRC, "still", "66666666-0000-4000-8000-000000000001", 1 * GiB, TRUE);
  fake_hypervisor_add_guest (fx->hv, D1, "went", "66666666-0000-4000-8000-000000000002", 1 * GiB, TRUE);
  record = g_variant_ref_sink (g_variant_new_parsed (
    "{'Id': <uint32 41>, 'State': <'running'>, 'Destinations': <[%s]>, 'MaxParallel': <uint32 2>,"
    " 'Request': <{'source-uri': <%s>, 'live': <true>, 'flow': <'peer-to-peer'>}>,"
    " 'Guests': <[{'domain': <'went'>, 'uuid': <'66666666-0000-4000-8000-000000000002'>, 'memory': <uint64 1073741824>,"
    "   'position': <uint32 1>, 'destination': <%s>, 'rule': <'first'>, 'outcome': <'running'>, 'reason': <''>},"
    "  {'domain': <'gone'>, 'uuid': <'66666666-0000-4000-8000-000000000003'>, 'memory': <uint64 1073741824>,"
    "   'position': <uint32 2>, 'destination': <%s>, 'rule': <'first'>, 'outcome': <'running'>, 'reason': <''>},"
    "  {'domain': <'still'>, 'uuid': <'66666666-0000-4000-8000-000000000001'>, 'memory': <uint64 1073741824>,"
    "   'position': <uint32 3>, 'destination': <%s>, 'rule': <'first'>, 'outcome': <'running'>, 'reason': <''>}]>}",
    D1, SRC, D1, D1, D1));
  drain = virt_migrate_drain_new_from_record (G_OBJECT (fx->manager), virt_migrate_manager_get_drain_host (), record,
                                             &error);
  g_assert_no_error (error);
  virt_migrate_drain_resume (drain);
  while (!virt_migrate_drain_is_finished (drain))
    g_main_context_iteration (NULL, TRUE);
  assert_row (drain, "went", "moved " D1 " *Found running on the destination*");
  assert_row (drain, "gone", "failed " D1 " *runs on neither host*");
  assert_row (drain, "still", "moved " D1 " *");
}

static void
test_resume_source_unreachable (Fixture *fx, gconstpointer data)
{
  g_autoptr(GVariant) record = NULL;
  g_autoptr(VirtMigrateDrain) drain = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Resumed while its source cannot be reached: the guest that was migrating is "
                  "failed with that reason, not guessed moved");
  fake_hypervisor_set_reachable (fx->hv, SRC, FALSE);
  record = g_variant_ref_sink (g_variant_new_parsed (
    "{'Id': <uint32 42>, 'State': <'running'>, 'Destinations': <[%s]>,"
    " 'Request': <{'source-uri': <%s>, 'live': <true>, 'flow': <'peer-to-peer'>}>,"
    " 'Guests': <[{'domain': <'x'>, 'uuid': <'77777777-0000-4000-8000-000000000001'>, 'memory': <uint64 1>,"
    "   'position': <uint32 1>, 'destination': <%s>, 'rule': <'first'>, 'outcome': <'running'>, 'reason': <''>}]>}",
    D1, SRC, D1));
  drain = virt_migrate_drain_new_from_record (G_OBJECT (fx->manager), virt_migrate_manager_get_drain_host (), record,
                                             &error);
  g_assert_no_error (error);
  virt_migrate_drain_resume (drain);
  while (!virt_migrate_drain_is_finished (drain))
    g_main_context_iteration (NULL, TRUE);
  assert_row (drain, "x", "failed " D1 " *source could not be reached*");
}

/* A restarted manager follows the job a previous process recorded as
 * running, through the manager's backend seam (the fake here): same id,
 * owner, start time and log, one message for the restart, then its end in
 * the history. */
static void
test_restart_adopts (Fixture *fx, gconstpointer data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(VirtMigrateSettings) settings = virt_migrate_settings_new_with_backend (backend);
  g_autoptr(VirtMigrateManager) restarted = NULL;
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) last = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fx->dir, "77.job", NULL);
  g_autofree char *joined = NULL;
  gint64 began = g_get_real_time () - 90 * G_USEC_PER_SEC, recorded = 0;
  VirtMigrateJob *job;
  guint id = 0;

  g_test_summary ("A restart adopts a recorded running job through the backend seam: its id, owner, "
                  "start time and log kept, a line for the restart, its end in the history");
  record = g_variant_ref_sink (g_variant_new_parsed (
    "{'Id': <uint32 77>, 'State': <'running'>, 'StartedByUid': <uint32 1000>, 'StartTime': <%x>,"
    " 'Messages': <['policy: watching']>,"
    " 'Request': <{'domain': <'web'>, 'source-uri': <%s>, 'dest-uri': <%s>, 'live': <true>,"
    "              'flow': <'peer-to-peer'>}>}", began, SRC, D1));
  g_assert_true (g_file_set_contents (path, g_variant_get_data (record), (gssize) g_variant_get_size (record),
                                      &error));
  g_assert_no_error (error);
  g_settings_set_uint (virt_migrate_settings_get_gsettings (settings), "poll-interval", 10);
  restarted = virt_migrate_manager_new_with_settings (settings);
  virt_migrate_manager_set_backend_func (restarted, make_fake_backend, NULL, NULL);
  virt_migrate_manager_set_state_directory (restarted, fx->dir);
  job = virt_migrate_manager_lookup_job (restarted, 77);
  g_assert_nonnull (job);
  g_object_ref (job);
  while (!virt_migrate_job_is_finished (job))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
  g_assert_cmpuint (virt_migrate_job_get_started_by_uid (job), ==, 1000);
  joined = g_strjoinv ("\n", (char **) virt_migrate_job_get_messages (job));
  g_assert_nonnull (strstr (joined, "policy: watching"));
  g_assert_nonnull (strstr (joined, "restarted while this job was running"));
  /* Its elapsed time counts from when it began, not from the restart. */
  g_assert_cmpuint (virt_migrate_job_get_elapsed (job), >=, 90 * 1000);
  g_object_unref (job);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  all = virt_migrate_history_query (virt_migrate_manager_get_history (restarted), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (all), ==, 1);
  last = g_variant_get_child_value (all, 0);
  g_assert_true (g_variant_lookup (last, "Id", "u", &id));
  g_assert_cmpuint (id, ==, 77);
  g_assert_true (g_variant_lookup (last, "StartTime", "x", &recorded));
  g_assert_cmpint (recorded, ==, began);
  {
    g_autofree char *history = g_build_filename (fx->dir, "history", NULL);
    g_autofree char *lock = g_build_filename (fx->dir, "history.lock", NULL);

    g_unlink (history);
    g_unlink (lock);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add ("/virt-migrate/drain-plan/" name, Fixture, NULL, fixture_set_up, func, \
                                    fixture_tear_down)
  ADD ("placement", test_plan_placement);
  ADD ("conflicts", test_plan_conflicts);
  ADD ("unreachable", test_plan_unreachable);
  ADD ("filters", test_plan_filters);
  ADD ("source-unreachable", test_plan_source_unreachable);
  ADD ("runs", test_drain_runs);
  ADD ("one-queue", test_one_queue);
  ADD ("resume-reconciles", test_resume_reconciles);
  ADD ("resume-source-unreachable", test_resume_source_unreachable);
  ADD ("restart-adopts", test_restart_adopts);
#undef ADD
  return g_test_run ();
}
