/* test-app.c: the application, driven in-process as a user would
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "tasker-app-clock.h"
#include "tasker-app-format.h"
#include "ui-test.h"

/* About ten seconds of work: a percentage and a log line every 50 ms. */
#define PROGRESS_COMMAND \
  "sh -c 'i=0; while [ $i -lt 200 ]; do i=$((i+1)); echo \"$((i/2))%\"; echo \"step $i\"; sleep 0.05; done'"
#define QUICK_COMMAND "sh -c 'echo hello from tasker; echo 100%'"

typedef UiTestFixture Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  ui_test_fixture_set_up (f, data);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 700);
}

static gboolean
progress_above_tenth (gpointer data)
{
  return tasker_task_get_progress (data) > 0.1;
}

typedef struct
{
  TaskerAppWindow *window;
  TaskerTask   *task;
} RowWait;

static gboolean
has_row (gpointer data)
{
  RowWait *w = data;

  return tasker_app_window_find_row (w->window, w->task) != NULL;
}

static TaskerAppTaskRow *
wait_for_row (Fixture    *f,
              TaskerTask *task)
{
  RowWait w = { f->window, task };

  g_assert_true (ui_test_wait (has_row, &w, 5000));
  return tasker_app_window_find_row (f->window, task);
}

/* Starts @command_line through the New Task dialog, as a user would. */
static TaskerTask *
start_through_dialog (Fixture    *f,
                      const char *command_line,
                      guint       timeout_s,
                      guint       retries)
{
  guint before = g_list_model_get_n_items (tasker_app_window_get_tasks (f->window));
  TaskerAppNewTaskDialog *dialog;

  dialog = ui_test_open_new_task_dialog (f->window);

  /* Start stays disabled until the line parses. */
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.start", NULL) &&
                  g_list_model_get_n_items (tasker_app_window_get_tasks (f->window)) > before);
  tasker_app_new_task_dialog_set_command_line (dialog, command_line);
  tasker_app_new_task_dialog_set_cwd (dialog, g_get_tmp_dir ());
  tasker_app_new_task_dialog_set_timeout (dialog, timeout_s);
  tasker_app_new_task_dialog_set_retries (dialog, retries);
  ui_test_sleep (50);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.start", NULL));

  ui_test_wait_for_n_tasks (f->window, before + 1);
  return ui_test_get_task (f->window, before);
}

static void
test_empty_state (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *path = NULL;

  g_assert_cmpuint (g_list_model_get_n_items (tasker_app_window_get_tasks (f->window)), ==, 0);
  g_assert_nonnull (ui_test_find_label (GTK_WIDGET (f->window), "No Tasks"));
  path = ui_test_screenshot (GTK_WIDGET (f->window), "tasker-empty");
}

static void
test_add_task (Fixture       *f,
               gconstpointer  data)
{
  TaskerTask *task = start_through_dialog (f, PROGRESS_COMMAND, 60, 1);
  TaskerAppTaskRow *row;
  g_autofree char *path = NULL;
  double first;

  g_assert_cmpstr (tasker_task_get_name (task), ==, PROGRESS_COMMAND);
  g_assert_cmpstr (tasker_task_get_description (task, "command"), ==, PROGRESS_COMMAND);
  g_assert_cmpstr (tasker_task_get_description (task, "cwd"), ==, g_get_tmp_dir ());
  g_assert_cmpstr (tasker_task_get_description (task, "timeout"), ==, "60");
  g_assert_cmpstr (tasker_task_get_description (task, "retries"), ==, "1");

  row = wait_for_row (f, task);
  g_assert_true (ui_test_wait (progress_above_tenth, task, 10000));
  first = tasker_task_get_progress (task);
  ui_test_sleep (600);
  g_assert_cmpfloat (tasker_task_get_progress (task), >, first);

  /* The row shows what the task says: title, percent, elapsed time. */
  {
    char percent[16];

    g_snprintf (percent, sizeof percent, "%d %%", (int) (tasker_task_get_progress (task) * 100));
    g_assert_nonnull (ui_test_find_label (GTK_WIDGET (row), percent));
    g_assert_nonnull (ui_test_find_label (GTK_WIDGET (row), PROGRESS_COMMAND));
  }

  /* A second one and a selection, for the screenshot. */
  {
    g_autoptr(TaskerAppCommand) quick = tasker_app_command_new_from_line (QUICK_COMMAND, NULL);
    tasker_app_window_rerun (f->window, quick);
    ui_test_wait_for_n_tasks (f->window, 2);
    g_assert_true (ui_test_wait (ui_test_is_final, ui_test_get_task (f->window, 1), 5000));
  }
  tasker_app_window_select_task (f->window, task);
  ui_test_sleep (1200);
  path = ui_test_screenshot (GTK_WIDGET (f->window), "tasker-main");
}

