/* tasker-app-schedules-view.c: the Schedules page
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tasker-app-schedules-view.h"

/* TaskerAppSchedulesView: one row per schedule of TaskerAppSchedules: its
 * command, and below it its spec, next run (local time) and last result;
 * buttons Pause/Resume, Run Now, Edit (the spec, in a dialog that checks it
 * as typed) and Delete (at once, with Undo in a toast). An AdwStatusPage
 * when there are none, which says how to add one and that schedules run
 * while Tasker runs. The buttons are the actions schedule.pause,
 * schedule.run-now, schedule.edit and schedule.delete, with the schedule's
 * id. Main thread only. */

struct _TaskerAppSchedulesView
{
  AdwBin              parent_instance;

  TaskerAppSchedules *schedules;  /* (owned) */
  AdwToastOverlay    *toast_overlay;
  GtkStack           *stack;
  GtkListBox         *list;
};

G_DEFINE_FINAL_TYPE (TaskerAppSchedulesView, tasker_app_schedules_view, ADW_TYPE_BIN)

static void
show_toast (TaskerAppSchedulesView *self,
            AdwToast               *toast)
{
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* "every 15m · Next run: Mon Dec 7 03:00 · Last run: Completed" */
char *
tasker_app_schedules_view_describe (TaskerSchedule *schedule)
{
  g_autoptr(GString) text = g_string_new (tasker_schedule_get_spec (schedule));
  gint64 next = tasker_schedule_get_next_run (schedule);

  g_string_append (text, " · ");
  if (tasker_schedule_get_paused (schedule))
    g_string_append (text, _("Paused"));
  else if (next > 0)
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (next / G_USEC_PER_SEC);
      /* Translators: when a schedule runs next, in g_date_time_format()
       * syntax (like strftime) */
      g_autofree char *time = when != NULL ? g_date_time_format (when, _("%a %b %-d %H:%M")) : NULL;

      g_string_append_printf (text, _("Next run: %s"), time != NULL ? time : "—");
    }
  else
    g_string_append (text, _("No next run"));
  g_string_append (text, " · ");
  g_string_append_printf (text, _("Last result: %s"), tasker_app_schedules_get_last_result (schedule));

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
update_row (GtkWidget      *row,
            TaskerSchedule *schedule)
{
  GtkWidget *pause = g_object_get_data (G_OBJECT (row), "pause-button");
  g_autofree char *subtitle = tasker_app_schedules_view_describe (schedule);
  gboolean paused = tasker_schedule_get_paused (schedule);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 tasker_app_command_get_command_line (tasker_app_schedules_get_command (schedule)));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_button_set_icon_name (GTK_BUTTON (pause),
                            paused ? "media-playback-start-symbolic" : "media-playback-pause-symbolic");
  gtk_widget_set_tooltip_text (pause, paused ? _("Resume") : _("Pause"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (pause), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  paused ? _("Resume") : _("Pause"), -1);
}

GtkWidget *
tasker_app_schedules_view_find_row (TaskerAppSchedulesView *self,
                                    TaskerSchedule         *schedule)
{
  g_return_val_if_fail (TASKER_APP_IS_SCHEDULES_VIEW (self), NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_object_get_data (G_OBJECT (row), "schedule") == schedule)
      return row;
  return NULL;
}

static void
schedule_changed_cb (TaskerAppSchedulesView *self,
                     TaskerSchedule         *schedule)
{
  GtkWidget *row = tasker_app_schedules_view_find_row (self, schedule);

  if (row != NULL)
    update_row (row, schedule);
}

static GtkWidget *
add_button (GtkWidget  *row,
            const char *icon_name,
            const char *tooltip,
            const char *action_name,
            const char *id)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action_name);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", id);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return button;
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  TaskerSchedule *schedule = item;
  const char *id = tasker_schedule_get_id (schedule);
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
  g_object_set_data_full (G_OBJECT (row), "schedule", g_object_ref (schedule), g_object_unref);
  g_object_set_data (G_OBJECT (row), "pause-button",
                     add_button (row, "media-playback-pause-symbolic", _("Pause"), "schedule.pause", id));
  add_button (row, "media-skip-forward-symbolic", _("Run Now"), "schedule.run-now", id);
  add_button (row, "document-edit-symbolic", _("Edit"), "schedule.edit", id);
  add_button (row, "user-trash-symbolic", _("Delete"), "schedule.delete", id);
  update_row (row, schedule);

  return row;
}

static void
update_empty_state (TaskerAppSchedulesView *self)
{
  gboolean empty = g_list_model_get_n_items (tasker_app_schedules_get_model (self->schedules)) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
}

