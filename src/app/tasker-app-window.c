/* tasker-app-window.c: the main window
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tasker-app-history-view.h"
#include "tasker-app-interrupted-row.h"
#include "tasker-app-schedules-view.h"
#include "tasker-app-task-tree.h"
#include "tasker-app-window.h"

/* TaskerAppWindow: the tasks page (the list, the commands interrupted by the
 * last quit, the details pane) and the history page, with the overall
 * progress in the header bar.
 *
 * The list shows a TaskerAppTaskTree (tree): every task the manager's live
 * model ever showed (and those that ended between two deliveries), until
 * Clear Finished, less the children of collapsed parents; the view has the
 * slice of it described at reveal_more() (shown). Rows are recycled by the GtkListView, so only the
 * visible ones follow their task (and the clock, TaskerAppClock); the window
 * keeps the rows bound at the moment (rows) to update their expanders.
 * Main thread only. */

struct _TaskerAppWindow
{
  AdwApplicationWindow  parent_instance;

  TaskerManager        *manager;        /* (owned) */
  TaskerAppPending        *pending;        /* (owned) */
  GListModel           *live;           /* (owned) the manager's unfinished tasks */
  TaskerAppTaskTree    *tree;           /* (owned) the tasks listed, less collapsed subtrees */
  GtkSliceListModel    *shown;          /* (owned) the prefix of tree the view has */
  GtkSingleSelection   *selection;      /* (owned) */
  guint                 reveal_id;
  GtkWidget            *history_view;   /* (unowned) the history page */
  GtkWidget            *schedules_view; /* (unowned) (nullable) the schedules page */
  GHashTable           *rows;           /* (owned) TaskerAppTaskRow (owned) bound to a task */

  /* template children */
  AdwViewStack         *view_stack;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *tasks_stack;
  GtkListView          *list_view;
  GtkWidget            *details_pane;
  TaskerAppTaskDetails    *details;
  GtkWidget            *interrupted_group;
  GtkListBox           *interrupted_list;
  GtkWidget            *busy_box;
  GtkLabel             *progress_label;
  GtkProgressBar       *overall_bar;
};

G_DEFINE_FINAL_TYPE (TaskerAppWindow, tasker_app_window, ADW_TYPE_APPLICATION_WINDOW)

static TaskerAppApplication *
get_app (TaskerAppWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return TASKER_APP_IS_APPLICATION (app) ? TASKER_APP_APPLICATION (app) : NULL;
}

/* GtkListView 4.8 makes about 200 rows as soon as its model has that many
 * items, and each row costs over a millisecond to build and lay out: a burst
 * of 10,000 tasks would freeze the window for a quarter of a second. So the
 * view sees a prefix of the list (shown) that grows by REVEAL_STEP items per
 * main-loop iteration until it is long enough for every row the view will
 * ever make; from then on, new tasks show at once.
 *
 * Once everything shows, the slice stays REVEAL_STEP items longer than the
 * list: a child inserted before the end must not push the last task out of
 * the slice, which would drop it from the selection. */
#define REVEAL_STEP     4
#define REVEAL_ALL_FROM 256

static gboolean reveal_cb (gpointer user_data);

static void
reveal_more (TaskerAppWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->tree));
  guint size = gtk_slice_list_model_get_size (self->shown);

  if (size >= n || size >= REVEAL_ALL_FROM || size + REVEAL_STEP >= n)
    size = n + REVEAL_STEP;
  else
    size += REVEAL_STEP;
  if (size != gtk_slice_list_model_get_size (self->shown))
    gtk_slice_list_model_set_size (self->shown, size);
  if (size < n && self->reveal_id == 0)
    self->reveal_id = g_idle_add (reveal_cb, self);
}

static gboolean
reveal_cb (gpointer user_data)
{
  TaskerAppWindow *self = user_data;

  self->reveal_id = 0;
  reveal_more (self);
  return G_SOURCE_REMOVE;
}

/* Children coming back at once push no row out of the slice
 * (reveal_more() trims it afterwards). */
static void
reveal_all (TaskerAppWindow *self)
{
  gtk_slice_list_model_set_size (self->shown, G_MAXUINT);
}

