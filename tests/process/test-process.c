/* test-process.c — process tasks: entry points run in tasker-worker processes
 *
 * The entry points are in test-entry-points.c, built as a module the workers
 * load by path (TEST_ENTRY_POINTS). The workers are found through
 * TASKER_WORKER, set by the build.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "process-test.h"

#include <glib/gstdio.h>

#include "tasker-task-private.h"
#include "tasker-child-private.h"

static TaskerTask *
run_process (TestFixture       *f,
             const char        *key,
             TaskerTaskOptions *options,
             const char        *entry_point,
             GVariant          *args)
{
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  test_submit_begin ();
  task = tasker_manager_run_process (f->manager, key, options != NULL ? options : f->options,
                                     entry_point, args, &error);
  test_submit_end ();

  g_assert_no_error (error);
  g_assert_true (TASKER_IS_TASK (task));

  return task;
}

/* Compares with @expected, which is sunk and dropped. */
static void
assert_variant_equal (GVariant *value,
                      GVariant *expected)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (expected);
  g_autofree char *value_text = g_variant_print (value, TRUE);
  g_autofree char *expected_text = g_variant_print (owned, TRUE);

  g_assert_cmpstr (value_text, ==, expected_text);
  g_assert_true (g_variant_equal (value, owned));
}

static void
wait_done (TestFixture *f,
           TaskerTask  *task)
{
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  g_assert_true (tasker_task_is_final (task));
}

static GVariant *
big_bytestring (void)
{
  gsize size = 17 * 1024 * 1024;
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_malloc0 (size), size);

  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

/* Results and arguments round trip; floating arguments are sunk, others are
 * not stolen. */
static void
test_result (TestFixture   *f,
             gconstpointer  data)
{
  static const char *args_text =
    "('hello', int32 42, [byte 1, 2, 3], {'k': <1.5>}, @ms nothing, (true, uint64 7))";
  g_autoptr(GVariant) expected = g_variant_ref_sink (g_variant_new_parsed (args_text));
  g_autoptr(GVariant) owned = g_variant_ref_sink (g_variant_new_parsed (args_text));
  g_autoptr(TaskerTask) floating_task = NULL;
  g_autoptr(TaskerTask) owned_task = NULL;
  g_autoptr(TaskerTask) none_task = NULL;
  g_autoptr(TaskerTask) null_task = NULL;
  g_autoptr(TaskerTask) type_task = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) again = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  floating_task = run_process (f, NULL, NULL, EP ("trivial"), g_variant_new_parsed (args_text));
  owned_task = run_process (f, NULL, NULL, EP ("trivial"), owned);
  none_task = run_process (f, NULL, NULL, EP ("trivial"), NULL);
  null_task = run_process (f, NULL, NULL, EP ("return_null"), g_variant_new ("(s)", "x"));
  type_task = run_process (f, NULL, NULL, EP ("args_type"), NULL);

  g_assert_cmpint (tasker_task_get_kind (floating_task), ==, TASKER_TASK_KIND_PROCESS);
  test_assert_status (floating_task, TASKER_TASK_STATUS_PENDING);

  test_settle (f->manager);

  /* Our reference was not taken: it is still usable and not floating. */
  g_assert_false (g_variant_is_floating (owned));
  g_assert_true (g_variant_equal (owned, expected));

  result = assert_task_result (floating_task, g_variant_get_type_string (expected));
  g_assert_true (g_variant_equal (result, expected));
  /* Each call gives a new reference to an equal value. */
  again = tasker_task_propagate_variant (floating_task, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_equal (again, expected));
  g_clear_pointer (&result, g_variant_unref);
  g_clear_pointer (&again, g_variant_unref);

  result = assert_task_result (owned_task, g_variant_get_type_string (expected));
  g_assert_true (g_variant_equal (result, expected));
  g_clear_pointer (&result, g_variant_unref);

  /* NULL args are (); a function returning NULL without error gives (). */
  result = assert_task_result (none_task, "()");
  g_clear_pointer (&result, g_variant_unref);
  result = assert_task_result (null_task, "()");
  g_clear_pointer (&result, g_variant_unref);
  /* The function itself is given () for NULL. */
  result = assert_task_result (type_task, "(s)");
  assert_variant_equal (result, g_variant_new ("(s)", "()"));
  g_clear_pointer (&result, g_variant_unref);

  /* The rest of a completed task's state. */
  g_assert_cmpfloat (tasker_task_get_progress (floating_task), ==, 1.0);
  g_assert_null (tasker_task_get_error (floating_task));
  g_assert_cmpuint (tasker_task_get_attempt (floating_task), ==, 1);
  g_assert_cmpint (tasker_task_get_started_time (floating_task), >, 0);
  g_assert_cmpint (tasker_task_get_started_time (floating_task), >=,
                   tasker_task_get_created_time (floating_task));
  g_assert_cmpint (tasker_task_get_finished_time (floating_task), >=,
                   tasker_task_get_started_time (floating_task));
  g_assert_true (tasker_task_propagate_value (floating_task, &value, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, 5);
}

/* Errors keep their domain, code and message, when the manager's process
 * knows the domain. */
static void
test_error (TestFixture   *f,
            gconstpointer  data)
{
  GQuark known = g_quark_from_static_string ("tasker-test-entry-error-quark");
  g_autoptr(TaskerTask) io = NULL;
  g_autoptr(TaskerTask) custom = NULL;

  io = run_process (f, NULL, NULL, EP ("fail_gerror"), NULL);
  custom = run_process (f, NULL, NULL, EP ("fail_custom"), NULL);
  test_settle (f->manager);

  assert_task_failed (io, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such thing", NULL, NULL);
  assert_task_failed (custom, known, 42, "custom failure 42", NULL, NULL);
}

/* A domain the manager's process does not know is not interned (a worker
 * must not grow the quark table without bound): the task fails as a worker
 * failure, with the worker's message. */
static void
test_error_unknown_domain (TestFixture   *f,
                           gconstpointer  data)
{
  g_autofree char *domain = g_strdup_printf ("tasker-test-unknown-%d-%u-quark",
                                             (int) getpid (), g_random_int ());
  g_autoptr(TaskerTask) task = NULL;

  task = run_process (f, NULL, NULL, EP ("fail_domain"), g_variant_new ("(s)", domain));
  wait_done (f, task);

  assert_task_failed (task, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED, "failure in its own domain",
                      NULL, NULL);
  g_assert_cmpuint (g_quark_try_string (domain), ==, 0);
}

static char *
event_line (TaskerTask *task,
            const char *name,
            GVariant   *data)
{
  g_autoptr(GVariant) owned = data != NULL ? g_variant_ref_sink (data) : NULL;
  g_autofree char *text = owned != NULL ? g_variant_print (owned, FALSE) : g_strdup ("none");

  return g_strdup_printf ("event %" G_GUINT64_FORMAT " %s %s", tasker_task_get_id (task), name, text);
}

/* The events, in order, before the task's done. */
static void
assert_progress_events (TestFixture *f,
                        TaskerTask  *task,
                        gboolean     expect_done)
{
  int last = -1;

  for (int i = 0; i <= 6; i++)
    {
      g_autofree char *line = NULL;
      int index;

      if (i <= 5)
        line = event_line (task, "step", g_variant_new ("(i)", i));
      else
        line = event_line (task, "step", g_variant_new ("(i)", 99));
      index = test_recorder_find (&f->rec, line);
      if (index < 0)
        g_error ("no “%s” in the trace", line);
      g_assert_cmpint (index, >, last);
      last = index;
    }

  {
    g_autofree char *line = event_line (task, "last", NULL);
    int index = test_recorder_find (&f->rec, line);

    if (index < 0)
      g_error ("no “%s” in the trace", line);
    g_assert_cmpint (index, >, last);
    last = index;
  }

  if (expect_done)
    {
      g_autofree char *line = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (task));
      g_assert_cmpint (test_recorder_find (&f->rec, line), >, last);
    }
}

/* Log lines, in order, each stamped "HH:MM:SS.mmm [trace id] ". */
static void
assert_progress_log (TaskerTask *task)
{
  g_auto(GStrv) lines = tasker_task_dup_log (task);
  const char *expected[] = { "line 0", "line 1", "line 2", "line 3", "line 4", "line 5", "line sub" };
  guint next = 0;

  g_assert_nonnull (lines);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *pattern = NULL;

      if (next == G_N_ELEMENTS (expected) || !g_str_has_suffix (lines[i], expected[next]))
        continue;
      pattern = g_strdup_printf ("^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} \\[%016" G_GINT64_MODIFIER "x\\] %s$",
                                 tasker_task_get_trace_id (task), expected[next]);
      if (!g_regex_match_simple (pattern, lines[i], 0, 0))
        g_error ("log line “%s” is not “HH:MM:SS.mmm [trace id] %s”", lines[i], expected[next]);
      next++;
    }

  if (next != G_N_ELEMENTS (expected))
    {
      g_autofree char *all = g_strjoinv ("\n", lines);
      g_error ("log lacks “%s” (in order); it is:\n%s", expected[next], all);
    }
}

/* Progress, messages, log lines and events of a worker reach the task; a
 * completed task's progress is 1.0 and its message the last one set. */
