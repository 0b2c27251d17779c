/* tasker-app-task-details.c: everything about the selected task, with its live log
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tasker-app-clock.h"
#include "tasker-app-format.h"
#include "tasker-app-task-details.h"

/* TaskerAppTaskDetails: the details pane. Its fields follow the task's
 * notifications; the log has none (lines arrive in the task without a
 * signal), so while a running task is shown the pane polls it every
 * LOG_POLL_MS and copies and appends only the new lines (see refresh_log()),
 * scrolling along when the view was at the bottom, so reading older lines is
 * not disturbed. The elapsed time follows the clock's tick (TaskerAppClock)
 * while the task is unfinished and the pane mapped. Main thread only. */

#define LOG_POLL_MS 250

struct _TaskerAppTaskDetails
{
  GtkWidget      parent_instance;

  TaskerTask    *task;           /* (owned) (nullable) */
  gulong         notify_id;
  gulong         tick_id;        /* on the default TaskerAppClock while the task is unfinished */
  guint          poll_id;
  guint64        log_position;   /* lines of the task's log read so far */
  guint64        log_first;      /* number of the first log line shown */
  gboolean       log_marker;     /* the first line of the buffer says how many were dropped */
  gboolean       follow;         /* keep the newest log line in view */

  /* template children */
  GtkImage      *status_image;
  GtkLabel      *title_label;
  GtkLabel      *status_label;
  GtkLabel      *program_title;
  GtkLabel      *program_label;
  GtkLabel      *command_title;
  GtkLabel      *cwd_title;
  GtkLabel      *command_label;
  GtkLabel      *cwd_label;
  GtkLabel      *queue_label;
  GtkLabel      *created_label;
  GtkLabel      *started_label;
  GtkLabel      *finished_label;
  GtkLabel      *elapsed_label;
  GtkLabel      *attempts_label;
  GtkLabel      *trace_label;
  GtkLabel      *error_title;
  GtkLabel      *error_label;
  GtkWidget     *cancel_button;
  GtkWidget     *rerun_button;
  GtkScrolledWindow *log_scroller;
  GtkTextView   *log_view;
  GtkTextBuffer *log_buffer;
};

G_DEFINE_FINAL_TYPE (TaskerAppTaskDetails, tasker_app_task_details, GTK_TYPE_WIDGET)

static void
set_label (GtkLabel   *label,
           const char *text)
{
  gtk_label_set_label (label, text != NULL && *text != '\0' ? text : "—");
}

/* Shows what the task logged since the last refresh: only the new lines
 * are copied and added, and the lines the task's bounded log dropped leave
 * the view's start too, under one marker line, so the view holds what the
 * task holds (however long the task runs or much it prints). */
