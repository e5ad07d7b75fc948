/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "fake-hypervisor.h"
#include "virt-migrate-error.h"
#include "virt-migrate-guest-xml.h"

#define RECORDED_UUID   "7a6f22e4-5f45-40ab-8f2b-c0086132120a"
#define RECORDED_MEMORY "<memory unit='KiB'>65536</memory>"
#define RECORDED_CURMEM "<currentMemory unit='KiB'>65536</currentMemory>"
#define RECORDED_HOST   "8301ca99-281d-44da-83e6-372a21a72724"

typedef struct {
  char    *name;
  char    *uuid;
  guint64  memory;
  gboolean running;
  gboolean persistent;
  char    *live_xml;
  char    *migratable_xml;
  gint     snapshots;
  char    *busy;
} Guest;

typedef struct {
  guint64     free_memory;
  guint       page_kib;   /* its huge pages: this size, */
  gint64      free_pages; /* this many free (-1: cannot be asked) */
  gboolean    reachable;
  char       *uuid;
  GPtrArray  *guests;   /* Guest */
  char       *domcaps;  /* NULL: fails */
  gboolean    domcaps_denied;
  int         cpu_compare;
  char       *cpu_message;
  GHashTable *networks; /* "kind:name" -> "1" active, "0" not */
  GPtrArray  *pools;    /* pool XML */
  GHashTable *volumes;  /* path -> volume XML */
  char       *host_name; /* NULL: cannot be asked */
} Host;

struct _FakeHypervisor
{
  GObject     parent_instance;
  GMutex      lock;
  GHashTable *hosts; /* URI -> Host */
  guint       n_gathered;
};

static void fake_hypervisor_iface_init (VirtMigrateHypervisorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakeHypervisor, fake_hypervisor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (VIRT_MIGRATE_TYPE_HYPERVISOR, fake_hypervisor_iface_init))

static char *
recorded (const char *name)
{
  g_autofree char *path = g_build_filename (RECORDED_DIR, name, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    g_error ("cannot read the recorded %s", path);
  return contents;
}

/* @text with @from (which must be there) replaced by @to. */
static char *
replace (const char *text, const char *from, const char *to)
{
  GString *s = g_string_new (text);

  if (g_string_replace (s, from, to, 0) == 0)
    g_error ("'%s' is not in the recorded XML", from);
  return g_string_free (s, FALSE);
}

static void
guest_free (Guest *g)
{
  g_free (g->name);
  g_free (g->uuid);
  g_free (g->live_xml);
  g_free (g->migratable_xml);
  g_free (g->busy);
  g_free (g);
}

static void
host_free (Host *h)
{
  g_ptr_array_unref (h->guests);
  g_free (h->uuid);
  g_free (h->domcaps);
  g_free (h->cpu_message);
  g_hash_table_unref (h->networks);
  g_ptr_array_unref (h->pools);
  g_hash_table_unref (h->volumes);
  g_free (h->host_name);
  g_free (h);
}

/* Under the lock: the host at @uri if it can be reached. */
static Host *
host (FakeHypervisor *self, const char *uri, GError **error)
{
  Host *h = g_hash_table_lookup (self->hosts, uri);

  if (h != NULL && h->reachable)
    return h;
  g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CONNECT_FAILED,
               "Cannot connect to %s: Failed to connect socket to '%s/libvirt/virtqemud-sock': "
               "No such file or directory (scripted)", uri, "/run/user/1000");
  return NULL;
}

static Host *
scripted_host (FakeHypervisor *self, const char *uri)
{
  Host *h = g_hash_table_lookup (self->hosts, uri);

  g_assert_nonnull (h);
  return h;
}

static Guest *
find (Host *h, const char *name_or_uuid)
{
  for (guint i = 0; h != NULL && i < h->guests->len; i++)
    {
      Guest *g = g_ptr_array_index (h->guests, i);

      if (g_str_equal (g->name, name_or_uuid) || g_ascii_strcasecmp (g->uuid, name_or_uuid) == 0)
        return g;
    }
  return NULL;
}

static Guest *
find_scripted (FakeHypervisor *self, const char *uri, const char *name)
{
  Guest *g = find (scripted_host (self, uri), name);

  g_assert_nonnull (g);
  return g;
}

