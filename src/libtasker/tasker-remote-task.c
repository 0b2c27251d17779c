/* tasker-remote-task.c: a task of this program, shown in the Tasker application
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-remote-task.h"

#include <math.h>

#include "tasker-error.h"
#include "tasker-remote-flusher-private.h"

/**
 * TaskerRemoteTask:
 *
 * A job of this program shown as a task in the running Tasker application
 * (DESIGN.md §9), for a program that is not built on [class@Tasker.Manager]:
 * it reports progress, a message and log lines, and hears when someone
 * cancels it from Tasker.
 *
 * ```python
 * task = Tasker.RemoteTask.new_sync("Backup", None, None)
 * task.connect("cancelled", lambda task: loop.quit())
 * task.set_total(len(files))
 * task.set_progress(3)        # 3 of the total
 * task.log("copied notes.txt")
 * task.complete_sync(None)
 * ```
 *
 * It is made asynchronously with [func@Tasker.RemoteTask.new_async] (or
 * [ctor@Tasker.RemoteTask.new_sync]), which calls `CreateTask` on the
 * application's `io.github.tasker.Tasker1` interface, on the session bus at
 * the build's application id (`io.github.tasker.Tasker`, `.Devel` for a
 * development build); the construct properties
 * [property@Tasker.RemoteTask:connection] and
 * [property@Tasker.RemoteTask:bus-name] choose another (a private bus in
 * tests). To make one with them, use g_async_initable_new_async() or
 * g_initable_new() with the properties. The application is started by the
 * bus when it is not running.
 *
 * ## Cheap, coalesced updates
 *
 * [method@Tasker.RemoteTask.set_progress], [method@Tasker.RemoteTask.set_total],
 * [method@Tasker.RemoteTask.set_message] and [method@Tasker.RemoteTask.log]
 * only store: the remote tasks made on one connection in one main context
 * share one timer on that context, which sends everything that changed in
 * one `UpdateTasks` call per [property@Tasker.RemoteTask:update-interval]
 * (nothing when nothing changed: setting the progress, total or message the
 * application already has is no change), and waits for its reply before it
 * sends the next. A program that logs faster than that keeps, per task, at most
 * 1,000 lines and 1 MiB of log text waiting: older waiting lines are dropped
 * and replaced by one line saying how many were; lines are never reordered.
 * The context the task was made in must be iterated (a running main loop)
 * for updates to go out and for [signal@Tasker.RemoteTask::cancelled] to
 * come.
 *
 * ## Ending
 *
 * [method@Tasker.RemoteTask.complete_async] and
 * [method@Tasker.RemoteTask.fail_async] first send what is still stored,
 * then end the task; changes made afterwards are dropped. When someone
 * cancelled the task, the application records it as cancelled whichever of
 * the two the program calls. A remote task that is finalized without being
 * ended still sends what it stored, and is left to the application's rules
 * for its owner: it fails when the program's connection leaves the bus (or
 * the process given as `pid` exits).
 *
 * ## Errors
 *
 * Errors of the application come back in the %TASKER_ERROR domain with the
 * D-Bus prefix stripped: `NoSuchTask` is %TASKER_ERROR_NO_SUCH_TASK,
 * `AccessDenied` %TASKER_ERROR_ACCESS_DENIED, `TaskEnded`
 * %TASKER_ERROR_TASK_ENDED, `LimitExceeded` %TASKER_ERROR_LIMIT_EXCEEDED,
 * `InvalidArgument` %TASKER_ERROR_INVALID_ARGUMENT, `QueueFull`
 * %TASKER_ERROR_QUEUE_FULL, `ShuttingDown` %TASKER_ERROR_SHUT_DOWN and
 * `Failed` %TASKER_ERROR_FAILED. Errors of the bus itself (no application,
 * no reply) keep their %G_DBUS_ERROR or %G_IO_ERROR domain.
 *
 * ## Thread-safety
 *
 * The setters, [method@Tasker.RemoteTask.should_exit] and the end calls may
 * be called from any thread. Property notifications and the
 * [signal@Tasker.RemoteTask::cancelled] signal come on the thread-default
 * main context the task was made in.
 *
 * Since: 1.0
 */