static void
update_empty_state (TaskerAppWindow *self)
{
  guint n_tasks = g_list_model_get_n_items (tasker_app_task_tree_get_all (self->tree));
  guint n_interrupted = g_list_model_get_n_items (tasker_app_pending_get_interrupted (self->pending));

  gtk_stack_set_visible_child_name (self->tasks_stack, n_tasks + n_interrupted > 0 ? "tasks" : "empty");
  gtk_widget_set_visible (self->interrupted_group, n_interrupted > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.clear-finished", n_tasks > 0);
}

static void
set_row_expander (TaskerAppWindow  *self,
                  TaskerAppTaskRow *row,
                  TaskerTask       *task)
{
  tasker_app_task_row_set_expander (row, tasker_app_task_tree_has_parents (self->tree),
                                    tasker_app_task_tree_is_parent (self->tree, task),
                                    tasker_app_task_tree_get_expanded (self->tree, task));
}

static void
update_expanders (TaskerAppWindow *self)
{
  GHashTableIter iter;
  gpointer row;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &row, NULL))
    set_row_expander (self, row, tasker_app_task_row_get_task (row));
}

/* Removals are tasks that ended: they stay listed. Additions may repeat
 * tasks the live model only moved; add_tasks() skips those. */
static void
live_items_changed_cb (TaskerAppWindow *self,
                       guint            position,
                       guint            removed,
                       guint            added,
                       GListModel      *live)
{
  if (added > 0)
    {
      tasker_app_task_tree_add (self->tree, live, position, added);
      update_empty_state (self);
    }
}

/* A task that starts and ends between two deliveries never shows in the
 * live model; the manager's task-finished signal still sees it. */
static void
task_finished_cb (TaskerAppWindow *self,
                  TaskerTask      *task)
{
  g_autoptr(GListStore) one = NULL;

  if (tasker_app_task_tree_contains (self->tree, task))
    return;
  one = g_list_store_new (TASKER_TYPE_TASK);
  g_list_store_append (one, task);
  tasker_app_task_tree_add (self->tree, G_LIST_MODEL (one), 0, 1);
  update_empty_state (self);
}

static void
tasks_updated_cb (TaskerAppWindow *self,
                  GListModel      *tasks,
                  double           progress)
{
  guint n = g_list_model_get_n_items (tasks);
  g_autofree char *text = NULL;

  /* A delivery may bring the same figures (another task's message changed):
   * only what changed is set, since GtkProgressBar relayouts (and so
   * redraws) on every set_fraction(), even to the same value. No spinner
   * here: it would animate as long as anything runs. */
  gtk_widget_set_visible (self->busy_box, n > 0);
  if (n == 0)
    return;

  /* Translators: unfinished tasks and the overall progress in percent, e.g. "3 tasks · 42 %" */
  text = g_strdup_printf (ngettext ("%u task · %d %%", "%u tasks · %d %%", n), n, (int) (progress * 100.0));
  if (g_strcmp0 (gtk_label_get_label (self->progress_label), text) != 0)
    gtk_label_set_label (self->progress_label, text);
  if (gtk_progress_bar_get_fraction (self->overall_bar) != CLAMP (progress, 0.0, 1.0))
    gtk_progress_bar_set_fraction (self->overall_bar, progress);
}

static void
setup_row_cb (TaskerAppWindow          *self,
              GtkListItem              *item,
              GtkSignalListItemFactory *factory)
{
  GtkWidget *row = tasker_app_task_row_new ();

  gtk_list_item_set_child (item, row);
}

static void
bind_row_cb (TaskerAppWindow          *self,
             GtkListItem              *item,
             GtkSignalListItemFactory *factory)
{
  TaskerAppTaskRow *row = TASKER_APP_TASK_ROW (gtk_list_item_get_child (item));
  TaskerTask *task = gtk_list_item_get_item (item);

  tasker_app_task_row_set_task (row, task);
  tasker_app_task_row_set_depth (row, tasker_app_task_tree_get_depth (task));
  set_row_expander (self, row, task);
  g_hash_table_add (self->rows, g_object_ref (row));
}

static void
unbind_row_cb (TaskerAppWindow          *self,
               GtkListItem              *item,
               GtkSignalListItemFactory *factory)
{
  TaskerAppTaskRow *row = TASKER_APP_TASK_ROW (gtk_list_item_get_child (item));

  g_hash_table_remove (self->rows, row);
  tasker_app_task_row_set_task (row, NULL);
}

