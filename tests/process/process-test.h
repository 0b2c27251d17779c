/* process-test.h — helpers shared by the process and command test suites
 *
 * Header-only (static functions), so each test executable gets its own copy
 * and tests/lib stays untouched.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "tasker-test.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

G_BEGIN_DECLS

/* "<entry points module>:<symbol>" */
#define EP(symbol) TEST_ENTRY_POINTS ":" symbol

/* Every worker or program pid a test learned; the teardown checks that each
 * is gone once the manager was shut down. */
static GArray *seen_pids;

static inline void
proc_note_pid (GPid pid)
{
  if (seen_pids == NULL)
    return;
  for (guint i = 0; i < seen_pids->len; i++)
    if (g_array_index (seen_pids, GPid, i) == pid)
      return;
  g_array_append_val (seen_pids, pid);
}

/* Gone: no such process. A zombie still counts as present: the manager
 * must reap its own children. */
static inline gboolean
proc_pid_gone (GPid pid)
{
  return kill (pid, 0) == -1 && errno == ESRCH;
}

static inline gboolean
proc_pid_gone_cb (gpointer data)
{
  return proc_pid_gone (GPOINTER_TO_INT (data));
}

/* The pids of this process's children, from /proc/self/task/<tid>/children;
 * NULL when the kernel does not provide those files. */
static inline void
proc_add_children_of (GHashTable *children,
                      const char *tid_path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) parts = NULL;

  if (!g_file_get_contents (tid_path, &text, NULL, NULL))
    return;
  parts = g_strsplit_set (g_strstrip (text), " \n", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      g_hash_table_add (children, GINT_TO_POINTER (atoi (parts[i])));
}

/* The children forked by the calling thread only; NULL if the kernel does not
 * say. */
static inline GHashTable *
proc_dup_children_of_this_thread (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%ld/children",
                                           (long) syscall (SYS_gettid));
  GHashTable *children;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  children = g_hash_table_new (NULL, NULL);
  proc_add_children_of (children, path);

  return children;
}

static inline GHashTable *
proc_dup_children (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  g_autoptr(GHashTable) children = g_hash_table_new (NULL, NULL);
  const char *tid;
  gboolean any = FALSE;

  if (dir == NULL)
    return NULL;

  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/children", tid);

      /* A thread may end between listing and reading. */
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      any = TRUE;
      proc_add_children_of (children, path);
    }

  if (!any)
    return NULL;

  return g_steal_pointer (&children);
}

static inline void
assert_str_has_prefix (const char *str,
                       const char *prefix)
{
  if (str == NULL || !g_str_has_prefix (str, prefix))
    {
      g_autofree char *msg = g_strdup_printf ("“%s” does not start with “%s”", str, prefix);
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg);
    }
}

static inline void
assert_str_has_suffix (const char *str,
                       const char *suffix)
{
  if (str == NULL || !g_str_has_suffix (str, suffix))
    {
      g_autofree char *msg = g_strdup_printf ("“%s” does not end with “%s”", str, suffix);
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg);
    }
}

static inline void
assert_str_contains (const char *str,
                     const char *part)
{
  if (str == NULL || strstr (str, part) == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("“%s” does not contain “%s”", str, part);
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg);
    }
}

/* Checks a FAILED task: its error's domain and code, and its message (exact
 * when @message is given; else its start and end), through both
 * tasker_task_get_error() and tasker_task_propagate_variant(). */
