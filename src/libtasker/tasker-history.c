/* tasker-history.c
 *
 * The task history (DESIGN.md §3 History): finished tasks written to an
 * SQLite database by a writer thread of its own, in batched transactions, and
 * queried page by page.
 *
 * Threads. _tasker_history_add() runs on the manager's main context: it copies
 * what the record needs from the task into a plain struct (an Entry) and
 * queues it under @lock, waking the writer only when the queue was empty or
 * a batch is full. Everything that touches the disk — opening the database,
 * writing, retention, queries — runs on the writer thread, which owns the
 * only connection. The main loop never waits on the disk.
 *
 * Batches. The writer lets a batch fill for up to BATCH_DELAY_US after its
 * first record arrived (or until BATCH_MAX records are queued, a flush is
 * waiting, a query is queued or the history is stopping), then writes it in
 * one transaction with prepared statements it reuses. Retention runs at
 * open, when the limits change, and after batches at most once every
 * RETENTION_INTERVAL_US.
 *
 * Durability. The database is in WAL mode with `synchronous=NORMAL`: a
 * committed transaction is in the WAL file (in the kernel's page cache), so it
 * survives the death of the process — SIGKILL included — though not
 * necessarily a power loss. _tasker_history_flush() returns TRUE only once
 * every record queued before it is committed.
 *
 * Schema (PRAGMA user_version = 2, TASKER_HISTORY_SCHEMA_VERSION; version 1,
 * without `interrupted`, is upgraded in place):
 *
 *   tasks         one row per finished task: `row` (INTEGER PRIMARY KEY; task
 *                 ids restart with every process, so they are not the key),
 *                 task_id, key, name, kind, status (TaskerTaskKind and
 *                 TaskerTaskStatus values), message, progress, error_domain
 *                 (the quark's string), error_code, error_message, attempts,
 *                 created_time, started_time, finished_time (µs since the
 *                 epoch), trace_id and parent_id (the 64-bit values stored as
 *                 signed integers), log (the lines joined with '\n'),
 *                 n_descriptions and interrupted (a durable task's record
 *                 left unfinished by a program that has ended)
 *   descriptions  the task's descriptions, one row per key: task_row
 *                 (→ tasks.row, ON DELETE CASCADE), key, value
 *
 * with indexes on status, key and finished time (each with finished_time, so
 * the newest-first order comes from the index; the key index covers only
 * the tasks that have a key).
 *
 * Cost. On the main context an add is a few copies and one short lock; the
 * Entry structs come back from the writer for reuse, so the two threads do
 * not free each other's memory. The writer runs at nice +10 (Linux): under
 * load, the main loop and the task threads get the CPU first.
 *
 * One database, one live program: PATH.lock is flock()ed while the database
 * is open (the histories of one process share the lock); a second process
 * is refused, history off, with one warning naming the process that has it.
 *
 * Failures. A database that cannot be created or opened, a file that is not
 * a database, another program's database or a later schema version
 * disables the history with one warning naming the path and the reason;
 * the file is checked before anything is written to it (WAL mode and the
 * 0600 mode included), and is never removed or rewritten. A write that
 * fails (database locked by another program past the busy timeout, disk
 * full, an I/O error) keeps its batch and tries it again after a delay
 * (RETRY_DELAY_US, doubling), with one warning for the life of the history;
 * records are dropped only when the history is closed before they could be
 * written, or the queue overflows, each with one warning saying how many and
 * why. A damaged database found while writing turns the history off, with
 * one warning. A record SQLite cannot take (a text beyond its length limit)
 * is left out with one warning; every bind is checked, since a parameter
 * that failed to bind would be written as NULL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tasker-error.h"
#include "tasker-history-private.h"
#include "tasker-task-private.h"

/* A batch: at most this many records, gathered for at most this long. */
#define BATCH_MAX              500
#define BATCH_DELAY_US         (50 * 1000)
/* Retention after batches, at most this often. */
#define RETENTION_INTERVAL_US  (60 * G_USEC_PER_SEC)
/* Records waiting for the writer beyond this many are dropped (one warning):
 * memory stays bounded when the disk cannot keep up. */
#define QUEUE_MAX              200000
/* The writer thread's nice value (Linux): background work. */
#define WRITER_NICE            10
/* A batch that fails (database locked past the busy timeout, disk full, an
 * I/O error) is kept and tried again after this long, doubling up to the
 * cap: records are only dropped when the history is closed (or the queue
 * overflows), and then with one warning. */
#define RETRY_DELAY_US         (100 * 1000)
#define RETRY_DELAY_MAX_US     (2 * G_USEC_PER_SEC)
/* Written entries kept for reuse: the main thread then rarely allocates an
 * Entry, and never frees one the writer thread allocated or the reverse. */
#define SPARE_MAX              (4 * BATCH_MAX)
/* _tasker_history_free(): how long to flush, then to wait for the writer. */
#define FREE_FLUSH_TIMEOUT_MS  2000
#define FREE_EXIT_TIMEOUT_US   (500 * 1000)
/* How many rows a query reads between checks of its cancellable. */
#define QUERY_CANCEL_CHECK     64

typedef struct _Entry Entry;
typedef struct _DbLock DbLock;

/* One finished task, as _tasker_history_add() copied it. */
struct _Entry
{
  Entry            *next;            /* (owned) (nullable) the queue's next entry */
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
  char            **descriptions;    /* (owned) (nullable) key, value, key, value, …, NULL; sorted by key */
  gint64            replaces_row;    /* 0, or the interrupted record its first record replaces */
  gint64            replaces_created; /* that record's created_time, against a reused row number */
  guint             durable : 1;     /* its record may exist already, unfinished */
  guint             final : 1;       /* the task's last record */
  guint             interrupted : 1;
};

struct _TaskerHistory
{
  char           *path;                  /* (owned) immutable */
  gint            ref_count;             /* (atomic) the owner's, the writer's, each ref()'s */
  GThread        *thread;                /* (owned) (nullable) the writer; NULL once detached */

