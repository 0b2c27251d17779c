/* test-tree.c — task trees: cancellation, waiting for children, failures
 * and a parent's progress weighted from its children (DESIGN.md §4 Tree,
 * Refusals at submit)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "policy-test.h"

static TaskerTaskOptions *
child_options (TestFixture *f,
               TaskerTask  *parent)
{
  TaskerTaskOptions *options = policy_options (f);

  tasker_task_options_set_parent (options, parent);

  return options;
}

static TaskerTask *
run_child (TestFixture *f,
           TaskerTask  *parent,
           Work        *w)
{
  g_autoptr(TaskerTaskOptions) options = child_options (f, parent);

  return run_work (f, NULL, options, w);
}

/* Cancelling a parent cancels its children and grandchildren, all with the
 * parent's reason; every task gets task-finished and one done call. */
static void
test_cancel_cascades (TestFixture   *f,
                      gconstpointer  data)
{
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  g_autoptr(TaskerTask) grandchild = NULL;
  g_autoptr(TaskerTask) sibling = NULL;
  Signals s;
  Work wp, wc, wg, ws;

  work_init (&wp);
  work_init (&wc);
  work_init (&wg);
  work_init (&ws);
  wp.gated = wc.gated = wg.gated = ws.gated = TRUE;
  wp.cooperative = wc.cooperative = wg.cooperative = ws.cooperative = TRUE;
  signals_init (&s, f->manager);
  tasker_manager_set_max_threads (f->manager, 4);

  parent = run_work (f, NULL, f->options, &wp);
  child = run_child (f, parent, &wc);
  grandchild = run_child (f, child, &wg);
  sibling = run_child (f, parent, &ws);
  g_assert_true (tasker_task_get_parent (child) == parent);
  g_assert_true (tasker_task_get_parent (grandchild) == child);
  g_assert_true (tasker_task_get_parent (sibling) == parent);
  g_assert_null (tasker_task_get_parent (parent));

  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wp.gate) == 1 &&
                               test_gate_get_waiting (&wc.gate) == 1 &&
                               test_gate_get_waiting (&wg.gate) == 1 &&
                               test_gate_get_waiting (&ws.gate) == 1);

  tasker_task_cancel (parent);
  test_settle (f->manager);

  assert_cancelled (parent);
  assert_cancelled (child);
  assert_cancelled (grandchild);
  assert_cancelled (sibling);
  g_assert_cmpstr (tasker_task_get_error (child)->message, ==,
                   tasker_task_get_error (parent)->message);
  g_assert_cmpstr (tasker_task_get_error (grandchild)->message, ==,
                   tasker_task_get_error (parent)->message);
  g_assert_cmpstr (tasker_task_get_error (sibling)->message, ==,
                   tasker_task_get_error (parent)->message);
  g_assert_cmpint (g_atomic_int_get (&wc.saw_cancel), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&wg.saw_cancel), ==, 1);

  g_assert_cmpuint (g_hash_table_size (s.finished), ==, 4);
  g_assert_cmpuint (signals_n_finished (&s, parent), ==, 1);
  g_assert_cmpuint (signals_n_finished (&s, child), ==, 1);
  g_assert_cmpuint (signals_n_finished (&s, grandchild), ==, 1);
  g_assert_cmpuint (signals_n_finished (&s, sibling), ==, 1);
  g_assert_cmpuint (g_hash_table_size (s.started), ==, 4);
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, 4);
  /* A parent ends after its children. */
  {
    g_autofree char *p = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (parent));
    g_autofree char *c = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (child));
    g_autofree char *g = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (grandchild));

    g_assert_cmpint (test_recorder_find (&f->rec, g), <, test_recorder_find (&f->rec, c));
    g_assert_cmpint (test_recorder_find (&f->rec, c), <, test_recorder_find (&f->rec, p));
  }

  signals_clear (&s);
  work_clear (&wp);
  work_clear (&wc);
  work_clear (&wg);
  work_clear (&ws);
}

/* A parent replaced through its key: the whole tree carries the
 * replacement's reason. */
