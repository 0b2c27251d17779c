/* tasker-worker-main.c: the tasker-worker executable, which runs process
 * tasks for a Tasker manager (see docs/worker-protocol.md). It links only
 * the library (its internal static copy) and what the library links: never
 * GTK.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* In libtasker's internal static library (tasker-worker-private.h); not
 * part of its API, and not exported from libtasker-1.so. */
extern int _tasker_worker_main (int    argc,
                                char **argv);

int
main (int    argc,
      char **argv)
{
  return _tasker_worker_main (argc, argv);
}
