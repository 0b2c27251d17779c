/* test-delivery.c — coalesced updates, flush, the last update, tasks-updated
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <math.h>
#include <string.h>

#include "tasker-test.h"
#include "tasker-task-list-private.h"
#include "tasker-task-private.h"

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

/* The live list on its own: removals in every order a pool produces (in
 * order, neighbours swapped, reversed, scattered, a straggler left behind for
 * rounds, a task gone before it was ever committed). After each commit the
 * model holds exactly the live tasks in the order they joined, and a copy
 * kept only from ::items-changed says the same. As the manager does, the test
 * lends each task a reference while it is in the list and hands that
 * reference over when it removes the task. */

static const TaskerTaskSink list_test_sink = { NULL };

static void
mirror_items_changed_cb (GListModel *model,
                         guint       position,
                         guint       removed,
                         guint       added,
                         gpointer    data)
{
  GPtrArray *mirror = data;

  g_ptr_array_remove_range (mirror, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (mirror, position + i, g_list_model_get_item (model, position + i));
}

static void
assert_list_is (TaskerTaskList *list,
                GPtrArray      *mirror,
                GPtrArray      *expected)
{
  GListModel *model = G_LIST_MODEL (list);

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, expected->len);
  g_assert_cmpuint (mirror->len, ==, expected->len);
  for (guint i = 0; i < expected->len; i++)
    {
      g_autoptr(TaskerTask) item = g_list_model_get_item (model, i);

      g_assert_true (item == g_ptr_array_index (expected, i));
      g_assert_true (g_ptr_array_index (mirror, i) == item);
    }
}

static void
list_add_tasks (TaskerTaskList *list,
                GPtrArray      *expected,
                guint64        *next_id,
                guint           n)
{
  for (guint i = 0; i < n; i++)
    {
      /* The new reference is the one lent to the list. */
      TaskerTask *task = _tasker_task_new_remote ((*next_id)++, &list_test_sink);

      _tasker_task_list_add (list, task);
      g_ptr_array_add (expected, g_object_ref (task));
    }
}

/* Removes @order's tasks (indices into @expected) in that order, then commits. */
static void
list_remove_and_commit (TaskerTaskList *list,
                        GPtrArray      *mirror,
                        GPtrArray      *expected,
                        GArray         *order)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();

  for (guint i = 0; i < order->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (expected, g_array_index (order, guint, i));

      _tasker_task_list_remove (list, task);
      g_ptr_array_add (gone, task);
    }
  for (guint i = 0; i < gone->len; i++)
    g_ptr_array_remove (expected, g_ptr_array_index (gone, i));

  g_assert_true (_tasker_task_list_commit (list) == (order->len > 0));
  assert_list_is (list, mirror, expected);
}

