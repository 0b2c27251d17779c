/* tasker-remote-flusher.c: one UpdateTasks call per interval for the remote
 * tasks of a connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-remote-flusher-private.h"

#include <math.h>

#include "tasker-i18n-private.h"

/* One flusher per (connection, application bus name, main context): the
 * remote tasks made in that context store their changes here, from any
 * thread, and a timer on the context sends them all in one UpdateTasks call
 * per update interval. At most one call is in flight: a program that reports
 * faster than the application takes it gets its changes merged into the
 * next call (log lines are kept, up to the per-task bounds). The flusher also
 * owns the one PropertiesChanged subscription its tasks' cancels come
 * through; it is made before the first CreateTask is sent, so no cancel can
 * come before it. */

struct _TaskerRemoteUpdate
{
  guint64  id;
  char    *object_path;        /* (owned) */
  GWeakRef owner;              /* the TaskerRemoteTask */
  GList    dirty_link;         /* in the flusher's dirty queue while @dirty */
  guint    interval_ms;
  guint    dirty : 1;
  guint    removed : 1;        /* its task is gone: freed once sent */
  guint    ended : 1;          /* completed or failed: changes are dropped */
  guint    has_progress : 1;
  guint    has_total : 1;
  double   progress;
  double   total;
  char    *message;            /* (owned) (nullable): unchanged when NULL */
  /* What the application has, so that setting it again sends nothing. */
  double   sent_progress;      /* NAN: nothing sent */
  double   sent_total;         /* NAN: nothing sent */
  char    *sent_message;       /* (owned) (nullable) */
  GQueue   lines;              /* (element-type utf8) (owned) */
  gsize    line_bytes;
  guint64  dropped_lines;
};

struct _TaskerRemoteFlusher
{
  GObject                parent_instance;

  GDBusConnection       *connection;      /* (owned) */
  char                  *bus_name;        /* (owned) */
  GMainContext          *context;         /* (owned) */
  char                  *registry_key;    /* (owned) */
  TaskerRemoteCancelFunc cancel_func;
  guint                  subscription_id;
  GSource               *source;          /* (owned): ready time -1 when idle */

  GMutex                 mutex;
  GHashTable            *updates;         /* protected by @mutex: path → live update (unowned) */
  GQueue                 dirty;           /* protected by @mutex (element-type TaskerRemoteUpdate) */
  gint64                 last_flush;      /* protected by @mutex (monotonic µs) */
  gint64                 due;             /* protected by @mutex: G_MAXINT64 when nothing is */
  gboolean               in_flight;       /* protected by @mutex */
};

G_DEFINE_FINAL_TYPE (TaskerRemoteFlusher, _tasker_remote_flusher, G_TYPE_OBJECT)

/* key → GWeakRef to the flusher (owned) */
static GMutex registry_lock;
static GHashTable *registry;

static void
update_free (TaskerRemoteUpdate *update)
{
  g_free (update->object_path);
  g_weak_ref_clear (&update->owner);
  g_free (update->message);
  g_free (update->sent_message);
  g_queue_clear_full (&update->lines, g_free);
  g_free (update);
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static GWeakRef *
weak_ref_new (gpointer object)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, object);
  return ref;
}

/* Takes @update out of the dirty queue; returns whether the queue emptied
 * (the caller then drops the reference the queue held on the flusher). */
static gboolean
undirty_locked (TaskerRemoteFlusher *self,
                TaskerRemoteUpdate  *update)
{
  g_assert (update->dirty);

  g_queue_unlink (&self->dirty, &update->dirty_link);
  update->dirty = FALSE;
  if (update->removed)
    update_free (update);
  return g_queue_is_empty (&self->dirty);
}

static void
mark_dirty_locked (TaskerRemoteFlusher *self,
                   TaskerRemoteUpdate  *update)
{
  gint64 due;

  if (update->dirty)
    return;

  /* While changes wait, the flusher stays, even when every task is gone. */
  if (g_queue_is_empty (&self->dirty))
    g_object_ref (self);
  update->dirty = TRUE;
  g_queue_push_tail_link (&self->dirty, &update->dirty_link);

  due = self->last_flush + (gint64) update->interval_ms * 1000;
  if (due < self->due)
    {
      self->due = due;
      if (!self->in_flight)
        g_source_set_ready_time (self->source, due);
    }
}

