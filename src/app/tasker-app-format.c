/* tasker-app-format.c: how the application writes times, durations and statuses
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tasker-app-format.h"

/* Progress below this is too little to extrapolate an ETA from, and so is
 * less than this much running time: the first seconds of a command are
 * mostly start-up. */
#define ETA_MIN_PROGRESS 0.01
#define ETA_MIN_ELAPSED  (2 * G_USEC_PER_SEC)

/* "0:05", "12:34", "1:02:03": what a stopwatch shows. */
char *
tasker_app_format_duration (gint64 usec)
{
  gint64 s = MAX (usec, 0) / G_USEC_PER_SEC;

  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60), (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

/* A wall-clock time, with the date when it is not today. */
char *
tasker_app_format_time (gint64 real_usec)
{
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GDateTime) now = NULL;

  if (real_usec <= 0)
    return g_strdup ("—");

  time = g_date_time_new_from_unix_local (real_usec / G_USEC_PER_SEC);
  now = g_date_time_new_now_local ();
  if (g_date_time_get_year (time) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (time) == g_date_time_get_day_of_year (now))
    return g_date_time_format (time, "%X");
  return g_date_time_format (time, "%x %X");
}

/* A duration as people read it: "350 ms", "42 s", "1 min 5 s", "2 h 3 min",
 * "3 d 4 h" (the history's). */
char *
tasker_app_format_duration_long (gint64 duration_us)
{
  guint64 ms, s, min, h, d;

  if (duration_us < 0)
    duration_us = 0;

  ms = (guint64) duration_us / 1000;
  if (ms < 1000)
    /* Translators: a duration in milliseconds */
    return g_strdup_printf (_("%u ms"), (guint) ms);

  s = ms / 1000;
  if (s < 60)
    /* Translators: a duration in seconds */
    return g_strdup_printf (_("%u s"), (guint) s);

  min = s / 60;
  s %= 60;
  if (min < 60)
    /* Translators: a duration in minutes and seconds, as in "1 min 5 s" */
    return g_strdup_printf (_("%u min %u s"), (guint) min, (guint) s);

  h = min / 60;
  min %= 60;
  if (h < 24)
    /* Translators: a duration in hours and minutes, as in "2 h 3 min" */
    return g_strdup_printf (_("%u h %u min"), (guint) h, (guint) min);

  d = h / 24;
  h %= 24;
  /* Translators: a duration in days and hours, as in "3 d 4 h" */
  return g_strdup_printf (_("%u d %u h"), (guint) d, (guint) h);
}

/* When a command finished, as short as the distance allows: "14:05",
 * "Yesterday 14:05", "Mar 3 14:05", "Mar 3 2025 14:05"; "" when unknown. */
char *
tasker_app_format_time_short (gint64 time_us)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) yesterday = NULL;
  int y1, m1, d1, y2, m2, d2;

  if (time_us <= 0)
    return g_strdup ("");

  when = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);
  now = g_date_time_new_now_local ();
  if (when == NULL || now == NULL)
    return g_strdup ("");

  g_date_time_get_ymd (when, &y1, &m1, &d1);
  g_date_time_get_ymd (now, &y2, &m2, &d2);
  if (y1 == y2 && m1 == m2 && d1 == d2)
    /* Translators: the time of day at which a command finished today,
     * in g_date_time_format() syntax (like strftime) */
    return g_date_time_format (when, _("%H:%M"));

  yesterday = g_date_time_add_days (now, -1);
  g_date_time_get_ymd (yesterday, &y2, &m2, &d2);
  if (y1 == y2 && m1 == m2 && d1 == d2)
    /* Translators: when a command finished yesterday, in
     * g_date_time_format() syntax (like strftime) */
    return g_date_time_format (when, _("Yesterday %H:%M"));

  if (y1 == g_date_time_get_year (now))
    /* Translators: when a command finished earlier this year, in
     * g_date_time_format() syntax (like strftime) */
    return g_date_time_format (when, _("%b %-d %H:%M"));

  /* Translators: when a command finished in an earlier year, in
   * g_date_time_format() syntax (like strftime) */
  return g_date_time_format (when, _("%b %-d %Y %H:%M"));
}

/* The full date and time in the locale's format; NULL when unknown. */
char *
tasker_app_format_time_full (gint64 time_us)
{
  g_autoptr(GDateTime) when = NULL;

  if (time_us <= 0)
    return NULL;
  when = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);
  return when != NULL ? g_date_time_format (when, "%c") : NULL;
}

/* How long the task has run (or ran), 0 before it starts. */
gint64
tasker_app_format_elapsed (TaskerTask *task,
                           gint64      now)
{
  gint64 started = tasker_task_get_started_time (task);
  gint64 finished = tasker_task_get_finished_time (task);

  if (started <= 0)
    return 0;
  return (finished > 0 ? finished : now) - started;
}

