/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "virt-migrate-cli-options.h"

/* The request properties the command line sets as they are, in --help's
 * order: the option (NULL: the property's own name), its help, its
 * argument. The kind of each (flag, number, string, list) comes from the
 * property. */
static const struct {
  const char *property;
  const char *option;
  const char *help;
  const char *arg;
} table[] = {
  { "live", NULL, "Live migration: the guest keeps running", NULL },
  { "offline", NULL, "Migrate only the definition (with --persistent)", NULL },
  { "persist-dest", "persistent", "Persist the guest on the destination", NULL },
  { "undefine-source", "undefinesource", "Undefine the guest on the source", NULL },
  { "suspend", NULL, "Leave the guest paused on the destination", NULL },
  { "disks-uri", NULL, "Where the destination NBD server listens", "URI" },
  { "disks-port", NULL, "Port of the destination NBD server", "PORT" },
  { "hypervisor-uri", "migrateuri", "Hypervisor migration URI (tcp://, unix://, rdma://)", "URI" },
  { "disk-map", NULL, "Put disks under SRC at DST on the destination (a directory or a storage pool; repeatable); "
                      "missing images are created there", "SRC=DST" },
  { "network-map", NULL, "Connect interfaces on network SRC to network DST on the destination (repeatable)",
    "SRC=DST" },
  { "dest-name", "dname", "Rename the guest on the destination", "NAME" },
  { "listen-address", NULL, "Address the destination listens on", "ADDR" },
  { "bandwidth", NULL, "Bandwidth cap in MiB/s", "MIB" },
  { "max-downtime", NULL, "Longest switch-over pause in ms", "MS" },
  { "tls", NULL, "Encrypt the native migration stream with TLS", NULL },
  { "tls-destination", NULL, "Host name to check the TLS certificate against (with --tls)", "HOST" },
  { "compressed", NULL, "Compress the migration stream", NULL },
  { "parallel-connections", NULL, "Migrate over N parallel connections", "N" },
  { "auto-converge", NULL, "Throttle the guest's CPUs if needed", NULL },
  { "postcopy", NULL, "Allow post-copy", NULL },
  { "postcopy-after-precopy", NULL, "Switch to post-copy after the first pass", NULL },
  { "postcopy-resume", NULL, "Resume a post-copy migration whose stream broke (with --postcopy, the same hosts and "
                             "flow)", NULL },
  { "postcopy-bandwidth", NULL, "Bandwidth cap in MiB/s once in post-copy", "MIB" },
  { "zerocopy", NULL, "Send memory without copying it (with --parallel)", NULL },
  { "parallel", NULL, "Migrate over parallel connections (libvirt's default count; --parallel-connections sets it)",
    NULL },
  { "change-protection", NULL, "Refuse changes to the guest's configuration while it migrates", NULL },
  { "rdma-pin-all", NULL, "Pin all guest memory for an RDMA migration (rdma:// migration URI)", NULL },
  { "copy-storage-synchronous-writes", NULL, "With a storage copy: guest writes wait for the mirror, so a busy "
                                             "disk converges", NULL },
  { "graphics-uri", "graphicsuri", "Where graphical clients reconnect (spice://HOST:PORT)", "URI" },
  { "comp-mt-level", NULL, "Multithread compression level, 0 to 9 (with --comp-methods mt)", "LEVEL" },
  { "comp-mt-threads", NULL, "Compression threads (with --comp-methods mt)", "N" },
  { "comp-mt-dthreads", NULL, "Decompression threads (with --comp-methods mt)", "N" },
  { "comp-xbzrle-cache", NULL, "XBZRLE cache in bytes (with --comp-methods xbzrle)", "BYTES" },
  { "auto-converge-initial", NULL, "First CPU throttle of auto-convergence, percent (with --auto-converge)",
    "PERCENT" },
  { "auto-converge-increment", NULL, "Throttle increment of auto-convergence, percent (with --auto-converge)",
    "PERCENT" },
  { "postcopy-recovery-timeout", NULL, "If post-copy breaks, keep resuming it for S seconds (default: the "
                                       "settings', 300)", "S" },
  { "abort-on-error", NULL, "Abort on disk I/O errors", NULL },
  { "unsafe", NULL, "Migrate even if libvirt considers it unsafe", NULL },
  { "force", NULL, "Migrate even when a pre-flight check finds a blocker: libvirt decides", NULL },
};

typedef struct {
  GParamSpec *pspec;
  char       *option; /* "--live" */
  gboolean    given;
  GValue      value;
} Option;

struct _CliRequestOptions
{
  Option       options[G_N_ELEMENTS (table)];
  GOptionEntry entries[G_N_ELEMENTS (table) + 1];
};

