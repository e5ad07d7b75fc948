/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>

#include "virt-migrate-enum-types.h"
#include "virt-migrate-error-private.h"

typedef struct {
  int libvirt_code;
  int libvirt_domain;
} VirtMigrateErrorPrivate;

static void
virt_migrate_error_private_init (VirtMigrateErrorPrivate *priv)
{
  priv->libvirt_code = 0; /* VIR_ERR_OK */
  priv->libvirt_domain = 0;
}

static void
virt_migrate_error_private_copy (const VirtMigrateErrorPrivate *src,
                                 VirtMigrateErrorPrivate       *dest)
{
  *dest = *src;
}

static void
virt_migrate_error_private_clear (VirtMigrateErrorPrivate *priv)
{
}

/**
 * virt_migrate_error_quark:
 *
 * Returns: the #GQuark of the %VIRT_MIGRATE_ERROR domain.
 */
G_DEFINE_EXTENDED_ERROR (VirtMigrateError, virt_migrate_error)

/**
 * virt_migrate_error_get_libvirt_code:
 * @error: a #GError
 *
 * Gets libvirt's own error number (`virErrorNumber`, e.g. 42 for
 * `VIR_ERR_NO_DOMAIN`) behind an error of the %VIRT_MIGRATE_ERROR domain.
 *
 * Returns: the libvirt error code, or 0 if @error did not come from libvirt
 */
int
virt_migrate_error_get_libvirt_code (const GError *error)
{
  VirtMigrateErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, 0);
  if (error->domain != VIRT_MIGRATE_ERROR)
    return 0;
  priv = virt_migrate_error_get_private (error);
  return priv != NULL ? priv->libvirt_code : 0;
}

/**
 * virt_migrate_error_get_libvirt_domain:
 * @error: a #GError
 *
 * Gets the libvirt component (`virErrorDomain`, e.g. 10 for `VIR_FROM_QEMU`)
 * that raised the error behind an error of the %VIRT_MIGRATE_ERROR domain.
 *
 * Returns: the libvirt error domain, or 0 if @error did not come from libvirt
 */
int
virt_migrate_error_get_libvirt_domain (const GError *error)
{
  VirtMigrateErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, 0);
  if (error->domain != VIRT_MIGRATE_ERROR)
    return 0;
  priv = virt_migrate_error_get_private (error);
  return priv != NULL ? priv->libvirt_domain : 0;
}

GError *
virt_migrate_error_new_hypervisor (VirtMigrateError code,
                                   const char      *message,
                                   int              hypervisor_code,
                                   int              hypervisor_domain)
{
  GError *error = g_error_new_literal (VIRT_MIGRATE_ERROR, code, message);
  VirtMigrateErrorPrivate *priv = virt_migrate_error_get_private (error);

  priv->libvirt_code = hypervisor_code;
  priv->libvirt_domain = hypervisor_domain;
  return error;
}

/* "unknown-key" -> "UnknownKey" */
static char *
camel_case (const char *nick)
{
  GString *name = g_string_new (NULL);
  gboolean upper = TRUE;

  for (const char *c = nick; *c != '\0'; c++)
    {
      if (*c == '-')
        upper = TRUE;
      else
        {
          g_string_append_c (name, upper ? g_ascii_toupper (*c) : *c);
          upper = FALSE;
        }
    }
  return g_string_free (name, FALSE);
}

/* Each VirtMigrateError code travels over D-Bus as
 * org.virtmigrate.VirtMigrate1.Error.<CamelCaseNick> (e.g. ...Error.UnknownKey),
 * and a GDBus client that loaded this library gets the GError back. Done
 * once, when the library is loaded. */
__attribute__((constructor)) static void
virt_migrate_error_register_dbus (void)
{
  static gsize dbus_quark = 0;
  GEnumClass *klass = g_type_class_ref (VIRT_MIGRATE_TYPE_ERROR);
  GDBusErrorEntry *entries = g_new0 (GDBusErrorEntry, klass->n_values);

  for (guint i = 0; i < klass->n_values; i++)
    {
      g_autofree char *camel = camel_case (klass->values[i].value_nick);

      entries[i].error_code = klass->values[i].value;
      entries[i].dbus_error_name = g_strconcat ("org.virtmigrate.VirtMigrate1.Error.", camel, NULL);
    }
  /* The same quark as G_DEFINE_EXTENDED_ERROR's, named "VirtMigrateError". */
  g_dbus_error_register_error_domain ("VirtMigrateError", &dbus_quark, entries, klass->n_values);
  g_assert ((GQuark) dbus_quark == virt_migrate_error_quark ());
  /* GDBus copied the names. */
  for (guint i = 0; i < klass->n_values; i++)
    g_free ((char *) entries[i].dbus_error_name);
  g_free (entries);
  g_type_class_unref (klass);
}
