/* ui-test.c: helpers for the application's UI tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tasker-dbus-error.h"

#include "ui-test.h"

static guint n_notifications;

/* A notification server of our own on the test's bus, so that sending a
 * GNotification works and the tests can count them. */
static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "    <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "    <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "  </interface>"
  "</node>";

static void
notifications_call_cb (GDBusConnection       *connection,
                       const char            *sender,
                       const char            *object_path,
                       const char            *interface_name,
                       const char            *method_name,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  if (g_strcmp0 (method_name, "Notify") == 0)
    {
      n_notifications++;
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", n_notifications));
    }
  else if (g_strcmp0 (method_name, "GetCapabilities") == 0)
    g_dbus_method_invocation_return_value (invocation, g_variant_new_parsed ("(@as ['body'],)"));
  else if (g_strcmp0 (method_name, "GetServerInformation") == 0)
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ssss)", "test", "tasker", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

/* The first interface of @xml at @path, and the name @name (without queueing
 * for it); the registration's id. */
guint
ui_test_serve (GDBusConnection            *bus,
               const char                 *name,
               const char                 *path,
               const char                 *xml,
               const GDBusInterfaceVTable *vtable)
{
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint registration;

  info = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);
  registration = g_dbus_connection_register_object (bus, path, info->interfaces[0],
                                                    vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", name, 4u),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  return registration;
}

static void
start_notification_server (void)
{
  static const GDBusInterfaceVTable vtable = { notifications_call_cb, NULL, NULL, { 0 } };
  /* Kept for the whole run: the bus singleton goes away with its last
   * reference, and the name with it. */
  static GDBusConnection *bus;
  g_autoptr(GError) error = NULL;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  ui_test_serve (bus, "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                 notifications_xml, &vtable);
}

guint
ui_test_get_n_notifications (void)
{
  return n_notifications;
}

void
ui_test_init (int    *argc,
              char ***argv)
{
  gboolean no_display = g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL;
  gboolean no_bus = g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL;

  if ((no_display || no_bus) && g_getenv ("TASKER_UI_TEST_NESTED") == NULL)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) args = NULL;

      g_setenv ("TASKER_UI_TEST_NESTED", "1", TRUE);
      if (no_display)
        {
          g_autofree char *xvfb = g_find_program_in_path ("xvfb-run");

          if (xvfb == NULL)
            {
              printf ("1..0 # SKIP no display and no xvfb-run\n");
              exit (0);
            }
          g_strv_builder_add_many (builder, "xvfb-run", "-a", "-s", "-screen 0 1280x800x24", NULL);
        }
      /* Always a bus of our own inside the X server, started by xvfb-run
       * (the other order starts the accessibility registry without DISPLAY). */
      g_strv_builder_add_many (builder, "dbus-run-session", "--", NULL);
      for (int i = 0; i < *argc; i++)
        g_strv_builder_add (builder, (*argv)[i]);
      args = g_strv_builder_end (builder);
      execvp (args[0], args);
      g_error ("Cannot run %s: %s", args[0], g_strerror (errno));
    }

  gtk_test_init (argc, argv, NULL);
  adw_init ();
  start_notification_server ();
}

static guint app_counter;

TaskerAppApplication *
ui_test_app_new (const char *data_dir)
{
  return ui_test_app_new_with_clock (data_dir, NULL);
}

TaskerAppApplication *
ui_test_app_new_with_clock (const char  *data_dir,
                            TaskerClock *clock)
{
  TaskerAppApplication *app = ui_test_app_new_headless (data_dir, clock);

  g_application_activate (G_APPLICATION (app));
  g_assert_nonnull (ui_test_app_window (app));

  return app;
}

