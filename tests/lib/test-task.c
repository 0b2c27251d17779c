/* test-task.c — a task's status, ids, life cycle, results and errors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "tasker-test.h"

/* How many tests of this program ran before the current one. */
static guint n_tests_run;

typedef struct
{
  TestGate       gate;
  TaskerContext *context;     /* (owned) (nullable) kept by the function */
  int            returned;    /* (atomic) */
  GMutex         lock;
  GCond          cond;
} TaskData;

static void
task_data_init (TaskData *d)
{
  test_gate_init (&d->gate);
  d->context = NULL;
  d->returned = FALSE;
  g_mutex_init (&d->lock);
  g_cond_init (&d->cond);
}

static void
task_data_clear (TaskData *d)
{
  test_gate_clear (&d->gate);
  g_clear_object (&d->context);
  g_mutex_clear (&d->lock);
  g_cond_clear (&d->cond);
}

static void
mark_returned (TaskData *d)
{
  g_mutex_lock (&d->lock);
  g_atomic_int_set (&d->returned, TRUE);
  g_cond_broadcast (&d->cond);
  g_mutex_unlock (&d->lock);
}

/* Blocks this thread (without running any main context) until the task
 * function said it is returning. */
static void
wait_returned_blocking (TaskData *d)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) test_timeout_ms () * 1000;

  g_mutex_lock (&d->lock);
  while (!g_atomic_int_get (&d->returned))
    if (!g_cond_wait_until (&d->cond, &d->lock, deadline))
      break;
  g_mutex_unlock (&d->lock);

  g_assert_true (g_atomic_int_get (&d->returned));
}

static void
nothing_cb (TaskerContext *context,
            gpointer       data)
{
}

static void
gated_cb (TaskerContext *context,
          gpointer       data)
{
  TaskData *d = data;

  test_gate_wait (&d->gate, NULL);
}

static void
return_now_cb (TaskerContext *context,
               gpointer       data)
{
  mark_returned (data);
}

/* Keeps a reference to its context for the test to use after the end. */
static void
keep_context_cb (TaskerContext *context,
                 gpointer       data)
{
  TaskData *d = data;

  d->context = g_object_ref (context);
}

static void
returns_pointer_cb (TaskerContext *context,
                    gpointer       data)
{
  tasker_context_return_pointer (context, data, NULL);
}

static void
progress_then_return_cb (TaskerContext *context,
                         gpointer       data)
{
  tasker_context_set_progress (context, 0.3);
}

static void
record_status_cb (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    data)
{
  GArray *statuses = data;
  TaskerTaskStatus status = tasker_task_get_status (TASKER_TASK (object));

  g_array_append_val (statuses, status);
}

static void
test_ids (TestFixture   *f,
          gconstpointer  data)
{
  g_autoptr(TaskerManager) other = tasker_manager_new (f->context);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  guint64 last = 0;

  for (guint i = 0; i < 24; i++)
    {
      TaskerManager *manager = i % 3 == 0 ? other : f->manager;
      TaskerTask *task;

      if (i % 2 == 0)
        task = test_run_thread (manager, NULL, f->options, nothing_cb, NULL);
      else
        task = test_add_coroutine (manager, NULL, f->options, returns_pointer_cb, NULL);

      /* Ids start at 1 and grow with every task, whatever its manager or kind. */
      if (i == 0 && n_tests_run == 0)
        g_assert_cmpuint (tasker_task_get_id (task), ==, 1);
      g_assert_cmpuint (tasker_task_get_id (task), >=, 1);
      g_assert_cmpuint (tasker_task_get_id (task), >, last);
      last = tasker_task_get_id (task);
      g_ptr_array_add (tasks, task);
    }

  test_settle (f->manager);
  test_settle (other);

  /* An id stays the task's for ever. */
  for (guint i = 1; i < tasks->len; i++)
    g_assert_cmpuint (tasker_task_get_id (g_ptr_array_index (tasks, i)), >,
                      tasker_task_get_id (g_ptr_array_index (tasks, i - 1)));
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, tasks->len);

  /* Never reused, not even by a new manager. */
  {
    g_autoptr(TaskerManager) third = tasker_manager_new (f->context);
    g_autoptr(TaskerTask) task = test_run_thread (third, NULL, NULL, nothing_cb, NULL);

    g_assert_cmpuint (tasker_task_get_id (task), >, last);
    test_settle (third);
  }
}