struct _TaskerRemoteTask
{
  GObject              parent_instance;

  char                *name;              /* (owned): construct-only */
  GVariant            *options;           /* (owned) (nullable): construct-only */
  GDBusConnection     *connection;        /* (owned) (nullable): NULL until made, unless given */
  char                *bus_name;          /* (owned) (nullable): construct-only */
  guint                update_interval;   /* (atomic) ms */

  /* Set once by initialisation, on the creating thread. */
  TaskerRemoteFlusher *flusher;           /* (owned) (nullable) */
  TaskerRemoteUpdate  *update;            /* (nullable): owned by @flusher */
  guint64              id;
  char                *object_path;       /* (owned) (nullable) */
  gboolean             initialized;

  gboolean             cancel_requested;  /* (atomic) */
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_OPTIONS,
  PROP_CONNECTION,
  PROP_BUS_NAME,
  PROP_UPDATE_INTERVAL,
  PROP_ID,
  PROP_OBJECT_PATH,
  PROP_CANCEL_REQUESTED,
  N_PROPS
};

enum {
  CANCELLED,
  N_SIGNALS
};

static void tasker_remote_task_initable_iface_init (GInitableIface *iface);
static void tasker_remote_task_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TaskerRemoteTask, tasker_remote_task, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      tasker_remote_task_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE,
                                                      tasker_remote_task_async_initable_iface_init))

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define DEFAULT_UPDATE_INTERVAL_MS 100

static const struct
{
  const char *name;
  TaskerError code;
} remote_errors[] = {
  { "io.github.tasker.Tasker1.Error.Failed", TASKER_ERROR_FAILED },
  { "io.github.tasker.Tasker1.Error.NoSuchTask", TASKER_ERROR_NO_SUCH_TASK },
  { "io.github.tasker.Tasker1.Error.InvalidArgument", TASKER_ERROR_INVALID_ARGUMENT },
  { "io.github.tasker.Tasker1.Error.QueueFull", TASKER_ERROR_QUEUE_FULL },
  { "io.github.tasker.Tasker1.Error.ShuttingDown", TASKER_ERROR_SHUT_DOWN },
  { "io.github.tasker.Tasker1.Error.AccessDenied", TASKER_ERROR_ACCESS_DENIED },
  { "io.github.tasker.Tasker1.Error.TaskEnded", TASKER_ERROR_TASK_ENDED },
  { "io.github.tasker.Tasker1.Error.LimitExceeded", TASKER_ERROR_LIMIT_EXCEEDED },
};

/* The application's errors in TASKER_ERROR, without the remote prefix;
 * the bus's own errors as GDBus made them. Returns: (transfer full) */
static GError *
translate_error (GError *error)
{
  g_autofree char *name = g_dbus_error_get_remote_error (error);

  g_dbus_error_strip_remote_error (error);
  if (name == NULL)
    return error;

  for (guint i = 0; i < G_N_ELEMENTS (remote_errors); i++)
    {
      if (g_str_equal (name, remote_errors[i].name))
        {
          error->domain = TASKER_ERROR;
          error->code = remote_errors[i].code;
          break;
        }
    }
  return error;
}

static const char *
effective_bus_name (TaskerRemoteTask *self)
{
  return self->bus_name != NULL ? self->bus_name : TASKER_DEFAULT_APP_ID;
}

/* On the creation context, when the application sets CancelRequested. */
static void
cancel_requested_cb (GObject *owner)
{
  TaskerRemoteTask *self = TASKER_REMOTE_TASK (owner);

  if (!g_atomic_int_compare_and_exchange (&self->cancel_requested, FALSE, TRUE))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CANCEL_REQUESTED]);
  g_signal_emit (self, signals[CANCELLED], 0);
}

static gboolean
check_arguments (TaskerRemoteTask  *self,
                 GError           **error)
{
  if (self->name == NULL || self->name[0] == '\0')
    {
      g_set_error_literal (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                           "a remote task needs a name");
      return FALSE;
    }
  if (!g_utf8_validate (self->name, -1, NULL))
    {
      g_set_error_literal (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                           "a remote task's name must be UTF-8");
      return FALSE;
    }
  return TRUE;
}

