/* tasker-app-preferences-window.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-app-preferences-window.h"
#include "tasker-app-queue-row.h"

#include <glib/gi18n.h>

/**
 * TaskerAppPreferencesWindow:
 *
 * The preferences: the queues (GSettings key `queues`, `a(suu)`: name, how
 * many commands run at once, how many more may wait with 0 for no limit)
 * and how much history is kept (`history-days`, `history-max-count`).
 * Every change is written to GSettings at once; the application applies it
 * to the manager.
 *
 * Main thread only, like every widget.
 */

#define SCHEMA_ID         "io.github.tasker.Tasker"
#define MAX_CONCURRENT    256

typedef struct
{
  char  *name;
  guint  max_concurrent;
  guint  capacity;
} Queue;

struct _TaskerAppPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;    /* (owned) (nullable) */
  GArray               *queues;      /* (owned) (element-type Queue): as shown */
  GPtrArray            *queue_rows;  /* (owned) (element-type AdwExpanderRow): in @queues_group */

  /* template children */
  AdwPreferencesPage   *queues_page;
  AdwPreferencesGroup  *queues_group;
  AdwEntryRow          *new_queue_row;
  AdwPreferencesPage   *history_page;
  GtkSpinButton        *history_days_spin;
  GtkSpinButton        *history_max_count_spin;
};

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (TaskerAppPreferencesWindow, tasker_app_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static GParamSpec *properties[N_PROPS];

static void rebuild_queue_rows (TaskerAppPreferencesWindow *self);

static void
queue_clear (gpointer data)
{
  Queue *queue = data;

  g_clear_pointer (&queue->name, g_free);
}

static GVariant *
queues_to_variant (TaskerAppPreferencesWindow *self)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(suu)"));
  for (guint i = 0; i < self->queues->len; i++)
    {
      Queue *queue = &g_array_index (self->queues, Queue, i);

      g_variant_builder_add (&builder, "(suu)", queue->name, queue->max_concurrent, queue->capacity);
    }

  return g_variant_builder_end (&builder);
}

static void
save_queues (TaskerAppPreferencesWindow *self)
{
  if (self->settings != NULL)
    g_settings_set_value (self->settings, "queues", queues_to_variant (self));
}

static gboolean
find_queue (TaskerAppPreferencesWindow *self,
            const char                 *name,
            guint                      *index)
{
  for (guint i = 0; i < self->queues->len; i++)
    {
      if (g_strcmp0 (g_array_index (self->queues, Queue, i).name, name) == 0)
        {
          if (index != NULL)
            *index = i;
          return TRUE;
        }
    }

  return FALSE;
}

/* Queue rows */

static void
queue_changed_cb (TaskerAppPreferencesWindow *self,
                  GParamSpec                 *pspec,
                  TaskerAppQueueRow          *row)
{
  Queue *queue;
  guint index;

  if (!find_queue (self, tasker_app_queue_row_get_name (row), &index))
    return;

  queue = &g_array_index (self->queues, Queue, index);
  if (queue->max_concurrent == tasker_app_queue_row_get_max_concurrent (row) &&
      queue->capacity == tasker_app_queue_row_get_capacity (row))
    return;
  queue->max_concurrent = tasker_app_queue_row_get_max_concurrent (row);
  queue->capacity = tasker_app_queue_row_get_capacity (row);

  save_queues (self);
}

static void
queue_remove_cb (TaskerAppPreferencesWindow *self,
                 TaskerAppQueueRow          *row)
{
  guint index;

  if (!find_queue (self, tasker_app_queue_row_get_name (row), &index))
    return;

  g_array_remove_index (self->queues, index);
  save_queues (self);
  rebuild_queue_rows (self);
}

