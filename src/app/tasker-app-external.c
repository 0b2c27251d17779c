/* tasker-app-external.c: other programs' tasks over D-Bus (CreateTask, UpdateTasks, io.github.tasker.Tasker1.Task)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "tasker-app-caller-pids.h"
#include "tasker-app-external.h"
#include "tasker-app-external-owner.h"
#include "tasker-app-proc.h"
#include "tasker-app-service-private.h"
#include "tasker-app-variant.h"
#include "tasker-dbus-error.h"
#include "tasker-dbus-generated.h"

/* TaskerAppExternal: the application's side of other programs' tasks
 * (DESIGN.md §9, data/io.github.tasker.Tasker1.xml). CreateTask makes a
 * task with tasker_manager_add_external() and drives its TaskerContext
 * with what the owner reports; the task's object is served at
 * TASKER_DBUS_TASK_PATH_PREFIX "ID".
 *
 * The objects are one subtree (g_dbus_connection_register_subtree), not a
 * skeleton per task: every path under the prefix reaches one dispatcher,
 * so a path that never was a task answers NoSuchTask and a task that has
 * ended answers TaskEnded (an unexported skeleton could only give
 * UnknownObject), no registration is made or undone per task, and a
 * thousand tasks of one owner cost no thousand objects. Introspection
 * lists the live tasks only: an ended task is no longer exported.
 *
 * Owners (tasker-app-external-owner.c): a connection, or a process given
 * with the "pid" option; one watch per owner, shared by its tasks. When it
 * goes away, its live tasks fail with "the program that reported this task
 * exited" (the library turns that into CANCELLED when a cancel was
 * requested). A connection's process, needed to let a process owner's
 * descendants report, is asked of the bus once per connection
 * (tasker-app-caller-pids.c).
 *
 * Cancel: the library fires the task's cancellable (in any thread); a
 * source attached to the main context then sets CancelRequested and emits
 * PropertiesChanged. Main thread only, apart from that hop. */

/* Ended tasks remembered for TaskEnded: older ones answer NoSuchTask. */
#define ENDED_KEPT 4096

#define TASK_INTERFACE "io.github.tasker.Tasker1.Task"
#define TASK_SUBTREE_PATH TASKER_DBUS_OBJECT_PATH "/task"

typedef struct
{
  guint64                 id;
  TaskerAppExternal      *self;            /* (unowned) it owns this */
  TaskerTask             *task;            /* (owned) */
  TaskerContext          *context;         /* (owned) */
  GCancellable           *cancellable;     /* (owned) the context's */
  gulong                  cancelled_id;    /* on @cancellable */
  TaskerAppExternalOwner *owner;           /* (owned) */
  char                   *creator;         /* (owned) the creating connection's unique name */
  gboolean                cancel_requested;
  gboolean                ended;           /* the owner ended it, or went away */
  TaskerTaskStatus        end_status;      /* what it ends as, once @ended */
} ExternalTask;

typedef struct
{
  guint64          id;
  TaskerTaskStatus status;
} EndedTask;

struct _TaskerAppExternal
{
  GObject          parent_instance;

  GMainContext    *main_context;   /* (owned) where cancels are hopped to */
  GDBusConnection *connection;     /* (owned) (nullable) while exported */
  guint            subtree_id;
  TaskerManager   *manager;        /* (owned) (nullable) from start on */
  GHashTable      *tasks;          /* (element-type guint64 ExternalTask) (owned) live ones */
  GHashTable      *ended;          /* (element-type guint64 EndedTask) (owned) */
  GQueue           ended_order;    /* (element-type EndedTask) (unowned) oldest first */
  GHashTable      *owners;         /* (element-type utf8 TaskerAppExternalOwner) (owned) */
  TaskerAppCallerPids *caller_pids; /* (owned) (nullable) while exported */
  guint            max_tasks_per_owner;
};

G_DEFINE_FINAL_TYPE (TaskerAppExternal, tasker_app_external, G_TYPE_OBJECT)

static void
external_task_free (ExternalTask *t)
{
  g_cancellable_disconnect (t->cancellable, t->cancelled_id);
  g_clear_object (&t->cancellable);
  g_clear_object (&t->context);
  g_clear_object (&t->task);
  g_clear_pointer (&t->owner, tasker_app_external_owner_unref);
  g_free (t->creator);
  g_free (t);
}

static char *
task_path (guint64 id)
{
  return g_strdup_printf (TASKER_DBUS_TASK_PATH_PREFIX "%" G_GUINT64_FORMAT, id);
}

/* The id of a task's path (or of its last element), or 0. */
static guint64
id_of_node (const char *node)
{
  guint64 id;

  if (node == NULL || !g_ascii_string_to_unsigned (node, 10, 1, G_MAXUINT64, &id, NULL))
    return 0;
  return id;
}

