/* tasker-app-launcher-entry.h: progress and count on the dock icon
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <tasker.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_LAUNCHER_ENTRY (tasker_app_launcher_entry_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppLauncherEntry, tasker_app_launcher_entry, TASKER_APP, LAUNCHER_ENTRY, GObject)

/* The least time between two Update signals. */
#define TASKER_APP_LAUNCHER_ENTRY_MIN_INTERVAL_MS 250

TaskerAppLauncherEntry *tasker_app_launcher_entry_new         (GDBusConnection  *connection,
                                                               const char       *object_path,
                                                               const char       *app_id,
                                                               TaskerManager    *manager,
                                                               GError          **error) G_GNUC_WARN_UNUSED_RESULT;
const char             *tasker_app_launcher_entry_get_app_uri (TaskerAppLauncherEntry *self);

G_END_DECLS
