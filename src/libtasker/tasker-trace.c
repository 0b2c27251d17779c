/* tasker-trace.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-trace-private.h"

/* A new trace starting at @node: the origin and last hop are both @node,
 * the seconds and a process-wide sequence tell traces of one node apart.
 * @now_us is the wall-clock time (g_get_real_time()), which a new task has
 * read already. */
guint64
_tasker_trace_new (guint16 node,
                   gint64  now_us)
{
  static guint sequence;
  guint64 seconds = (guint64) (now_us / G_USEC_PER_SEC) & 0xffff;
  guint64 seq = (guint64) g_atomic_int_add (&sequence, 1) & 0xffff;

  return ((guint64) node << 48) | (seconds << 32) | (seq << 16) | node;
}

/* The trace as it passes through @node: the top 48 bits are kept, only the
 * last hop changes. */
guint64
_tasker_trace_relay (guint64 trace_id,
                     guint16 node)
{
  return (trace_id & ~TASKER_TRACE_HOP_MASK) | node;
}

/* How a trace id is shown: 16 hex digits, as on log lines and in
 * $TASKER_TRACE_ID. */
char *
_tasker_trace_format (guint64 trace_id)
{
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x", trace_id);
}
