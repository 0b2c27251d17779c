/* tasker-history-db.c
 *
 * The task history's SQLite database: the lock file, schema and
 * migrations, writes in batched transactions, retention and queries. The
 * history's writer thread (tasker-history.c) owns the one connection and is
 * the only thread that calls in here; the queue, the thread and the async
 * API are there.
 *
 * Schema (PRAGMA user_version = TASKER_HISTORY_SCHEMA_VERSION, 3):
 *
 *   tasks         one row per finished task, and one per durable task
 *                 submitted or running (its later records update it):
 *                 `row` (INTEGER PRIMARY KEY; task ids restart with every
 *                 process, so they are not the key), task_id, key, name,
 *                 kind, status (TaskerTaskKind and TaskerTaskStatus values),
 *                 message, progress, error_domain (the quark's string),
 *                 error_code, error_message, attempts, created_time,
 *                 started_time, finished_time (µs since the epoch), trace_id
 *                 and parent_id (the 64-bit values stored as signed
 *                 integers), log (the lines joined with '\n'),
 *                 n_descriptions and interrupted (a durable task's record
 *                 left unfinished by a program that has ended)
 *   descriptions  the task's descriptions, one row per key: task_row
 *                 (→ tasks.row, ON DELETE CASCADE), key, value
 *
 * with indexes on status, key and finished time (each with finished_time, so
 * the newest-first order comes from the index). The key index covers only
 * the tasks that have a key, the status index only the records that are not
 * COMPLETED (NOT_COMPLETED): most records are completed ones, and each index
 * a row goes into is most of the writer's cost per record, while a query for
 * completed records reads the finished-time index newest first and keeps the
 * completed ones, which are most of them. A query for another status says
 * NOT_COMPLETED too, so that SQLite knows the partial index has its rows.
 *
 * Versions. 0 is a new, empty file: the schema above is created. 1 had no
 * durable tasks: version 2 added the `interrupted` column (ALTER TABLE, in
 * place; the rows keep 0) and, at every open, marks the unfinished records
 * that ended programs left interrupted. Version 3 made the status index
 * partial (dropped and created again, in place). A later version, or a file
 * with tables of another program, is refused as it is.
 *
 * One database, one live program: PATH.lock is flock()ed while the database
 * is open (the histories of one process share the lock); a second process
 * is refused, history off, with one warning naming the process that has it.
 *
 * Failures. A database that cannot be created or opened, a file that is not
 * a database, another program's database or a later schema version is
 * refused with the reason (the writer turns the history off and says so);
 * the file is checked before anything is written to it (WAL mode and the
 * 0600 mode included), and is never removed or rewritten. A write that fails
 * is rolled back whole and warned about once for the life of the database
 * (the writer keeps the batch and tries it again). A record SQLite cannot
 * take (a text beyond its length limit) is left out with one warning; every
 * bind is checked, since a parameter that failed to bind would be written as
 * NULL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tasker-error.h"
#include "tasker-history-db-private.h"

/* How many rows a query reads between checks of its cancellable. */
#define QUERY_CANCEL_CHECK     64
/* Plain records (see is_plain()) go in this many at a time, one INSERT with
 * as many rows: SQLite's cost per statement (cursors opened and closed on
 * the table and its indexes, the record buffer) is paid once for them. */
#define INSERT_ROWS            16
/* The insert's parameters for one row. */
#define INSERT_PARAMS          19
/* A plain record's: the first 17, its n_descriptions and interrupted are 0
 * (the columns' default). Each value a row leaves out saves SQLite a few
 * steps per row. */
#define PLAIN_PARAMS           17

typedef struct _DbLock DbLock;

/* What a parameter of the multi-row insert holds. Bindings outlive
 * sqlite3_reset(), and most of a plain record's values are those of the
 * record before it (no key, no error, the same kind and status…): a value
 * the parameter already holds is not bound again, which saves most of the
 * binds of a row. A text is known only when NULL (a bound text points into
 * an entry that is gone once its batch is done). */
typedef enum
{
  PARAM_UNKNOWN,
  PARAM_NULL,
  PARAM_INT,
  PARAM_DOUBLE,
} ParamKind;

typedef struct
{
  ParamKind     kind;
  sqlite3_int64 value;                   /* PARAM_INT's value, PARAM_DOUBLE's bits */
} BoundParam;

struct _TaskerHistoryDb
{
  char           *path;                  /* (owned) what warnings and records name */
  sqlite3        *conn;                  /* (owned) (nullable) */
  DbLock         *lock;                  /* (owned) (nullable) */
  sqlite3_stmt   *insert_task;           /* (owned) (nullable) */
  sqlite3_stmt   *insert_tasks;          /* (owned) (nullable) INSERT_ROWS rows at once */
  BoundParam      insert_tasks_bound[INSERT_ROWS * PLAIN_PARAMS];   /* what its parameters hold */
  sqlite3_stmt   *update_task;           /* (owned) (nullable) */
  sqlite3_stmt   *insert_description;    /* (owned) (nullable) */
  sqlite3_stmt   *select_descriptions;   /* (owned) (nullable) */
  GHashTable     *open_rows;             /* (owned) task id → row, of unfinished durable records */
  GArray         *closing;               /* (owned) task ids whose last record the batch writes */
  char           *write_error;           /* (owned) (nullable) why the last write failed */
  int             write_rc;              /* and its result code */
  guint           n_unwritable;          /* records left out because they cannot be bound */
  int             bind_rc;               /* why the last record left out could not be bound */
  gboolean        write_warned;
  gboolean        unwritable_warned;
};

/* SQL helpers, and the search function queries use */

static gboolean
exec_sql (TaskerHistoryDb *self,
          const char      *sql)
{
  return sqlite3_exec (self->conn, sql, NULL, NULL, NULL) == SQLITE_OK;
}

/* Runs @sql with one integer parameter, ?1. */
static gboolean
exec_delete (TaskerHistoryDb *self,
             const char      *sql,
             sqlite3_int64    arg)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->conn, sql, -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  rc = sqlite3_bind_int64 (stmt, 1, arg);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);

  return rc == SQLITE_DONE;
}

/* Runs a statement that returns at most one row; copies its first column. */
static gboolean
query_text (TaskerHistoryDb  *self,
            const char       *sql,
            char            **out)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->conn, sql, -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);

  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static char *
