/* tasker-manager-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include "tasker-history-private.h"
#include "tasker-manager.h"
#include "tasker-process-runner-private.h"
#include "tasker-queue-private.h"
#include "tasker-task.h"
#include "tasker-task-list-private.h"
#include "tasker-task-private.h"
#include "tasker-task-sink-private.h"
#include "tasker-thread-runner-private.h"

G_BEGIN_DECLS

/* Locking. The manager's fields fall in three groups: those set at
 * construction (@context, @threads); those protected by @lock (marked so:
 * the registry, the queues, the inbox, the settings, the history swap);
 * those of the manager's context (the work_* copies, the batch, @live).
 * @n_wakeups is atomic. The manager's per-task bookkeeping (TaskerTaskSlot,
 * TaskerTaskTree) follows the same guards: see "Locking" in
 * tasker-task-private.h. Lock order: manager's @lock → a runner's lock →
 * a task's lock; the runners and tasks reach the manager only through the
 * task sink, whose calls take @lock and are made with no runner lock held.
 *
 * The three task collections:
 *  - @submitted: tasks submitted since the last dispatch, each holding the
 *    manager's reference (taken at submit, dropped when it finishes); the
 *    dispatch moves them into @live;
 *  - the unfinished list (@unfinished, @n_unfinished, linked through
 *    TaskerTaskSlot): every task not final yet, from submit on, under
 *    @lock: what shutdown cancels and settling waits for;
 *  - @live: the GListModel the program sees (tasker_manager_list_tasks),
 *    on the manager's context: tasks join it at the first dispatch after
 *    their submit, and leave it when they finish. */

/* How many times the manager's main-context source has been dispatched
 * (main-loop wake-ups spent on this manager). For tests and benchmarks. */
guint64 _tasker_manager_get_n_wakeups (TaskerManager *self);

/* How many events of @task wait for delivery (its inbox messages, the one
 * being delivered included). For tests, on the manager's context. */
guint   _tasker_manager_count_events  (TaskerManager *self,
                                       TaskerTask    *task);

/* The sink the manager installs in its tasks: its runners, their contexts
 * and the tasks report through it, never by these names. */
extern const TaskerTaskSink _tasker_manager_task_sink;

/* What the sink calls, from any thread (tests may call them directly). */
void    _tasker_manager_task_dirty_take (TaskerManager *self,
                                         TaskerTask    *task);
void    _tasker_manager_task_dirty    (TaskerManager *self,
                                       TaskerTask    *task);
void    _tasker_manager_task_flush    (TaskerManager *self,
                                       TaskerTask    *task);
gboolean _tasker_manager_task_event   (TaskerManager *self,
                                       TaskerTask    *task,
                                       const char    *name,
                                       GVariant      *data,
                                       gboolean       may_wait);
void    _tasker_manager_task_returned (TaskerManager *self,
                                       TaskerTask    *task);
void    _tasker_manager_task_cancel   (TaskerManager *self,
                                       TaskerTask    *task,
                                       const GError  *reason);

/* Internal to the manager: its files are tasker-manager.c (GObject,
 * properties, settings), -delivery.c, -lifecycle.c, -admission.c,
 * -waiting.c (delayed starts and dependencies) and -history.c. */

