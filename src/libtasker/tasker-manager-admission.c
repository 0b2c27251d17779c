/* tasker-manager-admission.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-context-private.h"
#include "tasker-coroutine-runner-private.h"
#include "tasker-enums.h"
#include "tasker-error.h"
#include "tasker-history-private.h"
#include "tasker-manager-private.h"
#include "tasker-process-runner-private.h"
#include "tasker-queue-private.h"
#include "tasker-trace-private.h"
#include "tasker-task-list-private.h"
#include "tasker-task-options-private.h"
#include "tasker-task-private.h"
#include "tasker-thread-runner-private.h"

/* Admission: the checks at submit, the registry of keys and unfinished
 * tasks, the named queues' slots, and the hand-off of an attempt to its
 * runner (start_attempt_locked). The public run_* entry points. */

static void
unfinished_link_locked (TaskerManager *self,
                        TaskerTask    *task)
{
  task->slot.unfinished_prev = NULL;
  task->slot.unfinished_next = self->unfinished;
  if (self->unfinished != NULL)
    self->unfinished->slot.unfinished_prev = task;
  self->unfinished = task;
  self->n_unfinished++;
  task->slot.unfinished = TRUE;
}

void
_tasker_manager_unfinished_unlink_locked (TaskerManager *self,
                                          TaskerTask    *task)
{
  if (task->slot.unfinished_prev != NULL)
    task->slot.unfinished_prev->slot.unfinished_next = task->slot.unfinished_next;
  else
    self->unfinished = task->slot.unfinished_next;
  if (task->slot.unfinished_next != NULL)
    task->slot.unfinished_next->slot.unfinished_prev = task->slot.unfinished_prev;
  task->slot.unfinished_prev = task->slot.unfinished_next = NULL;
  self->n_unfinished--;
  task->slot.unfinished = FALSE;
}

static GError *
replaced_error (const char *key)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                      "Replaced by a newer task with the key “%s”", key);
}

/* What a process task or command runs, checked at submit. */
typedef struct
{
  const char          *entry_point;
  GVariant            *args;
  const char * const  *argv;
  const char          *working_directory;
  const char * const  *envp;
  GError              *invalid;   /* (owned) (nullable): the task fails with it */
} ProcessCall;

gboolean
_tasker_manager_is_process_kind (TaskerTaskKind kind)
{
  return kind == TASKER_TASK_KIND_PROCESS || kind == TASKER_TASK_KIND_COMMAND;
}

static TaskerCall *
call_new (TaskerTask  *task,
          ProcessCall *call)
{
  TaskerCall *copy = g_new0 (TaskerCall, 1);

  copy->entry_point = g_strdup (call->entry_point);
  copy->args = call->args != NULL ? g_variant_ref (call->args) : NULL;
  if (task->options != NULL)
    copy->worker = g_strdupv ((char **) tasker_task_options_get_worker (task->options));
  copy->argv = g_strdupv ((char **) call->argv);
  copy->cwd = g_strdup (call->working_directory);
  copy->envp = g_strdupv ((char **) call->envp);

  return copy;
}

/* Hands an attempt of @task to its runner. */
void
_tasker_manager_start_attempt_locked (TaskerManager *self,
                                      TaskerTask    *task)
{
  /* A message of ours ("Waiting for a free slot", "Retrying in …") is
   * cleared as it starts. */
  if (may_have_manager_message (task) &&
      _tasker_task_store_manager_message (task, NULL) &&
      !__atomic_exchange_n (&task->dirty, TRUE, __ATOMIC_ACQ_REL))
    {
      _tasker_manager_push_dirty_locked (self, g_object_ref (task));
    }

  if (task->kind == TASKER_TASK_KIND_THREAD && task->func != NULL)
    {
      /* A task that finds every thread busy waits, and its sync says so. A
       * new one is looked at when it joins the live list (not counted yet,
       * it is ours alone here); one seen before needs a sync of its own. */
      if (_tasker_thread_runner_push (self->threads, task, self->defer_thread_wakeups) &&
          task->slot.counted &&
          !__atomic_exchange_n (&task->dirty, TRUE, __ATOMIC_ACQ_REL))
        {
          _tasker_manager_push_dirty_locked (self, g_object_ref (task));
        }
    }
  else if (task->call != NULL)
    {
      if (self->processes == NULL)
        self->processes = _tasker_process_runner_new (&self->process_limits);
      _tasker_process_runner_push (self->processes, task);
    }
  else
    _tasker_manager_push_msg_locked (self, MSG_START, task, NULL, NULL);
}

