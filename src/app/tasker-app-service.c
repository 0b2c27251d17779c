/* tasker-app-service.c: the io.github.tasker.Tasker1 D-Bus interface of the application
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tasker-app-external.h"
#include "tasker-app-log-followers.h"
#include "tasker-app-schedules.h"
#include "tasker-app-service-private.h"
#include "tasker-app-task-changes.h"
#include "tasker-app-variant.h"
#include "tasker-dbus-error.h"
#include "tasker-dbus-generated.h"

/* TaskerAppService: the application's control surface for scripts and
 * taskerctl (DESIGN.md §8, data/io.github.tasker.Tasker1.xml). It exports a
 * TaskerDBusTasker1Skeleton at TASKER_DBUS_OBJECT_PATH from the
 * application's dbus_register, before the bus name is owned, so a call that
 * starts the application by D-Bus activation finds it; the manager's signals
 * are hooked once the application has started (tasker_app_service_start()).
 *
 * This file holds the export, the method handlers and the signals; the
 * rest is in files of their own: the task and schedule dicts
 * (tasker-app-variant.c), the command a call adds, checked
 * (tasker-app-service-command.c), which tasks a TasksChanged carries
 * (tasker-app-task-changes.c) and who follows which log
 * (tasker-app-log-followers.c).
 *
 * Signals. TasksChanged follows the manager's coalesced tasks-updated (at
 * most one per update interval) with only the tasks whose status, progress
 * or message changed since they were last sent, and those that ended.
 * LogLines goes to each follower alone (a follower is a unique bus name and
 * a task id, with its own read position in the task's log), at most once per
 * task per update interval, from a timer that runs only while someone
 * follows; a task's end sends its last lines, forgets its followers, then
 * sends TaskFinished. A follower that leaves the bus is forgotten.
 *
 * Lookups by id: the manager's live list, then the tasks that ended lately
 * (kept a while, so Retry can re-arm what waited for them), then the
 * history, asynchronously (the invocation waits; the main loop does not).
 * Every call holds the application (touch_app_cb(), and until its answer
 * when that waits for the history), which restarts the inactivity timer of
 * an instance started by activation. Main thread only. */

/* Ended tasks kept for lookups and Retry's re-arming; older ones are read
 * from the history. */
#define ENDED_KEPT 64
/* ListTasks' default number of history records. */
#define HISTORY_LIMIT 100

struct _TaskerAppService
{
  GObject                parent_instance;

  GApplication          *app;            /* (unowned) it owns this */
  TaskerDBusTasker1     *skeleton;       /* (owned) */
  GDBusConnection       *connection;     /* (owned) (nullable) while exported */
  guint                  name_owner_id;  /* NameOwnerChanged subscription, or 0 */
  TaskerManager         *manager;        /* (owned) (nullable) from start on */
  GListModel            *live;           /* (owned) (nullable) the manager's unfinished tasks */
  TaskerAppTaskChanges  *changes;        /* (owned) what TasksChanged said of each task */
  GQueue                 kept;           /* (element-type TaskerTask) (owned) ended lately, oldest first */
  TaskerAppLogFollowers *log_followers;  /* (owned) (nullable) from start on */
  TaskerAppExternal     *external;       /* (owned) other programs' tasks */
  guint                  more_changes_id; /* sends what the last TasksChanged had no room for */
};

G_DEFINE_FINAL_TYPE (TaskerAppService, tasker_app_service, G_TYPE_OBJECT)

TaskerAppApplication *
_tasker_app_service_get_app (TaskerAppService *self)
{
  return TASKER_APP_APPLICATION (self->app);
}

/* ------------------------------------------------------------------ */
/* Errors */

static void
return_error (GDBusMethodInvocation *invocation,
              TaskerDBusError        code,
              const char            *format,
              ...) G_GNUC_PRINTF (3, 4);

static void
return_error (GDBusMethodInvocation *invocation,
              TaskerDBusError        code,
              const char            *format,
              ...)
{
  va_list args;

  va_start (args, format);
  g_dbus_method_invocation_return_error_valist (invocation, TASKER_DBUS_ERROR, code, format, args);
  va_end (args);
}

