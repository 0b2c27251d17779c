/* test-app-background.c: jobs outlive the window — closing it while tasks
 * run, Quit with running tasks, D-Bus activation and the notifications of
 * tasks that end in the background
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <X11/Xatom.h>
#include <X11/Xlib.h>

#include <glib/gstdio.h>

#include "tasker-app-history-details.h"
#include "ui-test.h"

/* A notification server as GNOME Shell's (org.gtk.Notifications, which
 * GNotification's "gtk" backend talks to): it keeps what it was sent, and
 * the tests activate the actions the way the shell does, over D-Bus. */

typedef struct
{
  char     *app_id;
  char     *id;
  GVariant *notification;  /* a{sv} */
} Sent;

static GPtrArray *sent;  /* (element-type Sent) */

static void
sent_free (Sent *s)
{
  g_free (s->app_id);
  g_free (s->id);
  g_variant_unref (s->notification);
  g_free (s);
}

static const char gtk_notifications_xml[] =
  "<node>"
  "  <interface name='org.gtk.Notifications'>"
  "    <method name='AddNotification'>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/>"
  "    </method>"
  "    <method name='RemoveNotification'>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
gtk_notifications_call_cb (GDBusConnection       *connection,
                           const char            *sender,
                           const char            *object_path,
                           const char            *interface_name,
                           const char            *method_name,
                           GVariant              *parameters,
                           GDBusMethodInvocation *invocation,
                           gpointer               user_data)
{
  if (g_strcmp0 (method_name, "AddNotification") == 0)
    {
      Sent *s = g_new0 (Sent, 1);

      g_variant_get (parameters, "(ss@a{sv})", &s->app_id, &s->id, &s->notification);
      g_test_message ("notification %s/%s: %s", s->app_id, s->id,
                      g_variant_print (s->notification, FALSE));
      g_ptr_array_add (sent, s);
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
serve_notifications (GDBusConnection *bus)
{
  static const GDBusInterfaceVTable vtable = { gtk_notifications_call_cb, NULL, NULL, { 0 } };

  ui_test_serve (bus, "org.gtk.Notifications", "/org/gtk/Notifications", gtk_notifications_xml, &vtable);
}

/* The last notification @app_id sent with @id, or NULL. */
static GVariant *
find_sent (const char *app_id,
           const char *id)
{
  for (guint i = sent->len; i > 0; i--)
    {
      Sent *s = sent->pdata[i - 1];

      if (g_str_equal (s->app_id, app_id) && g_str_equal (s->id, id))
        return s->notification;
    }
  return NULL;
}

static guint
count_sent (const char *app_id,
            const char *id)
{
  guint n = 0;

  for (guint i = 0; i < sent->len; i++)
    {
      Sent *s = sent->pdata[i];

      if (g_str_equal (s->app_id, app_id) && g_str_equal (s->id, id))
        n++;
    }
  return n;
}

typedef struct
{
  const char *app_id;
  const char *id;
} SentWait;

static gboolean
was_sent (gpointer data)
{
  SentWait *w = data;

  return find_sent (w->app_id, w->id) != NULL;
}

static GVariant *
wait_for_notification (const char *app_id,
                       const char *id,
                       guint       timeout_ms)
{
  SentWait w = { app_id, id };

  g_assert_true (ui_test_wait (was_sent, &w, timeout_ms));
  return find_sent (app_id, id);
}

/* The button labelled @label: its action and target. */
static gboolean
lookup_button (GVariant    *notification,
               const char  *label,
               char       **action,
               GVariant   **target)
{
  g_autoptr(GVariant) buttons = g_variant_lookup_value (notification, "buttons", G_VARIANT_TYPE ("aa{sv}"));
  gsize n = buttons != NULL ? g_variant_n_children (buttons) : 0;

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) button = g_variant_get_child_value (buttons, i);
      g_autofree char *button_label = ui_test_lookup_string (button, "label");

      if (g_strcmp0 (button_label, label) == 0)
        {
          *action = ui_test_lookup_string (button, "action");
          *target = g_variant_lookup_value (button, "target", NULL);
          return TRUE;
        }
    }
  return FALSE;
}

