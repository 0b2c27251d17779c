/* tasker-app-interrupted-row.h: a command the last quit interrupted
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>

#include "tasker-app-command.h"

G_BEGIN_DECLS

#define TASKER_APP_TYPE_INTERRUPTED_ROW (tasker_app_interrupted_row_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppInterruptedRow, tasker_app_interrupted_row,
                      TASKER_APP, INTERRUPTED_ROW, AdwActionRow)

GtkWidget        *tasker_app_interrupted_row_new         (TaskerAppCommand *command);
TaskerAppCommand *tasker_app_interrupted_row_get_command (TaskerAppInterruptedRow *self);

G_END_DECLS
