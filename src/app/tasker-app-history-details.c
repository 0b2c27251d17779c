/* tasker-app-history-details.c: one history record's facts and log, in a window
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tasker-app-history-details.h"
#include "tasker-app-format.h"
#include "tasker-app-history-row.h"

/* TaskerAppHistoryDetails: a modal window with a record's command,
 * directory, status, error, times and attempts (each row of the template
 * bound to the record, and hidden when it has nothing to say) and its log,
 * with a Run Again button that reports ::rerun and closes the window.
 * Escape closes it too. Main thread only. */

struct _TaskerAppHistoryDetails
{
  AdwWindow            parent_instance;

  TaskerHistoryRecord *record;   /* (owned) */
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

G_DEFINE_FINAL_TYPE (TaskerAppHistoryDetails, tasker_app_history_details, ADW_TYPE_WINDOW)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Template closures: each gets the record. */

static gboolean
is_set (gpointer    unused,
        const char *text)
{
  return text != NULL && text[0] != '\0';
}

static gboolean
has_command (gpointer             unused,
             TaskerHistoryRecord *record)
{
  return record != NULL && tasker_app_history_record_has_command (record);
}

static char *
command_text (gpointer             unused,
              TaskerHistoryRecord *record)
{
  if (record == NULL)
    return NULL;
  return g_strdup (tasker_history_record_get_description (record, "command"));
}

static char *
cwd_text (gpointer             unused,
          TaskerHistoryRecord *record)
{
  return record != NULL ? g_strdup (tasker_history_record_get_description (record, "cwd")) : NULL;
}

static char *
status_text (gpointer             unused,
             TaskerHistoryRecord *record)
{
  return record != NULL ? g_strdup (tasker_app_history_record_get_status_text (record)) : NULL;
}

static char *
error_text (gpointer             unused,
            TaskerHistoryRecord *record)
{
  return record != NULL ? g_strdup (tasker_history_record_get_error_message (record)) : NULL;
}

static char *
started_text (gpointer             unused,
              TaskerHistoryRecord *record)
{
  if (record == NULL)
    return NULL;
  return tasker_app_format_time_full (tasker_history_record_get_started_time (record));
}

/* An unfinished record's time is when it was last written, not an end. */
static char *
finished_text (gpointer             unused,
               TaskerHistoryRecord *record)
{
  if (record == NULL || !tasker_app_history_record_is_final (record))
    return NULL;
  return tasker_app_format_time_full (tasker_history_record_get_finished_time (record));
}

static char *
duration_text (gpointer             unused,
               TaskerHistoryRecord *record)
{
  return record != NULL ? tasker_app_history_record_dup_duration (record) : NULL;
}

static char *
attempts_text (gpointer             unused,
               TaskerHistoryRecord *record)
{
  if (record == NULL || tasker_history_record_get_attempts (record) <= 1)
    return NULL;
  return g_strdup_printf ("%u", tasker_history_record_get_attempts (record));
}

static char *
log_text (gpointer             unused,
          TaskerHistoryRecord *record)
{
  g_auto(GStrv) log = record != NULL ? tasker_history_record_dup_log (record) : NULL;

  return log != NULL && log[0] != NULL ? g_strjoinv ("\n", log) : g_strdup (_("No output"));
}

static void
rerun_clicked_cb (TaskerAppHistoryDetails *self)
{
  g_signal_emit (self, signals[RERUN], 0, self->record);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* The record never changes: its name is the title. */
static void
tasker_app_history_details_constructed (GObject *object)
{
  TaskerAppHistoryDetails *self = (TaskerAppHistoryDetails *) object;

  G_OBJECT_CLASS (tasker_app_history_details_parent_class)->constructed (object);

  gtk_window_set_title (GTK_WINDOW (self), tasker_app_history_record_get_title (self->record));
}

static void
tasker_app_history_details_dispose (GObject *object)
{
  TaskerAppHistoryDetails *self = (TaskerAppHistoryDetails *) object;

  gtk_widget_dispose_template (GTK_WIDGET (self), TASKER_APP_TYPE_HISTORY_DETAILS);
  g_clear_object (&self->record);

  G_OBJECT_CLASS (tasker_app_history_details_parent_class)->dispose (object);
}

static void
tasker_app_history_details_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  TaskerAppHistoryDetails *self = TASKER_APP_HISTORY_DETAILS (object);

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
tasker_app_history_details_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  TaskerAppHistoryDetails *self = TASKER_APP_HISTORY_DETAILS (object);

  switch (prop_id)
    {
    case PROP_RECORD:
      self->record = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_history_details_class_init (TaskerAppHistoryDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tasker_app_history_details_constructed;
  object_class->dispose = tasker_app_history_details_dispose;
  object_class->get_property = tasker_app_history_details_get_property;
  object_class->set_property = tasker_app_history_details_set_property;

  /**
   * TaskerAppHistoryDetails:record:
   *
   * The record shown.
   */
  properties[PROP_RECORD] =
    g_param_spec_object ("record", NULL, NULL,
                         TASKER_TYPE_HISTORY_RECORD,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TaskerAppHistoryDetails::rerun:
   * @record: the record
   *
   * Run Again was clicked; the window closes next. Main context.
   */
  signals[RERUN] =
    g_signal_new ("rerun",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, TASKER_TYPE_HISTORY_RECORD);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tasker/Tasker/tasker-app-history-details.ui");
  gtk_widget_class_bind_template_callback (widget_class, is_set);
  gtk_widget_class_bind_template_callback (widget_class, has_command);
  gtk_widget_class_bind_template_callback (widget_class, command_text);
  gtk_widget_class_bind_template_callback (widget_class, cwd_text);
  gtk_widget_class_bind_template_callback (widget_class, status_text);
  gtk_widget_class_bind_template_callback (widget_class, error_text);
  gtk_widget_class_bind_template_callback (widget_class, started_text);
  gtk_widget_class_bind_template_callback (widget_class, finished_text);
  gtk_widget_class_bind_template_callback (widget_class, duration_text);
  gtk_widget_class_bind_template_callback (widget_class, attempts_text);
  gtk_widget_class_bind_template_callback (widget_class, log_text);
  gtk_widget_class_bind_template_callback (widget_class, rerun_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tasker_app_history_details_init (TaskerAppHistoryDetails *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tasker_app_history_details_new (GtkWindow           *parent,
                                TaskerHistoryRecord *record)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (record), NULL);

  return g_object_new (TASKER_APP_TYPE_HISTORY_DETAILS,
                       "record", record,
                       "transient-for", parent,
                       NULL);
}

TaskerHistoryRecord *
tasker_app_history_details_get_record (TaskerAppHistoryDetails *self)
{
  g_return_val_if_fail (TASKER_APP_IS_HISTORY_DETAILS (self), NULL);
  return self->record;
}