static void
test_status_lifecycle (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GArray) statuses = g_array_new (FALSE, FALSE, sizeof (TaskerTaskStatus));
  TaskData d;
  gint64 before = g_get_real_time ();

  task_data_init (&d);

  task = test_run_thread (f->manager, NULL, f->options, gated_cb, &d);
  g_signal_connect (task, "notify::status", G_CALLBACK (record_status_cb), statuses);

  test_assert_status (task, TASKER_TASK_STATUS_PENDING);
  g_assert_false (tasker_task_is_final (task));
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 0);
  g_assert_cmpint (tasker_task_get_created_time (task), >=, before);
  g_assert_cmpint (tasker_task_get_created_time (task), <=, g_get_real_time ());
  g_assert_cmpint (tasker_task_get_started_time (task), ==, 0);
  g_assert_cmpint (tasker_task_get_finished_time (task), ==, 0);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 0.0);
  g_assert_null (tasker_task_get_message (task));
  g_assert_null (tasker_task_get_error (task));
  g_assert_cmpint (tasker_task_get_kind (task), ==, TASKER_TASK_KIND_THREAD);

  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&d.gate) == 1);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (task));
  g_assert_false (tasker_task_is_final (task));
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 1);
  g_assert_cmpint (tasker_task_get_started_time (task), >=, tasker_task_get_created_time (task));
  g_assert_cmpint (tasker_task_get_finished_time (task), ==, 0);
  g_assert_null (tasker_task_get_error (task));
  g_assert_false (test_recorder_is_done (&f->rec, task));

  test_gate_open (&d.gate);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 1);
  g_assert_cmpint (tasker_task_get_finished_time (task), >=, tasker_task_get_started_time (task));
  g_assert_cmpint (tasker_task_get_finished_time (task), <=, g_get_real_time ());
  g_assert_null (tasker_task_get_error (task));
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 1.0);

  /* PENDING → RUNNING → COMPLETED, each seen once. */
  g_assert_cmpuint (statuses->len, ==, 2);
  g_assert_cmpint (g_array_index (statuses, TaskerTaskStatus, 0), ==, TASKER_TASK_STATUS_RUNNING);
  g_assert_cmpint (g_array_index (statuses, TaskerTaskStatus, 1), ==, TASKER_TASK_STATUS_COMPLETED);

  test_settle (f->manager);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
  g_signal_handlers_disconnect_by_data (task, statuses);
  task_data_clear (&d);
}

/* Status changes are made on the manager's context: what this thread reads
 * stays put until the context runs, even after the function returned. */
static void
test_status_stays_put (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GListModel) list = tasker_manager_list_tasks (f->manager);
  TaskData d;

  task_data_init (&d);

  task = test_run_thread (f->manager, NULL, f->options, return_now_cb, &d);
  wait_returned_blocking (&d);

  test_assert_status (task, TASKER_TASK_STATUS_PENDING);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 0);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 0.0);
  g_assert_false (tasker_task_is_final (task));
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);
  g_assert_false (test_recorder_is_done (&f->rec, task));

  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  test_settle (f->manager);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
  task_data_clear (&d);
}

static gboolean
tolerate_tasker_criticals (const char     *log_domain,
                           GLogLevelFlags  log_level,
                           const char     *message,
                           gpointer        user_data)
{
  /* A second return is a programmer error the library may point out. */
  return g_strcmp0 (log_domain, "Tasker") != 0 || !(log_level & G_LOG_LEVEL_CRITICAL);
}

static void
quiet_log_cb (const char     *log_domain,
              GLogLevelFlags  log_level,
              const char     *message,
              gpointer        user_data)
{
  g_test_message ("tolerated: %s", message);
}

static guint n_destroyed;

static void
count_destroy (gpointer data)
{
  g_atomic_int_inc (&n_destroyed);
}

