/* tasker-command-progress-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* Reads progress from one line of a command's output (without its line end).
 * Returns TRUE if the line reports progress: *fraction in [0, 1]; *message is set
 * (transfer full) only for a TASKER-PROGRESS line with a message, else NULL.
 * tasker-command-progress.c documents the rules. */
gboolean _tasker_command_progress_parse (const char  *line,
                                         gsize        len,
                                         double      *fraction,
                                         char       **message);

G_END_DECLS
