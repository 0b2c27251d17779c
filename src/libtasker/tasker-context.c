/* tasker-context.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "tasker-context-private.h"
#include "tasker-task-options-private.h"
#include "tasker-task-private.h"

/**
 * TaskerContext:
 *
 * What a task's function uses to report progress, messages, events and log
 * lines, to notice cancellation, and to return its result.
 *
 * A context is handed to every [callback@Tasker.TaskFunc]. All its methods
 * are thread-safe: they may be called from the task's own thread, from the
 * main thread, or from any other thread. They are cheap:
 * [method@Tasker.Context.set_progress] only stores a number, and updates
 * reach the manager's main context at most once per update interval.
 *
 * A sub context ([method@Tasker.Context.sub_context]) maps its own progress
 * into a part of its parent's, so a function can hand a phase of its work to
 * code that knows nothing of the whole.
 *
 * Since: 1.0
 */

struct _TaskerContext
{
  GObject     parent_instance;

  TaskerTask *task;     /* (owned), or borrowed while @borrowed */
  gboolean    borrowed; /* a pool thread's recycled context, while the task's
                         * runner holds the task for it (until _release) */
  double      base;     /* where this context's 0 lies in the task's progress */
  double      range;    /* how much of the task's progress this context covers */
  guint64     total;    /* (atomic) bits of a double > 0: the units of set_progress */
};

G_DEFINE_FINAL_TYPE (TaskerContext, tasker_context, G_TYPE_OBJECT)

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

static inline double
clamp_fraction (double value)
{
  return value < 0.0 ? 0.0 : value > 1.0 ? 1.0 : value;
}

static void
tasker_context_finalize (GObject *object)
{
  TaskerContext *self = (TaskerContext *) object;

  /* Never borrowed here: whoever lent the task holds the context until it
   * has taken it back (_tasker_context_release). */
  g_assert (!self->borrowed);
  g_clear_object (&self->task);

  G_OBJECT_CLASS (tasker_context_parent_class)->finalize (object);
}

static void
tasker_context_class_init (TaskerContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tasker_context_finalize;
}

static void
tasker_context_init (TaskerContext *self)
{
  self->range = 1.0;
  self->total = double_to_bits (1.0);
}

TaskerContext *
_tasker_context_new (TaskerTask *task)
{
  TaskerContext *self;

  self = g_object_new (TASKER_TYPE_CONTEXT, NULL);
  self->task = g_object_ref (task);

  return self;
}

/* An external task's context, which the task owns: it borrows the task, so
 * that the two make no cycle. Whoever uses it holds the task (the manager
 * does until it ends); one kept longer is detached from it. */
TaskerContext *
_tasker_context_new_external (TaskerTask *task)
{
  TaskerContext *self;

  self = g_object_new (TASKER_TYPE_CONTEXT, NULL);
  self->task = task;
  self->borrowed = TRUE;

  return self;
}

/* The external task that lent itself to @self (taken) is being finalized:
 * a context someone still holds goes on with a final stand-in, on which
 * every call changes nothing. */
void
_tasker_context_detach (TaskerContext *self)
{
  g_assert (self->borrowed);

  if (g_atomic_int_get (&G_OBJECT (self)->ref_count) > 1)
    self->task = _tasker_task_new_ended_stand_in (self->task);
  else
    self->task = NULL;
  self->borrowed = FALSE;
  g_object_unref (self);
}

/* A pool thread runs thousands of tasks: rather than making and finalizing a
 * context for each, it keeps the last one when nothing else holds it. The
 * recycled context borrows @task: the caller makes sure @task lives until it
 * has called _tasker_context_release() (for a pool thread, the manager's
 * reference does: it lasts until the return is handled), which takes a
 * reference of the context's own only if someone else kept the context (a
 * ref/unref pair less per task). */
TaskerContext *
_tasker_context_recycle (TaskerContext *self,
                         TaskerTask    *task)
{
  g_assert (self->task == NULL);

  self->task = task;
  self->borrowed = TRUE;
  self->base = 0.0;
  self->range = 1.0;
  self->total = double_to_bits (1.0);

  return self;
}

/* Lets go of the task. Returns TRUE if @self may be recycled, FALSE if it
 * was unreffed because someone else holds it or attached data to it. */
