/* test-task.c — a task's life cycle, result and error
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-util.h"

static void
noop_func (TaskerContext *context,
           gpointer       data)
{
}

static void
first_task_has_id_1 (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) a = tasker_manager_run_thread (manager, NULL, NULL, noop_func, NULL, NULL, NULL);
  g_autoptr(TaskerTask) b = tasker_manager_run_thread (manager, NULL, NULL, noop_func, NULL, NULL, NULL);
  g_autoptr(TaskerManager) other = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) c = tasker_manager_run_coroutine (other, NULL, NULL, noop_func, NULL, NULL, NULL);

  /* This test runs first in its process. */
  g_assert_cmpuint (tasker_task_get_id (a), ==, 1);
  g_assert_cmpuint (tasker_task_get_id (b), ==, 2);
  /* Never reused, even by another manager. */
  g_assert_cmpuint (tasker_task_get_id (c), ==, 3);

  tasker_manager_shutdown (other, 1000);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
}

typedef struct
{
  GArray   *statuses;
  TestGate  gate;
} Lifecycle;

static void
gated_func (TaskerContext *context,
            gpointer       data)
{
  Lifecycle *lc = data;

  tasker_context_set_progress (context, 0.25);
  test_gate_wait (&lc->gate);
}

static void
status_cb (TaskerTask *task,
           GParamSpec *pspec,
           Lifecycle  *lc)
{
  TaskerTaskStatus status = tasker_task_get_status (task);

  g_array_append_val (lc->statuses, status);
}

static void
status_goes_pending_running_completed (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  Lifecycle lc;

  lc.statuses = g_array_new (FALSE, FALSE, sizeof (TaskerTaskStatus));
  test_gate_init (&lc.gate);

  task = tasker_manager_run_thread (manager, NULL, NULL, gated_func, &lc, NULL, NULL);
  g_signal_connect (task, "notify::status", G_CALLBACK (status_cb), &lc);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_PENDING);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 0);
  g_assert_cmpint (tasker_task_get_started_time (task), ==, 0);
  g_assert_false (tasker_task_is_final (task));

  test_wait_for (tasker_manager_get_context (manager), test_task_is_running, task);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 1);
  g_assert_cmpint (tasker_task_get_started_time (task), >=, tasker_task_get_created_time (task));
  g_assert_cmpint (tasker_task_get_finished_time (task), ==, 0);

  test_gate_open (&lc.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));

  g_assert_cmpuint (lc.statuses->len, ==, 2);
  g_assert_cmpint (g_array_index (lc.statuses, TaskerTaskStatus, 0), ==, TASKER_TASK_STATUS_RUNNING);
  g_assert_cmpint (g_array_index (lc.statuses, TaskerTaskStatus, 1), ==, TASKER_TASK_STATUS_COMPLETED);
  g_assert_true (tasker_task_is_final (task));
  /* A completed task's progress is 1.0, whatever it reported last. */
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 1.0);
  g_assert_cmpint (tasker_task_get_finished_time (task), >=, tasker_task_get_started_time (task));
  g_assert_null (tasker_task_get_error (task));

  test_gate_clear (&lc.gate);
  g_array_unref (lc.statuses);
}

typedef struct
{
  TaskerContext *context;   /* kept past the end of the task */
} Keeper;

static void
keep_context_func (TaskerContext *context,
                   gpointer       data)
{
  Keeper *keeper = data;

  keeper->context = g_object_ref (context);
  tasker_context_set_progress (context, 0.5);
  tasker_context_set_message (context, "last words");
}

static void
final_status_never_changes (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  Keeper keeper = { NULL };

  task = tasker_manager_run_thread (manager, NULL, NULL, keep_context_func, &keeper, NULL, NULL);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_COMPLETED);

  /* Late updates, a late flush, a late cancel and a late return change nothing. */
  tasker_context_set_progress (keeper.context, 0.1);
  tasker_context_set_message (keeper.context, "too late");
  tasker_context_flush (keeper.context);
  tasker_task_cancel (task);
  g_test_expect_message ("Tasker", G_LOG_LEVEL_CRITICAL, "*already returned*");
  tasker_context_return_new_error (keeper.context, G_IO_ERROR, G_IO_ERROR_FAILED, "late");
  g_test_assert_expected_messages ();
  test_spin (tasker_manager_get_context (manager), 50);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));

  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 1.0);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "last words");
  g_assert_null (tasker_task_get_error (task));

  g_object_unref (keeper.context);
}

