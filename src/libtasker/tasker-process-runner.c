/* tasker-process-runner.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "tasker-command-progress-private.h"
#include "tasker-error.h"
#include "tasker-line-splitter-private.h"
#include "tasker-process-runner-private.h"
#include "tasker-task-private.h"
#include "tasker-trace-private.h"
#include "tasker-worker-private.h"
#include "tasker-worker-protocol-private.h"

/* Runs process tasks in a pool of tasker-worker processes, and commands as
 * child processes of their own.
 *
 * Everything here happens on one thread of the runner's own, with its own
 * main context: it spawns the children (so PR_SET_PDEATHSIG, which fires
 * when the spawning *thread* ends, stays armed as long as the manager),
 * writes and decodes the worker protocol (a 16 MiB frame never stalls the
 * manager's main context), reads the children's output, and kills and reaps
 * them. Other threads only hand it requests, under @lock.
 *
 * It reports to the manager the way the thread runner does: a task starts
 * when its worker says so (a task queued in a worker stays PENDING), its
 * progress and message are stored for the manager to coalesce, and its end
 * is reported once, after which the runner never touches the task's manager
 * again. A task is "ours" from a successful _tasker_task_claim_start() until
 * that report. */

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

typedef enum {
  REQ_RUN,
  REQ_CANCEL,
  REQ_STOP_ALL,
  REQ_RESUME,
} RequestType;

typedef struct
{
  RequestType  type;
  Job         *job;          /* (owned) for REQ_RUN */
  TaskerTask  *task;         /* (owned) for REQ_CANCEL and REQ_RESUME */
} Request;

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
  GPtrArray           *children;       /* (element-type Child) */
};

typedef struct
{
  GSource  source;
  Child   *child;
} ChildSource;

typedef struct
{
  GSource              source;
  TaskerProcessRunner *runner;
} WakeupSource;

static void schedule (TaskerProcessRunner *self);
static void child_reaped (Child *child, int wait_status);

static void
job_free (Job *job)
{
  g_clear_object (&job->task);
  g_free (job);
}

/* Reports the end of an attempt that is ours, and lets go of the job. The
 * manager's own reference keeps the task alive until it has handled that, so
 * ours goes first: the task is never finalized here because of us.
 * @before_cancel: it ended (its function returned, its command exited)
 * before any cancel reached it, whatever the cancel flag says by now. */
static void
job_return_full (Job      *job,
                 GError   *error,
                 gboolean  before_cancel)
{
  TaskerTask *task = g_steal_pointer (&job->task);

  g_assert (job->started);

  if (error != NULL)
    _tasker_task_store_result_error (task, error);

  if (before_cancel)
    _tasker_task_begin_return_uncancelled (task);
  else
    _tasker_task_begin_return (task);
  g_object_unref (task);
  task->sink->returned (task);

  job_free (job);
}

static void
job_return (Job    *job,
            GError *error)
{
  job_return_full (job, error, FALSE);
}

/* Ends a job that never got to run: claims it first, so a cancel that got
 * there earlier wins. */
static void
job_fail_unstarted (Job    *job,
                    GError *error)
{
  if (!job->started && !_tasker_task_claim_start (job->task))
    {
      g_error_free (error);
      job_free (job);
      return;
    }

  job->started = TRUE;
  job_return (job, error);
}

/* Lets go of a cancelled job: one that started (and went back to the queue
 * when its worker was killed for another task) still reports its end. */
static void
job_drop (Job *job)
{
  if (job->started)
    job_return (job, NULL);
  else
    job_free (job);
}

static void
job_mark_started (Job *job)
{
  TaskerTask *task = job->task;

  job->started = TRUE;

  /* The dirty mark makes the manager see RUNNING. */
  if (!__atomic_exchange_n (&task->dirty, TRUE, __ATOMIC_ACQ_REL))
    task->sink->dirty (task);
}

/* The task waits for a worker to be free: the manager's message says so
 * until it starts (DESIGN.md §4 Messages). */
static void
show_waiting (Job *job)
{
  TaskerTask *task = job->task;

  if (job->wait_shown)
    return;
  job->wait_shown = TRUE;

  g_atomic_int_set (&task->waits_for, TASKER_WAIT_WORKER);
  if (!__atomic_exchange_n (&task->dirty, TRUE, __ATOMIC_ACQ_REL))
    task->sink->dirty (task);
}

static char *
describe_wait_status (const char *what,
                      int         wait_status)
{
  if (WIFSIGNALED (wait_status))
    return g_strdup_printf ("%s exited with signal %d (%s)", what,
                            WTERMSIG (wait_status), g_strsignal (WTERMSIG (wait_status)));

  return g_strdup_printf ("%s exited with status %d", what, WEXITSTATUS (wait_status));
}

/* Child setup, between fork and exec: async-signal-safe calls only. */
static void
child_setup (gpointer data)
{
  pid_t parent = GPOINTER_TO_INT (data);

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* The parent may have died before the line above. */
  if (getppid () != parent)
    _exit (127);
}

/* tasker-supervisor hears of our death as SIGTERM, so that it can end
 * what it runs (SIGTERM, then SIGKILL after the grace). */
static void
supervisor_child_setup (gpointer data)
{
  pid_t parent = GPOINTER_TO_INT (data);

  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () != parent)
    _exit (127);
}

static void
command_child_setup (gpointer data)
{
  /* Its own process group, so a cancel reaches what a shell started too. */
  setpgid (0, 0);
  child_setup (data);
}

/* --- output lines --------------------------------------------------------- */

static Job *
running_job (Child *child)
{
  Job *job = g_queue_peek_head (&child->jobs);

  return job != NULL && job->started && job->task != NULL ? job : NULL;
}

/* A line of a child's output, or a redraw of one (see TaskerLineSplitter):
 * a command's is read for its progress at each state, and logged once. */
static void
take_line (const char *line,
           gsize       len,
           gsize       cut,
           gboolean    parse,
           gboolean    log,
           gpointer    user_data)
{
  Child *child = user_data;
  Job *job = running_job (child);

  if (job == NULL)
    return;

  if (parse && !child->is_worker)
    {
      double fraction;
      g_autofree char *message = NULL;

      if (_tasker_command_progress_parse (line, len, &fraction, &message))
        {
          _tasker_task_store_progress (job->task, fraction);
          if (message != NULL)
            _tasker_task_store_message (job->task, message);
        }
    }

  if (log)
    _tasker_task_append_log_line (job->task, line, len, cut);
}

