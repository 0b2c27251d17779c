/* tasker-manager.c
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
 * [method@Tasker.Manager.add_coroutine] (an asynchronous function on the main
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

typedef enum {
  MSG_START,     /* a coroutine (or a task without a function) is due to start */
  MSG_EVENT,
  MSG_RETURNED,  /* the task's function has ended; no reference held */
  MSG_CANCEL,
} MsgType;

typedef struct
{
  MsgType     type;
  TaskerTask *task;   /* (owned) except for MSG_RETURNED */
  char       *name;   /* (owned) (nullable) */
  GVariant   *data;   /* (owned) (nullable) */
} Msg;

typedef enum {
  WAKE_NONE,
  WAKE_LATER,   /* at the next update interval */
  WAKE_NOW,
} Wake;

typedef struct
{
  GSource        source;
  TaskerManager *manager;  /* (unowned): the manager destroys the source */
} ManagerSource;

struct _TaskerManager
{
  GObject             parent_instance;

  GMainContext       *context;            /* (owned) */
  GSource            *source;             /* (owned) the one source that delivers everything */
  TaskerThreadRunner *threads;            /* (owned) */
  TaskerProcessRunner *processes;         /* (owned) (nullable) made for the first process task, protected by @lock */
  TaskerTaskList     *live;               /* (owned) unfinished tasks; manager's context only */

  GMutex              lock;
  GCond               settled_cond;
  GCond               events_cond;        /* a task's undelivered events went down to half the bound */
  GHashTable         *keys;               /* (owned) key → live task (borrowed), protected by @lock */
  GPtrArray          *submitted;          /* (owned) (element-type TaskerTask) the manager's references, protected by @lock */
  GPtrArray          *dirty;              /* (owned) (element-type TaskerTask) protected by @lock */
  GArray             *inbox;              /* (owned) (element-type Msg) protected by @lock */
  TaskerTask         *unfinished;         /* head of the list of unfinished tasks, protected by @lock */
  guint               n_unfinished;       /* protected by @lock */
  Wake                wake;               /* protected by @lock */
  gint64              next_update_time;   /* monotonic µs, protected by @lock */
  guint               update_interval_ms; /* protected by @lock */
  TaskerProcessLimits process_limits;     /* protected by @lock */
  TaskerTaskOptions  *default_options;    /* (owned) (nullable) protected by @lock */
  TaskerPolicy        default_policy;     /* of @default_options, protected by @lock */
  GHashTable         *queues;             /* (owned) name → TaskerQueue, protected by @lock */
  guint16             node_id;            /* protected by @lock */
  TaskerHistory      *history;            /* (owned) (nullable) read on the manager's context, swapped under @lock */
  char               *history_path;       /* (owned) (nullable) protected by @lock */
  guint               history_max_age_days; /* protected by @lock */
  guint               history_max_count;  /* protected by @lock */
  GPtrArray          *closing_histories;  /* (owned) (nullable) refs of replaced ones still closing, @lock */
  guint               log_max_lines;      /* protected by @lock */
  guint               log_max_bytes;      /* protected by @lock */
  guint               shut_down : 1;      /* protected by @lock */
  guint               settled : 1;        /* protected by @lock */

  /* Manager's context only. */
  GPtrArray          *work_submitted;
  GPtrArray          *work_dirty;
  GPtrArray          *recheck;            /* (element-type TaskerTask) whose progress moved last dispatch */
  GArray             *work_inbox;
  guint               work_inbox_pos;
  gint64              last_emit_time;
  gint64              interval_usec;      /* @update_interval_ms as of this dispatch */
  guint               batch_seen;
  guint               batch_finished;
  double              batch_live_progress;  /* sum of the progress of the batch's unfinished tasks */
  gint64              busy_usec;          /* spent dispatching since the source last yielded */
  guint               emit_pending : 1;
  guint               dispatching : 1;    /* inside tasker_manager_dispatch() */
  guint               yielding : 1;       /* the source runs at YIELD_PRIORITY once */

  guint64             n_wakeups;          /* (atomic) */
};

enum {
  PROP_0,
  PROP_CONTEXT,
  PROP_UPDATE_INTERVAL,
  PROP_MAX_THREADS,
  PROP_MAX_WORKERS,
  PROP_CANCEL_GRACE,
  PROP_WORKER_MAX_TASKS,
  PROP_WORKER_IDLE_TIMEOUT,
  PROP_NODE_ID,
  PROP_DEFAULT_OPTIONS,
  PROP_HISTORY_PATH,
  PROP_HISTORY_MAX_AGE_DAYS,
  PROP_HISTORY_MAX_COUNT,
  PROP_LOG_MAX_LINES,
  PROP_LOG_MAX_BYTES,
  N_PROPS
};

