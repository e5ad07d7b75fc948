/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_SETTINGS_ENABLE_BACKEND
#include "vm-testbed.h"
#include "dirtier/dirtier-status.h"

#include <gio/gsettingsbackend.h>

#include <gio/gio.h>
#include <libvirt/virterror.h>
#include <errno.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static void
quiet_libvirt_errors (void *opaque, virErrorPtr err)
{
  g_debug ("libvirt: %s", err->message);
}

static void
drop_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
}

const VmTestbed *
vm_testbed_get (void)
{
  static VmTestbed tb;
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      const char *dir = g_getenv ("VIRT_MIGRATE_TESTBED_DIR");

      if (dir == NULL)
        g_error ("No test bed: run this test through "
                 "'tests/testbed/virt-migrate-testbed run -- TEST' (meson test does)");
      tb.dir = g_strdup (dir);
      tb.src_uri = g_strdup (g_getenv ("VIRT_MIGRATE_TESTBED_SRC_URI"));
      tb.dst_uri = g_strdup (g_getenv ("VIRT_MIGRATE_TESTBED_DST_URI"));
      tb.uid = (guint) g_ascii_strtoull (g_getenv ("VIRT_MIGRATE_TESTBED_UID"), NULL, 10);
      tb.gid = (guint) g_ascii_strtoull (g_getenv ("VIRT_MIGRATE_TESTBED_GID"), NULL, 10);
      virSetErrorFunc (NULL, quiet_libvirt_errors);
      /* libvirt-glib's event loop logs every watch update at debug level. */
      g_log_set_handler (NULL, G_LOG_LEVEL_DEBUG, drop_log, NULL);
      g_once_init_leave (&once, 1);
    }
  return &tb;
}

virConnectPtr
vm_testbed_connect (const char *uri)
{
  virConnectPtr conn = virConnectOpen (uri);

  if (conn == NULL)
    g_error ("cannot connect to test host %s: %s", uri, virGetLastErrorMessage ());
  return conn;
}

char *
vm_testbed_path (const char *name)
{
  return g_build_filename (vm_testbed_get ()->dir, name, NULL);
}

char *
vm_testbed_unique_name (const char *prefix)
{
  static guint counter = 0;
  return g_strdup_printf ("%s-%u-%u", prefix, (guint) getpid (), ++counter);
}

/* Runs a command, aborting the test if it fails. */
void
vm_testbed_run (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s %s", argv[0], error->message, err ? err : "");
}

/* A qcow2 image of @size_mib MiB whose first @random_mib MiB are random data
 * (which neither QEMU nor libvirt can skip as zeroes), owned by the test user. */
char *
vm_testbed_make_disk (const char *name,
                      guint       size_mib,
                      guint       random_mib)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *path = vm_testbed_path (name);
  g_autofree char *size = g_strdup_printf ("%uM", size_mib);

  if (random_mib > 0)
    {
      g_autofree char *raw = g_strconcat (path, ".raw", NULL);
      g_autofree guint8 *data = g_malloc ((gsize) random_mib << 20);
      g_autoptr(GError) error = NULL;
      GRand *rand = g_rand_new ();

      for (gsize i = 0; i < ((gsize) random_mib << 20) / 4; i++)
        ((guint32 *) data)[i] = g_rand_int (rand);
      g_rand_free (rand);
      if (!g_file_set_contents (raw, (char *) data, (gssize) random_mib << 20, &error))
        g_error ("%s", error->message);
      vm_testbed_run ((const char *[]) { "qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2",
                                     raw, path, NULL });
      vm_testbed_run ((const char *[]) { "qemu-img", "resize", "-q", "-f", "qcow2", path, size, NULL });
      unlink (raw);
    }
  else
    vm_testbed_run ((const char *[]) { "qemu-img", "create", "-q", "-f", "qcow2", path, size, NULL });

  if (getuid () == 0 && chown (path, tb->uid, tb->gid) < 0)
    g_error ("chown %s: %s", path, g_strerror (errno));
  return g_steal_pointer (&path);
}

