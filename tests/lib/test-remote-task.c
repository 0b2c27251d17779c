/* test-remote-task.c: TaskerRemoteTask against a fake application on a
 * private bus (fake-tasker-service.c records the calls it gets)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "tasker-test.h"

#include <math.h>
#include <stdio.h>

#include "fake-tasker-service.h"

typedef struct
{
  FakeService *fake;
} Fixture;

static char *
default_bus_name (void)
{
  g_autoptr(TaskerRemoteTask) probe = g_object_new (TASKER_TYPE_REMOTE_TASK, "name", "probe", NULL);
  char *name = NULL;

  g_object_get (probe, "bus-name", &name, NULL);
  return name;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *bus_name = default_bus_name ();

  f->fake = fake_service_new (bus_name);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->fake, fake_service_free);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Made through new_async, waiting for it on the default context. */
static TaskerRemoteTask *
new_task (const char  *name,
          GVariant    *options,
          GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tasker_remote_task_new_async (name, options, NULL, store_result_cb, &result);
  TEST_WAIT_UNTIL (NULL, result != NULL);
  return tasker_remote_task_new_finish (result, error);
}

static TaskerRemoteTask *
new_task_ok (const char *name,
             guint       interval_ms)
{
  g_autoptr(GError) error = NULL;
  TaskerRemoteTask *task = new_task (name, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (task);
  tasker_remote_task_set_update_interval (task, interval_ms);
  return task;
}

static gboolean
complete (TaskerRemoteTask  *task,
          GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tasker_remote_task_complete_async (task, NULL, store_result_cb, &result);
  TEST_WAIT_UNTIL (NULL, result != NULL);
  return tasker_remote_task_complete_finish (task, result, error);
}

static void
test_create_async (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TaskerRemoteTask) task = NULL;
  g_autoptr(GPtrArray) calls = NULL;
  g_autofree char *path = NULL;
  const char *name;
  g_autoptr(GVariant) options = NULL;
  guint32 pid = 0;
  double total = 0;
  guint64 id = 0;

  task = new_task ("Backup", g_variant_new_parsed ("{'pid': <@u 42>, 'total': <10.0>}"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tasker_remote_task_get_id (task), ==, 1);
  g_assert_cmpstr (tasker_remote_task_get_object_path (task), ==, "/io/github/tasker/Tasker/task/1");
  g_object_get (task, "id", &id, "object-path", &path, NULL);
  g_assert_cmpuint (id, ==, 1);
  g_assert_cmpstr (path, ==, "/io/github/tasker/Tasker/task/1");
  g_assert_cmpuint (tasker_remote_task_get_update_interval (task), ==, 100);
  g_assert_false (tasker_remote_task_should_exit (task));

  calls = fake_service_dup_calls (f->fake);
  g_assert_cmpuint (calls->len, ==, 1);
  g_assert_cmpstr (((FakeCall *) calls->pdata[0])->method, ==, "CreateTask");
  g_variant_get (((FakeCall *) calls->pdata[0])->parameters, "(&s@a{sv})", &name, &options);
  g_assert_cmpstr (name, ==, "Backup");
  g_assert_true (g_variant_lookup (options, "pid", "u", &pid));
  g_assert_cmpuint (pid, ==, 42);
  g_assert_true (g_variant_lookup (options, "total", "d", &total));
  g_assert_cmpfloat (total, ==, 10.0);

  g_assert_true (complete (task, &error));
  g_assert_no_error (error);
}

static void
test_create_sync (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TaskerRemoteTask) first = NULL;
  g_autoptr(TaskerRemoteTask) second = NULL;
  g_autoptr(GDBusConnection) connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autofree char *bus_name = default_bus_name ();

  first = tasker_remote_task_new_sync ("Encode", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tasker_remote_task_get_id (first), ==, 1);

  /* The construct properties a test (or a program on another bus) uses. */
  second = g_initable_new (TASKER_TYPE_REMOTE_TASK, NULL, &error,
                           "name", "Upload", "connection", connection, "bus-name", bus_name,
                           "update-interval", 20, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (tasker_remote_task_get_id (second), ==, 2);
  g_assert_cmpuint (tasker_remote_task_get_update_interval (second), ==, 20);

  g_assert_true (tasker_remote_task_complete_sync (first, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tasker_remote_task_fail_sync (second, "disk full", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fake_service_count (f->fake, "Complete"), ==, 1);
  g_assert_cmpuint (fake_service_count (f->fake, "Fail"), ==, 1);
}

/* 10,000 set_progress calls while the context runs: at most one call per
 * interval (+ 2: the first goes at once, the last may be pending at the
 * end), the last value delivered, and nothing when nothing changes. */
static void
test_coalesce (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(TaskerRemoteTask) task = new_task_ok ("busy", 20);
  guint n = test_scale (10000);
  gint64 start = g_get_monotonic_time ();
  double elapsed_ms;
  guint calls;

  for (guint i = 1; i <= n; i++)
    {
      tasker_remote_task_set_progress (task, (double) i / n);
      /* About 200 ms of loop: the context runs now and then, up to 2 ms. */
      if (i % (n / 100) == 0)
        test_iterate (NULL);
    }
  TEST_WAIT_UNTIL (NULL, fake_service_last_progress (f->fake, 1) == 1.0);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000.0;
  calls = fake_service_count (f->fake, "UpdateTasks");
  g_test_message ("%u set_progress in %.1f ms: %u UpdateTasks", n, elapsed_ms, calls);
  g_assert_cmpuint (calls, >=, 3);
  g_assert_cmpfloat (calls, <=, elapsed_ms / 20 + 2);

  test_spin_for (NULL, test_slack_ms (100));
  g_assert_cmpuint (fake_service_count (f->fake, "UpdateTasks"), ==, calls);
}

/* Setting what the application has already sends nothing; a value set and
 * set back before the flush neither. */
static void
test_unchanged (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(TaskerRemoteTask) task = new_task_ok ("steady", 10);

  tasker_remote_task_set_progress (task, 0.5);
  tasker_remote_task_set_total (task, 4);
  tasker_remote_task_set_message (task, "same");
  TEST_WAIT_UNTIL (NULL, fake_service_count (f->fake, "UpdateTasks") == 1);

  for (guint i = 0; i < 100; i++)
    {
      tasker_remote_task_set_progress (task, 0.5);
      tasker_remote_task_set_total (task, 4);
      tasker_remote_task_set_message (task, "same");
      tasker_remote_task_set_message (task, "other");
      tasker_remote_task_set_message (task, "same");
      tasker_remote_task_set_progress (task, 0.75);
      tasker_remote_task_set_progress (task, 0.5);
    }
  test_spin_for (NULL, test_slack_ms (60));
  g_assert_cmpuint (fake_service_count (f->fake, "UpdateTasks"), ==, 1);

  tasker_remote_task_set_progress (task, 0.75);
  TEST_WAIT_UNTIL (NULL, fake_service_count (f->fake, "UpdateTasks") == 2);
  g_assert_cmpfloat (fake_service_last_progress (f->fake, 1), ==, 0.75);
  /* Complete with nothing stored sends Complete only. */
  g_assert_true (complete (task, NULL));
  g_assert_cmpuint (fake_service_count (f->fake, "UpdateTasks"), ==, 2);
}

/* The tasks of one connection share one UpdateTasks call per interval. */
static void
test_shared_call (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GVariant) updates = NULL;
  guint n = 100;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (tasks, new_task_ok ("many", 50));
  g_assert_cmpuint (fake_service_count (f->fake, "UpdateTasks"), ==, 0);

  for (guint i = 0; i < n; i++)
    {
      tasker_remote_task_set_progress (tasks->pdata[i], 0.5);
      tasker_remote_task_set_message (tasks->pdata[i], "half way");
    }
  TEST_WAIT_UNTIL (NULL, fake_service_count (f->fake, "UpdateTasks") == 1);
  test_spin_for (NULL, test_slack_ms (120));
  g_assert_cmpuint (fake_service_count (f->fake, "UpdateTasks"), ==, 1);

  calls = fake_service_dup_calls (f->fake);
  updates = g_variant_get_child_value (((FakeCall *) calls->pdata[calls->len - 1])->parameters, 0);
  g_assert_cmpuint (g_variant_n_children (updates), ==, n);
  for (guint i = 0; i < n; i++)
    {
      const char *message = NULL;
      double progress = 0;
      guint64 id;
      g_autoptr(GVariant) changes = NULL;

      g_variant_get_child (updates, i, "{t@a{sv}}", &id, &changes);
      g_assert_cmpuint (id, ==, tasker_remote_task_get_id (tasks->pdata[i]));
      g_assert_true (g_variant_lookup (changes, "progress", "d", &progress));
      g_assert_cmpfloat (progress, ==, 0.5);
      g_assert_true (g_variant_lookup (changes, "message", "&s", &message));
      g_assert_cmpstr (message, ==, "half way");
      g_assert_cmpuint (g_variant_n_children (changes), ==, 2);
    }
}

static void
assert_log (FakeService  *fake,
            guint64       id,
            const char  **expected,
            guint         n_expected)
{
  g_autoptr(GPtrArray) lines = fake_service_dup_log (fake, id);

  g_assert_cmpuint (lines->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpstr (lines->pdata[i], ==, expected[i]);
}

/* Lines in order across many flushes; a text splits into its lines. */
static void
test_log_order (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(TaskerRemoteTask) task = new_task_ok ("chatty", 5);
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  guint n = test_scale (3000);

  tasker_remote_task_log (task, "a\nb\r\nc\n");
  tasker_remote_task_log (task, "");
  tasker_remote_task_log (task, "d\n\ne");
  g_ptr_array_add (expected, g_strdup ("a"));
  g_ptr_array_add (expected, g_strdup ("b"));
  g_ptr_array_add (expected, g_strdup ("c"));
  g_ptr_array_add (expected, g_strdup (""));
  g_ptr_array_add (expected, g_strdup ("d"));
  g_ptr_array_add (expected, g_strdup (""));
  g_ptr_array_add (expected, g_strdup ("e"));
  for (guint i = 0; i < n; i++)
    {
      char *line = g_strdup_printf ("line %u", i);

      tasker_remote_task_log (task, line);
      g_ptr_array_add (expected, line);
      if (i % (n / 30) == 0)
        test_iterate (NULL);
    }
  g_assert_true (complete (task, NULL));
  g_assert_cmpuint (fake_service_count (f->fake, "UpdateTasks"), >, 2);
  assert_log (f->fake, 1, (const char **) expected->pdata, expected->len);
}

/* A program that logs faster than the flushes: the oldest waiting lines go,
 * one marker says how many. */
static void
test_log_bounded (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerRemoteTask) task = new_task_ok ("flood", 50);
  g_autoptr(GPtrArray) lines = NULL;

  for (guint i = 0; i < 2500; i++)
    {
      g_autofree char *line = g_strdup_printf ("line %u", i);

      tasker_remote_task_log (task, line);
    }
  TEST_WAIT_UNTIL (NULL, fake_service_count (f->fake, "UpdateTasks") == 1);
  lines = fake_service_dup_log (f->fake, 1);
  g_assert_cmpuint (lines->len, ==, 1001);
  g_assert_cmpstr (lines->pdata[0], ==,
                   "[1500 log lines dropped: the program logged faster than Tasker took its lines]");
  g_assert_cmpstr (lines->pdata[1], ==, "line 1500");
  g_assert_cmpstr (lines->pdata[1000], ==, "line 2499");
}

/* Complete sends what is stored first, then nothing more goes. */
static void
test_complete_flushes_first (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(TaskerRemoteTask) task = new_task_ok ("tidy", 60000);
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GError) error = NULL;
  const char *expected[] = { "first", "last" };

  tasker_remote_task_set_progress (task, 0.25);
  TEST_WAIT_UNTIL (NULL, fake_service_count (f->fake, "UpdateTasks") == 1);
  /* The interval is a minute: only complete sends these. */
  tasker_remote_task_set_total (task, 8);
  tasker_remote_task_set_progress (task, 6);
  tasker_remote_task_set_message (task, "almost");
  tasker_remote_task_log (task, "first");
  tasker_remote_task_log (task, "last");
  g_assert_true (complete (task, &error));
  g_assert_no_error (error);

  calls = fake_service_dup_calls (f->fake);
  g_assert_cmpuint (calls->len, ==, 4);
  g_assert_cmpstr (((FakeCall *) calls->pdata[2])->method, ==, "UpdateTasks");
  g_assert_cmpstr (((FakeCall *) calls->pdata[3])->method, ==, "Complete");
  g_assert_cmpstr (((FakeCall *) calls->pdata[3])->object_path, ==, "/io/github/tasker/Tasker/task/1");
  {
    g_autofree char *text = g_variant_print (((FakeCall *) calls->pdata[2])->parameters, TRUE);

    g_assert_cmpstr (text, ==,
                     "({uint64 1: {'total': <8.0>, 'progress': <6.0>, 'message': <'almost'>, "
                     "'log': <['first', 'last']>}},)");
  }
  assert_log (f->fake, 1, expected, G_N_ELEMENTS (expected));

  /* After the end: changes are dropped, a second end is the application's error. */
  tasker_remote_task_set_progress (task, 0.9);
  tasker_remote_task_log (task, "late");
  g_assert_false (complete (task, &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_TASK_ENDED);
  g_assert_cmpstr (error->message, ==, "the task has ended");
  test_spin_for (NULL, test_slack_ms (50));
  g_assert_cmpuint (fake_service_count (f->fake, "UpdateTasks"), ==, 2);
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TaskerRemoteTask) denied = NULL;
  g_autoptr(TaskerRemoteTask) gone = NULL;
  g_autoptr(TaskerRemoteTask) nowhere = NULL;
  g_autoptr(TaskerRemoteTask) unnamed = NULL;
  g_autoptr(TaskerRemoteTask) limited = NULL;
  g_autoptr(GDBusConnection) connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GAsyncResult) result = NULL;

  limited = new_task ("limit", NULL, &error);
  g_assert_null (limited);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_LIMIT_EXCEEDED);
  g_assert_cmpstr (error->message, ==, "too many live tasks");
  g_clear_error (&error);

  unnamed = tasker_remote_task_new_sync ("", NULL, NULL, &error);
  g_assert_null (unnamed);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  unnamed = new_task ("", NULL, &error);
  g_assert_null (unnamed);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  denied = new_task_ok ("deny", 100);
  tasker_remote_task_fail_async (denied, "no", NULL, store_result_cb, &result);
  TEST_WAIT_UNTIL (NULL, result != NULL);
  g_assert_false (tasker_remote_task_fail_finish (denied, result, &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_ACCESS_DENIED);
  g_assert_cmpstr (error->message, ==, "task is another program's");
  g_clear_error (&error);

  gone = new_task_ok ("nosuch", 100);
  g_assert_false (tasker_remote_task_complete_sync (gone, NULL, &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_NO_SUCH_TASK);
  g_clear_error (&error);

  /* No application at that name: the bus's own error. */
  nowhere = g_initable_new (TASKER_TYPE_REMOTE_TASK, NULL, &error, "name", "x",
                            "connection", connection, "bus-name", "io.github.tasker.Nobody", NULL);
  g_assert_null (nowhere);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN);
  g_assert_false (g_dbus_error_is_remote_error (error));
}