enum {
  TASKS_UPDATED,
  TASK_STARTED,
  TASK_FINISHED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (TaskerManager, tasker_manager, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

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

static void
wake_now_locked (TaskerManager *self)
{
  if (self->wake != WAKE_NOW && self->source != NULL)
    {
      self->wake = WAKE_NOW;
      g_source_set_ready_time (self->source, 0);
    }
}

static void
wake_later_locked (TaskerManager *self)
{
  if (self->wake == WAKE_NONE && self->source != NULL)
    {
      self->wake = WAKE_LATER;
      g_source_set_ready_time (self->source, self->next_update_time);
    }
}

static void
push_msg_locked (TaskerManager *self,
                 MsgType        type,
                 TaskerTask    *task,
                 const char    *name,
                 GVariant      *data)
{
  Msg msg = {
    .type = type,
    .task = type == MSG_RETURNED ? task : g_object_ref (task),
    .name = g_strdup (name),
    .data = data != NULL ? g_variant_ref (data) : NULL,
  };

  g_array_append_val (self->inbox, msg);
  wake_now_locked (self);
}

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

static void
unfinished_unlink_locked (TaskerManager *self,
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

static double
compute_progress (TaskerManager *self)
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

static void sync_task (TaskerManager *self,
                       TaskerTask    *task);

/* A parent weighted by its children hears of @child's progress, @value
 * (1 once it has ended). */
static void
share_with_parent (TaskerManager *self,
                   TaskerTask    *child,
                   double         value)
{
  TaskerTask *parent = child->tree.parent;

  if (parent == NULL || parent->tree.children_weight <= 0.0 || tasker_task_is_final (parent))
    return;

  if (!child->tree.shared_with_parent)
    {
      child->tree.shared_with_parent = TRUE;
      child->tree.parent_share = 0.0;
      parent->tree.n_children_seen++;
    }
  parent->tree.children_progress_sum += value - child->tree.parent_share;
  child->tree.parent_share = value;

  sync_task (self, parent);
}

static guint
sync_task_quietly (TaskerManager *self,
                   TaskerTask    *task)
{
  double old_progress = task->progress;
  guint changed;

  __atomic_store_n (&task->dirty, FALSE, __ATOMIC_SEQ_CST);
  changed = _tasker_task_sync (task);

  if (changed != 0)
    {
      if (task->slot.counted)
        self->batch_live_progress += task->progress - old_progress;
      self->emit_pending = TRUE;
      if (changed & TASKER_TASK_CHANGED_PROGRESS)
        share_with_parent (self, task, task->progress);
    }

  return changed;
}

static GError *
timed_out_error (guint timeout_ms)
{
  return g_error_new (TASKER_ERROR, TASKER_ERROR_TIMED_OUT, "timed out after %u ms", timeout_ms);
}

static gboolean
timeout_cb (gpointer data)
{
  TaskerTask *task = data;
  g_autoptr(GError) reason = timed_out_error (task->policy.timeout_ms);

  g_clear_pointer (&task->slot.timeout_source, g_source_unref);
  _tasker_manager_task_cancel (task->manager, task, reason);

  return G_SOURCE_REMOVE;
}

/* The task has started: its timeout counts from now. */
static void
task_started (TaskerManager *self,
              TaskerTask    *task)
{
  if (task->policy.timeout_ms > 0 && task->slot.timeout_source == NULL)
    {
      task->slot.timeout_source = g_timeout_source_new (task->policy.timeout_ms);
      g_source_set_callback (task->slot.timeout_source, timeout_cb, task, NULL);
      g_source_set_static_name (task->slot.timeout_source, "[tasker-timeout]");
      g_source_attach (task->slot.timeout_source, self->context);
    }

  if (task->durable && self->history != NULL)
    _tasker_history_add (self->history, task);

  g_signal_emit (self, signals[TASK_STARTED], 0, task);
}

static void
sync_task (TaskerManager *self,
           TaskerTask    *task)
{
  guint changed = sync_task_quietly (self, task);

  _tasker_task_notify (task, changed);

  if (changed & TASKER_TASK_CHANGED_STARTED)
    task_started (self, task);
}

/* Only a queued or retried task gets a message of the manager's own; the
 * others skip the task-lock round trip of clearing one. */
static inline gboolean
may_have_manager_message (TaskerTask *task)
{
  return task->slot.queue != NULL || task->policy.max_attempts > 1;
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static guint get_process_limit (TaskerManager *self,
                                const guint   *field);
static void set_history_limit  (TaskerManager *self,
                                guint          prop_id,
                                guint          value);
static void set_log_limit      (TaskerManager *self,
                                guint          prop_id,
                                guint          value);
static void finish_parent      (TaskerManager *self,
                                TaskerTask    *parent);
static void admit_locked       (TaskerManager *self,
                                TaskerTask    *task);
static void leave_queue_locked (TaskerManager *self,
                                TaskerTask    *task);

/* @task has ended: its parent hears of it. Returns the parent, referenced,
 * if it was waiting for this last child. */
static TaskerTask *
child_ended_locked (TaskerTask *task)
{
  TaskerTask *parent = task->tree.parent;

  g_ptr_array_remove_fast (parent->tree.children, task);

  if (task->status == TASKER_TASK_STATUS_FAILED && !parent->tree.ignore_child_failures &&
      parent->tree.child_error == NULL)
    parent->tree.child_error = g_error_new (TASKER_ERROR, TASKER_ERROR_FAILED,
                                       "child task %" G_GUINT64_FORMAT " failed: %s",
                                       task->id, task->error != NULL ? task->error->message : "");

  if (parent->tree.awaiting_children && parent->tree.children->len == 0 && parent->slot.unfinished)
    return g_object_ref (parent);

  return NULL;
}

/* The task reaches its final status: everything that hangs off that, in order. */
static void
finish_task (TaskerManager    *self,
             TaskerTask       *task,
             TaskerTaskStatus  status,
             GError           *error)
{
  double old_progress;
  guint changed;
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(TaskerTask) parent = NULL;

  /* A message of the manager's own goes with the pending state; what the
   * function set until now is delivered before the end. */
  if (may_have_manager_message (task))
    _tasker_task_store_manager_message (task, NULL);
  changed = sync_task_quietly (self, task);
  if (changed & TASKER_TASK_CHANGED_STARTED)
    g_signal_emit (self, signals[TASK_STARTED], 0, task);

  clear_source (&task->slot.timeout_source);

  old_progress = task->progress;
  _tasker_task_finish (task, status, error);

  changed |= TASKER_TASK_CHANGED_STATUS;
  if (task->progress != old_progress)
    changed |= TASKER_TASK_CHANGED_PROGRESS;

  if (task->slot.counted)
    {
      self->batch_live_progress -= old_progress;
      self->batch_finished++;
    }
  self->emit_pending = TRUE;

  g_mutex_lock (&self->lock);
  if (task->key != NULL && g_hash_table_lookup (self->keys, task->key) == task)
    g_hash_table_remove (self->keys, task->key);
  unfinished_unlink_locked (self, task);
  if (task->slot.queue != NULL)
    leave_queue_locked (self, task);
  if (task->tree.parent != NULL)
    parent = child_ended_locked (task);
  g_mutex_unlock (&self->lock);

  clear_source (&task->slot.retry_source);

  if (task->slot.in_list)
    _tasker_task_list_remove (self->live, task);

  _tasker_task_notify (task, changed);
  g_signal_emit (self, signals[TASK_FINISHED], 0, task);

  /* Queued for the history's writer: no disk I/O here. A durable task the
   * shutdown cancelled did not end for its program: it stays unfinished. */
  if (self->history != NULL && task->durable && status == TASKER_TASK_STATUS_CANCELLED &&
      g_atomic_int_get (&task->shutdown_cancelled))
    _tasker_history_add_interrupted (self->history, task);
  else if (self->history != NULL)
    _tasker_history_add (self->history, task);

  options = _tasker_task_steal_options (task);
  if (options != NULL)
    _tasker_task_options_call_done (options, task);

  /* The task's data is freed here, on the manager's context. */
  _tasker_task_free_func_data (task);

  /* An ended child counts whole in its parent's progress. */
  share_with_parent (self, task, 1.0);

  /* The reference taken at submit. */
  g_object_unref (task);

  /* A parent that waited for its last child ends now. */
  if (parent != NULL)
    finish_parent (self, parent);
}

/* A timeout is a cancel that counts as a failure. */
static void
finish_cancelled (TaskerManager *self,
                  TaskerTask    *task)
{
  GError *error = _tasker_task_dup_cancel_error (task);

  finish_task (self, task, _tasker_task_cancel_status (error), error);
}

static char *
format_delay (guint delay_ms)
{
  if (delay_ms < 1000)
    return g_strdup_printf ("%u ms", delay_ms);
  if (delay_ms % 1000 == 0)
    return g_strdup_printf ("%u s", delay_ms / 1000);
  return g_strdup_printf ("%.1f s", delay_ms / 1000.0);
}

static gboolean
retry_cb (gpointer data)
{
  TaskerTask *task = data;
  TaskerManager *self = task->manager;

  g_clear_pointer (&task->slot.retry_source, g_source_unref);

  g_mutex_lock (&self->lock);
  admit_locked (self, task);
  g_mutex_unlock (&self->lock);

  return G_SOURCE_REMOVE;
}

/* The attempt failed and another follows: the task waits, pending, holding
 * no thread, worker or slot, its message saying when it retries. */
static void
schedule_retry (TaskerManager *self,
                TaskerTask    *task)
{
  guint delay_ms = _tasker_policy_retry_delay (&task->policy, task->attempt, g_random_double ());
  g_autofree char *delay = format_delay (delay_ms);
  g_autofree char *message = NULL;
  guint changed;

  clear_source (&task->slot.timeout_source);

  g_mutex_lock (&self->lock);
  if (task->slot.queue != NULL)
    leave_queue_locked (self, task);
  g_mutex_unlock (&self->lock);

  changed = _tasker_task_prepare_retry (task);
  message = g_strdup_printf ("Retrying in %s, attempt %u of %u",
                             delay, task->attempt + 1, task->policy.max_attempts);
  _tasker_task_store_manager_message (task, message);
  changed |= sync_task_quietly (self, task);
  self->emit_pending = TRUE;
  _tasker_task_notify (task, changed);

  task->slot.retry_source = g_timeout_source_new (delay_ms);
  g_source_set_callback (task->slot.retry_source, retry_cb, task, NULL);
  g_source_set_static_name (task->slot.retry_source, "[tasker-retry]");
  g_source_attach (task->slot.retry_source, self->context);
}

/* A parent whose function has ended and whose children all have: its own
 * outcome, unless a child failed it or it was cancelled meanwhile. */
static void
finish_parent (TaskerManager *self,
               TaskerTask    *parent)
{
  TaskerTaskStatus status = parent->tree.pending_status;
  GError *error = g_steal_pointer (&parent->tree.pending_error);

  if (tasker_task_is_final (parent))
    {
      g_clear_error (&error);
      return;
    }

  parent->tree.awaiting_children = FALSE;
  if (g_atomic_int_get (&parent->cancel_requested) && status != TASKER_TASK_STATUS_FAILED)
    {
      g_clear_error (&error);
      status = TASKER_TASK_STATUS_CANCELLED;
      error = _tasker_task_dup_cancel_error (parent);
    }
  else if (status == TASKER_TASK_STATUS_COMPLETED && parent->tree.child_error != NULL)
    {
      status = TASKER_TASK_STATUS_FAILED;
      error = g_error_copy (parent->tree.child_error);
    }

  finish_task (self, parent, status, error);
}

static void
handle_returned (TaskerManager *self,
                 TaskerTask    *task)
{
  TaskerTaskStatus status;
  GError *error = NULL;
  gboolean shut_down, has_children;
  guint attempt;

  if (tasker_task_is_final (task))
    return;

  /* The attempt that ended, whether or not its start was seen yet. */
  status = _tasker_task_end_attempt (task, &attempt, &error);

  /* The lock only for the tasks that may need it: most end here. */
  shut_down = FALSE;
  has_children = FALSE;
  if ((status == TASKER_TASK_STATUS_FAILED && attempt < task->policy.max_attempts) ||
      task->tree.children != NULL)
    {
      g_mutex_lock (&self->lock);
      shut_down = self->shut_down;
      has_children = task->tree.children != NULL && task->tree.children->len > 0;
      g_mutex_unlock (&self->lock);
    }

  /* Any failure is retried while attempts remain; a cancel never is. */
  if (status == TASKER_TASK_STATUS_FAILED && attempt < task->policy.max_attempts && !shut_down)
    {
      /* The start this attempt made is seen before the task goes back. */
      sync_task (self, task);
      g_clear_error (&error);
      schedule_retry (self, task);
      return;
    }

  if (has_children)
    {
      /* RUNNING with no thread until the children have ended. */
      task->tree.pending_status = status;
      task->tree.pending_error = error;
      task->tree.awaiting_children = TRUE;
      clear_source (&task->slot.timeout_source);
      g_mutex_lock (&self->lock);
      if (task->slot.queue != NULL)
        leave_queue_locked (self, task);
      has_children = task->tree.children->len > 0;
      g_mutex_unlock (&self->lock);
      if (!has_children)
        finish_parent (self, task);
      return;
    }

  if (status == TASKER_TASK_STATUS_COMPLETED && task->tree.child_error != NULL)
    {
      status = TASKER_TASK_STATUS_FAILED;
      error = g_error_copy (task->tree.child_error);
    }

  finish_task (self, task, status, error);
}

static void
handle_start (TaskerManager *self,
              TaskerTask    *task)
{
  /* Cancelled before it could start: it never runs (the cancel message ends it). */
  if (g_atomic_int_get (&task->cancel_requested) || !_tasker_task_claim_start (task))
    return;

  sync_task (self, task);

  /* Bad input found at submit fails the task, as it would in a runner. */
  if (task->func == NULL)
    {
      finish_task (self, task, TASKER_TASK_STATUS_FAILED, _tasker_task_end_unrunnable (task));
      return;
    }

  _tasker_coroutine_runner_start (task);
}

static void
handle_cancel (TaskerManager *self,
               TaskerTask    *task)
{
  /* A task that has not started ends now; a running one when its function ends. */
  if (!tasker_task_is_final (task) &&
      g_atomic_int_get (&task->run_state) == TASKER_RUN_STATE_CLAIMED)
    finish_cancelled (self, task);
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
      handle_start (self, msg->task);
      break;

    case MSG_EVENT:
      event_taken (self, msg->task);
      if (!tasker_task_is_final (msg->task) && msg->task->options != NULL)
        {
          sync_task (self, msg->task);
          _tasker_task_options_call_event (msg->task->options, msg->task, msg->name, msg->data);
        }
      break;

    case MSG_RETURNED:
      handle_returned (self, msg->task);
      break;

    case MSG_CANCEL:
      handle_cancel (self, msg->task);
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
          wake_later_locked (self);
          g_mutex_unlock (&self->lock);
          return;
        }

      self->emit_pending = FALSE;
      self->last_emit_time = now;
      g_signal_emit (self, signals[TASKS_UPDATED], 0, self->live, compute_progress (self));
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

static gboolean
tasker_manager_dispatch (TaskerManager *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 deadline = now + DISPATCH_BUDGET_USEC;
  guint i;

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
  if (self->dirty->len > 0)
    {
      GPtrArray *swap = self->dirty;
      self->dirty = self->work_dirty;
      self->work_dirty = swap;
    }
  if (self->inbox->len > 0)
    {
      g_array_append_vals (self->work_inbox, self->inbox->data, self->inbox->len);
      g_array_set_size (self->inbox, 0);
    }
  g_mutex_unlock (&self->lock);

  /* New tasks join the live list and the batch. */
  for (i = 0; i < self->work_submitted->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (self->work_submitted, i);

      if (!tasker_task_is_final (task))
        {
          _tasker_task_list_add (self->live, task);
          if (task->durable && self->history != NULL)
            _tasker_history_add (self->history, task);
          task->slot.counted = TRUE;
          self->batch_seen++;
          self->batch_live_progress += task->progress;
          share_with_parent (self, task, task->progress);
          self->emit_pending = TRUE;
          /* Its runner holds it back: its message says why. */
          if (g_atomic_int_get (&task->waits_for) != TASKER_WAIT_NONE)
            sync_task (self, task);
        }
    }
  /* The references move on: they are the manager's until the task finishes. */
  g_ptr_array_set_size (self->work_submitted, 0);

  /* A progress stored just as its task's dirty mark was cleared may have
   * missed that sync, and its task may say nothing more: tasks whose
   * progress moved are looked at once more, a dispatch later. */
  for (i = 0; i < self->recheck->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (self->recheck, i);

      if (!tasker_task_is_final (task) && !__atomic_load_n (&task->dirty, __ATOMIC_SEQ_CST))
        sync_task (self, task);
    }
  g_ptr_array_set_size (self->recheck, 0);

  for (i = 0; i < self->work_dirty->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (self->work_dirty, i);
      double before = task->progress;

      sync_task (self, task);
      if (task->progress != before)
        g_ptr_array_add (self->recheck, g_object_ref (task));
    }
  g_ptr_array_set_size (self->work_dirty, 0);
  if (self->recheck->len > 0)
    {
      g_mutex_lock (&self->lock);
      wake_later_locked (self);
      g_mutex_unlock (&self->lock);
    }

  /* Completions, events and cancels, in order, within a time budget so a
   * flood never stalls the main loop; the rest waits for the next round. */
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
      wake_now_locked (self);
      g_mutex_unlock (&self->lock);
    }
  else
    {
      self->work_inbox_pos = 0;
      g_array_set_size (self->work_inbox, 0);
    }

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

static void
tasker_manager_constructed (GObject *object)
{
  TaskerManager *self = (TaskerManager *) object;

  G_OBJECT_CLASS (tasker_manager_parent_class)->constructed (object);

  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();

  self->source = g_source_new (&manager_source_funcs, sizeof (ManagerSource));
  ((ManagerSource *) self->source)->manager = self;
  g_source_set_static_name (self->source, "[tasker-manager]");
  g_source_set_priority (self->source, G_PRIORITY_DEFAULT);
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
  g_clear_pointer (&self->dirty, g_ptr_array_unref);
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
      g_value_set_uint (value, get_process_limit (self, &self->history_max_age_days));
      break;

    case PROP_HISTORY_MAX_COUNT:
      g_value_set_uint (value, get_process_limit (self, &self->history_max_count));
      break;

    case PROP_LOG_MAX_LINES:
      g_value_set_uint (value, get_process_limit (self, &self->log_max_lines));
      break;

    case PROP_LOG_MAX_BYTES:
      g_value_set_uint (value, get_process_limit (self, &self->log_max_bytes));
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
      set_history_limit (self, prop_id, g_value_get_uint (value));
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
  properties[PROP_CONTEXT] =
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
  properties[PROP_UPDATE_INTERVAL] =
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
  properties[PROP_MAX_THREADS] =
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
   * Since: 1.0
   */
  properties[PROP_MAX_WORKERS] =
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
  properties[PROP_CANCEL_GRACE] =
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
  properties[PROP_WORKER_MAX_TASKS] =
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
  properties[PROP_WORKER_IDLE_TIMEOUT] =
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
  properties[PROP_NODE_ID] =
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
  properties[PROP_DEFAULT_OPTIONS] =
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
  properties[PROP_HISTORY_PATH] =
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
  properties[PROP_HISTORY_MAX_AGE_DAYS] =
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
  properties[PROP_HISTORY_MAX_COUNT] =
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
  properties[PROP_LOG_MAX_LINES] =
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
  properties[PROP_LOG_MAX_BYTES] =
    g_param_spec_uint ("log-max-bytes", NULL, NULL,
                       1, G_MAXUINT, TASKER_TASK_LOG_MAX_BYTES,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

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
  signals[TASKS_UPDATED] =
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
  signals[TASK_STARTED] =
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
  signals[TASK_FINISHED] =
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
  self->dirty = g_ptr_array_new_with_free_func (g_object_unref);
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

static gboolean
is_process_kind (TaskerTaskKind kind)
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

/* Called with @lock held: the runner's lock comes after ours. */
static void
cancel_in_runner_locked (TaskerManager *self,
                         TaskerTask    *task)
{
  if (is_process_kind (task->kind) && self->processes != NULL)
    _tasker_process_runner_cancel (self->processes, task);
}

/* Cancels @task and every descendant with the same reason. The cancellables
 * to fire go to @to_fire, for the caller to fire once it holds no lock. */
static void
cancel_tree_locked (TaskerManager *self,
                    TaskerTask    *task,
                    const GError  *reason,
                    GPtrArray     *to_fire)
{
  GCancellable *cancellable = NULL;

  if (_tasker_task_request_cancel (task, reason, &cancellable))
    {
      push_msg_locked (self, MSG_CANCEL, task, NULL, NULL);
      cancel_in_runner_locked (self, task);
      /* A sender waiting for room stops waiting (see _tasker_manager_task_event). */
      if (task->slot.events_waiters > 0)
        g_cond_broadcast (&self->events_cond);
    }
  if (cancellable != NULL)
    g_ptr_array_add (to_fire, cancellable);

  if (task->tree.children != NULL)
    for (guint i = 0; i < task->tree.children->len; i++)
      cancel_tree_locked (self, g_ptr_array_index (task->tree.children, i), reason, to_fire);
}

static void
fire_all (GPtrArray *cancellables)
{
  for (guint i = 0; i < cancellables->len; i++)
    g_cancellable_cancel (g_ptr_array_index (cancellables, i));
}

/* Hands an attempt of @task to its runner. */
static void
dispatch_locked (TaskerManager *self,
                 TaskerTask    *task)
{
  /* A message of ours ("Waiting for a free slot", "Retrying in …") is
   * cleared as it starts. */
  if (may_have_manager_message (task) &&
      _tasker_task_store_manager_message (task, NULL) &&
      !__atomic_exchange_n (&task->dirty, TRUE, __ATOMIC_ACQ_REL))
    {
      g_ptr_array_add (self->dirty, g_object_ref (task));
      wake_later_locked (self);
    }

  if (task->kind == TASKER_TASK_KIND_THREAD && task->func != NULL)
    {
      /* A task that finds every thread busy waits, and its sync says so. A
       * new one is looked at when it joins the live list (not counted yet,
       * it is ours alone here); one seen before needs a sync of its own. */
      if (_tasker_thread_runner_push (self->threads, task) && task->slot.counted &&
          !__atomic_exchange_n (&task->dirty, TRUE, __ATOMIC_ACQ_REL))
        {
          g_ptr_array_add (self->dirty, g_object_ref (task));
          wake_later_locked (self);
        }
    }
  else if (task->call != NULL)
    {
      if (self->processes == NULL)
        self->processes = _tasker_process_runner_new (&self->process_limits);
      _tasker_process_runner_push (self->processes, task);
    }
  else
    push_msg_locked (self, MSG_START, task, NULL, NULL);
}

static void
set_manager_message_locked (TaskerManager *self,
                            TaskerTask    *task,
                            const char    *message)
{
  if (_tasker_task_store_manager_message (task, message) &&
      !__atomic_exchange_n (&task->dirty, TRUE, __ATOMIC_ACQ_REL))
    {
      g_ptr_array_add (self->dirty, g_object_ref (task));
      wake_later_locked (self);
    }
}

/* A task due to run takes a slot of its queue, or waits for one. */
static void
admit_locked (TaskerManager *self,
              TaskerTask    *task)
{
  if (task->slot.queue == NULL || _tasker_queue_take_slot (task->slot.queue))
    {
      task->slot.holds_slot = task->slot.queue != NULL;
      dispatch_locked (self, task);
      return;
    }

  task->slot.waits_for_slot = TRUE;
  _tasker_queue_wait (task->slot.queue, task, task->policy.priority);
  set_manager_message_locked (self, task, "Waiting for a free slot");
}

/* The task's attempt is over (or it left its queue): its slot goes to the
 * next task waiting. */
static void
leave_queue_locked (TaskerManager *self,
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
      dispatch_locked (self, next);
      g_object_unref (next);
    }
}

static TaskerQueue *
ensure_queue_locked (TaskerManager *self,
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
      _tasker_queue_is_full (ensure_queue_locked (self, task->policy.queue)))
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
        TaskerTaskFunc      func,
        gpointer            user_data,
        GDestroyNotify      user_data_destroy,
        ProcessCall        *call,
        GError            **error)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GPtrArray) to_fire = g_ptr_array_new_with_free_func (g_object_unref);
  TaskerTask *parent = options != NULL ? _tasker_task_options_get_parent (options) : NULL;
  guint64 trace_id = options != NULL ? _tasker_task_options_get_trace_id (options) : 0;

  task = _tasker_task_new (self, &_tasker_manager_task_sink, kind, key, options, func, user_data, user_data_destroy);
  if (options != NULL)
    {
      task->tree.ignore_child_failures = _tasker_task_options_get_ignore_child_failures (options);
      task->durable = tasker_task_options_get_durable (options);
      task->tree.children_weight = _tasker_task_options_get_children_weight (options);
    }
  if (call != NULL && call->invalid == NULL)
    task->call = call_new (task, call);

  g_mutex_lock (&self->lock);

  _tasker_policy_resolve (options != NULL ? _tasker_task_options_get_policy (options) : NULL,
                          &self->default_policy, &task->policy);

  if (!check_submit_locked (self, task, parent, error))
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }

  if (task->policy.queue != NULL)
    task->slot.queue = ensure_queue_locked (self, task->policy.queue);

  /* Tracing: a given id or the parent's keeps its top 48 bits. */
  if (trace_id == 0 && parent != NULL)
    trace_id = parent->trace_id;
  task->trace_id = trace_id != 0 ? _tasker_trace_relay (trace_id, self->node_id)
                                 : _tasker_trace_new (self->node_id);

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

          cancel_tree_locked (self, old, reason, to_fire);
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
      push_msg_locked (self, MSG_START, task, NULL, NULL);
    }
  else
    admit_locked (self, task);