static void
test_cancel_reason (TestFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  g_autoptr(TaskerTask) grandchild = NULL;
  g_autoptr(TaskerTask) replacement = NULL;
  Work wp, wc, wg, wr;

  work_init (&wp);
  work_init (&wc);
  work_init (&wg);
  work_init (&wr);
  wp.gated = wc.gated = wg.gated = TRUE;
  wp.cooperative = wc.cooperative = wg.cooperative = TRUE;
  tasker_manager_set_max_threads (f->manager, 4);

  parent = run_work (f, "tree", f->options, &wp);
  child = run_child (f, parent, &wc);
  grandchild = run_child (f, child, &wg);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wg.gate) == 1);

  replacement = run_work (f, "tree", f->options, &wr);
  test_settle (f->manager);

  assert_cancelled (parent);
  assert_cancelled (child);
  assert_cancelled (grandchild);
  g_assert_cmpstr (tasker_task_get_error (parent)->message, ==,
                   "Replaced by a newer task with the key “tree”");
  g_assert_cmpstr (tasker_task_get_error (child)->message, ==,
                   tasker_task_get_error (parent)->message);
  g_assert_cmpstr (tasker_task_get_error (grandchild)->message, ==,
                   tasker_task_get_error (parent)->message);
  assert_completed_int (replacement, 42);

  work_clear (&wp);
  work_clear (&wc);
  work_clear (&wg);
  work_clear (&wr);
}

/* A parent whose function returned stays RUNNING until every child ended,
 * may still get children meanwhile, then ends with its own result. */
static void
test_parent_waits (TestFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  g_autoptr(TaskerTask) late = NULL;
  g_autofree char *done_parent = NULL;
  g_autofree char *done_child = NULL;
  Signals s;
  Work wp, wc, wl;

  work_init (&wp);
  work_init (&wc);
  work_init (&wl);
  wp.gated = wc.gated = TRUE;
  wp.value = 1;
  wc.value = 2;
  wl.value = 3;
  signals_init (&s, f->manager);
  tasker_manager_set_max_threads (f->manager, 4);

  parent = run_work (f, NULL, f->options, &wp);
  child = run_child (f, parent, &wc);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wp.gate) == 1 &&
                               test_gate_get_waiting (&wc.gate) == 1);

  /* The parent's function returns; its child still runs. */
  test_gate_open (&wp.gate);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wp.gate) == 0);
  test_spin_for (f->context, test_slack_ms (50));
  test_assert_status (parent, TASKER_TASK_STATUS_RUNNING);
  g_assert_false (tasker_task_is_final (parent));
  g_assert_cmpuint (test_recorder_done_count (&f->rec, parent), ==, 0);
  g_assert_cmpuint (signals_n_finished (&s, parent), ==, 0);

  /* Children may still be added; one that ends leaves the parent waiting
   * for the other. */
  late = run_child (f, parent, &wl);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (late));
  assert_completed_int (late, 3);
  g_assert_true (tasker_task_get_parent (late) == parent);
  test_spin_for (f->context, test_slack_ms (20));
  test_assert_status (parent, TASKER_TASK_STATUS_RUNNING);

  test_gate_open (&wc.gate);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (parent));
  test_settle (f->manager);

  assert_completed_int (child, 2);
  assert_completed_int (parent, 1);
  g_assert_cmpint (work_started (&wp), ==, 1);
  done_parent = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (parent));
  done_child = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (child));
  g_assert_cmpint (test_recorder_find (&f->rec, done_child), <, test_recorder_find (&f->rec, done_parent));
  g_assert_cmpuint (signals_n_started (&s, parent), ==, 1);
  g_assert_cmpuint (signals_n_finished (&s, parent), ==, 1);
  g_assert_cmpuint (signals_n_finished (&s, child), ==, 1);
  g_assert_cmpuint (signals_n_finished (&s, late), ==, 1);

  signals_clear (&s);
  work_clear (&wp);
  work_clear (&wc);
  work_clear (&wl);
}

/* A failed child fails its parent: while the parent's function still runs,
 * and after it returned and waits for its children. */
