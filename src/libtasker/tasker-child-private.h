/* tasker-child-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include "tasker-line-splitter-private.h"
#include "tasker-process-runner-private.h"
#include "tasker-task-private.h"
#include "tasker-worker-protocol-private.h"

G_BEGIN_DECLS

/* Shared by the process runner (tasker-process-runner.c: requests, its
 * thread, the worker pool, the frames from workers) and its children
 * (tasker-child.c: spawn, output, writing, kill, reap). Everything here
 * runs on the runner's thread, but the fields the runner marks as
 * protected by its @lock. */

#define READ_CHUNK (64 * 1024)
#define READ_BUDGET (1024 * 1024)   /* bytes read from one child per dispatch */
#define PIPELINE_MAX 16             /* tasks queued in one worker, at most */
#define KILL_AFTER_TERM_MS 100
#define HELLO_TIMEOUT_MS 10000
#define LOST_RUN_MAX 3              /* workers a task's RUN frame may be lost to */
#define SUPERVISOR_STATUS_FD 6      /* where tasker-supervisor reports a failed exec */

typedef struct _Child Child;

/* One attempt of a task; what it runs is the task's call, which stays put
 * while the job holds the task. */
typedef struct
{
  TaskerTask  *task;         /* (owned) */
  TaskerCall  *call;         /* (unowned) the task's */
  Child       *child;        /* (unowned) (nullable) where it runs */
  gboolean     started;      /* claimed by us: ours to report on */
  gboolean     seen_start;   /* its worker said STARTED */
  gboolean     exited_before_cancel; /* a command that had exited when its cancel came */
  gboolean     cancel_sent;
  gboolean     wait_shown;   /* its task says it waits for a free worker */
  guint64      run_end;      /* where its RUN frame ends in the worker's stream */
  guint        n_lost;       /* workers that died before taking its RUN frame */
} Job;

typedef struct
{
  Child   *child;
  int      fd;               /* -1 once closed */
  gpointer tag;
  TaskerLineSplitter lines;  /* the line being read */
} LineReader;

struct _Child
{
  TaskerProcessRunner *runner;
  GSource             *source;       /* (owned) watches the fds below */
  GSource             *watch;        /* (owned) (nullable) child watch */
  GSource             *kill_timer;   /* (owned) (nullable) */
  GSource             *idle_timer;   /* (owned) (nullable) */
  GSource             *hello_timer;  /* (owned) (nullable) until a worker's HELLO */
  GPid                 pid;
  gboolean             is_worker;
  gboolean             supervised;   /* pid is its tasker-supervisor's */
  char               **program;      /* (owned) (nullable) a worker's, as its jobs ask; NULL for tasker-worker */

  /* Workers only. */
  int                  socket_fd;    /* -1 once closed */
  gpointer             socket_tag;
  GByteArray          *out;          /* frames not yet written */
  TaskerWorkerDecoder *decoder;
  guint                n_sent;       /* tasks given, for recycling */
  guint                hello : 1;
  guint                retiring : 1; /* takes no more tasks; leaves when idle */
  guint                lost : 1;     /* killed, or its socket closed: no more frames */
  guint                write_failed : 1; /* its socket took no more: it is read to the end */
  guint                paused : 1;   /* its task's events are over their bound: not read */
  guint                reaped : 1;   /* dead: what it sent is read whatever the bound */
  GError              *death;        /* (owned) (nullable) why its task in flight fails */

  GQueue               jobs;         /* (element-type Job) in the order given */
  LineReader           stdout_lines;
  LineReader           stderr_lines;
  guint                kill_stage;   /* 0, 1 once SIGTERM went, 2 once SIGKILL went */
  gboolean             cancel_kill;  /* killed because a cancelled task outlived the grace */
  guint64              bytes_queued; /* bytes of frames given to @out, ever */
  guint64              bytes_sent;   /* bytes of them the socket took */
};

struct _TaskerProcessRunner
{
  GMutex               lock;
  GCond                cond;
  GQueue               requests;       /* (element-type Request) protected by @lock */
  TaskerProcessLimits  limits;         /* protected by @lock */
  guint                stop_requested; /* protected by @lock */
  guint                stop_done;      /* protected by @lock */
  gboolean             quit;           /* protected by @lock */
  gboolean             free_on_exit;   /* protected by @lock */

  GThread             *thread;
  GMainContext        *context;        /* (owned) */
  GSource             *wakeup;         /* (owned) */
  char                *worker_path;    /* (owned) */
  char                *supervisor_path; /* (owned) (nullable) none found: children run bare */
  guint                hello_timeout_ms;

  /* The runner's thread only. */
  TaskerProcessLimits  current;
  GQueue               waiting;        /* (element-type Job) process tasks for a worker */
  guint                n_unshown;      /* jobs that joined @waiting since it was last looked at */
  gboolean             unshown_inside; /* one of them is not in @waiting's unshown tail */
  GPtrArray           *children;       /* (element-type Child) */
  GSource             *warm_source;    /* (owned) (nullable) starts the rest of the pool */
  char               **warm_program;   /* (owned) (nullable) what it starts; NULL for tasker-worker */
};

typedef struct
{
  GSource  source;
  Child   *child;
} ChildSource;

/* tasker-process-runner.c */
void _tasker_process_runner_job_return_full (Job      *job,
                                             GError   *error,
                                             gboolean  before_cancel);
void _tasker_process_runner_job_return (Job    *job,
                                        GError *error);
void _tasker_process_runner_job_fail_unstarted (Job    *job,
                                                GError *error);
void _tasker_process_runner_job_drop (Job *job);
gboolean _tasker_process_runner_handle_frames (Child *child);
void _tasker_process_runner_schedule (TaskerProcessRunner *self);

/* tasker-child.c */
void _tasker_child_drain_output (Child *child);
void _tasker_child_signal (Child *child,
                           int    signum);
void _tasker_child_clear_source (GSource **source);
void _tasker_child_arm_kill_timer (Child *child);
void _tasker_child_kill_now (Child  *child,
                             GError *death);
void _tasker_child_close_socket (Child *child);
void _tasker_child_watch_socket (Child *child);
void _tasker_child_pause_reading (Child *child);
void _tasker_child_write (Child *child);
void _tasker_child_read_socket (Child *child);
void _tasker_child_reaped (Child *child,
                           int    wait_status);
Child *_tasker_child_spawn (TaskerProcessRunner  *self,
                            const char * const   *argv,
                            const char           *cwd,
                            const char * const   *envp,
                            gboolean              is_worker,
                            GError              **error);

G_END_DECLS
