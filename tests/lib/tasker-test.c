/* tasker-test.c — helpers shared by the library's GTest suites
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "tasker-test.h"

#include <stdio.h>
#include <string.h>

gboolean
test_under_valgrind (void)
{
  /* Not cached in a static: task threads call it too (a data race). */
  return g_strcmp0 (g_getenv ("TASKER_UNDER_VALGRIND"), "1") == 0;
}

guint
test_scale (guint n)
{
  if (test_under_valgrind ())
    return MAX (1, n / 20);

  return n;
}

guint
test_timeout_ms (void)
{
  return test_under_valgrind () ? 120 * 1000 : 10 * 1000;
}

guint
test_slack_ms (guint ms)
{
  return test_under_valgrind () ? ms * 20 : ms;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
test_iterate (GMainContext *context)
{
  /* Conditions are often changed by other threads, which do not wake the
   * context: never block for more than a few milliseconds. */
  GSource *tick = g_timeout_source_new (2);

  g_source_set_callback (tick, tick_cb, NULL, NULL);
  g_source_attach (tick, context);
  g_main_context_iteration (context, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
}

gboolean
test_try_wait_for (GMainContext *context,
                   TestCondFunc  cond,
                   gpointer      data,
                   guint         timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        return cond (data);
      test_iterate (context);
    }

  return TRUE;
}

void
test_wait_for (GMainContext *context,
               TestCondFunc  cond,
               gpointer      data,
               guint         timeout_ms)
{
  if (!test_try_wait_for (context, cond, data, timeout_ms))
    g_error ("condition not met within %u ms", timeout_ms);
}

void
test_spin_for (GMainContext *context,
               guint         ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    test_iterate (context);
}

void
test_gate_init (TestGate *gate)
{
  g_mutex_init (&gate->mutex);
  g_cond_init (&gate->cond);
  gate->open = FALSE;
  gate->n_waiting = 0;
  gate->n_arrived = 0;
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

static void
gate_cancelled_cb (GCancellable *cancellable,
                   TestGate     *gate)
{
  g_mutex_lock (&gate->mutex);
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->mutex);
}

gboolean
test_gate_wait (TestGate     *gate,
                GCancellable *cancellable)
{
  /* Longer than the test's own waits, which fail with a better message. */
  gint64 deadline = g_get_monotonic_time () + (gint64) test_timeout_ms () * 2 * 1000;
  gulong handler = 0;
  gboolean opened;

  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (gate_cancelled_cb), gate, NULL);

  g_mutex_lock (&gate->mutex);
  gate->n_waiting++;
  gate->n_arrived++;
  g_cond_broadcast (&gate->cond);
  while (!gate->open &&
         !(cancellable != NULL && g_cancellable_is_cancelled (cancellable)))
    {
      /* A gate left shut is a broken test or a hung library: say so. */
      if (!g_cond_wait_until (&gate->cond, &gate->mutex, deadline))
        g_error ("a task function waited at a test gate for %u ms", test_timeout_ms () * 2);
    }
  opened = gate->open;
  gate->n_waiting--;
  g_mutex_unlock (&gate->mutex);

  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);

  return opened;
}

guint
test_gate_get_waiting (TestGate *gate)
{
  guint n;

  g_mutex_lock (&gate->mutex);
  n = gate->n_waiting;
  g_mutex_unlock (&gate->mutex);

  return n;
}

guint
test_gate_get_arrived (TestGate *gate)
{
  guint n;

  g_mutex_lock (&gate->mutex);
  n = gate->n_arrived;
  g_mutex_unlock (&gate->mutex);

  return n;
}

void
test_gate_arrive (TestGate *gate)
{
  g_mutex_lock (&gate->mutex);
  gate->n_arrived++;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->mutex);
}

static void
gate_block_until (TestGate *gate,
                  guint    *counter,
                  guint     n)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) test_timeout_ms () * 1000;
  guint reached;

  g_mutex_lock (&gate->mutex);
  while (*counter < n)
    if (!g_cond_wait_until (&gate->cond, &gate->mutex, deadline))
      break;
  reached = *counter;
  g_mutex_unlock (&gate->mutex);

  g_assert_cmpuint (reached, >=, n);
}

void
test_gate_block_until_waiting (TestGate *gate,
                               guint     n)
{
  gate_block_until (gate, &gate->n_waiting, n);
}

void
test_gate_block_until_arrived (TestGate *gate,
                               guint     n)
{
  gate_block_until (gate, &gate->n_arrived, n);
}

static GPrivate in_submit;

gboolean
test_in_submit (void)
{
  return g_private_get (&in_submit) != NULL;
}

void
test_submit_begin (void)
{
  g_assert_false (test_in_submit ());
  g_private_set (&in_submit, GINT_TO_POINTER (TRUE));
}

