/* bench-throughput.c: trivial C thread tasks, submit → when_done
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * N trivial tasks are submitted from one main-loop callback, then the loop runs
 * until the last completion callback; tasks/s = N / (last completion − first
 * submit). Three configurations, interleaved, each repeated; medians reported:
 *
 *   tasker  tasker_manager_run_thread() with a shared when_done
 *   bare    a GThreadPool of the same size with batched completions: one
 *           persistent GSource, woken with g_source_set_ready_time() only when
 *           its completion list was empty (the floor in PERF_FLOORS.md)
 *   gtask   g_task_run_in_thread() with a callback per task
 *
 * Also reported, without a target: the process CPU time per task (all threads,
 * from getrusage()), which other load on the machine disturbs less than the
 * wall-clock rate does.
 *
 * For profiling one configuration alone (e.g. under valgrind --tool=callgrind):
 * TASKER_BENCH_ONLY=tasker|bare|gtask, and TASKER_BENCH_N / TASKER_BENCH_REPS to
 * change the size and the number of runs.
 */

#include "config.h"

#include <sys/resource.h>

#include <tasker.h>

#include "bench-common.h"

typedef struct
{
  GMainLoop *loop;
  guint      n;
  guint      done;
  guint      failed;
  gint64     t_start;
  gint64     t_end;
  gint64     cpu_start;
} Run;

typedef struct
{
  double rate;         /* tasks/s */
  double cpu_per_task; /* µs of process CPU time per task */
} Result;

static gint64
cpu_time_us (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);

  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC
         + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static void
run_item_done (Run      *run,
               gboolean  ok)
{
  if (!ok)
    run->failed++;
  if (++run->done == run->n)
    {
      run->t_end = g_get_monotonic_time ();
      g_main_loop_quit (run->loop);
    }
}

/* Called right after the main loop returned. */
static Result
run_result (Run        *run,
            const char *what)
{
  gint64 cpu_end = cpu_time_us ();

  if (run->done != run->n || run->failed != 0)
    bench_fail ("%s: %u of %u done, %u failed", what, run->done, run->n, run->failed);

  return (Result) {
    .rate = run->n / ((run->t_end - run->t_start) / (double) G_USEC_PER_SEC),
    .cpu_per_task = (double) (cpu_end - run->cpu_start) / run->n,
  };
}

/* Tasker */

typedef struct
{
  Run               *run;
  TaskerManager     *manager;
  TaskerTaskOptions *options;
} TaskerRun;

static void
noop_task_func (TaskerContext *context,
                gpointer       user_data)
{
}

static void
tasker_done_cb (TaskerTask *task,
                gpointer    user_data)
{
  run_item_done (user_data, tasker_task_get_status (task) == TASKER_TASK_STATUS_COMPLETED);
}

static gboolean
tasker_submit_cb (gpointer user_data)
{
  TaskerRun *tr = user_data;

  tr->run->cpu_start = cpu_time_us ();
  tr->run->t_start = g_get_monotonic_time ();
  for (guint i = 0; i < tr->run->n; i++)
    {
      g_autoptr(GError) error = NULL;
      TaskerTask *task;

      task = tasker_manager_run_thread (tr->manager, NULL, tr->options,
                                        noop_task_func, NULL, NULL, &error);
      if (task == NULL)
        bench_fail ("tasker_manager_run_thread: %s", error->message);
      g_object_unref (task);
    }

  return G_SOURCE_REMOVE;
}

static Result
run_tasker (TaskerManager *manager,
            guint          n)
{
  Run run = { .n = n };
  TaskerRun tr = { &run, manager, NULL };
  Result result;

  run.loop = g_main_loop_new (NULL, FALSE);
  tr.options = tasker_task_options_new ();
  tasker_task_options_set_done_func (tr.options, tasker_done_cb, &run, NULL);

  g_idle_add (tasker_submit_cb, &tr);
  g_main_loop_run (run.loop);
  result = run_result (&run, "tasker");

  /* Let the trailing tasks-updated go out before the next configuration. */
  if (!tasker_manager_wait_until_settled (manager, 10000))
    bench_fail ("tasker manager did not settle");

  g_object_unref (tr.options);
  g_main_loop_unref (run.loop);

  return result;
}

/* Bare GThreadPool with batched completions */

typedef struct _BareItem BareItem;

struct _BareItem
{
  BareItem *next;
  void    (*func) (gpointer data);
  gpointer  data;
  Run      *run;
};

