/* tasker-calendar.c — the calendar specs of schedules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A documented subset of systemd.time(7)'s calendar events plus `every N`
 * intervals; docs/scheduling.md is the reference for what is accepted. Wall
 * times are matched day by day in civil arithmetic and each candidate is
 * turned into an instant with the time zone's offsets, which is where the
 * daylight-saving rules live (resolve_wall()).
 */

#include "config.h"

#include <string.h>

#include "tasker-i18n-private.h"

#include "tasker-calendar-private.h"
#include "tasker-error.h"

#define FIRST_YEAR 1970
#define N_YEARS    256
/* How far ahead a spec is searched: 400 years hold every weekday/date cycle. */
#define MAX_DAYS   (400 * 366)
#define MAX_INTERVAL_S ((gint64) 3660 * 86400)

struct _TaskerCalendar
{
  gint64  interval_us;       /* > 0 for `every N` */
  guint8  weekdays;          /* bit 0 = Monday … bit 6 = Sunday */
  guint64 years[N_YEARS / 64]; /* bit (year - FIRST_YEAR) */
  gboolean any_year;
  guint16 months;            /* bit 1..12 */
  guint32 days;              /* bit 1..31 */
  guint32 hours;             /* bit 0..23 */
  guint64 minutes;           /* bit 0..59 */
  guint64 seconds;           /* bit 0..59 */
};

static const char * const weekday_names[] = {
  "mon", "tue", "wed", "thu", "fri", "sat", "sun",
};
static const char * const weekday_full_names[] = {
  "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
};

void
_tasker_calendar_free (TaskerCalendar *self)
{
  g_free (self);
}

gint64
_tasker_calendar_get_interval (const TaskerCalendar *self)
{
  return self->interval_us;
}

static gboolean
set_error (GError    **error,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static gboolean
set_error (GError    **error,
           const char *format,
           ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

/* ── Parsing ─────────────────────────────────────────────────────────────── */

static int
parse_weekday_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (weekday_names); i++)
    if (g_ascii_strcasecmp (name, weekday_names[i]) == 0
        || g_ascii_strcasecmp (name, weekday_full_names[i]) == 0)
      return (int) i;
  return -1;
}

static gboolean
parse_weekdays (const char *token,
                guint8     *mask,
                GError    **error)
{
  g_auto(GStrv) items = g_strsplit (token, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *dots = strstr (items[i], "..");
      g_autofree char *first = dots ? g_strndup (items[i], dots - items[i]) : g_strdup (items[i]);
      int from = parse_weekday_name (first);
      int to = from;

      if (from < 0)
        return set_error (error, _("“%s” is not a weekday (Mon, Tue, …)"), first);
      if (dots != NULL)
        {
          to = parse_weekday_name (dots + 2);
          if (to < 0)
            return set_error (error, _("“%s” is not a weekday (Mon, Tue, …)"), dots + 2);
        }
      /* A range may wrap round the week: Fri..Mon. */
      for (int d = from;; d = (d + 1) % 7)
        {
          *mask |= 1u << d;
          if (d == to)
            break;
        }
    }
  return TRUE;
}

static gboolean
parse_number (const char *text,
              int        *value)
{
  char *end = NULL;
  guint64 n;

  if (text[0] == '\0' || !g_ascii_isdigit (text[0]))
    return FALSE;
  n = g_ascii_strtoull (text, &end, 10);
  if (*end != '\0' || n > 9999)
    return FALSE;
  *value = (int) n;
  return TRUE;
}

typedef struct
{
  const char *what;   /* "an hour (0–23)", for the messages */
  int         min;
  int         max;
} Field;

/* One component of a date or a time: `*`, `N`, `N..M`, a comma list of
 * those, each optionally followed by `/STEP` (`*:0/15`). Sets bits
 * (value - min) of @bits. */
