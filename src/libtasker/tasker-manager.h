/* tasker-manager.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASKER_INSIDE) && !defined(TASKER_COMPILATION)
# error "Only <tasker.h> can be included directly."
#endif

#include <gio/gio.h>

#include "tasker-context.h"
#include "tasker-task.h"
#include "tasker-task-options.h"
#include "tasker-version-macros.h"

G_BEGIN_DECLS

#define TASKER_TYPE_MANAGER (tasker_manager_get_type ())

TASKER_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (TaskerManager, tasker_manager, TASKER, MANAGER, GObject)

TASKER_AVAILABLE_IN_1_0
TaskerManager *tasker_manager_get_default          (void);
TASKER_AVAILABLE_IN_1_0
TaskerManager *tasker_manager_new                  (GMainContext       *context) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
GMainContext  *tasker_manager_get_context          (TaskerManager      *self);
TASKER_AVAILABLE_IN_1_0
TaskerTask    *tasker_manager_run_thread           (TaskerManager      *self,
                                                    const char         *key,
                                                    TaskerTaskOptions  *options,
                                                    TaskerTaskFunc      func,
                                                    gpointer            user_data,
                                                    GDestroyNotify      user_data_destroy,
                                                    GError            **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
TaskerTask    *tasker_manager_add_coroutine        (TaskerManager      *self,
                                                    const char         *key,
                                                    TaskerTaskOptions  *options,
                                                    TaskerTaskFunc      func,
                                                    gpointer            user_data,
                                                    GDestroyNotify      user_data_destroy,
                                                    GError            **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
gboolean       tasker_manager_cancel_task          (TaskerManager      *self,
                                                    const char         *key);
TASKER_AVAILABLE_IN_1_0
TaskerTask    *tasker_manager_dup_task             (TaskerManager      *self,
                                                    const char         *key) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
GListModel    *tasker_manager_list_tasks           (TaskerManager      *self) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
double         tasker_manager_get_overall_progress (TaskerManager      *self);
TASKER_AVAILABLE_IN_1_0
gboolean       tasker_manager_wait_until_settled   (TaskerManager      *self,
                                                    int                 timeout_ms);
TASKER_AVAILABLE_IN_1_0
void           tasker_manager_shutdown             (TaskerManager      *self,
                                                    guint               grace_ms);
TASKER_AVAILABLE_IN_1_0
gboolean       tasker_manager_is_shut_down         (TaskerManager      *self);
TASKER_AVAILABLE_IN_1_0
guint          tasker_manager_get_update_interval  (TaskerManager      *self);
TASKER_AVAILABLE_IN_1_0
void           tasker_manager_set_update_interval  (TaskerManager      *self,
                                                    guint               update_interval_ms);
TASKER_AVAILABLE_IN_1_0
guint          tasker_manager_get_max_threads      (TaskerManager      *self);
TASKER_AVAILABLE_IN_1_0
void           tasker_manager_set_max_threads      (TaskerManager      *self,
                                                    guint               max_threads);

G_END_DECLS
