/* tasker-task-options.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-error.h"
#include "tasker-task-options-private.h"

/**
 * TaskerTaskOptions:
 *
 * How a task is named, described and observed.
 *
 * Options are handed to [method@Tasker.Manager.run_thread] and the other
 * `run_*` methods of [class@Tasker.Manager]. One options object may serve any
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
  TaskerPolicy policy;
  char      **worker;        /* (owned) (nullable) */
  TaskerTask *parent;        /* (owned) (nullable) */
  guint64     trace_id;
  gboolean    ignore_child_failures;
  gboolean    durable;
  TaskerHistoryRecord *replaces_record; /* (owned) (nullable) */
  double      children_weight;
  guint       start_delay_ms;
  gint64      start_at;      /* µs since the epoch, 0 = none */
  GPtrArray  *after;         /* (owned) (nullable) (element-type TaskerTaskLink) weak: a task of the
                              * program's, ended, is let go with it */
  gboolean    after_any_outcome;
  int         sealed;        /* (atomic) */
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_TIMEOUT_MS,
  PROP_MAX_ATTEMPTS,
  PROP_RETRY_DELAY_MS,
  PROP_RETRY_FACTOR,
  PROP_RETRY_MAX_DELAY_MS,
  PROP_RETRY_JITTER,
  PROP_QUEUE,
  PROP_PRIORITY,
  PROP_PARENT,
  PROP_TRACE_ID,
  PROP_IGNORE_CHILD_FAILURES,
  PROP_DURABLE,
  PROP_REPLACES_RECORD,
  PROP_CHILDREN_WEIGHT,
  PROP_WORKER,
  PROP_START_DELAY_MS,
  PROP_START_AT,
  PROP_AFTER_ANY_OUTCOME,
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
  g_clear_object (&self->parent);
  g_clear_object (&self->replaces_record);
  g_clear_pointer (&self->after, g_ptr_array_unref);
  _tasker_policy_clear (&self->policy);
  g_clear_pointer (&self->descriptions, g_hash_table_unref);
  handler_clear (&self->done);
  handler_clear (&self->event);

  G_OBJECT_CLASS (tasker_task_options_parent_class)->finalize (object);
}

