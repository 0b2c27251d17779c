/* tasker-task-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include "tasker-context.h"
#include "tasker-manager.h"
#include "tasker-task.h"
#include "tasker-task-options.h"
#include "tasker-task-options-private.h"
#include "tasker-task-sink-private.h"

G_BEGIN_DECLS

/* What a task's log keeps by default (the manager's log-max-lines and
 * log-max-bytes); older lines are dropped with one marker. */
#define TASKER_TASK_LOG_MAX_LINES 1000
#define TASKER_TASK_LOG_MAX_BYTES (1024 * 1024)
/* How many events of a task may wait for delivery (DESIGN.md §4 Bounds). */
#define TASKER_TASK_EVENTS_MAX 256
/* A longer log line is cut, with a marker; a longer message is cut. */
#define TASKER_TASK_LOG_LINE_MAX (64 * 1024)
#define TASKER_TASK_MESSAGE_MAX (4 * 1024)

/* Who got to the task first: the runner starting it, or a cancel before it started. */
enum {
  TASKER_RUN_STATE_WAITING  = 0,
  TASKER_RUN_STATE_STARTED  = 1,
  TASKER_RUN_STATE_CLAIMED  = 2,
};

/* What a pending task waits for, as its runner found it: the manager's
 * message says so until it starts (DESIGN.md §4 Messages). */
enum {
  TASKER_WAIT_NONE   = 0,
  TASKER_WAIT_THREAD = 1,
  TASKER_WAIT_WORKER = 2,
};

/* A thread task's TaskerThreadFunc or a coroutine task's
 * TaskerCoroutineFunc: one signature, two contracts, told apart by the
 * task's kind (a thread task ends when it returns, a coroutine task when it
 * calls a tasker_context_return_*() function). */
typedef void (*TaskerTaskRunFunc) (TaskerContext *context,
                                   gpointer       user_data);

/* What a process task or command runs: kept for every attempt. */
typedef struct
{
  char      *entry_point;  /* (owned) (nullable): a process task's */
  GVariant  *args;         /* (owned) (nullable) */
  char     **worker;       /* (owned) (nullable) */
  char     **argv;         /* (owned) (nullable): a command's */
  char      *cwd;          /* (owned) (nullable) */
  char     **envp;         /* (owned) (nullable) */
} TaskerCall;

void _tasker_call_free (TaskerCall *call);

typedef struct _TaskerQueue TaskerQueue;

/* Locking. A task's fields fall in groups, each with one guard:
 *
 *  - set at submit (or in _tasker_task_new), then immutable: read anywhere;
 *  - the manager's context: status, attempt, progress, times, error, the
 *    timers, and the manager's-context parts of @slot and @tree. Only the
 *    thread running the manager's GMainContext reads or writes them;
 *  - the manager's lock (TaskerManager.lock): the registry and queue links
 *    in @slot, the children and first child error in @tree, the event
 *    counts. Runners take it only through the task's sink;
 *  - the runner's lock: @runner_next (the thread runner's queue);
 *  - @dirty_next and @returned_next: the links of the manager's lock-free
 *    stacks, written by the one thread that pushes the task (the one that
 *    set @dirty, the one whose function returned), read by the manager's
 *    context once it has taken the stack;
 *  - the task's own @lock: what its function shares with everyone (message,
 *    cancellable, cancel reason, log, and the return/final bits);
 *  - atomics, each through one API only: g_atomic_int_* for @run_state,
 *    @waits_for, @cancel_requested and @shutdown_cancelled; __atomic_* for
 *    @dirty and @shared_progress (a 64-bit word; @dirty is exchanged with
 *    explicit orderings on the progress hot path).
 *
 * Order: manager's lock → runner's lock → task's @lock. Never take an
 * earlier one while holding a later one; the sink's calls take the manager's
 * lock, so a runner calls them with its own lock released.
 *
 * Bits of one word are one memory location: bit-fields written under
 * different guards never share a word (a non-bit-field member separates
 * them). */

/* What a task's function returned: a value, or a pointer with its destroy
 * notify. Made only when it returns one (as the log lines below). */
typedef struct
{
  GValue              value;
  gpointer            pointer;          /* (owned) by @destroy */
  GDestroyNotify      destroy;
} TaskerTaskResult;

/* A task's log lines, made with its first line: most tasks log nothing,
 * and every byte of a task counts when thousands are pending. */