static guint64
id_of_path (const char *path)
{
  if (!g_str_has_prefix (path, TASKER_DBUS_TASK_PATH_PREFIX))
    return 0;
  return id_of_node (path + strlen (TASKER_DBUS_TASK_PATH_PREFIX));
}

/* ------------------------------------------------------------------ */
/* Errors */

static void
return_no_such_task (GDBusMethodInvocation *invocation,
                     guint64                id)
{
  /* Translators: a task's number */
  _tasker_app_service_return_task_error (invocation, TASKER_DBUS_ERROR_NO_SUCH_TASK, _("no task %s"), id);
}

static void
return_not_yours (GDBusMethodInvocation *invocation,
                  guint64                id)
{
  /* Translators: a task's number */
  _tasker_app_service_return_task_error (invocation, TASKER_DBUS_ERROR_ACCESS_DENIED,
                                         _("task %s belongs to another program"), id);
}

static void
return_ended (GDBusMethodInvocation *invocation,
              guint64                id,
              TaskerTaskStatus       status)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);

  /* Translators: a task's number, then its status name (completed, failed, cancelled) */
  g_dbus_method_invocation_return_error (invocation, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_TASK_ENDED,
                                         _("task %s has already ended (%s)"), text,
                                         tasker_app_variant_status_name (status));
}

/* Progress and totals that the library would refuse with a warning. */
static gboolean
check_progress (double    progress,
                GError  **error)
{
  if (isfinite (progress))
    return TRUE;
  g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
               _("progress must be a finite number, not %g"), progress);
  return FALSE;
}

static gboolean
check_total (double    total,
             GError  **error)
{
  if (isfinite (total) && total > 0.0)
    return TRUE;
  g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
               _("total must be a finite number more than 0, not %g"), total);
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Ending */

/* @t's owner ended it (@error_message NULL: success), or went away. */
static void
end_task (ExternalTask *t,
          const char   *error_message)
{
  g_assert (!t->ended);

  t->ended = TRUE;
  if (t->cancel_requested || tasker_context_is_cancelled (t->context))
    t->end_status = TASKER_TASK_STATUS_CANCELLED;
  else
    t->end_status = error_message == NULL ? TASKER_TASK_STATUS_COMPLETED : TASKER_TASK_STATUS_FAILED;

  if (tasker_task_is_final (t->task))
    return;  /* the grace ended it a moment ago */
  if (error_message == NULL)
    tasker_context_return_value (t->context, NULL);
  else
    tasker_context_return_new_error (t->context, TASKER_ERROR, TASKER_ERROR_FAILED, "%s", error_message);
}

static void
owner_gone_cb (TaskerAppExternalOwner *owner,
               gpointer                user_data)
{
  TaskerAppExternal *self = user_data;
  GHashTableIter iter;
  ExternalTask *t;

  g_debug ("The owner %s of external tasks went away", tasker_app_external_owner_get_key (owner));
  g_hash_table_iter_init (&iter, self->tasks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    if (t->owner == owner && !t->ended)
      end_task (t, _("the program that reported this task exited"));

  /* A new task of the same name or pid gets an owner of its own. */
  if (g_hash_table_lookup (self->owners, tasker_app_external_owner_get_key (owner)) == owner)
    g_hash_table_remove (self->owners, tasker_app_external_owner_get_key (owner));
}

static void
remember_ended (TaskerAppExternal *self,
                guint64            id,
                TaskerTaskStatus   status)
{
  EndedTask *e = g_new0 (EndedTask, 1);

  e->id = id;
  e->status = status;
  g_hash_table_replace (self->ended, &e->id, e);
  g_queue_push_tail (&self->ended_order, e);
  while (self->ended_order.length > ENDED_KEPT)
    {
      EndedTask *oldest = g_queue_pop_head (&self->ended_order);

      g_hash_table_remove (self->ended, &oldest->id);
    }
}

/* The manager's task-finished, on the main context: the object goes (a
 * call that comes after answers TaskEnded), and its owner is no longer
 * watched once it has no live task. */
static void
task_finished_cb (TaskerAppExternal *self,
                  TaskerTask        *task)
{
  guint64 id = tasker_task_get_id (task);
  ExternalTask *t = g_hash_table_lookup (self->tasks, &id);
  TaskerAppExternalOwner *owner;

  if (t == NULL)
    return;

  owner = t->owner;
  remember_ended (self, id, tasker_task_get_status (task));
  if (tasker_app_external_owner_remove_task (owner) == 0 &&
      g_hash_table_lookup (self->owners, tasker_app_external_owner_get_key (owner)) == owner)
    g_hash_table_remove (self->owners, tasker_app_external_owner_get_key (owner));
  g_hash_table_remove (self->tasks, &id);
}

/* ------------------------------------------------------------------ */
/* Cancel: from the library's cancellable to CancelRequested */

typedef struct
{
  TaskerAppExternal *self;  /* (owned) */
  guint64            id;
} CancelHop;

static void
cancel_hop_free (CancelHop *hop)
{
  g_object_unref (hop->self);
  g_free (hop);
}

static void
emit_cancel_requested (TaskerAppExternal *self,
                       guint64            id)
{
  g_autofree char *path = task_path (id);
  GVariantBuilder changed;
  const char *invalidated[] = { NULL };

  if (self->connection == NULL)
    return;
  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&changed, "{sv}", "CancelRequested", g_variant_new_boolean (TRUE));
  g_dbus_connection_emit_signal (self->connection, NULL, path, "org.freedesktop.DBus.Properties",
                                 "PropertiesChanged",
                                 g_variant_new ("(sa{sv}^as)", TASK_INTERFACE, &changed, invalidated),
                                 NULL);
}

