/* test-queue.c — named queues: concurrency limit, capacity, priority
 * (DESIGN.md §4 Policies, Refusals at submit, Messages the manager writes)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "policy-test.h"

static TaskerTaskOptions *
queue_options (TestFixture *f,
               const char  *queue,
               int          priority)
{
  TaskerTaskOptions *options = policy_options (f);

  tasker_task_options_set_queue (options, queue);
  tasker_task_options_set_priority (options, priority);

  return options;
}

static gboolean
message_is (TaskerTask *task,
            const char *message)
{
  return g_strcmp0 (tasker_task_get_message (task), message) == 0;
}

static int n_destroyed;  /* (atomic) */

static void
count_destroy_cb (gpointer data)
{
  g_atomic_int_inc (&n_destroyed);
}

/* Two run at once, a third waits with the manager's message, a fourth is
 * refused at once — without touching the live task whose key it carries. */
static void
test_limit_and_capacity (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = queue_options (f, "q", 0);
  g_autoptr(TaskerTask) t1 = NULL;
  g_autoptr(TaskerTask) t2 = NULL;
  g_autoptr(TaskerTask) t3 = NULL;
  g_autoptr(TaskerTask) refused = NULL;
  g_autoptr(TaskerTask) found = NULL;
  g_autoptr(GError) error = NULL;
  Signals s;
  Work w1, w2, w3, w4;
  gint64 before;

  work_init (&w1);
  work_init (&w2);
  work_init (&w3);
  work_init (&w4);
  w1.gated = w2.gated = w3.gated = TRUE;
  w1.cooperative = TRUE;
  signals_init (&s, f->manager);
  tasker_manager_set_max_threads (f->manager, 4);
  tasker_manager_configure_queue (f->manager, "q", 2, 1);

  t1 = run_work (f, "k1", options, &w1);
  t2 = run_work (f, NULL, options, &w2);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&w1.gate) == 1 &&
                               test_gate_get_waiting (&w2.gate) == 1);
  t3 = run_work (f, NULL, options, &w3);

  TEST_WAIT_UNTIL (f->context, message_is (t3, "Waiting for a free slot"));
  test_assert_status (t3, TASKER_TASK_STATUS_PENDING);
  g_assert_cmpint (work_started (&w3), ==, 0);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (t1) && test_task_is_running (t2));
  /* The manager writes no message for a task that got a slot. */
  g_assert_null (tasker_task_get_message (t1));
  g_assert_null (tasker_task_get_message (t2));

  /* Full: refused at once, never blocking, with the documented error. The
   * key of a live task is not taken over. */
  before = g_get_monotonic_time ();
  g_atomic_int_set (&n_destroyed, 0);
  refused = tasker_manager_run_thread (f->manager, "k1", options, work_cb, &w4,
                                       count_destroy_cb, &error);
  g_test_message ("refused submit took %" G_GINT64_FORMAT " µs", g_get_monotonic_time () - before);
  g_assert_null (refused);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_QUEUE_FULL);
  g_assert_cmpstr (error->message, ==, "queue “q” is full");
  g_clear_error (&error);

  /* Without a key too. */
  refused = tasker_manager_run_thread (f->manager, NULL, options, work_cb, &w4,
                                       NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_QUEUE_FULL);
  g_clear_error (&error);

  test_spin_for (f->context, test_slack_ms (30));
  g_assert_cmpint (work_started (&w4), ==, 0);
  test_assert_status (t1, TASKER_TASK_STATUS_RUNNING);
  found = tasker_manager_dup_task (f->manager, "k1");
  g_assert_true (found == t1);
  g_assert_cmpint (g_atomic_int_get (&w1.saw_cancel), ==, 0);
  g_assert_cmpint (test_gate_get_waiting (&w3.gate), ==, 0);
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, 0);
  /* The refused task's data is not leaked. */
  g_assert_cmpint (g_atomic_int_get (&n_destroyed), ==, 1);

  /* A slot frees: the waiting task starts, and the manager's message goes. */
  test_gate_open (&w1.gate);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&w3.gate) == 1);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (t3));
  g_assert_null (tasker_task_get_message (t3));
  assert_completed_int (t1, 42);
  g_assert_cmpint (g_atomic_int_get (&w1.saw_cancel), ==, 0);

  test_gate_open (&w2.gate);
  test_gate_open (&w3.gate);
  test_settle (f->manager);

  assert_completed_int (t2, 42);
  assert_completed_int (t3, 42);
  g_assert_null (tasker_task_get_message (t3));
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, 3);
  g_assert_cmpuint (g_hash_table_size (s.finished), ==, 3);
  g_assert_cmpuint (g_hash_table_size (s.started), ==, 3);

  signals_clear (&s);
  work_clear (&w1);
  work_clear (&w2);
  work_clear (&w3);
  work_clear (&w4);
}

