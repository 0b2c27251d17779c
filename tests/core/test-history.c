/* test-history.c — the manager's history-path and its query API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-util.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

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
  test_wait_for (tasker_manager_get_context (manager), not_null, &records);

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
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  done = tasker_manager_run_thread (manager, NULL, NULL, ok_func, (gpointer) "all good", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));

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
    test_wait_for (tasker_manager_get_context (manager), is_true, &cleared);
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
    g_autofree char *sub = g_path_get_dirname (path);

    g_remove (wal);
    g_remove (shm);
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tasker/History/recorded-and-queried", finished_tasks_are_recorded_and_queried);
  g_test_add_func ("/Tasker/History/query-without-history", query_without_history_fails);

  return g_test_run ();
}