static void
selection_changed_cb (TaskerAppWindow *self)
{
  TaskerTask *task = gtk_single_selection_get_selected_item (self->selection);

  tasker_app_task_details_set_task (self->details, task);
  gtk_widget_set_visible (self->details_pane, task != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-selected", task != NULL);
}

/* Runs @command through the application, and says so when it cannot. */
gboolean
tasker_app_window_rerun (TaskerAppWindow  *self,
                         TaskerAppCommand *command)
{
  return tasker_app_window_rerun_task (self, command, NULL);
}

/* Runs @command again in place of @old_task (nullable), which failed or was
 * cancelled: what waited for @old_task and failed because of it waits for
 * the new task (tasker_manager_rearm_dependants()). */
gboolean
tasker_app_window_rerun_task (TaskerAppWindow  *self,
                              TaskerAppCommand *command,
                              TaskerTask       *old_task)
{
  TaskerAppApplication *app = get_app (self);
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (TASKER_APP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (command), FALSE);
  g_return_val_if_fail (old_task == NULL || TASKER_IS_TASK (old_task), FALSE);

  if (app != NULL)
    task = tasker_app_application_run_command (app, command, &error);
  else
    task = tasker_app_command_run (command, self->manager, &error);

  if (task == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot start “%s”: %s"),
                                               tasker_app_command_get_command_line (command),
                                               error->message);
      tasker_app_window_show_toast (self, text);
      return FALSE;
    }

  if (old_task != NULL && tasker_task_is_final (old_task) &&
      tasker_task_get_status (old_task) != TASKER_TASK_STATUS_COMPLETED)
    {
      g_autoptr(GPtrArray) rearmed = tasker_manager_rearm_dependants (self->manager, old_task, task, &error);

      if (rearmed == NULL)
        g_message ("What waited for task %" G_GUINT64_FORMAT " is not re-armed: %s",
                   tasker_task_get_id (old_task), error->message);
    }

  return TRUE;
}

static void
new_task_start_cb (TaskerAppWindow  *self,
                   TaskerAppCommand *command)
{
  tasker_app_window_show_page (self, "tasks");
  tasker_app_window_rerun (self, command);
}

/* New Task with Repeat: a schedule, not a task. */
static void
new_task_schedule_cb (TaskerAppWindow     *self,
                      const char          *spec,
                      TaskerOverlapPolicy  overlap_policy,
                      TaskerCatchUpPolicy  catch_up_policy,
                      TaskerAppCommand    *command)
{
  TaskerAppApplication *app = get_app (self);
  TaskerAppSchedules *schedules = app != NULL ? tasker_app_application_get_schedules (app) : NULL;
  g_autoptr(GError) error = NULL;
  TaskerSchedule *schedule;

  if (schedules == NULL)
    return;
  tasker_app_window_show_page (self, "schedules");
  schedule = tasker_app_schedules_add (schedules, spec, command, &error);
  if (schedule != NULL)
    {
      tasker_schedule_set_overlap_policy (schedule, overlap_policy);
      tasker_schedule_set_catch_up_policy (schedule, catch_up_policy);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_("Cannot schedule “%s”: %s"),
                                               tasker_app_command_get_command_line (command),
                                               error->message);
      tasker_app_window_show_toast (self, text);
    }
}

static void
new_task_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TaskerAppNewTaskDialog *dialog = tasker_app_window_open_new_task_dialog (TASKER_APP_WINDOW (widget));

  gtk_window_present (GTK_WINDOW (dialog));
}

static void
cancel_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TaskerAppWindow *self = TASKER_APP_WINDOW (widget);
  TaskerTask *task = gtk_single_selection_get_selected_item (self->selection);

  if (task != NULL)
    tasker_task_cancel (task);
}

static void
clear_finished_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TaskerAppWindow *self = TASKER_APP_WINDOW (widget);

  tasker_app_task_tree_clear_finished (self->tree);
  update_empty_state (self);
}

/* The task actions (task.cancel, task.rerun, task.toggle-children), one
 * group for every widget that acts on a listed task: the rows and the
 * details pane set the task's id as their buttons' target. */

static void
task_cancel_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TaskerAppWindow *self = TASKER_APP_WINDOW (widget);
  TaskerTask *task = tasker_app_task_tree_lookup (self->tree, g_variant_get_uint64 (parameter));

  if (task != NULL)
    tasker_task_cancel (task);
}

static void
task_rerun_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TaskerAppWindow *self = TASKER_APP_WINDOW (widget);
  guint64 id = g_variant_get_uint64 (parameter);
  TaskerTask *task = tasker_app_task_tree_lookup (self->tree, id);
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autoptr(GError) error = NULL;

  if (task == NULL)
    return;

  command = tasker_app_command_new_from_task (task, &error);
  if (command == NULL)
    tasker_app_window_show_toast (self, error->message);
  else
    tasker_app_window_rerun_task (self, command, task);
}

