/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "virt-migrate-enum-types.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-job-json.h"
#include "virt-migrate-service.h"
#include "virt-migrate-webhooks.h"

/**
 * VirtMigrateWebhooks:
 *
 * Tells web services when a migration ends. For every job of the
 * #VirtMigrateWebhooks:manager that succeeds, fails or is cancelled, each
 * URL of #VirtMigrateWebhooks:urls receives one `POST` with a JSON body:
 *
 * |[
 * { "event": "succeeded", "job": { "Id": 3, "State": "succeeded", … } }
 * ]|
 *
 * `job` is the job as the HTTP API shows it (#VirtMigrateHttpService).
 * A drain that ends sends `drain-succeeded`, `drain-incomplete`,
 * `drain-cancelled` or `drain-failed` with `drain`, as `GET /v1/drains/ID`
 * shows it: its table of guests, each moved, left or failed, and why.
 * Headers `X-VirtMigrate-Event` (the event) and `X-VirtMigrate-Attempt`
 * (1, 2, …) go with it. Any 2xx answer counts as delivered; anything else
 * (another status, no connection, no answer within
 * #VirtMigrateWebhooks:timeout seconds) is tried again after
 * #VirtMigrateWebhooks:retry-delay milliseconds, doubling each time, up to
 * #VirtMigrateWebhooks:attempts attempts, and then logged as lost. All of
 * it runs asynchronously in the main context: a slow or dead receiver never
 * holds up a job.
 */
struct _VirtMigrateWebhooks
{
  GObject             parent_instance;
  VirtMigrateManager *manager;
  SoupSession        *session;
  GCancellable       *cancellable;
  char              **urls;
  guint               attempts;
  guint               retry_delay;
  guint               timeout;
};

/* One POST to one URL, tried until delivered or out of attempts. */
typedef struct {
  SoupSession  *session;
  GCancellable *cancellable;
  char         *url;
  char         *event;
  GBytes       *body;
  guint         job_id;
  guint         attempt;
  guint         attempts;
  guint         delay;
} Delivery;

enum {
  PROP_0,
  PROP_MANAGER,
  PROP_URLS,
  PROP_ATTEMPTS,
  PROP_RETRY_DELAY,
  PROP_TIMEOUT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (VirtMigrateWebhooks, virt_migrate_webhooks, G_TYPE_OBJECT)

static void
delivery_free (Delivery *d)
{
  g_object_unref (d->session);
  g_object_unref (d->cancellable);
  g_free (d->url);
  g_free (d->event);
  g_bytes_unref (d->body);
  g_free (d);
}

static void delivery_send (Delivery *d);

static gboolean
retry_cb (gpointer user_data)
{
  delivery_send (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Delivery *d = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autofree char *problem = NULL;
  guint status = msg != NULL ? soup_message_get_status (msg) : 0;

  if (answer != NULL && SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_debug ("webhook %s: job %u %s delivered (attempt %u)", d->url, d->job_id, d->event, d->attempt);
      delivery_free (d);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      delivery_free (d);
      return;
    }
  problem = error != NULL ? g_strdup (error->message)
                          : g_strdup_printf ("HTTP %u %s", status, soup_message_get_reason_phrase (msg));
  if (d->attempt >= d->attempts)
    {
      g_warning ("webhook %s: job %u %s not delivered after %u attempts: %s",
                 d->url, d->job_id, d->event, d->attempt, problem);
      delivery_free (d);
      return;
    }
  g_message ("webhook %s: job %u %s: attempt %u failed (%s), trying again in %u ms",
             d->url, d->job_id, d->event, d->attempt, problem, d->delay);
  g_timeout_add (d->delay, retry_cb, d);
  d->delay = MIN (d->delay * 2, 5 * 60 * 1000);
}

static void
delivery_send (Delivery *d)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *attempt = NULL;

  if (g_cancellable_is_cancelled (d->cancellable))
    {
      delivery_free (d);
      return;
    }
  msg = soup_message_new (SOUP_METHOD_POST, d->url);
  if (msg == NULL)
    {
      g_warning ("webhook %s: not a valid http or https URL; job %u %s not sent", d->url, d->job_id, d->event);
      delivery_free (d);
      return;
    }
  d->attempt++;
  attempt = g_strdup_printf ("%u", d->attempt);
  soup_message_set_request_body_from_bytes (msg, "application/json", d->body);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-VirtMigrate-Event", d->event);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-VirtMigrate-Attempt", attempt);
  soup_session_send_and_read_async (d->session, msg, G_PRIORITY_DEFAULT, d->cancellable, on_sent, d);
}