static void
set_policy_property (TaskerTaskOptions *self,
                     guint              prop_id,
                     const GValue      *value)
{
  TaskerPolicy *policy = &self->policy;

  if (!check_not_sealed (self))
    return;

  switch (prop_id)
    {
    case PROP_TIMEOUT_MS:
      policy->timeout_ms = g_value_get_uint (value);
      policy->set |= TASKER_POLICY_TIMEOUT;
      break;

    case PROP_MAX_ATTEMPTS:
      policy->max_attempts = MAX (1, g_value_get_uint (value));
      policy->set |= TASKER_POLICY_MAX_ATTEMPTS;
      break;

    case PROP_RETRY_DELAY_MS:
      policy->retry_delay_ms = g_value_get_uint (value);
      policy->set |= TASKER_POLICY_RETRY_DELAY;
      break;

    case PROP_RETRY_FACTOR:
      policy->retry_factor = g_value_get_double (value);
      policy->set |= TASKER_POLICY_RETRY_FACTOR;
      break;

    case PROP_RETRY_MAX_DELAY_MS:
      policy->retry_max_delay_ms = g_value_get_uint (value);
      policy->set |= TASKER_POLICY_RETRY_MAX_DELAY;
      break;

    case PROP_RETRY_JITTER:
      policy->retry_jitter = g_value_get_double (value);
      policy->set |= TASKER_POLICY_RETRY_JITTER;
      break;

    case PROP_QUEUE:
      g_free (policy->queue);
      policy->queue = g_value_dup_string (value);
      policy->set |= TASKER_POLICY_QUEUE;
      break;

    case PROP_PRIORITY:
      policy->priority = g_value_get_int (value);
      policy->set |= TASKER_POLICY_PRIORITY;
      break;

    default:
      g_assert_not_reached ();
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
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
      g_value_set_uint (value, self->policy.timeout_ms);
      break;

    case PROP_MAX_ATTEMPTS:
      g_value_set_uint (value, self->policy.max_attempts);
      break;

    case PROP_RETRY_DELAY_MS:
      g_value_set_uint (value, self->policy.retry_delay_ms);
      break;

    case PROP_RETRY_FACTOR:
      g_value_set_double (value, self->policy.retry_factor);
      break;

    case PROP_RETRY_MAX_DELAY_MS:
      g_value_set_uint (value, self->policy.retry_max_delay_ms);
      break;

    case PROP_RETRY_JITTER:
      g_value_set_double (value, self->policy.retry_jitter);
      break;

    case PROP_QUEUE:
      g_value_set_string (value, self->policy.queue);
      break;

    case PROP_PRIORITY:
      g_value_set_int (value, self->policy.priority);
      break;

    case PROP_PARENT:
      g_value_set_object (value, self->parent);
      break;

    case PROP_TRACE_ID:
      g_value_set_uint64 (value, self->trace_id);
      break;

    case PROP_IGNORE_CHILD_FAILURES:
      g_value_set_boolean (value, self->ignore_child_failures);
      break;

    case PROP_DURABLE:
      g_value_set_boolean (value, self->durable);
      break;

    case PROP_REPLACES_RECORD:
      g_value_set_object (value, self->replaces_record);
      break;

    case PROP_CHILDREN_WEIGHT:
      g_value_set_double (value, self->children_weight);
      break;

    case PROP_WORKER:
      g_value_set_boxed (value, self->worker);
      break;

    case PROP_START_DELAY_MS:
      g_value_set_uint (value, self->start_delay_ms);
      break;

    case PROP_START_AT:
      g_value_set_int64 (value, self->start_at);
      break;

    case PROP_AFTER_ANY_OUTCOME:
      g_value_set_boolean (value, self->after_any_outcome);
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
    case PROP_MAX_ATTEMPTS:
    case PROP_RETRY_DELAY_MS:
    case PROP_RETRY_FACTOR:
    case PROP_RETRY_MAX_DELAY_MS:
    case PROP_RETRY_JITTER:
    case PROP_QUEUE:
    case PROP_PRIORITY:
      set_policy_property (self, prop_id, value);
      break;

    case PROP_PARENT:
      tasker_task_options_set_parent (self, g_value_get_object (value));
      break;

    case PROP_TRACE_ID:
      tasker_task_options_set_trace_id (self, g_value_get_uint64 (value));
      break;

    case PROP_IGNORE_CHILD_FAILURES:
      tasker_task_options_set_ignore_child_failures (self, g_value_get_boolean (value));
      break;

    case PROP_DURABLE:
      tasker_task_options_set_durable (self, g_value_get_boolean (value));
      break;

    case PROP_REPLACES_RECORD:
      tasker_task_options_set_replaces_record (self, g_value_get_object (value));
      break;

    case PROP_CHILDREN_WEIGHT:
      tasker_task_options_set_children_weight (self, g_value_get_double (value));
      break;

    case PROP_WORKER:
      tasker_task_options_set_worker (self, g_value_get_boxed (value));
      break;

    case PROP_START_DELAY_MS:
      tasker_task_options_set_start_delay_ms (self, g_value_get_uint (value));
      break;

    case PROP_START_AT:
      tasker_task_options_set_start_at (self, g_value_get_int64 (value));
      break;

    case PROP_AFTER_ANY_OUTCOME:
      tasker_task_options_set_after_any_outcome (self, g_value_get_boolean (value));
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
   * TaskerTaskOptions:max-attempts:
   *
   * How many times the task may run, counting the first attempt. A failed
   * attempt (an error, a crash, a timeout) is retried while attempts remain;
   * a cancelled one never is. Waiting for the next attempt the task is
   * pending, holds no thread, worker or queue slot, and its message says
   * when it retries. Default 1 (no retry).
   *
   * Since: 1.0
   */
  properties[PROP_MAX_ATTEMPTS] =
    g_param_spec_uint ("max-attempts", NULL, NULL,
                       1, G_MAXUINT, 1,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:retry-delay-ms:
   *
   * The delay before the second attempt, in milliseconds. Default 1000.
   *
   * Since: 1.0
   */
  properties[PROP_RETRY_DELAY_MS] =
    g_param_spec_uint ("retry-delay-ms", NULL, NULL,
                       0, G_MAXUINT, 1000,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:retry-factor:
   *
   * What each further delay is multiplied by. Default 2.
   *
   * Since: 1.0
   */
  properties[PROP_RETRY_FACTOR] =
    g_param_spec_double ("retry-factor", NULL, NULL,
                         1.0, 1000.0, 2.0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:retry-max-delay-ms:
   *
   * The longest delay between attempts, in milliseconds; 0 for no cap.
   *
   * Since: 1.0
   */
  properties[PROP_RETRY_MAX_DELAY_MS] =
    g_param_spec_uint ("retry-max-delay-ms", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:retry-jitter:
   *
   * How much a delay may vary at random, as a fraction of it: 0.1 makes a
   * delay of 2 s anything from 1.8 s to 2.2 s. Default 0.
   *
   * Since: 1.0
   */
  properties[PROP_RETRY_JITTER] =
    g_param_spec_double ("retry-jitter", NULL, NULL,
                         0.0, 1.0, 0.0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:queue:
   *
   * The named queue the task waits in for a slot (see
   * [method@Tasker.Manager.configure_queue]); %NULL for the default queue,
   * which has no limit.
   *
   * Since: 1.0
   */
  properties[PROP_QUEUE] =
    g_param_spec_string ("queue", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:priority:
   *
   * The task's place among those waiting in its queue: lower runs first, as
   * with GLib's priorities (%G_PRIORITY_HIGH is -100). Default 0.
   *
   * Since: 1.0
   */
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL,
                      G_MININT, G_MAXINT, 0,
                      (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:parent:
   *
   * The task's parent. Cancelling a parent cancels its descendants; a
   * parent ends only after all its children have; a failed child fails its
   * parent unless [property@Tasker.TaskOptions:ignore-child-failures] is set
   * on the parent. A parent that has already ended is refused at submit.
   *
   * Since: 1.0
   */
  properties[PROP_PARENT] =
    g_param_spec_object ("parent", NULL, NULL,
                         TASKER_TYPE_TASK,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:trace-id:
   *
   * A trace id to use (its top 48 bits are kept; the last 16 become this
   * manager's node id); 0 makes a new one, or takes the parent's.
   *
   * Since: 1.0
   */
  properties[PROP_TRACE_ID] =
    g_param_spec_uint64 ("trace-id", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:ignore-child-failures:
   *
   * Whether a failed child leaves this task's own outcome alone.
   *
   * Since: 1.0
   */
  properties[PROP_IGNORE_CHILD_FAILURES] =
    g_param_spec_boolean ("ignore-child-failures", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:durable:
   *
   * Whether the history (see [property@Tasker.Manager:history-path]) records
   * the task from its submission on, not only when it ends: a record with
   * status %TASKER_TASK_STATUS_PENDING, then %TASKER_TASK_STATUS_RUNNING,
   * which its end replaces. A durable task that the program does not see
   * end — it quit, shutting the manager down, or died — keeps that record,
   * marked interrupted ([property@Tasker.HistoryRecord:interrupted]), so the
   * program finds it after a restart with
   * [method@Tasker.HistoryQuery.set_interrupted] and can run it again.
   *
   * Since: 1.0
   */
  properties[PROP_DURABLE] =
    g_param_spec_boolean ("durable", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:replaces-record:
   *
   * For a durable task ([property@Tasker.TaskOptions:durable]) that runs
   * again the job of an interrupted record (one a query with
   * [method@Tasker.HistoryQuery.set_interrupted] found): that record. The
   * task's first record replaces it in one transaction, so the job has one
   * record across restarts whatever moment the program dies at — never two
   * that would both be run again. A record that has meanwhile ended, or that
   * is from another database, is left alone.
   *
   * Since: 1.0
   */
  properties[PROP_REPLACES_RECORD] =
    g_param_spec_object ("replaces-record", NULL, NULL,
                         TASKER_TYPE_HISTORY_RECORD,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:children-weight:
   *
   * How much of a parent's progress comes from its children: with 0.8, the
   * parent's progress is 0.2 × what its function set plus 0.8 × the mean
   * progress of its children (an ended child counts as done). Default 0.
   *
   * Since: 1.0
   */
  properties[PROP_CHILDREN_WEIGHT] =
    g_param_spec_double ("children-weight", NULL, NULL,
                         0.0, 1.0, 0.0,
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

  /**
   * TaskerTaskOptions:start-delay-ms:
   *
   * How long after its submission the task may start, in milliseconds; 0
   * starts it at once. Until then it is %TASKER_TASK_STATUS_PENDING with a
   * message such as “Starts at 14:05:30”, and holds no thread, worker or
   * queue slot: it does not count against its queue's capacity, and when it
   * is due it enters its queue as a retry does (it takes a free slot, or
   * waits for one even if the queue is full: the capacity refuses
   * submissions, never a task it already accepted). Cancelling it ends it
   * at once. Not together with [property@Tasker.TaskOptions:start-at]
   * (%TASKER_ERROR_INVALID_ARGUMENT at submit). It is due at the wall-clock
   * time of the submission plus the delay, checked at least once a minute
   * (so a suspend does not postpone it by its own length). A waiting task is unfinished: the manager
   * settles ([method@Tasker.Manager.wait_until_settled]) only once it has
   * run, and [method@Tasker.Manager.shutdown] cancels it.
   *
   * Since: 1.0
   */
  properties[PROP_START_DELAY_MS] =
    g_param_spec_uint ("start-delay-ms", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:start-at:
   *
   * When the task may start, as wall-clock time in microseconds since the
   * epoch (g_get_real_time()); 0 means no such time. A time in the past
   * starts it at once. Otherwise it waits as with
   * [property@Tasker.TaskOptions:start-delay-ms], its message saying when
   * it starts in local time (“Starts at 03:00”, with the date when it is
   * not today). The wall clock is checked at least once a minute while it
   * waits, so a suspend or a change of the system clock makes it at most a
   * minute late. Not together with
   * [property@Tasker.TaskOptions:start-delay-ms].
   *
   * Since: 1.0
   */
  properties[PROP_START_AT] =
    g_param_spec_int64 ("start-at", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerTaskOptions:after-any-outcome:
   *
   * Whether the task runs once the tasks it waits for
   * ([method@Tasker.TaskOptions.add_after]) have ended, whatever they ended
   * with. Without it, the first of them that fails or is cancelled fails
   * the task, without running it, with %TASKER_ERROR_DEPENDENCY_FAILED.
   *
   * Since: 1.0
   */
  properties[PROP_AFTER_ANY_OUTCOME] =
    g_param_spec_boolean ("after-any-outcome", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tasker_task_options_init (TaskerTaskOptions *self)
{
  _tasker_policy_resolve (NULL, NULL, &self->policy);
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
 * Copies every setting of @self but its functions into new, unsealed options. The
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
  _tasker_policy_clear (&copy->policy);
  copy->policy = self->policy;
  copy->policy.queue = g_strdup (self->policy.queue);
  copy->worker = g_strdupv (self->worker);
  g_set_object (&copy->parent, self->parent);
  copy->trace_id = self->trace_id;
  copy->ignore_child_failures = self->ignore_child_failures;
  copy->durable = self->durable;
  g_set_object (&copy->replaces_record, self->replaces_record);
  copy->children_weight = self->children_weight;
  copy->start_delay_ms = self->start_delay_ms;
  copy->start_at = self->start_at;
  copy->after_any_outcome = self->after_any_outcome;
  if (self->after != NULL)
    {
      copy->after = _tasker_task_links_new ();
      for (guint i = 0; i < self->after->len; i++)
        _tasker_task_links_add_link (copy->after, g_ptr_array_index (self->after, i));
    }

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
 * A key that starts with a dot (such as `".environ"`) is private: the history
 * keeps it, but its text search ([method@Tasker.HistoryQuery.set_text]) does
 * not look at its value.
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

/**
 * tasker_task_options_set_parent:
 * @self: a #TaskerTaskOptions
 * @parent: (nullable): the parent task
 *
 * Sets [property@Tasker.TaskOptions:parent].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_parent (TaskerTaskOptions *self,
                                TaskerTask        *parent)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));
  g_return_if_fail (parent == NULL || TASKER_IS_TASK (parent));

  if (!check_not_sealed (self))
    return;

  if (g_set_object (&self->parent, parent))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PARENT]);
}

/**
 * tasker_task_options_get_parent:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:parent].
 *
 * Returns: (transfer none) (nullable): the parent task
 *
 * Since: 1.0
 */
TaskerTask *
tasker_task_options_get_parent (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), NULL);

  return self->parent;
}

/**
 * tasker_task_options_set_trace_id:
 * @self: a #TaskerTaskOptions
 * @trace_id: a trace id, or 0 to make one
 *
 * Sets [property@Tasker.TaskOptions:trace-id].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_trace_id (TaskerTaskOptions *self,
                                  guint64            trace_id)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  if (!check_not_sealed (self) || self->trace_id == trace_id)
    return;

  self->trace_id = trace_id;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRACE_ID]);
}

/**
 * tasker_task_options_get_trace_id:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:trace-id].
 *
 * Returns: the trace id, or 0 to make one
 *
 * Since: 1.0
 */
guint64
tasker_task_options_get_trace_id (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), 0);

  return self->trace_id;
}

/**
 * tasker_task_options_set_ignore_child_failures:
 * @self: a #TaskerTaskOptions
 * @ignore: whether a failed child leaves the task's outcome alone
 *
 * Sets [property@Tasker.TaskOptions:ignore-child-failures].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_ignore_child_failures (TaskerTaskOptions *self,
                                               gboolean           ignore)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  if (!check_not_sealed (self) || self->ignore_child_failures == !!ignore)
    return;

  self->ignore_child_failures = !!ignore;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IGNORE_CHILD_FAILURES]);
}

/**
 * tasker_task_options_get_ignore_child_failures:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:ignore-child-failures].
 *
 * Returns: whether a failed child leaves the task's outcome alone
 *
 * Since: 1.0
 */
gboolean
tasker_task_options_get_ignore_child_failures (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), FALSE);

  return self->ignore_child_failures;
}

/**
 * tasker_task_options_set_durable:
 * @self: a #TaskerTaskOptions
 * @durable: whether the history records the task from its submission on
 *
 * Sets [property@Tasker.TaskOptions:durable].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_durable (TaskerTaskOptions *self,
                                 gboolean           durable)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  if (!check_not_sealed (self) || self->durable == !!durable)
    return;

  self->durable = !!durable;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DURABLE]);
}

/**
 * tasker_task_options_get_durable:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:durable].
 *
 * Returns: whether the history records the task from its submission on
 *
 * Since: 1.0
 */
gboolean
tasker_task_options_get_durable (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), FALSE);
  return self->durable;
}

/**
 * tasker_task_options_set_replaces_record:
 * @self: a #TaskerTaskOptions
 * @record: (nullable): the interrupted record whose job the task runs again
 *
 * Sets [property@Tasker.TaskOptions:replaces-record].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_replaces_record (TaskerTaskOptions   *self,
                                         TaskerHistoryRecord *record)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));
  g_return_if_fail (record == NULL || TASKER_IS_HISTORY_RECORD (record));

  if (!check_not_sealed (self))
    return;
  if (g_set_object (&self->replaces_record, record))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REPLACES_RECORD]);
}

/**
 * tasker_task_options_get_replaces_record:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:replaces-record].
 *
 * Returns: (transfer none) (nullable): the record the task's first record replaces
 *
 * Since: 1.0
 */
TaskerHistoryRecord *
tasker_task_options_get_replaces_record (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), NULL);
  return self->replaces_record;
}

const TaskerPolicy *
_tasker_task_options_get_policy (TaskerTaskOptions *self)
{
  return &self->policy;
}

TaskerTask *
_tasker_task_options_get_parent (TaskerTaskOptions *self)
{
  return self->parent;
}

guint64
_tasker_task_options_get_trace_id (TaskerTaskOptions *self)
{
  return self->trace_id;
}

gboolean
_tasker_task_options_get_ignore_child_failures (TaskerTaskOptions *self)
{
  return self->ignore_child_failures;
}

/**
 * tasker_task_options_set_children_weight:
 * @self: a #TaskerTaskOptions
 * @weight: the share of the task's progress that comes from its children, 0 to 1
 *
 * Sets [property@Tasker.TaskOptions:children-weight].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_children_weight (TaskerTaskOptions *self,
                                         double             weight)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));
  g_return_if_fail (weight >= 0.0 && weight <= 1.0);

  if (!check_not_sealed (self) || self->children_weight == weight)
    return;

  self->children_weight = weight;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHILDREN_WEIGHT]);
}

/**
 * tasker_task_options_get_children_weight:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:children-weight].
 *
 * Returns: the share of the task's progress that comes from its children
 *
 * Since: 1.0
 */
double
tasker_task_options_get_children_weight (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), 0.0);

  return self->children_weight;
}

double
_tasker_task_options_get_children_weight (TaskerTaskOptions *self)
{
  return self->children_weight;
}

/**
 * tasker_task_options_set_start_delay_ms:
 * @self: a #TaskerTaskOptions
 * @delay_ms: how long after its submission the task may start, in ms
 *
 * Sets [property@Tasker.TaskOptions:start-delay-ms].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_start_delay_ms (TaskerTaskOptions *self,
                                        guint              delay_ms)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  if (!check_not_sealed (self) || self->start_delay_ms == delay_ms)
    return;

  self->start_delay_ms = delay_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_START_DELAY_MS]);
}

/**
 * tasker_task_options_get_start_delay_ms:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:start-delay-ms].
 *
 * Returns: the delay in milliseconds, 0 for none
 *
 * Since: 1.0
 */
guint
tasker_task_options_get_start_delay_ms (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), 0);

  return self->start_delay_ms;
}

/**
 * tasker_task_options_set_start_at:
 * @self: a #TaskerTaskOptions
 * @start_at: when the task may start, in µs since the epoch; 0 for no time
 *
 * Sets [property@Tasker.TaskOptions:start-at]. A negative time is refused
 * with a critical warning.
 *
 * Since: 1.0
 */
void
tasker_task_options_set_start_at (TaskerTaskOptions *self,
                                  gint64             start_at)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));
  g_return_if_fail (start_at >= 0);

  if (!check_not_sealed (self) || self->start_at == start_at)
    return;

  self->start_at = start_at;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_START_AT]);
}

/**
 * tasker_task_options_get_start_at:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:start-at].
 *
 * Returns: the start time in µs since the epoch, 0 for none
 *
 * Since: 1.0
 */
gint64
tasker_task_options_get_start_at (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), 0);

  return self->start_at;
}