TaskerAppApplication *
ui_test_app_new_headless (const char  *data_dir,
                          TaskerClock *clock)
{
  g_autofree char *tmp = NULL;
  g_autofree char *app_id = NULL;
  g_autoptr(GError) error = NULL;
  TaskerAppApplication *app;

  if (data_dir == NULL)
    {
      tmp = g_dir_make_tmp ("tasker-ui-XXXXXX", &error);
      g_assert_no_error (error);
      data_dir = tmp;
    }

  /* One id per application: an unregistered predecessor may still hold its
   * object path on the bus. */
  app_id = g_strdup_printf ("io.github.tasker.Tasker.Test.P%d.A%u", (int) getpid (), ++app_counter);
  /* As tasker_app_application_new(), which has no clock. */
  app = g_object_new (TASKER_APP_TYPE_APPLICATION,
                      "application-id", app_id,
                      "flags", G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_COMMAND_LINE |
                               G_APPLICATION_SEND_ENVIRONMENT,
                      "resource-base-path", "/io/github/tasker/Tasker",
                      "data-dir", data_dir,
                      "clock", clock,
                      NULL);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  return app;
}

TaskerAppApplication *
ui_test_app_new_in_tmp_dir (char **data_dir)
{
  g_autoptr(GError) error = NULL;

  *data_dir = g_dir_make_tmp ("tasker-ui-XXXXXX", &error);
  g_assert_no_error (error);
  return ui_test_app_new (*data_dir);
}

void
ui_test_app_clear (TaskerAppApplication **app,
                   char                 **data_dir)
{
  g_clear_pointer (app, ui_test_app_free);
  ui_test_remove_dir (*data_dir);
  g_clear_pointer (data_dir, g_free);
}

void
ui_test_fixture_set_up (UiTestFixture *f,
                        gconstpointer  data)
{
  f->app = ui_test_app_new_in_tmp_dir (&f->data_dir);
  f->window = ui_test_app_window (f->app);
}

void
ui_test_fixture_tear_down (UiTestFixture *f,
                           gconstpointer  data)
{
  ui_test_app_clear (&f->app, &f->data_dir);
}

