/* tasker-command-progress.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "tasker-command-progress-private.h"

/* How a command reports its progress
 * ==================================
 *
 * Tasker reads every line a command writes (without its line end) for
 * progress, by the first of these two rules that applies.
 *
 * 1. A progress line. A line whose first word is `TASKER-PROGRESS`
 *    (upper case; white space before it is allowed) reports progress
 *    explicitly:
 *
 *        TASKER-PROGRESS <value> [message]
 *
 *    - <value> follows the keyword after white space. It is either a decimal
 *      number giving the fraction done (`0.42`, `1`, `.5`, `1e-3`), or such a
 *      number immediately followed by `%`, a percentage (`42%`, `12.5%`). The
 *      result is clamped to [0, 1]: `1.5` and `250%` mean done, `-1` means
 *      nothing done yet.
 *    - Whatever follows the value after white space, with white space trimmed
 *      from both ends, is the task's new message. If nothing follows, the line
 *      carries no message. Bytes that are not valid UTF-8 are replaced by
 *      U+FFFD.
 *    - If the value is missing, is not such a number (`abc`, `0.5x`, `0,5`,
 *      `0x10`, `nan`, `inf`), is beyond the range of a double (`1e999`) or is
 *      longer than 64 bytes, the line reports no progress at all, and rule 2
 *      is not tried on it.
 *
 * 2. A percentage anywhere. On any other line, the last percentage on the line
 *    is the progress. A percentage is 1 to 3 digits, optionally followed by
 *    `.` and more digits, immediately followed by `%`, and not preceded by a
 *    digit, an ASCII letter or `.`. So `  45%`, `[ 12.5%]` and `(30%)` hold
 *    percentages, but `v1.2%`, `abc45%`, `1234%`, `.5%`, `50 %` and a lone `%`
 *    do not. The last one wins: `copied 3 of 10 (30%) 45% done` reports 0.45,
 *    and a line that a progress bar rewrote with carriage returns
 *    (`10%\r20%\r30%`) reports its latest value, 0.3. If that last percentage
 *    is over 100 (`150%`), the line reports no progress. These lines carry no
 *    message.
 *
 * White space is ASCII space, tab, carriage return, line feed, vertical tab
 * and form feed. Numbers are read the same way whatever the locale: the
 * decimal separator is always `.`.
 *
 * The parser reads exactly @len bytes (the line need not be NUL-terminated,
 * and a NUL byte is an ordinary character), runs in time linear in @len, and
 * allocates memory only for the message. */

#define KEYWORD     "TASKER-PROGRESS"
#define KEYWORD_LEN (sizeof KEYWORD - 1)

/* The longest value (with its '%') a progress line may give. */
#define MAX_VALUE_LEN 64

/* Fraction digits of a percentage beyond these add nothing a double keeps. */
#define MAX_PERCENT_FRACTION_DIGITS 30

