/* test-app-external.c: other programs' tasks over D-Bus (CreateTask, UpdateTasks, io.github.tasker.Tasker1.Task)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tasker-app-task-details.h"
#include "tasker-app-task-row.h"
#include "tasker-app-window.h"
#include "tasker-dbus-error.h"
#include "ui-test.h"

/* The application in this process on the test's own session bus, without a
 * window (as D-Bus activation starts it) or with one (the window tests);
 * clients on connections of their own create tasks and report to them. The
 * calls are asynchronous: the application answers on this thread. */

#define IFACE "io.github.tasker.Tasker1"
#define TASK_IFACE "io.github.tasker.Tasker1.Task"
#define TIMEOUT_MS 20000
#define EXITED "the program that reported this task exited"

typedef struct
{
  TaskerAppApplication *app;
  TaskerManager        *manager;
  char                 *data_dir;
  GDBusConnection      *client;         /* a program that reports */
  GDBusConnection      *other;          /* another one */
  char                 *app_name;       /* the application's unique name */
  guint                 subscription;   /* the client's, for Tasker1's signals and PropertiesChanged */
  GPtrArray            *signals;        /* (element-type UiTestSignal) in the order received */
  GPtrArray            *children;       /* (element-type GSubprocess) killed at the end */
  GPtrArray            *strings;        /* (element-type utf8) freed at the end */
} Fixture;




static void
set_up_with (Fixture  *f,
             gboolean  window)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *app_connection;

  f->data_dir = g_dir_make_tmp ("tasker-external-XXXXXX", &error);
  g_assert_no_error (error);
  f->app = window ? ui_test_app_new (f->data_dir) : ui_test_app_new_headless (f->data_dir, NULL);
  f->manager = tasker_app_application_get_manager (f->app);

  app_connection = g_application_get_dbus_connection (G_APPLICATION (f->app));
  f->app_name = g_strdup (g_dbus_connection_get_unique_name (app_connection));
  f->client = ui_test_bus_client_new ();
  f->other = ui_test_bus_client_new ();
  f->signals = ui_test_signals_new ();
  f->children = g_ptr_array_new_with_free_func (g_object_unref);
  f->strings = g_ptr_array_new_with_free_func (g_free);
  /* Every signal of the application: Tasker1's and the tasks' PropertiesChanged. */
  f->subscription = ui_test_record_signals (f->client, f->app_name, NULL, NULL, f->signals);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  set_up_with (f, FALSE);
}

static void
fixture_set_up_window (Fixture       *f,
                       gconstpointer  data)
{
  set_up_with (f, TRUE);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  for (guint i = 0; i < f->children->len; i++)
    {
      GSubprocess *child = g_ptr_array_index (f->children, i);

      g_subprocess_force_exit (child);
      g_subprocess_wait (child, NULL, NULL);
    }
  g_ptr_array_unref (f->children);
  g_ptr_array_unref (f->strings);
  g_dbus_connection_signal_unsubscribe (f->client, f->subscription);
  g_dbus_connection_close_sync (f->client, NULL, NULL);
  g_dbus_connection_close_sync (f->other, NULL, NULL);
  g_clear_object (&f->client);
  g_clear_object (&f->other);
  /* The next test's application takes the object paths (see test-app-dbus.c). */
  tasker_app_service_unexport (tasker_app_application_get_service (f->app));
  g_clear_pointer (&f->app, ui_test_app_free);
  ui_test_remove_dir (f->data_dir);
  g_free (f->data_dir);
  g_free (f->app_name);
  g_ptr_array_unref (f->signals);
}

/* A message naming task @id (freed with the fixture). */
static const char *
about (Fixture    *f,
       const char *format,
       guint64     id)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);
  char *message;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  message = g_strdup_printf (format, text);
#pragma GCC diagnostic pop
  g_ptr_array_add (f->strings, message);
  return message;
}

/* ------------------------------------------------------------------ */
/* Calls */

/* @method of @iface at @path with @parameters (floating, or NULL) from
 * @connection; waits for the reply. */
static GVariant *
call_full (Fixture          *f,
           GDBusConnection  *connection,
           const char       *path,
           const char       *iface,
           const char       *method,
           GVariant         *parameters,
           GError          **error)
{
  return ui_test_bus_call (connection, f->app_name, path, iface, method, parameters, TIMEOUT_MS, error);
}

/* Tasker1's @method from @connection; it must succeed. */
static GVariant *
call (Fixture         *f,
      GDBusConnection *connection,
      const char      *method,
      GVariant        *parameters)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = call_full (f, connection, TASKER_DBUS_OBJECT_PATH, IFACE, method, parameters, &error);

  g_assert_no_error (error);
  return reply;
}

static char *
path_of (guint64 id)
{
  return g_strdup_printf (TASKER_DBUS_TASK_PATH_PREFIX "%" G_GUINT64_FORMAT, id);
}

/* The Task interface's @method of task @id from @connection; it must succeed. */
static GVariant *
report (Fixture         *f,
        GDBusConnection *connection,
        guint64          id,
        const char      *method,
        GVariant        *parameters)
{
  g_autofree char *path = path_of (id);
  g_autoptr(GError) error = NULL;
  GVariant *reply = call_full (f, connection, path, TASK_IFACE, method, parameters, &error);

  g_assert_no_error (error);
  return reply;
}

static void
call_fails_at (Fixture         *f,
               GDBusConnection *connection,
               const char      *path,
               const char      *iface,
               const char      *method,
               GVariant        *parameters,
               TaskerDBusError  code,
               const char      *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call_full (f, connection, path, iface, method, parameters, &error);

  g_assert_null (reply);
  ui_test_assert_dbus_error (error, code, message);
}

static void
report_fails (Fixture         *f,
              GDBusConnection *connection,
              guint64          id,
              const char      *method,
              GVariant        *parameters,
              TaskerDBusError  code,
              const char      *message)
{
  g_autofree char *path = path_of (id);

  call_fails_at (f, connection, path, TASK_IFACE, method, parameters, code, message);
}

static void
call_fails (Fixture         *f,
            GDBusConnection *connection,
            const char      *method,
            GVariant        *parameters,
            TaskerDBusError  code,
            const char      *message)
{
  call_fails_at (f, connection, TASKER_DBUS_OBJECT_PATH, IFACE, method, parameters, code, message);
}