static GVariant *
create_task_parameters (TaskerRemoteTask *self)
{
  GVariant *options = self->options;

  if (options == NULL)
    options = g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0);
  return g_variant_new ("(s@a{sv})", self->name, options);
}

/* The flusher, subscribed to cancels before CreateTask goes out. */
static void
acquire_flusher (TaskerRemoteTask *self,
                 GMainContext     *context)
{
  self->flusher = _tasker_remote_flusher_acquire (self->connection, effective_bus_name (self),
                                                  context, cancel_requested_cb);
}

static void
take_create_reply (TaskerRemoteTask *self,
                   GVariant         *reply)
{
  g_variant_get (reply, "(ot)", &self->object_path, &self->id);
  self->update = _tasker_remote_flusher_add (self->flusher, self->id, self->object_path,
                                             G_OBJECT (self),
                                             (guint) g_atomic_int_get (&self->update_interval));
  self->initialized = TRUE;
}

static gboolean
tasker_remote_task_initable_init (GInitable     *initable,
                                  GCancellable  *cancellable,
                                  GError       **error)
{
  TaskerRemoteTask *self = TASKER_REMOTE_TASK (initable);
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GVariant) reply = NULL;
  GError *local_error = NULL;

  if (self->initialized)
    return TRUE;
  g_return_val_if_fail (self->flusher == NULL, FALSE);

  if (!check_arguments (self, error))
    return FALSE;
  if (self->connection == NULL)
    {
      self->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, error);
      if (self->connection == NULL)
        return FALSE;
    }

  acquire_flusher (self, context);
  reply = g_dbus_connection_call_sync (self->connection, effective_bus_name (self),
                                       TASKER_DBUS_PATH, TASKER_DBUS_INTERFACE, "CreateTask",
                                       create_task_parameters (self), G_VARIANT_TYPE ("(ot)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, cancellable, &local_error);
  if (reply == NULL)
    {
      g_propagate_error (error, translate_error (local_error));
      return FALSE;
    }
  take_create_reply (self, reply);
  return TRUE;
}

static void
tasker_remote_task_initable_iface_init (GInitableIface *iface)
{
  iface->init = tasker_remote_task_initable_init;
}

static void
create_task_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TaskerRemoteTask *self = g_task_get_source_object (task);
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, translate_error (error));
      return;
    }
  take_create_reply (self, reply);
  g_task_return_boolean (task, TRUE);
}

static void
create_task (GTask *task)
{
  TaskerRemoteTask *self = g_task_get_source_object (task);

  acquire_flusher (self, g_task_get_context (task));
  g_dbus_connection_call (self->connection, effective_bus_name (self),
                          TASKER_DBUS_PATH, TASKER_DBUS_INTERFACE, "CreateTask",
                          create_task_parameters (self), G_VARIANT_TYPE ("(ot)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, g_task_get_cancellable (task),
                          create_task_cb, task);
}

static void
bus_get_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  TaskerRemoteTask *self = g_task_get_source_object (task);
  GError *error = NULL;

  self->connection = g_bus_get_finish (result, &error);
  if (self->connection == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  create_task (task);
}

static void
tasker_remote_task_init_async (GAsyncInitable      *initable,
                               int                  io_priority,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  TaskerRemoteTask *self = TASKER_REMOTE_TASK (initable);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, tasker_remote_task_init_async);
  g_task_set_priority (task, io_priority);

  if (self->initialized)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  if (self->flusher != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "the remote task is being made already");
      g_object_unref (task);
      return;
    }
  if (!check_arguments (self, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (self->connection == NULL)
    g_bus_get (G_BUS_TYPE_SESSION, cancellable, bus_get_cb, task);
  else
    create_task (task);
}

static gboolean
tasker_remote_task_init_finish (GAsyncInitable  *initable,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, initable), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
tasker_remote_task_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = tasker_remote_task_init_async;
  iface->init_finish = tasker_remote_task_init_finish;
}