fold_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autofree char *normalized = g_utf8_normalize (valid, -1, G_NORMALIZE_ALL);

  return g_utf8_casefold (normalized != NULL ? normalized : valid, -1);
}

/* tasker_icontains (haystack, folded_needle): whether @haystack contains the
 * needle, ignoring case beyond ASCII (LIKE handles ASCII only). */
static void
icontains_func (sqlite3_context  *ctx,
                int               argc,
                sqlite3_value   **argv)
{
  const char *haystack = (const char *) sqlite3_value_text (argv[0]);
  const char *needle = (const char *) sqlite3_value_text (argv[1]);
  g_autofree char *folded = NULL;

  if (haystack == NULL || needle == NULL)
    {
      sqlite3_result_int (ctx, 0);
      return;
    }

  folded = fold_text (haystack);
  sqlite3_result_int (ctx, strstr (folded, needle) != NULL);
}

/* The schema */

/* The records the status index holds; the query for another status than
 * COMPLETED repeats it word for word (SQLite uses a partial index only for a
 * query whose WHERE has its condition's terms). */
#define NOT_COMPLETED "status <> " G_STRINGIFY (TASKER_HISTORY_STATUS_COMPLETED)

/* The status index (version 3): records that are not completed. */
#define CREATE_STATUS_INDEX \
  "CREATE INDEX IF NOT EXISTS tasks_by_status ON tasks (status, finished_time)" \
  " WHERE " NOT_COMPLETED ";"

static const char schema_sql[] =
  "BEGIN IMMEDIATE;"
  "CREATE TABLE IF NOT EXISTS tasks ("
  "  row            INTEGER PRIMARY KEY,"
  "  task_id        INTEGER NOT NULL,"
  "  key            TEXT,"
  "  name           TEXT,"
  "  kind           INTEGER NOT NULL,"
  "  status         INTEGER NOT NULL,"
  "  message        TEXT,"
  "  progress       REAL NOT NULL DEFAULT 0,"
  "  error_domain   TEXT,"
  "  error_code     INTEGER NOT NULL DEFAULT 0,"
  "  error_message  TEXT,"
  "  attempts       INTEGER NOT NULL DEFAULT 0,"
  "  created_time   INTEGER NOT NULL DEFAULT 0,"
  "  started_time   INTEGER NOT NULL DEFAULT 0,"
  "  finished_time  INTEGER NOT NULL,"
  "  trace_id       INTEGER NOT NULL DEFAULT 0,"
  "  parent_id      INTEGER NOT NULL DEFAULT 0,"
  "  log            TEXT,"
  "  n_descriptions INTEGER NOT NULL DEFAULT 0,"
  "  interrupted    INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE TABLE IF NOT EXISTS descriptions ("
  "  task_row INTEGER NOT NULL REFERENCES tasks (row) ON DELETE CASCADE,"
  "  key      TEXT NOT NULL,"
  "  value    TEXT NOT NULL,"
  "  PRIMARY KEY (task_row, key)"
  ") WITHOUT ROWID;"
  CREATE_STATUS_INDEX
  "CREATE INDEX IF NOT EXISTS tasks_by_key ON tasks (key, finished_time) WHERE key IS NOT NULL;"
  "CREATE INDEX IF NOT EXISTS tasks_by_finished_time ON tasks (finished_time, task_id);"
  "PRAGMA user_version = " G_STRINGIFY (TASKER_HISTORY_SCHEMA_VERSION) ";"
  "COMMIT;";

/* The schema above, the upgrades below and the file's header comment are
 * version 3's: a new version changes all three. */
G_STATIC_ASSERT (TASKER_HISTORY_SCHEMA_VERSION == 3);
G_STATIC_ASSERT (TASKER_HISTORY_STATUS_COMPLETED == TASKER_TASK_STATUS_COMPLETED);

/* Version 2 → 3: the status index leaves the completed records out. */
#define UPGRADE_FROM_2 \
  "DROP INDEX IF EXISTS tasks_by_status;" \
  CREATE_STATUS_INDEX \
  "PRAGMA user_version = 3;"

/* Version 1 → 2: durable tasks, whose records a restart may find
 * unfinished (mark_interrupted_sql); then 2 → 3. */
static const char upgrade_from_1_sql[] =
  "BEGIN IMMEDIATE;"
  "ALTER TABLE tasks ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;"
  UPGRADE_FROM_2
  "COMMIT;";

static const char upgrade_from_2_sql[] =
  "BEGIN IMMEDIATE;"
  UPGRADE_FROM_2
  "COMMIT;";

/* Unfinished records at open are from programs that ended before their
 * tasks did: this history writes none before it has run this. (NOT_COMPLETED
 * lets it read the status index.) */
static const char mark_interrupted_sql[] =
  "UPDATE tasks SET interrupted = 1 WHERE status <= 1 AND " NOT_COMPLETED " AND NOT interrupted;";

#define RECORD_COLUMNS \
  "row, task_id, key, name, kind, status, message, progress, error_domain, error_code, " \
  "error_message, attempts, created_time, started_time, finished_time, trace_id, " \
  "parent_id, log, n_descriptions, interrupted"

/* Opening: the lock file, the checks, the schema */

/* One database, one live program (DESIGN.md §4 Durability): an exclusive
 * flock() on PATH.lock, held while the database is open and released by
 * the kernel when the process dies, however it dies. The histories of one
 * process share it (a lock file is known by its device and inode); its
 * content is the owner's pid, for the refusal's message. */
struct _DbLock
{
  dev_t  dev;
  ino_t  ino;
  pid_t  pid;     /* a child forked with the table does not own its locks */
  int    fd;
  guint  users;
};

static GMutex db_locks_mutex;
static GSList *db_locks;   /* (element-type DbLock) (owned) protected by @db_locks_mutex */