static GtkWidget *
make_queue_row (TaskerAppPreferencesWindow *self,
                const Queue                *queue)
{
  GtkWidget *row = tasker_app_queue_row_new (queue->name, queue->max_concurrent, queue->capacity);

  g_signal_connect_object (row, "notify::max-concurrent", G_CALLBACK (queue_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "notify::capacity", G_CALLBACK (queue_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "remove", G_CALLBACK (queue_remove_cb), self, G_CONNECT_SWAPPED);

  return row;
}

static void
rebuild_queue_rows (TaskerAppPreferencesWindow *self)
{
  for (guint i = 0; i < self->queue_rows->len; i++)
    adw_preferences_group_remove (self->queues_group, g_ptr_array_index (self->queue_rows, i));
  g_ptr_array_set_size (self->queue_rows, 0);

  for (guint i = 0; i < self->queues->len; i++)
    {
      GtkWidget *row = make_queue_row (self, &g_array_index (self->queues, Queue, i));

      g_ptr_array_add (self->queue_rows, row);
      adw_preferences_group_add (self->queues_group, row);
    }
}

static void
load_queues (TaskerAppPreferencesWindow *self)
{
  g_autoptr(GVariant) value = NULL;
  GVariantIter iter;
  const char *name;
  guint max_concurrent, capacity;

  g_array_set_size (self->queues, 0);
  if (self->settings != NULL)
    {
      value = g_settings_get_value (self->settings, "queues");
      g_variant_iter_init (&iter, value);
      while (g_variant_iter_next (&iter, "(&suu)", &name, &max_concurrent, &capacity))
        {
          Queue queue = { g_strdup (name), CLAMP (max_concurrent, 1, MAX_CONCURRENT), capacity };

          if (find_queue (self, name, NULL) || name[0] == '\0')
            {
              g_free (queue.name);
              continue;
            }
          g_array_append_val (self->queues, queue);
        }
    }

  rebuild_queue_rows (self);
}

static void
queues_changed_cb (TaskerAppPreferencesWindow *self,
                   const char                 *key,
                   GSettings                  *settings)
{
  g_autoptr(GVariant) value = g_settings_get_value (settings, "queues");
  g_autoptr(GVariant) shown = g_variant_ref_sink (queues_to_variant (self));

  /* Our own writes come back here: keep the rows (and the focus). */
  if (!g_variant_equal (value, shown))
    load_queues (self);
}

/* Template callbacks */

static char *
new_queue_name (TaskerAppPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->new_queue_row));

  return g_strstrip (g_strdup (text != NULL ? text : ""));
}

static void
new_queue_changed_cb (TaskerAppPreferencesWindow *self,
                      GtkEditable                *editable)
{
  g_autofree char *name = new_queue_name (self);

  if (find_queue (self, name, NULL))
    gtk_widget_add_css_class (GTK_WIDGET (self->new_queue_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->new_queue_row), "error");
}

static void
add_queue_cb (TaskerAppPreferencesWindow *self,
              AdwEntryRow                *entry_row)
{
  g_autofree char *name = new_queue_name (self);
  Queue queue = { NULL, 1, 0 };
  GtkWidget *row;

  if (name[0] == '\0')
    return;
  if (find_queue (self, name, NULL))
    {
      g_autofree char *message = g_strdup_printf (_("A queue named “%s” exists already"), name);

      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
      return;
    }

  queue.name = g_steal_pointer (&name);
  g_array_append_val (self->queues, queue);
  row = make_queue_row (self, &queue);
  g_ptr_array_add (self->queue_rows, row);
  adw_preferences_group_add (self->queues_group, row);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);

  gtk_editable_set_text (GTK_EDITABLE (self->new_queue_row), "");
  save_queues (self);
}

/* GObject */

static GSettings *
load_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE);
  if (schema == NULL)
    return NULL;

  return g_settings_new_full (schema, NULL, NULL);
}

static void
tasker_app_preferences_window_constructed (GObject *object)
{
  TaskerAppPreferencesWindow *self = TASKER_APP_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (tasker_app_preferences_window_parent_class)->constructed (object);

  if (self->settings == NULL)
    self->settings = load_settings ();

  if (self->settings == NULL)
    {
      g_message ("Schema %s is not installed: the preferences cannot be changed", SCHEMA_ID);
      gtk_widget_set_sensitive (GTK_WIDGET (self->queues_page), FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->history_page), FALSE);
      return;
    }

  g_signal_connect_object (self->settings, "changed::queues",
                           G_CALLBACK (queues_changed_cb), self, G_CONNECT_SWAPPED);
  load_queues (self);

  g_settings_bind (self->settings, "history-days",
                   self->history_days_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "history-max-count",
                   self->history_max_count_spin, "value", G_SETTINGS_BIND_DEFAULT);
}

