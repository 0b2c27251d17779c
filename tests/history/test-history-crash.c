/* test-history-crash.c — committed records survive SIGKILL
 *
 * The test re-runs its own binary as a child (`--crash-child PATH`). The
 * child runs a manager with a history at PATH and, round after round, runs a
 * group of thread tasks whose task-finished signal adds them to the history.
 * Once every task of the group has had its done callback, the child calls
 * _tasker_history_flush(); when that returns TRUE it writes the ids of the
 * group to stdout, one "ID\n" line each, in a single write() per group.
 *
 * "Reported done" therefore means: a complete line "ID\n" that the parent
 * read from the child's stdout. The child writes it only after the task's
 * done callback ran, after _tasker_history_add() was called for it (from
 * task-finished, which comes first) and after a later flush said every
 * record queued before it was committed.
 *
 * Each round also runs more tasks whose records are never flushed, so the
 * writer is busy with them when the kill comes.
 *
 * The parent kills the child with SIGKILL as soon as it has read a random
 * number of ids — the child is still running tasks and writing batches at
 * that point, so the kill lands at a random place of its work — then reads
 * whatever else the child wrote before dying, opens the database with SQLite
 * (recovering the WAL as any later opener would) and asserts that every
 * reported id is there as a completed task with its message, and that the
 * database passes its integrity check. Records that were not reported may or
 * may not be there.
 *
 * The durable rounds do the same with durable tasks of a manager's own
 * history, then reopen the database as the next program would: a completed
 * task has one record and is never marked interrupted. The two-process test
 * checks that a second process is refused the database while the first
 * lives (DESIGN.md §4 Durability).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "history-test.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#define GROUP_SIZE 10
#define CHILD_MAX_SECONDS 60

/* The child */

typedef struct
{
  TaskerHistory *history;
  guint          n_done;   /* done callbacks of the current group */
} Child;

static void
child_task_func (TaskerContext *context,
                 gpointer       data)
{
  tasker_context_set_progress (context, 0.5);
  tasker_context_set_message (context, "crash test task");
  tasker_context_log (context, "working");
}

/* Traffic that is never flushed: the writer is busy when the kill comes. */
static void
background_task_func (TaskerContext *context,
                      gpointer       data)
{
  tasker_context_set_message (context, "background");
}

static void
child_task_finished_cb (TaskerManager *manager,
                        TaskerTask    *task,
                        gpointer       data)
{
  Child *child = data;

  _tasker_history_add (child->history, task);
}

static void
child_done_cb (TaskerTask *task,
               gpointer    data)
{
  Child *child = data;

  child->n_done++;
}

static void
write_all (int         fd,
           const char *text,
           gsize       length)
{
  while (length > 0)
    {
      gssize n = write (fd, text, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        exit (4);   /* the parent went away */
      text += n;
      length -= n;
    }
}

static int
child_main (const char *path)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaskerManager) manager = NULL;
  g_autoptr(TaskerTaskOptions) options = NULL;
  Child child = { 0 };
  gint64 end = g_get_monotonic_time () + CHILD_MAX_SECONDS * G_USEC_PER_SEC;

  g_main_context_push_thread_default (context);
  manager = tasker_manager_new (context);
  child.history = _tasker_history_new (path, 0, 0);
  g_signal_connect (manager, "task-finished", G_CALLBACK (child_task_finished_cb), &child);
  options = tasker_task_options_new ();
  tasker_task_options_set_done_func (options, child_done_cb, &child, NULL);

  /* Until the parent kills us; the deadline only guards a lost parent. */
  while (g_get_monotonic_time () < end)
    {
      g_autoptr(GString) ids = g_string_new (NULL);

      child.n_done = 0;
      for (guint i = 0; i < GROUP_SIZE; i++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(TaskerTask) task = NULL;

          task = tasker_manager_run_thread (manager, NULL, options, child_task_func,
                                            NULL, NULL, &error);
          if (task == NULL)
            g_error ("run_thread: %s", error->message);
          g_string_append_printf (ids, "%" G_GUINT64_FORMAT "\n", tasker_task_get_id (task));
        }
      for (guint i = 0; i < 4 * GROUP_SIZE; i++)
        {
          g_autoptr(TaskerTask) task = NULL;

          task = tasker_manager_run_thread (manager, NULL, NULL, background_task_func,
                                            NULL, NULL, NULL);
        }
      while (child.n_done < GROUP_SIZE)
        g_main_context_iteration (context, TRUE);

      if (!_tasker_history_flush (child.history, 30000))
        return 3;
      write_all (STDOUT_FILENO, ids->str, ids->len);
    }

  return 0;
}

