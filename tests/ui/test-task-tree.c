/* test-task-tree.c: TaskerAppTaskTree, the window's task list, without a display
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-app-task-tree.h"

#define SETTLE_MS 10000

typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean open;
} Gate;

typedef struct
{
  TaskerManager     *manager;
  TaskerAppTaskTree *tree;
  GArray            *changes;            /* (element-type Change) items-changed, in order */
  guint              expanders_changed;
  guint              revealing;
  Gate               gate;               /* holds the tasks that wait on it */
} Fixture;

typedef struct
{
  guint position, removed, added;
} Change;

static void
quick_func (TaskerContext *context,
            gpointer       user_data)
{
}

static void
gated_func (TaskerContext *context,
            gpointer       user_data)
{
  Gate *gate = user_data;

  g_mutex_lock (&gate->mutex);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->mutex);
  g_mutex_unlock (&gate->mutex);
}

static void
open_gate (Gate *gate)
{
  g_mutex_lock (&gate->mutex);
  gate->open = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->mutex);
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *f)
{
  Change change = { position, removed, added };

  g_array_append_val (f->changes, change);
}

static void
count_cb (guint *counter)
{
  (*counter)++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->manager = tasker_manager_new (NULL);
  f->tree = tasker_app_task_tree_new ();
  f->changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_mutex_init (&f->gate.mutex);
  g_cond_init (&f->gate.cond);
  g_signal_connect (f->tree, "items-changed", G_CALLBACK (items_changed_cb), f);
  g_signal_connect_swapped (f->tree, "expanders-changed", G_CALLBACK (count_cb),
                            &f->expanders_changed);
  g_signal_connect_swapped (f->tree, "revealing", G_CALLBACK (count_cb), &f->revealing);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  open_gate (&f->gate);
  g_assert_true (tasker_manager_wait_until_settled (f->manager, SETTLE_MS));
  g_assert_finalize_object (f->tree);
  g_clear_object (&f->manager);
  g_array_unref (f->changes);
  g_mutex_clear (&f->gate.mutex);
  g_cond_clear (&f->gate.cond);
}

static TaskerTask *
run (Fixture    *f,
     TaskerTask *parent,
     gboolean    gated)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  if (parent != NULL)
    tasker_task_options_set_parent (options, parent);
  task = tasker_manager_run_thread (f->manager, NULL, options,
                                    gated ? gated_func : quick_func, &f->gate, NULL, &error);
  g_assert_no_error (error);
  return task;
}

/* Gives @task to the tree, as the window does with each new task. */
static void
add (Fixture    *f,
     TaskerTask *task)
{
  g_autoptr(GListStore) one = g_list_store_new (TASKER_TYPE_TASK);

  g_list_store_append (one, task);
  tasker_app_task_tree_add (f->tree, G_LIST_MODEL (one), 0, 1);
}

static void
assert_items (GListModel *model,
              ...)
{
  va_list args;
  guint i = 0;
  TaskerTask *want;

  va_start (args, model);
  while ((want = va_arg (args, TaskerTask *)) != NULL)
    {
      g_autoptr(TaskerTask) item = g_list_model_get_item (model, i);

      g_assert_true (item == want);
      i++;
    }
  va_end (args);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, i);
}

static void
assert_change (Fixture *f,
               guint    position,
               guint    removed,
               guint    added)
{
  Change *change;

  g_assert_cmpuint (f->changes->len, ==, 1);
  change = &g_array_index (f->changes, Change, 0);
  g_assert_cmpuint (change->position, ==, position);
  g_assert_cmpuint (change->removed, ==, removed);
  g_assert_cmpuint (change->added, ==, added);
  g_array_set_size (f->changes, 0);
}

/* Children go after their parent's subtree, in the order they come;
 * tasks given twice are listed once. */
static void
test_insert (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(TaskerTask) p = run (f, NULL, FALSE);
  g_autoptr(TaskerTask) r = run (f, NULL, FALSE);
  g_autoptr(TaskerTask) c1 = run (f, p, FALSE);
  g_autoptr(TaskerTask) c2 = run (f, p, FALSE);
  g_autoptr(TaskerTask) g = run (f, c1, FALSE);
  g_autoptr(GListStore) batch = g_list_store_new (TASKER_TYPE_TASK);

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (f->tree)) == TASKER_TYPE_TASK);

  /* Two roots at once: one change. */
  g_list_store_append (batch, p);
  g_list_store_append (batch, r);
  tasker_app_task_tree_add (f->tree, G_LIST_MODEL (batch), 0, 2);
  assert_change (f, 0, 0, 2);
  g_assert_false (tasker_app_task_tree_has_parents (f->tree));
  g_assert_cmpuint (f->expanders_changed, ==, 0);

  add (f, c1);
  assert_change (f, 1, 0, 1);
  g_assert_true (tasker_app_task_tree_has_parents (f->tree));
  g_assert_true (tasker_app_task_tree_is_parent (f->tree, p));
  g_assert_false (tasker_app_task_tree_is_parent (f->tree, c1));
  g_assert_cmpuint (f->expanders_changed, ==, 1);

  add (f, c2);
  assert_change (f, 2, 0, 1);
  g_assert_cmpuint (f->expanders_changed, ==, 1);

  /* A grandchild goes after its parent, before its parent's sibling. */
  add (f, g);
  assert_change (f, 2, 0, 1);
  g_assert_cmpuint (f->expanders_changed, ==, 2);
  assert_items (G_LIST_MODEL (f->tree), p, c1, g, c2, r, NULL);
  assert_items (tasker_app_task_tree_get_all (f->tree), p, c1, g, c2, r, NULL);
  g_assert_cmpuint (tasker_app_task_tree_get_depth (g), ==, 2);

  /* Already listed: nothing changes. */
  tasker_app_task_tree_add (f->tree, G_LIST_MODEL (batch), 0, 2);
  g_assert_cmpuint (f->changes->len, ==, 0);
  g_assert_true (tasker_app_task_tree_lookup (f->tree, tasker_task_get_id (g)) == g);
  g_assert_true (tasker_app_task_tree_contains (f->tree, c2));
}

