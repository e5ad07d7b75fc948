/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-publisher.h"

#include <libsoup/soup.h>

#include "virt-migrate-http-listener.h"
#include "virt-migrate-http-service.h"
#include "virt-migrate-metrics.h"

G_BEGIN_DECLS

/* The HTTP service's state, shared by virt-migrate-http-service.c (routes,
 * auth, TLS, listening) and virt-migrate-http-events.c (the event streams
 * and the per-job entries that feed them). */
#define RESOURCE_PREFIX "/org/virtmigrate/VirtMigrate/http/"
/* A client that falls this far behind its event stream is dropped. */
#define MAX_EVENT_BACKLOG (1024 * 1024)
#define KEEPALIVE_SECONDS 15
/* RFC 6585; libsoup 3.2 has no name for it. */
#define STATUS_REQUEST_HEADER_FIELDS_TOO_LARGE 431

typedef struct _JobEntry JobEntry;

struct _VirtMigrateHttpService
{
  GObject             parent_instance;
  VirtMigrateManager *manager;
  VirtMigrateMetrics *metrics;
  SoupServer         *server;
  VirtMigrateHttpListener *listener;
  GTlsCertificate    *tls_certificate;
  char               *token_file;
  char               *token;
  guint               events_rate;
  guint               max_headers;
  guint64             max_request_size;
  guint               max_event_clients;
  GHashTable         *jobs;     /* id → JobEntry */
  GPtrArray          *clients;  /* EventClient */
  guint               keepalive_source;
};

struct _JobEntry {
  VirtMigrateHttpService *service;
  VirtMigrateJob         *job;
  gulong                  notify_id;
  gulong                  completed_id;
  VirtMigratePublisher   *publisher;
};

typedef struct {
  VirtMigrateHttpService *service;
  SoupServerMessage      *msg;
  gsize                   backlog;
  gulong                  finished_id;
  gulong                  wrote_id;
  GSource                *hangup_source;
} EventClient;

/* virt-migrate-http-service.c */
void       virt_migrate_http_respond_error          (SoupServerMessage      *msg,
                                                     guint                   status,
                                                     const char             *message);

/* virt-migrate-http-events.c */
GPtrArray *virt_migrate_http_sorted_entries         (VirtMigrateHttpService *self);
void       virt_migrate_http_serve_events           (VirtMigrateHttpService *self,
                                                     SoupServerMessage      *msg);
void       virt_migrate_http_events_job_added       (VirtMigrateManager     *manager,
                                                     VirtMigrateJob         *job,
                                                     gpointer                user_data);
void       virt_migrate_http_events_job_dropped     (VirtMigrateManager     *manager,
                                                     VirtMigrateJob         *job,
                                                     gpointer                user_data);
void       virt_migrate_http_events_job_entry_free  (gpointer                data);
void       virt_migrate_http_events_client_free     (gpointer                data);
gboolean   virt_migrate_http_events_keepalive       (gpointer                user_data);

G_END_DECLS
