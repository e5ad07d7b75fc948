/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A guest dirties about as fast each time it migrates, and that rate is the
 * expected end's one unknown in a first pass (virt-migrate-dirty-prior.c):
 * the rate QEMU measured in a guest's last migration's first pass (at the
 * second pass's start), known by the guest's UUID, which a migration keeps.
 * One table for the process, whatever manager or job asks: the managers
 * put in what their histories hold (DirtyRate, read once a file), every
 * job what it measured when it moved its guest; a job looks its guest up
 * once it knows the UUID (libvirt's, from the source). At
 * most GUEST_RATES_MAX guests are remembered (past that the table starts
 * again: a daemon's memory stays bounded over months). */
#include "config.h"

#include "virt-migrate-guest-rates.h"

#define GUEST_RATES_MAX 4096

G_LOCK_DEFINE_STATIC (rates);
static GHashTable *rates; /* UUID -> guint64 bytes/s */

/* Notes @uuid's rate; unless @replace (a newer figure), only where none is
 * known yet (the history is read newest first). */
void
virt_migrate_guest_rates_note (const char *uuid,
                               guint64     bytes_per_second,
                               gboolean    replace)
{
  if (uuid == NULL || *uuid == '\0' || bytes_per_second == 0)
    return;
  G_LOCK (rates);
  if (rates == NULL)
    rates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (g_hash_table_size (rates) >= GUEST_RATES_MAX && !g_hash_table_contains (rates, uuid))
    g_hash_table_remove_all (rates);
  if (replace || !g_hash_table_contains (rates, uuid))
    g_hash_table_insert (rates, g_strdup (uuid), g_memdup2 (&bytes_per_second, sizeof bytes_per_second));
  G_UNLOCK (rates);
}

/* Returns: @uuid's rate, bytes/s; 0: not known. */
guint64
virt_migrate_guest_rates_lookup (const char *uuid)
{
  guint64 *rate, found;

  if (uuid == NULL)
    return 0;
  G_LOCK (rates);
  rate = rates != NULL ? g_hash_table_lookup (rates, uuid) : NULL;
  found = rate != NULL ? *rate : 0;
  G_UNLOCK (rates);
  return found;
}
