/* tasker-manager-delivery.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

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

/* The delivery engine: what other threads report (the inbox of messages, the
 * dirty tasks, new submissions) reaches the manager's context through one
 * GSource, woken now (ends, events, cancels) or at the next update interval
 * (progress); each dispatch syncs the tasks, handles the messages within a
 * time budget, and emits ::tasks-updated with the batch's progress at most
 * once per interval. The manager's task sink lives here too. */

#define DISPATCH_BUDGET_USEC (8 * 1000)

/* The manager's source runs at G_PRIORITY_DEFAULT, so that ends and events
 * reach the program as soon as its main loop is free. Under a flood that
 * would keep it ready at every iteration and starve everything of lower
 * priority: GTK's layout and painting (GDK_PRIORITY_REDRAW, that is
 * G_PRIORITY_HIGH_IDLE + 20; the library does not link GTK) and idle work.
 * So once it has spent DISPATCH_BUDGET_USEC, in one dispatch or several, it
 * drops to this priority for one dispatch: that main-loop iteration paints a
 * due frame and runs the ready idle sources of G_PRIORITY_DEFAULT_IDLE
 * along with it (DESIGN.md §4 Bounds: the manager yields within a frame). */
#define YIELD_PRIORITY G_PRIORITY_DEFAULT_IDLE

static void
msg_clear (Msg *msg)
{
  if (msg->type != MSG_RETURNED)
    g_clear_object (&msg->task);
  g_clear_pointer (&msg->name, g_free);
  g_clear_pointer (&msg->data, g_variant_unref);
}

void
_tasker_manager_wake_now_locked (TaskerManager *self)
{
  if (self->wake != WAKE_NOW && self->source != NULL)
    {
      self->wake = WAKE_NOW;
      g_source_set_ready_time (self->source, 0);
    }
}

void
_tasker_manager_wake_later_locked (TaskerManager *self)
{
  if (self->wake == WAKE_NONE && self->source != NULL)
    {
      self->wake = WAKE_LATER;
      g_source_set_ready_time (self->source, self->next_update_time);
    }
}

void
_tasker_manager_push_msg_locked (TaskerManager *self,
                                 MsgType        type,
                                 TaskerTask    *task,
                                 const char    *name,
                                 GVariant      *data)
{
  Msg msg = {
    .type = type,
    .task = g_object_ref (task),
    .name = g_strdup (name),
    .data = data != NULL ? g_variant_ref (data) : NULL,
  };

  g_array_append_val (self->inbox, msg);
  _tasker_manager_wake_now_locked (self);
}

/* The runners' reports go on two lock-free stacks, linked through the tasks:
 * a pool thread reports a start (dirty) or a return without the manager's
 * lock, which a submit holds, so that the pool threads do not queue behind
 * every submit (and each submit then wake them). Any thread pushes; the
 * manager's context takes a whole stack at once, so no entry is ever popped
 * alone (no ABA). Returns whether the stack was empty: that pusher wakes the
 * manager's context, whose taking (take_shared_work()) comes after it clears
 * its wake state. */
static gboolean
task_stack_push (TaskerTask **stack,
                 TaskerTask  *task,
                 TaskerTask **link)
{
  TaskerTask *head = __atomic_load_n (stack, __ATOMIC_RELAXED);

  do
    *link = head;
  while (!__atomic_compare_exchange_n (stack, &head, task, TRUE, __ATOMIC_RELEASE, __ATOMIC_RELAXED));

  return head == NULL;
}

/* Takes over a reference to @task, which has its dirty mark. */
void
_tasker_manager_push_dirty_locked (TaskerManager *self,
                                   TaskerTask    *task)
{
  task_stack_push (&self->dirty_stack, task, &task->dirty_next);
  _tasker_manager_wake_later_locked (self);
}