static VirtMigrateGuestInfo *
info_of (const Guest *g)
{
  VirtMigrateGuestInfo *info = virt_migrate_guest_info_new (g->name, g->uuid, g->memory);

  info->running = g->running;
  info->persistent = g->persistent;
  return info;
}

static gboolean
reach (VirtMigrateHypervisor *hv, const char *uri, GError **error)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return host (self, uri, error) != NULL;
}

static GPtrArray *
list_running_guests (VirtMigrateHypervisor *hv, const char *uri, GError **error)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, error);
  GPtrArray *out;

  if (h == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_guest_info_free);
  for (guint i = 0; i < h->guests->len; i++)
    {
      Guest *g = g_ptr_array_index (h->guests, i);

      if (g->running)
        g_ptr_array_add (out, info_of (g));
    }
  return out;
}

static char *
guest_busy (VirtMigrateHypervisor *hv, const char *uri, const char *uuid, const char *const *targets)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, NULL);
  Guest *g = h != NULL ? find (h, uuid) : NULL;

  return g != NULL ? g_strdup (g->busy) : NULL;
}

static VirtMigrateGuestInfo *
lookup_guest (VirtMigrateHypervisor *hv, const char *uri, const char *name_or_uuid, GError **error)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, error);
  Guest *g;

  if (h == NULL)
    return NULL;
  VirtMigrateGuestInfo *info;

  g = find (h, name_or_uuid);
  if (g == NULL)
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND,
                   "Domain not found: no domain with matching name '%s'", name_or_uuid);
      return NULL;
    }
  info = info_of (g);
  info->snapshots = g->snapshots;
  return info;
}

static char *
guest_xml (VirtMigrateHypervisor *hv, const char *uri, const char *name_or_uuid, VirtMigrateGuestXmlKind kind,
           GError **error)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, error);
  Guest *g = find (h, name_or_uuid);

  if (h == NULL)
    return NULL;
  if (g == NULL)
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND,
                   "Domain not found: no domain with matching name '%s'", name_or_uuid);
      return NULL;
    }
  if (kind == VIRT_MIGRATE_GUEST_XML_MIGRATABLE)
    self->n_gathered++;
  return g_strdup (kind == VIRT_MIGRATE_GUEST_XML_LIVE && g->running ? g->live_xml : g->migratable_xml);
}

static char *
capabilities (VirtMigrateHypervisor *hv, const char *uri, GError **error)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, error);
  g_autofree char *caps = NULL;

  if (h == NULL)
    return NULL;
  caps = recorded ("capabilities.xml");
  return replace (caps, RECORDED_HOST, h->uuid);
}

static char *
domain_capabilities (VirtMigrateHypervisor *hv, const char *uri, const VirtMigrateDomcapsQuery *q, GError **error)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, error);

  if (h == NULL)
    return NULL;
  if (h->domcaps == NULL && h->domcaps_denied)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                         "operation forbidden: read only access prevents virConnectGetDomainCapabilities");
  else if (h->domcaps == NULL)
    g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_LIBVIRT,
                 "invalid argument: the machine '%s' is not supported by emulator '%s'", q->machine, q->emulator);
  return g_strdup (h->domcaps);
}

static int
compare_cpu (VirtMigrateHypervisor *hv, const char *uri, const VirtMigrateDomcapsQuery *q, const char *cpu_xml,
             GError **error)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, error);

  if (h == NULL)
    return -1;
  g_assert_true (g_str_has_prefix (cpu_xml, "<cpu"));
  if (h->cpu_compare <= VIRT_MIGRATE_CPU_INCOMPATIBLE)
    g_set_error_literal (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_LIBVIRT, h->cpu_message);
  return h->cpu_compare;
}

static guint64
free_memory (VirtMigrateHypervisor *hv, const char *uri)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, NULL);

  return h != NULL ? h->free_memory : 0;
}

static char *
host_name (VirtMigrateHypervisor *hv, const char *uri)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, NULL);

  return h != NULL ? g_strdup (h->host_name) : NULL;
}

static gint64
free_pages (VirtMigrateHypervisor *hv, const char *uri, guint page_kib)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, NULL);

  /* libvirt counts 0 of a size the host has none of. */
  return h == NULL || h->free_pages < 0 ? -1 : h->page_kib == page_kib ? h->free_pages : 0;
}

