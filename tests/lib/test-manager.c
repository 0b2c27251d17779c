/* test-manager.c — keys, cancellation, completion, events, settling, shutdown
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "tasker-test.h"

#define TEST_ERROR (g_quark_from_static_string ("tasker-test-error-quark"))

/* What a thread task function did, as seen from the test. */
typedef struct
{
  TestGate gate;
  int      started;       /* (atomic) how many times the function was entered */
  int      saw_cancel;    /* (atomic) it saw is_cancelled() and its cancellable fire */
  int      poll_result;   /* (atomic) */
  int      returned;      /* (atomic) */
} Work;

static void
work_init (Work *w)
{
  test_gate_init (&w->gate);
  w->started = 0;
  w->saw_cancel = 0;
  w->poll_result = -2;
  w->returned = 0;
}

static void
work_clear (Work *w)
{
  test_gate_clear (&w->gate);
}

static void
note_cancel (Work          *w,
             TaskerContext *context)
{
  if (tasker_context_is_cancelled (context) &&
      g_cancellable_is_cancelled (tasker_context_get_cancellable (context)))
    g_atomic_int_inc (&w->saw_cancel);
}

/* Runs until its gate opens; ignores cancellation. */
static void
gated_cb (TaskerContext *context,
          gpointer       data)
{
  Work *w = data;

  g_atomic_int_inc (&w->started);
  test_gate_wait (&w->gate, NULL);
  g_atomic_int_inc (&w->returned);
}

/* Runs until its gate opens or it is cancelled (waiting on the cancellable's
 * ::cancelled signal). */
static void
cooperative_cb (TaskerContext *context,
                gpointer       data)
{
  Work *w = data;

  g_atomic_int_inc (&w->started);
  test_gate_wait (&w->gate, tasker_context_get_cancellable (context));
  note_cancel (w, context);
  g_atomic_int_inc (&w->returned);
}

static void
nothing_cb (TaskerContext *context,
            gpointer       data)
{
}

/* Makes the pool busy: max-threads 1 and a task holding the only thread. */
static TaskerTask *
start_blocker (TestFixture *f,
               Work        *blocker)
{
  TaskerTask *task;

  tasker_manager_set_max_threads (f->manager, 1);
  task = test_run_thread (f->manager, NULL, f->options, gated_cb, blocker);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&blocker->gate) == 1);

  return task;
}

static void
assert_cancelled (TaskerTask *task)
{
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_true (tasker_task_is_final (task));
  g_assert_error (tasker_task_get_error (task), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (tasker_task_propagate_value (task, &value, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (tasker_task_get_result_pointer (task));
}

static void
test_key_replaces (TestFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;
  g_autoptr(TaskerTask) c = NULL;
  g_autoptr(TaskerTask) found = NULL;
  TaskerContext *b_context = NULL;
  Work wa, wc;

  work_init (&wa);
  work_init (&wc);

  a = test_run_thread (f->manager, "k", f->options, cooperative_cb, &wa);
  TEST_WAIT_UNTIL (f->context, g_atomic_int_get (&wa.started) == 1);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (a));

  /* The new task takes the key at once. */
  b = test_add_coroutine (f->manager, "k", f->options, test_capture_context_cb, &b_context);
  found = tasker_manager_dup_task (f->manager, "k");
  g_assert_true (found == b);
  g_clear_object (&found);

  /* The old one is cancelled: it sees it, ends CANCELLED, done once. */
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, a));
  assert_cancelled (a);
  g_assert_cmpint (g_atomic_int_get (&wa.saw_cancel), ==, 1);
  g_assert_cmpstr (tasker_task_get_key (a), ==, "k");

  TEST_WAIT_UNTIL (f->context, b_context != NULL);
  test_assert_status (b, TASKER_TASK_STATUS_RUNNING);
  g_assert_false (tasker_context_is_cancelled (b_context));

  /* Across kinds too: a thread task replaces the coroutine. */
  c = test_run_thread (f->manager, "k", f->options, cooperative_cb, &wc);
  found = tasker_manager_dup_task (f->manager, "k");
  g_assert_true (found == c);
  g_clear_object (&found);
  TEST_WAIT_UNTIL (f->context, tasker_context_is_cancelled (b_context));
  g_assert_true (g_cancellable_is_cancelled (tasker_context_get_cancellable (b_context)));
  tasker_context_return_pointer (b_context, NULL, NULL);
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, b));
  assert_cancelled (b);

  TEST_WAIT_UNTIL (f->context, test_task_is_running (c));
  g_assert_cmpint (g_atomic_int_get (&wc.started), ==, 1);
  test_gate_open (&wc.gate);
  test_settle (f->manager);
  test_assert_status (c, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpint (g_atomic_int_get (&wc.saw_cancel), ==, 0);

  /* Exactly once each, in the order they ended. */
  g_assert_cmpuint (test_recorder_done_count (&f->rec, a), ==, 1);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, b), ==, 1);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, c), ==, 1);
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, 3);

  g_clear_object (&b_context);
  work_clear (&wa);
  work_clear (&wc);
}

/* A PENDING task replaced by key never runs. */
static void
test_key_replaces_pending (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TaskerTask) blocker = NULL;
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;
  Work wblock, wa, wb;

  work_init (&wblock);
  work_init (&wa);
  work_init (&wb);
  test_gate_open (&wb.gate);

  blocker = start_blocker (f, &wblock);
  a = test_run_thread (f->manager, "k", f->options, cooperative_cb, &wa);
  b = test_run_thread (f->manager, "k", f->options, cooperative_cb, &wb);

  /* Ends while the pool is still busy: it did not wait for a slot. */
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, a));
  assert_cancelled (a);
  g_assert_cmpuint (test_gate_get_waiting (&wblock.gate), ==, 1);
  test_assert_status (b, TASKER_TASK_STATUS_PENDING);

  test_gate_open (&wblock.gate);
  test_settle (f->manager);
  test_assert_status (b, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpint (g_atomic_int_get (&wa.started), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&wb.started), ==, 1);
  g_assert_cmpuint (tasker_task_get_attempt (a), ==, 0);
  g_assert_cmpint (tasker_task_get_started_time (a), ==, 0);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, a), ==, 1);

  work_clear (&wblock);
  work_clear (&wa);
  work_clear (&wb);
}

