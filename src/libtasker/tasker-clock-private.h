/* tasker-clock-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "tasker-clock-private.h is internal to libtasker"
#endif

#include "tasker-clock.h"

G_BEGIN_DECLS

guint _tasker_clock_add_alarm_on (TaskerClock    *self,
                                  GMainContext   *context,
                                  gint64          at_us,
                                  TaskerClockFunc func,
                                  gpointer        user_data,
                                  GDestroyNotify  destroy);

G_END_DECLS