/* @format names task @id with one %s (xgettext cannot read a message
 * split by G_GUINT64_FORMAT). */
void
_tasker_app_service_return_task_error (GDBusMethodInvocation *invocation,
                                       TaskerDBusError        code,
                                       const char            *format,
                                       guint64                id)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  g_dbus_method_invocation_return_error (invocation, TASKER_DBUS_ERROR, code, format, text);
#pragma GCC diagnostic pop
}

static void
return_no_such_task (GDBusMethodInvocation *invocation,
                     guint64                id)
{
  /* Translators: a task's number */
  _tasker_app_service_return_task_error (invocation, TASKER_DBUS_ERROR_NO_SUCH_TASK, _("no task %s"), id);
}

/* A library or application error as the interface's: its message stays. */
void
_tasker_app_service_return_gerror (GDBusMethodInvocation *invocation,
                                   const GError          *error)
{
  TaskerDBusError code = TASKER_DBUS_ERROR_FAILED;

  if (error->domain == TASKER_DBUS_ERROR)
    code = error->code;
  else if (error->domain == TASKER_ERROR)
    {
      switch (error->code)
        {
        case TASKER_ERROR_INVALID_ARGUMENT:
          code = TASKER_DBUS_ERROR_INVALID_ARGUMENT;
          break;
        case TASKER_ERROR_QUEUE_FULL:
          code = TASKER_DBUS_ERROR_QUEUE_FULL;
          break;
        case TASKER_ERROR_SHUT_DOWN:
          code = TASKER_DBUS_ERROR_SHUTTING_DOWN;
          break;
        default:
          break;
        }
    }
  else if (error->domain == G_IO_ERROR || error->domain == G_SHELL_ERROR)
    code = TASKER_DBUS_ERROR_INVALID_ARGUMENT;

  g_dbus_method_invocation_return_error_literal (invocation, TASKER_DBUS_ERROR, code, error->message);
}

/* ------------------------------------------------------------------ */
/* Finding tasks */

/* A live (unfinished) task, or one that ended lately; transfer none. */
TaskerTask *
_tasker_app_service_find_task (TaskerAppService *self,
                               guint64           id)
{
  guint n = self->live != NULL ? g_list_model_get_n_items (self->live) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (self->live, i);

      if (tasker_task_get_id (task) == id)
        return task;  /* the list keeps it */
    }
  for (GList *l = self->kept.tail; l != NULL; l = l->prev)
    if (tasker_task_get_id (l->data) == id)
      return l->data;

  return NULL;
}

typedef void (*RecordFunc) (TaskerAppService      *self,
                            GDBusMethodInvocation *invocation,
                            TaskerHistoryRecord   *record,
                            gpointer               data);

typedef struct
{
  TaskerAppService      *self;        /* (owned) */
  GDBusMethodInvocation *invocation;  /* (owned) */
  guint64                id;
  RecordFunc             func;
  gpointer               data;
} RecordLookup;

static void
record_lookup_done_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  RecordLookup *lookup = user_data;
  g_autoptr(GListModel) records = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TaskerHistoryRecord) record = NULL;

  records = tasker_manager_query_history_finish (TASKER_MANAGER (object), result, &error);
  if (records == NULL)
    _tasker_app_service_return_gerror (lookup->invocation, error);
  else if ((record = g_list_model_get_item (records, 0)) == NULL)
    return_no_such_task (lookup->invocation, lookup->id);
  else
    lookup->func (lookup->self, lookup->invocation, record, lookup->data);

  g_application_release (lookup->self->app);
  g_object_unref (lookup->invocation);
  g_object_unref (lookup->self);
  g_free (lookup);
}

/* Calls @func with the newest history record of task @id, or answers
 * NoSuchTask; the call is held until then. */
