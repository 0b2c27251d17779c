/* tasker-app-service.c: the io.github.tasker.Tasker1 D-Bus interface of the application
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tasker-app-application.h"
#include "tasker-app-service.h"
#include "tasker-dbus-error.h"
#include "tasker-dbus-generated.h"

/* TaskerAppService: the application's control surface for scripts and
 * taskerctl (DESIGN.md §8, data/io.github.tasker.Tasker1.xml). It exports a
 * TaskerDBusTasker1Skeleton at TASKER_DBUS_OBJECT_PATH from the
 * application's dbus_register, before the bus name is owned, so a call that
 * starts the application by D-Bus activation finds it; the manager's signals
 * are hooked once the application has started (tasker_app_service_start()).
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
 * Every call holds the application (g-authorize-method, and until its
 * answer when that waits for the history), which restarts the inactivity
 * timer of an instance started by activation. Main thread only. */

/* Ended tasks kept for lookups and Retry's re-arming; older ones are read
 * from the history. */
#define ENDED_KEPT 64
/* ListTasks' default number of history records. */
#define HISTORY_LIMIT 100

struct _TaskerAppService
{
  GObject            parent_instance;

  GApplication      *app;          /* (unowned) it owns this */
  TaskerDBusTasker1 *skeleton;     /* (owned) */
  GDBusConnection   *connection;   /* (owned) (nullable) while exported */
  guint              name_owner_id;  /* NameOwnerChanged subscription, or 0 */
  TaskerManager     *manager;      /* (owned) (nullable) from start on */
  GListModel        *live;         /* (owned) (nullable) the manager's unfinished tasks */
  GHashTable        *sent;         /* (owned) TaskerTask (owned) → Sent (owned): as TasksChanged last told */
  GPtrArray         *ended;        /* (owned) TaskerTask (owned) ended since the last TasksChanged */
  GQueue             kept;         /* (element-type TaskerTask) (owned) ended lately, oldest first */
  GHashTable        *follows;      /* (owned) TaskerTask (owned) → GPtrArray (owned) of Follower */
  guint              follow_timer_id;
};

/* What a TasksChanged said of a task. */
typedef struct
{
  TaskerTaskStatus status;
  double           progress;
  char            *message;        /* (owned) (nullable) */
} Sent;

typedef struct
{
  char    *name;                   /* (owned) the follower's unique bus name */
  guint64  position;               /* the next log line it has not been sent */
} Follower;

G_DEFINE_FINAL_TYPE (TaskerAppService, tasker_app_service, G_TYPE_OBJECT)

static void
sent_free (Sent *sent)
{
  g_free (sent->message);
  g_free (sent);
}

static void
follower_free (Follower *follower)
{
  g_free (follower->name);
  g_free (follower);
}

/* ------------------------------------------------------------------ */
/* Task dicts (the keys of the XML's header comment) */

static const char *
enum_nick (GType type,
           int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value (klass, value);

  return enum_value != NULL ? enum_value->value_nick : "";
}

static void
add_string (GVariantBuilder *builder,
            const char      *key,
            const char      *value)
{
  if (value != NULL)
    g_variant_builder_add (builder, "{sv}", key, g_variant_new_string (value));
}

static void
add_time (GVariantBuilder *builder,
          const char      *key,
          gint64           value)
{
  if (value != 0)
    g_variant_builder_add (builder, "{sv}", key, g_variant_new_int64 (value));
}

static void
add_trace_id (GVariantBuilder *builder,
              guint64          trace_id)
{
  g_autofree char *text = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", trace_id);

  g_variant_builder_add (builder, "{sv}", "trace-id", g_variant_new_string (text));
}

/* Without information (a command that prints none), a task's progress is
 * -1 until it ends. */
static double
progress_value (TaskerTaskStatus status,
                double           progress)
{
  return progress > 0.0 || status == TASKER_TASK_STATUS_COMPLETED ? progress : -1.0;
}

