/* test-coroutine.c — coroutine tasks: GIO-style work on the manager's context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gio/gunixinputstream.h>

#include "tasker-test.h"

#define TEST_ERROR (g_quark_from_static_string ("tasker-test-error-quark"))

typedef struct
{
  GThread          *thread;
  gboolean          in_submit;
  TaskerTaskStatus  status;
  guint             attempt;
  guint             n_calls;
  TaskerTask       *task;       /* (unowned) set right after the submit */
  TaskerContext    *context;    /* (owned) (nullable) */
} Called;

static void
record_call_cb (TaskerContext *context,
                gpointer       data)
{
  Called *called = data;

  called->n_calls++;
  called->thread = g_thread_self ();
  called->in_submit = test_in_submit ();
  if (called->task != NULL)
    {
      called->status = tasker_task_get_status (called->task);
      called->attempt = tasker_task_get_attempt (called->task);
    }
  g_set_object (&called->context, context);
}

static void
test_called_on_context (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  Called called = { NULL, FALSE, 0, 0, 0, NULL, NULL };

  task = test_add_coroutine (f->manager, NULL, f->options, record_call_cb, &called);
  called.task = task;
  g_assert_cmpuint (called.n_calls, ==, 0);
  g_assert_cmpint (tasker_task_get_kind (task), ==, TASKER_TASK_KIND_COROUTINE);

  TEST_WAIT_UNTIL (f->context, called.n_calls == 1);
  g_assert_true (called.thread == g_thread_self ());
  g_assert_false (called.in_submit);
  g_assert_cmpint (called.status, ==, TASKER_TASK_STATUS_RUNNING);
  g_assert_cmpuint (called.attempt, ==, 1);

  /* Its function returned, but it has not returned a result: still running. */
  test_spin_for (f->context, 50);
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);
  g_assert_false (test_recorder_is_done (&f->rec, task));
  g_assert_cmpuint (called.n_calls, ==, 1);

  {
    g_auto(GValue) value = G_VALUE_INIT;
    g_auto(GValue) out = G_VALUE_INIT;
    g_autoptr(GError) error = NULL;

    g_value_init (&value, G_TYPE_STRING);
    g_value_set_string (&value, "result");
    tasker_context_return_value (called.context, &value);
    TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
    test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
    g_assert_true (tasker_task_propagate_value (task, &out, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (g_value_get_string (&out), ==, "result");
  }

  g_assert_cmpuint (called.n_calls, ==, 1);
  g_clear_object (&called.context);
}

/* The manager's context is run by a thread of its own. */
typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  TestGate      ready;
} LoopThread;

static gpointer
loop_thread_func (gpointer data)
{
  LoopThread *lt = data;

  /* Pushing acquires the context: from now on this thread owns it. */
  g_main_context_push_thread_default (lt->context);
  test_gate_arrive (&lt->ready);
  g_main_loop_run (lt->loop);
  g_main_context_pop_thread_default (lt->context);

  return NULL;
}

static void
test_called_on_owner_thread (void)
{
  LoopThread lt;
  g_autoptr(TaskerManager) manager = NULL;
  g_autoptr(TaskerTask) task = NULL;
  Called called = { NULL, FALSE, 0, 0, 0, NULL, NULL };
  GThread *thread;
  gpointer weak;

  lt.context = g_main_context_new ();
  lt.loop = g_main_loop_new (lt.context, FALSE);
  manager = tasker_manager_new (lt.context);
  test_gate_init (&lt.ready);
  thread = g_thread_new ("coroutine-owner", loop_thread_func, &lt);
  test_gate_block_until_arrived (&lt.ready, 1);

  task = test_add_coroutine (manager, NULL, NULL, record_call_cb, &called);
  g_assert_true (tasker_manager_wait_until_settled (manager, 0) == FALSE);

  /* It cannot end by itself: return from here once it was called. */
  {
    gint64 deadline = g_get_monotonic_time () + (gint64) test_timeout_ms () * 1000;

    while (!tasker_manager_wait_until_settled (manager, 10))
      {
        TaskerContext *context = g_atomic_pointer_get (&called.context);

        if (context != NULL)
          {
            tasker_context_return_pointer (context, NULL, NULL);
            g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
            break;
          }
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      }
  }

  g_assert_true (called.thread == thread);
  g_assert_false (called.in_submit);
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);

  g_main_loop_quit (lt.loop);
  g_thread_join (thread);
  g_clear_object (&called.context);
  g_clear_object (&task);

  weak = manager;
  g_object_add_weak_pointer (G_OBJECT (manager), &weak);
  g_clear_object (&manager);
  g_assert_null (weak);

  g_main_loop_unref (lt.loop);
  test_gate_clear (&lt.ready);
  while (g_main_context_pending (lt.context))
    g_main_context_iteration (lt.context, FALSE);
  g_main_context_unref (lt.context);
}

