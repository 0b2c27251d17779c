/* taskerctl-report.c: `taskerctl report …`, a script's own job as a task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The client side of DESIGN.md §9 for shell scripts: `report create` makes
 * an external task (CreateTask) whose owner is the shell that ran taskerctl
 * (its parent process), so the task outlives this process and fails when
 * the script exits without `report done`; the other subcommands report to
 * the task's object (io.github.tasker.Tasker1.Task), which accepts them
 * because each taskerctl is a child of that shell. Every value is checked
 * before the bus is touched (exit status 2).
 */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "tasker-dbus-error.h"

#include "taskerctl-bus.h"
#include "taskerctl-follow.h"
#include "taskerctl-owner.h"
#include "taskerctl-private.h"
#include "taskerctl-report-values.h"
#include "taskerctl-report.h"
#include "taskerctl-task.h"

/* `report log` from standard input: at most one call per interval while
 * lines keep coming (the application repaints no more often than that),
 * and the first line after a quiet spell at once. */
#define LOG_INTERVAL_US (100 * G_TIME_SPAN_MILLISECOND)

/* The status of @id as the interface names it (and its kind), or NULL. */
static char *
dup_task_status (TaskerDBusTasker1 *proxy,
                 guint64            id,
                 char             **out_kind)
{
  g_autoptr(GVariant) task = NULL;
  char *status = NULL;

  if (!tasker_dbus_tasker1_call_get_task_sync (proxy, id, &task, NULL, NULL))
    return NULL;
  g_variant_lookup (task, "status", "s", &status);
  if (out_kind != NULL)
    g_variant_lookup (task, "kind", "s", out_kind);
  return status;
}

static int
fail_ended (guint64     id,
            const char *status)
{
  g_autofree char *id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);

  /* Translators: a task's number, then its status (completed, failed or
   * cancelled, as the interface names it). */
  return taskerctl_message (_("task %s has already ended (%s)"), id_text, status != NULL ? status : "?");
}

/* A report to task @id failed: in words that say what to do. */
static int
fail_report (TaskerDBusTasker1 *proxy,
             const GError      *error,
             guint64            id)
{
  g_autofree char *id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);
  g_autofree char *status = NULL;
  g_autofree char *kind = NULL;

  if (g_error_matches (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_ACCESS_DENIED))
    /* Translators: %s is a task's number. */
    return taskerctl_message (_("task %s belongs to another program (only the program that created it, "
                                "and its children, may report to it)"),
                              id_text);
  if (g_error_matches (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_TASK_ENDED))
    {
      status = dup_task_status (proxy, id, NULL);
      return fail_ended (id, status);
    }
  if (g_error_matches (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_NO_SUCH_TASK) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE))
    {
      /* No object: a task of another kind, or none. */
      status = dup_task_status (proxy, id, &kind);
      if (kind != NULL && !g_str_equal (kind, "external"))
        /* Translators: a task's number, then its kind (command, thread, …). */
        return taskerctl_message (_("task %s is not a script's or program's own task (it is a %s task): "
                                    "only tasks made by `taskerctl report create` take reports"),
                                  id_text, kind);
      if (taskerctl_task_is_finished (status))
        return fail_ended (id, status);
      if (g_error_matches (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_NO_SUCH_TASK))
        return taskerctl_fail (error, id);
    }
  if (g_error_matches (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_LIMIT_EXCEEDED))
    {
      g_autoptr(GError) copy = g_error_copy (error);

      g_dbus_error_strip_remote_error (copy);
      /* Translators: the application's message (too many tasks). */
      return taskerctl_message (_("%s; end some of this program's tasks first (`taskerctl report done ID`)"),
                                copy->message);
    }
  return taskerctl_fail (error, id);
}

/* The words of @argv joined by spaces, as echo does; a usage error when
 * one is not UTF-8 text (D-Bus carries nothing else). */
static int
join_text (const char  *command,
           char       **argv,
           char       **out_text)
{
  for (guint i = 0; argv[i] != NULL; i++)
    if (!g_utf8_validate (argv[i], -1, NULL))
      {
        g_autofree char *shown = g_utf8_make_valid (argv[i], -1);

        return taskerctl_usage (command, _("“%s” is not UTF-8 text, which D-Bus cannot carry"), shown);
      }
  *out_text = g_strjoinv (" ", argv);
  return -1;
}