/* Time left at the mean rate so far; -1 when unknown. */
gint64
tasker_app_format_eta (TaskerTask *task,
                       gint64      now)
{
  double progress = tasker_task_get_progress (task);
  gint64 elapsed = tasker_app_format_elapsed (task, now);

  if (tasker_task_get_status (task) != TASKER_TASK_STATUS_RUNNING ||
      progress < ETA_MIN_PROGRESS || progress >= 1.0 || elapsed < ETA_MIN_ELAPSED)
    return -1;

  return (gint64) (elapsed * (1.0 - progress) / progress);
}

/* "1:23 · about 2:00 left", or what the task is waiting for. */
char *
tasker_app_format_timing (TaskerTask *task,
                          gint64      now)
{
  g_autofree char *elapsed = NULL;
  g_autofree char *left = NULL;
  gint64 eta;

  if (tasker_task_get_started_time (task) <= 0)
    return g_strdup (tasker_task_is_final (task) ? "" : _("Queued"));

  elapsed = tasker_app_format_duration (tasker_app_format_elapsed (task, now));
  eta = tasker_app_format_eta (task, now);
  if (eta < 0)
    return g_steal_pointer (&elapsed);

  left = tasker_app_format_duration (eta + G_USEC_PER_SEC - 1);
  /* Translators: elapsed time, then the estimated time left, e.g. "1:23 · about 2:00 left" */
  return g_strdup_printf (_("%s · about %s left"), elapsed, left);
}

const char *
tasker_app_format_status (TaskerTaskStatus status)
{
  switch (status)
    {
    case TASKER_TASK_STATUS_PENDING:
      return _("Queued");
    case TASKER_TASK_STATUS_RUNNING:
      return _("Running");
    case TASKER_TASK_STATUS_COMPLETED:
      return _("Completed");
    case TASKER_TASK_STATUS_FAILED:
      return _("Failed");
    case TASKER_TASK_STATUS_CANCELLED:
      return _("Cancelled");
    default:
      return "";
    }
}

/**
 * tasker_app_format_owner:
 *
 * Returns: (transfer full) (nullable): the program that reports @task, an
 *   external task ("rsync (pid 4242)"), or %NULL for other tasks
 */
char *
tasker_app_format_owner (TaskerTask *task)
{
  const char *name, *pid;

  if (tasker_task_get_kind (task) != TASKER_TASK_KIND_EXTERNAL)
    return NULL;
  /* Set by the D-Bus service (tasker-app-external.c) when it created the task. */
  name = tasker_task_get_description (task, "owner-name");
  pid = tasker_task_get_description (task, "owner-pid");
  if (name != NULL && pid != NULL)
    /* Translators: the program that reports a task, and its process id */
    return g_strdup_printf (_("%s (pid %s)"), name, pid);
  if (pid != NULL)
    /* Translators: the process that reports a task, when its name is unknown */
    return g_strdup_printf (_("pid %s"), pid);
  return g_strdup (name != NULL ? name : _("Another program"));
}

const char *
tasker_app_format_status_icon (TaskerTaskStatus status)
{
  switch (status)
    {
    case TASKER_TASK_STATUS_PENDING:
      return "document-open-recent-symbolic";
    case TASKER_TASK_STATUS_RUNNING:
      return "media-playback-start-symbolic";
    case TASKER_TASK_STATUS_COMPLETED:
      return "object-select-symbolic";
    case TASKER_TASK_STATUS_FAILED:
      return "dialog-error-symbolic";
    case TASKER_TASK_STATUS_CANCELLED:
      return "action-unavailable-symbolic";
    default:
      return "dialog-question-symbolic";
    }
}

/* The style class of a status icon or label: success, error or dimmed. */
const char *
tasker_app_format_status_css_class (TaskerTaskStatus status)
{
  switch (status)
    {
    case TASKER_TASK_STATUS_COMPLETED:
      return "success";
    case TASKER_TASK_STATUS_FAILED:
      return "error";
    case TASKER_TASK_STATUS_CANCELLED:
    case TASKER_TASK_STATUS_PENDING:
    case TASKER_TASK_STATUS_RUNNING:
    default:
      return "dim-label";
    }
}

/* The style class of a progress bar: red when failed, dimmed when cancelled,
 * none otherwise. */
const char *
tasker_app_format_progress_css_class (TaskerTaskStatus status)
{
  switch (status)
    {
    case TASKER_TASK_STATUS_FAILED:
      return "error";
    case TASKER_TASK_STATUS_CANCELLED:
      return "dim-label";
    case TASKER_TASK_STATUS_PENDING:
    case TASKER_TASK_STATUS_RUNNING:
    case TASKER_TASK_STATUS_COMPLETED:
    default:
      return NULL;
    }
}
