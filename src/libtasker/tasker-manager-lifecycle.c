/* tasker-manager-lifecycle.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-coroutine-runner-private.h"
#include "tasker-enums.h"
#include "tasker-error.h"
#include "tasker-history-private.h"
#include "tasker-manager-private.h"
#include "tasker-process-runner-private.h"
#include "tasker-queue-private.h"
#include "tasker-trace-private.h"
#include "tasker-task-list-private.h"
#include "tasker-task-options-private.h"
#include "tasker-task-private.h"
#include "tasker-thread-runner-private.h"

/* The life cycle of a task as the manager runs it: an attempt's outcome,
 * retry, timeout, the parent/children tree and the cancel cascade, the end
 * of a task (finish_task) and the waits for all of them (settle, shutdown).
 * The task's own transitions are in tasker-task.c. */

static void finish_parent (TaskerManager *self,
                           TaskerTask    *parent);

static GError *
timed_out_error (guint timeout_ms)
{
  return g_error_new (TASKER_ERROR, TASKER_ERROR_TIMED_OUT, "timed out after %u ms", timeout_ms);
}

static gboolean
timeout_cb (gpointer data)
{
  TaskerTask *task = data;
  g_autoptr(GError) reason = timed_out_error (task->policy.timeout_ms);

  g_clear_pointer (&task->slot.timeout_source, g_source_unref);
  _tasker_manager_task_cancel (task->manager, task, reason);

  return G_SOURCE_REMOVE;
}

