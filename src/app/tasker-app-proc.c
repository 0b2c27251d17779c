/* tasker-app-proc.c: what /proc says of another program's process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tasker-app-proc.h"

/* The owner of an external task (DESIGN.md §9) may be a process: these
 * read its user, its program's name and its ancestry from /proc, and open
 * the pidfd that tells when it exits. Any thread; Linux only, as the rest
 * of the application. */

/* How many ancestors tasker_app_proc_is_descendant() climbs at most: a
 * guard against a loop should /proc change under it. */
#define MAX_DEPTH 256

/**
 * tasker_app_proc_get_uid:
 * @uid: (out): the user that owns process @pid
 *
 * Returns: whether process @pid exists (and could be looked at)
 */
gboolean
tasker_app_proc_get_uid (guint32  pid,
                         guint32 *uid)
{
  char path[32];
  struct stat st;

  if (pid == 0)
    return FALSE;
  g_snprintf (path, sizeof path, "/proc/%u", pid);
  if (stat (path, &st) != 0)
    return FALSE;
  *uid = st.st_uid;
  return TRUE;
}

/**
 * tasker_app_proc_dup_comm:
 *
 * Returns: (transfer full) (nullable): the name of process @pid's program
 *   (/proc/PID/comm), or %NULL when it has gone
 */
char *
tasker_app_proc_dup_comm (guint32 pid)
{
  char path[32];
  g_autofree char *contents = NULL;

  g_snprintf (path, sizeof path, "/proc/%u/comm", pid);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  g_strchomp (contents);
  /* comm is bytes the program chose (prctl): keep the bus's strings valid. */
  if (!g_utf8_validate (contents, -1, NULL))
    return g_utf8_make_valid (contents, -1);
  return g_steal_pointer (&contents);
}

/* Process @pid's parent, or 0. The name in /proc/PID/stat may hold spaces
 * and parentheses: the fields follow its last ')'. */
static guint32
proc_get_ppid (guint32 pid)
{
  char path[32];
  g_autofree char *contents = NULL;
  const char *end;
  unsigned int ppid = 0;
  char state;

  g_snprintf (path, sizeof path, "/proc/%u/stat", pid);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  end = strrchr (contents, ')');
  if (end == NULL || sscanf (end + 1, " %c %u", &state, &ppid) != 2)
    return 0;
  return ppid;
}

/**
 * tasker_app_proc_is_descendant:
 *
 * Returns: whether process @pid is @ancestor or one of its descendants
 */
gboolean
tasker_app_proc_is_descendant (guint32 pid,
                               guint32 ancestor)
{
  for (guint depth = 0; pid > 1 && depth < MAX_DEPTH; depth++)
    {
      if (pid == ancestor)
        return TRUE;
      pid = proc_get_ppid (pid);
    }
  return pid != 0 && pid == ancestor;
}

/**
 * tasker_app_proc_open_pidfd:
 *
 * A pidfd of process @pid: readable once it has exited. GLib 2.74 and
 * Debian 12's libc have no wrapper for pidfd_open(2) (glibc 2.36 has, but
 * not every libc of the Flatpak runtimes does), hence the syscall.
 *
 * Returns: the descriptor (close-on-exec), or -1 with errno set
 */
int
tasker_app_proc_open_pidfd (guint32 pid)
{
#ifdef SYS_pidfd_open
  return (int) syscall (SYS_pidfd_open, (pid_t) pid, 0);
#else
  errno = ENOSYS;
  return -1;
#endif
}