/* Collapsing hides a subtree (and keeps a collapsed subtree within hidden);
 * expanding brings back what was shown before. */
static void
test_expand_collapse (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(TaskerTask) p = run (f, NULL, FALSE);
  g_autoptr(TaskerTask) c1 = run (f, p, FALSE);
  g_autoptr(TaskerTask) g = run (f, c1, FALSE);
  g_autoptr(TaskerTask) c2 = run (f, p, FALSE);
  g_autoptr(TaskerTask) r = run (f, NULL, FALSE);
  guint position;

  add (f, p);
  add (f, c1);
  add (f, g);
  add (f, c2);
  add (f, r);
  g_array_set_size (f->changes, 0);
  f->expanders_changed = 0;

  g_assert_true (tasker_app_task_tree_get_expanded (f->tree, c1));
  tasker_app_task_tree_set_expanded (f->tree, c1, FALSE);
  assert_change (f, 2, 1, 0);
  g_assert_false (tasker_app_task_tree_get_expanded (f->tree, c1));
  assert_items (G_LIST_MODEL (f->tree), p, c1, c2, r, NULL);
  g_assert_false (tasker_app_task_tree_find (f->tree, g, &position));
  g_assert_cmpuint (f->expanders_changed, ==, 1);

  /* Again: nothing happens. */
  tasker_app_task_tree_set_expanded (f->tree, c1, FALSE);
  g_assert_cmpuint (f->changes->len, ==, 0);
  g_assert_cmpuint (f->expanders_changed, ==, 1);

  tasker_app_task_tree_set_expanded (f->tree, p, FALSE);
  assert_change (f, 1, 2, 0);
  assert_items (G_LIST_MODEL (f->tree), p, r, NULL);
  g_assert_true (tasker_app_task_tree_find (f->tree, r, &position));
  g_assert_cmpuint (position, ==, 1);
  /* Every task stays listed. */
  assert_items (tasker_app_task_tree_get_all (f->tree), p, c1, g, c2, r, NULL);
  g_assert_cmpuint (f->revealing, ==, 0);

  tasker_app_task_tree_set_expanded (f->tree, p, TRUE);
  g_assert_cmpuint (f->revealing, ==, 1);
  assert_change (f, 1, 0, 2);
  assert_items (G_LIST_MODEL (f->tree), p, c1, c2, r, NULL);

  tasker_app_task_tree_set_expanded (f->tree, c1, TRUE);
  g_assert_cmpuint (f->revealing, ==, 2);
  assert_change (f, 2, 0, 1);
  assert_items (G_LIST_MODEL (f->tree), p, c1, g, c2, r, NULL);
  g_assert_true (tasker_app_task_tree_find (f->tree, c2, &position));
  g_assert_cmpuint (position, ==, 3);
}

/* Clear Finished drops the tasks that ended and the expanders of parents
 * left without children. */
static void
test_clear_finished (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(TaskerTask) p = run (f, NULL, FALSE);
  g_autoptr(TaskerTask) c = run (f, p, FALSE);
  g_autoptr(TaskerTask) busy = run (f, NULL, TRUE);
  g_autoptr(TaskerTask) busy_child = run (f, busy, TRUE);
  GMainContext *context = tasker_manager_get_context (f->manager);
  gint64 deadline = g_get_monotonic_time () + SETTLE_MS * 1000;

  add (f, p);
  add (f, busy);
  add (f, c);
  add (f, busy_child);
  assert_items (G_LIST_MODEL (f->tree), p, c, busy, busy_child, NULL);
  g_array_set_size (f->changes, 0);

  while (!(tasker_task_is_final (p) && tasker_task_is_final (c)) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, FALSE);
  g_assert_true (tasker_task_is_final (c));

  f->expanders_changed = 0;
  tasker_app_task_tree_clear_finished (f->tree);
  assert_change (f, 0, 4, 2);
  assert_items (G_LIST_MODEL (f->tree), busy, busy_child, NULL);
  g_assert_false (tasker_app_task_tree_contains (f->tree, p));
  g_assert_null (tasker_app_task_tree_lookup (f->tree, tasker_task_get_id (c)));
  g_assert_false (tasker_app_task_tree_is_parent (f->tree, p));
  g_assert_true (tasker_app_task_tree_is_parent (f->tree, busy));
  g_assert_cmpuint (f->expanders_changed, ==, 1);

  /* A collapsed parent that goes lets nothing stay hidden. */
  tasker_app_task_tree_set_expanded (f->tree, busy, FALSE);
  assert_change (f, 1, 1, 0);
  open_gate (&f->gate);
  g_assert_true (tasker_manager_wait_until_settled (f->manager, SETTLE_MS));
  while (!tasker_task_is_final (busy_child) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, FALSE);
  g_assert_true (tasker_task_is_final (busy));
  f->revealing = 0;
  tasker_app_task_tree_clear_finished (f->tree);
  g_assert_cmpuint (f->revealing, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->tree)), ==, 0);
  g_assert_false (tasker_app_task_tree_has_parents (f->tree));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/Tasker/App/TaskTree/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("insert", test_insert);
  ADD ("expand-collapse", test_expand_collapse);
  ADD ("clear-finished", test_clear_finished);
#undef ADD

  return g_test_run ();
}