void
_tasker_manager_set_message_locked (TaskerManager *self,
                            TaskerTask    *task,
                            const char    *message)
{
  if (_tasker_task_store_manager_message (task, message) &&
      !__atomic_exchange_n (&task->dirty, TRUE, __ATOMIC_ACQ_REL))
    {
      _tasker_manager_push_dirty_locked (self, g_object_ref (task));
    }
}

/* A task due to run takes a slot of its queue, or waits for one. */
void
_tasker_manager_admit_locked (TaskerManager *self,
                              TaskerTask    *task)
{
  if (task->slot.queue == NULL || _tasker_queue_take_slot (task->slot.queue))
    {
      task->slot.holds_slot = task->slot.queue != NULL;
      _tasker_manager_start_attempt_locked (self, task);
      return;
    }

  task->slot.waits_for_slot = TRUE;
  _tasker_queue_wait (task->slot.queue, task, task->policy.priority);
  _tasker_manager_set_message_locked (self, task, "Waiting for a free slot");
}

/* The task's attempt is over (or it left its queue): its slot goes to the
 * next task waiting. */
void
_tasker_manager_leave_queue_locked (TaskerManager *self,
                                    TaskerTask    *task)
{
  TaskerTask *next = NULL;

  if (task->slot.holds_slot)
    {
      task->slot.holds_slot = FALSE;
      next = _tasker_queue_release_slot (task->slot.queue);
    }
  else if (task->slot.waits_for_slot)
    {
      task->slot.waits_for_slot = FALSE;
      _tasker_queue_remove (task->slot.queue, task);
    }

  if (next != NULL)
    {
      next->slot.waits_for_slot = FALSE;
      next->slot.holds_slot = TRUE;
      _tasker_manager_start_attempt_locked (self, next);
      g_object_unref (next);
    }
}

TaskerQueue *
_tasker_manager_ensure_queue_locked (TaskerManager *self,
                                     const char    *name)
{
  TaskerQueue *queue = g_hash_table_lookup (self->queues, name);

  /* A queue nobody configured has no limits until someone does. */
  if (queue == NULL)
    {
      queue = _tasker_queue_new (name);
      g_hash_table_insert (self->queues, (char *) _tasker_queue_get_name (queue), queue);
    }

  return queue;
}

/* Checks what is refused at submit (DESIGN.md §4): never blocks. */
static gboolean
check_submit_locked (TaskerManager  *self,
                     TaskerTask     *task,
                     TaskerTask     *parent,
                     GError        **error)
{
  if (self->shut_down)
    {
      g_set_error_literal (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN,
                           "The task manager has been shut down");
      return FALSE;
    }

  if (task->policy.queue != NULL &&
      _tasker_queue_is_full (_tasker_manager_ensure_queue_locked (self, task->policy.queue)))
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_QUEUE_FULL,
                   "queue “%s” is full", task->policy.queue);
      return FALSE;
    }

  if (parent != NULL && (parent->manager != self || !parent->slot.unfinished))
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                   parent->manager != self
                   ? "the parent task %" G_GUINT64_FORMAT " belongs to another manager"
                   : "the parent task %" G_GUINT64_FORMAT " has already ended",
                   parent->id);
      return FALSE;
    }

  return TRUE;
}