static void
line_reader_close (LineReader *reader)
{
  if (reader->fd < 0)
    return;

  _tasker_line_splitter_finish (&reader->lines, take_line, reader->child);
  if (reader->tag != NULL)
    g_source_remove_unix_fd (reader->child->source, reader->tag);
  close (reader->fd);
  reader->fd = -1;
  reader->tag = NULL;
}

/* Reads what is there now; closes the reader at the end of its stream. */
static void
line_reader_drain (LineReader *reader)
{
  char chunk[4096];
  gsize total = 0;

  while (reader->fd >= 0 && total < READ_BUDGET)
    {
      ssize_t n = read (reader->fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        break;
      if (n <= 0)
        {
          line_reader_close (reader);
          break;
        }

      total += n;
      /* However long a line, the splitter holds at most its bound. */
      _tasker_line_splitter_feed (&reader->lines, chunk, n, take_line, reader->child);
    }
}

static void
drain_output (Child *child)
{
  line_reader_drain (&child->stdout_lines);
  line_reader_drain (&child->stderr_lines);
}

/* --- killing ---------------------------------------------------------------- */

static void
signal_child (Child *child,
              int    signum)
{
  /* The supervisor ends the whole tree: SIGTERM, SIGKILL after its grace;
   * SIGUSR1 is SIGKILL at once. Killing the supervisor itself would leave
   * the tree behind. */
  if (child->supervised)
    {
      kill (child->pid, signum == SIGKILL ? SIGUSR1 : signum);
      return;
    }

  /* A command runs in its own process group. */
  if (kill (child->is_worker ? child->pid : -child->pid, signum) < 0 && !child->is_worker)
    kill (child->pid, signum);
}

static void kill_now (Child  *child,
                      GError *death);

static gboolean
hello_timer_cb (gpointer data)
{
  Child *child = data;
  g_autofree char *message = g_strdup_printf ("worker sent no HELLO within %u ms",
                                              child->runner->hello_timeout_ms);

  g_clear_pointer (&child->hello_timer, g_source_unref);
  kill_now (child, g_error_new_literal (TASKER_ERROR, TASKER_ERROR_WORKER_FAILED, message));

  return G_SOURCE_REMOVE;
}

static gboolean
kill_timer_cb (gpointer data)
{
  Child *child = data;

  g_clear_pointer (&child->kill_timer, g_source_unref);
  child->cancel_kill = TRUE;

  if (child->kill_stage == 0 && child->is_worker)
    {
      child->kill_stage = 1;
      signal_child (child, SIGTERM);
      child->kill_timer = g_timeout_source_new (KILL_AFTER_TERM_MS);
    }
  else
    {
      child->kill_stage = 2;
      signal_child (child, SIGKILL);
      return G_SOURCE_REMOVE;
    }

  g_source_set_callback (child->kill_timer, kill_timer_cb, child, NULL);
  g_source_attach (child->kill_timer, child->runner->context);

  return G_SOURCE_REMOVE;
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

/* The head task was cancelled and still runs: a worker gets the grace period
 * before SIGTERM, then SIGKILL; a command got SIGTERM already and gets SIGKILL
 * after the grace period. */
static void
arm_kill_timer (Child *child)
{
  if (child->kill_timer != NULL || child->kill_stage > 0)
    return;

  child->retiring = TRUE;
  child->kill_timer = g_timeout_source_new (child->runner->current.cancel_grace_ms);
  g_source_set_callback (child->kill_timer, kill_timer_cb, child, NULL);
  g_source_attach (child->kill_timer, child->runner->context);
}

static void
kill_now (Child  *child,
          GError *death)
{
  if (death != NULL && child->death == NULL)
    child->death = death;
  else if (death != NULL)
    g_error_free (death);

  child->retiring = TRUE;
  clear_source (&child->kill_timer);
  child->kill_stage = 2;
  signal_child (child, SIGKILL);
}

/* --- writing to a worker ---------------------------------------------------- */

static void
close_socket (Child *child)
{
  if (child->socket_fd < 0)
    return;

  g_source_remove_unix_fd (child->source, child->socket_tag);
  close (child->socket_fd);
  child->socket_fd = -1;
  child->socket_tag = NULL;
  child->lost = TRUE;
}

/* What the socket is watched for: not its frames while they are paused. */
static void
watch_socket (Child *child)
{
  g_source_modify_unix_fd (child->source, child->socket_tag,
                           (child->paused ? 0 : G_IO_IN) | G_IO_HUP | G_IO_ERR |
                           (child->out->len > 0 ? G_IO_OUT : 0));
}

static void
pause_reading (Child *child)
{
  if (child->paused || child->reaped)
    return;
  child->paused = TRUE;
  if (child->socket_fd >= 0)
    watch_socket (child);
}

static void
child_write (Child *child)
{
  gsize written = 0;

  if (child->socket_fd < 0)
    {
      g_byte_array_set_size (child->out, 0);
      return;
    }

  while (written < child->out->len)
    {
      ssize_t n = send (child->socket_fd, child->out->data + written,
                        child->out->len - written, MSG_NOSIGNAL | MSG_DONTWAIT);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        break;
      if (n < 0)
        {
          /* It is gone; its exit status will say why. */
          g_byte_array_set_size (child->out, 0);
          close_socket (child);
          return;
        }
      written += n;
      child->bytes_sent += n;
    }

  g_byte_array_remove_range (child->out, 0, written);
  watch_socket (child);
}

/* Lets an idle worker go: it reads the end of its stream and exits. */
static void
dismiss (Child *child)
{
  child->retiring = TRUE;
  clear_source (&child->idle_timer);
  close_socket (child);
}

static gboolean
idle_timer_cb (gpointer data)
{
  Child *child = data;

  g_clear_pointer (&child->idle_timer, g_source_unref);
  if (child->jobs.length == 0)
    dismiss (child);

  return G_SOURCE_REMOVE;
}

static void
child_became_idle (Child *child)
{
  guint idle_ms = child->runner->current.worker_idle_ms;

  if (child->retiring)
    {
      dismiss (child);
      return;
    }

  if (idle_ms > 0 && child->idle_timer == NULL)
    {
      child->idle_timer = g_timeout_source_new (idle_ms);
      g_source_set_callback (child->idle_timer, idle_timer_cb, child, NULL);
      g_source_attach (child->idle_timer, child->runner->context);
    }
}

/* --- frames from a worker --------------------------------------------------- */

static Job *
find_job (Child   *child,
          guint64  id)
{
  for (GList *l = child->jobs.head; l != NULL; l = l->next)
    {
      Job *job = l->data;

      if (job->task != NULL && job->task->id == id)
        return job;
    }
  return NULL;
}

static Job *
find_ours (Child   *child,
           guint64  id)
{
  Job *job = find_job (child, id);

  return job != NULL && job->started ? job : NULL;
}

static void
send_cancel (Child *child,
             Job   *job)
{
  job->cancel_sent = TRUE;
  _tasker_worker_protocol_append_id (child->out, TASKER_WORKER_MSG_CANCEL, job->task->id);
  child_write (child);
}

static GError *bad_frame (const char *message);

/* A worker runs its tasks one at a time, in the order given. */
static gboolean
handle_started (Child   *child,
                guint64  id)
{
  Job *job = find_job (child, id);
  Job *head = g_queue_peek_head (&child->jobs);

  if (job == NULL || job->seen_start || job != head)
    {
      g_autofree char *message = g_strdup_printf ("STARTED for task %" G_GUINT64_FORMAT ", %s", id,
                                                  job == NULL ? "which it was not given"
                                                  : job->seen_start ? "which had started already"
                                                  : "before the tasks given before it had ended");
      kill_now (child, bad_frame (message));
      return FALSE;
    }
  job->seen_start = TRUE;

  /* Back from a worker that was killed for another task's cancel. */
  if (job->started)
    return TRUE;

  if (_tasker_task_claim_start (job->task))
    job_mark_started (job);
  else
    {
      /* Cancelled before it started, and the worker started it anyway. */
      if (!job->cancel_sent)
        send_cancel (child, job);
      arm_kill_timer (child);
    }

  return TRUE;
}

static gboolean
handle_end (Child       *child,
            const char  *what,
            guint64      id,
            GVariant    *result,
            GError      *error,
            gboolean     before_cancel)
{
  Job *job = find_job (child, id);

  if (job == NULL || (!job->seen_start && !g_atomic_int_get (&job->task->cancel_requested)))
    {
      g_autofree char *message = g_strdup_printf ("%s for task %" G_GUINT64_FORMAT ", %s", what, id,
                                                  job == NULL ? "which it was not given"
                                                  : "before its STARTED");

      /* The task it names fails now, not when the worker is reaped. */
      g_clear_error (&error);
      if (job != NULL)
        {
          g_queue_remove (&child->jobs, job);
          job->child = NULL;
          job_fail_unstarted (job, bad_frame (message));
        }
      kill_now (child, bad_frame (message));
      return FALSE;
    }

  /* Lines a command printed before it ended are its own. */
  if (!child->is_worker)
    drain_output (child);

  g_queue_remove (&child->jobs, job);
  job->child = NULL;

  if (child->kill_timer != NULL && child->kill_stage == 0)
    {
      /* The cancelled task ended in time. */
      clear_source (&child->kill_timer);
      child->retiring = child->runner->current.worker_max_tasks > 0 &&
                        child->n_sent >= child->runner->current.worker_max_tasks;
    }

  if (!job->started)
    {
      /* Cancelled before it started: the manager has ended it already. */
      g_clear_error (&error);
      job_free (job);
    }
  else
    {
      if (error == NULL)
        {
          _tasker_task_store_result_variant (job->task, result);
        }
      job_return_full (job, error, before_cancel);
    }

  if (child->jobs.length == 0)
    child_became_idle (child);

  return TRUE;
}

static GError *
bad_frame (const char *message)
{
  return g_error_new (TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                      "bad frame from worker: %s", message);
}

/* FALSE when the worker must go. */
static gboolean
handle_frame (Child           *child,
              TaskerWorkerMsg  type,
              GVariant        *body)
{
  guint64 id = 0;
  Job *job;
  /* The worker says its task returned before any cancel reached it. */
  gboolean before_cancel = (_tasker_worker_decoder_get_flags (child->decoder) &
                            TASKER_WORKER_FLAG_BEFORE_CANCEL) != 0;

  /* Every other body starts with the task id: its first 8 bytes. */
  if (type != TASKER_WORKER_MSG_HELLO && type != TASKER_WORKER_MSG_EXIT)
    memcpy (&id, g_variant_get_data (body), sizeof id);

  if (!child->hello && type != TASKER_WORKER_MSG_HELLO)
    {
      g_autofree char *message = g_strdup_printf ("a %s message before HELLO",
                                                  _tasker_worker_msg_get_name (type));

      kill_now (child, bad_frame (message));
      return FALSE;
    }

  switch (type)
    {
    case TASKER_WORKER_MSG_HELLO:
      {
        g_autoptr(GError) error = NULL;
        gint32 pid;

        if (child->hello || !_tasker_worker_protocol_check_hello (body, &pid, &error))
          {
            kill_now (child, bad_frame (error != NULL ? error->message : "a second HELLO"));
            return FALSE;
          }
        child->hello = TRUE;
        clear_source (&child->hello_timer);
      }
      break;

    case TASKER_WORKER_MSG_STARTED:
      if (!handle_started (child, id))
        return FALSE;
      break;

    case TASKER_WORKER_MSG_PROGRESS:
      if ((job = find_ours (child, id)))
        {
          double fraction;

          memcpy (&fraction, (const guint8 *) g_variant_get_data (body) + sizeof id, sizeof fraction);
          _tasker_task_store_progress (job->task, fraction);
        }
      break;

    case TASKER_WORKER_MSG_MESSAGE:
      if ((job = find_ours (child, id)))
        {
          const char *message = NULL;

          g_variant_get (body, "(tm&s)", NULL, &message);
          _tasker_task_store_message (job->task, message);
        }
      break;

    case TASKER_WORKER_MSG_LOG:
      if ((job = find_ours (child, id)))
        {
          const char *line;

          g_variant_get (body, "(t&s)", NULL, &line);
          _tasker_task_append_log (job->task, line);
        }
      break;

    case TASKER_WORKER_MSG_EVENT:
      if ((job = find_ours (child, id)) && job->task->has_event_func)
        {
          const char *name;
          g_autoptr(GVariant) data = NULL;

          g_variant_get (body, "(t&smv)", NULL, &name, &data);
          /* Back-pressure: past the task's bound, the worker's frames wait in
           * its socket (and the worker in its writes) until the manager has
           * delivered some; see _tasker_process_runner_resume(). */
          if (job->task->sink->event (job->task, name, data, FALSE))
            pause_reading (child);
        }
      break;

    case TASKER_WORKER_MSG_RESULT:
      {
        g_autoptr(GVariant) boxed = g_variant_get_child_value (body, 1);
        g_autoptr(GVariant) result = g_variant_get_variant (boxed);

        if (!handle_end (child, "RESULT", id, result, NULL, before_cancel))
          return FALSE;
      }
      break;

    case TASKER_WORKER_MSG_ERROR:
      {
        const char *domain, *message;
        gint32 code;
        GQuark quark;

        g_variant_get (body, "(t&si&s)", NULL, &domain, &code, &message);
        /* Known domains keep their quark and code. Making one for any
         * string a worker sends would grow the quark table without bound:
         * an unknown domain is a worker failure, with its message. */
        quark = g_quark_try_string (domain);
        if (quark == 0)
          {
            quark = TASKER_ERROR;
            code = TASKER_ERROR_WORKER_FAILED;
          }
        if (!handle_end (child, "ERROR", id, NULL, g_error_new_literal (quark, code, message),
                         before_cancel))
          return FALSE;
      }
      break;

    case TASKER_WORKER_MSG_EXIT:
      child->retiring = TRUE;
      break;

    case TASKER_WORKER_MSG_RUN:
    case TASKER_WORKER_MSG_CANCEL:
    case TASKER_WORKER_N_MSGS:
    default:
      {
        g_autofree char *message = g_strdup_printf ("a worker sent a %s message",
                                                    _tasker_worker_msg_get_name (type));
        kill_now (child, bad_frame (message));
      }
      return FALSE;
    }

  return TRUE;
}

/* Handles the frames decoded so far, unless the reading is paused. FALSE
 * when the worker must go (its socket is closed then). */
static gboolean
handle_frames (Child *child)
{
  g_autoptr(GError) error = NULL;
  TaskerWorkerMsg type;
  GVariant *body;

  while ((!child->paused || child->reaped) &&
         _tasker_worker_decoder_next (child->decoder, &type, &body, &error))
    {
      gboolean keep = handle_frame (child, type, body);

      g_variant_unref (body);
      if (!keep)
        {
          close_socket (child);
          return FALSE;
        }
    }

  if (error != NULL)
    {
      kill_now (child, bad_frame (error->message));
      close_socket (child);
      return FALSE;
    }

  return TRUE;
}

static void
read_socket (Child *child)
{
  guint8 chunk[READ_CHUNK];
  gsize total = 0;

  /* Frames left when the reading was paused go first. */
  if (!handle_frames (child))
    return;

  while (child->socket_fd >= 0 && total < READ_BUDGET && (!child->paused || child->reaped))
    {
      ssize_t n;

      n = recv (child->socket_fd, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        break;
      if (n <= 0)
        {
          /* The worker is leaving: its exit status tells why, when it is
           * reaped. One that leaves with work given must not linger; killing
           * an exiting process does not change its status. */
          close_socket (child);
          if (child->jobs.length > 0 && child->kill_stage < 2)
            kill_now (child, NULL);
          break;
        }
      total += n;

      _tasker_worker_decoder_feed (child->decoder, chunk, n);
      if (!handle_frames (child))
        return;
    }
}

static gboolean
child_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  Child *child = ((ChildSource *) source)->child;

  if (child->socket_tag != NULL)
    {
      GIOCondition cond = g_source_query_unix_fd (source, child->socket_tag);

      if (cond & G_IO_OUT)
        child_write (child);
      if (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR))
        read_socket (child);
    }

  if (child->stdout_lines.tag != NULL &&
      g_source_query_unix_fd (source, child->stdout_lines.tag) != 0)
    line_reader_drain (&child->stdout_lines);
  if (child->stderr_lines.tag != NULL &&
      g_source_query_unix_fd (source, child->stderr_lines.tag) != 0)
    line_reader_drain (&child->stderr_lines);

  /* Frames may have freed a worker: give it work. */
  schedule (child->runner);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs child_source_funcs = {
  .dispatch = child_source_dispatch,
};

/* --- children's lives ------------------------------------------------------- */

/* A command's output is read as it comes. A worker reads its own output and
 * sends it as LOG frames, in order with its other frames; we read what is
 * left only once it has died (the last words of a crash). */
static void
line_reader_init (LineReader *reader,
                  Child      *child,
                  int         fd,
                  gboolean    watch)
{
  reader->child = child;
  reader->fd = fd;
  _tasker_line_splitter_init (&reader->lines);
  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
  if (watch)
    reader->tag = g_source_add_unix_fd (child->source, fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
}

static void
child_watch_cb (GPid     pid,
                int      wait_status,
                gpointer data)
{
  Child *child = data;
  TaskerProcessRunner *self = child->runner;

  g_clear_pointer (&child->watch, g_source_unref);
  child_reaped (child, wait_status);

  /* Its queued tasks went back to the queue: they need a worker. */
  schedule (self);
}

static Child *
child_new (TaskerProcessRunner *self,
           GPid                 pid,
           gboolean             is_worker,
           int                  socket_fd,
           int                  stdout_fd,
           int                  stderr_fd)
{
  Child *child = g_new0 (Child, 1);

  child->runner = self;
  child->pid = pid;
  child->is_worker = is_worker;
  child->socket_fd = socket_fd;
  g_queue_init (&child->jobs);

  child->source = g_source_new (&child_source_funcs, sizeof (ChildSource));
  ((ChildSource *) child->source)->child = child;
  g_source_set_static_name (child->source, "[tasker-process]");

  if (is_worker)
    {
      child->out = g_byte_array_new ();
      child->decoder = _tasker_worker_decoder_new ();
      child->socket_tag = g_source_add_unix_fd (child->source, socket_fd,
                                                G_IO_IN | G_IO_HUP | G_IO_ERR);

      /* One that never says hello must not hold its tasks for ever. */
      child->hello_timer = g_timeout_source_new (self->hello_timeout_ms);
      g_source_set_callback (child->hello_timer, hello_timer_cb, child, NULL);
      g_source_attach (child->hello_timer, self->context);
    }
  line_reader_init (&child->stdout_lines, child, stdout_fd, !is_worker);
  line_reader_init (&child->stderr_lines, child, stderr_fd, !is_worker);
  g_source_attach (child->source, self->context);

  child->watch = g_child_watch_source_new (pid);
  g_source_set_callback (child->watch, G_SOURCE_FUNC (child_watch_cb), child, NULL);
  g_source_attach (child->watch, self->context);

  g_ptr_array_add (self->children, child);

  return child;
}

static void
child_free (Child *child)
{
  clear_source (&child->kill_timer);
  clear_source (&child->idle_timer);
  clear_source (&child->hello_timer);
  clear_source (&child->watch);
  close_socket (child);
  line_reader_close (&child->stdout_lines);
  line_reader_close (&child->stderr_lines);
  _tasker_line_splitter_clear (&child->stdout_lines.lines);
  _tasker_line_splitter_clear (&child->stderr_lines.lines);
  clear_source (&child->source);
  g_clear_pointer (&child->out, g_byte_array_unref);
  g_clear_pointer (&child->decoder, _tasker_worker_decoder_free);
  g_clear_error (&child->death);
  g_strfreev (child->program);
  g_assert (child->jobs.length == 0);
  g_free (child);
}

/* The child has exited. Its task in flight (the oldest it was given) fails
 * with the reason; tasks it had not started go back to the queue. */
static void
child_reaped (Child *child,
              int    wait_status)
{
  TaskerProcessRunner *self = child->runner;
  Job *head;
  GList *rest;

  /* What it said and printed before it went still counts, whatever the
   * bound of its events: it sends no more. */
  child->reaped = TRUE;
  if (child->socket_fd >= 0 || child->paused)
    read_socket (child);
  drain_output (child);
  line_reader_close (&child->stdout_lines);
  line_reader_close (&child->stderr_lines);

  head = g_queue_pop_head (&child->jobs);

  /* A worker that died before its socket took the task's RUN frame (killed
   * while idle, before we heard of it) never saw the task: it runs elsewhere.
   * Bounded, for a worker program that dies every time before reading. */
  if (head != NULL && child->is_worker && head->run_end > child->bytes_sent &&
      ++head->n_lost < LOST_RUN_MAX)
    {
      g_queue_push_head (&child->jobs, head);
      head = NULL;
    }

  /* Killed because a cancelled task outlived its grace: a task that started
   * after that one ended is not to blame. It runs again elsewhere. */
  if (head != NULL && child->is_worker && child->cancel_kill && child->death == NULL &&
      !g_atomic_int_get (&head->task->cancel_requested))
    {
      g_queue_push_head (&child->jobs, head);
      head = NULL;
    }

  if (head != NULL)
    {
      GError *error;

      if (!child->is_worker && WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 0)
        error = NULL;
      else if (child->death != NULL)
        error = g_steal_pointer (&child->death);
      else
        {
          g_autofree char *message = describe_wait_status (child->is_worker ? "worker" : "command",
                                                           wait_status);
          error = g_error_new_literal (TASKER_ERROR,
                                       child->is_worker ? TASKER_ERROR_WORKER_FAILED : TASKER_ERROR_FAILED,
                                       message);
        }

      head->child = NULL;
      if (head->exited_before_cancel && head->started)
        job_return_full (head, error, TRUE);
      else if (error == NULL)
        job_return (head, NULL);
      else
        job_fail_unstarted (head, error);
    }

  /* Back to the front of the queue, in their order. */
  rest = child->jobs.tail;
  for (GList *l = rest; l != NULL; l = l->prev)
    {
      Job *job = l->data;

      job->child = NULL;
      job->seen_start = FALSE;
      if (g_atomic_int_get (&job->task->cancel_requested))
        job_drop (job);
      else
        g_queue_push_head (&self->waiting, job);
    }
  g_queue_clear (&child->jobs);

  g_ptr_array_remove_fast (self->children, child);
  child_free (child);
}

/* The argv that runs @argv under tasker-supervisor: it ends @argv's tree
 * with @grace_ms between SIGTERM and SIGKILL, and reports a failed exec on
 * SUPERVISOR_STATUS_FD. */
static char **
supervised_argv (TaskerProcessRunner *self,
                 const char * const  *argv,
                 guint                grace_ms)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *grace = g_strdup_printf ("%u", grace_ms);
  g_autofree char *status_fd = g_strdup_printf ("%d", SUPERVISOR_STATUS_FD);

  g_strv_builder_add_many (builder, self->supervisor_path, grace, status_fd, NULL);
  g_strv_builder_addv (builder, (const char **) argv);

  return g_strv_builder_end (builder);
}

/* Waits for the supervisor to have executed its program (the pipe's end),
 * or to report why it could not. */
static gboolean
supervisor_check_exec (GPid         pid,
                       int          status_fd,
                       const char  *program,
                       GError     **error)
{
  int saved = 0;
  gsize got = 0;

  while (got < sizeof saved)
    {
      ssize_t n = read (status_fd, (char *) &saved + got, sizeof saved - got);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += n;
    }
  close (status_fd);

  if (got < sizeof saved)
    return TRUE;

  /* It leaves at once; it is ours to reap. */
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
               "Failed to execute child process “%s” (%s)", program, g_strerror (saved));
  return FALSE;
}

static Child *
spawn (TaskerProcessRunner  *self,
       const char * const   *argv,
       const char           *cwd,
       const char * const   *envp,
       gboolean              is_worker,
       GError              **error)
{
  GSpawnFlags flags = G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_CLOEXEC_PIPES;
  int stdout_fd = -1, stderr_fd = -1;
  int status[2] = { -1, -1 };
  int source_fds[4], target_fds[4];
  guint n_fds = 0;
  g_auto(GStrv) run_argv = NULL;
  GSpawnChildSetupFunc setup = is_worker ? child_setup : command_child_setup;
  GPid pid;
  Child *child;

  if (self->supervisor_path != NULL)
    {
      if (!g_unix_open_pipe (status, FD_CLOEXEC, error))
        return NULL;
      run_argv = supervised_argv (self, argv,
                                  is_worker ? KILL_AFTER_TERM_MS : self->current.cancel_grace_ms);
      argv = (const char * const *) run_argv;
      setup = supervisor_child_setup;
      source_fds[n_fds] = status[1];
      target_fds[n_fds++] = SUPERVISOR_STATUS_FD;
    }

  if (is_worker)
    {
      /* The socket, and the read ends of the worker's own output pipes:
       * it reads them itself so that its output keeps its place among its
       * frames; we keep them too, for what is left if it dies. */
      int sv[2], out[2], err[2];
      gboolean ok;

      if (!g_unix_open_pipe (out, FD_CLOEXEC, error))
        goto fail;
      if (!g_unix_open_pipe (err, FD_CLOEXEC, error))
        {
          close (out[0]);
          close (out[1]);
          goto fail;
        }
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "cannot make a socket pair: %s", g_strerror (saved));
          close (out[0]);
          close (out[1]);
          close (err[0]);
          close (err[1]);
          goto fail;
        }

      source_fds[n_fds] = sv[1];
      target_fds[n_fds++] = TASKER_WORKER_SOCKET_FD;
      source_fds[n_fds] = out[0];
      target_fds[n_fds++] = TASKER_WORKER_STDOUT_FD;
      source_fds[n_fds] = err[0];
      target_fds[n_fds++] = TASKER_WORKER_STDERR_FD;

      ok = g_spawn_async_with_pipes_and_fds (cwd, argv, envp, flags | G_SPAWN_SEARCH_PATH,
                                             setup, GINT_TO_POINTER (getpid ()),
                                             -1, out[1], err[1],
                                             source_fds, target_fds, n_fds,
                                             &pid, NULL, NULL, NULL,
                                             error);
      close (sv[1]);
      close (out[1]);
      close (err[1]);
      if (status[1] >= 0)
        close (status[1]);
      if (ok && status[0] >= 0)
        ok = supervisor_check_exec (pid, g_steal_fd (&status[0]), run_argv[3], error);
      if (!ok)
        {
          if (status[0] >= 0)
            close (status[0]);
          close (sv[0]);
          close (out[0]);
          close (err[0]);
          return NULL;
        }

      g_unix_set_fd_nonblocking (sv[0], TRUE, NULL);
      child = child_new (self, pid, TRUE, sv[0], out[0], err[0]);
      child->supervised = run_argv != NULL;
      return child;
    }

  if (!g_spawn_async_with_pipes_and_fds (cwd, argv, envp, flags | G_SPAWN_SEARCH_PATH,
                                         setup, GINT_TO_POINTER (getpid ()),
                                         -1, -1, -1,
                                         source_fds, target_fds, n_fds,
                                         &pid, NULL, &stdout_fd, &stderr_fd,
                                         error))
    goto fail;
  if (status[1] >= 0)
    close (status[1]);
  if (status[0] >= 0 &&
      !supervisor_check_exec (pid, g_steal_fd (&status[0]), run_argv[3], error))
    {
      close (stdout_fd);
      close (stderr_fd);
      return NULL;
    }

  child = child_new (self, pid, FALSE, -1, stdout_fd, stderr_fd);
  child->supervised = run_argv != NULL;
  return child;

