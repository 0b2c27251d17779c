/* test-context.c — what a task function does through its TaskerContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tasker-test.h"
#include "tasker-task-private.h"

/* Most of these drive a coroutine task's context from the test itself (a
 * context is callable from any thread), flush, and read what the manager
 * delivered. */

typedef struct
{
  TaskerTask    *task;
  TaskerContext *context;
} Driven;

static void
driven_start (TestFixture *f,
              Driven      *d)
{
  d->context = NULL;
  d->task = test_add_coroutine (f->manager, NULL, f->options, test_capture_context_cb, &d->context);
  TEST_WAIT_UNTIL (f->context, d->context != NULL);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (d->task));
}

static void
driven_finish (TestFixture *f,
               Driven      *d)
{
  tasker_context_return_pointer (d->context, NULL, NULL);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (d->task));
  test_assert_status (d->task, TASKER_TASK_STATUS_COMPLETED);
  g_clear_object (&d->context);
  g_clear_object (&d->task);
}

/* Sets @progress on @context and returns what the task shows afterwards. */
static double
progress_after (TestFixture   *f,
                Driven        *d,
                TaskerContext *context,
                double         progress)
{
  tasker_context_set_progress (context, progress);
  test_flush_and_wait (f, d->context);
  return tasker_task_get_progress (d->task);
}

static void
test_progress_fraction (TestFixture   *f,
                        gconstpointer  data)
{
  Driven d;

  driven_start (f, &d);
  g_assert_cmpfloat (tasker_task_get_progress (d.task), ==, 0.0);
  g_assert_cmpfloat (progress_after (f, &d, d.context, 0.25), ==, 0.25);
  g_assert_cmpfloat (progress_after (f, &d, d.context, 0.5), ==, 0.5);
  /* Progress may go back. */
  g_assert_cmpfloat (progress_after (f, &d, d.context, 0.125), ==, 0.125);
  g_assert_cmpfloat (progress_after (f, &d, d.context, 1.0), ==, 1.0);
  g_assert_cmpfloat (progress_after (f, &d, d.context, 0.0), ==, 0.0);
  driven_finish (f, &d);
}

static void
test_progress_units (TestFixture   *f,
                     gconstpointer  data)
{
  Driven d;

  driven_start (f, &d);
  tasker_context_set_total (d.context, 200);
  g_assert_cmpfloat_with_epsilon (progress_after (f, &d, d.context, 50), 0.25, 1e-12);
  g_assert_cmpfloat_with_epsilon (progress_after (f, &d, d.context, 200), 1.0, 1e-12);
  tasker_context_set_total (d.context, 4);
  g_assert_cmpfloat_with_epsilon (progress_after (f, &d, d.context, 3), 0.75, 1e-12);
  /* A total needs not be whole. */
  tasker_context_set_total (d.context, 2.5);
  g_assert_cmpfloat_with_epsilon (progress_after (f, &d, d.context, 0.5), 0.2, 1e-12);
  driven_finish (f, &d);
}

static void
test_progress_clamped (TestFixture   *f,
                       gconstpointer  data)
{
  Driven d;

  driven_start (f, &d);
  g_assert_cmpfloat (progress_after (f, &d, d.context, 0.5), ==, 0.5);
  g_assert_cmpfloat (progress_after (f, &d, d.context, -0.5), ==, 0.0);
  g_assert_cmpfloat (progress_after (f, &d, d.context, 1.5), ==, 1.0);
  g_assert_cmpfloat (progress_after (f, &d, d.context, -1e300), ==, 0.0);
  g_assert_cmpfloat (progress_after (f, &d, d.context, 1e300), ==, 1.0);

  tasker_context_set_total (d.context, 10);
  g_assert_cmpfloat (progress_after (f, &d, d.context, 20), ==, 1.0);
  g_assert_cmpfloat (progress_after (f, &d, d.context, -3), ==, 0.0);
  driven_finish (f, &d);
}

static void
test_progress_nan_ignored (TestFixture   *f,
                           gconstpointer  data)
{
  Driven d;

  driven_start (f, &d);
  g_assert_cmpfloat (progress_after (f, &d, d.context, 0.4), ==, 0.4);

  /* Ignored with a warning, never an error or a crash. */
  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*");
  g_assert_cmpfloat (progress_after (f, &d, d.context, NAN), ==, 0.4);
  g_test_assert_expected_messages ();

  tasker_context_set_total (d.context, 10);
  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*");
  g_assert_cmpfloat (progress_after (f, &d, d.context, NAN), ==, 0.4);
  g_test_assert_expected_messages ();

  test_assert_status (d.task, TASKER_TASK_STATUS_RUNNING);
  driven_finish (f, &d);
}