static gboolean
parse_field (const char  *text,
             const Field *field,
             guint64     *bits,
             GError     **error)
{
  g_auto(GStrv) items = g_strsplit (text, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) by_step = g_strsplit (items[i], "/", 2);
      const char *range = by_step[0];
      const char *dots = strstr (range, "..");
      int from, to, step = 1;

      if (by_step[1] != NULL && (!parse_number (by_step[1], &step) || step == 0))
        return set_error (error, _("“%s” is not a repetition step (a number from 1)"), by_step[1]);

      if (strcmp (range, "*") == 0)
        {
          from = field->min;
          to = field->max;
        }
      else if (dots != NULL)
        {
          g_autofree char *first = g_strndup (range, dots - range);

          if (!parse_number (first, &from) || from < field->min || from > field->max)
            return set_error (error, _("“%s” is not %s"), first, field->what);
          if (!parse_number (dots + 2, &to) || to < field->min || to > field->max)
            return set_error (error, _("“%s” is not %s"), dots + 2, field->what);
          if (to < from)
            return set_error (error, _("“%s” is an empty range"), range);
        }
      else
        {
          if (!parse_number (range, &from) || from < field->min || from > field->max)
            return set_error (error, _("“%s” is not %s"), range, field->what);
          /* N/STEP repeats from N to the end of the field. */
          to = by_step[1] != NULL ? field->max : from;
        }

      for (int v = from; v <= to; v += step)
        bits[(v - field->min) / 64] |= G_GUINT64_CONSTANT (1) << ((v - field->min) % 64);
    }
  return TRUE;
}

static gboolean
parse_date (TaskerCalendar *self,
            const char     *token,
            GError        **error)
{
  static const Field year = { N_("a year (1970–2225)"), FIRST_YEAR, FIRST_YEAR + N_YEARS - 1 };
  static const Field month = { N_("a month (1–12)"), 1, 12 };
  static const Field day = { N_("a day of the month (1–31)"), 1, 31 };
  g_auto(GStrv) parts = g_strsplit (token, "-", -1);
  guint n = g_strv_length (parts);
  guint64 bits = 0;
  Field f;

  if (n != 2 && n != 3)
    return set_error (error, _("“%s” is not a date (YYYY-MM-DD or MM-DD, * for any)"), token);

  if (n == 3)
    {
      f = year;
      f.what = _(year.what);
      if (strcmp (parts[0], "*") == 0)
        self->any_year = TRUE;
      else if (!parse_field (parts[0], &f, self->years, error))
        return FALSE;
      else
        self->any_year = FALSE;
    }

  f = month;
  f.what = _(month.what);
  if (!parse_field (parts[n - 2], &f, &bits, error))
    return FALSE;
  self->months = (guint16) (bits << 1);

  bits = 0;
  f = day;
  f.what = _(day.what);
  if (!parse_field (parts[n - 1], &f, &bits, error))
    return FALSE;
  self->days = (guint32) (bits << 1);
  return TRUE;
}

static gboolean
parse_time (TaskerCalendar *self,
            const char     *token,
            GError        **error)
{
  static const Field hour = { N_("an hour (0–23)"), 0, 23 };
  static const Field minute = { N_("a minute (0–59)"), 0, 59 };
  static const Field second = { N_("a second (0–59)"), 0, 59 };
  g_auto(GStrv) parts = g_strsplit (token, ":", -1);
  guint n = g_strv_length (parts);
  guint64 bits = 0;
  Field f;

  if (n != 2 && n != 3)
    return set_error (error, _("“%s” is not a time (HH:MM or HH:MM:SS, * for any)"), token);

  f = hour;
  f.what = _(hour.what);
  if (!parse_field (parts[0], &f, &bits, error))
    return FALSE;
  self->hours = (guint32) bits;

  self->minutes = 0;
  f = minute;
  f.what = _(minute.what);
  if (!parse_field (parts[1], &f, &self->minutes, error))
    return FALSE;

  self->seconds = 0;
  if (n == 3)
    {
      f = second;
      f.what = _(second.what);
      if (!parse_field (parts[2], &f, &self->seconds, error))
        return FALSE;
    }
  else
    self->seconds = 1;   /* :00 */
  return TRUE;
}

