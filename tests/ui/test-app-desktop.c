/* test-app-desktop.c: the application on the desktop: the dock icon's
 * progress (com.canonical.Unity.LauncherEntry), the suspend inhibition and
 * the application's icon, seen from the test's private session bus.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "tasker-app-inhibitor.h"
#include "tasker-app-launcher-entry.h"
#include "ui-test.h"

#define LAUNCHER_ENTRY_INTERFACE "com.canonical.Unity.LauncherEntry"

/* A thread task that keeps reporting a progress until told to stop. */
typedef struct
{
  int    stop;   /* (atomic) */
  double progress;
  gboolean ramp; /* a new progress every 10 ms instead */
} Work;

static void
work_cb (TaskerContext *context,
         gpointer       user_data)
{
  Work *work = user_data;

  for (guint i = 0; !g_atomic_int_get (&work->stop) && !tasker_context_is_cancelled (context); i++)
    {
      tasker_context_set_progress (context, work->ramp ? (i % 100) / 100.0 : work->progress);
      g_usleep (10000);
    }
}

static TaskerTask *
start_work (TaskerAppApplication *app,
            const char           *name,
            Work                 *work)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  tasker_task_options_set_name (options, name);
  task = tasker_manager_run_thread (tasker_app_application_get_manager (app), NULL, options,
                                    work_cb, work, NULL, &error);
  g_assert_no_error (error);
  return task;
}

static void
app_free_with_dir (TaskerAppApplication *app)
{
  g_autofree char *dir = g_strdup (tasker_app_application_get_data_dir (app));

  ui_test_app_free (app);
  ui_test_remove_dir (dir);
}

/* ---------------------------------------------------------------------- */
/* The dock: a client of its own on the test bus, as a dock would be. */

typedef struct
{
  gint64   time_us;
  char    *app_uri;
  double   progress;
  gboolean progress_visible;
  gint64   count;
  gboolean count_visible;
} Update;

static void
update_free (gpointer data)
{
  Update *update = data;

  g_free (update->app_uri);
  g_free (update);
}

typedef struct
{
  GDBusConnection *connection;  /* (owned) the dock's */
  guint            subscription;
  GPtrArray       *updates;     /* (element-type Update) */
  guint            seen;        /* for wait_update: updates already looked at */
} Dock;

static void
update_cb (GDBusConnection *connection,
           const char      *sender,
           const char      *object_path,
           const char      *interface_name,
           const char      *signal_name,
           GVariant        *parameters,
           gpointer         user_data)
{
  Dock *dock = user_data;
  g_autoptr(GVariant) properties = NULL;
  Update *update = g_new0 (Update, 1);

  g_variant_get (parameters, "(s@a{sv})", &update->app_uri, &properties);
  update->time_us = g_get_monotonic_time ();
  g_assert_true (g_variant_lookup (properties, "progress", "d", &update->progress));
  g_assert_true (g_variant_lookup (properties, "progress-visible", "b", &update->progress_visible));
  g_assert_true (g_variant_lookup (properties, "count", "x", &update->count));
  g_assert_true (g_variant_lookup (properties, "count-visible", "b", &update->count_visible));
  g_test_message ("Update %s progress %.3f%s count %" G_GINT64_FORMAT "%s", update->app_uri,
                  update->progress, update->progress_visible ? " (visible)" : "",
                  update->count, update->count_visible ? " (visible)" : "");
  g_ptr_array_add (dock->updates, update);
}

static Dock *
dock_new (TaskerAppApplication *app)
{
  g_autofree char *path = NULL;
  Dock *dock = g_new0 (Dock, 1);

  dock->connection = ui_test_bus_client_new ();
  dock->updates = g_ptr_array_new_with_free_func (update_free);
  path = g_strconcat (g_application_get_dbus_object_path (G_APPLICATION (app)), "/LauncherEntry", NULL);
  dock->subscription = g_dbus_connection_signal_subscribe (dock->connection, NULL, LAUNCHER_ENTRY_INTERFACE,
                                                           "Update", path, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                           update_cb, dock, NULL);
  return dock;
}