  /* A child of a cancelled parent is cancelled with it. */
  if (parent != NULL && g_atomic_int_get (&parent->cancel_requested))
    {
      g_autoptr(GError) reason = _tasker_task_dup_cancel_error (parent);

      cancel_tree_locked (self, task, reason, to_fire);
    }

  wake_now_locked (self);

  g_mutex_unlock (&self->lock);

  fire_all (to_fire);

  return g_steal_pointer (&task);
}

/**
 * tasker_manager_run_thread:
 * @self: a #TaskerManager
 * @key: (nullable): a key for the task; a live task with the same key is cancelled
 * @options: (nullable): how the task is named and observed
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy) (nullable):
 *   the function to run in a pool thread
 * @user_data: data for @func
 * @user_data_destroy: (nullable): frees @user_data, on the manager's main
 *   context, once the task has ended
 * @error: return location for an error
 *
 * Runs @func in the manager's thread pool, at most
 * [property@Tasker.Manager:max-threads] at a time. The task ends when @func
 * returns. Safe from any thread; nothing is called inside this call.
 *
 * A task without a function fails with %TASKER_ERROR_INVALID_ARGUMENT.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL if the manager has
 *   been shut down
 *
 * Since: 1.0
 */
TaskerTask *
tasker_manager_run_thread (TaskerManager      *self,
                           const char         *key,
                           TaskerTaskOptions  *options,
                           TaskerTaskFunc      func,
                           gpointer            user_data,
                           GDestroyNotify      user_data_destroy,
                           GError            **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return submit (self, TASKER_TASK_KIND_THREAD, key, options,
                 func, user_data, user_data_destroy, NULL, error);
}