static gboolean
cancel_requested_cb (gpointer user_data)
{
  CancelHop *hop = user_data;
  ExternalTask *t = g_hash_table_lookup (hop->self->tasks, &hop->id);

  if (t != NULL && !t->cancel_requested)
    {
      t->cancel_requested = TRUE;
      emit_cancel_requested (hop->self, hop->id);
    }
  return G_SOURCE_REMOVE;
}

/* Any thread (the one that cancelled). */
static void
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  ExternalTask *t = user_data;
  CancelHop *hop = g_new0 (CancelHop, 1);
  g_autoptr(GSource) source = g_idle_source_new ();

  /* @t lives until the handler is disconnected, which waits for this. */
  hop->self = g_object_ref (t->self);
  hop->id = t->id;
  g_source_set_callback (source, cancel_requested_cb, hop, (GDestroyNotify) cancel_hop_free);
  g_source_set_static_name (source, "[tasker] CancelRequested");
  g_source_attach (source, t->self->main_context);
}

/* ------------------------------------------------------------------ */
/* Who reports */

/* The checks need the sender's process when one of @ids (the live ones)
 * belongs to a process owner and the sender did not create it. */
static gboolean
needs_sender_pid (TaskerAppExternal *self,
                  const char        *sender,
                  const guint64     *ids,
                  guint              n_ids)
{
  for (guint i = 0; i < n_ids; i++)
    {
      ExternalTask *t = g_hash_table_lookup (self->tasks, &ids[i]);

      if (t != NULL && tasker_app_external_owner_needs_pid (t->owner, sender, t->creator))
        return TRUE;
    }
  return FALSE;
}

/* Calls @func for a report to tasks @ids, with the sender's process when
 * the checks need it; behind the calls of the same sender that wait for
 * it, so that its reports stay in order. */
static void
with_sender_pid_if_needed (TaskerAppExternal      *self,
                           GDBusMethodInvocation  *invocation,
                           const guint64          *ids,
                           guint                   n_ids,
                           TaskerAppCallerPidFunc  func)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);

  if (self->caller_pids != NULL &&
      (tasker_app_caller_pids_is_waiting (self->caller_pids, sender) ||
       needs_sender_pid (self, sender, ids, n_ids)))
    tasker_app_caller_pids_call (self->caller_pids, invocation, func, G_OBJECT (self));
  else
    func (G_OBJECT (self), invocation, 0);
}

/* Whether @invocation may report to task @id; else it is answered: NoSuchTask,
 * TaskEnded (also when its owner has ended it), or AccessDenied. */
static ExternalTask *
lookup_reportable (TaskerAppExternal     *self,
                   GDBusMethodInvocation *invocation,
                   guint64                id,
                   guint32                sender_pid)
{
  ExternalTask *t = g_hash_table_lookup (self->tasks, &id);
  EndedTask *e;

  if (t == NULL && (e = g_hash_table_lookup (self->ended, &id)) != NULL)
    return_ended (invocation, id, e->status);
  else if (t == NULL)
    return_no_such_task (invocation, id);
  else if (t->ended)
    return_ended (invocation, id, t->end_status);
  else if (!tasker_app_external_owner_accepts (t->owner, g_dbus_method_invocation_get_sender (invocation),
                                               t->creator, sender_pid))
    return_not_yours (invocation, id);
  else
    return t;
  return NULL;
}

/* ------------------------------------------------------------------ */
/* io.github.tasker.Tasker1.Task */

