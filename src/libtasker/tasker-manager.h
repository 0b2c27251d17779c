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
#include "tasker-history-query.h"
#include "tasker-history-record.h"
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
                                                    TaskerThreadFunc    func,
                                                    gpointer            user_data,
                                                    GDestroyNotify      user_data_destroy,
                                                    GError            **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
TaskerTask    *tasker_manager_run_coroutine        (TaskerManager      *self,
                                                    const char         *key,
                                                    TaskerTaskOptions  *options,
                                                    TaskerCoroutineFunc func,
                                                    gpointer            user_data,
                                                    GDestroyNotify      user_data_destroy,
                                                    GError            **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
TaskerTask    *tasker_manager_run_process          (TaskerManager      *self,
                                                    const char         *key,
                                                    TaskerTaskOptions  *options,
                                                    const char         *entry_point,
                                                    GVariant           *args,
                                                    GError            **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
TaskerTask    *tasker_manager_run_command          (TaskerManager      *self,
                                                    const char         *key,
                                                    TaskerTaskOptions  *options,
                                                    const char * const *argv,
                                                    const char         *working_directory,
                                                    const char * const *envp,
                                                    GError            **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
TaskerTask    *tasker_manager_add_external         (TaskerManager      *self,
                                                    const char         *key,
                                                    TaskerTaskOptions  *options,
                                                    GError            **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
TaskerContext *tasker_task_get_context             (TaskerTask         *task);
TASKER_AVAILABLE_IN_1_0
void           tasker_manager_configure_queue      (TaskerManager      *self,
                                                    const char         *name,
                                                    guint               max_concurrent,
                                                    guint               capacity);
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
TASKER_AVAILABLE_IN_1_0
guint          tasker_manager_get_max_workers      (TaskerManager      *self);
TASKER_AVAILABLE_IN_1_0
void           tasker_manager_set_max_workers      (TaskerManager      *self,
                                                    guint               max_workers);
TASKER_AVAILABLE_IN_1_0
guint          tasker_manager_get_cancel_grace     (TaskerManager      *self);
TASKER_AVAILABLE_IN_1_0
void           tasker_manager_set_cancel_grace     (TaskerManager      *self,
                                                    guint               cancel_grace_ms);
TASKER_AVAILABLE_IN_1_0
guint          tasker_manager_get_worker_max_tasks (TaskerManager      *self);
TASKER_AVAILABLE_IN_1_0
void           tasker_manager_set_worker_max_tasks (TaskerManager      *self,
                                                    guint               worker_max_tasks);
TASKER_AVAILABLE_IN_1_0
guint          tasker_manager_get_worker_idle_timeout (TaskerManager   *self);
TASKER_AVAILABLE_IN_1_0
void           tasker_manager_set_worker_idle_timeout (TaskerManager   *self,
                                                       guint            worker_idle_timeout_ms);
TASKER_AVAILABLE_IN_1_0
guint          tasker_manager_get_node_id          (TaskerManager      *self);
TASKER_AVAILABLE_IN_1_0
void           tasker_manager_set_node_id          (TaskerManager      *self,
                                                    guint               node_id);
TASKER_AVAILABLE_IN_1_0
TaskerTaskOptions *tasker_manager_dup_default_options (TaskerManager   *self) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
void           tasker_manager_set_default_options  (TaskerManager      *self,
                                                    TaskerTaskOptions  *options);
TASKER_AVAILABLE_IN_1_0
char          *tasker_manager_dup_history_path     (TaskerManager      *self) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
void           tasker_manager_set_history_path     (TaskerManager      *self,
                                                    const char         *path);
TASKER_AVAILABLE_IN_1_0
void           tasker_manager_query_history_async  (TaskerManager      *self,
                                                    TaskerHistoryQuery *query,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
TASKER_AVAILABLE_IN_1_0
GListModel    *tasker_manager_query_history_finish (TaskerManager      *self,
                                                    GAsyncResult       *result,
                                                    GError            **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
void           tasker_manager_clear_history_async  (TaskerManager      *self,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
TASKER_AVAILABLE_IN_1_0
gboolean       tasker_manager_clear_history_finish (TaskerManager      *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
TASKER_AVAILABLE_IN_1_0
void                tasker_manager_delete_history_record_async  (TaskerManager       *self,
                                                                 TaskerHistoryRecord *record,
                                                                 GCancellable        *cancellable,
                                                                 GAsyncReadyCallback  callback,
                                                                 gpointer             user_data);
TASKER_AVAILABLE_IN_1_0
gboolean            tasker_manager_delete_history_record_finish (TaskerManager       *self,
                                                                 GAsyncResult        *result,
                                                                 GError             **error);

/* Submits by token, for language bindings (tasker-manager-token.c). */

/**
 * TaskerTokenRunFunc:
 * @context: the task's execution context
 * @token: the token given at submit
 * @user_data: the data given to [method@Tasker.Manager.set_token_funcs]
 *
 * The work of a task submitted with [method@Tasker.Manager.run_thread_token]
 * (in a pool thread, with the contract of a [callback@Tasker.ThreadFunc]) or
 * [method@Tasker.Manager.run_coroutine_token] (on the manager's main context,
 * with the contract of a [callback@Tasker.CoroutineFunc]).
 *
 * Since: 1.0
 */
typedef void (*TaskerTokenRunFunc) (TaskerContext *context,
                                    guint64        token,
                                    gpointer       user_data);

/**
 * TaskerTokenDoneFunc:
 * @task: the task that ended; its status, result and error are final
 * @token: the token given at submit
 * @user_data: the data given to [method@Tasker.Manager.set_token_funcs]
 *
 * Called exactly once per task submitted by token, on the manager's main
 * context, as a [callback@Tasker.TaskDoneFunc] would be.
 *
 * Since: 1.0
 */
typedef void (*TaskerTokenDoneFunc) (TaskerTask *task,
                                     guint64     token,
                                     gpointer    user_data);

/**
 * TaskerTokenEventFunc:
 * @task: the task that sent the event
 * @token: the token given at submit
 * @name: the event's name
 * @data: (nullable): the event's data
 * @user_data: the data given to [method@Tasker.Manager.set_token_funcs]
 *
 * Called on the manager's main context for every event of a task submitted
 * by token, in order, before its [callback@Tasker.TokenDoneFunc], as a
 * [callback@Tasker.TaskEventFunc] would be.
 *
 * Since: 1.0
 */
typedef void (*TaskerTokenEventFunc) (TaskerTask *task,
                                      guint64     token,
                                      const char *name,
                                      GVariant   *data,
                                      gpointer    user_data);

TASKER_AVAILABLE_IN_1_0
void           tasker_manager_set_token_funcs      (TaskerManager        *self,
                                                    TaskerTokenRunFunc    run_func,
                                                    gpointer              run_data,
                                                    GDestroyNotify        run_data_destroy,
                                                    TaskerTokenDoneFunc   done_func,
                                                    gpointer              done_data,
                                                    GDestroyNotify        done_data_destroy,
                                                    TaskerTokenEventFunc  event_func,
                                                    gpointer              event_data,
                                                    GDestroyNotify        event_data_destroy);
TASKER_AVAILABLE_IN_1_0
TaskerTask    *tasker_manager_run_thread_token     (TaskerManager        *self,
                                                    const char           *key,
                                                    TaskerTaskOptions    *options,
                                                    guint64               token,
                                                    GError              **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
TaskerTask    *tasker_manager_run_coroutine_token  (TaskerManager        *self,
                                                    const char           *key,
                                                    TaskerTaskOptions    *options,
                                                    guint64               token,
                                                    GError              **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
TaskerTask    *tasker_manager_run_process_token    (TaskerManager        *self,
                                                    const char           *key,
                                                    TaskerTaskOptions    *options,
                                                    const char           *entry_point,
                                                    GVariant             *args,
                                                    guint64               token,
                                                    GError              **error) G_GNUC_WARN_UNUSED_RESULT;

TASKER_AVAILABLE_IN_1_0
GPtrArray     *tasker_manager_rearm_dependants     (TaskerManager      *self,
                                                    TaskerTask         *old_task,
                                                    TaskerTask         *new_task,
                                                    GError            **error);

G_END_DECLS
