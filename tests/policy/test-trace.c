/* test-trace.c — trace ids (DESIGN.md §4 Tracing)
 *
 * Layout, from the top: origin node (16 bits) | seconds mod 2^16 (16) |
 * sequence (16) | last-hop node (16).
 *
 * Not covered: that a worker process receives the trace id. The worker side
 * has it (its TaskerTask stand-in), but no public call lets an entry point
 * read it (TaskerContext has no trace getter), and the lines a worker logs
 * are stamped on the manager's side.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "policy-test.h"

#define ORIGIN(t)  ((guint) (((t) >> 48) & 0xffff))
#define SECONDS(t) ((guint) (((t) >> 32) & 0xffff))
#define SEQ(t)     ((guint) (((t) >> 16) & 0xffff))
#define HOP(t)     ((guint) ((t) & 0xffff))
#define TOP48(t)   ((t) >> 16)

static void
assert_seconds_now (guint64 trace_id)
{
  guint now = (guint) ((g_get_real_time () / G_USEC_PER_SEC) & 0xffff);
  guint diff = (now - SECONDS (trace_id)) & 0xffff;

  /* Within two seconds, either way, modulo 2^16. */
  if (diff > 2 && diff < 0xffff - 1)
    g_error ("seconds field %u is not close to now (%u)", SECONDS (trace_id), now);
}

static char *
format_trace (guint64 trace_id)
{
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x", trace_id);
}

/* A new task's trace: this node as origin and last hop, the time, and a
 * sequence that tells two tasks apart. */
static void
test_layout (TestFixture   *f,
             gconstpointer  data)
{
  g_autoptr(TaskerTask) a = NULL;
  g_autoptr(TaskerTask) b = NULL;
  g_autoptr(TaskerTask) c = NULL;
  guint64 ta, tb, tc;
  Work w;

  work_init (&w);
  tasker_manager_set_node_id (f->manager, 0x1234);

  a = run_work (f, NULL, f->options, &w);
  b = run_work (f, NULL, f->options, &w);
  c = test_add_coroutine (f->manager, NULL, f->options, work_cb, &w);
  ta = tasker_task_get_trace_id (a);
  tb = tasker_task_get_trace_id (b);
  tc = tasker_task_get_trace_id (c);
  g_test_message ("traces %016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x %016"
                  G_GINT64_MODIFIER "x", ta, tb, tc);

  g_assert_cmphex (ORIGIN (ta), ==, 0x1234);
  g_assert_cmphex (HOP (ta), ==, 0x1234);
  g_assert_cmphex (ORIGIN (tb), ==, 0x1234);
  g_assert_cmphex (HOP (tb), ==, 0x1234);
  g_assert_cmphex (ORIGIN (tc), ==, 0x1234);
  g_assert_cmphex (HOP (tc), ==, 0x1234);
  assert_seconds_now (ta);
  assert_seconds_now (tb);
  assert_seconds_now (tc);
  g_assert_cmphex (SEQ (ta), !=, SEQ (tb));
  g_assert_cmphex (SEQ (tb), !=, SEQ (tc));
  g_assert_cmphex (SEQ (ta), !=, SEQ (tc));

  test_settle (f->manager);
  /* It stays the same for the task's life. */
  g_assert_cmphex (tasker_task_get_trace_id (a), ==, ta);
  g_assert_cmphex (tasker_task_get_trace_id (b), ==, tb);

  work_clear (&w);
}

/* A child keeps its parent's top 48 bits; its last hop is the node that
 * handles it. */
static void
test_child (TestFixture   *f,
            gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) child_options = policy_options (f);
  g_autoptr(TaskerTaskOptions) grandchild_options = policy_options (f);
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  g_autoptr(TaskerTask) grandchild = NULL;
  guint64 tp, tc, tg;
  Work wp, wc, wg;

  work_init (&wp);
  work_init (&wc);
  work_init (&wg);
  wp.gated = wc.gated = TRUE;
  tasker_manager_set_max_threads (f->manager, 4);

  tasker_manager_set_node_id (f->manager, 0x1234);
  parent = run_work (f, NULL, f->options, &wp);

  tasker_manager_set_node_id (f->manager, 0x00ab);
  tasker_task_options_set_parent (child_options, parent);
  child = run_work (f, NULL, child_options, &wc);

  tasker_manager_set_node_id (f->manager, 0xcdef);
  tasker_task_options_set_parent (grandchild_options, child);
  grandchild = run_work (f, NULL, grandchild_options, &wg);

  tp = tasker_task_get_trace_id (parent);
  tc = tasker_task_get_trace_id (child);
  tg = tasker_task_get_trace_id (grandchild);
  g_test_message ("parent %016" G_GINT64_MODIFIER "x child %016" G_GINT64_MODIFIER "x "
                  "grandchild %016" G_GINT64_MODIFIER "x", tp, tc, tg);

  g_assert_cmphex (HOP (tp), ==, 0x1234);
  g_assert_cmphex (TOP48 (tc), ==, TOP48 (tp));
  g_assert_cmphex (HOP (tc), ==, 0x00ab);
  g_assert_cmphex (TOP48 (tg), ==, TOP48 (tp));
  g_assert_cmphex (HOP (tg), ==, 0xcdef);
  g_assert_cmphex (ORIGIN (tg), ==, 0x1234);

  test_gate_open (&wc.gate);
  test_gate_open (&wp.gate);
  test_settle (f->manager);

  work_clear (&wp);
  work_clear (&wc);
  work_clear (&wg);
}

