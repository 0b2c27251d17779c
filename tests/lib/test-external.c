/* test-external.c — external tasks: work done elsewhere, reported through a
 * context its owner drives (DESIGN.md §9, tasker_manager_add_external)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "tasker-test.h"

#define TEST_ERROR (g_quark_from_static_string ("tasker-test-error-quark"))

/* Long enough that no test ends by the grace unless it sets its own. */
#define NO_GRACE_MS (600 * 1000)

static TaskerTask *
add_external (TestFixture       *f,
              const char        *key,
              TaskerTaskOptions *options)
{
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  test_submit_begin ();
  task = tasker_manager_add_external (f->manager, key, options, &error);
  test_submit_end ();
  g_assert_no_error (error);
  g_assert_nonnull (task);

  return task;
}

static void
return_string (TaskerContext *context,
               const char    *text)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, text);
  tasker_context_return_value (context, &value);
}

static void
count_signal_cb (TaskerManager *manager,
                 TaskerTask    *task,
                 gpointer       data)
{
  guint *n = data;

  (*n)++;
}

static gboolean
log_has (TaskerTask *task,
         const char *text)
{
  g_auto(GStrv) log = tasker_task_dup_log (task);

  for (guint i = 0; log[i] != NULL; i++)
    if (strstr (log[i], text) != NULL)
      return TRUE;
  return FALSE;
}

static void
completes_with_value (TestFixture   *f,
                      gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GValue) out = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  TaskerContext *context;
  guint n_started = 0, n_finished = 0;

  g_signal_connect (f->manager, "task-started", G_CALLBACK (count_signal_cb), &n_started);
  g_signal_connect (f->manager, "task-finished", G_CALLBACK (count_signal_cb), &n_finished);

  task = add_external (f, NULL, f->options);
  g_assert_cmpint (tasker_task_get_kind (task), ==, TASKER_TASK_KIND_EXTERNAL);
  context = tasker_task_get_context (task);
  g_assert_true (TASKER_IS_CONTEXT (context));
  g_assert_true (tasker_task_get_context (task) == context);
  /* Status changes happen on the manager's context, never inside the call. */
  test_assert_status (task, TASKER_TASK_STATUS_PENDING);

  TEST_WAIT_UNTIL (f->context, tasker_task_get_status (task) == TASKER_TASK_STATUS_RUNNING);
  g_assert_cmpuint (n_started, ==, 1);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 1);

  tasker_context_set_total (context, 4);
  tasker_context_set_progress (context, 2);
  tasker_context_set_message (context, "halfway");
  test_flush_and_wait (f, context);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 0.5);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "halfway");

  /* Running elsewhere: nothing ends it but its owner. */
  test_spin_for (f->context, 30);
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);

  return_string (context, "result");
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 1.0);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "halfway");
  g_assert_true (tasker_task_propagate_value (task, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (&out), ==, "result");

  test_settle (f->manager);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
  g_assert_cmpuint (n_started, ==, 1);
  g_assert_cmpuint (n_finished, ==, 1);
}

static void
fails_with_error (TestFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerTask) task = add_external (f, NULL, f->options);
  g_auto(GValue) out = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  TEST_WAIT_UNTIL (f->context, tasker_task_get_status (task) == TASKER_TASK_STATUS_RUNNING);
  tasker_context_return_new_error (tasker_task_get_context (task), TEST_ERROR, 7, "broken after %d steps", 3);

  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  test_assert_status (task, TASKER_TASK_STATUS_FAILED);
  g_assert_error (tasker_task_get_error (task), TEST_ERROR, 7);
  g_assert_cmpstr (tasker_task_get_error (task)->message, ==, "broken after 3 steps");
  g_assert_false (tasker_task_propagate_value (task, &out, &error));
  g_assert_error (error, TEST_ERROR, 7);
}

static gpointer
owner_thread_func (gpointer data)
{
  TaskerTask *task = data;
  TaskerContext *context = tasker_task_get_context (task);

  tasker_context_set_progress (context, 0.25);
  tasker_context_log (context, "from the owner's thread");
  tasker_context_send_event (context, "step", g_variant_new_int32 (1));
  tasker_context_send_event (context, "step", g_variant_new_int32 (2));
  return_string (context, "threaded");

  return NULL;
}

