/* tasker-trace-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* 64-bit trace ids (DESIGN.md §4 Tracing), the layout of the silly
 * framework: origin node, seconds mod 2^16, sequence, last-hop node, 16
 * bits each from the top. */

#define TASKER_TRACE_HOP_MASK G_GUINT64_CONSTANT (0xffff)

guint64 _tasker_trace_new     (guint16 node,
                               gint64  now_us);
guint64 _tasker_trace_relay   (guint64 trace_id,
                               guint16 node);
char   *_tasker_trace_format  (guint64 trace_id);

G_END_DECLS
