/* bench-cancel.c: cancel → when_done(CANCELLED) latency
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Measured from tasker_task_cancel() on the main thread to the start of
 * when_done, for:
 *
 *   thread     a cooperative thread task blocked in a GCond loop that checks
 *              tasker_context_is_cancelled(), woken through
 *              g_cancellable_connect() on the context's cancellable;
 *   coroutine  a coroutine task waiting in g_input_stream_read_async() on an
 *              empty pipe with the context's cancellable.
 *
 * Baselines, interleaved with them: the same thread wait in
 * g_task_run_in_thread() cancelled through its GCancellable (to the GTask
 * callback), and the same read_async cancelled through a plain GCancellable
 * (to its callback). N = 200 of each; p50 and p95.
 */

#include "config.h"

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <unistd.h>

#include <tasker.h>

#include "bench-common.h"

typedef struct
{
  GMainContext  *main_context;
  GInputStream  *stream;        /* the read end of an empty pipe */
  char           buf[16];

  GMutex         lock;
  GCond          cond;
  gboolean       woken;         /* protected by lock */

  int            started;       /* (atomic) */
  int            done;
  gboolean       cancelled_ok;
  gint64         t_cancel;
  gint64         t_done;
} Waiter;

static void
waiter_reset (Waiter *w)
{
  w->woken = FALSE;
  g_atomic_int_set (&w->started, 0);
  w->done = FALSE;
  w->cancelled_ok = FALSE;
  w->t_cancel = 0;
  w->t_done = 0;
}

static void
waiter_finish (Waiter       *w,
               const GError *error)
{
  w->t_done = g_get_monotonic_time ();
  w->cancelled_ok = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  w->done = TRUE;
}

static void
waiter_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  Waiter *w = user_data;

  g_mutex_lock (&w->lock);
  w->woken = TRUE;
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
}

/* Blocks the calling (pool) thread until @cancellable fires. */
static void
waiter_block (Waiter       *w,
              GCancellable *cancellable,
              gboolean    (*is_cancelled) (gpointer object),
              gpointer      object)
{
  gulong handler;

  handler = g_cancellable_connect (cancellable, G_CALLBACK (waiter_cancelled_cb), w, NULL);

  g_mutex_lock (&w->lock);
  g_atomic_int_set (&w->started, 1);
  g_main_context_wakeup (w->main_context);
  while (!w->woken && !is_cancelled (object))
    g_cond_wait (&w->cond, &w->lock);
  g_mutex_unlock (&w->lock);

  g_cancellable_disconnect (cancellable, handler);
}

/* Tasker, thread */

static gboolean
context_is_cancelled (gpointer object)
{
  return tasker_context_is_cancelled (object);
}

static void
thread_wait_func (TaskerContext *context,
                  gpointer       user_data)
{
  waiter_block (user_data, tasker_context_get_cancellable (context), context_is_cancelled, context);
}

static void
tasker_done_cb (TaskerTask *task,
                gpointer    user_data)
{
  Waiter *w = user_data;

  waiter_finish (w, tasker_task_get_status (task) == TASKER_TASK_STATUS_CANCELLED
                      ? tasker_task_get_error (task) : NULL);
}

/* Tasker, coroutine */

static void
coroutine_read_cb (GObject      *source_object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(TaskerContext) context = user_data;
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source_object), result, &error);
  if (n < 0)
    tasker_context_return_error (context, error);
  else
    tasker_context_return_new_error (context, G_IO_ERROR, G_IO_ERROR_FAILED,
                                     "unexpected read of %" G_GSSIZE_FORMAT " bytes", n);
}

static void
coroutine_wait_func (TaskerContext *context,
                     gpointer       user_data)
{
  Waiter *w = user_data;

  g_input_stream_read_async (w->stream, w->buf, sizeof w->buf, G_PRIORITY_DEFAULT,
                             tasker_context_get_cancellable (context),
                             coroutine_read_cb, g_object_ref (context));
  g_atomic_int_set (&w->started, 1);
}

static double
run_tasker_once (TaskerManager     *manager,
                 TaskerTaskOptions *options,
                 Waiter            *w,
                 gboolean           coroutine)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;

  waiter_reset (w);
  if (coroutine)
    task = tasker_manager_run_coroutine (manager, NULL, options, coroutine_wait_func, w, NULL, &error);
  else
    task = tasker_manager_run_thread (manager, NULL, options, thread_wait_func, w, NULL, &error);
  if (task == NULL)
    bench_fail ("submit: %s", error->message);

  if (!bench_iterate_until (w->main_context, &w->started, 5000))
    bench_fail ("tasker %s task did not start", coroutine ? "coroutine" : "thread");

  w->t_cancel = g_get_monotonic_time ();
  tasker_task_cancel (task);

  if (!bench_iterate_until (w->main_context, &w->done, 5000))
    bench_fail ("tasker %s task: no when_done within 5 s of cancel", coroutine ? "coroutine" : "thread");
  if (!w->cancelled_ok)
    bench_fail ("tasker %s task did not end CANCELLED with G_IO_ERROR_CANCELLED",
                coroutine ? "coroutine" : "thread");

  return (w->t_done - w->t_cancel) / 1000.0;
}

