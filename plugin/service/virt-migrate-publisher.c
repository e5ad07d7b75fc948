/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-publisher.h"

struct _VirtMigratePublisher
{
  VirtMigratePublishFunc func;
  gpointer               user_data;
  gint64                 last;   /* monotonic µs of the last update, 0: none yet */
  guint                  source; /* the pending update's timeout */
};

VirtMigratePublisher *
virt_migrate_publisher_new (VirtMigratePublishFunc func, gpointer user_data)
{
  VirtMigratePublisher *self = g_new0 (VirtMigratePublisher, 1);

  self->func = func;
  self->user_data = user_data;
  return self;
}

void
virt_migrate_publisher_free (VirtMigratePublisher *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->source, g_source_remove);
  g_free (self);
}

void
virt_migrate_publisher_sent (VirtMigratePublisher *self)
{
  g_clear_handle_id (&self->source, g_source_remove);
  self->last = g_get_monotonic_time ();
}

static void
publish (VirtMigratePublisher *self)
{
  virt_migrate_publisher_sent (self);
  self->func (self->user_data);
}

static gboolean
due_cb (gpointer user_data)
{
  VirtMigratePublisher *self = user_data;

  self->source = 0;
  publish (self);
  return G_SOURCE_REMOVE;
}

void
virt_migrate_publisher_changed (VirtMigratePublisher *self, gint64 interval_us)
{
  gint64 now = g_get_monotonic_time ();

  if (self->last == 0 || now >= self->last + interval_us)
    publish (self);
  else if (self->source == 0)
    self->source = g_timeout_add ((guint) ((self->last + interval_us - now) / 1000) + 1, due_cb, self);
}
