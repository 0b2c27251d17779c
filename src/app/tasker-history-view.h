/* tasker-history-view.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_TYPE_HISTORY_VIEW (tasker_history_view_get_type ())

G_DECLARE_FINAL_TYPE (TaskerHistoryView, tasker_history_view, TASKER, HISTORY_VIEW, GtkWidget)

GtkWidget     *tasker_history_view_new         (TaskerManager     *manager);
TaskerManager *tasker_history_view_get_manager (TaskerHistoryView *self);
void           tasker_history_view_set_manager (TaskerHistoryView *self,
                                                TaskerManager     *manager);
GListModel    *tasker_history_view_get_model   (TaskerHistoryView *self);
void           tasker_history_view_refresh     (TaskerHistoryView *self);
gboolean       tasker_history_view_is_loading  (TaskerHistoryView *self);

char          *_tasker_history_view_format_duration (gint64 duration_us) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
