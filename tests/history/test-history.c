/* test-history.c — the task history: records, queries, retention, failures
 *
 * Tasks are made by a real TaskerManager; its task-finished signal hands them
 * to _tasker_history_add() (history-test.c). Records with made-up finished
 * times and parent ids (for ordering, time ranges, retention by age) go
 * through the test hook _tasker_history_add_full(), which copies a real task
 * like _tasker_history_add() does and only overrides those two fields.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "history-test.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#define HOUR_US ((gint64) 3600 * G_USEC_PER_SEC)
#define DAY_US  (24 * HOUR_US)

/* A finished task to copy records from. */
static TaskerTask *
make_finished_task (HistFixture *f,
                    const char  *key,
                    HistWork    *work)
{
  TaskerTask *task = hist_submit (f, key, NULL, work);

  TEST_WAIT_UNTIL (f->base.context, tasker_task_is_final (task));
  test_settle (f->base.manager);

  return task;
}

static void
flush_or_fail (HistFixture *f)
{
  g_assert_true (_tasker_history_flush (f->history, test_timeout_ms ()));
}

static TaskerHistoryRecord *
find_record (GListModel *model,
             guint64     task_id)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (model, i);

      if (tasker_history_record_get_task_id (record) == task_id)
        return record;
    }

  return NULL;
}

static void
assert_record_matches (TaskerHistoryRecord *record,
                       TaskerTask          *task)
{
  const GError *error = tasker_task_get_error (task);
  TaskerTask *parent = tasker_task_get_parent (task);
  g_auto(GStrv) log = tasker_task_dup_log (task);
  g_auto(GStrv) record_log = tasker_history_record_dup_log (record);

  g_assert_nonnull (record);
  g_assert_cmpuint (tasker_history_record_get_task_id (record), ==, tasker_task_get_id (task));
  g_assert_cmpstr (tasker_history_record_get_key (record), ==, tasker_task_get_key (task));
  g_assert_cmpstr (tasker_history_record_get_name (record), ==, tasker_task_get_name (task));
  g_assert_cmpint (tasker_history_record_get_kind (record), ==, tasker_task_get_kind (task));
  g_assert_cmpint (tasker_history_record_get_status (record), ==, tasker_task_get_status (task));
  g_assert_cmpstr (tasker_history_record_get_message (record), ==, tasker_task_get_message (task));
  g_assert_cmpfloat (tasker_history_record_get_progress (record), ==, tasker_task_get_progress (task));
  if (error != NULL)
    {
      g_assert_cmpstr (tasker_history_record_get_error_domain (record), ==,
                       g_quark_to_string (error->domain));
      g_assert_cmpint (tasker_history_record_get_error_code (record), ==, error->code);
      g_assert_cmpstr (tasker_history_record_get_error_message (record), ==, error->message);
    }
  else
    {
      g_assert_null (tasker_history_record_get_error_domain (record));
      g_assert_cmpint (tasker_history_record_get_error_code (record), ==, 0);
      g_assert_null (tasker_history_record_get_error_message (record));
    }
  g_assert_cmpuint (tasker_history_record_get_attempts (record), ==, tasker_task_get_attempt (task));
  g_assert_cmpint (tasker_history_record_get_created_time (record), ==,
                   tasker_task_get_created_time (task));
  g_assert_cmpint (tasker_history_record_get_started_time (record), ==,
                   tasker_task_get_started_time (task));
  g_assert_cmpint (tasker_history_record_get_finished_time (record), ==,
                   tasker_task_get_finished_time (task));
  g_assert_cmpuint (tasker_history_record_get_trace_id (record), ==, tasker_task_get_trace_id (task));
  g_assert_cmpuint (tasker_history_record_get_parent_id (record), ==,
                    parent != NULL ? tasker_task_get_id (parent) : 0);
  g_assert_cmpstrv (record_log, log);
}

/* Every field of thread tasks that complete, fail (with an error of their
 * own domain) and are cancelled, with names, descriptions, messages,
 * progress, logs and a parent. */
static void
test_round_trip (HistFixture   *f,
                 gconstpointer  data)
{
  static const char * const ok_log[] = { "first line", "second line: ünïcödé", NULL };
  static const char * const fail_log[] = { "about to break", NULL };
  g_autoptr(TaskerTaskOptions) ok_options = tasker_task_options_new ();
  g_autoptr(TaskerTaskOptions) child_options = NULL;
  g_autoptr(TaskerTask) ok = NULL;
  g_autoptr(TaskerTask) failed = NULL;
  g_autoptr(TaskerTask) cancelled = NULL;
  g_autoptr(TaskerTask) child = NULL;
  g_autoptr(GListModel) model = NULL;
  g_auto(GStrv) keys = NULL;
  g_auto(GStrv) empty = NULL;
  TaskerHistoryRecord *record;
  TestGate gate;
  HistWork ok_work = { "all good", 0.5, ok_log, 0, NULL };
  HistWork fail_work = { "almost there", 0.25, fail_log, 42, NULL };
  HistWork cancel_work = { "waiting", -1, NULL, 0, &gate };
  HistWork child_work = { "child done", -1, NULL, 0, NULL };
  guint64 task_id;
  TaskerTaskStatus status;
  char *error_domain = NULL;
  gint64 finished_time;

  test_gate_init (&gate);
  hist_open (f, NULL, 0, 0);

  tasker_task_options_set_name (ok_options, "Round trip");
  tasker_task_options_set_description (ok_options, "source", "/a/b");
  tasker_task_options_set_description (ok_options, "destination", "/c/d é");
  ok = hist_submit (f, "rt-ok", ok_options, &ok_work);
  failed = hist_submit (f, "rt-fail", NULL, &fail_work);
  cancelled = hist_submit (f, "rt-cancel", NULL, &cancel_work);
  test_gate_block_until_waiting (&gate, 1);

  /* A child of the running task, where the manager supports parents. */
  child_options = tasker_task_options_new ();
  tasker_task_options_set_parent (child_options, cancelled);
  child = hist_submit (f, NULL, child_options, &child_work);
  TEST_WAIT_UNTIL (f->base.context, tasker_task_is_final (child));

  tasker_task_cancel (cancelled);
  hist_wait_finished (f, 4);
  test_settle (f->base.manager);

  test_assert_status (ok, TASKER_TASK_STATUS_COMPLETED);
  test_assert_status (failed, TASKER_TASK_STATUS_FAILED);
  test_assert_status (cancelled, TASKER_TASK_STATUS_CANCELLED);
  test_assert_status (child, TASKER_TASK_STATUS_COMPLETED);

  flush_or_fail (f);
  model = hist_query_all (f);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 4);

  assert_record_matches (find_record (model, tasker_task_get_id (ok)), ok);
  assert_record_matches (find_record (model, tasker_task_get_id (failed)), failed);
  assert_record_matches (find_record (model, tasker_task_get_id (cancelled)), cancelled);
  assert_record_matches (find_record (model, tasker_task_get_id (child)), child);

  /* What the tasks did, spelled out. */
  record = find_record (model, tasker_task_get_id (ok));
  g_assert_cmpstr (tasker_history_record_get_key (record), ==, "rt-ok");
  g_assert_cmpstr (tasker_history_record_get_name (record), ==, "Round trip");
  g_assert_cmpstr (tasker_history_record_get_message (record), ==, "all good");
  g_assert_cmpfloat (tasker_history_record_get_progress (record), ==, 1.0);
  g_assert_cmpuint (tasker_history_record_get_attempts (record), ==, 1);
  g_assert_cmpint (tasker_history_record_get_finished_time (record), >=,
                   tasker_history_record_get_started_time (record));
  g_assert_cmpint (tasker_history_record_get_started_time (record), >=,
                   tasker_history_record_get_created_time (record));
  keys = tasker_history_record_dup_description_keys (record);
  g_assert_cmpstrv (keys, ((const char * const[]) { "destination", "source", NULL }));
  g_assert_cmpstr (tasker_history_record_get_description (record, "source"), ==, "/a/b");
  g_assert_cmpstr (tasker_history_record_get_description (record, "destination"), ==, "/c/d é");
  g_assert_null (tasker_history_record_get_description (record, "nothing"));
  {
    g_auto(GStrv) log = tasker_history_record_dup_log (record);

    g_assert_cmpuint (g_strv_length (log), ==, 2);
    g_assert_true (g_str_has_suffix (log[0], " first line"));
    g_assert_true (g_str_has_suffix (log[1], " second line: ünïcödé"));
  }

  record = find_record (model, tasker_task_get_id (failed));
  g_assert_cmpstr (tasker_history_record_get_error_domain (record), ==,
                   "tasker-history-test-error-quark");
  g_assert_cmpint (tasker_history_record_get_error_code (record), ==, 42);
  g_assert_cmpstr (tasker_history_record_get_error_message (record), ==, "it broke with code 42");
  g_assert_cmpfloat (tasker_history_record_get_progress (record), ==, 0.25);
  empty = tasker_history_record_dup_description_keys (record);
  g_assert_cmpuint (g_strv_length (empty), ==, 0);

  record = find_record (model, tasker_task_get_id (cancelled));
  g_assert_cmpstr (tasker_history_record_get_error_domain (record), ==, g_quark_to_string (G_IO_ERROR));
  g_assert_cmpint (tasker_history_record_get_error_code (record), ==, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (tasker_history_record_get_message (record), ==, "waiting");

  /* The same through the properties. */
  g_object_get (find_record (model, tasker_task_get_id (failed)),
                "task-id", &task_id,
                "status", &status,
                "error-domain", &error_domain,
                "finished-time", &finished_time,
                NULL);
  g_assert_cmpuint (task_id, ==, tasker_task_get_id (failed));
  g_assert_cmpint (status, ==, TASKER_TASK_STATUS_FAILED);
  g_assert_cmpstr (error_domain, ==, "tasker-history-test-error-quark");
  g_assert_cmpint (finished_time, ==, tasker_task_get_finished_time (failed));
  g_free (error_domain);

  test_gate_clear (&gate);
}