/* The task has started: its timeout counts from now. */
void
_tasker_manager_task_started (TaskerManager *self,
                              TaskerTask    *task)
{
  if (task->policy.timeout_ms > 0 && task->slot.timeout_source == NULL)
    {
      task->slot.timeout_source = g_timeout_source_new (task->policy.timeout_ms);
      g_source_set_callback (task->slot.timeout_source, timeout_cb, task, NULL);
      g_source_set_static_name (task->slot.timeout_source, "[tasker-timeout]");
      g_source_attach (task->slot.timeout_source, self->context);
    }

  if (task->durable && self->history != NULL)
    _tasker_history_add (self->history, task);

  g_signal_emit (self, _tasker_manager_signals[TASK_STARTED], 0, task);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* @task has ended: its parent hears of it. Returns the parent, referenced,
 * if it was waiting for this last child. */
static TaskerTask *
child_ended_locked (TaskerTask *task)
{
  TaskerTask *parent = task->tree.parent;

  g_ptr_array_remove_fast (parent->tree.children, task);

  if (task->status == TASKER_TASK_STATUS_FAILED && !parent->tree.ignore_child_failures &&
      parent->tree.child_error == NULL)
    parent->tree.child_error = g_error_new (TASKER_ERROR, TASKER_ERROR_FAILED,
                                       "child task %" G_GUINT64_FORMAT " failed: %s",
                                       task->id, task->error != NULL ? task->error->message : "");

  if (parent->tree.awaiting_children && parent->tree.children->len == 0 && parent->slot.unfinished)
    return g_object_ref (parent);

  return NULL;
}

/* The task reaches its final status: everything that hangs off that, in order. */
static void
finish_task (TaskerManager    *self,
             TaskerTask       *task,
             TaskerTaskStatus  status,
             GError           *error)
{
  double old_progress;
  guint changed;
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(TaskerTask) parent = NULL;
  GSource *start_source = NULL;
  gboolean in_list;

  /* A message of the manager's own goes with the pending state; what the
   * function set until now is delivered before the end. */
  if (may_have_manager_message (task))
    _tasker_task_store_manager_message (task, NULL);
  changed = _tasker_manager_sync_task_quietly (self, task);
  if (changed & TASKER_TASK_CHANGED_STARTED)
    g_signal_emit (self, _tasker_manager_signals[TASK_STARTED], 0, task);

  clear_source (&task->slot.timeout_source);

  old_progress = task->progress;
  _tasker_task_finish (task, status, error);

  changed |= TASKER_TASK_CHANGED_STATUS;
  if (task->progress != old_progress)
    changed |= TASKER_TASK_CHANGED_PROGRESS;

  if (task->slot.counted)
    {
      self->batch_live_progress -= old_progress;
      self->batch_finished++;
    }
  self->emit_pending = TRUE;

  g_mutex_lock (&self->lock);
  if (task->key != NULL && g_hash_table_lookup (self->keys, task->key) == task)
    g_hash_table_remove (self->keys, task->key);
  _tasker_manager_unfinished_unlink_locked (self, task);
  if (task->slot.queue != NULL)
    _tasker_manager_leave_queue_locked (self, task);
  if (task->tree.parent != NULL)
    parent = child_ended_locked (task);
  if (task->waits || task->slot.dependants != NULL)
    _tasker_manager_waiting_ended_locked (self, task, &start_source);
  g_mutex_unlock (&self->lock);

  clear_source (&task->slot.retry_source);
  clear_source (&start_source);

  /* The list takes over the reference taken at submit, if it has the task. */
  in_list = task->slot.in_list;
  if (in_list)
    _tasker_task_list_remove (self->live, task);

  _tasker_task_notify (task, changed);
  g_signal_emit (self, _tasker_manager_signals[TASK_FINISHED], 0, task);

  /* Queued for the history's writer: no disk I/O here. A durable task the
   * shutdown cancelled did not end for its program: it stays unfinished. */
  if (self->history != NULL && task->durable && status == TASKER_TASK_STATUS_CANCELLED &&
      g_atomic_int_get (&task->shutdown_cancelled))
    _tasker_history_add_interrupted (self->history, task);
  else if (self->history != NULL)
    _tasker_history_add (self->history, task);

  options = _tasker_task_steal_options (task);
  if (options != NULL)
    _tasker_task_options_call_done (options, task);

  /* The task's data is freed here, on the manager's context (unless a
   * rearm takes it, tasker-manager-waiting.c). */
  if (!task->slot.keeps_func_data)
    _tasker_task_free_func_data (task);

  /* An ended child counts whole in its parent's progress. */
  _tasker_manager_share_with_parent (self, task, 1.0);

  /* The reference taken at submit, unless the list took it. */
  if (!in_list)
    g_object_unref (task);

  /* A parent that waited for its last child ends now. */
  if (parent != NULL)
    finish_parent (self, parent);
}

void
_tasker_manager_finish_task (TaskerManager    *self,
                             TaskerTask       *task,
                             TaskerTaskStatus  status,
                             GError           *error)
{
  finish_task (self, task, status, error);
}

/* A timeout is a cancel that counts as a failure. */
static void
finish_cancelled (TaskerManager *self,
                  TaskerTask    *task)
{
  GError *error = _tasker_task_dup_cancel_error (task);

  finish_task (self, task, _tasker_task_cancel_status (error), error);
}

static char *
format_delay (guint delay_ms)
{
  if (delay_ms < 1000)
    return g_strdup_printf ("%u ms", delay_ms);
  if (delay_ms % 1000 == 0)
    return g_strdup_printf ("%u s", delay_ms / 1000);
  return g_strdup_printf ("%.1f s", delay_ms / 1000.0);
}

static gboolean
retry_cb (gpointer data)
{
  TaskerTask *task = data;
  TaskerManager *self = task->manager;

  g_clear_pointer (&task->slot.retry_source, g_source_unref);

  g_mutex_lock (&self->lock);
  _tasker_manager_admit_locked (self, task);
  g_mutex_unlock (&self->lock);

  return G_SOURCE_REMOVE;
}

/* The attempt failed and another follows: the task waits, pending, holding
 * no thread, worker or slot, its message saying when it retries. */
static void
schedule_retry (TaskerManager *self,
                TaskerTask    *task)
{
  guint delay_ms = _tasker_policy_retry_delay (&task->policy, task->attempt, g_random_double ());
  g_autofree char *delay = format_delay (delay_ms);
  g_autofree char *message = NULL;
  guint changed;

  clear_source (&task->slot.timeout_source);

  g_mutex_lock (&self->lock);
  if (task->slot.queue != NULL)
    _tasker_manager_leave_queue_locked (self, task);
  g_mutex_unlock (&self->lock);

  changed = _tasker_task_prepare_retry (task);
  message = g_strdup_printf ("Retrying in %s, attempt %u of %u",
                             delay, task->attempt + 1, task->policy.max_attempts);
  _tasker_task_store_manager_message (task, message);
  changed |= _tasker_manager_sync_task_quietly (self, task);
  self->emit_pending = TRUE;
  _tasker_task_notify (task, changed);

  task->slot.retry_source = g_timeout_source_new (delay_ms);
  g_source_set_callback (task->slot.retry_source, retry_cb, task, NULL);
  g_source_set_static_name (task->slot.retry_source, "[tasker-retry]");
  g_source_attach (task->slot.retry_source, self->context);
}

/* A parent whose function has ended and whose children all have: its own
 * outcome, unless a child failed it or it was cancelled meanwhile. */
static void
finish_parent (TaskerManager *self,
               TaskerTask    *parent)
{
  TaskerTaskStatus status = parent->tree.pending_status;
  GError *error = g_steal_pointer (&parent->tree.pending_error);

  if (_tasker_task_is_final (parent))
    {
      g_clear_error (&error);
      return;
    }

  parent->tree.awaiting_children = FALSE;
  if (g_atomic_int_get (&parent->cancel_requested) && status != TASKER_TASK_STATUS_FAILED)
    {
      g_clear_error (&error);
      status = TASKER_TASK_STATUS_CANCELLED;
      error = _tasker_task_dup_cancel_error (parent);
    }
  else if (status == TASKER_TASK_STATUS_COMPLETED && parent->tree.child_error != NULL)
    {
      status = TASKER_TASK_STATUS_FAILED;
      error = g_error_copy (parent->tree.child_error);
    }

  finish_task (self, parent, status, error);
}

void
_tasker_manager_handle_returned (TaskerManager *self,
                                 TaskerTask    *task)
{
  TaskerTaskStatus status;
  GError *error = NULL;
  gboolean shut_down, has_children;
  guint attempt;

  if (_tasker_task_is_final (task))
    return;

  /* The attempt that ended, whether or not its start was seen yet. */
  status = _tasker_task_end_attempt (task, &attempt, &error);

  /* The lock only for the tasks that may need it: most end here. */
  shut_down = FALSE;
  has_children = FALSE;
  if ((status == TASKER_TASK_STATUS_FAILED && attempt < task->policy.max_attempts) ||
      task->tree.children != NULL)
    {
      g_mutex_lock (&self->lock);
      shut_down = self->shut_down;
      has_children = task->tree.children != NULL && task->tree.children->len > 0;
      g_mutex_unlock (&self->lock);
    }

  /* Any failure is retried while attempts remain; a cancel never is. */
  if (status == TASKER_TASK_STATUS_FAILED && attempt < task->policy.max_attempts && !shut_down)
    {
      /* The start this attempt made is seen before the task goes back. */
      _tasker_manager_sync_task (self, task);
      g_clear_error (&error);
      schedule_retry (self, task);
      return;
    }

  if (has_children)
    {
      /* RUNNING with no thread until the children have ended. */
      task->tree.pending_status = status;
      task->tree.pending_error = error;
      task->tree.awaiting_children = TRUE;
      clear_source (&task->slot.timeout_source);
      g_mutex_lock (&self->lock);
      if (task->slot.queue != NULL)
        _tasker_manager_leave_queue_locked (self, task);
      has_children = task->tree.children->len > 0;
      g_mutex_unlock (&self->lock);
      if (!has_children)
        finish_parent (self, task);
      return;
    }

  if (status == TASKER_TASK_STATUS_COMPLETED && task->tree.child_error != NULL)
    {
      status = TASKER_TASK_STATUS_FAILED;
      error = g_error_copy (task->tree.child_error);
    }

  finish_task (self, task, status, error);
}

void
_tasker_manager_handle_start (TaskerManager *self,
                              TaskerTask    *task)
{
  /* Cancelled before it could start: it never runs (the cancel message ends it). */
  if (g_atomic_int_get (&task->cancel_requested) || !_tasker_task_claim_start (task))
    return;

  _tasker_manager_sync_task (self, task);

  /* An external task runs elsewhere: RUNNING is all there is to do; what
   * its owner reported or returned meanwhile follows in the inbox. */
  if (task->kind == TASKER_TASK_KIND_EXTERNAL)
    return;

  /* Bad input found at submit fails the task, as it would in a runner. */
  if (task->func == NULL)
    {
      finish_task (self, task, TASKER_TASK_STATUS_FAILED, _tasker_task_end_unrunnable (task));
      return;
    }

  _tasker_coroutine_runner_start (task);
}

void
_tasker_manager_handle_cancel (TaskerManager *self,
                               TaskerTask    *task)
{
  if (_tasker_task_is_final (task))
    return;

  /* An external task's owner ends it, or the grace does. */
  if (task->kind == TASKER_TASK_KIND_EXTERNAL)
    {
      _tasker_manager_handle_external_cancel (self, task);
      return;
    }

  /* A task that has not started ends now; a running one when its function ends. */
  if (g_atomic_int_get (&task->run_state) == TASKER_RUN_STATE_CLAIMED)
    finish_cancelled (self, task);
}

/* Called with @lock held: the runner's lock comes after ours (see Locking
 * in tasker-manager-private.h). */
static void
cancel_in_runner_locked (TaskerManager *self,
                         TaskerTask    *task)
{
  if (_tasker_manager_is_process_kind (task->kind) && self->processes != NULL)
    _tasker_process_runner_cancel (self->processes, task);
}

/* Cancels @task and every descendant with the same reason. The cancellables
 * to fire go to @to_fire, for the caller to fire once it holds no lock. */
void
_tasker_manager_cancel_tree_locked (TaskerManager *self,
                                    TaskerTask    *task,
                                    const GError  *reason,
                                    GPtrArray     *to_fire)
{
  GCancellable *cancellable = NULL;

  if (_tasker_task_request_cancel (task, reason, &cancellable))
    {
      _tasker_manager_push_msg_locked (self, MSG_CANCEL, task, NULL, NULL);
      cancel_in_runner_locked (self, task);
      /* A sender waiting for room stops waiting (see _tasker_manager_task_event). */
      if (task->slot.events_waiters > 0)
        g_cond_broadcast (&self->events_cond);
    }
  if (cancellable != NULL)
    g_ptr_array_add (to_fire, cancellable);

  if (task->tree.children != NULL)
    for (guint i = 0; i < task->tree.children->len; i++)
      _tasker_manager_cancel_tree_locked (self, g_ptr_array_index (task->tree.children, i), reason, to_fire);
}

void
_tasker_manager_fire_all (GPtrArray *cancellables)
{
  for (guint i = 0; i < cancellables->len; i++)
    g_cancellable_cancel (g_ptr_array_index (cancellables, i));
}

static gboolean
is_settled (TaskerManager *self)
{
  gboolean settled;

  g_mutex_lock (&self->lock);
  settled = self->settled;
  g_mutex_unlock (&self->lock);

  return settled;
}

static gboolean
deadline_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/**
 * tasker_manager_wait_until_settled:
 * @self: a #TaskerManager
 * @timeout_ms: how long to wait at most, in milliseconds; 0 checks once,
 *   -1 waits for ever
 *
 * Waits until no task is unfinished and nothing is left to deliver: every done
 * function has run and the last [signal@Tasker.Manager::tasks-updated] (an
 * empty list, progress 1) has been emitted. Iterates the manager's main
 * context meanwhile if the calling thread can acquire it; otherwise blocks
 * until the thread running that context gets there. It cannot wait inside
 * one of the manager's own callbacks (a critical warning says so).
 *
 * Returns: %TRUE if the manager settled, %FALSE if the time ran out
 *
 * Since: 1.0
 */
gboolean
tasker_manager_wait_until_settled (TaskerManager *self,
                                   int            timeout_ms)
{
  gint64 deadline;
  gboolean expired = FALSE;
  GSource *timer = NULL;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), FALSE);

  if (is_settled (self))
    return TRUE;
  if (timeout_ms == 0)
    return FALSE;

  deadline = timeout_ms < 0 ? G_MAXINT64 : g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  /* Our source cannot run again while it is dispatching: waiting here would
   * never end. */
  if (g_main_context_is_owner (self->context) && self->dispatching)
    {
      g_critical ("tasker_manager_wait_until_settled() and tasker_manager_shutdown() "
                  "cannot wait inside a callback of the same manager");
      return FALSE;
    }

  /* A thread task waiting for its own manager to settle would wait for
   * itself; and a pool thread must never run the context's callbacks. */
  if (_tasker_thread_runner_in_pool_thread ())
    {
      g_critical ("tasker_manager_wait_until_settled() and tasker_manager_shutdown() "
                  "cannot wait inside a thread task");
      return FALSE;
    }

  if (!g_main_context_acquire (self->context))
    {
      gboolean settled;

      g_mutex_lock (&self->lock);
      while (!self->settled)
        {
          if (timeout_ms < 0)
            g_cond_wait (&self->settled_cond, &self->lock);
          else if (!g_cond_wait_until (&self->settled_cond, &self->lock, deadline))
            break;
        }
      settled = self->settled;
      g_mutex_unlock (&self->lock);

      return settled;
    }

  if (timeout_ms > 0)
    {
      timer = g_timeout_source_new (timeout_ms);
      g_source_set_callback (timer, deadline_cb, &expired, NULL);
      g_source_attach (timer, self->context);
    }

  while (!is_settled (self) && !expired)
    g_main_context_iteration (self->context, TRUE);

  if (timer != NULL)
    {
      g_source_destroy (timer);
      g_source_unref (timer);
    }

  g_main_context_release (self->context);

  return is_settled (self);
}