/* --durable-crash-child PATH: the same rounds with durable tasks of a
 * manager whose history-path is PATH (each has a record from its
 * submission on, which its end updates). A group is reported once another
 * connection sees every one of its records completed. */

static gboolean
group_completed (const char *path,
                 GString    *ids)
{
  g_autofree char *sql = NULL;
  g_auto(GStrv) lines = g_strsplit (ids->str, "\n", -1);
  g_autoptr(GString) list = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint n_lines = 0;
  gboolean done = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0')
        continue;
      g_string_append_printf (list, "%s%s", list->len > 0 ? "," : "", lines[i]);
      n_lines++;
    }
  sql = g_strdup_printf ("SELECT count(*) FROM tasks WHERE status = 2 AND task_id IN (%s)", list->str);
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
      && sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    done = (guint) sqlite3_column_int (stmt, 0) == n_lines;
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return done;
}

static int
durable_child_main (const char *path)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaskerManager) manager = NULL;
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(TaskerTaskOptions) background = NULL;
  Child child = { 0 };
  gint64 end = g_get_monotonic_time () + CHILD_MAX_SECONDS * G_USEC_PER_SEC;

  g_main_context_push_thread_default (context);
  manager = tasker_manager_new (context);
  tasker_manager_set_history_path (manager, path);
  options = tasker_task_options_new ();
  tasker_task_options_set_durable (options, TRUE);
  tasker_task_options_set_done_func (options, child_done_cb, &child, NULL);
  background = tasker_task_options_new ();
  tasker_task_options_set_durable (background, TRUE);

  while (g_get_monotonic_time () < end)
    {
      g_autoptr(GString) ids = g_string_new (NULL);

      child.n_done = 0;
      for (guint i = 0; i < GROUP_SIZE; i++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(TaskerTask) task = NULL;

          task = tasker_manager_run_thread (manager, NULL, options, child_task_func,
                                            NULL, NULL, &error);
          if (task == NULL)
            g_error ("run_thread: %s", error->message);
          g_string_append_printf (ids, "%" G_GUINT64_FORMAT "\n", tasker_task_get_id (task));
        }
      for (guint i = 0; i < 4 * GROUP_SIZE; i++)
        {
          g_autoptr(TaskerTask) task = NULL;

          task = tasker_manager_run_thread (manager, NULL, background, background_task_func,
                                            NULL, NULL, NULL);
        }
      while (child.n_done < GROUP_SIZE)
        g_main_context_iteration (context, TRUE);

      while (!group_completed (path, ids))
        {
          if (g_get_monotonic_time () > end)
            return 3;
          g_main_context_iteration (context, FALSE);
          g_usleep (1000);
        }
      write_all (STDOUT_FILENO, ids->str, ids->len);
    }

  return 0;
}

/* --hold-child PATH: a manager with its history at PATH and one durable
 * task running, reported on stdout ("ready\n") once its record is on
 * disk; it lives until the parent kills it. */

static void
hold_task_func (TaskerContext *context,
                gpointer       data)
{
  while (!tasker_context_is_cancelled (context))
    g_usleep (1000);
}

static gboolean
running_record_on_disk (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
      && sqlite3_prepare_v2 (db, "SELECT count(*) FROM tasks WHERE status = 1 AND NOT interrupted",
                             -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    found = sqlite3_column_int (stmt, 0) == 1;
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return found;
}

static int
hold_child_main (const char *path)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaskerManager) manager = NULL;
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;
  gint64 end = g_get_monotonic_time () + CHILD_MAX_SECONDS * G_USEC_PER_SEC;

  /* Gone with the test, even one that failed before killing us. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  g_main_context_push_thread_default (context);
  manager = tasker_manager_new (context);
  tasker_manager_set_history_path (manager, path);
  tasker_task_options_set_durable (options, TRUE);
  task = tasker_manager_run_thread (manager, NULL, options, hold_task_func, NULL, NULL, NULL);
  while (!running_record_on_disk (path))
    {
      if (g_get_monotonic_time () > end)
        return 3;
      g_main_context_iteration (context, FALSE);
      g_usleep (1000);
    }
  write_all (STDOUT_FILENO, "ready\n", 6);

  /* Until the parent kills us; the deadline only guards a lost parent. */
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (context, TRUE);

  return 0;
}

/* The parent */

static char *
self_exe (void)
{
  char *exe = g_file_read_link ("/proc/self/exe", NULL);

  g_assert_nonnull (exe);

  return exe;
}

