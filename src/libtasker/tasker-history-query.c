/* tasker-history-query.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-history-private.h"

/**
 * TaskerHistoryQuery:
 *
 * Which records of the task history to fetch, and which page of them.
 *
 * A query selects the records that match all of the filters that are set:
 * [property@Tasker.HistoryQuery:status], [property@Tasker.HistoryQuery:key],
 * [property@Tasker.HistoryQuery:name], [property@Tasker.HistoryQuery:text],
 * a range of finished times ([property@Tasker.HistoryQuery:since],
 * [property@Tasker.HistoryQuery:until]) and
 * [property@Tasker.HistoryQuery:parent-id]. A new query matches every record.
 *
 * The matching records come back newest first (by finished time, then by task
 * id), as [class@Tasker.HistoryRecord]s, one page at a time:
 * [property@Tasker.HistoryQuery:offset] records are skipped and at most
 * [property@Tasker.HistoryQuery:limit] returned.
 *
 * The query is copied when it is run, so it may be changed (say, to the next
 * page) as soon as the call that runs it returned. A query is not
 * thread-safe: set it up on one thread.
 *
 * Since: 1.0
 */

enum {
  PROP_0,
  PROP_STATUS,
  PROP_KEY,
  PROP_NAME,
  PROP_TEXT,
  PROP_SINCE,
  PROP_UNTIL,
  PROP_PARENT_ID,
  PROP_TASK_ID,
  PROP_INTERRUPTED,
  PROP_OFFSET,
  PROP_LIMIT,
  N_PROPS
};

#define DEFAULT_LIMIT 50

G_DEFINE_FINAL_TYPE (TaskerHistoryQuery, tasker_history_query, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

/* g_set_str() needs GLib 2.76. */
static gboolean
set_str (char       **field,
         const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);

  return TRUE;
}

static void
tasker_history_query_finalize (GObject *object)
{
  TaskerHistoryQuery *self = (TaskerHistoryQuery *) object;

  g_clear_pointer (&self->key, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->text, g_free);

  G_OBJECT_CLASS (tasker_history_query_parent_class)->finalize (object);
}