static void
count_cb (gpointer  object,
          gpointer  user_data)
{
  guint *count = user_data;

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  (*count)++;
}

static void
notify_count_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  count_cb (object, user_data);
}

/* CancelRequested through PropertiesChanged: `cancelled` once, on the
 * context the task was made in; other tasks are left alone. */
static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(TaskerRemoteTask) task = new_task_ok ("stoppable", 100);
  g_autoptr(TaskerRemoteTask) other = new_task_ok ("other", 100);
  guint cancelled = 0, notified = 0;

  g_signal_connect (task, "cancelled", G_CALLBACK (count_cb), &cancelled);
  g_signal_connect (task, "notify::cancel-requested", G_CALLBACK (notify_count_cb), &notified);

  fake_service_set_cancel_requested (f->fake, 1, FALSE);
  test_spin_for (NULL, test_slack_ms (50));
  g_assert_cmpuint (cancelled, ==, 0);

  fake_service_set_cancel_requested (f->fake, 1, TRUE);
  fake_service_set_cancel_requested (f->fake, 1, TRUE);
  TEST_WAIT_UNTIL (NULL, cancelled > 0);
  test_spin_for (NULL, test_slack_ms (50));
  g_assert_cmpuint (cancelled, ==, 1);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (tasker_remote_task_should_exit (task));
  g_assert_true (tasker_remote_task_get_cancel_requested (task));
  g_assert_false (tasker_remote_task_should_exit (other));

  g_assert_true (complete (task, NULL));
  g_assert_true (complete (other, NULL));
}