static void
test_cancel_from_row (Fixture       *f,
                      gconstpointer  data)
{
  TaskerTask *task = start_through_dialog (f, PROGRESS_COMMAND, 0, 0);
  TaskerAppTaskRow *row = wait_for_row (f, task);
  GtkWidget *cancel = tasker_app_task_row_get_cancel_button (row);
  g_autofree char *path = NULL;

  g_assert_true (ui_test_wait (ui_test_is_running, task, 5000));
  g_assert_true (gtk_widget_get_visible (cancel));
  g_assert_true (gtk_widget_get_sensitive (cancel));
  /* Its elapsed time follows the clock while it runs... */
  g_assert_cmpuint (tasker_app_clock_get_n_watchers (tasker_app_clock_get_default ()), >, 0);

  /* The button's own signal, not gtk_widget_activate(), which clicks 250 ms later. */
  g_signal_emit_by_name (cancel, "clicked");
  g_assert_true (ui_test_wait (ui_test_is_final, task, 5000));
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_CANCELLED);

  /* The row stays, says so, and offers to run it again. */
  ui_test_sleep (100);
  row = wait_for_row (f, task);
  g_assert_false (gtk_widget_get_visible (tasker_app_task_row_get_cancel_button (row)));
  g_assert_true (gtk_widget_get_visible (tasker_app_task_row_get_rerun_button (row)));
  g_assert_nonnull (ui_test_find_label (GTK_WIDGET (row), "Cancelled"));
  /* ...and nothing unfinished is shown, so the clock stops. */
  g_assert_cmpuint (tasker_app_clock_get_n_watchers (tasker_app_clock_get_default ()), ==, 0);
  path = ui_test_screenshot (GTK_WIDGET (f->window), "tasker-cancelled");
}

static void
test_details_log (Fixture       *f,
                  gconstpointer  data)
{
  TaskerTask *task = start_through_dialog (f, PROGRESS_COMMAND, 0, 0);
  TaskerAppTaskDetails *details = tasker_app_window_get_details (f->window);
  g_autofree char *log = NULL;
  g_autofree char *later = NULL;
  g_autofree char *trace = NULL;
  g_autofree char *path = NULL;

  g_assert_true (ui_test_wait (progress_above_tenth, task, 10000));
  tasker_app_window_select_task (f->window, task);
  g_assert_true (tasker_app_task_details_get_task (details) == task);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (details)));

  log = tasker_app_task_details_dup_log_text (details);
  g_assert_nonnull (strstr (log, "step 3\n"));

  /* It follows new lines without being asked. */
  ui_test_sleep (1000);
  later = tasker_app_task_details_dup_log_text (details);
  g_assert_cmpuint (strlen (later), >, strlen (log));

  trace = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", tasker_task_get_trace_id (task));
  g_assert_nonnull (ui_test_find_label (GTK_WIDGET (details), trace));
  g_assert_nonnull (ui_test_find_label (GTK_WIDGET (details), PROGRESS_COMMAND));
  path = ui_test_screenshot (GTK_WIDGET (f->window), "tasker-details");

  /* Delete cancels the selected task. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.cancel-selected", NULL));
  g_assert_true (ui_test_wait (ui_test_is_final, task, 5000));
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_CANCELLED);
}

static void
test_rerun_from_row (Fixture       *f,
                     gconstpointer  data)
{
  TaskerTask *task = start_through_dialog (f, QUICK_COMMAND, 0, 0);
  TaskerAppTaskRow *row;
  TaskerTask *again;

  g_assert_true (ui_test_wait (ui_test_is_final, task, 5000));
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_COMPLETED);
  row = wait_for_row (f, task);
  ui_test_sleep (50);
  g_signal_emit_by_name (tasker_app_task_row_get_rerun_button (row), "clicked");
  ui_test_wait_for_n_tasks (f->window, 2);
  again = ui_test_get_task (f->window, 1);
  g_assert_true (again != task);
  g_assert_cmpstr (tasker_task_get_name (again), ==, QUICK_COMMAND);
  g_assert_cmpstr (tasker_task_get_description (again, "cwd"), ==, g_get_tmp_dir ());

  /* Clear Finished empties the list once both ended. */
  g_assert_true (ui_test_wait (ui_test_is_final, again, 5000));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.clear-finished", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (tasker_app_window_get_tasks (f->window)), ==, 0);
}

static TaskerHistoryRecord *
find_in_history (Fixture    *f,
                 const char *text)
{
  TaskerManager *manager = tasker_app_application_get_manager (f->app);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* The history is written in the background: ask until it is there. */
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
      g_autoptr(GListModel) records = NULL;

      tasker_history_query_set_text (query, text);
      records = ui_test_query_history (manager, query);
      if (g_list_model_get_n_items (records) > 0)
        return g_list_model_get_item (records, 0);
      ui_test_sleep (100);
    }
  return NULL;
}