static GVariant *
task_to_variant (TaskerTask *task)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  TaskerTaskStatus status = tasker_task_get_status (task);
  const GError *error = tasker_task_get_error (task);
  TaskerTask *parent = tasker_task_get_parent (task);
  int exit_status = tasker_task_get_exit_status (task);

  g_variant_builder_add (&builder, "{sv}", "id", g_variant_new_uint64 (tasker_task_get_id (task)));
  add_string (&builder, "name", tasker_task_get_name (task));
  add_string (&builder, "kind", enum_nick (TASKER_TYPE_TASK_KIND, tasker_task_get_kind (task)));
  add_string (&builder, "status", enum_nick (TASKER_TYPE_TASK_STATUS, status));
  g_variant_builder_add (&builder, "{sv}", "progress",
                         g_variant_new_double (progress_value (status, tasker_task_get_progress (task))));
  add_string (&builder, "message", tasker_task_get_message (task));
  add_string (&builder, "queue", tasker_task_get_description (task, "queue"));
  add_time (&builder, "created", tasker_task_get_created_time (task));
  add_time (&builder, "started", tasker_task_get_started_time (task));
  add_time (&builder, "finished", tasker_task_get_finished_time (task));
  if (error != NULL)
    add_string (&builder, "error", error->message);
  if (exit_status >= 0)
    g_variant_builder_add (&builder, "{sv}", "exit-status", g_variant_new_int32 (exit_status));
  add_trace_id (&builder, tasker_task_get_trace_id (task));
  if (parent != NULL)
    g_variant_builder_add (&builder, "{sv}", "parent", g_variant_new_uint64 (tasker_task_get_id (parent)));
  add_string (&builder, "key", tasker_task_get_key (task));
  add_string (&builder, "command", tasker_task_get_description (task, "command"));
  add_string (&builder, "cwd", tasker_task_get_description (task, "cwd"));
  g_variant_builder_add (&builder, "{sv}", "attempt", g_variant_new_uint32 (tasker_task_get_attempt (task)));
  add_string (&builder, "schedule", tasker_task_get_description (task, "schedule"));
  g_variant_builder_add (&builder, "{sv}", "live", g_variant_new_boolean (TRUE));

  return g_variant_builder_end (&builder);
}

static GVariant *
record_to_variant (TaskerHistoryRecord *record)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  TaskerTaskStatus status = tasker_history_record_get_status (record);
  const char *exit_status = tasker_history_record_get_description (record, "exit-status");
  guint64 parent_id = tasker_history_record_get_parent_id (record);
  gint64 value;

  g_variant_builder_add (&builder, "{sv}", "id",
                         g_variant_new_uint64 (tasker_history_record_get_task_id (record)));
  add_string (&builder, "name", tasker_history_record_get_name (record));
  add_string (&builder, "kind", enum_nick (TASKER_TYPE_TASK_KIND, tasker_history_record_get_kind (record)));
  add_string (&builder, "status", enum_nick (TASKER_TYPE_TASK_STATUS, status));
  g_variant_builder_add (&builder, "{sv}", "progress",
                         g_variant_new_double (progress_value (status,
                                                               tasker_history_record_get_progress (record))));
  add_string (&builder, "message", tasker_history_record_get_message (record));
  add_string (&builder, "queue", tasker_history_record_get_description (record, "queue"));
  add_time (&builder, "created", tasker_history_record_get_created_time (record));
  add_time (&builder, "started", tasker_history_record_get_started_time (record));
  add_time (&builder, "finished", tasker_history_record_get_finished_time (record));
  add_string (&builder, "error", tasker_history_record_get_error_message (record));
  if (exit_status != NULL && g_ascii_string_to_signed (exit_status, 10, 0, G_MAXINT32, &value, NULL))
    g_variant_builder_add (&builder, "{sv}", "exit-status", g_variant_new_int32 ((gint32) value));
  add_trace_id (&builder, tasker_history_record_get_trace_id (record));
  if (parent_id != 0)
    g_variant_builder_add (&builder, "{sv}", "parent", g_variant_new_uint64 (parent_id));
  add_string (&builder, "key", tasker_history_record_get_key (record));
  add_string (&builder, "command", tasker_history_record_get_description (record, "command"));
  add_string (&builder, "cwd", tasker_history_record_get_description (record, "cwd"));
  g_variant_builder_add (&builder, "{sv}", "attempt",
                         g_variant_new_uint32 (tasker_history_record_get_attempts (record)));
  add_string (&builder, "schedule", tasker_history_record_get_description (record, "schedule"));
  g_variant_builder_add (&builder, "{sv}", "live", g_variant_new_boolean (FALSE));

  return g_variant_builder_end (&builder);
}

/* ------------------------------------------------------------------ */
/* Errors and arguments */

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
static void
return_task_error (GDBusMethodInvocation *invocation,
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
  return_task_error (invocation, TASKER_DBUS_ERROR_NO_SUCH_TASK, _("no task %s"), id);
}

