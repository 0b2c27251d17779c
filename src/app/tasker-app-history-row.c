/* tasker-app-history-row.c: one record in the history view
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tasker-app-format.h"
#include "tasker-app-history-row.h"

/* TaskerAppHistoryRow: a record's status, name, command line (or error, or
 * message), finish time and duration, each bound in the template to the
 * row's record, and a Run Again button (only for commands) reported as
 * ::rerun. Records do not change, so the bindings follow only the row's
 * record, which the history view's list sets and clears as it recycles
 * rows. Main thread only. */

struct _TaskerAppHistoryRow
{
  GtkBox               parent_instance;

  TaskerHistoryRecord *record;   /* (owned) (nullable) */
};

enum {
  PROP_0,
  PROP_RECORD,
  N_PROPS
};

enum {
  RERUN,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (TaskerAppHistoryRow, tasker_app_history_row, GTK_TYPE_BOX)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* What the history shows as a record's name: its name, else its command. */
const char *
tasker_app_history_record_get_title (TaskerHistoryRecord *record)
{
  const char *name = tasker_history_record_get_name (record);
  const char *command = tasker_history_record_get_description (record, "command");

  if (name == NULL || name[0] == '\0')
    name = command != NULL ? command : _("Unnamed task");
  return name;
}

/* What the history says of a record's status: commands Tasker quit or died
 * before seeing end are interrupted, whatever their last status. */
const char *
tasker_app_history_record_get_status_text (TaskerHistoryRecord *record)
{
  if (tasker_history_record_get_interrupted (record))
    return _("Interrupted");
  return tasker_app_format_status (tasker_history_record_get_status (record));
}

gboolean
tasker_app_history_record_is_final (TaskerHistoryRecord *record)
{
  TaskerTaskStatus status = tasker_history_record_get_status (record);

  return status != TASKER_TASK_STATUS_PENDING && status != TASKER_TASK_STATUS_RUNNING;
}

/* Whether the record is a command's, which can run again. */
gboolean
tasker_app_history_record_has_command (TaskerHistoryRecord *record)
{
  const char *command = tasker_history_record_get_description (record, "command");

  return command != NULL && command[0] != '\0';
}

/* How long a finished record ran ("1 min 5 s"), or NULL. */
char *
tasker_app_history_record_dup_duration (TaskerHistoryRecord *record)
{
  gint64 started = tasker_history_record_get_started_time (record);
  gint64 finished = tasker_history_record_get_finished_time (record);

  if (started > 0 && finished >= started && tasker_app_history_record_is_final (record))
    return tasker_app_format_duration_long (finished - started);
  return NULL;
}

/* Template closures: each gets the row's record, or NULL. */

static const char *
subtitle_of (TaskerHistoryRecord *record)
{
  const char *command = tasker_history_record_get_description (record, "command");

  if (tasker_history_record_get_status (record) == TASKER_TASK_STATUS_FAILED &&
      tasker_history_record_get_error_message (record) != NULL)
    return tasker_history_record_get_error_message (record);
  if (command != NULL && g_strcmp0 (command, tasker_app_history_record_get_title (record)) != 0)
    return command;
  return tasker_history_record_get_message (record);
}

static char *
title_text (gpointer             unused,
            TaskerHistoryRecord *record)
{
  return g_strdup (record != NULL ? tasker_app_history_record_get_title (record) : "");
}

static char *
subtitle_text (gpointer             unused,
               TaskerHistoryRecord *record)
{
  return record != NULL ? g_strdup (subtitle_of (record)) : NULL;
}

static gboolean
has_subtitle (gpointer             unused,
              TaskerHistoryRecord *record)
{
  const char *subtitle = record != NULL ? subtitle_of (record) : NULL;

  return subtitle != NULL && subtitle[0] != '\0';
}

static char *
status_icon_name (gpointer             unused,
                  TaskerHistoryRecord *record)
{
  if (record == NULL)
    return NULL;
  if (tasker_history_record_get_interrupted (record))
    return g_strdup ("dialog-warning-symbolic");
  return g_strdup (tasker_app_format_status_icon (tasker_history_record_get_status (record)));
}

static GStrv
status_classes (gpointer             unused,
                TaskerHistoryRecord *record)
{
  const char *css_class = "dim-label";

  if (record != NULL && tasker_history_record_get_interrupted (record))
    css_class = "warning";
  else if (record != NULL)
    css_class = tasker_app_format_status_css_class (tasker_history_record_get_status (record));
  return g_strdupv ((char *[]) { (char *) css_class, NULL });
}

static char *
status_text (gpointer             unused,
             TaskerHistoryRecord *record)
{
  return g_strdup (record != NULL ? tasker_app_history_record_get_status_text (record) : "");
}

static char *
finished_text (gpointer             unused,
               TaskerHistoryRecord *record)
{
  gint64 finished = record != NULL ? tasker_history_record_get_finished_time (record) : 0;

  return tasker_app_format_time_short (finished);
}

static char *
finished_tooltip (gpointer             unused,
                  TaskerHistoryRecord *record)
{
  gint64 finished = record != NULL ? tasker_history_record_get_finished_time (record) : 0;

  return tasker_app_format_time_full (finished);
}

static char *
duration_text (gpointer             unused,
               TaskerHistoryRecord *record)
{
  char *duration = record != NULL ? tasker_app_history_record_dup_duration (record) : NULL;

  return duration != NULL ? duration : g_strdup ("—");
}

/* Only commands can run again. */
static gboolean
has_command (gpointer             unused,
             TaskerHistoryRecord *record)
{
  return record != NULL && tasker_app_history_record_has_command (record);
}

static void
rerun_clicked_cb (TaskerAppHistoryRow *self)
{
  if (self->record != NULL)
    g_signal_emit (self, signals[RERUN], 0, self->record);
}

static void
tasker_app_history_row_dispose (GObject *object)
{
  TaskerAppHistoryRow *self = (TaskerAppHistoryRow *) object;

  gtk_widget_dispose_template (GTK_WIDGET (self), TASKER_APP_TYPE_HISTORY_ROW);
  g_clear_object (&self->record);

  G_OBJECT_CLASS (tasker_app_history_row_parent_class)->dispose (object);
}

static void
tasker_app_history_row_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  TaskerAppHistoryRow *self = TASKER_APP_HISTORY_ROW (object);