static void
test_history_rerun (Fixture       *f,
                    gconstpointer  data)
{
  TaskerTask *task = start_through_dialog (f, QUICK_COMMAND, 0, 2);
  g_autoptr(TaskerHistoryRecord) record = NULL;
  GtkWidget *history = tasker_app_window_get_history_view (f->window);
  g_autofree char *path = NULL;
  TaskerTask *again;

  g_assert_true (ui_test_wait (ui_test_is_final, task, 5000));
  record = find_in_history (f, "hello from tasker");
  g_assert_nonnull (record);
  g_assert_cmpstr (tasker_history_record_get_description (record, "command"), ==, QUICK_COMMAND);
  g_assert_cmpstr (tasker_history_record_get_description (record, "retries"), ==, "2");

  /* Ctrl+F shows the History page. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search-history", NULL));
  g_assert_true (gtk_widget_get_mapped (history));
  path = ui_test_screenshot (GTK_WIDGET (f->window), "tasker-history");

  /* What the history view emits when the user asks to re-run. */
  g_signal_emit_by_name (history, "rerun", record);
  ui_test_wait_for_n_tasks (f->window, 2);
  again = ui_test_get_task (f->window, 1);
  g_assert_cmpstr (tasker_task_get_name (again), ==, QUICK_COMMAND);
  g_assert_cmpstr (tasker_task_get_description (again, "retries"), ==, "2");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (tasker_app_window_get_details (f->window))) ||
                 TRUE);
}

static void
thread_child (TaskerContext *context,
              gpointer       user_data)
{
  while (!tasker_context_is_cancelled (context))
    {
      tasker_context_set_progress (context, 0.5);
      g_usleep (10000);
    }
}

static GtkListView *find_task_list_view (GtkWidget *window);

static gboolean
shows_three_tasks (gpointer data)
{
  return ui_test_find_label_prefix (data, "3 tasks · ") != NULL;
}

static void
test_children_indented (Fixture       *f,
                        gconstpointer  data)
{
  TaskerManager *manager = tasker_app_application_get_manager (f->app);
  g_autoptr(TaskerTaskOptions) parent_options = tasker_task_options_new ();
  g_autoptr(TaskerTaskOptions) child_options = tasker_task_options_new ();
  g_autoptr(TaskerTask) parent = NULL;
  g_autoptr(TaskerTask) other = NULL;
  g_autoptr(TaskerTask) child = NULL;
  g_autoptr(GError) error = NULL;
  TaskerAppTaskRow *parent_row, *child_row;

  tasker_task_options_set_name (parent_options, "Parent");
  parent = tasker_manager_run_thread (manager, NULL, parent_options, thread_child, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&parent_options);
  parent_options = tasker_task_options_new ();
  tasker_task_options_set_name (parent_options, "Another");
  other = tasker_manager_run_thread (manager, NULL, parent_options, thread_child, NULL, NULL, &error);
  g_assert_no_error (error);
  ui_test_wait_for_n_tasks (f->window, 2);
  /* The last row stays selected while a child goes in above it. */
  tasker_app_window_select_task (f->window, other);

  tasker_task_options_set_name (child_options, "Child");
  tasker_task_options_set_parent (child_options, parent);
  child = tasker_manager_run_thread (manager, NULL, child_options, thread_child, NULL, NULL, &error);
  g_assert_no_error (error);
  ui_test_wait_for_n_tasks (f->window, 3);
  {
    GListModel *shown = G_LIST_MODEL (gtk_list_view_get_model (find_task_list_view (GTK_WIDGET (f->window))));

    g_assert_true (gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (shown)) == other);
  }

  /* Under its parent, not after the task submitted in between. */
  g_assert_true (ui_test_get_task (f->window, 0) == parent);
  g_assert_true (ui_test_get_task (f->window, 1) == child);
  g_assert_true (ui_test_get_task (f->window, 2) == other);

  parent_row = wait_for_row (f, parent);
  child_row = wait_for_row (f, child);
  g_assert_cmpint (gtk_widget_get_margin_start (GTK_WIDGET (child_row)), >,
                   gtk_widget_get_margin_start (GTK_WIDGET (parent_row)));

  /* The header bar shows the overall progress while tasks run. */
  g_assert_true (ui_test_wait (shows_three_tasks, f->window, 5000));

  /* A parent's row hides and shows its children; selecting a hidden child
   * shows it again. */
  {
    GtkWidget *expander = tasker_app_task_row_get_expander_button (parent_row);
    GListModel *shown = G_LIST_MODEL (gtk_list_view_get_model (find_task_list_view (GTK_WIDGET (f->window))));

    g_assert_true (gtk_widget_get_mapped (expander));
    g_assert_false (gtk_widget_get_mapped (tasker_app_task_row_get_expander_button (child_row)));
    g_assert_cmpstr (gtk_widget_get_tooltip_text (expander), ==, "Hide Subtasks");
    g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 3);

    g_signal_emit_by_name (expander, "clicked");
    g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 2);
    g_assert_cmpuint (g_list_model_get_n_items (tasker_app_window_get_tasks (f->window)), ==, 3);
    g_assert_cmpstr (gtk_widget_get_tooltip_text (expander), ==, "Show Subtasks");
    {
      g_autoptr(TaskerTask) first = g_list_model_get_item (shown, 0);
      g_autoptr(TaskerTask) second = g_list_model_get_item (shown, 1);

      g_assert_true (first == parent);
      g_assert_true (second == other);
    }

    tasker_app_window_select_task (f->window, child);
    g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 3);
    g_assert_true (gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (shown)) == child);
    g_assert_cmpstr (gtk_widget_get_tooltip_text (expander), ==, "Hide Subtasks");
    g_free (ui_test_screenshot (GTK_WIDGET (f->window), "tasker-tree"));
  }

  tasker_task_cancel (parent);
  tasker_task_cancel (other);
  g_assert_true (ui_test_wait (ui_test_is_final, parent, 5000));
  g_assert_cmpint (tasker_task_get_status (child), ==, TASKER_TASK_STATUS_CANCELLED);
}

