/* test-delivery.c — coalesced updates, flush, the last update, tasks-updated
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <math.h>

#include "tasker-test.h"

#define TEST_ERROR (g_quark_from_static_string ("tasker-test-error-quark"))

typedef struct
{
  guint64 min_calls;
  gint64  min_usec;
  guint64 calls;       /* written by the function */
  int     n_messages;
} Spinner;

/* Calls set_progress in a tight loop, at least min_calls times and for at
 * least min_usec. */
static void
spin_progress_cb (TaskerContext *context,
                  gpointer       data)
{
  Spinner *s = data;
  gint64 start = g_get_monotonic_time ();
  guint64 i = 0;

  for (;;)
    {
      for (guint j = 0; j < 4096; j++, i++)
        tasker_context_set_progress (context, (double) (i % 1000000) / 1e6);
      /* From the first block on, so a slow machine still sets one. */
      if (s->n_messages > 0 && (i / 4096) % 64 == 1)
        tasker_context_set_message (context, (i / 4096) % 128 == 1 ? "even" : "odd");
      if (i >= s->min_calls && g_get_monotonic_time () - start >= s->min_usec)
        break;
    }

  s->calls = i;
}

typedef struct
{
  GThread *owner;
  guint    n;
  guint    n_wrong_thread;
} NotifyCount;

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    data)
{
  NotifyCount *count = data;

  count->n++;
  if (g_thread_self () != count->owner)
    count->n_wrong_thread++;
}

static void
test_coalescing_one_task (TestFixture   *f,
                          gconstpointer  data)
{
  const guint interval_ms = 100;
  Spinner s = { test_under_valgrind () ? 50000 : 1000000, 300 * 1000, 0, 0 };
  NotifyCount progress = { g_thread_self (), 0, 0 };
  g_autoptr(TaskerTask) task = NULL;
  guint64 wakeups_before, wakeups;
  gint64 t0;
  double elapsed_ms;

  tasker_manager_set_update_interval (f->manager, interval_ms);
  wakeups_before = _tasker_manager_get_n_wakeups (f->manager);
  t0 = g_get_monotonic_time ();

  task = test_run_thread (f->manager, NULL, f->options, spin_progress_cb, &s);
  g_signal_connect (task, "notify::progress", G_CALLBACK (count_notify_cb), &progress);
  test_settle (f->manager);

  elapsed_ms = (g_get_monotonic_time () - t0) / 1000.0;
  wakeups = _tasker_manager_get_n_wakeups (f->manager) - wakeups_before;
  g_test_message ("%" G_GUINT64_FORMAT " set_progress calls in %.0f ms: %" G_GUINT64_FORMAT
                  " wake-ups, %u progress notifications",
                  s.calls, elapsed_ms, wakeups, progress.n);

  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpuint (s.calls, >=, s.min_calls);

  /* At most one wake-up per interval, plus a few for submit, start and end. */
  g_assert_cmpfloat (wakeups, <=, elapsed_ms / interval_ms + 6);
  g_assert_cmpfloat (progress.n, <=, elapsed_ms / interval_ms + 3);
  /* Progress was seen while it ran, not only at the end. */
  g_assert_cmpuint (progress.n, >=, 2);
  g_assert_cmpuint (progress.n_wrong_thread, ==, 0);

  g_signal_handlers_disconnect_by_data (task, &progress);
}