/* With one slot, waiting tasks start by priority, lower first, and in
 * submission order among equals. */
static void
test_priority_order (TestFixture   *f,
                     gconstpointer  data)
{
  const struct {
    const char *label;
    int         priority;
  } tasks[] = {
    { "a", 5 },
    { "b", 0 },
    { "c", G_PRIORITY_HIGH },
    { "d", 0 },
    { "e", 5 },
    { "f", -1 },
    { "g", 0 },
    { "h", G_PRIORITY_LOW },
  };
  const char *expected = "blocker c f b d g a e h";
  g_autoptr(TaskerTaskOptions) blocker_options = queue_options (f, "p", 0);
  g_autoptr(TaskerTask) blocker = NULL;
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) submitted = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *got = NULL;
  Work works[G_N_ELEMENTS (tasks)];
  Work wb;
  GMutex order_lock;

  g_mutex_init (&order_lock);
  tasker_manager_set_max_threads (f->manager, 4);
  tasker_manager_configure_queue (f->manager, "p", 1, 0);

  work_init (&wb);
  wb.gated = TRUE;
  wb.label = "blocker";
  wb.order = order;
  wb.order_lock = &order_lock;
  blocker = run_work (f, NULL, blocker_options, &wb);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wb.gate) == 1);

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_autoptr(TaskerTaskOptions) options = queue_options (f, "p", tasks[i].priority);

      work_init (&works[i]);
      works[i].label = tasks[i].label;
      works[i].order = order;
      works[i].order_lock = &order_lock;
      g_ptr_array_add (submitted, run_work (f, NULL, options, &works[i]));
    }

  for (guint i = 0; i < submitted->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (submitted, i);

      TEST_WAIT_UNTIL (f->context, message_is (task, "Waiting for a free slot"));
      test_assert_status (task, TASKER_TASK_STATUS_PENDING);
    }

  test_gate_open (&wb.gate);
  test_settle (f->manager);

  g_ptr_array_add (order, NULL);
  got = g_strjoinv (" ", (char **) order->pdata);
  g_assert_cmpstr (got, ==, expected);

  for (guint i = 0; i < submitted->len; i++)
    {
      assert_completed_int (g_ptr_array_index (submitted, i), 42);
      g_assert_null (tasker_task_get_message (g_ptr_array_index (submitted, i)));
      work_clear (&works[i]);
    }
  work_clear (&wb);
  g_mutex_clear (&order_lock);
}

/* Capacity 0: any number may wait; never more than the limit run. */
static void
test_unbounded_capacity (TestFixture   *f,
                         gconstpointer  data)
{
  guint n = test_scale (40);
  g_autoptr(TaskerTaskOptions) options = queue_options (f, "u", 0);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  Work *works = g_new0 (Work, n);
  int running = 0, max_running = 0;

  tasker_manager_set_max_threads (f->manager, 4);
  tasker_manager_configure_queue (f->manager, "u", 2, 0);

  for (guint i = 0; i < n; i++)
    {
      work_init (&works[i]);
      works[i].running = &running;
      works[i].max_running = &max_running;
      g_ptr_array_add (tasks, run_work (f, NULL, options, &works[i]));
    }

  test_settle (f->manager);
  for (guint i = 0; i < n; i++)
    {
      assert_completed_int (g_ptr_array_index (tasks, i), 42);
      work_clear (&works[i]);
    }
  g_assert_cmpint (g_atomic_int_get (&max_running), <=, 2);
  g_assert_cmpint (g_atomic_int_get (&max_running), >=, 1);
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, n);

  g_free (works);
}

