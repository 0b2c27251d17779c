/* tasker-history-record.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-enums.h"
#include "tasker-history-private.h"

/**
 * TaskerHistoryRecord:
 *
 * A finished task as the task history kept it: a snapshot of the task's
 * identity, final status, message, progress, error, attempts, times, trace id,
 * parent, descriptions and log, taken when it ended.
 *
 * Records are what a history query hands back, newest first, in a
 * [iface@Gio.ListModel] (see [class@Tasker.HistoryQuery]). A record never
 * changes: it is safe to read from any thread, and its properties are never
 * notified.
 *
 * Since: 1.0
 */

enum {
  PROP_0,
  PROP_TASK_ID,
  PROP_KEY,
  PROP_NAME,
  PROP_KIND,
  PROP_STATUS,
  PROP_MESSAGE,
  PROP_PROGRESS,
  PROP_ERROR_DOMAIN,
  PROP_ERROR_CODE,
  PROP_ERROR_MESSAGE,
  PROP_ATTEMPTS,
  PROP_CREATED_TIME,
  PROP_STARTED_TIME,
  PROP_FINISHED_TIME,
  PROP_TRACE_ID,
  PROP_PARENT_ID,
  PROP_INTERRUPTED,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (TaskerHistoryRecord, tasker_history_record, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void
tasker_history_record_finalize (GObject *object)
{
  TaskerHistoryRecord *self = (TaskerHistoryRecord *) object;

  g_clear_pointer (&self->key, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->error_domain, g_free);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->log, g_free);
  g_clear_pointer (&self->origin, g_free);
  g_clear_pointer (&self->description_keys, g_strfreev);
  g_clear_pointer (&self->description_values, g_strfreev);

  G_OBJECT_CLASS (tasker_history_record_parent_class)->finalize (object);
}

static void
tasker_history_record_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  TaskerHistoryRecord *self = TASKER_HISTORY_RECORD (object);