typedef struct
{
  GQueue              lines;            /* (element-type utf8) (owned) the newest lines kept */
  gsize               bytes;            /* of @lines */
  guint               dropped;          /* the oldest lines dropped so far */
} TaskerTaskLogLines;

/* The manager's per-task bookkeeping: its place in the registry, its queue
 * and its live list. The manager (tasker-manager*.c, tasker-task-list.c)
 * owns, reads and writes it; the task only frees what it holds at the end.
 * The three collections a task may be in are defined in
 * tasker-manager-private.h. */
typedef struct
{
  TaskerQueue        *queue;            /* (unowned) (nullable) set at submit; NULL = the default queue */

  /* The manager's lock. */
  TaskerTask         *unfinished_prev;  /* the manager's unfinished list */
  TaskerTask         *unfinished_next;
  guint               events_queued;    /* undelivered, in the manager's inbox */
  guint               events_waiters;   /* senders waiting for room */
  gboolean            events_throttled; /* its worker is not read until room is made */
  guint               unfinished : 1;   /* in the unfinished list */
  guint               holds_slot : 1;   /* in @queue */
  guint               waits_for_slot : 1; /* in @queue */
  guint               held : 1;         /* waits for its start time or dependencies: not admitted yet */
  guint               after_any_outcome : 1; /* set at submit */
  /* What a held task waits for (tasker-manager-waiting.c), under the lock too. */
  GPtrArray          *after;            /* (owned) (nullable) (element-type TaskerTask) dependencies not ended yet */
  GHashTable         *dependants;       /* (owned) (nullable) (element-type TaskerTask) set, borrowed: held tasks
                                         * waiting for this one, which unlink themselves when they end */
  GError             *after_error;      /* (owned) (nullable) the first dependency that failed it */
  TaskerTask         *after_failed_by;  /* (owned) (nullable) that dependency */
  GPtrArray          *rearms;           /* (owned) (nullable) dependants this task's failure failed, for
                                         * tasker_manager_rearm_dependants() */
  GSource            *start_source;     /* (owned) (nullable) its start time, until it fires */
  gint64              start_at;         /* wall-clock µs it starts at, 0 = no start time */

  /* The manager's context. */
  GSource            *timeout_source;   /* (owned) (nullable) the running attempt's */
  GSource            *retry_source;     /* (owned) (nullable) the next attempt's */
  guint64             list_seq;         /* order of joining the manager's live list */
  guint               in_list : 1;      /* in the live list (tasker-task-list.c) */
  guint               keeps_func_data : 1; /* its end leaves its function's data (a rearm takes it) */
  guint               counted : 1;      /* seen by the current batch */
} TaskerTaskSlot;

/* The manager's per-task tree state: parent, children, and what a parent's
 * outcome and progress wait for. Owned by the manager like @slot; the task
 * reads @parent (tasker_task_get_parent) and the children's progress (in
 * _tasker_task_sync, on the manager's context). */
typedef struct
{
  /* Set at submit, then immutable. */
  TaskerTask         *parent;           /* (owned) (nullable) */
  double              children_weight;  /* share of its progress from its children's, 0..1 */
  guint               ignore_child_failures : 1;

  /* The manager's context. */
  TaskerTaskStatus    pending_status;   /* what its function ended with, while children run */
  GError             *pending_error;    /* (owned) (nullable) */
  double              children_progress_sum; /* of children seen, ended ones as 1 */
  guint               n_children_seen;
  double              parent_share;     /* what this task adds to its parent's sum */
  guint               awaiting_children : 1;
  guint               shared_with_parent : 1;

  /* The manager's lock. */
  GPtrArray          *children;         /* (nullable) (element-type TaskerTask) unfinished ones, borrowed */
  GError             *child_error;      /* (owned) (nullable) the first failed child's */
} TaskerTaskTree;

struct _TaskerTask
{
  GObject             parent_instance;

  /* The order of the fields is the fastest of those measured with
   * bench/bench-throughput (they differed by up to a sixth): what the
   * manager's context writes, then what is read-only once submitted, then
   * what the task's thread writes, the rarely used last. A pool thread writes
   * its part while the manager's context works on the parts of other tasks
   * nearby in memory; change the order only with that benchmark at hand. */

