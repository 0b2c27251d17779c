/* test-app-command-env.c: commands run as the user meant (DESIGN.md §6):
 * the caller's environment, PATH and directory go with `tasker --`,
 * `--shell` and New Task's "Run in Shell" go through `sh -c`, the record
 * keeps what a command ran with so a re-run is faithful, and the history
 * that holds it is private to the user.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ui-test.h"

#define ONLY_HERE "tasker-test-only-on-callers-path"

static GSubprocessLauncher *
new_launcher (const char *data_dir,
              const char *cwd)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                             G_SUBPROCESS_FLAGS_STDERR_PIPE);

  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_dir, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "MYVAR");
  g_subprocess_launcher_set_cwd (launcher, cwd);
  /* A failed assertion aborts this process: no `tasker` may outlive it. */
  g_subprocess_launcher_set_child_setup (launcher, ui_test_die_with_parent, NULL, NULL);

  return launcher;
}

/* Runs a forwarding `tasker` to its end; it must succeed. */
static void
run_tasker (GSubprocessLauncher *launcher,
            const char * const  *argv,
            const char          *expected_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) remote = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (remote, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("tasker said “%s”, “%s”", out, err);
  g_assert_true (g_subprocess_get_if_exited (remote));
  g_assert_cmpint (g_subprocess_get_exit_status (remote), ==, 0);
  g_assert_cmpstr (out, ==, expected_out);
}

typedef struct
{
  const char *path;
  int         n;
} FinishedWait;

/* Whether the running instance's history (read with SQLite beside it: it
 * is in WAL mode) holds @n finished tasks. */
static gboolean
has_n_finished (gpointer data)
{
  FinishedWait *w = data;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int n = -1;

  if (sqlite3_open_v2 (w->path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2 (db, "SELECT count(*) FROM tasks WHERE status >= 2", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return n >= w->n;
}

/* Every record of @manager's history, by their "command" description. */
static GHashTable *
records_by_command (TaskerManager *manager)
{
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  g_autoptr(GListModel) records = ui_test_query_history (manager, query);
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (records); i++)
    {
      TaskerHistoryRecord *record = g_list_model_get_item (records, i);
      const char *command = tasker_history_record_get_description (record, "command");

      g_test_message ("record: %s", command);
      g_assert_nonnull (command);
      g_hash_table_replace (table, (gpointer) command, record);
    }

  return table;
}

/* The texts of a log's lines, after their "HH:MM:SS.mmm [trace id] " stamps. */
static char *
log_text (char **lines)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      const char *line = strstr (lines[i], "] ");

      g_string_append (text, line != NULL ? line + 2 : lines[i]);
      g_string_append_c (text, '\n');
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
record_log (GHashTable *records,
            const char *command)
{
  TaskerHistoryRecord *record = g_hash_table_lookup (records, command);
  g_auto(GStrv) lines = NULL;

  g_assert_nonnull (record);
  g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_COMPLETED);
  lines = tasker_history_record_dup_log (record);
  return log_text (lines);
}

static void
assert_mode (const char *path,
             guint       mode)
{
  GStatBuf st;

  g_assert_no_errno (g_stat (path, &st));
  g_test_message ("%s: %o", path, st.st_mode & 0777);
  g_assert_cmpuint (st.st_mode & 0777, ==, mode);
}

static void
write_file (const char *path,
            const char *text,
            int         mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_no_errno (g_chmod (path, mode));
}

static TaskerTask *
last_task (TaskerAppWindow *window)
{
  GListModel *tasks = tasker_app_window_get_tasks (window);
  guint n = g_list_model_get_n_items (tasks);
  TaskerTask *task = n > 0 ? g_list_model_get_item (tasks, n - 1) : NULL;

  if (task != NULL)
    g_object_unref (task);  /* the list keeps it */
  return task;
}

/* Waits for the window's @n-th task to complete; returns its log. */
static char *
wait_task_log (TaskerAppWindow *window,
               guint            n)
{
  g_auto(GStrv) lines = NULL;
  TaskerTask *task;

  ui_test_wait_for_n_tasks (window, n);
  task = last_task (window);
  g_assert_true (ui_test_wait (ui_test_is_final, task, 10000));
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_COMPLETED);
  lines = tasker_task_dup_log (task);
  return log_text (lines);
}

