/* tasker-history-record.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASKER_INSIDE) && !defined(TASKER_COMPILATION)
# error "Only <tasker.h> can be included directly."
#endif

#include <gio/gio.h>

#include "tasker-task.h"
#include "tasker-version-macros.h"

G_BEGIN_DECLS

#define TASKER_TYPE_HISTORY_RECORD (tasker_history_record_get_type ())

TASKER_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (TaskerHistoryRecord, tasker_history_record, TASKER, HISTORY_RECORD, GObject)

TASKER_AVAILABLE_IN_1_0
guint64           tasker_history_record_get_task_id           (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
const char       *tasker_history_record_get_key               (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
const char       *tasker_history_record_get_name              (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
TaskerTaskKind    tasker_history_record_get_kind              (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
TaskerTaskStatus  tasker_history_record_get_status            (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
const char       *tasker_history_record_get_message           (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
double            tasker_history_record_get_progress          (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
const char       *tasker_history_record_get_error_domain      (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
int               tasker_history_record_get_error_code        (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
const char       *tasker_history_record_get_error_message     (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
guint             tasker_history_record_get_attempts          (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
gint64            tasker_history_record_get_created_time      (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
gint64            tasker_history_record_get_started_time      (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
gint64            tasker_history_record_get_finished_time     (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
guint64           tasker_history_record_get_trace_id          (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
gboolean          tasker_history_record_get_interrupted       (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
guint64           tasker_history_record_get_parent_id         (TaskerHistoryRecord *self);
TASKER_AVAILABLE_IN_1_0
const char       *tasker_history_record_get_description       (TaskerHistoryRecord *self,
                                                               const char          *key);
TASKER_AVAILABLE_IN_1_0
char            **tasker_history_record_dup_description_keys  (TaskerHistoryRecord *self) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
char            **tasker_history_record_dup_log               (TaskerHistoryRecord *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