/* A guest's disk vda on the qcow2 image @disk_path (NULL: none). */
static char *
disk_xml (const char *disk_path)
{
  if (disk_path == NULL)
    return NULL;
  return g_strdup_printf ("    <disk type='file' device='disk'>\n"
                          "      <driver name='qemu' type='qcow2'/>\n"
                          "      <source file='%s'/>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n", disk_path);
}

char *
vm_testbed_guest_xml (const char *name,
                      const char *disk_path)
{
  g_autofree char *disk = disk_xml (disk_path);

  /* A TCG guest with no OS: it boots into its BIOS and idles there. */
  return g_strdup_printf ("<domain type='qemu'>\n"
                          "  <name>%s</name>\n"
                          "  <memory unit='MiB'>64</memory>\n"
                          "  <vcpu>1</vcpu>\n"
                          "  <os><type arch='x86_64' machine='pc'>hvm</type></os>\n"
                          "  <devices>\n"
                          "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
                          "%s"
                          "    <memballoon model='none'/>\n"
                          "  </devices>\n"
                          "</domain>\n", name, disk != NULL ? disk : "");
}

/* Waits (up to a minute) until the dirtier in @dom says @state, read from
 * the guest's memory. */
static void
wait_dirtier_state (virDomainPtr dom,
                    const char  *name,
                    guint32      state)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint32 words[2] = { 0, 0 };

  while (g_get_monotonic_time () < deadline)
    {
      if (virDomainMemoryPeek (dom, DIRTIER_STATUS_ADDRESS, sizeof (words), words, VIR_MEMORY_PHYSICAL) < 0)
        g_error ("peek into %s: %s", name, virGetLastErrorMessage ());
      /* The guest is x86: little-endian, as this host. */
      if (GUINT32_FROM_LE (words[0]) == DIRTIER_MAGIC && GUINT32_FROM_LE (words[1]) >= state)
        return;
      g_usleep (100 * 1000);
    }
  g_error ("%s: the dirtier did not reach state %u within a minute (it says %#x %u)", name, state,
           GUINT32_FROM_LE (words[0]), GUINT32_FROM_LE (words[1]));
}

/* A running guest on the source with @mem_mib MiB of RAM, running the
 * multiboot kernel tests/dirtier builds ($VIRT_MIGRATE_DIRTIER), booted
 * through <kernel> with @cmdline; with @wait_state, once the dirtier says
 * it. */
static void
dirtier_guest (const char *name,
               guint       mem_mib,
               const char *cmdline,
               const char *disk_path,
               guint32     wait_state)
{
  const VmTestbed *tb = vm_testbed_get ();
  const char *built = g_getenv ("VIRT_MIGRATE_DIRTIER");
  g_autofree char *kernel = vm_testbed_path ("dirtier.elf");
  g_autofree char *xml = NULL, *disk = NULL;
  virConnectPtr conn;
  virDomainPtr dom;

  if (built == NULL)
    g_error ("VIRT_MIGRATE_DIRTIER is not set (meson test sets it)");
  if (!g_file_test (kernel, G_FILE_TEST_EXISTS))
    {
      g_autofree char *contents = NULL;
      gsize length = 0;
      g_autoptr(GError) error = NULL;

      if (!g_file_get_contents (built, &contents, &length, &error) ||
          !g_file_set_contents (kernel, contents, length, &error))
        g_error ("%s", error->message);
      if (getuid () == 0 && chown (kernel, tb->uid, tb->gid) < 0)
        g_error ("chown %s: %s", kernel, g_strerror (errno));
    }
  disk = disk_xml (disk_path);
  xml = g_strdup_printf ("<domain type='qemu'>\n"
                         "  <name>%s</name>\n"
                         "  <memory unit='MiB'>%u</memory>\n"
                         "  <vcpu>1</vcpu>\n"
                         "  <os><type arch='x86_64' machine='pc'>hvm</type>\n"
                         "    <kernel>%s</kernel>\n"
                         "    <cmdline>%s</cmdline></os>\n"
                         "  <devices>\n"
                         "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
                         "%s"
                         "    <memballoon model='none'/>\n"
                         "  </devices>\n"
                         "</domain>\n", name, mem_mib, kernel, cmdline, disk != NULL ? disk : "");
  conn = vm_testbed_connect (tb->src_uri);
  dom = virDomainCreateXML (conn, xml, 0);
  if (dom == NULL)
    g_error ("create %s: %s", name, virGetLastErrorMessage ());
  if (wait_state != 0)
    wait_dirtier_state (dom, name, wait_state);
  virDomainFree (dom);
  virConnectClose (conn);
}

