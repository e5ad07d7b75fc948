/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Post-copy recovery's one unit (virt-migrate-recovery.c): the tries'
 * schedule and the resume request, for the job and Manager.Recover(). */
#include "config.h"

#include "virt-migrate-recovery.h"
#include "virt-migrate.h"

#define S G_USEC_PER_SEC

static VirtMigrateRequest *
request (gboolean postcopy, guint timeout)
{
  VirtMigrateRequest *r = virt_migrate_request_new ("g", "qemu:///system", "qemu+ssh://dst/system");

  g_object_set (r, "postcopy", postcopy, "postcopy-recovery-timeout", timeout, NULL);
  return r;
}

static void
test_schedule (void)
{
  g_autoptr(VirtMigrateRequest) r = request (TRUE, 300);
  VirtMigrateRecovery rec;
  const guint want[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000 };
  gint64 now = 1000 * S;

  g_test_summary ("Back-off 1, 2, 4, 8, 16 s, then 30 s at most, from the first failure on");
  virt_migrate_recovery_init (&rec, r);
  g_assert_false (virt_migrate_recovery_started (&rec));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      guint delay = virt_migrate_recovery_failed (&rec, now);

      g_assert_true (virt_migrate_recovery_started (&rec));
      g_assert_cmpuint (delay, ==, want[i]);
      now += (gint64) delay * 1000;
      g_assert_cmpuint (virt_migrate_recovery_try (&rec), ==, i + 1);
    }
}

static void
test_deadline (void)
{
  g_autoptr(VirtMigrateRequest) r = request (TRUE, 5);
  VirtMigrateRecovery rec;
  gint64 now = 1000 * S;

  g_test_summary ("The tries stop at the request's recovery timeout: the last one comes at the deadline, "
                  "then it gives up");
  virt_migrate_recovery_init (&rec, r);
  g_assert_cmpuint (virt_migrate_recovery_failed (&rec, now), ==, 1000);
  virt_migrate_recovery_try (&rec);
  g_assert_cmpuint (virt_migrate_recovery_failed (&rec, now + 1 * S), ==, 2000);
  virt_migrate_recovery_try (&rec);
  /* 4 s would pass the deadline (5 s after the first failure): 2 s left. */
  g_assert_cmpuint (virt_migrate_recovery_failed (&rec, now + 3 * S), ==, 2000);
  virt_migrate_recovery_try (&rec);
  g_assert_cmpuint (virt_migrate_recovery_failed (&rec, now + 5 * S), ==, 0);
}

static void
test_none (void)
{
  g_autoptr(VirtMigrateRequest) off = request (FALSE, 300);
  g_autoptr(VirtMigrateRequest) zero = request (TRUE, 0);
  VirtMigrateRecovery rec;

  g_test_summary ("No recovery where post-copy is not allowed, or the timeout is 0: give up at once");
  virt_migrate_recovery_init (&rec, off);
  g_assert_cmpuint (virt_migrate_recovery_failed (&rec, 1 * S), ==, 0);
  virt_migrate_recovery_init (&rec, zero);
  g_assert_cmpuint (virt_migrate_recovery_failed (&rec, 1 * S), ==, 0);
}

static void
test_request (void)
{
  g_autoptr(VirtMigrateRequest) r = request (TRUE, 300);
  g_autoptr(VirtMigrateRequest) resume = NULL;
  const char *map[] = { "/a=/b", NULL };
  gboolean postcopy_resume = FALSE, after = TRUE;
  g_auto(GStrv) disk_map = NULL;

  g_test_summary ("The resume request: the same hosts and flow with postcopy-resume, no switch after the "
                  "first pass, no maps (their XML is already there); the original unchanged");
  g_object_set (r, "postcopy-after-precopy", TRUE, "disk-map", map, "flow", VIRT_MIGRATE_FLOW_PEER_TO_PEER, NULL);
  resume = virt_migrate_recovery_request (r);
  g_object_get (resume, "postcopy-resume", &postcopy_resume, "postcopy-after-precopy", &after, "disk-map", &disk_map,
                NULL);
  g_assert_true (postcopy_resume);
  g_assert_false (after);
  g_assert_null (disk_map);
  g_assert_cmpint (virt_migrate_request_get_flow (resume), ==, VIRT_MIGRATE_FLOW_PEER_TO_PEER);
  g_assert_cmpstr (virt_migrate_request_get_dest_uri (resume), ==, "qemu+ssh://dst/system");
  g_object_get (r, "postcopy-resume", &postcopy_resume, NULL);
  g_assert_false (postcopy_resume);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/virt-migrate/recovery/schedule", test_schedule);
  g_test_add_func ("/virt-migrate/recovery/deadline", test_deadline);
  g_test_add_func ("/virt-migrate/recovery/none", test_none);
  g_test_add_func ("/virt-migrate/recovery/request", test_request);
  return g_test_run ();
}
