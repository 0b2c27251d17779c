/* test-app-schedules.c: Start Later, Repeat and the Schedules page, with a
 * fake clock, driven in-process as a user would
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <sys/stat.h>

#include <glib/gstdio.h>

#include "tasker-app-schedules-view.h"
#include "ui-test.h"

#define MINUTE ((gint64) 60 * G_USEC_PER_SEC)
#define HOUR   (60 * MINUTE)

typedef struct
{
  TaskerAppApplication *app;
  TaskerAppWindow      *window;
  TaskerClock          *clock;
  char                 *data_dir;
} Fixture;

/* With @clock for the schedules, in a window of the screenshots' size. */
static TaskerAppApplication *
app_new (const char  *data_dir,
         TaskerClock *clock)
{
  TaskerAppApplication *app = ui_test_app_new_with_clock (data_dir, clock);

  gtk_window_set_default_size (GTK_WINDOW (ui_test_app_window (app)), 1100, 700);
  return app;
}

/* A fake clock at the real time, rounded down to a minute. */
static TaskerClock *
clock_new (void)
{
  gint64 now = g_get_real_time ();

  return tasker_clock_new_fake (now - now % MINUTE);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->data_dir = g_dir_make_tmp ("tasker-ui-XXXXXX", &error);
  g_assert_no_error (error);
  f->clock = clock_new ();
  f->app = app_new (f->data_dir, f->clock);
  f->window = ui_test_app_window (f->app);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->clock);
  ui_test_app_clear (&f->app, &f->data_dir);
}

static TaskerAppSchedules *
get_schedules (TaskerAppApplication *app)
{
  TaskerAppSchedules *schedules = tasker_app_application_get_schedules (app);

  g_assert_nonnull (schedules);
  return schedules;
}

static TaskerSchedule *
get_schedule (TaskerAppApplication *app,
              guint                 position)
{
  g_autoptr(TaskerSchedule) schedule = g_list_model_get_item (tasker_app_schedules_get_model (get_schedules (app)),
                                                              position);

  return schedule;  /* the model keeps it */
}

static guint
n_schedules (TaskerAppApplication *app)
{
  return g_list_model_get_n_items (tasker_app_schedules_get_model (get_schedules (app)));
}

/* The window's tasks that are runs of @schedule. */
static guint
n_runs (TaskerAppWindow *window,
        TaskerSchedule  *schedule)
{
  GListModel *tasks = tasker_app_window_get_tasks (window);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (tasks, i);

      if (g_strcmp0 (tasker_task_get_description (task, "schedule"), tasker_schedule_get_id (schedule)) == 0)
        n++;
    }
  return n;
}

typedef struct
{
  TaskerAppWindow *window;
  TaskerSchedule  *schedule;
  guint            n;
} RunsWait;

static gboolean
has_n_runs (gpointer data)
{
  RunsWait *w = data;

  return n_runs (w->window, w->schedule) >= w->n;
}

static void
wait_for_runs (TaskerAppWindow *window,
               TaskerSchedule  *schedule,
               guint            n)
{
  RunsWait w = { window, schedule, n };

  g_assert_true (ui_test_wait (has_n_runs, &w, 5000));
  g_assert_cmpuint (n_runs (window, schedule), ==, n);
}

