/* tasker-app-application.c: the Tasker application
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <signal.h>
#include <unistd.h>

#include "tasker-app-application.h"
#include "tasker-app-history-details.h"
#include "tasker-app-inhibitor.h"
#include "tasker-app-launcher-entry.h"
#include "tasker-app-preferences-window.h"
#include "tasker-app-service.h"
#include "tasker-app-window.h"

/* TaskerAppApplication: owns the TaskerManager every window shows, its history
 * database, what the last run left unfinished (TaskerAppPending) and the
 * settings that configure its queues. One primary instance: `tasker --
 * COMMAND…` started while Tasker runs hands the command to the running
 * instance (G_APPLICATION_HANDLES_COMMAND_LINE). Main thread only. */

#define SCHEMA_ID "io.github.tasker.Tasker"
#define SHUTDOWN_GRACE_MS 2000
/* Tasks that end within this delay share one notification. */
#define NOTIFY_DELAY_MS 500
/* A task that ran for less than this ends without a notification: the user
 * has barely looked away. */
#define NOTIFY_MIN_RUNNING_USEC (5 * G_USEC_PER_SEC)
/* Started by D-Bus activation (--gapplication-service), the application
 * stays this long with nothing to do, so a following call finds it. */
#define SERVICE_IDLE_TIMEOUT_MS 10000
/* After Quit → Stop, how long the cancelled tasks have to end before the
 * application quits anyway (the shutdown records the rest as interrupted). */
#define STOP_TIMEOUT_MS 10000
/* How often the manager delivers progress to the window (its default: 16). */
#define UPDATE_INTERVAL_MS 100

struct _TaskerAppApplication
{
  AdwApplication  parent_instance;

  char           *data_dir;        /* (owned) where the history lives */
  TaskerManager  *manager;         /* (owned) (nullable) from startup on */
  TaskerAppPending  *pending;         /* (owned) (nullable) from startup on */
  TaskerClock    *clock;           /* (owned) (nullable) what schedules read; NULL: the real one */
  TaskerAppSchedules *schedules;   /* (owned) (nullable) from startup on */
  GSettings      *settings;        /* (owned) (nullable) NULL if the schema is not installed */
  guint           notify_id;       /* coalesced notification, or 0 */
  guint           sigterm_id;
  guint           sigint_id;
  guint           n_completed;     /* tasks ended since the last notification */
  guint           n_failed;
  guint           n_cancelled;
  char           *last_name;       /* (owned) (nullable) name of the last one */
  guint64         last_id;         /* the last one, as the actions name it */
  gint64          last_finished;
  guint64         failed_id;       /* the last failed one */
  gint64          failed_finished;
  TaskerAppLauncherEntry *launcher_entry; /* (owned) (nullable) progress on the dock icon */
  TaskerAppInhibitor *inhibitor;   /* (owned) (nullable) no suspend while tasks run */
  TaskerAppService *service;       /* (owned) (nullable) io.github.tasker.Tasker1, while registered */
  gboolean        stopped;

  /* Jobs outlive the window: the application holds itself while commands
   * it submitted run or wait (unfinished), whether a window shows them or
   * not; a window closed meanwhile is only hidden. */
  GHashTable     *unfinished;      /* (owned) TaskerTask (owned) */
  gboolean        holding;
  guint           idle_check_id;   /* quit_if_done_cb, or 0 */
  GtkWidget      *quit_dialog;     /* (unowned) (nullable) "Stop N running tasks?" */
  gboolean        stopping;        /* Stop answered: quit once they ended */
  guint           stop_timeout_id;
};

