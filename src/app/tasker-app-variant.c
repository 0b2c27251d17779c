/* tasker-app-variant.c: the a{sv} dicts of the io.github.tasker.Tasker1 interface
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tasker-app-schedules.h"
#include "tasker-app-variant.h"

/* A task, a history record and a schedule as the interface's a{sv}, and the
 * names it gives statuses and overlap policies: the keys and names of the
 * comments in data/io.github.tasker.Tasker1.xml are written here and nowhere
 * else in the application. A live task and its history record give the same
 * keys ("live" tells them apart). Main thread only. */

static const struct
{
  TaskerOverlapPolicy  policy;
  const char          *name;
} overlap_names[] = {
  { TASKER_OVERLAP_SKIP, "skip" },
  { TASKER_OVERLAP_QUEUE_ONE, "queue" },
  { TASKER_OVERLAP_REPLACE, "replace" },
};

static const char *
enum_nick (GType type,
           int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value (klass, value);

  return enum_value != NULL ? enum_value->value_nick : "";
}

/* The keys of a task's dict, in their order (data/io.github.tasker.Tasker1.xml). */
static const char * const task_keys[] = {
  "id", "name", "kind", "status", "progress", "message", "queue", "created", "started",
  "finished", "error", "exit-status", "trace-id", "parent", "key", "command", "cwd",
  "attempt", "schedule", "live", "owner-pid", "owner-name", NULL,
};

/* An a{sv} being built, with only the keys its caller asked for (NULL: all):
 * `taskerctl list` needs 7 of a task's 20, and with a thousand tasks the
 * bus's serialising and parsing of the rest is most of its time. */
typedef struct
{
  GVariantBuilder     builder;
  const char * const *keys;   /* (nullable) */
} Dict;

static void
dict_init (Dict               *dict,
           const char * const *keys)
{
  g_variant_builder_init (&dict->builder, G_VARIANT_TYPE_VARDICT);
  dict->keys = keys;
}

static gboolean
wants (Dict       *dict,
       const char *key)
{
  return dict->keys == NULL || g_strv_contains (dict->keys, key);
}

/* One entry (@value floating), without parsing a "{sv}" format. */
static void
add_value (Dict       *dict,
           const char *key,
           GVariant   *value)
{
  if (!wants (dict, key))
    {
      g_variant_unref (g_variant_ref_sink (value));
      return;
    }
  g_variant_builder_add_value (&dict->builder, g_variant_new_dict_entry (g_variant_new_string (key),
                                                                         g_variant_new_variant (value)));
}

static void
add_string (Dict       *dict,
            const char *key,
            const char *value)
{
  if (value != NULL && wants (dict, key))
    add_value (dict, key, g_variant_new_string (value));
}

static void
add_time (Dict       *dict,
          const char *key,
          gint64      value)
{
  if (value != 0 && wants (dict, key))
    add_value (dict, key, g_variant_new_int64 (value));
}

static void
add_trace_id (Dict    *dict,
              guint64  trace_id)
{
  g_autofree char *text = NULL;

  if (!wants (dict, "trace-id"))
    return;
  text = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", trace_id);
  add_value (dict, "trace-id", g_variant_new_string (text));
}

/* Without information (a command that prints none), a task's progress is
 * -1 until it ends. */
static double
progress_value (TaskerTaskStatus status,
                double           progress)
{
  return progress > 0.0 || status == TASKER_TASK_STATUS_COMPLETED ? progress : -1.0;
}

/* What the dict of a task says, from the live task or from its history
 * record; borrowed from either. */
typedef struct
{
  guint64           id;
  const char       *name;
  TaskerTaskKind    kind;
  TaskerTaskStatus  status;
  double            progress;
  const char       *message;
  const char       *queue;
  gint64            created;       /* µs since the epoch, or 0 (left out) */
  gint64            started;
  gint64            finished;
  const char       *error;         /* (nullable) */
  int               exit_status;   /* or -1 (left out) */
  guint64           trace_id;
  guint64           parent_id;     /* or 0 (left out) */
  const char       *key;
  const char       *command;
  const char       *cwd;
  guint             attempt;
  const char       *schedule;
  gboolean          live;
  guint32           owner_pid;     /* a live external task's, or 0 (left out) */
  const char       *owner_name;    /* (nullable) */
} TaskFields;