static void
test_progress (TestFixture   *f,
               gconstpointer  data)
{
  static const double allowed[] = { 0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0 };
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GVariant) result = NULL;
  Seen seen;
  double previous = 0.0;

  task = run_process (f, NULL, NULL, EP ("progress"), NULL);
  seen_init (&seen, task);
  wait_done (f, task);

  result = assert_task_result (task, "(i)");
  assert_variant_equal (result, g_variant_new ("(i)", 10));
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 1.0);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "from sub");

  assert_progress_events (f, task, TRUE);
  assert_progress_log (task);

  /* Whatever was coalesced, what was notified went up through the values
   * the function set, and ended at 1.0. */
  g_assert_cmpuint (seen.progress->len, >=, 1);
  for (guint i = 0; i < seen.progress->len; i++)
    {
      double value = g_array_index (seen.progress, double, i);
      gboolean ok = FALSE;

      for (guint j = 0; j < G_N_ELEMENTS (allowed); j++)
        ok |= ABS (value - allowed[j]) < 1e-9;
      if (!ok)
        g_error ("progress %g was notified, but never set", value);
      g_assert_cmpfloat (value, >=, previous);
      previous = value;
    }
  g_assert_cmpfloat (previous, ==, 1.0);

  g_assert_cmpuint (seen.messages->len, >=, 1);
  for (guint i = 0; i < seen.messages->len; i++)
    {
      const char *message = g_ptr_array_index (seen.messages, i);

      g_assert_nonnull (message);
      g_assert_true (g_str_equal (message, "from sub") ||
                     (g_str_has_prefix (message, "step ") && strlen (message) == 6));
    }
  g_assert_cmpstr (g_ptr_array_index (seen.messages, seen.messages->len - 1), ==, "from sub");

  seen_clear (&seen, task);
}

/* What a running task flushed is delivered while it runs, and kept when it
 * is cancelled. */
static void
test_progress_kept_on_cancel (TestFixture   *f,
                              gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autofree char *last = NULL;

  task = run_process (f, NULL, NULL, EP ("progress_wait"), NULL);
  last = event_line (task, "last", NULL);

  TEST_WAIT_UNTIL (f->context,
                   ABS (tasker_task_get_progress (task) - 0.75) < 1e-9 &&
                   g_strcmp0 (tasker_task_get_message (task), "from sub") == 0 &&
                   log_has_suffix (task, "line sub") &&
                   test_recorder_find (&f->rec, last) >= 0);
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);
  assert_progress_events (f, task, FALSE);

  tasker_task_cancel (task);
  wait_done (f, task);
  assert_task_cancelled (task);
  g_assert_cmpfloat_with_epsilon (tasker_task_get_progress (task), 0.75, 1e-9);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "from sub");
  assert_progress_events (f, task, TRUE);
  assert_progress_log (task);
}

/* The last progress and message set before the end are not lost, even
 * unflushed. */
static void
test_progress_kept_on_failure (TestFixture   *f,
                               gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;

  task = run_process (f, NULL, NULL, EP ("progress_then_fail"), NULL);
  wait_done (f, task);

  assert_task_failed (task, G_IO_ERROR, G_IO_ERROR_FAILED, "gave up", NULL, NULL);
  g_assert_cmpfloat_with_epsilon (tasker_task_get_progress (task), 0.37, 1e-9);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "almost");
}

/* A worker setting progress in a tight loop causes at most about one
 * notification per update interval. */
static void
test_progress_coalesced (TestFixture   *f,
                         gconstpointer  data)
{
  const guint interval = 50;
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GVariant) result = NULL;
  guint64 n_set = 0;
  gint64 start, elapsed_ms;
  guint bound;
  Seen seen;

  tasker_manager_set_update_interval (f->manager, interval);

  start = g_get_monotonic_time ();
  task = run_process (f, NULL, NULL, EP ("progress_spam"), g_variant_new ("(u)", 400));
  seen_init (&seen, task);
  wait_done (f, task);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  result = assert_task_result (task, "(t)");
  g_variant_get (result, "(t)", &n_set);
  bound = elapsed_ms / interval + 3;
  g_test_message ("%" G_GUINT64_FORMAT " set_progress calls, %u notifications in %" G_GINT64_FORMAT
                  " ms (bound %u)", n_set, seen.progress->len, elapsed_ms, bound);
  g_assert_cmpuint (n_set, >=, 1000);
  g_assert_cmpuint (seen.progress->len, >=, 1);
  g_assert_cmpuint (seen.progress->len, <=, bound);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 1.0);

  seen_clear (&seen, task);
}

/* Manager properties of the process runner. */
static void
test_properties (TestFixture   *f,
                 gconstpointer  data)
{
  guint max_workers = 0, cancel_grace = 0, max_tasks = 99, idle = 0;

  g_assert_cmpuint (tasker_manager_get_max_workers (f->manager), ==, g_get_num_processors ());
  g_assert_cmpuint (tasker_manager_get_cancel_grace (f->manager), ==, 2000);

  tasker_manager_set_max_workers (f->manager, 3);
  tasker_manager_set_cancel_grace (f->manager, 250);
  tasker_manager_set_worker_max_tasks (f->manager, 7);
  tasker_manager_set_worker_idle_timeout (f->manager, 1234);
  g_assert_cmpuint (tasker_manager_get_max_workers (f->manager), ==, 3);
  g_assert_cmpuint (tasker_manager_get_cancel_grace (f->manager), ==, 250);
  g_assert_cmpuint (tasker_manager_get_worker_max_tasks (f->manager), ==, 7);
  g_assert_cmpuint (tasker_manager_get_worker_idle_timeout (f->manager), ==, 1234);

  g_object_set (f->manager,
                "max-workers", 2,
                "cancel-grace", 300,
                "worker-max-tasks", 0,
                "worker-idle-timeout", 5000,
                NULL);
  g_object_get (f->manager,
                "max-workers", &max_workers,
                "cancel-grace", &cancel_grace,
                "worker-max-tasks", &max_tasks,
                "worker-idle-timeout", &idle,
                NULL);
  g_assert_cmpuint (max_workers, ==, 2);
  g_assert_cmpuint (cancel_grace, ==, 300);
  g_assert_cmpuint (max_tasks, ==, 0);
  g_assert_cmpuint (idle, ==, 5000);
}

/* With one worker, consecutive tasks run in the same process. */
static void
test_worker_reuse (TestFixture   *f,
                   gconstpointer  data)
{
  TaskerTask *tasks[5];
  g_autoptr(TaskerTask) later = NULL;
  GPid first;

  tasker_manager_set_max_workers (f->manager, 1);
  tasker_manager_set_worker_max_tasks (f->manager, 0);

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = run_process (f, NULL, NULL, EP ("pid"), NULL);
  test_settle (f->manager);

  first = assert_task_pid (tasks[0]);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_assert_cmpint (assert_task_pid (tasks[i]), ==, first);
      g_object_unref (tasks[i]);
    }

  later = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, later);
  g_assert_cmpint (assert_task_pid (later), ==, first);
  g_assert_false (proc_pid_gone (first));
}

/* A worker is replaced after worker-max-tasks tasks, and the old one is
 * reaped. */
static void
test_worker_max_tasks (TestFixture   *f,
                       gconstpointer  data)
{
  GPid pids[6];
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  TaskerTask *tasks[6];
  GHashTableIter iter;
  gpointer key, value;

  tasker_manager_set_max_workers (f->manager, 1);
  tasker_manager_set_worker_max_tasks (f->manager, 2);

  /* One at a time. */
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
    {
      g_autoptr(TaskerTask) task = run_process (f, NULL, NULL, EP ("pid"), NULL);

      wait_done (f, task);
      pids[i] = assert_task_pid (task);
    }
  g_assert_cmpint (pids[0], ==, pids[1]);
  g_assert_cmpint (pids[2], ==, pids[3]);
  g_assert_cmpint (pids[4], ==, pids[5]);
  g_assert_cmpint (pids[1], !=, pids[2]);
  g_assert_cmpint (pids[3], !=, pids[4]);
  g_assert_cmpint (pids[0], !=, pids[4]);

  /* The replaced workers are gone, not zombies. */
  test_wait_for (f->context, proc_pid_gone_cb, GINT_TO_POINTER (pids[0]), test_timeout_ms ());
  test_wait_for (f->context, proc_pid_gone_cb, GINT_TO_POINTER (pids[2]), test_timeout_ms ());

  /* All at once: still no worker runs more than two. */
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    tasks[i] = run_process (f, NULL, NULL, EP ("pid"), NULL);
  test_settle (f->manager);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      GPid pid = assert_task_pid (tasks[i]);

      g_hash_table_insert (counts, GINT_TO_POINTER (pid),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, GINT_TO_POINTER (pid))) + 1));
      g_object_unref (tasks[i]);
    }
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpuint (GPOINTER_TO_UINT (value), <=, 2);
  g_assert_cmpuint (g_hash_table_size (counts), >=, 3);
}

/* An idle worker exits after worker-idle-timeout; the next task gets a new
 * one. */
static void
test_idle_timeout (TestFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(TaskerTask) first = NULL;
  g_autoptr(TaskerTask) second = NULL;
  GPid pid1, pid2;

  tasker_manager_set_max_workers (f->manager, 1);
  tasker_manager_set_worker_idle_timeout (f->manager, 100);

  first = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, first);
  pid1 = assert_task_pid (first);

  test_wait_for (f->context, proc_pid_gone_cb, GINT_TO_POINTER (pid1), test_timeout_ms ());

  second = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, second);
  pid2 = assert_task_pid (second);
  g_assert_cmpint (pid1, !=, pid2);
}

