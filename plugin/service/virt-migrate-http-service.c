/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "virt-migrate-history-page.h"
#include "virt-migrate-http-listener.h"
#include "virt-migrate-http-service.h"
#include "virt-migrate-http-resources.h"
#include "virt-migrate-http-token.h"
#include "virt-migrate-job-json.h"
#include "virt-migrate-service.h"
#include "virt-migrate-metrics.h"

/**
 * VirtMigrateHttpService:
 *
 * A read-only HTTP view of a #VirtMigrateManager's jobs, served with
 * libsoup:
 *
 * - `GET /v1/jobs`, `GET /v1/jobs/ID`: the jobs as JSON, with the D-Bus
 *   Job interface's property names (`State`, `Progress`, `Rate`, …) plus
 *   `Id`, `Request` and `Messages`;
 * - `GET /v1/events`: a Server-Sent Events stream: a `job` event for each
 *   change (at most #VirtMigrateHttpService:events-rate per second per job,
 *   a new state at once), `completed` when a job ends and `removed` when it
 *   leaves the manager's list (#VirtMigrateSettings:retention seconds later);
 * - `GET /v1/drains`, `GET /v1/drains/ID`: the manager's drains (running
 *   and recently finished) as JSON, with the D-Bus Drain interface's
 *   property names (`State`, `Guests`, `MovedCount`, `Summary`, …);
 * - `GET /v1/history`: the manager's #VirtMigrateHistory as a JSON array,
 *   oldest first, filtered by the query parameters `domain`, `outcome`,
 *   `since` (µs since the epoch) and `limit` (the newest so many), with
 *   the record keys of virt_migrate_history_append();
 * - `GET /metrics`: Prometheus text format (`virtmigrate_migration_*`);
 * - `GET /`: a live status page.
 *
 * Every request needs the bearer token kept in
 * #VirtMigrateHttpService:token-file, either as `Authorization: Bearer
 * TOKEN` or as the `access_token` query parameter (RFC 6750), which is how
 * a browser opens the page and its event stream. The file is created with
 * mode 0600 when it does not exist, and refused when others may read it.
 *
 * virt_migrate_http_service_listen() binds loopback addresses only, unless
 * a #VirtMigrateHttpService:tls-certificate is set: the token must not
 * cross a network in clear text. Requests with more than
 * #VirtMigrateHttpService:max-headers headers or a body larger than
 * #VirtMigrateHttpService:max-request-size are answered 431 or 413 and
 * their connection closed; at most #VirtMigrateHttpService:max-event-clients
 * event streams are open at once. Nothing served can start, cancel or change
 * a migration: every method other than GET and HEAD gets 405.
 */

#include "virt-migrate-http-service-internal.h"

enum {
  PROP_0,
  PROP_MANAGER,
  PROP_TOKEN_FILE,
  PROP_TLS_CERTIFICATE,
  PROP_EVENTS_RATE,
  PROP_MAX_HEADERS,
  PROP_MAX_REQUEST_SIZE,
  PROP_MAX_EVENT_CLIENTS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (VirtMigrateHttpService, virt_migrate_http_service, G_TYPE_OBJECT)

/* --- responses ----------------------------------------------------------- */

static void
respond (SoupServerMessage *msg, guint status, const char *content_type, const char *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, body, strlen (body));
}

void
virt_migrate_http_respond_error (SoupServerMessage *msg, guint status, const char *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *body = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  body = json_to_string (node, FALSE);
  respond (msg, status, "application/json", body);
}

/* Refuses @msg before its body is read: the body is not kept, and the
 * connection closes after the answer. */
static void
reject (SoupServerMessage *msg, guint status, const char *message)
{
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  virt_migrate_http_respond_error (msg, status, message);
}