static GVariant *
task_fields_to_variant (const TaskFields   *fields,
                        const char * const *keys)
{
  Dict dict;

  dict_init (&dict, keys);

  add_value (&dict, "id", g_variant_new_uint64 (fields->id));
  add_string (&dict, "name", fields->name);
  add_string (&dict, "kind", enum_nick (TASKER_TYPE_TASK_KIND, fields->kind));
  add_string (&dict, "status", tasker_app_variant_status_name (fields->status));
  add_value (&dict, "progress", g_variant_new_double (progress_value (fields->status, fields->progress)));
  add_string (&dict, "message", fields->message);
  add_string (&dict, "queue", fields->queue);
  add_time (&dict, "created", fields->created);
  add_time (&dict, "started", fields->started);
  add_time (&dict, "finished", fields->finished);
  add_string (&dict, "error", fields->error);
  if (fields->exit_status >= 0)
    add_value (&dict, "exit-status", g_variant_new_int32 (fields->exit_status));
  add_trace_id (&dict, fields->trace_id);
  if (fields->parent_id != 0)
    add_value (&dict, "parent", g_variant_new_uint64 (fields->parent_id));
  add_string (&dict, "key", fields->key);
  add_string (&dict, "command", fields->command);
  add_string (&dict, "cwd", fields->cwd);
  add_value (&dict, "attempt", g_variant_new_uint32 (fields->attempt));
  add_string (&dict, "schedule", fields->schedule);
  add_value (&dict, "live", g_variant_new_boolean (fields->live));
  if (fields->owner_pid != 0)
    add_value (&dict, "owner-pid", g_variant_new_uint32 (fields->owner_pid));
  add_string (&dict, "owner-name", fields->owner_name);

  return g_variant_builder_end (&dict.builder);
}

/**
 * tasker_app_variant_new_task:
 * @keys: (nullable): the keys wanted, checked with
 *   tasker_app_variant_check_task_keys(); %NULL for all
 *
 * Returns: (transfer floating): @task's a{sv}, with "live" TRUE
 */
GVariant *
tasker_app_variant_new_task (TaskerTask         *task,
                             const char * const *keys)
{
  const GError *error;
  TaskerTask *parent;
  const char *owner_pid = NULL, *owner_name = NULL;
  guint64 pid = 0;

  g_return_val_if_fail (TASKER_IS_TASK (task), NULL);

  error = tasker_task_get_error (task);
  parent = tasker_task_get_parent (task);
  /* An external task's owner (tasker-app-external.c), while it lives. */
  if (tasker_task_get_kind (task) == TASKER_TASK_KIND_EXTERNAL && !tasker_task_is_final (task))
    {
      owner_pid = tasker_task_get_description (task, "owner-pid");
      owner_name = tasker_task_get_description (task, "owner-name");
      if (owner_pid != NULL && !g_ascii_string_to_unsigned (owner_pid, 10, 1, G_MAXUINT32, &pid, NULL))
        pid = 0;
    }
  return task_fields_to_variant (&(TaskFields) {
    .id = tasker_task_get_id (task),
    .name = tasker_task_get_name (task),
    .kind = tasker_task_get_kind (task),
    .status = tasker_task_get_status (task),
    .progress = tasker_task_get_progress (task),
    .message = tasker_task_get_message (task),
    .queue = tasker_task_get_description (task, "queue"),
    .created = tasker_task_get_created_time (task),
    .started = tasker_task_get_started_time (task),
    .finished = tasker_task_get_finished_time (task),
    .error = error != NULL ? error->message : NULL,
    .exit_status = tasker_task_get_exit_status (task),
    .trace_id = tasker_task_get_trace_id (task),
    .parent_id = parent != NULL ? tasker_task_get_id (parent) : 0,
    .key = tasker_task_get_key (task),
    .command = tasker_task_get_description (task, "command"),
    .cwd = tasker_task_get_description (task, "cwd"),
    .attempt = tasker_task_get_attempt (task),
    .schedule = tasker_task_get_description (task, "schedule"),
    .live = TRUE,
    .owner_pid = (guint32) pid,
    .owner_name = owner_name,
  }, keys);
}

/**
 * tasker_app_variant_new_record:
 * @keys: (nullable): as for tasker_app_variant_new_task()
 *
 * Returns: (transfer floating): the a{sv} of @record's task, with "live"
 *   FALSE
 */
