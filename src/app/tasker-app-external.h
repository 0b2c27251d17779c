/* tasker-app-external.h: other programs' tasks over D-Bus (CreateTask, UpdateTasks, io.github.tasker.Tasker1.Task)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <tasker.h>

G_BEGIN_DECLS

/* Live external tasks one owner may have at once. */
#define TASKER_APP_EXTERNAL_MAX_TASKS_PER_OWNER 1000

#define TASKER_APP_TYPE_EXTERNAL (tasker_app_external_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppExternal, tasker_app_external, TASKER_APP, EXTERNAL, GObject)

TaskerAppExternal *tasker_app_external_new          (void) G_GNUC_WARN_UNUSED_RESULT;
gboolean           tasker_app_external_export       (TaskerAppExternal      *self,
                                                     GDBusConnection        *connection,
                                                     GError                **error);
void               tasker_app_external_unexport     (TaskerAppExternal      *self);
void               tasker_app_external_start        (TaskerAppExternal      *self,
                                                     TaskerManager          *manager);
void               tasker_app_external_create_task  (TaskerAppExternal      *self,
                                                     GDBusMethodInvocation  *invocation);
void               tasker_app_external_update_tasks (TaskerAppExternal      *self,
                                                     GDBusMethodInvocation  *invocation);
void               tasker_app_external_forget_name  (TaskerAppExternal      *self,
                                                     const char             *name);
guint              tasker_app_external_get_max_tasks_per_owner (TaskerAppExternal *self);
void               tasker_app_external_set_max_tasks_per_owner (TaskerAppExternal *self,
                                                                guint              max_tasks);
guint              tasker_app_external_get_n_owners (TaskerAppExternal      *self);

G_END_DECLS
