/* tasker-manager-external.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-error.h"
#include "tasker-manager.h"

/* Other programs' tasks (DESIGN.md §9). A stub of the contract: the
 * implementation comes with issue 16's library step. */

/**
 * tasker_manager_add_external:
 * @self: a #TaskerManager
 * @key: (nullable): a key for the task
 * @options: (nullable): how the task is named and observed
 * @error: return location for an error
 *
 * A task whose work happens elsewhere (DESIGN.md §9).
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set
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

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "external tasks are not implemented yet");
  return NULL;
}

/**
 * tasker_task_get_context:
 * @task: an external #TaskerTask
 *
 * Returns: (transfer none) (nullable): the context its owner drives
 *
 * Since: 1.0
 */
TaskerContext *
tasker_task_get_context (TaskerTask *task)
{
  g_return_val_if_fail (TASKER_IS_TASK (task), NULL);

  return NULL;
}
