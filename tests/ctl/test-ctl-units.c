/* test-ctl-units.c: taskerctl's parsers and printers, in one process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the end-to-end tests (test_taskerctl.py) cannot reach through the
 * bus: bytes that are not UTF-8 in JSON, times relative to a fixed "now",
 * every unit of --in. Run with TZ=Europe/Berlin (tests/ctl/meson.build).
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "taskerctl-table.h"
#include "taskerctl-task.h"
#include "taskerctl-time.h"

/* --json: one line per task, the dict's keys in order, numbers as numbers,
 * strings escaped (control characters included) so that a row stays one line. */
static void
test_json (void)
{
  g_autoptr(GVariant) task = NULL;
  g_autofree char *json = NULL;

  task = g_variant_ref_sink (g_variant_new_parsed ("{'id': <@t 4294967296>, 'created': <@x -5>,"
                                                   " 'progress': <-1.0>, 'half': <0.5>, 'live': <true>,"
                                                   " 'exit-status': <@i 3>, 'attempt': <@u 2>,"
                                                   " 'name': <%s>}", "n\"\\\t\001é☃"));
  json = taskerctl_task_to_json (task);
  g_assert_null (strchr (json, '\n'));
  g_assert_cmpstr (json, ==,
                   "{\"id\":4294967296,\"created\":-5,\"progress\":-1.0,\"half\":0.5,"
                   "\"live\":true,\"exit-status\":3,\"attempt\":2,\"name\":\"n\\\"\\\\\\t\\u0001é☃\"}");
}

static GDateTime *
berlin (int year, int month, int day, int hour, int minute, int second)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();

  return g_date_time_new (tz, year, month, day, hour, minute, second);
}

static gint64
us_of (GDateTime *time)
{
  return g_date_time_to_unix (time) * G_USEC_PER_SEC;
}