typedef struct
{
  TestGate       gate;
  TaskerContext *context;   /* (owned) */
  GThread       *thread;
} ReturnLater;

static gpointer
return_later_thread (gpointer data)
{
  ReturnLater *later = data;
  g_auto(GValue) value = G_VALUE_INIT;

  test_gate_wait (&later->gate, NULL);
  tasker_context_set_message (later->context, "from the thread");
  tasker_context_send_event (later->context, "from-thread", g_variant_new_boolean (TRUE));
  g_value_init (&value, G_TYPE_UINT64);
  g_value_set_uint64 (&value, G_GUINT64_CONSTANT (1) << 40);
  tasker_context_return_value (later->context, &value);
  g_clear_object (&later->context);

  return NULL;
}

static void
hand_to_thread_cb (TaskerContext *context,
                   gpointer       data)
{
  ReturnLater *later = data;

  later->context = g_object_ref (context);
  later->thread = g_thread_new ("return-later", return_later_thread, later);
}

static void
test_return_from_other_thread (TestFixture   *f,
                               gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GValue) out = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  g_autofree char *event_line = NULL;
  ReturnLater later = { 0, };

  test_gate_init (&later.gate);
  task = test_add_coroutine (f->manager, NULL, f->options, hand_to_thread_cb, &later);
  TEST_WAIT_UNTIL (f->context, later.thread != NULL && test_task_is_running (task));

  test_spin_for (f->context, 20);
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);

  test_gate_open (&later.gate);
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  g_thread_join (later.thread);

  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_true (tasker_task_propagate_value (task, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_value_get_uint64 (&out), ==, G_GUINT64_CONSTANT (1) << 40);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "from the thread");
  event_line = g_strdup_printf ("event %" G_GUINT64_FORMAT " from-thread true", tasker_task_get_id (task));
  g_assert_cmpint (test_recorder_find (&f->rec, event_line), >=, 0);
  test_gate_clear (&later.gate);
}

/* A GIO-style operation: a GTask run in a thread, its callback on the
 * manager's context returns the task's result. */
static void
compute_in_thread (GTask        *gtask,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  g_task_return_int (gtask, 6 * 7);
}

static void
computed_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(TaskerContext) context = data;
  g_autoptr(GError) error = NULL;
  gssize value = g_task_propagate_int (G_TASK (result), &error);

  if (error != NULL)
    {
      tasker_context_return_error (context, g_steal_pointer (&error));
    }
  else
    {
      g_auto(GValue) v = G_VALUE_INIT;

      g_value_init (&v, G_TYPE_INT);
      g_value_set_int (&v, (int) value);
      tasker_context_set_progress (context, 0.5);
      tasker_context_return_value (context, &v);
    }
}

static void
start_gtask_cb (TaskerContext *context,
                gpointer       data)
{
  g_autoptr(GTask) gtask = g_task_new (NULL, tasker_context_get_cancellable (context),
                                       computed_cb, g_object_ref (context));

  g_task_run_in_thread (gtask, compute_in_thread);
}

static void
test_return_from_gio_callback (TestFixture   *f,
                               gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GValue) out = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  task = test_add_coroutine (f->manager, NULL, f->options, start_gtask_cb, NULL);
  test_settle (f->manager);

  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_true (tasker_task_propagate_value (task, &out, &error));
  g_assert_cmpint (g_value_get_int (&out), ==, 42);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 1.0);
}

/* Reading from a pipe nobody writes to: only a cancel ends it. */
typedef struct
{
  GInputStream  *stream;      /* (owned) */
  int            write_fd;
  char           buffer[16];
  gboolean       started;
  gboolean       callback_ran;
  gint64         callback_time;
  GError        *callback_error;  /* (owned) (nullable) */
  gboolean       return_value_anyway;
} PipeRead;