static void
refresh_log (TaskerAppTaskDetails *self)
{
  g_auto(GStrv) lines = NULL;
  guint64 next, dropped, first_new;
  guint n, first_line;
  GtkTextIter start, end;

  if (self->task == NULL)
    return;

  lines = tasker_task_dup_log_since (self->task, self->log_position, &next, &dropped);
  n = g_strv_length (lines);
  if (next == self->log_position)
    return;
  first_new = next - n;

  /* Lines the task dropped go from the view (all of them when it dropped
   * lines the view never had). */
  first_line = self->log_marker ? 1 : 0;
  if (first_new > self->log_position)
    {
      gtk_text_buffer_set_text (self->log_buffer, "", 0);
      self->log_marker = FALSE;
      first_line = 0;
      self->log_first = first_new;
    }
  else if (dropped > self->log_first && self->log_first < self->log_position)
    {
      guint64 gone = MIN (dropped, self->log_position) - self->log_first;

      gtk_text_buffer_get_iter_at_line (self->log_buffer, &start, first_line);
      if (!gtk_text_buffer_get_iter_at_line (self->log_buffer, &end, first_line + gone))
        gtk_text_buffer_get_end_iter (self->log_buffer, &end);
      gtk_text_buffer_delete (self->log_buffer, &start, &end);
      self->log_first += gone;
    }
  if (self->log_first < dropped)
    self->log_first = dropped;

  gtk_text_buffer_get_end_iter (self->log_buffer, &end);
  for (guint i = 0; i < n; i++)
    {
      if (gtk_text_buffer_get_char_count (self->log_buffer) > 0)
        gtk_text_buffer_insert (self->log_buffer, &end, "\n", 1);
      gtk_text_buffer_insert (self->log_buffer, &end, lines[i], -1);
    }
  self->log_position = next;

  /* The marker, first, says how many lines went. */
  if (dropped > 0)
    {
      g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, dropped);
      /* Translators: first line of a task's log when older lines were dropped; %s is their number */
      g_autofree char *marker = g_strdup_printf (ngettext ("… %s earlier line dropped",
                                                           "… %s earlier lines dropped",
                                                           (gulong) MIN (dropped, G_MAXULONG)),
                                                 count);

      gtk_text_buffer_get_start_iter (self->log_buffer, &start);
      if (self->log_marker)
        {
          end = start;
          gtk_text_iter_forward_to_line_end (&end);
          gtk_text_buffer_delete (self->log_buffer, &start, &end);
          gtk_text_buffer_insert (self->log_buffer, &start, marker, -1);
        }
      else
        {
          g_autofree char *line = g_strconcat (marker, gtk_text_buffer_get_char_count (self->log_buffer) > 0 ? "\n" : "", NULL);

          gtk_text_buffer_insert (self->log_buffer, &start, line, -1);
          self->log_marker = TRUE;
        }
    }

  /* Following the end happens in log_upper_changed_cb(), once the new lines
   * are laid out, by setting the adjustment: scroll_to_mark() animates, and
   * a view unmapped mid-animation made GTK 4.8 log a critical from a
   * scrolled window's unmap (seen in the UI tests, half the runs). */
}

/* The text grew (its height is known only after layout, hence the
 * adjustment's signal rather than a scroll right after inserting). */
static void
log_upper_changed_cb (TaskerAppTaskDetails *self,
                      GtkAdjustment        *vadj)
{
  if (self->follow)
    gtk_adjustment_set_value (vadj, gtk_adjustment_get_upper (vadj) - gtk_adjustment_get_page_size (vadj));
}

/* The user scrolling up stops following the log; reaching its end again
 * resumes it. (Growing text and our own scrolling move the adjustment too,
 * so its value says nothing about what the user wants.) */
static gboolean
log_scrolled_cb (TaskerAppTaskDetails     *self,
                 double                    dx,
                 double                    dy,
                 GtkEventControllerScroll *controller)
{
  if (dy < 0)
    self->follow = FALSE;
  return FALSE;
}

static void
log_edge_reached_cb (TaskerAppTaskDetails *self,
                     GtkPositionType       position,
                     GtkScrolledWindow    *scroller)
{
  if (position == GTK_POS_BOTTOM)
    self->follow = TRUE;
}

static gboolean
poll_cb (gpointer user_data)
{
  TaskerAppTaskDetails *self = user_data;

  refresh_log (self);

  return G_SOURCE_CONTINUE;
}

static void
update_polling (TaskerAppTaskDetails *self)
{
  gboolean want = self->task != NULL && !tasker_task_is_final (self->task) &&
                  gtk_widget_get_mapped (GTK_WIDGET (self));

  if (want && self->poll_id == 0)
    self->poll_id = g_timeout_add (LOG_POLL_MS, poll_cb, self);
  else if (!want)
    g_clear_handle_id (&self->poll_id, g_source_remove);
}

/* As the log: only while the pane can be seen. */
static void
follow_clock (TaskerAppTaskDetails *self)
{
  tasker_app_clock_follow (tasker_app_clock_get_default (), &self->tick_id,
                           self->task != NULL && !tasker_task_is_final (self->task) &&
                           gtk_widget_get_mapped (GTK_WIDGET (self)),
                           G_CALLBACK (tasker_app_task_details_tick), self);
}