/* The list view of the tasks page (the history page has one too). */
static GtkListView *
find_task_list_view_in (GtkWidget *widget,
                        GtkWidget *history)
{
  if (widget == history)
    return NULL;
  if (GTK_IS_LIST_VIEW (widget))
    return GTK_LIST_VIEW (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkListView *found = find_task_list_view_in (child, history);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkListView *
find_task_list_view (GtkWidget *window)
{
  GtkListView *view = find_task_list_view_in (window, tasker_app_window_get_history_view (TASKER_APP_WINDOW (window)));

  g_assert_nonnull (view);
  return view;
}

static guint
count_rows (GtkWidget *widget)
{
  guint n = TASKER_APP_IS_TASK_ROW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_rows (child);
  return n;
}

static gboolean
view_has_all (gpointer data)
{
  Fixture *f = data;
  GListModel *shown = G_LIST_MODEL (gtk_list_view_get_model (find_task_list_view (GTK_WIDGET (f->window))));

  return g_list_model_get_n_items (shown) == g_list_model_get_n_items (tasker_app_window_get_tasks (f->window));
}

/* A burst of tasks reaches the view a few at a time, so the list view does
 * not build its hundreds of rows in one go (a stall); the list itself has
 * them all at once, and in the end the view shows them all, in order. */
static void
test_burst_revealed_gradually (Fixture       *f,
                               gconstpointer  data)
{
  TaskerManager *manager = tasker_app_application_get_manager (f->app);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  GListModel *shown;
  guint n_shown;

  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(GError) error = NULL;
      TaskerTask *task = tasker_manager_run_thread (manager, NULL, NULL, thread_child, NULL, NULL, &error);

      g_assert_no_error (error);
      g_ptr_array_add (tasks, task);
    }
  ui_test_wait_for_n_tasks (f->window, 1000);

  shown = G_LIST_MODEL (gtk_list_view_get_model (find_task_list_view (GTK_WIDGET (f->window))));
  n_shown = g_list_model_get_n_items (shown);
  g_assert_cmpuint (n_shown, >, 0);
  g_assert_cmpuint (n_shown, <, 100);
  g_assert_cmpuint (count_rows (GTK_WIDGET (f->window)), <, 100);

  /* A task the view does not have yet can still be selected. */
  tasker_app_window_select_task (f->window, tasks->pdata[500]);
  g_assert_true (gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (shown)) == tasks->pdata[500]);

  g_assert_true (ui_test_wait (view_has_all, f, 5000));
  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (shown, i);
      g_assert_true (task == tasks->pdata[i]);
    }

  for (guint i = 0; i < tasks->len; i++)
    tasker_task_cancel (tasks->pdata[i]);
  for (guint i = 0; i < tasks->len; i++)
    g_assert_true (ui_test_wait (ui_test_is_final, tasks->pdata[i], 5000));
}

/* Quit while one command runs and another waits in a queue with one slot;
 * start again: the waiting one runs, the running one is offered for re-run. */
