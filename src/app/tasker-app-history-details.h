/* tasker-app-history-details.h: one history record's facts and log, in a window
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>
#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_HISTORY_DETAILS (tasker_app_history_details_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppHistoryDetails, tasker_app_history_details,
                      TASKER_APP, HISTORY_DETAILS, AdwWindow)

GtkWidget           *tasker_app_history_details_new        (GtkWindow           *parent,
                                                            TaskerHistoryRecord *record);
TaskerHistoryRecord *tasker_app_history_details_get_record (TaskerAppHistoryDetails *self);

G_END_DECLS
