/* tasker-app-pending.h: the commands the last run left unfinished
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <tasker.h>

#include "tasker-app-command.h"

G_BEGIN_DECLS

#define TASKER_APP_TYPE_PENDING (tasker_app_pending_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppPending, tasker_app_pending, TASKER_APP, PENDING, GObject)

TaskerAppPending *tasker_app_pending_new             (TaskerManager *manager) G_GNUC_WARN_UNUSED_RESULT;
void              tasker_app_pending_restore         (TaskerAppPending *self);
gboolean          tasker_app_pending_is_restored     (TaskerAppPending *self);
void              tasker_app_pending_stop            (TaskerAppPending *self);
GListModel       *tasker_app_pending_get_interrupted (TaskerAppPending *self);
void              tasker_app_pending_dismiss         (TaskerAppPending *self,
                                                      TaskerAppCommand *command);
void              tasker_app_pending_dismiss_record  (TaskerAppPending    *self,
                                                      TaskerHistoryRecord *record);

G_END_DECLS