/**
 * tasker_task_options_add_after:
 * @self: a #TaskerTaskOptions
 * @task: a task that must end before tasks submitted with @self start
 *
 * Adds a dependency: a task submitted with @self stays
 * %TASKER_TASK_STATUS_PENDING (“Waiting for task 12”, “Waiting for 3
 * tasks”), holding no thread, worker or queue slot, until every task added
 * here has ended. Then it enters its queue if they all completed; the
 * first one that failed or was cancelled fails it instead, without running
 * it, with %TASKER_ERROR_DEPENDENCY_FAILED (“task 12 failed”, “task 12 was
 * cancelled”), unless [property@Tasker.TaskOptions:after-any-outcome] is
 * set. A task that has already ended counts at once. Together with
 * [property@Tasker.TaskOptions:start-at] or
 * [property@Tasker.TaskOptions:start-delay-ms], both must hold. Retries of
 * the task ([property@Tasker.TaskOptions:max-attempts]) do not wait again.
 *
 * Refused at submit with %TASKER_ERROR_INVALID_ARGUMENT: a task of another
 * manager; one that no longer exists (@self holds a weak reference: an
 * unfinished task is kept by its manager, an ended one by whoever holds
 * it); and one the new task could never outlive — its parent or an
 * ancestor, or any task that waits, through its own dependencies or
 * children, for one of those. Adding a task twice adds it once.
 *
 * Since: 1.0
 */
