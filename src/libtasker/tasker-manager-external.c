/* tasker-manager-external.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-context-private.h"
#include "tasker-error.h"
#include "tasker-manager-private.h"
#include "tasker-task-options-private.h"
#include "tasker-task-private.h"

/* Other programs' tasks (DESIGN.md §9): a task whose work happens elsewhere
 * and whose owner drives its context. It takes the coroutine path with no
 * function: submitted, it is started on the manager's context (MSG_START),
 * and it ends when its owner calls a tasker_context_return_*() function
 * (MSG_RETURNED), as a coroutine does. What the manager adds is the end of
 * one whose owner does not stop: after a cancel, the manager's cancel-grace,
 * then it claims the return in the owner's place (_tasker_task_claim_return)
 * and the task ends cancelled; the owner's late return is dropped. */

/* What an external task cannot have: it holds no slot, thread or worker,
 * runs once, and starts at once. */
static gboolean
check_options (TaskerTaskOptions  *options,
               GError            **error)
{
  const TaskerPolicy *policy;
  GPtrArray *after;
  const char *refused = NULL;

  if (options == NULL)
    return TRUE;

  policy = _tasker_task_options_get_policy (options);
  after = _tasker_task_options_get_after (options);

  if ((policy->set & TASKER_POLICY_QUEUE) && policy->queue != NULL)
    refused = "queue";
  else if ((policy->set & TASKER_POLICY_MAX_ATTEMPTS) && policy->max_attempts > 1)
    refused = "max-attempts";
  else if (tasker_task_options_get_start_at (options) != 0)
    refused = "start-at";
  else if (tasker_task_options_get_start_delay_ms (options) != 0)
    refused = "start-delay-ms";
  else if (after != NULL && after->len > 0)
    refused = "after";
  else if (tasker_task_options_get_worker (options) != NULL)
    refused = "worker";
  else if (tasker_task_options_get_durable (options))
    refused = "durable";

  if (refused != NULL)
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                   "an external task cannot have the option “%s”: its work runs elsewhere",
                   refused);
      return FALSE;
    }

  return TRUE;
}

/* Any thread: @task ends cancelled in its owner's place, unless its owner
 * has returned already (then that return ends it). Returns whether it was
 * ended here. */
gboolean
_tasker_manager_end_external (TaskerManager *self,
                              TaskerTask    *task)
{
  if (!_tasker_task_claim_return (task))
    return FALSE;

  /* Through the inbox, behind what the owner sent before: its events reach
   * when_event before when_done. */
  _tasker_manager_task_returned (self, task);
  return TRUE;
}

static gboolean
grace_cb (gpointer data)
{
  TaskerTask *task = data;

  g_clear_pointer (&task->slot.timeout_source, g_source_unref);
  _tasker_manager_end_external (task->manager, task);

  return G_SOURCE_REMOVE;
}

/* Manager's context: a cancel (or a timeout) reached the unfinished external
 * task @task. Its owner has seen is_cancelled and the cancellable; the task
 * stays RUNNING until the owner ends it or the manager's cancel-grace
 * passes. */
void
_tasker_manager_handle_external_cancel (TaskerManager *self,
                                        TaskerTask    *task)
{
  guint grace_ms;

  /* Cancelled before it started: it ends now, as any pending task. */
  if (g_atomic_int_get (&task->run_state) == TASKER_RUN_STATE_CLAIMED)
    {
      _tasker_manager_end_external (self, task);
      return;
    }

  g_mutex_lock (&self->lock);
  grace_ms = self->process_limits.cancel_grace_ms;
  g_mutex_unlock (&self->lock);

  /* The attempt's one deadline: its timeout (if one is left) no longer
   * matters once it is cancelled, the grace does. */
  if (task->slot.timeout_source != NULL)
    {
      g_source_destroy (task->slot.timeout_source);
      g_clear_pointer (&task->slot.timeout_source, g_source_unref);
    }
  task->slot.timeout_source = g_timeout_source_new (grace_ms);
  g_source_set_callback (task->slot.timeout_source, grace_cb, task, NULL);
  g_source_set_static_name (task->slot.timeout_source, "[tasker-external-grace]");
  g_source_attach (task->slot.timeout_source, self->context);
}

