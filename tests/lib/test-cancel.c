/* test-cancel.c — keys, cancellation of pending and running tasks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "tasker-test.h"

#include "tasker-task-private.h"

typedef struct
{
  TestGate gate;
  int      n_ran;       /* (atomic) */
} Shared;

static void
blocker_func (TaskerContext *context,
              gpointer       data)
{
  Shared *shared = data;

  g_atomic_int_inc (&shared->n_ran);
  test_gate_wait (&shared->gate, NULL);
}

static void
count_func (TaskerContext *context,
            gpointer       data)
{
  Shared *shared = data;

  g_atomic_int_inc (&shared->n_ran);
}

static void
done_record_cb (TaskerTask *task,
                gpointer    data)
{
  GPtrArray *done = data;

  g_assert_true (tasker_task_is_final (task));
  g_ptr_array_add (done, task);
}

static TaskerTaskOptions *
options_recording (GPtrArray *done)
{
  TaskerTaskOptions *options = tasker_task_options_new ();

  tasker_task_options_set_done_func (options, done_record_cb, done, NULL);
  return options;
}

static guint
count_in (GPtrArray  *array,
          TaskerTask *task)
{
  guint n = 0;

  for (guint i = 0; i < array->len; i++)
    n += g_ptr_array_index (array, i) == task;
  return n;
}

static void
key_replaces_the_live_task (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(GPtrArray) done = g_ptr_array_new ();
  g_autoptr(TaskerTaskOptions) options = options_recording (done);
  g_autoptr(TaskerTask) old = NULL;
  g_autoptr(TaskerTask) newer = NULL;
  g_autoptr(TaskerTask) found = NULL;
  Shared shared = { 0 };

  test_gate_init (&shared.gate);
  tasker_manager_set_max_threads (manager, 1);

  old = tasker_manager_run_thread (manager, "thumbnails", options, blocker_func, &shared, NULL, NULL);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_running (old));

  found = tasker_manager_dup_task (manager, "thumbnails");
  g_assert_true (found == old);
  g_clear_object (&found);

  newer = tasker_manager_run_thread (manager, "thumbnails", options, count_func, &shared, NULL, NULL);
  g_assert_cmpstr (tasker_task_get_key (newer), ==, "thumbnails");

  /* The new task takes the key at once. */
  found = tasker_manager_dup_task (manager, "thumbnails");
  g_assert_true (found == newer);
  g_clear_object (&found);

  /* The old one sees the cancel; it ends once its function returns. */
  test_gate_open (&shared.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

  g_assert_cmpint (tasker_task_get_status (old), ==, TASKER_TASK_STATUS_CANCELLED);
  g_assert_error (tasker_task_get_error (old), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (tasker_task_get_status (newer), ==, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpuint (count_in (done, old), ==, 1);
  g_assert_cmpuint (count_in (done, newer), ==, 1);
  g_assert_cmpuint (done->len, ==, 2);

  /* An ended task's key is free again. */
  g_assert_null (tasker_manager_dup_task (manager, "thumbnails"));
  test_gate_clear (&shared.gate);
}

static void
key_outlives_replaced_tasks (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  Shared shared = { 0 };

  test_gate_init (&shared.gate);
  test_gate_open (&shared.gate);

  /* Nobody keeps the replaced tasks: the key must not live in their memory. */
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *key = g_strdup ("shared-key");
      g_object_unref (tasker_manager_run_thread (manager, key, NULL, blocker_func, &shared, NULL, NULL));
      if (i % 5 == 4)
        g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
    }
  g_assert_true (tasker_manager_cancel_task (manager, "shared-key") ||
                 tasker_manager_dup_task (manager, "shared-key") == NULL);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  g_assert_null (tasker_manager_dup_task (manager, "shared-key"));
  test_gate_clear (&shared.gate);
}

static void
cancel_task_by_key (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(TaskerTask) plain = NULL;
  Shared shared = { 0 };

  test_gate_init (&shared.gate);
  task = tasker_manager_run_thread (manager, "k", NULL, blocker_func, &shared, NULL, NULL);
  plain = tasker_manager_run_thread (manager, NULL, NULL, count_func, &shared, NULL, NULL);
  g_assert_null (tasker_task_get_key (plain));

  g_assert_false (tasker_manager_cancel_task (manager, "no such key"));
  g_assert_true (tasker_manager_cancel_task (manager, "k"));

  test_gate_open (&shared.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_CANCELLED);
  g_assert_cmpint (tasker_task_get_status (plain), ==, TASKER_TASK_STATUS_COMPLETED);
  /* Once ended, the key belongs to no live task. */
  g_assert_false (tasker_manager_cancel_task (manager, "k"));
  test_gate_clear (&shared.gate);
}

static void
pending_task_cancelled_never_runs (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(GPtrArray) done = g_ptr_array_new ();
  g_autoptr(TaskerTaskOptions) options = options_recording (done);
  g_autoptr(TaskerTask) blocker = NULL;
  g_autoptr(TaskerTask) pending = NULL;
  g_autoptr(TaskerTask) coroutine = NULL;
  Shared shared = { 0 };

  test_gate_init (&shared.gate);
  tasker_manager_set_max_threads (manager, 1);

  blocker = tasker_manager_run_thread (manager, NULL, options, blocker_func, &shared, NULL, NULL);
  pending = tasker_manager_run_thread (manager, NULL, options, count_func, &shared, NULL, NULL);
  /* A coroutine cancelled before its first dispatch never runs either. */
  coroutine = tasker_manager_run_coroutine (manager, NULL, options, count_func, &shared, NULL, NULL);
  tasker_task_cancel (coroutine);

  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_running (blocker));
  tasker_task_cancel (pending);

  /* Its done function comes promptly, while the only thread is still busy. */
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_final (pending));
  g_assert_cmpint (tasker_task_get_status (blocker), ==, TASKER_TASK_STATUS_RUNNING);
  g_assert_cmpint (tasker_task_get_status (pending), ==, TASKER_TASK_STATUS_CANCELLED);
  g_assert_error (tasker_task_get_error (pending), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (count_in (done, pending), ==, 1);
  g_assert_cmpuint (tasker_task_get_attempt (pending), ==, 0);
  g_assert_cmpint (tasker_task_get_status (coroutine), ==, TASKER_TASK_STATUS_CANCELLED);

  test_gate_open (&shared.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  /* Only the blocker ever ran. */
  g_assert_cmpint (g_atomic_int_get (&shared.n_ran), ==, 1);
  g_assert_cmpint (tasker_task_get_status (blocker), ==, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpuint (done->len, ==, 3);
  test_gate_clear (&shared.gate);
}

typedef struct
{
  TestGate started;
  gboolean saw_is_cancelled;
  gboolean cancellable_fired;
  GThread *cancelled_thread;
} Cooperative;

static void
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  Cooperative *co = data;

  co->cancelled_thread = g_thread_self ();
}

static void
cooperative_func (TaskerContext *context,
                  gpointer       data)
{
  Cooperative *co = data;
  GCancellable *cancellable = tasker_context_get_cancellable (context);
  GMainContext *own = g_main_context_new ();
  GSource *source = g_cancellable_source_new (cancellable);
  GValue value = G_VALUE_INIT;
  gulong id;

  tasker_context_set_progress (context, 0.37);
  tasker_context_set_message (context, "halfway there");
  tasker_context_send_event (context, "before-cancel", g_variant_new_int32 (7));
  id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), co, NULL);

  /* Block in a poll that only the cancellable can end. */
  g_source_set_dummy_callback (source);
  g_source_attach (source, own);
  test_gate_open (&co->started);
  while (!g_cancellable_is_cancelled (cancellable))
    g_main_context_iteration (own, TRUE);

  co->cancellable_fired = TRUE;
  co->saw_is_cancelled = tasker_context_is_cancelled (context);
  g_cancellable_disconnect (cancellable, id);
  g_source_destroy (source);
  g_source_unref (source);
  g_main_context_unref (own);

  /* What it returns no longer matters: it was cancelled. */
  g_value_init (&value, G_TYPE_INT);
  tasker_context_return_value (context, &value);
}

