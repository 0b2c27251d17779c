/* test-retry.c — retry and timeout policies (DESIGN.md §4 Policies, Messages
 * the manager writes, Cancellation; §5 TaskOptions properties)
 *
 * Timing: only lower bounds on the delays between attempts are checked;
 * upper bounds belong to the benchmarks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "policy-test.h"

#include <stdio.h>

/* What a task looked like each time it went back to PENDING for a retry,
 * and every status it was notified in. */
typedef struct
{
  TestRecorder *rec;
  GArray       *statuses;          /* (element-type TaskerTaskStatus) */
  GPtrArray    *pending_messages;  /* (element-type utf8) (nullable items) */
  GArray       *pending_progress;  /* (element-type double) */
  GArray       *pending_attempts;  /* (element-type guint) */
  GArray       *pending_n_done;    /* (element-type guint) done calls so far */
  GArray       *progress_seen;     /* (element-type double) */
} Watch;

static void
watch_status_cb (TaskerTask *task,
                 GParamSpec *pspec,
                 Watch      *watch)
{
  TaskerTaskStatus status = tasker_task_get_status (task);

  g_array_append_val (watch->statuses, status);
  if (status == TASKER_TASK_STATUS_PENDING)
    {
      double progress = tasker_task_get_progress (task);
      guint attempt = tasker_task_get_attempt (task);
      guint n_done = test_recorder_done_count (watch->rec, task);

      g_ptr_array_add (watch->pending_messages, tasker_task_dup_message (task));
      g_array_append_val (watch->pending_progress, progress);
      g_array_append_val (watch->pending_attempts, attempt);
      g_array_append_val (watch->pending_n_done, n_done);
    }
}

static void
watch_progress_cb (TaskerTask *task,
                   GParamSpec *pspec,
                   Watch      *watch)
{
  double progress = tasker_task_get_progress (task);

  g_array_append_val (watch->progress_seen, progress);
}

static void
watch_init (Watch        *watch,
            TestRecorder *rec,
            TaskerTask   *task)
{
  watch->rec = rec;
  watch->statuses = g_array_new (FALSE, FALSE, sizeof (TaskerTaskStatus));
  watch->pending_messages = g_ptr_array_new_with_free_func (g_free);
  watch->pending_progress = g_array_new (FALSE, FALSE, sizeof (double));
  watch->pending_attempts = g_array_new (FALSE, FALSE, sizeof (guint));
  watch->pending_n_done = g_array_new (FALSE, FALSE, sizeof (guint));
  watch->progress_seen = g_array_new (FALSE, FALSE, sizeof (double));
  g_signal_connect (task, "notify::status", G_CALLBACK (watch_status_cb), watch);
  g_signal_connect (task, "notify::progress", G_CALLBACK (watch_progress_cb), watch);
}

static void
watch_clear (Watch      *watch,
             TaskerTask *task)
{
  g_signal_handlers_disconnect_by_data (task, watch);
  g_clear_pointer (&watch->statuses, g_array_unref);
  g_clear_pointer (&watch->pending_messages, g_ptr_array_unref);
  g_clear_pointer (&watch->pending_progress, g_array_unref);
  g_clear_pointer (&watch->pending_attempts, g_array_unref);
  g_clear_pointer (&watch->pending_n_done, g_array_unref);
  g_clear_pointer (&watch->progress_seen, g_array_unref);
}

static const char *
watch_pending_message (Watch *watch,
                       guint  i)
{
  g_assert_cmpuint (i, <, watch->pending_messages->len);
  return g_ptr_array_index (watch->pending_messages, i);
}

static gboolean
watch_saw_progress (Watch  *watch,
                    double  value)
{
  for (guint i = 0; i < watch->progress_seen->len; i++)
    if (g_array_index (watch->progress_seen, double, i) == value)
      return TRUE;
  return FALSE;
}

/* The statuses notified, as "RUNNING PENDING …". */
static char *
watch_statuses (Watch *watch)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < watch->statuses->len; i++)
    {
      if (i > 0)
        g_string_append_c (s, ' ');
      g_string_append (s, test_status_name (g_array_index (watch->statuses, TaskerTaskStatus, i)));
    }

  return g_string_free (s, FALSE);
}

/* The time between the starts of attempts @i and @i + 1 is at least @ms.
 * The retry timer starts after attempt @i has returned, so this holds
 * exactly; 1 ms covers the timer's rounding. */
static void
assert_gap_at_least (Work  *w,
                     guint  i,
                     guint  ms)
{
  gint64 gap = work_start_time (w, i + 1) - work_start_time (w, i);

  g_test_message ("gap between attempts %u and %u: %" G_GINT64_FORMAT " µs (delay %u ms)",
                  i + 1, i + 2, gap, ms);
  g_assert_cmpint (gap, >=, (gint64) ms * 1000 - 1000);
}

static gboolean
message_is (TaskerTask *task,
            const char *message)
{
  return g_strcmp0 (tasker_task_get_message (task), message) == 0;
}

/* Every attempt fails: three attempts, the documented messages in between,
 * progress back to 0 while waiting, the last attempt's error in the end, and
 * one done call after it. */
