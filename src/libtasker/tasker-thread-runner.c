/* tasker-thread-runner.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-context-private.h"
#include "tasker-task-private.h"
#include "tasker-thread-runner-private.h"

/* Runs thread tasks on a dedicated, bounded GThreadPool.
 *
 * Tasks wait in our own FIFO, linked through the tasks themselves, so a
 * submission allocates nothing; a task of a lower priority value goes ahead
 * of those with higher ones (equal ones stay in order). The pool only ever holds "drain tokens": at
 * most one per thread, each telling a pool thread to run tasks from the FIFO
 * until it is empty. A burst of submissions therefore costs one lock each and
 * a handful of pool pushes, not one pool push and one thread wake-up per task.
 *
 * The runner is reference counted: every token holds a reference, so a pool
 * thread can finish its loop even if the manager let go of the runner. */

struct _TaskerThreadRunner
{
  GMutex       lock;
  TaskerTask  *head;         /* (owned) (nullable) protected by @lock, linked by runner_next */
  TaskerTask  *tail;         /* protected by @lock */
  guint        n_drainers;   /* tokens pushed and not yet finished, protected by @lock */
  int          n_deferred;   /* (atomic) of those, tokens left for _kick(): taken without the lock */
  guint        n_lingering;  /* of those, drainers polling an empty FIFO, protected by @lock */
  guint        n_queued;     /* tasks in the FIFO, protected by @lock */
  int          pushed;       /* (atomic) bumped by every push: what lingering drainers poll */
  guint        max_threads;  /* protected by @lock */
  GThreadPool *pool;         /* (owned) */
};

/* How many times a drainer that ran out of tasks yields its CPU, looking
 * for a new one in between, before its thread goes to sleep: a few µs. */
#define LINGER_YIELDS 16
#define LINGER_MAX_USEC 50

static GPrivate in_pool_thread;
static GPrivate spare_context = G_PRIVATE_INIT (g_object_unref);

static TaskerThreadRunner *
runner_ref (TaskerThreadRunner *self)
{
  return g_atomic_rc_box_acquire (self);
}

static void
runner_clear (TaskerThreadRunner *self)
{
  g_assert (self->head == NULL);
  g_mutex_clear (&self->lock);
}

static void
runner_unref (TaskerThreadRunner *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) runner_clear);
}

/* @spare: the drain's context to recycle, or NULL; what may be recycled next
 * is left there. */
static void
run_task (TaskerTask     *task,
          TaskerContext **spare)
{
  /* A task cancelled while it waited is ended by the manager; never run it. */
  if (!g_atomic_int_get (&task->cancel_requested) && _tasker_task_claim_start (task))
    {
      const TaskerTaskSink *sink = task->sink;
      TaskerContext *context;

      /* The dirty mark makes the manager see RUNNING. Started, the task
       * can end only through its return, which the manager's own reference
       * outlives: ours goes with the mark, or now. */
      if (__atomic_exchange_n (&task->dirty, TRUE, __ATOMIC_ACQ_REL))
        g_object_unref (task);
      else if (sink->dirty_take != NULL)
        sink->dirty_take (task);
      else
        {
          sink->dirty (task);
          g_object_unref (task);
        }

      context = g_steal_pointer (spare);
      if (context != NULL)
        _tasker_context_recycle (context, task);
      else
        context = _tasker_context_new (task);

      task->func (context, task->func_data);

      if (_tasker_context_release (context))
        *spare = context;

      /* The function's return is the task's, whether or not it returned a value. */
      _tasker_task_begin_return (task);

      /* The manager's own reference keeps the task alive until it has handled
       * this report. */
      sink->returned (task);
    }
  else
    {
      /* Cancelled before it started: the manager has finished it already. */
      g_object_unref (task);
    }
}

static void
drain_func (gpointer data,
            gpointer user_data)
{
  TaskerThreadRunner *self = user_data;
  /* The thread's spare context, in a local while the drain runs: thread-local
   * storage once per drain, not twice per task. */
  TaskerContext *spare = g_private_get (&spare_context);

  g_private_set (&spare_context, NULL);
  g_private_set (&in_pool_thread, GINT_TO_POINTER (TRUE));

  for (gboolean lingered = FALSE;;)
    {
      TaskerTask *task;

      g_mutex_lock (&self->lock);
      /* Past a lowered max-threads, the drainer leaves with its task done. */
      task = self->n_drainers <= self->max_threads ? self->head : NULL;
      if (task == NULL && !lingered && self->n_drainers <= self->max_threads)
        {
          int seen = g_atomic_int_get (&self->pushed);
          gint64 until = g_get_monotonic_time () + LINGER_MAX_USEC;

          /* Before it sleeps, the thread waits a little for more work, giving
           * its CPU away at each look: in a burst the submitter then finds it
           * awake. Waking a sleeping pool thread costs the submitter a
           * syscall and, as often as not, its CPU (the woken thread preempts
           * it, runs a task, sleeps again). A push seeing a lingering drainer
           * wakes no one for a task it will take. */
          self->n_lingering++;
          g_mutex_unlock (&self->lock);
          for (guint i = 0;
               i < LINGER_YIELDS && g_atomic_int_get (&self->pushed) == seen &&
               g_get_monotonic_time () < until;
               i++)
            g_thread_yield ();
          g_mutex_lock (&self->lock);
          self->n_lingering--;
          g_mutex_unlock (&self->lock);
          lingered = TRUE;
          continue;
        }
      if (task == NULL)
        {
          self->n_drainers--;
          g_mutex_unlock (&self->lock);
          break;
        }
      lingered = FALSE;
      self->n_queued--;
      self->head = task->runner_next;
      if (self->head == NULL)
        self->tail = NULL;
      task->runner_next = NULL;
      g_mutex_unlock (&self->lock);

      run_task (task, &spare);
    }

  g_private_set (&in_pool_thread, NULL);
  g_private_set (&spare_context, spare);
  runner_unref (self);
}

