/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-listeners.h"
#include "virt-migrate-preflight-rules.h"

/* (Every rule adds its checks so.) */
#define add virt_migrate_verdict_add

#define CPU_ERROR        (-1)
#define CPU_INCOMPATIBLE VIRT_MIGRATE_CPU_INCOMPATIBLE

/* --- the verdict ------------------------------------------------------------ */

/* How bad a result is: ok, warning, unknown (nothing known either way),
 * blocker. (The enum's values keep their order of addition.) */
static int
virt_migrate_check_result_rank (VirtMigrateCheckResult result)
{
  switch (result)
    {
    case VIRT_MIGRATE_CHECK_RESULT_OK:
      return 0;
    case VIRT_MIGRATE_CHECK_RESULT_WARNING:
      return 1;
    case VIRT_MIGRATE_CHECK_RESULT_UNKNOWN:
      return 2;
    case VIRT_MIGRATE_CHECK_RESULT_BLOCKER:
    default:
      return 3;
    }
}

void
virt_migrate_verdict_add (Verdict *v, const char *check, VirtMigrateCheckResult result, const char *fix,
                          const char *format, ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_variant_builder_open (&v->checks, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&v->checks, "{sv}", "check", g_variant_new_string (check));
  g_variant_builder_add (&v->checks, "{sv}", "result",
                         g_variant_new_string (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_CHECK_RESULT, result)));
  g_variant_builder_add (&v->checks, "{sv}", "reason", g_variant_new_string (reason));
  g_variant_builder_add (&v->checks, "{sv}", "fix", g_variant_new_string (fix != NULL ? fix : ""));
  g_variant_builder_close (&v->checks);
  if (virt_migrate_check_result_rank (result) > virt_migrate_check_result_rank (v->worst))
    v->worst = result;
}

static void
check_destination (Verdict *v, const VirtMigratePreflightFacts *f, const char *destination)
{
  if (f->same_host == VIRT_MIGRATE_FACT_YES)
    add (v, "other-host", VIRT_MIGRATE_CHECK_RESULT_BLOCKER, "Name another host's libvirt URI",
         "%s is the source host itself (host UUID %s)", destination, f->host_uuid);
  else if (f->same_host == VIRT_MIGRATE_FACT_NO)
    add (v, "other-host", VIRT_MIGRATE_CHECK_RESULT_OK, NULL, "%s is another host (host UUID %s)",
         destination, f->host_uuid);
}

static void
check_guests (Verdict *v, const VirtMigratePreflightFacts *f)
{
  /* The source host itself (other-host says so): the guest found there
   * is this guest, not a copy to stop. */
  if (f->same_host == VIRT_MIGRATE_FACT_YES)
    return;
  if (f->name_conflict_uuid != NULL)
    add (v, "name", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Remove or rename that guest on the destination, or migrate with --dname NEW-NAME",
         "A different guest of the same name (UUID %s, %s) exists on the destination: libvirt would fail "
         "part-way with \"domain already exists\"", f->name_conflict_uuid,
         f->name_conflict_active ? "running" : "defined, not running");
  else
    add (v, "name", VIRT_MIGRATE_CHECK_RESULT_OK, NULL, "No other guest of that name on the destination");

  if (f->uuid_present == VIRT_MIGRATE_FACT_YES && f->uuid_active)
    add (v, "uuid", VIRT_MIGRATE_CHECK_RESULT_BLOCKER, "Stop or undefine the copy on the destination",
         "This guest (its UUID) already runs on the destination");
  else if (f->uuid_present == VIRT_MIGRATE_FACT_YES)
    add (v, "uuid", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
         "The destination has this guest's configuration, not running: a persistent migration "
         "replaces it with the migrated one (the plan's configuration table says what happens)");
}

/* The devices libvirt 9.0 (qemuMigrationSrcIsAllowed()) and QEMU 7.2 (its
 * migration blockers, which libvirt asks for) judge a live migration by. */
