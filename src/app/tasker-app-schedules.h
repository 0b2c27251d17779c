/* tasker-app-schedules.h: the application's schedules and their file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <tasker.h>

#include "tasker-app-command.h"

G_BEGIN_DECLS

#define TASKER_APP_TYPE_SCHEDULES (tasker_app_schedules_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppSchedules, tasker_app_schedules, TASKER_APP, SCHEDULES, GObject)

/* Submits one run's command (with its schedule id set); transfer full. */
typedef TaskerTask *(*TaskerAppSchedulesRunFunc) (TaskerAppCommand  *command,
                                                  gpointer           user_data,
                                                  GError           **error);

TaskerAppSchedules *tasker_app_schedules_new         (const char                *path,
                                                      TaskerClock               *clock,
                                                      TaskerAppSchedulesRunFunc  func,
                                                      gpointer                   user_data) G_GNUC_WARN_UNUSED_RESULT;
void                tasker_app_schedules_load        (TaskerAppSchedules  *self);
void                tasker_app_schedules_stop        (TaskerAppSchedules  *self);
GListModel         *tasker_app_schedules_get_model   (TaskerAppSchedules  *self);
TaskerClock        *tasker_app_schedules_get_clock   (TaskerAppSchedules  *self);
TaskerSchedule     *tasker_app_schedules_add         (TaskerAppSchedules  *self,
                                                      const char          *spec,
                                                      TaskerAppCommand    *command,
                                                      GError             **error);
void                tasker_app_schedules_remove      (TaskerAppSchedules  *self,
                                                      TaskerSchedule      *schedule);
void                tasker_app_schedules_restore     (TaskerAppSchedules  *self,
                                                      TaskerSchedule      *schedule,
                                                      guint                position);
TaskerSchedule     *tasker_app_schedules_set_spec    (TaskerAppSchedules  *self,
                                                      TaskerSchedule      *schedule,
                                                      const char          *spec,
                                                      GError             **error);
gboolean            tasker_app_schedules_set_command_line (TaskerAppSchedules  *self,
                                                           TaskerSchedule      *schedule,
                                                           const char          *command_line,
                                                           GError             **error);
TaskerAppCommand   *tasker_app_schedules_edit_command (TaskerAppCommand    *command,
                                                       const char          *command_line,
                                                       GError             **error) G_GNUC_WARN_UNUSED_RESULT;
void                tasker_app_schedules_set_paused  (TaskerAppSchedules  *self,
                                                      TaskerSchedule      *schedule,
                                                      gboolean             paused);
TaskerSchedule     *tasker_app_schedules_lookup      (TaskerAppSchedules  *self,
                                                      const char          *id);
TaskerAppCommand   *tasker_app_schedules_get_command (TaskerSchedule      *schedule);
const char         *tasker_app_schedules_get_last_result (TaskerSchedule  *schedule);
gboolean            tasker_app_schedules_save        (TaskerAppSchedules  *self,
                                                      GError             **error);

G_END_DECLS