static TaskerTask *
submit (TaskerManager      *self,
        TaskerTaskKind      kind,
        const char         *key,
        TaskerTaskOptions  *options,
        TaskerTaskRunFunc   func,
        gpointer            user_data,
        GDestroyNotify      user_data_destroy,
        ProcessCall        *call,
        GPtrArray          *after,    /* (nullable) (element-type TaskerTask): instead of the options' */
        GError            **error)
{
  g_autoptr(TaskerTask) task = NULL;
  /* Made only when a cancel may fire something: most submissions cancel nothing. */
  g_autoptr(GPtrArray) to_fire = NULL;
  TaskerTask *parent = options != NULL ? _tasker_task_options_get_parent (options) : NULL;
  guint64 trace_id = options != NULL ? _tasker_task_options_get_trace_id (options) : 0;
  g_autoptr(GPtrArray) resolved = NULL;
  /* A start time or tasks to wait for: @after when given (a rearm), else the options'. */
  gboolean waits = (after != NULL && after->len > 0) ||
                   (options != NULL && _tasker_task_options_may_wait (options));

  if (waits && after == NULL)
    {
      if (!_tasker_task_links_resolve (_tasker_task_options_get_after (options), &resolved, error))
        {
          /* Refused before there is a task to free it with. */
          if (user_data_destroy != NULL && user_data != NULL)
            user_data_destroy (user_data);
          return NULL;
        }
      after = resolved;
    }

  task = _tasker_task_new (self, &_tasker_manager_task_sink, kind, key, options, func, user_data, user_data_destroy);
  /* Its owner's, from now on: made before anyone else can see the task. */
  if (kind == TASKER_TASK_KIND_EXTERNAL)
    task->context = _tasker_context_new_external (task);
  if (options != NULL)
    {
      task->tree.ignore_child_failures = _tasker_task_options_get_ignore_child_failures (options);
      task->durable = tasker_task_options_get_durable (options);
      task->tree.children_weight = _tasker_task_options_get_children_weight (options);
    }
  if (waits)
    task->waits = TRUE;
  if (call != NULL && call->invalid == NULL)
    task->call = call_new (task, call);

  g_mutex_lock (&self->lock);

  /* The manager's defaults are for work it runs: an external task takes
   * only what its own options say (a timeout; the rest is refused). */
  _tasker_policy_resolve (options != NULL ? _tasker_task_options_get_policy (options) : NULL,
                          kind == TASKER_TASK_KIND_EXTERNAL ? NULL : &self->default_policy,
                          &task->policy);

  if (!check_submit_locked (self, task, parent, error) ||
      (task->waits && !_tasker_manager_check_waiting_locked (self, options, after, parent, error)))
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }

  if (task->policy.queue != NULL)
    task->slot.queue = _tasker_manager_ensure_queue_locked (self, task->policy.queue);

  /* Tracing: a given id or the parent's keeps its top 48 bits. */
  if (trace_id == 0 && parent != NULL)
    trace_id = parent->trace_id;
  task->trace_id = trace_id != 0 ? _tasker_trace_relay (trace_id, self->node_id)
                                 : _tasker_trace_new (self->node_id, task->created_time);

  task->log_max_lines = self->log_max_lines;
  task->log_max_bytes = self->log_max_bytes;

  unfinished_link_locked (self, task);
  self->settled = FALSE;

  if (parent != NULL)
    {
      task->tree.parent = g_object_ref (parent);
      if (parent->tree.children == NULL)
        parent->tree.children = g_ptr_array_new ();
      g_ptr_array_add (parent->tree.children, task);
    }

  if (task->key != NULL)
    {
      TaskerTask *old = g_hash_table_lookup (self->keys, task->key);

      /* Cancelled before the lock is dropped, so the old task can no longer
       * end any other way once it has lost its key. */
      if (old != NULL)
        {
          g_autoptr(GError) reason = replaced_error (key);

          to_fire = g_ptr_array_new_with_free_func (g_object_unref);
          _tasker_manager_cancel_tree_locked (self, old, reason, to_fire);
        }
      /* replace, not insert: the key string must be the new task's own. */
      g_hash_table_replace (self->keys, task->key, task);
    }

  /* The manager's reference, until the task finishes. */
  g_ptr_array_add (self->submitted, g_object_ref (task));

  if (call != NULL && call->invalid != NULL)
    {
      /* Bad input found at submit fails the task, soon. */
      _tasker_task_fail_at_start (task, g_steal_pointer (&call->invalid));
      _tasker_manager_push_msg_locked (self, MSG_START, task, NULL, NULL);
    }
  else if (!task->waits || !_tasker_manager_hold_locked (self, task, options, after))
    {
      /* The pool thread it needs is woken once the lock is dropped. */
      self->defer_thread_wakeups = TRUE;
      _tasker_manager_admit_locked (self, task);
      self->defer_thread_wakeups = FALSE;
    }

  /* A child of a cancelled parent is cancelled with it. */
  if (parent != NULL && g_atomic_int_get (&parent->cancel_requested))
    {
      g_autoptr(GError) reason = _tasker_task_dup_cancel_error (parent);

      if (to_fire == NULL)
        to_fire = g_ptr_array_new_with_free_func (g_object_unref);
      _tasker_manager_cancel_tree_locked (self, task, reason, to_fire);
    }

  _tasker_manager_wake_now_locked (self);

  g_mutex_unlock (&self->lock);

  _tasker_thread_runner_kick (self->threads);

  if (to_fire != NULL)
    _tasker_manager_fire_all (to_fire);

  return g_steal_pointer (&task);
}

