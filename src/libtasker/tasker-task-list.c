/* tasker-task-list.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "tasker-task-list-private.h"
#include "tasker-task-private.h"

/* The manager's live list of unfinished tasks, as a GListModel.
 *
 * Used only on the manager's main context. Additions and removals are
 * collected and applied by _tasker_task_list_commit(), once per dispatch, so
 * that a burst of thousands of tasks costs a few ::items-changed emissions
 * rather than one per task. A task added and removed before a commit never
 * appears at all.
 *
 * The items live in a deque: tasks mostly end in the order they started, so
 * removing from the front must not move the rest. A task's position is found
 * by binary search on the sequence number it got when it joined, which stays
 * valid however the list shifts.
 *
 * References: an unfinished task is the manager's, so the list borrows the
 * manager's reference while the task is in it, and _tasker_task_list_remove()
 * takes that reference over until the commit (a ref/unref pair less per
 * task). An entry is owned exactly when its task's @in_list is FALSE. */

struct _TaskerTaskList
{
  GObject      parent_instance;

  TaskerTask **items;      /* items[head .. head + n_items): borrowed while in_list, then owned */
  guint        head;
  guint        n_items;
  guint        capacity;
  guint64      next_seq;
  /* Both appended to once per task: plain arrays, grown here, so that an
   * append is a store rather than a call into GLib. */
  TaskerTask **added;      /* (owned) added[0 .. n_added): not yet in @items, borrowed or owned as in @items */
  guint        n_added;
  guint        added_capacity;
  guint       *removed;    /* (owned) removed[0 .. n_removed): positions of tasks marked for removal */
  guint        n_removed;
  guint        removed_capacity;
};

static GType
tasker_task_list_get_item_type (GListModel *model)
{
  return TASKER_TYPE_TASK;
}

static guint
tasker_task_list_get_n_items (GListModel *model)
{
  return ((TaskerTaskList *) model)->n_items;
}

static gpointer
tasker_task_list_get_item (GListModel *model,
                           guint       position)
{
  TaskerTaskList *self = (TaskerTaskList *) model;

  if (position >= self->n_items)
    return NULL;

  return g_object_ref (self->items[self->head + position]);
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

  for (guint i = 0; i < self->n_items; i++)
    if (!self->items[self->head + i]->slot.in_list)
      g_object_unref (self->items[self->head + i]);
  g_clear_pointer (&self->items, g_free);
  for (guint i = 0; i < self->n_added; i++)
    if (!self->added[i]->slot.in_list)
      g_object_unref (self->added[i]);
  g_clear_pointer (&self->added, g_free);
  g_clear_pointer (&self->removed, g_free);

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
}

TaskerTaskList *
_tasker_task_list_new (void)
{
  return g_object_new (TASKER_TYPE_TASK_LIST, NULL);
}

static guint
find_position (TaskerTaskList *self,
               TaskerTask     *task)
{
  TaskerTask **base = self->items + self->head;
  guint64 seq = task->slot.list_seq;
  guint64 after = base[self->n_items - 1]->slot.list_seq - seq;
  guint lo, hi;

  /* Sequence numbers are distinct and rising, so at most (last − seq) items
   * follow the task and at most (seq − first) precede it. Only a task that
   * outlived others joined after it has fewer followers than that, so the
   * lower bound is mostly exact (tasks end in about the order they started,
   * and a removal is applied at the commit, not here): look there first,
   * then gallop forward, then search the bracket (O(log distance)). */
  lo = after >= self->n_items ? 0 : self->n_items - 1 - (guint) after;
  hi = (guint) MIN (seq - base[0]->slot.list_seq, (guint64) self->n_items - 1) + 1;

  if (base[lo] != task)
    {
      guint step = 1;

      while (lo + step < hi && base[lo + step]->slot.list_seq < seq)
        {
          lo += step;
          step *= 2;
        }
      hi = MIN (hi, lo + step + 1);

      while (lo < hi)
        {
          guint mid = lo + (hi - lo) / 2;

          if (base[mid]->slot.list_seq < seq)
            lo = mid + 1;
          else
            hi = mid;
        }
    }

  g_assert (lo < self->n_items && base[lo] == task);

  return lo;
}

/* Borrows the caller's (the manager's) reference to the unfinished @task. */
void
_tasker_task_list_add (TaskerTaskList *self,
                       TaskerTask     *task)
{
  g_assert (!task->slot.in_list);

  task->slot.in_list = TRUE;
  task->slot.list_seq = 0;
  if G_UNLIKELY (self->n_added == self->added_capacity)
    {
      self->added_capacity = MAX (64, 2 * self->added_capacity);
      self->added = g_renew (TaskerTask *, self->added, self->added_capacity);
    }
  self->added[self->n_added++] = task;
}

/* Marks @task for removal, taking over the reference it borrowed; the
 * model changes at the commit, which drops it. */