/* As the shell does for a notification's action "app.NAME": ActivateAction
 * on the application's object, through the bus. */
static void
call_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);

  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
activate_remote_action (GDBusConnection *bus,
                        const char      *bus_name,
                        const char      *app_id,
                        const char      *action,
                        GVariant        *target)
{
  g_autofree char *path = g_strconcat ("/", app_id, NULL);
  GVariantBuilder parameters;
  gboolean done = FALSE;

  g_strdelimit (path, ".", '/');
  g_assert_true (g_str_has_prefix (action, "app."));
  g_variant_builder_init (&parameters, G_VARIANT_TYPE ("av"));
  if (target != NULL)
    g_variant_builder_add (&parameters, "v", target);
  g_dbus_connection_call (bus, bus_name, path, "org.freedesktop.Application", "ActivateAction",
                          g_variant_new ("(sav@a{sv})", action + strlen ("app."), &parameters,
                                         g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                          NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL, call_done_cb, &done);
  g_assert_true (ui_test_wait (is_true, &done, 30000));
}

/* ------------------------------------------------------------------ */
/* In-process: the application and its window */

typedef struct
{
  TaskerAppApplication *app;
  TaskerAppWindow      *window;
  char                 *data_dir;
  const char           *app_id;
  GDBusConnection      *bus;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->app = ui_test_app_new_in_tmp_dir (&f->data_dir);
  f->window = ui_test_app_window (f->app);
  f->app_id = g_application_get_application_id (G_APPLICATION (f->app));
  f->bus = g_application_get_dbus_connection (G_APPLICATION (f->app));
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 600);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  ui_test_app_clear (&f->app, &f->data_dir);
}

static TaskerTask *
run (Fixture    *f,
     const char *command_line)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  g_autoptr(TaskerAppCommand) command = NULL;
  TaskerTask *task;

  g_shell_parse_argv (command_line, NULL, &argv, &error);
  g_assert_no_error (error);
  command = tasker_app_command_new ((const char * const *) argv);
  tasker_app_command_set_cwd (command, g_get_tmp_dir ());
  task = tasker_app_application_run_command (f->app, command, &error);
  g_assert_no_error (error);
  return task;
}

static gboolean
is_visible (gpointer data)
{
  return gtk_widget_get_visible (data);
}

static gboolean
has_no_window (gpointer app)
{
  return ui_test_app_window (app) == NULL;
}

static gboolean
lists_task (TaskerAppWindow *window,
            TaskerTask      *task)
{
  GListModel *tasks = tasker_app_window_get_tasks (window);

  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(TaskerTask) listed = g_list_model_get_item (tasks, i);

      if (listed == task)
        return TRUE;
    }
  return FALSE;
}

/* Closing the window while tasks run hides it (the application holds on),
 * with a notification whose action shows it again, tasks as they are. */
