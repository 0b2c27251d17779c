/* test-app-frugal.c: the window redraws only what changes (DESIGN.md §6)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-app-clock.h"
#include "tasker-app-spinner.h"
#include "ui-test.h"

/* Frames are counted with the window's frame clock ("after-paint") over a
 * few seconds of main-loop time: a still window paints for the once-a-second
 * elapsed time and nothing else. */
#define COUNT_MS             3000
#define MAX_STILL_PER_SECOND 3
/* TaskerAppSpinner steps 4 times a second (GtkSpinner: every frame). */
#define MAX_SPINNER_PER_SECOND 7

/* A thread task whose progress the test sets: it reports @permille whenever
 * it changes (never while it is -1), until cancelled. */
typedef struct
{
  int permille;   /* atomic */
} Work;

typedef struct
{
  TaskerAppApplication *app;
  TaskerAppWindow      *window;
  char                 *data_dir;
  Work                  work[2];
} Fixture;

static void
work_func (TaskerContext *context,
           gpointer       user_data)
{
  Work *work = user_data;
  int last = -1;

  while (!tasker_context_is_cancelled (context))
    {
      int permille = g_atomic_int_get (&work->permille);

      if (permille >= 0 && permille != last)
        {
          tasker_context_set_progress (context, permille / 1000.0);
          last = permille;
        }
      g_usleep (2000);
    }
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->app = ui_test_app_new_in_tmp_dir (&f->data_dir);
  f->window = ui_test_app_window (f->app);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 700);
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  /* Stops the tasks (and so work_func) before f->work goes. */
  ui_test_app_clear (&f->app, &f->data_dir);
}

static TaskerTask *
run_work (Fixture    *f,
          Work       *work,
          int         permille,
          const char *name)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  g_atomic_int_set (&work->permille, permille);
  tasker_task_options_set_name (options, name);
  task = tasker_manager_run_thread (tasker_app_application_get_manager (f->app), NULL, options,
                                    work_func, work, NULL, &error);
  g_assert_no_error (error);
  return task;
}

typedef struct
{
  Fixture    *f;
  TaskerTask *task;
  double      progress;
} RowWait;

/* The task's row is on screen and its task runs, with @progress reported. */
static gboolean
row_shows (gpointer data)
{
  RowWait *w = data;
  TaskerAppTaskRow *row = tasker_app_window_find_row (w->f->window, w->task);

  return row != NULL && gtk_widget_get_mapped (GTK_WIDGET (row)) &&
         tasker_task_get_status (w->task) == TASKER_TASK_STATUS_RUNNING &&
         G_APPROX_VALUE (tasker_task_get_progress (w->task), w->progress, 1e-6);
}

static TaskerAppTaskRow *
wait_for_row (Fixture    *f,
              TaskerTask *task,
              double      progress)
{
  RowWait w = { f, task, progress };

  g_assert_true (ui_test_wait (row_shows, &w, 10000));
  return tasker_app_window_find_row (f->window, task);
}

static void
count_cb (GdkFrameClock *clock,
          guint         *n)
{
  (*n)++;
}

/* Frames the window paints in @ms of main-loop time. */
static guint
count_paints (Fixture *f,
              guint    ms)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (f->window));
  guint n = 0;
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (count_cb), &n);
  ui_test_sleep (ms);
  g_signal_handler_disconnect (clock, id);
  return n;
}

static gboolean
painted (gpointer data)
{
  return *(guint *) data > 0;
}

/* A change of @task's progress paints the window (so that counting no
 * paints means something). */
static void
assert_progress_paints (Fixture *f,
                        Work    *work,
                        int      permille)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (f->window));
  guint n = 0;
  gulong id = g_signal_connect (clock, "after-paint", G_CALLBACK (count_cb), &n);

  g_atomic_int_set (&work->permille, permille);
  g_assert_true (ui_test_wait (painted, &n, 5000));
  g_signal_handler_disconnect (clock, id);
}

static gboolean
spinner_spinning (gpointer data)
{
  return tasker_app_spinner_get_spinning (data) && tasker_app_spinner_is_animating (data);
}

static gboolean
spinner_still (gpointer data)
{
  return !tasker_app_spinner_get_spinning (data) && !tasker_app_spinner_is_animating (data);
}

/* How many pixels of @widget are not transparent, as drawn (its screenshot
 * @name.png). */
