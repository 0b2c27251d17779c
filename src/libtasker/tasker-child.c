/* tasker-child.c
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

#include "tasker-child-private.h"
#include "tasker-command-progress-private.h"
#include "tasker-error.h"
#include "tasker-trace-private.h"
#include "tasker-worker-private.h"

/* The process runner's children, workers and commands alike: how they are
 * spawned (under tasker-supervisor when there is one), their output read
 * line by line, frames written to a worker's socket, and how they are
 * killed and reaped. On the runner's thread only. */

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

void
_tasker_child_drain_output (Child *child)
{
  line_reader_drain (&child->stdout_lines);
  line_reader_drain (&child->stderr_lines);
}

/* --- killing ---------------------------------------------------------------- */

void
_tasker_child_signal (Child *child,
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

static gboolean
hello_timer_cb (gpointer data)
{
  Child *child = data;
  g_autofree char *message = g_strdup_printf ("worker sent no HELLO within %u ms",
                                              child->runner->hello_timeout_ms);

  g_clear_pointer (&child->hello_timer, g_source_unref);
  _tasker_child_kill_now (child, g_error_new_literal (TASKER_ERROR, TASKER_ERROR_WORKER_FAILED, message));

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
      _tasker_child_signal (child, SIGTERM);
      child->kill_timer = g_timeout_source_new (KILL_AFTER_TERM_MS);
    }
  else
    {
      child->kill_stage = 2;
      _tasker_child_signal (child, SIGKILL);
      return G_SOURCE_REMOVE;
    }

  g_source_set_callback (child->kill_timer, kill_timer_cb, child, NULL);
  g_source_attach (child->kill_timer, child->runner->context);

  return G_SOURCE_REMOVE;
}

void
_tasker_child_clear_source (GSource **source)
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
void
_tasker_child_arm_kill_timer (Child *child)
{
  if (child->kill_timer != NULL || child->kill_stage > 0)
    return;

  child->retiring = TRUE;
  child->kill_timer = g_timeout_source_new (child->runner->current.cancel_grace_ms);
  g_source_set_callback (child->kill_timer, kill_timer_cb, child, NULL);
  g_source_attach (child->kill_timer, child->runner->context);
}

void
_tasker_child_kill_now (Child  *child,
                        GError *death)
{
  if (death != NULL && child->death == NULL)
    child->death = death;
  else if (death != NULL)
    g_error_free (death);

  child->retiring = TRUE;
  _tasker_child_clear_source (&child->kill_timer);
  child->kill_stage = 2;
  _tasker_child_signal (child, SIGKILL);
}

/* --- writing to a worker ---------------------------------------------------- */

void
_tasker_child_close_socket (Child *child)
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
void
_tasker_child_watch_socket (Child *child)
{
  g_source_modify_unix_fd (child->source, child->socket_tag,
                           (child->paused ? 0 : G_IO_IN) | G_IO_HUP | G_IO_ERR |
                           (child->out->len > 0 ? G_IO_OUT : 0));
}

void
_tasker_child_pause_reading (Child *child)
{
  if (child->paused || child->reaped)
    return;
  child->paused = TRUE;
  if (child->socket_fd >= 0)
    _tasker_child_watch_socket (child);
}

void
_tasker_child_write (Child *child)
{
  gsize written = 0;

  if (child->socket_fd < 0 || child->write_failed)
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
          /* It is gone, or no longer reads: it gets nothing more, and must
           * not linger with work given. What it sent before (a result, the
           * STARTED of the task it died in) still counts, so the socket is
           * read to its end: closing it here would blame its death on a task
           * whose result was still unread. Its exit status will say why. */
          g_byte_array_set_size (child->out, 0);
          child->write_failed = TRUE;
          child->lost = TRUE;
          _tasker_child_watch_socket (child);
          if (child->kill_stage < 2)
            _tasker_child_kill_now (child, NULL);
          return;
        }
      written += n;
      child->bytes_sent += n;
    }

  g_byte_array_remove_range (child->out, 0, written);
  _tasker_child_watch_socket (child);
}