static void
task_method_resolved (GObject               *object,
                      GDBusMethodInvocation *invocation,
                      guint32                sender_pid)
{
  TaskerAppExternal *self = TASKER_APP_EXTERNAL (object);
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  GVariant *parameters = g_dbus_method_invocation_get_parameters (invocation);
  guint64 id = id_of_path (g_dbus_method_invocation_get_object_path (invocation));
  g_autoptr(GError) error = NULL;
  ExternalTask *t;

  if (id == 0)
    {
      g_dbus_method_invocation_return_error (invocation, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_NO_SUCH_TASK,
                                             _("no task at %s"),
                                             g_dbus_method_invocation_get_object_path (invocation));
      return;
    }
  if ((t = lookup_reportable (self, invocation, id, sender_pid)) == NULL)
    return;

  if (strcmp (method, "SetProgress") == 0 || strcmp (method, "SetTotal") == 0)
    {
      double value;

      g_variant_get (parameters, "(d)", &value);
      if (method[3] == 'P' ? !check_progress (value, &error) : !check_total (value, &error))
        {
          g_dbus_method_invocation_return_gerror (invocation, error);
          return;
        }
      if (method[3] == 'P')
        tasker_context_set_progress (t->context, value);
      else
        tasker_context_set_total (t->context, value);
    }
  else if (strcmp (method, "SetMessage") == 0 || strcmp (method, "Log") == 0)
    {
      const char *text;

      g_variant_get (parameters, "(&s)", &text);
      if (method[0] == 'S')
        tasker_context_set_message (t->context, text);
      else
        tasker_context_log (t->context, text);
    }
  else if (strcmp (method, "Complete") == 0)
    end_task (t, NULL);
  else if (strcmp (method, "Fail") == 0)
    {
      const char *message;

      g_variant_get (parameters, "(&s)", &message);
      end_task (t, *message != '\0' ? message : _("the program reported a failure"));
    }
  else if (strcmp (method, "ShouldExit") == 0)
    {
      gboolean should_exit = t->cancel_requested || tasker_context_is_cancelled (t->context);

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", should_exit));
      return;
    }
  else
    {
      /* GDBus checked the method against the interface's introspection data. */
      g_assert_not_reached ();
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
task_method_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *object_path,
                  const char            *interface_name,
                  const char            *method_name,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  TaskerAppExternal *self = user_data;
  guint64 id = id_of_path (object_path);

  with_sender_pid_if_needed (self, invocation, &id, 1, task_method_resolved);
}

/* Properties are no report: anyone may read them. */
static GVariant *
task_get_property (GDBusConnection  *connection,
                   const char       *sender,
                   const char       *object_path,
                   const char       *interface_name,
                   const char       *property_name,
                   GError          **error,
                   gpointer          user_data)
{
  TaskerAppExternal *self = user_data;
  guint64 id = id_of_path (object_path);
  ExternalTask *t = g_hash_table_lookup (self->tasks, &id);

  if (t == NULL)
    {
      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_NO_SUCH_TASK,
                   _("no task at %s"), object_path);
      return NULL;
    }
  if (strcmp (property_name, "Id") == 0)
    return g_variant_new_uint64 (id);
  return g_variant_new_boolean (t->cancel_requested);
}

static const GDBusInterfaceVTable task_vtable = {
  .method_call = task_method_call,
  .get_property = task_get_property,
};

/* The subtree: the live tasks are its enumerated nodes; calls to any node
 * reach task_vtable, which answers for ended and unknown ids. */
static char **
subtree_enumerate (GDBusConnection *connection,
                   const char      *sender,
                   const char      *object_path,
                   gpointer         user_data)
{
  TaskerAppExternal *self = user_data;
  GPtrArray *nodes = g_ptr_array_new ();
  GHashTableIter iter;
  ExternalTask *t;

  g_hash_table_iter_init (&iter, self->tasks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &t))
    if (!t->ended)
      g_ptr_array_add (nodes, g_strdup_printf ("%" G_GUINT64_FORMAT, t->id));
  g_ptr_array_add (nodes, NULL);
  return (char **) g_ptr_array_free (nodes, FALSE);
}

static GDBusInterfaceInfo **
subtree_introspect (GDBusConnection *connection,
                    const char      *sender,
                    const char      *object_path,
                    const char      *node,
                    gpointer         user_data)
{
  GDBusInterfaceInfo **interfaces = g_new0 (GDBusInterfaceInfo *, 2);

  /* The subtree's root is no task; every node below may be one. */
  if (node != NULL)
    interfaces[0] = g_dbus_interface_info_ref (tasker_dbus_tasker1_task_interface_info ());
  return interfaces;
}

static const GDBusInterfaceVTable *
subtree_dispatch (GDBusConnection *connection,
                  const char      *sender,
                  const char      *object_path,
                  const char      *interface_name,
                  const char      *node,
                  gpointer        *out_user_data,
                  gpointer         user_data)
{
  if (node == NULL || g_strcmp0 (interface_name, TASK_INTERFACE) != 0)
    return NULL;
  *out_user_data = user_data;
  return &task_vtable;
}

