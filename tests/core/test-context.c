/* test-context.c — progress, totals, sub contexts, messages and logs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tasker-task-private.h"

typedef void (*Body) (TaskerContext *context);

typedef struct
{
  Body       body;
  TestGate   gate;      /* the task waits here after its body, so its progress can be read */
  double     observed;
} Probe;

static void
probe_func (TaskerContext *context,
            gpointer       data)
{
  Probe *probe = data;

  probe->body (context);
  tasker_context_flush (context);
  test_gate_wait (&probe->gate);
}

static gboolean
flushed_and_waiting (gpointer data)
{
  Probe *probe = data;

  return test_gate_has_waiter (&probe->gate);
}

/* Runs @body in a thread task and returns the progress the main context sees
 * once it is done, before the task completes (which would force 1.0). */
static double
progress_after (Body body)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  Probe probe = { body };
  double progress;

  test_gate_init (&probe.gate);
  task = tasker_manager_run_thread (manager, NULL, NULL, probe_func, &probe, NULL, NULL);
  test_wait_for (tasker_manager_get_context (manager), flushed_and_waiting, &probe);
  /* flush() asked for delivery now; let the manager's source run. */
  test_spin (tasker_manager_get_context (manager), 30);
  progress = tasker_task_get_progress (task);
  test_gate_open (&probe.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  test_gate_clear (&probe.gate);

  return progress;
}

static void
body_fraction (TaskerContext *c)
{
  tasker_context_set_progress (c, 0.4);
}

static void
body_units (TaskerContext *c)
{
  tasker_context_set_total (c, 8);
  tasker_context_set_progress (c, 2);
}

static void
body_clamp_high (TaskerContext *c)
{
  tasker_context_set_total (c, 10);
  tasker_context_set_progress (c, 25);
}

static void
body_clamp_low (TaskerContext *c)
{
  tasker_context_set_progress (c, 0.3);
  tasker_context_set_progress (c, -4);
}

static void
body_nan_ignored (TaskerContext *c)
{
  tasker_context_set_progress (c, 0.6);
  tasker_context_set_progress (c, NAN);
}

static void
body_bad_total_ignored (TaskerContext *c)
{
  tasker_context_set_total (c, 4);
  tasker_context_set_total (c, 0);
  tasker_context_set_total (c, -1);
  tasker_context_set_total (c, NAN);
  tasker_context_set_progress (c, 1);
}

static void
body_design_example (TaskerContext *c)
{
  g_autoptr(TaskerContext) a = tasker_context_sub_context (c, 0.1, 0.8, 1.0);
  g_autoptr(TaskerContext) b = tasker_context_sub_context (a, 0.5, 0.25, 10.0);

  tasker_context_set_progress (b, 8);
}

static void
body_deep (TaskerContext *c)
{
  TaskerContext *current = g_object_ref (c);

  /* Ten levels, each the second half of its parent: 1 - 2^-10 at the bottom's start. */
  for (int i = 0; i < 10; i++)
    {
      TaskerContext *sub = tasker_context_sub_context (current, 0.5, 0.5, 1.0);
      g_object_unref (current);
      current = sub;
    }
  tasker_context_set_progress (current, 0.0);
  g_object_unref (current);
}

static void
progress_fraction_and_units (void)
{
  g_assert_cmpfloat_with_epsilon (progress_after (body_fraction), 0.4, 1e-12);
  g_assert_cmpfloat_with_epsilon (progress_after (body_units), 0.25, 1e-12);
}

static void
progress_is_clamped (void)
{
  g_assert_cmpfloat (progress_after (body_clamp_high), ==, 1.0);
  g_assert_cmpfloat (progress_after (body_clamp_low), ==, 0.0);
}

static void
nan_and_bad_totals_are_ignored_with_a_warning (void)
{
  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*NaN*");
  g_assert_cmpfloat_with_epsilon (progress_after (body_nan_ignored), 0.6, 1e-12);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*total 0*");
  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*total -1*");
  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*total nan*");
  g_assert_cmpfloat_with_epsilon (progress_after (body_bad_total_ignored), 0.25, 1e-12);
  g_test_assert_expected_messages ();
}