static gboolean
children_subset (GHashTable *after,
                 GHashTable *before)
{
  GHashTableIter iter;
  gpointer pid;

  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &pid, NULL))
    if (!g_hash_table_contains (before, pid))
      {
        g_test_message ("new child %d", GPOINTER_TO_INT (pid));
        return FALSE;
      }

  return TRUE;
}

static void
nothing_cb (TaskerContext *context,
            gpointer       data)
{
}

/* How many children this process has that it did not have in @before:
 * workers (or their supervisors) started since. */
static guint
count_new_children (GHashTable *before)
{
  g_autoptr(GHashTable) now = proc_dup_children ();
  GHashTableIter iter;
  gpointer pid;
  guint n = 0;

  g_assert_nonnull (now);
  g_hash_table_iter_init (&iter, now);
  while (g_hash_table_iter_next (&iter, &pid, NULL))
    if (!g_hash_table_contains (before, pid))
      n++;

  return n;
}

static gboolean
skip_without_children (GHashTable *children)
{
  if (children == NULL)
    g_test_skip ("/proc/self/task/*/children is not available");
  return children == NULL;
}

/* Workers start ahead of a backlog: the first task of a program brings the
 * rest of the pool with it, without further submits, and each of them
 * leaves after worker-idle-timeout when no task came. */
static void
test_pool_warms_ahead (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(GHashTable) before = proc_dup_children ();
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) pids = g_hash_table_new (NULL, NULL);
  g_autoptr(TaskerTask) first = NULL;

  if (skip_without_children (before))
    return;

  tasker_manager_set_max_workers (f->manager, 3);
  tasker_manager_set_worker_idle_timeout (f->manager, 1500);

  first = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, first);
  assert_task_pid (first);

  TEST_WAIT_UNTIL (f->context, count_new_children (before) == 3);

  /* They are workers that take tasks: three at once run in three of them. */
  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (tasks, run_process (f, NULL, NULL, EP ("wait_cancel"), NULL));
  for (guint i = 0; i < tasks->len; i++)
    g_hash_table_add (pids, GINT_TO_POINTER (wait_for_logged_pid (f->context,
                                                                   g_ptr_array_index (tasks, i))));
  g_assert_cmpuint (g_hash_table_size (pids), ==, 3);
  g_assert_cmpuint (count_new_children (before), ==, 3);
  for (guint i = 0; i < tasks->len; i++)
    tasker_task_cancel (g_ptr_array_index (tasks, i));
  test_settle (f->manager);

  /* Idle, the pool shrinks to nothing. */
  TEST_WAIT_UNTIL (f->context, count_new_children (before) == 0);
}

/* Workers warmed ahead respect a lowered max-workers: the idle ones beyond
 * it leave, and no new one starts to fill the old size. */
static void
test_pool_warm_shrinks (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(GHashTable) before = proc_dup_children ();
  g_autoptr(TaskerTask) first = NULL;
  g_autoptr(TaskerTask) second = NULL;

  if (skip_without_children (before))
    return;

  tasker_manager_set_max_workers (f->manager, 3);
  first = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, first);
  TEST_WAIT_UNTIL (f->context, count_new_children (before) == 3);

  tasker_manager_set_max_workers (f->manager, 1);
  TEST_WAIT_UNTIL (f->context, count_new_children (before) == 1);

  second = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, second);
  assert_task_pid (second);
  test_spin_for (f->context, 100);
  g_assert_cmpuint (count_new_children (before), ==, 1);
}

/* A pool warmed with one program's workers still makes room for a task of
 * another program: an idle worker leaves for it. The other program is
 * tasker-worker under another argv (a shell that execs it). */
static void
test_pool_warm_leaves_room (TestFixture   *f,
                            gconstpointer  data)
{
  g_autoptr(GHashTable) before = proc_dup_children ();
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (&f->rec);
  g_autoptr(TaskerTask) first = NULL;
  g_autoptr(TaskerTask) other = NULL;
  g_autoptr(TaskerTask) again = NULL;
  const char *worker_path = g_getenv ("TASKER_WORKER");
  const char *worker[] = { "/bin/sh", "-c", "exec \"$0\" \"$@\"", worker_path, NULL };

  if (skip_without_children (before))
    return;
  if (worker_path == NULL)
    {
      g_test_skip ("TASKER_WORKER is not set");
      return;
    }

  tasker_manager_set_max_workers (f->manager, 2);
  first = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, first);
  TEST_WAIT_UNTIL (f->context, count_new_children (before) == 2);

  tasker_task_options_set_worker (options, worker);
  other = run_process (f, NULL, options, EP ("pid"), NULL);
  wait_done (f, other);
  g_assert_cmpint (assert_task_pid (other), !=, assert_task_pid (first));
  /* The pool stays within its size (the worker that left for it may take
   * a moment to exit). */
  TEST_WAIT_UNTIL (f->context, count_new_children (before) <= 2);

  /* The first program's remaining worker still serves it. */
  again = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, again);
  assert_task_pid (again);
  TEST_WAIT_UNTIL (f->context, count_new_children (before) <= 2);
}

/* A worker still on its way takes no task while one of its program is up:
 * the worker warmed ahead here would say HELLO only after 5 s (its program
 * sleeps first when a marker says it is not the first; the tests' HELLO
 * timeout, 3 s, ends it before), and the tasks submitted meanwhile all run
 * in the first worker instead of waiting for it (or failing with it). */
static void
test_pool_warm_not_waited_for (TestFixture   *f,
                               gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (&f->rec);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TaskerTask) first = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tasker-test-XXXXXX", NULL);
  g_autofree char *marker = g_build_filename (dir, "started", NULL);
  const char *worker_path = g_getenv ("TASKER_WORKER");
  const char *worker[] = {
    "/bin/sh", "-c",
    "if [ -e \"$0\" ]; then sleep 5; else : > \"$0\"; fi; exec \"$@\"",
    marker, worker_path, NULL
  };
  int pid;

  if (worker_path == NULL)
    {
      g_test_skip ("TASKER_WORKER is not set");
      return;
    }

  tasker_manager_set_max_workers (f->manager, 2);
  tasker_task_options_set_worker (options, worker);
  first = run_process (f, NULL, options, EP ("pid"), NULL);
  wait_done (f, first);
  pid = assert_task_pid (first);

  for (guint i = 0; i < 4; i++)
    g_ptr_array_add (tasks, run_process (f, NULL, options, EP ("pid"), NULL));
  for (guint i = 0; i < tasks->len; i++)
    {
      wait_done (f, g_ptr_array_index (tasks, i));
      g_assert_cmpint (assert_task_pid (g_ptr_array_index (tasks, i)), ==, pid);
    }

  tasker_manager_shutdown (f->manager, 1000);
  g_assert_cmpint (g_unlink (marker), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* Workers start lazily: not for a manager that never ran a process task,
 * and never inside the submitting call. (A worker may start on a spawner
 * thread of the manager's as soon as the task is submitted: DESIGN.md §3
 * allows it, so only the submitting thread's own children are checked.) */
static void
test_lazy_start (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(GHashTable) before = proc_dup_children ();
  g_autoptr(GHashTable) mine_before = proc_dup_children_of_this_thread ();
  g_autoptr(GHashTable) after = NULL;
  g_autoptr(TaskerTask) thread_task = NULL;
  g_autoptr(TaskerTask) task = NULL;

  if (before == NULL || mine_before == NULL)
    {
      g_test_skip ("/proc/self/task/*/children is not available");
      return;
    }

  /* Thread tasks start no worker. */
  thread_task = test_run_thread (f->manager, NULL, f->options, nothing_cb, NULL);
  test_settle (f->manager);
  test_spin_for (f->context, 50);
  after = proc_dup_children ();
  g_assert_true (children_subset (after, before));
  g_clear_pointer (&after, g_hash_table_unref);

  /* The submit returns with the task PENDING, having forked nothing itself. */
  task = run_process (f, NULL, NULL, EP ("pid"), NULL);
  after = proc_dup_children_of_this_thread ();
  test_assert_status (task, TASKER_TASK_STATUS_PENDING);
  g_assert_true (children_subset (after, mine_before));
  g_clear_pointer (&after, g_hash_table_unref);

  wait_done (f, task);
  assert_task_pid (task);
}

/* A PENDING process task ends CANCELLED at once and never runs. */
static void
test_cancel_pending (TestFixture   *f,
                     gconstpointer  data)
{
  g_autoptr(TaskerTask) running = NULL;
  g_autoptr(TaskerTask) pending = NULL;
  g_autoptr(TaskerTask) after = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tasker-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "ran", NULL);
  GPid worker;

  g_assert_nonnull (dir);
  tasker_manager_set_max_workers (f->manager, 1);

  running = run_process (f, NULL, NULL, EP ("wait_cancel"), NULL);
  worker = wait_for_logged_pid (f->context, running);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (running));

  pending = run_process (f, NULL, NULL, EP ("touch"), g_variant_new ("(s)", path));
  after = run_process (f, NULL, NULL, EP ("pid"), NULL);
  test_assert_status (pending, TASKER_TASK_STATUS_PENDING);
  /* It stays PENDING while the only worker is busy. */
  test_spin_for (f->context, 100);
  test_assert_status (pending, TASKER_TASK_STATUS_PENDING);
  g_assert_cmpint (tasker_task_get_started_time (pending), ==, 0);

  tasker_task_cancel (pending);
  wait_done (f, pending);
  /* It did not wait for the worker. */
  test_assert_status (running, TASKER_TASK_STATUS_RUNNING);
  assert_task_cancelled (pending);
  g_assert_cmpint (tasker_task_get_started_time (pending), ==, 0);
  g_assert_cmpuint (tasker_task_get_attempt (pending), ==, 0);

  tasker_task_cancel (running);
  test_settle (f->manager);
  assert_task_cancelled (running);
  g_assert_true (log_has_suffix (running, "saw cancel"));

  /* The worker ran the next task; the cancelled one never ran. */
  g_assert_cmpint (assert_task_pid (after), ==, worker);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_remove (path);
  g_rmdir (dir);
}

