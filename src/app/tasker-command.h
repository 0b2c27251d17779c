/* tasker-command.h: a command line the user asked Tasker to run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_TYPE_COMMAND (tasker_command_get_type ())

G_DECLARE_FINAL_TYPE (TaskerCommand, tasker_command, TASKER, COMMAND, GObject)

TaskerCommand      *tasker_command_new                (const char * const  *argv) G_GNUC_WARN_UNUSED_RESULT;
TaskerCommand      *tasker_command_new_from_line      (const char          *command_line,
                                                       GError             **error) G_GNUC_WARN_UNUSED_RESULT;
TaskerCommand      *tasker_command_new_from_task      (TaskerTask          *task,
                                                       GError             **error) G_GNUC_WARN_UNUSED_RESULT;
TaskerCommand      *tasker_command_new_from_record    (TaskerHistoryRecord *record,
                                                       GError             **error) G_GNUC_WARN_UNUSED_RESULT;
const char * const *tasker_command_get_argv           (TaskerCommand       *self);
const char         *tasker_command_get_command_line   (TaskerCommand       *self);
const char         *tasker_command_get_cwd            (TaskerCommand       *self);
void                tasker_command_set_cwd            (TaskerCommand       *self,
                                                       const char          *cwd);
const char         *tasker_command_get_queue          (TaskerCommand       *self);
void                tasker_command_set_replaces_record (TaskerCommand      *self,
                                                       TaskerHistoryRecord *record);
void                tasker_command_set_queue          (TaskerCommand       *self,
                                                       const char          *queue);
guint               tasker_command_get_timeout        (TaskerCommand       *self);
void                tasker_command_set_timeout        (TaskerCommand       *self,
                                                       guint                timeout_s);
guint               tasker_command_get_retries        (TaskerCommand       *self);
void                tasker_command_set_retries        (TaskerCommand       *self,
                                                       guint                retries);
TaskerTaskOptions  *tasker_command_make_options       (TaskerCommand       *self) G_GNUC_WARN_UNUSED_RESULT;
gboolean            tasker_command_check_runnable     (const char * const  *argv,
                                                       const char          *cwd,
                                                       GError             **error);
TaskerTask         *tasker_command_run                (TaskerCommand       *self,
                                                       TaskerManager       *manager,
                                                       GError             **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
