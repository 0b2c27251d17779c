/* test-context.c — what a task function does through its TaskerContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <math.h>

#include "tasker-test.h"

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

  return g_test_run ();
}