static void
test_exhausted (TestFixture   *f,
                gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTask) task = NULL;
  g_autofree char *statuses = NULL;
  guint64 trace_id;
  Signals s;
  Watch watch;
  Work w;

  work_init (&w);
  w.n_fail = G_MAXUINT;
  w.progress = 0.5;
  signals_init (&s, f->manager);
  tasker_task_options_set_retry (options, 3, 20, 2.0, 0, 0.0);

  task = run_work (f, NULL, options, &w);
  watch_init (&watch, &f->rec, task);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 0);
  trace_id = tasker_task_get_trace_id (task);

  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));
  test_settle (f->manager);

  assert_failed (task, TEST_ERROR, 3, "failure 3");
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 3);
  g_assert_cmpint (work_started (&w), ==, 3);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
  /* The manager's message went when the last attempt started. */
  g_assert_null (tasker_task_get_message (task));
  /* One task, one trace, whatever the attempt. */
  g_assert_cmphex (tasker_task_get_trace_id (task), ==, trace_id);

  statuses = watch_statuses (&watch);
  g_assert_cmpstr (statuses, ==, "RUNNING PENDING RUNNING PENDING RUNNING FAILED");

  g_assert_cmpuint (watch.pending_messages->len, ==, 2);
  g_assert_cmpstr (watch_pending_message (&watch, 0), ==, "Retrying in 20 ms, attempt 2 of 3");
  g_assert_cmpstr (watch_pending_message (&watch, 1), ==, "Retrying in 40 ms, attempt 3 of 3");
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpfloat (g_array_index (watch.pending_progress, double, i), ==, 0.0);
      g_assert_cmpuint (g_array_index (watch.pending_attempts, guint, i), ==, i + 1);
      g_assert_cmpuint (g_array_index (watch.pending_n_done, guint, i), ==, 0);
    }
  g_assert_true (watch_saw_progress (&watch, 0.5));

  assert_gap_at_least (&w, 0, 20);
  assert_gap_at_least (&w, 1, 40);

  g_assert_cmpuint (signals_n_started (&s, task), ==, 3);
  g_assert_cmpuint (signals_n_finished (&s, task), ==, 1);
  g_assert_cmpuint (s.started_attempts->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (g_array_index (s.started_attempts, guint, i), ==, i + 1);

  watch_clear (&watch, task);
  signals_clear (&s);
  work_clear (&w);
}

/* A failure, then a success: COMPLETED on attempt 2 with its result. */
static void
test_succeeds_second (TestFixture   *f,
                      gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTask) task = NULL;
  Signals s;
  Work w;

  work_init (&w);
  w.n_fail = 1;
  w.value = 7;
  signals_init (&s, f->manager);
  tasker_task_options_set_retry (options, 3, 10, 2.0, 0, 0.0);

  task = run_work (f, NULL, options, &w);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));
  test_settle (f->manager);

  assert_completed_int (task, 7);
  g_assert_null (tasker_task_get_error (task));
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 2);
  g_assert_cmpint (work_started (&w), ==, 2);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
  g_assert_null (tasker_task_get_message (task));
  assert_gap_at_least (&w, 0, 10);
  g_assert_cmpuint (signals_n_started (&s, task), ==, 2);
  g_assert_cmpuint (signals_n_finished (&s, task), ==, 1);

  signals_clear (&s);
  work_clear (&w);
}

/* The same for a coroutine task. */
static void
test_coroutine (TestFixture   *f,
                gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTaskOptions) options2 = policy_options (f);
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(TaskerTask) task2 = NULL;
  Work w, w2;

  work_init (&w);
  work_init (&w2);
  w.n_fail = 1;
  w2.n_fail = G_MAXUINT;
  tasker_task_options_set_retry (options, 2, 10, 2.0, 0, 0.0);
  tasker_task_options_set_retry (options2, 2, 10, 2.0, 0, 0.0);

  task = test_add_coroutine (f->manager, NULL, options, work_cb, &w);
  task2 = test_add_coroutine (f->manager, NULL, options2, work_cb, &w2);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task) && test_task_is_final (task2));
  test_settle (f->manager);

  assert_completed_int (task, 42);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 2);
  g_assert_cmpint (work_started (&w), ==, 2);
  assert_gap_at_least (&w, 0, 10);

  assert_failed (task2, TEST_ERROR, 2, "failure 2");
  g_assert_cmpuint (tasker_task_get_attempt (task2), ==, 2);
  g_assert_cmpint (work_started (&w2), ==, 2);

  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task2), ==, 1);

  work_clear (&w);
  work_clear (&w2);
}

/* A user cancel is never retried, whichever attempt it hits; the function
 * fails after seeing it, and the task is still CANCELLED. */
static void
test_cancel_during_attempt (TestFixture   *f,
                            gconstpointer  data)
{
  for (guint attempt = 1; attempt <= 2; attempt++)
    {
      g_autoptr(TaskerTaskOptions) options = policy_options (f);
      g_autoptr(TaskerTask) task = NULL;
      Signals s;
      Work w;

      g_test_message ("cancel during attempt %u", attempt);
      work_init (&w);
      w.n_fail = G_MAXUINT;
      w.gated = TRUE;
      w.cooperative = TRUE;
      w.gate_only = attempt;
      signals_init (&s, f->manager);
      tasker_task_options_set_retry (options, 3, 10, 1.0, 0, 0.0);

      task = run_work (f, NULL, options, &w);
      TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&w.gate) == 1);
      TEST_WAIT_UNTIL (f->context, tasker_task_get_attempt (task) == attempt &&
                                   test_task_is_running (task));

      tasker_task_cancel (task);
      TEST_WAIT_UNTIL (f->context, test_task_is_final (task));

      assert_cancelled (task);
      g_assert_cmpint (g_atomic_int_get (&w.saw_cancel), ==, 1);
      /* No further attempt, now or later. */
      test_spin_for (f->context, test_slack_ms (50));
      g_assert_cmpint (work_started (&w), ==, (int) attempt);
      g_assert_cmpuint (tasker_task_get_attempt (task), ==, attempt);
      test_settle (f->manager);
      g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
      g_assert_cmpuint (signals_n_started (&s, task), ==, attempt);
      g_assert_cmpuint (signals_n_finished (&s, task), ==, 1);

      signals_clear (&s);
      work_clear (&w);
    }
}

