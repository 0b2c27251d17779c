/* tasker-app-schedules.c: the application's schedules and their file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tasker-app-format.h"
#include "tasker-app-schedules.h"

/* TaskerAppSchedules: the TaskerSchedules the user made ("Repeat" in New
 * Task), a list model for the Schedules page, kept in a key file next to the
 * history (data_dir/schedules.ini, 0600: commands may carry an environment
 * with secrets), rewritten whole and atomically at each change. One group
 * per schedule, named by its id: its spec, its command (the keys of
 * TaskerAppCommand's descriptions), paused, the overlap and catch-up
 * policies, last-run and the last result. The history database is the
 * manager's, with no room for a table of ours.
 *
 * Each schedule is started as it is loaded, with its last-run restored, so
 * that the runs missed while Tasker was not running catch up per its policy.
 * A run submits the schedule's command through the function given (the
 * application's tasker_app_application_run_command), with the schedule's id
 * as the task's description "schedule". Schedules run only while Tasker
 * runs: they do not hold the application. Main thread only. */

#define GROUP_PREFIX "schedule "

struct _TaskerAppSchedules
{
  GObject                    parent_instance;

  char                      *path;       /* (owned) the key file */
  TaskerClock               *clock;      /* (owned) */
  TaskerAppSchedulesRunFunc  func;
  gpointer                   user_data;
  GListStore                *store;      /* (owned) (element-type TaskerSchedule) */
  guint64                    next_id;
  gboolean                   loading;
  gboolean                   stopped;
};

