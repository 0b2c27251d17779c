/* tasker-schedule.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASKER_INSIDE) && !defined(TASKER_COMPILATION)
# error "Only <tasker.h> can be included directly."
#endif

#include <gio/gio.h>

#include "tasker-clock.h"
#include "tasker-task.h"
#include "tasker-task-options.h"
#include "tasker-version-macros.h"

G_BEGIN_DECLS

/**
 * TaskerOverlapPolicy:
 * @TASKER_OVERLAP_SKIP: the run is skipped (the default)
 * @TASKER_OVERLAP_QUEUE_ONE: one run waits and starts when the previous run
 *   ends; more runs falling due meanwhile are skipped
 * @TASKER_OVERLAP_REPLACE: the previous run is cancelled, and the new run
 *   starts once it has ended
 *
 * What a [class@Tasker.Schedule] does when a run falls due while its previous
 * run has not ended.
 *
 * Since: 1.0
 */
typedef enum
{
  TASKER_OVERLAP_SKIP,
  TASKER_OVERLAP_QUEUE_ONE,
  TASKER_OVERLAP_REPLACE,
} TaskerOverlapPolicy;

/**
 * TaskerCatchUpPolicy:
 * @TASKER_CATCH_UP_ONE_RUN: one run now for all the runs that were missed
 *   (the default)
 * @TASKER_CATCH_UP_SKIP: missed runs are skipped; the next run is the next
 *   one due
 *
 * What a [class@Tasker.Schedule] does about runs it missed: while the
 * program was not running (seen at [method@Tasker.Schedule.start] from
 * [property@Tasker.Schedule:last-run]), or while the machine slept or the
 * clock was moved forward.
 *
 * Since: 1.0
 */
typedef enum
{
  TASKER_CATCH_UP_ONE_RUN,
  TASKER_CATCH_UP_SKIP,
} TaskerCatchUpPolicy;

#define TASKER_TYPE_SCHEDULE (tasker_schedule_get_type ())

TASKER_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (TaskerSchedule, tasker_schedule, TASKER, SCHEDULE, GObject)

/**
 * TaskerScheduleFunc:
 * @schedule: the schedule whose run is due
 * @options: options for the run's task, with the description `schedule` set
 *   to the schedule's [property@Tasker.Schedule:id]; the function may set
 *   more of them
 * @user_data: the data given with the function
 *
 * Submits one run of a schedule: a fresh task, made with @options so that it
 * is linked to its schedule, for example with
 * [method@Tasker.Manager.run_command]. Called on the schedule's main context.
 *
 * Returns: (transfer full) (nullable): the task submitted, or %NULL if none
 *   could be (the schedule then emits [signal@Tasker.Schedule::run-failed])
 *
 * Since: 1.0
 */
typedef TaskerTask *(*TaskerScheduleFunc) (TaskerSchedule    *schedule,
                                           TaskerTaskOptions *options,
                                           gpointer           user_data);

TASKER_AVAILABLE_IN_1_0
TaskerSchedule     *tasker_schedule_new                (const char          *spec,
                                                        TaskerClock         *clock,
                                                        GError             **error) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
gboolean            tasker_schedule_validate_spec      (const char          *spec,
                                                        GError             **error);
TASKER_AVAILABLE_IN_1_0
void                tasker_schedule_set_func           (TaskerSchedule      *self,
                                                        TaskerScheduleFunc   func,
                                                        gpointer             user_data,
                                                        GDestroyNotify       destroy);
TASKER_AVAILABLE_IN_1_0
void                tasker_schedule_start              (TaskerSchedule      *self);
TASKER_AVAILABLE_IN_1_0
gboolean            tasker_schedule_run_now            (TaskerSchedule      *self,
                                                        GError             **error);
TASKER_AVAILABLE_IN_1_0
const char         *tasker_schedule_get_spec           (TaskerSchedule      *self);
TASKER_AVAILABLE_IN_1_0
const char         *tasker_schedule_get_id             (TaskerSchedule      *self);
TASKER_AVAILABLE_IN_1_0
TaskerClock        *tasker_schedule_get_clock          (TaskerSchedule      *self);
TASKER_AVAILABLE_IN_1_0
gboolean            tasker_schedule_get_paused         (TaskerSchedule      *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_schedule_set_paused         (TaskerSchedule      *self,
                                                        gboolean             paused);
TASKER_AVAILABLE_IN_1_0
TaskerOverlapPolicy tasker_schedule_get_overlap_policy (TaskerSchedule      *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_schedule_set_overlap_policy (TaskerSchedule      *self,
                                                        TaskerOverlapPolicy  policy);
TASKER_AVAILABLE_IN_1_0
TaskerCatchUpPolicy tasker_schedule_get_catch_up_policy (TaskerSchedule     *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_schedule_set_catch_up_policy (TaskerSchedule     *self,
                                                         TaskerCatchUpPolicy policy);
TASKER_AVAILABLE_IN_1_0
gint64              tasker_schedule_get_last_run       (TaskerSchedule      *self);
TASKER_AVAILABLE_IN_1_0
void                tasker_schedule_set_last_run       (TaskerSchedule      *self,
                                                        gint64               last_run_us);
TASKER_AVAILABLE_IN_1_0
gint64              tasker_schedule_get_next_run       (TaskerSchedule      *self);
TASKER_AVAILABLE_IN_1_0
gint64              tasker_schedule_get_next_run_after (TaskerSchedule      *self,
                                                        gint64               after_us);
TASKER_AVAILABLE_IN_1_0
TaskerTask         *tasker_schedule_get_last_task      (TaskerSchedule      *self);

G_END_DECLS
