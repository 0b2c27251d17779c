/* tasker-test.h — helpers shared by the library's GTest suites
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "config.h"

#include <tasker.h>

#include "tasker-manager-private.h"

G_BEGIN_DECLS

/* Scaling, so the suites stay fast under valgrind (TASKER_UNDER_VALGRIND=1,
 * set by the valgrind test setup). */
gboolean test_under_valgrind   (void);
guint    test_scale            (guint         n);
guint    test_timeout_ms       (void);
guint    test_slack_ms         (guint         ms);

/* Waiting with deadlines, never with bare sleeps: the context is iterated
 * (waking at least every few milliseconds, since other threads change the
 * conditions without waking it) until the condition holds. */
typedef gboolean (*TestCondFunc) (gpointer data);

void     test_iterate          (GMainContext *context);
gboolean test_try_wait_for     (GMainContext *context,
                                TestCondFunc  cond,
                                gpointer      data,
                                guint         timeout_ms);
void     test_wait_for         (GMainContext *context,
                                TestCondFunc  cond,
                                gpointer      data,
                                guint         timeout_ms);
/* Iterates @context for @ms: only to check that something does NOT happen. */
void     test_spin_for         (GMainContext *context,
                                guint         ms);

/* Iterates @context until @expr holds; fails the test at the deadline. */
#define TEST_WAIT_UNTIL(context, expr)                                              \
  G_STMT_START {                                                                    \
    gint64 test_wait_deadline_ = g_get_monotonic_time ()                            \
                                 + (gint64) test_timeout_ms () * 1000;              \
    while (!(expr))                                                                 \
      {                                                                             \
        if (g_get_monotonic_time () > test_wait_deadline_)                          \
          {                                                                         \
            g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,       \
                                 "timed out waiting for: " #expr);                  \
            break;                                                                  \
          }                                                                         \
        test_iterate (context);                                                     \
      }                                                                             \
  } G_STMT_END

/* Iterates @context until @expr holds or @ms ran out; evaluates to @expr. */
#define TEST_TRY_WAIT_UNTIL(context, expr, ms)                                      \
  ({                                                                                \
    gint64 test_try_deadline_ = g_get_monotonic_time () + (gint64) (ms) * 1000;     \
    while (!(expr) && g_get_monotonic_time () <= test_try_deadline_)                \
      test_iterate (context);                                                       \
    (expr);                                                                         \
  })

/* A gate task functions wait on, so they stay running without sleeping. */
typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean open;       /* protected by @mutex */
  guint    n_waiting;  /* protected by @mutex */
  guint    n_arrived;  /* protected by @mutex */
} TestGate;

void     test_gate_init        (TestGate     *gate);
void     test_gate_clear       (TestGate     *gate);
void     test_gate_open        (TestGate     *gate);
/* Blocks until the gate opens, or until @cancellable (nullable) fires.
 * Returns TRUE if the gate opened; aborts the test at the deadline. */
gboolean test_gate_wait        (TestGate     *gate,
                                GCancellable *cancellable);
guint    test_gate_get_waiting (TestGate     *gate);
guint    test_gate_get_arrived (TestGate     *gate);
/* Counts an arrival without waiting. */
void     test_gate_arrive      (TestGate     *gate);
/* Block the calling thread (without iterating any context) until @n
 * functions wait at, or arrived at, the gate; fail at the test deadline. */
void     test_gate_block_until_waiting (TestGate *gate,
                                        guint     n);
void     test_gate_block_until_arrived (TestGate *gate,
                                        guint     n);

/* Submitting through these marks the calling thread as "inside a submit
 * call", so callbacks can check they never run inline. */
gboolean    test_in_submit          (void);
void        test_submit_begin       (void);
void        test_submit_end         (void);
TaskerTask *test_run_thread         (TaskerManager     *manager,
                                     const char        *key,
                                     TaskerTaskOptions *options,
                                     TaskerThreadFunc   func,
                                     gpointer           data);
TaskerTask *test_add_coroutine      (TaskerManager      *manager,
                                     const char         *key,
                                     TaskerTaskOptions  *options,
                                     TaskerCoroutineFunc func,
                                     gpointer            data);