static void
add_line_locked (TaskerRemoteUpdate *update,
                 const char         *line,
                 gssize              length)
{
  char *copy = g_utf8_make_valid (line, length);

  update->line_bytes += strlen (copy);
  g_queue_push_tail (&update->lines, copy);

  /* The oldest lines go first; the newest always stays. */
  while (update->lines.length > TASKER_REMOTE_MAX_PENDING_LINES ||
         (update->line_bytes > TASKER_REMOTE_MAX_PENDING_BYTES && update->lines.length > 1))
    {
      g_autofree char *oldest = g_queue_pop_head (&update->lines);

      update->line_bytes -= strlen (oldest);
      update->dropped_lines++;
    }
}

/* Adds @update's pending changes to @builder (if it has any: @added),
 * log lines within @budget bytes (at least one line); returns whether
 * nothing is left pending. */
static gboolean
take_changes_locked (TaskerRemoteUpdate *update,
                     GVariantBuilder    *builder,
                     gsize              *budget,
                     gboolean           *added)
{
  GVariantBuilder changes;
  gboolean any = FALSE;

  g_variant_builder_init (&changes, G_VARIANT_TYPE_VARDICT);

  /* The total first: the application reads progress against it. */
  if (update->has_total)
    {
      g_variant_builder_add (&changes, "{sv}", "total", g_variant_new_double (update->total));
      update->sent_total = update->total;
      update->has_total = FALSE;
      any = TRUE;
    }
  if (update->has_progress)
    {
      g_variant_builder_add (&changes, "{sv}", "progress", g_variant_new_double (update->progress));
      update->sent_progress = update->progress;
      update->has_progress = FALSE;
      any = TRUE;
    }
  if (update->message != NULL)
    {
      g_variant_builder_add (&changes, "{sv}", "message", g_variant_new_string (update->message));
      g_free (update->sent_message);
      update->sent_message = g_steal_pointer (&update->message);
      any = TRUE;
    }
  if (update->dropped_lines > 0 || !g_queue_is_empty (&update->lines))
    {
      GVariantBuilder lines;
      gboolean first = TRUE;

      g_variant_builder_init (&lines, G_VARIANT_TYPE_STRING_ARRAY);
      if (update->dropped_lines > 0)
        {
          /* %s: xgettext cuts a message at G_GUINT64_FORMAT. */
          g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, update->dropped_lines);

          _tasker_i18n_init ();
          g_variant_builder_add_value (&lines, g_variant_new_take_string (
            g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "[%s log line dropped: the program logged faster than Tasker took its lines]",
                                          "[%s log lines dropped: the program logged faster than Tasker took its lines]",
                                          (gulong) MIN (update->dropped_lines, G_MAXULONG)),
                             count)));
          update->dropped_lines = 0;
        }
      while (!g_queue_is_empty (&update->lines))
        {
          const char *line = g_queue_peek_head (&update->lines);
          gsize length = strlen (line);

          if (length > *budget && !first)
            break;
          *budget -= MIN (length, *budget);
          update->line_bytes -= length;
          g_variant_builder_add_value (&lines, g_variant_new_take_string (g_queue_pop_head (&update->lines)));
          first = FALSE;
        }
      g_variant_builder_add (&changes, "{sv}", "log", g_variant_builder_end (&lines));
      any = TRUE;
    }

  if (any)
    g_variant_builder_add (builder, "{t@a{sv}}", update->id, g_variant_builder_end (&changes));
  else
    g_variant_builder_clear (&changes);
  *added = any;

  return update->dropped_lines == 0 && g_queue_is_empty (&update->lines);
}

static void
update_tasks_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TaskerRemoteFlusher) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMutexLocker) locker = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  /* Nothing to hand it to: the program hears of a task that ended or is not
   * its own from complete or fail. */
  if (reply == NULL)
    g_debug ("UpdateTasks: %s", error->message);

  locker = g_mutex_locker_new (&self->mutex);
  self->in_flight = FALSE;
  if (!g_queue_is_empty (&self->dirty))
    g_source_set_ready_time (self->source, MAX (self->due, 0));
}

