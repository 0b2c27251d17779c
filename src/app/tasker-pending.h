/* tasker-pending.h: the journal of unfinished commands, kept across restarts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <tasker.h>

#include "tasker-command.h"

G_BEGIN_DECLS

#define TASKER_TYPE_PENDING (tasker_pending_get_type ())

G_DECLARE_FINAL_TYPE (TaskerPending, tasker_pending, TASKER, PENDING, GObject)

TaskerPending *tasker_pending_new              (TaskerManager *manager,
                                                const char    *path) G_GNUC_WARN_UNUSED_RESULT;
const char    *tasker_pending_get_path         (TaskerPending *self);
GPtrArray     *tasker_pending_restore          (TaskerPending *self) G_GNUC_WARN_UNUSED_RESULT;
void           tasker_pending_track            (TaskerPending *self,
                                                TaskerTask    *task,
                                                TaskerCommand *command);
GListModel    *tasker_pending_get_interrupted  (TaskerPending *self);
void           tasker_pending_dismiss          (TaskerPending *self,
                                                TaskerCommand *command);
void           tasker_pending_flush            (TaskerPending *self);
void           tasker_pending_stop             (TaskerPending *self);

G_END_DECLS
