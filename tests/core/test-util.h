/* test-util.h — shared helpers for the library suites
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "config.h"

#include <tasker.h>

#include "tasker-manager-private.h"

G_BEGIN_DECLS

/* How long a wait may take before the test fails: generous, since valgrind
 * slows everything down twentyfold. */
#define TEST_TIMEOUT_MS 20000

typedef gboolean (*TestCondition) (gpointer data);

/* Iterates @context until @condition holds; fails the test at the deadline. */
void     test_wait_for         (GMainContext  *context,
                                TestCondition  condition,
                                gpointer       data);
/* Iterates @context for @ms without waiting for anything in particular. */
void     test_spin             (GMainContext  *context,
                                guint          ms);

/* A one-shot gate a task function can wait on. */
typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean open;
  int      waiting;
} TestGate;

void     test_gate_init        (TestGate      *gate);
void     test_gate_clear       (TestGate      *gate);
void     test_gate_open        (TestGate      *gate);
void     test_gate_wait        (TestGate      *gate);
gboolean test_gate_has_waiter  (gpointer       gate);

/* Records the thread every manager-side callback runs on. */
typedef struct
{
  GThread *owner;        /* the thread that must run every callback */
  gboolean in_submit;    /* set around submit calls: callbacks must not see it */
  guint    n_calls;
  guint    n_wrong_thread;
  guint    n_inline;
} TestThreadCheck;

void     test_thread_check     (TestThreadCheck *check);

TaskerTaskOptions *test_options_counting_done (guint *n_done);

gboolean test_task_is_final    (gpointer       task);
gboolean test_task_is_running  (gpointer       task);

G_END_DECLS