static void
dock_free (Dock *dock)
{
  g_dbus_connection_signal_unsubscribe (dock->connection, dock->subscription);
  g_dbus_connection_close_sync (dock->connection, NULL, NULL);
  g_clear_object (&dock->connection);
  g_ptr_array_unref (dock->updates);
  g_free (dock);
}

typedef gboolean (*UpdateMatch) (const Update *update);

typedef struct
{
  Dock        *dock;
  UpdateMatch  match;
} UpdateWait;

static gboolean
has_update (gpointer data)
{
  UpdateWait *wait = data;

  for (; wait->dock->seen < wait->dock->updates->len; wait->dock->seen++)
    if (wait->match (g_ptr_array_index (wait->dock->updates, wait->dock->seen)))
      return TRUE;
  return FALSE;
}

/* The first update from now on that @match accepts. */
static const Update *
wait_update (Dock        *dock,
             UpdateMatch  match)
{
  UpdateWait wait = { dock, match };

  g_assert_true (ui_test_wait (has_update, &wait, 10000));
  return g_ptr_array_index (dock->updates, dock->seen++);
}

typedef struct
{
  Dock  *dock;
  guint  n;
} CountWait;

static gboolean
has_more_updates (gpointer data)
{
  CountWait *wait = data;

  return wait->dock->updates->len > wait->n;
}

/* Whether no update comes for @ms. */
static gboolean
no_update_for (Dock  *dock,
               guint  ms)
{
  CountWait wait = { dock, dock->updates->len };

  return !ui_test_wait (has_more_updates, &wait, ms);
}

static gboolean
shows_half_of_one (const Update *update)
{
  return update->progress_visible && update->count == 1 && update->count_visible &&
         fabs (update->progress - 0.5) < 0.01;
}

static gboolean
shows_nothing (const Update *update)
{
  return !update->progress_visible && update->count == 0 && !update->count_visible;
}

static void
query_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_launcher_entry (void)
{
  TaskerAppApplication *app = ui_test_app_new (NULL);
  g_autofree char *app_uri = g_strdup_printf ("application://%s.desktop",
                                              g_application_get_application_id (G_APPLICATION (app)));
  g_autofree char *path = g_strconcat (g_application_get_dbus_object_path (G_APPLICATION (app)),
                                       "/LauncherEntry", NULL);
  Dock *dock = dock_new (app);
  Work work = { 0, 0.5, FALSE };
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) properties = NULL;
  g_autoptr(GError) error = NULL;
  const Update *update;
  const char *uri;
  gint64 count;

  /* Nothing to show, nothing sent. */
  g_assert_true (no_update_for (dock, 500));

  task = start_work (app, "backup.sh", &work);
  update = wait_update (dock, shows_half_of_one);
  g_assert_cmpstr (update->app_uri, ==, app_uri);

  /* The task keeps reporting the same progress: nothing changes, nothing
   * is sent. */
  g_assert_true (no_update_for (dock, 1500));

  /* Query answers with the current values (asynchronously: the entry
   * answers on this thread). */
  g_dbus_connection_call (dock->connection,
                          g_dbus_connection_get_unique_name (g_application_get_dbus_connection (G_APPLICATION (app))),
                          path, LAUNCHER_ENTRY_INTERFACE, "Query", NULL,
                          G_VARIANT_TYPE ("(sa{sv})"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL,
                          query_done_cb, &result);
  g_assert_true (ui_test_wait (ui_test_is_set, &result, 10000));
  reply = g_dbus_connection_call_finish (dock->connection, result, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s@a{sv})", &uri, &properties);
  g_assert_cmpstr (uri, ==, app_uri);
  g_assert_true (g_variant_lookup (properties, "count", "x", &count));
  g_assert_cmpint (count, ==, 1);

  /* The last task ends: the dock hides the progress and the count. */
  g_atomic_int_set (&work.stop, 1);
  g_assert_true (ui_test_wait (ui_test_is_final, task, 5000));
  wait_update (dock, shows_nothing);
  g_assert_true (no_update_for (dock, 600));

  dock_free (dock);
  app_free_with_dir (app);
}