static void
tasker_app_preferences_window_dispose (GObject *object)
{
  TaskerAppPreferencesWindow *self = TASKER_APP_PREFERENCES_WINDOW (object);

  if (self->settings != NULL)
    {
      g_settings_unbind (self->history_days_spin, "value");
      g_settings_unbind (self->history_max_count_spin, "value");
    }
  g_clear_object (&self->settings);
  g_clear_pointer (&self->queue_rows, g_ptr_array_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), TASKER_APP_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (tasker_app_preferences_window_parent_class)->dispose (object);
}

static void
tasker_app_preferences_window_finalize (GObject *object)
{
  TaskerAppPreferencesWindow *self = TASKER_APP_PREFERENCES_WINDOW (object);

  g_clear_pointer (&self->queues, g_array_unref);

  G_OBJECT_CLASS (tasker_app_preferences_window_parent_class)->finalize (object);
}

static void
tasker_app_preferences_window_get_property (GObject    *object,
                                            guint       prop_id,
                                            GValue     *value,
                                            GParamSpec *pspec)
{
  TaskerAppPreferencesWindow *self = TASKER_APP_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_preferences_window_set_property (GObject      *object,
                                            guint         prop_id,
                                            const GValue *value,
                                            GParamSpec   *pspec)
{
  TaskerAppPreferencesWindow *self = TASKER_APP_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_set_object (&self->settings, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_preferences_window_class_init (TaskerAppPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tasker_app_preferences_window_constructed;
  object_class->dispose = tasker_app_preferences_window_dispose;
  object_class->finalize = tasker_app_preferences_window_finalize;
  object_class->get_property = tasker_app_preferences_window_get_property;
  object_class->set_property = tasker_app_preferences_window_set_property;

  /**
   * TaskerAppPreferencesWindow:settings:
   *
   * The settings of schema `io.github.tasker.Tasker` to edit; %NULL (the
   * default) for the application's.
   */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tasker/Tasker/tasker-app-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TaskerAppPreferencesWindow, queues_page);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppPreferencesWindow, queues_group);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppPreferencesWindow, new_queue_row);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppPreferencesWindow, history_page);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppPreferencesWindow, history_days_spin);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppPreferencesWindow, history_max_count_spin);
  gtk_widget_class_bind_template_callback (widget_class, add_queue_cb);
  gtk_widget_class_bind_template_callback (widget_class, new_queue_changed_cb);
}

static void
tasker_app_preferences_window_init (TaskerAppPreferencesWindow *self)
{
  self->queues = g_array_new (FALSE, TRUE, sizeof (Queue));
  g_array_set_clear_func (self->queues, queue_clear);
  self->queue_rows = g_ptr_array_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * tasker_app_preferences_window_new:
 * @parent: (nullable): the window the preferences belong to
 *
 * Creates the preferences window, modal for @parent, editing the
 * application's settings.
 *
 * Returns: (transfer none): a new #TaskerAppPreferencesWindow
 */
GtkWidget *
tasker_app_preferences_window_new (GtkWindow *parent)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (TASKER_APP_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       NULL);
}

/**
 * tasker_app_preferences_window_get_settings:
 * @self: a #TaskerAppPreferencesWindow
 *
 * Returns: (transfer none) (nullable): the settings being edited, %NULL
 *   when the schema is not installed
 */
GSettings *
tasker_app_preferences_window_get_settings (TaskerAppPreferencesWindow *self)
{
  g_return_val_if_fail (TASKER_APP_IS_PREFERENCES_WINDOW (self), NULL);

  return self->settings;
}
