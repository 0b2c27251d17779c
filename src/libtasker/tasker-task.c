/* tasker-task.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "tasker-context-private.h"
#include "tasker-enums.h"
#include "tasker-error.h"
#include "tasker-task-options-private.h"
#include "tasker-task-private.h"

/**
 * TaskerTask:
 *
 * One unit of background work: a function in a thread, a worker process or a
 * coroutine, with its status, progress, message, log, result and error.
 *
 * Tasks are made by a [class@Tasker.Manager]. Their properties are read-only
 * and change, with their notifications, only on the manager's main context:
 * what that context reads stays put until it runs again. The `dup_` getters,
 * [method@Tasker.Task.cancel] and [method@Tasker.Task.get_id] may be called
 * from any thread; the other getters belong to the manager's main context.
 *
 * Since: 1.0
 */

enum {
  PROP_0,
  PROP_ID,
  PROP_KEY,
  PROP_NAME,
  PROP_KIND,
  PROP_STATUS,
  PROP_PROGRESS,
  PROP_MESSAGE,
  PROP_ATTEMPT,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (TaskerTask, tasker_task, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static inline guint64
double_to_bits (double value)
{
  guint64 bits;

  memcpy (&bits, &value, sizeof bits);
  return bits;
}

static inline double
bits_to_double (guint64 bits)
{
  double value;

  memcpy (&value, &bits, sizeof value);
  return value;
}

/* The manager's messages for a task its runner holds back: static, shown
 * only on the manager's context, so waiting costs no allocation. */
static const char wait_messages[][32] = {
  [TASKER_WAIT_NONE] = "",
  [TASKER_WAIT_THREAD] = "Waiting for a free thread",
  [TASKER_WAIT_WORKER] = "Waiting for a free worker",
};

static inline gboolean
is_wait_message (const char *message)
{
  return message == wait_messages[TASKER_WAIT_THREAD] || message == wait_messages[TASKER_WAIT_WORKER];
}

static void
clear_message (TaskerTask *self)
{
  if (!is_wait_message (self->message))
    g_free (self->message);
  self->message = NULL;
}

static void
clear_result (TaskerTask *self)
{
  TaskerTaskResult *result = g_steal_pointer (&self->result);

  if (result == NULL)
    return;
  /* The type alone: G_IS_VALUE() is an out-of-line check. */
  if (G_VALUE_TYPE (&result->value) != G_TYPE_INVALID)
    g_value_unset (&result->value);
  if (result->destroy != NULL && result->pointer != NULL)
    result->destroy (result->pointer);
  g_free (result);
}

static void
tasker_task_finalize (GObject *object)
{
  TaskerTask *self = (TaskerTask *) object;

  /* The options and the function's data are normally released on the
   * manager's context when the task ends; a task refused at submit lets go
   * of them here. Errors are mostly NULL: g_clear_pointer() tests that
   * inline, g_clear_error() is a call each. */
  g_clear_object (&self->options);
  g_clear_object (&self->manager);
  g_clear_object (&self->tree.parent);
  g_clear_pointer (&self->call, _tasker_call_free);
  g_clear_pointer (&self->tree.children, g_ptr_array_unref);
  g_clear_pointer (&self->tree.child_error, g_error_free);
  g_clear_pointer (&self->tree.pending_error, g_error_free);
  _tasker_policy_clear (&self->policy);
  if (self->slot.retry_source != NULL)
    g_source_destroy (self->slot.retry_source);
  g_clear_pointer (&self->slot.retry_source, g_source_unref);
  if (self->slot.timeout_source != NULL)
    g_source_destroy (self->slot.timeout_source);
  g_clear_pointer (&self->slot.timeout_source, g_source_unref);
  if (self->slot.start_source != NULL)
    g_source_destroy (self->slot.start_source);
  g_clear_pointer (&self->slot.start_source, g_source_unref);
  g_clear_pointer (&self->slot.after, g_ptr_array_unref);
  g_clear_pointer (&self->slot.dependants, g_hash_table_unref);
  g_clear_pointer (&self->slot.after_error, g_error_free);
  g_clear_object (&self->slot.after_failed_by);
  g_clear_pointer (&self->slot.rearms, g_ptr_array_unref);
  if (self->context != NULL)
    _tasker_context_detach (g_steal_pointer (&self->context));
  if (self->func_data_destroy != NULL && self->func_data != NULL)
    self->func_data_destroy (self->func_data);

  clear_result (self);
  g_clear_pointer (&self->result_error, g_error_free);
  g_clear_pointer (&self->error, g_error_free);
  g_clear_pointer (&self->cancel_reason, g_error_free);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->key, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->descriptions, g_hash_table_unref);
  clear_message (self);
  g_clear_pointer (&self->shared_message, g_free);
  g_clear_pointer (&self->log, _tasker_task_log_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (tasker_task_parent_class)->finalize (object);
}

static void
tasker_task_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TaskerTask *self = TASKER_TASK (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_uint64 (value, self->id);
      break;

    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;

    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;

    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;

    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;

    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;

    case PROP_ATTEMPT:
      g_value_set_uint (value, self->attempt);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_task_class_init (TaskerTaskClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tasker_task_finalize;
  object_class->get_property = tasker_task_get_property;

  /**
   * TaskerTask:id:
   *
   * The task's number, unique in this process and never reused. Ids start at 1.
   *
   * Since: 1.0
   */
  properties[PROP_ID] =
    g_param_spec_uint64 ("id", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTask:key:
   *
   * The key the task was submitted with, or %NULL.
   *
   * Since: 1.0
   */
  properties[PROP_KEY] =
    g_param_spec_string ("key", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTask:name:
   *
   * The task's human-readable name, or %NULL.
   *
   * Since: 1.0
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTask:kind:
   *
   * How the task's work runs.
   *
   * Since: 1.0
   */
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       TASKER_TYPE_TASK_KIND, TASKER_TASK_KIND_THREAD,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTask:status:
   *
   * Where the task is in its life cycle. Changes on the manager's main context.
   *
   * Since: 1.0
   */
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       TASKER_TYPE_TASK_STATUS, TASKER_TASK_STATUS_PENDING,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTask:progress:
   *
   * The fraction of the work done, from 0 to 1; 1 once completed. Updates are
   * coalesced: it changes at most once per update interval of the manager.
   *
   * Since: 1.0
   */
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL,
                         0.0, 1.0, 0.0,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTask:message:
   *
   * The last message the task's function set, or %NULL. While the task
   * is pending because something holds it back, the manager says what:
   * “Waiting for a free slot” (its queue), “Waiting for a free thread” (every
   * [property@Tasker.Manager:max-threads] busy), “Waiting for a free worker”
   * ([property@Tasker.Manager:max-workers]) or “Retrying in 2 s, attempt 2 of
   * 3”; that message goes when the task starts. At most 4 KiB.
   *
   * Since: 1.0
   */
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTask:attempt:
   *
   * The current attempt: 0 before the task first starts, 1 during and after
   * the first attempt.
   *
   * Since: 1.0
   */
  properties[PROP_ATTEMPT] =
    g_param_spec_uint ("attempt", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tasker_task_init (TaskerTask *self)
{
  g_mutex_init (&self->lock);
  self->exit_status = -1;
}

/* Task ids, unique in the process; and, once a history is open, beyond
 * those it holds (see _tasker_task_ids_continue_after()). */
static guint64 last_id;

/* Later tasks get ids above @id: a history of earlier runs keeps its own
 * ids, and an id names one task across restarts. */
void
_tasker_task_ids_continue_after (guint64 id)
{
  guint64 last = __atomic_load_n (&last_id, __ATOMIC_RELAXED);

  while (last < id &&
         !__atomic_compare_exchange_n (&last_id, &last, id, TRUE, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    ;
}

TaskerTask *
_tasker_task_new (TaskerManager        *manager,
                  const TaskerTaskSink *sink,
                  TaskerTaskKind     kind,
                  const char        *key,
                  TaskerTaskOptions *options,
                  TaskerTaskRunFunc  func,
                  gpointer           func_data,
                  GDestroyNotify     func_data_destroy)
{
  TaskerTask *self;

  self = g_object_new (TASKER_TYPE_TASK, NULL);
  self->manager = g_object_ref (manager);
  self->sink = sink;
  self->kind = kind;
  self->key = g_strdup (key);
  self->func = func;
  self->func_data = func_data;
  self->func_data_destroy = func_data_destroy;
  self->id = __atomic_add_fetch (&last_id, 1, __ATOMIC_RELAXED);
  self->created_time = g_get_real_time ();

  if (options != NULL)
    {
      _tasker_task_options_seal (options);
      self->options = g_object_ref (options);
      self->name = g_strdup (tasker_task_options_get_name (options));
      self->has_event_func = _tasker_task_options_has_event (options);
      if (_tasker_task_options_get_descriptions (options) != NULL)
        self->descriptions = g_hash_table_ref (_tasker_task_options_get_descriptions (options));
    }

  return self;
}

/* A worker process's stand-in for the manager's task @id: its context's
 * reports go to @sink. */
TaskerTask *
_tasker_task_new_remote (guint64               id,
                         const TaskerTaskSink *sink)
{
  TaskerTask *self;

  self = g_object_new (TASKER_TYPE_TASK, NULL);
  self->kind = TASKER_TASK_KIND_PROCESS;
  self->id = id;
  self->sink = sink;
  self->has_event_func = TRUE;
  self->created_time = g_get_real_time ();

  return self;
}

/* Where an ended external task's context reports once the task itself is
 * gone: nowhere. */
static GObject *
ended_sink_hold (TaskerTask *task)
{
  return NULL;
}

static void
ended_sink_dirty (TaskerTask *task)
{
}

static const TaskerTaskSink ended_sink = {
  .hold = ended_sink_hold,
  .dirty = ended_sink_dirty,
};

/* Any thread, as the external task @self is finalized while someone still
 * holds its context: a final stand-in for the context to borrow instead,
 * with its id, cancel state and cancellable, on which every report changes
 * nothing and a late return is dropped quietly. */
TaskerTask *
_tasker_task_new_ended_stand_in (TaskerTask *self)
{
  TaskerTask *stand_in = _tasker_task_new_remote (self->id, &ended_sink);

  stand_in->kind = TASKER_TASK_KIND_EXTERNAL;
  stand_in->has_event_func = FALSE;
  stand_in->final = TRUE;
  stand_in->returned = TRUE;
  stand_in->return_claimed = TRUE;
  stand_in->cancel_requested = g_atomic_int_get (&self->cancel_requested);
  stand_in->cancellable = self->cancellable != NULL ? g_object_ref (self->cancellable) : NULL;

  return stand_in;
}

static inline void
mark_dirty (TaskerTask *self)
{
  self->sink->dirty (self);
}

/* Called by a runner before it runs the function: FALSE when a cancel got there first. */
gboolean
_tasker_task_claim_start (TaskerTask *self)
{
  self->shared_started_time = g_get_real_time ();
  return g_atomic_int_compare_and_exchange (&self->run_state,
                                            TASKER_RUN_STATE_WAITING,
                                            TASKER_RUN_STATE_STARTED);
}

/* Any thread. NULL once the task is final. */
TaskerManager *
_tasker_task_ref_manager (TaskerTask *self)
{
  TaskerManager *manager = NULL;

  g_mutex_lock (&self->lock);
  if (!self->final && self->manager != NULL)
    manager = g_object_ref (self->manager);
  g_mutex_unlock (&self->lock);

  return manager;
}

/* Any thread: keeps the task's sink there while a report that may come at
 * any time (after the task ended, from another thread) goes to it. NULL when
 * it is gone and nothing may be reported (a manager's task once final: its
 * manager may be finalized). */
GObject *
_tasker_task_hold_sink (TaskerTask *self)
{
  if (self->sink->hold == NULL)
    return g_object_ref (G_OBJECT (self));

  return self->sink->hold (self);
}

/* Any thread; the hot path of set_progress. */
void
_tasker_task_store_progress (TaskerTask *self,
                             double      fraction)
{
  __atomic_store_n (&self->shared_progress, double_to_bits (fraction), __ATOMIC_RELAXED);

  if (!__atomic_load_n (&self->dirty, __ATOMIC_RELAXED) &&
      !__atomic_exchange_n (&self->dirty, TRUE, __ATOMIC_ACQ_REL))
    mark_dirty (self);
}

/* A message longer than TASKER_TASK_MESSAGE_MAX is cut, with an ellipsis. */
static char *
dup_message (const char *message)
{
  gsize len, cut;
  char *copy;

  if (message == NULL)
    return NULL;

  len = strlen (message);
  if (len <= TASKER_TASK_MESSAGE_MAX)
    return g_strdup (message);

  cut = _tasker_utf8_cut (message, len, TASKER_TASK_MESSAGE_MAX - strlen ("…"));
  copy = g_malloc (cut + strlen ("…") + 1);
  memcpy (copy, message, cut);
  strcpy (copy + cut, "…");

  return copy;
}

void
_tasker_task_store_message (TaskerTask *self,
                            const char *message)
{
  g_mutex_lock (&self->lock);
  if (self->final)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  g_free (self->shared_message);
  self->shared_message = dup_message (message);
  self->shared_message_changed = TRUE;
  self->manager_message = FALSE;
  g_mutex_unlock (&self->lock);

  if (!__atomic_exchange_n (&self->dirty, TRUE, __ATOMIC_ACQ_REL))
    mark_dirty (self);
}

/* Any thread: the first return wins; later ones are programmer errors.
 * Whether a cancel (or a timeout) came before it is settled here, under the
 * lock a cancel takes too: one that comes after finds the result there and
 * changes nothing (DESIGN.md §4 Completion wins). */
gboolean
_tasker_task_begin_return (TaskerTask *self)
{
  gboolean first;

  g_mutex_lock (&self->lock);
  first = !self->returned;
  if (first)
    self->cancelled_at_return = g_atomic_int_get (&self->cancel_requested);
  self->returned = TRUE;
  g_mutex_unlock (&self->lock);

  return first;
}

/* Any thread: as _tasker_task_begin_return(), for a return that happened
 * elsewhere (in a worker) before any cancel reached it there: whatever the
 * cancel flag says now came later and changes nothing. */
gboolean
_tasker_task_begin_return_uncancelled (TaskerTask *self)
{
  gboolean first;

  g_mutex_lock (&self->lock);
  first = !self->returned;
  if (first)
    self->cancelled_at_return = FALSE;
  self->returned = TRUE;
  g_mutex_unlock (&self->lock);

  return first;
}

/* Any thread (the manager's context, for an external task): ends the
 * attempt in its function's place, as cancelled, unless it has returned
 * already. The owner's return that comes later finds it returned and is
 * dropped quietly (_tasker_task_return_was_claimed). Returns whether the
 * claim was made: the caller then reports the return itself. */
gboolean
_tasker_task_claim_return (TaskerTask *self)
{
  gboolean claimed;

  g_mutex_lock (&self->lock);
  claimed = !self->returned;
  if (claimed)
    {
      self->returned = TRUE;
      self->return_claimed = TRUE;
      self->cancelled_at_return = TRUE;
    }
  g_mutex_unlock (&self->lock);

  return claimed;
}

/* Any thread: whether a return that came too late found the manager's claim
 * (not a second return of its owner's). */
gboolean
_tasker_task_return_was_claimed (TaskerTask *self)
{
  gboolean claimed;

  g_mutex_lock (&self->lock);
  claimed = self->return_claimed;
  g_mutex_unlock (&self->lock);

  return claimed;
}

/* Manager's context, once the return was reported: whether the attempt
 * counts as cancelled. */
gboolean
_tasker_task_cancelled_at_return (TaskerTask *self)
{
  gboolean cancelled;

  g_mutex_lock (&self->lock);
  cancelled = self->returned ? self->cancelled_at_return
                             : g_atomic_int_get (&self->cancel_requested);
  g_mutex_unlock (&self->lock);

  return cancelled;
}

/* The task's life cycle. Only this file changes a task's status, attempt
 * and result, through these transitions (all on the manager's context but
 * the two a runner or the function makes):
 *
 *   submit ──► PENDING ─claim_start─► (runner runs it) ─begin_return─►
 *   ─end_attempt─► outcome ─┬─► finish (COMPLETED | FAILED | CANCELLED)
 *                           └─► prepare_retry ──► PENDING (attempt kept)
 *
 *  - _tasker_task_claim_start (any thread, its runner): WAITING → STARTED,
 *    unless a cancel claimed it first. At most once per attempt.
 *  - start_attempt (in _tasker_task_sync, once the claim is seen): PENDING →
 *    RUNNING; attempt + 1; started_time from the runner's stamp.
 *  - _tasker_task_begin_return (any thread): the first return settles
 *    whether a cancel came before it; later ones change nothing.
 *  - _tasker_task_end_attempt: the outcome of the attempt that returned (its
 *    start seen or not) and its error; takes the function's error.
 *  - _tasker_task_end_unrunnable: an attempt that could not run at all (bad
 *    input found at submit, _tasker_task_fail_at_start) returns failed.
 *  - _tasker_task_prepare_retry: back to PENDING with no result, progress,
 *    cancel or claim; the attempt count stays (the next start adds one).
 *  - _tasker_task_finish: the final status, once; a non-completed task
 *    keeps no result, a completed one ends at progress 1. After it the
 *    task's status, attempt, error and result never change.
 */

/* PENDING → RUNNING: the claim of the next attempt is seen. */
static inline guint
start_attempt (TaskerTask *self)
{
  g_assert (self->status == TASKER_TASK_STATUS_PENDING);

  self->status = TASKER_TASK_STATUS_RUNNING;
  self->attempt++;
  self->started_time = self->shared_started_time;

  return TASKER_TASK_CHANGED_STATUS | TASKER_TASK_CHANGED_ATTEMPT | TASKER_TASK_CHANGED_STARTED;
}

/* Manager's context, once the return was reported: how the attempt ended,
 * the status and error (owned) the task would end with, and which attempt
 * that was (its start may not have been seen yet). A cancel or timeout
 * counts only if it came before the return. */
TaskerTaskStatus
_tasker_task_end_attempt (TaskerTask  *self,
                          guint       *attempt,
                          GError     **error)
{
  g_assert (!_tasker_task_is_final (self));

  *attempt = self->status == TASKER_TASK_STATUS_PENDING ? self->attempt + 1 : self->attempt;

  if (_tasker_task_cancelled_at_return (self))
    {
      *error = _tasker_task_dup_cancel_error (self);
      return _tasker_task_cancel_status (*error);
    }

  if (self->result_error != NULL)
    {
      *error = g_steal_pointer (&self->result_error);
      return TASKER_TASK_STATUS_FAILED;
    }

  *error = NULL;
  return TASKER_TASK_STATUS_COMPLETED;
}

/* At submit, before anyone else sees the task: its first start fails with
 * @error (taken) instead of running. */
void
_tasker_task_fail_at_start (TaskerTask *self,
                            GError     *error)
{
  g_clear_error (&self->result_error);
  self->result_error = error;
}

/* Manager's context, after a claimed start: an attempt with nothing to run
 * (no function, or bad input found at submit) returns, failed. Returns the
 * error (owned) to finish the task with. */
GError *
_tasker_task_end_unrunnable (TaskerTask *self)
{
  GError *error = g_steal_pointer (&self->result_error);

  if (error == NULL)
    error = g_error_new_literal (TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                                 "No function was given for the task");
  _tasker_task_begin_return (self);

  return error;
}

/* Manager's context, once final: the options leave the task (for its done
 * callback); the manager drops its reference after that. */
TaskerTaskOptions *
_tasker_task_steal_options (TaskerTask *self)
{
  g_assert (_tasker_task_is_final (self));

  return g_steal_pointer (&self->options);
}

/* Manager's context, once final, after the done callback: the function's
 * data is freed here, on the manager's context. */
void
_tasker_task_free_func_data (TaskerTask *self)
{
  gpointer func_data = g_steal_pointer (&self->func_data);
  GDestroyNotify func_data_destroy = g_steal_pointer (&self->func_data_destroy);

  g_assert (_tasker_task_is_final (self));

  if (func_data_destroy != NULL && func_data != NULL)
    func_data_destroy (func_data);
}

/* The result, written by whoever ran the attempt after its first return
 * (_tasker_task_begin_return) and before the return is reported to the
 * sink: nobody else touches it meanwhile, and the manager reads it only
 * after the report. */

static TaskerTaskResult *
new_result (TaskerTask *self)
{
  g_assert (self->result == NULL);

  return self->result = g_new0 (TaskerTaskResult, 1);
}

void
_tasker_task_store_result_value (TaskerTask   *self,
                                 const GValue *value)
{
  TaskerTaskResult *result = new_result (self);

  g_value_init (&result->value, G_VALUE_TYPE (value));
  g_value_copy (value, &result->value);
}

void
_tasker_task_store_result_variant (TaskerTask *self,
                                   GVariant   *value)
{
  TaskerTaskResult *result = new_result (self);

  g_value_init (&result->value, G_TYPE_VARIANT);
  g_value_set_variant (&result->value, value);
}

/* Takes @pointer, freed with @destroy when the task is finalized. */
void
_tasker_task_store_result_pointer (TaskerTask     *self,
                                   gpointer        pointer,
                                   GDestroyNotify  destroy)
{
  TaskerTaskResult *result = new_result (self);

  result->pointer = pointer;
  result->destroy = destroy;
}

/* Takes @error: the attempt failed. */
void
_tasker_task_store_result_error (TaskerTask *self,
                                 GError     *error)
{
  g_clear_error (&self->result_error);
  self->result_error = error;
}

/* Manager's context: copy what the function shared into what the UI sees. */
guint
_tasker_task_sync (TaskerTask *self)
{
  guint changed = 0;
  double progress;
  int wait;

  if (_tasker_task_is_final (self))
    return 0;

  if (self->status == TASKER_TASK_STATUS_PENDING &&
      g_atomic_int_get (&self->run_state) == TASKER_RUN_STATE_STARTED)
    changed |= start_attempt (self);

  progress = bits_to_double (__atomic_load_n (&self->shared_progress, __ATOMIC_RELAXED));
  /* A parent may take part of its progress from its children's. */
  if (self->tree.children_weight > 0.0 && self->tree.n_children_seen > 0)
    progress = (1.0 - self->tree.children_weight) * progress +
               self->tree.children_weight * (self->tree.children_progress_sum / self->tree.n_children_seen);
  if (progress != self->progress)
    {
      self->progress = progress;
      changed |= TASKER_TASK_CHANGED_PROGRESS;
    }

  g_mutex_lock (&self->lock);
  if (self->shared_message_changed)
    {
      self->shared_message_changed = FALSE;
      if (g_strcmp0 (self->message, self->shared_message) != 0)
        {
          clear_message (self);
          self->message = g_steal_pointer (&self->shared_message);
          changed |= TASKER_TASK_CHANGED_MESSAGE;
        }
      g_clear_pointer (&self->shared_message, g_free);
    }
  /* Held back by its runner (no thread or worker free), with no message of
   * its own: the manager says so until it starts, or ends without starting. */
  wait = self->status == TASKER_TASK_STATUS_PENDING &&
         g_atomic_int_get (&self->run_state) == TASKER_RUN_STATE_WAITING
         ? g_atomic_int_get (&self->waits_for) : TASKER_WAIT_NONE;
  if (wait != TASKER_WAIT_NONE && self->message == NULL)
    {
      self->message = (char *) wait_messages[wait];
      changed |= TASKER_TASK_CHANGED_MESSAGE;
    }
  else if (wait == TASKER_WAIT_NONE && is_wait_message (self->message))
    {
      self->message = NULL;
      changed |= TASKER_TASK_CHANGED_MESSAGE;
    }
  g_mutex_unlock (&self->lock);

  return changed;
}

/* Manager's context: an attempt failed and another follows after a delay.
 * The task is pending again, as if just submitted: not cancelled, no result,
 * no progress. Returns the changes to notify. */
guint
_tasker_task_prepare_retry (TaskerTask *self)
{
  GCancellable *old_cancellable;

  g_mutex_lock (&self->lock);
  self->returned = FALSE;
  self->cancelled_at_return = FALSE;
  g_atomic_int_set (&self->cancel_requested, FALSE);
  g_clear_error (&self->cancel_reason);
  /* A cancellable that fired stays fired: the next attempt gets a new one.
   * Let go of outside the lock: its handlers may be a binding's, whose
   * destroy notifies take the interpreter lock (docs/python.md). */
  old_cancellable = g_steal_pointer (&self->cancellable);
  g_mutex_unlock (&self->lock);
  g_clear_object (&old_cancellable);

  g_atomic_int_set (&self->run_state, TASKER_RUN_STATE_WAITING);
  g_atomic_int_set (&self->waits_for, TASKER_WAIT_NONE);
  clear_result (self);
  g_clear_error (&self->result_error);
  __atomic_store_n (&self->shared_progress, 0, __ATOMIC_RELAXED);
  self->status = TASKER_TASK_STATUS_PENDING;

  return TASKER_TASK_CHANGED_STATUS;
}

/* Any thread: a message of the manager's own ("Waiting for a free slot"),
 * which the next start clears. With @message NULL, clears only such a
 * message. Returns whether the task needs a sync. */
gboolean
_tasker_task_store_manager_message (TaskerTask *self,
                                    const char *message)
{
  gboolean changed = FALSE;

  g_mutex_lock (&self->lock);
  if (!self->final && (message != NULL || self->manager_message))
    {
      g_free (self->shared_message);
      self->shared_message = g_strdup (message);
      self->shared_message_changed = TRUE;
      self->manager_message = message != NULL;
      changed = TRUE;
    }
  g_mutex_unlock (&self->lock);

  return changed;
}

void
_tasker_call_free (TaskerCall *call)
{
  g_free (call->entry_point);
  g_clear_pointer (&call->args, g_variant_unref);
  g_strfreev (call->worker);
  g_strfreev (call->argv);
  g_free (call->cwd);
  g_strfreev (call->envp);
  g_free (call);
}

/* Manager's context: the task reaches its final status. Takes @error. */
void
_tasker_task_finish (TaskerTask       *self,
                     TaskerTaskStatus  status,
                     GError           *error)
{
  g_assert (!_tasker_task_is_final (self));
  g_assert (status >= TASKER_TASK_STATUS_COMPLETED);

  g_mutex_lock (&self->lock);
  self->final = TRUE;
  g_mutex_unlock (&self->lock);

  self->status = status;
  self->finished_time = g_get_real_time ();
  if (status == TASKER_TASK_STATUS_COMPLETED)
    self->progress = 1.0;
  else
    clear_result (self);
  g_clear_error (&self->result_error);
  self->error = error;
}

void
_tasker_task_notify (TaskerTask *self,
                     guint       changed)
{
  GObject *object = G_OBJECT (self);

  /* GLib (2.74 on) flags an object once a "notify" handler is connected and
   * returns at once without one: no handler lookup of ours in front. */
  if (changed & TASKER_TASK_CHANGED_ATTEMPT)
    g_object_notify_by_pspec (object, properties[PROP_ATTEMPT]);
  if (changed & TASKER_TASK_CHANGED_PROGRESS)
    g_object_notify_by_pspec (object, properties[PROP_PROGRESS]);
  if (changed & TASKER_TASK_CHANGED_MESSAGE)
    g_object_notify_by_pspec (object, properties[PROP_MESSAGE]);
  if (changed & TASKER_TASK_CHANGED_STATUS)
    g_object_notify_by_pspec (object, properties[PROP_STATUS]);
}

/**
 * tasker_task_get_id:
 * @self: a #TaskerTask
 *
 * Gets the task's id. Safe from any thread.
 *
 * Returns: the id, 1 or more, never reused in this process
 *
 * Since: 1.0
 */
guint64
tasker_task_get_id (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), 0);

  return self->id;
}

/**
 * tasker_task_get_key:
 * @self: a #TaskerTask
 *
 * Gets the key the task was submitted with. Safe from any thread.
 *
 * Returns: (nullable): the key, or %NULL
 *
 * Since: 1.0
 */
const char *
tasker_task_get_key (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), NULL);

  return self->key;
}

/**
 * tasker_task_get_name:
 * @self: a #TaskerTask
 *
 * Gets the task's name. Safe from any thread.
 *
 * Returns: (nullable): the name, or %NULL
 *
 * Since: 1.0
 */
const char *
tasker_task_get_name (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), NULL);

  return self->name;
}

/**
 * tasker_task_get_kind:
 * @self: a #TaskerTask
 *
 * Gets how the task runs. Safe from any thread.
 *
 * Returns: the kind of task
 *
 * Since: 1.0
 */
TaskerTaskKind
tasker_task_get_kind (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), TASKER_TASK_KIND_THREAD);

  return self->kind;
}

/**
 * tasker_task_get_status:
 * @self: a #TaskerTask
 *
 * Gets the task's status as the manager's main context sees it.
 *
 * Returns: the status
 *
 * Since: 1.0
 */
TaskerTaskStatus
tasker_task_get_status (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), TASKER_TASK_STATUS_PENDING);

  return self->status;
}