/* CreateTask @name with @options (floating, or NULL) from @connection. */
static guint64
create_task (Fixture         *f,
             GDBusConnection *connection,
             const char      *name,
             GVariant        *options)
{
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *expected_path = NULL;
  const char *path;
  guint64 id;

  reply = call (f, connection, "CreateTask",
                g_variant_new ("(s@a{sv})", name, options != NULL ? options : g_variant_new ("a{sv}", NULL)));
  g_variant_get (reply, "(&ot)", &path, &id);
  g_assert_cmpuint (id, >, 0);
  expected_path = path_of (id);
  g_assert_cmpstr (path, ==, expected_path);
  return id;
}

static GVariant *
get_task (Fixture *f,
          guint64  id)
{
  g_autoptr(GVariant) reply = call (f, f->other, "GetTask", g_variant_new ("(t)", id));

  return g_variant_get_child_value (reply, 0);
}

static char *
get_string (Fixture    *f,
            guint64     id,
            const char *key)
{
  g_autoptr(GVariant) task = get_task (f, id);

  return ui_test_lookup_string (task, key);
}

static double
get_progress (Fixture *f,
              guint64  id)
{
  g_autoptr(GVariant) task = get_task (f, id);
  double progress = -2;

  g_assert_true (g_variant_lookup (task, "progress", "d", &progress));
  return progress;
}

/* Polls GetTask until task @id's @key is @want (reports are stored, and
 * seen once the manager has flushed them); fails after 10 s. */
static void
wait_string (Fixture    *f,
             guint64     id,
             const char *key,
             const char *want)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  g_autofree char *value = NULL;

  while (g_free (value), (value = get_string (f, id, key)), g_strcmp0 (value, want) != 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("task %" G_GUINT64_FORMAT "'s %s is still “%s”, not “%s”", id, key, value, want);
      ui_test_sleep (10);
    }
}

static void
wait_progress (Fixture *f,
               guint64  id,
               double   want)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  double progress;

  while (fabs ((progress = get_progress (f, id)) - want) > 1e-9)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("task %" G_GUINT64_FORMAT "'s progress is still %g, not %g", id, progress, want);
      ui_test_sleep (10);
    }
}

static char **
get_log (Fixture *f,
         guint64  id)
{
  g_autoptr(GVariant) reply = call (f, f->other, "GetLog", g_variant_new ("(tu)", id, 0));
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

static void
wait_log_lines (Fixture *f,
                guint64  id,
                guint    n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;)
    {
      g_auto(GStrv) lines = get_log (f, id);

      if (g_strv_length (lines) >= n)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("task %" G_GUINT64_FORMAT " has %u log lines, not %u", id, g_strv_length (lines), n);
      ui_test_sleep (10);
    }
}

