/* tasker-worker.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmodule.h>

#include "tasker-context-private.h"
#include "tasker-error.h"
#include "tasker-line-splitter-private.h"
#include "tasker-task-private.h"
#include "tasker-worker-private.h"
#include "tasker-worker-protocol-private.h"

/* The worker's side of a process task: what runs inside `tasker-worker`.
 *
 * Three threads share one socket (always fd 3) to the manager:
 *
 *  - the main thread runs tasks one at a time, in the order their RUN frames
 *    came, each with a TaskerContext whose reports go into the outgoing
 *    buffer instead of to a manager;
 *  - the reader thread decodes what the manager sends: RUNs join the inbox,
 *    a CANCEL cancels the running task or marks a queued one, EXIT or the end
 *    of the stream ends the process at once;
 *  - the ticker thread sends the running task's progress and message at most
 *    once per update interval, as a manager would deliver them;
 *  - the output thread reads the worker's own standard output and error
 *    (fds 4 and 5 are the read ends of its fds 1 and 2) and sends their
 *    lines as LOG frames of the running task. At the end of a task the main
 *    thread reads what is left, so a task's output always comes before its
 *    result, however far ahead of the pipes the socket runs.
 *
 * Frames are batched: the end of one task and the start of the next go out
 * in one write, just before the next task runs, so a burst of small tasks
 * costs one write each, and whatever a task reported before a crash has
 * reached the manager. */

#define SOCKET_FD TASKER_WORKER_SOCKET_FD
#define FLUSH_SIZE (64 * 1024)

typedef struct
{
  guint64   id;
  guint64   trace_id;
  char     *entry_point;
  GVariant *args;
  gboolean  cancelled;
} Job;

typedef struct
{
  int          fd;             /* -1 when not captured */
  TaskerLineSplitter lines;    /* the line being read */
} Capture;

typedef struct
{
  GMutex       lock;
  GCond        jobs_cond;      /* the main thread waits for a job */
  GCond        tick_cond;      /* the ticker waits for something to send */
  GQueue       inbox;          /* (element-type Job) protected by @lock */
  TaskerTask  *running;        /* (owned) (nullable) protected by @lock */
  gboolean     tick_pending;   /* protected by @lock */

  GMutex       out_lock;       /* held while appending, and across a write so frames stay in order */
  GByteArray  *out;            /* protected by @out_lock */

  GMutex       capture_lock;   /* held while reading and sending output */
  Capture      captures[2];    /* standard output and error */

  guint        update_interval_ms;
  GHashTable  *modules;        /* main thread only: module name → GModule */
} Worker;

static Worker worker;

static void
job_free (Job *job)
{
  g_free (job->entry_point);
  g_clear_pointer (&job->args, g_variant_unref);
  g_free (job);
}

/* The manager is gone or told us to go: nothing we hold matters any more. */
G_GNUC_NORETURN static void
leave (int status)
{
  _exit (status);
}

static void
write_all (const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      ssize_t n = send (SOCKET_FD, data, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        leave (0);
      data += n;
      len -= n;
    }
}

/* Any thread: writes what is buffered. */
static void
flush_out (void)
{
  g_mutex_lock (&worker.out_lock);
  if (worker.out->len > 0)
    {
      write_all (worker.out->data, worker.out->len);
      g_byte_array_set_size (worker.out, 0);
    }
  g_mutex_unlock (&worker.out_lock);
}

static void
append_locked (TaskerWorkerMsg  type,
               GVariant        *body)
{
  g_autoptr(GError) error = NULL;

  if (!_tasker_worker_protocol_append (worker.out, type, body, &error))
    fprintf (stderr, "tasker-worker: %s\n", error->message);
}

/* Adds the task's progress and message to the buffer if they changed since
 * they were last sent. */
static void
append_state_locked (TaskerTask *task)
{
  double fraction;
  guint64 bits;
  char *message = NULL;
  gboolean message_changed;

  if (!__atomic_exchange_n (&task->dirty, FALSE, __ATOMIC_ACQ_REL))
    return;

  bits = __atomic_load_n (&task->shared_progress, __ATOMIC_RELAXED);
  memcpy (&fraction, &bits, sizeof fraction);

  g_mutex_lock (&task->lock);
  message_changed = task->shared_message_changed;
  task->shared_message_changed = FALSE;
  if (message_changed)
    message = g_strdup (task->shared_message);
  g_mutex_unlock (&task->lock);

  if (fraction != task->progress)
    {
      task->progress = fraction;
      _tasker_worker_protocol_append_progress (worker.out, task->id, fraction);
    }
  if (message_changed)
    append_locked (TASKER_WORKER_MSG_MESSAGE,
                   g_variant_new ("(tms)", task->id, message));

  g_free (message);
}