/* However many tasks update: one wake-up per interval for the manager. */
static void
test_coalescing_many_tasks (TestFixture   *f,
                            gconstpointer  data)
{
  const guint n_tasks = 4;
  const guint interval_ms = 16;
  Spinner spinners[4];
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  guint64 wakeups_before, wakeups;
  gint64 t0;
  double elapsed_ms;

  tasker_manager_set_max_threads (f->manager, n_tasks);
  g_assert_cmpuint (tasker_manager_get_update_interval (f->manager), ==, interval_ms);
  wakeups_before = _tasker_manager_get_n_wakeups (f->manager);
  t0 = g_get_monotonic_time ();

  for (guint i = 0; i < n_tasks; i++)
    {
      spinners[i] = (Spinner) { test_under_valgrind () ? 20000 : 200000, 250 * 1000, 0, 1 };
      g_ptr_array_add (tasks, test_run_thread (f->manager, NULL, f->options, spin_progress_cb, &spinners[i]));
    }
  test_settle (f->manager);

  elapsed_ms = (g_get_monotonic_time () - t0) / 1000.0;
  wakeups = _tasker_manager_get_n_wakeups (f->manager) - wakeups_before;
  g_test_message ("%u tasks updating for %.0f ms: %" G_GUINT64_FORMAT " wake-ups",
                  n_tasks, elapsed_ms, wakeups);

  g_assert_cmpfloat (wakeups, <=, elapsed_ms / interval_ms + 2 * n_tasks + 4);
  for (guint i = 0; i < n_tasks; i++)
    test_assert_status (g_ptr_array_index (tasks, i), TASKER_TASK_STATUS_COMPLETED);
}

static void
test_flush_delivers_now (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  TaskerContext *context = NULL;
  gint64 t0;

  tasker_manager_set_update_interval (f->manager, 600);

  task = test_add_coroutine (f->manager, NULL, f->options, test_capture_context_cb, &context);
  TEST_WAIT_UNTIL (f->context, context != NULL && test_task_is_running (task));

  /* Stored, not sent: nothing is delivered before the interval is up... */
  tasker_context_set_progress (context, 0.5);
  tasker_context_set_message (context, "stored");
  test_spin_for (f->context, 100);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 0.0);
  g_assert_null (tasker_task_get_message (task));

  /* ... unless flushed. */
  t0 = g_get_monotonic_time ();
  tasker_context_flush (context);
  TEST_WAIT_UNTIL (f->context, tasker_task_get_progress (task) == 0.5);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 300 * 1000);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "stored");

  /* Without a flush it comes at the next interval. */
  tasker_context_set_progress (context, 0.75);
  TEST_WAIT_UNTIL (f->context, tasker_task_get_progress (task) == 0.75);

  tasker_manager_set_update_interval (f->manager, 16);
  tasker_context_return_pointer (context, NULL, NULL);
  g_clear_object (&context);
}

typedef struct
{
  int           flushed;  /* (atomic) */
  TestGate      gate;
} FlushData;

static void
thread_flush_cb (TaskerContext *context,
                 gpointer       data)
{
  FlushData *d = data;

  tasker_context_set_progress (context, 0.25);
  tasker_context_flush (context);
  g_atomic_int_set (&d->flushed, TRUE);
  test_gate_wait (&d->gate, tasker_context_get_cancellable (context));
}

static void
test_flush_from_thread (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  FlushData d = { 0, };
  gint64 t0;

  test_gate_init (&d.gate);
  tasker_manager_set_update_interval (f->manager, 600);

  task = test_run_thread (f->manager, NULL, f->options, thread_flush_cb, &d);
  TEST_WAIT_UNTIL (f->context, g_atomic_int_get (&d.flushed));
  t0 = g_get_monotonic_time ();
  TEST_WAIT_UNTIL (f->context, tasker_task_get_progress (task) == 0.25);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 300 * 1000);
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);

  tasker_manager_set_update_interval (f->manager, 16);
  test_gate_open (&d.gate);
  test_settle (f->manager);
  test_gate_clear (&d.gate);
}

typedef enum
{
  END_COMPLETE,
  END_FAIL,
  END_CANCEL,
} Ending;

typedef struct
{
  Ending    ending;
  char      message[32];
  int       ready;        /* (atomic) */
  TestGate  gate;
  /* Seen in the done function. */
  guint     n_done;
  double    done_progress;
  char     *done_message;
  TaskerTaskStatus done_status;
} LastUpdate;