/* Raising the limit starts tasks that wait. */
static void
test_raise_limit (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = queue_options (f, "r", 0);
  TaskerTask *tasks[3];
  Work works[3];

  tasker_manager_set_max_threads (f->manager, 4);
  tasker_manager_configure_queue (f->manager, "r", 1, 0);

  for (guint i = 0; i < 3; i++)
    {
      work_init (&works[i]);
      works[i].gated = TRUE;
      tasks[i] = run_work (f, NULL, options, &works[i]);
    }

  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&works[0].gate) == 1);
  TEST_WAIT_UNTIL (f->context, message_is (tasks[1], "Waiting for a free slot") &&
                               message_is (tasks[2], "Waiting for a free slot"));
  g_assert_cmpint (work_started (&works[1]), ==, 0);
  g_assert_cmpint (work_started (&works[2]), ==, 0);

  tasker_manager_configure_queue (f->manager, "r", 3, 0);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&works[1].gate) == 1 &&
                               test_gate_get_waiting (&works[2].gate) == 1);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (tasks[1]) && test_task_is_running (tasks[2]));
  g_assert_null (tasker_task_get_message (tasks[1]));
  g_assert_null (tasker_task_get_message (tasks[2]));

  for (guint i = 0; i < 3; i++)
    test_gate_open (&works[i].gate);
  test_settle (f->manager);

  for (guint i = 0; i < 3; i++)
    {
      assert_completed_int (tasks[i], 42);
      g_object_unref (tasks[i]);
      work_clear (&works[i]);
    }
}

/* Cancelling a waiting task ends it at once, without waiting for a slot;
 * it never runs, and the task behind it gets the slot in its turn. */
static void
test_cancel_waiting (TestFixture   *f,
                     gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = queue_options (f, "c", 0);
  g_autoptr(TaskerTask) blocker = NULL;
  g_autoptr(TaskerTask) waiting = NULL;
  g_autoptr(TaskerTask) behind = NULL;
  Signals s;
  Work wb, ww, wn;

  work_init (&wb);
  work_init (&ww);
  work_init (&wn);
  wb.gated = TRUE;
  signals_init (&s, f->manager);
  tasker_manager_configure_queue (f->manager, "c", 1, 0);

  blocker = run_work (f, NULL, options, &wb);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wb.gate) == 1);
  waiting = run_work (f, "waiting", options, &ww);
  behind = run_work (f, NULL, options, &wn);
  TEST_WAIT_UNTIL (f->context, message_is (waiting, "Waiting for a free slot"));

  g_assert_true (tasker_manager_cancel_task (f->manager, "waiting"));
  TEST_WAIT_UNTIL (f->context, test_task_is_final (waiting));
  assert_cancelled (waiting);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, waiting), ==, 1);
  g_assert_cmpuint (tasker_task_get_attempt (waiting), ==, 0);
  /* Still behind the blocker. */
  test_assert_status (behind, TASKER_TASK_STATUS_PENDING);
  g_assert_cmpint (work_started (&wn), ==, 0);

  test_gate_open (&wb.gate);
  test_settle (f->manager);

  g_assert_cmpint (work_started (&ww), ==, 0);
  assert_completed_int (behind, 42);
  assert_completed_int (blocker, 42);
  g_assert_cmpuint (signals_n_started (&s, waiting), ==, 0);
  g_assert_cmpuint (signals_n_finished (&s, waiting), ==, 1);

  signals_clear (&s);
  work_clear (&wb);
  work_clear (&ww);
  work_clear (&wn);
}

/* DESIGN.md §4 "Messages the manager writes": only while the task is
 * pending; after it ends its message is the last one its function set,
 * here none, since it never ran. */
