/* tasker-manager-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include "tasker-manager.h"
#include "tasker-task.h"
#include "tasker-task-sink-private.h"

G_BEGIN_DECLS

/* How many times the manager's main-context source has been dispatched
 * (main-loop wake-ups spent on this manager). For tests and benchmarks. */
guint64 _tasker_manager_get_n_wakeups (TaskerManager *self);

/* How many events of @task wait for delivery (its inbox messages, the one
 * being delivered included). For tests, on the manager's context. */
guint   _tasker_manager_count_events  (TaskerManager *self,
                                       TaskerTask    *task);

/* The sink the manager installs in its tasks: its runners, their contexts
 * and the tasks report through it, never by these names. */
extern const TaskerTaskSink _tasker_manager_task_sink;

/* What the sink calls, from any thread (tests may call them directly). */
void    _tasker_manager_task_dirty    (TaskerManager *self,
                                       TaskerTask    *task);
void    _tasker_manager_task_flush    (TaskerManager *self,
                                       TaskerTask    *task);
gboolean _tasker_manager_task_event   (TaskerManager *self,
                                       TaskerTask    *task,
                                       const char    *name,
                                       GVariant      *data,
                                       gboolean       may_wait);
void    _tasker_manager_task_returned (TaskerManager *self,
                                       TaskerTask    *task);
void    _tasker_manager_task_cancel   (TaskerManager *self,
                                       TaskerTask    *task,
                                       const GError  *reason);

G_END_DECLS