gboolean
_tasker_context_release (TaskerContext *self)
{
  GObject *object = G_OBJECT (self);

  if (g_atomic_int_get (&object->ref_count) == 1 && object->qdata == NULL)
    {
      if (self->borrowed)
        self->task = NULL;
      else
        g_clear_object (&self->task);
      self->borrowed = FALSE;
      return TRUE;
    }

  /* Someone else keeps the context, and with it the task: from now on it
   * owns a reference, taken before ours on the context goes. */
  if (self->borrowed)
    {
      g_object_ref (self->task);
      self->borrowed = FALSE;
    }
  g_object_unref (self);
  return FALSE;
}

TaskerTask *
_tasker_context_get_task (TaskerContext *self)
{
  return self->task;
}

/**
 * tasker_context_set_progress:
 * @self: a #TaskerContext
 * @progress: the work done: a fraction, or units of the total set with
 *   [method@Tasker.Context.set_total]
 *
 * Reports progress. The value is clamped to [0, 1] after dividing by the
 * total; NaN (or a NaN after the division) is ignored with a warning. Costs a few nanoseconds and never
 * allocates: call it as often as you like.
 *
 * Since: 1.0
 */
void
tasker_context_set_progress (TaskerContext *self,
                             double         progress)
{
  double fraction;

  g_return_if_fail (TASKER_IS_CONTEXT (self));

  if G_UNLIKELY (isnan (progress))
    {
      g_warning ("tasker_context_set_progress: ignoring NaN progress");
      return;
    }

  fraction = progress / bits_to_double (__atomic_load_n (&self->total, __ATOMIC_RELAXED));
  if G_UNLIKELY (isnan (fraction))
    {
      g_warning ("tasker_context_set_progress: ignoring progress %g of a total that makes it NaN", progress);
      return;
    }
  fraction = self->base + self->range * clamp_fraction (fraction);

  _tasker_task_store_progress (self->task, fraction);
}

/**
 * tasker_context_set_total:
 * @self: a #TaskerContext
 * @total: how many units the work has, more than 0
 *
 * Makes later calls of [method@Tasker.Context.set_progress] count units: a
 * progress of @i means @i / @total. A total that is not more than 0, or not finite,
 * is ignored with a warning.
 *
 * Since: 1.0
 */
void
tasker_context_set_total (TaskerContext *self,
                          double         total)
{
  g_return_if_fail (TASKER_IS_CONTEXT (self));

  if (!isfinite (total) || total <= 0.0)
    {
      g_warning ("tasker_context_set_total: ignoring total %g, it must be more than 0", total);
      return;
    }

  __atomic_store_n (&self->total, double_to_bits (total), __ATOMIC_RELAXED);
}

/**
 * tasker_context_set_message:
 * @self: a #TaskerContext
 * @message: (nullable): a short, human-readable status, or %NULL to clear it
 *
 * Sets the task's message. Messages from sub contexts go to the task too.
 * A message longer than 4 KiB is cut (on a character boundary, ending with
 * `…`).
 *
 * Since: 1.0
 */
void
tasker_context_set_message (TaskerContext *self,
                            const char    *message)
{
  g_return_if_fail (TASKER_IS_CONTEXT (self));

  _tasker_task_store_message (self->task, message);
}

/**
 * tasker_context_is_cancelled:
 * @self: a #TaskerContext
 *
 * Checks whether the task was cancelled. Cheap enough for a tight loop.
 *
 * Returns: %TRUE once the task has been cancelled
 *
 * Since: 1.0
 */
gboolean
tasker_context_is_cancelled (TaskerContext *self)
{
  g_return_val_if_fail (TASKER_IS_CONTEXT (self), FALSE);

  return g_atomic_int_get (&self->task->cancel_requested);
}

/**
 * tasker_context_get_cancellable:
 * @self: a #TaskerContext
 *
 * Gets a cancellable that fires when the task is cancelled. Pass it to GIO
 * calls so that cancelling the task interrupts them at once.
 *
 * Returns: (transfer none): the task's cancellable, alive as long as the task
 *
 * Since: 1.0
 */
GCancellable *
tasker_context_get_cancellable (TaskerContext *self)
{
  g_return_val_if_fail (TASKER_IS_CONTEXT (self), NULL);

  return _tasker_task_get_cancellable (self->task);
}