static void
test_cancel_task_by_key (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(TaskerTask) other = NULL;
  Work w, wo;

  work_init (&w);
  work_init (&wo);

  g_assert_false (tasker_manager_cancel_task (f->manager, "none"));

  task = test_run_thread (f->manager, "k1", f->options, cooperative_cb, &w);
  other = test_run_thread (f->manager, "k2", f->options, cooperative_cb, &wo);
  TEST_WAIT_UNTIL (f->context, g_atomic_int_get (&w.started) == 1);

  g_assert_true (tasker_manager_cancel_task (f->manager, "k1"));
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));
  assert_cancelled (task);
  g_assert_cmpint (g_atomic_int_get (&w.saw_cancel), ==, 1);

  /* Only the task with that key. */
  g_assert_false (test_task_is_final (other));
  g_assert_false (tasker_manager_cancel_task (f->manager, "k1"));
  g_assert_false (tasker_manager_cancel_task (f->manager, "none"));

  test_gate_open (&wo.gate);
  test_settle (f->manager);
  test_assert_status (other, TASKER_TASK_STATUS_COMPLETED);
  g_assert_false (tasker_manager_cancel_task (f->manager, "k2"));
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);

  work_clear (&w);
  work_clear (&wo);
}

static gpointer
dup_task_thread (gpointer data)
{
  return tasker_manager_dup_task (data, "x");
}

static void
test_dup_task (TestFixture   *f,
               gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(TaskerTask) found = NULL;
  g_autoptr(TaskerTask) from_thread = NULL;
  g_autoptr(TaskerTask) keyless = NULL;
  Work w;

  work_init (&w);

  g_assert_null (tasker_manager_dup_task (f->manager, "x"));

  task = test_run_thread (f->manager, "x", f->options, cooperative_cb, &w);
  keyless = test_run_thread (f->manager, NULL, f->options, nothing_cb, NULL);
  found = tasker_manager_dup_task (f->manager, "x");
  g_assert_true (found == task);
  g_clear_object (&found);

  /* Safe from any thread. */
  from_thread = g_thread_join (g_thread_new ("dup-task", dup_task_thread, f->manager));
  g_assert_true (from_thread == task);

  TEST_WAIT_UNTIL (f->context, test_task_is_running (task));
  found = tasker_manager_dup_task (f->manager, "x");
  g_assert_true (found == task);
  g_clear_object (&found);

  /* A task without a key is reached by id only. */
  g_assert_null (tasker_task_get_key (keyless));
  g_assert_null (tasker_manager_dup_task (f->manager, ""));

  test_gate_open (&w.gate);
  test_settle (f->manager);
  g_assert_null (tasker_manager_dup_task (f->manager, "x"));

  work_clear (&w);
}

static void
test_cancel_pending (TestFixture   *f,
                     gconstpointer  data)
{
  g_autoptr(TaskerTask) blocker = NULL;
  g_autoptr(TaskerTask) victim = NULL;
  g_autoptr(TaskerTask) next = NULL;
  Work wblock, wv, wn;
  gint64 t0, latency;

  work_init (&wblock);
  work_init (&wv);
  work_init (&wn);
  test_gate_open (&wn.gate);

  blocker = start_blocker (f, &wblock);
  victim = test_run_thread (f->manager, NULL, f->options, cooperative_cb, &wv);
  next = test_run_thread (f->manager, NULL, f->options, cooperative_cb, &wn);
  test_spin_for (f->context, 20);
  test_assert_status (victim, TASKER_TASK_STATUS_PENDING);

  t0 = g_get_monotonic_time ();
  tasker_task_cancel (victim);
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, victim));
  latency = g_get_monotonic_time () - t0;

  /* Promptly, without waiting for the busy slot, and without running. */
  g_assert_cmpuint (test_gate_get_waiting (&wblock.gate), ==, 1);
  g_assert_cmpint (latency, <, (gint64) test_slack_ms (1000) * 1000);
  assert_cancelled (victim);
  g_assert_cmpint (g_atomic_int_get (&wv.started), ==, 0);
  g_assert_cmpuint (tasker_task_get_attempt (victim), ==, 0);
  g_assert_cmpint (tasker_task_get_started_time (victim), ==, 0);
  g_assert_cmpint (tasker_task_get_finished_time (victim), >=, tasker_task_get_created_time (victim));
  g_assert_null (tasker_task_get_message (victim));
  test_assert_status (next, TASKER_TASK_STATUS_PENDING);

  test_gate_open (&wblock.gate);
  test_settle (f->manager);
  g_assert_cmpint (g_atomic_int_get (&wv.started), ==, 0);
  test_assert_status (next, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, victim), ==, 1);

  work_clear (&wblock);
  work_clear (&wv);
  work_clear (&wn);
}

static void
never_called_cb (TaskerContext *context,
                 gpointer       data)
{
  g_atomic_int_inc ((int *) data);
}

static void
test_cancel_pending_coroutine (TestFixture   *f,
                               gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  int n_called = 0;

  task = test_add_coroutine (f->manager, "c", f->options, never_called_cb, &n_called);
  tasker_task_cancel (task);
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  assert_cancelled (task);
  g_assert_cmpint (n_called, ==, 0);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 0);
  test_settle (f->manager);
  g_assert_cmpint (n_called, ==, 0);
  g_assert_null (tasker_manager_dup_task (f->manager, "c"));
}

/* Blocked in poll() on the cancellable's fd: the cancel must wake it. */
static void
poll_fd_cb (TaskerContext *context,
            gpointer       data)
{
  Work *w = data;
  GCancellable *cancellable = tasker_context_get_cancellable (context);
  GPollFD pollfd;

  tasker_context_set_progress (context, 0.4);
  tasker_context_set_message (context, "working");
  tasker_context_log (context, "about to wait");
  tasker_context_send_event (context, "before", NULL);

  g_atomic_int_inc (&w->started);
  if (g_cancellable_make_pollfd (cancellable, &pollfd))
    {
      g_atomic_int_set (&w->poll_result, g_poll (&pollfd, 1, test_timeout_ms ()));
      g_cancellable_release_fd (cancellable);
    }
  note_cancel (w, context);
}