static void
test_failed_child (TestFixture   *f,
                   gconstpointer  data)
{
  for (guint parent_returned_first = 0; parent_returned_first <= 1; parent_returned_first++)
    {
      g_autoptr(TaskerTask) parent = NULL;
      g_autoptr(TaskerTask) child = NULL;
      g_autoptr(TaskerTask) ok_child = NULL;
      g_autofree char *expected = NULL;
      Work wp, wc, wo;

      g_test_message ("parent returned first: %u", parent_returned_first);
      work_init (&wp);
      work_init (&wc);
      work_init (&wo);
      wp.gated = wc.gated = TRUE;
      wc.n_fail = 1;
      tasker_manager_set_max_threads (f->manager, 4);

      parent = run_work (f, NULL, f->options, &wp);
      child = run_child (f, parent, &wc);
      ok_child = run_child (f, parent, &wo);
      TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wp.gate) == 1 &&
                                   test_gate_get_waiting (&wc.gate) == 1);

      if (parent_returned_first)
        {
          test_gate_open (&wp.gate);
          TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wp.gate) == 0);
          test_spin_for (f->context, test_slack_ms (20));
          test_assert_status (parent, TASKER_TASK_STATUS_RUNNING);
          test_gate_open (&wc.gate);
        }
      else
        {
          test_gate_open (&wc.gate);
          TEST_WAIT_UNTIL (f->context, test_task_is_final (child));
          /* The parent's function still runs: the parent goes on. */
          test_assert_status (parent, TASKER_TASK_STATUS_RUNNING);
          test_gate_open (&wp.gate);
        }

      TEST_WAIT_UNTIL (f->context, test_task_is_final (parent));
      test_settle (f->manager);

      assert_failed (child, TEST_ERROR, 1, "failure 1");
      assert_completed_int (ok_child, 42);
      expected = g_strdup_printf ("child task %" G_GUINT64_FORMAT " failed: failure 1",
                                  tasker_task_get_id (child));
      assert_failed (parent, TASKER_ERROR, TASKER_ERROR_FAILED, NULL);
      assert_str_has_prefix (tasker_task_get_error (parent)->message,
                             "child task ");
      g_assert_cmpstr (tasker_task_get_error (parent)->message, ==, expected);

      work_clear (&wp);
      work_clear (&wc);
      work_clear (&wo);
    }
}

/* A failure two levels down fails every ancestor. */
static void
test_failure_propagates (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  g_autoptr(TaskerTask) grandchild = NULL;
  g_autofree char *child_message = NULL;
  g_autofree char *parent_message = NULL;
  Work wp, wc, wg;

  work_init (&wp);
  work_init (&wc);
  work_init (&wg);
  wp.gated = wc.gated = TRUE;
  wg.n_fail = 1;
  tasker_manager_set_max_threads (f->manager, 4);

  parent = run_work (f, NULL, f->options, &wp);
  child = run_child (f, parent, &wc);
  grandchild = run_child (f, child, &wg);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (grandchild));
  test_gate_open (&wc.gate);
  test_gate_open (&wp.gate);
  test_settle (f->manager);

  assert_failed (grandchild, TEST_ERROR, 1, "failure 1");
  child_message = g_strdup_printf ("child task %" G_GUINT64_FORMAT " failed: failure 1",
                                   tasker_task_get_id (grandchild));
  assert_failed (child, TASKER_ERROR, TASKER_ERROR_FAILED, child_message);
  parent_message = g_strdup_printf ("child task %" G_GUINT64_FORMAT " failed: %s",
                                    tasker_task_get_id (child), child_message);
  assert_failed (parent, TASKER_ERROR, TASKER_ERROR_FAILED, parent_message);

  work_clear (&wp);
  work_clear (&wc);
  work_clear (&wg);
}

/* ignore-child-failures: the parent's own outcome stands. */
static void
test_ignore_child_failures (TestFixture   *f,
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
  tasker_task_options_set_ignore_child_failures (options, TRUE);

  parent = run_work (f, NULL, options, &wp);
  child = run_child (f, parent, &wc);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (child));
  test_gate_open (&wp.gate);
  test_settle (f->manager);

  assert_failed (child, TEST_ERROR, 1, "failure 1");
  assert_completed_int (parent, 42);

  work_clear (&wp);
  work_clear (&wc);
}

/* A cancelled child does not fail its parent. */
static void
test_cancelled_child (TestFixture   *f,
                      gconstpointer  data)
{
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  Work wp, wc;

  work_init (&wp);
  work_init (&wc);
  wp.gated = wc.gated = TRUE;
  wc.cooperative = TRUE;
  tasker_manager_set_max_threads (f->manager, 4);

  parent = run_work (f, NULL, f->options, &wp);
  child = run_child (f, parent, &wc);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wc.gate) == 1);
  tasker_task_cancel (child);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (child));
  assert_cancelled (child);
  test_assert_status (parent, TASKER_TASK_STATUS_RUNNING);

  test_gate_open (&wp.gate);
  test_settle (f->manager);
  assert_completed_int (parent, 42);

  work_clear (&wp);
  work_clear (&wc);
}