/* A library or application error as the interface's: its message stays. */
static void
return_gerror (GDBusMethodInvocation *invocation,
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

typedef struct
{
  const char *name;
  const char *type;
} OptionSpec;

/* Every key of @options (an a{sv}) is one of @specs, with its type. */
static gboolean
check_options (GVariant          *options,
               const OptionSpec  *specs,
               guint              n_specs,
               GError           **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;
      guint i;

      for (i = 0; i < n_specs; i++)
        if (strcmp (specs[i].name, key) == 0)
          break;
      if (i == n_specs)
        {
          g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                       _("unknown option “%s”"), key);
          return FALSE;
        }
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE (specs[i].type)))
        {
          g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                       _("option “%s” must be of type %s, not %s"),
                       key, specs[i].type, g_variant_get_type_string (value));
          return FALSE;
        }
    }

  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Finding tasks */

static TaskerAppApplication *
get_app (TaskerAppService *self)
{
  return TASKER_APP_APPLICATION (self->app);
}

/* A live (unfinished) task, or one that ended lately; transfer none. */
static TaskerTask *
find_task (TaskerAppService *self,
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
    return_gerror (lookup->invocation, error);
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

/* The lines of @task's log from @position on, with a marker first for
 * those the log dropped before they could be read; @position moves on. */
static char **
read_log (TaskerTask *task,
          guint64    *position)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) lines = NULL;
  guint64 next = 0, n_dropped = 0;

  lines = tasker_task_dup_log_since (task, *position, &next, &n_dropped);
  if (n_dropped > *position)
    {
      g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, n_dropped - *position);
      g_autofree char *marker = g_strdup_printf (_("[%s lines dropped]"), count);

      g_strv_builder_add (builder, marker);
    }
  g_strv_builder_addv (builder, (const char **) lines);
  *position = next;

  return g_strv_builder_end (builder);
}

static void
send_log_lines (TaskerAppService *self,
                TaskerTask       *task,
                Follower         *follower)
{
  g_auto(GStrv) lines = read_log (task, &follower->position);

  if (lines[0] == NULL || self->connection == NULL)
    return;
  g_dbus_connection_emit_signal (self->connection, follower->name, TASKER_DBUS_OBJECT_PATH,
                                 "io.github.tasker.Tasker1", "LogLines",
                                 g_variant_new ("(t^as)", tasker_task_get_id (task), lines), NULL);
}

static gboolean
follow_timer_cb (gpointer user_data)
{
  TaskerAppService *self = user_data;
  GHashTableIter iter;
  gpointer task, followers;

  g_hash_table_iter_init (&iter, self->follows);
  while (g_hash_table_iter_next (&iter, &task, &followers))
    for (guint i = 0; i < ((GPtrArray *) followers)->len; i++)
      send_log_lines (self, task, g_ptr_array_index ((GPtrArray *) followers, i));

  return G_SOURCE_CONTINUE;
}

static void
update_follow_timer (TaskerAppService *self)
{
  if (g_hash_table_size (self->follows) == 0)
    g_clear_handle_id (&self->follow_timer_id, g_source_remove);
  else if (self->follow_timer_id == 0 && self->manager != NULL)
    self->follow_timer_id = g_timeout_add (tasker_manager_get_update_interval (self->manager),
                                           follow_timer_cb, self);
}

static guint
find_follower (GPtrArray  *followers,
               const char *name)
{
  for (guint i = 0; followers != NULL && i < followers->len; i++)
    if (strcmp (((Follower *) g_ptr_array_index (followers, i))->name, name) == 0)
      return i;
  return G_MAXUINT;
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
  GHashTableIter iter;
  gpointer followers;

  g_variant_get (parameters, "(&s&s&s)", &name, NULL, &new_owner);
  if (*new_owner != '\0')
    return;

  g_hash_table_iter_init (&iter, self->follows);
  while (g_hash_table_iter_next (&iter, NULL, &followers))
    {
      guint i = find_follower (followers, name);

      if (i != G_MAXUINT)
        g_ptr_array_remove_index_fast (followers, i);
      if (((GPtrArray *) followers)->len == 0)
        g_hash_table_iter_remove (&iter);
    }
  update_follow_timer (self);
}

/* ------------------------------------------------------------------ */
/* The manager's signals */

static gboolean
sent_differs (Sent       *sent,
              TaskerTask *task)
{
  return sent == NULL
         || sent->status != tasker_task_get_status (task)
         || sent->progress != tasker_task_get_progress (task)
         || g_strcmp0 (sent->message, tasker_task_get_message (task)) != 0;
}