double
_tasker_manager_compute_progress (TaskerManager *self)
{
  double progress;

  if (self->batch_seen == 0)
    return 1.0;

  /* The running sum drifts; with every task finished the answer is exact. */
  if (self->batch_finished == self->batch_seen)
    return 1.0;

  progress = (self->batch_finished + self->batch_live_progress) / self->batch_seen;

  return CLAMP (progress, 0.0, 1.0);
}

/* A parent weighted by its children hears of @child's progress, @value
 * (1 once it has ended). */
void
_tasker_manager_share_with_parent (TaskerManager *self,
                                   TaskerTask    *child,
                                   double         value)
{
  TaskerTask *parent = child->tree.parent;

  if (parent == NULL || parent->tree.children_weight <= 0.0 || _tasker_task_is_final (parent))
    return;

  if (!child->tree.shared_with_parent)
    {
      child->tree.shared_with_parent = TRUE;
      child->tree.parent_share = 0.0;
      parent->tree.n_children_seen++;
    }
  parent->tree.children_progress_sum += value - child->tree.parent_share;
  child->tree.parent_share = value;

  _tasker_manager_sync_task (self, parent);
}

guint
_tasker_manager_sync_task_quietly (TaskerManager *self,
                                   TaskerTask    *task)
{
  double old_progress = task->progress;
  guint changed = _tasker_task_sync (task);

  if (changed != 0)
    {
      if (task->slot.counted)
        self->batch_live_progress += task->progress - old_progress;
      self->emit_pending = TRUE;
      if (changed & TASKER_TASK_CHANGED_PROGRESS)
        _tasker_manager_share_with_parent (self, task, task->progress);
    }

  return changed;
}

void
_tasker_manager_sync_task (TaskerManager *self,
                           TaskerTask    *task)
{
  guint changed = _tasker_manager_sync_task_quietly (self, task);

  _tasker_task_notify (task, changed);

  if (changed & TASKER_TASK_CHANGED_STARTED)
    _tasker_manager_task_started (self, task);
}

/* An event of @task leaves the inbox: its senders may go on once half the
 * bound is free (fewer wake-ups than at every event). */
static void
event_taken (TaskerManager *self,
             TaskerTask    *task)
{
  g_mutex_lock (&self->lock);
  task->slot.events_queued--;
  if (task->slot.events_queued <= TASKER_TASK_EVENTS_MAX / 2)
    {
      if (task->slot.events_waiters > 0)
        g_cond_broadcast (&self->events_cond);
      if (task->slot.events_throttled)
        {
          task->slot.events_throttled = FALSE;
          _tasker_process_runner_resume (self->processes, task);
        }
    }
  g_mutex_unlock (&self->lock);
}

static void
handle_msg (TaskerManager *self,
            Msg           *msg)
{
  switch (msg->type)
    {
    case MSG_START:
      _tasker_manager_handle_start (self, msg->task);
      break;

    case MSG_EVENT:
      event_taken (self, msg->task);
      if (!_tasker_task_is_final (msg->task) && msg->task->options != NULL)
        {
          _tasker_manager_sync_task (self, msg->task);
          _tasker_task_options_call_event (msg->task->options, msg->task, msg->name, msg->data);
        }
      break;

    case MSG_RETURNED:
      _tasker_manager_handle_returned (self, msg->task);
      break;

    case MSG_CANCEL:
      _tasker_manager_handle_cancel (self, msg->task);
      break;

    case MSG_DEPENDENCY_FAILED:
      _tasker_manager_handle_dependency_failed (self, msg->task);
      break;

    default:
      g_assert_not_reached ();
    }

  msg_clear (msg);
}

