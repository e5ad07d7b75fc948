/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#ifndef POLLRDHUP
#define POLLRDHUP 0x2000
#endif

#include "virt-migrate-http-listener.h"

/* A request's head: its request line and headers. */
#define HEAD_MAX (16 * 1024)
#define REQUEST_LINE_MAX (8 * 1024)
/* A connection that libsoup does not close after being told to is closed
 * this long after the shutdown. */
#define SHUTDOWN_GRACE_US (5 * G_USEC_PER_SEC)
#define SWEEP_MS 250

typedef struct {
  VirtMigrateHttpListener *self;
  GSocketConnection       *socket_conn;
  GIOStream               *tls;      /* over socket_conn, or NULL */
  GIOStream               *stream;   /* handed to libsoup, NULL before */
  GSource                 *peek_source;
  GCancellable            *cancellable;
  GSocketAddress          *local;
  GSocketAddress          *remote;
  char                    *peer;     /* "127.0.0.1:PORT" */
  gint64                   deadline; /* monotonic µs; 0: none (an event stream) */
  gint64                   shut_down; /* when it was shut down, 0: not */
  gboolean                 authenticated;
  gboolean                 streaming;
} Conn;

struct _VirtMigrateHttpListener
{
  GObject          parent_instance;
  SoupServer      *server;
  GTlsCertificate *certificate;
  guint64          max_body;
  GSocketService  *service;
  GSList          *uris;
  GHashTable      *conns;   /* peer → Conn */
  guint            sweep_source;
  guint            max_unauthenticated;
  guint            max_connections;
  guint            head_timeout_ms;
  guint            answer_timeout_ms;
};

G_DEFINE_FINAL_TYPE (VirtMigrateHttpListener, virt_migrate_http_listener, G_TYPE_OBJECT)

static void
conn_free (gpointer data)
{
  Conn *c = data;

  g_cancellable_cancel (c->cancellable);
  if (c->peek_source != NULL)
    g_source_destroy (c->peek_source);
  g_clear_pointer (&c->peek_source, g_source_unref);
  if (!g_io_stream_is_closed (G_IO_STREAM (c->socket_conn)))
    g_io_stream_close (G_IO_STREAM (c->socket_conn), NULL, NULL);
  g_clear_object (&c->stream);
  g_clear_object (&c->tls);
  g_clear_object (&c->socket_conn);
  g_clear_object (&c->cancellable);
  g_clear_object (&c->local);
  g_clear_object (&c->remote);
  g_free (c->peer);
  g_free (c);
}

static char *
peer_of (GSocketAddress *address)
{
  return address != NULL ? g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address)) : NULL;
}

/* Ends a connection now: shut down, so that libsoup's reads and writes
 * fail and it lets go; the socket is closed by the sweep. */
static void
conn_shut_down (Conn *c)
{
  GSocket *socket = g_socket_connection_get_socket (c->socket_conn);

  g_cancellable_cancel (c->cancellable);
  if (c->peek_source != NULL)
    g_source_destroy (c->peek_source);
  g_clear_pointer (&c->peek_source, g_source_unref);
  if (c->shut_down == 0)
    {
      c->shut_down = g_get_monotonic_time ();
      g_socket_shutdown (socket, TRUE, TRUE, NULL);
    }
}

/* An answer written here (before libsoup has the connection), then the end. */
static void
conn_answer (Conn *c, guint status, const char *reason, const char *text)
{
  g_autofree char *response = NULL;
  GOutputStream *out;

  response = g_strdup_printf ("HTTP/1.1 %u %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                              "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n"
                              "Cache-Control: no-store\r\n\r\n%s", status, reason, strlen (text), text);
  /* (Plain HTTP only: a TLS client may not have finished its handshake,
   * and the write would wait for it.) */
  if (c->tls == NULL && c->self->certificate == NULL)
    {
      out = g_io_stream_get_output_stream (G_IO_STREAM (c->socket_conn));
      g_socket_set_timeout (g_socket_connection_get_socket (c->socket_conn), 2);
      g_output_stream_write_all (out, response, strlen (response), NULL, NULL, NULL);
    }
  conn_shut_down (c);
  /* libsoup never had it: its descriptor goes now, not at the sweep. */
  if (c->stream == NULL)
    g_io_stream_close (G_IO_STREAM (c->socket_conn), NULL, NULL);
}

/* Open and in use: not shut down, and neither end closed (the sweep has
 * not come by yet for the ones that are). */