static gboolean
get_cancel_requested (Fixture *f,
                      guint64  id)
{
  g_autofree char *path = path_of (id);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  reply = call_full (f, f->other, path, "org.freedesktop.DBus.Properties", "Get",
                     g_variant_new ("(ss)", TASK_IFACE, "CancelRequested"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return g_variant_get_boolean (value);
}

/* The index of the first PropertiesChanged of task @id's object that sets
 * CancelRequested TRUE, or -1. */
static int
find_cancel_requested (Fixture *f,
                       guint64  id)
{
  g_autofree char *path = path_of (id);

  for (guint i = 0; i < f->signals->len; i++)
    {
      UiTestSignal *s = g_ptr_array_index (f->signals, i);
      g_autoptr(GVariant) changed = NULL;
      const char *iface;
      gboolean requested = FALSE;

      if (strcmp (s->member, "PropertiesChanged") != 0 || strcmp (s->path, path) != 0)
        continue;
      g_variant_get (s->parameters, "(&s@a{sv}@as)", &iface, &changed, NULL);
      if (strcmp (iface, TASK_IFACE) == 0 && g_variant_lookup (changed, "CancelRequested", "b", &requested) &&
          requested)
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
cancel_requested_seen (gpointer data)
{
  TaskRef *ref = data;

  return find_cancel_requested (ref->f, ref->id) >= 0;
}

static void
wait_cancel_requested (Fixture *f,
                       guint64  id)
{
  TaskRef ref = { f, id };

  g_assert_true (ui_test_wait (cancel_requested_seen, &ref, 10000));
}

static guint
count_signals (Fixture    *f,
               const char *member)
{
  guint n = 0;

  for (guint i = 0; i < f->signals->len; i++)
    if (strcmp (((UiTestSignal *) g_ptr_array_index (f->signals, i))->member, member) == 0)
      n++;
  return n;
}

static char *
read_comm (guint32 pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%u/comm", pid);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return g_strchomp (contents);
}

/* A child of the test's: killed at the end, and dying with the test
 * should it fail first; its output goes nowhere, so that a child left
 * behind (one that changed its user loses the parent-death signal) does
 * not hold the test's output open. */
static GSubprocess *
spawn_child (Fixture            *f,
             const char * const *argv,
             GSubprocessFlags    flags)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *child;

  launcher = g_subprocess_launcher_new (flags | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, ui_test_die_with_parent, NULL, NULL);
  child = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_ptr_array_add (f->children, child);
  return child;
}

/* As spawn_child(); its pid. */
static guint32
spawn (Fixture            *f,
       const char * const *argv)
{
  return (guint32) atoi (g_subprocess_get_identifier (spawn_child (f, argv, G_SUBPROCESS_FLAGS_NONE)));
}

static TaskerAppExternal *
get_external (Fixture *f)
{
  return tasker_app_service_get_external (tasker_app_application_get_service (f->app));
}

/* ------------------------------------------------------------------ */
/* Tests */

/* Created RUNNING with its options; reports read back through GetTask and
 * GetLog; Complete ends it COMPLETED; then its object is gone (TaskEnded). */
static void
test_create_report_complete (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GVariant) task = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *own_comm = read_comm ((guint32) getpid ());
  g_auto(GStrv) lines = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GVariant) id_value = NULL;
  g_autoptr(GError) error = NULL;
  const char *text;
  guint32 owner_pid = 0;
  gboolean should_exit = TRUE;
  guint64 id;
  double progress;

  id = create_task (f, f->client, "backup",
                    g_variant_new_parsed ("{'total': <10.0>, 'message': <'starting'>}"));
  task = get_task (f, id);
  g_assert_true (g_variant_lookup (task, "kind", "&s", &text));
  g_assert_cmpstr (text, ==, "external");
  g_assert_true (g_variant_lookup (task, "status", "&s", &text));
  g_assert_cmpstr (text, ==, "running");
  g_assert_true (g_variant_lookup (task, "name", "&s", &text));
  g_assert_cmpstr (text, ==, "backup");
  /* The owner is the calling connection: this process. */
  g_assert_true (g_variant_lookup (task, "owner-pid", "u", &owner_pid));
  g_assert_cmpuint (owner_pid, ==, getpid ());
  g_assert_true (g_variant_lookup (task, "owner-name", "&s", &text));
  g_assert_cmpstr (text, ==, own_comm);
  wait_string (f, id, "message", "starting");

  /* The total of the options counts units. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = report (f, f->client, id, "SetProgress", g_variant_new ("(d)", 5.0));
  wait_progress (f, id, 0.5);
  reply = (g_variant_unref (reply), report (f, f->client, id, "SetTotal", g_variant_new ("(d)", 20.0)));
  reply = (g_variant_unref (reply), report (f, f->client, id, "SetProgress", g_variant_new ("(d)", 15.0)));
  wait_progress (f, id, 0.75);
  reply = (g_variant_unref (reply), report (f, f->client, id, "SetMessage", g_variant_new ("(s)", "copying")));
  wait_string (f, id, "message", "copying");
  reply = (g_variant_unref (reply), report (f, f->client, id, "Log", g_variant_new ("(s)", "first\nsecond")));
  wait_log_lines (f, id, 2);
  lines = get_log (f, id);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_cmpstr (line_text (lines[0]), ==, "first");
  g_assert_cmpstr (line_text (lines[1]), ==, "second");

  reply = (g_variant_unref (reply), report (f, f->client, id, "ShouldExit", NULL));
  g_variant_get (reply, "(b)", &should_exit);
  g_assert_false (should_exit);
  g_assert_false (get_cancel_requested (f, id));
  path = path_of (id);
  g_variant_unref (reply);
  reply = call_full (f, f->other, path, "org.freedesktop.DBus.Properties", "Get",
                     g_variant_new ("(ss)", TASK_IFACE, "Id"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &id_value);
  g_assert_cmpuint (g_variant_get_uint64 (id_value), ==, id);

  reply = (g_variant_unref (reply), report (f, f->client, id, "Complete", NULL));
  wait_string (f, id, "status", "completed");
  progress = get_progress (f, id);
  g_test_message ("completed at progress %g", progress);

  g_clear_pointer (&task, g_variant_unref);
  task = get_task (f, id);
  g_assert_false (g_variant_lookup (task, "owner-pid", "u", &owner_pid));  /* live tasks only */
  report_fails (f, f->client, id, "Complete", NULL, TASKER_DBUS_ERROR_TASK_ENDED,
                about (f, "task %s has already ended (completed)", id));
  report_fails (f, f->client, id, "SetProgress", g_variant_new ("(d)", 1.0), TASKER_DBUS_ERROR_TASK_ENDED,
                "task …");
  /* Its owner had no other task: it is no longer watched. */
  g_assert_cmpuint (tasker_app_external_get_n_owners (get_external (f)), ==, 0);
}

static void
test_fail (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *error = NULL;
  guint64 id = create_task (f, f->client, "upload", NULL);

  reply = report (f, f->client, id, "Fail", g_variant_new ("(s)", "disk full"));
  wait_string (f, id, "status", "failed");
  error = get_string (f, id, "error");
  g_assert_cmpstr (error, ==, "disk full");
  report_fails (f, f->client, id, "Fail", g_variant_new ("(s)", "again"), TASKER_DBUS_ERROR_TASK_ENDED,
                about (f, "task %s has already ended (failed)", id));
}

/* The owning connection leaves the bus: its live tasks fail, with the
 * exact text; a task it had ended stays as it ended. */
static void
test_owner_connection_closes (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GDBusConnection) program = ui_test_bus_client_new ();
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *error = NULL;
  guint64 a, b, done;

  a = create_task (f, program, "a", NULL);
  b = create_task (f, program, "b", NULL);
  done = create_task (f, program, "done", NULL);
  reply = report (f, program, done, "Complete", NULL);
  wait_string (f, done, "status", "completed");
  g_assert_cmpuint (tasker_app_external_get_n_owners (get_external (f)), ==, 1);

  g_dbus_connection_close_sync (program, NULL, NULL);
  wait_string (f, a, "status", "failed");
  wait_string (f, b, "status", "failed");
  error = get_string (f, a, "error");
  g_assert_cmpstr (error, ==, EXITED);
  g_assert_cmpuint (tasker_app_external_get_n_owners (get_external (f)), ==, 0);
}

/* How many pidfds this process has open. */
static guint
count_pidfds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (g_strcmp0 (target, "anon_inode:[pidfd]") == 0)
        n++;
    }
  return n;
}

/* A process owner: watched with a pidfd; its exit fails the task, and the
 * pidfd is closed. */
static void
test_pid_owner_exits (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GVariant) task = NULL;
  g_autofree char *error = NULL;
  guint n_pidfds = count_pidfds ();  /* before the child: GLib may watch it with one */
  guint32 pid = spawn (f, (const char *[]) { "sleep", "600", NULL });
  guint n_with_child = count_pidfds ();
  const char *name;
  guint32 owner_pid = 0;
  guint64 id;

  id = create_task (f, f->client, "sleeper", g_variant_new_parsed ("{'pid': <%u>}", pid));
  g_assert_cmpuint (count_pidfds (), ==, n_with_child + 1);
  task = get_task (f, id);
  g_assert_true (g_variant_lookup (task, "owner-pid", "u", &owner_pid));
  g_assert_cmpuint (owner_pid, ==, pid);
  g_assert_true (g_variant_lookup (task, "owner-name", "&s", &name));
  g_assert_cmpstr (name, ==, "sleep");

  g_assert_no_errno (kill ((pid_t) pid, SIGKILL));
  wait_string (f, id, "status", "failed");
  error = get_string (f, id, "error");
  g_assert_cmpstr (error, ==, EXITED);
  g_assert_cmpuint (tasker_app_external_get_n_owners (get_external (f)), ==, 0);
  /* Ours is closed (and GLib's for its child, once it has reaped it). */
  UI_TEST_WAIT_UNTIL (count_pidfds () == n_pidfds, 5);
}