static void
test_restart (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("tasker-ui-XXXXXX", &error);
  g_autofree char *path = NULL;
  TaskerAppApplication *app;
  TaskerAppWindow *window;
  GtkWidget *list;
  TaskerTask *first, *second;

  g_assert_no_error (error);

  app = ui_test_app_new (data_dir);
  window = ui_test_app_window (app);
  tasker_manager_configure_queue (tasker_app_application_get_manager (app), "one", 1, 0);
  {
    g_autoptr(TaskerAppCommand) running = tasker_app_command_new_from_line ("sleep 30", NULL);
    g_autoptr(TaskerAppCommand) waiting = tasker_app_command_new_from_line ("sleep 31", NULL);
    g_autoptr(TaskerAppCommand) last = tasker_app_command_new_from_line ("sleep 32", NULL);
    g_autoptr(TaskerTask) t1 = NULL;
    g_autoptr(TaskerTask) t2 = NULL;
    g_autoptr(TaskerTask) t3 = NULL;

    tasker_app_command_set_queue (running, "one");
    tasker_app_command_set_queue (waiting, "one");
    tasker_app_command_set_queue (last, "one");
    t1 = tasker_app_application_run_command (app, running, &error);
    g_assert_no_error (error);
    t2 = tasker_app_application_run_command (app, waiting, &error);
    g_assert_no_error (error);
    t3 = tasker_app_application_run_command (app, last, &error);
    g_assert_no_error (error);
    first = t1;
    second = t2;
    g_assert_true (ui_test_wait (ui_test_is_running, first, 5000));
    ui_test_sleep (300);
    g_assert_cmpint (tasker_task_get_status (second), ==, TASKER_TASK_STATUS_PENDING);
  }
  (void) window;
  ui_test_app_free (app);

  g_assert_true (g_file_test (data_dir, G_FILE_TEST_IS_DIR));
  app = ui_test_app_new (data_dir);
  window = ui_test_app_window (app);
  /* Before the restore's answer arrives (the queue is not in GSettings here). */
  tasker_manager_configure_queue (tasker_app_application_get_manager (app), "one", 1, 0);
  g_assert_true (ui_test_wait (ui_test_pending_is_restored, tasker_app_application_get_pending (app), 5000));
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 700);

  /* The ones that waited are queued again, in their order (the shutdown
   * ended them newest first)... */
  ui_test_wait_for_n_tasks (window, 2);
  g_assert_cmpuint (g_list_model_get_n_items (tasker_app_window_get_tasks (window)), ==, 2);
  g_assert_cmpstr (tasker_task_get_name (ui_test_get_task (window, 0)), ==, "sleep 31");
  g_assert_cmpstr (tasker_task_get_name (ui_test_get_task (window, 1)), ==, "sleep 32");
  g_assert_false (tasker_task_is_final (ui_test_get_task (window, 0)));

  /* ...and the one that ran is listed as interrupted, with a Re-run button. */
  list = tasker_app_window_get_interrupted_list (window);
  g_assert_true (gtk_widget_get_mapped (list));
  g_assert_nonnull (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 0));
  g_assert_null (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 1));
  path = ui_test_screenshot (GTK_WIDGET (window), "tasker-interrupted");

  {
    GListModel *interrupted = tasker_app_pending_get_interrupted (tasker_app_application_get_pending (app));
    g_autoptr(TaskerAppCommand) command = g_list_model_get_item (interrupted, 0);

    g_assert_cmpstr (tasker_app_command_get_command_line (command), ==, "sleep 30");
    g_assert_cmpstr (tasker_app_command_get_queue (command), ==, "one");
    g_assert_true (tasker_app_window_rerun (window, command));
    tasker_app_pending_dismiss (tasker_app_application_get_pending (app), command);
    g_assert_cmpuint (g_list_model_get_n_items (interrupted), ==, 0);
    ui_test_wait_for_n_tasks (window, 3);
    g_assert_true (ui_test_wait (ui_test_is_running, ui_test_get_task (window, 0), 5000));
  }
  ui_test_app_free (app);

  /* Once more: 31, queued again, ran while 32 and the re-run 30 waited; the first
   * run's interrupted command was dealt with and is not offered again. */
  app = ui_test_app_new (data_dir);
  window = ui_test_app_window (app);
  g_assert_true (ui_test_wait (ui_test_pending_is_restored, tasker_app_application_get_pending (app), 5000));
  ui_test_wait_for_n_tasks (window, 2);
  /* Each once: the records of the commands queued again were replaced. */
  g_assert_cmpuint (g_list_model_get_n_items (tasker_app_window_get_tasks (window)), ==, 2);
  g_assert_cmpstr (tasker_task_get_name (ui_test_get_task (window, 0)), ==, "sleep 32");
  g_assert_cmpstr (tasker_task_get_name (ui_test_get_task (window, 1)), ==, "sleep 30");
  {
    GListModel *interrupted = tasker_app_pending_get_interrupted (tasker_app_application_get_pending (app));
    g_autoptr(TaskerAppCommand) command = g_list_model_get_item (interrupted, 0);

    g_assert_cmpuint (g_list_model_get_n_items (interrupted), ==, 1);
    g_assert_cmpstr (tasker_app_command_get_command_line (command), ==, "sleep 31");
  }

  /* Re-run from the History page: dealt with too, gone from the list and
   * from the history's interrupted records. */
  {
    TaskerManager *manager = tasker_app_application_get_manager (app);
    GListModel *interrupted = tasker_app_pending_get_interrupted (tasker_app_application_get_pending (app));
    g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
    g_autoptr(TaskerHistoryRecord) record = NULL;
    GListModel *records = NULL;

    tasker_history_query_set_interrupted (query, TRUE);
    records = ui_test_query_history (manager, query);
    g_assert_cmpuint (g_list_model_get_n_items (records), ==, 1);
    record = g_list_model_get_item (records, 0);
    g_clear_object (&records);

    g_signal_emit_by_name (tasker_app_window_get_history_view (window), "rerun", record);
    ui_test_wait_for_n_tasks (window, 3);
    g_assert_cmpstr (tasker_task_get_name (ui_test_get_task (window, 2)), ==, "sleep 31");
    g_assert_cmpuint (g_list_model_get_n_items (interrupted), ==, 0);

    records = ui_test_query_history (manager, query);
    g_assert_cmpuint (g_list_model_get_n_items (records), ==, 0);
    g_clear_object (&records);
  }

  ui_test_app_free (app);
  ui_test_remove_dir (data_dir);
}

