/* tasker-app-schedules-view.h: the Schedules page
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>

#include "tasker-app-schedules.h"

G_BEGIN_DECLS

#define TASKER_APP_TYPE_SCHEDULES_VIEW (tasker_app_schedules_view_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppSchedulesView, tasker_app_schedules_view, TASKER_APP, SCHEDULES_VIEW, AdwBin)

TaskerAppSchedulesView *tasker_app_schedules_view_new      (TaskerAppSchedules     *schedules);
GtkWidget              *tasker_app_schedules_view_find_row (TaskerAppSchedulesView *self,
                                                            TaskerSchedule         *schedule);
char                   *tasker_app_schedules_view_describe (TaskerSchedule         *schedule) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
