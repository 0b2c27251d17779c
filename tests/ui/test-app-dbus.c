/* test-app-dbus.c: the io.github.tasker.Tasker1 interface of the application
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "tasker-dbus-error.h"
#include "ui-test.h"

/* The application in this process, without a window (as D-Bus activation
 * starts it), on the test's own session bus; a client on a second
 * connection calls it and records the signals it receives. The calls are
 * asynchronous: the application answers on this thread. */

#define IFACE "io.github.tasker.Tasker1"
#define TIMEOUT_MS 20000

typedef struct
{
  TaskerAppApplication *app;
  char                 *data_dir;
  char                 *work_dir;       /* the commands' directory, where they wait for files */
  GDBusConnection      *client;
  char                 *app_name;       /* the application's unique name */
  guint                 subscription;
  GPtrArray            *signals;        /* (element-type UiTestSignal) in the order received */
} Fixture;




static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *app_connection;

  f->data_dir = g_dir_make_tmp ("tasker-dbus-XXXXXX", &error);
  g_assert_no_error (error);
  f->work_dir = g_build_filename (f->data_dir, "work", NULL);
  g_assert_no_errno (g_mkdir (f->work_dir, 0700));
  f->app = ui_test_app_new_headless (f->data_dir, NULL);
  g_assert_null (ui_test_app_window (f->app));
  g_assert_nonnull (tasker_app_application_get_service (f->app));

  app_connection = g_application_get_dbus_connection (G_APPLICATION (f->app));
  f->app_name = g_strdup (g_dbus_connection_get_unique_name (app_connection));
  f->client = ui_test_bus_client_new ();
  f->signals = ui_test_signals_new ();
  f->subscription = ui_test_record_signals (f->client, f->app_name, IFACE, TASKER_DBUS_OBJECT_PATH, f->signals);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_dbus_connection_signal_unsubscribe (f->client, f->subscription);
  g_dbus_connection_close_sync (f->client, NULL, NULL);
  g_clear_object (&f->client);
  /* The next test's application takes the object path. GTK keeps this one
   * (its startup takes a reference that only a shutdown, which tests do not
   * run, gives back), so its dbus_unregister would never come. */
  tasker_app_service_unexport (tasker_app_application_get_service (f->app));
  g_clear_pointer (&f->app, ui_test_app_free);
  ui_test_remove_dir (f->data_dir);
  g_free (f->data_dir);
  g_free (f->work_dir);
  g_free (f->app_name);
  g_ptr_array_unref (f->signals);
}

/* ------------------------------------------------------------------ */
/* Calls */

/* @method of the interface with @parameters (floating, or NULL) from
 * @connection; waits for the reply. */
static GVariant *
call_on (Fixture          *f,
         GDBusConnection  *connection,
         const char       *method,
         GVariant         *parameters,
         GError          **error)
{
  return ui_test_bus_call (connection, f->app_name, TASKER_DBUS_OBJECT_PATH, IFACE, method, parameters,
                           TIMEOUT_MS, error);
}

static GVariant *
call (Fixture    *f,
      const char *method,
      GVariant   *parameters)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = call_on (f, f->client, method, parameters, &error);

  g_assert_no_error (error);
  return reply;
}

/* The call fails with the interface's error @code and @message (a prefix
 * when it ends with "…"). */
static void
call_fails (Fixture         *f,
            const char      *method,
            GVariant        *parameters,
            TaskerDBusError  code,
            const char      *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call_on (f, f->client, method, parameters, &error);

  g_assert_null (reply);
  ui_test_assert_dbus_error (error, code, message);
}

/* AddCommand of @argv in the work directory, with @options (floating, or
 * NULL for none). */
static guint64
add_command (Fixture            *f,
             const char * const *argv,
             GVariant           *options)
{
  g_autoptr(GVariant) reply = NULL;
  guint64 id;

  reply = call (f, "AddCommand",
                g_variant_new ("(^as^ay^as@a{sv})", argv, f->work_dir, (const char *[]) { NULL },
                               options != NULL ? options : g_variant_new ("a{sv}", NULL)));
  g_variant_get (reply, "(t)", &id);
  g_assert_cmpuint (id, >, 0);
  return id;
}

static guint64
add_script (Fixture    *f,
            const char *script)
{
  return add_command (f, (const char *[]) { "sh", "-c", script, NULL }, NULL);
}

static void
touch (Fixture    *f,
       const char *name)
{
  g_autofree char *path = g_build_filename (f->work_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, "", 0, &error);
  g_assert_no_error (error);
}

static GVariant *
get_task (Fixture *f,
          guint64  id)
{
  g_autoptr(GVariant) reply = call (f, "GetTask", g_variant_new ("(t)", id));

  return g_variant_get_child_value (reply, 0);
}

static char **
get_log (Fixture *f,
         guint64  id,
         guint    max_lines)
{
  g_autoptr(GVariant) reply = call (f, "GetLog", g_variant_new ("(tu)", id, max_lines));
  char **lines;

  g_variant_get (reply, "(^as)", &lines);
  return lines;
}

/* The text of a log line, after its time and trace id. */
static const char *
line_text (const char *line)
{
  const char *bracket = strstr (line, "] ");

  return bracket != NULL ? bracket + 2 : line;
}

/* The index of the TaskFinished of task @id among the signals, or -1. */
static int
find_finished (Fixture *f,
               guint64  id)
{
  for (guint i = 0; i < f->signals->len; i++)
    {
      UiTestSignal *s = g_ptr_array_index (f->signals, i);
      guint64 finished_id;

      if (strcmp (s->member, "TaskFinished") != 0)
        continue;
      g_variant_get_child (s->parameters, 0, "t", &finished_id);
      if (finished_id == id)
        return (int) i;
    }
  return -1;
}

typedef struct
{
  Fixture *f;
  guint64  id;
} TaskRef;

static gboolean
has_finished (gpointer data)
{
  TaskRef *ref = data;

  return find_finished (ref->f, ref->id) >= 0;
}

/* Waits for the TaskFinished of @id; returns its status. */
static char *
wait_finished (Fixture *f,
               guint64  id)
{
  TaskRef ref = { f, id };
  UiTestSignal *s;
  char *status;

  g_assert_true (ui_test_wait (has_finished, &ref, TIMEOUT_MS));
  s = g_ptr_array_index (f->signals, find_finished (f, id));
  g_variant_get_child (s->parameters, 1, "s", &status);
  return status;
}

/* ------------------------------------------------------------------ */

/* AddCommand runs the command in the directory and environment it was
 * given, with its options; GetTask and GetLog read it, live and then from
 * the history; TaskFinished says how it ended. */