/* Appends complete lines' ids to @ids; keeps a partial line in @pending. */
static void
take_lines (GString *pending,
            GArray  *ids)
{
  char *nl;

  while ((nl = memchr (pending->str, '\n', pending->len)) != NULL)
    {
      guint64 id;

      *nl = '\0';
      id = g_ascii_strtoull (pending->str, NULL, 10);
      g_assert_cmpuint (id, >, 0);
      g_array_append_val (ids, id);
      g_string_erase (pending, 0, nl - pending->str + 1);
    }
}

/* Reads until @ids has @n_wanted ids (n_wanted 0: until EOF); fails at the
 * deadline. */
static void
read_ids (int      fd,
          GString *pending,
          GArray  *ids,
          guint    n_wanted)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) test_timeout_ms () * 3 * 1000;

  while (n_wanted == 0 || ids->len < n_wanted)
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      gint64 left = deadline - g_get_monotonic_time ();
      char buffer[4096];
      gssize n;
      int rc;

      if (left <= 0)
        g_error ("timed out reading the child's ids (%u of %u)", ids->len, n_wanted);
      rc = poll (&pfd, 1, (int) MIN (left / 1000 + 1, 1000));
      if (rc < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (rc, >=, 0);
      if (rc == 0)
        continue;
      n = read (fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >=, 0);
      if (n == 0)
        {
          g_assert_cmpuint (n_wanted, ==, 0);   /* the child died early */
          return;
        }
      g_string_append_len (pending, buffer, n);
      take_lines (pending, ids);
    }
}

static void
check_database (const char *path,
                GArray     *ids,
                gboolean    durable)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  sqlite3_stmt *check = NULL;
  guint n_rows = 0;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &check, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (check), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (check, 0), ==, "ok");
  sqlite3_finalize (check);

  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT status, message, log, interrupted FROM tasks WHERE task_id = ?1",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < ids->len; i++)
    {
      guint64 id = g_array_index (ids, guint64, i);
      int rc;

      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) id);
      rc = sqlite3_step (stmt);
      if (rc != SQLITE_ROW)
        g_error ("task %" G_GUINT64_FORMAT " was reported committed but is not in the database", id);
      g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, TASKER_TASK_STATUS_COMPLETED);
      g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 1), ==, "crash test task");
      g_assert_true (g_str_has_suffix ((const char *) sqlite3_column_text (stmt, 2), " working"));
      /* Completed: never interrupted, so never run again. */
      g_assert_cmpint (sqlite3_column_int (stmt, 3), ==, 0);
      /* Exactly once. */
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM tasks", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n_rows = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  /* One record per durable task; only the unfinished ones interrupted. */
  if (durable)
    {
      g_autofree char *bad = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db,
                                           "SELECT (SELECT count(*) FROM (SELECT task_id FROM tasks"
                                           "  GROUP BY task_id HAVING count(*) > 1))"
                                           " || ' ' || (SELECT count(*) FROM tasks WHERE interrupted AND status > 1)",
                                           -1, &stmt, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      bad = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      sqlite3_finalize (stmt);
      g_assert_cmpstr (bad, ==, "0 0");
    }
  sqlite3_close (db);

  g_test_message ("%u ids reported, %u records in the database", ids->len, n_rows);
  g_assert_cmpuint (n_rows, >=, ids->len);
}

static void
crash_round (const char *dir,
             guint       round,
             gboolean    durable)
{
  g_autofree char *exe = self_exe ();
  g_autofree char *path = g_strdup_printf ("%s/round-%u%s.sqlite3", dir, round, durable ? "-durable" : "");
  const char *argv[] = { exe, durable ? "--durable-crash-child" : "--crash-child", path, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GString) pending = g_string_new (NULL);
  GPid pid = 0;
  int out_fd = -1;
  int status = 0;
  guint kill_after = g_test_rand_int_range (1, 40) * (test_under_valgrind () ? 1 : 5);

  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                            NULL, NULL, &pid, NULL, &out_fd, NULL, &error);
  g_assert_no_error (error);

  read_ids (out_fd, pending, ids, kill_after);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  /* It was still running, not dead of something else. */
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

  /* What it wrote before it died counts too; a torn last line does not. */
  read_ids (out_fd, pending, ids, 0);
  close (out_fd);

  g_test_message ("round %u: killed after %u ids, %u reported in all (%zu bytes of a torn line)",
                  round, kill_after, ids->len, pending->len);
  if (durable)
    {
      /* The next program opens it: what was unfinished is interrupted,
       * nothing that completed. */
      TaskerHistory *history = _tasker_history_new (path, 0, 0);

      g_assert_true (_tasker_history_flush (history, test_timeout_ms ()));
      g_assert_false (_tasker_history_is_disabled (history));
      _tasker_history_free (history);
    }
  check_database (path, ids, durable);
}

