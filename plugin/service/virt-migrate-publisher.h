/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The one rate limit of every view of a job or a drain (its D-Bus object,
 * the HTTP event stream): news goes out at once, a change that can wait
 * goes out when the interval since the last update has passed, and the
 * last change is never lost (a timeout sends it). On one main context. */
typedef struct _VirtMigratePublisher VirtMigratePublisher;
typedef void (*VirtMigratePublishFunc) (gpointer user_data);

VirtMigratePublisher *virt_migrate_publisher_new     (VirtMigratePublishFunc func,
                                                      gpointer               user_data);
void                  virt_migrate_publisher_free    (VirtMigratePublisher  *self);
/* An update went out (news, or @func itself): a pending one is dropped and
 * the interval counts from now. */
void                  virt_migrate_publisher_sent    (VirtMigratePublisher  *self);
/* Something changed: @func now if @interval_us has passed since the last
 * update, else once it has. */
void                  virt_migrate_publisher_changed (VirtMigratePublisher  *self,
                                                      gint64                 interval_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VirtMigratePublisher, virt_migrate_publisher_free)

G_END_DECLS