static void
test_cancel_waiting_message (TestFixture   *f,
                             gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = queue_options (f, "cm", 0);
  g_autoptr(TaskerTask) blocker = NULL;
  g_autoptr(TaskerTask) waiting = NULL;
  Work wb, ww;

  work_init (&wb);
  work_init (&ww);
  wb.gated = TRUE;
  tasker_manager_configure_queue (f->manager, "cm", 1, 0);

  blocker = run_work (f, NULL, options, &wb);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wb.gate) == 1);
  waiting = run_work (f, NULL, options, &ww);
  TEST_WAIT_UNTIL (f->context, message_is (waiting, "Waiting for a free slot"));

  tasker_task_cancel (waiting);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (waiting));
  test_gate_open (&wb.gate);
  test_settle (f->manager);

  assert_cancelled (waiting);
  /* Not an abort: the other tests of this program still run. */
  if (tasker_task_get_message (waiting) != NULL)
    g_test_fail_printf ("a task cancelled while pending keeps the manager's message “%s”; "
                        "expected NULL", tasker_task_get_message (waiting));

  work_clear (&wb);
  work_clear (&ww);
}

/* Lowering the limit: running tasks go on, and a waiting task starts only
 * when fewer than the new limit run. */
static void
test_lower_limit (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = queue_options (f, "l", 0);
  TaskerTask *tasks[3];
  Work works[3];

  tasker_manager_set_max_threads (f->manager, 4);
  tasker_manager_configure_queue (f->manager, "l", 2, 0);

  for (guint i = 0; i < 3; i++)
    {
      work_init (&works[i]);
      works[i].gated = TRUE;
      tasks[i] = run_work (f, NULL, options, &works[i]);
    }
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&works[0].gate) == 1 &&
                               test_gate_get_waiting (&works[1].gate) == 1);
  TEST_WAIT_UNTIL (f->context, message_is (tasks[2], "Waiting for a free slot"));

  tasker_manager_configure_queue (f->manager, "l", 1, 0);
  test_gate_open (&works[0].gate);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (tasks[0]));
  test_spin_for (f->context, test_slack_ms (30));
  g_assert_cmpint (work_started (&works[2]), ==, 0);
  test_assert_status (tasks[2], TASKER_TASK_STATUS_PENDING);

  test_gate_open (&works[1].gate);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&works[2].gate) == 1);
  test_gate_open (&works[2].gate);
  test_settle (f->manager);

  for (guint i = 0; i < 3; i++)
    {
      assert_completed_int (tasks[i], 42);
      g_object_unref (tasks[i]);
      work_clear (&works[i]);
    }
}

/* A priority set on the default options applies to tasks whose options do
 * not set one, even when they name their own queue. */
static void
test_default_priority (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) defaults = tasker_task_options_new ();
  g_autoptr(TaskerTaskOptions) blocker_options = queue_options (f, "dp", 0);
  g_autoptr(TaskerTaskOptions) explicit_options = queue_options (f, "dp", 0);
  g_autoptr(TaskerTaskOptions) inherit_options = policy_options (f);
  g_autoptr(TaskerTask) blocker = NULL;
  g_autoptr(TaskerTask) explicit_zero = NULL;
  g_autoptr(TaskerTask) inherits = NULL;
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *got = NULL;
  GMutex order_lock;
  Work wb, we, wi;

  g_mutex_init (&order_lock);
  work_init (&wb);
  work_init (&we);
  work_init (&wi);
  wb.gated = TRUE;
  wb.label = "blocker";
  we.label = "explicit";
  wi.label = "inherits";
  wb.order = we.order = wi.order = order;
  wb.order_lock = we.order_lock = wi.order_lock = &order_lock;

  g_object_set (defaults, "priority", -5, NULL);
  tasker_manager_set_default_options (f->manager, defaults);
  tasker_manager_configure_queue (f->manager, "dp", 1, 0);
  g_object_set (inherit_options, "queue", "dp", NULL);

  blocker = run_work (f, NULL, blocker_options, &wb);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wb.gate) == 1);
  explicit_zero = run_work (f, NULL, explicit_options, &we);
  inherits = run_work (f, NULL, inherit_options, &wi);
  TEST_WAIT_UNTIL (f->context, message_is (explicit_zero, "Waiting for a free slot") &&
                               message_is (inherits, "Waiting for a free slot"));

  test_gate_open (&wb.gate);
  test_settle (f->manager);

  g_ptr_array_add (order, NULL);
  got = g_strjoinv (" ", (char **) order->pdata);
  g_assert_cmpstr (got, ==, "blocker inherits explicit");

  tasker_manager_set_default_options (f->manager, NULL);
  work_clear (&wb);
  work_clear (&we);
  work_clear (&wi);
  g_mutex_clear (&order_lock);
}

