/* tasker-app-preferences-window.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-app-preferences-window.h"

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
#define DEFAULT_QUEUE     "default"
#define MAX_CONCURRENT    256
#define MAX_CAPACITY      1000000

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

static char *
queue_summary (const Queue *queue)
{
  g_autofree char *running = NULL;
  g_autofree char *waiting = NULL;

  running = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "%u command at a time",
                                          "%u commands at a time",
                                          queue->max_concurrent),
                             queue->max_concurrent);
  if (queue->capacity == 0)
    waiting = g_strdup (_("any number waiting"));
  else
    waiting = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "at most %u waiting",
                                            "at most %u waiting",
                                            queue->capacity),
                               queue->capacity);

  /* Translators: how a queue runs commands, e.g. "2 commands at a time, any number waiting" */
  return g_strdup_printf (_("%s, %s"), running, waiting);
}

/* Queue rows */

static const char *
row_queue_name (GtkWidget *widget)
{
  return g_object_get_data (G_OBJECT (widget), "tasker-queue");
}

static void
spin_changed_cb (GtkSpinButton              *spin,
                 TaskerAppPreferencesWindow *self)
{
  const char *name = row_queue_name (GTK_WIDGET (spin));
  const char *field = g_object_get_data (G_OBJECT (spin), "tasker-field");
  AdwExpanderRow *expander;
  g_autofree char *summary = NULL;
  Queue *queue;
  guint index;
  guint value;

  if (!find_queue (self, name, &index))
    return;

  queue = &g_array_index (self->queues, Queue, index);
  value = (guint) gtk_spin_button_get_value_as_int (spin);
  if (g_str_equal (field, "max-concurrent"))
    {
      if (queue->max_concurrent == value)
        return;
      queue->max_concurrent = value;
    }
  else
    {
      if (queue->capacity == value)
        return;
      queue->capacity = value;
    }

  expander = ADW_EXPANDER_ROW (gtk_widget_get_ancestor (GTK_WIDGET (spin), ADW_TYPE_EXPANDER_ROW));
  summary = queue_summary (queue);
  if (expander != NULL)
    adw_expander_row_set_subtitle (expander, summary);

  save_queues (self);
}

static void
remove_clicked_cb (GtkButton                  *button,
                   TaskerAppPreferencesWindow *self)
{
  guint index;

  if (!find_queue (self, row_queue_name (GTK_WIDGET (button)), &index))
    return;

  g_array_remove_index (self->queues, index);
  save_queues (self);
  rebuild_queue_rows (self);
}

static GtkWidget *
make_spin_row (TaskerAppPreferencesWindow *self,
               const Queue                *queue,
               const char                 *field,
               const char                 *title,
               const char                 *subtitle,
               guint                       lower,
               guint                       upper,
               guint                       value)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (lower, upper, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (spin), "tasker-queue", g_strdup (queue->name), g_free);
  g_object_set_data (G_OBJECT (spin), "tasker-field", (gpointer) field);
  gtk_widget_set_name (spin, field);
  g_signal_connect_object (spin, "value-changed", G_CALLBACK (spin_changed_cb), self, 0);

  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);

  return row;
}

static GtkWidget *
make_queue_row (TaskerAppPreferencesWindow *self,
                const Queue                *queue)
{
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *remove;
  g_autofree char *summary = queue_summary (queue);
  g_autofree char *remove_label = NULL;

  /* A queue name is text, not markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), queue->name);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), summary);
  g_object_set_data_full (G_OBJECT (row), "tasker-queue", g_strdup (queue->name), g_free);

  remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _("Remove Queue"));
  /* Translators: the accessible name of the button removing the queue %s */
  remove_label = g_strdup_printf (_("Remove Queue “%s”"), queue->name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label,
                                  -1);
  g_object_set_data_full (G_OBJECT (remove), "tasker-queue", g_strdup (queue->name), g_free);
  /* The default queue is where commands without a queue go. */
  gtk_widget_set_sensitive (remove, g_strcmp0 (queue->name, DEFAULT_QUEUE) != 0);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_clicked_cb), self, 0);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), remove);

  adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                            make_spin_row (self, queue, "max-concurrent",
                                           _("_Running at Once"),
                                           _("How many commands of this queue run at the same time"),
                                           1, MAX_CONCURRENT, queue->max_concurrent));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                            make_spin_row (self, queue, "capacity",
                                           _("_Waiting at Most"),
                                           _("How many more may wait for a slot; 0 for no limit"),
                                           0, MAX_CAPACITY, queue->capacity));

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