static char *
sqlite_text (const char *path,
             const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return text;
}

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);

  return st.st_mode & 07777;
}

/* The file is made 0600 (whatever the umask), its new directories 0700, in
 * WAL mode, with user_version 3; the status index leaves the completed
 * records out. */
static void
test_file (HistFixture   *f,
           gconstpointer  data)
{
  g_autofree char *top = g_build_filename (f->dir, "a", NULL);
  g_autofree char *sub = g_build_filename (top, "b", NULL);
  g_autofree char *path = g_build_filename (sub, "history.sqlite3", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *journal_mode = NULL;
  g_autofree char *user_version = NULL;
  g_autofree char *tables = NULL;
  g_autofree char *status_index = NULL;
  g_autoptr(TaskerTask) task = NULL;
  HistWork work = { NULL, -1, NULL, 0, NULL };
  mode_t old_umask;

  task = make_finished_task (f, NULL, &work);

  /* A permissive umask: the modes must not come from it. */
  old_umask = umask (0);
  hist_open (f, path, 0, 0);
  _tasker_history_add (f->history, task);
  flush_or_fail (f);
  umask (old_umask);

  g_assert_cmpuint (file_mode (path), ==, 0600);
  g_assert_cmpuint (file_mode (sub), ==, 0700);
  g_assert_cmpuint (file_mode (top), ==, 0700);
  /* While the history is open, its WAL is there, as private as the database. */
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (file_mode (wal), ==, 0600);

  journal_mode = sqlite_text (path, "PRAGMA journal_mode");
  g_assert_cmpstr (journal_mode, ==, "wal");
  user_version = sqlite_text (path, "PRAGMA user_version");
  g_assert_cmpstr (user_version, ==, "3");
  status_index = sqlite_text (path, "SELECT sql FROM sqlite_master WHERE name = 'tasks_by_status'");
  g_assert_nonnull (strstr (status_index, " WHERE status <> 2"));
  tables = sqlite_text (path, "SELECT group_concat (name, ' ') FROM"
                              " (SELECT name FROM sqlite_master WHERE type IN ('table', 'index')"
                              "  AND name NOT LIKE 'sqlite_%' ORDER BY name)");
  g_assert_cmpstr (tables, ==,
                   "descriptions tasks tasks_by_finished_time tasks_by_key tasks_by_status");

  hist_close (f);
  g_assert_cmpuint (file_mode (path), ==, 0600);
}

/* 1000 adds in one go are written in a few transactions, not 1000. */
static void
test_batching (HistFixture   *f,
               gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GListModel) model = NULL;
  HistWork work = { "batched", -1, NULL, 0, NULL };
  guint before, after;
  gint64 start, elapsed;

  hist_open (f, NULL, 0, 0);
  task = make_finished_task (f, NULL, &work);
  flush_or_fail (f);
  before = _tasker_history_get_n_transactions (f->history);
  g_assert_cmpuint (before, ==, 1);

  /* Adding never waits on the disk. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 1000; i++)
    _tasker_history_add (f->history, task);
  elapsed = g_get_monotonic_time () - start;
  g_assert_cmpint (elapsed, <, (gint64) test_slack_ms (200) * 1000);

  flush_or_fail (f);
  after = _tasker_history_get_n_transactions (f->history);
  g_test_message ("1000 records in %u transactions, added in %" G_GINT64_FORMAT " µs",
                  after - before, elapsed);
  g_assert_cmpuint (after - before, >=, 2);   /* BATCH_MAX is 500 */
  g_assert_cmpuint (after - before, <=, 10);

  model = hist_query_all (f);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1001);
}

/* Queued entries are allocated a block at a time and reused once written:
 * three rounds of more records than the writer keeps spare, from two tasks
 * with different fields in turn, each round queued whole before the writer
 * runs, and every record still says what its own add said. Each round is
 * written in batches of BATCH_MAX (500), the rows in the order queued. */
static void
test_entries_reused (HistFixture   *f,
                     gconstpointer  data)
{
  HistWork fine_work = { "fine", -1, NULL, 0, NULL };
  HistWork failing_work = { NULL, -1, NULL, 7, NULL };
  g_autoptr(TaskerTask) fine = NULL;
  g_autoptr(TaskerTask) failing = NULL;
  g_autoptr(GListModel) model = NULL;
  const guint n_rounds = 3;
  const guint per_round = 2599;   /* more than SPARE_MAX; odd, so reused entries change task */
  gint64 base = g_get_real_time () - (gint64) 3600 * G_USEC_PER_SEC;
  guint seq = 0;
  guint transactions;
  g_autofree char *out_of_order = NULL;

  fine = make_finished_task (f, "fine", &fine_work);
  failing = make_finished_task (f, NULL, &failing_work);
  hist_open (f, NULL, 0, 0);
  flush_or_fail (f);
  transactions = _tasker_history_get_n_transactions (f->history);

  for (guint round = 0; round < n_rounds; round++)
    {
      _tasker_history_set_paused (f->history, TRUE);
      for (guint i = 0; i < per_round; i++)
        {
          seq++;
          _tasker_history_add_full (f->history, seq % 2 == 0 ? fine : failing, base + seq, seq);
        }
      _tasker_history_set_paused (f->history, FALSE);
      flush_or_fail (f);
      g_assert_cmpuint (_tasker_history_get_n_transactions (f->history) - transactions, ==,
                        (per_round + 499) / 500);
      transactions = _tasker_history_get_n_transactions (f->history);
    }

  model = hist_query_all (f);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_rounds * per_round);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (model, i);
      guint64 parent_id = tasker_history_record_get_parent_id (record);
      TaskerTask *task = parent_id % 2 == 0 ? fine : failing;

      /* Newest first. */
      g_assert_cmpuint (parent_id, ==, n_rounds * per_round - i);
      g_assert_cmpint (tasker_history_record_get_finished_time (record), ==, base + (gint64) parent_id);
      g_assert_cmpuint (tasker_history_record_get_task_id (record), ==, tasker_task_get_id (task));
      g_assert_cmpstr (tasker_history_record_get_key (record), ==, tasker_task_get_key (task));
      g_assert_cmpint (tasker_history_record_get_status (record), ==, tasker_task_get_status (task));
      g_assert_cmpstr (tasker_history_record_get_message (record), ==, tasker_task_get_message (task));
      g_assert_cmpint (tasker_history_record_get_error_code (record), ==, (task == failing ? 7 : 0));
      g_assert_true ((tasker_history_record_get_error_message (record) != NULL) == (task == failing));
    }
  hist_close (f);
  out_of_order = sqlite_text (f->path, "SELECT count(*) FROM (SELECT parent_id - lag (parent_id)"
                                       " OVER (ORDER BY row) AS step FROM tasks) WHERE step <> 1");
  g_assert_cmpstr (out_of_order, ==, "0");
}

