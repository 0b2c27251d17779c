/* tasker-manager.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-coroutine-runner-private.h"
#include "tasker-i18n-private.h"
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

/**
 * TaskerManager:
 *
 * Runs tasks in the background and reports on them to one main context.
 *
 * A manager is bound to a [struct@GLib.MainContext]: [func@Tasker.Manager.get_default]
 * to GLib's global default context, [ctor@Tasker.Manager.new] to any other.
 * Hand it work with [method@Tasker.Manager.run_thread] (a function in the
 * manager's own bounded thread pool), [method@Tasker.Manager.run_process] (a
 * function in a pool of `tasker-worker` processes),
 * [method@Tasker.Manager.run_command] (a program) or
 * [method@Tasker.Manager.run_coroutine] (an asynchronous function on the main
 * context), and get back a [class@Tasker.Task] to watch and cancel.
 *
 * Threading: every method of a manager may be called from any thread. Every
 * signal, property notification and callback (done and event functions) runs
 * on the manager's main context — never on a worker thread, and never inside
 * the call that submitted the task.
 *
 * Updates are coalesced: however many tasks report progress, the manager
 * wakes its main context at most once per [property@Tasker.Manager:update-interval]
 * for them, and [signal@Tasker.Manager::tasks-updated] is emitted at most once
 * per interval.
 *
 * Since: 1.0
 */

G_DEFINE_FINAL_TYPE (TaskerManager, tasker_manager, G_TYPE_OBJECT)

/* Shared with the manager's other files (tasker-manager-private.h). */
GParamSpec *_tasker_manager_properties[N_PROPS];
guint       _tasker_manager_signals[N_SIGNALS];

static guint read_setting (TaskerManager *self,
                           const guint   *field);
static void set_log_limit (TaskerManager *self,
                           guint          prop_id,
                           guint          value);

static void
tasker_manager_constructed (GObject *object)
{
  TaskerManager *self = (TaskerManager *) object;

  G_OBJECT_CLASS (tasker_manager_parent_class)->constructed (object);

  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();

  self->source = _tasker_manager_source_new (self);
  g_source_attach (self->source, self->context);
}