static const GDBusSubtreeVTable subtree_vtable = {
  .enumerate = subtree_enumerate,
  .introspect = subtree_introspect,
  .dispatch = subtree_dispatch,
};

/* ------------------------------------------------------------------ */
/* CreateTask */

static const TaskerAppOptionSpec create_task_options[] = {
  { "pid", "u" },
  { "key", "s" },
  { "parent", "t" },
  { "total", "d" },
  { "message", "s" },
};

static gboolean
check_create_task (TaskerAppExternal      *self,
                   GDBusMethodInvocation  *invocation,
                   GError                **error)
{
  const char *name;
  g_autoptr(GVariant) options = NULL;
  double total;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s@a{sv})", &name, &options);
  if (self->manager == NULL || self->connection == NULL || tasker_manager_is_shut_down (self->manager))
    {
      g_set_error_literal (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_SHUTTING_DOWN,
                           _("Tasker is shutting down"));
      return FALSE;
    }
  if (*name == '\0')
    {
      g_set_error_literal (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                           _("a task needs a name"));
      return FALSE;
    }
  if (!_tasker_app_service_check_options (options, create_task_options,
                                          G_N_ELEMENTS (create_task_options), error))
    return FALSE;
  if (g_variant_lookup (options, "total", "d", &total) && !check_total (total, error))
    return FALSE;
  return TRUE;
}

/* The owner the call names: an existing one, or a new one (not yet in the
 * table). */
static TaskerAppExternalOwner *
owner_for_call (TaskerAppExternal      *self,
                const char             *sender,
                GVariant               *options,
                guint32                 caller_uid,
                guint32                 caller_pid,
                GError                **error)
{
  g_autofree char *key = NULL;
  TaskerAppExternalOwner *owner;
  guint32 pid, uid;

  if (!g_variant_lookup (options, "pid", "u", &pid))
    {
      key = tasker_app_external_owner_key_for_name (sender);
      if ((owner = g_hash_table_lookup (self->owners, key)) != NULL)
        return tasker_app_external_owner_ref (owner);
      return tasker_app_external_owner_new_for_name (self->connection, sender, caller_pid,
                                                     owner_gone_cb, self);
    }

  key = tasker_app_external_owner_key_for_pid (pid);
  if ((owner = g_hash_table_lookup (self->owners, key)) == NULL)
    return tasker_app_external_owner_new_for_pid (pid, caller_uid, owner_gone_cb, self, error);
  /* Watched already (its pidfd keeps the pid its own), maybe for another user. */
  if (!tasker_app_proc_get_uid (pid, &uid) || uid != caller_uid)
    {
      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_ACCESS_DENIED,
                   _("process %u belongs to another user"), pid);
      return NULL;
    }
  return tasker_app_external_owner_ref (owner);
}

/* The "parent" option: a live external task of the same owner. */
static gboolean
lookup_parent (TaskerAppExternal       *self,
               GVariant                *options,
               TaskerAppExternalOwner  *owner,
               TaskerTask             **parent,
               GError                 **error)
{
  g_autofree char *text = NULL;
  guint64 id;
  ExternalTask *t;

  *parent = NULL;
  if (!g_variant_lookup (options, "parent", "t", &id))
    return TRUE;

  text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);
  t = g_hash_table_lookup (self->tasks, &id);
  if (t == NULL || t->ended)
    {
      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_NO_SUCH_TASK,
                   _("parent %s is not a live external task"), text);
      return FALSE;
    }
  if (strcmp (tasker_app_external_owner_get_key (t->owner), tasker_app_external_owner_get_key (owner)) != 0)
    {
      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_ACCESS_DENIED,
                   _("parent %s belongs to another program"), text);
      return FALSE;
    }
  *parent = t->task;
  return TRUE;
}

static TaskerTaskOptions *
options_for_task (const char             *name,
                  TaskerTask             *parent,
                  TaskerAppExternalOwner *owner)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  guint32 pid = tasker_app_external_owner_get_pid (owner);

  tasker_task_options_set_name (options, name);
  if (parent != NULL)
    tasker_task_options_set_parent (options, parent);
  /* What ListTasks (owner-pid, owner-name) and the window show of the owner. */
  if (pid != 0)
    {
      g_autofree char *text = g_strdup_printf ("%u", pid);

      tasker_task_options_set_description (options, "owner-pid", text);
    }
  if (tasker_app_external_owner_get_program (owner) != NULL)
    tasker_task_options_set_description (options, "owner-name", tasker_app_external_owner_get_program (owner));
  return g_steal_pointer (&options);
}

