/* test-coroutine.c — asynchronous functions on the manager's context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-util.h"

#include <unistd.h>

#include <gio/gunixinputstream.h>

typedef struct
{
  TestThreadCheck check;
  TestGate        gate;
  GThread        *returner;
  TaskerContext  *context;   /* (owned) while the returner thread runs */
} Later;

static gpointer
return_later_thread (gpointer data)
{
  Later *later = data;
  GValue value = G_VALUE_INIT;

  test_gate_wait (&later->gate);
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
  later->returner = g_thread_new ("returner", return_later_thread, later);
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

  test_wait_for (tasker_manager_get_context (manager), test_task_is_running, task);
  g_assert_cmpuint (later.check.n_calls, ==, 1);
  g_assert_cmpuint (later.check.n_wrong_thread, ==, 0);
  g_assert_cmpuint (later.check.n_inline, ==, 0);

  /* The function returned long ago; the task runs until it returns a result. */
  test_spin (tasker_manager_get_context (manager), 50);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_RUNNING);

  test_gate_open (&later.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
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
  test_wait_for (tasker_manager_get_context (manager), test_task_is_running, task);
  /* Nothing will ever be written: only cancellation can end the read. */
  test_spin (tasker_manager_get_context (manager), 30);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_RUNNING);
  g_assert_null (reader.read_error);

  reader.cancelled_at = g_get_monotonic_time ();
  g_assert_true (tasker_manager_cancel_task (manager, "reader"));
  test_wait_for (tasker_manager_get_context (manager), test_task_is_final, task);

  g_assert_error (reader.read_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_CANCELLED);
  g_assert_error (tasker_task_get_error (task), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* What it set before the cancel is kept. */
  g_assert_cmpstr (tasker_task_get_message (task), ==, "waiting for data");
  g_test_message ("read interrupted %.3f ms after the cancel",
                  (reader.read_ended_at - reader.cancelled_at) / 1000.0);

  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
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

  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
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
  test_wait_for (tasker_manager_get_context (manager), test_task_is_final, task);
  g_thread_join (later.returner);

  /* The first return stands; nothing can overwrite it. */
  g_assert_true (tasker_task_propagate_value (task, &value, NULL));
  g_assert_cmpstr (g_value_get_string (&value), ==, "from another thread");
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  test_gate_clear (&later.gate);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tasker/Coroutine/ends-when-it-returns", coroutine_ends_when_it_returns);
  g_test_add_func ("/Tasker/Coroutine/cancel-interrupts-gio", cancel_interrupts_a_pending_gio_call);
  g_test_add_func ("/Tasker/Coroutine/errors-keep-domain-and-code", coroutine_errors_keep_domain_and_code);
  g_test_add_func ("/Tasker/Coroutine/first-return-stands", return_twice_is_refused);

  return g_test_run ();
}