typedef struct
{
  GPtrArray *log;
} Order;

static void
order_event_cb (TaskerTask *task,
                const char *name,
                GVariant   *data,
                gpointer    user_data)
{
  Order *order = user_data;

  g_ptr_array_add (order->log, g_strdup_printf ("event %s %d", name, g_variant_get_int32 (data)));
}

static void
order_done_cb (TaskerTask *task,
               gpointer    user_data)
{
  Order *order = user_data;

  g_ptr_array_add (order->log, g_strdup_printf ("done %.2f %s", tasker_task_get_progress (task),
                                                tasker_task_get_message (task)));
}

static void
running_task_sees_cancel (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;
  Order order = { g_ptr_array_new_with_free_func (g_free) };
  Cooperative co = { 0 };

  test_gate_init (&co.started);
  tasker_task_options_set_event_func (options, order_event_cb, &order, NULL);
  tasker_task_options_set_done_func (options, order_done_cb, &order, NULL);

  task = tasker_manager_run_thread (manager, NULL, options, cooperative_func, &co, NULL, NULL);
  test_gate_wait (&co.started, NULL);
  tasker_task_cancel (task);
  tasker_task_cancel (task);   /* twice is harmless */
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

  g_assert_true (co.cancellable_fired);
  g_assert_true (co.saw_is_cancelled);
  /* The cancellable fires in the cancelling thread, as GIO does. */
  g_assert_true (co.cancelled_thread == g_thread_self ());
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_CANCELLED);
  g_assert_error (tasker_task_get_error (task), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* What it set before the end is kept and delivered, in order, before done. */
  g_assert_cmpuint (order.log->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (order.log, 0), ==, "event before-cancel 7");
  g_assert_cmpstr (g_ptr_array_index (order.log, 1), ==, "done 0.37 halfway there");

  g_ptr_array_unref (order.log);
  test_gate_clear (&co.started);
}