static void
remember_sent (TaskerAppService *self,
               TaskerTask       *task)
{
  Sent *sent = g_new0 (Sent, 1);

  sent->status = tasker_task_get_status (task);
  sent->progress = tasker_task_get_progress (task);
  sent->message = g_strdup (tasker_task_get_message (task));
  g_hash_table_replace (self->sent, g_object_ref (task), sent);
}

/* At most once per update interval (the manager coalesces): the tasks
 * whose status, progress or message changed, and those that ended. */
static void
tasks_updated_cb (TaskerAppService *self,
                  GListModel       *tasks,
                  double            progress)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  guint n_changed = 0;

  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (tasks, i);

      if (!sent_differs (g_hash_table_lookup (self->sent, task), task))
        continue;
      remember_sent (self, task);
      g_variant_builder_add_value (&builder, task_to_variant (task));
      n_changed++;
    }
  for (guint i = 0; i < self->ended->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (self->ended, i);

      g_hash_table_remove (self->sent, task);
      g_variant_builder_add_value (&builder, task_to_variant (task));
      n_changed++;
    }
  g_ptr_array_set_size (self->ended, 0);

  if (n_changed > 0)
    tasker_dbus_tasker1_emit_tasks_changed (self->skeleton, g_variant_builder_end (&builder));
}

/* Its followers get its last lines, then everyone its end. */
static void
task_finished_cb (TaskerAppService *self,
                  TaskerTask       *task)
{
  GPtrArray *followers = g_hash_table_lookup (self->follows, task);
  const GError *error = tasker_task_get_error (task);

  for (guint i = 0; followers != NULL && i < followers->len; i++)
    send_log_lines (self, task, g_ptr_array_index (followers, i));
  g_hash_table_remove (self->follows, task);
  update_follow_timer (self);

  g_ptr_array_add (self->ended, g_object_ref (task));
  g_queue_push_tail (&self->kept, g_object_ref (task));
  while (self->kept.length > ENDED_KEPT)
    g_object_unref (g_queue_pop_head (&self->kept));

  tasker_dbus_tasker1_emit_task_finished (self->skeleton, tasker_task_get_id (task),
                                          enum_nick (TASKER_TYPE_TASK_STATUS, tasker_task_get_status (task)),
                                          error != NULL ? error->message : "");
}

/* ------------------------------------------------------------------ */
/* Commands */

static const OptionSpec command_options[] = {
  { "name", "s" },
  { "queue", "s" },
  { "timeout", "u" },
  { "retries", "u" },
  { "shell", "b" },
  { "key", "s" },
  { "after", "at" },
  { "after-any-outcome", "b" },
  { "start-at", "x" },
  { "start-delay", "u" },
  { "schedule", "s" },
};

static const OptionSpec schedule_options[] = {
  { "name", "s" },
  { "queue", "s" },
  { "timeout", "u" },
  { "retries", "u" },
  { "shell", "b" },
  { "key", "s" },
  { "overlap", "s" },
  { "catch-up", "b" },
};

static gboolean
check_queue (TaskerAppService  *self,
             const char        *queue,
             GError           **error)
{
  g_auto(GStrv) names = tasker_app_application_dup_queue_names (get_app (self));

  if (g_strv_contains ((const char * const *) names, queue))
    return TRUE;
  g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
               _("unknown queue “%s”"), queue);
  return FALSE;
}

/* The command of an AddCommand or AddSchedule call, checked as far as it
 * can be before it runs: a command that would fail at once is refused. */
