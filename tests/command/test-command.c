/* test-command.c — command tasks: programs whose output is the task's log
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "process-test.h"

#include <glib/gstdio.h>

#include "tasker-line-splitter-private.h"
#include <stdlib.h>

static TaskerTask *
run_command (TestFixture        *f,
             TaskerTaskOptions  *options,
             const char * const *argv,
             const char         *working_directory,
             const char * const *envp)
{
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  test_submit_begin ();
  task = tasker_manager_run_command (f->manager, NULL, options != NULL ? options : f->options,
                                     argv, working_directory, envp, &error);
  test_submit_end ();

  g_assert_no_error (error);
  g_assert_true (TASKER_IS_TASK (task));

  return task;
}

static TaskerTask *
run_script (TestFixture *f,
            const char  *script)
{
  const char *argv[] = { "/bin/sh", "-c", script, NULL };

  return run_command (f, NULL, argv, NULL, NULL);
}

static void
wait_done (TestFixture *f,
           TaskerTask  *task)
{
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  g_assert_true (tasker_task_is_final (task));
}

static void
dump_log (TaskerTask *task)
{
  g_auto(GStrv) lines = tasker_task_dup_log (task);

  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    g_test_message ("log: %s", lines[i]);
}

static void
assert_completed (TaskerTask *task)
{
  if (tasker_task_get_status (task) != TASKER_TASK_STATUS_COMPLETED)
    {
      dump_log (task);
      if (tasker_task_get_error (task) != NULL)
        g_test_message ("error: %s", tasker_task_get_error (task)->message);
    }
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_null (tasker_task_get_error (task));
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 1.0);
}

/* stdout and stderr lines land in the task's log. */
static void
test_log (TestFixture   *f,
          gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;

  task = run_script (f, "echo out1; echo err1 >&2; echo out2");
  g_assert_cmpint (tasker_task_get_kind (task), ==, TASKER_TASK_KIND_COMMAND);
  wait_done (f, task);

  assert_completed (task);
  dump_log (task);
  g_assert_true (log_has_suffix (task, "out1"));
  g_assert_true (log_has_suffix (task, "out2"));
  g_assert_true (log_has_suffix (task, "err1"));
  g_assert_cmpint (log_find_suffix (task, "out1"), <, log_find_suffix (task, "out2"));
  g_assert_cmpint (tasker_task_get_started_time (task), >, 0);
  g_assert_cmpint (tasker_task_get_finished_time (task), >=, tasker_task_get_started_time (task));
}

static void
touch_stage (const char *dir,
             int         stage)
{
  g_autofree char *name = g_strdup_printf ("%d", stage);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, "", 0, &error);
  g_assert_no_error (error);
}

static gboolean
progress_is (TaskerTask *task,
             double      value)
{
  return ABS (tasker_task_get_progress (task) - value) < 1e-9;
}

/* "TASKER-PROGRESS <value> [message]" lines and "NN%" anywhere in a line set
 * the progress while the command runs. The script waits at each stage until
 * the test saw its value. */