static DbLock *
lock_database (const char  *path,
               char       **reason)
{
  g_autofree char *lock_path = g_strconcat (path, ".lock", NULL);
  DbLock *lock = NULL;
  struct stat st;
  char pid_text[32];
  int fd;

  fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      *reason = g_strdup_printf ("cannot open the lock file “%s”: %s",
                                 lock_path, g_strerror (saved_errno));
      if (fd >= 0)
        close (fd);
      return NULL;
    }

  g_mutex_lock (&db_locks_mutex);
  for (GSList *l = db_locks; l != NULL; l = l->next)
    {
      DbLock *known = l->data;

      if (known->dev == st.st_dev && known->ino == st.st_ino && known->pid == getpid ())
        {
          lock = known;
          lock->users++;
          break;
        }
    }
  if (lock != NULL)
    {
      g_mutex_unlock (&db_locks_mutex);
      close (fd);
      return lock;
    }

  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved_errno = errno;

      g_mutex_unlock (&db_locks_mutex);
      if (saved_errno == EWOULDBLOCK)
        {
          gssize n = pread (fd, pid_text, sizeof pid_text - 1, 0);

          pid_text[MAX (n, 0)] = '\0';
          g_strstrip (pid_text);
          *reason = g_strdup_printf ("the database is in use by process %s",
                                     pid_text[0] != '\0' ? pid_text : "(unknown)");
        }
      else
        {
          *reason = g_strdup_printf ("cannot lock “%s”: %s", lock_path, g_strerror (saved_errno));
        }
      close (fd);
      return NULL;
    }

  g_snprintf (pid_text, sizeof pid_text, "%d\n", (int) getpid ());
  /* Only a refusal's message reads it. */
  if (ftruncate (fd, 0) != 0 || pwrite (fd, pid_text, strlen (pid_text), 0) < 0)
    g_debug ("Task history: cannot write the pid to “%s.lock”: %s", path, g_strerror (errno));

  lock = g_new0 (DbLock, 1);
  lock->dev = st.st_dev;
  lock->ino = st.st_ino;
  lock->pid = getpid ();
  lock->fd = fd;
  lock->users = 1;
  db_locks = g_slist_prepend (db_locks, lock);
  g_mutex_unlock (&db_locks_mutex);

  return lock;
}

static void
unlock_database (DbLock *lock)
{
  g_mutex_lock (&db_locks_mutex);
  if (--lock->users == 0)
    {
      db_locks = g_slist_remove (db_locks, lock);
      /* The file stays: removing it would race with the next opener. */
      close (lock->fd);
      g_free (lock);
    }
  g_mutex_unlock (&db_locks_mutex);
}

/* The database and the files SQLite keeps beside it are the user's alone,
 * whatever mode an earlier version or another program left them with. */
static gboolean
make_private (const char  *path,
              char       **reason)
{
  static const char * const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      if (g_chmod (file, 0600) != 0 && (errno != ENOENT || i == 0))
        {
          int saved_errno = errno;

          *reason = g_strdup_printf ("cannot make “%s” private: %s",
                                     file, g_strerror (saved_errno));
          return FALSE;
        }
    }

  return TRUE;
}

/* Why a call on the connection failed, for @reason; returns FALSE. */
static gboolean
sqlite_failure (TaskerHistoryDb  *self,
                int               rc,
                char            **reason)
{
  *reason = g_strdup (self->conn != NULL ? sqlite3_errmsg (self->conn) : sqlite3_errstr (rc));
  return FALSE;
}

/* Creates the directory (0700) if needed, takes the database's lock, then
 * creates the file (0600) if needed, and connects. */
static gboolean
create_and_connect (TaskerHistoryDb  *self,
                    char            **reason)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  int fd;
  int rc;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      *reason = g_strdup_printf ("cannot create the directory “%s”: %s",
                                 dir, g_strerror (saved_errno));
      return FALSE;
    }

  /* Before anything reads the database: marking a live program's tasks
   * interrupted would make the next start run them twice. */
  self->lock = lock_database (self->path, reason);
  if (self->lock == NULL)
    return FALSE;

  /* SQLite would create the file with 0644 less the umask: create it
   * ourselves. Its -wal and -shm files take the database file's mode. */
  fd = g_open (self->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0)
    {
      if (fchmod (fd, 0600) != 0)
        {
          int saved_errno = errno;

          close (fd);
          *reason = g_strdup_printf ("cannot set the file's mode: %s", g_strerror (saved_errno));
          return FALSE;
        }
    }
  else if (errno == EEXIST)
    {
      fd = g_open (self->path, O_RDWR | O_CLOEXEC, 0);
    }
  if (fd < 0)
    {
      int saved_errno = errno;

      *reason = g_strdup (g_strerror (saved_errno));
      return FALSE;
    }
  close (fd);

  rc = sqlite3_open_v2 (self->path, &self->conn,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE,
                        NULL);
  if (rc != SQLITE_OK)
    return sqlite_failure (self, rc, reason);
  sqlite3_extended_result_codes (self->conn, TRUE);
  sqlite3_busy_timeout (self->conn, 2000);

  return TRUE;
}

/* Reads the file without writing to it: a file that is not a database,
 * another program's database or a later version of ours is refused as it
 * is, before WAL mode would change its header. Sets @user_version. */
static gboolean
check_database (TaskerHistoryDb  *self,
                char            **user_version,
                char            **reason)
{
  g_autofree char *n_objects = NULL;

  if (!query_text (self, "PRAGMA user_version", user_version)
      || !query_text (self, "SELECT count(*) FROM sqlite_master", &n_objects))
    return sqlite_failure (self, SQLITE_OK, reason);
  if (g_strcmp0 (*user_version, "0") == 0 && g_strcmp0 (n_objects, "0") != 0)
    {
      *reason = g_strdup ("not a Tasker history (it has tables of another program)");
      return FALSE;
    }
  if (g_strcmp0 (*user_version, "0") != 0
      && g_strcmp0 (*user_version, "1") != 0
      && g_strcmp0 (*user_version, "2") != 0
      && g_strcmp0 (*user_version, G_STRINGIFY (TASKER_HISTORY_SCHEMA_VERSION)) != 0)
    {
      *reason = g_strdup_printf ("unknown schema version %s (this version of Tasker knows %d)",
                                 *user_version, TASKER_HISTORY_SCHEMA_VERSION);
      return FALSE;
    }

  return TRUE;
}

/* Makes the files private, switches to WAL mode, creates (version 0) or
 * upgrades (versions 1 and 2) the schema, marks the records ended programs left
 * unfinished interrupted, and adds the query's search function. */