static void
last_update_cb (TaskerContext *context,
                gpointer       data)
{
  LastUpdate *u = data;

  /* Many updates, the last one not the largest. */
  for (guint i = 0; i <= 100; i++)
    tasker_context_set_progress (context, i / 100.0);
  tasker_context_set_message (context, "not this one");
  tasker_context_set_progress (context, 0.9);
  tasker_context_set_progress (context, 0.37);
  tasker_context_set_message (context, u->message);

  switch (u->ending)
    {
    case END_FAIL:
      tasker_context_return_new_error (context, TEST_ERROR, 2, "failed");
      break;

    case END_CANCEL:
      g_atomic_int_set (&u->ready, TRUE);
      test_gate_wait (&u->gate, tasker_context_get_cancellable (context));
      break;

    case END_COMPLETE:
    default:
      break;
    }
}

static void
last_update_done_cb (TaskerTask *task,
                     gpointer    data)
{
  LastUpdate *u = data;

  u->n_done++;
  u->done_progress = tasker_task_get_progress (task);
  u->done_message = g_strdup (tasker_task_get_message (task));
  u->done_status = tasker_task_get_status (task);
}

/* The last update before a task finishes is never lost, whichever way it ends
 * and however long the update interval is. */
static void
test_last_update_kept (TestFixture   *f,
                       gconstpointer  data)
{
  const guint n = 3 * test_scale (20);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree LastUpdate *updates = g_new0 (LastUpdate, n);

  tasker_manager_set_update_interval (f->manager, 400);

  for (guint i = 0; i < n; i++)
    {
      LastUpdate *u = &updates[i];
      g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();

      u->ending = i % 3;
      g_snprintf (u->message, sizeof u->message, "last %u", i);
      test_gate_init (&u->gate);
      tasker_task_options_set_done_func (options, last_update_done_cb, u, NULL);
      g_ptr_array_add (tasks, test_run_thread (f->manager, NULL, options, last_update_cb, u));
    }

  for (guint i = 0; i < n; i++)
    if (updates[i].ending == END_CANCEL)
      {
        TEST_WAIT_UNTIL (f->context, g_atomic_int_get (&updates[i].ready));
        tasker_task_cancel (g_ptr_array_index (tasks, i));
      }

  TEST_WAIT_UNTIL (f->context, test_task_is_final (g_ptr_array_index (tasks, n - 1)));
  tasker_manager_set_update_interval (f->manager, 16);
  test_settle (f->manager);

  for (guint i = 0; i < n; i++)
    {
      LastUpdate *u = &updates[i];
      TaskerTask *task = g_ptr_array_index (tasks, i);

      g_assert_cmpuint (u->n_done, ==, 1);
      g_assert_cmpstr (u->done_message, ==, u->message);
      g_assert_cmpstr (tasker_task_get_message (task), ==, u->message);

      switch (u->ending)
        {
        case END_COMPLETE:
          test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
          g_assert_cmpfloat (u->done_progress, ==, 1.0);
          break;

        case END_FAIL:
          test_assert_status (task, TASKER_TASK_STATUS_FAILED);
          g_assert_cmpfloat (u->done_progress, ==, 0.37);
          g_assert_cmpfloat (tasker_task_get_progress (task), ==, 0.37);
          break;

        case END_CANCEL:
        default:
          test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
          g_assert_cmpfloat (u->done_progress, ==, 0.37);
          g_assert_cmpfloat (tasker_task_get_progress (task), ==, 0.37);
          break;
        }
      g_assert_cmpint (u->done_status, ==, tasker_task_get_status (task));

      g_free (u->done_message);
      test_gate_clear (&u->gate);
    }
}