static void
pipe_read_init (PipeRead *p)
{
  int fds[2];
  g_autoptr(GError) error = NULL;

  memset (p, 0, sizeof *p);
  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, &error));
  g_assert_no_error (error);
  p->stream = g_unix_input_stream_new (fds[0], TRUE);
  p->write_fd = fds[1];
}

static void
pipe_read_clear (PipeRead *p)
{
  g_clear_object (&p->stream);
  close (p->write_fd);
  g_clear_error (&p->callback_error);
}

typedef struct
{
  PipeRead      *p;
  TaskerContext *context;   /* (owned) */
} ReadOp;

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  ReadOp *op = data;
  PipeRead *p = op->p;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  p->callback_ran = TRUE;
  p->callback_time = g_get_monotonic_time ();

  if (n < 0)
    {
      p->callback_error = g_error_copy (error);
      if (p->return_value_anyway)
        {
          g_auto(GValue) value = G_VALUE_INIT;

          g_clear_error (&error);
          g_value_init (&value, G_TYPE_BOOLEAN);
          g_value_set_boolean (&value, TRUE);
          tasker_context_return_value (op->context, &value);
        }
      else
        {
          tasker_context_return_error (op->context, error);
        }
    }
  else
    {
      tasker_context_return_new_error (op->context, TEST_ERROR, 1, "read %" G_GSSIZE_FORMAT " bytes", n);
    }

  g_object_unref (op->context);
  g_free (op);
}

static void
start_read_cb (TaskerContext *context,
               gpointer       data)
{
  PipeRead *p = data;
  ReadOp *op = g_new0 (ReadOp, 1);

  op->p = p;
  op->context = g_object_ref (context);
  p->started = TRUE;
  tasker_context_set_message (context, "reading");
  g_input_stream_read_async (p->stream, p->buffer, sizeof p->buffer, G_PRIORITY_DEFAULT,
                             tasker_context_get_cancellable (context), read_done_cb, op);
}

typedef enum
{
  CANCEL_BY_TASK,
  CANCEL_BY_KEY,
  CANCEL_BY_REPLACING,
  CANCEL_BY_SHUTDOWN,
} CancelHow;

static void
nothing_cb (TaskerContext *context,
            gpointer       data)
{
  tasker_context_return_pointer (context, NULL, NULL);
}

static void
check_cancel_interrupts_read (TestFixture *f,
                              CancelHow    how,
                              gboolean     return_value_anyway)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (f->context);
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(TaskerTask) replacement = NULL;
  PipeRead p;
  gint64 t0;

  pipe_read_init (&p);
  p.return_value_anyway = return_value_anyway;

  task = test_add_coroutine (manager, "reader", f->options, start_read_cb, &p);
  TEST_WAIT_UNTIL (f->context, p.started && test_task_is_running (task));

  /* Blocked in the read. */
  test_spin_for (f->context, 30);
  g_assert_false (p.callback_ran);
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);

  t0 = g_get_monotonic_time ();
  switch (how)
    {
    case CANCEL_BY_TASK:
      tasker_task_cancel (task);
      break;

    case CANCEL_BY_KEY:
      g_assert_true (tasker_manager_cancel_task (manager, "reader"));
      break;

    case CANCEL_BY_REPLACING:
      replacement = test_add_coroutine (manager, "reader", f->options, nothing_cb, NULL);
      break;

    case CANCEL_BY_SHUTDOWN:
    default:
      tasker_manager_shutdown (manager, test_timeout_ms ());
      g_assert_true (tasker_task_is_final (task));
      break;
    }
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));

  /* Interrupted at once, with the cancellation error; the task CANCELLED. */
  g_assert_true (p.callback_ran);
  g_assert_cmpint (p.callback_time - t0, <, (gint64) test_slack_ms (500) * 1000);
  g_assert_error (p.callback_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_error (tasker_task_get_error (task), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "reading");
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);

  test_settle (manager);
  if (replacement != NULL)
    test_assert_status (replacement, TASKER_TASK_STATUS_COMPLETED);

  g_clear_object (&task);
  g_clear_object (&replacement);
  test_unref_and_wait (f->context, g_steal_pointer (&manager));
  pipe_read_clear (&p);
}

static void
test_cancel_interrupts_read (TestFixture   *f,
                             gconstpointer  data)
{
  check_cancel_interrupts_read (f, CANCEL_BY_TASK, FALSE);
  check_cancel_interrupts_read (f, CANCEL_BY_KEY, FALSE);
  check_cancel_interrupts_read (f, CANCEL_BY_REPLACING, FALSE);
  check_cancel_interrupts_read (f, CANCEL_BY_SHUTDOWN, FALSE);
}