void
tasker_task_options_add_after (TaskerTaskOptions *self,
                               TaskerTask        *task)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));
  g_return_if_fail (TASKER_IS_TASK (task));

  if (!check_not_sealed (self))
    return;

  if (self->after == NULL)
    self->after = _tasker_task_links_new ();
  _tasker_task_links_add (self->after, task);
}

/**
 * tasker_task_options_set_after_any_outcome:
 * @self: a #TaskerTaskOptions
 * @any_outcome: whether the task runs whatever its dependencies ended with
 *
 * Sets [property@Tasker.TaskOptions:after-any-outcome].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_after_any_outcome (TaskerTaskOptions *self,
                                           gboolean           any_outcome)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  if (!check_not_sealed (self) || self->after_any_outcome == !!any_outcome)
    return;

  self->after_any_outcome = !!any_outcome;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AFTER_ANY_OUTCOME]);
}

/**
 * tasker_task_options_get_after_any_outcome:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:after-any-outcome].
 *
 * Returns: whether the task runs whatever its dependencies ended with
 *
 * Since: 1.0
 */
gboolean
tasker_task_options_get_after_any_outcome (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), FALSE);

  return self->after_any_outcome;
}

GPtrArray *
_tasker_task_options_get_after (TaskerTaskOptions *self)
{
  return self->after;
}