static void
live_list_removals_in_any_order (void)
{
  g_autoptr(TaskerTaskList) list = _tasker_task_list_new ();
  g_autoptr(GPtrArray) mirror = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GRand) rand = g_rand_new_with_seed (18);
  guint64 next_id = 1;
  TaskerTask *pending, *committed, *lent;

  g_signal_connect (list, "items-changed", G_CALLBACK (mirror_items_changed_cb), mirror);

  list_add_tasks (list, expected, &next_id, 1500);
  g_assert_true (_tasker_task_list_commit (list));
  assert_list_is (list, mirror, expected);

  /* Two threads' worth: from the front, neighbours swapped, one left behind. */
  for (guint i = 0; i + 1 < 400; i += 2)
    if (i != 10)
      {
        g_array_append_val (order, (guint) { i + 1 });
        g_array_append_val (order, i);
      }
  g_array_append_val (order, (guint) { 11 });
  list_remove_and_commit (list, mirror, expected, order);
  g_assert_cmpuint (tasker_task_get_id (g_ptr_array_index (expected, 0)), ==, 11);

  /* More join behind the straggler; the next ones end in order, then it does. */
  list_add_tasks (list, expected, &next_id, 300);
  g_array_set_size (order, 0);
  for (guint i = 1; i < 200; i++)
    g_array_append_val (order, i);
  g_array_append_val (order, (guint) { 0 });
  list_remove_and_commit (list, mirror, expected, order);

  /* Reversed: past the insertion sort's budget. */
  g_array_set_size (order, 0);
  for (guint i = 600; i > 100; i--)
    g_array_append_val (order, i);
  list_remove_and_commit (list, mirror, expected, order);

  /* Scattered at random, a few rounds, with tasks joining in between; one
   * joins and leaves between two commits and never shows. */
  for (guint round = 0; round < 6; round++)
    {
      g_autoptr(TaskerTask) brief = _tasker_task_new_remote (next_id++, &list_test_sink);
      guint n = expected->len;
      g_autofree gboolean *picked = g_new0 (gboolean, n);

      list_add_tasks (list, expected, &next_id, 100);
      _tasker_task_list_add (list, g_object_ref (brief));
      _tasker_task_list_remove (list, brief);

      g_array_set_size (order, 0);
      for (guint k = 0; k < (round % 2 == 0 ? 40 : n / 3); k++)
        {
          guint i = g_rand_int_range (rand, 0, n);

          if (!picked[i])
            {
              picked[i] = TRUE;
              g_array_append_val (order, i);
            }
        }
      list_remove_and_commit (list, mirror, expected, order);
      g_assert_false (brief->slot.in_list);
    }

  /* Everything, last first. */
  g_array_set_size (order, 0);
  for (guint i = expected->len; i > 0; i--)
    g_array_append_val (order, (guint) { i - 1 });
  list_remove_and_commit (list, mirror, expected, order);
  g_assert_cmpuint (expected->len, ==, 0);

  g_signal_handlers_disconnect_by_data (list, mirror);

  /* A task in the list is only lent to it: the list lets go of it without
   * unreffing. A removed one whose removal was not committed yet, before or
   * after it was in the model, is the list's and goes with it. */
  lent = _tasker_task_new_remote (next_id++, &list_test_sink);
  g_object_add_weak_pointer (G_OBJECT (lent), (gpointer *) &lent);
  _tasker_task_list_add (list, lent);
  committed = _tasker_task_new_remote (next_id++, &list_test_sink);
  g_object_add_weak_pointer (G_OBJECT (committed), (gpointer *) &committed);
  _tasker_task_list_add (list, committed);
  g_assert_true (_tasker_task_list_commit (list));
  _tasker_task_list_remove (list, committed);
  pending = _tasker_task_new_remote (next_id++, &list_test_sink);
  g_object_add_weak_pointer (G_OBJECT (pending), (gpointer *) &pending);
  _tasker_task_list_add (list, pending);
  _tasker_task_list_remove (list, pending);
  g_assert_nonnull (pending);
  g_assert_nonnull (committed);
  g_clear_object (&list);
  g_assert_null (pending);
  g_assert_null (committed);
  g_assert_nonnull (lent);
  g_assert_cmpuint (G_OBJECT (lent)->ref_count, ==, 1);
  g_object_unref (lent);
  g_assert_null (lent);
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

/* Tests without a fixture: each sets up its own manager, most on GLib's
 * default main context, and checks what it needs itself. */

typedef struct
{
  TestGate gate;
  TestGate done_updating;
  guint    n_updates;
} Spammer;

static void
spam_func (TaskerContext *context,
           gpointer       data)
{
  Spammer *spammer = data;

  for (guint i = 0; i < spammer->n_updates; i++)
    tasker_context_set_progress (context, (double) i / spammer->n_updates);
  tasker_context_set_message (context, "last message");
  test_gate_open (&spammer->done_updating);
  test_gate_wait (&spammer->gate, NULL);
}

static gboolean
gate_is_open (gpointer data)
{
  TestGate *gate = data;
  gboolean open;

  g_mutex_lock (&gate->mutex);
  open = gate->open;
  g_mutex_unlock (&gate->mutex);

  return open;
}