static void
poke_stale_context (TestFixture   *f,
                    TaskerContext *context)
{
  guint handler;

  tasker_context_set_progress (context, 0.25);
  tasker_context_set_message (context, "late message");
  tasker_context_send_event (context, "late-event", g_variant_new_int32 (1));
  tasker_context_flush (context);
  test_spin_for (f->context, 50);

  handler = g_log_set_handler ("Tasker", G_LOG_LEVEL_CRITICAL | G_LOG_FLAG_FATAL, quiet_log_cb, NULL);
  g_test_log_set_fatal_handler (tolerate_tasker_criticals, NULL);
  tasker_context_return_new_error (context, G_IO_ERROR, G_IO_ERROR_FAILED, "late error");
  tasker_context_return_pointer (context, GINT_TO_POINTER (1), count_destroy);
  tasker_context_flush (context);
  test_spin_for (f->context, 50);
  g_test_log_set_fatal_handler (NULL, NULL);
  g_log_remove_handler ("Tasker", handler);
}

static void
test_final_status_never_changes (TestFixture   *f,
                                 gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(TaskerTask) cancelled = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  TaskerContext *coroutine_context = NULL;
  TaskData d;

  task_data_init (&d);
  n_destroyed = 0;

  /* A completed task. */
  task = test_run_thread (f->manager, "final", f->options, keep_context_cb, &d);
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);

  poke_stale_context (f, d.context);
  tasker_task_cancel (task);
  g_assert_false (tasker_manager_cancel_task (f->manager, "final"));
  test_spin_for (f->context, 20);

  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 1.0);
  g_assert_null (tasker_task_get_message (task));
  g_assert_null (tasker_task_get_error (task));
  g_assert_true (tasker_task_propagate_value (task, &value, &error));
  g_assert_no_error (error);
  g_assert_false (G_IS_VALUE (&value));
  g_assert_null (tasker_task_get_result_pointer (task));
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
  {
    g_autofree char *line = g_strdup_printf ("event %" G_GUINT64_FORMAT " late-event 1",
                                             tasker_task_get_id (task));
    g_assert_cmpint (test_recorder_find (&f->rec, line), ==, -1);
  }

  /* A cancelled coroutine. */
  cancelled = test_add_coroutine (f->manager, NULL, f->options, test_capture_context_cb, &coroutine_context);
  TEST_WAIT_UNTIL (f->context, coroutine_context != NULL);
  tasker_task_cancel (cancelled);
  tasker_context_return_pointer (coroutine_context, NULL, NULL);
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, cancelled));
  test_assert_status (cancelled, TASKER_TASK_STATUS_CANCELLED);

  poke_stale_context (f, coroutine_context);
  test_assert_status (cancelled, TASKER_TASK_STATUS_CANCELLED);
  {
    g_autofree char *line = g_strdup_printf ("event %" G_GUINT64_FORMAT " late-event 1",
                                             tasker_task_get_id (cancelled));
    g_assert_cmpint (test_recorder_find (&f->rec, line), ==, -1);
  }
  g_assert_true (g_error_matches (tasker_task_get_error (cancelled), G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_assert_cmpfloat (tasker_task_get_progress (cancelled), ==, 0.0);
  g_assert_null (tasker_task_get_message (cancelled));
  g_assert_cmpuint (test_recorder_done_count (&f->rec, cancelled), ==, 1);

  test_settle (f->manager);
  g_clear_object (&coroutine_context);
  task_data_clear (&d);

  /* The late pointers were refused: their destroy notifies ran, once each. */
  g_assert_cmpuint (g_atomic_int_get (&n_destroyed), ==, 2);
}

static void
test_completed_progress (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTask) with_progress = NULL;
  g_autoptr(TaskerTask) without = NULL;
  g_autoptr(TaskerTask) coroutine = NULL;
  TaskerContext *context = NULL;

  with_progress = test_run_thread (f->manager, NULL, f->options, progress_then_return_cb, NULL);
  without = test_run_thread (f->manager, NULL, f->options, nothing_cb, NULL);
  coroutine = test_add_coroutine (f->manager, NULL, f->options, test_capture_context_cb, &context);

  TEST_WAIT_UNTIL (f->context, context != NULL);
  tasker_context_set_progress (context, 0.2);
  test_flush_and_wait (f, context);
  g_assert_cmpfloat (tasker_task_get_progress (coroutine), ==, 0.2);
  tasker_context_return_pointer (context, NULL, NULL);

  test_settle (f->manager);
  test_assert_status (with_progress, TASKER_TASK_STATUS_COMPLETED);
  test_assert_status (without, TASKER_TASK_STATUS_COMPLETED);
  test_assert_status (coroutine, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpfloat (tasker_task_get_progress (with_progress), ==, 1.0);
  g_assert_cmpfloat (tasker_task_get_progress (without), ==, 1.0);
  g_assert_cmpfloat (tasker_task_get_progress (coroutine), ==, 1.0);
  g_clear_object (&context);
}

typedef struct
{
  GType    type;
  gpointer object;   /* for G_TYPE_OBJECT */
} ValueSpec;

static void
return_value_cb (TaskerContext *context,
                 gpointer       data)
{
  ValueSpec *spec = data;
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, spec->type);
  if (spec->type == G_TYPE_INT)
    g_value_set_int (&value, 42);
  else if (spec->type == G_TYPE_STRING)
    g_value_set_string (&value, "hello");
  else if (spec->type == G_TYPE_OBJECT)
    g_value_set_object (&value, spec->object);
  else
    g_assert_not_reached ();

  tasker_context_return_value (context, &value);
}