typedef struct
{
  GSource   source;
  GMutex    lock;
  BareItem *completed;  /* (owned) (nullable), protected by lock */
} BareSource;

typedef struct
{
  BareSource  *source;
  GThreadPool *pool;
} BarePool;

static gboolean
bare_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  BareSource *self = (BareSource *) source;
  BareItem *items;

  g_mutex_lock (&self->lock);
  items = g_steal_pointer (&self->completed);
  /* Under the lock: a worker that finds the list empty sets the ready time
   * after this. */
  g_source_set_ready_time (source, -1);
  g_mutex_unlock (&self->lock);

  while (items != NULL)
    {
      BareItem *next = items->next;

      run_item_done (items->run, TRUE);
      g_free (items);
      items = next;
    }

  return G_SOURCE_CONTINUE;
}

static void
bare_source_finalize (GSource *source)
{
  BareSource *self = (BareSource *) source;

  g_assert (self->completed == NULL);
  g_mutex_clear (&self->lock);
}

static GSourceFuncs bare_source_funcs = {
  .dispatch = bare_source_dispatch,
  .finalize = bare_source_finalize,
};

static void
bare_worker_func (gpointer data,
                  gpointer pool_data)
{
  BareItem *item = data;
  BareSource *source = pool_data;
  gboolean was_empty;

  item->func (item->data);

  g_mutex_lock (&source->lock);
  was_empty = source->completed == NULL;
  item->next = source->completed;
  source->completed = item;
  g_mutex_unlock (&source->lock);

  if (was_empty)
    g_source_set_ready_time ((GSource *) source, 0);
}

static void
bare_noop (gpointer data)
{
}

static void
bare_pool_init (BarePool *bp,
                guint     n_threads)
{
  g_autoptr(GError) error = NULL;

  bp->source = (BareSource *) g_source_new (&bare_source_funcs, sizeof (BareSource));
  g_mutex_init (&bp->source->lock);
  g_source_set_ready_time ((GSource *) bp->source, -1);
  g_source_attach ((GSource *) bp->source, NULL);

  bp->pool = g_thread_pool_new (bare_worker_func, bp->source, n_threads, FALSE, &error);
  if (bp->pool == NULL)
    bench_fail ("g_thread_pool_new: %s", error->message);
}

static void
bare_pool_clear (BarePool *bp)
{
  g_thread_pool_free (bp->pool, FALSE, TRUE);
  g_source_destroy ((GSource *) bp->source);
  g_source_unref ((GSource *) bp->source);
}

typedef struct
{
  Run      *run;
  BarePool *bp;
} BareRun;

static gboolean
bare_submit_cb (gpointer user_data)
{
  BareRun *br = user_data;

  br->run->cpu_start = cpu_time_us ();
  br->run->t_start = g_get_monotonic_time ();
  for (guint i = 0; i < br->run->n; i++)
    {
      BareItem *item = g_new (BareItem, 1);

      item->next = NULL;
      item->func = bare_noop;
      item->data = NULL;
      item->run = br->run;
      g_thread_pool_push (br->bp->pool, item, NULL);
    }

  return G_SOURCE_REMOVE;
}

static Result
run_bare (BarePool *bp,
          guint     n)
{
  Run run = { .n = n };
  BareRun br = { &run, bp };
  Result result;

  run.loop = g_main_loop_new (NULL, FALSE);
  g_idle_add (bare_submit_cb, &br);
  g_main_loop_run (run.loop);
  result = run_result (&run, "bare pool");
  g_main_loop_unref (run.loop);

  return result;
}

/* g_task_run_in_thread */

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
  run_item_done (user_data, g_task_propagate_boolean (G_TASK (result), NULL));
}

static gboolean
gtask_submit_cb (gpointer user_data)
{
  Run *run = user_data;

  run->cpu_start = cpu_time_us ();
  run->t_start = g_get_monotonic_time ();
  for (guint i = 0; i < run->n; i++)
    {
      GTask *task = g_task_new (NULL, NULL, gtask_done_cb, run);

      g_task_run_in_thread (task, gtask_thread_func);
      g_object_unref (task);
    }

  return G_SOURCE_REMOVE;
}