static void
test_cancel_running_thread (TestFixture   *f,
                            gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GStrv) log = NULL;
  g_autofree char *event_line = NULL;
  g_autofree char *done_line = NULL;
  gint64 t0, latency;
  Work w;

  work_init (&w);

  task = test_run_thread (f->manager, "poller", f->options, poll_fd_cb, &w);
  event_line = g_strdup_printf ("event %" G_GUINT64_FORMAT " before none", tasker_task_get_id (task));
  done_line = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (task));

  TEST_WAIT_UNTIL (f->context, g_atomic_int_get (&w.started) == 1);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (task));

  t0 = g_get_monotonic_time ();
  tasker_task_cancel (task);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));
  latency = g_get_monotonic_time () - t0;

  assert_cancelled (task);
  g_assert_cmpint (g_atomic_int_get (&w.poll_result), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&w.saw_cancel), ==, 1);
  g_assert_cmpint (latency, <, (gint64) test_slack_ms (1000) * 1000);

  /* What it set before is kept, and its event came before its done. */
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 0.4);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "working");
  log = tasker_task_dup_log (task);
  g_assert_cmpuint (g_strv_length (log), ==, 1);
  g_assert_true (g_str_has_suffix (log[0], " about to wait"));
  g_assert_cmpint (test_recorder_find (&f->rec, event_line), >=, 0);
  g_assert_cmpint (test_recorder_find (&f->rec, event_line), <, test_recorder_find (&f->rec, done_line));
  g_assert_null (tasker_manager_dup_task (f->manager, "poller"));

  test_settle (f->manager);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
  work_clear (&w);
}

/* Whatever the function returns after a cancel, the task is CANCELLED. */
static void
returns_anyway_cb (TaskerContext *context,
                   gpointer       data)
{
  Work *w = data;
  GValue value = G_VALUE_INIT;

  g_atomic_int_inc (&w->started);
  test_gate_wait (&w->gate, tasker_context_get_cancellable (context));
  note_cancel (w, context);

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 5);
  tasker_context_return_value (context, &value);
  g_value_unset (&value);
}

static void
fails_anyway_cb (TaskerContext *context,
                 gpointer       data)
{
  Work *w = data;

  g_atomic_int_inc (&w->started);
  test_gate_wait (&w->gate, tasker_context_get_cancellable (context));
  note_cancel (w, context);
  tasker_context_return_new_error (context, TEST_ERROR, 9, "failed after the cancel");
}

static void
test_cancel_then_return (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTask) value_task = NULL;
  g_autoptr(TaskerTask) error_task = NULL;
  Work wv, we;

  work_init (&wv);
  work_init (&we);

  value_task = test_run_thread (f->manager, NULL, f->options, returns_anyway_cb, &wv);
  error_task = test_run_thread (f->manager, NULL, f->options, fails_anyway_cb, &we);
  TEST_WAIT_UNTIL (f->context, g_atomic_int_get (&wv.started) == 1 && g_atomic_int_get (&we.started) == 1);

  tasker_task_cancel (value_task);
  tasker_task_cancel (error_task);
  test_settle (f->manager);

  assert_cancelled (value_task);
  assert_cancelled (error_task);
  g_assert_cmpint (g_atomic_int_get (&wv.saw_cancel), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&we.saw_cancel), ==, 1);

  work_clear (&wv);
  work_clear (&we);
}

/* A running task that ignores the cancel stays RUNNING till its function ends. */
static void
test_cancel_waits_for_function (TestFixture   *f,
                                gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  Work w;

  work_init (&w);
  task = test_run_thread (f->manager, NULL, f->options, gated_cb, &w);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (task));

  tasker_task_cancel (task);
  test_spin_for (f->context, 50);
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);
  g_assert_false (test_recorder_is_done (&f->rec, task));

  test_gate_open (&w.gate);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));
  assert_cancelled (task);
  g_assert_cmpint (g_atomic_int_get (&w.returned), ==, 1);
  work_clear (&w);
}

static void
succeed_cb (TaskerContext *context,
            gpointer       data)
{
  tasker_context_set_progress (context, 0.5);
}

static void
fail_cb (TaskerContext *context,
         gpointer       data)
{
  tasker_context_return_new_error (context, TEST_ERROR, 1, "failed");
}

static void
coroutine_ends_in_idle_cb (TaskerContext *context,
                           gpointer       data);

static gboolean
coroutine_idle_cb (gpointer data)
{
  TaskerContext *context = data;

  if (tasker_context_return_error_if_cancelled (context))
    return G_SOURCE_REMOVE;
  tasker_context_return_pointer (context, NULL, NULL);
  return G_SOURCE_REMOVE;
}

static void
coroutine_ends_in_idle_cb (TaskerContext *context,
                           gpointer       data)
{
  GSource *idle = g_idle_source_new ();

  g_source_set_callback (idle, coroutine_idle_cb, g_object_ref (context), g_object_unref);
  g_source_attach (idle, g_main_context_get_thread_default ());
  g_source_unref (idle);
}