static gboolean
set_up_database (TaskerHistoryDb  *self,
                 const char       *user_version,
                 char            **reason)
{
  g_autofree char *journal_mode = NULL;

  if (!make_private (self->path, reason))
    return FALSE;

  if (!query_text (self, "PRAGMA journal_mode=WAL", &journal_mode))
    return sqlite_failure (self, SQLITE_OK, reason);
  if (g_ascii_strcasecmp (journal_mode != NULL ? journal_mode : "", "wal") != 0)
    {
      *reason = g_strdup_printf ("cannot switch to WAL mode (journal mode is “%s”)",
                                 journal_mode != NULL ? journal_mode : "");
      return FALSE;
    }
  if (!exec_sql (self, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON"))
    return sqlite_failure (self, SQLITE_OK, reason);

  if (g_strcmp0 (user_version, "0") == 0)
    {
      if (!exec_sql (self, schema_sql))
        {
          *reason = g_strdup_printf ("cannot create the tables: %s", sqlite3_errmsg (self->conn));
          exec_sql (self, "ROLLBACK");
          return FALSE;
        }
    }
  else if (g_strcmp0 (user_version, "1") == 0 || g_strcmp0 (user_version, "2") == 0)
    {
      if (!exec_sql (self, g_strcmp0 (user_version, "1") == 0 ? upgrade_from_1_sql
                                                               : upgrade_from_2_sql))
        {
          *reason = g_strdup_printf ("cannot upgrade the tables: %s", sqlite3_errmsg (self->conn));
          exec_sql (self, "ROLLBACK");
          return FALSE;
        }
    }

  if (!exec_sql (self, mark_interrupted_sql)
      || sqlite3_create_function_v2 (self->conn, "tasker_icontains", 2,
                                     SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                     NULL, icontains_func, NULL, NULL, NULL) != SQLITE_OK)
    return sqlite_failure (self, SQLITE_OK, reason);

  return TRUE;
}

static gboolean
prepare (TaskerHistoryDb  *self,
         const char       *sql,
         sqlite3_stmt    **stmt)
{
  int rc = sqlite3_prepare_v3 (self->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);

  return rc == SQLITE_OK;
}

/* INSERT_ROWS rows of a plain record's columns, ?1 to ?17 the first row's
 * as in the insert, ?18 to ?34 the second's… */
static char *
multi_insert_sql (void)
{
  GString *sql = g_string_new ("INSERT INTO tasks (task_id, key, name, kind, status, message,"
                               " progress, error_domain, error_code, error_message, attempts,"
                               " created_time, started_time, finished_time, trace_id, parent_id,"
                               " log) VALUES ");

  for (guint i = 0; i < INSERT_ROWS; i++)
    {
      g_string_append (sql, i == 0 ? "(" : ", (");
      for (guint j = 1; j <= PLAIN_PARAMS; j++)
        g_string_append_printf (sql, j == 1 ? "?%u" : ", ?%u", i * PLAIN_PARAMS + j);
      g_string_append_c (sql, ')');
    }

  return g_string_free (sql, FALSE);
}

/* The statements every batch and query reuses. */
static gboolean
prepare_statements (TaskerHistoryDb  *self,
                    char            **reason)
{
  g_autofree char *insert_tasks_sql = multi_insert_sql ();

  if (!prepare (self, insert_tasks_sql, &self->insert_tasks)
      || !prepare (self,
                "INSERT INTO tasks (task_id, key, name, kind, status, message, progress,"
                " error_domain, error_code, error_message, attempts, created_time,"
                " started_time, finished_time, trace_id, parent_id, log, n_descriptions,"
                " interrupted)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
                " ?15, ?16, ?17, ?18, ?19)",
                &self->insert_task)
      /* The same numbers as the insert's, the row as ?20. */
      || !prepare (self,
                   "UPDATE tasks SET status = ?5, message = ?6, progress = ?7,"
                   " error_domain = ?8, error_code = ?9, error_message = ?10, attempts = ?11,"
                   " started_time = ?13, finished_time = ?14, log = ?17, n_descriptions = ?18,"
                   " interrupted = ?19"
                   " WHERE row = ?20 AND ?1 = task_id",
                   &self->update_task)
      || !prepare (self,
                   /* An update may bring one more (a command's exit-status). */
                   "INSERT OR REPLACE INTO descriptions (task_row, key, value) VALUES (?1, ?2, ?3)",
                   &self->insert_description)
      || !prepare (self,
                   "SELECT key, value FROM descriptions WHERE task_row = ?1 ORDER BY key",
                   &self->select_descriptions))
    return sqlite_failure (self, SQLITE_OK, reason);

  return TRUE;
}

TaskerHistoryDb *
_tasker_history_db_open (const char  *path,
                         char       **reason)
{
  TaskerHistoryDb *self;
  g_autofree char *user_version = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (reason != NULL && *reason == NULL, NULL);

  self = g_new0 (TaskerHistoryDb, 1);
  self->path = g_strdup (path);
  self->open_rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->closing = g_array_new (FALSE, FALSE, sizeof (guint64));

  if (!create_and_connect (self, reason)
      || !check_database (self, &user_version, reason)
      || !set_up_database (self, user_version, reason)
      || !prepare_statements (self, reason))
    {
      /* Nothing was removed or rewritten; the lock goes. */
      _tasker_history_db_close (self);
      return NULL;
    }

  return self;
}

void
_tasker_history_db_close (TaskerHistoryDb *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->insert_task, sqlite3_finalize);
  g_clear_pointer (&self->insert_tasks, sqlite3_finalize);
  g_clear_pointer (&self->update_task, sqlite3_finalize);
  g_clear_pointer (&self->insert_description, sqlite3_finalize);
  g_clear_pointer (&self->select_descriptions, sqlite3_finalize);
  /* The last connection checkpoints the WAL and removes it. */
  g_clear_pointer (&self->conn, sqlite3_close);
  g_clear_pointer (&self->lock, unlock_database);
  g_clear_pointer (&self->open_rows, g_hash_table_unref);
  g_clear_pointer (&self->closing, g_array_unref);
  g_clear_pointer (&self->write_error, g_free);
  g_free (self->path);
  g_free (self);
}

/* Writing */

/* Once for the life of the database: the writer keeps the records and
 * tries them again (tasker-history.c); losing them is a warning of its
 * own. */
static void
warn_write_failure (TaskerHistoryDb *self,
                    const char      *what)
{
  g_free (self->write_error);
  self->write_error = g_strdup (sqlite3_errmsg (self->conn));
  self->write_rc = sqlite3_errcode (self->conn);
  /* A damaged database turns the history off, saying so (the writer). */
  if (self->write_warned || _tasker_history_db_is_damaged (self))
    return;
  self->write_warned = TRUE;
  g_warning ("Task history “%s”: %s failed: %s; the records are kept and tried again",
             self->path, what, self->write_error);
}

/* Whether parameter @i holds @kind and @value already, by @bound (nullable:
 * nothing is known). */
static gboolean
param_holds (BoundParam    *bound,
             int            i,
             ParamKind      kind,
             sqlite3_int64  value)
{
  return bound != NULL && bound[i - 1].kind == kind && bound[i - 1].value == value;
}

/* Notes what a bind with result @rc left in parameter @i: a failed bind
 * leaves it PARAM_UNKNOWN. */
static void
param_set (BoundParam    *bound,
           int            i,
           int            rc,
           ParamKind      kind,
           sqlite3_int64  value)
{
  if (bound == NULL)
    return;
  bound[i - 1].kind = rc == SQLITE_OK ? kind : PARAM_UNKNOWN;
  bound[i - 1].value = value;
}

/* Binds parameter @i to @value (PARAM_INT) or @number (PARAM_DOUBLE, @value
 * its bits) unless it holds it already. */
static int
bind_number_once (sqlite3_stmt  *stmt,
                  BoundParam    *bound,
                  int            i,
                  ParamKind      kind,
                  sqlite3_int64  value,
                  double         number)
{
  int rc;

  if (param_holds (bound, i, kind, value))
    return SQLITE_OK;
  rc = kind == PARAM_DOUBLE ? sqlite3_bind_double (stmt, i, number)
                            : sqlite3_bind_int64 (stmt, i, value);
  param_set (bound, i, rc, kind, value);

  return rc;
}

static int
bind_int64_once (sqlite3_stmt  *stmt,
                 BoundParam    *bound,
                 int            i,
                 sqlite3_int64  value)
{
  return bind_number_once (stmt, bound, i, PARAM_INT, value, 0.0);
}

static int
bind_double_once (sqlite3_stmt *stmt,
                  BoundParam   *bound,
                  int           i,
                  double        value)
{
  sqlite3_int64 bits;

  G_STATIC_ASSERT (sizeof bits == sizeof value);
  memcpy (&bits, &value, sizeof bits);

  return bind_number_once (stmt, bound, i, PARAM_DOUBLE, bits, value);
}

/* @text is the entry's (SQLITE_STATIC): only a NULL is known afterwards. */
static int
bind_text_once (sqlite3_stmt *stmt,
                BoundParam   *bound,
                int           i,
                const char   *text)
{
  int rc;

  if (text == NULL && param_holds (bound, i, PARAM_NULL, 0))
    return SQLITE_OK;
  rc = sqlite3_bind_text (stmt, i, text, -1, SQLITE_STATIC);
  param_set (bound, i, rc, text == NULL ? PARAM_NULL : PARAM_UNKNOWN, 0);

  return rc;
}

G_STATIC_ASSERT (PLAIN_PARAMS == 17 && INSERT_PARAMS == 19);

/* The insert's first PLAIN_PARAMS parameters, from @first on (1 for the
 * insert and the update, which shares them); @bound (nullable) says what
 * the parameters hold (see BoundParam). Returns the first error: a
 * parameter that failed to bind would be written as NULL. */
static int
bind_entry_at (sqlite3_stmt       *stmt,
               BoundParam         *bound,
               TaskerHistoryEntry *entry,
               int                 first)
{
  int rc = SQLITE_OK;
  int o = first - 1;

#define BIND(call) G_STMT_START { if (rc == SQLITE_OK) rc = (call); } G_STMT_END
  BIND (bind_int64_once (stmt, bound, o + 1, (sqlite3_int64) entry->task_id));
  BIND (bind_text_once (stmt, bound, o + 2, entry->key));
  BIND (bind_text_once (stmt, bound, o + 3, entry->name));
  BIND (bind_int64_once (stmt, bound, o + 4, entry->kind));
  BIND (bind_int64_once (stmt, bound, o + 5, entry->status));
  BIND (bind_text_once (stmt, bound, o + 6, entry->message));
  BIND (bind_double_once (stmt, bound, o + 7, entry->progress));
  BIND (bind_text_once (stmt, bound, o + 8, entry->error_domain));
  BIND (bind_int64_once (stmt, bound, o + 9, entry->error_code));
  BIND (bind_text_once (stmt, bound, o + 10, entry->error_message));
  BIND (bind_int64_once (stmt, bound, o + 11, entry->attempts));
  BIND (bind_int64_once (stmt, bound, o + 12, entry->created_time));
  BIND (bind_int64_once (stmt, bound, o + 13, entry->started_time));
  BIND (bind_int64_once (stmt, bound, o + 14, entry->finished_time));
  BIND (bind_int64_once (stmt, bound, o + 15, (sqlite3_int64) entry->trace_id));
  BIND (bind_int64_once (stmt, bound, o + 16, (sqlite3_int64) entry->parent_id));
  BIND (bind_text_once (stmt, bound, o + 17, entry->log));
#undef BIND

  return rc;
}

/* All the insert's parameters, for the insert and the update. */
static int
bind_entry (sqlite3_stmt       *stmt,
            TaskerHistoryEntry *entry,
            guint               n_descriptions)
{
  int rc = bind_entry_at (stmt, NULL, entry, 1);

  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int (stmt, 18, n_descriptions);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int (stmt, 19, entry->interrupted);

  return rc;
}

/* write_entry()'s answer for a record that cannot be bound. */
#define UNWRITABLE (-1)

/* A record whose values cannot be bound (a text beyond SQLite's length
 * limit) would fail every retry: it is left out, with one warning. */
static void
warn_unwritable (TaskerHistoryDb    *self,
                 TaskerHistoryEntry *entry,
                 int                 rc)
{
  self->n_unwritable++;
  if (self->unwritable_warned)
    return;
  self->unwritable_warned = TRUE;
  g_warning ("Task history “%s”: the record of task %" G_GUINT64_FORMAT " “%s” cannot be written"
             " (%s); it is left out",
             self->path, entry->task_id, entry->name != NULL ? entry->name : "",
             sqlite3_errstr (rc));
}

/* A bind that failed: UNWRITABLE, or SQLITE_NOMEM, which a retry may cure. */
static int
bind_failed (TaskerHistoryDb *self,
             sqlite3_stmt    *stmt,
             int              rc)
{
  sqlite3_clear_bindings (stmt);
  if (stmt == self->insert_tasks)
    memset (self->insert_tasks_bound, 0, sizeof self->insert_tasks_bound);
  if (rc == SQLITE_NOMEM)
    return rc;
  self->bind_rc = rc;
  return UNWRITABLE;
}

/* A durable task's later records update its first one. Returns SQLITE_OK,
 * UNWRITABLE or an error; *@updated says whether there was a row to update
 * (one lost with a batch that failed is written afresh). */
static int
update_entry (TaskerHistoryDb    *self,
              TaskerHistoryEntry *entry,
              guint               n_descriptions,
              sqlite3_int64       row,
              gboolean           *updated)
{
  sqlite3_stmt *stmt = self->update_task;
  int rc;

  rc = bind_entry (stmt, entry, n_descriptions);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64 (stmt, 20, row);
  if (rc != SQLITE_OK)
    return bind_failed (self, stmt, rc);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  *updated = rc == SQLITE_DONE && sqlite3_changes (self->conn) > 0;

  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Deletes the interrupted record @entry's task replaces (see
 * TaskerTaskOptions:replaces-record), if it is still unfinished. */
static int
delete_replaced (TaskerHistoryDb    *self,
                 TaskerHistoryEntry *entry)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->conn,
                           "DELETE FROM tasks WHERE row = ?1 AND created_time = ?2 AND status <= 1",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64 (stmt, 1, entry->replaces_row);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64 (stmt, 2, entry->replaces_created);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);

  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Returns SQLITE_OK, UNWRITABLE when the entry's values cannot be bound
 * (nothing was written for it), or an error. */