static void
updates_are_coalesced (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  TaskerTask *tasks[4] = { NULL };
  Spammer spammers[4];
  const guint interval_ms = 200;
  guint64 wakeups_before;
  gint64 start;
  double elapsed_ms;
  guint64 wakeups;

  tasker_manager_set_update_interval (manager, interval_ms);
  g_assert_cmpuint (tasker_manager_get_update_interval (manager), ==, interval_ms);
  tasker_manager_set_max_threads (manager, 4);

  /* Let the submits and starts be delivered first. */
  for (guint i = 0; i < G_N_ELEMENTS (spammers); i++)
    {
      test_gate_init (&spammers[i].gate);
      test_gate_init (&spammers[i].done_updating);
      spammers[i].n_updates = g_getenv ("TASKER_UNDER_VALGRIND") ? 20000 : 1000000;
    }

  wakeups_before = _tasker_manager_get_n_wakeups (manager);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (spammers); i++)
    tasks[i] = tasker_manager_run_thread (manager, NULL, NULL, spam_func, &spammers[i], NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (spammers); i++)
    TEST_WAIT_UNTIL (tasker_manager_get_context (manager),
                     gate_is_open (&spammers[i].done_updating));
  test_spin_for (tasker_manager_get_context (manager), interval_ms + 50);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000.0;
  wakeups = _tasker_manager_get_n_wakeups (manager) - wakeups_before;

  /* Four tasks, millions of updates: the submit wake-up, then at most one
   * per interval, however many tasks update. */
  g_test_message ("%" G_GUINT64_FORMAT " wake-ups in %.0f ms", wakeups, elapsed_ms);
  g_assert_cmpuint (wakeups, <=, 2 + (guint64) (elapsed_ms / interval_ms) + 1);

  /* The last update is delivered, not lost. */
  for (guint i = 0; i < G_N_ELEMENTS (spammers); i++)
    {
      g_assert_cmpfloat_with_epsilon (tasker_task_get_progress (tasks[i]),
                                      (spammers[i].n_updates - 1.0) / spammers[i].n_updates, 1e-12);
      g_assert_cmpstr (tasker_task_get_message (tasks[i]), ==, "last message");
      test_gate_open (&spammers[i].gate);
    }
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  for (guint i = 0; i < G_N_ELEMENTS (spammers); i++)
    {
      g_object_unref (tasks[i]);
      test_gate_clear (&spammers[i].gate);
      test_gate_clear (&spammers[i].done_updating);
    }
}

typedef struct
{
  TestGate flushed;
  TestGate release;
} Flusher;

static void
flush_func (TaskerContext *context,
            gpointer       data)
{
  Flusher *flusher = data;

  tasker_context_set_message (context, "now, please");
  tasker_context_flush (context);
  test_gate_open (&flusher->flushed);
  test_gate_wait (&flusher->release, NULL);
}

static gboolean
has_message (gpointer task)
{
  return tasker_task_get_message (task) != NULL;
}

static void
flush_delivers_now (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  Flusher flusher;
  gint64 start;

  test_gate_init (&flusher.flushed);
  test_gate_init (&flusher.release);
  /* Without a flush this would not arrive for a minute. */
  tasker_manager_set_update_interval (manager, 60000);
  task = tasker_manager_run_thread (manager, NULL, NULL, flush_func, &flusher, NULL, NULL);
  test_gate_wait (&flusher.flushed, NULL);
  start = g_get_monotonic_time ();
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), has_message (task));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 30 * G_USEC_PER_SEC);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "now, please");

  test_gate_open (&flusher.release);
  tasker_manager_set_update_interval (manager, 16);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  test_gate_clear (&flusher.flushed);
  test_gate_clear (&flusher.release);
}

typedef struct
{
  gint64    last_time;
  gint64    min_gap;
  guint     n_emissions;
  guint     last_n_items;
  double    last_progress;
  GArray   *progress;       /* (element-type double) */
  gboolean  saw_final;
  gboolean  model_matches;
  TaskerManager *manager;
} Updates;

static void
batch_updated_cb (TaskerManager *manager,
                  GListModel    *tasks,
                  double         progress,
                  Updates       *updates)
{
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GListModel) live = tasker_manager_list_tasks (manager);

  if (updates->n_emissions > 0)
    updates->min_gap = MIN (updates->min_gap, now - updates->last_time);
  updates->last_time = now;
  updates->n_emissions++;
  updates->last_n_items = g_list_model_get_n_items (tasks);
  updates->last_progress = progress;
  g_array_append_val (updates->progress, progress);
  updates->model_matches &= (tasks == live);
  g_assert_cmpfloat (progress, ==, tasker_manager_get_overall_progress (manager));

  /* Every item is an unfinished task. */
  for (guint i = 0; i < updates->last_n_items; i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (tasks, i);
      g_assert_false (tasker_task_is_final (task));
    }
}