static gboolean
conn_live (Conn *c)
{
  return c->shut_down == 0 && !g_io_stream_is_closed (G_IO_STREAM (c->socket_conn)) &&
         (c->stream == NULL || !g_io_stream_is_closed (c->stream));
}

/* The live connections, and how many of them are unauthenticated. */
static guint
count_live (VirtMigrateHttpListener *self, guint *unauthenticated)
{
  GHashTableIter iter;
  Conn *c;
  guint n = 0;

  *unauthenticated = 0;
  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &c))
    if (conn_live (c))
      {
        n++;
        *unauthenticated += !c->authenticated;
      }
  return n;
}

/* Finds the end of the head in @data: the index after its blank line, or 0. */
static gsize
head_end (const char *data, gsize len)
{
  for (gsize i = 0; i + 1 < len; i++)
    {
      if (data[i] != '\n')
        continue;
      if (data[i + 1] == '\n')
        return i + 2;
      if (data[i + 1] == '\r' && i + 2 < len && data[i + 2] == '\n')
        return i + 3;
    }
  return 0;
}

/* The head's Content-Length, if any, must be one plain number within the
 * body limit: libsoup answers nothing to -1 or 2^64. */
static gboolean
check_head (Conn *c, const char *head, gsize len)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  const char *first_length = NULL;

  /* (The head is text: a NUL byte in it is no HTTP.) */
  if (memchr (head, '\0', len) != NULL)
    {
      conn_answer (c, 400, "Bad Request", "The request head holds a NUL byte");
      return FALSE;
    }
  text = g_strndup (head, len);
  lines = g_strsplit (text, "\n", -1);
  if (lines[0] == NULL || strchr (text, '\n') == NULL || strchr (text, '\n') - text > REQUEST_LINE_MAX)
    {
      conn_answer (c, 414, "URI Too Long", "The request line is too long (at most 8 KiB)");
      return FALSE;
    }
  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');
      char *value;
      guint64 n = 0;

      if (colon == NULL || colon - lines[i] != strlen ("Content-Length") ||
          g_ascii_strncasecmp (lines[i], "Content-Length", strlen ("Content-Length")) != 0)
        continue;
      value = g_strstrip (colon + 1);
      if (*value == '\0' || strspn (value, "0123456789") != strlen (value))
        {
          conn_answer (c, 400, "Bad Request", "Content-Length is not a number of bytes");
          return FALSE;
        }
      if (first_length != NULL && !g_str_equal (first_length, value))
        {
          conn_answer (c, 400, "Bad Request", "Two different Content-Length headers");
          return FALSE;
        }
      first_length = value;
      if (!g_ascii_string_to_unsigned (value, 10, 0, c->self->max_body, &n, NULL))
        {
          conn_answer (c, 413, "Payload Too Large", "The request body is too large");
          return FALSE;
        }
    }
  return TRUE;
}

/* To libsoup: the head is still in the socket (it was only peeked). */
static void
hand_over (Conn *c, GIOStream *stream)
{
  c->stream = g_object_ref (stream);
  c->deadline = c->streaming ? 0 : g_get_monotonic_time () + c->self->answer_timeout_ms * (gint64) 1000;
  soup_server_accept_iostream (c->self->server, c->stream, c->local, c->remote, NULL);
}

/* The client closed its end: behind bytes not read yet a peek cannot see
 * the end of the stream, poll() can (POLLRDHUP, Linux). */
