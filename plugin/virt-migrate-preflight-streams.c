/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pre-flight's rules on the migration's own streams (beside the
 * guest's ports, virt-migrate-preflight.c): where the source connects and
 * where the destination's QEMU listens, their ports and sockets. */
#include "config.h"

#include "virt-migrate-enums-private.h"
#include "virt-migrate-listeners.h"
#include "virt-migrate-preflight-rules.h"

#define add virt_migrate_verdict_add

/* With no migrate URI, libvirt 9.0's destination names itself for the
 * stream (tcp://NAME:PORT, NAME its qemu.conf's migration_host, else its
 * host name), and the source's QEMU looks that name up; one beginning with
 * localhost it refuses, offline too (seen). */
static void
check_dest_name (Verdict *v, const VirtMigratePreflightFacts *f)
{
  const char *fix = "Give --migrateuri tcp://ADDRESS (an address of the destination the source reaches; libvirt "
                    "picks the port), or give the destination a host name the source resolves (or qemu.conf's "
                    "migration_host)";
  /* Which name it is, and whether another may be set where it is not seen. */
  const char *which = f->dest_name_set == VIRT_MIGRATE_FACT_YES ? "its qemu.conf's migration_host" : "its host name";
  /* A qemu.conf changed since its daemon started may not be what it runs with. */
  gboolean known = f->dest_name_set != VIRT_MIGRATE_FACT_UNKNOWN && f->dest_conf.path == NULL;
  const char *unless = known ? ""
                       : f->dest_name_set != VIRT_MIGRATE_FACT_UNKNOWN
                       ? ", unless its daemon still runs with another migration_host (its qemu.conf changed after it started)"
                       : ", unless its qemu.conf sets migration_host (not seen from here)";
  VirtMigrateCheckResult bad = known ? VIRT_MIGRATE_CHECK_RESULT_BLOCKER : VIRT_MIGRATE_CHECK_RESULT_WARNING;

  if (f->dest_name == NULL)
    return;
  if (g_str_has_prefix (f->dest_name, "localhost"))
    add (v, "stream", bad, fix,
         "With no migrate URI the destination names itself for the migration, and its name is '%s' (%s): libvirt "
         "refuses it (\"hostname on destination resolved to localhost, but migration requires an FQDN\")%s",
         f->dest_name, which, unless);
  else if (f->dest_name_resolves == VIRT_MIGRATE_FACT_NO)
    add (v, "stream", bad, fix,
         "With no migrate URI the source connects to '%s' (the destination's name for itself, %s), which does "
         "not resolve on this machine (the source): %s; its QEMU cannot connect%s",
         f->dest_name, which, f->dest_name_addresses, unless);
  else if (f->dest_name_resolves == VIRT_MIGRATE_FACT_YES && f->dest_name_loopback && !f->same_machine)
    add (v, "stream", bad, fix,
         "With no migrate URI the source connects to '%s' (the destination's name for itself, %s), which "
         "resolves here, where the source is, to %s: this machine, not the destination%s",
         f->dest_name, which, f->dest_name_addresses, unless);
  else if (f->dest_name_resolves == VIRT_MIGRATE_FACT_YES)
    add (v, "stream", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
         "With no migrate URI the source connects to '%s' (the destination's name for itself, %s), which "
         "resolves here, where the source is, to %s", f->dest_name, which, f->dest_name_addresses);
}

/* A daemon that takes migrations only with TLS (qemu.conf's
 * migrate_tls_force) refuses any other, but a tunnelled one, at once
 * (libvirt 9.0: the source in its begin phase, the destination in its
 * prepare). */
static void
check_tls_forced (Verdict *v, const VirtMigratePreflightFacts *f)
{
  const char *fix = "Add --tls (both hosts need their migration certificates, qemu.conf's "
                    "migrate_tls_x509_cert_dir), or migrate --p2p --tunnelled";
  /* Set in a file changed after the daemon started: it applies once the
   * daemon restarts, and until then libvirt may take the migration. */
  const char *later = ", set after it started: libvirt refuses this one once the daemon restarts, and may take it "
                      "until then";
  const char *now = ": libvirt refuses this one (\"this libvirtd instance allows migration only with "
                    "VIR_MIGRATE_TLS flag\")";

  if (f->tls_forced_source == VIRT_MIGRATE_FACT_YES)
    add (v, "tls", f->source_conf.path != NULL ? VIRT_MIGRATE_CHECK_RESULT_WARNING : VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         fix, "The source's %s takes migrations only over TLS (its qemu.conf's migrate_tls_force%s)%s",
         f->source_daemon != NULL ? f->source_daemon : "libvirtd", f->source_conf.path != NULL ? later : "",
         f->source_conf.path != NULL ? "" : now);
  if (f->tls_forced_dest == VIRT_MIGRATE_FACT_YES)
    add (v, "tls", f->dest_conf.path != NULL ? VIRT_MIGRATE_CHECK_RESULT_WARNING : VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         fix, "The destination's %s takes migrations only over TLS (its qemu.conf's migrate_tls_force%s)%s",
         virt_migrate_preflight_daemon (f), f->dest_conf.path != NULL ? later : "", f->dest_conf.path != NULL ? "" : now);
}

/* Over TLS the source's QEMU checks the destination's certificate: that it
 * holds the name it connects by (libvirt 9.0 passes the migrate URI's
 * host, or --tls-destination; QEMU: "Certificate does not match the
 * hostname …", and the migration failed as "load of migration failed:
 * Invalid argument" after check said ok), that it is valid now, that the
 * source's CA signed it. */
static void
check_tls_cert (Verdict *v, const VirtMigratePreflightFacts *f)
{
  /* The destination's QEMU checks the source's certificate in turn
   * (migrate_tls_x509_verify, on by default). */
  if (f->tls_client_there == VIRT_MIGRATE_FACT_NO)
    add (v, "tls", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Put the source's client certificate and key there (client-cert.pem, client-key.pem)",
         "The source's client certificate %s is missing, and the destination's QEMU wants one "
         "(migrate_tls_x509_verify): it refuses the connection (\"Cannot write to TLS channel\")", f->tls_client_cert);
  else if (f->tls_client_trusted == VIRT_MIGRATE_FACT_NO)
    add (v, "tls", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Sign the source's client certificate with the CA the destination trusts, or give the destination that CA",
         "The source's client certificate (%s) is not signed by the CA the destination trusts (%s): its QEMU "
         "refuses the connection", f->tls_client_cert, f->tls_own_ca != NULL ? f->tls_own_ca : "its ca-cert.pem");
  if (f->tls_cert == NULL)
    return;
  if (f->tls_cert_there == VIRT_MIGRATE_FACT_NO)
    add (v, "tls", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Put the destination's server certificate and key there (server-cert.pem, server-key.pem), or name the "
         "directory in its qemu.conf (migrate_tls_x509_cert_dir)",
         "The destination's migration certificate %s is missing: its QEMU cannot take a migration over TLS",
         f->tls_cert);
  else if (f->tls_cert_own_ca == VIRT_MIGRATE_FACT_NO)
    add (v, "tls", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Sign the destination's certificate with the CA beside it (ca-cert.pem), or put that CA there",
         "The destination's certificate (%s) is not signed by its own CA (%s): its QEMU refuses to use it "
         "(\"Our own certificate … failed validation\")", f->tls_cert, f->tls_own_ca);
  else if (f->tls_cert_matches == VIRT_MIGRATE_FACT_NO)
    add (v, "tls", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Give --tls-destination (or --migrateuri tcp://NAME:PORT) a name the certificate holds, or give the "
         "destination a certificate for that name",
         "The source checks the destination's certificate (%s) against '%s' (%s), and it holds %s only: QEMU "
         "refuses it (\"Certificate does not match the hostname %s\")", f->tls_cert, f->tls_name, f->tls_name_from,
         f->tls_cert_names != NULL && *f->tls_cert_names != '\0' ? f->tls_cert_names : "no name", f->tls_name);
  else if (f->tls_cert_expired)
    add (v, "tls", VIRT_MIGRATE_CHECK_RESULT_BLOCKER, "Give the destination a certificate valid now",
         "The destination's certificate (%s) has expired or is not valid yet: the source's QEMU refuses it",
         f->tls_cert);
  else if (f->tls_cert_trusted == VIRT_MIGRATE_FACT_NO)
    add (v, "tls", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Sign the destination's certificate with the CA the source trusts, or give the source that CA",
         "The destination's certificate (%s) is not signed by the CA the source trusts (%s): the source's QEMU "
         "refuses it", f->tls_cert, f->tls_ca);
  else if (f->tls_cert_matches == VIRT_MIGRATE_FACT_YES)
    add (v, "tls", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
         "The destination's certificate (%s) holds '%s' (%s)%s%s%s", f->tls_cert, f->tls_name, f->tls_name_from,
         f->tls_cert_trusted == VIRT_MIGRATE_FACT_YES ? ", signed by the CA the source trusts, " : "",
         f->tls_cert_trusted == VIRT_MIGRATE_FACT_YES ? f->tls_ca : "",
         f->tls_client_trusted == VIRT_MIGRATE_FACT_YES
           ? "; the source's client certificate is signed by the CA the destination trusts" : "");
}

/* A daemon reads its qemu.conf only as it starts: one changed since is
 * what it runs with after a restart, and the values a check read there
 * (migration_host, migrate_tls_force, the certificates' directory) may not
 * be the ones it runs with now. */
static void
check_conf_changed (Verdict *v, const char *whose, const char *daemon, const VirtMigrateConfChange *c)
{
  g_autoptr(GDateTime) changed = NULL, started = NULL;
  g_autofree char *at = NULL, *since = NULL;

  if (c->path == NULL)
    return;
  changed = g_date_time_new_from_unix_local (c->changed);
  started = g_date_time_new_from_unix_local (c->started);
  at = changed != NULL ? g_date_time_format (changed, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
  since = started != NULL ? g_date_time_format (started, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
  add (v, "qemu-conf", VIRT_MIGRATE_CHECK_RESULT_WARNING,
       "Restart that daemon (systemctl restart libvirtd, or virtqemud) so that it runs with the file as it is "
       "now, then check again",
       "The %s's %s started at %s, before its qemu.conf (%s) was last changed, at %s: a daemon reads it only as it "
       "starts, so what this check read there (migration_host, migrate_tls_force, the migration certificates' "
       "directory) may not be what it runs with", whose, daemon, since, c->path, at);
}

/**
 * virt_migrate_preflight_check_streams:
 *
 * The rules on a live migration's own streams, in @v.
 */
void
virt_migrate_preflight_check_streams (Verdict *v, const VirtMigratePreflightFacts *f)
{
  check_conf_changed (v, "source", f->source_daemon != NULL ? f->source_daemon : "libvirtd", &f->source_conf);
  check_conf_changed (v, "destination", virt_migrate_preflight_daemon (f), &f->dest_conf);
  check_tls_forced (v, f);
  check_tls_cert (v, f);
  check_dest_name (v, f);
  /* The migration's own ports that its URIs fix, on a destination that is
   * this machine: QEMU listens on a wildcard there (libvirt 9.0's
   * migration_address), beside a program on the host's address, and the
   * source connects to that program (seen: the stream went to it, and the
   * migration hung in its switch-over until it failed). */
  for (guint i = 0; f->streams != NULL && f->listeners != NULL && i < f->streams->len; i++)
    {
      const VirtMigrateEndpoint *s = g_ptr_array_index (f->streams, i), *maybe = NULL;
      const VirtMigrateEndpoint *l = virt_migrate_endpoints_find (f->listeners, s->port, FALSE, s->address, &maybe);
      g_autofree char *held = l != NULL || maybe != NULL
                                ? virt_migrate_preflight_program_listening (l != NULL ? l : maybe) : NULL;
      g_autofree char *where = s->address != NULL ? g_strdup_printf (" on %s", s->address) : g_strdup ("");
      const char *fix = g_str_equal (s->what, VIRT_MIGRATE_STREAM_STORAGE)
                          ? "Give --disks-port (or --disks-uri) a free port, or none: libvirt picks a free one"
                          : "Give --migrateuri a free port, or none: libvirt picks a free one";

      if (held != NULL)
        add (v, "ports", l != NULL ? VIRT_MIGRATE_CHECK_RESULT_BLOCKER : VIRT_MIGRATE_CHECK_RESULT_WARNING, fix,
             "%s port %u%s %s there (this machine): %s%s; the source would connect to that program, not to the "
             "guest's QEMU, or QEMU fail to listen (\"Address already in use\")", s->what, s->port, where,
             l != NULL ? "is taken" : "may be taken", held, l != NULL ? "" : ", on an address that may be the same");
      else
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
             "%s port %u%s: no program of this machine (the destination) listens on it", s->what, s->port, where);
    }
  /* The UNIX sockets the destination's QEMU makes on this machine: it
   * removes whatever is at the path first (seen: a file there was gone,
   * check said ok), and binds as the daemon's user ("Failed to bind socket
   * to …: Permission denied", seen). */
  for (guint i = 0; f->sockets != NULL && i < f->sockets->len; i++)
    {
      const VirtMigratePreflightFile *s = g_ptr_array_index (f->sockets, i);
      const char *fix = g_str_equal (s->what, VIRT_MIGRATE_STREAM_STORAGE)
                          ? "Give --disks-uri a path in a directory the destination's libvirtd may write in, where "
                            "nothing is"
                          : "Give --migrateuri a path in a directory the destination's libvirtd may write in, where "
                            "nothing is";

      if (s->occupant != NULL)
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_BLOCKER, fix,
             "%s UNIX socket %s: %s is at that path on this machine (the destination), %s", s->what, s->path,
             s->occupant, g_str_equal (s->occupant, "a directory")
                            ? "where its QEMU cannot listen"
                            : "and its QEMU removes it to listen there: it would be lost");
      else if (s->there == VIRT_MIGRATE_FACT_NO)
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_BLOCKER, fix,
             "%s UNIX socket %s: its directory is missing on this machine (the destination), so its QEMU cannot "
             "listen there", s->what, s->path);
      else if (s->usable == VIRT_MIGRATE_FACT_NO)
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_BLOCKER, fix,
             "%s UNIX socket %s: the destination's %s may not write in its directory, so its QEMU cannot listen "
             "there (\"Failed to bind socket to … Permission denied\")", s->what, s->path,
             virt_migrate_preflight_daemon (f));
      else if (s->usable == VIRT_MIGRATE_FACT_YES)
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
             "%s UNIX socket %s: nothing is there, and the destination's %s may make it", s->what, s->path,
             virt_migrate_preflight_daemon (f));
    }
  /* A port below the lowest an unprivileged program binds: libvirt runs
   * QEMU unprivileged (qemu.conf's user, its capabilities cleared by
   * default; a session daemon's user), which fails to listen there (seen:
   * "Failed to bind socket: Permission denied", after check said ok). */
  for (guint i = 0; f->streams != NULL && i < f->streams->len; i++)
    {
      const VirtMigrateEndpoint *s = g_ptr_array_index (f->streams, i);
      guint start = f->unprivileged_port_start > 0 ? f->unprivileged_port_start : 1024;
      const char *fix = g_str_equal (s->what, VIRT_MIGRATE_STREAM_STORAGE)
                          ? "Give --disks-port (or --disks-uri) a port of 1024 or above, or none"
                          : "Give --migrateuri a port of 1024 or above, or none: libvirt picks one (49152 and up)";

      if (s->port >= start)
        continue;
      if (f->unprivileged_port_start > 0 && f->dest_daemon_root == VIRT_MIGRATE_FACT_NO)
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_BLOCKER, fix,
             "%s port %u is below %u, the lowest an unprivileged program of this machine (the destination) may "
             "listen on (net.ipv4.ip_unprivileged_port_start), and its QEMU runs unprivileged, as the user of %s: "
             "it cannot listen there (\"Failed to bind socket: Permission denied\")", s->what, s->port, start,
             virt_migrate_preflight_daemon (f));
      else
        add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_WARNING, fix,
             "%s port %u is below %u, the lowest an unprivileged program %s may listen on: libvirt runs QEMU "
             "unprivileged (qemu.conf's user, its capabilities cleared), so it is likely to fail to listen there "
             "(\"Failed to bind socket: Permission denied\")", s->what, s->port, start,
             f->unprivileged_port_start > 0 ? "of this machine (the destination)" : "there (by default)");
    }
  /* Where QEMU listens there (libvirt passes it to the destination's
   * QEMU, and to its NBD server for a storage copy). */
  if (f->listen_address != NULL && f->listen_here == VIRT_MIGRATE_FACT_NO)
    add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_BLOCKER,
         "Give an address this machine has (--listen-address), or none: QEMU then listens on all of them",
         "The listen address %s is not an address of this machine (the destination): its QEMU cannot listen "
         "there (\"Failed to bind socket: Cannot assign requested address\")", f->listen_address);
  else if (f->listen_address != NULL && f->listen_here == VIRT_MIGRATE_FACT_YES)
    add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
         "The listen address %s: this machine (the destination) can listen there", f->listen_address);
  /* The source connects to the migrate URI's host (libvirt 9.0: the
   * storage copy's NBD server too, without a disks URI of its own), QEMU
   * listens on that one address only: on one machine, nothing carries the
   * connection from one to the other (seen: "Connection refused", and
   * check said ok); between two, a forward on the way may. */
  if (f->stream_reaches == VIRT_MIGRATE_FACT_NO)
    add (v, "ports", f->same_machine ? VIRT_MIGRATE_CHECK_RESULT_BLOCKER : VIRT_MIGRATE_CHECK_RESULT_WARNING,
         "Give --listen-address the migrate URI's host, or --migrateuri the listen address, or no listen address",
         "The source connects to %s (the migrate URI's host), and the destination's QEMU listens on %s only: %s",
         f->stream_host, f->listen_address,
         f->same_machine ? "both hosts are this machine, so the connection is refused (\"Connection refused\")"
                         : "the connection fails unless something on the way forwards it there");
  else if (f->stream_reaches == VIRT_MIGRATE_FACT_YES && f->listen_address != NULL)
    add (v, "ports", VIRT_MIGRATE_CHECK_RESULT_OK, NULL,
         "The source connects to %s (the migrate URI's host), where the destination's QEMU listens (%s)",
         f->stream_host, f->listen_address);
}