/* Sends the changes of the dirty tasks in one call; returns whether the
 * dirty queue emptied. */
static gboolean
send_locked (TaskerRemoteFlusher *self)
{
  GVariantBuilder builder;
  gsize budget = TASKER_REMOTE_MAX_CALL_BYTES;
  gboolean emptied = FALSE;
  gboolean any = FALSE;
  GList *link;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ta{sv}}"));
  for (link = self->dirty.head; link != NULL;)
    {
      TaskerRemoteUpdate *update = link->data;

      gboolean added;

      link = link->next;
      if (take_changes_locked (update, &builder, &budget, &added))
        emptied = undirty_locked (self, update);
      any |= added;
    }

  self->last_flush = g_get_monotonic_time ();
  /* What did not fit goes as soon as the reply is in. */
  self->due = emptied ? G_MAXINT64 : self->last_flush;
  if (!any)
    {
      g_variant_builder_clear (&builder);
      return emptied;
    }

  self->in_flight = TRUE;
  g_main_context_push_thread_default (self->context);
  g_dbus_connection_call (self->connection, self->bus_name, TASKER_DBUS_PATH, TASKER_DBUS_INTERFACE,
                          "UpdateTasks", g_variant_new ("(@a{ta{sv}})", g_variant_builder_end (&builder)),
                          NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL,
                          update_tasks_cb, g_object_ref (self));
  g_main_context_pop_thread_default (self->context);
  return emptied;
}

