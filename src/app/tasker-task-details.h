/* tasker-task-details.h: everything about the selected task, with its live log
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_TYPE_TASK_DETAILS (tasker_task_details_get_type ())

G_DECLARE_FINAL_TYPE (TaskerTaskDetails, tasker_task_details, TASKER, TASK_DETAILS, GtkWidget)

TaskerTask *tasker_task_details_get_task     (TaskerTaskDetails *self);
void        tasker_task_details_set_task     (TaskerTaskDetails *self,
                                              TaskerTask        *task);
void        tasker_task_details_tick         (TaskerTaskDetails *self,
                                              gint64             now);
char       *tasker_task_details_dup_log_text (TaskerTaskDetails *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