/* Re-runs @record as the history view's Re-run does; returns the new task's
 * log once it ended. */
static char *
rerun_from_history (TaskerAppWindow     *window,
                    TaskerHistoryRecord *record)
{
  guint n = g_list_model_get_n_items (tasker_app_window_get_tasks (window));

  g_assert_nonnull (record);
  g_signal_emit_by_name (tasker_app_window_get_history_view (window), "rerun", record);
  return wait_task_log (window, n + 1);
}

/* The real `tasker`: its own command line and forwarded ones run with their
 * caller's environment, PATH and directory; --shell runs a line through
 * `sh -c`; the history keeps each command's environment and shell flag, in
 * a database only its user can read; and a re-run from the history of a
 * forwarded command runs in the environment it was forwarded with. */
static void
test_forwarded (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("tasker-ui-XXXXXX", &error);
  g_autofree char *app_dir = g_build_filename (data_dir, "tasker", NULL);
  g_autofree char *history = g_build_filename (app_dir, "history.sqlite3", NULL);
  g_autofree char *work_dir = g_build_filename (data_dir, "work", NULL);
  g_autofree char *bin_dir = g_build_filename (data_dir, "bin", NULL);
  g_autofree char *home_dir = g_build_filename (data_dir, "home", NULL);
  g_autofree char *program = g_build_filename (bin_dir, ONLY_HERE, NULL);
  g_autofree char *path = g_strconcat (bin_dir, ":", g_getenv ("PATH"), NULL);
  g_autoptr(GSubprocessLauncher) first = NULL;
  g_autoptr(GSubprocessLauncher) caller = NULL;
  g_autoptr(GSubprocess) primary = NULL;
  g_autoptr(GHashTable) records = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *text = NULL;
  FinishedWait finished = { history, 5 };
  const char *first_argv[] = { TASKER_BIN, "--", "sh", "-c", "echo first=$MYVAR; pwd", NULL };
  const char *env_argv[] = { TASKER_BIN, "--", "sh", "-c", "echo MYVAR=$MYVAR", NULL };
  const char *pwd_argv[] = { TASKER_BIN, "--", "pwd", NULL };
  const char *path_argv[] = { TASKER_BIN, "--", ONLY_HERE, NULL };
  const char *shell_argv[] = { TASKER_BIN, "--shell", "--", "ls *.txt | wc -l && echo ~", "&&", "echo $MYVAR",
                               NULL };
  const char *shell_line = "ls *.txt | wc -l && echo ~ && echo $MYVAR";

  g_assert_no_error (error);
  g_assert_null (g_getenv ("MYVAR"));
  g_assert_no_errno (g_mkdir_with_parents (work_dir, 0700));
  g_assert_no_errno (g_mkdir_with_parents (bin_dir, 0700));
  g_assert_no_errno (g_mkdir_with_parents (home_dir, 0700));
  write_file (program, "#!/bin/sh\necho only here ran\n", 0700);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s/%c.txt", work_dir, 'a' + i);

      write_file (name, "", 0600);
    }
  /* What an older Tasker left: readable by others. */
  g_assert_no_errno (g_mkdir_with_parents (app_dir, 0755));
  g_assert_no_errno (g_chmod (app_dir, 0755));
  write_file (history, "", 0644);

  /* The first instance, with a command line of its own. */
  first = new_launcher (data_dir, data_dir);
  g_subprocess_launcher_setenv (first, "MYVAR", "first", TRUE);
  primary = g_subprocess_launcher_spawnv (first, first_argv, &error);
  g_assert_no_error (error);
  g_assert_true (ui_test_wait (ui_test_bus_name_has_owner, (gpointer) TASKER_APP_ID, 30000));

  /* Commands forwarded from a terminal of its own. */
  caller = new_launcher (data_dir, work_dir);
  g_subprocess_launcher_setenv (caller, "MYVAR", "hello", TRUE);
  g_subprocess_launcher_setenv (caller, "PATH", path, TRUE);
  g_subprocess_launcher_setenv (caller, "HOME", home_dir, TRUE);
  run_tasker (caller, env_argv, "Added task 2: sh -c 'echo MYVAR=$MYVAR'\n");
  run_tasker (caller, pwd_argv, "Added task 3: pwd\n");
  run_tasker (caller, path_argv, "Added task 4: " ONLY_HERE "\n");
  expected = g_strdup_printf ("Added task 5: %s\n", shell_line);
  run_tasker (caller, shell_argv, expected);

  g_assert_true (ui_test_wait (has_n_finished, &finished, 30000));
  g_subprocess_send_signal (primary, SIGTERM);
  g_subprocess_wait (primary, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (primary));
  g_assert_cmpint (g_subprocess_get_exit_status (primary), ==, 0);

  /* Only the user reads what the history holds. */
  assert_mode (app_dir, 0700);
  assert_mode (history, 0600);
  {
    const char *suffixes[] = { "-wal", "-shm" };

    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *file = g_strconcat (history, suffixes[i], NULL);

        if (g_file_test (file, G_FILE_TEST_EXISTS))
          assert_mode (file, 0600);
      }
  }

  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
    TaskerHistoryRecord *record;

    tasker_manager_set_history_path (manager, history);
    records = records_by_command (manager);
    g_assert_cmpuint (g_hash_table_size (records), ==, 5);

    g_clear_pointer (&text, g_free);
    text = record_log (records, "sh -c 'echo first=$MYVAR; pwd'");
    g_clear_pointer (&expected, g_free);
    expected = g_strdup_printf ("first=first\n%s\n", data_dir);
    g_assert_cmpstr (text, ==, expected);

    g_clear_pointer (&text, g_free);
    text = record_log (records, "sh -c 'echo MYVAR=$MYVAR'");
    g_assert_cmpstr (text, ==, "MYVAR=hello\n");
    record = g_hash_table_lookup (records, "sh -c 'echo MYVAR=$MYVAR'");
    g_assert_nonnull (strstr (tasker_history_record_get_description (record, ".environ"), "'MYVAR=hello'"));
    g_assert_cmpstr (tasker_history_record_get_description (record, "cwd"), ==, work_dir);
    g_assert_null (tasker_history_record_get_description (record, "shell"));

    g_clear_pointer (&text, g_free);
    text = record_log (records, "pwd");
    g_clear_pointer (&expected, g_free);
    expected = g_strdup_printf ("%s\n", work_dir);
    g_assert_cmpstr (text, ==, expected);

    g_clear_pointer (&text, g_free);
    text = record_log (records, ONLY_HERE);
    g_assert_cmpstr (text, ==, "only here ran\n");

    /* The pipe, the glob, &&, ~ (the caller's home) and the variable. */
    g_clear_pointer (&text, g_free);
    text = record_log (records, shell_line);
    g_clear_pointer (&expected, g_free);
    expected = g_strdup_printf ("2\n%s\nhello\n", home_dir);
    g_assert_cmpstr (text, ==, expected);
    record = g_hash_table_lookup (records, shell_line);
    g_assert_cmpstr (tasker_history_record_get_name (record), ==, shell_line);
    g_assert_cmpstr (tasker_history_record_get_description (record, "shell"), ==, "true");

    g_clear_pointer (&records, g_hash_table_unref);
    tasker_manager_shutdown (manager, 1000);
  }

  /* Re-run from the history, in a Tasker whose own environment has no
   * MYVAR: the command runs with the environment it was forwarded with. */
  {
    TaskerAppApplication *app = ui_test_app_new (app_dir);
    TaskerAppWindow *window = ui_test_app_window (app);

    records = records_by_command (tasker_app_application_get_manager (app));
    g_clear_pointer (&text, g_free);
    text = rerun_from_history (window, g_hash_table_lookup (records, "sh -c 'echo MYVAR=$MYVAR'"));
    g_assert_cmpstr (text, ==, "MYVAR=hello\n");
    g_assert_cmpstr (tasker_task_get_description (last_task (window), "cwd"), ==, work_dir);

    /* And the shell command, through `sh -c` again. */
    g_clear_pointer (&text, g_free);
    text = rerun_from_history (window, g_hash_table_lookup (records, shell_line));
    g_clear_pointer (&expected, g_free);
    expected = g_strdup_printf ("2\n%s\nhello\n", home_dir);
    g_assert_cmpstr (text, ==, expected);

    g_clear_pointer (&records, g_hash_table_unref);
    ui_test_app_free (app);
  }

  ui_test_remove_dir (data_dir);
}