/**
 * tasker_context_sub_context:
 * @self: a #TaskerContext
 * @base_progress: where the sub context's 0 lies, as a fraction of @self's progress
 * @progress_range: how much of @self's progress the sub context covers, as a fraction
 * @total: the units of the sub context's progress; 1 for fractions
 *
 * Makes a context whose progress from 0 to @total moves @self's progress from
 * @base_progress to @base_progress + @progress_range. Sub contexts compose to
 * any depth: `sub(0.1, 0.8).sub(0.5, 0.25, total=10).set_progress(8)` sets the
 * task's progress to 0.66. Messages, events and logs of a sub context go to the
 * task. A @total that is not more than 0 is ignored with a warning (1 is used).
 *
 * Returns: (transfer full): a new context for the same task
 *
 * Since: 1.0
 */
TaskerContext *
tasker_context_sub_context (TaskerContext *self,
                            double         base_progress,
                            double         progress_range,
                            double         total)
{
  TaskerContext *sub;

  g_return_val_if_fail (TASKER_IS_CONTEXT (self), NULL);

  if (isnan (base_progress))
    base_progress = 0.0;
  if (isnan (progress_range))
    progress_range = 0.0;
  base_progress = clamp_fraction (base_progress);
  progress_range = CLAMP (progress_range, 0.0, 1.0 - base_progress);

  sub = _tasker_context_new (self->task);
  sub->base = self->base + self->range * base_progress;
  sub->range = self->range * progress_range;
  if (total != 1.0)
    tasker_context_set_total (sub, total);

  return sub;
}

/**
 * tasker_context_send_event:
 * @self: a #TaskerContext
 * @name: the event's name
 * @data: (nullable): the event's data; a floating reference is sunk
 *
 * Sends an event to the task's event function on the manager's main
 * context. Events of one task arrive in the order they were sent, and all
 * of them before the task's done function.
 *
 * At most 256 events of a task wait for delivery: past that, this call waits
 * until the manager's context has delivered half of them (in a worker
 * process, the worker waits the same way), so a task cannot flood the
 * program faster than it takes them. Called on the thread running the
 * manager's context (a coroutine task), it never waits. Once the task is
 * cancelled it no longer waits either: events past the bound are dropped.
 *
 * Since: 1.0
 */
void
tasker_context_send_event (TaskerContext *self,
                           const char    *name,
                           GVariant      *data)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GObject) hold = NULL;

  g_return_if_fail (TASKER_IS_CONTEXT (self));
  g_return_if_fail (name != NULL);

  if (data != NULL)
    owned = g_variant_ref_sink (data);

  if (!self->task->has_event_func)
    return;

  if ((hold = _tasker_task_hold_sink (self->task)))
    self->task->sink->event (self->task, name, owned, TRUE);
}

/**
 * tasker_context_log:
 * @self: a #TaskerContext
 * @text: a line of text (several lines if it has newlines)
 *
 * Appends a timestamped line to the task's log. The log keeps the newest
 * lines within the manager's [property@Tasker.Manager:log-max-lines] and
 * [property@Tasker.Manager:log-max-bytes]; a line longer than 64 KiB is cut
 * (see [method@Tasker.Task.dup_log]).
 *
 * Since: 1.0
 */
void
tasker_context_log (TaskerContext *self,
                    const char    *text)
{
  g_return_if_fail (TASKER_IS_CONTEXT (self));
  g_return_if_fail (text != NULL);

  _tasker_task_append_log (self->task, text);
}

/**
 * tasker_context_flush:
 * @self: a #TaskerContext
 *
 * Delivers the task's progress and message to the manager's main context now,
 * rather than at the end of the current update interval.
 *
 * Since: 1.0
 */
void
tasker_context_flush (TaskerContext *self)
{
  g_autoptr(GObject) hold = NULL;

  g_return_if_fail (TASKER_IS_CONTEXT (self));

  if ((hold = _tasker_task_hold_sink (self->task)))
    self->task->sink->flush (self->task);
}

static gboolean
begin_return (TaskerContext *self)
{
  if (!_tasker_task_begin_return (self->task))
    {
      /* An external task the manager ended first (its cancel's grace
       * passed, or a shutdown): the owner's return comes late, that is all. */
      if (self->task->kind == TASKER_TASK_KIND_EXTERNAL &&
          _tasker_task_return_was_claimed (self->task))
        return FALSE;
      g_critical ("Task %" G_GUINT64_FORMAT " has already returned",
                  tasker_task_get_id (self->task));
      return FALSE;
    }
  return TRUE;
}

