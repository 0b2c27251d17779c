/* taskerctl-report-values.c: what `taskerctl report` reads from its command
 * line and its standard input
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A progress (0.42, 42%, 7 or 7/20) and a total, read the same way in every
 * locale and refused here when they are not numbers, so that a mistake is a
 * usage error before the application is reached; and the batches in which
 * `report log` sends its standard input: whole lines, as much as came, valid
 * UTF-8 (D-Bus carries nothing else), so that `make 2>&1 | taskerctl report
 * log ID` costs a few calls a second however fast make writes.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "taskerctl-report-values.h"

/* A number as a person writes it: digits, a decimal point, an exponent; no
 * sign, no "inf", "nan" or hexadecimal (which g_ascii_strtod takes). */
static gboolean
parse_number (const char *text,
              gsize       len,
              double     *out)
{
  g_autofree char *copy = g_strndup (text, len);
  gsize i = 0, digits = 0;
  char *end = NULL;

  while (i < len && g_ascii_isdigit (text[i]))
    i++, digits++;
  if (i < len && text[i] == '.')
    for (i++; i < len && g_ascii_isdigit (text[i]); i++)
      digits++;
  if (digits == 0)
    return FALSE;
  if (i < len && (text[i] == 'e' || text[i] == 'E'))
    {
      gsize exponent_digits = 0;

      i++;
      if (i < len && (text[i] == '+' || text[i] == '-'))
        i++;
      for (; i < len && g_ascii_isdigit (text[i]); i++)
        exponent_digits++;
      if (exponent_digits == 0)
        return FALSE;
    }
  if (i != len)
    return FALSE;

  *out = g_ascii_strtod (copy, &end);
  return *end == '\0' && isfinite (*out);
}

/**
 * taskerctl_parse_progress:
 * @text: a fraction ("0.42"), a percentage ("42%"), a count ("7", of the
 *   task's total) or a count of a total ("7/20")
 *
 * A percentage is a count of a total of 100: "42%" sets the task's total
 * to 100 and its progress to 42, which is 42% whatever total it had.
 *
 * Returns: FALSE with @error naming @text when it is none of those.
 */
gboolean
taskerctl_parse_progress (const char         *text,
                          TaskerctlProgress  *out,
                          GError            **error)
{
  gsize len = strlen (text);
  const char *slash = strchr (text, '/');
  TaskerctlProgress progress = { 0 };

  if (len > 1 && text[len - 1] == '%' && parse_number (text, len - 1, &progress.value))
    {
      if (progress.value > 100)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("progress “%s” is more than 100%%"), text);
          return FALSE;
        }
      progress.total = 100;
      progress.has_total = TRUE;
    }
  else if (slash != NULL && parse_number (text, slash - text, &progress.value) &&
           parse_number (slash + 1, strlen (slash + 1), &progress.total))
    {
      if (progress.total <= 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("progress “%s”: the total after / must be more than 0"), text);
          return FALSE;
        }
      if (progress.value > progress.total)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("progress “%s”: the count is more than the total"), text);
          return FALSE;
        }
      progress.has_total = TRUE;
    }
  else if (!parse_number (text, len, &progress.value))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("progress “%s” is not a number: give a fraction from 0 to 1 (0.42), "
                     "a percentage (42%%), or a count of the task's total (7, or 7/20)"),
                   text);
      return FALSE;
    }

  *out = progress;
  return TRUE;
}

/**
 * taskerctl_parse_total:
 * @option: where @text comes from, for the message
 *
 * Returns: FALSE with @error naming @text when it is not a number greater
 *   than 0.
 */
gboolean
taskerctl_parse_total (const char  *option,
                       const char  *text,
                       double      *out,
                       GError     **error)
{
  double total;

  if (!parse_number (text, strlen (text), &total) || total <= 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s “%s” is not a total: give a number greater than 0, as in 20 (steps)"),
                   option, text);
      return FALSE;
    }
  *out = total;
  return TRUE;
}

/**
 * TaskerctlLogBatch:
 *
 * The bytes read from standard input and not sent yet.
 */
struct _TaskerctlLogBatch
{
  GByteArray *bytes;  /* (owned) */
};

TaskerctlLogBatch *
taskerctl_log_batch_new (void)
{
  TaskerctlLogBatch *self = g_new0 (TaskerctlLogBatch, 1);

  self->bytes = g_byte_array_new ();
  return self;
}

void
taskerctl_log_batch_free (TaskerctlLogBatch *self)
{
  g_byte_array_unref (self->bytes);
  g_free (self);
}

void
taskerctl_log_batch_add (TaskerctlLogBatch *self,
                         const char        *data,
                         gsize              len)
{
  g_byte_array_append (self->bytes, (const guint8 *) data, len);
}

/* The number of bytes not sent yet. */
gsize
taskerctl_log_batch_pending (TaskerctlLogBatch *self)
{
  return self->bytes->len;
}

/* Whether there is something to send before the end of the input: a whole
 * line, or a line too long to wait for its end. */
gboolean
taskerctl_log_batch_has_line (TaskerctlLogBatch *self)
{
  return memchr (self->bytes->data, '\n', self->bytes->len) != NULL ||
         self->bytes->len >= TASKERCTL_LOG_LINE_MAX;
}

/* Where the next batch ends: after its last whole line within
 * TASKERCTL_LOG_BATCH_MAX bytes; else, for a line longer than
 * TASKERCTL_LOG_LINE_MAX, at a character boundary near that; else, at the
 * end of the input, everything; else 0 (wait for more). */
static gsize
batch_end (TaskerctlLogBatch *self,
           gboolean           at_end)
{
  const guint8 *data = self->bytes->data;
  gsize len = self->bytes->len;
  gsize window = MIN (len, TASKERCTL_LOG_BATCH_MAX);

  if (at_end && len <= TASKERCTL_LOG_BATCH_MAX)
    return len;
  for (gsize i = window; i > 0; i--)
    if (data[i - 1] == '\n')
      return i;
  if (len >= TASKERCTL_LOG_LINE_MAX)
    {
      gsize end = TASKERCTL_LOG_LINE_MAX;

      /* Not inside a character: back over at most three continuation bytes. */
      for (guint n = 0; n < 3 && end < len && (data[end] & 0xC0) == 0x80; n++)
        end--;
      return end;
    }
  return at_end ? len : 0;
}

/**
 * taskerctl_log_batch_take:
 * @at_end: whether the input has ended (its last line then goes too, even
 *   without a newline)
 *
 * Takes the next batch to send: whole lines, without the last newline (the
 * application's Log makes each line of its text a log line), with bytes
 * that are not UTF-8 (and NULs) replaced by U+FFFD. Call it again until it
 * returns NULL: a batch holds at most TASKERCTL_LOG_BATCH_MAX bytes.
 *
 * Returns: (transfer full) (nullable): the text, or NULL when there is
 *   nothing to send yet.
 */
char *
taskerctl_log_batch_take (TaskerctlLogBatch *self,
                          gboolean           at_end)
{
  gsize end = batch_end (self, at_end);
  gsize len = end;
  char *text;

  if (end == 0)
    return NULL;
  if (self->bytes->data[len - 1] == '\n')
    len--;
  text = g_utf8_make_valid ((const char *) self->bytes->data, len);
  g_byte_array_remove_range (self->bytes, 0, end);
  return text;
}