static gboolean
is_actionable (GtkWidget     *widget,
               gconstpointer  action_name)
{
  return GTK_IS_ACTIONABLE (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0;
}

/* The dialog's Start button is sensitive. */
static gboolean
start_enabled (TaskerAppNewTaskDialog *dialog)
{
  GtkWidget *start = ui_test_find_widget (GTK_WIDGET (dialog), is_actionable, "dialog.start");

  g_assert_nonnull (start);
  return gtk_widget_is_sensitive (start);
}

static void
activate_schedule_action (TaskerAppWindow *window,
                          const char      *action,
                          TaskerSchedule  *schedule)
{
  GtkWidget *view = tasker_app_window_get_schedules_view (window);

  g_assert_nonnull (view);
  g_assert_true (gtk_widget_activate_action (view, action, "s", tasker_schedule_get_id (schedule)));
}

/* New Task with Repeat `every 1m` makes a schedule, not a task; each minute
 * of the fake clock is a run in the task list, linked to the schedule; pause
 * holds the runs, Run Now runs at once, Delete stops them. */
static void
test_repeat (Fixture       *f,
             gconstpointer  data)
{
  TaskerAppNewTaskDialog *dialog = ui_test_open_new_task_dialog (f->window);
  g_autoptr(TaskerSchedule) schedule = NULL;
  g_autofree char *path = NULL;
  GtkWidget *view, *row;
  TaskerTask *last;

  tasker_app_new_task_dialog_set_command_line (dialog, "echo tick");
  tasker_app_new_task_dialog_set_cwd (dialog, g_get_tmp_dir ());
  tasker_app_new_task_dialog_set_repeat (dialog, "every 1m");
  tasker_app_new_task_dialog_set_policies (dialog, TASKER_OVERLAP_QUEUE_ONE, TASKER_CATCH_UP_SKIP);
  g_assert_null (tasker_app_new_task_dialog_get_spec_error (dialog));
  g_assert_true (start_enabled (dialog));
  gtk_window_set_default_size (GTK_WINDOW (dialog), 600, 900);
  g_free (ui_test_screenshot (GTK_WIDGET (dialog), "tasker-new-task-repeat"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.start", NULL));

  g_assert_cmpuint (n_schedules (f->app), ==, 1);
  schedule = g_object_ref (get_schedule (f->app, 0));
  g_assert_cmpstr (tasker_schedule_get_spec (schedule), ==, "every 1m");
  g_assert_cmpint (tasker_schedule_get_overlap_policy (schedule), ==, TASKER_OVERLAP_QUEUE_ONE);
  g_assert_cmpint (tasker_schedule_get_catch_up_policy (schedule), ==, TASKER_CATCH_UP_SKIP);
  g_assert_cmpstr (tasker_app_command_get_command_line (tasker_app_schedules_get_command (schedule)), ==, "echo tick");
  g_assert_cmpstr (tasker_app_command_get_cwd (tasker_app_schedules_get_command (schedule)), ==, g_get_tmp_dir ());
  g_assert_cmpuint (g_list_model_get_n_items (tasker_app_window_get_tasks (f->window)), ==, 0);

  /* The Schedules page shows it, not run yet. */
  view = tasker_app_window_get_schedules_view (f->window);
  row = tasker_app_schedules_view_find_row (TASKER_APP_SCHEDULES_VIEW (view), schedule);
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "echo tick");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "every 1m · Next run: "));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "Last result: Never run"));

  /* A minute: one run, through the application, with the schedule's id. */
  tasker_clock_advance (f->clock, MINUTE);
  wait_for_runs (f->window, schedule, 1);
  last = tasker_schedule_get_last_task (schedule);
  g_assert_nonnull (last);
  g_assert_cmpstr (tasker_task_get_name (last), ==, "echo tick");
  g_assert_cmpstr (tasker_task_get_description (last, "command"), ==, "echo tick");
  g_assert_true (ui_test_wait (ui_test_is_final, last, 5000));
  g_assert_cmpint (tasker_task_get_status (last), ==, TASKER_TASK_STATUS_COMPLETED);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "Last result: Completed"));
  tasker_app_window_show_page (f->window, "schedules");
  path = ui_test_screenshot (GTK_WIDGET (f->window), "tasker-schedules");

  /* Paused: minutes pass without a run. */
  activate_schedule_action (f->window, "schedule.pause", schedule);
  g_assert_true (tasker_schedule_get_paused (schedule));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "every 1m · Paused"));
  tasker_clock_advance (f->clock, 3 * MINUTE);
  g_assert_true (tasker_schedule_get_last_task (schedule) == last);
  ui_test_sleep (200);
  g_assert_cmpuint (n_runs (f->window, schedule), ==, 1);

  /* Run Now, paused or not. */
  activate_schedule_action (f->window, "schedule.run-now", schedule);
  wait_for_runs (f->window, schedule, 2);
  g_assert_true (tasker_schedule_get_last_task (schedule) != last);
  last = tasker_schedule_get_last_task (schedule);
  g_assert_true (ui_test_wait (ui_test_is_final, last, 5000));

  /* Resumed, it runs again. */
  activate_schedule_action (f->window, "schedule.pause", schedule);
  g_assert_false (tasker_schedule_get_paused (schedule));
  tasker_clock_advance (f->clock, MINUTE);
  wait_for_runs (f->window, schedule, 3);
  last = tasker_schedule_get_last_task (schedule);
  g_assert_true (ui_test_wait (ui_test_is_final, last, 5000));

  /* Deleted: gone from the page, no more runs. */
  activate_schedule_action (f->window, "schedule.delete", schedule);
  g_assert_cmpuint (n_schedules (f->app), ==, 0);
  g_assert_null (tasker_app_schedules_view_find_row (TASKER_APP_SCHEDULES_VIEW (view), schedule));
  g_assert_nonnull (ui_test_find_label_prefix (view, "No Schedules"));
  tasker_clock_advance (f->clock, 3 * MINUTE);
  g_assert_true (tasker_schedule_get_last_task (schedule) == last);
  ui_test_sleep (200);
  g_assert_cmpuint (n_runs (f->window, schedule), ==, 3);

  /* Undo brings it back, runs and all. */
  tasker_app_schedules_restore (get_schedules (f->app), schedule, 0);
  g_assert_cmpuint (n_schedules (f->app), ==, 1);
  g_assert_nonnull (tasker_app_schedules_view_find_row (TASKER_APP_SCHEDULES_VIEW (view), schedule));
  tasker_clock_advance (f->clock, MINUTE);
  wait_for_runs (f->window, schedule, 4);
  g_assert_true (ui_test_wait (ui_test_is_final, tasker_schedule_get_last_task (schedule), 5000));
}