/* Records done and event callbacks, checking each runs on @owner and never
 * inside a submit call, and that a task's final state is readable in its done
 * callback. Safe to read from any thread. */
typedef struct
{
  GMutex     lock;
  GThread   *owner;            /* (nullable): the thread callbacks must run on */
  GArray    *done;             /* (element-type guint64) task ids in done order, protected by @lock */
  GPtrArray *trace;            /* (element-type utf8) "event <id> <name>" / "done <id>", protected by @lock */
  guint      n_wrong_thread;   /* protected by @lock */
  guint      n_inline;         /* protected by @lock */
  guint      n_bad_state;      /* protected by @lock */
} TestRecorder;

void               test_recorder_init       (TestRecorder *rec,
                                             GThread      *owner);
void               test_recorder_clear      (TestRecorder *rec);
TaskerTaskOptions *test_recorder_options    (TestRecorder *rec);
guint              test_recorder_n_done     (TestRecorder *rec);
guint              test_recorder_done_count (TestRecorder *rec,
                                             TaskerTask   *task);
gboolean           test_recorder_is_done    (TestRecorder *rec,
                                             TaskerTask   *task);
/* Index of @line in the trace, or -1. */
int                test_recorder_find       (TestRecorder *rec,
                                             const char   *line);
void               test_recorder_assert_ok  (TestRecorder *rec);

#define test_assert_status(task, expected)                                          \
  g_assert_cmpstr (test_status_name (tasker_task_get_status (task)), ==,            \
                   test_status_name (expected))

const char *test_status_name (TaskerTaskStatus status);

gboolean test_task_is_final   (gpointer task);
gboolean test_task_is_running (gpointer task);

/* Done options that count the done callbacks in *@n_done (main thread only). */
TaskerTaskOptions *test_options_counting_done (guint *n_done);

/* Counts the calls a test makes it check, with those made off @owner or while
 * the test had @in_submit set (around its submit calls). Main thread only. */
typedef struct
{
  GThread *owner;        /* the thread that must run every callback */
  gboolean in_submit;    /* set around submit calls: callbacks must not see it */
  guint    n_calls;
  guint    n_wrong_thread;
  guint    n_inline;
} TestThreadCheck;

void     test_thread_check    (TestThreadCheck *check);

/* Waits until @manager settled (wait_until_settled with the test deadline). */
void     test_settle          (TaskerManager *manager);
/* Waits until @object is finalized, after dropping @object's last reference. */
void     test_unref_and_wait  (GMainContext  *context,
                               gpointer       object);

/* A private main context (pushed as thread-default), a manager bound to it,
 * and a recorder with options that report to it. Teardown waits until the
 * manager settled, checks the recorder and that the manager is finalized. */
typedef struct
{
  GMainContext      *context;
  TaskerManager     *manager;
  TestRecorder       rec;
  TaskerTaskOptions *options;
} TestFixture;

void     test_fixture_setup    (TestFixture   *f,
                                gconstpointer  data);
void     test_fixture_teardown (TestFixture   *f,
                                gconstpointer  data);

#define TEST_ADD(path, func) \
  g_test_add ((path), TestFixture, NULL, test_fixture_setup, (func), test_fixture_teardown)

/* From the thread that runs @f->context: flushes @context and waits for a
 * dispatch of the manager that began after the flush, so what @context set is
 * delivered (or was ignored). */
void     test_flush_and_wait   (TestFixture   *f,
                                TaskerContext *context);

/* A coroutine function that hands its context out: data is a TaskerContext**
 * that receives a new reference. The task ends when the test returns. */
void     test_capture_context_cb (TaskerContext *context,
                                  gpointer       data);

/* Times for the schedule tests, in µs since the epoch. "2026-03-29 04:00:00"
 * is that wall time in @tz (its first occurrence); "2026-10-25 03:30:00 +0200"
 * carries its own offset. Formatting gives "2026-03-29 04:00:00 +0300", or
 * "never" for 0. */
gint64   test_parse_time       (GTimeZone    *tz,
                                const char   *text);
char    *test_format_time      (GTimeZone    *tz,
                                gint64        us);

G_END_DECLS