typedef struct
{
  TestGate gate;
  double   progress;
} Holder;

static void
hold_func (TaskerContext *context,
           gpointer       data)
{
  Holder *holder = data;

  tasker_context_set_progress (context, holder->progress);
  tasker_context_flush (context);
  test_gate_wait (&holder->gate, NULL);
}

static gboolean
n_items_is (TaskerManager *manager,
            guint          n)
{
  g_autoptr(GListModel) live = tasker_manager_list_tasks (manager);

  return g_list_model_get_n_items (live) == n;
}

static gboolean
three_live (gpointer manager)
{
  return n_items_is (manager, 3);
}

static gboolean
progress_reached (gpointer data)
{
  Updates *updates = data;

  return updates->last_n_items == 2 &&
         G_APPROX_VALUE (updates->last_progress, (1.0 + 0.5 + 0.5) / 3.0, 1e-9);
}

static gboolean
two_thirds_or_more (gpointer data)
{
  Updates *updates = data;

  return updates->last_n_items == 2 && updates->last_progress > 0.5;
}

static void
tasks_updated_reports_live_tasks_and_batch_progress (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) quick = NULL;
  g_autoptr(TaskerTask) half_a = NULL;
  g_autoptr(TaskerTask) half_b = NULL;
  Holder quick_holder = { .progress = 0.0 };
  Holder a = { .progress = 0.5 };
  Holder b = { .progress = 0.5 };
  Updates updates = { .min_gap = G_MAXINT64, .model_matches = TRUE };
  const guint interval_ms = 100;

  updates.progress = g_array_new (FALSE, FALSE, sizeof (double));
  test_gate_init (&quick_holder.gate);
  test_gate_init (&a.gate);
  test_gate_init (&b.gate);

  /* Idle, never used: progress 1, settled. */
  g_assert_cmpfloat (tasker_manager_get_overall_progress (manager), ==, 1.0);
  g_assert_true (tasker_manager_wait_until_settled (manager, 0));

  tasker_manager_set_update_interval (manager, interval_ms);
  tasker_manager_set_max_threads (manager, 3);
  g_signal_connect (manager, "tasks-updated", G_CALLBACK (batch_updated_cb), &updates);

  quick = tasker_manager_run_thread (manager, NULL, NULL, hold_func, &quick_holder, NULL, NULL);
  half_a = tasker_manager_run_thread (manager, NULL, NULL, hold_func, &a, NULL, NULL);
  half_b = tasker_manager_run_thread (manager, NULL, NULL, hold_func, &b, NULL, NULL);
  g_assert_false (tasker_manager_wait_until_settled (manager, 0));
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), three_live (manager));

  /* One ends: the batch is the mean of 1, 0.5 and 0.5 over the three seen. */
  test_gate_open (&quick_holder.gate);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), two_thirds_or_more (&updates));
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), progress_reached (&updates));

  test_gate_open (&a.gate);
  test_gate_open (&b.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

  /* The last emission of the batch: an empty list and exactly 1. */
  g_assert_cmpuint (updates.last_n_items, ==, 0);
  g_assert_cmpfloat (updates.last_progress, ==, 1.0);
  g_assert_cmpfloat (tasker_manager_get_overall_progress (manager), ==, 1.0);
  g_assert_true (updates.model_matches);
  /* At most once per interval (a little slack for timer rounding). */
  g_assert_cmpuint (updates.n_emissions, >=, 2);
  g_assert_cmpint (updates.min_gap, >=, (interval_ms - 5) * 1000);
  /* Batch progress never goes backwards within a batch here. */
  for (guint i = 1; i < updates.progress->len; i++)
    g_assert_cmpfloat (g_array_index (updates.progress, double, i), >=,
                       g_array_index (updates.progress, double, i - 1));

  g_array_unref (updates.progress);
  test_gate_clear (&quick_holder.gate);
  test_gate_clear (&a.gate);
  test_gate_clear (&b.gate);
}

static void
noop_func (TaskerContext *context,
           gpointer       data)
{
}