/* Edit: a new spec, same id and command; a bad one is refused as typed. */
static void
test_edit (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(TaskerAppCommand) command = tasker_app_command_new_from_line ("echo edited", NULL);
  g_autoptr(GError) error = NULL;
  TaskerSchedule *schedule, *edited;
  AdwMessageDialog *dialog;
  GtkWidget *entry, *command_entry;

  tasker_app_command_set_cwd (command, g_get_tmp_dir ());
  schedule = tasker_app_schedules_add (get_schedules (f->app), "every 1h", command, &error);
  g_assert_no_error (error);
  activate_schedule_action (f->window, "schedule.edit", schedule);
  dialog = (AdwMessageDialog *) ui_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  entry = g_object_get_data (G_OBJECT (dialog), "entry");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "every 1h");

  gtk_editable_set_text (GTK_EDITABLE (entry), "Mun 09:00");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "save"));
  g_assert_nonnull (ui_test_find_label_prefix (GTK_WIDGET (dialog), "“Mun” is not a weekday (Mon, Tue, …)"));
  g_free (ui_test_screenshot (GTK_WIDGET (dialog), "tasker-schedule-edit"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "every 2m");
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "save"));
  command_entry = g_object_get_data (G_OBJECT (dialog), "command-entry");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (command_entry)), ==, "echo edited");
  gtk_editable_set_text (GTK_EDITABLE (command_entry), "echo 'unbalanced");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "save"));
  gtk_editable_set_text (GTK_EDITABLE (command_entry), "echo 'edited again'");
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "save"));
  adw_message_dialog_response (dialog, "save");

  g_assert_cmpuint (n_schedules (f->app), ==, 1);
  edited = get_schedule (f->app, 0);
  g_assert_cmpstr (tasker_schedule_get_spec (edited), ==, "every 2m");
  g_assert_cmpstr (tasker_schedule_get_id (edited), ==, tasker_schedule_get_id (schedule));
  tasker_clock_advance (f->clock, 2 * MINUTE);
  wait_for_runs (f->window, edited, 1);
  g_assert_cmpstr (tasker_task_get_name (tasker_schedule_get_last_task (edited)), ==, "echo 'edited again'");
  g_assert_cmpstr (tasker_app_command_get_cwd (tasker_app_schedules_get_command (edited)), ==, g_get_tmp_dir ());
  {
    GtkWidget *row = tasker_app_schedules_view_find_row (TASKER_APP_SCHEDULES_VIEW (tasker_app_window_get_schedules_view (f->window)),
                                                         edited);

    g_assert_nonnull (row);
    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "echo 'edited again'");
  }
  g_assert_true (ui_test_wait (ui_test_is_final, tasker_schedule_get_last_task (edited), 5000));
}