/* A coroutine or external task ends when it returns; a thread task when its
 * function does. */
static void
end_return (TaskerContext *self)
{
  g_autoptr(GObject) hold = NULL;

  if (self->task->kind == TASKER_TASK_KIND_THREAD || self->task->sink->returned == NULL)
    return;

  if ((hold = _tasker_task_hold_sink (self->task)))
    self->task->sink->returned (self->task);
}

/**
 * tasker_context_return_value:
 * @self: a #TaskerContext
 * @value: (nullable): the result, copied; %NULL for none
 *
 * Sets the task's result. A thread task ends when its function returns; a
 * coroutine or external task ends now. Return only once.
 *
 * Since: 1.0
 */
void
tasker_context_return_value (TaskerContext *self,
                             const GValue  *value)
{
  g_return_if_fail (TASKER_IS_CONTEXT (self));
  g_return_if_fail (value == NULL || G_IS_VALUE (value));

  if (!begin_return (self))
    return;

  if (value != NULL)
    _tasker_task_store_result_value (self->task, value);
  end_return (self);
}

/**
 * tasker_context_return_pointer:
 * @self: a #TaskerContext
 * @result: (nullable) (transfer full): the result
 * @result_destroy: (nullable): frees @result when the task is finalized
 *
 * Sets the task's result to a pointer it owns from now on. A thread task
 * ends when its function returns; a coroutine or external task ends now. Return only once.
 *
 * Since: 1.0
 */
void
tasker_context_return_pointer (TaskerContext  *self,
                               gpointer        result,
                               GDestroyNotify  result_destroy)
{
  g_return_if_fail (TASKER_IS_CONTEXT (self));

  if (!begin_return (self))
    {
      if (result_destroy != NULL && result != NULL)
        result_destroy (result);
      return;
    }

  _tasker_task_store_result_pointer (self->task, result, result_destroy);
  end_return (self);
}

/**
 * tasker_context_return_error:
 * @self: a #TaskerContext
 * @error: (transfer full): why the task failed
 *
 * Makes the task fail with @error, which keeps its domain and code. A
 * cancelled task ends cancelled whatever it returns. A thread task ends when
 * its function returns; a coroutine or external task ends now. Return only once.
 *
 * Since: 1.0
 */
void
tasker_context_return_error (TaskerContext *self,
                             GError        *error)
{
  g_return_if_fail (TASKER_IS_CONTEXT (self));
  g_return_if_fail (error != NULL);

  if (!begin_return (self))
    {
      g_error_free (error);
      return;
    }

  _tasker_task_store_result_error (self->task, error);
  end_return (self);
}

/**
 * tasker_context_return_new_error: (skip)
 * @self: a #TaskerContext
 * @domain: the error's domain
 * @code: the error's code
 * @format: a printf() format for the message
 * @...: its arguments
 *
 * Like [method@Tasker.Context.return_error], building the error.
 *
 * Since: 1.0
 */
void
tasker_context_return_new_error (TaskerContext *self,
                                 GQuark         domain,
                                 int            code,
                                 const char    *format,
                                 ...)
{
  GError *error;
  va_list args;

  g_return_if_fail (TASKER_IS_CONTEXT (self));
  g_return_if_fail (format != NULL);

  va_start (args, format);
  error = g_error_new_valist (domain, code, format, args);
  va_end (args);

  tasker_context_return_error (self, error);
}

/**
 * tasker_context_return_error_if_cancelled:
 * @self: a #TaskerContext
 *
 * If the task was cancelled, returns %G_IO_ERROR_CANCELLED as its error.
 *
 * Returns: %TRUE if the task was cancelled (and has now returned)
 *
 * Since: 1.0
 */
gboolean
tasker_context_return_error_if_cancelled (TaskerContext *self)
{
  g_return_val_if_fail (TASKER_IS_CONTEXT (self), FALSE);

  if (!tasker_context_is_cancelled (self))
    return FALSE;

  tasker_context_return_new_error (self, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   "Task was cancelled");
  return TRUE;
}
