/* tasker-app-task-row.c: one task in the window's list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tasker-app-clock.h"
#include "tasker-app-format.h"
#include "tasker-app-spinner.h"
#include "tasker-app-task-row.h"

/* TaskerAppTaskRow: the title, status, message, progress and timing of one
 * task, with a Cancel button while it runs and a Run Again button once it
 * has ended (the window's `task.cancel` and `task.rerun` actions, with the
 * task's id as target). Its template
 * binds the title, message and progress to the task's properties; the row
 * itself follows only the status (icon, buttons) and the progress (ETA,
 * spinner), so a notification redraws the one label or bar it changes.
 * The elapsed time and ETA also change without any notification, so while
 * its task is unfinished and the row is mapped, the row follows the clock's
 * tick (TaskerAppClock).
 *
 * Frugal (DESIGN.md §6): the spinner (TaskerAppSpinner, a few redraws a
 * second) shows only for a running task with no progress information (its
 * progress still 0) and spins only while the row is mapped; a task with
 * progress shows its bar and a still icon, so nothing redraws while its
 * progress and text stay still. Main thread only. */

#define INDENT_PX 28

struct _TaskerAppTaskRow
{
  GtkWidget       parent_instance;

  TaskerTask     *task;            /* (owned) (nullable) */
  gulong          notify_id;
  gulong          tick_id;         /* on the default TaskerAppClock while the task is unfinished */

  /* template children */
  GtkStack       *status_stack;
  TaskerAppSpinner *spinner;
  GtkImage       *status_image;
  GtkLabel       *title_label;
  GtkLabel       *timing_label;
  GtkLabel       *message_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *percent_label;
  GtkWidget      *cancel_button;
  GtkWidget      *rerun_button;
  GtkWidget      *expander_button;
  GtkStack       *expander_stack;
};

enum {
  PROP_0,
  PROP_TASK,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (TaskerAppTaskRow, tasker_app_task_row, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];

static const char *status_classes[] = { "success", "error", "dim-label" };

static void
set_status_class (GtkWidget  *widget,
                  const char *css_class)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_classes); i++)
    if (g_strcmp0 (status_classes[i], css_class) != 0)
      gtk_widget_remove_css_class (widget, status_classes[i]);
  if (css_class != NULL)
    gtk_widget_add_css_class (widget, css_class);
}

/* Elapsed time and ETA move while the task is unfinished; nobody sees them
 * while the row is unmapped (its window hidden or closed, or scrolled out). */
static void
follow_clock (TaskerAppTaskRow *self)
{
  tasker_app_clock_follow (tasker_app_clock_get_default (), &self->tick_id,
                           self->task != NULL && !tasker_task_is_final (self->task) &&
                           gtk_widget_get_mapped (GTK_WIDGET (self)),
                           G_CALLBACK (tasker_app_task_row_tick), self);
}

/* The spinner for a running task that has said nothing of its progress,
 * else the status icon. */
static void
update_spinner (TaskerAppTaskRow *self)
{
  TaskerTaskStatus status = self->task != NULL ? tasker_task_get_status (self->task)
                                               : TASKER_TASK_STATUS_PENDING;
  gboolean show = status == TASKER_TASK_STATUS_RUNNING &&
                  tasker_task_get_progress (self->task) <= 0.0;
  gboolean spin = show && gtk_widget_get_mapped (GTK_WIDGET (self));

  if (tasker_app_spinner_get_spinning (self->spinner) != spin)
    tasker_app_spinner_set_spinning (self->spinner, spin);
  if (self->task == NULL)
    return;
  if (show)
    gtk_stack_set_visible_child (self->status_stack, GTK_WIDGET (self->spinner));
  else
    {
      const char *icon = tasker_app_format_status_icon (status);

      if (g_strcmp0 (gtk_image_get_icon_name (self->status_image), icon) != 0)
        gtk_image_set_from_icon_name (self->status_image, icon);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_image),
                                   tasker_app_format_status (status));
      gtk_stack_set_visible_child (self->status_stack, GTK_WIDGET (self->status_image));
    }
}

/* The row's message: why a task failed, else its own message, else its
 * status. */