GVariant *
tasker_app_variant_new_record (TaskerHistoryRecord *record,
                               const char * const  *keys)
{
  const char *exit_status;
  gint64 value;

  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (record), NULL);

  exit_status = tasker_history_record_get_description (record, "exit-status");
  if (exit_status == NULL || !g_ascii_string_to_signed (exit_status, 10, 0, G_MAXINT32, &value, NULL))
    value = -1;
  return task_fields_to_variant (&(TaskFields) {
    .id = tasker_history_record_get_task_id (record),
    .name = tasker_history_record_get_name (record),
    .kind = tasker_history_record_get_kind (record),
    .status = tasker_history_record_get_status (record),
    .progress = tasker_history_record_get_progress (record),
    .message = tasker_history_record_get_message (record),
    .queue = tasker_history_record_get_description (record, "queue"),
    .created = tasker_history_record_get_created_time (record),
    .started = tasker_history_record_get_started_time (record),
    .finished = tasker_history_record_get_finished_time (record),
    .error = tasker_history_record_get_error_message (record),
    .exit_status = (int) value,
    .trace_id = tasker_history_record_get_trace_id (record),
    .parent_id = tasker_history_record_get_parent_id (record),
    .key = tasker_history_record_get_key (record),
    .command = tasker_history_record_get_description (record, "command"),
    .cwd = tasker_history_record_get_description (record, "cwd"),
    .attempt = tasker_history_record_get_attempts (record),
    .schedule = tasker_history_record_get_description (record, "schedule"),
    .live = FALSE,
  }, keys);
}

/**
 * tasker_app_variant_new_schedule:
 *
 * Returns: (transfer floating): @schedule's a{sv}, as ListSchedules gives it
 */
GVariant *
tasker_app_variant_new_schedule (TaskerSchedule *schedule)
{
  Dict dict;
  const char *overlap_name = overlap_names[0].name;  /* skip, the default */
  TaskerAppCommand *command;
  gboolean paused;

  g_return_val_if_fail (TASKER_IS_SCHEDULE (schedule), NULL);

  dict_init (&dict, NULL);

  command = tasker_app_schedules_get_command (schedule);
  paused = tasker_schedule_get_paused (schedule);
  for (guint i = 0; i < G_N_ELEMENTS (overlap_names); i++)
    if (overlap_names[i].policy == tasker_schedule_get_overlap_policy (schedule))
      overlap_name = overlap_names[i].name;

  add_string (&dict, "id", tasker_schedule_get_id (schedule));
  add_string (&dict, "spec", tasker_schedule_get_spec (schedule));
  if (command != NULL)
    add_string (&dict, "command", tasker_app_command_get_command_line (command));
  add_value (&dict, "paused", g_variant_new_boolean (paused));
  if (!paused)
    add_time (&dict, "next-run", tasker_schedule_get_next_run (schedule));
  add_time (&dict, "last-run", tasker_schedule_get_last_run (schedule));
  add_string (&dict, "last-result", tasker_app_schedules_get_last_result (schedule));
  add_string (&dict, "overlap", overlap_name);
  add_value (&dict, "catch-up",
             g_variant_new_boolean (tasker_schedule_get_catch_up_policy (schedule) == TASKER_CATCH_UP_ONE_RUN));

  return g_variant_builder_end (&dict.builder);
}

/**
 * tasker_app_variant_status_name:
 *
 * Returns: @status as the interface names it ("pending", "running", …)
 */
const char *
tasker_app_variant_status_name (TaskerTaskStatus status)
{
  return enum_nick (TASKER_TYPE_TASK_STATUS, status);
}

/**
 * tasker_app_variant_parse_status:
 * @name: a status name, as tasker_app_variant_status_name() gives it
 * @status: (out): the status it names
 *
 * Returns: whether @name names a status
 */
gboolean
tasker_app_variant_parse_status (const char       *name,
                                 TaskerTaskStatus *status)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (TASKER_TYPE_TASK_STATUS);
  GEnumValue *value;

  g_return_val_if_fail (name != NULL, FALSE);

  value = g_enum_get_value_by_nick (klass, name);
  if (value == NULL)
    return FALSE;
  *status = value->value;
  return TRUE;
}

/**
 * tasker_app_variant_parse_overlap:
 * @name: "skip", "queue" or "replace"
 * @overlap: (out): the policy it names
 *
 * Returns: whether @name names an overlap policy
 */
gboolean
tasker_app_variant_parse_overlap (const char          *name,
                                  TaskerOverlapPolicy *overlap)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (overlap_names); i++)
    if (strcmp (overlap_names[i].name, name) == 0)
      {
        *overlap = overlap_names[i].policy;
        return TRUE;
      }
  return FALSE;
}

/**
 * tasker_app_variant_check_task_keys:
 * @keys: key names a caller wants of each task
 *
 * Returns: %TRUE when every one is a key of a task's dict; else %FALSE
 *   with @error naming the first that is not
 */
gboolean
tasker_app_variant_check_task_keys (const char * const  *keys,
                                    GError             **error)
{
  g_return_val_if_fail (keys != NULL, FALSE);

  for (guint i = 0; keys[i] != NULL; i++)
    if (!g_strv_contains (task_keys, keys[i]))
      {
        g_autofree char *known = g_strjoinv (", ", (char **) task_keys);

        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     _("unknown task key “%s”: the keys are %s"), keys[i], known);
        return FALSE;
      }
  return TRUE;
}
