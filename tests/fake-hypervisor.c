/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "fake-hypervisor.h"
#include "virt-migrate-error.h"

typedef struct {
  char    *name;
  char    *uuid;
  guint64  memory;
  gboolean running;
} Guest;

typedef struct {
  guint64    free_memory;
  gboolean   reachable;
  GPtrArray *guests; /* Guest */
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

static void
guest_free (Guest *g)
{
  g_free (g->name);
  g_free (g->uuid);
  g_free (g);
}

static void
host_free (Host *h)
{
  g_ptr_array_unref (h->guests);
  g_free (h);
}

/* Under the lock. */
static Host *
host (FakeHypervisor *self, const char *uri)
{
  Host *h = g_hash_table_lookup (self->hosts, uri);

  return h != NULL && h->reachable ? h : NULL;
}

static Guest *
find (Host *h, const char *name, const char *uuid)
{
  for (guint i = 0; h != NULL && i < h->guests->len; i++)
    {
      Guest *g = g_ptr_array_index (h->guests, i);

      if ((name != NULL && g_str_equal (g->name, name)) || (uuid != NULL && g_str_equal (g->uuid, uuid)))
        return g;
    }
  return NULL;
}

static GPtrArray *
list_running_guests (VirtMigrateHypervisor *hv, const char *uri, GError **error)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri);
  GPtrArray *out;

  if (h == NULL)
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CONNECT_FAILED,
                   "Cannot connect to %s: Failed to connect socket (scripted)", uri);
      return NULL;
    }
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) virt_migrate_guest_info_free);
  for (guint i = 0; i < h->guests->len; i++)
    {
      Guest *g = g_ptr_array_index (h->guests, i);

      if (g->running)
        g_ptr_array_add (out, virt_migrate_guest_info_new (g->name, g->uuid, g->memory));
    }
  return out;
}

static guint64
free_memory (VirtMigrateHypervisor *hv, const char *uri)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri);

  return h != NULL ? h->free_memory : 0;
}

static gboolean
gather_facts (VirtMigrateHypervisor *hv, VirtMigrateRequest *request, const char *dest_uri,
              VirtMigratePreflightFacts *f, GError **error)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  const char *source_uri = virt_migrate_request_get_source_uri (request);
  const char *name = virt_migrate_request_get_domain (request);
  Host *src = host (self, source_uri), *dst;
  Guest *g, *there;

  self->n_gathered++;
  if (dest_uri == NULL)
    dest_uri = virt_migrate_request_get_dest_uri (request);
  if (src == NULL)
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_CONNECT_FAILED, "Cannot connect to %s", source_uri);
      return FALSE;
    }
  g = find (src, name, NULL);
  if (g == NULL)
    {
      g_set_error (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_DOMAIN_NOT_FOUND,
                   "Domain not found: no domain with matching name '%s'", name);
      return FALSE;
    }
  f->live = TRUE;
  f->guest_memory = g->memory;
  dst = host (self, dest_uri);
  if (dst == NULL)
    {
      f->reachable = FALSE;
      f->connect_error = g_strdup_printf ("Cannot connect to %s: Failed to connect socket (scripted)", dest_uri);
      return TRUE;
    }
  f->reachable = TRUE;
  f->same_host = g_str_equal (source_uri, dest_uri) ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
  f->host_uuid = g_strdup ("6f3c8b9e-0000-4000-8000-00000000000a");
  f->machine = g_strdup ("pc-i440fx-7.2");
  f->emulator = g_strdup ("/usr/bin/qemu-system-x86_64");
  f->cpu_mode = g_strdup ("custom");
  f->cpu_compare = 2; /* VIR_CPU_COMPARE_SUPERSET */
  f->free_memory = dst->free_memory;
  there = find (dst, name, NULL);
  if (there != NULL && !g_str_equal (there->uuid, g->uuid))
    {
      f->name_conflict_uuid = g_strdup (there->uuid);
      f->name_conflict_active = there->running;
    }
  there = find (dst, NULL, g->uuid);
  f->uuid_present = there != NULL ? VIRT_MIGRATE_FACT_YES : VIRT_MIGRATE_FACT_NO;
  f->uuid_active = there != NULL && there->running;
  return TRUE;
}

static VirtMigrateGuestWhere
locate_guest (VirtMigrateHypervisor *hv, const char *uri, const char *uuid)
{
  FakeHypervisor *self = FAKE_HYPERVISOR (hv);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Host *h = host (self, uri);
  Guest *g;

  if (h == NULL)
    return VIRT_MIGRATE_GUEST_UNREACHABLE;
  g = find (h, NULL, uuid);
  return g != NULL && g->running ? VIRT_MIGRATE_GUEST_RUNNING : VIRT_MIGRATE_GUEST_NOT_RUNNING;
}

static void
fake_hypervisor_iface_init (VirtMigrateHypervisorInterface *iface)
{
  iface->list_running_guests = list_running_guests;
  iface->free_memory = free_memory;
  iface->gather_facts = gather_facts;
  iface->locate_guest = locate_guest;
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
fake_hypervisor_add_host (FakeHypervisor *self, const char *uri, guint64 free_memory_bytes)
{
  Host *h = g_new0 (Host, 1);

  h->free_memory = free_memory_bytes;
  h->reachable = TRUE;
  h->guests = g_ptr_array_new_with_free_func ((GDestroyNotify) guest_free);
  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->hosts, g_strdup (uri), h);
  g_mutex_unlock (&self->lock);
}

void
fake_hypervisor_set_reachable (FakeHypervisor *self, const char *uri, gboolean reachable)
{
  Host *h;

  g_mutex_lock (&self->lock);
  h = g_hash_table_lookup (self->hosts, uri);
  g_assert_nonnull (h);
  h->reachable = reachable;
  g_mutex_unlock (&self->lock);
}

void
fake_hypervisor_add_guest (FakeHypervisor *self, const char *uri, const char *name, const char *uuid,
                           guint64 memory, gboolean running)
{
  Guest *g = g_new0 (Guest, 1);
  Host *h;

  g->name = g_strdup (name);
  g->uuid = g_strdup (uuid);
  g->memory = memory;
  g->running = running;
  g_mutex_lock (&self->lock);
  h = g_hash_table_lookup (self->hosts, uri);
  g_assert_nonnull (h);
  g_ptr_array_add (h->guests, g);
  g_mutex_unlock (&self->lock);
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