/* Every kind of ending, many at once: when_done exactly once each. */
static void
test_when_done_once (TestFixture   *f,
                     gconstpointer  data)
{
  const guint n = test_scale (60);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) works = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TaskerTask) blocker = NULL;
  Work wblock;

  work_init (&wblock);
  blocker = start_blocker (f, &wblock);
  tasker_manager_set_max_threads (f->manager, 2);

  for (guint i = 0; i < n; i++)
    {
      Work *w = g_new0 (Work, 1);
      TaskerTask *task;

      work_init (w);
      g_ptr_array_add (works, w);

      switch (i % 6)
        {
        case 0:
          task = test_run_thread (f->manager, NULL, f->options, succeed_cb, NULL);
          break;
        case 1:
          task = test_run_thread (f->manager, NULL, f->options, fail_cb, NULL);
          break;
        case 2:
          task = test_run_thread (f->manager, NULL, f->options, cooperative_cb, w);
          tasker_task_cancel (task);
          break;
        case 3:
          task = test_add_coroutine (f->manager, NULL, f->options, coroutine_ends_in_idle_cb, NULL);
          break;
        case 4:
          task = test_add_coroutine (f->manager, NULL, f->options, coroutine_ends_in_idle_cb, NULL);
          tasker_task_cancel (task);
          break;
        case 5:
        default:
          /* Replaced by the next one of its kind. */
          task = test_run_thread (f->manager, "same", f->options, cooperative_cb, w);
          test_gate_open (&w->gate);
          break;
        }
      g_ptr_array_add (tasks, task);
    }

  test_gate_open (&wblock.gate);
  test_settle (f->manager);
  /* No late second call. */
  test_spin_for (f->context, 30);

  for (guint i = 0; i < tasks->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (tasks, i);

      g_assert_true (tasker_task_is_final (task));
      g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
    }
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, n + 1);

  for (guint i = 0; i < works->len; i++)
    work_clear (g_ptr_array_index (works, i));
  work_clear (&wblock);
}

typedef struct
{
  TaskerTask *task;     /* (unowned) */
  GThread    *thread;
  guint       n_calls;
} DoneSeen;

static void
done_seen_cb (TaskerTask *task,
              gpointer    user_data)
{
  DoneSeen *seen = user_data;

  seen->task = task;
  seen->thread = g_thread_self ();
  seen->n_calls++;
}

static void
test_done_gets_same_task (TestFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;
  DoneSeen seen = { NULL, NULL, 0 };

  tasker_task_options_set_done_func (options, done_seen_cb, &seen, NULL);
  task = test_run_thread (f->manager, NULL, options, nothing_cb, NULL);
  g_assert_cmpuint (seen.n_calls, ==, 0);
  test_settle (f->manager);

  g_assert_cmpuint (seen.n_calls, ==, 1);
  g_assert_true (seen.task == task);
  g_assert_true (seen.thread == g_thread_self ());
}

typedef struct
{
  guint n;
  guint every_flush;
} EventPlan;

static void
send_events_cb (TaskerContext *context,
                gpointer       data)
{
  EventPlan *plan = data;
  GVariant *owned = g_variant_ref_sink (g_variant_new_string ("owned"));

  tasker_context_send_event (context, "first", NULL);
  for (guint i = 0; i < plan->n; i++)
    {
      tasker_context_send_event (context, "seq", g_variant_new_uint32 (i));
      if (plan->every_flush != 0 && i % plan->every_flush == 0)
        tasker_context_flush (context);
    }
  /* Not floating: the caller keeps its reference. */
  tasker_context_send_event (context, "owned", owned);
  g_variant_unref (owned);
  tasker_context_send_event (context, "last", NULL);
}

static gpointer
send_from_thread (gpointer data)
{
  TaskerContext *context = data;

  tasker_context_send_event (context, "from-thread", g_variant_new_int32 (-1));
  return NULL;
}

static void
assert_events_in_order (TestRecorder *rec,
                        TaskerTask   *task,
                        guint         n)
{
  guint64 id = tasker_task_get_id (task);
  g_autofree char *first = g_strdup_printf ("event %" G_GUINT64_FORMAT " first none", id);
  g_autofree char *owned = g_strdup_printf ("event %" G_GUINT64_FORMAT " owned 'owned'", id);
  g_autofree char *last = g_strdup_printf ("event %" G_GUINT64_FORMAT " last none", id);
  g_autofree char *done = g_strdup_printf ("done %" G_GUINT64_FORMAT, id);
  int previous = test_recorder_find (rec, first);

  g_assert_cmpint (previous, >=, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *line = g_strdup_printf ("event %" G_GUINT64_FORMAT " seq %u", id, i);
      int at = test_recorder_find (rec, line);

      g_assert_cmpint (at, >, previous);
      previous = at;
    }
  g_assert_cmpint (test_recorder_find (rec, owned), >, previous);
  g_assert_cmpint (test_recorder_find (rec, last), >, test_recorder_find (rec, owned));
  g_assert_cmpint (test_recorder_find (rec, done), >, test_recorder_find (rec, last));
}

static void
test_events_in_order (TestFixture   *f,
                      gconstpointer  data)
{
  EventPlan plain = { test_scale (200), 0 };
  EventPlan flushing = { test_scale (200), 7 };
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;
  g_autoptr(TaskerTask) coroutine = NULL;
  TaskerContext *context = NULL;
  g_autofree char *thread_line = NULL;
  g_autofree char *main_line = NULL;
  g_autofree char *done_line = NULL;

  a = test_run_thread (f->manager, NULL, f->options, send_events_cb, &plain);
  b = test_run_thread (f->manager, NULL, f->options, send_events_cb, &flushing);
  coroutine = test_add_coroutine (f->manager, NULL, f->options, test_capture_context_cb, &context);
  TEST_WAIT_UNTIL (f->context, context != NULL);

  /* A coroutine sends from the main context and from other threads. */
  tasker_context_send_event (context, "from-main", g_variant_new_int32 (1));
  g_thread_join (g_thread_new ("event-sender", send_from_thread, context));
  tasker_context_return_pointer (context, NULL, NULL);
  g_clear_object (&context);

  test_settle (f->manager);

  assert_events_in_order (&f->rec, a, plain.n);
  assert_events_in_order (&f->rec, b, flushing.n);

  main_line = g_strdup_printf ("event %" G_GUINT64_FORMAT " from-main 1", tasker_task_get_id (coroutine));
  thread_line = g_strdup_printf ("event %" G_GUINT64_FORMAT " from-thread -1", tasker_task_get_id (coroutine));
  done_line = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (coroutine));
  g_assert_cmpint (test_recorder_find (&f->rec, main_line), >=, 0);
  g_assert_cmpint (test_recorder_find (&f->rec, thread_line), >, test_recorder_find (&f->rec, main_line));
  g_assert_cmpint (test_recorder_find (&f->rec, done_line), >, test_recorder_find (&f->rec, thread_line));
}