static void
wake_ticker (void)
{
  g_mutex_lock (&worker.lock);
  if (!worker.tick_pending)
    {
      worker.tick_pending = TRUE;
      g_cond_signal (&worker.tick_cond);
    }
  g_mutex_unlock (&worker.lock);
}

/* The sink of the tasks' contexts: called from whatever thread the task's
 * function reports from. */

static void
sink_dirty (TaskerTask *task)
{
  wake_ticker ();
}

static void
sink_flush (TaskerTask *task)
{
  g_mutex_lock (&worker.out_lock);
  append_state_locked (task);
  g_mutex_unlock (&worker.out_lock);
  flush_out ();
}

static gboolean
sink_event (TaskerTask *task,
            const char *name,
            GVariant   *data,
            gboolean    may_wait)
{
  g_mutex_lock (&worker.out_lock);
  /* The manager shows the event with the progress set before it. */
  append_state_locked (task);
  append_locked (TASKER_WORKER_MSG_EVENT,
                 g_variant_new ("(tsmv)", task->id, name, data));
  g_mutex_unlock (&worker.out_lock);
  wake_ticker ();

  return FALSE;
}

/* A LOG frame holds at most TASKER_TASK_LOG_LINE_MAX bytes of text: a
 * longer line is cut here, its marker inside the bound, so the manager keeps
 * it as it comes. */
#define LOG_TEXT_MAX TASKER_WORKER_LOG_TEXT_MAX

static void
append_log_line_locked (guint64     task_id,
                        const char *line,
                        gsize       len,
                        gsize       cut)
{
  g_autofree char *valid = NULL;
  gsize keep = _tasker_utf8_cut (line, len, cut > 0 ? LOG_TEXT_MAX : TASKER_TASK_LOG_LINE_MAX);

  if (keep < len)
    keep = _tasker_utf8_cut (line, len, LOG_TEXT_MAX);
  cut += len - keep;
  valid = g_utf8_make_valid (line, keep);
  if (cut > 0)
    {
      g_autofree char *marked = g_strdup_printf ("%s … [cut %" G_GSIZE_FORMAT " bytes]", valid, cut);

      append_locked (TASKER_WORKER_MSG_LOG, g_variant_new ("(ts)", task_id, marked));
    }
  else
    append_locked (TASKER_WORKER_MSG_LOG, g_variant_new ("(ts)", task_id, valid));
}

static void
sink_log (TaskerTask *task,
          const char *text)
{
  gsize len = strlen (text);

  g_mutex_lock (&worker.out_lock);
  if (len <= TASKER_TASK_LOG_LINE_MAX)
    {
      g_autofree char *valid = g_utf8_make_valid (text, len);

      append_locked (TASKER_WORKER_MSG_LOG, g_variant_new ("(ts)", task->id, valid));
    }
  else
    {
      /* Line by line, each within the bound. */
      const char *line = text;

      do
        {
          const char *end = strchr (line, '\n');
          gsize line_len = end != NULL ? (gsize) (end - line) : strlen (line);

          if (end == NULL || end[1] != '\0' || line_len > 0)
            append_log_line_locked (task->id, line, line_len, 0);
          line = end != NULL ? end + 1 : NULL;
        }
      while (line != NULL && *line != '\0');
    }
  g_mutex_unlock (&worker.out_lock);
  wake_ticker ();
}

static const TaskerTaskSink sink = {
  .dirty = sink_dirty,
  .flush = sink_flush,
  .event = sink_event,
  .log = sink_log,
};

typedef struct
{
  guint64  task_id;   /* 0: the output of no task, dropped */
  gboolean sent;
} Sending;

/* A line of output (TaskerLineFunc; a redraw is not sent), with out_lock
 * held. */
static void
send_output_line_locked (const char *line,
                         gsize       len,
                         gsize       cut,
                         gboolean    parse,
                         gboolean    log,
                         gpointer    user_data)
{
  Sending *sending = user_data;

  if (!log || sending->task_id == 0)
    return;

  append_log_line_locked (sending->task_id, line, len, cut);
  sending->sent = TRUE;
}