static void
test_result_value (TestFixture   *f,
                   gconstpointer  data)
{
  ValueSpec int_spec = { G_TYPE_INT, NULL };
  ValueSpec string_spec = { G_TYPE_STRING, NULL };
  ValueSpec object_spec = { G_TYPE_OBJECT, g_object_new (G_TYPE_OBJECT, NULL) };
  gpointer object_weak = object_spec.object;
  g_autoptr(TaskerTask) int_task = NULL;
  g_autoptr(TaskerTask) string_task = NULL;
  TaskerTask *object_task = NULL;
  g_autoptr(TaskerTask) empty_task = NULL;

  g_object_add_weak_pointer (object_spec.object, &object_weak);

  int_task = test_run_thread (f->manager, NULL, f->options, return_value_cb, &int_spec);
  string_task = test_run_thread (f->manager, NULL, f->options, return_value_cb, &string_spec);
  object_task = test_run_thread (f->manager, NULL, f->options, return_value_cb, &object_spec);
  empty_task = test_run_thread (f->manager, NULL, f->options, nothing_cb, NULL);

  test_settle (f->manager);
  g_clear_object (&object_spec.object);

  /* Twice: propagating copies, it does not take the result away. */
  for (guint round = 0; round < 2; round++)
    {
      g_auto(GValue) i = G_VALUE_INIT;
      g_auto(GValue) s = G_VALUE_INIT;
      g_auto(GValue) o = G_VALUE_INIT;
      g_auto(GValue) e = G_VALUE_INIT;
      g_autoptr(GError) error = NULL;

      g_assert_true (tasker_task_propagate_value (int_task, &i, &error));
      g_assert_no_error (error);
      g_assert_true (G_VALUE_HOLDS_INT (&i));
      g_assert_cmpint (g_value_get_int (&i), ==, 42);

      g_assert_true (tasker_task_propagate_value (string_task, &s, &error));
      g_assert_no_error (error);
      g_assert_true (G_VALUE_HOLDS_STRING (&s));
      g_assert_cmpstr (g_value_get_string (&s), ==, "hello");

      g_assert_true (tasker_task_propagate_value (object_task, &o, &error));
      g_assert_no_error (error);
      g_assert_true (G_VALUE_HOLDS_OBJECT (&o));
      g_assert_true (g_value_get_object (&o) == object_weak);

      /* No result: TRUE and an unset value. */
      g_assert_true (tasker_task_propagate_value (empty_task, &e, &error));
      g_assert_no_error (error);
      g_assert_false (G_IS_VALUE (&e));
    }

  /* The task owns its result: gone with the task, not before. */
  g_assert_nonnull (object_weak);
  test_unref_and_wait (f->context, object_task);
  g_assert_null (object_weak);
}