/* Returning a value after the cancel changes nothing. */
static void
test_cancel_then_return_value (TestFixture   *f,
                               gconstpointer  data)
{
  check_cancel_interrupts_read (f, CANCEL_BY_TASK, TRUE);
}

/* Data that does arrive completes the read normally. */
static void
test_read_completes (TestFixture   *f,
                     gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  PipeRead p;

  pipe_read_init (&p);
  task = test_add_coroutine (f->manager, NULL, f->options, start_read_cb, &p);
  TEST_WAIT_UNTIL (f->context, p.started);
  g_assert_cmpint (write (p.write_fd, "abc", 3), ==, 3);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));

  /* The function turned "read 3 bytes" into an error of its own. */
  test_assert_status (task, TASKER_TASK_STATUS_FAILED);
  g_assert_error (tasker_task_get_error (task), TEST_ERROR, 1);
  g_assert_cmpstr (tasker_task_get_error (task)->message, ==, "read 3 bytes");
  g_assert_null (p.callback_error);
  pipe_read_clear (&p);
}

typedef struct
{
  int n_destroyed;
} Destroyed;

static void
destroyed_cb (gpointer data)
{
  g_atomic_int_inc (&((Destroyed *) data)->n_destroyed);
}

static void
test_results (TestFixture   *f,
              gconstpointer  data)
{
  TaskerContext *contexts[4] = { NULL, };
  TaskerTask *tasks[4];
  Destroyed destroyed = { 0 };

  for (guint i = 0; i < 4; i++)
    tasks[i] = test_add_coroutine (f->manager, NULL, f->options, test_capture_context_cb, &contexts[i]);
  TEST_WAIT_UNTIL (f->context, contexts[0] && contexts[1] && contexts[2] && contexts[3]);

  {
    g_auto(GValue) value = G_VALUE_INIT;

    g_value_init (&value, G_TYPE_STRING);
    g_value_set_string (&value, "the value");
    tasker_context_return_value (contexts[0], &value);
  }
  tasker_context_return_pointer (contexts[1], &destroyed, destroyed_cb);
  tasker_context_return_error (contexts[2], g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no %s", "file"));
  tasker_context_return_new_error (contexts[3], TEST_ERROR, 11, "custom %d", 11);
  for (guint i = 0; i < 4; i++)
    g_clear_object (&contexts[i]);

  test_settle (f->manager);

  {
    g_auto(GValue) out = G_VALUE_INIT;
    g_autoptr(GError) error = NULL;

    test_assert_status (tasks[0], TASKER_TASK_STATUS_COMPLETED);
    g_assert_true (tasker_task_propagate_value (tasks[0], &out, &error));
    g_assert_cmpstr (g_value_get_string (&out), ==, "the value");
  }

  test_assert_status (tasks[1], TASKER_TASK_STATUS_COMPLETED);
  g_assert_true (tasker_task_get_result_pointer (tasks[1]) == &destroyed);
  g_assert_cmpint (g_atomic_int_get (&destroyed.n_destroyed), ==, 0);

  for (guint i = 2; i < 4; i++)
    {
      g_auto(GValue) out = G_VALUE_INIT;
      g_autoptr(GError) error = NULL;

      test_assert_status (tasks[i], TASKER_TASK_STATUS_FAILED);
      g_assert_false (tasker_task_propagate_value (tasks[i], &out, &error));
      g_assert_nonnull (error);
    }
  g_assert_error (tasker_task_get_error (tasks[2]), G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (tasker_task_get_error (tasks[2])->message, ==, "no file");
  g_assert_error (tasker_task_get_error (tasks[3]), TEST_ERROR, 11);
  g_assert_cmpstr (tasker_task_get_error (tasks[3])->message, ==, "custom 11");

  for (guint i = 0; i < 4; i++)
    test_unref_and_wait (f->context, tasks[i]);
  g_assert_cmpint (g_atomic_int_get (&destroyed.n_destroyed), ==, 1);
}

static void
progress_events_cb (TaskerContext *context,
                    gpointer       data)
{
  TaskerContext **out = data;

  tasker_context_set_total (context, 4);
  tasker_context_set_progress (context, 1);
  tasker_context_send_event (context, "step", g_variant_new_int32 (1));
  *out = g_object_ref (context);
}

static void
test_progress_and_events (TestFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  TaskerContext *context = NULL;
  g_autofree char *step1 = NULL;
  g_autofree char *step2 = NULL;
  g_autofree char *done = NULL;

  task = test_add_coroutine (f->manager, NULL, f->options, progress_events_cb, &context);
  TEST_WAIT_UNTIL (f->context, context != NULL);
  test_flush_and_wait (f, context);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 0.25);

  tasker_context_set_progress (context, 3);
  tasker_context_send_event (context, "step", g_variant_new_int32 (2));
  tasker_context_set_message (context, "three quarters");
  test_flush_and_wait (f, context);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 0.75);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "three quarters");

  tasker_context_return_error (context, g_error_new_literal (TEST_ERROR, 5, "stopped"));
  g_clear_object (&context);
  test_settle (f->manager);

  test_assert_status (task, TASKER_TASK_STATUS_FAILED);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 0.75);
  step1 = g_strdup_printf ("event %" G_GUINT64_FORMAT " step 1", tasker_task_get_id (task));
  step2 = g_strdup_printf ("event %" G_GUINT64_FORMAT " step 2", tasker_task_get_id (task));
  done = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (task));
  g_assert_cmpint (test_recorder_find (&f->rec, step1), >=, 0);
  g_assert_cmpint (test_recorder_find (&f->rec, step2), >, test_recorder_find (&f->rec, step1));
  g_assert_cmpint (test_recorder_find (&f->rec, done), >, test_recorder_find (&f->rec, step2));
}

