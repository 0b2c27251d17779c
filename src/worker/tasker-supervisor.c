/* tasker-supervisor.c: runs one command or worker for a Tasker manager and
 * owns every process it starts (DESIGN.md §4, Process trees).
 *
 *   tasker-supervisor GRACE_MS STATUS_FD PROGRAM [ARGUMENT…]
 *
 * It starts a session of its own (no controlling terminal), becomes a child
 * subreaper, so that every orphaned descendant is re-parented to it, and runs
 * PROGRAM as its child. When PROGRAM exits, when it is sent SIGTERM (a cancel,
 * or its parent's death through PR_SET_PDEATHSIG), or SIGUSR1 (kill now), it
 * ends every descendant left: SIGTERM, then SIGKILL after GRACE_MS (at once
 * for SIGUSR1). It exits only once none is left, with PROGRAM's own status
 * (the same exit status, or killed by the same signal).
 *
 * STATUS_FD (or -1) gets the errno of a failed exec as 4 bytes; it reaches
 * its end once PROGRAM was executed. The descriptors PROGRAM gets are the
 * supervisor's own; the supervisor keeps none of them open.
 *
 * Plain C and libc only: it costs one small exec per command or worker.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How often the descendants are killed again while some are left: one may
 * fork between a walk and its signal. */
#define RESCAN_MS 20

typedef struct
{
  pid_t pid;
  pid_t ppid;
} Proc;

static Proc *procs;
static size_t n_procs, procs_size;