/* The same for a coroutine whose last update comes from the main context. */
static void
test_last_update_kept_coroutine (TestFixture   *f,
                                 gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  TaskerContext *context = NULL;

  tasker_manager_set_update_interval (f->manager, 400);
  task = test_add_coroutine (f->manager, NULL, f->options, test_capture_context_cb, &context);
  TEST_WAIT_UNTIL (f->context, context != NULL);
  tasker_context_set_progress (context, 0.37);
  tasker_context_set_message (context, "last");
  tasker_context_return_new_error (context, TEST_ERROR, 4, "coroutine failed");
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));
  tasker_manager_set_update_interval (f->manager, 16);

  test_assert_status (task, TASKER_TASK_STATUS_FAILED);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 0.37);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "last");
  g_clear_object (&context);
}

typedef struct
{
  GThread *owner;
  GArray  *times;      /* (element-type gint64) monotonic µs of each emission */
  GArray  *n_items;    /* (element-type guint) */
  GArray  *progress;   /* (element-type double) */
  guint    n_final_items;       /* items in the model that were final */
  guint    n_wrong_thread;
  guint    n_inline;
  guint    n_bad_progress;
  GListModel *model;   /* (unowned) the model of the last emission */
} Emissions;

static void
emissions_init (Emissions *e)
{
  e->owner = g_thread_self ();
  e->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  e->n_items = g_array_new (FALSE, FALSE, sizeof (guint));
  e->progress = g_array_new (FALSE, FALSE, sizeof (double));
  e->n_final_items = 0;
  e->n_wrong_thread = 0;
  e->n_inline = 0;
  e->n_bad_progress = 0;
  e->model = NULL;
}

static void
emissions_clear (Emissions *e)
{
  g_array_unref (e->times);
  g_array_unref (e->n_items);
  g_array_unref (e->progress);
}

static guint
emissions_len (Emissions *e)
{
  return e->times->len;
}

static double
emissions_last_progress (Emissions *e)
{
  return e->progress->len > 0 ? g_array_index (e->progress, double, e->progress->len - 1) : -1.0;
}

static guint
emissions_last_n_items (Emissions *e)
{
  return e->n_items->len > 0 ? g_array_index (e->n_items, guint, e->n_items->len - 1) : G_MAXUINT;
}

static void
tasks_updated_cb (TaskerManager *manager,
                  GListModel    *tasks,
                  double         progress,
                  gpointer       data)
{
  Emissions *e = data;
  gint64 now = g_get_monotonic_time ();
  guint n = g_list_model_get_n_items (tasks);

  if (g_thread_self () != e->owner)
    e->n_wrong_thread++;
  if (test_in_submit ())
    e->n_inline++;
  if (!(progress >= 0.0 && progress <= 1.0) || (n == 0 && progress != 1.0))
    e->n_bad_progress++;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (tasks, i);

      if (tasker_task_is_final (task))
        e->n_final_items++;
    }

  g_array_append_val (e->times, now);
  g_array_append_val (e->n_items, n);
  g_array_append_val (e->progress, progress);
  e->model = tasks;
}