/* Tests without a fixture: each sets up its own manager, most on GLib's
 * default main context, and checks what it needs itself. */

typedef struct
{
  TestThreadCheck check;
  TestGate        gate;
  GThread        *returner;
  TaskerContext  *context;   /* (owned) while the returner thread runs */
} Later;

static gpointer
later_return_thread (gpointer data)
{
  Later *later = data;
  GValue value = G_VALUE_INIT;

  test_gate_wait (&later->gate, NULL);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_static_string (&value, "from another thread");
  tasker_context_return_value (later->context, &value);
  g_value_unset (&value);
  g_clear_object (&later->context);

  return NULL;
}

static void
later_func (TaskerContext *context,
            gpointer       data)
{
  Later *later = data;

  test_thread_check (&later->check);
  tasker_context_set_progress (context, 0.2);
  later->context = g_object_ref (context);
  later->returner = g_thread_new ("returner", later_return_thread, later);
}

static void
coroutine_ends_when_it_returns (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  Later later = { .check.owner = g_thread_self () };

  test_gate_init (&later.gate);

  later.check.in_submit = TRUE;
  task = tasker_manager_run_coroutine (manager, NULL, NULL, later_func, &later, NULL, NULL);
  later.check.in_submit = FALSE;
  g_assert_cmpint (tasker_task_get_kind (task), ==, TASKER_TASK_KIND_COROUTINE);
  /* Not called inside add_coroutine. */
  g_assert_cmpuint (later.check.n_calls, ==, 0);

  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_running (task));
  g_assert_cmpuint (later.check.n_calls, ==, 1);
  g_assert_cmpuint (later.check.n_wrong_thread, ==, 0);
  g_assert_cmpuint (later.check.n_inline, ==, 0);

  /* The function returned long ago; the task runs until it returns a result. */
  test_spin_for (tasker_manager_get_context (manager), 50);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_RUNNING);

  test_gate_open (&later.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  g_thread_join (later.returner);

  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_COMPLETED);
  g_assert_true (tasker_task_propagate_value (task, &value, NULL));
  g_assert_cmpstr (g_value_get_string (&value), ==, "from another thread");
  test_gate_clear (&later.gate);
}

typedef struct
{
  int            fds[2];
  GInputStream  *stream;
  char           buffer[16];
  GError        *read_error;    /* (owned) what the pending read ended with */
  gint64         cancelled_at;
  gint64         read_ended_at;
} Reader;

static void
read_ready_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(TaskerContext) context = data;
  Reader *reader = g_object_get_data (G_OBJECT (context), "reader");
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &reader->read_error);
  reader->read_ended_at = g_get_monotonic_time ();

  if (n < 0)
    tasker_context_return_error (context, g_error_copy (reader->read_error));
  else
    tasker_context_return_pointer (context, NULL, NULL);
}