/* A bad spec shows its error under the entry, and Start is insensitive. */
static void
test_bad_spec (Fixture       *f,
               gconstpointer  data)
{
  TaskerAppNewTaskDialog *dialog = ui_test_open_new_task_dialog (f->window);

  tasker_app_new_task_dialog_set_command_line (dialog, "echo tick");
  g_assert_true (start_enabled (dialog));
  tasker_app_new_task_dialog_set_repeat (dialog, "every 15x");
  g_assert_cmpstr (tasker_app_new_task_dialog_get_spec_error (dialog), ==,
                   "“15x” is not an interval: a number and a unit (s, m, h or d), as in “15m”");
  g_assert_nonnull (ui_test_find_label_prefix (GTK_WIDGET (dialog), "“15x” is not an interval"));
  g_assert_false (start_enabled (dialog));
  gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.start", NULL);
  g_assert_cmpuint (n_schedules (f->app), ==, 0);

  tasker_app_new_task_dialog_set_repeat (dialog, "");
  g_assert_cmpstr (tasker_app_new_task_dialog_get_spec_error (dialog), ==,
                   "The schedule is empty: give a calendar spec (“daily 03:00”) or an interval (“every 15m”)");
  g_assert_false (start_enabled (dialog));

  tasker_app_new_task_dialog_set_repeat (dialog, "Mon..Fri 09:00");
  g_assert_null (tasker_app_new_task_dialog_get_spec_error (dialog));
  g_assert_true (start_enabled (dialog));
  gtk_window_close (GTK_WINDOW (dialog));

  /* The empty Schedules page says how to add one. */
  tasker_app_window_show_page (f->window, "schedules");
  g_assert_nonnull (ui_test_find_label_prefix (GTK_WIDGET (f->window), "No Schedules"));
  g_assert_nonnull (ui_test_find_label_prefix (GTK_WIDGET (f->window), "To run a command again and again"));
  g_free (ui_test_screenshot (GTK_WIDGET (f->window), "tasker-schedules-empty"));
}

static gboolean
has_message_prefix (gpointer data)
{
  TaskerTask *task = ((gpointer *) data)[0];
  const char *prefix = ((gpointer *) data)[1];
  const char *message = tasker_task_get_message (task);

  return message != NULL && g_str_has_prefix (message, prefix);
}

static gboolean
has_a_task (gpointer data)
{
  return g_list_model_get_n_items (tasker_app_window_get_tasks (data)) > 0;
}