static void
test_close_keeps_running (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(TaskerTask) blocker = run (f, "sleep 60");
  g_autoptr(TaskerTask) quick = run (f, "sh -c 'sleep 0.5'");
  GVariant *notification;
  g_autofree char *title = NULL;
  g_autofree char *action = NULL;
  g_autofree char *button_action = NULL;
  g_autoptr(GVariant) target = NULL;

  g_assert_true (ui_test_wait (ui_test_is_running, blocker, 5000));
  g_assert_true (ui_test_wait (ui_test_is_running, quick, 5000));

  gtk_window_close (GTK_WINDOW (f->window));
  /* Hidden, not destroyed: still the application's window. */
  g_assert_true (ui_test_app_window (f->app) == f->window);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->window)));

  notification = wait_for_notification (f->app_id, "background", 5000);
  title = ui_test_lookup_string (notification, "title");
  g_assert_cmpstr (title, ==, "2 tasks continue in the background");
  action = ui_test_lookup_string (notification, "default-action");
  g_assert_cmpstr (action, ==, "app.show-window");
  g_assert_true (lookup_button (notification, "Show", &button_action, &target));
  g_assert_cmpstr (button_action, ==, "app.show-window");

  /* One ends in the background; the other keeps the window alive. */
  g_assert_true (ui_test_wait (ui_test_is_final, quick, 5000));
  g_assert_cmpint (tasker_task_get_status (quick), ==, TASKER_TASK_STATUS_COMPLETED);
  ui_test_sleep (100);
  g_assert_true (ui_test_app_window (f->app) == f->window);

  /* The notification's action, as the shell activates it. */
  activate_remote_action (f->bus, g_dbus_connection_get_unique_name (f->bus), f->app_id, action, NULL);
  g_assert_true (ui_test_wait (is_visible, f->window, 5000));
  g_assert_true (ui_test_app_window (f->app) == f->window);
  g_assert_true (lists_task (f->window, quick));
  g_assert_true (lists_task (f->window, blocker));
  g_assert_cmpint (tasker_task_get_status (blocker), ==, TASKER_TASK_STATUS_RUNNING);

  /* Closed again: when the last task ends, the hidden window goes, and with
   * it the application's last hold. */
  gtk_window_close (GTK_WINDOW (f->window));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->window)));
  tasker_task_cancel (blocker);
  g_assert_true (ui_test_wait (ui_test_is_final, blocker, 5000));
  g_assert_true (ui_test_wait (has_no_window, f->app, 5000));
  f->window = NULL;
}

/* With nothing running, closing the window closes it. */
static void
test_close_idle (Fixture       *f,
                 gconstpointer  data)
{
  gtk_window_close (GTK_WINDOW (f->window));
  g_assert_null (ui_test_app_window (f->app));
  g_assert_null (find_sent (f->app_id, "background"));
  f->window = NULL;
}

static AdwMessageDialog *
find_message_dialog (void)
{
  return (AdwMessageDialog *) ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
}

/* The response's button, clicked. */
static void
click_response (AdwMessageDialog *dialog,
                const char       *label)
{
  GtkWidget *button = ui_test_find_button (GTK_WIDGET (dialog), label);

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
no_message_dialog (gpointer data)
{
  return find_message_dialog () == NULL;
}

/* Quit while a task runs asks first: Cancel keeps it running, Stop cancels
 * it (the history says cancelled, not interrupted) and quits. */
static void
test_quit_asks (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(TaskerTask) task = run (f, "sleep 60");
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  g_autoptr(GListModel) records = NULL;
  g_autoptr(TaskerHistoryRecord) record = NULL;
  AdwMessageDialog *dialog;

  g_assert_true (ui_test_wait (ui_test_is_running, task, 5000));

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  dialog = find_message_dialog ();
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (f->window));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Stop 1 running task?");
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  g_assert_cmpstr (adw_message_dialog_get_close_response (dialog), ==, "cancel");
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "stop"), ==, ADW_RESPONSE_DESTRUCTIVE);

  click_response (dialog, "_Cancel");
  g_assert_true (ui_test_wait (no_message_dialog, NULL, 5000));
  g_assert_true (ui_test_app_window (f->app) == f->window);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_RUNNING);

  /* Asked again: Stop. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  dialog = find_message_dialog ();
  g_assert_nonnull (dialog);
  click_response (dialog, "_Stop");
  g_assert_true (ui_test_wait (ui_test_is_final, task, 5000));
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_CANCELLED);
  g_assert_true (ui_test_wait (has_no_window, f->app, 5000));
  f->window = NULL;

  records = ui_test_query_history (tasker_app_application_get_manager (f->app), query);
  g_assert_cmpuint (g_list_model_get_n_items (records), ==, 1);
  record = g_list_model_get_item (records, 0);
  g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_CANCELLED);
  g_assert_false (tasker_history_record_get_interrupted (record));
}

/* With nothing running, Quit quits without asking. */
static void
test_quit_idle (Fixture       *f,
                gconstpointer  data)
{
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  g_assert_null (find_message_dialog ());
  g_assert_null (ui_test_app_window (f->app));
  f->window = NULL;
}