/* Cancelling a task that waits to retry ends it at once, without another
 * attempt. */
static void
test_cancel_during_delay (TestFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTask) task = NULL;
  gint64 before, took;
  Work w;

  work_init (&w);
  w.n_fail = G_MAXUINT;
  tasker_task_options_set_retry (options, 3, 60 * 1000, 2.0, 0, 0.0);

  task = run_work (f, NULL, options, &w);
  TEST_WAIT_UNTIL (f->context, message_is (task, "Retrying in 60 s, attempt 2 of 3"));
  test_assert_status (task, TASKER_TASK_STATUS_PENDING);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 1);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 0);
  /* Still a live task, and the manager is not settled. */
  {
    g_autoptr(GListModel) live = tasker_manager_list_tasks (f->manager);

    g_assert_cmpuint (g_list_model_get_n_items (live), ==, 1);
    g_assert_false (tasker_manager_wait_until_settled (f->manager, 0));
  }

  before = g_get_monotonic_time ();
  tasker_task_cancel (task);
  g_assert_true (TEST_TRY_WAIT_UNTIL (f->context, test_task_is_final (task), test_slack_ms (1000)));
  took = g_get_monotonic_time () - before;
  g_test_message ("cancel during the retry delay took %" G_GINT64_FORMAT " µs", took);

  assert_cancelled (task);
  g_assert_cmpint (work_started (&w), ==, 1);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 1);
  test_settle (f->manager);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);

  work_clear (&w);
}

/* DESIGN.md §4 "Messages the manager writes": only while the task is
 * pending; after it ends, its message is the last one its function set —
 * here none. */
static void
test_cancel_during_delay_message (TestFixture   *f,
                                  gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTask) task = NULL;
  Work w;

  work_init (&w);
  w.n_fail = G_MAXUINT;
  tasker_task_options_set_retry (options, 2, 60 * 1000, 2.0, 0, 0.0);

  task = run_work (f, NULL, options, &w);
  TEST_WAIT_UNTIL (f->context, message_is (task, "Retrying in 60 s, attempt 2 of 2"));
  tasker_task_cancel (task);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));
  test_settle (f->manager);

  assert_cancelled (task);
  /* Not an abort: the other tests of this program still run. */
  if (tasker_task_get_message (task) != NULL)
    g_test_fail_printf ("a task cancelled while pending keeps the manager's message “%s”; "
                        "expected NULL", tasker_task_get_message (task));

  work_clear (&w);
}

/* During its retry delay a task keeps its key: cancel_task(key) finds it,
 * and a new task with the same key replaces it. */
static void
test_key_during_delay (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;
  g_autoptr(TaskerTask) c = NULL;
  g_autoptr(TaskerTask) found = NULL;
  Work wa, wb, wc;

  work_init (&wa);
  work_init (&wb);
  work_init (&wc);
  wa.n_fail = wb.n_fail = G_MAXUINT;
  tasker_task_options_set_retry (options, 2, 60 * 1000, 2.0, 0, 0.0);

  a = run_work (f, "retrying", options, &wa);
  TEST_WAIT_UNTIL (f->context, message_is (a, "Retrying in 60 s, attempt 2 of 2"));
  found = tasker_manager_dup_task (f->manager, "retrying");
  g_assert_true (found == a);
  g_assert_true (tasker_manager_cancel_task (f->manager, "retrying"));
  TEST_WAIT_UNTIL (f->context, test_task_is_final (a));
  assert_cancelled (a);

  b = run_work (f, "retrying", options, &wb);
  TEST_WAIT_UNTIL (f->context, message_is (b, "Retrying in 60 s, attempt 2 of 2"));
  c = run_work (f, "retrying", f->options, &wc);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (b) && test_task_is_final (c));
  assert_cancelled (b);
  g_assert_cmpstr (tasker_task_get_error (b)->message, ==,
                   "Replaced by a newer task with the key “retrying”");
  assert_completed_int (c, 42);
  g_assert_cmpint (work_started (&wa), ==, 1);
  g_assert_cmpint (work_started (&wb), ==, 1);

  test_settle (f->manager);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, a), ==, 1);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, b), ==, 1);

  work_clear (&wa);
  work_clear (&wb);
  work_clear (&wc);
}

typedef struct
{
  TaskerManager *manager;
  TestGate      *gate;
} OpenAfterShutdown;

/* Opens the gate once the manager is shut down, so the function it holds
 * ends after the shutdown began. */