static void
sub_contexts_compose (void)
{
  /* DESIGN.md §4: sub(0.1,0.8).sub(0.5,0.25,total=10).set_progress(8) → 0.66 */
  g_assert_cmpfloat_with_epsilon (progress_after (body_design_example), 0.66, 1e-12);
  g_assert_cmpfloat_with_epsilon (progress_after (body_deep), 1.0 - 1.0 / 1024, 1e-12);
}

static void
sub_message_func (TaskerContext *context,
                  gpointer       data)
{
  g_autoptr(TaskerContext) sub = tasker_context_sub_context (context, 0.2, 0.5, 1.0);

  tasker_context_set_message (context, "from the root");
  tasker_context_set_message (sub, "from the sub context");
  tasker_context_log (sub, "a line from the sub context");
}

static void
sub_context_messages_go_to_the_task (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = tasker_manager_run_thread (manager, NULL, NULL, sub_message_func, NULL, NULL, NULL);
  g_auto(GStrv) log = NULL;

  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  g_assert_cmpstr (tasker_task_get_message (task), ==, "from the sub context");
  log = tasker_task_dup_log (task);
  g_assert_cmpuint (g_strv_length (log), ==, 1);
  g_assert_true (g_str_has_suffix (log[0], " a line from the sub context"));
}

static void
log_func (TaskerContext *context,
          gpointer       data)
{
  guint n = GPOINTER_TO_UINT (data);

  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *line = g_strdup_printf ("line %u", i);
      tasker_context_log (context, line);
    }
  tasker_context_log (context, "two\nlines\n");
}

static void
log_is_timestamped_and_bounded (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  guint n = TASKER_TASK_LOG_MAX_LINES + 10;
  g_autoptr(TaskerTask) small = tasker_manager_run_thread (manager, NULL, NULL, log_func, GUINT_TO_POINTER (2), NULL, NULL);
  g_autoptr(TaskerTask) big = tasker_manager_run_thread (manager, NULL, NULL, log_func, GUINT_TO_POINTER (n), NULL, NULL);
  g_auto(GStrv) small_log = NULL;
  g_auto(GStrv) big_log = NULL;

  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));

  small_log = tasker_task_dup_log (small);
  g_assert_cmpuint (g_strv_length (small_log), ==, 4);
  /* "HH:MM:SS.mmm [trace id] text", the trace id the task's own */
  g_assert_true (g_regex_match_simple ("^\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d \\[[0-9a-f]{16}\\] line 1$", small_log[0], 0, 0));
  {
    g_autofree char *trace = g_strdup_printf ("[%016" G_GINT64_MODIFIER "x]", tasker_task_get_trace_id (small));

    g_assert_nonnull (strstr (small_log[0], trace));
  }
  g_assert_true (g_str_has_suffix (small_log[1], " line 2"));
  g_assert_true (g_str_has_suffix (small_log[2], " two"));
  g_assert_true (g_str_has_suffix (small_log[3], " lines"));

  /* n + 2 lines written, the newest TASKER_TASK_LOG_MAX_LINES kept, plus the marker. */
  big_log = tasker_task_dup_log (big);
  g_assert_cmpuint (g_strv_length (big_log), ==, TASKER_TASK_LOG_MAX_LINES + 1);
  g_assert_nonnull (strstr (big_log[0], "12 earlier lines dropped"));
  g_assert_true (g_str_has_suffix (big_log[1], " line 13"));
  g_assert_true (g_str_has_suffix (big_log[TASKER_TASK_LOG_MAX_LINES], " lines"));
}

/* Lines of 10 KiB each, numbered, and one line of 100 KiB. */
static void
big_lines_func (TaskerContext *context,
                gpointer       data)
{
  guint n = GPOINTER_TO_UINT (data);
  g_autofree char *filler = g_strnfill (10 * 1024, 'x');

  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *line = g_strdup_printf ("line %u %s", i, filler);
      tasker_context_log (context, line);
    }
}

static gsize
log_bytes (char **log)
{
  gsize bytes = 0;

  for (guint i = 0; log[i] != NULL; i++)
    bytes += strlen (log[i]);
  return bytes;
}

