/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Each subcommand's own --help. */
#include "config.h"

#include <stdio.h>

#include "virt-migrate-cli-help.h"

/* SUBCOMMAND --help: its own usage and what it does, not every option. */
static const struct {
  const char *name;
  const char *help;
} subcommand_help[] = {
  { "check", "usage: virt-migrate check [OPTIONS] DOMAIN DEST-URI...\n\n"
             "Runs the pre-flight checks for migrating DOMAIN to each DEST-URI and prints a verdict per\n"
             "destination. It takes the migration's options (--live, --p2p, --copy-storage-all,\n"
             "--migrateuri, --disks-uri, --xml, --disk-map, ...; see virt-migrate --help-all) and refuses\n"
             "what the migration would refuse. --json prints the verdicts as JSON.\n"
             "Exit status: 0 every destination can take the guest, 1 one cannot (or cannot tell),\n"
             "2 a bad command line." },
  { "drain", "usage: virt-migrate drain -c SRC [OPTIONS] DEST-URI...\n\n"
             "Moves every running guest off SRC to the destinations, smallest memory first.\n"
             "  --max-parallel N      at most N migrations at once\n"
             "  --include PATTERN     only guests whose name matches (repeatable)\n"
             "  --exclude PATTERN     leave out guests whose name matches (repeatable)\n"
             "  --placement RULE      most-free-memory (default) or first\n"
             "  --dry-run, --json, --bus, --system, and the migration's options\n"
             "Exit status: 0 all moved, 1 some stayed, 2 a bad command line, 130 cancelled." },
  { "history", "usage: virt-migrate [--bus | --system] history [--json] [--limit N] [--verbose] [DOMAIN]\n\n"
               "The migrations that ended, newest last: this user's history, or with --bus/--system\n"
               "a virt-migrated's." },
  { "jobs", "usage: virt-migrate [--system] jobs [--json]\n\n"
            "The virt-migrated service's jobs, running and recently finished (the session bus's,\n"
            "or the system bus's with --system or when there is no session bus)." },
  { "cancel", "usage: virt-migrate [--system] cancel JOB\n\n"
              "Cancels a virt-migrated job (JOB: its number or object path); the guest stays on the source." },
};

gboolean
print_subcommand_help (int argc, char **argv)
{
  const char *sub = NULL;
  gboolean help = FALSE;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h") || g_str_equal (argv[i], "-?"))
        help = TRUE;
      else if (sub == NULL && argv[i][0] != '-')
        sub = argv[i];
    }
  if (!help || sub == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (subcommand_help); i++)
    if (g_str_equal (sub, subcommand_help[i].name))
      {
        printf ("%s\n", subcommand_help[i].help);
        return TRUE;
      }
  return FALSE;
}