static void
test_total_invalid_ignored (TestFixture   *f,
                            gconstpointer  data)
{
  const double bad[] = { 0.0, -5.0, NAN, -0.0 };
  Driven d;

  driven_start (f, &d);
  tasker_context_set_total (d.context, 10);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*");
      tasker_context_set_total (d.context, bad[i]);
      g_test_assert_expected_messages ();
    }

  /* The total is still 10. */
  g_assert_cmpfloat_with_epsilon (progress_after (f, &d, d.context, 5), 0.5, 1e-12);

  /* Also on a fresh context: the default stays fractions. */
  {
    g_autoptr(TaskerContext) sub = tasker_context_sub_context (d.context, 0.0, 1.0, 1.0);

    g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*");
    tasker_context_set_total (sub, 0.0);
    g_test_assert_expected_messages ();
    g_assert_cmpfloat_with_epsilon (progress_after (f, &d, sub, 0.3), 0.3, 1e-12);
  }

  test_assert_status (d.task, TASKER_TASK_STATUS_RUNNING);
  driven_finish (f, &d);
}

static void
test_sub_context (TestFixture   *f,
                  gconstpointer  data)
{
  Driven d;

  driven_start (f, &d);

  {
    g_autoptr(TaskerContext) sub = tasker_context_sub_context (d.context, 0.2, 0.5, 1.0);

    g_assert_true (TASKER_IS_CONTEXT (sub));
    g_assert_true (sub != d.context);
    g_assert_cmpfloat_with_epsilon (progress_after (f, &d, sub, 0.0), 0.2, 1e-12);
    g_assert_cmpfloat_with_epsilon (progress_after (f, &d, sub, 0.5), 0.45, 1e-12);
    g_assert_cmpfloat_with_epsilon (progress_after (f, &d, sub, 1.0), 0.7, 1e-12);
    /* Clamped to the child's own range. */
    g_assert_cmpfloat_with_epsilon (progress_after (f, &d, sub, 5.0), 0.7, 1e-12);
    g_assert_cmpfloat_with_epsilon (progress_after (f, &d, sub, -1.0), 0.2, 1e-12);
  }

  {
    /* With a total of units. */
    g_autoptr(TaskerContext) sub = tasker_context_sub_context (d.context, 0.0, 1.0, 4.0);

    g_assert_cmpfloat_with_epsilon (progress_after (f, &d, sub, 1.0), 0.25, 1e-12);
    tasker_context_set_total (sub, 8.0);
    g_assert_cmpfloat_with_epsilon (progress_after (f, &d, sub, 6.0), 0.75, 1e-12);
  }

  {
    /* The parent's total does not leak into the child, nor back. */
    g_autoptr(TaskerContext) sub = NULL;

    tasker_context_set_total (d.context, 100);
    sub = tasker_context_sub_context (d.context, 0.5, 0.5, 1.0);
    g_assert_cmpfloat_with_epsilon (progress_after (f, &d, sub, 0.5), 0.75, 1e-12);
    g_assert_cmpfloat_with_epsilon (progress_after (f, &d, d.context, 10), 0.1, 1e-12);
  }

  driven_finish (f, &d);
}

/* DESIGN.md §4, exactly: sub(0.1,0.8).sub(0.5,0.25,total=10).set_progress(8) → 0.66 */
static void
test_sub_context_design_example (TestFixture   *f,
                                 gconstpointer  data)
{
  g_autoptr(TaskerContext) a = NULL;
  g_autoptr(TaskerContext) b = NULL;
  Driven d;

  driven_start (f, &d);

  a = tasker_context_sub_context (d.context, 0.1, 0.8, 1.0);
  b = tasker_context_sub_context (a, 0.5, 0.25, 10);
  tasker_context_set_progress (b, 8);
  test_flush_and_wait (f, d.context);

  g_assert_true (G_APPROX_VALUE (tasker_task_get_progress (d.task), 0.66, 1e-9));
  g_assert_cmpfloat_with_epsilon (tasker_task_get_progress (d.task), 0.66, 1e-9);

  driven_finish (f, &d);
}

typedef struct
{
  TestGate gate;
  int      flushed;   /* (atomic) */
} ExampleData;

static void
design_example_thread_cb (TaskerContext *context,
                          gpointer       data)
{
  ExampleData *e = data;
  g_autoptr(TaskerContext) a = tasker_context_sub_context (context, 0.1, 0.8, 1.0);
  g_autoptr(TaskerContext) b = tasker_context_sub_context (a, 0.5, 0.25, 10);

  tasker_context_set_progress (b, 8);
  tasker_context_flush (b);
  g_atomic_int_set (&e->flushed, TRUE);

  /* Stays running until cancelled. */
  test_gate_wait (&e->gate, tasker_context_get_cancellable (context));
}