/* A running task sees the cancel (is_cancelled(), its cancellable) and ends
 * CANCELLED once it returns; the worker stays. */
static void
test_cancel_cooperative (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTask) polling = NULL;
  g_autoptr(TaskerTask) waiting = NULL;
  g_autoptr(TaskerTask) after = NULL;
  GPid worker, worker2;

  tasker_manager_set_max_workers (f->manager, 1);

  /* Polling is_cancelled(), cancelled by key. */
  polling = run_process (f, "poller", NULL, EP ("wait_cancel"), NULL);
  worker = wait_for_logged_pid (f->context, polling);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (polling));
  g_assert_true (tasker_manager_cancel_task (f->manager, "poller"));
  wait_done (f, polling);
  assert_task_cancelled (polling);
  g_assert_true (log_has_suffix (polling, "saw cancel"));

  /* Waiting on the cancellable, cancelled through the task. */
  waiting = run_process (f, NULL, NULL, EP ("wait_cancellable"), NULL);
  worker2 = wait_for_logged_pid (f->context, waiting);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (waiting));
  tasker_task_cancel (waiting);
  wait_done (f, waiting);
  assert_task_cancelled (waiting);
  g_assert_true (log_has_suffix (waiting, "saw cancellable"));

  /* Cooperative tasks do not cost the worker. */
  after = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, after);
  g_assert_cmpint (worker2, ==, worker);
  g_assert_cmpint (assert_task_pid (after), ==, worker);

  g_assert_cmpuint (test_recorder_done_count (&f->rec, polling), ==, 1);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, waiting), ==, 1);
}

/* A task ignoring cancellation is killed after cancel-grace (SIGTERM, then
 * SIGKILL for one that ignores SIGTERM); it ends CANCELLED, its worker is
 * gone and the next task runs on a new worker. */
static void
test_cancel_uncooperative (TestFixture   *f,
                           gconstpointer  data)
{
  const char *entry_point = data;
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(TaskerTask) after = NULL;
  gint64 cancelled_at, elapsed_ms;
  GPid worker;

  tasker_manager_set_max_workers (f->manager, 1);
  tasker_manager_set_cancel_grace (f->manager, 200);

  task = run_process (f, NULL, NULL, entry_point, NULL);
  worker = wait_for_logged_pid (f->context, task);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (task));

  cancelled_at = g_get_monotonic_time ();
  tasker_task_cancel (task);
  wait_done (f, task);
  elapsed_ms = (g_get_monotonic_time () - cancelled_at) / 1000;
  g_test_message ("cancelled after %" G_GINT64_FORMAT " ms", elapsed_ms);

  assert_task_cancelled (task);
  /* Not before the grace period (no upper bound: timing is not asserted). */
  g_assert_cmpint (elapsed_ms, >=, 190);
  test_wait_for (f->context, proc_pid_gone_cb, GINT_TO_POINTER (worker), test_timeout_ms ());

  after = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, after);
  g_assert_cmpint (assert_task_pid (after), !=, worker);
}

typedef struct
{
  const char *path;
  const char *entry_point;
  gboolean    big_args;
  guint       timeout_ms;
  int         code;           /* in TASKER_ERROR */
  const char *message;        /* (nullable) exact */
  const char *prefix;         /* (nullable) */
  const char *suffix;         /* (nullable) */
} FailureCase;

static const FailureCase failure_cases[] = {
  { "/Tasker/Process/failure/segv", EP ("segv"), FALSE, 0,
    TASKER_ERROR_WORKER_FAILED, "worker exited with signal 11 (Segmentation fault)", NULL, NULL },
  { "/Tasker/Process/failure/abort", EP ("do_abort"), FALSE, 0,
    TASKER_ERROR_WORKER_FAILED, "worker exited with signal 6 (Aborted)", NULL, NULL },
  { "/Tasker/Process/failure/exit", EP ("exit3"), FALSE, 0,
    TASKER_ERROR_WORKER_FAILED, "worker exited with status 3", NULL, NULL },
  { "/Tasker/Process/failure/garbage", EP ("garbage"), FALSE, 0,
    TASKER_ERROR_WORKER_FAILED, NULL, "bad frame from worker: ", NULL },
  { "/Tasker/Process/failure/timeout-hang", EP ("hang"), FALSE, 300,
    TASKER_ERROR_TIMED_OUT, "timed out after 300 ms", NULL, NULL },
  { "/Tasker/Process/failure/timeout-cooperative", EP ("wait_cancel"), FALSE, 300,
    TASKER_ERROR_TIMED_OUT, "timed out after 300 ms", NULL, NULL },
  { "/Tasker/Process/failure/unknown-module-path", "/nonexistent/libtasker-nope.so:trivial", FALSE, 0,
    TASKER_ERROR_INVALID_ARGUMENT, NULL, "cannot load module “", NULL },
  { "/Tasker/Process/failure/unknown-module-name", "tasker-no-such-module:trivial", FALSE, 0,
    TASKER_ERROR_INVALID_ARGUMENT, NULL, "cannot load module “", NULL },
  { "/Tasker/Process/failure/unknown-symbol", EP ("nope"), FALSE, 0,
    TASKER_ERROR_INVALID_ARGUMENT, NULL, "module “", "” has no symbol “nope”" },
  { "/Tasker/Process/failure/big-result", EP ("big_result"), FALSE, 0,
    TASKER_ERROR_SERIALIZATION, NULL, "cannot serialise result", NULL },
  { "/Tasker/Process/failure/big-args", EP ("trivial"), TRUE, 0,
    TASKER_ERROR_SERIALIZATION, NULL, "cannot serialise arguments", NULL },
};

static void run_failure_case (TestFixture       *f,
                              const FailureCase *fc,
                              TaskerTaskOptions *options);

/* Each failure ends exactly one task FAILED with its message, while the
 * tasks submitted around it complete. */
static void
test_failure (TestFixture   *f,
              gconstpointer  data)
{
  const FailureCase *fc = data;
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (&f->rec);
  g_autoptr(TaskerTask) later = NULL;

  tasker_manager_set_cancel_grace (f->manager, 200);
  if (fc->timeout_ms > 0)
    tasker_task_options_set_timeout_ms (options, fc->timeout_ms);

  /* With two workers, and with one (where the others wait behind the bad
   * task, possibly in the same worker's inbox). */
  for (guint max_workers = 2; max_workers >= 1; max_workers--)
    {
      g_test_message ("max-workers %u", max_workers);
      tasker_manager_set_max_workers (f->manager, max_workers);
      run_failure_case (f, fc, options);
    }

  /* The manager carries on. */
  later = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, later);
  assert_task_pid (later);
}

static void
run_failure_case (TestFixture       *f,
                  const FailureCase *fc,
                  TaskerTaskOptions *options)
{
  g_autoptr(TaskerTask) bad = NULL;
  TaskerTask *others[4];
  guint n_failed = 0;

  others[0] = run_process (f, NULL, NULL, EP ("sleep_ms"), g_variant_new ("(u)", 200));
  others[1] = run_process (f, NULL, NULL, EP ("sleep_ms"), g_variant_new ("(u)", 200));
  bad = run_process (f, NULL, options, fc->entry_point, fc->big_args ? big_bytestring () : NULL);
  others[2] = run_process (f, NULL, NULL, EP ("sleep_ms"), g_variant_new ("(u)", 200));
  others[3] = run_process (f, NULL, NULL, EP ("sleep_ms"), g_variant_new ("(u)", 200));

  test_settle (f->manager);

  assert_task_failed (bad, TASKER_ERROR, fc->code, fc->message, fc->prefix, fc->suffix);
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      if (tasker_task_get_status (others[i]) == TASKER_TASK_STATUS_FAILED)
        n_failed++;
      assert_task_pid (others[i]);
      g_object_unref (others[i]);
    }
  g_assert_cmpuint (n_failed, ==, 0);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, bad), ==, 1);
}

/* A missing or malformed entry point is not refused: the task fails. */
static void
test_bad_entry_point (TestFixture   *f,
                      gconstpointer  data)
{
  const char *malformed[] = { "no-colon", ":trivial", TEST_ENTRY_POINTS ":", ":", "" };
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TaskerTask) null_task = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    g_ptr_array_add (tasks, run_process (f, NULL, NULL, malformed[i], NULL));
  null_task = run_process (f, NULL, NULL, NULL, g_variant_new ("(i)", 1));
  test_settle (f->manager);

  for (guint i = 0; i < tasks->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (tasks, i);

      g_test_message ("entry point “%s”", malformed[i]);
      assert_task_failed (task, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT, NULL, NULL, NULL);
      assert_str_contains (tasker_task_get_error (task)->message, "is not of the form module:symbol");
      g_assert_cmpint (tasker_task_get_kind (task), ==, TASKER_TASK_KIND_PROCESS);
    }
  assert_task_failed (null_task, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT, NULL, NULL, NULL);
  assert_str_contains (tasker_task_get_error (null_task)->message, "No entry point was given");
}