/**
 * tasker_manager_add_coroutine:
 * @self: a #TaskerManager
 * @key: (nullable): a key for the task; a live task with the same key is cancelled
 * @options: (nullable): how the task is named and observed
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy) (nullable):
 *   the function that starts the asynchronous work
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
 * Returns: (transfer full) (nullable): the task, or %NULL if the manager has
 *   been shut down
 *
 * Since: 1.0
 */
TaskerTask *
tasker_manager_add_coroutine (TaskerManager      *self,
                              const char         *key,
                              TaskerTaskOptions  *options,
                              TaskerTaskFunc      func,
                              gpointer            user_data,
                              GDestroyNotify      user_data_destroy,
                              GError            **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return submit (self, TASKER_TASK_KIND_COROUTINE, key, options,
                 func, user_data, user_data_destroy, NULL, error);
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
 * Workers are started when needed, never inside this call, and reused. A
 * task waiting in a worker behind others stays pending until it starts. A
 * worker that crashes, exits, hangs past the task's timeout or writes
 * garbage fails only the task it was running, and is replaced. The worker
 * executable is `$TASKER_WORKER` if set, else the installed one.
 *
 * An entry point that is %NULL or not of the form `module:symbol`, a module
 * or symbol that cannot be found, and arguments too large to send fail the
 * task rather than this call. Safe from any thread.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL if the manager has
 *   been shut down
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
  g_autoptr(GVariant) owned_args = NULL;
  ProcessCall call = { 0 };
  TaskerTask *task;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

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

  task = submit (self, TASKER_TASK_KIND_PROCESS, key, options, NULL, NULL, NULL, &call, error);
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
 * A %NULL or empty @argv, and a program that cannot be started, fail the
 * task rather than this call. Safe from any thread.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL if the manager has
 *   been shut down
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

  task = submit (self, TASKER_TASK_KIND_COMMAND, key, options, NULL, NULL, NULL, &call, error);
  g_clear_error (&call.invalid);

  return task;
}

