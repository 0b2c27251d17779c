/* test-task-details.c: TaskerAppTaskDetails following a running task's log
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tasker-app-task-details.h"
#include "ui-test.h"

#define WAIT_UNTIL(cond) UI_TEST_WAIT_UNTIL (cond, 20)

/* A task that logs numbered lines up to what the test allows, then ends
 * when the test says so. */
typedef struct
{
  GMutex   mutex;
  GCond    cond;
  guint    allowed;    /* protected by @mutex */
  gboolean done;       /* protected by @mutex */
  guint    logged;     /* (atomic) */
} Logger;

static void
logger_func (TaskerContext *context,
             gpointer       data)
{
  Logger *logger = data;

  for (;;)
    {
      guint allowed;
      gboolean done;

      g_mutex_lock (&logger->mutex);
      while (logger->allowed == (guint) g_atomic_int_get (&logger->logged) && !logger->done)
        g_cond_wait (&logger->cond, &logger->mutex);
      allowed = logger->allowed;
      done = logger->done;
      g_mutex_unlock (&logger->mutex);

      while ((guint) g_atomic_int_get (&logger->logged) < allowed)
        {
          g_autofree char *line = g_strdup_printf ("line %u", g_atomic_int_get (&logger->logged));

          tasker_context_log (context, line);
          g_atomic_int_inc (&logger->logged);
        }
      if (done)
        return;
    }
}

static void
allow (Logger   *logger,
       guint     n,
       gboolean  done)
{
  g_mutex_lock (&logger->mutex);
  logger->allowed = n;
  logger->done = done;
  g_cond_signal (&logger->cond);
  g_mutex_unlock (&logger->mutex);
}

/* What the pane should show: the task's log, its marker as the pane words it. */
static char *
expected_text (TaskerTask *task)
{
  g_auto(GStrv) lines = tasker_task_dup_log (task);
  const char *marker;

  if (lines[0] != NULL && (marker = strstr (lines[0], " … ")) != NULL && strstr (marker, "earlier lines dropped"))
    {
      char *rest;
      char *text;

      rest = g_strjoinv ("\n", lines + 1);
      text = g_strdup_printf ("%s\n%s", marker + 1, rest);
      g_free (rest);
      return text;
    }

  return g_strjoinv ("\n", lines);
}

static void
assert_pane_shows_log (TaskerAppTaskDetails *details,
                       TaskerTask           *task)
{
  g_autofree char *shown = tasker_app_task_details_dup_log_text (details);
  g_autofree char *expected = expected_text (task);

  g_assert_cmpstr (shown, ==, expected);
}

/* The pane reads only the new lines at each refresh, and drops from its
 * start what the task's bounded log dropped: it shows the same lines as the
 * task, under one marker, whether the log grew a little, past its bound,
 * or by more than the pane had. */
static void
test_follows_bounded_log (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  TaskerAppTaskDetails *details = g_object_ref_sink (g_object_new (TASKER_APP_TYPE_TASK_DETAILS, NULL));
  Logger logger = { 0 };
  static const guint stages[] = { 0, 600, 650, 1500, 5000, 5001 };

  g_mutex_init (&logger.mutex);
  g_cond_init (&logger.cond);

  task = tasker_manager_run_thread (manager, NULL, NULL, logger_func, &logger, NULL, NULL);
  tasker_app_task_details_set_task (details, task);

  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    {
      allow (&logger, stages[i], FALSE);
      WAIT_UNTIL ((guint) g_atomic_int_get (&logger.logged) == stages[i]);
      assert_pane_shows_log (details, task);
    }
  {
    g_autofree char *shown = tasker_app_task_details_dup_log_text (details);

    g_assert_true (g_str_has_prefix (shown, "… 4001 earlier lines dropped\n"));
    g_assert_true (g_str_has_suffix (shown, "] line 5000"));
  }

  allow (&logger, logger.allowed, TRUE);
  g_assert_true (tasker_manager_wait_until_settled (manager, 20000));
  assert_pane_shows_log (details, task);

  tasker_app_task_details_set_task (details, NULL);
  g_assert_finalize_object (details);
  g_mutex_clear (&logger.mutex);
  g_cond_clear (&logger.cond);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/Tasker/TaskDetails/follows-bounded-log", test_follows_bounded_log);

  return g_test_run ();
}