static gboolean
flush_source_cb (gpointer user_data)
{
  g_autoptr(TaskerRemoteFlusher) self = g_weak_ref_get (user_data);
  gboolean emptied = FALSE;

  if (self == NULL)
    return G_SOURCE_CONTINUE;

  g_mutex_lock (&self->mutex);
  g_source_set_ready_time (self->source, -1);
  if (!self->in_flight && !g_queue_is_empty (&self->dirty))
    emptied = send_locked (self);
  g_mutex_unlock (&self->mutex);

  if (emptied)
    g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
flush_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs flush_source_funcs = {
  .dispatch = flush_source_dispatch,
};

static void
properties_changed_cb (GDBusConnection *connection,
                       const char      *sender_name,
                       const char      *object_path,
                       const char      *interface_name,
                       const char      *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  g_autoptr(TaskerRemoteFlusher) self = g_weak_ref_get (user_data);
  g_autoptr(GVariant) changed = NULL;
  g_autoptr(GObject) owner = NULL;
  gboolean requested = FALSE;

  if (self == NULL || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    return;

  g_variant_get (parameters, "(&s@a{sv}@as)", NULL, &changed, NULL);
  if (!g_variant_lookup (changed, "CancelRequested", "b", &requested) || !requested)
    return;

  g_mutex_lock (&self->mutex);
  {
    TaskerRemoteUpdate *update = g_hash_table_lookup (self->updates, object_path);

    if (update != NULL)
      owner = g_weak_ref_get (&update->owner);
  }
  g_mutex_unlock (&self->mutex);

  if (owner != NULL)
    self->cancel_func (owner);
}

static void
_tasker_remote_flusher_dispose (GObject *object)
{
  TaskerRemoteFlusher *self = TASKER_REMOTE_FLUSHER (object);

  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  if (self->subscription_id != 0)
    {
      g_dbus_connection_signal_unsubscribe (self->connection, self->subscription_id);
      self->subscription_id = 0;
    }

  G_OBJECT_CLASS (_tasker_remote_flusher_parent_class)->dispose (object);
}

static void
_tasker_remote_flusher_finalize (GObject *object)
{
  TaskerRemoteFlusher *self = TASKER_REMOTE_FLUSHER (object);

  g_mutex_lock (&registry_lock);
  if (registry != NULL)
    {
      GWeakRef *ref = g_hash_table_lookup (registry, self->registry_key);
      g_autoptr(GObject) current = ref != NULL ? g_weak_ref_get (ref) : NULL;

      /* Unless a newer flusher took the key. */
      if (ref != NULL && current == NULL)
        g_hash_table_remove (registry, self->registry_key);
    }
  g_mutex_unlock (&registry_lock);

  /* The dirty queue holds a reference: it is empty here. Updates still in
   * the table belong to tasks, which hold references too. */
  g_assert (g_queue_is_empty (&self->dirty));
  g_assert (g_hash_table_size (self->updates) == 0);
  g_hash_table_unref (self->updates);
  g_mutex_clear (&self->mutex);
  g_clear_object (&self->connection);
  g_free (self->bus_name);
  g_main_context_unref (self->context);
  g_free (self->registry_key);

  G_OBJECT_CLASS (_tasker_remote_flusher_parent_class)->finalize (object);
}

static void
_tasker_remote_flusher_class_init (TaskerRemoteFlusherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = _tasker_remote_flusher_dispose;
  object_class->finalize = _tasker_remote_flusher_finalize;
}

static void
_tasker_remote_flusher_init (TaskerRemoteFlusher *self)
{
  g_mutex_init (&self->mutex);
  self->updates = g_hash_table_new (g_str_hash, g_str_equal);
  self->due = G_MAXINT64;
}

/* The flusher of @connection, @bus_name and @context, made and subscribed
 * to its tasks' cancels when there is none. Returns: (transfer full) */
TaskerRemoteFlusher *
_tasker_remote_flusher_acquire (GDBusConnection        *connection,
                                const char             *bus_name,
                                GMainContext           *context,
                                TaskerRemoteCancelFunc  cancel_func)
{
  g_autofree char *key = g_strdup_printf ("%p %p %s", (gpointer) connection, (gpointer) context, bus_name);
  TaskerRemoteFlusher *self;
  GWeakRef *ref;

  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, weak_ref_free);
  ref = g_hash_table_lookup (registry, key);
  if (ref != NULL && (self = g_weak_ref_get (ref)) != NULL)
    {
      g_mutex_unlock (&registry_lock);
      return self;
    }

  self = g_object_new (TASKER_TYPE_REMOTE_FLUSHER, NULL);
  self->connection = g_object_ref (connection);
  self->bus_name = g_strdup (bus_name);
  self->context = g_main_context_ref (context);
  self->registry_key = g_strdup (key);
  self->cancel_func = cancel_func;
  g_hash_table_replace (registry, g_steal_pointer (&key), weak_ref_new (self));
  g_mutex_unlock (&registry_lock);

  self->source = g_source_new (&flush_source_funcs, sizeof (GSource));
  g_source_set_static_name (self->source, "[tasker] remote task updates");
  g_source_set_callback (self->source, flush_source_cb, weak_ref_new (self), weak_ref_free);
  g_source_set_ready_time (self->source, -1);
  g_source_attach (self->source, context);

  /* Signals come on the thread-default context at the time of subscribing. */
  g_main_context_push_thread_default (context);
  self->subscription_id =
    g_dbus_connection_signal_subscribe (connection, bus_name, "org.freedesktop.DBus.Properties",
                                        "PropertiesChanged", NULL, TASKER_DBUS_TASK_INTERFACE,
                                        G_DBUS_SIGNAL_FLAGS_NONE, properties_changed_cb,
                                        weak_ref_new (self), weak_ref_free);
  g_main_context_pop_thread_default (context);

  return self;
}

GDBusConnection *
_tasker_remote_flusher_get_connection (TaskerRemoteFlusher *self)
{
  return self->connection;
}

const char *
_tasker_remote_flusher_get_bus_name (TaskerRemoteFlusher *self)
{
  return self->bus_name;
}

/* Registers a task the application made; @owner hears of its cancel. */
TaskerRemoteUpdate *
_tasker_remote_flusher_add (TaskerRemoteFlusher *self,
                            guint64              id,
                            const char          *object_path,
                            GObject             *owner,
                            guint                interval_ms)
{
  TaskerRemoteUpdate *update = g_new0 (TaskerRemoteUpdate, 1);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  update->id = id;
  update->object_path = g_strdup (object_path);
  g_weak_ref_init (&update->owner, owner);
  update->dirty_link.data = update;
  update->interval_ms = interval_ms;
  update->sent_progress = NAN;
  update->sent_total = NAN;
  g_queue_init (&update->lines);
  g_hash_table_replace (self->updates, update->object_path, update);
  return update;
}

/* Its task is gone: what it stored is still sent, then the update freed. */
void
_tasker_remote_flusher_remove (TaskerRemoteFlusher *self,
                               TaskerRemoteUpdate  *update)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  g_hash_table_remove (self->updates, update->object_path);
  g_weak_ref_set (&update->owner, NULL);
  if (update->dirty)
    update->removed = TRUE;
  else
    update_free (update);
}