static ExternalTask *
add_task (TaskerAppExternal      *self,
          GDBusMethodInvocation  *invocation,
          guint32                 caller_uid,
          guint32                 caller_pid,
          GError                **error)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  const char *name, *key = NULL, *message = NULL;
  g_autoptr(GVariant) options = NULL;
  g_autoptr(TaskerAppExternalOwner) owner = NULL;
  g_autoptr(TaskerTaskOptions) task_options = NULL;
  g_autoptr(TaskerTask) task = NULL;
  TaskerTask *parent;
  ExternalTask *t;
  double total;

  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s@a{sv})", &name, &options);
  if (!check_create_task (self, invocation, error) ||
      !(owner = owner_for_call (self, sender, options, caller_uid, caller_pid, error)))
    return NULL;
  if (tasker_app_external_owner_get_n_tasks (owner) >= self->max_tasks_per_owner)
    {
      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_LIMIT_EXCEEDED,
                   _("a program may have at most %u live tasks"), self->max_tasks_per_owner);
      return NULL;
    }
  if (!lookup_parent (self, options, owner, &parent, error))
    return NULL;

  g_variant_lookup (options, "key", "&s", &key);
  task_options = options_for_task (name, parent, owner);
  task = tasker_manager_add_external (self->manager, key != NULL && *key != '\0' ? key : NULL,
                                      task_options, error);
  if (task == NULL)
    return NULL;

  t = g_new0 (ExternalTask, 1);
  t->id = tasker_task_get_id (task);
  t->self = self;
  t->task = g_steal_pointer (&task);
  t->context = g_object_ref (tasker_task_get_context (t->task));
  t->owner = tasker_app_external_owner_ref (owner);
  t->creator = g_strdup (sender);
  t->cancellable = g_object_ref (tasker_context_get_cancellable (t->context));
  g_hash_table_insert (self->tasks, &t->id, t);
  if (g_hash_table_lookup (self->owners, tasker_app_external_owner_get_key (owner)) == NULL)
    g_hash_table_insert (self->owners, g_strdup (tasker_app_external_owner_get_key (owner)),
                         tasker_app_external_owner_ref (owner));
  tasker_app_external_owner_add_task (owner);

  if (g_variant_lookup (options, "total", "d", &total))
    tasker_context_set_total (t->context, total);
  if (g_variant_lookup (options, "message", "&s", &message))
    tasker_context_set_message (t->context, message);
  /* Last: when a cancel came already (a key replaced at once), this hops. */
  t->cancelled_id = g_cancellable_connect (t->cancellable, G_CALLBACK (cancelled_cb), t, NULL);
  return t;
}

typedef struct
{
  TaskerAppExternal     *self;        /* (owned) */
  GDBusMethodInvocation *invocation;  /* (owned) */
} CreateCall;

static void
credentials_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  CreateCall *call = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) credentials = NULL;
  g_autoptr(GError) error = NULL;
  guint32 uid = G_MAXUINT32, pid = 0;
  ExternalTask *t;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      g_dbus_method_invocation_return_error (call->invocation, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_FAILED,
                                             _("the bus does not say who the caller is: %s"), error->message);
      goto out;
    }
  credentials = g_variant_get_child_value (reply, 0);
  if (!g_variant_lookup (credentials, "UnixUserID", "u", &uid))
    uid = G_MAXUINT32;  /* no process of a user matches it */
  g_variant_lookup (credentials, "ProcessID", "u", &pid);

  if ((t = add_task (call->self, call->invocation, uid, pid, &error)) == NULL)
    _tasker_app_service_return_gerror (call->invocation, error);
  else
    {
      g_autofree char *path = task_path (t->id);

      g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(ot)", path, t->id));
    }

out:
  g_object_unref (call->invocation);
  g_object_unref (call->self);
  g_free (call);
}

/**
 * tasker_app_external_create_task:
 *
 * Answers CreateTask: checks what it can at once, then asks the bus who the
 * caller is (its user, for the "pid" option, and its process) and adds the
 * task.
 */