  switch (prop_id)
    {
    case PROP_TASK_ID:
      g_value_set_uint64 (value, self->task_id);
      break;

    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;

    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;

    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;

    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;

    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;

    case PROP_ERROR_DOMAIN:
      g_value_set_string (value, self->error_domain);
      break;

    case PROP_ERROR_CODE:
      g_value_set_int (value, self->error_code);
      break;

    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;

    case PROP_ATTEMPTS:
      g_value_set_uint (value, self->attempts);
      break;

    case PROP_CREATED_TIME:
      g_value_set_int64 (value, self->created_time);
      break;

    case PROP_STARTED_TIME:
      g_value_set_int64 (value, self->started_time);
      break;

    case PROP_FINISHED_TIME:
      g_value_set_int64 (value, self->finished_time);
      break;

    case PROP_TRACE_ID:
      g_value_set_uint64 (value, self->trace_id);
      break;

    case PROP_PARENT_ID:
      g_value_set_uint64 (value, self->parent_id);
      break;

    case PROP_INTERRUPTED:
      g_value_set_boolean (value, self->interrupted);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_history_record_class_init (TaskerHistoryRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tasker_history_record_finalize;
  object_class->get_property = tasker_history_record_get_property;

  /**
   * TaskerHistoryRecord:task-id:
   *
   * The task's id ([method@Tasker.Task.get_id]). Ids are unique within one
   * process only: records of different runs of a program may share one.
   *
   * Since: 1.0
   */
  properties[PROP_TASK_ID] =
    g_param_spec_uint64 ("task-id", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:key:
   *
   * The task's key, or %NULL if it had none.
   *
   * Since: 1.0
   */
  properties[PROP_KEY] =
    g_param_spec_string ("key", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:name:
   *
   * The task's human-readable name, or %NULL if it had none.
   *
   * Since: 1.0
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:kind:
   *
   * How the task's work was run.
   *
   * Since: 1.0
   */
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       TASKER_TYPE_TASK_KIND, TASKER_TASK_KIND_THREAD,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:status:
   *
   * The task's final status: %TASKER_TASK_STATUS_COMPLETED,
   * %TASKER_TASK_STATUS_FAILED or %TASKER_TASK_STATUS_CANCELLED. A durable
   * task (see [property@Tasker.TaskOptions:durable]) that has not ended has
   * %TASKER_TASK_STATUS_PENDING or %TASKER_TASK_STATUS_RUNNING: still
   * unfinished, or [property@Tasker.HistoryRecord:interrupted].
   *
   * Since: 1.0
   */
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       TASKER_TYPE_TASK_STATUS, TASKER_TASK_STATUS_COMPLETED,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:message:
   *
   * The last message the task set, or %NULL if it set none.
   *
   * Since: 1.0
   */
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:progress:
   *
   * The task's progress when it ended, from 0 to 1.
   *
   * Since: 1.0
   */
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL,
                         0.0, 1.0, 0.0,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:error-domain:
   *
   * The domain of the task's error as a string (the name of its quark, such
   * as `g-io-error-quark`), or %NULL if the task ended without an error.
   *
   * Since: 1.0
   */
  properties[PROP_ERROR_DOMAIN] =
    g_param_spec_string ("error-domain", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:error-code:
   *
   * The code of the task's error; 0 if it had none.
   *
   * Since: 1.0
   */
  properties[PROP_ERROR_CODE] =
    g_param_spec_int ("error-code", NULL, NULL,
                      G_MININT, G_MAXINT, 0,
                      (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:error-message:
   *
   * The message of the task's error, or %NULL if it had none.
   *
   * Since: 1.0
   */
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:attempts:
   *
   * How many attempts the task made, counting the first; 0 if it never
   * started.
   *
   * Since: 1.0
   */
  properties[PROP_ATTEMPTS] =
    g_param_spec_uint ("attempts", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:created-time:
   *
   * When the task was submitted, in microseconds since the Unix epoch (as
   * g_get_real_time() counts).
   *
   * Since: 1.0
   */
  properties[PROP_CREATED_TIME] =
    g_param_spec_int64 ("created-time", NULL, NULL,
                        G_MININT64, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:started-time:
   *
   * When the task's last attempt started, in microseconds since the Unix
   * epoch; 0 if it never started.
   *
   * Since: 1.0
   */
  properties[PROP_STARTED_TIME] =
    g_param_spec_int64 ("started-time", NULL, NULL,
                        G_MININT64, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:finished-time:
   *
   * When the task reached its final status, in microseconds since the Unix
   * epoch; for a task that has not ended, when its record was last
   * written. Queries order and filter records by it.
   *
   * Since: 1.0
   */
  properties[PROP_FINISHED_TIME] =
    g_param_spec_int64 ("finished-time", NULL, NULL,
                        G_MININT64, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:trace-id:
   *
   * The task's 64-bit trace id ([method@Tasker.Task.get_trace_id]).
   *
   * Since: 1.0
   */
  properties[PROP_TRACE_ID] =
    g_param_spec_uint64 ("trace-id", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:parent-id:
   *
   * The id of the task's parent, or 0 if it had none.
   *
   * Since: 1.0
   */
  properties[PROP_PARENT_ID] =
    g_param_spec_uint64 ("parent-id", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryRecord:interrupted:
   *
   * Whether the task is a durable one (see
   * [property@Tasker.TaskOptions:durable]) whose program did not see it end:
   * it quit, shutting its manager down, or died. The status says how far the
   * task had got: %TASKER_TASK_STATUS_PENDING or %TASKER_TASK_STATUS_RUNNING.
   *
   * Since: 1.0
   */
  properties[PROP_INTERRUPTED] =
    g_param_spec_boolean ("interrupted", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tasker_history_record_init (TaskerHistoryRecord *self)
{
  self->kind = TASKER_TASK_KIND_THREAD;
  self->status = TASKER_TASK_STATUS_COMPLETED;
}

TaskerHistoryRecord *
_tasker_history_record_new (void)
{
  return g_object_new (TASKER_TYPE_HISTORY_RECORD, NULL);
}

/**
 * tasker_history_record_get_task_id:
 * @self: a #TaskerHistoryRecord
 *
 * Gets the task's id. Ids are unique within one process only.
 *
 * Returns: the task's id
 *
 * Since: 1.0
 */
guint64
tasker_history_record_get_task_id (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), 0);

  return self->task_id;
}

/**
 * tasker_history_record_get_key:
 * @self: a #TaskerHistoryRecord
 *
 * Gets the task's key.
 *
 * Returns: (nullable): the key, or %NULL if the task had none
 *
 * Since: 1.0
 */
const char *
tasker_history_record_get_key (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), NULL);

  return self->key;
}

/**
 * tasker_history_record_get_name:
 * @self: a #TaskerHistoryRecord
 *
 * Gets the task's human-readable name.
 *
 * Returns: (nullable): the name, or %NULL if the task had none
 *
 * Since: 1.0
 */
const char *
tasker_history_record_get_name (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), NULL);

  return self->name;
}

/**
 * tasker_history_record_get_kind:
 * @self: a #TaskerHistoryRecord
 *
 * Gets how the task's work was run.
 *
 * Returns: the task's kind
 *
 * Since: 1.0
 */
TaskerTaskKind
tasker_history_record_get_kind (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), TASKER_TASK_KIND_THREAD);

  return self->kind;
}

/**
 * tasker_history_record_get_status:
 * @self: a #TaskerHistoryRecord
 *
 * Gets the task's final status.
 *
 * Returns: the task's final status
 *
 * Since: 1.0
 */
TaskerTaskStatus
tasker_history_record_get_status (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), TASKER_TASK_STATUS_COMPLETED);

  return self->status;
}

/**
 * tasker_history_record_get_message:
 * @self: a #TaskerHistoryRecord
 *
 * Gets the last message the task set.
 *
 * Returns: (nullable): the message, or %NULL if the task set none
 *
 * Since: 1.0
 */
const char *
tasker_history_record_get_message (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), NULL);

  return self->message;
}

/**
 * tasker_history_record_get_progress:
 * @self: a #TaskerHistoryRecord
 *
 * Gets the task's progress when it ended.
 *
 * Returns: the progress, from 0 to 1
 *
 * Since: 1.0
 */
double
tasker_history_record_get_progress (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), 0.0);

