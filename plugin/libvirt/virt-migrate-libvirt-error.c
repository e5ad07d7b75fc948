/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-libvirt-private.h"

GError *
virt_migrate_error_from_libvirt (VirtMigrateError fallback_code,
                                 const char      *context)
{
  virErrorPtr verr = virGetLastError ();
  VirtMigrateError code = fallback_code;

  if (verr == NULL || verr->code == VIR_ERR_OK)
    return g_error_new (VIRT_MIGRATE_ERROR, fallback_code, "%s: libvirt gave no reason", context);
  if (verr->code == VIR_ERR_NO_DOMAIN)
    code = VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND;
  /* libvirt's message stays intact: it is the whole message. */
  return virt_migrate_error_new_hypervisor (code, verr->message != NULL ? verr->message : context, verr->code,
                                            verr->domain);
}

/* What to do about an ssh connection libvirt could not make, from ssh's
 * own words in libvirt's message; NULL: nothing to add. @ssh_dir: the
 * daemon's ssh directory the connection used (its known_hosts and key),
 * or NULL for the user's ~/.ssh. */
char *
virt_migrate_ssh_hint (const char *uri, const char *message, const char *ssh_dir)
{
  g_autoptr(GUri) parsed = uri != NULL ? g_uri_parse (uri, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *host, *user;
  g_autofree char *port = NULL, *login = NULL;

  if (parsed == NULL || message == NULL || !g_str_has_suffix (g_uri_get_scheme (parsed), "+ssh"))
    return NULL;
  host = g_uri_get_host (parsed) != NULL && *g_uri_get_host (parsed) != '\0' ? g_uri_get_host (parsed) : "localhost";
  user = g_uri_get_user (parsed);
  port = g_uri_get_port (parsed) > 0 ? g_strdup_printf ("-p %d ", g_uri_get_port (parsed)) : g_strdup ("");
  login = user != NULL ? g_strdup_printf ("%s@%s", user, host) : g_strdup (host);
  if (g_pattern_match_simple ("*Host key verification failed*", message) ||
      g_pattern_match_simple ("*REMOTE HOST IDENTIFICATION HAS CHANGED*", message))
    {
      if (ssh_dir != NULL)
        return g_strdup_printf ("The ssh host key of %s is not known to virt-migrated (or has changed). Check its "
                                "fingerprint with the host's administrator, then trust it for virt-migrated: "
                                "ssh-keyscan %s%s >> %s/known_hosts", host, port, host, ssh_dir);
      return g_strdup_printf ("The ssh host key of %s is not known here (or has changed). Check its fingerprint "
                              "with the host's administrator, then trust it: ssh-keyscan %s%s >> ~/.ssh/known_hosts "
                              "(or connect once with ssh %s%s and accept it)", host, port, host, port, login);
    }
  if (g_pattern_match_simple ("*Permission denied*", message))
    {
      if (ssh_dir != NULL)
        return g_strdup_printf ("%s refused the ssh login of %s: give virt-migrated a key (ssh-keygen -t ed25519 "
                                "-N '' -f %s/id_ed25519, unless it has one) and install it there (ssh-copy-id -i "
                                "%s/id_ed25519.pub %s%s), or name the key to use with ?keyfile=PATH in the URI",
                                host, user != NULL ? user : "this user", ssh_dir, ssh_dir, port, login);
      return g_strdup_printf ("%s refused the ssh login of %s: install this user's public key there "
                              "(ssh-copy-id %s%s), or name the key to use with ?keyfile=PATH in the URI", host,
                              user != NULL ? user : "this user", port, login);
    }
  if (g_pattern_match_simple ("*Connection refused*", message) ||
      g_pattern_match_simple ("*No route to host*", message) ||
      g_pattern_match_simple ("*Connection timed out*", message) ||
      g_pattern_match_simple ("*Could not resolve hostname*", message) ||
      g_pattern_match_simple ("*Name or service not known*", message))
    {
      g_autofree char *on_port = g_uri_get_port (parsed) > 0 ? g_strdup_printf (" on port %d", g_uri_get_port (parsed))
                                                             : g_strdup ("");

      return g_strdup_printf ("%s cannot be reached over ssh%s: check the host name and port, and that sshd "
                              "runs there", host, on_port);
    }
  return NULL;
}

GError *
virt_migrate_libvirt_connect_error (const char *uri, const char *ssh_dir)
{
  GError *error = virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_CONNECT_FAILED, "Connection failed");
  g_autofree char *hint = virt_migrate_ssh_hint (uri, error->message, ssh_dir);
  g_autofree char *message = NULL;

  g_strchomp (error->message);
  message = hint != NULL ? g_strdup_printf ("Cannot connect to %s: %s. %s", uri, error->message, hint)
                         : g_strdup_printf ("Cannot connect to %s: %s", uri, error->message);
  g_free (error->message);
  error->message = g_steal_pointer (&message);
  return error;
}

/* What to add to the message of a migration over TLS that failed in its
 * handshake, which libvirt reports in QEMU's words from either side
 * ("Cannot write to TLS channel: Input/output error", "load of migration
 * failed: Invalid argument": seen for a certificate of another name and a
 * missing client certificate; the reason is only in the source's QEMU
 * log); NULL: nothing. */
char *
virt_migrate_tls_hint (const char *message)
{
  if (message == NULL ||
      !(g_pattern_match_simple ("*TLS channel*", message) ||
        g_pattern_match_simple ("*load of migration failed*", message) ||
        g_pattern_match_simple ("*known issuer*", message) ||
        g_pattern_match_simple ("*does not match the hostname*", message)))
    return NULL;
  return g_strdup ("Over TLS, one side refused the other's certificate: its name (the migrate URI's host, or "
                   "tls-destination), its CA, or a client certificate missing; the source's QEMU log names which, "
                   "and a pre-flight check (virt-migrate check) reads the certificates of hosts on this machine");
}

/* libvirt's error on a migration that failed; over TLS (@tls) with what
 * to look at where its handshake failed (virt_migrate_tls_hint()). */
GError *
virt_migrate_libvirt_migrate_error (gboolean tls)
{
  GError *failed = virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT, "Migration failed");
  g_autofree char *hint = tls ? virt_migrate_tls_hint (failed->message) : NULL;

  if (hint != NULL)
    {
      char *message = g_strdup_printf ("%s. %s", failed->message, hint);

      g_free (failed->message);
      failed->message = message;
    }
  return failed;
}