  /* The manager's bookkeeping (see the two structs above). */
  TaskerTaskSlot      slot;
  TaskerTaskTree      tree;

  /* State seen by the manager's context; changed only there. */
  TaskerTaskStatus    status;
  guint               attempt;
  double              progress;
  char               *message;          /* (owned) (nullable): written under @lock so dup_message works anywhere;
                                         * or one of the static wait messages */
  gint64              started_time;
  gint64              finished_time;
  GError             *error;            /* (owned) (nullable) */
  /* Set at submit, read by the task's own thread (tasker_context_send_event):
   * not a bit beside others the manager's context writes meanwhile (bits of
   * one word are one memory location: a data race). */
  gboolean            has_event_func;

  /* Set at submit, then immutable. */
  TaskerManager      *manager;          /* (owned) (nullable): dropped on the manager's context once final */
  TaskerTaskOptions  *options;          /* (owned) (nullable): dropped on the manager's context once final */
  TaskerTaskRunFunc   func;
  gpointer            func_data;        /* (owned) by func_data_destroy */
  GDestroyNotify      func_data_destroy;
  char               *key;              /* (owned) (nullable) */
  char               *name;             /* (owned) (nullable) */
  GHashTable         *descriptions;     /* (owned) (nullable) shared with the sealed options */
  guint64             id;
  gint64              created_time;
  TaskerTaskKind      kind;
  const TaskerTaskSink *sink;           /* (not nullable): where its reports go; in a worker process, where
                                         * @manager is NULL, the protocol back to the manager */
  TaskerPolicy        policy;           /* resolved at submit */
  TaskerCall         *call;             /* (owned) (nullable) a process task's or command's */
  guint64             trace_id;         /* DESIGN.md §4 Tracing */
  TaskerContext      *context;          /* (owned) (nullable) an external task's, which borrows the task */
  guint               durable : 1;          /* recorded in the history from submit on */
  guint               waits : 1;            /* has a start time or dependencies (may be held) */

  /* Result: written by the task's function before it reports back, read after. */
  TaskerTaskResult   *result;          /* (owned) (nullable) made when the function returns a result */
  GError             *result_error;     /* (owned) (nullable) */

  /* Shared with the task's function. */
  GMutex              lock;
  TaskerTask         *runner_next;      /* protected by the thread runner's lock */
  TaskerTask         *dirty_next;       /* the manager's dirty stack, written by whoever set @dirty */
  TaskerTask         *returned_next;    /* the manager's returned stack, written by the returning thread */
  gint64              shared_started_time; /* written before run_state is published */
  int                 run_state;        /* (atomic) TASKER_RUN_STATE_* */
  int                 waits_for;        /* (atomic) TASKER_WAIT_*, set by its runner for this attempt */
  int                 cancel_requested; /* (atomic) */
  int                 shutdown_cancelled; /* (atomic) the manager's shutdown, not anyone before it, cancelled it */
  int                 dirty;            /* (atomic) on the manager's dirty stack, or taken from it and not synced yet */
  guint64             shared_progress;  /* (atomic) bits of a double in [0, 1] */
  int                 exit_status;      /* (atomic) a command's last attempt's, -1 for none */
  guint               shared_message_changed : 1; /* protected by @lock */
  guint               manager_message : 1; /* the manager wrote it: cleared at start, protected by @lock */
  guint               returned : 1;     /* protected by @lock */
  guint               cancelled_at_return : 1; /* a cancel came before the return, protected by @lock */
  guint               return_claimed : 1; /* the manager ended it in its function's place, protected by @lock */
  guint               final : 1;        /* protected by @lock */

  /* Shared with the task's function, rarely used. */
  char               *shared_message;   /* (owned) (nullable) protected by @lock */
  GCancellable       *cancellable;      /* (owned) (nullable) created on demand, protected by @lock */
  GError             *cancel_reason;    /* (owned) (nullable) protected by @lock */
  TaskerTaskLogLines *log;              /* (owned) (nullable) made with the first line, protected by @lock */
  guint               log_max_lines;    /* set at submit; 0 = no bound (a worker's stand-in) */
  guint               log_max_bytes;    /* set at submit; 0 = no bound */
};

TaskerTask    *_tasker_task_new             (TaskerManager     *manager,
                                             const TaskerTaskSink *sink,
                                             TaskerTaskKind     kind,
                                             const char        *key,
                                             TaskerTaskOptions *options,
                                             TaskerTaskRunFunc  func,
                                             gpointer           func_data,
                                             GDestroyNotify     func_data_destroy);