static Option *
by_option (CliRequestOptions *self, const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_str_equal (self->options[i].option, name))
      return &self->options[i];
  return NULL;
}

static Option *
by_property (CliRequestOptions *self, const char *property)
{
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_str_equal (table[i].property, property))
      return &self->options[i];
  g_return_val_if_reached (NULL);
}

/* A number as the property's type takes it, or an error in the option's
 * words (its range is the request's validation's to check). */
static gboolean
parse_number (Option *o, const char *text, GError **error)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (o->pspec);
  gint64 number;

  if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &number, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s needs a whole number, not '%s'", o->option,
                   text);
      return FALSE;
    }
  if (number < 0 && (type == G_TYPE_UINT || type == G_TYPE_UINT64))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s cannot be negative (%" G_GINT64_FORMAT ")",
                   o->option, number);
      return FALSE;
    }
  if ((type == G_TYPE_INT && (number < G_MININT || number > G_MAXINT)) ||
      (type == G_TYPE_UINT && number > G_MAXUINT))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s is out of range (%s)", o->option, text);
      return FALSE;
    }
  if (type == G_TYPE_INT)
    g_value_set_int (&o->value, (gint) number);
  else if (type == G_TYPE_UINT)
    g_value_set_uint (&o->value, (guint) number);
  else if (type == G_TYPE_INT64)
    g_value_set_int64 (&o->value, number);
  else
    g_value_set_uint64 (&o->value, (guint64) number);
  return TRUE;
}

static gboolean
on_option (const char *name, const char *text, gpointer data, GError **error)
{
  Option *o = by_option (data, name);
  GType type;

  g_return_val_if_fail (o != NULL, FALSE);
  type = G_PARAM_SPEC_VALUE_TYPE (o->pspec);
  if (type == G_TYPE_STRV)
    {
      /* Repeatable: each one adds an entry. */
      const char *const *before = g_value_get_boxed (&o->value);
      g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

      if (before != NULL)
        g_strv_builder_addv (b, (const char **) before);
      g_strv_builder_add (b, text);
      g_value_take_boxed (&o->value, g_strv_builder_end (b));
    }
  else if (type == G_TYPE_BOOLEAN)
    g_value_set_boolean (&o->value, TRUE);
  /* An empty value is a script's unset variable more often than a choice:
   * libvirt took an empty --dname or --listen-address as none. */
  else if (type == G_TYPE_STRING && *text == '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s was given an empty value", o->option);
      return FALSE;
    }
  else if (type == G_TYPE_STRING)
    g_value_set_string (&o->value, text);
  else if (!parse_number (o, text, error))
    return FALSE;
  o->given = TRUE;
  return TRUE;
}

CliRequestOptions *
cli_request_options_new (void)
{
  g_autoptr(GTypeClass) klass = g_type_class_ref (VIRT_MIGRATE_TYPE_REQUEST);
  CliRequestOptions *self = g_new0 (CliRequestOptions, 1);

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      Option *o = &self->options[i];
      GOptionEntry *e = &self->entries[i];

      o->pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), table[i].property);
      g_assert (o->pspec != NULL);
      o->option = g_strconcat ("--", table[i].option != NULL ? table[i].option : table[i].property, NULL);
      g_value_init (&o->value, G_PARAM_SPEC_VALUE_TYPE (o->pspec));
      e->long_name = o->option + 2;
      e->flags = G_PARAM_SPEC_VALUE_TYPE (o->pspec) == G_TYPE_BOOLEAN ? G_OPTION_FLAG_NO_ARG : 0;
      e->arg = G_OPTION_ARG_CALLBACK;
      e->arg_data = (gpointer) on_option;
      e->description = table[i].help;
      e->arg_description = table[i].arg;
    }
  return self;
}

void
cli_request_options_free (CliRequestOptions *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_value_unset (&self->options[i].value);
      g_free (self->options[i].option);
    }
  g_free (self);
}

GOptionGroup *
cli_request_options_group (CliRequestOptions *self)
{
  GOptionGroup *group = g_option_group_new ("virt-migrate", NULL, NULL, self, NULL);

  g_option_group_add_entries (group, self->entries);
  return group;
}

gboolean
cli_request_options_given (CliRequestOptions *self, const char *property)
{
  return by_property (self, property)->given;
}

const char *
cli_request_options_string (CliRequestOptions *self, const char *property)
{
  Option *o = by_property (self, property);

  return o->given ? g_value_get_string (&o->value) : NULL;
}

void
cli_request_options_apply (CliRequestOptions *self, VirtMigrateRequest *request)
{
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (self->options[i].given)
      g_object_set_property (G_OBJECT (request), table[i].property, &self->options[i].value);
}
