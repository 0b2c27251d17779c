/* tasker-history-query.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASKER_INSIDE) && !defined(TASKER_COMPILATION)
# error "Only <tasker.h> can be included directly."
#endif

#include <gio/gio.h>

#include "tasker-version-macros.h"

G_BEGIN_DECLS

#define TASKER_TYPE_HISTORY_QUERY (tasker_history_query_get_type ())

TASKER_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (TaskerHistoryQuery, tasker_history_query, TASKER, HISTORY_QUERY, GObject)

TASKER_AVAILABLE_IN_1_0
TaskerHistoryQuery *tasker_history_query_new           (void) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
int                 tasker_history_query_get_status    (TaskerHistoryQuery *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_history_query_set_status    (TaskerHistoryQuery *self,
                                                        int                 status);
TASKER_AVAILABLE_IN_1_0
const char         *tasker_history_query_get_key       (TaskerHistoryQuery *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_history_query_set_key       (TaskerHistoryQuery *self,
                                                        const char         *key);
TASKER_AVAILABLE_IN_1_0
const char         *tasker_history_query_get_name      (TaskerHistoryQuery *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_history_query_set_name      (TaskerHistoryQuery *self,
                                                        const char         *name);
TASKER_AVAILABLE_IN_1_0
const char         *tasker_history_query_get_text      (TaskerHistoryQuery *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_history_query_set_text      (TaskerHistoryQuery *self,
                                                        const char         *text);
TASKER_AVAILABLE_IN_1_0
gint64              tasker_history_query_get_since     (TaskerHistoryQuery *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_history_query_set_since     (TaskerHistoryQuery *self,
                                                        gint64              since);
TASKER_AVAILABLE_IN_1_0
gint64              tasker_history_query_get_until     (TaskerHistoryQuery *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_history_query_set_until     (TaskerHistoryQuery *self,
                                                        gint64              until);
TASKER_AVAILABLE_IN_1_0
guint64             tasker_history_query_get_parent_id (TaskerHistoryQuery *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_history_query_set_parent_id (TaskerHistoryQuery *self,
                                                        guint64             parent_id);
TASKER_AVAILABLE_IN_1_0
guint64             tasker_history_query_get_task_id   (TaskerHistoryQuery *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_history_query_set_task_id   (TaskerHistoryQuery *self,
                                                        guint64             task_id);
TASKER_AVAILABLE_IN_1_0
gboolean            tasker_history_query_get_interrupted (TaskerHistoryQuery *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_history_query_set_interrupted (TaskerHistoryQuery *self,
                                                          gboolean            interrupted);
TASKER_AVAILABLE_IN_1_0
guint               tasker_history_query_get_offset    (TaskerHistoryQuery *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_history_query_set_offset    (TaskerHistoryQuery *self,
                                                        guint               offset);
TASKER_AVAILABLE_IN_1_0
guint               tasker_history_query_get_limit     (TaskerHistoryQuery *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_history_query_set_limit     (TaskerHistoryQuery *self,
                                                        guint               limit);

G_END_DECLS