static gboolean
wait_disabled (TaskerHistory *history)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) test_timeout_ms () * 1000;

  while (!_tasker_history_is_disabled (history))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (1000);
    }
  return TRUE;
}

static char *
sqlite_text (const char *path,
             const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return text;
}

/* One database, one live program (DESIGN.md §4 Durability): while another
 * process has the database open, a second history is refused with one
 * warning naming that process, and the first one's running durable task is
 * not marked interrupted; once that process is dead (SIGKILL: the lock dies
 * with it) the database opens, and the dead one's task is interrupted. */
static void
test_second_process_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tasker-history-two-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autofree char *exe = self_exe ();
  g_autofree char *expected = NULL;
  g_autofree char *warnings = NULL;
  g_autofree char *interrupted = NULL;
  const char *argv[] = { exe, "--hold-child", path, NULL };
  g_autoptr(GString) ready = g_string_new (NULL);
  TaskerHistory *history;
  GPid pid = 0;
  int out_fd = -1;
  int status = 0;

  g_assert_no_error (error);
  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                            NULL, NULL, &pid, NULL, &out_fd, NULL, &error);
  g_assert_no_error (error);

  /* "ready\n" */
  while (!g_str_has_suffix (ready->str, "\n"))
    {
      char c;
      gssize n = read (out_fd, &c, 1);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, ==, 1);
      g_string_append_c (ready, c);
    }
  g_assert_cmpstr (ready->str, ==, "ready\n");

  hist_warnings_catch (TRUE);
  history = _tasker_history_new (path, 0, 0);
  g_assert_true (wait_disabled (history));
  _tasker_history_free (history);
  warnings = hist_warnings_dup ();
  g_test_message ("warnings: %s", warnings);
  g_assert_cmpuint (hist_warnings_count (), ==, 1);
  expected = g_strdup_printf ("in use by process %d", (int) pid);
  g_assert_nonnull (strstr (warnings, expected));
  g_assert_nonnull (strstr (warnings, path));
  hist_warnings_catch (FALSE);

  /* The live program's task was left alone. */
  interrupted = sqlite_text (path, "SELECT group_concat (status || ':' || interrupted) FROM tasks");
  g_assert_cmpstr (interrupted, ==, "1:0");
  g_clear_pointer (&interrupted, g_free);

  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  close (out_fd);

  history = _tasker_history_new (path, 0, 0);
  g_assert_true (_tasker_history_flush (history, test_timeout_ms ()));
  g_assert_false (_tasker_history_is_disabled (history));
  _tasker_history_free (history);
  interrupted = sqlite_text (path, "SELECT group_concat (status || ':' || interrupted) FROM tasks");
  g_assert_cmpstr (interrupted, ==, "1:1");

  hist_rm_rf (dir);
}

static void
test_crash (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tasker-history-crash-XXXXXX", &error);
  guint n_rounds = test_under_valgrind () ? 1 : 4;

  g_assert_no_error (error);
  for (guint round = 0; round < n_rounds; round++)
    crash_round (dir, round, FALSE);
  hist_rm_rf (dir);
}

/* The same with durable tasks of a manager's own history, then reopened
 * as the next program would: every completed task has one record, not
 * interrupted (a restart would not run it again). */
static void
test_crash_durable (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tasker-history-crash-XXXXXX", &error);
  guint n_rounds = test_under_valgrind () ? 1 : 3;

  g_assert_no_error (error);
  for (guint round = 0; round < n_rounds; round++)
    crash_round (dir, round, TRUE);
  hist_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && g_str_equal (argv[1], "--crash-child"))
    return child_main (argv[2]);
  if (argc == 3 && g_str_equal (argv[1], "--hold-child"))
    return hold_child_main (argv[2]);
  if (argc == 3 && g_str_equal (argv[1], "--durable-crash-child"))
    return durable_child_main (argv[2]);

  g_test_init (&argc, &argv, NULL);
  hist_warnings_init ();

  g_test_add_func ("/Tasker/History/crash/sigkill", test_crash);
  g_test_add_func ("/Tasker/History/crash/sigkill-durable", test_crash_durable);
  g_test_add_func ("/Tasker/History/two-processes/refused", test_second_process_refused);

  return g_test_run ();
}