enum {
  CHANGED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (TaskerAppSchedules, tasker_app_schedules, G_TYPE_OBJECT)

static guint signals[N_SIGNALS];

static GQuark command_quark;
static GQuark result_quark;

TaskerAppCommand *
tasker_app_schedules_get_command (TaskerSchedule *schedule)
{
  g_return_val_if_fail (TASKER_IS_SCHEDULE (schedule), NULL);
  return g_object_get_qdata (G_OBJECT (schedule), command_quark);
}

/* The last run's status, as the task list says it, or "Never run". */
const char *
tasker_app_schedules_get_last_result (TaskerSchedule *schedule)
{
  TaskerTask *task;
  const char *nick;
  GEnumValue *value;

  g_return_val_if_fail (TASKER_IS_SCHEDULE (schedule), NULL);

  task = tasker_schedule_get_last_task (schedule);
  if (task != NULL)
    return tasker_app_format_status (tasker_task_get_status (task));

  /* Before a restart: the status stored with the schedule. */
  nick = g_object_get_qdata (G_OBJECT (schedule), result_quark);
  value = nick != NULL ? g_enum_get_value_by_nick (g_type_class_peek (TASKER_TYPE_TASK_STATUS), nick) : NULL;
  if (value != NULL)
    return tasker_app_format_status (value->value);
  return _("Never run");
}

static gboolean
in_store (TaskerAppSchedules *self,
          TaskerSchedule     *schedule,
          guint              *position)
{
  return g_list_store_find (self->store, schedule, position);
}

gboolean
tasker_app_schedules_save (TaskerAppSchedules  *self,
                           GError             **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (TASKER_APP_IS_SCHEDULES (self), FALSE);

  g_key_file_set_uint64 (key_file, "schedules", "next-id", self->next_id);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->store)); i++)
    {
      g_autoptr(TaskerSchedule) schedule = g_list_model_get_item (G_LIST_MODEL (self->store), i);
      g_autofree char *group = g_strconcat (GROUP_PREFIX, tasker_schedule_get_id (schedule), NULL);
      TaskerTask *task = tasker_schedule_get_last_task (schedule);
      const char *result = g_object_get_qdata (G_OBJECT (schedule), result_quark);

      g_key_file_set_string (key_file, group, "spec", tasker_schedule_get_spec (schedule));
      tasker_app_command_save_to_key_file (tasker_app_schedules_get_command (schedule), key_file, group);
      g_key_file_set_boolean (key_file, group, "paused", tasker_schedule_get_paused (schedule));
      g_key_file_set_integer (key_file, group, "overlap-policy", tasker_schedule_get_overlap_policy (schedule));
      g_key_file_set_integer (key_file, group, "catch-up-policy", tasker_schedule_get_catch_up_policy (schedule));
      g_key_file_set_int64 (key_file, group, "last-run", tasker_schedule_get_last_run (schedule));
      if (task != NULL && tasker_task_is_final (task))
        {
          GEnumValue *value = g_enum_get_value (g_type_class_peek (TASKER_TYPE_TASK_STATUS),
                                                tasker_task_get_status (task));
          result = value != NULL ? value->value_nick : NULL;
        }
      if (result != NULL)
        g_key_file_set_string (key_file, group, "last-result", result);
    }

  data = g_key_file_to_data (key_file, &length, NULL);
  return g_file_set_contents_full (self->path, data, length,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static void
save_or_warn (TaskerAppSchedules *self)
{
  g_autoptr(GError) error = NULL;

  if (self->loading)
    return;
  if (!tasker_app_schedules_save (self, &error))
    g_warning ("Cannot save the schedules: %s", error->message);
}

static void
changed (TaskerAppSchedules *self,
         TaskerSchedule     *schedule)
{
  save_or_warn (self);
  g_signal_emit (self, signals[CHANGED], 0, schedule);
}

static TaskerTask *
run_func (TaskerSchedule    *schedule,
          TaskerTaskOptions *options,
          gpointer           user_data)
{
  TaskerAppSchedules *self = user_data;
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  /* Deleted (an Undo may bring it back) or Tasker quitting. */
  if (self->stopped || !in_store (self, schedule, NULL))
    return NULL;

  task = self->func (tasker_app_schedules_get_command (schedule), self->user_data, &error);
  if (task == NULL)
    g_message ("Schedule %s did not run: %s", tasker_schedule_get_id (schedule), error->message);
  return task;
}

static void
task_status_cb (TaskerTask *task,
                GParamSpec *pspec,
                gpointer    user_data)
{
  TaskerSchedule *schedule = user_data;
  TaskerAppSchedules *self = g_object_get_data (G_OBJECT (schedule), "tasker-app-schedules");

  if (self != NULL && tasker_schedule_get_last_task (schedule) == task)
    changed (self, schedule);
}

static void
schedule_run_cb (TaskerSchedule *schedule,
                 TaskerTask     *task,
                 gpointer        user_data)
{
  g_signal_connect_object (task, "notify::status", G_CALLBACK (task_status_cb), schedule, 0);
  changed (user_data, schedule);
}

static void
schedule_notify_cb (TaskerSchedule *schedule,
                    GParamSpec     *pspec,
                    gpointer        user_data)
{
  changed (user_data, schedule);
}

/* Makes @schedule run @command, and follows it. */
static void
adopt (TaskerAppSchedules *self,
       TaskerSchedule     *schedule,
       TaskerAppCommand   *command)
{
  tasker_app_command_set_schedule_id (command, tasker_schedule_get_id (schedule));
  g_object_set_qdata_full (G_OBJECT (schedule), command_quark, g_object_ref (command), g_object_unref);
  g_object_set_data (G_OBJECT (schedule), "tasker-app-schedules", self);
  tasker_schedule_set_func (schedule, run_func, self, NULL);
  g_signal_connect_object (schedule, "run", G_CALLBACK (schedule_run_cb), self, 0);
  g_signal_connect_object (schedule, "notify::paused", G_CALLBACK (schedule_notify_cb), self, 0);
  g_signal_connect_object (schedule, "notify::next-run", G_CALLBACK (schedule_notify_cb), self, 0);
  g_signal_connect_object (schedule, "notify::overlap-policy", G_CALLBACK (schedule_notify_cb), self, 0);
  g_signal_connect_object (schedule, "notify::catch-up-policy", G_CALLBACK (schedule_notify_cb), self, 0);
}

static TaskerSchedule *
new_schedule (TaskerAppSchedules  *self,
              const char          *id,
              const char          *spec,
              GError             **error)
{
  return g_initable_new (TASKER_TYPE_SCHEDULE, NULL, error,
                         "spec", spec,
                         "clock", self->clock,
                         "id", id,
                         NULL);
}

static void
load_group (TaskerAppSchedules *self,
            GKeyFile           *key_file,
            const char         *group)
{
  g_autofree char *spec = g_key_file_get_string (key_file, group, "spec", NULL);
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autoptr(TaskerSchedule) schedule = NULL;
  g_autoptr(GError) error = NULL;
  const char *id = group + strlen (GROUP_PREFIX);

  command = tasker_app_command_new_from_key_file (key_file, group, &error);
  if (command != NULL && spec != NULL)
    schedule = new_schedule (self, id, spec, &error);
  if (schedule == NULL)
    {
      g_warning ("Schedule %s is left out: %s", id,
                 error != NULL ? error->message : _("it has no spec"));
      return;
    }

  tasker_schedule_set_paused (schedule, g_key_file_get_boolean (key_file, group, "paused", NULL));
  tasker_schedule_set_overlap_policy (schedule, g_key_file_get_integer (key_file, group, "overlap-policy", NULL));
  tasker_schedule_set_catch_up_policy (schedule, g_key_file_get_integer (key_file, group, "catch-up-policy", NULL));
  tasker_schedule_set_last_run (schedule, MAX (g_key_file_get_int64 (key_file, group, "last-run", NULL), 0));
  g_object_set_qdata_full (G_OBJECT (schedule), result_quark,
                           g_key_file_get_string (key_file, group, "last-result", NULL), g_free);
  adopt (self, schedule, command);
  g_list_store_append (self->store, schedule);
}

/* Reads the file and starts every schedule in it: the runs missed since
 * each one's last run catch up now, per its policy. */
void
tasker_app_schedules_load (TaskerAppSchedules *self)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;
  guint n;

  g_return_if_fail (TASKER_APP_IS_SCHEDULES (self));

  if (!g_key_file_load_from_file (key_file, self->path, G_KEY_FILE_NONE, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("Cannot read the schedules: %s", error->message);
      return;
    }
  /* An older file may have been readable to others. */
  if (g_chmod (self->path, 0600) != 0)
    g_warning ("Cannot make %s private: %s", self->path, g_strerror (errno));

  self->loading = TRUE;
  self->next_id = MAX (g_key_file_get_uint64 (key_file, "schedules", "next-id", NULL), 1);
  groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (g_str_has_prefix (groups[i], GROUP_PREFIX))
      load_group (self, key_file, groups[i]);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TaskerSchedule) schedule = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      tasker_schedule_start (schedule);
    }
  self->loading = FALSE;
  save_or_warn (self);
}