static void
tasker_history_query_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TaskerHistoryQuery *self = TASKER_HISTORY_QUERY (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_int (value, self->status);
      break;

    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;

    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;

    case PROP_SINCE:
      g_value_set_int64 (value, self->since);
      break;

    case PROP_UNTIL:
      g_value_set_int64 (value, self->until);
      break;

    case PROP_PARENT_ID:
      g_value_set_uint64 (value, self->parent_id);
      break;
    case PROP_TASK_ID:
      g_value_set_uint64 (value, self->task_id);
      break;

    case PROP_INTERRUPTED:
      g_value_set_boolean (value, self->interrupted);
      break;

    case PROP_OFFSET:
      g_value_set_uint (value, self->offset);
      break;

    case PROP_LIMIT:
      g_value_set_uint (value, self->limit);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_history_query_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TaskerHistoryQuery *self = TASKER_HISTORY_QUERY (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      tasker_history_query_set_status (self, g_value_get_int (value));
      break;

    case PROP_KEY:
      tasker_history_query_set_key (self, g_value_get_string (value));
      break;

    case PROP_NAME:
      tasker_history_query_set_name (self, g_value_get_string (value));
      break;

    case PROP_TEXT:
      tasker_history_query_set_text (self, g_value_get_string (value));
      break;

    case PROP_SINCE:
      tasker_history_query_set_since (self, g_value_get_int64 (value));
      break;

    case PROP_UNTIL:
      tasker_history_query_set_until (self, g_value_get_int64 (value));
      break;

    case PROP_PARENT_ID:
      tasker_history_query_set_parent_id (self, g_value_get_uint64 (value));
      break;
    case PROP_TASK_ID:
      tasker_history_query_set_task_id (self, g_value_get_uint64 (value));
      break;

    case PROP_INTERRUPTED:
      tasker_history_query_set_interrupted (self, g_value_get_boolean (value));
      break;

    case PROP_OFFSET:
      tasker_history_query_set_offset (self, g_value_get_uint (value));
      break;

    case PROP_LIMIT:
      tasker_history_query_set_limit (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_history_query_class_init (TaskerHistoryQueryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tasker_history_query_finalize;
  object_class->get_property = tasker_history_query_get_property;
  object_class->set_property = tasker_history_query_set_property;

  /**
   * TaskerHistoryQuery:status:
   *
   * The final status the records must have: a [enum@Tasker.TaskStatus]
   * value, or -1 (the default) for any status.
   *
   * Since: 1.0
   */
  properties[PROP_STATUS] =
    g_param_spec_int ("status", NULL, NULL,
                      -1, TASKER_TASK_STATUS_CANCELLED, -1,
                      (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryQuery:key:
   *
   * The key the records must have, exactly; %NULL (the default) for any key,
   * including none.
   *
   * Since: 1.0
   */
  properties[PROP_KEY] =
    g_param_spec_string ("key", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryQuery:name:
   *
   * The name the records must have, exactly; %NULL (the default) for any
   * name, including none.
   *
   * Since: 1.0
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryQuery:text:
   *
   * Text the records' name, message, log or one of their descriptions (a
   * command's command line, say) must contain, ignoring case; %NULL or
   * empty (the default) for any. The text is matched literally: `%` and `_`
   * are not wildcards.
   *
   * Since: 1.0
   */
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryQuery:since:
   *
   * The earliest finished time of the records, inclusive, in microseconds
   * since the Unix epoch (as g_get_real_time() counts); 0 (the default) for
   * no lower bound.
   *
   * Since: 1.0
   */
  properties[PROP_SINCE] =
    g_param_spec_int64 ("since", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryQuery:until:
   *
   * The end of the records' finished times, exclusive, in microseconds since
   * the Unix epoch; 0 (the default) for no upper bound.
   *
   * Since: 1.0
   */
  properties[PROP_UNTIL] =
    g_param_spec_int64 ("until", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryQuery:parent-id:
   *
   * The id of the parent the records' tasks must have had; 0 (the default)
   * for any parent, including none.
   *
   * Since: 1.0
   */
  properties[PROP_PARENT_ID] =
    g_param_spec_uint64 ("parent-id", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryQuery:task-id:
   *
   * The id the records' tasks must have had; 0 (the default) for any. Task
   * ids restart with every process, so several records may match: the
   * newest comes first.
   *
   * Since: 1.0
   */
  properties[PROP_TASK_ID] =
    g_param_spec_uint64 ("task-id", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryQuery:interrupted:
   *
   * Whether to return only the records of interrupted tasks: durable tasks
   * (see [property@Tasker.TaskOptions:durable]) that their program did not
   * see end. The default is %FALSE: every record.
   *
   * Since: 1.0
   */
  properties[PROP_INTERRUPTED] =
    g_param_spec_boolean ("interrupted", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryQuery:offset:
   *
   * How many of the matching records, newest first, to skip.
   *
   * Since: 1.0
   */
  properties[PROP_OFFSET] =
    g_param_spec_uint ("offset", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerHistoryQuery:limit:
   *
   * How many records to return at most: the size of a page. The default is
   * 50; 0 means no limit.
   *
   * Since: 1.0
   */
  properties[PROP_LIMIT] =
    g_param_spec_uint ("limit", NULL, NULL,
                       0, G_MAXUINT, DEFAULT_LIMIT,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tasker_history_query_init (TaskerHistoryQuery *self)
{
  self->status = -1;
  self->limit = DEFAULT_LIMIT;
}

TaskerHistoryQuery *
_tasker_history_query_copy (TaskerHistoryQuery *self)
{
  TaskerHistoryQuery *copy;

  g_return_val_if_fail (TASKER_IS_HISTORY_QUERY (self), NULL);

  copy = tasker_history_query_new ();
  copy->status = self->status;
  copy->key = g_strdup (self->key);
  copy->name = g_strdup (self->name);
  copy->text = g_strdup (self->text);
  copy->since = self->since;
  copy->until = self->until;
  copy->parent_id = self->parent_id;
  copy->task_id = self->task_id;
  copy->interrupted = self->interrupted;
  copy->offset = self->offset;
  copy->limit = self->limit;

  return copy;
}

/**
 * tasker_history_query_new:
 *
 * Creates a query that matches every record and returns the first page of
 * 50, newest first.
 *
 * Returns: (transfer full): a new #TaskerHistoryQuery
 *
 * Since: 1.0
 */
TaskerHistoryQuery *
tasker_history_query_new (void)
{
  return g_object_new (TASKER_TYPE_HISTORY_QUERY, NULL);
}

/**
 * tasker_history_query_get_status:
 * @self: a #TaskerHistoryQuery
 *
 * Gets the status the records must have.
 *
 * Returns: a [enum@Tasker.TaskStatus] value, or -1 for any status
 *
 * Since: 1.0
 */
int
tasker_history_query_get_status (TaskerHistoryQuery *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_QUERY (self), -1);

  return self->status;
}

/**
 * tasker_history_query_set_status:
 * @self: a #TaskerHistoryQuery
 * @status: a [enum@Tasker.TaskStatus] value, or -1 for any status
 *
 * Sets the final status the records must have.
 *
 * Since: 1.0
 */
void
tasker_history_query_set_status (TaskerHistoryQuery *self,
                                 int                 status)
{
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (self));
  g_return_if_fail (status >= -1 && status <= TASKER_TASK_STATUS_CANCELLED);

  if (self->status != status)
    {
      self->status = status;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
}

/**
 * tasker_history_query_get_key:
 * @self: a #TaskerHistoryQuery
 *
 * Gets the key the records must have.
 *
 * Returns: (nullable): the key, or %NULL for any
 *
 * Since: 1.0
 */
const char *
tasker_history_query_get_key (TaskerHistoryQuery *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_QUERY (self), NULL);

  return self->key;
}

/**
 * tasker_history_query_set_key:
 * @self: a #TaskerHistoryQuery
 * @key: (nullable): the key, or %NULL for any
 *
 * Sets the key the records must have, exactly.
 *
 * Since: 1.0
 */
void
tasker_history_query_set_key (TaskerHistoryQuery *self,
                              const char         *key)
{
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (self));

  if (set_str (&self->key, key))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEY]);
}

/**
 * tasker_history_query_get_name:
 * @self: a #TaskerHistoryQuery
 *
 * Gets the name the records must have.
 *
 * Returns: (nullable): the name, or %NULL for any
 *
 * Since: 1.0
 */
const char *
tasker_history_query_get_name (TaskerHistoryQuery *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_QUERY (self), NULL);

  return self->name;
}

/**
 * tasker_history_query_set_name:
 * @self: a #TaskerHistoryQuery
 * @name: (nullable): the name, or %NULL for any
 *
 * Sets the name the records must have, exactly.
 *
 * Since: 1.0
 */
void
tasker_history_query_set_name (TaskerHistoryQuery *self,
                               const char         *name)
{
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (self));

  if (set_str (&self->name, name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * tasker_history_query_get_text:
 * @self: a #TaskerHistoryQuery
 *
 * Gets the text the records' message or log must contain.
 *
 * Returns: (nullable): the text, or %NULL for any
 *
 * Since: 1.0
 */
const char *
tasker_history_query_get_text (TaskerHistoryQuery *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_QUERY (self), NULL);

  return self->text;
}

/**
 * tasker_history_query_set_text:
 * @self: a #TaskerHistoryQuery
 * @text: (nullable): the text, or %NULL for any
 *
 * Sets text that the records' message or log must contain, ignoring case.
 * The text is matched literally, without wildcards.
 *
 * Since: 1.0
 */
void
tasker_history_query_set_text (TaskerHistoryQuery *self,
                               const char         *text)
{
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (self));

  if (set_str (&self->text, text))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
}

/**
 * tasker_history_query_get_since:
 * @self: a #TaskerHistoryQuery
 *
 * Gets the earliest finished time of the records.
 *
 * Returns: microseconds since the Unix epoch, inclusive, or 0 for no bound
 *
 * Since: 1.0
 */
gint64
tasker_history_query_get_since (TaskerHistoryQuery *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_QUERY (self), 0);

  return self->since;
}

/**
 * tasker_history_query_set_since:
 * @self: a #TaskerHistoryQuery
 * @since: microseconds since the Unix epoch, inclusive, or 0 for no bound
 *
 * Sets the earliest finished time of the records.
 *
 * Since: 1.0
 */
void
tasker_history_query_set_since (TaskerHistoryQuery *self,
                                gint64              since)
{
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (self));
  g_return_if_fail (since >= 0);

  if (self->since != since)
    {
      self->since = since;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SINCE]);
    }
}

/**
 * tasker_history_query_get_until:
 * @self: a #TaskerHistoryQuery
 *
 * Gets the end of the records' finished times.
 *
 * Returns: microseconds since the Unix epoch, exclusive, or 0 for no bound
 *
 * Since: 1.0
 */
gint64
tasker_history_query_get_until (TaskerHistoryQuery *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_QUERY (self), 0);

  return self->until;
}

/**
 * tasker_history_query_set_until:
 * @self: a #TaskerHistoryQuery
 * @until: microseconds since the Unix epoch, exclusive, or 0 for no bound
 *
 * Sets the end of the records' finished times: a record must have finished
 * before @until.
 *
 * Since: 1.0
 */
void
tasker_history_query_set_until (TaskerHistoryQuery *self,
                                gint64              until)
{
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (self));
  g_return_if_fail (until >= 0);

  if (self->until != until)
    {
      self->until = until;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNTIL]);
    }
}