/* GOption leaves the "--" after which a text may start with "-" (as in
 * report log ID -- -x): the words after it are the arguments. */
static void
drop_separator (int   *argc,
                char **argv)
{
  for (int i = 1; i < *argc; i++)
    if (g_str_equal (argv[i], "--"))
      {
        memmove (argv + i, argv + i + 1, (*argc - i) * sizeof (char *));
        (*argc)--;
        return;
      }
}

/* A report to one task: what every subcommand but create works on. */
typedef struct
{
  const char            *command;  /* "report progress", …, for messages */
  guint64                id;
  TaskerDBusTasker1     *proxy;    /* (owned) (nullable) */
  TaskerDBusTasker1Task *task;     /* (owned) (nullable): the task's object */
} Report;

static void
report_clear (Report *self)
{
  g_clear_object (&self->task);
  g_clear_object (&self->proxy);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Report, report_clear)

/* Parses the options (@entries, nullable), then the task id and at most
 * @max_args arguments after it (-1: any). Returns -1 when they are good,
 * else the exit status. */
static int
report_parse (Report             *self,
              const char         *parameters,
              const char         *summary,
              const GOptionEntry *entries,
              int                 max_args,
              int                *argc,
              char             ***argv)
{
  g_autoptr(GOptionContext) context = taskerctl_option_context_new (self->command, parameters, summary);
  g_autoptr(GError) error = NULL;
  int status;

  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* What a mistake's message points to: `taskerctl report progress --help`. */
  (*argv)[0] = (char *) self->command;
  if ((status = taskerctl_parse_options (context, argc, argv)) >= 0)
    return status;
  drop_separator (argc, *argv);
  if (*argc < 2)
    return taskerctl_usage (self->command, _("give the id of a task (the number `taskerctl report create` printed)"));
  if (!taskerctl_parse_id (_("task id"), (*argv)[1], &self->id, &error))
    return taskerctl_usage (self->command, "%s", error->message);
  if (max_args >= 0 && *argc - 2 > max_args)
    return taskerctl_usage (self->command, _("“%s”: too many arguments"), (*argv)[2 + max_args]);
  return -1;
}

/* Reaches the application and makes the task's proxy. Returns -1 when all
 * went well, else the exit status. */
static int
report_connect (Report *self)
{
  g_autoptr(GError) error = NULL;

  if ((self->proxy = taskerctl_connect ()) == NULL)
    return 1;
  if ((self->task = taskerctl_bus_task_proxy (self->proxy, self->id, &error)) == NULL)
    return taskerctl_fail (error, self->id);
  return -1;
}

static int
report_fail (Report       *self,
             const GError *error)
{
  return fail_report (self->proxy, error, self->id);
}