enum {
  PROP_0,
  PROP_DATA_DIR,
  PROP_CLOCK,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (TaskerAppApplication, tasker_app_application, ADW_TYPE_APPLICATION)

static GParamSpec *properties[N_PROPS];

static const GOptionEntry option_entries[] = {
  { "queue", 'q', 0, G_OPTION_ARG_STRING, NULL,
    N_("Add the command to the queue NAME"), N_("NAME") },
  { "timeout", 't', 0, G_OPTION_ARG_INT, NULL,
    N_("Stop the command after SECONDS (0 for no limit)"), N_("SECONDS") },
  { "retries", 'r', 0, G_OPTION_ARG_INT, NULL,
    N_("Run the command up to N more times if it fails"), N_("N") },
  { "shell", 's', 0, G_OPTION_ARG_NONE, NULL,
    N_("Run the command line through the shell (sh -c): its arguments are joined with spaces"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Show the version and quit"), NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    NULL, N_("[-- COMMAND [ARGUMENT…]]") },
  { NULL }
};

static void
apply_settings (TaskerAppApplication *self)
{
  g_autoptr(GVariant) queues = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  GVariantIter iter;
  const char *name;
  guint max_concurrent, capacity;

  if (self->settings == NULL || self->manager == NULL)
    return;

  /* A queue removed from the settings keeps its last limits until restart:
   * the manager has no way to forget a queue that may hold tasks. */
  queues = g_settings_get_value (self->settings, "queues");
  g_variant_iter_init (&iter, queues);
  while (g_variant_iter_next (&iter, "(&suu)", &name, &max_concurrent, &capacity))
    tasker_manager_configure_queue (self->manager, name, max_concurrent, capacity);

  g_object_set (self->manager,
                "history-max-age-days", g_settings_get_uint (self->settings, "history-days"),
                NULL);
  g_object_get (self->settings, "settings-schema", &schema, NULL);
  if (g_settings_schema_has_key (schema, "history-max-count"))
    g_object_set (self->manager,
                  "history-max-count", g_settings_get_uint (self->settings, "history-max-count"),
                  NULL);
}

static void
settings_changed_cb (TaskerAppApplication *self,
                     const char           *key)
{
  apply_settings (self);
}

static GSettings *
load_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* A build-tree run without the compiled schema still works, with the
   * manager's default queue only. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE);
  if (schema == NULL)
    {
      g_message ("Schema %s is not installed: queues and history use their defaults", SCHEMA_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}

/* The history keeps the environment forwarded commands ran with, which may
 * hold secrets: its directory and its files are the user's alone, also
 * when an older version made them readable to others. SQLite gives its WAL
 * and shared-memory files the database's mode. */
static void
make_history_private (const char *data_dir,
                      const char *history_path)
{
  static const char *suffixes[] = { "-wal", "-shm", "-journal" };
  int fd;

  if (g_chmod (data_dir, 0700) != 0)
    g_warning ("Cannot make %s private: %s", data_dir, g_strerror (errno));

  fd = g_open (history_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || fchmod (fd, 0600) != 0)
    g_warning ("Cannot make %s private: %s", history_path, g_strerror (errno));
  if (fd >= 0)
    close (fd);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (history_path, suffixes[i], NULL);

      if (g_chmod (path, 0600) != 0 && errno != ENOENT)
        g_warning ("Cannot make %s private: %s", path, g_strerror (errno));
    }
}

/* The main window, shown or hidden. */
static TaskerAppWindow *
get_main_window (TaskerAppApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (TASKER_APP_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static gboolean
has_visible_main_window (TaskerAppApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (TASKER_APP_IS_WINDOW (l->data) && gtk_widget_get_visible (l->data))
      return TRUE;
  return FALSE;
}

/* What the notification actions send: a task's id alone is only unique in
 * one run, its id and finished time also across runs (and in the history). */
static GVariant *
task_target (guint64 id,
             gint64  finished_time)
{
  return g_variant_new ("(tx)", id, finished_time);
}

static gboolean
notify_cb (gpointer user_data)
{
  TaskerAppApplication *self = user_data;
  g_autoptr(GNotification) notification = NULL;
  guint total = self->n_completed + self->n_failed + self->n_cancelled;

  self->notify_id = 0;

  if (total == 1)
    {
      const char *title = self->n_completed ? _("Task completed")
                        : self->n_failed ? _("Task failed")
                        : _("Task cancelled");

      notification = g_notification_new (title);
      /* A task of the library's own (a test's thread) may have no name. */
      if (self->last_name != NULL)
        g_notification_set_body (notification, self->last_name);
    }
  else if (total > 1)
    {
      g_autofree char *title = g_strdup_printf (ngettext ("%u task finished", "%u tasks finished", total), total);
      g_autofree char *body = g_strdup_printf (_("%u completed, %u failed, %u cancelled"),
                                               self->n_completed, self->n_failed, self->n_cancelled);

      notification = g_notification_new (title);
      g_notification_set_body (notification, body);
    }

  if (notification != NULL)
    {
      g_autoptr(GVariant) last = NULL;

      /* Show: the window, with the (last) task selected; Run Again: the
       * failed one, from its history record if need be. Both work when
       * Tasker was not running: D-Bus activation starts it. */
      last = g_variant_ref_sink (task_target (self->last_id, self->last_finished));
      g_notification_set_default_action_and_target_value (notification, "app.show-task", last);
      g_notification_add_button_with_target_value (notification, _("Show"), "app.show-task", last);
      if (self->n_failed == 1)
        g_notification_add_button_with_target_value (notification, _("Run Again"), "app.rerun-task",
                                                     task_target (self->failed_id,
                                                                  self->failed_finished));
      if (self->n_failed > 0)
        g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
      g_application_send_notification (G_APPLICATION (self), "task-finished", notification);
    }

  self->n_completed = self->n_failed = self->n_cancelled = 0;
  g_clear_pointer (&self->last_name, g_free);

  return G_SOURCE_REMOVE;
}

static void
task_finished_cb (TaskerAppApplication *self,
                  TaskerTask           *task)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  gint64 started = tasker_task_get_started_time (task);
  gint64 finished = tasker_task_get_finished_time (task);

  /* Only what the user is waiting for: top-level tasks that ran for a
   * while, while the window is in the background (or closed), and not
   * those the user stopped by quitting. */
  if (tasker_task_get_parent (task) != NULL || self->stopping)
    return;
  if (window != NULL && gtk_widget_get_visible (GTK_WIDGET (window)) &&
      gtk_window_is_active (window))
    return;
  if (started == 0 || finished - started < NOTIFY_MIN_RUNNING_USEC)
    return;

  switch (tasker_task_get_status (task))
    {
    case TASKER_TASK_STATUS_COMPLETED:
      self->n_completed++;
      break;
    case TASKER_TASK_STATUS_FAILED:
      self->n_failed++;
      self->failed_id = tasker_task_get_id (task);
      self->failed_finished = finished;
      break;
    case TASKER_TASK_STATUS_CANCELLED:
      self->n_cancelled++;
      break;
    case TASKER_TASK_STATUS_PENDING:
    case TASKER_TASK_STATUS_RUNNING:
    default:
      return;
    }

  g_free (self->last_name);
  self->last_name = g_strdup (tasker_task_get_name (task));
  self->last_id = tasker_task_get_id (task);
  self->last_finished = finished;
  if (self->notify_id == 0)
    self->notify_id = g_timeout_add (NOTIFY_DELAY_MS, notify_cb, self);
}

static void
withdraw_background_notification (TaskerAppApplication *self)
{
  if (g_application_get_is_registered (G_APPLICATION (self)))
    g_application_withdraw_notification (G_APPLICATION (self), "background");
}

/* Closing the windows lets them save their state; then the application
 * has nothing left to hold it. */
static void
quit_now (TaskerAppApplication *self)
{
  GList *windows;

  g_clear_handle_id (&self->stop_timeout_id, g_source_remove);
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (self))) != NULL)
    gtk_window_destroy (windows->data);
  g_application_quit (G_APPLICATION (self));
}

static gboolean
stop_timeout_cb (gpointer user_data)
{
  TaskerAppApplication *self = user_data;

  self->stop_timeout_id = 0;
  quit_now (self);
  return G_SOURCE_REMOVE;
}

/* Nothing left to run: after Quit → Stop, quit; with no window showing,
 * close the hidden one, so that the application (no longer held) quits by
 * itself, once the notification of what ended is on its way. */
static gboolean
quit_if_done_cb (gpointer user_data)
{
  TaskerAppApplication *self = user_data;
  GList *windows;

  self->idle_check_id = 0;
  if (g_hash_table_size (self->unfinished) > 0)
    return G_SOURCE_REMOVE;

  if (self->stopping)
    {
      quit_now (self);
      return G_SOURCE_REMOVE;
    }
  if (has_visible_main_window (self))
    return G_SOURCE_REMOVE;

  withdraw_background_notification (self);
  if (self->notify_id != 0)
    {
      g_clear_handle_id (&self->notify_id, g_source_remove);
      notify_cb (self);
    }
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (self))) != NULL)
    gtk_window_destroy (windows->data);

  return G_SOURCE_REMOVE;
}