static char *
query_ids (HistFixture        *f,
           TaskerHistoryQuery *query)
{
  g_autoptr(GListModel) model = NULL;
  g_autoptr(GError) error = NULL;

  model = hist_query (f, query, NULL, &error);
  g_assert_no_error (error);

  return hist_model_ids (model);
}

#define assert_query(f, query, ...)                                            \
  G_STMT_START {                                                               \
    g_autofree char *got_ = query_ids ((f), (query));                          \
    g_autofree char *want_ = hist_task_ids (__VA_ARGS__);                      \
    g_assert_cmpstr (got_, ==, want_);                                         \
  } G_STMT_END

#define assert_query_empty(f, query)                                           \
  G_STMT_START {                                                               \
    g_autofree char *got_ = query_ids ((f), (query));                          \
    g_assert_cmpstr (got_, ==, "");                                            \
  } G_STMT_END

/* Every filter, alone and together; text matches the message or the log,
 * ignoring case (Unicode too), with % and _ taken literally. */
static void
test_query_filters (HistFixture   *f,
                    gconstpointer  data)
{
  static const char * const encode_log[] = { "ffmpeg started", "frame_1 done", NULL };
  g_autoptr(TaskerTaskOptions) backup = tasker_task_options_new ();
  g_autoptr(TaskerTaskOptions) encode = tasker_task_options_new ();
  g_autoptr(TaskerTaskOptions) encode2 = NULL;
  g_autoptr(TaskerHistoryQuery) query = NULL;
  g_autoptr(TaskerTask) t1 = NULL, t2 = NULL, t3 = NULL, t4 = NULL, t5 = NULL;
  TestGate gate;
  HistWork w1 = { "copying files", -1, NULL, 0, NULL };
  HistWork w2 = { "Disk FULL: 100% used", -1, NULL, 7, NULL };
  HistWork w3 = { NULL, -1, encode_log, 0, NULL };
  HistWork w4 = { "waiting", -1, NULL, 0, &gate };
  HistWork w5 = { "Größe prüfen", -1, NULL, 0, NULL };
  gint64 base = g_get_real_time () - HOUR_US;

  test_gate_init (&gate);
  hist_open (f, NULL, 0, 0);

  tasker_task_options_set_name (backup, "Backup");
  tasker_task_options_set_name (encode, "Encode");
  encode2 = tasker_task_options_copy (encode);

  t1 = hist_submit (f, "k-a", backup, &w1);
  t2 = hist_submit (f, "k-b", backup, &w2);
  t3 = hist_submit (f, "k-c", encode, &w3);
  t5 = hist_submit (f, NULL, NULL, &w5);
  hist_wait_finished (f, 4);
  /* The same key again, once the first task with it ended. */
  t4 = hist_submit (f, "k-a", encode2, &w4);
  test_gate_block_until_waiting (&gate, 1);
  tasker_task_cancel (t4);
  hist_wait_finished (f, 5);
  test_settle (f->base.manager);

  /* Records with made-up finished times (1 ms apart, in order) and parents. */
  _tasker_history_add_full (f->history, t1, base + 0, 0);
  _tasker_history_add_full (f->history, t2, base + 1000, 0);
  _tasker_history_add_full (f->history, t3, base + 2000, tasker_task_get_id (t1));
  _tasker_history_add_full (f->history, t4, base + 3000, 0);
  _tasker_history_add_full (f->history, t5, base + 4000, tasker_task_get_id (t1));
  flush_or_fail (f);

  /* The five real records, which finished later, come first. */
  query = tasker_history_query_new ();
  tasker_history_query_set_until (query, base + HOUR_US / 2);
  assert_query (f, query, t5, t4, t3, t2, t1, NULL);
  tasker_history_query_set_status (query, TASKER_TASK_STATUS_COMPLETED);
  assert_query (f, query, t5, t3, t1, NULL);
  tasker_history_query_set_status (query, TASKER_TASK_STATUS_FAILED);
  assert_query (f, query, t2, NULL);
  tasker_history_query_set_status (query, TASKER_TASK_STATUS_CANCELLED);
  assert_query (f, query, t4, NULL);
  tasker_history_query_set_status (query, -1);

  tasker_history_query_set_key (query, "k-a");
  assert_query (f, query, t4, t1, NULL);
  tasker_history_query_set_key (query, "k-");
  assert_query_empty (f, query);
  tasker_history_query_set_key (query, NULL);

  tasker_history_query_set_name (query, "Backup");
  assert_query (f, query, t2, t1, NULL);
  tasker_history_query_set_name (query, "Encode");
  tasker_history_query_set_status (query, TASKER_TASK_STATUS_COMPLETED);
  assert_query (f, query, t3, NULL);
  tasker_history_query_set_status (query, -1);
  tasker_history_query_set_name (query, NULL);

  /* Text: in the message, in the log, any case, no wildcards. */
  tasker_history_query_set_text (query, "COPYING");
  assert_query (f, query, t1, NULL);
  tasker_history_query_set_text (query, "frame_1");
  assert_query (f, query, t3, NULL);
  tasker_history_query_set_text (query, "FFMPEG");
  assert_query (f, query, t3, NULL);
  tasker_history_query_set_text (query, "100%");
  assert_query (f, query, t2, NULL);
  tasker_history_query_set_text (query, "%");
  assert_query (f, query, t2, NULL);
  tasker_history_query_set_text (query, "_");
  assert_query (f, query, t3, NULL);
  tasker_history_query_set_text (query, "frame%done");
  assert_query_empty (f, query);
  tasker_history_query_set_text (query, "GRÖSSE");
  assert_query (f, query, t5, NULL);
  tasker_history_query_set_text (query, "PRÜFEN");
  assert_query (f, query, t5, NULL);
  tasker_history_query_set_text (query, "");
  assert_query (f, query, t5, t4, t3, t2, t1, NULL);
  tasker_history_query_set_text (query, NULL);

  /* A range of finished times: since inclusive, until exclusive. */
  tasker_history_query_set_since (query, base + 1000);
  tasker_history_query_set_until (query, base + 3000);
  assert_query (f, query, t3, t2, NULL);
  tasker_history_query_set_since (query, 0);
  assert_query (f, query, t3, t2, t1, NULL);
  tasker_history_query_set_until (query, 0);
  tasker_history_query_set_since (query, base + 3000);
  tasker_history_query_set_limit (query, 0);
  {
    g_autoptr(GListModel) model = NULL;
    g_autoptr(GError) error = NULL;

    /* The fake t4 and t5, and the five real ones. */
    model = hist_query (f, query, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, 7);
  }
  tasker_history_query_set_since (query, 0);
  tasker_history_query_set_until (query, base + HOUR_US / 2);

  /* Children of t1. */
  tasker_history_query_set_parent_id (query, tasker_task_get_id (t1));
  assert_query (f, query, t5, t3, NULL);
  tasker_history_query_set_text (query, "frame");
  assert_query (f, query, t3, NULL);

  test_gate_clear (&gate);
}

/* Newest first (finished time, then task id), page by page. */
static void
test_query_paging (HistFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(TaskerTask) a = NULL, b = NULL, c = NULL;
  g_autoptr(GString) all = g_string_new (NULL);
  HistWork work = { "page", -1, NULL, 0, NULL };
  gint64 base = g_get_real_time () - DAY_US;
  gint64 last = G_MAXINT64;
  guint n_seen = 0;

  task = make_finished_task (f, NULL, &work);
  hist_open (f, NULL, 0, 0);
  for (guint i = 0; i < 25; i++)
    _tasker_history_add_full (f->history, task, base + i * 1000, 0);
  flush_or_fail (f);

  g_assert_cmpuint (tasker_history_query_get_limit (query), ==, 50);
  tasker_history_query_set_limit (query, 10);
  for (guint page = 0; page < 4; page++)
    {
      g_autoptr(GListModel) model = NULL;
      g_autoptr(GError) error = NULL;
      guint n;

      tasker_history_query_set_offset (query, page * 10);
      model = hist_query (f, query, NULL, &error);
      g_assert_no_error (error);
      n = g_list_model_get_n_items (model);
      g_assert_cmpuint (n, ==, page < 2 ? 10 : page == 2 ? 5 : 0);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (model, i);
          gint64 finished = tasker_history_record_get_finished_time (record);

          /* Strictly older than the previous one, across pages. */
          g_assert_cmpint (finished, <, last);
          g_assert_cmpint (finished, ==, base + (24 - n_seen) * 1000);
          last = finished;
          n_seen++;
        }
    }
  g_assert_cmpuint (n_seen, ==, 25);

  /* The same finished time: the higher task id first. */
  a = make_finished_task (f, NULL, &work);
  b = make_finished_task (f, NULL, &work);
  c = make_finished_task (f, NULL, &work);
  _tasker_history_add_full (f->history, b, base - DAY_US, 0);
  _tasker_history_add_full (f->history, c, base - DAY_US, 0);
  _tasker_history_add_full (f->history, a, base - DAY_US, 0);
  flush_or_fail (f);
  tasker_history_query_set_offset (query, 0);
  tasker_history_query_set_limit (query, 0);
  tasker_history_query_set_until (query, base);
  assert_query (f, query, c, b, a, NULL);
}