static gboolean
details_show (gpointer data)
{
  TaskerAppTaskDetails *details = ((gpointer *) data)[0];
  TaskerTask *task = ((gpointer *) data)[1];

  return tasker_app_task_details_get_task (details) == task;
}

static gboolean
has_more_tasks (gpointer data)
{
  Fixture *f = ((gpointer *) data)[0];
  guint n = GPOINTER_TO_UINT (((gpointer *) data)[1]);

  return g_list_model_get_n_items (tasker_app_window_get_tasks (f->window)) > n;
}

/* A task that ends while the window is closed: none for a short one; for a
 * long failed one, Show (selects it) and Run Again (runs it again). */
static void
test_task_end_notification (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(TaskerTask) blocker = run (f, "sleep 60");
  g_autoptr(TaskerTask) shorter = NULL;
  g_autoptr(TaskerTask) longer = NULL;
  g_autoptr(GVariant) default_target = NULL;
  g_autoptr(GVariant) show_target = NULL;
  g_autoptr(GVariant) rerun_target = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *default_action = NULL;
  g_autofree char *show_action = NULL;
  g_autofree char *rerun_action = NULL;
  g_autoptr(TaskerTask) again = NULL;
  GVariant *notification;
  GListModel *tasks;
  guint n_before;

  g_assert_true (ui_test_wait (ui_test_is_running, blocker, 5000));
  gtk_window_close (GTK_WINDOW (f->window));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->window)));

  shorter = run (f, "sh -c 'exit 1'");
  g_assert_true (ui_test_wait (ui_test_is_final, shorter, 5000));
  longer = run (f, "sh -c 'sleep 5.5; exit 3'");
  g_assert_true (ui_test_wait (ui_test_is_final, longer, 15000));
  g_assert_cmpint (tasker_task_get_status (longer), ==, TASKER_TASK_STATUS_FAILED);

  notification = wait_for_notification (f->app_id, "task-finished", 5000);
  /* The short one sent nothing: one notification, the long one's. */
  g_assert_cmpuint (count_sent (f->app_id, "task-finished"), ==, 1);
  title = ui_test_lookup_string (notification, "title");
  body = ui_test_lookup_string (notification, "body");
  g_assert_cmpstr (title, ==, "Task failed");
  g_assert_cmpstr (body, ==, tasker_task_get_name (longer));

  default_action = ui_test_lookup_string (notification, "default-action");
  default_target = g_variant_lookup_value (notification, "default-action-target", NULL);
  g_assert_cmpstr (default_action, ==, "app.show-task");
  g_assert_nonnull (default_target);
  g_assert_cmpstr (g_variant_get_type_string (default_target), ==, "(tx)");
  {
    guint64 id;
    gint64 finished;

    g_variant_get (default_target, "(tx)", &id, &finished);
    g_assert_cmpuint (id, ==, tasker_task_get_id (longer));
    g_assert_cmpint (finished, ==, tasker_task_get_finished_time (longer));
  }
  g_assert_true (lookup_button (notification, "Show", &show_action, &show_target));
  g_assert_cmpstr (show_action, ==, "app.show-task");
  g_assert_true (g_variant_equal (show_target, default_target));
  g_assert_true (lookup_button (notification, "Run Again", &rerun_action, &rerun_target));
  g_assert_cmpstr (rerun_action, ==, "app.rerun-task");
  g_assert_true (g_variant_equal (rerun_target, default_target));

  /* Show: the window comes back with the task selected. */
  activate_remote_action (f->bus, g_dbus_connection_get_unique_name (f->bus), f->app_id,
                          default_action, default_target);
  g_assert_true (ui_test_wait (is_visible, f->window, 5000));
  {
    gpointer wait[] = { tasker_app_window_get_details (f->window), longer };

    g_assert_true (ui_test_wait (details_show, wait, 5000));
  }

  /* Run Again: the same command, as a new task. */
  tasks = tasker_app_window_get_tasks (f->window);
  n_before = g_list_model_get_n_items (tasks);
  activate_remote_action (f->bus, g_dbus_connection_get_unique_name (f->bus), f->app_id,
                          rerun_action, rerun_target);
  {
    gpointer wait[] = { f, GUINT_TO_POINTER (n_before) };

    g_assert_true (ui_test_wait (has_more_tasks, wait, 5000));
  }
  again = g_list_model_get_item (tasks, n_before);
  g_assert_true (again != longer);
  g_assert_cmpstr (tasker_task_get_description (again, "command"), ==,
                   tasker_task_get_description (longer, "command"));

  tasker_task_cancel (again);
  tasker_task_cancel (blocker);
}

