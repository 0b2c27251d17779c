/* tasker-app-clock.h: the one-second clock of elapsed times
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_CLOCK (tasker_app_clock_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppClock, tasker_app_clock, TASKER_APP, CLOCK, GObject)

TaskerAppClock *tasker_app_clock_get_default    (void);
gulong          tasker_app_clock_connect        (TaskerAppClock *self,
                                                 GCallback       tick_cb,
                                                 gpointer        instance);
void            tasker_app_clock_disconnect     (TaskerAppClock *self,
                                                 gulong         *handler_id);
void            tasker_app_clock_follow         (TaskerAppClock *self,
                                                 gulong         *handler_id,
                                                 gboolean        follow,
                                                 GCallback       tick_cb,
                                                 gpointer        instance);
guint           tasker_app_clock_get_n_watchers (TaskerAppClock *self);

G_END_DECLS