typedef struct
{
  int n_destroyed;   /* (atomic) */
  TestGate gate;
  gboolean cancel_seen;
} PointerResult;

static void
pointer_result_destroy (gpointer data)
{
  PointerResult *result = data;

  g_atomic_int_inc (&result->n_destroyed);
}

static void
return_pointer_cb (TaskerContext *context,
                   gpointer       data)
{
  tasker_context_return_pointer (context, data, pointer_result_destroy);
}

static void
return_pointer_after_cancel_cb (TaskerContext *context,
                                gpointer       data)
{
  PointerResult *result = data;

  test_gate_wait (&result->gate, tasker_context_get_cancellable (context));
  result->cancel_seen = tasker_context_is_cancelled (context);
  tasker_context_return_pointer (context, data, pointer_result_destroy);
}

static void
test_result_pointer (TestFixture   *f,
                     gconstpointer  data)
{
  PointerResult completed = { 0, };
  PointerResult cancelled = { 0, };
  PointerResult coroutine = { 0, };
  TaskerTask *completed_task;
  TaskerTask *cancelled_task;
  TaskerTask *coroutine_task;
  TaskerContext *context = NULL;

  test_gate_init (&cancelled.gate);

  completed_task = test_run_thread (f->manager, NULL, f->options, return_pointer_cb, &completed);
  cancelled_task = test_run_thread (f->manager, NULL, f->options, return_pointer_after_cancel_cb, &cancelled);
  coroutine_task = test_add_coroutine (f->manager, NULL, f->options, test_capture_context_cb, &context);

  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&cancelled.gate) == 1);
  tasker_task_cancel (cancelled_task);

  TEST_WAIT_UNTIL (f->context, context != NULL);
  tasker_context_return_pointer (context, &coroutine, pointer_result_destroy);
  g_clear_object (&context);

  test_settle (f->manager);

  test_assert_status (completed_task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_true (tasker_task_get_result_pointer (completed_task) == &completed);
  test_assert_status (coroutine_task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_true (tasker_task_get_result_pointer (coroutine_task) == &coroutine);
  g_assert_cmpint (g_atomic_int_get (&completed.n_destroyed), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&coroutine.n_destroyed), ==, 0);

  /* Returning after a cancel: CANCELLED, and the result is no one's. */
  g_assert_true (cancelled.cancel_seen);
  test_assert_status (cancelled_task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_null (tasker_task_get_result_pointer (cancelled_task));

  test_unref_and_wait (f->context, completed_task);
  test_unref_and_wait (f->context, cancelled_task);
  test_unref_and_wait (f->context, coroutine_task);

  /* Destroyed exactly once each, also the one nobody could see. */
  g_assert_cmpint (g_atomic_int_get (&completed.n_destroyed), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&cancelled.n_destroyed), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&coroutine.n_destroyed), ==, 1);
  test_gate_clear (&cancelled.gate);
}

#define TEST_ERROR (g_quark_from_static_string ("tasker-test-error-quark"))

static void
custom_error_cb (TaskerContext *context,
                 gpointer       data)
{
  tasker_context_set_progress (context, 0.5);
  tasker_context_return_new_error (context, TEST_ERROR, 7, "custom %d", 7);
}

static void
io_error_cb (TaskerContext *context,
             gpointer       data)
{
  tasker_context_return_error (context, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                                             "no entry"));
}

static void
assert_failed_with (TaskerTask *task,
                    GQuark      domain,
                    int         code,
                    const char *message)
{
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  test_assert_status (task, TASKER_TASK_STATUS_FAILED);
  g_assert_true (tasker_task_is_final (task));
  g_assert_error (tasker_task_get_error (task), domain, code);
  g_assert_cmpstr (tasker_task_get_error (task)->message, ==, message);
  g_assert_false (tasker_task_propagate_value (task, &value, &error));
  g_assert_error (error, domain, code);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_false (G_IS_VALUE (&value));
  g_assert_null (tasker_task_get_result_pointer (task));
}