/* Tasker quits: no more runs; what changed is saved. */
void
tasker_app_schedules_stop (TaskerAppSchedules *self)
{
  g_return_if_fail (TASKER_APP_IS_SCHEDULES (self));

  if (self->stopped)
    return;
  save_or_warn (self);
  self->stopped = TRUE;
}

GListModel *
tasker_app_schedules_get_model (TaskerAppSchedules *self)
{
  g_return_val_if_fail (TASKER_APP_IS_SCHEDULES (self), NULL);
  return G_LIST_MODEL (self->store);
}

TaskerClock *
tasker_app_schedules_get_clock (TaskerAppSchedules *self)
{
  g_return_val_if_fail (TASKER_APP_IS_SCHEDULES (self), NULL);
  return self->clock;
}

/* A new schedule running @command at @spec, started and saved.
 *
 * Returns: (transfer none): the schedule, or %NULL if @spec is refused */
TaskerSchedule *
tasker_app_schedules_add (TaskerAppSchedules  *self,
                          const char          *spec,
                          TaskerAppCommand    *command,
                          GError             **error)
{
  g_autoptr(TaskerSchedule) schedule = NULL;
  g_autoptr(TaskerAppCommand) copy = NULL;
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autofree char *id = NULL;

  g_return_val_if_fail (TASKER_APP_IS_SCHEDULES (self), NULL);
  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (command), NULL);

  id = g_strdup_printf ("%" G_GUINT64_FORMAT, self->next_id);
  schedule = new_schedule (self, id, spec, error);
  if (schedule == NULL)
    return NULL;
  self->next_id++;

  /* Its own copy, as the file will give it back after a restart. */
  tasker_app_command_save_to_key_file (command, key_file, "command");
  copy = tasker_app_command_new_from_key_file (key_file, "command", error);
  if (copy == NULL)
    return NULL;

  adopt (self, schedule, copy);
  g_list_store_append (self->store, schedule);
  tasker_schedule_start (schedule);
  changed (self, schedule);

  return schedule;
}