static void
test_progress (TestFixture   *f,
               gconstpointer  data)
{
  static const char *script =
    "d=\"$1\"\n"
    "wait_for () {\n"
    "  n=0\n"
    "  while [ ! -e \"$d/$1\" ]; do\n"
    "    n=$((n + 1)); [ $n -gt 3000 ] && exit 99\n"
    "    sleep 0.01\n"
    "  done\n"
    "}\n"
    "echo 'TASKER-PROGRESS 0.25 quarter way'\n"
    "wait_for 1\n"
    "echo 'TASKER-PROGRESS 42%'\n"
    "wait_for 2\n"
    "echo 'downloading: 45% done'\n"
    "wait_for 3\n"
    "echo 'first 10% then 12.5% of it' >&2\n"
    "wait_for 4\n"
    "echo 'TASKER-PROGRESS 0.5'\n"
    "wait_for 5\n"
    "echo 'TASKER-PROGRESS 60% now more than half'\n"
    "wait_for 6\n";
  g_autofree char *dir = g_dir_make_tmp ("tasker-test-XXXXXX", NULL);
  const char *argv[] = { "/bin/sh", "-c", script, "sh", dir, NULL };
  g_autoptr(TaskerTask) task = NULL;
  Seen seen;

  g_assert_nonnull (dir);
  task = run_command (f, NULL, argv, NULL, NULL);
  seen_init (&seen, task);

  TEST_WAIT_UNTIL (f->context,
                   (progress_is (task, 0.25) &&
                    g_strcmp0 (tasker_task_get_message (task), "quarter way") == 0) ||
                   tasker_task_is_final (task));
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);
  touch_stage (dir, 1);

  TEST_WAIT_UNTIL (f->context, progress_is (task, 0.42) || tasker_task_is_final (task));
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);
  touch_stage (dir, 2);

  TEST_WAIT_UNTIL (f->context, progress_is (task, 0.45) || tasker_task_is_final (task));
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);
  touch_stage (dir, 3);

  /* The last percentage of a line wins, on stderr too. */
  TEST_WAIT_UNTIL (f->context, progress_is (task, 0.125) || tasker_task_is_final (task));
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);
  touch_stage (dir, 4);

  /* No message given: the last one stays. */
  TEST_WAIT_UNTIL (f->context, progress_is (task, 0.5) || tasker_task_is_final (task));
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "quarter way");
  touch_stage (dir, 5);

  TEST_WAIT_UNTIL (f->context,
                   (progress_is (task, 0.6) &&
                    g_strcmp0 (tasker_task_get_message (task), "now more than half") == 0) ||
                   tasker_task_is_final (task));
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);
  touch_stage (dir, 6);

  wait_done (f, task);
  assert_completed (task);
  g_assert_true (log_has_suffix (task, "downloading: 45% done"));
  g_assert_true (seen_has_progress (&seen, 0.25));
  g_assert_true (seen_has_progress (&seen, 0.42));
  g_assert_true (seen_has_progress (&seen, 0.45));
  g_assert_true (seen_has_progress (&seen, 0.125));
  g_assert_true (seen_has_progress (&seen, 0.5));
  g_assert_true (seen_has_progress (&seen, 0.6));
  seen_clear (&seen, task);

  for (int i = 1; i <= 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("%d", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}

/* The log lines after their "HH:MM:SS.mmm [trace id] " stamps. */
static GStrv
log_texts (TaskerTask *task)
{
  g_auto(GStrv) lines = tasker_task_dup_log (task);
  GStrvBuilder *texts = g_strv_builder_new ();
  GStrv result;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *text = strstr (lines[i], "] ");

      g_strv_builder_add (texts, text != NULL ? text + 2 : lines[i]);
    }
  result = g_strv_builder_end (texts);
  g_strv_builder_unref (texts);

  return result;
}

/* A line ends at \n or \r\n: CRLF output keeps its text, with no empty lines. */
static void
test_crlf (TestFixture   *f,
           gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GStrv) texts = NULL;

  task = run_script (f, "printf 'one\r\ntwo\r\n\r\nfour 50%%\r\n'; printf 'err\r\n' >&2");
  wait_done (f, task);
  assert_completed (task);

  texts = log_texts (task);
  g_assert_cmpuint (g_strv_length (texts), ==, 5);
  g_assert_cmpstr (texts[0], ==, "one");
  g_assert_cmpstr (texts[1], ==, "two");
  g_assert_cmpstr (texts[2], ==, "");       /* the program's own blank line */
  g_assert_cmpstr (texts[3], ==, "four 50%");
  g_assert_cmpstr (texts[4], ==, "err");
}

/* A progress bar redrawn with a bare \r is read at each redraw, while the
 * command runs, and leaves one line in its last state; no empty line. */