/* A progress that changes every 10 ms reaches the dock a few times a
 * second, not at every change. */
static void
test_launcher_entry_rate (void)
{
  TaskerAppApplication *app = ui_test_app_new (NULL);
  Dock *dock = dock_new (app);
  Work work = { 0, 0.0, TRUE };
  g_autoptr(TaskerTask) task = NULL;
  gint64 start;
  guint first, n, max_n;

  task = start_work (app, "encode", &work);
  g_assert_true (ui_test_wait (has_more_updates, &(CountWait) { dock, 0 }, 5000));
  first = dock->updates->len;
  start = g_get_monotonic_time ();
  ui_test_sleep (2000);
  n = dock->updates->len - first;
  /* One per interval at most, plus one for the interval that had begun. */
  max_n = (g_get_monotonic_time () - start) / (TASKER_APP_LAUNCHER_ENTRY_MIN_INTERVAL_MS * 1000) + 1;
  g_test_message ("%u updates in %.2f s", n, (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpuint (n, >=, 3);
  g_assert_cmpuint (n, <=, max_n);

  g_atomic_int_set (&work.stop, 1);
  g_assert_true (ui_test_wait (ui_test_is_final, task, 5000));
  wait_update (dock, shows_nothing);

  dock_free (dock);
  app_free_with_dir (app);
}

/* ---------------------------------------------------------------------- */
/* Suspend: a fake org.gnome.SessionManager, which GTK 4.8 asks, served from
 * a thread of its own: gtk_application_inhibit() waits for its answer on
 * the main thread. */

typedef struct
{
  char     kind;     /* 'I' Inhibit, 'U' Uninhibit */
  guint    cookie;
  guint    flags;
  char    *reason;
  char    *app_id;
} SmCall;

static void
sm_call_free (gpointer data)
{
  SmCall *call = data;

  g_free (call->reason);
  g_free (call->app_id);
  g_free (call);
}

static struct
{
  GMutex           lock;
  GCond            cond;
  gboolean         ready;       /* protected by @lock */
  GPtrArray       *calls;       /* (element-type SmCall) protected by @lock */
  GHashTable      *active;      /* cookie → flags, protected by @lock */
  guint            next_cookie; /* protected by @lock */
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
} sm;

static const char sm_xml[] =
  "<node>"
  "  <interface name='org.gnome.SessionManager'>"
  "    <method name='Inhibit'>"
  "      <arg type='s' name='app_id' direction='in'/>"
  "      <arg type='u' name='toplevel_xid' direction='in'/>"
  "      <arg type='s' name='reason' direction='in'/>"
  "      <arg type='u' name='flags' direction='in'/>"
  "      <arg type='u' name='inhibit_cookie' direction='out'/>"
  "    </method>"
  "    <method name='Uninhibit'>"
  "      <arg type='u' name='inhibit_cookie' direction='in'/>"
  "    </method>"
  "    <method name='IsInhibited'>"
  "      <arg type='u' name='flags' direction='in'/>"
  "      <arg type='b' name='is_inhibited' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
sm_method_cb (GDBusConnection       *connection,
              const char            *sender,
              const char            *object_path,
              const char            *interface_name,
              const char            *method_name,
              GVariant              *parameters,
              GDBusMethodInvocation *invocation,
              gpointer               user_data)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&sm.lock);

  if (g_strcmp0 (method_name, "Inhibit") == 0)
    {
      SmCall *call = g_new0 (SmCall, 1);
      guint xid;

      call->kind = 'I';
      g_variant_get (parameters, "(susu)", &call->app_id, &xid, &call->reason, &call->flags);
      call->cookie = ++sm.next_cookie;
      g_hash_table_insert (sm.active, GUINT_TO_POINTER (call->cookie), GUINT_TO_POINTER (call->flags));
      g_ptr_array_add (sm.calls, call);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", call->cookie));
    }
  else if (g_strcmp0 (method_name, "Uninhibit") == 0)
    {
      SmCall *call = g_new0 (SmCall, 1);

      call->kind = 'U';
      g_variant_get (parameters, "(u)", &call->cookie);
      g_hash_table_remove (sm.active, GUINT_TO_POINTER (call->cookie));
      g_ptr_array_add (sm.calls, call);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_strcmp0 (method_name, "IsInhibited") == 0)
    {
      GHashTableIter iter;
      gpointer flags;
      guint wanted;
      gboolean inhibited = FALSE;

      g_variant_get (parameters, "(u)", &wanted);
      g_hash_table_iter_init (&iter, sm.active);
      while (g_hash_table_iter_next (&iter, NULL, &flags))
        inhibited |= (GPOINTER_TO_UINT (flags) & wanted) != 0;
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", inhibited));
    }
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "No method %s", method_name);
}