TaskerAppWindow *
ui_test_app_window (TaskerAppApplication *app)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  for (GList *l = windows; l != NULL; l = l->next)
    if (TASKER_APP_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

void
ui_test_app_free (TaskerAppApplication *app)
{
  GList *windows;

  tasker_app_application_stop (app);
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
    gtk_window_destroy (windows->data);
  /* Let the cancelled tasks and destroyed widgets settle. */
  tasker_manager_wait_until_settled (tasker_app_application_get_manager (app), 5000);
  ui_test_sleep (50);
  g_object_unref (app);
}

void
ui_test_remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        ui_test_remove_dir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

gboolean
ui_test_wait (UiTestCondition condition,
              gpointer        data,
              guint           timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
ui_test_sleep (guint ms)
{
  ui_test_wait (never, NULL, ms);
}

static gboolean
no_transition_running (gpointer data)
{
  GtkWidget *widget = data;

  if (GTK_IS_STACK (widget) && gtk_stack_get_transition_running (GTK_STACK (widget)))
    return FALSE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (!no_transition_running (child))
      return FALSE;
  return TRUE;
}

char *
ui_test_screenshot (GtkWidget  *widget,
                    const char *name)
{
  const char *dir = g_getenv ("TASKER_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  char *path;
  int width, height;

  /* Let layout and drawing catch up with the last changes, and stack
   * transitions (a page fading out) end. */
  ui_test_sleep (300);
  g_assert_true (ui_test_wait (no_transition_running, widget, 5000));

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  paintable = gtk_widget_paintable_new (widget);
  /* Nothing to render until the widget has drawn once since it changed. */
  for (int i = 0; i < 100 && node == NULL; i++)
    {
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node == NULL)
        ui_test_sleep (20);
    }
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (dir == NULL)
    dir = g_get_tmp_dir ();
  g_mkdir_with_parents (dir, 0755);
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);

  return path;
}

/* For a spawned `tasker`: it dies with the test, even one that aborts. */
void
ui_test_die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* A bus of the test's own whose service directory holds the build's
 * @service_file, with @tasker_bin for the installed executable: a call to
 * @app_id starts the real `tasker` by activation, as the session bus
 * would. */
void
ui_test_session_start (UiTestSession *s,
                       const char    *service_file,
                       const char    *app_id,
                       const char    *tasker_bin)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *services = NULL;
  g_autofree char *config = NULL;
  g_autofree char *config_text = NULL;
  g_autofree char *service = NULL;
  g_autofree char *service_text = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *address = NULL;

  s->app_id = g_strdup (app_id);
  s->dir = g_dir_make_tmp ("tasker-bus-XXXXXX", &error);
  g_assert_no_error (error);
  s->data_home = g_build_filename (s->dir, "data", NULL);
  services = g_build_filename (s->dir, "services", NULL);
  g_assert_no_errno (g_mkdir_with_parents (services, 0700));

  /* The build's service file, with the built executable for the installed
   * one. */
  {
    g_autoptr(GKeyFile) file = g_key_file_new ();
    g_autofree char *name = NULL;
    g_autofree char *exec = NULL;
    g_auto(GStrv) argv = NULL;
    g_autofree char *args = NULL;

    g_key_file_load_from_file (file, service_file, G_KEY_FILE_NONE, &error);
    g_assert_no_error (error);
    name = g_key_file_get_string (file, "D-BUS Service", "Name", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (name, ==, app_id);
    exec = g_key_file_get_string (file, "D-BUS Service", "Exec", &error);
    g_assert_no_error (error);
    g_shell_parse_argv (exec, NULL, &argv, &error);
    g_assert_no_error (error);
    g_assert_true (g_path_is_absolute (argv[0]));
    g_assert_true (g_str_has_suffix (argv[0], "/tasker"));
    args = g_strjoinv (" ", argv + 1);
    g_assert_cmpstr (args, ==, "--gapplication-service");

    service = g_strdup_printf ("%s/%s.service", services, app_id);
    service_text = g_strdup_printf ("[D-BUS Service]\nName=%s\nExec=%s %s\n", name, tasker_bin, args);
  }
  g_file_set_contents (service, service_text, -1, &error);
  g_assert_no_error (error);

  config = g_build_filename (s->dir, "bus.conf", NULL);
  config_text = g_strdup_printf ("<busconfig>"
                                 "<type>session</type>"
                                 "<listen>unix:dir=%s</listen>"
                                 "<auth>EXTERNAL</auth>"
                                 "<servicedir>%s</servicedir>"
                                 "<policy context='default'>"
                                 "<allow send_destination='*' eavesdrop='true'/>"
                                 "<allow eavesdrop='true'/>"
                                 "<allow own='*'/>"
                                 "</policy>"
                                 "</busconfig>", s->dir, services);
  g_file_set_contents (config, config_text, -1, &error);
  g_assert_no_error (error);

  /* Every `tasker` of the test, and the ones the bus starts, run with this
   * environment. */
  s->launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (s->launcher, "XDG_DATA_HOME", s->data_home, TRUE);
  g_subprocess_launcher_setenv (s->launcher, "GNOTIFICATION_BACKEND", "gtk", TRUE);
  g_subprocess_launcher_set_child_setup (s->launcher, ui_test_die_with_parent, NULL, NULL);
  s->daemon = g_subprocess_launcher_spawn (s->launcher, &error, "dbus-daemon", "--nofork",
                                           "--print-address=1", "--config-file", config, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->daemon));
  address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (address);

  /* Their output would mix with the test's. */
  g_object_unref (s->launcher);
  s->launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_setenv (s->launcher, "XDG_DATA_HOME", s->data_home, TRUE);
  g_subprocess_launcher_setenv (s->launcher, "GNOTIFICATION_BACKEND", "gtk", TRUE);
  g_subprocess_launcher_setenv (s->launcher, "DBUS_SESSION_BUS_ADDRESS", address, TRUE);
  g_subprocess_launcher_set_child_setup (s->launcher, ui_test_die_with_parent, NULL, NULL);

  s->bus = g_dbus_connection_new_for_address_sync (address,
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);
}

/* The process that owns the session's application id, or 0. */
guint32
ui_test_session_owner_pid (UiTestSession *s)
{
  g_autoptr(GVariant) reply = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (s->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", s->app_id), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(u)", &pid);
  return pid;
}

gboolean
ui_test_pid_gone (gpointer data)
{
  return kill ((pid_t) GPOINTER_TO_UINT (data), 0) != 0;
}

