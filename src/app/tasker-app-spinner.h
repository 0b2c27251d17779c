/* tasker-app-spinner.h: a spinner that redraws a few times a second
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_SPINNER (tasker_app_spinner_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppSpinner, tasker_app_spinner, TASKER_APP, SPINNER, GtkWidget)

GtkWidget *tasker_app_spinner_new              (void);
gboolean   tasker_app_spinner_get_spinning     (TaskerAppSpinner *self);
void       tasker_app_spinner_set_spinning     (TaskerAppSpinner *self,
                                                gboolean          spinning);
gboolean   tasker_app_spinner_is_animating     (TaskerAppSpinner *self);

G_END_DECLS