static void
update_hold (TaskerAppApplication *self)
{
  gboolean busy = g_hash_table_size (self->unfinished) > 0;

  if (busy && !self->holding)
    g_application_hold (G_APPLICATION (self));
  else if (!busy && self->holding)
    g_application_release (G_APPLICATION (self));
  self->holding = busy;

  /* Later: the windows still handle this task's end. */
  if (!busy && self->idle_check_id == 0)
    self->idle_check_id = g_idle_add (quit_if_done_cb, self);
}

static void
task_ended_cb (TaskerAppApplication *self,
               TaskerTask           *task)
{
  if (g_hash_table_remove (self->unfinished, task))
    update_hold (self);
}

/* The window closed while tasks run or wait: it is only hidden (it shows
 * them as they are when it comes back), and a notification says why the
 * application goes on. */
gboolean
tasker_app_application_close_to_background (TaskerAppApplication *self,
                                            GtkWindow            *window)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  guint n;

  g_return_val_if_fail (TASKER_APP_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (GTK_IS_WINDOW (window), FALSE);

  n = g_hash_table_size (self->unfinished);
  if (n == 0 || self->stopped || self->stopping)
    return FALSE;

  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);

  title = g_strdup_printf (ngettext ("%u task continues in the background",
                                     "%u tasks continue in the background", n), n);
  notification = g_notification_new (title);
  g_notification_set_body (notification, _("Tasker quits by itself when they have ended."));
  g_notification_set_default_action (notification, "app.show-window");
  g_notification_add_button (notification, _("Show"), "app.show-window");
  g_application_send_notification (G_APPLICATION (self), "background", notification);

  return TRUE;
}

/* A session ending or a Ctrl+C quits as the Quit action does, so the
 * commands that were running are kept for the next start as interrupted. */
static gboolean
quit_on_signal_cb (gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));

  return G_SOURCE_CONTINUE;
}

/* A command that was queued when Tasker last quit. */
static TaskerTask *
requeue_cb (TaskerAppApplication *self,
            TaskerAppCommand     *command)
{
  g_autoptr(GError) error = NULL;
  TaskerTask *task = tasker_app_application_run_command (self, command, &error);

  if (task == NULL)
    g_warning ("Cannot queue “%s” again: %s", tasker_app_command_get_command_line (command), error->message);
  return task;
}

/* A schedule's run: a command like any other. */
static TaskerTask *
run_scheduled_cb (TaskerAppCommand  *command,
                  gpointer           user_data,
                  GError           **error)
{
  return tasker_app_application_run_command (user_data, command, error);
}

/* The dock icon's progress and count, the suspend inhibition and the
 * window icon (DESIGN.md §6 "Desktop integration"). */