/* A queue nobody configured has no limit. */
static void
test_unconfigured (TestFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = queue_options (f, "free", 0);
  TaskerTask *tasks[4];
  Work works[4];

  tasker_manager_set_max_threads (f->manager, 4);

  for (guint i = 0; i < 4; i++)
    {
      work_init (&works[i]);
      works[i].gated = TRUE;
      tasks[i] = run_work (f, NULL, options, &works[i]);
    }
  for (guint i = 0; i < 4; i++)
    TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&works[i].gate) == 1);
  for (guint i = 0; i < 4; i++)
    {
      TEST_WAIT_UNTIL (f->context, test_task_is_running (tasks[i]));
      g_assert_null (tasker_task_get_message (tasks[i]));
      test_gate_open (&works[i].gate);
    }

  test_settle (f->manager);
  for (guint i = 0; i < 4; i++)
    {
      assert_completed_int (tasks[i], 42);
      g_object_unref (tasks[i]);
      work_clear (&works[i]);
    }
}

/* The default options' queue applies to tasks that name none; a task that
 * names another queue is not held by it. */
static void
test_default_queue (TestFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) defaults = tasker_task_options_new ();
  g_autoptr(TaskerTaskOptions) other = queue_options (f, "other", 0);
  g_autoptr(TaskerTask) first = NULL;
  g_autoptr(TaskerTask) second = NULL;
  g_autoptr(TaskerTask) elsewhere = NULL;
  Work w1, w2, w3;

  work_init (&w1);
  work_init (&w2);
  work_init (&w3);
  w1.gated = w3.gated = TRUE;
  tasker_manager_set_max_threads (f->manager, 4);
  tasker_manager_configure_queue (f->manager, "dq", 1, 0);
  tasker_task_options_set_queue (defaults, "dq");
  tasker_manager_set_default_options (f->manager, defaults);

  first = run_work (f, NULL, f->options, &w1);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&w1.gate) == 1);
  second = run_work (f, NULL, f->options, &w2);
  elsewhere = run_work (f, NULL, other, &w3);

  TEST_WAIT_UNTIL (f->context, message_is (second, "Waiting for a free slot"));
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&w3.gate) == 1);
  g_assert_cmpint (work_started (&w2), ==, 0);
  g_assert_null (tasker_task_get_message (elsewhere));

  test_gate_open (&w1.gate);
  test_gate_open (&w3.gate);
  test_settle (f->manager);

  assert_completed_int (first, 42);
  assert_completed_int (second, 42);
  assert_completed_int (elsewhere, 42);
  g_assert_null (tasker_task_get_message (second));

  tasker_manager_set_default_options (f->manager, NULL);
  work_clear (&w1);
  work_clear (&w2);
  work_clear (&w3);
}

typedef struct
{
  TaskerManager     *manager;
  TaskerTaskOptions *options;
  Work              *work;
  guint              n;
  int                accepted;    /* (atomic) */
  int                refused;     /* (atomic) */
  int                wrong_error; /* (atomic) */
  int                *finished;   /* (atomic) submitter threads done */
  GPtrArray         *tasks;       /* (element-type TaskerTask) this thread's accepted tasks */
} Submitter;