void
tasker_app_external_create_task (TaskerAppExternal     *self,
                                 GDBusMethodInvocation *invocation)
{
  g_autoptr(GError) error = NULL;
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  CreateCall *call;

  g_return_if_fail (TASKER_APP_IS_EXTERNAL (self));
  g_return_if_fail (G_IS_DBUS_METHOD_INVOCATION (invocation));

  if (!check_create_task (self, invocation, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  if (sender == NULL)
    {
      g_dbus_method_invocation_return_error_literal (invocation, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_FAILED,
                                                     _("external tasks need a message bus"));
      return;
    }

  call = g_new0 (CreateCall, 1);
  call->self = g_object_ref (self);
  call->invocation = g_object_ref (invocation);
  g_dbus_connection_call (self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionCredentials",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(a{sv})"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, credentials_cb, call);
}

/* ------------------------------------------------------------------ */
/* UpdateTasks */

static const TaskerAppOptionSpec update_keys[] = {
  { "progress", "d" },
  { "total", "d" },
  { "message", "s" },
  { "log", "as" },
};

/* One entry's changes: known keys of the right types, sane numbers. */
static gboolean
check_update (guint64    id,
              GVariant  *changes,
              GError   **error)
{
  g_autofree char *text = NULL;
  double value;

  if (_tasker_app_service_check_options (changes, update_keys, G_N_ELEMENTS (update_keys), error) &&
      (!g_variant_lookup (changes, "progress", "d", &value) || check_progress (value, error)) &&
      (!g_variant_lookup (changes, "total", "d", &value) || check_total (value, error)))
    return TRUE;

  text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);
  /* Translators: a task's number, before what is wrong with its changes */
  g_prefix_error (error, _("task %s: "), text);
  return FALSE;
}

static void
apply_update (ExternalTask *t,
              GVariant     *changes)
{
  g_autofree const char **log = NULL;
  const char *message;
  double value;

  /* The total first: a progress that comes with it counts its units. */
  if (g_variant_lookup (changes, "total", "d", &value))
    tasker_context_set_total (t->context, value);
  if (g_variant_lookup (changes, "progress", "d", &value))
    tasker_context_set_progress (t->context, value);
  if (g_variant_lookup (changes, "message", "&s", &message))
    tasker_context_set_message (t->context, message);
  if (g_variant_lookup (changes, "log", "^a&s", &log))
    for (guint i = 0; log[i] != NULL; i++)
      tasker_context_log (t->context, log[i]);
}

static void
update_tasks_resolved (GObject               *object,
                       GDBusMethodInvocation *invocation,
                       guint32                sender_pid)
{
  TaskerAppExternal *self = TASKER_APP_EXTERNAL (object);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr(GVariant) updates = g_variant_get_child_value (g_dbus_method_invocation_get_parameters (invocation), 0);
  gsize n = g_variant_n_children (updates);
  g_autoptr(GPtrArray) apply = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  /* Every entry first: the call is refused as a whole, or applied. */
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) changes = NULL;
      guint64 id;
      ExternalTask *t;

      g_variant_get_child (updates, i, "{t@a{sv}}", &id, &changes);
      t = g_hash_table_lookup (self->tasks, &id);
      if (t == NULL && g_hash_table_lookup (self->ended, &id) == NULL)
        {
          return_no_such_task (invocation, id);
          return;
        }
      if (!check_update (id, changes, &error))
        {
          g_dbus_method_invocation_return_gerror (invocation, error);
          return;
        }
      if (t == NULL || t->ended)
        continue;  /* changes to an ended task are dropped */
      if (!tasker_app_external_owner_accepts (t->owner, sender, t->creator, sender_pid))
        {
          return_not_yours (invocation, id);
          return;
        }
      g_ptr_array_add (apply, t);
    }

  for (gsize i = 0, j = 0; i < n; i++)
    {
      g_autoptr(GVariant) changes = NULL;
      guint64 id;

      g_variant_get_child (updates, i, "{t@a{sv}}", &id, &changes);
      if (j < apply->len && ((ExternalTask *) apply->pdata[j])->id == id)
        apply_update (apply->pdata[j++], changes);
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

/**
 * tasker_app_external_update_tasks:
 *
 * Answers UpdateTasks: reports for many tasks, checked as a whole first.
 */
void
tasker_app_external_update_tasks (TaskerAppExternal     *self,
                                  GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) updates = NULL;
  g_autoptr(GArray) ids = NULL;
  gsize n;

  g_return_if_fail (TASKER_APP_IS_EXTERNAL (self));
  g_return_if_fail (G_IS_DBUS_METHOD_INVOCATION (invocation));

  updates = g_variant_get_child_value (g_dbus_method_invocation_get_parameters (invocation), 0);
  n = g_variant_n_children (updates);
  ids = g_array_sized_new (FALSE, FALSE, sizeof (guint64), n);
  for (gsize i = 0; i < n; i++)
    {
      guint64 id;

      g_variant_get_child (updates, i, "{t@a{sv}}", &id, NULL);
      g_array_append_val (ids, id);
    }

  with_sender_pid_if_needed (self, invocation, (const guint64 *) ids->data, ids->len, update_tasks_resolved);
}

/* ------------------------------------------------------------------ */

static void
tasker_app_external_dispose (GObject *object)
{
  TaskerAppExternal *self = (TaskerAppExternal *) object;

  tasker_app_external_unexport (self);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->manager);
  /* Disconnects the cancel handlers (waiting for one that runs) first. */
  g_hash_table_remove_all (self->tasks);
  g_hash_table_remove_all (self->owners);

  G_OBJECT_CLASS (tasker_app_external_parent_class)->dispose (object);
}