static void
maybe_emit (TaskerManager *self,
            gint64         now)
{
  guint n_unfinished;

  g_mutex_lock (&self->lock);
  n_unfinished = self->n_unfinished;
  g_mutex_unlock (&self->lock);

  if (self->emit_pending)
    {
      if (now < self->last_emit_time + self->interval_usec)
        {
          g_mutex_lock (&self->lock);
          _tasker_manager_wake_later_locked (self);
          g_mutex_unlock (&self->lock);
          return;
        }

      self->emit_pending = FALSE;
      self->last_emit_time = now;
      g_signal_emit (self, _tasker_manager_signals[TASKS_UPDATED], 0, self->live, _tasker_manager_compute_progress (self));
    }

  if (n_unfinished == 0 && !self->emit_pending &&
      g_list_model_get_n_items (G_LIST_MODEL (self->live)) == 0)
    {
      /* Idle: the batch is over. */
      self->batch_seen = 0;
      self->batch_finished = 0;
      self->batch_live_progress = 0.0;

      g_mutex_lock (&self->lock);
      if (self->n_unfinished == 0 && self->inbox->len == 0 && self->submitted->len == 0)
        {
          self->settled = TRUE;
          g_cond_broadcast (&self->settled_cond);
        }
      g_mutex_unlock (&self->lock);
    }
}

/* Takes what other threads left under the lock: new tasks, dirty ones,
 * messages. */
static void
take_shared_work (TaskerManager *self,
                  gint64         now)
{
  TaskerTask *dirty, *returned;
  guint n_returned;

  g_mutex_lock (&self->lock);
  g_source_set_ready_time (self->source, -1);
  self->wake = WAKE_NONE;
  self->interval_usec = (gint64) self->update_interval_ms * 1000;
  self->next_update_time = now + self->interval_usec;
  if (self->submitted->len > 0)
    {
      GPtrArray *swap = self->submitted;
      self->submitted = self->work_submitted;
      self->work_submitted = swap;
    }
  if (self->inbox->len > 0)
    {
      g_array_append_vals (self->work_inbox, self->inbox->data, self->inbox->len);
      g_array_set_size (self->inbox, 0);
    }
  /* The stacks after the wake state is cleared: a push that finds one
   * empty from now on wakes us again. */
  dirty = __atomic_exchange_n (&self->dirty_stack, NULL, __ATOMIC_ACQUIRE);
  returned = __atomic_exchange_n (&self->returned_stack, NULL, __ATOMIC_ACQUIRE);
  g_mutex_unlock (&self->lock);

  /* In the order they were pushed. work_dirty is empty between dispatches. */
  for (TaskerTask *task = dirty; task != NULL; task = task->dirty_next)
    g_ptr_array_add (self->work_dirty, task);
  for (guint i = 0, j = self->work_dirty->len; i + 1 < j; i++, j--)
    {
      gpointer swap = self->work_dirty->pdata[i];
      self->work_dirty->pdata[i] = self->work_dirty->pdata[j - 1];
      self->work_dirty->pdata[j - 1] = swap;
    }

  /* After the inbox: a task's events, queued before its function returned,
   * are delivered before its end. What was queued after the return (a
   * cancel) changes nothing of how the task ends, which its return decided. */
  n_returned = 0;
  for (TaskerTask *task = returned; task != NULL; task = task->returned_next)
    n_returned++;
  if (n_returned > 0)
    {
      guint end = self->work_inbox->len + n_returned;

      g_array_set_size (self->work_inbox, end);
      for (TaskerTask *task = returned; task != NULL; task = task->returned_next)
        g_array_index (self->work_inbox, Msg, --end) = (Msg) { .type = MSG_RETURNED, .task = task };
    }
}

/* New tasks join the live list and the batch. */
static void
add_submitted (TaskerManager *self)
{
  for (guint i = 0; i < self->work_submitted->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (self->work_submitted, i);

      if (!_tasker_task_is_final (task))
        {
          _tasker_task_list_add (self->live, task);
          /* A waiting task's durable record says what it waits for (DESIGN.md §10). */
          if (task->waits)
            _tasker_manager_sync_task (self, task);
          if (task->durable && self->history != NULL)
            _tasker_history_add (self->history, task);
          task->slot.counted = TRUE;
          self->batch_seen++;
          self->batch_live_progress += task->progress;
          _tasker_manager_share_with_parent (self, task, task->progress);
          self->emit_pending = TRUE;
          /* Its runner holds it back: its message says why. */
          if (g_atomic_int_get (&task->waits_for) != TASKER_WAIT_NONE)
            _tasker_manager_sync_task (self, task);
        }
    }
  /* The references move on: they are the manager's until the task finishes. */
  g_ptr_array_set_size (self->work_submitted, 0);
}