static TaskerAppHistoryDetails *
find_history_details (void)
{
  return (TaskerAppHistoryDetails *) ui_test_find_toplevel (TASKER_APP_TYPE_HISTORY_DETAILS);
}

static gboolean
has_history_details (gpointer data)
{
  return find_history_details () != NULL;
}

/* The actions of a notification sent by a previous run: Show opens the
 * task's history record, Run Again runs its command from there. */
static void
test_actions_from_history (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(TaskerTask) task = run (f, "sh -c 'exit 4'");
  g_autoptr(GVariant) target = NULL;
  TaskerAppHistoryDetails *details;
  TaskerHistoryRecord *record;
  AdwViewStack *stack;
  GListModel *tasks;
  g_autoptr(TaskerTask) again = NULL;

  g_assert_true (ui_test_wait (ui_test_is_final, task, 5000));
  target = g_variant_ref_sink (g_variant_new ("(tx)", tasker_task_get_id (task),
                                              tasker_task_get_finished_time (task)));
  /* Quit; start again, as D-Bus activation would. */
  g_clear_pointer (&f->app, ui_test_app_free);
  f->app = ui_test_app_new (f->data_dir);
  f->window = ui_test_app_window (f->app);
  f->app_id = g_application_get_application_id (G_APPLICATION (f->app));
  tasks = tasker_app_window_get_tasks (f->window);
  g_assert_cmpuint (g_list_model_get_n_items (tasks), ==, 0);

  activate_remote_action (f->bus, g_dbus_connection_get_unique_name (f->bus), f->app_id,
                          "app.show-task", target);
  g_assert_true (ui_test_wait (has_history_details, NULL, 5000));
  details = find_history_details ();
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (details)) == GTK_WINDOW (f->window));
  record = tasker_app_history_details_get_record (details);
  g_assert_cmpuint (tasker_history_record_get_task_id (record), ==, tasker_task_get_id (task));
  stack = ADW_VIEW_STACK (ui_test_find_of_type (GTK_WIDGET (f->window), ADW_TYPE_VIEW_STACK));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "history");
  gtk_window_destroy (GTK_WINDOW (details));

  activate_remote_action (f->bus, g_dbus_connection_get_unique_name (f->bus), f->app_id,
                          "app.rerun-task", target);
  {
    gpointer wait[] = { f, GUINT_TO_POINTER (0) };

    g_assert_true (ui_test_wait (has_more_tasks, wait, 5000));
  }
  again = g_list_model_get_item (tasks, 0);
  g_assert_cmpstr (tasker_task_get_description (again, "command"), ==, "sh -c 'exit 4'");
  g_assert_true (ui_test_wait (ui_test_is_final, again, 5000));
}

/* ------------------------------------------------------------------ */
/* The real executable, on a bus of its own that starts it by activation
 * from a service file, as the session bus would */

