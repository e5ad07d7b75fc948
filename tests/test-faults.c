/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What happens when things break, for real on the test bed: each case
 * checks where the guest runs afterwards, whether it is paused, and the
 * job's final state and message. The destination libvirtd is killed last:
 * the test bed's destination host is gone after it. */
#include <glib/gstdio.h>
#include <signal.h>

#include "vm-testbed.h"

#define DISK_MIB 64
#define BANDWIDTH_MIB 8

typedef void (*FaultFunc) (const char *name);

typedef struct {
  GMainLoop *loop;
  FaultFunc  fault;
  const char *name;
  gboolean   injected;
  gboolean   finished;
} Run;

static void
on_progress (VirtMigrateJob *job, GParamSpec *pspec, Run *r)
{
  if (r->fault != NULL && !r->injected && virt_migrate_job_get_progress (job) > 0)
    {
      r->injected = TRUE;
      g_test_message ("fault injected at progress %.2f", virt_migrate_job_get_progress (job));
      r->fault (r->name);
    }
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *r = user_data;

  virt_migrate_job_run_finish (VIRT_MIGRATE_JOB (source), result, NULL);
  r->finished = TRUE;
  g_main_loop_quit (r->loop);
}

/* A throttled storage migration of a new guest @name with @fault injected
 * at the first progress report; returns the finished job. */
static VirtMigrateJob *
migrate_with_fault (const char *name, FaultFunc fault)
{
  g_autoptr(VirtMigrateRequest) req = vm_testbed_slow_request (name, DISK_MIB, BANDWIDTH_MIB);
  VirtMigrateJob *job = virt_migrate_job_new (req);
  Run r = { g_main_loop_new (NULL, FALSE), fault, name, FALSE, FALSE };

  g_signal_connect (job, "notify::progress", G_CALLBACK (on_progress), &r);
  virt_migrate_job_run_async (job, NULL, on_done, &r);
  g_main_loop_run (r.loop);
  g_main_loop_unref (r.loop);
  g_assert_true (r.injected);
  {
    const GError *error = virt_migrate_job_get_error (job);

    g_test_message ("job ended %s: %s",
                    virt_migrate_job_get_state (job) == VIRT_MIGRATE_JOB_STATE_SUCCEEDED ? "succeeded" : "not succeeded",
                    error != NULL ? error->message : "(no error)");
  }
  return job;
}

static GPid
read_pid (const char *path)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    g_error ("no pid file %s", path);
  return (GPid) g_ascii_strtoll (text, NULL, 10);
}

static void
kill_dest_qemu (const char *name)
{
  g_assert_true (vm_testbed_kill_dest_qemu (name));
}

static void
remove_sockets (const char *name)
{
  g_autofree char *base = vm_testbed_path (name);
  g_autofree char *mig = g_strconcat (base, ".mig", NULL);
  g_autofree char *nbd = g_strconcat (base, ".nbd", NULL);

  /* The hypervisor socket may already be gone (QEMU listens once); the
   * NBD one serves the copy going on. */
  g_unlink (mig);
  g_assert_cmpint (g_unlink (nbd), ==, 0);
}

static void
kill_dest_libvirtd (const char *name)
{
  /* libvirtd's own pid file (dst.pid is its reaper's, see the test bed). */
  g_autofree char *path = vm_testbed_path ("dst/run/libvirt/libvirtd.pid");

  g_assert_cmpint (kill (read_pid (path), SIGKILL), ==, 0);
}

static void
test_dest_qemu_killed (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("fault-qemu");
  g_autoptr(VirtMigrateJob) job = NULL;

  g_test_summary ("The destination QEMU is killed mid-copy: the job fails with libvirt's "
                  "message; the guest runs (not paused) on the source; nothing on the destination");
  job = migrate_with_fault (name, kill_dest_qemu);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_FAILED);
  g_assert_nonnull (virt_migrate_job_get_error (job));
  g_assert_true (g_error_matches (virt_migrate_job_get_error (job), VIRT_MIGRATE_ERROR,
                                  VIRT_MIGRATE_ERROR_LIBVIRT));
  vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
  vm_assert_guest (tb->dst_uri, name, VM_GUEST_ABSENT);
  vm_testbed_destroy_guest (tb->src_uri, name);
}

static void
test_socket_removed (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("fault-sock");
  g_autoptr(VirtMigrateJob) job = NULL;
  const GError *error;

  g_test_summary ("The UNIX socket paths (migration and NBD) are removed mid-copy: the disk "
                  "copy's connection carries on, but QEMU connects to the migration socket only "
                  "after the disks, finds no path and fails; the guest runs on the source");
  job = migrate_with_fault (name, remove_sockets);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_FAILED);
  error = virt_migrate_job_get_error (job);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, ".mig"));
  vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
  vm_assert_guest (tb->dst_uri, name, VM_GUEST_ABSENT);
  vm_testbed_destroy_guest (tb->src_uri, name);
}