static gpointer
open_after_shutdown_thread (gpointer data)
{
  OpenAfterShutdown *o = data;
  gint64 deadline = g_get_monotonic_time () + (gint64) test_timeout_ms () * 1000;

  while (!tasker_manager_is_shut_down (o->manager) && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  test_gate_open (o->gate);

  return NULL;
}

/* Shutting down ends a task waiting to retry at once; a running attempt that
 * fails after the shutdown is not retried: the task is CANCELLED. */
static void
test_shutdown_during_delay (TestFixture   *f,
                            gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTaskOptions) options_running = policy_options (f);
  g_autoptr(TaskerTask) waiting = NULL;
  g_autoptr(TaskerTask) running = NULL;
  OpenAfterShutdown opener;
  GThread *thread;
  gint64 before;
  Work ww, wr;

  work_init (&ww);
  work_init (&wr);
  ww.n_fail = wr.n_fail = G_MAXUINT;
  /* Ignores the cancel, and fails once the shutdown began. */
  wr.gated = TRUE;
  tasker_task_options_set_retry (options, 3, 60 * 1000, 2.0, 0, 0.0);
  tasker_task_options_set_retry (options_running, 3, 10, 2.0, 0, 0.0);

  waiting = run_work (f, NULL, options, &ww);
  running = run_work (f, NULL, options_running, &wr);
  TEST_WAIT_UNTIL (f->context, message_is (waiting, "Retrying in 60 s, attempt 2 of 3"));
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wr.gate) == 1);

  opener.manager = f->manager;
  opener.gate = &wr.gate;
  thread = g_thread_new ("opener", open_after_shutdown_thread, &opener);

  before = g_get_monotonic_time ();
  tasker_manager_shutdown (f->manager, 2000);
  g_test_message ("shutdown took %" G_GINT64_FORMAT " µs", g_get_monotonic_time () - before);
  g_thread_join (thread);

  g_assert_true (tasker_task_is_final (waiting));
  assert_cancelled (waiting);
  g_assert_cmpint (work_started (&ww), ==, 1);
  g_assert_true (tasker_task_is_final (running));
  assert_cancelled (running);
  g_assert_cmpint (work_started (&wr), ==, 1);
  g_assert_cmpuint (tasker_task_get_attempt (running), ==, 1);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, waiting), ==, 1);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, running), ==, 1);

  work_clear (&ww);
  work_clear (&wr);
}

/* A child's failed attempt that is retried does not fail its parent; the
 * parent waits for the child's retries. */
static void
test_child_retry (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  Work wp, wc;

  work_init (&wp);
  work_init (&wc);
  wp.gated = TRUE;
  wc.n_fail = 1;
  tasker_task_options_set_retry (options, 2, 40, 2.0, 0, 0.0);

  parent = run_work (f, NULL, f->options, &wp);
  tasker_task_options_set_parent (options, parent);
  child = run_work (f, NULL, options, &wc);
  TEST_WAIT_UNTIL (f->context, message_is (child, "Retrying in 40 ms, attempt 2 of 2"));
  /* The parent's function returns while its child waits to retry. */
  test_gate_open (&wp.gate);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (parent));
  test_settle (f->manager);

  assert_completed_int (child, 42);
  g_assert_cmpuint (tasker_task_get_attempt (child), ==, 2);
  assert_completed_int (parent, 42);

  work_clear (&wp);
  work_clear (&wc);
}

/* "< 1000 ms" → "N ms", whole seconds → "N s", else "N.N s". */
static void
test_delay_format (TestFixture   *f,
                   gconstpointer  data)
{
  const struct {
    guint       delay_ms;
    const char *message;
  } cases[] = {
    { 999, "Retrying in 999 ms, attempt 2 of 2" },
    { 1000, "Retrying in 1 s, attempt 2 of 2" },
    { 1500, "Retrying in 1.5 s, attempt 2 of 2" },
    { 2000, "Retrying in 2 s, attempt 2 of 2" },
    { 12300, "Retrying in 12.3 s, attempt 2 of 2" },
  };
  TaskerTask *tasks[G_N_ELEMENTS (cases)];
  Work w;

  work_init (&w);
  w.n_fail = G_MAXUINT;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TaskerTaskOptions) options = policy_options (f);

      tasker_task_options_set_retry (options, 2, cases[i].delay_ms, 2.0, 0, 0.0);
      tasks[i] = run_work (f, NULL, options, &w);
    }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* Before its first attempt, a task may wait for a free thread. */
      TEST_WAIT_UNTIL (f->context, test_task_is_final (tasks[i]) ||
                                   g_str_has_prefix (tasker_task_get_message (tasks[i]) ?: "",
                                                     "Retrying"));
      g_assert_cmpstr (tasker_task_get_message (tasks[i]), ==, cases[i].message);
      tasker_task_cancel (tasks[i]);
    }

  test_settle (f->manager);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      assert_cancelled (tasks[i]);
      g_object_unref (tasks[i]);
    }
  g_assert_cmpint (work_started (&w), ==, G_N_ELEMENTS (cases));

  work_clear (&w);
}

/* Delays grow by the factor and stop at the cap. */
static void
test_backoff (TestFixture   *f,
              gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTask) task = NULL;
  Watch watch;
  Work w;

  work_init (&w);
  w.n_fail = G_MAXUINT;
  tasker_task_options_set_retry (options, 4, 20, 2.0, 50, 0.0);

  task = run_work (f, NULL, options, &w);
  watch_init (&watch, &f->rec, task);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));
  test_settle (f->manager);

  assert_failed (task, TEST_ERROR, 4, "failure 4");
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 4);
  g_assert_cmpint (work_started (&w), ==, 4);
  g_assert_cmpuint (watch.pending_messages->len, ==, 3);
  g_assert_cmpstr (watch_pending_message (&watch, 0), ==, "Retrying in 20 ms, attempt 2 of 4");
  g_assert_cmpstr (watch_pending_message (&watch, 1), ==, "Retrying in 40 ms, attempt 3 of 4");
  g_assert_cmpstr (watch_pending_message (&watch, 2), ==, "Retrying in 50 ms, attempt 4 of 4");
  assert_gap_at_least (&w, 0, 20);
  assert_gap_at_least (&w, 1, 40);
  assert_gap_at_least (&w, 2, 50);

  watch_clear (&watch, task);
  work_clear (&w);
}