static gpointer
sm_thread (gpointer data)
{
  static const GDBusInterfaceVTable vtable = { sm_method_cb, NULL, NULL, { 0 } };
  g_autoptr(GDBusConnection) connection = NULL;
  guint registration;

  g_main_context_push_thread_default (sm.context);

  connection = ui_test_bus_client_new ();
  registration = ui_test_serve (connection, "org.gnome.SessionManager", "/org/gnome/SessionManager",
                                sm_xml, &vtable);

  g_mutex_lock (&sm.lock);
  sm.ready = TRUE;
  g_cond_signal (&sm.cond);
  g_mutex_unlock (&sm.lock);

  g_main_loop_run (sm.loop);

  g_dbus_connection_unregister_object (connection, registration);
  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_main_context_pop_thread_default (sm.context);
  return NULL;
}

/* Before any application starts: GTK looks for the session manager once,
 * in its startup. */
static void
sm_start (void)
{
  g_mutex_init (&sm.lock);
  g_cond_init (&sm.cond);
  sm.calls = g_ptr_array_new_with_free_func (sm_call_free);
  sm.active = g_hash_table_new (NULL, NULL);
  sm.context = g_main_context_new ();
  sm.loop = g_main_loop_new (sm.context, FALSE);
  sm.thread = g_thread_new ("fake-session-manager", sm_thread, NULL);

  g_mutex_lock (&sm.lock);
  while (!sm.ready)
    g_cond_wait (&sm.cond, &sm.lock);
  g_mutex_unlock (&sm.lock);
}

static gboolean
sm_quit_cb (gpointer data)
{
  g_main_loop_quit (sm.loop);
  return G_SOURCE_REMOVE;
}

static void
sm_stop (void)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_callback (source, sm_quit_cb, NULL, NULL);
  g_source_attach (source, sm.context);
  g_thread_join (sm.thread);
  g_clear_pointer (&sm.loop, g_main_loop_unref);
  g_clear_pointer (&sm.context, g_main_context_unref);
  g_clear_pointer (&sm.calls, g_ptr_array_unref);
  g_clear_pointer (&sm.active, g_hash_table_unref);
}

/* The index of the first call from @from on of @kind, with @reason (any
 * when NULL) or @cookie (any when 0); -1 when none. */
static int
sm_find (guint       from,
         char        kind,
         const char *reason,
         guint       cookie)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&sm.lock);

  for (guint i = from; i < sm.calls->len; i++)
    {
      SmCall *call = g_ptr_array_index (sm.calls, i);

      if (call->kind == kind &&
          (reason == NULL || g_strcmp0 (call->reason, reason) == 0) &&
          (cookie == 0 || call->cookie == cookie))
        return (int) i;
    }
  return -1;
}

static SmCall
sm_get (int index)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&sm.lock);
  SmCall copy;

  g_assert_cmpint (index, >=, 0);
  copy = *(SmCall *) g_ptr_array_index (sm.calls, index);
  copy.reason = NULL;
  copy.app_id = NULL;
  return copy;
}

static guint
sm_n_calls (void)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&sm.lock);

  return sm.calls->len;
}

static guint
sm_n_active (void)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&sm.lock);

  return g_hash_table_size (sm.active);
}