typedef struct
{
  int called;      /* first: never_called_cb counts here */
  int destroyed;
} Counts;

static void
count_destroy_cb (gpointer data)
{
  g_atomic_int_inc (&((Counts *) data)->destroyed);
}

static void
test_submit_after_shutdown (TestFixture   *f,
                            gconstpointer  data)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (f->context);
  g_autoptr(GError) error = NULL;
  TaskerTask *task;
  Counts counts = { 0, 0 };
  gint64 t0;

  g_assert_false (tasker_manager_is_shut_down (manager));

  t0 = g_get_monotonic_time ();
  tasker_manager_shutdown (manager, 5000);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, (gint64) test_slack_ms (1000) * 1000);
  g_assert_true (tasker_manager_is_shut_down (manager));

  task = tasker_manager_run_thread (manager, NULL, f->options, never_called_cb, &counts,
                                    count_destroy_cb, &error);
  g_assert_null (task);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN);
  g_clear_error (&error);

  task = tasker_manager_run_coroutine (manager, "key", f->options, never_called_cb, &counts,
                                       count_destroy_cb, &error);
  g_assert_null (task);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN);
  g_clear_error (&error);

  /* Refused at once and never run; no key was taken. */
  g_assert_null (tasker_manager_dup_task (manager, "key"));
  g_assert_false (tasker_manager_cancel_task (manager, "key"));
  test_spin_for (f->context, 20);
  g_assert_cmpint (counts.called, ==, 0);
  g_assert_cmpint (counts.destroyed, <=, 2);

  /* Again is fine. */
  tasker_manager_shutdown (manager, 0);
  g_assert_true (tasker_manager_is_shut_down (manager));
  g_assert_true (tasker_manager_wait_until_settled (manager, 0));
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, 0);

  /* Other managers carry on. */
  g_assert_false (tasker_manager_is_shut_down (f->manager));
  g_object_unref (test_run_thread (f->manager, NULL, f->options, nothing_cb, NULL));
  test_settle (f->manager);
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, 1);
}

/* DESIGN.md §4 "Bad input": a NULL function fails exactly one task with
 * TASKER_ERROR_INVALID_ARGUMENT; the submit itself succeeds, nothing else is
 * disturbed, nothing crashes. */
