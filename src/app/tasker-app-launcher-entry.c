/* tasker-app-launcher-entry.c: progress and count on the dock icon
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>

#include "tasker-app-launcher-entry.h"

/* TaskerAppLauncherEntry: shows the manager's overall progress and the
 * number of running tasks on the application's dock icon, through Unity's
 * com.canonical.Unity.LauncherEntry interface (Dash to Dock, Plank, KDE's
 * task manager…): an Update signal from an object path of the application's,
 * for the app URI `application://<app-id>.desktop`, with the properties
 * `progress` (d), `progress-visible` (b), `count` (x) and `count-visible`
 * (b). The signal follows the manager's coalesced tasks-updated, is sent
 * only when a value changes, and at most once per
 * TASKER_APP_LAUNCHER_ENTRY_MIN_INTERVAL_MS: a change that comes sooner is
 * sent when the interval ends. Nothing runs while nothing changes. The
 * interface's Query method answers with the current values. Main thread
 * only. */

#define LAUNCHER_ENTRY_INTERFACE "com.canonical.Unity.LauncherEntry"
/* Progress changes smaller than this are not worth a signal: a dock's bar
 * is a few dozen pixels wide. */
#define PROGRESS_STEP 0.005

typedef struct
{
  double   progress;
  guint    count;
  gboolean visible;
} EntryState;

struct _TaskerAppLauncherEntry
{
  GObject          parent_instance;

  GDBusConnection *connection;      /* (owned) */
  char            *object_path;     /* (owned) */
  char            *app_uri;         /* (owned) */
  TaskerManager   *manager;         /* (owned) */
  guint            registration_id; /* the exported object, or 0 */
  guint            flush_id;        /* a change waiting for the interval to end, or 0 */
  gint64           last_sent_us;    /* monotonic time of the last Update */
  EntryState       current;         /* from the last tasks-updated */
  EntryState       sent;            /* in the last Update */
};

G_DEFINE_FINAL_TYPE (TaskerAppLauncherEntry, tasker_app_launcher_entry, G_TYPE_OBJECT)

static const char introspection_xml[] =
  "<node>"
  "  <interface name='" LAUNCHER_ENTRY_INTERFACE "'>"
  "    <method name='Query'>"
  "      <arg type='s' name='app_uri' direction='out'/>"
  "      <arg type='a{sv}' name='properties' direction='out'/>"
  "    </method>"
  "    <signal name='Update'>"
  "      <arg type='s' name='app_uri'/>"
  "      <arg type='a{sv}' name='properties'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

static gboolean
state_equal (const EntryState *a,
             const EntryState *b)
{
  return a->count == b->count &&
         a->visible == b->visible &&
         fabs (a->progress - b->progress) < PROGRESS_STEP;
}

/* (sa{sv}), floating */
static GVariant *
state_to_variant (TaskerAppLauncherEntry *self,
                  const EntryState       *state)
{
  GVariantBuilder properties;

  g_variant_builder_init (&properties, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&properties, "{sv}", "progress", g_variant_new_double (state->progress));
  g_variant_builder_add (&properties, "{sv}", "progress-visible", g_variant_new_boolean (state->visible));
  g_variant_builder_add (&properties, "{sv}", "count", g_variant_new_int64 (state->count));
  g_variant_builder_add (&properties, "{sv}", "count-visible", g_variant_new_boolean (state->count > 0));

  return g_variant_new ("(s@a{sv})", self->app_uri, g_variant_builder_end (&properties));
}

static void
send_update (TaskerAppLauncherEntry *self,
             const EntryState       *state)
{
  g_autoptr(GError) error = NULL;

  if (!g_dbus_connection_emit_signal (self->connection, NULL, self->object_path,
                                      LAUNCHER_ENTRY_INTERFACE, "Update",
                                      state_to_variant (self, state), &error))
    g_debug ("Cannot send the launcher entry's Update: %s", error->message);

  self->sent = *state;
  self->last_sent_us = g_get_monotonic_time ();
}

static gboolean
flush_cb (gpointer user_data)
{
  TaskerAppLauncherEntry *self = user_data;

  self->flush_id = 0;
  if (!state_equal (&self->current, &self->sent))
    send_update (self, &self->current);

  return G_SOURCE_REMOVE;
}

static void
schedule_update (TaskerAppLauncherEntry *self)
{
  gint64 wait_us;

  if (state_equal (&self->current, &self->sent))
    {
      /* Back to what the dock shows already. */
      g_clear_handle_id (&self->flush_id, g_source_remove);
      return;
    }
  if (self->flush_id != 0)
    return;

  wait_us = self->last_sent_us + TASKER_APP_LAUNCHER_ENTRY_MIN_INTERVAL_MS * 1000 - g_get_monotonic_time ();
  if (self->last_sent_us == 0 || wait_us <= 0)
    send_update (self, &self->current);
  else
    self->flush_id = g_timeout_add ((guint) ((wait_us + 999) / 1000), flush_cb, self);
}

