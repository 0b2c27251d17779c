/* test-history-manager.c — the manager's history-path and its query API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "tasker-test.h"

#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

static void
fail_func (TaskerContext *context,
           gpointer       data)
{
  tasker_context_log (context, "about to fail");
  tasker_context_return_new_error (context, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no %s", "such thing");
}

static void
ok_func (TaskerContext *context,
         gpointer       data)
{
  tasker_context_set_message (context, data);
}

static void
query_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      data)
{
  GError **error = g_object_get_data (G_OBJECT (object), "test-error");
  GListModel **records = data;

  *records = tasker_manager_query_history_finish (TASKER_MANAGER (object), result, error);
  if (*records == NULL)
    *records = G_LIST_MODEL (g_list_store_new (G_TYPE_OBJECT));
}

static gboolean
not_null (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tasker_manager_clear_history_finish (TASKER_MANAGER (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static GListModel *
query (TaskerManager       *manager,
       TaskerHistoryQuery  *q,
       GError             **error)
{
  GListModel *records = NULL;

  g_object_set_data (G_OBJECT (manager), "test-error", error);
  tasker_manager_query_history_async (manager, q, NULL, query_cb, &records);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), not_null (&records));

  return records;
}

/* Tasks that end with history-path set are recorded, with their status,
 * error, log and trace id, and the manager's query finds them newest first. */
static void
finished_tasks_are_recorded_and_queried (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autofree char *dir = g_dir_make_tmp ("tasker-history-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "sub", "history.sqlite3", NULL);
  g_autofree char *read_back = NULL;
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) failed = NULL;
  g_autoptr(TaskerTask) done = NULL;
  g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
  g_autoptr(GListModel) records = NULL;
  g_autoptr(GListModel) only_failed = NULL;
  g_autoptr(TaskerHistoryRecord) newest = NULL;
  g_autoptr(TaskerHistoryRecord) oldest = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) log = NULL;
  GStatBuf st;

  g_object_set (manager, "history-path", path, NULL);
  g_object_get (manager, "history-path", &read_back, NULL);
  g_assert_cmpstr (read_back, ==, path);

  tasker_task_options_set_name (options, "checked");
  failed = tasker_manager_run_thread (manager, "f", options, fail_func, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  done = tasker_manager_run_thread (manager, NULL, NULL, ok_func, (gpointer) "all good", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

  records = query (manager, q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (records), ==, 2);

  newest = g_list_model_get_item (records, 0);
  oldest = g_list_model_get_item (records, 1);
  g_assert_cmpuint (tasker_history_record_get_task_id (newest), ==, tasker_task_get_id (done));
  g_assert_cmpint (tasker_history_record_get_status (newest), ==, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpstr (tasker_history_record_get_message (newest), ==, "all good");
  g_assert_cmpuint (tasker_history_record_get_task_id (oldest), ==, tasker_task_get_id (failed));
  g_assert_cmpint (tasker_history_record_get_status (oldest), ==, TASKER_TASK_STATUS_FAILED);
  g_assert_cmpstr (tasker_history_record_get_key (oldest), ==, "f");
  g_assert_cmpstr (tasker_history_record_get_name (oldest), ==, "checked");
  g_assert_cmpstr (tasker_history_record_get_error_domain (oldest), ==, g_quark_to_string (G_IO_ERROR));
  g_assert_cmpint (tasker_history_record_get_error_code (oldest), ==, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (tasker_history_record_get_error_message (oldest), ==, "no such thing");
  g_assert_cmpuint (tasker_history_record_get_trace_id (oldest), ==, tasker_task_get_trace_id (failed));
  g_assert_cmpuint (tasker_history_record_get_attempts (oldest), ==, 1);
  log = tasker_history_record_dup_log (oldest);
  g_assert_cmpuint (g_strv_length (log), ==, 1);
  g_assert_true (g_str_has_suffix (log[0], " about to fail"));

  tasker_history_query_set_status (q, TASKER_TASK_STATUS_FAILED);
  only_failed = query (manager, q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (only_failed), ==, 1);

  /* Cleared: nothing left, and new ends are recorded again. */
  {
    g_autoptr(GListModel) after = NULL;
    g_autoptr(TaskerHistoryQuery) all = tasker_history_query_new ();
    gboolean cleared = FALSE;

    tasker_manager_clear_history_async (manager, NULL, clear_cb, &cleared);
    TEST_WAIT_UNTIL (tasker_manager_get_context (manager), is_true (&cleared));
    after = query (manager, all, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (after), ==, 0);
  }

  /* Private to the user. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  tasker_manager_shutdown (manager, 1000);
  g_object_unref (g_steal_pointer (&manager));
  g_remove (path);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);
    g_autofree char *lock = g_strconcat (path, ".lock", NULL);
    g_autofree char *sub = g_path_get_dirname (path);

    g_remove (wal);
    g_remove (shm);
    g_remove (lock);
    g_rmdir (sub);
    g_rmdir (dir);
  }
}

/* Without history-path, a query fails with a clear error. */
static void
query_without_history_fails (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
  g_autoptr(GListModel) records = NULL;
  g_autoptr(GError) error = NULL;

  records = query (manager, q, &error);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_FAILED);
  g_assert_cmpuint (g_list_model_get_n_items (records), ==, 0);
}

/* Durable tasks */

static void
until_cancelled_func (TaskerContext *context,
                      gpointer       data)
{
  tasker_context_set_message (context, "working");
  while (!tasker_context_is_cancelled (context))
    g_usleep (1000);
}

static void
delete_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tasker_manager_delete_history_record_finish (TASKER_MANAGER (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static void
delete_record (TaskerManager       *manager,
               TaskerHistoryRecord *record)
{
  gboolean deleted = FALSE;

  tasker_manager_delete_history_record_async (manager, record, NULL, delete_cb, &deleted);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), is_true (&deleted));
}

/* Queries until @q finds @n records (the writer batches): fails at the
 * deadline. */
static GListModel *
query_until_n (TaskerManager      *manager,
               TaskerHistoryQuery *q,
               guint               n)
{
  gint64 deadline = g_get_monotonic_time () + test_timeout_ms () * 1000;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      GListModel *records = query (manager, q, &error);

      g_assert_no_error (error);
      if (g_list_model_get_n_items (records) == n)
        return records;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_object_unref (records);
      test_spin_for (tasker_manager_get_context (manager), 10);
    }
}

/* The record of @task in @records, or NULL. */
static TaskerHistoryRecord *
find_record (GListModel *records,
             const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (records); i++)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (records, i);

      if (g_strcmp0 (tasker_history_record_get_name (record), name) == 0)
        return record;  /* the model keeps it */
    }
  return NULL;
}