/* tasker_manager_rearm_dependants(): a failed dependant, again. */
TaskerTask *
_tasker_manager_resubmit (TaskerManager     *self,
                          TaskerTaskKind     kind,
                          const char        *key,
                          TaskerTaskOptions *options,
                          TaskerTaskRunFunc  func,
                          gpointer           func_data,
                          GDestroyNotify     func_data_destroy,
                          TaskerCall        *call,
                          GPtrArray         *after,
                          GError           **error)
{
  ProcessCall process_call = { 0 };

  if (call != NULL)
    {
      process_call.entry_point = call->entry_point;
      process_call.args = call->args;
      process_call.argv = (const char * const *) call->argv;
      process_call.working_directory = call->cwd;
      process_call.envp = (const char * const *) call->envp;
    }

  return submit (self, kind, key, options, func, func_data, func_data_destroy,
                 call != NULL ? &process_call : NULL, after, error);
}

/* tasker_manager_add_external() (tasker-manager-external.c), its options
 * checked: no function, no runner; the manager starts it. */
TaskerTask *
_tasker_manager_submit_external (TaskerManager      *self,
                                 const char         *key,
                                 TaskerTaskOptions  *options,
                                 GError            **error)
{
  return submit (self, TASKER_TASK_KIND_EXTERNAL, key, options, NULL, NULL, NULL, NULL, NULL, error);
}

/**
 * tasker_manager_run_thread:
 * @self: a #TaskerManager
 * @key: (nullable): a key for the task; a live task with the same key is cancelled
 * @options: (nullable): how the task is named and observed
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy) (nullable):
 *   the [callback@Tasker.ThreadFunc] to run in a pool thread
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data, on the manager's main
 *   context, once the task has ended
 * @error: return location for an error
 *
 * Runs @func in the manager's thread pool, at most
 * [property@Tasker.Manager:max-threads] at a time. The task ends when @func
 * returns. Safe from any thread; nothing is called inside this call.
 *
 * Bad input fails the task, not this call: a %NULL @func ends it
 * %TASKER_TASK_STATUS_FAILED with %TASKER_ERROR_INVALID_ARGUMENT.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set
 *   if the submission is refused: %TASKER_ERROR_SHUT_DOWN once
 *   [method@Tasker.Manager.shutdown] was called, %TASKER_ERROR_QUEUE_FULL
 *   when every slot of the task's [property@Tasker.TaskOptions:queue] is
 *   taken and as many tasks wait as its capacity allows (see
 *   [method@Tasker.Manager.configure_queue]),
 *   %TASKER_ERROR_INVALID_ARGUMENT when its
 *   [property@Tasker.TaskOptions:parent] belongs to another manager or has
 *   already ended, when both [property@Tasker.TaskOptions:start-at] and
 *   [property@Tasker.TaskOptions:start-delay-ms] are set, and when a task
 *   to wait for ([method@Tasker.TaskOptions.add_after]) belongs to another
 *   manager, no longer exists or could never end first. Nothing else is
 *   refused.
 *
 * Since: 1.0
 */
TaskerTask *
tasker_manager_run_thread (TaskerManager      *self,
                           const char         *key,
                           TaskerTaskOptions  *options,
                           TaskerThreadFunc    func,
                           gpointer            user_data,
                           GDestroyNotify      user_data_destroy,
                           GError            **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return submit (self, TASKER_TASK_KIND_THREAD, key, options,
                 func, user_data, user_data_destroy, NULL, NULL, error);
}