static TaskerSchedule *
lookup (TaskerAppSchedulesView *self,
        GVariant               *parameter)
{
  return tasker_app_schedules_lookup (self->schedules, g_variant_get_string (parameter, NULL));
}

static void
pause_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  TaskerAppSchedulesView *self = TASKER_APP_SCHEDULES_VIEW (widget);
  TaskerSchedule *schedule = lookup (self, parameter);

  if (schedule != NULL)
    tasker_app_schedules_set_paused (self->schedules, schedule, !tasker_schedule_get_paused (schedule));
}

static void
run_now_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TaskerAppSchedulesView *self = TASKER_APP_SCHEDULES_VIEW (widget);
  TaskerSchedule *schedule = lookup (self, parameter);
  g_autoptr(GError) error = NULL;

  if (schedule != NULL && !tasker_schedule_run_now (schedule, &error))
    show_toast (self, adw_toast_new (error->message));
}

typedef struct
{
  TaskerAppSchedulesView *self;      /* (owned) */
  TaskerSchedule         *schedule;  /* (owned) */
  guint                   position;
} Deleted;

static void
deleted_free (gpointer  data,
              GClosure *closure)
{
  Deleted *deleted = data;

  g_object_unref (deleted->self);
  g_object_unref (deleted->schedule);
  g_free (deleted);
}

static void
undo_delete_cb (AdwToast *toast,
                Deleted  *deleted)
{
  tasker_app_schedules_restore (deleted->self->schedules, deleted->schedule, deleted->position);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TaskerAppSchedulesView *self = TASKER_APP_SCHEDULES_VIEW (widget);
  TaskerSchedule *schedule = lookup (self, parameter);
  AdwToast *toast;
  Deleted *deleted;

  if (schedule == NULL)
    return;

  deleted = g_new0 (Deleted, 1);
  deleted->self = g_object_ref (self);
  deleted->schedule = g_object_ref (schedule);
  g_list_store_find (G_LIST_STORE (tasker_app_schedules_get_model (self->schedules)), schedule,
                     &deleted->position);
  tasker_app_schedules_remove (self->schedules, schedule);

  toast = adw_toast_new (_("Schedule deleted"));
  adw_toast_set_button_label (toast, _("_Undo"));
  g_signal_connect_data (toast, "button-clicked", G_CALLBACK (undo_delete_cb), deleted,
                         deleted_free, 0);
  show_toast (self, toast);
}

/* Save only while the spec and the command line are good; the spec's or
 * else the command's error under them. */
static void
edit_changed_cb (AdwMessageDialog *dialog)
{
  GtkLabel *error_label = g_object_get_data (G_OBJECT (dialog), "error-label");
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  GtkEditable *command_entry = g_object_get_data (G_OBJECT (dialog), "command-entry");
  TaskerSchedule *schedule = g_object_get_data (G_OBJECT (dialog), "schedule");
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  gboolean valid = tasker_schedule_validate_spec (gtk_editable_get_text (entry), &error);

  if (valid)
    {
      command = tasker_app_schedules_edit_command (tasker_app_schedules_get_command (schedule),
                                                   gtk_editable_get_text (command_entry), &error);
      valid = command != NULL;
    }
  adw_message_dialog_set_response_enabled (dialog, "save", valid);
  gtk_label_set_text (error_label, valid ? "" : error->message);
  gtk_widget_set_visible (GTK_WIDGET (error_label), !valid);
}

