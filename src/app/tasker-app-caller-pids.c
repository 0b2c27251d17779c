/* tasker-app-caller-pids.c: the process of each connection that calls, asked of the bus once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-app-caller-pids.h"

/* TaskerAppCallerPids: whether a call may report to another program's task
 * can depend on the caller's process (a descendant of the task's owner,
 * tasker-app-external.c). The bus says it (GetConnectionUnixProcessID)
 * once per connection, asynchronously; the calls that need it meanwhile
 * wait, and run in the order they came, so a caller's reports are never
 * reordered. A connection that leaves the bus is forgotten
 * (tasker_app_caller_pids_forget()). Main thread only. */

typedef struct
{
  GDBusMethodInvocation  *invocation;  /* (owned) */
  TaskerAppCallerPidFunc  func;
  GObject                *object;      /* (owned) */
} WaitingCall;

typedef struct
{
  guint32    pid;        /* 0: unknown */
  gboolean   asking;     /* GetConnectionUnixProcessID is under way */
  gboolean   forgotten;  /* it left the bus meanwhile */
  GArray    *waiting;    /* (element-type WaitingCall) in the order they came */
} Caller;

struct _TaskerAppCallerPids
{
  GObject          parent_instance;

  GDBusConnection *connection;  /* (owned) */
  GHashTable      *callers;     /* (element-type utf8 Caller) (owned) */
};

G_DEFINE_FINAL_TYPE (TaskerAppCallerPids, tasker_app_caller_pids, G_TYPE_OBJECT)

static void
waiting_call_clear (WaitingCall *call)
{
  g_clear_object (&call->invocation);
  g_clear_object (&call->object);
}

static GArray *
waiting_new (void)
{
  GArray *waiting = g_array_new (FALSE, TRUE, sizeof (WaitingCall));

  g_array_set_clear_func (waiting, (GDestroyNotify) waiting_call_clear);
  return waiting;
}

static void
caller_free (Caller *caller)
{
  g_array_unref (caller->waiting);
  g_free (caller);
}

typedef struct
{
  TaskerAppCallerPids *self;  /* (owned) */
  char                *name;  /* (owned) */
} Question;

static void
pid_answered_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Question *question = user_data;
  TaskerAppCallerPids *self = question->self;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) waiting = NULL;
  Caller *caller;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  caller = g_hash_table_lookup (self->callers, question->name);
  if (caller != NULL)
    {
      if (reply != NULL)
        g_variant_get (reply, "(u)", &caller->pid);
      else
        g_debug ("No process for %s: %s", question->name, error->message);

      /* Still asking while they run: a forget() from them only marks it. */
      waiting = g_steal_pointer (&caller->waiting);
      caller->waiting = waiting_new ();
      for (guint i = 0; i < waiting->len; i++)
        {
          WaitingCall *call = &g_array_index (waiting, WaitingCall, i);

          call->func (call->object, call->invocation, caller->pid);
        }
      caller->asking = FALSE;
      if (caller->forgotten)
        g_hash_table_remove (self->callers, question->name);
    }

  g_object_unref (question->self);
  g_free (question->name);
  g_free (question);
}

static void
tasker_app_caller_pids_dispose (GObject *object)
{
  TaskerAppCallerPids *self = (TaskerAppCallerPids *) object;

  g_hash_table_remove_all (self->callers);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (tasker_app_caller_pids_parent_class)->dispose (object);
}

static void
tasker_app_caller_pids_finalize (GObject *object)
{
  TaskerAppCallerPids *self = (TaskerAppCallerPids *) object;

  g_hash_table_unref (self->callers);

  G_OBJECT_CLASS (tasker_app_caller_pids_parent_class)->finalize (object);
}

static void
tasker_app_caller_pids_class_init (TaskerAppCallerPidsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tasker_app_caller_pids_dispose;
  object_class->finalize = tasker_app_caller_pids_finalize;
}

static void
tasker_app_caller_pids_init (TaskerAppCallerPids *self)
{
  self->callers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) caller_free);
}

/* @connection: the one the calls come on (it asks the bus) */
TaskerAppCallerPids *
tasker_app_caller_pids_new (GDBusConnection *connection)
{
  TaskerAppCallerPids *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  self = g_object_new (TASKER_APP_TYPE_CALLER_PIDS, NULL);
  self->connection = g_object_ref (connection);
  return self;
}

/**
 * tasker_app_caller_pids_call:
 * @object: passed to @func, and kept until then
 *
 * Calls @func with the process of @invocation's sender: at once when it
 * is known, else once the bus has answered, after the calls of the same
 * sender that wait already.
 */
void
tasker_app_caller_pids_call (TaskerAppCallerPids    *self,
                             GDBusMethodInvocation  *invocation,
                             TaskerAppCallerPidFunc  func,
                             GObject                *object)
{
  const char *name = g_dbus_method_invocation_get_sender (invocation);
  Caller *caller;
  WaitingCall call;
  Question *question;

  g_return_if_fail (TASKER_APP_IS_CALLER_PIDS (self));
  g_return_if_fail (G_IS_DBUS_METHOD_INVOCATION (invocation));
  g_return_if_fail (func != NULL);

  if (name == NULL || self->connection == NULL)
    {
      func (object, invocation, 0);
      return;
    }
  caller = g_hash_table_lookup (self->callers, name);
  if (caller != NULL && !caller->asking)
    {
      func (object, invocation, caller->pid);
      return;
    }
  if (caller == NULL)
    {
      caller = g_new0 (Caller, 1);
      caller->waiting = waiting_new ();
      g_hash_table_insert (self->callers, g_strdup (name), caller);
    }

  call.invocation = g_object_ref (invocation);
  call.func = func;
  call.object = g_object_ref (object);
  g_array_append_val (caller->waiting, call);
  if (caller->asking)
    return;

  caller->asking = TRUE;
  question = g_new0 (Question, 1);
  question->self = g_object_ref (self);
  question->name = g_strdup (name);
  g_dbus_connection_call (self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                          g_variant_new ("(s)", name), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, pid_answered_cb, question);
}

/* Whether calls of @name wait for its process: a call of it that would
 * not need it must wait too, to stay in order. */
gboolean
tasker_app_caller_pids_is_waiting (TaskerAppCallerPids *self,
                                   const char          *name)
{
  Caller *caller;

  g_return_val_if_fail (TASKER_APP_IS_CALLER_PIDS (self), FALSE);

  caller = name != NULL ? g_hash_table_lookup (self->callers, name) : NULL;
  return caller != NULL && caller->asking;
}

/* @name left the bus. */
void
tasker_app_caller_pids_forget (TaskerAppCallerPids *self,
                               const char          *name)
{
  Caller *caller;

  g_return_if_fail (TASKER_APP_IS_CALLER_PIDS (self));
  g_return_if_fail (name != NULL);

  if ((caller = g_hash_table_lookup (self->callers, name)) == NULL)
    return;
  if (caller->asking)
    caller->forgotten = TRUE;
  else
    g_hash_table_remove (self->callers, name);
}