  GMutex          lock;
  GCond           work_cond;             /* the writer waits on it for work */
  GCond           done_cond;             /* flush and free wait on it for the writer */
  Entry          *head;                  /* (owned) (nullable) protected by @lock */
  Entry          *tail;                  /* (unowned) (nullable) protected by @lock */
  guint           n_queued;              /* protected by @lock */
  gint64          first_queued_time;     /* monotonic; when @head arrived, protected by @lock */
  GQueue          queries;               /* (element-type GTask) (owned) protected by @lock */
  guint64         queued_seq;            /* the last seq given to a record, protected by @lock */
  guint64         processed_seq;         /* every record up to it is committed or dropped, protected by @lock */
  guint64         last_drop_seq;         /* the last record dropped, protected by @lock */
  guint           max_age_days;          /* 0 = no limit, protected by @lock */
  guint           max_count;             /* 0 = no limit, protected by @lock */
  guint           n_transactions;        /* protected by @lock */
  guint           n_flushing;            /* flush calls waiting, protected by @lock */
  Entry          *spare;                 /* (owned) (nullable) written entries to reuse, protected by @lock */
  guint           n_spare;               /* protected by @lock */
  char           *disabled_reason;       /* (owned) (nullable) protected by @lock */
  int             disabled;              /* (atomic) written under @lock */
  guint           limits_changed : 1;    /* protected by @lock */
  guint           paused : 1;            /* protected by @lock */
  guint           stopping : 1;          /* protected by @lock */
  guint           abandon : 1;           /* drop what is left, protected by @lock */
  guint           exited : 1;            /* the writer is done with everything, protected by @lock */
  guint           ready : 1;             /* opened (or failed to) and retention run, protected by @lock */
  guint           overflow_warned : 1;   /* protected by @lock */
  gint64          retry_time;            /* monotonic: a failed batch waits till then, @lock */
  TaskerHistoryTestFunc test_func;       /* (nullable) protected by @lock */
  gpointer        test_data;             /* protected by @lock */
  guint           test_done : 1;         /* protected by @lock */

  /* The writer thread's own. */
  sqlite3        *db;                    /* (owned) (nullable) */
  DbLock         *db_lock;               /* (owned) (nullable) */
  sqlite3_stmt   *insert_task;           /* (owned) (nullable) */
  sqlite3_stmt   *update_task;           /* (owned) (nullable) */
  GHashTable     *open_rows;             /* (owned) task id → row of the durable tasks' unfinished records */
  GArray         *closing;               /* (owned) task ids whose last record the batch writes */
  sqlite3_stmt   *insert_description;    /* (owned) (nullable) */
  sqlite3_stmt   *select_descriptions;   /* (owned) (nullable) */
  gint64          last_retention;        /* monotonic */
  gint64          retry_delay;           /* µs; 0 after a batch that committed */
  char           *write_error;           /* (owned) (nullable) why the last write failed */
  int             write_rc;              /* and its (primary) result code */
  guint           n_unwritable;          /* records left out because they cannot be bound */
  guint           n_abandoned;           /* records dropped at close, not written */
  int             bind_rc;               /* why the last record left out could not be bound */
  gboolean        write_warned;
  gboolean        unwritable_warned;
};

/* Entries */

/* Frees the strings; the struct may be reused. */
static void
entry_clear (Entry *entry)
{
  g_clear_pointer (&entry->key, g_free);
  g_clear_pointer (&entry->name, g_free);
  g_clear_pointer (&entry->message, g_free);
  g_clear_pointer (&entry->error_message, g_free);
  g_clear_pointer (&entry->log, g_free);
  g_clear_pointer (&entry->descriptions, g_strfreev);
}

static void
entry_free (Entry *entry)
{
  entry_clear (entry);
  g_free (entry);
}

