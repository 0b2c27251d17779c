/* bench-history.c: thread-task throughput with the task history off and on
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * N trivial thread tasks are submitted from one main-loop callback and the
 * loop runs until the last when_done; tasks/s = N / (last when_done − first
 * submit), as in bench-throughput. Two configurations in the same process,
 * interleaved, each repeated; medians reported:
 *
 *   off  the manager's task-finished signal has a handler that does nothing
 *   on   the handler calls _tasker_history_add() on a history writing to a
 *        temporary file (until the manager gets its own history hook, the
 *        bench connects the signal itself)
 *
 * Also measured: the longest main-loop stall from the end of the submit
 * callback until the last when_done (the largest gap between dispatches of a
 * 1 ms G_PRIORITY_HIGH timeout, as in bench-submit), and, without a target,
 * how long the writer took to commit the last record after the last
 * when_done, its records/s over the whole run, and its transactions per run.
 * The history is flushed after each "on" run, outside the timed part, so
 * every run starts with an idle writer.
 *
 * Every run starts after the same pause (SETTLE_US). On a 2-vCPU machine a
 * run started right after another is about 20 % slower, whichever the
 * configuration, and one started 300 ms later is not: without the pause,
 * the "off" runs started after the writer's lag (the flush) and the "on"
 * runs at once, so the ratio measured how long the writer took to finish
 * rather than what the history costs the burst.
 */

#include "config.h"

#include <glib/gstdio.h>

#include <tasker.h>

#include "tasker-history-private.h"

#include "bench-common.h"

/* Before every run, whatever ran before it. */
#define SETTLE_US (300 * 1000)

typedef struct
{
  TaskerManager     *manager;
  TaskerTaskOptions *options;
  TaskerHistory     *history;    /* (nullable) history off when NULL */
  GMainLoop         *loop;
  guint              n;
  guint              done;
  guint              failed;
  gboolean           monitoring;
  gint64             t_start;
  gint64             t_end;
  gint64             last_tick;
  gint64             max_gap;
} Run;

typedef struct
{
  double rate;          /* tasks/s */
  double stall_ms;
  double lag_ms;        /* last when_done → last record committed */
  double write_rate;    /* records committed/s, first submit → committed */
  guint  transactions;
} Result;

static void
noop_task_func (TaskerContext *context,
                gpointer       user_data)
{
}

static void
task_finished_cb (TaskerManager *manager,
                  TaskerTask    *task,
                  gpointer       user_data)
{
  Run *run = user_data;

  if (run->history != NULL)
    _tasker_history_add (run->history, task);
}

static void
done_cb (TaskerTask *task,
         gpointer    user_data)
{
  Run *run = user_data;

  if (tasker_task_get_status (task) != TASKER_TASK_STATUS_COMPLETED)
    run->failed++;
  if (++run->done == run->n)
    run->t_end = g_get_monotonic_time ();
  /* The monitor quits the loop at its next tick, so the gap holding this
   * dispatch is counted too. */
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

  run->t_start = g_get_monotonic_time ();
  for (guint i = 0; i < run->n; i++)
    {
      g_autoptr(GError) error = NULL;
      TaskerTask *task;

      task = tasker_manager_run_thread (run->manager, NULL, run->options,
                                        noop_task_func, NULL, NULL, &error);
      if (task == NULL)
        bench_fail ("tasker_manager_run_thread: %s", error->message);
      g_object_unref (task);
    }

  run->monitoring = TRUE;
  run->last_tick = g_get_monotonic_time ();

  return G_SOURCE_REMOVE;
}

static Result
run_once (Run           *run,
          TaskerHistory *history,
          guint          n)
{
  GSource *monitor;
  Result result = { 0 };
  guint transactions_before = 0;

  g_usleep (SETTLE_US);

  run->history = history;
  run->n = n;
  run->done = 0;
  run->failed = 0;
  run->monitoring = FALSE;
  run->max_gap = 0;
  if (history != NULL)
    transactions_before = _tasker_history_get_n_transactions (history);

  monitor = g_timeout_source_new (1);
  g_source_set_priority (monitor, G_PRIORITY_HIGH);
  g_source_set_callback (monitor, monitor_cb, run, NULL);
  g_source_attach (monitor, NULL);

  g_idle_add (submit_cb, run);
  g_main_loop_run (run->loop);

  g_source_destroy (monitor);
  g_source_unref (monitor);

  if (run->done != run->n || run->failed != 0)
    bench_fail ("history %s: %u of %u done, %u failed",
                history != NULL ? "on" : "off", run->done, run->n, run->failed);

  result.rate = run->n / ((run->t_end - run->t_start) / (double) G_USEC_PER_SEC);
  result.stall_ms = run->max_gap / 1000.0;

  if (history != NULL)
    {
      gint64 t_committed;

      if (!_tasker_history_flush (history, 60000))
        bench_fail ("the history did not commit the run's records within 60 s");
      t_committed = g_get_monotonic_time ();
      result.lag_ms = MAX (0, t_committed - run->t_end) / 1000.0;
      result.write_rate = run->n / ((t_committed - run->t_start) / (double) G_USEC_PER_SEC);
      result.transactions = _tasker_history_get_n_transactions (history) - transactions_before;
    }

  /* Let the trailing tasks-updated go out before the next configuration. */
  if (!tasker_manager_wait_until_settled (run->manager, 10000))
    bench_fail ("the manager did not settle");

  return result;
}

