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
 * line. A line longer than the bound keeps its start and counts the rest.
 *
 * Escape sequences are not text: colours and erasures (CSI, ESC [ … final
 * byte), window titles and other strings (OSC, DCS…: ESC ] … BEL or ESC \\)
 * and the short ESC forms are dropped as they come, even when a read splits
 * them, so the log, the history and the progress parser all see the text as
 * a terminal would show it. A sequence that a line end interrupts ends
 * there: a broken one never swallows the lines after it. */

/* Where in an escape sequence the stream is. */
enum {
  ESCAPE_NONE,
  ESCAPE_START,      /* after ESC */
  ESCAPE_CSI,        /* ESC [ parameters and intermediates, until the final byte */
  ESCAPE_STRING,     /* OSC, DCS, SOS, PM, APC: until BEL or ESC \\ */
  ESCAPE_STRING_ESC, /* ESC inside a string: \\ ends it */
  ESCAPE_NF,         /* ESC and intermediates (charsets: ESC ( B), until the final byte */
};

void
_tasker_line_splitter_init (TaskerLineSplitter *self)
{
  self->line = g_string_new (NULL);
  self->cut = 0;
  self->rewound = FALSE;
  self->parsed = FALSE;
  self->escape = ESCAPE_NONE;
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

/* Drops the bytes of the escape sequence under way, from @data on; returns
 * where the text goes on (@end if the sequence goes on past it). */
static const char *
skip_escape (TaskerLineSplitter *self,
             const char         *data,
             const char         *end)
{
  while (data < end && self->escape != ESCAPE_NONE)
    {
      guchar c = (guchar) *data;

      if (c == '\n' || c == '\r')
        {
          self->escape = ESCAPE_NONE;
          break;
        }
      data++;

      /* CAN and SUB abort any sequence; ESC starts another one, except
       * inside a string where it may be the start of its end. */
      if (c == 0x18 || c == 0x1a)
        self->escape = ESCAPE_NONE;
      else if (c == 0x1b && self->escape != ESCAPE_STRING)
        self->escape = ESCAPE_START;
      else
        switch (self->escape)
          {
          case ESCAPE_START:
            if (c == '[')
              self->escape = ESCAPE_CSI;
            else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_')
              self->escape = ESCAPE_STRING;
            else if (c >= 0x20 && c <= 0x2f)
              self->escape = ESCAPE_NF;
            else
              self->escape = ESCAPE_NONE;   /* ESC 7, ESC =, ESC M… */
            break;
          case ESCAPE_CSI:
            if (c >= 0x40 && c <= 0x7e)
              self->escape = ESCAPE_NONE;
            break;
          case ESCAPE_NF:
            if (c >= 0x30 && c <= 0x7e)
              self->escape = ESCAPE_NONE;
            break;
          case ESCAPE_STRING:
            if (c == 0x07)
              self->escape = ESCAPE_NONE;
            else if (c == 0x1b)
              self->escape = ESCAPE_STRING_ESC;
            break;
          case ESCAPE_STRING_ESC:
            /* ESC \\ is the string's end; ESC then anything else ends it
             * too and starts a sequence of its own, read again from c. */
            if (c == '\\')
              self->escape = ESCAPE_NONE;
            else
              {
                self->escape = ESCAPE_START;
                data--;
              }
            break;
          case ESCAPE_NONE:
          default:
            g_assert_not_reached ();
          }
    }

  return data;
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
      const char *stop;
      gsize room, run;

      if (self->escape != ESCAPE_NONE)
        {
          data = skip_escape (self, data, end);
          if (data == end)
            break;
        }

      stop = data;
      while (stop < end && *stop != '\n' && *stop != '\r' && *stop != '\033')
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

      if (*stop == '\033')
        self->escape = ESCAPE_START;
      else if (*stop == '\n')
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