static void
tasker_manager_finalize (GObject *object)
{
  TaskerManager *self = (TaskerManager *) object;

  /* Every unfinished task holds a reference on us. */
  g_assert (self->n_unfinished == 0);

  g_mutex_lock (&self->lock);
  g_source_destroy (self->source);
  g_clear_pointer (&self->source, g_source_unref);
  g_mutex_unlock (&self->lock);

  g_clear_pointer (&self->threads, _tasker_thread_runner_free);
  g_clear_pointer (&self->processes, _tasker_process_runner_free);
  g_clear_object (&self->live);
  g_clear_pointer (&self->keys, g_hash_table_unref);
  g_clear_pointer (&self->queues, g_hash_table_unref);
  g_clear_pointer (&self->history, _tasker_history_free);
  g_clear_pointer (&self->closing_histories, g_ptr_array_unref);
  g_clear_pointer (&self->history_path, g_free);
  g_clear_object (&self->default_options);
  _tasker_policy_clear (&self->default_policy);
  g_clear_pointer (&self->submitted, g_ptr_array_unref);
  g_clear_pointer (&self->work_submitted, g_ptr_array_unref);
  for (TaskerTask *task = g_steal_pointer (&self->dirty_stack), *next; task != NULL; task = next)
    {
      next = task->dirty_next;
      g_object_unref (task);
    }
  g_clear_pointer (&self->work_dirty, g_ptr_array_unref);
  g_clear_pointer (&self->recheck, g_ptr_array_unref);
  g_clear_pointer (&self->inbox, g_array_unref);
  g_clear_pointer (&self->work_inbox, g_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_cond_clear (&self->settled_cond);
  g_cond_clear (&self->events_cond);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (tasker_manager_parent_class)->finalize (object);
}

static void
tasker_manager_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TaskerManager *self = TASKER_MANAGER (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_boxed (value, self->context);
      break;

    case PROP_UPDATE_INTERVAL:
      g_value_set_uint (value, tasker_manager_get_update_interval (self));
      break;

    case PROP_MAX_THREADS:
      g_value_set_uint (value, tasker_manager_get_max_threads (self));
      break;

    case PROP_MAX_WORKERS:
      g_value_set_uint (value, tasker_manager_get_max_workers (self));
      break;

    case PROP_CANCEL_GRACE:
      g_value_set_uint (value, tasker_manager_get_cancel_grace (self));
      break;

    case PROP_WORKER_MAX_TASKS:
      g_value_set_uint (value, tasker_manager_get_worker_max_tasks (self));
      break;

    case PROP_WORKER_IDLE_TIMEOUT:
      g_value_set_uint (value, tasker_manager_get_worker_idle_timeout (self));
      break;

    case PROP_NODE_ID:
      g_value_set_uint (value, tasker_manager_get_node_id (self));
      break;

    case PROP_DEFAULT_OPTIONS:
      g_value_take_object (value, tasker_manager_dup_default_options (self));
      break;

    case PROP_HISTORY_PATH:
      g_value_take_string (value, tasker_manager_dup_history_path (self));
      break;

    case PROP_HISTORY_MAX_AGE_DAYS:
      g_value_set_uint (value, read_setting (self, &self->history_max_age_days));
      break;

    case PROP_HISTORY_MAX_COUNT:
      g_value_set_uint (value, read_setting (self, &self->history_max_count));
      break;

    case PROP_LOG_MAX_LINES:
      g_value_set_uint (value, read_setting (self, &self->log_max_lines));
      break;

    case PROP_LOG_MAX_BYTES:
      g_value_set_uint (value, read_setting (self, &self->log_max_bytes));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_manager_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TaskerManager *self = TASKER_MANAGER (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      self->context = g_value_dup_boxed (value);
      break;

    case PROP_UPDATE_INTERVAL:
      tasker_manager_set_update_interval (self, g_value_get_uint (value));
      break;

    case PROP_MAX_THREADS:
      tasker_manager_set_max_threads (self, g_value_get_uint (value));
      break;

    case PROP_MAX_WORKERS:
      tasker_manager_set_max_workers (self, g_value_get_uint (value));
      break;

    case PROP_CANCEL_GRACE:
      tasker_manager_set_cancel_grace (self, g_value_get_uint (value));
      break;

    case PROP_WORKER_MAX_TASKS:
      tasker_manager_set_worker_max_tasks (self, g_value_get_uint (value));
      break;

    case PROP_WORKER_IDLE_TIMEOUT:
      tasker_manager_set_worker_idle_timeout (self, g_value_get_uint (value));
      break;

    case PROP_NODE_ID:
      tasker_manager_set_node_id (self, g_value_get_uint (value));
      break;

    case PROP_DEFAULT_OPTIONS:
      tasker_manager_set_default_options (self, g_value_get_object (value));
      break;

    case PROP_HISTORY_PATH:
      tasker_manager_set_history_path (self, g_value_get_string (value));
      break;

    case PROP_HISTORY_MAX_AGE_DAYS:
    case PROP_HISTORY_MAX_COUNT:
      _tasker_manager_set_history_limit (self, prop_id, g_value_get_uint (value));
      break;

    case PROP_LOG_MAX_LINES:
    case PROP_LOG_MAX_BYTES:
      set_log_limit (self, prop_id, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_manager_class_init (TaskerManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _tasker_i18n_init ();

  object_class->constructed = tasker_manager_constructed;
  object_class->finalize = tasker_manager_finalize;
  object_class->get_property = tasker_manager_get_property;
  object_class->set_property = tasker_manager_set_property;

  /**
   * TaskerManager:context:
   *
   * The main context on which the manager delivers everything: signals,
   * notifications, done and event functions, coroutines.
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL,
                        G_TYPE_MAIN_CONTEXT,
                        (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerManager:update-interval:
   *
   * The least time, in milliseconds, between two deliveries of progress and
   * messages, and between two emissions of [signal@Tasker.Manager::tasks-updated].
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_UPDATE_INTERVAL] =
    g_param_spec_uint ("update-interval", NULL, NULL,
                       0, 60 * 1000, 16,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerManager:max-threads:
   *
   * How many thread tasks may run at once. Defaults to the number of CPUs.
   * A task that finds them all busy waits, with the message “Waiting for a
   * free thread”.
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_MAX_THREADS] =
    g_param_spec_uint ("max-threads", NULL, NULL,
                       1, 1024, 1,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerManager:max-workers:
   *
   * How many `tasker-worker` processes may run process tasks at once.
   * Defaults to the number of CPUs. A process task that waits for one to be
   * free has the message “Waiting for a free worker”.
   *
   * The pool is warm when work comes: a task that needs a new worker (none of
   * its program is free) also fills the free places of the pool with workers
   * of its program, started after its own and in parallel with it, as
   * `multiprocessing.Pool` starts all of its workers at once. A worker that
   * gets no task leaves after [property@Tasker.Manager:worker-idle-timeout];
   * an idle one of another program leaves when a task needs its place.
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_MAX_WORKERS] =
    g_param_spec_uint ("max-workers", NULL, NULL,
                       1, 1024, 1,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerManager:cancel-grace:
   *
   * How long, in milliseconds, a cancelled process task may take to end by
   * itself. A worker still running it then gets SIGTERM, and SIGKILL 100 ms
   * later, and a fresh worker takes its place; a command gets SIGTERM at
   * once and SIGKILL after this time.
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_CANCEL_GRACE] =
    g_param_spec_uint ("cancel-grace", NULL, NULL,
                       0, G_MAXUINT, 2000,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerManager:worker-max-tasks:
   *
   * How many tasks a worker process runs before a fresh one replaces it,
   * which bounds what a leaking task function can hold; 0 means never.
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_WORKER_MAX_TASKS] =
    g_param_spec_uint ("worker-max-tasks", NULL, NULL,
                       0, G_MAXUINT, 10000,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerManager:worker-idle-timeout:
   *
   * How long, in milliseconds, a worker process may sit idle before it
   * exits; 0 means it stays until the manager shuts down.
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_WORKER_IDLE_TIMEOUT] =
    g_param_spec_uint ("worker-idle-timeout", NULL, NULL,
                       0, G_MAXUINT, 60 * 1000,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerManager:node-id:
   *
   * This manager's node in trace ids (DESIGN.md §4): the origin of the
   * traces it starts and the last hop of every trace it handles. 0 to 65535.
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_NODE_ID] =
    g_param_spec_uint ("node-id", NULL, NULL,
                       0, G_MAXUINT16, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerManager:default-options:
   *
   * The manager-wide policy defaults: timeout, retry, queue and priority
   * settings given on these options apply to every task whose own options
   * do not give them. Only those: names, descriptions, parents, trace ids,
   * workers, ignore-child-failures, children-weight and durable are each
   * task's own.
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_DEFAULT_OPTIONS] =
    g_param_spec_object ("default-options", NULL, NULL,
                         TASKER_TYPE_TASK_OPTIONS,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerManager:history-path:
   *
   * Where finished tasks are recorded: an SQLite database (WAL mode, mode
   * 0600) written by a background thread in batched transactions, so the
   * main loop never waits on the disk; %NULL for no history (the default).
   * Applications usually set `$XDG_DATA_HOME/tasker/history.sqlite3`. An
   * unwritable, corrupt or foreign database turns the history off with one
   * warning. Query it with [method@Tasker.Manager.query_history_async]. One
   * process per database at a time (a lock on `PATH.lock`, which dies with
   * the process): while another process has it open, the history is off
   * with a warning naming that process. Opening it marks the unfinished
   * records of durable tasks ([property@Tasker.TaskOptions:durable])
   * interrupted: the programs that wrote them have ended.
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_HISTORY_PATH] =
    g_param_spec_string ("history-path", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerManager:history-max-age-days:
   *
   * Records older than this many days are deleted; 0 keeps them. Default 90.
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_HISTORY_MAX_AGE_DAYS] =
    g_param_spec_uint ("history-max-age-days", NULL, NULL,
                       0, G_MAXUINT, 90,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerManager:history-max-count:
   *
   * How many records are kept at most, the newest; 0 for no limit. Default
   * 10000.
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_HISTORY_MAX_COUNT] =
    g_param_spec_uint ("history-max-count", NULL, NULL,
                       0, G_MAXUINT, 10000,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerManager:log-max-lines:
   *
   * How many lines a task's log keeps at most, the newest (see
   * [method@Tasker.Task.dup_log]); older ones are dropped, and one marker
   * line says how many. Applies to tasks submitted afterwards, and what the
   * history records is what the task kept. Default 1000; at least 1.
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_LOG_MAX_LINES] =
    g_param_spec_uint ("log-max-lines", NULL, NULL,
                       1, G_MAXUINT, TASKER_TASK_LOG_MAX_LINES,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerManager:log-max-bytes:
   *
   * How many bytes of lines a task's log keeps at most, the newest lines
   * (the newest one always stays; a single line longer than 64 KiB is cut);
   * older ones are dropped as with [property@Tasker.Manager:log-max-lines].
   * However much a task prints, its log holds no more. Applies to tasks
   * submitted afterwards. Default 1 MiB (1048576).
   *
   * Since: 1.0
   */
  _tasker_manager_properties[PROP_LOG_MAX_BYTES] =
    g_param_spec_uint ("log-max-bytes", NULL, NULL,
                       1, G_MAXUINT, TASKER_TASK_LOG_MAX_BYTES,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, _tasker_manager_properties);

  /**
   * TaskerManager::tasks-updated:
   * @self: a #TaskerManager
   * @tasks: (type Gio.ListModel): the live list of unfinished tasks
   * @progress: the progress of the current batch, from 0 to 1
   *
   * Emitted on the manager's main context when tasks were added, changed or
   * ended, at most once per update interval. @progress is the mean over every
   * task seen since the manager was last idle, finished tasks counting 1.
   * When the last task of a batch ends, one emission carries an empty list
   * and 1.
   *
   * Since: 1.0
   */
  _tasker_manager_signals[TASKS_UPDATED] =
    g_signal_new ("tasks-updated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 2, G_TYPE_LIST_MODEL, G_TYPE_DOUBLE);

  /**
   * TaskerManager::task-started:
   * @self: a #TaskerManager
   * @task: the task whose function started
   *
   * Emitted on the manager's main context when a task starts running.
   *
   * Since: 1.0
   */
  _tasker_manager_signals[TASK_STARTED] =
    g_signal_new ("task-started",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 1, TASKER_TYPE_TASK);

  /**
   * TaskerManager::task-finished:
   * @self: a #TaskerManager
   * @task: the task that reached its final status
   *
   * Emitted on the manager's main context for every task that ends, just
   * before its done function is called.
   *
   * Since: 1.0
   */
  _tasker_manager_signals[TASK_FINISHED] =
    g_signal_new ("task-finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 1, TASKER_TYPE_TASK);
}

static void
tasker_manager_init (TaskerManager *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->settled_cond);
  g_cond_init (&self->events_cond);
  self->keys = g_hash_table_new (g_str_hash, g_str_equal);
  self->submitted = g_ptr_array_new ();
  self->work_submitted = g_ptr_array_new ();
  self->work_dirty = g_ptr_array_new_with_free_func (g_object_unref);
  self->recheck = g_ptr_array_new_with_free_func (g_object_unref);
  self->inbox = g_array_new (FALSE, FALSE, sizeof (Msg));
  self->work_inbox = g_array_new (FALSE, FALSE, sizeof (Msg));
  self->live = _tasker_task_list_new ();
  self->update_interval_ms = 16;
  self->settled = TRUE;
  self->threads = _tasker_thread_runner_new (g_get_num_processors ());
  self->process_limits.max_workers = g_get_num_processors ();
  self->process_limits.cancel_grace_ms = 2000;
  self->process_limits.worker_max_tasks = 10000;
  self->process_limits.worker_idle_ms = 60 * 1000;
  self->process_limits.update_interval_ms = self->update_interval_ms;
  self->history_max_age_days = 90;
  self->history_max_count = 10000;
  self->log_max_lines = TASKER_TASK_LOG_MAX_LINES;
  self->log_max_bytes = TASKER_TASK_LOG_MAX_BYTES;
  self->queues = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) _tasker_queue_free);
}

/**
 * tasker_manager_get_default:
 *
 * Gets the manager shared by the whole process, bound to GLib's global
 * default main context. Safe from any thread.
 *
 * Returns: (transfer none): the default manager
 *
 * Since: 1.0
 */
TaskerManager *
tasker_manager_get_default (void)
{
  static TaskerManager *instance;

  if (g_once_init_enter (&instance))
    g_once_init_leave (&instance, tasker_manager_new (g_main_context_default ()));

  return instance;
}

/**
 * tasker_manager_new:
 * @context: (nullable): the main context to deliver on, or %NULL for the
 *   thread-default main context of the calling thread
 *
 * Creates a manager of its own, with its own thread pool, independent of
 * every other manager even on the same context.
 *
 * Returns: (transfer full): a new manager
 *
 * Since: 1.0
 */
TaskerManager *
tasker_manager_new (GMainContext *context)
{
  return g_object_new (TASKER_TYPE_MANAGER, "context", context, NULL);
}

/**
 * tasker_manager_get_context:
 * @self: a #TaskerManager
 *
 * Gets the main context the manager was bound to. Safe from any thread.
 *
 * Returns: (transfer none): the main context the manager delivers on
 *
 * Since: 1.0
 */
GMainContext *
tasker_manager_get_context (TaskerManager *self)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);

  return self->context;
}

/**
 * tasker_manager_cancel_task:
 * @self: a #TaskerManager
 * @key: the key of a task
 *
 * Cancels the live task with @key, if there is one. Safe from any thread.
 *
 * Returns: whether a live task had @key
 *
 * Since: 1.0
 */
gboolean
tasker_manager_cancel_task (TaskerManager *self,
                            const char    *key)
{
  g_autoptr(TaskerTask) task = NULL;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (!(task = tasker_manager_dup_task (self, key)))
    return FALSE;

  _tasker_manager_task_cancel (self, task, NULL);

  return TRUE;
}

/**
 * tasker_manager_dup_task:
 * @self: a #TaskerManager
 * @key: the key of a task
 *
 * Looks up the live task with @key. Safe from any thread.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL if no live task has @key
 *
 * Since: 1.0
 */
TaskerTask *
tasker_manager_dup_task (TaskerManager *self,
                         const char    *key)
{
  TaskerTask *task;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  g_mutex_lock (&self->lock);
  task = g_hash_table_lookup (self->keys, key);
  if (task != NULL)
    g_object_ref (task);
  g_mutex_unlock (&self->lock);

  return task;
}

/**
 * tasker_manager_list_tasks:
 * @self: a #TaskerManager
 *
 * Gets the live list of unfinished tasks. It changes only on the manager's
 * main context; bind a UI to it there.
 *
 * Returns: (transfer full): a #GListModel of [class@Tasker.Task]
 *
 * Since: 1.0
 */
GListModel *
tasker_manager_list_tasks (TaskerManager *self)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);

  return g_object_ref (G_LIST_MODEL (self->live));
}