static void
test_error_domain_code (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TaskerTask) custom = NULL;
  g_autoptr(TaskerTask) io = NULL;
  g_autoptr(TaskerTask) coroutine = NULL;
  TaskerContext *context = NULL;

  custom = test_run_thread (f->manager, NULL, f->options, custom_error_cb, NULL);
  io = test_run_thread (f->manager, NULL, f->options, io_error_cb, NULL);
  coroutine = test_add_coroutine (f->manager, NULL, f->options, test_capture_context_cb, &context);
  TEST_WAIT_UNTIL (f->context, context != NULL);
  tasker_context_return_new_error (context, TEST_ERROR, 3, "coroutine %s", "error");
  g_clear_object (&context);

  test_settle (f->manager);

  assert_failed_with (custom, TEST_ERROR, 7, "custom 7");
  assert_failed_with (io, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "no entry");
  assert_failed_with (coroutine, TEST_ERROR, 3, "coroutine error");

  /* Only a completed task's progress is forced to 1. */
  g_assert_cmpfloat (tasker_task_get_progress (custom), ==, 0.5);
}

static void
test_propagate_unfinished (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  TaskData d;

  task_data_init (&d);
  task = test_run_thread (f->manager, NULL, f->options, gated_cb, &d);

  for (guint round = 0; round < 2; round++)
    {
      g_auto(GValue) value = G_VALUE_INIT;
      g_autoptr(GError) error = NULL;

      /* PENDING first, then RUNNING. */
      if (round == 1)
        TEST_WAIT_UNTIL (f->context, test_task_is_running (task));

      g_assert_false (tasker_task_propagate_value (task, &value, &error));
      g_assert_nonnull (error);
      g_assert_false (G_IS_VALUE (&value));
      g_assert_null (tasker_task_get_result_pointer (task));
    }

  test_gate_open (&d.gate);
  test_settle (f->manager);
  task_data_clear (&d);
}

static void
test_properties (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (&f->rec);
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(TaskerTask) plain = NULL;
  TaskerContext *context = NULL;
  guint64 id;
  g_autofree char *key = NULL;
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;
  TaskerTaskKind kind;
  TaskerTaskStatus status;
  double progress;
  guint attempt;

  tasker_task_options_set_name (options, "Compressing");
  tasker_task_options_set_description (options, "file", "a.txt");
  task = test_add_coroutine (f->manager, "the-key", options, test_capture_context_cb, &context);
  plain = test_run_thread (f->manager, NULL, NULL, nothing_cb, NULL);

  g_assert_cmpstr (tasker_task_get_key (task), ==, "the-key");
  g_assert_cmpstr (tasker_task_get_name (task), ==, "Compressing");
  g_assert_cmpstr (tasker_task_get_description (task, "file"), ==, "a.txt");
  g_assert_null (tasker_task_get_description (task, "other"));
  g_assert_cmpint (tasker_task_get_kind (task), ==, TASKER_TASK_KIND_COROUTINE);
  g_assert_null (tasker_task_get_key (plain));
  g_assert_null (tasker_task_get_name (plain));
  g_assert_null (tasker_task_get_message (plain));
  g_assert_cmpint (tasker_task_get_kind (plain), ==, TASKER_TASK_KIND_THREAD);

  TEST_WAIT_UNTIL (f->context, context != NULL);
  tasker_context_set_progress (context, 0.75);
  tasker_context_set_message (context, "half");
  test_flush_and_wait (f, context);

  g_object_get (task,
                "id", &id,
                "key", &key,
                "name", &name,
                "kind", &kind,
                "status", &status,
                "progress", &progress,
                "message", &message,
                "attempt", &attempt,
                NULL);
  g_assert_cmpuint (id, ==, tasker_task_get_id (task));
  g_assert_cmpstr (key, ==, "the-key");
  g_assert_cmpstr (name, ==, "Compressing");
  g_assert_cmpint (kind, ==, TASKER_TASK_KIND_COROUTINE);
  g_assert_cmpint (status, ==, TASKER_TASK_STATUS_RUNNING);
  g_assert_cmpfloat (progress, ==, 0.75);
  g_assert_cmpstr (message, ==, "half");
  g_assert_cmpstr (tasker_task_get_message (task), ==, "half");
  g_clear_pointer (&message, g_free);
  message = tasker_task_dup_message (task);
  g_assert_cmpstr (message, ==, "half");
  g_assert_cmpuint (attempt, ==, 1);

  tasker_context_return_pointer (context, NULL, NULL);
  g_clear_object (&context);
  test_settle (f->manager);

  /* Still there once the task ended. */
  g_assert_cmpstr (tasker_task_get_name (task), ==, "Compressing");
  g_assert_cmpstr (tasker_task_get_description (task, "file"), ==, "a.txt");
  g_assert_cmpstr (tasker_task_get_message (task), ==, "half");
}

