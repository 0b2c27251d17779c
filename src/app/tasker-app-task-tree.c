/* tasker-app-task-tree.c: the tasks the window lists, as a tree
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-app-task-tree.h"

/* TaskerAppTaskTree: a GListModel of the TaskerTasks a window lists, as a
 * flattened tree whose collapsed subtrees are left out.
 *
 * The manager's live model holds unfinished tasks only, and a row that
 * vanished the moment its task ended would hide how it ended. So the tree
 * keeps every task it was given (all), in the order given, with each child
 * placed after its parent's subtree, until clear_finished(). Its items are
 * those of all less the children of collapsed parents (visible, a filter
 * over all). Tasks are told apart by id. Main thread only. */

struct _TaskerAppTaskTree
{
  GObject             parent_instance;

  GListStore         *all;          /* (owned) (element-type TaskerTask) every task listed */
  GHashTable         *by_id;        /* (owned) task id (owned) → TaskerTask (in all) */
  GHashTable         *parents;      /* (owned) ids (owned) of listed tasks with listed children */
  GHashTable         *collapsed;    /* (owned) ids (owned) of tasks whose children are hidden */
  GtkCustomFilter    *filter;       /* (owned) hides the children of collapsed tasks */
  GtkFilterListModel *visible;      /* (owned) all, less the hidden children: the items */
};

enum {
  EXPANDERS_CHANGED,
  REVEALING,
  N_SIGNALS
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TaskerAppTaskTree, tasker_app_task_tree, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static guint signals[N_SIGNALS];

static GType
get_item_type (GListModel *model)
{
  return TASKER_TYPE_TASK;
}

static guint
get_n_items (GListModel *model)
{
  TaskerAppTaskTree *self = TASKER_APP_TASK_TREE (model);

  return g_list_model_get_n_items (G_LIST_MODEL (self->visible));
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  TaskerAppTaskTree *self = TASKER_APP_TASK_TREE (model);

  return g_list_model_get_item (G_LIST_MODEL (self->visible), position);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
visible_items_changed_cb (TaskerAppTaskTree *self,
                          guint              position,
                          guint              removed,
                          guint              added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static guint64 *
dup_id (TaskerTask *task)
{
  guint64 id = tasker_task_get_id (task);

  return g_memdup2 (&id, sizeof id);
}

static gboolean
has_id (GHashTable *set,
        TaskerTask *task)
{
  return g_hash_table_contains (set, &(guint64) { tasker_task_get_id (task) });
}

static gboolean
is_within (TaskerTask *task,
           TaskerTask *ancestor)
{
  for (; task != NULL; task = tasker_task_get_parent (task))
    if (task == ancestor)
      return TRUE;
  return FALSE;
}

/* Hidden while an ancestor is collapsed. */
static gboolean
is_visible (gpointer item,
            gpointer user_data)
{
  TaskerAppTaskTree *self = user_data;

  if (g_hash_table_size (self->collapsed) == 0)
    return TRUE;
  for (TaskerTask *task = tasker_task_get_parent (item);
       task != NULL;
       task = tasker_task_get_parent (task))
    if (has_id (self->collapsed, task))
      return FALSE;
  return TRUE;
}

/* A child goes after the last task of its parent's subtree, found from the
 * end since children usually arrive soon after their parent. */
static guint
insert_position (TaskerAppTaskTree *self,
                 TaskerTask        *task)
{
  TaskerTask *parent = tasker_task_get_parent (task);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->all));

  if (parent == NULL || !has_id (self->by_id, parent))
    return n;

  for (guint i = n; i > 0; i--)
    {
      g_autoptr(TaskerTask) other = g_list_model_get_item (G_LIST_MODEL (self->all), i - 1);

      if (is_within (other, parent))
        return i;
    }

  return n;
}

/* @parent, if listed, has a listed child. Returns whether that is news. */
static gboolean
add_parent (TaskerAppTaskTree *self,
            TaskerTask        *parent)
{
  if (parent == NULL || !has_id (self->by_id, parent) || has_id (self->parents, parent))
    return FALSE;
  g_hash_table_add (self->parents, dup_id (parent));
  return TRUE;
}

static void
tasker_app_task_tree_dispose (GObject *object)
{
  TaskerAppTaskTree *self = (TaskerAppTaskTree *) object;

  if (self->visible != NULL)
    g_signal_handlers_disconnect_by_func (self->visible, visible_items_changed_cb, self);
  g_clear_object (&self->visible);
  if (self->filter != NULL)
    gtk_custom_filter_set_filter_func (self->filter, NULL, NULL, NULL);
  g_clear_object (&self->filter);

  G_OBJECT_CLASS (tasker_app_task_tree_parent_class)->dispose (object);
}

static void
tasker_app_task_tree_finalize (GObject *object)
{
  TaskerAppTaskTree *self = (TaskerAppTaskTree *) object;

  g_clear_object (&self->all);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->parents, g_hash_table_unref);
  g_clear_pointer (&self->collapsed, g_hash_table_unref);