TaskerThreadRunner *
_tasker_thread_runner_new (guint max_threads)
{
  TaskerThreadRunner *self = g_atomic_rc_box_new0 (TaskerThreadRunner);
  g_autoptr(GError) error = NULL;

  g_mutex_init (&self->lock);
  self->max_threads = MAX (1, max_threads);
  self->pool = g_thread_pool_new (drain_func, self, self->max_threads, FALSE, &error);
  g_assert_no_error (error);

  return self;
}

/* Stops the pool. Tasks still queued must have been taken back already. */
void
_tasker_thread_runner_free (TaskerThreadRunner *self)
{
  /* A pool thread cannot wait for itself. */
  g_thread_pool_free (g_steal_pointer (&self->pool), FALSE, !_tasker_thread_runner_in_pool_thread ());
  runner_unref (self);
}

/* Any thread. Takes a reference on @task until it starts (the reference goes
 * with its dirty mark; the manager's keeps it while it runs) or is skipped.
 * Returns whether it waits because every thread is busy: marked so before
 * any thread can start it, for the manager to show (DESIGN.md §4 Messages).
 *
 * With @defer, a pool thread this needs is not woken here but by the
 * caller's _tasker_thread_runner_kick(), which it must call next, once it
 * holds no lock: a thread woken under the manager's lock preempts the
 * submitter on its CPU, runs the task and then sleeps on that same lock. */
gboolean
_tasker_thread_runner_push (TaskerThreadRunner *self,
                            TaskerTask         *task,
                            gboolean            defer)
{
  gboolean need_drainer = FALSE;
  gboolean waits = FALSE;

  g_object_ref (task);

  g_mutex_lock (&self->lock);
  task->runner_next = NULL;
  if (self->tail == NULL)
    self->head = self->tail = task;
  else if (self->tail->policy.priority <= task->policy.priority)
    {
      /* The common case, equal priorities: first in, first out, O(1). */
      self->tail->runner_next = task;
      self->tail = task;
    }
  else
    {
      /* Lower priorities run first: after the last task not after it. */
      TaskerTask **link = &self->head;

      while (*link != NULL && (*link)->policy.priority <= task->policy.priority)
        link = &(*link)->runner_next;
      task->runner_next = *link;
      *link = task;
    }
  self->n_queued++;
  g_atomic_int_inc (&self->pushed);
  /* Each lingering drainer takes one of the queued tasks, awake; past
   * those, a pool thread is woken while the limit allows. */
  if (self->n_queued > self->n_lingering)
    {
      if (self->n_drainers < self->max_threads)
        {
          self->n_drainers++;
          if (defer)
            g_atomic_int_inc (&self->n_deferred);
          else
            need_drainer = TRUE;
        }
      else
        waits = TRUE;
    }
  /* Before it can start: a flag, no allocation on this hot path. */
  g_atomic_int_set (&task->waits_for, waits ? TASKER_WAIT_THREAD : TASKER_WAIT_NONE);
  g_mutex_unlock (&self->lock);

  if (need_drainer)
    g_thread_pool_push (self->pool, runner_ref (self), NULL);

  return waits;
}

/* Wakes the pool threads that deferred pushes claimed. */
void
_tasker_thread_runner_kick (TaskerThreadRunner *self)
{
  /* Most submissions find every thread busy and defer nothing: no lock. */
  int n = g_atomic_int_exchange (&self->n_deferred, 0);

  while (n-- > 0)
    g_thread_pool_push (self->pool, runner_ref (self), NULL);
}

void
_tasker_thread_runner_set_max_threads (TaskerThreadRunner *self,
                                       guint               max_threads)
{
  guint extra = 0;

  max_threads = MAX (1, max_threads);

  g_mutex_lock (&self->lock);
  self->max_threads = max_threads;
  g_thread_pool_set_max_threads (self->pool, max_threads, NULL);
  /* More threads allowed: put them to work on what is already waiting. */
  for (TaskerTask *t = self->head; t != NULL && self->n_drainers + extra < max_threads; t = t->runner_next)
    extra++;
  self->n_drainers += extra;
  g_mutex_unlock (&self->lock);

  while (extra-- > 0)
    g_thread_pool_push (self->pool, runner_ref (self), NULL);
}

guint
_tasker_thread_runner_get_max_threads (TaskerThreadRunner *self)
{
  guint max_threads;

  g_mutex_lock (&self->lock);
  max_threads = self->max_threads;
  g_mutex_unlock (&self->lock);

  return max_threads;
}

gboolean
_tasker_thread_runner_in_pool_thread (void)
{
  return g_private_get (&in_pool_thread) != NULL;
}
