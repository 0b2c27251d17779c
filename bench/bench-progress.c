/* bench-progress.c: tasker_context_set_progress() in a tight loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A thread task calls tasker_context_set_progress() with rising fractions for a
 * fixed time (1 s; --quick: 50 ms) while the main loop runs; ns per call is the
 * loop time over the number of calls. Baseline, in a plain GThread of the same
 * process: the same loop calling a non-inlined function that does a relaxed
 * atomic store of the same value (the cheapest coalesced update there is).
 * Runs alternate, median reported.
 *
 * Main-loop wake-ups: the task reads _tasker_manager_get_n_wakeups() (an
 * atomic counter) right before and after its loop; wake-ups per update
 * interval = Δwake-ups / (loop time / update-interval).
 */

#include "config.h"

#include <string.h>

#include <tasker.h>

#include "bench-common.h"
#include "tasker-manager-private.h"

/* Calls between two clock reads. */
#define CHUNK (1u << 20)

typedef struct
{
  gint64         budget_us;
  TaskerManager *manager;    /* (nullable): read its wake-up count around the loop */
  guint64        n_calls;
  gint64         t_start;
  gint64         t_end;
  guint64        w_start;
  guint64        w_end;
} Loop;

static guint64
loop_wakeups (const Loop *loop)
{
  return loop->manager != NULL ? _tasker_manager_get_n_wakeups (loop->manager) : 0;
}

static guint64 baseline_sink;

static G_GNUC_NO_INLINE void
baseline_store (guint64 *sink,
                double   value)
{
  guint64 bits;

  memcpy (&bits, &value, sizeof bits);
  __atomic_store_n (sink, bits, __ATOMIC_RELAXED);
}

/* The two loops are the same but for the call. */
#define PROGRESS_LOOP(loop, CALL)                                       \
  G_STMT_START {                                                        \
    const double step = 1.0 / (4.0 * CHUNK * 1024);                     \
    guint64 i = 0;                                                      \
    gint64 now;                                                         \
                                                                        \
    (loop)->w_start = loop_wakeups (loop);                              \
    (loop)->t_start = g_get_monotonic_time ();                          \
    do                                                                  \
      {                                                                 \
        for (guint j = 0; j < CHUNK; j++, i++)                          \
          CALL ((double) i * step);                                     \
        now = g_get_monotonic_time ();                                  \
      }                                                                 \
    while (now - (loop)->t_start < (loop)->budget_us);                  \
    (loop)->t_end = now;                                                \
    (loop)->w_end = loop_wakeups (loop);                                \
    (loop)->n_calls = i;                                                \
  } G_STMT_END

static double
loop_ns_per_call (const Loop *loop)
{
  return (loop->t_end - loop->t_start) * 1000.0 / loop->n_calls;
}

/* Tasker */

typedef struct
{
  Loop           loop;
  GMainLoop     *main_loop;
  gboolean       completed;
} TaskerRun;

static void
progress_task_func (TaskerContext *context,
                    gpointer       user_data)
{
  TaskerRun *run = user_data;

#define SET_PROGRESS(v) tasker_context_set_progress (context, (v))
  PROGRESS_LOOP (&run->loop, SET_PROGRESS);
#undef SET_PROGRESS
}

static void
progress_done_cb (TaskerTask *task,
                  gpointer    user_data)
{
  TaskerRun *run = user_data;

  run->completed = tasker_task_get_status (task) == TASKER_TASK_STATUS_COMPLETED;
  g_main_loop_quit (run->main_loop);
}

static void
run_tasker (TaskerManager *manager,
            gint64         budget_us,
            double        *ns_per_call,
            guint64       *wakeups,
            gint64        *window_us)
{
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TaskerRun run = { .loop.budget_us = budget_us, .loop.manager = manager };

  run.main_loop = g_main_loop_new (NULL, FALSE);
  options = tasker_task_options_new ();
  tasker_task_options_set_done_func (options, progress_done_cb, &run, NULL);

  task = tasker_manager_run_thread (manager, NULL, options, progress_task_func, &run, NULL, &error);
  if (task == NULL)
    bench_fail ("tasker_manager_run_thread: %s", error->message);
  g_main_loop_run (run.main_loop);

  g_main_loop_unref (run.main_loop);

  if (!run.completed)
    bench_fail ("progress task did not complete");
  if (tasker_task_get_progress (task) != 1.0)
    bench_fail ("completed task has progress %g, not 1.0", tasker_task_get_progress (task));
  if (!tasker_manager_wait_until_settled (manager, 10000))
    bench_fail ("tasker manager did not settle");

  *ns_per_call = loop_ns_per_call (&run.loop);
  *wakeups = run.loop.w_end - run.loop.w_start;
  *window_us = run.loop.t_end - run.loop.t_start;
}

/* Baseline */

static gpointer
baseline_thread_func (gpointer data)
{
  Loop *loop = data;

#define STORE(v) baseline_store (&baseline_sink, (v))
  PROGRESS_LOOP (loop, STORE);
#undef STORE

  return NULL;
}

static double
run_baseline (gint64 budget_us)
{
  Loop loop = { .budget_us = budget_us };

  g_thread_join (g_thread_new ("baseline", baseline_thread_func, &loop));

  return loop_ns_per_call (&loop);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TaskerManager) manager = NULL;
  gint64 budget_us, window_total = 0;
  guint64 wakeups_total = 0;
  guint reps, interval_ms;
  double *tasker, *baseline, intervals, per_interval;

  bench_init (&argc, &argv, "tasker_context_set_progress() in a tight loop", 150);

  budget_us = bench_is_quick () ? 50 * 1000 : 1000 * 1000;
  reps = bench_get_reps (3, 1);
  tasker = g_new0 (double, reps);
  baseline = g_new0 (double, reps);

  manager = tasker_manager_new (NULL);
  interval_ms = tasker_manager_get_update_interval (manager);
  bench_comment ("%u runs of %.0f ms each; update interval %u ms",
                 reps, budget_us / 1000.0, interval_ms);

  for (guint r = 0; r < reps; r++)
    {
      guint64 wakeups;
      gint64 window_us;

      run_tasker (manager, budget_us, &tasker[r], &wakeups, &window_us);
      baseline[r] = run_baseline (budget_us);
      wakeups_total += wakeups;
      window_total += window_us;
      bench_comment ("run %u: tasker %.2f ns/call, %" G_GUINT64_FORMAT " wake-ups in %.1f ms; "
                     "baseline %.2f ns/call", r + 1, tasker[r], wakeups, window_us / 1000.0, baseline[r]);
    }

  intervals = window_total / (interval_ms * 1000.0);
  per_interval = wakeups_total / intervals;

  bench_row ("set_progress in a tight loop", bench_median (tasker, reps), "ns/call",
             BENCH_ON_VALUE, BENCH_LE, 10.0, "relaxed atomic store", bench_median (baseline, reps));
  bench_row ("wake-ups during set_progress loop", per_interval, "per interval",
             BENCH_ON_VALUE, BENCH_LE, 1.0, NULL, 0);

  tasker_manager_shutdown (manager, 1000);
  g_free (tasker);
  g_free (baseline);

  return 0;
}