typedef struct
{
  guint       from;
  char        kind;
  const char *reason;
  guint       cookie;
} SmWait;

static gboolean
sm_has_call (gpointer data)
{
  SmWait *wait = data;

  return sm_find (wait->from, wait->kind, wait->reason, wait->cookie) >= 0;
}

static int
sm_wait (guint       from,
         char        kind,
         const char *reason,
         guint       cookie)
{
  SmWait wait = { from, kind, reason, cookie };

  g_assert_true (ui_test_wait (sm_has_call, &wait, 10000));
  return sm_find (from, kind, reason, cookie);
}

static gboolean
sm_none_active (gpointer data)
{
  return sm_n_active () == 0;
}

static void
test_inhibit (void)
{
  TaskerAppApplication *app = ui_test_app_new (NULL);
  Work backup = { 0, 0.5, FALSE };
  Work make = { 0, 0.5, FALSE };
  g_autoptr(TaskerTask) first = NULL;
  g_autoptr(TaskerTask) second = NULL;
  guint from = sm_n_calls ();
  int one, both, released;
  SmCall call;

  g_assert_cmpuint (sm_n_active (), ==, 0);

  first = start_work (app, "backup.sh", &backup);
  one = sm_wait (from, 'I', "Running 1 task: backup.sh", 0);
  call = sm_get (one);
  g_assert_cmpuint (call.flags & GTK_APPLICATION_INHIBIT_SUSPEND, ==, 4);
  g_assert_cmpuint (sm_n_active (), ==, 1);
  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&sm.lock);

    g_assert_cmpstr (((SmCall *) g_ptr_array_index (sm.calls, one))->app_id, ==,
                     g_application_get_application_id (G_APPLICATION (app)));
  }

  /* A second task: the reason names both; the new inhibition is taken
   * before the old one goes. */
  second = start_work (app, "make", &make);
  both = sm_wait (one + 1, 'I', "Running 2 tasks: backup.sh, make", 0);
  released = sm_wait (one + 1, 'U', NULL, sm_get (one).cookie);
  g_assert_cmpint (both, <, released);
  g_assert_cmpuint (sm_n_active (), ==, 1);

  /* The last task ends: nothing is held any more. */
  g_atomic_int_set (&backup.stop, 1);
  g_atomic_int_set (&make.stop, 1);
  g_assert_true (ui_test_wait (ui_test_is_final, first, 5000));
  g_assert_true (ui_test_wait (ui_test_is_final, second, 5000));
  g_assert_true (ui_test_wait (sm_none_active, NULL, 5000));
  /* Every Inhibit was released by an Uninhibit of its cookie. */
  for (guint i = from; i < sm_n_calls (); i++)
    if (sm_get (i).kind == 'I')
      g_assert_cmpint (sm_find (from, 'U', NULL, sm_get (i).cookie), >, (int) i);

  app_free_with_dir (app);
}

/* The reason follows the tasks, not more than about once a second. */
static void
test_inhibit_rate (void)
{
  TaskerAppApplication *app = ui_test_app_new (NULL);
  Work works[4] = { { 0, 0.5, FALSE }, { 0, 0.5, FALSE }, { 0, 0.5, FALSE }, { 0, 0.5, FALSE } };
  const char *names[] = { "a", "b", "c", "d" };
  TaskerTask *tasks[4];
  guint from = sm_n_calls ();
  int first, last;
  guint n_inhibits = 0;

  /* Four tasks within a few tens of milliseconds. */
  for (guint i = 0; i < 4; i++)
    {
      tasks[i] = start_work (app, names[i], &works[i]);
      ui_test_sleep (30);
    }
  last = sm_wait (from, 'I', "Running 4 tasks: a, b, c…", 0);
  first = sm_wait (from, 'I', NULL, 0);
  for (int i = first; i <= last; i++)
    n_inhibits += sm_get (i).kind == 'I';
  /* The first at once, the last after the interval: at most one between. */
  g_assert_cmpuint (n_inhibits, <=, 3);

  for (guint i = 0; i < 4; i++)
    {
      g_atomic_int_set (&works[i].stop, 1);
      g_assert_true (ui_test_wait (ui_test_is_final, tasks[i], 5000));
      g_object_unref (tasks[i]);
    }
  g_assert_true (ui_test_wait (sm_none_active, NULL, 5000));

  app_free_with_dir (app);
}