static void
serve_jobs (VirtMigrateHttpService *self, SoupServerMessage *msg)
{
  g_autoptr(GPtrArray) entries = virt_migrate_http_sorted_entries (self);
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(JsonArray) array = json_array_sized_new (entries->len);
  g_autofree char *body = NULL;

  for (guint i = 0; i < entries->len; i++)
    json_array_add_element (array, virt_migrate_job_to_json (((JobEntry *) g_ptr_array_index (entries, i))->job));
  json_node_set_array (root, array);
  body = json_to_string (root, TRUE);
  respond (msg, SOUP_STATUS_OK, "application/json", body);
}

static void
on_history_msg_finished (SoupServerMessage *msg, gpointer user_data)
{
  g_object_set_data (G_OBJECT (msg), "virt-migrate-finished", GINT_TO_POINTER (1));
}

static void
history_read_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) records = virt_migrate_history_page_finish (VIRT_MIGRATE_HISTORY (source), result, &error);
  g_autoptr(JsonNode) root = records != NULL ? json_gvariant_serialize (records) : NULL;
  g_autofree char *body = root != NULL ? json_to_string (root, TRUE) : NULL;

  /* (A client that went away meanwhile has no connection left to answer.) */
  if (g_object_get_data (G_OBJECT (msg), "virt-migrate-finished") != NULL)
    return;
  if (body == NULL)
    virt_migrate_http_respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
  else
    respond (msg, SOUP_STATUS_OK, "application/json", body);
  soup_server_message_unpause (msg);
}

/* GET /v1/history?domain=&outcome=&since=&limit=&offset= */
static void
serve_history (VirtMigrateHttpService *self, SoupServerMessage *msg, GHashTable *query)
{
  VirtMigrateHistory *history = virt_migrate_manager_get_history (self->manager);
  g_auto(GVariantDict) filter = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) records = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  GHashTableIter iter;
  const char *key, *value;

  if (query != NULL)
    {
      g_hash_table_iter_init (&iter, query);
      while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
        {
          guint64 number = 0;

          if (g_str_equal (key, "access_token"))
            continue;
          if (g_str_equal (key, "domain") || g_str_equal (key, "outcome"))
            g_variant_dict_insert (&filter, key, "s", value);
          else if ((g_str_equal (key, "limit") || g_str_equal (key, "offset") || g_str_equal (key, "since")) &&
                   g_ascii_string_to_unsigned (value, 10, 0, g_str_equal (key, "since") ? G_MAXINT64 : G_MAXUINT32,
                                               &number, NULL))
            {
              if (!g_str_equal (key, "since"))
                g_variant_dict_insert (&filter, key, "u", (guint32) number);
              else
                g_variant_dict_insert (&filter, key, "x", (gint64) number);
            }
          else
            {
              g_autofree char *message =
                g_strdup_printf ("Bad history query parameter '%s': known are domain, outcome, since "
                                 "(µs since the epoch), limit (a count) and offset (how many of the "
                                 "newest to leave out: the next page)", key);

              virt_migrate_http_respond_error (msg, SOUP_STATUS_BAD_REQUEST, message);
              return;
            }
        }
    }
  if (history == NULL)
    {
      records = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARDICT, NULL, 0));
      root = json_gvariant_serialize (records);
      body = json_to_string (root, TRUE);
      respond (msg, SOUP_STATUS_OK, "application/json", body);
      return;
    }
  /* A page of at most 4 MiB of records, the newest that fit (ask for the
   * next with offset), read in a thread: the others go on meanwhile. */
  g_signal_connect (msg, "finished", G_CALLBACK (on_history_msg_finished), NULL);
  soup_server_message_pause (msg);
  virt_migrate_history_page_async (history, g_variant_dict_end (&filter), history_read_done, g_object_ref (msg));
}