static void
task_toggle_children_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  TaskerAppWindow *self = TASKER_APP_WINDOW (widget);
  guint64 id = g_variant_get_uint64 (parameter);
  TaskerTask *task = tasker_app_task_tree_lookup (self->tree, id);

  if (task != NULL)
    tasker_app_task_tree_set_expanded (self->tree, task, !tasker_app_task_tree_get_expanded (self->tree, task));
}

static void
search_history_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TaskerAppWindow *self = TASKER_APP_WINDOW (widget);

  tasker_app_window_show_page (self, "history");
  if (self->history_view != NULL)
    gtk_widget_grab_focus (self->history_view);
}

static void
history_rerun_cb (TaskerAppWindow     *self,
                  TaskerHistoryRecord *record)
{
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  TaskerTask *old_task;

  command = tasker_app_command_new_from_record (record, &error);
  if (command == NULL)
    {
      tasker_app_window_show_toast (self, error->message);
      return;
    }
  /* The record's task, if this window still lists it (an id is unique in
   * one run only: its end time tells). */
  old_task = tasker_app_task_tree_lookup (self->tree, tasker_history_record_get_task_id (record));
  if (old_task != NULL &&
      tasker_task_get_finished_time (old_task) != tasker_history_record_get_finished_time (record))
    old_task = NULL;
  if (tasker_app_window_rerun_task (self, command, old_task))
    {
      tasker_app_pending_dismiss_record (self->pending, record);
      tasker_app_window_show_page (self, "tasks");
    }
}

static void
interrupted_rerun_cb (TaskerAppWindow         *self,
                      TaskerAppInterruptedRow *row)
{
  TaskerAppCommand *command = tasker_app_interrupted_row_get_command (row);

  if (tasker_app_window_rerun (self, command))
    tasker_app_pending_dismiss (self->pending, command);
}

static void
interrupted_dismiss_cb (TaskerAppWindow         *self,
                        TaskerAppInterruptedRow *row)
{
  tasker_app_pending_dismiss (self->pending, tasker_app_interrupted_row_get_command (row));
}

