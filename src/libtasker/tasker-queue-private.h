/* tasker-queue-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include "tasker-task.h"

G_BEGIN_DECLS

/* A named queue of the manager's (DESIGN.md §4 Policies): at most
 * @max_concurrent tasks hold a slot at once, and at most @capacity more may
 * wait for one (0: no limit for either). Waiting tasks are ordered by
 * priority, lower first, then by arrival. Not thread-safe: the manager
 * guards it with its lock. */
typedef struct _TaskerQueue TaskerQueue;

TaskerQueue *_tasker_queue_new           (const char  *name);
void         _tasker_queue_free          (TaskerQueue *self);
const char  *_tasker_queue_get_name      (TaskerQueue *self);
void         _tasker_queue_configure     (TaskerQueue *self,
                                          guint        max_concurrent,
                                          guint        capacity);
gboolean     _tasker_queue_is_full       (TaskerQueue *self);
gboolean     _tasker_queue_take_slot     (TaskerQueue *self);
void         _tasker_queue_wait          (TaskerQueue *self,
                                          TaskerTask  *task,
                                          int          priority);
gboolean     _tasker_queue_remove        (TaskerQueue *self,
                                          TaskerTask  *task);
TaskerTask  *_tasker_queue_release_slot  (TaskerQueue *self);
TaskerTask  *_tasker_queue_next_if_free  (TaskerQueue *self);

G_END_DECLS
