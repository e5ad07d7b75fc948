/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-migrate: migrate a libvirt guest with a live progress bar. */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "virt-migrate-service.h"

#include "virt-migrate-cli-drain.h"
#include "virt-migrate-cli-history.h"
#include "virt-migrate-dbus-generated.h"
#include "virt-migrate-enums-private.h"
#include "virt-migrate-cli-bus.h"
#include "virt-migrate-cli-keys.h"
#include "virt-migrate-cli-options.h"
#include "virt-migrate-cli-progress.h"
#include "virt-migrate-cli-view.h"
#include "virt-migrate-cli-help.h"


/* virt-migrate check: one verdict per destination; 0 only when every one
 * can take the guest. */
static void
on_check_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) verdicts =
    virt_migrate_manager_check_finish (VIRT_MIGRATE_MANAGER (source), result, &error);
  GVariantIter iter;
  GVariant *item;
  guint blocked = 0, n = 0;

  if (verdicts == NULL)
    {
      cli_error (NULL, "%s", error->message);
      /* A request refused as it stands (too many destinations): bad input. */
      cli->exit_code = g_error_matches (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_OUT_OF_RANGE) ||
                       g_error_matches (error, VIRT_MIGRATE_ERROR, VIRT_MIGRATE_ERROR_INVALID_REQUEST)
                         ? EXIT_USAGE : EXIT_FAILURE;
      g_main_loop_quit (cli->loop);
      return;
    }
  g_variant_iter_init (&iter, verdicts);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) verdict = item;
      const char *result_nick = "";

      g_variant_lookup (verdict, "result", "&s", &result_nick);
      /* Unknown is no yes: nothing could be checked. */
      blocked += g_str_equal (result_nick, "blocker") || g_str_equal (result_nick, "unknown");
      n++;
      if (!cli->json)
        {
          g_autofree char *text = virt_migrate_verdict_to_text (verdict);

          fputs (text, stdout);
        }
    }
  if (cli->json)
    {
      g_autofree char *text = cli_variant_to_json (verdicts);

      printf ("%s\n", text);
    }
  else if (n > 1)
    printf ("%u of %u destinations can take the guest\n", n - blocked, n);
  cli->exit_code = blocked > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
  g_main_loop_quit (cli->loop);
}

static void
on_plan_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigratePlan) plan =
    virt_migrate_manager_plan_finish (VIRT_MIGRATE_MANAGER (source), result, &error);

  if (plan == NULL)
    {
      cli_error (NULL, "%s", error->message);
      cli->exit_code = EXIT_FAILURE;
    }
  else
    {
      g_autofree char *text = virt_migrate_plan_to_text (plan);

      printf ("%s", text);
      printf ("Dry run: nothing was migrated.\n");
      cli->exit_code = EXIT_SUCCESS;
    }
  g_main_loop_quit (cli->loop);
}

/* The job, then the manager, let go before the exit (cli_view_release_manager()). */
static int
cli_release (VirtMigrateManager **manager, VirtMigrateJob **job, int code)
{
  g_clear_object (job);
  cli_view_release_manager (manager);
  return code;
}

/* virsh's bound on an XML file it reads (VSH_MAX_XML_FILE); libvirt takes
 * 4 MiB at most, which the request says itself. */
#define XML_FILE_MAX (10 * 1024 * 1024)

/* A domain XML file: text, and not empty (an empty one was taken as no
 * XML at all, and the guest moved without what it said); read to a bound
 * (a device or a pipe that never ends, /dev/zero, took all memory), so a
 * pipe (`--xml <(virsh dumpxml …)`) is read too. */