/**
 * tasker_manager_add_external:
 * @self: a #TaskerManager
 * @key: (nullable): a key for the task; a live task with the same key is cancelled
 * @options: (nullable): how the task is named, observed and limited
 * @error: return location for an error
 *
 * Adds a task whose work happens elsewhere: in another program that reports
 * it (through the application's D-Bus service, DESIGN.md §9), or in the
 * caller's own code. The task has kind %TASKER_TASK_KIND_EXTERNAL and no
 * function; its owner drives the context that
 * [method@Tasker.Task.get_context] returns, from any thread:
 * [method@Tasker.Context.set_progress], [method@Tasker.Context.set_total],
 * [method@Tasker.Context.set_message], [method@Tasker.Context.log],
 * [method@Tasker.Context.send_event], [method@Tasker.Context.flush],
 * [method@Tasker.Context.is_cancelled] and
 * [method@Tasker.Context.get_cancellable]. The owner ends the task with
 * [method@Tasker.Context.return_value], [method@Tasker.Context.return_pointer]
 * or [method@Tasker.Context.return_error], once.
 *
 * The task becomes %TASKER_TASK_STATUS_RUNNING on the manager's main context
 * soon (never inside this call), with its
 * [signal@Tasker.Manager::task-started]. What the owner reports before
 * that, a return included, is kept and applied in order once it runs.
 *
 * Cancelling it ([method@Tasker.Task.cancel], a newer task with its key, its
 * parent's cancel, [method@Tasker.Manager.shutdown]) makes
 * [method@Tasker.Context.is_cancelled] return %TRUE and fires its
 * cancellable; the task stays running until its owner ends it or the
 * manager's [property@Tasker.Manager:cancel-grace] passes, and then ends
 * %TASKER_TASK_STATUS_CANCELLED with %G_IO_ERROR_CANCELLED. A stop request
 * sticks: an owner that returns a result or an error after a cancel ends
 * the task cancelled all the same. Once the task has ended, its context
 * changes nothing: later progress, messages, log lines and events are
 * dropped, and a return that comes after the grace is dropped quietly.
 * A shutdown ends the external tasks left when its wait is over.
 *
 * A [property@Tasker.TaskOptions:timeout-ms] applies as for a coroutine:
 * from the task's start; when it expires the task is cancelled with
 * %TASKER_ERROR_TIMED_OUT and ends %TASKER_TASK_STATUS_FAILED (“timed out
 * after 500 ms”) once its owner stops or the grace passes. The manager's
 * default options do not apply to external tasks.
 *
 * Everything else of §4 holds: events reach the task's event function in
 * order before its done function, which runs once; the history records it;
 * it may be a child ([property@Tasker.TaskOptions:parent]) or a parent
 * (it ends only after its children, and a failed child fails it unless
 * [property@Tasker.TaskOptions:ignore-child-failures] is set).
 *
 * Safe from any thread.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set
 *   if the submission is refused: %TASKER_ERROR_SHUT_DOWN once
 *   [method@Tasker.Manager.shutdown] was called;
 *   %TASKER_ERROR_INVALID_ARGUMENT when its
 *   [property@Tasker.TaskOptions:parent] belongs to another manager or has
 *   already ended, and for the options that cannot apply to work done
 *   elsewhere, the message naming the option: a
 *   [property@Tasker.TaskOptions:queue],
 *   [property@Tasker.TaskOptions:max-attempts] over 1,
 *   [property@Tasker.TaskOptions:start-at],
 *   [property@Tasker.TaskOptions:start-delay-ms], tasks to wait for
 *   ([method@Tasker.TaskOptions.add_after]), a
 *   [property@Tasker.TaskOptions:worker] and
 *   [property@Tasker.TaskOptions:durable].
 *
 * Since: 1.0
 */
TaskerTask *
tasker_manager_add_external (TaskerManager      *self,
                             const char         *key,
                             TaskerTaskOptions  *options,
                             GError            **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_options (options, error))
    return NULL;

  return _tasker_manager_submit_external (self, key, options, error);
}

/**
 * tasker_task_get_context:
 * @task: a #TaskerTask
 *
 * Gets the context through which the owner of an external task
 * ([method@Tasker.Manager.add_external]) reports its progress, message, log
 * and events, notices its cancellation and ends it. Its methods are safe
 * from any thread.
 *
 * The context belongs to the task and lives as long as it: hold the task
 * (or a reference to the context) while you use it, from whatever thread.
 * Safe from any thread.
 *
 * Returns: (transfer none) (nullable): the task's context, or %NULL if
 *   @task is not an external task
 *
 * Since: 1.0
 */
TaskerContext *
tasker_task_get_context (TaskerTask *task)
{
  g_return_val_if_fail (TASKER_IS_TASK (task), NULL);

  return task->kind == TASKER_TASK_KIND_EXTERNAL ? task->context : NULL;
}
