/* tasker-task-cancel.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-error.h"
#include "tasker-task-private.h"

/* Cancelling a task, from any thread: the request (a pending task is
 * claimed by it, so it never starts: see _tasker_task_claim_start), the
 * cancellable its function watches, and the error a cancel ends it with.
 * The cancel itself goes through the task's sink, which cancels the subtree
 * and ends the task when its attempt has; the status changes in
 * tasker-task.c. */

/* Any thread. The cancellable lives as long as the task, so transfer none is safe
 * for whoever holds the task or its context. */
GCancellable *
_tasker_task_get_cancellable (TaskerTask *self)
{
  GCancellable *cancellable;
  gboolean cancel_now = FALSE;

  g_mutex_lock (&self->lock);
  if (self->cancellable == NULL)
    {
      self->cancellable = g_cancellable_new ();
      cancel_now = g_atomic_int_get (&self->cancel_requested);
    }
  cancellable = self->cancellable;
  g_mutex_unlock (&self->lock);

  if (cancel_now)
    g_cancellable_cancel (cancellable);

  return cancellable;
}

/* Any thread. Returns FALSE when the task was already cancelled or final.
 * A task that has not started is claimed here, so that it can never start
 * afterwards. The cancellable, if any, is handed back in @to_fire for the
 * caller to cancel once it holds no lock: its handlers run in that call. */
gboolean
_tasker_task_request_cancel (TaskerTask    *self,
                             const GError  *reason,
                             GCancellable **to_fire)
{
  *to_fire = NULL;

  g_mutex_lock (&self->lock);
  if (self->final || g_atomic_int_get (&self->cancel_requested))
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  if (reason != NULL)
    self->cancel_reason = g_error_copy (reason);
  g_atomic_int_set (&self->cancel_requested, TRUE);
  g_atomic_int_compare_and_exchange (&self->run_state,
                                     TASKER_RUN_STATE_WAITING,
                                     TASKER_RUN_STATE_CLAIMED);
  if (self->cancellable != NULL)
    *to_fire = g_object_ref (self->cancellable);
  g_mutex_unlock (&self->lock);

  return TRUE;
}

/* Manager's context: the error a cancel ends the task with: its reason
 * (a timeout's, a parent's), or a plain cancel. */
GError *
_tasker_task_dup_cancel_error (TaskerTask *self)
{
  GError *error = NULL;

  g_mutex_lock (&self->lock);
  if (self->cancel_reason != NULL)
    error = g_error_copy (self->cancel_reason);
  g_mutex_unlock (&self->lock);

  if (error == NULL)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Task was cancelled");

  return error;
}

/* Whether @error (from _tasker_task_dup_cancel_error) ends the task as a
 * failure: a timeout is a cancel that counts as one. */
TaskerTaskStatus
_tasker_task_cancel_status (const GError *error)
{
  return g_error_matches (error, TASKER_ERROR, TASKER_ERROR_TIMED_OUT)
         ? TASKER_TASK_STATUS_FAILED : TASKER_TASK_STATUS_CANCELLED;
}

/**
 * tasker_task_cancel:
 * @self: a #TaskerTask
 *
 * Cancels the task. Safe from any thread.
 *
 * A pending task ends cancelled without running. A running one sees
 * [method@Tasker.Context.is_cancelled] become %TRUE and its cancellable
 * fire, and ends cancelled once its function has ended. Cancelling a task
 * that has ended does nothing.
 *
 * Since: 1.0
 */
void
tasker_task_cancel (TaskerTask *self)
{
  g_autoptr(GObject) hold = NULL;

  g_return_if_fail (TASKER_IS_TASK (self));

  if ((hold = _tasker_task_hold_sink (self)) && self->sink->cancel != NULL)
    self->sink->cancel (self, NULL);
}
