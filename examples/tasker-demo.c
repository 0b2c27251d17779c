/* tasker-demo.c — thread and coroutine tasks with nested progress, drawn in a terminal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two thread tasks write lines into pipes, and two coroutine tasks read them
 * with g_data_input_stream_read_line_async(), each read waiting for its writer:
 *
 *   scan (thread, two phases, one sub context per album)  →  catalogue (coroutine)
 *   feed (thread, two phases)                             →  download  (coroutine)
 *
 * Once "download" is half-way, the demo cancels it by its key, which interrupts
 * its pending read: it ends CANCELLED, the others COMPLETED. A "tasks-updated"
 * handler draws one line per task. The demo ends with one "summary:" line per
 * task, and exits 0 only if every task ended as expected.
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib-unix.h>

#include <tasker.h>

#define N_TASKS          4
#define N_ALBUMS         3
#define PHOTOS_PER_ALBUM 8
#define N_PHOTOS         (N_ALBUMS * PHOTOS_PER_ALBUM)
#define N_LINES          20
#define BAR_WIDTH        20

typedef struct
{
  TaskerTask       *task;      /* (owned) */
  TaskerTaskStatus  expected;
  char             *detail;    /* (owned) (nullable) result or error, set by the done function */
  int               printed;   /* plain output: the state printed last, or -1 */
} Row;

typedef struct
{
  TaskerManager *manager;      /* (owned) */
  Row            rows[N_TASKS];
  guint          n_rows;
  gboolean       tty;          /* redraw in place instead of printing lines */
  guint          n_drawn;      /* tty: how many lines the last redraw drew */
  gboolean       cancel_sent;
} Demo;

static guint step_ms = 40;     /* how long each bit of pretend work takes */
static const char *status_names[] = { "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED" };

/* Rounded down, so that no bar shows 100 % before the end */
static int
to_percent (double fraction)
{
  return (int) (CLAMP (fraction, 0.0, 1.0) * 100.0 + 1e-6);
}

/* Thread tasks ------------------------------------------------------------ */

static const char *albums[N_ALBUMS] = { "Holidays", "Garden", "Birthday" };

/* Indexes three albums (0 → 80 %), writing one line per photo into the
 * catalogue pipe, then makes thumbnails (80 → 100 %). */
static void
scan_thread (TaskerContext *context,
             gpointer       user_data)
{
  GOutputStream *catalogue = user_data;
  GCancellable *cancellable = tasker_context_get_cancellable (context);
  g_autoptr(TaskerContext) index_phase = tasker_context_sub_context (context, 0.0, 0.8, 1.0);
  g_autoptr(TaskerContext) thumbnail_phase = NULL;
  g_autoptr(GError) error = NULL;

  for (guint a = 0; a < N_ALBUMS; a++)
    {
      /* Each album gets an equal share of the phase, counted in photos */
      g_autoptr(TaskerContext) album = NULL;

      album = tasker_context_sub_context (index_phase, (double) a / N_ALBUMS, 1.0 / N_ALBUMS,
                                          PHOTOS_PER_ALBUM);

      for (guint photo = 1; photo <= PHOTOS_PER_ALBUM; photo++)
        {
          g_autofree char *line = g_strdup_printf ("%s/photo-%u.jpg\n", albums[a], photo);

          /* Nothing stops a thread by force: it has to look */
          if (tasker_context_is_cancelled (context))
            return;

          g_usleep (step_ms * 1000); /* stands in for decoding the photo */
          if (!g_output_stream_write_all (catalogue, line, strlen (line), NULL,
                                          cancellable, &error))
            goto failed;
          tasker_context_set_message (album, g_strchomp (line));
          tasker_context_set_progress (album, photo);
        }
      tasker_context_send_event (album, "album-indexed", g_variant_new_string (albums[a]));
    }

  /* Closing the write end is what tells the reader that there is no more */
  if (!g_output_stream_close (catalogue, cancellable, &error))
    goto failed;

  thumbnail_phase = tasker_context_sub_context (context, 0.8, 0.2, 5);
  tasker_context_set_message (thumbnail_phase, "Making thumbnails");
  for (guint step = 1; step <= 5; step++)
    {
      if (tasker_context_is_cancelled (context))
        return;
      g_usleep (step_ms * 1000);
      tasker_context_set_progress (thumbnail_phase, step);
    }

  tasker_context_return_pointer (context, g_strdup_printf ("%u photos", N_PHOTOS), g_free);
  return;

failed:
  tasker_context_return_error (context, g_steal_pointer (&error));
}

