/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one rate limit of the D-Bus and HTTP views (VirtMigratePublisher). */
#include "config.h"

#include "virt-migrate-publisher.h"

#define INTERVAL (100 * G_TIME_SPAN_MILLISECOND)

typedef struct {
  guint n;
  guint value;     /* what the view holds */
  guint published; /* the value when last published */
} View;

static void
publish (gpointer user_data)
{
  View *v = user_data;

  v->n++;
  v->published = v->value;
}

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
wait_ms (guint ms)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add (ms, quit_cb, loop);
  g_main_loop_run (loop);
}

static void
test_coalesced (void)
{
  View v = { 0 };
  g_autoptr(VirtMigratePublisher) p = virt_migrate_publisher_new (publish, &v);

  g_test_summary ("The first change goes out at once; changes within the interval wait and go out "
                  "once, with the last value: none is lost");
  v.value = 1;
  virt_migrate_publisher_changed (p, INTERVAL);
  g_assert_cmpuint (v.n, ==, 1);
  for (guint i = 2; i <= 5; i++)
    {
      v.value = i;
      virt_migrate_publisher_changed (p, INTERVAL);
    }
  g_assert_cmpuint (v.n, ==, 1);
  wait_ms (250);
  g_assert_cmpuint (v.n, ==, 2);
  g_assert_cmpuint (v.published, ==, 5);
}

static void
test_sent (void)
{
  View v = { 0 };
  g_autoptr(VirtMigratePublisher) p = virt_migrate_publisher_new (publish, &v);

  g_test_summary ("News sent by other means drops the pending update and restarts the interval");
  virt_migrate_publisher_changed (p, INTERVAL);
  virt_migrate_publisher_changed (p, INTERVAL);
  virt_migrate_publisher_sent (p);
  wait_ms (250);
  g_assert_cmpuint (v.n, ==, 1);
  virt_migrate_publisher_changed (p, INTERVAL);
  g_assert_cmpuint (v.n, ==, 2);
}

static void
test_free_pending (void)
{
  View v = { 0 };
  VirtMigratePublisher *p = virt_migrate_publisher_new (publish, &v);

  g_test_summary ("A view gone with an update pending publishes nothing after");
  virt_migrate_publisher_changed (p, INTERVAL);
  virt_migrate_publisher_changed (p, INTERVAL);
  virt_migrate_publisher_free (p);
  wait_ms (250);
  g_assert_cmpuint (v.n, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/virt-migrate/publisher/coalesced", test_coalesced);
  g_test_add_func ("/virt-migrate/publisher/sent", test_sent);
  g_test_add_func ("/virt-migrate/publisher/free-pending", test_free_pending);
  return g_test_run ();
}