/* A pid owner's descendant may report (a script's gdbus call), as may the
 * connection that created the task; an unrelated connection may not. */
static void
test_pid_owner_descendant (Fixture       *f,
                           gconstpointer  data)
{
  GSubprocess *script;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  const char *line;
  g_autofree char *command = NULL;
  guint64 id;
  guint32 pid;

  /* The owner is the shell; the gdbus it starts reports, then the shell
   * becomes a sleep (one process to kill). */
  command = g_strdup_printf ("read id; gdbus call --session --dest %s --object-path "
                             TASKER_DBUS_TASK_PATH_PREFIX "$id --method " TASK_IFACE ".SetProgress 0.25"
                             " >/dev/null || exit 1; exec sleep 600", f->app_name);
  script = spawn_child (f, (const char *[]) { "sh", "-c", command, NULL }, G_SUBPROCESS_FLAGS_STDIN_PIPE);
  pid = (guint32) atoi (g_subprocess_get_identifier (script));

  id = create_task (f, f->client, "script", g_variant_new_parsed ("{'pid': <%u>}", pid));
  line = about (f, "%s\n", id);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (script), line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  wait_progress (f, id, 0.25);

  /* The creating connection may report too; another may not. */
  reply = report (f, f->client, id, "SetProgress", g_variant_new ("(d)", 0.5));
  wait_progress (f, id, 0.5);
  report_fails (f, f->other, id, "SetProgress", g_variant_new ("(d)", 0.75), TASKER_DBUS_ERROR_ACCESS_DENIED,
                about (f, "task %s belongs to another program", id));
  g_assert_cmpfloat (get_progress (f, id), ==, 0.5);
}

/* The "pid" option: a process that exists, of the caller's user. */
static void
test_pid_checks (Fixture       *f,
                 gconstpointer  data)
{
  guint32 other_users = 1;  /* init is root's */

  call_fails (f, f->client, "CreateTask", g_variant_new_parsed ("('x', {'pid': <uint32 2147483646>})"),
              TASKER_DBUS_ERROR_INVALID_ARGUMENT, "no process 2147483646");
  call_fails (f, f->client, "CreateTask", g_variant_new_parsed ("('x', {'pid': <uint32 0>})"),
              TASKER_DBUS_ERROR_INVALID_ARGUMENT, "no process 0");
  if (getuid () == 0)
    {
      /* As root, a process of nobody's (setpriv drops to it). */
      if (!g_file_test ("/usr/bin/setpriv", G_FILE_TEST_IS_EXECUTABLE))
        {
          g_test_skip ("setpriv is needed to make a process of another user");
          return;
        }
      other_users = spawn (f, (const char *[]) { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                                 "sleep", "60", NULL });
      /* setpriv execs sleep: wait until the process is nobody's. */
      for (gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;; ui_test_sleep (10))
        {
          g_autofree char *comm = read_comm (other_users);

          if (strcmp (comm, "sleep") == 0)
            break;
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        }
    }
  call_fails (f, f->client, "CreateTask", g_variant_new_parsed ("('x', {'pid': <%u>})", other_users),
              TASKER_DBUS_ERROR_ACCESS_DENIED,
              about (f, "process %s belongs to another user", other_users));
}

/* Every reporting method, and UpdateTasks as a whole, refuse a non-owner. */
static void
test_non_owner_refused (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  const char *denied;
  g_autofree char *message = NULL;
  GVariantBuilder updates;
  const struct { const char *method; GVariant *parameters; } reports[] = {
    { "SetProgress", g_variant_new ("(d)", 0.5) },
    { "SetTotal", g_variant_new ("(d)", 3.0) },
    { "SetMessage", g_variant_new ("(s)", "mine") },
    { "Log", g_variant_new ("(s)", "mine") },
    { "ShouldExit", NULL },
    { "Fail", g_variant_new ("(s)", "mine") },
    { "Complete", NULL },
  };
  guint64 theirs, mine;

  theirs = create_task (f, f->client, "theirs", g_variant_new_parsed ("{'message': <'untouched'>}"));
  mine = create_task (f, f->other, "mine", g_variant_new_parsed ("{'message': <'mine at first'>}"));
  denied = about (f, "task %s belongs to another program", theirs);
  for (guint i = 0; i < G_N_ELEMENTS (reports); i++)
    report_fails (f, f->other, theirs, reports[i].method, reports[i].parameters,
                  TASKER_DBUS_ERROR_ACCESS_DENIED, denied);

  /* Its own task's changes are not applied either. */
  g_variant_builder_init (&updates, G_VARIANT_TYPE ("a{ta{sv}}"));
  g_variant_builder_add_parsed (&updates, "{%t, {'message': <'changed'>}}", mine);
  g_variant_builder_add_parsed (&updates, "{%t, {'message': <'changed'>}}", theirs);
  call_fails (f, f->other, "UpdateTasks", g_variant_new ("(a{ta{sv}})", &updates),
              TASKER_DBUS_ERROR_ACCESS_DENIED, denied);
  reply = report (f, f->client, theirs, "SetProgress", g_variant_new ("(d)", 0.25));
  wait_progress (f, theirs, 0.25);  /* the owner's later report is seen: the refused ones were not applied */
  message = get_string (f, mine, "message");
  g_assert_cmpstr (message, ==, "mine at first");
  g_free (message);
  message = get_string (f, theirs, "message");
  g_assert_cmpstr (message, ==, "untouched");
  wait_string (f, theirs, "status", "running");
}

/* UpdateTasks: each entry's changes, total before progress; an ended
 * task's dropped; bad entries refuse the whole call. */