static void
test_inhibit_reason (void)
{
  const char *one[] = { "backup.sh", NULL };
  const char *two[] = { "backup.sh", "make", NULL };
  const char *many[] = { "a", "", "c", "d", NULL };
  const char *longer[] = { "rsync -a --delete /home/me/Pictures/ /media/backup/Pictures/", NULL };
  g_autofree char *reason_one = tasker_app_inhibitor_format_reason (one);
  g_autofree char *reason_two = tasker_app_inhibitor_format_reason (two);
  g_autofree char *reason_many = tasker_app_inhibitor_format_reason (many);
  g_autofree char *reason_longer = tasker_app_inhibitor_format_reason (longer);

  g_assert_cmpstr (reason_one, ==, "Running 1 task: backup.sh");
  g_assert_cmpstr (reason_two, ==, "Running 2 tasks: backup.sh, make");
  g_assert_cmpstr (reason_many, ==, "Running 4 tasks: a, Unnamed task, c…");
  g_assert_cmpstr (reason_longer, ==, "Running 1 task: rsync -a --delete /home/me/Pictures/ /m…");
}

/* ---------------------------------------------------------------------- */
/* The application's icon, from its GResource: nothing is installed. */

static gboolean
is_mapped_status_page (GtkWidget     *widget,
                       gconstpointer  data)
{
  return ADW_IS_STATUS_PAGE (widget) && gtk_widget_get_mapped (widget);
}

static gboolean
is_image_of (GtkWidget     *widget,
             gconstpointer  icon_name)
{
  return GTK_IS_IMAGE (widget) && g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (widget)), icon_name) == 0;
}

/* The icon @name resolves to, from the application's resources. */
static void
assert_icon_in_resources (const char *name)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  g_autoptr(GtkIconPaintable) icon = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *uri = NULL;

  g_assert_true (gtk_icon_theme_has_icon (theme, name));
  icon = gtk_icon_theme_lookup_icon (theme, name, NULL, 128, 1, GTK_TEXT_DIR_NONE, 0);
  g_assert_cmpstr (gtk_icon_paintable_get_icon_name (icon), ==, name);
  file = gtk_icon_paintable_get_file (icon);
  g_assert_nonnull (file);
  uri = g_file_get_uri (file);
  g_assert_true (g_str_has_prefix (uri, "resource:///io/github/tasker/Tasker/icons/"));
}

/* @paintable drawn at @width × @height by @widget's renderer, as RGBA
 * bytes; waits until there is something to draw. */