static void
test_add_command (Fixture       *f,
                  gconstpointer  data)
{
  const char *argv[] = { "sh", "-c", "echo dir=$(pwd); echo foo=$FOO; echo one; echo two; exit 3", NULL };
  g_autofree char *path_var = g_strconcat ("PATH=", g_getenv ("PATH"), NULL);
  const char *env[] = { path_var, "FOO=bar", NULL };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) task = NULL;
  g_autoptr(GVariant) cwd = NULL;
  g_autofree char *status = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) tail = NULL;
  g_autofree char *expected_dir = NULL;
  GVariantBuilder options;
  gint32 exit_status = -1;
  guint64 id;
  gboolean live = TRUE;

  /* The directory as bytes without a trailing NUL. */
  cwd = g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, f->work_dir,
                                                       strlen (f->work_dir), 1));
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "name", g_variant_new_string ("my job"));
  g_variant_builder_add (&options, "{sv}", "queue", g_variant_new_string ("default"));
  g_variant_builder_add (&options, "{sv}", "timeout", g_variant_new_uint32 (60));
  reply = call (f, "AddCommand", g_variant_new ("(^as@ay^asa{sv})", argv, cwd, env, &options));
  g_variant_get (reply, "(t)", &id);

  status = wait_finished (f, id);
  g_assert_cmpstr (status, ==, "failed");
  {
    UiTestSignal *s = g_ptr_array_index (f->signals, find_finished (f, id));
    const char *error;

    g_variant_get_child (s->parameters, 2, "&s", &error);
    g_assert_cmpstr (error, ==, "command exited with status 3");
  }

  /* Ended lately: the application still has it. */
  task = get_task (f, id);
  g_assert_true (g_variant_lookup (task, "live", "b", &live));
  g_assert_true (live);
  g_assert_true (g_variant_lookup (task, "exit-status", "i", &exit_status));
  g_assert_cmpint (exit_status, ==, 3);
  text = ui_test_lookup_string (task, "name");
  g_assert_cmpstr (text, ==, "my job");
  g_clear_pointer (&text, g_free);
  text = ui_test_lookup_string (task, "kind");
  g_assert_cmpstr (text, ==, "command");
  g_clear_pointer (&text, g_free);
  text = ui_test_lookup_string (task, "cwd");
  g_assert_cmpstr (text, ==, f->work_dir);
  g_clear_pointer (&text, g_free);
  text = ui_test_lookup_string (task, "queue");
  g_assert_cmpstr (text, ==, "default");
  g_clear_pointer (&text, g_free);
  text = ui_test_lookup_string (task, "command");
  g_assert_cmpstr (text, ==, "sh -c 'echo dir=$(pwd); echo foo=$FOO; echo one; echo two; exit 3'");
  g_clear_pointer (&text, g_free);
  text = ui_test_lookup_string (task, "trace-id");
  g_assert_cmpuint (strlen (text), ==, 16);
  g_clear_pointer (&text, g_free);
  g_assert_true (g_variant_lookup (task, "started", "x", NULL));
  g_assert_true (g_variant_lookup (task, "finished", "x", NULL));

  lines = get_log (f, id, 0);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  expected_dir = g_strconcat ("dir=", f->work_dir, NULL);
  g_assert_cmpstr (line_text (lines[0]), ==, expected_dir);
  g_assert_cmpstr (line_text (lines[1]), ==, "foo=bar");
  g_assert_cmpstr (line_text (lines[3]), ==, "two");
  tail = get_log (f, id, 1);
  g_assert_cmpuint (g_strv_length (tail), ==, 1);
  g_assert_cmpstr (line_text (tail[0]), ==, "two");
}

/* A task the application no longer keeps comes from the history: GetTask,
 * GetLog and ListTasks with history say live FALSE, with the same keys. */
static void
test_history (Fixture       *f,
              gconstpointer  data)
{
  guint64 first = add_script (f, "echo first; exit 4");
  guint64 last = 0;
  g_autofree char *status = wait_finished (f, first);
  g_autoptr(GVariant) task = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) tasks = NULL;
  g_auto(GStrv) lines = NULL;
  gint32 exit_status = -1;
  gboolean live = TRUE;
  guint64 id = 0;
  char *text = NULL;

  g_assert_cmpstr (status, ==, "failed");
  /* Enough others that the application forgets the first. */
  for (guint i = 0; i < 70; i++)
    last = add_command (f, (const char *[]) { "true", NULL }, NULL);
  g_free (wait_finished (f, last));
  /* Each ends on its own: wait for them all. */
  for (guint64 i = first + 1; i <= last; i++)
    g_free (wait_finished (f, i));

  task = get_task (f, first);
  g_assert_true (g_variant_lookup (task, "live", "b", &live));
  g_assert_false (live);
  g_assert_true (g_variant_lookup (task, "exit-status", "i", &exit_status));
  g_assert_cmpint (exit_status, ==, 4);
  g_assert_true (g_variant_lookup (task, "status", "&s", &text));
  g_assert_cmpstr (text, ==, "failed");
  g_assert_true (g_variant_lookup (task, "error", "&s", &text));
  g_assert_cmpstr (text, ==, "command exited with status 4");
  lines = get_log (f, first, 0);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_cmpstr (line_text (lines[0]), ==, "first");

  /* Newest first; the failed one by its status, or its log's text. */
  reply = call (f, "ListTasks", g_variant_new_parsed ("({'history': <true>, 'limit': <uint32 2>},)"));
  tasks = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (tasks), ==, 2);
  {
    g_autoptr(GVariant) newest = g_variant_get_child_value (tasks, 0);
    g_autoptr(GVariant) next = g_variant_get_child_value (tasks, 1);
    gint64 newest_finished = 0, next_finished = 0;

    /* The last two (two run at once: either may end first). */
    g_assert_true (g_variant_lookup (newest, "id", "t", &id));
    g_assert_cmpuint (id, >=, last - 2);
    g_assert_true (g_variant_lookup (newest, "live", "b", &live));
    g_assert_false (live);
    g_assert_true (g_variant_lookup (next, "id", "t", &id));
    g_assert_cmpuint (id, >=, last - 2);
    g_assert_true (g_variant_lookup (newest, "finished", "x", &newest_finished));
    g_assert_true (g_variant_lookup (next, "finished", "x", &next_finished));
    g_assert_cmpint (newest_finished, >=, next_finished);
  }
  g_clear_pointer (&reply, g_variant_unref);
  g_clear_pointer (&tasks, g_variant_unref);
  reply = call (f, "ListTasks", g_variant_new_parsed ("({'history': <true>, 'status': <'failed'>},)"));
  tasks = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (tasks), ==, 1);
  g_clear_pointer (&reply, g_variant_unref);
  g_clear_pointer (&tasks, g_variant_unref);
  reply = call (f, "ListTasks", g_variant_new_parsed ("({'history': <true>, 'search': <'FIRST'>},)"));
  tasks = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (tasks), ==, 1);
  {
    g_autoptr(GVariant) found = g_variant_get_child_value (tasks, 0);

    g_assert_true (g_variant_lookup (found, "id", "t", &id));
    g_assert_cmpuint (id, ==, first);
  }
}