/* The same from a thread task, read again after it was cancelled. */
static void
test_sub_context_design_example_thread (TestFixture   *f,
                                        gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  ExampleData e = { 0, };

  test_gate_init (&e.gate);
  task = test_run_thread (f->manager, NULL, f->options, design_example_thread_cb, &e);

  TEST_WAIT_UNTIL (f->context, g_atomic_int_get (&e.flushed));
  TEST_TRY_WAIT_UNTIL (f->context, G_APPROX_VALUE (tasker_task_get_progress (task), 0.66, 1e-9),
                       test_timeout_ms ());
  g_assert_cmpfloat_with_epsilon (tasker_task_get_progress (task), 0.66, 1e-9);
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);

  tasker_task_cancel (task);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));
  test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_cmpfloat_with_epsilon (tasker_task_get_progress (task), 0.66, 1e-9);
  test_gate_clear (&e.gate);
}

static void
test_sub_context_depth (TestFixture   *f,
                        gconstpointer  data)
{
  const guint depth = 16;
  g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func (g_object_unref);
  TaskerContext *parent;
  double expected = 0.5;
  Driven d;

  driven_start (f, &d);

  parent = d.context;
  for (guint i = 0; i < depth; i++)
    {
      double base = 0.05 + 0.01 * i;
      double range = 0.9 - base - 0.02 * (i % 3);
      TaskerContext *sub = tasker_context_sub_context (parent, base, range, 1.0);

      g_ptr_array_add (chain, sub);
      parent = sub;
    }

  /* Innermost 0.5, mapped outwards level by level. */
  for (guint i = depth; i-- > 0;)
    {
      double base = 0.05 + 0.01 * i;
      double range = 0.9 - base - 0.02 * (i % 3);

      expected = base + range * expected;
    }

  g_assert_cmpfloat_with_epsilon (progress_after (f, &d, parent, 0.5), expected, 1e-9);

  /* Every level maps into its parent: a middle one too. */
  {
    TaskerContext *middle = g_ptr_array_index (chain, 0);

    g_assert_cmpfloat_with_epsilon (progress_after (f, &d, middle, 1.0), 0.05 + (0.9 - 0.05), 1e-9);
  }

  driven_finish (f, &d);
}

static void
test_sub_context_messages (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TaskerContext) sub = NULL;
  g_autoptr(TaskerContext) subsub = NULL;
  g_auto(GStrv) log = NULL;
  g_autofree char *event_line = NULL;
  Driven d;

  driven_start (f, &d);
  sub = tasker_context_sub_context (d.context, 0.5, 0.5, 1.0);
  subsub = tasker_context_sub_context (sub, 0.0, 0.5, 1.0);

  tasker_context_set_message (sub, "from sub");
  test_flush_and_wait (f, d.context);
  g_assert_cmpstr (tasker_task_get_message (d.task), ==, "from sub");

  tasker_context_set_message (subsub, "from sub-sub");
  test_flush_and_wait (f, subsub);
  g_assert_cmpstr (tasker_task_get_message (d.task), ==, "from sub-sub");

  tasker_context_set_message (d.context, "from top");
  test_flush_and_wait (f, sub);
  g_assert_cmpstr (tasker_task_get_message (d.task), ==, "from top");

  tasker_context_log (subsub, "logged deep");
  log = tasker_task_dup_log (d.task);
  g_assert_cmpuint (g_strv_length (log), ==, 1);
  g_assert_true (g_str_has_suffix (log[0], " logged deep"));

  tasker_context_send_event (subsub, "deep", g_variant_new_string ("x"));
  event_line = g_strdup_printf ("event %" G_GUINT64_FORMAT " deep 'x'", tasker_task_get_id (d.task));
  TEST_WAIT_UNTIL (f->context, test_recorder_find (&f->rec, event_line) >= 0);

  /* A sub context's cancellable is the task's. */
  g_assert_true (tasker_context_get_cancellable (subsub) == tasker_context_get_cancellable (d.context));
  g_assert_false (tasker_context_is_cancelled (subsub));

  tasker_context_set_message (d.context, NULL);
  test_flush_and_wait (f, d.context);
  g_assert_null (tasker_task_get_message (d.task));

  driven_finish (f, &d);
}

static gboolean
line_is_timestamped (const char *line,
                     const char *text)
{
  /* HH:MM:SS.mmm, a space, the trace id in brackets, a space, the text. */
  return g_regex_match_simple ("^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3} \\[[0-9a-f]{16}\\] ", line, 0, 0) &&
         g_strcmp0 (line + 32, text) == 0;
}

