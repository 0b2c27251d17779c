/* tasker-error.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASKER_INSIDE) && !defined(TASKER_COMPILATION)
# error "Only <tasker.h> can be included directly."
#endif

#include <glib.h>

#include "tasker-version-macros.h"

G_BEGIN_DECLS

/**
 * TASKER_ERROR:
 *
 * The error domain of libtasker. Errors in it use codes from [enum@Tasker.Error].
 *
 * Since: 1.0
 */
#define TASKER_ERROR (tasker_error_quark ())

/**
 * TaskerError:
 * @TASKER_ERROR_FAILED: a generic failure
 * @TASKER_ERROR_INVALID_ARGUMENT: an argument was not acceptable
 * @TASKER_ERROR_QUEUE_FULL: the task's queue has no room left
 * @TASKER_ERROR_TIMED_OUT: an attempt ran longer than its timeout
 * @TASKER_ERROR_WORKER_FAILED: a worker process crashed, hung or misbehaved
 * @TASKER_ERROR_SERIALIZATION: an argument or a result could not be serialised
 * @TASKER_ERROR_SHUT_DOWN: the manager was shut down
 * @TASKER_ERROR_DEPENDENCY_FAILED: a task the task waited for
 *   ([method@Tasker.TaskOptions.add_after]) failed or was cancelled, so it
 *   did not run. Since: 1.0
 * @TASKER_ERROR_NO_SUCH_TASK: the Tasker application has no such task
 *   ([class@Tasker.RemoteTask]; D-Bus error `NoSuchTask`). Since: 1.0
 * @TASKER_ERROR_ACCESS_DENIED: the task belongs to another program
 *   ([class@Tasker.RemoteTask]; D-Bus error `AccessDenied`). Since: 1.0
 * @TASKER_ERROR_TASK_ENDED: the task has already ended
 *   ([class@Tasker.RemoteTask]; D-Bus error `TaskEnded`). Since: 1.0
 * @TASKER_ERROR_LIMIT_EXCEEDED: the program has too many live tasks in the
 *   application ([class@Tasker.RemoteTask]; D-Bus error `LimitExceeded`).
 *   Since: 1.0
 *
 * Error codes in the %TASKER_ERROR domain. Cancellation is always
 * %G_IO_ERROR_CANCELLED, never a code of this enum.
 *
 * Since: 1.0
 */
typedef enum
{
  TASKER_ERROR_FAILED,
  TASKER_ERROR_INVALID_ARGUMENT,
  TASKER_ERROR_QUEUE_FULL,
  TASKER_ERROR_TIMED_OUT,
  TASKER_ERROR_WORKER_FAILED,
  TASKER_ERROR_SERIALIZATION,
  TASKER_ERROR_SHUT_DOWN,
  TASKER_ERROR_DEPENDENCY_FAILED,
  TASKER_ERROR_NO_SUCH_TASK,
  TASKER_ERROR_ACCESS_DENIED,
  TASKER_ERROR_TASK_ENDED,
  TASKER_ERROR_LIMIT_EXCEEDED,
} TaskerError;

TASKER_AVAILABLE_IN_1_0
GQuark tasker_error_quark (void);

G_END_DECLS