static void
test_tasks_updated_rate (TestFixture   *f,
                         gconstpointer  data)
{
  /* The gaps are measured in the handler, and the spinning threads may
   * delay the main thread by a few milliseconds on a small machine. */
  const guint interval_ms = 100;
  const gint64 tolerance_usec = test_under_valgrind () ? 50000 : 10000;
  Spinner spinners[2];
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  Emissions e;
  gint64 t0;
  double elapsed_ms;
  guint n_after;

  emissions_init (&e);
  g_signal_connect (f->manager, "tasks-updated", G_CALLBACK (tasks_updated_cb), &e);
  tasker_manager_set_update_interval (f->manager, interval_ms);
  tasker_manager_set_max_threads (f->manager, 3);

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (spinners); i++)
    {
      spinners[i] = (Spinner) { test_under_valgrind () ? 10000 : 100000, 500 * 1000, 0, 1 };
      g_ptr_array_add (tasks, test_run_thread (f->manager, NULL, f->options, spin_progress_cb, &spinners[i]));
    }
  test_settle (f->manager);
  elapsed_ms = (g_get_monotonic_time () - t0) / 1000.0;

  g_test_message ("%u emissions in %.0f ms", emissions_len (&e), elapsed_ms);
  g_assert_cmpuint (emissions_len (&e), >=, 2);
  g_assert_cmpfloat (emissions_len (&e), <=, elapsed_ms / interval_ms + 2);
  for (guint i = 1; i < e.times->len; i++)
    {
      gint64 gap = g_array_index (e.times, gint64, i) - g_array_index (e.times, gint64, i - 1);

      g_assert_cmpint (gap, >=, (gint64) interval_ms * 1000 - tolerance_usec);
    }

  /* The batch ends with one emission of an empty list and 1.0. */
  g_assert_cmpuint (emissions_last_n_items (&e), ==, 0);
  g_assert_cmpfloat (emissions_last_progress (&e), ==, 1.0);
  g_assert_cmpuint (e.n_final_items, ==, 0);
  g_assert_cmpuint (e.n_wrong_thread, ==, 0);
  g_assert_cmpuint (e.n_inline, ==, 0);
  g_assert_cmpuint (e.n_bad_progress, ==, 0);

  /* Nothing changed: nothing emitted. */
  n_after = emissions_len (&e);
  test_spin_for (f->context, 3 * interval_ms);
  g_assert_cmpuint (emissions_len (&e), ==, n_after);

  g_signal_handlers_disconnect_by_data (f->manager, &e);
  emissions_clear (&e);
}

typedef struct
{
  GThread *owner;
  guint    n;
  guint    n_wrong_thread;
  guint    n_inline;
} ItemsChanged;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    data)
{
  ItemsChanged *c = data;

  c->n++;
  if (g_thread_self () != c->owner)
    c->n_wrong_thread++;
  if (test_in_submit ())
    c->n_inline++;
}

static gboolean
model_has (GListModel *model,
           gpointer    task)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      if (item == task)
        return TRUE;
    }

  return FALSE;
}

static gboolean
model_has_final (GListModel *model)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (model, i);

      if (tasker_task_is_final (task))
        return TRUE;
    }

  return FALSE;
}

static void
gated_cb (TaskerContext *context,
          gpointer       data)
{
  test_gate_wait (data, NULL);
}

static void
test_tasks_model (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(GListModel) list = tasker_manager_list_tasks (f->manager);
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;
  g_autoptr(TaskerTask) c = NULL;
  ItemsChanged changes = { g_thread_self (), 0, 0, 0 };
  TestGate ga, gb, gc;
  Emissions e;

  test_gate_init (&ga);
  test_gate_init (&gb);
  test_gate_init (&gc);
  emissions_init (&e);
  g_signal_connect (f->manager, "tasks-updated", G_CALLBACK (tasks_updated_cb), &e);
  g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), &changes);

  g_assert_true (g_list_model_get_item_type (list) == TASKER_TYPE_TASK);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);

  tasker_manager_set_max_threads (f->manager, 3);
  a = test_run_thread (f->manager, NULL, f->options, gated_cb, &ga);
  b = test_run_thread (f->manager, NULL, f->options, gated_cb, &gb);
  c = test_run_thread (f->manager, NULL, f->options, gated_cb, &gc);

  /* The list changes only on the manager's context. */
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);
  g_assert_cmpuint (changes.n, ==, 0);

  TEST_WAIT_UNTIL (f->context, emissions_last_n_items (&e) == 3);
  g_assert_cmpuint (g_list_model_get_n_items (e.model), ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 3);
  g_assert_true (model_has (e.model, a) && model_has (e.model, b) && model_has (e.model, c));
  g_assert_true (model_has (list, a) && model_has (list, b) && model_has (list, c));
  g_assert_cmpuint (changes.n, >=, 1);

  /* A task that ended leaves the model. */
  test_gate_open (&gb);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (b));
  g_assert_false (model_has (list, b));
  g_assert_false (model_has_final (list));
  TEST_WAIT_UNTIL (f->context, emissions_last_n_items (&e) == 2);
  g_assert_false (model_has (e.model, b));
  g_assert_true (model_has (e.model, a) && model_has (e.model, c));

  test_gate_open (&ga);
  test_gate_open (&gc);
  test_settle (f->manager);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);
  g_assert_cmpuint (emissions_last_n_items (&e), ==, 0);
  g_assert_cmpfloat (emissions_last_progress (&e), ==, 1.0);

  g_assert_cmpuint (e.n_final_items, ==, 0);
  g_assert_cmpuint (e.n_wrong_thread, ==, 0);
  g_assert_cmpuint (e.n_inline, ==, 0);
  g_assert_cmpuint (e.n_bad_progress, ==, 0);
  g_assert_cmpuint (changes.n_wrong_thread, ==, 0);
  g_assert_cmpuint (changes.n_inline, ==, 0);

  g_signal_handlers_disconnect_by_data (f->manager, &e);
  g_signal_handlers_disconnect_by_data (list, &changes);
  emissions_clear (&e);
  test_gate_clear (&ga);
  test_gate_clear (&gb);
  test_gate_clear (&gc);
}