static gboolean
parse_interval (TaskerCalendar *self,
                const char     *token,
                GError        **error)
{
  char *end = NULL;
  guint64 n;
  gint64 unit;

  if (!g_ascii_isdigit (token[0]))
    goto bad;
  n = g_ascii_strtoull (token, &end, 10);
  if (strcmp (end, "s") == 0)
    unit = 1;
  else if (strcmp (end, "m") == 0)
    unit = 60;
  else if (strcmp (end, "h") == 0)
    unit = 3600;
  else if (strcmp (end, "d") == 0)
    unit = 86400;
  else
    goto bad;

  if (n == 0)
    return set_error (error, _("“%s”: an interval must be longer than zero"), token);
  if (n > (guint64) (MAX_INTERVAL_S / unit))
    return set_error (error, _("“%s” is longer than ten years"), token);
  self->interval_us = (gint64) n * unit * G_USEC_PER_SEC;
  return TRUE;

bad:
  return set_error (error,
                    _("“%s” is not an interval: a number and a unit (s, m, h or d), as in “15m”"),
                    token);
}

static void
set_all_dates (TaskerCalendar *self)
{
  self->weekdays = 0x7f;
  self->any_year = TRUE;
  self->months = 0x1ffe;
  self->days = 0xfffffffe;
}

static void
set_time_of_day (TaskerCalendar *self,
                 int             hour,
                 int             minute)
{
  self->hours = 1u << hour;
  self->minutes = G_GUINT64_CONSTANT (1) << minute;
  self->seconds = 1;
}

