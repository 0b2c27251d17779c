/* test-history-view.c: TaskerAppHistoryView over a real manager and history
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "tasker-app-format.h"
#include "tasker-app-history-view.h"
#include "ui-test.h"

typedef struct
{
  TaskerManager *manager;
  char          *dir;
  char          *path;
} Fixture;

#define WAIT_UNTIL(cond) UI_TEST_WAIT_UNTIL (cond, 10)

static void
work_func (TaskerContext *context,
           gpointer       user_data)
{
  const char *message = user_data;

  if (message != NULL)
    tasker_context_set_message (context, message);
  if (message != NULL && g_str_has_prefix (message, "log "))
    tasker_context_log (context, message + 4);
  if (message != NULL && g_str_has_prefix (message, "fail"))
    tasker_context_return_new_error (context, G_IO_ERROR, G_IO_ERROR_FAILED, "it broke");
}

static void
submit (Fixture    *f,
        const char *name,
        const char *command,
        const char *message)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;

  tasker_task_options_set_name (options, name);
  if (command != NULL)
    tasker_task_options_set_description (options, "command", command);
  task = tasker_manager_run_thread (f->manager, NULL, options, work_func, (gpointer) message, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (task);
}

static void
settle (Fixture *f)
{
  g_assert_true (tasker_manager_wait_until_settled (f->manager, 10000));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("tasker-history-view-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "history.sqlite3", NULL);
  f->manager = tasker_manager_new (NULL);
  if (data == NULL)
    {
      tasker_manager_set_history_path (f->manager, f->path);
      /* The manager opens the history from its main context: tasks that
       * end before that are not recorded. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  tasker_manager_shutdown (f->manager, 2000);
  g_assert_finalize_object (f->manager);

  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static guint
n_records (TaskerAppHistoryView *view)
{
  return g_list_model_get_n_items (tasker_app_history_view_get_model (view));
}

static void
wait_loaded (TaskerAppHistoryView *view)
{
  WAIT_UNTIL (!tasker_app_history_view_is_loading (view));
}

static gpointer
child (TaskerAppHistoryView *view,
       const char           *name)
{
  return ui_test_template_child (GTK_WIDGET (view), TASKER_APP_TYPE_HISTORY_VIEW, name);
}

static const char *
visible_page (TaskerAppHistoryView *view)
{
  return gtk_stack_get_visible_child_name (child (view, "stack"));
}

/* A view in a window, mapped: it reads the history by itself. */
static GtkWindow *
show_view (TaskerAppHistoryView *view)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, 800, 600);
  gtk_window_set_child (window, GTK_WIDGET (view));
  gtk_window_present (window);
  WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (view)));
  return window;
}

static void
destroy_window (GtkWindow *window)
{
  g_object_ref (window);
  gtk_window_destroy (window);
  g_assert_finalize_object (window);
}

static void
test_format_duration (void)
{
  static const struct { gint64 us; const char *text; } cases[] = {
    { -5, "0 ms" },
    { 350 * 1000, "350 ms" },
    { (gint64) 42 * G_USEC_PER_SEC, "42 s" },
    { (gint64) 65 * G_USEC_PER_SEC, "1 min 5 s" },
    { (gint64) (2 * 3600 + 3 * 60 + 7) * G_USEC_PER_SEC, "2 h 3 min" },
    { (gint64) (3 * 86400 + 4 * 3600) * G_USEC_PER_SEC, "3 d 4 h" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = tasker_app_format_duration_long (cases[i].us);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_filter (Fixture       *f,
             gconstpointer  data)
{
  TaskerAppHistoryView *view;
  GtkWindow *window;

  for (guint i = 0; i < 5; i++)
    submit (f, "copy", "cp a b", i == 0 ? "found the needle" : "ok");
  submit (f, "broken", "false", "fail 1");
  submit (f, "broken", "false", "fail 2");
  settle (f);

  view = TASKER_APP_HISTORY_VIEW (tasker_app_history_view_new (f->manager));
  window = show_view (view);
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 7);
  g_assert_cmpstr (visible_page (view), ==, "list");

  gtk_drop_down_set_selected (child (view, "status_dropdown"), 2);  /* Failed */
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (tasker_app_history_view_get_model (view), i);

      g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_FAILED);
    }

  gtk_drop_down_set_selected (child (view, "status_dropdown"), 3);  /* Cancelled */
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 0);
  g_assert_cmpstr (visible_page (view), ==, "empty");

  gtk_drop_down_set_selected (child (view, "status_dropdown"), 0);  /* All */
  gtk_editable_set_text (child (view, "search_entry"), "NEEDLE");
  /* search-changed is debounced: wait for the query it starts */
  WAIT_UNTIL (n_records (view) == 1 && !tasker_app_history_view_is_loading (view));

  gtk_editable_set_text (child (view, "search_entry"), "no such text");
  WAIT_UNTIL (n_records (view) == 0 && !tasker_app_history_view_is_loading (view));
  g_assert_cmpstr (visible_page (view), ==, "empty");

  destroy_window (window);
}

