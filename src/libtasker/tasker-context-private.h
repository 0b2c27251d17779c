/* tasker-context-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include "tasker-context.h"
#include "tasker-task.h"

G_BEGIN_DECLS

TaskerContext *_tasker_context_new      (TaskerTask    *task);
TaskerContext *_tasker_context_new_external (TaskerTask *task);
void           _tasker_context_detach   (TaskerContext *self);
TaskerTask    *_tasker_context_get_task (TaskerContext *self);
TaskerContext *_tasker_context_recycle  (TaskerContext *self,
                                         TaskerTask    *task);
gboolean       _tasker_context_release  (TaskerContext *self);

G_END_DECLS