/**
 * tasker_task_is_final:
 * @self: a #TaskerTask
 *
 * Checks whether the task has reached a final status (completed, failed or
 * cancelled), as the manager's main context sees it.
 *
 * Returns: %TRUE if the task has ended
 *
 * Since: 1.0
 */
gboolean
tasker_task_is_final (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), FALSE);

  return self->status >= TASKER_TASK_STATUS_COMPLETED;
}

/**
 * tasker_task_get_progress:
 * @self: a #TaskerTask
 *
 * Gets the fraction of the work done, as last delivered to the manager's
 * main context.
 *
 * Returns: the progress, from 0 to 1
 *
 * Since: 1.0
 */
double
tasker_task_get_progress (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), 0.0);

  return self->progress;
}

/**
 * tasker_task_get_message:
 * @self: a #TaskerTask
 *
 * Gets the last message delivered to the manager's main context. Use
 * [method@Tasker.Task.dup_message] from other threads.
 *
 * Returns: (nullable): the message, or %NULL if none was set
 *
 * Since: 1.0
 */
const char *
tasker_task_get_message (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), NULL);

  return self->message;
}

/**
 * tasker_task_dup_message:
 * @self: a #TaskerTask
 *
 * Copies the last message delivered to the manager's main context. Safe from
 * any thread.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL if none was set
 *
 * Since: 1.0
 */