static int
write_entry (TaskerHistoryDb    *self,
             TaskerHistoryEntry *entry)
{
  sqlite3_stmt *stmt = self->insert_task;
  guint n_descriptions = entry->descriptions != NULL ? g_strv_length (entry->descriptions) / 2 : 0;
  gpointer open_row = NULL;
  sqlite3_int64 row;
  int rc;

  if (entry->durable
      && g_hash_table_lookup_extended (self->open_rows, &entry->task_id, NULL, &open_row))
    {
      gboolean updated;

      row = *(sqlite3_int64 *) open_row;
      rc = update_entry (self, entry, n_descriptions, row, &updated);
      if (rc != SQLITE_OK)
        return rc;
      /* Written again: the end adds a command's exit-status. */
      if (updated)
        goto descriptions;
    }

  /* The job's earlier record goes in the same transaction as its new one
   * comes: whenever the program dies, one of them is there, never both. */
  if (entry->replaces_row != 0)
    {
      rc = delete_replaced (self, entry);
      if (rc != SQLITE_OK)
        return rc;
    }

  rc = bind_entry (stmt, entry, n_descriptions);
  if (rc != SQLITE_OK)
    return bind_failed (self, stmt, rc);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return rc;
  row = sqlite3_last_insert_rowid (self->conn);

descriptions:
  stmt = self->insert_description;
  for (guint i = 0; n_descriptions > 0 && entry->descriptions[i] != NULL; i += 2)
    {
      rc = sqlite3_bind_int64 (stmt, 1, row);
      if (rc == SQLITE_OK)
        rc = sqlite3_bind_text (stmt, 2, entry->descriptions[i], -1, SQLITE_STATIC);
      if (rc == SQLITE_OK)
        rc = sqlite3_bind_text (stmt, 3, entry->descriptions[i + 1], -1, SQLITE_STATIC);
      if (rc != SQLITE_OK)
        {
          /* Its row goes too (its descriptions with it): all or nothing. */
          rc = bind_failed (self, stmt, rc);
          if (rc == UNWRITABLE && !exec_delete (self, "DELETE FROM tasks WHERE row = ?1", row))
            return SQLITE_ERROR;
          return rc;
        }
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        return rc;
    }

  /* Forgotten once the batch is committed: a batch that fails is retried. */
  if (entry->durable && entry->final)
    g_array_append_val (self->closing, entry->task_id);
  else if (entry->durable)
    g_hash_table_insert (self->open_rows, g_memdup2 (&entry->task_id, sizeof entry->task_id),
                         g_memdup2 (&row, sizeof row));

  return SQLITE_OK;
}

