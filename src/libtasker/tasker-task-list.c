/* tasker-task-list.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-task-list-private.h"
#include "tasker-task-private.h"

/* The manager's live list of unfinished tasks, as a GListModel.
 *
 * Used only on the manager's main context. Additions and removals are
 * collected and applied by _tasker_task_list_commit(), once per dispatch, so
 * that a burst of thousands of tasks costs a few ::items-changed emissions
 * rather than one per task. A task added and removed before a commit never
 * appears at all. */

struct _TaskerTaskList
{
  GObject    parent_instance;

  GPtrArray *items;       /* (owned) (element-type TaskerTask) the model as seen */
  GPtrArray *added;       /* (owned) (element-type TaskerTask) not yet in @items */
  guint      n_removed;   /* tasks in @items marked for removal */
  guint      first_removed;
};

static GType
tasker_task_list_get_item_type (GListModel *model)
{
  return TASKER_TYPE_TASK;
}

static guint
tasker_task_list_get_n_items (GListModel *model)
{
  return TASKER_TASK_LIST (model)->items->len;
}

static gpointer
tasker_task_list_get_item (GListModel *model,
                           guint       position)
{
  TaskerTaskList *self = TASKER_TASK_LIST (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tasker_task_list_get_item_type;
  iface->get_n_items = tasker_task_list_get_n_items;
  iface->get_item = tasker_task_list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TaskerTaskList, tasker_task_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static void
tasker_task_list_finalize (GObject *object)
{
  TaskerTaskList *self = (TaskerTaskList *) object;

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->added, g_ptr_array_unref);

  G_OBJECT_CLASS (tasker_task_list_parent_class)->finalize (object);
}

static void
tasker_task_list_class_init (TaskerTaskListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tasker_task_list_finalize;
}

static void
tasker_task_list_init (TaskerTaskList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->added = g_ptr_array_new_with_free_func (g_object_unref);
  self->first_removed = G_MAXUINT;
}

TaskerTaskList *
_tasker_task_list_new (void)
{
  return g_object_new (TASKER_TYPE_TASK_LIST, NULL);
}

void
_tasker_task_list_add (TaskerTaskList *self,
                       TaskerTask     *task)
{
  g_assert (!task->in_list);

  task->in_list = TRUE;
  task->list_index = G_MAXUINT;
  g_ptr_array_add (self->added, g_object_ref (task));
}

/* Marks @task for removal; the tasks stay in place until the commit. */
void
_tasker_task_list_remove (TaskerTaskList *self,
                          TaskerTask     *task)
{
  g_assert (task->in_list);

  task->in_list = FALSE;
  if (task->list_index != G_MAXUINT)
    {
      self->n_removed++;
      self->first_removed = MIN (self->first_removed, task->list_index);
    }
}

static gboolean
apply_removals (TaskerTaskList *self)
{
  guint n_before = self->items->len;
  guint n_runs = 0;
  guint i;

  if (self->n_removed == 0)
    return FALSE;

  /* Few runs (tasks usually end in the order they started): remove each run,
   * last first, so earlier positions stay valid. Many scattered runs: compact
   * once and announce it as one change. */
  for (i = self->first_removed; i < n_before; i++)
    {
      TaskerTask *task = g_ptr_array_index (self->items, i);

      if (!task->in_list && (i == 0 || ((TaskerTask *) g_ptr_array_index (self->items, i - 1))->in_list))
        n_runs++;
    }

  if (n_runs <= 8)
    {
      i = n_before;
      while (i > self->first_removed)
        {
          guint end = i;

          while (i > self->first_removed && !((TaskerTask *) g_ptr_array_index (self->items, i - 1))->in_list)
            i--;
          if (i < end)
            {
              g_ptr_array_remove_range (self->items, i, end - i);
              g_list_model_items_changed (G_LIST_MODEL (self), i, end - i, 0);
            }
          while (i > self->first_removed && ((TaskerTask *) g_ptr_array_index (self->items, i - 1))->in_list)
            i--;
        }
    }
  else
    {
      guint kept = self->first_removed;

      for (i = self->first_removed; i < n_before; i++)
        {
          TaskerTask *task = g_ptr_array_index (self->items, i);

          if (task->in_list)
            self->items->pdata[kept++] = task;
          else
            g_object_unref (task);
        }
      self->items->len = kept;
      g_list_model_items_changed (G_LIST_MODEL (self), self->first_removed,
                                  n_before - self->first_removed,
                                  kept - self->first_removed);
    }

  for (i = self->first_removed; i < self->items->len; i++)
    ((TaskerTask *) g_ptr_array_index (self->items, i))->list_index = i;

  self->n_removed = 0;
  self->first_removed = G_MAXUINT;

  return TRUE;
}

static gboolean
apply_additions (TaskerTaskList *self)
{
  guint position = self->items->len;
  guint i;

  for (i = 0; i < self->added->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (self->added, i);

      if (!task->in_list)
        continue;

      task->list_index = self->items->len;
      g_ptr_array_add (self->items, g_object_ref (task));
    }
  g_ptr_array_set_size (self->added, 0);

  if (self->items->len == position)
    return FALSE;

  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, self->items->len - position);
  return TRUE;
}

/* Applies what changed since the last commit. Returns whether the model changed. */
gboolean
_tasker_task_list_commit (TaskerTaskList *self)
{
  gboolean removed = apply_removals (self);
  gboolean added = apply_additions (self);

  return removed || added;
}