static void
test_carriage_return_redraws (TestFixture   *f,
                              gconstpointer  data)
{
  static const char *script =
    "d=\"$1\"\n"
    "wait_for () {\n"
    "  n=0\n"
    "  while [ ! -e \"$d/$1\" ]; do\n"
    "    n=$((n + 1)); [ $n -gt 3000 ] && exit 99\n"
    "    sleep 0.01\n"
    "  done\n"
    "}\n"
    "echo before\n"
    "printf 'copying [#   ] 10%%\\r'\n"
    "wait_for 1\n"
    "printf 'copying [##  ] 20%%\\r'\n"
    "wait_for 2\n"
    "printf 'TASKER-PROGRESS 0.3 nearly\\r'\n"
    "wait_for 3\n"
    "printf 'copying [####] 40%%\\r\\r'\n"
    "wait_for 4\n"
    "printf '\\n'\n"
    "printf 'tail 70%%\\r'\n";
  g_autofree char *dir = g_dir_make_tmp ("tasker-test-XXXXXX", NULL);
  const char *argv[] = { "/bin/sh", "-c", script, "sh", dir, NULL };
  const double stages[] = { 0.1, 0.2, 0.3, 0.4 };
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GStrv) texts = NULL;

  g_assert_nonnull (dir);
  task = run_command (f, NULL, argv, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    {
      TEST_WAIT_UNTIL (f->context, progress_is (task, stages[i]) || tasker_task_is_final (task));
      test_assert_status (task, TASKER_TASK_STATUS_RUNNING);
      if (i == 2)
        g_assert_cmpstr (tasker_task_get_message (task), ==, "nearly");
      touch_stage (dir, i + 1);
    }

  wait_done (f, task);
  assert_completed (task);
  texts = log_texts (task);
  g_assert_cmpuint (g_strv_length (texts), ==, 3);
  g_assert_cmpstr (texts[0], ==, "before");
  g_assert_cmpstr (texts[1], ==, "copying [####] 40%");
  /* The last state of a line the command never ended. */
  g_assert_cmpstr (texts[2], ==, "tail 70%");

  for (int i = 1; i <= 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("%d", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}

/* Terminal escape sequences are not text: colours (ESC [ … m), erasures
 * (ESC [ K), window titles (OSC, ended by BEL or ESC \) and charset
 * switches are dropped from the log, and the progress parser reads the
 * text without them, even a percentage coloured and redrawn with \r. */
static void
test_escapes (TestFixture   *f,
              gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GStrv) texts = NULL;

  task = run_script (f,
                     "printf '\\033]0;my title\\007\\033[1;32mgreen\\033[0m plain\\n'\n"
                     "printf '\\033[31m10%%\\033[0m\\r\\033[K\\033[31m42%%\\033[0m\\r\\n'\n"
                     "printf '\\033(Bcharset \\033]2;t2\\033\\\\end\\033[?25l\\n'\n"
                     "printf 'TASKER-PROGRESS \\033[1m0.75\\033[0m \\033[33mhalf way\\033[m\\n' >&2\n"
                     "exit 3");
  wait_done (f, task);
  test_assert_status (task, TASKER_TASK_STATUS_FAILED);

  texts = log_texts (task);
  dump_log (task);
  g_assert_cmpuint (g_strv_length (texts), >=, 4);
  g_assert_cmpstr (texts[0], ==, "green plain");
  g_assert_cmpstr (texts[1], ==, "42%");
  g_assert_cmpstr (texts[2], ==, "charset end");
  g_assert_cmpstr (texts[3], ==, "TASKER-PROGRESS 0.75 half way");
  /* The last value the command drew, read without its colours. */
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 0.75);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "half way");
}

/* \r redraws keep their last state, also for a last line without its \n:
 * the log has each line's last redraw, the progress the last value. */