static void
test_update_tasks (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_auto(GStrv) lines = NULL;
  GVariantBuilder updates;
  guint64 a, b, ended;

  a = create_task (f, f->client, "a", NULL);
  b = create_task (f, f->client, "b", NULL);
  ended = create_task (f, f->client, "ended", NULL);
  reply = report (f, f->client, ended, "Complete", NULL);
  wait_string (f, ended, "status", "completed");

  g_variant_builder_init (&updates, G_VARIANT_TYPE ("a{ta{sv}}"));
  g_variant_builder_add_parsed (&updates, "{%t, {'progress': <0.3>, 'message': <'m'>, 'log': <['x', 'y']>}}", a);
  g_variant_builder_add_parsed (&updates, "{%t, {'progress': <5.0>, 'total': <10.0>}}", b);
  g_variant_builder_add_parsed (&updates, "{%t, {'message': <'dropped'>}}", ended);
  g_variant_unref (reply);
  reply = call (f, f->client, "UpdateTasks", g_variant_new ("(a{ta{sv}})", &updates));
  wait_progress (f, a, 0.3);
  wait_string (f, a, "message", "m");
  wait_progress (f, b, 0.5);
  wait_log_lines (f, a, 2);
  lines = get_log (f, a);
  g_assert_cmpstr (line_text (lines[0]), ==, "x");
  g_assert_cmpstr (line_text (lines[1]), ==, "y");

  /* Refused as a whole: an unknown id, an unknown key, a bad value. */
  g_variant_builder_init (&updates, G_VARIANT_TYPE ("a{ta{sv}}"));
  g_variant_builder_add_parsed (&updates, "{%t, {'message': <'no'>}}", a);
  g_variant_builder_add_parsed (&updates, "{%t, {'message': <'no'>}}", (guint64) 987654321);
  call_fails (f, f->client, "UpdateTasks", g_variant_new ("(a{ta{sv}})", &updates),
              TASKER_DBUS_ERROR_NO_SUCH_TASK, "no task 987654321");
  g_variant_builder_init (&updates, G_VARIANT_TYPE ("a{ta{sv}}"));
  g_variant_builder_add_parsed (&updates, "{%t, {'message': <'no'>}}", a);
  g_variant_builder_add_parsed (&updates, "{%t, {'colour': <'red'>}}", b);
  call_fails (f, f->client, "UpdateTasks", g_variant_new ("(a{ta{sv}})", &updates),
              TASKER_DBUS_ERROR_INVALID_ARGUMENT,
              about (f, "task %s: unknown option “colour”", b));
  g_variant_builder_init (&updates, G_VARIANT_TYPE ("a{ta{sv}}"));
  g_variant_builder_add_parsed (&updates, "{%t, {'message': <'no'>}}", a);
  g_variant_builder_add_parsed (&updates, "{%t, {'total': <0.0>}}", b);
  call_fails (f, f->client, "UpdateTasks", g_variant_new ("(a{ta{sv}})", &updates),
              TASKER_DBUS_ERROR_INVALID_ARGUMENT,
              about (f, "task %s: total must be a finite number more than 0, not 0", b));
  wait_string (f, a, "message", "m");
}

static void
test_bad_values (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  guint64 id = create_task (f, f->client, "values", NULL);

  report_fails (f, f->client, id, "SetProgress", g_variant_new ("(d)", NAN), TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                "progress must be a finite number, not nan");
  report_fails (f, f->client, id, "SetProgress", g_variant_new ("(d)", INFINITY),
                TASKER_DBUS_ERROR_INVALID_ARGUMENT, "progress must be a finite number, not inf");
  report_fails (f, f->client, id, "SetTotal", g_variant_new ("(d)", 0.0), TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                "total must be a finite number more than 0, not 0");
  report_fails (f, f->client, id, "SetTotal", g_variant_new ("(d)", -4.0), TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                "total must be a finite number more than 0, not -4");
  report_fails (f, f->client, id, "SetTotal", g_variant_new ("(d)", -INFINITY),
                TASKER_DBUS_ERROR_INVALID_ARGUMENT, "total must be a finite number more than 0, not -inf");
  /* GDBus itself refuses a wrong signature. */
  {
    g_autofree char *path = path_of (id);
    g_autoptr(GError) error = NULL;

    reply = call_full (f, f->client, path, TASK_IFACE, "SetProgress", g_variant_new ("(s)", "half"), &error);
    g_assert_null (reply);
    g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  }

  /* Out of range: clamped by the library. */
  reply = report (f, f->client, id, "SetProgress", g_variant_new ("(d)", 7.0));
  wait_progress (f, id, 1.0);

  /* CreateTask's own checks. */
  call_fails (f, f->client, "CreateTask", g_variant_new_parsed ("('', @a{sv} {})"),
              TASKER_DBUS_ERROR_INVALID_ARGUMENT, "a task needs a name");
  call_fails (f, f->client, "CreateTask", g_variant_new_parsed ("('x', {'colour': <'red'>})"),
              TASKER_DBUS_ERROR_INVALID_ARGUMENT, "unknown option “colour”");
  call_fails (f, f->client, "CreateTask", g_variant_new_parsed ("('x', {'pid': <'12'>})"),
              TASKER_DBUS_ERROR_INVALID_ARGUMENT, "option “pid” must be of type u, not s");
  call_fails (f, f->client, "CreateTask", g_variant_new_parsed ("('x', {'total': <-1.0>})"),
              TASKER_DBUS_ERROR_INVALID_ARGUMENT, "total must be a finite number more than 0, not -1");
}

/* Paths under the prefix that are no external task answer NoSuchTask. */
static void
test_no_such_task (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *command_path = NULL;
  guint64 command;

  report_fails (f, f->client, 424242, "SetProgress", g_variant_new ("(d)", 0.5),
                TASKER_DBUS_ERROR_NO_SUCH_TASK, "no task 424242");
  report_fails (f, f->client, 424242, "Complete", NULL, TASKER_DBUS_ERROR_NO_SUCH_TASK, "no task 424242");
  call_fails_at (f, f->client, TASKER_DBUS_TASK_PATH_PREFIX "abc", TASK_IFACE, "Complete", NULL,
                 TASKER_DBUS_ERROR_NO_SUCH_TASK, "no task at " TASKER_DBUS_TASK_PATH_PREFIX "abc");
  /* A task of another kind has no object. */
  reply = call (f, f->client, "AddCommand",
                g_variant_new ("(^as^ay^as@a{sv})", (const char *[]) { "sleep", "600", NULL }, "",
                               (const char *[]) { NULL }, g_variant_new ("a{sv}", NULL)));
  g_variant_get (reply, "(t)", &command);
  report_fails (f, f->client, command, "Complete", NULL, TASKER_DBUS_ERROR_NO_SUCH_TASK, "no task …");
  g_variant_unref (reply);
  reply = call (f, f->client, "Cancel", g_variant_new ("(t)", command));
  command_path = path_of (command);
  g_variant_unref (reply);
  reply = call_full (f, f->other, command_path, "org.freedesktop.DBus.Properties", "Get",
                     g_variant_new ("(ss)", TASK_IFACE, "Id"), &error);
  g_assert_null (reply);
  g_assert_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_NO_SUCH_TASK);
}