static char *
message_text (gpointer          unused,
              TaskerTask       *task,
              const char       *message,
              TaskerTaskStatus  status)
{
  const GError *error = task != NULL ? tasker_task_get_error (task) : NULL;

  if (status == TASKER_TASK_STATUS_FAILED && error != NULL)
    return g_strdup (error->message);
  if (message != NULL && *message != '\0')
    return g_strdup (message);
  return g_strdup (tasker_app_format_status (status));
}

static char *
percent_text (gpointer unused,
              double   progress)
{
  return g_strdup_printf ("%d %%", (int) (progress * 100.0));
}

/* What the status shows: the spinner or the status icon, Cancel or Run
 * Again, the style of the icon and of the progress bar. */
static void
update_status (TaskerAppTaskRow *self)
{
  TaskerTaskStatus status;
  gboolean final;

  if (self->task == NULL)
    return;

  status = tasker_task_get_status (self->task);
  final = tasker_task_is_final (self->task);

  update_spinner (self);
  set_status_class (GTK_WIDGET (self->status_image), tasker_app_format_status_css_class (status));
  set_status_class (GTK_WIDGET (self->progress_bar), tasker_app_format_progress_css_class (status));

  gtk_widget_set_visible (self->cancel_button, !final);
  /* Another program's task cannot be run again from here. */
  gtk_widget_set_visible (self->rerun_button,
                          final && tasker_task_get_kind (self->task) != TASKER_TASK_KIND_EXTERNAL);

  tasker_app_task_row_tick (self, g_get_real_time ());
  follow_clock (self);
}

/* The status changes what the row shows around the bound labels; the
 * progress, the ETA and whether the spinner shows. */
static void
task_notify_cb (TaskerAppTaskRow *self,
                GParamSpec       *pspec)
{
  if (g_strcmp0 (pspec->name, "status") == 0)
    update_status (self);
  else if (g_strcmp0 (pspec->name, "progress") == 0)
    {
      update_spinner (self);
      tasker_app_task_row_tick (self, g_get_real_time ());
    }
}

static void
tasker_app_task_row_map (GtkWidget *widget)
{
  TaskerAppTaskRow *self = TASKER_APP_TASK_ROW (widget);

  GTK_WIDGET_CLASS (tasker_app_task_row_parent_class)->map (widget);
  update_spinner (self);
  tasker_app_task_row_tick (self, g_get_real_time ());
  follow_clock (self);
}

static void
tasker_app_task_row_unmap (GtkWidget *widget)
{
  TaskerAppTaskRow *self = TASKER_APP_TASK_ROW (widget);

  GTK_WIDGET_CLASS (tasker_app_task_row_parent_class)->unmap (widget);
  update_spinner (self);
  follow_clock (self);
}

static void
tasker_app_task_row_dispose (GObject *object)
{
  GtkWidget *child;
  TaskerAppTaskRow *self = (TaskerAppTaskRow *) object;

  tasker_app_task_row_set_task (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), TASKER_APP_TYPE_TASK_ROW);
  /* The template's unnamed children too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (tasker_app_task_row_parent_class)->dispose (object);
}

static void
tasker_app_task_row_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  TaskerAppTaskRow *self = TASKER_APP_TASK_ROW (object);

  switch (prop_id)
    {
    case PROP_TASK:
      g_value_set_object (value, self->task);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_task_row_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  TaskerAppTaskRow *self = TASKER_APP_TASK_ROW (object);

  switch (prop_id)
    {
    case PROP_TASK:
      tasker_app_task_row_set_task (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_task_row_class_init (TaskerAppTaskRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tasker_app_task_row_dispose;
  object_class->get_property = tasker_app_task_row_get_property;
  object_class->set_property = tasker_app_task_row_set_property;
  widget_class->map = tasker_app_task_row_map;
  widget_class->unmap = tasker_app_task_row_unmap;

  properties[PROP_TASK] =
    g_param_spec_object ("task", NULL, NULL,
                         TASKER_TYPE_TASK,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (TASKER_APP_TYPE_SPINNER);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tasker/Tasker/tasker-app-task-row.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "taskrow");
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskRow, status_stack);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskRow, spinner);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskRow, status_image);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskRow, timing_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskRow, message_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskRow, percent_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskRow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskRow, rerun_button);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskRow, expander_button);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskRow, expander_stack);
  gtk_widget_class_bind_template_callback (widget_class, message_text);
  gtk_widget_class_bind_template_callback (widget_class, percent_text);

}

static void
tasker_app_task_row_init (TaskerAppTaskRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* A long message is cut: the tooltip has all of it. */
  g_object_bind_property (self->message_label, "label", self->message_label, "tooltip-text", G_BINDING_SYNC_CREATE);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 12);
}

