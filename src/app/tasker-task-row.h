/* tasker-task-row.h: one task in the window's list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_TYPE_TASK_ROW (tasker_task_row_get_type ())

G_DECLARE_FINAL_TYPE (TaskerTaskRow, tasker_task_row, TASKER, TASK_ROW, GtkWidget)

GtkWidget  *tasker_task_row_new            (void);
TaskerTask *tasker_task_row_get_task       (TaskerTaskRow *self);
void        tasker_task_row_set_task       (TaskerTaskRow *self,
                                            TaskerTask    *task);
void        tasker_task_row_set_depth      (TaskerTaskRow *self,
                                            guint          depth);
void        tasker_task_row_tick           (TaskerTaskRow *self,
                                            gint64         now);
void        tasker_task_row_set_expander   (TaskerTaskRow *self,
                                            gboolean       in_tree,
                                            gboolean       has_children,
                                            gboolean       expanded);
GtkWidget  *tasker_task_row_get_cancel_button (TaskerTaskRow *self);
GtkWidget  *tasker_task_row_get_expander_button (TaskerTaskRow *self);
GtkWidget  *tasker_task_row_get_rerun_button  (TaskerTaskRow *self);

G_END_DECLS