static void
tasker_app_external_finalize (GObject *object)
{
  TaskerAppExternal *self = (TaskerAppExternal *) object;

  g_hash_table_unref (self->tasks);
  g_queue_clear (&self->ended_order);
  g_hash_table_unref (self->ended);
  g_hash_table_unref (self->owners);
  g_main_context_unref (self->main_context);

  G_OBJECT_CLASS (tasker_app_external_parent_class)->finalize (object);
}

static void
tasker_app_external_class_init (TaskerAppExternalClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tasker_app_external_dispose;
  object_class->finalize = tasker_app_external_finalize;
}

static void
tasker_app_external_init (TaskerAppExternal *self)
{
  self->main_context = g_main_context_ref_thread_default ();
  self->tasks = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) external_task_free);
  self->ended = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  g_queue_init (&self->ended_order);
  self->owners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) tasker_app_external_owner_unref);
  self->max_tasks_per_owner = TASKER_APP_EXTERNAL_MAX_TASKS_PER_OWNER;
}

TaskerAppExternal *
tasker_app_external_new (void)
{
  return g_object_new (TASKER_APP_TYPE_EXTERNAL, NULL);
}

/**
 * tasker_app_external_export:
 *
 * Serves the tasks' objects under %TASKER_DBUS_TASK_PATH_PREFIX on
 * @connection.
 *
 * Returns: whether they are; %FALSE with @error set
 */
gboolean
tasker_app_external_export (TaskerAppExternal  *self,
                            GDBusConnection    *connection,
                            GError            **error)
{
  g_return_val_if_fail (TASKER_APP_IS_EXTERNAL (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (self->connection == NULL, FALSE);

  self->subtree_id = g_dbus_connection_register_subtree (connection, TASK_SUBTREE_PATH, &subtree_vtable,
                                                         G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                                         self, NULL, error);
  if (self->subtree_id == 0)
    return FALSE;
  self->connection = g_object_ref (connection);
  self->caller_pids = tasker_app_caller_pids_new (connection);
  return TRUE;
}

/**
 * tasker_app_external_unexport:
 *
 * Stops serving the tasks' objects and watching their owners (the
 * application shuts down, and the manager ends the tasks). Safe to call
 * when they are not exported.
 */
void
tasker_app_external_unexport (TaskerAppExternal *self)
{
  GHashTableIter iter;
  TaskerAppExternalOwner *owner;

  g_return_if_fail (TASKER_APP_IS_EXTERNAL (self));

  g_hash_table_iter_init (&iter, self->owners);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &owner))
    tasker_app_external_owner_stop_watching (owner);
  g_hash_table_remove_all (self->owners);

  if (self->connection == NULL)
    return;
  g_dbus_connection_unregister_subtree (self->connection, self->subtree_id);
  self->subtree_id = 0;
  g_clear_object (&self->caller_pids);
  g_clear_object (&self->connection);
}

/**
 * tasker_app_external_start:
 *
 * Follows @manager's tasks, to unexport them when they end.
 */
void
tasker_app_external_start (TaskerAppExternal *self,
                           TaskerManager     *manager)
{
  g_return_if_fail (TASKER_APP_IS_EXTERNAL (self));
  g_return_if_fail (TASKER_IS_MANAGER (manager));
  g_return_if_fail (self->manager == NULL);

  self->manager = g_object_ref (manager);
  g_signal_connect_object (manager, "task-finished", G_CALLBACK (task_finished_cb), self, G_CONNECT_SWAPPED);
}

/* @name left the bus: its process is forgotten. */
void
tasker_app_external_forget_name (TaskerAppExternal *self,
                                 const char        *name)
{
  g_return_if_fail (TASKER_APP_IS_EXTERNAL (self));
  g_return_if_fail (name != NULL);

  if (self->caller_pids != NULL)
    tasker_app_caller_pids_forget (self->caller_pids, name);
}

guint
tasker_app_external_get_max_tasks_per_owner (TaskerAppExternal *self)
{
  g_return_val_if_fail (TASKER_APP_IS_EXTERNAL (self), 0);

  return self->max_tasks_per_owner;
}

/* For tests: a lower limit than TASKER_APP_EXTERNAL_MAX_TASKS_PER_OWNER. */
void
tasker_app_external_set_max_tasks_per_owner (TaskerAppExternal *self,
                                             guint              max_tasks)
{
  g_return_if_fail (TASKER_APP_IS_EXTERNAL (self));
  g_return_if_fail (max_tasks > 0);

  self->max_tasks_per_owner = max_tasks;
}

/* For tests: how many owners are watched (none leaks once their tasks end). */
guint
tasker_app_external_get_n_owners (TaskerAppExternal *self)
{
  g_return_val_if_fail (TASKER_APP_IS_EXTERNAL (self), 0);

  return g_hash_table_size (self->owners);
}