/* A guest that keeps dirtying @dirty_mib MiB of its @mem_mib at @rate_mib
 * MiB/s (0: as fast as it can). */
void
vm_testbed_dirty_guest (const char *name,
                        guint       mem_mib,
                        guint       dirty_mib,
                        guint       rate_mib)
{
  g_autofree char *cmdline = g_strdup_printf ("dirty_mib=%u rate=%u", dirty_mib, rate_mib);

  dirtier_guest (name, mem_mib, cmdline, NULL, 0);
}

/* The same with a disk of @disk_mib MiB of random data (vda, NAME-src.qcow2
 * in the test bed's directory), for a storage copy. */
void
vm_testbed_dirty_disk_guest (const char *name,
                             guint       mem_mib,
                             guint       dirty_mib,
                             guint       rate_mib,
                             guint       disk_mib)
{
  g_autofree char *cmdline = g_strdup_printf ("dirty_mib=%u rate=%u", dirty_mib, rate_mib);
  g_autofree char *file = g_strconcat (name, "-src.qcow2", NULL);
  g_autofree char *disk = vm_testbed_make_disk (file, disk_mib, disk_mib);

  dirtier_guest (name, mem_mib, cmdline, disk, 0);
}

/* A guest that writes @data_mib MiB of its @mem_mib once, as fast as it
 * can, then touches nothing: an idle guest with data in its RAM. Returns
 * once the data is written (else a migration begun at once, as a drain's
 * first, could move the guest before it wrote anything, in a second). */
void
vm_testbed_idle_guest (const char *name,
                       guint       mem_mib,
                       guint       data_mib)
{
  g_autofree char *cmdline = g_strdup_printf ("dirty_mib=%u rate=0 rounds=1", data_mib);

  dirtier_guest (name, mem_mib, cmdline, NULL, DIRTIER_IDLE);
}

void
vm_testbed_define_xml (const char *uri,
                       const char *xml)
{
  virConnectPtr conn = vm_testbed_connect (uri);
  virDomainPtr dom = virDomainDefineXML (conn, xml);

  if (dom == NULL)
    g_error ("define on %s: %s", uri, virGetLastErrorMessage ());
  virDomainFree (dom);
  virConnectClose (conn);
}

void
vm_testbed_create_guest (const char *uri,
                         const char *name,
                         const char *disk_path,
                         gboolean    persistent,
                         gboolean    start)
{
  virConnectPtr conn = vm_testbed_connect (uri);
  g_autofree char *xml = vm_testbed_guest_xml (name, disk_path);
  virDomainPtr dom;

  if (persistent)
    {
      dom = virDomainDefineXML (conn, xml);
      if (dom != NULL && start && virDomainCreate (dom) < 0)
        g_error ("start %s: %s", name, virGetLastErrorMessage ());
    }
  else
    dom = virDomainCreateXML (conn, xml, 0);
  if (dom == NULL)
    g_error ("create %s on %s: %s", name, uri, virGetLastErrorMessage ());
  virDomainFree (dom);
  virConnectClose (conn);
}

/* A running guest on the source whose disk (@disk_mib MiB, the first
 * @random_mib of them random) is to be copied: makes an empty image of the
 * same size for the destination and returns the guest's migratable XML
 * rewritten to use it (same UUID), for the request's dest-xml. */