/* With jitter, a delay lies within ± jitter × delay, and the task waits at
 * least as long as its message says. */
static void
test_jitter (TestFixture   *f,
             gconstpointer  data)
{
  enum { N = 6 };
  TaskerTask *tasks[N];
  Watch watches[N];
  Work works[N];
  guint delays[N];
  gboolean differ = FALSE;

  for (guint i = 0; i < N; i++)
    {
      g_autoptr(TaskerTaskOptions) options = policy_options (f);

      work_init (&works[i]);
      works[i].n_fail = G_MAXUINT;
      tasker_task_options_set_retry (options, 2, 40, 2.0, 0, 0.5);
      tasks[i] = run_work (f, NULL, options, &works[i]);
      watch_init (&watches[i], &f->rec, tasks[i]);
    }

  test_settle (f->manager);

  for (guint i = 0; i < N; i++)
    {
      const char *message;
      guint attempt = 0, of = 0;

      assert_failed (tasks[i], TEST_ERROR, 2, "failure 2");
      g_assert_cmpuint (watches[i].pending_messages->len, ==, 1);
      message = watch_pending_message (&watches[i], 0);
      g_test_message ("task %u: %s", i, message);
      g_assert_cmpint (sscanf (message, "Retrying in %u ms, attempt %u of %u",
                               &delays[i], &attempt, &of), ==, 3);
      g_assert_cmpuint (attempt, ==, 2);
      g_assert_cmpuint (of, ==, 2);
      g_assert_cmpuint (delays[i], >=, 20);
      g_assert_cmpuint (delays[i], <=, 60);
      assert_gap_at_least (&works[i], 0, delays[i]);
      if (delays[i] != delays[0])
        differ = TRUE;

      watch_clear (&watches[i], tasks[i]);
      g_object_unref (tasks[i]);
      work_clear (&works[i]);
    }

  /* Six draws from 41 values all equal: about 1 in 10^8. */
  g_assert_true (differ);
}

/* The retry delay holds no queue slot: another task of a one-slot queue runs
 * meanwhile, and the retried attempt waits for the slot like any task. */
static void
test_no_slot_during_delay (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options_a = policy_options (f);
  g_autoptr(TaskerTaskOptions) options_b = policy_options (f);
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;
  Work wa, wb;

  work_init (&wa);
  work_init (&wb);
  wa.n_fail = 1;
  wb.gated = TRUE;
  tasker_manager_configure_queue (f->manager, "rq", 1, 0);
  tasker_task_options_set_queue (options_a, "rq");
  tasker_task_options_set_retry (options_a, 2, 30, 2.0, 0, 0.0);
  tasker_task_options_set_queue (options_b, "rq");

  a = run_work (f, NULL, options_a, &wa);
  b = run_work (f, NULL, options_b, &wb);

  /* B runs while A has not finished: A's delay left the slot free. */
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wb.gate) == 1);
  g_assert_false (tasker_task_is_final (a));
  g_assert_cmpint (work_started (&wa), ==, 1);

  /* Once its delay is over, A waits for the slot B holds. */
  TEST_WAIT_UNTIL (f->context, message_is (a, "Waiting for a free slot"));
  test_assert_status (a, TASKER_TASK_STATUS_PENDING);
  g_assert_cmpuint (tasker_task_get_attempt (a), ==, 1);
  g_assert_cmpint (work_started (&wa), ==, 1);

  test_gate_open (&wb.gate);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (a) && test_task_is_final (b));
  test_settle (f->manager);

  assert_completed_int (a, 42);
  g_assert_cmpuint (tasker_task_get_attempt (a), ==, 2);
  g_assert_null (tasker_task_get_message (a));
  assert_completed_int (b, 42);
  g_assert_cmpuint (tasker_task_get_attempt (b), ==, 1);

  work_clear (&wa);
  work_clear (&wb);
}

/* The retry delay holds no thread: with one thread, another task runs
 * meanwhile. */
static void
test_no_thread_during_delay (TestFixture   *f,
                             gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options_a = policy_options (f);
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;
  Work wa, wb;

  work_init (&wa);
  work_init (&wb);
  wa.n_fail = 1;
  wb.gated = TRUE;
  tasker_manager_set_max_threads (f->manager, 1);
  tasker_task_options_set_retry (options_a, 2, 30, 2.0, 0, 0.0);

  a = run_work (f, NULL, options_a, &wa);
  TEST_WAIT_UNTIL (f->context, message_is (a, "Retrying in 30 ms, attempt 2 of 2"));
  b = run_work (f, NULL, f->options, &wb);

  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wb.gate) == 1);
  g_assert_false (tasker_task_is_final (a));
  g_assert_cmpint (work_started (&wa), ==, 1);

  test_gate_open (&wb.gate);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (a) && test_task_is_final (b));
  test_settle (f->manager);

  assert_completed_int (a, 42);
  g_assert_cmpuint (tasker_task_get_attempt (a), ==, 2);
  assert_completed_int (b, 42);

  work_clear (&wa);
  work_clear (&wb);
}