static void
check_ties (Verdict *v, const VirtMigratePreflightFacts *f)
{
  guint n_virtiofs = 0;

  for (guint i = 0; i < f->ties->len; i++)
    {
      const VirtMigrateTie *tie = g_ptr_array_index (f->ties, i);

      switch (tie->kind)
        {
        case VIRT_MIGRATE_TIE_HOSTDEV:
          add (v, "devices", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
               "Detach it first (virsh detach-device --live) and attach it again after, or migrate the guest "
               "offline (--offline); a network card paired with a virtio one (<teaming>) is unplugged by QEMU instead",
               "The guest has a host device passed through, %s: libvirt and QEMU refuse to migrate it running "
               "(\"cannot migrate a domain with %s\"; a PCI device: \"VFIO device doesn\'t support migration\")",
               tie->what, tie->what);
          break;
        case VIRT_MIGRATE_TIE_TEAMED:
          add (v, "devices", VIRT_MIGRATE_CHECK_RESULT_WARNING, "Make sure the destination has the same device",
               "The guest's %s is teamed with a virtio network card (<teaming type='transient'/>): QEMU unplugs it "
               "for the migration, and the destination's libvirt must find the same device to plug it in there",
               tie->what);
          break;
        case VIRT_MIGRATE_TIE_USB:
          add (v, "devices", VIRT_MIGRATE_CHECK_RESULT_WARNING,
               "Plug the same device into the destination, or detach it first (virsh detach-device --live)",
               "The guest has a USB device of the host passed through (%s): it moves only if the destination has "
               "the same device (libvirt looks for it there; missing, the migration fails and the guest stays here)",
               tie->what);
          break;
        case VIRT_MIGRATE_TIE_SHMEM:
          add (v, "devices", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
               "Give the guest that owns the memory role='master' (it migrates, the memory with it), or detach "
               "the device first",
               "The shared memory device %s is a peer (its role is not 'master'): QEMU refuses to migrate the guest "
               "(\"Migration is disabled when using feature \'peer mode\' in device \'ivshmem\'\")",
               tie->what != NULL ? tie->what : "(unnamed)");
          break;
        case VIRT_MIGRATE_TIE_9P:
          add (v, "devices", VIRT_MIGRATE_CHECK_RESULT_WARNING,
               "Unmount it in the guest first, and give the destination the same directory",
               "The guest shares a directory of the host through 9p (mount tag %s): QEMU refuses to migrate the "
               "guest while it has it mounted (\"Migration is disabled when VirtFS export path … is mounted in "
               "the guest\"), and the destination must have that directory",
               tie->what != NULL ? tie->what : "(none)");
          break;
        case VIRT_MIGRATE_TIE_INVTSC:
          add (v, "cpu", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
               "Give the guest its TSC frequency (<clock><timer name='tsc' frequency='HZ'/>, the source host's: "
               "virsh capabilities), or drop the invtsc feature; both need a restart of the guest",
               "The guest's CPU has the invariant TSC and no TSC frequency is given: libvirt refuses to migrate it "
               "(\"domain has \'invtsc\' CPU feature but TSC frequency is not specified\")");
          break;
        case VIRT_MIGRATE_TIE_VIRTIOFS:
          n_virtiofs++;
          break;
        }
    }
  if (n_virtiofs > 0)
    add (v, "devices", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Shut the guest down and migrate it offline (--offline), or detach the shared directory first",
         "The guest shares %u director%s with the host through virtiofs: libvirt refuses to migrate it "
         "(\"migration with virtiofs device is not supported\")", n_virtiofs, n_virtiofs > 1 ? "ies" : "y");
}

/* The file of a UEFI guest's variables. Running, they move: the
 * destination's QEMU opens its file at that path (the destination XML's),
 * made from the template when missing (qemuPrepareNVRAM()), and QEMU
 * writes the migrated flash into it at the switch-over (seen: the file
 * there reads like the source's). Offline only the definition moves: at
 * its first start there the file is made from the template, the variables
 * gone. */
static void
check_nvram (Verdict *v, const VirtMigratePreflightFacts *f)
{
  const char *there = f->dest_nvram != NULL ? f->dest_nvram : f->nvram;

  if (f->same_host == VIRT_MIGRATE_FACT_YES || (f->nvram == NULL && !(f->uefi && f->offline)))
    return;
  /* A definition whose firmware libvirt picks at start names no file yet:
   * one was made at its last start, in the source's nvram directory. */
  if (f->nvram == NULL)
    add (v, "firmware", VIRT_MIGRATE_CHECK_RESULT_WARNING,
         "Migrate the guest running (QEMU then writes them there), or copy its variables file (NAME_VARS.fd in the "
         "source's nvram directory) to the destination's",
         "The guest boots UEFI, and an offline migration does not move the file of its variables (made in the "
         "source's nvram directory at its first start): at its first start there a new one is made from the "
         "template (boot entries, enrolled keys gone)");
  else if (!f->offline)
    add (v, "firmware", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
         "The guest's UEFI variables (%s) move with it: QEMU writes them into %s there at the switch-over",
         f->nvram, there);
  else if (g_strcmp0 (there, f->nvram) == 0 &&
           (f->same_machine || virt_migrate_fs_shared (f->nvram_fs)))
    add (v, "firmware", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
         "The guest's UEFI variables (%s): the destination sees that very file (%s)", f->nvram,
         f->same_machine ? "it runs on this machine too" : "a shared file system");
  else
    add (v, "firmware", VIRT_MIGRATE_CHECK_RESULT_WARNING,
         "Copy the file there first, or migrate the guest running (QEMU then writes them there)",
         "The guest's UEFI variables are in %s, a file an offline migration does not move: the definition goes "
         "without them, and at its first start there %s is made from the template (boot entries, enrolled keys "
         "gone)", f->nvram, there);
}

