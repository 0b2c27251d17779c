/* tasker-app-log-followers.h: the clients that follow a task's log, and their LogLines
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_LOG_FOLLOWERS (tasker_app_log_followers_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppLogFollowers, tasker_app_log_followers, TASKER_APP, LOG_FOLLOWERS, GObject)

/* Sends @lines (never empty) of @task's log to the follower @name. */
typedef void (*TaskerAppLogSendFunc) (const char         *name,
                                      TaskerTask         *task,
                                      const char * const *lines,
                                      gpointer            user_data);

TaskerAppLogFollowers *tasker_app_log_followers_new (guint                interval_ms,
                                                     TaskerAppLogSendFunc send,
                                                     gpointer             user_data) G_GNUC_WARN_UNUSED_RESULT;

char  **tasker_app_log_followers_follow          (TaskerAppLogFollowers *self,
                                                  TaskerTask            *task,
                                                  const char            *name) G_GNUC_WARN_UNUSED_RESULT;
void    tasker_app_log_followers_unfollow        (TaskerAppLogFollowers *self,
                                                  TaskerTask            *task,
                                                  const char            *name);
void    tasker_app_log_followers_forget_name     (TaskerAppLogFollowers *self,
                                                  const char            *name);
void    tasker_app_log_followers_flush_task      (TaskerAppLogFollowers *self,
                                                  TaskerTask            *task);
void    tasker_app_log_followers_clear           (TaskerAppLogFollowers *self);
guint   tasker_app_log_followers_get_n_followers (TaskerAppLogFollowers *self);

G_END_DECLS