/* Waits, without iterating the manager's context, until the runner has
 * reported the function's return: the result exists, the manager has not
 * seen it yet. */
static void
wait_until_returned (TaskerTask *task)
{
  gint64 deadline = g_get_monotonic_time () + test_timeout_ms () * G_TIME_SPAN_MILLISECOND;
  gboolean returned = FALSE;

  while (!returned)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_mutex_lock (&task->lock);
      returned = task->returned;
      g_mutex_unlock (&task->lock);
      if (!returned)
        g_thread_yield ();
    }
}

/* A cancel or a timeout that fires after the function returned, but before
 * the manager has processed the return, changes nothing: the task completed,
 * once, and is not retried (DESIGN.md §4 Completion wins). */
static void
completion_wins (gconstpointer data)
{
  gboolean by_timeout = GPOINTER_TO_INT (data);
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(TaskerTask) task = NULL;
  guint n_done = 0;
  Shared shared = { 0 };

  options = test_options_counting_done (&n_done);
  tasker_task_options_set_retry (options, 2, 0, 2.0, 0, 0.0);
  tasker_task_options_set_timeout_ms (options, 60 * 1000);
  task = tasker_manager_run_thread (manager, NULL, options, count_func, &shared, NULL, NULL);

  wait_until_returned (task);
  if (by_timeout)
    {
      /* What the timeout's timer does when it fires. */
      g_autoptr(GError) reason = g_error_new (TASKER_ERROR, TASKER_ERROR_TIMED_OUT,
                                              "timed out after 60000 ms");
      _tasker_manager_task_cancel (manager, task, reason);
    }
  else
    tasker_task_cancel (task);

  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_COMPLETED);
  g_assert_no_error (tasker_task_get_error (task));
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&shared.n_ran), ==, 1);
  g_assert_cmpuint (n_done, ==, 1);
}

/* The other order: a cancel before the return still wins, and a timeout
 * before the return still fails the attempt and retries it. */
static void
cancel_before_return_wins (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) reason = NULL;
  guint n_done = 0;
  Shared shared = { 0 };

  test_gate_init (&shared.gate);
  options = test_options_counting_done (&n_done);
  tasker_task_options_set_retry (options, 2, 0, 2.0, 0, 0.0);
  task = tasker_manager_run_thread (manager, NULL, options, blocker_func, &shared, NULL, NULL);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_running (task));

  reason = g_error_new (TASKER_ERROR, TASKER_ERROR_TIMED_OUT, "timed out after 5 ms");
  _tasker_manager_task_cancel (manager, task, reason);
  test_gate_open (&shared.gate);

  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  /* Timed out once, retried, and the second attempt ran to the end. */
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&shared.n_ran), ==, 2);
  g_assert_cmpuint (n_done, ==, 1);
  test_gate_clear (&shared.gate);
}

static void
shutdown_cancels_everything (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) running = NULL;
  g_autoptr(TaskerTask) pending = NULL;
  Cooperative co = { 0 };
  Shared shared = { 0 };

  test_gate_init (&co.started);
  tasker_manager_set_max_threads (manager, 1);
  running = tasker_manager_run_thread (manager, NULL, NULL, cooperative_func, &co, NULL, NULL);
  pending = tasker_manager_run_thread (manager, NULL, NULL, count_func, &shared, NULL, NULL);
  test_gate_wait (&co.started, NULL);

  tasker_manager_shutdown (manager, test_timeout_ms ());
  g_assert_true (tasker_manager_wait_until_settled (manager, 0));
  g_assert_cmpint (tasker_task_get_status (running), ==, TASKER_TASK_STATUS_CANCELLED);
  g_assert_cmpint (tasker_task_get_status (pending), ==, TASKER_TASK_STATUS_CANCELLED);
  g_assert_cmpint (g_atomic_int_get (&shared.n_ran), ==, 0);
  test_gate_clear (&co.started);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tasker/Cancel/key-replaces-live-task", key_replaces_the_live_task);
  g_test_add_func ("/Tasker/Cancel/key-outlives-replaced-tasks", key_outlives_replaced_tasks);
  g_test_add_func ("/Tasker/Cancel/cancel-task-by-key", cancel_task_by_key);
  g_test_add_func ("/Tasker/Cancel/pending-never-runs", pending_task_cancelled_never_runs);
  g_test_add_func ("/Tasker/Cancel/running-sees-cancel", running_task_sees_cancel);
  g_test_add_func ("/Tasker/Cancel/shutdown-cancels-everything", shutdown_cancels_everything);
  g_test_add_data_func ("/Tasker/Cancel/completion-wins-over-late-cancel", GINT_TO_POINTER (FALSE), completion_wins);
  g_test_add_data_func ("/Tasker/Cancel/completion-wins-over-late-timeout", GINT_TO_POINTER (TRUE), completion_wins);
  g_test_add_func ("/Tasker/Cancel/timeout-before-return-retries", cancel_before_return_wins);

  return g_test_run ();
}