static void
test_query_cancelled (HistFixture   *f,
                      gconstpointer  data)
{
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GListModel) model = NULL;
  g_autoptr(GError) error = NULL;

  hist_open (f, NULL, 0, 0);
  g_cancellable_cancel (cancellable);
  model = hist_query (f, query, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (model);
}

static void
test_query_properties (void)
{
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  g_autofree char *key = NULL;
  int status = 0;
  guint limit = 0;
  guint64 parent_id = 1;

  g_object_get (query, "status", &status, "limit", &limit, "key", &key, "parent-id", &parent_id, NULL);
  g_assert_cmpint (status, ==, -1);
  g_assert_cmpuint (limit, ==, 50);
  g_assert_null (key);
  g_assert_cmpuint (parent_id, ==, 0);

  g_object_set (query, "status", TASKER_TASK_STATUS_FAILED, "text", "x", "since", (gint64) 5, NULL);
  g_assert_cmpint (tasker_history_query_get_status (query), ==, TASKER_TASK_STATUS_FAILED);
  g_assert_cmpstr (tasker_history_query_get_text (query), ==, "x");
  g_assert_cmpint (tasker_history_query_get_since (query), ==, 5);
}

static guint
count_records (HistFixture *f)
{
  g_autoptr(GListModel) model = hist_query_all (f);

  return g_list_model_get_n_items (model);
}

/* Beyond max_count, the oldest records go. */
static void
test_retention_count (HistFixture   *f,
                      gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GListModel) model = NULL;
  HistWork work = { NULL, -1, NULL, 0, NULL };
  gint64 base = g_get_real_time () - DAY_US;

  task = make_finished_task (f, NULL, &work);
  hist_open (f, NULL, 0, 0);
  for (guint i = 0; i < 20; i++)
    _tasker_history_add_full (f->history, task, base + i * 1000, 0);
  flush_or_fail (f);
  g_assert_cmpuint (count_records (f), ==, 20);

  _tasker_history_set_limits (f->history, 0, 5);
  TEST_WAIT_UNTIL (f->base.context, count_records (f) == 5);

  model = hist_query_all (f);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (model, i);

      g_assert_cmpint (tasker_history_record_get_finished_time (record), ==, base + (19 - i) * 1000);
    }

  /* No limit again: nothing more goes. */
  _tasker_history_set_limits (f->history, 0, 0);
  _tasker_history_add (f->history, task);
  flush_or_fail (f);
  g_assert_cmpuint (count_records (f), ==, 6);
}

/* Retention never deletes a durable task's record while the task runs:
 * its end updates that row, and a crash before then must leave it. */
static void
test_retention_keeps_live_durable (HistFixture   *f,
                                   gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) running = NULL;
  g_autoptr(TaskerTask) done = NULL;
  g_autoptr(GListModel) model = NULL;
  TestGate gate;
  HistWork wait_work = { "waiting", -1, NULL, 0, &gate };
  HistWork done_work = { NULL, -1, NULL, 0, NULL };
  gint64 old = g_get_real_time () - 30 * DAY_US;

  test_gate_init (&gate);
  done = make_finished_task (f, NULL, &done_work);
  hist_open (f, NULL, 0, 0);
  tasker_task_options_set_durable (options, TRUE);
  running = hist_submit (f, NULL, options, &wait_work);
  test_gate_block_until_waiting (&gate, 1);
  /* Its unfinished record, written a month ago, and older finished ones. */
  _tasker_history_add_full (f->history, running, old, 0);
  for (guint i = 0; i < 5; i++)
    _tasker_history_add_full (f->history, done, old - 1000 + i, 0);
  flush_or_fail (f);
  g_assert_cmpuint (count_records (f), ==, 6);

  _tasker_history_set_limits (f->history, 1, 1);
  TEST_WAIT_UNTIL (f->base.context, count_records (f) == 1);
  model = hist_query_all (f);
  {
    g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (model, 0);

    g_assert_cmpuint (tasker_history_record_get_task_id (record), ==, tasker_task_get_id (running));
    /* Unfinished: pending or running, as the manager last saw it. */
    g_assert_cmpint (tasker_history_record_get_status (record), <=, TASKER_TASK_STATUS_RUNNING);
    g_assert_false (tasker_history_record_get_interrupted (record));
  }

  test_gate_open (&gate);
  TEST_WAIT_UNTIL (f->base.context, tasker_task_is_final (running));
  test_gate_clear (&gate);
}

static gboolean
last_record_is (HistFixture *f,
                const char  *sql,
                const char  *expected)
{
  g_autofree char *text = sqlite_text (f->path, sql);

  return g_strcmp0 (text, expected) == 0;
}

/* A durable task's end in a batch that fails (the database locked by
 * another program past the busy timeout) is written with a later batch:
 * otherwise its unfinished record would make the next start run it again. */
static void
test_durable_end_retried (HistFixture   *f,
                          gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;
  TestGate gate;
  HistWork work = { "done", -1, NULL, 0, &gate };
  sqlite3 *db = NULL;

  test_gate_init (&gate);
  hist_open (f, NULL, 0, 0);
  tasker_task_options_set_durable (options, TRUE);
  task = hist_submit (f, NULL, options, &work);
  test_gate_block_until_waiting (&gate, 1);
  _tasker_history_add (f->history, task);   /* its unfinished record */
  flush_or_fail (f);
  g_assert_true (last_record_is (f, "SELECT count(*) FROM tasks WHERE status <= 1", "1"));

  /* Another program holds the write lock while the end is written. */
  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), ==, SQLITE_OK);
  hist_warnings_catch (TRUE);
  test_gate_open (&gate);
  hist_wait_finished (f, 1);          /* the fixture adds the end record */
  TEST_WAIT_UNTIL (f->base.context, hist_warnings_count () == 1);
  g_assert_false (_tasker_history_flush (f->history, 0));
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  /* The retry lands: one row, ended. */
  TEST_WAIT_UNTIL (f->base.context,
                   last_record_is (f, "SELECT group_concat(status) FROM tasks", "2"));
  hist_warnings_catch (FALSE);
  test_gate_clear (&gate);
}

/* Records older than max_age_days go; descriptions go with them. */
static void
test_retention_age (HistFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GListModel) model = NULL;
  g_autofree char *n_descriptions = NULL;
  HistWork work = { NULL, -1, NULL, 0, NULL };
  gint64 now = g_get_real_time ();

  tasker_task_options_set_description (options, "what", "aged");
  task = hist_submit (f, NULL, options, &work);
  TEST_WAIT_UNTIL (f->base.context, tasker_task_is_final (task));
  test_settle (f->base.manager);

  hist_open (f, NULL, 0, 0);
  _tasker_history_add_full (f->history, task, now - 10 * DAY_US, 0);
  _tasker_history_add_full (f->history, task, now - 3 * DAY_US, 0);
  _tasker_history_add_full (f->history, task, now - HOUR_US, 0);
  _tasker_history_add_full (f->history, task, now, 0);
  flush_or_fail (f);
  g_assert_cmpuint (count_records (f), ==, 4);

  _tasker_history_set_limits (f->history, 5, 0);
  TEST_WAIT_UNTIL (f->base.context, count_records (f) == 3);
  _tasker_history_set_limits (f->history, 2, 0);
  TEST_WAIT_UNTIL (f->base.context, count_records (f) == 2);

  model = hist_query_all (f);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (model, i);

      g_assert_cmpint (tasker_history_record_get_finished_time (record), >=, now - HOUR_US);
      g_assert_cmpstr (tasker_history_record_get_description (record, "what"), ==, "aged");
    }
  hist_close (f);

  n_descriptions = sqlite_text (f->path, "SELECT count(*) FROM descriptions");
  g_assert_cmpstr (n_descriptions, ==, "2");
}