/* At most N live tasks per owner (lowered for the test); others are not
 * limited by it, and an ended task makes room. */
static void
test_limit (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  guint64 first = 0;

  g_assert_cmpuint (tasker_app_external_get_max_tasks_per_owner (get_external (f)), ==, 1000);
  tasker_app_external_set_max_tasks_per_owner (get_external (f), 3);
  for (guint i = 0; i < 3; i++)
    {
      guint64 id = create_task (f, f->client, "one of three", NULL);

      if (first == 0)
        first = id;
    }
  call_fails (f, f->client, "CreateTask", g_variant_new_parsed ("('fourth', @a{sv} {})"),
              TASKER_DBUS_ERROR_LIMIT_EXCEEDED, "a program may have at most 3 live tasks");
  create_task (f, f->other, "another program's", NULL);

  reply = report (f, f->client, first, "Complete", NULL);
  wait_string (f, first, "status", "completed");
  create_task (f, f->client, "room again", NULL);
}

/* The library cuts a message at 4 KiB and a log line at 64 KiB. */
static void
test_huge_reports (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *message = g_strnfill (10000, 'm');
  g_autofree char *line = g_strnfill (100000, 'l');
  g_autofree char *seen = NULL;
  g_auto(GStrv) lines = NULL;
  guint64 id = create_task (f, f->client, "huge", NULL);

  reply = report (f, f->client, id, "SetMessage", g_variant_new ("(s)", message));
  g_variant_unref (reply);
  reply = report (f, f->client, id, "Log", g_variant_new ("(s)", line));
  wait_log_lines (f, id, 1);
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;; ui_test_sleep (10))
    {
      g_free (seen);
      seen = get_string (f, id, "message");
      if (seen != NULL && seen[0] == 'm')
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
  g_assert_cmpuint (strlen (seen), <=, 4096);
  g_assert_cmpuint (strlen (seen), >, 4000);
  g_assert_true (g_str_has_suffix (seen, "…"));

  lines = get_log (f, id);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_cmpuint (strlen (lines[0]), <, 64 * 1024 + 100);
  g_assert_nonnull (strstr (lines[0], "… [cut "));
}

/* Cancel from Tasker: CancelRequested with PropertiesChanged, ShouldExit
 * TRUE, still running; the owner's Complete then ends it CANCELLED. */
static void
test_cancel_then_complete (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean should_exit = FALSE;
  guint64 id = create_task (f, f->client, "cancel me", NULL);

  tasker_manager_set_cancel_grace (f->manager, 60000);
  reply = call (f, f->other, "Cancel", g_variant_new ("(t)", id));
  wait_cancel_requested (f, id);
  g_assert_true (get_cancel_requested (f, id));
  g_variant_unref (reply);
  reply = report (f, f->client, id, "ShouldExit", NULL);
  g_variant_get (reply, "(b)", &should_exit);
  g_assert_true (should_exit);
  wait_string (f, id, "status", "running");

  g_variant_unref (reply);
  reply = report (f, f->client, id, "Complete", NULL);
  wait_string (f, id, "status", "cancelled");
  report_fails (f, f->client, id, "Log", g_variant_new ("(s)", "late"), TASKER_DBUS_ERROR_TASK_ENDED,
                about (f, "task %s has already ended (cancelled)", id));
}

/* "key": a new task with the key of a live one cancels it, which for an
 * external task is a request to its owner. */
static void
test_key_replaces (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GVariant) task = NULL;
  const char *key;
  guint64 first, second;

  tasker_manager_set_cancel_grace (f->manager, 60000);
  first = create_task (f, f->client, "first", g_variant_new_parsed ("{'key': <'sync'>}"));
  second = create_task (f, f->other, "second", g_variant_new_parsed ("{'key': <'sync'>}"));
  wait_cancel_requested (f, first);
  g_assert_false (get_cancel_requested (f, second));
  task = get_task (f, second);
  g_assert_true (g_variant_lookup (task, "key", "&s", &key));
  g_assert_cmpstr (key, ==, "sync");
}

/* An owner that does not stop: CANCELLED once the grace has passed. */
static void
test_cancel_grace (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  guint64 id;

  tasker_manager_set_cancel_grace (f->manager, 200);
  id = create_task (f, f->client, "stubborn", NULL);
  reply = call (f, f->other, "Cancel", g_variant_new ("(t)", id));
  wait_cancel_requested (f, id);
  wait_string (f, id, "status", "cancelled");
  report_fails (f, f->client, id, "SetProgress", g_variant_new ("(d)", 0.5), TASKER_DBUS_ERROR_TASK_ENDED,
                about (f, "task %s has already ended (cancelled)", id));
}

/* An owner that goes away after a cancel: CANCELLED, not FAILED. */
static void
test_cancel_then_owner_exits (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GDBusConnection) program = ui_test_bus_client_new ();
  g_autoptr(GVariant) reply = NULL;
  guint64 id;

  tasker_manager_set_cancel_grace (f->manager, 60000);
  id = create_task (f, program, "leaves", NULL);
  reply = call (f, f->other, "Cancel", g_variant_new ("(t)", id));
  wait_cancel_requested (f, id);
  g_dbus_connection_close_sync (program, NULL, NULL);
  wait_string (f, id, "status", "cancelled");
}

/* "parent": a live external task of the same owner. */
static void
test_parent (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GVariant) child_task = NULL;
  guint64 parent, child, parent_of_child = 0;

  parent = create_task (f, f->client, "parent", NULL);
  child = create_task (f, f->client, "child", g_variant_new_parsed ("{'parent': <%t>}", parent));
  child_task = get_task (f, child);
  g_assert_true (g_variant_lookup (child_task, "parent", "t", &parent_of_child));
  g_assert_cmpuint (parent_of_child, ==, parent);

  call_fails (f, f->other, "CreateTask", g_variant_new_parsed ("('x', {'parent': <%t>})", parent),
              TASKER_DBUS_ERROR_ACCESS_DENIED,
              about (f, "parent %s belongs to another program", parent));
  call_fails (f, f->client, "CreateTask", g_variant_new_parsed ("('x', {'parent': <uint64 777777>})"),
              TASKER_DBUS_ERROR_NO_SUCH_TASK, "parent 777777 is not a live external task");
}