/* A task made in a thread's own context gets its signal there. */
static gpointer
cancelled_in_thread (gpointer data)
{
  FakeService *fake = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TaskerRemoteTask) task = NULL;
  g_autoptr(GError) error = NULL;
  gboolean cancelled = FALSE;

  g_main_context_push_thread_default (context);
  task = tasker_remote_task_new_sync ("in a thread", NULL, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect_swapped (task, "cancelled", G_CALLBACK (g_nullify_pointer), &cancelled);
  cancelled = TRUE;
  fake_service_set_cancel_requested (fake, tasker_remote_task_get_id (task), TRUE);
  /* g_nullify_pointer sets it to NULL (FALSE) when the signal comes. */
  TEST_WAIT_UNTIL (context, !cancelled);
  g_assert_true (tasker_remote_task_complete_sync (task, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&task);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  return NULL;
}

static void
test_cancelled_thread_context (Fixture       *f,
                               gconstpointer  data)
{
  g_thread_join (g_thread_new ("remote", cancelled_in_thread, f->fake));
}

/* NaN, infinities and a total <= 0 are ignored with a warning (DESIGN.md
 * §4); programmer errors are criticals; text that is not UTF-8 is repaired. */
static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(TaskerRemoteTask) task = new_task_ok ("careless", 10);
  g_autoptr(TaskerRemoteTask) unmade = g_object_new (TASKER_TYPE_REMOTE_TASK, "name", "x", NULL);
  g_autoptr(GPtrArray) calls = NULL;
  g_autofree char *text = NULL;

  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*ignoring progress nan*");
  tasker_remote_task_set_progress (task, NAN);
  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*ignoring progress inf*");
  tasker_remote_task_set_progress (task, INFINITY);
  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*ignoring total 0*");
  tasker_remote_task_set_total (task, 0);
  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*ignoring total -3*");
  tasker_remote_task_set_total (task, -3);
  g_test_expect_message ("Tasker", G_LOG_LEVEL_WARNING, "*ignoring total nan*");
  tasker_remote_task_set_total (task, NAN);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Tasker", G_LOG_LEVEL_CRITICAL, "*update != NULL*");
  tasker_remote_task_set_progress (unmade, 0.5);
  g_test_expect_message ("Tasker", G_LOG_LEVEL_CRITICAL, "*text != NULL*");
  tasker_remote_task_log (task, NULL);
  g_test_expect_message ("Tasker", G_LOG_LEVEL_CRITICAL, "*name != NULL*");
  tasker_remote_task_new_async (NULL, NULL, NULL, NULL, NULL);
  g_test_expect_message ("Tasker", G_LOG_LEVEL_CRITICAL, "*VARDICT*");
  tasker_remote_task_new_async ("x", g_variant_new_string ("not a dict"), NULL, NULL, NULL);
  g_test_expect_message ("Tasker", G_LOG_LEVEL_CRITICAL, "*interval_ms >= 1*");
  tasker_remote_task_set_update_interval (task, 0);
  g_test_assert_expected_messages ();

  test_spin_for (NULL, test_slack_ms (30));
  g_assert_cmpuint (fake_service_count (f->fake, "UpdateTasks"), ==, 0);

  tasker_remote_task_set_message (task, "bad \xff byte");
  tasker_remote_task_log (task, "bad \xfe line");
  g_assert_true (tasker_remote_task_fail_sync (task, "bad \xff end", NULL, NULL));
  calls = fake_service_dup_calls (f->fake);
  text = g_variant_print (((FakeCall *) calls->pdata[calls->len - 2])->parameters, FALSE);
  g_assert_cmpstr (text, ==, "({1: {'message': <'bad \uFFFD byte'>, 'log': <['bad \uFFFD line']>}},)");
  g_free (text);
  text = g_variant_print (((FakeCall *) calls->pdata[calls->len - 1])->parameters, FALSE);
  g_assert_cmpstr (text, ==, "('bad \uFFFD end',)");
}

