/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pre-flight facts: what the gathering learnt, as the verdict reads it
 * (virt-migrate-preflight.c). */
#include "config.h"

#include "virt-migrate-preflight.h"

static void
network_free (gpointer data)
{
  VirtMigratePreflightNetwork *n = data;

  g_free (n->kind);
  g_free (n->name);
  g_free (n);
}

static void
backing_free (gpointer data)
{
  VirtMigratePreflightBacking *b = data;

  g_free (b->source);
  g_free (b->format);
  g_free (b->dest_path);
  g_free (b);
}

static void
disk_free (gpointer data)
{
  VirtMigratePreflightDisk *d = data;

  g_ptr_array_unref (d->backing);
  g_free (d->dest_backing);
  g_free (d->target);
  g_free (d->source);
  g_free (d->dest_path);
  g_free (d->cache);
  g_free (d->dest_pool);
  g_free (d->dest_user);
  g_free (d->dest_same_as);
  g_free (d->pool);
  g_free (d->nvme);
  g_free (d->format);
  g_free (d->dest_format);
  g_free (d->space_where);
  g_free (d);
}

static void
file_free (gpointer data)
{
  VirtMigratePreflightFile *f = data;

  g_free (f->what);
  g_free (f->path);
  g_free (f->occupant);
  g_free (f);
}

/* A new file @what at @path, added to *@list (made on first use). */
static VirtMigratePreflightFile *
add_file_to (GPtrArray **list, const char *what, const char *path)
{
  VirtMigratePreflightFile *f = g_new0 (VirtMigratePreflightFile, 1);

  if (*list == NULL)
    *list = g_ptr_array_new_with_free_func (file_free);
  f->what = g_strdup (what);
  f->path = g_strdup (path);
  g_ptr_array_add (*list, f);
  return f;
}

VirtMigratePreflightFile *
virt_migrate_preflight_add_socket (VirtMigratePreflightFacts *facts, const char *what, const char *path)
{
  return add_file_to (&facts->sockets, what, path);
}

VirtMigratePreflightFile *
virt_migrate_preflight_add_file (VirtMigratePreflightFacts *facts, const char *what, const char *path)
{
  return add_file_to (&facts->files, what, path);
}

static void
device_free (gpointer data)
{
  VirtMigratePreflightDevice *d = data;

  g_free (d->kind);
  g_free (d->value);
  g_free (d);
}

void
virt_migrate_preflight_add_device (VirtMigratePreflightFacts *facts,
                                   const char                *kind,
                                   const char                *value,
                                   VirtMigrateFact            offered)
{
  VirtMigratePreflightDevice *d;

  /* One line per kind and value. */
  for (guint i = 0; i < facts->devices->len; i++)
    {
      d = g_ptr_array_index (facts->devices, i);
      if (g_str_equal (d->kind, kind) && g_str_equal (d->value, value))
        return;
    }
  d = g_new0 (VirtMigratePreflightDevice, 1);
  d->kind = g_strdup (kind);
  d->value = g_strdup (value);
  d->offered = offered;
  g_ptr_array_add (facts->devices, d);
}

VirtMigratePreflightFacts *
virt_migrate_preflight_facts_new (void)
{
  VirtMigratePreflightFacts *facts = g_new0 (VirtMigratePreflightFacts, 1);

  facts->cpu_compare = VIRT_MIGRATE_CPU_NOT_COMPARED;
  facts->snapshots = -1;
  facts->free_hugepages = -1;
  facts->memlock_limit = -1;
  facts->domcaps_ok = TRUE;
  facts->networks = g_ptr_array_new_with_free_func (network_free);
  facts->disks = g_ptr_array_new_with_free_func (disk_free);
  facts->devices = g_ptr_array_new_with_free_func (device_free);
  facts->ties = virt_migrate_ties_new ();
  return facts;
}

