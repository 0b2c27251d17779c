/* tasker-worker-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* The socket a worker talks to its manager on. */
#define TASKER_WORKER_SOCKET_FD 3

/* The read ends of the worker's own standard output and error: it reads
 * them and sends the lines as LOG frames of the running task. */
#define TASKER_WORKER_STDOUT_FD 4
#define TASKER_WORKER_STDERR_FD 5

/* A LOG frame's text holds at most TASKER_TASK_LOG_LINE_MAX bytes: a longer
 * line is cut to this many, so its marker fits within the bound. */
#define TASKER_WORKER_LOG_TEXT_MAX (TASKER_TASK_LOG_LINE_MAX - 64)

/* When a task has returned, what it left running gets SIGTERM, then SIGKILL
 * after this many milliseconds: as the manager kills a worker. */
#define TASKER_WORKER_DESCENDANTS_GRACE_MS 100

/* The Python worker (python/tasker/worker.py) takes these values, those of
 * tasker-worker-protocol-private.h and the TaskerError codes from a module
 * generated at build time (python/gen-worker-constants.c). */

/* main() of the tasker-worker executable, which links the internal static
 * library (src/worker/meson.build): not exported from libtasker-1.so. */
int _tasker_worker_main (int    argc,
                         char **argv);

G_END_DECLS