/* Whether a task submitted with @self may wait (a start time or
 * dependencies): the submit's one check on its hot path. */
gboolean
_tasker_task_options_may_wait (TaskerTaskOptions *self)
{
  return self->start_at != 0 || self->start_delay_ms != 0 ||
         (self->after != NULL && self->after->len > 0);
}

/* Weak links to tasks, with their ids for the errors about those gone. */
typedef struct
{
  GWeakRef ref;
  guint64  id;
} TaskerTaskLink;

static void
link_free (TaskerTaskLink *link)
{
  g_weak_ref_clear (&link->ref);
  g_free (link);
}

GPtrArray *
_tasker_task_links_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) link_free);
}

static void
links_add (GPtrArray  *links,
           TaskerTask *task,
           guint64     id)
{
  TaskerTaskLink *link;

  for (guint i = 0; i < links->len; i++)
    if (((TaskerTaskLink *) g_ptr_array_index (links, i))->id == id)
      return;

  link = g_new0 (TaskerTaskLink, 1);
  g_weak_ref_init (&link->ref, task);
  link->id = id;
  g_ptr_array_add (links, link);
}

void
_tasker_task_links_add (GPtrArray  *links,
                        TaskerTask *task)
{
  links_add (links, task, tasker_task_get_id (task));
}

void
_tasker_task_links_add_link (GPtrArray *links,
                             gpointer   link)
{
  g_autoptr(TaskerTask) task = g_weak_ref_get (&((TaskerTaskLink *) link)->ref);

  links_add (links, task, ((TaskerTaskLink *) link)->id);
}

/* The tasks @links (nullable) name, referenced, in *@tasks (NULL for none);
 * FALSE with @error set if one no longer exists. */
gboolean
_tasker_task_links_resolve (GPtrArray   *links,
                            GPtrArray  **tasks,
                            GError     **error)
{
  g_autoptr(GPtrArray) resolved = NULL;

  *tasks = NULL;
  for (guint i = 0; links != NULL && i < links->len; i++)
    {
      TaskerTaskLink *link = g_ptr_array_index (links, i);
      TaskerTask *task = g_weak_ref_get (&link->ref);

      if (task == NULL)
        {
          g_set_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                       "the task %" G_GUINT64_FORMAT " to wait for (after) no longer exists", link->id);
          return FALSE;
        }
      if (resolved == NULL)
        resolved = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (resolved, task);
    }

  *tasks = g_steal_pointer (&resolved);
  return TRUE;
}