static void
update (TaskerAppTaskDetails *self)
{
  TaskerTaskStatus status;
  const GError *error;
  g_autofree char *created = NULL;
  g_autofree char *started = NULL;
  g_autofree char *finished = NULL;
  g_autofree char *attempts = NULL;
  g_autofree char *trace = NULL;
  g_autofree char *status_text = NULL;
  g_autofree char *owner = NULL;
  const char *queue;
  const char *icon;
  gboolean final;

  if (self->task == NULL)
    return;

  status = tasker_task_get_status (self->task);
  final = tasker_task_is_final (self->task);
  error = tasker_task_get_error (self->task);

  /* Called on every notification (progress too): GtkImage reloads and
   * relayouts even for the same icon. */
  icon = tasker_app_format_status_icon (status);
  if (g_strcmp0 (gtk_image_get_icon_name (self->status_image), icon) != 0)
    gtk_image_set_from_icon_name (self->status_image, icon);
  set_label (self->title_label, tasker_task_get_name (self->task));
  if (status == TASKER_TASK_STATUS_RUNNING || status == TASKER_TASK_STATUS_PENDING)
    {
      const char *message = tasker_task_get_message (self->task);

      if (message != NULL && *message != '\0')
        /* Translators: a task's status, its progress in percent and its message */
        status_text = g_strdup_printf (_("%s, %d %% — %s"), tasker_app_format_status (status),
                                       (int) (tasker_task_get_progress (self->task) * 100), message);
      else
        status_text = g_strdup_printf (_("%s, %d %%"), tasker_app_format_status (status),
                                       (int) (tasker_task_get_progress (self->task) * 100));
    }
  gtk_label_set_label (self->status_label, status_text != NULL ? status_text : tasker_app_format_status (status));

  /* Another program's task has a program, and no command of Tasker's. */
  owner = tasker_app_format_owner (self->task);
  gtk_widget_set_visible (GTK_WIDGET (self->program_title), owner != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->program_label), owner != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->command_title), owner == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->command_label), owner == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->cwd_title), owner == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->cwd_label), owner == NULL);
  if (owner != NULL)
    gtk_label_set_label (self->program_label, owner);
  set_label (self->command_label, tasker_task_get_description (self->task, "command"));
  set_label (self->cwd_label, tasker_task_get_description (self->task, "cwd"));
  queue = tasker_task_get_description (self->task, "queue");
  set_label (self->queue_label, queue != NULL ? queue : _("Default"));

  created = tasker_app_format_time (tasker_task_get_created_time (self->task));
  started = tasker_app_format_time (tasker_task_get_started_time (self->task));
  finished = tasker_app_format_time (tasker_task_get_finished_time (self->task));
  gtk_label_set_label (self->created_label, created);
  gtk_label_set_label (self->started_label, started);
  gtk_label_set_label (self->finished_label, finished);

  attempts = g_strdup_printf ("%u", tasker_task_get_attempt (self->task));
  gtk_label_set_label (self->attempts_label, attempts);
  trace = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", tasker_task_get_trace_id (self->task));
  gtk_label_set_label (self->trace_label, trace);

  gtk_widget_set_visible (GTK_WIDGET (self->error_title), error != NULL && status == TASKER_TASK_STATUS_FAILED);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL && status == TASKER_TASK_STATUS_FAILED);
  if (error != NULL)
    gtk_label_set_label (self->error_label, error->message);

  gtk_widget_set_visible (self->cancel_button, !final);
  /* Another program's task cannot be run again from here. */
  gtk_widget_set_visible (self->rerun_button,
                          final && tasker_task_get_kind (self->task) != TASKER_TASK_KIND_EXTERNAL);

  tasker_app_task_details_tick (self, g_get_real_time ());
  follow_clock (self);
  refresh_log (self);
  update_polling (self);
}

static void
tasker_app_task_details_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (tasker_app_task_details_parent_class)->map (widget);
  update_polling (TASKER_APP_TASK_DETAILS (widget));
  refresh_log (TASKER_APP_TASK_DETAILS (widget));
  tasker_app_task_details_tick (TASKER_APP_TASK_DETAILS (widget), g_get_real_time ());
  follow_clock (TASKER_APP_TASK_DETAILS (widget));
}