static void
check_null_func (TestFixture *f,
                 TaskerTask  *task,
                 GError      *error)
{
  g_assert_no_error (error);
  g_assert_nonnull (task);
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  test_assert_status (task, TASKER_TASK_STATUS_FAILED);
  g_assert_error (tasker_task_get_error (task), TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
  g_object_unref (task);
}

static void
test_null_func (TestFixture   *f,
                gconstpointer  data)
{
  g_autoptr(TaskerTask) good = NULL;
  g_autoptr(TaskerTask) good_coroutine = NULL;
  GError *error = NULL;
  TaskerTask *task;

  good = test_run_thread (f->manager, NULL, f->options, succeed_cb, NULL);

  test_submit_begin ();
  task = tasker_manager_run_thread (f->manager, "null", f->options, NULL, NULL, NULL, &error);
  test_submit_end ();
  check_null_func (f, task, error);
  g_clear_error (&error);

  test_submit_begin ();
  task = tasker_manager_run_coroutine (f->manager, "null", f->options, NULL, NULL, NULL, &error);
  test_submit_end ();
  check_null_func (f, task, error);
  g_clear_error (&error);

  good_coroutine = test_add_coroutine (f->manager, NULL, f->options, coroutine_ends_in_idle_cb, NULL);
  test_settle (f->manager);
  test_assert_status (good, TASKER_TASK_STATUS_COMPLETED);
  test_assert_status (good_coroutine, TASKER_TASK_STATUS_COMPLETED);
  g_assert_false (tasker_manager_is_shut_down (f->manager));
}

typedef struct
{
  guint  n;
  guint  last_n_items;
  double last_progress;
} Emissions;

static void
tasks_updated_cb (TaskerManager *manager,
                  GListModel    *tasks,
                  double         progress,
                  gpointer       data)
{
  Emissions *e = data;

  e->n++;
  e->last_n_items = g_list_model_get_n_items (tasks);
  e->last_progress = progress;
}

static void
test_wait_until_settled (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  Emissions e = { 0, G_MAXUINT, -1.0 };
  gint64 t0, elapsed;
  Work w;

  work_init (&w);
  g_signal_connect (f->manager, "tasks-updated", G_CALLBACK (tasks_updated_cb), &e);

  /* Never had a task: settled, at once. */
  t0 = g_get_monotonic_time ();
  g_assert_true (tasker_manager_wait_until_settled (f->manager, 0));
  g_assert_true (tasker_manager_wait_until_settled (f->manager, 100));
  g_assert_true (tasker_manager_wait_until_settled (f->manager, -1));
  g_assert_cmpint (g_get_monotonic_time () - t0, <, (gint64) test_slack_ms (90) * 1000);

  task = test_run_thread (f->manager, NULL, f->options, gated_cb, &w);

  /* 0 checks once without waiting. */
  t0 = g_get_monotonic_time ();
  g_assert_false (tasker_manager_wait_until_settled (f->manager, 0));
  g_assert_cmpint (g_get_monotonic_time () - t0, <, (gint64) test_slack_ms (90) * 1000);

  /* A timeout runs out. */
  t0 = g_get_monotonic_time ();
  g_assert_false (tasker_manager_wait_until_settled (f->manager, 100));
  elapsed = g_get_monotonic_time () - t0;
  g_assert_cmpint (elapsed, >=, 95 * 1000);
  g_assert_cmpint (elapsed, <, (gint64) test_slack_ms (2000) * 1000);
  g_assert_cmpuint (g_atomic_int_get (&w.started), ==, 1);

  /* Settled: every done ran, the last emission was empty and 1.0. */
  test_gate_open (&w.gate);
  g_assert_true (tasker_manager_wait_until_settled (f->manager, -1));
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
  g_assert_cmpuint (e.n, >=, 1);
  g_assert_cmpuint (e.last_n_items, ==, 0);
  g_assert_cmpfloat (e.last_progress, ==, 1.0);
  g_assert_cmpfloat (tasker_manager_get_overall_progress (f->manager), ==, 1.0);
  g_assert_true (tasker_manager_wait_until_settled (f->manager, 0));

  /* And again with a coroutine. */
  g_clear_object (&task);
  task = test_add_coroutine (f->manager, NULL, f->options, coroutine_ends_in_idle_cb, NULL);
  g_assert_true (tasker_manager_wait_until_settled (f->manager, test_timeout_ms ()));
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
  g_assert_cmpuint (e.last_n_items, ==, 0);
  g_assert_cmpfloat (e.last_progress, ==, 1.0);

  /* With a long interval the final emission is due well after the last
   * task ended: settling waits for it. */
  tasker_manager_set_update_interval (f->manager, 300);
  g_clear_object (&task);
  work_clear (&w);
  work_init (&w);
  task = test_run_thread (f->manager, NULL, f->options, gated_cb, &w);
  TEST_WAIT_UNTIL (f->context, e.last_n_items == 1);
  test_gate_open (&w.gate);
  g_assert_true (tasker_manager_wait_until_settled (f->manager, test_timeout_ms ()));
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
  g_assert_cmpuint (e.last_n_items, ==, 0);
  g_assert_cmpfloat (e.last_progress, ==, 1.0);
  tasker_manager_set_update_interval (f->manager, 16);

  g_signal_handlers_disconnect_by_data (f->manager, &e);
  work_clear (&w);
}

static gboolean
coroutine_cancelled_cb (GCancellable *cancellable,
                        gpointer      data)
{
  tasker_context_return_error_if_cancelled (data);
  return G_SOURCE_REMOVE;
}

/* Ends only when cancelled: a cancellable source on the manager's context. */
static void
coroutine_until_cancelled_cb (TaskerContext *context,
                              gpointer       data)
{
  GSource *source = g_cancellable_source_new (tasker_context_get_cancellable (context));

  g_source_set_callback (source, G_SOURCE_FUNC (coroutine_cancelled_cb), g_object_ref (context), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  g_atomic_int_inc ((int *) data);
}

static void
test_shutdown (TestFixture   *f,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  TaskerTask *refused;
  Work wrun, wp1, wp2;
  int coroutine_started = 0;
  gint64 t0;

  work_init (&wrun);
  work_init (&wp1);
  work_init (&wp2);

  tasker_manager_set_max_threads (f->manager, 1);
  g_ptr_array_add (tasks, test_run_thread (f->manager, "run", f->options, cooperative_cb, &wrun));
  g_ptr_array_add (tasks, test_run_thread (f->manager, NULL, f->options, cooperative_cb, &wp1));
  g_ptr_array_add (tasks, test_run_thread (f->manager, NULL, f->options, cooperative_cb, &wp2));
  g_ptr_array_add (tasks, test_add_coroutine (f->manager, NULL, f->options, coroutine_until_cancelled_cb,
                                              &coroutine_started));
  TEST_WAIT_UNTIL (f->context, g_atomic_int_get (&wrun.started) == 1 && coroutine_started == 1);

  t0 = g_get_monotonic_time ();
  tasker_manager_shutdown (f->manager, test_slack_ms (5000));
  g_assert_cmpint (g_get_monotonic_time () - t0, <, (gint64) test_slack_ms (4000) * 1000);

  /* Everything ended, cancelled, done once; the pending ones never ran. */
  g_assert_true (tasker_manager_is_shut_down (f->manager));
  g_assert_true (tasker_manager_wait_until_settled (f->manager, 0));
  for (guint i = 0; i < tasks->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (tasks, i);

      assert_cancelled (task);
      g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
    }
  g_assert_cmpint (g_atomic_int_get (&wrun.saw_cancel), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&wp1.started), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&wp2.started), ==, 0);

  refused = tasker_manager_run_thread (f->manager, NULL, NULL, nothing_cb, NULL, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN);

  tasker_manager_shutdown (f->manager, 1000);
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, tasks->len);

  work_clear (&wrun);
  work_clear (&wp1);
  work_clear (&wp2);
}

static void
message_setter_cb (TaskerContext *context,
                   gpointer       data)
{
  Work *w = data;

  g_atomic_int_inc (&w->started);
  test_gate_wait (&w->gate, NULL);
  tasker_context_set_message (context, "mine");
}

/* The manager writes no message for a free slot, at start, finish or cancel;
 * after a task ends, its message is the last one its function set. */