  switch (prop_id)
    {
    case PROP_RECORD:
      g_value_set_object (value, self->record);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_history_row_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  TaskerAppHistoryRow *self = TASKER_APP_HISTORY_ROW (object);

  switch (prop_id)
    {
    case PROP_RECORD:
      tasker_app_history_row_set_record (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_history_row_class_init (TaskerAppHistoryRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tasker_app_history_row_dispose;
  object_class->get_property = tasker_app_history_row_get_property;
  object_class->set_property = tasker_app_history_row_set_property;

  /**
   * TaskerAppHistoryRow:record:
   *
   * The record shown, or %NULL.
   */
  properties[PROP_RECORD] =
    g_param_spec_object ("record", NULL, NULL,
                         TASKER_TYPE_HISTORY_RECORD,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TaskerAppHistoryRow::rerun:
   * @record: the row's record
   *
   * Run Again was clicked. Main context.
   */
  signals[RERUN] =
    g_signal_new ("rerun",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, TASKER_TYPE_HISTORY_RECORD);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tasker/Tasker/tasker-app-history-row.ui");
  gtk_widget_class_bind_template_callback (widget_class, title_text);
  gtk_widget_class_bind_template_callback (widget_class, subtitle_text);
  gtk_widget_class_bind_template_callback (widget_class, has_subtitle);
  gtk_widget_class_bind_template_callback (widget_class, status_icon_name);
  gtk_widget_class_bind_template_callback (widget_class, status_classes);
  gtk_widget_class_bind_template_callback (widget_class, status_text);
  gtk_widget_class_bind_template_callback (widget_class, finished_text);
  gtk_widget_class_bind_template_callback (widget_class, finished_tooltip);
  gtk_widget_class_bind_template_callback (widget_class, duration_text);
  gtk_widget_class_bind_template_callback (widget_class, has_command);
  gtk_widget_class_bind_template_callback (widget_class, rerun_clicked_cb);
}

static void
tasker_app_history_row_init (TaskerAppHistoryRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tasker_app_history_row_new (void)
{
  return g_object_new (TASKER_APP_TYPE_HISTORY_ROW, NULL);
}

TaskerHistoryRecord *
tasker_app_history_row_get_record (TaskerAppHistoryRow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_HISTORY_ROW (self), NULL);
  return self->record;
}

void
tasker_app_history_row_set_record (TaskerAppHistoryRow *self,
                                   TaskerHistoryRecord *record)
{
  g_return_if_fail (TASKER_APP_IS_HISTORY_ROW (self));
  g_return_if_fail (record == NULL || TASKER_IS_HISTORY_RECORD (record));

  if (g_set_object (&self->record, record))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORD]);
}