/**
 * tasker_manager_get_overall_progress:
 * @self: a #TaskerManager
 *
 * Gets the progress of the current batch, as last delivered: the mean over
 * every task seen since the manager was last idle, finished tasks counting
 * 1. Call it on the manager's main context.
 *
 * Returns: the progress, from 0 to 1; 1 when idle
 *
 * Since: 1.0
 */
double
tasker_manager_get_overall_progress (TaskerManager *self)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), 1.0);

  return _tasker_manager_compute_progress (self);
}

/**
 * tasker_manager_get_update_interval:
 * @self: a #TaskerManager
 *
 * Gets [property@Tasker.Manager:update-interval]. Safe from any thread.
 *
 * Returns: the update interval, in milliseconds
 *
 * Since: 1.0
 */
guint
tasker_manager_get_update_interval (TaskerManager *self)
{
  guint interval;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), 0);

  g_mutex_lock (&self->lock);
  interval = self->update_interval_ms;
  g_mutex_unlock (&self->lock);

  return interval;
}

/**
 * tasker_manager_set_update_interval:
 * @self: a #TaskerManager
 * @update_interval_ms: the least time between two deliveries, in milliseconds
 *
 * Sets [property@Tasker.Manager:update-interval].
 *
 * Since: 1.0
 */
void
tasker_manager_set_update_interval (TaskerManager *self,
                                    guint          update_interval_ms)
{
  gboolean changed;

  g_return_if_fail (TASKER_IS_MANAGER (self));

  g_mutex_lock (&self->lock);
  changed = self->update_interval_ms != update_interval_ms;
  if (changed)
    {
      /* A delivery already scheduled follows the new interval too. */
      self->next_update_time += ((gint64) update_interval_ms - (gint64) self->update_interval_ms) * 1000;
      if (self->wake == WAKE_LATER)
        g_source_set_ready_time (self->source, self->next_update_time);
    }
  self->update_interval_ms = update_interval_ms;
  self->process_limits.update_interval_ms = update_interval_ms;
  if (changed && self->processes != NULL)
    _tasker_process_runner_set_limits (self->processes, &self->process_limits);
  g_mutex_unlock (&self->lock);

  if (changed)
    _tasker_manager_notify_on_context (self, PROP_UPDATE_INTERVAL);
}