/* The owner reports and returns from a thread of its own; events arrive in
 * order before the done callback, on the manager's context. */
static void
return_from_another_thread (TestFixture   *f,
                            gconstpointer  data)
{
  g_autoptr(TaskerTask) task = add_external (f, NULL, f->options);
  g_autofree char *event1 = NULL, *event2 = NULL, *done = NULL;
  g_auto(GValue) out = G_VALUE_INIT;
  GThread *thread;
  int i1, i2, id;

  TEST_WAIT_UNTIL (f->context, tasker_task_get_status (task) == TASKER_TASK_STATUS_RUNNING);
  thread = g_thread_new ("owner", owner_thread_func, task);
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  g_thread_join (thread);

  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_true (tasker_task_propagate_value (task, &out, NULL));
  g_assert_cmpstr (g_value_get_string (&out), ==, "threaded");
  g_assert_true (log_has (task, "from the owner's thread"));

  event1 = g_strdup_printf ("event %" G_GUINT64_FORMAT " step 1", tasker_task_get_id (task));
  event2 = g_strdup_printf ("event %" G_GUINT64_FORMAT " step 2", tasker_task_get_id (task));
  done = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (task));
  i1 = test_recorder_find (&f->rec, event1);
  i2 = test_recorder_find (&f->rec, event2);
  id = test_recorder_find (&f->rec, done);
  g_assert_cmpint (i1, >=, 0);
  g_assert_cmpint (i1, <, i2);
  g_assert_cmpint (i2, <, id);
}

static void
record_status_cb (TaskerManager *manager,
                  TaskerTask    *task,
                  gpointer       data)
{
  GArray *statuses = data;
  TaskerTaskStatus status = tasker_task_get_status (task);

  g_array_append_val (statuses, status);
}

/* Reports and even the return made before the task runs are kept, and
 * applied in order once it starts. */
static void
reports_before_running (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GArray) started = g_array_new (FALSE, FALSE, sizeof (TaskerTaskStatus));
  g_autofree char *event = NULL, *done = NULL;
  TaskerContext *context;

  g_signal_connect (f->manager, "task-started", G_CALLBACK (record_status_cb), started);

  task = add_external (f, NULL, f->options);
  context = tasker_task_get_context (task);
  tasker_context_set_progress (context, 0.25);
  tasker_context_set_message (context, "early");
  tasker_context_log (context, "early line");
  tasker_context_send_event (context, "early", NULL);
  return_string (context, "early result");
  test_assert_status (task, TASKER_TASK_STATUS_PENDING);

  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
  g_assert_cmpuint (started->len, ==, 1);
  g_assert_cmpint (g_array_index (started, TaskerTaskStatus, 0), ==, TASKER_TASK_STATUS_RUNNING);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 1);
  g_assert_cmpint (tasker_task_get_started_time (task), >, 0);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "early");
  g_assert_true (log_has (task, "early line"));
  event = g_strdup_printf ("event %" G_GUINT64_FORMAT " early none", tasker_task_get_id (task));
  done = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (task));
  g_assert_cmpint (test_recorder_find (&f->rec, event), >=, 0);
  g_assert_cmpint (test_recorder_find (&f->rec, event), <, test_recorder_find (&f->rec, done));
}

static void
count_cancelled_cb (GCancellable *cancellable,
                    gpointer      data)
{
  guint *n = data;

  (*n)++;
}

/* A cancel sets is_cancelled and fires the cancellable; the task stays
 * RUNNING until its owner ends it, and then ends CANCELLED whatever the
 * owner returned (data: 0 a value, 1 an error). */
