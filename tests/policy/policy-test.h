/* policy-test.h — helpers shared by the policy suites (retry, queues, trees,
 * trace ids)
 *
 * Header-only (static functions), so each test executable gets its own copy
 * and tests/lib stays untouched.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "tasker-test.h"

#include <string.h>

G_BEGIN_DECLS

#define TEST_ERROR (g_quark_from_static_string ("tasker-policy-test-error-quark"))

/* "<entry points module>:<symbol>" */
#define EP(symbol) TEST_ENTRY_POINTS ":" symbol

/* What a task function did, as seen from the test: a gate to hold it, and
 * how it behaves on each attempt. Shared between the pool threads and the
 * test's thread. */
typedef struct
{
  TestGate    gate;
  gboolean    gated;         /* wait at @gate before doing anything else */
  gboolean    cooperative;   /* while gated, a cancel lets it go */
  guint       gate_only;     /* when gated: only this attempt waits (0: every one) */
  guint       n_fail;        /* fail this many attempts, then succeed */
  int         value;         /* returned (as an int) on success */
  double      progress;      /* set before ending, when > 0 */
  const char *label;         /* (nullable) appended to @order when it starts */
  GPtrArray  *order;         /* (nullable) (element-type utf8) (unowned) protected by @order_lock */
  GMutex     *order_lock;    /* (nullable) (unowned) */
  int        *running;       /* (nullable) (atomic) how many such functions run now */
  int        *max_running;   /* (nullable) (atomic) the most that ever ran at once */

  int         started;       /* (atomic) how many times the function was entered */
  int         saw_cancel;    /* (atomic) it was cancelled when it went on */
  GMutex      lock;
  GArray     *start_times;   /* (element-type gint64) monotonic µs of each start, protected by @lock */
} Work;

static inline void
work_init (Work *w)
{
  memset (w, 0, sizeof *w);
  test_gate_init (&w->gate);
  g_mutex_init (&w->lock);
  w->start_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  w->value = 42;
}

static inline void
work_clear (Work *w)
{
  test_gate_clear (&w->gate);
  g_mutex_clear (&w->lock);
  g_clear_pointer (&w->start_times, g_array_unref);
}

static inline gint64
work_start_time (Work  *w,
                 guint  i)
{
  gint64 t;

  g_mutex_lock (&w->lock);
  g_assert_cmpuint (i, <, w->start_times->len);
  t = g_array_index (w->start_times, gint64, i);
  g_mutex_unlock (&w->lock);

  return t;
}

static inline int
work_started (Work *w)
{
  return g_atomic_int_get (&w->started);
}

/* A thread or coroutine function: records its start, optionally waits at
 * its gate, then fails (TEST_ERROR, code = attempt, "failure <attempt>")
 * for the first @n_fail attempts and returns @value after that. */
static inline void
work_cb (TaskerContext *context,
         gpointer       data)
{
  Work *w = data;
  gint64 now = g_get_monotonic_time ();
  int attempt;

  g_mutex_lock (&w->lock);
  g_array_append_val (w->start_times, now);
  g_mutex_unlock (&w->lock);
  attempt = g_atomic_int_add (&w->started, 1) + 1;

  if (w->label != NULL && w->order != NULL)
    {
      g_mutex_lock (w->order_lock);
      g_ptr_array_add (w->order, g_strdup (w->label));
      g_mutex_unlock (w->order_lock);
    }

  if (w->running != NULL)
    {
      int now_running = g_atomic_int_add (w->running, 1) + 1;
      int seen;

      while ((seen = g_atomic_int_get (w->max_running)) < now_running &&
             !g_atomic_int_compare_and_exchange (w->max_running, seen, now_running))
        ;
    }

  if (w->gated && (w->gate_only == 0 || w->gate_only == (guint) attempt))
    test_gate_wait (&w->gate, w->cooperative ? tasker_context_get_cancellable (context) : NULL);

  if (tasker_context_is_cancelled (context))
    g_atomic_int_inc (&w->saw_cancel);

  if (w->progress > 0)
    tasker_context_set_progress (context, w->progress);

  if (w->running != NULL)
    g_atomic_int_add (w->running, -1);

  if ((guint) attempt <= w->n_fail)
    {
      tasker_context_return_new_error (context, TEST_ERROR, attempt, "failure %d", attempt);
    }
  else
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, w->value);
      tasker_context_return_value (context, &value);
    }
}

/* Options that report to the fixture's recorder, for one task's policies. */
static inline TaskerTaskOptions *
policy_options (TestFixture *f)
{
  return test_recorder_options (&f->rec);
}