void
test_submit_end (void)
{
  g_private_set (&in_submit, NULL);
}

TaskerTask *
test_run_thread (TaskerManager     *manager,
                 const char        *key,
                 TaskerTaskOptions *options,
                 TaskerThreadFunc   func,
                 gpointer           data)
{
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  test_submit_begin ();
  task = tasker_manager_run_thread (manager, key, options, func, data, NULL, &error);
  test_submit_end ();

  g_assert_no_error (error);
  g_assert_true (TASKER_IS_TASK (task));

  return task;
}

TaskerTask *
test_add_coroutine (TaskerManager      *manager,
                    const char         *key,
                    TaskerTaskOptions  *options,
                    TaskerCoroutineFunc func,
                    gpointer            data)
{
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  test_submit_begin ();
  task = tasker_manager_run_coroutine (manager, key, options, func, data, NULL, &error);
  test_submit_end ();

  g_assert_no_error (error);
  g_assert_true (TASKER_IS_TASK (task));

  return task;
}

void
test_recorder_init (TestRecorder *rec,
                    GThread      *owner)
{
  g_mutex_init (&rec->lock);
  rec->owner = owner;
  rec->done = g_array_new (FALSE, FALSE, sizeof (guint64));
  rec->trace = g_ptr_array_new_with_free_func (g_free);
  rec->n_wrong_thread = 0;
  rec->n_inline = 0;
  rec->n_bad_state = 0;
}

void
test_recorder_clear (TestRecorder *rec)
{
  g_clear_pointer (&rec->done, g_array_unref);
  g_clear_pointer (&rec->trace, g_ptr_array_unref);
  g_mutex_clear (&rec->lock);
}