static inline void
assert_task_failed (TaskerTask *task,
                    GQuark      domain,
                    int         code,
                    const char *message,
                    const char *prefix,
                    const char *suffix)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  const GError *task_error;

  g_assert_true (tasker_task_is_final (task));
  task_error = tasker_task_get_error (task);
  if (task_error != NULL)
    g_test_message ("task %" G_GUINT64_FORMAT " ended %s: %s (%s, %d)",
                    tasker_task_get_id (task),
                    test_status_name (tasker_task_get_status (task)),
                    task_error->message, g_quark_to_string (task_error->domain),
                    task_error->code);
  test_assert_status (task, TASKER_TASK_STATUS_FAILED);
  g_assert_nonnull (task_error);
  g_assert_cmpstr (g_quark_to_string (task_error->domain), ==, g_quark_to_string (domain));
  g_assert_cmpint (task_error->code, ==, code);
  if (message != NULL)
    g_assert_cmpstr (task_error->message, ==, message);
  if (prefix != NULL)
    assert_str_has_prefix (task_error->message, prefix);
  if (suffix != NULL)
    assert_str_has_suffix (task_error->message, suffix);

  result = tasker_task_propagate_variant (task, &error);
  g_assert_null (result);
  g_assert_error (error, domain, code);
  g_assert_cmpstr (error->message, ==, task_error->message);
}

static inline void
assert_task_cancelled (TaskerTask *task)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_error (tasker_task_get_error (task), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result = tasker_task_propagate_variant (task, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* The result of a COMPLETED task, checked against @type. */
static inline GVariant *
assert_task_result (TaskerTask *task,
                    const char *type)
{
  g_autoptr(GError) error = NULL;
  GVariant *result;

  if (tasker_task_get_error (task) != NULL)
    g_test_message ("task %" G_GUINT64_FORMAT " ended %s: %s",
                    tasker_task_get_id (task),
                    test_status_name (tasker_task_get_status (task)),
                    tasker_task_get_error (task)->message);
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  result = tasker_task_propagate_variant (task, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_false (g_variant_is_floating (result));
  g_assert_cmpstr (g_variant_get_type_string (result), ==, type);

  return result;
}

/* The pid a COMPLETED task returned as (i). */
static inline GPid
assert_task_pid (TaskerTask *task)
{
  g_autoptr(GVariant) result = assert_task_result (task, "(i)");
  int pid = 0;

  g_variant_get (result, "(i)", &pid);
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (pid, !=, getpid ());
  proc_note_pid (pid);

  return pid;
}

/* Index of the first log line (after its "HH:MM:SS.mmm " stamp, if any) that
 * ends with @suffix, or -1. */
static inline int
log_find_suffix (TaskerTask *task,
                 const char *suffix)
{
  g_auto(GStrv) lines = tasker_task_dup_log (task);

  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    if (g_str_has_suffix (lines[i], suffix))
      return i;

  return -1;
}

static inline gboolean
log_has_suffix (TaskerTask *task,
                const char *suffix)
{
  return log_find_suffix (task, suffix) >= 0;
}

/* The pid from a "pid <n>" log line, or 0. */
static inline GPid
log_find_pid (TaskerTask *task)
{
  g_auto(GStrv) lines = tasker_task_dup_log (task);

  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      const char *p = strstr (lines[i], "pid ");
      char *end = NULL;
      gint64 pid;

      if (p == NULL || (p != lines[i] && p[-1] != ' '))
        continue;
      pid = g_ascii_strtoll (p + 4, &end, 10);
      if (end != p + 4 && *end == '\0' && pid > 0)
        return (GPid) pid;
    }

  return 0;
}

/* Waits until a running task logged its pid ("pid <n>"). */
static inline GPid
wait_for_logged_pid (GMainContext *context,
                     TaskerTask   *task)
{
  GPid pid;

  TEST_WAIT_UNTIL (context, log_find_pid (task) > 0 || tasker_task_is_final (task));
  pid = log_find_pid (task);
  if (pid <= 0)
    g_test_message ("task ended %s: %s", test_status_name (tasker_task_get_status (task)),
                    tasker_task_get_error (task) ? tasker_task_get_error (task)->message : "");
  g_assert_cmpint (pid, >, 0);
  proc_note_pid (pid);

  return pid;
}

/* Field @field (1-based, as in proc(5): 4 ppid, 5 pgrp, 6 session) of
 * /proc/<pid>/stat, or -1. */
static inline gint64
proc_stat_field (GPid pid,
                 guint field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *close_paren;

  g_assert_cmpuint (field, >=, 3);
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return -1;
  close_paren = strrchr (stat, ')');
  if (close_paren == NULL || close_paren[1] != ' ')
    return -1;
  fields = g_strsplit (close_paren + 2, " ", -1);
  if (g_strv_length (fields) < field - 2)
    return -1;

  return g_ascii_strtoll (fields[field - 3], NULL, 10);
}

/* All "pid <n>" log lines' pids, in order. */
static inline GArray *
log_dup_pids (TaskerTask *task)
{
  g_auto(GStrv) lines = tasker_task_dup_log (task);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));

  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      const char *p = strstr (lines[i], "pid ");
      char *end = NULL;
      gint64 pid;

      if (p == NULL || (p != lines[i] && p[-1] != ' '))
        continue;
      pid = g_ascii_strtoll (p + 4, &end, 10);
      if (end != p + 4 && *end == '\0' && pid > 0)
        {
          GPid value = (GPid) pid;

          g_array_append_val (pids, value);
        }
    }

  return pids;
}