fail:
  if (status[0] >= 0)
    close (status[0]);
  if (status[1] >= 0)
    close (status[1]);
  return NULL;
}

/* --- scheduling --------------------------------------------------------------- */

static Child *
spawn_worker (TaskerProcessRunner  *self,
              char                **program,
              GError              **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *interval = g_strdup_printf ("--update-interval=%u", self->current.update_interval_ms);
  Child *child;

  if (program != NULL)
    g_strv_builder_addv (builder, (const char **) program);
  else
    g_strv_builder_add (builder, self->worker_path);
  g_strv_builder_add (builder, interval);
  argv = g_strv_builder_end (builder);

  /* A program given with a path runs as is; a bare name is looked up in PATH. */
  child = spawn (self, (const char * const *) argv, NULL, NULL, TRUE, &local_error);
  if (child == NULL)
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                   "cannot start the worker “%s”: %s", argv[0], local_error->message);
      return NULL;
    }
  child->program = g_strdupv (program);

  return child;
}

static gboolean
same_program (char **a,
              char **b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strv_equal ((const char * const *) a, (const char * const *) b);
}

/* The worker for @job: an idle one of its program, a new one while the pool
 * may grow (making room by letting an idle worker of another program go),
 * else the least busy one if a backlog makes queueing in workers pay
 * (several tasks in flight per worker, their frames batched). */