/* A cooperative thread function: waits for its cancellation. */
static void
wait_gate_cb (TaskerContext *context,
              gpointer       data)
{
  test_gate_wait (data, tasker_context_get_cancellable (context));
}

/* The timeout option on thread and coroutine tasks. */
static void
test_timeout_thread (TestFixture   *f,
                     gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (&f->rec);
  g_autoptr(TaskerTask) thread_task = NULL;
  g_autoptr(TaskerTask) coroutine = NULL;
  TaskerContext *coroutine_context = NULL;
  TestGate gate;

  test_gate_init (&gate);
  tasker_task_options_set_timeout_ms (options, 200);
  g_assert_cmpuint (tasker_task_options_get_timeout_ms (options), ==, 200);

  thread_task = test_run_thread (f->manager, NULL, options, wait_gate_cb, &gate);
  coroutine = test_add_coroutine (f->manager, NULL, options, test_capture_context_cb,
                                  &coroutine_context);

  TEST_WAIT_UNTIL (f->context, coroutine_context != NULL);
  TEST_WAIT_UNTIL (f->context, tasker_context_is_cancelled (coroutine_context));
  g_assert_true (g_cancellable_is_cancelled (tasker_context_get_cancellable (coroutine_context)));
  g_assert_true (tasker_context_return_error_if_cancelled (coroutine_context));

  test_settle (f->manager);
  assert_task_failed (thread_task, TASKER_ERROR, TASKER_ERROR_TIMED_OUT,
                      "timed out after 200 ms", NULL, NULL);
  assert_task_failed (coroutine, TASKER_ERROR, TASKER_ERROR_TIMED_OUT,
                      "timed out after 200 ms", NULL, NULL);

  g_clear_object (&coroutine_context);
  test_gate_clear (&gate);
}

/* A timeout counts from the start, not from the submit. */
static void
test_timeout_from_start (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (&f->rec);
  g_autoptr(TaskerTask) blocker = NULL;
  g_autoptr(TaskerTask) thread_blocker = NULL;
  g_autoptr(TaskerTask) process_task = NULL;
  g_autoptr(TaskerTask) thread_task = NULL;
  TestGate gate;

  test_gate_init (&gate);
  tasker_task_options_set_timeout_ms (options, 200);
  tasker_manager_set_max_workers (f->manager, 1);
  tasker_manager_set_max_threads (f->manager, 1);

  blocker = run_process (f, NULL, NULL, EP ("wait_cancel"), NULL);
  wait_for_logged_pid (f->context, blocker);
  thread_blocker = test_run_thread (f->manager, NULL, f->options, wait_gate_cb, &gate);
  test_gate_block_until_waiting (&gate, 1);

  process_task = run_process (f, NULL, options, EP ("pid"), NULL);
  thread_task = test_run_thread (f->manager, NULL, options, nothing_cb, NULL);

  /* Longer than their timeout, waiting: nothing happens to them. */
  test_spin_for (f->context, 400);
  test_assert_status (process_task, TASKER_TASK_STATUS_PENDING);
  test_assert_status (thread_task, TASKER_TASK_STATUS_PENDING);

  tasker_task_cancel (blocker);
  test_gate_open (&gate);
  test_settle (f->manager);

  assert_task_pid (process_task);
  test_assert_status (thread_task, TASKER_TASK_STATUS_COMPLETED);
  assert_task_cancelled (blocker);
  test_assert_status (thread_blocker, TASKER_TASK_STATUS_COMPLETED);

  test_gate_clear (&gate);
}

/* Shutdown kills what is left and reaps every worker before it returns. */
static void
test_shutdown_reaps (TestFixture   *f,
                     gconstpointer  data)
{
  TaskerTask *sleepers[3];
  g_autoptr(TaskerTask) hanging = NULL;
  g_autoptr(TaskerTask) refused = NULL;
  g_autoptr(GArray) pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  g_autoptr(GHashTable) children = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "true", NULL };
  GPid pid;

  tasker_manager_set_max_workers (f->manager, 3);

  for (guint i = 0; i < G_N_ELEMENTS (sleepers); i++)
    sleepers[i] = run_process (f, NULL, NULL, EP ("sleep_ms"), g_variant_new ("(u)", 100));
  test_settle (f->manager);
  for (guint i = 0; i < G_N_ELEMENTS (sleepers); i++)
    {
      pid = assert_task_pid (sleepers[i]);
      g_array_append_val (pids, pid);
      g_object_unref (sleepers[i]);
    }

  /* Still running at shutdown, ignoring cancellation (cancel-grace is the
   * default 2 s, more than the shutdown's grace). */
  hanging = run_process (f, NULL, NULL, EP ("hang"), NULL);
  pid = wait_for_logged_pid (f->context, hanging);
  g_array_append_val (pids, pid);

  tasker_manager_shutdown (f->manager, 300);

  children = proc_dup_children ();
  for (guint i = 0; i < pids->len; i++)
    {
      GPid p = g_array_index (pids, GPid, i);

      g_test_message ("worker %d", (int) p);
      g_assert_true (proc_pid_gone (p));
      if (children != NULL)
        g_assert_false (g_hash_table_contains (children, GINT_TO_POINTER (p)));
    }

  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, hanging));
  assert_task_cancelled (hanging);

  /* Refused from now on. */
  refused = tasker_manager_run_process (f->manager, NULL, NULL, EP ("pid"), NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN);
  g_clear_error (&error);
  refused = tasker_manager_run_command (f->manager, NULL, NULL, argv, NULL, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN);
}

/* A manager dropped without shutdown does not leave its idle workers
 * behind. */
static void
test_unref_reaps (TestFixture   *f,
                  gconstpointer  data)
{
  TaskerManager *manager = tasker_manager_new (f->context);
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;
  GPid pid;

  task = tasker_manager_run_process (manager, NULL, NULL, EP ("pid"), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  pid = assert_task_pid (task);
  g_assert_false (proc_pid_gone (pid));
  g_clear_object (&task);

  test_unref_and_wait (f->context, manager);
  test_wait_for (f->context, proc_pid_gone_cb, GINT_TO_POINTER (pid), test_timeout_ms ());
}

/* A worker's stdout and stderr lines go to the log of the task it runs at
 * that moment, and only to it. */
static void
test_stdio_log (TestFixture   *f,
                gconstpointer  data)
{
  g_autoptr(TaskerTask) printer = NULL;
  g_autoptr(TaskerTask) after = NULL;
  GPid worker;

  tasker_manager_set_max_workers (f->manager, 1);

  printer = run_process (f, NULL, NULL, EP ("print"), NULL);
  worker = wait_for_logged_pid (f->context, printer);
  TEST_WAIT_UNTIL (f->context,
                   log_has_suffix (printer, "out line 1") &&
                   log_has_suffix (printer, "out line 2") &&
                   log_has_suffix (printer, "err line 1"));
  g_assert_cmpint (log_find_suffix (printer, "out line 1"), <, log_find_suffix (printer, "out line 2"));

  tasker_task_cancel (printer);
  wait_done (f, printer);
  assert_task_cancelled (printer);
  g_assert_true (log_has_suffix (printer, "out line 1"));
  g_assert_true (log_has_suffix (printer, "err line 1"));

  after = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, after);
  g_assert_cmpint (assert_task_pid (after), ==, worker);
  g_assert_false (log_has_suffix (after, "out line 1"));
  g_assert_false (log_has_suffix (after, "err line 1"));
}

/* A worker's output lines: CRLF ends a line, a bare \r redraws it, a line
 * over 64 KiB (printed or logged) is cut in the worker with a marker. */
static void
test_stdio_line_shapes (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) texts = g_ptr_array_new ();
  const char *logged = NULL;

  task = run_process (f, NULL, NULL, EP ("print_shapes"), NULL);
  wait_done (f, task);
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);

  /* tasker_context_log() does not wait for the output thread: the logged
   * line may come anywhere; the printed ones keep their order. */
  lines = tasker_task_dup_log (task);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *text = strstr (lines[i], "] ");

      g_assert_nonnull (text);
      if (text[2] == 'z')
        {
          g_assert_null (logged);
          logged = text + 2;
        }
      else
        g_ptr_array_add (texts, (char *) text + 2);
    }

  g_assert_nonnull (logged);
  g_assert_cmpuint (texts->len, ==, 4);
  g_assert_cmpstr (texts->pdata[0], ==, "crlf");
  g_assert_cmpstr (texts->pdata[1], ==, "bar 30%");
  g_assert_cmpstr (texts->pdata[3], ==, "unended");
  for (guint i = 0; i < 2; i++)
    {
      const char *text = i == 0 ? texts->pdata[2] : logged;
      const char *fill = i == 0 ? "y" : "z";
      const char *marker = strstr (text, " … [cut ");

      /* Cut within the bound, in the worker: the marker fits in 64 KiB. */
      g_assert_nonnull (marker);
      g_assert_cmpuint (strlen (text), <=, 64 * 1024);
      g_assert_cmpuint (strspn (text, fill), ==, marker - text);
      g_assert_cmpuint (marker - text, >, 60000);
      g_assert_true (g_str_has_suffix (text, " bytes]"));
    }
}