static void
entry_list_free (Entry *entries)
{
  while (entries != NULL)
    {
      Entry *next = entries->next;

      entry_free (entries);
      entries = next;
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char **
descriptions_to_strv (GHashTable *descriptions)
{
  g_autofree const char **keys = NULL;
  guint n_keys = 0;
  char **pairs;

  keys = (const char **) g_hash_table_get_keys_as_array (descriptions, &n_keys);
  qsort (keys, n_keys, sizeof (char *), compare_strings);

  pairs = g_new (char *, 2 * n_keys + 1);
  for (guint i = 0; i < n_keys; i++)
    {
      pairs[2 * i] = g_strdup (keys[i]);
      pairs[2 * i + 1] = g_strdup (g_hash_table_lookup (descriptions, keys[i]));
    }
  pairs[2 * n_keys] = NULL;

  return pairs;
}

/* On the manager's context: a copy of everything the record needs, into a
 * zeroed @entry. */
static void
entry_fill (Entry      *entry,
            TaskerTask *task,
            gint64      finished_time,
            guint64     parent_id)
{
  const GError *error;
  TaskerTask *parent;

  entry->task_id = tasker_task_get_id (task);
  entry->durable = task->durable;
  entry->final = tasker_task_is_final (task);
  entry->key = g_strdup (tasker_task_get_key (task));
  entry->name = g_strdup (tasker_task_get_name (task));
  entry->kind = tasker_task_get_kind (task);
  entry->status = tasker_task_get_status (task);
  entry->message = g_strdup (tasker_task_get_message (task));
  entry->progress = tasker_task_get_progress (task);

  error = tasker_task_get_error (task);
  if (error != NULL)
    {
      entry->error_domain = g_quark_to_string (error->domain);
      entry->error_code = error->code;
      entry->error_message = g_strdup (error->message);
    }

  entry->attempts = tasker_task_get_attempt (task);
  entry->created_time = tasker_task_get_created_time (task);
  entry->started_time = tasker_task_get_started_time (task);
  entry->finished_time = finished_time != 0 ? finished_time : tasker_task_get_finished_time (task);
  if (entry->finished_time == 0)
    entry->finished_time = g_get_real_time ();
  entry->trace_id = tasker_task_get_trace_id (task);

  parent = tasker_task_get_parent (task);
  if (parent_id != 0)
    entry->parent_id = parent_id;
  else if (parent != NULL)
    entry->parent_id = tasker_task_get_id (parent);

  /* What the task kept (its bounded log), in one copy; NULL when it logged
   * nothing. */
  entry->log = _tasker_task_dup_log_text (task);

  /* Shared with the task's sealed options: immutable. */
  if (task->descriptions != NULL && g_hash_table_size (task->descriptions) > 0)
    entry->descriptions = descriptions_to_strv (task->descriptions);
}

/* The database (writer thread) */

static gboolean
exec_sql (TaskerHistory *self,
          const char    *sql)
{
  return sqlite3_exec (self->db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

/* Runs a statement that returns at most one row; copies its first column. */
static gboolean
query_text (TaskerHistory  *self,
            const char     *sql,
            char          **out)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
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
  "CREATE INDEX IF NOT EXISTS tasks_by_status ON tasks (status, finished_time);"
  "CREATE INDEX IF NOT EXISTS tasks_by_key ON tasks (key, finished_time) WHERE key IS NOT NULL;"
  "CREATE INDEX IF NOT EXISTS tasks_by_finished_time ON tasks (finished_time, task_id);"
  "PRAGMA user_version = 2;"
  "COMMIT;";

/* Version 1 had no interrupted tasks. */
static const char upgrade_from_1_sql[] =
  "BEGIN IMMEDIATE;"
  "ALTER TABLE tasks ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;"
  "PRAGMA user_version = 2;"
  "COMMIT;";

/* Unfinished records at open are from programs that ended before their
 * tasks did: this history writes none before it has run this. */
static const char mark_interrupted_sql[] =
  "UPDATE tasks SET interrupted = 1 WHERE status <= 1 AND NOT interrupted;";

#define RECORD_COLUMNS \
  "row, task_id, key, name, kind, status, message, progress, error_domain, error_code, " \
  "error_message, attempts, created_time, started_time, finished_time, trace_id, " \
  "parent_id, log, n_descriptions, interrupted"

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

/* Takes the database's lock, creates the file (0600) and its directory
 * (0700) if needed, checks that it is a Tasker history this version knows
 * before changing anything, makes it and its -wal and -shm files 0600, opens
 * it in WAL mode, creates or upgrades the schema and prepares the
 * statements. On failure @reason says why, and nothing was removed or
 * rewritten. */
static gboolean
history_open (TaskerHistory  *self,
              char          **reason)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *journal_mode = NULL;
  g_autofree char *user_version = NULL;
  g_autofree char *n_objects = NULL;
  int fd;
  int rc;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      *reason = g_strdup_printf ("cannot create the directory “%s”: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }

  /* Before anything reads the database: marking a live program's tasks
   * interrupted would make the next start run them twice. */
  self->db_lock = lock_database (self->path, reason);
  if (self->db_lock == NULL)
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

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE,
                        NULL);
  if (rc != SQLITE_OK)
    goto fail;
  sqlite3_extended_result_codes (self->db, TRUE);
  sqlite3_busy_timeout (self->db, 2000);

  /* The first statements read the file without writing to it: a file that
   * is not a database, another program's database or a later version of
   * ours is refused as it is, before WAL mode would change its header. */
  if (!query_text (self, "PRAGMA user_version", &user_version)
      || !query_text (self, "SELECT count(*) FROM sqlite_master", &n_objects))
    goto fail;
  if (g_strcmp0 (user_version, "0") == 0 && g_strcmp0 (n_objects, "0") != 0)
    {
      *reason = g_strdup ("not a Tasker history (it has tables of another program)");
      return FALSE;
    }
  if (g_strcmp0 (user_version, "0") != 0
      && g_strcmp0 (user_version, "1") != 0
      && g_strcmp0 (user_version, G_STRINGIFY (TASKER_HISTORY_SCHEMA_VERSION)) != 0)
    {
      *reason = g_strdup_printf ("unknown schema version %s (this version of Tasker knows %d)",
                                 user_version, TASKER_HISTORY_SCHEMA_VERSION);
      return FALSE;
    }

  if (!make_private (self->path, reason))
    return FALSE;

  if (!query_text (self, "PRAGMA journal_mode=WAL", &journal_mode))
    goto fail;
  if (g_ascii_strcasecmp (journal_mode != NULL ? journal_mode : "", "wal") != 0)
    {
      *reason = g_strdup_printf ("cannot switch to WAL mode (journal mode is “%s”)",
                                 journal_mode != NULL ? journal_mode : "");
      return FALSE;
    }
  if (!exec_sql (self, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON"))
    goto fail;

  if (g_strcmp0 (user_version, "0") == 0)
    {
      if (!exec_sql (self, schema_sql))
        {
          *reason = g_strdup_printf ("cannot create the tables: %s", sqlite3_errmsg (self->db));
          exec_sql (self, "ROLLBACK");
          return FALSE;
        }
    }
  else if (g_strcmp0 (user_version, "1") == 0)
    {
      if (!exec_sql (self, upgrade_from_1_sql))
        {
          *reason = g_strdup_printf ("cannot upgrade the tables: %s", sqlite3_errmsg (self->db));
          exec_sql (self, "ROLLBACK");
          return FALSE;
        }
    }

  if (!exec_sql (self, mark_interrupted_sql))
    goto fail;

  if (sqlite3_create_function_v2 (self->db, "tasker_icontains", 2,
                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                  NULL, icontains_func, NULL, NULL, NULL) != SQLITE_OK)
    goto fail;

  if (sqlite3_prepare_v3 (self->db,
                          "INSERT INTO tasks (task_id, key, name, kind, status, message, progress,"
                          " error_domain, error_code, error_message, attempts, created_time,"
                          " started_time, finished_time, trace_id, parent_id, log, n_descriptions,"
                          " interrupted)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
                          " ?15, ?16, ?17, ?18, ?19)",
                          -1, SQLITE_PREPARE_PERSISTENT, &self->insert_task, NULL) != SQLITE_OK
      /* The same numbers as the insert's, the row as ?20. */
      || sqlite3_prepare_v3 (self->db,
                             "UPDATE tasks SET status = ?5, message = ?6, progress = ?7,"
                             " error_domain = ?8, error_code = ?9, error_message = ?10, attempts = ?11,"
                             " started_time = ?13, finished_time = ?14, log = ?17, interrupted = ?19"
                             " WHERE row = ?20 AND ?1 = task_id",
                             -1, SQLITE_PREPARE_PERSISTENT, &self->update_task, NULL) != SQLITE_OK
      || sqlite3_prepare_v3 (self->db,
                             "INSERT INTO descriptions (task_row, key, value) VALUES (?1, ?2, ?3)",
                             -1, SQLITE_PREPARE_PERSISTENT, &self->insert_description, NULL) != SQLITE_OK
      || sqlite3_prepare_v3 (self->db,
                             "SELECT key, value FROM descriptions WHERE task_row = ?1 ORDER BY key",
                             -1, SQLITE_PREPARE_PERSISTENT, &self->select_descriptions, NULL) != SQLITE_OK)
    goto fail;

  return TRUE;

fail:
  *reason = g_strdup (self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  return FALSE;
}

static void
history_close (TaskerHistory *self)
{
  g_clear_pointer (&self->insert_task, sqlite3_finalize);
  g_clear_pointer (&self->update_task, sqlite3_finalize);
  g_clear_pointer (&self->insert_description, sqlite3_finalize);
  g_clear_pointer (&self->select_descriptions, sqlite3_finalize);
  /* The last connection checkpoints the WAL and removes it. */
  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_pointer (&self->db_lock, unlock_database);
}

/* Once for the life of the history: the records are kept and tried again
 * (see RETRY_DELAY_US); losing them is a warning of its own. */
static void
warn_write_failure (TaskerHistory *self,
                    const char    *what)
{
  g_free (self->write_error);
  self->write_error = g_strdup (sqlite3_errmsg (self->db));
  self->write_rc = sqlite3_errcode (self->db);
  /* A damaged database turns the history off, saying so (writer_thread_func). */
  if (self->write_warned || self->write_rc == SQLITE_CORRUPT || self->write_rc == SQLITE_NOTADB)
    return;
  self->write_warned = TRUE;
  g_warning ("Task history “%s”: %s failed: %s; the records are kept and tried again",
             self->path, what, self->write_error);
}

/* The insert's parameters, which the update shares. Returns the first
 * error: a parameter that failed to bind would be written as NULL. */
static int
bind_entry (sqlite3_stmt *stmt,
            Entry        *entry,
            guint         n_descriptions)
{
  int rc = SQLITE_OK;

#define BIND(call) G_STMT_START { if (rc == SQLITE_OK) rc = (call); } G_STMT_END
  BIND (sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) entry->task_id));
  BIND (sqlite3_bind_text (stmt, 2, entry->key, -1, SQLITE_STATIC));
  BIND (sqlite3_bind_text (stmt, 3, entry->name, -1, SQLITE_STATIC));
  BIND (sqlite3_bind_int (stmt, 4, entry->kind));
  BIND (sqlite3_bind_int (stmt, 5, entry->status));
  BIND (sqlite3_bind_text (stmt, 6, entry->message, -1, SQLITE_STATIC));
  BIND (sqlite3_bind_double (stmt, 7, entry->progress));
  BIND (sqlite3_bind_text (stmt, 8, entry->error_domain, -1, SQLITE_STATIC));
  BIND (sqlite3_bind_int (stmt, 9, entry->error_code));
  BIND (sqlite3_bind_text (stmt, 10, entry->error_message, -1, SQLITE_STATIC));
  BIND (sqlite3_bind_int64 (stmt, 11, entry->attempts));
  BIND (sqlite3_bind_int64 (stmt, 12, entry->created_time));
  BIND (sqlite3_bind_int64 (stmt, 13, entry->started_time));
  BIND (sqlite3_bind_int64 (stmt, 14, entry->finished_time));
  BIND (sqlite3_bind_int64 (stmt, 15, (sqlite3_int64) entry->trace_id));
  BIND (sqlite3_bind_int64 (stmt, 16, (sqlite3_int64) entry->parent_id));
  BIND (sqlite3_bind_text (stmt, 17, entry->log, -1, SQLITE_STATIC));
  BIND (sqlite3_bind_int (stmt, 18, n_descriptions));
  BIND (sqlite3_bind_int (stmt, 19, entry->interrupted));
#undef BIND

  return rc;
}

/* write_entry()'s answer for a record that cannot be bound. */
#define UNWRITABLE (-1)

/* A record whose values cannot be bound (a text beyond SQLite's length
 * limit) would fail every retry: it is left out, with one warning. */
static void
warn_unwritable (TaskerHistory *self,
                 Entry         *entry,
                 int            rc)
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
bind_failed (TaskerHistory *self,
             sqlite3_stmt  *stmt,
             int            rc)
{
  sqlite3_clear_bindings (stmt);
  if (rc == SQLITE_NOMEM)
    return rc;
  self->bind_rc = rc;
  return UNWRITABLE;
}

static gboolean exec_delete (TaskerHistory *self,
                             const char    *sql,
                             sqlite3_int64  arg);

/* A durable task's later records update its first one. Returns SQLITE_OK,
 * UNWRITABLE or an error; *@updated says whether there was a row to update
 * (one lost with a batch that failed is written afresh). */
static int
update_entry (TaskerHistory *self,
              Entry         *entry,
              sqlite3_int64  row,
              gboolean      *updated)
{
  sqlite3_stmt *stmt = self->update_task;
  int rc;

  rc = bind_entry (stmt, entry, 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64 (stmt, 20, row);
  if (rc != SQLITE_OK)
    return bind_failed (self, stmt, rc);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  *updated = rc == SQLITE_DONE && sqlite3_changes (self->db) > 0;

  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Deletes the interrupted record @entry's task replaces (see
 * TaskerTaskOptions:replaces-record), if it is still unfinished. */
static int
delete_replaced (TaskerHistory *self,
                 Entry         *entry)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db,
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
write_entry (TaskerHistory *self,
             Entry         *entry)
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
      rc = update_entry (self, entry, row, &updated);
      if (rc != SQLITE_OK)
        return rc;
      if (updated)
        goto done;
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
  row = sqlite3_last_insert_rowid (self->db);

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

done:
  /* Forgotten once the batch is committed: a batch that fails is retried. */
  if (entry->durable && entry->final)
    g_array_append_val (self->closing, entry->task_id);
  else if (entry->durable)
    g_hash_table_insert (self->open_rows, g_memdup2 (&entry->task_id, sizeof entry->task_id),
                         g_memdup2 (&row, sizeof row));

  return SQLITE_OK;
}

/* One transaction for the whole batch; *@left_out says whether a record
 * was left out (see warn_unwritable()). */
static gboolean
write_batch (TaskerHistory *self,
             Entry         *batch,
             gboolean      *left_out)
{
  g_array_set_size (self->closing, 0);
  *left_out = FALSE;

  if (!exec_sql (self, "BEGIN IMMEDIATE"))
    {
      warn_write_failure (self, "starting a transaction");
      return FALSE;
    }

  for (Entry *entry = batch; entry != NULL; entry = entry->next)
    {
      int rc = write_entry (self, entry);

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

static gboolean
exec_delete (TaskerHistory *self,
             const char    *sql,
             sqlite3_int64  arg)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  rc = sqlite3_bind_int64 (stmt, 1, arg);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);

  return rc == SQLITE_DONE;
}

/* Retention never deletes the record of a durable task that is still
 * running or waiting in this program: its end updates it, and a crash
 * before then must leave it to be found. */
#define KEEP_LIVE "NOT (status <= 1 AND NOT interrupted)"

static void
run_retention (TaskerHistory *self,
               guint          max_age_days,
               guint          max_count)
{
  self->last_retention = g_get_monotonic_time ();

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

static char *
dup_column_text (sqlite3_stmt *stmt,
                 int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static gboolean
load_descriptions (TaskerHistory       *self,
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
record_from_row (TaskerHistory *self,
                 sqlite3_stmt  *stmt)
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

static GListModel *
run_query (TaskerHistory       *self,
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
  if (query->status >= 0)
    g_string_append (sql, " AND status = ?1");
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
                                " OR log LIKE ?4 ESCAPE '\\' OR row IN (SELECT task_row FROM descriptions"
                                " WHERE value LIKE ?4 ESCAPE '\\'))");
        }
      else
        {
          text = fold_text (query->text);
          g_string_append (sql, " AND (tasker_icontains (name, ?4) OR tasker_icontains (message, ?4)"
                                " OR tasker_icontains (log, ?4) OR row IN (SELECT task_row FROM descriptions"
                                " WHERE tasker_icontains (value, ?4)))");
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
  g_string_append (sql, " ORDER BY finished_time DESC, task_id DESC, row DESC LIMIT ?8 OFFSET ?9");

  if (sqlite3_prepare_v2 (self->db, sql->str, -1, &stmt, NULL) != SQLITE_OK)
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
      || sqlite3_bind_int64 (stmt, 9, query->offset) != SQLITE_OK)
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
               "Cannot read the task history “%s”: %s", self->path, sqlite3_errmsg (self->db));
  sqlite3_finalize (stmt);

  return NULL;
}

/* Clearing keeps the records of tasks that have not ended (durable ones
 * running or waiting, here or interrupted): their end updates them, or a
 * restart finds them. */
#define CLEAR_SQL \
  "BEGIN;" \
  "DELETE FROM descriptions WHERE task_row IN (SELECT row FROM tasks WHERE status > 1);" \
  "DELETE FROM tasks WHERE status > 1;" \
  "COMMIT;"

static void
run_query_task (TaskerHistory *self,
                GTask         *task,
                const char    *disabled_reason,
                gboolean       abandon)
{
  TaskerHistoryQuery *query = g_task_get_task_data (task);
  GError *error = NULL;
  GListModel *model;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (abandon)
    {
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN,
                               "The task history “%s” was closed", self->path);
      return;
    }

  if (disabled_reason != NULL)
    {
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_FAILED,
                               "The task history “%s” is disabled: %s",
                               self->path, disabled_reason);
      return;
    }

  /* Deletion: one record, or all of them. */
  if (g_task_get_source_tag (task) == _tasker_history_clear_async)
    {
      gint64 *row = g_task_get_task_data (task);
      gboolean deleted = row != NULL ? exec_delete (self, "DELETE FROM tasks WHERE row = ?1", *row)
                                     : exec_sql (self, CLEAR_SQL);

      if (deleted)
        g_task_return_boolean (task, TRUE);
      else
        {
          g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_FAILED,
                                   "cannot clear the task history “%s”: %s",
                                   self->path, sqlite3_errmsg (self->db));
          exec_sql (self, "ROLLBACK;");
        }
      return;
    }

  model = run_query (self, query, g_task_get_cancellable (task), &error);
  if (model == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, model, g_object_unref);
}

static void
history_destroy (TaskerHistory *self)
{
  GTask *task;

  g_assert (self->db == NULL);

  entry_list_free (g_steal_pointer (&self->head));
  entry_list_free (g_steal_pointer (&self->spare));
  while ((task = g_queue_pop_head (&self->queries)) != NULL)
    {
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN,
                               "The task history “%s” was closed", self->path);
      g_object_unref (task);
    }
  g_clear_pointer (&self->disabled_reason, g_free);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->open_rows, g_hash_table_unref);
  g_clear_pointer (&self->closing, g_array_unref);
  g_clear_pointer (&self->write_error, g_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->work_cond);
  g_cond_clear (&self->done_cond);
  g_free (self);
}