/* Prepares (0 → 20 %), then sends N_LINES lines into its pipe (20 → 100 %) */
static void
feed_thread (TaskerContext *context,
             gpointer       user_data)
{
  GOutputStream *out = user_data;
  GCancellable *cancellable = tasker_context_get_cancellable (context);
  g_autoptr(TaskerContext) phase = tasker_context_sub_context (context, 0.0, 0.2, 5);
  g_autoptr(GError) error = NULL;

  tasker_context_set_message (phase, "Preparing");
  for (guint step = 1; step <= 5 && !tasker_context_is_cancelled (context); step++)
    {
      g_usleep (step_ms * 1000);
      tasker_context_set_progress (phase, step);
    }
  g_clear_object (&phase);

  /* Once the task is cancelled, its cancellable makes the next write fail */
  phase = tasker_context_sub_context (context, 0.2, 0.8, N_LINES);
  for (guint i = 1; i <= N_LINES; i++)
    {
      g_autofree char *line = g_strdup_printf ("line %u of %u\n", i, N_LINES);

      g_usleep (step_ms * 1000);
      if (!g_output_stream_write_all (out, line, strlen (line), NULL, cancellable, &error))
        goto failed;
      tasker_context_set_message (phase, g_strchomp (line));
      tasker_context_set_progress (phase, i);
    }

  if (!g_output_stream_close (out, cancellable, &error))
    goto failed;
  tasker_context_return_pointer (context, g_strdup_printf ("%u lines sent", N_LINES), g_free);
  return;

failed:
  tasker_context_return_error (context, g_steal_pointer (&error));
}

/* Coroutine tasks --------------------------------------------------------- */
/* Both coroutine tasks run the same function on a different pipe: it starts
 * a read, with the task's cancellable, and returns. The read calls back on the
 * main context, where the next one is started, and so on until a callback
 * calls one of tasker_context_return_*() to end the task. */

typedef struct
{
  TaskerContext    *context;   /* (owned) only lent to the coroutine: kept to return later */
  GDataInputStream *in;        /* (owned) */
  guint             n_lines;   /* read so far */
  guint             total;     /* expected */
} Reader;

static Reader *
reader_new (GDataInputStream *in,
            guint             total)
{
  Reader *reader = g_new0 (Reader, 1);

  reader->in = g_object_ref (in);
  reader->total = total;
  return reader;
}

static void
reader_free (gpointer data)
{
  Reader *reader = data;

  g_clear_object (&reader->context);
  g_clear_object (&reader->in);
  g_free (reader);
}

static void
reader_line_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Reader *reader = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish (reader->in, result, NULL, &error);
  g_autofree char *message = NULL;

  if (error != NULL)
    {
      /* Cancelling the task lands here at once, with G_IO_ERROR_CANCELLED */
      message = g_strdup_printf ("Interrupted before line %u", reader->n_lines + 1);
      tasker_context_set_message (reader->context, message);
      tasker_context_return_error (reader->context, g_steal_pointer (&error));
      return;
    }
  if (line == NULL) /* end of the stream: the writer closed its end */
    {
      tasker_context_return_pointer (reader->context,
                                     g_strdup_printf ("%u lines read", reader->n_lines), g_free);
      return;
    }

  reader->n_lines++;
  message = g_strdup_printf ("Read \"%s\"", line);
  tasker_context_set_message (reader->context, message);
  tasker_context_set_progress (reader->context, reader->n_lines);

  g_data_input_stream_read_line_async (reader->in, G_PRIORITY_DEFAULT,
                                       tasker_context_get_cancellable (reader->context),
                                       reader_line_cb, reader);
}

static void
reader_coroutine (TaskerContext *context,
                  gpointer       user_data)
{
  Reader *reader = user_data;

  reader->context = g_object_ref (context);
  tasker_context_set_total (context, reader->total);
  g_data_input_stream_read_line_async (reader->in, G_PRIORITY_DEFAULT,
                                       tasker_context_get_cancellable (context),
                                       reader_line_cb, reader);
}

