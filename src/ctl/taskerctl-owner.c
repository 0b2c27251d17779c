/* taskerctl-owner.c: which process a task of `taskerctl report create`
 * belongs to
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The script that ran taskerctl: its parent process, unless that parent is
 * a subshell. `id=$(taskerctl report create X)` runs taskerctl in the
 * subshell of the command substitution, which most shells replace by
 * taskerctl (exec), but not always: bash keeps the subshell when the
 * command has a redirection, as in $(taskerctl … 2>/dev/null), and that
 * subshell exits as soon as taskerctl has, which would fail the task at
 * once. A subshell is a fork of its shell that did not exec: the same
 * executable and the same command line as its parent.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "taskerctl-owner.h"

static pid_t
parent_of (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *after_name;
  int ppid;

  /* "PID (COMM) STATE PPID …", where COMM may hold anything, ')' too. */
  if (!g_file_get_contents (path, &stat, NULL, NULL) ||
      (after_name = strrchr (stat, ')')) == NULL ||
      sscanf (after_name + 1, " %*c %d", &ppid) != 1)
    return 0;
  return ppid;
}

/* The executable and the command line of @pid, or NULL. */
static GBytes *
identity_of (pid_t pid)
{
  g_autofree char *exe_path = g_strdup_printf ("/proc/%d/exe", (int) pid);
  g_autofree char *cmdline_path = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  g_autofree char *exe = g_file_read_link (exe_path, NULL);
  g_autofree char *cmdline = NULL;
  gsize len;
  GByteArray *identity;

  if (exe == NULL || !g_file_get_contents (cmdline_path, &cmdline, &len, NULL))
    return NULL;
  identity = g_byte_array_new ();
  g_byte_array_append (identity, (const guint8 *) exe, strlen (exe) + 1);
  g_byte_array_append (identity, (const guint8 *) cmdline, len);
  return g_byte_array_free_to_bytes (identity);
}

/**
 * taskerctl_owner_pid:
 * @parent: taskerctl's parent process
 *
 * Returns: @parent, or, when it is a subshell, the shell it was forked
 *   from (the first ancestor that is not a subshell of its own parent).
 */
pid_t
taskerctl_owner_pid (pid_t parent)
{
  pid_t pid = parent;

  for (;;)
    {
      pid_t grandparent = parent_of (pid);
      g_autoptr(GBytes) identity = NULL;
      g_autoptr(GBytes) parent_identity = NULL;

      if (grandparent <= 1 ||
          (identity = identity_of (pid)) == NULL ||
          (parent_identity = identity_of (grandparent)) == NULL ||
          !g_bytes_equal (identity, parent_identity))
        return pid;
      pid = grandparent;
    }
}
