/* test-parent-death.c — workers die with the process that started them
 *
 * The test runs its own executable again as a child ("--child <mode>"). The
 * child makes a manager with two workers busy in `hang` tasks (which ignore
 * cancellation), prints the workers' pids and then either is killed with
 * SIGKILL by the test (mode "kill") or leaves with _exit() without shutting
 * its manager down (mode "exit"). Either way the workers must be gone soon
 * after: re-parented, they are reaped by init or a subreaper, so a zombie
 * counts as gone. In mode "command" the child runs a command that leaves two
 * sleeps running and is killed: the sleeps must go too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "process-test.h"

#include <stdio.h>
#include <stdlib.h>

#define EP_HANG TEST_ENTRY_POINTS ":hang"

static const char *self_path;

/* ---- the child ---------------------------------------------------------- */

static G_NORETURN void
child_fail (const char *what)
{
  printf ("error %s\n", what);
  fflush (stdout);
  _exit (1);
}

/* Mode "command": a command that leaves two sleeps running, then killed
 * with SIGKILL. Its "worker" lines are the sleeps' pids. */
static int
child_command_main (void)
{
  const char *argv[] = { "/bin/sh", "-c",
                         "sleep 302 & echo \"pid $!\"; sleep 303 & echo \"pid $!\"; wait", NULL };
  GMainContext *context = g_main_context_default ();
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) pids = NULL;
  TaskerManager *manager;
  TaskerTask *task;

  alarm (60);

  manager = tasker_manager_new (context);
  task = tasker_manager_run_command (manager, NULL, NULL, argv, NULL, NULL, &error);
  if (task == NULL)
    child_fail (error->message);

  for (;;)
    {
      g_clear_pointer (&pids, g_array_unref);
      pids = log_dup_pids (task);
      if (pids->len >= 2)
        break;
      if (tasker_task_is_final (task))
        child_fail ("the command ended");
      if (g_get_monotonic_time () > deadline)
        child_fail ("timed out waiting for the command's sleeps");
      test_iterate (context);
    }

  for (guint i = 0; i < pids->len; i++)
    printf ("worker %d\n", (int) g_array_index (pids, GPid, i));
  printf ("ready\n");
  fflush (stdout);

  for (;;)
    test_iterate (context);
}

static int
child_main (const char *mode)
{
  TaskerManager *manager;
  GMainContext *context = g_main_context_default ();
  TaskerTask *tasks[2];
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  char line[64];

  if (g_str_equal (mode, "command"))
    return child_command_main ();

  /* Never outlive a broken test. */
  alarm (60);

  manager = tasker_manager_new (context);
  tasker_manager_set_max_workers (manager, 2);
  tasker_manager_set_worker_max_tasks (manager, 0);

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_autoptr(GError) error = NULL;
      GPid pid;

      /* The second task is submitted once the first worker is busy, so it
       * needs a second worker. */
      tasks[i] = tasker_manager_run_process (manager, NULL, NULL, EP_HANG, NULL, &error);
      if (tasks[i] == NULL)
        child_fail (error->message);

      while ((pid = log_find_pid (tasks[i])) <= 0)
        {
          if (tasker_task_is_final (tasks[i]))
            child_fail (tasker_task_get_error (tasks[i]) != NULL
                        ? tasker_task_get_error (tasks[i])->message : "task ended");
          if (g_get_monotonic_time () > deadline)
            child_fail ("timed out waiting for a hang task to start");
          test_iterate (context);
        }

      printf ("worker %d\n", (int) pid);
      fflush (stdout);
    }

  printf ("ready\n");
  fflush (stdout);

  if (g_str_equal (mode, "exit"))
    {
      /* Leave without shutting the manager down, once told to. */
      if (fgets (line, sizeof line, stdin) == NULL)
        _exit (2);
      _exit (0);
    }

  /* Keep the manager running until killed. */
  for (;;)
    test_iterate (context);
}

/* ---- the test ----------------------------------------------------------- */

/* Gone, or a zombie waiting for its new parent to reap it. */
static gboolean
pid_gone_or_zombie (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *close_paren;

  if (proc_pid_gone (pid))
    return TRUE;
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  close_paren = strrchr (stat, ')');
  if (close_paren == NULL || close_paren[1] != ' ')
    return FALSE;

  return close_paren[2] == 'Z' || close_paren[2] == 'X';
}

static void
test_parent_death (gconstpointer data)
{
  const char *mode = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GArray) pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  gboolean ready = FALSE;
  gint64 deadline;
  guint n_left;

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE,
                            &error, self_path, "--child", mode, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));

  /* The child gives up on its own after 30 s: this read cannot block for
   * ever. */
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        break;
      g_test_message ("child: %s", line);
      if (g_str_has_prefix (line, "worker "))
        {
          GPid pid = atoi (line + 7);

          g_assert_cmpint (pid, >, 0);
          g_array_append_val (pids, pid);
        }
      else if (g_str_equal (line, "ready"))
        {
          ready = TRUE;
          break;
        }
      else
        g_error ("the child failed: %s", line);
    }
  g_assert_true (ready);
  g_assert_cmpuint (pids->len, ==, 2);
  g_assert_cmpint (g_array_index (pids, GPid, 0), !=, g_array_index (pids, GPid, 1));

  for (guint i = 0; i < pids->len; i++)
    g_assert_false (pid_gone_or_zombie (g_array_index (pids, GPid, i)));

  if (!g_str_equal (mode, "exit"))
    {
      g_subprocess_force_exit (child);
      g_assert_true (g_subprocess_wait (child, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_signaled (child));
      g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
    }
  else
    {
      GOutputStream *in = g_subprocess_get_stdin_pipe (child);

      g_assert_true (g_output_stream_write_all (in, "exit\n", 5, NULL, NULL, &error));
      g_assert_no_error (error);
      g_output_stream_close (in, NULL, NULL);
      g_assert_true (g_subprocess_wait (child, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (child));
      g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
    }

  /* Poll, with a deadline, until every worker is gone. */
  deadline = g_get_monotonic_time () + (gint64) test_slack_ms (5000) * 1000;
  do
    {
      n_left = 0;
      for (guint i = 0; i < pids->len; i++)
        if (!pid_gone_or_zombie (g_array_index (pids, GPid, i)))
          n_left++;
      if (n_left == 0 || g_get_monotonic_time () > deadline)
        break;
      g_usleep (10 * 1000);
    }
  while (TRUE);

  /* Do not leave strays behind, whatever the verdict. */
  for (guint i = 0; i < pids->len; i++)
    {
      GPid pid = g_array_index (pids, GPid, i);

      if (!pid_gone_or_zombie (pid))
        {
          g_test_message ("worker %d outlived its parent", (int) pid);
          kill (pid, SIGKILL);
        }
    }

  g_assert_cmpuint (n_left, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  if (argc == 3 && g_str_equal (argv[1], "--child"))
    return child_main (argv[2]);

  self_path = g_canonicalize_filename (argv[0], NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/Tasker/ParentDeath/kill", "kill", test_parent_death);
  g_test_add_data_func ("/Tasker/ParentDeath/exit", "exit", test_parent_death);
  /* A command's processes, beyond its own, die with the manager too. */
  g_test_add_data_func ("/Tasker/ParentDeath/command", "command", test_parent_death);

  return g_test_run ();
}
