/* history-test.h — helpers shared by the task history's test suites
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "tasker-test.h"

#include "tasker-history-private.h"

G_BEGIN_DECLS

/* A TestFixture (private context, manager), a temporary directory, and a
 * history fed from the manager's task-finished signal once opened. */
typedef struct
{
  TestFixture    base;
  char          *dir;         /* (owned) removed with everything in it at teardown */
  char          *path;        /* (owned) dir/history.sqlite3 */
  TaskerHistory *history;     /* (owned) (nullable) */
  guint          n_finished;  /* task-finished emissions seen */
} HistFixture;

void           hist_fixture_setup    (HistFixture   *f,
                                      gconstpointer  data);
void           hist_fixture_teardown (HistFixture   *f,
                                      gconstpointer  data);

#define HIST_TEST_ADD(path, func) \
  g_test_add ((path), HistFixture, NULL, hist_fixture_setup, (func), hist_fixture_teardown)

/* Opens f->history on @path (f->path if NULL). */
void           hist_open             (HistFixture   *f,
                                      const char    *path,
                                      guint          max_age_days,
                                      guint          max_count);
/* Frees f->history, if any. */
void           hist_close            (HistFixture   *f);
/* Runs @query and waits for its result on f->base.context. */
GListModel    *hist_query            (HistFixture         *f,
                                      TaskerHistoryQuery  *query,
                                      GCancellable        *cancellable,
                                      GError             **error);
/* All the records, newest first; fails the test on an error. */
GListModel    *hist_query_all        (HistFixture   *f);
/* The task ids of @model's records, in order, separated by spaces. */
char          *hist_model_ids        (GListModel    *model);
/* The ids of the tasks given, as hist_model_ids() shows them; NULL-terminated. */
char          *hist_task_ids         (TaskerTask    *first,
                                      ...) G_GNUC_NULL_TERMINATED;
void           hist_rm_rf            (const char    *path);

/* What a test task does, in order; the task completes unless fail_code != 0. */
typedef struct
{
  const char         *message;     /* (nullable) */
  double              progress;    /* < 0: none set */
  const char * const *log;         /* (nullable) lines */
  int                 fail_code;   /* != 0: fails with HIST_TEST_ERROR and this code */
  TestGate           *gate;        /* (nullable) waits for it to open, or for a cancel */
} HistWork;

#define HIST_TEST_ERROR (g_quark_from_static_string ("tasker-history-test-error-quark"))

TaskerTask    *hist_submit           (HistFixture       *f,
                                      const char        *key,
                                      TaskerTaskOptions *options,
                                      HistWork          *work);
/* Waits until @n task-finished emissions were seen in all. */
void           hist_wait_finished    (HistFixture       *f,
                                      guint              n);

/* Counting the library's warnings instead of aborting on them. */
void           hist_warnings_init    (void);
void           hist_warnings_catch   (gboolean           catch);
guint          hist_warnings_count   (void);
char          *hist_warnings_dup     (void);

G_END_DECLS