static void
serve_drains (VirtMigrateHttpService *self, SoupServerMessage *msg, const char *id_text)
{
  g_autoptr(GPtrArray) drains = virt_migrate_manager_list_drains (self->manager);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  GVariantBuilder all;

  if (id_text != NULL)
    {
      guint64 id = 0;
      VirtMigrateDrain *drain = NULL;

      if (g_ascii_string_to_unsigned (id_text, 10, 1, G_MAXUINT, &id, NULL))
        drain = virt_migrate_manager_lookup_drain (self->manager, (guint) id);
      if (drain == NULL)
        {
          g_autofree char *message = g_strdup_printf ("No drain %s", id_text);

          virt_migrate_http_respond_error (msg, SOUP_STATUS_NOT_FOUND, message);
          return;
        }
      root = json_gvariant_serialize (virt_migrate_drain_to_variant (drain));
    }
  else
    {
      g_variant_builder_init (&all, G_VARIANT_TYPE ("aa{sv}"));
      for (guint i = 0; i < drains->len; i++)
        g_variant_builder_add_value (&all, virt_migrate_drain_to_variant (g_ptr_array_index (drains, i)));
      root = json_gvariant_serialize (g_variant_builder_end (&all));
    }
  body = json_to_string (root, TRUE);
  respond (msg, SOUP_STATUS_OK, "application/json", body);
}

static void
serve_job (VirtMigrateHttpService *self, SoupServerMessage *msg, const char *id_text)
{
  guint64 id = 0;
  JobEntry *e = NULL;
  g_autofree char *body = NULL;

  if (g_ascii_string_to_unsigned (id_text, 10, 1, G_MAXUINT, &id, NULL))
    e = g_hash_table_lookup (self->jobs, GUINT_TO_POINTER ((guint) id));
  if (e == NULL)
    {
      g_autofree char *message = g_strdup_printf ("No job %s", id_text);

      virt_migrate_http_respond_error (msg, SOUP_STATUS_NOT_FOUND, message);
      return;
    }
  body = virt_migrate_job_to_json_string (e->job, TRUE);
  respond (msg, SOUP_STATUS_OK, "application/json", body);
}

