/* bench-process.c: process tasks (DESIGN.md §7)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The entry points come from bench-entry-points.c, a module tasker-worker
 * loads by path (BENCH_ENTRY_POINTS); the worker is the one TASKER_WORKER
 * names (meson's benchmark()/test() and build-aux/bench.sh set it).
 *
 *   warm pool   N trivial process tasks (default 20,000) submitted from one
 *               main-loop callback once the pool is warm (200 tasks run and
 *               waited for first), timed from the first submit to the last
 *               when_done; one TaskerTaskOptions with a done func for all.
 *               Baseline: the same number of trivial thread tasks in the same
 *               manager. Interleaved, repeated; medians. Also reported: the
 *               submit cost and the CPU time of this process (not the
 *               workers') per task.
 *   cold pool   a new manager, one trivial process task, submit → when_done;
 *               10 managers, each shut down and freed before the next.
 *               Baseline: posix_spawn(/bin/true) + waitpid, as many times.
 *   hang        cancel-grace 100 ms, max-workers 1: a `pid` task learns the
 *               worker's pid, then a `hang` task (which ignores cancellation)
 *               is cancelled once RUNNING; measured from tasker_task_cancel()
 *               to its when_done (CANCELLED), and to kill (pid, 0) failing
 *               with ESRCH (the worker killed and reaped). Target: gone within
 *               grace + 150 ms.
 *   cooperative a `wait_cancel` task (polls tasker_context_is_cancelled()
 *               every 1 ms) cancelled once RUNNING, to when_done (CANCELLED);
 *               p50 and p95. Baseline, interleaved: a thread task running the
 *               same 1 ms polling loop, in the same manager.
 *
 *   burst       a new manager, one trivial process task, and as soon as it
 *               is done 200 more at once, timed from their first submit to
 *               the last when_done; 5 managers. Baseline: the same burst on
 *               that manager once all its workers have run tasks.
 *
 * For profiling one part alone: TASKER_BENCH_ONLY=warm|cold|burst|hang|cooperative;
 * TASKER_BENCH_N and TASKER_BENCH_REPS change the warm-pool size and the
 * number of its runs.
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tasker.h>

#include "bench-common.h"

#ifndef BENCH_ENTRY_POINTS
# error "BENCH_ENTRY_POINTS must give the path of the entry-point module"
#endif

#define ENTRY(symbol) BENCH_ENTRY_POINTS ":" symbol

#define CANCEL_GRACE_MS 100
#define WARM_UP_TASKS   200

extern char **environ;

static gint64
cpu_time_us (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);

  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC
         + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static const char *
status_to_string (TaskerTaskStatus status)
{
  switch (status)
    {
    case TASKER_TASK_STATUS_PENDING:
      return "PENDING";
    case TASKER_TASK_STATUS_RUNNING:
      return "RUNNING";
    case TASKER_TASK_STATUS_COMPLETED:
      return "COMPLETED";
    case TASKER_TASK_STATUS_FAILED:
      return "FAILED";
    case TASKER_TASK_STATUS_CANCELLED:
      return "CANCELLED";
    default:
      return "?";
    }
}

/* Counts when_done calls; one per batch of tasks. */
typedef struct
{
  guint   n;           /* expected */
  guint   done;
  guint   failed;      /* not COMPLETED */
  int     all_done;    /* read by bench_iterate_until */
  gint64  t_last;      /* when the n-th when_done ran */
  char   *first_error; /* (owned) (nullable) */
} Counter;

static void
counter_reset (Counter *c,
               guint    n)
{
  c->n = n;
  c->done = 0;
  c->failed = 0;
  c->all_done = FALSE;
  c->t_last = 0;
  g_clear_pointer (&c->first_error, g_free);
}

static void
counter_done_cb (TaskerTask *task,
                 gpointer    user_data)
{
  Counter *c = user_data;
  TaskerTaskStatus status = tasker_task_get_status (task);

  if (status != TASKER_TASK_STATUS_COMPLETED)
    {
      const GError *error = tasker_task_get_error (task);

      if (c->failed++ == 0)
        c->first_error = g_strdup_printf ("%s: %s", status_to_string (status),
                                          error != NULL ? error->message : "no error");
    }

  if (++c->done == c->n)
    {
      c->t_last = g_get_monotonic_time ();
      c->all_done = TRUE;
    }
}

