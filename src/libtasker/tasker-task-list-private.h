/* tasker-task-list-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include <gio/gio.h>

#include "tasker-task.h"

G_BEGIN_DECLS

#define TASKER_TYPE_TASK_LIST (tasker_task_list_get_type ())

G_DECLARE_FINAL_TYPE (TaskerTaskList, tasker_task_list, TASKER, TASK_LIST, GObject)

TaskerTaskList *_tasker_task_list_new    (void);
void            _tasker_task_list_add    (TaskerTaskList *self,
                                          TaskerTask     *task);
void            _tasker_task_list_remove (TaskerTaskList *self,
                                          TaskerTask     *task);
gboolean        _tasker_task_list_commit (TaskerTaskList *self);

G_END_DECLS
