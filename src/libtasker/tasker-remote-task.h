/* tasker-remote-task.h: a task of this program, shown in the Tasker application
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASKER_INSIDE) && !defined(TASKER_COMPILATION)
# error "Only <tasker.h> can be included directly."
#endif

#include <gio/gio.h>

#include "tasker-version-macros.h"

G_BEGIN_DECLS

#define TASKER_TYPE_REMOTE_TASK (tasker_remote_task_get_type ())

TASKER_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (TaskerRemoteTask, tasker_remote_task, TASKER, REMOTE_TASK, GObject)

TASKER_AVAILABLE_IN_1_0
void              tasker_remote_task_new_async          (const char           *name,
                                                         GVariant             *options,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
TASKER_AVAILABLE_IN_1_0
TaskerRemoteTask *tasker_remote_task_new_finish         (GAsyncResult         *result,
                                                         GError              **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
TaskerRemoteTask *tasker_remote_task_new_sync           (const char           *name,
                                                         GVariant             *options,
                                                         GCancellable         *cancellable,
                                                         GError              **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
guint64           tasker_remote_task_get_id             (TaskerRemoteTask     *self);
TASKER_AVAILABLE_IN_1_0
const char       *tasker_remote_task_get_object_path    (TaskerRemoteTask     *self);
TASKER_AVAILABLE_IN_1_0
guint             tasker_remote_task_get_update_interval (TaskerRemoteTask    *self);
TASKER_AVAILABLE_IN_1_0
void              tasker_remote_task_set_update_interval (TaskerRemoteTask    *self,
                                                          guint                interval_ms);
TASKER_AVAILABLE_IN_1_0
gboolean          tasker_remote_task_get_cancel_requested (TaskerRemoteTask   *self);
TASKER_AVAILABLE_IN_1_0
gboolean          tasker_remote_task_should_exit        (TaskerRemoteTask     *self);
TASKER_AVAILABLE_IN_1_0
void              tasker_remote_task_set_progress       (TaskerRemoteTask     *self,
                                                         double                progress);
TASKER_AVAILABLE_IN_1_0
void              tasker_remote_task_set_total          (TaskerRemoteTask     *self,
                                                         double                total);
TASKER_AVAILABLE_IN_1_0
void              tasker_remote_task_set_message        (TaskerRemoteTask     *self,
                                                         const char           *message);
TASKER_AVAILABLE_IN_1_0
void              tasker_remote_task_log                (TaskerRemoteTask     *self,
                                                         const char           *text);
TASKER_AVAILABLE_IN_1_0
void              tasker_remote_task_complete_async     (TaskerRemoteTask     *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
TASKER_AVAILABLE_IN_1_0
gboolean          tasker_remote_task_complete_finish    (TaskerRemoteTask     *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
TASKER_AVAILABLE_IN_1_0
gboolean          tasker_remote_task_complete_sync      (TaskerRemoteTask     *self,
                                                         GCancellable         *cancellable,
                                                         GError              **error);
TASKER_AVAILABLE_IN_1_0
void              tasker_remote_task_fail_async         (TaskerRemoteTask     *self,
                                                         const char           *message,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
TASKER_AVAILABLE_IN_1_0
gboolean          tasker_remote_task_fail_finish        (TaskerRemoteTask     *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
TASKER_AVAILABLE_IN_1_0
gboolean          tasker_remote_task_fail_sync          (TaskerRemoteTask     *self,
                                                         const char           *message,
                                                         GCancellable         *cancellable,
                                                         GError              **error);

G_END_DECLS