/* ListTasks: the live tasks, oldest first, by status too. */
static void
test_list_live (Fixture       *f,
                gconstpointer  data)
{
  guint64 a = add_script (f, "while [ ! -e go ]; do sleep 0.02; done");
  guint64 b = add_script (f, "while [ ! -e go ]; do sleep 0.02; done");
  g_autoptr(GVariant) reply = call (f, "ListTasks", g_variant_new_parsed ("(@a{sv} {},)"));
  g_autoptr(GVariant) tasks = g_variant_get_child_value (reply, 0);
  g_autoptr(GVariant) completed = NULL;
  guint64 id = 0;

  g_assert_cmpuint (g_variant_n_children (tasks), ==, 2);
  g_variant_get_child (tasks, 0, "@a{sv}", &completed);
  g_assert_true (g_variant_lookup (completed, "id", "t", &id));
  g_assert_cmpuint (id, ==, a);
  g_clear_pointer (&completed, g_variant_unref);
  g_variant_get_child (tasks, 1, "@a{sv}", &completed);
  g_assert_true (g_variant_lookup (completed, "id", "t", &id));
  g_assert_cmpuint (id, ==, b);
  g_clear_pointer (&completed, g_variant_unref);

  g_clear_pointer (&reply, g_variant_unref);
  reply = call (f, "ListTasks", g_variant_new_parsed ("({'status': <'completed'>},)"));
  completed = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (completed), ==, 0);
  g_clear_pointer (&completed, g_variant_unref);

  /* "keys": those keys of each task, and no other. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (f, "ListTasks", g_variant_new_parsed ("({'keys': <['status', 'id']>},)"));
  g_variant_get_child (reply, 0, "@aa{sv}", &completed);
  g_assert_cmpuint (g_variant_n_children (completed), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GVariant) task = g_variant_get_child_value (completed, i);
      const char *status = NULL;

      g_assert_cmpuint (g_variant_n_children (task), ==, 2);
      g_assert_true (g_variant_lookup (task, "id", "t", &id));
      g_assert_cmpuint (id, ==, i == 0 ? a : b);
      g_assert_true (g_variant_lookup (task, "status", "&s", &status));
      g_assert_true (g_str_equal (status, "pending") || g_str_equal (status, "running"));
    }

  touch (f, "go");
  g_free (wait_finished (f, a));
  g_free (wait_finished (f, b));
}

/* Each refusal names what is wrong, under the error its kind has. */
static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *add = g_strdup_printf ("(['true'], b'%s', @as [], ", f->work_dir);
  struct {
    const char      *method;
    const char      *parameters;
    TaskerDBusError  code;
    const char      *message;
  } cases[] = {
    { "AddCommand", "(@as [], b'', @as [], @a{sv} {})", TASKER_DBUS_ERROR_INVALID_ARGUMENT,
      "no command given" },
    { "AddCommand", "(['tasker-no-such-program'], b'', @as [], @a{sv} {})", TASKER_DBUS_ERROR_INVALID_ARGUMENT,
      "cannot run “tasker-no-such-program”: not found in PATH" },
    { "AddCommand", "(['true'], b'/nonexistent/dir', @as [], @a{sv} {})", TASKER_DBUS_ERROR_INVALID_ARGUMENT,
      "directory “/nonexistent/dir” does not exist" },
    { "AddCommand", "(['true'], b'', ['NOEQUALS'], @a{sv} {})", TASKER_DBUS_ERROR_INVALID_ARGUMENT,
      "environment entry “NOEQUALS” is not NAME=VALUE" },
    { "AddCommand", "(['true'], b'', @as [], {'bogus': <1>})", TASKER_DBUS_ERROR_INVALID_ARGUMENT,
      "unknown option “bogus”" },
    { "AddCommand", "(['true'], b'', @as [], {'timeout': <'10'>})", TASKER_DBUS_ERROR_INVALID_ARGUMENT,
      "option “timeout” must be of type u, not s" },
    { "AddCommand", "(['true'], b'', @as [], {'queue': <'nope'>})", TASKER_DBUS_ERROR_INVALID_ARGUMENT,
      "unknown queue “nope”" },
    { "AddCommand", "(['true'], b'', @as [], {'after': <[uint64 999]>})", TASKER_DBUS_ERROR_INVALID_ARGUMENT,
      "option “after”: no task 999" },
    { "AddCommand", "(['true'], b'', @as [], {'key': <''>})", TASKER_DBUS_ERROR_INVALID_ARGUMENT,
      "option “key” must not be empty" },
    { "ListTasks", "({'keys': <['id', 'colour']>},)", TASKER_DBUS_ERROR_INVALID_ARGUMENT,
      "unknown task key “colour”: the keys are id, name, kind, status, progress, message, queue, "
      "created, started, finished, error, exit-status, trace-id, parent, key, command, cwd, "
      "attempt, schedule, live, owner-pid, owner-name" },
    { "AddCommand", "(['true'], b'', @as [], {'start-at': <int64 5>, 'start-delay': <uint32 5>})",
      TASKER_DBUS_ERROR_INVALID_ARGUMENT, "options “start-at” and “start-delay” cannot be given together" },
    { "AddCommand", "(['true'], b'', @as [], {'schedule': <'sometimes'>})", TASKER_DBUS_ERROR_INVALID_ARGUMENT,
      "invalid schedule “sometimes”: …" },
    { "AddCommand", "(['true'], b'', @as [], {'schedule': <'hourly'>, 'start-delay': <uint32 5>})",
      TASKER_DBUS_ERROR_INVALID_ARGUMENT, "option “start-delay” cannot be given with “schedule”" },
    { "AddSchedule", "(['true'], b'', @as [], 'hourly', {'overlap': <'sometimes'>})",
      TASKER_DBUS_ERROR_INVALID_ARGUMENT, "option “overlap” must be skip, queue or replace, not “sometimes”" },
    { "AddSchedule", "(['true'], b'', @as [], 'hourly', {'after': <[uint64 1]>})",
      TASKER_DBUS_ERROR_INVALID_ARGUMENT, "unknown option “after”" },
    { "ListTasks", "({'status': <'bad'>},)", TASKER_DBUS_ERROR_INVALID_ARGUMENT,
      "unknown status “bad”: pending, running, completed, failed or cancelled" },
    { "ListTasks", "({'limit': <-1>},)", TASKER_DBUS_ERROR_INVALID_ARGUMENT,
      "option “limit” must be of type u, not i" },
    { "GetTask", "(uint64 999,)", TASKER_DBUS_ERROR_NO_SUCH_TASK, "no task 999" },
    { "GetLog", "(uint64 999, uint32 0)", TASKER_DBUS_ERROR_NO_SUCH_TASK, "no task 999" },
    { "FollowLog", "(uint64 999,)", TASKER_DBUS_ERROR_NO_SUCH_TASK, "no task 999" },
    { "UnfollowLog", "(uint64 999,)", TASKER_DBUS_ERROR_NO_SUCH_TASK, "no task 999" },
    { "Cancel", "(uint64 999,)", TASKER_DBUS_ERROR_NO_SUCH_TASK, "no task 999" },
    { "Retry", "(uint64 999,)", TASKER_DBUS_ERROR_NO_SUCH_TASK, "no task 999" },
  };
  g_autoptr(GVariant) reply = NULL;
  gboolean cancelled = TRUE;
  guint64 id;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s %s", cases[i].method, cases[i].parameters);
      call_fails (f, cases[i].method, g_variant_new_parsed (cases[i].parameters),
                  cases[i].code, cases[i].message);
    }

  /* The program is looked for in the environment given. */
  {
    g_autofree char *parameters = g_strconcat (add, "@a{sv} {})", NULL);

    call_fails (f, "AddCommand", g_variant_new_parsed ("(['true'], b'', ['PATH=/nonexistent'], @a{sv} {})"),
                TASKER_DBUS_ERROR_INVALID_ARGUMENT, "cannot run “true”: not found in PATH");
    g_clear_pointer (&reply, g_variant_unref);
    reply = call (f, "AddCommand", g_variant_new_parsed (parameters));
    g_variant_get (reply, "(t)", &id);
  }

  /* A finished task cannot be cancelled; a running one cannot be retried. */
  g_free (wait_finished (f, id));
  {
    g_autofree char *message = g_strdup_printf ("task %" G_GUINT64_FORMAT " has already ended", id);

    call_fails (f, "Cancel", g_variant_new ("(t)", id), TASKER_DBUS_ERROR_NO_SUCH_TASK, message);
  }
  id = add_script (f, "while [ ! -e go ]; do sleep 0.02; done");
  {
    g_autofree char *message = g_strdup_printf ("task %" G_GUINT64_FORMAT " has not ended", id);

    call_fails (f, "Retry", g_variant_new ("(t)", id), TASKER_DBUS_ERROR_INVALID_ARGUMENT, message);
  }
  touch (f, "go");
  g_free (wait_finished (f, id));

  /* No such key: FALSE, not an error. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (f, "CancelKey", g_variant_new ("(s)", "no-such-key"));
  g_variant_get (reply, "(b)", &cancelled);
  g_assert_false (cancelled);

  /* After the application stopped. */
  tasker_app_application_stop (f->app);
  call_fails (f, "AddCommand", g_variant_new_parsed ("(['true'], b'', @as [], @a{sv} {})"),
              TASKER_DBUS_ERROR_SHUTTING_DOWN, "Tasker is shutting down");
}