static GtkWidget *
create_interrupted_row (gpointer item,
                        gpointer user_data)
{
  TaskerAppWindow *self = user_data;
  GtkWidget *row = tasker_app_interrupted_row_new (item);

  g_signal_connect_object (row, "rerun", G_CALLBACK (interrupted_rerun_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "dismiss", G_CALLBACK (interrupted_dismiss_cb), self, G_CONNECT_SWAPPED);

  return row;
}

static void
add_history_page (TaskerAppWindow *self)
{
  AdwViewStackPage *page;

  g_type_ensure (TASKER_APP_TYPE_HISTORY_VIEW);
  self->history_view = GTK_WIDGET (tasker_app_history_view_new (self->manager));
  g_signal_connect_object (self->history_view, "rerun", G_CALLBACK (history_rerun_cb),
                           self, G_CONNECT_SWAPPED);

  page = adw_view_stack_add_titled (self->view_stack, self->history_view, "history", _("History"));
  adw_view_stack_page_set_icon_name (page, "document-open-recent-symbolic");
}

static void
add_schedules_page (TaskerAppWindow    *self,
                    TaskerAppSchedules *schedules)
{
  AdwViewStackPage *page;

  if (schedules == NULL)
    return;
  self->schedules_view = GTK_WIDGET (tasker_app_schedules_view_new (schedules));
  page = adw_view_stack_add_titled (self->view_stack, self->schedules_view, "schedules", _("Schedules"));
  adw_view_stack_page_set_icon_name (page, "alarm-symbolic");
}

static void
save_window_state (TaskerAppWindow *self)
{
  TaskerAppApplication *app = get_app (self);
  GSettings *settings = app != NULL ? tasker_app_application_get_settings (app) : NULL;
  int width, height;

  if (settings == NULL)
    return;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
tasker_app_window_close_request (GtkWindow *window)
{
  TaskerAppApplication *app = get_app (TASKER_APP_WINDOW (window));

  save_window_state (TASKER_APP_WINDOW (window));

  /* Tasks still running or waiting: the application goes on without the
   * window, which it only hides (see tasker-app-application.c). */
  if (app != NULL && tasker_app_application_close_to_background (app, window))
    return TRUE;

  return GTK_WINDOW_CLASS (tasker_app_window_parent_class)->close_request (window);
}

/* Needs the application, which GObject sets after constructed(). */
static void
setup (TaskerAppWindow      *self,
       TaskerAppApplication *app)
{
  GSettings *settings;

  self->manager = g_object_ref (tasker_app_application_get_manager (app));
  self->pending = g_object_ref (tasker_app_application_get_pending (app));

  settings = tasker_app_application_get_settings (app);
  if (settings != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (settings, "window-width"),
                                   g_settings_get_int (settings, "window-height"));
      if (g_settings_get_boolean (settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }

  /* The tasks already running (queued again from the history, or submitted
   * before this window opened) first, then whatever the manager adds. */
  self->live = tasker_manager_list_tasks (self->manager);
  g_signal_connect_object (self->live, "items-changed", G_CALLBACK (live_items_changed_cb),
                           self, G_CONNECT_SWAPPED);
  live_items_changed_cb (self, 0, 0, g_list_model_get_n_items (self->live), self->live);
  g_signal_connect_object (self->manager, "task-finished", G_CALLBACK (task_finished_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "tasks-updated", G_CALLBACK (tasks_updated_cb),
                           self, G_CONNECT_SWAPPED);
  tasks_updated_cb (self, self->live, tasker_manager_get_overall_progress (self->manager));

  gtk_list_box_bind_model (self->interrupted_list, tasker_app_pending_get_interrupted (self->pending),
                           create_interrupted_row, self, NULL);
  g_signal_connect_object (tasker_app_pending_get_interrupted (self->pending), "items-changed",
                           G_CALLBACK (update_empty_state), self, G_CONNECT_SWAPPED);

  add_history_page (self);
  add_schedules_page (self, tasker_app_application_get_schedules (app));
  update_empty_state (self);
}

static void
tasker_app_window_dispose (GObject *object)
{
  TaskerAppWindow *self = (TaskerAppWindow *) object;

  if (self->rows != NULL)
    g_hash_table_remove_all (self->rows);
  g_clear_handle_id (&self->reveal_id, g_source_remove);
  if (self->interrupted_list != NULL)
    gtk_list_box_bind_model (self->interrupted_list, NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), TASKER_APP_TYPE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->shown);
  g_clear_object (&self->tree);
  g_clear_object (&self->live);
  g_clear_object (&self->manager);
  g_clear_object (&self->pending);

  G_OBJECT_CLASS (tasker_app_window_parent_class)->dispose (object);
}

static void
tasker_app_window_finalize (GObject *object)
{
  TaskerAppWindow *self = (TaskerAppWindow *) object;

  g_clear_pointer (&self->rows, g_hash_table_unref);

  G_OBJECT_CLASS (tasker_app_window_parent_class)->finalize (object);
}

static void
tasker_app_window_class_init (TaskerAppWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = tasker_app_window_dispose;
  object_class->finalize = tasker_app_window_finalize;
  window_class->close_request = tasker_app_window_close_request;

  g_type_ensure (TASKER_APP_TYPE_TASK_DETAILS);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tasker/Tasker/tasker-app-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TaskerAppWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppWindow, tasks_stack);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppWindow, details_pane);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppWindow, details);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppWindow, interrupted_group);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppWindow, interrupted_list);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppWindow, busy_box);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppWindow, overall_bar);

  gtk_widget_class_install_action (widget_class, "win.new-task", NULL, new_task_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-selected", NULL, cancel_selected_action);
  gtk_widget_class_install_action (widget_class, "win.clear-finished", NULL, clear_finished_action);
  gtk_widget_class_install_action (widget_class, "win.search-history", NULL, search_history_action);
  gtk_widget_class_install_action (widget_class, "task.cancel", "t", task_cancel_action);
  gtk_widget_class_install_action (widget_class, "task.rerun", "t", task_rerun_action);
  gtk_widget_class_install_action (widget_class, "task.toggle-children", "t", task_toggle_children_action);
}