/* Whether this client reaches the destination. Peer-to-peer, the
 * source's libvirtd may reach what this client cannot: not a blocker, but
 * nothing is known of the destination. */
static void
check_reachable (Verdict *v, const VirtMigratePreflightFacts *f, const char *destination)
{
  if (f->reachable)
    add (v, "reachable", VIRT_MIGRATE_CHECK_RESULT_OK, NULL, "%s answers", destination);
  else
    add (v, "reachable", f->peer_to_peer ? VIRT_MIGRATE_CHECK_RESULT_UNKNOWN : VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         f->peer_to_peer ? "Check from a machine that reaches the destination, or migrate with --force: "
                           "the source's libvirtd connects itself" :
                           "Check the URI, that libvirtd runs there and that this user may connect",
         "Cannot connect to %s%s: %s", destination,
         f->peer_to_peer ? " from here (peer-to-peer: only the source's libvirtd must reach it)" : "",
         f->connect_error != NULL ? f->connect_error : "unknown error");
}

/* A resume (VIR_MIGRATE_POSTCOPY_RESUME) needs a post-copy migration
 * that broke: libvirt 9.0 refuses any other ("domain is not being
 * migrated"). One still moving is followed. */
static void
check_resume (Verdict *v, const VirtMigratePreflightFacts *f)
{
  const char *state = f->state != NULL ? f->state : "in no state known";

  if (f->postcopy_failed)
    add (v, "state", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
         "The guest is %s on the source: its post-copy migration broke, and libvirt can resume it", state);
  else if (f->in_postcopy)
    add (v, "state", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
         "The guest is %s on the source: its post-copy migration is still moving, and virt-migrate follows it",
         state);
  else
    add (v, "state", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Migrate it without --postcopy-resume (a resume finishes a post-copy migration that broke)",
         "Nothing to resume: the guest is %s on the source, not in a post-copy migration that broke (libvirt: "
         "\"domain is not being migrated\")", state);
}

/* What the source's libvirt refuses to migrate whatever the destination
 * (qemuMigrationSrcIsAllowed() in libvirt 9.0): a guest in a job, a guest
 * with snapshots, for the metadata of its snapshots stays behind (offline
 * too); running, a directory shared through virtiofs (a transient disk:
 * check_disks()). */
static void
check_source (Verdict *v, const VirtMigratePreflightFacts *f)
{
  /* libvirt moves a guest that does not run only offline (qemuMigrationSrcBegin...: "domain is not running"). */
  if (f->not_running && !f->offline)
    add (v, "state", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Start the guest first, or move its definition only with --offline --persistent",
         "The guest is not running (%s): libvirt migrates it only offline (\"domain is not running\")",
         f->state != NULL ? f->state : "not active");
  /* Offline, libvirt moves a running guest's definition and leaves the
   * guest running here (--undefinesource: as a transient guest): nothing
   * then keeps the copy there from being started while it runs (seen:
   * moved, running here, defined there; the same disks where shared). */
  if (f->offline && !f->not_running)
    add (v, "state", VIRT_MIGRATE_CHECK_RESULT_WARNING,
         "Shut the guest down here first (virsh shutdown), or start it there only once it has stopped here",
         "The guest is running: an offline migration moves only its definition and the guest runs on here; "
         "started there before it stops here, two QEMUs would run it, each writing its disks");
  /* Paused by a disk I/O error (QEMU's error policy 'stop'): libvirt
   * refuses it with abort-on-error (qemuMigrationSrcIsAllowed()); without,
   * it moves paused, the disk's fault with it where the storage is shared. */
  if (f->io_error && !f->offline)
    add (v, "state", f->abort_on_error ? VIRT_MIGRATE_CHECK_RESULT_BLOCKER : VIRT_MIGRATE_CHECK_RESULT_WARNING,
         f->abort_on_error ? "Mend the disk's fault and resume the guest first (virsh resume), or migrate without "
                             "--abort-on-error"
                           : "Mend the disk's fault first: on shared storage it is the same disk there",
         f->abort_on_error ? "The guest is paused by a disk I/O error, and --abort-on-error is given: libvirt "
                             "refuses the migration (\"cannot migrate domain with I/O error\")"
                           : "The guest is paused by a disk I/O error: it moves paused and stays paused there "
                             "until resumed (virsh resume)");
  /* A paused guest moves paused (libvirt adds VIR_MIGRATE_PAUSED), and the
   * destination refuses post-copy for it (qemuMigrationDstPrepareAny(),
   * seen: "post-copy migration is not supported with non-live or paused
   * migration", after check said ok). */
  if (f->paused && f->postcopy && !f->resume && !f->offline)
    add (v, "state", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Resume the guest first (virsh resume), or migrate it without --postcopy",
         "The guest is paused: libvirt migrates it paused, and refuses post-copy for a paused guest (\"post-copy "
         "migration is not supported with non-live or paused migration\")");
  if (f->busy != NULL)
    add (v, "busy", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Wait for it to end, or abort it (virsh domjobabort, or virsh blockjob --abort for a block job)",
         "libvirt is running %s on the guest now: it starts no migration of it until that ends", f->busy);
  if (!f->offline)
    check_ties (v, f);
  check_nvram (v, f);
  if (f->snapshots > 0)
    add (v, "snapshots", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Delete the snapshots (virsh snapshot-delete), or move their metadata by hand: virsh snapshot-dumpxml "
         "each, virsh snapshot-delete --metadata here, after the migration virsh snapshot-create --redefine there",
         "The guest has %d snapshot%s: libvirt refuses to migrate it (\"cannot migrate domain with %d snapshots\")",
         f->snapshots, f->snapshots == 1 ? "" : "s", f->snapshots);
  else if (f->snapshots == 0)
    add (v, "snapshots", VIRT_MIGRATE_CHECK_RESULT_OK, NULL, "The guest has no snapshots (libvirt refuses one with any)");
}