/* Disables the history: everything queued is dropped. Called with @lock held. */
static void
disable_locked (TaskerHistory *self,
                char          *reason)
{
  g_atomic_int_set (&self->disabled, TRUE);
  g_free (self->disabled_reason);
  self->disabled_reason = reason;
  entry_list_free (g_steal_pointer (&self->head));
  self->tail = NULL;
  self->n_queued = 0;
  if (self->queued_seq > self->processed_seq)
    self->last_drop_seq = self->queued_seq;
  self->processed_seq = self->queued_seq;
  g_cond_broadcast (&self->done_cond);
}

/* The writer is background work: on Linux, where a thread has a nice value
 * of its own, it yields the CPU to the main loop and the task threads. */
static void
lower_priority (void)
{
#ifdef __linux__
  id_t tid = (id_t) syscall (SYS_gettid);
  int nice_value;

  errno = 0;
  nice_value = getpriority (PRIO_PROCESS, tid);
  if (errno == 0 && nice_value < WRITER_NICE)
    (void) setpriority (PRIO_PROCESS, tid, WRITER_NICE);
#endif
}

static gpointer
writer_thread_func (gpointer data)
{
  TaskerHistory *self = data;
  g_autofree char *reason = NULL;
  gboolean opened;

  lower_priority ();
  opened = history_open (self, &reason);
  if (!opened)
    {
      g_warning ("Task history disabled: cannot use “%s”: %s", self->path, reason);
      history_close (self);
    }

  g_mutex_lock (&self->lock);
  if (!opened)
    disable_locked (self, g_steal_pointer (&reason));

  if (opened)
    {
      guint max_age_days = self->max_age_days;
      guint max_count = self->max_count;

      self->limits_changed = FALSE;
      g_mutex_unlock (&self->lock);
      run_retention (self, max_age_days, max_count);
      g_mutex_lock (&self->lock);
    }
  self->ready = TRUE;
  g_cond_broadcast (&self->done_cond);

  for (;;)
    {
      Entry *batch = NULL;
      Entry *last = NULL;
      GQueue queries = G_QUEUE_INIT;
      g_autofree char *disabled_reason = NULL;
      GTask *task;
      guint64 batch_seq = 0;
      guint n = 0;
      guint max_age_days, max_count;
      gboolean retention;
      gboolean disabled;
      gboolean abandon;
      gboolean committed = FALSE;
      gboolean left_out = FALSE;
      gboolean retry_wait = FALSE;
      TaskerHistoryTestFunc test_func = NULL;
      gpointer test_data = NULL;

      /* Wait for work, and let a batch fill. */
      for (;;)
        {
          gboolean have_work = self->head != NULL || self->queries.length > 0 || self->limits_changed;
          gint64 now = g_get_monotonic_time ();

          /* A batch that failed waits out its delay, unless the history
           * is closing (then it is tried once more, or dropped). */
          retry_wait = self->head != NULL && now < self->retry_time
                       && !self->stopping && !self->abandon;

          if (self->abandon || (self->stopping && !self->paused) || self->test_func != NULL)
            break;
          if (have_work && !self->paused)
            {
              if (retry_wait && self->queries.length == 0 && !self->limits_changed)
                {
                  g_cond_wait_until (&self->work_cond, &self->lock, self->retry_time);
                  continue;
                }
              if (retry_wait)
                break;
              if (self->head != NULL
                  && self->n_queued < BATCH_MAX
                  && self->n_flushing == 0
                  && self->queries.length == 0)
                {
                  gint64 deadline = self->first_queued_time + BATCH_DELAY_US;

                  if (g_get_monotonic_time () < deadline)
                    {
                      g_cond_wait_until (&self->work_cond, &self->lock, deadline);
                      continue;
                    }
                }
              break;
            }
          g_cond_wait (&self->work_cond, &self->lock);
        }

      /* Take a batch, the queries and the limits. */
      test_func = self->test_func;
      test_data = self->test_data;
      for (Entry *entry = retry_wait ? NULL : self->head;
           entry != NULL && n < BATCH_MAX;
           entry = entry->next)
        {
          last = entry;
          n++;
        }
      if (last != NULL)
        {
          batch = self->head;
          self->head = last->next;
          last->next = NULL;
          if (self->head == NULL)
            self->tail = NULL;
          self->n_queued -= n;
          batch_seq = last->seq;
        }
      queries = self->queries;
      g_queue_init (&self->queries);
      retention = self->limits_changed;
      self->limits_changed = FALSE;
      max_age_days = self->max_age_days;
      max_count = self->max_count;
      disabled = g_atomic_int_get (&self->disabled);
      if (disabled)
        disabled_reason = g_strdup (self->disabled_reason);
      abandon = self->abandon;
      g_mutex_unlock (&self->lock);

      if (test_func != NULL)
        {
          if (self->db != NULL)
            test_func (self->db, test_data);
          g_mutex_lock (&self->lock);
          self->test_func = NULL;
          self->test_done = TRUE;
          g_cond_broadcast (&self->done_cond);
          g_mutex_unlock (&self->lock);
        }

      if (batch != NULL && !disabled && !abandon)
        committed = write_batch (self, batch, &left_out);
      if (committed)
        self->retry_delay = 0;
      if (batch != NULL && abandon)
        self->n_abandoned += n;
      if (batch != NULL && !committed && !disabled && !abandon)
        {
          if (self->write_rc == SQLITE_CORRUPT || self->write_rc == SQLITE_NOTADB)
            {
              /* No retry can help: the history is off, and says why. */
              g_warning ("Task history disabled: “%s” is damaged: %s",
                         self->path, self->write_error);
              g_mutex_lock (&self->lock);
              disable_locked (self, g_strdup_printf ("the database is damaged: %s",
                                                     self->write_error));
              g_mutex_unlock (&self->lock);
            }
          else
            {
              /* Kept, in order, ahead of what came since; tried again
               * after a delay that grows while the failures last. */
              self->retry_delay = CLAMP (self->retry_delay * 2, RETRY_DELAY_US, RETRY_DELAY_MAX_US);
              g_mutex_lock (&self->lock);
              last->next = self->head;
              if (self->head == NULL)
                self->tail = last;
              self->head = batch;
              self->n_queued += n;
              self->first_queued_time = g_get_monotonic_time ();
              self->retry_time = g_get_monotonic_time () + self->retry_delay;
              g_mutex_unlock (&self->lock);
              batch = NULL;
              batch_seq = 0;
            }
        }
      for (Entry *entry = batch; entry != NULL; entry = entry->next)
        entry_clear (entry);

      /* Flush waits for the batch only, not for the queries and retention. */
      if (batch_seq > 0)
        {
          g_mutex_lock (&self->lock);
          if (self->n_spare < SPARE_MAX && batch != NULL)
            {
              last->next = self->spare;
              self->spare = g_steal_pointer (&batch);
              self->n_spare += n;
            }
          self->processed_seq = MAX (self->processed_seq, batch_seq);
          if (committed)
            self->n_transactions++;
          if (!committed || left_out)
            self->last_drop_seq = MAX (self->last_drop_seq, batch_seq);
          g_cond_broadcast (&self->done_cond);
          g_mutex_unlock (&self->lock);
          entry_list_free (batch);
        }

      while ((task = g_queue_pop_head (&queries)) != NULL)
        {
          run_query_task (self, task, disabled ? disabled_reason : NULL, abandon);
          g_object_unref (task);
        }

      if (!disabled && !abandon
          && (retention
              || (n > 0
                  && g_get_monotonic_time () - self->last_retention >= RETENTION_INTERVAL_US)))
        run_retention (self, max_age_days, max_count);

      g_mutex_lock (&self->lock);

      if ((self->stopping || self->abandon) && self->head == NULL && self->queries.length == 0)
        break;
    }
  g_mutex_unlock (&self->lock);

  /* Giving up: said once, with the reason. */
  if (self->n_abandoned > 0)
    g_warning ("Task history “%s”: %u records were not written before it was closed: %s",
               self->path, self->n_abandoned,
               self->write_error != NULL ? self->write_error : "the disk did not keep up");

  history_close (self);

  g_mutex_lock (&self->lock);
  self->exited = TRUE;
  g_cond_broadcast (&self->done_cond);
  g_mutex_unlock (&self->lock);

  /* The writer's reference: the last one when free() left it behind. */
  _tasker_history_unref (self);

  return NULL;
}

