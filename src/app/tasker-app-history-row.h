/* tasker-app-history-row.h: one record in the history view
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_HISTORY_ROW (tasker_app_history_row_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppHistoryRow, tasker_app_history_row, TASKER_APP, HISTORY_ROW, GtkBox)

GtkWidget           *tasker_app_history_row_new                (void);
TaskerHistoryRecord *tasker_app_history_row_get_record         (TaskerAppHistoryRow *self);
void                 tasker_app_history_row_set_record         (TaskerAppHistoryRow *self,
                                                                TaskerHistoryRecord *record);
const char          *tasker_app_history_record_get_title       (TaskerHistoryRecord *record);
const char          *tasker_app_history_record_get_status_text (TaskerHistoryRecord *record);
gboolean             tasker_app_history_record_is_final        (TaskerHistoryRecord *record);
gboolean             tasker_app_history_record_has_command     (TaskerHistoryRecord *record);
char                *tasker_app_history_record_dup_duration    (TaskerHistoryRecord *record)
                                                               G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