/* A queue that holds one running and one waiting command refuses a third. */
static void
test_queue_full (Fixture       *f,
                 gconstpointer  data)
{
  GSettings *settings = tasker_app_application_get_settings (f->app);
  const char *argv[] = { "sh", "-c", "while [ ! -e go ]; do sleep 0.02; done", NULL };
  g_autoptr(GVariant) options = g_variant_ref_sink (g_variant_new_parsed ("{'queue': <'tiny'>}"));
  guint64 a, b;

  g_assert_nonnull (settings);
  g_settings_set_value (settings, "queues", g_variant_new_parsed ("[('default', uint32 2, uint32 0),"
                                                                  " ('tiny', 1, 1)]"));
  a = add_command (f, argv, options);
  b = add_command (f, argv, options);
  call_fails (f, "AddCommand",
              g_variant_new ("(^as^ay^as@a{sv})", argv, f->work_dir, (const char *[]) { NULL }, options),
              TASKER_DBUS_ERROR_QUEUE_FULL, "queue “tiny” is full");
  touch (f, "go");
  g_free (wait_finished (f, a));
  g_free (wait_finished (f, b));
}

/* Cancel and CancelKey end a live task as cancelled; a new task with the
 * key of a live one replaces it. */
static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  const char *argv[] = { "sleep", "60", NULL };
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *status = NULL;
  gboolean cancelled = FALSE;
  guint64 a, b, c;

  a = add_command (f, argv, NULL);
  reply = call (f, "Cancel", g_variant_new ("(t)", a));
  status = wait_finished (f, a);
  g_assert_cmpstr (status, ==, "cancelled");
  g_clear_pointer (&status, g_free);

  b = add_command (f, argv, g_variant_new_parsed ("{'key': <'backup'>}"));
  c = add_command (f, argv, g_variant_new_parsed ("{'key': <'backup'>}"));
  status = wait_finished (f, b);
  g_assert_cmpstr (status, ==, "cancelled");
  g_clear_pointer (&status, g_free);

  g_clear_pointer (&reply, g_variant_unref);
  reply = call (f, "CancelKey", g_variant_new ("(s)", "backup"));
  g_variant_get (reply, "(b)", &cancelled);
  g_assert_true (cancelled);
  status = wait_finished (f, c);
  g_assert_cmpstr (status, ==, "cancelled");

  g_clear_pointer (&reply, g_variant_unref);
  reply = call (f, "CancelKey", g_variant_new ("(s)", "backup"));
  g_variant_get (reply, "(b)", &cancelled);
  g_assert_false (cancelled);
}

/* after: the second waits for the first; start-delay holds a task. */
static void
test_after (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GVariant) task = NULL;
  g_autofree char *status = NULL;
  const char *message = NULL;
  guint64 a, b, c;

  a = add_script (f, "while [ ! -e go ]; do sleep 0.02; done; exit 1");
  b = add_command (f, (const char *[]) { "true", NULL },
                   g_variant_new ("a{sv}", NULL));
  g_free (wait_finished (f, b));
  c = add_command (f, (const char *[]) { "true", NULL },
                   g_variant_new_parsed ("{'after': <[%t]>, 'after-any-outcome': <true>}", a));
  task = get_task (f, c);
  g_assert_true (g_variant_lookup (task, "status", "&s", &message));
  g_assert_cmpstr (message, ==, "pending");
  g_assert_true (g_variant_lookup (task, "message", "&s", &message));
  {
    g_autofree char *expected = g_strdup_printf ("Waiting for task %" G_GUINT64_FORMAT, a);

    g_assert_cmpstr (message, ==, expected);
  }
  touch (f, "go");
  status = wait_finished (f, c);
  /* Whatever a ended with. */
  g_assert_cmpstr (status, ==, "completed");
  g_assert_cmpint (find_finished (f, a), <, find_finished (f, c));
}

typedef struct
{
  Fixture *f;
  guint64  after;
  guint64  found;
} DependantWait;

