/* tasker-app-new-task-dialog.c: asks for a command to run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tasker-app-application.h"
#include "tasker-app-new-task-dialog.h"

/* TaskerAppNewTaskDialog: a modal window with the command line (split as a
 * shell would, by g_shell_parse_argv, or with "Run in Shell" given whole to
 * `sh -c`), its working directory, queue, timeout and retries. The shell
 * switch keeps its last position in the application's settings
 * ("run-in-shell") when there are some. Start is enabled only while the command line parses;
 * pressing it (or Enter in the command row) emits ::start with the
 * TaskerAppCommand and closes the dialog. It does not run anything itself: the
 * window submits the command. Main thread only. */

struct _TaskerAppNewTaskDialog
{
  AdwWindow        parent_instance;

  char            *cwd;            /* (owned) (nullable) */
  GStrv            queues;         /* (owned) names in queue_row's order */
  GtkFileChooserNative *chooser;   /* (owned) (nullable) while open */

  /* template children */
  AdwEntryRow     *command_row;
  AdwActionRow    *cwd_row;
  GtkSwitch       *shell_switch;
  AdwComboRow     *queue_row;
  GtkSpinButton   *timeout_spin;
  GtkSpinButton   *retries_spin;
  GtkStringList   *queue_model;
  AdwExpanderRow  *start_later_row;
  AdwComboRow     *start_mode_row;
  AdwEntryRow     *start_value_row;
  AdwExpanderRow  *repeat_row;
  AdwEntryRow     *spec_row;
  GtkLabel        *spec_error_label;
  AdwComboRow     *overlap_row;     /* TaskerOverlapPolicy's order */
  AdwComboRow     *catch_up_row;    /* TaskerCatchUpPolicy's order */
};

enum {
  START,
  SCHEDULE,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (TaskerAppNewTaskDialog, tasker_app_new_task_dialog, ADW_TYPE_WINDOW)

static guint signals[N_SIGNALS];

/* Start Later's time: in N minutes (@delay_ms), or at HH:MM today, or
 * tomorrow when that has passed (@start_at, µs since the epoch). */
static gboolean
parse_start_later (TaskerAppNewTaskDialog *self,
                   gint64                 *start_at,
                   guint                  *delay_ms)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->start_value_row));
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_auto(GStrv) parts = NULL;
  guint64 minutes, hour, minute;

  *start_at = 0;
  *delay_ms = 0;
  if (!adw_expander_row_get_enable_expansion (self->start_later_row) ||
      adw_expander_row_get_enable_expansion (self->repeat_row))
    return TRUE;

  if (adw_combo_row_get_selected (self->start_mode_row) == 0)
    {
      if (!g_ascii_string_to_unsigned (text, 10, 1, 60 * 24 * 7, &minutes, NULL))
        return FALSE;
      *delay_ms = (guint) minutes * 60 * 1000;
      return TRUE;
    }

  parts = g_strsplit (text, ":", -1);
  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, 23, &hour, NULL) ||
      strlen (parts[1]) != 2 ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, 59, &minute, NULL))
    return FALSE;
  now = g_date_time_new_now_local ();
  when = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                g_date_time_get_day_of_month (now), (int) hour, (int) minute, 0);
  if (when != NULL && g_date_time_compare (when, now) <= 0)
    {
      GDateTime *tomorrow = g_date_time_add_days (when, 1);

      g_date_time_unref (when);
      when = tomorrow;
    }
  if (when == NULL)
    return FALSE;
  *start_at = g_date_time_to_unix (when) * G_USEC_PER_SEC;
  return TRUE;
}

/* Repeat's spec, checked as typed: the error goes under it. */
static gboolean
check_spec (TaskerAppNewTaskDialog *self)
{
  g_autoptr(GError) error = NULL;
  gboolean valid;

  if (!adw_expander_row_get_enable_expansion (self->repeat_row))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->spec_error_label), FALSE);
      gtk_widget_remove_css_class (GTK_WIDGET (self->spec_row), "error");
      return TRUE;
    }

  valid = tasker_schedule_validate_spec (gtk_editable_get_text (GTK_EDITABLE (self->spec_row)), &error);
  gtk_label_set_text (self->spec_error_label, valid ? "" : error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->spec_error_label), !valid);
  if (valid)
    gtk_widget_remove_css_class (GTK_WIDGET (self->spec_row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->spec_row), "error");
  return valid;
}

