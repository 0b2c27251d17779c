/* tasker-queue.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-queue-private.h"

typedef struct
{
  TaskerTask *task;      /* (owned) */
  int         priority;
  guint64     arrival;
} Waiter;

struct _TaskerQueue
{
  char   *name;
  guint   max_concurrent;  /* 0 = no limit */
  guint   capacity;        /* 0 = no limit */
  guint   running;         /* slots taken */
  guint64 arrivals;
  GQueue  waiting;         /* (element-type Waiter) by priority, then arrival */
};

TaskerQueue *
_tasker_queue_new (const char *name)
{
  TaskerQueue *self = g_new0 (TaskerQueue, 1);

  self->name = g_strdup (name);
  g_queue_init (&self->waiting);

  return self;
}

static void
waiter_free (gpointer data)
{
  Waiter *waiter = data;

  g_object_unref (waiter->task);
  g_free (waiter);
}

void
_tasker_queue_free (TaskerQueue *self)
{
  g_queue_clear_full (&self->waiting, waiter_free);
  g_free (self->name);
  g_free (self);
}

const char *
_tasker_queue_get_name (TaskerQueue *self)
{
  return self->name;
}

void
_tasker_queue_configure (TaskerQueue *self,
                         guint        max_concurrent,
                         guint        capacity)
{
  self->max_concurrent = max_concurrent;
  self->capacity = capacity;
}

static gboolean
has_free_slot (TaskerQueue *self)
{
  return self->max_concurrent == 0 || self->running < self->max_concurrent;
}

/* Whether a task submitted now would be refused: no free slot, and as
 * many waiting as the queue may hold. */
gboolean
_tasker_queue_is_full (TaskerQueue *self)
{
  return !has_free_slot (self) && self->capacity > 0 && self->waiting.length >= self->capacity;
}

/* Takes a slot if one is free and nobody waits for it. */
gboolean
_tasker_queue_take_slot (TaskerQueue *self)
{
  if (!has_free_slot (self) || self->waiting.length > 0)
    return FALSE;

  self->running++;
  return TRUE;
}

static gint
waiter_compare (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  const Waiter *wa = a, *wb = b;

  if (wa->priority != wb->priority)
    return wa->priority < wb->priority ? -1 : 1;
  return wa->arrival < wb->arrival ? -1 : wa->arrival > wb->arrival;
}

void
_tasker_queue_wait (TaskerQueue *self,
                    TaskerTask  *task,
                    int          priority)
{
  Waiter *waiter = g_new0 (Waiter, 1);

  waiter->task = g_object_ref (task);
  waiter->priority = priority;
  waiter->arrival = self->arrivals++;
  g_queue_insert_sorted (&self->waiting, waiter, waiter_compare, NULL);
}

/* Takes a waiting task out (it was cancelled). */
gboolean
_tasker_queue_remove (TaskerQueue *self,
                      TaskerTask  *task)
{
  for (GList *l = self->waiting.head; l != NULL; l = l->next)
    {
      Waiter *waiter = l->data;

      if (waiter->task == task)
        {
          waiter_free (waiter);
          g_queue_delete_link (&self->waiting, l);
          return TRUE;
        }
    }
  return FALSE;
}

/* Gives a slot back. */
TaskerTask *
_tasker_queue_release_slot (TaskerQueue *self)
{
  g_assert (self->running > 0);
  self->running--;

  return _tasker_queue_next_if_free (self);
}

/* The first waiting task, now holding a slot, if one is free; the caller
 * owns the reference. */
TaskerTask *
_tasker_queue_next_if_free (TaskerQueue *self)
{
  Waiter *waiter;
  TaskerTask *task;

  if (!has_free_slot (self) || self->waiting.length == 0)
    return NULL;

  waiter = g_queue_pop_head (&self->waiting);
  task = g_steal_pointer (&waiter->task);
  g_free (waiter);
  self->running++;

  return task;
}