static void
serve_metrics (VirtMigrateHttpService *self, SoupServerMessage *msg)
{
  g_autofree char *body = virt_migrate_metrics_render (self->metrics);

  respond (msg, SOUP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8", body);
}

/* The socket under @msg: ours (the listener accepted it), else libsoup's. */

static void
serve_resource (SoupServerMessage *msg, const char *name, const char *content_type)
{
  g_autofree char *path = g_strconcat (RESOURCE_PREFIX, name, NULL);
  /* From the compiled-in resource itself: naming it also keeps its object
   * in a program linked from the service layer's static archive. */
  g_autoptr(GBytes) bytes = g_resource_lookup_data (virt_migrate_http_get_resource (), path,
                                                    G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  gsize size = 0;
  const char *data;

  if (bytes == NULL)
    {
      virt_migrate_http_respond_error (msg, SOUP_STATUS_NOT_FOUND, "No such page");
      return;
    }
  data = g_bytes_get_data (bytes, &size);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, data, size);
  /* The page's script and style are inline; it talks to this server only. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Content-Security-Policy",
                                "default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; "
                                "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                                "form-action 'none'; frame-ancestors 'none'");
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  VirtMigrateHttpService *self = user_data;

  if (g_str_equal (path, "/") || g_str_equal (path, "/index.html"))
    serve_resource (msg, "index.html", "text/html; charset=utf-8");
  else if (g_str_equal (path, "/v1/jobs") || g_str_equal (path, "/v1/jobs/"))
    serve_jobs (self, msg);
  else if (g_str_has_prefix (path, "/v1/jobs/"))
    serve_job (self, msg, path + strlen ("/v1/jobs/"));
  else if (g_str_equal (path, "/v1/drains") || g_str_equal (path, "/v1/drains/"))
    serve_drains (self, msg, NULL);
  else if (g_str_has_prefix (path, "/v1/drains/"))
    serve_drains (self, msg, path + strlen ("/v1/drains/"));
  else if (g_str_equal (path, "/v1/history"))
    serve_history (self, msg, query);
  else if (g_str_equal (path, "/v1/events"))
    virt_migrate_http_serve_events (self, msg);
  else if (g_str_equal (path, "/metrics"))
    serve_metrics (self, msg);
  else
    virt_migrate_http_respond_error (msg, SOUP_STATUS_NOT_FOUND, "Not found: the API is /v1/jobs, /v1/jobs/ID, /v1/drains, /v1/drains/ID, /v1/history, /v1/events and /metrics");
}

/* --- checks before the body is read ---------------------------------------- */

static void
count_header (const char *name, const char *value, gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* Compares in time that depends only on the lengths. */
static gboolean
token_equal (const char *given, const char *token)
{
  gsize n = strlen (token);
  guchar diff = 0;

  if (strlen (given) != n)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    diff |= (guchar) given[i] ^ (guchar) token[i];
  return diff == 0;
}

static gboolean
authorized (VirtMigrateHttpService *self, SoupServerMessage *msg, GHashTable *query)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");
  const char *given = NULL;

  if (header != NULL && g_ascii_strncasecmp (header, "Bearer ", 7) == 0)
    {
      given = header + 7;
      while (*given == ' ')
        given++;
    }
  else if (header == NULL && query != NULL)
    given = g_hash_table_lookup (query, "access_token");
  return given != NULL && self->token != NULL && token_equal (given, self->token);
}

static void
early_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  VirtMigrateHttpService *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  guint n_headers = 0;

  soup_message_headers_replace (response, "Cache-Control", "no-store");
  soup_message_headers_replace (response, "X-Content-Type-Options", "nosniff");
  soup_message_headers_foreach (headers, count_header, &n_headers);
  if (n_headers > self->max_headers)
    {
      g_autofree char *message = g_strdup_printf ("Too many headers: %u, at most %u", n_headers, self->max_headers);

      reject (msg, STATUS_REQUEST_HEADER_FIELDS_TOO_LARGE, message);
      soup_server_message_set_status (msg, STATUS_REQUEST_HEADER_FIELDS_TOO_LARGE,
                                      "Request Header Fields Too Large");
      return;
    }
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED ||
      (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
       (guint64) soup_message_headers_get_content_length (headers) > self->max_request_size))
    {
      g_autofree char *message = g_strdup_printf ("Request body too large (at most %" G_GUINT64_FORMAT " bytes)",
                                                  self->max_request_size);

      reject (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, message);
      return;
    }
  /* One request a connection: a client that keeps it open or goes away
   * leaves nothing behind (libsoup 3.2 kept a closed client's socket in
   * CLOSE-WAIT). Event streams take it back. */
  soup_message_headers_replace (response, "Connection", "close");
  if (!authorized (self, msg, query))
    {
      soup_message_headers_replace (response, "WWW-Authenticate", "Bearer realm=\"virt-migrate\"");
      reject (msg, SOUP_STATUS_UNAUTHORIZED,
              "A bearer token is needed: Authorization: Bearer TOKEN, or ?access_token=TOKEN");
      return;
    }
  if (self->listener != NULL)
    virt_migrate_http_listener_authenticated (self->listener, soup_server_message_get_remote_address (msg));
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      soup_message_headers_replace (response, "Allow", "GET, HEAD");
      reject (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
              "The HTTP API is read-only: use D-Bus to start, cancel or change a migration");
      return;
    }
}

/* --- the token ----------------------------------------------------------- */

static gboolean
ensure_token (VirtMigrateHttpService *self, GError **error)
{
  char *token;

  if (self->token_file == NULL)
    self->token_file = virt_migrate_http_token_default_file ();
  token = virt_migrate_http_token_load (self->token_file, error);
  if (token == NULL)
    return FALSE;
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  self->token = token;
  return TRUE;
}

/* --- listening ----------------------------------------------------------- */

