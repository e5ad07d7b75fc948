/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Progress latency: how long after libvirt's own completion event
 * (VIR_DOMAIN_EVENT_ID_JOB_COMPLETED on the source) a caller learns that a
 * migration ended: the job's `completed` signal in this process, and the
 * D-Bus `Completed` signal of a VirtMigrateDBusService (on a private bus,
 * received by a client connection of this process). Idle 64 MiB guest,
 * N migrations (default 10), medians. One run, one table.
 *   tests/testbed/virt-migrate-testbed run -- build/bench/bench-latency [N] */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <libvirt-glib/libvirt-glib.h>
#include "vm-testbed.h"

typedef struct {
  GMainLoop *loop;
  gint64     event;      /* libvirt's JOB_COMPLETED, µs */
  gint64     completed;  /* the job's completed signal */
  gint64     dbus;       /* the D-Bus Completed signal */
} Times;

static void
on_libvirt_completed (virConnectPtr conn, virDomainPtr dom, virTypedParameterPtr params, int nparams,
                      void *opaque)
{
  Times *t = opaque;

  if (t->event == 0)
    t->event = g_get_monotonic_time ();
}

static void
on_job_completed (VirtMigrateJob *job, Times *t)
{
  t->completed = g_get_monotonic_time ();
}

static void
on_dbus_completed (GDBusConnection *c, const char *sender, const char *path, const char *iface,
                   const char *signal, GVariant *params, gpointer user_data)
{
  Times *t = user_data;

  t->dbus = g_get_monotonic_time ();
  g_main_loop_quit (t->loop);
}

int
main (int argc, char **argv)
{
  const VmTestbed *tb = vm_testbed_get ();
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 10;
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GDBusConnection) service_conn = NULL, client = NULL;
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new ();
  g_autoptr(VirtMigrateDBusService) service = NULL;
  g_autoptr(GArray) to_signal = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) to_dbus = g_array_new (FALSE, FALSE, sizeof (gdouble));
  virConnectPtr src, dst;

  /* libvirt-glib's event loop, which the library uses too: our own
   * JOB_COMPLETED callback arrives through it. */
  gvir_init_check (NULL, NULL, NULL);
  gvir_event_register ();
  g_test_dbus_up (bus);
  service_conn = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                         NULL, NULL, NULL);
  client = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, NULL);
  service = virt_migrate_dbus_service_new (manager, service_conn, NULL);
  g_assert_true (virt_migrate_dbus_service_export (service, NULL));
  src = vm_testbed_connect (tb->src_uri);
  dst = vm_testbed_connect (tb->dst_uri);
  vm_testbed_create_guest (tb->src_uri, "latency", NULL, FALSE, TRUE);

  for (guint i = 0; i < n; i++)
    {
      gboolean forth = i % 2 == 0;
      virConnectPtr from = forth ? src : dst;
      g_autoptr(VirtMigrateRequest) req = virt_migrate_request_new ("latency", forth ? tb->src_uri : tb->dst_uri,
                                                                    forth ? tb->dst_uri : tb->src_uri);
      g_autofree char *name = g_strdup_printf ("latency-%u.sock", i);
      g_autofree char *sock = vm_testbed_path (name);
      g_autofree char *hv = g_strconcat ("unix://", sock, NULL);
      Times t = { g_main_loop_new (NULL, FALSE), 0, 0, 0 };
      g_autoptr(VirtMigrateJob) job = NULL;
      virDomainPtr dom = virDomainLookupByName (from, "latency");
      int cb = virConnectDomainEventRegisterAny (from, dom, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                                 VIR_DOMAIN_EVENT_CALLBACK (on_libvirt_completed), &t, NULL);
      guint sub = g_dbus_connection_signal_subscribe (client, NULL, "org.virtmigrate.VirtMigrate1.Job",
                                                      "Completed", NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                      on_dbus_completed, &t, NULL);
      gdouble a, b;

      g_object_set (req, "live", TRUE, "hypervisor-uri", hv, NULL);
      job = virt_migrate_manager_start (manager, req, NULL, NULL);
      g_signal_connect (job, "completed", G_CALLBACK (on_job_completed), &t);
      g_main_loop_run (t.loop);
      g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
      g_assert_true (t.event != 0);
      a = (t.completed - t.event) / 1000.0;
      b = (t.dbus - t.event) / 1000.0;
      g_array_append_val (to_signal, a);
      g_array_append_val (to_dbus, b);
      g_printerr ("migration %u: completed +%.1f ms, D-Bus Completed +%.1f ms\n", i + 1, a, b);
      g_dbus_connection_signal_unsubscribe (client, sub);
      virConnectDomainEventDeregisterAny (from, cb);
      virDomainFree (dom);
      g_main_loop_unref (t.loop);
    }
  g_print ("Idle 64 MiB TCG guest, managed direct over UNIX sockets, %u migrations\n\n", n);
  g_print ("| from libvirt's JOB_COMPLETED event to | median (ms) | max (ms) |\n| --- | ---: | ---: |\n");
  g_print ("| the job's `completed` signal | %.1f |", vm_testbed_median (to_signal));
  g_print (" %.1f |\n", g_array_index (to_signal, gdouble, to_signal->len - 1));
  g_print ("| the D-Bus `Completed` signal | %.1f |", vm_testbed_median (to_dbus));
  g_print (" %.1f |\n", g_array_index (to_dbus, gdouble, to_dbus->len - 1));
  vm_testbed_destroy_guest (n % 2 ? tb->dst_uri : tb->src_uri, "latency");
  virt_migrate_dbus_service_unexport (service);
  virConnectClose (src);
  virConnectClose (dst);
  g_test_dbus_down (bus);
  return 0;
}
