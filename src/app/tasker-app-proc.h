/* tasker-app-proc.h: what /proc says of another program's process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  tasker_app_proc_get_uid        (guint32  pid,
                                          guint32 *uid);
char     *tasker_app_proc_dup_comm       (guint32  pid) G_GNUC_WARN_UNUSED_RESULT;
gboolean  tasker_app_proc_is_descendant  (guint32  pid,
                                          guint32  ancestor);
int       tasker_app_proc_open_pidfd     (guint32  pid);

G_END_DECLS
