/* tasker-calendar-private.h — the calendar specs of schedules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "tasker-calendar-private.h is internal to libtasker"
#endif

#include <glib.h>

G_BEGIN_DECLS

/* A parsed spec (docs/scheduling.md has the accepted syntax). Either an
 * interval in real time (`every 15m`) or a set of local wall-clock times
 * (`Mon..Fri 09:00`, `*-*-01 00:00`). Plain data, immutable once parsed. */
typedef struct _TaskerCalendar TaskerCalendar;

TaskerCalendar *_tasker_calendar_parse       (const char     *spec,
                                              GError        **error);
void            _tasker_calendar_free        (TaskerCalendar *self);

/* The interval of an `every …` spec in µs, or 0 for a calendar spec. */
gint64          _tasker_calendar_get_interval (const TaskerCalendar *self);

/* The first instant (µs since the epoch) strictly after @after_us at which a
 * calendar spec matches, read in @tz; 0 when it never matches again. A wall
 * time that does not exist (the gap of a spring-forward change) matches at the
 * change itself, the first valid instant after it; a wall time that occurs
 * twice (fall-back) matches its first occurrence only. For an interval spec:
 * @after_us + the interval. */
gint64          _tasker_calendar_next        (const TaskerCalendar *self,
                                              GTimeZone            *tz,
                                              gint64                after_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TaskerCalendar, _tasker_calendar_free)

G_END_DECLS