static gboolean
peer_hung_up (GSocket *socket)
{
  struct pollfd p = { g_socket_get_fd (socket), POLLIN | POLLRDHUP, 0 };

  return poll (&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

static gboolean peek_head (gpointer user_data);

/* Looks at what came so far without taking it, until the head is whole:
 * libsoup then reads it from the socket itself. (Nothing else can come
 * between: the socket is ours alone until then.) */
static gboolean
on_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Conn *c = user_data;
  g_autofree char *data = g_malloc (HEAD_MAX + 1);
  gssize n;
  gsize end;

  g_clear_pointer (&c->peek_source, g_source_unref);
  /* (A peek: the bytes stay where they are, for libsoup.) */
  n = recv (g_socket_get_fd (socket), data, HEAD_MAX + 1, MSG_PEEK | MSG_DONTWAIT);
  if (n <= 0 || peer_hung_up (socket))
    {
      /* Gone before a whole head. */
      conn_shut_down (c);
      return G_SOURCE_REMOVE;
    }
  end = head_end (data, (gsize) n);
  if (end == 0 && n <= HEAD_MAX)
    {
      /* More to come: look again in a moment (the bytes already there
       * keep the socket readable). */
      c->peek_source = g_timeout_source_new (20);
      g_source_set_callback (c->peek_source, peek_head, c, NULL);
      g_source_attach (c->peek_source, NULL);
      return G_SOURCE_REMOVE;
    }
  if (end == 0)
    {
      const char *nl = memchr (data, '\n', (gsize) n);

      if (nl == NULL || nl - data > REQUEST_LINE_MAX)
        conn_answer (c, 414, "URI Too Long", "The request line is too long (at most 8 KiB)");
      else
        conn_answer (c, 431, "Request Header Fields Too Large", "The request's headers are too large (at most 16 KiB)");
      return G_SOURCE_REMOVE;
    }
  if (check_head (c, data, end))
    hand_over (c, G_IO_STREAM (c->socket_conn));
  return G_SOURCE_REMOVE;
}

static gboolean
peek_head (gpointer user_data)
{
  Conn *c = user_data;
  GSocket *socket = g_socket_connection_get_socket (c->socket_conn);

  g_clear_pointer (&c->peek_source, g_source_unref);
  c->peek_source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (c->peek_source, G_SOURCE_FUNC (on_readable), c, NULL);
  g_source_attach (c->peek_source, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection, GObject *source, gpointer user_data)
{
  VirtMigrateHttpListener *self = user_data;
  Conn *c = g_new0 (Conn, 1);
  guint unauthenticated = 0;

  c->self = self;
  c->socket_conn = g_object_ref (connection);
  c->cancellable = g_cancellable_new ();
  c->local = g_socket_connection_get_local_address (connection, NULL);
  c->remote = g_socket_connection_get_remote_address (connection, NULL);
  c->peer = peer_of (c->remote);
  c->deadline = g_get_monotonic_time () + self->head_timeout_ms * (gint64) 1000;
  if (c->peer == NULL || c->local == NULL)
    {
      conn_free (c);
      return TRUE;
    }
  if (count_live (self, &unauthenticated) >= self->max_connections || unauthenticated >= self->max_unauthenticated)
    {
      /* Refused at the door, and closed at once. */
      conn_answer (c, 503, "Service Unavailable", "Too many connections: try again later");
      conn_free (c);
      return TRUE;
    }
  g_hash_table_replace (self->conns, g_strdup (c->peer), c);
  if (self->certificate != NULL)
    {
      /* HTTPS: the head cannot be looked at before libsoup decrypts it;
       * the limits on connections and the deadlines still hold. */
      c->tls = G_IO_STREAM (g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, NULL));
      if (c->tls == NULL)
        conn_shut_down (c);
      else
        hand_over (c, c->tls);
      c->deadline = g_get_monotonic_time () + self->head_timeout_ms * (gint64) 1000;
      return TRUE;
    }
  peek_head (c);
  return TRUE;
}

/* Deadlines, and the sockets of connections that are done. */
static gboolean
sweep_cb (gpointer user_data)
{
  VirtMigrateHttpListener *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  Conn *c;

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &c))
    {
      gboolean soup_done = c->stream != NULL && g_io_stream_is_closed (c->stream);

      if (soup_done || g_io_stream_is_closed (G_IO_STREAM (c->socket_conn)) ||
          (c->shut_down > 0 && (c->stream == NULL || now - c->shut_down >= SHUTDOWN_GRACE_US)))
        {
          g_hash_table_iter_remove (&iter);
          continue;
        }
      if (c->shut_down == 0 && c->deadline > 0 && now >= c->deadline)
        {
          if (c->stream == NULL)
            conn_answer (c, 408, "Request Timeout", "The request did not come in time");
          else
            conn_shut_down (c);
        }
    }
  return G_SOURCE_CONTINUE;
}

static void
virt_migrate_http_listener_dispose (GObject *object)
{
  VirtMigrateHttpListener *self = VIRT_MIGRATE_HTTP_LISTENER (object);

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    }
  g_clear_object (&self->service);
  g_clear_handle_id (&self->sweep_source, g_source_remove);
  if (self->conns != NULL)
    g_hash_table_remove_all (self->conns);
  G_OBJECT_CLASS (virt_migrate_http_listener_parent_class)->dispose (object);
}