typedef struct
{
  UiTestSession    session;
  Display         *display;
} Session;

static void
session_start (Session *s)
{
  /* The application id is the same in every session. */
  g_ptr_array_set_size (sent, 0);
  ui_test_session_start (&s->session, TASKER_SERVICE_FILE, TASKER_APP_ID, TASKER_BIN);
  serve_notifications (s->session.bus);

  s->display = XOpenDisplay (NULL);
  g_assert_nonnull (s->display);
}

static guint32
name_owner_pid (Session *s)
{
  return ui_test_session_owner_pid (&s->session);
}

static gboolean
has_no_owner (gpointer data)
{
  return name_owner_pid (data) == 0;
}

static void
session_stop (Session *s)
{
  ui_test_session_stop (&s->session);
  XCloseDisplay (s->display);
}

/* The top-level X windows that process @pid shows (mapped). */
static void
collect_windows (Display  *display,
                 Window    window,
                 guint32   pid,
                 GArray   *found)
{
  Atom pid_atom = XInternAtom (display, "_NET_WM_PID", False);
  Window root, parent, *children = NULL;
  unsigned int n_children = 0;
  Atom type;
  int format;
  unsigned long n_items, after;
  unsigned char *value = NULL;

  if (XGetWindowProperty (display, window, pid_atom, 0, 1, False, XA_CARDINAL, &type, &format,
                          &n_items, &after, &value) == Success && value != NULL)
    {
      XWindowAttributes attributes;

      if (n_items == 1 && (guint32) *(unsigned long *) value == pid &&
          XGetWindowAttributes (display, window, &attributes) && attributes.map_state == IsViewable)
        g_array_append_val (found, window);
      XFree (value);
    }
  if (XQueryTree (display, window, &root, &parent, &children, &n_children))
    {
      for (unsigned int i = 0; i < n_children; i++)
        collect_windows (display, children[i], pid, found);
      if (children != NULL)
        XFree (children);
    }
}

static Window
shown_window (Session *s,
              guint32  pid)
{
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (Window));

  XSync (s->display, False);
  collect_windows (s->display, DefaultRootWindow (s->display), pid, found);
  return found->len > 0 ? g_array_index (found, Window, 0) : None;
}

typedef struct
{
  Session *s;
  guint32  pid;
} WindowWait;

static gboolean
window_shown (gpointer data)
{
  WindowWait *w = data;

  return shown_window (w->s, w->pid) != None;
}

static gboolean
window_not_shown (gpointer data)
{
  return !window_shown (data);
}

/* As a window manager does when its close button is clicked. */
static void
close_window (Session *s,
              Window   window)
{
  XEvent event = { 0 };

  event.xclient.type = ClientMessage;
  event.xclient.window = window;
  event.xclient.message_type = XInternAtom (s->display, "WM_PROTOCOLS", False);
  event.xclient.format = 32;
  event.xclient.data.l[0] = (long) XInternAtom (s->display, "WM_DELETE_WINDOW", False);
  event.xclient.data.l[1] = CurrentTime;
  XSendEvent (s->display, window, False, NoEventMask, &event);
  XFlush (s->display);
}

static void wait_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      data);

/* A `tasker` with @argv (after the executable), until its window shows. */
static GSubprocess *
spawn_tasker (WindowWait         *w,
              gboolean           *exited,
              const char * const *argv)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *tasker;

  g_strv_builder_add (builder, TASKER_BIN);
  g_strv_builder_addv (builder, (const char **) argv);
  args = g_strv_builder_end (builder);
  tasker = g_subprocess_launcher_spawnv (w->s->session.launcher, (const char * const *) args, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (tasker, NULL, wait_cb, exited);
  w->pid = (guint32) atoi (g_subprocess_get_identifier (tasker));
  g_assert_true (ui_test_wait (window_shown, w, 30000));
  return tasker;
}