static void
sync_dirty (TaskerManager *self)
{
  /* A progress stored just as its task's dirty mark was cleared may have
   * missed that sync, and its task may say nothing more: tasks whose
   * progress moved are looked at once more, a dispatch later. */
  for (guint i = 0; i < self->recheck->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (self->recheck, i);

      if (!_tasker_task_is_final (task) && !__atomic_load_n (&task->dirty, __ATOMIC_SEQ_CST))
        _tasker_manager_sync_task (self, task);
    }
  g_ptr_array_set_size (self->recheck, 0);

  for (guint i = 0; i < self->work_dirty->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (self->work_dirty, i);
      double before = task->progress;

      /* Off the stack: the next report pushes it again. Only here, where it
       * leaves the stack: a mark cleared while the task is still on it
       * would let it be pushed twice, and its link would make a loop. */
      __atomic_store_n (&task->dirty, FALSE, __ATOMIC_SEQ_CST);
      _tasker_manager_sync_task (self, task);
      if (task->progress != before)
        g_ptr_array_add (self->recheck, g_object_ref (task));
    }
  g_ptr_array_set_size (self->work_dirty, 0);
  if (self->recheck->len > 0)
    {
      g_mutex_lock (&self->lock);
      _tasker_manager_wake_later_locked (self);
      g_mutex_unlock (&self->lock);
    }
}

/* Completions, events and cancels, in order, within a time budget so a
 * flood never stalls the main loop; the rest waits for the next round. */
static void
handle_inbox (TaskerManager *self,
              gint64         deadline)
{
  guint i;

  for (i = self->work_inbox_pos; i < self->work_inbox->len; i++)
    {
      handle_msg (self, &g_array_index (self->work_inbox, Msg, i));

      if ((i & 63) == 63 && g_get_monotonic_time () > deadline)
        {
          i++;
          break;
        }
    }
  if (i < self->work_inbox->len)
    {
      self->work_inbox_pos = i;
      g_mutex_lock (&self->lock);
      _tasker_manager_wake_now_locked (self);
      g_mutex_unlock (&self->lock);
    }
  else
    {
      self->work_inbox_pos = 0;
      g_array_set_size (self->work_inbox, 0);
    }
}

/* Delivers updates (not to be confused with starting an attempt, which is
 * start_attempt_locked() in tasker-manager-admission.c). */