/* A timeout fails the attempt, which is retried; in the end the task fails
 * with the timeout's error. */
static void
test_timeout_retried (TestFixture   *f,
                      gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTask) task = NULL;
  Signals s;
  Work w;

  work_init (&w);
  w.gated = TRUE;
  w.cooperative = TRUE;
  signals_init (&s, f->manager);
  tasker_task_options_set_timeout_ms (options, 30);
  tasker_task_options_set_retry (options, 2, 10, 1.0, 0, 0.0);

  task = run_work (f, NULL, options, &w);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));
  test_settle (f->manager);

  assert_failed (task, TASKER_ERROR, TASKER_ERROR_TIMED_OUT, "timed out after 30 ms");
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 2);
  g_assert_cmpint (work_started (&w), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&w.saw_cancel), ==, 2);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
  /* Each attempt ran its full timeout, then the delay passed. */
  assert_gap_at_least (&w, 0, 30 + 10);
  g_assert_cmpuint (signals_n_started (&s, task), ==, 2);
  g_assert_cmpuint (signals_n_finished (&s, task), ==, 1);

  signals_clear (&s);
  work_clear (&w);
}

/* The timeout counts from the attempt's start: time spent waiting for a
 * queue slot does not count. */
static void
test_timeout_from_start (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options_blocker = policy_options (f);
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTask) blocker = NULL;
  g_autoptr(TaskerTask) task = NULL;
  Work wb, w;

  work_init (&wb);
  work_init (&w);
  wb.gated = TRUE;
  tasker_manager_configure_queue (f->manager, "tq", 1, 0);
  tasker_task_options_set_queue (options_blocker, "tq");
  tasker_task_options_set_queue (options, "tq");
  tasker_task_options_set_timeout_ms (options, 40);

  blocker = run_work (f, NULL, options_blocker, &wb);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wb.gate) == 1);
  task = run_work (f, NULL, options, &w);

  /* Longer than its timeout in the queue: nothing happens to it. */
  test_spin_for (f->context, 80);
  test_assert_status (task, TASKER_TASK_STATUS_PENDING);
  g_assert_cmpint (work_started (&w), ==, 0);

  test_gate_open (&wb.gate);
  test_settle (f->manager);
  assert_completed_int (task, 42);
  assert_completed_int (blocker, 42);

  work_clear (&wb);
  work_clear (&w);
}

/* A worker that crashes, and an entry point that fails, are retried. */
static void
test_process (TestFixture   *f,
              gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options_segv = policy_options (f);
  g_autoptr(TaskerTaskOptions) options_fail = policy_options (f);
  g_autoptr(TaskerTask) segv = NULL;
  g_autoptr(TaskerTask) fail = NULL;
  g_autoptr(GError) error = NULL;
  Signals s;

  signals_init (&s, f->manager);
  tasker_task_options_set_retry (options_segv, 2, 10, 1.0, 0, 0.0);
  tasker_task_options_set_retry (options_fail, 3, 10, 1.0, 0, 0.0);

  segv = tasker_manager_run_process (f->manager, NULL, options_segv, EP ("segv"), NULL, &error);
  g_assert_no_error (error);
  fail = tasker_manager_run_process (f->manager, NULL, options_fail, EP ("fail_gerror"), NULL, &error);
  g_assert_no_error (error);

  TEST_WAIT_UNTIL (f->context, test_task_is_final (segv) && test_task_is_final (fail));
  test_settle (f->manager);

  assert_failed (segv, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                 "worker exited with signal 11 (Segmentation fault)");
  g_assert_cmpuint (tasker_task_get_attempt (segv), ==, 2);
  g_assert_cmpuint (signals_n_started (&s, segv), ==, 2);
  g_assert_cmpuint (signals_n_finished (&s, segv), ==, 1);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, segv), ==, 1);

  assert_failed (fail, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such thing");
  g_assert_cmpuint (tasker_task_get_attempt (fail), ==, 3);
  g_assert_cmpuint (signals_n_started (&s, fail), ==, 3);
  g_assert_cmpuint (signals_n_finished (&s, fail), ==, 1);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, fail), ==, 1);

  signals_clear (&s);
  /* Reap the workers. */
  tasker_manager_shutdown (f->manager, 2000);
}

/* The manager's default options give the policies a task's own options do
 * not give; a policy the task gives wins, even at its built-in value. */
