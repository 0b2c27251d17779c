/* test-after.c — delayed start and dependencies (DESIGN.md §10): start-at,
 * start-delay-ms, add_after, after-any-outcome, the refusals at submit and
 * tasker_manager_rearm_dependants()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "policy-test.h"

/* Options reporting to the fixture's recorder, waiting for the tasks given
 * (NULL-terminated). */
static TaskerTaskOptions *
after_options (TestFixture *f,
               ...)
{
  TaskerTaskOptions *options = policy_options (f);
  va_list args;
  TaskerTask *task;

  va_start (args, f);
  while ((task = va_arg (args, TaskerTask *)) != NULL)
    tasker_task_options_add_after (options, task);
  va_end (args);

  return options;
}

static TaskerTask *
run_after (TestFixture *f,
           Work        *w,
           ...)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  va_list args;
  TaskerTask *task;

  va_start (args, w);
  while ((task = va_arg (args, TaskerTask *)) != NULL)
    tasker_task_options_add_after (options, task);
  va_end (args);

  return run_work (f, NULL, options, w);
}

static gboolean
message_is (TaskerTask *task,
            const char *message)
{
  return g_strcmp0 (tasker_task_get_message (task), message) == 0;
}

static gboolean
message_starts (TaskerTask *task,
                const char *prefix)
{
  return g_str_has_prefix (tasker_task_get_message (task) != NULL ? tasker_task_get_message (task) : "", prefix);
}

static char *
waiting_for (TaskerTask *task)
{
  return g_strdup_printf ("Waiting for task %" G_GUINT64_FORMAT, tasker_task_get_id (task));
}

static void
assert_dependency_failed (TaskerTask *task,
                          TaskerTask *dependency,
                          const char *how)
{
  g_autofree char *message = g_strdup_printf ("task %" G_GUINT64_FORMAT " %s",
                                              tasker_task_get_id (dependency), how);

  assert_failed (task, TASKER_ERROR, TASKER_ERROR_DEPENDENCY_FAILED, message);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 0);
}

static GPtrArray *
order_new (GMutex *lock)
{
  g_mutex_init (lock);
  return g_ptr_array_new_with_free_func (g_free);
}

static char *
order_join (GPtrArray *order,
            GMutex    *lock)
{
  char *joined;

  g_mutex_lock (lock);
  g_ptr_array_add (order, NULL);
  joined = g_strjoinv (",", (char **) order->pdata);
  g_ptr_array_remove_index (order, order->len - 1);
  g_mutex_unlock (lock);

  return joined;
}

/* The expected message for a start at @start_at (µs since the epoch),
 * today: local time, seconds shown unless 0. */
static char *
starts_at (gint64 start_at)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local ((start_at + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  g_autofree char *time = g_date_time_format (when, g_date_time_get_second (when) != 0 ? "%H:%M:%S" : "%H:%M");

  return g_strdup_printf ("Starts at %s", time);
}

/* A delayed task holds no slot of its max-1 queue, and does not count
 * against its capacity: another task runs, a third waits, a fourth is
 * refused; the delayed one runs after its delay, in its queue. */
static void
test_delay_holds_no_slot (TestFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) delayed_options = policy_options (f);
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTask) delayed = NULL;
  g_autoptr(TaskerTask) running = NULL;
  g_autoptr(TaskerTask) queued = NULL;
  g_autoptr(TaskerTask) refused = NULL;
  g_autoptr(GError) error = NULL;
  Work wd, wr, wq, wx;
  gint64 submitted;
  guint delay_ms = test_slack_ms (150);

  work_init (&wd);
  work_init (&wr);
  work_init (&wq);
  work_init (&wx);
  wr.gated = TRUE;
  tasker_manager_configure_queue (f->manager, "q", 1, 1);
  tasker_task_options_set_queue (delayed_options, "q");
  tasker_task_options_set_start_delay_ms (delayed_options, delay_ms);
  tasker_task_options_set_queue (options, "q");

  submitted = g_get_monotonic_time ();
  delayed = run_work (f, NULL, delayed_options, &wd);
  running = run_work (f, NULL, options, &wr);
  queued = run_work (f, NULL, options, &wq);
  refused = tasker_manager_run_thread (f->manager, NULL, options, work_cb, &wx, NULL, &error);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_QUEUE_FULL);
  g_assert_null (refused);

  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wr.gate) == 1);
  TEST_WAIT_UNTIL (f->context, tasker_task_get_message (delayed) != NULL);
  assert_str_has_prefix (tasker_task_get_message (delayed), "Starts at ");
  test_assert_status (delayed, TASKER_TASK_STATUS_PENDING);
  TEST_WAIT_UNTIL (f->context, message_is (queued, "Waiting for a free slot"));

  /* Due while the slot is taken: it waits for the slot like anyone. */
  TEST_WAIT_UNTIL (f->context, message_is (delayed, "Waiting for a free slot"));
  g_assert_cmpint (g_get_monotonic_time () - submitted, >=, (gint64) delay_ms * 1000);
  g_assert_cmpint (work_started (&wd), ==, 0);

  test_gate_open (&wr.gate);
  test_settle (f->manager);
  assert_completed_int (delayed, 42);
  assert_completed_int (queued, 42);
  assert_completed_int (running, 42);
  g_assert_null (tasker_task_get_message (delayed));
  g_assert_cmpint (work_start_time (&wd, 0) - submitted, >=, (gint64) delay_ms * 1000);
  g_assert_cmpint (work_started (&wx), ==, 0);

  work_clear (&wd);
  work_clear (&wr);
  work_clear (&wq);
  work_clear (&wx);
}