static void
command_changed_cb (TaskerAppNewTaskDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TaskerAppCommand) command = tasker_app_new_task_dialog_dup_command (self, &error);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->command_row));
  gint64 start_at;
  guint delay_ms;
  gboolean start_valid = parse_start_later (self, &start_at, &delay_ms);
  gboolean spec_valid = check_spec (self);

  if (start_valid)
    gtk_widget_remove_css_class (GTK_WIDGET (self->start_value_row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->start_value_row), "error");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.start",
                                 command != NULL && start_valid && spec_valid);
  /* An empty line is not an error yet; an unbalanced quote is. */
  if (command == NULL && *text != '\0')
    gtk_widget_add_css_class (GTK_WIDGET (self->command_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->command_row), "error");
}

/* Start Later and Repeat exclude each other. */
static void
start_later_toggled_cb (TaskerAppNewTaskDialog *self)
{
  if (adw_expander_row_get_enable_expansion (self->start_later_row))
    adw_expander_row_set_enable_expansion (self->repeat_row, FALSE);
  command_changed_cb (self);
}

static void
repeat_toggled_cb (TaskerAppNewTaskDialog *self)
{
  if (adw_expander_row_get_enable_expansion (self->repeat_row))
    adw_expander_row_set_enable_expansion (self->start_later_row, FALSE);
  command_changed_cb (self);
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  TaskerAppNewTaskDialog *self = TASKER_APP_NEW_TASK_DIALOG (widget);
  g_autoptr(TaskerAppCommand) command = tasker_app_new_task_dialog_dup_command (self, NULL);

  if (command == NULL || !check_spec (self))
    return;

  if (adw_expander_row_get_enable_expansion (self->repeat_row))
    g_signal_emit (self, signals[SCHEDULE], 0,
                   gtk_editable_get_text (GTK_EDITABLE (self->spec_row)),
                   (TaskerOverlapPolicy) adw_combo_row_get_selected (self->overlap_row),
                   (TaskerCatchUpPolicy) adw_combo_row_get_selected (self->catch_up_row),
                   command);
  else
    g_signal_emit (self, signals[START], 0, command);
  gtk_window_close (GTK_WINDOW (self));
}

static void
entry_activated_cb (TaskerAppNewTaskDialog *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "dialog.start", NULL);
}

static void
update_cwd_row (TaskerAppNewTaskDialog *self)
{
  g_autofree char *display = NULL;

  if (self->cwd != NULL)
    {
      const char *home = g_get_home_dir ();
      gsize len = strlen (home);

      /* ~/Projects reads better than /home/someone/Projects. */
      if (g_str_has_prefix (self->cwd, home) && (self->cwd[len] == '/' || self->cwd[len] == '\0'))
        display = g_strconcat ("~", self->cwd + len, NULL);
      else
        display = g_strdup (self->cwd);
    }
  adw_action_row_set_subtitle (self->cwd_row, display != NULL ? display : _("Home folder"));
}

static void
chooser_response_cb (TaskerAppNewTaskDialog *self,
                     int                     response,
                     GtkNativeDialog        *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (folder != NULL)
        {
          g_autofree char *path = g_file_get_path (folder);
          tasker_app_new_task_dialog_set_cwd (self, path);
        }
    }
  g_clear_object (&self->chooser);
}

static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TaskerAppNewTaskDialog *self = TASKER_APP_NEW_TASK_DIALOG (widget);

  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new (_("Working Directory"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (self->cwd != NULL)
    {
      g_autoptr(GFile) folder = g_file_new_for_path (self->cwd);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), folder, NULL);
    }
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
tasker_app_new_task_dialog_dispose (GObject *object)
{
  TaskerAppNewTaskDialog *self = (TaskerAppNewTaskDialog *) object;

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), TASKER_APP_TYPE_NEW_TASK_DIALOG);

  G_OBJECT_CLASS (tasker_app_new_task_dialog_parent_class)->dispose (object);
}

static void
tasker_app_new_task_dialog_finalize (GObject *object)
{
  TaskerAppNewTaskDialog *self = (TaskerAppNewTaskDialog *) object;

  g_clear_pointer (&self->cwd, g_free);
  g_clear_pointer (&self->queues, g_strfreev);

  G_OBJECT_CLASS (tasker_app_new_task_dialog_parent_class)->finalize (object);
}