static void
test_default_options (TestFixture   *f,
                      gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) defaults = tasker_task_options_new ();
  g_autoptr(TaskerTaskOptions) defaults2 = tasker_task_options_new ();
  g_autoptr(TaskerTaskOptions) got = NULL;
  g_autoptr(TaskerTaskOptions) own = policy_options (f);
  g_autoptr(TaskerTaskOptions) timed = policy_options (f);
  g_autoptr(TaskerTask) inherits = NULL;
  g_autoptr(TaskerTask) no_options = NULL;
  g_autoptr(TaskerTask) overrides = NULL;
  g_autoptr(TaskerTask) times_out = NULL;
  Work w1, w2, w3, w4;

  work_init (&w1);
  work_init (&w2);
  work_init (&w3);
  work_init (&w4);
  w1.n_fail = w2.n_fail = w3.n_fail = G_MAXUINT;
  w4.gated = TRUE;
  w4.cooperative = TRUE;

  tasker_task_options_set_retry (defaults, 2, 10, 1.0, 0, 0.0);
  tasker_manager_set_default_options (f->manager, defaults);
  got = tasker_manager_dup_default_options (f->manager);
  g_assert_true (got == defaults);
  g_clear_object (&got);
  g_object_get (f->manager, "default-options", &got, NULL);
  g_assert_true (got == defaults);

  g_object_set (own, "max-attempts", 1, NULL);

  inherits = run_work (f, NULL, f->options, &w1);
  no_options = test_run_thread (f->manager, NULL, NULL, work_cb, &w2);
  overrides = run_work (f, NULL, own, &w3);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (inherits) && test_task_is_final (no_options) &&
                               test_task_is_final (overrides));

  assert_failed (inherits, TEST_ERROR, 2, "failure 2");
  g_assert_cmpuint (tasker_task_get_attempt (inherits), ==, 2);
  assert_failed (no_options, TEST_ERROR, 2, "failure 2");
  g_assert_cmpuint (tasker_task_get_attempt (no_options), ==, 2);
  assert_failed (overrides, TEST_ERROR, 1, "failure 1");
  g_assert_cmpuint (tasker_task_get_attempt (overrides), ==, 1);
  g_assert_cmpint (work_started (&w3), ==, 1);

  /* A default timeout, with the built-in single attempt. */
  tasker_task_options_set_timeout_ms (defaults2, 30);
  tasker_manager_set_default_options (f->manager, defaults2);
  times_out = run_work (f, NULL, timed, &w4);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (times_out));
  assert_failed (times_out, TASKER_ERROR, TASKER_ERROR_TIMED_OUT, "timed out after 30 ms");
  g_assert_cmpuint (tasker_task_get_attempt (times_out), ==, 1);

  tasker_manager_set_default_options (f->manager, NULL);
  g_clear_object (&got);
  got = tasker_manager_dup_default_options (f->manager);
  g_assert_null (got);

  test_settle (f->manager);
  work_clear (&w1);
  work_clear (&w2);
  work_clear (&w3);
  work_clear (&w4);
}

/* The policy properties of TaskOptions (§5) and their defaults, and the
 * manager's node-id. */
