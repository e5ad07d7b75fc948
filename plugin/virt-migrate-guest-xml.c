/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "virt-migrate-guest-xml.h"

static void
backing_xml_free (gpointer data)
{
  VirtMigrateBackingXml *b = data;

  g_free (b->path);
  g_free (b->format);
  g_free (b);
}

static void
disk_xml_free (gpointer data)
{
  VirtMigrateDiskXml *d = data;

  g_ptr_array_unref (d->backing);

  g_free (d->type);
  g_free (d->device);
  g_free (d->format);
  g_free (d->target);
  g_free (d->source);
  g_free (d->network);
  g_free (d->pool);
  g_free (d->volume);
  g_free (d->nvme);
  g_free (d->startup_policy);
  g_free (d->cache);
  g_free (d);
}

static void
affinity_free (gpointer data)
{
  VirtMigrateAffinity *a = data;

  g_free (a->what);
  g_free (a->set);
  g_free (a);
}

/* Takes @what. */
static void
add_affinity (VirtMigrateGuestXml *g, const char *set, gboolean numa, gboolean plural, char *what)
{
  VirtMigrateAffinity *a;

  if (set == NULL)
    {
      g_free (what);
      return;
    }
  a = g_new0 (VirtMigrateAffinity, 1);
  a->what = what;
  a->set = g_strdup (set);
  a->numa = numa;
  a->plural = plural;
  g_ptr_array_add (g->affinities, a);
}

static void
tie_free (gpointer data)
{
  VirtMigrateTie *tie = data;

  g_free (tie->what);
  g_free (tie);
}

GPtrArray *
virt_migrate_ties_new (void)
{
  return g_ptr_array_new_with_free_func (tie_free);
}

VirtMigrateTie *
virt_migrate_ties_add (GPtrArray *ties, VirtMigrateTieKind kind, const char *what)
{
  VirtMigrateTie *tie = g_new0 (VirtMigrateTie, 1);

  tie->kind = kind;
  tie->what = g_strdup (what);
  g_ptr_array_add (ties, tie);
  return tie;
}

static void
endpoint_free (gpointer data)
{
  VirtMigrateEndpoint *e = data;

  g_free (e->what);
  g_free (e->address);
  g_free (e->guest);
  g_free (e);
}

GPtrArray *
virt_migrate_endpoints_new (void)
{
  return g_ptr_array_new_with_free_func (endpoint_free);
}

void
virt_migrate_endpoints_add_copy (GPtrArray *endpoints, const VirtMigrateEndpoint *e, const char *guest)
{
  VirtMigrateEndpoint *copy = g_new0 (VirtMigrateEndpoint, 1);

  copy->what = g_strdup (e->what);
  copy->address = g_strdup (e->address);
  copy->port = e->port;
  copy->fixed = e->fixed;
  copy->guest = g_strdup (guest != NULL ? guest : e->guest);
  g_ptr_array_add (endpoints, copy);
}

static VirtMigrateTie *
add_tie (VirtMigrateGuestXml *g, VirtMigrateTieKind kind, const char *what)
{
  return virt_migrate_ties_add (g->ties, kind, what);
}

void
virt_migrate_guest_xml_clear (VirtMigrateGuestXml *g)
{
  g_free (g->virt_type);
  g_free (g->arch);
  g_free (g->machine);
  g_free (g->emulator);
  g_free (g->cpu_mode);
  g_clear_pointer (&g->networks, g_ptr_array_unref);
  g_clear_pointer (&g->devices, g_ptr_array_unref);
  g_clear_pointer (&g->disks, g_ptr_array_unref);
  g_clear_pointer (&g->ties, g_ptr_array_unref);
  g_clear_pointer (&g->affinities, g_ptr_array_unref);
  g_clear_pointer (&g->endpoints, g_ptr_array_unref);
  g_clear_pointer (&g->char_files, g_ptr_array_unref);
  g_clear_pointer (&g->boot_files, g_ptr_array_unref);
  g_free (g->chardev_what);
  g_free (g->chardev_file_kind);
  g_free (g->iface_kind);
  g_free (g->fs_tag);
  g_free (g->nvram);
  if (g->text != NULL)
    g_string_free (g->text, TRUE);
}

static const char *
attr (const char **names, const char **values, const char *name)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], name))
      return values[i];
  return NULL;
}

static const char *
attr_or (const char **names, const char **values, const char *name, const char *fallback)
{
  const char *value = attr (names, values, name);

  return value != NULL ? value : fallback;
}