/* The records named @name in @app's history, @interrupted ones or the others. */
static guint
count_records (TaskerAppApplication *app,
               const char           *name,
               gboolean              interrupted)
{
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  g_autoptr(GListModel) records = NULL;
  guint n = 0;

  tasker_history_query_set_name (query, name);
  records = ui_test_query_history (tasker_app_application_get_manager (app), query);
  for (guint i = 0; i < g_list_model_get_n_items (records); i++)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (records, i);

      n += tasker_history_record_get_interrupted (record) == interrupted;
    }
  return n;
}

typedef struct
{
  TaskerAppApplication *app;
  const char        *name;
} Named;

static gboolean
has_live_record (gpointer data)
{
  Named *named = data;

  return count_records (named->app, named->name, FALSE) == 1;
}

static guint
count_tasks_named (TaskerAppWindow *window,
                   const char      *name)
{
  GListModel *tasks = tasker_app_window_get_tasks (window);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    n += g_strcmp0 (tasker_task_get_name (ui_test_get_task (window, i)), name) == 0;
  return n;
}

/* What a crash leaves: the committed database as it is on disk now. */
static void
copy_history (const char *from_dir,
              const char *to_dir)
{
  static const char * const suffixes[] = { "", "-wal" };

  g_assert_cmpint (g_mkdir_with_parents (to_dir, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat ("history.sqlite3", suffixes[i], NULL);
      g_autofree char *from = g_build_filename (from_dir, name, NULL);
      g_autofree char *to = g_build_filename (to_dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;
      g_autoptr(GError) error = NULL;

      if (!g_file_get_contents (from, &contents, &length, NULL))
        continue;
      g_file_set_contents_full (to, contents, length, G_FILE_SET_CONTENTS_NONE, 0600, &error);
      g_assert_no_error (error);
    }
}

/* A crash while a restored command still waits in its queue: at the next
 * start it is queued once, not twice (the old record and the new one both
 * listed as unfinished made copies double with every crash). */
static void
test_crash_while_requeued (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("tasker-ui-XXXXXX", &error);
  g_autofree char *crashed_dir = NULL;
  TaskerAppApplication *app;
  TaskerAppWindow *window;

  g_assert_no_error (error);
  crashed_dir = g_build_filename (data_dir, "crashed", NULL);

  /* One runs, one waits; Tasker quits. */
  app = ui_test_app_new (data_dir);
  window = ui_test_app_window (app);
  tasker_manager_configure_queue (tasker_app_application_get_manager (app), "one", 1, 0);
  {
    g_autoptr(TaskerAppCommand) running = tasker_app_command_new_from_line ("sleep 40", NULL);
    g_autoptr(TaskerAppCommand) waiting = tasker_app_command_new_from_line ("sleep 41", NULL);
    g_autoptr(TaskerTask) t1 = NULL;
    g_autoptr(TaskerTask) t2 = NULL;

    tasker_app_command_set_queue (running, "one");
    tasker_app_command_set_queue (waiting, "one");
    t1 = tasker_app_application_run_command (app, running, &error);
    g_assert_no_error (error);
    t2 = tasker_app_application_run_command (app, waiting, &error);
    g_assert_no_error (error);
    g_assert_true (ui_test_wait (ui_test_is_running, t1, 5000));
  }
  ui_test_app_free (app);

  /* The next start queues the waiting one again, behind a command that
   * holds the queue's one slot; it is still waiting when Tasker "crashes". */
  app = ui_test_app_new (data_dir);
  window = ui_test_app_window (app);
  tasker_manager_configure_queue (tasker_app_application_get_manager (app), "one", 1, 0);
  {
    g_autoptr(TaskerAppCommand) blocker = tasker_app_command_new_from_line ("sleep 42", NULL);
    g_autoptr(TaskerTask) t = NULL;
    Named named = { app, "sleep 41" };

    tasker_app_command_set_queue (blocker, "one");
    t = tasker_app_application_run_command (app, blocker, &error);
    g_assert_no_error (error);
    g_assert_true (ui_test_wait (ui_test_is_running, t, 5000));
    g_assert_true (ui_test_wait (ui_test_pending_is_restored, tasker_app_application_get_pending (app), 5000));
    ui_test_wait_for_n_tasks (window, 2);
    g_assert_cmpuint (count_tasks_named (window, "sleep 41"), ==, 1);
    /* Its new record is on disk. */
    g_assert_true (ui_test_wait (has_live_record, &named, 10000));
    copy_history (data_dir, crashed_dir);
  }
  ui_test_app_free (app);

  /* Started again from what the crash left: queued once, one record. */
  app = ui_test_app_new (crashed_dir);
  window = ui_test_app_window (app);
  tasker_manager_configure_queue (tasker_app_application_get_manager (app), "one", 1, 0);
  g_assert_true (ui_test_wait (ui_test_pending_is_restored, tasker_app_application_get_pending (app), 5000));
  /* restore() queues synchronously once its query answered: all there. */
  ui_test_wait_for_n_tasks (window, 1);
  g_assert_cmpuint (count_tasks_named (window, "sleep 41"), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (tasker_app_window_get_tasks (window)), ==, 1);
  /* 42 was running: offered for re-run, not run again. */
  g_assert_cmpuint (g_list_model_get_n_items (tasker_app_pending_get_interrupted (tasker_app_application_get_pending (app))),
                    ==, 2);   /* 40 and 42 */
  g_assert_cmpuint (count_records (app, "sleep 41", TRUE) + count_records (app, "sleep 41", FALSE), ==, 1);
  ui_test_app_free (app);

  ui_test_remove_dir (data_dir);
}

static void
test_shortcuts_and_about (Fixture       *f,
                          gconstpointer  data)
{
  struct { const char *action; const char *accel; } expected[] = {
    { "win.new-task", "<Control>n" },
    { "app.preferences", "<Control>comma" },
    { "app.quit", "<Control>q" },
    { "win.search-history", "<Control>f" },
    { "win.cancel-selected", "Delete" },
  };
  gboolean found_about = FALSE;
  GList *toplevels;

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (f->app),
                                                                     expected[i].action);
      g_assert_true (g_strv_contains ((const char * const *) accels, expected[i].accel));
    }

  /* gtk/help-overlay.ui in the resource base path: Ctrl+? opens it. */
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (f->window)));

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "about", NULL);
  ui_test_sleep (100);
  toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_ABOUT_WINDOW (l->data))
      {
        found_about = TRUE;
        gtk_window_destroy (l->data);
      }
  g_list_free (toplevels);
  g_assert_true (found_about);
}

