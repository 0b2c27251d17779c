/* test-token.c — submitting by token (tasker-manager-token.c): the run, done
 * and event functions given once per manager get each task's token
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "tasker-test.h"

/* What the token functions saw, by token. Main thread only, but for the
 * run counts (atomic). */
typedef struct
{
  GThread    *owner;
  int         runs[8];         /* (atomic) run calls per token */
  int         run_off_owner;   /* (atomic) thread runs off the main thread */
  guint       dones[8];        /* done calls per token */
  GPtrArray  *trace;           /* (element-type utf8): "event <token> <name>", "done <token>" */
  guint       n_wrong_thread;
  guint       n_not_final;
  int         destroyed;       /* (atomic) destroy notifies called */
  TestGate    gate;            /* token 2's thread function waits here */
} Seen;

static void
token_run_cb (TaskerContext *context,
              guint64        token,
              gpointer       user_data)
{
  Seen *seen = user_data;

  g_assert_cmpuint (token, <, G_N_ELEMENTS (seen->runs));
  g_atomic_int_inc (&seen->runs[token]);
  if (g_thread_self () != seen->owner)
    g_atomic_int_inc (&seen->run_off_owner);
  if (token == 2)
    test_gate_wait (&seen->gate, tasker_context_get_cancellable (context));
  if (token == 3)
    {
      tasker_context_send_event (context, "first", NULL);
      tasker_context_send_event (context, "second", g_variant_new_uint32 (3));
    }
  if (token == 4)
    tasker_context_return_new_error (context, TASKER_ERROR, TASKER_ERROR_FAILED, "token 4 fails");
  if (token == 5)
    /* A coroutine task: it ends when it returns, here at once. */
    tasker_context_return_value (context, NULL);
}

static void
token_done_cb (TaskerTask *task,
               guint64     token,
               gpointer    user_data)
{
  Seen *seen = user_data;

  g_assert_cmpuint (token, <, G_N_ELEMENTS (seen->dones));
  if (g_thread_self () != seen->owner)
    seen->n_wrong_thread++;
  if (!tasker_task_is_final (task))
    seen->n_not_final++;
  seen->dones[token]++;
  g_ptr_array_add (seen->trace, g_strdup_printf ("done %" G_GUINT64_FORMAT, token));
}

static void
token_event_cb (TaskerTask *task,
                guint64     token,
                const char *name,
                GVariant   *data,
                gpointer    user_data)
{
  Seen *seen = user_data;

  if (g_thread_self () != seen->owner)
    seen->n_wrong_thread++;
  g_ptr_array_add (seen->trace, g_strdup_printf ("event %" G_GUINT64_FORMAT " %s", token, name));
  if (g_str_equal (name, "second"))
    g_assert_cmpuint (g_variant_get_uint32 (data), ==, 3);
}

static void
seen_destroy_cb (gpointer data)
{
  Seen *seen = data;

  g_atomic_int_inc (&seen->destroyed);
}

static void
seen_init (Seen *seen)
{
  memset (seen, 0, sizeof *seen);
  seen->owner = g_thread_self ();
  seen->trace = g_ptr_array_new_with_free_func (g_free);
  test_gate_init (&seen->gate);
}

static void
unused_run_cb (TaskerContext *context,
               guint64        token,
               gpointer       user_data)
{
}

static void
seen_clear (Seen          *seen,
            TaskerManager *manager)
{
  /* The manager lets go of @seen before it goes out of scope. */
  tasker_manager_set_token_funcs (manager, unused_run_cb, NULL, NULL, NULL, NULL, NULL,
                                  NULL, NULL, NULL);
  g_assert_cmpint (g_atomic_int_get (&seen->destroyed), ==, 3);
  g_ptr_array_unref (seen->trace);
  test_gate_clear (&seen->gate);
}

static int
trace_find (Seen       *seen,
            const char *line)
{
  for (guint i = 0; i < seen->trace->len; i++)
    if (g_str_equal (g_ptr_array_index (seen->trace, i), line))
      return (int) i;
  return -1;
}

static void
set_funcs (TaskerManager *manager,
           Seen          *seen)
{
  tasker_manager_set_token_funcs (manager,
                                  token_run_cb, seen, seen_destroy_cb,
                                  token_done_cb, seen, seen_destroy_cb,
                                  token_event_cb, seen, seen_destroy_cb);
}

static void
test_token_needs_funcs (TestFixture   *f,
                        gconstpointer  data)
{
  GError *error = NULL;
  TaskerTask *task;

  task = tasker_manager_run_thread_token (f->manager, NULL, NULL, 1, &error);
  g_assert_null (task);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  task = tasker_manager_run_process_token (f->manager, NULL, NULL, "m:f", NULL, 1, &error);
  g_assert_null (task);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
}

