/* taskerctl-json.h: GVariant dictionaries as JSON objects
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void taskerctl_json_append_string (GString    *out,
                                   const char *text);
void taskerctl_json_append_value  (GString    *out,
                                   GVariant   *value);

G_END_DECLS