static void
start_desktop_integration (TaskerAppApplication *self)
{
  GApplication *app = G_APPLICATION (self);
  GDBusConnection *connection = g_application_get_dbus_connection (app);

  gtk_window_set_default_icon_name (g_application_get_application_id (app));
  self->inhibitor = tasker_app_inhibitor_new (GTK_APPLICATION (self), self->manager);
  if (connection != NULL)
    {
      g_autofree char *path = g_strconcat (g_application_get_dbus_object_path (app), "/LauncherEntry", NULL);
      g_autoptr(GError) error = NULL;

      self->launcher_entry = tasker_app_launcher_entry_new (connection, path,
                                                            g_application_get_application_id (app),
                                                            self->manager, &error);
      if (self->launcher_entry == NULL)
        g_message ("No progress on the dock icon: %s", error->message);
    }
}

static void
tasker_app_application_startup (GApplication *app)
{
  TaskerAppApplication *self = TASKER_APP_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *new_task_accels[] = { "<Control>n", NULL };
  static const char *search_accels[] = { "<Control>f", NULL };
  static const char *cancel_accels[] = { "Delete", NULL };
  g_autofree char *history_path = NULL;
  g_autofree char *schedules_path = NULL;

  G_APPLICATION_CLASS (tasker_app_application_parent_class)->startup (app);

  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.new-task", new_task_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.search-history", search_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.cancel-selected", cancel_accels);

  self->manager = tasker_manager_new (NULL);
  /* Every delivery redraws what changed: ten a second is smooth enough for
   * a progress bar and keeps ten busy commands cheap (DESIGN.md §6). */
  tasker_manager_set_update_interval (self->manager, UPDATE_INTERVAL_MS);

  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    g_warning ("Cannot create %s: %s", self->data_dir, g_strerror (errno));
  history_path = g_build_filename (self->data_dir, "history.sqlite3", NULL);
  make_history_private (self->data_dir, history_path);
  tasker_manager_set_history_path (self->manager, history_path);
  schedules_path = g_build_filename (self->data_dir, "schedules.ini", NULL);

  self->settings = load_settings ();
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb),
                             self, G_CONNECT_SWAPPED);
  apply_settings (self);

  g_signal_connect_object (self->manager, "task-finished", G_CALLBACK (task_finished_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "task-finished", G_CALLBACK (task_ended_cb),
                           self, G_CONNECT_SWAPPED);

  /* D-Bus activation (a notification's action, `gapplication action`)
   * starts the application as a service: no window unless activated, and it
   * quits a while after it has nothing left to do. */
  if (g_application_get_flags (app) & G_APPLICATION_IS_SERVICE)
    g_application_set_inactivity_timeout (app, SERVICE_IDLE_TIMEOUT_MS);

  start_desktop_integration (self);
  if (self->service != NULL)
    tasker_app_service_start (self->service, self->manager);

  self->sigterm_id = g_unix_signal_add (SIGTERM, quit_on_signal_cb, self);
  self->sigint_id = g_unix_signal_add (SIGINT, quit_on_signal_cb, self);

  /* What the previous run left unfinished (see tasker-app-pending.c). */
  self->pending = tasker_app_pending_new (self->manager);
  g_signal_connect_object (self->pending, "requeue", G_CALLBACK (requeue_cb), self, G_CONNECT_SWAPPED);
  tasker_app_pending_restore (self->pending);

  /* The schedules, each started with its last run: what they missed while
   * Tasker was not running catches up now (tasker-app-schedules.c). */
  self->schedules = tasker_app_schedules_new (schedules_path, self->clock, run_scheduled_cb, self);
  tasker_app_schedules_load (self->schedules);
}

/* Before the bus name is owned: a call that starts Tasker by D-Bus
 * activation finds the interface (DESIGN.md §8). */
static gboolean
tasker_app_application_dbus_register (GApplication     *app,
                                      GDBusConnection  *connection,
                                      const char       *object_path,
                                      GError          **error)
{
  TaskerAppApplication *self = TASKER_APP_APPLICATION (app);
  g_autoptr(GError) local_error = NULL;

  if (!G_APPLICATION_CLASS (tasker_app_application_parent_class)->dbus_register (app, connection,
                                                                                object_path, error))
    return FALSE;

  /* Only another application of this process on the same connection can
   * have taken the path (tests run one after another): that one answers,
   * and this one goes on without the interface. */
  self->service = tasker_app_service_new (app);
  if (!tasker_app_service_export (self->service, connection, &local_error))
    {
      g_message ("No %s interface: %s", "io.github.tasker.Tasker1", local_error->message);
      g_clear_object (&self->service);
    }
  return TRUE;
}

static void
tasker_app_application_dbus_unregister (GApplication    *app,
                                        GDBusConnection *connection,
                                        const char      *object_path)
{
  TaskerAppApplication *self = TASKER_APP_APPLICATION (app);

  if (self->service != NULL)
    tasker_app_service_unexport (self->service);
  g_clear_object (&self->service);

  G_APPLICATION_CLASS (tasker_app_application_parent_class)->dbus_unregister (app, connection, object_path);
}

