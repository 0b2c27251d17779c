/* tasker-app-format.h: how the application writes times, durations and statuses
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <tasker.h>

G_BEGIN_DECLS

char       *tasker_app_format_duration           (gint64 usec) G_GNUC_WARN_UNUSED_RESULT;
char       *tasker_app_format_duration_long      (gint64 duration_us) G_GNUC_WARN_UNUSED_RESULT;
char       *tasker_app_format_time               (gint64 real_usec) G_GNUC_WARN_UNUSED_RESULT;
char       *tasker_app_format_time_short         (gint64 time_us) G_GNUC_WARN_UNUSED_RESULT;
char       *tasker_app_format_time_full          (gint64 time_us) G_GNUC_WARN_UNUSED_RESULT;
char       *tasker_app_format_timing             (TaskerTask *task,
                                                  gint64      now) G_GNUC_WARN_UNUSED_RESULT;
gint64      tasker_app_format_elapsed            (TaskerTask *task,
                                                  gint64      now);
gint64      tasker_app_format_eta                (TaskerTask *task,
                                                  gint64      now);
char       *tasker_app_format_owner              (TaskerTask *task) G_GNUC_WARN_UNUSED_RESULT;
const char *tasker_app_format_status             (TaskerTaskStatus status);
const char *tasker_app_format_status_icon        (TaskerTaskStatus status);
const char *tasker_app_format_status_css_class   (TaskerTaskStatus status);
const char *tasker_app_format_progress_css_class (TaskerTaskStatus status);

G_END_DECLS