/* Zero-copy: libvirt raises the locked-memory limit of the guest's QEMU to
 * all its memory (qemuMigrationSrcRun(), after QEMU's capabilities are
 * set), unless its hard limit is that much already; a daemon without
 * CAP_SYS_RESOURCE may not (seen in session mode, and of root here in a
 * container: "cannot limit locked memory of process …: Operation not
 * permitted", after check said ok). */
static void
check_zerocopy (Verdict *v, const VirtMigratePreflightFacts *f)
{
  double needed = f->memlock_needed / 1048576.0;

  if (!f->zerocopy || f->not_running || f->offline)
    return;
  if (f->memlock_limit >= 0 && f->memlock_needed > 0 && (guint64) f->memlock_limit >= f->memlock_needed)
    add (v, "memory", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
         "Zero-copy: the guest's QEMU may lock its %.0f MiB of memory already", needed);
  else if (f->memlock_limit >= 0 && f->source_daemon_raises == VIRT_MIGRATE_FACT_NO)
    add (v, "memory", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Drop --zerocopy, or start the guest under a daemon whose locked-memory limit covers it (LimitMEMLOCK=, "
         "ulimit -l)",
         "Zero-copy: libvirt must let the guest's QEMU lock all its memory (%.0f MiB), its limit is %.0f MiB, and "
         "the source's %s may not raise it: it lacks CAP_SYS_RESOURCE (\"cannot limit locked memory … Operation "
         "not permitted\")", needed, f->memlock_limit / 1048576.0, f->source_daemon);
  else if (f->memlock_limit >= 0 && f->source_daemon_raises == VIRT_MIGRATE_FACT_YES)
    add (v, "memory", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
         "Zero-copy: the source's %s may raise the locked-memory limit of the guest's QEMU to its memory "
         "(CAP_SYS_RESOURCE)", f->source_daemon);
  else
    add (v, "memory", VIRT_MIGRATE_CHECK_RESULT_WARNING,
         "Make sure the source's libvirtd may raise limits (root with CAP_SYS_RESOURCE), or that its guests may "
         "lock their memory",
         "Zero-copy: libvirt raises the locked-memory limit of the guest's QEMU to all its memory; whether the "
         "source's daemon may is not seen (only a source on this machine is)");
}

/* A guest whose memory is on huge pages needs them free there, reserved
 * apart from the free memory: its QEMU maps them all at start ("unable to
 * map backing store for guest RAM: Cannot allocate memory" otherwise). */
static void
check_hugepages (Verdict *v, const VirtMigratePreflightFacts *f)
{
  guint64 page = (guint64) f->hugepage_kib * 1024;
  guint64 needed = (f->hugepage_memory + page - 1) / page;

  if (f->free_hugepages < 0)
    add (v, "memory", VIRT_MIGRATE_CHECK_RESULT_WARNING, "Make sure it has them free",
         "The guest's memory is on huge pages of %u KiB (%" G_GUINT64_FORMAT " of them): how many the destination "
         "has free cannot be seen", f->hugepage_kib, needed);
  else if ((guint64) f->free_hugepages < needed)
    add (v, "memory", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Reserve more huge pages there (sysctl vm.nr_hugepages, or /sys/kernel/mm/hugepages/), or choose another",
         "The guest's memory is on huge pages of %u KiB: it needs %" G_GUINT64_FORMAT " of them and the "
         "destination has %" G_GINT64_FORMAT " free (its QEMU would fail to start: \"unable to map backing store "
         "for guest RAM: Cannot allocate memory\")", f->hugepage_kib, needed, f->free_hugepages);
  else
    add (v, "memory", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
         "%" G_GUINT64_FORMAT " huge pages of %u KiB needed, %" G_GINT64_FORMAT " free there", needed,
         f->hugepage_kib, f->free_hugepages);
}

/* @ids as libvirt writes a set: "0-3,8". */
static char *
format_ids (GArray *ids)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < ids->len; i++)
    {
      guint first = g_array_index (ids, guint, i);

      while (i + 1 < ids->len && g_array_index (ids, guint, i + 1) == g_array_index (ids, guint, i) + 1)
        i++;
      g_string_append_printf (out, "%s%u", out->len > 0 ? "," : "", first);
      if (g_array_index (ids, guint, i) != first)
        g_string_append_printf (out, "-%u", g_array_index (ids, guint, i));
    }
  return g_string_free (out, FALSE);
}

