/* ui-test.h: helpers for the application's UI tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "tasker-app-application.h"
#include "tasker-app-window.h"

G_BEGIN_DECLS

typedef gboolean (*UiTestCondition) (gpointer data);

/* Re-executes the test under xvfb-run and dbus-run-session when there is no
 * display or bus; then gtk_test_init and adw_init. */
void               ui_test_init          (int                *argc,
                                          char             ***argv);
/* A registered, activated application with its own data directory (a fresh
 * temporary one when @data_dir is NULL) and its window. */
TaskerAppApplication *ui_test_app_new       (const char         *data_dir);
TaskerAppWindow      *ui_test_app_window    (TaskerAppApplication  *app);
/* Quits as the application would, then drops it and its window. */
void               ui_test_app_free      (TaskerAppApplication  *app);
void               ui_test_remove_dir    (const char         *path);
/* Iterates the default context until @condition holds or @timeout_ms passes. */
gboolean           ui_test_wait          (UiTestCondition     condition,
                                          gpointer            data,
                                          guint               timeout_ms);
void               ui_test_sleep         (guint               ms);
/* How many desktop notifications the application tried to send. */
guint              ui_test_get_n_notifications (void);
/* Renders @widget to <TASKER_SCREENSHOT_DIR>/<name>.png; returns the path. */
char              *ui_test_screenshot    (GtkWidget          *widget,
                                          const char         *name);
/* GSubprocessLauncher child setup: the child dies with the test. */
void               ui_test_die_with_parent     (gpointer            data);
/* Whether the bus name @data (a string) has an owner on the session bus. */
gboolean           ui_test_bus_name_has_owner  (gpointer            data);
/* The records @query finds in @manager's history (transfer full). */
GListModel        *ui_test_query_history       (TaskerManager      *manager,
                                                TaskerHistoryQuery *query);

G_END_DECLS
