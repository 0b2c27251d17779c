/* tasker-dbus-error.c: the errors of io.github.tasker.Tasker1
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-dbus-error.h"

static const GDBusErrorEntry error_entries[] = {
  { TASKER_DBUS_ERROR_FAILED, "io.github.tasker.Tasker1.Error.Failed" },
  { TASKER_DBUS_ERROR_NO_SUCH_TASK, "io.github.tasker.Tasker1.Error.NoSuchTask" },
  { TASKER_DBUS_ERROR_INVALID_ARGUMENT, "io.github.tasker.Tasker1.Error.InvalidArgument" },
  { TASKER_DBUS_ERROR_QUEUE_FULL, "io.github.tasker.Tasker1.Error.QueueFull" },
  { TASKER_DBUS_ERROR_SHUTTING_DOWN, "io.github.tasker.Tasker1.Error.ShuttingDown" },
  { TASKER_DBUS_ERROR_ACCESS_DENIED, "io.github.tasker.Tasker1.Error.AccessDenied" },
  { TASKER_DBUS_ERROR_TASK_ENDED, "io.github.tasker.Tasker1.Error.TaskEnded" },
  { TASKER_DBUS_ERROR_LIMIT_EXCEEDED, "io.github.tasker.Tasker1.Error.LimitExceeded" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (error_entries) == TASKER_DBUS_ERROR_LIMIT_EXCEEDED + 1);

GQuark
tasker_dbus_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("tasker-dbus-error-quark", &quark,
                                      error_entries, G_N_ELEMENTS (error_entries));
  return (GQuark) quark;
}