static void
test_log_format (TestFixture   *f,
                 gconstpointer  data)
{
  g_auto(GStrv) empty = NULL;
  g_auto(GStrv) log = NULL;
  g_autoptr(TaskerTask) task = NULL;
  Driven d;

  driven_start (f, &d);
  task = g_object_ref (d.task);

  empty = tasker_task_dup_log (d.task);
  g_assert_nonnull (empty);
  g_assert_cmpuint (g_strv_length (empty), ==, 0);

  tasker_context_log (d.context, "hello");
  tasker_context_log (d.context, "world, ünïcode");
  log = tasker_task_dup_log (d.task);
  g_assert_cmpuint (g_strv_length (log), ==, 2);
  g_assert_true (line_is_timestamped (log[0], "hello"));
  g_assert_true (line_is_timestamped (log[1], "world, ünïcode"));

  driven_finish (f, &d);

  /* Kept after the end. */
  g_clear_pointer (&log, g_strfreev);
  log = tasker_task_dup_log (task);
  g_assert_cmpuint (g_strv_length (log), ==, 2);
  g_assert_true (line_is_timestamped (log[1], "world, ünïcode"));
}

static void
log_many_cb (TaskerContext *context,
             gpointer       data)
{
  guint n = GPOINTER_TO_UINT (data);

  for (guint i = 0; i < n; i++)
    {
      char text[32];

      g_snprintf (text, sizeof text, "line %u", i);
      tasker_context_log (context, text);
    }
}

static void
test_log_bounded (TestFixture   *f,
                  gconstpointer  data)
{
  const guint n = 1500;
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GStrv) log = NULL;
  guint n_lines;
  guint first_real;
  guint expected;

  task = test_run_thread (f->manager, NULL, f->options, log_many_cb, GUINT_TO_POINTER (n));
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);

  log = tasker_task_dup_log (task);
  n_lines = g_strv_length (log);

  /* Bounded: at most 1000 lines kept, plus the marker. */
  g_assert_cmpuint (n_lines, <=, 1001);
  g_assert_cmpuint (n_lines, >=, 2);
  g_assert_nonnull (strstr (log[0], "earlier lines dropped"));

  /* The newest lines are the ones kept, in order, up to the last. */
  first_real = 1;
  expected = n - (n_lines - first_real);
  for (guint i = first_real; i < n_lines; i++, expected++)
    {
      g_autofree char *text = g_strdup_printf ("line %u", expected);

      g_assert_true (line_is_timestamped (log[i], text));
    }
  g_assert_cmpuint (expected, ==, n);
}

static void
test_log_unbounded_below_limit (TestFixture   *f,
                                gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GStrv) log = NULL;

  task = test_run_thread (f->manager, NULL, f->options, log_many_cb, GUINT_TO_POINTER (900));
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));

  /* Nothing dropped, so no marker. */
  log = tasker_task_dup_log (task);
  g_assert_cmpuint (g_strv_length (log), ==, 900);
  g_assert_true (line_is_timestamped (log[0], "line 0"));
  g_assert_true (line_is_timestamped (log[899], "line 899"));
}

static void
test_cancellable (TestFixture   *f,
                  gconstpointer  data)
{
  GCancellable *cancellable;
  Driven d;

  driven_start (f, &d);

  cancellable = tasker_context_get_cancellable (d.context);
  g_assert_true (G_IS_CANCELLABLE (cancellable));
  g_assert_true (tasker_context_get_cancellable (d.context) == cancellable);
  g_assert_false (g_cancellable_is_cancelled (cancellable));
  g_assert_false (tasker_context_is_cancelled (d.context));
  g_assert_false (tasker_context_return_error_if_cancelled (d.context));

  /* Not cancelled: the task carries on. */
  test_flush_and_wait (f, d.context);
  test_assert_status (d.task, TASKER_TASK_STATUS_RUNNING);

  tasker_task_cancel (d.task);
  TEST_WAIT_UNTIL (f->context, tasker_context_is_cancelled (d.context));
  TEST_WAIT_UNTIL (f->context, g_cancellable_is_cancelled (cancellable));

  /* A coroutine ends when it returns: still running till then. */
  test_assert_status (d.task, TASKER_TASK_STATUS_RUNNING);
  g_assert_true (tasker_context_return_error_if_cancelled (d.context));
  TEST_WAIT_UNTIL (f->context, test_task_is_final (d.task));
  test_assert_status (d.task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_error (tasker_task_get_error (d.task), G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_clear_object (&d.context);
  g_clear_object (&d.task);
}

/* A cancellable asked for only after the cancel is cancelled already. */
static void
test_cancellable_late (TestFixture   *f,
                       gconstpointer  data)
{
  Driven d;

  driven_start (f, &d);
  tasker_task_cancel (d.task);
  TEST_WAIT_UNTIL (f->context, tasker_context_is_cancelled (d.context));
  g_assert_true (g_cancellable_is_cancelled (tasker_context_get_cancellable (d.context)));
  g_assert_true (tasker_context_return_error_if_cancelled (d.context));
  TEST_WAIT_UNTIL (f->context, test_task_is_final (d.task));
  test_assert_status (d.task, TASKER_TASK_STATUS_CANCELLED);
  g_clear_object (&d.context);
  g_clear_object (&d.task);
}

typedef struct
{
  double values[4];
  guint  n_values;
  int    ready;   /* (atomic) */
} ThreadSets;

static void
thread_sets_cb (TaskerContext *context,
                gpointer       data)
{
  ThreadSets *t = data;

  for (guint i = 0; i < t->n_values; i++)
    tasker_context_set_progress (context, t->values[i]);
  tasker_context_set_message (context, "thread message");
  g_atomic_int_set (&t->ready, TRUE);

  /* Wait for the cancel without sleeping. */
  {
    TestGate never;

    test_gate_init (&never);
    test_gate_wait (&never, tasker_context_get_cancellable (context));
    test_gate_clear (&never);
  }
}

/* From a pool thread, the last value set is the one seen (here once the task
 * is cancelled, which keeps what it set). */
static void
test_thread_progress_kept (TestFixture   *f,
                           gconstpointer  data)
{
  ThreadSets t = { { 0.9, -2.0, 7.0, 0.37 }, 4, FALSE };
  g_autoptr(TaskerTask) task = NULL;

  task = test_run_thread (f->manager, NULL, f->options, thread_sets_cb, &t);
  TEST_WAIT_UNTIL (f->context, g_atomic_int_get (&t.ready));
  tasker_task_cancel (task);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (task));

  test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 0.37);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "thread message");
}