/* API */

TaskerHistory *
_tasker_history_new (const char *path,
                     guint       max_age_days,
                     guint       max_count)
{
  TaskerHistory *self;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_new0 (TaskerHistory, 1);
  self->path = g_strdup (path);
  self->open_rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->closing = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->max_age_days = max_age_days;
  self->max_count = max_count;
  g_mutex_init (&self->lock);
  g_cond_init (&self->work_cond);
  g_cond_init (&self->done_cond);
  g_queue_init (&self->queries);

  /* The owner's reference and the writer's. */
  self->ref_count = 2;
  self->thread = g_thread_try_new ("tasker-history", writer_thread_func, self, &error);
  if (self->thread == NULL)
    {
      self->ref_count = 1;
      g_warning ("Task history disabled: cannot use “%s”: %s", path, error->message);
      g_mutex_lock (&self->lock);
      disable_locked (self, g_strdup (error->message));
      self->exited = TRUE;
      g_mutex_unlock (&self->lock);
    }

  return self;
}

static void add_entry (TaskerHistory *self,
                       TaskerTask    *task,
                       gint64         finished_time,
                       guint64        parent_id,
                       gboolean       interrupted);

void
_tasker_history_add_full (TaskerHistory *self,
                          TaskerTask    *task,
                          gint64         finished_time,
                          guint64        parent_id)
{
  add_entry (self, task, finished_time, parent_id, FALSE);
}