/* start-at: in the past starts at once; in the future waits with a message
 * saying when, and does not start before. */
static void
test_start_at (TestFixture   *f,
               gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) past_options = policy_options (f);
  g_autoptr(TaskerTaskOptions) later_options = policy_options (f);
  g_autoptr(TaskerTask) past = NULL;
  g_autoptr(TaskerTask) later = NULL;
  g_autofree char *expected = NULL;
  Work wp, wl;
  gint64 start_at, submitted;

  work_init (&wp);
  work_init (&wl);
  wp.gated = TRUE;
  tasker_task_options_set_start_at (past_options, g_get_real_time () - 10 * G_USEC_PER_SEC);
  /* Before start_at is set: the delay counts from a later submit. */
  submitted = g_get_monotonic_time ();
  start_at = g_get_real_time () + (gint64) test_slack_ms (200) * 1000;
  tasker_task_options_set_start_at (later_options, start_at);
  expected = starts_at (start_at);

  past = run_work (f, NULL, past_options, &wp);
  later = run_work (f, NULL, later_options, &wl);

  /* The past one runs while the other still waits. */
  test_gate_block_until_waiting (&wp.gate, 1);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (past));
  g_assert_null (tasker_task_get_message (past));
  TEST_WAIT_UNTIL (f->context, tasker_task_get_message (later) != NULL);
  g_assert_cmpstr (tasker_task_get_message (later), ==, expected);
  test_assert_status (later, TASKER_TASK_STATUS_PENDING);

  test_gate_open (&wp.gate);
  test_settle (f->manager);
  assert_completed_int (past, 42);
  assert_completed_int (later, 42);
  g_assert_cmpint (g_get_real_time (), >=, start_at);
  g_assert_cmpint (work_start_time (&wl, 0) - submitted, >=, (gint64) test_slack_ms (200) * 1000 - 1000);
  g_assert_cmpint (work_start_time (&wl, 0), >=, work_start_time (&wp, 0));
  g_assert_null (tasker_task_get_message (later));

  work_clear (&wp);
  work_clear (&wl);
}

/* Cancelling a task that waits for its start or for a dependency ends it at
 * once: CANCELLED, its done function called, never run; the dependency runs
 * on. */
