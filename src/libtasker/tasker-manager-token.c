/* tasker-manager-token.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-error.h"
#include "tasker-manager.h"
#include "tasker-manager-private.h"
#include "tasker-task-options-private.h"
#include "tasker-task-private.h"

/* Submits by token, for language bindings: the run, done and event
 * functions are given once per manager (tasker_manager_set_token_funcs), and
 * each submit passes only a 64-bit token that the binding maps to its own
 * record of the task. Through GObject Introspection a callback argument
 * costs a closure per call (several microseconds in PyGObject); a token
 * costs nothing.
 *
 * Additive: the tasks go through the public run_* entry points. A thread or
 * coroutine task carries its TokenCall as the function's data (freed on the
 * manager's context after the done function); so does a process task, which
 * has no function of its own. */

/* The functions given to tasker_manager_set_token_funcs(). Reference
 * counted (g_atomic_rc_box): the manager holds one reference, every task
 * submitted with them another, so replacing them never pulls them from
 * under a task. */
typedef struct
{
  TaskerTokenRunFunc    run_func;
  gpointer              run_data;          /* (owned) by run_data_destroy */
  GDestroyNotify        run_data_destroy;
  TaskerTokenDoneFunc   done_func;
  gpointer              done_data;         /* (owned) by done_data_destroy */
  GDestroyNotify        done_data_destroy;
  TaskerTokenEventFunc  event_func;
  gpointer              event_data;        /* (owned) by event_data_destroy */
  GDestroyNotify        event_data_destroy;
  TaskerTaskOptions    *options;           /* (owned): shared by the thread and coroutine
                                            * tasks submitted without options */
  /* The options of the process tasks submitted with the caller's @given
   * options, sealed: a copy with our done and event functions, shared by
   * the next tasks submitted with the same ones (no options object per task). */
  GMutex                process_lock;
  TaskerTaskOptions    *process_given;     /* (owned) (nullable) protected by process_lock */
  TaskerTaskOptions    *process_options;   /* (owned) (nullable) protected by process_lock */
} TokenFuncs;

/* One task's token. */
typedef struct
{
  TokenFuncs *funcs;  /* (owned) */
  guint64     token;
} TokenCall;

/* Declared static first: G_DEFINE_QUARK alone would export it. */
static GQuark token_funcs_quark (void);
G_DEFINE_QUARK (tasker-manager-token-funcs, token_funcs)

static void
token_funcs_clear (gpointer data)
{
  TokenFuncs *funcs = data;

  g_clear_object (&funcs->options);
  g_clear_object (&funcs->process_given);
  g_clear_object (&funcs->process_options);
  g_mutex_clear (&funcs->process_lock);
  if (funcs->run_data_destroy != NULL)
    funcs->run_data_destroy (funcs->run_data);
  if (funcs->done_data_destroy != NULL)
    funcs->done_data_destroy (funcs->done_data);
  if (funcs->event_data_destroy != NULL)
    funcs->event_data_destroy (funcs->event_data);
}

static void
token_funcs_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, token_funcs_clear);
}

static void
token_call_free (gpointer data)
{
  TokenCall *call = data;

  token_funcs_unref (call->funcs);
  g_free (call);
}

/* The call of a task submitted by token: its options' done data for a
 * process task, else its function's data. */
static TokenCall *
token_call_of (TaskerTask *task,
               gpointer    data)
{
  return data != NULL ? data : task->func_data;
}

static void
token_run_cb (TaskerContext *context,
              gpointer       user_data)
{
  TokenCall *call = user_data;

  call->funcs->run_func (context, call->token, call->funcs->run_data);
}

static void
token_done_cb (TaskerTask *task,
               gpointer    user_data)
{
  TokenCall *call = token_call_of (task, user_data);

  if (call != NULL && call->funcs->done_func != NULL)
    call->funcs->done_func (task, call->token, call->funcs->done_data);
}

static void
token_event_cb (TaskerTask *task,
                const char *name,
                GVariant   *data,
                gpointer    user_data)
{
  TokenCall *call = token_call_of (task, user_data);

  if (call != NULL && call->funcs->event_func != NULL)
    call->funcs->event_func (task, call->token, name, data, call->funcs->event_data);
}

/**
 * tasker_manager_set_token_funcs:
 * @self: a #TaskerManager
 * @run_func: (scope notified) (closure run_data) (destroy run_data_destroy):
 *   runs the work of each task submitted by token
 * @run_data: data for @run_func
 * @run_data_destroy: (nullable): frees @run_data once no task needs it
 * @done_func: (scope notified) (closure done_data) (destroy done_data_destroy) (nullable):
 *   called once per task submitted by token when it has ended
 * @done_data: data for @done_func
 * @done_data_destroy: (nullable): frees @done_data once no task needs it
 * @event_func: (scope notified) (closure event_data) (destroy event_data_destroy) (nullable):
 *   called for every event of a task submitted by token
 * @event_data: data for @event_func
 * @event_data_destroy: (nullable): frees @event_data once no task needs it
 *
 * Sets the functions of the tasks that [method@Tasker.Manager.run_thread_token],
 * [method@Tasker.Manager.run_coroutine_token] and
 * [method@Tasker.Manager.run_process_token] submit. They are meant for
 * language bindings, which set them once and then submit each task with a
 * token that names their own record of it: a call through GObject
 * Introspection costs much less without a callback argument.
 *
 * Tasks already submitted keep the functions they were submitted with.
 * Safe from any thread.
 *
 * Since: 1.0
 */