void
virt_migrate_preflight_facts_free (VirtMigratePreflightFacts *facts)
{
  if (facts == NULL)
    return;
  g_free (facts->connect_error);
  g_free (facts->busy);
  g_free (facts->host_uuid);
  g_free (facts->name_conflict_uuid);
  g_free (facts->cpu_mode);
  g_free (facts->cpu_error);
  g_free (facts->machine);
  g_free (facts->nvram);
  g_free (facts->dest_nvram);
  g_free (facts->dest_daemon);
  g_free (facts->listen_address);
  g_free (facts->stream_host);
  g_free (facts->dest_name);
  g_free (facts->dest_name_addresses);
  g_free (facts->tls_name);
  g_free (facts->tls_cert);
  g_free (facts->tls_cert_names);
  g_free (facts->tls_ca);
  g_free (facts->tls_own_ca);
  g_free (facts->tls_client_cert);
  g_free (facts->source_daemon);
  g_free (facts->source_conf.path);
  g_free (facts->dest_conf.path);
  g_strfreev (facts->unknown_disks);
  g_free (facts->disk_targets);
  g_free (facts->emulator);
  g_free (facts->domcaps_error);
  g_ptr_array_unref (facts->networks);
  g_ptr_array_unref (facts->disks);
  g_ptr_array_unref (facts->devices);
  g_ptr_array_unref (facts->ties);
  g_clear_pointer (&facts->affinities, g_ptr_array_unref);
  g_clear_pointer (&facts->endpoints, g_ptr_array_unref);
  g_free (facts->state);
  g_clear_pointer (&facts->ports_held, g_ptr_array_unref);
  g_clear_pointer (&facts->ports_here, g_ptr_array_unref);
  g_clear_pointer (&facts->streams, g_ptr_array_unref);
  g_clear_pointer (&facts->sockets, g_ptr_array_unref);
  g_clear_pointer (&facts->listeners, g_ptr_array_unref);
  g_clear_pointer (&facts->files, g_ptr_array_unref);
  g_strfreev (facts->dest_loaders);
  g_clear_pointer (&facts->dest_cpus, g_array_unref);
  g_clear_pointer (&facts->dest_cells, g_array_unref);
  g_free (facts);
}

VirtMigratePreflightNetwork *
virt_migrate_preflight_add_network (VirtMigratePreflightFacts *facts,
                                    const char                *kind,
                                    const char                *name)
{
  VirtMigratePreflightNetwork *n = g_new0 (VirtMigratePreflightNetwork, 1);

  n->kind = g_strdup (kind);
  n->name = g_strdup (name);
  g_ptr_array_add (facts->networks, n);
  return n;
}

/* The destination's libvirtd as the checks name it: "libvirtd (pid 812,
 * user vmtest)" where it was identified. */
const char *
virt_migrate_preflight_daemon (const VirtMigratePreflightFacts *facts)
{
  return facts->dest_daemon != NULL ? facts->dest_daemon : "libvirtd (not identified)";
}

VirtMigratePreflightDisk *
virt_migrate_preflight_add_disk (VirtMigratePreflightFacts *facts,
                                 const char                *target,
                                 const char                *source)
{
  VirtMigratePreflightDisk *d = g_new0 (VirtMigratePreflightDisk, 1);

  d->target = g_strdup (target);
  d->source = g_strdup (source);
  d->dest_path = g_strdup (source);
  d->written = TRUE;
  d->backing = g_ptr_array_new_with_free_func (backing_free);
  g_ptr_array_add (facts->disks, d);
  return d;
}

VirtMigratePreflightBacking *
virt_migrate_preflight_add_backing (VirtMigratePreflightDisk *disk,
                                    const char               *source,
                                    const char               *format)
{
  VirtMigratePreflightBacking *b = g_new0 (VirtMigratePreflightBacking, 1);

  b->source = g_strdup (source);
  b->format = g_strdup (format);
  b->dest_path = g_strdup (source);
  g_ptr_array_add (disk->backing, b);
  return b;
}
