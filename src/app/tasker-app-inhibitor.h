/* tasker-app-inhibitor.h: no suspend while tasks run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_INHIBITOR (tasker_app_inhibitor_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppInhibitor, tasker_app_inhibitor, TASKER_APP, INHIBITOR, GObject)

/* The least time between two changes of the reason. */
#define TASKER_APP_INHIBITOR_MIN_INTERVAL_MS 1000

TaskerAppInhibitor *tasker_app_inhibitor_new        (GtkApplication     *application,
                                                     TaskerManager      *manager) G_GNUC_WARN_UNUSED_RESULT;
const char         *tasker_app_inhibitor_get_reason (TaskerAppInhibitor *self);
char               *tasker_app_inhibitor_format_reason (const char * const *names) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