static void
test_carriage_return_last_state (TestFixture   *f,
                                 gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GStrv) texts = NULL;

  task = run_script (f, "printf '10%%\\r20%%\\r30%%\\n'; printf '40%%\\r55%%'; exit 3");
  wait_done (f, task);
  test_assert_status (task, TASKER_TASK_STATUS_FAILED);

  texts = log_texts (task);
  dump_log (task);
  g_assert_cmpuint (g_strv_length (texts), >=, 2);
  g_assert_cmpstr (texts[0], ==, "30%");
  g_assert_cmpstr (texts[1], ==, "55%");
  g_assert_cmpfloat (ABS (tasker_task_get_progress (task) - 0.55), <, 1e-9);
}

typedef struct
{
  GPtrArray *logged;  /* (element-type utf8) */
  GPtrArray *parsed;  /* (element-type utf8) */
} SplitLines;

static void
split_line_cb (const char *line,
               gsize       len,
               gsize       cut,
               gboolean    parse,
               gboolean    log,
               gpointer    user_data)
{
  SplitLines *lines = user_data;

  if (parse)
    g_ptr_array_add (lines->parsed, g_strndup (line, len));
  if (log)
    g_ptr_array_add (lines->logged, g_strndup (line, len));
}

/* The splitter drops escape sequences that reads cut anywhere: fed one byte
 * at a time, it hands out the same lines as fed at once. A sequence that a
 * line end interrupts ends there, and an escape never holds text back. */
static void
test_escapes_split (void)
{
  static const char output[] =
    "\033[1;3" "2mbold\033[0m\n"
    "\033]0;title\033\\after title\n"
    "\033]0;unterminated\n"
    "next\n"
    "\033[38;5;196m12%\033[0m\r\033[2K99%\n"
    "\033Mreverse \033=keypad\n"
    "\033[31\030cancelled\n"
    "tail\033[0";
  const char *logged[] = { "bold", "after title", "", "next", "99%", "reverse keypad",
                           "cancelled", "tail", NULL };
  const char *parsed[] = { "bold", "after title", "", "next", "12%", "99%", "reverse keypad",
                           "cancelled", "tail", NULL };

  for (guint chunk = 1; chunk <= sizeof output; chunk += sizeof output - 1)
    {
      TaskerLineSplitter splitter;
      SplitLines lines = { g_ptr_array_new_with_free_func (g_free),
                           g_ptr_array_new_with_free_func (g_free) };

      _tasker_line_splitter_init (&splitter);
      for (gsize i = 0; i < sizeof output - 1; i += chunk)
        _tasker_line_splitter_feed (&splitter, output + i, MIN (chunk, sizeof output - 1 - i),
                                    split_line_cb, &lines);
      _tasker_line_splitter_finish (&splitter, split_line_cb, &lines);
      _tasker_line_splitter_clear (&splitter);

      g_ptr_array_add (lines.logged, NULL);
      g_ptr_array_add (lines.parsed, NULL);
      g_assert_cmpstrv ((char **) lines.logged->pdata, logged);
      g_assert_cmpstrv ((char **) lines.parsed->pdata, parsed);
      g_ptr_array_unref (lines.logged);
      g_ptr_array_unref (lines.parsed);
    }
}

/* A line longer than 64 KiB is cut with a marker, as one line. */
static void
test_long_line (TestFixture   *f,
                gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GStrv) texts = NULL;

  task = run_script (f, "head -c 100000 /dev/zero | tr '\\0' x; echo; echo after");
  wait_done (f, task);
  assert_completed (task);

  texts = log_texts (task);
  g_assert_cmpuint (g_strv_length (texts), ==, 2);
  g_assert_cmpuint (strlen (texts[0]), ==, 65536 + strlen (" … [cut 34464 bytes]"));
  g_assert_true (g_str_has_suffix (texts[0], "xxx … [cut 34464 bytes]"));
  g_assert_cmpstr (texts[1], ==, "after");
}

