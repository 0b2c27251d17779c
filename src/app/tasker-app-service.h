/* tasker-app-service.h: the io.github.tasker.Tasker1 D-Bus interface of the application
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <tasker.h>

#include "tasker-app-external.h"

G_BEGIN_DECLS

#define TASKER_APP_TYPE_SERVICE (tasker_app_service_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppService, tasker_app_service, TASKER_APP, SERVICE, GObject)

/* @app: the TaskerAppApplication that owns it */
TaskerAppService *tasker_app_service_new      (GApplication          *app) G_GNUC_WARN_UNUSED_RESULT;
gboolean          tasker_app_service_export   (TaskerAppService      *self,
                                               GDBusConnection       *connection,
                                               GError               **error);
void              tasker_app_service_unexport (TaskerAppService      *self);
void              tasker_app_service_start    (TaskerAppService      *self,
                                               TaskerManager         *manager);
guint             tasker_app_service_get_n_followers (TaskerAppService *self);
TaskerAppExternal *tasker_app_service_get_external  (TaskerAppService *self);

G_END_DECLS