static void
until_cancelled_func (TaskerContext *context,
                      gpointer       user_data)
{
  while (!tasker_context_is_cancelled (context))
    g_usleep (1000);
}

/* A durable command that a shutdown interrupted shows as Interrupted, and
 * the Interrupted filter finds only such records. */
static void
test_interrupted (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TaskerAppHistoryView *view;
  GtkWindow *window;

  submit (f, "copy", "cp a b", "ok");
  tasker_task_options_set_name (options, "long");
  tasker_task_options_set_description (options, "command", "sleep 100");
  tasker_task_options_set_durable (options, TRUE);
  task = tasker_manager_run_thread (f->manager, NULL, options, until_cancelled_func, NULL, NULL, &error);
  g_assert_no_error (error);
  WAIT_UNTIL (tasker_task_get_status (task) == TASKER_TASK_STATUS_RUNNING);
  tasker_manager_shutdown (f->manager, 2000);
  g_clear_object (&task);
  g_assert_finalize_object (f->manager);

  f->manager = tasker_manager_new (NULL);
  tasker_manager_set_history_path (f->manager, f->path);
  view = TASKER_APP_HISTORY_VIEW (tasker_app_history_view_new (f->manager));
  window = show_view (view);
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 2);
  WAIT_UNTIL (ui_test_find_label (GTK_WIDGET (view), "Interrupted") != NULL);

  gtk_drop_down_set_selected (child (view, "status_dropdown"), 4);  /* Interrupted */
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 1);
  {
    g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (tasker_app_history_view_get_model (view), 0);

    g_assert_cmpstr (tasker_history_record_get_name (record), ==, "long");
    g_assert_true (tasker_history_record_get_interrupted (record));
    g_assert_cmpint (tasker_history_record_get_status (record), ==, TASKER_TASK_STATUS_RUNNING);
  }

  destroy_window (window);
}

static void
test_paging (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(TaskerAppHistoryView) view = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);

  for (guint i = 0; i < 120; i++)
    submit (f, "step", "true", NULL);
  settle (f);

  view = g_object_ref_sink (TASKER_APP_HISTORY_VIEW (tasker_app_history_view_new (f->manager)));
  tasker_app_history_view_refresh (view);
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 50);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "history.load-more", NULL));
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 100);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "history.load-more", NULL));
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 120);
  /* The last page was short: nothing more to load. */
  g_assert_false (gtk_widget_get_visible (child (view, "load_more_button")));

  /* Every task once, newest first. */
  for (guint i = 0; i < 120; i++)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (tasker_app_history_view_get_model (view), i);
      guint64 id = tasker_history_record_get_task_id (record);

      g_assert_false (g_hash_table_contains (seen, GSIZE_TO_POINTER (id)));
      g_hash_table_add (seen, GSIZE_TO_POINTER (id));
      if (i > 0)
        {
          g_autoptr(TaskerHistoryRecord) previous = g_list_model_get_item (tasker_app_history_view_get_model (view), i - 1);

          g_assert_cmpint (tasker_history_record_get_finished_time (previous), >=,
                           tasker_history_record_get_finished_time (record));
        }
    }

  /* A refresh keeps what is shown. */
  tasker_app_history_view_refresh (view);
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 120);
}

