/* tasker-task-options.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASKER_INSIDE) && !defined(TASKER_COMPILATION)
# error "Only <tasker.h> can be included directly."
#endif

#include <gio/gio.h>

#include "tasker-history-record.h"
#include "tasker-task.h"
#include "tasker-version-macros.h"

G_BEGIN_DECLS

#define TASKER_TYPE_TASK_OPTIONS (tasker_task_options_get_type ())

TASKER_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (TaskerTaskOptions, tasker_task_options, TASKER, TASK_OPTIONS, GObject)

TASKER_AVAILABLE_IN_1_0
TaskerTaskOptions *tasker_task_options_new             (void) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
TaskerTaskOptions *tasker_task_options_copy            (TaskerTaskOptions   *self) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
const char        *tasker_task_options_get_name        (TaskerTaskOptions   *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_name        (TaskerTaskOptions   *self,
                                                        const char          *name);
TASKER_AVAILABLE_IN_1_0
guint              tasker_task_options_get_timeout_ms  (TaskerTaskOptions   *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_timeout_ms  (TaskerTaskOptions   *self,
                                                        guint                timeout_ms);
TASKER_AVAILABLE_IN_1_0
guint              tasker_task_options_get_max_attempts (TaskerTaskOptions *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_max_attempts (TaskerTaskOptions *self,
                                                         guint              max_attempts);
TASKER_AVAILABLE_IN_1_0
guint              tasker_task_options_get_retry_delay_ms (TaskerTaskOptions *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_retry_delay_ms (TaskerTaskOptions *self,
                                                           guint              retry_delay_ms);
TASKER_AVAILABLE_IN_1_0
double             tasker_task_options_get_retry_factor (TaskerTaskOptions *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_retry_factor (TaskerTaskOptions *self,
                                                         double             retry_factor);
TASKER_AVAILABLE_IN_1_0
guint              tasker_task_options_get_retry_max_delay_ms (TaskerTaskOptions *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_retry_max_delay_ms (TaskerTaskOptions *self,
                                                               guint              max_delay_ms);
TASKER_AVAILABLE_IN_1_0
double             tasker_task_options_get_retry_jitter (TaskerTaskOptions *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_retry_jitter (TaskerTaskOptions *self,
                                                         double             retry_jitter);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_retry       (TaskerTaskOptions   *self,
                                                        guint                max_attempts,
                                                        guint                delay_ms,
                                                        double               factor,
                                                        guint                max_delay_ms,
                                                        double               jitter);
TASKER_AVAILABLE_IN_1_0
const char        *tasker_task_options_get_queue       (TaskerTaskOptions   *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_queue       (TaskerTaskOptions   *self,
                                                        const char          *queue);
TASKER_AVAILABLE_IN_1_0
int                tasker_task_options_get_priority    (TaskerTaskOptions   *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_priority    (TaskerTaskOptions   *self,
                                                        int                  priority);
TASKER_AVAILABLE_IN_1_0
TaskerTask        *tasker_task_options_get_parent      (TaskerTaskOptions   *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_parent      (TaskerTaskOptions   *self,
                                                        TaskerTask          *parent);
TASKER_AVAILABLE_IN_1_0
guint64            tasker_task_options_get_trace_id    (TaskerTaskOptions   *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_trace_id    (TaskerTaskOptions   *self,
                                                        guint64              trace_id);
TASKER_AVAILABLE_IN_1_0
double             tasker_task_options_get_children_weight (TaskerTaskOptions *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_children_weight (TaskerTaskOptions *self,
                                                            double             weight);
TASKER_AVAILABLE_IN_1_0
gboolean           tasker_task_options_get_ignore_child_failures (TaskerTaskOptions *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_ignore_child_failures (TaskerTaskOptions *self,
                                                                  gboolean           ignore);
TASKER_AVAILABLE_IN_1_0
gboolean           tasker_task_options_get_durable     (TaskerTaskOptions   *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_durable     (TaskerTaskOptions   *self,
                                                        gboolean             durable);
TASKER_AVAILABLE_IN_1_0
TaskerHistoryRecord *tasker_task_options_get_replaces_record (TaskerTaskOptions *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_replaces_record (TaskerTaskOptions   *self,
                                                            TaskerHistoryRecord *record);
TASKER_AVAILABLE_IN_1_0
const char * const *tasker_task_options_get_worker      (TaskerTaskOptions *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_worker      (TaskerTaskOptions   *self,
                                                        const char * const  *argv);
TASKER_AVAILABLE_IN_1_0
const char        *tasker_task_options_get_description (TaskerTaskOptions   *self,
                                                        const char          *key);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_description (TaskerTaskOptions   *self,
                                                        const char          *key,
                                                        const char          *value);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_done_func   (TaskerTaskOptions   *self,
                                                        TaskerTaskDoneFunc   done_func,
                                                        gpointer             user_data,
                                                        GDestroyNotify       user_data_destroy);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_event_func  (TaskerTaskOptions   *self,
                                                        TaskerTaskEventFunc  event_func,
                                                        gpointer             user_data,
                                                        GDestroyNotify       user_data_destroy);
TASKER_AVAILABLE_IN_1_0
guint              tasker_task_options_get_start_delay_ms (TaskerTaskOptions *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_start_delay_ms (TaskerTaskOptions *self,
                                                           guint              delay_ms);
TASKER_AVAILABLE_IN_1_0
gint64             tasker_task_options_get_start_at    (TaskerTaskOptions   *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_start_at    (TaskerTaskOptions   *self,
                                                        gint64               start_at);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_add_after       (TaskerTaskOptions   *self,
                                                        TaskerTask          *task);
TASKER_AVAILABLE_IN_1_0
gboolean           tasker_task_options_get_after_any_outcome (TaskerTaskOptions *self);
TASKER_AVAILABLE_IN_1_0
void               tasker_task_options_set_after_any_outcome (TaskerTaskOptions *self,
                                                              gboolean           any_outcome);

G_END_DECLS