static Child *
pick_worker (TaskerProcessRunner  *self,
             Job                  *job,
             GError              **error)
{
  Child *best = NULL;
  Child *idle_other = NULL;
  guint n_live = 0;
  guint n_same = 0;
  guint depth;

  for (guint i = 0; i < self->children->len; i++)
    {
      Child *child = g_ptr_array_index (self->children, i);

      if (!child->is_worker || child->lost)
        continue;
      /* A retiring worker still counts against the limit until it leaves. */
      n_live++;
      if (child->retiring)
        continue;
      if (!same_program (child->program, job->call->worker))
        {
          if (child->jobs.length == 0)
            idle_other = child;
          continue;
        }
      n_same++;
      if (child->jobs.length == 0)
        return child;
      if (best == NULL || child->jobs.length < best->jobs.length)
        best = child;
    }

  if (n_live >= self->current.max_workers && idle_other != NULL && (best == NULL || best->jobs.length > 0))
    {
      dismiss (idle_other);
      n_live--;
    }

  if (n_live < self->current.max_workers)
    return spawn_worker (self, job->call->worker, error);

  if (best == NULL)
    return NULL;

  /* Spread the backlog; one long task then holds up at most its share. */
  depth = CLAMP (self->waiting.length / n_same + 1, 1, PIPELINE_MAX);

  return best->jobs.length < depth ? best : NULL;
}