static void
lookup_record (TaskerAppService      *self,
               GDBusMethodInvocation *invocation,
               guint64                id,
               RecordFunc             func,
               gpointer               data)
{
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  RecordLookup *lookup;

  if (self->manager == NULL)
    {
      return_no_such_task (invocation, id);
      return;
    }

  lookup = g_new0 (RecordLookup, 1);
  lookup->self = g_object_ref (self);
  lookup->invocation = g_object_ref (invocation);
  lookup->id = id;
  lookup->func = func;
  lookup->data = data;
  tasker_history_query_set_task_id (query, id);
  tasker_history_query_set_limit (query, 1);
  g_application_hold (self->app);
  tasker_manager_query_history_async (self->manager, query, NULL, record_lookup_done_cb, lookup);
}

/* ------------------------------------------------------------------ */
/* Logs */

/* The last @max_lines of @lines (0: all); takes @lines. */
static char **
tail_lines (char  **lines,
            guint   max_lines)
{
  guint n = g_strv_length (lines);
  char **tail;

  if (max_lines == 0 || n <= max_lines)
    return lines;

  tail = g_new (char *, max_lines + 1);
  for (guint i = 0; i < n - max_lines; i++)
    g_free (lines[i]);
  memcpy (tail, lines + (n - max_lines), (max_lines + 1) * sizeof (char *));
  g_free (lines);

  return tail;
}

static void
send_log_lines_cb (const char         *name,
                   TaskerTask         *task,
                   const char * const *lines,
                   gpointer            user_data)
{
  TaskerAppService *self = user_data;

  if (self->connection == NULL)
    return;
  g_dbus_connection_emit_signal (self->connection, name, TASKER_DBUS_OBJECT_PATH,
                                 "io.github.tasker.Tasker1", "LogLines",
                                 g_variant_new ("(t^as)", tasker_task_get_id (task), lines), NULL);
}

/* @name left the bus: it follows nothing any more. */
static void
name_owner_changed_cb (GDBusConnection *connection,
                       const char      *sender_name,
                       const char      *object_path,
                       const char      *interface_name,
                       const char      *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  TaskerAppService *self = user_data;
  const char *name, *new_owner;

  g_variant_get (parameters, "(&s&s&s)", &name, NULL, &new_owner);
  if (*new_owner != '\0' || self->log_followers == NULL)
    return;

  tasker_app_log_followers_forget_name (self->log_followers, name);
  tasker_app_external_forget_name (self->external, name);
}

/* ------------------------------------------------------------------ */
/* The manager's signals */

/* At most once per update interval (the manager coalesces): the tasks
 * whose status, progress or message changed, and those that ended. */
static void send_changes (TaskerAppService *self,
                          GListModel       *tasks);

static gboolean
more_changes_cb (gpointer user_data)
{
  TaskerAppService *self = user_data;

  self->more_changes_id = 0;
  if (self->live != NULL)
    send_changes (self, self->live);
  return G_SOURCE_REMOVE;
}

static void
send_changes (TaskerAppService *self,
              GListModel       *tasks)
{
  GVariant *changed = tasker_app_task_changes_collect (self->changes, tasks);

  if (changed != NULL)
    tasker_dbus_tasker1_emit_tasks_changed (self->skeleton, changed);
  /* A signal is bounded; what it had no room for goes in the next
   * interval, even when the manager has nothing new to say by then. */
  if (tasker_app_task_changes_has_more (self->changes) && self->more_changes_id == 0 && self->manager != NULL)
    self->more_changes_id = g_timeout_add (tasker_manager_get_update_interval (self->manager),
                                           more_changes_cb, self);
}

static void
tasks_updated_cb (TaskerAppService *self,
                  GListModel       *tasks,
                  double            progress)
{
  send_changes (self, tasks);
}

/* Its followers get its last lines, then everyone its end. */
static void
task_finished_cb (TaskerAppService *self,
                  TaskerTask       *task)
{
  const GError *error = tasker_task_get_error (task);

  tasker_app_log_followers_flush_task (self->log_followers, task);

  tasker_app_task_changes_add_ended (self->changes, task);
  g_queue_push_tail (&self->kept, g_object_ref (task));
  while (self->kept.length > ENDED_KEPT)
    g_object_unref (g_queue_pop_head (&self->kept));

  tasker_dbus_tasker1_emit_task_finished (self->skeleton, tasker_task_get_id (task),
                                          tasker_app_variant_status_name (tasker_task_get_status (task)),
                                          error != NULL ? error->message : "");
}