static void
tasker_app_window_init (TaskerAppWindow *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->tree = tasker_app_task_tree_new ();
  g_signal_connect_object (self->tree, "expanders-changed", G_CALLBACK (update_expanders),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tree, "revealing", G_CALLBACK (reveal_all), self, G_CONNECT_SWAPPED);
  self->shown = gtk_slice_list_model_new (G_LIST_MODEL (g_object_ref (self->tree)), 0, 0);
  g_signal_connect_object (self->tree, "items-changed", G_CALLBACK (reveal_more), self, G_CONNECT_SWAPPED);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->shown)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect_object (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb),
                           self, G_CONNECT_SWAPPED);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect_object (factory, "setup", G_CALLBACK (setup_row_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_row_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_row_cb), self, G_CONNECT_SWAPPED);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  selection_changed_cb (self);
}

TaskerAppWindow *
tasker_app_window_new (TaskerAppApplication *application)
{
  TaskerAppWindow *self;

  g_return_val_if_fail (TASKER_APP_IS_APPLICATION (application), NULL);

  self = g_object_new (TASKER_APP_TYPE_WINDOW, "application", application, NULL);
  setup (self, application);

  return self;
}

/* (element-type TaskerTask) the tasks listed, in display order. */
GListModel *
tasker_app_window_get_tasks (TaskerAppWindow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_WINDOW (self), NULL);
  return tasker_app_task_tree_get_all (self->tree);
}

/* The row showing @task, if it is on screen (rows exist only for what is
 * visible, give or take a few). */
TaskerAppTaskRow *
tasker_app_window_find_row (TaskerAppWindow *self,
                            TaskerTask      *task)
{
  GHashTableIter iter;
  gpointer row;

  g_return_val_if_fail (TASKER_APP_IS_WINDOW (self), NULL);

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &row, NULL))
    if (tasker_app_task_row_get_task (row) == task)
      return row;
  return NULL;
}

void
tasker_app_window_select_task (TaskerAppWindow *self,
                               TaskerTask      *task)
{
  guint position;

  g_return_if_fail (TASKER_APP_IS_WINDOW (self));

  /* Its ancestors show their children, so it is visible. */
  if (task != NULL && tasker_app_task_tree_contains (self->tree, task))
    for (TaskerTask *parent = tasker_task_get_parent (task); parent != NULL; parent = tasker_task_get_parent (parent))
      tasker_app_task_tree_set_expanded (self->tree, parent, TRUE);

  if (task != NULL && tasker_app_task_tree_find (self->tree, task, &position))
    {
      if (position >= gtk_slice_list_model_get_size (self->shown))
        {
          gtk_slice_list_model_set_size (self->shown, position + 1);
          reveal_more (self);
        }
      gtk_single_selection_set_selected (self->selection, position);
      gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
    }
  else
    gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

TaskerAppTaskDetails *
tasker_app_window_get_details (TaskerAppWindow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_WINDOW (self), NULL);
  return self->details;
}

/* Opens (without presenting) a New Task dialog whose Start runs the command
 * through this window. */
TaskerAppNewTaskDialog *
tasker_app_window_open_new_task_dialog (TaskerAppWindow *self)
{
  TaskerAppApplication *app;
  g_auto(GStrv) queues = NULL;
  TaskerAppNewTaskDialog *dialog;

  g_return_val_if_fail (TASKER_APP_IS_WINDOW (self), NULL);

  app = get_app (self);
  if (app != NULL)
    queues = tasker_app_application_dup_queue_names (app);
  dialog = tasker_app_new_task_dialog_new (GTK_WINDOW (self), (const char * const *) queues);
  tasker_app_new_task_dialog_set_cwd (dialog, g_get_home_dir ());
  g_signal_connect_object (dialog, "start", G_CALLBACK (new_task_start_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (dialog, "schedule", G_CALLBACK (new_task_schedule_cb), self, G_CONNECT_SWAPPED);

  return dialog;
}

GtkWidget *
tasker_app_window_get_history_view (TaskerAppWindow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_WINDOW (self), NULL);
  return self->history_view;
}

/* Returns: (nullable): the Schedules page */
GtkWidget *
tasker_app_window_get_schedules_view (TaskerAppWindow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_WINDOW (self), NULL);
  return self->schedules_view;
}

GtkWidget *
tasker_app_window_get_interrupted_list (TaskerAppWindow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->interrupted_list);
}

/* @name: "tasks", "history" or "schedules" */
void
tasker_app_window_show_page (TaskerAppWindow *self,
                             const char      *name)
{
  g_return_if_fail (TASKER_APP_IS_WINDOW (self));
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

void
tasker_app_window_show_toast (TaskerAppWindow *self,
                              const char      *text)
{
  AdwToast *toast;

  g_return_if_fail (TASKER_APP_IS_WINDOW (self));

  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}
