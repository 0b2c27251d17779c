/* tasker-app-spinner.c: a spinner that redraws a few times a second
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>

#include "tasker-app-spinner.h"

/* TaskerAppSpinner: an arc turning round a faint ring, for a task that runs
 * without saying how far it is. GtkSpinner turns with a CSS animation, which
 * restyles the window and paints every frame (60 times a second) as long as
 * it spins, even unmapped (GTK 4.8). This one moves by an eighth of a turn
 * every STEP_MS (a turn in two seconds), from a timeout, and only while it
 * is both spinning and mapped (a hidden window or a row scrolled out costs
 * nothing): four small frames a second, against the 0.5 % of a core that
 * DESIGN.md §7 allows a window with one such task (each frame costs the
 * application about 0.6 ms under Xvfb with the cairo renderer). Main thread
 * only. */

#define STEPS           8     /* positions in a turn */
#define STEP_MS         250
#define SIZE_PX         16
#define LINE_WIDTH      2.0

struct _TaskerAppSpinner
{
  GtkWidget parent_instance;

  gboolean  spinning;
  guint     step;         /* 0 .. STEPS-1: the arc's position */
  guint     timeout_id;   /* while spinning and mapped */
};

enum {
  PROP_0,
  PROP_SPINNING,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (TaskerAppSpinner, tasker_app_spinner, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];

static gboolean
step_cb (gpointer user_data)
{
  TaskerAppSpinner *self = user_data;

  self->step = (self->step + 1) % STEPS;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_CONTINUE;
}

static void
update_timeout (TaskerAppSpinner *self)
{
  gboolean want = self->spinning && gtk_widget_get_mapped (GTK_WIDGET (self));

  if (want && self->timeout_id == 0)
    {
      self->timeout_id = g_timeout_add (STEP_MS, step_cb, self);
      g_source_set_name_by_id (self->timeout_id, "[tasker] spinner step");
    }
  else if (!want)
    g_clear_handle_id (&self->timeout_id, g_source_remove);
}

static void
tasker_app_spinner_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  TaskerAppSpinner *self = TASKER_APP_SPINNER (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double radius = MIN (width, height) / 2.0 - LINE_WIDTH / 2.0;
  double start = 2 * G_PI * self->step / STEPS - G_PI / 2;
  GdkRGBA color;
  cairo_t *cr;

  if (!self->spinning || radius <= 0)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_line_width (cr, LINE_WIDTH);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  cairo_arc (cr, width / 2.0, height / 2.0, radius, 0, 2 * G_PI);
  cairo_set_source_rgba (cr, color.red, color.green, color.blue, color.alpha * 0.15);
  cairo_stroke (cr);

  cairo_arc (cr, width / 2.0, height / 2.0, radius, start, start + G_PI / 2);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_stroke (cr);

  cairo_destroy (cr);
}

static void
tasker_app_spinner_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  *minimum = *natural = SIZE_PX;
}

static void
tasker_app_spinner_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (tasker_app_spinner_parent_class)->map (widget);
  update_timeout (TASKER_APP_SPINNER (widget));
}

static void
tasker_app_spinner_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (tasker_app_spinner_parent_class)->unmap (widget);
  update_timeout (TASKER_APP_SPINNER (widget));
}

static void
tasker_app_spinner_dispose (GObject *object)
{
  TaskerAppSpinner *self = (TaskerAppSpinner *) object;

  g_clear_handle_id (&self->timeout_id, g_source_remove);

  G_OBJECT_CLASS (tasker_app_spinner_parent_class)->dispose (object);
}

static void
tasker_app_spinner_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TaskerAppSpinner *self = TASKER_APP_SPINNER (object);

  switch (prop_id)
    {
    case PROP_SPINNING:
      g_value_set_boolean (value, self->spinning);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_spinner_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  TaskerAppSpinner *self = TASKER_APP_SPINNER (object);

  switch (prop_id)
    {
    case PROP_SPINNING:
      tasker_app_spinner_set_spinning (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_spinner_class_init (TaskerAppSpinnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tasker_app_spinner_dispose;
  object_class->get_property = tasker_app_spinner_get_property;
  object_class->set_property = tasker_app_spinner_set_property;
  widget_class->snapshot = tasker_app_spinner_snapshot;
  widget_class->measure = tasker_app_spinner_measure;
  widget_class->map = tasker_app_spinner_map;
  widget_class->unmap = tasker_app_spinner_unmap;

  properties[PROP_SPINNING] =
    g_param_spec_boolean ("spinning", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Not "spinner": the theme hides that until :checked, which animates. */
  gtk_widget_class_set_css_name (widget_class, "taskspinner");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PROGRESS_BAR);
}

static void
tasker_app_spinner_init (TaskerAppSpinner *self)
{
}

GtkWidget *
tasker_app_spinner_new (void)
{
  return g_object_new (TASKER_APP_TYPE_SPINNER, NULL);
}

gboolean
tasker_app_spinner_get_spinning (TaskerAppSpinner *self)
{
  g_return_val_if_fail (TASKER_APP_IS_SPINNER (self), FALSE);
  return self->spinning;
}

/* Shown turning, or not at all (as GtkSpinner). */
void
tasker_app_spinner_set_spinning (TaskerAppSpinner *self,
                                 gboolean          spinning)
{
  g_return_if_fail (TASKER_APP_IS_SPINNER (self));

  spinning = !!spinning;
  if (self->spinning == spinning)
    return;

  self->spinning = spinning;
  update_timeout (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_BUSY, spinning, -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPINNING]);
}

/* Whether its timer runs: spinning and mapped (the tests look). */
gboolean
tasker_app_spinner_is_animating (TaskerAppSpinner *self)
{
  g_return_val_if_fail (TASKER_APP_IS_SPINNER (self), FALSE);
  return self->timeout_id != 0;
}