static void
tasker_app_application_shutdown (GApplication *app)
{
  TaskerAppApplication *self = TASKER_APP_APPLICATION (app);

  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->sigint_id, g_source_remove);
  g_clear_object (&self->launcher_entry);
  g_clear_object (&self->inhibitor);
  tasker_app_application_stop (self);

  G_APPLICATION_CLASS (tasker_app_application_parent_class)->shutdown (app);
}

static void
tasker_app_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  /* The window closed while tasks ran is hidden: it comes back as it was. */
  if (window == NULL)
    window = GTK_WINDOW (tasker_app_window_new (TASKER_APP_APPLICATION (app)));

  withdraw_background_notification (TASKER_APP_APPLICATION (app));
  gtk_window_present (window);
}

/* `tasker [--shell] -- ARGUMENT…`: the arguments as a program and its
 * arguments, or joined with spaces into one line for `sh -c`. */
static TaskerAppCommand *
command_from_argv (const char * const  *argv,
                   gboolean             shell,
                   GError             **error)
{
  if (shell)
    {
      g_autofree char *line = g_strjoinv (" ", (char **) argv);

      return tasker_app_command_new_shell (line, error);
    }
  if (argv[0] == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("no command given"));
      return NULL;
    }
  return tasker_app_command_new (argv);
}

static int
tasker_app_application_handle_local_options (GApplication *app,
                                             GVariantDict *options)
{
  g_autofree const char **argv = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }

  /* A command that cannot start is refused here, in the `tasker` process the
   * user ran: it has the user's PATH and directory (the primary instance
   * checks again with its own, see below). GApplication forwards "/" for a
   * directory that getcwd() cannot name, so only this process can tell. */
  if (g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&s", &argv))
    {
      g_autofree char *cwd = getcwd (NULL, 0);
      g_autoptr(TaskerAppCommand) command = NULL;
      g_autoptr(GError) error = NULL;

      if (cwd == NULL)
        g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (errno),
                     _("directory “%s” does not exist"),
                     g_getenv ("PWD") != NULL ? g_getenv ("PWD") : ".");
      else if ((command = command_from_argv (argv, g_variant_dict_contains (options, "shell"), &error)))
        tasker_app_command_check_runnable (tasker_app_command_get_argv (command), cwd, NULL, &error);

      if (error != NULL)
        {
          g_printerr ("tasker: %s\n", error->message);
          return 1;
        }
    }

  return -1;
}

/* In the primary instance, for its own command line or one forwarded from
 * another `tasker` process. */
static int
tasker_app_application_command_line (GApplication            *app,
                                     GApplicationCommandLine *command_line)
{
  TaskerAppApplication *self = TASKER_APP_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autofree const char **argv = NULL;
  const char *queue = NULL;
  int timeout = 0, retries = 0;

  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&s", &argv);
  g_variant_dict_lookup (options, "queue", "&s", &queue);
  g_variant_dict_lookup (options, "timeout", "i", &timeout);
  g_variant_dict_lookup (options, "retries", "i", &retries);

  if (argv != NULL)
    {
      g_autoptr(TaskerAppCommand) command = NULL;
      g_autoptr(TaskerTask) task = NULL;
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) default_queues = NULL;
      /* The caller's whole environment (G_APPLICATION_SEND_ENVIRONMENT):
       * the command runs, and is looked for, as in the caller's terminal;
       * its record keeps it for a re-run. */
      const char * const *envp = g_application_command_line_get_environ (command_line);
      const char *cwd = g_application_command_line_get_cwd (command_line);

      /* None sent (a `tasker` without G_APPLICATION_SEND_ENVIRONMENT):
       * Tasker's own rather than an empty one. */
      if (envp != NULL && envp[0] == NULL)
        envp = NULL;

      /* Also here, with the caller's environment: the command line may
       * come from an older `tasker` that did not check. */
      command = command_from_argv (argv, g_variant_dict_contains (options, "shell"), &error);
      if (command == NULL ||
          !tasker_app_command_check_runnable (tasker_app_command_get_argv (command), cwd, envp, &error))
        {
          g_application_command_line_printerr (command_line, "tasker: %s\n", error->message);
          return 1;
        }

      tasker_app_command_set_environ (command, envp);
      tasker_app_command_set_cwd (command, cwd);
      /* No --queue: the first of Preferences' queues, as in New Task and
       * for taskerctl. */
      if (queue == NULL)
        {
          default_queues = tasker_app_application_dup_queue_names (self);
          queue = default_queues[0];
        }
      tasker_app_command_set_queue (command, queue);
      tasker_app_command_set_timeout (command, (guint) MAX (timeout, 0));
      tasker_app_command_set_retries (command, (guint) MAX (retries, 0));

      task = tasker_app_application_run_command (self, command, &error);
      if (task == NULL)
        {
          g_application_command_line_printerr (command_line, _("Cannot add “%s”: %s\n"),
                                               tasker_app_command_get_command_line (command),
                                               error->message);
          return 1;
        }
      {
        /* The id formatted apart: xgettext cannot read a message split by a macro. */
        g_autofree char *id = g_strdup_printf ("%" G_GUINT64_FORMAT, tasker_task_get_id (task));

        /* Translators: the task's number, then its command line */
        g_application_command_line_print (command_line, _("Added task %s: %s\n"),
                                          id, tasker_app_command_get_command_line (command));
      }
    }

  g_application_activate (app);

  return 0;
}