static TaskerTask *
submit_named (TaskerManager *manager,
              const char    *name,
              gboolean       durable)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  tasker_task_options_set_name (options, name);
  tasker_task_options_set_durable (options, durable);
  tasker_task_options_set_description (options, "command-line", name);
  task = tasker_manager_run_thread (manager, NULL, options, until_cancelled_func, NULL, NULL, &error);
  g_assert_no_error (error);
  return task;
}

static char *
make_history_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("tasker-durable-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_history_dir (const char *dir)
{
  const char *suffixes[] = { "", "-wal", "-shm", ".lock" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (dir, "/history.sqlite3", suffixes[i], NULL);
      g_remove (file);
    }
  g_rmdir (dir);
}

/* A durable task has a record from its submission on (pending, then
 * running), which its end replaces: one record per task, never two; a task
 * that is not durable shows only once it ends. */
static void
durable_tasks_are_recorded_from_submit (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
  g_autoptr(TaskerTask) running = NULL;
  g_autoptr(TaskerTask) waiting = NULL;
  g_autoptr(TaskerTask) plain = NULL;
  g_autoptr(GListModel) records = NULL;
  TaskerHistoryRecord *record;

  tasker_manager_set_max_threads (manager, 1);
  tasker_manager_set_history_path (manager, path);
  running = submit_named (manager, "running", TRUE);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_running (running));
  waiting = submit_named (manager, "waiting", TRUE);
  plain = submit_named (manager, "plain", FALSE);

  records = query_until_n (manager, q, 2);
  record = find_record (records, "running");
  g_assert_nonnull (record);
  g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_RUNNING);
  g_assert_cmpint (tasker_history_record_get_started_time (record), >, 0);
  g_assert_false (tasker_history_record_get_interrupted (record));
  record = find_record (records, "waiting");
  g_assert_nonnull (record);
  g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_PENDING);
  g_assert_cmpstr (tasker_history_record_get_description (record, "command-line"), ==, "waiting");
  g_assert_false (tasker_history_record_get_interrupted (record));
  g_clear_object (&records);

  /* Not from an earlier program: none of them is interrupted. */
  tasker_history_query_set_interrupted (q, TRUE);
  records = query_until_n (manager, q, 0);
  g_clear_object (&records);
  tasker_history_query_set_interrupted (q, FALSE);

  tasker_task_cancel (running);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_running (waiting));
  tasker_task_cancel (waiting);
  tasker_task_cancel (plain);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

  records = query_until_n (manager, q, 3);
  record = find_record (records, "running");
  g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_CANCELLED);
  g_assert_cmpstr (tasker_history_record_get_description (record, "command-line"), ==, "running");
  record = find_record (records, "waiting");
  g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_CANCELLED);
  g_assert_nonnull (find_record (records, "plain"));

  tasker_manager_shutdown (manager, test_timeout_ms ());
  g_clear_object (&manager);
  remove_history_dir (dir);
}

/* A durable task that waits for its start time or for a dependency
 * (DESIGN.md §10) is recorded PENDING from its submission on, with the
 * message a UI shows; a shutdown leaves it interrupted like any pending one. */