/* However much a command prints, its task keeps at most its byte bound. */
static void
test_output_flood (TestFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GStrv) lines = NULL;
  gsize bytes = 0;

  /* 20 MB in lines of 60 KB. */
  task = run_script (f, "yes \"$(head -c 60000 /dev/zero | tr '\\0' x)\" | head -c 20000000; echo; echo last");
  wait_done (f, task);
  assert_completed (task);

  lines = tasker_task_dup_log (task);
  for (guint i = 0; lines[i] != NULL; i++)
    bytes += strlen (lines[i]);
  g_assert_cmpuint (bytes, <=, 1024 * 1024 + 100);
  g_assert_true (strstr (lines[0], " earlier lines dropped") != NULL);
  g_assert_true (log_has_suffix (task, "] last"));
}

/* A non-zero exit status fails the task. */
static void
test_exit_status (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;

  task = run_script (f, "echo before; exit 3");
  wait_done (f, task);
  assert_task_failed (task, TASKER_ERROR, TASKER_ERROR_FAILED, "command exited with status 3",
                      NULL, NULL);
  g_assert_true (log_has_suffix (task, "before"));
  g_assert_cmpint (tasker_task_get_exit_status (task), ==, 3);
}

/* tasker_task_get_exit_status(): -1 until the command has exited, then
 * its status; -1 for a task that is not a command. */
static void
thread_returns (TaskerContext *context,
                gpointer       user_data)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_INT);
  tasker_context_return_value (context, &value);
}