static void
test_bad_command_line (Fixture       *f,
                       gconstpointer  data)
{
  TaskerAppNewTaskDialog *dialog = tasker_app_window_open_new_task_dialog (f->window);
  g_autoptr(GError) error = NULL;
  g_autoptr(TaskerAppCommand) command = NULL;

  tasker_app_new_task_dialog_set_command_line (dialog, "echo 'unbalanced");
  command = tasker_app_new_task_dialog_dup_command (dialog, &error);
  g_assert_null (command);
  g_assert_error (error, G_SHELL_ERROR, G_SHELL_ERROR_BAD_QUOTING);
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.start", NULL) &&
                  g_list_model_get_n_items (tasker_app_window_get_tasks (f->window)) > 0);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* The real executable: --help, and a command handed to the running
 * instance over D-Bus. */
static void
test_command_line (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("tasker-ui-XXXXXX", &error);
  g_autofree char *started = g_build_filename (data_dir, "started", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) primary = NULL;
  g_autoptr(GSubprocess) help = NULL;
  g_autoptr(GSubprocess) remote = NULL;
  g_autofree char *out = NULL;

  g_assert_no_error (error);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_dir, TRUE);

  help = g_subprocess_launcher_spawn (launcher, &error, TASKER_BIN, "--help", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (help, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (help));
  g_assert_nonnull (strstr (out, "-- COMMAND"));
  g_assert_nonnull (strstr (out, "--queue"));
  g_assert_nonnull (strstr (out, "--shell"));
  g_clear_pointer (&out, g_free);

  primary = g_subprocess_launcher_spawn (launcher, &error, TASKER_BIN, NULL);
  g_assert_no_error (error);
  g_assert_true (ui_test_wait (ui_test_bus_name_has_owner, (gpointer) TASKER_APP_ID, 30000));

  /* In the forwarding process's directory. */
  g_subprocess_launcher_set_cwd (launcher, data_dir);
  remote = g_subprocess_launcher_spawn (launcher, &error, TASKER_BIN, "--",
                                        "sh", "-c", "touch started; exec sleep 20", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (remote, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("remote said: %s", out);
  g_assert_true (g_subprocess_get_successful (remote));
  g_assert_nonnull (strstr (out, "Added task 1: sh -c 'touch started; exec sleep 20'"));

  /* The primary instance runs it; SIGTERM quits it cleanly (exit status
   * 0), and the command it was running is in its history, interrupted. */
  g_assert_true (ui_test_wait (ui_test_file_exists, started, 10000));
  g_subprocess_send_signal (primary, SIGTERM);
  g_subprocess_wait (primary, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (primary));
  g_assert_cmpint (g_subprocess_get_exit_status (primary), ==, 0);
  {
    g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
    g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
    g_autofree char *history = g_build_filename (data_dir, "tasker", "history.sqlite3", NULL);
    g_autoptr(TaskerHistoryRecord) record = NULL;
    GListModel *records = NULL;

    tasker_manager_set_history_path (manager, history);
    tasker_history_query_set_interrupted (query, TRUE);
    records = ui_test_query_history (manager, query);
    g_assert_cmpuint (g_list_model_get_n_items (records), ==, 1);
    record = g_list_model_get_item (records, 0);
    g_assert_cmpstr (tasker_history_record_get_description (record, "command"), ==,
                     "sh -c 'touch started; exec sleep 20'");
    g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_RUNNING);
    g_object_unref (records);
    tasker_manager_shutdown (manager, 1000);
  }
  ui_test_remove_dir (data_dir);
}

/* Runs @argv to its end: its exit status, what it wrote to stdout and stderr. */
static int
run_remote (GSubprocessLauncher  *launcher,
            const char * const   *argv,
            char                **out,
            char                **err)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) remote = g_subprocess_launcher_spawnv (launcher, argv, &error);

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (remote, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_test_message ("%s %s: exit %d, stdout “%s”, stderr “%s”", argv[0], argv[2], g_subprocess_get_exit_status (remote), *out, *err);
  g_assert_true (g_subprocess_get_if_exited (remote));
  return g_subprocess_get_exit_status (remote);
}