void           _tasker_task_ids_continue_after (guint64         id);
TaskerTask    *_tasker_task_new_remote      (guint64            id,
                                             const TaskerTaskSink *sink);
gboolean       _tasker_task_claim_start     (TaskerTask        *self);
TaskerManager *_tasker_task_ref_manager     (TaskerTask        *self);
GObject       *_tasker_task_hold_sink       (TaskerTask        *self);
GCancellable  *_tasker_task_get_cancellable (TaskerTask        *self);
gboolean       _tasker_task_request_cancel  (TaskerTask        *self,
                                             const GError      *reason,
                                             GCancellable     **to_fire);
void           _tasker_task_store_progress  (TaskerTask        *self,
                                             double             fraction);
void           _tasker_task_store_message   (TaskerTask        *self,
                                             const char        *message);
void           _tasker_task_append_log      (TaskerTask        *self,
                                             const char        *text);
void           _tasker_task_append_log_line (TaskerTask        *self,
                                             const char        *line,
                                             gsize              len,
                                             gsize              cut);
char          *_tasker_task_dup_log_text    (TaskerTask        *self);
void           _tasker_task_log_free        (TaskerTaskLogLines *log);
gsize          _tasker_utf8_cut             (const char        *text,
                                             gsize              len,
                                             gsize              max);
gboolean       _tasker_task_begin_return    (TaskerTask        *self);
gboolean       _tasker_task_begin_return_uncancelled (TaskerTask *self);
gboolean       _tasker_task_cancelled_at_return (TaskerTask    *self);
gboolean       _tasker_task_claim_return    (TaskerTask        *self);
gboolean       _tasker_task_return_was_claimed (TaskerTask     *self);
TaskerTask    *_tasker_task_new_ended_stand_in (TaskerTask     *self);
void           _tasker_task_store_result_value (TaskerTask     *self,
                                                const GValue   *value);
void           _tasker_task_store_result_variant (TaskerTask   *self,
                                                  GVariant     *value);
void           _tasker_task_store_result_pointer (TaskerTask   *self,
                                                  gpointer      result,
                                                  GDestroyNotify result_destroy);
void           _tasker_task_store_result_error (TaskerTask     *self,
                                                GError         *error);
guint          _tasker_task_prepare_retry   (TaskerTask        *self);
GError        *_tasker_task_dup_cancel_error (TaskerTask       *self);
TaskerTaskStatus _tasker_task_cancel_status (const GError      *error);
TaskerTaskStatus _tasker_task_end_attempt   (TaskerTask        *self,
                                             guint             *attempt,
                                             GError           **error);
void           _tasker_task_fail_at_start   (TaskerTask        *self,
                                             GError            *error);
GError        *_tasker_task_end_unrunnable  (TaskerTask        *self);
TaskerTaskOptions *_tasker_task_steal_options (TaskerTask      *self);
void           _tasker_task_free_func_data  (TaskerTask        *self);
gboolean       _tasker_task_store_manager_message (TaskerTask  *self,
                                                   const char  *message);
guint          _tasker_task_sync            (TaskerTask        *self);
void           _tasker_task_finish          (TaskerTask        *self,
                                             TaskerTaskStatus   status,
                                             GError            *error);
void           _tasker_task_notify          (TaskerTask        *self,
                                             guint              changed);
void           _tasker_task_store_exit_status (TaskerTask      *self,
                                               int              wait_status);

/* Bits returned by _tasker_task_sync and taken by _tasker_task_notify. */
enum {
  TASKER_TASK_CHANGED_STATUS   = 1 << 0,
  TASKER_TASK_CHANGED_PROGRESS = 1 << 1,
  TASKER_TASK_CHANGED_MESSAGE  = 1 << 2,
  TASKER_TASK_CHANGED_ATTEMPT  = 1 << 3,
  TASKER_TASK_CHANGED_STARTED  = 1 << 4,
};

/* tasker_task_is_final() without its type check, for the library's own
 * hot paths (the manager asks it several times per task). Manager's context. */
static inline gboolean
_tasker_task_is_final (TaskerTask *self)
{
  return self->status >= TASKER_TASK_STATUS_COMPLETED;
}

G_END_DECLS
