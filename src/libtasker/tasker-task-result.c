/* tasker-task-result.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-error.h"
#include "tasker-task-private.h"

/* Reading a finished task's outcome: its error and its result. The result
 * is written only through tasker-task.c (_tasker_task_store_result_*, and
 * _tasker_task_finish, which drops it unless the task completed). */

/**
 * tasker_task_get_error:
 * @self: a #TaskerTask
 *
 * Gets the error the task ended with: its own error when it failed,
 * %G_IO_ERROR_CANCELLED when it was cancelled.
 *
 * Returns: (nullable) (transfer none): the error, or %NULL
 *
 * Since: 1.0
 */
const GError *
tasker_task_get_error (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), NULL);

  return self->error;
}

/**
 * tasker_task_propagate_value:
 * @self: a #TaskerTask
 * @value: (out caller-allocates) (optional): an uninitialized #GValue for the result
 * @error: return location for the task's error
 *
 * Gets the result of a completed task. A result given with
 * [method@Tasker.Context.return_pointer] comes back as a %G_TYPE_POINTER
 * value; a task that returned nothing leaves @value unset. For a task that
 * failed or was cancelled, sets @error to a copy of its error, keeping its
 * domain and code; for one that has not ended, to %TASKER_ERROR_FAILED.
 *
 * Call this on the manager's main context.
 *
 * Returns: %TRUE if the task completed
 *
 * Since: 1.0
 */
gboolean
tasker_task_propagate_value (TaskerTask  *self,
                             GValue      *value,
                             GError     **error)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), FALSE);
  g_return_val_if_fail (value == NULL || !G_IS_VALUE (value), FALSE);

  if (!_tasker_task_is_final (self))
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_FAILED,
                   "Task %" G_GUINT64_FORMAT " has not finished yet", self->id);
      return FALSE;
    }

  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;
    }

  if (value != NULL)
    {
      const TaskerTaskResult *result = self->result;

      if (result != NULL && G_IS_VALUE (&result->value))
        {
          g_value_init (value, G_VALUE_TYPE (&result->value));
          g_value_copy (&result->value, value);
        }
      else if (result != NULL && result->pointer != NULL)
        {
          g_value_init (value, G_TYPE_POINTER);
          g_value_set_pointer (value, result->pointer);
        }
    }

  return TRUE;
}

/**
 * tasker_task_propagate_variant:
 * @self: a #TaskerTask
 * @error: return location for the task's error
 *
 * Gets the result of a completed task as a #GVariant: what a process task's
 * function returned, or a result given as a variant. For a task that failed
 * or was cancelled, sets @error to a copy of its error, as
 * [method@Tasker.Task.propagate_value] does.
 *
 * Call this on the manager's main context.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL if the task did
 *   not complete or its result is not a variant
 *
 * Since: 1.0
 */
GVariant *
tasker_task_propagate_variant (TaskerTask  *self,
                               GError     **error)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_return_val_if_fail (TASKER_IS_TASK (self), NULL);

  if (!tasker_task_propagate_value (self, &value, error))
    return NULL;

  if (G_VALUE_HOLDS_VARIANT (&value))
    return g_value_dup_variant (&value);

  return NULL;
}

/**
 * tasker_task_get_result_pointer:
 * @self: a #TaskerTask
 *
 * Gets the pointer a completed task returned with
 * [method@Tasker.Context.return_pointer]. It stays owned by the task.
 *
 * Returns: (nullable) (transfer none): the result, or %NULL
 *
 * Since: 1.0
 */
gpointer
tasker_task_get_result_pointer (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), NULL);

  if (self->status != TASKER_TASK_STATUS_COMPLETED)
    return NULL;

  return self->result != NULL ? self->result->pointer : NULL;
}
