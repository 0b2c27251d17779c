/* tasker-pending.h: the commands the last run left unfinished
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <tasker.h>

#include "tasker-command.h"

G_BEGIN_DECLS

#define TASKER_TYPE_PENDING (tasker_pending_get_type ())

G_DECLARE_FINAL_TYPE (TaskerPending, tasker_pending, TASKER, PENDING, GObject)

TaskerPending *tasker_pending_new              (TaskerManager *manager) G_GNUC_WARN_UNUSED_RESULT;
void           tasker_pending_restore          (TaskerPending *self);
gboolean       tasker_pending_is_restored      (TaskerPending *self);
GListModel    *tasker_pending_get_interrupted  (TaskerPending *self);
void           tasker_pending_dismiss          (TaskerPending *self,
                                                TaskerCommand *command);
void           tasker_pending_dismiss_record   (TaskerPending       *self,
                                                TaskerHistoryRecord *record);

G_END_DECLS