/* Start Later at HH:MM: the task waits, its row says when it starts. */
static void
test_start_later (Fixture       *f,
                  gconstpointer  data)
{
  TaskerAppNewTaskDialog *dialog = ui_test_open_new_task_dialog (f->window);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) later = g_date_time_add_minutes (now, 5);
  g_autofree char *time = g_date_time_format (later, "%H:%M");
  g_autofree char *expected = NULL;
  gboolean today = g_date_time_get_day_of_month (later) == g_date_time_get_day_of_month (now);
  TaskerAppTaskRow *row;
  TaskerTask *task;
  gpointer wait[2];

  tasker_app_new_task_dialog_set_command_line (dialog, "echo later");
  tasker_app_new_task_dialog_set_start_later (dialog, TRUE, "25:00");
  g_assert_false (start_enabled (dialog));
  tasker_app_new_task_dialog_set_start_later (dialog, FALSE, "0");
  g_assert_false (start_enabled (dialog));
  tasker_app_new_task_dialog_set_start_later (dialog, TRUE, time);
  g_assert_true (start_enabled (dialog));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.start", NULL));

  g_assert_true (ui_test_wait (has_a_task, f->window, 5000));
  task = g_list_model_get_item (tasker_app_window_get_tasks (f->window), 0);
  g_object_unref (task);  /* the list keeps it */
  expected = today ? g_strdup_printf ("Starts at %s", time) : g_strdup ("Starts on ");
  wait[0] = task;
  wait[1] = expected;
  g_assert_true (ui_test_wait (has_message_prefix, wait, 5000));
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_PENDING);

  tasker_app_window_select_task (f->window, task);
  ui_test_sleep (100);
  row = tasker_app_window_find_row (f->window, task);
  g_assert_nonnull (row);
  g_assert_nonnull (ui_test_find_label_prefix (GTK_WIDGET (row), expected));
  tasker_task_cancel (task);
  g_assert_true (ui_test_wait (ui_test_is_final, task, 5000));
}

/* The history record of @task, once it is written. */
static TaskerHistoryRecord *
find_record (TaskerManager *manager,
             TaskerTask    *task)
{
  for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC; g_get_monotonic_time () < deadline;)
    {
      g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
      g_autoptr(GListModel) records = ui_test_query_history (manager, query);

      for (guint i = 0; i < g_list_model_get_n_items (records); i++)
        {
          g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (records, i);

          if (tasker_history_record_get_task_id (record) == tasker_task_get_id (task) &&
              tasker_history_record_get_finished_time (record) == tasker_task_get_finished_time (task))
            return g_steal_pointer (&record);
        }
      ui_test_sleep (50);
    }
  return NULL;
}

/* Re-run of a failed task (from its row, or from the history with
 * @data) re-arms what waited for it. */
static void
test_rerun_rearms (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *flag = g_build_filename (f->data_dir, "flag", NULL);
  g_autofree char *line = g_strdup_printf ("test -e %s", flag);
  g_autoptr(TaskerAppCommand) first = tasker_app_command_new_from_line (line, NULL);
  g_autoptr(TaskerAppCommand) second = tasker_app_command_new_from_line ("echo after", NULL);
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(TaskerTask) dependency = NULL;
  g_autoptr(TaskerTask) dependant = NULL;
  g_autoptr(GError) error = NULL;
  TaskerManager *manager = tasker_app_application_get_manager (f->app);
  GListModel *tasks = tasker_app_window_get_tasks (f->window);
  TaskerTask *rearmed = NULL;

  dependency = tasker_app_application_run_command (f->app, first, &error);
  g_assert_no_error (error);
  options = tasker_app_command_make_options (second);
  tasker_task_options_add_after (options, dependency);
  dependant = tasker_manager_run_command (manager, NULL, options,
                                          tasker_app_command_get_argv (second), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ui_test_wait (ui_test_is_final, dependant, 5000));
  g_assert_cmpint (tasker_task_get_status (dependency), ==, TASKER_TASK_STATUS_FAILED);
  g_assert_cmpint (tasker_task_get_status (dependant), ==, TASKER_TASK_STATUS_FAILED);

  /* Re-run from its row, the flag there now. */
  g_assert_true (g_file_set_contents (flag, "", 0, NULL));
  if (data != NULL)
    {
      g_autoptr(TaskerHistoryRecord) record = find_record (manager, dependency);

      g_assert_nonnull (record);
      g_signal_emit_by_name (tasker_app_window_get_history_view (f->window), "rerun", record);
    }
  else
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "task.rerun", "t",
                                               tasker_task_get_id (dependency)));
  for (gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
       rearmed == NULL && g_get_monotonic_time () < deadline;)
    {
      g_main_context_iteration (NULL, FALSE);
      for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
        {
          g_autoptr(TaskerTask) task = g_list_model_get_item (tasks, i);

          if (task != dependant && g_strcmp0 (tasker_task_get_name (task), "echo after") == 0)
            rearmed = task;
        }
    }
  g_assert_nonnull (rearmed);
  g_assert_true (ui_test_wait (ui_test_is_final, rearmed, 5000));
  g_assert_cmpint (tasker_task_get_status (rearmed), ==, TASKER_TASK_STATUS_COMPLETED);
}