static void
return_int_func (TaskerContext *context,
                 gpointer       data)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, GPOINTER_TO_INT (data));
  tasker_context_return_value (context, &value);
}

static int n_freed;

static void
count_free (gpointer data)
{
  n_freed++;
  g_free (data);
}

static void
return_pointer_func (TaskerContext *context,
                     gpointer       data)
{
  tasker_context_return_pointer (context, g_strdup ("a result"), count_free);
}

static void
return_error_func (TaskerContext *context,
                   gpointer       data)
{
  tasker_context_return_new_error (context, G_FILE_ERROR, G_FILE_ERROR_NOENT, "no such file: %s", "x");
}

static void
results_and_errors_keep_their_values (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) int_task = tasker_manager_run_thread (manager, NULL, NULL, return_int_func, GINT_TO_POINTER (42), NULL, NULL);
  g_autoptr(TaskerTask) ptr_task = tasker_manager_run_thread (manager, NULL, NULL, return_pointer_func, NULL, NULL, NULL);
  g_autoptr(TaskerTask) err_task = tasker_manager_run_coroutine (manager, NULL, NULL, return_error_func, NULL, NULL, NULL);
  g_autoptr(TaskerTask) none_task = tasker_manager_run_thread (manager, NULL, NULL, noop_func, NULL, NULL, NULL);
  g_auto(GValue) value = G_VALUE_INIT;
  g_auto(GValue) pointer = G_VALUE_INIT;
  g_auto(GValue) none = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  /* Not finished yet: no result, an error. */
  g_assert_false (tasker_task_propagate_value (int_task, NULL, &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_FAILED);
  g_clear_error (&error);

  n_freed = 0;
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));

  g_assert_true (tasker_task_propagate_value (int_task, &value, &error));
  g_assert_no_error (error);
  g_assert_true (G_VALUE_HOLDS_INT (&value));
  g_assert_cmpint (g_value_get_int (&value), ==, 42);

  g_assert_true (tasker_task_propagate_value (ptr_task, &pointer, NULL));
  g_assert_cmpstr (g_value_get_pointer (&pointer), ==, "a result");
  g_assert_cmpstr (tasker_task_get_result_pointer (ptr_task), ==, "a result");

  g_assert_true (tasker_task_propagate_value (none_task, &none, NULL));
  g_assert_false (G_IS_VALUE (&none));

  g_assert_cmpint (tasker_task_get_status (err_task), ==, TASKER_TASK_STATUS_FAILED);
  g_assert_error (tasker_task_get_error (err_task), G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpstr (tasker_task_get_error (err_task)->message, ==, "no such file: x");
  g_assert_false (tasker_task_propagate_value (err_task, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);

  /* The pointer result is freed exactly once, with the task. */
  g_assert_cmpint (n_freed, ==, 0);
  g_clear_object (&ptr_task);
  g_assert_cmpint (n_freed, ==, 1);
}

static void
missing_function_fails_the_task (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  guint n_done = 0;
  g_autoptr(TaskerTaskOptions) options = test_options_counting_done (&n_done);
  g_autoptr(TaskerTask) thread_task = tasker_manager_run_thread (manager, NULL, options, NULL, NULL, NULL, NULL);
  g_autoptr(TaskerTask) coroutine = tasker_manager_run_coroutine (manager, NULL, options, NULL, NULL, NULL, NULL);
  g_autoptr(TaskerTask) fine = tasker_manager_run_thread (manager, NULL, options, noop_func, NULL, NULL, NULL);

  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  g_assert_cmpuint (n_done, ==, 3);
  g_assert_cmpint (tasker_task_get_status (thread_task), ==, TASKER_TASK_STATUS_FAILED);
  g_assert_error (tasker_task_get_error (thread_task), TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (tasker_task_get_status (coroutine), ==, TASKER_TASK_STATUS_FAILED);
  g_assert_error (tasker_task_get_error (coroutine), TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  /* The manager carries on. */
  g_assert_cmpint (tasker_task_get_status (fine), ==, TASKER_TASK_STATUS_COMPLETED);
}

static void
count_destroy (gpointer data)
{
  (*(int *) data)++;
}

static void
shut_down_manager_refuses_work (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(GError) error = NULL;
  TaskerTask *task;
  int n_destroyed = 0;

  g_assert_false (tasker_manager_is_shut_down (manager));
  tasker_manager_shutdown (manager, 100);
  tasker_manager_shutdown (manager, 100);   /* may be called again */
  g_assert_true (tasker_manager_is_shut_down (manager));

  task = tasker_manager_run_thread (manager, NULL, NULL, noop_func,
                                    &n_destroyed, count_destroy, &error);
  g_assert_null (task);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN);
  /* Nothing is lost: the refused task's data is freed. */
  g_assert_cmpint (n_destroyed, ==, 1);
  g_clear_error (&error);

  task = tasker_manager_run_coroutine (manager, NULL, NULL, noop_func, NULL, NULL, &error);
  g_assert_null (task);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN);
}

static void
message_is_only_what_the_function_set (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) silent = tasker_manager_run_thread (manager, NULL, NULL, noop_func, NULL, NULL, NULL);
  Keeper keeper = { NULL };
  g_autoptr(TaskerTask) talker = tasker_manager_run_thread (manager, NULL, NULL, keep_context_func, &keeper, NULL, NULL);
  g_autofree char *copy = NULL;

  g_assert_null (tasker_task_get_message (silent));
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  /* The manager writes no message at submit, start or finish. */
  g_assert_null (tasker_task_get_message (silent));
  copy = tasker_task_dup_message (talker);
  g_assert_cmpstr (copy, ==, "last words");
  g_object_unref (keeper.context);
}

