/* taskerctl-time.h: the times and durations of `taskerctl add --at/--in`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean taskerctl_parse_at       (const char  *text,
                                   GDateTime   *now,
                                   gint64      *out_us,
                                   GError     **error);
gboolean taskerctl_parse_duration (const char  *text,
                                   guint64     *out_seconds,
                                   GError     **error);

G_END_DECLS
