/* test-calendar.c — schedule specs (tasker-calendar.c): what is accepted, the
 * error of each bad spec, and next runs across month ends, leap days, year
 * ends and both daylight-saving changes of Europe/Kyiv in 2026 (29 March
 * 03:00 → 04:00, 25 October 04:00 → 03:00).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "tasker-test.h"

#include "tasker-calendar-private.h"

static GTimeZone *kyiv;

static gint64
parse_time (const char *text)
{
  return test_parse_time (kyiv, text);
}

static char *
format_time (gint64 us)
{
  return test_format_time (kyiv, us);
}

static gint64
next_run (const char *spec,
          gint64      after)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TaskerCalendar) calendar = _tasker_calendar_parse (spec, &error);

  g_assert_no_error (error);
  g_assert_nonnull (calendar);
  return _tasker_calendar_next (calendar, kyiv, after);
}

static const struct
{
  const char *spec;
  const char *after;
  const char *expected;
} next_runs[] = {
  /* Month ends, year ends, the shorthands. */
  { "daily 03:00",         "2026-01-31 12:00:00", "2026-02-01 03:00:00 +0200" },
  { "daily",               "2026-01-31 12:00:00", "2026-02-01 00:00:00 +0200" },
  { "hourly",              "2026-01-31 23:30:00", "2026-02-01 00:00:00 +0200" },
  { "minutely",            "2026-12-31 23:59:30", "2027-01-01 00:00:00 +0200" },
  { "weekly",              "2026-12-07 00:00:00", "2026-12-14 00:00:00 +0200" },
  { "monthly",             "2026-12-15 08:00:00", "2027-01-01 00:00:00 +0200" },
  { "yearly",              "2026-12-31 23:59:59", "2027-01-01 00:00:00 +0200" },
  { "*-*-01 00:00",        "2026-01-31 12:00:00", "2026-02-01 00:00:00 +0200" },
  { "*-*-01 00:00",        "2026-02-01 00:00:00", "2026-03-01 00:00:00 +0200" },
  { "*-*-31 08:00",        "2026-01-31 12:00:00", "2026-03-31 08:00:00 +0300" },
  { "*-*-30 08:00",        "2026-01-30 08:00:00", "2026-03-30 08:00:00 +0300" },
  { "*-*-* 03:00:00",      "2026-12-31 23:59:59", "2027-01-01 03:00:00 +0200" },
  { "*-12-31 23:59:59",    "2026-06-01 00:00:00", "2026-12-31 23:59:59 +0200" },
  { "*-12-31 23:59:59",    "2026-12-31 23:59:59", "2027-12-31 23:59:59 +0200" },
  { "2027-*-* 00:00",      "2026-06-01 00:00:00", "2027-01-01 00:00:00 +0200" },
  { "2025-*-* 00:00",      "2026-06-01 00:00:00", "never" },
  /* Leap days. */
  { "*-02-29 12:00",       "2026-01-01 00:00:00", "2028-02-29 12:00:00 +0200" },
  { "*-02-29 12:00",       "2028-02-29 12:00:00", "2032-02-29 12:00:00 +0200" },
  { "*-02-28,29 12:00",    "2028-02-28 12:00:00", "2028-02-29 12:00:00 +0200" },
  { "*-02-28,29 12:00",    "2027-02-28 12:00:00", "2028-02-28 12:00:00 +0200" },
  { "*-03-01 00:00",       "2028-02-28 00:00:00", "2028-03-01 00:00:00 +0200" },
  { "Fri *-02-29 00:00",   "2026-01-01 00:00:00", "2036-02-29 00:00:00 +0200" },
  /* Weekdays (7 December 2026 is a Monday, 31 December a Thursday). */
  { "Mon..Fri 09:00",      "2026-12-31 10:00:00", "2027-01-01 09:00:00 +0200" },
  { "Mon..Fri 09:00",      "2027-01-01 09:00:00", "2027-01-04 09:00:00 +0200" },
  { "Sat 10:00",           "2026-12-31 10:00:00", "2027-01-02 10:00:00 +0200" },
  { "Mon,Wed,Fri 18:30",   "2027-01-01 18:30:00", "2027-01-04 18:30:00 +0200" },
  { "Mon,Wed,Fri 18:30",   "2027-01-04 18:30:01", "2027-01-06 18:30:00 +0200" },
  { "Sat,Sun 07:15",       "2026-12-07 12:00:00", "2026-12-12 07:15:00 +0200" },
  { "Fri..Mon 00:00",      "2026-12-08 00:00:00", "2026-12-11 00:00:00 +0200" },
  { "sunday 12:00:30",     "2026-12-07 12:00:00", "2026-12-13 12:00:30 +0200" },
  { "Mon..Fri *-*-* 09:00","2026-12-12 09:00:00", "2026-12-14 09:00:00 +0200" },
  { "*:0/15",              "2026-12-07 10:07:00", "2026-12-07 10:15:00 +0200" },
  { "*:0/15",              "2026-12-07 23:50:00", "2026-12-08 00:00:00 +0200" },
  { "08..10:30",           "2026-12-07 10:30:00", "2026-12-08 08:30:00 +0200" },
  /* Spring forward: 29 March 2026, 03:00 EET → 04:00 EEST. A wall time in the
   * gap runs at the change (04:00 EEST, 01:00 UTC), once. */
  { "daily 03:30",         "2026-03-28 12:00:00", "2026-03-29 04:00:00 +0300" },
  { "daily 03:00",         "2026-03-28 12:00:00", "2026-03-29 04:00:00 +0300" },
  { "daily 02:59",         "2026-03-28 12:00:00", "2026-03-29 02:59:00 +0200" },
  { "daily 04:00",         "2026-03-28 12:00:00", "2026-03-29 04:00:00 +0300" },
  { "daily 03:30",         "2026-03-29 04:00:00 +0300", "2026-03-30 03:30:00 +0300" },
  { "*:0/15",              "2026-03-29 02:50:00 +0200", "2026-03-29 04:00:00 +0300" },
  { "*:0/15",              "2026-03-29 04:00:00 +0300", "2026-03-29 04:15:00 +0300" },
  /* Fall back: 25 October 2026, 04:00 EEST → 03:00 EET. A repeated wall time
   * runs at its first occurrence only. */
  { "daily 03:30",         "2026-10-24 12:00:00", "2026-10-25 03:30:00 +0300" },
  { "daily 03:30",         "2026-10-25 03:30:00 +0300", "2026-10-26 03:30:00 +0200" },
  { "daily 03:30",         "2026-10-25 03:10:00 +0200", "2026-10-26 03:30:00 +0200" },
  { "daily 04:00",         "2026-10-24 12:00:00", "2026-10-25 04:00:00 +0200" },
  { "*:0/30",              "2026-10-25 03:30:00 +0300", "2026-10-25 04:00:00 +0200" },
  { "daily 02:30",         "2026-10-24 12:00:00", "2026-10-25 02:30:00 +0300" },
};

