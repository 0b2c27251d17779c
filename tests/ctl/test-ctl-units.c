/* test-ctl-units.c: taskerctl's parsers and printers, in one process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the end-to-end tests (test_taskerctl.py) cannot reach through the
 * bus: bytes that are not UTF-8 in JSON, times relative to a fixed "now",
 * every unit of --in. Run with TZ=Europe/Berlin (tests/ctl/meson.build).
 */

#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "taskerctl-report-values.h"
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

/* report progress: a fraction, a percentage (a count of 100), a count, a
 * count of a total; anything else (NaN, infinities, signs, garbage) is a
 * usage error that names it. */
static void
test_report_progress (void)
{
  const struct { const char *text; double value; double total; gboolean has_total; } good[] = {
    { "0.42", 0.42, 0, FALSE }, { "0", 0, 0, FALSE }, { "1", 1, 0, FALSE }, { ".5", 0.5, 0, FALSE },
    { "7", 7, 0, FALSE }, { "1e-3", 0.001, 0, FALSE }, { "42%", 42, 100, TRUE }, { "12.5%", 12.5, 100, TRUE },
    { "0%", 0, 100, TRUE }, { "100%", 100, 100, TRUE }, { "7/20", 7, 20, TRUE }, { "0/3", 0, 3, TRUE },
    { "2.5/10", 2.5, 10, TRUE }, { "20/20", 20, 20, TRUE },
  };
  const char *bad[] = { "", "abc", "nan", "NaN", "inf", "-inf", "infinity", "-0.5", "+0.5", "0x10", "1e",
                        "0,5", " 0.5", "0.5 ", "%", "42%%", "-5%", "101%", "100.5%", "7/0", "7/", "/20",
                        "21/20", "7/20/3", "1e999", "5/-1", "." };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      TaskerctlProgress progress = { -1, -1, FALSE };

      g_assert_true (taskerctl_parse_progress (good[i].text, &progress, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (progress.value, good[i].value, 1e-12);
      g_assert_cmpint (progress.has_total, ==, good[i].has_total);
      if (good[i].has_total)
        g_assert_cmpfloat (progress.total, ==, good[i].total);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *quoted = g_strdup_printf ("progress “%s”", bad[i]);
      TaskerctlProgress progress = { -1, -1, FALSE };

      g_test_message ("%s", bad[i]);
      g_assert_false (taskerctl_parse_progress (bad[i], &progress, &error));
      g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
      g_assert_true (g_str_has_prefix (error->message, quoted));
      /* Untouched on error. */
      g_assert_cmpfloat (progress.value, ==, -1);
      g_clear_error (&error);
    }
}

static void
test_report_total (void)
{
  const char *bad[] = { "0", "-1", "", "x", "nan", "inf", "0.0", "1e999" };
  g_autoptr(GError) error = NULL;
  double total = 0;

  g_assert_true (taskerctl_parse_total ("--total", "20", &total, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (total, ==, 20);
  g_assert_true (taskerctl_parse_total ("--total", "0.5", &total, &error));
  g_assert_cmpfloat (total, ==, 0.5);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *quoted = g_strdup_printf ("--total “%s” is not a total", bad[i]);

      g_assert_false (taskerctl_parse_total ("--total", bad[i], &total, &error));
      g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
      g_assert_true (g_str_has_prefix (error->message, quoted));
      g_clear_error (&error);
    }
}

/* report log's batches: whole lines only until the end; the last newline
 * left out (the application makes each line of the text a log line);
 * \r\n and empty lines kept for the application; bytes that are not UTF-8
 * and NULs replaced. */
static void
test_report_log_batch (void)
{
  g_autoptr(TaskerctlLogBatch) batch = taskerctl_log_batch_new ();
  g_autofree char *text = NULL;

  g_assert_null (taskerctl_log_batch_take (batch, FALSE));
  g_assert_null (taskerctl_log_batch_take (batch, TRUE));
  g_assert_false (taskerctl_log_batch_has_line (batch));

  taskerctl_log_batch_add (batch, "first", 5);
  g_assert_false (taskerctl_log_batch_has_line (batch));
  g_assert_null (taskerctl_log_batch_take (batch, FALSE));
  taskerctl_log_batch_add (batch, " line\r\n\nthird\nfour", 18);
  g_assert_true (taskerctl_log_batch_has_line (batch));
  text = taskerctl_log_batch_take (batch, FALSE);
  g_assert_cmpstr (text, ==, "first line\r\n\nthird");
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (taskerctl_log_batch_pending (batch), ==, 4);
  g_assert_null (taskerctl_log_batch_take (batch, FALSE));
  /* At the end, the last line without its newline. */
  text = taskerctl_log_batch_take (batch, TRUE);
  g_assert_cmpstr (text, ==, "four");
  g_clear_pointer (&text, g_free);
  g_assert_null (taskerctl_log_batch_take (batch, TRUE));

  /* A lone newline is an empty line. */
  taskerctl_log_batch_add (batch, "\n", 1);
  text = taskerctl_log_batch_take (batch, FALSE);
  g_assert_cmpstr (text, ==, "");
  g_clear_pointer (&text, g_free);

  taskerctl_log_batch_add (batch, "a\xff" "b\0c\n", 6);
  text = taskerctl_log_batch_take (batch, FALSE);
  g_assert_cmpstr (text, ==, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c");
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (taskerctl_log_batch_pending (batch), ==, 0);
}

/* Much input at once: batches of whole lines, none over the maximum, in
 * order, nothing lost; a line longer than the line maximum goes in pieces
 * cut between characters. */
static void
test_report_log_batch_bounds (void)
{
  g_autoptr(TaskerctlLogBatch) batch = taskerctl_log_batch_new ();
  g_autoptr(GString) input = g_string_new (NULL);
  g_autoptr(GString) output = g_string_new (NULL);
  g_autofree char *long_line = NULL;
  char *text;
  guint n_batches = 0;

  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (input, "line %u of the build\n", i);
  taskerctl_log_batch_add (batch, input->str, input->len);
  while ((text = taskerctl_log_batch_take (batch, FALSE)) != NULL)
    {
      g_assert_cmpuint (strlen (text), <, TASKERCTL_LOG_BATCH_MAX);
      g_assert_true (g_str_has_prefix (text, "line "));
      g_assert_true (g_str_has_suffix (text, " of the build"));
      g_string_append (output, text);
      g_string_append_c (output, '\n');
      g_free (text);
      n_batches++;
    }
  g_assert_cmpstr (output->str, ==, input->str);
  g_assert_cmpuint (n_batches, ==, (input->len + TASKERCTL_LOG_BATCH_MAX - 1) / TASKERCTL_LOG_BATCH_MAX);

  /* 70,000 bytes of "é" without a newline: the first piece before the
   * line maximum and not inside a character, the rest at the end. */
  g_string_truncate (output, 0);
  long_line = g_strnfill (70000, 'x');
  for (guint i = 1; i < 70000; i += 2)
    memcpy (long_line + i - 1, "é", 2);
  taskerctl_log_batch_add (batch, long_line, 70000);
  g_assert_true (taskerctl_log_batch_has_line (batch));
  text = taskerctl_log_batch_take (batch, FALSE);
  g_assert_nonnull (text);
  g_assert_cmpuint (strlen (text), <=, TASKERCTL_LOG_LINE_MAX);
  g_assert_cmpuint (strlen (text), >, TASKERCTL_LOG_LINE_MAX - 4);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_null (strstr (text, "\xef\xbf\xbd"));
  g_string_append (output, text);
  g_free (text);
  g_assert_null (taskerctl_log_batch_take (batch, FALSE));
  text = taskerctl_log_batch_take (batch, TRUE);
  g_assert_null (strstr (text, "\xef\xbf\xbd"));
  g_string_append (output, text);
  g_free (text);
  g_assert_cmpmem (output->str, output->len, long_line, 70000);
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

/* Terminal columns, not characters: a CJK character takes two. */
static void
test_display_width (void)
{
  g_assert_cmpuint (taskerctl_display_width (""), ==, 0);
  g_assert_cmpuint (taskerctl_display_width ("ELAPSED"), ==, 7);
  g_assert_cmpuint (taskerctl_display_width ("Стан"), ==, 4);
  g_assert_cmpuint (taskerctl_display_width ("已用时间"), ==, 8);
  g_assert_cmpuint (taskerctl_display_width ("状态："), ==, 6);
  /* e and a combining acute accent: one column. */
  g_assert_cmpuint (taskerctl_display_width ("e\xcc\x81"), ==, 1);
}

static void
test_table_wide (void)
{
  g_autoptr(TaskerctlTable) table = taskerctl_table_new ((const char *[]) { "ID", "队列", "名称", NULL });
  g_autofree char *text = NULL;

  taskerctl_table_set_right (table, 0);
  taskerctl_table_add_row (table, (const char *[]) { "7", "q", "构建", NULL });
  taskerctl_table_add_row (table, (const char *[]) { "12", "默认队列", "x", NULL });
  text = taskerctl_table_format (table);
  g_assert_cmpstr (text, ==,
                   "ID  队列      名称\n"
                   " 7  q         构建\n"
                   "12  默认队列  x\n");
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

static GPtrArray *
sample_tasks (void)
{
  GPtrArray *tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

  g_ptr_array_add (tasks, g_variant_ref_sink (g_variant_new_parsed (
    "{'id': <@t 3>, 'status': <'failed'>, 'progress': <0.5>, 'queue': <'q'>,"
    " 'name': <'build'>, 'kind': <'command'>, 'command': <'make'>, 'cwd': <'/tmp'>,"
    " 'parent': <@t 2>, 'attempt': <@u 2>, 'started': <@x 1000000>,"
    " 'finished': <@x 3724000000>, 'exit-status': <@i 3>, 'error': <'exit status 3'>,"
    " 'trace-id': <'abc'>}")));
  g_ptr_array_add (tasks, g_variant_ref_sink (g_variant_new_parsed (
    "{'id': <@t 12>, 'status': <'pending'>, 'progress': <-1.0>, 'command': <'sleep 5'>}")));
  return tasks;
}

/* Each line of a `status` block: its value starts at the same terminal
 * column, whatever the language's labels. */
static void
assert_block_aligned (const char *block)
{
  g_auto(GStrv) lines = g_strsplit (block, "\n", -1);
  const char *values[] = { "3", "build", "failed", "command", "make", "/tmp", "q", "2", "50%",
                           "1:02:03", "2", "3", "exit status 3", "abc", NULL };
  guint column = 0;

  /* The lines without a time (which depends on TZ), in order. */
  for (guint i = 0, v = 0; lines[i] != NULL && values[v] != NULL; i++)
    {
      g_autofree char *label = NULL;
      guint width;

      if (!g_str_has_suffix (lines[i], values[v]) ||
          (strlen (lines[i]) > strlen (values[v]) &&
           lines[i][strlen (lines[i]) - strlen (values[v]) - 1] != ' '))
        continue;
      label = g_strndup (lines[i], strlen (lines[i]) - strlen (values[v]));
      width = taskerctl_display_width (label);
      if (column == 0)
        column = width;
      g_assert_cmpuint (width, ==, column);
      v++;
      if (values[v] == NULL)
        return;
    }
  g_assert_not_reached ();
}

static char *
compile_catalog (const char *dir,
                 const char *language)
{
  g_autofree char *po = g_strdup_printf ("%s/%s.po", g_getenv ("TASKER_PO_DIR"), language);
  g_autofree char *mo_dir = g_build_filename (dir, language, "LC_MESSAGES", NULL);
  char *mo = g_build_filename (mo_dir, GETTEXT_PACKAGE ".mo", NULL);
  const char *argv[] = { g_getenv ("MSGFMT"), "-o", mo, po, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_cmpint (g_mkdir_with_parents (mo_dir, 0700), ==, 0);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  return mo;
}

/* The po/ translations as taskerctl prints them: a Cyrillic and a CJK
 * language, whose labels and headers are not as wide as the English. */
static void
test_translated (void)
{
  /* And whether its headers have wide characters. */
  const struct { const char *name; gboolean wide; } languages[] = {
    { "uk", FALSE },
    { "zh_CN", TRUE },
  };
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;

  if (g_getenv ("MSGFMT") == NULL || g_getenv ("TASKER_PO_DIR") == NULL)
    {
      g_test_skip ("needs msgfmt (gettext) and the po/ directory (tests/ctl/meson.build)");
      return;
    }
  dir = g_dir_make_tmp ("tasker-ctl-po-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_nonnull (bindtextdomain (GETTEXT_PACKAGE, dir));
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  /* As taskerctl's main(): _() is gettext() in the default domain. */
  textdomain (GETTEXT_PACKAGE);

  for (guint l = 0; l < G_N_ELEMENTS (languages); l++)
    {
      g_autoptr(GPtrArray) tasks = sample_tasks ();
      g_autofree char *mo = compile_catalog (dir, languages[l].name);
      g_autofree char *mo_dir = g_path_get_dirname (mo);
      g_autofree char *lang_dir = g_path_get_dirname (mo_dir);
      g_autofree char *block = NULL;
      g_autofree char *table = NULL;
      g_auto(GStrv) lines = NULL;
      const char *status_header;
      guint column;

      g_setenv ("LANGUAGE", languages[l].name, TRUE);
      /* gettext caches what it found: setlocale() makes it look again. */
      setlocale (LC_ALL, "");
      status_header = g_dpgettext2 (GETTEXT_PACKAGE, "column", "STATUS");
      g_test_message ("%s: STATUS is %s", languages[l].name, status_header);
      g_assert_cmpstr (status_header, !=, "STATUS");
      g_assert_cmpstr (g_dgettext (GETTEXT_PACKAGE, "Status:"), !=, "Status:");

      block = taskerctl_task_format_block (g_ptr_array_index (tasks, 0));
      g_test_message ("%s", block);
      g_assert_nonnull (strstr (block, g_dgettext (GETTEXT_PACKAGE, "Status:")));
      assert_block_aligned (block);

      /* Columns line up in terminal columns: the last one, NAME, starts at
       * the same place on every line. */
      table = taskerctl_tasks_format (tasks, FALSE);
      g_test_message ("%s", table);
      lines = g_strsplit (table, "\n", -1);
      g_assert_cmpuint (g_strv_length (lines), ==, 4);
      g_assert_nonnull (strstr (lines[0], status_header));
      g_assert_cmpint (taskerctl_display_width (lines[0]) > g_utf8_strlen (lines[0], -1), ==, languages[l].wide);
      column = taskerctl_display_width (lines[0]) -
               taskerctl_display_width (g_dpgettext2 (GETTEXT_PACKAGE, "column", "NAME"));
      g_assert_true (g_str_has_suffix (lines[1], "  build"));
      g_assert_cmpuint (taskerctl_display_width (lines[1]) - strlen ("build"), ==, column);
      g_assert_true (g_str_has_suffix (lines[2], "  sleep 5"));
      g_assert_cmpuint (taskerctl_display_width (lines[2]) - strlen ("sleep 5"), ==, column);

      g_unsetenv ("LANGUAGE");
      setlocale (LC_ALL, "");
      g_assert_cmpint (g_remove (mo), ==, 0);
      g_assert_cmpint (g_rmdir (mo_dir), ==, 0);
      g_assert_cmpint (g_rmdir (lang_dir), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tasker/Ctl/json", test_json);
  g_test_add_func ("/Tasker/Ctl/at", test_at);
  g_test_add_func ("/Tasker/Ctl/duration", test_duration);
  g_test_add_func ("/Tasker/Ctl/elapsed", test_elapsed);
  g_test_add_func ("/Tasker/Ctl/table", test_table);
  g_test_add_func ("/Tasker/Ctl/tasks-format", test_tasks_format);
  g_test_add_func ("/Tasker/Ctl/display-width", test_display_width);
  g_test_add_func ("/Tasker/Ctl/table-wide", test_table_wide);
  g_test_add_func ("/Tasker/Ctl/translated", test_translated);
  g_test_add_func ("/Tasker/Ctl/report-progress", test_report_progress);
  g_test_add_func ("/Tasker/Ctl/report-total", test_report_total);
  g_test_add_func ("/Tasker/Ctl/report-log-batch", test_report_log_batch);
  g_test_add_func ("/Tasker/Ctl/report-log-batch-bounds", test_report_log_batch_bounds);

  return g_test_run ();
}
