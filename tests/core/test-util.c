/* test-util.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-util.h"

static gboolean
deadline_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
test_wait_for (GMainContext  *context,
               TestCondition  condition,
               gpointer       data)
{
  gboolean expired = FALSE;
  GSource *timer = g_timeout_source_new (TEST_TIMEOUT_MS);
  /* Conditions may change on other threads, which do not wake this context. */
  GSource *tick = g_timeout_source_new (5);

  g_source_set_callback (timer, deadline_cb, &expired, NULL);
  g_source_attach (timer, context);
  g_source_set_callback (tick, tick_cb, NULL, NULL);
  g_source_attach (tick, context);

  while (!condition (data) && !expired)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (tick);
  g_source_unref (tick);
  g_source_destroy (timer);
  g_source_unref (timer);

  if (!condition (data))
    g_error ("condition not met within %d ms", TEST_TIMEOUT_MS);
}

void
test_spin (GMainContext *context,
           guint         ms)
{
  gboolean expired = FALSE;
  GSource *timer = g_timeout_source_new (ms);

  g_source_set_callback (timer, deadline_cb, &expired, NULL);
  g_source_attach (timer, context);
  while (!expired)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timer);
  g_source_unref (timer);
}

void
test_gate_init (TestGate *gate)
{
  g_mutex_init (&gate->mutex);
  g_cond_init (&gate->cond);
  gate->open = FALSE;
  gate->waiting = 0;
}

void
test_gate_clear (TestGate *gate)
{
  g_mutex_clear (&gate->mutex);
  g_cond_clear (&gate->cond);
}

void
test_gate_open (TestGate *gate)
{
  g_mutex_lock (&gate->mutex);
  gate->open = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->mutex);
}

void
test_gate_wait (TestGate *gate)
{
  g_mutex_lock (&gate->mutex);
  gate->waiting++;
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->mutex);
  gate->waiting--;
  g_mutex_unlock (&gate->mutex);
}

gboolean
test_gate_has_waiter (gpointer data)
{
  TestGate *gate = data;
  gboolean waiting;

  g_mutex_lock (&gate->mutex);
  waiting = gate->waiting > 0;
  g_mutex_unlock (&gate->mutex);

  return waiting;
}

void
test_thread_check (TestThreadCheck *check)
{
  check->n_calls++;
  if (g_thread_self () != check->owner)
    check->n_wrong_thread++;
  if (check->in_submit)
    check->n_inline++;
}

static void
count_done_cb (TaskerTask *task,
               gpointer    data)
{
  g_assert_true (tasker_task_is_final (task));
  (*(guint *) data)++;
}

TaskerTaskOptions *
test_options_counting_done (guint *n_done)
{
  TaskerTaskOptions *options = tasker_task_options_new ();

  tasker_task_options_set_done_func (options, count_done_cb, n_done, NULL);

  return options;
}

gboolean
test_task_is_final (gpointer task)
{
  return tasker_task_is_final (task);
}

gboolean
test_task_is_running (gpointer task)
{
  return tasker_task_get_status (task) == TASKER_TASK_STATUS_RUNNING;
}