GtkWidget *
tasker_app_task_row_new (void)
{
  return g_object_new (TASKER_APP_TYPE_TASK_ROW, NULL);
}

TaskerTask *
tasker_app_task_row_get_task (TaskerAppTaskRow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_TASK_ROW (self), NULL);
  return self->task;
}

void
tasker_app_task_row_set_task (TaskerAppTaskRow *self,
                              TaskerTask       *task)
{
  g_return_if_fail (TASKER_APP_IS_TASK_ROW (self));
  g_return_if_fail (task == NULL || TASKER_IS_TASK (task));

  if (self->task == task)
    return;

  if (self->task != NULL)
    g_clear_signal_handler (&self->notify_id, self->task);
  g_set_object (&self->task, task);
  if (task != NULL)
    {
      GVariant *id = g_variant_ref_sink (g_variant_new_uint64 (tasker_task_get_id (task)));
      g_autofree char *owner = tasker_app_format_owner (task);
      g_autofree char *tooltip = NULL;

      /* The buttons act on this task through the window's task actions. */
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->cancel_button), id);
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->rerun_button), id);
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->expander_button), id);
      g_variant_unref (id);
      /* Another program's task says whose it is. */
      if (owner != NULL)
        /* Translators: tooltip of another program's task; %s is "name (pid N)" */
        tooltip = g_strdup_printf (_("Reported by %s"), owner);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label), tooltip);
      self->notify_id = g_signal_connect_swapped (task, "notify", G_CALLBACK (task_notify_cb), self);
      update_status (self);
    }
  else
    {
      follow_clock (self);
      if (self->spinner != NULL)
        update_spinner (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TASK]);
}

/* Children sit under their parent, indented by their depth in the tree. */
void
tasker_app_task_row_set_depth (TaskerAppTaskRow *self,
                               guint             depth)
{
  g_return_if_fail (TASKER_APP_IS_TASK_ROW (self));
  gtk_widget_set_margin_start (GTK_WIDGET (self), (int) (MIN (depth, 8) * INDENT_PX));
}

/* A task with children gets a button that hides or shows them. While any
 * row has one (@in_tree), the others keep its room, so that a child's
 * content sits indented under its parent's. */
void
tasker_app_task_row_set_expander (TaskerAppTaskRow *self,
                                  gboolean          in_tree,
                                  gboolean          has_children,
                                  gboolean          expanded)
{
  const char *label = expanded ? _("Hide Subtasks") : _("Show Subtasks");

  g_return_if_fail (TASKER_APP_IS_TASK_ROW (self));

  gtk_widget_set_visible (GTK_WIDGET (self->expander_stack), in_tree || has_children);
  /* The button stays visible in the stack, which keeps its width. */
  gtk_stack_set_visible_child_name (self->expander_stack, has_children ? "button" : "none");
  gtk_button_set_icon_name (GTK_BUTTON (self->expander_button),
                            expanded ? "pan-down-symbolic" : "pan-end-symbolic");
  gtk_widget_set_tooltip_text (self->expander_button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->expander_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->expander_button),
                               GTK_ACCESSIBLE_STATE_EXPANDED, expanded, -1);
}

GtkWidget *
tasker_app_task_row_get_expander_button (TaskerAppTaskRow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_TASK_ROW (self), NULL);
  return self->expander_button;
}

/* Elapsed time and ETA, which change with the clock rather than the task. */
void
tasker_app_task_row_tick (TaskerAppTaskRow *self,
                          gint64            now)
{
  g_autofree char *timing = NULL;

  g_return_if_fail (TASKER_APP_IS_TASK_ROW (self));

  if (self->task == NULL)
    return;

  timing = tasker_app_format_timing (self->task, now);
  if (g_strcmp0 (gtk_label_get_label (self->timing_label), timing) != 0)
    gtk_label_set_label (self->timing_label, timing);
}

GtkWidget *
tasker_app_task_row_get_cancel_button (TaskerAppTaskRow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_TASK_ROW (self), NULL);
  return self->cancel_button;
}

GtkWidget *
tasker_app_task_row_get_rerun_button (TaskerAppTaskRow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_TASK_ROW (self), NULL);
  return self->rerun_button;
}
