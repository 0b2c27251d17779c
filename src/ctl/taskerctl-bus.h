/* taskerctl-bus.h: the proxy of the application, and what its errors mean
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "tasker-dbus-generated.h"

G_BEGIN_DECLS

TaskerDBusTasker1     *taskerctl_bus_connect    (GError            **error);
TaskerDBusTasker1Task *taskerctl_bus_task_proxy (TaskerDBusTasker1  *proxy,
                                                 guint64             id,
                                                 GError            **error);
int                    taskerctl_fail           (const GError       *error,
                                                 guint64             id);
int                    taskerctl_message        (const char         *format,
                                                 ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