/* Schedules with nothing running do not keep Tasker: closing the window
 * closes it. */
static void
test_no_background (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(TaskerAppCommand) command = tasker_app_command_new_from_line ("echo tick", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (tasker_app_schedules_add (get_schedules (f->app), "every 1m", command, &error));
  g_assert_no_error (error);
  g_assert_false (tasker_app_application_close_to_background (f->app, GTK_WINDOW (f->window)));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->window)));
}

/* The schedules survive a restart: spec, command, paused. */
static void
test_persistence (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("tasker-ui-XXXXXX", &error);
  g_autofree char *file = g_build_filename (data_dir, "schedules.ini", NULL);
  g_autoptr(TaskerClock) clock = clock_new ();
  g_autofree char *id = NULL;
  TaskerAppApplication *app;
  TaskerSchedule *schedule;
  GtkWidget *row;
  GStatBuf st;

  g_assert_no_error (error);
  app = app_new (data_dir, clock);
  {
    g_autoptr(TaskerAppCommand) command = tasker_app_command_new_shell ("echo one | tr o O", NULL);

    static const char *envp[] = { "PATH=/usr/bin:/bin", "SECRET=a b\nc=d", NULL };

    tasker_app_command_set_environ (command, envp);
    tasker_app_command_set_cwd (command, g_get_tmp_dir ());
    tasker_app_command_set_queue (command, "nightly");
    tasker_app_command_set_timeout (command, 90);
    tasker_app_command_set_retries (command, 2);
    schedule = tasker_app_schedules_add (get_schedules (app), "daily 03:00", command, &error);
    g_assert_no_error (error);
    id = g_strdup (tasker_schedule_get_id (schedule));
    tasker_schedule_set_overlap_policy (schedule, TASKER_OVERLAP_REPLACE);
    tasker_schedule_set_catch_up_policy (schedule, TASKER_CATCH_UP_SKIP);
    activate_schedule_action (ui_test_app_window (app), "schedule.pause", schedule);
    g_assert_true (tasker_schedule_get_paused (schedule));
  }
  ui_test_app_free (app);

  g_assert_cmpint (g_stat (file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  app = app_new (data_dir, clock);
  g_assert_cmpuint (n_schedules (app), ==, 1);
  schedule = get_schedule (app, 0);
  g_assert_cmpstr (tasker_schedule_get_id (schedule), ==, id);
  g_assert_cmpstr (tasker_schedule_get_spec (schedule), ==, "daily 03:00");
  g_assert_true (tasker_schedule_get_paused (schedule));
  g_assert_cmpint (tasker_schedule_get_overlap_policy (schedule), ==, TASKER_OVERLAP_REPLACE);
  g_assert_cmpint (tasker_schedule_get_catch_up_policy (schedule), ==, TASKER_CATCH_UP_SKIP);
  {
    TaskerAppCommand *command = tasker_app_schedules_get_command (schedule);

    g_assert_cmpstr (tasker_app_command_get_command_line (command), ==, "echo one | tr o O");
    g_assert_true (tasker_app_command_get_shell (command));
    g_assert_cmpstr (tasker_app_command_get_cwd (command), ==, g_get_tmp_dir ());
    g_assert_cmpstr (tasker_app_command_get_queue (command), ==, "nightly");
    g_assert_cmpuint (tasker_app_command_get_timeout (command), ==, 90);
    g_assert_cmpuint (tasker_app_command_get_retries (command), ==, 2);
    g_assert_nonnull (tasker_app_command_get_environ (command));
    g_assert_cmpstrv (tasker_app_command_get_environ (command),
                      ((const char *[]) { "PATH=/usr/bin:/bin", "SECRET=a b\nc=d", NULL }));
  }
  row = tasker_app_schedules_view_find_row (TASKER_APP_SCHEDULES_VIEW (tasker_app_window_get_schedules_view (ui_test_app_window (app))),
                                            schedule);
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "echo one | tr o O");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "daily 03:00 · Paused"));

  /* A new one gets a new id. */
  {
    g_autoptr(TaskerAppCommand) command = tasker_app_command_new_from_line ("true", NULL);
    TaskerSchedule *other = tasker_app_schedules_add (get_schedules (app), "hourly", command, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (tasker_schedule_get_id (other), !=, id);
  }
  ui_test_app_free (app);
  ui_test_remove_dir (data_dir);
}

