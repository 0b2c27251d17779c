/* tasker-app-task-row.h: one task in the window's list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_TASK_ROW (tasker_app_task_row_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppTaskRow, tasker_app_task_row, TASKER_APP, TASK_ROW, GtkWidget)

GtkWidget  *tasker_app_task_row_new                 (void);
TaskerTask *tasker_app_task_row_get_task            (TaskerAppTaskRow *self);
void        tasker_app_task_row_set_task            (TaskerAppTaskRow *self,
                                                     TaskerTask       *task);
void        tasker_app_task_row_set_depth           (TaskerAppTaskRow *self,
                                                     guint             depth);
void        tasker_app_task_row_tick                (TaskerAppTaskRow *self,
                                                     gint64            now);
void        tasker_app_task_row_set_expander        (TaskerAppTaskRow *self,
                                                     gboolean          in_tree,
                                                     gboolean          has_children,
                                                     gboolean          expanded);
GtkWidget  *tasker_app_task_row_get_cancel_button   (TaskerAppTaskRow *self);
GtkWidget  *tasker_app_task_row_get_expander_button (TaskerAppTaskRow *self);
GtkWidget  *tasker_app_task_row_get_rerun_button    (TaskerAppTaskRow *self);

G_END_DECLS