/* A record that is one new row and nothing else: not a durable task's (its
 * row is updated later, or replaces another), without descriptions (they
 * need its row number), not interrupted: its n_descriptions and
 * interrupted are 0. */
static gboolean
is_plain (TaskerHistoryEntry *entry)
{
  return (!entry->durable && entry->descriptions == NULL && entry->replaces_row == 0
          && !entry->interrupted);
}

/* Whether the INSERT_ROWS entries from @entry on are all plain. */
static gboolean
is_plain_run (TaskerHistoryEntry *entry)
{
  for (guint i = 0; i < INSERT_ROWS; i++, entry = entry->next)
    {
      if (entry == NULL || !is_plain (entry))
        return FALSE;
    }

  return TRUE;
}

/* Writes INSERT_ROWS plain entries from @entry on in one statement.
 * Returns SQLITE_OK, UNWRITABLE when one of them cannot be bound (nothing
 * was written: write_entry() then says which), or an error. */
static int
write_plain_run (TaskerHistoryDb    *self,
                 TaskerHistoryEntry *entry)
{
  sqlite3_stmt *stmt = self->insert_tasks;
  int rc = SQLITE_OK;

  for (guint i = 0; i < INSERT_ROWS && rc == SQLITE_OK; i++, entry = entry->next)
    rc = bind_entry_at (stmt, self->insert_tasks_bound, entry, 1 + i * PLAIN_PARAMS);
  if (rc != SQLITE_OK)
    return bind_failed (self, stmt, rc);

  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);

  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

