/* tasker-new-task-dialog.h: asks for a command to run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>

#include "tasker-command.h"

G_BEGIN_DECLS

#define TASKER_TYPE_NEW_TASK_DIALOG (tasker_new_task_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TaskerNewTaskDialog, tasker_new_task_dialog, TASKER, NEW_TASK_DIALOG, AdwWindow)

TaskerNewTaskDialog *tasker_new_task_dialog_new              (GtkWindow           *parent,
                                                              const char * const  *queues);
void                 tasker_new_task_dialog_set_command_line (TaskerNewTaskDialog *self,
                                                              const char          *command_line);
void                 tasker_new_task_dialog_set_cwd          (TaskerNewTaskDialog *self,
                                                              const char          *cwd);
void                 tasker_new_task_dialog_set_queue        (TaskerNewTaskDialog *self,
                                                              const char          *queue);
void                 tasker_new_task_dialog_set_timeout      (TaskerNewTaskDialog *self,
                                                              guint                timeout_s);
void                 tasker_new_task_dialog_set_retries      (TaskerNewTaskDialog *self,
                                                              guint                retries);
TaskerCommand       *tasker_new_task_dialog_dup_command      (TaskerNewTaskDialog *self,
                                                              GError             **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
