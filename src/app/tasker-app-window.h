/* tasker-app-window.h: the main window
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>

#include "tasker-app-application.h"
#include "tasker-app-new-task-dialog.h"
#include "tasker-app-task-details.h"
#include "tasker-app-task-row.h"

G_BEGIN_DECLS

#define TASKER_APP_TYPE_WINDOW (tasker_app_window_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppWindow, tasker_app_window, TASKER_APP, WINDOW, AdwApplicationWindow)

TaskerAppWindow        *tasker_app_window_new                  (TaskerAppApplication *application);
GListModel             *tasker_app_window_get_tasks            (TaskerAppWindow *self);
TaskerAppTaskRow       *tasker_app_window_find_row             (TaskerAppWindow *self,
                                                                TaskerTask      *task);
void                    tasker_app_window_select_task          (TaskerAppWindow *self,
                                                                TaskerTask      *task);
TaskerAppTaskDetails   *tasker_app_window_get_details          (TaskerAppWindow *self);
TaskerAppNewTaskDialog *tasker_app_window_open_new_task_dialog (TaskerAppWindow *self);
GtkWidget              *tasker_app_window_get_history_view     (TaskerAppWindow *self);
GtkWidget              *tasker_app_window_get_schedules_view   (TaskerAppWindow *self);
GtkWidget              *tasker_app_window_get_interrupted_list (TaskerAppWindow *self);
void                    tasker_app_window_show_page            (TaskerAppWindow *self,
                                                                const char      *name);
void                    tasker_app_window_show_toast           (TaskerAppWindow *self,
                                                                const char      *text);
gboolean                tasker_app_window_rerun                (TaskerAppWindow  *self,
                                                                TaskerAppCommand *command);
gboolean                tasker_app_window_rerun_task           (TaskerAppWindow  *self,
                                                                TaskerAppCommand *command,
                                                                TaskerTask       *old_task);

G_END_DECLS