static void
quit_response_cb (TaskerAppApplication *self,
                  const char           *response,
                  AdwMessageDialog     *dialog)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer task;

  if (g_strcmp0 (response, "stop") != 0)
    return;

  /* Cancelled, as the user asked (the history says so), not interrupted
   * for the next start; then quit once they have ended (quit_if_done_cb). */
  self->stopping = TRUE;
  g_hash_table_iter_init (&iter, self->unfinished);
  while (g_hash_table_iter_next (&iter, &task, NULL))
    g_ptr_array_add (tasks, g_object_ref (task));
  for (guint i = 0; i < tasks->len; i++)
    tasker_task_cancel (tasks->pdata[i]);
  self->stop_timeout_id = g_timeout_add (STOP_TIMEOUT_MS, stop_timeout_cb, self);
}

/* Quit (Ctrl+Q, the menu): while tasks run or wait, ask first. */
static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  TaskerAppApplication *self = user_data;
  guint n = g_hash_table_size (self->unfinished);
  g_autofree char *heading = NULL;
  const char *body;
  AdwMessageDialog *dialog;

  if (n == 0 || self->stopped)
    {
      quit_now (self);
      return;
    }
  if (self->stopping)
    return;
  if (self->quit_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->quit_dialog));
      return;
    }

  /* Over the window, shown again if it was closed. */
  g_application_activate (G_APPLICATION (self));

  heading = g_strdup_printf (ngettext ("Stop %u running task?", "Stop %u running tasks?", n), n);
  body = ngettext ("Quitting cancels it. To let it finish, close the window instead: "
                   "Tasker goes on in the background and quits after it.",
                   "Quitting cancels them. To let them finish, close the window instead: "
                   "Tasker goes on in the background and quits after them.", n);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (get_main_window (self)),
                                                       heading, body));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "stop", _("_Stop"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "stop", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (quit_response_cb),
                           self, G_CONNECT_SWAPPED);
  self->quit_dialog = GTK_WIDGET (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->quit_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_window_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  g_application_activate (G_APPLICATION (user_data));
}

/* The listed task that @target names, if the window still lists it. */
static TaskerTask *
find_listed_task (TaskerAppWindow *window,
                  GVariant        *target)
{
  GListModel *tasks = tasker_app_window_get_tasks (window);
  guint64 id;
  gint64 finished;

  g_variant_get (target, "(tx)", &id, &finished);
  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (tasks, i);

      if (tasker_task_get_id (task) == id && tasker_task_get_finished_time (task) == finished)
        return task;  /* the list keeps it */
    }
  return NULL;
}

typedef void (*RecordFunc) (TaskerAppApplication *self,
                            TaskerHistoryRecord  *record);

typedef struct
{
  TaskerAppApplication *self;  /* (owned) */
  guint64               id;
  RecordFunc            func;
} RecordLookup;

static void
record_lookup_done_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  RecordLookup *lookup = user_data;
  g_autoptr(GListModel) records = NULL;
  g_autoptr(GError) error = NULL;

  records = tasker_manager_query_history_finish (TASKER_MANAGER (object), result, &error);
  if (records == NULL)
    g_warning ("Cannot read the history: %s", error->message);
  for (guint i = 0; records != NULL && i < g_list_model_get_n_items (records); i++)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (records, i);

      if (tasker_history_record_get_task_id (record) == lookup->id)
        {
          lookup->func (lookup->self, record);
          break;
        }
    }

  g_application_release (G_APPLICATION (lookup->self));
  g_object_unref (lookup->self);
  g_free (lookup);
}

/* Calls @func with the history record that @target names, if there is one
 * (the application stays meanwhile). */
static void
lookup_record (TaskerAppApplication *self,
               GVariant             *target,
               RecordFunc            func)
{
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  RecordLookup *lookup;
  gint64 finished;

  if (self->manager == NULL || self->stopped)
    return;

  lookup = g_new0 (RecordLookup, 1);
  lookup->self = g_object_ref (self);
  lookup->func = func;
  g_variant_get (target, "(tx)", &lookup->id, &finished);
  tasker_history_query_set_since (query, MAX (finished, 0));
  tasker_history_query_set_until (query, MAX (finished, 0) + 1);
  g_application_hold (G_APPLICATION (self));
  tasker_manager_query_history_async (self->manager, query, NULL, record_lookup_done_cb, lookup);
}

static void rerun_record (TaskerAppApplication *self,
                          TaskerHistoryRecord  *record);

/* The history page, and the record's details over it. */
static void
show_record (TaskerAppApplication *self,
             TaskerHistoryRecord  *record)
{
  TaskerAppWindow *window = get_main_window (self);
  GtkWidget *details;

  if (window == NULL)
    return;
  tasker_app_window_show_page (window, "history");
  details = tasker_app_history_details_new (GTK_WINDOW (window), record);
  g_signal_connect_object (details, "rerun", G_CALLBACK (rerun_record), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (details));
}

/* app.show-task((tx)): the window, with the task selected; a task it no
 * longer lists (Tasker was not running, Clear Finished) shows from the
 * history. */
