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

/* The policies of DESIGN.md §4, as given to one options object. @set says
 * which were given: those not given come from the manager's defaults. */
typedef enum
{
  TASKER_POLICY_TIMEOUT            = 1 << 0,
  TASKER_POLICY_MAX_ATTEMPTS       = 1 << 1,
  TASKER_POLICY_RETRY_DELAY        = 1 << 2,
  TASKER_POLICY_RETRY_FACTOR       = 1 << 3,
  TASKER_POLICY_RETRY_MAX_DELAY    = 1 << 4,
  TASKER_POLICY_RETRY_JITTER       = 1 << 5,
  TASKER_POLICY_QUEUE              = 1 << 6,
  TASKER_POLICY_PRIORITY           = 1 << 7,
} TaskerPolicyField;

typedef struct
{
  guint   set;                  /* TaskerPolicyField bits */
  guint   timeout_ms;           /* 0 = none */
  guint   max_attempts;         /* counting the first, at least 1 */
  guint   retry_delay_ms;
  double  retry_factor;
  guint   retry_max_delay_ms;   /* 0 = no cap */
  double  retry_jitter;         /* 0..1 */
  char   *queue;                /* (owned) (nullable): NULL = the default queue */
  int     priority;             /* lower first */
} TaskerPolicy;

/* What a task gets: @self's fields where given, else @defaults' where given,
 * else the built-in defaults. @out's queue is a copy. */
void     _tasker_policy_resolve          (const TaskerPolicy *self,
                                          const TaskerPolicy *defaults,
                                          TaskerPolicy       *out);
void     _tasker_policy_clear            (TaskerPolicy       *self);
guint    _tasker_policy_retry_delay      (const TaskerPolicy *self,
                                          guint               attempt,
                                          double              random);

const TaskerPolicy *_tasker_task_options_get_policy (TaskerTaskOptions *self);
TaskerTask *_tasker_task_options_get_parent          (TaskerTaskOptions *self);
guint64     _tasker_task_options_get_trace_id        (TaskerTaskOptions *self);
gboolean    _tasker_task_options_get_ignore_child_failures (TaskerTaskOptions *self);
double      _tasker_task_options_get_children_weight       (TaskerTaskOptions *self);

void     _tasker_task_options_seal       (TaskerTaskOptions *self);
void     _tasker_task_options_call_done  (TaskerTaskOptions *self,
                                          TaskerTask        *task);
gboolean _tasker_task_options_has_event  (TaskerTaskOptions *self);
void     _tasker_task_options_call_event (TaskerTaskOptions *self,
                                          TaskerTask        *task,
                                          const char        *name,
                                          GVariant          *data);
GPtrArray  *_tasker_task_options_get_after (TaskerTaskOptions *self);
gboolean    _tasker_task_options_may_wait  (TaskerTaskOptions *self);

/* Weak links to tasks (element-type TaskerTaskLink): what add_after keeps. */
GPtrArray  *_tasker_task_links_new      (void);
void        _tasker_task_links_add      (GPtrArray   *links,
                                         TaskerTask  *task);
void        _tasker_task_links_add_link (GPtrArray   *links,
                                         gpointer     link);
gboolean    _tasker_task_links_resolve  (GPtrArray   *links,
                                         GPtrArray  **tasks,
                                         GError     **error);
GHashTable *_tasker_task_options_get_descriptions (TaskerTaskOptions *self);

G_END_DECLS