static void
test_no_manager_messages (TestFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(TaskerTask) plain = NULL;
  g_autoptr(TaskerTask) setter = NULL;
  g_autoptr(TaskerTask) failing = NULL;
  g_autoptr(TaskerTask) coroutine = NULL;
  g_autoptr(TaskerTask) blocker = NULL;
  g_autoptr(TaskerTask) held = NULL;
  g_autoptr(TaskerTask) cancelled = NULL;
  Work wplain, wsetter, wblock, wheld, wcancelled;

  work_init (&wplain);
  work_init (&wsetter);
  work_init (&wblock);
  work_init (&wheld);
  work_init (&wcancelled);

  tasker_manager_set_max_threads (f->manager, 3);
  plain = test_run_thread (f->manager, NULL, f->options, gated_cb, &wplain);
  setter = test_run_thread (f->manager, NULL, f->options, message_setter_cb, &wsetter);
  failing = test_run_thread (f->manager, NULL, f->options, fail_cb, NULL);
  coroutine = test_add_coroutine (f->manager, NULL, f->options, coroutine_ends_in_idle_cb, NULL);
  g_assert_null (tasker_task_get_message (plain));
  g_assert_null (tasker_task_get_message (setter));

  TEST_WAIT_UNTIL (f->context, test_task_is_running (plain) && test_task_is_running (setter));
  g_assert_null (tasker_task_get_message (plain));
  g_assert_null (tasker_task_get_message (setter));
  TEST_WAIT_UNTIL (f->context, test_task_is_final (failing) && test_task_is_final (coroutine));
  g_assert_null (tasker_task_get_message (failing));
  g_assert_null (tasker_task_get_message (coroutine));

  test_gate_open (&wplain.gate);
  test_gate_open (&wsetter.gate);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (plain) && test_task_is_final (setter));
  g_assert_null (tasker_task_get_message (plain));
  g_assert_cmpstr (tasker_task_get_message (setter), ==, "mine");

  /* Held by a busy pool: a "waiting" message is allowed, but it goes when
   * the task starts, and a task cancelled before it started has none. */
  blocker = start_blocker (f, &wblock);
  held = test_run_thread (f->manager, NULL, f->options, gated_cb, &wheld);
  cancelled = test_run_thread (f->manager, NULL, f->options, gated_cb, &wcancelled);
  test_spin_for (f->context, 30);
  test_assert_status (held, TASKER_TASK_STATUS_PENDING);
  g_test_message ("message of a task held by the pool: %s",
                  tasker_task_get_message (held) != NULL ? tasker_task_get_message (held) : "(none)");

  tasker_task_cancel (cancelled);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (cancelled));
  assert_cancelled (cancelled);
  g_assert_null (tasker_task_get_message (cancelled));

  test_gate_open (&wblock.gate);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (held));
  g_assert_null (tasker_task_get_message (held));
  test_gate_open (&wheld.gate);
  test_settle (f->manager);
  test_assert_status (held, TASKER_TASK_STATUS_COMPLETED);
  g_assert_null (tasker_task_get_message (held));
  g_assert_null (tasker_task_get_message (blocker));
  g_assert_cmpint (g_atomic_int_get (&wcancelled.started), ==, 0);

  work_clear (&wplain);
  work_clear (&wsetter);
  work_clear (&wblock);
  work_clear (&wheld);
  work_clear (&wcancelled);
}

typedef struct
{
  TaskerTask *task;        /* (unowned) set right after submit */
  GThread    *owner;
  int         n_destroyed;
  gboolean    final_then;
  GThread    *thread;
} UserData;

static void
user_data_destroy_cb (gpointer data)
{
  UserData *u = data;

  u->n_destroyed++;
  u->thread = g_thread_self ();
  u->final_then = u->task != NULL && tasker_task_is_final (u->task);
}

static void
test_user_data_destroy (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TaskerTask) thread_task = NULL;
  g_autoptr(TaskerTask) coroutine = NULL;
  g_autoptr(TaskerTask) blocker = NULL;
  g_autoptr(TaskerTask) cancelled = NULL;
  g_autoptr(GError) error = NULL;
  UserData ut = { 0, }, uc = { 0, }, ux = { 0, };
  Work wblock;

  work_init (&wblock);

  thread_task = tasker_manager_run_thread (f->manager, NULL, f->options, nothing_cb, &ut,
                                           user_data_destroy_cb, &error);
  g_assert_no_error (error);
  ut.task = thread_task;
  coroutine = tasker_manager_run_coroutine (f->manager, NULL, f->options, coroutine_ends_in_idle_cb, &uc,
                                            user_data_destroy_cb, &error);
  g_assert_no_error (error);
  uc.task = coroutine;

  blocker = start_blocker (f, &wblock);
  cancelled = tasker_manager_run_thread (f->manager, NULL, f->options, nothing_cb, &ux,
                                         user_data_destroy_cb, &error);
  g_assert_no_error (error);
  ux.task = cancelled;
  tasker_task_cancel (cancelled);

  TEST_WAIT_UNTIL (f->context, ut.n_destroyed == 1 && uc.n_destroyed == 1 && ux.n_destroyed == 1);
  test_gate_open (&wblock.gate);
  test_settle (f->manager);
  test_spin_for (f->context, 20);

  /* Once, on the manager's context, after the task ended. */
  g_assert_cmpint (ut.n_destroyed, ==, 1);
  g_assert_cmpint (uc.n_destroyed, ==, 1);
  g_assert_cmpint (ux.n_destroyed, ==, 1);
  g_assert_true (ut.thread == g_thread_self ());
  g_assert_true (uc.thread == g_thread_self ());
  g_assert_true (ux.thread == g_thread_self ());
  g_assert_true (ut.final_then);
  g_assert_true (uc.final_then);
  g_assert_true (ux.final_then);

  work_clear (&wblock);
}

typedef struct
{
  GPtrArray *started;    /* (element-type TaskerTask) */
  GPtrArray *finished;   /* (element-type TaskerTask) */
  GThread   *owner;
  guint      n_bad;
} StartFinish;

static void
task_started_cb (TaskerManager *manager,
                 TaskerTask    *task,
                 gpointer       data)
{
  StartFinish *sf = data;

  if (tasker_task_get_status (task) != TASKER_TASK_STATUS_RUNNING || g_thread_self () != sf->owner)
    sf->n_bad++;
  g_ptr_array_add (sf->started, g_object_ref (task));
}

static void
task_finished_cb (TaskerManager *manager,
                  TaskerTask    *task,
                  gpointer       data)
{
  StartFinish *sf = data;

  if (!tasker_task_is_final (task) || g_thread_self () != sf->owner)
    sf->n_bad++;
  g_ptr_array_add (sf->finished, g_object_ref (task));
}

static guint
count_in (GPtrArray  *array,
          TaskerTask *task)
{
  guint n = 0;

  for (guint i = 0; i < array->len; i++)
    if (g_ptr_array_index (array, i) == (gpointer) task)
      n++;

  return n;
}