/* Recorded values of a task's progress and message, as notified. */
typedef struct
{
  GArray    *progress;  /* (element-type double) */
  GPtrArray *messages;  /* (element-type utf8) (nullable items) */
  GArray    *times;     /* (element-type gint64) of each progress notification */
} Seen;

static inline void
seen_progress_cb (TaskerTask *task,
                  GParamSpec *pspec,
                  Seen       *seen)
{
  double value = tasker_task_get_progress (task);
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (seen->progress, value);
  g_array_append_val (seen->times, now);
}

static inline void
seen_message_cb (TaskerTask *task,
                 GParamSpec *pspec,
                 Seen       *seen)
{
  g_ptr_array_add (seen->messages, tasker_task_dup_message (task));
}

static inline void
seen_init (Seen       *seen,
           TaskerTask *task)
{
  seen->progress = g_array_new (FALSE, FALSE, sizeof (double));
  seen->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  seen->messages = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (task, "notify::progress", G_CALLBACK (seen_progress_cb), seen);
  g_signal_connect (task, "notify::message", G_CALLBACK (seen_message_cb), seen);
}

static inline void
seen_clear (Seen       *seen,
            TaskerTask *task)
{
  g_signal_handlers_disconnect_by_data (task, seen);
  g_clear_pointer (&seen->progress, g_array_unref);
  g_clear_pointer (&seen->times, g_array_unref);
  g_clear_pointer (&seen->messages, g_ptr_array_unref);
}

static inline gboolean
seen_has_progress (Seen   *seen,
                   double  value)
{
  for (guint i = 0; i < seen->progress->len; i++)
    if (ABS (g_array_index (seen->progress, double, i) - value) < 1e-9)
      return TRUE;

  return FALSE;
}

/* The fixture of tests/lib, plus the pids check: after the test, the manager
 * is shut down and every pid the test learned must be gone. */
static inline void
proc_fixture_setup (TestFixture   *f,
                    gconstpointer  data)
{
  seen_pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  test_fixture_setup (f, data);
}

static inline void
proc_fixture_teardown (TestFixture   *f,
                       gconstpointer  data)
{
  test_settle (f->manager);
  tasker_manager_shutdown (f->manager, 2000);

  for (guint i = 0; i < seen_pids->len; i++)
    {
      GPid pid = g_array_index (seen_pids, GPid, i);

      if (!test_try_wait_for (f->context, proc_pid_gone_cb, GINT_TO_POINTER (pid),
                              test_timeout_ms ()))
        g_error ("process %d is still there after the manager was shut down", (int) pid);
    }
  g_clear_pointer (&seen_pids, g_array_unref);

  test_fixture_teardown (f, data);
}

#define PROC_ADD(path, func) \
  g_test_add ((path), TestFixture, NULL, proc_fixture_setup, (func), proc_fixture_teardown)

#define PROC_ADD_DATA(path, data, func) \
  g_test_add ((path), TestFixture, (data), proc_fixture_setup, (func), proc_fixture_teardown)

G_END_DECLS
