/* tasker-history.c
 *
 * The task history (DESIGN.md §3 History): finished tasks written to an
 * SQLite database by a writer thread of its own, in batched transactions, and
 * queried page by page. This file holds the queue, the writer thread and the
 * async API; the database itself (the lock file, schema and migrations,
 * writes, retention, queries) is tasker-history-db.c, which only the writer
 * thread calls.
 *
 * Threads. _tasker_history_add() runs on the manager's main context: under
 * @lock it copies what the record needs from the task into a plain struct (a
 * TaskerHistoryEntry, reused) and queues it, waking the writer only when the
 * queue was empty or a batch is full. Everything that touches the disk —
 * opening the database, writing, retention, queries — runs on the writer
 * thread, which owns the only connection. The main loop never waits on the
 * disk.
 *
 * The writer. It opens the database (writer_open()), then runs passes until
 * the history is closed (writer_exit()). A pass waits for work
 * (wait_for_work_locked()), takes it under @lock (take_work_locked(): the
 * whole queue, in O(1)), and without the lock cuts it to one batch
 * (cut_batch(): the rest goes back to the queue's head), runs a test's
 * function, writes the batch (write_batch_step()), hands the batch back
 * (return_batch(): to the spare list once written or dropped, to the
 * queue's head for a retry), answers the queries and runs retention when
 * it is due. Its life is a WriterState:
 * RUNNING until _tasker_history_free() asks it to stop, then STOPPING or
 * ABANDONING, then EXITED.
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
 * every record queued before it is committed (and the database is open).
 *
 * Cost. On the main context an add is a few copies under one short lock; the
 * entries come back from the writer for reuse, and are allocated a block at
 * a time when none is spare, so the main thread rarely allocates and the
 * two threads rarely free each other's memory. The writer runs at nice +10
 * (Linux): under load, the main loop and the task threads get the CPU
 * first.
 *
 * Failures. A database that cannot be used (tasker-history-db.c says why:
 * another program has it, it is not a Tasker history, a later schema
 * version, an I/O error) disables the history with one warning naming the
 * path and the reason. A write that fails (database locked by another
 * program past the busy timeout, disk full, an I/O error) keeps its batch
 * and tries it again after a delay (RETRY_DELAY_US, doubling), with one
 * warning for the life of the history; records are dropped only when the
 * history is closed before they could be written, or the queue overflows,
 * each with one warning saying how many and why. A damaged database found
 * while writing turns the history off, with one warning. A record SQLite
 * cannot take is left out with one warning.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tasker-error.h"
#include "tasker-history-db-private.h"
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
 * entry, and never frees one the writer thread allocated or the reverse. */
#define SPARE_MAX              (4 * BATCH_MAX)
/* Entries are allocated this many at a time (an EntryBlock): while the
 * writer lags behind a burst, the main thread makes one allocation per
 * block, not one per ended task, and the writer frees a block once all its
 * entries beyond SPARE_MAX are done with. */
#define ENTRY_BLOCK_SIZE       32
/* _tasker_history_free(): how long to flush, then to wait for the writer. */
#define FREE_FLUSH_TIMEOUT_MS  2000
#define FREE_EXIT_TIMEOUT_US   (500 * 1000)

/* The writer thread's life. _tasker_history_free() ends RUNNING: in
 * STOPPING (its flush found everything queued written) the writer writes
 * what came since and stops; in ABANDONING (the flush timed out) it drops
 * what is left and stops. The writer goes EXITED once it has closed the
 * database; a history whose thread could not start is EXITED at once. */
typedef enum
{
  WRITER_RUNNING,
  WRITER_STOPPING,
  WRITER_ABANDONING,
  WRITER_EXITED,
} WriterState;

/* The queue's element, shared with tasker-history-db.c. */
typedef TaskerHistoryEntry Entry;

struct _TaskerHistory
{
  char           *path;                  /* (owned) immutable */
  gint            ref_count;             /* (atomic) the owner's, the writer's, each ref()'s */
  GThread        *thread;                /* (owned) (nullable) the writer; NULL once detached */

  GMutex          lock;
  GCond           work_cond;             /* the writer waits on it for work */
  GCond           done_cond;             /* flush and free wait on it for the writer */
  WriterState     state;                 /* protected by @lock */
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
  guint           ready : 1;             /* opened (or failed to) and retention run, protected by @lock */
  guint           overflow_warned : 1;   /* protected by @lock */
  gint64          retry_time;            /* monotonic: a failed batch waits till then, @lock */
  TaskerHistoryTestFunc test_func;       /* (nullable) protected by @lock */
  gpointer        test_data;             /* protected by @lock */
  guint           test_done : 1;         /* protected by @lock */