/* Lines a function printed before it returned belong to its task, not to
 * the next one its worker runs. */
static void
test_stdio_log_ordering (TestFixture   *f,
                         gconstpointer  data)
{
  guint n = test_scale (40);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);

  tasker_manager_set_max_workers (f->manager, 1);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *tag = g_strdup_printf ("task-%u", i);

      g_ptr_array_add (tasks, run_process (f, NULL, NULL, EP ("print_return"),
                                           g_variant_new ("(s)", tag)));
    }
  test_settle (f->manager);

  for (guint i = 0; i < n; i++)
    {
      TaskerTask *task = g_ptr_array_index (tasks, i);
      g_autofree char *out = g_strdup_printf (" task-%u out", i);
      g_autofree char *err = g_strdup_printf (" task-%u err", i);
      g_auto(GStrv) lines = tasker_task_dup_log (task);

      assert_task_pid (task);
      if (!log_has_suffix (task, out) || !log_has_suffix (task, err) || g_strv_length (lines) != 2)
        {
          for (guint j = 0; j < n; j++)
            {
              g_auto(GStrv) other = tasker_task_dup_log (g_ptr_array_index (tasks, j));
              g_autofree char *all = g_strjoinv (" | ", other);

              g_test_message ("log of task-%u: %s", j, all);
            }
          /* Fail without aborting, so the other tests still run. */
          g_test_fail_printf ("task-%u's log should be its own two lines, but it has %u",
                              i, g_strv_length (lines));
          return;
        }
    }
}

/* Workers never load GTK. */
static void
test_no_gtk (TestFixture   *f,
             gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GVariant) result = NULL;

  task = run_process (f, NULL, NULL, EP ("load_gtk_check"), NULL);
  wait_done (f, task);
  result = assert_task_result (task, "(b)");
  assert_variant_equal (result, g_variant_new ("(b)", FALSE));
}

/* A key replaces a live process task. */
static void
test_key (TestFixture   *f,
          gconstpointer  data)
{
  g_autoptr(TaskerTask) first = NULL;
  g_autoptr(TaskerTask) second = NULL;
  g_autoptr(TaskerTask) found = NULL;

  first = run_process (f, "k", NULL, EP ("wait_cancel"), NULL);
  wait_for_logged_pid (f->context, first);

  second = run_process (f, "k", NULL, EP ("pid"), NULL);
  found = tasker_manager_dup_task (f->manager, "k");
  g_assert_true (found == second);

  test_settle (f->manager);
  assert_task_cancelled (first);
  assert_task_pid (second);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, first), ==, 1);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, second), ==, 1);
}

/* Many small tasks at once, pipelined over two workers: each gets its own
 * result. */
static void
test_many (TestFixture   *f,
           gconstpointer  data)
{
  guint n = test_scale (1000);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);

  tasker_manager_set_max_workers (f->manager, 2);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (tasks, run_process (f, NULL, NULL, EP ("trivial"), g_variant_new ("(u)", i)));
  test_settle (f->manager);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GVariant) result = assert_task_result (g_ptr_array_index (tasks, i), "(u)");
      guint32 value = G_MAXUINT32;

      g_variant_get (result, "(u)", &value);
      g_assert_cmpuint (value, ==, i);
    }
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, n);
}

typedef struct
{
  TestFixture *f;
  GPtrArray   *tasks;
} SubmitData;

static gpointer
submit_thread (gpointer data)
{
  SubmitData *sd = data;

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GError) error = NULL;
      TaskerTask *task;

      test_submit_begin ();
      task = tasker_manager_run_process (sd->f->manager, NULL, sd->f->options, EP ("trivial"),
                                         g_variant_new ("(u)", i), &error);
      test_submit_end ();
      g_assert_no_error (error);
      g_ptr_array_add (sd->tasks, task);
    }

  return NULL;
}

/* Submits from another thread; callbacks still run on the manager's
 * context (the recorder checks). */
static void
test_submit_from_thread (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  SubmitData sd = { f, tasks };
  GThread *thread = g_thread_new ("submitter", submit_thread, &sd);

  g_thread_join (thread);
  test_settle (f->manager);

  for (guint i = 0; i < tasks->len; i++)
    {
      g_autoptr(GVariant) result = assert_task_result (g_ptr_array_index (tasks, i), "(u)");

      assert_variant_equal (result, g_variant_new ("(u)", i));
    }
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, 10);
}

/* A worker killed from outside while it runs a task fails that task; one
 * killed while idle is replaced without failing anything. */
static void
test_worker_killed (TestFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(TaskerTask) idle_first = NULL;
  g_autoptr(TaskerTask) idle_after = NULL;
  g_autoptr(TaskerTask) running = NULL;
  g_autoptr(TaskerTask) after = NULL;
  g_autofree char *expected = g_strdup_printf ("worker exited with signal 9 (%s)", strsignal (SIGKILL));
  GPid pid, pid2;

  tasker_manager_set_max_workers (f->manager, 1);

  idle_first = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, idle_first);
  pid = assert_task_pid (idle_first);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  test_wait_for (f->context, proc_pid_gone_cb, GINT_TO_POINTER (pid), test_timeout_ms ());

  idle_after = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, idle_after);
  pid2 = assert_task_pid (idle_after);
  g_assert_cmpint (pid2, !=, pid);

  running = run_process (f, NULL, NULL, EP ("hang"), NULL);
  pid = wait_for_logged_pid (f->context, running);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (running));
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  wait_done (f, running);
  assert_task_failed (running, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED, expected, NULL, NULL);
  test_wait_for (f->context, proc_pid_gone_cb, GINT_TO_POINTER (pid), test_timeout_ms ());

  after = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, after);
  g_assert_cmpint (assert_task_pid (after), !=, pid);
}

/* A large result under the frame limit comes back whole. */
static void
test_large_result (TestFixture   *f,
                   gconstpointer  data)
{
  const guint32 size = 4 * 1024 * 1024;
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GVariant) result = NULL;
  const guint8 *bytes;
  gsize n = 0;

  task = run_process (f, NULL, NULL, EP ("sized_result"), g_variant_new ("(u)", size));
  wait_done (f, task);
  result = assert_task_result (task, "ay");
  bytes = g_variant_get_fixed_array (result, &n, 1);
  g_assert_cmpuint (n, ==, size);
  for (gsize i = 0; i < n; i += 4099)
    g_assert_cmpuint (bytes[i], ==, i % 251);
  g_assert_cmpuint (bytes[n - 1], ==, (n - 1) % 251);
}

static guint
count_status (GPtrArray        *tasks,
              TaskerTaskStatus  status)
{
  guint n = 0;

  for (guint i = 0; i < tasks->len; i++)
    if (tasker_task_get_status (g_ptr_array_index (tasks, i)) == status)
      n++;

  return n;
}

typedef struct
{
  TaskerManager *manager;
  guint          delivered;
  guint          out_of_order;
  guint          max_waiting;   /* most undelivered events seen at once */
  guint          at_done;
  gboolean       done;
} WorkerFlood;

static void
worker_flood_event_cb (TaskerTask *task,
                       const char *name,
                       GVariant   *data,
                       gpointer    user_data)
{
  WorkerFlood *flood = user_data;
  guint waiting = _tasker_manager_count_events (flood->manager, task);

  if (g_variant_get_uint32 (data) != flood->delivered)
    flood->out_of_order++;
  flood->delivered++;
  flood->max_waiting = MAX (flood->max_waiting, waiting);
}

static void
worker_flood_done_cb (TaskerTask *task,
                      gpointer    user_data)
{
  WorkerFlood *flood = user_data;

  flood->at_done = flood->delivered;
  flood->done = TRUE;
}

/* A worker sending events as fast as it can: the runner stops reading it
 * while the task has TASKER_TASK_EVENTS_MAX undelivered (the worker waits in
 * its writes), and every event arrives, in order, before when_done. */
static void
test_event_flood_back_pressure (TestFixture   *f,
                                gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;
  WorkerFlood flood = { f->manager };
  guint n = test_scale (50000);

  tasker_task_options_set_event_func (options, worker_flood_event_cb, &flood, NULL);
  tasker_task_options_set_done_func (options, worker_flood_done_cb, &flood, NULL);
  task = run_process (f, NULL, options, EP ("event_flood"), g_variant_new ("(u)", n));
  TEST_WAIT_UNTIL (f->context, flood.done);

  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpuint (flood.delivered, ==, n);
  g_assert_cmpuint (flood.at_done, ==, n);
  g_assert_cmpuint (flood.out_of_order, ==, 0);
  /* The one being delivered, and at most the bound behind it. */
  g_assert_cmpuint (flood.max_waiting, <=, TASKER_TASK_EVENTS_MAX + 1);
}

/* A process task held back because the one worker is busy says "Waiting
 * for a free worker" until it starts; the one that got the worker never
 * says it (DESIGN.md §4 Messages). */
