/* taskerctl-task.h: a task's a{sv} as a row, a status block or JSON
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

extern const char * const taskerctl_task_row_keys[];

gboolean  taskerctl_task_is_finished  (const char *status);
char     *taskerctl_format_elapsed    (gint64      us);
char     *taskerctl_format_time       (gint64      us);
char     *taskerctl_task_to_json      (GVariant   *task);
char     *taskerctl_task_format_block (GVariant   *task);
char     *taskerctl_tasks_format      (GPtrArray  *tasks,
                                       gboolean    history);

G_END_DECLS