static VirtMigrateFact
network_present (VirtMigrateHypervisor *hv, const char *uri, const char *kind, const char *name)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, NULL);
  g_autofree char *key = g_strdup_printf ("%s:%s", g_str_equal (kind, "network") ? "network" : "iface", name);
  const char *state;

  if (h == NULL)
    return VIRT_MIGRATE_FACT_UNKNOWN;
  state = g_hash_table_lookup (h->networks, key);
  return state != NULL && g_str_equal (state, "1") ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
}

static GPtrArray *
storage_pools (VirtMigrateHypervisor *hv, const char *uri)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, NULL);
  GPtrArray *out = h != NULL ? g_ptr_array_new_with_free_func (g_free) : NULL;

  for (guint i = 0; h != NULL && i < h->pools->len; i++)
    g_ptr_array_add (out, g_strdup (g_ptr_array_index (h->pools, i)));
  return out;
}

static char *
volume_xml (VirtMigrateHypervisor *hv, const char *uri, const char *path)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, NULL);

  return h != NULL ? g_strdup (g_hash_table_lookup (h->volumes, path)) : NULL;
}

/* From each guest's live XML, as libvirt's block statistics name them:
 * the disks' images and, for a running guest, their chains. */
static GPtrArray *
list_disk_users (VirtMigrateHypervisor *hv, const char *uri, GError **error)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri, error);
  GPtrArray *out;

  if (h == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_guest_info_free);
  for (guint i = 0; i < h->guests->len; i++)
    {
      Guest *g = g_ptr_array_index (h->guests, i);
      VirtMigrateGuestInfo *info = info_of (g);
      g_autoptr(GStrvBuilder) disks = g_strv_builder_new ();
      VirtMigrateGuestXml xml = { 0 };

      if (virt_migrate_guest_xml_parse (g->live_xml, &xml))
        for (guint k = 0; k < xml.disks->len; k++)
          {
            const VirtMigrateDiskXml *d = g_ptr_array_index (xml.disks, k);

            if (d->source != NULL)
              g_strv_builder_add (disks, d->source);
            for (guint b = 0; g->running && b < d->backing->len; b++)
              g_strv_builder_add (disks, ((const VirtMigrateBackingXml *) g_ptr_array_index (d->backing, b))->path);
          }
      virt_migrate_guest_xml_clear (&xml);
      info->disks = g_strv_builder_end (disks);
      g_ptr_array_add (out, info);
    }
  return out;
}

static void
fake_hypervisor_iface_init (VirtMigrateHypervisorInterface *iface)
{
  iface->reach = reach;
  iface->list_running_guests = list_running_guests;
  iface->lookup_guest = lookup_guest;
  iface->guest_xml = guest_xml;
  iface->capabilities = capabilities;
  iface->domain_capabilities = domain_capabilities;
  iface->compare_cpu = compare_cpu;
  iface->free_memory = free_memory;
  iface->host_name = host_name;
  iface->free_pages = free_pages;
  iface->network_present = network_present;
  iface->storage_pools = storage_pools;
  iface->volume_xml = volume_xml;
  iface->list_disk_users = list_disk_users;
  iface->guest_busy = guest_busy;
}

static void
fake_hypervisor_finalize (GObject *object)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (object);

  g_hash_table_unref (self->hosts);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (fake_hypervisor_parent_class)->finalize (object);
}

static void
fake_hypervisor_class_init (FakeHypervisorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fake_hypervisor_finalize;
}

static void
fake_hypervisor_init (FakeHypervisor *self)
{
  g_mutex_init (&self->lock);
  self->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) host_free);
}

FakeHypervisor *
fake_hypervisor_new (void)
{
  return g_object_new (FAKE_TYPE_HYPERVISOR, NULL);
}

void
fake_hypervisor_set_free_pages (FakeHypervisor *self, const char *uri, guint page_kib, gint64 free_pages)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = scripted_host (self, uri);

  h->page_kib = page_kib;
  h->free_pages = free_pages;
}