static gboolean
send_run (Child  *child,
          Job    *job,
          GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint before = child->out->len;

  if (!_tasker_worker_protocol_append_run (child->out, job->task->id, job->call->entry_point,
                                           job->call->args, job->task->trace_id, &local_error))
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_SERIALIZATION,
                   "cannot serialise arguments: %" G_GSIZE_FORMAT " bytes exceed the frame limit of %d bytes",
                   g_variant_get_size (job->call->args), TASKER_WORKER_PROTOCOL_MAX_FRAME);
      return FALSE;
    }

  /* Queued behind another task of that worker. */
  if (child->jobs.length > 0)
    show_waiting (job);

  child->bytes_queued += child->out->len - before;
  job->run_end = child->bytes_queued;
  job->child = child;
  g_queue_push_tail (&child->jobs, job);
  clear_source (&child->idle_timer);
  child->n_sent++;
  if (child->runner->current.worker_max_tasks > 0 &&
      child->n_sent >= child->runner->current.worker_max_tasks)
    child->retiring = TRUE;

  return TRUE;
}

/* A lowered max-workers: idle workers beyond it leave. */
static void
trim_pool (TaskerProcessRunner *self)
{
  guint n_live = 0;

  for (guint i = 0; i < self->children->len; i++)
    {
      Child *child = g_ptr_array_index (self->children, i);

      if (child->is_worker && !child->lost && !child->retiring)
        n_live++;
    }

  for (guint i = 0; i < self->children->len && n_live > self->current.max_workers; i++)
    {
      Child *child = g_ptr_array_index (self->children, i);

      if (child->is_worker && !child->lost && !child->retiring && child->jobs.length == 0)
        {
          dismiss (child);
          n_live--;
        }
    }
}

