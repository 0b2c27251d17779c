/* taskerctl-follow.h: following a task's log, and waiting for tasks to end
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "tasker-dbus-generated.h"

G_BEGIN_DECLS

int taskerctl_follow_log (TaskerDBusTasker1 *proxy,
                          guint64            id,
                          guint              tail);
int taskerctl_follow_run (TaskerDBusTasker1 *proxy,
                          guint64            id);
int taskerctl_wait       (TaskerDBusTasker1 *proxy,
                          const guint64     *ids,
                          guint              n_ids);
int taskerctl_wait_ended (TaskerDBusTasker1  *proxy,
                          guint64             id,
                          char              **out_status);

G_END_DECLS
