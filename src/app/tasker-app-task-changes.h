/* tasker-app-task-changes.h: which tasks a TasksChanged signal carries
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_TASK_CHANGES (tasker_app_task_changes_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppTaskChanges, tasker_app_task_changes, TASKER_APP, TASK_CHANGES, GObject)

TaskerAppTaskChanges *tasker_app_task_changes_new       (void) G_GNUC_WARN_UNUSED_RESULT;
void                  tasker_app_task_changes_add_ended (TaskerAppTaskChanges *self,
                                                         TaskerTask           *task);
GVariant             *tasker_app_task_changes_collect   (TaskerAppTaskChanges *self,
                                                         GListModel           *live);

gboolean              tasker_app_task_changes_has_more  (TaskerAppTaskChanges *self);

G_END_DECLS
