/* tasker-app-new-task-dialog.h: asks for a command to run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>

#include "tasker-app-command.h"

G_BEGIN_DECLS

#define TASKER_APP_TYPE_NEW_TASK_DIALOG (tasker_app_new_task_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppNewTaskDialog, tasker_app_new_task_dialog, TASKER_APP, NEW_TASK_DIALOG, AdwWindow)

TaskerAppNewTaskDialog *tasker_app_new_task_dialog_new              (GtkWindow          *parent,
                                                                     const char * const *queues);
void                    tasker_app_new_task_dialog_set_command_line (TaskerAppNewTaskDialog *self,
                                                                     const char             *command_line);
void                    tasker_app_new_task_dialog_set_shell        (TaskerAppNewTaskDialog *self,
                                                                     gboolean                shell);
gboolean                tasker_app_new_task_dialog_get_shell        (TaskerAppNewTaskDialog *self);
void                    tasker_app_new_task_dialog_set_cwd          (TaskerAppNewTaskDialog *self,
                                                                     const char             *cwd);
void                    tasker_app_new_task_dialog_set_queue        (TaskerAppNewTaskDialog *self,
                                                                     const char             *queue);
void                    tasker_app_new_task_dialog_set_timeout      (TaskerAppNewTaskDialog *self,
                                                                     guint                   timeout_s);
void                    tasker_app_new_task_dialog_set_retries      (TaskerAppNewTaskDialog *self,
                                                                     guint                   retries);
void                    tasker_app_new_task_dialog_set_start_later  (TaskerAppNewTaskDialog *self,
                                                                     gboolean                at_time,
                                                                     const char             *text);
void                    tasker_app_new_task_dialog_set_repeat       (TaskerAppNewTaskDialog *self,
                                                                     const char             *spec);
void                    tasker_app_new_task_dialog_set_policies     (TaskerAppNewTaskDialog *self,
                                                                     TaskerOverlapPolicy     overlap_policy,
                                                                     TaskerCatchUpPolicy     catch_up_policy);
const char             *tasker_app_new_task_dialog_get_spec_error   (TaskerAppNewTaskDialog *self);
TaskerAppCommand       *tasker_app_new_task_dialog_dup_command      (TaskerAppNewTaskDialog  *self,
                                                                     GError                 **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
