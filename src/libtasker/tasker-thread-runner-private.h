/* tasker-thread-runner-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include "tasker-task.h"

G_BEGIN_DECLS

typedef struct _TaskerThreadRunner TaskerThreadRunner;

TaskerThreadRunner *_tasker_thread_runner_new             (guint               max_threads);
void                _tasker_thread_runner_free            (TaskerThreadRunner *self);
gboolean            _tasker_thread_runner_push            (TaskerThreadRunner *self,
                                                           TaskerTask         *task,
                                                           gboolean            defer);
void                _tasker_thread_runner_kick            (TaskerThreadRunner *self);
void                _tasker_thread_runner_set_max_threads (TaskerThreadRunner *self,
                                                           guint               max_threads);
guint               _tasker_thread_runner_get_max_threads (TaskerThreadRunner *self);
gboolean            _tasker_thread_runner_in_pool_thread  (void);

G_END_DECLS