static void
wait_batch_progress (TestFixture *f,
                     Emissions   *e,
                     double       expected)
{
  TEST_TRY_WAIT_UNTIL (f->context, fabs (emissions_last_progress (e) - expected) < 1e-9, test_timeout_ms ());
  g_assert_cmpfloat_with_epsilon (emissions_last_progress (e), expected, 1e-9);
  g_assert_cmpfloat_with_epsilon (tasker_manager_get_overall_progress (f->manager), expected, 1e-9);
}

static TaskerTask *
start_driven (TestFixture    *f,
              TaskerContext **context)
{
  TaskerTask *task;

  *context = NULL;
  task = test_add_coroutine (f->manager, NULL, f->options, test_capture_context_cb, context);
  TEST_WAIT_UNTIL (f->context, *context != NULL);

  return task;
}

/* The mean over every task seen since the manager was last idle, finished
 * tasks counting 1.0; 1.0 when idle. */
static void
test_batch_progress (TestFixture   *f,
                     gconstpointer  data)
{
  TaskerTask *tasks[6];
  TaskerContext *contexts[6];
  Emissions e;

  emissions_init (&e);
  g_signal_connect (f->manager, "tasks-updated", G_CALLBACK (tasks_updated_cb), &e);

  /* Idle. */
  g_assert_cmpfloat (tasker_manager_get_overall_progress (f->manager), ==, 1.0);

  for (guint i = 0; i < 4; i++)
    tasks[i] = start_driven (f, &contexts[i]);
  TEST_WAIT_UNTIL (f->context, emissions_last_n_items (&e) == 4);
  wait_batch_progress (f, &e, 0.0);

  tasker_context_set_progress (contexts[0], 0.5);
  tasker_context_flush (contexts[0]);
  wait_batch_progress (f, &e, 0.5 / 4);

  tasker_context_return_pointer (contexts[0], NULL, NULL);
  wait_batch_progress (f, &e, 1.0 / 4);
  g_assert_cmpuint (emissions_last_n_items (&e), ==, 3);

  tasker_context_set_progress (contexts[1], 0.5);
  wait_batch_progress (f, &e, 1.5 / 4);

  /* A task joining the batch. */
  tasks[4] = start_driven (f, &contexts[4]);
  wait_batch_progress (f, &e, 1.5 / 5);
  g_assert_cmpuint (emissions_last_n_items (&e), ==, 4);

  /* A cancelled task counts as finished too. */
  tasker_task_cancel (tasks[2]);
  tasker_context_return_error_if_cancelled (contexts[2]);
  wait_batch_progress (f, &e, 2.5 / 5);

  for (guint i = 1; i < 5; i++)
    if (i != 2)
      tasker_context_return_pointer (contexts[i], NULL, NULL);
  test_settle (f->manager);
  g_assert_cmpuint (emissions_last_n_items (&e), ==, 0);
  g_assert_cmpfloat (emissions_last_progress (&e), ==, 1.0);
  g_assert_cmpfloat (tasker_manager_get_overall_progress (f->manager), ==, 1.0);

  /* A new batch starts from scratch. */
  tasks[5] = start_driven (f, &contexts[5]);
  TEST_WAIT_UNTIL (f->context, emissions_last_n_items (&e) == 1);
  wait_batch_progress (f, &e, 0.0);
  tasker_context_set_progress (contexts[5], 0.25);
  wait_batch_progress (f, &e, 0.25);
  tasker_context_return_pointer (contexts[5], NULL, NULL);
  test_settle (f->manager);
  g_assert_cmpuint (emissions_last_n_items (&e), ==, 0);
  g_assert_cmpfloat (emissions_last_progress (&e), ==, 1.0);

  g_assert_cmpuint (e.n_final_items, ==, 0);
  g_assert_cmpuint (e.n_wrong_thread, ==, 0);
  g_assert_cmpuint (e.n_inline, ==, 0);
  g_assert_cmpuint (e.n_bad_progress, ==, 0);

  for (guint i = 0; i < 6; i++)
    {
      g_object_unref (contexts[i]);
      g_object_unref (tasks[i]);
    }
  g_signal_handlers_disconnect_by_data (f->manager, &e);
  emissions_clear (&e);
}

