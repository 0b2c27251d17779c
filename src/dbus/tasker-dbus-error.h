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
} TaskerDBusError;

#define TASKER_DBUS_OBJECT_PATH "/io/github/tasker/Tasker"

GQuark tasker_dbus_error_quark (void);

G_END_DECLS