static void
show_task_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  TaskerAppApplication *self = user_data;
  TaskerAppWindow *window;
  TaskerTask *task;

  g_application_activate (G_APPLICATION (self));
  window = get_main_window (self);
  if (window == NULL)
    return;

  task = find_listed_task (window, parameter);
  if (task != NULL)
    {
      tasker_app_window_show_page (window, "tasks");
      tasker_app_window_select_task (window, task);
    }
  else
    lookup_record (self, parameter, show_record);
}

static void
rerun_command (TaskerAppApplication *self,
               TaskerAppCommand     *command)
{
  TaskerAppWindow *window = get_main_window (self);
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;

  /* The window says what went wrong, as its Re-run does. */
  if (window != NULL && gtk_widget_get_visible (GTK_WIDGET (window)))
    {
      tasker_app_window_rerun (window, command);
      return;
    }

  task = tasker_app_application_run_command (self, command, &error);
  if (task == NULL)
    {
      g_autoptr(GNotification) notification = g_notification_new (_("Cannot run the task again"));
      g_autofree char *body = g_strdup_printf ("%s: %s",
                                               tasker_app_command_get_command_line (command),
                                               error->message);

      g_notification_set_body (notification, body);
      g_application_send_notification (G_APPLICATION (self), "task-finished", notification);
    }
}

static void
rerun_record (TaskerAppApplication *self,
              TaskerHistoryRecord  *record)
{
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autoptr(GError) error = NULL;

  command = tasker_app_command_new_from_record (record, &error);
  if (command == NULL)
    g_warning ("Cannot run task %" G_GUINT64_FORMAT " again: %s",
               tasker_history_record_get_task_id (record), error->message);
  else
    rerun_command (self, command);
}

/* app.rerun-task((tx)): Run Again, as the row's Re-run, from the task if
 * the window still lists it, else from its history record. */
static void
rerun_task_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  TaskerAppApplication *self = user_data;
  TaskerAppWindow *window = get_main_window (self);
  TaskerTask *task = window != NULL ? find_listed_task (window, parameter) : NULL;
  g_autoptr(TaskerAppCommand) command = NULL;

  if (task != NULL)
    command = tasker_app_command_new_from_task (task, NULL);
  if (command != NULL)
    rerun_command (self, command);
  else
    lookup_record (self, parameter, rerun_record);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *app = user_data;
  static const char *developers[] = { "The Tasker developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Tasker"),
                         "application-icon", g_application_get_application_id (G_APPLICATION (app)),
                         "developer-name", _("The Tasker developers"),
                         "version", PACKAGE_VERSION,
                         "comments", _("Run long commands in the background and keep an eye on them"),
                         "website", "https://github.com/tasker/tasker",
                         "issue-url", "https://github.com/tasker/tasker/issues",
                         "developers", developers,
                         "translator-credits", _("translator-credits"),
                         "copyright", "© 2026 The Tasker developers",
                         "license-type", GTK_LICENSE_LGPL_2_1,
                         NULL);
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  TaskerAppApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  gtk_window_present (GTK_WINDOW (tasker_app_preferences_window_new (parent)));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "show-window", show_window_action },
  { "show-task", show_task_action, "(tx)" },
  { "rerun-task", rerun_task_action, "(tx)" },
  { "about", about_action },
  { "preferences", preferences_action },
};

static void
tasker_app_application_dispose (GObject *object)
{
  TaskerAppApplication *self = (TaskerAppApplication *) object;

  tasker_app_application_stop (self);
  g_clear_handle_id (&self->notify_id, g_source_remove);
  g_clear_handle_id (&self->idle_check_id, g_source_remove);
  g_clear_handle_id (&self->stop_timeout_id, g_source_remove);
  if (self->quit_dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->quit_dialog), (gpointer *) &self->quit_dialog);
  self->quit_dialog = NULL;
  if (self->unfinished != NULL)
    g_hash_table_remove_all (self->unfinished);
  g_clear_object (&self->launcher_entry);
  g_clear_object (&self->inhibitor);
  g_clear_object (&self->service);
  g_clear_object (&self->schedules);
  g_clear_object (&self->pending);
  g_clear_object (&self->manager);
  g_clear_object (&self->clock);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (tasker_app_application_parent_class)->dispose (object);
}

static void
tasker_app_application_finalize (GObject *object)
{
  TaskerAppApplication *self = (TaskerAppApplication *) object;

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->last_name, g_free);
  g_clear_pointer (&self->unfinished, g_hash_table_unref);

  G_OBJECT_CLASS (tasker_app_application_parent_class)->finalize (object);
}