static guint64
running_task_id (void)
{
  guint64 id;

  g_mutex_lock (&worker.lock);
  id = worker.running != NULL ? worker.running->id : 0;
  g_mutex_unlock (&worker.lock);

  return id;
}

/* For capture_read_locked(): the task running once the pipe has been read. */
#define RUNNING_TASK G_MAXUINT64

/* Reads what the pipe holds now and sends its lines for @task_id (0: the
 * output of no task, dropped; RUNNING_TASK: see there). With @at_end, a
 * line without its end is sent too. Called with @capture_lock held.
 * Returns whether it sent any. */
static gboolean
capture_read_locked (Capture *capture,
                     guint64  task_id,
                     gboolean at_end)
{
  char chunk[4096];
  Sending sending = { task_id, FALSE };
  gboolean asked = task_id != RUNNING_TASK;
  gboolean full;

  for (;;)
    {
      ssize_t n = read (capture->fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;

      /* Only now: a task that wrote what we read was running when it wrote
       * it and stays running until its capture_task_end(), which waits for
       * our lock. Asked before reading, the id could be the last task's or
       * 0 while the next task started and wrote. */
      if (!asked)
        {
          sending.task_id = running_task_id ();
          asked = TRUE;
        }

      /* Chunk by chunk: the splitter holds at most one bounded line, and a
       * task printing without pause has its lines written as they come. */
      g_mutex_lock (&worker.out_lock);
      _tasker_line_splitter_feed (&capture->lines, chunk, n, send_output_line_locked, &sending);
      full = worker.out->len > 16 * FLUSH_SIZE;
      g_mutex_unlock (&worker.out_lock);
      if (full)
        flush_out ();
    }

  if (at_end)
    {
      if (!asked)
        sending.task_id = running_task_id ();
      g_mutex_lock (&worker.out_lock);
      _tasker_line_splitter_finish (&capture->lines, send_output_line_locked, &sending);
      g_mutex_unlock (&worker.out_lock);
    }

  return sending.sent;
}

static gpointer
output_thread (gpointer data)
{
  struct pollfd fds[2];

  for (guint i = 0; i < 2; i++)
    {
      fds[i].fd = worker.captures[i].fd;
      fds[i].events = POLLIN;
    }

  for (;;)
    {
      gboolean sent = FALSE;

      if (poll (fds, 2, -1) < 0)
        continue;

      g_mutex_lock (&worker.capture_lock);
      for (guint i = 0; i < 2; i++)
        if (fds[i].revents != 0)
          {
            sent |= capture_read_locked (&worker.captures[i], RUNNING_TASK, FALSE);
            /* Every writer closed it (a task closed fd 1 or 2): stop watching. */
            if ((fds[i].revents & (POLLHUP | POLLERR)) && !(fds[i].revents & POLLIN))
              fds[i].fd = -1;
          }
      g_mutex_unlock (&worker.capture_lock);

      if (sent)
        wake_ticker ();
    }

  return NULL;
}

/* --- what a task started ------------------------------------------------- */

static pid_t
read_ppid (const char *pid)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "stat", NULL);
  g_autofree char *stat = NULL;
  const char *close_paren;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return -1;
  /* "pid (comm) state ppid …": comm may hold anything, even ")". */
  close_paren = strrchr (stat, ')');
  if (close_paren == NULL || close_paren[1] != ' ' || close_paren[2] == '\0' || close_paren[3] != ' ')
    return -1;

  return (pid_t) atoi (close_paren + 4);
}

/* Sends @signum to every descendant of ours: as their subreaper we are the
 * end of each one's chain of parents. */
static void
signal_descendants (int signum)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  g_autoptr(GHashTable) parents = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key, value;
  const char *name;
  pid_t self = getpid ();

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      pid_t ppid;

      if (!g_ascii_isdigit (name[0]) || (ppid = read_ppid (name)) <= 0)
        continue;
      g_hash_table_insert (parents, GINT_TO_POINTER (atoi (name)), GINT_TO_POINTER (ppid));
    }

  g_hash_table_iter_init (&iter, parents);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      pid_t ppid = GPOINTER_TO_INT (value);

      /* Up the chain, at most as far as there are processes. */
      for (guint depth = 0; ppid > 1 && ppid != self && depth < g_hash_table_size (parents); depth++)
        ppid = GPOINTER_TO_INT (g_hash_table_lookup (parents, GINT_TO_POINTER (ppid)));
      if (ppid == self)
        kill (GPOINTER_TO_INT (key), signum);
    }
}