/* One POST of @root per URL. */
static void
deliver (VirtMigrateWebhooks *self, const char *event, guint id, JsonNode *root)
{
  g_autofree char *text = json_to_string (root, FALSE);
  gsize len = strlen (text);
  g_autoptr(GBytes) body = g_bytes_new_take (g_steal_pointer (&text), len);

  for (guint i = 0; self->urls[i] != NULL; i++)
    {
      Delivery *d = g_new0 (Delivery, 1);

      d->session = g_object_ref (self->session);
      d->cancellable = g_object_ref (self->cancellable);
      d->url = g_strdup (self->urls[i]);
      d->event = g_strdup (event);
      d->body = g_bytes_ref (body);
      d->job_id = id;
      d->attempts = MAX (self->attempts, 1);
      d->delay = MAX (self->retry_delay, 1);
      delivery_send (d);
    }
}

static void
on_job_completed (VirtMigrateJob *job, VirtMigrateWebhooks *self)
{
  const char *event = virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_JOB_STATE, virt_migrate_job_get_state (job));
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  if (self->urls == NULL || self->urls[0] == NULL)
    return;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, event);
  json_builder_set_member_name (builder, "job");
  json_builder_add_value (builder, virt_migrate_job_to_json (job));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  deliver (self, event, virt_migrate_job_get_id (job), root);
}

/* A drain that ended: "drain-succeeded", "drain-incomplete",
 * "drain-cancelled" or "drain-failed", with the drain as /v1/drains/ID
 * shows it (its table included). A dry run is not news. */
static void
on_drain_completed (VirtMigrateDrain *drain, VirtMigrateWebhooks *self)
{
  g_autofree char *event = g_strconcat ("drain-", virt_migrate_enum_nick (VIRT_MIGRATE_TYPE_DRAIN_STATE,
                                                                         virt_migrate_drain_get_state (drain)), NULL);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  if (self->urls == NULL || self->urls[0] == NULL ||
      virt_migrate_drain_get_state (drain) == VIRT_MIGRATE_DRAIN_STATE_PLANNED)
    return;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, event);
  json_builder_set_member_name (builder, "drain");
  json_builder_add_value (builder, json_gvariant_serialize (virt_migrate_drain_to_variant (drain)));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  deliver (self, event, virt_migrate_drain_get_id (drain), root);
}

static void
on_drain_added (VirtMigrateManager *manager, VirtMigrateDrain *drain, gpointer self)
{
  g_signal_connect_object (drain, "completed", G_CALLBACK (on_drain_completed), self, 0);
}

static void
on_job_added (VirtMigrateManager *manager, VirtMigrateJob *job, gpointer self)
{
  g_signal_connect_object (job, "completed", G_CALLBACK (on_job_completed), self, 0);
}

static void
virt_migrate_webhooks_constructed (GObject *object)
{
  VirtMigrateWebhooks *self = VIRT_MIGRATE_WEBHOOKS (object);

  G_OBJECT_CLASS (virt_migrate_webhooks_parent_class)->constructed (object);
  g_return_if_fail (self->manager != NULL);
  g_object_bind_property (self, "timeout", self->session, "timeout", G_BINDING_SYNC_CREATE);
  virt_migrate_service_watch_jobs (self->manager, self, on_job_added, NULL);
  g_signal_connect_object (self->manager, "drain-added", G_CALLBACK (on_drain_added), self, 0);
}