static gboolean
task_logged (gpointer data)
{
  g_auto(GStrv) lines = tasker_task_dup_log (data);

  return lines != NULL && lines[0] != NULL;
}

/* The window's only unfinished task. */
static TaskerTask *
unfinished_task (TaskerAppWindow *window)
{
  GListModel *tasks = tasker_app_window_get_tasks (window);
  TaskerTask *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (tasks, i);

      if (!tasker_task_is_final (task))
        {
          g_assert_null (found);
          found = task;  /* the list keeps it */
        }
    }
  return found;
}

static TaskerTask *
run_with_myvar (TaskerAppApplication *app,
                TaskerAppCommand     *command,
                const char           *myvar)
{
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "MYVAR", myvar, TRUE);
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  tasker_app_command_set_environ (command, (const char * const *) envp);
  tasker_app_command_set_queue (command, "one");
  task = tasker_app_application_run_command (app, command, &error);
  g_assert_no_error (error);
  return task;
}

/* What a quit leaves is restored with the environment it was given: the
 * waiting command is queued again and runs in it, the running one is
 * offered as interrupted and re-runs in it, through the shell as before. */
static void
test_restart (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("tasker-ui-XXXXXX", &error);
  g_autofree char *mark = g_build_filename (data_dir, "started", NULL);
  g_autofree char *running_line = g_strdup_printf ("echo \"A=$MYVAR\" && touch %s && exec sleep 30", mark);
  TaskerAppApplication *app;
  TaskerAppWindow *window;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_null (g_getenv ("MYVAR"));

  app = ui_test_app_new (data_dir);
  tasker_manager_configure_queue (tasker_app_application_get_manager (app), "one", 1, 0);
  {
    g_autoptr(TaskerAppCommand) running = tasker_app_command_new_shell (running_line, NULL);
    g_autoptr(TaskerAppCommand) waiting = tasker_app_command_new_from_line ("sh -c 'echo \"B=$MYVAR\"'", NULL);
    g_autoptr(TaskerTask) t1 = run_with_myvar (app, running, "running");
    g_autoptr(TaskerTask) t2 = run_with_myvar (app, waiting, "waiting");

    g_assert_true (ui_test_wait (ui_test_file_exists, mark, 10000));
    g_assert_cmpint (tasker_task_get_status (t2), ==, TASKER_TASK_STATUS_PENDING);
  }
  ui_test_app_free (app);

  app = ui_test_app_new (data_dir);
  window = ui_test_app_window (app);
  tasker_manager_configure_queue (tasker_app_application_get_manager (app), "one", 1, 0);
  g_assert_true (ui_test_wait (ui_test_pending_is_restored, tasker_app_application_get_pending (app), 5000));

  /* The waiting one ran again, in its environment. */
  text = wait_task_log (window, 1);
  g_assert_cmpstr (text, ==, "B=waiting\n");

  {
    GListModel *interrupted = tasker_app_pending_get_interrupted (tasker_app_application_get_pending (app));
    g_autoptr(TaskerAppCommand) command = g_list_model_get_item (interrupted, 0);
    g_auto(GStrv) lines = NULL;
    TaskerTask *again;

    g_assert_nonnull (command);
    g_assert_true (tasker_app_command_get_shell (command));
    g_assert_cmpstr (tasker_app_command_get_command_line (command), ==, running_line);
    g_assert_cmpstr (g_environ_getenv ((char **) tasker_app_command_get_environ (command), "MYVAR"), ==,
                     "running");
    g_assert_no_errno (g_remove (mark));
    g_assert_true (tasker_app_window_rerun (window, command));
    /* The window lists it once the manager says so. */
    ui_test_wait_for_n_tasks (window, 2);
    again = unfinished_task (window);
    g_assert_nonnull (again);
    g_assert_cmpstr (tasker_task_get_name (again), ==, running_line);
    g_assert_true (ui_test_wait (task_logged, again, 10000));
    lines = tasker_task_dup_log (again);
    g_clear_pointer (&text, g_free);
    text = log_text (lines);
    g_assert_cmpstr (text, ==, "A=running\n");
    tasker_task_cancel (again);
  }

  ui_test_app_free (app);
  ui_test_remove_dir (data_dir);
}