void
fake_hypervisor_add_host (FakeHypervisor *self, const char *uri, guint64 free_memory_bytes)
{
  Host *h = g_new0 (Host, 1);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_MD5, uri, -1);

  h->free_memory = free_memory_bytes;
  h->free_pages = -1;
  h->reachable = TRUE;
  /* A UUID of its own, the same for the same URI. */
  h->uuid = g_strdup_printf ("%.8s-%.4s-4%.3s-8%.3s-%.12s", hash, hash + 8, hash + 12, hash + 15, hash + 18);
  h->guests = g_ptr_array_new_with_free_func ((GDestroyNotify) guest_free);
  h->domcaps = recorded ("domcapabilities.xml");
  h->cpu_compare = VIRT_MIGRATE_CPU_SUPERSET;
  h->networks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  h->pools = g_ptr_array_new_with_free_func (g_free);
  h->volumes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->hosts, g_strdup (uri), h);
  g_mutex_unlock (&self->lock);
}

void
fake_hypervisor_set_reachable (FakeHypervisor *self, const char *uri, gboolean reachable)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  scripted_host (self, uri)->reachable = reachable;
}

void
fake_hypervisor_set_host_uuid (FakeHypervisor *self, const char *uri, const char *uuid)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = scripted_host (self, uri);

  g_free (h->uuid);
  h->uuid = g_strdup (uuid);
}

void
fake_hypervisor_set_host_name (FakeHypervisor *self, const char *uri, const char *name)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = scripted_host (self, uri);

  g_free (h->host_name);
  h->host_name = g_strdup (name);
}

/* The recorded guest as @g. */
static char *
guest_from (const char *file, const Guest *g)
{
  g_autofree char *xml = recorded (file);
  g_autofree char *escaped = g_markup_escape_text (g->name, -1);
  g_autofree char *named = NULL, *uuid = NULL, *mem = NULL;
  g_autofree char *memory = g_strdup_printf ("<memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>", g->memory / 1024);
  g_autofree char *current = g_strdup_printf ("<currentMemory unit='KiB'>%" G_GUINT64_FORMAT "</currentMemory>",
                                              g->memory / 1024);
  g_autofree char *name = g_strdup_printf ("<name>%s</name>", escaped);

  named = replace (xml, "<name>web</name>", name);
  uuid = replace (named, RECORDED_UUID, g->uuid);
  mem = replace (uuid, RECORDED_MEMORY, memory);
  return replace (mem, RECORDED_CURMEM, current);
}

void
fake_hypervisor_add_guest (FakeHypervisor *self, const char *uri, const char *name, const char *uuid,
                           guint64 memory, gboolean running)
{
  Guest *g = g_new0 (Guest, 1);

  g->name = g_strdup (name);
  g->uuid = g_strdup (uuid);
  g->memory = memory;
  g->running = running;
  g->persistent = TRUE;
  g->live_xml = guest_from ("guest-live.xml", g);
  g->migratable_xml = guest_from ("guest-migratable.xml", g);
  g_mutex_lock (&self->lock);
  g_ptr_array_add (scripted_host (self, uri)->guests, g);
  g_mutex_unlock (&self->lock);
}

void
fake_hypervisor_set_transient (FakeHypervisor *self, const char *uri, const char *name)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  find_scripted (self, uri, name)->persistent = FALSE;
}

void
fake_hypervisor_set_snapshots (FakeHypervisor *self, const char *uri, const char *name, gint snapshots)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  find_scripted (self, uri, name)->snapshots = snapshots;
}

void
fake_hypervisor_set_busy (FakeHypervisor *self, const char *uri, const char *name, const char *busy)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Guest *g = find_scripted (self, uri, name);

  g_free (g->busy);
  g->busy = g_strdup (busy);
}

void
fake_hypervisor_edit_guest (FakeHypervisor *self, const char *uri, const char *name, const char *from,
                            const char *to)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Guest *g = find_scripted (self, uri, name);
  GString *live = g_string_new (g->live_xml);
  GString *migratable = g_string_new (g->migratable_xml);

  /* The two may differ (the live one's CPU lists its features): where it
   * is in either. */
  if (g_string_replace (live, from, to, 0) + g_string_replace (migratable, from, to, 0) == 0)
    g_error ("'%s' is not in the recorded XML", from);
  g_free (g->live_xml);
  g->live_xml = g_string_free (live, FALSE);
  g_free (g->migratable_xml);
  g->migratable_xml = g_string_free (migratable, FALSE);
}