static void
durable_waiting_tasks_are_pending (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
  g_autoptr(TaskerTaskOptions) later_options = tasker_task_options_new ();
  g_autoptr(TaskerTaskOptions) after_options = tasker_task_options_new ();
  g_autoptr(TaskerTask) running = NULL;
  g_autoptr(TaskerTask) later = NULL;
  g_autoptr(TaskerTask) after = NULL;
  g_autoptr(GListModel) records = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *waiting_for = NULL;
  TaskerHistoryRecord *record;

  tasker_manager_set_history_path (manager, path);
  running = submit_named (manager, "running", FALSE);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_running (running));

  tasker_task_options_set_name (later_options, "later");
  tasker_task_options_set_durable (later_options, TRUE);
  tasker_task_options_set_start_delay_ms (later_options, 60 * 60 * 1000);
  later = tasker_manager_run_thread (manager, NULL, later_options, ok_func, (gpointer) "ran", NULL, &error);
  g_assert_no_error (error);
  tasker_task_options_set_name (after_options, "after");
  tasker_task_options_set_durable (after_options, TRUE);
  tasker_task_options_add_after (after_options, running);
  after = tasker_manager_run_thread (manager, NULL, after_options, ok_func, (gpointer) "ran", NULL, &error);
  g_assert_no_error (error);
  waiting_for = g_strdup_printf ("Waiting for task %" G_GUINT64_FORMAT, tasker_task_get_id (running));

  records = query_until_n (manager, q, 2);
  record = find_record (records, "later");
  g_assert_nonnull (record);
  g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_PENDING);
  g_assert_true (g_str_has_prefix (tasker_history_record_get_message (record), "Starts "));
  record = find_record (records, "after");
  g_assert_nonnull (record);
  g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_PENDING);
  g_assert_cmpstr (tasker_history_record_get_message (record), ==, waiting_for);
  g_clear_object (&records);

  tasker_manager_shutdown (manager, test_timeout_ms ());
  tasker_history_query_set_interrupted (q, TRUE);
  records = query_until_n (manager, q, 2);
  record = find_record (records, "later");
  g_assert_nonnull (record);
  g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_PENDING);
  g_clear_object (&records);

  g_clear_object (&manager);
  remove_history_dir (dir);
}

/* Quitting (a shutdown) does not end a durable task for its program: its
 * record stays pending or running, marked interrupted, for the next program
 * to find; a task the user cancelled before is not interrupted, nor is one
 * that is not durable. Deleting a record that was dealt with removes it for
 * good. */
static void
shutdown_leaves_durable_tasks_interrupted (void)
{
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
  g_autoptr(GListModel) records = NULL;
  TaskerHistoryRecord *record;

  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
    g_autoptr(TaskerTask) running = NULL;
    g_autoptr(TaskerTask) waiting = NULL;
    g_autoptr(TaskerTask) plain = NULL;
    g_autoptr(TaskerTask) cancelled = NULL;
    g_autoptr(TaskerTask) cancelled_late = NULL;

    tasker_manager_set_max_threads (manager, 1);
    tasker_manager_set_history_path (manager, path);
    running = submit_named (manager, "running", TRUE);
    TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_running (running));
    waiting = submit_named (manager, "waiting", TRUE);
    plain = submit_named (manager, "plain", FALSE);
    cancelled = submit_named (manager, "cancelled", TRUE);
    tasker_task_cancel (cancelled);
    TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_final (cancelled));
    /* Cancelled by the user, ending only during the shutdown: not interrupted. */
    cancelled_late = submit_named (manager, "cancelled late", TRUE);
    test_spin_for (tasker_manager_get_context (manager), 50);
    tasker_task_cancel (cancelled_late);

    tasker_manager_shutdown (manager, test_timeout_ms ());
    g_assert_cmpint (tasker_task_get_status (cancelled_late), ==, TASKER_TASK_STATUS_CANCELLED);
    g_assert_cmpint (tasker_task_get_status (running), ==, TASKER_TASK_STATUS_CANCELLED);
  }

  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
    g_autoptr(GListModel) all = NULL;

    tasker_manager_set_history_path (manager, path);
    tasker_history_query_set_interrupted (q, TRUE);
    records = query_until_n (manager, q, 2);
    record = find_record (records, "running");
    g_assert_nonnull (record);
    g_assert_true (tasker_history_record_get_interrupted (record));
    g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_RUNNING);
    g_assert_null (tasker_history_record_get_error_message (record));
    g_assert_cmpstr (tasker_history_record_get_message (record), ==, "working");
    record = find_record (records, "waiting");
    g_assert_nonnull (record);
    g_assert_true (tasker_history_record_get_interrupted (record));
    g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_PENDING);
    g_assert_cmpstr (tasker_history_record_get_description (record, "command-line"), ==, "waiting");

    tasker_history_query_set_interrupted (q, FALSE);
    all = query_until_n (manager, q, 5);
    g_assert_false (tasker_history_record_get_interrupted (find_record (all, "cancelled late")));
    g_assert_cmpint (tasker_history_record_get_status (find_record (all, "cancelled late")), ==,
                     TASKER_TASK_STATUS_CANCELLED);
    g_assert_false (tasker_history_record_get_interrupted (find_record (all, "plain")));
    g_assert_cmpint (tasker_history_record_get_status (find_record (all, "plain")), ==,
                     TASKER_TASK_STATUS_CANCELLED);
    g_assert_false (tasker_history_record_get_interrupted (find_record (all, "cancelled")));

    delete_record (manager, find_record (records, "running"));
    g_clear_object (&records);
    tasker_history_query_set_interrupted (q, TRUE);
    records = query_until_n (manager, q, 1);
    g_assert_nonnull (find_record (records, "waiting"));
    g_clear_object (&records);
    tasker_manager_shutdown (manager, test_timeout_ms ());
  }

  /* Still there, once, for the program after. */
  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);

    tasker_manager_set_history_path (manager, path);
    records = query_until_n (manager, q, 1);
    g_assert_nonnull (find_record (records, "waiting"));
    g_clear_object (&records);
    tasker_manager_shutdown (manager, test_timeout_ms ());
  }

  remove_history_dir (dir);
}