typedef struct
{
  guint n_done;
  guint n_done_at_final;   /* done functions that had run at the empty emission */
  guint n_final;
} Settle;

static void
settle_done_cb (TaskerTask *task,
                gpointer    data)
{
  ((Settle *) data)->n_done++;
}

static void
settle_updated_cb (TaskerManager *manager,
                   GListModel    *tasks,
                   double         progress,
                   Settle        *settle)
{
  if (g_list_model_get_n_items (tasks) == 0)
    {
      g_assert_cmpfloat (progress, ==, 1.0);
      settle->n_final++;
      settle->n_done_at_final = settle->n_done;
    }
}

static void
settled_means_everything_delivered (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  Settle settle = { 0 };
  const guint n = 200;

  tasker_task_options_set_done_func (options, settle_done_cb, &settle, NULL);
  g_signal_connect (manager, "tasks-updated", G_CALLBACK (settle_updated_cb), &settle);

  for (guint i = 0; i < n; i++)
    g_object_unref (tasker_manager_run_thread (manager, NULL, options, noop_func, NULL, NULL, NULL));

  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  /* Every done function ran before the batch's last, empty emission. */
  g_assert_cmpuint (settle.n_done, ==, n);
  g_assert_cmpuint (settle.n_final, ==, 1);
  g_assert_cmpuint (settle.n_done_at_final, ==, n);
  /* Settled stays settled, and checking with 0 does not wait. */
  g_assert_true (tasker_manager_wait_until_settled (manager, 0));
}

static void
wait_times_out (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  Holder holder = { .progress = 0.1 };
  gint64 start;

  test_gate_init (&holder.gate);
  task = tasker_manager_run_thread (manager, NULL, NULL, hold_func, &holder, NULL, NULL);
  g_assert_false (tasker_manager_wait_until_settled (manager, 0));
  start = g_get_monotonic_time ();
  g_assert_false (tasker_manager_wait_until_settled (manager, 100));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 90 * 1000);
  test_gate_open (&holder.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, -1));
  test_gate_clear (&holder.gate);
}

typedef struct
{
  TestGate started;
  TestGate release;
} Once;

static void
progress_once_func (TaskerContext *context,
                    gpointer       data)
{
  Once *once = data;

  tasker_context_set_progress (context, 0.3);
  test_gate_open (&once->started);
  test_gate_wait (&once->release, NULL);
}

/* Plays the store-buffering race: a value stored by the task's thread just
 * as the manager cleared the dirty mark and read the old value, so nothing
 * marks the task again. */
static void
store_behind_the_sync (GObject    *object,
                       GParamSpec *pspec,
                       gpointer    data)
{
  TaskerTask *task = TASKER_TASK (object);
  double late = 0.7;
  guint64 bits;

  if (tasker_task_get_progress (task) != 0.3)
    return;

  memcpy (&bits, &late, sizeof bits);
  __atomic_store_n (&task->shared_progress, bits, __ATOMIC_RELAXED);
}

static gboolean
progress_is_late_value (gpointer data)
{
  return tasker_task_get_progress (data) == 0.7;
}

/* A progress that misses its sync by a hair is still delivered, a dispatch
 * later, though the task says nothing more and does not end. */
static void
progress_stored_during_a_sync_is_not_lost (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  Once once;

  test_gate_init (&once.started);
  test_gate_init (&once.release);
  tasker_manager_set_update_interval (manager, 20);

  task = tasker_manager_run_thread (manager, NULL, NULL, progress_once_func, &once, NULL, NULL);
  g_signal_connect (task, "notify::progress", G_CALLBACK (store_behind_the_sync), NULL);
  test_gate_wait (&once.started, NULL);

  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), progress_is_late_value (task));
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_RUNNING);

  test_gate_open (&once.release);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  test_gate_clear (&once.started);
  test_gate_clear (&once.release);
}

typedef struct
{
  TaskerContext *parent;
  guint          n_reports;
} Report;

static void
report_parent_progress (GObject    *child,
                        GParamSpec *pspec,
                        gpointer    data)
{
  Report *report = data;

  report->n_reports++;
  tasker_context_set_progress (report->parent, report->n_reports / 10.0);
}