/* Deletes @schedule; tasker_app_schedules_restore() brings it back. */
void
tasker_app_schedules_remove (TaskerAppSchedules *self,
                             TaskerSchedule     *schedule)
{
  guint position;

  g_return_if_fail (TASKER_APP_IS_SCHEDULES (self));
  g_return_if_fail (TASKER_IS_SCHEDULE (schedule));

  if (!in_store (self, schedule, &position))
    return;
  g_list_store_remove (self->store, position);
  save_or_warn (self);
}

/* Undo of a delete: @schedule back at @position. */
void
tasker_app_schedules_restore (TaskerAppSchedules *self,
                              TaskerSchedule     *schedule,
                              guint               position)
{
  g_return_if_fail (TASKER_APP_IS_SCHEDULES (self));
  g_return_if_fail (TASKER_IS_SCHEDULE (schedule));

  if (in_store (self, schedule, NULL))
    return;
  position = MIN (position, g_list_model_get_n_items (G_LIST_MODEL (self->store)));
  g_list_store_insert (self->store, position, schedule);
  save_or_warn (self);
}

/* Edit: a spec is fixed for a schedule's life, so @schedule is replaced by
 * one with the same id, command, state and last run.
 *
 * Returns: (transfer none) (nullable): the new schedule, or %NULL if @spec
 *   is refused */
TaskerSchedule *
tasker_app_schedules_set_spec (TaskerAppSchedules  *self,
                               TaskerSchedule      *schedule,
                               const char          *spec,
                               GError             **error)
{
  g_autoptr(TaskerSchedule) replacement = NULL;
  guint position;

  g_return_val_if_fail (TASKER_APP_IS_SCHEDULES (self), NULL);
  g_return_val_if_fail (TASKER_IS_SCHEDULE (schedule), NULL);
  g_return_val_if_fail (spec != NULL, NULL);

  if (!in_store (self, schedule, &position))
    {
      g_set_error_literal (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                           _("The schedule was deleted"));
      return NULL;
    }
  if (g_strcmp0 (spec, tasker_schedule_get_spec (schedule)) == 0)
    return schedule;

  replacement = new_schedule (self, tasker_schedule_get_id (schedule), spec, error);
  if (replacement == NULL)
    return NULL;
  tasker_schedule_set_paused (replacement, tasker_schedule_get_paused (schedule));
  tasker_schedule_set_overlap_policy (replacement, tasker_schedule_get_overlap_policy (schedule));
  tasker_schedule_set_catch_up_policy (replacement, tasker_schedule_get_catch_up_policy (schedule));
  tasker_schedule_set_last_run (replacement, tasker_schedule_get_last_run (schedule));
  g_object_set_qdata_full (G_OBJECT (replacement), result_quark,
                           g_strdup (g_object_get_qdata (G_OBJECT (schedule), result_quark)), g_free);
  adopt (self, replacement, tasker_app_schedules_get_command (schedule));
  tasker_schedule_set_paused (schedule, TRUE);
  g_list_store_splice (self->store, position, 1, (gpointer *) &replacement, 1);
  /* A new spec is a new start: the runs missed under the old one do not
   * catch up. */
  tasker_schedule_set_catch_up_policy (replacement, TASKER_CATCH_UP_SKIP);
  tasker_schedule_start (replacement);
  tasker_schedule_set_catch_up_policy (replacement, tasker_schedule_get_catch_up_policy (schedule));
  changed (self, replacement);

  return replacement;
}

/* A command as @command, with @command_line: as typed, split as the shell
 * would or given to `sh -c` whole, as @command was. */
TaskerAppCommand *
tasker_app_schedules_edit_command (TaskerAppCommand  *command,
                                   const char        *command_line,
                                   GError           **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();

  g_return_val_if_fail (TASKER_APP_IS_COMMAND (command), NULL);
  g_return_val_if_fail (command_line != NULL, NULL);

  tasker_app_command_save_to_key_file (command, key_file, "command");
  g_key_file_set_string (key_file, "command", "command", command_line);
  return tasker_app_command_new_from_key_file (key_file, "command", error);
}