static void
test_exit_status_zero (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(TaskerTask) thread = NULL;
  g_autoptr(GError) error = NULL;

  task = run_script (f, "exit 0");
  wait_done (f, task);
  assert_completed (task);
  g_assert_cmpint (tasker_task_get_exit_status (task), ==, 0);

  thread = tasker_manager_run_thread (f->manager, NULL, f->options, thread_returns, NULL, NULL, &error);
  g_assert_no_error (error);
  wait_done (f, thread);
  test_assert_status (thread, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpint (tasker_task_get_exit_status (thread), ==, -1);
}

/* While it runs, none; cancelled, SIGTERM's: 128 + 15. */
static void
test_exit_status_cancel (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;

  task = run_script (f, "echo started; exec sleep 60");
  TEST_WAIT_UNTIL (f->context, log_has_suffix (task, "started"));
  g_assert_cmpint (tasker_task_get_exit_status (task), ==, -1);
  tasker_task_cancel (task);
  wait_done (f, task);
  test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_cmpint (tasker_task_get_exit_status (task), ==, 128 + SIGTERM);
}

/* A command killed by a signal fails the task. */
static void
test_signal (TestFixture   *f,
             gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autofree char *expected = g_strdup_printf ("command exited with signal 9 (%s)", strsignal (SIGKILL));

  task = run_script (f, "kill -9 $$");
  wait_done (f, task);
  g_assert_cmpstr (expected, ==, "command exited with signal 9 (Killed)");
  assert_task_failed (task, TASKER_ERROR, TASKER_ERROR_FAILED, expected, NULL, NULL);
  /* As a shell reports it: 128 + 9. */
  g_assert_cmpint (tasker_task_get_exit_status (task), ==, 137);
}

/* A program that cannot be started fails the task. */
static void
test_not_found (TestFixture   *f,
                gconstpointer  data)
{
  const char *by_path[] = { "/nonexistent/tasker-no-such-program", NULL };
  const char *by_name[] = { "tasker-no-such-program-xyz", "arg", NULL };
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;

  a = run_command (f, NULL, by_path, NULL, NULL);
  b = run_command (f, NULL, by_name, NULL, NULL);
  test_settle (f->manager);

  assert_task_failed (a, TASKER_ERROR, TASKER_ERROR_FAILED, NULL, "cannot run “", NULL);
  assert_task_failed (b, TASKER_ERROR, TASKER_ERROR_FAILED, NULL, "cannot run “", NULL);
  assert_str_contains (tasker_task_get_error (a)->message, "/nonexistent/tasker-no-such-program");
  assert_str_contains (tasker_task_get_error (b)->message, "tasker-no-such-program-xyz");
}

/* NULL or empty argv is not refused: the task fails. */
static void
test_bad_argv (TestFixture   *f,
               gconstpointer  data)
{
  const char *empty[] = { NULL };
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;

  a = run_command (f, NULL, NULL, NULL, NULL);
  b = run_command (f, NULL, empty, NULL, NULL);
  test_settle (f->manager);

  assert_task_failed (a, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT, NULL, NULL, NULL);
  assert_task_failed (b, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT, NULL, NULL, NULL);
  g_assert_cmpint (tasker_task_get_kind (a), ==, TASKER_TASK_KIND_COMMAND);
}

/* The working directory is honoured; argv[0] is looked up in PATH. */
static void
test_working_directory (TestFixture   *f,
                        gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("tasker-test-XXXXXX", NULL);
  g_autofree char *real = NULL;
  const char *argv[] = { "sh", "-c", "pwd -P", NULL };
  g_autoptr(TaskerTask) task = NULL;
  g_autofree char *suffix = NULL;

  g_assert_nonnull (dir);
  real = realpath (dir, NULL);
  g_assert_nonnull (real);
  suffix = g_strconcat (" ", real, NULL);

  task = run_command (f, NULL, argv, dir, NULL);
  wait_done (f, task);
  assert_completed (task);
  dump_log (task);
  g_assert_true (log_has_suffix (task, suffix));

  g_rmdir (dir);
}

/* envp NULL inherits the environment; an envp replaces it. */
static void
test_environment (TestFixture   *f,
                  gconstpointer  data)
{
  const char *argv[] = { "/bin/sh", "-c", "echo \"FOO=$FOO X=$TASKER_TEST_PARENT_ONLY.\"", NULL };
  const char *envp[] = { "FOO=bar", "PATH=/usr/bin:/bin", NULL };
  g_autoptr(TaskerTask) inherited = NULL;
  g_autoptr(TaskerTask) given = NULL;

  inherited = run_command (f, NULL, argv, NULL, NULL);
  given = run_command (f, NULL, argv, NULL, envp);
  test_settle (f->manager);

  assert_completed (inherited);
  assert_completed (given);
  dump_log (inherited);
  dump_log (given);
  g_assert_true (log_has_suffix (inherited, "FOO= X=parent."));
  g_assert_true (log_has_suffix (given, "FOO=bar X=."));
}

/* Cancelling a running command sends SIGTERM at once (cancel-grace is far
 * longer than the wait): CANCELLED, and the process is gone. */
static void
test_cancel (TestFixture   *f,
             gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  GPid pid;

  tasker_manager_set_cancel_grace (f->manager, 60 * 1000);
  task = run_script (f, "echo \"pid $$\"; exec sleep 30");
  pid = wait_for_logged_pid (f->context, task);
  /* The log is readable at once; the status follows on the manager's context. */
  TEST_WAIT_UNTIL (f->context, test_task_is_running (task));

  tasker_task_cancel (task);
  wait_done (f, task);
  assert_task_cancelled (task);
  test_wait_for (f->context, proc_pid_gone_cb, GINT_TO_POINTER (pid), test_timeout_ms ());
}

/* A command ignoring SIGTERM is killed after cancel-grace. */
static void
test_cancel_ignoring_term (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  gint64 cancelled_at, elapsed_ms;
  GPid pid;

  tasker_manager_set_cancel_grace (f->manager, 200);
  task = run_script (f, "trap '' TERM; echo \"pid $$\"; n=0; "
                        "while [ $n -lt 1000 ]; do n=$((n + 1)); sleep 0.05; done");
  pid = wait_for_logged_pid (f->context, task);

  cancelled_at = g_get_monotonic_time ();
  tasker_task_cancel (task);
  wait_done (f, task);
  elapsed_ms = (g_get_monotonic_time () - cancelled_at) / 1000;
  g_test_message ("cancelled after %" G_GINT64_FORMAT " ms", elapsed_ms);

  assert_task_cancelled (task);
  g_assert_cmpint (elapsed_ms, >=, 190);
  test_wait_for (f->context, proc_pid_gone_cb, GINT_TO_POINTER (pid), test_timeout_ms ());
}

/* The timeout option applies to commands. */
static void
test_timeout (TestFixture   *f,
              gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (&f->rec);
  const char *argv[] = { "/bin/sh", "-c", "echo \"pid $$\"; exec sleep 30", NULL };
  g_autoptr(TaskerTask) task = NULL;
  GPid pid;

  tasker_task_options_set_timeout_ms (options, 300);
  task = run_command (f, options, argv, NULL, NULL);
  pid = wait_for_logged_pid (f->context, task);
  wait_done (f, task);

  assert_task_failed (task, TASKER_ERROR, TASKER_ERROR_TIMED_OUT, "timed out after 300 ms",
                      NULL, NULL);
  test_wait_for (f->context, proc_pid_gone_cb, GINT_TO_POINTER (pid), test_timeout_ms ());
}

/* A cancel ends the command's whole tree, even a process that ignores
 * SIGTERM after its shell has gone (SIGKILL after cancel-grace), before the
 * task ends (DESIGN.md §4, Process trees). */
static void
test_cancel_tree (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  GPid pid;

  tasker_manager_set_cancel_grace (f->manager, 500);
  task = run_script (f, "(trap '' TERM; exec sleep 301) & echo \"pid $!\"; wait");
  pid = wait_for_logged_pid (f->context, task);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (task));

  tasker_task_cancel (task);
  wait_done (f, task);
  assert_task_cancelled (task);
  g_assert_true (proc_pid_gone (pid));
}

