/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GET /v1/events: a server-sent event stream per client, fed by an entry
 * per job of the manager (rate-limited like the D-Bus sync), with
 * keep-alives, a bound on each client's backlog and its hang-up noticed. */
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
#include "virt-migrate-http-service-internal.h"

/* --- event streams ------------------------------------------------------- */

void
virt_migrate_http_events_client_free (gpointer data)
{
  EventClient *c = data;

  if (c->hangup_source != NULL)
    g_source_destroy (c->hangup_source);
  g_clear_pointer (&c->hangup_source, g_source_unref);
  g_clear_signal_handler (&c->finished_id, c->msg);
  g_clear_signal_handler (&c->wrote_id, c->msg);
  g_clear_object (&c->msg);
  g_free (c);
}

static void
on_client_finished (SoupServerMessage *msg, EventClient *c)
{
  g_debug ("event client gone");
  g_ptr_array_remove_fast (c->service->clients, c);
}

static void
on_client_wrote (SoupServerMessage *msg, guint size, EventClient *c)
{
  c->backlog -= MIN (c->backlog, size);
}

/* Closes the connection of a client that does not read what it is sent. */
static void
drop_client (EventClient *c)
{
  g_autoptr(SoupServerMessage) msg = g_object_ref (c->msg);
  g_autoptr(GIOStream) stream = NULL;

  g_message ("HTTP: dropping an event client %" G_GSIZE_FORMAT " bytes behind", c->backlog);
  g_ptr_array_remove_fast (c->service->clients, c);
  stream = soup_server_message_steal_connection (msg);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

/* The client's end of the socket became readable: at EOF it went away, and
 * its place is given back at once rather than at the next write. The
 * stream is ended (the last chunk goes to the dead socket and libsoup
 * closes the connection the usual way). Anything else (a pipelined request,
 * TLS data) is left to libsoup. */
static gboolean
on_client_socket (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  EventClient *c = user_data;
  char byte;
  gssize n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);

  if (n == 0 || (condition & (G_IO_HUP | G_IO_ERR)) != 0 ||
      (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
    {
      g_autoptr(SoupServerMessage) msg = g_object_ref (c->msg);

      g_debug ("event client hung up");
      g_clear_pointer (&c->hangup_source, g_source_unref);
      g_ptr_array_remove_fast (c->service->clients, c);
      soup_message_body_complete (soup_server_message_get_response_body (msg));
      soup_server_message_unpause (msg);
      return G_SOURCE_REMOVE;
    }
  if (n > 0)
    {
      g_clear_pointer (&c->hangup_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
client_send (EventClient *c, const char *text)
{
  gsize len = strlen (text);

  if (c->backlog + len > MAX_EVENT_BACKLOG)
    {
      drop_client (c);
      return;
    }
  c->backlog += len;
  soup_message_body_append (soup_server_message_get_response_body (c->msg), SOUP_MEMORY_COPY, text, len);
  soup_server_message_unpause (c->msg);
}

static void
broadcast (VirtMigrateHttpService *self, const char *text)
{
  /* Backwards: a client may be dropped (removed) on the way. */
  for (guint i = self->clients->len; i > 0; i--)
    client_send (g_ptr_array_index (self->clients, i - 1), text);
}

static char *
job_event (JobEntry *e, const char *event)
{
  g_autofree char *json = virt_migrate_job_to_json_string (e->job, FALSE);

  return g_strdup_printf ("event: %s\ndata: %s\n\n", event, json);
}

static void
emit_job (JobEntry *e, const char *event)
{
  g_autofree char *text = NULL;

  virt_migrate_publisher_sent (e->publisher);
  if (e->service->clients->len == 0)
    return;
  text = job_event (e, event);
  broadcast (e->service, text);
}

static void
emit_job_cb (gpointer user_data)
{
  emit_job (user_data, "job");
}

static void
on_job_notify (VirtMigrateJob *job, GParamSpec *pspec, JobEntry *e)
{
  if (virt_migrate_job_is_finished (job))
    return; /* "completed" says it */
  if (g_str_equal (pspec->name, "state"))
    emit_job (e, "job");
  else
    virt_migrate_publisher_changed (e->publisher, G_USEC_PER_SEC / MAX (e->service->events_rate, 1));
}

/* The job left the manager's list (its retention is over). */
void
virt_migrate_http_events_job_dropped (VirtMigrateManager *manager, VirtMigrateJob *job, gpointer user_data)
{
  VirtMigrateHttpService *self = user_data;
  g_autofree char *text = g_strdup_printf ("event: removed\ndata: {\"Id\":%u}\n\n",
                                           virt_migrate_job_get_id (job));

  if (g_hash_table_remove (self->jobs, GUINT_TO_POINTER (virt_migrate_job_get_id (job))))
    broadcast (self, text);
}

static void
on_job_completed (VirtMigrateJob *job, JobEntry *e)
{
  emit_job (e, "completed");
}

void
virt_migrate_http_events_job_entry_free (gpointer data)
{
  JobEntry *e = data;

  g_clear_pointer (&e->publisher, virt_migrate_publisher_free);
  g_clear_signal_handler (&e->notify_id, e->job);
  g_clear_signal_handler (&e->completed_id, e->job);
  g_object_unref (e->job);
  g_free (e);
}

void
virt_migrate_http_events_job_added (VirtMigrateManager *manager, VirtMigrateJob *job, gpointer user_data)
{
  VirtMigrateHttpService *self = user_data;
  JobEntry *e = g_new0 (JobEntry, 1);

  e->service = self;
  e->job = g_object_ref (job);
  e->publisher = virt_migrate_publisher_new (emit_job_cb, e);
  e->notify_id = g_signal_connect (job, "notify", G_CALLBACK (on_job_notify), e);
  e->completed_id = g_signal_connect (job, "completed", G_CALLBACK (on_job_completed), e);
  g_hash_table_replace (self->jobs, GUINT_TO_POINTER (virt_migrate_job_get_id (job)), e);
  emit_job (e, "job");
}

gboolean
virt_migrate_http_events_keepalive (gpointer user_data)
{
  /* Also how a client that went away is noticed: the write fails. */
  broadcast (user_data, ": keepalive\n\n");
  return G_SOURCE_CONTINUE;
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  guint x = virt_migrate_job_get_id ((*(JobEntry **) a)->job);
  guint y = virt_migrate_job_get_id ((*(JobEntry **) b)->job);

  return x < y ? -1 : x > y;
}

GPtrArray *
virt_migrate_http_sorted_entries (VirtMigrateHttpService *self)
{
  GPtrArray *entries = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (entries, value);
  g_ptr_array_sort (entries, compare_entries);
  return entries;
}

static GSocket *
client_socket (VirtMigrateHttpService *self, SoupServerMessage *msg)
{
  GSocket *socket = self->listener != NULL
                      ? virt_migrate_http_listener_get_socket (self->listener,
                                                               soup_server_message_get_remote_address (msg))
                      : NULL;

  return socket != NULL ? socket : soup_server_message_get_socket (msg);
}

void
virt_migrate_http_serve_events (VirtMigrateHttpService *self, SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GPtrArray) entries = NULL;
  EventClient *c;

  if (self->clients->len >= self->max_event_clients)
    {
      g_autofree char *message = g_strdup_printf ("Too many event streams (at most %u)",
                                                  self->max_event_clients);

      virt_migrate_http_respond_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, message);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_remove (headers, "Connection");
  if (self->listener != NULL)
    virt_migrate_http_listener_streaming (self->listener, soup_server_message_get_remote_address (msg));
  soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);

  c = g_new0 (EventClient, 1);
  c->service = self;
  c->msg = g_object_ref (msg);
  c->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_client_finished), c);
  c->wrote_id = g_signal_connect (msg, "wrote-body-data", G_CALLBACK (on_client_wrote), c);
  g_ptr_array_add (self->clients, c);
  if (client_socket (self, msg) != NULL)
    {
      c->hangup_source = g_socket_create_source (client_socket (self, msg),
                                                 G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (c->hangup_source, G_SOURCE_FUNC (on_client_socket), c, NULL);
      g_source_attach (c->hangup_source, g_main_context_get_thread_default ());
    }

  /* Where things are now, then every change. */
  client_send (c, "retry: 2000\n\n");
  entries = virt_migrate_http_sorted_entries (self);
  for (guint i = 0; i < entries->len; i++)
    {
      JobEntry *e = g_ptr_array_index (entries, i);
      g_autofree char *text = job_event (e, virt_migrate_job_is_finished (e->job) ? "completed" : "job");

      client_send (c, text);
    }
}
