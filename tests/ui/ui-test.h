/* ui-test.h: helpers for the application's UI tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "tasker-app-application.h"
#include "tasker-app-new-task-dialog.h"
#include "tasker-app-window.h"

G_BEGIN_DECLS

typedef gboolean (*UiTestCondition) (gpointer data);

/* The GTest fixture of most application tests: an application on a fresh
 * temporary data directory, and its window. */
typedef struct
{
  TaskerAppApplication *app;
  TaskerAppWindow      *window;
  char                 *data_dir;
} UiTestFixture;

/* Re-executes the test under xvfb-run and dbus-run-session when there is no
 * display or bus; then gtk_test_init and adw_init. */
void               ui_test_init          (int                *argc,
                                          char             ***argv);
/* A registered, activated application with its own data directory (a fresh
 * temporary one when @data_dir is NULL) and its window. */
TaskerAppApplication *ui_test_app_new       (const char         *data_dir);
/* The same, with @clock (may be NULL) for the schedules. */
TaskerAppApplication *ui_test_app_new_with_clock (const char  *data_dir,
                                                  TaskerClock *clock);
/* The same, registered but not activated: no window, as D-Bus activation
 * starts it. The temporary data directory (@data_dir NULL) is not removed. */
TaskerAppApplication *ui_test_app_new_headless (const char  *data_dir,
                                                TaskerClock *clock);
/* A fixture's application: a fresh temporary data directory, returned in
 * @data_dir, and an application on it; ui_test_app_clear() undoes both. */
TaskerAppApplication *ui_test_app_new_in_tmp_dir (char **data_dir);
void               ui_test_app_clear     (TaskerAppApplication **app,
                                          char                 **data_dir);
/* For g_test_add(): ui_test_app_new_in_tmp_dir() and its window, undone by
 * ui_test_app_clear(). */
void               ui_test_fixture_set_up    (UiTestFixture *f,
                                              gconstpointer  data);
void               ui_test_fixture_tear_down (UiTestFixture *f,
                                              gconstpointer  data);
TaskerAppWindow      *ui_test_app_window    (TaskerAppApplication  *app);
/* Quits as the application would, then drops it and its window. */
void               ui_test_app_free      (TaskerAppApplication  *app);
void               ui_test_remove_dir    (const char         *path);
/* Iterates the default context until @condition holds or @timeout_ms passes. */
gboolean           ui_test_wait          (UiTestCondition     condition,
                                          gpointer            data,
                                          guint               timeout_ms);
void               ui_test_sleep         (guint               ms);
/* As ui_test_wait() for an expression, for the widget tests; fails the
 * test, naming @cond, after @timeout_s seconds. */