static void
remove_database (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TaskerManager) manager = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  TaskerHistory *history;
  Run run = { 0 };
  guint n, reps;
  double *off_rate, *on_rate, *off_stall, *on_stall, *lag, *write_rate, *transactions;
  double off_med, on_med;

  bench_init (&argc, &argv, "Thread tasks with the task history off and on", 150);

  n = bench_get_n (100000, 2000);
  reps = bench_get_reps (5, 1);
  off_rate = g_new0 (double, reps);
  on_rate = g_new0 (double, reps);
  off_stall = g_new0 (double, reps);
  on_stall = g_new0 (double, reps);
  lag = g_new0 (double, reps);
  write_rate = g_new0 (double, reps);
  transactions = g_new0 (double, reps);

  dir = g_dir_make_tmp ("tasker-bench-history-XXXXXX", &error);
  if (dir == NULL)
    bench_fail ("g_dir_make_tmp: %s", error->message);
  path = g_build_filename (dir, "history.sqlite3", NULL);
  history = _tasker_history_new (path, 0, 0);

  manager = tasker_manager_new (NULL);
  run.manager = manager;
  run.loop = g_main_loop_new (NULL, FALSE);
  run.options = tasker_task_options_new ();
  tasker_task_options_set_done_func (run.options, done_cb, &run, NULL);
  g_signal_connect (manager, "task-finished", G_CALLBACK (task_finished_cb), &run);

  bench_comment ("%u tasks per run, %u runs per configuration, %u pool threads; history in %s",
                 n, reps, tasker_manager_get_max_threads (manager), path);

  /* Warm up: the pool threads, the allocator, the database file. */
  run_once (&run, NULL, MIN (n, 5000));
  run_once (&run, history, MIN (n, 5000));
  if (_tasker_history_is_disabled (history))
    bench_fail ("the history at %s is disabled", path);

  /* Interleaved, so that the machine's noise hits both alike. */
  for (guint r = 0; r < reps; r++)
    {
      Result off = run_once (&run, NULL, n);
      Result on = run_once (&run, history, n);

      off_rate[r] = off.rate;
      off_stall[r] = off.stall_ms;
      on_rate[r] = on.rate;
      on_stall[r] = on.stall_ms;
      lag[r] = on.lag_ms;
      write_rate[r] = on.write_rate;
      transactions[r] = on.transactions;
      bench_comment ("run %u: off %.0f tasks/s (stall %.1f ms); on %.0f tasks/s (stall %.1f ms), "
                     "committed %.0f ms after the last when_done in %u transactions",
                     r + 1, off.rate, off.stall_ms, on.rate, on.stall_ms, on.lag_ms, on.transactions);
    }

  off_med = bench_median (off_rate, reps);
  on_med = bench_median (on_rate, reps);

  bench_row ("history on: 100k thread tasks", on_med, "tasks/s",
             BENCH_ON_RATIO, BENCH_GE, 0.8, "history off", off_med);
  bench_row ("main-loop stall, history on", bench_max (on_stall, reps), "ms (worst run)",
             BENCH_ON_VALUE, BENCH_LE, 50.0, "history off", bench_max (off_stall, reps));
  bench_info_row ("history writer: records committed", bench_median (write_rate, reps), "records/s",
                  NULL, 0);
  bench_info_row ("history writer: lag after the last when_done", bench_median (lag, reps), "ms",
                  NULL, 0);
  bench_info_row ("history writer: transactions per run", bench_median (transactions, reps),
                  "transactions", NULL, 0);

  tasker_manager_shutdown (manager, 1000);
  g_signal_handlers_disconnect_by_data (manager, &run);
  _tasker_history_free (history);
  remove_database (path);
  g_rmdir (dir);

  g_object_unref (run.options);
  g_main_loop_unref (run.loop);
  g_free (off_rate);
  g_free (on_rate);
  g_free (off_stall);
  g_free (on_stall);
  g_free (lag);
  g_free (write_rate);
  g_free (transactions);

  return 0;
}