/* A command that completes takes what it left running with it. */
static void
test_completion_ends_tree (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GArray) pids = NULL;

  task = run_script (f, "sleep 304 & echo \"pid $!\"; exit 0");
  wait_done (f, task);
  assert_completed (task);
  pids = log_dup_pids (task);
  g_assert_cmpuint (pids->len, ==, 1);
  proc_note_pid (g_array_index (pids, GPid, 0));
  g_assert_true (proc_pid_gone (g_array_index (pids, GPid, 0)));
}

/* A timeout's retry starts only once the first attempt's tree is gone: the
 * second attempt checks that the survivor of the first is. */
static void
test_timeout_retry_alone (TestFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (&f->rec);
  g_autofree char *dir = g_dir_make_tmp ("tasker-test-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "first", NULL);
  g_autofree char *script = NULL;
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GArray) pids = NULL;

  g_assert_nonnull (dir);
  script = g_strdup_printf ("F='%s'; "
                            "if [ -e \"$F\" ]; then "
                            "  if kill -0 \"$(cat \"$F\")\" 2>/dev/null; then echo beside; exit 7; fi; "
                            "  echo alone; exit 0; "
                            "fi; "
                            "(trap '' TERM; exec sleep 305) & echo $! > \"$F\"; echo \"pid $!\"; wait",
                            file);
  tasker_manager_set_cancel_grace (f->manager, 500);
  tasker_task_options_set_timeout_ms (options, 300);
  tasker_task_options_set_retry (options, 2, 0, 1.0, 0, 0.0);

  {
    const char *argv[] = { "/bin/sh", "-c", script, NULL };

    task = run_command (f, options, argv, NULL, NULL);
  }
  wait_done (f, task);
  dump_log (task);
  pids = log_dup_pids (task);
  for (guint i = 0; i < pids->len; i++)
    proc_note_pid (g_array_index (pids, GPid, i));

  assert_completed (task);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 2);
  g_assert_true (log_has_suffix (task, "alone"));
  g_assert_false (log_has_suffix (task, "beside"));

  g_unlink (file);
  g_rmdir (dir);
}