static void
schedule (TaskerProcessRunner *self)
{
  while (self->waiting.length > 0)
    {
      g_autoptr(GError) error = NULL;
      Job *job = g_queue_peek_head (&self->waiting);
      Child *child;

      if (g_atomic_int_get (&job->task->cancel_requested))
        {
          job_drop (g_queue_pop_head (&self->waiting));
          continue;
        }

      child = pick_worker (self, job, &error);
      if (child == NULL && error == NULL)
        break;

      g_queue_pop_head (&self->waiting);
      if (child == NULL || !send_run (child, job, &error))
        job_fail_unstarted (job, g_steal_pointer (&error));
    }

  /* What is left waits for a worker; the message is set once per job. */
  if (self->n_unshown > 0)
    {
      for (GList *l = self->waiting.head; l != NULL; l = l->next)
        show_waiting (l->data);
      self->n_unshown = 0;
    }

  trim_pool (self);

  /* One write per worker for everything given to it above. */
  for (guint i = 0; i < self->children->len; i++)
    {
      Child *child = g_ptr_array_index (self->children, i);

      if (child->is_worker && child->out->len > 0)
        child_write (child);
    }
}

static void
start_command (TaskerProcessRunner *self,
               Job                 *job)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = NULL;
  g_autofree char *trace = NULL;
  Child *child;

  /* Claimed before it exists, so that its first lines count. */
  if (!_tasker_task_claim_start (job->task))
    {
      job_free (job);
      return;
    }
  job->started = TRUE;

  /* The command sees the task's trace id. */
  envp = job->call->envp != NULL ? g_strdupv (job->call->envp) : g_get_environ ();
  trace = _tasker_trace_format (job->task->trace_id);
  envp = g_environ_setenv (envp, "TASKER_TRACE_ID", trace, TRUE);

  child = spawn (self, (const char * const *) job->call->argv, job->call->cwd,
                 (const char * const *) envp, FALSE, &error);
  if (child == NULL)
    {
      job_return (job, g_error_new (TASKER_ERROR, TASKER_ERROR_FAILED,
                                    "cannot run “%s”: %s", job->call->argv[0], error->message));
      return;
    }

  job->child = child;
  g_queue_push_tail (&child->jobs, job);
  job_mark_started (job);
}