static long long
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static pid_t
read_ppid (const char *pid)
{
  char path[64], buffer[512];
  const char *p;
  ssize_t n;
  int fd;

  snprintf (path, sizeof path, "/proc/%s/stat", pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = read (fd, buffer, sizeof buffer - 1);
  close (fd);
  if (n <= 0)
    return -1;
  buffer[n] = '\0';

  /* "pid (comm) state ppid …": comm may hold anything, even ")". */
  p = strrchr (buffer, ')');
  if (p == NULL || p[1] != ' ' || p[2] == '\0' || p[3] != ' ')
    return -1;

  return (pid_t) atoi (p + 4);
}

/* Sends @signum to every descendant: since we are their subreaper, each has
 * a chain of parents that leads to us. Returns how many got it. */
static size_t
signal_descendants (int signum)
{
  DIR *dir = opendir ("/proc");
  struct dirent *entry;
  pid_t self = getpid ();
  size_t n_signalled = 0;
  int changed;

  if (dir == NULL)
    return 0;

  n_procs = 0;
  while ((entry = readdir (dir)) != NULL)
    {
      pid_t ppid;

      if (!isdigit ((unsigned char) entry->d_name[0]))
        continue;
      ppid = read_ppid (entry->d_name);
      if (ppid < 0)
        continue;
      if (n_procs == procs_size)
        {
          size_t size = procs_size > 0 ? procs_size * 2 : 256;
          Proc *bigger = realloc (procs, size * sizeof *procs);

          if (bigger == NULL)
            break;
          procs = bigger;
          procs_size = size;
        }
      procs[n_procs].pid = atoi (entry->d_name);
      procs[n_procs].ppid = ppid;
      n_procs++;
    }
  closedir (dir);

  /* Mark ours by turning their parent into us, until nothing changes. */
  do
    {
      changed = 0;
      for (size_t i = 0; i < n_procs; i++)
        {
          if (procs[i].ppid == self || procs[i].ppid <= 0)
            continue;
          for (size_t j = 0; j < n_procs; j++)
            if (procs[j].pid == procs[i].ppid && procs[j].ppid == self)
              {
                procs[i].ppid = self;
                changed = 1;
                break;
              }
        }
    }
  while (changed);

  for (size_t i = 0; i < n_procs; i++)
    if (procs[i].ppid == self && procs[i].pid != self && kill (procs[i].pid, signum) == 0)
      n_signalled++;

  return n_signalled;
}

/* Leaves as PROGRAM did: the same exit status, or the same signal. */
__attribute__ ((noreturn)) static void
exit_like (int status)
{
  if (WIFSIGNALED (status))
    {
      int signum = WTERMSIG (status);
      struct rlimit no_core = { 0, 0 };
      sigset_t set;

      /* Its core, if any, was dumped already. */
      setrlimit (RLIMIT_CORE, &no_core);
      signal (signum, SIG_DFL);
      sigemptyset (&set);
      sigaddset (&set, signum);
      raise (signum);
      sigprocmask (SIG_UNBLOCK, &set, NULL);
      _exit (128 + signum);
    }

  _exit (WIFEXITED (status) ? WEXITSTATUS (status) : 1);
}

static void
close_from (int first)
{
#ifdef SYS_close_range
  if (syscall (SYS_close_range, first, ~0U, 0) == 0)
    return;
#endif
  for (int fd = first; fd < 1024; fd++)
    close (fd);
}

int
main (int    argc,
      char **argv)
{
  sigset_t set, old_set;
  long long grace_ms, deadline = 0;
  int status_fd, null_fd;
  int leader_status = 0, leader_done = 0;
  int stage = 0;    /* 0 until the tree must end, 1 once SIGTERM went, 2 SIGKILL */
  pid_t self, leader;

  if (argc < 4)
    {
      fprintf (stderr, "usage: %s GRACE_MS STATUS_FD PROGRAM [ARGUMENT…]\n", argv[0]);
      return 127;
    }
  grace_ms = atoll (argv[1]);
  status_fd = atoi (argv[2]);

  /* Signals are taken one at a time below; the program gets the mask we
   * were given. */
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGUSR1);
  sigprocmask (SIG_BLOCK, &set, &old_set);

  /* A session of our own: no controlling terminal, and no Ctrl-C from the
   * manager's. */
  setsid ();
  prctl (PR_SET_CHILD_SUBREAPER, 1);
  self = getpid ();

  if (status_fd >= 0)
    fcntl (status_fd, F_SETFD, FD_CLOEXEC);

  leader = fork ();
  if (leader == 0)
    {
      int saved;

      sigprocmask (SIG_SETMASK, &old_set, NULL);
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (getppid () != self)
        _exit (127);
      execvp (argv[3], argv + 3);
      saved = errno;
      if (status_fd >= 0 && write (status_fd, &saved, sizeof saved) < 0)
        _exit (127);
      _exit (127);
    }
  if (leader < 0)
    {
      int saved = errno;

      if (status_fd >= 0 && write (status_fd, &saved, sizeof saved) < 0)
        return 127;
      return 127;
    }

  /* Nothing of the program's stays open here: whoever reads its output or
   * its socket sees the end once it and its descendants are gone. */
  null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0)
    {
      dup2 (null_fd, STDIN_FILENO);
      dup2 (null_fd, STDOUT_FILENO);
      dup2 (null_fd, STDERR_FILENO);
    }
  close_from (3);

  for (;;)
    {
      struct timespec timeout;
      long long wait_ms = -1;
      int signum;

      for (;;)
        {
          int status;
          pid_t pid = waitpid (-1, &status, WNOHANG);

          if (pid > 0)
            {
              if (pid == leader)
                {
                  leader_status = status;
                  leader_done = 1;
                }
              continue;
            }
          if (pid < 0 && errno == EINTR)
            continue;
          /* No child means no descendant: orphans come to us. */
          if (pid < 0 && errno == ECHILD && leader_done)
            exit_like (leader_status);
          break;
        }

      /* The program's end is the end of what it started. */
      if (leader_done && stage == 0)
        {
          stage = 1;
          deadline = now_ms () + grace_ms;
          signal_descendants (SIGTERM);
        }

      if (stage == 1 && now_ms () >= deadline)
        stage = 2;
      if (stage == 2)
        {
          signal_descendants (SIGKILL);
          wait_ms = RESCAN_MS;
        }
      else if (stage == 1)
        wait_ms = deadline - now_ms ();

      if (wait_ms >= 0)
        {
          timeout.tv_sec = wait_ms / 1000;
          timeout.tv_nsec = (wait_ms % 1000) * 1000000;
        }
      signum = sigtimedwait (&set, NULL, wait_ms >= 0 ? &timeout : NULL);

      switch (signum)
        {
        case SIGTERM:
        case SIGINT:
        case SIGHUP:
          if (stage == 0)
            {
              stage = 1;
              deadline = now_ms () + grace_ms;
              signal_descendants (SIGTERM);
            }
          break;

        case SIGUSR1:
          stage = 2;
          break;

        default:
          break;
        }
    }
}