/* Notifications come only on the manager's context, with coalesced values. */
static void
test_notify_on_context (TestFixture   *f,
                        gconstpointer  data)
{
  NotifyCount progress = { g_thread_self (), 0, 0 };
  NotifyCount message = { g_thread_self (), 0, 0 };
  NotifyCount status = { g_thread_self (), 0, 0 };
  Spinner s = { test_under_valgrind () ? 10000 : 100000, 100 * 1000, 0, 1 };
  g_autoptr(TaskerTask) task = NULL;

  task = test_run_thread (f->manager, NULL, f->options, spin_progress_cb, &s);
  g_signal_connect (task, "notify::progress", G_CALLBACK (count_notify_cb), &progress);
  g_signal_connect (task, "notify::message", G_CALLBACK (count_notify_cb), &message);
  g_signal_connect (task, "notify::status", G_CALLBACK (count_notify_cb), &status);
  test_settle (f->manager);

  g_assert_cmpuint (progress.n, >=, 1);
  g_assert_cmpuint (message.n, >=, 1);
  g_assert_cmpuint (status.n, ==, 2);
  g_assert_cmpuint (progress.n_wrong_thread, ==, 0);
  g_assert_cmpuint (message.n_wrong_thread, ==, 0);
  g_assert_cmpuint (status.n_wrong_thread, ==, 0);

  g_signal_handlers_disconnect_by_data (task, &progress);
  g_signal_handlers_disconnect_by_data (task, &message);
  g_signal_handlers_disconnect_by_data (task, &status);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST_ADD ("/Tasker/Delivery/coalescing-one-task", test_coalescing_one_task);
  TEST_ADD ("/Tasker/Delivery/coalescing-many-tasks", test_coalescing_many_tasks);
  TEST_ADD ("/Tasker/Delivery/flush-delivers-now", test_flush_delivers_now);
  TEST_ADD ("/Tasker/Delivery/flush-from-thread", test_flush_from_thread);
  TEST_ADD ("/Tasker/Delivery/last-update-kept", test_last_update_kept);
  TEST_ADD ("/Tasker/Delivery/last-update-kept-coroutine", test_last_update_kept_coroutine);
  TEST_ADD ("/Tasker/Delivery/tasks-updated-rate", test_tasks_updated_rate);
  TEST_ADD ("/Tasker/Delivery/tasks-model", test_tasks_model);
  TEST_ADD ("/Tasker/Delivery/batch-progress", test_batch_progress);
  TEST_ADD ("/Tasker/Delivery/notify-on-context", test_notify_on_context);

  return g_test_run ();
}