static gboolean
is_leap (int year)
{
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static guint
days_in_month (int      year,
               unsigned month)
{
  static const guint8 days[] = { 0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

  return month == 2 && is_leap (year) ? 29 : days[month];
}

/* Whether some month of the spec has some day of the spec, in a leap year. */
static gboolean
has_some_day (const TaskerCalendar *self)
{
  for (unsigned m = 1; m <= 12; m++)
    if (self->months & (1u << m))
      for (unsigned d = 1; d <= days_in_month (2000, m); d++)
        if (self->days & (1u << d))
          return TRUE;
  return FALSE;
}

TaskerCalendar *
_tasker_calendar_parse (const char *spec,
                        GError    **error)
{
  g_autoptr(TaskerCalendar) self = g_new0 (TaskerCalendar, 1);
  g_auto(GStrv) tokens = NULL;
  g_autofree char *stripped = NULL;
  guint n, i = 0;
  gboolean have_date = FALSE, have_time = FALSE;

  _tasker_i18n_init ();

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stripped = g_strstrip (g_strdup (spec));
  tokens = g_strsplit_set (stripped, " \t", -1);
  {
    /* g_strsplit_set leaves empty strings between repeated blanks. */
    guint j = 0;
    for (guint k = 0; tokens[k] != NULL; k++)
      if (tokens[k][0] != '\0')
        tokens[j++] = tokens[k];
      else
        g_free (tokens[k]);
    tokens[j] = NULL;
    n = j;
  }

  if (n == 0)
    {
      set_error (error, _("The schedule is empty: give a calendar spec (“daily 03:00”) or an interval (“every 15m”)"));
      return NULL;
    }

  set_all_dates (self);
  set_time_of_day (self, 0, 0);

  if (g_ascii_strcasecmp (tokens[0], "every") == 0)
    {
      if (n == 1)
        {
          set_error (error, _("“every” needs an interval, as in “every 15m”"));
          return NULL;
        }
      if (!parse_interval (self, tokens[1], error))
        return NULL;
      if (n > 2)
        {
          set_error (error, _("Unexpected “%s” in “%s”"), tokens[2], stripped);
          return NULL;
        }
      return g_steal_pointer (&self);
    }

  if (g_ascii_strcasecmp (tokens[0], "minutely") == 0)
    {
      self->hours = 0xffffff;
      self->minutes = G_GUINT64_CONSTANT (0x0fffffffffffffff);
      i = 1;
    }
  else if (g_ascii_strcasecmp (tokens[0], "hourly") == 0)
    {
      self->hours = 0xffffff;
      i = 1;
    }
  else if (g_ascii_strcasecmp (tokens[0], "daily") == 0)
    {
      /* `daily HH:MM` is ours, not systemd's: the time of day of a daily run. */
      i = 1;
      if (n > 1 && strchr (tokens[1], ':') != NULL)
        {
          if (!parse_time (self, tokens[1], error))
            return NULL;
          i = 2;
        }
    }
  else if (g_ascii_strcasecmp (tokens[0], "weekly") == 0)
    {
      self->weekdays = 1;
      i = 1;
    }
  else if (g_ascii_strcasecmp (tokens[0], "monthly") == 0)
    {
      self->days = 1u << 1;
      i = 1;
    }
  else if (g_ascii_strcasecmp (tokens[0], "yearly") == 0
           || g_ascii_strcasecmp (tokens[0], "annually") == 0)
    {
      self->months = 1u << 1;
      self->days = 1u << 1;
      i = 1;
    }

  if (i > 0)
    {
      if (i < n)
        {
          set_error (error, _("Unexpected “%s” in “%s”"), tokens[i], stripped);
          return NULL;
        }
      return g_steal_pointer (&self);
    }

  /* [WEEKDAYS] [DATE] [TIME], in that order. */
  if (g_ascii_isalpha (tokens[0][0]))
    {
      self->weekdays = 0;
      if (!parse_weekdays (tokens[0], &self->weekdays, error))
        return NULL;
      i = 1;
    }

  for (; i < n; i++)
    {
      const char *token = tokens[i];

      if (g_ascii_isalpha (token[0]))
        {
          guint8 ignored = 0;

          /* A weekday in the wrong place, or a word that is none. */
          if (!parse_weekdays (token, &ignored, error))
            return NULL;
          set_error (error, _("Weekdays come first, as in “Mon..Fri 09:00”"));
          return NULL;
        }
      else if (strchr (token, ':') != NULL && !have_time)
        {
          if (!parse_time (self, token, error))
            return NULL;
          have_time = TRUE;
        }
      else if (strchr (token, '-') != NULL && !have_date && !have_time)
        {
          if (!parse_date (self, token, error))
            return NULL;
          have_date = TRUE;
        }
      else
        {
          set_error (error,
                     _("“%s” is not a date (YYYY-MM-DD) or a time (HH:MM), or it is out of place"),
                     token);
          return NULL;
        }
    }

  if (!has_some_day (self))
    {
      set_error (error, _("“%s” names no day that exists"), spec);
      return NULL;
    }

  return g_steal_pointer (&self);
}

/* ── Next run ────────────────────────────────────────────────────────────── */

/* The proleptic Gregorian date of a count of days since 1970-01-01
 * (H. Hinnant's algorithm). */
static void
civil_from_days (gint64    z,
                 int      *year,
                 unsigned *month,
                 unsigned *day)
{
  gint64 era, doe, yoe, y, doy, mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *day = (unsigned) (doy - (153 * mp + 2) / 5 + 1);
  *month = (unsigned) (mp < 10 ? mp + 3 : mp - 9);
  *year = (int) (y + (*month <= 2));
}

static gint32
offset_at (GTimeZone *tz,
           gint64     t)
{
  return g_time_zone_get_offset (tz, g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, t));
}

/* The instant (s) of local wall time @wall (seconds of a day count since
 * 1970-01-01 as if it were UTC): its first occurrence, or for a time in a
 * spring-forward gap the change itself. */
static gint64
resolve_wall (GTimeZone *tz,
              gint64     wall)
{
  gint32 before = offset_at (tz, wall - 86400);
  gint32 after = offset_at (tz, wall + 86400);
  gint64 best = G_MAXINT64;
  gint64 lo, hi;
  int lo_interval;

  if (offset_at (tz, wall - before) == before)
    best = wall - before;
  if (offset_at (tz, wall - after) == after)
    best = MIN (best, wall - after);
  if (best != G_MAXINT64 || before == after)
    return best != G_MAXINT64 ? best : wall - before;

  /* In a gap: the change lies in (wall - after, wall - before]. */
  lo = wall - MAX (before, after);
  hi = wall - MIN (before, after);
  lo_interval = g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, lo);
  while (hi - lo > 1)
    {
      gint64 mid = lo + (hi - lo) / 2;

      if (g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, mid) == lo_interval)
        lo = mid;
      else
        hi = mid;
    }
  return hi;
}