#define UI_TEST_WAIT_UNTIL(cond, timeout_s)                                  \
  G_STMT_START {                                                             \
    gint64 deadline_ = g_get_monotonic_time () + (timeout_s) * G_USEC_PER_SEC; \
    while (!(cond))                                                          \
      {                                                                      \
        if (g_get_monotonic_time () > deadline_)                             \
          g_error ("timed out waiting for %s", #cond);                       \
        g_main_context_iteration (NULL, FALSE);                              \
        g_usleep (1000);                                                     \
      }                                                                      \
  } G_STMT_END
/* How many desktop notifications the application tried to send. */
guint              ui_test_get_n_notifications (void);
/* Renders @widget to <TASKER_SCREENSHOT_DIR>/<name>.png; returns the path. */
char              *ui_test_screenshot    (GtkWidget          *widget,
                                          const char         *name);
/* GSubprocessLauncher child setup: the child dies with the test. */
void               ui_test_die_with_parent     (gpointer            data);
/* Serves the first interface of @xml at @path on @bus under the name @name
 * (a fake desktop service); returns the object's registration id. */
guint              ui_test_serve               (GDBusConnection            *bus,
                                                const char                 *name,
                                                const char                 *path,
                                                const char                 *xml,
                                                const GDBusInterfaceVTable *vtable);
/* A bus of the test's own that starts the real `tasker` by D-Bus
 * activation, and a connection to it (ui_test_session_start()). */
typedef struct
{
  char                *app_id;
  char                *dir;        /* (owned) the bus's, removed at the end */
  char                *data_home;  /* (owned) XDG_DATA_HOME of every `tasker` */
  GSubprocess         *daemon;
  GDBusConnection     *bus;
  GSubprocessLauncher *launcher;   /* for a `tasker` on that bus */
} UiTestSession;

void               ui_test_session_start       (UiTestSession      *s,
                                                const char         *service_file,
                                                const char         *app_id,
                                                const char         *tasker_bin);
void               ui_test_session_stop        (UiTestSession      *s);
guint32            ui_test_session_owner_pid   (UiTestSession      *s);
/* Whether process @data (GUINT_TO_POINTER) has gone. */
gboolean           ui_test_pid_gone            (gpointer            data);
/* The string @key of the a{sv} @dict, or NULL (transfer full). */
char              *ui_test_lookup_string       (GVariant           *dict,
                                                const char         *key);
/* Whether the bus name @data (a string) has an owner on the session bus. */
gboolean           ui_test_bus_name_has_owner  (gpointer            data);
/* The records @query finds in @manager's history (transfer full). */
GListModel        *ui_test_query_history       (TaskerManager      *manager,
                                                TaskerHistoryQuery *query);


/* Conditions for ui_test_wait(). */
gboolean           ui_test_is_set        (gpointer            pointer);  /* *(gpointer *) pointer != NULL */
gboolean           ui_test_is_running    (gpointer            task);
gboolean           ui_test_is_final      (gpointer            task);
gboolean           ui_test_file_exists   (gpointer            path);
gboolean           ui_test_pending_is_restored (gpointer      pending);

/* @window's task at @position, or NULL (transfer none: the list keeps it). */
TaskerTask        *ui_test_get_task      (TaskerAppWindow    *window,
                                          guint               position);
/* Asserts that @window lists @n tasks or more within 5 s. */
void               ui_test_wait_for_n_tasks (TaskerAppWindow *window,
                                             guint            n);

/* Finding widgets as a user would see them: the first from @widget down. */
typedef gboolean (*UiTestWidgetMatch) (GtkWidget     *widget,
                                       gconstpointer  data);
GtkWidget         *ui_test_find_widget   (GtkWidget          *widget,
                                          UiTestWidgetMatch   match,
                                          gconstpointer       data);
/* A label whose text is @text, or starts with @prefix. */
GtkWidget         *ui_test_find_label    (GtkWidget          *widget,
                                          const char         *text);
GtkWidget         *ui_test_find_label_prefix (GtkWidget      *widget,
                                              const char     *prefix);
/* A button whose label is @label (a dialog's response, say). */
GtkWidget         *ui_test_find_button   (GtkWidget          *widget,
                                          const char         *label);
GtkWidget         *ui_test_find_of_type  (GtkWidget          *widget,
                                          GType               type);
/* The template child @name of @widget's template class @type; asserts it exists. */
gpointer           ui_test_template_child (GtkWidget         *widget,
                                           GType              type,
                                           const char        *name);
/* A visible toplevel of @type (a dialog), or NULL. */
GtkWindow         *ui_test_find_toplevel (GType               type);
/* Opens New Task from @window's action, as a user would; asserts it shows. */
TaskerAppNewTaskDialog *ui_test_open_new_task_dialog (TaskerAppWindow *window);

/* D-Bus clients of the application under test, on the session bus the
 * test runs on (a private one). */
typedef struct
{
  char     *member;
  char     *path;
  GVariant *parameters;
} UiTestSignal;

/* A connection of its own, as another program would have. */
GDBusConnection   *ui_test_bus_client_new (void);
/* Calls @method of @interface_name at @object_path of @destination with
 * @parameters (floating, or NULL) from @connection, iterating the default
 * main context (where the application under test answers) until the reply
 * comes, within @timeout_ms: the reply, or NULL with @error set. */
GVariant          *ui_test_bus_call       (GDBusConnection    *connection,
                                           const char         *destination,
                                           const char         *object_path,
                                           const char         *interface_name,
                                           const char         *method,
                                           GVariant           *parameters,
                                           int                 timeout_ms,
                                           GError            **error);
/* @error is io.github.tasker.Tasker1's error @code (TaskerDBusError) under
 * its registered D-Bus name, with @message (a prefix when it ends with "…"). */
void               ui_test_assert_dbus_error (GError         *error,
                                              int             code,
                                              const char     *message);
/* An array for ui_test_record_signals(), which frees its signals. */
GPtrArray         *ui_test_signals_new    (void);
/* Appends to @signals (from ui_test_signals_new()) every signal @sender
 * emits (of @interface_name at @object_path, when not %NULL), in the order
 * @connection receives them. Returns the subscription. */
guint              ui_test_record_signals (GDBusConnection    *connection,
                                           const char         *sender,
                                           const char         *interface_name,
                                           const char         *object_path,
                                           GPtrArray          *signals);

G_END_DECLS