static void
tasker_remote_task_dispose (GObject *object)
{
  TaskerRemoteTask *self = TASKER_REMOTE_TASK (object);

  /* What it stored still goes out; the task itself is the application's. */
  if (self->update != NULL)
    {
      _tasker_remote_flusher_remove (self->flusher, self->update);
      self->update = NULL;
    }
  g_clear_object (&self->flusher);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (tasker_remote_task_parent_class)->dispose (object);
}

static void
tasker_remote_task_finalize (GObject *object)
{
  TaskerRemoteTask *self = TASKER_REMOTE_TASK (object);

  g_free (self->name);
  g_clear_pointer (&self->options, g_variant_unref);
  g_free (self->bus_name);
  g_free (self->object_path);

  G_OBJECT_CLASS (tasker_remote_task_parent_class)->finalize (object);
}

static void
tasker_remote_task_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TaskerRemoteTask *self = TASKER_REMOTE_TASK (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_OPTIONS:
      g_value_set_variant (value, self->options);
      break;
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    case PROP_BUS_NAME:
      g_value_set_string (value, effective_bus_name (self));
      break;
    case PROP_UPDATE_INTERVAL:
      g_value_set_uint (value, tasker_remote_task_get_update_interval (self));
      break;
    case PROP_ID:
      g_value_set_uint64 (value, self->id);
      break;
    case PROP_OBJECT_PATH:
      g_value_set_string (value, self->object_path);
      break;
    case PROP_CANCEL_REQUESTED:
      g_value_set_boolean (value, tasker_remote_task_get_cancel_requested (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_remote_task_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  TaskerRemoteTask *self = TASKER_REMOTE_TASK (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_OPTIONS:
      self->options = g_value_dup_variant (value);
      break;
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      break;
    case PROP_BUS_NAME:
      self->bus_name = g_value_dup_string (value);
      break;
    case PROP_UPDATE_INTERVAL:
      tasker_remote_task_set_update_interval (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_remote_task_class_init (TaskerRemoteTaskClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tasker_remote_task_dispose;
  object_class->finalize = tasker_remote_task_finalize;
  object_class->get_property = tasker_remote_task_get_property;
  object_class->set_property = tasker_remote_task_set_property;

  /**
   * TaskerRemoteTask:name:
   *
   * The task's name, as the application shows it (not empty).
   *
   * Since: 1.0
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerRemoteTask:options:
   *
   * The `CreateTask` options (an `a{sv}`): `pid` (u, the owning process
   * instead of this connection), `key` (s), `parent` (t, an external task
   * of the same owner), `total` (d) and `message` (s).
   *
   * Since: 1.0
   */
  properties[PROP_OPTIONS] =
    g_param_spec_variant ("options", NULL, NULL, G_VARIANT_TYPE_VARDICT, NULL,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerRemoteTask:connection:
   *
   * The bus the application is on; %NULL at construction means the
   * session bus.
   *
   * Since: 1.0
   */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerRemoteTask:bus-name:
   *
   * The application's bus name; %NULL at construction means the build's
   * application id.
   *
   * Since: 1.0
   */
  properties[PROP_BUS_NAME] =
    g_param_spec_string ("bus-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerRemoteTask:update-interval:
   *
   * How long stored changes wait at most before they are sent, in
   * milliseconds: the tasks of one connection and context share one
   * `UpdateTasks` call per interval.
   *
   * Since: 1.0
   */
  properties[PROP_UPDATE_INTERVAL] =
    g_param_spec_uint ("update-interval", NULL, NULL, 1, 60000, DEFAULT_UPDATE_INTERVAL_MS,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS);

  /**
   * TaskerRemoteTask:id:
   *
   * The task's id in the application (0 until the task is made).
   *
   * Since: 1.0
   */
  properties[PROP_ID] =
    g_param_spec_uint64 ("id", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerRemoteTask:object-path:
   *
   * The task's object in the application (interface
   * `io.github.tasker.Tasker1.Task`), %NULL until the task is made.
   *
   * Since: 1.0
   */
  properties[PROP_OBJECT_PATH] =
    g_param_spec_string ("object-path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerRemoteTask:cancel-requested:
   *
   * Whether someone cancelled the task in Tasker: the program should stop
   * and end it. Notified on the context the task was made in.
   *
   * Since: 1.0
   */
  properties[PROP_CANCEL_REQUESTED] =
    g_param_spec_boolean ("cancel-requested", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TaskerRemoteTask::cancelled:
   * @self: the remote task
   *
   * Someone cancelled the task in Tasker. Emitted once, on the thread-default
   * main context the task was made in, after
   * [property@Tasker.RemoteTask:cancel-requested] became %TRUE. The program
   * should stop its work and call [method@Tasker.RemoteTask.complete_async]
   * or [method@Tasker.RemoteTask.fail_async]; the task ends cancelled.
   *
   * Since: 1.0
   */
  signals[CANCELLED] =
    g_signal_new ("cancelled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tasker_remote_task_init (TaskerRemoteTask *self)
{
  self->update_interval = DEFAULT_UPDATE_INTERVAL_MS;
}

/**
 * tasker_remote_task_new_async:
 * @name: the task's name, as the application shows it
 * @options: (nullable): `CreateTask` options, an `a{sv}` (see
 *   [property@Tasker.RemoteTask:options]); a floating reference is sunk
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the task is made, or could not be
 * @user_data: (closure): data for @callback
 *
 * Shows a new task of this program in the Tasker application on the session
 * bus (which starts it when it is not running). The task is running at once;
 * @callback is called on the current thread-default main context, which is
 * also where the task's notifications and signals come.
 *
 * Since: 1.0
 */
void
tasker_remote_task_new_async (const char          *name,
                              GVariant            *options,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GVariant) sunk = options != NULL ? g_variant_ref_sink (options) : NULL;

  g_return_if_fail (name != NULL);
  g_return_if_fail (sunk == NULL || g_variant_is_of_type (sunk, G_VARIANT_TYPE_VARDICT));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  g_async_initable_new_async (TASKER_TYPE_REMOTE_TASK, G_PRIORITY_DEFAULT, cancellable,
                              callback, user_data,
                              "name", name,
                              "options", sunk,
                              NULL);
}

/**
 * tasker_remote_task_new_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: return location for an error
 *
 * Finishes [func@Tasker.RemoteTask.new_async].
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set
 *   (see the class documentation for the error codes)
 *
 * Since: 1.0
 */
TaskerRemoteTask *
tasker_remote_task_new_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_autoptr(GObject) source = g_async_result_get_source_object (result);
  GObject *object;

  g_return_val_if_fail (G_IS_ASYNC_INITABLE (source), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);
  return object != NULL ? TASKER_REMOTE_TASK (object) : NULL;
}

/**
 * tasker_remote_task_new_sync:
 * @name: the task's name, as the application shows it
 * @options: (nullable): `CreateTask` options, an `a{sv}` (see
 *   [property@Tasker.RemoteTask:options]); a floating reference is sunk
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Shows a new task of this program in the Tasker application, waiting for
 * the application's answer. For simple scripts; the task's notifications
 * and signals come on the current thread-default main context.
 *
 * Returns: (transfer full) (nullable): the task, or %NULL with @error set
 *
 * Since: 1.0
 */
TaskerRemoteTask *
tasker_remote_task_new_sync (const char    *name,
                             GVariant      *options,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_autoptr(GVariant) sunk = options != NULL ? g_variant_ref_sink (options) : NULL;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (sunk == NULL || g_variant_is_of_type (sunk, G_VARIANT_TYPE_VARDICT), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (TASKER_TYPE_REMOTE_TASK, cancellable, error,
                         "name", name,
                         "options", sunk,
                         NULL);
}

/**
 * tasker_remote_task_get_id:
 * @self: a #TaskerRemoteTask
 *
 * Gets [property@Tasker.RemoteTask:id].
 *
 * Returns: the task's id in the application
 *
 * Since: 1.0
 */
guint64
tasker_remote_task_get_id (TaskerRemoteTask *self)
{
  g_return_val_if_fail (TASKER_IS_REMOTE_TASK (self), 0);

  return self->id;
}

/**
 * tasker_remote_task_get_object_path:
 * @self: a #TaskerRemoteTask
 *
 * Gets [property@Tasker.RemoteTask:object-path].
 *
 * Returns: (nullable): the task's object path in the application
 *
 * Since: 1.0
 */
const char *
tasker_remote_task_get_object_path (TaskerRemoteTask *self)
{
  g_return_val_if_fail (TASKER_IS_REMOTE_TASK (self), NULL);

  return self->object_path;
}

/**
 * tasker_remote_task_get_update_interval:
 * @self: a #TaskerRemoteTask
 *
 * Gets [property@Tasker.RemoteTask:update-interval]. Any thread.
 *
 * Returns: the longest time stored changes wait, in milliseconds
 *
 * Since: 1.0
 */
guint
tasker_remote_task_get_update_interval (TaskerRemoteTask *self)
{
  g_return_val_if_fail (TASKER_IS_REMOTE_TASK (self), 0);

  return (guint) g_atomic_int_get (&self->update_interval);
}

/**
 * tasker_remote_task_set_update_interval:
 * @self: a #TaskerRemoteTask
 * @interval_ms: the longest time stored changes wait, in milliseconds (1 to 60,000)
 *
 * Sets [property@Tasker.RemoteTask:update-interval]. Any thread.
 *
 * Since: 1.0
 */
void
tasker_remote_task_set_update_interval (TaskerRemoteTask *self,
                                        guint             interval_ms)
{
  g_return_if_fail (TASKER_IS_REMOTE_TASK (self));
  g_return_if_fail (interval_ms >= 1 && interval_ms <= 60000);

  if ((guint) g_atomic_int_exchange (&self->update_interval, (int) interval_ms) == interval_ms)
    return;
  if (self->update != NULL)
    _tasker_remote_flusher_set_interval (self->flusher, self->update, interval_ms);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATE_INTERVAL]);
}

/**
 * tasker_remote_task_get_cancel_requested:
 * @self: a #TaskerRemoteTask
 *
 * Gets [property@Tasker.RemoteTask:cancel-requested]. Any thread.
 *
 * Returns: whether someone cancelled the task in Tasker
 *
 * Since: 1.0
 */
gboolean
tasker_remote_task_get_cancel_requested (TaskerRemoteTask *self)
{
  g_return_val_if_fail (TASKER_IS_REMOTE_TASK (self), FALSE);

  return g_atomic_int_get (&self->cancel_requested);
}

/**
 * tasker_remote_task_should_exit:
 * @self: a #TaskerRemoteTask
 *
 * Whether the program should stop this task's work: someone cancelled it in
 * Tasker. Answered locally, without a call: the application's cancel comes
 * as a signal on the context the task was made in. Any thread.
 *
 * Returns: %TRUE once a cancel was requested
 *
 * Since: 1.0
 */
gboolean
tasker_remote_task_should_exit (TaskerRemoteTask *self)
{
  return tasker_remote_task_get_cancel_requested (self);
}

#define RETURN_IF_NOT_MADE(self)                                        \
  G_STMT_START {                                                        \
    g_return_if_fail (TASKER_IS_REMOTE_TASK (self));                    \
    g_return_if_fail ((self)->update != NULL);                          \
  } G_STMT_END

/**
 * tasker_remote_task_set_progress:
 * @self: a #TaskerRemoteTask
 * @progress: a fraction, or with a total (see [method@Tasker.RemoteTask.set_total])
 *   the units done
 *
 * Stores the task's progress; it is sent with the next update. NaN and
 * infinities are ignored with a warning (DESIGN.md §4); the application
 * clamps the fraction to [0, 1]. Cheap, and safe from any thread.
 *
 * Since: 1.0
 */
void
tasker_remote_task_set_progress (TaskerRemoteTask *self,
                                 double            progress)
{
  RETURN_IF_NOT_MADE (self);

  if G_UNLIKELY (!isfinite (progress))
    {
      g_warning ("tasker_remote_task_set_progress: ignoring progress %g", progress);
      return;
    }
  _tasker_remote_flusher_set_progress (self->flusher, self->update, progress);
}

/**
 * tasker_remote_task_set_total:
 * @self: a #TaskerRemoteTask
 * @total: how many units the work has (more than 0)
 *
 * Stores the task's total: later progress values count units of it. A
 * total that is not more than 0, or not finite, is ignored with a warning.
 * Cheap, and safe from any thread.
 *
 * Since: 1.0
 */
void
tasker_remote_task_set_total (TaskerRemoteTask *self,
                              double            total)
{
  RETURN_IF_NOT_MADE (self);

  if G_UNLIKELY (!isfinite (total) || total <= 0)
    {
      g_warning ("tasker_remote_task_set_total: ignoring total %g, it must be more than 0", total);
      return;
    }
  _tasker_remote_flusher_set_total (self->flusher, self->update, total);
}

/**
 * tasker_remote_task_set_message:
 * @self: a #TaskerRemoteTask
 * @message: (nullable): what the task is doing now; %NULL clears it
 *
 * Stores the task's message; only the last one set before an update is
 * sent. Text that is not UTF-8 is repaired. Cheap, and safe from any thread.
 *
 * Since: 1.0
 */
void
tasker_remote_task_set_message (TaskerRemoteTask *self,
                                const char       *message)
{
  RETURN_IF_NOT_MADE (self);

  _tasker_remote_flusher_set_message (self->flusher, self->update, message != NULL ? message : "");
}

/**
 * tasker_remote_task_log:
 * @self: a #TaskerRemoteTask
 * @text: one or more lines (ending at `\n` or `\r\n`)
 *
 * Appends @text to the task's log, one log line per line of it; the lines
 * are sent in order with the next update (see the class documentation for
 * what happens when a program logs faster than the application takes its
 * lines). Text that is not UTF-8 is repaired. Safe from any thread.
 *
 * Since: 1.0
 */
void
tasker_remote_task_log (TaskerRemoteTask *self,
                        const char       *text)
{
  RETURN_IF_NOT_MADE (self);
  g_return_if_fail (text != NULL);

  _tasker_remote_flusher_log (self->flusher, self->update, text);
}

static void
end_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    g_task_return_error (task, translate_error (error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Complete() or Fail(message): after what is stored, which goes first. */
static void
end_async (TaskerRemoteTask    *self,
           const char          *method,
           GVariant            *parameters,
           gpointer             source_tag,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  _tasker_remote_flusher_end (self->flusher, self->update);
  g_dbus_connection_call (_tasker_remote_flusher_get_connection (self->flusher),
                          _tasker_remote_flusher_get_bus_name (self->flusher),
                          self->object_path, TASKER_DBUS_TASK_INTERFACE, method, parameters,
                          G_VARIANT_TYPE_UNIT, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, cancellable,
                          end_cb, task);
}

static gboolean
end_sync (TaskerRemoteTask  *self,
          const char        *method,
          GVariant          *parameters,
          GCancellable      *cancellable,
          GError           **error)
{
  g_autoptr(GVariant) reply = NULL;
  GError *local_error = NULL;

  _tasker_remote_flusher_end (self->flusher, self->update);
  reply = g_dbus_connection_call_sync (_tasker_remote_flusher_get_connection (self->flusher),
                                       _tasker_remote_flusher_get_bus_name (self->flusher),
                                       self->object_path, TASKER_DBUS_TASK_INTERFACE, method,
                                       parameters, G_VARIANT_TYPE_UNIT,
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, cancellable,
                                       &local_error);
  if (reply == NULL)
    {
      g_propagate_error (error, translate_error (local_error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
end_finish (TaskerRemoteTask  *self,
            GAsyncResult      *result,
            gpointer           source_tag,
            GError           **error)
{
  g_return_val_if_fail (TASKER_IS_REMOTE_TASK (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static char *
valid_message (const char *message)
{
  return g_utf8_make_valid (message, -1);
}

/**
 * tasker_remote_task_complete_async:
 * @self: a #TaskerRemoteTask
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the application has answered
 * @user_data: (closure): data for @callback
 *
 * Ends the task as completed (cancelled when a cancel was requested), after
 * sending what is still stored. @callback is called on the current
 * thread-default main context. Any thread.
 *
 * Since: 1.0
 */
void
tasker_remote_task_complete_async (TaskerRemoteTask    *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  RETURN_IF_NOT_MADE (self);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  end_async (self, "Complete", NULL, tasker_remote_task_complete_async,
             cancellable, callback, user_data);
}

/**
 * tasker_remote_task_complete_finish:
 * @self: a #TaskerRemoteTask
 * @result: the #GAsyncResult given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Tasker.RemoteTask.complete_async].
 *
 * Returns: %TRUE when the application ended the task, else %FALSE with
 *   @error set (%TASKER_ERROR_TASK_ENDED when it had ended already)
 *
 * Since: 1.0
 */
gboolean
tasker_remote_task_complete_finish (TaskerRemoteTask  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  return end_finish (self, result, tasker_remote_task_complete_async, error);
}

/**
 * tasker_remote_task_complete_sync:
 * @self: a #TaskerRemoteTask
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Ends the task as completed (cancelled when a cancel was requested), after
 * sending what is still stored, waiting for the application's answer.
 *
 * Returns: %TRUE when the application ended the task, else %FALSE with
 *   @error set
 *
 * Since: 1.0
 */
gboolean
tasker_remote_task_complete_sync (TaskerRemoteTask  *self,
                                  GCancellable      *cancellable,
                                  GError           **error)
{
  g_return_val_if_fail (TASKER_IS_REMOTE_TASK (self), FALSE);
  g_return_val_if_fail (self->update != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return end_sync (self, "Complete", NULL, cancellable, error);
}

/**
 * tasker_remote_task_fail_async:
 * @self: a #TaskerRemoteTask
 * @message: why the task failed
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the application has answered
 * @user_data: (closure): data for @callback
 *
 * Ends the task as failed with @message (cancelled when a cancel was
 * requested), after sending what is still stored. @callback is called on
 * the current thread-default main context. Any thread.
 *
 * Since: 1.0
 */
void
tasker_remote_task_fail_async (TaskerRemoteTask    *self,
                               const char          *message,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autofree char *valid = NULL;

  RETURN_IF_NOT_MADE (self);
  g_return_if_fail (message != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  valid = valid_message (message);
  end_async (self, "Fail", g_variant_new ("(s)", valid), tasker_remote_task_fail_async,
             cancellable, callback, user_data);
}

/**
 * tasker_remote_task_fail_finish:
 * @self: a #TaskerRemoteTask
 * @result: the #GAsyncResult given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Tasker.RemoteTask.fail_async].
 *
 * Returns: %TRUE when the application ended the task, else %FALSE with
 *   @error set (%TASKER_ERROR_TASK_ENDED when it had ended already)
 *
 * Since: 1.0
 */
gboolean
tasker_remote_task_fail_finish (TaskerRemoteTask  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  return end_finish (self, result, tasker_remote_task_fail_async, error);
}

/**
 * tasker_remote_task_fail_sync:
 * @self: a #TaskerRemoteTask
 * @message: why the task failed
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Ends the task as failed with @message (cancelled when a cancel was
 * requested), after sending what is still stored, waiting for the
 * application's answer.
 *
 * Returns: %TRUE when the application ended the task, else %FALSE with
 *   @error set
 *
 * Since: 1.0
 */
gboolean
tasker_remote_task_fail_sync (TaskerRemoteTask  *self,
                              const char        *message,
                              GCancellable      *cancellable,
                              GError           **error)
{
  g_autofree char *valid = NULL;

  g_return_val_if_fail (TASKER_IS_REMOTE_TASK (self), FALSE);
  g_return_val_if_fail (self->update != NULL, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  valid = valid_message (message);
  return end_sync (self, "Fail", g_variant_new ("(s)", valid), cancellable, error);
}