static gboolean
tasker_manager_dispatch (TaskerManager *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 deadline = now + DISPATCH_BUDGET_USEC;

  __atomic_add_fetch (&self->n_wakeups, 1, __ATOMIC_RELAXED);

  /* A done function may drop the last reference to the manager. */
  g_object_ref (self);
  self->dispatching = TRUE;

  /* Yielded once: back to our own priority. */
  if (self->yielding)
    {
      self->yielding = FALSE;
      g_source_set_priority (self->source, G_PRIORITY_DEFAULT);
    }

  take_shared_work (self, now);
  add_submitted (self);
  sync_dirty (self);
  handle_inbox (self, deadline);

  if (_tasker_task_list_commit (self->live))
    self->emit_pending = TRUE;

  maybe_emit (self, g_get_monotonic_time ());

  /* A frame's worth of work since we last let lower priorities run (in one
   * flood or over a long time, both harmless): yield, see YIELD_PRIORITY. */
  self->busy_usec += g_get_monotonic_time () - now;
  if (self->busy_usec > DISPATCH_BUDGET_USEC)
    {
      self->busy_usec = 0;
      self->yielding = TRUE;
      g_source_set_priority (self->source, YIELD_PRIORITY);
    }

  self->dispatching = FALSE;
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

static gboolean
manager_source_dispatch (GSource     *source,
                         GSourceFunc  callback,
                         gpointer     user_data)
{
  return tasker_manager_dispatch (((ManagerSource *) source)->manager);
}

static GSourceFuncs manager_source_funcs = {
  .dispatch = manager_source_dispatch,
};

/* The one source that delivers everything to the manager's context. */
GSource *
_tasker_manager_source_new (TaskerManager *self)
{
  GSource *source = g_source_new (&manager_source_funcs, sizeof (ManagerSource));

  ((ManagerSource *) source)->manager = self;
  g_source_set_static_name (source, "[tasker-manager]");
  g_source_set_priority (source, G_PRIORITY_DEFAULT);

  return source;
}

guint64
_tasker_manager_get_n_wakeups (TaskerManager *self)
{
  return __atomic_load_n (&self->n_wakeups, __ATOMIC_RELAXED);
}

/* Any thread: @task has new progress or message, or has started. Its dirty
 * flag is already set, so this runs once per delivery at most. */
void
_tasker_manager_task_dirty (TaskerManager *self,
                            TaskerTask    *task)
{
  _tasker_manager_task_dirty_take (self, g_object_ref (task));
}

/* As _tasker_manager_task_dirty(), taking over the caller's reference. */
void
_tasker_manager_task_dirty_take (TaskerManager *self,
                                 TaskerTask    *task)
{
  if (task_stack_push (&self->dirty_stack, task, &task->dirty_next))
    {
      g_mutex_lock (&self->lock);
      _tasker_manager_wake_later_locked (self);
      g_mutex_unlock (&self->lock);
    }
}

void
_tasker_manager_task_flush (TaskerManager *self,
                            TaskerTask    *task)
{
  g_mutex_lock (&self->lock);
  if (!__atomic_exchange_n (&task->dirty, TRUE, __ATOMIC_ACQ_REL))
    task_stack_push (&self->dirty_stack, g_object_ref (task), &task->dirty_next);
  _tasker_manager_wake_now_locked (self);
  g_mutex_unlock (&self->lock);
}

/* Any thread: queues an event of @task. Nothing a task sends grows the
 * manager without limit (DESIGN.md §4 Bounds): with TASKER_TASK_EVENTS_MAX
 * of its events undelivered, a sender that @may_wait waits until the
 * manager's context has delivered half of them. The process runner, which
 * serves every worker, may not: it is told the task is over the bound (TRUE)
 * and reads no more of that worker until _tasker_process_runner_resume().
 * The thread running the manager's context cannot wait for itself (a
 * coroutine's events queue on); a cancelled task's events past the bound are
 * dropped, so that a task nobody drains any more can still end. */
gboolean
_tasker_manager_task_event (TaskerManager *self,
                            TaskerTask    *task,
                            const char    *name,
                            GVariant      *data,
                            gboolean       may_wait)
{
  gboolean over;

  g_mutex_lock (&self->lock);
  if (may_wait && task->slot.events_queued >= TASKER_TASK_EVENTS_MAX &&
      !g_main_context_is_owner (self->context))
    {
      task->slot.events_waiters++;
      while (task->slot.events_queued >= TASKER_TASK_EVENTS_MAX && !g_atomic_int_get (&task->cancel_requested))
        g_cond_wait (&self->events_cond, &self->lock);
      task->slot.events_waiters--;
      if (task->slot.events_queued >= TASKER_TASK_EVENTS_MAX)
        {
          g_mutex_unlock (&self->lock);
          return FALSE;
        }
    }
  task->slot.events_queued++;
  _tasker_manager_push_msg_locked (self, MSG_EVENT, task, name, data);
  over = task->slot.events_queued >= TASKER_TASK_EVENTS_MAX;
  if (over && !may_wait)
    task->slot.events_throttled = TRUE;
  g_mutex_unlock (&self->lock);

  return over;
}

guint
_tasker_manager_count_events (TaskerManager *self,
                              TaskerTask    *task)
{
  guint n = 0;

  /* Delivered ones have let go of their task. */
  for (guint i = self->work_inbox_pos; i < self->work_inbox->len; i++)
    {
      Msg *msg = &g_array_index (self->work_inbox, Msg, i);

      n += msg->type == MSG_EVENT && msg->task == task;
    }
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->inbox->len; i++)
    {
      Msg *msg = &g_array_index (self->inbox, Msg, i);

      n += msg->type == MSG_EVENT && msg->task == task;
    }
  g_mutex_unlock (&self->lock);

  return n;
}