  G_OBJECT_CLASS (tasker_app_task_tree_parent_class)->finalize (object);
}

static void
tasker_app_task_tree_class_init (TaskerAppTaskTreeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tasker_app_task_tree_dispose;
  object_class->finalize = tasker_app_task_tree_finalize;

  /**
   * TaskerAppTaskTree::expanders-changed:
   *
   * Which tasks have children, or which are expanded, changed: rows that
   * show an expander update it. Main context.
   */
  signals[EXPANDERS_CHANGED] =
    g_signal_new ("expanders-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * TaskerAppTaskTree::revealing:
   *
   * Hidden children are about to come back all at once (a parent expanded,
   * or a collapsed parent cleared): a view showing a prefix of the tree
   * widens it first, so they push no row out of it. Main context.
   */
  signals[REVEALING] =
    g_signal_new ("revealing",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
tasker_app_task_tree_init (TaskerAppTaskTree *self)
{
  self->all = g_list_store_new (TASKER_TYPE_TASK);
  self->by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->parents = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->collapsed = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->filter = gtk_custom_filter_new (is_visible, self, NULL);
  self->visible = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->all)),
                                             GTK_FILTER (g_object_ref (self->filter)));
  g_signal_connect_swapped (self->visible, "items-changed",
                            G_CALLBACK (visible_items_changed_cb), self);
}

TaskerAppTaskTree *
tasker_app_task_tree_new (void)
{
  return g_object_new (TASKER_APP_TYPE_TASK_TREE, NULL);
}

/**
 * tasker_app_task_tree_get_all:
 *
 * Returns: (transfer none) (element-type TaskerTask): every task listed,
 *   collapsed or not, in tree order
 */
GListModel *
tasker_app_task_tree_get_all (TaskerAppTaskTree *self)
{
  g_return_val_if_fail (TASKER_APP_IS_TASK_TREE (self), NULL);
  return G_LIST_MODEL (self->all);
}

/* Adds the tasks of @model from @position not listed yet, in order: a task
 * without a parent at the end, a child after its parent's subtree. */
void
tasker_app_task_tree_add (TaskerAppTaskTree *self,
                          GListModel        *model,
                          guint              position,
                          guint              n_items)
{
  g_autoptr(GPtrArray) appended = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (TASKER_APP_IS_TASK_TREE (self));
  g_return_if_fail (G_IS_LIST_MODEL (model));

  for (guint i = position; i < position + n_items; i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (model, i);
      guint64 id = tasker_task_get_id (task);

      if (g_hash_table_contains (self->by_id, &id))
        continue;
      g_hash_table_insert (self->by_id, g_memdup2 (&id, sizeof id), task);

      if (tasker_task_get_parent (task) == NULL)
        g_ptr_array_add (appended, g_steal_pointer (&task));
      else
        {
          /* Keep the order: what was batched goes in first. */
          g_list_store_splice (self->all, g_list_model_get_n_items (G_LIST_MODEL (self->all)), 0,
                               appended->pdata, appended->len);
          g_ptr_array_set_size (appended, 0);
          g_list_store_insert (self->all, insert_position (self, task), task);
          /* ...and its parent's row offers to hide it. */
          if (add_parent (self, tasker_task_get_parent (task)))
            g_signal_emit (self, signals[EXPANDERS_CHANGED], 0);
        }
    }

  if (appended->len > 0)
    g_list_store_splice (self->all, g_list_model_get_n_items (G_LIST_MODEL (self->all)), 0,
                         appended->pdata, appended->len);
}

/* Returns: (transfer none) (nullable): the listed task with @id */
TaskerTask *
tasker_app_task_tree_lookup (TaskerAppTaskTree *self,
                             guint64            id)
{
  g_return_val_if_fail (TASKER_APP_IS_TASK_TREE (self), NULL);
  return g_hash_table_lookup (self->by_id, &id);
}

