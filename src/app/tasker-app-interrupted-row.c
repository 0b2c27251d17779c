/* tasker-app-interrupted-row.c: a command the last quit interrupted
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-app-interrupted-row.h"

/* TaskerAppInterruptedRow: one command that was running when Tasker last
 * quit, with Run Again and Dismiss buttons (the row's interrupted.rerun and
 * interrupted.dismiss actions), which the row reports as its ::rerun and
 * ::dismiss signals. Main thread only. */

struct _TaskerAppInterruptedRow
{
  AdwActionRow      parent_instance;

  TaskerAppCommand *command;   /* (owned) */
};

enum {
  PROP_0,
  PROP_COMMAND,
  N_PROPS
};

enum {
  RERUN,
  DISMISS,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (TaskerAppInterruptedRow, tasker_app_interrupted_row, ADW_TYPE_ACTION_ROW)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The command never changes: its line is the title. */
static void
tasker_app_interrupted_row_constructed (GObject *object)
{
  TaskerAppInterruptedRow *self = (TaskerAppInterruptedRow *) object;

  G_OBJECT_CLASS (tasker_app_interrupted_row_parent_class)->constructed (object);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self),
                                 tasker_app_command_get_command_line (self->command));
}

static void
rerun_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  g_signal_emit (widget, signals[RERUN], 0);
}

static void
dismiss_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  g_signal_emit (widget, signals[DISMISS], 0);
}

static void
tasker_app_interrupted_row_dispose (GObject *object)
{
  TaskerAppInterruptedRow *self = (TaskerAppInterruptedRow *) object;

  gtk_widget_dispose_template (GTK_WIDGET (self), TASKER_APP_TYPE_INTERRUPTED_ROW);
  g_clear_object (&self->command);

  G_OBJECT_CLASS (tasker_app_interrupted_row_parent_class)->dispose (object);
}

static void
tasker_app_interrupted_row_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  TaskerAppInterruptedRow *self = TASKER_APP_INTERRUPTED_ROW (object);

  switch (prop_id)
    {
    case PROP_COMMAND:
      g_value_set_object (value, self->command);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_interrupted_row_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  TaskerAppInterruptedRow *self = TASKER_APP_INTERRUPTED_ROW (object);

  switch (prop_id)
    {
    case PROP_COMMAND:
      self->command = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_interrupted_row_class_init (TaskerAppInterruptedRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tasker_app_interrupted_row_constructed;
  object_class->dispose = tasker_app_interrupted_row_dispose;
  object_class->get_property = tasker_app_interrupted_row_get_property;
  object_class->set_property = tasker_app_interrupted_row_set_property;

  /**
   * TaskerAppInterruptedRow:command:
   *
   * The interrupted command.
   */
  properties[PROP_COMMAND] =
    g_param_spec_object ("command", NULL, NULL,
                         TASKER_APP_TYPE_COMMAND,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TaskerAppInterruptedRow::rerun:
   *
   * Run Again was clicked. Main context.
   */
  signals[RERUN] =
    g_signal_new ("rerun",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * TaskerAppInterruptedRow::dismiss:
   *
   * Dismiss was clicked. Main context.
   */
  signals[DISMISS] =
    g_signal_new ("dismiss",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tasker/Tasker/tasker-app-interrupted-row.ui");
  gtk_widget_class_install_action (widget_class, "interrupted.rerun", NULL, rerun_action);
  gtk_widget_class_install_action (widget_class, "interrupted.dismiss", NULL, dismiss_action);
}

static void
tasker_app_interrupted_row_init (TaskerAppInterruptedRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tasker_app_interrupted_row_new (TaskerAppCommand *command)
{
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (command), NULL);

  return g_object_new (TASKER_APP_TYPE_INTERRUPTED_ROW, "command", command, NULL);
}

TaskerAppCommand *
tasker_app_interrupted_row_get_command (TaskerAppInterruptedRow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_INTERRUPTED_ROW (self), NULL);
  return self->command;
}