/* KiB in one of libvirt's memory units (b, KiB, MiB, GiB…; k, M, G…); 0: not one. */
static guint64
unit_kib (const char *unit)
{
  static const struct { const char *names[3]; guint64 kib; } units[] = {
    { { "KiB", "k", "K" }, 1 },
    { { "MiB", "M", "m" }, 1024 },
    { { "GiB", "G", "g" }, 1024 * 1024 },
    { { "TiB", "T", "t" }, 1024 * 1024 * 1024 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    for (guint k = 0; k < 3; k++)
      if (g_str_equal (unit, units[i].names[k]))
        return units[i].kib;
  return 0;
}

typedef enum { ADDRESS_DEFAULT, ADDRESS_ANY, ADDRESS_LOOPBACK, ADDRESS_OTHER } AddressKind;
typedef enum { COLLIDE_NO, COLLIDE_YES, COLLIDE_MAYBE } Collide;

/* What a listen address is to a host: NULL, the host's default (its
 * qemu.conf's); one every host has (a wildcard, a loopback one); another. */
static AddressKind
address_kind (const char *address)
{
  g_autoptr(GInetAddress) inet = address != NULL ? g_inet_address_new_from_string (address) : NULL;

  if (address == NULL)
    return ADDRESS_DEFAULT;
  if (inet == NULL)
    return g_str_equal (address, "localhost") ? ADDRESS_LOOPBACK : ADDRESS_OTHER;
  return g_inet_address_get_is_any (inet) ? ADDRESS_ANY
         : g_inet_address_get_is_loopback (inet) ? ADDRESS_LOOPBACK : ADDRESS_OTHER;
}

gboolean
virt_migrate_address_every_host (const char *address)
{
  return address_kind (address) != ADDRESS_OTHER;
}

/* Whether listening on @a and on @b (the same port) collide: a wildcard
 * with anything, an address with itself; not known when either is the
 * host's default or a name. */
static Collide
addresses_collide (const char *a, const char *b)
{
  g_autoptr(GInetAddress) ia = a != NULL ? g_inet_address_new_from_string (a) : NULL;
  g_autoptr(GInetAddress) ib = b != NULL ? g_inet_address_new_from_string (b) : NULL;

  if (address_kind (a) == ADDRESS_ANY || address_kind (b) == ADDRESS_ANY || (a != NULL && g_strcmp0 (a, b) == 0))
    return COLLIDE_YES;
  if (ia != NULL && ib != NULL)
    return g_inet_address_equal (ia, ib) ? COLLIDE_YES : COLLIDE_NO;
  return COLLIDE_MAYBE;
}

const VirtMigrateEndpoint *
virt_migrate_endpoints_find (GPtrArray *ports, guint port, gboolean any_address, const char *address,
                             const VirtMigrateEndpoint **maybe)
{
  for (guint k = 0; ports != NULL && k < ports->len; k++)
    {
      const VirtMigrateEndpoint *p = g_ptr_array_index (ports, k);
      Collide collide = p->port != port ? COLLIDE_NO
                        : any_address ? COLLIDE_YES : addresses_collide (address, p->address);

      if (collide == COLLIDE_YES)
        return p;
      if (collide == COLLIDE_MAYBE && *maybe == NULL)
        *maybe = p;
    }
  return NULL;
}

/* A port of the <graphics> being read: @port as libvirt writes it (absent
 * or -1: chosen at start, and not in a definition). */
static void
add_endpoint (VirtMigrateGuestXml *g, const char *what, const char *port, gboolean fixed, const char *address)
{
  gint64 n = port != NULL ? g_ascii_strtoll (port, NULL, 10) : 0;
  VirtMigrateEndpoint *e;

  if (n <= 0 || n > G_MAXUINT16)
    return;
  e = g_new0 (VirtMigrateEndpoint, 1);
  e->what = g_strdup (what);
  e->address = g_strdup (address);
  e->port = (guint) n;
  e->fixed = fixed;
  g_ptr_array_add (g->endpoints, e);
}

/* <graphics type='vnc|spice'>'s TCP ports (libvirt's
 * virDomainGraphicsDefParseXML(): a port is the definition's own unless
 * autoport='yes'; a websocket is, when given at all), and its first
 * <listen> (an address; a socket or none: no TCP port). */
static void
graphics_start (VirtMigrateGuestXml *g, const char *element, const char *parent, const char **names,
                const char **values)
{
  if (g_str_equal (element, "graphics") && g_str_equal (parent, "devices"))
    {
      const char *type = attr (names, values, "type"), *listen = attr (names, values, "listen");
      gboolean fixed = g_strcmp0 (attr (names, values, "autoport"), "yes") != 0;

      g->in_graphics = TRUE;
      g->graphics_listen = FALSE;
      g->graphics_from = g->endpoints->len;
      if (g_strcmp0 (type, "vnc") == 0)
        {
          add_endpoint (g, "VNC", attr (names, values, "port"), fixed, listen);
          add_endpoint (g, "VNC websocket", attr (names, values, "websocket"), TRUE, listen);
        }
      else if (g_strcmp0 (type, "spice") == 0)
        {
          add_endpoint (g, "SPICE", attr (names, values, "port"), fixed, listen);
          add_endpoint (g, "SPICE TLS", attr (names, values, "tlsPort"), fixed, listen);
        }
    }
  else if (g->in_graphics && g_str_equal (element, "listen") && g_str_equal (parent, "graphics") &&
           !g->graphics_listen)
    {
      const char *type = attr_or (names, values, "type", "address");

      g->graphics_listen = TRUE;
      if (g_str_equal (type, "socket") || g_str_equal (type, "none"))
        g_ptr_array_set_size (g->endpoints, g->graphics_from);
      else if (attr (names, values, "address") != NULL)
        for (guint i = g->graphics_from; i < g->endpoints->len; i++)
          {
            VirtMigrateEndpoint *e = g_ptr_array_index (g->endpoints, i);

            /* (Without one, the listen attribute's, if any: libvirt keeps the two the same. A
             * network's address is the host's business until the guest runs.) */
            g_free (e->address);
            e->address = g_strdup (attr (names, values, "address"));
          }
    }
}

/* The files a character device writes: a <serial type='file'> (console,
 * parallel port, channel) and any device's <log file>. */
static void
chardev_start (VirtMigrateGuestXml *g, const char *element, const char *parent, const char **names,
               const char **values)
{
  static const char *const kinds[][2] = {
    { "serial", "serial port" }, { "console", "console" }, { "parallel", "parallel port" }, { "channel", "channel" },
  };

  if (g_str_equal (parent, "devices"))
    for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
      if (g_str_equal (element, kinds[i][0]))
        {
          g->in_chardev = kinds[i][0];
          g_free (g->chardev_file_kind);
          g->chardev_file_kind = g_strcmp0 (attr (names, values, "type"), "file") == 0 ? g_strdup (kinds[i][1]) : NULL;
          g_free (g->chardev_what);
          g->chardev_what = g_strdup (kinds[i][1]);
        }
  if (g->in_chardev == NULL || !g_str_equal (parent, g->in_chardev))
    return;
  if (g_str_equal (element, "source") && g->chardev_file_kind != NULL && attr (names, values, "path") != NULL)
    {
      g_ptr_array_add (g->char_files, g_strdup (g->chardev_file_kind));
      g_ptr_array_add (g->char_files, g_strdup (attr (names, values, "path")));
    }
  else if (g_str_equal (element, "log") && attr (names, values, "file") != NULL)
    {
      g_ptr_array_add (g->char_files, g_strdup_printf ("%s's log", g->chardev_what));
      g_ptr_array_add (g->char_files, g_strdup (attr (names, values, "file")));
    }
}

static void
start_element (GMarkupParseContext *context, const char *element, const char **names,
               const char **values, gpointer user_data, GError **error)
{
  VirtMigrateGuestXml *g = user_data;
  const GSList *stack = g_markup_parse_context_get_element_stack (context);
  const char *parent = stack->next != NULL ? stack->next->data : "";

  graphics_start (g, element, parent, names, values);
  chardev_start (g, element, parent, names, values);
  /* The files QEMU reads as it starts: a kernel booted directly, the firmware. */
  if (g_str_equal (parent, "os"))
    {
      g->in_boot_file = g_str_equal (element, "kernel") ? "kernel" : g_str_equal (element, "initrd") ? "initrd"
                        : g_str_equal (element, "dtb") ? "device tree" : g_str_equal (element, "loader") ? "firmware"
                        : NULL;
      if (g->in_boot_file != NULL)
        g_string_truncate (g->text, 0);
    }
  if (g_str_equal (element, "domain") && g->virt_type == NULL)
    g->virt_type = g_strdup (attr (names, values, "type"));
  else if (g_str_equal (element, "type") && g_str_equal (parent, "os"))
    {
      g->arch = g_strdup (attr (names, values, "arch"));
      g->machine = g_strdup (attr (names, values, "machine"));
    }
  else if (g_str_equal (element, "memory") && g_str_equal (parent, "domain"))
    {
      g->in_memory = TRUE;
      g->memory_unit = unit_kib (attr_or (names, values, "unit", "KiB"));
      g_string_truncate (g->text, 0);
    }
  else if (g_str_equal (element, "vcpu") && g_str_equal (parent, "domain"))
    add_affinity (g, attr (names, values, "cpuset"), FALSE, TRUE, g_strdup ("vCPUs"));
  else if (g_str_equal (parent, "cputune") && g_str_equal (element, "vcpupin"))
    add_affinity (g, attr (names, values, "cpuset"), FALSE, FALSE,
                  g_strdup_printf ("vCPU %s", attr_or (names, values, "vcpu", "?")));
  else if (g_str_equal (parent, "cputune") && g_str_equal (element, "emulatorpin"))
    add_affinity (g, attr (names, values, "cpuset"), FALSE, TRUE, g_strdup ("emulator threads"));
  else if (g_str_equal (parent, "cputune") && g_str_equal (element, "iothreadpin"))
    add_affinity (g, attr (names, values, "cpuset"), FALSE, FALSE,
                  g_strdup_printf ("I/O thread %s", attr_or (names, values, "iothread", "?")));
  else if (g_str_equal (parent, "numatune") && g_str_equal (element, "memory"))
    add_affinity (g, attr (names, values, "nodeset"), TRUE, FALSE, g_strdup ("memory"));
  else if (g_str_equal (parent, "numatune") && g_str_equal (element, "memnode"))
    add_affinity (g, attr (names, values, "nodeset"), TRUE, FALSE,
                  g_strdup_printf ("NUMA cell %s's memory", attr_or (names, values, "cellid", "?")));
  else if (g_str_equal (element, "hugepages") && g_str_equal (parent, "memoryBacking"))
    g->hugepage_kib = 2048; /* the default pool's size, which libvirt uses: 2 MiB on x86 */
  else if (g_str_equal (element, "page") && g_str_equal (parent, "hugepages"))
    g->hugepage_kib = (guint) (g_ascii_strtoull (attr_or (names, values, "size", "0"), NULL, 10) *
                               unit_kib (attr_or (names, values, "unit", "KiB")));
  else if (g_str_equal (element, "os") && g_str_equal (parent, "domain"))
    g->uefi |= g_strcmp0 (attr (names, values, "firmware"), "efi") == 0;
  else if (g_str_equal (element, "loader") && g_str_equal (parent, "os"))
    g->uefi |= g_strcmp0 (attr (names, values, "type"), "pflash") == 0;
  else if (g_str_equal (element, "nvram") && g_str_equal (parent, "os") &&
           g_strcmp0 (attr_or (names, values, "type", "file"), "file") == 0)
    {
      /* Its path as the text, or (libvirt 8.5 on) a <source file>. */
      g->in_nvram = TRUE;
      g_string_truncate (g->text, 0);
    }
  else if (g->in_nvram && g_str_equal (element, "source") && g->nvram == NULL)
    g->nvram = g_strdup (attr (names, values, "file"));
  else if (g_str_equal (element, "emulator"))
    {
      g->in_emulator = TRUE;
      g_string_truncate (g->text, 0);
    }
  else if (g_str_equal (element, "cpu") && g_str_equal (parent, "domain"))
    g->cpu_mode = g_strdup (attr_or (names, values, "mode", "custom"));
  else if ((g_str_equal (element, "model") || g_str_equal (element, "feature")) && g_str_equal (parent, "cpu"))
    {
      const char *policy = attr (names, values, "policy");

      g->cpu_model = TRUE;
      /* As libvirt's virCPUCheckFeature(): a feature disabled or forbidden is not asked for. */
      if (g_str_equal (element, "feature") && g_strcmp0 (attr (names, values, "name"), "invtsc") == 0)
        g->invtsc = g_strcmp0 (policy, "disable") != 0 && g_strcmp0 (policy, "forbid") != 0;
    }
  else if ((g_str_equal (element, "model") && g_str_equal (parent, "video")) ||
           (g_str_equal (element, "graphics") && g_str_equal (parent, "devices")))
    {
      /* What the destination's domain capabilities must offer. */
      const char *type = attr (names, values, "type");

      if (type != NULL)
        {
          g_ptr_array_add (g->devices, g_strdup (g_str_equal (element, "model") ? "video" : "graphics"));
          g_ptr_array_add (g->devices, g_strdup (g_str_equal (element, "model") ? "modelType" : "type"));
          g_ptr_array_add (g->devices, g_strdup (type));
        }
    }
  else if (g_str_equal (element, "timer") && g_str_equal (parent, "clock") &&
           g_strcmp0 (attr (names, values, "name"), "tsc") == 0)
    g->tsc_frequency = g_ascii_strtoull (attr_or (names, values, "frequency", "0"), NULL, 10) > 0;
  else if (g_str_equal (element, "hostdev") && g_str_equal (parent, "devices"))
    {
      const char *mode = attr_or (names, values, "mode", "subsystem");
      const char *type = attr_or (names, values, "type", "");
      g_autofree char *what = g_strdup_printf ("<hostdev mode='%s' type='%s'>", mode, type);

      g->hostdev = add_tie (g, g_str_equal (mode, "subsystem") && g_str_equal (type, "usb")
                                 ? VIRT_MIGRATE_TIE_USB : VIRT_MIGRATE_TIE_HOSTDEV, what);
    }
  else if (g->hostdev != NULL && g_str_equal (element, "teaming") &&
           g_strcmp0 (attr (names, values, "type"), "transient") == 0 && g->hostdev->kind == VIRT_MIGRATE_TIE_HOSTDEV)
    g->hostdev->kind = VIRT_MIGRATE_TIE_TEAMED;
  else if (g->hostdev != NULL && g->hostdev->kind == VIRT_MIGRATE_TIE_USB && g_str_equal (parent, "source") &&
           (g_str_equal (element, "vendor") || g_str_equal (element, "product") || g_str_equal (element, "address")))
    {
      /* A USB device is found by its IDs, else by where it is plugged. */
      g_autofree char *old = g->hostdev->what;

      if (g_str_equal (element, "address"))
        g->hostdev->what = g_strdup_printf ("%s bus %s device %s", old, attr_or (names, values, "bus", "?"),
                                            attr_or (names, values, "device", "?"));
      else
        g->hostdev->what = g_strdup_printf ("%s %s %s", old, element, attr_or (names, values, "id", "?"));
    }
  else if (g_str_equal (element, "shmem") && g_str_equal (parent, "devices") &&
           g_strcmp0 (attr (names, values, "role"), "master") != 0)
    add_tie (g, VIRT_MIGRATE_TIE_SHMEM, attr (names, values, "name"));
  else if (g_str_equal (element, "filesystem") && g_str_equal (parent, "devices"))
    {
      g->in_filesystem = TRUE;
      g->fs_virtiofs = FALSE;
      g_clear_pointer (&g->fs_tag, g_free);
    }
  else if (g->in_filesystem && g_str_equal (element, "driver") && g_str_equal (parent, "filesystem"))
    g->fs_virtiofs = g_strcmp0 (attr (names, values, "type"), "virtiofs") == 0;
  else if (g->in_filesystem && g_str_equal (element, "target") && g_str_equal (parent, "filesystem"))
    g->fs_tag = g_strdup (attr (names, values, "dir"));
  else if (g_str_equal (element, "interface") && g_str_equal (parent, "devices"))
    {
      g->in_interface = TRUE;
      g_free (g->iface_kind);
      g->iface_kind = g_strdup (attr (names, values, "type"));
      /* A network card passed through: a PCI host device to libvirt. */
      if (g_strcmp0 (g->iface_kind, "hostdev") == 0)
        g->hostdev = add_tie (g, VIRT_MIGRATE_TIE_HOSTDEV, "<interface type='hostdev'>");
    }
  else if (g_str_equal (element, "source") && g->in_interface)
    {
      const char *kind = g->iface_kind, *name = NULL;

      if (g_strcmp0 (kind, "network") == 0)
        name = attr (names, values, "network");
      else if (g_strcmp0 (kind, "bridge") == 0)
        name = attr (names, values, "bridge");
      else if (g_strcmp0 (kind, "direct") == 0)
        name = attr (names, values, "dev");
      if (name != NULL)
        {
          VirtMigrateInterfaceXml *iface = g_new0 (VirtMigrateInterfaceXml, 1);

          iface->kind = g_strdup (kind);
          iface->name = g_strdup (name);
          g_ptr_array_add (g->networks, iface);
        }
    }
  else if (g_str_equal (element, "disk") && g_str_equal (parent, "devices"))
    {
      VirtMigrateDiskXml *d = g_new0 (VirtMigrateDiskXml, 1);

      d->type = g_strdup (attr (names, values, "type"));
      d->device = g_strdup (attr (names, values, "device"));
      d->written = g_strcmp0 (d->device, "cdrom") != 0;
      d->backing = g_ptr_array_new_with_free_func (backing_xml_free);
      g_ptr_array_add (g->disks, d);
      g->in_disk = TRUE;
      g->backing_depth = 0;
    }
  else if (g->in_disk && g_str_equal (element, "backingStore"))
    {
      /* One level deeper in the chain; the empty <backingStore/> that
       * ends it names no file and is dropped at its end. */
      VirtMigrateDiskXml *d = g_ptr_array_index (g->disks, g->disks->len - 1);

      if (d->backing->len == g->backing_depth)
        g_ptr_array_add (d->backing, g_new0 (VirtMigrateBackingXml, 1));
      g->backing_depth++;
    }
  else if (g->in_disk && g->backing_depth > 0 && g_str_equal (parent, "backingStore"))
    {
      VirtMigrateDiskXml *d = g_ptr_array_index (g->disks, g->disks->len - 1);
      VirtMigrateBackingXml *b = g_ptr_array_index (d->backing, g->backing_depth - 1);

      if (g_str_equal (element, "source") && b->path == NULL)
        b->path = g_strdup (attr (names, values, "file") ? attr (names, values, "file") : attr (names, values, "dev"));
      else if (g_str_equal (element, "format") && b->format == NULL)
        b->format = g_strdup (attr (names, values, "type"));
    }
  else if (g->in_disk && g_str_equal (element, "address") && g_str_equal (parent, "source") &&
           g->disks->len > 0 && ((VirtMigrateDiskXml *) g_ptr_array_index (g->disks, g->disks->len - 1))->nvme != NULL)
    {
      VirtMigrateDiskXml *d = g_ptr_array_index (g->disks, g->disks->len - 1);
      g_autofree char *ns = d->nvme;
      guint64 domain = g_ascii_strtoull (attr_or (names, values, "domain", "0"), NULL, 0);
      guint64 bus = g_ascii_strtoull (attr_or (names, values, "bus", "0"), NULL, 0);
      guint64 slot = g_ascii_strtoull (attr_or (names, values, "slot", "0"), NULL, 0);
      guint64 function = g_ascii_strtoull (attr_or (names, values, "function", "0"), NULL, 0);

      d->nvme = g_strdup_printf ("PCI %04" G_GINT64_MODIFIER "x:%02" G_GINT64_MODIFIER "x:%02" G_GINT64_MODIFIER
                                 "x.%" G_GINT64_MODIFIER "x %s", domain, bus, slot, function, ns);
    }
  else if (g->in_disk && g_str_equal (parent, "disk"))
    {
      VirtMigrateDiskXml *d = g_ptr_array_index (g->disks, g->disks->len - 1);

      if (g_str_equal (element, "source") && d->source == NULL && d->network == NULL &&
          attr (names, values, "protocol") != NULL)
        d->network = g_strdup_printf ("%s:%s", attr (names, values, "protocol"),
                                      attr (names, values, "name") != NULL ? attr (names, values, "name") : "");
      else if (g_str_equal (element, "source") && d->pool == NULL && attr (names, values, "pool") != NULL &&
               attr (names, values, "volume") != NULL)
        {
          d->pool = g_strdup (attr (names, values, "pool"));
          d->volume = g_strdup (attr (names, values, "volume"));
        }
      else if (g_str_equal (element, "source") && g_strcmp0 (d->type, "nvme") == 0)
        d->nvme = g_strdup_printf ("namespace %s", attr_or (names, values, "namespace", "1"));
      else if (g_str_equal (element, "source") && d->source == NULL)
        {
          d->source = g_strdup (attr (names, values, "file") ? attr (names, values, "file") : attr (names, values, "dev"));
          d->startup_policy = g_strdup (attr (names, values, "startupPolicy"));
        }
      else if (g_str_equal (element, "target"))
        {
          d->target = g_strdup (attr (names, values, "dev"));
          if (attr (names, values, "bus") != NULL)
            {
              g_ptr_array_add (g->devices, g_strdup ("disk"));
              g_ptr_array_add (g->devices, g_strdup ("bus"));
              g_ptr_array_add (g->devices, g_strdup (attr (names, values, "bus")));
            }
        }
      else if (g_str_equal (element, "driver"))
        {
          d->cache = g_strdup (attr (names, values, "cache"));
          d->format = g_strdup (attr (names, values, "type"));
        }
      else if (g_str_equal (element, "readonly") || g_str_equal (element, "shareable"))
        {
          d->readonly = TRUE;
          d->written &= g_str_equal (element, "shareable");
        }
      else if (g_str_equal (element, "transient"))
        d->transient = TRUE;
    }
}

static void
end_element (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  VirtMigrateGuestXml *g = user_data;

  if (g->in_boot_file != NULL)
    {
      g_strstrip (g->text->str);
      if (g->text->str[0] != '\0')
        {
          g_ptr_array_add (g->boot_files, g_strdup (g->in_boot_file));
          g_ptr_array_add (g->boot_files, g_strdup (g->text->str));
        }
      g->in_boot_file = NULL;
    }
  if (g_str_equal (element, "emulator") && g->in_emulator)
    {
      g->in_emulator = FALSE;
      g->emulator = g_strstrip (g_strdup (g->text->str));
    }
  else if (g_str_equal (element, "nvram") && g->in_nvram)
    {
      g->in_nvram = FALSE;
      g_strstrip (g->text->str);
      if (g->nvram == NULL && g->text->str[0] != '\0')
        g->nvram = g_strdup (g->text->str);
    }
  else if (g_str_equal (element, "memory") && g->in_memory)
    {
      g->in_memory = FALSE;
      g->memory_kib = g_ascii_strtoull (g->text->str, NULL, 10) * g->memory_unit;
    }
  else if (g_str_equal (element, "backingStore") && g->in_disk && g->backing_depth > 0)
    {
      VirtMigrateDiskXml *d = g_ptr_array_index (g->disks, g->disks->len - 1);

      g->backing_depth--;
      /* The chain's end (or a level without a file): nothing below it. */
      if (g->backing_depth < d->backing->len &&
          ((VirtMigrateBackingXml *) g_ptr_array_index (d->backing, g->backing_depth))->path == NULL)
        g_ptr_array_set_size (d->backing, g->backing_depth);
    }
  else if (g_str_equal (element, "disk"))
    g->in_disk = FALSE;
  else if (g_str_equal (element, "graphics"))
    g->in_graphics = FALSE;
  else if (g->in_chardev != NULL && g_str_equal (element, g->in_chardev))
    g->in_chardev = NULL;
  else if (g_str_equal (element, "interface") || g_str_equal (element, "hostdev"))
    {
      g->in_interface = FALSE;
      g->hostdev = NULL;
    }
  else if (g_str_equal (element, "filesystem") && g->in_filesystem)
    {
      g->in_filesystem = FALSE;
      add_tie (g, g->fs_virtiofs ? VIRT_MIGRATE_TIE_VIRTIOFS : VIRT_MIGRATE_TIE_9P, g->fs_tag);
    }
}

static void
text (GMarkupParseContext *context, const char *text_, gsize len, gpointer user_data, GError **error)
{
  VirtMigrateGuestXml *g = user_data;

  if (g->in_emulator || g->in_memory || g->in_nvram || g->in_boot_file != NULL)
    g_string_append_len (g->text, text_, (gssize) len);
}

gboolean
virt_migrate_xml_parse (const GMarkupParser *parser, const char *xml, gpointer user_data)
{
  g_autoptr(GMarkupParseContext) context =
    g_markup_parse_context_new (parser, G_MARKUP_IGNORE_QUALIFIED, user_data, NULL);

  return g_markup_parse_context_parse (context, xml, -1, NULL) &&
         g_markup_parse_context_end_parse (context, NULL);
}

static void
interface_free (gpointer data)
{
  VirtMigrateInterfaceXml *iface = data;

  g_free (iface->kind);
  g_free (iface->name);
  g_free (iface);
}

gboolean
virt_migrate_guest_xml_parse (const char *xml, VirtMigrateGuestXml *g)
{
  static const GMarkupParser parser = { start_element, end_element, text, NULL, NULL };

  memset (g, 0, sizeof *g);
  g->networks = g_ptr_array_new_with_free_func (interface_free);
  g->devices = g_ptr_array_new_with_free_func (g_free);
  g->disks = g_ptr_array_new_with_free_func (disk_xml_free);
  g->ties = virt_migrate_ties_new ();
  g->affinities = g_ptr_array_new_with_free_func (affinity_free);
  g->endpoints = virt_migrate_endpoints_new ();
  g->char_files = g_ptr_array_new_with_free_func (g_free);
  g->boot_files = g_ptr_array_new_with_free_func (g_free);
  g->text = g_string_new (NULL);
  if (!virt_migrate_xml_parse (&parser, xml, g))
    return FALSE;
  /* QEMU blocks a migration with the invariant TSC unless its frequency is given. */
  if (g->invtsc && !g->tsc_frequency)
    add_tie (g, VIRT_MIGRATE_TIE_INVTSC, "invtsc");
  return TRUE;
}

/* --- one element's text ----------------------------------------------- */

typedef struct {
  const char *const *path;   /* from the root element down */
  guint              depth;  /* elements open that match the path so far */
  guint              open;   /* elements open in all */
  GString           *text;
  gboolean           found;
} PathText;

static void
path_start (GMarkupParseContext *context, const char *element, const char **names,
            const char **values, gpointer user_data, GError **error)
{
  PathText *pt = user_data;

  /* Deeper only along the path, and only the first match is kept. */
  if (!pt->found && pt->depth == pt->open && pt->path[pt->depth] != NULL &&
      g_str_equal (element, pt->path[pt->depth]))
    pt->depth++;
  pt->open++;
}

static void
path_end (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  PathText *pt = user_data;

  if (pt->depth == pt->open)
    {
      if (pt->path[pt->depth] == NULL)
        pt->found = TRUE;
      pt->depth--;
    }
  pt->open--;
}

static void
path_text (GMarkupParseContext *context, const char *text_, gsize len, gpointer user_data, GError **error)
{
  PathText *pt = user_data;

  if (!pt->found && pt->depth == pt->open && pt->path[pt->depth] == NULL)
    g_string_append_len (pt->text, text_, (gssize) len);
}

/* The text of the first element at @path (from the root element down,
 * NULL-terminated) in libvirt's @xml, stripped, in @text (NULL: no such
 * element, or an empty one). FALSE when the XML cannot be read. */
gboolean
virt_migrate_xml_path_text (const char        *xml,
                            const char *const *path,
                            char             **text)
{
  static const GMarkupParser parser = { path_start, path_end, path_text, NULL, NULL };
  g_autoptr(GString) found = g_string_new (NULL);
  PathText pt = { path, 0, 0, found, FALSE };

  *text = NULL;
  if (!virt_migrate_xml_parse (&parser, xml, &pt))
    return FALSE;
  g_strstrip (found->str);
  if (pt.found && found->str[0] != '\0')
    *text = g_strdup (found->str);
  return TRUE;
}

/* A size libvirt writes in bytes (unit='bytes': a volume's <capacity>,
 * <allocation>, a pool's <available>) at @path in @xml; 0: none, or not
 * read. */
guint64
virt_migrate_xml_path_bytes (const char *xml, const char *const *path)
{
  g_autofree char *text = NULL;

  if (!virt_migrate_xml_path_text (xml, path, &text) || text == NULL)
    return 0;
  return g_ascii_strtoull (text, NULL, 10);
}

/* The backing file a storage volume's XML (virStorageVolGetXMLDesc) names,
 * in @backing (NULL: none). FALSE when the XML cannot be read. */
gboolean
virt_migrate_volume_xml_backing (const char *xml, char **backing)
{
  static const char *const path[] = { "volume", "backingStore", "path", NULL };

  return virt_migrate_xml_path_text (xml, path, backing);
}

/* @backing as recorded in @image, as an absolute path: a relative one is
 * relative to the image's directory (as QEMU reads it). */
char *
virt_migrate_backing_resolve (const char *image, const char *backing)
{
  g_autofree char *dir = NULL;

  if (backing == NULL || g_path_is_absolute (backing))
    return g_strdup (backing);
  dir = g_path_get_dirname (image);
  return g_canonicalize_filename (backing, dir);
}

/**
 * virt_migrate_guest_xml_unknown_targets:
 *
 * Those of @targets that name no disk of @guest (by its target, as
 * `vda`); %NULL when every one does. Then @known_out is set to the guest's
 * disks' targets ("vda, hdc").
 */
char **
virt_migrate_guest_xml_unknown_targets (const VirtMigrateGuestXml *guest, const char *const *targets, char **known_out)
{
  g_autoptr(GStrvBuilder) unknown = g_strv_builder_new ();
  g_autoptr(GString) known = g_string_new (NULL);
  g_auto(GStrv) out = NULL;

  for (guint i = 0; targets != NULL && targets[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint k = 0; guest->disks != NULL && k < guest->disks->len && !found; k++)
        found = g_strcmp0 (((const VirtMigrateDiskXml *) g_ptr_array_index (guest->disks, k))->target, targets[i]) == 0;
      if (!found)
        g_strv_builder_add (unknown, targets[i]);
    }
  out = g_strv_builder_end (unknown);
  if (out[0] == NULL)
    return NULL;
  for (guint k = 0; guest->disks != NULL && k < guest->disks->len; k++)
    {
      const char *target = ((const VirtMigrateDiskXml *) g_ptr_array_index (guest->disks, k))->target;

      if (target != NULL)
        g_string_append_printf (known, "%s%s", known->len > 0 ? ", " : "", target);
    }
  if (known_out != NULL)
    *known_out = g_string_free (g_steal_pointer (&known), FALSE);
  return g_steal_pointer (&out);
}
