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
#include "tasker-child-private.h"
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

typedef struct
{
  GSource              source;
  TaskerProcessRunner *runner;
} WakeupSource;

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
void
_tasker_process_runner_job_return_full (Job      *job,
                                        GError   *error,
                                        gboolean  before_cancel)
{
  TaskerTask *task = g_steal_pointer (&job->task);
  const TaskerTaskSink *sink;

  g_assert (job->started);

  if (error != NULL)
    _tasker_task_store_result_error (task, error);

  if (before_cancel)
    _tasker_task_begin_return_uncancelled (task);
  else
    _tasker_task_begin_return (task);
  sink = task->sink;
  g_object_unref (task);
  sink->returned (task);

  job_free (job);
}

void
_tasker_process_runner_job_return (Job    *job,
                                   GError *error)
{
  _tasker_process_runner_job_return_full (job, error, FALSE);
}

/* Ends a job that never got to run: claims it first, so a cancel that got
 * there earlier wins. */
void
_tasker_process_runner_job_fail_unstarted (Job    *job,
                                           GError *error)
{
  if (!job->started && !_tasker_task_claim_start (job->task))
    {
      g_error_free (error);
      job_free (job);
      return;
    }

  job->started = TRUE;
  _tasker_process_runner_job_return (job, error);
}

/* Lets go of a cancelled job: one that started (and went back to the queue
 * when its worker was killed for another task) still reports its end. */
void
_tasker_process_runner_job_drop (Job *job)
{
  if (job->started)
    _tasker_process_runner_job_return (job, NULL);
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

/* Lets an idle worker go: it reads the end of its stream and exits. */
static void
dismiss (Child *child)
{
  child->retiring = TRUE;
  _tasker_child_clear_source (&child->idle_timer);
  _tasker_child_close_socket (child);
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
  _tasker_child_write (child);
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
      _tasker_child_kill_now (child, bad_frame (message));
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
      _tasker_child_arm_kill_timer (child);
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
          _tasker_process_runner_job_fail_unstarted (job, bad_frame (message));
        }
      _tasker_child_kill_now (child, bad_frame (message));
      return FALSE;
    }

  /* Lines a command printed before it ended are its own. */
  if (!child->is_worker)
    _tasker_child_drain_output (child);

  g_queue_remove (&child->jobs, job);
  job->child = NULL;

  if (child->kill_timer != NULL && child->kill_stage == 0)
    {
      /* The cancelled task ended in time. */
      _tasker_child_clear_source (&child->kill_timer);
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
      _tasker_process_runner_job_return_full (job, error, before_cancel);
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

static gboolean
handle_hello (Child    *child,
              GVariant *body)
{
  g_autoptr(GError) error = NULL;
  gint32 pid;

  if (child->hello || !_tasker_worker_protocol_check_hello (body, &pid, &error))
    {
      _tasker_child_kill_now (child, bad_frame (error != NULL ? error->message : "a second HELLO"));
      return FALSE;
    }
  child->hello = TRUE;
  _tasker_child_clear_source (&child->hello_timer);

  return TRUE;
}

/* The error an ERROR frame ends its task with. Known domains keep their
 * quark and code. Making one for any string a worker sends would grow the
 * quark table without bound: an unknown domain is a worker failure, with
 * its message. */
static GError *
error_from_frame (GVariant *body)
{
  const char *domain, *message;
  gint32 code;
  GQuark quark;

  g_variant_get (body, "(t&si&s)", NULL, &domain, &code, &message);
  quark = g_quark_try_string (domain);
  if (quark == 0)
    {
      quark = TASKER_ERROR;
      code = TASKER_ERROR_WORKER_FAILED;
    }

  return g_error_new_literal (quark, code, message);
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

      _tasker_child_kill_now (child, bad_frame (message));
      return FALSE;
    }

  switch (type)
    {
    case TASKER_WORKER_MSG_HELLO:
      if (!handle_hello (child, body))
        return FALSE;
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
            _tasker_child_pause_reading (child);
        }
      break;

    case TASKER_WORKER_MSG_RESULT:
      {
        g_autoptr(GVariant) result = _tasker_worker_protocol_get_result (body);

        if (!handle_end (child, "RESULT", id, result, NULL, before_cancel))
          return FALSE;
      }
      break;

    case TASKER_WORKER_MSG_ERROR:
      if (!handle_end (child, "ERROR", id, NULL, error_from_frame (body), before_cancel))
        return FALSE;
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
        _tasker_child_kill_now (child, bad_frame (message));
      }
      return FALSE;
    }

  return TRUE;
}