void
ui_test_session_stop (UiTestSession *s)
{
  guint32 pid = ui_test_session_owner_pid (s);

  /* A failed test may leave the application: it goes with its bus. */
  if (pid != 0)
    kill ((pid_t) pid, SIGTERM);
  g_subprocess_send_signal (s->daemon, SIGTERM);
  g_subprocess_wait (s->daemon, NULL, NULL);
  if (pid != 0)
    g_assert_true (ui_test_wait (ui_test_pid_gone, GUINT_TO_POINTER (pid), 10000));
  g_dbus_connection_close_sync (s->bus, NULL, NULL);
  g_clear_object (&s->bus);
  g_clear_object (&s->daemon);
  g_clear_object (&s->launcher);
  ui_test_remove_dir (s->dir);
  g_clear_pointer (&s->dir, g_free);
  g_clear_pointer (&s->data_home, g_free);
  g_clear_pointer (&s->app_id, g_free);
}

char *
ui_test_lookup_string (GVariant   *dict,
                       const char *key)
{
  char *value = NULL;

  g_variant_lookup (dict, key, "s", &value);
  return value;
}

/* Whether the application id @data (a string) has an owner on the session bus. */
gboolean
ui_test_bus_name_has_owner (gpointer data)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  if (bus == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", (const char *) data), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

static void
history_queried_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GListModel **records = user_data;
  g_autoptr(GError) error = NULL;

  *records = tasker_manager_query_history_finish (TASKER_MANAGER (object), result, &error);
  g_assert_no_error (error);
}


/* Runs @query on @manager's history, iterating the default context. */
GListModel *
ui_test_query_history (TaskerManager      *manager,
                       TaskerHistoryQuery *query)
{
  GListModel *records = NULL;

  tasker_manager_query_history_async (manager, query, NULL, history_queried_cb, &records);
  g_assert_true (ui_test_wait (ui_test_is_set, &records, 10000));
  return records;
}

gboolean
ui_test_is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

gboolean
ui_test_is_running (gpointer task)
{
  return tasker_task_get_status (task) == TASKER_TASK_STATUS_RUNNING;
}

gboolean
ui_test_is_final (gpointer task)
{
  return tasker_task_is_final (task);
}

gboolean
ui_test_file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

gboolean
ui_test_pending_is_restored (gpointer pending)
{
  return tasker_app_pending_is_restored (pending);
}

TaskerTask *
ui_test_get_task (TaskerAppWindow *window,
                  guint            position)
{
  g_autoptr(TaskerTask) task = g_list_model_get_item (tasker_app_window_get_tasks (window), position);

  return task;  /* the list keeps it */
}

typedef struct
{
  TaskerAppWindow *window;
  guint            n;
} TasksWait;

static gboolean
has_n_tasks (gpointer data)
{
  TasksWait *w = data;

  return g_list_model_get_n_items (tasker_app_window_get_tasks (w->window)) >= w->n;
}

void
ui_test_wait_for_n_tasks (TaskerAppWindow *window,
                          guint            n)
{
  TasksWait w = { window, n };

  g_assert_true (ui_test_wait (has_n_tasks, &w, 5000));
}