static void
test_waiting_for_a_worker_message (TestFixture   *f,
                                   gconstpointer  data)
{
  g_autoptr(TaskerTask) busy = NULL;
  g_autoptr(TaskerTask) waiter = NULL;

  tasker_manager_set_max_workers (f->manager, 1);

  busy = run_process (f, NULL, NULL, EP ("wait_cancel"), NULL);
  wait_for_logged_pid (f->context, busy);
  waiter = run_process (f, NULL, NULL, EP ("trivial"), NULL);

  TEST_WAIT_UNTIL (f->context, tasker_task_get_message (waiter) != NULL || tasker_task_is_final (waiter));
  test_assert_status (waiter, TASKER_TASK_STATUS_PENDING);
  g_assert_cmpstr (tasker_task_get_message (waiter), ==, "Waiting for a free worker");
  g_assert_null (tasker_task_get_message (busy));

  tasker_task_cancel (busy);
  wait_done (f, waiter);
  test_assert_status (waiter, TASKER_TASK_STATUS_COMPLETED);
  g_assert_null (tasker_task_get_message (waiter));
  g_assert_null (tasker_task_get_message (busy));
}

static gboolean
all_say_waiting (GPtrArray *tasks)
{
  for (guint i = 0; i < tasks->len; i++)
    if (g_strcmp0 (tasker_task_get_message (g_ptr_array_index (tasks, i)), "Waiting for a free worker") != 0)
      return FALSE;
  return TRUE;
}

/* Every task of a backlog that grows over several wake-ups of the runner
 * says "Waiting for a free worker": those that joined the end of the queue
 * (the runner looks at the new tail only) and one queued ahead of them by
 * its priority (then it looks at the whole queue). */
static void
test_waiting_message_for_each_of_a_backlog (TestFixture   *f,
                                            gconstpointer  data)
{
  g_autoptr(GPtrArray) waiting = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TaskerTaskOptions) urgent = test_recorder_options (&f->rec);
  g_autoptr(TaskerTask) busy = NULL;
  g_autoptr(TaskerTask) ahead = NULL;

  tasker_manager_set_max_workers (f->manager, 1);

  busy = run_process (f, NULL, NULL, EP ("wait_cancel"), NULL);
  wait_for_logged_pid (f->context, busy);

  /* The first batch fills the busy worker's own queue (PIPELINE_MAX): the
   * rest wait in the runner's. */
  for (guint batch = 0; batch < 3; batch++)
    {
      for (guint i = 0; i < (batch == 0 ? PIPELINE_MAX + 4 : 5); i++)
        g_ptr_array_add (waiting, run_process (f, NULL, NULL, EP ("trivial"), NULL));
      TEST_WAIT_UNTIL (f->context, all_say_waiting (waiting));
    }

  tasker_task_options_set_priority (urgent, -10);
  ahead = run_process (f, NULL, urgent, EP ("trivial"), NULL);
  g_ptr_array_add (waiting, g_object_ref (ahead));
  g_ptr_array_add (waiting, run_process (f, NULL, NULL, EP ("trivial"), NULL));
  TEST_WAIT_UNTIL (f->context, all_say_waiting (waiting));

  for (guint i = 0; i < waiting->len; i++)
    test_assert_status (g_ptr_array_index (waiting, i), TASKER_TASK_STATUS_PENDING);
  g_assert_null (tasker_task_get_message (busy));

  tasker_task_cancel (busy);
  for (guint i = 0; i < waiting->len; i++)
    wait_done (f, g_ptr_array_index (waiting, i));
  for (guint i = 0; i < waiting->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (waiting, i);

      test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
      g_assert_null (tasker_task_get_message (task));
    }
}

/* No more than max-workers tasks run at once, each in its own worker. */
static void
test_max_workers (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) pids = g_hash_table_new (NULL, NULL);

  tasker_manager_set_max_workers (f->manager, 2);

  for (guint i = 0; i < 6; i++)
    g_ptr_array_add (tasks, run_process (f, NULL, NULL, EP ("wait_cancel"), NULL));

  TEST_WAIT_UNTIL (f->context, count_status (tasks, TASKER_TASK_STATUS_RUNNING) == 2);
  /* Nothing more starts. */
  test_spin_for (f->context, 200);
  g_assert_cmpuint (count_status (tasks, TASKER_TASK_STATUS_RUNNING), ==, 2);
  g_assert_cmpuint (count_status (tasks, TASKER_TASK_STATUS_PENDING), ==, 4);

  for (guint i = 0; i < tasks->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (tasks, i);

      if (tasker_task_get_status (task) == TASKER_TASK_STATUS_RUNNING)
        g_hash_table_add (pids, GINT_TO_POINTER (wait_for_logged_pid (f->context, task)));
    }
  g_assert_cmpuint (g_hash_table_size (pids), ==, 2);

  /* Cancelling one running task lets one more start. */
  for (guint i = 0; i < tasks->len; i++)
    if (tasker_task_get_status (g_ptr_array_index (tasks, i)) == TASKER_TASK_STATUS_RUNNING)
      {
        tasker_task_cancel (g_ptr_array_index (tasks, i));
        break;
      }
  TEST_WAIT_UNTIL (f->context, count_status (tasks, TASKER_TASK_STATUS_CANCELLED) == 1 &&
                               count_status (tasks, TASKER_TASK_STATUS_RUNNING) == 2);
  g_assert_cmpuint (count_status (tasks, TASKER_TASK_STATUS_PENDING), ==, 3);

  for (guint i = 0; i < tasks->len; i++)
    tasker_task_cancel (g_ptr_array_index (tasks, i));
  test_settle (f->manager);
  g_assert_cmpuint (count_status (tasks, TASKER_TASK_STATUS_CANCELLED), ==, tasks->len);
}

/* NULL managers are programming errors: a critical and NULL. */
static void
test_null_manager (void)
{
  const char *argv[] = { "true", NULL };
  TaskerTask *task;

  g_test_expect_message ("Tasker", G_LOG_LEVEL_CRITICAL, "*TASKER_IS_MANAGER*");
  task = tasker_manager_run_process (NULL, NULL, NULL, EP ("trivial"), NULL, NULL);
  g_test_assert_expected_messages ();
  g_assert_null (task);

  g_test_expect_message ("Tasker", G_LOG_LEVEL_CRITICAL, "*TASKER_IS_MANAGER*");
  task = tasker_manager_run_command (NULL, NULL, NULL, argv, NULL, NULL, NULL);
  g_test_assert_expected_messages ();
  g_assert_null (task);
}

/* Workers run in a session of their own: Ctrl-C in the manager's terminal
 * (SIGINT to its foreground process group) does not reach the pool. */
static void
test_worker_own_session (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  GPid pid;

  task = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, task);
  pid = assert_task_pid (task);

  g_assert_cmpint (proc_stat_field (pid, 5), >, 0);
  g_assert_cmpint (proc_stat_field (pid, 5), !=, getpgrp ());
  g_assert_cmpint (proc_stat_field (pid, 6), !=, getsid (0));
}

/* A process a task started, even in a session of its own, ends with its
 * worker (here replaced after each task). */
static void
test_worker_descendants_end (TestFixture   *f,
                             gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GVariant) result = NULL;
  int sleeper = 0;

  tasker_manager_set_worker_max_tasks (f->manager, 1);
  task = run_process (f, NULL, NULL, EP ("spawn_sleeper"), NULL);
  wait_done (f, task);
  result = assert_task_result (task, "(i)");
  g_variant_get (result, "(i)", &sleeper);
  g_assert_cmpint (sleeper, >, 0);
  proc_note_pid (sleeper);

  /* Gone with its worker, before any shutdown. */
  if (!test_try_wait_for (f->context, proc_pid_gone_cb, GINT_TO_POINTER (sleeper),
                          test_timeout_ms ()))
    {
      kill (sleeper, SIGKILL);
      g_error ("process %d outlived its worker", sleeper);
    }
}

/* A process a task started and left running, even in a session of its own,
 * ends with the task, before the task's end is reported, while its worker
 * stays for the next task (DESIGN.md §4, Process trees). */
static void
test_task_descendants_end (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(TaskerTask) next = NULL;
  g_autoptr(GVariant) result = NULL;
  int sleeper = 0;

  tasker_manager_set_max_workers (f->manager, 1);
  tasker_manager_set_worker_max_tasks (f->manager, 0);

  task = run_process (f, NULL, NULL, EP ("spawn_sleeper"), NULL);
  wait_done (f, task);
  result = assert_task_result (task, "(i)");
  g_variant_get (result, "(i)", &sleeper);
  g_assert_cmpint (sleeper, >, 0);
  proc_note_pid (sleeper);

  if (!proc_pid_gone (sleeper))
    {
      kill (sleeper, SIGKILL);
      g_error ("process %d outlived its task", sleeper);
    }

  /* The worker carries on. */
  next = run_process (f, NULL, NULL, EP ("pid"), NULL);
  wait_done (f, next);
  assert_task_pid (next);
}

/* A worker that never says HELLO fails its task with a clear message, in
 * bounded time (shortened for the tests in main()). */
static void
test_no_hello (TestFixture   *f,
               gconstpointer  data)
{
  const char *worker[] = { "/bin/sh", "-c", "exec sleep 60", "sh", NULL };
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (&f->rec);
  g_autoptr(TaskerTask) task = NULL;

  tasker_task_options_set_worker (options, worker);
  task = run_process (f, NULL, options, EP ("pid"), NULL);
  wait_done (f, task);

  assert_task_failed (task, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                      "worker sent no HELLO within 3000 ms", NULL, NULL);
}