/* A parent that already ended is refused at submit. */
static void
test_parent_ended (TestFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  g_autoptr(GError) error = NULL;
  Work wp, wc;

  work_init (&wp);
  work_init (&wc);

  parent = run_work (f, NULL, f->options, &wp);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (parent));

  options = child_options (f, parent);
  child = tasker_manager_run_thread (f->manager, NULL, options, work_cb, &wc, NULL, &error);
  g_assert_null (child);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  assert_str_contains (error->message, "has already ended");
  g_clear_error (&error);

  child = tasker_manager_run_coroutine (f->manager, NULL, options, work_cb, &wc, NULL, &error);
  g_assert_null (child);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);

  test_settle (f->manager);
  g_assert_cmpint (work_started (&wc), ==, 0);
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, 1);

  work_clear (&wp);
  work_clear (&wc);
}

/* A child submitted to a parent that was cancelled but has not ended yet is
 * cancelled at once and never runs. */
static void
test_child_of_cancelled (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  Work wp, wc;

  work_init (&wp);
  work_init (&wc);
  /* Ignores the cancel, and holds the only thread. */
  wp.gated = TRUE;
  tasker_manager_set_max_threads (f->manager, 1);

  parent = run_work (f, NULL, f->options, &wp);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wp.gate) == 1);
  tasker_task_cancel (parent);
  test_spin_for (f->context, test_slack_ms (10));
  g_assert_false (tasker_task_is_final (parent));

  child = run_child (f, parent, &wc);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (child));
  assert_cancelled (child);
  g_assert_false (tasker_task_is_final (parent));

  test_gate_open (&wp.gate);
  test_settle (f->manager);
  assert_cancelled (parent);
  g_assert_cmpint (work_started (&wc), ==, 0);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, child), ==, 1);

  work_clear (&wp);
  work_clear (&wc);
}

/* Children of a coroutine parent, and a coroutine child of a thread parent. */
static void
test_mixed_kinds (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  TaskerContext *context = NULL;
  Work wc;
  GValue value = G_VALUE_INIT;

  work_init (&wc);
  wc.gated = TRUE;

  parent = test_add_coroutine (f->manager, NULL, f->options, test_capture_context_cb, &context);
  TEST_WAIT_UNTIL (f->context, context != NULL);
  child = run_child (f, parent, &wc);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wc.gate) == 1);

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 5);
  tasker_context_return_value (context, &value);
  g_value_unset (&value);
  test_spin_for (f->context, test_slack_ms (20));
  test_assert_status (parent, TASKER_TASK_STATUS_RUNNING);

  test_gate_open (&wc.gate);
  test_settle (f->manager);
  assert_completed_int (child, 42);
  assert_completed_int (parent, 5);

  g_clear_object (&context);
  work_clear (&wc);
}

/* Cancelling a parent whose function returned and which waits for its
 * children: the children are cancelled, then the parent ends CANCELLED. */
static void
test_cancel_awaiting_parent (TestFixture   *f,
                             gconstpointer  data)
{
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  Work wp, wc;

  work_init (&wp);
  work_init (&wc);
  wp.gated = wc.gated = TRUE;
  wc.cooperative = TRUE;
  tasker_manager_set_max_threads (f->manager, 4);

  parent = run_work (f, NULL, f->options, &wp);
  child = run_child (f, parent, &wc);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wc.gate) == 1);
  test_gate_open (&wp.gate);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&wp.gate) == 0);
  test_spin_for (f->context, test_slack_ms (20));
  test_assert_status (parent, TASKER_TASK_STATUS_RUNNING);

  tasker_task_cancel (parent);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (parent));
  test_settle (f->manager);

  assert_cancelled (child);
  assert_cancelled (parent);
  g_assert_cmpint (g_atomic_int_get (&wc.saw_cancel), ==, 1);

  work_clear (&wp);
  work_clear (&wc);
}