static void
test_cancel_waiting (TestFixture   *f,
                     gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTask) delayed = NULL;
  g_autoptr(TaskerTask) dependency = NULL;
  g_autoptr(TaskerTask) dependant = NULL;
  Work wd, wa, wb;
  Signals s;

  work_init (&wd);
  work_init (&wa);
  work_init (&wb);
  wa.gated = TRUE;
  signals_init (&s, f->manager);
  tasker_task_options_set_start_delay_ms (options, 60 * 1000);

  delayed = run_work (f, "delayed", options, &wd);
  dependency = run_work (f, NULL, NULL, &wa);
  dependant = run_after (f, &wb, dependency, NULL);
  test_gate_block_until_waiting (&wa.gate, 1);
  TEST_WAIT_UNTIL (f->context, tasker_task_get_message (delayed) != NULL &&
                               tasker_task_get_message (dependant) != NULL);

  g_assert_true (tasker_manager_cancel_task (f->manager, "delayed"));
  tasker_task_cancel (dependant);
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, delayed) &&
                               test_recorder_is_done (&f->rec, dependant));
  assert_cancelled (delayed);
  assert_cancelled (dependant);
  g_assert_cmpuint (tasker_task_get_attempt (delayed), ==, 0);
  g_assert_cmpuint (signals_n_started (&s, delayed), ==, 0);
  g_assert_cmpuint (signals_n_started (&s, dependant), ==, 0);
  test_assert_status (dependency, TASKER_TASK_STATUS_RUNNING);

  test_gate_open (&wa.gate);
  test_settle (f->manager);
  assert_completed_int (dependency, 42);
  g_assert_cmpint (work_started (&wd), ==, 0);
  g_assert_cmpint (work_started (&wb), ==, 0);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, delayed), ==, 1);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, dependant), ==, 1);

  signals_clear (&s);
  work_clear (&wd);
  work_clear (&wa);
  work_clear (&wb);
}

/* a ← b ← c, and d after a and b: each starts once what it waits for has
 * completed, in that order; the messages say what they wait for. */
static void
test_chain_order (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;
  g_autoptr(TaskerTask) c = NULL;
  g_autoptr(TaskerTask) d = NULL;
  g_autofree char *for_a = NULL;
  g_autofree char *for_b = NULL;
  g_autofree char *order = NULL;
  g_autoptr(GPtrArray) started = NULL;
  GMutex lock;
  Work wa, wb, wc, wd;

  started = order_new (&lock);
  work_init (&wa);
  work_init (&wb);
  work_init (&wc);
  work_init (&wd);
  wa.gated = wb.gated = TRUE;
  wa.label = "a";
  wb.label = "b";
  wc.label = "c";
  wd.label = "d";
  wa.order = wb.order = wc.order = wd.order = started;
  wa.order_lock = wb.order_lock = wc.order_lock = wd.order_lock = &lock;

  a = run_work (f, NULL, NULL, &wa);
  b = run_after (f, &wb, a, NULL);
  c = run_after (f, &wc, b, NULL);
  d = run_after (f, &wd, a, b, NULL);
  for_a = waiting_for (a);
  for_b = waiting_for (b);

  test_gate_block_until_waiting (&wa.gate, 1);
  TEST_WAIT_UNTIL (f->context, message_is (b, for_a) && message_is (c, for_b) &&
                               message_is (d, "Waiting for 2 tasks"));
  test_assert_status (b, TASKER_TASK_STATUS_PENDING);

  test_gate_open (&wa.gate);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wb.gate) == 1);
  /* a has ended: d now waits for b alone. */
  TEST_WAIT_UNTIL (f->context, message_is (d, for_b) && test_task_is_running (b));
  g_assert_cmpint (work_started (&wc), ==, 0);
  g_assert_cmpint (work_started (&wd), ==, 0);

  test_gate_open (&wb.gate);
  test_settle (f->manager);
  assert_completed_int (a, 42);
  assert_completed_int (b, 42);
  assert_completed_int (c, 42);
  assert_completed_int (d, 42);
  order = order_join (started, &lock);
  g_assert_true (g_str_equal (order, "a,b,c,d") || g_str_equal (order, "a,b,d,c"));

  g_mutex_clear (&lock);
  work_clear (&wa);
  work_clear (&wb);
  work_clear (&wc);
  work_clear (&wd);
}

static void
event_then_return_cb (TaskerContext *context,
                      gpointer       data)
{
  g_auto(GValue) value = G_VALUE_INIT;

  tasker_context_send_event (context, "step", NULL);
  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 42);
  tasker_context_return_value (context, &value);
}

/* The dependency's events and done function come before its dependant's
 * done function, which comes once, on the main context. */