/* A program that dies (no shutdown) leaves its durable tasks' records
 * unfinished; the next history to open the database marks them
 * interrupted. */
static void
death_leaves_durable_tasks_interrupted (void)
{
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);

  if (g_test_subprocess ())
    {
      TaskerManager *manager = tasker_manager_new (NULL);
      g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
      g_autoptr(GListModel) records = NULL;
      TaskerTask *task;

      tasker_manager_set_history_path (manager, g_getenv ("TASKER_TEST_HISTORY"));
      task = submit_named (manager, "dying", TRUE);
      TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_running (task));
      records = query_until_n (manager, q, 1);
      g_assert_cmpint (tasker_history_record_get_status (find_record (records, "dying")), ==,
                       TASKER_TASK_STATUS_RUNNING);
      _exit (0);
    }

  g_setenv ("TASKER_TEST_HISTORY", path, TRUE);
  g_test_trap_subprocess (NULL, test_timeout_ms () * 1000, 0);
  g_test_trap_assert_passed ();

  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
    g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
    g_autoptr(GListModel) records = NULL;
    TaskerHistoryRecord *record;

    tasker_manager_set_history_path (manager, path);
    tasker_history_query_set_interrupted (q, TRUE);
    records = query_until_n (manager, q, 1);
    record = find_record (records, "dying");
    g_assert_nonnull (record);
    g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_RUNNING);
    g_assert_true (tasker_history_record_get_interrupted (record));
    tasker_manager_shutdown (manager, test_timeout_ms ());
  }

  remove_history_dir (dir);
}

static void
delete_fails_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      data)
{
  GError **error = data;

  g_assert_false (tasker_manager_delete_history_record_finish (TASKER_MANAGER (object), result, error));
  g_assert_nonnull (*error);
}

/* Deleting names a record of this manager's database: one from another
 * database, or made by hand, is refused rather than deleting some other
 * row. */
static void
delete_refuses_foreign_records (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autofree char *other_path = g_build_filename (dir, "other.sqlite3", NULL);
  g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
  g_autoptr(GListModel) records = NULL;
  g_autoptr(TaskerHistoryRecord) record = NULL;
  g_autoptr(TaskerHistoryRecord) made = g_object_new (TASKER_TYPE_HISTORY_RECORD, NULL);
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;

  tasker_manager_set_history_path (manager, path);
  task = tasker_manager_run_thread (manager, NULL, NULL, ok_func, (gpointer) "kept", NULL, &error);
  g_assert_no_error (error);
  records = query_until_n (manager, q, 1);
  record = g_list_model_get_item (records, 0);

  tasker_manager_set_history_path (manager, other_path);
  g_clear_object (&records);
  records = query_until_n (manager, q, 0);  /* open before it closes again */
  tasker_manager_delete_history_record_async (manager, record, NULL, delete_fails_cb, &error);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), not_null (&error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  tasker_manager_set_history_path (manager, path);
  tasker_manager_delete_history_record_async (manager, made, NULL, delete_fails_cb, &error);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), not_null (&error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  g_clear_object (&records);
  records = query_until_n (manager, q, 1);

  tasker_manager_shutdown (manager, test_timeout_ms ());
  g_clear_object (&manager);
  {
    g_autofree char *other_wal = g_strconcat (other_path, "-wal", NULL);
    g_autofree char *other_shm = g_strconcat (other_path, "-shm", NULL);

    g_remove (other_path);
    g_remove (other_wal);
    g_remove (other_shm);
  }
  remove_history_dir (dir);
}

/* The text search also looks at names and descriptions (a command line),
 * but not at private ones (a key starting with a dot). */