/* Tests without a fixture: each sets up its own manager, most on GLib's
 * default main context, and checks what it needs itself. */

typedef void (*Body) (TaskerContext *context);

typedef struct
{
  Body       body;
  TestGate   gate;      /* the task waits here after its body, so its progress can be read */
  double     observed;
} Probe;

static void
probe_func (TaskerContext *context,
            gpointer       data)
{
  Probe *probe = data;

  probe->body (context);
  tasker_context_flush (context);
  test_gate_wait (&probe->gate, NULL);
}

static gboolean
flushed_and_waiting (gpointer data)
{
  Probe *probe = data;

  return (test_gate_get_waiting (&probe->gate) > 0);
}

/* Runs @body in a thread task and returns the progress the main context sees
 * once it is done, before the task completes (which would force 1.0). */
static double
thread_progress_after (Body body)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  Probe probe = { body };
  double progress;

  test_gate_init (&probe.gate);
  task = tasker_manager_run_thread (manager, NULL, NULL, probe_func, &probe, NULL, NULL);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), flushed_and_waiting (&probe));
  /* flush() asked for delivery now; let the manager's source run. */
  test_spin_for (tasker_manager_get_context (manager), 30);
  progress = tasker_task_get_progress (task);
  test_gate_open (&probe.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  test_gate_clear (&probe.gate);

  return progress;
}

static void
body_fraction (TaskerContext *c)
{
  tasker_context_set_progress (c, 0.4);
}

static void
body_units (TaskerContext *c)
{
  tasker_context_set_total (c, 8);
  tasker_context_set_progress (c, 2);
}

static void
body_clamp_high (TaskerContext *c)
{
  tasker_context_set_total (c, 10);
  tasker_context_set_progress (c, 25);
}

static void
body_clamp_low (TaskerContext *c)
{
  tasker_context_set_progress (c, 0.3);
  tasker_context_set_progress (c, -4);
}

static void
body_nan_ignored (TaskerContext *c)
{
  tasker_context_set_progress (c, 0.6);
  tasker_context_set_progress (c, NAN);
}

static void
body_bad_total_ignored (TaskerContext *c)
{
  tasker_context_set_total (c, 4);
  tasker_context_set_total (c, 0);
  tasker_context_set_total (c, -1);
  tasker_context_set_total (c, NAN);
  tasker_context_set_progress (c, 1);
}

static void
body_design_example (TaskerContext *c)
{
  g_autoptr(TaskerContext) a = tasker_context_sub_context (c, 0.1, 0.8, 1.0);
  g_autoptr(TaskerContext) b = tasker_context_sub_context (a, 0.5, 0.25, 10.0);

  tasker_context_set_progress (b, 8);
}

static void
body_deep (TaskerContext *c)
{
  TaskerContext *current = g_object_ref (c);

  /* Ten levels, each the second half of its parent: 1 - 2^-10 at the bottom's start. */
  for (int i = 0; i < 10; i++)
    {
      TaskerContext *sub = tasker_context_sub_context (current, 0.5, 0.5, 1.0);
      g_object_unref (current);
      current = sub;
    }
  tasker_context_set_progress (current, 0.0);
  g_object_unref (current);
}

static void
progress_fraction_and_units (void)
{
  g_assert_cmpfloat_with_epsilon (thread_progress_after (body_fraction), 0.4, 1e-12);
  g_assert_cmpfloat_with_epsilon (thread_progress_after (body_units), 0.25, 1e-12);
}

static void
progress_is_clamped (void)
{
  g_assert_cmpfloat (thread_progress_after (body_clamp_high), ==, 1.0);
  g_assert_cmpfloat (thread_progress_after (body_clamp_low), ==, 0.0);
}

