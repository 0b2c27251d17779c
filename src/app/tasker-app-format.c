/* tasker-app-format.c: how the application writes times and statuses
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
