/* tasker-process-runner-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include "tasker-task.h"

G_BEGIN_DECLS

typedef struct _TaskerProcessRunner TaskerProcessRunner;

typedef struct
{
  guint max_workers;        /* at least 1 */
  guint cancel_grace_ms;
  guint worker_max_tasks;   /* 0 = never recycle */
  guint worker_idle_ms;     /* 0 = never */
  guint update_interval_ms;
} TaskerProcessLimits;

TaskerProcessRunner *_tasker_process_runner_new          (const TaskerProcessLimits *limits);
void                 _tasker_process_runner_free         (TaskerProcessRunner       *self);
void                 _tasker_process_runner_set_limits   (TaskerProcessRunner       *self,
                                                          const TaskerProcessLimits *limits);
void                 _tasker_process_runner_push         (TaskerProcessRunner       *self,
                                                          TaskerTask                *task);
void                 _tasker_process_runner_cancel       (TaskerProcessRunner       *self,
                                                          TaskerTask                *task);
void                 _tasker_process_runner_stop_all     (TaskerProcessRunner       *self);
void                 _tasker_process_runner_resume       (TaskerProcessRunner       *self,
                                                          TaskerTask                *task);

G_END_DECLS