char *
tasker_task_dup_message (TaskerTask *self)
{
  char *message;

  g_return_val_if_fail (TASKER_IS_TASK (self), NULL);

  g_mutex_lock (&self->lock);
  message = g_strdup (self->message);
  g_mutex_unlock (&self->lock);

  return message;
}

/**
 * tasker_task_get_attempt:
 * @self: a #TaskerTask
 *
 * Gets the attempt number: 0 before the task first starts, then 1.
 *
 * Returns: the attempt
 *
 * Since: 1.0
 */
guint
tasker_task_get_attempt (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), 0);

  return self->attempt;
}

/**
 * tasker_task_get_trace_id:
 * @self: a #TaskerTask
 *
 * Gets the task's 64-bit trace id: 16 bits origin node, 16 bits seconds,
 * 16 bits sequence, 16 bits last-hop node. A child keeps its parent's top
 * 48 bits. Safe from any thread.
 *
 * Returns: the trace id
 *
 * Since: 1.0
 */
guint64
tasker_task_get_trace_id (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), 0);

  return self->trace_id;
}

/**
 * tasker_task_get_parent:
 * @self: a #TaskerTask
 *
 * Gets the task's parent, given at submit. Safe from any thread.
 *
 * Returns: (transfer none) (nullable): the parent, or %NULL
 *
 * Since: 1.0
 */