static void
test_properties (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) got_parent = NULL;
  g_autofree char *queue = NULL;
  guint max_attempts = 0, delay = 0, max_delay = 0, timeout = 0, node_id = 1;
  double factor = 0, jitter = 1;
  int priority = 1;
  guint64 trace_id = 1;
  gboolean ignore = TRUE;
  Work w;

  work_init (&w);
  w.gated = TRUE;

  g_object_get (options,
                "max-attempts", &max_attempts,
                "retry-delay-ms", &delay,
                "retry-factor", &factor,
                "retry-max-delay-ms", &max_delay,
                "retry-jitter", &jitter,
                "queue", &queue,
                "priority", &priority,
                "timeout-ms", &timeout,
                "trace-id", &trace_id,
                "ignore-child-failures", &ignore,
                "parent", &got_parent,
                NULL);
  g_assert_cmpuint (max_attempts, ==, 1);
  g_assert_cmpfloat (factor, ==, 2.0);
  g_assert_cmpuint (max_delay, ==, 0);
  g_assert_cmpfloat (jitter, ==, 0.0);
  g_assert_null (queue);
  g_assert_cmpint (priority, ==, 0);
  g_assert_cmpuint (timeout, ==, 0);
  g_assert_cmpuint (trace_id, ==, 0);
  g_assert_false (ignore);
  g_assert_null (got_parent);
  g_test_message ("default retry-delay-ms: %u", delay);

  parent = run_work (f, NULL, f->options, &w);

  tasker_task_options_set_retry (options, 3, 20, 1.5, 500, 0.25);
  tasker_task_options_set_queue (options, "q");
  tasker_task_options_set_priority (options, G_PRIORITY_HIGH);
  tasker_task_options_set_timeout_ms (options, 1234);
  tasker_task_options_set_trace_id (options, G_GUINT64_CONSTANT (0x0123456789abcdef));
  tasker_task_options_set_ignore_child_failures (options, TRUE);
  tasker_task_options_set_parent (options, parent);
  g_clear_pointer (&queue, g_free);
  g_object_get (options,
                "max-attempts", &max_attempts,
                "retry-delay-ms", &delay,
                "retry-factor", &factor,
                "retry-max-delay-ms", &max_delay,
                "retry-jitter", &jitter,
                "queue", &queue,
                "priority", &priority,
                "timeout-ms", &timeout,
                "trace-id", &trace_id,
                "ignore-child-failures", &ignore,
                "parent", &got_parent,
                NULL);
  g_assert_cmpuint (max_attempts, ==, 3);
  g_assert_cmpuint (delay, ==, 20);
  g_assert_cmpfloat (factor, ==, 1.5);
  g_assert_cmpuint (max_delay, ==, 500);
  g_assert_cmpfloat (jitter, ==, 0.25);
  g_assert_cmpstr (queue, ==, "q");
  g_assert_cmpint (priority, ==, G_PRIORITY_HIGH);
  g_assert_cmpuint (timeout, ==, 1234);
  g_assert_cmpuint (tasker_task_options_get_timeout_ms (options), ==, 1234);
  g_assert_cmpuint (trace_id, ==, G_GUINT64_CONSTANT (0x0123456789abcdef));
  g_assert_true (ignore);
  g_assert_true (got_parent == parent);

  /* Each option's getter is named after its property and agrees with it. */
  g_assert_cmpuint (tasker_task_options_get_max_attempts (options), ==, 3);
  g_assert_cmpuint (tasker_task_options_get_retry_delay_ms (options), ==, 20);
  g_assert_cmpfloat (tasker_task_options_get_retry_factor (options), ==, 1.5);
  g_assert_cmpuint (tasker_task_options_get_retry_max_delay_ms (options), ==, 500);
  g_assert_cmpfloat (tasker_task_options_get_retry_jitter (options), ==, 0.25);
  g_assert_cmpstr (tasker_task_options_get_queue (options), ==, "q");
  g_assert_cmpint (tasker_task_options_get_priority (options), ==, G_PRIORITY_HIGH);
  g_assert_cmpuint (tasker_task_options_get_trace_id (options), ==,
                    G_GUINT64_CONSTANT (0x0123456789abcdef));
  g_assert_true (tasker_task_options_get_ignore_child_failures (options));
  g_assert_true (tasker_task_options_get_parent (options) == parent);
  g_assert_cmpfloat (tasker_task_options_get_children_weight (options), ==, 0.0);

  /* And each setter sets its property alone. */
  tasker_task_options_set_max_attempts (options, 5);
  tasker_task_options_set_retry_delay_ms (options, 30);
  tasker_task_options_set_retry_factor (options, 3.0);
  tasker_task_options_set_retry_max_delay_ms (options, 900);
  tasker_task_options_set_retry_jitter (options, 0.5);
  tasker_task_options_set_children_weight (options, 0.5);
  g_assert_cmpuint (tasker_task_options_get_max_attempts (options), ==, 5);
  g_assert_cmpuint (tasker_task_options_get_retry_delay_ms (options), ==, 30);
  g_assert_cmpfloat (tasker_task_options_get_retry_factor (options), ==, 3.0);
  g_assert_cmpuint (tasker_task_options_get_retry_max_delay_ms (options), ==, 900);
  g_assert_cmpfloat (tasker_task_options_get_retry_jitter (options), ==, 0.5);
  g_assert_cmpstr (tasker_task_options_get_queue (options), ==, "q");
  g_assert_cmpint (tasker_task_options_get_priority (options), ==, G_PRIORITY_HIGH);
  g_assert_cmpfloat (tasker_task_options_get_children_weight (options), ==, 0.5);

  /* The same through the properties. */
  g_clear_object (&options);
  options = g_object_new (TASKER_TYPE_TASK_OPTIONS,
                          "max-attempts", 4,
                          "retry-delay-ms", 5,
                          "queue", "other",
                          "priority", 9,
                          NULL);
  g_clear_pointer (&queue, g_free);
  g_object_get (options, "max-attempts", &max_attempts, "retry-delay-ms", &delay,
                "queue", &queue, "priority", &priority, NULL);
  g_assert_cmpuint (max_attempts, ==, 4);
  g_assert_cmpuint (delay, ==, 5);
  g_assert_cmpstr (queue, ==, "other");
  g_assert_cmpint (priority, ==, 9);

  g_object_get (f->manager, "node-id", &node_id, NULL);
  g_assert_cmpuint (node_id, ==, 0);
  tasker_manager_set_node_id (f->manager, 0x1234);
  g_assert_cmpuint (tasker_manager_get_node_id (f->manager), ==, 0x1234);
  g_object_set (f->manager, "node-id", 0xffff, NULL);
  g_object_get (f->manager, "node-id", &node_id, NULL);
  g_assert_cmpuint (node_id, ==, 0xffff);

  test_gate_open (&w.gate);
  test_settle (f->manager);
  work_clear (&w);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST_ADD ("/Tasker/Policy/Retry/exhausted", test_exhausted);
  TEST_ADD ("/Tasker/Policy/Retry/succeeds-second", test_succeeds_second);
  TEST_ADD ("/Tasker/Policy/Retry/coroutine", test_coroutine);
  TEST_ADD ("/Tasker/Policy/Retry/cancel-during-attempt", test_cancel_during_attempt);
  TEST_ADD ("/Tasker/Policy/Retry/cancel-during-delay", test_cancel_during_delay);
  TEST_ADD ("/Tasker/Policy/Retry/cancel-during-delay-message", test_cancel_during_delay_message);
  TEST_ADD ("/Tasker/Policy/Retry/key-during-delay", test_key_during_delay);
  TEST_ADD ("/Tasker/Policy/Retry/shutdown-during-delay", test_shutdown_during_delay);
  TEST_ADD ("/Tasker/Policy/Retry/child-retry", test_child_retry);
  TEST_ADD ("/Tasker/Policy/Retry/delay-format", test_delay_format);
  TEST_ADD ("/Tasker/Policy/Retry/backoff", test_backoff);
  TEST_ADD ("/Tasker/Policy/Retry/jitter", test_jitter);
  TEST_ADD ("/Tasker/Policy/Retry/no-slot-during-delay", test_no_slot_during_delay);
  TEST_ADD ("/Tasker/Policy/Retry/no-thread-during-delay", test_no_thread_during_delay);
  TEST_ADD ("/Tasker/Policy/Retry/timeout", test_timeout_retried);
  TEST_ADD ("/Tasker/Policy/Retry/timeout-from-start", test_timeout_from_start);
  TEST_ADD ("/Tasker/Policy/Retry/process", test_process);
  TEST_ADD ("/Tasker/Policy/Retry/default-options", test_default_options);
  TEST_ADD ("/Tasker/Policy/Options/properties", test_properties);

  return g_test_run ();
}