/**
 * tasker_history_query_get_parent_id:
 * @self: a #TaskerHistoryQuery
 *
 * Gets the id of the parent the records' tasks must have had.
 *
 * Returns: the parent's task id, or 0 for any
 *
 * Since: 1.0
 */
guint64
tasker_history_query_get_parent_id (TaskerHistoryQuery *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_QUERY (self), 0);

  return self->parent_id;
}

/**
 * tasker_history_query_set_parent_id:
 * @self: a #TaskerHistoryQuery
 * @parent_id: the parent's task id, or 0 for any
 *
 * Sets the id of the parent the records' tasks must have had: the query then
 * returns that parent's children.
 *
 * Since: 1.0
 */
void
tasker_history_query_set_parent_id (TaskerHistoryQuery *self,
                                    guint64             parent_id)
{
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (self));

  if (self->parent_id != parent_id)
    {
      self->parent_id = parent_id;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PARENT_ID]);
    }
}

/**
 * tasker_history_query_get_task_id:
 * @self: a #TaskerHistoryQuery
 *
 * Gets the id the records' tasks must have had.
 *
 * Returns: the task id, or 0 for any
 *
 * Since: 1.0
 */
guint64
tasker_history_query_get_task_id (TaskerHistoryQuery *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_QUERY (self), 0);

  return self->task_id;
}

