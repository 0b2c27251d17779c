/* tasker-task-options.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-task-options-private.h"

/**
 * TaskerTaskOptions:
 *
 * How a task is named, described and observed.
 *
 * Options are handed to [method@Tasker.Manager.run_thread] and
 * [method@Tasker.Manager.add_coroutine]. One options object may serve any
 * number of submissions: the tasks share its handlers and descriptions by
 * reference, so an options object is sealed by its first submission and its
 * setters refuse changes after that. Use [method@Tasker.TaskOptions.copy] to
 * derive different options.
 *
 * The done and event functions run on the manager's main context, never on a
 * worker thread. Their data is freed when the options object is finalized.
 *
 * Options are not thread-safe while they are being set up; once sealed they
 * are read-only and may be used from any thread.
 *
 * Since: 1.0
 */

typedef struct
{
  gpointer       func;
  gpointer       data;    /* (owned) by destroy */
  GDestroyNotify destroy;
} Handler;

struct _TaskerTaskOptions
{
  GObject     parent_instance;

  char       *name;          /* (owned) (nullable) */
  GHashTable *descriptions;  /* (owned) (nullable) (element-type utf8 utf8) */
  Handler     done;
  Handler     event;
  guint       timeout_ms;
  char      **worker;        /* (owned) (nullable) */
  int         sealed;        /* (atomic) */
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_TIMEOUT_MS,
  PROP_WORKER,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (TaskerTaskOptions, tasker_task_options, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void
handler_clear (Handler *handler)
{
  if (handler->destroy != NULL && handler->data != NULL)
    handler->destroy (handler->data);
  handler->func = NULL;
  handler->data = NULL;
  handler->destroy = NULL;
}

static gboolean
check_not_sealed (TaskerTaskOptions *self)
{
  if (g_atomic_int_get (&self->sealed))
    {
      g_critical ("TaskerTaskOptions %p is in use by a submitted task and cannot change; "
                  "use tasker_task_options_copy()", self);
      return FALSE;
    }
  return TRUE;
}

static void
tasker_task_options_finalize (GObject *object)
{
  TaskerTaskOptions *self = (TaskerTaskOptions *) object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->worker, g_strfreev);
  g_clear_pointer (&self->descriptions, g_hash_table_unref);
  handler_clear (&self->done);
  handler_clear (&self->event);

  G_OBJECT_CLASS (tasker_task_options_parent_class)->finalize (object);
}

static void
tasker_task_options_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  TaskerTaskOptions *self = TASKER_TASK_OPTIONS (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_TIMEOUT_MS:
      g_value_set_uint (value, self->timeout_ms);
      break;

    case PROP_WORKER:
      g_value_set_boxed (value, self->worker);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_task_options_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  TaskerTaskOptions *self = TASKER_TASK_OPTIONS (object);

  switch (prop_id)
    {
    case PROP_NAME:
      tasker_task_options_set_name (self, g_value_get_string (value));
      break;

    case PROP_TIMEOUT_MS:
      tasker_task_options_set_timeout (self, g_value_get_uint (value));
      break;

    case PROP_WORKER:
      tasker_task_options_set_worker (self, g_value_get_boxed (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_task_options_class_init (TaskerTaskOptionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tasker_task_options_finalize;
  object_class->get_property = tasker_task_options_get_property;
  object_class->set_property = tasker_task_options_set_property;

  /**
   * TaskerTaskOptions:name:
   *
   * A human-readable name for the task, shown by progress UIs.
   *
   * Since: 1.0
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:timeout-ms:
   *
   * How long an attempt of the task may run, in milliseconds, counted from
   * its start; 0 means no limit. When it expires the task is cancelled and
   * ends %TASKER_TASK_STATUS_FAILED with %TASKER_ERROR_TIMED_OUT. A process
   * task that ignores the cancel is killed after the manager's
   * [property@Tasker.Manager:cancel-grace].
   *
   * Since: 1.0
   */
  properties[PROP_TIMEOUT_MS] =
    g_param_spec_uint ("timeout-ms", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:worker:
   *
   * The program that runs a process task, with its arguments: %NULL for
   * `tasker-worker`. It must speak the worker protocol (docs/worker-protocol.md)
   * on fd 3; the manager appends `--update-interval=MS`. Workers of
   * different programs form separate pools within
   * [property@Tasker.Manager:max-workers]. The Python override uses this for
   * Python functions.
   *
   * Since: 1.0
   */
  properties[PROP_WORKER] =
    g_param_spec_boxed ("worker", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tasker_task_options_init (TaskerTaskOptions *self)
{
}

/**
 * tasker_task_options_new:
 *
 * Creates options with every setting at its default.
 *
 * Returns: (transfer full): new options
 *
 * Since: 1.0
 */
TaskerTaskOptions *
tasker_task_options_new (void)
{
  return g_object_new (TASKER_TYPE_TASK_OPTIONS, NULL);
}

/**
 * tasker_task_options_copy:
 * @self: a #TaskerTaskOptions
 *
 * Copies the name, timeout, worker and descriptions of @self into new, unsealed options. The
 * done and event functions are not copied, since their data has one owner.
 *
 * Returns: (transfer full): new options
 *
 * Since: 1.0
 */
TaskerTaskOptions *
tasker_task_options_copy (TaskerTaskOptions *self)
{
  TaskerTaskOptions *copy;

  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), NULL);

  copy = tasker_task_options_new ();
  copy->name = g_strdup (self->name);
  copy->timeout_ms = self->timeout_ms;
  copy->worker = g_strdupv (self->worker);

  if (self->descriptions != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, self->descriptions);
      while (g_hash_table_iter_next (&iter, &key, &value))
        tasker_task_options_set_description (copy, key, value);
    }

  return copy;
}

/**
 * tasker_task_options_get_name:
 * @self: a #TaskerTaskOptions
 *
 * Gets the name given to tasks submitted with @self.
 *
 * Returns: (nullable): the name
 *
 * Since: 1.0
 */
const char *
tasker_task_options_get_name (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), NULL);

  return self->name;
}

/**
 * tasker_task_options_set_name:
 * @self: a #TaskerTaskOptions
 * @name: (nullable): a human-readable name
 *
 * Sets the name of tasks submitted with @self.
 *
 * Since: 1.0
 */
void
tasker_task_options_set_name (TaskerTaskOptions *self,
                              const char        *name)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  if (!check_not_sealed (self) || g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * tasker_task_options_get_timeout:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:timeout-ms].
 *
 * Returns: the timeout in milliseconds, 0 for none
 *
 * Since: 1.0
 */
guint
tasker_task_options_get_timeout (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), 0);

  return self->timeout_ms;
}

/**
 * tasker_task_options_set_timeout:
 * @self: a #TaskerTaskOptions
 * @timeout_ms: how long an attempt may run, in milliseconds; 0 for no limit
 *
 * Sets [property@Tasker.TaskOptions:timeout-ms].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_timeout (TaskerTaskOptions *self,
                                 guint              timeout_ms)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  if (!check_not_sealed (self) || self->timeout_ms == timeout_ms)
    return;

  self->timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT_MS]);
}

/**
 * tasker_task_options_get_worker:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:worker].
 *
 * Returns: (nullable) (array zero-terminated=1) (transfer none): the worker
 *   program and its arguments, or %NULL for `tasker-worker`
 *
 * Since: 1.0
 */
const char * const *
tasker_task_options_get_worker (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), NULL);

  return (const char * const *) self->worker;
}