/* The host CPUs and NUMA nodes the guest is pinned to must be there: libvirt
 * fails to start it otherwise ("cannot set CPU affinity on process: Invalid
 * argument", "NUMA node 1 is unavailable"). A definition moved offline
 * fails at its next start: a warning. */
static void
check_pinning (Verdict *v, const VirtMigratePreflightFacts *f)
{
  gboolean all_there = TRUE;

  for (guint i = 0; f->affinities != NULL && i < f->affinities->len; i++)
    {
      const VirtMigrateAffinity *a = g_ptr_array_index (f->affinities, i);
      GArray *have = a->numa ? f->dest_cells : f->dest_cpus;
      const char *kind = a->numa ? "NUMA nodes" : "CPUs";
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));
      g_autoptr(GArray) missing = g_array_new (FALSE, FALSE, sizeof (guint));
      g_autofree char *lacks = NULL, *has = NULL;

      if (!virt_migrate_parse_id_set (a->set, ids) || have == NULL)
        {
          add (v, "pinning", VIRT_MIGRATE_CHECK_RESULT_WARNING, "Make sure the destination has them",
               "The guest's %s %s pinned to host %s %s: whether the destination has them cannot be seen", a->what,
               a->plural ? "are" : "is", kind, a->set);
          all_there = FALSE;
          continue;
        }
      for (guint k = 0; k < ids->len; k++)
        {
          guint id = g_array_index (ids, guint, k);
          gboolean found = FALSE;

          for (guint h = 0; h < have->len && !found; h++)
            found = g_array_index (have, guint, h) == id;
          if (!found)
            g_array_append_val (missing, id);
        }
      if (missing->len == 0)
        continue;
      all_there = FALSE;
      lacks = format_ids (missing);
      has = format_ids (have);
      add (v, "pinning", f->offline ? VIRT_MIGRATE_CHECK_RESULT_WARNING : VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
           "Pin it to what the destination has: a destination XML (--xml) with the pinning for that host, or "
           "unpin it first (virsh vcpupin, emulatorpin, numatune)",
           "The guest's %s %s pinned to host %s %s; the destination has no %s %s (it has %s): libvirt %s "
           "(\"%s\")", a->what, a->plural ? "are" : "is", kind, a->set, kind, lacks, has, f->offline ? "will fail to start the guest there" : "fails to start the guest there",
           a->numa ? "NUMA node … is unavailable" : "cannot set CPU affinity on process: Invalid argument");
    }
  if (all_there && f->affinities != NULL && f->affinities->len > 0)
    {
      g_autofree char *cpus = format_ids (f->dest_cpus), *cells = format_ids (f->dest_cells);

      add (v, "pinning", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
           "The destination has the host CPUs and NUMA nodes the guest is pinned to (it has CPUs %s, nodes %s)",
           cpus, cells);
    }
}

/* --- graphics' fixed ports -------------------------------------------------- */

/* A port the guest's graphics fix is one libvirt reserves on the
 * destination and its QEMU binds there at start; libvirt 9.0 moves the
 * port and the listen address as they are. The destination's libvirtd
 * refuses a port any guest of its holds, on any address (one table of
 * ports, qemuProcessGraphicsReservePorts()); QEMU fails on one bound on the
 * same address, by a guest or any other program. What else holds a port
 * there is known only of a destination that is this machine. */

/* "python3 (pid 42) listens on 127.0.0.1:5901" */
char *
virt_migrate_preflight_program_listening (const VirtMigrateEndpoint *l)
{
  return g_strdup_printf ("%s listens on %s%s%s:%u", l->guest != NULL ? l->guest : "a program",
                          strchr (l->address, ':') != NULL ? "[" : "", l->address,
                          strchr (l->address, ':') != NULL ? "]" : "", l->port);
}