static TaskerAppCommand *
command_from_call (TaskerAppService       *self,
                   GDBusMethodInvocation  *invocation,
                   const char * const     *argv,
                   const char * const     *env,
                   GVariant               *options,
                   GError                **error)
{
  g_autoptr(GVariant) cwd_bytes = NULL;
  g_autofree char *cwd = NULL;
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autoptr(GVariantDict) dict = g_variant_dict_new (options);
  gboolean shell = FALSE;
  const char *value;
  guint number;
  gsize n_bytes;
  const char *bytes;

  /* The directory as bytes, with or without its trailing NUL. */
  cwd_bytes = g_variant_get_child_value (g_dbus_method_invocation_get_parameters (invocation), 1);
  bytes = g_variant_get_fixed_array (cwd_bytes, &n_bytes, 1);
  if (n_bytes > 0 && bytes[n_bytes - 1] == '\0')
    n_bytes--;
  if (n_bytes > 0)
    {
      if (memchr (bytes, '\0', n_bytes) != NULL)
        {
          g_set_error_literal (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                               _("the working directory holds a NUL byte"));
          return NULL;
        }
      cwd = g_strndup (bytes, n_bytes);
    }

  for (guint i = 0; env[i] != NULL; i++)
    {
      const char *equals = strchr (env[i], '=');

      if (equals == NULL || equals == env[i])
        {
          g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                       _("environment entry “%s” is not NAME=VALUE"), env[i]);
          return NULL;
        }
    }

  g_variant_dict_lookup (dict, "shell", "b", &shell);
  if (argv[0] == NULL)
    {
      g_set_error_literal (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                           _("no command given"));
      return NULL;
    }
  if (shell)
    {
      g_autofree char *line = g_strjoinv (" ", (char **) argv);

      command = tasker_app_command_new_shell (line, error);
      if (command == NULL)
        return NULL;
    }
  else
    command = tasker_app_command_new (argv);

  if (!tasker_app_command_check_runnable (tasker_app_command_get_argv (command), cwd,
                                          env[0] != NULL ? env : NULL, error))
    return NULL;
  tasker_app_command_set_cwd (command, cwd);
  tasker_app_command_set_environ (command, env[0] != NULL ? env : NULL);

  if (g_variant_dict_lookup (dict, "queue", "&s", &value))
    {
      if (!check_queue (self, value, error))
        return NULL;
      tasker_app_command_set_queue (command, value);
    }
  else
    {
      /* The first of Preferences' queues, as in New Task: a script adding
       * ten commands gets that queue's parallelism, not ten at once. */
      g_auto(GStrv) names = tasker_app_application_dup_queue_names (get_app (self));

      tasker_app_command_set_queue (command, names[0]);
    }
  if (g_variant_dict_lookup (dict, "name", "&s", &value))
    tasker_app_command_set_name (command, value);
  if (g_variant_dict_lookup (dict, "key", "&s", &value))
    {
      if (*value == '\0')
        {
          g_set_error_literal (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                               _("option “key” must not be empty"));
          return NULL;
        }
      tasker_app_command_set_key (command, value);
    }
  if (g_variant_dict_lookup (dict, "timeout", "u", &number))
    tasker_app_command_set_timeout (command, number);
  if (g_variant_dict_lookup (dict, "retries", "u", &number))
    tasker_app_command_set_retries (command, number);

  return g_steal_pointer (&command);
}

/* after, after-any-outcome, start-at and start-delay of AddCommand. */
static gboolean
set_command_start (TaskerAppService  *self,
                   TaskerAppCommand  *command,
                   GVariantDict      *dict,
                   GError           **error)
{
  g_autoptr(GVariant) after = g_variant_dict_lookup_value (dict, "after", G_VARIANT_TYPE ("at"));
  gboolean any_outcome = FALSE, has_start_at, has_delay;
  gint64 start_at = 0;
  guint delay_s = 0;

  has_start_at = g_variant_dict_lookup (dict, "start-at", "x", &start_at);
  has_delay = g_variant_dict_lookup (dict, "start-delay", "u", &delay_s);
  if (has_start_at && has_delay)
    {
      g_set_error_literal (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                           _("options “start-at” and “start-delay” cannot be given together"));
      return FALSE;
    }
  if (has_start_at && start_at <= 0)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, start_at);

      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                   _("option “start-at” must be a time after 1970, not %s"), text);
      return FALSE;
    }
  if (delay_s > G_MAXUINT / 1000)
    {
      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                   _("option “start-delay” is too long: %u s"), delay_s);
      return FALSE;
    }
  tasker_app_command_set_start (command, start_at, delay_s * 1000);

  for (gsize i = 0; after != NULL && i < g_variant_n_children (after); i++)
    {
      guint64 id;
      TaskerTask *task;

      g_variant_get_child (after, i, "t", &id);
      task = find_task (self, id);
      if (task == NULL)
        {
          g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);

          g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                       _("option “after”: no task %s"), text);
          return FALSE;
        }
      tasker_app_command_add_after (command, task);
    }
  g_variant_dict_lookup (dict, "after-any-outcome", "b", &any_outcome);
  tasker_app_command_set_after_any_outcome (command, any_outcome);

  return TRUE;
}