void
_tasker_child_read_socket (Child *child)
{
  guint8 chunk[READ_CHUNK];
  gsize total = 0;

  /* Frames left when the reading was paused go first. */
  if (!_tasker_process_runner_handle_frames (child))
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
          _tasker_child_close_socket (child);
          if (child->jobs.length > 0 && child->kill_stage < 2)
            _tasker_child_kill_now (child, NULL);
          break;
        }
      total += n;

      _tasker_worker_decoder_feed (child->decoder, chunk, n);
      if (!_tasker_process_runner_handle_frames (child))
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
        _tasker_child_write (child);
      if (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR))
        _tasker_child_read_socket (child);
    }

  if (child->stdout_lines.tag != NULL &&
      g_source_query_unix_fd (source, child->stdout_lines.tag) != 0)
    line_reader_drain (&child->stdout_lines);
  if (child->stderr_lines.tag != NULL &&
      g_source_query_unix_fd (source, child->stderr_lines.tag) != 0)
    line_reader_drain (&child->stderr_lines);

  /* Frames may have freed a worker: give it work. */
  _tasker_process_runner_schedule (child->runner);

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
  _tasker_child_reaped (child, wait_status);

  /* Its queued tasks went back to the queue: they need a worker. */
  _tasker_process_runner_schedule (self);
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
  _tasker_child_clear_source (&child->kill_timer);
  _tasker_child_clear_source (&child->idle_timer);
  _tasker_child_clear_source (&child->hello_timer);
  _tasker_child_clear_source (&child->watch);
  _tasker_child_close_socket (child);
  line_reader_close (&child->stdout_lines);
  line_reader_close (&child->stderr_lines);
  _tasker_line_splitter_clear (&child->stdout_lines.lines);
  _tasker_line_splitter_clear (&child->stderr_lines.lines);
  _tasker_child_clear_source (&child->source);
  g_clear_pointer (&child->out, g_byte_array_unref);
  g_clear_pointer (&child->decoder, _tasker_worker_decoder_free);
  g_clear_error (&child->death);
  g_strfreev (child->program);
  g_assert (child->jobs.length == 0);
  g_free (child);
}

/* The child has exited. Its task in flight (the oldest it was given) fails
 * with the reason; tasks it had not started go back to the queue. */
void
_tasker_child_reaped (Child *child,
                      int    wait_status)
{
  TaskerProcessRunner *self = child->runner;
  Job *head;
  GList *rest;

  /* What it said and printed before it went still counts, whatever the
   * bound of its events: it sends no more. */
  child->reaped = TRUE;
  if (child->socket_fd >= 0 || child->paused)
    _tasker_child_read_socket (child);
  _tasker_child_drain_output (child);
  line_reader_close (&child->stdout_lines);
  line_reader_close (&child->stderr_lines);

  head = g_queue_pop_head (&child->jobs);
  if (head != NULL && !child->is_worker)
    _tasker_task_store_exit_status (head->task, wait_status);

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
        _tasker_process_runner_job_return_full (head, error, TRUE);
      else if (error == NULL)
        _tasker_process_runner_job_return (head, NULL);
      else
        _tasker_process_runner_job_fail_unstarted (head, error);
    }

  /* Back to the front of the queue, in their order. */
  rest = child->jobs.tail;
  for (GList *l = rest; l != NULL; l = l->prev)
    {
      Job *job = l->data;

      job->child = NULL;
      job->seen_start = FALSE;
      if (g_atomic_int_get (&job->task->cancel_requested))
        _tasker_process_runner_job_drop (job);
      else
        {
          g_queue_push_head (&self->waiting, job);
          /* Not in the unshown tail: the next look covers the whole queue. */
          if (!job->wait_shown)
            self->unshown_inside = TRUE;
        }
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

/* A worker's socket pair and output pipes, all close-on-exec. */
static gboolean
open_worker_fds (int      sv[2],
                 int      out[2],
                 int      err[2],
                 GError **error)
{
  if (!g_unix_open_pipe (out, FD_CLOEXEC, error))
    return FALSE;
  if (!g_unix_open_pipe (err, FD_CLOEXEC, error))
    {
      close (out[0]);
      close (out[1]);
      return FALSE;
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
      return FALSE;
    }

  return TRUE;
}

Child *
_tasker_child_spawn (TaskerProcessRunner  *self,
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

      if (!open_worker_fds (sv, out, err, error))
        goto fail;

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

  /* A command with an environment of its own is looked for in that
   * environment's PATH, as its caller's shell would (tasker-supervisor's
   * execvp does the same). */
  if (envp != NULL)
    flags |= G_SPAWN_SEARCH_PATH_FROM_ENVP;
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