/* Drawing, and the callbacks (all run on the manager's main context) ------ */

/* Draws one line per task, with @note (if any) above them. On a terminal, it
 * first moves up over the lines it drew last time and erases them, so notes
 * scroll away above a table that stays put (lines are kept under 80 columns,
 * as a wrapped one would spoil that). Otherwise it prints only the tasks
 * whose status or tens of percent changed. */
static void
redraw (Demo       *demo,
        const char *note)
{
  if (demo->tty && demo->n_drawn > 0)
    printf ("\033[%uA\033[J", demo->n_drawn);
  if (note != NULL)
    printf ("%s\n", note);

  for (guint i = 0; i < demo->n_rows; i++)
    {
      Row *row = &demo->rows[i];
      TaskerTaskStatus status = tasker_task_get_status (row->task);
      const char *message = tasker_task_get_message (row->task);
      int percent = to_percent (tasker_task_get_progress (row->task));
      int filled = percent * BAR_WIDTH / 100;
      char bar[BAR_WIDTH + 1] = { 0 };

      if (!demo->tty && row->printed == (int) status * 100 + percent / 10)
        continue;
      row->printed = status * 100 + percent / 10;

      memset (bar, '#', filled);
      memset (bar + filled, '.', BAR_WIDTH - filled);
      printf ("%-9s [%s] %3d%%  %-9s  %s\n", tasker_task_get_name (row->task), bar, percent,
              status_names[status], message != NULL ? message : "");
    }

  demo->n_drawn = demo->n_rows;
  fflush (stdout);
}

static void
tasks_updated_cb (TaskerManager *manager,
                  GListModel    *unfinished,
                  double         progress,
                  gpointer       user_data)
{
  Demo *demo = user_data;
  g_autoptr(TaskerTask) download = tasker_manager_dup_task (manager, "download");
  g_autofree char *note = NULL;

  if (!demo->cancel_sent && download != NULL && tasker_task_get_progress (download) >= 0.5)
    {
      demo->cancel_sent = TRUE;
      note = g_strdup_printf ("cancelling download at %d%%",
                              to_percent (tasker_task_get_progress (download)));
      tasker_manager_cancel_task (manager, "download");
    }
  redraw (demo, note);
}

static void
task_event_cb (TaskerTask *task,
               const char *name,
               GVariant   *data,
               gpointer    user_data)
{
  g_autofree char *note = g_strdup_printf ("event: %s %s %s", tasker_task_get_name (task), name,
                                           g_variant_get_string (data, NULL));

  redraw (user_data, note);
}

static void
task_done_cb (TaskerTask *task,
              gpointer    user_data)
{
  Row *row = user_data;
  const GError *error = tasker_task_get_error (task);

  /* The task is final now: pick up its result, or its error */
  row->detail = g_strdup (error != NULL ? error->message : tasker_task_get_result_pointer (task));
}

