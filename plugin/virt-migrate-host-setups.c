/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* QEMU's set-up (from the call to its first memory statistics) takes
 * 0.3 s on one machine and 1.3 s on another, and about the same each time
 * between two hosts: a new job expects the median of the last
 * HOST_SETUPS_KEPT migrations between its hosts that measured it. One
 * table for the process, whoever asks: every job that moved a guest notes
 * what its set-up took (a job a manager made or not: a script may make
 * its jobs itself), a manager puts in what its history held for two hosts
 * the first time one of its jobs goes between them (seed). At most
 * HOST_SETUPS_MAX pairs of hosts are remembered (past that the table starts
 * again: a daemon asked for thousands of hosts stays bounded over months).
 * Beside it, whether the source's kernel made pages QEMU only read
 * resident (virt-migrate-libvirt-stats.c): the job's own check before the
 * call can come before QEMU's sampling has filled the set (4 of 6
 * migrations in a row missed it, 6 Dec), so the next migration between the
 * hosts counts the zero pages' scan from the call as the last one found. */
#include "config.h"

#include <stdlib.h>

#include "virt-migrate-host-setups.h"
#include "virt-migrate-request-private.h"

#define HOST_SETUPS_KEPT 5
#define HOST_SETUPS_MAX 1024

G_LOCK_DEFINE_STATIC (setups);
static GHashTable *setups; /* "source\ndest" -> GArray of gint64 (µs), newest last */
static GHashTable *reads;  /* "source\ndest" -> GINT_TO_POINTER (1 + by_reads) */

/* The hosts as a history record names them (its Source and Destination). */
char *
virt_migrate_host_setups_key (VirtMigrateRequest *request)
{
  return g_strdup_printf ("%s\n%s", virt_migrate_request_get_source_uri (request),
                          virt_migrate_request_get_destination_host (request));
}

/* The times kept for @key, made if missing; under the lock. */
static GArray *
times_for (const char *key)
{
  GArray *times;

  if (setups == NULL)
    setups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  times = g_hash_table_lookup (setups, key);
  if (times == NULL)
    {
      if (g_hash_table_size (setups) >= HOST_SETUPS_MAX)
        g_hash_table_remove_all (setups);
      times = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (setups, g_strdup (key), times);
    }
  return times;
}

static void
append (GArray *times, gint64 setup_us)
{
  if (times->len == HOST_SETUPS_KEPT)
    g_array_remove_index (times, 0);
  g_array_append_val (times, setup_us);
}

/* A migration between the hosts @key names measured @setup_us. */
void
virt_migrate_host_setups_note (const char *key,
                               gint64      setup_us)
{
  if (key == NULL || setup_us <= 0)
    return;
  G_LOCK (setups);
  append (times_for (key), setup_us);
  G_UNLOCK (setups);
}

/* What a history held for @key (@n times, oldest first; none counts too:
 * the history was read), unless this process knows the hosts already. */
void
virt_migrate_host_setups_seed (const char   *key,
                               const gint64 *setup_us,
                               guint         n)
{
  GArray *times;

  G_LOCK (setups);
  if (setups == NULL || !g_hash_table_contains (setups, key))
    {
      times = times_for (key);
      for (guint i = 0; i < n; i++)
        if (setup_us[i] > 0)
          append (times, setup_us[i]);
    }
  G_UNLOCK (setups);
}

static gint
compare (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* Returns: whether the hosts @key names are known (noted or seeded);
 * @median_us: (out): the median of their times, 0: none. */
gboolean
virt_migrate_host_setups_lookup (const char *key,
                                 gint64     *median_us)
{
  gint64 seen[HOST_SETUPS_KEPT];
  GArray *times;
  guint n = 0;

  G_LOCK (setups);
  times = setups != NULL && key != NULL ? g_hash_table_lookup (setups, key) : NULL;
  for (guint i = 0; times != NULL && i < times->len; i++)
    seen[n++] = g_array_index (times, gint64, i);
  G_UNLOCK (setups);
  qsort (seen, n, sizeof (gint64), compare);
  *median_us = n > 0 ? seen[n / 2] : 0;
  return times != NULL;
}

/* The last migration between the hosts @key names that could tell found
 * QEMU's reads filling the source's resident set (@by_reads) or not. */
void
virt_migrate_host_setups_note_reads (const char *key,
                                     gboolean    by_reads)
{
  if (key == NULL)
    return;
  G_LOCK (setups);
  if (reads == NULL)
    reads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (g_hash_table_size (reads) >= HOST_SETUPS_MAX && !g_hash_table_contains (reads, key))
    g_hash_table_remove_all (reads);
  g_hash_table_insert (reads, g_strdup (key), GINT_TO_POINTER (1 + !!by_reads));
  G_UNLOCK (setups);
}

/* Returns: whether the last migration between the hosts @key names that
 * could tell found QEMU's reads filling the resident set (%FALSE: none did). */
gboolean
virt_migrate_host_setups_lookup_reads (const char *key)
{
  gboolean by_reads;

  G_LOCK (setups);
  by_reads = reads != NULL && key != NULL && GPOINTER_TO_INT (g_hash_table_lookup (reads, key)) == 2;
  G_UNLOCK (setups);
  return by_reads;
}
