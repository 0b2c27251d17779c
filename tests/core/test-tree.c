/* test-tree.c — a parent's progress weighted from its children
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-util.h"

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
  test_gate_wait (&child->go);
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
  test_wait_for (tasker_manager_get_context (manager), progress_is, &p);
  g_assert_cmpint (tasker_task_get_status (parent), ==, TASKER_TASK_STATUS_RUNNING);

  /* The first child ends: 0.5 × 1 + 0.5 × (1 + 0) / 2 */
  test_gate_open (&a.go);
  p = (ProgressIs) { parent, 0.75 };
  test_wait_for (tasker_manager_get_context (manager), progress_is, &p);

  test_gate_open (&b.go);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
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

  g_test_add_func ("/Tasker/Tree/progress-weighted", parent_progress_is_weighted_from_children);

  return g_test_run ();
}