static void
reader_func (TaskerContext *context,
             gpointer       data)
{
  Reader *reader = data;

  g_object_set_data (G_OBJECT (context), "reader", reader);
  tasker_context_set_message (context, "waiting for data");
  g_input_stream_read_async (reader->stream, reader->buffer, sizeof reader->buffer,
                             G_PRIORITY_DEFAULT, tasker_context_get_cancellable (context),
                             read_ready_cb, g_object_ref (context));
}

static void
cancel_interrupts_a_pending_gio_call (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  Reader reader = { { -1, -1 } };

  g_assert_no_errno (pipe (reader.fds));
  reader.stream = g_unix_input_stream_new (reader.fds[0], TRUE);

  task = tasker_manager_run_coroutine (manager, "reader", NULL, reader_func, &reader, NULL, NULL);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_running (task));
  /* Nothing will ever be written: only cancellation can end the read. */
  test_spin_for (tasker_manager_get_context (manager), 30);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_RUNNING);
  g_assert_null (reader.read_error);

  reader.cancelled_at = g_get_monotonic_time ();
  g_assert_true (tasker_manager_cancel_task (manager, "reader"));
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_final (task));

  g_assert_error (reader.read_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_CANCELLED);
  g_assert_error (tasker_task_get_error (task), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* What it set before the cancel is kept. */
  g_assert_cmpstr (tasker_task_get_message (task), ==, "waiting for data");
  g_test_message ("read interrupted %.3f ms after the cancel",
                  (reader.read_ended_at - reader.cancelled_at) / 1000.0);

  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  g_clear_error (&reader.read_error);
  g_object_unref (reader.stream);
  close (reader.fds[1]);
}

static void
immediate_error_func (TaskerContext *context,
                      gpointer       data)
{
  /* Returning inside the function itself is fine too. */
  tasker_context_return_new_error (context, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                                   "host %s not found", "example.invalid");
}

static void
coroutine_errors_keep_domain_and_code (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = tasker_manager_run_coroutine (manager, NULL, NULL, immediate_error_func, NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_FAILED);
  g_assert_false (tasker_task_propagate_value (task, NULL, &error));
  g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "host example.invalid not found");
}

static void
return_twice_is_refused (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  Later later = { .check.owner = g_thread_self () };
  g_auto(GValue) value = G_VALUE_INIT;

  test_gate_init (&later.gate);
  test_gate_open (&later.gate);
  task = tasker_manager_run_coroutine (manager, NULL, NULL, later_func, &later, NULL, NULL);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), test_task_is_final (task));
  g_thread_join (later.returner);

  /* The first return stands; nothing can overwrite it. */
  g_assert_true (tasker_task_propagate_value (task, &value, NULL));
  g_assert_cmpstr (g_value_get_string (&value), ==, "from another thread");
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  test_gate_clear (&later.gate);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST_ADD ("/Tasker/Coroutine/called-on-context-not-inline", test_called_on_context);
  g_test_add_func ("/Tasker/Coroutine/called-on-owner-thread", test_called_on_owner_thread);
  TEST_ADD ("/Tasker/Coroutine/return-from-other-thread", test_return_from_other_thread);
  TEST_ADD ("/Tasker/Coroutine/return-from-gio-callback", test_return_from_gio_callback);
  TEST_ADD ("/Tasker/Coroutine/cancel-interrupts-read", test_cancel_interrupts_read);
  TEST_ADD ("/Tasker/Coroutine/cancel-then-return-value", test_cancel_then_return_value);
  TEST_ADD ("/Tasker/Coroutine/read-completes", test_read_completes);
  TEST_ADD ("/Tasker/Coroutine/results", test_results);
  TEST_ADD ("/Tasker/Coroutine/progress-and-events", test_progress_and_events);
  g_test_add_func ("/Tasker/Coroutine/ends-when-it-returns", coroutine_ends_when_it_returns);
  g_test_add_func ("/Tasker/Coroutine/cancel-interrupts-gio", cancel_interrupts_a_pending_gio_call);
  g_test_add_func ("/Tasker/Coroutine/errors-keep-domain-and-code", coroutine_errors_keep_domain_and_code);
  g_test_add_func ("/Tasker/Coroutine/first-return-stands", return_twice_is_refused);

  return g_test_run ();
}