/**
 * tasker_manager_shutdown:
 * @self: a #TaskerManager
 * @grace_ms: how long to wait for tasks to end, in milliseconds
 *
 * Stops accepting work (submissions fail with %TASKER_ERROR_SHUT_DOWN),
 * cancels every unfinished task and waits up to @grace_ms for them to end,
 * as [method@Tasker.Manager.wait_until_settled] does. Then it kills every
 * worker process and command still running and reaps them all, so no child
 * outlives this call; external tasks ([method@Tasker.Manager.add_external])
 * whose owners have not ended them by then end cancelled. Thread tasks that ignore cancellation cannot be
 * stopped by force; they end when their function returns. With a history
 * ([property@Tasker.Manager:history-path]), every task that ended before
 * this call returns is in the database when it returns, from any thread and
 * whether or not anyone iterates the manager's context (the wait for the
 * disk is bounded by @grace_ms, at least 1 s). May be called more than once.
 *
 * Since: 1.0
 */
void
tasker_manager_shutdown (TaskerManager *self,
                         guint          grace_ms)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) histories = g_ptr_array_new_with_free_func ((GDestroyNotify) _tasker_history_unref);
  g_autoptr(GError) reason = NULL;
  TaskerProcessRunner *processes;
  gint64 deadline;
  gboolean settled;
  gboolean has_external = FALSE;

  g_return_if_fail (TASKER_IS_MANAGER (self));

  g_mutex_lock (&self->lock);
  self->shut_down = TRUE;
  for (TaskerTask *t = self->unfinished; t != NULL; t = t->slot.unfinished_next)
    {
      /* Before any cancel cascades: a task someone cancelled already ends
       * for its program; the others are interrupted by this shutdown. */
      if (!g_atomic_int_get (&t->cancel_requested))
        g_atomic_int_set (&t->shutdown_cancelled, TRUE);
      g_ptr_array_add (tasks, g_object_ref (t));
    }
  g_mutex_unlock (&self->lock);

  reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                "The task manager was shut down");
  for (guint i = 0; i < tasks->len; i++)
    _tasker_manager_task_cancel (self, g_ptr_array_index (tasks, i), reason);

  /* A thread task that shuts its manager down cannot wait for itself. */
  settled = !_tasker_thread_runner_in_pool_thread () &&
            tasker_manager_wait_until_settled (self, grace_ms);

  /* Kill what is left and reap every worker; what they ran ends now. */
  g_mutex_lock (&self->lock);
  processes = self->processes;
  g_mutex_unlock (&self->lock);
  if (processes != NULL)
    _tasker_process_runner_stop_all (processes);
  /* External tasks whose owners have not ended them end here, cancelled. */
  for (guint i = 0; !settled && i < tasks->len; i++)
    if (((TaskerTask *) tasks->pdata[i])->kind == TASKER_TASK_KIND_EXTERNAL &&
        _tasker_manager_end_external (self, tasks->pdata[i]))
      has_external = TRUE;
  if (!settled && (processes != NULL || has_external))
    tasker_manager_wait_until_settled (self, MIN (grace_ms, 100));

  /* Last: what has ended — the tasks killed just now included — is on disk
   * before shutdown returns, whichever thread calls and whether or not
   * anyone iterates the context: the flush only waits for the writer
   * thread. The histories a new history-path replaced too, as they may
   * still be writing the tasks that ended before. References, as the
   * context may replace the history meanwhile. */
  g_mutex_lock (&self->lock);
  if (self->history != NULL)
    g_ptr_array_add (histories, _tasker_history_ref (self->history));
  for (guint i = 0; self->closing_histories != NULL && i < self->closing_histories->len; i++)
    g_ptr_array_add (histories, _tasker_history_ref (self->closing_histories->pdata[i]));
  g_mutex_unlock (&self->lock);
  deadline = g_get_monotonic_time () + (gint64) MAX (grace_ms, 1000) * 1000;
  for (guint i = 0; i < histories->len; i++)
    {
      gint64 left = MAX (deadline - g_get_monotonic_time (), 0);

      _tasker_history_flush (histories->pdata[i], (guint) (left / 1000));
    }
}

/**
 * tasker_manager_is_shut_down:
 * @self: a #TaskerManager
 *
 * Checks whether the manager still accepts work. Safe from any thread.
 *
 * Returns: whether [method@Tasker.Manager.shutdown] was called
 *
 * Since: 1.0
 */
gboolean
tasker_manager_is_shut_down (TaskerManager *self)
{
  gboolean shut_down;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), FALSE);

  g_mutex_lock (&self->lock);
  shut_down = self->shut_down;
  g_mutex_unlock (&self->lock);

  return shut_down;
}

void
_tasker_manager_task_cancel (TaskerManager *self,
                             TaskerTask    *task,
                             const GError  *reason)
{
  g_autoptr(GPtrArray) to_fire = g_ptr_array_new_with_free_func (g_object_unref);

  g_mutex_lock (&self->lock);
  _tasker_manager_cancel_tree_locked (self, task, reason, to_fire);
  g_mutex_unlock (&self->lock);

  _tasker_manager_fire_all (to_fire);
}