static void
text_search_covers_name_and_descriptions (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GListModel) records = NULL;
  g_autoptr(GError) error = NULL;

  tasker_manager_set_history_path (manager, path);
  tasker_task_options_set_name (options, "Nightly Backup");
  tasker_task_options_set_description (options, "command-line", "rsync -a /srv/Ünïcode /mnt");
  tasker_task_options_set_description (options, ".environ", "['TOKEN=quux-ßecret']");
  task = tasker_manager_run_thread (manager, NULL, options, ok_func, (gpointer) "done", NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&task);
  task = tasker_manager_run_thread (manager, NULL, NULL, ok_func, (gpointer) "other", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

  tasker_history_query_set_text (q, "nightly");
  records = query_until_n (manager, q, 1);
  g_assert_nonnull (find_record (records, "Nightly Backup"));
  g_clear_object (&records);
  tasker_history_query_set_text (q, "RSYNC -A");
  records = query_until_n (manager, q, 1);
  g_clear_object (&records);
  tasker_history_query_set_text (q, "üNÏ");
  records = query_until_n (manager, q, 1);
  g_clear_object (&records);
  tasker_history_query_set_text (q, "nothing like it");
  records = query_until_n (manager, q, 0);
  g_clear_object (&records);
  tasker_history_query_set_text (q, "QUUX");
  records = query_until_n (manager, q, 0);
  g_clear_object (&records);
  tasker_history_query_set_text (q, "ßECRET");
  records = query_until_n (manager, q, 0);

  tasker_manager_shutdown (manager, test_timeout_ms ());
  g_clear_object (&manager);
  remove_history_dir (dir);
}

/* Clearing the history deletes the finished tasks' records, not those of
 * durable tasks still running or waiting: their end updates them, and a
 * crash before then must leave them to be found. */
static void
clear_keeps_unfinished_durable_records (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
  g_autoptr(TaskerTask) running = NULL;
  g_autoptr(TaskerTask) waiting = NULL;
  g_autoptr(TaskerTask) done = NULL;
  g_autoptr(GListModel) records = NULL;
  g_autoptr(GError) error = NULL;
  gboolean cleared = FALSE;

  tasker_manager_set_max_threads (manager, 1);
  tasker_manager_set_history_path (manager, path);
  done = tasker_manager_run_thread (manager, NULL, NULL, ok_func, (gpointer) "finished", NULL, &error);
  g_assert_no_error (error);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_final (done));
  running = submit_named (manager, "running", TRUE);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_running (running));
  waiting = submit_named (manager, "waiting", TRUE);
  records = query_until_n (manager, q, 3);
  g_clear_object (&records);

  tasker_manager_clear_history_async (manager, NULL, clear_cb, &cleared);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), is_true (&cleared));
  records = query_until_n (manager, q, 2);
  g_assert_nonnull (find_record (records, "running"));
  g_assert_nonnull (find_record (records, "waiting"));
  g_clear_object (&records);

  /* Their ends update those records: one each. */
  tasker_task_cancel (running);
  tasker_task_cancel (waiting);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  tasker_manager_shutdown (manager, test_timeout_ms ());
  records = query_until_n (manager, q, 2);
  g_assert_cmpint (tasker_history_record_get_status (find_record (records, "running")), ==,
                   TASKER_TASK_STATUS_CANCELLED);
  g_assert_cmpint (tasker_history_record_get_status (find_record (records, "waiting")), ==,
                   TASKER_TASK_STATUS_CANCELLED);
  g_clear_object (&records);

  g_clear_object (&manager);
  remove_history_dir (dir);
}

static TaskerTask *
submit_replacing (TaskerManager       *manager,
                  const char          *name,
                  TaskerHistoryRecord *replaced)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  tasker_task_options_set_name (options, name);
  tasker_task_options_set_durable (options, TRUE);
  tasker_task_options_set_replaces_record (options, replaced);
  g_assert_true (tasker_task_options_get_replaces_record (options) == replaced);
  task = tasker_manager_run_thread (manager, NULL, options, until_cancelled_func, NULL, NULL, &error);
  g_assert_no_error (error);
  return task;
}

/* A durable task that runs an interrupted job again replaces its record
 * (one record per job, whenever the program dies); a record that ended is
 * never replaced. */