/* Main thread, when a task has returned: every process it started and left
 * ends now, before its result goes (DESIGN.md §4, Process trees). One that
 * started none costs one waitid(). */
static void
end_descendants (void)
{
  siginfo_t info = { 0 };
  gint64 deadline;
  gboolean killed = FALSE;

  /* ECHILD: no child, and so no descendant (orphans come to us). */
  if (waitid (P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0)
    return;

  signal_descendants (SIGTERM);
  deadline = g_get_monotonic_time () + TASKER_WORKER_DESCENDANTS_GRACE_MS * 1000;

  for (;;)
    {
      while (waitpid (-1, NULL, WNOHANG) > 0)
        ;
      if (waitid (P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD)
        return;

      /* Again each time: one may have forked in between. */
      if (g_get_monotonic_time () >= deadline || killed)
        {
          signal_descendants (SIGKILL);
          killed = TRUE;
        }
      g_usleep (1000);
    }
}

/* Main thread, when a task has returned: what it printed goes before its end. */
static void
capture_task_end (guint64 task_id)
{
  if (worker.captures[0].fd < 0)
    return;

  fflush (stdout);
  fflush (stderr);

  g_mutex_lock (&worker.capture_lock);
  for (guint i = 0; i < 2; i++)
    capture_read_locked (&worker.captures[i], task_id, TRUE);
  g_mutex_unlock (&worker.capture_lock);
}

static gpointer
ticker_thread (gpointer data)
{
  gint64 interval = (gint64) worker.update_interval_ms * G_TIME_SPAN_MILLISECOND;

  for (;;)
    {
      TaskerTask *task;

      g_mutex_lock (&worker.lock);
      while (!worker.tick_pending)
        g_cond_wait (&worker.tick_cond, &worker.lock);
      g_mutex_unlock (&worker.lock);

      /* Whatever else comes in this interval goes with it. */
      if (interval > 0)
        g_usleep (interval);

      g_mutex_lock (&worker.lock);
      worker.tick_pending = FALSE;
      task = worker.running != NULL ? g_object_ref (worker.running) : NULL;
      g_mutex_unlock (&worker.lock);

      if (task != NULL)
        {
          g_mutex_lock (&worker.out_lock);
          append_state_locked (task);
          g_mutex_unlock (&worker.out_lock);
          g_object_unref (task);
        }
      flush_out ();
    }

  return NULL;
}

static void
handle_cancel (guint64 id)
{
  g_autoptr(GCancellable) to_fire = NULL;

  g_mutex_lock (&worker.lock);
  if (worker.running != NULL && worker.running->id == id)
    _tasker_task_request_cancel (worker.running, NULL, &to_fire);
  else
    {
      for (GList *l = worker.inbox.head; l != NULL; l = l->next)
        {
          Job *job = l->data;

          if (job->id == id)
            job->cancelled = TRUE;
        }
    }
  g_mutex_unlock (&worker.lock);

  if (to_fire != NULL)
    g_cancellable_cancel (to_fire);
}

static gpointer
reader_thread (gpointer data)
{
  g_autoptr(TaskerWorkerDecoder) decoder = _tasker_worker_decoder_new ();
  guint8 buffer[64 * 1024];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      TaskerWorkerMsg type;
      GVariant *body;
      ssize_t n;

      n = read (SOCKET_FD, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        leave (0);

      _tasker_worker_decoder_feed (decoder, buffer, n);

      while (_tasker_worker_decoder_next (decoder, &type, &body, &error))
        {
          if (type == TASKER_WORKER_MSG_RUN)
            {
              Job *job = g_new0 (Job, 1);
              g_autoptr(GVariant) entry_point = g_variant_get_child_value (body, 1);
              g_autoptr(GVariant) boxed = g_variant_get_child_value (body, 2);

              memcpy (&job->id, g_variant_get_data (body), sizeof job->id);
              g_variant_get_child (body, 3, "t", &job->trace_id);
              job->entry_point = g_variant_dup_string (entry_point, NULL);
              job->args = g_variant_get_variant (boxed);
              g_mutex_lock (&worker.lock);
              g_queue_push_tail (&worker.inbox, job);
              if (worker.inbox.length == 1)
                g_cond_signal (&worker.jobs_cond);
              g_mutex_unlock (&worker.lock);
            }
          else if (type == TASKER_WORKER_MSG_CANCEL)
            {
              guint64 id;

              memcpy (&id, g_variant_get_data (body), sizeof id);
              handle_cancel (id);
            }
          else if (type == TASKER_WORKER_MSG_EXIT)
            leave (0);
          else
            fprintf (stderr, "tasker-worker: ignoring a %s message\n", _tasker_worker_msg_get_name (type));

          g_variant_unref (body);
        }

      if (error != NULL)
        {
          /* Under the capture lock, so our own output thread cannot take the
           * message: the manager reads it from the pipe once we are gone. */
          g_mutex_lock (&worker.capture_lock);
          fprintf (stderr, "tasker-worker: %s\n", error->message);
          fflush (stderr);
          leave (1);
        }
    }

  return NULL;
}

static gpointer
resolve (const char  *entry_point,
         GError     **error)
{
  const char *colon = strrchr (entry_point, ':');
  g_autofree char *name = g_strndup (entry_point, colon - entry_point);
  const char *symbol = colon + 1;
  GModule *module;
  gpointer func = NULL;

  module = g_hash_table_lookup (worker.modules, name);
  if (module == NULL)
    {
      module = g_module_open (name, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
      if (module == NULL)
        {
          g_set_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                       "cannot load module “%s”: %s", name, g_module_error ());
          return NULL;
        }
      g_hash_table_insert (worker.modules, g_strdup (name), module);
    }

  if (!g_module_symbol (module, symbol, &func) || func == NULL)
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                   "module “%s” has no symbol “%s”", name, symbol);
      return NULL;
    }

  return func;
}

