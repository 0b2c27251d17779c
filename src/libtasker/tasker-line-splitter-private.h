/* tasker-line-splitter-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* Called for each line (@log) and each redraw of a line (@log FALSE) of an
 * output stream: @len bytes of @line, after which @cut more were dropped.
 * @parse says whether this state of the line was not seen yet (a progress
 * parser reads it then). */
typedef void (*TaskerLineFunc) (const char *line,
                                gsize       len,
                                gsize       cut,
                                gboolean    parse,
                                gboolean    log,
                                gpointer    user_data);

/* Cuts a stream of output into lines as a terminal shows them, without
 * the terminal's escape sequences (colours, titles, cursor moves). Holds at
 * most one line of TASKER_TASK_LOG_LINE_MAX bytes, whatever it is fed. */
typedef struct
{
  GString *line;        /* (owned) the line shown so far */
  gsize    cut;         /* bytes of it dropped beyond the bound */
  guint    rewound : 1; /* a bare \r: the next text starts the line over */
  guint    parsed : 1;  /* the line as it is was handed out for parsing */
  guint    escape : 3;  /* inside an escape sequence: which part (see .c) */
} TaskerLineSplitter;

void _tasker_line_splitter_init   (TaskerLineSplitter *self);
void _tasker_line_splitter_clear  (TaskerLineSplitter *self);
void _tasker_line_splitter_feed   (TaskerLineSplitter *self,
                                   const char         *data,
                                   gsize               len,
                                   TaskerLineFunc      func,
                                   gpointer            user_data);
void _tasker_line_splitter_finish (TaskerLineSplitter *self,
                                   TaskerLineFunc      func,
                                   gpointer            user_data);

G_END_DECLS