/* Any thread: the task's function has ended (a thread task's returned, or a
 * coroutine returned a result). The manager's reference keeps @task alive. */
void
_tasker_manager_task_returned (TaskerManager *self,
                               TaskerTask    *task)
{
  if (task_stack_push (&self->returned_stack, task, &task->returned_next))
    {
      g_mutex_lock (&self->lock);
      _tasker_manager_wake_now_locked (self);
      g_mutex_unlock (&self->lock);
    }
}

/* The manager's task sink. @dirty and @returned come from the task's runner
 * while it runs (the task holds its manager); the others through
 * _tasker_task_hold_sink(), which holds the manager for them. */

static GObject *
sink_hold (TaskerTask *task)
{
  return G_OBJECT (_tasker_task_ref_manager (task));
}

static void
sink_dirty (TaskerTask *task)
{
  _tasker_manager_task_dirty (task->manager, task);
}

static void
sink_dirty_take (TaskerTask *task)
{
  _tasker_manager_task_dirty_take (task->manager, task);
}

static void
sink_flush (TaskerTask *task)
{
  _tasker_manager_task_flush (task->manager, task);
}

static gboolean
sink_event (TaskerTask *task,
            const char *name,
            GVariant   *data,
            gboolean    may_wait)
{
  return _tasker_manager_task_event (task->manager, task, name, data, may_wait);
}

static void
sink_returned (TaskerTask *task)
{
  _tasker_manager_task_returned (task->manager, task);
}

static void
sink_cancel (TaskerTask   *task,
             const GError *reason)
{
  _tasker_manager_task_cancel (task->manager, task, reason);
}

const TaskerTaskSink _tasker_manager_task_sink = {
  .hold = sink_hold,
  .dirty = sink_dirty,
  .dirty_take = sink_dirty_take,
  .flush = sink_flush,
  .event = sink_event,
  .log = NULL,          /* the task keeps its log lines itself */
  .returned = sink_returned,
  .cancel = sink_cancel,
};

/* --- property notifications on the manager's context --------------------- */

typedef struct
{
  TaskerManager *manager;  /* (owned) */
  guint          prop_id;
} Notify;

static gboolean
notify_cb (gpointer data)
{
  Notify *notify = data;

  g_object_notify_by_pspec (G_OBJECT (notify->manager), _tasker_manager_properties[notify->prop_id]);
  return G_SOURCE_REMOVE;
}

static void
notify_free (gpointer data)
{
  Notify *notify = data;

  g_object_unref (notify->manager);
  g_free (notify);
}

/* Property notifications run on the manager's context, like everything
 * else it emits: at once from inside its dispatch, else soon after. */
void
_tasker_manager_notify_on_context (TaskerManager *self,
                                   guint          prop_id)
{
  Notify *notify;
  GSource *source;

  /* The thread-default context says nothing: every thread without one
   * gets the global default. Only an owner is known to be its thread. */
  if (g_main_context_is_owner (self->context))
    {
      g_object_notify_by_pspec (G_OBJECT (self), _tasker_manager_properties[prop_id]);
      return;
    }

  notify = g_new0 (Notify, 1);
  notify->manager = g_object_ref (self);
  notify->prop_id = prop_id;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[tasker-notify]");
  g_source_set_callback (source, notify_cb, notify, notify_free);
  g_source_attach (source, self->context);
  g_source_unref (source);
}
