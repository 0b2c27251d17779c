/* taskerctl-report.h: `taskerctl report …`, a script's own job as a task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The exit status of `report should-exit` when Tasker could not be asked. */
#define TASKERCTL_EXIT_NOT_ASKED 3

int taskerctl_report (int    argc,
                      char **argv);

G_END_DECLS
