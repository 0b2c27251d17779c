/* taskerctl-add.h: `taskerctl add` and `taskerctl run`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

G_BEGIN_DECLS

int taskerctl_add (int    argc,
                   char **argv);
int taskerctl_run (int    argc,
                   char **argv);

G_END_DECLS