static void
count_cb (guint *n)
{
  (*n)++;
}

typedef struct
{
  guint n_replies;
  guint n_errors;
} Flood;

static void
flood_reply_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Flood *flood = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    flood->n_errors++;
  flood->n_replies++;
}

static gboolean
flood_done (gpointer data)
{
  return ((Flood *) data)->n_replies == 2000;
}

/* 2,000 SetProgress in a tight loop cost at most one repaint (the manager's
 * tasks-updated, and TasksChanged) per update interval. */
static void
test_coalescing (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = NULL;
  Flood flood = { 0 };
  guint n_updated = 0, n_changed_before, n_changed;
  guint interval = tasker_manager_get_update_interval (f->manager);
  gint64 start, elapsed;
  gulong handler;
  guint64 id;

  id = create_task (f, f->client, "flood", g_variant_new_parsed ("{'total': <2000.0>}"));
  path = path_of (id);
  ui_test_sleep (2 * interval);  /* the creation's own signals are out of the way */
  n_changed_before = count_signals (f, "TasksChanged");
  handler = g_signal_connect_swapped (f->manager, "tasks-updated", G_CALLBACK (count_cb), &n_updated);

  start = g_get_monotonic_time ();
  for (guint i = 1; i <= 2000; i++)
    g_dbus_connection_call (f->client, f->app_name, path, TASK_IFACE, "SetProgress",
                            g_variant_new ("(d)", (double) i), NULL, G_DBUS_CALL_FLAGS_NONE, TIMEOUT_MS, NULL,
                            flood_reply_cb, &flood);
  g_assert_true (ui_test_wait (flood_done, &flood, TIMEOUT_MS));
  wait_progress (f, id, 1.0);
  elapsed = g_get_monotonic_time () - start;
  g_signal_handler_disconnect (f->manager, handler);
  n_changed = count_signals (f, "TasksChanged") - n_changed_before;

  g_test_message ("2000 SetProgress in %" G_GINT64_FORMAT " ms: %u tasks-updated, %u TasksChanged "
                  "(interval %u ms)", elapsed / 1000, n_updated, n_changed, interval);
  g_assert_cmpuint (flood.n_errors, ==, 0);
  g_assert_cmpuint (n_updated, <=, elapsed / 1000 / interval + 2);
  g_assert_cmpuint (n_changed, <=, elapsed / 1000 / interval + 2);
  g_assert_cmpuint (n_updated, >=, 1);
}

/* ListTasks' keys filter knows the owner's keys. */
static void
test_list_owner_keys (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) tasks = NULL;
  g_autoptr(GVariant) task = NULL;
  guint32 pid = 0;
  guint64 id;

  id = create_task (f, f->client, "listed", NULL);
  reply = call (f, f->other, "ListTasks",
                g_variant_new_parsed ("({'keys': <['id', 'owner-pid', 'owner-name']>},)"));
  tasks = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (tasks), ==, 1);
  task = g_variant_get_child_value (tasks, 0);
  g_assert_cmpuint (g_variant_n_children (task), ==, 3);
  g_assert_true (g_variant_lookup (task, "owner-pid", "u", &pid));
  g_assert_cmpuint (pid, ==, getpid ());
  g_assert_true (g_variant_lookup (task, "id", "t", &id));
}

static TaskerTask *
find_live_task (Fixture *f,
                guint64  id)
{
  g_autoptr(GListModel) tasks = tasker_manager_list_tasks (f->manager);

  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (tasks, i);

      if (tasker_task_get_id (task) == id)
        return task;  /* the manager keeps it while it lives */
    }
  return NULL;
}

static char *
introspect_tasks (Fixture *f)
{
  g_autoptr(GVariant) reply = NULL;
  char *xml;

  reply = call_full (f, f->other, TASKER_DBUS_OBJECT_PATH "/task", "org.freedesktop.DBus.Introspectable",
                     "Introspect", NULL, NULL);
  g_assert_nonnull (reply);
  g_variant_get (reply, "(s)", &xml);
  return xml;
}

/* Introspection lists the live tasks' objects; when the service is
 * unexported (the application quits), the objects go and no owner is
 * watched any more (no name watch, no pidfd left). */
static void
test_objects_and_unexport (Fixture       *f,
                           gconstpointer  data)
{
  guint32 pid = spawn (f, (const char *[]) { "sleep", "600", NULL });
  guint n_with_child = count_pidfds ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *live_path = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *live_node = NULL;
  g_autofree char *ended_node = NULL;
  guint64 live, ended, by_pid;

  live = create_task (f, f->client, "live", NULL);
  ended = create_task (f, f->client, "ended", NULL);
  by_pid = create_task (f, f->client, "by pid", g_variant_new_parsed ("{'pid': <%u>}", pid));
  reply = report (f, f->client, ended, "Complete", NULL);
  wait_string (f, ended, "status", "completed");
  xml = introspect_tasks (f);
  live_node = g_strdup_printf ("<node name=\"%" G_GUINT64_FORMAT "\"/>", live);
  ended_node = g_strdup_printf ("<node name=\"%" G_GUINT64_FORMAT "\"/>", ended);
  g_assert_nonnull (strstr (xml, live_node));
  g_assert_null (strstr (xml, ended_node));
  g_assert_cmpuint (tasker_app_external_get_n_owners (get_external (f)), ==, 2);
  g_assert_cmpuint (count_pidfds (), ==, n_with_child + 1);

  tasker_app_service_unexport (tasker_app_application_get_service (f->app));
  g_assert_cmpuint (tasker_app_external_get_n_owners (get_external (f)), ==, 0);
  g_assert_cmpuint (count_pidfds (), ==, n_with_child);
  g_variant_unref (reply);
  live_path = path_of (live);
  reply = call_full (f, f->client, live_path, TASK_IFACE, "Complete", NULL, &error);
  g_assert_null (reply);
  /* No object there any more: GDBus answers, not the service. */
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);
  /* The manager ends the tasks (it shuts down): they are not failed here. */
  g_assert_cmpint (tasker_task_get_status (find_live_task (f, by_pid)), ==, TASKER_TASK_STATUS_RUNNING);
}

typedef struct
{
  TaskerAppWindow *window;
  TaskerTask      *task;
} RowWait;