/* A command runs in a session of its own (no controlling terminal, so one
 * that asks for a password on /dev/tty fails instead of stopping), with
 * stdin from /dev/null. */
static void
test_own_session (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(TaskerTask) tty = NULL;
  g_autofree char *fd0_path = NULL;
  g_autofree char *stdin_target = NULL;
  GPid pid;

  tasker_manager_set_cancel_grace (f->manager, 60 * 1000);
  task = run_script (f, "echo \"pid $$\"; exec sleep 30");
  pid = wait_for_logged_pid (f->context, task);

  g_assert_cmpint (proc_stat_field (pid, 6), >, 0);
  g_assert_cmpint (proc_stat_field (pid, 6), !=, getsid (0));
  g_assert_cmpint (proc_stat_field (pid, 5), !=, getpgrp ());
  /* tty_nr: no controlling terminal. */
  g_assert_cmpint (proc_stat_field (pid, 7), ==, 0);
  fd0_path = g_strdup_printf ("/proc/%d/fd/0", (int) pid);
  stdin_target = g_file_read_link (fd0_path, NULL);
  g_assert_cmpstr (stdin_target, ==, "/dev/null");

  tasker_task_cancel (task);
  wait_done (f, task);
  assert_task_cancelled (task);

  /* Opening /dev/tty fails at once. */
  tty = run_script (f, "if (exec 3</dev/tty) 2>/dev/null; then echo tty; exit 1; fi; echo no-tty");
  wait_done (f, tty);
  assert_completed (tty);
  g_assert_true (log_has_suffix (tty, "no-tty"));
}

int
main (int    argc,
      char **argv)
{
  /* Before any thread exists. */
  g_setenv ("TASKER_TEST_PARENT_ONLY", "parent", TRUE);

  g_test_init (&argc, &argv, NULL);

  PROC_ADD ("/Tasker/Command/log", test_log);
  PROC_ADD ("/Tasker/Command/progress", test_progress);
  PROC_ADD ("/Tasker/Command/crlf", test_crlf);
  PROC_ADD ("/Tasker/Command/carriage-return-redraws", test_carriage_return_redraws);
  PROC_ADD ("/Tasker/Command/escapes", test_escapes);
  PROC_ADD ("/Tasker/Command/carriage-return-last-state", test_carriage_return_last_state);
  g_test_add_func ("/Tasker/Command/escapes-split", test_escapes_split);
  PROC_ADD ("/Tasker/Command/long-line", test_long_line);
  PROC_ADD ("/Tasker/Command/output-flood", test_output_flood);
  PROC_ADD ("/Tasker/Command/exit-status", test_exit_status);
  PROC_ADD ("/Tasker/Command/exit-status-zero", test_exit_status_zero);
  PROC_ADD ("/Tasker/Command/exit-status-cancel", test_exit_status_cancel);
  PROC_ADD ("/Tasker/Command/signal", test_signal);
  PROC_ADD ("/Tasker/Command/not-found", test_not_found);
  PROC_ADD ("/Tasker/Command/bad-argv", test_bad_argv);
  PROC_ADD ("/Tasker/Command/working-directory", test_working_directory);
  PROC_ADD ("/Tasker/Command/environment", test_environment);
  PROC_ADD ("/Tasker/Command/cancel", test_cancel);
  PROC_ADD ("/Tasker/Command/cancel-ignoring-term", test_cancel_ignoring_term);
  PROC_ADD ("/Tasker/Command/timeout", test_timeout);
  PROC_ADD ("/Tasker/Command/cancel-tree", test_cancel_tree);
  PROC_ADD ("/Tasker/Command/completion-ends-tree", test_completion_ends_tree);
  PROC_ADD ("/Tasker/Command/timeout-retry-alone", test_timeout_retry_alone);
  PROC_ADD ("/Tasker/Command/own-session", test_own_session);

  return g_test_run ();
}
