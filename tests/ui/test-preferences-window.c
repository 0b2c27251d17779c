/* test-preferences-window.c: TaskerAppPreferencesWindow against GSettings
 * (GSETTINGS_BACKEND=memory, GSETTINGS_SCHEMA_DIR=<build>/data)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "tasker-app-preferences-window.h"
#include "ui-test.h"

#define WAIT_UNTIL(cond) UI_TEST_WAIT_UNTIL (cond, 10)

static gpointer
child (TaskerAppPreferencesWindow *window,
       const char                 *name)
{
  return ui_test_template_child (GTK_WIDGET (window), TASKER_APP_TYPE_PREFERENCES_WINDOW, name);
}

static void
collect (GtkWidget *widget,
         GType      type,
         GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect (c, type, found);
}

/* The expander row of the queue @name, or NULL. */
static AdwExpanderRow *
queue_row (TaskerAppPreferencesWindow *window,
           const char                 *name)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect (child (window, "queues_group"), ADW_TYPE_EXPANDER_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      AdwPreferencesRow *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (adw_preferences_row_get_title (row), name) == 0)
        return ADW_EXPANDER_ROW (row);
    }

  return NULL;
}

static guint
n_queue_rows (TaskerAppPreferencesWindow *window)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect (child (window, "queues_group"), ADW_TYPE_EXPANDER_ROW, rows);
  return rows->len;
}

static GtkSpinButton *
queue_spin (AdwExpanderRow *row,
            const char     *field)
{
  g_autoptr(GPtrArray) spins = g_ptr_array_new ();

  collect (GTK_WIDGET (row), GTK_TYPE_SPIN_BUTTON, spins);
  for (guint i = 0; i < spins->len; i++)
    if (g_strcmp0 (gtk_widget_get_name (g_ptr_array_index (spins, i)), field) == 0)
      return g_ptr_array_index (spins, i);

  g_assert_not_reached ();
}

static GtkButton *
remove_button (AdwExpanderRow *row)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  collect (GTK_WIDGET (row), GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_widget_get_tooltip_text (g_ptr_array_index (buttons, i)), "Remove Queue") == 0)
      return g_ptr_array_index (buttons, i);

  g_assert_not_reached ();
}

static char *
queues_text (GSettings *settings)
{
  g_autoptr(GVariant) value = g_settings_get_value (settings, "queues");

  return g_variant_print (value, FALSE);
}

static void
add_queue (TaskerAppPreferencesWindow *window,
           const char                 *name)
{
  AdwEntryRow *entry = child (window, "new_queue_row");

  gtk_editable_set_text (GTK_EDITABLE (entry), name);
  g_signal_emit_by_name (entry, "apply");
}

static void
destroy_window (TaskerAppPreferencesWindow *window)
{
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static void
test_defaults (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.tasker.Tasker");
  TaskerAppPreferencesWindow *window;

  g_settings_reset (settings, "queues");
  window = TASKER_APP_PREFERENCES_WINDOW (tasker_app_preferences_window_new (NULL));
  g_assert_nonnull (tasker_app_preferences_window_get_settings (window));
  gtk_window_present (GTK_WINDOW (window));

  g_assert_cmpuint (n_queue_rows (window), ==, 1);
  g_assert_nonnull (queue_row (window, "default"));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (queue_spin (queue_row (window, "default"), "max-concurrent")), ==, 2);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (queue_spin (queue_row (window, "default"), "capacity")), ==, 0);
  /* The default queue stays. */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (remove_button (queue_row (window, "default")))));

  g_assert_cmpint (gtk_spin_button_get_value_as_int (child (window, "history_days_spin")), ==, 90);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (child (window, "history_max_count_spin")), ==, 10000);

  destroy_window (window);
}

static void
test_queues (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.tasker.Tasker");
  TaskerAppPreferencesWindow *window;
  AdwExpanderRow *row;
  g_autofree char *text = NULL;

  g_settings_reset (settings, "queues");
  window = g_object_new (TASKER_APP_TYPE_PREFERENCES_WINDOW, "settings", settings, NULL);
  gtk_window_present (GTK_WINDOW (window));

  /* Add */
  add_queue (window, "  backups ");
  g_assert_cmpstr ((text = queues_text (settings)), ==, "[('default', 2, 0), ('backups', 1, 0)]");
  g_clear_pointer (&text, g_free);
  g_assert_cmpstr (gtk_editable_get_text (child (window, "new_queue_row")), ==, "");
  row = queue_row (window, "backups");
  g_assert_nonnull (row);

  /* A name that exists, or none, adds nothing. */
  add_queue (window, "backups");
  add_queue (window, "   ");
  g_assert_cmpuint (n_queue_rows (window), ==, 2);
  g_assert_cmpstr ((text = queues_text (settings)), ==, "[('default', 2, 0), ('backups', 1, 0)]");
  g_clear_pointer (&text, g_free);
  gtk_editable_set_text (child (window, "new_queue_row"), "");

  /* Edit: written back at once, the row stays */
  gtk_spin_button_set_value (queue_spin (row, "max-concurrent"), 3);
  gtk_spin_button_set_value (queue_spin (row, "capacity"), 10);
  g_assert_cmpstr ((text = queues_text (settings)), ==, "[('default', 2, 0), ('backups', 3, 10)]");
  g_clear_pointer (&text, g_free);
  g_assert_true (queue_row (window, "backups") == row);
  g_assert_cmpstr (adw_expander_row_get_subtitle (row), ==, "3 commands at a time, at most 10 waiting");

  /* Remove */
  g_signal_emit_by_name (remove_button (row), "clicked");
  g_assert_cmpstr ((text = queues_text (settings)), ==, "[('default', 2, 0)]");
  g_clear_pointer (&text, g_free);
  g_assert_null (queue_row (window, "backups"));

  /* A change made elsewhere shows up. */
  g_settings_set_value (settings, "queues",
                        g_variant_new_parsed ("[('default', uint32 4, uint32 0), ('net', 1, 5)]"));
  WAIT_UNTIL (queue_row (window, "net") != NULL);
  g_assert_cmpuint (n_queue_rows (window), ==, 2);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (queue_spin (queue_row (window, "default"), "max-concurrent")), ==, 4);
  g_assert_cmpstr (adw_expander_row_get_subtitle (queue_row (window, "net")), ==, "1 command at a time, at most 5 waiting");

  destroy_window (window);
  g_settings_reset (settings, "queues");
}

static void
test_history (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.tasker.Tasker");
  TaskerAppPreferencesWindow *window;

  window = g_object_new (TASKER_APP_TYPE_PREFERENCES_WINDOW, "settings", settings, NULL);
  gtk_window_present (GTK_WINDOW (window));

  gtk_spin_button_set_value (child (window, "history_days_spin"), 30);
  gtk_spin_button_set_value (child (window, "history_max_count_spin"), 0);
  g_assert_cmpuint (g_settings_get_uint (settings, "history-days"), ==, 30);
  g_assert_cmpuint (g_settings_get_uint (settings, "history-max-count"), ==, 0);

  g_settings_set_uint (settings, "history-days", 7);
  WAIT_UNTIL (gtk_spin_button_get_value_as_int (child (window, "history_days_spin")) == 7);

  destroy_window (window);
  g_settings_reset (settings, "history-days");
  g_settings_reset (settings, "history-max-count");
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LC_ALL", "C", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/Tasker/PreferencesWindow/defaults", test_defaults);
  g_test_add_func ("/Tasker/PreferencesWindow/queues", test_queues);
  g_test_add_func ("/Tasker/PreferencesWindow/history", test_history);

  return g_test_run ();
}