/**
 * tasker_manager_get_max_threads:
 * @self: a #TaskerManager
 *
 * Gets [property@Tasker.Manager:max-threads]. Safe from any thread.
 *
 * Returns: how many thread tasks may run at once
 *
 * Since: 1.0
 */
guint
tasker_manager_get_max_threads (TaskerManager *self)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), 0);

  return _tasker_thread_runner_get_max_threads (self->threads);
}

/**
 * tasker_manager_set_max_threads:
 * @self: a #TaskerManager
 * @max_threads: how many thread tasks may run at once, at least 1
 *
 * Sets [property@Tasker.Manager:max-threads].
 *
 * Since: 1.0
 */
void
tasker_manager_set_max_threads (TaskerManager *self,
                                guint          max_threads)
{
  g_return_if_fail (TASKER_IS_MANAGER (self));
  g_return_if_fail (max_threads > 0);

  if (max_threads == tasker_manager_get_max_threads (self))
    return;

  _tasker_thread_runner_set_max_threads (self->threads, max_threads);
  _tasker_manager_notify_on_context (self, PROP_MAX_THREADS);
}

/* One guint setting, read under @lock. */
static guint
read_setting (TaskerManager *self,
              const guint   *field)
{
  guint value;

  g_mutex_lock (&self->lock);
  value = *field;
  g_mutex_unlock (&self->lock);

  return value;
}

