/* tasker-app-queue-row.c: one queue in the preferences
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tasker-app-queue-row.h"

/* TaskerAppQueueRow: a queue's name, with how many of its commands run at
 * once and how many more may wait (its two spin buttons, bound both ways to
 * the row's max-concurrent and capacity properties) summed up as the
 * subtitle, and a Remove button reported as ::remove (insensitive for the
 * default queue, where commands without a queue go). Main thread only. */

#define DEFAULT_QUEUE "default"

struct _TaskerAppQueueRow
{
  AdwExpanderRow  parent_instance;

  char           *name;             /* (owned) */
  guint           max_concurrent;
  guint           capacity;         /* 0: no limit */

  /* template children */
  GtkWidget      *remove_button;
  GtkSpinButton  *max_concurrent_spin;
  GtkSpinButton  *capacity_spin;
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_MAX_CONCURRENT,
  PROP_CAPACITY,
  N_PROPS
};

enum {
  REMOVE,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (TaskerAppQueueRow, tasker_app_queue_row, ADW_TYPE_EXPANDER_ROW)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static gboolean
is_removable (gpointer    unused,
              const char *name)
{
  return g_strcmp0 (name, DEFAULT_QUEUE) != 0;
}

static void
remove_clicked_cb (TaskerAppQueueRow *self)
{
  g_signal_emit (self, signals[REMOVE], 0);
}

/* "2 commands at a time, any number waiting" */
static void
update_summary (TaskerAppQueueRow *self)
{
  g_autofree char *running = NULL;
  g_autofree char *waiting = NULL;
  g_autofree char *summary = NULL;

  running = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "%u command at a time",
                                          "%u commands at a time",
                                          self->max_concurrent),
                             self->max_concurrent);
  if (self->capacity == 0)
    waiting = g_strdup (_("any number waiting"));
  else
    waiting = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "at most %u waiting",
                                            "at most %u waiting",
                                            self->capacity),
                               self->capacity);

  /* Translators: how a queue runs commands, e.g. "2 commands at a time, any number waiting" */
  summary = g_strdup_printf (_("%s, %s"), running, waiting);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self), summary);
}

static void
set_uint (TaskerAppQueueRow *self,
          guint             *field,
          guint              value,
          GParamSpec        *pspec)
{
  if (*field == value)
    return;
  *field = value;
  update_summary (self);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
tasker_app_queue_row_constructed (GObject *object)
{
  TaskerAppQueueRow *self = (TaskerAppQueueRow *) object;
  g_autofree char *remove_label = NULL;

  G_OBJECT_CLASS (tasker_app_queue_row_parent_class)->constructed (object);

  /* The name never changes: it is the title. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), self->name);
  /* Translators: the accessible name of the button removing the queue %s */
  remove_label = g_strdup_printf (_("Remove Queue “%s”"), self->name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->remove_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label,
                                  -1);
  update_summary (self);

  g_object_bind_property (self, "max-concurrent", self->max_concurrent_spin, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "capacity", self->capacity_spin, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
}

static void
tasker_app_queue_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TASKER_APP_TYPE_QUEUE_ROW);

  G_OBJECT_CLASS (tasker_app_queue_row_parent_class)->dispose (object);
}

static void
tasker_app_queue_row_finalize (GObject *object)
{
  TaskerAppQueueRow *self = (TaskerAppQueueRow *) object;

  g_free (self->name);

  G_OBJECT_CLASS (tasker_app_queue_row_parent_class)->finalize (object);
}

static void
tasker_app_queue_row_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TaskerAppQueueRow *self = TASKER_APP_QUEUE_ROW (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_MAX_CONCURRENT:
      g_value_set_uint (value, self->max_concurrent);
      break;
    case PROP_CAPACITY:
      g_value_set_uint (value, self->capacity);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_queue_row_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TaskerAppQueueRow *self = TASKER_APP_QUEUE_ROW (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_MAX_CONCURRENT:
      set_uint (self, &self->max_concurrent, g_value_get_uint (value), pspec);
      break;
    case PROP_CAPACITY:
      set_uint (self, &self->capacity, g_value_get_uint (value), pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_queue_row_class_init (TaskerAppQueueRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tasker_app_queue_row_constructed;
  object_class->dispose = tasker_app_queue_row_dispose;
  object_class->finalize = tasker_app_queue_row_finalize;
  object_class->get_property = tasker_app_queue_row_get_property;
  object_class->set_property = tasker_app_queue_row_set_property;

  /**
   * TaskerAppQueueRow:name:
   *
   * The queue's name.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerAppQueueRow:max-concurrent:
   *
   * How many of the queue's commands run at once.
   */
  properties[PROP_MAX_CONCURRENT] =
    g_param_spec_uint ("max-concurrent", NULL, NULL,
                       1, G_MAXUINT, 1,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerAppQueueRow:capacity:
   *
   * How many more of its commands may wait; 0 for no limit.
   */
  properties[PROP_CAPACITY] =
    g_param_spec_uint ("capacity", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TaskerAppQueueRow::remove:
   *
   * Remove was clicked. Main context.
   */
  signals[REMOVE] =
    g_signal_new ("remove",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tasker/Tasker/tasker-app-queue-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TaskerAppQueueRow, remove_button);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppQueueRow, max_concurrent_spin);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppQueueRow, capacity_spin);
  gtk_widget_class_bind_template_callback (widget_class, is_removable);
  gtk_widget_class_bind_template_callback (widget_class, remove_clicked_cb);
}

static void
tasker_app_queue_row_init (TaskerAppQueueRow *self)
{
  self->max_concurrent = 1;
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tasker_app_queue_row_new (const char *name,
                          guint       max_concurrent,
                          guint       capacity)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_object_new (TASKER_APP_TYPE_QUEUE_ROW,
                       "name", name,
                       "max-concurrent", max_concurrent,
                       "capacity", capacity,
                       NULL);
}

const char *
tasker_app_queue_row_get_name (TaskerAppQueueRow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_QUEUE_ROW (self), NULL);
  return self->name;
}

guint
tasker_app_queue_row_get_max_concurrent (TaskerAppQueueRow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_QUEUE_ROW (self), 0);
  return self->max_concurrent;
}

guint
tasker_app_queue_row_get_capacity (TaskerAppQueueRow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_QUEUE_ROW (self), 0);
  return self->capacity;
}