void
tasker_manager_set_token_funcs (TaskerManager        *self,
                                TaskerTokenRunFunc    run_func,
                                gpointer              run_data,
                                GDestroyNotify        run_data_destroy,
                                TaskerTokenDoneFunc   done_func,
                                gpointer              done_data,
                                GDestroyNotify        done_data_destroy,
                                TaskerTokenEventFunc  event_func,
                                gpointer              event_data,
                                GDestroyNotify        event_data_destroy)
{
  TokenFuncs *funcs;

  g_return_if_fail (TASKER_IS_MANAGER (self));
  g_return_if_fail (run_func != NULL);

  funcs = g_atomic_rc_box_new0 (TokenFuncs);
  funcs->run_func = run_func;
  funcs->run_data = run_data;
  funcs->run_data_destroy = run_data_destroy;
  funcs->done_func = done_func;
  funcs->done_data = done_data;
  funcs->done_data_destroy = done_data_destroy;
  funcs->event_func = event_func;
  funcs->event_data = event_data;
  funcs->event_data_destroy = event_data_destroy;

  /* Shared by every task that comes without options of its own: the
   * token is read from the task's function data. */
  g_mutex_init (&funcs->process_lock);
  funcs->options = tasker_task_options_new ();
  tasker_task_options_set_done_func (funcs->options, token_done_cb, NULL, NULL);
  tasker_task_options_set_event_func (funcs->options, token_event_cb, NULL, NULL);

  g_object_set_qdata_full (G_OBJECT (self), token_funcs_quark (), funcs, token_funcs_unref);
}

static gpointer
acquire_token_funcs (gpointer funcs,
                     gpointer user_data)
{
  return funcs != NULL ? g_atomic_rc_box_acquire (funcs) : NULL;
}

/* A reference to the manager's token functions, or NULL with @error set. */
static TokenFuncs *
ref_token_funcs (TaskerManager  *self,
                 GError        **error)
{
  TokenFuncs *funcs;

  /* Referenced under the qdata lock, so that a concurrent
   * tasker_manager_set_token_funcs() cannot release them first. */
  funcs = g_object_dup_qdata (G_OBJECT (self), token_funcs_quark (), acquire_token_funcs, NULL);
  if (funcs == NULL)
    {
      g_set_error_literal (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                           "No token functions were set on the manager "
                           "(tasker_manager_set_token_funcs)");
      return NULL;
    }

  return funcs;
}

static TokenCall *
token_call_new (TokenFuncs *funcs,
                guint64     token)
{
  TokenCall *call = g_new (TokenCall, 1);

  call->funcs = funcs;
  call->token = token;

  return call;
}

/* Options of the task's own: the caller's settings with our done and event
 * functions, which get the token from @call_data (or, when it is %NULL, the
 * task's function data). */
static TaskerTaskOptions *
task_options_new (TaskerTaskOptions *options,
                  TokenCall         *call_data)
{
  TaskerTaskOptions *copy = options != NULL ? tasker_task_options_copy (options)
                                            : tasker_task_options_new ();

  tasker_task_options_set_done_func (copy, token_done_cb, call_data,
                                     call_data != NULL ? token_call_free : NULL);
  tasker_task_options_set_event_func (copy, token_event_cb, call_data, NULL);

  return copy;
}

static TaskerTask *
run_token (TaskerManager      *self,
           TaskerTaskKind      kind,
           const char         *key,
           TaskerTaskOptions  *options,
           guint64             token,
           GError            **error)
{
  g_autoptr(TaskerTaskOptions) own_options = NULL;
  TokenFuncs *funcs;
  TokenCall *call;

  if ((funcs = ref_token_funcs (self, error)) == NULL)
    return NULL;
  call = token_call_new (funcs, token);

  /* Without options, the shared ones: no object per task. */
  if (options != NULL)
    own_options = task_options_new (options, NULL);

  if (kind == TASKER_TASK_KIND_THREAD)
    return tasker_manager_run_thread (self, key, own_options != NULL ? own_options : funcs->options,
                                      token_run_cb, call, token_call_free, error);

  return tasker_manager_run_coroutine (self, key, own_options != NULL ? own_options : funcs->options,
                                       token_run_cb, call, token_call_free, error);
}