/* 500 lines of 10 KiB (5 MiB) fit the 1,000 lines but not the 1 MiB: the
 * newest that fit stay, after one marker counting the others. */
static void
log_is_bounded_in_bytes (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GStrv) log = NULL;
  guint n, n_lines, dropped = 0;
  guint max_lines, max_bytes;
  g_autofree char *first_kept = NULL;

  g_object_get (manager, "log-max-lines", &max_lines, "log-max-bytes", &max_bytes, NULL);
  g_assert_cmpuint (max_lines, ==, 1000);
  g_assert_cmpuint (max_bytes, ==, 1024 * 1024);

  task = tasker_manager_run_thread (manager, NULL, NULL, big_lines_func, GUINT_TO_POINTER (500), NULL, NULL);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));

  log = tasker_task_dup_log (task);
  n = g_strv_length (log);
  g_assert_cmpuint (n, >, 90);
  g_assert_cmpuint (n, <, 110);
  g_assert_cmpuint (log_bytes (log), <=, 1024 * 1024 + 100);
  /* One marker, first, counting what went; then the newest lines in order. */
  g_assert_true (g_regex_match_simple ("^\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d … \\d+ earlier lines dropped$", log[0], 0, 0));
  g_assert_cmpint (sscanf (strstr (log[0], "… ") + strlen ("… "), "%u", &dropped), ==, 1);
  n_lines = n - 1;
  g_assert_cmpuint (dropped + n_lines, ==, 500);
  first_kept = g_strdup_printf (" line %u x", dropped + 1);
  g_assert_nonnull (strstr (log[1], first_kept));
  g_assert_nonnull (strstr (log[n - 1], " line 500 x"));
  for (guint i = 1; i < n; i++)
    g_assert_null (strstr (log[i], "dropped"));

  /* Smaller bounds for the tasks submitted afterwards. */
  g_object_set (manager, "log-max-lines", 20, "log-max-bytes", 50 * 1024, NULL);
  {
    g_autoptr(TaskerTask) small = tasker_manager_run_thread (manager, NULL, NULL, big_lines_func, GUINT_TO_POINTER (30), NULL, NULL);
    g_auto(GStrv) small_log = NULL;

    g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
    small_log = tasker_task_dup_log (small);
    /* 4 lines of 10 KiB fit 50 KiB: 26 dropped. */
    g_assert_cmpuint (g_strv_length (small_log), ==, 5);
    g_assert_nonnull (strstr (small_log[0], " … 26 earlier lines dropped"));
    g_assert_nonnull (strstr (small_log[1], " line 27 x"));
    g_assert_nonnull (strstr (small_log[4], " line 30 x"));
  }
}

static void
long_line_func (TaskerContext *context,
                gpointer       data)
{
  /* "a" and 50,000 "é" (2 bytes each, one across the 64 KiB cut): 100,001 bytes. */
  GString *line = g_string_new (NULL);

  g_string_append_c (line, 'a');
  while (line->len < 100000)
    g_string_append (line, "é");
  tasker_context_log (context, line->str);
  tasker_context_log (context, "after");
  g_string_free (line, TRUE);
}

static void
long_line_is_cut (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = tasker_manager_run_thread (manager, NULL, NULL, long_line_func, NULL, NULL, NULL);
  g_auto(GStrv) log = NULL;
  const char *text;
  const char *marker;

  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  log = tasker_task_dup_log (task);
  g_assert_cmpuint (g_strv_length (log), ==, 2);
  g_assert_true (g_utf8_validate (log[0], -1, NULL));
  text = strstr (log[0], "] ") + 2;
  marker = strstr (text, " … [cut ");
  g_assert_nonnull (marker);
  /* 65,535 bytes kept (the "é" across 64 KiB goes whole), 34,466 counted. */
  g_assert_cmpuint (marker - text, ==, 65535);
  g_assert_cmpstr (marker, ==, " … [cut 34466 bytes]");
  g_assert_true (g_str_has_suffix (log[1], "] after"));
}

static void
long_message_func (TaskerContext *context,
                   gpointer       data)
{
  GString *message = g_string_new ("m");

  while (message->len < 10000)
    g_string_append (message, "€");   /* 3 bytes */
  tasker_context_set_message (context, message->str);
  g_string_free (message, TRUE);
}