/* A task `echo dependant` newer than @after, live or in the history. */
static gboolean
dependant_ran (gpointer data)
{
  DependantWait *w = data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) tasks = NULL;

  reply = call (w->f, "ListTasks", g_variant_new_parsed ("({'history': <true>, 'limit': <uint32 10>},)"));
  tasks = g_variant_get_child_value (reply, 0);
  for (gsize i = 0; i < g_variant_n_children (tasks); i++)
    {
      g_autoptr(GVariant) task = g_variant_get_child_value (tasks, i);
      const char *command = NULL;
      guint64 id = 0;

      g_variant_lookup (task, "command", "&s", &command);
      g_variant_lookup (task, "id", "t", &id);
      if (g_strcmp0 (command, "echo dependant") == 0 && id > w->after)
        w->found = id;
    }
  return w->found != 0;
}

/* Retry runs a failed command again, and what failed because it waited for
 * it waits for the new task. */
static void
test_retry_rearms (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *status = NULL;
  guint64 a, b, a2 = 0, b2 = 0;

  /* Fails the first time, completes once "fixed" exists. */
  a = add_script (f, "[ -e fixed ] && exit 0; while [ ! -e go ]; do sleep 0.02; done; exit 1");
  b = add_command (f, (const char *[]) { "echo", "dependant", NULL },
                   g_variant_new_parsed ("{'after': <[%t]>}", a));
  touch (f, "go");
  status = wait_finished (f, b);
  g_assert_cmpstr (status, ==, "failed");
  g_clear_pointer (&status, g_free);

  touch (f, "fixed");
  reply = call (f, "Retry", g_variant_new ("(t)", a));
  g_variant_get (reply, "(t)", &a2);
  g_assert_cmpuint (a2, >, b);
  status = wait_finished (f, a2);
  g_assert_cmpstr (status, ==, "completed");
  g_clear_pointer (&status, g_free);

  /* The dependant, again, as a new task that waited for a2. */
  {
    DependantWait w = { f, a2, 0 };

    g_assert_true (ui_test_wait (dependant_ran, &w, TIMEOUT_MS));
    b2 = w.found;
  }
  status = wait_finished (f, b2);
  g_assert_cmpstr (status, ==, "completed");
  g_assert_cmpint (find_finished (f, a2), <, find_finished (f, b2));
}

/* TasksChanged: at most one per update interval however often a task sets
 * its progress, with its last state; nothing while nothing changes. */
static void
progress_loop (TaskerContext *context,
               gpointer       user_data)
{
  for (guint i = 1; i <= 200000; i++)
    {
      tasker_context_set_progress (context, i / 200000.0);
      if (i % 100 == 0)
        g_usleep (200);
    }
}

static guint
count_tasks_changed (Fixture *f,
                     guint64  id,
                     GVariant **last)
{
  guint n = 0;

  for (guint i = 0; i < f->signals->len; i++)
    {
      UiTestSignal *s = g_ptr_array_index (f->signals, i);
      g_autoptr(GVariant) changed = NULL;

      if (strcmp (s->member, "TasksChanged") != 0)
        continue;
      changed = g_variant_get_child_value (s->parameters, 0);
      for (gsize j = 0; j < g_variant_n_children (changed); j++)
        {
          g_autoptr(GVariant) task = g_variant_get_child_value (changed, j);
          guint64 task_id = 0;

          g_variant_lookup (task, "id", "t", &task_id);
          if (task_id != id)
            continue;
          n++;
          if (last != NULL)
            {
              g_clear_pointer (last, g_variant_unref);
              *last = g_variant_ref (task);
            }
        }
    }
  return n;
}

typedef struct
{
  Fixture    *f;
  guint64     id;
  const char *status;
} StatusWait;

static gboolean
last_status_is (gpointer data)
{
  StatusWait *w = data;
  g_autoptr(GVariant) last = NULL;
  const char *status = NULL;

  count_tasks_changed (w->f, w->id, &last);
  return last != NULL && g_variant_lookup (last, "status", "&s", &status) && strcmp (status, w->status) == 0;
}

static void
test_tasks_changed (Fixture       *f,
                    gconstpointer  data)
{
  TaskerManager *manager = tasker_app_application_get_manager (f->app);
  guint interval_ms = tasker_manager_get_update_interval (manager);
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) last = NULL;
  gint64 start = g_get_monotonic_time ();
  guint64 still;
  double progress = 0.0;
  guint n_signals = 0, n;
  StatusWait w = { f, 0, "completed" };

  task = tasker_manager_run_thread (manager, NULL, NULL, progress_loop, NULL, NULL, &error);
  g_assert_no_error (error);
  w.id = tasker_task_get_id (task);
  g_assert_true (ui_test_wait (last_status_is, &w, TIMEOUT_MS));
  n = count_tasks_changed (f, w.id, &last);
  for (guint i = 0; i < f->signals->len; i++)
    n_signals += strcmp (((UiTestSignal *) g_ptr_array_index (f->signals, i))->member, "TasksChanged") == 0;
  g_test_message ("%u TasksChanged (%u with the task) in %" G_GINT64_FORMAT " ms",
                  n_signals, n, (g_get_monotonic_time () - start) / 1000);
  /* However many set_progress calls: at most one per interval, from the
   * first to the last one we saw (plus the first and the end). */
  g_assert_cmpuint (n_signals, <=, (g_get_monotonic_time () - start) / 1000 / interval_ms + 2);
  g_assert_cmpuint (n, >=, 1);
  g_assert_true (g_variant_lookup (last, "progress", "d", &progress));
  g_assert_cmpfloat (progress, ==, 1.0);

  /* A running command that prints nothing: one TasksChanged says it runs,
   * then nothing while it stays so. */
  still = add_script (f, "while [ ! -e go ]; do sleep 0.02; done");
  w.id = still;
  w.status = "running";
  g_assert_true (ui_test_wait (last_status_is, &w, TIMEOUT_MS));
  n = count_tasks_changed (f, still, NULL);
  /* Another task's progress: TasksChanged carries only that one. */
  g_clear_object (&task);
  task = tasker_manager_run_thread (manager, NULL, NULL, progress_loop, NULL, NULL, &error);
  g_assert_no_error (error);
  {
    StatusWait other = { f, tasker_task_get_id (task), "completed" };

    g_assert_true (ui_test_wait (last_status_is, &other, TIMEOUT_MS));
  }
  g_assert_cmpuint (count_tasks_changed (f, still, NULL), ==, n);
  n_signals = f->signals->len;
  ui_test_sleep (5 * interval_ms);
  g_assert_cmpuint (f->signals->len, ==, n_signals);
  g_assert_cmpuint (count_tasks_changed (f, still, NULL), ==, n);
  touch (f, "go");
  w.status = "completed";
  g_assert_true (ui_test_wait (last_status_is, &w, TIMEOUT_MS));
}

typedef struct
{
  Fixture    *f;
  GHashTable *seen;       /* ids seen in TasksChanged */
  guint       n_scanned;  /* signals looked at so far */
  guint       largest;    /* the most tasks one signal carried */
  gboolean    extra_keys; /* a dict had a key that does not change */
} BulkWait;