/**
 * virt_migrate_http_service_listen:
 * @self: a #VirtMigrateHttpService
 * @address: `HOST:PORT`, with HOST an IP address (`127.0.0.1`, `[::1]`,
 *   `0.0.0.0`) or `localhost`, or a bare `PORT` for `127.0.0.1:PORT`;
 *   PORT 0 picks a free port
 * @error: return location for a #GError
 *
 * Reads (or creates) the token and starts serving on @address: HTTPS when
 * #VirtMigrateHttpService:tls-certificate is set, plain HTTP otherwise,
 * which only a loopback address allows.
 *
 * Returns: %TRUE when serving
 */
gboolean
virt_migrate_http_service_listen (VirtMigrateHttpService *self,
                                  const char             *address,
                                  GError                **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autofree char *loopback_address = NULL;
  const char *host;
  guint16 port;

  g_return_val_if_fail (VIRT_MIGRATE_IS_HTTP_SERVICE (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* A bare port means loopback. */
  if (*address != '\0' && strspn (address, "0123456789") == strlen (address))
    address = loopback_address = g_strconcat ("127.0.0.1:", address, NULL);
  connectable = g_network_address_parse (address, 0, error);
  if (connectable == NULL)
    {
      g_prefix_error (error, "Invalid HTTP address '%s' (expected HOST:PORT): ", address);
      return FALSE;
    }
  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (connectable));
  port = g_network_address_get_port (G_NETWORK_ADDRESS (connectable));
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid HTTP address '%s': give an IP address (127.0.0.1, [::1], 0.0.0.0) "
                   "or localhost, and a port", address);
      return FALSE;
    }
  if (!g_inet_address_get_is_loopback (inet) && self->tls_certificate == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "Refusing to serve plain HTTP on %s: it is not a loopback address, and the "
                   "bearer token and the jobs would cross the network in clear text. Give a TLS "
                   "certificate and key (--http-tls-certificate, --http-tls-key), or listen on "
                   "127.0.0.1", address);
      return FALSE;
    }
  if (self->server != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "The HTTP service is already listening");
      return FALSE;
    }
  if (!ensure_token (self, error))
    return FALSE;

  self->server = soup_server_new ("server-header", "virt-migrate/" PACKAGE_VERSION " ",
                                  "tls-certificate", self->tls_certificate,
                                  NULL);
  soup_server_add_early_handler (self->server, NULL, early_handler, self, NULL);
  soup_server_add_handler (self->server, NULL, handle_request, self, NULL);
  socket_address = g_inet_socket_address_new (inet, port);
  /* The connections are accepted by the listener, which hands libsoup
   * each one whose request head came in whole and sane. */
  self->listener = virt_migrate_http_listener_new (self->server, self->tls_certificate, self->max_request_size);
  if (!virt_migrate_http_listener_listen (self->listener, socket_address, error))
    {
      g_prefix_error (error, "Cannot listen on %s: ", address);
      g_clear_object (&self->listener);
      g_clear_object (&self->server);
      return FALSE;
    }
  self->keepalive_source = g_timeout_add_seconds (KEEPALIVE_SECONDS, virt_migrate_http_events_keepalive, self);
  return TRUE;
}

/**
 * virt_migrate_http_service_get_uris:
 * @self: a #VirtMigrateHttpService
 *
 * Returns: (transfer full) (array zero-terminated=1): the addresses served
 *   (`http://127.0.0.1:8080/`), empty before
 *   virt_migrate_http_service_listen()
 */