/* Retention runs when the database is opened, and records survive a close. */
static void
test_retention_at_open (HistFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  HistWork work = { NULL, -1, NULL, 0, NULL };
  gint64 now = g_get_real_time ();

  task = make_finished_task (f, NULL, &work);
  hist_open (f, NULL, 0, 0);
  for (guint i = 0; i < 10; i++)
    _tasker_history_add_full (f->history, task, now - i * DAY_US - HOUR_US, 0);
  hist_close (f);

  hist_open (f, NULL, 0, 0);
  g_assert_cmpuint (count_records (f), ==, 10);
  hist_close (f);

  hist_open (f, NULL, 0, 8);
  g_assert_cmpuint (count_records (f), ==, 8);
  hist_close (f);

  hist_open (f, NULL, 3, 0);
  g_assert_cmpuint (count_records (f), ==, 3);
}

/* A history that cannot open warns once, drops what it is given, never
 * blocks, and answers queries with an error. */
static void
check_disabled (HistFixture *f,
                const char  *path,
                const char  *reason)
{
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GListModel) model = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warnings = NULL;
  HistWork work = { NULL, -1, NULL, 0, NULL };
  gint64 start;

  task = make_finished_task (f, NULL, &work);

  hist_warnings_catch (TRUE);
  hist_open (f, path, 0, 0);
  /* Adds before the writer found out are dropped too. */
  for (guint i = 0; i < 10; i++)
    _tasker_history_add (f->history, task);
  TEST_WAIT_UNTIL (f->base.context, _tasker_history_is_disabled (f->history));
  for (guint i = 0; i < 10; i++)
    _tasker_history_add (f->history, task);

  start = g_get_monotonic_time ();
  g_assert_false (_tasker_history_flush (f->history, test_timeout_ms ()));
  g_assert_cmpint (g_get_monotonic_time () - start, <, (gint64) test_slack_ms (500) * 1000);

  model = hist_query (f, query, NULL, &error);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_FAILED);
  g_assert_null (model);
  g_assert_nonnull (strstr (error->message, path));

  hist_close (f);

  warnings = hist_warnings_dup ();
  g_test_message ("warnings: %s", warnings);
  g_assert_cmpuint (hist_warnings_count (), ==, 1);
  g_assert_nonnull (strstr (warnings, path));
  g_assert_nonnull (strstr (warnings, reason));
  hist_warnings_catch (FALSE);
}

static void
test_unwritable (HistFixture   *f,
                 gconstpointer  data)
{
  g_autofree char *file = g_build_filename (f->dir, "not-a-directory", NULL);
  g_autofree char *under_file = g_build_filename (file, "history.sqlite3", NULL);
  g_autofree char *locked = g_build_filename (f->dir, "locked", NULL);
  g_autofree char *in_locked = g_build_filename (locked, "sub", "history.sqlite3", NULL);

  /* A path through a regular file. */
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  check_disabled (f, under_file, g_strerror (ENOTDIR));

  /* Somewhere nobody may create anything, not even root. */
  check_disabled (f, "/proc/tasker-history-test/history.sqlite3", "/proc/tasker-history-test");

  /* A directory without write permission (root ignores it). */
  if (geteuid () != 0)
    {
      g_assert_cmpint (g_mkdir (locked, 0500), ==, 0);
      check_disabled (f, in_locked, g_strerror (EACCES));
    }
}

/* A file that is not a database: one warning, and the file is left as it was. */
static void
test_corrupt (HistFixture   *f,
              gconstpointer  data)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *after = NULL;
  char before[4096];
  gsize length = 0;

  for (gsize i = 0; i < sizeof before; i++)
    before[i] = (char) g_test_rand_int_range (0, 256);
  /* Not by chance the SQLite header. */
  before[0] = 'X';
  g_assert_true (g_file_set_contents (f->path, before, sizeof before, NULL));
  g_assert_cmpint (g_chmod (f->path, 0640), ==, 0);

  check_disabled (f, f->path, "not a database");

  g_assert_true (g_file_get_contents (f->path, &after, &length, NULL));
  g_assert_cmpmem (after, length, before, sizeof before);
  g_assert_cmpuint (file_mode (f->path), ==, 0640);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
}

/* A database damaged where only writing finds it (an index every insert
 * updates): the history turns off and says why, once, with the path,
 * instead of failing every batch. */
static void
test_damaged_found_writing (HistFixture   *f,
                            gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autofree char *root = NULL;
  g_autofree char *page_size = NULL;
  g_autofree char *warnings = NULL;
  g_autofree char *garbage = NULL;
  HistWork work = { NULL, -1, NULL, 0, NULL };
  gsize size;
  FILE *file;

  task = make_finished_task (f, NULL, &work);
  hist_open (f, NULL, 0, 0);
  _tasker_history_add (f->history, task);
  flush_or_fail (f);
  hist_close (f);

  root = sqlite_text (f->path, "SELECT rootpage FROM sqlite_master WHERE name = 'tasks_by_finished_time'");
  page_size = sqlite_text (f->path, "PRAGMA page_size");
  size = g_ascii_strtoull (page_size, NULL, 10);
  garbage = g_malloc (size);
  memset (garbage, 0xa5, size);
  file = fopen (f->path, "r+b");
  g_assert_nonnull (file);
  g_assert_cmpint (fseek (file, (long) ((g_ascii_strtoull (root, NULL, 10) - 1) * size), SEEK_SET), ==, 0);
  g_assert_cmpuint (fwrite (garbage, 1, size, file), ==, size);
  fclose (file);

  hist_warnings_catch (TRUE);
  hist_open (f, NULL, 0, 0);
  _tasker_history_add (f->history, task);
  TEST_WAIT_UNTIL (f->base.context, _tasker_history_is_disabled (f->history));
  g_assert_false (_tasker_history_flush (f->history, 0));
  hist_close (f);

  warnings = hist_warnings_dup ();
  g_test_message ("warnings: %s", warnings);
  g_assert_cmpuint (hist_warnings_count (), ==, 1);
  g_assert_nonnull (strstr (warnings, f->path));
  g_assert_nonnull (strstr (warnings, "malformed"));
  hist_warnings_catch (FALSE);
}

/* A database of a later schema version is left alone. */
static void
test_unknown_schema (HistFixture   *f,
                     gconstpointer  data)
{
  sqlite3 *db = NULL;
  g_autofree char *version = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE future (x); PRAGMA user_version = 7",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  check_disabled (f, f->path, "unknown schema version 7");

  version = sqlite_text (f->path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "7");
  /* Checked before anything changed it: still in its own journal mode. */
  g_clear_pointer (&version, g_free);
  version = sqlite_text (f->path, "PRAGMA journal_mode");
  g_assert_cmpstr (version, ==, "delete");
}

/* Another program's database (no schema version, tables of its own) is
 * refused untouched: no tables of ours, no WAL mode. */
static void
test_foreign_database (HistFixture   *f,
                       gconstpointer  data)
{
  sqlite3 *db = NULL;
  g_autofree char *tables = NULL;
  g_autofree char *journal_mode = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE notes (x); INSERT INTO notes VALUES ('mine')",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (g_chmod (f->path, 0644), ==, 0);

  check_disabled (f, f->path, "not a Tasker history");

  tables = sqlite_text (f->path, "SELECT group_concat (name) FROM sqlite_master");
  g_assert_cmpstr (tables, ==, "notes");
  journal_mode = sqlite_text (f->path, "PRAGMA journal_mode");
  g_assert_cmpstr (journal_mode, ==, "delete");
  g_assert_cmpuint (file_mode (f->path), ==, 0644);
}

/* A history made with another mode (an older version, a copy) is made
 * 0600 at every open, with its -wal and -shm files. */
static void
test_private_at_every_open (HistFixture   *f,
                            gconstpointer  data)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);
  g_autoptr(TaskerTask) task = NULL;
  HistWork work = { NULL, -1, NULL, 0, NULL };

  task = make_finished_task (f, NULL, &work);
  hist_open (f, NULL, 0, 0);
  _tasker_history_add (f->history, task);
  flush_or_fail (f);
  hist_close (f);

  g_assert_cmpint (g_chmod (f->path, 0644), ==, 0);
  /* Left over, empty, readable by all: SQLite keeps a file's mode. */
  g_assert_true (g_file_set_contents (wal, "", 0, NULL));
  g_assert_true (g_file_set_contents (shm, "", 0, NULL));
  g_assert_cmpint (g_chmod (wal, 0644), ==, 0);
  g_assert_cmpint (g_chmod (shm, 0644), ==, 0);

  hist_open (f, NULL, 0, 0);
  _tasker_history_add (f->history, task);
  flush_or_fail (f);
  g_assert_cmpuint (count_records (f), ==, 2);
  g_assert_cmpuint (file_mode (f->path), ==, 0600);
  g_assert_cmpuint (file_mode (wal), ==, 0600);
  g_assert_cmpuint (file_mode (shm), ==, 0600);
}

