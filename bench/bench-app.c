/* bench-app.c: the application's window with 10,000 live tasks updating
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Shows the Tasker window, submits 10,000 thread tasks (1,000 with --quick)
 * that set their progress in small steps with short sleeps, and measures the
 * longest gap between two runs of a 1 ms main-loop ticker while they run
 * (DESIGN.md §7: the main loop never stalls over 50 ms). The window lists
 * every task; its rows, header progress and details pane follow them.
 * Without a display it re-executes itself under xvfb-run and
 * dbus-run-session, like the UI tests.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bench-common.h"
#include "tasker-app-application.h"
#include "tasker-app-window.h"

#define STEPS        20
#define STEP_SLEEP_US 2000
#define MAX_THREADS  64

static gint64 last_tick;
static gint64 longest_gap;
static gboolean measuring;

static gint64 measure_start;

static gboolean
tick_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (measuring && last_tick != 0)
    {
      longest_gap = MAX (longest_gap, now - last_tick);
      /* BENCH_TRACE=1 says when the long gaps happen. */
      if (now - last_tick > 30000 && g_getenv ("BENCH_TRACE") != NULL)
        g_printerr ("# gap of %.1f ms ending at %.3f s\n", (now - last_tick) / 1000.0,
                    (now - measure_start) / 1e6);
    }
  last_tick = now;

  return G_SOURCE_CONTINUE;
}

static void
work (TaskerContext *context,
      gpointer       user_data)
{
  tasker_context_set_total (context, STEPS);
  for (guint i = 1; i <= STEPS && !tasker_context_is_cancelled (context); i++)
    {
      g_usleep (STEP_SLEEP_US);
      tasker_context_set_progress (context, i);
      tasker_context_set_message (context, "Working");
    }
}

static void
reexec_headless (int    argc,
                 char **argv)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;

  if ((g_getenv ("DISPLAY") != NULL && g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL) ||
      g_getenv ("TASKER_UI_TEST_NESTED") != NULL)
    return;

  g_setenv ("TASKER_UI_TEST_NESTED", "1", TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_setenv ("ADW_DISABLE_PORTAL", "1", FALSE);
  if (g_getenv ("DISPLAY") == NULL)
    g_strv_builder_add_many (builder, "xvfb-run", "-a", "-s", "-screen 0 1280x800x24", NULL);
  g_strv_builder_add_many (builder, "dbus-run-session", "--", NULL);
  for (int i = 0; i < argc; i++)
    g_strv_builder_add (builder, argv[i]);
  args = g_strv_builder_end (builder);
  execvp (args[0], args);
  bench_fail ("cannot run %s: %s", args[0], g_strerror (errno));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TaskerAppApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  TaskerManager *manager;
  GtkWindow *window;
  guint n, n_done = 0;
  gint64 start, deadline;
  double submit_ms;

  reexec_headless (argc, argv);
  bench_init (&argc, &argv, "the application's window with 10,000 live tasks updating", 240);
  n = bench_get_n (10000, 1000);

  data_dir = g_dir_make_tmp ("tasker-bench-app-XXXXXX", &error);
  if (data_dir == NULL)
    bench_fail ("%s", error->message);

  app = tasker_app_application_new ("io.github.tasker.Tasker.Bench", G_APPLICATION_NON_UNIQUE, data_dir);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    bench_fail ("cannot register: %s", error->message);
  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    window = gtk_application_get_windows (GTK_APPLICATION (app))->data;
  gtk_window_set_default_size (window, 1100, 700);
  if (g_getenv ("BENCH_HIDE") != NULL)
    gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  manager = tasker_app_application_get_manager (app);
  tasker_manager_set_max_threads (manager, MAX_THREADS);
  /* The benchmark measures the window, not the disk. */
  tasker_manager_set_history_path (manager, NULL);

  /* Let the window appear. */
  deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);

  /* A first task shows the list page: building its widgets once (the row
   * template, the details pane, CSS) is start-up, not updating. */
  {
    g_autoptr(TaskerTask) warm = tasker_manager_run_thread (manager, NULL, NULL, work, NULL, NULL, &error);

    if (warm == NULL)
      bench_fail ("submit: %s", error->message);
    while (!tasker_task_is_final (warm))
      g_main_context_iteration (NULL, TRUE);
    deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
    while (g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, FALSE);
    n++;
  }

  g_timeout_add (1, tick_cb, NULL);
  last_tick = 0;
  measuring = TRUE;

  start = measure_start = g_get_monotonic_time ();
  for (guint i = 0; i < n - 1; i++)
    {
      g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
      g_autoptr(TaskerTask) task = NULL;
      char name[32];

      g_snprintf (name, sizeof name, "Task %u", i + 1);
      tasker_task_options_set_name (options, name);
      task = tasker_manager_run_thread (manager, NULL, options, work, NULL, NULL, &error);
      if (task == NULL)
        bench_fail ("submit: %s", error->message);
    }
  submit_ms = (g_get_monotonic_time () - start) / 1000.0;
  /* The submit loop itself is one long callback; measure from its end. */
  last_tick = 0;

  /* Select one, so the details pane follows a live task too. */
  {
    GListModel *tasks = NULL;

    while (tasks == NULL || g_list_model_get_n_items (tasks) == 0)
      {
        g_main_context_iteration (NULL, TRUE);
        tasks = tasker_app_window_get_tasks (TASKER_APP_WINDOW (window));
      }
    if (g_getenv ("BENCH_NO_SELECT") == NULL)
      tasker_app_window_select_task (TASKER_APP_WINDOW (window), g_list_model_get_item (tasks, 0));
  }

  deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (!tasker_manager_wait_until_settled (manager, 0) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  measuring = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (tasker_app_window_get_tasks (TASKER_APP_WINDOW (window))); i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (tasker_app_window_get_tasks (TASKER_APP_WINDOW (window)), i);
      n_done += tasker_task_get_status (task) == TASKER_TASK_STATUS_COMPLETED;
    }
  if (n_done != n)
    bench_fail ("%u of %u tasks completed and listed", n_done, n);

  n--;
  bench_comment ("%u thread tasks (%d at a time, %d progress steps each) in %.1f s; submitting took %.0f ms",
                 n, MAX_THREADS, STEPS, (g_get_monotonic_time () - start) / 1e6, submit_ms);
  bench_row (bench_is_quick () ? "app: longest main-loop stall, 1k live tasks"
                               : "app: longest main-loop stall, 10k live tasks",
             longest_gap / 1000.0, "ms", BENCH_ON_VALUE, BENCH_LE, 50, NULL, 0);

  tasker_app_application_stop (app);
  gtk_window_destroy (window);
  return 0;
}