static gboolean
all_seen (gpointer data)
{
  BulkWait *w = data;

  for (; w->n_scanned < w->f->signals->len; w->n_scanned++)
    {
      UiTestSignal *signal = g_ptr_array_index (w->f->signals, w->n_scanned);
      g_autoptr(GVariant) changed = NULL;

      if (strcmp (signal->member, "TasksChanged") != 0)
        continue;
      changed = g_variant_get_child_value (signal->parameters, 0);
      w->largest = MAX (w->largest, g_variant_n_children (changed));
      for (gsize i = 0; i < g_variant_n_children (changed); i++)
        {
          g_autoptr(GVariant) task = g_variant_get_child_value (changed, i);
          guint64 id = 0;

          g_variant_lookup (task, "id", "t", &id);
          g_hash_table_add (w->seen, g_memdup2 (&id, sizeof id));
          w->extra_keys |= g_variant_lookup_value (task, "name", NULL) != NULL ||
                           g_variant_lookup_value (task, "trace-id", NULL) != NULL;
        }
    }
  return g_hash_table_size (w->seen) >= 1200;
}

/* 1,200 tasks at once: each TasksChanged carries at most 500, with only
 * the keys that change, and the rest follow in the next intervals although
 * nothing changes meanwhile (they all wait for their start time). */
static void
test_tasks_changed_bounded (Fixture       *f,
                            gconstpointer  data)
{
  TaskerManager *manager = tasker_app_application_get_manager (f->app);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  BulkWait w = { f, g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL), 0, 0, FALSE };

  tasker_task_options_set_start_delay_ms (options, 3600 * 1000);
  for (guint i = 0; i < 1200; i++)
    {
      g_autoptr(GError) error = NULL;
      TaskerTask *task = tasker_manager_run_thread (manager, NULL, options, progress_loop, NULL, NULL, &error);

      g_assert_no_error (error);
      g_ptr_array_add (tasks, task);
    }
  g_assert_true (ui_test_wait (all_seen, &w, TIMEOUT_MS));
  for (guint i = 0; i < tasks->len; i++)
    {
      guint64 id = tasker_task_get_id (tasks->pdata[i]);

      g_assert_true (g_hash_table_contains (w.seen, &id));
    }
  g_assert_cmpuint (w.largest, <=, 500);
  g_assert_cmpuint (w.largest, >, 0);
  g_assert_false (w.extra_keys);

  for (guint i = 0; i < tasks->len; i++)
    tasker_task_cancel (tasks->pdata[i]);
  g_hash_table_unref (w.seen);
}

typedef struct
{
  Fixture  *f;
  guint64   id;
  guint     n_before;  /* the task's TasksChanged entries already looked at */
} DeltaWait;

static gboolean
new_entry_for_task (gpointer data)
{
  DeltaWait *w = data;

  return count_tasks_changed (w->f, w->id, NULL) > w->n_before;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The keys of the task's last TasksChanged entry, sorted and joined by
 * spaces, once a new one came. */
static char *
wait_delta_keys (Fixture *f,
                 guint64  id)
{
  DeltaWait w = { f, id, count_tasks_changed (f, id, NULL) };
  g_autoptr(GVariant) last = NULL;
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  GVariantIter iter;
  const char *key;

  g_assert_true (ui_test_wait (new_entry_for_task, &w, TIMEOUT_MS));
  count_tasks_changed (f, id, &last);
  g_variant_iter_init (&iter, last);
  while (g_variant_iter_next (&iter, "{&sv}", &key, NULL))
    g_ptr_array_add (keys, (gpointer) key);
  g_ptr_array_sort (keys, compare_strings);
  g_ptr_array_add (keys, NULL);
  return g_strjoinv (" ", (char **) keys->pdata);
}

/* A task whose status has not changed since the last TasksChanged that
 * carried it comes with its id and what changed of progress and message
 * only; a change of status brings every changing key. */
static void
test_tasks_changed_delta (Fixture       *f,
                          gconstpointer  data)
{
  TaskerManager *manager = tasker_app_application_get_manager (f->app);
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TaskerContext *context;
  guint64 id;
  char *keys;

  task = tasker_manager_add_external (manager, NULL, NULL, &error);
  g_assert_no_error (error);
  id = tasker_task_get_id (task);
  context = tasker_task_get_context (task);

  keys = wait_delta_keys (f, id);
  g_assert_cmpstr (keys, ==, "id progress started status");
  g_free (keys);

  tasker_context_set_progress (context, 0.25);
  keys = wait_delta_keys (f, id);
  g_assert_cmpstr (keys, ==, "id progress");
  g_free (keys);

  tasker_context_set_message (context, "copying");
  keys = wait_delta_keys (f, id);
  g_assert_cmpstr (keys, ==, "id message");
  g_free (keys);

  tasker_context_set_message (context, NULL);
  tasker_context_set_progress (context, 0.5);
  keys = wait_delta_keys (f, id);
  g_assert_cmpstr (keys, ==, "id message progress");
  g_free (keys);

  tasker_context_return_value (context, NULL);
  keys = wait_delta_keys (f, id);
  g_assert_cmpstr (keys, ==, "finished id progress started status");
  g_free (keys);
}

/* FollowLog: the log so far, then LogLines with only the new lines, in
 * order, nothing lost or repeated, the last ones before TaskFinished; none
 * for a task nobody follows, nor after UnfollowLog. */
static void
check_follow (Fixture *f,
              guint64  id,
              guint    n_lines)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) first = NULL;
  g_autofree char *status = NULL;
  int finished;

  reply = call (f, "FollowLog", g_variant_new ("(t)", id));
  g_variant_get (reply, "(^as)", &first);
  for (guint i = 0; first[i] != NULL; i++)
    g_ptr_array_add (seen, g_strdup (line_text (first[i])));
  touch (f, "go");
  status = wait_finished (f, id);
  g_assert_cmpstr (status, ==, "completed");

  finished = find_finished (f, id);
  for (guint i = 0; i < f->signals->len; i++)
    {
      UiTestSignal *s = g_ptr_array_index (f->signals, i);
      g_auto(GStrv) lines = NULL;
      guint64 line_id;

      if (strcmp (s->member, "LogLines") != 0)
        continue;
      g_variant_get (s->parameters, "(t^as)", &line_id, &lines);
      g_assert_cmpuint (line_id, ==, id);
      g_assert_cmpint ((int) i, <, finished);
      g_assert_cmpuint (g_strv_length (lines), >, 0);
      for (guint j = 0; lines[j] != NULL; j++)
        g_ptr_array_add (seen, g_strdup (line_text (lines[j])));
    }

  g_assert_cmpuint (seen->len, ==, n_lines);
  for (guint i = 0; i < n_lines; i++)
    {
      g_autofree char *expected = g_strdup_printf ("line%u", i + 1);

      g_assert_cmpstr (g_ptr_array_index (seen, i), ==, expected);
    }
}