static void
test_refresh_on_finish (Fixture       *f,
                        gconstpointer  data)
{
  TaskerAppHistoryView *view;
  GtkWindow *window;

  submit (f, "first", "echo 1", NULL);
  settle (f);

  view = TASKER_APP_HISTORY_VIEW (tasker_app_history_view_new (f->manager));
  window = show_view (view);
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 1);

  /* One after the other: two pool threads would end them in any order. */
  submit (f, "second", "echo 2", NULL);
  settle (f);
  submit (f, "third", "echo 3", NULL);
  settle (f);
  /* Throttled to once a second, never missed. */
  WAIT_UNTIL (n_records (view) == 3 && !tasker_app_history_view_is_loading (view));
  {
    g_autoptr(TaskerHistoryRecord) newest = g_list_model_get_item (tasker_app_history_view_get_model (view), 0);

    g_assert_cmpstr (tasker_history_record_get_name (newest), ==, "third");
  }

  destroy_window (window);
}

static void
find_buttons (GtkWidget  *widget,
              const char *tooltip,
              GPtrArray  *found)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0)
    g_ptr_array_add (found, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    find_buttons (c, tooltip, found);
}

static void
rerun_cb (TaskerAppHistoryView  *view,
          TaskerHistoryRecord   *record,
          TaskerHistoryRecord  **out)
{
  g_set_object (out, record);
}

static void
test_rerun (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  g_autoptr(TaskerHistoryRecord) rerun = NULL;
  TaskerAppHistoryView *view;
  GtkWindow *window;

  submit (f, "backup", "rsync -a src dst", NULL);
  settle (f);

  view = TASKER_APP_HISTORY_VIEW (tasker_app_history_view_new (f->manager));
  g_signal_connect (view, "rerun", G_CALLBACK (rerun_cb), &rerun);
  window = show_view (view);
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 1);

  /* Let the list view lay out its rows. */
  WAIT_UNTIL ((g_ptr_array_set_size (buttons, 0), find_buttons (GTK_WIDGET (view), "Run Again", buttons),
               buttons->len == 1));
  g_assert_true (gtk_widget_get_sensitive (g_ptr_array_index (buttons, 0)));
  g_signal_emit_by_name (g_ptr_array_index (buttons, 0), "clicked");
  g_assert_nonnull (rerun);
  g_assert_cmpstr (tasker_history_record_get_name (rerun), ==, "backup");
  g_assert_cmpstr (tasker_history_record_get_description (rerun, "command"), ==, "rsync -a src dst");

  destroy_window (window);
}

static void
test_details (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  g_autoptr(TaskerHistoryRecord) rerun = NULL;
  TaskerAppHistoryView *view;
  GtkWindow *window;
  GtkWindow *details = NULL;
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  submit (f, "echo", "echo <b>hi</b> & bye", "log hello from the log");
  settle (f);

  view = TASKER_APP_HISTORY_VIEW (tasker_app_history_view_new (f->manager));
  g_signal_connect (view, "rerun", G_CALLBACK (rerun_cb), &rerun);
  window = show_view (view);
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 1);

  g_signal_emit_by_name (child (view, "list_view"), "activate", 0);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (toplevel != window)
        details = toplevel;
    }
  g_assert_nonnull (details);
  g_assert_true (gtk_window_get_transient_for (details) == window);
  g_assert_cmpstr (gtk_window_get_title (details), ==, "echo");

  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ui_test_find_of_type (GTK_WIDGET (details), GTK_TYPE_TEXT_VIEW)));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_assert_nonnull (strstr (text, "hello from the log"));

  /* Run Again from the details: the signal, and the window closes. */
  find_buttons (GTK_WIDGET (details), NULL, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (g_ptr_array_index (buttons, i)), "_Run Again") == 0)
      {
        g_signal_emit_by_name (g_ptr_array_index (buttons, i), "clicked");
        break;
      }
  g_assert_nonnull (rerun);
  g_assert_cmpstr (tasker_history_record_get_description (rerun, "command"), ==, "echo <b>hi</b> & bye");
  g_assert_cmpuint (g_list_model_get_n_items (toplevels), ==, 1);

  destroy_window (window);
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window))
        return ADW_MESSAGE_DIALOG (window);
    }

  return NULL;
}

