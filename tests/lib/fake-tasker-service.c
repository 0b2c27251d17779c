/* fake-tasker-service.c: the application's CreateTask, UpdateTasks and Task
 * objects, recorded, for TaskerRemoteTask's tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "fake-tasker-service.h"

#define ERROR_PREFIX "io.github.tasker.Tasker1.Error."
#define MAIN_PATH "/io/github/tasker/Tasker"

typedef struct
{
  guint64  id;
  char    *name;
  gboolean ended;
  guint    registration;
} FakeTask;

struct _FakeService
{
  char            *bus_name;
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
  GDBusConnection *connection;
  GDBusNodeInfo   *node;
  guint            owner_id;
  guint            registration;
  GMutex           mutex;
  GCond            cond;
  gboolean         ready;      /* protected by @mutex */
  GPtrArray       *calls;      /* protected by @mutex (element-type FakeCall) */
  GHashTable      *tasks;      /* service thread only: id → FakeTask */
  guint64          next_id;
};

static void
fake_call_free (gpointer data)
{
  FakeCall *call = data;

  g_free (call->method);
  g_free (call->object_path);
  g_variant_unref (call->parameters);
  g_free (call);
}

static void
fake_task_free (gpointer data)
{
  FakeTask *task = data;

  g_free (task->name);
  g_free (task);
}

static void
record (FakeService *self,
        const char  *method,
        const char  *object_path,
        GVariant    *parameters)
{
  FakeCall *call = g_new0 (FakeCall, 1);

  call->method = g_strdup (method);
  call->object_path = g_strdup (object_path);
  call->parameters = g_variant_ref (parameters);
  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->calls, call);
  g_mutex_unlock (&self->mutex);
}

static void
task_method_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  FakeService *self = user_data;
  guint64 id = g_ascii_strtoull (strrchr (object_path, '/') + 1, NULL, 10);
  FakeTask *task = g_hash_table_lookup (self->tasks, &id);

  record (self, method_name, object_path, parameters);
  g_assert_nonnull (task);

  if (g_str_equal (method_name, "ShouldExit"))
    {
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", FALSE));
      return;
    }
  if (g_str_equal (task->name, "deny"))
    g_dbus_method_invocation_return_dbus_error (invocation, ERROR_PREFIX "AccessDenied",
                                                "task is another program's");
  else if (g_str_equal (task->name, "nosuch"))
    g_dbus_method_invocation_return_dbus_error (invocation, ERROR_PREFIX "NoSuchTask",
                                                "no such task");
  else if (task->ended)
    g_dbus_method_invocation_return_dbus_error (invocation, ERROR_PREFIX "TaskEnded",
                                                "the task has ended");
  else
    {
      task->ended = TRUE;
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
}

static const GDBusInterfaceVTable task_vtable = { task_method_cb, NULL, NULL, { 0 } };

static void
main_method_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  FakeService *self = user_data;
  GDBusInterfaceInfo *task_info = g_dbus_node_info_lookup_interface (self->node,
                                                                     "io.github.tasker.Tasker1.Task");
  g_autofree char *path = NULL;
  FakeTask *task;
  const char *name;

  record (self, method_name, object_path, parameters);

  if (g_str_equal (method_name, "UpdateTasks"))
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  if (!g_str_equal (method_name, "CreateTask"))
    {
      g_dbus_method_invocation_return_dbus_error (invocation, ERROR_PREFIX "Failed", "not faked");
      return;
    }

  g_variant_get (parameters, "(&s@a{sv})", &name, NULL);
  if (g_str_equal (name, "limit"))
    {
      g_dbus_method_invocation_return_dbus_error (invocation, ERROR_PREFIX "LimitExceeded",
                                                  "too many live tasks");
      return;
    }

  task = g_new0 (FakeTask, 1);
  task->id = ++self->next_id;
  task->name = g_strdup (name);
  path = g_strdup_printf (MAIN_PATH "/task/%" G_GUINT64_FORMAT, task->id);
  task->registration = g_dbus_connection_register_object (connection, path, task_info,
                                                          &task_vtable, self, NULL, NULL);
  g_assert_cmpuint (task->registration, !=, 0);
  g_hash_table_insert (self->tasks, &task->id, task);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ot)", path, task->id));
}

static const GDBusInterfaceVTable main_vtable = { main_method_cb, NULL, NULL, { 0 } };

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  FakeService *self = user_data;

  g_mutex_lock (&self->mutex);
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
}