static void
set_process_limit (TaskerManager *self,
                   guint         *field,
                   guint          value,
                   guint          prop_id)
{
  gboolean changed;

  g_mutex_lock (&self->lock);
  changed = *field != value;
  *field = value;
  if (changed && self->processes != NULL)
    _tasker_process_runner_set_limits (self->processes, &self->process_limits);
  g_mutex_unlock (&self->lock);

  if (changed)
    _tasker_manager_notify_on_context (self, prop_id);
}

/**
 * tasker_manager_get_max_workers:
 * @self: a #TaskerManager
 *
 * Gets [property@Tasker.Manager:max-workers]. Safe from any thread.
 *
 * Returns: how many worker processes may run at once
 *
 * Since: 1.0
 */
guint
tasker_manager_get_max_workers (TaskerManager *self)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), 0);

  return read_setting (self, &self->process_limits.max_workers);
}

/**
 * tasker_manager_set_max_workers:
 * @self: a #TaskerManager
 * @max_workers: how many worker processes may run at once, at least 1
 *
 * Sets [property@Tasker.Manager:max-workers]. Workers beyond a lowered limit
 * leave once idle.
 *
 * Since: 1.0
 */
void
tasker_manager_set_max_workers (TaskerManager *self,
                                guint          max_workers)
{
  g_return_if_fail (TASKER_IS_MANAGER (self));
  g_return_if_fail (max_workers > 0);

  set_process_limit (self, &self->process_limits.max_workers, max_workers, PROP_MAX_WORKERS);
}