static void
test_at (void)
{
  g_autoptr(GDateTime) now = berlin (2026, 12, 7, 10, 30, 0);
  g_autoptr(GDateTime) today = berlin (2026, 12, 7, 11, 0, 0);
  g_autoptr(GDateTime) tomorrow = berlin (2026, 12, 8, 9, 15, 0);
  g_autoptr(GDateTime) dated = berlin (2027, 1, 2, 3, 4, 0);
  g_autoptr(GDateTime) seconds = berlin (2026, 12, 7, 23, 59, 58);
  g_autoptr(GError) error = NULL;
  gint64 us = 0;

  /* HH:MM: today while to come, else tomorrow. */
  g_assert_true (taskerctl_parse_at ("11:00", now, &us, &error));
  g_assert_no_error (error);
  g_assert_cmpint (us, ==, us_of (today));
  g_assert_true (taskerctl_parse_at ("9:15", now, &us, &error));
  g_assert_cmpint (us, ==, us_of (tomorrow));
  g_assert_true (taskerctl_parse_at ("23:59:58", now, &us, &error));
  g_assert_cmpint (us, ==, us_of (seconds));
  /* Now is not to come: tomorrow's. */
  g_assert_true (taskerctl_parse_at ("10:30", now, &us, &error));
  g_assert_cmpint (us, ==, us_of (now) + G_TIME_SPAN_DAY);

  g_assert_true (taskerctl_parse_at ("2027-01-02 03:04", now, &us, &error));
  g_assert_cmpint (us, ==, us_of (dated));
  /* ISO 8601 with an offset: 02:04 UTC is 03:04 in Berlin in winter. */
  g_assert_true (taskerctl_parse_at ("2027-01-02T02:04:00Z", now, &us, &error));
  g_assert_cmpint (us, ==, us_of (dated));
  g_assert_true (taskerctl_parse_at ("2027-01-02T03:04:00", now, &us, &error));
  g_assert_cmpint (us, ==, us_of (dated));

  {
    const char *bad[] = { "", "25:00", "10:60", "1030", "+1:05", "10:30pm", "2027-02-30 10:00",
                          "2027-01-02", "2027-01-02  03:04", "tomorrow", " 10:30" };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *quoted = g_strdup_printf ("“%s”", bad[i]);

        g_assert_false (taskerctl_parse_at (bad[i], now, &us, &error));
        g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
        g_assert_nonnull (strstr (error->message, quoted));
        g_clear_error (&error);
      }
  }
  g_assert_false (taskerctl_parse_at ("2026-12-07 10:00", now, &us, &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_assert_nonnull (strstr (error->message, "has passed"));
}

static void
test_duration (void)
{
  const struct { const char *text; guint64 seconds; } good[] = {
    { "90s", 90 }, { "15m", 900 }, { "2h", 7200 }, { "1h30m", 5400 }, { "1d2h3m4s", 93784 },
    { "0s", 0 }, { "4294967295s", G_MAXUINT32 },
  };
  const char *bad[] = { "", "15", "m", "15x", "1m1h", "1h1h", "1.5h", "-5m", "15 m", "4294967296s", "99999999999999999999s" };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      guint64 seconds = 1;

      g_assert_true (taskerctl_parse_duration (good[i].text, &seconds, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (seconds, ==, good[i].seconds);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *quoted = g_strdup_printf ("“%s”", bad[i]);
      guint64 seconds;

      g_assert_false (taskerctl_parse_duration (bad[i], &seconds, &error));
      g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
      g_assert_nonnull (strstr (error->message, quoted));
      g_clear_error (&error);
    }
}

static void
test_elapsed (void)
{
  const struct { gint64 s; const char *text; } cases[] = {
    { 0, "0:00" }, { 5, "0:05" }, { 245, "4:05" }, { 3599, "59:59" }, { 3723, "1:02:03" },
    { 100 * 3600, "100:00:00" }, { -3, "0:00" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = taskerctl_format_elapsed (cases[i].s * G_USEC_PER_SEC);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_table (void)
{
  g_autoptr(TaskerctlTable) table = taskerctl_table_new ((const char *[]) { "ID", "NAME", "END", NULL });
  g_autofree char *text = NULL;

  taskerctl_table_set_right (table, 0);
  taskerctl_table_add_row (table, (const char *[]) { "7", "é\tx", "a", NULL });
  taskerctl_table_add_row (table, (const char *[]) { "1234", "y", "b", NULL });
  text = taskerctl_table_format (table);
  /* Widths in characters; a tab in a cell is a space. */
  g_assert_cmpstr (text, ==,
                   "  ID  NAME  END\n"
                   "   7  é x   a\n"
                   "1234  y     b\n");
}

static void
test_tasks_format (void)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autofree char *text = NULL;
  g_autofree char *block = NULL;

  g_ptr_array_add (tasks, g_variant_ref_sink (g_variant_new_parsed (
    "{'id': <@t 3>, 'status': <'completed'>, 'progress': <0.5>, 'queue': <'q'>,"
    " 'name': <'build'>, 'started': <@x 1000000>, 'finished': <@x 3724000000>,"
    " 'exit-status': <@i 0>}")));
  g_ptr_array_add (tasks, g_variant_ref_sink (g_variant_new_parsed (
    "{'id': <@t 12>, 'status': <'pending'>, 'progress': <-1.0>, 'command': <'sleep 5'>}")));
  text = taskerctl_tasks_format (tasks, FALSE);
  g_assert_cmpstr (text, ==,
                   "ID  STATUS     PROGRESS  ELAPSED  QUEUE  NAME\n"
                   " 3  completed       50%  1:02:03  q      build\n"
                   "12  pending           -        -  -      sleep 5\n");

  block = taskerctl_task_format_block (g_ptr_array_index (tasks, 0));
  g_assert_true (g_str_has_prefix (block, "ID:           3\nName:         build\nStatus:       completed\n"));
  g_assert_nonnull (strstr (block, "\nExit status:  0\n"));
  g_assert_nonnull (strstr (block, "\nElapsed:      1:02:03\n"));
  g_assert_nonnull (strstr (block, "\nLog:          taskerctl log 3 "));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tasker/Ctl/json", test_json);
  g_test_add_func ("/Tasker/Ctl/at", test_at);
  g_test_add_func ("/Tasker/Ctl/duration", test_duration);
  g_test_add_func ("/Tasker/Ctl/elapsed", test_elapsed);
  g_test_add_func ("/Tasker/Ctl/table", test_table);
  g_test_add_func ("/Tasker/Ctl/tasks-format", test_tasks_format);

  return g_test_run ();
}