static gboolean
quit_cb (gpointer user_data)
{
  FakeService *self = user_data;
  GHashTableIter iter;
  FakeTask *task;

  g_hash_table_iter_init (&iter, self->tasks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &task))
    g_dbus_connection_unregister_object (self->connection, task->registration);
  g_dbus_connection_unregister_object (self->connection, self->registration);
  g_bus_unown_name (self->owner_id);
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
service_thread (gpointer user_data)
{
  FakeService *self = user_data;
  g_autofree char *xml = NULL;
  g_autofree char *xml_path = g_test_build_filename (G_TEST_DIST, "..", "..", "data",
                                                     "io.github.tasker.Tasker1.xml", NULL);
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (self->context);

  g_file_get_contents (xml_path, &xml, NULL, &error);
  g_assert_no_error (error);
  self->node = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);

  self->connection = g_dbus_connection_new_for_address_sync (
    g_getenv ("DBUS_SESSION_BUS_ADDRESS"),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
  self->registration =
    g_dbus_connection_register_object (self->connection, MAIN_PATH,
                                       g_dbus_node_info_lookup_interface (self->node,
                                                                          "io.github.tasker.Tasker1"),
                                       &main_vtable, self, NULL, &error);
  g_assert_no_error (error);
  self->owner_id = g_bus_own_name_on_connection (self->connection, self->bus_name,
                                                 G_BUS_NAME_OWNER_FLAGS_NONE,
                                                 name_acquired_cb, NULL, self, NULL);

  g_main_loop_run (self->loop);

  /* Let the unregistrations' notifications run. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_dbus_connection_flush_sync (self->connection, NULL, NULL);
  g_dbus_connection_close_sync (self->connection, NULL, NULL);
  /* The connection is released after the join: the test's thread reads
   * the pointer (fake_service_set_cancel_requested), and only the join
   * orders that read before a write here for ThreadSanitizer. */
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

FakeService *
fake_service_new (const char *bus_name)
{
  FakeService *self = g_new0 (FakeService, 1);

  self->bus_name = g_strdup (bus_name);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->calls = g_ptr_array_new_with_free_func (fake_call_free);
  self->tasks = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, fake_task_free);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->thread = g_thread_new ("fake-tasker", service_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
  return self;
}

void
fake_service_free (FakeService *self)
{
  g_main_context_invoke (self->context, quit_cb, self);
  g_thread_join (self->thread);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->node, g_dbus_node_info_unref);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_ptr_array_unref (self->calls);
  g_hash_table_unref (self->tasks);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->bus_name);
  g_free (self);
}

guint
fake_service_count (FakeService *self,
                    const char  *method)
{
  guint n = 0;

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->calls->len; i++)
    {
      FakeCall *call = g_ptr_array_index (self->calls, i);

      if (g_str_equal (call->method, method))
        n++;
    }
  g_mutex_unlock (&self->mutex);
  return n;
}

static FakeCall *
fake_call_copy (const FakeCall *call,
                gpointer        unused)
{
  FakeCall *copy = g_new0 (FakeCall, 1);

  copy->method = g_strdup (call->method);
  copy->object_path = g_strdup (call->object_path);
  copy->parameters = g_variant_ref (call->parameters);
  return copy;
}

GPtrArray *
fake_service_dup_calls (FakeService *self)
{
  GPtrArray *calls;

  g_mutex_lock (&self->mutex);
  calls = g_ptr_array_copy (self->calls, (GCopyFunc) fake_call_copy, NULL);
  g_ptr_array_set_free_func (calls, fake_call_free);
  g_mutex_unlock (&self->mutex);
  return calls;
}

void
fake_service_set_cancel_requested (FakeService *self,
                                   guint64      id,
                                   gboolean     value)
{
  g_autofree char *path = g_strdup_printf (MAIN_PATH "/task/%" G_GUINT64_FORMAT, id);
  GVariantBuilder changed;
  g_autoptr(GError) error = NULL;

  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&changed, "{sv}", "CancelRequested", g_variant_new_boolean (value));
  g_dbus_connection_emit_signal (self->connection, NULL, path, "org.freedesktop.DBus.Properties",
                                 "PropertiesChanged",
                                 g_variant_new ("(sa{sv}as)", "io.github.tasker.Tasker1.Task",
                                                &changed, NULL),
                                 &error);
  g_assert_no_error (error);
}

/* Calls @func on each change dict UpdateTasks carried for @id, in order. */
static void
foreach_update (FakeService *self,
                guint64      id,
                void       (*func) (GVariant *changes, gpointer data),
                gpointer     data)
{
  g_autoptr(GPtrArray) calls = fake_service_dup_calls (self);

  for (guint i = 0; i < calls->len; i++)
    {
      FakeCall *call = g_ptr_array_index (calls, i);
      g_autoptr(GVariant) updates = NULL;

      if (!g_str_equal (call->method, "UpdateTasks"))
        continue;
      updates = g_variant_get_child_value (call->parameters, 0);
      for (gsize j = 0; j < g_variant_n_children (updates); j++)
        {
          guint64 entry_id;
          g_autoptr(GVariant) entry = NULL;

          g_variant_get_child (updates, j, "{t@a{sv}}", &entry_id, &entry);
          if (entry_id == id)
            func (entry, data);
        }
    }
}

static void
collect_log (GVariant *changes,
             gpointer  data)
{
  g_autofree const char **lines = NULL;

  if (!g_variant_lookup (changes, "log", "^a&s", &lines))
    return;
  for (guint i = 0; lines[i] != NULL; i++)
    g_ptr_array_add (data, g_strdup (lines[i]));
}

GPtrArray *
fake_service_dup_log (FakeService *self,
                      guint64      id)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  foreach_update (self, id, collect_log, lines);
  return lines;
}

static void
last_progress (GVariant *changes,
               gpointer  data)
{
  g_variant_lookup (changes, "progress", "d", data);
}

double
fake_service_last_progress (FakeService *self,
                            guint64      id)
{
  double progress = -1;

  foreach_update (self, id, last_progress, &progress);
  return progress;
}