static void
tasker_app_application_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  TaskerAppApplication *self = TASKER_APP_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;
    case PROP_CLOCK:
      g_value_set_object (value, self->clock);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_application_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  TaskerAppApplication *self = TASKER_APP_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      g_free (self->data_dir);
      self->data_dir = g_value_dup_string (value);
      if (self->data_dir == NULL)
        self->data_dir = g_build_filename (g_get_user_data_dir (), "tasker", NULL);
      break;
    case PROP_CLOCK:
      g_set_object (&self->clock, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_application_class_init (TaskerAppApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = tasker_app_application_dispose;
  object_class->finalize = tasker_app_application_finalize;
  object_class->get_property = tasker_app_application_get_property;
  object_class->set_property = tasker_app_application_set_property;

  app_class->startup = tasker_app_application_startup;
  app_class->shutdown = tasker_app_application_shutdown;
  app_class->activate = tasker_app_application_activate;
  app_class->command_line = tasker_app_application_command_line;
  app_class->handle_local_options = tasker_app_application_handle_local_options;
  app_class->dbus_register = tasker_app_application_dbus_register;
  app_class->dbus_unregister = tasker_app_application_dbus_unregister;

  /**
   * TaskerAppApplication:data-dir:
   *
   * Where the history database (which also keeps unfinished commands
   * across restarts) lives; %NULL for `$XDG_DATA_HOME/tasker`.
   */
  properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerAppApplication:clock:
   *
   * The clock the schedules read and wait on; %NULL for the real one.
   * Tests give a fake one.
   */
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL, TASKER_TYPE_CLOCK,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tasker_app_application_init (TaskerAppApplication *self)
{
  self->unfinished = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Run long commands in the background and watch their progress.\n"
                                              "With a command, add it as a task to the running Tasker."));
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
}

TaskerAppApplication *
tasker_app_application_new (const char        *application_id,
                            GApplicationFlags  flags,
                            const char        *data_dir)
{
  return g_object_new (TASKER_APP_TYPE_APPLICATION,
                       "application-id", application_id,
                       "flags", flags | G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_SEND_ENVIRONMENT,
                       "resource-base-path", "/io/github/tasker/Tasker",
                       "data-dir", data_dir,
                       NULL);
}

TaskerManager *
tasker_app_application_get_manager (TaskerAppApplication *self)
{
  g_return_val_if_fail (TASKER_APP_IS_APPLICATION (self), NULL);
  return self->manager;
}

TaskerAppPending *
tasker_app_application_get_pending (TaskerAppApplication *self)
{
  g_return_val_if_fail (TASKER_APP_IS_APPLICATION (self), NULL);
  return self->pending;
}

GSettings *
tasker_app_application_get_settings (TaskerAppApplication *self)
{
  g_return_val_if_fail (TASKER_APP_IS_APPLICATION (self), NULL);
  return self->settings;
}

/* Returns: (nullable): the schedules, from startup on */
TaskerAppSchedules *
tasker_app_application_get_schedules (TaskerAppApplication *self)
{
  g_return_val_if_fail (TASKER_APP_IS_APPLICATION (self), NULL);
  return self->schedules;
}

/* Returns: (nullable): the D-Bus interface, while registered */
TaskerAppService *
tasker_app_application_get_service (TaskerAppApplication *self)
{
  g_return_val_if_fail (TASKER_APP_IS_APPLICATION (self), NULL);
  return self->service;
}

const char *
tasker_app_application_get_data_dir (TaskerAppApplication *self)
{
  g_return_val_if_fail (TASKER_APP_IS_APPLICATION (self), NULL);
  return self->data_dir;
}

/* The queues the New Task dialog offers, from the settings. */
char **
tasker_app_application_dup_queue_names (TaskerAppApplication *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (TASKER_APP_IS_APPLICATION (self), NULL);

  if (self->settings != NULL)
    {
      g_autoptr(GVariant) queues = g_settings_get_value (self->settings, "queues");
      GVariantIter iter;
      const char *name;

      g_variant_iter_init (&iter, queues);
      while (g_variant_iter_next (&iter, "(&suu)", &name, NULL, NULL))
        g_strv_builder_add (builder, name);
    }

  return g_strv_builder_end (builder);
}

/**
 * tasker_app_application_run_command:
 *
 * Submits @command to the manager, as a durable task: until it ends, the
 * history keeps it for a restart (see tasker-app-pending.c).
 *
 * Returns: (transfer full): the task, or %NULL with @error set
 */
TaskerTask *
tasker_app_application_run_command (TaskerAppApplication  *self,
                                    TaskerAppCommand      *command,
                                    GError               **error)
{
  TaskerTask *task;

  g_return_val_if_fail (TASKER_APP_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (command), NULL);

  if (self->manager == NULL || self->stopped)
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN, _("Tasker is shutting down"));
      return NULL;
    }

  task = tasker_app_command_run (command, self->manager, error);
  if (task != NULL && !tasker_task_is_final (task))
    {
      g_hash_table_add (self->unfinished, g_object_ref (task));
      update_hold (self);
    }
  return task;
}

/**
 * tasker_app_application_stop:
 *
 * Shuts the manager down: it cancels what is unfinished, and the history
 * keeps the commands among them as interrupted for the next start. Called
 * when the application quits; tests call it to simulate a quit. Safe to
 * call more than once.
 */
void
tasker_app_application_stop (TaskerAppApplication *self)
{
  g_return_if_fail (TASKER_APP_IS_APPLICATION (self));

  if (self->stopped)
    return;
  self->stopped = TRUE;

  if (self->schedules != NULL)
    tasker_app_schedules_stop (self->schedules);
  /* A restore still under way queues nothing more: what it has not seen
   * stays in the history for the next start. */
  if (self->pending != NULL)
    tasker_app_pending_stop (self->pending);
  if (self->manager != NULL)
    tasker_manager_shutdown (self->manager, SHUTDOWN_GRACE_MS);
}