char *
vm_testbed_storage_guest (const char *name,
                          guint       disk_mib,
                          guint       random_mib,
                          char      **src_disk,
                          char      **dst_disk)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *src_file = g_strconcat (name, "-src.qcow2", NULL);
  g_autofree char *dst_file = g_strconcat (name, "-dst.qcow2", NULL);
  g_autofree char *xml = NULL;
  g_auto(GStrv) parts = NULL;

  *src_disk = vm_testbed_make_disk (src_file, disk_mib, random_mib);
  *dst_disk = vm_testbed_make_disk (dst_file, disk_mib, 0);
  vm_testbed_create_guest (tb->src_uri, name, *src_disk, FALSE, TRUE);
  xml = vm_testbed_guest_dumpxml (tb->src_uri, name, VIR_DOMAIN_XML_MIGRATABLE);
  parts = g_strsplit (xml, *src_disk, -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  return g_strjoinv (*dst_disk, parts);
}

/* A running guest whose @disk_mib MiB disk of random data is to be copied,
 * throttled to @bandwidth_mib MiB/s: a migration that takes a while (an idle
 * guest's RAM is zero pages, which a bandwidth cap alone does not slow). The
 * request is live, managed direct, with QEMU and NBD on UNIX sockets. */
VirtMigrateRequest *
vm_testbed_slow_request (const char *name,
                         guint       disk_mib,
                         guint64     bandwidth_mib)
{
  const VmTestbed *tb = vm_testbed_get ();
  g_autofree char *src_disk = NULL, *dst_disk = NULL;
  g_autofree char *dest_xml = vm_testbed_storage_guest (name, disk_mib, disk_mib,
                                                         &src_disk, &dst_disk);
  g_autofree char *sock = vm_testbed_path (name);
  g_autofree char *hv = g_strconcat ("unix://", sock, ".mig", NULL);
  g_autofree char *nbd = g_strconcat ("unix://", sock, ".nbd", NULL);
  VirtMigrateRequest *req = virt_migrate_request_new (name, tb->src_uri, tb->dst_uri);

  g_object_set (req, "live", TRUE, "storage", VIRT_MIGRATE_STORAGE_COPY_ALL,
                "bandwidth", bandwidth_mib, "hypervisor-uri", hv, "disks-uri", nbd,
                "dest-xml", dest_xml, NULL);
  return req;
}

VmGuestState
vm_testbed_guest_state (const char *uri,
                        const char *name,
                        gboolean   *persistent)
{
  virConnectPtr conn = vm_testbed_connect (uri);
  virDomainPtr dom = virDomainLookupByName (conn, name);
  int state = 0, reason = 0;
  VmGuestState result = VM_GUEST_ABSENT;

  if (persistent != NULL)
    *persistent = FALSE;
  if (dom != NULL)
    {
      if (virDomainGetState (dom, &state, &reason, 0) < 0)
        g_error ("state of %s: %s", name, virGetLastErrorMessage ());
      if (persistent != NULL)
        *persistent = virDomainIsPersistent (dom) == 1;
      result = state == VIR_DOMAIN_RUNNING ? VM_GUEST_RUNNING :
               state == VIR_DOMAIN_PAUSED ? VM_GUEST_PAUSED :
               state == VIR_DOMAIN_SHUTOFF ? VM_GUEST_SHUTOFF : VM_GUEST_OTHER;
      virDomainFree (dom);
    }
  virConnectClose (conn);
  return result;
}

char *
vm_testbed_guest_dumpxml (const char  *uri,
                          const char  *name,
                          unsigned int flags)
{
  virConnectPtr conn = vm_testbed_connect (uri);
  virDomainPtr dom = virDomainLookupByName (conn, name);
  char *xml;

  if (dom == NULL)
    g_error ("no guest %s on %s", name, uri);
  xml = virDomainGetXMLDesc (dom, flags);
  virDomainFree (dom);
  virConnectClose (conn);
  return xml;
}