/* A task stays marked dirty until a dispatch takes it off the manager's
 * stack, however often it is synced meanwhile. Here a parent reports, from
 * its first child's notify, within the dispatch that then syncs it for its
 * second child, and reports again from that child's notify. Were the second
 * sync to clear the mark, the parent would be pushed twice, its link would
 * point at itself and the next dispatch would never end. */
static void
test_marked_task_synced_elsewhere (TestFixture   *f,
                                   gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) parent_options = tasker_task_options_new ();
  g_autoptr(TaskerTaskOptions) child_options = tasker_task_options_new ();
  g_autoptr(TaskerTask) parent = NULL;
  TaskerTask *children[2];
  TaskerContext *child_contexts[2] = { NULL, NULL };
  Report report = { NULL, 0 };

  tasker_task_options_set_children_weight (parent_options, 0.5);
  parent = test_add_coroutine (f->manager, NULL, parent_options, test_capture_context_cb, &report.parent);
  TEST_WAIT_UNTIL (f->context, report.parent != NULL);

  tasker_task_options_set_parent (child_options, parent);
  for (guint i = 0; i < 2; i++)
    {
      children[i] = test_add_coroutine (f->manager, NULL, child_options, test_capture_context_cb, &child_contexts[i]);
      TEST_WAIT_UNTIL (f->context, child_contexts[i] != NULL);
      g_signal_connect (children[i], "notify::progress", G_CALLBACK (report_parent_progress), &report);
    }
  /* Both children's reports reach the same dispatch. */
  tasker_context_set_progress (child_contexts[0], 0.5);
  tasker_context_set_progress (child_contexts[1], 0.5);
  TEST_WAIT_UNTIL (f->context, report.n_reports == 2);
  TEST_WAIT_UNTIL (f->context, tasker_task_get_progress (parent) == 0.5 * 0.2 + 0.5 * 0.5);

  for (guint i = 0; i < 2; i++)
    {
      tasker_context_return_value (child_contexts[i], NULL);
      g_clear_object (&child_contexts[i]);
      g_signal_handlers_disconnect_by_data (children[i], &report);
      g_object_unref (children[i]);
    }
  tasker_context_return_value (report.parent, NULL);
  g_clear_object (&report.parent);
  test_settle (f->manager);
  test_assert_status (parent, TASKER_TASK_STATUS_COMPLETED);
}

typedef struct
{
  TaskerManager *manager;
  guint          n;            /* events to send */
  int            sent;         /* (atomic) send_event calls returned */
  guint          delivered;
  guint          out_of_order;
  guint          max_waiting;  /* most undelivered events seen at once */
  guint          at_done;      /* delivered when when_done ran */
  gboolean       done;
  guint          idle_runs;
  guint          delivered_at_idle; /* delivered when the idle source first ran */
  gboolean       idle_attached;
  gboolean       count_waiting;
} Flood;

static void
flood_func (TaskerContext *context,
            gpointer       data)
{
  Flood *flood = data;

  for (guint i = 0; i < flood->n; i++)
    {
      tasker_context_send_event (context, "n", g_variant_new_uint32 (i));
      g_atomic_int_inc (&flood->sent);
    }
}

static gboolean
idle_cb (gpointer data)
{
  Flood *flood = data;

  if (flood->idle_runs++ == 0)
    flood->delivered_at_idle = flood->delivered;

  return G_SOURCE_REMOVE;
}