static GBytes *
render (GtkWidget    *widget,
        GdkPaintable *paintable,
        int           width,
        int           height)
{
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *data = g_malloc (width * height * 4);

  for (int i = 0; i < 100 && node == NULL; i++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node == NULL)
        ui_test_sleep (20);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gdk_texture_download (texture, data, width * 4);
  return g_bytes_new_take (g_steal_pointer (&data), width * height * 4);
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static void
test_icon (void)
{
  g_autofree char *data_dir = NULL;
  g_autoptr(GError) error = NULL;
  TaskerAppApplication *app;
  TaskerAppWindow *window;
  GtkWidget *status_page, *image;
  g_autofree char *shot = NULL;
  const char *icon_name;
  g_autofree char *saved_name = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GBytes) shown_pixels = NULL;
  g_autoptr(GBytes) missing_pixels = NULL;
  const guchar *a, *b;
  gsize size, n_drawn = 0, n_different = 0;
  int width, height;

  /* The build's own application id, the one its icons are named after. */
  data_dir = g_dir_make_tmp ("tasker-ui-XXXXXX", &error);
  g_assert_no_error (error);
  app = tasker_app_application_new (TASKER_APP_ID, G_APPLICATION_NON_UNIQUE, data_dir);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  window = ui_test_app_window (app);
  g_assert_nonnull (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);

  assert_icon_in_resources (TASKER_APP_ID);
  assert_icon_in_resources (TASKER_APP_ID "-symbolic");
  /* The window's icon. */
  g_assert_cmpstr (gtk_window_get_default_icon_name (), ==, TASKER_APP_ID);

  /* The empty state shows the application's icon, not the missing one. */
  g_assert_true (ui_test_wait (is_mapped, window, 5000));
  ui_test_sleep (300);
  status_page = ui_test_find_widget (GTK_WIDGET (window), is_mapped_status_page, NULL);
  g_assert_nonnull (status_page);
  icon_name = adw_status_page_get_icon_name (ADW_STATUS_PAGE (status_page));
  g_assert_true (g_str_has_prefix (icon_name, "io.github.tasker.Tasker"));
  assert_icon_in_resources (icon_name);
  shot = ui_test_screenshot (status_page, "empty-state");
  g_assert_true (g_file_test (shot, G_FILE_TEST_IS_REGULAR));

  /* Its pixels against those of the same page with an icon that cannot be
   * found: the missing-image icon the empty state showed before. */
  image = ui_test_find_widget (status_page, is_image_of, icon_name);
  g_assert_nonnull (image);
  width = gtk_widget_get_width (image);
  height = gtk_widget_get_height (image);
  g_assert_cmpint (height, >=, 64);
  paintable = gtk_widget_paintable_new (image);
  shown_pixels = render (image, paintable, width, height);
  saved_name = g_strdup (icon_name);
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status_page), "tasker-test-no-such-icon");
  ui_test_sleep (300);
  missing_pixels = render (image, paintable, width, height);
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status_page), saved_name);
  a = g_bytes_get_data (shown_pixels, &size);
  b = g_bytes_get_data (missing_pixels, NULL);
  for (gsize i = 0; i < size; i += 4)
    {
      n_drawn += a[i + 3] > 0;
      n_different += memcmp (a + i, b + i, 4) != 0;
    }
  g_test_message ("icon %dx%d: %" G_GSIZE_FORMAT " pixels drawn, %" G_GSIZE_FORMAT " differ from a missing icon",
                  width, height, n_drawn, n_different);
  /* The strokes of a symbolic icon cover a few hundredths of its box. */
  g_assert_cmpuint (n_drawn, >, size / 4 / 50);
  g_assert_cmpuint (n_different, >, size / 4 / 50);

  /* The about window names the same icon. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  {
    GList *toplevels = gtk_window_list_toplevels ();
    GtkWidget *about = NULL;

    for (GList *l = toplevels; l != NULL; l = l->next)
      if (ADW_IS_ABOUT_WINDOW (l->data))
        about = l->data;
    g_list_free (toplevels);
    g_assert_nonnull (about);
    g_assert_cmpstr (adw_about_window_get_application_icon (ADW_ABOUT_WINDOW (about)), ==, TASKER_APP_ID);
    g_assert_nonnull (ui_test_find_widget (about, is_image_of, TASKER_APP_ID));
    gtk_window_destroy (GTK_WINDOW (about));
  }

  ui_test_app_free (app);
  ui_test_remove_dir (data_dir);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  ui_test_init (&argc, &argv);
  sm_start ();

  g_test_add_func ("/Tasker/UI/Desktop/launcher-entry", test_launcher_entry);
  g_test_add_func ("/Tasker/UI/Desktop/launcher-entry-rate", test_launcher_entry_rate);
  g_test_add_func ("/Tasker/UI/Desktop/inhibit", test_inhibit);
  g_test_add_func ("/Tasker/UI/Desktop/inhibit-rate", test_inhibit_rate);
  g_test_add_func ("/Tasker/UI/Desktop/inhibit-reason", test_inhibit_reason);
  g_test_add_func ("/Tasker/UI/Desktop/icon", test_icon);

  ret = g_test_run ();
  sm_stop ();
  return ret;
}