static gboolean
row_shown (gpointer data)
{
  RowWait *w = data;

  return tasker_app_window_find_row (w->window, w->task) != NULL;
}

/* The window: the row of another program's task says whose it is, the
 * details show the program's name and pid, and the row's Cancel asks the
 * program to stop (CancelRequested, seen by it); its Complete then ends
 * the task CANCELLED, with no Run Again. */
static void
test_window (Fixture       *f,
             gconstpointer  data)
{
  TaskerAppWindow *window = ui_test_app_window (f->app);
  TaskerAppTaskDetails *details = tasker_app_window_get_details (window);
  guint32 pid = spawn (f, (const char *[]) { "sleep", "600", NULL });
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *owner = g_strdup_printf ("sleep (pid %u)", pid);
  const char *tooltip;
  g_autofree char *path = NULL;
  TaskerAppTaskRow *row;
  GtkWidget *label;
  RowWait wait;
  TaskerTask *task;
  guint64 id;

  tasker_manager_set_cancel_grace (f->manager, 60000);
  id = create_task (f, f->client, "Backing up photos",
                    g_variant_new_parsed ("{'pid': <%u>, 'total': <240.0>, 'message': <'IMG_0042.jpg'>}", pid));
  reply = report (f, f->client, id, "SetProgress", g_variant_new ("(d)", 96.0));
  for (guint i = 1; i < 42; i++)
    {
      g_autofree char *line = g_strdup_printf ("copied IMG_%04u.jpg", i);

      g_variant_unref (reply);
      reply = report (f, f->client, id, "Log", g_variant_new ("(s)", line));
    }
  task = find_live_task (f, id);
  g_assert_nonnull (task);

  wait.window = window;
  wait.task = task;
  g_assert_true (ui_test_wait (row_shown, &wait, 5000));
  row = tasker_app_window_find_row (window, task);
  tooltip = gtk_widget_get_tooltip_text (ui_test_find_label (GTK_WIDGET (row), "Backing up photos"));
  g_assert_true (g_str_has_prefix (tooltip, "Reported by "));
  g_assert_cmpstr (tooltip + strlen ("Reported by "), ==, owner);

  tasker_app_window_select_task (window, task);
  g_assert_true (tasker_app_task_details_get_task (details) == task);
  label = ui_test_find_label (GTK_WIDGET (details), owner);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_get_visible (label));
  g_assert_nonnull (ui_test_find_label (GTK_WIDGET (details), "Program"));
  /* It has no command, queue or attempts of Tasker's. */
  g_assert_false (gtk_widget_get_visible (ui_test_find_label (GTK_WIDGET (details), "Command")));
  g_assert_false (gtk_widget_get_visible (ui_test_find_label (GTK_WIDGET (details), "Directory")));
  g_assert_false (gtk_widget_get_visible (ui_test_find_label (GTK_WIDGET (details), "Queue")));
  g_assert_false (gtk_widget_get_visible (ui_test_find_label (GTK_WIDGET (details), "Attempts")));
  UI_TEST_WAIT_UNTIL (tasker_task_get_progress (task) > 0.39, 5);
  ui_test_sleep (600);
  path = ui_test_screenshot (GTK_WIDGET (window), "tasker-external-details");

  /* The button's own signal (gtk_widget_activate() clicks 250 ms later). */
  g_signal_emit_by_name (tasker_app_task_row_get_cancel_button (row), "clicked");
  wait_cancel_requested (f, id);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_RUNNING);
  g_variant_unref (reply);
  reply = report (f, f->client, id, "Complete", NULL);
  UI_TEST_WAIT_UNTIL (tasker_task_is_final (task), 5);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_CANCELLED);
  row = tasker_app_window_find_row (window, task);
  UI_TEST_WAIT_UNTIL (!gtk_widget_get_visible (tasker_app_task_row_get_cancel_button (row)), 5);
  g_assert_false (gtk_widget_get_visible (tasker_app_task_row_get_rerun_button (row)));

  /* The details' Cancel asks too; the program's Fail ends it CANCELLED. */
  id = create_task (f, f->client, "Another job", NULL);
  task = find_live_task (f, id);
  wait.task = task;
  g_assert_true (ui_test_wait (row_shown, &wait, 5000));
  tasker_app_window_select_task (window, task);
  g_assert_true (tasker_app_task_details_get_task (details) == task);
  g_signal_emit_by_name (ui_test_template_child (GTK_WIDGET (details), TASKER_APP_TYPE_TASK_DETAILS,
                                                 "cancel_button"), "clicked");
  wait_cancel_requested (f, id);
  g_variant_unref (reply);
  reply = report (f, f->client, id, "Fail", g_variant_new ("(s)", "stopped"));
  UI_TEST_WAIT_UNTIL (tasker_task_is_final (task), 5);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_CANCELLED);
  g_assert_false (gtk_widget_get_visible (ui_test_template_child (GTK_WIDGET (details), TASKER_APP_TYPE_TASK_DETAILS,
                                                                  "rerun_button")));
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/Tasker/UI/External/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("create-report-complete", test_create_report_complete);
  ADD ("fail", test_fail);
  ADD ("owner-connection-closes", test_owner_connection_closes);
  ADD ("pid-owner-exits", test_pid_owner_exits);
  ADD ("pid-owner-descendant", test_pid_owner_descendant);
  ADD ("pid-checks", test_pid_checks);
  ADD ("non-owner-refused", test_non_owner_refused);
  ADD ("update-tasks", test_update_tasks);
  ADD ("bad-values", test_bad_values);
  ADD ("no-such-task", test_no_such_task);
  ADD ("limit", test_limit);
  ADD ("huge-reports", test_huge_reports);
  ADD ("cancel-then-complete", test_cancel_then_complete);
  ADD ("cancel-grace", test_cancel_grace);
  ADD ("key-replaces", test_key_replaces);
  ADD ("cancel-then-owner-exits", test_cancel_then_owner_exits);
  ADD ("parent", test_parent);
  ADD ("coalescing", test_coalescing);
  ADD ("list-owner-keys", test_list_owner_keys);
  ADD ("objects-and-unexport", test_objects_and_unexport);
#undef ADD
  g_test_add ("/Tasker/UI/External/window", Fixture, NULL, fixture_set_up_window, test_window, fixture_tear_down);

  return g_test_run ();
}
