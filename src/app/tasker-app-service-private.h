/* tasker-app-service-private.h: what the files of the D-Bus service share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "tasker-app-application.h"
#include "tasker-app-command.h"
#include "tasker-app-service.h"
#include "tasker-dbus-error.h"

G_BEGIN_DECLS

/* An option (or filter key) a method accepts, and its GVariant type. */
typedef struct
{
  const char *name;
  const char *type;
} TaskerAppOptionSpec;

/* tasker-app-service.c */
TaskerAppApplication *_tasker_app_service_get_app       (TaskerAppService *self);
TaskerTask           *_tasker_app_service_find_task     (TaskerAppService *self,
                                                         guint64           id);
void                  _tasker_app_service_return_gerror (GDBusMethodInvocation *invocation,
                                                         const GError          *error);
void                  _tasker_app_service_return_task_error (GDBusMethodInvocation *invocation,
                                                             TaskerDBusError        code,
                                                             const char            *format,
                                                             guint64                id);

/* tasker-app-service-command.c */
gboolean          _tasker_app_service_check_options (GVariant                   *options,
                                                     const TaskerAppOptionSpec  *specs,
                                                     guint                       n_specs,
                                                     GError                    **error);
TaskerAppCommand *_tasker_app_service_command_for_add_command (TaskerAppService       *self,
                                                               GDBusMethodInvocation  *invocation,
                                                               const char * const     *argv,
                                                               const char * const     *env,
                                                               GVariant               *options,
                                                               char                  **schedule_spec,
                                                               GError                **error);
TaskerAppCommand *_tasker_app_service_command_for_add_schedule (TaskerAppService       *self,
                                                                GDBusMethodInvocation  *invocation,
                                                                const char * const     *argv,
                                                                const char * const     *env,
                                                                GVariant               *options,
                                                                GError                **error);
TaskerSchedule   *_tasker_app_service_add_schedule (TaskerAppService  *self,
                                                    const char        *spec,
                                                    TaskerAppCommand  *command,
                                                    GVariant          *options,
                                                    GError           **error);

G_END_DECLS
