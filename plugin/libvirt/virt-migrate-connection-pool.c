/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <libvirt-glib/libvirt-glib.h>

#include "virt-migrate-libvirt-private.h"

/*
 * VirtMigrateConnectionPool:
 *
 * One open libvirt connection per URI, shared by the jobs of a manager.
 * virt_migrate_connection_pool_get() blocks (it may open a connection) and
 * is meant for worker threads; the pool itself is thread-safe.  A connection
 * that libvirt reports dead (keepalive timeout, daemon restart) is replaced.
 */
struct _VirtMigrateConnectionPool
{
  GObject     parent_instance;
  GMutex      lock;
  GHashTable *connections; /* uri -> virConnectPtr */
  char       *ssh_dir;     /* set before the first connection; or NULL */
};

G_DEFINE_FINAL_TYPE (VirtMigrateConnectionPool, virt_migrate_connection_pool, G_TYPE_OBJECT)

/* Keepalive: a peer silent for interval * (count + 1) seconds is dead. */
/* A dead peer is found after 15 s, as before; the 1 s interval also bounds
 * a stall seen with libvirt-glib's event loop, where a reply to a call made
 * from a worker thread sat unread until the connection's keepalive timer
 * next fired (up to 5 s with a 5 s interval; measured in `preparing`). */
#define KEEPALIVE_INTERVAL 1
#define KEEPALIVE_COUNT 15

/**
 * virt_migrate_libvirt_init: (skip)
 *
 * Initialises libvirt once: libvirt-glib's event loop on the default
 * #GMainContext (domain events, keepalive) and libvirt errors routed to
 * g_debug() instead of stderr.
 *
 * It also ignores SIGPIPE unless the application has its own handler, as
 * virsh does: libvirt's client writes to its sockets with write(), so a
 * daemon that closed the connection (it went away, or dropped an idle
 * client) would otherwise kill the whole process at the next keepalive.
 * Seen for real: gjs, which keeps the default disposition, died of it.
 */
void
virt_migrate_libvirt_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      struct sigaction sa;

      if (sigaction (SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        {
          sa.sa_handler = SIG_IGN;
          sigaction (SIGPIPE, &sa, NULL);
        }
      gvir_init_check (NULL, NULL, NULL);
      gvir_event_register ();
      g_once_init_leave (&once, 1);
    }
}

static void
connection_close (gpointer conn)
{
  virConnectClose (conn);
}

static void
virt_migrate_connection_pool_finalize (GObject *object)
{
  VirtMigrateConnectionPool *self = VIRT_MIGRATE_CONNECTION_POOL (object);

  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_pointer (&self->ssh_dir, g_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (virt_migrate_connection_pool_parent_class)->finalize (object);
}

static void
virt_migrate_connection_pool_class_init (VirtMigrateConnectionPoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virt_migrate_connection_pool_finalize;
  virt_migrate_libvirt_init ();
}

static void
virt_migrate_connection_pool_init (VirtMigrateConnectionPool *self)
{
  g_mutex_init (&self->lock);
  self->connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             connection_close);
}

VirtMigrateConnectionPool *
virt_migrate_connection_pool_new (void)
{
  return g_object_new (VIRT_MIGRATE_TYPE_CONNECTION_POOL, NULL);
}

VirtMigrateConnectionPool *
virt_migrate_connection_pool_get_default (void)
{
  static gsize pool = 0;

  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, (gsize) virt_migrate_connection_pool_new ());
  return (VirtMigrateConnectionPool *) pool;
}