static void
replaces_record_keeps_one_record_per_job (void)
{
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
  g_autoptr(TaskerHistoryQuery) interrupted_q = tasker_history_query_new ();

  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
    g_autoptr(TaskerTask) done = NULL;
    g_autoptr(TaskerTask) waiting = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();

    tasker_manager_set_max_threads (manager, 1);
    tasker_manager_set_history_path (manager, path);
    tasker_task_options_set_name (options, "done");
    tasker_task_options_set_durable (options, TRUE);
    done = tasker_manager_run_thread (manager, NULL, options, ok_func, (gpointer) "ok", NULL, &error);
    g_assert_no_error (error);
    TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_final (done));
    g_object_unref (submit_named (manager, "running", TRUE));
    waiting = submit_named (manager, "waiting", TRUE);
    tasker_manager_shutdown (manager, test_timeout_ms ());
  }

  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
    g_autoptr(GListModel) interrupted = NULL;
    g_autoptr(GListModel) all = NULL;
    g_autoptr(GListModel) finished = NULL;
    g_autoptr(TaskerTask) again = NULL;
    g_autoptr(TaskerTask) not_again = NULL;

    tasker_manager_set_max_threads (manager, 1);
    tasker_manager_set_history_path (manager, path);
    tasker_history_query_set_interrupted (interrupted_q, TRUE);
    interrupted = query_until_n (manager, interrupted_q, 2);
    all = query_until_n (manager, q, 3);

    again = submit_replacing (manager, "waiting again", find_record (interrupted, "waiting"));
    not_again = submit_replacing (manager, "done again", find_record (all, "done"));
    g_clear_object (&all);

    /* The job's old record went with the new one's first write. */
    all = query_until_n (manager, q, 4);
    g_assert_null (find_record (all, "waiting"));
    g_assert_nonnull (find_record (all, "waiting again"));
    g_assert_false (tasker_history_record_get_interrupted (find_record (all, "waiting again")));
    g_assert_nonnull (find_record (all, "running"));
    g_assert_nonnull (find_record (all, "done"));
    g_assert_nonnull (find_record (all, "done again"));
    g_clear_object (&interrupted);
    interrupted = query_until_n (manager, interrupted_q, 1);
    g_assert_nonnull (find_record (interrupted, "running"));

    tasker_task_cancel (again);
    tasker_task_cancel (not_again);
    g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
    tasker_manager_shutdown (manager, test_timeout_ms ());
    finished = query_until_n (manager, q, 4);
    g_assert_cmpint (tasker_history_record_get_status (find_record (finished, "waiting again")), ==,
                     TASKER_TASK_STATUS_CANCELLED);
  }

  remove_history_dir (dir);
}

/* Shutdown's flush */

/* The rows of @path, read with a connection of our own, as another program
 * would right after shutdown() returned. */
static guint
count_rows (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint n = 0;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  /* A history closing meanwhile checkpoints its WAL, locking the file briefly. */
  sqlite3_busy_timeout (db, test_timeout_ms ());
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM tasks WHERE status = 2", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return n;
}

#define N_FLUSHED 5

static void
run_until_final (TaskerManager *manager,
                 TaskerTask    *tasks[N_FLUSHED])
{
  for (guint i = 0; i < N_FLUSHED; i++)
    {
      g_autoptr(GError) error = NULL;

      tasks[i] = tasker_manager_run_thread (manager, NULL, NULL, ok_func, (gpointer) "flushed", NULL, &error);
      g_assert_no_error (error);
    }
}

/* Nobody iterates the context when shutdown() is called from the main
 * thread after the tasks ended: every one is on disk when it returns. */
static void
shutdown_flushes_without_iteration (void)
{
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  TaskerTask *tasks[N_FLUSHED];

  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);

    tasker_manager_set_history_path (manager, path);
    run_until_final (manager, tasks);
    g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
    for (guint i = 0; i < N_FLUSHED; i++)
      g_assert_cmpint (tasker_task_get_status (tasks[i]), ==, TASKER_TASK_STATUS_COMPLETED);

    g_assert_false (g_main_context_is_owner (tasker_manager_get_context (manager)));
    tasker_manager_shutdown (manager, 2000);
    g_assert_cmpuint (count_rows (path), ==, N_FLUSHED);
  }

  for (guint i = 0; i < N_FLUSHED; i++)
    g_object_unref (tasks[i]);
  remove_history_dir (dir);
}

typedef struct
{
  TaskerManager *manager;
  const char    *path;
  guint          n_rows;
  gboolean       done;   /* atomic */
} ShutdownThread;

static gpointer
shutdown_thread_func (gpointer data)
{
  ShutdownThread *st = data;

  tasker_manager_shutdown (st->manager, 2000);
  st->n_rows = count_rows (st->path);
  g_atomic_int_set (&st->done, TRUE);
  g_main_context_wakeup (tasker_manager_get_context (st->manager));

  return NULL;
}

static gboolean
shutdown_thread_done (gpointer data)
{
  ShutdownThread *st = data;

  return g_atomic_int_get (&st->done);
}

/* shutdown() from another thread while the main thread iterates the
 * context: every task that ended is on disk when it returns. */
static void
shutdown_from_thread_flushes (void)
{
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  TaskerTask *tasks[N_FLUSHED];

  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
    ShutdownThread st = { manager, path, 0, FALSE };
    GThread *thread;

    tasker_manager_set_history_path (manager, path);
    run_until_final (manager, tasks);
    for (guint i = 0; i < N_FLUSHED; i++)
      TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_final (tasks[i]));

    thread = g_thread_new ("shutdown", shutdown_thread_func, &st);
    TEST_WAIT_UNTIL (tasker_manager_get_context (manager), shutdown_thread_done (&st));
    g_thread_join (thread);
    g_assert_cmpuint (st.n_rows, ==, N_FLUSHED);
  }

  for (guint i = 0; i < N_FLUSHED; i++)
    g_object_unref (tasks[i]);
  remove_history_dir (dir);
}

/* The tasks recorded in a history that a new history-path replaced are on
 * disk too when shutdown() returns. */