/* g_ascii_isspace() leaves out the vertical tab */
static inline gboolean
is_space (char c)
{
  return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Clamps to [0, 1]; -0 becomes 0. */
static inline double
clamp_fraction (double value)
{
  if (!(value > 0.0))
    return 0.0;
  if (value > 1.0)
    return 1.0;
  return value;
}

/* Reads the value of a progress line: a decimal number as g_ascii_strtod()
 * reads it, but only its decimal forms (no hexadecimal, no nan or inf), with
 * an optional '%' after it. */
static gboolean
parse_value (const char *value,
             gsize       len,
             double     *fraction)
{
  char buf[MAX_VALUE_LEN + 1];
  gboolean percent = FALSE;
  char *end = NULL;
  double number;

  if (len > MAX_VALUE_LEN)
    return FALSE;

  if (len > 0 && value[len - 1] == '%')
    {
      percent = TRUE;
      len--;
    }

  if (len == 0)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = value[i];

      if (!g_ascii_isdigit (c) && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-')
        return FALSE;
    }

  memcpy (buf, value, len);
  buf[len] = '\0';

  number = g_ascii_strtod (buf, &end);
  if (end != buf + len || !isfinite (number))
    return FALSE;

  if (percent)
    number /= 100.0;

  *fraction = clamp_fraction (number);

  return TRUE;
}

/* Rule 1. @rest is what follows the keyword. */
static gboolean
parse_progress_line (const char  *rest,
                     gsize        len,
                     double      *fraction,
                     char       **message)
{
  gsize value_start;
  gsize value_end;
  gsize message_start;
  gsize message_end;
  double value;

  value_start = 0;
  while (value_start < len && is_space (rest[value_start]))
    value_start++;

  value_end = value_start;
  while (value_end < len && !is_space (rest[value_end]))
    value_end++;

  if (!parse_value (rest + value_start, value_end - value_start, &value))
    return FALSE;

  message_start = value_end;
  while (message_start < len && is_space (rest[message_start]))
    message_start++;

  message_end = len;
  while (message_end > message_start && is_space (rest[message_end - 1]))
    message_end--;

  if (message != NULL && message_end > message_start)
    *message = g_utf8_make_valid (rest + message_start, message_end - message_start);

  if (fraction != NULL)
    *fraction = value;

  return TRUE;
}

/* Rule 2. Looks at each '%' from the end of the line, and stops at the first
 * one that ends a percentage. Each candidate's number is read backwards; the
 * search for the next '%' resumes where that number starts, since the digits
 * and dot in between hold none. So every byte is looked at a bounded number
 * of times. */
static gboolean
parse_last_percentage (const char *line,
                       gsize       len,
                       double     *fraction)
{
  gsize end = len;

  while (end > 0)
    {
      gsize percent;
      gsize digits_start;
      gsize int_start;
      gsize int_end;
      gsize frac_start = 0;
      gsize frac_end = 0;
      guint int_value = 0;
      gboolean frac_nonzero = FALSE;
      char buf[3 + 1 + MAX_PERCENT_FRACTION_DIGITS + 1];
      gsize buf_len = 0;
      double value;

      /* The last '%' before @end */
      percent = end;
      do
        percent--;
      while (percent > 0 && line[percent] != '%');
      if (line[percent] != '%')
        return FALSE;

      digits_start = percent;
      while (digits_start > 0 && g_ascii_isdigit (line[digits_start - 1]))
        digits_start--;

      if (digits_start < percent && digits_start > 0 && line[digits_start - 1] == '.')
        {
          /* Digits, a dot, then the digits just read */
          frac_start = digits_start;
          frac_end = percent;
          int_end = digits_start - 1;
          int_start = int_end;
          while (int_start > 0 && g_ascii_isdigit (line[int_start - 1]))
            int_start--;
        }
      else
        {
          int_start = digits_start;
          int_end = percent;
        }

      /* Whatever happens now, the next '%' to try is before this number. */
      end = int_start;

      if (int_end - int_start < 1 || int_end - int_start > 3)
        continue;

      if (int_start > 0 &&
          (g_ascii_isalnum (line[int_start - 1]) || line[int_start - 1] == '.'))
        continue;

      /* A percentage: this one decides. */
      for (gsize i = int_start; i < int_end; i++)
        {
          int_value = int_value * 10 + (guint) (line[i] - '0');
          buf[buf_len++] = line[i];
        }

      if (frac_end > frac_start)
        {
          buf[buf_len++] = '.';
          for (gsize i = frac_start; i < frac_end; i++)
            {
              if (line[i] != '0')
                frac_nonzero = TRUE;
              if (i - frac_start < MAX_PERCENT_FRACTION_DIGITS)
                buf[buf_len++] = line[i];
            }
        }

      if (int_value > 100 || (int_value == 100 && frac_nonzero))
        return FALSE;

      g_assert (buf_len < sizeof buf);
      buf[buf_len] = '\0';
      value = g_ascii_strtod (buf, NULL);

      if (fraction != NULL)
        *fraction = clamp_fraction (value / 100.0);

      return TRUE;
    }

  return FALSE;
}

gboolean
_tasker_command_progress_parse (const char  *line,
                                gsize        len,
                                double      *fraction,
                                char       **message)
{
  gsize pos = 0;

  g_return_val_if_fail (line != NULL || len == 0, FALSE);

  if (message != NULL)
    *message = NULL;

  while (pos < len && is_space (line[pos]))
    pos++;

  if (len - pos >= KEYWORD_LEN &&
      memcmp (line + pos, KEYWORD, KEYWORD_LEN) == 0 &&
      (len - pos == KEYWORD_LEN || is_space (line[pos + KEYWORD_LEN])))
    return parse_progress_line (line + pos + KEYWORD_LEN, len - pos - KEYWORD_LEN,
                                fraction, message);

  return parse_last_percentage (line, len, fraction);
}