static void
counter_wait (Counter    *c,
              guint       timeout_ms,
              const char *what)
{
  if (!bench_iterate_until (NULL, &c->all_done, timeout_ms))
    bench_fail ("%s: %u of %u tasks done after %u ms", what, c->done, c->n, timeout_ms);
  if (c->failed != 0)
    bench_fail ("%s: %u of %u tasks did not complete; the first: %s",
                what, c->failed, c->n, c->first_error);
}

static TaskerTask *
submit_process (TaskerManager     *manager,
                TaskerTaskOptions *options,
                const char        *entry_point)
{
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  task = tasker_manager_run_process (manager, NULL, options, entry_point, NULL, &error);
  if (task == NULL)
    bench_fail ("tasker_manager_run_process (%s): %s", entry_point, error->message);

  return task;
}

/* Warm pool */

static void
noop_task_func (TaskerContext *context,
                gpointer       user_data)
{
}

typedef struct
{
  TaskerManager     *manager;
  TaskerTaskOptions *options;
  Counter           *counter;
  gboolean           process;
  gint64             t_start;
  gint64             t_submitted;
  gint64             cpu_start;
} Batch;

static gboolean
batch_submit_cb (gpointer user_data)
{
  Batch *b = user_data;

  b->cpu_start = cpu_time_us ();
  b->t_start = g_get_monotonic_time ();
  for (guint i = 0; i < b->counter->n; i++)
    {
      g_autoptr(GError) error = NULL;
      TaskerTask *task;

      if (b->process)
        task = tasker_manager_run_process (b->manager, NULL, b->options, ENTRY ("trivial"), NULL, &error);
      else
        task = tasker_manager_run_thread (b->manager, NULL, b->options, noop_task_func, NULL, NULL, &error);
      if (task == NULL)
        bench_fail ("submit: %s", error->message);
      g_object_unref (task);
    }
  b->t_submitted = g_get_monotonic_time ();

  return G_SOURCE_REMOVE;
}

typedef struct
{
  double rate;         /* tasks/s */
  double submit_us;    /* per task */
  double cpu_us;       /* per task, this process */
} BatchResult;

static BatchResult
run_batch (TaskerManager     *manager,
           TaskerTaskOptions *options,
           Counter           *counter,
           guint              n,
           gboolean           process)
{
  Batch b = { manager, options, counter, process, 0, 0, 0 };
  BatchResult r;

  counter_reset (counter, n);
  g_idle_add (batch_submit_cb, &b);
  counter_wait (counter, 120 * 1000, process ? "warm pool, process tasks" : "warm pool, thread tasks");

  r.rate = n / ((counter->t_last - b.t_start) / (double) G_USEC_PER_SEC);
  r.submit_us = (double) (b.t_submitted - b.t_start) / n;
  r.cpu_us = (double) (cpu_time_us () - b.cpu_start) / n;

  /* Let the trailing tasks-updated go out before the next run. */
  if (!tasker_manager_wait_until_settled (manager, 10000))
    bench_fail ("the manager did not settle");

  return r;
}