static void
long_message_is_cut (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = tasker_manager_run_thread (manager, NULL, NULL, long_message_func, NULL, NULL, NULL);
  const char *message;
  g_autofree char *dup = NULL;

  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  message = tasker_task_get_message (task);
  g_assert_true (g_utf8_validate (message, -1, NULL));
  g_assert_cmpuint (strlen (message), <=, 4096);
  /* "m", as many "€" as fit before the "…" (also 3 bytes), the "…". */
  g_assert_cmpuint (strlen (message), ==, 1 + 3 * 1364 + 3);
  g_assert_true (g_str_has_prefix (message, "m€€"));
  g_assert_true (g_str_has_suffix (message, "€…"));
  dup = tasker_task_dup_message (task);
  g_assert_cmpstr (dup, ==, message);
}

static void
assert_lines (char       **lines,
              guint        first,
              guint        n)
{
  g_assert_cmpuint (g_strv_length (lines), >=, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *suffix = g_strdup_printf ("] line %u", first + i);

      g_assert_true (g_str_has_suffix (lines[i], suffix));
    }
}

/* A view following the log reads only what is new, and learns what the
 * bounded log dropped (numbered from 0: "line 1" is line 0). */
static void
log_read_since_a_position (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  guint64 next = 0, dropped = 0;

  g_object_set (manager, "log-max-lines", 10, NULL);
  task = tasker_manager_run_thread (manager, NULL, NULL, log_func, GUINT_TO_POINTER (25), NULL, NULL);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  /* 25 lines and "two", "lines": 27 logged, the newest 10 kept. */

  {
    g_auto(GStrv) all = tasker_task_dup_log (task);
    g_auto(GStrv) lines = tasker_task_dup_log_since (task, 0, &next, &dropped);

    g_assert_cmpuint (next, ==, 27);
    g_assert_cmpuint (dropped, ==, 17);
    /* The kept lines, without the marker. */
    g_assert_cmpuint (g_strv_length (lines), ==, 10);
    g_assert_cmpstrv ((const char * const *) lines, (const char * const *) all + 1);
    assert_lines (lines, 18, 8);
  }
  {
    g_auto(GStrv) lines = tasker_task_dup_log_since (task, 20, &next, NULL);

    g_assert_cmpuint (next, ==, 27);
    assert_lines (lines, 21, 5);
    g_assert_true (g_str_has_suffix (lines[5], "] two"));
    g_assert_true (g_str_has_suffix (lines[6], "] lines"));
    g_assert_cmpuint (g_strv_length (lines), ==, 7);
  }
  {
    g_auto(GStrv) none = tasker_task_dup_log_since (task, 27, &next, &dropped);
    g_auto(GStrv) beyond = tasker_task_dup_log_since (task, 40, &next, &dropped);

    g_assert_cmpuint (g_strv_length (none), ==, 0);
    g_assert_cmpuint (g_strv_length (beyond), ==, 0);
    g_assert_cmpuint (next, ==, 27);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tasker/Context/progress-fraction-and-units", progress_fraction_and_units);
  g_test_add_func ("/Tasker/Context/progress-clamped", progress_is_clamped);
  g_test_add_func ("/Tasker/Context/nan-and-bad-totals-ignored", nan_and_bad_totals_are_ignored_with_a_warning);
  g_test_add_func ("/Tasker/Context/sub-contexts-compose", sub_contexts_compose);
  g_test_add_func ("/Tasker/Context/sub-context-messages-go-to-task", sub_context_messages_go_to_the_task);
  g_test_add_func ("/Tasker/Context/log-timestamped-and-bounded", log_is_timestamped_and_bounded);
  g_test_add_func ("/Tasker/Context/log-bounded-in-bytes", log_is_bounded_in_bytes);
  g_test_add_func ("/Tasker/Context/long-log-line-cut", long_line_is_cut);
  g_test_add_func ("/Tasker/Context/long-message-cut", long_message_is_cut);
  g_test_add_func ("/Tasker/Context/log-read-since", log_read_since_a_position);

  return g_test_run ();
}