static void
test_follow_log (Fixture       *f,
                 gconstpointer  data)
{
  /* Half its lines before it is followed, half after, printed as they go. */
  const char *script = "for i in $(seq 1 100); do echo line$i; done; "
                       "while [ ! -e go ]; do sleep 0.02; done; "
                       "for i in $(seq 101 300); do echo line$i; [ $((i % 20)) = 0 ] && sleep 0.05; done; true";
  guint64 unfollowed = add_script (f, "while [ ! -e go ]; do sleep 0.02; done; echo nobody reads this");
  guint64 id = add_script (f, script);
  TaskerAppService *service = tasker_app_application_get_service (f->app);
  g_auto(GStrv) lines = NULL;

  do
    {
      g_clear_pointer (&lines, g_strfreev);
      ui_test_sleep (10);
      lines = get_log (f, id, 0);
    }
  while (g_strv_length (lines) < 100);

  check_follow (f, id, 300);
  g_free (wait_finished (f, unfollowed));
  /* Its followers went with it. */
  g_assert_cmpuint (tasker_app_service_get_n_followers (service), ==, 0);
}

static void
test_unfollow_log (Fixture       *f,
                   gconstpointer  data)
{
  guint64 id = add_script (f, "echo line1; while [ ! -e go ]; do sleep 0.02; done; "
                              "for i in $(seq 2 50); do echo line$i; done");
  TaskerAppService *service = tasker_app_application_get_service (f->app);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) again = NULL;
  g_auto(GStrv) lines = NULL;
  guint n_signals;

  do
    {
      g_clear_pointer (&lines, g_strfreev);
      ui_test_sleep (10);
      lines = get_log (f, id, 0);
    }
  while (g_strv_length (lines) < 1);

  reply = call (f, "FollowLog", g_variant_new ("(t)", id));
  g_assert_cmpuint (tasker_app_service_get_n_followers (service), ==, 1);
  /* Twice: still one follower. */
  again = call (f, "FollowLog", g_variant_new ("(t)", id));
  g_assert_cmpuint (tasker_app_service_get_n_followers (service), ==, 1);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (f, "UnfollowLog", g_variant_new ("(t)", id));
  g_assert_cmpuint (tasker_app_service_get_n_followers (service), ==, 0);
  n_signals = f->signals->len;
  touch (f, "go");
  g_free (wait_finished (f, id));
  for (guint i = n_signals; i < f->signals->len; i++)
    g_assert_cmpstr (((UiTestSignal *) g_ptr_array_index (f->signals, i))->member, !=, "LogLines");
}

static gboolean
has_one_follower (gpointer data)
{
  return tasker_app_service_get_n_followers (data) == 1;
}

/* A follower that leaves the bus is forgotten. */
static void
test_follower_leaves (Fixture       *f,
                      gconstpointer  data)
{
  guint64 id = add_script (f, "echo line1; while [ ! -e go ]; do sleep 0.02; done");
  TaskerAppService *service = tasker_app_application_get_service (f->app);
  g_autoptr(GDBusConnection) other = ui_test_bus_client_new ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = call_on (f, other, "FollowLog", g_variant_new ("(t)", id), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (f, "FollowLog", g_variant_new ("(t)", id));
  g_assert_cmpuint (tasker_app_service_get_n_followers (service), ==, 2);

  g_dbus_connection_close_sync (other, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ui_test_wait (has_one_follower, service, TIMEOUT_MS));

  touch (f, "go");
  g_free (wait_finished (f, id));
  g_assert_cmpuint (tasker_app_service_get_n_followers (service), ==, 0);
}

/* AddSchedule, and AddCommand with "schedule", make schedules that
 * ListSchedules lists with their options. */
static void
test_schedules (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) schedules = NULL;
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) second = NULL;
  const char *id = NULL, *text = NULL;
  gboolean flag = TRUE;
  guint64 task_id = 1;

  reply = call (f, "AddSchedule", g_variant_new_parsed ("(['echo', 'tick'], b'', @as [], 'every 15m',"
                                                        " {'overlap': <'queue'>, 'catch-up': <false>})"));
  g_variant_get (reply, "(&s)", &id);
  g_assert_cmpstr (id, !=, "");
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (f, "AddCommand", g_variant_new_parsed ("(['echo', 'tock'], b'', @as [],"
                                                       " {'schedule': <'daily 03:00'>})"));
  g_variant_get (reply, "(t)", &task_id);
  g_assert_cmpuint (task_id, ==, 0);

  g_clear_pointer (&reply, g_variant_unref);
  reply = call (f, "ListSchedules", NULL);
  schedules = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (schedules), ==, 2);
  first = g_variant_get_child_value (schedules, 0);
  g_assert_true (g_variant_lookup (first, "spec", "&s", &text));
  g_assert_cmpstr (text, ==, "every 15m");
  g_assert_true (g_variant_lookup (first, "command", "&s", &text));
  g_assert_cmpstr (text, ==, "echo tick");
  g_assert_true (g_variant_lookup (first, "overlap", "&s", &text));
  g_assert_cmpstr (text, ==, "queue");
  g_assert_true (g_variant_lookup (first, "catch-up", "b", &flag));
  g_assert_false (flag);
  g_assert_true (g_variant_lookup (first, "paused", "b", &flag));
  g_assert_false (flag);
  g_assert_true (g_variant_lookup (first, "next-run", "x", NULL));
  second = g_variant_get_child_value (schedules, 1);
  g_assert_true (g_variant_lookup (second, "spec", "&s", &text));
  g_assert_cmpstr (text, ==, "daily 03:00");
  g_assert_true (g_variant_lookup (second, "overlap", "&s", &text));
  g_assert_cmpstr (text, ==, "skip");
  g_assert_true (g_variant_lookup (second, "catch-up", "b", &flag));
  g_assert_true (flag);
}

/* A call on a bus that has the build's .service starts the real `tasker`
 * as a service (no window), which answers it, runs the command, and quits
 * by itself once idle. */
typedef struct
{
  UiTestSession *s;
  guint64        id;
} ActivatedTask;

static gboolean
activated_task_completed (gpointer data)
{
  ActivatedTask *t = data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) task = NULL;
  const char *status = "";

  reply = g_dbus_connection_call_sync (t->s->bus, TASKER_APP_ID, TASKER_DBUS_OBJECT_PATH, IFACE, "GetTask",
                                       g_variant_new ("(t)", t->id), G_VARIANT_TYPE ("(a{sv})"),
                                       G_DBUS_CALL_FLAGS_NONE, TIMEOUT_MS, NULL, NULL);
  g_assert_nonnull (reply);
  task = g_variant_get_child_value (reply, 0);
  g_variant_lookup (task, "status", "&s", &status);
  return strcmp (status, "completed") == 0;
}

