/* tasker-line-splitter.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "tasker-line-splitter-private.h"
#include "tasker-task-private.h"

/* How a command's or worker's output becomes log lines (DESIGN.md §4 Logs):
 * a line ends at \n or \r\n; a bare \r rewinds the line as a terminal does,
 * so a progress bar redrawn in place leaves one line, in its last state,
 * while each state is handed out for its progress; no text becomes an empty
 * line. A line longer than the bound keeps its start and counts the rest. */

void
_tasker_line_splitter_init (TaskerLineSplitter *self)
{
  self->line = g_string_new (NULL);
  self->cut = 0;
  self->rewound = FALSE;
  self->parsed = FALSE;
}

void
_tasker_line_splitter_clear (TaskerLineSplitter *self)
{
  if (self->line != NULL)
    g_string_free (self->line, TRUE);
  self->line = NULL;
}

static void
start_over (TaskerLineSplitter *self)
{
  g_string_truncate (self->line, 0);
  self->cut = 0;
  self->rewound = FALSE;
  self->parsed = FALSE;
}

static void
end_line (TaskerLineSplitter *self,
          TaskerLineFunc      func,
          gpointer            user_data)
{
  func (self->line->str, self->line->len, self->cut, !self->parsed, TRUE, user_data);
  start_over (self);
}

void
_tasker_line_splitter_feed (TaskerLineSplitter *self,
                            const char         *data,
                            gsize               len,
                            TaskerLineFunc      func,
                            gpointer            user_data)
{
  const char *end = data + len;

  while (data < end)
    {
      const char *stop = data;
      gsize room, run;

      while (stop < end && *stop != '\n' && *stop != '\r')
        stop++;

      /* Text: after a bare \r it starts the line over. */
      if (stop > data)
        {
          if (self->rewound)
            start_over (self);
          run = stop - data;
          room = TASKER_TASK_LOG_LINE_MAX - MIN (self->line->len, TASKER_TASK_LOG_LINE_MAX);
          g_string_append_len (self->line, data, MIN (run, room));
          self->cut += run - MIN (run, room);
          self->parsed = FALSE;
        }
      if (stop == end)
        break;

      if (*stop == '\n')
        end_line (self, func, user_data);
      else
        {
          /* \r: the line as drawn is read now; a \n next ends it, text
           * next draws it again. The state stays shown until then. */
          if (!self->parsed)
            func (self->line->str, self->line->len, self->cut, TRUE, FALSE, user_data);
          self->parsed = TRUE;
          self->rewound = TRUE;
        }
      data = stop + 1;
    }
}

/* The end of the stream: a line without its end still counts. */
void
_tasker_line_splitter_finish (TaskerLineSplitter *self,
                              TaskerLineFunc      func,
                              gpointer            user_data)
{
  if (self->line->len > 0 || self->cut > 0)
    end_line (self, func, user_data);
  else
    start_over (self);
}