static void
test_events_and_done_order (TestFixture   *f,
                            gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;
  g_autofree char *event_a = NULL;
  g_autofree char *done_a = NULL;
  g_autofree char *done_b = NULL;
  Work wb;

  work_init (&wb);
  a = test_run_thread (f->manager, NULL, options, event_then_return_cb, NULL);
  b = run_after (f, &wb, a, NULL);
  test_settle (f->manager);

  assert_completed_int (a, 42);
  assert_completed_int (b, 42);
  event_a = g_strdup_printf ("event %" G_GUINT64_FORMAT " step none", tasker_task_get_id (a));
  done_a = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (a));
  done_b = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (b));
  g_assert_cmpint (test_recorder_find (&f->rec, event_a), >=, 0);
  g_assert_cmpint (test_recorder_find (&f->rec, event_a), <, test_recorder_find (&f->rec, done_a));
  g_assert_cmpint (test_recorder_find (&f->rec, done_a), <, test_recorder_find (&f->rec, done_b));
  g_assert_cmpuint (test_recorder_done_count (&f->rec, b), ==, 1);
  test_recorder_assert_ok (&f->rec);

  work_clear (&wb);
}

/* The dependants of one task enter their queue in the order they were
 * submitted when it ends: a max-1 queue runs them in that order. */
static void
test_dependants_in_submit_order (TestFixture   *f,
                                 gconstpointer  data)
{
  enum { N = 24 };
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autoptr(GString) expected = g_string_new ("a");
  g_autofree char *order = NULL;
  TaskerTask *tasks[N];
  char labels[N][8];
  GMutex lock;
  Work wa, w[N];

  started = order_new (&lock);
  tasker_manager_configure_queue (f->manager, "one", 1, 0);
  work_init (&wa);
  wa.gated = TRUE;
  wa.label = "a";
  wa.order = started;
  wa.order_lock = &lock;
  a = run_work (f, NULL, NULL, &wa);

  for (guint i = 0; i < N; i++)
    {
      g_autoptr(TaskerTaskOptions) options = after_options (f, a, NULL);

      tasker_task_options_set_queue (options, "one");
      work_init (&w[i]);
      g_snprintf (labels[i], sizeof labels[i], "%u", i);
      w[i].label = labels[i];
      w[i].order = started;
      w[i].order_lock = &lock;
      tasks[i] = run_work (f, NULL, options, &w[i]);
      g_string_append_printf (expected, ",%u", i);
    }

  test_gate_block_until_waiting (&wa.gate, 1);
  test_gate_open (&wa.gate);
  test_settle (f->manager);
  order = order_join (started, &lock);
  g_assert_cmpstr (order, ==, expected->str);

  for (guint i = 0; i < N; i++)
    {
      assert_completed_int (tasks[i], 42);
      g_object_unref (tasks[i]);
      work_clear (&w[i]);
    }
  g_mutex_clear (&lock);
  work_clear (&wa);
}

/* With a start time and a dependency both must hold: the dependency ends
 * first, then the start time still holds the task back; the start time
 * passes first, then the dependency still does. */
