/* tasker-coroutine-runner.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-context-private.h"
#include "tasker-coroutine-runner-private.h"
#include "tasker-task-private.h"

/* Runs a coroutine task's function on the manager's main context.
 *
 * The function starts its asynchronous work (GIO calls given the context's
 * cancellable) and returns at once; the task ends when one of the
 * tasker_context_return_*() functions is called. Cancelling the task cancels
 * the cancellable, so a pending GIO operation is interrupted right away and
 * its callback can return the cancellation error.
 *
 * The manager has already moved the task to RUNNING when this is called. */
void
_tasker_coroutine_runner_start (TaskerTask *task)
{
  g_autoptr(TaskerContext) context = _tasker_context_new (task);

  task->func (context, task->func_data);
}
