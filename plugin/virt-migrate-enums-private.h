/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The nick of @value in the registered enum @type ("running", "copy-all"). */
static inline const char *
virt_migrate_enum_nick (GType type,
                        int   value)
{
  GEnumClass *klass = g_type_class_ref (type);
  const char *nick = g_enum_get_value (klass, value)->value_nick;

  g_type_class_unref (klass); /* enum classes stay alive once created */
  return nick;
}

G_END_DECLS