  /* The writer thread's own. */
  TaskerHistoryDb *db;                   /* (owned) (nullable) NULL when it cannot be used */
  gint64          last_retention;        /* monotonic */
  gint64          retry_delay;           /* µs; 0 after a batch that committed */
  guint           n_abandoned;           /* records dropped at close, not written */
};

/* Entries */

/* ENTRY_BLOCK_SIZE entries in one allocation, freed with the last of them. */
typedef struct
{
  gint  n_live;                          /* (atomic) entries not freed yet */
  Entry entries[ENTRY_BLOCK_SIZE];
} EntryBlock;

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
  EntryBlock *block = entry->block;

  entry_clear (entry);
  if (g_atomic_int_dec_and_test (&block->n_live))
    g_free (block);
}

/* A new block's entries, as a list of spare ones: cleared as entry_clear()
 * leaves them (add_entry() fills the rest). Called with @lock held: once
 * every ENTRY_BLOCK_SIZE entries at most, and quick. */
static Entry *
entry_block_new (void)
{
  EntryBlock *block = g_new (EntryBlock, 1);

  block->n_live = ENTRY_BLOCK_SIZE;
  for (guint i = 0; i < ENTRY_BLOCK_SIZE; i++)
    {
      Entry *entry = &block->entries[i];

      entry->next = i + 1 < ENTRY_BLOCK_SIZE ? &block->entries[i + 1] : NULL;
      entry->block = block;
      entry->key = NULL;
      entry->name = NULL;
      entry->message = NULL;
      entry->error_message = NULL;
      entry->log = NULL;
      entry->descriptions = NULL;
    }

  return &block->entries[0];
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

/* The task's descriptions as key, value pairs, and a command's exit status
 * (tasker_task_get_exit_status()) as `exit-status`; NULL when there are
 * none. */
static char **
descriptions_to_strv (GHashTable *descriptions,
                      int         exit_status)
{
  g_autofree const char **keys = NULL;
  guint n_keys = 0, n = 0;
  char **pairs;

  if (descriptions != NULL)
    {
      keys = (const char **) g_hash_table_get_keys_as_array (descriptions, &n_keys);
      qsort (keys, n_keys, sizeof (char *), compare_strings);
    }
  if (n_keys == 0 && exit_status < 0)
    return NULL;

  pairs = g_new (char *, 2 * n_keys + 3);
  for (guint i = 0; i < n_keys; i++)
    {
      /* Ours wins over a description of that name. */
      if (exit_status >= 0 && strcmp (keys[i], "exit-status") == 0)
        continue;
      pairs[n++] = g_strdup (keys[i]);
      pairs[n++] = g_strdup (g_hash_table_lookup (descriptions, keys[i]));
    }
  if (exit_status >= 0)
    {
      pairs[n++] = g_strdup ("exit-status");
      pairs[n++] = g_strdup_printf ("%d", exit_status);
    }
  pairs[n] = NULL;

  return pairs;
}

/* On the manager's context, with @lock held: a copy of everything the record
 * needs, into @entry (a spare one: every field but @block is set here, so
 * nothing of its last record stays). Once per ended task, so the fields are
 * read directly (the public getters check the type each time); those that
 * can change are the main context's copies, which is where this runs. */
static void
entry_fill (Entry         *entry,
            TaskerHistory *self,
            TaskerTask    *task,
            gint64         finished_time,
            guint64        parent_id,
            gboolean       interrupted)
{
  const GError *error = interrupted ? NULL : task->error;
  TaskerHistoryRecord *replaced = NULL;

  entry->next = NULL;
  entry->task_id = task->id;
  entry->durable = task->durable;
  entry->final = task->status >= TASKER_TASK_STATUS_COMPLETED;
  entry->interrupted = FALSE;
  entry->key = g_strdup (task->key);
  entry->name = g_strdup (task->name);
  entry->kind = task->kind;
  entry->status = task->status;
  entry->message = g_strdup (task->message);
  entry->progress = task->progress;

  entry->error_domain = error != NULL ? g_quark_to_string (error->domain) : NULL;
  entry->error_code = error != NULL ? error->code : 0;
  entry->error_message = error != NULL ? g_strdup (error->message) : NULL;

  entry->attempts = task->attempt;
  entry->created_time = task->created_time;
  entry->started_time = task->started_time;
  entry->finished_time = finished_time != 0 ? finished_time : task->finished_time;
  if (entry->finished_time == 0)
    entry->finished_time = g_get_real_time ();
  entry->trace_id = task->trace_id;

  if (parent_id != 0)
    entry->parent_id = parent_id;
  else
    entry->parent_id = task->tree.parent != NULL ? task->tree.parent->id : 0;

  /* What the task kept (its bounded log), in one copy; NULL when it logged
   * nothing. */
  entry->log = _tasker_task_dup_log_text (task);

  /* Shared with the task's sealed options: immutable. */
  entry->descriptions = descriptions_to_strv (task->descriptions,
                                              g_atomic_int_get (&task->exit_status));

  /* A job's first record replaces its interrupted one from this file. */
  if (entry->durable && task->options != NULL)
    replaced = tasker_task_options_get_replaces_record (task->options);
  if (replaced != NULL && g_strcmp0 (replaced->origin, self->path) == 0)
    {
      entry->replaces_row = replaced->row;
      entry->replaces_created = replaced->created_time;
    }
  else
    {
      entry->replaces_row = 0;
      entry->replaces_created = 0;
    }

  if (interrupted)
    {
      /* As it was before the shutdown cancelled it; its last record. */
      entry->status = entry->started_time != 0 ? TASKER_TASK_STATUS_RUNNING : TASKER_TASK_STATUS_PENDING;
      entry->interrupted = TRUE;
      entry->final = TRUE;
    }
}

/* The writer thread */

/* What one pass of the writer took under @lock (take_work_locked()) and
 * works on without it. */
typedef struct
{
  Entry                 *batch;            /* (owned) (nullable) the oldest records, in order */
  Entry                 *last;             /* (unowned) (nullable) @batch's last entry */
  guint                  n;                /* entries in @batch */
  guint64                seq;              /* @last's seq; 0 without a batch */
  gint64                 first_queued_time; /* when @batch's first record was queued */
  GQueue                 queries;          /* (element-type GTask) (owned) queries and deletions */
  TaskerHistoryTestFunc  test_func;        /* (nullable) */
  gpointer               test_data;
  guint                  max_age_days;
  guint                  max_count;
  gboolean               limits_changed;   /* retention is due */
  gboolean               disabled;
  char                  *disabled_reason;  /* (owned) (nullable) why, when @disabled */
  gboolean               abandon;          /* drop @batch, refuse the queries */
} WriterPass;

/* What became of a pass's batch (write_batch_step()). */
typedef enum
{
  BATCH_NONE,        /* the pass took no records */
  BATCH_COMMITTED,   /* in the database */
  BATCH_LEFT_OUT,    /* committed, but a record that cannot be written was left out */
  BATCH_RETRY,       /* the write failed: back at the queue's head, tried again after a delay */
  BATCH_DAMAGED,     /* the database is damaged: not written, and the history goes off */
  BATCH_DROPPED,     /* not written: the history is off, or closed before it could be */
} BatchOutcome;

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

static void
writer_run_retention (TaskerHistory *self,
                      guint          max_age_days,
                      guint          max_count)
{
  self->last_retention = g_get_monotonic_time ();
  _tasker_history_db_run_retention (self->db, max_age_days, max_count);
}

/* The writer's first step: opens the database and runs retention, or turns
 * the history off saying why. Flushes wait for it (@ready). */
static void
writer_open (TaskerHistory *self)
{
  g_autofree char *reason = NULL;

  self->db = _tasker_history_db_open (self->path, &reason);
  if (self->db == NULL)
    g_warning ("Task history disabled: cannot use “%s”: %s", self->path, reason);

  g_mutex_lock (&self->lock);
  if (self->db == NULL)
    {
      disable_locked (self, g_steal_pointer (&reason));
    }
  else
    {
      guint max_age_days = self->max_age_days;
      guint max_count = self->max_count;

      /* Ids go on from an earlier run's, so that an id names one task in
       * the history and among the live ones (taskerctl status 12). Tasks
       * made before this, in the moment the history takes to open, may
       * still repeat one. */
      _tasker_task_ids_continue_after (_tasker_history_db_get_max_task_id (self->db));
      self->limits_changed = FALSE;
      g_mutex_unlock (&self->lock);
      writer_run_retention (self, max_age_days, max_count);
      g_mutex_lock (&self->lock);
    }
  self->ready = TRUE;
  g_cond_broadcast (&self->done_cond);
  g_mutex_unlock (&self->lock);
}

/* Waits, with @lock held, for something to do: records (once their batch
 * has filled or its time is up), queries, new limits, a test's function or
 * the end. Returns whether the queued records are a failed batch that must
 * still wait out its retry delay (the pass then leaves them queued). */
static gboolean
wait_for_work_locked (TaskerHistory *self)
{
  for (;;)
    {
      gboolean have_work = self->head != NULL || self->queries.length > 0 || self->limits_changed;
      gint64 now = g_get_monotonic_time ();
      gboolean retry_wait;

      /* A batch that failed waits out its delay, unless the history is
       * closing (then it is tried once more, or dropped). */
      retry_wait = self->head != NULL && now < self->retry_time && self->state == WRITER_RUNNING;

      if (self->state == WRITER_ABANDONING
          || (self->state == WRITER_STOPPING && !self->paused)
          || self->test_func != NULL)
        return retry_wait;
      if (have_work && !self->paused)
        {
          if (retry_wait && self->queries.length == 0 && !self->limits_changed)
            {
              g_cond_wait_until (&self->work_cond, &self->lock, self->retry_time);
              continue;
            }
          if (retry_wait)
            return TRUE;
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
          return FALSE;
        }
      g_cond_wait (&self->work_cond, &self->lock);
    }
}

/* Takes the queued records (unless @retry_wait), the queries, the limits
 * and the test's function into @pass. Called with @lock held, which the
 * main thread's adds wait for: the whole queue is taken at once, and
 * cut_batch() puts back what is beyond one batch, without walking the list
 * under the lock (the writer, at a lower priority, may be preempted while
 * it holds it). */
static void
take_work_locked (TaskerHistory *self,
                  gboolean       retry_wait,
                  WriterPass    *pass)
{
  pass->test_func = self->test_func;
  pass->test_data = self->test_data;
  if (!retry_wait && self->head != NULL)
    {
      pass->batch = g_steal_pointer (&self->head);
      pass->last = g_steal_pointer (&self->tail);
      pass->n = self->n_queued;
      pass->seq = pass->last->seq;
      pass->first_queued_time = self->first_queued_time;
      self->n_queued = 0;
    }
  pass->queries = self->queries;
  g_queue_init (&self->queries);
  pass->limits_changed = self->limits_changed;
  self->limits_changed = FALSE;
  pass->max_age_days = self->max_age_days;
  pass->max_count = self->max_count;
  pass->disabled = g_atomic_int_get (&self->disabled);
  if (pass->disabled)
    pass->disabled_reason = g_strdup (self->disabled_reason);
  pass->abandon = self->state == WRITER_ABANDONING;
}

/* Cuts the pass's records to one batch, BATCH_MAX at most: the rest go back
 * to the queue's head, in order, ahead of what came since. Without @lock
 * but for the put back. */
static void
cut_batch (TaskerHistory *self,
           WriterPass    *pass)
{
  Entry *rest, *rest_last = pass->last;
  guint n_rest;

  if (pass->n <= BATCH_MAX)
    return;

  pass->last = pass->batch;
  for (guint i = 1; i < BATCH_MAX; i++)
    pass->last = pass->last->next;
  rest = pass->last->next;
  pass->last->next = NULL;
  n_rest = pass->n - BATCH_MAX;
  pass->n = BATCH_MAX;
  pass->seq = pass->last->seq;

  g_mutex_lock (&self->lock);
  rest_last->next = self->head;
  if (self->head == NULL)
    self->tail = rest_last;
  self->head = rest;
  self->n_queued += n_rest;
  /* They have waited since then: the next pass takes them without delay
   * once they are a batch, as before. */
  self->first_queued_time = pass->first_queued_time;
  g_mutex_unlock (&self->lock);
}

/* Runs the function _tasker_history_run_for_test() waits on, with the
 * connection (none when the database could not be opened). */
static void
run_test_func (TaskerHistory *self,
               WriterPass    *pass)
{
  if (pass->test_func == NULL)
    return;

  if (self->db != NULL)
    pass->test_func (_tasker_history_db_get_connection (self->db), pass->test_data);
  g_mutex_lock (&self->lock);
  self->test_func = NULL;
  self->test_done = TRUE;
  g_cond_broadcast (&self->done_cond);
  g_mutex_unlock (&self->lock);
}

/* Writes the pass's batch in one transaction, unless the history is off or
 * abandoned. */
static BatchOutcome
write_batch_step (TaskerHistory *self,
                  WriterPass    *pass)
{
  gboolean left_out = FALSE;

  if (pass->batch == NULL)
    return BATCH_NONE;

  if (pass->abandon)
    {
      self->n_abandoned += pass->n;
      return BATCH_DROPPED;
    }
  if (pass->disabled)
    return BATCH_DROPPED;

  if (_tasker_history_db_write_batch (self->db, pass->batch, &left_out))
    {
      self->retry_delay = 0;
      return left_out ? BATCH_LEFT_OUT : BATCH_COMMITTED;
    }

  if (_tasker_history_db_is_damaged (self->db))
    {
      /* No retry can help: the history is off, and says why. */
      g_warning ("Task history disabled: “%s” is damaged: %s",
                 self->path, _tasker_history_db_get_write_error (self->db));
      return BATCH_DAMAGED;
    }

  /* Tried again after a delay that grows while the failures last. */
  self->retry_delay = CLAMP (self->retry_delay * 2, RETRY_DELAY_US, RETRY_DELAY_MAX_US);
  return BATCH_RETRY;
}

/* Hands the pass's batch back after @outcome: a batch to retry goes back to
 * the queue's head, in order, ahead of what came since; any other goes to
 * the spare entries (or is freed), and the flushes waiting for it are told
 * how far the records are processed (they do not wait for the queries and
 * retention). */
static void
return_batch (TaskerHistory *self,
              WriterPass    *pass,
              BatchOutcome   outcome)
{
  Entry *batch = g_steal_pointer (&pass->batch);

  if (outcome == BATCH_NONE)
    return;

  if (outcome != BATCH_RETRY)
    {
      for (Entry *entry = batch; entry != NULL; entry = entry->next)
        entry_clear (entry);
    }

  g_mutex_lock (&self->lock);
  if (outcome == BATCH_RETRY)
    {
      pass->last->next = self->head;
      if (self->head == NULL)
        self->tail = pass->last;
      self->head = g_steal_pointer (&batch);
      self->n_queued += pass->n;
      self->first_queued_time = g_get_monotonic_time ();
      self->retry_time = g_get_monotonic_time () + self->retry_delay;
    }
  else
    {
      if (outcome == BATCH_DAMAGED)
        disable_locked (self, g_strdup_printf ("the database is damaged: %s",
                                               _tasker_history_db_get_write_error (self->db)));
      if (self->n_spare < SPARE_MAX)
        {
          pass->last->next = self->spare;
          self->spare = g_steal_pointer (&batch);
          self->n_spare += pass->n;
        }
      self->processed_seq = MAX (self->processed_seq, pass->seq);
      if (outcome == BATCH_COMMITTED || outcome == BATCH_LEFT_OUT)
        self->n_transactions++;
      if (outcome != BATCH_COMMITTED)
        self->last_drop_seq = MAX (self->last_drop_seq, pass->seq);
      g_cond_broadcast (&self->done_cond);
    }
  g_mutex_unlock (&self->lock);

  entry_list_free (batch);
}

/* Answers a query or deletion the pass took: refused when cancelled,
 * abandoned or the history is off; run on the database otherwise. */
static void
run_query_task (TaskerHistory *self,
                GTask         *task,
                WriterPass    *pass)
{
  TaskerHistoryQuery *query = g_task_get_task_data (task);
  GError *error = NULL;
  GListModel *model;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (pass->abandon)
    {
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN,
                               "The task history “%s” was closed", self->path);
      return;
    }

  if (pass->disabled_reason != NULL)
    {
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_FAILED,
                               "The task history “%s” is disabled: %s",
                               self->path, pass->disabled_reason);
      return;
    }

  /* Deletion: one record, or all of them. */
  if (g_task_get_source_tag (task) == _tasker_history_clear_async)
    {
      if (_tasker_history_db_delete (self->db, g_task_get_task_data (task), &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      return;
    }

  model = _tasker_history_db_query (self->db, query, g_task_get_cancellable (task), &error);
  if (model == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, model, g_object_unref);
}

static void
answer_queries (TaskerHistory *self,
                WriterPass    *pass)
{
  GTask *task;

  while ((task = g_queue_pop_head (&pass->queries)) != NULL)
    {
      run_query_task (self, task, pass);
      g_object_unref (task);
    }
}

/* Retention when the limits changed, and after batches at most once every
 * RETENTION_INTERVAL_US. */
static void
maybe_run_retention (TaskerHistory *self,
                     WriterPass    *pass)
{
  if (pass->disabled || pass->abandon)
    return;

  if (pass->limits_changed
      || (pass->n > 0 && g_get_monotonic_time () - self->last_retention >= RETENTION_INTERVAL_US))
    writer_run_retention (self, pass->max_age_days, pass->max_count);
}

/* The writer's last step: says once what it gave up, closes the database
 * and drops its reference. */
static void
writer_exit (TaskerHistory *self)
{
  if (self->n_abandoned > 0)
    {
      const char *why = self->db != NULL ? _tasker_history_db_get_write_error (self->db) : NULL;

      g_warning ("Task history “%s”: %u records were not written before it was closed: %s",
                 self->path, self->n_abandoned, why != NULL ? why : "the disk did not keep up");
    }

  g_clear_pointer (&self->db, _tasker_history_db_close);

  g_mutex_lock (&self->lock);
  self->state = WRITER_EXITED;
  g_cond_broadcast (&self->done_cond);
  g_mutex_unlock (&self->lock);

  /* The writer's reference: the last one when free() left it behind. */
  _tasker_history_unref (self);
}

static gpointer
writer_thread_func (gpointer data)
{
  TaskerHistory *self = data;

  lower_priority ();
  writer_open (self);

  g_mutex_lock (&self->lock);
  for (;;)
    {
      WriterPass pass = { 0 };
      gboolean retry_wait;

      retry_wait = wait_for_work_locked (self);
      take_work_locked (self, retry_wait, &pass);
      g_mutex_unlock (&self->lock);

      cut_batch (self, &pass);
      run_test_func (self, &pass);
      return_batch (self, &pass, write_batch_step (self, &pass));
      answer_queries (self, &pass);
      maybe_run_retention (self, &pass);
      g_free (pass.disabled_reason);

      g_mutex_lock (&self->lock);
      if (self->state != WRITER_RUNNING && self->head == NULL && self->queries.length == 0)
        break;
    }
  g_mutex_unlock (&self->lock);

  writer_exit (self);

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
      self->state = WRITER_EXITED;
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
  Entry *entry;
  guint64 seq;
  gboolean wake = FALSE;
  gboolean warn = FALSE;

  g_return_if_fail (self != NULL);
  g_return_if_fail (TASKER_IS_TASK (task));

  if (g_atomic_int_get (&self->disabled))
    return;

  g_mutex_lock (&self->lock);
  if (g_atomic_int_get (&self->disabled) || self->state != WRITER_RUNNING)
    {
      g_mutex_unlock (&self->lock);
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

      if (warn)
        g_warning ("Task history “%s”: more than %u records wait for the disk; dropping records",
                   self->path, QUEUE_MAX);
      return;
    }

  if (self->spare == NULL)
    {
      /* Once per block at most: quick enough to hold the lock for. */
      self->spare = entry_block_new ();
      self->n_spare = ENTRY_BLOCK_SIZE;
    }
  entry = self->spare;
  self->spare = entry->next;
  self->n_spare--;
  /* In place, under the lock: a few copies, no copy of the whole entry. */
  entry_fill (entry, self, task, finished_time, parent_id, interrupted);
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
  if (self->state == WRITER_RUNNING)
    self->state = flushed ? WRITER_STOPPING : WRITER_ABANDONING;
  g_cond_signal (&self->work_cond);
  deadline = g_get_monotonic_time () + FREE_EXIT_TIMEOUT_US;
  while (self->state != WRITER_EXITED)
    {
      if (!g_cond_wait_until (&self->done_cond, &self->lock, deadline))
        break;
    }
  exited = self->state == WRITER_EXITED;
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
  while (!self->test_done && self->state != WRITER_EXITED)
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
  exited = self->state == WRITER_EXITED;
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
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->work_cond);
  g_cond_clear (&self->done_cond);
  g_free (self);
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
  if (self->state != WRITER_RUNNING)
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
  if (self->state != WRITER_RUNNING)
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
