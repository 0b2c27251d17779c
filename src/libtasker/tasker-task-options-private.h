/* tasker-task-options-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include "tasker-task-options.h"

G_BEGIN_DECLS

void     _tasker_task_options_seal       (TaskerTaskOptions *self);
void     _tasker_task_options_call_done  (TaskerTaskOptions *self,
                                          TaskerTask        *task);
gboolean _tasker_task_options_has_event  (TaskerTaskOptions *self);
void     _tasker_task_options_call_event (TaskerTaskOptions *self,
                                          TaskerTask        *task,
                                          const char        *name,
                                          GVariant          *data);
GHashTable *_tasker_task_options_get_descriptions (TaskerTaskOptions *self);

G_END_DECLS