static void
shutdown_flushes_replaced_history (void)
{
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autofree char *other_dir = make_history_dir ();
  g_autofree char *other = g_build_filename (other_dir, "history.sqlite3", NULL);
  TaskerTask *tasks[N_FLUSHED];

  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);

    tasker_manager_set_history_path (manager, path);
    run_until_final (manager, tasks);
    g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
    tasker_manager_set_history_path (manager, other);
    tasker_manager_shutdown (manager, 2000);
    g_assert_cmpuint (count_rows (path), ==, N_FLUSHED);
    /* The new one is open, with its tables, and its writer idle: nothing of
     * it touches the directory once shutdown() has returned. */
    g_assert_cmpuint (count_rows (other), ==, 0);
  }

  for (guint i = 0; i < N_FLUSHED; i++)
    g_object_unref (tasks[i]);
  remove_history_dir (dir);
  remove_history_dir (other_dir);
}

/* A command that ignores SIGTERM outlives the grace: shutdown kills it,
 * and it ends before shutdown() returns, so its record is on disk too. */
static void
shutdown_flushes_what_it_killed (void)
{
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  const char *argv[] = { "sh", "-c", "trap '' TERM; echo started; while :; do sleep 1; done", NULL };
  g_autoptr(TaskerTask) task = NULL;

  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
    g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
    g_autoptr(GError) error = NULL;

    tasker_manager_set_history_path (manager, path);
    tasker_task_options_set_name (options, "stubborn");
    task = tasker_manager_run_command (manager, NULL, options, argv, NULL, NULL, &error);
    g_assert_no_error (error);
    TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_running (task));

    tasker_manager_shutdown (manager, 100);
    if (tasker_task_is_final (task))
      {
        g_autofree char *sql = NULL;
        sqlite3 *db = NULL;
        sqlite3_stmt *stmt = NULL;

        g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
        g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM tasks WHERE name = 'stubborn'",
                                             -1, &stmt, NULL), ==, SQLITE_OK);
        g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
        g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
        sqlite3_finalize (stmt);
        sqlite3_close (db);
      }
    else
      {
        g_test_incomplete ("the command did not end within the shutdown");
      }
  }

  remove_history_dir (dir);
}

/* Ids go on from the history's: an earlier run's task 12 is not the id of
 * a new task, so that an id names one task across restarts. The earlier
 * run is a record whose task id is moved far ahead, by SQL. */
static void
ids_continue_after_history (void)
{
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(GError) error = NULL;
  guint64 old_id;

  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
    g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
    g_autoptr(GListModel) records = NULL;
    g_autoptr(TaskerTask) task = NULL;

    tasker_manager_set_history_path (manager, path);
    task = tasker_manager_run_thread (manager, NULL, NULL, ok_func, (gpointer) "ok", NULL, &error);
    g_assert_no_error (error);
    TEST_WAIT_UNTIL (tasker_manager_get_context (manager), tasker_task_is_final (task));
    records = query_until_n (manager, q, 1);
    old_id = tasker_task_get_id (task) + 1000000;
    tasker_manager_shutdown (manager, 1000);
  }
  {
    sqlite3 *db = NULL;
    g_autofree char *sql = g_strdup_printf ("UPDATE tasks SET task_id = %" G_GUINT64_FORMAT, old_id);

    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
    g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
    g_autoptr(GListModel) records = NULL;
    g_autoptr(TaskerTask) task = NULL;

    tasker_manager_set_history_path (manager, path);
    /* The query is answered once the history is open. */
    records = query_until_n (manager, q, 1);
    task = tasker_manager_run_thread (manager, NULL, NULL, ok_func, (gpointer) "ok", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (tasker_task_get_id (task), >, old_id);
    TEST_WAIT_UNTIL (tasker_manager_get_context (manager), tasker_task_is_final (task));
    tasker_manager_shutdown (manager, 1000);
  }
  remove_history_dir (dir);
}

/* A command's exit status is its record's description exit-status, for a
 * plain and a durable record (whose end updates the row written at submit)
 * alike; a thread task's record has none. The task-id query finds a record
 * by its task's id. */
