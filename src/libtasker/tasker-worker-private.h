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

/* main() of the tasker-worker executable, which links the shared library. */
_TASKER_EXTERN
int _tasker_worker_main (int    argc,
                         char **argv);

G_END_DECLS
