/* tasker-app-variant.h: the a{sv} dicts of the io.github.tasker.Tasker1 interface
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <tasker.h>

G_BEGIN_DECLS

GVariant   *tasker_app_variant_new_task      (TaskerTask          *task,
                                              const char * const  *keys);
GVariant   *tasker_app_variant_new_record    (TaskerHistoryRecord *record,
                                              const char * const  *keys);
gboolean    tasker_app_variant_check_task_keys (const char * const  *keys,
                                                GError             **error);
GVariant   *tasker_app_variant_new_schedule  (TaskerSchedule      *schedule);
const char *tasker_app_variant_status_name   (TaskerTaskStatus     status);
gboolean    tasker_app_variant_parse_status  (const char          *name,
                                              TaskerTaskStatus    *status);
gboolean    tasker_app_variant_parse_overlap (const char          *name,
                                              TaskerOverlapPolicy *overlap);

G_END_DECLS