/* Submits a thread task, expecting it to be accepted. */
static inline TaskerTask *
run_work (TestFixture       *f,
          const char        *key,
          TaskerTaskOptions *options,
          Work              *w)
{
  return test_run_thread (f->manager, key, options, work_cb, w);
}

static inline void
assert_str_has_prefix (const char *str,
                       const char *prefix)
{
  if (str == NULL || !g_str_has_prefix (str, prefix))
    {
      g_autofree char *msg = g_strdup_printf ("“%s” does not start with “%s”", str, prefix);
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg);
    }
}

static inline void
assert_str_contains (const char *str,
                     const char *part)
{
  if (str == NULL || strstr (str, part) == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("“%s” does not contain “%s”", str, part);
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg);
    }
}

static inline void
log_task_error (TaskerTask *task)
{
  const GError *error = tasker_task_get_error (task);

  if (error != NULL)
    g_test_message ("task %" G_GUINT64_FORMAT " ended %s: %s (%s, %d)",
                    tasker_task_get_id (task),
                    test_status_name (tasker_task_get_status (task)),
                    error->message, g_quark_to_string (error->domain), error->code);
}

/* A COMPLETED task whose result is the int @value. */
static inline void
assert_completed_int (TaskerTask *task,
                      int         value)
{
  g_auto(GValue) result = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  log_task_error (task);
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_true (tasker_task_propagate_value (task, &result, &error));
  g_assert_no_error (error);
  g_assert_true (G_VALUE_HOLDS_INT (&result));
  g_assert_cmpint (g_value_get_int (&result), ==, value);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 1.0);
}

/* A FAILED task with this error (exact message when @message is given). */
static inline void
assert_failed (TaskerTask *task,
               GQuark      domain,
               int         code,
               const char *message)
{
  const GError *error = tasker_task_get_error (task);

  log_task_error (task);
  test_assert_status (task, TASKER_TASK_STATUS_FAILED);
  g_assert_nonnull (error);
  g_assert_cmpstr (g_quark_to_string (error->domain), ==, g_quark_to_string (domain));
  g_assert_cmpint (error->code, ==, code);
  if (message != NULL)
    g_assert_cmpstr (error->message, ==, message);
}

static inline void
assert_cancelled (TaskerTask *task)
{
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  log_task_error (task);
  test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_error (tasker_task_get_error (task), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (tasker_task_propagate_value (task, &value, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Counts the manager's task-started and task-finished emissions, per task. */
typedef struct
{
  GHashTable *started;   /* (element-type guint64 guint) task id → emissions */
  GHashTable *finished;  /* (element-type guint64 guint) */
  GArray     *started_attempts;  /* (element-type guint) get_attempt() at each task-started */
  TaskerManager *manager;
} Signals;

static inline void
signals_bump (GHashTable *table,
              TaskerTask *task)
{
  guint64 *id = g_new (guint64, 1);
  guint n;

  *id = tasker_task_get_id (task);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (table, id));
  g_hash_table_replace (table, id, GUINT_TO_POINTER (n + 1));
}

static inline void
signals_started_cb (TaskerManager *manager,
                    TaskerTask    *task,
                    Signals       *s)
{
  guint attempt = tasker_task_get_attempt (task);

  signals_bump (s->started, task);
  g_array_append_val (s->started_attempts, attempt);
}

static inline void
signals_finished_cb (TaskerManager *manager,
                     TaskerTask    *task,
                     Signals       *s)
{
  signals_bump (s->finished, task);
}

static inline void
signals_init (Signals       *s,
              TaskerManager *manager)
{
  s->manager = manager;
  s->started = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  s->finished = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  s->started_attempts = g_array_new (FALSE, FALSE, sizeof (guint));
  g_signal_connect (manager, "task-started", G_CALLBACK (signals_started_cb), s);
  g_signal_connect (manager, "task-finished", G_CALLBACK (signals_finished_cb), s);
}

static inline void
signals_clear (Signals *s)
{
  g_signal_handlers_disconnect_by_data (s->manager, s);
  g_clear_pointer (&s->started, g_hash_table_unref);
  g_clear_pointer (&s->finished, g_hash_table_unref);
  g_clear_pointer (&s->started_attempts, g_array_unref);
}

static inline guint
signals_count (GHashTable *table,
               TaskerTask *task)
{
  guint64 id = tasker_task_get_id (task);

  return GPOINTER_TO_UINT (g_hash_table_lookup (table, &id));
}

#define signals_n_started(s, task)  signals_count ((s)->started, (task))
#define signals_n_finished(s, task) signals_count ((s)->finished, (task))

G_END_DECLS