/* Tests without a fixture: each sets up its own manager, most on GLib's
 * default main context, and checks what it needs itself. */

static void
first_task_has_id_1 (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) a = tasker_manager_run_thread (manager, NULL, NULL, nothing_cb, NULL, NULL, NULL);
  g_autoptr(TaskerTask) b = tasker_manager_run_thread (manager, NULL, NULL, nothing_cb, NULL, NULL, NULL);
  g_autoptr(TaskerManager) other = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) c = tasker_manager_run_coroutine (other, NULL, NULL, nothing_cb, NULL, NULL, NULL);

  /* This test runs first in its process. */
  g_assert_cmpuint (tasker_task_get_id (a), ==, 1);
  g_assert_cmpuint (tasker_task_get_id (b), ==, 2);
  /* Never reused, even by another manager. */
  g_assert_cmpuint (tasker_task_get_id (c), ==, 3);

  tasker_manager_shutdown (other, 1000);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
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
  test_gate_wait (&lc->gate, NULL);
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

  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_running (task));
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 1);
  g_assert_cmpint (tasker_task_get_started_time (task), >=, tasker_task_get_created_time (task));
  g_assert_cmpint (tasker_task_get_finished_time (task), ==, 0);

  test_gate_open (&lc.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

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
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_COMPLETED);

  /* Late updates, a late flush, a late cancel and a late return change nothing. */
  tasker_context_set_progress (keeper.context, 0.1);
  tasker_context_set_message (keeper.context, "too late");
  tasker_context_flush (keeper.context);
  tasker_task_cancel (task);
  g_test_expect_message ("Tasker", G_LOG_LEVEL_CRITICAL, "*already returned*");
  tasker_context_return_new_error (keeper.context, G_IO_ERROR, G_IO_ERROR_FAILED, "late");
  g_test_assert_expected_messages ();
  test_spin_for (tasker_manager_get_context (manager), 50);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

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
  g_autoptr(TaskerTask) none_task = tasker_manager_run_thread (manager, NULL, NULL, nothing_cb, NULL, NULL, NULL);
  g_auto(GValue) value = G_VALUE_INIT;
  g_auto(GValue) pointer = G_VALUE_INIT;
  g_auto(GValue) none = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  /* Not finished yet: no result, an error. */
  g_assert_false (tasker_task_propagate_value (int_task, NULL, &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_FAILED);
  g_clear_error (&error);

  n_freed = 0;
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

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
  g_autoptr(TaskerTask) fine = tasker_manager_run_thread (manager, NULL, options, nothing_cb, NULL, NULL, NULL);

  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  g_assert_cmpuint (n_done, ==, 3);
  g_assert_cmpint (tasker_task_get_status (thread_task), ==, TASKER_TASK_STATUS_FAILED);
  g_assert_error (tasker_task_get_error (thread_task), TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (tasker_task_get_status (coroutine), ==, TASKER_TASK_STATUS_FAILED);
  g_assert_error (tasker_task_get_error (coroutine), TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  /* The manager carries on. */
  g_assert_cmpint (tasker_task_get_status (fine), ==, TASKER_TASK_STATUS_COMPLETED);
}

static void
count_data_destroy (gpointer data)
{
  (*(int *) data)++;
}

static void
shut_down_manager_refuses_work (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(GError) error = NULL;
  TaskerTask *task;
  int n_data_destroyed = 0;

  g_assert_false (tasker_manager_is_shut_down (manager));
  tasker_manager_shutdown (manager, 100);
  tasker_manager_shutdown (manager, 100);   /* may be called again */
  g_assert_true (tasker_manager_is_shut_down (manager));

  task = tasker_manager_run_thread (manager, NULL, NULL, nothing_cb,
                                    &n_data_destroyed, count_data_destroy, &error);
  g_assert_null (task);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN);
  /* Nothing is lost: the refused task's data is freed. */
  g_assert_cmpint (n_data_destroyed, ==, 1);
  g_clear_error (&error);

  task = tasker_manager_run_coroutine (manager, NULL, NULL, nothing_cb, NULL, NULL, &error);
  g_assert_null (task);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN);
}