/* What must hold when a task's done callback runs. */
static gboolean
final_state_is_readable (TaskerTask *task)
{
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  const GError *task_error = tasker_task_get_error (task);
  gboolean ok;

  if (!tasker_task_is_final (task))
    return FALSE;

  ok = tasker_task_propagate_value (task, &value, &error);

  switch (tasker_task_get_status (task))
    {
    case TASKER_TASK_STATUS_COMPLETED:
      return ok && error == NULL && task_error == NULL && tasker_task_get_progress (task) == 1.0;

    case TASKER_TASK_STATUS_CANCELLED:
      return !ok && task_error != NULL &&
             g_error_matches (task_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
             g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

    case TASKER_TASK_STATUS_FAILED:
      return !ok && task_error != NULL && error != NULL &&
             error->domain == task_error->domain && error->code == task_error->code;

    case TASKER_TASK_STATUS_PENDING:
    case TASKER_TASK_STATUS_RUNNING:
    default:
      return FALSE;
    }
}

static void
check_callback_locked (TestRecorder *rec)
{
  if (rec->owner != NULL && g_thread_self () != rec->owner)
    rec->n_wrong_thread++;
  if (test_in_submit ())
    rec->n_inline++;
}

static void
recorder_done_cb (TaskerTask *task,
                  gpointer    user_data)
{
  TestRecorder *rec = user_data;
  gboolean readable = final_state_is_readable (task);
  guint64 id = tasker_task_get_id (task);

  g_mutex_lock (&rec->lock);
  check_callback_locked (rec);
  if (!readable)
    rec->n_bad_state++;
  g_array_append_val (rec->done, id);
  g_ptr_array_add (rec->trace, g_strdup_printf ("done %" G_GUINT64_FORMAT, id));
  g_mutex_unlock (&rec->lock);
}

static void
recorder_event_cb (TaskerTask *task,
                   const char *name,
                   GVariant   *data,
                   gpointer    user_data)
{
  TestRecorder *rec = user_data;
  g_autofree char *text = data != NULL ? g_variant_print (data, FALSE) : g_strdup ("none");

  g_mutex_lock (&rec->lock);
  check_callback_locked (rec);
  /* Events come before the end. */
  if (tasker_task_is_final (task))
    rec->n_bad_state++;
  g_ptr_array_add (rec->trace, g_strdup_printf ("event %" G_GUINT64_FORMAT " %s %s",
                                                tasker_task_get_id (task), name, text));
  g_mutex_unlock (&rec->lock);
}

TaskerTaskOptions *
test_recorder_options (TestRecorder *rec)
{
  TaskerTaskOptions *options = tasker_task_options_new ();

  tasker_task_options_set_done_func (options, recorder_done_cb, rec, NULL);
  tasker_task_options_set_event_func (options, recorder_event_cb, rec, NULL);

  return options;
}

guint
test_recorder_n_done (TestRecorder *rec)
{
  guint n;

  g_mutex_lock (&rec->lock);
  n = rec->done->len;
  g_mutex_unlock (&rec->lock);

  return n;
}

guint
test_recorder_done_count (TestRecorder *rec,
                          TaskerTask   *task)
{
  guint64 id = tasker_task_get_id (task);
  guint n = 0;

  g_mutex_lock (&rec->lock);
  for (guint i = 0; i < rec->done->len; i++)
    if (g_array_index (rec->done, guint64, i) == id)
      n++;
  g_mutex_unlock (&rec->lock);

  return n;
}

gboolean
test_recorder_is_done (TestRecorder *rec,
                       TaskerTask   *task)
{
  return test_recorder_done_count (rec, task) > 0;
}

int
test_recorder_find (TestRecorder *rec,
                    const char   *line)
{
  int found = -1;

  g_mutex_lock (&rec->lock);
  for (guint i = 0; i < rec->trace->len; i++)
    if (g_strcmp0 (g_ptr_array_index (rec->trace, i), line) == 0)
      {
        found = i;
        break;
      }
  g_mutex_unlock (&rec->lock);

  return found;
}

void
test_recorder_assert_ok (TestRecorder *rec)
{
  g_mutex_lock (&rec->lock);
  g_assert_cmpuint (rec->n_wrong_thread, ==, 0);
  g_assert_cmpuint (rec->n_inline, ==, 0);
  g_assert_cmpuint (rec->n_bad_state, ==, 0);
  g_mutex_unlock (&rec->lock);
}

const char *
test_status_name (TaskerTaskStatus status)
{
  switch (status)
    {
    case TASKER_TASK_STATUS_PENDING:
      return "PENDING";
    case TASKER_TASK_STATUS_RUNNING:
      return "RUNNING";
    case TASKER_TASK_STATUS_COMPLETED:
      return "COMPLETED";
    case TASKER_TASK_STATUS_FAILED:
      return "FAILED";
    case TASKER_TASK_STATUS_CANCELLED:
      return "CANCELLED";
    default:
      return "(invalid)";
    }
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

void
test_thread_check (TestThreadCheck *check)
{
  check->n_calls++;
  if (g_thread_self () != check->owner)
    check->n_wrong_thread++;
  if (check->in_submit)
    check->n_inline++;
}

void
test_settle (TaskerManager *manager)
{
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
}

void
test_unref_and_wait (GMainContext *context,
                     gpointer      object)
{
  gpointer weak = object;

  g_object_add_weak_pointer (G_OBJECT (object), &weak);
  g_object_unref (object);
  TEST_WAIT_UNTIL (context, weak == NULL);
}

void
test_fixture_setup (TestFixture   *f,
                    gconstpointer  data)
{
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->manager = tasker_manager_new (f->context);
  g_assert_true (tasker_manager_get_context (f->manager) == f->context);
  test_recorder_init (&f->rec, g_thread_self ());
  f->options = test_recorder_options (&f->rec);
}

void
test_fixture_teardown (TestFixture   *f,
                       gconstpointer  data)
{
  test_settle (f->manager);
  test_recorder_assert_ok (&f->rec);

  g_clear_object (&f->options);
  test_unref_and_wait (f->context, g_steal_pointer (&f->manager));
  test_recorder_clear (&f->rec);

  g_main_context_pop_thread_default (f->context);
  /* Nothing of the manager may be left attached to the context. */
  while (g_main_context_pending (f->context))
    g_main_context_iteration (f->context, FALSE);
  g_clear_pointer (&f->context, g_main_context_unref);
}

void
test_flush_and_wait (TestFixture   *f,
                     TaskerContext *context)
{
  guint64 before = _tasker_manager_get_n_wakeups (f->manager);

  tasker_context_flush (context);
  TEST_WAIT_UNTIL (f->context, _tasker_manager_get_n_wakeups (f->manager) > before);
}

void
test_capture_context_cb (TaskerContext *context,
                         gpointer       data)
{
  TaskerContext **out = data;

  g_assert_null (*out);
  *out = g_object_ref (context);
}

gint64
test_parse_time (GTimeZone  *tz,
                 const char *text)
{
  g_autoptr(GDateTime) dt = NULL;

  if (strlen (text) > 19)
    {
      g_autofree char *iso = g_strdup_printf ("%.10sT%.8s%c%.2s:%.2s", text, text + 11,
                                              text[20], text + 21, text + 23);
      dt = g_date_time_new_from_iso8601 (iso, NULL);
    }
  else
    {
      int y, mo, d, h, mi, s;

      g_assert_cmpint (sscanf (text, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s), ==, 6);
      dt = g_date_time_new (tz, y, mo, d, h, mi, s);
    }
  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

char *
test_format_time (GTimeZone *tz,
                  gint64     us)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (us == 0)
    return g_strdup ("never");
  utc = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  local = g_date_time_to_timezone (utc, tz);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S %z");
}