/* Last run two hours ago on an hourly schedule: one run at start. */
static void
test_catch_up (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("tasker-ui-XXXXXX", &error);
  g_autoptr(TaskerClock) clock = clock_new ();
  g_autoptr(TaskerClock) later = NULL;
  TaskerAppApplication *app;
  TaskerSchedule *schedule;
  gint64 last_run;

  g_assert_no_error (error);
  app = app_new (data_dir, clock);
  {
    g_autoptr(TaskerAppCommand) command = tasker_app_command_new_from_line ("echo caught up", NULL);

    schedule = tasker_app_schedules_add (get_schedules (app), "hourly", command, &error);
    g_assert_no_error (error);
  }
  /* Its first run, on the hour. */
  tasker_clock_set_now (clock, tasker_schedule_get_next_run (schedule));
  wait_for_runs (ui_test_app_window (app), schedule, 1);
  last_run = tasker_schedule_get_last_run (schedule);
  g_assert_cmpint (last_run, >, 0);
  g_assert_true (ui_test_wait (ui_test_is_final, tasker_schedule_get_last_task (schedule), 5000));
  ui_test_app_free (app);

  /* Two hours and a half later, Tasker starts again. */
  later = tasker_clock_new_fake (last_run + 2 * HOUR + 30 * MINUTE);
  app = app_new (data_dir, later);
  g_assert_cmpuint (n_schedules (app), ==, 1);
  schedule = get_schedule (app, 0);
  wait_for_runs (ui_test_app_window (app), schedule, 1);
  g_assert_cmpint (tasker_schedule_get_last_run (schedule), ==, last_run + 2 * HOUR + 30 * MINUTE);
  g_assert_cmpstr (tasker_task_get_name (tasker_schedule_get_last_task (schedule)), ==, "echo caught up");
  ui_test_sleep (200);
  g_assert_cmpuint (n_runs (ui_test_app_window (app), schedule), ==, 1);
  /* The next one is the next hour. */
  g_assert_cmpint (tasker_schedule_get_next_run (schedule), ==, last_run + 3 * HOUR);
  g_assert_true (ui_test_wait (ui_test_is_final, tasker_schedule_get_last_task (schedule), 5000));
  ui_test_app_free (app);
  ui_test_remove_dir (data_dir);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

#define ADD(path, func) g_test_add ("/Tasker/UI/Schedules/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  g_test_add ("/Tasker/UI/Schedules/history-rerun-rearms", Fixture, "history",
              fixture_set_up, test_rerun_rearms, fixture_tear_down);
  ADD ("repeat", test_repeat);
  ADD ("edit", test_edit);
  ADD ("bad-spec", test_bad_spec);
  ADD ("start-later", test_start_later);
  ADD ("rerun-rearms", test_rerun_rearms);
  ADD ("no-background", test_no_background);
#undef ADD
  g_test_add_func ("/Tasker/UI/Schedules/persistence", test_persistence);
  g_test_add_func ("/Tasker/UI/Schedules/catch-up", test_catch_up);

  return g_test_run ();
}