static void
add_task (Demo             *demo,
          TaskerTaskKind    kind,
          const char       *key,
          GCallback         func,
          gpointer          data,
          GDestroyNotify    data_free,
          TaskerTaskStatus  expected)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(GError) error = NULL;
  Row *row = &demo->rows[demo->n_rows++];

  row->expected = expected;
  row->printed = -1;
  tasker_task_options_set_name (options, key);
  tasker_task_options_set_done_func (options, task_done_cb, row, NULL);
  tasker_task_options_set_event_func (options, task_event_cb, demo, NULL);

  if (kind == TASKER_TASK_KIND_THREAD)
    row->task = tasker_manager_run_thread (demo->manager, key, options,
                                           (TaskerThreadFunc) func, data, data_free, &error);
  else
    row->task = tasker_manager_run_coroutine (demo->manager, key, options,
                                              (TaskerCoroutineFunc) func, data, data_free,
                                              &error);

  /* Refused only by a manager that was shut down, a full queue or a parent
   * that has ended: none of which happens here */
  if (row->task == NULL)
    g_error ("Cannot submit %s: %s", key, error->message);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) option_context = g_option_context_new ("- run a few Tasker tasks");
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) scan_in = NULL;
  g_autoptr(GInputStream) feed_in = NULL;
  g_autoptr(GDataInputStream) catalogue_lines = NULL;
  g_autoptr(GDataInputStream) download_lines = NULL;
  gboolean quick = FALSE;
  gboolean plain = FALSE;
  gboolean ok = TRUE;
  Demo demo = { 0 };
  int scan_pipe[2];
  int feed_pipe[2];
  const GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "Run four times faster (for tests)", NULL },
    { "plain", 'p', 0, G_OPTION_ARG_NONE, &plain, "Print plain lines, even on a terminal", NULL },
    { NULL }
  };

  g_option_context_add_main_entries (option_context, entries, NULL);
  if (!g_option_context_parse (option_context, &argc, &argv, &error) ||
      !g_unix_open_pipe (scan_pipe, FD_CLOEXEC, &error) ||
      !g_unix_open_pipe (feed_pipe, FD_CLOEXEC, &error))
    {
      g_printerr ("tasker-demo: %s\n", error->message);
      return 2;
    }
  if (quick)
    step_ms /= 4;
  demo.tty = !plain && isatty (STDOUT_FILENO);

  /* A manager on the global default main context: its signals and the tasks'
   * done and event functions all run there, that is, in this thread. */
  demo.manager = tasker_manager_new (NULL);
  tasker_manager_set_max_threads (demo.manager, 2);
  g_signal_connect (demo.manager, "tasks-updated", G_CALLBACK (tasks_updated_cb), &demo);

  /* The demo holds the read ends of the pipes open to the end: the feed goes
   * on writing after the download is cancelled, and writing into a pipe that
   * nobody holds open any more would fail. */
  scan_in = g_unix_input_stream_new (scan_pipe[0], TRUE);
  feed_in = g_unix_input_stream_new (feed_pipe[0], TRUE);
  catalogue_lines = g_data_input_stream_new (scan_in);
  download_lines = g_data_input_stream_new (feed_in);

  add_task (&demo, TASKER_TASK_KIND_THREAD, "scan", G_CALLBACK (scan_thread),
            g_unix_output_stream_new (scan_pipe[1], TRUE), g_object_unref,
            TASKER_TASK_STATUS_COMPLETED);
  add_task (&demo, TASKER_TASK_KIND_THREAD, "feed", G_CALLBACK (feed_thread),
            g_unix_output_stream_new (feed_pipe[1], TRUE), g_object_unref,
            TASKER_TASK_STATUS_COMPLETED);
  add_task (&demo, TASKER_TASK_KIND_COROUTINE, "catalogue", G_CALLBACK (reader_coroutine),
            reader_new (catalogue_lines, N_PHOTOS), reader_free,
            TASKER_TASK_STATUS_COMPLETED);
  add_task (&demo, TASKER_TASK_KIND_COROUTINE, "download", G_CALLBACK (reader_coroutine),
            reader_new (download_lines, N_LINES), reader_free,
            TASKER_TASK_STATUS_CANCELLED);

  /* Iterate the main context until every task has ended, its done function
   * has run and the last "tasks-updated" was delivered. (An application
   * would simply run its main loop.) */
  if (!tasker_manager_wait_until_settled (demo.manager, 10000))
    {
      g_printerr ("tasker-demo: timed out; cancelling what is left\n");
      tasker_manager_shutdown (demo.manager, 1000);
      ok = FALSE;
    }

  for (guint i = 0; i < demo.n_rows; i++)
    {
      Row *row = &demo.rows[i];
      TaskerTaskStatus status = tasker_task_get_status (row->task);
      gboolean as_expected = row->detail != NULL && status == row->expected;

      printf ("summary: %-9s %-9s %-9s %3d%%  %s%s\n", tasker_task_get_name (row->task),
              tasker_task_get_kind (row->task) == TASKER_TASK_KIND_THREAD ? "thread" : "coroutine",
              status_names[status], to_percent (tasker_task_get_progress (row->task)),
              row->detail != NULL ? row->detail : "", as_expected ? "" : "  (UNEXPECTED)");
      ok = ok && as_expected;
      g_clear_object (&row->task);
      g_clear_pointer (&row->detail, g_free);
    }
  g_clear_object (&demo.manager);

  return ok ? 0 : 1;
}