static gboolean
remove_waiting (TaskerProcessRunner *self,
                TaskerTask          *task)
{
  for (GList *l = self->waiting.head; l != NULL; l = l->next)
    {
      Job *job = l->data;

      if (job->task == task)
        {
          g_queue_delete_link (&self->waiting, l);
          job_drop (job);
          return TRUE;
        }
    }
  return FALSE;
}

static void
cancel_task (TaskerProcessRunner *self,
             TaskerTask          *task)
{
  if (remove_waiting (self, task))
    return;

  for (guint i = 0; i < self->children->len; i++)
    {
      Child *child = g_ptr_array_index (self->children, i);
      Job *job = find_job (child, task->id);

      if (job == NULL || job->task != task)
        continue;

      if (!child->is_worker)
        {
          siginfo_t info = { 0 };
          int waited;

          /* One that exited already, not yet reaped here (or reaped by
           * GLib, not yet reported), ends with its own status: the cancel
           * came after its end (DESIGN.md §4, Completion wins). */
          waited = waitid (P_PID, child->pid, &info, WEXITED | WNOHANG | WNOWAIT);
          if ((waited == 0 && info.si_pid == child->pid) || (waited < 0 && errno == ECHILD))
            {
              job->exited_before_cancel = TRUE;
              return;
            }

          /* A program's cancel message is SIGTERM. */
          signal_child (child, SIGTERM);
          arm_kill_timer (child);
        }
      else if (!job->cancel_sent && !child->lost)
        {
          send_cancel (child, job);
          if (job->started)
            arm_kill_timer (child);
        }
      return;
    }
}

/* Kills every child and waits for each: for shutdown and the end. */
static void
stop_all (TaskerProcessRunner *self)
{
  while (self->children->len > 0)
    {
      Child *child = g_ptr_array_index (self->children, 0);
      int wait_status = 0;

      signal_child (child, SIGKILL);
      /* We reap it ourselves, so GLib must not wait for it too. */
      clear_source (&child->watch);
      while (waitpid (child->pid, &wait_status, 0) < 0 && errno == EINTR)
        ;
      child_reaped (child, wait_status);
    }

  /* Whatever was waiting for a worker will not get one. */
  while (self->waiting.length > 0)
    job_fail_unstarted (g_queue_pop_head (&self->waiting),
                        g_error_new_literal (TASKER_ERROR, TASKER_ERROR_SHUT_DOWN,
                                             "The task manager was shut down"));
}

/* Waiting for a worker: by priority, lower first, then in order. */
static void
wait_for_worker (TaskerProcessRunner *self,
                 Job                 *job)
{
  int priority = job->task->policy.priority;
  GList *l;

  if (!job->wait_shown)
    self->n_unshown++;

  for (l = self->waiting.tail; l != NULL; l = l->prev)
    if (((Job *) l->data)->task->policy.priority <= priority)
      break;

  if (l != NULL)
    g_queue_insert_after (&self->waiting, l, job);
  else
    g_queue_push_head (&self->waiting, job);
}

/* The manager has delivered enough of @task's events: its worker is read
 * again. */
static void
resume_reading (TaskerProcessRunner *self,
                TaskerTask          *task)
{
  for (guint i = 0; i < self->children->len; i++)
    {
      Child *child = g_ptr_array_index (self->children, i);

      if (!child->paused || find_job (child, task->id) == NULL)
        continue;
      child->paused = FALSE;
      if (child->socket_fd >= 0)
        watch_socket (child);
      read_socket (child);
      break;
    }
}

