/* tasker-app-history-view.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_HISTORY_VIEW (tasker_app_history_view_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppHistoryView, tasker_app_history_view, TASKER_APP, HISTORY_VIEW, GtkWidget)

GtkWidget     *tasker_app_history_view_new         (TaskerManager *manager);
TaskerManager *tasker_app_history_view_get_manager (TaskerAppHistoryView *self);
void           tasker_app_history_view_set_manager (TaskerAppHistoryView *self,
                                                    TaskerManager        *manager);
GListModel    *tasker_app_history_view_get_model   (TaskerAppHistoryView *self);
void           tasker_app_history_view_refresh     (TaskerAppHistoryView *self);
gboolean       tasker_app_history_view_is_loading  (TaskerAppHistoryView *self);

G_END_DECLS