/* The schedule of an AddCommand with "schedule", or of an AddSchedule. */
static TaskerSchedule *
add_schedule (TaskerAppService  *self,
              const char        *spec,
              TaskerAppCommand  *command,
              GVariantDict      *dict,
              GError           **error)
{
  TaskerAppSchedules *schedules = tasker_app_application_get_schedules (get_app (self));
  TaskerOverlapPolicy overlap = TASKER_OVERLAP_SKIP;
  gboolean catch_up = TRUE;
  const char *value;
  g_autoptr(GError) local_error = NULL;
  TaskerSchedule *schedule;

  if (g_variant_dict_lookup (dict, "overlap", "&s", &value))
    {
      if (strcmp (value, "skip") == 0)
        overlap = TASKER_OVERLAP_SKIP;
      else if (strcmp (value, "queue") == 0)
        overlap = TASKER_OVERLAP_QUEUE_ONE;
      else if (strcmp (value, "replace") == 0)
        overlap = TASKER_OVERLAP_REPLACE;
      else
        {
          g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                       _("option “overlap” must be skip, queue or replace, not “%s”"), value);
          return NULL;
        }
    }
  g_variant_dict_lookup (dict, "catch-up", "b", &catch_up);

  if (schedules == NULL)
    {
      g_set_error_literal (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_SHUTTING_DOWN,
                           _("Tasker is shutting down"));
      return NULL;
    }
  schedule = tasker_app_schedules_add (schedules, spec, command, &local_error);
  if (schedule == NULL)
    {
      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                   _("invalid schedule “%s”: %s"), spec, local_error->message);
      return NULL;
    }
  tasker_schedule_set_overlap_policy (schedule, overlap);
  tasker_schedule_set_catch_up_policy (schedule, catch_up ? TASKER_CATCH_UP_ONE_RUN : TASKER_CATCH_UP_SKIP);

  return schedule;
}

