/* tasker-dbus-error.h: the errors of io.github.tasker.Tasker1
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TASKER_DBUS_ERROR (tasker_dbus_error_quark ())

/**
 * TaskerDBusError:
 * @TASKER_DBUS_ERROR_FAILED: io.github.tasker.Tasker1.Error.Failed
 * @TASKER_DBUS_ERROR_NO_SUCH_TASK: io.github.tasker.Tasker1.Error.NoSuchTask
 * @TASKER_DBUS_ERROR_INVALID_ARGUMENT: io.github.tasker.Tasker1.Error.InvalidArgument
 * @TASKER_DBUS_ERROR_QUEUE_FULL: io.github.tasker.Tasker1.Error.QueueFull
 * @TASKER_DBUS_ERROR_SHUTTING_DOWN: io.github.tasker.Tasker1.Error.ShuttingDown
 * @TASKER_DBUS_ERROR_ACCESS_DENIED: io.github.tasker.Tasker1.Error.AccessDenied
 * @TASKER_DBUS_ERROR_TASK_ENDED: io.github.tasker.Tasker1.Error.TaskEnded
 * @TASKER_DBUS_ERROR_LIMIT_EXCEEDED: io.github.tasker.Tasker1.Error.LimitExceeded
 *
 * Registered with GDBus: a GError of this domain crosses the bus under its
 * D-Bus name, and comes back as the same domain and code on the other side.
 */
typedef enum
{
  TASKER_DBUS_ERROR_FAILED,
  TASKER_DBUS_ERROR_NO_SUCH_TASK,
  TASKER_DBUS_ERROR_INVALID_ARGUMENT,
  TASKER_DBUS_ERROR_QUEUE_FULL,
  TASKER_DBUS_ERROR_SHUTTING_DOWN,
  TASKER_DBUS_ERROR_ACCESS_DENIED,
  TASKER_DBUS_ERROR_TASK_ENDED,
  TASKER_DBUS_ERROR_LIMIT_EXCEEDED,
} TaskerDBusError;

#define TASKER_DBUS_OBJECT_PATH "/io/github/tasker/Tasker"
/* An external task's object: TASKER_DBUS_TASK_PATH_PREFIX "ID". */
#define TASKER_DBUS_TASK_PATH_PREFIX TASKER_DBUS_OBJECT_PATH "/task/"

GQuark tasker_dbus_error_quark (void);

G_END_DECLS