static void
test_after_and_start_time (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) time_last = NULL;
  g_autoptr(TaskerTaskOptions) dep_last = NULL;
  g_autoptr(TaskerTask) quick = NULL;
  g_autoptr(TaskerTask) gated = NULL;
  g_autoptr(TaskerTask) t1 = NULL;
  g_autoptr(TaskerTask) t2 = NULL;
  g_autofree char *for_gated = NULL;
  guint delay_ms = test_slack_ms (150);
  Work wq, wg, w1, w2;
  gint64 submitted;

  work_init (&wq);
  work_init (&wg);
  work_init (&w1);
  work_init (&w2);
  wg.gated = TRUE;

  quick = run_work (f, NULL, NULL, &wq);
  gated = run_work (f, NULL, NULL, &wg);
  time_last = after_options (f, quick, NULL);
  tasker_task_options_set_start_delay_ms (time_last, delay_ms);
  dep_last = after_options (f, gated, NULL);
  tasker_task_options_set_start_delay_ms (dep_last, 1);
  submitted = g_get_monotonic_time ();
  t1 = run_work (f, NULL, time_last, &w1);
  t2 = run_work (f, NULL, dep_last, &w2);
  for_gated = waiting_for (gated);

  /* quick has ended: t1 shows its start time; t2's start time has passed:
   * it shows its dependency. */
  TEST_WAIT_UNTIL (f->context, test_task_is_final (quick) && message_starts (t1, "Starts at ") &&
                               message_is (t2, for_gated));
  test_spin_for (f->context, 20);
  test_assert_status (t2, TASKER_TASK_STATUS_PENDING);
  g_assert_cmpint (work_started (&w2), ==, 0);

  TEST_WAIT_UNTIL (f->context, test_task_is_final (t1));
  assert_completed_int (t1, 42);
  g_assert_cmpint (work_start_time (&w1, 0) - submitted, >=, (gint64) delay_ms * 1000);
  test_assert_status (t2, TASKER_TASK_STATUS_PENDING);

  test_gate_open (&wg.gate);
  test_settle (f->manager);
  assert_completed_int (t2, 42);
  g_assert_cmpint (work_start_time (&w2, 0), >=, work_start_time (&wg, 0));

  work_clear (&wq);
  work_clear (&wg);
  work_clear (&w1);
  work_clear (&w2);
}

/* A failed dependency fails its dependant (and what waits on that), which
 * never runs; after-any-outcome runs whatever it ended with; when_done of
 * the dependency comes before its dependants'. */
static void
test_failure (TestFixture   *f,
              gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) any_options = NULL;
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;
  g_autoptr(TaskerTask) c = NULL;
  g_autoptr(TaskerTask) any = NULL;
  g_autofree char *done_a = NULL;
  g_autofree char *done_b = NULL;
  g_autofree char *done_c = NULL;
  Work wa, wb, wc, wany;

  work_init (&wa);
  work_init (&wb);
  work_init (&wc);
  work_init (&wany);
  wa.gated = TRUE;
  wa.n_fail = 1;

  {
    g_autoptr(TaskerTaskOptions) options = policy_options (f);

    a = run_work (f, NULL, options, &wa);
  }
  b = run_after (f, &wb, a, NULL);
  c = run_after (f, &wc, b, NULL);
  any_options = after_options (f, a, NULL);
  tasker_task_options_set_after_any_outcome (any_options, TRUE);
  any = run_work (f, NULL, any_options, &wany);

  test_gate_block_until_waiting (&wa.gate, 1);
  test_gate_open (&wa.gate);
  test_settle (f->manager);

  assert_failed (a, TEST_ERROR, 1, "failure 1");
  assert_dependency_failed (b, a, "failed");
  assert_dependency_failed (c, b, "failed");
  assert_completed_int (any, 42);
  g_assert_cmpint (work_started (&wb), ==, 0);
  g_assert_cmpint (work_started (&wc), ==, 0);
  g_assert_cmpint (work_started (&wany), ==, 1);

  done_a = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (a));
  done_b = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (b));
  done_c = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (c));
  g_assert_cmpint (test_recorder_find (&f->rec, done_a), >=, 0);
  g_assert_cmpint (test_recorder_find (&f->rec, done_a), <, test_recorder_find (&f->rec, done_b));
  g_assert_cmpint (test_recorder_find (&f->rec, done_b), <, test_recorder_find (&f->rec, done_c));

  work_clear (&wa);
  work_clear (&wb);
  work_clear (&wc);
  work_clear (&wany);
}

/* Cancelling a dependency fails (not cancels) its dependants, unless
 * after-any-outcome. */
static void
test_dependency_cancelled (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) any_options = NULL;
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;
  g_autoptr(TaskerTask) any = NULL;
  Work wa, wb, wany;

  work_init (&wa);
  work_init (&wb);
  work_init (&wany);
  wa.gated = TRUE;
  wa.cooperative = TRUE;

  a = run_work (f, NULL, NULL, &wa);
  b = run_after (f, &wb, a, NULL);
  any_options = after_options (f, a, NULL);
  tasker_task_options_set_after_any_outcome (any_options, TRUE);
  any = run_work (f, NULL, any_options, &wany);

  test_gate_block_until_waiting (&wa.gate, 1);
  tasker_task_cancel (a);
  test_settle (f->manager);

  assert_cancelled (a);
  assert_dependency_failed (b, a, "was cancelled");
  assert_completed_int (any, 42);
  g_assert_cmpint (work_started (&wb), ==, 0);

  work_clear (&wa);
  work_clear (&wb);
  work_clear (&wany);
}

