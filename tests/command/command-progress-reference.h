/* command-progress-reference.h — the rules of tasker-command-progress.c,
 * written the slow, obvious way: the unit test and the fuzz target check the
 * real parser against them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <string.h>

#include <glib.h>

/* The white space of the rules: ASCII space, \t, \n, \v, \f and \r */
static inline gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Whether rule 1 applies to the line */
static inline gboolean
is_progress_line (const char *line,
                  gsize       len)
{
  gsize pos = 0;

  while (pos < len && is_space (line[pos]))
    pos++;

  return len - pos >= 15 && memcmp (line + pos, "TASKER-PROGRESS", 15) == 0 &&
         (len - pos == 15 || is_space (line[pos + 15]));
}

/* Rule 2, the slow way: tries every '%' from the end of the line. */
static inline gboolean
reference_percentage (const char *line,
                      gsize       len,
                      double     *fraction)
{
  for (gsize p = len; p-- > 0;)
    {
      gsize s = p;
      gsize dot = G_MAXSIZE;
      g_autofree char *number = NULL;
      double value;

      if (line[p] != '%')
        continue;

      /* the longest run of digits and dots before the '%' … */
      while (s > 0 && (g_ascii_isdigit (line[s - 1]) || line[s - 1] == '.'))
        s--;
      /* … must be [0-9]{1,3}(\.[0-9]+)? exactly, with no digit, letter or
       * dot before it: the run is maximal, so only a letter matters */
      for (gsize i = s; i < p; i++)
        if (line[i] == '.')
          {
            if (dot != G_MAXSIZE)
              {
                dot = G_MAXSIZE - 1;
                break;
              }
            dot = i;
          }
      if (dot == G_MAXSIZE - 1)
        continue;
      if (dot == G_MAXSIZE)
        dot = p;
      else if (dot + 1 == p)
        continue;
      if (dot - s < 1 || dot - s > 3)
        continue;
      if (s > 0 && g_ascii_isalpha (line[s - 1]))
        continue;

      /* over 100, exactly: 100 with any non-zero digit after the dot */
      number = g_strndup (line + s, p - s);
      value = g_ascii_strtod (number, NULL);
      if (value > 100.0 ||
          (g_str_has_prefix (number, "100.") && strspn (number + 4, "0") < strlen (number + 4)))
        return FALSE;
      *fraction = value / 100.0;
      return TRUE;
    }

  return FALSE;
}