static void
nan_and_bad_totals_are_ignored_with_a_warning (void)
{
  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*NaN*");
  g_assert_cmpfloat_with_epsilon (thread_progress_after (body_nan_ignored), 0.6, 1e-12);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*total 0*");
  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*total -1*");
  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*total nan*");
  g_assert_cmpfloat_with_epsilon (thread_progress_after (body_bad_total_ignored), 0.25, 1e-12);
  g_test_assert_expected_messages ();
}

static void
sub_contexts_compose (void)
{
  /* DESIGN.md §4: sub(0.1,0.8).sub(0.5,0.25,total=10).set_progress(8) → 0.66 */
  g_assert_cmpfloat_with_epsilon (thread_progress_after (body_design_example), 0.66, 1e-12);
  g_assert_cmpfloat_with_epsilon (thread_progress_after (body_deep), 1.0 - 1.0 / 1024, 1e-12);
}

static void
sub_message_func (TaskerContext *context,
                  gpointer       data)
{
  g_autoptr(TaskerContext) sub = tasker_context_sub_context (context, 0.2, 0.5, 1.0);

  tasker_context_set_message (context, "from the root");
  tasker_context_set_message (sub, "from the sub context");
  tasker_context_log (sub, "a line from the sub context");
}

static void
sub_context_messages_go_to_the_task (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = tasker_manager_run_thread (manager, NULL, NULL, sub_message_func, NULL, NULL, NULL);
  g_auto(GStrv) log = NULL;

  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  g_assert_cmpstr (tasker_task_get_message (task), ==, "from the sub context");
  log = tasker_task_dup_log (task);
  g_assert_cmpuint (g_strv_length (log), ==, 1);
  g_assert_true (g_str_has_suffix (log[0], " a line from the sub context"));
}

static void
log_func (TaskerContext *context,
          gpointer       data)
{
  guint n = GPOINTER_TO_UINT (data);

  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *line = g_strdup_printf ("line %u", i);
      tasker_context_log (context, line);
    }
  tasker_context_log (context, "two\nlines\n");
}

static void
log_is_timestamped_and_bounded (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  guint n = TASKER_TASK_LOG_MAX_LINES + 10;
  g_autoptr(TaskerTask) small = tasker_manager_run_thread (manager, NULL, NULL, log_func, GUINT_TO_POINTER (2), NULL, NULL);
  g_autoptr(TaskerTask) big = tasker_manager_run_thread (manager, NULL, NULL, log_func, GUINT_TO_POINTER (n), NULL, NULL);
  g_auto(GStrv) small_log = NULL;
  g_auto(GStrv) big_log = NULL;

  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

  small_log = tasker_task_dup_log (small);
  g_assert_cmpuint (g_strv_length (small_log), ==, 4);
  /* "HH:MM:SS.mmm [trace id] text", the trace id the task's own */
  g_assert_true (g_regex_match_simple ("^\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d \\[[0-9a-f]{16}\\] line 1$", small_log[0], 0, 0));
  {
    g_autofree char *trace = g_strdup_printf ("[%016" G_GINT64_MODIFIER "x]", tasker_task_get_trace_id (small));

    g_assert_nonnull (strstr (small_log[0], trace));
  }
  g_assert_true (g_str_has_suffix (small_log[1], " line 2"));
  g_assert_true (g_str_has_suffix (small_log[2], " two"));
  g_assert_true (g_str_has_suffix (small_log[3], " lines"));

  /* n + 2 lines written, the newest TASKER_TASK_LOG_MAX_LINES kept, plus the marker. */
  big_log = tasker_task_dup_log (big);
  g_assert_cmpuint (g_strv_length (big_log), ==, TASKER_TASK_LOG_MAX_LINES + 1);
  g_assert_nonnull (strstr (big_log[0], "12 earlier lines dropped"));
  g_assert_true (g_str_has_suffix (big_log[1], " line 13"));
  g_assert_true (g_str_has_suffix (big_log[TASKER_TASK_LOG_MAX_LINES], " lines"));
}

/* Lines of 10 KiB each, numbered, and one line of 100 KiB. */
static void
big_lines_func (TaskerContext *context,
                gpointer       data)
{
  guint n = GPOINTER_TO_UINT (data);
  g_autofree char *filler = g_strnfill (10 * 1024, 'x');

  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *line = g_strdup_printf ("line %u %s", i, filler);
      tasker_context_log (context, line);
    }
}

static gsize
log_bytes (char **log)
{
  gsize bytes = 0;

  for (guint i = 0; log[i] != NULL; i++)
    bytes += strlen (log[i]);
  return bytes;
}

/* 500 lines of 10 KiB (5 MiB) fit the 1,000 lines but not the 1 MiB: the
 * newest that fit stay, after one marker counting the others. */