static void
check_ports (Verdict *v, const VirtMigratePreflightFacts *f)
{
  for (guint i = 0; f->endpoints != NULL && i < f->endpoints->len; i++)
    {
      const VirtMigrateEndpoint *e = g_ptr_array_index (f->endpoints, i);
      const VirtMigrateEndpoint *maybe = NULL, *program_maybe = NULL;
      const VirtMigrateEndpoint *reserved = virt_migrate_endpoints_find (f->ports_held, e->port, TRUE, NULL, &maybe);
      const VirtMigrateEndpoint *bound = virt_migrate_endpoints_find (f->ports_here, e->port, FALSE, e->address, &maybe);
      const VirtMigrateEndpoint *program = virt_migrate_endpoints_find (f->listeners, e->port, FALSE, e->address,
                                                                        &program_maybe);
      const VirtMigrateEndpoint *h = reserved != NULL ? reserved : bound != NULL ? bound : maybe;
      g_autofree char *held = NULL;
      g_autofree char *where = e->address != NULL ? g_strdup_printf (" on %s", e->address)
                                                  : g_strdup (" (on the address the destination's qemu.conf gives)");

      if (h != NULL)
        held = g_strdup_printf ("guest %s%s listens on %s port %u%s%s", h->guest,
                                h != reserved ? " of the source (the same machine)" : "", h->what, h->port,
                                h->address != NULL ? " on " : "", h->address != NULL ? h->address : "");
      else if (program != NULL || program_maybe != NULL)
        held = virt_migrate_preflight_program_listening (program != NULL ? program : program_maybe);
      if (reserved != NULL)
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             "Give the guest another port, or autoport='yes', with --xml; or stop the guest that holds it",
             "%s port %u is taken there: %s, and libvirt reserves a port for one guest whatever the address "
             "(\"Failed to reserve port %u\")", e->what, e->port, held, e->port);
      else if (bound != NULL)
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             "Give the guest another port, or autoport='yes', with --xml",
             "%s port %u%s is taken there: %s; QEMU would fail to start there (\"Address already in use\")",
             e->what, e->port, where, held);
      else if (program != NULL)
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             "Give the guest another port, or autoport='yes', with --xml; or stop the program that listens on it",
             "%s port %u%s is taken there (this machine): %s; QEMU would fail to start there "
             "(\"Address already in use\")", e->what, e->port, where, held);
      else if (!virt_migrate_address_every_host (e->address))
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_WARNING,
             "Make sure the destination has that address, or name one it has with --xml",
             "%s port %u listens on %s: libvirt keeps the address, so QEMU fails to start on a destination "
             "that does not have it (\"Cannot assign requested address\")", e->what, e->port, e->address);
      else if (held != NULL)
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_WARNING, "Give the guest an address or another port with --xml",
             "%s port %u%s may be taken there: %s, on an address that may be the same", e->what, e->port, where,
             held);
      else if (f->ports_held == NULL)
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_WARNING, "Make sure nothing listens on it there",
             "%s port %u%s is fixed, and the destination's guests could not be listed to see whether one "
             "holds it", e->what, e->port, where);
      else
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
             "%s port %u%s: no guest of the destination%s holds it%s", e->what, e->port, where,
             f->ports_here != NULL ? " or of the source (the same machine)" : "",
             f->listeners != NULL ? ", no program of this machine (the destination) listens on it"
                                  : " (other programs there are not known)");
    }
  virt_migrate_preflight_check_streams (v, f);
}

/* The files opened as the guest starts there: one a character device
 * writes is made, not its directory (libvirt: "Unable to open file"); one
 * QEMU reads must be there ("could not open kernel file"). A console that
 * mirrors a serial port names its file twice. */
static void
check_files (Verdict *v, const VirtMigratePreflightFacts *f)
{
  g_autoptr(GHashTable) said = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; f->files != NULL && i < f->files->len; i++)
    {
      const VirtMigratePreflightFile *file = g_ptr_array_index (f->files, i);
      const char *needs = file->read ? "it" : "its directory";

      if (!g_hash_table_add (said, file->path))
        continue;
      if (file->there == VIRT_MIGRATE_FACT_NO)
        add (v, "files", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             file->read ? "Put the file there, or name one the destination has with --xml"
                        : "Create the directory there, or name another file with --xml",
             "The guest's %s %s %s, %s missing on the destination: the guest fails to start there (%s)", file->what,
             file->read ? "is" : "writes to", file->path, file->read ? "which is" : "whose directory is",
             file->read ? "\"could not open\"" : "\"Unable to open file\"");
      /* A session daemon's QEMU opens it as that daemon's user. */
      else if (file->usable == VIRT_MIGRATE_FACT_NO)
        add (v, "files", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             file->read ? "Let the destination's libvirtd's user read it (its owner, group or mode), or name "
                          "another file with --xml"
                        : "Let the destination's libvirtd's user write there (its owner, group or mode), or name "
                          "another file with --xml",
             "The guest's %s %s %s, which the destination's %s may not %s: the guest fails to start there (%s)",
             file->what, file->read ? "is" : "writes to", file->path,
             virt_migrate_preflight_daemon (f), file->read ? "read" : "write",
             file->read ? "\"could not open … Permission denied\"" : "\"Permission denied\"");
      else if (file->there == VIRT_MIGRATE_FACT_UNKNOWN)
        add (v, "files", VIRT_MIGRATE_CHECK_RESULT_WARNING,
             file->read ? "Make sure it is there" : "Make sure its directory is there",
             "The guest's %s %s %s: the destination needs %s, and its files cannot be seen from here", file->what,
             file->read ? "is" : "writes to", file->path, needs);
      else
        add (v, "files", VIRT_MIGRATE_CHECK_RESULT_OK, NULL, "The guest's %s %s %s, %s on the destination", file->what,
             file->read ? "is" : "writes to", file->path, file->read ? "which is" : "whose directory is");
    }
}