static void
exit_status_is_recorded (void)
{
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  const char *argv[] = { "sh", "-c", "exit 3", NULL };
  const char *killed_argv[] = { "sh", "-c", "kill -9 $$", NULL };
  const char *names[] = { "plain", "durable", "killed", "thread" };
  const char *expected[] = { "3", "3", "137", NULL };
  TaskerTask *tasks[G_N_ELEMENTS (names)];
  g_autoptr(GListModel) records = NULL;

  tasker_manager_set_history_path (manager, path);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
      g_autoptr(GError) error = NULL;

      tasker_task_options_set_name (options, names[i]);
      tasker_task_options_set_durable (options, i == 1);
      tasker_task_options_set_description (options, "command", names[i]);
      if (i == 3)
        tasks[i] = tasker_manager_run_thread (manager, NULL, options, ok_func, (gpointer) "ok", NULL, &error);
      else
        tasks[i] = tasker_manager_run_command (manager, NULL, options, i == 2 ? killed_argv : argv,
                                               NULL, NULL, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    TEST_WAIT_UNTIL (tasker_manager_get_context (manager), tasker_task_is_final (tasks[i]));

  {
    g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();

    records = query_until_n (manager, q, G_N_ELEMENTS (names));
  }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      TaskerHistoryRecord *record = find_record (records, names[i]);

      g_assert_nonnull (record);
      g_assert_cmpstr (tasker_history_record_get_description (record, "exit-status"), ==, expected[i]);
      /* The task's other descriptions stay. */
      g_assert_cmpstr (tasker_history_record_get_description (record, "command"), ==, names[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();
      g_autoptr(GListModel) found = NULL;
      g_autoptr(TaskerHistoryRecord) record = NULL;
      g_autoptr(GError) error = NULL;

      tasker_history_query_set_task_id (q, tasker_task_get_id (tasks[i]));
      g_assert_cmpuint (tasker_history_query_get_task_id (q), ==, tasker_task_get_id (tasks[i]));
      found = query (manager, q, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_list_model_get_n_items (found), ==, 1);
      record = g_list_model_get_item (found, 0);
      g_assert_cmpstr (tasker_history_record_get_name (record), ==, names[i]);
    }

  tasker_manager_shutdown (manager, 2000);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_object_unref (tasks[i]);
  remove_history_dir (dir);
}

/* An external task is recorded like any other, with its kind, status and
 * log, whether its owner completed it or a cancel ended it. */
static void
external_tasks_are_recorded (void)
{
  g_autofree char *dir = make_history_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  const char *names[] = { "reported", "cancelled" };
  const TaskerTaskStatus expected[] = { TASKER_TASK_STATUS_COMPLETED, TASKER_TASK_STATUS_CANCELLED };
  TaskerTask *tasks[G_N_ELEMENTS (names)];
  g_autoptr(GListModel) records = NULL;

  tasker_manager_set_history_path (manager, path);
  tasker_manager_set_cancel_grace (manager, 50);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
      g_autoptr(GError) error = NULL;

      tasker_task_options_set_name (options, names[i]);
      tasks[i] = tasker_manager_add_external (manager, NULL, options, &error);
      g_assert_no_error (error);
      tasker_context_log (tasker_task_get_context (tasks[i]), names[i]);
    }
  tasker_context_return_value (tasker_task_get_context (tasks[0]), NULL);
  tasker_task_cancel (tasks[1]);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    TEST_WAIT_UNTIL (tasker_manager_get_context (manager), tasker_task_is_final (tasks[i]));

  {
    g_autoptr(TaskerHistoryQuery) q = tasker_history_query_new ();

    records = query_until_n (manager, q, G_N_ELEMENTS (names));
  }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      TaskerHistoryRecord *record = find_record (records, names[i]);
      g_auto(GStrv) log = NULL;

      g_assert_nonnull (record);
      g_assert_cmpint (tasker_history_record_get_kind (record), ==, TASKER_TASK_KIND_EXTERNAL);
      g_assert_cmpint (tasker_history_record_get_status (record), ==, expected[i]);
      log = tasker_history_record_dup_log (record);
      g_assert_cmpuint (g_strv_length (log), ==, 1);
      g_assert_nonnull (strstr (log[0], names[i]));
    }

  tasker_manager_shutdown (manager, 2000);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_object_unref (tasks[i]);
  remove_history_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tasker/History/recorded-and-queried", finished_tasks_are_recorded_and_queried);
  g_test_add_func ("/Tasker/History/query-without-history", query_without_history_fails);
  g_test_add_func ("/Tasker/History/durable/recorded-from-submit", durable_tasks_are_recorded_from_submit);
  g_test_add_func ("/Tasker/History/durable/waiting-is-pending", durable_waiting_tasks_are_pending);
  g_test_add_func ("/Tasker/History/durable/shutdown-interrupts", shutdown_leaves_durable_tasks_interrupted);
  g_test_add_func ("/Tasker/History/durable/death-interrupts", death_leaves_durable_tasks_interrupted);
  g_test_add_func ("/Tasker/History/text-search", text_search_covers_name_and_descriptions);
  g_test_add_func ("/Tasker/History/exit-status", exit_status_is_recorded);
  g_test_add_func ("/Tasker/History/external-tasks", external_tasks_are_recorded);
  g_test_add_func ("/Tasker/History/ids-continue-after-history", ids_continue_after_history);
  g_test_add_func ("/Tasker/History/delete-refuses-foreign", delete_refuses_foreign_records);
  g_test_add_func ("/Tasker/History/clear-keeps-unfinished-durable", clear_keeps_unfinished_durable_records);
  g_test_add_func ("/Tasker/History/durable/replaces-record", replaces_record_keeps_one_record_per_job);
  g_test_add_func ("/Tasker/History/shutdown/flushes-without-iteration", shutdown_flushes_without_iteration);
  g_test_add_func ("/Tasker/History/shutdown/flushes-from-thread", shutdown_from_thread_flushes);
  g_test_add_func ("/Tasker/History/shutdown/flushes-what-it-killed", shutdown_flushes_what_it_killed);
  g_test_add_func ("/Tasker/History/shutdown/flushes-replaced-history", shutdown_flushes_replaced_history);

  return g_test_run ();
}