static void
test_started_finished_signals (TestFixture   *f,
                               gconstpointer  data)
{
  StartFinish sf = { g_ptr_array_new_with_free_func (g_object_unref),
                     g_ptr_array_new_with_free_func (g_object_unref),
                     g_thread_self (), 0 };
  g_autoptr(TaskerTask) thread_task = NULL;
  g_autoptr(TaskerTask) failing = NULL;
  g_autoptr(TaskerTask) coroutine = NULL;
  g_autoptr(TaskerTask) blocker = NULL;
  g_autoptr(TaskerTask) never = NULL;
  Work wblock;

  work_init (&wblock);
  g_signal_connect (f->manager, "task-started", G_CALLBACK (task_started_cb), &sf);
  g_signal_connect (f->manager, "task-finished", G_CALLBACK (task_finished_cb), &sf);

  thread_task = test_run_thread (f->manager, NULL, f->options, succeed_cb, NULL);
  failing = test_run_thread (f->manager, NULL, f->options, fail_cb, NULL);
  coroutine = test_add_coroutine (f->manager, NULL, f->options, coroutine_ends_in_idle_cb, NULL);
  test_settle (f->manager);
  blocker = start_blocker (f, &wblock);
  never = test_run_thread (f->manager, NULL, f->options, nothing_cb, NULL);
  tasker_task_cancel (never);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (never));
  test_gate_open (&wblock.gate);
  test_settle (f->manager);

  g_assert_cmpuint (sf.n_bad, ==, 0);
  g_assert_cmpuint (count_in (sf.started, thread_task), ==, 1);
  g_assert_cmpuint (count_in (sf.started, failing), ==, 1);
  g_assert_cmpuint (count_in (sf.started, coroutine), ==, 1);
  g_assert_cmpuint (count_in (sf.started, blocker), ==, 1);
  g_assert_cmpuint (count_in (sf.started, never), ==, 0);
  g_assert_cmpuint (count_in (sf.finished, thread_task), ==, 1);
  g_assert_cmpuint (count_in (sf.finished, failing), ==, 1);
  g_assert_cmpuint (count_in (sf.finished, coroutine), ==, 1);
  g_assert_cmpuint (count_in (sf.finished, blocker), ==, 1);
  g_assert_cmpuint (count_in (sf.finished, never), ==, 1);
  g_assert_cmpuint (sf.finished->len, ==, 5);

  g_signal_handlers_disconnect_by_data (f->manager, &sf);
  g_ptr_array_unref (sf.started);
  g_ptr_array_unref (sf.finished);
  work_clear (&wblock);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    data)
{
  (*(guint *) data)++;
}

static void
test_properties (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  guint n_interval = 0, n_threads = 0;
  guint interval, threads;
  g_autoptr(GMainContext) context = NULL;

  /* NULL: the thread-default context (the fixture pushed its own). */
  g_assert_true (tasker_manager_get_context (manager) == f->context);
  g_object_get (manager, "context", &context, NULL);
  g_assert_true (context == f->context);

  g_assert_cmpuint (tasker_manager_get_update_interval (manager), ==, 16);
  g_assert_cmpuint (tasker_manager_get_max_threads (manager), ==, g_get_num_processors ());

  g_signal_connect (manager, "notify::update-interval", G_CALLBACK (count_notify_cb), &n_interval);
  g_signal_connect (manager, "notify::max-threads", G_CALLBACK (count_notify_cb), &n_threads);

  tasker_manager_set_update_interval (manager, 100);
  tasker_manager_set_update_interval (manager, 100);
  g_object_set (manager, "max-threads", 3, NULL);
  g_object_set (manager, "max-threads", 3, NULL);
  g_object_get (manager, "update-interval", &interval, "max-threads", &threads, NULL);
  g_assert_cmpuint (interval, ==, 100);
  g_assert_cmpuint (threads, ==, 3);
  g_assert_cmpuint (tasker_manager_get_max_threads (manager), ==, 3);
  g_assert_cmpuint (n_interval, ==, 1);
  g_assert_cmpuint (n_threads, ==, 1);

  g_signal_handlers_disconnect_by_data (manager, &n_interval);
  g_signal_handlers_disconnect_by_data (manager, &n_threads);
}

static void
test_default_manager (TestFixture   *f,
                      gconstpointer  data)
{
  TaskerManager *manager = tasker_manager_get_default ();

  g_assert_true (TASKER_IS_MANAGER (manager));
  g_assert_true (tasker_manager_get_default () == manager);
  g_assert_true (tasker_manager_get_context (manager) == g_main_context_default ());
  g_assert_false (tasker_manager_is_shut_down (manager));
  g_assert_true (tasker_manager_wait_until_settled (manager, 0));

  /* Independent of any other manager. */
  g_assert_true (manager != f->manager);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST_ADD ("/Tasker/Manager/key-replaces", test_key_replaces);
  TEST_ADD ("/Tasker/Manager/key-replaces-pending", test_key_replaces_pending);
  TEST_ADD ("/Tasker/Manager/cancel-task-by-key", test_cancel_task_by_key);
  TEST_ADD ("/Tasker/Manager/dup-task", test_dup_task);
  TEST_ADD ("/Tasker/Manager/cancel-pending", test_cancel_pending);
  TEST_ADD ("/Tasker/Manager/cancel-pending-coroutine", test_cancel_pending_coroutine);
  TEST_ADD ("/Tasker/Manager/cancel-running-thread", test_cancel_running_thread);
  TEST_ADD ("/Tasker/Manager/cancel-then-return", test_cancel_then_return);
  TEST_ADD ("/Tasker/Manager/cancel-waits-for-function", test_cancel_waits_for_function);
  TEST_ADD ("/Tasker/Manager/when-done-once", test_when_done_once);
  TEST_ADD ("/Tasker/Manager/done-gets-same-task", test_done_gets_same_task);
  TEST_ADD ("/Tasker/Manager/events-in-order", test_events_in_order);
  TEST_ADD ("/Tasker/Manager/submit-after-shutdown", test_submit_after_shutdown);
  TEST_ADD ("/Tasker/Manager/null-func", test_null_func);
  TEST_ADD ("/Tasker/Manager/wait-until-settled", test_wait_until_settled);
  TEST_ADD ("/Tasker/Manager/shutdown", test_shutdown);
  TEST_ADD ("/Tasker/Manager/no-manager-messages", test_no_manager_messages);
  TEST_ADD ("/Tasker/Manager/user-data-destroy", test_user_data_destroy);
  TEST_ADD ("/Tasker/Manager/started-finished-signals", test_started_finished_signals);
  TEST_ADD ("/Tasker/Manager/properties", test_properties);
  TEST_ADD ("/Tasker/Manager/default", test_default_manager);

  return g_test_run ();
}