/**
 * tasker_manager_get_cancel_grace:
 * @self: a #TaskerManager
 *
 * Gets [property@Tasker.Manager:cancel-grace]. Safe from any thread.
 *
 * Returns: the grace period, in milliseconds
 *
 * Since: 1.0
 */
guint
tasker_manager_get_cancel_grace (TaskerManager *self)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), 0);

  return read_setting (self, &self->process_limits.cancel_grace_ms);
}

/**
 * tasker_manager_set_cancel_grace:
 * @self: a #TaskerManager
 * @cancel_grace_ms: the grace period, in milliseconds
 *
 * Sets [property@Tasker.Manager:cancel-grace].
 *
 * Since: 1.0
 */
void
tasker_manager_set_cancel_grace (TaskerManager *self,
                                 guint          cancel_grace_ms)
{
  g_return_if_fail (TASKER_IS_MANAGER (self));

  set_process_limit (self, &self->process_limits.cancel_grace_ms, cancel_grace_ms, PROP_CANCEL_GRACE);
}

/**
 * tasker_manager_get_worker_max_tasks:
 * @self: a #TaskerManager
 *
 * Gets [property@Tasker.Manager:worker-max-tasks]. Safe from any thread.
 *
 * Returns: how many tasks a worker runs before it is replaced; 0 for no limit
 *
 * Since: 1.0
 */