void
_tasker_history_add_interrupted (TaskerHistory *self,
                                 TaskerTask    *task)
{
  add_entry (self, task, 0, 0, TRUE);
}

static void
add_entry (TaskerHistory *self,
           TaskerTask    *task,
           gint64         finished_time,
           guint64        parent_id,
           gboolean       interrupted)
{
  Entry fill = { 0 };
  Entry *entry;
  guint64 seq;
  gboolean wake = FALSE;
  gboolean warn = FALSE;

  g_return_if_fail (self != NULL);
  g_return_if_fail (TASKER_IS_TASK (task));

  if (g_atomic_int_get (&self->disabled))
    return;

  entry_fill (&fill, task, finished_time, parent_id);
  if (fill.durable && task->options != NULL)
    {
      TaskerHistoryRecord *replaced = tasker_task_options_get_replaces_record (task->options);

      if (replaced != NULL && g_strcmp0 (replaced->origin, self->path) == 0)
        {
          fill.replaces_row = replaced->row;
          fill.replaces_created = replaced->created_time;
        }
    }
  if (interrupted)
    {
      /* As it was before the shutdown cancelled it; its last record. */
      fill.status = fill.started_time != 0 ? TASKER_TASK_STATUS_RUNNING : TASKER_TASK_STATUS_PENDING;
      fill.error_domain = NULL;
      fill.error_code = 0;
      g_clear_pointer (&fill.error_message, g_free);
      fill.interrupted = TRUE;
      fill.final = TRUE;
    }

  g_mutex_lock (&self->lock);
  if (g_atomic_int_get (&self->disabled) || self->stopping)
    {
      g_mutex_unlock (&self->lock);
      entry_clear (&fill);
      return;
    }

  seq = ++self->queued_seq;
  if (self->n_queued >= QUEUE_MAX)
    {
      /* Dropped: the queue's last record now stands for this one too, so
       * flush waits for it and reports the drop. */
      self->tail->seq = seq;
      self->last_drop_seq = seq;
      warn = !self->overflow_warned;
      self->overflow_warned = TRUE;
      g_mutex_unlock (&self->lock);

      entry_clear (&fill);
      if (warn)
        g_warning ("Task history “%s”: more than %u records wait for the disk; dropping records",
                   self->path, QUEUE_MAX);
      return;
    }

  entry = self->spare;
  if (entry != NULL)
    {
      self->spare = entry->next;
      self->n_spare--;
    }
  else
    {
      /* Rare once the writer has written a batch: quick enough to hold
       * the lock for. */
      entry = g_new (Entry, 1);
    }
  *entry = fill;
  entry->seq = seq;

  if (self->tail != NULL)
    self->tail->next = entry;
  else
    self->head = entry;
  self->tail = entry;
  self->n_queued++;
  if (self->n_queued == 1)
    {
      self->first_queued_time = g_get_monotonic_time ();
      wake = TRUE;
    }
  else if (self->n_queued == BATCH_MAX)
    {
      wake = TRUE;
    }
  g_mutex_unlock (&self->lock);

  if (wake)
    g_cond_signal (&self->work_cond);
}