void
_tasker_remote_flusher_set_interval (TaskerRemoteFlusher *self,
                                     TaskerRemoteUpdate  *update,
                                     guint                interval_ms)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  update->interval_ms = interval_ms;
}

void
_tasker_remote_flusher_set_progress (TaskerRemoteFlusher *self,
                                     TaskerRemoteUpdate  *update,
                                     double               progress)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  if (update->ended)
    return;
  update->progress = progress;
  /* Back to what the application has: nothing to send. */
  update->has_progress = progress != update->sent_progress;
  if (update->has_progress)
    mark_dirty_locked (self, update);
}

void
_tasker_remote_flusher_set_total (TaskerRemoteFlusher *self,
                                  TaskerRemoteUpdate  *update,
                                  double               total)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  if (update->ended)
    return;
  update->total = total;
  update->has_total = total != update->sent_total;
  if (update->has_total)
    mark_dirty_locked (self, update);
}

void
_tasker_remote_flusher_set_message (TaskerRemoteFlusher *self,
                                    TaskerRemoteUpdate  *update,
                                    const char          *message)
{
  g_autofree char *valid = g_utf8_make_valid (message, -1);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  if (update->ended)
    return;
  g_clear_pointer (&update->message, g_free);
  if (g_strcmp0 (valid, update->sent_message) == 0)
    return;
  update->message = g_steal_pointer (&valid);
  mark_dirty_locked (self, update);
}

/* Each line of @text (ending at \n or \r\n; a last newline ends the last
 * line) is a log line. */
void
_tasker_remote_flusher_log (TaskerRemoteFlusher *self,
                            TaskerRemoteUpdate  *update,
                            const char          *text)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  const char *line = text;

  if (update->ended)
    return;

  for (;;)
    {
      const char *end = strchr (line, '\n');
      gsize length = end != NULL ? (gsize) (end - line) : strlen (line);

      if (end == NULL && length == 0 && line != text)
        break;
      add_line_locked (update, line, length > 0 && line[length - 1] == '\r' ? length - 1 : length);
      if (end == NULL)
        break;
      line = end + 1;
    }
  mark_dirty_locked (self, update);
}

/* Sends what @update holds now, ahead of its Complete or Fail (calls on a
 * connection keep their order), and drops what comes after. Any thread. */
void
_tasker_remote_flusher_end (TaskerRemoteFlusher *self,
                            TaskerRemoteUpdate  *update)
{
  gboolean emptied = FALSE;

  g_mutex_lock (&self->mutex);
  if (!update->ended)
    {
      update->ended = TRUE;
      if (update->dirty)
        {
          GVariantBuilder builder;
          gsize budget = G_MAXSIZE;
          gboolean added;

          g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ta{sv}}"));
          take_changes_locked (update, &builder, &budget, &added);
          emptied = undirty_locked (self, update);
          /* No reply wanted: Complete or Fail, right behind, reports. */
          if (added)
            g_dbus_connection_call (self->connection, self->bus_name, TASKER_DBUS_PATH,
                                    TASKER_DBUS_INTERFACE, "UpdateTasks",
                                    g_variant_new ("(@a{ta{sv}})", g_variant_builder_end (&builder)),
                                    NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL, NULL);
          else
            g_variant_builder_clear (&builder);
        }
    }
  g_mutex_unlock (&self->mutex);

  if (emptied)
    g_object_unref (self);
}
