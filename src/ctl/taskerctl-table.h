/* taskerctl-table.h: aligned columns for the terminal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TaskerctlTable TaskerctlTable;

TaskerctlTable *taskerctl_table_new       (const char * const *headers);
void            taskerctl_table_set_right (TaskerctlTable     *self,
                                           guint               column);
void            taskerctl_table_add_row   (TaskerctlTable     *self,
                                           const char * const *cells);
char           *taskerctl_table_format    (TaskerctlTable     *self);
void            taskerctl_table_free      (TaskerctlTable     *self);

char           *taskerctl_printable       (const char         *text);
guint           taskerctl_display_width   (const char         *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TaskerctlTable, taskerctl_table_free)

G_END_DECLS
