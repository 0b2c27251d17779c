/* bench-log-flood.c: commands printing far more than a log keeps
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * DESIGN.md §4 Logs and Bounds: memory a task holds never grows with how
 * much its work prints, and the main loop keeps painting. One command prints
 * 100 MB in lines of 60 KB, then ten commands print 1,000 such lines each at
 * once (60 MB each); the manager's peak RSS growth over each run and the
 * longest gap between two ticks of a 1 ms timer on its main context (the
 * longest stall) are reported.
 */

#include "config.h"

#include <tasker.h>

#include "bench-common.h"

typedef struct
{
  gint64 last;
  gint64 longest;   /* µs */
  gsize  peak_rss;
} Watch;

static gboolean
tick_cb (gpointer data)
{
  Watch *watch = data;
  gint64 now = g_get_monotonic_time ();
  gsize rss = bench_rss_bytes ();

  if (watch->last != 0)
    watch->longest = MAX (watch->longest, now - watch->last);
  watch->last = now;
  watch->peak_rss = MAX (watch->peak_rss, rss);

  return G_SOURCE_CONTINUE;
}

static void
done_cb (TaskerTask *task,
         gpointer    user_data)
{
  int *n_left = user_data;

  if (tasker_task_get_status (task) != TASKER_TASK_STATUS_COMPLETED)
    bench_fail ("a command ended %s: %s",
                tasker_task_get_status (task) == TASKER_TASK_STATUS_FAILED ? "failed" : "cancelled",
                tasker_task_get_error (task) != NULL ? tasker_task_get_error (task)->message : "");
  g_atomic_int_add (n_left, -1);
}

/* Runs @n_commands copies of @script; returns the peak RSS growth in MB and
 * the longest stall in ms. */
static void
run (TaskerManager *manager,
     const char    *script,
     guint          n_commands,
     double        *growth_mb,
     double        *stall_ms)
{
  GMainContext *context = tasker_manager_get_context (manager);
  const char *argv[] = { "/bin/sh", "-c", script, NULL };
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  Watch watch = { 0 };
  GSource *ticker;
  int n_left = n_commands;
  gsize rss0;

  rss0 = bench_rss_bytes ();
  watch.peak_rss = rss0;

  ticker = g_timeout_source_new (1);
  g_source_set_callback (ticker, tick_cb, &watch, NULL);
  g_source_attach (ticker, context);

  for (guint i = 0; i < n_commands; i++)
    {
      g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
      g_autoptr(GError) error = NULL;
      TaskerTask *task;

      tasker_task_options_set_done_func (options, done_cb, &n_left, NULL);
      task = tasker_manager_run_command (manager, NULL, options, argv, NULL, NULL, &error);
      if (task == NULL)
        bench_fail ("cannot run the command: %s", error->message);
      g_ptr_array_add (tasks, task);
    }

  while (g_atomic_int_get (&n_left) > 0)
    g_main_context_iteration (context, TRUE);
  if (!tasker_manager_wait_until_settled (manager, 10000))
    bench_fail ("the manager did not settle");

  g_source_destroy (ticker);
  g_source_unref (ticker);

  *growth_mb = (watch.peak_rss - MIN (rss0, watch.peak_rss)) / 1e6;
  *stall_ms = watch.longest / 1000.0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TaskerManager) manager = NULL;
  g_autofree char *one = NULL;
  g_autofree char *ten = NULL;
  guint mb, lines;
  double growth, stall;

  bench_init (&argc, &argv, "Commands printing 100 MB: manager RSS growth and main-loop stall", 240);

  mb = bench_get_n (100, 5);
  lines = bench_get_n (1000, 50);
  one = g_strdup_printf ("yes \"$(head -c 60000 /dev/zero | tr '\\0' x)\" | head -c %uM", mb);
  ten = g_strdup_printf ("yes \"$(head -c 60000 /dev/zero | tr '\\0' x)\" | head -n %u", lines);

  manager = tasker_manager_new (NULL);

  /* Warm up: start the runner thread, fault in the allocator. */
  run (manager, "echo warm", 1, &growth, &stall);

  bench_comment ("one command printing %u MB in lines of 60 KB", mb);
  run (manager, one, 1, &growth, &stall);
  bench_row ("log flood: RSS growth, one command printing 100 MB", growth, "MB",
             BENCH_ON_VALUE, BENCH_LE, 20, NULL, 0);
  bench_info_row ("log flood: longest main-loop stall, 100 MB", stall, "ms", NULL, 0);

  bench_comment ("ten commands printing %u lines of 60 KB each, at once", lines);
  run (manager, ten, 10, &growth, &stall);
  bench_row ("log flood: RSS growth, ten commands printing 60 MB each", growth, "MB",
             BENCH_ON_VALUE, BENCH_LE, 40, NULL, 0);
  bench_info_row ("log flood: longest main-loop stall, ten commands", stall, "ms", NULL, 0);

  tasker_manager_shutdown (manager, 2000);

  return 0;
}