guint
tasker_manager_get_worker_max_tasks (TaskerManager *self)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), 0);

  return read_setting (self, &self->process_limits.worker_max_tasks);
}

/**
 * tasker_manager_set_worker_max_tasks:
 * @self: a #TaskerManager
 * @worker_max_tasks: how many tasks a worker runs before it is replaced; 0
 *   for no limit
 *
 * Sets [property@Tasker.Manager:worker-max-tasks].
 *
 * Since: 1.0
 */
void
tasker_manager_set_worker_max_tasks (TaskerManager *self,
                                     guint          worker_max_tasks)
{
  g_return_if_fail (TASKER_IS_MANAGER (self));

  set_process_limit (self, &self->process_limits.worker_max_tasks, worker_max_tasks, PROP_WORKER_MAX_TASKS);
}

/**
 * tasker_manager_get_worker_idle_timeout:
 * @self: a #TaskerManager
 *
 * Gets [property@Tasker.Manager:worker-idle-timeout]. Safe from any thread.
 *
 * Returns: how long an idle worker stays, in milliseconds; 0 for ever
 *
 * Since: 1.0
 */
guint
tasker_manager_get_worker_idle_timeout (TaskerManager *self)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), 0);

  return read_setting (self, &self->process_limits.worker_idle_ms);
}

/**
 * tasker_manager_set_worker_idle_timeout:
 * @self: a #TaskerManager
 * @worker_idle_timeout_ms: how long an idle worker stays, in milliseconds;
 *   0 for ever
 *
 * Sets [property@Tasker.Manager:worker-idle-timeout].
 *
 * Since: 1.0
 */
void
tasker_manager_set_worker_idle_timeout (TaskerManager *self,
                                        guint          worker_idle_timeout_ms)
{
  g_return_if_fail (TASKER_IS_MANAGER (self));

  set_process_limit (self, &self->process_limits.worker_idle_ms, worker_idle_timeout_ms,
                     PROP_WORKER_IDLE_TIMEOUT);
}

/**
 * tasker_manager_configure_queue:
 * @self: a #TaskerManager
 * @name: the queue's name
 * @max_concurrent: how many of its tasks may run at once; 0 for no limit
 * @capacity: how many may wait beyond that; 0 for no limit
 *
 * Sets the limits of a named queue (see [property@Tasker.TaskOptions:queue]).
 * A task submitted while a slot is free takes it at once; otherwise it waits,
 * pending, with the message “Waiting for a free slot”, in priority order; a
 * submit to a queue whose waiting room is full fails at once with
 * %TASKER_ERROR_QUEUE_FULL. Raising a limit starts waiting tasks. Safe from
 * any thread.
 *
 * Since: 1.0
 */
void
tasker_manager_configure_queue (TaskerManager *self,
                                const char    *name,
                                guint          max_concurrent,
                                guint          capacity)
{
  TaskerQueue *queue;
  TaskerTask *next;

  g_return_if_fail (TASKER_IS_MANAGER (self));
  g_return_if_fail (name != NULL);

  g_mutex_lock (&self->lock);
  queue = _tasker_manager_ensure_queue_locked (self, name);
  _tasker_queue_configure (queue, max_concurrent, capacity);
  while ((next = _tasker_queue_next_if_free (queue)) != NULL)
    {
      next->slot.waits_for_slot = FALSE;
      next->slot.holds_slot = TRUE;
      _tasker_manager_start_attempt_locked (self, next);
      g_object_unref (next);
    }
  _tasker_manager_wake_now_locked (self);
  g_mutex_unlock (&self->lock);
}

