/* tasker-clock.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(TASKER_INSIDE) && !defined(TASKER_COMPILATION)
# error "Only <tasker.h> can be included directly."
#endif

#include <glib-object.h>

#include "tasker-version-macros.h"

G_BEGIN_DECLS

#define TASKER_TYPE_CLOCK (tasker_clock_get_type ())

TASKER_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (TaskerClock, tasker_clock, TASKER, CLOCK, GObject)

/**
 * TaskerClockFunc:
 * @clock: the clock whose alarm went off
 * @user_data: the data given with the function
 *
 * Called once when the wall-clock time of an alarm added with
 * [method@Tasker.Clock.add_alarm] has come.
 *
 * Since: 1.0
 */
typedef void (*TaskerClockFunc) (TaskerClock *clock,
                                 gpointer     user_data);

TASKER_AVAILABLE_IN_1_0
TaskerClock *tasker_clock_get_default  (void);
TASKER_AVAILABLE_IN_1_0
TaskerClock *tasker_clock_new_fake     (gint64           start_us) G_GNUC_WARN_UNUSED_RESULT;
TASKER_AVAILABLE_IN_1_0
gboolean     tasker_clock_is_fake      (TaskerClock     *self);
TASKER_AVAILABLE_IN_1_0
gint64       tasker_clock_get_now      (TaskerClock     *self);
TASKER_AVAILABLE_IN_1_0
guint        tasker_clock_add_alarm    (TaskerClock     *self,
                                        gint64           at_us,
                                        TaskerClockFunc  func,
                                        gpointer         user_data,
                                        GDestroyNotify   destroy);
TASKER_AVAILABLE_IN_1_0
void         tasker_clock_remove_alarm (TaskerClock     *self,
                                        guint            alarm_id);
TASKER_AVAILABLE_IN_1_0
void         tasker_clock_advance      (TaskerClock     *self,
                                        gint64           us);
TASKER_AVAILABLE_IN_1_0
void         tasker_clock_set_now      (TaskerClock     *self,
                                        gint64           now_us);

G_END_DECLS