void
vm_testbed_destroy_guest (const char *uri,
                          const char *name)
{
  virConnectPtr conn = vm_testbed_connect (uri);
  virDomainPtr dom = virDomainLookupByName (conn, name);

  if (dom != NULL)
    {
      if (virDomainIsActive (dom) == 1)
        virDomainDestroy (dom);
      if (virDomainIsPersistent (dom) == 1)
        virDomainUndefine (dom);
      virDomainFree (dom);
    }
  virConnectClose (conn);
}

typedef struct {
  GMainLoop *loop;
  gboolean   ok;
  GError    *error;
} RunData;

static void
run_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  RunData *data = user_data;

  data->ok = virt_migrate_job_run_finish (VIRT_MIGRATE_JOB (source), res, &data->error);
  g_main_loop_quit (data->loop);
}

gboolean
vm_testbed_run_job (VirtMigrateJob *job,
                    GCancellable   *cancellable,
                    GError        **error)
{
  RunData data = { g_main_loop_new (NULL, FALSE), FALSE, NULL };

  virt_migrate_job_run_async (job, cancellable, run_cb, &data);
  g_main_loop_run (data.loop);
  g_main_loop_unref (data.loop);
  if (data.error != NULL)
    g_propagate_error (error, data.error);
  return data.ok;
}

static void
plan_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;
  *out = g_object_ref (res);
}

/* virt_migrate_manager_plan_async(), waited for. */
VirtMigratePlan *
vm_testbed_plan (VirtMigrateRequest *request,
                 GError            **error)
{
  g_autoptr(VirtMigrateManager) manager = virt_migrate_manager_new ();
  g_autoptr(GAsyncResult) result = NULL;

  virt_migrate_manager_plan_async (manager, request, NULL, plan_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return virt_migrate_manager_plan_finish (manager, result, error);
}

guint16
vm_testbed_free_port (void)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof (addr);
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof (addr)), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  close (fd);
  return ntohs (addr.sin_port);
}

/* Settings on a memory backend; the schema must be found
 * (GSETTINGS_SCHEMA_DIR), or the test would test nothing. */
VirtMigrateSettings *
vm_testbed_memory_settings (void)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  VirtMigrateSettings *settings = virt_migrate_settings_new_with_backend (backend);

  g_assert_nonnull (virt_migrate_settings_get_gsettings (settings));
  return settings;
}

/* SIGKILLs the destination host's QEMU of guest @name; FALSE if it has none. */
gboolean
vm_testbed_kill_dest_qemu (const char *name)
{
  g_autofree char *rel = g_strdup_printf ("dst/run/libvirt/qemu/run/%s.pid", name);
  g_autofree char *path = vm_testbed_path (rel);
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) &&
         kill ((pid_t) g_ascii_strtoll (text, NULL, 10), SIGKILL) == 0;
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

void
vm_testbed_sort_doubles (GArray *values)
{
  g_array_sort (values, compare_doubles);
}

/* The median of @values (sorted in place); -1 when empty. */
gdouble
vm_testbed_median (GArray *values)
{
  guint n = values->len;

  if (n == 0)
    return -1;
  vm_testbed_sort_doubles (values);
  return n % 2 ? g_array_index (values, gdouble, n / 2)
               : (g_array_index (values, gdouble, n / 2 - 1) + g_array_index (values, gdouble, n / 2)) / 2;
}

/* The statistics samples the jobs that ran with $VIRT_MIGRATE_TRACE_DIR
 * set to @directory took: the lines of their traces, in order (one job's
 * after another's). */
GPtrArray *
vm_testbed_trace_samples (const char *directory)
{
  g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
  GPtrArray *samples = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (directory, name, NULL);
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = NULL;

      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (lines[i][0] != '\0' && lines[i][0] != '#')
          g_ptr_array_add (samples, g_strdup (lines[i]));
    }
  return samples;
}

guint
vm_testbed_count_trace_samples (const char *directory)
{
  g_autoptr(GPtrArray) samples = vm_testbed_trace_samples (directory);

  return samples->len;
}
