/* tasker-app-task-tree.h: the tasks the window lists, as a tree
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_TASK_TREE (tasker_app_task_tree_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppTaskTree, tasker_app_task_tree, TASKER_APP, TASK_TREE, GObject)

TaskerAppTaskTree *tasker_app_task_tree_new            (void) G_GNUC_WARN_UNUSED_RESULT;
GListModel        *tasker_app_task_tree_get_all        (TaskerAppTaskTree *self);
void               tasker_app_task_tree_add            (TaskerAppTaskTree *self,
                                                        GListModel        *model,
                                                        guint              position,
                                                        guint              n_items);
TaskerTask        *tasker_app_task_tree_lookup         (TaskerAppTaskTree *self,
                                                        guint64            id);
gboolean           tasker_app_task_tree_contains       (TaskerAppTaskTree *self,
                                                        TaskerTask        *task);
gboolean           tasker_app_task_tree_has_parents    (TaskerAppTaskTree *self);
gboolean           tasker_app_task_tree_is_parent      (TaskerAppTaskTree *self,
                                                        TaskerTask        *task);
gboolean           tasker_app_task_tree_get_expanded   (TaskerAppTaskTree *self,
                                                        TaskerTask        *task);
void               tasker_app_task_tree_set_expanded   (TaskerAppTaskTree *self,
                                                        TaskerTask        *task,
                                                        gboolean           expanded);
void               tasker_app_task_tree_clear_finished (TaskerAppTaskTree *self);
gboolean           tasker_app_task_tree_find           (TaskerAppTaskTree *self,
                                                        TaskerTask        *task,
                                                        guint             *position);
guint              tasker_app_task_tree_get_depth      (TaskerTask *task);

G_END_DECLS
