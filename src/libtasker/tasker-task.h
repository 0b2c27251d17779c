/* tasker-task.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASKER_INSIDE) && !defined(TASKER_COMPILATION)
# error "Only <tasker.h> can be included directly."
#endif

#include <gio/gio.h>

#include "tasker-version-macros.h"

G_BEGIN_DECLS

/**
 * TaskerTaskStatus:
 * @TASKER_TASK_STATUS_PENDING: submitted, not started yet (queued or waiting for a slot)
 * @TASKER_TASK_STATUS_RUNNING: its function is running, or it waits for its children
 * @TASKER_TASK_STATUS_COMPLETED: it ended with a result
 * @TASKER_TASK_STATUS_FAILED: it ended with an error
 * @TASKER_TASK_STATUS_CANCELLED: it was cancelled; its error is %G_IO_ERROR_CANCELLED
 *
 * The life cycle of a [class@Tasker.Task]: `PENDING → RUNNING → COMPLETED | FAILED |
 * CANCELLED`. The last three are final and never change again.
 *
 * Since: 1.0
 */
typedef enum
{
  TASKER_TASK_STATUS_PENDING,
  TASKER_TASK_STATUS_RUNNING,
  TASKER_TASK_STATUS_COMPLETED,
  TASKER_TASK_STATUS_FAILED,
  TASKER_TASK_STATUS_CANCELLED,
} TaskerTaskStatus;

/**
 * TaskerTaskKind:
 * @TASKER_TASK_KIND_THREAD: a function run in the manager's thread pool
 * @TASKER_TASK_KIND_PROCESS: a function run in a worker process
 * @TASKER_TASK_KIND_COROUTINE: an asynchronous function run on the manager's main context
 * @TASKER_TASK_KIND_COMMAND: an external program
 * @TASKER_TASK_KIND_EXTERNAL: a task reported by another program
 *
 * How a task's work is run.
 *
 * Since: 1.0
 */
typedef enum
{
  TASKER_TASK_KIND_THREAD,
  TASKER_TASK_KIND_PROCESS,
  TASKER_TASK_KIND_COROUTINE,
  TASKER_TASK_KIND_COMMAND,
  TASKER_TASK_KIND_EXTERNAL,
} TaskerTaskKind;

#define TASKER_TYPE_TASK (tasker_task_get_type ())

TASKER_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (TaskerTask, tasker_task, TASKER, TASK, GObject)

/**
 * TaskerTaskDoneFunc:
 * @task: the task that ended; its status, result and error are final
 * @user_data: the data given with the function
 *
 * Called exactly once per task, on the manager's main context, after the task
 * reached its final status.
 *
 * Since: 1.0
 */
typedef void (*TaskerTaskDoneFunc) (TaskerTask *task,
                                    gpointer    user_data);

/**
 * TaskerTaskEventFunc:
 * @task: the task that sent the event
 * @name: the event's name
 * @data: (nullable): the event's data
 * @user_data: the data given with the function
 *
 * Called on the manager's main context for every event a task sends with
 * [method@Tasker.Context.send_event], in order, before the task's
 * [callback@Tasker.TaskDoneFunc].
 *
 * Since: 1.0
 */
typedef void (*TaskerTaskEventFunc) (TaskerTask *task,
                                     const char *name,
                                     GVariant   *data,
                                     gpointer    user_data);

TASKER_AVAILABLE_IN_1_0
guint64           tasker_task_get_id             (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
const char       *tasker_task_get_key            (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
const char       *tasker_task_get_name           (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
TaskerTaskKind    tasker_task_get_kind           (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
TaskerTaskStatus  tasker_task_get_status         (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
gboolean          tasker_task_is_final           (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
double            tasker_task_get_progress       (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
const char       *tasker_task_get_message        (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
char             *tasker_task_dup_message        (TaskerTask  *self) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
guint             tasker_task_get_attempt        (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
guint64           tasker_task_get_trace_id       (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
TaskerTask       *tasker_task_get_parent         (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
gint64            tasker_task_get_created_time   (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
gint64            tasker_task_get_started_time   (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
gint64            tasker_task_get_finished_time  (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
int               tasker_task_get_exit_status    (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
const char       *tasker_task_get_description    (TaskerTask  *self,
                                                  const char  *key);
TASKER_AVAILABLE_IN_1_0
char            **tasker_task_dup_log            (TaskerTask  *self) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
char            **tasker_task_dup_log_since      (TaskerTask  *self,
                                                  guint64      position,
                                                  guint64     *next_position,
                                                  guint64     *n_dropped) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
const GError     *tasker_task_get_error          (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
gboolean          tasker_task_propagate_value    (TaskerTask  *self,
                                                  GValue      *value,
                                                  GError     **error);
TASKER_AVAILABLE_IN_1_0
GVariant         *tasker_task_propagate_variant  (TaskerTask  *self,
                                                  GError     **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
gpointer          tasker_task_get_result_pointer (TaskerTask  *self);
TASKER_AVAILABLE_IN_1_0
void              tasker_task_cancel             (TaskerTask  *self);

G_END_DECLS