/**
 * tasker_task_options_set_worker:
 * @self: a #TaskerTaskOptions
 * @argv: (nullable) (array zero-terminated=1): the worker program and its
 *   arguments, or %NULL for `tasker-worker`
 *
 * Sets [property@Tasker.TaskOptions:worker].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_worker (TaskerTaskOptions  *self,
                                const char * const *argv)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));
  g_return_if_fail (argv == NULL || argv[0] != NULL);

  if (!check_not_sealed (self))
    return;

  g_strfreev (self->worker);
  self->worker = g_strdupv ((char **) argv);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKER]);
}

/**
 * tasker_task_options_get_description:
 * @self: a #TaskerTaskOptions
 * @key: a description key
 *
 * Gets a description set with [method@Tasker.TaskOptions.set_description].
 *
 * Returns: (nullable): the description stored under @key
 *
 * Since: 1.0
 */
const char *
tasker_task_options_get_description (TaskerTaskOptions *self,
                                     const char        *key)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  if (self->descriptions == NULL)
    return NULL;

  return g_hash_table_lookup (self->descriptions, key);
}

/**
 * tasker_task_options_set_description:
 * @self: a #TaskerTaskOptions
 * @key: a description key, such as `"command"`
 * @value: (nullable): the value, or %NULL to remove @key
 *
 * Attaches a free-form description to tasks submitted with @self. Tasks show
 * it through [method@Tasker.Task.get_description].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_description (TaskerTaskOptions *self,
                                     const char        *key,
                                     const char        *value)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));
  g_return_if_fail (key != NULL);

  if (!check_not_sealed (self))
    return;

  if (value == NULL)
    {
      if (self->descriptions != NULL)
        g_hash_table_remove (self->descriptions, key);
      return;
    }

  if (self->descriptions == NULL)
    self->descriptions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_replace (self->descriptions, g_strdup (key), g_strdup (value));
}

/**
 * tasker_task_options_set_done_func:
 * @self: a #TaskerTaskOptions
 * @done_func: (nullable) (scope notified) (closure user_data) (destroy user_data_destroy):
 *   called once per task when it has ended
 * @user_data: data for @done_func
 * @user_data_destroy: (nullable): frees @user_data when @self is finalized
 *
 * Sets the function called, on the manager's main context, exactly once for
 * each task submitted with @self, after the task's final status, result and
 * error are readable.
 *
 * Since: 1.0
 */
