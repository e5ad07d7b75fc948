/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What this machine shows of a migration's TLS: whether a daemon here
 * takes migrations only over TLS (its qemu.conf's migrate_tls_force), and
 * the certificates of hosts here (their migration certificates'
 * directories, as libvirt 9.0 picks them), read with GIO's TLS backend. */
#include "config.h"

#include <gio/gio.h>

#include "virt-migrate-local-daemons.h"
#include "virt-migrate-preflight-private.h"

/* The directory of the migration certificates of a daemon whose qemu.conf
 * says @conf, as libvirt 9.0 picks it (qemu_conf.c): its
 * migrate_tls_x509_cert_dir; else /etc/pki/libvirt-migrate where it is;
 * else its default_tls_x509_cert_dir, or /etc/pki/qemu. */
static char *
migrate_cert_dir (const char *conf)
{
  char *dir = virt_migrate_conf_value (conf, "migrate_tls_x509_cert_dir");

  if (dir == NULL && g_file_test ("/etc/pki/libvirt-migrate", G_FILE_TEST_IS_DIR))
    dir = g_strdup ("/etc/pki/libvirt-migrate");
  if (dir == NULL)
    dir = virt_migrate_conf_value (conf, "default_tls_x509_cert_dir");
  return dir != NULL ? dir : g_strdup ("/etc/pki/qemu");
}

/* The certificate (PEM) at @path, a regular file of this machine (the
 * directory a daemon's qemu.conf names may hold anything); NULL: not read. */
static GTlsCertificate *
certificate_at (const char *path)
{
  g_autofree char *pem = virt_migrate_read_regular_file (path, 1024 * 1024, NULL);

  return pem != NULL ? g_tls_certificate_new_from_pem (pem, -1, NULL) : NULL;
}

/* The DNS names and IP addresses @cert holds, "127.0.0.1, localhost". */
static char *
certificate_names (GTlsCertificate *cert)
{
  g_autoptr(GPtrArray) dns = NULL, ips = NULL;
  g_autoptr(GString) names = g_string_new (NULL);

  g_object_get (cert, "dns-names", &dns, "ip-addresses", &ips, NULL);
  for (guint i = 0; ips != NULL && i < ips->len; i++)
    {
      g_autofree char *ip = g_inet_address_to_string (g_ptr_array_index (ips, i));

      g_string_append_printf (names, "%s%s", names->len > 0 ? ", " : "", ip);
    }
  for (guint i = 0; dns != NULL && i < dns->len; i++)
    {
      gsize len = 0;
      const char *name = g_bytes_get_data (g_ptr_array_index (dns, i), &len);

      g_string_append_printf (names, "%s%.*s", names->len > 0 ? ", " : "", (int) len, name);
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* The destination's QEMU, unless its qemu.conf says not to
 * (migrate_tls_x509_verify, else default_tls_x509_verify; libvirt 9.0's
 * default: yes), wants the source's client certificate (client-cert.pem
 * in the source's directory, @source_dir) signed by its own CA (in
 * @dest_dir): without it QEMU failed "Cannot write to TLS channel:
 * Input/output error". */
static void
gather_tls_client (const char *source_dir, const char *dest_conf, const char *dest_dir, VirtMigratePreflightFacts *facts)
{
  g_autofree char *verify = virt_migrate_conf_value (dest_conf, "migrate_tls_x509_verify");
  g_autofree char *ca_path = g_build_filename (dest_dir, "ca-cert.pem", NULL);
  g_autoptr(GTlsCertificate) client = NULL, ca = NULL;

  if (verify == NULL)
    verify = virt_migrate_conf_value (dest_conf, "default_tls_x509_verify");
  if (verify != NULL && g_ascii_strtoll (verify, NULL, 10) == 0)
    return;
  facts->tls_client_cert = g_build_filename (source_dir, "client-cert.pem", NULL);
  facts->tls_client_there = g_file_test (facts->tls_client_cert, G_FILE_TEST_EXISTS) ? VIRT_MIGRATE_FACT_YES
                                                                                     : VIRT_MIGRATE_FACT_NO;
  if (facts->tls_client_there == VIRT_MIGRATE_FACT_YES &&
      (client = certificate_at (facts->tls_client_cert)) != NULL &&
      (ca = certificate_at (ca_path)) != NULL)
    facts->tls_client_trusted = g_tls_certificate_verify (client, NULL, ca) & G_TLS_CERTIFICATE_UNKNOWN_CA
                                  ? VIRT_MIGRATE_FACT_NO : VIRT_MIGRATE_FACT_YES;
}

/**
 * virt_migrate_tls_gather:
 *
 * A live migration over TLS to a destination on this machine: its server
 * certificate (its daemon's migration certificates' directory), the names
 * it holds against the one the source's QEMU checks, its dates, its own
 * CA's signature and, where the source is this machine too, whether the
 * source's CA signed it (the source's QEMU trusts that one only), and the
 * source's client certificate, in @facts (after the stream's host and the
 * destination's name for itself).
 */
void
virt_migrate_tls_gather (VirtMigrateRequest *request, VirtMigrateLocalDaemons *daemons,
                         VirtMigratePreflightFacts *facts)
{
  g_autofree char *destination = NULL, *dir = NULL, *source_dir = NULL;
  const char *dest_conf, *source_conf;
  g_autoptr(GTlsCertificate) cert = NULL, ca = NULL, own_ca = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  gboolean tls = FALSE;
  GTlsCertificateFlags flags;

  g_object_get (request, "tls", &tls, "tls-destination", &destination, NULL);
  if (!tls || virt_migrate_request_get_transport (request) == VIRT_MIGRATE_TRANSPORT_TUNNELLED)
    return;
  facts->tls_name_from = destination != NULL ? "--tls-destination" : facts->stream_host != NULL
                         ? "the migrate URI's host" : "the destination's name for itself";
  facts->tls_name = g_strdup (destination != NULL ? destination : facts->stream_host != NULL ? facts->stream_host
                              : facts->dest_name);
  dest_conf = virt_migrate_local_daemons_dest_conf (daemons);
  if (facts->tls_name == NULL || dest_conf == NULL)
    return;
  dir = migrate_cert_dir (dest_conf);
  if ((source_conf = virt_migrate_local_daemons_source_conf (daemons)) != NULL)
    {
      source_dir = migrate_cert_dir (source_conf);
      facts->tls_ca = g_build_filename (source_dir, "ca-cert.pem", NULL);
      ca = certificate_at (facts->tls_ca);
      gather_tls_client (source_dir, dest_conf, dir, facts);
    }
  facts->tls_cert = g_build_filename (dir, "server-cert.pem", NULL);
  facts->tls_cert_there = g_file_test (facts->tls_cert, G_FILE_TEST_EXISTS) ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
  /* (No TLS backend: nothing more known.) */
  if (facts->tls_cert_there != VIRT_MIGRATE_FACT_YES ||
      (cert = certificate_at (facts->tls_cert)) == NULL)
    return;
  facts->tls_own_ca = g_build_filename (dir, "ca-cert.pem", NULL);
  if ((own_ca = certificate_at (facts->tls_own_ca)) != NULL)
    facts->tls_cert_own_ca = g_tls_certificate_verify (cert, NULL, own_ca) & G_TLS_CERTIFICATE_UNKNOWN_CA
                               ? VIRT_MIGRATE_FACT_NO : VIRT_MIGRATE_FACT_YES;
  facts->tls_cert_names = certificate_names (cert);
  identity = g_network_address_new (facts->tls_name, 0);
  flags = g_tls_certificate_verify (cert, identity, ca);
  facts->tls_cert_matches = flags & G_TLS_CERTIFICATE_BAD_IDENTITY ? VIRT_MIGRATE_FACT_NO : VIRT_MIGRATE_FACT_YES;
  facts->tls_cert_expired = (flags & (G_TLS_CERTIFICATE_EXPIRED | G_TLS_CERTIFICATE_NOT_ACTIVATED)) != 0;
  if (ca != NULL)
    facts->tls_cert_trusted = flags & G_TLS_CERTIFICATE_UNKNOWN_CA ? VIRT_MIGRATE_FACT_NO : VIRT_MIGRATE_FACT_YES;
}

/* Whether a daemon whose qemu.conf says @conf (NULL: not known) takes
 * migrations only with TLS. */
static VirtMigrateFact
tls_forced (const char *conf)
{
  g_autofree char *force = conf != NULL ? virt_migrate_conf_value (conf, "migrate_tls_force") : NULL;

  if (conf == NULL)
    return VIRT_MIGRATE_FACT_UNKNOWN;
  return force != NULL && g_ascii_strtoll (force, NULL, 10) != 0 ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
}

/**
 * virt_migrate_tls_force_gather:
 *
 * For a migration neither over TLS nor tunnelled, whether the source's or
 * the destination's daemon, where it is this machine, takes migrations only
 * with TLS (its qemu.conf's migrate_tls_force, as the file says now), in
 * @facts.
 */
void
virt_migrate_tls_force_gather (VirtMigrateRequest *request, VirtMigrateLocalDaemons *daemons,
                               VirtMigratePreflightFacts *facts)
{
  gboolean tls = FALSE;

  g_object_get (request, "tls", &tls, NULL);
  if (tls || virt_migrate_request_get_transport (request) == VIRT_MIGRATE_TRANSPORT_TUNNELLED)
    return;
  facts->tls_forced_source = tls_forced (virt_migrate_local_daemons_source_conf (daemons));
  facts->tls_forced_dest = tls_forced (virt_migrate_local_daemons_dest_conf (daemons));
}