/**
 * tasker_manager_run_coroutine:
 * @self: a #TaskerManager
 * @key: (nullable): a key for the task; a live task with the same key is cancelled
 * @options: (nullable): how the task is named and observed
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy) (nullable):
 *   the [callback@Tasker.CoroutineFunc] that starts the asynchronous work
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data, on the manager's main
 *   context, once the task has ended
 * @error: return location for an error
 *
 * Runs @func on the manager's main context, soon (never inside this call).
 * @func starts asynchronous work, passing the context's cancellable to GIO,
 * and the task ends when a `tasker_context_return_*()` function is called.
 * Safe from any thread.
 *
 * Bad input fails the task, not this call: a %NULL @func ends it
 * %TASKER_TASK_STATUS_FAILED with %TASKER_ERROR_INVALID_ARGUMENT.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set
 *   if the submission is refused: %TASKER_ERROR_SHUT_DOWN once
 *   [method@Tasker.Manager.shutdown] was called, %TASKER_ERROR_QUEUE_FULL
 *   when every slot of the task's [property@Tasker.TaskOptions:queue] is
 *   taken and as many tasks wait as its capacity allows (see
 *   [method@Tasker.Manager.configure_queue]),
 *   %TASKER_ERROR_INVALID_ARGUMENT when its
 *   [property@Tasker.TaskOptions:parent] belongs to another manager or has
 *   already ended, when both [property@Tasker.TaskOptions:start-at] and
 *   [property@Tasker.TaskOptions:start-delay-ms] are set, and when a task
 *   to wait for ([method@Tasker.TaskOptions.add_after]) belongs to another
 *   manager, no longer exists or could never end first. Nothing else is
 *   refused.
 *
 * Since: 1.0
 */
TaskerTask *
tasker_manager_run_coroutine (TaskerManager      *self,
                              const char         *key,
                              TaskerTaskOptions  *options,
                              TaskerCoroutineFunc func,
                              gpointer            user_data,
                              GDestroyNotify      user_data_destroy,
                              GError            **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return submit (self, TASKER_TASK_KIND_COROUTINE, key, options,
                 func, user_data, user_data_destroy, NULL, NULL, error);
}

static gboolean
is_entry_point (const char *entry_point)
{
  const char *colon = strrchr (entry_point, ':');

  return colon != NULL && colon != entry_point && colon[1] != '\0';
}

/**
 * tasker_manager_run_process:
 * @self: a #TaskerManager
 * @key: (nullable): a key for the task; a live task with the same key is cancelled
 * @options: (nullable): how the task is named, observed and limited
 * @entry_point: (nullable): the function to run, as `module:symbol`
 * @args: (nullable): the function's arguments; %NULL means `()`. A floating
 *   reference is sunk.
 * @error: return location for an error
 *
 * Runs a function in one of the manager's `tasker-worker` processes, at most
 * [property@Tasker.Manager:max-workers] at a time. The worker loads the module
 * with GModule — a path, or a name the dynamic linker can find — and calls
 * its @symbol, a [callback@Tasker.ProcessFunc], with @args. The task's result
 * is the variant the function returns ([method@Tasker.Task.propagate_variant]).
 *
 * Workers are started when needed, never inside this call, and reused; the
 * first one a task needs brings the rest of the pool with it
 * ([property@Tasker.Manager:max-workers]). A
 * task waiting in a worker behind others stays pending until it starts. A
 * worker that crashes, exits, hangs past the task's timeout or writes
 * garbage fails only the task it was running, and is replaced. The worker
 * executable is `$TASKER_WORKER` if set, else the installed one.
 *
 * Bad input fails the task, not this call: an entry point that is %NULL or
 * not of the form `module:symbol` (%TASKER_ERROR_INVALID_ARGUMENT), a
 * module or symbol that cannot be found, arguments too large to send. Safe
 * from any thread.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set
 *   if the submission is refused: %TASKER_ERROR_SHUT_DOWN once
 *   [method@Tasker.Manager.shutdown] was called, %TASKER_ERROR_QUEUE_FULL
 *   when every slot of the task's [property@Tasker.TaskOptions:queue] is
 *   taken and as many tasks wait as its capacity allows (see
 *   [method@Tasker.Manager.configure_queue]),
 *   %TASKER_ERROR_INVALID_ARGUMENT when its
 *   [property@Tasker.TaskOptions:parent] belongs to another manager or has
 *   already ended, when both [property@Tasker.TaskOptions:start-at] and
 *   [property@Tasker.TaskOptions:start-delay-ms] are set, and when a task
 *   to wait for ([method@Tasker.TaskOptions.add_after]) belongs to another
 *   manager, no longer exists or could never end first. Nothing else is
 *   refused.
 *
 * Since: 1.0
 */
TaskerTask *
tasker_manager_run_process (TaskerManager      *self,
                            const char         *key,
                            TaskerTaskOptions  *options,
                            const char         *entry_point,
                            GVariant           *args,
                            GError            **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _tasker_manager_run_process_with_data (self, key, options, entry_point, args, NULL, NULL, error);
}