static gpointer
submitter_thread (gpointer data)
{
  Submitter *sub = data;

  for (guint i = 0; i < sub->n; i++)
    {
      g_autoptr(GError) error = NULL;
      TaskerTask *task;

      task = tasker_manager_run_thread (sub->manager, NULL, sub->options, work_cb, sub->work,
                                        NULL, &error);
      if (task != NULL)
        {
          g_assert_no_error (error);
          g_atomic_int_inc (&sub->accepted);
          g_ptr_array_add (sub->tasks, task);
        }
      else
        {
          g_atomic_int_inc (&sub->refused);
          if (!g_error_matches (error, TASKER_ERROR, TASKER_ERROR_QUEUE_FULL))
            g_atomic_int_inc (&sub->wrong_error);
        }
    }

  g_atomic_int_inc (sub->finished);

  return NULL;
}

/* Several threads submit at once to a tiny queue: nobody blocks or
 * deadlocks, every submit is accepted or refused with QUEUE_FULL, and every
 * accepted task ends once. */
static void
test_threads (TestFixture   *f,
              gconstpointer  data)
{
  enum { N_THREADS = 4 };
  g_autoptr(TaskerTaskOptions) options = queue_options (f, "s", 0);
  Submitter subs[N_THREADS];
  GThread *threads[N_THREADS];
  guint n = test_scale (200);
  int finished = 0;
  int running = 0, max_running = 0;
  guint accepted = 0, refused = 0;
  Work w;

  work_init (&w);
  w.running = &running;
  w.max_running = &max_running;
  tasker_manager_set_max_threads (f->manager, 4);
  tasker_manager_configure_queue (f->manager, "s", 1, 2);

  for (guint i = 0; i < N_THREADS; i++)
    {
      subs[i] = (Submitter) {
        .manager = f->manager,
        .options = options,
        .work = &w,
        .n = n,
        .finished = &finished,
        .tasks = g_ptr_array_new_with_free_func (g_object_unref),
      };
    }
  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("submitter", submitter_thread, &subs[i]);

  /* The main context runs meanwhile, as an application's would. */
  TEST_WAIT_UNTIL (f->context, g_atomic_int_get (&finished) == N_THREADS);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);
  test_settle (f->manager);

  for (guint i = 0; i < N_THREADS; i++)
    {
      g_assert_cmpint (g_atomic_int_get (&subs[i].wrong_error), ==, 0);
      accepted += g_atomic_int_get (&subs[i].accepted);
      refused += g_atomic_int_get (&subs[i].refused);
      for (guint j = 0; j < subs[i].tasks->len; j++)
        {
          TaskerTask *task = g_ptr_array_index (subs[i].tasks, j);

          assert_completed_int (task, 42);
          g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
        }
      g_ptr_array_unref (subs[i].tasks);
    }

  g_test_message ("%u accepted, %u refused", accepted, refused);
  g_assert_cmpuint (accepted + refused, ==, N_THREADS * n);
  g_assert_cmpuint (accepted, >=, 1);
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, accepted);
  g_assert_cmpint (work_started (&w), ==, (int) accepted);
  g_assert_cmpint (g_atomic_int_get (&max_running), ==, 1);

  work_clear (&w);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST_ADD ("/Tasker/Policy/Queue/limit-and-capacity", test_limit_and_capacity);
  TEST_ADD ("/Tasker/Policy/Queue/priority-order", test_priority_order);
  TEST_ADD ("/Tasker/Policy/Queue/unbounded-capacity", test_unbounded_capacity);
  TEST_ADD ("/Tasker/Policy/Queue/raise-limit", test_raise_limit);
  TEST_ADD ("/Tasker/Policy/Queue/cancel-waiting", test_cancel_waiting);
  TEST_ADD ("/Tasker/Policy/Queue/cancel-waiting-message", test_cancel_waiting_message);
  TEST_ADD ("/Tasker/Policy/Queue/lower-limit", test_lower_limit);
  TEST_ADD ("/Tasker/Policy/Queue/default-priority", test_default_priority);
  TEST_ADD ("/Tasker/Policy/Queue/unconfigured", test_unconfigured);
  TEST_ADD ("/Tasker/Policy/Queue/default-options", test_default_queue);
  TEST_ADD ("/Tasker/Policy/Queue/threads", test_threads);

  return g_test_run ();
}