/* Baseline, thread: GTask + GCancellable */

static gboolean
cancellable_is_cancelled (gpointer object)
{
  return g_cancellable_is_cancelled (object);
}

static void
gtask_wait_func (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  waiter_block (task_data, cancellable, cancellable_is_cancelled, cancellable);
  if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
}

static void
gtask_done_cb (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  waiter_finish (user_data, error);
}

/* Baseline, coroutine: read_async + GCancellable */

static void
gio_read_cb (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_input_stream_read_finish (G_INPUT_STREAM (source_object), result, &error);
  waiter_finish (user_data, error);
}

static double
run_baseline_once (Waiter   *w,
                   gboolean  coroutine)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  waiter_reset (w);
  if (coroutine)
    {
      g_input_stream_read_async (w->stream, w->buf, sizeof w->buf, G_PRIORITY_DEFAULT,
                                 cancellable, gio_read_cb, w);
      g_atomic_int_set (&w->started, 1);
    }
  else
    {
      g_autoptr(GTask) task = g_task_new (NULL, cancellable, gtask_done_cb, w);

      g_task_set_task_data (task, w, NULL);
      g_task_run_in_thread (task, gtask_wait_func);
    }

  if (!bench_iterate_until (w->main_context, &w->started, 5000))
    bench_fail ("baseline %s did not start", coroutine ? "read" : "GTask");

  w->t_cancel = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);

  if (!bench_iterate_until (w->main_context, &w->done, 5000))
    bench_fail ("baseline %s: no callback within 5 s of cancel", coroutine ? "read" : "GTask");
  if (!w->cancelled_ok)
    bench_fail ("baseline %s did not end with G_IO_ERROR_CANCELLED", coroutine ? "read" : "GTask");

  return (w->t_done - w->t_cancel) / 1000.0;
}

static void
report (const char *what,
        double     *tasker,
        double     *baseline,
        guint       n,
        const char *baseline_name)
{
  g_autofree char *p50_name = g_strdup_printf ("cancel → when_done, %s, p50", what);
  g_autofree char *p95_name = g_strdup_printf ("cancel → when_done, %s, p95", what);
  double t50 = bench_percentile (tasker, n, 50), t95 = bench_percentile (tasker, n, 95);
  double b50 = bench_percentile (baseline, n, 50), b95 = bench_percentile (baseline, n, 95);

  bench_comment ("%s: tasker p50 %.3f p95 %.3f max %.3f ms; baseline p50 %.3f p95 %.3f max %.3f ms",
                 what, t50, t95, tasker[n - 1], b50, b95, baseline[n - 1]);
  bench_info_row (p50_name, t50, "ms", baseline_name, b50);
  bench_row (p95_name, t95, "ms", BENCH_ON_VALUE, BENCH_LE, 2.0, baseline_name, b95);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TaskerManager) manager = NULL;
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(GError) error = NULL;
  Waiter w = { 0 };
  int fds[2];
  guint n;
  double *t_thread, *t_coro, *b_thread, *b_coro;

  bench_init (&argc, &argv, "cancel → when_done(CANCELLED) latency", 150);

  n = bench_get_n (200, 10);
  t_thread = g_new0 (double, n);
  t_coro = g_new0 (double, n);
  b_thread = g_new0 (double, n);
  b_coro = g_new0 (double, n);

  w.main_context = g_main_context_default ();
  g_mutex_init (&w.lock);
  g_cond_init (&w.cond);
  if (!g_unix_open_pipe (fds, FD_CLOEXEC, &error))
    bench_fail ("pipe: %s", error->message);
  w.stream = g_unix_input_stream_new (fds[0], TRUE);

  manager = tasker_manager_new (NULL);
  options = tasker_task_options_new ();
  tasker_task_options_set_done_func (options, tasker_done_cb, &w, NULL);

  bench_comment ("%u cancellations of each kind, interleaved", n);

  for (guint i = 0; i < n; i++)
    {
      t_thread[i] = run_tasker_once (manager, options, &w, FALSE);
      b_thread[i] = run_baseline_once (&w, FALSE);
      t_coro[i] = run_tasker_once (manager, options, &w, TRUE);
      b_coro[i] = run_baseline_once (&w, TRUE);
    }

  report ("thread task", t_thread, b_thread, n, "GTask + GCancellable");
  report ("coroutine in GIO read", t_coro, b_coro, n, "read_async + GCancellable");

  if (!tasker_manager_wait_until_settled (manager, 10000))
    bench_fail ("tasker manager did not settle");
  tasker_manager_shutdown (manager, 1000);

  g_object_unref (w.stream);
  close (fds[1]);
  g_mutex_clear (&w.lock);
  g_cond_clear (&w.cond);
  g_free (t_thread);
  g_free (t_coro);
  g_free (b_thread);
  g_free (b_coro);

  return 0;
}