/**
 * tasker_manager_run_thread_token:
 * @self: a #TaskerManager
 * @key: (nullable): a key for the task; a live task with the same key is cancelled
 * @options: (nullable): how the task is named, observed and limited; its
 *   done and event functions are not used
 * @token: a value of the caller's, passed to each of the functions given to
 *   [method@Tasker.Manager.set_token_funcs]
 * @error: return location for an error
 *
 * As [method@Tasker.Manager.run_thread], with the run, done and event
 * functions given to [method@Tasker.Manager.set_token_funcs]: the run
 * function runs in one of the manager's pool threads, the done function is
 * called exactly once when the task has ended, the event function for each
 * of its events. Safe from any thread.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set:
 *   %TASKER_ERROR_INVALID_ARGUMENT if no token functions were set, and
 *   every refusal of [method@Tasker.Manager.run_thread]
 *
 * Since: 1.0
 */
TaskerTask *
tasker_manager_run_thread_token (TaskerManager      *self,
                                 const char         *key,
                                 TaskerTaskOptions  *options,
                                 guint64             token,
                                 GError            **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return run_token (self, TASKER_TASK_KIND_THREAD, key, options, token, error);
}

/**
 * tasker_manager_run_coroutine_token:
 * @self: a #TaskerManager
 * @key: (nullable): a key for the task; a live task with the same key is cancelled
 * @options: (nullable): how the task is named and observed; its done and
 *   event functions are not used
 * @token: a value of the caller's, passed to each of the functions given to
 *   [method@Tasker.Manager.set_token_funcs]
 * @error: return location for an error
 *
 * As [method@Tasker.Manager.run_coroutine], with the functions given to
 * [method@Tasker.Manager.set_token_funcs]: the run function starts the
 * asynchronous work on the manager's main context, and the task ends when a
 * `tasker_context_return_*()` function is called. Safe from any thread.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set:
 *   %TASKER_ERROR_INVALID_ARGUMENT if no token functions were set, and
 *   every refusal of [method@Tasker.Manager.run_coroutine]
 *
 * Since: 1.0
 */
TaskerTask *
tasker_manager_run_coroutine_token (TaskerManager      *self,
                                    const char         *key,
                                    TaskerTaskOptions  *options,
                                    guint64             token,
                                    GError            **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return run_token (self, TASKER_TASK_KIND_COROUTINE, key, options, token, error);
}

/**
 * tasker_manager_run_process_token:
 * @self: a #TaskerManager
 * @key: (nullable): a key for the task; a live task with the same key is cancelled
 * @options: (nullable): how the task is named, observed and limited; its
 *   done and event functions are not used. They are sealed, as by any
 *   submission: tasks submitted with the same options share one copy of them
 * @entry_point: (nullable): the function to run, as `module:symbol`
 * @args: (nullable): the function's arguments; %NULL means `()`. A floating
 *   reference is sunk.
 * @token: a value of the caller's, passed to the done and event functions
 *   given to [method@Tasker.Manager.set_token_funcs]
 * @error: return location for an error
 *
 * As [method@Tasker.Manager.run_process], with the done and event functions
 * given to [method@Tasker.Manager.set_token_funcs] (the run function is not
 * used: the worker runs @entry_point). Safe from any thread.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set:
 *   %TASKER_ERROR_INVALID_ARGUMENT if no token functions were set, and
 *   every refusal of [method@Tasker.Manager.run_process]
 *
 * Since: 1.0
 */
TaskerTask *
tasker_manager_run_process_token (TaskerManager      *self,
                                  const char         *key,
                                  TaskerTaskOptions  *options,
                                  const char         *entry_point,
                                  GVariant           *args,
                                  guint64             token,
                                  GError            **error)
{
  g_autoptr(TaskerTaskOptions) own_options = NULL;
  g_autoptr(GVariant) owned_args = NULL;
  TokenFuncs *funcs;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Sunk here, so that a refusal does not leak a floating reference. */
  if (args != NULL)
    owned_args = g_variant_ref_sink (args);

  if ((funcs = ref_token_funcs (self, error)) == NULL)
    return NULL;

  /* The token rides on the task as its function data (a process task has
   * no function), so that tasks submitted with the same options share one
   * copy of them: @options are sealed, as by any submission. */
  if (options == NULL)
    own_options = g_object_ref (funcs->options);
  else
    {
      _tasker_task_options_seal (options);
      g_mutex_lock (&funcs->process_lock);
      if (funcs->process_given != options)
        {
          g_set_object (&funcs->process_given, options);
          g_clear_object (&funcs->process_options);
          funcs->process_options = task_options_new (options, NULL);
        }
      own_options = g_object_ref (funcs->process_options);
      g_mutex_unlock (&funcs->process_lock);
    }

  return _tasker_manager_run_process_with_data (self, key, own_options, entry_point, owned_args,
                                                token_call_new (funcs, token), token_call_free,
                                                error);
}