/**
 * tasker_manager_add_failed_task:
 * @self: a #TaskerManager
 * @key: (nullable): a key for the task; a live task with the same key is cancelled
 * @options: (nullable): how the task is named and observed
 * @kind: the kind of task it stands for
 * @domain: the error's domain
 * @code: the error's code
 * @message: the error's message
 * @error: return location for an error
 *
 * Adds a task that fails, soon, with the given error, as if its runner had
 * found the problem: its done function is called on the main context like
 * any task's. Bindings use it for bad input found while preparing a task
 * (Python: arguments that cannot be pickled), which fails the task rather
 * than the call. Safe from any thread.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL if the manager has
 *   been shut down
 *
 * Since: 1.0
 */
TaskerTask *
tasker_manager_add_failed_task (TaskerManager      *self,
                                const char         *key,
                                TaskerTaskOptions  *options,
                                TaskerTaskKind      kind,
                                GQuark              domain,
                                int                 code,
                                const char         *message,
                                GError            **error)
{
  ProcessCall call = { 0 };
  TaskerTask *task;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options), NULL);
  g_return_val_if_fail (domain != 0, NULL);
  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  call.invalid = g_error_new_literal (domain, code, message);
  task = submit (self, kind, key, options, NULL, NULL, NULL, &call, error);
  g_clear_error (&call.invalid);

  return task;
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

  return compute_progress (self);
}