static Result
run_gtask (guint n)
{
  Run run = { .n = n };
  Result result;

  run.loop = g_main_loop_new (NULL, FALSE);
  g_idle_add (gtask_submit_cb, &run);
  g_main_loop_run (run.loop);
  result = run_result (&run, "g_task_run_in_thread");
  g_main_loop_unref (run.loop);

  return result;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TaskerManager) manager = NULL;
  BarePool bp;
  const char *only;
  gboolean do_tasker, do_bare, do_gtask;
  guint n, reps, n_threads;
  double *rate[3], *cpu[3], rate_med[3] = { 0 }, cpu_med[3] = { 0 };
  enum { TASKER, BARE, GTASK };

  bench_init (&argc, &argv, "Trivial C thread tasks: submit → when_done, tasks/s", 150);

  only = g_getenv ("TASKER_BENCH_ONLY");
  do_tasker = only == NULL || g_str_equal (only, "tasker");
  do_bare = only == NULL || g_str_equal (only, "bare");
  do_gtask = only == NULL || g_str_equal (only, "gtask");

  n = bench_get_n (100000, 2000);
  reps = bench_get_reps (9, 1);
  for (guint c = 0; c < 3; c++)
    {
      rate[c] = g_new0 (double, reps);
      cpu[c] = g_new0 (double, reps);
    }

  manager = tasker_manager_new (NULL);
  n_threads = tasker_manager_get_max_threads (manager);
  bare_pool_init (&bp, n_threads);

  bench_comment ("%u tasks per run, %u runs per configuration, %u pool threads", n, reps, n_threads);

  /* Warm up: start the pool threads, fault in the allocator. */
  if (do_tasker)
    run_tasker (manager, MIN (n, 5000));
  if (do_bare)
    run_bare (&bp, MIN (n, 5000));
  if (do_gtask)
    run_gtask (MIN (n, 5000));

  /* Interleaved, so that the machine's noise hits every configuration alike. */
  for (guint r = 0; r < reps; r++)
    {
      Result res[3] = { { 0 } };

      if (do_tasker)
        res[TASKER] = run_tasker (manager, n);
      if (do_bare)
        res[BARE] = run_bare (&bp, n);
      if (do_gtask)
        res[GTASK] = run_gtask (n);
      for (guint c = 0; c < 3; c++)
        {
          rate[c][r] = res[c].rate;
          cpu[c][r] = res[c].cpu_per_task;
        }
      bench_comment ("run %u: tasker %.0f, bare %.0f, gtask %.0f tasks/s; "
                     "CPU µs/task: tasker %.2f, bare %.2f, gtask %.2f", r + 1,
                     res[TASKER].rate, res[BARE].rate, res[GTASK].rate,
                     res[TASKER].cpu_per_task, res[BARE].cpu_per_task, res[GTASK].cpu_per_task);
    }

  for (guint c = 0; c < 3; c++)
    {
      rate_med[c] = bench_median (rate[c], reps);
      cpu_med[c] = bench_median (cpu[c], reps);
    }

  if (only != NULL)
    {
      /* Profiling one configuration: no comparison to make. */
      guint c = do_tasker ? TASKER : do_bare ? BARE : GTASK;

      bench_info_row ("throughput (one configuration)", rate_med[c], "tasks/s", NULL, 0);
      bench_info_row ("CPU time per task (one configuration)", cpu_med[c], "µs", NULL, 0);
    }
  else
    {
      bench_row ("throughput: 100k thread tasks", rate_med[TASKER], "tasks/s",
                 BENCH_ON_VALUE, BENCH_GE, 500000, "bare GThreadPool, batched", rate_med[BARE]);
      bench_row ("throughput vs bare pool", rate_med[TASKER], "tasks/s",
                 BENCH_ON_RATIO, BENCH_GE, 0.5, "bare GThreadPool, batched", rate_med[BARE]);
      bench_row ("throughput vs GTask", rate_med[TASKER], "tasks/s",
                 BENCH_ON_RATIO, BENCH_GT, 1.0, "g_task_run_in_thread", rate_med[GTASK]);
      bench_info_row ("CPU time per thread task", cpu_med[TASKER], "µs",
                      "bare GThreadPool, batched", cpu_med[BARE]);
      bench_info_row ("CPU time per thread task vs GTask", cpu_med[TASKER], "µs",
                      "g_task_run_in_thread", cpu_med[GTASK]);
    }

  tasker_manager_shutdown (manager, 1000);
  bare_pool_clear (&bp);
  for (guint c = 0; c < 3; c++)
    {
      g_free (rate[c]);
      g_free (cpu[c]);
    }

  return 0;
}