static void
cancel_waits_for_owner (TestFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_auto(GValue) out = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  TaskerContext *context;
  GCancellable *cancellable;
  guint n_fired = 0;

  tasker_manager_set_cancel_grace (f->manager, NO_GRACE_MS);
  task = add_external (f, NULL, f->options);
  context = tasker_task_get_context (task);
  cancellable = tasker_context_get_cancellable (context);
  g_signal_connect (cancellable, "cancelled", G_CALLBACK (count_cancelled_cb), &n_fired);
  TEST_WAIT_UNTIL (f->context, tasker_task_get_status (task) == TASKER_TASK_STATUS_RUNNING);
  g_assert_false (tasker_context_is_cancelled (context));

  tasker_task_cancel (task);
  g_assert_true (tasker_context_is_cancelled (context));
  g_assert_true (g_cancellable_is_cancelled (cancellable));
  g_assert_cmpuint (n_fired, ==, 1);

  test_spin_for (f->context, 50);
  test_assert_status (task, TASKER_TASK_STATUS_RUNNING);
  g_assert_false (test_recorder_is_done (&f->rec, task));

  tasker_context_set_message (context, "stopping");
  if (GPOINTER_TO_INT (data) == 0)
    return_string (context, "done anyway");
  else
    tasker_context_return_new_error (context, TEST_ERROR, 3, "gave up");

  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_error (tasker_task_get_error (task), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (tasker_task_propagate_value (task, &out, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "stopping");
  g_assert_cmpuint (n_fired, ==, 1);
}

/* Cancelled before it ran, it ends at once as a pending task does (no
 * grace, never RUNNING); its owner's return, before or after, changes
 * nothing (data: 0 the owner returns after the end, 1 before it). */
static void
cancel_before_running (TestFixture   *f,
                       gconstpointer  data)
{
  gboolean returns_first = GPOINTER_TO_INT (data);
  g_autoptr(TaskerTask) task = NULL;
  TaskerContext *context;
  guint n_started = 0;

  tasker_manager_set_cancel_grace (f->manager, NO_GRACE_MS);
  g_signal_connect (f->manager, "task-started", G_CALLBACK (count_signal_cb), &n_started);
  task = add_external (f, NULL, f->options);
  context = tasker_task_get_context (task);
  tasker_task_cancel (task);
  g_assert_true (tasker_context_is_cancelled (context));
  if (returns_first)
    return_string (context, "early");

  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_error (tasker_task_get_error (task), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (n_started, ==, 0);
  if (!returns_first)
    return_string (context, "late");
  test_spin_for (f->context, 20);
  test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
}

/* Nothing the owner does after the end changes the task. */
static void
assert_late_calls_change_nothing (TestFixture   *f,
                                  TaskerTask    *task,
                                  TaskerContext *context,
                                  gboolean       may_return)
{
  TaskerTaskStatus status = tasker_task_get_status (task);
  double progress = tasker_task_get_progress (task);
  g_autofree char *message = g_strdup (tasker_task_get_message (task));
  g_auto(GStrv) log = tasker_task_dup_log (task);
  g_auto(GStrv) log_after = NULL;
  guint n_trace = f->rec.trace->len;

  tasker_context_set_total (context, 10);
  tasker_context_set_progress (context, 3);
  tasker_context_set_message (context, "late message");
  tasker_context_log (context, "late line");
  tasker_context_send_event (context, "late", NULL);
  if (may_return)
    return_string (context, "late result");
  test_flush_and_wait (f, context);
  test_spin_for (f->context, 20);

  g_assert_cmpint (tasker_task_get_status (task), ==, status);
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, progress);
  g_assert_cmpstr (tasker_task_get_message (task), ==, message);
  log_after = tasker_task_dup_log (task);
  g_assert_cmpstrv (log_after, log);
  g_assert_cmpuint (f->rec.trace->len, ==, n_trace);
  g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);
}

/* With no owner to end it, the task ends CANCELLED once the manager's
 * cancel-grace has passed; the owner's late return is dropped quietly. */
static void
grace_ends_task (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  TaskerContext *context;
  gint64 cancelled_at;

  tasker_manager_set_cancel_grace (f->manager, 200);
  task = add_external (f, NULL, f->options);
  context = tasker_task_get_context (task);
  tasker_context_set_message (context, "working");
  TEST_WAIT_UNTIL (f->context, tasker_task_get_status (task) == TASKER_TASK_STATUS_RUNNING);

  cancelled_at = g_get_monotonic_time ();
  tasker_task_cancel (task);
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  g_assert_cmpint (g_get_monotonic_time () - cancelled_at, >=, 200 * 1000);
  test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_error (tasker_task_get_error (task), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "working");
  g_assert_true (tasker_context_is_cancelled (context));

  assert_late_calls_change_nothing (f, task, context, TRUE);
}

static void
late_calls_after_completion (TestFixture   *f,
                             gconstpointer  data)
{
  g_autoptr(TaskerTask) task = add_external (f, NULL, f->options);
  TaskerContext *context = tasker_task_get_context (task);

  tasker_context_set_message (context, "last");
  tasker_context_log (context, "a line");
  return_string (context, "value");
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);

  /* A second return is the owner's mistake, not a late one: not tried. */
  assert_late_calls_change_nothing (f, task, context, FALSE);
}

