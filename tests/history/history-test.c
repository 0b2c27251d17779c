/* history-test.c — helpers shared by the task history's test suites
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "history-test.h"

#include <glib/gstdio.h>

static void
task_finished_cb (TaskerManager *manager,
                  TaskerTask    *task,
                  gpointer       data)
{
  HistFixture *f = data;

  f->n_finished++;
  if (f->history != NULL)
    _tasker_history_add (f->history, task);
}

void
hist_fixture_setup (HistFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  test_fixture_setup (&f->base, data);
  f->dir = g_dir_make_tmp ("tasker-history-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "history.sqlite3", NULL);
  g_signal_connect (f->base.manager, "task-finished", G_CALLBACK (task_finished_cb), f);
}

void
hist_fixture_teardown (HistFixture   *f,
                       gconstpointer  data)
{
  test_settle (f->base.manager);
  g_signal_handlers_disconnect_by_data (f->base.manager, f);
  hist_close (f);
  test_fixture_teardown (&f->base, data);
  hist_rm_rf (f->dir);
  g_clear_pointer (&f->dir, g_free);
  g_clear_pointer (&f->path, g_free);
}

void
hist_open (HistFixture *f,
           const char  *path,
           guint        max_age_days,
           guint        max_count)
{
  g_assert_null (f->history);
  f->history = _tasker_history_new (path != NULL ? path : f->path, max_age_days, max_count);
  g_assert_nonnull (f->history);
}

void
hist_close (HistFixture *f)
{
  g_clear_pointer (&f->history, _tasker_history_free);
}

static void
async_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  GAsyncResult **out = data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

GListModel *
hist_query (HistFixture         *f,
            TaskerHistoryQuery  *query,
            GCancellable        *cancellable,
            GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  _tasker_history_query_async (f->history, query, cancellable, async_cb, &result);
  /* Never inline. */
  g_assert_null (result);
  TEST_WAIT_UNTIL (f->base.context, result != NULL);

  return _tasker_history_query_finish (f->history, result, error);
}

GListModel *
hist_query_all (HistFixture *f)
{
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  g_autoptr(GError) error = NULL;
  GListModel *model;

  tasker_history_query_set_limit (query, 0);
  model = hist_query (f, query, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (model);

  return model;
}

char *
hist_model_ids (GListModel *model)
{
  GString *ids = g_string_new (NULL);
  guint n = g_list_model_get_n_items (model);

  g_assert_true (g_list_model_get_item_type (model) == TASKER_TYPE_HISTORY_RECORD);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (model, i);

      g_string_append_printf (ids, "%s%" G_GUINT64_FORMAT, i > 0 ? " " : "",
                              tasker_history_record_get_task_id (record));
    }

  return g_string_free (ids, FALSE);
}

char *
hist_task_ids (TaskerTask *first,
               ...)
{
  GString *ids = g_string_new (NULL);
  va_list args;

  va_start (args, first);
  for (TaskerTask *task = first; task != NULL; task = va_arg (args, TaskerTask *))
    g_string_append_printf (ids, "%s%" G_GUINT64_FORMAT, ids->len > 0 ? " " : "",
                            tasker_task_get_id (task));
  va_end (args);

  return g_string_free (ids, FALSE);
}

void
hist_rm_rf (const char *path)
{
  GDir *dir;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      const char *name;

      g_chmod (path, 0700);
      dir = g_dir_open (path, 0, NULL);
      if (dir != NULL)
        {
          while ((name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *child = g_build_filename (path, name, NULL);

              hist_rm_rf (child);
            }
          g_dir_close (dir);
        }
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

static void
work_func (TaskerContext *context,
           gpointer       data)
{
  HistWork *work = data;

  if (work->progress >= 0)
    tasker_context_set_progress (context, work->progress);
  if (work->message != NULL)
    tasker_context_set_message (context, work->message);
  for (guint i = 0; work->log != NULL && work->log[i] != NULL; i++)
    tasker_context_log (context, work->log[i]);
  if (work->gate != NULL)
    test_gate_wait (work->gate, tasker_context_get_cancellable (context));
  if (work->fail_code != 0)
    tasker_context_return_new_error (context, HIST_TEST_ERROR, work->fail_code,
                                     "it broke with code %d", work->fail_code);
}

TaskerTask *
hist_submit (HistFixture       *f,
             const char        *key,
             TaskerTaskOptions *options,
             HistWork          *work)
{
  g_autoptr(GError) error = NULL;
  TaskerTask *task;

  task = tasker_manager_run_thread (f->base.manager, key, options, work_func, work, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (task);

  return task;
}

void
hist_wait_finished (HistFixture *f,
                    guint        n)
{
  TEST_WAIT_UNTIL (f->base.context, f->n_finished >= n);
}

/* Warnings */

static GMutex warnings_lock;
static int warnings_catching;   /* (atomic) */
static guint warnings_n;        /* protected by warnings_lock */
static GString *warnings_text;  /* (owned) protected by warnings_lock */

static void
warning_handler (const char     *domain,
                 GLogLevelFlags  level,
                 const char     *message,
                 gpointer        data)
{
  if (!g_atomic_int_get (&warnings_catching))
    {
      g_log_default_handler (domain, level, message, data);
      return;
    }

  g_mutex_lock (&warnings_lock);
  warnings_n++;
  g_string_append_printf (warnings_text, "%s\n", message);
  g_mutex_unlock (&warnings_lock);
}

void
hist_warnings_init (void)
{
  warnings_text = g_string_new (NULL);
  g_log_set_handler ("Tasker", G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                     warning_handler, NULL);
}

void
hist_warnings_catch (gboolean catch)
{
  static GLogLevelFlags fatal_mask;

  g_mutex_lock (&warnings_lock);
  warnings_n = 0;
  g_string_truncate (warnings_text, 0);
  g_mutex_unlock (&warnings_lock);

  /* g_test_init() makes warnings fatal: not while they are counted. The
   * other domains' warnings are still printed, and the test checks the
   * library's count. */
  if (catch)
    {
      fatal_mask = g_log_set_always_fatal (G_LOG_FATAL_MASK);
      g_atomic_int_set (&warnings_catching, TRUE);
    }
  else
    {
      g_atomic_int_set (&warnings_catching, FALSE);
      g_log_set_always_fatal (fatal_mask);
    }
}

guint
hist_warnings_count (void)
{
  guint n;

  g_mutex_lock (&warnings_lock);
  n = warnings_n;
  g_mutex_unlock (&warnings_lock);

  return n;
}

char *
hist_warnings_dup (void)
{
  char *text;

  g_mutex_lock (&warnings_lock);
  text = g_strdup (warnings_text->str);
  g_mutex_unlock (&warnings_lock);

  return text;
}