static gboolean
is_settled (TaskerManager *self)
{
  gboolean settled;

  g_mutex_lock (&self->lock);
  settled = self->settled;
  g_mutex_unlock (&self->lock);

  return settled;
}

static gboolean
deadline_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/**
 * tasker_manager_wait_until_settled:
 * @self: a #TaskerManager
 * @timeout_ms: how long to wait at most, in milliseconds; 0 checks once,
 *   -1 waits for ever
 *
 * Waits until no task is unfinished and nothing is left to deliver: every done
 * function has run and the last [signal@Tasker.Manager::tasks-updated] (an
 * empty list, progress 1) has been emitted. Iterates the manager's main
 * context meanwhile if the calling thread can acquire it; otherwise blocks
 * until the thread running that context gets there. It cannot wait inside
 * one of the manager's own callbacks (a critical warning says so).
 *
 * Returns: %TRUE if the manager settled, %FALSE if the time ran out
 *
 * Since: 1.0
 */
gboolean
tasker_manager_wait_until_settled (TaskerManager *self,
                                   int            timeout_ms)
{
  gint64 deadline;
  gboolean expired = FALSE;
  GSource *timer = NULL;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), FALSE);

  if (is_settled (self))
    return TRUE;
  if (timeout_ms == 0)
    return FALSE;

  deadline = timeout_ms < 0 ? G_MAXINT64 : g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  /* Our source cannot run again while it is dispatching: waiting here would
   * never end. */
  if (g_main_context_is_owner (self->context) && self->dispatching)
    {
      g_critical ("tasker_manager_wait_until_settled() and tasker_manager_shutdown() "
                  "cannot wait inside a callback of the same manager");
      return FALSE;
    }

  /* A thread task waiting for its own manager to settle would wait for
   * itself; and a pool thread must never run the context's callbacks. */
  if (_tasker_thread_runner_in_pool_thread ())
    {
      g_critical ("tasker_manager_wait_until_settled() and tasker_manager_shutdown() "
                  "cannot wait inside a thread task");
      return FALSE;
    }

  if (!g_main_context_acquire (self->context))
    {
      gboolean settled;

      g_mutex_lock (&self->lock);
      while (!self->settled)
        {
          if (timeout_ms < 0)
            g_cond_wait (&self->settled_cond, &self->lock);
          else if (!g_cond_wait_until (&self->settled_cond, &self->lock, deadline))
            break;
        }
      settled = self->settled;
      g_mutex_unlock (&self->lock);

      return settled;
    }

  if (timeout_ms > 0)
    {
      timer = g_timeout_source_new (timeout_ms);
      g_source_set_callback (timer, deadline_cb, &expired, NULL);
      g_source_attach (timer, self->context);
    }

  while (!is_settled (self) && !expired)
    g_main_context_iteration (self->context, TRUE);

  if (timer != NULL)
    {
      g_source_destroy (timer);
      g_source_unref (timer);
    }

  g_main_context_release (self->context);

  return is_settled (self);
}

/**
 * tasker_manager_shutdown:
 * @self: a #TaskerManager
 * @grace_ms: how long to wait for tasks to end, in milliseconds
 *
 * Stops accepting work (submissions fail with %TASKER_ERROR_SHUT_DOWN),
 * cancels every unfinished task and waits up to @grace_ms for them to end,
 * as [method@Tasker.Manager.wait_until_settled] does. Then it kills every
 * worker process and command still running and reaps them all, so no child
 * outlives this call. Thread tasks that ignore cancellation cannot be
 * stopped by force; they end when their function returns. With a history
 * ([property@Tasker.Manager:history-path]), every task that ended before
 * this call returns is in the database when it returns, from any thread and
 * whether or not anyone iterates the manager's context (the wait for the
 * disk is bounded by @grace_ms, at least 1 s). May be called more than once.
 *
 * Since: 1.0
 */
void
tasker_manager_shutdown (TaskerManager *self,
                         guint          grace_ms)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) histories = g_ptr_array_new_with_free_func ((GDestroyNotify) _tasker_history_unref);
  g_autoptr(GError) reason = NULL;
  TaskerProcessRunner *processes;
  gint64 deadline;
  gboolean settled;

  g_return_if_fail (TASKER_IS_MANAGER (self));

  g_mutex_lock (&self->lock);
  self->shut_down = TRUE;
  for (TaskerTask *t = self->unfinished; t != NULL; t = t->slot.unfinished_next)
    {
      /* Before any cancel cascades: a task someone cancelled already ends
       * for its program; the others are interrupted by this shutdown. */
      if (!g_atomic_int_get (&t->cancel_requested))
        g_atomic_int_set (&t->shutdown_cancelled, TRUE);
      g_ptr_array_add (tasks, g_object_ref (t));
    }
  g_mutex_unlock (&self->lock);

  reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                "The task manager was shut down");
  for (guint i = 0; i < tasks->len; i++)
    _tasker_manager_task_cancel (self, g_ptr_array_index (tasks, i), reason);

  /* A thread task that shuts its manager down cannot wait for itself. */
  settled = !_tasker_thread_runner_in_pool_thread () &&
            tasker_manager_wait_until_settled (self, grace_ms);

  /* Kill what is left and reap every worker; what they ran ends now. */
  g_mutex_lock (&self->lock);
  processes = self->processes;
  g_mutex_unlock (&self->lock);
  if (processes != NULL)
    {
      _tasker_process_runner_stop_all (processes);
      if (!settled)
        tasker_manager_wait_until_settled (self, MIN (grace_ms, 100));
    }

  /* Last: what has ended — the tasks killed just now included — is on disk
   * before shutdown returns, whichever thread calls and whether or not
   * anyone iterates the context: the flush only waits for the writer
   * thread. The histories a new history-path replaced too, as they may
   * still be writing the tasks that ended before. References, as the
   * context may replace the history meanwhile. */
  g_mutex_lock (&self->lock);
  if (self->history != NULL)
    g_ptr_array_add (histories, _tasker_history_ref (self->history));
  for (guint i = 0; self->closing_histories != NULL && i < self->closing_histories->len; i++)
    g_ptr_array_add (histories, _tasker_history_ref (self->closing_histories->pdata[i]));
  g_mutex_unlock (&self->lock);
  deadline = g_get_monotonic_time () + (gint64) MAX (grace_ms, 1000) * 1000;
  for (guint i = 0; i < histories->len; i++)
    {
      gint64 left = MAX (deadline - g_get_monotonic_time (), 0);

      _tasker_history_flush (histories->pdata[i], (guint) (left / 1000));
    }
}