/* Creates the database at @path with @sql, as an earlier version left it. */
static void
create_database (const char *path,
                 const char *sql)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* Version 1's tables, the tasks table with @MORE_COLUMNS. */
#define V1_TABLES_SQL(MORE_COLUMNS) \
  "CREATE TABLE tasks (row INTEGER PRIMARY KEY, task_id INTEGER NOT NULL," \
  " key TEXT, name TEXT, kind INTEGER NOT NULL, status INTEGER NOT NULL," \
  " message TEXT, progress REAL NOT NULL DEFAULT 0, error_domain TEXT," \
  " error_code INTEGER NOT NULL DEFAULT 0, error_message TEXT," \
  " attempts INTEGER NOT NULL DEFAULT 0, created_time INTEGER NOT NULL DEFAULT 0," \
  " started_time INTEGER NOT NULL DEFAULT 0, finished_time INTEGER NOT NULL," \
  " trace_id INTEGER NOT NULL DEFAULT 0, parent_id INTEGER NOT NULL DEFAULT 0," \
  " log TEXT, n_descriptions INTEGER NOT NULL DEFAULT 0" MORE_COLUMNS ");" \
  "CREATE TABLE descriptions (task_row INTEGER NOT NULL REFERENCES tasks (row)" \
  " ON DELETE CASCADE, key TEXT NOT NULL, value TEXT NOT NULL," \
  " PRIMARY KEY (task_row, key)) WITHOUT ROWID;"

/* A version 1 database (before interrupted tasks) is upgraded in place:
 * its records are kept, and an unfinished one is interrupted. */
static void
test_upgrade_from_1 (HistFixture   *f,
                     gconstpointer  data)
{
  g_autofree char *version = NULL;
  g_autoptr(GListModel) records = NULL;
  g_autoptr(TaskerHistoryRecord) newest = NULL;
  g_autoptr(TaskerHistoryRecord) oldest = NULL;

  create_database (f->path,
                   V1_TABLES_SQL ("")
                   "INSERT INTO tasks (task_id, name, kind, status, finished_time)"
                   " VALUES (1, 'done', 0, 2, 1000), (2, 'unfinished', 0, 1, 2000);"
                   "PRAGMA user_version = 1");

  hist_open (f, NULL, 0, 0);
  records = hist_query_all (f);
  g_assert_cmpuint (g_list_model_get_n_items (records), ==, 2);
  newest = g_list_model_get_item (records, 0);
  oldest = g_list_model_get_item (records, 1);
  g_assert_cmpstr (tasker_history_record_get_name (newest), ==, "unfinished");
  g_assert_true (tasker_history_record_get_interrupted (newest));
  g_assert_cmpstr (tasker_history_record_get_name (oldest), ==, "done");
  g_assert_false (tasker_history_record_get_interrupted (oldest));
  g_assert_false (_tasker_history_is_disabled (f->history));
  hist_close (f);

  version = sqlite_text (f->path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "3");
}

/* The names of @query's records, newest first, joined with spaces. */
static char *
query_names (HistFixture        *f,
             TaskerHistoryQuery *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) records = hist_query (f, query, NULL, &error);
  g_autoptr(GString) names = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < g_list_model_get_n_items (records); i++)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (records, i);

      g_string_append_printf (names, i == 0 ? "%s" : " %s", tasker_history_record_get_name (record));
    }

  return g_strdup (names->str);
}

/* A version 2 database (its status index held every record) is upgraded in
 * place: the index leaves the completed records out, the records are kept,
 * and a query for each status finds its own. */
static void
test_upgrade_from_2 (HistFixture   *f,
                     gconstpointer  data)
{
  static const struct { int status; const char *names; } expected[] = {
    { -1, "unfinished cancelled failed-late done-late failed done" },
    { TASKER_TASK_STATUS_PENDING, "" },
    { TASKER_TASK_STATUS_RUNNING, "unfinished" },
    { TASKER_TASK_STATUS_COMPLETED, "done-late done" },
    { TASKER_TASK_STATUS_FAILED, "failed-late failed" },
    { TASKER_TASK_STATUS_CANCELLED, "cancelled" },
  };
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  g_autofree char *version = NULL;
  g_autofree char *status_index = NULL;
  g_autofree char *indexed = NULL;

  create_database (f->path,
                   V1_TABLES_SQL (", interrupted INTEGER NOT NULL DEFAULT 0")
                   "CREATE INDEX tasks_by_status ON tasks (status, finished_time);"
                   "CREATE INDEX tasks_by_key ON tasks (key, finished_time)"
                   " WHERE key IS NOT NULL;"
                   "CREATE INDEX tasks_by_finished_time ON tasks (finished_time, task_id);"
                   "INSERT INTO tasks (task_id, name, kind, status, finished_time) VALUES"
                   " (1, 'done', 0, 2, 1000), (2, 'failed', 0, 3, 2000),"
                   " (3, 'done-late', 0, 2, 3000), (4, 'failed-late', 0, 3, 4000),"
                   " (5, 'cancelled', 0, 4, 5000), (6, 'unfinished', 0, 1, 6000);"
                   "PRAGMA user_version = 2");

  hist_open (f, NULL, 0, 0);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *names = NULL;

      tasker_history_query_set_status (query, expected[i].status);
      names = query_names (f, query);
      g_assert_cmpstr (names, ==, expected[i].names);
    }
  g_assert_false (_tasker_history_is_disabled (f->history));
  hist_close (f);

  version = sqlite_text (f->path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "3");
  status_index = sqlite_text (f->path, "SELECT sql FROM sqlite_master WHERE name = 'tasks_by_status'");
  g_assert_nonnull (strstr (status_index, " WHERE status <> 2"));
  /* What the index holds: the records that are not completed. */
  indexed = sqlite_text (f->path, "SELECT group_concat (name, ' ') FROM"
                                  " (SELECT name FROM tasks INDEXED BY tasks_by_status"
                                  "  WHERE status <> 2 ORDER BY status, finished_time)");
  g_assert_cmpstr (indexed, ==, "unfinished failed failed-late cancelled");
}

/* The SQL of the queries the writer runs (SQLITE_TRACE_STMT), then their
 * plans: written on the writer thread between two waits of the test. */
typedef struct
{
  GPtrArray *queries;   /* (element-type utf8) */
  GPtrArray *plans;     /* (element-type utf8) one per query, its plan's lines */
} QueryTrace;

static int
trace_query_cb (unsigned int  type,
                void         *data,
                void         *stmt,
                void         *sql)
{
  QueryTrace *trace = data;

  if (g_str_has_prefix (sql, "SELECT row,"))
    g_ptr_array_add (trace->queries, g_strdup (sql));

  return 0;
}

static void
start_query_trace (struct sqlite3 *db,
                   gpointer        data)
{
  g_assert_cmpint (sqlite3_trace_v2 (db, SQLITE_TRACE_STMT, trace_query_cb, data), ==, SQLITE_OK);
}

static void
explain_traced_queries (struct sqlite3 *db,
                        gpointer        data)
{
  QueryTrace *trace = data;

  sqlite3_trace_v2 (db, 0, NULL, NULL);
  for (guint i = 0; i < trace->queries->len; i++)
    {
      g_autofree char *sql = g_strconcat ("EXPLAIN QUERY PLAN ", trace->queries->pdata[i], NULL);
      g_autoptr(GString) plan = g_string_new (NULL);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_string_append_printf (plan, "%s\n", sqlite3_column_text (stmt, 3));
      sqlite3_finalize (stmt);
      g_ptr_array_add (trace->plans, g_strdup (plan->str));
    }
}

/* A query for a status other than COMPLETED reads the status index (which
 * holds only those records), a query for COMPLETED the finished-time index. */