  return self->progress;
}

/**
 * tasker_history_record_get_error_domain:
 * @self: a #TaskerHistoryRecord
 *
 * Gets the domain of the task's error, as the string of its quark
 * (g_quark_from_string() turns it back into the quark).
 *
 * Returns: (nullable): the error domain, or %NULL if the task had no error
 *
 * Since: 1.0
 */
const char *
tasker_history_record_get_error_domain (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), NULL);

  return self->error_domain;
}

/**
 * tasker_history_record_get_error_code:
 * @self: a #TaskerHistoryRecord
 *
 * Gets the code of the task's error.
 *
 * Returns: the error code, or 0 if the task had no error
 *
 * Since: 1.0
 */
int
tasker_history_record_get_error_code (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), 0);

  return self->error_code;
}

/**
 * tasker_history_record_get_error_message:
 * @self: a #TaskerHistoryRecord
 *
 * Gets the message of the task's error.
 *
 * Returns: (nullable): the error message, or %NULL if the task had no error
 *
 * Since: 1.0
 */
const char *
tasker_history_record_get_error_message (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), NULL);

  return self->error_message;
}

/**
 * tasker_history_record_get_attempts:
 * @self: a #TaskerHistoryRecord
 *
 * Gets how many attempts the task made, counting the first.
 *
 * Returns: the number of attempts; 0 if the task never started
 *
 * Since: 1.0
 */
guint
tasker_history_record_get_attempts (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), 0);

  return self->attempts;
}

