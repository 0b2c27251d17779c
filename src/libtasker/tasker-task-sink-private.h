/* tasker-task-sink-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TaskerTask TaskerTask;

/* Where a task's reports go, installed when the task is made: the manager
 * installs its own (its inbox and dirty list), a tasker-worker process its
 * remote one (the protocol back to the manager). The task, its context and
 * the runners report only through it, so nothing below the manager knows the
 * manager.
 *
 * @dirty and @returned are called by the task's runner while the task runs,
 * when its sink is sure to be there. @flush and @event from the task's
 * function come through a hold (_tasker_task_hold_sink()), as does @cancel
 * from any thread. @hold, @log, @returned and @cancel may be NULL: the task then
 * keeps its log lines itself, and nothing is told. */
typedef struct
{
  /* Any thread: a reference that keeps the sink there while a report goes
   * to it, or NULL when it is gone and nothing may be reported (the
   * manager's, once the task is final). NULL: the sink is always there. */
  GObject *(*hold)     (TaskerTask   *task);
  /* Any thread: progress or message changed, or the task started. Its
   * dirty flag is already set, so this runs once per delivery at most. */
  void     (*dirty)    (TaskerTask   *task);
  /* Any thread: as @dirty, taking over a reference to @task the caller
   * held (a thread runner's, as its task starts). NULL: @dirty, then the
   * caller drops its reference. */
  void     (*dirty_take) (TaskerTask *task);
  /* Any thread: deliver progress and message now. */
  void     (*flush)    (TaskerTask   *task);
  /* Any thread: an event of the task; TRUE when it is now over its bound
   * of undelivered events (a sender that may not wait stops reading). */
  gboolean (*event)    (TaskerTask   *task,
                        const char   *name,
                        GVariant     *data,
                        gboolean      may_wait);
  /* Any thread: log text (one or more lines), stamped by the receiver. */
  void     (*log)      (TaskerTask   *task,
                        const char   *text);
  /* Any thread: the task's function has ended (the result is in the task). */
  void     (*returned) (TaskerTask   *task);
  /* Any thread: cancel the task (and its subtree), with @reason or not. */
  void     (*cancel)   (TaskerTask   *task,
                        const GError *reason);
} TaskerTaskSink;

G_END_DECLS
