/* tasker-context.h
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

#define TASKER_TYPE_CONTEXT (tasker_context_get_type ())

TASKER_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (TaskerContext, tasker_context, TASKER, CONTEXT, GObject)

/**
 * TaskerThreadFunc:
 * @context: the task's execution context
 * @user_data: the data given at submit
 *
 * The work of a thread task (see [method@Tasker.Manager.run_thread]). It
 * runs in one of the manager's pool threads, and the task ends as soon as
 * the function does, with the outcome it passed to
 * [method@Tasker.Context.return_value], [method@Tasker.Context.return_pointer]
 * or [method@Tasker.Context.return_error], or with no result if it passed
 * nothing.
 *
 * Since: 1.0
 */
typedef void (*TaskerThreadFunc) (TaskerContext *context,
                                  gpointer       user_data);

/**
 * TaskerCoroutineFunc:
 * @context: the task's execution context
 * @user_data: the data given at submit
 *
 * Starts the work of a coroutine task (see
 * [method@Tasker.Manager.run_coroutine]). It runs on the manager's main
 * context and usually starts asynchronous GIO operations with
 * [method@Tasker.Context.get_cancellable]. Returning from it does not end
 * the task: the task ends when one of the `tasker_context_return_*()`
 * functions is called, from any thread. @context is only lent for the call:
 * keep a reference (g_object_ref()) to return later, from a callback.
 *
 * Since: 1.0
 */
typedef void (*TaskerCoroutineFunc) (TaskerContext *context,
                                     gpointer       user_data);

/**
 * TaskerProcessFunc:
 * @context: the task's execution context, backed by the worker protocol
 * @args: the arguments given at submit (`()` if none were)
 * @error: return location for the task's error
 *
 * The work of a process task: a function exported by a module that a
 * `tasker-worker` process loads, named by an entry point `module:symbol`
 * (see [method@Tasker.Manager.run_process]). It runs on the worker's main
 * thread. Its progress, message, events and log reach the manager with the
 * same coalescing as a thread task's.
 *
 * Returns: (transfer full) (nullable): the result (a floating reference is
 *   sunk), or %NULL with @error set. %NULL without an error means the
 *   result `()`.
 *
 * Since: 1.0
 */
typedef GVariant *(*TaskerProcessFunc) (TaskerContext  *context,
                                        GVariant       *args,
                                        GError        **error);

TASKER_AVAILABLE_IN_1_0
void           tasker_context_set_progress       (TaskerContext  *self,
                                                  double          progress);
TASKER_AVAILABLE_IN_1_0
void           tasker_context_set_total          (TaskerContext  *self,
                                                  double          total);
TASKER_AVAILABLE_IN_1_0
void           tasker_context_set_message        (TaskerContext  *self,
                                                  const char     *message);
TASKER_AVAILABLE_IN_1_0
gboolean       tasker_context_is_cancelled       (TaskerContext  *self);
TASKER_AVAILABLE_IN_1_0
GCancellable  *tasker_context_get_cancellable    (TaskerContext  *self);
TASKER_AVAILABLE_IN_1_0
TaskerContext *tasker_context_sub_context        (TaskerContext  *self,
                                                  double          base_progress,
                                                  double          progress_range,
                                                  double          total) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
void           tasker_context_send_event         (TaskerContext  *self,
                                                  const char     *name,
                                                  GVariant       *data);
TASKER_AVAILABLE_IN_1_0
void           tasker_context_log                (TaskerContext  *self,
                                                  const char     *text);
TASKER_AVAILABLE_IN_1_0
void           tasker_context_flush              (TaskerContext  *self);
TASKER_AVAILABLE_IN_1_0
void           tasker_context_return_value       (TaskerContext  *self,
                                                  const GValue   *value);
TASKER_AVAILABLE_IN_1_0
void           tasker_context_return_pointer     (TaskerContext  *self,
                                                  gpointer        result,
                                                  GDestroyNotify  result_destroy);
TASKER_AVAILABLE_IN_1_0
void           tasker_context_return_error       (TaskerContext  *self,
                                                  GError         *error);
TASKER_AVAILABLE_IN_1_0
void           tasker_context_return_new_error   (TaskerContext  *self,
                                                  GQuark          domain,
                                                  int             code,
                                                  const char     *format,
                                                  ...) G_GNUC_PRINTF (4, 5);
TASKER_AVAILABLE_IN_1_0
gboolean       tasker_context_return_error_if_cancelled (TaskerContext *self);

G_END_DECLS
