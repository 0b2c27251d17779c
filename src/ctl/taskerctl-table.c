/* taskerctl-table.c: aligned columns for the terminal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The rows of `list`, `history` and `schedules`: a header line, each column
 * as wide as its widest cell (in terminal columns: a CJK character takes two,
 * as in a translated header), two spaces between columns, the last one not
 * padded.
 */

#include "config.h"

#include <string.h>

#include "taskerctl-table.h"

struct _TaskerctlTable
{
  guint      n_columns;
  GPtrArray *rows;        /* (owned) (element-type GStrv): the header first */
  guint     *widths;      /* (owned) n_columns, in terminal columns */
  gboolean  *right;       /* (owned) n_columns: right-aligned */
};

/**
 * taskerctl_printable:
 * @text: a cell's text
 *
 * Returns: (transfer full): @text with each control character (a newline in
 *   a name) as a space, so that a row stays one line.
 */
char *
taskerctl_printable (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/**
 * taskerctl_display_width:
 * @text: printable UTF-8 (taskerctl_printable())
 *
 * Returns: how many terminal columns @text takes: two for a wide (CJK)
 *   character, none for a combining mark, one for any other.
 */
guint
taskerctl_display_width (const char *text)
{
  guint width = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iswide (c))
        width += 2;
      else if (!g_unichar_iszerowidth (c))
        width += 1;
    }
  return width;
}

TaskerctlTable *
taskerctl_table_new (const char * const *headers)
{
  TaskerctlTable *self = g_new0 (TaskerctlTable, 1);

  self->n_columns = g_strv_length ((char **) headers);
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  self->widths = g_new0 (guint, self->n_columns);
  self->right = g_new0 (gboolean, self->n_columns);
  taskerctl_table_add_row (self, headers);

  return self;
}

void
taskerctl_table_set_right (TaskerctlTable *self,
                           guint           column)
{
  g_return_if_fail (column < self->n_columns);

  self->right[column] = TRUE;
}

/**
 * taskerctl_table_add_row:
 * @cells: as many as the table has columns; control characters in them are
 *   shown as spaces
 */
void
taskerctl_table_add_row (TaskerctlTable     *self,
                         const char * const *cells)
{
  char **row = g_new0 (char *, self->n_columns + 1);

  g_return_if_fail (g_strv_length ((char **) cells) == self->n_columns);

  for (guint i = 0; i < self->n_columns; i++)
    {
      row[i] = taskerctl_printable (cells[i]);
      self->widths[i] = MAX (self->widths[i], taskerctl_display_width (row[i]));
    }
  g_ptr_array_add (self->rows, row);
}

static void
pad (GString *out,
     guint    n)
{
  for (; n > 0; n--)
    g_string_append_c (out, ' ');
}

/**
 * taskerctl_table_format:
 *
 * Returns: (transfer full): the header and the rows, each ending in a newline.
 */
char *
taskerctl_table_format (TaskerctlTable *self)
{
  GString *out = g_string_new (NULL);

  for (guint r = 0; r < self->rows->len; r++)
    {
      char **row = g_ptr_array_index (self->rows, r);

      for (guint i = 0; i < self->n_columns; i++)
        {
          guint missing = self->widths[i] - taskerctl_display_width (row[i]);
          gboolean last = i + 1 == self->n_columns;

          if (i > 0)
            g_string_append (out, "  ");
          if (self->right[i])
            pad (out, missing);
          g_string_append (out, row[i]);
          if (!self->right[i] && !last)
            pad (out, missing);
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

void
taskerctl_table_free (TaskerctlTable *self)
{
  g_ptr_array_unref (self->rows);
  g_free (self->widths);
  g_free (self->right);
  g_free (self);
}
