/* tasker-app-caller-pids.h: the process of each connection that calls, asked of the bus once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_CALLER_PIDS (tasker_app_caller_pids_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppCallerPids, tasker_app_caller_pids, TASKER_APP, CALLER_PIDS, GObject)

/* @pid: the process of @invocation's sender, or 0 when the bus does not know it */
typedef void (*TaskerAppCallerPidFunc) (GObject               *object,
                                        GDBusMethodInvocation *invocation,
                                        guint32                pid);

TaskerAppCallerPids *tasker_app_caller_pids_new        (GDBusConnection        *connection) G_GNUC_WARN_UNUSED_RESULT;
void                 tasker_app_caller_pids_call       (TaskerAppCallerPids    *self,
                                                        GDBusMethodInvocation  *invocation,
                                                        TaskerAppCallerPidFunc  func,
                                                        GObject                *object);
gboolean             tasker_app_caller_pids_is_waiting (TaskerAppCallerPids    *self,
                                                        const char             *name);
void                 tasker_app_caller_pids_forget     (TaskerAppCallerPids    *self,
                                                        const char             *name);

G_END_DECLS