static gboolean
wakeup_dispatch (GSource     *source,
                 GSourceFunc  callback,
                 gpointer     user_data)
{
  TaskerProcessRunner *self = ((WakeupSource *) source)->runner;
  GQueue requests = G_QUEUE_INIT;
  guint stop = 0;
  Request *request;

  g_mutex_lock (&self->lock);
  g_source_set_ready_time (source, -1);
  requests = self->requests;
  g_queue_init (&self->requests);
  self->current = self->limits;
  if (self->stop_requested != self->stop_done)
    stop = self->stop_requested;
  g_mutex_unlock (&self->lock);

  while ((request = g_queue_pop_head (&requests)))
    {
      switch (request->type)
        {
        case REQ_RUN:
          if (request->job->call->entry_point != NULL)
            wait_for_worker (self, request->job);
          else
            start_command (self, request->job);
          break;

        case REQ_CANCEL:
          cancel_task (self, request->task);
          g_object_unref (request->task);
          break;

        case REQ_RESUME:
          resume_reading (self, request->task);
          g_object_unref (request->task);
          break;

        case REQ_STOP_ALL:
        default:
          break;
        }
      g_free (request);
    }

  if (stop != 0)
    {
      stop_all (self);
      g_mutex_lock (&self->lock);
      self->stop_done = stop;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
    }

  schedule (self);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs wakeup_source_funcs = {
  .dispatch = wakeup_dispatch,
};

static void runner_destroy (TaskerProcessRunner *self);

static gpointer
runner_thread (gpointer data)
{
  TaskerProcessRunner *self = data;
  gboolean free_on_exit;

  g_main_context_push_thread_default (self->context);

  for (;;)
    {
      gboolean quit;

      g_mutex_lock (&self->lock);
      quit = self->quit;
      g_mutex_unlock (&self->lock);
      if (quit)
        break;

      g_main_context_iteration (self->context, TRUE);
    }

  stop_all (self);

  g_main_context_pop_thread_default (self->context);

  g_mutex_lock (&self->lock);
  free_on_exit = self->free_on_exit;
  g_mutex_unlock (&self->lock);

  /* The manager went away on this very thread: nobody will join us. */
  if (free_on_exit)
    {
      g_thread_unref (self->thread);
      runner_destroy (self);
    }

  return NULL;
}

static void
wake_locked (TaskerProcessRunner *self)
{
  g_source_set_ready_time (self->wakeup, 0);
}

static void
push_request_locked (TaskerProcessRunner *self,
                     RequestType          type,
                     Job                 *job,
                     TaskerTask          *task)
{
  Request *request = g_new0 (Request, 1);

  request->type = type;
  request->job = job;
  request->task = task != NULL ? g_object_ref (task) : NULL;
  if (self->requests.length == 0)
    wake_locked (self);
  g_queue_push_tail (&self->requests, request);
}

TaskerProcessRunner *
_tasker_process_runner_new (const TaskerProcessLimits *limits)
{
  TaskerProcessRunner *self = g_new0 (TaskerProcessRunner, 1);
  const char *worker_path = g_getenv ("TASKER_WORKER");
  const char *supervisor_path = g_getenv ("TASKER_SUPERVISOR");
  const char *hello_timeout = g_getenv ("TASKER_WORKER_HELLO_TIMEOUT_MS");

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->requests);
  g_queue_init (&self->waiting);
  self->limits = *limits;
  self->current = *limits;
  self->children = g_ptr_array_new ();
  /* The domains of the errors workers send most: known by name before any
   * worker's ERROR is looked up (only known domains are, see
   * handle_frame()). */
  (void) G_IO_ERROR;
  (void) G_FILE_ERROR;
  (void) G_SPAWN_ERROR;
  (void) TASKER_ERROR;

  /* Tests shorten it. */
  self->hello_timeout_ms = hello_timeout != NULL ? (guint) g_ascii_strtoull (hello_timeout, NULL, 10) : 0;
  if (self->hello_timeout_ms == 0)
    self->hello_timeout_ms = HELLO_TIMEOUT_MS;
  self->worker_path = g_strdup (worker_path != NULL && *worker_path != '\0'
                                ? worker_path
                                : TASKER_LIBEXECDIR "/tasker-worker");

  /* Next to the worker: installed, or in a build tree. Without one, the
   * children run bare (their descendants are not ours to end). */
  if (supervisor_path != NULL && *supervisor_path != '\0')
    self->supervisor_path = g_strdup (supervisor_path);
  else
    {
      g_autofree char *dir = g_path_get_dirname (self->worker_path);

      self->supervisor_path = g_build_filename (dir, "tasker-supervisor", NULL);
    }
  if (!g_file_test (self->supervisor_path, G_FILE_TEST_IS_EXECUTABLE))
    g_clear_pointer (&self->supervisor_path, g_free);

  self->context = g_main_context_new ();
  self->wakeup = g_source_new (&wakeup_source_funcs, sizeof (WakeupSource));
  ((WakeupSource *) self->wakeup)->runner = self;
  g_source_set_static_name (self->wakeup, "[tasker-process-runner]");
  g_source_attach (self->wakeup, self->context);

  self->thread = g_thread_new ("tasker-processes", runner_thread, self);

  return self;
}

static void
runner_destroy (TaskerProcessRunner *self)
{
  Request *request;

  g_assert (self->children->len == 0);

  while ((request = g_queue_pop_head (&self->requests)))
    {
      if (request->job != NULL)
        job_free (request->job);
      g_clear_object (&request->task);
      g_free (request);
    }

  g_source_destroy (self->wakeup);
  g_source_unref (self->wakeup);
  g_main_context_unref (self->context);
  g_ptr_array_unref (self->children);
  g_free (self->worker_path);
  g_free (self->supervisor_path);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* Kills and reaps every child. Called from the runner's own thread (when the
 * last reference to the manager goes there), it only asks: the thread
 * cleans up after itself. */
void
_tasker_process_runner_free (TaskerProcessRunner *self)
{
  gboolean on_own_thread = g_thread_self () == self->thread;

  g_mutex_lock (&self->lock);
  self->quit = TRUE;
  self->free_on_exit = on_own_thread;
  wake_locked (self);
  g_mutex_unlock (&self->lock);

  if (on_own_thread)
    return;

  g_thread_join (self->thread);
  runner_destroy (self);
}

void
_tasker_process_runner_set_limits (TaskerProcessRunner       *self,
                                   const TaskerProcessLimits *limits)
{
  g_mutex_lock (&self->lock);
  self->limits = *limits;
  wake_locked (self);
  g_mutex_unlock (&self->lock);
}

/* Any thread: runs an attempt of @task, a process task or command with a
 * call. */
void
_tasker_process_runner_push (TaskerProcessRunner *self,
                             TaskerTask          *task)
{
  Job *job = g_new0 (Job, 1);

  g_assert (task->call != NULL);

  job->task = g_object_ref (task);
  job->call = task->call;

  g_mutex_lock (&self->lock);
  push_request_locked (self, REQ_RUN, job, NULL);
  g_mutex_unlock (&self->lock);
}

/* Any thread, after the task's cancel was requested. */
void
_tasker_process_runner_cancel (TaskerProcessRunner *self,
                               TaskerTask          *task)
{
  g_mutex_lock (&self->lock);
  push_request_locked (self, REQ_CANCEL, NULL, task);
  g_mutex_unlock (&self->lock);
}

/* Any thread: @task's events went back under their bound. */
void
_tasker_process_runner_resume (TaskerProcessRunner *self,
                               TaskerTask          *task)
{
  g_mutex_lock (&self->lock);
  push_request_locked (self, REQ_RESUME, NULL, task);
  g_mutex_unlock (&self->lock);
}

/* Any thread but the runner's: kills every worker and command and returns
 * once all are reaped. */
void
_tasker_process_runner_stop_all (TaskerProcessRunner *self)
{
  guint ticket;

  g_return_if_fail (g_thread_self () != self->thread);

  g_mutex_lock (&self->lock);
  ticket = ++self->stop_requested;
  push_request_locked (self, REQ_STOP_ALL, NULL, NULL);
  while (self->stop_done < ticket && !self->quit)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
}