static void
check_hardware (Verdict *v, const VirtMigratePreflightFacts *f)
{
  if (!f->domcaps_ok)
    add (v, "machine", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Install that emulator on the destination, or change the guest's machine type",
         "The destination cannot run machine type %s with %s: %s", f->machine ? f->machine : "?",
         f->emulator ? f->emulator : "its emulator", f->domcaps_error ? f->domcaps_error : "unknown");
  else if (f->machine != NULL)
    add (v, "machine", VIRT_MIGRATE_CHECK_RESULT_OK, NULL, "The destination offers machine type %s%s%s",
         f->machine, f->emulator ? " with " : "", f->emulator ? f->emulator : "");

  if (f->cpu_compare == CPU_INCOMPATIBLE)
    add (v, "cpu", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Give the guest a CPU model both hosts support (a baseline: virsh hypervisor-cpu-baseline)",
         "The guest's CPU (%s) is incompatible with the destination's: %s", f->cpu_mode ? f->cpu_mode : "custom",
         f->cpu_error ? f->cpu_error : "libvirt says so");
  else if (f->cpu_compare == CPU_ERROR)
    add (v, "cpu", VIRT_MIGRATE_CHECK_RESULT_WARNING, NULL, "The guest's CPU could not be compared with the destination's: %s",
         f->cpu_error ? f->cpu_error : "unknown error");
  else if (f->cpu_compare > CPU_INCOMPATIBLE)
    add (v, "cpu", VIRT_MIGRATE_CHECK_RESULT_OK, NULL, "The destination can run the guest's CPU (%s)",
         f->cpu_mode ? f->cpu_mode : "custom");
  else if (g_strcmp0 (f->cpu_mode, "host-passthrough") == 0)
    add (v, "cpu", VIRT_MIGRATE_CHECK_RESULT_WARNING, "Use host-model or a named model to migrate between different hosts",
         "The guest passes the source's CPU through: it runs only where the CPU is the same");
  else
    add (v, "cpu", VIRT_MIGRATE_CHECK_RESULT_OK, NULL, "The guest asks for no particular CPU");

  check_pinning (v, f);
  if (f->hugepage_kib > 0 && f->guest_memory > 0)
    check_hugepages (v, f);
  else if (f->free_memory > 0 && f->guest_memory > f->free_memory)
    add (v, "memory", VIRT_MIGRATE_CHECK_RESULT_BLOCKER, "Free memory on the destination, or choose another",
         "The guest has %.0f MiB of memory and the destination %.0f MiB free", f->guest_memory / 1048576.0,
         f->free_memory / 1048576.0);
  else if (f->free_memory > 0 && f->guest_memory > f->free_memory * 0.9)
    add (v, "memory", VIRT_MIGRATE_CHECK_RESULT_WARNING, NULL,
         "The guest's %.0f MiB of memory would leave the destination less than a tenth of its %.0f MiB free",
         f->guest_memory / 1048576.0, f->free_memory / 1048576.0);
  else if (f->free_memory > 0)
    add (v, "memory", VIRT_MIGRATE_CHECK_RESULT_OK, NULL, "%.0f MiB of memory needed, %.0f MiB free there",
         f->guest_memory / 1048576.0, f->free_memory / 1048576.0);

  {
    g_autoptr(GString) offered = g_string_new (NULL);

    for (guint i = 0; i < f->devices->len; i++)
      {
        const VirtMigratePreflightDevice *d = g_ptr_array_index (f->devices, i);
        const char *what = g_str_equal (d->kind, "disk") ? "disk bus" :
                           g_str_equal (d->kind, "video") ? "video model" : "graphics";

        if (d->offered == VIRT_MIGRATE_FACT_NO)
          add (v, "devices", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
               "Change the guest's device to one both hosts offer, or update QEMU on the destination",
               "The destination's QEMU offers no %s %s, which the guest uses", what, d->value);
        else if (d->offered == VIRT_MIGRATE_FACT_YES)
          g_string_append_printf (offered, "%s%s %s", offered->len > 0 ? ", " : "", what, d->value);
      }
    if (offered->len > 0)
      add (v, "devices", VIRT_MIGRATE_CHECK_RESULT_OK, NULL, "The destination offers the guest's %s", offered->str);
  }

}