gboolean
_tasker_history_db_write_batch (TaskerHistoryDb    *self,
                                TaskerHistoryEntry *batch,
                                gboolean           *left_out)
{
  TaskerHistoryEntry *entry = batch;

  g_array_set_size (self->closing, 0);
  *left_out = FALSE;

  if (!exec_sql (self, "BEGIN IMMEDIATE"))
    {
      warn_write_failure (self, "starting a transaction");
      return FALSE;
    }

  while (entry != NULL)
    {
      int rc;

      if (is_plain_run (entry))
        {
          rc = write_plain_run (self, entry);
          if (rc == SQLITE_OK)
            {
              for (guint i = 0; i < INSERT_ROWS; i++)
                entry = entry->next;
              continue;
            }
          if (rc != UNWRITABLE)
            {
              warn_write_failure (self, "writing a record");
              exec_sql (self, "ROLLBACK");
              return FALSE;
            }
          /* One of them cannot be bound: this one alone, below. */
        }

      rc = write_entry (self, entry);
      if (rc == UNWRITABLE)
        {
          warn_unwritable (self, entry, self->bind_rc);
          *left_out = TRUE;
        }
      else if (rc != SQLITE_OK)
        {
          warn_write_failure (self, "writing a record");
          exec_sql (self, "ROLLBACK");
          return FALSE;
        }
      entry = entry->next;
    }

  if (!exec_sql (self, "COMMIT"))
    {
      warn_write_failure (self, "committing");
      exec_sql (self, "ROLLBACK");
      return FALSE;
    }

  for (guint i = 0; i < self->closing->len; i++)
    g_hash_table_remove (self->open_rows, &g_array_index (self->closing, guint64, i));

  return TRUE;
}

/* Retention */

/* Retention never deletes the record of a durable task that is still
 * running or waiting in this program: its end updates it, and a crash
 * before then must leave it to be found. */
#define KEEP_LIVE "NOT (status <= 1 AND NOT interrupted)"

void
_tasker_history_db_run_retention (TaskerHistoryDb *self,
                                  guint            max_age_days,
                                  guint            max_count)
{
  if (max_age_days == 0 && max_count == 0)
    return;

  if (!exec_sql (self, "BEGIN IMMEDIATE"))
    {
      warn_write_failure (self, "retention");
      return;
    }

  if ((max_age_days != 0
       && !exec_delete (self, "DELETE FROM tasks WHERE finished_time < ?1 AND " KEEP_LIVE,
                        g_get_real_time () - (gint64) max_age_days * 24 * 3600 * G_USEC_PER_SEC))
      || (max_count != 0
          && !exec_delete (self,
                           "DELETE FROM tasks WHERE " KEEP_LIVE " AND row IN (SELECT row FROM tasks"
                           " ORDER BY finished_time DESC, task_id DESC, row DESC"
                           " LIMIT -1 OFFSET ?1)",
                           max_count))
      || !exec_sql (self, "COMMIT"))
    {
      warn_write_failure (self, "retention");
      exec_sql (self, "ROLLBACK");
    }
}

/* Queries */

static char *
dup_column_text (sqlite3_stmt *stmt,
                 int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static gboolean
load_descriptions (TaskerHistoryDb     *self,
                   TaskerHistoryRecord *record,
                   sqlite3_int64        row)
{
  sqlite3_stmt *stmt = self->select_descriptions;
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (sqlite3_bind_int64 (stmt, 1, row) != SQLITE_OK)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (keys, dup_column_text (stmt, 0));
      g_ptr_array_add (values, dup_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return FALSE;

  if (keys->len > 0)
    {
      g_ptr_array_add (keys, NULL);
      g_ptr_array_add (values, NULL);
      record->description_keys = (char **) g_ptr_array_steal (keys, NULL);
      record->description_values = (char **) g_ptr_array_steal (values, NULL);
    }

  return TRUE;
}

static TaskerHistoryRecord *
record_from_row (TaskerHistoryDb *self,
                 sqlite3_stmt    *stmt)
{
  TaskerHistoryRecord *record = _tasker_history_record_new ();
  int kind = sqlite3_column_int (stmt, 4);
  int status = sqlite3_column_int (stmt, 5);

  record->row = sqlite3_column_int64 (stmt, 0);
  record->origin = g_strdup (self->path);
  record->task_id = (guint64) sqlite3_column_int64 (stmt, 1);
  record->key = dup_column_text (stmt, 2);
  record->name = dup_column_text (stmt, 3);
  if (kind >= TASKER_TASK_KIND_THREAD && kind <= TASKER_TASK_KIND_EXTERNAL)
    record->kind = kind;
  if (status >= TASKER_TASK_STATUS_PENDING && status <= TASKER_TASK_STATUS_CANCELLED)
    record->status = status;
  record->message = dup_column_text (stmt, 6);
  record->progress = CLAMP (sqlite3_column_double (stmt, 7), 0.0, 1.0);
  record->error_domain = dup_column_text (stmt, 8);
  record->error_code = sqlite3_column_int (stmt, 9);
  record->error_message = dup_column_text (stmt, 10);
  record->attempts = (guint) sqlite3_column_int64 (stmt, 11);
  record->created_time = sqlite3_column_int64 (stmt, 12);
  record->started_time = sqlite3_column_int64 (stmt, 13);
  record->finished_time = sqlite3_column_int64 (stmt, 14);
  record->trace_id = (guint64) sqlite3_column_int64 (stmt, 15);
  record->parent_id = (guint64) sqlite3_column_int64 (stmt, 16);
  record->log = dup_column_text (stmt, 17);
  record->interrupted = sqlite3_column_int (stmt, 19) != 0;

  return record;
}

static gboolean
is_ascii (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p >= 0x80)
        return FALSE;
    }
  return TRUE;
}

/* A LIKE pattern for "contains @text", with its wildcards escaped. */
static char *
like_pattern (const char *text)
{
  GString *pattern = g_string_new ("%");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');

  return g_string_free (pattern, FALSE);
}

