/* tasker-history-private.h
 *
 * The task history: finished tasks written to an SQLite database by a
 * background writer thread (DESIGN.md §3 History).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include "tasker-history-query.h"
#include "tasker-history-record.h"
#include "tasker-task.h"

G_BEGIN_DECLS

/* The schema version kept in the database's `PRAGMA user_version`. */
#define TASKER_HISTORY_SCHEMA_VERSION 3
/* TASKER_TASK_STATUS_COMPLETED, for SQL text (the status index's condition). */
#define TASKER_HISTORY_STATUS_COMPLETED 2

typedef struct _TaskerHistory TaskerHistory;

/* Opens (creating, mode 0600, parent directories 0700) the SQLite database at
 * @path in WAL mode, on a writer thread of its own: never blocks on the disk.
 * An unwritable, corrupt or foreign database, or one another process has
 * open (@path.lock), disables the history with one g_warning naming the path
 * and the reason; later adds are dropped silently.
 * 0 = no limit for either retention limit. */
TaskerHistory *_tasker_history_new           (const char          *path,
                                              guint                max_age_days,
                                              guint                max_count);
/* On the manager's context, for every finished task, and for a durable task
 * also when it is submitted and when it starts (a record its later ones
 * update): copies what the record needs and queues it. No disk I/O, no
 * waiting on the writer. */
void           _tasker_history_add           (TaskerHistory       *self,
                                              TaskerTask          *task);
/* For a durable task that a shutdown cancelled: its last record, as it was
 * before (pending or running), marked interrupted. */
void           _tasker_history_add_interrupted (TaskerHistory     *self,
                                              TaskerTask          *task);
/* Any thread; the writer applies them at its next wake-up (and wakes for it). */
void           _tasker_history_set_limits    (TaskerHistory       *self,
                                              guint                max_age_days,
                                              guint                max_count);
/* Waits up to @timeout_ms until every record queued before the call is
 * committed. Returns TRUE only if all of them are in the database: FALSE on
 * timeout, when the history is disabled, or when one of them could not be
 * written. Any thread. */
gboolean       _tasker_history_flush         (TaskerHistory       *self,
                                              guint                timeout_ms);
/* Flushes (at most 2 s), stops the writer thread and closes the database.
 * Records still queued after the flush timed out are dropped, with one
 * warning saying how many and why. Any thread. */
void           _tasker_history_free          (TaskerHistory       *self);
/* Tests only: runs @func with the writer's connection on the writer thread
 * (before its next batch) and waits for it; fault injection such as
 * `PRAGMA max_page_count` (a full disk) or sqlite3_limit(). */
struct sqlite3;
typedef void (*TaskerHistoryTestFunc) (struct sqlite3 *db,
                                       gpointer        data);
void           _tasker_history_run_for_test  (TaskerHistory       *self,
                                              TaskerHistoryTestFunc func,
                                              gpointer             data);
/* Keeps the struct alive (not the writer) for a flush from another thread
 * than the owner's; any thread. */
TaskerHistory *_tasker_history_ref           (TaskerHistory       *self);
/* Whether the writer thread has ended (after _tasker_history_free()). */
gboolean       _tasker_history_is_closed     (TaskerHistory       *self);
void           _tasker_history_unref         (TaskerHistory       *self);
/* Runs @query (copied at the call) on the writer thread and hands back a
 * GListModel of TaskerHistoryRecord, newest first, on the caller's
 * thread-default main context. */
void           _tasker_history_query_async   (TaskerHistory       *self,
                                              TaskerHistoryQuery  *query,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GListModel    *_tasker_history_query_finish  (TaskerHistory       *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* Deletes every finished task's record (not those of tasks still running or
 * waiting, nor interrupted ones), after those queued before; on the writer
 * thread. */
void           _tasker_history_clear_async   (TaskerHistory       *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
/* Deletes @record (every record when %NULL); finish with clear_finish(). */
void           _tasker_history_delete_async  (TaskerHistory       *self,
                                              TaskerHistoryRecord *record,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean       _tasker_history_clear_finish  (TaskerHistory       *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* For tests and benchmarks. */

/* How many write transactions (batches of records) were committed. */
guint          _tasker_history_get_n_transactions (TaskerHistory  *self);
/* Whether the history was disabled (unwritable or corrupt database). */
gboolean       _tasker_history_is_disabled   (TaskerHistory       *self);
/* _tasker_history_add() with a fake finished time and parent id (0 = the
 * task's own), so tests can make old records for retention and time ranges. */
void           _tasker_history_add_full      (TaskerHistory       *self,
                                              TaskerTask          *task,
                                              gint64               finished_time,
                                              guint64              parent_id);
/* Holds the writer before its next batch while @paused, so tests can make
 * records wait in the queue. _tasker_history_free() releases it. */
void           _tasker_history_set_paused    (TaskerHistory       *self,
                                              gboolean             paused);

/* TaskerHistoryRecord's fields, filled in by the writer thread. A record is
 * immutable once it is handed out. */
struct _TaskerHistoryRecord
{
  GObject           parent_instance;

  gint64            row;                 /* the database's row: what deletion names */
  char             *origin;              /* (owned) (nullable) the database's path */
  guint64           task_id;
  char             *key;                 /* (owned) (nullable) */
  char             *name;                /* (owned) (nullable) */
  TaskerTaskKind    kind;
  TaskerTaskStatus  status;
  char             *message;             /* (owned) (nullable) */
  double            progress;
  char             *error_domain;        /* (owned) (nullable) */
  int               error_code;
  char             *error_message;       /* (owned) (nullable) */
  guint             attempts;
  gint64            created_time;
  gint64            started_time;
  gint64            finished_time;
  guint64           trace_id;
  guint64           parent_id;
  char             *log;                 /* (owned) (nullable): lines joined with '\n' */
  char            **description_keys;    /* (owned) (nullable): sorted */
  char            **description_values;  /* (owned) (nullable): parallel to @description_keys */
  gboolean          interrupted;
};

TaskerHistoryRecord *_tasker_history_record_new (void);

/* TaskerHistoryQuery's fields; the history reads a private copy of them. */
struct _TaskerHistoryQuery
{
  GObject  parent_instance;

  int      status;      /* a TaskerTaskStatus, or -1 for any */
  char    *key;         /* (owned) (nullable) */
  char    *name;        /* (owned) (nullable) */
  char    *text;        /* (owned) (nullable) */
  gint64   since;       /* 0 = open */
  gint64   until;       /* 0 = open */
  guint64  parent_id;   /* 0 = any */
  guint64  task_id;     /* 0 = any */
  gboolean interrupted; /* only interrupted tasks */
  guint    offset;
  guint    limit;       /* 0 = no limit */
};

TaskerHistoryQuery *_tasker_history_query_copy (TaskerHistoryQuery *self);

G_END_DECLS
