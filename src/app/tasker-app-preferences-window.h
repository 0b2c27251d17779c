/* tasker-app-preferences-window.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_PREFERENCES_WINDOW (tasker_app_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppPreferencesWindow, tasker_app_preferences_window, TASKER_APP, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget *tasker_app_preferences_window_new          (GtkWindow *parent);
GSettings *tasker_app_preferences_window_get_settings (TaskerAppPreferencesWindow *self);

G_END_DECLS