/* Closes the window w->pid shows, and waits until it no longer shows. */
static void
close_shown_window (WindowWait *w)
{
  /* Mapped is not yet ready for the window manager's messages. */
  ui_test_sleep (300);
  close_window (w->s, shown_window (w->s, w->pid));
  g_assert_true (ui_test_wait (window_not_shown, w, 5000));
}

static GListModel *
read_history (Session *s)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  g_autofree char *history = g_build_filename (s->session.data_home, "tasker", "history.sqlite3", NULL);
  GListModel *records = NULL;

  tasker_manager_set_history_path (manager, history);
  records = ui_test_query_history (manager, query);
  tasker_manager_shutdown (manager, 1000);
  return records;
}

static gboolean
subprocess_exited (gpointer data)
{
  return *(gboolean *) data;
}

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  *(gboolean *) data = TRUE;
}

/* `tasker -- COMMAND`, its window closed: the process stays (with a
 * notification) while the command runs, a second `tasker` shows the window
 * again, and the process quits by itself after the command ended, with a
 * notification whose Run Again works once it is gone: the bus starts Tasker
 * again, which runs the command from its history, and quits after it. */
static void
test_real_background (void)
{
  const char *command = "sh -c 'sleep 6; exit 3'";
  Session s = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) primary = NULL;
  g_autoptr(GSubprocess) second = NULL;
  g_autoptr(GListModel) records = NULL;
  g_autoptr(GVariant) target = NULL;
  g_autofree char *action = NULL;
  g_autofree char *title = NULL;
  gboolean exited = FALSE;
  WindowWait w = { &s, 0 };
  GVariant *notification;
  guint32 pid;

  session_start (&s);

  primary = spawn_tasker (&w, &exited, (const char *[]) { "--", "sh", "-c", "sleep 6; exit 3", NULL });
  close_shown_window (&w);
  notification = wait_for_notification (TASKER_APP_ID, "background", 5000);
  title = ui_test_lookup_string (notification, "title");
  g_assert_cmpstr (title, ==, "1 task continues in the background");
  g_assert_false (exited);
  g_assert_cmpuint (name_owner_pid (&s), ==, w.pid);

  /* A second `tasker` shows the window again; closed again. */
  second = g_subprocess_launcher_spawn (s.session.launcher, &error, TASKER_BIN, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (second, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ui_test_wait (window_shown, &w, 5000));
  close_shown_window (&w);
  g_assert_false (exited);

  /* The command ends (fails, after 6 s): the process goes by itself. */
  g_assert_true (ui_test_wait (subprocess_exited, &exited, 30000));
  g_assert_true (g_subprocess_get_if_exited (primary));
  g_assert_cmpint (g_subprocess_get_exit_status (primary), ==, 0);

  records = read_history (&s);
  g_assert_cmpuint (g_list_model_get_n_items (records), ==, 1);
  {
    g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (records, 0);

    g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_FAILED);
    g_assert_false (tasker_history_record_get_interrupted (record));
    g_assert_cmpstr (tasker_history_record_get_description (record, "command"), ==, command);
  }
  g_clear_object (&records);

  /* Its end was notified, with Run Again. */
  notification = wait_for_notification (TASKER_APP_ID, "task-finished", 5000);
  g_assert_true (lookup_button (notification, "Run Again", &action, &target));

  /* Run Again, Tasker not running: the bus starts it (as a service: no
   * window), it runs the command from the history, then quits. */
  g_assert_true (ui_test_wait (has_no_owner, &s, 5000));
  activate_remote_action (s.session.bus, TASKER_APP_ID, TASKER_APP_ID, action, target);
  pid = name_owner_pid (&s);
  g_assert_cmpuint (pid, !=, 0);
  w.pid = pid;
  g_assert_true (shown_window (&s, pid) == None);
  g_assert_true (ui_test_wait (has_no_owner, &s, 40000));
  g_assert_true (ui_test_wait (ui_test_pid_gone, GUINT_TO_POINTER (pid), 5000));

  records = read_history (&s);
  g_assert_cmpuint (g_list_model_get_n_items (records), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (records, i);

      g_assert_cmpstr (tasker_history_record_get_description (record, "command"), ==, command);
      g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_FAILED);
    }

  session_stop (&s);
}