static void
bench_warm_pool (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  Counter counter = { 0 };
  guint n = bench_get_n (20000, 500);
  guint reps = bench_get_reps (3, 1);
  double *proc_rate = g_new0 (double, reps), *thread_rate = g_new0 (double, reps);
  double *proc_submit = g_new0 (double, reps), *thread_submit = g_new0 (double, reps);
  double *proc_cpu = g_new0 (double, reps), *thread_cpu = g_new0 (double, reps);

  tasker_task_options_set_done_func (options, counter_done_cb, &counter, NULL);

  bench_comment ("warm pool: %u workers at most, %u trivial tasks per run, %u runs of each kind, interleaved",
                 tasker_manager_get_max_workers (manager), n, reps);

  /* Warm up: workers started, entry point loaded, thread pool up. */
  counter_reset (&counter, WARM_UP_TASKS);
  for (guint i = 0; i < WARM_UP_TASKS; i++)
    g_object_unref (submit_process (manager, options, ENTRY ("trivial")));
  counter_wait (&counter, 30 * 1000, "warm-up");
  run_batch (manager, options, &counter, WARM_UP_TASKS, FALSE);

  for (guint r = 0; r < reps; r++)
    {
      BatchResult p = run_batch (manager, options, &counter, n, TRUE);
      BatchResult t = run_batch (manager, options, &counter, n, FALSE);

      bench_comment ("run %u: process %.0f tasks/s (submit %.2f µs, CPU %.2f µs per task), "
                     "thread %.0f tasks/s (submit %.2f µs, CPU %.2f µs per task)",
                     r + 1, p.rate, p.submit_us, p.cpu_us, t.rate, t.submit_us, t.cpu_us);
      proc_rate[r] = p.rate;
      proc_submit[r] = p.submit_us;
      proc_cpu[r] = p.cpu_us;
      thread_rate[r] = t.rate;
      thread_submit[r] = t.submit_us;
      thread_cpu[r] = t.cpu_us;
    }

  bench_row ("trivial process tasks, warm pool", bench_median (proc_rate, reps), "tasks/s",
             BENCH_ON_VALUE, BENCH_GE, 50000, "thread tasks", bench_median (thread_rate, reps));
  bench_info_row ("process task submit, per task", bench_median (proc_submit, reps), "µs",
                  "thread tasks", bench_median (thread_submit, reps));
  bench_info_row ("process tasks: manager CPU per task", bench_median (proc_cpu, reps), "µs",
                  "thread tasks", bench_median (thread_cpu, reps));

  tasker_manager_shutdown (manager, 1000);

  g_free (proc_rate);
  g_free (thread_rate);
  g_free (proc_submit);
  g_free (thread_submit);
  g_free (proc_cpu);
  g_free (thread_cpu);
  counter_reset (&counter, 0);
}

/* Cold pool */