typedef struct
{
  TaskerRemoteTask *task;
  guint             index;
  guint             n;
  gint             *n_done;  /* (atomic) */
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *writer = data;

  for (guint i = 0; i < writer->n; i++)
    {
      g_autofree char *line = g_strdup_printf ("%u:%u", writer->index, i);

      tasker_remote_task_set_progress (writer->task, (double) i / writer->n);
      tasker_remote_task_log (writer->task, line);
    }
  g_atomic_int_inc (writer->n_done);
  return NULL;
}

/* Setters from several threads at once: every line, each thread's in order. */
static void
test_threads (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TaskerRemoteTask) task = new_task_ok ("threads", 5);
  g_autoptr(GPtrArray) lines = NULL;
  Writer writers[4];
  GThread *threads[4];
  guint next[4] = { 0 };
  guint n = test_scale (200);
  gint n_done = 0;

  for (guint i = 0; i < 4; i++)
    {
      writers[i] = (Writer) { task, i, n, &n_done };
      threads[i] = g_thread_new ("writer", writer_thread, &writers[i]);
    }
  /* The flushes run meanwhile. */
  TEST_WAIT_UNTIL (NULL, g_atomic_int_get (&n_done) == 4);
  for (guint i = 0; i < 4; i++)
    g_thread_join (threads[i]);
  g_assert_true (complete (task, NULL));

  lines = fake_service_dup_log (f->fake, 1);
  g_assert_cmpuint (lines->len, ==, 4 * n);
  for (guint i = 0; i < lines->len; i++)
    {
      guint writer, index;

      g_assert_cmpint (sscanf (lines->pdata[i], "%u:%u", &writer, &index), ==, 2);
      g_assert_cmpuint (writer, <, 4);
      g_assert_cmpuint (index, ==, next[writer]);
      next[writer]++;
    }
}