static guint
count_drawn_pixels (GtkWidget  *widget,
                    const char *name)
{
  g_autofree char *path = ui_test_screenshot (widget, name);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);
  g_autofree guchar *pixels = NULL;
  int width, height;
  guint n = 0;

  g_assert_no_error (error);
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  pixels = g_malloc ((gsize) width * height * 4);
  /* GDK_MEMORY_DEFAULT: B8G8R8A8 premultiplied, alpha last. */
  gdk_texture_download (texture, pixels, (gsize) width * 4);
  for (gsize i = 0; i < (gsize) width * height; i++)
    if (pixels[i * 4 + 3] > 0)
      n++;
  g_test_message ("%s, %dx%d: %u pixels drawn", name, width, height, n);
  return n;
}

static TaskerAppSpinner *
row_spinner (TaskerAppTaskRow *row)
{
  return TASKER_APP_SPINNER (ui_test_find_of_type (GTK_WIDGET (row), TASKER_APP_TYPE_SPINNER));
}

/* Runs a task without progress information; returns its row's spinner once
 * it spins. */
static TaskerAppSpinner *
run_spinning (Fixture     *f,
              TaskerTask **task)
{
  TaskerAppSpinner *spinner;

  *task = run_work (f, &f->work[0], -1, "No progress");
  spinner = row_spinner (wait_for_row (f, *task, 0.0));
  g_assert_true (ui_test_wait (spinner_spinning, spinner, 5000));
  return spinner;
}

static gboolean
clock_off (gpointer data)
{
  return tasker_app_clock_get_n_watchers (tasker_app_clock_get_default ()) == 0;
}

/* A running task whose progress stays still: the window paints for the
 * elapsed time's tick, not every frame (the history page's loading spinner,
 * a spinner in the row or the header, or the overall bar set again at every
 * delivery each made it paint continuously). */
static void
test_still_progress_no_repaint (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(TaskerTask) task = run_work (f, &f->work[0], 400, "Still");
  TaskerAppTaskRow *row = wait_for_row (f, task, 0.4);
  guint n;

  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (f->window)));
  g_assert_nonnull (row);
  ui_test_sleep (500);  /* the first layout and the row's arrival */

  n = count_paints (f, COUNT_MS);
  g_test_message ("%u frames painted in %u ms with a still task", n, COUNT_MS);
  g_assert_cmpuint (n, <=, MAX_STILL_PER_SECOND * COUNT_MS / 1000);

  assert_progress_paints (f, &f->work[0], 600);
}

/* A task without progress information spins, slowly: a few frames a second
 * rather than every frame. */
static void
test_spinner_paints_slowly (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  guint n;

  run_spinning (f, &task);
  ui_test_sleep (500);
  n = count_paints (f, COUNT_MS);
  g_test_message ("%u frames painted in %u ms with a spinner", n, COUNT_MS);
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (n, <=, MAX_SPINNER_PER_SECOND * COUNT_MS / 1000);
}

/* The spinner shows only for a task that says nothing of its progress, and
 * gives way to the still status icon once it does. */
static void
test_spinner_only_without_progress (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(TaskerTask) quiet = run_work (f, &f->work[0], -1, "Quiet");
  g_autoptr(TaskerTask) talking = run_work (f, &f->work[1], 300, "Talking");
  TaskerAppTaskRow *quiet_row = wait_for_row (f, quiet, 0.0);
  TaskerAppTaskRow *talking_row = wait_for_row (f, talking, 0.3);
  TaskerAppSpinner *quiet_spinner = row_spinner (quiet_row);
  TaskerAppSpinner *talking_spinner = row_spinner (talking_row);
  RowWait w = { f, quiet, 0.5 };

  g_assert_true (ui_test_wait (spinner_spinning, quiet_spinner, 5000));
  g_assert_true (gtk_widget_is_drawable (GTK_WIDGET (quiet_spinner)));
  /* Seen: drawn through its parent, with the theme's opacity. */
  g_assert_cmpuint (count_drawn_pixels (gtk_widget_get_parent (GTK_WIDGET (quiet_spinner)),
                                        "frugal-spinner"), >, 10);
  g_assert_true (spinner_still (talking_spinner));
  g_assert_false (gtk_widget_is_drawable (GTK_WIDGET (talking_spinner)));

  /* Progress arrives: the spinner stops and hides. */
  g_atomic_int_set (&f->work[0].permille, 500);
  g_assert_true (ui_test_wait (row_shows, &w, 5000));
  g_assert_true (ui_test_wait (spinner_still, quiet_spinner, 5000));
  g_assert_false (gtk_widget_is_drawable (GTK_WIDGET (quiet_spinner)));
}

/* A hidden window spins nothing and keeps no clock (neither its rows nor
 * the details pane of the selected task): no timer leads to work while
 * nobody looks; showing it again starts both. */
