/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The HTTP service's front door: it accepts the connections itself and
 * hands each to a SoupServer only once the head of its request has come
 * in whole and sane. It closes what it opens, whatever the client does:
 *
 * - a head (request line and headers) must arrive within a timeout, be at
 *   most 16 KiB (431; 414 for a request line over 8 KiB), and carry at
 *   most one Content-Length, a plain number within the body limit (400,
 *   413); a slow client gets 408;
 * - at most so many connections may be waiting for their head or the
 *   token check (unauthenticated), and so many open in all: the others
 *   get 503 at once;
 * - a request that is not an event stream has a deadline for its answer,
 *   after which the connection is closed;
 * - a connection libsoup has finished with is closed here (libsoup 3.2
 *   leaves the socket of a client that went away in CLOSE-WAIT). */
#define VIRT_MIGRATE_TYPE_HTTP_LISTENER (virt_migrate_http_listener_get_type ())
G_DECLARE_FINAL_TYPE (VirtMigrateHttpListener, virt_migrate_http_listener, VIRT_MIGRATE, HTTP_LISTENER, GObject)

VirtMigrateHttpListener *virt_migrate_http_listener_new              (SoupServer      *server,
                                                                      GTlsCertificate *certificate,
                                                                      guint64          max_body);
gboolean                 virt_migrate_http_listener_listen           (VirtMigrateHttpListener *self,
                                                                      GSocketAddress          *address,
                                                                      GError                 **error);
GSList                  *virt_migrate_http_listener_get_uris         (VirtMigrateHttpListener *self);
/* What the service learnt of the request from @peer (its remote address). */
void                     virt_migrate_http_listener_authenticated    (VirtMigrateHttpListener *self,
                                                                      GSocketAddress          *peer);
void                     virt_migrate_http_listener_streaming        (VirtMigrateHttpListener *self,
                                                                      GSocketAddress          *peer);
GSocket                 *virt_migrate_http_listener_get_socket       (VirtMigrateHttpListener *self,
                                                                      GSocketAddress          *peer);
guint                    virt_migrate_http_listener_get_n_connections (VirtMigrateHttpListener *self);
void                     virt_migrate_http_listener_set_limits       (VirtMigrateHttpListener *self,
                                                                      guint                    max_unauthenticated,
                                                                      guint                    max_connections,
                                                                      guint                    head_timeout_ms,
                                                                      guint                    answer_timeout_ms);

G_END_DECLS