static void
test_activation (void)
{
  UiTestSession s = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_auto(GStrv) lines = NULL;
  ActivatedTask t = { &s, 0 };
  guint32 pid;

  ui_test_session_start (&s, TASKER_SERVICE_FILE, TASKER_APP_ID, TASKER_BIN);
  g_assert_cmpuint (ui_test_session_owner_pid (&s), ==, 0);

  reply = g_dbus_connection_call_sync (s.bus, TASKER_APP_ID, TASKER_DBUS_OBJECT_PATH, IFACE, "AddCommand",
                                       g_variant_new_parsed ("(['echo', 'activated'], b'', @as [], @a{sv} {})"),
                                       G_VARIANT_TYPE ("(t)"), G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(t)", &t.id);
  g_assert_cmpuint (t.id, ==, 1);
  pid = ui_test_session_owner_pid (&s);
  g_assert_cmpuint (pid, !=, 0);

  g_assert_true (ui_test_wait (activated_task_completed, &t, TIMEOUT_MS));
  g_clear_pointer (&reply, g_variant_unref);
  reply = g_dbus_connection_call_sync (s.bus, TASKER_APP_ID, TASKER_DBUS_OBJECT_PATH, IFACE, "GetLog",
                                       g_variant_new ("(tu)", t.id, 0), G_VARIANT_TYPE ("(as)"),
                                       G_DBUS_CALL_FLAGS_NONE, TIMEOUT_MS, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(^as)", &lines);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_cmpstr (line_text (lines[0]), ==, "activated");

  /* No window keeps it: it goes by itself after its idle delay. */
  g_assert_true (ui_test_wait (ui_test_pid_gone, GUINT_TO_POINTER (pid), 40000));
  g_assert_cmpuint (ui_test_session_owner_pid (&s), ==, 0);

  ui_test_session_stop (&s);
}

/* shell runs the line through sh -c; retries runs a failing command again;
 * start-delay and start-at hold a task ("Starts at …"). */
static void
test_command_options (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GVariant) task = NULL;
  g_autofree char *status = NULL;
  g_auto(GStrv) lines = NULL;
  const char *message = NULL;
  guint attempt = 0;
  guint64 id;

  id = add_command (f, (const char *[]) { "echo $((1 + 2)) | tr 3 x", NULL },
                    g_variant_new_parsed ("{'shell': <true>}"));
  status = wait_finished (f, id);
  g_assert_cmpstr (status, ==, "completed");
  g_clear_pointer (&status, g_free);
  lines = get_log (f, id, 0);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_cmpstr (line_text (lines[0]), ==, "x");

  id = add_command (f, (const char *[]) { "false", NULL }, g_variant_new_parsed ("{'retries': <uint32 1>}"));
  status = wait_finished (f, id);
  g_assert_cmpstr (status, ==, "failed");
  g_clear_pointer (&status, g_free);
  task = get_task (f, id);
  g_assert_true (g_variant_lookup (task, "attempt", "u", &attempt));
  g_assert_cmpuint (attempt, ==, 2);
  g_clear_pointer (&task, g_variant_unref);

  id = add_command (f, (const char *[]) { "true", NULL }, g_variant_new_parsed ("{'start-delay': <uint32 3600>}"));
  task = get_task (f, id);
  g_assert_true (g_variant_lookup (task, "status", "&s", &message));
  g_assert_cmpstr (message, ==, "pending");
  g_assert_true (g_variant_lookup (task, "message", "&s", &message));
  g_assert_true (g_str_has_prefix (message, "Starts "));
  g_clear_pointer (&task, g_variant_unref);
  g_variant_unref (call (f, "Cancel", g_variant_new ("(t)", id)));
  status = wait_finished (f, id);
  g_assert_cmpstr (status, ==, "cancelled");
  g_clear_pointer (&status, g_free);

  id = add_command (f, (const char *[]) { "true", NULL },
                    g_variant_new_parsed ("{'start-at': <%x>}", g_get_real_time () + (gint64) 3600 * G_USEC_PER_SEC));
  task = get_task (f, id);
  g_assert_true (g_variant_lookup (task, "message", "&s", &message));
  g_assert_true (g_str_has_prefix (message, "Starts "));
  g_variant_unref (call (f, "Cancel", g_variant_new ("(t)", id)));
  g_free (wait_finished (f, id));
}

/* A log that drops lines before they are sent says how many, in the
 * LogLines that follows: each line is seen once or counted as dropped. */
static void
test_follow_dropped (Fixture       *f,
                     gconstpointer  data)
{
  TaskerManager *manager = tasker_app_application_get_manager (f->app);
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *status = NULL;
  guint n_seen = 0, n_markers = 0;
  guint64 next = 1;
  guint64 id;

  /* Applies to the tasks submitted from now on. */
  g_object_set (manager, "log-max-lines", 10, NULL);
  id = add_script (f, "while [ ! -e go ]; do sleep 0.02; done; seq 1 5000");
  reply = call (f, "FollowLog", g_variant_new ("(t)", id));
  touch (f, "go");
  status = wait_finished (f, id);
  g_assert_cmpstr (status, ==, "completed");

  for (guint i = 0; i < f->signals->len; i++)
    {
      UiTestSignal *s = g_ptr_array_index (f->signals, i);
      g_auto(GStrv) lines = NULL;

      if (strcmp (s->member, "LogLines") != 0)
        continue;
      g_variant_get (s->parameters, "(t^as)", NULL, &lines);
      for (guint j = 0; lines[j] != NULL; j++)
        {
          guint64 n = 0;

          /* In order, each line once or counted as dropped. */
          if (sscanf (lines[j], "[%" G_GUINT64_FORMAT " lines dropped]", &n) == 1)
            {
              g_assert_cmpuint (j, ==, 0);
              next += n;
              n_markers++;
              continue;
            }
          g_assert_true (g_ascii_string_to_unsigned (line_text (lines[j]), 10, 1, 5000, &n, NULL));
          g_assert_cmpuint (n, ==, next);
          next++;
          n_seen++;
        }
    }
  g_test_message ("%u lines seen, %u markers", n_seen, n_markers);
  g_assert_cmpuint (n_markers, >=, 1);
  g_assert_cmpuint (next, ==, 5001);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/Tasker/UI/DBus/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("add-command", test_add_command);
  ADD ("command-options", test_command_options);
  ADD ("history", test_history);
  ADD ("list-live", test_list_live);
  ADD ("tasks-changed-bounded", test_tasks_changed_bounded);
  ADD ("errors", test_errors);
  ADD ("queue-full", test_queue_full);
  ADD ("cancel", test_cancel);
  ADD ("after", test_after);
  ADD ("retry-rearms", test_retry_rearms);
  ADD ("tasks-changed", test_tasks_changed);
  ADD ("tasks-changed-delta", test_tasks_changed_delta);
  ADD ("follow-log", test_follow_log);
  ADD ("unfollow-log", test_unfollow_log);
  ADD ("follower-leaves", test_follower_leaves);
  ADD ("follow-dropped", test_follow_dropped);
  ADD ("schedules", test_schedules);
#undef ADD
  g_test_add_func ("/Tasker/UI/DBus/activation", test_activation);

  return g_test_run ();
}
