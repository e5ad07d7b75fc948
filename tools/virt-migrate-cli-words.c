/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library's messages name a request's properties; the CLI's user typed
 * options and arguments. One table from the one to the other. */
#include "config.h"

#include <string.h>

#include "virt-migrate-cli-words.h"

/* Whole phrases first (a property and its value together), then single
 * properties; what is not here keeps the library's words. */
static const struct {
  const char *library;
  const char *cli;
} phrases[] = {
  { "set 'storage' to 'copy-all' or 'copy-incremental'", "add --copy-storage-all or --copy-storage-inc" },
  { "set 'domain' to", "give DOMAIN," },
  { "set 'source-uri' to", "give --connect (-c)," },
  { "set 'dest-uri' to", "give DEST-URI," },
  { "and unset 'suspend'", "and drop --suspend" },
  { "set 'live'", "add --live" },
  { "set 'persist-dest' too", "add --persistent too" },
  { "set 'force' to", "add --force to" },
  { "source-uri/dest-uri", "--connect and DEST-URI" },
  { "('storage' copy-all or copy-incremental)", "(--copy-storage-all or --copy-storage-inc)" },
  { "(dest-uri)", "(DEST-URI)" },
  { "(source-uri)", "(--connect)" },
  { "(hypervisor-uri)", "(MIGRATE-URI)" },
  { "hypervisor-uri '", "MIGRATE-URI '" },
  { "dest-uri '", "DEST-URI '" },
  { "source-uri '", "--connect '" },
  { "disks-uri '", "--disks-uri '" },
};

static const struct {
  const char *property;
  const char *option;
} words[] = {
  { "hypervisor-uri", "MIGRATE-URI (--migrateuri)" },
  { "dest-uri", "DEST-URI" },
  { "source-uri", "--connect" },
  { "domain", "DOMAIN" },
  { "storage", "--copy-storage-all/--copy-storage-inc" },
  { "compression-methods", "--comp-methods" },
  { "dest-xml", "--xml" },
  { "persistent-xml", "--persistent-xml" },
  { "dest-name", "--dname" },
  { "persist-dest", "--persistent" },
  { "undefine-source", "--undefinesource" },
  { "flow", "--p2p/--direct" },
  { "graphics-uri", "--graphicsuri" },
  { "max-downtime", "--max-downtime" },
  { "bandwidth", "--bandwidth" },
  { "parallel-connections", "--parallel-connections" },
  { "postcopy-bandwidth", "--postcopy-bandwidth" },
  { "disks-uri", "--disks-uri" },
  { "disks-port", "--disks-port" },
  { "migrate-disks", "--migrate-disks" },
  { "listen-address", "--listen-address" },
  { "tls-destination", "--tls-destination" },
  { "auto-converge-initial", "--auto-converge-initial" },
  { "auto-converge-increment", "--auto-converge-increment" },
  { "comp-mt-level", "--comp-mt-level" },
  { "comp-mt-threads", "--comp-mt-threads" },
  { "comp-mt-dthreads", "--comp-mt-dthreads" },
  { "comp-xbzrle-cache", "--comp-xbzrle-cache" },
  { "copy-storage-synchronous-writes", "--copy-storage-synchronous-writes" },
  { "postcopy-after-precopy", "--postcopy-after-precopy" },
  { "postcopy-resume", "--postcopy-resume" },
  { "rdma-pin-all", "--rdma-pin-all" },
  { "zerocopy", "--zerocopy" },
  { "compressed", "--compressed" },
  { "parallel", "--parallel" },
  { "offline", "--offline" },
  { "unsafe", "--unsafe" },
  { "abort-on-error", "--abort-on-error" },
  { "change-protection", "--change-protection" },
  { "auto-converge", "--auto-converge" },
  { "postcopy", "--postcopy" },
  { "suspend", "--suspend" },
  { "live", "--live" },
  { "tls", "--tls" },
  { "force", "--force" },
  { "disk-map", "--disk-map" },
  { "network-map", "--network-map" },
};

static void
replace_all (GString *text, const char *from, const char *to)
{
  g_string_replace (text, from, to, 0);
}

char *
cli_words (const char *message)
{
  GString *text = g_string_new (message);

  for (guint i = 0; i < G_N_ELEMENTS (phrases); i++)
    replace_all (text, phrases[i].library, phrases[i].cli);
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      g_autofree char *quoted = g_strdup_printf ("'%s'", words[i].property);

      replace_all (text, quoted, words[i].option);
    }
  return g_string_free (text, FALSE);
}
