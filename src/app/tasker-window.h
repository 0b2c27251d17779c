/* tasker-window.h: the main window
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>

#include "tasker-application.h"
#include "tasker-new-task-dialog.h"
#include "tasker-task-details.h"
#include "tasker-task-row.h"

G_BEGIN_DECLS

#define TASKER_TYPE_WINDOW (tasker_window_get_type ())

G_DECLARE_FINAL_TYPE (TaskerWindow, tasker_window, TASKER, WINDOW, AdwApplicationWindow)

TaskerWindow        *tasker_window_new                  (TaskerApplication *application);
GListModel          *tasker_window_get_tasks            (TaskerWindow      *self);
TaskerTaskRow       *tasker_window_find_row             (TaskerWindow      *self,
                                                         TaskerTask        *task);
void                 tasker_window_select_task          (TaskerWindow      *self,
                                                         TaskerTask        *task);
TaskerTaskDetails   *tasker_window_get_details          (TaskerWindow      *self);
TaskerNewTaskDialog *tasker_window_open_new_task_dialog (TaskerWindow      *self);
GtkWidget           *tasker_window_get_history_view     (TaskerWindow      *self);
GtkWidget           *tasker_window_get_interrupted_list (TaskerWindow      *self);
void                 tasker_window_show_page            (TaskerWindow      *self,
                                                         const char        *name);
void                 tasker_window_show_toast           (TaskerWindow      *self,
                                                         const char        *text);
gboolean             tasker_window_rerun                (TaskerWindow      *self,
                                                         TaskerCommand     *command);

G_END_DECLS