/* A dependency that has already ended counts at once. */
static void
test_already_ended (TestFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(TaskerTask) ok = NULL;
  g_autoptr(TaskerTask) failed = NULL;
  g_autoptr(TaskerTask) after_ok = NULL;
  g_autoptr(TaskerTask) after_failed = NULL;
  Work wok, wfailed, w1, w2;

  work_init (&wok);
  work_init (&wfailed);
  work_init (&w1);
  work_init (&w2);
  wfailed.n_fail = 1;

  ok = run_work (f, NULL, NULL, &wok);
  failed = run_work (f, NULL, NULL, &wfailed);
  test_settle (f->manager);
  assert_completed_int (ok, 42);

  after_ok = run_after (f, &w1, ok, NULL);
  after_failed = run_after (f, &w2, failed, NULL);
  test_settle (f->manager);

  assert_completed_int (after_ok, 42);
  assert_dependency_failed (after_failed, failed, "failed");
  g_assert_cmpint (work_started (&w2), ==, 0);

  work_clear (&wok);
  work_clear (&wfailed);
  work_clear (&w1);
  work_clear (&w2);
}

static void
assert_refused (TestFixture       *f,
                TaskerTaskOptions *options,
                const char        *part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TaskerTask) task = NULL;
  Work w;

  work_init (&w);
  task = tasker_manager_run_thread (f->manager, NULL, options, work_cb, &w, NULL, &error);
  g_assert_null (task);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  assert_str_contains (error->message, part);
  g_assert_cmpint (work_started (&w), ==, 0);
  work_clear (&w);
}

/* Refused at submit with INVALID_ARGUMENT: both start options; a task of
 * another manager; one that no longer exists; the new task's parent or
 * ancestor; a task that waits for the parent (a cycle through it). */
static void
test_refused (TestFixture   *f,
              gconstpointer  data)
{
  g_autoptr(TaskerManager) other = tasker_manager_new (f->context);
  g_autoptr(TaskerTask) foreign = NULL;
  g_autoptr(TaskerTask) grandparent = NULL;
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) waits_for_parent = NULL;
  g_autoptr(TaskerTask) sibling = NULL;
  g_autoptr(TaskerTask) child = NULL;
  TaskerTask *gone;
  g_autofree char *id = NULL;
  Work wf, wg, wp, ww, ws, wc, wgone;

  work_init (&wf);
  work_init (&wg);
  work_init (&wp);
  work_init (&ww);
  work_init (&ws);
  work_init (&wc);
  work_init (&wgone);
  wg.gated = wp.gated = TRUE;

  {
    g_autoptr(TaskerTaskOptions) options = policy_options (f);

    tasker_task_options_set_start_at (options, g_get_real_time () + G_USEC_PER_SEC);
    tasker_task_options_set_start_delay_ms (options, 1000);
    assert_refused (f, options, "start-at and start-delay-ms");
  }

  foreign = test_run_thread (other, NULL, NULL, work_cb, &wf);
  {
    g_autoptr(TaskerTaskOptions) options = after_options (f, foreign, NULL);

    assert_refused (f, options, "another manager");
  }

  gone = run_work (f, NULL, NULL, &wgone);
  test_settle (f->manager);
  {
    g_autoptr(TaskerTaskOptions) options = after_options (f, gone, NULL);

    id = g_strdup_printf ("task %" G_GUINT64_FORMAT " ", tasker_task_get_id (gone));
    test_unref_and_wait (f->context, gone);
    assert_refused (f, options, "no longer exists");
    assert_refused (f, options, id);
  }

  grandparent = run_work (f, NULL, NULL, &wg);
  {
    g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();

    tasker_task_options_set_parent (options, grandparent);
    parent = run_work (f, NULL, options, &wp);
  }
  waits_for_parent = run_after (f, &ww, parent, NULL);
  {
    g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();

    tasker_task_options_set_parent (options, parent);
    sibling = run_work (f, NULL, options, &ws);
  }

  {
    g_autoptr(TaskerTaskOptions) options = after_options (f, parent, NULL);

    tasker_task_options_set_parent (options, parent);
    assert_refused (f, options, "would never end");
  }
  {
    g_autoptr(TaskerTaskOptions) options = after_options (f, grandparent, NULL);

    tasker_task_options_set_parent (options, parent);
    assert_refused (f, options, "would never end");
  }
  {
    g_autoptr(TaskerTaskOptions) options = after_options (f, waits_for_parent, NULL);

    tasker_task_options_set_parent (options, parent);
    assert_refused (f, options, "would never end");
  }
  /* A sibling is fine: it does not wait for the parent. */
  {
    g_autoptr(TaskerTaskOptions) options = after_options (f, sibling, NULL);

    tasker_task_options_set_parent (options, parent);
    child = run_work (f, NULL, options, &wc);
  }

  test_gate_open (&wg.gate);
  test_gate_open (&wp.gate);
  test_settle (f->manager);
  test_settle (other);
  assert_completed_int (child, 42);
  assert_completed_int (waits_for_parent, 42);
  assert_completed_int (parent, 42);
  g_assert_cmpint (work_start_time (&wc, 0), >=, work_start_time (&ws, 0));

  work_clear (&wf);
  work_clear (&wg);
  work_clear (&wp);
  work_clear (&ww);
  work_clear (&ws);
  work_clear (&wc);
  work_clear (&wgone);
}