void
_tasker_history_add (TaskerHistory *self,
                     TaskerTask    *task)
{
  _tasker_history_add_full (self, task, 0, 0);
}

void
_tasker_history_set_limits (TaskerHistory *self,
                            guint          max_age_days,
                            guint          max_count)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  self->max_age_days = max_age_days;
  self->max_count = max_count;
  self->limits_changed = TRUE;
  g_mutex_unlock (&self->lock);

  g_cond_signal (&self->work_cond);
}

gboolean
_tasker_history_flush (TaskerHistory *self,
                       guint          timeout_ms)
{
  guint64 target, base;
  gint64 deadline;
  gboolean flushed;

  g_return_val_if_fail (self != NULL, FALSE);

  deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  g_mutex_lock (&self->lock);
  target = self->queued_seq;
  base = self->processed_seq;
  self->n_flushing++;
  g_cond_signal (&self->work_cond);
  /* Also the opening: a flush that returns leaves the writer idle, not
   * still opening or trimming the file while its owner moves on. */
  while ((self->processed_seq < target || !self->ready) && !g_atomic_int_get (&self->disabled))
    {
      if (!g_cond_wait_until (&self->done_cond, &self->lock, deadline))
        break;
    }
  self->n_flushing--;
  flushed = (!g_atomic_int_get (&self->disabled)
             && self->processed_seq >= target
             && self->last_drop_seq <= base);
  g_mutex_unlock (&self->lock);

  return flushed;
}