static void
test_token_thread_and_coroutine (TestFixture   *f,
                                 gconstpointer  data)
{
  g_autoptr(TaskerTask) plain = NULL;
  g_autoptr(TaskerTask) gated = NULL;
  g_autoptr(TaskerTask) events = NULL;
  g_autoptr(TaskerTask) failing = NULL;
  g_autoptr(TaskerTask) coroutine = NULL;
  g_autoptr(TaskerTaskOptions) named = tasker_task_options_new ();
  g_autoptr(GError) error = NULL;
  Seen seen;

  seen_init (&seen);
  set_funcs (f->manager, &seen);

  /* Options of the caller's: their settings hold, their functions do not. */
  tasker_task_options_set_name (named, "named by token");

  plain = tasker_manager_run_thread_token (f->manager, NULL, NULL, 1, &error);
  g_assert_no_error (error);
  gated = tasker_manager_run_thread_token (f->manager, "gated", named, 2, &error);
  g_assert_no_error (error);
  events = tasker_manager_run_thread_token (f->manager, NULL, NULL, 3, &error);
  g_assert_no_error (error);
  failing = tasker_manager_run_thread_token (f->manager, NULL, NULL, 4, &error);
  g_assert_no_error (error);
  coroutine = tasker_manager_run_coroutine_token (f->manager, NULL, NULL, 5, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (tasker_task_get_name (gated), ==, "named by token");

  TEST_WAIT_UNTIL (f->context, seen.dones[1] == 1 && seen.dones[3] == 1 &&
                               seen.dones[4] == 1 && seen.dones[5] == 1);
  test_assert_status (plain, TASKER_TASK_STATUS_COMPLETED);
  test_assert_status (events, TASKER_TASK_STATUS_COMPLETED);
  test_assert_status (failing, TASKER_TASK_STATUS_FAILED);
  test_assert_status (coroutine, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpuint (seen.dones[2], ==, 0);

  /* Events in order, before their task's done function, with its token. */
  g_assert_cmpint (trace_find (&seen, "event 3 first"), >=, 0);
  g_assert_cmpint (trace_find (&seen, "event 3 first"), <, trace_find (&seen, "event 3 second"));
  g_assert_cmpint (trace_find (&seen, "event 3 second"), <, trace_find (&seen, "done 3"));

  /* A cancelled running task: done once, with its token. */
  tasker_task_cancel (gated);
  TEST_WAIT_UNTIL (f->context, seen.dones[2] == 1);
  test_assert_status (gated, TASKER_TASK_STATUS_CANCELLED);

  test_settle (f->manager);
  for (guint i = 1; i <= 5; i++)
    {
      g_assert_cmpint (g_atomic_int_get (&seen.runs[i]), ==, 1);
      g_assert_cmpuint (seen.dones[i], ==, 1);
    }
  /* Thread tasks ran in pool threads, the coroutine on the main context. */
  g_assert_cmpint (g_atomic_int_get (&seen.run_off_owner), ==, 4);
  g_assert_cmpuint (seen.n_wrong_thread, ==, 0);
  g_assert_cmpuint (seen.n_not_final, ==, 0);

  /* Replaced functions are freed once no task needs them (seen_clear). */
  g_assert_cmpint (g_atomic_int_get (&seen.destroyed), ==, 0);
  seen_clear (&seen, f->manager);
}

static void
test_token_pending_cancel_and_refusal (TestFixture   *f,
                                       gconstpointer  data)
{
  g_autoptr(TaskerTask) pending = NULL;
  g_autoptr(TaskerTaskOptions) queued = tasker_task_options_new ();
  g_autoptr(GError) error = NULL;
  TaskerTask *refused;
  Seen seen;

  seen_init (&seen);
  set_funcs (f->manager, &seen);
  tasker_manager_configure_queue (f->manager, "one", 1, 1);
  tasker_task_options_set_queue (queued, "one");

  {
    g_autoptr(TaskerTask) running = tasker_manager_run_thread_token (f->manager, NULL, queued, 2, &error);

    g_assert_no_error (error);
    pending = tasker_manager_run_thread_token (f->manager, NULL, queued, 1, &error);
    g_assert_no_error (error);

    /* A full queue refuses: no run, no done for that token. */
    refused = tasker_manager_run_thread_token (f->manager, NULL, queued, 6, &error);
    g_assert_null (refused);
    g_assert_error (error, TASKER_ERROR, TASKER_ERROR_QUEUE_FULL);
    g_clear_error (&error);

    /* Cancelling the waiting task calls its done function, once. */
    tasker_task_cancel (pending);
    TEST_WAIT_UNTIL (f->context, seen.dones[1] == 1);
    test_assert_status (pending, TASKER_TASK_STATUS_CANCELLED);

    test_gate_open (&seen.gate);
    TEST_WAIT_UNTIL (f->context, seen.dones[2] == 1);
    test_assert_status (running, TASKER_TASK_STATUS_COMPLETED);
  }

  test_settle (f->manager);
  g_assert_cmpint (g_atomic_int_get (&seen.runs[1]), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&seen.runs[6]), ==, 0);
  g_assert_cmpuint (seen.dones[1], ==, 1);
  g_assert_cmpuint (seen.dones[6], ==, 0);

  seen_clear (&seen, f->manager);
}

static void
test_token_process (TestFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Seen seen;

  seen_init (&seen);
  set_funcs (f->manager, &seen);

  /* Bad input fails the task (DESIGN.md §4), and the done function still
   * gets the token. */
  task = tasker_manager_run_process_token (f->manager, NULL, NULL, "no-colon", NULL, 7, &error);
  g_assert_no_error (error);
  TEST_WAIT_UNTIL (f->context, seen.dones[7] == 1);
  test_assert_status (task, TASKER_TASK_STATUS_FAILED);
  g_assert_cmpint (g_atomic_int_get (&seen.runs[7]), ==, 0);

  test_settle (f->manager);
  g_assert_cmpuint (seen.dones[7], ==, 1);
  seen_clear (&seen, f->manager);
}

/* Process tasks submitted with the same options share one copy of them,
 * the token riding on each task: each done function gets its own token,
 * the options' settings hold for each, and the options are sealed by their
 * submission, as by any other. */
static void
test_token_process_shared_options (TestFixture   *f,
                                   gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) named = tasker_task_options_new ();
  g_autoptr(TaskerTaskOptions) other = tasker_task_options_new ();
  g_autoptr(TaskerTask) first = NULL;
  g_autoptr(TaskerTask) between = NULL;
  g_autoptr(TaskerTask) again = NULL;
  g_autoptr(GError) error = NULL;
  Seen seen;

  seen_init (&seen);
  set_funcs (f->manager, &seen);
  tasker_task_options_set_name (named, "shared");
  tasker_task_options_set_name (other, "other");

  first = tasker_manager_run_process_token (f->manager, NULL, named, "no-colon", NULL, 4, &error);
  g_assert_no_error (error);
  between = tasker_manager_run_process_token (f->manager, NULL, other, "no-colon", NULL, 5, &error);
  g_assert_no_error (error);
  again = tasker_manager_run_process_token (f->manager, NULL, named, "no-colon", NULL, 6, &error);
  g_assert_no_error (error);

  TEST_WAIT_UNTIL (f->context, seen.dones[4] == 1 && seen.dones[5] == 1 && seen.dones[6] == 1);
  g_assert_cmpstr (tasker_task_get_name (first), ==, "shared");
  g_assert_cmpstr (tasker_task_get_name (between), ==, "other");
  g_assert_cmpstr (tasker_task_get_name (again), ==, "shared");
  test_assert_status (first, TASKER_TASK_STATUS_FAILED);
  test_assert_status (again, TASKER_TASK_STATUS_FAILED);
  g_assert_cmpint (trace_find (&seen, "done 4"), >=, 0);
  g_assert_cmpint (trace_find (&seen, "done 6"), >=, 0);

  g_test_expect_message ("Tasker", G_LOG_LEVEL_CRITICAL, "*in use by a submitted task*");
  tasker_task_options_set_name (named, "changed");
  g_test_assert_expected_messages ();
  g_assert_cmpstr (tasker_task_options_get_name (named), ==, "shared");

  test_settle (f->manager);
  g_assert_cmpuint (seen.dones[4], ==, 1);
  g_assert_cmpuint (seen.dones[5], ==, 1);
  g_assert_cmpuint (seen.dones[6], ==, 1);
  seen_clear (&seen, f->manager);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST_ADD ("/Tasker/Manager/token/needs-funcs", test_token_needs_funcs);
  TEST_ADD ("/Tasker/Manager/token/thread-and-coroutine", test_token_thread_and_coroutine);
  TEST_ADD ("/Tasker/Manager/token/pending-cancel-and-refusal", test_token_pending_cancel_and_refusal);
  TEST_ADD ("/Tasker/Manager/token/process-shared-options", test_token_process_shared_options);
  TEST_ADD ("/Tasker/Manager/token/process", test_token_process);

  return g_test_run ();
}