/* tasker_manager_run_process(), the task carrying @data (freed with
 * @data_destroy as a function's data is, after the done function): the
 * token of tasker_manager_run_process_token(). */
TaskerTask *
_tasker_manager_run_process_with_data (TaskerManager      *self,
                                       const char         *key,
                                       TaskerTaskOptions  *options,
                                       const char         *entry_point,
                                       GVariant           *args,
                                       gpointer            data,
                                       GDestroyNotify      data_destroy,
                                       GError            **error)
{
  g_autoptr(GVariant) owned_args = NULL;
  ProcessCall call = { 0 };
  TaskerTask *task;

  owned_args = args != NULL ? g_variant_ref_sink (args) : g_variant_ref_sink (g_variant_new_tuple (NULL, 0));

  call.entry_point = entry_point;
  call.args = owned_args;
  if (entry_point == NULL)
    call.invalid = g_error_new_literal (TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                                        "No entry point was given for the task");
  else if (!g_utf8_validate (entry_point, -1, NULL) || !is_entry_point (entry_point))
    call.invalid = g_error_new (TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                                "entry point “%s” is not of the form module:symbol",
                                g_utf8_validate (entry_point, -1, NULL) ? entry_point : "(invalid UTF-8)");

  task = submit (self, TASKER_TASK_KIND_PROCESS, key, options, NULL, data, data_destroy, &call, NULL, error);
  g_clear_error (&call.invalid);

  return task;
}

/**
 * tasker_manager_run_command:
 * @self: a #TaskerManager
 * @key: (nullable): a key for the task; a live task with the same key is cancelled
 * @options: (nullable): how the task is named, observed and limited
 * @argv: (array zero-terminated=1) (nullable): the program and its arguments;
 *   the program is looked up in `PATH`
 * @working_directory: (nullable) (type filename): where to run it; %NULL for
 *   the current directory
 * @envp: (array zero-terminated=1) (nullable): its environment; %NULL to
 *   inherit this process's
 * @error: return location for an error
 *
 * Runs a program as a process task, in a process group of its own, started
 * soon (never inside this call). Its standard output and error go to the
 * task's log, line by line. A line `TASKER-PROGRESS 0.42 copying files` (a
 * fraction or a percentage, then an optional message) sets the task's
 * progress and message, and a line with a percentage such as `45%` sets the
 * progress; docs/commands.md has the details.
 *
 * The task completes when the program exits with status 0, and fails
 * otherwise, with %TASKER_ERROR_FAILED and a message such as “command exited
 * with status 3” or “command exited with signal 9 (Killed)”. Cancelling it
 * sends SIGTERM to its process group, and SIGKILL after
 * [property@Tasker.Manager:cancel-grace].
 *
 * Bad input fails the task, not this call: a %NULL or empty @argv
 * (%TASKER_ERROR_INVALID_ARGUMENT), a program that cannot be started. Safe
 * from any thread.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set
 *   if the submission is refused: %TASKER_ERROR_SHUT_DOWN once
 *   [method@Tasker.Manager.shutdown] was called, %TASKER_ERROR_QUEUE_FULL
 *   when every slot of the task's [property@Tasker.TaskOptions:queue] is
 *   taken and as many tasks wait as its capacity allows (see
 *   [method@Tasker.Manager.configure_queue]),
 *   %TASKER_ERROR_INVALID_ARGUMENT when its
 *   [property@Tasker.TaskOptions:parent] belongs to another manager or has
 *   already ended, when both [property@Tasker.TaskOptions:start-at] and
 *   [property@Tasker.TaskOptions:start-delay-ms] are set, and when a task
 *   to wait for ([method@Tasker.TaskOptions.add_after]) belongs to another
 *   manager, no longer exists or could never end first. Nothing else is
 *   refused.
 *
 * Since: 1.0
 */
TaskerTask *
tasker_manager_run_command (TaskerManager      *self,
                            const char         *key,
                            TaskerTaskOptions  *options,
                            const char * const *argv,
                            const char         *working_directory,
                            const char * const *envp,
                            GError            **error)
{
  ProcessCall call = { 0 };
  TaskerTask *task;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  call.argv = argv;
  call.working_directory = working_directory;
  call.envp = envp;
  if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
    call.invalid = g_error_new_literal (TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                                        "No command was given for the task");

  task = submit (self, TASKER_TASK_KIND_COMMAND, key, options, NULL, NULL, NULL, &call, NULL, error);
  g_clear_error (&call.invalid);

  return task;
}