/* A newer task with the key cancels the live one, which ends when its owner
 * stops. */
static void
key_replacement (TestFixture   *f,
                 gconstpointer  data)
{
  g_autoptr(TaskerTask) old = NULL;
  g_autoptr(TaskerTask) newer = NULL;
  g_autoptr(TaskerTask) found = NULL;

  tasker_manager_set_cancel_grace (f->manager, NO_GRACE_MS);
  old = add_external (f, "upload", f->options);
  TEST_WAIT_UNTIL (f->context, tasker_task_get_status (old) == TASKER_TASK_STATUS_RUNNING);
  newer = add_external (f, "upload", f->options);
  g_assert_true (tasker_context_is_cancelled (tasker_task_get_context (old)));
  g_assert_false (tasker_context_is_cancelled (tasker_task_get_context (newer)));

  found = tasker_manager_dup_task (f->manager, "upload");
  g_assert_true (found == newer);
  TEST_WAIT_UNTIL (f->context, tasker_task_get_status (newer) == TASKER_TASK_STATUS_RUNNING);
  test_assert_status (old, TASKER_TASK_STATUS_RUNNING);

  return_string (tasker_task_get_context (old), "old");
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, old));
  test_assert_status (old, TASKER_TASK_STATUS_CANCELLED);
  g_assert_nonnull (strstr (tasker_task_get_error (old)->message, "Replaced by a newer task"));

  g_assert_true (tasker_manager_cancel_task (f->manager, "upload"));
  tasker_context_return_error_if_cancelled (tasker_task_get_context (newer));
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, newer));
  test_assert_status (newer, TASKER_TASK_STATUS_CANCELLED);
}

static TaskerTaskOptions *
child_options (TestFixture *f,
               TaskerTask  *parent)
{
  TaskerTaskOptions *options = test_recorder_options (&f->rec);

  tasker_task_options_set_parent (options, parent);
  return options;
}

/* An external child is cancelled with its (external) parent. */
static void
cancel_cascades_to_child (TestFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  g_autoptr(TaskerTaskOptions) options = NULL;
  TaskerContext *child_context;

  tasker_manager_set_cancel_grace (f->manager, NO_GRACE_MS);
  parent = add_external (f, NULL, f->options);
  options = child_options (f, parent);
  child = add_external (f, NULL, options);
  g_assert_true (tasker_task_get_parent (child) == parent);
  child_context = tasker_task_get_context (child);
  TEST_WAIT_UNTIL (f->context, tasker_task_get_status (child) == TASKER_TASK_STATUS_RUNNING);

  tasker_task_cancel (parent);
  g_assert_true (tasker_context_is_cancelled (child_context));
  g_assert_true (g_cancellable_is_cancelled (tasker_context_get_cancellable (child_context)));

  /* The parent's owner stops first: the parent still waits for its child. */
  return_string (tasker_task_get_context (parent), "parent");
  test_spin_for (f->context, 30);
  test_assert_status (parent, TASKER_TASK_STATUS_RUNNING);
  test_assert_status (child, TASKER_TASK_STATUS_RUNNING);

  return_string (child_context, "child");
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, parent));
  test_assert_status (child, TASKER_TASK_STATUS_CANCELLED);
  test_assert_status (parent, TASKER_TASK_STATUS_CANCELLED);
}

/* An external parent ends only after its children; a failed child fails
 * it, unless it opts out (data: ignore-child-failures). */
