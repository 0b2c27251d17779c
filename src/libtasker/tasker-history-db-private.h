/* tasker-history-db-private.h
 *
 * The task history's SQLite database (tasker-history-db.c): schema,
 * migrations, the lock file, writes, retention and queries. Used by the
 * history's writer thread only (tasker-history.c), which owns the one
 * connection: none of these functions may run on another thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include <gio/gio.h>

#include "tasker-history-private.h"

G_BEGIN_DECLS

typedef struct _TaskerHistoryDb TaskerHistoryDb;
typedef struct _TaskerHistoryEntry TaskerHistoryEntry;

/* One task's record, as _tasker_history_add() copied it on the manager's
 * context; queued by tasker-history.c, written by the database. Entries are
 * reused: entry_fill() there sets every field but @block (a new field goes
 * there too). */
struct _TaskerHistoryEntry
{
  TaskerHistoryEntry *next;          /* (owned) (nullable) the queue's or the batch's next entry */
  gpointer          block;           /* (unowned) the allocation it is part of (tasker-history.c) */
  guint64           seq;             /* processing this entry makes processed_seq this */
  guint64           task_id;
  char             *key;             /* (owned) (nullable) */
  char             *name;            /* (owned) (nullable) */
  char             *message;         /* (owned) (nullable) */
  const char       *error_domain;    /* (nullable) a quark's string: interned for ever */
  char             *error_message;   /* (owned) (nullable) */
  int               error_code;
  TaskerTaskKind    kind;
  TaskerTaskStatus  status;
  guint             attempts;
  double            progress;
  gint64            created_time;
  gint64            started_time;
  gint64            finished_time;
  guint64           trace_id;
  guint64           parent_id;
  char             *log;             /* (owned) (nullable) lines joined with '\n' */
  char            **descriptions;    /* (owned) (nullable) key, value, …, NULL; sorted by key */
  gint64            replaces_row;    /* 0, or the interrupted record its first record replaces */
  gint64            replaces_created; /* that record's created_time, against a reused row number */
  guint             durable : 1;     /* its record may exist already, unfinished */
  guint             final : 1;       /* the task's last record */
  guint             interrupted : 1;
};

/* Takes @path's lock file (PATH.lock), creates the database (0600) and its
 * directory (0700) if needed, checks that it is a Tasker history this
 * version knows before changing anything, switches it to WAL mode, creates
 * or upgrades the schema and marks the unfinished records of ended programs
 * interrupted. Returns NULL with @reason set when the database cannot be
 * used; nothing was removed or rewritten then, and the lock is released. */
TaskerHistoryDb *_tasker_history_db_open          (const char          *path,
                                                   char               **reason);
/* Finalizes the statements, closes the connection (the last one
 * checkpoints and removes the WAL) and releases the lock file. */
void             _tasker_history_db_close         (TaskerHistoryDb     *self);

/* Writes the entries from @batch on (following ->next) in one
 * transaction. A record that cannot be bound is left out with one warning
 * for the life of the database, and sets *@left_out. Returns FALSE when the
 * transaction failed: nothing of the batch was written, the first failure
 * was warned about (once), and _tasker_history_db_is_damaged() says
 * whether a retry can help. */
gboolean         _tasker_history_db_write_batch   (TaskerHistoryDb     *self,
                                                   TaskerHistoryEntry  *batch,
                                                   gboolean            *left_out);
/* Whether the last write failed because the file is damaged. */
gboolean         _tasker_history_db_is_damaged    (TaskerHistoryDb     *self);
/* (nullable) why the last write failed. */
const char      *_tasker_history_db_get_write_error (TaskerHistoryDb   *self);

/* Deletes the records beyond the limits (0 = no limit), never those of
 * durable tasks that are still running or waiting in this program. */
void             _tasker_history_db_run_retention (TaskerHistoryDb     *self,
                                                   guint                max_age_days,
                                                   guint                max_count);

/* The records @query matches, newest first (a GListModel of
 * TaskerHistoryRecord); checks @cancellable as it reads. */
GListModel      *_tasker_history_db_query         (TaskerHistoryDb     *self,
                                                   TaskerHistoryQuery  *query,
                                                   GCancellable        *cancellable,
                                                   GError             **error);
/* Deletes the record at *@row, or when @row is NULL every finished task's
 * record (not those of tasks still running or waiting, nor interrupted
 * ones). */
gboolean         _tasker_history_db_delete        (TaskerHistoryDb     *self,
                                                   const gint64        *row,
                                                   GError             **error);

guint64          _tasker_history_db_get_max_task_id (TaskerHistoryDb   *self);

/* Tests only (_tasker_history_run_for_test()): the connection. */
struct sqlite3  *_tasker_history_db_get_connection (TaskerHistoryDb    *self);

G_END_DECLS