GListModel *
_tasker_history_db_query (TaskerHistoryDb     *self,
                          TaskerHistoryQuery  *query,
                          GCancellable        *cancellable,
                          GError             **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT " RECORD_COLUMNS " FROM tasks WHERE 1");
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GListStore) store = NULL;
  g_autofree char *text = NULL;
  sqlite3_stmt *stmt = NULL;
  guint n_rows = 0;
  int rc;

  /* Numbered parameters: the ones a query leaves out stay unbound. */
  if (query->status == TASKER_TASK_STATUS_COMPLETED)
    g_string_append (sql, " AND status = ?1");
  else if (query->status >= 0)
    g_string_append (sql, " AND status = ?1 AND " NOT_COMPLETED);
  if (query->key != NULL)
    g_string_append (sql, " AND key = ?2");
  if (query->name != NULL)
    g_string_append (sql, " AND name = ?3");
  if (query->text != NULL && query->text[0] != '\0')
    {
      if (is_ascii (query->text))
        {
          text = like_pattern (query->text);
          g_string_append (sql, " AND (name LIKE ?4 ESCAPE '\\' OR message LIKE ?4 ESCAPE '\\'"
                                " OR log LIKE ?4 ESCAPE '\\'"
                                " OR row IN (SELECT task_row FROM descriptions"
                                " WHERE substr (key, 1, 1) <> '.' AND value LIKE ?4 ESCAPE '\\'))");
        }
      else
        {
          text = fold_text (query->text);
          g_string_append (sql, " AND (tasker_icontains (name, ?4)"
                                " OR tasker_icontains (message, ?4)"
                                " OR tasker_icontains (log, ?4)"
                                " OR row IN (SELECT task_row FROM descriptions"
                                " WHERE substr (key, 1, 1) <> '.' AND tasker_icontains (value, ?4)))");
        }
    }
  if (query->since != 0)
    g_string_append (sql, " AND finished_time >= ?5");
  if (query->until != 0)
    g_string_append (sql, " AND finished_time < ?6");
  if (query->parent_id != 0)
    g_string_append (sql, " AND parent_id = ?7");
  if (query->interrupted)
    g_string_append (sql, " AND interrupted");
  if (query->task_id != 0)
    g_string_append (sql, " AND task_id = ?10");
  g_string_append (sql, " ORDER BY finished_time DESC, task_id DESC, row DESC LIMIT ?8 OFFSET ?9");

  if (sqlite3_prepare_v2 (self->conn, sql->str, -1, &stmt, NULL) != SQLITE_OK)
    goto fail;

  /* A parameter that failed to bind would match as NULL: the query fails. */
  if ((query->status >= 0 && sqlite3_bind_int (stmt, 1, query->status) != SQLITE_OK)
      || (query->key != NULL
          && sqlite3_bind_text (stmt, 2, query->key, -1, SQLITE_STATIC) != SQLITE_OK)
      || (query->name != NULL
          && sqlite3_bind_text (stmt, 3, query->name, -1, SQLITE_STATIC) != SQLITE_OK)
      || (text != NULL && sqlite3_bind_text (stmt, 4, text, -1, SQLITE_STATIC) != SQLITE_OK)
      || (query->since != 0 && sqlite3_bind_int64 (stmt, 5, query->since) != SQLITE_OK)
      || (query->until != 0 && sqlite3_bind_int64 (stmt, 6, query->until) != SQLITE_OK)
      || (query->parent_id != 0
          && sqlite3_bind_int64 (stmt, 7, (sqlite3_int64) query->parent_id) != SQLITE_OK)
      || sqlite3_bind_int64 (stmt, 8,
                             query->limit != 0 ? (sqlite3_int64) query->limit : -1) != SQLITE_OK
      || sqlite3_bind_int64 (stmt, 9, query->offset) != SQLITE_OK
      || (query->task_id != 0
          && sqlite3_bind_int64 (stmt, 10, (sqlite3_int64) query->task_id) != SQLITE_OK))
    goto fail;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TaskerHistoryRecord *record = record_from_row (self, stmt);

      g_ptr_array_add (records, record);
      if (sqlite3_column_int (stmt, 18) > 0
          && !load_descriptions (self, record, sqlite3_column_int64 (stmt, 0)))
        goto fail;

      if (++n_rows % QUERY_CANCEL_CHECK == 0
          && g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          sqlite3_finalize (stmt);
          return NULL;
        }
    }
  if (rc != SQLITE_DONE)
    goto fail;
  sqlite3_finalize (stmt);

  store = g_list_store_new (TASKER_TYPE_HISTORY_RECORD);
  g_list_store_splice (store, 0, 0, records->pdata, records->len);

  return G_LIST_MODEL (g_steal_pointer (&store));

fail:
  g_set_error (error, TASKER_ERROR, TASKER_ERROR_FAILED,
               "Cannot read the task history “%s”: %s", self->path, sqlite3_errmsg (self->conn));
  sqlite3_finalize (stmt);

  return NULL;
}

/* Deletion */

/* Clearing keeps the records of tasks that have not ended (durable ones
 * running or waiting, here or interrupted): their end updates them, or a
 * restart finds them. */
#define CLEAR_SQL \
  "BEGIN;" \
  "DELETE FROM descriptions WHERE task_row IN (SELECT row FROM tasks WHERE status > 1);" \
  "DELETE FROM tasks WHERE status > 1;" \
  "COMMIT;"

gboolean
_tasker_history_db_delete (TaskerHistoryDb  *self,
                           const gint64     *row,
                           GError          **error)
{
  gboolean deleted = row != NULL ? exec_delete (self, "DELETE FROM tasks WHERE row = ?1", *row)
                                 : exec_sql (self, CLEAR_SQL);

  if (!deleted)
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_FAILED,
                   "cannot clear the task history “%s”: %s",
                   self->path, sqlite3_errmsg (self->conn));
      exec_sql (self, "ROLLBACK;");
    }

  return deleted;
}

gboolean
_tasker_history_db_is_damaged (TaskerHistoryDb *self)
{
  return self->write_rc == SQLITE_CORRUPT || self->write_rc == SQLITE_NOTADB;
}

const char *
_tasker_history_db_get_write_error (TaskerHistoryDb *self)
{
  return self->write_error;
}

sqlite3 *
_tasker_history_db_get_connection (TaskerHistoryDb *self)
{
  return self->conn;
}

/* The largest task id the database holds (0 for none): a new run's ids
 * continue after it. No index serves it; a history is a few thousand rows. */
guint64
_tasker_history_db_get_max_task_id (TaskerHistoryDb *self)
{
  g_autofree char *max = NULL;

  if (!query_text (self, "SELECT MAX(task_id) FROM tasks", &max) || max == NULL)
    return 0;
  return g_ascii_strtoull (max, NULL, 10);
}