void
_tasker_history_free (TaskerHistory *self)
{
  GThread *thread = NULL;
  gboolean flushed;
  gboolean exited;
  gint64 deadline;

  if (self == NULL)
    return;

  g_mutex_lock (&self->lock);
  self->paused = FALSE;
  g_mutex_unlock (&self->lock);

  flushed = _tasker_history_flush (self, FREE_FLUSH_TIMEOUT_MS);

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  if (!flushed)
    self->abandon = TRUE;
  g_cond_signal (&self->work_cond);
  deadline = g_get_monotonic_time () + FREE_EXIT_TIMEOUT_US;
  while (!self->exited)
    {
      if (!g_cond_wait_until (&self->done_cond, &self->lock, deadline))
        break;
    }
  exited = self->exited;
  thread = g_steal_pointer (&self->thread);
  g_mutex_unlock (&self->lock);

  if (exited)
    {
      if (thread != NULL)
        g_thread_join (thread);
    }
  else
    {
      /* A writer stuck on the disk: it drops its reference when it is done. */
      g_thread_unref (thread);
    }
  _tasker_history_unref (self);
}

void
_tasker_history_run_for_test (TaskerHistory         *self,
                              TaskerHistoryTestFunc  func,
                              gpointer               data)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (func != NULL);

  g_mutex_lock (&self->lock);
  g_return_if_fail (self->test_func == NULL);
  self->test_func = func;
  self->test_data = data;
  self->test_done = FALSE;
  g_cond_signal (&self->work_cond);
  while (!self->test_done && !self->exited)
    g_cond_wait (&self->done_cond, &self->lock);
  self->test_func = NULL;
  g_mutex_unlock (&self->lock);
}

/* Whether the writer is done: everything it was given is written or dropped. */
gboolean
_tasker_history_is_closed (TaskerHistory *self)
{
  gboolean exited;

  g_return_val_if_fail (self != NULL, TRUE);

  g_mutex_lock (&self->lock);
  exited = self->exited;
  g_mutex_unlock (&self->lock);

  return exited;
}

/* For another thread's flush while the owner may free the history. */
TaskerHistory *
_tasker_history_ref (TaskerHistory *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
_tasker_history_unref (TaskerHistory *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_int_dec_and_test (&self->ref_count))
    history_destroy (self);
}

void
_tasker_history_query_async (TaskerHistory       *self,
                             TaskerHistoryQuery  *query,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (query));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, _tasker_history_query_async);
  g_task_set_task_data (task, _tasker_history_query_copy (query), g_object_unref);

  g_mutex_lock (&self->lock);
  if (self->stopping)
    {
      g_mutex_unlock (&self->lock);
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN,
                               "The task history “%s” was closed", self->path);
      return;
    }
  g_queue_push_tail (&self->queries, g_steal_pointer (&task));
  g_mutex_unlock (&self->lock);

  g_cond_signal (&self->work_cond);
}

/* Deletes every finished task's record, after what was queued before. */
void
_tasker_history_clear_async (TaskerHistory       *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  _tasker_history_delete_async (self, NULL, cancellable, callback, user_data);
}

/* Deletes @record (every record when %NULL), after what was queued before. */
void
_tasker_history_delete_async (TaskerHistory       *self,
                              TaskerHistoryRecord *record,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (record == NULL || TASKER_IS_HISTORY_RECORD (record));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, _tasker_history_clear_async);
  if (record != NULL && g_strcmp0 (record->origin, self->path) != 0)
    {
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                               "The record is not from the task history “%s”", self->path);
      return;
    }
  if (record != NULL)
    g_task_set_task_data (task, g_memdup2 (&record->row, sizeof record->row), g_free);

  g_mutex_lock (&self->lock);
  if (self->stopping)
    {
      g_mutex_unlock (&self->lock);
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN,
                               "The task history “%s” was closed", self->path);
      return;
    }
  g_queue_push_tail (&self->queries, g_steal_pointer (&task));
  g_mutex_unlock (&self->lock);

  g_cond_signal (&self->work_cond);
}

gboolean
_tasker_history_clear_finish (TaskerHistory  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

GListModel *
_tasker_history_query_finish (TaskerHistory  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _tasker_history_query_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
_tasker_history_get_n_transactions (TaskerHistory *self)
{
  guint n;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->lock);
  n = self->n_transactions;
  g_mutex_unlock (&self->lock);

  return n;
}

gboolean
_tasker_history_is_disabled (TaskerHistory *self)
{
  g_return_val_if_fail (self != NULL, TRUE);

  return g_atomic_int_get (&self->disabled);
}

void
_tasker_history_set_paused (TaskerHistory *self,
                            gboolean       paused)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  self->paused = !!paused;
  g_mutex_unlock (&self->lock);

  g_cond_signal (&self->work_cond);
}