/* A task dropped without an end still sends what it stored. */
static void
test_dropped (Fixture       *f,
              gconstpointer  data)
{
  TaskerRemoteTask *task = new_task_ok ("dropped", 30);
  const char *expected[] = { "goodbye" };

  tasker_remote_task_set_progress (task, 0.75);
  tasker_remote_task_log (task, "goodbye");
  g_object_unref (task);
  TEST_WAIT_UNTIL (NULL, fake_service_count (f->fake, "UpdateTasks") == 1);
  g_assert_cmpfloat (fake_service_last_progress (f->fake, 1), ==, 0.75);
  assert_log (f->fake, 1, expected, 1);
  g_assert_cmpuint (fake_service_count (f->fake, "Complete"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GTestDBus) bus = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);

#define ADD(path, func) \
  g_test_add ("/Tasker/RemoteTask/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("create-async", test_create_async);
  ADD ("create-sync", test_create_sync);
  ADD ("coalesce", test_coalesce);
  ADD ("unchanged", test_unchanged);
  ADD ("shared-call", test_shared_call);
  ADD ("log-order", test_log_order);
  ADD ("log-bounded", test_log_bounded);
  ADD ("complete-flushes-first", test_complete_flushes_first);
  ADD ("errors", test_errors);
  ADD ("cancelled", test_cancelled);
  ADD ("cancelled-thread-context", test_cancelled_thread_context);
  ADD ("bad-input", test_bad_input);
  ADD ("threads", test_threads);
  ADD ("dropped", test_dropped);
#undef ADD

  status = g_test_run ();
  g_test_dbus_down (bus);
  return status;
}