TaskerTask *
tasker_task_get_parent (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), NULL);

  return self->tree.parent;
}

/**
 * tasker_task_get_created_time:
 * @self: a #TaskerTask
 *
 * Gets when the task was submitted. Safe from any thread.
 *
 * Returns: when the task was submitted, in microseconds of g_get_real_time()
 *
 * Since: 1.0
 */
gint64
tasker_task_get_created_time (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), 0);

  return self->created_time;
}

/**
 * tasker_task_get_started_time:
 * @self: a #TaskerTask
 *
 * Gets when the task's function started, as the manager's context saw it.
 *
 * Returns: when the task's function started, in microseconds of
 *   g_get_real_time(), or 0 if it has not started
 *
 * Since: 1.0
 */
gint64
tasker_task_get_started_time (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), 0);

  return self->started_time;
}

/**
 * tasker_task_get_finished_time:
 * @self: a #TaskerTask
 *
 * Gets when the task ended, as the manager's context saw it.
 *
 * Returns: when the task reached its final status, in microseconds of
 *   g_get_real_time(), or 0 if it has not ended
 *
 * Since: 1.0
 */
gint64
tasker_task_get_finished_time (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), 0);

  return self->finished_time;
}

/**
 * tasker_task_get_exit_status:
 * @self: a #TaskerTask
 *
 * Gets how a command task's process exited, as a shell reports it: its
 * exit status, or 128 + N when signal N killed it (143 for the SIGTERM of
 * a cancel or a timeout, 137 when SIGKILL had to follow). It is the last
 * attempt's, and the history keeps it as the record's description
 * `exit-status`. Safe from any thread.
 *
 * Returns: the exit status, or -1 when the task is not a command or its
 *   process has not exited (it never started, or still runs)
 *
 * Since: 1.0
 */
int
tasker_task_get_exit_status (TaskerTask *self)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), -1);

  return g_atomic_int_get (&self->exit_status);
}

/* The process runner's thread, when a command's process was reaped. */
void
_tasker_task_store_exit_status (TaskerTask *self,
                                int         wait_status)
{
  int status = WIFSIGNALED (wait_status) ? 128 + WTERMSIG (wait_status) : WEXITSTATUS (wait_status);

  g_atomic_int_set (&self->exit_status, status);
}

/**
 * tasker_task_get_description:
 * @self: a #TaskerTask
 * @key: a description key
 *
 * Gets a description given with [method@Tasker.TaskOptions.set_description].
 * Safe from any thread.
 *
 * Returns: (nullable): the description, or %NULL
 *
 * Since: 1.0
 */
const char *
tasker_task_get_description (TaskerTask *self,
                             const char *key)
{
  g_return_val_if_fail (TASKER_IS_TASK (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  if (self->descriptions == NULL)
    return NULL;

  return g_hash_table_lookup (self->descriptions, key);
}