static void
edit_response_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  gpointer          user_data)
{
  TaskerAppSchedulesView *self = g_object_get_data (G_OBJECT (dialog), "view");
  TaskerSchedule *schedule = g_object_get_data (G_OBJECT (dialog), "schedule");
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  g_autoptr(GError) error = NULL;

  GtkEditable *command_entry = g_object_get_data (G_OBJECT (dialog), "command-entry");

  if (g_strcmp0 (response, "save") != 0 || self == NULL)
    return;
  if (!tasker_app_schedules_set_command_line (self->schedules, schedule,
                                              gtk_editable_get_text (command_entry), &error) ||
      tasker_app_schedules_set_spec (self->schedules, schedule, gtk_editable_get_text (entry), &error) == NULL)
    show_toast (self, adw_toast_new (error->message));
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TaskerAppSchedulesView *self = TASKER_APP_SCHEDULES_VIEW (widget);
  TaskerSchedule *schedule = lookup (self, parameter);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *dialog, *box, *entry, *command_entry, *error_label;

  if (schedule == NULL)
    return;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Edit Schedule"),
                                   _("The command line, and when it runs, as in “every 15m”, "
                                     "“daily 03:00” or “Mon..Fri 09:00”."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  command_entry = gtk_entry_new ();
  gtk_entry_set_activates_default (GTK_ENTRY (command_entry), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (command_entry),
                         tasker_app_command_get_command_line (tasker_app_schedules_get_command (schedule)));
  gtk_accessible_update_property (GTK_ACCESSIBLE (command_entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Command Line"), -1);
  gtk_box_append (GTK_BOX (box), command_entry);
  entry = gtk_entry_new ();
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (entry), tasker_schedule_get_spec (schedule));
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Repeat"), -1);
  error_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (error_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (error_label), 0);
  gtk_widget_add_css_class (error_label, "error");
  gtk_widget_set_visible (error_label, FALSE);
  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), error_label);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);

  g_object_set_data_full (G_OBJECT (dialog), "view", g_object_ref (self), g_object_unref);
  g_object_set_data_full (G_OBJECT (dialog), "schedule", g_object_ref (schedule), g_object_unref);
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_object_set_data (G_OBJECT (dialog), "error-label", error_label);
  g_object_set_data (G_OBJECT (dialog), "command-entry", command_entry);
  g_signal_connect_swapped (entry, "changed", G_CALLBACK (edit_changed_cb), dialog);
  g_signal_connect_swapped (command_entry, "changed", G_CALLBACK (edit_changed_cb), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (edit_response_cb), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
tasker_app_schedules_view_dispose (GObject *object)
{
  TaskerAppSchedulesView *self = (TaskerAppSchedulesView *) object;

  if (self->list != NULL)
    gtk_list_box_bind_model (self->list, NULL, NULL, NULL, NULL);
  self->list = NULL;
  adw_bin_set_child (ADW_BIN (self), NULL);
  g_clear_object (&self->schedules);

  G_OBJECT_CLASS (tasker_app_schedules_view_parent_class)->dispose (object);
}

static void
tasker_app_schedules_view_class_init (TaskerAppSchedulesViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tasker_app_schedules_view_dispose;

  gtk_widget_class_install_action (widget_class, "schedule.pause", "s", pause_action);
  gtk_widget_class_install_action (widget_class, "schedule.run-now", "s", run_now_action);
  gtk_widget_class_install_action (widget_class, "schedule.edit", "s", edit_action);
  gtk_widget_class_install_action (widget_class, "schedule.delete", "s", delete_action);
}

static void
tasker_app_schedules_view_init (TaskerAppSchedulesView *self)
{
  GtkWidget *status, *button, *scrolled, *clamp;

  self->toast_overlay = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  self->stack = GTK_STACK (gtk_stack_new ());
  adw_toast_overlay_set_child (self->toast_overlay, GTK_WIDGET (self->stack));
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->toast_overlay));

  status = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), "alarm-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (status), _("No Schedules"));
  adw_status_page_set_description (ADW_STATUS_PAGE (status),
                                   _("To run a command again and again, add it with New Task and turn on "
                                     "Repeat, as in “every 15m” or “Mon..Fri 09:00”. Schedules run while "
                                     "Tasker runs; runs missed meanwhile catch up at its next start."));
  button = gtk_button_new_with_mnemonic (_("_New Task"));
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "pill");
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.new-task");
  adw_status_page_set_child (ADW_STATUS_PAGE (status), button);
  gtk_stack_add_named (self->stack, status, "empty");

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_widget_set_valign (GTK_WIDGET (self->list), GTK_ALIGN_START);
  clamp = adw_clamp_new ();
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 900);
  adw_clamp_set_child (ADW_CLAMP (clamp), GTK_WIDGET (self->list));
  gtk_widget_set_margin_top (clamp, 18);
  gtk_widget_set_margin_bottom (clamp, 18);
  gtk_widget_set_margin_start (clamp, 12);
  gtk_widget_set_margin_end (clamp, 12);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_stack_add_named (self->stack, scrolled, "list");
}

TaskerAppSchedulesView *
tasker_app_schedules_view_new (TaskerAppSchedules *schedules)
{
  TaskerAppSchedulesView *self;
  GListModel *model;

  g_return_val_if_fail (TASKER_APP_IS_SCHEDULES (schedules), NULL);

  self = g_object_new (TASKER_APP_TYPE_SCHEDULES_VIEW, NULL);
  self->schedules = g_object_ref (schedules);
  model = tasker_app_schedules_get_model (schedules);
  gtk_list_box_bind_model (self->list, model, create_row, self, NULL);
  g_signal_connect_object (model, "items-changed", G_CALLBACK (update_empty_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (schedules, "changed", G_CALLBACK (schedule_changed_cb), self, G_CONNECT_SWAPPED);
  update_empty_state (self);

  return self;
}