static void
parent_waits_for_child (TestFixture   *f,
                        gconstpointer  data)
{
  gboolean ignore = GPOINTER_TO_INT (data);
  g_autoptr(TaskerTaskOptions) parent_options = test_recorder_options (&f->rec);
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) child = NULL;
  g_autofree char *child_done = NULL, *parent_done = NULL;

  tasker_task_options_set_ignore_child_failures (parent_options, ignore);
  parent = add_external (f, NULL, parent_options);
  options = child_options (f, parent);
  child = add_external (f, NULL, options);
  TEST_WAIT_UNTIL (f->context, tasker_task_get_status (child) == TASKER_TASK_STATUS_RUNNING);

  return_string (tasker_task_get_context (parent), "parent");
  test_spin_for (f->context, 30);
  test_assert_status (parent, TASKER_TASK_STATUS_RUNNING);

  tasker_context_return_new_error (tasker_task_get_context (child), TEST_ERROR, 5, "child broke");
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, parent));
  test_assert_status (child, TASKER_TASK_STATUS_FAILED);
  child_done = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (child));
  parent_done = g_strdup_printf ("done %" G_GUINT64_FORMAT, tasker_task_get_id (parent));
  g_assert_cmpint (test_recorder_find (&f->rec, child_done), <, test_recorder_find (&f->rec, parent_done));
  if (ignore)
    test_assert_status (parent, TASKER_TASK_STATUS_COMPLETED);
  else
    {
      test_assert_status (parent, TASKER_TASK_STATUS_FAILED);
      g_assert_error (tasker_task_get_error (parent), TASKER_ERROR, TASKER_ERROR_FAILED);
      g_assert_nonnull (strstr (tasker_task_get_error (parent)->message, "child broke"));
    }
}

typedef enum {
  REFUSE_QUEUE,
  REFUSE_MAX_ATTEMPTS,
  REFUSE_START_AT,
  REFUSE_START_DELAY,
  REFUSE_AFTER,
  REFUSE_WORKER,
  REFUSE_DURABLE,
  N_REFUSED,
} Refused;

/* Options that cannot apply to work done elsewhere are refused at the call,
 * with a message naming the option. */
static void
refused_options (TestFixture   *f,
                 gconstpointer  data)
{
  static const char * const names[N_REFUSED] = {
    "“queue”", "“max-attempts”", "“start-at”", "“start-delay-ms”", "“after”", "“worker”", "“durable”",
  };
  g_autoptr(TaskerTask) other = add_external (f, NULL, NULL);

  for (Refused r = 0; r < N_REFUSED; r++)
    {
      g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
      g_autoptr(GError) error = NULL;
      const char *worker[] = { "/bin/true", NULL };
      TaskerTask *task;

      switch (r)
        {
        case REFUSE_QUEUE: tasker_task_options_set_queue (options, "q"); break;
        case REFUSE_MAX_ATTEMPTS: tasker_task_options_set_max_attempts (options, 3); break;
        case REFUSE_START_AT: tasker_task_options_set_start_at (options, g_get_real_time () + G_USEC_PER_SEC); break;
        case REFUSE_START_DELAY: tasker_task_options_set_start_delay_ms (options, 100); break;
        case REFUSE_AFTER: tasker_task_options_add_after (options, other); break;
        case REFUSE_WORKER: tasker_task_options_set_worker (options, worker); break;
        case REFUSE_DURABLE: tasker_task_options_set_durable (options, TRUE); break;
        case N_REFUSED:
        default: g_assert_not_reached ();
        }

      task = tasker_manager_add_external (f->manager, NULL, options, &error);
      g_assert_null (task);
      g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, names[r]));
      g_assert_nonnull (strstr (error->message, "external task"));
    }

  /* Allowed: a timeout, a name, a priority; one attempt. */
  {
    g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
    g_autoptr(TaskerTask) task = NULL;

    tasker_task_options_set_name (options, "backup");
    tasker_task_options_set_timeout_ms (options, 60000);
    tasker_task_options_set_max_attempts (options, 1);
    task = add_external (f, NULL, options);
    g_assert_cmpstr (tasker_task_get_name (task), ==, "backup");
    return_string (tasker_task_get_context (task), "ok");
  }

  return_string (tasker_task_get_context (other), "ok");
}

/* The manager's defaults are for its own work: a default queue or retry
 * never reaches an external task. */
static void
defaults_do_not_apply (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) defaults = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;

  tasker_task_options_set_queue (defaults, "narrow");
  tasker_task_options_set_max_attempts (defaults, 3);
  tasker_manager_configure_queue (f->manager, "narrow", 1, 1);
  tasker_manager_set_default_options (f->manager, defaults);

  task = add_external (f, NULL, f->options);
  tasker_context_return_new_error (tasker_task_get_context (task), TEST_ERROR, 1, "once");
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  test_assert_status (task, TASKER_TASK_STATUS_FAILED);
  g_assert_cmpuint (tasker_task_get_attempt (task), ==, 1);
}