typedef UiTestFixture Fixture;

/* New Task's "Run in Shell": the line as typed goes to `sh -c` (a pipe, a
 * glob, && and ~ work), it is the task's name, the task's row re-runs it
 * through the shell again, and the switch keeps its position for the next
 * New Task window. */
static void
test_new_task_shell (Fixture       *f,
                     gconstpointer  data)
{
  static const char line[] = "ls *.txt | wc -l && echo ~";
  GSettings *settings = tasker_app_application_get_settings (f->app);
  TaskerAppNewTaskDialog *dialog = tasker_app_window_open_new_task_dialog (f->window);
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autofree char *work_dir = g_build_filename (f->data_dir, "work", NULL);
  g_autofree char *expected = g_strdup_printf ("2\n%s\n", g_get_home_dir ());
  g_autofree char *text = NULL;
  TaskerTask *task;

  g_assert_nonnull (settings);
  g_assert_no_errno (g_mkdir_with_parents (work_dir, 0700));
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s/%c.txt", work_dir, 'a' + i);

      write_file (name, "", 0600);
    }

  tasker_app_new_task_dialog_set_command_line (dialog, line);
  tasker_app_new_task_dialog_set_cwd (dialog, work_dir);

  /* Off: the line is a program and its arguments. */
  g_assert_false (tasker_app_new_task_dialog_get_shell (dialog));
  command = tasker_app_new_task_dialog_dup_command (dialog, NULL);
  g_assert_cmpstr (tasker_app_command_get_argv (command)[0], ==, "ls");
  g_assert_false (tasker_app_command_get_shell (command));
  g_clear_object (&command);

  tasker_app_new_task_dialog_set_shell (dialog, TRUE);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_true (ui_test_wait ((UiTestCondition) gtk_widget_get_mapped, dialog, 5000));
  g_free (ui_test_screenshot (GTK_WIDGET (dialog), "tasker-new-task-shell"));
  command = tasker_app_new_task_dialog_dup_command (dialog, NULL);
  g_assert_cmpstrv (tasker_app_command_get_argv (command),
                    ((const char * const[]) { "/bin/sh", "-c", line, NULL }));
  g_assert_cmpstr (tasker_app_command_get_command_line (command), ==, line);
  g_assert_null (tasker_app_command_get_environ (command));
  g_assert_true (g_settings_get_boolean (settings, "run-in-shell"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.start", NULL));
  text = wait_task_log (f->window, 1);
  g_assert_cmpstr (text, ==, expected);
  task = last_task (f->window);
  g_assert_cmpstr (tasker_task_get_name (task), ==, line);
  g_assert_cmpstr (tasker_task_get_description (task, "shell"), ==, "true");
  /* A New Task command runs in the application's environment. */
  g_assert_null (tasker_task_get_description (task, ".environ"));

  /* Its row's Re-run goes through the shell again. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "task.rerun", "t",
                                             tasker_task_get_id (task)));
  g_clear_pointer (&text, g_free);
  text = wait_task_log (f->window, 2);
  g_assert_cmpstr (text, ==, expected);

  /* The next New Task window starts where this one was left. */
  dialog = tasker_app_window_open_new_task_dialog (f->window);
  g_assert_true (tasker_app_new_task_dialog_get_shell (dialog));
  tasker_app_new_task_dialog_set_shell (dialog, FALSE);
  g_assert_false (g_settings_get_boolean (settings, "run-in-shell"));
  gtk_window_destroy (GTK_WINDOW (dialog));
  dialog = tasker_app_window_open_new_task_dialog (f->window);
  g_assert_false (tasker_app_new_task_dialog_get_shell (dialog));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/Tasker/UI/CommandEnv/forwarded", test_forwarded);
  g_test_add_func ("/Tasker/UI/CommandEnv/restart", test_restart);
  g_test_add ("/Tasker/UI/CommandEnv/new-task-shell", Fixture, NULL,
              ui_test_fixture_set_up, test_new_task_shell, ui_test_fixture_tear_down);

  return g_test_run ();
}