void
tasker_task_options_set_done_func (TaskerTaskOptions  *self,
                                   TaskerTaskDoneFunc  done_func,
                                   gpointer            user_data,
                                   GDestroyNotify      user_data_destroy)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  if (!check_not_sealed (self))
    {
      if (user_data_destroy != NULL && user_data != NULL)
        user_data_destroy (user_data);
      return;
    }

  handler_clear (&self->done);
  self->done.func = done_func;
  self->done.data = user_data;
  self->done.destroy = user_data_destroy;
}

/**
 * tasker_task_options_set_event_func:
 * @self: a #TaskerTaskOptions
 * @event_func: (nullable) (scope notified) (closure user_data) (destroy user_data_destroy):
 *   called for every event a task sends
 * @user_data: data for @event_func
 * @user_data_destroy: (nullable): frees @user_data when @self is finalized
 *
 * Sets the function called, on the manager's main context, for every event
 * that a task submitted with @self sends with [method@Tasker.Context.send_event],
 * in order, before the task's done function.
 *
 * Since: 1.0
 */
void
tasker_task_options_set_event_func (TaskerTaskOptions   *self,
                                    TaskerTaskEventFunc  event_func,
                                    gpointer             user_data,
                                    GDestroyNotify       user_data_destroy)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  if (!check_not_sealed (self))
    {
      if (user_data_destroy != NULL && user_data != NULL)
        user_data_destroy (user_data);
      return;
    }

  handler_clear (&self->event);
  self->event.func = event_func;
  self->event.data = user_data;
  self->event.destroy = user_data_destroy;
}

void
_tasker_task_options_seal (TaskerTaskOptions *self)
{
  if (!g_atomic_int_get (&self->sealed))
    g_atomic_int_set (&self->sealed, TRUE);
}

void
_tasker_task_options_call_done (TaskerTaskOptions *self,
                                TaskerTask        *task)
{
  if (self->done.func != NULL)
    ((TaskerTaskDoneFunc) self->done.func) (task, self->done.data);
}

gboolean
_tasker_task_options_has_event (TaskerTaskOptions *self)
{
  return self->event.func != NULL;
}

void
_tasker_task_options_call_event (TaskerTaskOptions *self,
                                 TaskerTask        *task,
                                 const char        *name,
                                 GVariant          *data)
{
  if (self->event.func != NULL)
    ((TaskerTaskEventFunc) self->event.func) (task, name, data, self->event.data);
}

GHashTable *
_tasker_task_options_get_descriptions (TaskerTaskOptions *self)
{
  return self->descriptions;
}