/* ------------------------------------------------------------------ */
/* Commands and schedules (tasker-app-service-command.c checks them) */

static gboolean
handle_add_command (TaskerAppService      *self,
                    GDBusMethodInvocation *invocation,
                    const char * const    *argv,
                    const char            *cwd_unused,
                    const char * const    *env,
                    GVariant              *options)
{
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autoptr(TaskerTask) task = NULL;
  g_autofree char *spec = NULL;
  g_autoptr(GError) error = NULL;

  command = _tasker_app_service_command_for_add_command (self, invocation, argv, env, options,
                                                         &spec, &error);
  if (command == NULL)
    ;
  else if (spec != NULL)
    {
      if (_tasker_app_service_add_schedule (self, spec, command, options, &error) != NULL)
        tasker_dbus_tasker1_complete_add_command (self->skeleton, invocation, 0);
    }
  else if ((task = tasker_app_application_run_command (_tasker_app_service_get_app (self),
                                                       command, &error)) != NULL)
    tasker_dbus_tasker1_complete_add_command (self->skeleton, invocation, tasker_task_get_id (task));

  if (error != NULL)
    _tasker_app_service_return_gerror (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_add_schedule (TaskerAppService      *self,
                     GDBusMethodInvocation *invocation,
                     const char * const    *argv,
                     const char            *cwd_unused,
                     const char * const    *env,
                     const char            *spec,
                     GVariant              *options)
{
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  TaskerSchedule *schedule;

  if ((command = _tasker_app_service_command_for_add_schedule (self, invocation, argv, env, options,
                                                               &error)) &&
      (schedule = _tasker_app_service_add_schedule (self, spec, command, options, &error)))
    tasker_dbus_tasker1_complete_add_schedule (self->skeleton, invocation, tasker_schedule_get_id (schedule));

  if (error != NULL)
    _tasker_app_service_return_gerror (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_schedules (TaskerAppService      *self,
                       GDBusMethodInvocation *invocation)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  TaskerAppSchedules *schedules = tasker_app_application_get_schedules (_tasker_app_service_get_app (self));
  GListModel *model = schedules != NULL ? tasker_app_schedules_get_model (schedules) : NULL;
  guint n = model != NULL ? g_list_model_get_n_items (model) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TaskerSchedule) schedule = g_list_model_get_item (model, i);

      g_variant_builder_add_value (&builder, tasker_app_variant_new_schedule (schedule));
    }

  tasker_dbus_tasker1_complete_list_schedules (self->skeleton, invocation, g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ------------------------------------------------------------------ */
/* Listing and reading tasks */

typedef struct
{
  TaskerAppService      *self;        /* (owned) */
  GDBusMethodInvocation *invocation;  /* (owned) */
  GVariantBuilder        builder;     /* the live tasks so far */
  GStrv                  keys;        /* (owned) (nullable) the keys asked for */
} ListCall;

static void
list_call_free (ListCall *call)
{
  g_object_unref (call->invocation);
  g_object_unref (call->self);
  g_strfreev (call->keys);
  g_free (call);
}

static void
list_history_done_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  ListCall *call = user_data;
  g_autoptr(GListModel) records = NULL;
  g_autoptr(GError) error = NULL;

  records = tasker_manager_query_history_finish (TASKER_MANAGER (object), result, &error);
  if (records == NULL)
    {
      g_variant_builder_clear (&call->builder);
      _tasker_app_service_return_gerror (call->invocation, error);
    }
  else
    {
      for (guint i = 0; i < g_list_model_get_n_items (records); i++)
        {
          g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (records, i);

          g_variant_builder_add_value (&call->builder,
                                       tasker_app_variant_new_record (record, (const char * const *) call->keys));
        }
      tasker_dbus_tasker1_complete_list_tasks (call->self->skeleton, call->invocation,
                                               g_variant_builder_end (&call->builder));
    }

  g_application_release (call->self->app);
  list_call_free (call);
}

static gboolean
contains_folded (const char *haystack,
                 const char *folded_needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, folded_needle) != NULL;
}

static gboolean
handle_list_tasks (TaskerAppService      *self,
                   GDBusMethodInvocation *invocation,
                   GVariant              *filter)
{
  static const TaskerAppOptionSpec filter_keys[] = {
    { "history", "b" },
    { "limit", "u" },
    { "search", "s" },
    { "status", "s" },
    { "keys", "as" },
  };
  g_autoptr(GVariantDict) dict = g_variant_dict_new (filter);
  g_auto(GStrv) keys = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folded = NULL;
  gboolean history = FALSE;
  const char *search = NULL, *status_name = NULL;
  guint limit = HISTORY_LIMIT;
  TaskerTaskStatus parsed;
  int status = -1;
  ListCall *call;
  guint n;

  if (!_tasker_app_service_check_options (filter, filter_keys, G_N_ELEMENTS (filter_keys), &error))
    {
      _tasker_app_service_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_variant_dict_lookup (dict, "history", "b", &history);
  g_variant_dict_lookup (dict, "limit", "u", &limit);
  g_variant_dict_lookup (dict, "search", "&s", &search);
  if (g_variant_dict_lookup (dict, "status", "&s", &status_name))
    {
      if (!tasker_app_variant_parse_status (status_name, &parsed))
        {
          return_error (invocation, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                        _("unknown status “%s”: pending, running, completed, failed or cancelled"),
                        status_name);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
      status = parsed;
    }
  if (g_variant_dict_lookup (dict, "keys", "^as", &keys) &&
      !tasker_app_variant_check_task_keys ((const char * const *) keys, &error))
    {
      return_error (invocation, TASKER_DBUS_ERROR_INVALID_ARGUMENT, "%s", error->message);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (search != NULL && *search != '\0')
    folded = g_utf8_casefold (search, -1);

  call = g_new0 (ListCall, 1);
  call->self = g_object_ref (self);
  call->invocation = g_object_ref (invocation);
  call->keys = g_steal_pointer (&keys);
  g_variant_builder_init (&call->builder, G_VARIANT_TYPE ("aa{sv}"));

  n = self->live != NULL ? g_list_model_get_n_items (self->live) : 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (self->live, i);

      if (status >= 0 && (int) tasker_task_get_status (task) != status)
        continue;
      if (folded != NULL &&
          !contains_folded (tasker_task_get_name (task), folded) &&
          !contains_folded (tasker_task_get_message (task), folded) &&
          !contains_folded (tasker_task_get_description (task, "command"), folded))
        continue;
      g_variant_builder_add_value (&call->builder,
                                   tasker_app_variant_new_task (task, (const char * const *) call->keys));
    }

  if (history && self->manager != NULL && limit > 0)
    {
      g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();

      tasker_history_query_set_limit (query, limit);
      tasker_history_query_set_status (query, status);
      tasker_history_query_set_text (query, search);
      g_application_hold (self->app);
      tasker_manager_query_history_async (self->manager, query, NULL, list_history_done_cb, call);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  tasker_dbus_tasker1_complete_list_tasks (self->skeleton, invocation, g_variant_builder_end (&call->builder));
  list_call_free (call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
get_task_record (TaskerAppService      *self,
                 GDBusMethodInvocation *invocation,
                 TaskerHistoryRecord   *record,
                 gpointer               data)
{
  tasker_dbus_tasker1_complete_get_task (self->skeleton, invocation, tasker_app_variant_new_record (record, NULL));
}

static gboolean
handle_get_task (TaskerAppService      *self,
                 GDBusMethodInvocation *invocation,
                 guint64                id)
{
  TaskerTask *task;

  task = _tasker_app_service_find_task (self, id);
  if (task != NULL)
    tasker_dbus_tasker1_complete_get_task (self->skeleton, invocation, tasker_app_variant_new_task (task, NULL));
  else
    lookup_record (self, invocation, id, get_task_record, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
get_log_record (TaskerAppService      *self,
                GDBusMethodInvocation *invocation,
                TaskerHistoryRecord   *record,
                gpointer               data)
{
  g_auto(GStrv) lines = tail_lines (tasker_history_record_dup_log (record), GPOINTER_TO_UINT (data));

  tasker_dbus_tasker1_complete_get_log (self->skeleton, invocation, (const char * const *) lines);
}

static gboolean
handle_get_log (TaskerAppService      *self,
                GDBusMethodInvocation *invocation,
                guint64                id,
                guint                  max_lines)
{
  TaskerTask *task;

  task = _tasker_app_service_find_task (self, id);
  if (task != NULL)
    {
      g_auto(GStrv) lines = tail_lines (tasker_task_dup_log (task), max_lines);

      tasker_dbus_tasker1_complete_get_log (self->skeleton, invocation, (const char * const *) lines);
    }
  else
    lookup_record (self, invocation, id, get_log_record, GUINT_TO_POINTER (max_lines));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_follow_log (TaskerAppService      *self,
                   GDBusMethodInvocation *invocation,
                   guint64                id)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  TaskerTask *task;
  g_auto(GStrv) lines = NULL;

  task = _tasker_app_service_find_task (self, id);
  if (task == NULL)
    {
      /* A finished task's log, from the history: no signals follow. */
      lookup_record (self, invocation, id, get_log_record, GUINT_TO_POINTER (0));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (tasker_task_is_final (task) || sender == NULL)
    lines = tasker_task_dup_log (task);
  else  /* a second FollowLog from the same client starts it over */
    lines = tasker_app_log_followers_follow (self->log_followers, task, sender);
  tasker_dbus_tasker1_complete_follow_log (self->skeleton, invocation, (const char * const *) lines);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_unfollow_log (TaskerAppService      *self,
                     GDBusMethodInvocation *invocation,
                     guint64                id)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  TaskerTask *task = _tasker_app_service_find_task (self, id);

  if (task == NULL)
    return_no_such_task (invocation, id);
  else
    {
      /* Not following it is no error: it may have ended meanwhile. */
      if (sender != NULL)
        tasker_app_log_followers_unfollow (self->log_followers, task, sender);
      tasker_dbus_tasker1_complete_unfollow_log (self->skeleton, invocation);
    }
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ------------------------------------------------------------------ */
/* Cancel and Retry */

static gboolean
handle_cancel (TaskerAppService      *self,
               GDBusMethodInvocation *invocation,
               guint64                id)
{
  TaskerTask *task = _tasker_app_service_find_task (self, id);

  if (task == NULL)
    return_no_such_task (invocation, id);
  else if (tasker_task_is_final (task))
    _tasker_app_service_return_task_error (invocation, TASKER_DBUS_ERROR_NO_SUCH_TASK,
                                           _("task %s has already ended"), id);
  else
    {
      tasker_task_cancel (task);
      tasker_dbus_tasker1_complete_cancel (self->skeleton, invocation);
    }
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_cancel_key (TaskerAppService      *self,
                   GDBusMethodInvocation *invocation,
                   const char            *key)
{
  gboolean cancelled;

  cancelled = self->manager != NULL && *key != '\0' && tasker_manager_cancel_task (self->manager, key);
  tasker_dbus_tasker1_complete_cancel_key (self->skeleton, invocation, cancelled);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Runs @command again in place of @old_task (nullable): what waited for
 * @old_task and failed because of it waits for the new task. */
static void
retry_command (TaskerAppService      *self,
               GDBusMethodInvocation *invocation,
               TaskerAppCommand      *command,
               TaskerTask            *old_task)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;

  task = tasker_app_application_run_command (_tasker_app_service_get_app (self), command, &error);
  if (task == NULL)
    {
      _tasker_app_service_return_gerror (invocation, error);
      return;
    }

  if (old_task != NULL && tasker_task_get_status (old_task) != TASKER_TASK_STATUS_COMPLETED)
    {
      g_autoptr(GPtrArray) rearmed = tasker_manager_rearm_dependants (self->manager, old_task, task, &error);

      if (rearmed == NULL)
        g_message ("What waited for task %" G_GUINT64_FORMAT " is not re-armed: %s",
                   tasker_task_get_id (old_task), error->message);
    }
  tasker_dbus_tasker1_complete_retry (self->skeleton, invocation, tasker_task_get_id (task));
}

static void
retry_record (TaskerAppService      *self,
              GDBusMethodInvocation *invocation,
              TaskerHistoryRecord   *record,
              gpointer               data)
{
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autoptr(GError) error = NULL;

  command = tasker_app_command_new_from_record (record, &error);
  if (command == NULL)
    return_error (invocation, TASKER_DBUS_ERROR_INVALID_ARGUMENT, "%s", error->message);
  else
    retry_command (self, invocation, command, NULL);
}

static gboolean
handle_retry (TaskerAppService      *self,
              GDBusMethodInvocation *invocation,
              guint64                id)
{
  TaskerTask *task = _tasker_app_service_find_task (self, id);
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autoptr(GError) error = NULL;

  if (task == NULL)
    lookup_record (self, invocation, id, retry_record, NULL);
  else if (!tasker_task_is_final (task))
    _tasker_app_service_return_task_error (invocation, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                                           _("task %s has not ended"), id);
  else if (!(command = tasker_app_command_new_from_task (task, &error)))
    return_error (invocation, TASKER_DBUS_ERROR_INVALID_ARGUMENT, "%s", error->message);
  else
    retry_command (self, invocation, command, task);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ------------------------------------------------------------------ */
/* Other programs' tasks (tasker-app-external.c) */

static gboolean
handle_create_task (TaskerAppService      *self,
                    GDBusMethodInvocation *invocation)
{
  tasker_app_external_create_task (self->external, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_update_tasks (TaskerAppService      *self,
                     GDBusMethodInvocation *invocation)
{
  tasker_app_external_update_tasks (self->external, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Before every method (connected ahead of its handler; FALSE lets that
 * run): an instance started by D-Bus activation stays a while longer, its
 * inactivity timer starting again; a call answered later holds the
 * application until then. Not "g-authorize-method": a handler of that
 * makes GDBus authorize in a thread, and GApplication's use count is not
 * thread-safe (an activated instance quit between two calls). */
static gboolean
touch_app_cb (TaskerAppService *self)
{
  g_application_hold (self->app);
  g_application_release (self->app);
  return FALSE;
}

/* ------------------------------------------------------------------ */

static void
tasker_app_service_dispose (GObject *object)
{
  TaskerAppService *self = (TaskerAppService *) object;

  tasker_app_service_unexport (self);
  g_clear_handle_id (&self->more_changes_id, g_source_remove);
  g_clear_object (&self->log_followers);
  g_clear_object (&self->external);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->manager);
  g_clear_object (&self->live);
  g_clear_object (&self->skeleton);
  g_clear_object (&self->changes);
  g_queue_clear_full (&self->kept, g_object_unref);

  G_OBJECT_CLASS (tasker_app_service_parent_class)->dispose (object);
}

static void
tasker_app_service_class_init (TaskerAppServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tasker_app_service_dispose;
}

static void
tasker_app_service_init (TaskerAppService *self)
{
  self->changes = tasker_app_task_changes_new ();
  g_queue_init (&self->kept);
  self->external = tasker_app_external_new ();

  self->skeleton = tasker_dbus_tasker1_skeleton_new ();
#define CONNECT(signal, handler) \
  g_signal_connect_object (self->skeleton, signal, G_CALLBACK (touch_app_cb), self, G_CONNECT_SWAPPED); \
  g_signal_connect_object (self->skeleton, signal, G_CALLBACK (handler), self, G_CONNECT_SWAPPED)
  CONNECT ("handle-add-command", handle_add_command);
  CONNECT ("handle-add-schedule", handle_add_schedule);
  CONNECT ("handle-list-schedules", handle_list_schedules);
  CONNECT ("handle-list-tasks", handle_list_tasks);
  CONNECT ("handle-get-task", handle_get_task);
  CONNECT ("handle-get-log", handle_get_log);
  CONNECT ("handle-follow-log", handle_follow_log);
  CONNECT ("handle-unfollow-log", handle_unfollow_log);
  CONNECT ("handle-cancel", handle_cancel);
  CONNECT ("handle-cancel-key", handle_cancel_key);
  CONNECT ("handle-retry", handle_retry);
  CONNECT ("handle-create-task", handle_create_task);
  CONNECT ("handle-update-tasks", handle_update_tasks);
#undef CONNECT
}

TaskerAppService *
tasker_app_service_new (GApplication *app)
{
  TaskerAppService *self;

  g_return_val_if_fail (TASKER_APP_IS_APPLICATION (app), NULL);

  self = g_object_new (TASKER_APP_TYPE_SERVICE, NULL);
  self->app = app;
  return self;
}

/**
 * tasker_app_service_export:
 *
 * Exports the interface at %TASKER_DBUS_OBJECT_PATH on @connection, and
 * starts watching for followers that leave the bus.
 *
 * Returns: whether it is exported; %FALSE with @error set
 */
gboolean
tasker_app_service_export (TaskerAppService  *self,
                           GDBusConnection   *connection,
                           GError           **error)
{
  g_return_val_if_fail (TASKER_APP_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (self->connection == NULL, FALSE);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection,
                                         TASKER_DBUS_OBJECT_PATH, error))
    return FALSE;
  if (!tasker_app_external_export (self->external, connection, error))
    {
      g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
      return FALSE;
    }

  self->connection = g_object_ref (connection);
  self->name_owner_id = g_dbus_connection_signal_subscribe (connection, "org.freedesktop.DBus",
                                                            "org.freedesktop.DBus", "NameOwnerChanged",
                                                            "/org/freedesktop/DBus", NULL,
                                                            G_DBUS_SIGNAL_FLAGS_NONE,
                                                            name_owner_changed_cb, self, NULL);
  return TRUE;
}

/* Safe to call when it is not exported. */
void
tasker_app_service_unexport (TaskerAppService *self)
{
  g_return_if_fail (TASKER_APP_IS_SERVICE (self));

  if (self->connection == NULL)
    return;

  g_dbus_connection_signal_unsubscribe (self->connection, self->name_owner_id);
  self->name_owner_id = 0;
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  tasker_app_external_unexport (self->external);
  g_clear_object (&self->connection);
  if (self->log_followers != NULL)
    tasker_app_log_followers_clear (self->log_followers);
}

/**
 * tasker_app_service_start:
 *
 * Follows @manager's tasks for the signals; called once the application
 * has started.
 */
void
tasker_app_service_start (TaskerAppService *self,
                          TaskerManager    *manager)
{
  g_return_if_fail (TASKER_APP_IS_SERVICE (self));
  g_return_if_fail (TASKER_IS_MANAGER (manager));
  g_return_if_fail (self->manager == NULL);

  self->manager = g_object_ref (manager);
  self->live = tasker_manager_list_tasks (manager);
  self->log_followers = tasker_app_log_followers_new (tasker_manager_get_update_interval (manager),
                                                      send_log_lines_cb, self);
  g_signal_connect_object (manager, "tasks-updated", G_CALLBACK (tasks_updated_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "task-finished", G_CALLBACK (task_finished_cb), self, G_CONNECT_SWAPPED);
  tasker_app_external_start (self->external, manager);
}

/* Other programs' tasks, for tests (their limit per owner). */
TaskerAppExternal *
tasker_app_service_get_external (TaskerAppService *self)
{
  g_return_val_if_fail (TASKER_APP_IS_SERVICE (self), NULL);

  return self->external;
}

/* For tests: how many (client, task) pairs follow a log. */
guint
tasker_app_service_get_n_followers (TaskerAppService *self)
{
  g_return_val_if_fail (TASKER_APP_IS_SERVICE (self), 0);

  if (self->log_followers == NULL)
    return 0;
  return tasker_app_log_followers_get_n_followers (self->log_followers);
}