static void
refused_at_submit (TestFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(TaskerManager) other_manager = tasker_manager_new (f->context);
  g_autoptr(TaskerTask) ended = add_external (f, NULL, f->options);
  g_autoptr(TaskerTask) foreign = NULL;
  g_autoptr(GError) error = NULL;

  /* A parent that has ended. */
  return_string (tasker_task_get_context (ended), "ok");
  TEST_WAIT_UNTIL (f->context, tasker_task_is_final (ended));
  {
    g_autoptr(TaskerTaskOptions) options = child_options (f, ended);

    g_assert_null (tasker_manager_add_external (f->manager, NULL, options, &error));
    g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "has already ended"));
    g_clear_error (&error);
  }

  /* A parent of another manager. */
  foreign = tasker_manager_add_external (other_manager, NULL, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(TaskerTaskOptions) options = child_options (f, foreign);

    g_assert_null (tasker_manager_add_external (f->manager, NULL, options, &error));
    g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "another manager"));
    g_clear_error (&error);
  }
  return_string (tasker_task_get_context (foreign), "ok");
  test_settle (other_manager);

  /* A manager that has been shut down. */
  tasker_manager_shutdown (other_manager, 1000);
  g_assert_null (tasker_manager_add_external (other_manager, NULL, NULL, &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN);
}

/* A timeout applies as for a coroutine: the cancel fires with TIMED_OUT and
 * the task ends FAILED when its owner stops (data 0) or the grace passes
 * (data 1). */
static void
timeout_fails_task (TestFixture   *f,
                    gconstpointer  data)
{
  gboolean owner_stops = GPOINTER_TO_INT (data) == 0;
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (&f->rec);
  g_autoptr(TaskerTask) task = NULL;
  TaskerContext *context;

  tasker_task_options_set_timeout_ms (options, 100);
  tasker_manager_set_cancel_grace (f->manager, owner_stops ? NO_GRACE_MS : 100);
  task = add_external (f, NULL, options);
  context = tasker_task_get_context (task);

  TEST_WAIT_UNTIL (f->context, tasker_context_is_cancelled (context));
  g_assert_true (g_cancellable_is_cancelled (tasker_context_get_cancellable (context)));
  if (owner_stops)
    {
      test_spin_for (f->context, 30);
      test_assert_status (task, TASKER_TASK_STATUS_RUNNING);
      return_string (context, "too late");
    }

  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));
  test_assert_status (task, TASKER_TASK_STATUS_FAILED);
  g_assert_error (tasker_task_get_error (task), TASKER_ERROR, TASKER_ERROR_TIMED_OUT);
  g_assert_cmpstr (tasker_task_get_error (task)->message, ==, "timed out after 100 ms");
}

/* Shutdown cancels a live external task, ends it CANCELLED when its wait is
 * over, and returns; the owner's late return changes nothing. */
static void
shutdown_ends_live_task (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaskerManager) manager = NULL;
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TaskerContext *task_context;
  guint n_done = 0;
  g_autoptr(TaskerTaskOptions) options = test_options_counting_done (&n_done);

  g_main_context_push_thread_default (context);
  manager = tasker_manager_new (context);
  tasker_manager_set_cancel_grace (manager, NO_GRACE_MS);
  task = tasker_manager_add_external (manager, NULL, options, &error);
  g_assert_no_error (error);
  task_context = tasker_task_get_context (task);
  TEST_WAIT_UNTIL (context, tasker_task_get_status (task) == TASKER_TASK_STATUS_RUNNING);

  tasker_manager_shutdown (manager, 100);
  g_assert_true (tasker_manager_wait_until_settled (manager, 0));
  test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_error (tasker_task_get_error (task), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (tasker_context_is_cancelled (task_context));
  g_assert_cmpuint (n_done, ==, 1);

  return_string (task_context, "late");
  test_spin_for (context, 20);
  test_assert_status (task, TASKER_TASK_STATUS_CANCELLED);
  g_assert_cmpuint (n_done, ==, 1);

  g_clear_object (&task);
  test_unref_and_wait (context, g_steal_pointer (&manager));
  g_main_context_pop_thread_default (context);
}

/* Only external tasks have a context to get; one kept past its task's end
 * and life still takes calls, which change nothing. */