static gboolean
has_year (const TaskerCalendar *self,
          int                   year)
{
  if (self->any_year)
    return TRUE;
  if (year < FIRST_YEAR || year >= FIRST_YEAR + N_YEARS)
    return FALSE;
  return (self->years[(year - FIRST_YEAR) / 64] >> ((year - FIRST_YEAR) % 64)) & 1;
}

static int
last_year (const TaskerCalendar *self)
{
  if (self->any_year)
    return G_MAXINT;
  for (int y = FIRST_YEAR + N_YEARS - 1; y >= FIRST_YEAR; y--)
    if (has_year (self, y))
      return y;
  return FIRST_YEAR - 1;
}

gint64
_tasker_calendar_next (const TaskerCalendar *self,
                       GTimeZone            *tz,
                       gint64                after_us)
{
  gint64 after_s, wall_after, first_day, skip_until;
  gint32 min_offset = G_MAXINT32;
  int end_year;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (tz != NULL, 0);

  if (self->interval_us > 0)
    return after_us + self->interval_us;

  after_s = after_us >= 0 ? after_us / G_USEC_PER_SEC : -((-after_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  wall_after = after_s + offset_at (tz, after_s);
  /* A wall time w resolves to at most w - (the smallest offset around it),
   * so one up to @after_s + that offset cannot come after @after_s: skipped
   * without resolving. The offsets a candidate near @after_s resolves with
   * are read within a day of it; sampled every 12 hours over two days. */
  for (int k = -4; k <= 4; k++)
    min_offset = MIN (min_offset, offset_at (tz, after_s + k * 43200));
  skip_until = after_s + min_offset;
  /* One day early: an offset may put a matching instant's wall time on the
   * day before the one @after_us reads as. */
  first_day = (wall_after >= 0 ? wall_after / 86400 : (wall_after - 86399) / 86400) - 1;
  end_year = last_year (self);

  for (gint64 day = first_day; day < first_day + MAX_DAYS; day++)
    {
      int year;
      unsigned month, mday;
      guint weekday = (guint) (((day + 3) % 7 + 7) % 7);   /* 1970-01-01 was a Thursday */

      civil_from_days (day, &year, &month, &mday);
      if (year > end_year)
        break;
      if (!has_year (self, year)
          || !(self->months & (1u << month))
          || !(self->days & (1u << mday))
          || !(self->weekdays & (1u << weekday)))
        continue;

      for (int h = 0; h < 24; h++)
        {
          if (!(self->hours & (1u << h)))
            continue;
          if (day * 86400 + (h + 1) * 3600 - 1 <= skip_until)
            continue;
          for (int m = 0; m < 60; m++)
            {
              if (!((self->minutes >> m) & 1)
                  || day * 86400 + h * 3600 + m * 60 + 59 <= skip_until)
                continue;
              for (int s = 0; s < 60; s++)
                {
                  gint64 t;

                  if (!((self->seconds >> s) & 1)
                      || day * 86400 + h * 3600 + m * 60 + s <= skip_until)
                    continue;
                  t = resolve_wall (tz, day * 86400 + h * 3600 + m * 60 + s);
                  if (t * G_USEC_PER_SEC > after_us)
                    return t * G_USEC_PER_SEC;
                }
            }
        }
    }

  return 0;
}