static void
wait_inside_callback_cb (TaskerTask *task,
                         gpointer    data)
{
  TaskerManager *manager = data;

  g_test_expect_message ("Tasker", G_LOG_LEVEL_CRITICAL, "*cannot wait inside a callback*");
  g_assert_false (tasker_manager_wait_until_settled (manager, -1));
  g_test_assert_expected_messages ();
}

static void
waiting_inside_a_callback_is_refused (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;

  /* It would otherwise wait for ever: the manager cannot deliver meanwhile. */
  tasker_task_options_set_done_func (options, wait_inside_callback_cb, manager, NULL);
  task = tasker_manager_run_thread (manager, NULL, options, noop_func, NULL, NULL, NULL);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_COMPLETED);
}

static void
wait_inside_task_func (TaskerContext *context,
                       gpointer       data)
{
  gboolean *returned = data;

  /* It would wait for itself, and run the manager's callbacks on a pool
   * thread if it could take the context. */
  *returned = tasker_manager_wait_until_settled (tasker_manager_get_default (), 100) ? 2 : 1;
}

static void
waiting_inside_a_thread_task_is_refused (void)
{
  TaskerManager *manager = tasker_manager_get_default ();
  g_autoptr(TaskerTask) task = NULL;
  gboolean returned = 0;

  g_test_expect_message ("Tasker", G_LOG_LEVEL_CRITICAL, "*cannot wait inside a thread task*");
  task = tasker_manager_run_thread (manager, NULL, NULL, wait_inside_task_func, &returned, NULL, NULL);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  g_test_assert_expected_messages ();
  g_assert_cmpint (returned, ==, 1);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_COMPLETED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tasker/Task/first-task-has-id-1", first_task_has_id_1);
  g_test_add_func ("/Tasker/Task/status-pending-running-completed", status_goes_pending_running_completed);
  g_test_add_func ("/Tasker/Task/final-status-never-changes", final_status_never_changes);
  g_test_add_func ("/Tasker/Task/results-and-errors", results_and_errors_keep_their_values);
  g_test_add_func ("/Tasker/Task/missing-function-fails", missing_function_fails_the_task);
  g_test_add_func ("/Tasker/Task/shut-down-refuses", shut_down_manager_refuses_work);
  g_test_add_func ("/Tasker/Task/message-only-from-function", message_is_only_what_the_function_set);
  g_test_add_func ("/Tasker/Task/wait-inside-callback-refused", waiting_inside_a_callback_is_refused);
  g_test_add_func ("/Tasker/Task/wait-inside-thread-task-refused", waiting_inside_a_thread_task_is_refused);

  return g_test_run ();
}