/**
 * tasker_history_query_set_task_id:
 * @self: a #TaskerHistoryQuery
 * @task_id: the task id, or 0 for any
 *
 * Sets the id the records' tasks must have had: the query then returns the
 * records of the tasks of that id, newest first (ids restart with every
 * process).
 *
 * Since: 1.0
 */
void
tasker_history_query_set_task_id (TaskerHistoryQuery *self,
                                  guint64             task_id)
{
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (self));

  if (self->task_id != task_id)
    {
      self->task_id = task_id;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TASK_ID]);
    }
}

/**
 * tasker_history_query_get_interrupted:
 * @self: a #TaskerHistoryQuery
 *
 * Gets [property@Tasker.HistoryQuery:interrupted].
 *
 * Returns: whether only interrupted tasks' records match
 *
 * Since: 1.0
 */
gboolean
tasker_history_query_get_interrupted (TaskerHistoryQuery *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_QUERY (self), FALSE);

  return self->interrupted;
}

/**
 * tasker_history_query_set_interrupted:
 * @self: a #TaskerHistoryQuery
 * @interrupted: whether only interrupted tasks' records match
 *
 * Sets [property@Tasker.HistoryQuery:interrupted].
 *
 * Since: 1.0
 */
void
tasker_history_query_set_interrupted (TaskerHistoryQuery *self,
                                      gboolean            interrupted)
{
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (self));

  if (self->interrupted != !!interrupted)
    {
      self->interrupted = !!interrupted;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERRUPTED]);
    }
}

/**
 * tasker_history_query_get_offset:
 * @self: a #TaskerHistoryQuery
 *
 * Gets how many matching records are skipped.
 *
 * Returns: the number of records skipped
 *
 * Since: 1.0
 */
guint
tasker_history_query_get_offset (TaskerHistoryQuery *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_QUERY (self), 0);

  return self->offset;
}

/**
 * tasker_history_query_set_offset:
 * @self: a #TaskerHistoryQuery
 * @offset: the number of records to skip
 *
 * Sets how many of the matching records, newest first, are skipped: the
 * start of the page.
 *
 * Since: 1.0
 */
void
tasker_history_query_set_offset (TaskerHistoryQuery *self,
                                 guint               offset)
{
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (self));

  if (self->offset != offset)
    {
      self->offset = offset;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFSET]);
    }
}

/**
 * tasker_history_query_get_limit:
 * @self: a #TaskerHistoryQuery
 *
 * Gets how many records are returned at most.
 *
 * Returns: the size of a page, or 0 for no limit
 *
 * Since: 1.0
 */
guint
tasker_history_query_get_limit (TaskerHistoryQuery *self)
{
  g_return_val_if_fail (TASKER_IS_HISTORY_QUERY (self), 0);

  return self->limit;
}

/**
 * tasker_history_query_set_limit:
 * @self: a #TaskerHistoryQuery
 * @limit: the size of a page, or 0 for no limit
 *
 * Sets how many records are returned at most.
 *
 * Since: 1.0
 */
void
tasker_history_query_set_limit (TaskerHistoryQuery *self,
                                guint               limit)
{
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (self));

  if (self->limit != limit)
    {
      self->limit = limit;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIMIT]);
    }
}