static int n_destroyed;  /* (atomic) */

static void
count_destroy_cb (gpointer data)
{
  g_atomic_int_inc (&n_destroyed);
}

/* Retry: a failed dependency run again as a new task re-arms the chain that
 * failed with it — a thread task (its data passed on, freed once), a command
 * after it — each waiting for the new run of what it waited for. */
static void
test_rearm (TestFixture   *f,
            gconstpointer  data)
{
  const char * const argv[] = { "true", NULL };
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) a2 = NULL;
  g_autoptr(TaskerTask) b = NULL;
  g_autoptr(TaskerTask) c = NULL;
  g_autoptr(GPtrArray) rearmed = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *for_a2 = NULL;
  TaskerTask *b2, *c2;
  Work wa, wa2, wb;

  work_init (&wa);
  work_init (&wa2);
  work_init (&wb);
  wa.n_fail = 1;
  wa2.gated = TRUE;
  g_atomic_int_set (&n_destroyed, 0);

  a = run_work (f, NULL, NULL, &wa);
  {
    g_autoptr(TaskerTaskOptions) options = after_options (f, a, NULL);

    b = tasker_manager_run_thread (f->manager, "b", options, work_cb, &wb, count_destroy_cb, &error);
    g_assert_no_error (error);
  }
  {
    g_autoptr(TaskerTaskOptions) options = after_options (f, b, NULL);

    c = tasker_manager_run_command (f->manager, NULL, options, argv, NULL, NULL, &error);
    g_assert_no_error (error);
  }
  test_settle (f->manager);
  assert_dependency_failed (b, a, "failed");
  assert_dependency_failed (c, b, "failed");
  /* Kept for the rearm, not freed. */
  g_assert_cmpint (g_atomic_int_get (&n_destroyed), ==, 0);

  a2 = run_work (f, NULL, NULL, &wa2);
  rearmed = tasker_manager_rearm_dependants (f->manager, a, a2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rearmed->len, ==, 2);
  b2 = g_ptr_array_index (rearmed, 0);
  c2 = g_ptr_array_index (rearmed, 1);
  g_assert_true (b2 != b && c2 != c);
  g_assert_cmpstr (tasker_task_get_key (b2), ==, "b");
  g_assert_cmpint (tasker_task_get_kind (c2), ==, TASKER_TASK_KIND_COMMAND);

  for_a2 = waiting_for (a2);
  test_gate_block_until_waiting (&wa2.gate, 1);
  TEST_WAIT_UNTIL (f->context, message_is (b2, for_a2));
  test_assert_status (c2, TASKER_TASK_STATUS_PENDING);

  test_gate_open (&wa2.gate);
  test_settle (f->manager);
  assert_completed_int (a2, 42);
  assert_completed_int (b2, 42);
  test_assert_status (c2, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpint (work_started (&wb), ==, 1);
  g_assert_cmpint (work_start_time (&wb, 0), >=, work_start_time (&wa2, 0));
  g_assert_cmpint (g_atomic_int_get (&n_destroyed), ==, 1);
  /* The old ones stay as they ended. */
  assert_dependency_failed (b, a, "failed");

  /* Once only. */
  again = tasker_manager_rearm_dependants (f->manager, a, a2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->len, ==, 0);

  work_clear (&wa);
  work_clear (&wa2);
  work_clear (&wb);
}