static void
test_status_query_plan (HistFixture   *f,
                        gconstpointer  data)
{
  static const int statuses[] = {
    TASKER_TASK_STATUS_FAILED, TASKER_TASK_STATUS_CANCELLED, TASKER_TASK_STATUS_RUNNING,
    TASKER_TASK_STATUS_COMPLETED,
  };
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  g_autoptr(GPtrArray) queries = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) plans = g_ptr_array_new_with_free_func (g_free);
  QueryTrace trace = { queries, plans };

  hist_open (f, NULL, 0, 0);
  _tasker_history_run_for_test (f->history, start_query_trace, &trace);
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autofree char *names = NULL;

      tasker_history_query_set_status (query, statuses[i]);
      names = query_names (f, query);
      g_assert_cmpstr (names, ==, "");
    }
  _tasker_history_run_for_test (f->history, explain_traced_queries, &trace);

  g_assert_cmpuint (plans->len, ==, G_N_ELEMENTS (statuses));
  for (guint i = 0; i < plans->len; i++)
    {
      const char *index = statuses[i] == TASKER_TASK_STATUS_COMPLETED ? "USING INDEX tasks_by_finished_time"
                                                                     : "USING INDEX tasks_by_status";

      g_test_message ("status %d: %s", statuses[i], (char *) plans->pdata[i]);
      g_assert_nonnull (strstr (plans->pdata[i], index));
    }
}

/* Flush waits at most its timeout, and says whether everything got in. */
static void
test_flush_timeout (HistFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  HistWork work = { NULL, -1, NULL, 0, NULL };
  gint64 start, elapsed;

  task = make_finished_task (f, NULL, &work);
  hist_open (f, NULL, 0, 0);
  /* Nothing queued: at once. */
  g_assert_true (_tasker_history_flush (f->history, 0));
  _tasker_history_add (f->history, task);
  flush_or_fail (f);

  _tasker_history_set_paused (f->history, TRUE);
  for (guint i = 0; i < 10; i++)
    _tasker_history_add (f->history, task);

  start = g_get_monotonic_time ();
  g_assert_false (_tasker_history_flush (f->history, 100));
  elapsed = g_get_monotonic_time () - start;
  g_assert_cmpint (elapsed, >=, 100 * 1000);
  g_assert_cmpint (elapsed, <, (gint64) test_slack_ms (1000) * 1000);
  g_assert_false (_tasker_history_flush (f->history, 0));

  _tasker_history_set_paused (f->history, FALSE);
  flush_or_fail (f);
  g_assert_cmpuint (count_records (f), ==, 11);
}

/* Freeing the history writes what is still queued, within its bound. */
static void
test_free_writes_queued (HistFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTask) task = NULL;
  g_autofree char *count = NULL;
  HistWork work = { "queued", -1, NULL, 0, NULL };
  guint n = test_scale (2000);
  gint64 start;

  task = make_finished_task (f, NULL, &work);
  hist_open (f, NULL, 0, 0);
  _tasker_history_set_paused (f->history, TRUE);
  for (guint i = 0; i < n; i++)
    _tasker_history_add (f->history, task);

  start = g_get_monotonic_time ();
  hist_close (f);
  g_assert_cmpint (g_get_monotonic_time () - start, <, (gint64) test_slack_ms (3000) * 1000);

  count = sqlite_text (f->path, "SELECT count(*) FROM tasks WHERE message = 'queued'");
  g_assert_cmpuint (g_ascii_strtoull (count, NULL, 10), ==, n);
}

/* The history stores what the task retained: a task that logged 3 MB keeps
 * (and records) at most the 1 MiB bound, one marker first. */
static void
test_log_bounded (HistFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *filler = g_strnfill (10 * 1024, 'l');
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GListModel) model = NULL;
  g_auto(GStrv) record_log = NULL;
  HistWork work = { "loud", -1, NULL, 0, NULL };
  gsize bytes = 0;

  for (guint i = 0; i < 300; i++)
    g_ptr_array_add (lines, g_strdup_printf ("%u %s", i, filler));
  g_ptr_array_add (lines, NULL);
  work.log = (const char * const *) lines->pdata;

  hist_open (f, NULL, 0, 0);
  task = hist_submit (f, NULL, NULL, &work);
  hist_wait_finished (f, 1);
  test_settle (f->base.manager);
  flush_or_fail (f);

  model = hist_query_all (f);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  assert_record_matches (find_record (model, tasker_task_get_id (task)), task);
  record_log = tasker_history_record_dup_log (find_record (model, tasker_task_get_id (task)));
  for (guint i = 0; record_log[i] != NULL; i++)
    bytes += strlen (record_log[i]) + 1;
  g_assert_cmpuint (bytes, <=, 1024 * 1024 + 100);
  g_assert_nonnull (strstr (record_log[0], " earlier lines dropped"));
  g_assert_nonnull (strstr (record_log[g_strv_length (record_log) - 1], "] 299 l"));
}

/* Adds from the manager's own task-finished signal, as the manager's hook
 * will, while the writer is busy: every one gets in. */
static void
test_many_tasks (HistFixture   *f,
                 gconstpointer  data)
{
  static const char * const log[] = { "a line", NULL };
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  HistWork work = { "many", 0.5, log, 0, NULL };
  guint n = test_scale (2000);

  hist_open (f, NULL, 0, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (tasks, hist_submit (f, NULL, NULL, &work));
  hist_wait_finished (f, n);
  test_settle (f->base.manager);
  flush_or_fail (f);
  g_assert_cmpuint (count_records (f), ==, n);
  g_assert_cmpuint (_tasker_history_get_n_transactions (f->history), <, n);
}

/* Fault injection (DESIGN.md §4 Durability): a write that fails is kept
 * and tried again, never dropped silently. */

static guint
count_rows (HistFixture *f,
            const char  *where)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM tasks WHERE %s", where);
  g_autofree char *text = sqlite_text (f->path, sql);

  return (guint) g_ascii_strtoull (text, NULL, 10);
}

/* Another *process* holds the write lock past the busy timeout while a
 * batch is written: one warning, the records wait, and once the lock is
 * gone every one is written, once. */
static void
test_locked_by_process (HistFixture   *f,
                        gconstpointer  data)
{
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autofree char *warnings = NULL;
  g_autoptr(TaskerTask) task = NULL;
  g_autoptr(GError) error = NULL;
  HistWork work = { "locked out", -1, NULL, 0, NULL };
  const char *script =
    "import sqlite3, sys\n"
    "db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)\n"
    "db.execute('BEGIN EXCLUSIVE')\n"
    "print('locked', flush=True)\n"
    "sys.stdin.readline()\n"
    "db.execute('COMMIT')\n";
  const char *argv[] = { python, "-c", script, f->path, NULL };
  GPid pid = 0;
  int in_fd = -1, out_fd = -1;
  int status = 0;
  char line[8] = { 0 };
  guint n = 50;

  if (python == NULL)
    {
      g_test_skip ("python3 is not installed");
      return;
    }

  task = make_finished_task (f, NULL, &work);
  hist_open (f, NULL, 0, 0);
  _tasker_history_add (f->history, task);
  flush_or_fail (f);

  g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                            G_SPAWN_DO_NOT_REAP_CHILD,
                            NULL, NULL, &pid, &in_fd, &out_fd, NULL, &error);
  g_assert_no_error (error);
  for (gsize got = 0; got < 7 && strchr (line, '\n') == NULL; )
    {
      gssize r = read (out_fd, line + got, 7 - got);

      if (r < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (r, >, 0);
      got += r;
    }
  g_assert_cmpstr (line, ==, "locked\n");

  hist_warnings_catch (TRUE);
  for (guint i = 0; i < n; i++)
    _tasker_history_add (f->history, task);
  TEST_WAIT_UNTIL (f->base.context, hist_warnings_count () == 1);
  g_assert_false (_tasker_history_flush (f->history, 0));

  /* The lock goes: everything lands, once. */
  g_assert_cmpint (write (in_fd, "\n", 1), ==, 1);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  close (in_fd);
  close (out_fd);

  flush_or_fail (f);
  g_assert_cmpuint (count_rows (f, "message = 'locked out'"), ==, n + 1);
  warnings = hist_warnings_dup ();
  g_test_message ("warnings: %s", warnings);
  g_assert_cmpuint (hist_warnings_count (), ==, 1);
  g_assert_nonnull (strstr (warnings, f->path));
  g_assert_nonnull (strstr (warnings, "locked"));
  hist_warnings_catch (FALSE);
}

static void
set_max_page_count (struct sqlite3 *db,
                    gpointer        data)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA max_page_count = %u", GPOINTER_TO_UINT (data));

  /* It cannot go below the database's size: 1 means "full now". */
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
}

/* Records that need pages the "disk" does not have. */
static void
add_big_records (HistFixture *f,
                 TaskerTask  *task,
                 guint        n)
{
  for (guint i = 0; i < n; i++)
    _tasker_history_add (f->history, task);
}