/**
 * tasker_history_record_get_created_time:
 * @self: a #TaskerHistoryRecord
 *
 * Gets when the task was submitted.
 *
 * Returns: microseconds since the Unix epoch
 *
 * Since: 1.0
 */
gint64
tasker_history_record_get_created_time (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), 0);

  return self->created_time;
}

/**
 * tasker_history_record_get_started_time:
 * @self: a #TaskerHistoryRecord
 *
 * Gets when the task's last attempt started.
 *
 * Returns: microseconds since the Unix epoch, or 0 if the task never started
 *
 * Since: 1.0
 */
gint64
tasker_history_record_get_started_time (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), 0);

  return self->started_time;
}

/**
 * tasker_history_record_get_finished_time:
 * @self: a #TaskerHistoryRecord
 *
 * Gets when the task reached its final status.
 *
 * Returns: microseconds since the Unix epoch
 *
 * Since: 1.0
 */
gint64
tasker_history_record_get_finished_time (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), 0);

  return self->finished_time;
}

/**
 * tasker_history_record_get_trace_id:
 * @self: a #TaskerHistoryRecord
 *
 * Gets the task's 64-bit trace id.
 *
 * Returns: the trace id
 *
 * Since: 1.0
 */
guint64
tasker_history_record_get_trace_id (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), 0);

  return self->trace_id;
}

/**
 * tasker_history_record_get_parent_id:
 * @self: a #TaskerHistoryRecord
 *
 * Gets the id of the task's parent.
 *
 * Returns: the parent's id, or 0 if the task had no parent
 *
 * Since: 1.0
 */
guint64
tasker_history_record_get_parent_id (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), 0);

  return self->parent_id;
}

/**
 * tasker_history_record_get_interrupted:
 * @self: a #TaskerHistoryRecord
 *
 * Gets [property@Tasker.HistoryRecord:interrupted].
 *
 * Returns: whether the task was interrupted
 *
 * Since: 1.0
 */
gboolean
tasker_history_record_get_interrupted (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), FALSE);

  return self->interrupted;
}

/**
 * tasker_history_record_get_description:
 * @self: a #TaskerHistoryRecord
 * @key: a description key
 *
 * Gets one of the descriptions the task was given with
 * [method@Tasker.TaskOptions.set_description].
 *
 * Returns: (nullable): the description, or %NULL if the task had none for @key
 *
 * Since: 1.0
 */
const char *
tasker_history_record_get_description (TaskerHistoryRecord *self,
                                       const char          *key)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  if (self->description_keys == NULL)
    return NULL;

  for (guint i = 0; self->description_keys[i] != NULL; i++)
    {
      if (g_str_equal (self->description_keys[i], key))
        return self->description_values[i];
    }

  return NULL;
}

/**
 * tasker_history_record_dup_description_keys:
 * @self: a #TaskerHistoryRecord
 *
 * Lists the keys of the task's descriptions, sorted.
 *
 * Returns: (transfer full) (array zero-terminated=1): the keys; an empty
 *   array if the task had no descriptions
 *
 * Since: 1.0
 */
char **
tasker_history_record_dup_description_keys (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), NULL);

  if (self->description_keys == NULL)
    return g_new0 (char *, 1);

  return g_strdupv (self->description_keys);
}

/**
 * tasker_history_record_dup_log:
 * @self: a #TaskerHistoryRecord
 *
 * Copies the task's log as it was when the task ended: one line per entry, as
 * [method@Tasker.Task.dup_log] returned them.
 *
 * Returns: (transfer full) (array zero-terminated=1): the log lines; an empty
 *   array if the task logged nothing
 *
 * Since: 1.0
 */
char **
tasker_history_record_dup_log (TaskerHistoryRecord *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (self), NULL);

  if (self->log == NULL || self->log[0] == '\0')
    return g_new0 (char *, 1);

  return g_strsplit (self->log, "\n", -1);
}