static gboolean
handle_add_command (TaskerAppService      *self,
                    GDBusMethodInvocation *invocation,
                    const char * const    *argv,
                    const char            *cwd_unused,
                    const char * const    *env,
                    GVariant              *options)
{
  g_autoptr(GVariantDict) dict = g_variant_dict_new (options);
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;
  const char *spec = NULL;

  if (!check_options (options, command_options, G_N_ELEMENTS (command_options), &error) ||
      !(command = command_from_call (self, invocation, argv, env, options, &error)))
    goto out;

  if (g_variant_dict_lookup (dict, "schedule", "&s", &spec))
    {
      static const char *not_with_schedule[] = { "after", "after-any-outcome", "start-at", "start-delay" };

      for (guint i = 0; i < G_N_ELEMENTS (not_with_schedule); i++)
        if (g_variant_dict_contains (dict, not_with_schedule[i]))
          {
            g_set_error (&error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                         _("option “%s” cannot be given with “schedule”"), not_with_schedule[i]);
            goto out;
          }
      if (add_schedule (self, spec, command, dict, &error) != NULL)
        tasker_dbus_tasker1_complete_add_command (self->skeleton, invocation, 0);
      goto out;
    }

  if (!set_command_start (self, command, dict, &error))
    goto out;
  task = tasker_app_application_run_command (get_app (self), command, &error);
  if (task != NULL)
    tasker_dbus_tasker1_complete_add_command (self->skeleton, invocation, tasker_task_get_id (task));

out:
  if (error != NULL)
    return_gerror (invocation, error);
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
  g_autoptr(GVariantDict) dict = g_variant_dict_new (options);
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  TaskerSchedule *schedule;

  if (check_options (options, schedule_options, G_N_ELEMENTS (schedule_options), &error) &&
      (command = command_from_call (self, invocation, argv, env, options, &error)) &&
      (schedule = add_schedule (self, spec, command, dict, &error)))
    tasker_dbus_tasker1_complete_add_schedule (self->skeleton, invocation, tasker_schedule_get_id (schedule));

  if (error != NULL)
    return_gerror (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_schedules (TaskerAppService      *self,
                       GDBusMethodInvocation *invocation)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  TaskerAppSchedules *schedules = tasker_app_application_get_schedules (get_app (self));
  GListModel *model = schedules != NULL ? tasker_app_schedules_get_model (schedules) : NULL;
  guint n = model != NULL ? g_list_model_get_n_items (model) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TaskerSchedule) schedule = g_list_model_get_item (model, i);
      g_auto(GVariantBuilder) dict = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
      TaskerAppCommand *command = tasker_app_schedules_get_command (schedule);
      gboolean paused = tasker_schedule_get_paused (schedule);

      add_string (&dict, "id", tasker_schedule_get_id (schedule));
      add_string (&dict, "spec", tasker_schedule_get_spec (schedule));
      if (command != NULL)
        add_string (&dict, "command", tasker_app_command_get_command_line (command));
      g_variant_builder_add (&dict, "{sv}", "paused", g_variant_new_boolean (paused));
      if (!paused)
        add_time (&dict, "next-run", tasker_schedule_get_next_run (schedule));
      add_time (&dict, "last-run", tasker_schedule_get_last_run (schedule));
      add_string (&dict, "last-result", tasker_app_schedules_get_last_result (schedule));
      switch (tasker_schedule_get_overlap_policy (schedule))
        {
        case TASKER_OVERLAP_QUEUE_ONE:
          add_string (&dict, "overlap", "queue");
          break;
        case TASKER_OVERLAP_REPLACE:
          add_string (&dict, "overlap", "replace");
          break;
        case TASKER_OVERLAP_SKIP:
        default:
          add_string (&dict, "overlap", "skip");
          break;
        }
      g_variant_builder_add (&dict, "{sv}", "catch-up",
                             g_variant_new_boolean (tasker_schedule_get_catch_up_policy (schedule)
                                                    == TASKER_CATCH_UP_ONE_RUN));
      g_variant_builder_add_value (&builder, g_variant_builder_end (&dict));
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
} ListCall;

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
      return_gerror (call->invocation, error);
    }
  else
    {
      for (guint i = 0; i < g_list_model_get_n_items (records); i++)
        {
          g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (records, i);

          g_variant_builder_add_value (&call->builder, record_to_variant (record));
        }
      tasker_dbus_tasker1_complete_list_tasks (call->self->skeleton, call->invocation,
                                               g_variant_builder_end (&call->builder));
    }

  g_application_release (call->self->app);
  g_object_unref (call->invocation);
  g_object_unref (call->self);
  g_free (call);
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
  static const OptionSpec filter_keys[] = {
    { "history", "b" },
    { "limit", "u" },
    { "search", "s" },
    { "status", "s" },
  };
  g_autoptr(GVariantDict) dict = g_variant_dict_new (filter);
  g_autoptr(GError) error = NULL;
  g_autofree char *folded = NULL;
  gboolean history = FALSE;
  const char *search = NULL, *status_name = NULL;
  guint limit = HISTORY_LIMIT;
  int status = -1;
  ListCall *call;
  guint n;

  if (!check_options (filter, filter_keys, G_N_ELEMENTS (filter_keys), &error))
    {
      return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_variant_dict_lookup (dict, "history", "b", &history);
  g_variant_dict_lookup (dict, "limit", "u", &limit);
  g_variant_dict_lookup (dict, "search", "&s", &search);
  if (g_variant_dict_lookup (dict, "status", "&s", &status_name))
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (TASKER_TYPE_TASK_STATUS);
      GEnumValue *value = g_enum_get_value_by_nick (klass, status_name);

      if (value == NULL)
        {
          return_error (invocation, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                        _("unknown status “%s”: pending, running, completed, failed or cancelled"),
                        status_name);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
      status = value->value;
    }
  if (search != NULL && *search != '\0')
    folded = g_utf8_casefold (search, -1);

  call = g_new0 (ListCall, 1);
  call->self = g_object_ref (self);
  call->invocation = g_object_ref (invocation);
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
      g_variant_builder_add_value (&call->builder, task_to_variant (task));
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
  g_object_unref (call->invocation);
  g_object_unref (call->self);
  g_free (call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
get_task_record (TaskerAppService      *self,
                 GDBusMethodInvocation *invocation,
                 TaskerHistoryRecord   *record,
                 gpointer               data)
{
  tasker_dbus_tasker1_complete_get_task (self->skeleton, invocation, record_to_variant (record));
}

static gboolean
handle_get_task (TaskerAppService      *self,
                 GDBusMethodInvocation *invocation,
                 guint64                id)
{
  TaskerTask *task;

  task = find_task (self, id);
  if (task != NULL)
    tasker_dbus_tasker1_complete_get_task (self->skeleton, invocation, task_to_variant (task));
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

  task = find_task (self, id);
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
  GPtrArray *followers;
  Follower *follower;
  g_auto(GStrv) lines = NULL;

  task = find_task (self, id);
  if (task == NULL)
    {
      /* A finished task's log, from the history: no signals follow. */
      lookup_record (self, invocation, id, get_log_record, GUINT_TO_POINTER (0));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (tasker_task_is_final (task) || sender == NULL)
    {
      lines = tasker_task_dup_log (task);
      tasker_dbus_tasker1_complete_follow_log (self->skeleton, invocation, (const char * const *) lines);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  /* A second FollowLog from the same client starts it over. */
  followers = g_hash_table_lookup (self->follows, task);
  if (followers == NULL)
    {
      followers = g_ptr_array_new_with_free_func ((GDestroyNotify) follower_free);
      g_hash_table_insert (self->follows, g_object_ref (task), followers);
    }
  if (find_follower (followers, sender) != G_MAXUINT)
    follower = g_ptr_array_index (followers, find_follower (followers, sender));
  else
    {
      follower = g_new0 (Follower, 1);
      follower->name = g_strdup (sender);
      g_ptr_array_add (followers, follower);
    }
  follower->position = 0;
  lines = read_log (task, &follower->position);
  update_follow_timer (self);
  tasker_dbus_tasker1_complete_follow_log (self->skeleton, invocation, (const char * const *) lines);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_unfollow_log (TaskerAppService      *self,
                     GDBusMethodInvocation *invocation,
                     guint64                id)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  TaskerTask *task = find_task (self, id);
  GPtrArray *followers = task != NULL ? g_hash_table_lookup (self->follows, task) : NULL;
  guint i = sender != NULL ? find_follower (followers, sender) : G_MAXUINT;

  if (task == NULL)
    return_no_such_task (invocation, id);
  else
    {
      /* Not following it is no error: it may have ended meanwhile. */
      if (i != G_MAXUINT)
        g_ptr_array_remove_index_fast (followers, i);
      if (followers != NULL && followers->len == 0)
        g_hash_table_remove (self->follows, task);
      update_follow_timer (self);
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
  TaskerTask *task = find_task (self, id);

  if (task == NULL)
    return_no_such_task (invocation, id);
  else if (tasker_task_is_final (task))
    return_task_error (invocation, TASKER_DBUS_ERROR_NO_SUCH_TASK, _("task %s has already ended"), id);
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

  task = tasker_app_application_run_command (get_app (self), command, &error);
  if (task == NULL)
    {
      return_gerror (invocation, error);
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
  TaskerTask *task = find_task (self, id);
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autoptr(GError) error = NULL;

  if (task == NULL)
    lookup_record (self, invocation, id, retry_record, NULL);
  else if (!tasker_task_is_final (task))
    return_task_error (invocation, TASKER_DBUS_ERROR_INVALID_ARGUMENT, _("task %s has not ended"), id);
  else if (!(command = tasker_app_command_new_from_task (task, &error)))
    return_error (invocation, TASKER_DBUS_ERROR_INVALID_ARGUMENT, "%s", error->message);
  else
    retry_command (self, invocation, command, task);
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
  g_clear_handle_id (&self->follow_timer_id, g_source_remove);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->manager);
  g_clear_object (&self->live);
  g_clear_object (&self->skeleton);
  if (self->sent != NULL)
    g_hash_table_remove_all (self->sent);
  if (self->follows != NULL)
    g_hash_table_remove_all (self->follows);
  if (self->ended != NULL)
    g_ptr_array_set_size (self->ended, 0);
  g_queue_clear_full (&self->kept, g_object_unref);

  G_OBJECT_CLASS (tasker_app_service_parent_class)->dispose (object);
}

static void
tasker_app_service_finalize (GObject *object)
{
  TaskerAppService *self = (TaskerAppService *) object;

  g_clear_pointer (&self->sent, g_hash_table_unref);
  g_clear_pointer (&self->follows, g_hash_table_unref);
  g_clear_pointer (&self->ended, g_ptr_array_unref);

  G_OBJECT_CLASS (tasker_app_service_parent_class)->finalize (object);
}

static void
tasker_app_service_class_init (TaskerAppServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tasker_app_service_dispose;
  object_class->finalize = tasker_app_service_finalize;
}

static void
tasker_app_service_init (TaskerAppService *self)
{
  self->sent = g_hash_table_new_full (NULL, NULL, g_object_unref, (GDestroyNotify) sent_free);
  self->follows = g_hash_table_new_full (NULL, NULL, g_object_unref, (GDestroyNotify) g_ptr_array_unref);
  self->ended = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->kept);

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
  g_clear_object (&self->connection);
  g_hash_table_remove_all (self->follows);
  update_follow_timer (self);
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
  g_signal_connect_object (manager, "tasks-updated", G_CALLBACK (tasks_updated_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "task-finished", G_CALLBACK (task_finished_cb), self, G_CONNECT_SWAPPED);
}

/* For tests: how many (client, task) pairs follow a log. */
guint
tasker_app_service_get_n_followers (TaskerAppService *self)
{
  GHashTableIter iter;
  gpointer followers;
  guint n = 0;

  g_return_val_if_fail (TASKER_APP_IS_SERVICE (self), 0);

  g_hash_table_iter_init (&iter, self->follows);
  while (g_hash_table_iter_next (&iter, NULL, &followers))
    n += ((GPtrArray *) followers)->len;
  return n;
}
