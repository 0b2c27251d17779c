/* tasker-application.h: the Tasker application
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>
#include <tasker.h>

#include "tasker-command.h"
#include "tasker-pending.h"

G_BEGIN_DECLS

#define TASKER_TYPE_APPLICATION (tasker_application_get_type ())

G_DECLARE_FINAL_TYPE (TaskerApplication, tasker_application, TASKER, APPLICATION, AdwApplication)

TaskerApplication *tasker_application_new             (const char        *application_id,
                                                       GApplicationFlags  flags,
                                                       const char        *data_dir) G_GNUC_WARN_UNUSED_RESULT;
TaskerManager     *tasker_application_get_manager     (TaskerApplication *self);
TaskerPending     *tasker_application_get_pending     (TaskerApplication *self);
GSettings         *tasker_application_get_settings    (TaskerApplication *self);
const char        *tasker_application_get_data_dir    (TaskerApplication *self);
char             **tasker_application_dup_queue_names (TaskerApplication *self) G_GNUC_WARN_UNUSED_RESULT;
TaskerTask        *tasker_application_run_command     (TaskerApplication *self,
                                                       TaskerCommand     *command,
                                                       GError           **error) G_GNUC_WARN_UNUSED_RESULT;
void               tasker_application_stop            (TaskerApplication *self);

G_END_DECLS
