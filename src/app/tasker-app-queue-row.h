/* tasker-app-queue-row.h: one queue in the preferences
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TASKER_APP_TYPE_QUEUE_ROW (tasker_app_queue_row_get_type ())

G_DECLARE_FINAL_TYPE (TaskerAppQueueRow, tasker_app_queue_row,
                      TASKER_APP, QUEUE_ROW, AdwExpanderRow)

GtkWidget  *tasker_app_queue_row_new                (const char        *name,
                                                     guint              max_concurrent,
                                                     guint              capacity);
const char *tasker_app_queue_row_get_name           (TaskerAppQueueRow *self);
guint       tasker_app_queue_row_get_max_concurrent (TaskerAppQueueRow *self);
guint       tasker_app_queue_row_get_capacity       (TaskerAppQueueRow *self);

G_END_DECLS