/* A trace id given at submit keeps its top 48 bits; the last hop is this
 * node. */
static void
test_given (TestFixture   *f,
            gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = policy_options (f);
  g_autoptr(TaskerTask) task = NULL;
  Work w;

  work_init (&w);
  tasker_manager_set_node_id (f->manager, 0x0042);
  tasker_task_options_set_trace_id (options, G_GUINT64_CONSTANT (0xdeadbeefcafe0001));

  task = run_work (f, NULL, options, &w);
  g_assert_cmphex (tasker_task_get_trace_id (task), ==, G_GUINT64_CONSTANT (0xdeadbeefcafe0042));

  test_settle (f->manager);
  assert_completed_int (task, 42);
  g_assert_cmphex (tasker_task_get_trace_id (task), ==, G_GUINT64_CONSTANT (0xdeadbeefcafe0042));

  work_clear (&w);
}

static void
log_cb (TaskerContext *context,
        gpointer       data)
{
  tasker_context_log (context, "hello from the task");
}

/* Log lines carry the trace id. */
static void
test_log_lines (TestFixture   *f,
                gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autofree char *trace = NULL;
  g_autofree char *expected = NULL;
  g_auto(GStrv) lines = NULL;

  tasker_manager_set_node_id (f->manager, 0x0777);
  task = test_run_thread (f->manager, NULL, f->options, log_cb, NULL);
  test_settle (f->manager);

  trace = format_trace (tasker_task_get_trace_id (task));
  expected = g_strdup_printf ("[%s] hello from the task", trace);
  lines = tasker_task_dup_log (task);
  g_assert_nonnull (lines);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_test_message ("log line: %s", lines[0]);
  g_assert_true (g_str_has_suffix (lines[0], expected));
}

/* The text a command printed as its last log line (after the
 * "HH:MM:SS.mmm [trace] " stamp). */
static char *
command_output (TaskerTask *task)
{
  g_auto(GStrv) lines = tasker_task_dup_log (task);
  const char *text;
  guint n;

  g_assert_nonnull (lines);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, >=, 1);
  g_test_message ("command log: %s", lines[n - 1]);
  text = strstr (lines[n - 1], "] ");
  g_assert_nonnull (text);

  return g_strdup (text + 2);
}

static TaskerTask *
run_echo_trace (TestFixture       *f,
                TaskerTaskOptions *options)
{
  const char * const argv[] = { "/bin/sh", "-c", "echo $TASKER_TRACE_ID", NULL };
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  task = tasker_manager_run_command (f->manager, NULL, options, argv, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (task);

  return task;
}

/* A command sees its task's trace id as TASKER_TRACE_ID: 16 lowercase hex
 * digits; a command child of a task relays the parent's trace. */
static void
test_command_env (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) child_options = policy_options (f);
  g_autoptr(TaskerTaskOptions) given_options = policy_options (f);
  g_autoptr(TaskerTask) plain = NULL;
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  g_autoptr(TaskerTask) given = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  Work wp;

  work_init (&wp);
  wp.gated = TRUE;
  tasker_manager_set_node_id (f->manager, 0xbeef);

  plain = run_echo_trace (f, f->options);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (plain));
  log_task_error (plain);
  test_assert_status (plain, TASKER_TASK_STATUS_COMPLETED);
  out = command_output (plain);
  expected = format_trace (tasker_task_get_trace_id (plain));
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpuint (strlen (out), ==, 16);
  for (const char *p = out; *p != '\0'; p++)
    g_assert_true (g_ascii_isdigit (*p) || (*p >= 'a' && *p <= 'f'));
  g_assert_cmphex (HOP (tasker_task_get_trace_id (plain)), ==, 0xbeef);

  /* A command as a child, handled by another node id. */
  parent = run_work (f, NULL, f->options, &wp);
  tasker_manager_set_node_id (f->manager, 0x0101);
  tasker_task_options_set_parent (child_options, parent);
  child = run_echo_trace (f, child_options);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (child));
  test_assert_status (child, TASKER_TASK_STATUS_COMPLETED);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&expected, g_free);
  out = command_output (child);
  expected = g_strdup_printf ("%012" G_GINT64_MODIFIER "x0101",
                              TOP48 (tasker_task_get_trace_id (parent)));
  g_assert_cmpstr (out, ==, expected);

  /* A given trace id. */
  tasker_task_options_set_trace_id (given_options, G_GUINT64_CONSTANT (0x00000000abcd9999));
  given = run_echo_trace (f, given_options);
  TEST_WAIT_UNTIL (f->context, test_task_is_final (given));
  g_clear_pointer (&out, g_free);
  out = command_output (given);
  g_assert_cmpstr (out, ==, "00000000abcd0101");

  test_gate_open (&wp.gate);
  test_settle (f->manager);
  assert_completed_int (parent, 42);
  tasker_manager_shutdown (f->manager, 2000);

  work_clear (&wp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST_ADD ("/Tasker/Policy/Trace/layout", test_layout);
  TEST_ADD ("/Tasker/Policy/Trace/child", test_child);
  TEST_ADD ("/Tasker/Policy/Trace/given", test_given);
  TEST_ADD ("/Tasker/Policy/Trace/log-lines", test_log_lines);
  TEST_ADD ("/Tasker/Policy/Trace/command-env", test_command_env);

  return g_test_run ();
}