static void
check_networks (Verdict *v, const VirtMigratePreflightFacts *f)
{
  for (guint i = 0; i < f->networks->len; i++)
    {
      const VirtMigratePreflightNetwork *n = g_ptr_array_index (f->networks, i);

      if (n->present == VIRT_MIGRATE_FACT_YES)
        add (v, "network", VIRT_MIGRATE_CHECK_RESULT_OK, NULL, "The %s %s exists on the destination", n->kind, n->name);
      else if (n->present == VIRT_MIGRATE_FACT_NO)
        add (v, "network", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
             "Define and start it on the destination, or map it with --network-map SRC=DST",
             "The guest's %s %s does not exist (or is not active) on the destination", n->kind, n->name);
      else
        add (v, "network", VIRT_MIGRATE_CHECK_RESULT_WARNING, "Make sure it exists there",
             "Whether the %s %s exists on the destination cannot be seen from here", n->kind, n->name);
    }
}

/* The verdict for @destination: an a{sv} with `destination` (s), `result`
 * (s: the worst check's, `ok`, `warning` or `blocker`), `force` (b) and
 * `checks` (aa{sv}: `check`, `result`, `reason`, `fix`). */
GVariant *
virt_migrate_preflight_verdict (const VirtMigratePreflightFacts *facts,
                                const char                      *destination)
{
  Verdict v = { .worst = VIRT_MIGRATE_CHECK_RESULT_OK };
  GVariantBuilder b;

  g_variant_builder_init (&v.checks, G_VARIANT_TYPE ("aa{sv}"));
  check_reachable (&v, facts, destination);
  /* Resuming a post-copy migration that broke: the guest already runs
   * there, so nothing of a new migration's checks applies (they would
   * find it "already running there"); what matters is that there is one
   * to resume. */
  if (facts->resume)
    check_resume (&v, facts);
  else if (!facts->reachable)
    {
      static const char *const not_run[] = { "other-host", "name", "uuid", "machine", "cpu", "memory", "devices",
                                             "network", NULL };

      for (guint i = 0; not_run[i] != NULL; i++)
        add (&v, not_run[i], VIRT_MIGRATE_CHECK_RESULT_UNKNOWN, NULL,
             "Not run: the destination cannot be reached from here");
    }
  else
    {
      check_destination (&v, facts, destination);
      check_guests (&v, facts);
      check_hardware (&v, facts);
      check_networks (&v, facts);
      check_ports (&v, facts);
      check_files (&v, facts);
    }
  if (!facts->resume)
    {
      check_source (&v, facts);
      check_zerocopy (&v, facts);
      virt_migrate_preflight_check_disks (&v, facts);
      virt_migrate_preflight_check_space (&v, facts);
    }

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "destination", g_variant_new_string (destination));
  g_variant_builder_add (&b, "{sv}", "result",
                         g_variant_new_string (virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_CHECK_RESULT, v.worst)));
  g_variant_builder_add (&b, "{sv}", "force", g_variant_new_boolean (facts->force));
  g_variant_builder_add (&b, "{sv}", "checks", g_variant_builder_end (&v.checks));
  return g_variant_builder_end (&b);
}

VirtMigrateCheckResult
virt_migrate_preflight_result (GVariant *verdict)
{
  const char *result = NULL;

  if (!g_variant_lookup (verdict, "result", "&s", &result))
    return VIRT_MIGRATE_CHECK_RESULT_OK;
  return g_str_equal (result, "blocker") ? VIRT_MIGRATE_CHECK_RESULT_BLOCKER :
         g_str_equal (result, "unknown") ? VIRT_MIGRATE_CHECK_RESULT_UNKNOWN :
         g_str_equal (result, "warning") ? VIRT_MIGRATE_CHECK_RESULT_WARNING : VIRT_MIGRATE_CHECK_RESULT_OK;
}

/* "reason (fix); reason (fix)" of the blockers or, when there are none,
 * of the checks that could not run, for an error message. */
char *
virt_migrate_preflight_blockers (GVariant *verdict)
{
  g_autoptr(GVariant) checks = g_variant_lookup_value (verdict, "checks", G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GString) text = g_string_new (NULL);
  GVariantIter iter;
  GVariant *item;

  const char *wanted = virt_migrate_preflight_result (verdict) == VIRT_MIGRATE_CHECK_RESULT_UNKNOWN ? "unknown"
                                                                                                 : "blocker";

  if (checks == NULL)
    return g_strdup ("");
  g_variant_iter_init (&iter, checks);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) check = item;
      const char *result = "", *reason = "", *fix = "";

      g_variant_lookup (check, "result", "&s", &result);
      g_variant_lookup (check, "reason", "&s", &reason);
      g_variant_lookup (check, "fix", "&s", &fix);
      if (!g_str_equal (result, wanted) || (g_str_equal (wanted, "unknown") && *fix == '\0' && text->len > 0))
        continue;
      g_string_append_printf (text, "%s%s%s%s%s", text->len > 0 ? "; " : "", reason,
                              *fix != '\0' ? " (" : "", fix, *fix != '\0' ? ")" : "");
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}
