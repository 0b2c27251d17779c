/* tasker-app-command.h: a command line the user asked Tasker to run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_COMMAND (tasker_app_command_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppCommand, tasker_app_command, TASKER_APP, COMMAND, GObject)

TaskerAppCommand   *tasker_app_command_new                 (const char * const *argv) G_GNUC_WARN_UNUSED_RESULT;
TaskerAppCommand   *tasker_app_command_new_from_line       (const char  *command_line,
                                                            GError     **error) G_GNUC_WARN_UNUSED_RESULT;
TaskerAppCommand   *tasker_app_command_new_shell           (const char  *command_line,
                                                            GError     **error) G_GNUC_WARN_UNUSED_RESULT;
TaskerAppCommand   *tasker_app_command_new_from_task       (TaskerTask  *task,
                                                            GError     **error) G_GNUC_WARN_UNUSED_RESULT;
TaskerAppCommand   *tasker_app_command_new_from_record     (TaskerHistoryRecord  *record,
                                                            GError              **error) G_GNUC_WARN_UNUSED_RESULT;
const char * const *tasker_app_command_get_argv            (TaskerAppCommand *self);
const char         *tasker_app_command_get_command_line    (TaskerAppCommand *self);
gboolean            tasker_app_command_get_shell           (TaskerAppCommand *self);
const char * const *tasker_app_command_get_environ         (TaskerAppCommand *self);
void                tasker_app_command_set_environ         (TaskerAppCommand   *self,
                                                            const char * const *envp);
const char         *tasker_app_command_get_cwd             (TaskerAppCommand *self);
void                tasker_app_command_set_cwd             (TaskerAppCommand *self,
                                                            const char       *cwd);
const char         *tasker_app_command_get_queue           (TaskerAppCommand *self);
void                tasker_app_command_set_replaces_record (TaskerAppCommand    *self,
                                                            TaskerHistoryRecord *record);
void                tasker_app_command_set_queue           (TaskerAppCommand *self,
                                                            const char       *queue);
guint               tasker_app_command_get_timeout         (TaskerAppCommand *self);
void                tasker_app_command_set_timeout         (TaskerAppCommand *self,
                                                            guint             timeout_s);
guint               tasker_app_command_get_retries         (TaskerAppCommand *self);
void                tasker_app_command_set_retries         (TaskerAppCommand *self,
                                                            guint             retries);
void                tasker_app_command_set_start           (TaskerAppCommand *self,
                                                            gint64            start_at,
                                                            guint             delay_ms);
void                tasker_app_command_set_schedule_id     (TaskerAppCommand *self,
                                                            const char       *schedule_id);
const char         *tasker_app_command_get_key             (TaskerAppCommand *self);
void                tasker_app_command_set_key             (TaskerAppCommand *self,
                                                            const char       *key);
void                tasker_app_command_set_name            (TaskerAppCommand *self,
                                                            const char       *name);
void                tasker_app_command_add_after           (TaskerAppCommand *self,
                                                            TaskerTask       *task);
void                tasker_app_command_set_after_any_outcome (TaskerAppCommand *self,
                                                              gboolean          any_outcome);
void                tasker_app_command_save_to_key_file    (TaskerAppCommand *self,
                                                            GKeyFile         *key_file,
                                                            const char       *group);
TaskerAppCommand   *tasker_app_command_new_from_key_file   (GKeyFile         *key_file,
                                                            const char       *group,
                                                            GError          **error) G_GNUC_WARN_UNUSED_RESULT;
TaskerTaskOptions  *tasker_app_command_make_options        (TaskerAppCommand *self) G_GNUC_WARN_UNUSED_RESULT;
gboolean            tasker_app_command_check_runnable      (const char * const  *argv,
                                                            const char          *cwd,
                                                            const char * const  *envp,
                                                            GError             **error);
TaskerTask         *tasker_app_command_run                 (TaskerAppCommand  *self,
                                                            TaskerManager     *manager,
                                                            GError           **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