void
fake_hypervisor_edit_domcaps (FakeHypervisor *self, const char *uri, const char *from, const char *to)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = scripted_host (self, uri);
  char *caps = replace (h->domcaps, from, to);

  g_free (h->domcaps);
  h->domcaps = caps;
}

void
fake_hypervisor_fail_domcaps (FakeHypervisor *self, const char *uri, gboolean denied)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = scripted_host (self, uri);

  g_clear_pointer (&h->domcaps, g_free);
  h->domcaps_denied = denied;
}

void
fake_hypervisor_set_cpu_compare (FakeHypervisor *self, const char *uri, int result, const char *message)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = scripted_host (self, uri);

  h->cpu_compare = result;
  g_free (h->cpu_message);
  h->cpu_message = g_strdup (message);
}

void
fake_hypervisor_add_network (FakeHypervisor *self, const char *uri, const char *kind, const char *name,
                             gboolean active)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_hash_table_replace (scripted_host (self, uri)->networks,
                        g_strdup_printf ("%s:%s", g_str_equal (kind, "network") ? "network" : "iface", name),
                        g_strdup (active ? "1" : "0"));
}

void
fake_hypervisor_add_pool (FakeHypervisor *self, const char *uri, const char *name, const char *dir)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autofree char *xml = recorded ("pool.xml");
  g_autofree char *n = g_strdup_printf ("<name>%s</name>", name);
  g_autofree char *p = g_strdup_printf ("<path>%s</path>", dir);
  g_autofree char *named = replace (xml, "<name>recpool</name>", n);

  g_ptr_array_add (scripted_host (self, uri)->pools, replace (named, "<path>/var/lib/testbed/pooldir</path>", p));
}

void
fake_hypervisor_add_volume (FakeHypervisor *self, const char *uri, const char *path, const char *backing)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autofree char *xml = recorded ("volume.xml");
  g_autofree char *pathed = NULL, *keyed = NULL;
  g_autofree char *p = g_strdup_printf ("<path>%s</path>", path);
  g_autofree char *k = g_strdup_printf ("<key>%s</key>", path);
  char *vol;

  keyed = replace (xml, "<key>/var/lib/testbed/pooldir/top.qcow2</key>", k);
  pathed = replace (keyed, "<path>/var/lib/testbed/pooldir/top.qcow2</path>", p);
  if (backing != NULL)
    {
      g_autofree char *b = g_strdup_printf ("</target>\n  <backingStore>\n    <path>%s</path>\n"
                                            "    <format type='qcow2'/>\n  </backingStore>", backing);

      vol = replace (pathed, "</target>", b);
    }
  else
    vol = g_steal_pointer (&pathed);
  g_hash_table_replace (scripted_host (self, uri)->volumes, g_strdup (path), vol);
}

void
fake_hypervisor_edit_pool (FakeHypervisor *self, const char *uri, const char *name, const char *from, const char *to)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  GPtrArray *pools = scripted_host (self, uri)->pools;
  g_autofree char *key = g_strdup_printf ("<name>%s</name>", name);

  for (guint i = 0; i < pools->len; i++)
    if (strstr (g_ptr_array_index (pools, i), key) != NULL)
      {
        char *edited = replace (g_ptr_array_index (pools, i), from, to);

        g_free (g_ptr_array_index (pools, i));
        pools->pdata[i] = edited;
        return;
      }
  g_error ("no pool %s", name);
}

void
fake_hypervisor_edit_volume (FakeHypervisor *self, const char *uri, const char *path, const char *from, const char *to)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  GHashTable *volumes = scripted_host (self, uri)->volumes;
  const char *xml = g_hash_table_lookup (volumes, path);

  g_assert_nonnull (xml);
  g_hash_table_replace (volumes, g_strdup (path), replace (xml, from, to));
}

guint
fake_hypervisor_get_n_gathered (FakeHypervisor *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return self->n_gathered;
}

VirtMigrateHypervisor *
fake_hypervisor_ref_func (gpointer user_data)
{
  return g_object_ref (VIRT_MIGRATE_HYPERVISOR (user_data));
}