static int
report_create (int    argc,
               char **argv)
{
  g_autofree char *pid_text = NULL;
  g_autofree char *total_text = NULL;
  g_autofree char *message = NULL;
  g_autofree char *key = NULL;
  const GOptionEntry entries[] = {
    { "pid", 0, 0, G_OPTION_ARG_STRING, &pid_text,
      N_("The task belongs to process PID (default: taskerctl's parent, the shell that ran it)"), N_("PID") },
    { "total", 0, 0, G_OPTION_ARG_STRING, &total_text,
      N_("Its total: then `report progress ID 7` means 7 of N"), N_("N") },
    { "message", 0, 0, G_OPTION_ARG_STRING, &message, N_("Its first message"), N_("TEXT") },
    { "key", 0, 0, G_OPTION_ARG_STRING, &key, N_("A key: a live task with the same key is cancelled first"), N_("KEY") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(TaskerDBusTasker1) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  guint pid = 0;
  double total = 0;
  guint64 id;
  int status;

  context = taskerctl_option_context_new ("report create", _("NAME"),
                                          _("Show a job of this shell or script as a task in Tasker, and print "
                                            "the task's id. The task belongs to the process that ran taskerctl "
                                            "(or to --pid): only it and its children may report to the task, "
                                            "and the task fails when it exits before `taskerctl report done`."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  argv[0] = (char *) "report create";
  if ((status = taskerctl_parse_options (context, &argc, &argv)) >= 0)
    return status;
  drop_separator (&argc, argv);
  if (argc < 2)
    return taskerctl_usage ("report create", _("give the task's name, as in taskerctl report create 'Backup'"));
  if (argc > 2)
    return taskerctl_usage ("report create", _("“%s”: give the name as one argument (quote it)"), argv[2]);
  if (argv[1][0] == '\0')
    return taskerctl_usage ("report create", _("the task's name is empty"));
  if (!g_utf8_validate (argv[1], -1, NULL))
    {
      g_autofree char *shown = g_utf8_make_valid (argv[1], -1);

      return taskerctl_usage ("report create", _("“%s” is not UTF-8 text, which D-Bus cannot carry"), shown);
    }
  if (pid_text != NULL && (!taskerctl_parse_uint ("--pid", pid_text, &pid, &error) || pid == 0))
    return taskerctl_usage ("report create", _("--pid “%s” is not a process id"), pid_text);
  if (total_text != NULL && !taskerctl_parse_total ("--total", total_text, &total, &error))
    return taskerctl_usage ("report create", "%s", error->message);

  /* The caller's shell: taskerctl itself exits at once. */
  g_variant_dict_insert (&options, "pid", "u", pid != 0 ? pid : (guint) taskerctl_owner_pid (getppid ()));
  if (total_text != NULL)
    g_variant_dict_insert (&options, "total", "d", total);
  if (message != NULL)
    g_variant_dict_insert (&options, "message", "s", message);
  if (key != NULL)
    g_variant_dict_insert (&options, "key", "s", key);

  if ((proxy = taskerctl_connect ()) == NULL)
    return 1;
  if (!tasker_dbus_tasker1_call_create_task_sync (proxy, argv[1], g_variant_dict_end (&options),
                                                  &path, &id, NULL, &error))
    {
      if (g_error_matches (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_LIMIT_EXCEEDED))
        return fail_report (proxy, error, 0);
      return taskerctl_fail (error, 0);
    }
  printf ("%" G_GUINT64_FORMAT "\n", id);
  return 0;
}

static int
report_progress (int    argc,
                 char **argv)
{
  g_auto(Report) report = { "report progress" };
  g_autoptr(GError) error = NULL;
  TaskerctlProgress progress;
  int status;

  if ((status = report_parse (&report, _("ID VALUE"),
                              _("Set a task's progress. VALUE is a fraction from 0 to 1 (0.42); "
                                "a percentage (42%, which sets the task's total to 100); a count "
                                "of the task's total (7, after create --total 20); or a count "
                                "and a total (7/20, which sets the total)."),
                              NULL, 1, &argc, &argv)) >= 0)
    return status;
  if (argc < 3)
    return taskerctl_usage (report.command, _("give the progress after the id, as in 0.42, 42%% or 7/20"));
  if (!taskerctl_parse_progress (argv[2], &progress, &error))
    return taskerctl_usage (report.command, "%s", error->message);
  if ((status = report_connect (&report)) >= 0)
    return status;

  if ((progress.has_total && !tasker_dbus_tasker1_task_call_set_total_sync (report.task, progress.total, NULL, &error)) ||
      !tasker_dbus_tasker1_task_call_set_progress_sync (report.task, progress.value, NULL, &error))
    return report_fail (&report, error);
  return 0;
}

static int
report_message (int    argc,
                char **argv)
{
  g_auto(Report) report = { "report message" };
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  int status;

  if ((status = report_parse (&report, _("ID TEXT…"),
                              _("Set a task's message: the words of TEXT, joined by spaces "
                                "(\"\" clears it)."),
                              NULL, -1, &argc, &argv)) >= 0)
    return status;
  if (argc < 3)
    return taskerctl_usage (report.command, _("give the message after the id (\"\" clears it)"));
  if ((status = join_text (report.command, argv + 2, &text)) >= 0 ||
      (status = report_connect (&report)) >= 0)
    return status;

  if (!tasker_dbus_tasker1_task_call_set_message_sync (report.task, text, NULL, &error))
    return report_fail (&report, error);
  return 0;
}

/* Sends what is ready in @batch (everything when @at_end). */
static int
send_log_batches (Report            *report,
                  TaskerctlLogBatch *batch,
                  gboolean           at_end)
{
  char *text;

  while ((text = taskerctl_log_batch_take (batch, at_end)) != NULL)
    {
      g_autofree char *owned = text;
      g_autoptr(GError) error = NULL;

      if (!tasker_dbus_tasker1_task_call_log_sync (report->task, owned, NULL, &error))
        return report_fail (report, error);
    }
  return -1;
}

/* The lines of standard input, a batch at a time: whatever came within
 * an interval, or as soon as a batch is full. */
static int
log_stdin (Report *report)
{
  g_autoptr(TaskerctlLogBatch) batch = taskerctl_log_batch_new ();
  gint64 last_sent = 0;
  gboolean at_end = FALSE;
  char buffer[64 * 1024];
  int status;

  while (!at_end)
    {
      struct pollfd input = { .fd = STDIN_FILENO, .events = POLLIN };
      gint64 now = g_get_monotonic_time ();
      gboolean ready = taskerctl_log_batch_has_line (batch);
      gboolean full = taskerctl_log_batch_pending (batch) >= TASKERCTL_LOG_BATCH_MAX;
      int timeout = -1;

      if (full || (ready && now >= last_sent + LOG_INTERVAL_US))
        {
          if ((status = send_log_batches (report, batch, FALSE)) >= 0)
            return status;
          last_sent = g_get_monotonic_time ();
          continue;
        }
      if (ready)
        timeout = (last_sent + LOG_INTERVAL_US - now + 999) / 1000;

      if (poll (&input, 1, timeout) < 0)
        {
          if (errno == EINTR)
            continue;
          return taskerctl_message (_("cannot read standard input: %s"), g_strerror (errno));
        }
      if (input.revents != 0)
        {
          gssize n = read (STDIN_FILENO, buffer, sizeof buffer);

          if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          if (n < 0)
            return taskerctl_message (_("cannot read standard input: %s"), g_strerror (errno));
          if (n == 0)
            at_end = TRUE;
          else
            taskerctl_log_batch_add (batch, buffer, n);
        }
    }
  return MAX (send_log_batches (report, batch, TRUE), 0);
}

static int
report_log (int    argc,
            char **argv)
{
  g_auto(Report) report = { "report log" };
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gboolean from_stdin;
  int status;

  if ((status = report_parse (&report, _("ID [TEXT…]"),
                              _("Add a line to a task's log: the words of TEXT, joined by spaces. "
                                "Without TEXT, or with -, the lines of standard input until it "
                                "ends, a batch at a time: make 2>&1 | taskerctl report log ID"),
                              NULL, -1, &argc, &argv)) >= 0)
    return status;
  from_stdin = argc == 2 || (argc == 3 && g_str_equal (argv[2], "-"));
  if (!from_stdin && (status = join_text (report.command, argv + 2, &text)) >= 0)
    return status;
  if ((status = report_connect (&report)) >= 0)
    return status;

  if (from_stdin)
    return log_stdin (&report);
  if (!tasker_dbus_tasker1_task_call_log_sync (report.task, text, NULL, &error))
    return report_fail (&report, error);
  return 0;
}

static int
report_should_exit (int    argc,
                    char **argv)
{
  g_auto(Report) report = { "report should-exit" };
  g_autoptr(GError) error = NULL;
  gboolean should_exit = FALSE;
  int status;

  if ((status = report_parse (&report, _("ID"),
                              _("Ask whether a task should stop, as in: if taskerctl report "
                                "should-exit $id; then … exit; fi. Exit status: 0 when it should "
                                "(a cancel was requested, or it has already ended), 1 when it "
                                "should go on, 3 when Tasker could not be asked."),
                              NULL, 0, &argc, &argv)) >= 0)
    return status;
  if (report_connect (&report) >= 0)
    return TASKERCTL_EXIT_NOT_ASKED;

  if (!tasker_dbus_tasker1_task_call_should_exit_sync (report.task, &should_exit, NULL, &error))
    {
      /* Ended (a cancel whose grace passed, most often): stop. */
      if (g_error_matches (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_TASK_ENDED))
        return 0;
      report_fail (&report, error);
      return TASKERCTL_EXIT_NOT_ASKED;
    }
  return should_exit ? 0 : 1;
}

static int
report_done (int    argc,
             char **argv)
{
  g_autofree char *failed = NULL;
  const GOptionEntry entries[] = {
    { "failed", 0, 0, G_OPTION_ARG_STRING, &failed, N_("It failed: MESSAGE says why"), N_("MESSAGE") },
    G_OPTION_ENTRY_NULL
  };
  g_auto(Report) report = { "report done" };
  g_autoptr(GError) error = NULL;
  g_autofree char *id_text = NULL;
  g_autofree char *ended = NULL;
  int status;

  if ((status = report_parse (&report, _("ID"),
                              _("End a task: completed, or failed with --failed. When a cancel "
                                "was requested, it ends cancelled whatever is reported. Exit "
                                "status: 0 when it ended as reported, 2 when it ended cancelled, "
                                "1 for an error."),
                              entries, 0, &argc, &argv)) >= 0)
    return status;
  if (failed != NULL && failed[0] == '\0')
    return taskerctl_usage (report.command, _("--failed needs a message that says what went wrong"));
  if ((status = report_connect (&report)) >= 0)
    return status;

  if (failed != NULL ? !tasker_dbus_tasker1_task_call_fail_sync (report.task, failed, NULL, &error)
                     : !tasker_dbus_tasker1_task_call_complete_sync (report.task, NULL, &error))
    {
      if (!g_error_matches (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_TASK_ENDED))
        return report_fail (&report, error);
      /* Cancelled before: the script learns it as if now. */
      ended = dup_task_status (report.proxy, report.id, NULL);
      fail_ended (report.id, ended);
      return g_strcmp0 (ended, "cancelled") == 0 ? 2 : 1;
    }

  /* Its final status: what was reported, unless a cancel came first. */
  if ((status = taskerctl_wait_ended (report.proxy, report.id, &ended)) >= 0)
    return status;
  if (g_str_equal (ended, failed != NULL ? "failed" : "completed"))
    return 0;
  id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, report.id);
  if (g_str_equal (ended, "cancelled"))
    {
      /* Translators: %s is a task's number. */
      taskerctl_message (_("task %s was cancelled: a cancel was requested before it ended"), id_text);
      return 2;
    }
  /* Translators: a task's number, then its status (as the interface names it). */
  return taskerctl_message (_("task %s ended %s"), id_text, ended);
}

static const TaskerctlCommand report_commands[] = {
  { "create", report_create, N_("Make a task for a job of this shell; print its id") },
  { "progress", report_progress, N_("Set its progress: 0.42, 42%, 7 (of its total) or 7/20") },
  { "message", report_message, N_("Set its message") },
  { "log", report_log, N_("Add to its log a line, or the lines of standard input") },
  { "should-exit", report_should_exit, N_("Exit 0 when it should stop (it was cancelled), 1 when not") },
  { "done", report_done, N_("End it: completed, or failed with --failed MESSAGE") },
};

static void
print_report_help (FILE *out)
{
  fprintf (out, "%s\n  taskerctl report %s\n\n%s\n\n%s\n",
           _("Usage:"), _("COMMAND [OPTION…] ID …"),
           _("Show a job of a shell script as a task in Tasker, and stop it when it is cancelled there."),
           _("Commands:"));
  taskerctl_print_commands (out, report_commands, G_N_ELEMENTS (report_commands));
  fprintf (out, "\n%s\n\n%s\n",
           _("For example:\n"
             "  id=$(taskerctl report create 'Backup' --total 20)\n"
             "  for i in $(seq 20); do\n"
             "    taskerctl report should-exit $id && break\n"
             "    step $i; taskerctl report progress $id $i\n"
             "  done\n"
             "  taskerctl report done $id"),
           _("Run `taskerctl report COMMAND --help` for a command's options."));
}

/**
 * taskerctl_report:
 *
 * `taskerctl report COMMAND …`: argv[0] is "report".
 *
 * Returns: the exit status.
 */
int
taskerctl_report (int    argc,
                  char **argv)
{
  int status;

  if (argc < 2)
    return taskerctl_usage ("report", _("give what to report: create, progress, message, log, should-exit or done"));
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      print_report_help (stdout);
      return 0;
    }

  if ((status = taskerctl_run_command ("taskerctl report", report_commands, G_N_ELEMENTS (report_commands),
                                      argc, argv)) >= 0)
    return status;

  return taskerctl_usage ("report", _("“%s” is not a report command: give create, progress, message, log, "
                                      "should-exit or done"),
                          argv[1]);
}