static void
test_hidden_window_still (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  TaskerAppSpinner *spinner = run_spinning (f, &task);

  tasker_app_window_select_task (f->window, task);
  g_assert_true (tasker_app_task_details_get_task (tasker_app_window_get_details (f->window))
                 == task);
  g_assert_cmpuint (tasker_app_clock_get_n_watchers (tasker_app_clock_get_default ()), >, 0);

  gtk_widget_set_visible (GTK_WIDGET (f->window), FALSE);
  g_assert_true (ui_test_wait (spinner_still, spinner, 5000));
  g_assert_true (ui_test_wait (clock_off, NULL, 5000));
  g_assert_cmpuint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_RUNNING);

  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (ui_test_wait (spinner_spinning, spinner, 5000));
  g_assert_cmpuint (tasker_app_clock_get_n_watchers (tasker_app_clock_get_default ()), >, 0);
}

typedef struct
{
  Work     *work;
  gboolean  stop;   /* atomic */
} Mover;

static gpointer
mover_thread (gpointer data)
{
  Mover *m = data;

  for (int i = 0; !g_atomic_int_get (&m->stop); i++)
    {
      g_atomic_int_set (&m->work->permille, 100 + i % 800);
      g_usleep (20000);
    }
  return NULL;
}

/* A hidden window does no frame work while its tasks progress: the rows'
 * bound labels and bars change, but nothing lays out or paints. */
static void
test_hidden_window_no_frames (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(TaskerTask) task = run_work (f, &f->work[0], 50, "Moving");
  GdkFrameClock *clock;
  Mover mover = { &f->work[0], FALSE };
  GThread *thread;
  guint n_layout = 0, n_paint = 0;
  gulong layout_id, paint_id;

  wait_for_row (f, task, 0.05);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (f->window));
  thread = g_thread_new ("mover", mover_thread, &mover);

  gtk_widget_set_visible (GTK_WIDGET (f->window), FALSE);
  ui_test_sleep (200);
  layout_id = g_signal_connect (clock, "layout", G_CALLBACK (count_cb), &n_layout);
  paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (count_cb), &n_paint);
  ui_test_sleep (2000);
  g_signal_handler_disconnect (clock, layout_id);
  g_signal_handler_disconnect (clock, paint_id);
  g_atomic_int_set (&mover.stop, TRUE);
  g_thread_join (thread);

  g_test_message ("hidden: %u layouts, %u paints in 2 s; progress %.3f", n_layout, n_paint,
                  tasker_task_get_progress (task));
  g_assert_cmpfloat (tasker_task_get_progress (task), >, 0.05);
  g_assert_cmpuint (n_layout, ==, 0);
  g_assert_cmpuint (n_paint, ==, 0);
}

static gboolean
bar_at (gpointer data)
{
  gpointer *d = data;

  return G_APPROX_VALUE (gtk_progress_bar_get_fraction (d[0]), *(double *) d[1], 1e-6);
}

/* A change of progress updates the row's bar in place: the same row and bar
 * widgets before and after. */
static void
test_progress_updates_row_in_place (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(TaskerTask) task = run_work (f, &f->work[0], 300, "Moving");
  TaskerAppTaskRow *row = wait_for_row (f, task, 0.3);
  GtkWidget *bar_widget = ui_test_find_of_type (GTK_WIDGET (row), GTK_TYPE_PROGRESS_BAR);
  GtkProgressBar *bar = GTK_PROGRESS_BAR (bar_widget);
  double target = 0.7;
  gpointer d[] = { bar, &target };

  g_assert_cmpfloat_with_epsilon (gtk_progress_bar_get_fraction (bar), 0.3, 1e-6);
  g_atomic_int_set (&f->work[0].permille, 700);
  g_assert_true (ui_test_wait (bar_at, d, 5000));

  g_assert_true (tasker_app_window_find_row (f->window, task) == row);
  g_assert_true (ui_test_find_of_type (GTK_WIDGET (row), GTK_TYPE_PROGRESS_BAR) == bar_widget);
  g_assert_true (tasker_app_task_row_get_task (row) == task);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/Tasker/UI/Frugal/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("still-progress-no-repaint", test_still_progress_no_repaint);
  ADD ("spinner-paints-slowly", test_spinner_paints_slowly);
  ADD ("spinner-only-without-progress", test_spinner_only_without_progress);
  ADD ("hidden-window-still", test_hidden_window_still);
  ADD ("hidden-window-no-frames", test_hidden_window_no_frames);
  ADD ("progress-updates-row-in-place", test_progress_updates_row_in_place);
#undef ADD

  return g_test_run ();
}
