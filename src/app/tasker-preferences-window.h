/* tasker-preferences-window.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TASKER_TYPE_PREFERENCES_WINDOW (tasker_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (TaskerPreferencesWindow, tasker_preferences_window, TASKER, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget *tasker_preferences_window_new          (GtkWindow               *parent);
GSettings *tasker_preferences_window_get_settings (TaskerPreferencesWindow *self);

G_END_DECLS