/* Edit: the schedule's command runs @command_line from its next run on. */
gboolean
tasker_app_schedules_set_command_line (TaskerAppSchedules  *self,
                                       TaskerSchedule      *schedule,
                                       const char          *command_line,
                                       GError             **error)
{
  TaskerAppCommand *command;
  g_autoptr(TaskerAppCommand) edited = NULL;

  g_return_val_if_fail (TASKER_APP_IS_SCHEDULES (self), FALSE);
  g_return_val_if_fail (TASKER_IS_SCHEDULE (schedule), FALSE);
  g_return_val_if_fail (command_line != NULL, FALSE);

  command = tasker_app_schedules_get_command (schedule);
  if (g_strcmp0 (command_line, tasker_app_command_get_command_line (command)) == 0)
    return TRUE;
  edited = tasker_app_schedules_edit_command (command, command_line, error);
  if (edited == NULL)
    return FALSE;

  tasker_app_command_set_schedule_id (edited, tasker_schedule_get_id (schedule));
  g_object_set_qdata_full (G_OBJECT (schedule), command_quark, g_steal_pointer (&edited), g_object_unref);
  changed (self, schedule);
  return TRUE;
}

void
tasker_app_schedules_set_paused (TaskerAppSchedules *self,
                                 TaskerSchedule     *schedule,
                                 gboolean            paused)
{
  g_return_if_fail (TASKER_APP_IS_SCHEDULES (self));
  g_return_if_fail (TASKER_IS_SCHEDULE (schedule));

  tasker_schedule_set_paused (schedule, paused);
}

/* Returns: (transfer none) (nullable): the schedule of @id */
TaskerSchedule *
tasker_app_schedules_lookup (TaskerAppSchedules *self,
                             const char         *id)
{
  g_return_val_if_fail (TASKER_APP_IS_SCHEDULES (self), NULL);

  for (guint i = 0; id != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (self->store)); i++)
    {
      g_autoptr(TaskerSchedule) schedule = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      if (g_strcmp0 (tasker_schedule_get_id (schedule), id) == 0)
        return schedule;  /* the store keeps it */
    }
  return NULL;
}

static void
tasker_app_schedules_dispose (GObject *object)
{
  TaskerAppSchedules *self = (TaskerAppSchedules *) object;

  self->stopped = TRUE;
  if (self->store != NULL)
    g_list_store_remove_all (self->store);
  g_clear_object (&self->store);
  g_clear_object (&self->clock);

  G_OBJECT_CLASS (tasker_app_schedules_parent_class)->dispose (object);
}

static void
tasker_app_schedules_finalize (GObject *object)
{
  TaskerAppSchedules *self = (TaskerAppSchedules *) object;

  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (tasker_app_schedules_parent_class)->finalize (object);
}

static void
tasker_app_schedules_class_init (TaskerAppSchedulesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tasker_app_schedules_dispose;
  object_class->finalize = tasker_app_schedules_finalize;

  command_quark = g_quark_from_static_string ("tasker-app-schedule-command");
  result_quark = g_quark_from_static_string ("tasker-app-schedule-last-result");

  /**
   * TaskerAppSchedules::changed:
   * @schedule: the schedule whose state, next run or last result changed
   */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, TASKER_TYPE_SCHEDULE);
}

static void
tasker_app_schedules_init (TaskerAppSchedules *self)
{
  self->store = g_list_store_new (TASKER_TYPE_SCHEDULE);
  self->next_id = 1;
  g_type_class_ref (TASKER_TYPE_TASK_STATUS);
}

/* @clock: (nullable): the real clock when %NULL; @func submits each run. */
TaskerAppSchedules *
tasker_app_schedules_new (const char                *path,
                          TaskerClock               *clock,
                          TaskerAppSchedulesRunFunc  func,
                          gpointer                   user_data)
{
  TaskerAppSchedules *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (clock == NULL || TASKER_IS_CLOCK (clock), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (TASKER_APP_TYPE_SCHEDULES, NULL);
  self->path = g_strdup (path);
  self->clock = clock != NULL ? g_object_ref (clock) : g_object_ref (tasker_clock_get_default ());
  self->func = func;
  self->user_data = user_data;

  return self;
}
