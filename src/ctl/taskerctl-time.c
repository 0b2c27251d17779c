/* taskerctl-time.c: the times and durations of `taskerctl add --at/--in`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * --at takes HH:MM (the next such time, today or tomorrow), YYYY-MM-DD HH:MM
 * (local time) or ISO 8601; --in takes 90s, 15m, 2h, 1h30m. Both in the
 * local time zone of the caller, which is what a person typing them means.
 */

#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>

#include "taskerctl-time.h"

/* Whether @text has the shape of @pattern, where 9 stands for a digit. */
static gboolean
has_shape (const char *text,
           const char *pattern)
{
  for (; *text != '\0' && *pattern != '\0'; text++, pattern++)
    if (*pattern == '9' ? !g_ascii_isdigit (*text) : *text != *pattern)
      return FALSE;

  return *text == '\0' && *pattern == '\0';
}

/* "HH:MM" or "HH:MM:SS" into its fields; FALSE for anything else. */
static gboolean
parse_clock (const char *text,
             int        *hour,
             int        *minute,
             int        *second)
{
  *second = 0;
  if (has_shape (text, "99:99") || has_shape (text, "9:99"))
    sscanf (text, "%d:%d", hour, minute);
  else if (has_shape (text, "99:99:99") || has_shape (text, "9:99:99"))
    sscanf (text, "%d:%d:%d", hour, minute, second);
  else
    return FALSE;

  return *hour >= 0 && *hour <= 23 && *minute >= 0 && *minute <= 59 &&
         *second >= 0 && *second <= 59;
}

static gboolean
parse_date (const char *text,
            int        *year,
            int        *month,
            int        *day)
{
  return has_shape (text, "9999-99-99") &&
         sscanf (text, "%d-%d-%d", year, month, day) == 3 &&
         g_date_valid_dmy (*day, *month, *year);
}

/**
 * taskerctl_parse_at:
 * @text: what the user gave --at
 * @now: the current time, in the time zone @text is read in
 * @out_us: (out): the time, in µs since the epoch
 *
 * Returns: FALSE with @error naming @text when it is not a time, or a time
 *   that has passed.
 */
gboolean
taskerctl_parse_at (const char  *text,
                    GDateTime   *now,
                    gint64      *out_us,
                    GError     **error)
{
  g_autoptr(GDateTime) when = NULL;
  g_auto(GStrv) parts = g_strsplit (text, " ", -1);
  int hour, minute, second, year, month, day;

  if (parts[0] != NULL && parts[1] == NULL && parse_clock (parts[0], &hour, &minute, &second))
    {
      when = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                    g_date_time_get_day_of_month (now), hour, minute, second);
      /* Passed today: tomorrow's. */
      if (when != NULL && g_date_time_compare (when, now) <= 0)
        {
          g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);

          g_clear_pointer (&when, g_date_time_unref);
          when = g_date_time_new_local (g_date_time_get_year (tomorrow), g_date_time_get_month (tomorrow),
                                        g_date_time_get_day_of_month (tomorrow), hour, minute, second);
        }
    }
  else if (parts[0] != NULL && parts[1] != NULL && parts[2] == NULL &&
           parse_date (parts[0], &year, &month, &day) &&
           parse_clock (parts[1], &hour, &minute, &second))
    when = g_date_time_new_local (year, month, day, hour, minute, second);
  else
    {
      g_autoptr(GTimeZone) local = g_time_zone_new_local ();

      when = g_date_time_new_from_iso8601 (text, local);
    }

  if (when == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--at “%s” is not a time: give HH:MM, “YYYY-MM-DD HH:MM” or ISO 8601 "
                     "(2026-12-07T03:00:00+01:00)"), text);
      return FALSE;
    }
  if (g_date_time_compare (when, now) <= 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--at “%s” has passed: give a time to come"), text);
      return FALSE;
    }

  *out_us = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
  return TRUE;
}

/**
 * taskerctl_parse_duration:
 * @text: what the user gave --in: numbers each with a unit s, m, h or d, in
 *   decreasing units (1h30m)
 * @out_seconds: (out): the duration
 *
 * Returns: FALSE with @error naming @text when it is not a duration, or one
 *   longer than the interface can carry.
 */
gboolean
taskerctl_parse_duration (const char  *text,
                          guint64     *out_seconds,
                          GError     **error)
{
  static const struct { char unit; guint64 seconds; } units[] = {
    { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
  };
  const char *p = text;
  guint64 total = 0;
  guint next_unit = 0;

  while (*p != '\0')
    {
      guint64 n = 0;
      const char *digits = p;
      guint i;

      while (g_ascii_isdigit (*p) && n <= G_MAXUINT32)
        n = n * 10 + (guint64) (*p++ - '0');
      if (p == digits || g_ascii_isdigit (*p))
        goto bad;
      for (i = next_unit; i < G_N_ELEMENTS (units) && units[i].unit != *p; i++)
        ;
      if (i == G_N_ELEMENTS (units))
        goto bad;
      total += n * units[i].seconds;
      if (total > G_MAXUINT32)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--in “%s” is too long: at most %u seconds"), text, G_MAXUINT32);
          return FALSE;
        }
      next_unit = i + 1;
      p++;
    }
  if (p == text)
    goto bad;

  *out_seconds = total;
  return TRUE;

bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("--in “%s” is not a duration: give numbers with units s, m, h, d, "
                 "as in 90s, 15m, 2h or 1h30m"), text);
  return FALSE;
}