static void
context_outlives_task (TestFixture   *f,
                       gconstpointer  data)
{
  g_autoptr(TaskerTask) thread_task = NULL;
  g_autoptr(TaskerContext) kept = NULL;
  TaskerTask *task;
  gpointer weak;

  thread_task = tasker_manager_run_coroutine (f->manager, NULL, NULL, test_capture_context_cb, &kept, NULL, NULL);
  g_assert_null (tasker_task_get_context (thread_task));
  TEST_WAIT_UNTIL (f->context, kept != NULL);
  tasker_context_return_value (kept, NULL);
  g_clear_object (&kept);

  task = add_external (f, NULL, f->options);
  kept = g_object_ref (tasker_task_get_context (task));
  return_string (kept, "value");
  TEST_WAIT_UNTIL (f->context, test_recorder_is_done (&f->rec, task));

  weak = task;
  g_object_add_weak_pointer (G_OBJECT (task), &weak);
  g_object_unref (task);
  TEST_WAIT_UNTIL (f->context, weak == NULL);

  tasker_context_set_progress (kept, 0.5);
  tasker_context_set_message (kept, "after the task");
  tasker_context_log (kept, "after the task");
  tasker_context_send_event (kept, "after", NULL);
  tasker_context_flush (kept);
  g_assert_false (tasker_context_is_cancelled (kept));
  g_assert_true (G_IS_CANCELLABLE (tasker_context_get_cancellable (kept)));
  return_string (kept, "quietly dropped");
  test_spin_for (f->context, 20);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  TEST_ADD ("/Tasker/External/completes-with-value", completes_with_value);
  TEST_ADD ("/Tasker/External/fails-with-error", fails_with_error);
  TEST_ADD ("/Tasker/External/return-from-another-thread", return_from_another_thread);
  TEST_ADD ("/Tasker/External/reports-before-running", reports_before_running);
  g_test_add ("/Tasker/External/cancel-then-owner-returns-value", TestFixture, GINT_TO_POINTER (0),
              test_fixture_setup, cancel_waits_for_owner, test_fixture_teardown);
  g_test_add ("/Tasker/External/cancel-then-owner-returns-error", TestFixture, GINT_TO_POINTER (1),
              test_fixture_setup, cancel_waits_for_owner, test_fixture_teardown);
  g_test_add ("/Tasker/External/cancel-before-running", TestFixture, GINT_TO_POINTER (0),
              test_fixture_setup, cancel_before_running, test_fixture_teardown);
  g_test_add ("/Tasker/External/cancel-and-return-before-running", TestFixture, GINT_TO_POINTER (1),
              test_fixture_setup, cancel_before_running, test_fixture_teardown);
  TEST_ADD ("/Tasker/External/grace-ends-task", grace_ends_task);
  TEST_ADD ("/Tasker/External/late-calls-after-completion", late_calls_after_completion);
  TEST_ADD ("/Tasker/External/key-replacement", key_replacement);
  TEST_ADD ("/Tasker/External/cancel-cascades-to-child", cancel_cascades_to_child);
  g_test_add ("/Tasker/External/parent-waits-and-fails-with-child", TestFixture, GINT_TO_POINTER (FALSE),
              test_fixture_setup, parent_waits_for_child, test_fixture_teardown);
  g_test_add ("/Tasker/External/parent-ignores-child-failure", TestFixture, GINT_TO_POINTER (TRUE),
              test_fixture_setup, parent_waits_for_child, test_fixture_teardown);
  TEST_ADD ("/Tasker/External/refused-options", refused_options);
  TEST_ADD ("/Tasker/External/defaults-do-not-apply", defaults_do_not_apply);
  TEST_ADD ("/Tasker/External/refused-at-submit", refused_at_submit);
  g_test_add ("/Tasker/External/timeout-then-owner-stops", TestFixture, GINT_TO_POINTER (0),
              test_fixture_setup, timeout_fails_task, test_fixture_teardown);
  g_test_add ("/Tasker/External/timeout-then-grace", TestFixture, GINT_TO_POINTER (1),
              test_fixture_setup, timeout_fails_task, test_fixture_teardown);
  g_test_add_func ("/Tasker/External/shutdown-ends-live-task", shutdown_ends_live_task);
  TEST_ADD ("/Tasker/External/context-outlives-task", context_outlives_task);

  return g_test_run ();
}