char **
virt_migrate_http_service_get_uris (VirtMigrateHttpService *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GSList *uris;

  g_return_val_if_fail (VIRT_MIGRATE_IS_HTTP_SERVICE (self), NULL);
  uris = self->listener != NULL ? virt_migrate_http_listener_get_uris (self->listener) : NULL;
  for (GSList *l = uris; l != NULL; l = l->next)
    {
      g_autofree char *uri = g_uri_to_string (l->data);

      g_strv_builder_add (builder, uri);
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return g_strv_builder_end (builder);
}

/**
 * virt_migrate_http_service_get_token_file:
 * @self: a #VirtMigrateHttpService
 *
 * Returns: (nullable): the file holding the bearer token, once known
 */
const char *
virt_migrate_http_service_get_token_file (VirtMigrateHttpService *self)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_HTTP_SERVICE (self), NULL);
  return self->token_file;
}

/**
 * virt_migrate_http_service_disconnect:
 * @self: a #VirtMigrateHttpService
 *
 * Stops serving and closes every connection, event streams included.
 */
void
virt_migrate_http_service_disconnect (VirtMigrateHttpService *self)
{
  g_return_if_fail (VIRT_MIGRATE_IS_HTTP_SERVICE (self));

  g_clear_handle_id (&self->keepalive_source, g_source_remove);
  g_ptr_array_set_size (self->clients, 0);
  if (self->listener != NULL)
    g_object_run_dispose (G_OBJECT (self->listener));
  g_clear_object (&self->listener);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
}

/* --- GObject ------------------------------------------------------------- */

static void
virt_migrate_http_service_constructed (GObject *object)
{
  VirtMigrateHttpService *self = VIRT_MIGRATE_HTTP_SERVICE (object);
  VirtMigrateSettings *settings;

  G_OBJECT_CLASS (virt_migrate_http_service_parent_class)->constructed (object);
  g_return_if_fail (self->manager != NULL);

  settings = virt_migrate_manager_get_settings (self->manager);
  if (self->events_rate == 0)
    self->events_rate = virt_migrate_settings_get_progress_rate (settings);
  self->metrics = virt_migrate_metrics_new (self->manager);
  virt_migrate_service_watch_jobs (self->manager, self, virt_migrate_http_events_job_added,
                                   virt_migrate_http_events_job_dropped);
}

static void
virt_migrate_http_service_dispose (GObject *object)
{
  VirtMigrateHttpService *self = VIRT_MIGRATE_HTTP_SERVICE (object);

  virt_migrate_http_service_disconnect (self);
  if (self->jobs != NULL)
    g_hash_table_remove_all (self->jobs);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->metrics);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (virt_migrate_http_service_parent_class)->dispose (object);
}

static void
virt_migrate_http_service_finalize (GObject *object)
{
  VirtMigrateHttpService *self = VIRT_MIGRATE_HTTP_SERVICE (object);

  g_clear_pointer (&self->jobs, g_hash_table_unref);
  g_clear_pointer (&self->clients, g_ptr_array_unref);
  g_clear_object (&self->tls_certificate);
  g_free (self->token_file);
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  G_OBJECT_CLASS (virt_migrate_http_service_parent_class)->finalize (object);
}