static void
test_next_runs (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (next_runs); i++)
    {
      g_autofree char *got = format_time (next_run (next_runs[i].spec,
                                                    parse_time (next_runs[i].after)));

      g_test_message ("%s after %s", next_runs[i].spec, next_runs[i].after);
      g_assert_cmpstr (got, ==, next_runs[i].expected);
    }
}

/* `every N` is real time: across both changes, exactly N later. */
static void
test_interval (void)
{
  static const struct { const char *spec; gint64 us; } intervals[] = {
    { "every 30s", (gint64) 30 * G_USEC_PER_SEC },
    { "every 15m", (gint64) 15 * 60 * G_USEC_PER_SEC },
    { "every 2h", (gint64) 2 * 3600 * G_USEC_PER_SEC },
    { "every 1d", (gint64) 86400 * G_USEC_PER_SEC },
    { "EVERY   90m ", (gint64) 90 * 60 * G_USEC_PER_SEC },
  };
  gint64 spring = parse_time ("2026-03-29 02:30:00");
  gint64 fall = parse_time ("2026-10-25 03:30:00 +0300");
  g_autofree char *after_spring = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (intervals); i++)
    {
      g_autoptr(TaskerCalendar) calendar = _tasker_calendar_parse (intervals[i].spec, NULL);

      g_assert_nonnull (calendar);
      g_assert_cmpint (_tasker_calendar_get_interval (calendar), ==, intervals[i].us);
      g_assert_cmpint (_tasker_calendar_next (calendar, kyiv, spring), ==, spring + intervals[i].us);
      g_assert_cmpint (_tasker_calendar_next (calendar, kyiv, fall), ==, fall + intervals[i].us);
    }

  /* 02:30 EET + 2 h of real time is 05:30 EEST on the wall. */
  after_spring = format_time (next_run ("every 2h", spring));
  g_assert_cmpstr (after_spring, ==, "2026-03-29 05:30:00 +0300");
}

/* Every wall time of a whole DST day, minute by minute: each spec minute
 * runs once, in order, and none runs twice. */
