/* tasker-app-application.h: the Tasker application
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>
#include <tasker.h>

#include "tasker-app-command.h"
#include "tasker-app-pending.h"
#include "tasker-app-schedules.h"
#include "tasker-app-service.h"

G_BEGIN_DECLS

#define TASKER_APP_TYPE_APPLICATION (tasker_app_application_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppApplication, tasker_app_application, TASKER_APP, APPLICATION, AdwApplication)

TaskerAppApplication  *tasker_app_application_new             (const char        *application_id,
                                                               GApplicationFlags  flags,
                                                               const char        *data_dir) G_GNUC_WARN_UNUSED_RESULT;
TaskerManager         *tasker_app_application_get_manager     (TaskerAppApplication *self);
TaskerAppPending      *tasker_app_application_get_pending     (TaskerAppApplication *self);
GSettings             *tasker_app_application_get_settings    (TaskerAppApplication *self);
TaskerAppSchedules    *tasker_app_application_get_schedules   (TaskerAppApplication *self);
TaskerAppService      *tasker_app_application_get_service     (TaskerAppApplication *self);
const char            *tasker_app_application_get_data_dir    (TaskerAppApplication *self);
char                 **tasker_app_application_dup_queue_names (TaskerAppApplication *self) G_GNUC_WARN_UNUSED_RESULT;
TaskerTask            *tasker_app_application_run_command     (TaskerAppApplication  *self,
                                                               TaskerAppCommand      *command,
                                                               GError               **error) G_GNUC_WARN_UNUSED_RESULT;
void                   tasker_app_application_stop            (TaskerAppApplication *self);
gboolean               tasker_app_application_close_to_background (TaskerAppApplication *self,
                                                                   GtkWindow            *window);

G_END_DECLS