/* A failed dependant that is never re-armed frees its function's data with
 * the dependency that failed it. */
static void
test_rearm_never (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(TaskerTask) b = NULL;
  g_autoptr(GError) error = NULL;
  TaskerTask *a;
  Work wa, wb;

  work_init (&wa);
  work_init (&wb);
  wa.n_fail = 1;
  g_atomic_int_set (&n_destroyed, 0);

  a = run_work (f, NULL, NULL, &wa);
  options = after_options (f, a, NULL);
  b = tasker_manager_run_thread (f->manager, NULL, options, work_cb, &wb, count_destroy_cb, &error);
  g_assert_no_error (error);
  test_settle (f->manager);
  assert_dependency_failed (b, a, "failed");
  g_assert_cmpint (g_atomic_int_get (&n_destroyed), ==, 0);

  test_unref_and_wait (f->context, a);
  g_assert_cmpint (g_atomic_int_get (&n_destroyed), ==, 1);

  work_clear (&wa);
  work_clear (&wb);
}

/* Retries of a dependant run again at once (after their delay), without
 * waiting again; the start delay does not apply to retries. */
static void
test_retry_does_not_wait (TestFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;
  Work wa, wb;

  work_init (&wa);
  work_init (&wb);
  wb.n_fail = 1;

  a = run_work (f, NULL, NULL, &wa);
  options = after_options (f, a, NULL);
  tasker_task_options_set_start_delay_ms (options, test_slack_ms (50));
  tasker_task_options_set_max_attempts (options, 2);
  tasker_task_options_set_retry_delay_ms (options, 1);
  b = run_work (f, NULL, options, &wb);
  test_settle (f->manager);

  assert_completed_int (b, 42);
  g_assert_cmpuint (tasker_task_get_attempt (b), ==, 2);
  g_assert_cmpint (work_started (&wb), ==, 2);
  g_assert_cmpint (work_start_time (&wb, 1) - work_start_time (&wb, 0), <, (gint64) test_slack_ms (50) * 1000);

  work_clear (&wa);
  work_clear (&wb);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST_ADD ("/Tasker/Policy/After/delay-holds-no-slot", test_delay_holds_no_slot);
  TEST_ADD ("/Tasker/Policy/After/start-at", test_start_at);
  TEST_ADD ("/Tasker/Policy/After/cancel-waiting", test_cancel_waiting);
  TEST_ADD ("/Tasker/Policy/After/chain-order", test_chain_order);
  TEST_ADD ("/Tasker/Policy/After/events-and-done-order", test_events_and_done_order);
  TEST_ADD ("/Tasker/Policy/After/dependants-in-submit-order", test_dependants_in_submit_order);
  TEST_ADD ("/Tasker/Policy/After/after-and-start-time", test_after_and_start_time);
  TEST_ADD ("/Tasker/Policy/After/failure", test_failure);
  TEST_ADD ("/Tasker/Policy/After/dependency-cancelled", test_dependency_cancelled);
  TEST_ADD ("/Tasker/Policy/After/already-ended", test_already_ended);
  TEST_ADD ("/Tasker/Policy/After/refused", test_refused);
  TEST_ADD ("/Tasker/Policy/After/rearm", test_rearm);
  TEST_ADD ("/Tasker/Policy/After/rearm-never", test_rearm_never);
  TEST_ADD ("/Tasker/Policy/After/retry-does-not-wait", test_retry_does_not_wait);

  return g_test_run ();
}