static void
message_is_only_what_the_function_set (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) silent = tasker_manager_run_thread (manager, NULL, NULL, nothing_cb, NULL, NULL, NULL);
  Keeper keeper = { NULL };
  g_autoptr(TaskerTask) talker = tasker_manager_run_thread (manager, NULL, NULL, keep_context_func, &keeper, NULL, NULL);
  g_autofree char *copy = NULL;

  g_assert_null (tasker_task_get_message (silent));
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
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
  task = tasker_manager_run_thread (manager, NULL, options, nothing_cb, NULL, NULL, NULL);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
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
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  g_test_assert_expected_messages ();
  g_assert_cmpint (returned, ==, 1);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_COMPLETED);
}

static void
count_test_and_teardown (TestFixture   *f,
                         gconstpointer  data)
{
  test_fixture_teardown (f, data);
  n_tests_run++;
}

/* The tests without a fixture count too. */
static void
run_counted (gconstpointer data)
{
  ((GTestFunc) data) ();
  n_tests_run++;
}

#define ADD(path, func) \
  g_test_add ((path), TestFixture, NULL, test_fixture_setup, (func), count_test_and_teardown)
#define ADD_FUNC(path, func) \
  g_test_add_data_func ((path), (gconstpointer) (func), run_counted)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* First: the first task of the process has id 1 (test_ids checks it
   * again when it runs alone). */
  ADD_FUNC ("/Tasker/Task/first-task-has-id-1", first_task_has_id_1);
  ADD_FUNC ("/Tasker/Task/status-pending-running-completed", status_goes_pending_running_completed);
  ADD_FUNC ("/Tasker/Task/late-calls-change-nothing", final_status_never_changes);
  ADD_FUNC ("/Tasker/Task/results-and-errors", results_and_errors_keep_their_values);
  ADD_FUNC ("/Tasker/Task/missing-function-fails", missing_function_fails_the_task);
  ADD_FUNC ("/Tasker/Task/shut-down-refuses", shut_down_manager_refuses_work);
  ADD_FUNC ("/Tasker/Task/message-only-from-function", message_is_only_what_the_function_set);
  ADD_FUNC ("/Tasker/Task/wait-inside-callback-refused", waiting_inside_a_callback_is_refused);
  ADD_FUNC ("/Tasker/Task/wait-inside-thread-task-refused", waiting_inside_a_thread_task_is_refused);
  ADD ("/Tasker/Task/ids", test_ids);
  ADD ("/Tasker/Task/status-lifecycle", test_status_lifecycle);
  ADD ("/Tasker/Task/status-stays-put-until-context-runs", test_status_stays_put);
  ADD ("/Tasker/Task/final-status-never-changes", test_final_status_never_changes);
  ADD ("/Tasker/Task/completed-progress-is-one", test_completed_progress);
  ADD ("/Tasker/Task/result-value", test_result_value);
  ADD ("/Tasker/Task/result-pointer-destroyed-once", test_result_pointer);
  ADD ("/Tasker/Task/error-keeps-domain-and-code", test_error_domain_code);
  ADD ("/Tasker/Task/propagate-unfinished-fails", test_propagate_unfinished);
  ADD ("/Tasker/Task/properties", test_properties);

  return g_test_run ();
}