static void
log_is_bounded_in_bytes (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GStrv) log = NULL;
  guint n, n_lines, dropped = 0;
  guint max_lines, max_bytes;
  g_autofree char *first_kept = NULL;

  g_object_get (manager, "log-max-lines", &max_lines, "log-max-bytes", &max_bytes, NULL);
  g_assert_cmpuint (max_lines, ==, 1000);
  g_assert_cmpuint (max_bytes, ==, 1024 * 1024);

  task = tasker_manager_run_thread (manager, NULL, NULL, big_lines_func, GUINT_TO_POINTER (500), NULL, NULL);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

  log = tasker_task_dup_log (task);
  n = g_strv_length (log);
  g_assert_cmpuint (n, >, 90);
  g_assert_cmpuint (n, <, 110);
  g_assert_cmpuint (log_bytes (log), <=, 1024 * 1024 + 100);
  /* One marker, first, counting what went; then the newest lines in order. */
  g_assert_true (g_regex_match_simple ("^\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d … \\d+ earlier lines dropped$", log[0], 0, 0));
  g_assert_cmpint (sscanf (strstr (log[0], "… ") + strlen ("… "), "%u", &dropped), ==, 1);
  n_lines = n - 1;
  g_assert_cmpuint (dropped + n_lines, ==, 500);
  first_kept = g_strdup_printf (" line %u x", dropped + 1);
  g_assert_nonnull (strstr (log[1], first_kept));
  g_assert_nonnull (strstr (log[n - 1], " line 500 x"));
  for (guint i = 1; i < n; i++)
    g_assert_null (strstr (log[i], "dropped"));

  /* Smaller bounds for the tasks submitted afterwards. */
  g_object_set (manager, "log-max-lines", 20, "log-max-bytes", 50 * 1024, NULL);
  {
    g_autoptr(TaskerTask) small = tasker_manager_run_thread (manager, NULL, NULL, big_lines_func, GUINT_TO_POINTER (30), NULL, NULL);
    g_auto(GStrv) small_log = NULL;

    g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
    small_log = tasker_task_dup_log (small);
    /* 4 lines of 10 KiB fit 50 KiB: 26 dropped. */
    g_assert_cmpuint (g_strv_length (small_log), ==, 5);
    g_assert_nonnull (strstr (small_log[0], " … 26 earlier lines dropped"));
    g_assert_nonnull (strstr (small_log[1], " line 27 x"));
    g_assert_nonnull (strstr (small_log[4], " line 30 x"));
  }
}

static void
long_line_func (TaskerContext *context,
                gpointer       data)
{
  /* "a" and 50,000 "é" (2 bytes each, one across the 64 KiB cut): 100,001 bytes. */
  GString *line = g_string_new (NULL);

  g_string_append_c (line, 'a');
  while (line->len < 100000)
    g_string_append (line, "é");
  tasker_context_log (context, line->str);
  tasker_context_log (context, "after");
  g_string_free (line, TRUE);
}

static void
long_line_is_cut (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = tasker_manager_run_thread (manager, NULL, NULL, long_line_func, NULL, NULL, NULL);
  g_auto(GStrv) log = NULL;
  const char *text;
  const char *marker;

  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  log = tasker_task_dup_log (task);
  g_assert_cmpuint (g_strv_length (log), ==, 2);
  g_assert_true (g_utf8_validate (log[0], -1, NULL));
  text = strstr (log[0], "] ") + 2;
  marker = strstr (text, " … [cut ");
  g_assert_nonnull (marker);
  /* 65,535 bytes kept (the "é" across 64 KiB goes whole), 34,466 counted. */
  g_assert_cmpuint (marker - text, ==, 65535);
  g_assert_cmpstr (marker, ==, " … [cut 34466 bytes]");
  g_assert_true (g_str_has_suffix (log[1], "] after"));
}

static void
long_message_func (TaskerContext *context,
                   gpointer       data)
{
  GString *message = g_string_new ("m");

  while (message->len < 10000)
    g_string_append (message, "€");   /* 3 bytes */
  tasker_context_set_message (context, message->str);
  g_string_free (message, TRUE);
}

static void
long_message_is_cut (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = tasker_manager_run_thread (manager, NULL, NULL, long_message_func, NULL, NULL, NULL);
  const char *message;
  g_autofree char *dup = NULL;

  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  message = tasker_task_get_message (task);
  g_assert_true (g_utf8_validate (message, -1, NULL));
  g_assert_cmpuint (strlen (message), <=, 4096);
  /* "m", as many "€" as fit before the "…" (also 3 bytes), the "…". */
  g_assert_cmpuint (strlen (message), ==, 1 + 3 * 1364 + 3);
  g_assert_true (g_str_has_prefix (message, "m€€"));
  g_assert_true (g_str_has_suffix (message, "€…"));
  dup = tasker_task_dup_message (task);
  g_assert_cmpstr (dup, ==, message);
}