static void
test_clear (Fixture       *f,
            gconstpointer  data)
{
  TaskerAppHistoryView *view;
  AdwMessageDialog *dialog;
  GtkWindow *window;

  submit (f, "one", "true", NULL);
  submit (f, "two", "true", NULL);
  settle (f);

  view = TASKER_APP_HISTORY_VIEW (tasker_app_history_view_new (f->manager));
  window = show_view (view);
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 2);

  /* Cancelling the confirmation keeps everything. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "history.clear", NULL));
  WAIT_UNTIL ((dialog = find_dialog ()) != NULL);
  /* (the buttons also close the dialog; response() alone does not) */
  adw_message_dialog_response (dialog, "cancel");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_null (find_dialog ());
  tasker_app_history_view_refresh (view);
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 2);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "history.clear", NULL));
  WAIT_UNTIL ((dialog = find_dialog ()) != NULL);
  adw_message_dialog_response (dialog, "clear");
  gtk_window_destroy (GTK_WINDOW (dialog));
  WAIT_UNTIL (n_records (view) == 0 && !tasker_app_history_view_is_loading (view)
              && g_strcmp0 (visible_page (view), "empty") == 0);
  /* The history itself is empty, not just the view. */
  tasker_app_history_view_refresh (view);
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 0);

  destroy_window (window);
}

static void
test_history_off (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(TaskerAppHistoryView) view = g_object_ref_sink (TASKER_APP_HISTORY_VIEW (tasker_app_history_view_new (f->manager)));

  tasker_app_history_view_refresh (view);
  wait_loaded (view);
  g_assert_cmpuint (n_records (view), ==, 0);
  g_assert_cmpstr (visible_page (view), ==, "error");
}

static void
test_no_manager (void)
{
  TaskerAppHistoryView *view = g_object_ref_sink (TASKER_APP_HISTORY_VIEW (tasker_app_history_view_new (NULL)));

  g_assert_null (tasker_app_history_view_get_manager (view));
  tasker_app_history_view_refresh (view);
  g_assert_false (tasker_app_history_view_is_loading (view));
  g_assert_finalize_object (view);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LC_ALL", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/Tasker/HistoryView/format-duration", test_format_duration);
  g_test_add_func ("/Tasker/HistoryView/no-manager", test_no_manager);
  g_test_add ("/Tasker/HistoryView/filter", Fixture, NULL, fixture_setup, test_filter, fixture_teardown);
  g_test_add ("/Tasker/HistoryView/paging", Fixture, NULL, fixture_setup, test_paging, fixture_teardown);
  g_test_add ("/Tasker/HistoryView/refresh-on-finish", Fixture, NULL,
              fixture_setup, test_refresh_on_finish, fixture_teardown);
  g_test_add ("/Tasker/HistoryView/rerun", Fixture, NULL, fixture_setup, test_rerun, fixture_teardown);
  g_test_add ("/Tasker/HistoryView/interrupted", Fixture, NULL, fixture_setup, test_interrupted, fixture_teardown);
  g_test_add ("/Tasker/HistoryView/details", Fixture, NULL, fixture_setup, test_details, fixture_teardown);
  g_test_add ("/Tasker/HistoryView/clear", Fixture, NULL, fixture_setup, test_clear, fixture_teardown);
  g_test_add ("/Tasker/HistoryView/history-off", Fixture, "off",
              fixture_setup, test_history_off, fixture_teardown);

  return g_test_run ();
}