/**
 * tasker_manager_get_node_id:
 * @self: a #TaskerManager
 *
 * Gets [property@Tasker.Manager:node-id]. Safe from any thread.
 *
 * Returns: the node id
 *
 * Since: 1.0
 */
guint
tasker_manager_get_node_id (TaskerManager *self)
{
  guint node_id;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), 0);

  g_mutex_lock (&self->lock);
  node_id = self->node_id;
  g_mutex_unlock (&self->lock);

  return node_id;
}

/**
 * tasker_manager_set_node_id:
 * @self: a #TaskerManager
 * @node_id: the node id, 0 to 65535
 *
 * Sets [property@Tasker.Manager:node-id].
 *
 * Since: 1.0
 */
void
tasker_manager_set_node_id (TaskerManager *self,
                            guint          node_id)
{
  gboolean changed;

  g_return_if_fail (TASKER_IS_MANAGER (self));
  g_return_if_fail (node_id <= G_MAXUINT16);

  g_mutex_lock (&self->lock);
  changed = self->node_id != node_id;
  self->node_id = node_id;
  g_mutex_unlock (&self->lock);

  if (changed)
    _tasker_manager_notify_on_context (self, PROP_NODE_ID);
}

/**
 * tasker_manager_dup_default_options:
 * @self: a #TaskerManager
 *
 * Gets [property@Tasker.Manager:default-options]. Safe from any thread.
 *
 * Returns: (transfer full) (nullable): the default options
 *
 * Since: 1.0
 */
TaskerTaskOptions *
tasker_manager_dup_default_options (TaskerManager *self)
{
  TaskerTaskOptions *options;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);

  g_mutex_lock (&self->lock);
  options = self->default_options != NULL ? g_object_ref (self->default_options) : NULL;
  g_mutex_unlock (&self->lock);

  return options;
}

/**
 * tasker_manager_set_default_options:
 * @self: a #TaskerManager
 * @options: (nullable): the options whose policies are the defaults
 *
 * Sets [property@Tasker.Manager:default-options]. @options is sealed: it
 * cannot change afterwards. Tasks submitted from now on use it.
 *
 * Since: 1.0
 */
void
tasker_manager_set_default_options (TaskerManager     *self,
                                    TaskerTaskOptions *options)
{
  g_autoptr(TaskerTaskOptions) old_options = NULL;
  TaskerTaskOptions *new_options;

  g_return_if_fail (TASKER_IS_MANAGER (self));
  g_return_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options));

  if (options != NULL)
    _tasker_task_options_seal (options);

  /* Referenced and let go of outside the lock: a binding's toggle reference
   * or the old options' destroy notifies may take its interpreter lock, and
   * a thread that holds that lock may be submitting (docs/python.md). */
  new_options = options != NULL ? g_object_ref (options) : NULL;
  g_mutex_lock (&self->lock);
  old_options = g_steal_pointer (&self->default_options);
  self->default_options = new_options;
  _tasker_policy_clear (&self->default_policy);
  memset (&self->default_policy, 0, sizeof self->default_policy);
  if (options != NULL)
    {
      self->default_policy = *_tasker_task_options_get_policy (options);
      self->default_policy.queue = g_strdup (self->default_policy.queue);
    }
  g_mutex_unlock (&self->lock);

  _tasker_manager_notify_on_context (self, PROP_DEFAULT_OPTIONS);
}

static void
set_log_limit (TaskerManager *self,
               guint          prop_id,
               guint          value)
{
  guint *field = prop_id == PROP_LOG_MAX_LINES ? &self->log_max_lines : &self->log_max_bytes;
  gboolean changed;

  g_mutex_lock (&self->lock);
  changed = *field != value;
  *field = value;
  g_mutex_unlock (&self->lock);

  if (changed)
    _tasker_manager_notify_on_context (self, prop_id);
}