/* Started by the bus for an activation, it shows the window; closed with
 * nothing running, the application quits (after its idle delay). Started
 * from a terminal and closed, it quits at once, as before. */
static void
test_real_activation (void)
{
  Session s = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) primary = NULL;
  g_autoptr(GVariant) reply = NULL;
  gboolean exited = FALSE;
  WindowWait w = { &s, 0 };

  /* The desktop entry says so: the desktop activates Tasker over D-Bus. */
  {
    g_autoptr(GKeyFile) desktop = g_key_file_new ();

    g_key_file_load_from_file (desktop, TASKER_DESKTOP_FILE, G_KEY_FILE_NONE, &error);
    g_assert_no_error (error);
    g_assert_true (g_key_file_get_boolean (desktop, G_KEY_FILE_DESKTOP_GROUP,
                                           G_KEY_FILE_DESKTOP_KEY_DBUS_ACTIVATABLE, &error));
    g_assert_no_error (error);
  }

  session_start (&s);

  reply = g_dbus_connection_call_sync (s.session.bus, TASKER_APP_ID, "/", "org.freedesktop.DBus.Peer", "Ping",
                                       NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);
  g_assert_no_error (error);
  w.pid = name_owner_pid (&s);
  g_assert_cmpuint (w.pid, !=, 0);
  /* Started, not activated: no window. */
  ui_test_sleep (1000);
  g_assert_true (shown_window (&s, w.pid) == None);

  {
    g_autofree char *path = g_strdelimit (g_strconcat ("/", TASKER_APP_ID, NULL), ".", '/');

    g_clear_pointer (&reply, g_variant_unref);
    reply = g_dbus_connection_call_sync (s.session.bus, TASKER_APP_ID, path, "org.freedesktop.Application",
                                         "Activate", g_variant_new_parsed ("(@a{sv} {},)"),
                                         NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);
    g_assert_no_error (error);
  }
  g_assert_true (ui_test_wait (window_shown, &w, 10000));
  close_shown_window (&w);
  /* It stays a while for what may follow (the same process answers), then
   * goes. */
  ui_test_sleep (1000);
  g_assert_cmpuint (name_owner_pid (&s), ==, w.pid);
  g_assert_true (ui_test_wait (ui_test_pid_gone, GUINT_TO_POINTER (w.pid), 30000));

  /* From a terminal. */
  primary = spawn_tasker (&w, &exited, (const char *[]) { NULL });
  close_shown_window (&w);
  g_assert_true (ui_test_wait (subprocess_exited, &exited, 5000));
  g_assert_null (find_sent (TASKER_APP_ID, "background"));

  session_stop (&s);
}

int
main (int   argc,
      char *argv[])
{
  /* GNOME's notification server, which the tests replace. */
  g_setenv ("GNOTIFICATION_BACKEND", "gtk", TRUE);
  ui_test_init (&argc, &argv);
  sent = g_ptr_array_new_with_free_func ((GDestroyNotify) sent_free);
  /* Kept for the whole run, and the name with it. */
  serve_notifications (g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL));

#define ADD(path, func) \
  g_test_add ("/Tasker/UI/Background/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("close-keeps-running", test_close_keeps_running);
  ADD ("close-idle", test_close_idle);
  ADD ("quit-asks", test_quit_asks);
  ADD ("quit-idle", test_quit_idle);
  ADD ("task-end-notification", test_task_end_notification);
  ADD ("actions-from-history", test_actions_from_history);
#undef ADD
  g_test_add_func ("/Tasker/UI/Background/real-background", test_real_background);
  g_test_add_func ("/Tasker/UI/Background/real-activation", test_real_activation);

  return g_test_run ();
}