static double
spawn_true_ms (void)
{
  char *argv[] = { (char *) "/bin/true", NULL };
  gint64 start = g_get_monotonic_time ();
  pid_t child;
  int status;

  if (posix_spawn (&child, argv[0], NULL, NULL, argv, environ) != 0)
    bench_fail ("posix_spawn /bin/true: %s", g_strerror (errno));
  if (waitpid (child, &status, 0) != child || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    bench_fail ("/bin/true did not exit with status 0");

  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
bench_cold_pool (void)
{
  guint reps = bench_is_quick () ? 2 : 10;
  double *tasker = g_new0 (double, reps), *baseline = g_new0 (double, reps);
  Counter counter = { 0 };

  for (guint r = 0; r < reps; r++)
    {
      TaskerManager *manager = tasker_manager_new (NULL);
      g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
      gint64 start;

      tasker_task_options_set_done_func (options, counter_done_cb, &counter, NULL);
      counter_reset (&counter, 1);

      start = g_get_monotonic_time ();
      g_object_unref (submit_process (manager, options, ENTRY ("trivial")));
      counter_wait (&counter, 10 * 1000, "cold pool");
      tasker[r] = (counter.t_last - start) / 1000.0;

      tasker_manager_shutdown (manager, 1000);
      g_object_unref (manager);

      baseline[r] = spawn_true_ms ();
    }

  bench_comment ("cold pool: %u managers; first task %.2f … %.2f ms", reps,
                 bench_percentile (tasker, reps, 0), bench_max (tasker, reps));
  bench_row ("first process task on a cold pool, median", bench_median (tasker, reps), "ms",
             BENCH_ON_VALUE, BENCH_LE, 20, "posix_spawn(/bin/true) + wait", bench_median (baseline, reps));
  bench_info_row ("first process task on a cold pool, max", bench_max (tasker, reps), "ms",
                  "posix_spawn(/bin/true) + wait", bench_max (baseline, reps));

  g_free (tasker);
  g_free (baseline);
  counter_reset (&counter, 0);
}

/* One task at a time: started, done */

typedef struct
{
  int              started;   /* its status left PENDING */
  int              done;
  gint64           t_done;
  TaskerTaskStatus status;
  GError          *error;     /* (owned) (nullable) */
} One;

static void
one_reset (One *one)
{
  one->started = FALSE;
  one->done = FALSE;
  one->t_done = 0;
  one->status = TASKER_TASK_STATUS_PENDING;
  g_clear_error (&one->error);
}

static void
one_done_cb (TaskerTask *task,
             gpointer    user_data)
{
  One *one = user_data;
  const GError *error = tasker_task_get_error (task);

  one->t_done = g_get_monotonic_time ();
  one->status = tasker_task_get_status (task);
  one->error = error != NULL ? g_error_copy (error) : NULL;
  one->done = TRUE;
}

static void
one_status_cb (GObject    *object,
               GParamSpec *pspec,
               gpointer    user_data)
{
  One *one = user_data;

  if (tasker_task_get_status (TASKER_TASK (object)) != TASKER_TASK_STATUS_PENDING)
    one->started = TRUE;
}

/* Waits until @task is RUNNING; fails if it ended instead. */
static void
one_wait_running (One        *one,
                  TaskerTask *task,
                  const char *what)
{
  gulong handler = g_signal_connect (task, "notify::status", G_CALLBACK (one_status_cb), one);

  one_status_cb (G_OBJECT (task), NULL, one);
  if (!bench_iterate_until (NULL, &one->started, 10 * 1000))
    bench_fail ("%s: not started after 10 s", what);
  g_signal_handler_disconnect (task, handler);

  if (tasker_task_get_status (task) != TASKER_TASK_STATUS_RUNNING)
    {
      const GError *error = tasker_task_get_error (task);

      bench_fail ("%s: %s instead of RUNNING: %s", what, status_to_string (tasker_task_get_status (task)),
                  error != NULL ? error->message : "no error");
    }
}

static void
one_wait_done (One        *one,
               guint       timeout_ms,
               const char *what)
{
  if (!bench_iterate_until (NULL, &one->done, timeout_ms))
    bench_fail ("%s: no when_done after %u ms", what, timeout_ms);
}

static void
one_expect_cancelled (One        *one,
                      const char *what)
{
  if (one->status != TASKER_TASK_STATUS_CANCELLED)
    bench_fail ("%s: ended %s, not CANCELLED: %s", what, status_to_string (one->status),
                one->error != NULL ? one->error->message : "no error");
  if (!g_error_matches (one->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    bench_fail ("%s: CANCELLED with error %s %d (%s), not G_IO_ERROR_CANCELLED", what,
                one->error != NULL ? g_quark_to_string (one->error->domain) : "none",
                one->error != NULL ? one->error->code : 0,
                one->error != NULL ? one->error->message : "");
}

/* Uncooperative worker */

typedef struct
{
  pid_t  pid;
  int    gone;
  gint64 t_gone;
} GoneWatch;

static gboolean
gone_poll_cb (gpointer user_data)
{
  GoneWatch *w = user_data;

  if (kill (w->pid, 0) == -1 && errno == ESRCH)
    {
      w->t_gone = g_get_monotonic_time ();
      w->gone = TRUE;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static pid_t
worker_pid (TaskerManager     *manager,
            TaskerTaskOptions *options,
            One               *one)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  gint32 pid;

  one_reset (one);
  task = submit_process (manager, options, ENTRY ("pid"));
  one_wait_done (one, 10 * 1000, "pid task");
  result = tasker_task_propagate_variant (task, &error);
  if (result == NULL)
    bench_fail ("pid task: %s", error->message);
  if (!g_variant_is_of_type (result, G_VARIANT_TYPE ("(i)")))
    bench_fail ("pid task returned %s, not (i)", g_variant_get_type_string (result));
  g_variant_get (result, "(i)", &pid);

  return pid;
}

static void
bench_hang (TaskerManager     *manager,
            TaskerTaskOptions *options,
            One               *one)
{
  guint reps = bench_is_quick () ? 1 : 5;
  double *to_done = g_new0 (double, reps), *to_gone = g_new0 (double, reps);
  double target = CANCEL_GRACE_MS + 150;

  for (guint r = 0; r < reps; r++)
    {
      g_autoptr(TaskerTask) task = NULL;
      GoneWatch watch = { 0 };
      GSource *poll;
      gint64 t_cancel;

      watch.pid = worker_pid (manager, options, one);

      one_reset (one);
      task = submit_process (manager, options, ENTRY ("hang"));
      one_wait_running (one, task, "hang task");
      if (kill (watch.pid, 0) != 0)
        bench_fail ("worker %d, which ran the pid task, is not there to run the hang task (%s)",
                    (int) watch.pid, g_strerror (errno));

      poll = g_timeout_source_new (1);
      g_source_set_callback (poll, gone_poll_cb, &watch, NULL);
      g_source_attach (poll, NULL);

      t_cancel = g_get_monotonic_time ();
      tasker_task_cancel (task);

      one_wait_done (one, 10 * 1000, "hang task");
      one_expect_cancelled (one, "hang task");
      if (!bench_iterate_until (NULL, &watch.gone, 10 * 1000))
        bench_fail ("worker %d still exists 10 s after its task was cancelled "
                    "(killed but not reaped, or never killed)", (int) watch.pid);
      g_source_destroy (poll);
      g_source_unref (poll);

      to_done[r] = (one->t_done - t_cancel) / 1000.0;
      to_gone[r] = (watch.t_gone - t_cancel) / 1000.0;
      bench_comment ("hang %u: worker %d; cancel → when_done %.1f ms, → gone %.1f ms",
                     r + 1, (int) watch.pid, to_done[r], to_gone[r]);
    }

  bench_info_row ("uncooperative process task: cancel → when_done, max", bench_max (to_done, reps), "ms",
                  NULL, 0);
  bench_info_row ("uncooperative process task: cancel → worker gone, median",
                  bench_median (to_gone, reps), "ms", NULL, 0);
  bench_row ("uncooperative process task: cancel → worker gone, max", bench_max (to_gone, reps), "ms",
             BENCH_ON_VALUE, BENCH_LE, target, NULL, 0);

  g_free (to_done);
  g_free (to_gone);
}

/* Cooperative */

static void
poll_cancel_func (TaskerContext *context,
                  gpointer       user_data)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!tasker_context_is_cancelled (context) && g_get_monotonic_time () < end)
    g_usleep (1000);
}

static double
cancel_once (TaskerManager     *manager,
             TaskerTaskOptions *options,
             One               *one,
             gboolean           process)
{
  g_autoptr(TaskerTask) task = NULL;
  const char *what = process ? "wait_cancel process task" : "polling thread task";
  gint64 t_cancel;

  one_reset (one);
  if (process)
    {
      task = submit_process (manager, options, ENTRY ("wait_cancel"));
    }
  else
    {
      g_autoptr(GError) error = NULL;

      task = tasker_manager_run_thread (manager, NULL, options, poll_cancel_func, NULL, NULL, &error);
      if (task == NULL)
        bench_fail ("tasker_manager_run_thread: %s", error->message);
    }
  one_wait_running (one, task, what);

  t_cancel = g_get_monotonic_time ();
  tasker_task_cancel (task);
  one_wait_done (one, 10 * 1000, what);
  one_expect_cancelled (one, what);

  return (one->t_done - t_cancel) / 1000.0;
}

static void
bench_cooperative (TaskerManager     *manager,
                   TaskerTaskOptions *options,
                   One               *one)
{
  guint n = bench_is_quick () ? 5 : 200;
  double *proc = g_new0 (double, n), *thread = g_new0 (double, n);
  double p50, p95, b50, b95;

  for (guint i = 0; i < n; i++)
    {
      proc[i] = cancel_once (manager, options, one, TRUE);
      thread[i] = cancel_once (manager, options, one, FALSE);
    }

  p50 = bench_percentile (proc, n, 50);
  p95 = bench_percentile (proc, n, 95);
  b50 = bench_percentile (thread, n, 50);
  b95 = bench_percentile (thread, n, 95);
  bench_comment ("cooperative: %u of each; process p50 %.3f p95 %.3f max %.3f ms; "
                 "thread p50 %.3f p95 %.3f max %.3f ms", n, p50, p95, proc[n - 1], b50, b95, thread[n - 1]);
  bench_info_row ("cooperative process task: cancel → when_done, p50", p50, "ms",
                  "thread task, same 1 ms poll", b50);
  bench_row ("cooperative process task: cancel → when_done, p95", p95, "ms",
             BENCH_ON_VALUE, BENCH_LE, 2, "thread task, same 1 ms poll", b95);

  g_free (proc);
  g_free (thread);
}

/* Burst after the first task */

/* Runs @n trivial process tasks at once; the ms from the first submit to
 * the last when_done. */
static double
burst_ms (TaskerManager     *manager,
          TaskerTaskOptions *options,
          Counter           *counter,
          guint              n)
{
  gint64 start = g_get_monotonic_time ();

  counter_reset (counter, n);
  for (guint i = 0; i < n; i++)
    g_object_unref (submit_process (manager, options, ENTRY ("trivial")));
  counter_wait (counter, 30 * 1000, "burst");

  return (counter->t_last - start) / 1000.0;
}

static void
bench_burst (void)
{
  guint reps = bench_is_quick () ? 2 : 5;
  guint n = bench_is_quick () ? 20 : 200;
  double *tasker = g_new0 (double, reps), *warm = g_new0 (double, reps);
  Counter counter = { 0 };

  for (guint r = 0; r < reps; r++)
    {
      TaskerManager *manager = tasker_manager_new (NULL);
      g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
      guint max_workers = tasker_manager_get_max_workers (manager);

      tasker_task_options_set_done_func (options, counter_done_cb, &counter, NULL);

      /* As a user sees it: one task, then a burst as soon as it is done. */
      burst_ms (manager, options, &counter, 1);
      tasker[r] = burst_ms (manager, options, &counter, n);

      /* Baseline: the same burst once every worker has run tasks. */
      for (guint i = 0; i < 3; i++)
        burst_ms (manager, options, &counter, 4 * n * max_workers);
      warm[r] = burst_ms (manager, options, &counter, n);

      tasker_manager_shutdown (manager, 1000);
      g_object_unref (manager);
    }

  bench_comment ("burst: %u managers; %u tasks right after the first %.2f … %.2f ms", reps, n,
                 bench_percentile (tasker, reps, 0), bench_max (tasker, reps));
  bench_info_row ("burst of 200 process tasks right after the first, median",
                  bench_median (tasker, reps), "ms",
                  "the same burst on a pool whose workers all ran tasks", bench_median (warm, reps));

  g_free (tasker);
  g_free (warm);
  g_clear_pointer (&counter.first_error, g_free);
}

int
main (int   argc,
      char *argv[])
{
  const char *only;
  const char *worker;

  bench_init (&argc, &argv, "Process tasks: warm-pool throughput, cold start, cancel latency", 150);

  /* A killed worker must not kill us through a broken socket. */
  signal (SIGPIPE, SIG_IGN);

  worker = g_getenv ("TASKER_WORKER");
  bench_comment ("worker: %s; entry points: %s", worker != NULL ? worker : "(TASKER_WORKER unset)",
                 BENCH_ENTRY_POINTS);

  only = g_getenv ("TASKER_BENCH_ONLY");

  if (only == NULL || g_str_equal (only, "warm"))
    bench_warm_pool ();

  if (only == NULL || g_str_equal (only, "cold"))
    bench_cold_pool ();

  if (only == NULL || g_str_equal (only, "burst"))
    bench_burst ();

  if (only == NULL || g_str_equal (only, "hang") || g_str_equal (only, "cooperative"))
    {
      g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
      g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
      One one = { 0 };

      tasker_manager_set_max_workers (manager, 1);
      tasker_manager_set_cancel_grace (manager, CANCEL_GRACE_MS);
      tasker_task_options_set_done_func (options, one_done_cb, &one, NULL);

      if (only == NULL || g_str_equal (only, "hang"))
        bench_hang (manager, options, &one);
      if (only == NULL || g_str_equal (only, "cooperative"))
        bench_cooperative (manager, options, &one);

      if (!tasker_manager_wait_until_settled (manager, 10000))
        bench_fail ("the manager did not settle");
      tasker_manager_shutdown (manager, 1000);
      one_reset (&one);
    }

  return 0;
}