static void
tasks_updated_cb (TaskerAppLauncherEntry *self,
                  GListModel             *tasks,
                  double                  progress)
{
  guint n = g_list_model_get_n_items (tasks);
  guint running = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (tasks, i);

      /* The user's tasks, not the steps a task splits into. */
      if (tasker_task_get_parent (task) == NULL &&
          tasker_task_get_status (task) == TASKER_TASK_STATUS_RUNNING)
        running++;
    }

  self->current.progress = CLAMP (progress, 0.0, 1.0);
  self->current.count = running;
  self->current.visible = n > 0;
  schedule_update (self);
}

static void
method_call_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  TaskerAppLauncherEntry *self = user_data;

  if (g_strcmp0 (method_name, "Query") == 0)
    g_dbus_method_invocation_return_value (invocation, state_to_variant (self, &self->current));
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "No method %s", method_name);
}

static void
tasker_app_launcher_entry_dispose (GObject *object)
{
  TaskerAppLauncherEntry *self = (TaskerAppLauncherEntry *) object;

  g_clear_handle_id (&self->flush_id, g_source_remove);

  /* The dock forgets what it showed for us: quitting with tasks running
   * would otherwise leave their progress on the icon. */
  if (self->connection != NULL && (self->sent.visible || self->sent.count > 0))
    {
      EntryState hidden = { 0.0, 0, FALSE };

      send_update (self, &hidden);
      g_dbus_connection_flush_sync (self->connection, NULL, NULL);
    }

  if (self->registration_id != 0)
    {
      g_dbus_connection_unregister_object (self->connection, self->registration_id);
      self->registration_id = 0;
    }
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->manager);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (tasker_app_launcher_entry_parent_class)->dispose (object);
}

static void
tasker_app_launcher_entry_finalize (GObject *object)
{
  TaskerAppLauncherEntry *self = (TaskerAppLauncherEntry *) object;

  g_clear_pointer (&self->object_path, g_free);
  g_clear_pointer (&self->app_uri, g_free);

  G_OBJECT_CLASS (tasker_app_launcher_entry_parent_class)->finalize (object);
}

static void
tasker_app_launcher_entry_class_init (TaskerAppLauncherEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tasker_app_launcher_entry_dispose;
  object_class->finalize = tasker_app_launcher_entry_finalize;
}

static void
tasker_app_launcher_entry_init (TaskerAppLauncherEntry *self)
{
}

/**
 * tasker_app_launcher_entry_new:
 * @connection: the application's session bus connection
 * @object_path: where to export the entry, e.g. the application's object
 *   path followed by `/LauncherEntry`
 * @app_id: the application id, which names its desktop file
 * @manager: the manager whose tasks to show
 * @error: return location for an error
 *
 * Exports the launcher entry on @connection and follows @manager. Drop the
 * last reference to stop: the dock is told to hide what it showed.
 *
 * Returns: (transfer full): the entry, or %NULL with @error set when the
 *   object path is taken
 */
TaskerAppLauncherEntry *
tasker_app_launcher_entry_new (GDBusConnection  *connection,
                               const char       *object_path,
                               const char       *app_id,
                               TaskerManager    *manager,
                               GError          **error)
{
  static const GDBusInterfaceVTable vtable = { method_call_cb, NULL, NULL, { 0 } };
  static GDBusInterfaceInfo *interface_info;
  g_autoptr(TaskerAppLauncherEntry) self = NULL;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (object_path != NULL && g_variant_is_object_path (object_path), NULL);
  g_return_val_if_fail (app_id != NULL && g_application_id_is_valid (app_id), NULL);
  g_return_val_if_fail (TASKER_IS_MANAGER (manager), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_once_init_enter (&interface_info))
    {
      GDBusNodeInfo *node = g_dbus_node_info_new_for_xml (introspection_xml, NULL);

      g_assert (node != NULL);
      /* Kept for the life of the process, as the vtable. */
      g_once_init_leave (&interface_info, g_dbus_interface_info_ref (node->interfaces[0]));
      g_dbus_node_info_unref (node);
    }

  self = g_object_new (TASKER_APP_TYPE_LAUNCHER_ENTRY, NULL);
  self->connection = g_object_ref (connection);
  self->object_path = g_strdup (object_path);
  self->app_uri = g_strdup_printf ("application://%s.desktop", app_id);
  self->manager = g_object_ref (manager);

  self->registration_id = g_dbus_connection_register_object (connection, object_path, interface_info,
                                                             &vtable, self, NULL, error);
  if (self->registration_id == 0)
    return NULL;

  g_signal_connect_swapped (manager, "tasks-updated", G_CALLBACK (tasks_updated_cb), self);

  return g_steal_pointer (&self);
}

/**
 * tasker_app_launcher_entry_get_app_uri:
 *
 * Returns: the app URI the entry's signals name,
 *   `application://<app-id>.desktop`
 */
const char *
tasker_app_launcher_entry_get_app_uri (TaskerAppLauncherEntry *self)
{
  g_return_val_if_fail (TASKER_APP_IS_LAUNCHER_ENTRY (self), NULL);
  return self->app_uri;
}