gboolean
tasker_app_task_tree_contains (TaskerAppTaskTree *self,
                               TaskerTask        *task)
{
  g_return_val_if_fail (TASKER_APP_IS_TASK_TREE (self), FALSE);
  g_return_val_if_fail (TASKER_IS_TASK (task), FALSE);
  return has_id (self->by_id, task);
}

/* Whether any listed task has listed children: then every row keeps an
 * expander's room, so that children sit indented under their parent. */
gboolean
tasker_app_task_tree_has_parents (TaskerAppTaskTree *self)
{
  g_return_val_if_fail (TASKER_APP_IS_TASK_TREE (self), FALSE);
  return g_hash_table_size (self->parents) > 0;
}

gboolean
tasker_app_task_tree_is_parent (TaskerAppTaskTree *self,
                                TaskerTask        *task)
{
  g_return_val_if_fail (TASKER_APP_IS_TASK_TREE (self), FALSE);
  return has_id (self->parents, task);
}

gboolean
tasker_app_task_tree_get_expanded (TaskerAppTaskTree *self,
                                   TaskerTask        *task)
{
  g_return_val_if_fail (TASKER_APP_IS_TASK_TREE (self), FALSE);
  return !has_id (self->collapsed, task);
}

/* Shows or hides the children of @task (and theirs). */
void
tasker_app_task_tree_set_expanded (TaskerAppTaskTree *self,
                                   TaskerTask        *task,
                                   gboolean           expanded)
{
  g_return_if_fail (TASKER_APP_IS_TASK_TREE (self));
  g_return_if_fail (TASKER_IS_TASK (task));

  if (expanded != has_id (self->collapsed, task))
    return;
  if (!expanded)
    g_hash_table_add (self->collapsed, dup_id (task));
  else
    {
      g_hash_table_remove (self->collapsed, &(guint64) { tasker_task_get_id (task) });
      g_signal_emit (self, signals[REVEALING], 0);
    }
  gtk_filter_changed (GTK_FILTER (self->filter),
                      expanded ? GTK_FILTER_CHANGE_LESS_STRICT : GTK_FILTER_CHANGE_MORE_STRICT);
  g_signal_emit (self, signals[EXPANDERS_CHANGED], 0);
}

/* Drops the tasks that have ended. */
void
tasker_app_task_tree_clear_finished (TaskerAppTaskTree *self)
{
  GListModel *model;
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer id;
  gboolean pruned = FALSE;
  guint n;

  g_return_if_fail (TASKER_APP_IS_TASK_TREE (self));

  model = G_LIST_MODEL (self->all);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      TaskerTask *task = g_list_model_get_item (model, i);

      if (tasker_task_is_final (task))
        {
          g_hash_table_remove (self->by_id, &(guint64) { tasker_task_get_id (task) });
          g_object_unref (task);
        }
      else
        g_ptr_array_add (kept, task);
    }

  g_hash_table_remove_all (self->parents);
  g_list_store_splice (self->all, 0, n, kept->pdata, kept->len);
  for (guint i = 0; i < kept->len; i++)
    add_parent (self, tasker_task_get_parent (kept->pdata[i]));

  /* A cleared parent that was collapsed no longer hides its children. */
  g_hash_table_iter_init (&iter, self->collapsed);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    if (!g_hash_table_contains (self->by_id, id))
      {
        g_hash_table_iter_remove (&iter);
        pruned = TRUE;
      }
  if (pruned)
    {
      g_signal_emit (self, signals[REVEALING], 0);
      gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_LESS_STRICT);
    }

  g_signal_emit (self, signals[EXPANDERS_CHANGED], 0);
}

/* Where @task is among the items (the visible tasks), if it is. */
gboolean
tasker_app_task_tree_find (TaskerAppTaskTree *self,
                           TaskerTask        *task,
                           guint             *position)
{
  guint n;

  g_return_val_if_fail (TASKER_APP_IS_TASK_TREE (self), FALSE);
  g_return_val_if_fail (position != NULL, FALSE);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->visible));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TaskerTask) item = g_list_model_get_item (G_LIST_MODEL (self->visible), i);

      if (item == task)
        {
          *position = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* How many ancestors @task has: its indent in the list. */
guint
tasker_app_task_tree_get_depth (TaskerTask *task)
{
  guint depth = 0;

  g_return_val_if_fail (TASKER_IS_TASK (task), 0);

  while ((task = tasker_task_get_parent (task)) != NULL)
    depth++;
  return depth;
}