static TaskerTask *
make_big_task (HistFixture *f)
{
  static char line[16 * 1024];
  static const char * const log[] = { line, NULL };
  HistWork work = { "big", -1, log, 0, NULL };

  memset (line, 'x', sizeof line - 1);
  return make_finished_task (f, NULL, &work);
}

/* A full disk: one warning, the records wait; once there is room, every
 * one is written, once. */
static void
test_disk_full (HistFixture   *f,
                gconstpointer  data)
{
  g_autoptr(TaskerTask) task = make_big_task (f);
  g_autofree char *warnings = NULL;
  guint n = 20;

  hist_open (f, NULL, 0, 0);
  _tasker_history_add (f->history, task);
  flush_or_fail (f);

  hist_warnings_catch (TRUE);
  _tasker_history_run_for_test (f->history, set_max_page_count, GUINT_TO_POINTER (1));
  add_big_records (f, task, n);
  TEST_WAIT_UNTIL (f->base.context, hist_warnings_count () == 1);
  g_assert_false (_tasker_history_flush (f->history, 0));

  _tasker_history_run_for_test (f->history, set_max_page_count, GUINT_TO_POINTER (G_MAXINT32));
  flush_or_fail (f);
  g_assert_cmpuint (count_rows (f, "message = 'big'"), ==, n + 1);

  warnings = hist_warnings_dup ();
  g_test_message ("warnings: %s", warnings);
  g_assert_cmpuint (hist_warnings_count (), ==, 1);
  g_assert_nonnull (strstr (warnings, f->path));
  g_assert_nonnull (strstr (warnings, "full"));
  hist_warnings_catch (FALSE);
}

/* The disk stays full until the history is closed: the history gives up,
 * and says so once, with how many records and why. */
static void
test_disk_full_gives_up (HistFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(TaskerTask) task = make_big_task (f);
  g_autofree char *warnings = NULL;
  g_autofree char *expected = NULL;
  guint n = 20;

  hist_open (f, NULL, 0, 0);
  _tasker_history_add (f->history, task);
  flush_or_fail (f);

  hist_warnings_catch (TRUE);
  _tasker_history_run_for_test (f->history, set_max_page_count, GUINT_TO_POINTER (1));
  add_big_records (f, task, n);
  TEST_WAIT_UNTIL (f->base.context, hist_warnings_count () == 1);
  hist_close (f);

  warnings = hist_warnings_dup ();
  g_test_message ("warnings: %s", warnings);
  g_assert_cmpuint (hist_warnings_count (), ==, 2);
  expected = g_strdup_printf ("%u records were not written", n);
  g_assert_nonnull (strstr (warnings, expected));
  g_assert_nonnull (strstr (strstr (warnings, expected), "full"));
  hist_warnings_catch (FALSE);
  g_assert_cmpuint (count_rows (f, "message = 'big'"), ==, 1);
}

static void
limit_length (struct sqlite3 *db,
              gpointer        data)
{
  sqlite3_limit (db, SQLITE_LIMIT_LENGTH, GPOINTER_TO_INT (data));
}

/* A record whose text SQLite refuses to bind (beyond its length limit) is
 * left out with one warning, not written with that text missing (an unchecked
 * bind leaves the parameter NULL); the rest of its batch is written. */
static void
test_unbindable_record (HistFixture   *f,
                        gconstpointer  data)
{
  g_autoptr(TaskerTask) big = make_big_task (f);
  g_autoptr(TaskerTask) small = NULL;
  g_autofree char *warnings = NULL;
  g_autofree char *expected = NULL;
  HistWork work = { "small", -1, NULL, 0, NULL };

  small = make_finished_task (f, NULL, &work);
  hist_open (f, NULL, 0, 0);
  _tasker_history_run_for_test (f->history, limit_length, GINT_TO_POINTER (8 * 1024));

  hist_warnings_catch (TRUE);
  _tasker_history_add (f->history, small);
  _tasker_history_add (f->history, big);
  _tasker_history_add (f->history, small);
  /* One was left out: the flush says so. */
  g_assert_false (_tasker_history_flush (f->history, test_timeout_ms ()));
  g_assert_cmpuint (count_rows (f, "message = 'small'"), ==, 2);
  g_assert_cmpuint (count_rows (f, "message = 'big'"), ==, 0);

  warnings = hist_warnings_dup ();
  g_test_message ("warnings: %s", warnings);
  g_assert_cmpuint (hist_warnings_count (), ==, 1);
  expected = g_strdup_printf ("task %" G_GUINT64_FORMAT, tasker_task_get_id (big));
  g_assert_nonnull (strstr (warnings, expected));
  hist_warnings_catch (FALSE);

  /* Later records are written as usual. */
  _tasker_history_add (f->history, small);
  flush_or_fail (f);
  g_assert_cmpuint (count_rows (f, "message = 'small'"), ==, 3);

  /* Among plain records that go in several rows to a statement, only that
   * one is left out (it warned already). */
  hist_warnings_catch (TRUE);
  _tasker_history_set_paused (f->history, TRUE);
  for (guint i = 0; i < 10; i++)
    _tasker_history_add (f->history, small);
  _tasker_history_add (f->history, big);
  for (guint i = 0; i < 40; i++)
    _tasker_history_add (f->history, small);
  _tasker_history_set_paused (f->history, FALSE);
  g_assert_false (_tasker_history_flush (f->history, test_timeout_ms ()));
  g_assert_cmpuint (count_rows (f, "message = 'small'"), ==, 3 + 50);
  g_assert_cmpuint (count_rows (f, "message = 'big'"), ==, 0);
  hist_warnings_catch (FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  hist_warnings_init ();

  HIST_TEST_ADD ("/Tasker/History/round-trip", test_round_trip);
  HIST_TEST_ADD ("/Tasker/History/file", test_file);
  HIST_TEST_ADD ("/Tasker/History/batching", test_batching);
  HIST_TEST_ADD ("/Tasker/History/entries-reused", test_entries_reused);
  HIST_TEST_ADD ("/Tasker/History/many-tasks", test_many_tasks);
  HIST_TEST_ADD ("/Tasker/History/log-bounded", test_log_bounded);
  HIST_TEST_ADD ("/Tasker/History/query/filters", test_query_filters);
  HIST_TEST_ADD ("/Tasker/History/query/paging", test_query_paging);
  HIST_TEST_ADD ("/Tasker/History/query/cancelled", test_query_cancelled);
  g_test_add_func ("/Tasker/History/query/properties", test_query_properties);
  HIST_TEST_ADD ("/Tasker/History/retention/count", test_retention_count);
  HIST_TEST_ADD ("/Tasker/History/retention/age", test_retention_age);
  HIST_TEST_ADD ("/Tasker/History/retention/keeps-live-durable", test_retention_keeps_live_durable);
  HIST_TEST_ADD ("/Tasker/History/durable-end-retried", test_durable_end_retried);
  HIST_TEST_ADD ("/Tasker/History/faults/locked-by-process", test_locked_by_process);
  HIST_TEST_ADD ("/Tasker/History/faults/disk-full", test_disk_full);
  HIST_TEST_ADD ("/Tasker/History/faults/disk-full-gives-up", test_disk_full_gives_up);
  HIST_TEST_ADD ("/Tasker/History/faults/unbindable-record", test_unbindable_record);
  HIST_TEST_ADD ("/Tasker/History/retention/at-open", test_retention_at_open);
  HIST_TEST_ADD ("/Tasker/History/unwritable", test_unwritable);
  HIST_TEST_ADD ("/Tasker/History/corrupt", test_corrupt);
  HIST_TEST_ADD ("/Tasker/History/damaged-found-writing", test_damaged_found_writing);
  HIST_TEST_ADD ("/Tasker/History/unknown-schema", test_unknown_schema);
  HIST_TEST_ADD ("/Tasker/History/foreign-database", test_foreign_database);
  HIST_TEST_ADD ("/Tasker/History/private-at-every-open", test_private_at_every_open);
  HIST_TEST_ADD ("/Tasker/History/upgrade-from-1", test_upgrade_from_1);
  HIST_TEST_ADD ("/Tasker/History/upgrade-from-2", test_upgrade_from_2);
  HIST_TEST_ADD ("/Tasker/History/status-query-plan", test_status_query_plan);
  HIST_TEST_ADD ("/Tasker/History/flush-timeout", test_flush_timeout);
  HIST_TEST_ADD ("/Tasker/History/free-writes-queued", test_free_writes_queued);

  return g_test_run ();
}