/* A parent of another manager is refused at submit. */
static void
test_parent_other_manager (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TaskerManager) other = tasker_manager_new (f->context);
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  g_autoptr(GError) error = NULL;
  Work wp, wc;

  work_init (&wp);
  work_init (&wc);
  wp.gated = TRUE;

  parent = test_run_thread (other, NULL, NULL, work_cb, &wp);
  options = child_options (f, parent);
  child = tasker_manager_run_thread (f->manager, NULL, options, work_cb, &wc, NULL, &error);
  g_assert_null (child);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  g_test_message ("%s", error->message);

  test_gate_open (&wp.gate);
  test_settle (other);
  test_settle (f->manager);
  g_assert_cmpint (work_started (&wc), ==, 0);
  g_clear_object (&parent);
  g_clear_object (&options);
  test_unref_and_wait (f->context, g_steal_pointer (&other));

  work_clear (&wp);
  work_clear (&wc);
}

typedef struct
{
  TestGate go;
  double   progress;
} Child;

static void
child_func (TaskerContext *context,
            gpointer       data)
{
  Child *child = data;

  tasker_context_set_progress (context, child->progress);
  tasker_context_flush (context);
  test_gate_wait (&child->go, NULL);
}

static void
parent_func (TaskerContext *context,
             gpointer       data)
{
  tasker_context_set_progress (context, 1.0);
}

typedef struct
{
  TaskerTask *task;
  double      want;
} ProgressIs;

static gboolean
progress_is (gpointer data)
{
  ProgressIs *p = data;

  return G_APPROX_VALUE (tasker_task_get_progress (p->task), p->want, 1e-9);
}

/* With children-weight 0.5, the parent's progress is half its own (1, its
 * function is done) and half the mean of its children's, an ended child
 * counting as done. */
static void
parent_progress_is_weighted_from_children (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTaskOptions) parent_options = tasker_task_options_new ();
  g_autoptr(TaskerTaskOptions) child_options = tasker_task_options_new ();
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) first = NULL;
  g_autoptr(TaskerTask) second = NULL;
  Child a = { .progress = 0.5 }, b = { .progress = 0.0 };
  ProgressIs p;

  test_gate_init (&a.go);
  test_gate_init (&b.go);
  tasker_task_options_set_children_weight (parent_options, 0.5);
  parent = tasker_manager_run_thread (manager, NULL, parent_options, parent_func, NULL, NULL, NULL);
  tasker_task_options_set_parent (child_options, parent);
  first = tasker_manager_run_thread (manager, NULL, child_options, child_func, &a, NULL, NULL);
  second = tasker_manager_run_thread (manager, NULL, child_options, child_func, &b, NULL, NULL);

  /* 0.5 × 1 + 0.5 × (0.5 + 0) / 2 */
  p = (ProgressIs) { parent, 0.625 };
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), progress_is (&p));
  g_assert_cmpint (tasker_task_get_status (parent), ==, TASKER_TASK_STATUS_RUNNING);

  /* The first child ends: 0.5 × 1 + 0.5 × (1 + 0) / 2 */
  test_gate_open (&a.go);
  p = (ProgressIs) { parent, 0.75 };
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), progress_is (&p));

  test_gate_open (&b.go);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  g_assert_cmpint (tasker_task_get_status (parent), ==, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpfloat (tasker_task_get_progress (parent), ==, 1.0);

  test_gate_clear (&a.go);
  test_gate_clear (&b.go);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST_ADD ("/Tasker/Policy/Tree/cancel-cascades", test_cancel_cascades);
  TEST_ADD ("/Tasker/Policy/Tree/cancel-reason", test_cancel_reason);
  TEST_ADD ("/Tasker/Policy/Tree/parent-waits", test_parent_waits);
  TEST_ADD ("/Tasker/Policy/Tree/failed-child", test_failed_child);
  TEST_ADD ("/Tasker/Policy/Tree/failure-propagates", test_failure_propagates);
  TEST_ADD ("/Tasker/Policy/Tree/ignore-child-failures", test_ignore_child_failures);
  TEST_ADD ("/Tasker/Policy/Tree/cancelled-child", test_cancelled_child);
  TEST_ADD ("/Tasker/Policy/Tree/parent-ended", test_parent_ended);
  TEST_ADD ("/Tasker/Policy/Tree/child-of-cancelled", test_child_of_cancelled);
  TEST_ADD ("/Tasker/Policy/Tree/mixed-kinds", test_mixed_kinds);
  TEST_ADD ("/Tasker/Policy/Tree/cancel-awaiting-parent", test_cancel_awaiting_parent);
  TEST_ADD ("/Tasker/Policy/Tree/parent-other-manager", test_parent_other_manager);
  g_test_add_func ("/Tasker/Tree/progress-weighted", parent_progress_is_weighted_from_children);

  return g_test_run ();
}