static void
virt_migrate_http_listener_finalize (GObject *object)
{
  VirtMigrateHttpListener *self = VIRT_MIGRATE_HTTP_LISTENER (object);

  g_clear_pointer (&self->conns, g_hash_table_unref);
  g_slist_free_full (self->uris, (GDestroyNotify) g_uri_unref);
  g_clear_object (&self->server);
  g_clear_object (&self->certificate);
  G_OBJECT_CLASS (virt_migrate_http_listener_parent_class)->finalize (object);
}

static void
virt_migrate_http_listener_class_init (VirtMigrateHttpListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = virt_migrate_http_listener_dispose;
  object_class->finalize = virt_migrate_http_listener_finalize;
}

static void
virt_migrate_http_listener_init (VirtMigrateHttpListener *self)
{
  self->conns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, conn_free);
  self->max_unauthenticated = 32;
  self->max_connections = 128;
  self->head_timeout_ms = 10000;
  self->answer_timeout_ms = 60000;
}

VirtMigrateHttpListener *
virt_migrate_http_listener_new (SoupServer      *server,
                                GTlsCertificate *certificate,
                                guint64          max_body)
{
  VirtMigrateHttpListener *self = g_object_new (VIRT_MIGRATE_TYPE_HTTP_LISTENER, NULL);

  self->server = g_object_ref (server);
  self->certificate = certificate != NULL ? g_object_ref (certificate) : NULL;
  self->max_body = max_body;
  return self;
}

void
virt_migrate_http_listener_set_limits (VirtMigrateHttpListener *self,
                                       guint                    max_unauthenticated,
                                       guint                    max_connections,
                                       guint                    head_timeout_ms,
                                       guint                    answer_timeout_ms)
{
  self->max_unauthenticated = max_unauthenticated;
  self->max_connections = max_connections;
  self->head_timeout_ms = head_timeout_ms;
  self->answer_timeout_ms = answer_timeout_ms;
}

gboolean
virt_migrate_http_listener_listen (VirtMigrateHttpListener *self,
                                   GSocketAddress          *address,
                                   GError                 **error)
{
  g_autoptr(GSocketAddress) effective = NULL;
  g_autofree char *host = NULL;
  GInetSocketAddress *inet;

  self->service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
    {
      g_clear_object (&self->service);
      return FALSE;
    }
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);
  self->sweep_source = g_timeout_add (SWEEP_MS, sweep_cb, self);

  inet = G_INET_SOCKET_ADDRESS (effective);
  host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
  self->uris = g_slist_append (self->uris, g_uri_build (G_URI_FLAGS_NONE, self->certificate != NULL ? "https" : "http",
                                                        NULL, host, g_inet_socket_address_get_port (inet), "/",
                                                        NULL, NULL));
  return TRUE;
}

/* Returns: (transfer full) (element-type GUri): what it listens on. */
GSList *
virt_migrate_http_listener_get_uris (VirtMigrateHttpListener *self)
{
  GSList *copy = NULL;

  for (GSList *l = self->uris; l != NULL; l = l->next)
    copy = g_slist_append (copy, g_uri_ref (l->data));
  return copy;
}

static Conn *
find (VirtMigrateHttpListener *self, GSocketAddress *peer)
{
  g_autofree char *key = peer_of (peer);

  return key != NULL ? g_hash_table_lookup (self->conns, key) : NULL;
}

void
virt_migrate_http_listener_authenticated (VirtMigrateHttpListener *self,
                                          GSocketAddress          *peer)
{
  Conn *c = find (self, peer);

  if (c != NULL)
    {
      c->authenticated = TRUE;
      /* Its answer's deadline from now (HTTPS: the head's ran till here). */
      if (c->deadline > 0)
        c->deadline = g_get_monotonic_time () + self->answer_timeout_ms * (gint64) 1000;
    }
}

void
virt_migrate_http_listener_streaming (VirtMigrateHttpListener *self,
                                      GSocketAddress          *peer)
{
  Conn *c = find (self, peer);

  if (c != NULL)
    {
      c->streaming = TRUE;
      c->deadline = 0;
    }
}

GSocket *
virt_migrate_http_listener_get_socket (VirtMigrateHttpListener *self,
                                       GSocketAddress          *peer)
{
  Conn *c = find (self, peer);

  return c != NULL ? g_socket_connection_get_socket (c->socket_conn) : NULL;
}

guint
virt_migrate_http_listener_get_n_connections (VirtMigrateHttpListener *self)
{
  guint unauthenticated;

  return count_live (self, &unauthenticated);
}
