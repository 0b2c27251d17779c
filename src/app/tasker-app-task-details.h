/* tasker-app-task-details.h: everything about the selected task, with its live log
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_TASK_DETAILS (tasker_app_task_details_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppTaskDetails, tasker_app_task_details, TASKER_APP, TASK_DETAILS, GtkWidget)

TaskerTask *tasker_app_task_details_get_task     (TaskerAppTaskDetails *self);
void        tasker_app_task_details_set_task     (TaskerAppTaskDetails *self,
                                                  TaskerTask           *task);
void        tasker_app_task_details_tick         (TaskerAppTaskDetails *self,
                                                  gint64                now);
char       *tasker_app_task_details_dup_log_text (TaskerAppTaskDetails *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