/**
 * tasker_manager_is_shut_down:
 * @self: a #TaskerManager
 *
 * Checks whether the manager still accepts work. Safe from any thread.
 *
 * Returns: whether [method@Tasker.Manager.shutdown] was called
 *
 * Since: 1.0
 */
gboolean
tasker_manager_is_shut_down (TaskerManager *self)
{
  gboolean shut_down;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), FALSE);

  g_mutex_lock (&self->lock);
  shut_down = self->shut_down;
  g_mutex_unlock (&self->lock);

  return shut_down;
}

typedef struct
{
  TaskerManager *manager;  /* (owned) */
  guint          prop_id;
} Notify;

static gboolean
notify_cb (gpointer data)
{
  Notify *notify = data;

  g_object_notify_by_pspec (G_OBJECT (notify->manager), properties[notify->prop_id]);
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
static void
notify_on_context (TaskerManager *self,
                   guint          prop_id)
{
  Notify *notify;
  GSource *source;

  /* The thread-default context says nothing: every thread without one
   * gets the global default. Only an owner is known to be its thread. */
  if (g_main_context_is_owner (self->context))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
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
    notify_on_context (self, PROP_UPDATE_INTERVAL);
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
  notify_on_context (self, PROP_MAX_THREADS);
}

static guint
get_process_limit (TaskerManager *self,
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
    notify_on_context (self, prop_id);
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

  return get_process_limit (self, &self->process_limits.max_workers);
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

  return get_process_limit (self, &self->process_limits.cancel_grace_ms);
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

  return get_process_limit (self, &self->process_limits.worker_max_tasks);
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

  return get_process_limit (self, &self->process_limits.worker_idle_ms);
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
  queue = ensure_queue_locked (self, name);
  _tasker_queue_configure (queue, max_concurrent, capacity);
  while ((next = _tasker_queue_next_if_free (queue)) != NULL)
    {
      next->slot.waits_for_slot = FALSE;
      next->slot.holds_slot = TRUE;
      dispatch_locked (self, next);
      g_object_unref (next);
    }
  wake_now_locked (self);
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
    notify_on_context (self, PROP_NODE_ID);
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
  g_return_if_fail (TASKER_IS_MANAGER (self));
  g_return_if_fail (options == NULL || TASKER_IS_TASK_OPTIONS (options));

  if (options != NULL)
    _tasker_task_options_seal (options);

  g_mutex_lock (&self->lock);
  g_set_object (&self->default_options, options);
  _tasker_policy_clear (&self->default_policy);
  memset (&self->default_policy, 0, sizeof self->default_policy);
  if (options != NULL)
    {
      self->default_policy = *_tasker_task_options_get_policy (options);
      self->default_policy.queue = g_strdup (self->default_policy.queue);
    }
  g_mutex_unlock (&self->lock);

  notify_on_context (self, PROP_DEFAULT_OPTIONS);
}

static gpointer
free_history_thread (gpointer data)
{
  _tasker_history_free (data);
  return NULL;
}

/* On the manager's context, where records are added: a history replaced by
 * another goes only once nothing can be adding to it; its last flush runs
 * on a thread of its own, so nobody waits for the disk. */
static gboolean
swap_history_cb (gpointer data)
{
  TaskerManager *self = data;
  TaskerHistory *old;
  TaskerHistory *history = NULL;
  g_autofree char *path = NULL;
  guint max_age_days, max_count;

  g_mutex_lock (&self->lock);
  path = g_strdup (self->history_path);
  max_age_days = self->history_max_age_days;
  max_count = self->history_max_count;
  g_mutex_unlock (&self->lock);

  if (path != NULL)
    history = _tasker_history_new (path, max_age_days, max_count);
  /* Under @lock: shutdown() takes it from any thread, and flushes the
   * replaced ones until they are closed. */
  g_mutex_lock (&self->lock);
  old = self->history;
  self->history = history;
  if (self->closing_histories != NULL)
    {
      for (guint i = self->closing_histories->len; i-- > 0; )
        {
          if (_tasker_history_is_closed (self->closing_histories->pdata[i]))
            g_ptr_array_remove_index_fast (self->closing_histories, i);
        }
    }
  if (old != NULL)
    {
      if (self->closing_histories == NULL)
        self->closing_histories = g_ptr_array_new_with_free_func ((GDestroyNotify) _tasker_history_unref);
      g_ptr_array_add (self->closing_histories, _tasker_history_ref (old));
    }
  g_mutex_unlock (&self->lock);

  if (old != NULL)
    g_thread_unref (g_thread_new ("tasker-history-close", free_history_thread, old));

  return G_SOURCE_REMOVE;
}

static void
schedule_on_context (TaskerManager *self,
                     GSourceFunc    func)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, g_object_ref (self), g_object_unref);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/**
 * tasker_manager_dup_history_path:
 * @self: a #TaskerManager
 *
 * Gets [property@Tasker.Manager:history-path]. Safe from any thread.
 *
 * Returns: (transfer full) (nullable) (type filename): the history database, or %NULL
 *
 * Since: 1.0
 */
char *
tasker_manager_dup_history_path (TaskerManager *self)
{
  char *path;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);

  g_mutex_lock (&self->lock);
  path = g_strdup (self->history_path);
  g_mutex_unlock (&self->lock);

  return path;
}

/**
 * tasker_manager_set_history_path:
 * @self: a #TaskerManager
 * @path: (nullable) (type filename): the history database, or %NULL for none
 *
 * Sets [property@Tasker.Manager:history-path]. The database is opened on a
 * thread of its own; tasks that end after this call are recorded (when
 * another thread is running the manager's context at that moment, from its
 * next iteration on).
 *
 * Since: 1.0
 */
void
tasker_manager_set_history_path (TaskerManager *self,
                                 const char    *path)
{
  gboolean changed;

  g_return_if_fail (TASKER_IS_MANAGER (self));

  g_mutex_lock (&self->lock);
  changed = g_strcmp0 (self->history_path, path) != 0;
  if (changed)
    {
      g_free (self->history_path);
      self->history_path = g_strdup (path);
    }
  g_mutex_unlock (&self->lock);

  if (!changed)
    return;

  /* Right away when nobody else can be recording tasks meanwhile (the
   * context is ours, or free), so no task that ends after this call is
   * missed; else on the context, soon. */
  if (g_main_context_is_owner (self->context))
    swap_history_cb (self);
  else if (g_main_context_acquire (self->context))
    {
      swap_history_cb (self);
      g_main_context_release (self->context);
    }
  else
    schedule_on_context (self, swap_history_cb);
  notify_on_context (self, PROP_HISTORY_PATH);
}