/* A worker that sends RESULT before STARTED fails that task with a clear
 * message (it used to stay PENDING for ever). */
static void
test_result_before_started (TestFixture   *f,
                            gconstpointer  data)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "fake-worker.py", NULL);
  const char *worker[] = { "python3", script, "result-before-started", NULL };
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (&f->rec);
  g_autoptr(TaskerTask) task = NULL;
  g_autofree char *expected = NULL;

  tasker_task_options_set_worker (options, worker);
  task = run_process (f, NULL, options, EP ("pid"), NULL);
  wait_done (f, task);

  expected = g_strdup_printf ("bad frame from worker: RESULT for task %" G_GUINT64_FORMAT
                              ", before its STARTED", tasker_task_get_id (task));
  assert_task_failed (task, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED, expected, NULL, NULL);
}

/* A worker that died before it could be sent its task (killed while idle,
 * before the manager heard of it) never saw the task: the task runs in the
 * next worker instead of failing. The fake worker's first instance runs one
 * task, then refuses what it is sent (EPIPE) and exits once the runner lets
 * go of it. */
static void
test_lost_run_goes_elsewhere (TestFixture   *f,
                              gconstpointer  data)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "fake-worker.py", NULL);
  g_autofree char *dir = g_dir_make_tmp ("tasker-test-XXXXXX", NULL);
  g_autofree char *marker = g_build_filename (dir, "first-worker", NULL);
  const char *worker[] = { "python3", script, "lose-second-run", marker, NULL };
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (&f->rec);

  tasker_manager_set_max_workers (f->manager, 1);
  tasker_task_options_set_worker (options, worker);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(TaskerTask) task = run_process (f, NULL, options, EP ("pid"), NULL);
      g_autoptr(GVariant) result = NULL;

      wait_done (f, task);
      result = assert_task_result (task, "i");
      g_assert_cmpint (g_variant_get_int32 (result), ==, 1);
    }

  g_assert_cmpint (g_unlink (marker), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* A result the worker sent before the cancel reached it stands, although
 * the manager's timeout fired before the runner read it: COMPLETED, not
 * retried (DESIGN.md §4, Completion wins). The fake worker sends its result
 * only once the CANCEL came, flagged as sent before it. */
static void
test_result_before_cancel_wins (TestFixture   *f,
                                gconstpointer  data)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "fake-worker.py", NULL);
  const char *worker[] = { "python3", script, "result-after-cancel", NULL };
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (&f->rec);
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GVariant) result = NULL;

  tasker_task_options_set_worker (options, worker);
  tasker_task_options_set_timeout_ms (options, 300);
  tasker_task_options_set_retry (options, 2, 0, 1.0, 0, 0.0);
  task = run_process (f, NULL, options, EP ("pid"), NULL);
  wait_done (f, task);

  result = assert_task_result (task, "i");
  g_assert_cmpint (g_variant_get_int32 (result), ==, 1);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 1);
}

/* A cancelled task that ends only once its worker is sent SIGTERM (after
 * cancel-grace) lets the next task in that worker's inbox start; the SIGKILL
 * that follows must not fail that one: it runs again in another worker
 * (DESIGN.md §4: cancelling one task never fails another task that shares
 * its worker). */
static void
test_cancel_spares_next (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTask) first = NULL;
  g_autoptr(TaskerTask) next = NULL;
  g_autoptr(GVariant) result = NULL;
  GPid worker;
  int pid = 0;

  tasker_manager_set_max_workers (f->manager, 1);
  tasker_manager_set_worker_max_tasks (f->manager, 0);
  tasker_manager_set_cancel_grace (f->manager, 200);

  /* The second is queued in the first one's worker (one worker, a backlog
   * of one) before the first is cancelled. */
  first = run_process (f, NULL, NULL, EP ("return_on_term"), NULL);
  next = run_process (f, NULL, NULL, EP ("sleep_ms"), g_variant_new ("(u)", 1000));
  worker = wait_for_logged_pid (f->context, first);

  tasker_task_cancel (first);
  wait_done (f, first);
  assert_task_cancelled (first);

  wait_done (f, next);
  result = assert_task_result (next, "(i)");
  g_variant_get (result, "(i)", &pid);
  g_assert_cmpint (pid, !=, worker);
  proc_note_pid (pid);
}

int
main (int    argc,
      char **argv)
{
  /* Before any thread exists: a worker that never says hello fails its
   * task sooner than the default 10 s. */
  g_setenv ("TASKER_WORKER_HELLO_TIMEOUT_MS", "3000", TRUE);

  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("TASKER_WORKER") == NULL)
    g_test_message ("TASKER_WORKER is not set: the installed tasker-worker is used");

  PROC_ADD ("/Tasker/Process/result", test_result);
  PROC_ADD ("/Tasker/Process/error", test_error);
  PROC_ADD ("/Tasker/Process/progress", test_progress);
  PROC_ADD ("/Tasker/Process/progress-kept-on-cancel", test_progress_kept_on_cancel);
  PROC_ADD ("/Tasker/Process/progress-kept-on-failure", test_progress_kept_on_failure);
  PROC_ADD ("/Tasker/Process/progress-coalesced", test_progress_coalesced);
  PROC_ADD ("/Tasker/Process/properties", test_properties);
  PROC_ADD ("/Tasker/Process/worker-reuse", test_worker_reuse);
  PROC_ADD ("/Tasker/Process/worker-max-tasks", test_worker_max_tasks);
  PROC_ADD ("/Tasker/Process/idle-timeout", test_idle_timeout);
  PROC_ADD ("/Tasker/Process/lazy-start", test_lazy_start);
  PROC_ADD ("/Tasker/Process/pool-warms-ahead", test_pool_warms_ahead);
  PROC_ADD ("/Tasker/Process/pool-warm-shrinks", test_pool_warm_shrinks);
  PROC_ADD ("/Tasker/Process/pool-warm-leaves-room", test_pool_warm_leaves_room);
  PROC_ADD ("/Tasker/Process/pool-warm-not-waited-for", test_pool_warm_not_waited_for);
  PROC_ADD ("/Tasker/Process/cancel-pending", test_cancel_pending);
  PROC_ADD ("/Tasker/Process/cancel-cooperative", test_cancel_cooperative);
  PROC_ADD_DATA ("/Tasker/Process/cancel-uncooperative/sigterm", EP ("hang"),
                 test_cancel_uncooperative);
  PROC_ADD_DATA ("/Tasker/Process/cancel-uncooperative/sigkill", EP ("hang_ignore_term"),
                 test_cancel_uncooperative);
  for (guint i = 0; i < G_N_ELEMENTS (failure_cases); i++)
    PROC_ADD_DATA (failure_cases[i].path, &failure_cases[i], test_failure);
  PROC_ADD ("/Tasker/Process/bad-entry-point", test_bad_entry_point);
  PROC_ADD ("/Tasker/Process/timeout-thread", test_timeout_thread);
  PROC_ADD ("/Tasker/Process/timeout-from-start", test_timeout_from_start);
  PROC_ADD ("/Tasker/Process/shutdown-reaps", test_shutdown_reaps);
  PROC_ADD ("/Tasker/Process/unref-reaps", test_unref_reaps);
  PROC_ADD ("/Tasker/Process/stdio-log", test_stdio_log);
  PROC_ADD ("/Tasker/Process/stdio-log-ordering", test_stdio_log_ordering);
  PROC_ADD ("/Tasker/Process/stdio-line-shapes", test_stdio_line_shapes);
  PROC_ADD ("/Tasker/Process/no-gtk", test_no_gtk);
  PROC_ADD ("/Tasker/Process/key", test_key);
  PROC_ADD ("/Tasker/Process/many", test_many);
  PROC_ADD ("/Tasker/Process/worker-killed", test_worker_killed);
  PROC_ADD ("/Tasker/Process/large-result", test_large_result);
  PROC_ADD ("/Tasker/Process/max-workers", test_max_workers);
  PROC_ADD ("/Tasker/Process/waiting-for-a-worker-message", test_waiting_for_a_worker_message);
  PROC_ADD ("/Tasker/Process/waiting-message-for-each-of-a-backlog", test_waiting_message_for_each_of_a_backlog);
  PROC_ADD ("/Tasker/Process/event-flood-back-pressure", test_event_flood_back_pressure);
  PROC_ADD ("/Tasker/Process/submit-from-thread", test_submit_from_thread);
  PROC_ADD ("/Tasker/Process/worker-own-session", test_worker_own_session);
  PROC_ADD ("/Tasker/Process/error-unknown-domain", test_error_unknown_domain);
  PROC_ADD ("/Tasker/Process/no-hello", test_no_hello);
  PROC_ADD ("/Tasker/Process/result-before-started", test_result_before_started);
  PROC_ADD ("/Tasker/Process/lost-run-goes-elsewhere", test_lost_run_goes_elsewhere);
  PROC_ADD ("/Tasker/Process/cancel-spares-next", test_cancel_spares_next);
  PROC_ADD ("/Tasker/Process/result-before-cancel-wins", test_result_before_cancel_wins);
  PROC_ADD ("/Tasker/Process/worker-descendants-end", test_worker_descendants_end);
  PROC_ADD ("/Tasker/Process/task-descendants-end", test_task_descendants_end);
  g_test_add_func ("/Tasker/Process/null-manager", test_null_manager);

  return g_test_run ();
}