static void
append_error_locked (guint64       id,
                     const GError *error)
{
  append_locked (TASKER_WORKER_MSG_ERROR,
                 g_variant_new ("(tsis)", id, g_quark_to_string (error->domain),
                                error->code, error->message));
}

static void
append_result_locked (guint64   id,
                      GVariant *result)
{
  if (!_tasker_worker_protocol_append_result (worker.out, id, result, NULL))
    {
      g_autoptr(GError) serialise = NULL;

      serialise = g_error_new (TASKER_ERROR, TASKER_ERROR_SERIALIZATION,
                               "cannot serialise result: %" G_GSIZE_FORMAT
                               " bytes exceed the frame limit of %d bytes",
                               g_variant_get_size (result), TASKER_WORKER_PROTOCOL_MAX_FRAME);
      append_error_locked (id, serialise);
    }
}

static void
run_job (Job        *job,
         TaskerTask *task)
{
  g_autoptr(TaskerContext) context = _tasker_context_new (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  TaskerProcessFunc func;
  gboolean before_cancel;
  gsize end_offset;

  /* What the last task said goes out before this one can crash: the
   * manager then knows the task in flight is the oldest it has not heard
   * the end of. STARTED rides along in the same write. */
  g_mutex_lock (&worker.out_lock);
  _tasker_worker_protocol_append_id (worker.out, TASKER_WORKER_MSG_STARTED, job->id);
  g_mutex_unlock (&worker.out_lock);
  flush_out ();

  func = (TaskerProcessFunc) resolve (job->entry_point, &error);
  if (func != NULL)
    {
      result = func (context, job->args, &error);
      if (result != NULL)
        g_variant_take_ref (result);
      else if (error == NULL)
        result = g_variant_ref_sink (g_variant_new_tuple (NULL, 0));
    }

  end_descendants ();
  capture_task_end (job->id);

  /* From here a CANCEL finds no running task: whether one had reached it is
   * settled, and the manager is told (DESIGN.md §4, Completion wins). */
  g_mutex_lock (&worker.lock);
  before_cancel = !g_atomic_int_get (&task->cancel_requested);
  g_clear_object (&worker.running);
  g_mutex_unlock (&worker.lock);

  g_mutex_lock (&worker.out_lock);
  append_state_locked (task);
  end_offset = worker.out->len;
  if (error != NULL)
    append_error_locked (job->id, error);
  else
    append_result_locked (job->id, result);
  if (before_cancel && worker.out->len > end_offset)
    _tasker_worker_protocol_set_flags (worker.out, end_offset, TASKER_WORKER_FLAG_BEFORE_CANCEL);
  g_mutex_unlock (&worker.out_lock);
}

G_GNUC_NORETURN static void
main_loop (void)
{
  for (;;)
    {
      TaskerTask *task = NULL;
      gboolean cancelled;
      Job *job;

      g_mutex_lock (&worker.lock);
      while (worker.inbox.length == 0)
        {
          g_mutex_unlock (&worker.lock);
          flush_out ();
          g_mutex_lock (&worker.lock);
          if (worker.inbox.length == 0)
            g_cond_wait (&worker.jobs_cond, &worker.lock);
        }
      job = g_queue_pop_head (&worker.inbox);
      cancelled = job->cancelled;
      /* Running from here on, so a CANCEL that comes now finds it. */
      if (!cancelled)
        {
          task = _tasker_task_new_remote (job->id, &sink);
          task->trace_id = job->trace_id;
          worker.running = g_object_ref (task);
        }
      g_mutex_unlock (&worker.lock);

      if (cancelled)
        {
          g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                         "Task was cancelled");

          g_mutex_lock (&worker.out_lock);
          append_error_locked (job->id, error);
          g_mutex_unlock (&worker.out_lock);
        }
      else
        run_job (job, task);

      g_clear_object (&task);
      job_free (job);
    }
}

