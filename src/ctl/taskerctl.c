/* taskerctl.c: the taskerctl executable, its subcommands and their help
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The command line over io.github.tasker.Tasker1 (DESIGN.md §8): GIO only,
 * so that it starts fast and works wherever there is a session bus. Exit
 * statuses: 0, 1 for a failure (the message on stderr), 2 for a mistake in
 * the command line; `run`, `wait`, `report should-exit` and `report done`
 * have their own on top.
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "taskerctl-add.h"
#include "taskerctl-bus.h"
#include "taskerctl-private.h"
#include "taskerctl-report.h"

static const TaskerctlCommand main_commands[] = {
  { "add", taskerctl_add, N_("Queue a command; print its id (with --every, a schedule's)") },
  { "run", taskerctl_run, N_("Queue a command, show its output, exit with its exit status") },
  { "list", taskerctl_list, N_("List the tasks (--all: finished ones too)") },
  { "status", taskerctl_status, N_("Show one task") },
  { "log", taskerctl_log, N_("Show a task's output (-f: follow it)") },
  { "wait", taskerctl_wait_cmd, N_("Wait for tasks to end (exit 0 completed, 1 failed, 2 cancelled)") },
  { "cancel", taskerctl_cancel, N_("Cancel tasks") },
  { "retry", taskerctl_retry, N_("Run a finished command again; print the new id") },
  { "history", taskerctl_history, N_("List finished tasks from the history") },
  { "schedules", taskerctl_schedules, N_("List the schedules") },
  { "report", taskerctl_report, N_("Show a shell script's job as a task (`taskerctl report --help`)") },
};

static void
print_help (FILE *out)
{
  fprintf (out, "%s\n  taskerctl %s\n\n%s\n\n%s\n",
           _("Usage:"), _("COMMAND [OPTION…]"),
           _("Control the tasks of the running Tasker application (it is started when it is not running)."),
           _("Commands:"));
  taskerctl_print_commands (out, main_commands, G_N_ELEMENTS (main_commands));
  fprintf (out, "\n%s\n  -h, --help     %s\n  --version      %s\n\n%s\n",
           _("Options:"), _("Show this help"), _("Show the version"),
           _("Run `taskerctl COMMAND --help` for a command's options."));
}

/**
 * taskerctl_print_commands:
 *
 * Lists @commands, each with its summary, as a --help does.
 */
void
taskerctl_print_commands (FILE                   *out,
                          const TaskerctlCommand *commands,
                          guint                   n_commands)
{
  int width = 0;

  for (guint i = 0; i < n_commands; i++)
    width = MAX (width, (int) strlen (commands[i].name));
  for (guint i = 0; i < n_commands; i++)
    fprintf (out, "  %-*s %s\n", width + 1, commands[i].name, _(commands[i].summary));
}

/**
 * taskerctl_run_command:
 * @program: what comes before the command ("taskerctl", "taskerctl report")
 *
 * Runs the command of @commands that argv[1] names, with its name as
 * argv[0] (as GOption wants it).
 *
 * Returns: its exit status, or -1 when argv[1] names none.
 */
int
taskerctl_run_command (const char             *program,
                       const TaskerctlCommand *commands,
                       guint                   n_commands,
                       int                     argc,
                       char                  **argv)
{
  for (guint i = 0; i < n_commands; i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        g_autofree char *prgname = g_strconcat (program, " ", commands[i].name, NULL);

        /* --help's "Usage: taskerctl add [OPTION…]". */
        g_set_prgname (prgname);
        return commands[i].run (argc - 1, argv + 1);
      }
  return -1;
}

/**
 * taskerctl_option_context_new:
 * @command: the subcommand (its help shows it from the program's name)
 * @parameters: (nullable): what follows its options, as --help shows it
 * @summary: what it does, for --help
 */
GOptionContext *
taskerctl_option_context_new (const char *command,
                              const char *parameters,
                              const char *summary)
{
  GOptionContext *context = g_option_context_new (parameters);

  g_option_context_set_summary (context, summary);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  return context;
}

/**
 * taskerctl_parse_options:
 *
 * Parses a subcommand's options, argv[0] being the subcommand.
 *
 * Returns: -1 when they are good, else the exit status (the error printed).
 */
int
taskerctl_parse_options (GOptionContext   *context,
                         int              *argc,
                         char           ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    return taskerctl_usage ((*argv)[0], "%s", error->message);
  return -1;
}

/**
 * taskerctl_usage:
 * @command: (nullable): the subcommand, whose --help the message points to
 *
 * Prints a mistake in the command line.
 *
 * Returns: %TASKERCTL_EXIT_USAGE.
 */
int
taskerctl_usage (const char *command,
                 const char *format,
                 ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  if (command != NULL)
    {
      /* Translators: a mistake in the command line, then the subcommand
       * (add, list, …) whose help tells how to write it. */
      g_autofree char *hint = g_strdup_printf (_("%s (see `taskerctl %s --help`)"), text, command);

      fprintf (stderr, "taskerctl: %s\n", hint);
    }
  else
    fprintf (stderr, "taskerctl: %s\n", text);

  return TASKERCTL_EXIT_USAGE;
}

/**
 * taskerctl_parse_id:
 * @what: where @text comes from, for the message ("--after", "task id")
 *
 * Returns: FALSE with @error naming @text when it is not a task id.
 */
gboolean
taskerctl_parse_id (const char  *what,
                    const char  *text,
                    guint64     *out_id,
                    GError     **error)
{
  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT64, out_id, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s “%s” is not a task id: give a number such as 42 (`taskerctl list` shows them)"),
                   what, text);
      return FALSE;
    }
  return TRUE;
}

/**
 * taskerctl_parse_uint:
 * @option: the option @text was given to, for the message
 *
 * Returns: FALSE with @error naming @text when it is not a whole number that
 *   fits 32 bits (the interface's u).
 */
gboolean
taskerctl_parse_uint (const char  *option,
                      const char  *text,
                      guint       *out,
                      GError     **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &value, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s “%s” is not a whole number from 0 to %u"), option, text, G_MAXUINT32);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/**
 * taskerctl_connect:
 *
 * Returns: (transfer full) (nullable): the proxy, or NULL when the session
 *   bus cannot be reached (said on stderr).
 */
TaskerDBusTasker1 *
taskerctl_connect (void)
{
  g_autoptr(GError) error = NULL;
  TaskerDBusTasker1 *proxy = taskerctl_bus_connect (&error);

  if (proxy == NULL)
    taskerctl_fail (error, 0);
  return proxy;
}

int
main (int   argc,
      char *argv[])
{
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, TASKER_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("taskerctl");

  if (argc < 2)
    {
      print_help (stderr);
      return TASKERCTL_EXIT_USAGE;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      print_help (stdout);
      return 0;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      printf ("taskerctl %s\n", PACKAGE_VERSION);
      return 0;
    }

  if ((status = taskerctl_run_command ("taskerctl", main_commands, G_N_ELEMENTS (main_commands), argc, argv)) >= 0)
    return status;

  return taskerctl_usage (NULL, _("“%s” is not a command; `taskerctl --help` lists them"), argv[1]);
}