typedef enum {
  MSG_START,     /* a coroutine (or a task without a function) is due to start */
  MSG_EVENT,
  MSG_RETURNED,  /* the task's function has ended; no reference held */
  MSG_CANCEL,
  MSG_DEPENDENCY_FAILED, /* a held task's dependency failed it */
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
  TaskerTask         *dirty_stack;        /* (atomic) (owned) tasks to sync, linked by dirty_next */
  TaskerTask         *returned_stack;     /* (atomic) tasks whose function returned, linked by returned_next */
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
  guint               defer_thread_wakeups : 1; /* submit wakes pool threads after unlocking, @lock */

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

/* Only a queued or retried task gets a message of the manager's own; the
 * others skip the task-lock round trip of clearing one. */
static inline gboolean
may_have_manager_message (TaskerTask *task)
{
  return task->slot.queue != NULL || task->policy.max_attempts > 1 || task->waits;
}

extern GParamSpec *_tasker_manager_properties[N_PROPS];
extern guint       _tasker_manager_signals[N_SIGNALS];

/* tasker-manager-delivery.c */
GSource *_tasker_manager_source_new              (TaskerManager *self);
void     _tasker_manager_notify_on_context       (TaskerManager *self,
                                                  guint          prop_id);
void     _tasker_manager_wake_now_locked         (TaskerManager *self);
void     _tasker_manager_wake_later_locked       (TaskerManager *self);
void     _tasker_manager_push_dirty_locked       (TaskerManager *self,
                                                  TaskerTask    *task);
void     _tasker_manager_push_msg_locked         (TaskerManager *self,
                                                  MsgType        type,
                                                  TaskerTask    *task,
                                                  const char    *name,
                                                  GVariant      *data);
double   _tasker_manager_compute_progress        (TaskerManager *self);
void     _tasker_manager_share_with_parent       (TaskerManager *self,
                                                  TaskerTask    *child,
                                                  double         value);
void     _tasker_manager_sync_task               (TaskerManager *self,
                                                  TaskerTask    *task);
guint    _tasker_manager_sync_task_quietly       (TaskerManager *self,
                                                  TaskerTask    *task);

/* tasker-manager-lifecycle.c */
void     _tasker_manager_task_started            (TaskerManager *self,
                                                  TaskerTask    *task);
void     _tasker_manager_handle_start            (TaskerManager *self,
                                                  TaskerTask    *task);
void     _tasker_manager_handle_returned         (TaskerManager *self,
                                                  TaskerTask    *task);
void     _tasker_manager_handle_cancel           (TaskerManager *self,
                                                  TaskerTask    *task);
void     _tasker_manager_cancel_tree_locked      (TaskerManager *self,
                                                  TaskerTask    *task,
                                                  const GError  *reason,
                                                  GPtrArray     *to_fire);
void     _tasker_manager_fire_all                (GPtrArray     *cancellables);
void     _tasker_manager_finish_task             (TaskerManager *self,
                                                  TaskerTask    *task,
                                                  TaskerTaskStatus status,
                                                  GError        *error);

/* tasker-manager-admission.c */
gboolean _tasker_manager_is_process_kind         (TaskerTaskKind kind);
void     _tasker_manager_unfinished_unlink_locked (TaskerManager *self,
                                                   TaskerTask    *task);
void     _tasker_manager_admit_locked            (TaskerManager *self,
                                                  TaskerTask    *task);
void     _tasker_manager_leave_queue_locked      (TaskerManager *self,
                                                  TaskerTask    *task);
void     _tasker_manager_start_attempt_locked    (TaskerManager *self,
                                                  TaskerTask    *task);
TaskerQueue *_tasker_manager_ensure_queue_locked (TaskerManager *self,
                                                  const char    *name);
void     _tasker_manager_set_message_locked      (TaskerManager *self,
                                                  TaskerTask    *task,
                                                  const char    *message);
TaskerTask *_tasker_manager_run_process_with_data (TaskerManager     *self,
                                                  const char        *key,
                                                  TaskerTaskOptions *options,
                                                  const char        *entry_point,
                                                  GVariant          *args,
                                                  gpointer           data,
                                                  GDestroyNotify     data_destroy,
                                                  GError           **error);
TaskerTask *_tasker_manager_resubmit             (TaskerManager     *self,
                                                  TaskerTaskKind     kind,
                                                  const char        *key,
                                                  TaskerTaskOptions *options,
                                                  TaskerTaskRunFunc  func,
                                                  gpointer           func_data,
                                                  GDestroyNotify     func_data_destroy,
                                                  TaskerCall        *call,
                                                  GPtrArray         *after,
                                                  GError           **error);
TaskerTask *_tasker_manager_submit_external      (TaskerManager      *self,
                                                  const char         *key,
                                                  TaskerTaskOptions  *options,
                                                  GError            **error);

/* tasker-manager-external.c */
void     _tasker_manager_handle_external_cancel  (TaskerManager *self,
                                                  TaskerTask    *task);
gboolean _tasker_manager_end_external            (TaskerManager *self,
                                                  TaskerTask    *task);

/* tasker-manager-waiting.c */
gboolean _tasker_manager_check_waiting_locked    (TaskerManager     *self,
                                                  TaskerTaskOptions *options,
                                                  GPtrArray         *after,
                                                  TaskerTask        *parent,
                                                  GError           **error);
gboolean _tasker_manager_hold_locked             (TaskerManager     *self,
                                                  TaskerTask        *task,
                                                  TaskerTaskOptions *options,
                                                  GPtrArray         *after);
void     _tasker_manager_waiting_ended_locked    (TaskerManager     *self,
                                                  TaskerTask        *task,
                                                  GSource          **start_source);
void     _tasker_manager_handle_dependency_failed (TaskerManager    *self,
                                                   TaskerTask       *task);

/* tasker-manager-history.c */
void     _tasker_manager_set_history_limit       (TaskerManager *self,
                                                  guint          prop_id,
                                                  guint          value);

G_END_DECLS