static gboolean
apply_history_limits_cb (gpointer data)
{
  TaskerManager *self = data;
  guint max_age_days, max_count;

  g_mutex_lock (&self->lock);
  max_age_days = self->history_max_age_days;
  max_count = self->history_max_count;
  g_mutex_unlock (&self->lock);

  if (self->history != NULL)
    _tasker_history_set_limits (self->history, max_age_days, max_count);

  return G_SOURCE_REMOVE;
}

static void
set_history_limit (TaskerManager *self,
                   guint          prop_id,
                   guint          value)
{
  guint *field = prop_id == PROP_HISTORY_MAX_COUNT ? &self->history_max_count
                                                   : &self->history_max_age_days;
  gboolean changed;

  g_mutex_lock (&self->lock);
  changed = *field != value;
  *field = value;
  g_mutex_unlock (&self->lock);

  if (!changed)
    return;

  schedule_on_context (self, apply_history_limits_cb);
  notify_on_context (self, prop_id);
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
    notify_on_context (self, prop_id);
}

static void
query_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GListModel *records;

  records = _tasker_history_query_finish (g_task_get_task_data (task), result, &error);
  if (records != NULL)
    g_task_return_pointer (task, records, g_object_unref);
  else
    g_task_return_error (task, error);
}

/**
 * tasker_manager_query_history_async:
 * @self: a #TaskerManager
 * @query: what to look for
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: data for @callback
 *
 * Looks up finished tasks in the history (see
 * [property@Tasker.Manager:history-path]): newest first, one page as @query
 * says. The database is read on the history's own thread; @callback runs on
 * the thread-default main context of the caller. Call it on the manager's
 * main context.
 *
 * Since: 1.0
 */
void
tasker_manager_query_history_async (TaskerManager       *self,
                                    TaskerHistoryQuery  *query,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TASKER_IS_MANAGER (self));
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (query));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tasker_manager_query_history_async);

  /* The history changes only on the manager's context: query from there. */
  if (self->history == NULL)
    {
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_FAILED,
                               "The task history is off: history-path is not set");
      return;
    }

  g_task_set_task_data (task, self->history, NULL);
  _tasker_history_query_async (self->history, query, cancellable, query_done_cb, g_steal_pointer (&task));
}

static void
clear_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (_tasker_history_clear_finish (g_task_get_task_data (task), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * tasker_manager_clear_history_async:
 * @self: a #TaskerManager
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the finished tasks' records are gone
 * @user_data: data for @callback
 *
 * Deletes the records of every finished task (tasks that end later are
 * recorded as usual), on the history's own thread. The records of durable
 * tasks that have not ended — still running or waiting here, or interrupted
 * ([property@Tasker.HistoryRecord:interrupted]) — stay: they are what a
 * restart trusts. Call it on the manager's main context.
 *
 * Since: 1.0
 */
void
tasker_manager_clear_history_async (TaskerManager       *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TASKER_IS_MANAGER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tasker_manager_clear_history_async);

  if (self->history == NULL)
    {
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_FAILED,
                               "The task history is off: history-path is not set");
      return;
    }

  g_task_set_task_data (task, self->history, NULL);
  _tasker_history_clear_async (self->history, cancellable, clear_done_cb, g_steal_pointer (&task));
}

/**
 * tasker_manager_clear_history_finish:
 * @self: a #TaskerManager
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Tasker.Manager.clear_history_async].
 *
 * Returns: whether the history was cleared
 *
 * Since: 1.0
 */
gboolean
tasker_manager_clear_history_finish (TaskerManager  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * tasker_manager_delete_history_record_async:
 * @self: a #TaskerManager
 * @record: a record a query of this manager's history returned
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the record is gone
 * @user_data: data for @callback
 *
 * Deletes one record from the history, on the history's own thread: an
 * interrupted task that was dealt with, say. Deleting a record that is
 * already gone succeeds. Call it on the manager's main context.
 *
 * Since: 1.0
 */
void
tasker_manager_delete_history_record_async (TaskerManager       *self,
                                            TaskerHistoryRecord *record,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TASKER_IS_MANAGER (self));
  g_return_if_fail (TASKER_IS_HISTORY_RECORD (record));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tasker_manager_delete_history_record_async);

  if (self->history == NULL)
    {
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_FAILED,
                               "The task history is off: history-path is not set");
      return;
    }

  g_task_set_task_data (task, self->history, NULL);
  _tasker_history_delete_async (self->history, record, cancellable, clear_done_cb, g_steal_pointer (&task));
}

/**
 * tasker_manager_delete_history_record_finish:
 * @self: a #TaskerManager
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Tasker.Manager.delete_history_record_async].
 *
 * Returns: whether the record is no longer in the history
 *
 * Since: 1.0
 */
gboolean
tasker_manager_delete_history_record_finish (TaskerManager  *self,
                                             GAsyncResult   *result,
                                             GError        **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * tasker_manager_query_history_finish:
 * @self: a #TaskerManager
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Tasker.Manager.query_history_async].
 *
 * Returns: (transfer full): a #GListModel of [class@Tasker.HistoryRecord],
 *   newest first
 *
 * Since: 1.0
 */
GListModel *
tasker_manager_query_history_finish (TaskerManager  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
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
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->dirty, g_object_ref (task));
  wake_later_locked (self);
  g_mutex_unlock (&self->lock);
}

void
_tasker_manager_task_flush (TaskerManager *self,
                            TaskerTask    *task)
{
  g_mutex_lock (&self->lock);
  if (!__atomic_exchange_n (&task->dirty, TRUE, __ATOMIC_ACQ_REL))
    g_ptr_array_add (self->dirty, g_object_ref (task));
  wake_now_locked (self);
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
  push_msg_locked (self, MSG_EVENT, task, name, data);
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
  g_mutex_lock (&self->lock);
  push_msg_locked (self, MSG_RETURNED, task, NULL, NULL);
  g_mutex_unlock (&self->lock);
}

void
_tasker_manager_task_cancel (TaskerManager *self,
                             TaskerTask    *task,
                             const GError  *reason)
{
  g_autoptr(GPtrArray) to_fire = g_ptr_array_new_with_free_func (g_object_unref);

  g_mutex_lock (&self->lock);
  cancel_tree_locked (self, task, reason, to_fire);
  g_mutex_unlock (&self->lock);

  fire_all (to_fire);
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
  .flush = sink_flush,
  .event = sink_event,
  .log = NULL,          /* the task keeps its log lines itself */
  .returned = sink_returned,
  .cancel = sink_cancel,
};