static virConnectPtr
get_keyed (VirtMigrateConnectionPool *self,
           const char                *key,
           const char                *uri,
           GError                   **error)
{
  virConnectPtr conn;

  unsigned long version;

  g_mutex_lock (&self->lock);
  conn = g_hash_table_lookup (self->connections, key);
  if (conn != NULL && virConnectIsAlive (conn) == 1)
    virConnectRef (conn);
  else if (conn != NULL)
    {
      g_debug ("connection to %s is dead, reopening", uri);
      g_hash_table_remove (self->connections, key);
      conn = NULL;
    }
  g_mutex_unlock (&self->lock);
  /* Alive as far as this client knows; but a daemon drops a client that
   * left its keepalive unanswered for 30 s (a process that ran no main
   * loop meanwhile: a script sleeping between two migrations), and only a
   * call finds out: the next job failed at once with "Cannot write data:
   * Broken pipe". So one round trip first (not under the lock). */
  if (conn != NULL && virConnectGetLibVersion (conn, &version) == 0)
    return conn;
  if (conn != NULL)
    {
      g_debug ("connection to %s was dropped by its daemon, reopening", uri);
      virResetLastError (); /* the probe's, not the caller's */
      g_mutex_lock (&self->lock);
      if (g_hash_table_lookup (self->connections, key) == conn)
        g_hash_table_remove (self->connections, key);
      g_mutex_unlock (&self->lock);
      virConnectClose (conn);
    }

  /* Opening may take long: not under the lock. libvirt's message and
   * code stay intact, behind the URI. */
  conn = virt_migrate_libvirt_open (uri, self->ssh_dir, FALSE, error);
  if (conn == NULL)
    return NULL;
  if (virConnectSetKeepAlive (conn, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT) < 0)
    g_debug ("no keepalive on %s", uri);

  g_mutex_lock (&self->lock);
  virConnectRef (conn);
  g_hash_table_replace (self->connections, g_strdup (key), conn);
  g_mutex_unlock (&self->lock);
  return conn;
}

/* Returns a new reference (release with virConnectClose()). Blocking. */
virConnectPtr
virt_migrate_connection_pool_get (VirtMigrateConnectionPool *self,
                                  const char                *uri,
                                  GError                   **error)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_CONNECTION_POOL (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  return get_keyed (self, uri, uri, error);
}

/* A second connection to @uri, shared by the jobs' pollers for the short
 * calls made while a migration call runs (statistics, downtime, speed,
 * post-copy, pause, abort). On the connection that carries the migration
 * call, with libvirt-glib's event loop, such a call's reply could wait up
 * to the 5 s keepalive tick (measured: statistics arriving 5 s late, a
 * memory pass's start seen at its end); on a connection of their own they
 * come back in milliseconds. Returns a new reference. Blocking. */
virConnectPtr
virt_migrate_connection_pool_get_control (VirtMigrateConnectionPool *self,
                                          const char                *uri,
                                          GError                   **error)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (VIRT_MIGRATE_IS_CONNECTION_POOL (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  key = g_strconcat ("control ", uri, NULL);
  return get_keyed (self, key, uri, error);
}

/* The ssh directory of the pool's qemu+ssh:// connections
 * (virt-migrate-libvirt-ssh.c): set once, before the first connection. */
void
virt_migrate_connection_pool_set_ssh_directory (VirtMigrateConnectionPool *self,
                                                const char                *ssh_dir)
{
  g_return_if_fail (VIRT_MIGRATE_IS_CONNECTION_POOL (self));
  if (g_strcmp0 (ssh_dir, self->ssh_dir) == 0)
    return;
  g_return_if_fail (g_hash_table_size (self->connections) == 0);

  g_free (self->ssh_dir);
  self->ssh_dir = g_strdup (ssh_dir);
}

const char *
virt_migrate_connection_pool_get_ssh_directory (VirtMigrateConnectionPool *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_CONNECTION_POOL (self), NULL);
  return self->ssh_dir;
}

guint
virt_migrate_connection_pool_get_size (VirtMigrateConnectionPool *self)
{
  guint size;

  g_mutex_lock (&self->lock);
  size = g_hash_table_size (self->connections);
  g_mutex_unlock (&self->lock);
  return size;
}

/* The guest by UUID or name on @conn, with a DOMAIN_NOT_FOUND error naming
 * it. Blocking. */
virDomainPtr
virt_migrate_lookup_domain (virConnectPtr conn, const char *name_or_uuid, GError **error)
{
  virDomainPtr dom = NULL;

  /* A name may look like a UUID; try the UUID first, then the name. */
  if (strlen (name_or_uuid) >= 32 && g_uuid_string_is_valid (name_or_uuid))
    dom = virDomainLookupByUUIDString (conn, name_or_uuid);
  if (dom == NULL)
    dom = virDomainLookupByName (conn, name_or_uuid);
  if (dom == NULL)
    {
      virErrorPtr verr = virGetLastError ();

      if (verr != NULL && verr->code == VIR_ERR_NO_DOMAIN)
        g_propagate_prefixed_error (error,
                                    virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND,
                                                                     "no guest"),
                                    "Guest '%s' not found on the source host: ", name_or_uuid);
      else
        g_propagate_error (error, virt_migrate_error_from_libvirt (VIRT_MIGRATE_ERROR_LIBVIRT,
                                                                   "Guest lookup failed"));
    }
  return dom;
}