static void
flood_event_cb (TaskerTask *task,
                const char *name,
                GVariant   *data,
                gpointer    user_data)
{
  Flood *flood = user_data;
  /* (A scan of the inbox: only where it is bounded.) */
  guint waiting = flood->count_waiting ? _tasker_manager_count_events (flood->manager, task) : 0;

  if (g_variant_get_uint32 (data) != flood->delivered)
    flood->out_of_order++;
  flood->delivered++;
  flood->max_waiting = MAX (flood->max_waiting, waiting);

  /* Well into the flood: an idle source of the program's must still get
   * its turn before the flood is over. */
  if (flood->delivered == 1000 && !flood->idle_attached)
    {
      GSource *idle = g_idle_source_new ();

      flood->idle_attached = TRUE;
      g_source_set_priority (idle, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (idle, idle_cb, flood, NULL);
      g_source_attach (idle, tasker_manager_get_context (flood->manager));
      g_source_unref (idle);
    }
}

static void
flood_done_cb (TaskerTask *task,
               gpointer    user_data)
{
  Flood *flood = user_data;

  flood->at_done = flood->delivered;
  flood->done = TRUE;
}

static gboolean
flood_is_done (gpointer data)
{
  return ((Flood *) data)->done;
}

/* A task sending events as fast as it can: at most TASKER_TASK_EVENTS_MAX
 * wait for delivery at any time (the sender waits), all arrive in order and
 * before when_done, and the flood does not keep an idle source of
 * G_PRIORITY_DEFAULT_IDLE from running (DESIGN.md §4 Bounds, Events). */
static void
event_flood_is_bounded_and_yields (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;
  Flood flood = { manager, 100000 };

  flood.count_waiting = TRUE;
  tasker_task_options_set_event_func (options, flood_event_cb, &flood, NULL);
  tasker_task_options_set_done_func (options, flood_done_cb, &flood, NULL);
  task = tasker_manager_run_thread (manager, NULL, options, flood_func, &flood, NULL, NULL);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), flood_is_done (&flood));

  g_assert_cmpuint (flood.delivered, ==, flood.n);
  g_assert_cmpuint (flood.at_done, ==, flood.n);
  g_assert_cmpuint (flood.out_of_order, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&flood.sent), ==, flood.n);
  /* The one being delivered, and at most the bound behind it. */
  g_assert_cmpuint (flood.max_waiting, <=, TASKER_TASK_EVENTS_MAX + 1);
  g_assert_true (flood.idle_attached);
  g_assert_cmpuint (flood.idle_runs, ==, 1);
  g_assert_cmpuint (flood.delivered_at_idle, <, flood.n);
}

static void
flood_coroutine (TaskerContext *context,
                 gpointer       data)
{
  flood_func (context, data);
  tasker_context_return_value (context, NULL);
}

/* A coroutine on the manager's own thread cannot wait for room: its whole
 * flood is queued at once. Delivering it still leaves the main loop to
 * lower priorities within a frame's worth of work (the manager's source
 * yields), so the idle source runs long before the flood is over. */
static void
event_flood_on_the_main_thread_yields (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;
  Flood flood = { manager, 100000 };

  tasker_task_options_set_event_func (options, flood_event_cb, &flood, NULL);
  tasker_task_options_set_done_func (options, flood_done_cb, &flood, NULL);
  task = tasker_manager_run_coroutine (manager, NULL, options, flood_coroutine, &flood, NULL, NULL);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), flood_is_done (&flood));

  g_assert_cmpuint (flood.delivered, ==, flood.n);
  g_assert_cmpuint (flood.at_done, ==, flood.n);
  g_assert_cmpuint (flood.out_of_order, ==, 0);
  g_assert_true (flood.idle_attached);
  g_assert_cmpuint (flood.idle_runs, ==, 1);
  g_assert_cmpuint (flood.delivered_at_idle, <, flood.n);
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
  TEST_ADD ("/Tasker/Delivery/marked-task-synced-elsewhere", test_marked_task_synced_elsewhere);
  g_test_add_func ("/Tasker/Delivery/live-list-removals-in-any-order", live_list_removals_in_any_order);
  g_test_add_func ("/Tasker/Delivery/updates-coalesced", updates_are_coalesced);
  g_test_add_func ("/Tasker/Delivery/flush-beats-long-interval", flush_delivers_now);
  g_test_add_func ("/Tasker/Delivery/tasks-updated", tasks_updated_reports_live_tasks_and_batch_progress);
  g_test_add_func ("/Tasker/Delivery/settled-means-delivered", settled_means_everything_delivered);
  g_test_add_func ("/Tasker/Delivery/wait-times-out", wait_times_out);
  g_test_add_func ("/Tasker/Delivery/progress-stored-during-sync", progress_stored_during_a_sync_is_not_lost);
  g_test_add_func ("/Tasker/Delivery/event-flood-bounded-and-yields", event_flood_is_bounded_and_yields);
  g_test_add_func ("/Tasker/Delivery/event-flood-main-thread-yields", event_flood_on_the_main_thread_yields);

  return g_test_run ();
}