static gboolean
read_file_option (const char *option, const char *path, char **contents, GError **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autofree char *buf = NULL;
  gsize len = 0;

  if (path == NULL)
    return TRUE;
  file = g_file_new_for_path (path);
  if ((in = g_file_read (file, NULL, error)) == NULL)
    return FALSE;
  buf = g_malloc (XML_FILE_MAX + 1);
  if (!g_input_stream_read_all (G_INPUT_STREAM (in), buf, XML_FILE_MAX + 1, &len, NULL, error))
    return FALSE;
  if (len > XML_FILE_MAX)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s %s is larger than %d MiB: not a domain XML", option,
                   path, XML_FILE_MAX / (1024 * 1024));
      return FALSE;
    }
  *contents = g_strndup (buf, len);
  if (len == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s %s is empty: give a domain XML", option, path);
      return FALSE;
    }
  if (!g_utf8_validate_len (*contents, len, NULL) || memchr (*contents, '\0', len) != NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s %s is not text (a domain XML is UTF-8)", option,
                   path);
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigrateRequest) request = NULL;
  g_autoptr(VirtMigrateManager) manager = NULL;
  g_autoptr(VirtMigrateJob) job = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *source_uri = NULL;
  g_autofree char *xml_file = NULL, *persistent_xml_file = NULL;
  g_autofree char *migrate_disks = NULL;
  g_autofree char *comp_methods = NULL;
  g_autofree char *domain_opt = NULL, *desturi_opt = NULL;
  g_autofree char *dest_xml = NULL, *persistent_xml = NULL;
  gboolean p2p = FALSE, tunnelled = FALSE, direct = FALSE;
  gboolean copy_all = FALSE, copy_inc = FALSE, quiet = FALSE, live = FALSE, postcopy = FALSE;
  gboolean version = FALSE, dry_run = FALSE, use_bus = FALSE, system_bus = FALSE, no_policy = FALSE;
  gboolean verbose = FALSE, json = FALSE, check = FALSE, drain = FALSE;
  int limit = 0, max_parallel = -1;
  g_auto(GStrv) include = NULL;
  g_auto(GStrv) exclude = NULL;
  g_autofree char *placement = NULL;
  g_auto(GStrv) drain_destinations = NULL;
  gboolean timeout_suspend = FALSE, timeout_postcopy = FALSE;
  int timeout = 0, poll_interval = 0;
  g_autoptr(CliRequestOptions) generated = cli_request_options_new ();
  g_auto(GStrv) args = NULL;
  g_auto(GStrv) check_destinations = NULL;
  const char *domain, *dest_uri = NULL;
  const char *positional[4] = { NULL }; /* MIGRATE-URI, GRAPHICS-URI, LISTEN-ADDRESS, DNAME */
  Cli cli = { 0 };
  const GOptionEntry entries[] = {
    { "domain", 0, 0, G_OPTION_ARG_STRING, &domain_opt, "The guest (as virsh's --domain; instead of DOMAIN)", "DOMAIN" },
    { "desturi", 0, 0, G_OPTION_ARG_STRING, &desturi_opt, "The destination (as virsh's --desturi; instead of DEST-URI)", "URI" },
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &source_uri, "Source libvirt URI (default: $LIBVIRT_DEFAULT_URI or qemu:///system)", "URI" },
    { "p2p", 0, 0, G_OPTION_ARG_NONE, &p2p, "Peer-to-peer: the source libvirtd drives the migration", NULL },
    { "tunnelled", 0, 0, G_OPTION_ARG_NONE, &tunnelled, "Tunnel the data through libvirtd (with --p2p)", NULL },
    { "direct", 0, 0, G_OPTION_ARG_NONE, &direct, "Unmanaged direct: hand over to the hypervisor (needs --migrateuri)", NULL },
    { "copy-storage-all", 0, 0, G_OPTION_ARG_NONE, &copy_all, "Copy whole non-shared disks", NULL },
    { "copy-storage-inc", 0, 0, G_OPTION_ARG_NONE, &copy_inc, "Copy the top image of non-shared disks", NULL },
    { "migrate-disks", 0, 0, G_OPTION_ARG_STRING, &migrate_disks, "Comma-separated disk targets to copy", "vda,vdb" },
    { "xml", 0, 0, G_OPTION_ARG_FILENAME, &xml_file, "Domain XML to use on the destination", "FILE" },
    { "persistent-xml", 0, 0, G_OPTION_ARG_FILENAME, &persistent_xml_file, "Persistent XML for the destination", "FILE" },
    { "comp-methods", 0, 0, G_OPTION_ARG_STRING, &comp_methods, "Compression methods: xbzrle, mt (comma-separated)", "LIST" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "After S seconds, pause the guest (or with --timeout-postcopy switch to post-copy) so it finishes", "S" },
    { "timeout-suspend", 0, 0, G_OPTION_ARG_NONE, &timeout_suspend, "With --timeout: pause the guest (the default)", NULL },
    { "timeout-postcopy", 0, 0, G_OPTION_ARG_NONE, &timeout_postcopy, "With --timeout: switch to post-copy (needs --postcopy)", NULL },
    { "no-policy", 0, 0, G_OPTION_ARG_NONE, &no_policy, "Plain libvirt: no convergence policy (downtime steps, post-copy on stall, completion timeout)", NULL },
    { "poll-interval", 0, 0, G_OPTION_ARG_INT, &poll_interval, "Milliseconds between progress polls (10 to 60000)", "MS" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress bar and no success line (warnings and errors still print)", NULL },
    { "verbose", 0, 0, G_OPTION_ARG_NONE, &verbose, "Also print each phase and memory pass as it begins, and the totals at the end", NULL },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Print the plan (libvirt call, flags, data path, configuration outcome) and migrate nothing", NULL },
    { "bus", 0, 0, G_OPTION_ARG_NONE, &use_bus, "Migrate through the virt-migrated D-Bus service instead of in this process", NULL },
    { "system", 0, 0, G_OPTION_ARG_NONE, &system_bus, "With --bus, jobs and cancel: use the system bus's service (default: session bus)", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "With history, check and drain: print JSON", NULL },
    { "max-parallel", 0, 0, G_OPTION_ARG_INT, &max_parallel, "With drain: at most N migrations at once (default: the limits in the settings)", "N" },
    { "include", 0, 0, G_OPTION_ARG_STRING_ARRAY, &include, "With drain: only the guests whose name matches (a glob; repeatable)", "PATTERN" },
    { "exclude", 0, 0, G_OPTION_ARG_STRING_ARRAY, &exclude, "With drain: leave out the guests whose name matches (a glob; repeatable)", "PATTERN" },
    { "placement", 0, 0, G_OPTION_ARG_STRING, &placement, "With drain: most-free-memory (default) or first (the first destination that can take the guest)", "RULE" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "With history: only the newest N records", "N" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, "DOMAIN DEST-URI [MIGRATE-URI [GRAPHICS-URI [LISTEN-ADDRESS [DNAME]]]]" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  if (print_subcommand_help (argc, argv))
    return EXIT_SUCCESS;
  context = g_option_context_new ("- migrate a libvirt guest");
  g_option_context_set_summary (context,
    "Migrates DOMAIN from the source host (--connect) to DEST-URI, showing progress.\n"
    "Options mirror 'virsh migrate'. Ctrl-C cancels: the guest stays on the source.\n"
    "With --direct there is no DEST-URI: give the hypervisor URI with --migrateuri.\n"
    "\n"
    "  virt-migrate [--system] jobs [--json] list the virt-migrated service's jobs\n"
    "  virt-migrate [--system] cancel JOB    cancel one (JOB: its number or object path)\n"
    "  virt-migrate check [OPTIONS] DOMAIN DEST-URI...\n"
    "                                        pre-flight checks, a verdict per destination (exit 0: all can take it)\n"
    "  virt-migrate drain -c SRC [OPTIONS] DEST-URI...\n"
    "                                        move every running guest off SRC (exit 0: all moved; 1: some stayed)\n"
    "  virt-migrate history [DOMAIN]         the migrations that ended: this user's history\n"
    "                                        (--bus, --system: a virt-migrated's; --json, --limit N)");
  /* The options that set one request property each come from the
   * request's property specs; these are the others. */
  g_option_context_set_main_group (context, cli_request_options_group (generated));
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      cli_error ("Try 'virt-migrate --help'.", "%s", error->message);
      return EXIT_USAGE;
    }
  live = cli_request_options_given (generated, "live");
  postcopy = cli_request_options_given (generated, "postcopy");
  /* virsh's named --domain and --desturi: the positional places they take
   * (so a guest named like a subcommand can be given as --domain jobs). */
  if (domain_opt != NULL || desturi_opt != NULL)
    {
      GStrvBuilder *b = g_strv_builder_new ();
      guint i = 0;

      if (domain_opt != NULL)
        g_strv_builder_add (b, domain_opt);
      else if (args != NULL && args[i] != NULL)
        g_strv_builder_add (b, args[i++]);
      if (desturi_opt != NULL)
        g_strv_builder_add (b, desturi_opt);
      for (; args != NULL && args[i] != NULL; i++)
        g_strv_builder_add (b, args[i]);
      g_strfreev (args);
      args = g_strv_builder_end (b);
      g_strv_builder_unref (b);
    }
  else if (args != NULL && args[0] != NULL && g_str_equal (args[0], "jobs"))
    {
      if (args[1] != NULL || limit != 0)
        {
          cli_error ("usage: virt-migrate [--system] jobs [--json]", "'jobs' takes no argument (a guest named "
                     "jobs: --domain jobs)");
          return EXIT_USAGE;
        }
      return cli_list_jobs (system_bus, json);
    }
  else if (args != NULL && args[0] != NULL && g_str_equal (args[0], "cancel"))
    {
      g_autofree char *path = NULL;

      if (g_strv_length (args) != 2)
        {
          cli_error ("usage: virt-migrate [--system] cancel JOB", "'cancel' takes one job: its number or object "
                     "path (a guest named cancel: --domain cancel)");
          return EXIT_USAGE;
        }
      path = cli_job_path_for (args[1]);
      if (path == NULL)
        {
          cli_error ("usage: virt-migrate [--system] cancel JOB", "cancel: '%s' is not a job number or job "
                     "object path", args[1]);
          return EXIT_USAGE;
        }
      return cli_cancel_job (system_bus, path);
    }
  /* --system is the system bus's daemon: never a migration in this
   * process (it used to migrate here, silently). */
  if (system_bus)
    use_bus = TRUE;
  if (version)
    {
      printf ("virt-migrate %s\n", VIRT_MIGRATE_VERSION);
      return EXIT_SUCCESS;
    }
  if (args != NULL && g_strv_length (args) >= 1 && g_str_equal (args[0], "history"))
    {
      if (g_strv_length (args) > 2 || limit < 0)
        {
          cli_error ("usage: virt-migrate [--bus | --system] history [--json] [--limit N] [--verbose] [DOMAIN]",
                     "'history' takes at most one guest, and --limit a count");
          return EXIT_USAGE;
        }
      return cli_history (system_bus ? CLI_HISTORY_SYSTEM_BUS : use_bus ? CLI_HISTORY_SESSION_BUS : CLI_HISTORY_FILE,
                          args[1], (guint) limit, json, verbose);
    }
  if (args != NULL && args[0] != NULL && g_str_equal (args[0], "check"))
    {
      /* check DOMAIN DEST-URI...: the request is built as for a migration
       * to the first destination, then checked against each. */
      if (g_strv_length (args) < 3)
        {
          cli_error ("usage: virt-migrate check [OPTIONS] DOMAIN DEST-URI...", "'check' needs a guest and a destination");
          return EXIT_USAGE;
        }
      check = TRUE;
      check_destinations = g_strdupv (args + 2);
      g_free (args[0]);
      args[0] = args[1];
      args[1] = g_strdup (check_destinations[0]);
      for (guint i = 2; args[i] != NULL; i++)
        g_clear_pointer (&args[i], g_free);
    }
  if (args != NULL && args[0] != NULL && g_str_equal (args[0], "drain"))
    {
      /* drain DEST-URI...: every running guest of the source. */
      if (g_strv_length (args) < 2)
        {
          cli_error ("usage: virt-migrate drain -c SRC [OPTIONS] DEST-URI...", "'drain' needs a destination");
          return EXIT_USAGE;
        }
      drain = TRUE;
      drain_destinations = g_strdupv (args + 1);
    }
  if (!drain && (max_parallel >= 0 || include != NULL || exclude != NULL || placement != NULL))
    {
      cli_error ("Try 'virt-migrate --help'.", "--max-parallel, --include, --exclude and --placement apply to 'virt-migrate drain'");
      return EXIT_USAGE;
    }
  if (drain && max_parallel < -1)
    {
      cli_error (NULL, "--max-parallel cannot be negative (%d)", max_parallel);
      return EXIT_USAGE;
    }
  if (limit != 0 || (json && !check && !drain))
    {
      cli_error ("Try 'virt-migrate --help'.", "--json applies to 'virt-migrate history', 'jobs', 'check' and 'drain', --limit to 'history' only");
      return EXIT_USAGE;
    }
  if (drain)
    {
      if (direct)
        {
          cli_error ("Try 'virt-migrate --help'.", "A drain moves guests between libvirt hosts: --direct does not apply");
          return EXIT_USAGE;
        }
      domain = NULL;
    }
  else if (args == NULL || g_strv_length (args) < (direct ? 1 : 2) || g_strv_length (args) > (direct ? 5 : 6))
    {
      cli_error ("usage: virt-migrate [OPTIONS] DOMAIN DEST-URI [MIGRATE-URI [GRAPHICS-URI [LISTEN-ADDRESS [DNAME]]]]\n"
                 "       virt-migrate check [OPTIONS] DOMAIN DEST-URI...\n"
                 "       virt-migrate drain -c SRC [OPTIONS] DEST-URI...\n"
                 "       virt-migrate [--system] jobs [--json] | cancel JOB\n"
                 "       virt-migrate [--bus | --system] history [--json] [--limit N] [DOMAIN]\n"
                 "Try 'virt-migrate --help'.",
                 args == NULL || g_strv_length (args) < (direct ? 1 : 2) ? "a guest and a destination are needed"
                                                                         : "too many arguments");
      return EXIT_USAGE;
    }
  else
    domain = args[0];
  if (!direct && !drain)
    dest_uri = args[1];
  /* virsh's positional order: MIGRATE-URI, GRAPHICS-URI, LISTEN-ADDRESS, DNAME. */
  if (!drain)
    {
      struct { const char *property; const char *what; } more[] = {
        { "hypervisor-uri", "MIGRATE-URI (argument and --migrateuri)" },
        { "graphics-uri", "GRAPHICS-URI (argument and --graphicsuri)" },
        { "listen-address", "LISTEN-ADDRESS (argument and --listen-address)" },
        { "dest-name", "DNAME (argument and --dname)" },
      };
      guint first = direct ? 1 : 2;

      for (guint i = first; i < g_strv_length (args); i++)
        {
          if (cli_request_options_given (generated, more[i - first].property))
            {
              cli_error ("Try 'virt-migrate --help'.", "%s given twice", more[i - first].what);
              return EXIT_USAGE;
            }
          positional[i - first] = args[i];
        }
    }
  {
    /* (The request's own numbers are checked as they are parsed, and
     * their ranges by its validation.) */
    const struct { const char *name; gint64 value; } numbers[] = {
      { "--timeout", timeout }, { "--poll-interval", poll_interval },
    };

    for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
      if (numbers[i].value < 0)
        {
          cli_error (NULL, "%s cannot be negative (%" G_GINT64_FORMAT ")",
                   numbers[i].name, numbers[i].value);
          return EXIT_USAGE;
        }
  }
  if (poll_interval != 0 && (poll_interval < 10 || poll_interval > 60000))
    {
      cli_error (NULL, "--poll-interval must be between 10 and 60000 ms, not %d", poll_interval);
      return EXIT_USAGE;
    }
  if (use_bus && poll_interval > 0)
    {
      cli_error ("Try 'virt-migrate --help'.", "--poll-interval applies in this process only; the service has its own");
      return EXIT_USAGE;
    }
  /* virsh 9.0's own rules for --timeout (cmdMigrate). */
  if (timeout_suspend && timeout_postcopy)
    {
      cli_error ("Try 'virt-migrate --help'.", "--timeout-suspend and --timeout-postcopy exclude each other");
      return EXIT_USAGE;
    }
  if ((timeout_suspend || timeout_postcopy) && timeout == 0)
    {
      cli_error ("Try 'virt-migrate --help'.", "--timeout-suspend and --timeout-postcopy need --timeout");
      return EXIT_USAGE;
    }
  if (timeout_postcopy && !postcopy)
    {
      cli_error ("Try 'virt-migrate --help'.", "--timeout-postcopy needs --postcopy");
      return EXIT_USAGE;
    }
  if (timeout > 0 && !live)
    {
      cli_error ("Try 'virt-migrate --help'.", "--timeout applies to a live migration (--live)");
      return EXIT_USAGE;
    }
  if (timeout > 0 && no_policy)
    {
      cli_error ("Try 'virt-migrate --help'.", "--timeout is carried out by the convergence policy: drop --no-policy");
      return EXIT_USAGE;
    }
  if (copy_all && copy_inc)
    {
      cli_error ("Try 'virt-migrate --help'.", "--copy-storage-all and --copy-storage-inc exclude each other");
      return EXIT_USAGE;
    }
  if (source_uri == NULL)
    source_uri = g_strdup (g_getenv ("LIBVIRT_DEFAULT_URI") ? g_getenv ("LIBVIRT_DEFAULT_URI")
                                                            : "qemu:///system");
  if (!read_file_option ("--xml", xml_file, &dest_xml, &error) ||
      !read_file_option ("--persistent-xml", persistent_xml_file, &persistent_xml, &error))
    {
      cli_error ("Try 'virt-migrate --help'.", "%s", error->message);
      return EXIT_USAGE;
    }

  request = virt_migrate_request_new (domain, source_uri, dest_uri);
  cli_request_options_apply (generated, request);
  {
    const char *const properties[] = { "hypervisor-uri", "graphics-uri", "listen-address", "dest-name" };

    for (guint i = 0; i < G_N_ELEMENTS (properties); i++)
      if (positional[i] != NULL)
        g_object_set (request, properties[i], positional[i], NULL);
  }
  g_object_set (request,
                "flow", direct ? VIRT_MIGRATE_FLOW_UNMANAGED_DIRECT :
                        p2p ? VIRT_MIGRATE_FLOW_PEER_TO_PEER : VIRT_MIGRATE_FLOW_MANAGED_DIRECT,
                "transport", tunnelled ? VIRT_MIGRATE_TRANSPORT_TUNNELLED : VIRT_MIGRATE_TRANSPORT_NATIVE,
                "storage", copy_all ? VIRT_MIGRATE_STORAGE_COPY_ALL :
                           copy_inc ? VIRT_MIGRATE_STORAGE_COPY_INCREMENTAL : VIRT_MIGRATE_STORAGE_SHARED,
                "dest-xml", dest_xml, "persistent-xml", persistent_xml,
                "convergence-policy", !no_policy, NULL);
  /* virsh's --timeout: the policy's completion timeout, then a pause
   * (--timeout-suspend, the default) or post-copy. */
  if (timeout > 0)
    g_object_set (request, "completion-timeout", (guint) timeout,
                  "completion-action", timeout_postcopy ? VIRT_MIGRATE_POLICY_ACTION_POSTCOPY :
                                                          VIRT_MIGRATE_POLICY_ACTION_PAUSE, NULL);
  if (migrate_disks != NULL)
    {
      g_auto(GStrv) disks = g_strsplit (migrate_disks, ",", -1);
      g_object_set (request, "migrate-disks", disks, NULL);
    }
  if (comp_methods != NULL)
    {
      g_auto(GStrv) methods = g_strsplit (comp_methods, ",", -1);
      g_object_set (request, "compression-methods", methods, NULL);
    }

  if (drain)
    {
      CliDrainOptions options = {
        .max_parallel = max_parallel > 0 ? (guint) max_parallel : 0,
        .include = include, .exclude = exclude, .placement = placement,
        .dry_run = dry_run, .json = json, .quiet = quiet,
        .bus = system_bus ? CLI_DRAIN_SYSTEM_BUS : use_bus ? CLI_DRAIN_SESSION_BUS : CLI_DRAIN_IN_PROCESS,
      };

      return cli_drain (request, drain_destinations, &options);
    }

  /* The migration's validation, for a check too (to each destination):
   * a check never says yes to what the migration would refuse. */
  if (!virt_migrate_request_validate_for (request, (const char *const *) check_destinations, &error) ||
      !virt_migrate_request_validate (request, &error))
    {
      cli_error_in_words (error->message, 0);
      return EXIT_USAGE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  cli.loop = loop;
  cli.exit_code = EXIT_FAILURE;
  /* The same engine as virt-migrated: the settings' defaults, the
   * convergence policy, validation and the queue. */
  manager = virt_migrate_manager_new ();
  if (check)
    {
      cli.json = json;
      virt_migrate_manager_check_async (manager, request, (const char *const *) check_destinations, NULL,
                                        on_check_done, &cli);
      g_main_loop_run (loop);
      return cli_release (&manager, &job, cli.exit_code);
    }
  if (dry_run)
    {
      virt_migrate_manager_plan_async (manager, request, NULL, on_plan_done, &cli);
      g_main_loop_run (loop);
      return cli_release (&manager, &job, cli.exit_code);
    }

  cli.tty = isatty (STDERR_FILENO);
  cli.columns = cli.tty ? cli_terminal_width (STDERR_FILENO) : 0;
  cli.eta = (CliProgressEta) CLI_PROGRESS_ETA_INIT;
  cli.quiet = quiet;
  cli.verbose = verbose;
  g_unix_signal_add (SIGINT, cli_view_on_interrupt, &cli);
  g_unix_signal_add (SIGTERM, cli_view_on_interrupt, &cli);
  if (cli.tty)
    g_unix_signal_add (SIGWINCH, cli_view_on_winch, &cli);
  if (!quiet)
    fprintf (stderr, "Migrating '%s' from %s to %s%s\n", domain, source_uri,
             dest_uri != NULL ? dest_uri : virt_migrate_request_get_hypervisor_uri (request),
             use_bus ? (system_bus ? " through the system bus's virt-migrated" : " through virt-migrated") : "");
  {
    gboolean is_live = FALSE, is_offline = FALSE;

    g_object_get (request, "live", &is_live, "offline", &is_offline, NULL);
    /* libvirt pauses a running guest for the whole of a migration that is
     * not live: say so before it happens, and name that phase for what it is. */
    cli.paused_copy = !is_live && !is_offline;
    if (cli.paused_copy && !quiet)
      fprintf (stderr, "warning: without --live, a running guest is paused on the source for the whole "
                       "copy and runs again on the destination; add --live to keep it running\n");
  }
  if (use_bus)
    {
      cli_view_migrate_over_bus (&cli, request, system_bus);
      return cli.exit_code;
    }

  job = virt_migrate_manager_create_job (manager, request, &error);
  if (job == NULL)
    {
      cli_error_in_words (error->message, 0);
      return EXIT_USAGE;
    }
  if (poll_interval > 0)
    virt_migrate_job_set_poll_interval (job, (guint) poll_interval);
  cli_view_follow_job (&cli, job);
  virt_migrate_manager_run_job (manager, job, NULL);
  g_main_loop_run (loop);

  return cli_release (&manager, &job, cli.exit_code);
}