static void
count (VirtMigrateJob *job, guint *n)
{
  (*n)++;
}

static void
test_cancel_phases (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autoptr(GError) error = NULL;

  g_test_summary ("Cancel in each phase: before start, while preparing, after completion "
                  "(during the copy: test-job); never a half state, a late cancel is a no-op "
                  "with a clear answer");

  /* Before start: the job ends cancelled without calling libvirt. */
  {
    g_autofree char *name = vm_testbed_unique_name ("cancel-before");
    g_autoptr(VirtMigrateRequest) req = vm_testbed_slow_request (name, 16, BANDWIDTH_MIB);
    g_autoptr(VirtMigrateJob) job = virt_migrate_job_new (req);

    g_assert_true (virt_migrate_job_cancel (job, &error));
    g_assert_no_error (error);
    g_assert_false (vm_testbed_run_job (job, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_CANCELLED);
    g_assert_null (virt_migrate_job_get_libvirt_api (job));
    vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
    vm_testbed_destroy_guest (tb->src_uri, name);
  }

  /* While preparing: right after starting, before libvirt's job began. */
  {
    g_autofree char *name = vm_testbed_unique_name ("cancel-preparing");
    g_autoptr(VirtMigrateRequest) req = vm_testbed_slow_request (name, 16, BANDWIDTH_MIB);
    g_autoptr(VirtMigrateJob) job = virt_migrate_job_new (req);
    g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
    Run r = { loop, NULL, name, TRUE, FALSE };
    guint completed = 0;

    g_signal_connect (job, "completed", G_CALLBACK (count), &completed);
    virt_migrate_job_run_async (job, NULL, on_done, &r);
    g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_PREPARING);
    g_assert_true (virt_migrate_job_cancel (job, &error));
    g_assert_no_error (error);
    g_main_loop_run (loop);
    g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_CANCELLED);
    g_assert_null (virt_migrate_job_get_error (job));
    g_assert_cmpuint (completed, ==, 1);
    vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
    vm_assert_guest (tb->dst_uri, name, VM_GUEST_ABSENT);
    vm_testbed_destroy_guest (tb->src_uri, name);
  }

  /* After completion: refused, the result stands. */
  {
    g_autofree char *name = vm_testbed_unique_name ("cancel-after");
    g_autoptr(VirtMigrateRequest) req = vm_testbed_slow_request (name, 16, 64);
    g_autoptr(VirtMigrateJob) job = virt_migrate_job_new (req);

    g_assert_true (vm_testbed_run_job (job, NULL, &error));
    g_assert_no_error (error);
    g_assert_false (virt_migrate_job_cancel (job, &error));
    g_assert_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_NOT_CANCELLABLE);
    g_test_message ("late cancel: %s", error->message);
    g_clear_error (&error);
    g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_SUCCEEDED);
    vm_assert_guest (tb->dst_uri, name, VM_GUEST_RUNNING);
    vm_testbed_destroy_guest (tb->dst_uri, name);
  }
}

static void
test_dest_libvirtd_killed (void)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *name = vm_testbed_unique_name ("fault-libvirtd");
  g_autoptr(VirtMigrateJob) job = NULL;

  g_test_summary ("The destination libvirtd is killed mid-copy (managed direct): the job "
                  "fails with libvirt's message and the guest runs, not paused, on the source");
  job = migrate_with_fault (name, kill_dest_libvirtd);
  g_assert_cmpint (virt_migrate_job_get_state (job), ==, VIRT_MIGRATE_JOB_STATE_FAILED);
  g_assert_nonnull (virt_migrate_job_get_error (job));
  vm_assert_guest (tb->src_uri, name, VM_GUEST_RUNNING);
  vm_testbed_destroy_guest (tb->src_uri, name);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  vm_testbed_get ();

  g_test_add_func ("/virt-migrate/faults/dest-qemu-killed", test_dest_qemu_killed);
  g_test_add_func ("/virt-migrate/faults/socket-removed", test_socket_removed);
  g_test_add_func ("/virt-migrate/faults/cancel-phases", test_cancel_phases);
  /* Last: the destination host is gone afterwards. */
  g_test_add_func ("/virt-migrate/faults/dest-libvirtd-killed", test_dest_libvirtd_killed);
  return g_test_run ();
}
