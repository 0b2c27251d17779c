/* bench-submit.c: many tasks submitted in one main-loop callback
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * 10,000 trivial thread tasks are submitted from one idle callback. Measured:
 * the time per submit call, and the longest main-loop stall from the end of that
 * callback until the last when_done — the largest gap between dispatches of a
 * 1 ms G_PRIORITY_HIGH timeout (it outranks everything else, so a gap is the
 * length of whatever single dispatch was running). Baseline: the same with
 * g_task_run_in_thread(), a callback per task. Each configuration runs several
 * times, interleaved; the submit cost is the median, the stall the worst run.
 */

#include "config.h"

#include <tasker.h>

#include "bench-common.h"

typedef enum
{
  KIND_TASKER,
  KIND_GTASK,
} Kind;

typedef struct
{
  Kind               kind;
  TaskerManager     *manager;
  TaskerTaskOptions *options;
  GMainLoop         *loop;
  guint              n;
  guint              done;
  guint              failed;
  gboolean           monitoring;
  gint64             last_tick;
  gint64             max_gap;
  double             us_per_submit;
} Run;

static void
noop_task_func (TaskerContext *context,
                gpointer       user_data)
{
}

static void
item_done (Run      *run,
           gboolean  ok)
{
  if (!ok)
    run->failed++;
  run->done++;
  /* The monitor quits the loop at its next tick, so that the gap holding
   * this dispatch is counted too. */
}

static void
tasker_done_cb (TaskerTask *task,
                gpointer    user_data)
{
  item_done (user_data, tasker_task_get_status (task) == TASKER_TASK_STATUS_COMPLETED);
}

static void
gtask_thread_func (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  g_task_return_boolean (task, TRUE);
}

static void
gtask_done_cb (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  item_done (user_data, g_task_propagate_boolean (G_TASK (result), NULL));
}

static gboolean
monitor_cb (gpointer user_data)
{
  Run *run = user_data;
  gint64 now = g_get_monotonic_time ();

  if (!run->monitoring)
    return G_SOURCE_CONTINUE;

  run->max_gap = MAX (run->max_gap, now - run->last_tick);
  run->last_tick = now;

  if (run->done == run->n)
    g_main_loop_quit (run->loop);

  return G_SOURCE_CONTINUE;
}

static gboolean
submit_cb (gpointer user_data)
{
  Run *run = user_data;
  gint64 t0, t1;

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < run->n; i++)
    {
      if (run->kind == KIND_TASKER)
        {
          g_autoptr(GError) error = NULL;
          TaskerTask *task;

          task = tasker_manager_run_thread (run->manager, NULL, run->options,
                                            noop_task_func, NULL, NULL, &error);
          if (task == NULL)
            bench_fail ("tasker_manager_run_thread: %s", error->message);
          g_object_unref (task);
        }
      else
        {
          GTask *task = g_task_new (NULL, NULL, gtask_done_cb, run);

          g_task_run_in_thread (task, gtask_thread_func);
          g_object_unref (task);
        }
    }
  t1 = g_get_monotonic_time ();

  run->us_per_submit = (double) (t1 - t0) / run->n;
  run->monitoring = TRUE;
  run->last_tick = g_get_monotonic_time ();

  return G_SOURCE_REMOVE;
}

static void
run_once (Run           *run,
          Kind           kind,
          TaskerManager *manager,
          guint          n)
{
  GSource *monitor;

  *run = (Run) { .kind = kind, .manager = manager, .n = n };
  run->loop = g_main_loop_new (NULL, FALSE);
  if (kind == KIND_TASKER)
    {
      run->options = tasker_task_options_new ();
      tasker_task_options_set_done_func (run->options, tasker_done_cb, run, NULL);
    }

  monitor = g_timeout_source_new (1);
  g_source_set_priority (monitor, G_PRIORITY_HIGH);
  g_source_set_callback (monitor, monitor_cb, run, NULL);
  g_source_attach (monitor, NULL);

  g_idle_add (submit_cb, run);
  g_main_loop_run (run->loop);

  g_source_destroy (monitor);
  g_source_unref (monitor);

  if (run->done != run->n || run->failed != 0)
    bench_fail ("%s: %u of %u done, %u failed",
                kind == KIND_TASKER ? "tasker" : "gtask", run->done, run->n, run->failed);

  if (kind == KIND_TASKER && !tasker_manager_wait_until_settled (manager, 10000))
    bench_fail ("tasker manager did not settle");

  g_clear_object (&run->options);
  g_main_loop_unref (run->loop);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TaskerManager) manager = NULL;
  guint n, reps;
  double *t_submit, *t_stall, *g_submit, *g_stall;
  Run run;

  bench_init (&argc, &argv, "10k tasks submitted in one main-loop callback", 150);

  n = bench_get_n (10000, 1000);
  reps = bench_get_reps (5, 1);
  t_submit = g_new0 (double, reps);
  t_stall = g_new0 (double, reps);
  g_submit = g_new0 (double, reps);
  g_stall = g_new0 (double, reps);

  manager = tasker_manager_new (NULL);
  bench_comment ("%u tasks per run, %u runs per configuration", n, reps);

  /* Warm up the pools and the allocator. */
  run_once (&run, KIND_TASKER, manager, MIN (n, 1000));
  run_once (&run, KIND_GTASK, manager, MIN (n, 1000));

  for (guint r = 0; r < reps; r++)
    {
      run_once (&run, KIND_TASKER, manager, n);
      t_submit[r] = run.us_per_submit;
      t_stall[r] = run.max_gap / 1000.0;
      run_once (&run, KIND_GTASK, manager, n);
      g_submit[r] = run.us_per_submit;
      g_stall[r] = run.max_gap / 1000.0;
      bench_comment ("run %u: tasker %.2f µs/submit, stall %.2f ms; gtask %.2f µs/submit, stall %.2f ms",
                     r + 1, t_submit[r], t_stall[r], g_submit[r], g_stall[r]);
    }

  bench_row ("submit: 10k in one callback", bench_median (t_submit, reps), "µs/submit",
             BENCH_ON_VALUE, BENCH_LE, 2.0, "g_task_run_in_thread", bench_median (g_submit, reps));
  bench_row ("main-loop stall after 10k submits", bench_max (t_stall, reps), "ms (worst run)",
             BENCH_ON_VALUE, BENCH_LE, 50.0, "g_task_run_in_thread", bench_max (g_stall, reps));

  tasker_manager_shutdown (manager, 1000);
  g_free (t_submit);
  g_free (t_stall);
  g_free (g_submit);
  g_free (g_stall);

  return 0;
}