/* Entry of the tasker-worker executable (src/worker/), which links the
 * internal static library: it is not part of the API, nor exported. */
int
_tasker_worker_main (int    argc,
                     char **argv)
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  int update_interval = 16;
  GOptionEntry entries[] = {
    { "update-interval", 0, 0, G_OPTION_ARG_INT, &update_interval,
      "How often to send progress, in milliseconds", "MS" },
    G_OPTION_ENTRY_NULL
  };

  options = g_option_context_new ("— runs process tasks for a Tasker manager");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      fprintf (stderr, "tasker-worker: %s\n", error->message);
      return 2;
    }

  /* The manager reads our output as lines of the running task's log. */
  setvbuf (stdout, NULL, _IOLBF, 0);

  /* What a task leaves running comes to us, to end with the task. */
  prctl (PR_SET_CHILD_SUBREAPER, 1);

  /* Programs a task starts must not hold our socket and pipes open. */
  for (int fd = TASKER_WORKER_SOCKET_FD; fd <= TASKER_WORKER_STDERR_FD; fd++)
    {
      int flags = fcntl (fd, F_GETFD);

      if (flags >= 0)
        fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
    }

  g_mutex_init (&worker.lock);
  g_cond_init (&worker.jobs_cond);
  g_cond_init (&worker.tick_cond);
  g_mutex_init (&worker.out_lock);
  g_mutex_init (&worker.capture_lock);
  g_queue_init (&worker.inbox);
  worker.out = g_byte_array_sized_new (FLUSH_SIZE);
  worker.update_interval_ms = MAX (0, update_interval);
  worker.modules = g_hash_table_new (g_str_hash, g_str_equal);

  g_mutex_lock (&worker.out_lock);
  append_locked (TASKER_WORKER_MSG_HELLO,
                 g_variant_new ("(ui)", TASKER_WORKER_PROTOCOL_VERSION, (gint32) getpid ()));
  g_mutex_unlock (&worker.out_lock);
  flush_out ();

  g_thread_unref (g_thread_new ("tasker-reader", reader_thread, NULL));
  g_thread_unref (g_thread_new ("tasker-ticker", ticker_thread, NULL));

  /* Started by a manager, fds 4 and 5 read our output; run by hand, they
   * are not there and output goes where it goes. */
  worker.captures[0].fd = TASKER_WORKER_STDOUT_FD;
  worker.captures[1].fd = TASKER_WORKER_STDERR_FD;
  for (guint i = 0; i < 2; i++)
    {
      _tasker_line_splitter_init (&worker.captures[i].lines);
      if (fcntl (worker.captures[i].fd, F_SETFL, O_NONBLOCK) < 0)
        worker.captures[0].fd = worker.captures[1].fd = -1;
    }
  if (worker.captures[0].fd >= 0)
    g_thread_unref (g_thread_new ("tasker-output", output_thread, NULL));

  main_loop ();

  return 0;
}