/* Depth first, @widget itself included. */
GtkWidget *
ui_test_find_widget (GtkWidget           *widget,
                     UiTestWidgetMatch    match,
                     gconstpointer        data)
{
  if (match (widget, data))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ui_test_find_widget (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_label (GtkWidget     *widget,
          gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0;
}

static gboolean
is_label_prefix (GtkWidget     *widget,
                 gconstpointer  prefix)
{
  return GTK_IS_LABEL (widget) && g_str_has_prefix (gtk_label_get_label (GTK_LABEL (widget)), prefix);
}

static gboolean
is_button (GtkWidget     *widget,
           gconstpointer  label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
is_of_type (GtkWidget     *widget,
            gconstpointer  type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

GtkWidget *
ui_test_find_label (GtkWidget  *widget,
                    const char *text)
{
  return ui_test_find_widget (widget, is_label, text);
}

GtkWidget *
ui_test_find_label_prefix (GtkWidget  *widget,
                           const char *prefix)
{
  return ui_test_find_widget (widget, is_label_prefix, prefix);
}

GtkWidget *
ui_test_find_button (GtkWidget  *widget,
                     const char *label)
{
  return ui_test_find_widget (widget, is_button, label);
}

GtkWidget *
ui_test_find_of_type (GtkWidget *widget,
                      GType      type)
{
  return ui_test_find_widget (widget, is_of_type, GSIZE_TO_POINTER (type));
}

gpointer
ui_test_template_child (GtkWidget  *widget,
                        GType       type,
                        const char *name)
{
  GObject *object = gtk_widget_get_template_child (widget, type, name);

  g_assert_nonnull (object);
  return object;
}

/* The last one in the list of toplevels, as the tests looked it up before. */
GtkWindow *
ui_test_find_toplevel (GType type)
{
  GList *list = gtk_window_list_toplevels ();
  GtkWindow *window = NULL;

  for (GList *l = list; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_visible (l->data))
      window = l->data;
  g_list_free (list);
  return window;
}

TaskerAppNewTaskDialog *
ui_test_open_new_task_dialog (TaskerAppWindow *window)
{
  TaskerAppNewTaskDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-task", NULL));
  dialog = (TaskerAppNewTaskDialog *) ui_test_find_toplevel (TASKER_APP_TYPE_NEW_TASK_DIALOG);
  g_assert_nonnull (dialog);
  return dialog;
}

static void
signal_free (UiTestSignal *s)
{
  g_free (s->member);
  g_free (s->path);
  g_variant_unref (s->parameters);
  g_free (s);
}

GPtrArray *
ui_test_signals_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) signal_free);
}

static void
record_signal_cb (GDBusConnection *connection,
                  const char      *sender_name,
                  const char      *object_path,
                  const char      *interface_name,
                  const char      *signal_name,
                  GVariant        *parameters,
                  gpointer         user_data)
{
  GPtrArray *signals = user_data;
  UiTestSignal *s = g_new0 (UiTestSignal, 1);

  s->member = g_strdup (signal_name);
  s->path = g_strdup (object_path);
  s->parameters = g_variant_ref (parameters);
  g_ptr_array_add (signals, s);
}

guint
ui_test_record_signals (GDBusConnection *connection,
                        const char      *sender,
                        const char      *interface_name,
                        const char      *object_path,
                        GPtrArray       *signals)
{
  return g_dbus_connection_signal_subscribe (connection, sender, interface_name, NULL, object_path, NULL,
                                             G_DBUS_SIGNAL_FLAGS_NONE, record_signal_cb, signals, NULL);
}

GDBusConnection *
ui_test_bus_client_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  GDBusConnection *connection;

  g_assert_no_error (error);
  connection = g_dbus_connection_new_for_address_sync (address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

typedef struct
{
  gboolean  done;
  GVariant *reply;
  GError   *error;
} BusReply;

static void
bus_call_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  BusReply *reply = user_data;

  reply->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &reply->error);
  reply->done = TRUE;
}

static gboolean
bus_reply_done (gpointer data)
{
  return ((BusReply *) data)->done;
}

GVariant *
ui_test_bus_call (GDBusConnection  *connection,
                  const char       *destination,
                  const char       *object_path,
                  const char       *interface_name,
                  const char       *method,
                  GVariant         *parameters,
                  int               timeout_ms,
                  GError          **error)
{
  BusReply reply = { 0 };

  g_dbus_connection_call (connection, destination, object_path, interface_name, method,
                          parameters, NULL, G_DBUS_CALL_FLAGS_NONE, timeout_ms, NULL, bus_call_cb, &reply);
  g_assert_true (ui_test_wait (bus_reply_done, &reply, timeout_ms + 1000));
  if (reply.error != NULL)
    g_propagate_error (error, reply.error);
  return reply.reply;
}

void
ui_test_assert_dbus_error (GError     *error,
                           int         code,
                           const char *message)
{
  g_autoptr(GError) expected = g_error_new_literal (TASKER_DBUS_ERROR, code, "");
  g_autofree char *expected_name = g_dbus_error_encode_gerror (expected);
  g_autofree char *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, expected_name);
  /* Registered: the same domain and code on this side. */
  g_assert_error (error, TASKER_DBUS_ERROR, code);
  g_dbus_error_strip_remote_error (error);
  if (g_str_has_suffix (message, "…"))
    {
      g_autofree char *prefix = g_strndup (message, strlen (message) - strlen ("…"));

      g_assert_true (g_str_has_prefix (error->message, prefix));
    }
  else
    g_assert_cmpstr (error->message, ==, message);
}
