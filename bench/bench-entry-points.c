/* bench-entry-points.c: the process-task entry points bench-process runs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Built as a shared module that tasker-worker loads by path: each function is
 * a TaskerProcessFunc named "<module path>:<symbol>". They run in a worker
 * process, never in the benchmark.
 *
 *   trivial      returns ()
 *   pid          returns (i), the worker's pid
 *   hang         ignores cancellation: sleeps in 10 ms steps for up to 60 s
 *   wait_cancel  polls tasker_context_is_cancelled() every 1 ms, for up to
 *                30 s; returns (b), whether it saw the cancellation
 */

#include <unistd.h>

#include <gmodule.h>
#include <tasker.h>

#define BENCH_ENTRY(name)                                   \
  G_MODULE_EXPORT GVariant *name (TaskerContext  *context,  \
                                  GVariant       *args,     \
                                  GError        **error)

BENCH_ENTRY (trivial);
BENCH_ENTRY (pid);
BENCH_ENTRY (hang);
BENCH_ENTRY (wait_cancel);

GVariant *
trivial (TaskerContext  *context,
         GVariant       *args,
         GError        **error)
{
  return g_variant_new ("()");
}

GVariant *
pid (TaskerContext  *context,
     GVariant       *args,
     GError        **error)
{
  return g_variant_new ("(i)", (gint32) getpid ());
}

GVariant *
hang (TaskerContext  *context,
      GVariant       *args,
      GError        **error)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    g_usleep (10 * 1000);

  return g_variant_new ("()");
}

GVariant *
wait_cancel (TaskerContext  *context,
             GVariant       *args,
             GError        **error)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  gboolean cancelled;

  while (!(cancelled = tasker_context_is_cancelled (context)) && g_get_monotonic_time () < end)
    g_usleep (1000);

  return g_variant_new ("(b)", cancelled);
}
