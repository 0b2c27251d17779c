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
#include "tasker-app-inhibitor.h"
#include "tasker-app-launcher-entry.h"
#include "tasker-app-preferences-window.h"
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
/* How often the manager delivers progress to the window (its default: 16). */
#define UPDATE_INTERVAL_MS 100

struct _TaskerAppApplication
{
  AdwApplication  parent_instance;

  char           *data_dir;        /* (owned) where the history lives */
  TaskerManager  *manager;         /* (owned) (nullable) from startup on */
  TaskerAppPending  *pending;         /* (owned) (nullable) from startup on */
  GSettings      *settings;        /* (owned) (nullable) NULL if the schema is not installed */
  guint           notify_id;       /* coalesced notification, or 0 */
  guint           sigterm_id;
  guint           sigint_id;
  guint           n_completed;     /* tasks ended since the last notification */
  guint           n_failed;
  guint           n_cancelled;
  char           *last_name;       /* (owned) (nullable) name of the last one */
  TaskerAppLauncherEntry *launcher_entry; /* (owned) (nullable) progress on the dock icon */
  TaskerAppInhibitor *inhibitor;   /* (owned) (nullable) no suspend while tasks run */
  gboolean        stopped;
};

enum {
  PROP_0,
  PROP_DATA_DIR,
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

  /* Only what the user is waiting for: top-level tasks, while the window is
   * in the background. */
  if (tasker_task_get_parent (task) != NULL)
    return;
  if (window != NULL && gtk_window_is_active (window))
    return;

  switch (tasker_task_get_status (task))
    {
    case TASKER_TASK_STATUS_COMPLETED:
      self->n_completed++;
      break;
    case TASKER_TASK_STATUS_FAILED:
      self->n_failed++;
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
  if (self->notify_id == 0)
    self->notify_id = g_timeout_add (NOTIFY_DELAY_MS, notify_cb, self);
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

  self->settings = load_settings ();
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb),
                             self, G_CONNECT_SWAPPED);
  apply_settings (self);

  g_signal_connect_object (self->manager, "task-finished", G_CALLBACK (task_finished_cb),
                           self, G_CONNECT_SWAPPED);

  start_desktop_integration (self);

  self->sigterm_id = g_unix_signal_add (SIGTERM, quit_on_signal_cb, self);
  self->sigint_id = g_unix_signal_add (SIGINT, quit_on_signal_cb, self);

  /* What the previous run left unfinished (see tasker-app-pending.c). */
  self->pending = tasker_app_pending_new (self->manager);
  g_signal_connect_object (self->pending, "requeue", G_CALLBACK (requeue_cb), self, G_CONNECT_SWAPPED);
  tasker_app_pending_restore (self->pending);
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

  if (window == NULL)
    window = GTK_WINDOW (tasker_app_window_new (TASKER_APP_APPLICATION (app)));

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
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GtkApplication *app = user_data;
  GList *windows = gtk_application_get_windows (app);

  /* Closing the windows lets them save their state; then the application
   * has nothing left to hold it. */
  while (windows != NULL)
    {
      GList *next = windows->next;
      gtk_window_destroy (windows->data);
      windows = next;
    }
  g_application_quit (G_APPLICATION (app));
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
  { "about", about_action },
  { "preferences", preferences_action },
};

static void
tasker_app_application_dispose (GObject *object)
{
  TaskerAppApplication *self = (TaskerAppApplication *) object;

  tasker_app_application_stop (self);
  g_clear_handle_id (&self->notify_id, g_source_remove);
  g_clear_object (&self->launcher_entry);
  g_clear_object (&self->inhibitor);
  g_clear_object (&self->pending);
  g_clear_object (&self->manager);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (tasker_app_application_parent_class)->dispose (object);
}

static void
tasker_app_application_finalize (GObject *object)
{
  TaskerAppApplication *self = (TaskerAppApplication *) object;

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->last_name, g_free);

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

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tasker_app_application_init (TaskerAppApplication *self)
{
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
  g_return_val_if_fail (TASKER_APP_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (command), NULL);

  if (self->manager == NULL || self->stopped)
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN, _("Tasker is shutting down"));
      return NULL;
    }

  return tasker_app_command_run (command, self->manager, error);
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

  if (self->manager != NULL)
    tasker_manager_shutdown (self->manager, SHUTDOWN_GRACE_MS);
}