void
_tasker_task_list_remove (TaskerTaskList *self,
                          TaskerTask     *task)
{
  g_assert (task->slot.in_list);

  task->slot.in_list = FALSE;

  /* Sequence 0: still in @added, where the commit skips it. */
  if (task->slot.list_seq != 0)
    {
      guint position = find_position (self, task);
      if G_UNLIKELY (self->n_removed == self->removed_capacity)
        {
          self->removed_capacity = MAX (64, 2 * self->removed_capacity);
          self->removed = g_renew (guint, self->removed, self->removed_capacity);
        }
      self->removed[self->n_removed++] = position;
    }
}

static int
compare_positions (gconstpointer a,
                   gconstpointer b)
{
  guint pa = *(const guint *) a;
  guint pb = *(const guint *) b;

  return pa < pb ? -1 : pa > pb;
}

/* Tasks usually end in about the order they started (two threads finish
 * them a few places apart): an insertion sort handles that in one pass; past
 * a budget of moves, qsort() takes over. */
static void
sort_positions (guint *positions,
                guint  n)
{
  gsize budget = 8 * (gsize) n;

  for (guint i = 1; i < n; i++)
    {
      guint value = positions[i];
      guint j = i;

      while (j > 0 && positions[j - 1] > value)
        {
          positions[j] = positions[j - 1];
          j--;
          if (--budget == 0)
            {
              positions[j] = value;
              qsort (positions, n, sizeof (guint), compare_positions);
              return;
            }
        }
      positions[j] = value;
    }
}

/* Removes items[start .. start + n), moving whichever side is shorter. */
static void
remove_run (TaskerTaskList *self,
            guint           start,
            guint           n)
{
  TaskerTask **base = self->items + self->head;
  guint after = self->n_items - start - n;

  for (guint i = 0; i < n; i++)
    g_object_unref (base[start + i]);

  if (start < after)
    {
      memmove (base + n, base, start * sizeof (TaskerTask *));
      self->head += n;
    }
  else
    {
      memmove (base + start, base + start + n, after * sizeof (TaskerTask *));
    }
  self->n_items -= n;

  g_list_model_items_changed (G_LIST_MODEL (self), start, n, 0);
}

static gboolean
apply_removals (TaskerTaskList *self)
{
  guint *positions = self->removed;
  guint n_removed = self->n_removed;
  guint n_runs = 1;

  if (n_removed == 0)
    return FALSE;

  sort_positions (positions, n_removed);
  for (guint i = 1; i < n_removed; i++)
    if (positions[i] != positions[i - 1] + 1)
      n_runs++;

  /* One change per run is what views handle best (a view re-sorting or
   * re-binding a whole tail costs far more than a few small moves), as
   * long as the moves stay cheap; a huge scattered removal is compacted
   * once instead. */
  if (n_runs <= 16 || (guint64) n_runs * self->n_items <= 4 * 1024 * 1024)
    {
      /* Last run first, so the positions of earlier runs stay valid. */
      guint end = n_removed;

      while (end > 0)
        {
          guint start = end - 1;

          while (start > 0 && positions[start - 1] + 1 == positions[start])
            start--;
          remove_run (self, positions[start], end - start);
          end = start;
        }
    }
  else
    {
      /* Scattered: compact once and announce it as one change. */
      TaskerTask **base = self->items + self->head;
      guint first = positions[0];
      guint n_before = self->n_items;
      guint kept = first;

      for (guint i = first; i < n_before; i++)
        {
          if (base[i]->slot.in_list)
            base[kept++] = base[i];
          else
            g_object_unref (base[i]);
        }
      self->n_items = kept;
      g_list_model_items_changed (G_LIST_MODEL (self), first, n_before - first, kept - first);
    }

  self->n_removed = 0;

  return TRUE;
}

static void
reserve (TaskerTaskList *self,
         guint           n)
{
  if (self->head + self->n_items + n <= self->capacity)
    return;

  /* Slide back to the start when that frees enough; grow otherwise. */
  if (self->n_items + n <= self->capacity / 2)
    {
      memmove (self->items, self->items + self->head, self->n_items * sizeof (TaskerTask *));
      self->head = 0;
      return;
    }

  self->capacity = MAX (64, 2 * (self->n_items + n));
  if (self->head > 0)
    {
      memmove (self->items, self->items + self->head, self->n_items * sizeof (TaskerTask *));
      self->head = 0;
    }
  self->items = g_renew (TaskerTask *, self->items, self->capacity);
}

static gboolean
apply_additions (TaskerTaskList *self)
{
  guint position = self->n_items;

  reserve (self, self->n_added);

  for (guint i = 0; i < self->n_added; i++)
    {
      TaskerTask *task = self->added[i];

      /* A borrowed entry moves to @items; an owned one was removed already. */
      if (!task->slot.in_list)
        {
          g_object_unref (task);
          continue;
        }

      task->slot.list_seq = ++self->next_seq;
      self->items[self->head + self->n_items++] = task;
    }
  self->n_added = 0;

  if (self->n_items == position)
    return FALSE;

  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, self->n_items - position);
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