/* `tasker -- …` with a command that cannot start: the forwarding `tasker`
 * says why on stderr and exits with status 1, and nothing is added (the good
 * command after them is task 1). */
static void
test_command_line_bad_input (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("tasker-ui-XXXXXX", &error);
  g_autofree char *gone_dir = g_build_filename (data_dir, "gone", NULL);
  g_autofree char *gone_message = g_strdup_printf ("tasker: directory “%s” does not exist\n", gone_dir);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) primary = NULL;
  const struct {
    const char *argv[8];
    const char *message;
  } cases[] = {
    { { TASKER_BIN, "--", "", NULL }, "tasker: no command given\n" },
    { { TASKER_BIN, "--", "  ", "x", NULL }, "tasker: no command given\n" },
    { { TASKER_BIN, "--", "tasker-test-no-such-program", "1", NULL },
      "tasker: cannot run “tasker-test-no-such-program”: not found in PATH\n" },
    { { TASKER_BIN, "--", "./no-such-script", NULL },
      "tasker: cannot run “./no-such-script”: no such executable file\n" },
    /* its directory removed under it: getcwd() fails */
    { { "/bin/sh", "-c", "cd \"$1\" && export PWD && rmdir \"$1\" && exec \"$2\" -- true",
        "sh", gone_dir, TASKER_BIN, NULL }, gone_message },
  };

  g_assert_no_error (error);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_dir, TRUE);
  g_subprocess_launcher_set_cwd (launcher, data_dir);
  /* A failed assertion aborts this process: the primary must not outlive it. */
  g_subprocess_launcher_set_child_setup (launcher, ui_test_die_with_parent, NULL, NULL);

  primary = g_subprocess_launcher_spawn (launcher, &error, TASKER_BIN, NULL);
  g_assert_no_error (error);
  g_assert_true (ui_test_wait (ui_test_bus_name_has_owner, (gpointer) TASKER_APP_ID, 30000));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_assert_no_errno (g_mkdir_with_parents (gone_dir, 0700));
      g_assert_cmpint (run_remote (launcher, cases[i].argv, &out, &err), ==, 1);
      g_assert_cmpstr (err, ==, cases[i].message);
      g_assert_cmpstr (out, ==, "");
    }

  {
    const char *argv[] = { TASKER_BIN, "--", "true", NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_cmpint (run_remote (launcher, argv, &out, &err), ==, 0);
    g_assert_cmpstr (out, ==, "Added task 1: true\n");
  }

  g_subprocess_send_signal (primary, SIGTERM);
  g_subprocess_wait (primary, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (primary));
  ui_test_remove_dir (data_dir);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

#define ADD(path, func) g_test_add ("/Tasker/UI/" path, Fixture, NULL, fixture_set_up, func, ui_test_fixture_tear_down)
  ADD ("empty-state", test_empty_state);
  ADD ("add-task", test_add_task);
  ADD ("cancel-from-row", test_cancel_from_row);
  ADD ("details-log", test_details_log);
  ADD ("rerun-from-row", test_rerun_from_row);
  ADD ("history-rerun", test_history_rerun);
  ADD ("children-indented", test_children_indented);
  ADD ("burst-revealed-gradually", test_burst_revealed_gradually);
  ADD ("shortcuts-and-about", test_shortcuts_and_about);
  ADD ("bad-command-line", test_bad_command_line);
#undef ADD
  g_test_add_func ("/Tasker/UI/restart", test_restart);
  g_test_add_func ("/Tasker/UI/crash-while-requeued", test_crash_while_requeued);
  g_test_add_func ("/Tasker/UI/command-line", test_command_line);
  g_test_add_func ("/Tasker/UI/command-line-bad-input", test_command_line_bad_input);

  return g_test_run ();
}
