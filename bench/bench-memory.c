/* bench-memory.c: bytes per pending task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * With max-threads = 1 and a blocker task holding the only thread, 100,000
 * trivial thread tasks are submitted (their references dropped, as a program
 * would); RSS growth / 100,000 is the cost of one pending task. Baseline, in the
 * same process and measured first: 100,000 pushes of a 32-byte struct into a
 * bare one-thread GThreadPool whose thread is blocked too. Both stay pending
 * until both are measured, so neither reuses memory the other freed.
 */

#include "config.h"

#include <tasker.h>

#include "bench-common.h"

typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean released;   /* protected by lock */
  int      started;    /* (atomic) */
} Blocker;

static void
blocker_wait (Blocker *b)
{
  g_mutex_lock (&b->lock);
  g_atomic_int_set (&b->started, 1);
  g_main_context_wakeup (NULL);
  while (!b->released)
    g_cond_wait (&b->cond, &b->lock);
  g_mutex_unlock (&b->lock);
}

static void
blocker_release (Blocker *b)
{
  g_mutex_lock (&b->lock);
  b->released = TRUE;
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
}

/* Tasker */

typedef struct
{
  guint done;
  guint failed;
} Counts;

static void
blocker_task_func (TaskerContext *context,
                   gpointer       user_data)
{
  blocker_wait (user_data);
}

static void
noop_task_func (TaskerContext *context,
                gpointer       user_data)
{
}

static void
count_done_cb (TaskerTask *task,
               gpointer    user_data)
{
  Counts *counts = user_data;

  counts->done++;
  if (tasker_task_get_status (task) != TASKER_TASK_STATUS_COMPLETED)
    counts->failed++;
}

/* Baseline */

typedef struct
{
  gpointer a, b, c, d;
} Item32;

G_STATIC_ASSERT (sizeof (Item32) == 32);

static void
bare_worker_func (gpointer data,
                  gpointer pool_data)
{
  if (data == pool_data)
    blocker_wait (pool_data);
  else
    g_free (data);
}

static void
settle (void)
{
  /* Let the manager's source run (live list, tasks-updated) before reading RSS. */
  gint64 until = g_get_monotonic_time () + 100 * 1000;

  while (g_get_monotonic_time () < until)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (5000);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TaskerManager) manager = NULL;
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(TaskerTask) blocker_task = NULL;
  g_autoptr(GError) error = NULL;
  Blocker bare_blocker = { 0 }, tasker_blocker = { 0 };
  Counts counts = { 0 };
  GThreadPool *pool;
  gsize rss0, rss1;
  double bare_bytes, tasker_bytes, tasker_total_mb;
  guint n;

  bench_init (&argc, &argv, "RSS per pending thread task", 150);

  n = bench_get_n (100000, 5000);
  bench_comment ("%u pending items each", n);

  g_mutex_init (&bare_blocker.lock);
  g_cond_init (&bare_blocker.cond);
  g_mutex_init (&tasker_blocker.lock);
  g_cond_init (&tasker_blocker.cond);

  manager = tasker_manager_new (NULL);
  tasker_manager_set_max_threads (manager, 1);
  options = tasker_task_options_new ();
  tasker_task_options_set_done_func (options, count_done_cb, &counts, NULL);

  /* Baseline: bare pool. */
  pool = g_thread_pool_new (bare_worker_func, &bare_blocker, 1, TRUE, &error);
  if (pool == NULL)
    bench_fail ("g_thread_pool_new: %s", error->message);
  g_thread_pool_push (pool, &bare_blocker, NULL);
  if (!bench_iterate_until (NULL, &bare_blocker.started, 5000))
    bench_fail ("bare pool blocker did not start");

  rss0 = bench_rss_bytes ();
  for (guint i = 0; i < n; i++)
    g_thread_pool_push (pool, g_new0 (Item32, 1), NULL);
  rss1 = bench_rss_bytes ();
  bare_bytes = (double) (rss1 - rss0) / n;
  if (g_thread_pool_unprocessed (pool) != n)
    bench_fail ("bare pool: %u items pending, not %u", g_thread_pool_unprocessed (pool), n);

  /* Tasker. */
  blocker_task = tasker_manager_run_thread (manager, NULL, NULL, blocker_task_func,
                                            &tasker_blocker, NULL, &error);
  if (blocker_task == NULL)
    bench_fail ("tasker_manager_run_thread: %s", error->message);
  if (!bench_iterate_until (NULL, &tasker_blocker.started, 5000))
    bench_fail ("tasker blocker did not start");
  settle ();

  rss0 = bench_rss_bytes ();
  for (guint i = 0; i < n; i++)
    {
      TaskerTask *task = tasker_manager_run_thread (manager, NULL, options, noop_task_func,
                                                    NULL, NULL, &error);

      if (task == NULL)
        bench_fail ("tasker_manager_run_thread: %s", error->message);
      g_object_unref (task);
    }
  settle ();
  rss1 = bench_rss_bytes ();
  tasker_bytes = (double) (rss1 - rss0) / n;
  tasker_total_mb = tasker_bytes * 100000 / 1e6;

  if (counts.done != 0)
    bench_fail ("%u tasks finished while the only thread was blocked", counts.done);

  bench_row ("memory per pending task", tasker_bytes, "bytes",
             BENCH_ON_VALUE, BENCH_LE, 1024, "GThreadPool + 32 B struct", bare_bytes);
  bench_row ("RSS growth, 100k pending tasks", tasker_total_mb, "MB",
             BENCH_ON_VALUE, BENCH_LE, 100, "GThreadPool + 32 B struct", bare_bytes * 100000 / 1e6);

  /* Drain both. */
  blocker_release (&bare_blocker);
  blocker_release (&tasker_blocker);
  g_thread_pool_free (pool, FALSE, TRUE);
  if (!tasker_manager_wait_until_settled (manager, 60000))
    bench_fail ("tasker manager did not settle");
  if (counts.done != n || counts.failed != 0)
    bench_fail ("%u of %u tasks done, %u failed", counts.done, n, counts.failed);
  tasker_manager_shutdown (manager, 1000);

  g_mutex_clear (&bare_blocker.lock);
  g_cond_clear (&bare_blocker.cond);
  g_mutex_clear (&tasker_blocker.lock);
  g_cond_clear (&tasker_blocker.cond);

  return 0;
}