static void
tasker_app_new_task_dialog_class_init (TaskerAppNewTaskDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tasker_app_new_task_dialog_dispose;
  object_class->finalize = tasker_app_new_task_dialog_finalize;

  /**
   * TaskerAppNewTaskDialog::start:
   * @command: what the user asked to run
   *
   * Emitted on the main thread when the user presses Start.
   */
  signals[START] =
    g_signal_new ("start",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, TASKER_APP_TYPE_COMMAND);

  /**
   * TaskerAppNewTaskDialog::schedule:
   * @spec: when it repeats (valid)
   * @overlap_policy: what a run does while the last one has not ended
   * @catch_up_policy: what happens to missed runs
   * @command: what the user asked to run
   *
   * Emitted instead of ::start when Repeat is on.
   */
  signals[SCHEDULE] =
    g_signal_new ("schedule",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_STRING, TASKER_TYPE_OVERLAP_POLICY,
                  TASKER_TYPE_CATCH_UP_POLICY, TASKER_APP_TYPE_COMMAND);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tasker/Tasker/tasker-app-new-task-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, command_row);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, cwd_row);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, shell_switch);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, queue_row);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, retries_spin);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, queue_model);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, start_later_row);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, start_mode_row);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, start_value_row);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, repeat_row);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, spec_row);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, spec_error_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, overlap_row);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppNewTaskDialog, catch_up_row);
  gtk_widget_class_bind_template_callback (widget_class, command_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, start_later_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, repeat_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);

  gtk_widget_class_install_action (widget_class, "dialog.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "dialog.choose-folder", NULL, choose_folder_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tasker_app_new_task_dialog_init (TaskerAppNewTaskDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.start", FALSE);
  update_cwd_row (self);
}

/* @queues: (nullable): the queue names to offer, the first selected. */
TaskerAppNewTaskDialog *
tasker_app_new_task_dialog_new (GtkWindow          *parent,
                                const char * const *queues)
{
  TaskerAppNewTaskDialog *self = g_object_new (TASKER_APP_TYPE_NEW_TASK_DIALOG,
                                            "transient-for", parent,
                                            NULL);
  GtkApplication *app = parent != NULL ? gtk_window_get_application (parent) : NULL;
  GSettings *settings = TASKER_APP_IS_APPLICATION (app)
                        ? tasker_app_application_get_settings (TASKER_APP_APPLICATION (app)) : NULL;

  if (settings != NULL)
    {
      g_autoptr(GSettingsSchema) schema = NULL;

      /* An older compiled schema may not have the key yet. */
      g_object_get (settings, "settings-schema", &schema, NULL);
      if (g_settings_schema_has_key (schema, "run-in-shell"))
        g_settings_bind (settings, "run-in-shell", self->shell_switch, "active", G_SETTINGS_BIND_DEFAULT);
    }

  if (queues != NULL && queues[0] != NULL)
    {
      self->queues = g_strdupv ((char **) queues);
      gtk_string_list_splice (self->queue_model, 0,
                              g_list_model_get_n_items (G_LIST_MODEL (self->queue_model)),
                              queues);
    }
  else
    {
      /* Without configured queues, the manager's default queue only. */
      static const char *none[] = { NULL };

      self->queues = g_strdupv ((char **) none);
    }

  return self;
}

void
tasker_app_new_task_dialog_set_command_line (TaskerAppNewTaskDialog *self,
                                             const char             *command_line)
{
  g_return_if_fail (TASKER_APP_IS_NEW_TASK_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->command_row), command_line != NULL ? command_line : "");
}

/* Whether the command line runs through `sh -c`. */
void
tasker_app_new_task_dialog_set_shell (TaskerAppNewTaskDialog *self,
                                      gboolean                shell)
{
  g_return_if_fail (TASKER_APP_IS_NEW_TASK_DIALOG (self));
  gtk_switch_set_active (self->shell_switch, shell);
}

gboolean
tasker_app_new_task_dialog_get_shell (TaskerAppNewTaskDialog *self)
{
  g_return_val_if_fail (TASKER_APP_IS_NEW_TASK_DIALOG (self), FALSE);
  return gtk_switch_get_active (self->shell_switch);
}

void
tasker_app_new_task_dialog_set_cwd (TaskerAppNewTaskDialog *self,
                                    const char             *cwd)
{
  g_return_if_fail (TASKER_APP_IS_NEW_TASK_DIALOG (self));

  g_free (self->cwd);
  self->cwd = cwd != NULL && *cwd != '\0' ? g_strdup (cwd) : NULL;
  update_cwd_row (self);
}