static void
test_dst_days_every_minute (void)
{
  static const struct { const char *day; const char *next_day; guint runs; } days[] = {
    /* 23 hours: the skipped 03:xx all run at 04:00, with 04:00 itself. */
    { "2026-03-29 00:00:00", "2026-03-30 00:00:00", 23 * 60 },
    /* 25 hours of real time, the repeated 03:xx once: 24*60. */
    { "2026-10-25 00:00:00", "2026-10-26 00:00:00", 24 * 60 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (days); i++)
    {
      g_autoptr(TaskerCalendar) calendar = _tasker_calendar_parse ("minutely", NULL);
      gint64 t = parse_time (days[i].day) - 1;
      gint64 end = parse_time (days[i].next_day);
      guint runs = 0;

      for (;;)
        {
          gint64 next = _tasker_calendar_next (calendar, kyiv, t);

          g_assert_cmpint (next, >, t);
          if (next >= end)
            break;
          runs++;
          t = next;
        }
      g_assert_cmpuint (runs, ==, days[i].runs);
    }
}

static const struct
{
  const char *spec;
  const char *message;
} bad_specs[] = {
  { "Mun 09:00",        "“Mun” is not a weekday (Mon, Tue, …)" },
  { "Mon..Fry 09:00",   "“Fry” is not a weekday (Mon, Tue, …)" },
  { "tomorrow",         "“tomorrow” is not a weekday (Mon, Tue, …)" },
  { "09:00 Mon",        "Weekdays come first, as in “Mon..Fri 09:00”" },
  { "every",            "“every” needs an interval, as in “every 15m”" },
  { "every 15x",        "“15x” is not an interval: a number and a unit (s, m, h or d), as in “15m”" },
  { "every m",          "“m” is not an interval: a number and a unit (s, m, h or d), as in “15m”" },
  { "every 0m",         "“0m”: an interval must be longer than zero" },
  { "every 99999d",     "“99999d” is longer than ten years" },
  { "every 15m now",    "Unexpected “now” in “every 15m now”" },
  { "hourly 03:00",     "Unexpected “03:00” in “hourly 03:00”" },
  { "daily 3",          "Unexpected “3” in “daily 3”" },
  { "daily 25:00",      "“25” is not an hour (0–23)" },
  { "daily 03:60",      "“60” is not a minute (0–59)" },
  { "03:00:61",         "“61” is not a second (0–59)" },
  { "03",               "“03” is not a date (YYYY-MM-DD) or a time (HH:MM), or it is out of place" },
  { "03:00 04:00",      "“04:00” is not a date (YYYY-MM-DD) or a time (HH:MM), or it is out of place" },
  { "3:00:00:00",       "“3:00:00:00” is not a time (HH:MM or HH:MM:SS, * for any)" },
  { "*-13-01 00:00",    "“13” is not a month (1–12)" },
  { "*-*-32",           "“32” is not a day of the month (1–31)" },
  { "*-*-0",            "“0” is not a day of the month (1–31)" },
  { "1969-*-* 00:00",   "“1969” is not a year (1970–2225)" },
  { "2026-01",          "“2026” is not a month (1–12)" },
  { "1-2-3-4",          "“1-2-3-4” is not a date (YYYY-MM-DD or MM-DD, * for any)" },
  { "*-02-30 12:00",    "“*-02-30 12:00” names no day that exists" },
  { "*-04,06-31",       "“*-04,06-31” names no day that exists" },
  { "*:0/0",            "“0” is not a repetition step (a number from 1)" },
  { "10..08:00",        "“10..08” is an empty range" },
  { "",                 "The schedule is empty: give a calendar spec (“daily 03:00”) or an interval (“every 15m”)" },
  { "   ",              "The schedule is empty: give a calendar spec (“daily 03:00”) or an interval (“every 15m”)" },
};

static void
test_bad_specs (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_specs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TaskerCalendar) calendar = _tasker_calendar_parse (bad_specs[i].spec, &error);

      g_test_message ("“%s”", bad_specs[i].spec);
      g_assert_null (calendar);
      g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
      g_assert_cmpstr (error->message, ==, bad_specs[i].message);

      /* The public check says the same. */
      g_clear_error (&error);
      g_assert_false (tasker_schedule_validate_spec (bad_specs[i].spec, &error));
      g_assert_cmpstr (error->message, ==, bad_specs[i].message);
    }
}

/* Every form docs/scheduling.md lists is accepted. */
static void
test_good_specs (void)
{
  static const char * const good[] = {
    "every 30s", "every 15m", "every 2h", "every 1d", "minutely", "hourly", "daily",
    "daily 03:00", "daily 03:00:30", "weekly", "monthly", "yearly", "annually",
    "Mon..Fri 09:00", "Mon,Wed,Fri 18:30", "Sat 10:00", "Sat", "mon..FRI 9:05",
    "Monday 09:00", "*-*-* 03:00:00", "*-*-01 00:00", "*-02-29 12:00", "02-29 12:00",
    "2027-01-01 00:00", "2026..2030-06-15 12:00", "*:0/15", "*:*:0/30", "03:00",
    "Mon *-*-* 00:00:00", "  daily   03:00  ",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("“%s”", good[i]);
      g_assert_true (tasker_schedule_validate_spec (good[i], &error));
      g_assert_no_error (error);
    }
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  kyiv = g_time_zone_new_identifier ("Europe/Kyiv");
  if (kyiv == NULL)
    {
      g_test_skip ("no tzdata for Europe/Kyiv");
      return g_test_run ();
    }

  g_test_add_func ("/Tasker/Calendar/next-runs", test_next_runs);
  g_test_add_func ("/Tasker/Calendar/interval", test_interval);
  g_test_add_func ("/Tasker/Calendar/dst-days-every-minute", test_dst_days_every_minute);
  g_test_add_func ("/Tasker/Calendar/bad-specs", test_bad_specs);
  g_test_add_func ("/Tasker/Calendar/good-specs", test_good_specs);

  ret = g_test_run ();
  g_time_zone_unref (kyiv);
  return ret;
}