/* Handles the frames decoded so far, unless the reading is paused. FALSE
 * when the worker must go (its socket is closed then). */
gboolean
_tasker_process_runner_handle_frames (Child *child)
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
          _tasker_child_close_socket (child);
          return FALSE;
        }
    }

  if (error != NULL)
    {
      _tasker_child_kill_now (child, bad_frame (error->message));
      _tasker_child_close_socket (child);
      return FALSE;
    }

  return TRUE;
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
  child = _tasker_child_spawn (self, (const char * const *) argv, NULL, NULL, TRUE, &local_error);
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

static void
warm_stop (TaskerProcessRunner *self)
{
  _tasker_child_clear_source (&self->warm_source);
  g_clear_pointer (&self->warm_program, g_strfreev);
}

/* Starts one worker of the pool's program per dispatch, at a low priority
 * (the frames of the workers that run tasks come first), until the pool is
 * full; each leaves after worker-idle-timeout if no task comes. */
static gboolean
warm_cb (gpointer data)
{
  TaskerProcessRunner *self = data;
  g_autoptr(GError) error = NULL;
  guint n_live = 0;
  Child *child;

  for (guint i = 0; i < self->children->len; i++)
    {
      Child *other = g_ptr_array_index (self->children, i);

      /* A retiring worker still counts against the limit until it leaves. */
      if (other->is_worker && !other->lost)
        n_live++;
    }

  if (n_live >= self->current.max_workers)
    {
      warm_stop (self);
      return G_SOURCE_REMOVE;
    }

  child = spawn_worker (self, self->warm_program, &error);
  if (child == NULL)
    {
      /* The task that needed the first one has said why. */
      g_debug ("not warming the worker pool: %s", error->message);
      warm_stop (self);
      return G_SOURCE_REMOVE;
    }
  child_became_idle (child);

  if (n_live + 1 >= self->current.max_workers)
    {
      warm_stop (self);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* Workers start ahead of a backlog, not behind it: when a task needs a new
 * worker (none of its program is free), the free places of the pool fill
 * with workers of that program too, as multiprocessing.Pool starts all of
 * its workers at once. They start after that task's own, off its path, and
 * in parallel with it: a burst that follows the first task finds them ready
 * instead of waiting for their start-up (a Python worker's takes longer
 * than a burst of 200 small tasks on a warm pool). Only free places are
 * filled: an idle worker of another program is let go for a task that needs
 * the room (pick_worker()), never for warming. */
static void
warm_pool (TaskerProcessRunner  *self,
           char                **program)
{
  if (self->current.max_workers <= 1)
    return;

  g_strfreev (self->warm_program);
  self->warm_program = g_strdupv (program);

  if (self->warm_source == NULL)
    {
      self->warm_source = g_idle_source_new ();
      g_source_set_priority (self->warm_source, G_PRIORITY_LOW);
      g_source_set_callback (self->warm_source, warm_cb, self, NULL);
      g_source_set_static_name (self->warm_source, "[tasker-warm-pool]");
      g_source_attach (self->warm_source, self->context);
    }
}

/* The worker for @job: an idle one of its program, a new one while the pool
 * may grow (making room by letting an idle worker of another program go),
 * else the least busy one if a backlog makes queueing in workers pay
 * (several tasks in flight per worker, their frames batched).
 *
 * A worker still on its way (no HELLO yet) takes no task while one of its
 * program is up, and none is started while one is on its way: a task given
 * to it would wait for its start-up (a Python worker's is tens of
 * milliseconds, longer under load) while the others run the rest of a burst.
 * The backlog waits here instead, for whichever is free first; only when
 * none of its program is up does one on its way take a task, which starts as
 * soon as it is. */
static Child *
pick_worker (TaskerProcessRunner  *self,
             Job                  *job,
             GError              **error)
{
  Child *best = NULL;
  Child *starting = NULL;
  Child *idle_other = NULL;
  guint n_live = 0;
  guint n_ready = 0;
  guint n_starting = 0;
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
      if (!child->hello)
        {
          n_starting++;
          if (starting == NULL && child->jobs.length == 0)
            starting = child;
          continue;
        }
      n_ready++;
      if (child->jobs.length == 0)
        return child;
      if (best == NULL || child->jobs.length < best->jobs.length)
        best = child;
    }

  if (n_ready == 0 && starting != NULL)
    return starting;

  if (n_starting == 0)
    {
      if (n_live >= self->current.max_workers && idle_other != NULL)
        {
          dismiss (idle_other);
          n_live--;
        }

      if (n_live < self->current.max_workers)
        {
          Child *child = spawn_worker (self, job->call->worker, error);

          if (child != NULL)
            warm_pool (self, job->call->worker);
          return child;
        }
    }

  if (best == NULL)
    return NULL;

  /* Spread the backlog, counting the workers on their way; one long task
   * then holds up at most its share. */
  depth = CLAMP (self->waiting.length / (n_ready + n_starting) + 1, 1, PIPELINE_MAX);

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
  _tasker_child_clear_source (&child->idle_timer);
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

void
_tasker_process_runner_schedule (TaskerProcessRunner *self)
{
  while (self->waiting.length > 0)
    {
      g_autoptr(GError) error = NULL;
      Job *job = g_queue_peek_head (&self->waiting);
      Child *child;

      if (g_atomic_int_get (&job->task->cancel_requested))
        {
          _tasker_process_runner_job_drop (g_queue_pop_head (&self->waiting));
          continue;
        }

      child = pick_worker (self, job, &error);
      if (child == NULL && error == NULL)
        break;

      g_queue_pop_head (&self->waiting);
      if (child == NULL || !send_run (child, job, &error))
        _tasker_process_runner_job_fail_unstarted (job, g_steal_pointer (&error));
    }

  /* What is left waits for a worker; the message is set once per job. The
   * jobs not shown yet are the queue's tail (those that joined it since),
   * unless one went elsewhere: then the whole queue is looked at. A burst
   * of submits must not walk its whole backlog at each wake-up. */
  if (self->n_unshown > 0)
    {
      if (self->unshown_inside)
        {
          for (GList *l = self->waiting.head; l != NULL; l = l->next)
            show_waiting (l->data);
        }
      else
        {
          for (GList *l = self->waiting.tail; l != NULL && !((Job *) l->data)->wait_shown; l = l->prev)
            show_waiting (l->data);
        }
      self->n_unshown = 0;
      self->unshown_inside = FALSE;
    }

  trim_pool (self);

  /* One write per worker for everything given to it above. */
  for (guint i = 0; i < self->children->len; i++)
    {
      Child *child = g_ptr_array_index (self->children, i);

      if (child->is_worker && child->out->len > 0)
        _tasker_child_write (child);
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

  child = _tasker_child_spawn (self, (const char * const *) job->call->argv, job->call->cwd,
                               (const char * const *) envp, FALSE, &error);
  if (child == NULL)
    {
      _tasker_process_runner_job_return (job, g_error_new (TASKER_ERROR, TASKER_ERROR_FAILED,
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
          _tasker_process_runner_job_drop (job);
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
          _tasker_child_signal (child, SIGTERM);
          _tasker_child_arm_kill_timer (child);
        }
      else if (!job->cancel_sent && !child->lost)
        {
          send_cancel (child, job);
          if (job->started)
            _tasker_child_arm_kill_timer (child);
        }
      return;
    }
}

/* Kills every child and waits for each: for shutdown and the end. */
static void
stop_all (TaskerProcessRunner *self)
{
  /* No worker starts after this. */
  warm_stop (self);

  while (self->children->len > 0)
    {
      Child *child = g_ptr_array_index (self->children, 0);
      int wait_status = 0;

      _tasker_child_signal (child, SIGKILL);
      /* We reap it ourselves, so GLib must not wait for it too. */
      _tasker_child_clear_source (&child->watch);
      while (waitpid (child->pid, &wait_status, 0) < 0 && errno == EINTR)
        ;
      _tasker_child_reaped (child, wait_status);
    }

  /* Whatever was waiting for a worker will not get one. */
  while (self->waiting.length > 0)
    _tasker_process_runner_job_fail_unstarted (g_queue_pop_head (&self->waiting),
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

  if (!job->wait_shown && l != self->waiting.tail)
    self->unshown_inside = TRUE;

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
        _tasker_child_watch_socket (child);
      _tasker_child_read_socket (child);
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

  _tasker_process_runner_schedule (self);

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
  g_strfreev (self->warm_program);
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