static void
assert_lines (char       **lines,
              guint        first,
              guint        n)
{
  g_assert_cmpuint (g_strv_length (lines), >=, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *suffix = g_strdup_printf ("] line %u", first + i);

      g_assert_true (g_str_has_suffix (lines[i], suffix));
    }
}

/* A view following the log reads only what is new, and learns what the
 * bounded log dropped (numbered from 0: "line 1" is line 0). */
static void
log_read_since_a_position (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  guint64 next = 0, dropped = 0;

  g_object_set (manager, "log-max-lines", 10, NULL);
  task = tasker_manager_run_thread (manager, NULL, NULL, log_func, GUINT_TO_POINTER (25), NULL, NULL);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  /* 25 lines and "two", "lines": 27 logged, the newest 10 kept. */

  {
    g_auto(GStrv) all = tasker_task_dup_log (task);
    g_auto(GStrv) lines = tasker_task_dup_log_since (task, 0, &next, &dropped);

    g_assert_cmpuint (next, ==, 27);
    g_assert_cmpuint (dropped, ==, 17);
    /* The kept lines, without the marker. */
    g_assert_cmpuint (g_strv_length (lines), ==, 10);
    g_assert_cmpstrv ((const char * const *) lines, (const char * const *) all + 1);
    assert_lines (lines, 18, 8);
  }
  {
    g_auto(GStrv) lines = tasker_task_dup_log_since (task, 20, &next, NULL);

    g_assert_cmpuint (next, ==, 27);
    assert_lines (lines, 21, 5);
    g_assert_true (g_str_has_suffix (lines[5], "] two"));
    g_assert_true (g_str_has_suffix (lines[6], "] lines"));
    g_assert_cmpuint (g_strv_length (lines), ==, 7);
  }
  {
    g_auto(GStrv) none = tasker_task_dup_log_since (task, 27, &next, &dropped);
    g_auto(GStrv) beyond = tasker_task_dup_log_since (task, 40, &next, &dropped);

    g_assert_cmpuint (g_strv_length (none), ==, 0);
    g_assert_cmpuint (g_strv_length (beyond), ==, 0);
    g_assert_cmpuint (next, ==, 27);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST_ADD ("/Tasker/Context/progress-fraction", test_progress_fraction);
  TEST_ADD ("/Tasker/Context/progress-units", test_progress_units);
  TEST_ADD ("/Tasker/Context/progress-clamped", test_progress_clamped);
  TEST_ADD ("/Tasker/Context/progress-nan-ignored", test_progress_nan_ignored);
  TEST_ADD ("/Tasker/Context/total-invalid-ignored", test_total_invalid_ignored);
  TEST_ADD ("/Tasker/Context/sub-context", test_sub_context);
  TEST_ADD ("/Tasker/Context/sub-context-design-example", test_sub_context_design_example);
  TEST_ADD ("/Tasker/Context/sub-context-design-example-thread", test_sub_context_design_example_thread);
  TEST_ADD ("/Tasker/Context/sub-context-depth", test_sub_context_depth);
  TEST_ADD ("/Tasker/Context/sub-context-messages", test_sub_context_messages);
  TEST_ADD ("/Tasker/Context/log-format", test_log_format);
  TEST_ADD ("/Tasker/Context/log-bounded", test_log_bounded);
  TEST_ADD ("/Tasker/Context/log-below-limit", test_log_unbounded_below_limit);
  TEST_ADD ("/Tasker/Context/cancellable", test_cancellable);
  TEST_ADD ("/Tasker/Context/cancellable-late", test_cancellable_late);
  TEST_ADD ("/Tasker/Context/thread-progress-kept", test_thread_progress_kept);
  g_test_add_func ("/Tasker/Context/progress-fraction-and-units", progress_fraction_and_units);
  g_test_add_func ("/Tasker/Context/progress-clamped-thread", progress_is_clamped);
  g_test_add_func ("/Tasker/Context/nan-and-bad-totals-ignored", nan_and_bad_totals_are_ignored_with_a_warning);
  g_test_add_func ("/Tasker/Context/sub-contexts-compose", sub_contexts_compose);
  g_test_add_func ("/Tasker/Context/sub-context-messages-go-to-task", sub_context_messages_go_to_the_task);
  g_test_add_func ("/Tasker/Context/log-timestamped-and-bounded", log_is_timestamped_and_bounded);
  g_test_add_func ("/Tasker/Context/log-bounded-in-bytes", log_is_bounded_in_bytes);
  g_test_add_func ("/Tasker/Context/long-log-line-cut", long_line_is_cut);
  g_test_add_func ("/Tasker/Context/long-message-cut", long_message_is_cut);
  g_test_add_func ("/Tasker/Context/log-read-since", log_read_since_a_position);

  return g_test_run ();
}