static void
virt_migrate_http_service_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VirtMigrateHttpService *self = VIRT_MIGRATE_HTTP_SERVICE (object);

  switch (prop_id)
    {
    case PROP_MANAGER: g_value_set_object (value, self->manager); break;
    case PROP_TOKEN_FILE: g_value_set_string (value, self->token_file); break;
    case PROP_TLS_CERTIFICATE: g_value_set_object (value, self->tls_certificate); break;
    case PROP_EVENTS_RATE: g_value_set_uint (value, self->events_rate); break;
    case PROP_MAX_HEADERS: g_value_set_uint (value, self->max_headers); break;
    case PROP_MAX_REQUEST_SIZE: g_value_set_uint64 (value, self->max_request_size); break;
    case PROP_MAX_EVENT_CLIENTS: g_value_set_uint (value, self->max_event_clients); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_http_service_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  VirtMigrateHttpService *self = VIRT_MIGRATE_HTTP_SERVICE (object);

  switch (prop_id)
    {
    case PROP_MANAGER: self->manager = g_value_dup_object (value); break;
    case PROP_TOKEN_FILE:
      g_free (self->token_file);
      self->token_file = g_value_dup_string (value);
      break;
    case PROP_TLS_CERTIFICATE: g_set_object (&self->tls_certificate, g_value_get_object (value)); break;
    case PROP_EVENTS_RATE: self->events_rate = g_value_get_uint (value); break;
    case PROP_MAX_HEADERS: self->max_headers = g_value_get_uint (value); break;
    case PROP_MAX_REQUEST_SIZE: self->max_request_size = g_value_get_uint64 (value); break;
    case PROP_MAX_EVENT_CLIENTS: self->max_event_clients = g_value_get_uint (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_http_service_class_init (VirtMigrateHttpServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->constructed = virt_migrate_http_service_constructed;
  object_class->dispose = virt_migrate_http_service_dispose;
  object_class->finalize = virt_migrate_http_service_finalize;
  object_class->get_property = virt_migrate_http_service_get_property;
  object_class->set_property = virt_migrate_http_service_set_property;

  /**
   * VirtMigrateHttpService:manager:
   *
   * The manager whose jobs are served.
   */
  props[PROP_MANAGER] = g_param_spec_object ("manager", NULL, NULL, VIRT_MIGRATE_TYPE_MANAGER,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * VirtMigrateHttpService:token-file:
   *
   * The file holding the bearer token; %NULL for
   * `$XDG_RUNTIME_DIR/virt-migrate/http-token`. Read when listening starts.
   */
  props[PROP_TOKEN_FILE] = g_param_spec_string ("token-file", NULL, NULL, NULL, rw);
  /**
   * VirtMigrateHttpService:tls-certificate:
   *
   * A certificate with its private key (g_tls_certificate_new_from_files()):
   * when set, the service speaks HTTPS and may listen on any address.
   */
  props[PROP_TLS_CERTIFICATE] = g_param_spec_object ("tls-certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE, rw);
  /**
   * VirtMigrateHttpService:events-rate:
   *
   * At most this many `job` events per second per job on `/v1/events`;
   * 0 at construction: #VirtMigrateSettings:progress-rate.
   */
  props[PROP_EVENTS_RATE] = g_param_spec_uint ("events-rate", NULL, NULL, 0, 1000, 0,
                                               G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  /**
   * VirtMigrateHttpService:max-headers:
   *
   * Requests with more headers are refused (431).
   */
  props[PROP_MAX_HEADERS] = g_param_spec_uint ("max-headers", NULL, NULL, 1, 1000, 64,
                                               G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  /**
   * VirtMigrateHttpService:max-request-size:
   *
   * Requests with a larger body (or a chunked one) are refused (413)
   * without keeping the body.
   */
  props[PROP_MAX_REQUEST_SIZE] = g_param_spec_uint64 ("max-request-size", NULL, NULL, 0, G_MAXUINT32, 16 * 1024,
                                                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  /**
   * VirtMigrateHttpService:max-event-clients:
   *
   * At most this many `/v1/events` streams at once; more are refused (503).
   */
  props[PROP_MAX_EVENT_CLIENTS] = g_param_spec_uint ("max-event-clients", NULL, NULL, 1, 1000, 16,
                                                     G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
virt_migrate_http_service_init (VirtMigrateHttpService *self)
{
  self->jobs = g_hash_table_new_full (NULL, NULL, NULL, virt_migrate_http_events_job_entry_free);
  self->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_http_events_client_free);
}

/**
 * virt_migrate_http_service_new:
 * @manager: the manager whose jobs to serve
 *
 * Returns: (transfer full): a service, not listening yet
 */
VirtMigrateHttpService *
virt_migrate_http_service_new (VirtMigrateManager *manager)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (manager), NULL);
  return g_object_new (VIRT_MIGRATE_TYPE_HTTP_SERVICE, "manager", manager, NULL);
}