void
tasker_app_new_task_dialog_set_queue (TaskerAppNewTaskDialog *self,
                                      const char             *queue)
{
  g_return_if_fail (TASKER_APP_IS_NEW_TASK_DIALOG (self));

  for (guint i = 0; self->queues[i] != NULL; i++)
    if (g_strcmp0 (self->queues[i], queue) == 0)
      adw_combo_row_set_selected (self->queue_row, i);
}

void
tasker_app_new_task_dialog_set_timeout (TaskerAppNewTaskDialog *self,
                                        guint                   timeout_s)
{
  g_return_if_fail (TASKER_APP_IS_NEW_TASK_DIALOG (self));
  gtk_spin_button_set_value (self->timeout_spin, timeout_s);
}

void
tasker_app_new_task_dialog_set_retries (TaskerAppNewTaskDialog *self,
                                        guint                   retries)
{
  g_return_if_fail (TASKER_APP_IS_NEW_TASK_DIALOG (self));
  gtk_spin_button_set_value (self->retries_spin, retries);
}

/* The command as the dialog describes it now, or NULL if it does not parse. */
TaskerAppCommand *
tasker_app_new_task_dialog_dup_command (TaskerAppNewTaskDialog  *self,
                                        GError                 **error)
{
  g_autoptr(TaskerAppCommand) command = NULL;
  guint selected;

  g_return_val_if_fail (TASKER_APP_IS_NEW_TASK_DIALOG (self), NULL);

  if (gtk_switch_get_active (self->shell_switch))
    command = tasker_app_command_new_shell (gtk_editable_get_text (GTK_EDITABLE (self->command_row)), error);
  else
    command = tasker_app_command_new_from_line (gtk_editable_get_text (GTK_EDITABLE (self->command_row)), error);
  if (command == NULL)
    return NULL;

  tasker_app_command_set_cwd (command, self->cwd);
  selected = adw_combo_row_get_selected (self->queue_row);
  if (self->queues != NULL && selected < g_strv_length (self->queues))
    tasker_app_command_set_queue (command, self->queues[selected]);
  tasker_app_command_set_timeout (command, (guint) gtk_spin_button_get_value_as_int (self->timeout_spin));
  tasker_app_command_set_retries (command, (guint) gtk_spin_button_get_value_as_int (self->retries_spin));
  {
    gint64 start_at;
    guint delay_ms;

    if (!parse_start_later (self, &start_at, &delay_ms))
      {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             _("Start Later needs a number of minutes, or a time as 03:00"));
        return NULL;
      }
    tasker_app_command_set_start (command, start_at, delay_ms);
  }

  return g_steal_pointer (&command);
}

/* Start Later: @at_time FALSE: @text is a number of minutes; TRUE: a time
 * as HH:MM. @text NULL turns it off. */
void
tasker_app_new_task_dialog_set_start_later (TaskerAppNewTaskDialog *self,
                                            gboolean                at_time,
                                            const char             *text)
{
  g_return_if_fail (TASKER_APP_IS_NEW_TASK_DIALOG (self));

  adw_combo_row_set_selected (self->start_mode_row, at_time ? 1 : 0);
  gtk_editable_set_text (GTK_EDITABLE (self->start_value_row), text != NULL ? text : "");
  adw_expander_row_set_enable_expansion (self->start_later_row, text != NULL);
}

/* Repeat at @spec (as typed: it may not be valid); NULL turns it off. */
void
tasker_app_new_task_dialog_set_repeat (TaskerAppNewTaskDialog *self,
                                       const char             *spec)
{
  g_return_if_fail (TASKER_APP_IS_NEW_TASK_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->spec_row), spec != NULL ? spec : "");
  adw_expander_row_set_enable_expansion (self->repeat_row, spec != NULL);
}

/* Repeat's policies. */
void
tasker_app_new_task_dialog_set_policies (TaskerAppNewTaskDialog *self,
                                         TaskerOverlapPolicy     overlap_policy,
                                         TaskerCatchUpPolicy     catch_up_policy)
{
  g_return_if_fail (TASKER_APP_IS_NEW_TASK_DIALOG (self));

  adw_combo_row_set_selected (self->overlap_row, overlap_policy);
  adw_combo_row_set_selected (self->catch_up_row, catch_up_policy);
}

/* What the dialog shows under Repeat's spec: why it is refused, or NULL. */
const char *
tasker_app_new_task_dialog_get_spec_error (TaskerAppNewTaskDialog *self)
{
  g_return_val_if_fail (TASKER_APP_IS_NEW_TASK_DIALOG (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->spec_error_label)))
    return NULL;
  return gtk_label_get_text (self->spec_error_label);
}