static void
tasker_app_task_details_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (tasker_app_task_details_parent_class)->unmap (widget);
  update_polling (TASKER_APP_TASK_DETAILS (widget));
  follow_clock (TASKER_APP_TASK_DETAILS (widget));
}

static void
tasker_app_task_details_dispose (GObject *object)
{
  GtkWidget *child;
  TaskerAppTaskDetails *self = (TaskerAppTaskDetails *) object;

  tasker_app_task_details_set_task (self, NULL);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), TASKER_APP_TYPE_TASK_DETAILS);
  /* The template's unnamed children too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (tasker_app_task_details_parent_class)->dispose (object);
}

static void
tasker_app_task_details_class_init (TaskerAppTaskDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tasker_app_task_details_dispose;
  widget_class->map = tasker_app_task_details_map;
  widget_class->unmap = tasker_app_task_details_unmap;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tasker/Tasker/tasker-app-task-details.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "taskdetails");
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, status_image);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, title_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, status_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, program_title);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, program_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, command_title);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, cwd_title);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, command_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, cwd_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, queue_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, created_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, started_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, finished_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, elapsed_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, attempts_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, trace_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, error_title);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, error_label);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, rerun_button);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, log_scroller);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppTaskDetails, log_view);

}

static void
tasker_app_task_details_init (TaskerAppTaskDetails *self)
{
  GtkAdjustment *vadj;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 12);

  self->log_buffer = gtk_text_view_get_buffer (self->log_view);
  self->follow = TRUE;
  vadj = gtk_scrolled_window_get_vadjustment (self->log_scroller);
  g_signal_connect_object (vadj, "changed", G_CALLBACK (log_upper_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->log_scroller, "edge-reached", G_CALLBACK (log_edge_reached_cb),
                           self, G_CONNECT_SWAPPED);
  {
    GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);

    g_signal_connect_object (scroll, "scroll", G_CALLBACK (log_scrolled_cb), self, G_CONNECT_SWAPPED);
    gtk_widget_add_controller (GTK_WIDGET (self->log_view), scroll);
  }
}

TaskerTask *
tasker_app_task_details_get_task (TaskerAppTaskDetails *self)
{
  g_return_val_if_fail (TASKER_APP_IS_TASK_DETAILS (self), NULL);
  return self->task;
}

void
tasker_app_task_details_set_task (TaskerAppTaskDetails *self,
                                  TaskerTask           *task)
{
  g_return_if_fail (TASKER_APP_IS_TASK_DETAILS (self));
  g_return_if_fail (task == NULL || TASKER_IS_TASK (task));

  if (self->task == task)
    return;

  if (self->task != NULL)
    g_clear_signal_handler (&self->notify_id, self->task);
  g_set_object (&self->task, task);

  if (self->log_buffer != NULL)
    gtk_text_buffer_set_text (self->log_buffer, "", 0);
  self->log_position = 0;
  self->log_first = 0;
  self->log_marker = FALSE;
  self->follow = TRUE;

  if (task != NULL)
    {
      GVariant *id = g_variant_ref_sink (g_variant_new_uint64 (tasker_task_get_id (task)));

      /* The buttons act on this task through the window's task actions. */
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->cancel_button), id);
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->rerun_button), id);
      g_variant_unref (id);
      self->notify_id = g_signal_connect_swapped (task, "notify", G_CALLBACK (update), self);
      update (self);
    }
  else
    {
      follow_clock (self);
      update_polling (self);
    }
}

void
tasker_app_task_details_tick (TaskerAppTaskDetails *self,
                              gint64                now)
{
  g_autofree char *timing = NULL;

  g_return_if_fail (TASKER_APP_IS_TASK_DETAILS (self));

  if (self->task == NULL)
    return;

  timing = tasker_app_format_timing (self->task, now);
  set_label (self->elapsed_label, timing);
}

/* The log as shown, one line per task log line. */
char *
tasker_app_task_details_dup_log_text (TaskerAppTaskDetails *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (TASKER_APP_IS_TASK_DETAILS (self), NULL);

  refresh_log (self);
  gtk_text_buffer_get_bounds (self->log_buffer, &start, &end);
  return gtk_text_buffer_get_text (self->log_buffer, &start, &end, FALSE);
}