static void
virt_migrate_webhooks_dispose (GObject *object)
{
  VirtMigrateWebhooks *self = VIRT_MIGRATE_WEBHOOKS (object);

  /* Deliveries in flight or waiting to retry end at their next step. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (virt_migrate_webhooks_parent_class)->dispose (object);
}

static void
virt_migrate_webhooks_finalize (GObject *object)
{
  VirtMigrateWebhooks *self = VIRT_MIGRATE_WEBHOOKS (object);

  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_strfreev (self->urls);
  G_OBJECT_CLASS (virt_migrate_webhooks_parent_class)->finalize (object);
}

static void
virt_migrate_webhooks_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VirtMigrateWebhooks *self = VIRT_MIGRATE_WEBHOOKS (object);

  switch (prop_id)
    {
    case PROP_MANAGER: g_value_set_object (value, self->manager); break;
    case PROP_URLS: g_value_set_boxed (value, self->urls); break;
    case PROP_ATTEMPTS: g_value_set_uint (value, self->attempts); break;
    case PROP_RETRY_DELAY: g_value_set_uint (value, self->retry_delay); break;
    case PROP_TIMEOUT: g_value_set_uint (value, self->timeout); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_webhooks_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  VirtMigrateWebhooks *self = VIRT_MIGRATE_WEBHOOKS (object);

  switch (prop_id)
    {
    case PROP_MANAGER: self->manager = g_value_dup_object (value); break;
    case PROP_URLS:
      g_strfreev (self->urls);
      self->urls = g_value_dup_boxed (value);
      break;
    case PROP_ATTEMPTS: self->attempts = g_value_get_uint (value); break;
    case PROP_RETRY_DELAY: self->retry_delay = g_value_get_uint (value); break;
    case PROP_TIMEOUT: self->timeout = g_value_get_uint (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
virt_migrate_webhooks_class_init (VirtMigrateWebhooksClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS;

  object_class->constructed = virt_migrate_webhooks_constructed;
  object_class->dispose = virt_migrate_webhooks_dispose;
  object_class->finalize = virt_migrate_webhooks_finalize;
  object_class->get_property = virt_migrate_webhooks_get_property;
  object_class->set_property = virt_migrate_webhooks_set_property;

  /**
   * VirtMigrateWebhooks:manager:
   *
   * The manager whose jobs are reported.
   */
  props[PROP_MANAGER] = g_param_spec_object ("manager", NULL, NULL, VIRT_MIGRATE_TYPE_MANAGER,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * VirtMigrateWebhooks:urls:
   *
   * The http:// or https:// URLs that receive a POST when a job ends
   * (the `webhooks` setting).
   */
  props[PROP_URLS] = g_param_spec_boxed ("urls", NULL, NULL, G_TYPE_STRV, flags);
  /**
   * VirtMigrateWebhooks:attempts:
   *
   * How many times one POST is tried before it is logged as lost.
   */
  props[PROP_ATTEMPTS] = g_param_spec_uint ("attempts", NULL, NULL, 1, 100, 5, flags);
  /**
   * VirtMigrateWebhooks:retry-delay:
   *
   * Milliseconds before the second attempt; each further wait doubles
   * (at most 5 minutes).
   */
  props[PROP_RETRY_DELAY] = g_param_spec_uint ("retry-delay", NULL, NULL, 1, 3600000, 1000, flags);
  /**
   * VirtMigrateWebhooks:timeout:
   *
   * Seconds an attempt may take before it counts as failed.
   */
  props[PROP_TIMEOUT] = g_param_spec_uint ("timeout", NULL, NULL, 1, 3600, 10, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
virt_migrate_webhooks_init (VirtMigrateWebhooks *self)
{
  self->session = soup_session_new_with_options ("user-agent", "virt-migrate/" PACKAGE_VERSION " ", NULL);
  self->cancellable = g_cancellable_new ();
}

/**
 * virt_migrate_webhooks_new:
 * @manager: the manager whose jobs to report
 *
 * Returns: (transfer full): webhooks with no URLs yet; set
 *   #VirtMigrateWebhooks:urls
 */
VirtMigrateWebhooks *
virt_migrate_webhooks_new (VirtMigrateManager *manager)
{
  g_return_val_if_fail (VIRT_MIGRATE_IS_MANAGER (manager), NULL);
  return g_object_new (VIRT_MIGRATE_TYPE_WEBHOOKS, "manager", manager, NULL);
}
