/* tasker-soak.c — the soak test: a random mix of every kind of task for a while
 *
 * For --duration seconds it keeps up to --max-in-flight tasks submitted: thread,
 * process (including workers that crash or hang past a timeout), command
 * (sh -c with children, output, non-zero exits) and coroutine tasks (timers
 * and a GSubprocess wait), with random cancels, key replacement, timeouts,
 * retries, trees and the history on. The random choices come from --seed
 * (printed); the timing does not, so a seed reproduces the mix, not the run.
 *
 * It checks DESIGN.md §4 and stops at the first violation ("soak: FAIL: …",
 * exit status 1; --keep-going reports them all):
 *   - every task's when_done runs exactly once, on the manager's context,
 *     after its status is final; events never come after it;
 *   - a task nothing disturbed (no cancel, key, tree, nor the final shutdown)
 *     ends as its kind of work must (a crash FAILED, after every attempt …);
 *   - a thread or process task is never run again once an attempt returned
 *     well (100 ms) before its timeout fired (Completion wins);
 *   - nothing stuck: every few seconds submitting pauses until every task has
 *     ended (deadline) and every worker has gone idle and exited, and at the
 *     end shutdown(grace) then wait_until_settled() leave every task final;
 *   - at those quiet points, RSS (/proc/self/statm) and open fds
 *     (/proc/self/fd) are sampled; from the first third of the run on (15 s at
 *     least) they may grow by less than 10 %;
 *   - no child of ours stays a zombie (one seen twice 5 s apart), and no
 *     process carrying this run's SOAK_RUN_ID in its environment survives
 *     its task (checked at the quiet points and at the end);
 *   - the history (a temporary database) holds exactly one record per ended
 *     task, with its final status, when shutdown() returns for the tasks that
 *     ended before it was called, and at the end for all.
 *
 * The end varies with the seed (or --shutdown, --end): shutdown() is called
 * from the main thread, from another thread while the main one iterates, or
 * from another thread while the main one holds the context; with tasks in
 * flight, or once every task has ended.
 *
 * Nothing here sleeps to synchronise: it waits for conditions with deadlines
 * while iterating the main context. Tasks themselves sleep to stand for work.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <tasker.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#define EP(symbol) SOAK_ENTRY_POINTS ":" symbol
#define SOAK_ERROR (g_quark_from_static_string ("tasker-soak-error-quark"))

/* How long the checks wait for a condition before calling it a failure. */
#define DRAIN_DEADLINE_S     60
#define IDLE_DEADLINE_S      20
#define ZOMBIE_DEADLINE_S     5
#define ORPHAN_DEADLINE_S     5
#define SETTLE_DEADLINE_MS   (60 * 1000)
#define SHUTDOWN_GRACE_MS    2000
#define SHUTDOWN_DEADLINE_S  60
/* A thread task's cancel that came this long after its attempt returned was
 * not a race the attempt lost: the retry that followed broke Completion wins. */
#define RERUN_MARGIN_US      (100 * 1000)

#define N_KEYS 12
#define MAX_ATTEMPTS_SLOTS 4

typedef enum
{
  EXPECT_ANY,
  EXPECT_COMPLETED,
  EXPECT_FAILED,
} Expect;

typedef enum
{
  V_T_QUICK, V_T_WORK, V_T_FAIL, V_T_ONCE, V_T_TREE,
  V_P_QUICK, V_P_WORK, V_P_FAIL, V_P_SEGV, V_P_ABORT, V_P_HANG, V_P_ONCE, V_P_SPAWN_BG,
  V_C_ECHO, V_C_LINES, V_C_PROGRESS, V_C_EXIT3, V_C_CHILDREN, V_C_LONG_CHILDREN,
  V_C_IGNORE_TERM, V_C_ONCE, V_C_MISSING,
  V_R_TIMER, V_R_FAIL, V_R_SUBPROCESS, V_R_IMMEDIATE,
  N_VARIANTS
} VariantId;

typedef struct
{
  const char     *name;
  TaskerTaskKind  kind;
  guint           weight;
  Expect          expect;
  const char     *error_prefix;   /* (nullable) of an expected failure */
} Variant;

static const Variant variants[N_VARIANTS] = {
  [V_T_QUICK]         = { "thread-quick", TASKER_TASK_KIND_THREAD, 10, EXPECT_COMPLETED, NULL },
  [V_T_WORK]          = { "thread-work", TASKER_TASK_KIND_THREAD, 8, EXPECT_COMPLETED, NULL },
  [V_T_FAIL]          = { "thread-fail", TASKER_TASK_KIND_THREAD, 4, EXPECT_FAILED, "soak thread failure" },
  [V_T_ONCE]          = { "thread-near-timeout", TASKER_TASK_KIND_THREAD, 6, EXPECT_ANY, NULL },
  [V_T_TREE]          = { "thread-tree", TASKER_TASK_KIND_THREAD, 3, EXPECT_ANY, NULL },
  [V_P_QUICK]         = { "process-quick", TASKER_TASK_KIND_PROCESS, 8, EXPECT_COMPLETED, NULL },
  [V_P_WORK]          = { "process-work", TASKER_TASK_KIND_PROCESS, 6, EXPECT_COMPLETED, NULL },
  [V_P_FAIL]          = { "process-fail", TASKER_TASK_KIND_PROCESS, 3, EXPECT_FAILED, "soak failure 7" },
  [V_P_SEGV]          = { "process-segv", TASKER_TASK_KIND_PROCESS, 2, EXPECT_FAILED, "worker exited with signal 11" },
  [V_P_ABORT]         = { "process-abort", TASKER_TASK_KIND_PROCESS, 2, EXPECT_FAILED, "worker exited with signal 6" },
  [V_P_HANG]          = { "process-hang", TASKER_TASK_KIND_PROCESS, 2, EXPECT_FAILED, "timed out after" },
  [V_P_ONCE]          = { "process-near-timeout", TASKER_TASK_KIND_PROCESS, 3, EXPECT_ANY, NULL },
  [V_P_SPAWN_BG]      = { "process-spawn-bg", TASKER_TASK_KIND_PROCESS, 1, EXPECT_COMPLETED, NULL },
  [V_C_ECHO]          = { "command-echo", TASKER_TASK_KIND_COMMAND, 6, EXPECT_COMPLETED, NULL },
  [V_C_LINES]         = { "command-lines", TASKER_TASK_KIND_COMMAND, 4, EXPECT_COMPLETED, NULL },
  [V_C_PROGRESS]      = { "command-progress", TASKER_TASK_KIND_COMMAND, 3, EXPECT_COMPLETED, NULL },
  [V_C_EXIT3]         = { "command-exit3", TASKER_TASK_KIND_COMMAND, 3, EXPECT_FAILED, "command exited with status 3" },
  [V_C_CHILDREN]      = { "command-children", TASKER_TASK_KIND_COMMAND, 3, EXPECT_COMPLETED, NULL },
  [V_C_LONG_CHILDREN] = { "command-long-children", TASKER_TASK_KIND_COMMAND, 2, EXPECT_FAILED, "timed out after" },
  [V_C_IGNORE_TERM]   = { "command-ignore-term", TASKER_TASK_KIND_COMMAND, 1, EXPECT_FAILED, "timed out after" },
  [V_C_ONCE]          = { "command-near-timeout", TASKER_TASK_KIND_COMMAND, 2, EXPECT_ANY, NULL },
  [V_C_MISSING]       = { "command-missing", TASKER_TASK_KIND_COMMAND, 1, EXPECT_FAILED, NULL },
  [V_R_TIMER]         = { "coroutine-timer", TASKER_TASK_KIND_COROUTINE, 6, EXPECT_COMPLETED, NULL },
  [V_R_FAIL]          = { "coroutine-fail", TASKER_TASK_KIND_COROUTINE, 3, EXPECT_FAILED, "soak coroutine failure" },
  [V_R_SUBPROCESS]    = { "coroutine-subprocess", TASKER_TASK_KIND_COROUTINE, 4, EXPECT_COMPLETED, NULL },
  [V_R_IMMEDIATE]     = { "coroutine-immediate", TASKER_TASK_KIND_COROUTINE, 3, EXPECT_COMPLETED, NULL },
};

#define N_KINDS 4
static const char * const kind_names[N_KINDS] = { "thread", "process", "coroutine", "command" };
#define N_OUTCOMES 3
static const char * const outcome_names[N_OUTCOMES] = { "completed", "failed", "cancelled" };

/* A task in flight: what the checks need at its when_done. */
typedef struct
{
  TaskerTask *task;         /* (owned) */
  guint64     id;
  VariantId   variant;
  guint       max_attempts;
  guint       index;        /* in soak.in_flight */
  int         last_step;    /* the last "step" event's number, -1 before */
  gboolean    disturbed;    /* cancelled by us, keyed, in a tree, or shut down */
} TaskInfo;

/* One byte per task id, for the whole run. */
enum
{
  SEEN_SUBMITTED = 1 << 0,
  SEEN_DONE      = 1 << 1,
  /* bits 2..4: the status at when_done */
};
#define SEEN_STATUS(b) (((b) >> 2) & 7)

typedef enum
{
  SHUTDOWN_MAIN,            /* from the main thread, which owns the context */
  SHUTDOWN_THREAD,          /* from another thread while the main one iterates */
  SHUTDOWN_THREAD_BLOCKED,  /* from another thread while the main one holds the context */
  N_SHUTDOWN_MODES
} ShutdownMode;

static const char * const shutdown_names[N_SHUTDOWN_MODES] = { "main", "thread", "thread-blocked" };

typedef enum
{
  PHASE_RUN,
  PHASE_DRAIN,    /* no submits until every task ended */
  PHASE_IDLE,     /* waiting for the workers to exit */
  PHASE_END,
} Phase;

typedef struct
{
  gint64 when_us;       /* since the start */
  gint64 rss_kib;
  int    n_fds;
} Sample;

static struct
{
  /* options */
  guint32       seed;
  guint         duration_s;
  guint         max_in_flight;
  gboolean      keep_going;
  gboolean      verbose;
  ShutdownMode  shutdown_mode;
  gboolean      settle_first;  /* every task ends before shutdown() */
  gboolean      end_given;
  char        **skip;
  char        **inject;        /* faults of our own, to see each check fire */

  GRand        *rand;
  char         *run_id;
  char         *marker;        /* "SOAK_RUN_ID=<run_id>" */
  char         *tmpdir;
  char         *db_path;
  GMainContext *context;
  TaskerManager *manager;

  Phase         phase;
  gint64        start_us;
  gint64        end_us;
  gint64        phase_since_us;
  gint64        next_sample_us;
  gint64        sample_interval_us;
  gint64        next_zombie_check_us;

  GPtrArray    *in_flight;     /* (element-type TaskInfo) */
  GHashTable   *infos;         /* id → TaskInfo, unowned */
  GByteArray   *seen;          /* by task id */
  GHashTable   *zombies;       /* pid → first seen (µs) */

  GArray       *samples;       /* (element-type Sample) */
  guint         variant_weight_total;

  /* counts */
  guint64       n_submitted;
  guint64       n_done;
  guint64       n_refused_queue;
  guint64       n_refused_parent;
  guint64       n_refused_other;
  guint64       n_cancels;
  guint64       n_key_cancels;
  guint64       n_quiet_points;
  guint64       n_reruns_seen;  /* process/command attempts that found an earlier success */
  int           n_warnings;
  guint64       by_kind[N_KINDS][N_OUTCOMES];
  guint64       by_variant[N_VARIANTS][N_OUTCOMES];
  guint         n_violations;
  gint64        active_us;      /* time spent submitting (not draining) */
} soak;

static void finish_and_exit (int status) G_GNUC_NORETURN;

/* Violations ---------------------------------------------------------------- */

static void G_GNUC_PRINTF (1, 2)
violation (const char *format,
           ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  soak.n_violations++;
  printf ("soak: FAIL: %s\n", text);
  printf ("soak: reproduce with: tasker-soak --seed %u --duration %u --shutdown %s --end %s\n",
          soak.seed, soak.duration_s, shutdown_names[soak.shutdown_mode],
          soak.settle_first ? "settled" : "in-flight");
  fflush (stdout);
  if (!soak.keep_going)
    finish_and_exit (1);
}

static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  GLogWriterOutput out = g_log_writer_default (level, fields, n_fields, user_data);

  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL))
    g_atomic_int_inc (&soak.n_warnings);
  /* A critical is a bug in the library (or in this program). */
  if ((level & G_LOG_LEVEL_CRITICAL) && g_main_context_is_owner (soak.context))
    violation ("a critical warning was logged (above)");

  return out;
}

/* /proc ---------------------------------------------------------------------- */

static gint64
read_rss_kib (void)
{
  g_autofree char *text = NULL;
  long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &text, NULL, NULL) ||
      sscanf (text, "%ld %ld", &size, &resident) != 2)
    return -1;

  return (gint64) resident * (sysconf (_SC_PAGESIZE) / 1024);
}

static int
count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  int n = 0;

  if (dir == NULL)
    return -1;
  while (g_dir_read_name (dir) != NULL)
    n++;

  /* Less the directory's own. */
  return n - 1;
}

/* The pids of our children, from every thread's /proc/self/task/<tid>/children
 * (the process runner spawns from a thread of its own). */
static GArray *
list_children (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (int));
  const char *tid;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/children", tid);
      g_autofree char *text = NULL;
      g_auto(GStrv) parts = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      parts = g_strsplit_set (g_strstrip (text), " \n", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        if (*parts[i] != '\0')
          {
            int pid = atoi (parts[i]);

            g_array_append_val (pids, pid);
          }
    }

  return pids;
}

/* The state letter and parent of @pid from /proc/<pid>/stat, 0 if gone. */
static char
proc_state (int  pid,
            int *ppid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  const char *p;
  char state = 0;
  int parent = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  /* The command name may hold spaces and parentheses: skip to the last ')'. */
  p = strrchr (text, ')');
  if (p == NULL || sscanf (p + 1, " %c %d", &state, &parent) != 2)
    return 0;
  if (ppid != NULL)
    *ppid = parent;

  return state;
}

static char *
proc_describe (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", pid);
  g_autofree char *text = NULL;
  gsize len = 0;
  int ppid = 0;
  char state = proc_state (pid, &ppid);

  if (g_file_get_contents (path, &text, &len, NULL))
    for (gsize i = 0; i + 1 < len; i++)
      if (text[i] == '\0')
        text[i] = ' ';

  return g_strdup_printf ("pid %d (ppid %d, state %c): %s", pid, ppid, state ? state : '?',
                          text != NULL && *text != '\0' ? text : "?");
}

/* Every process but us whose environment carries this run's marker. A zombie
 * has no environment left, so it is not listed here (list_children is). */
static GArray *
list_marked (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (int));
  gsize marker_len = strlen (soak.marker);
  int self = getpid ();
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *env = NULL;
      gsize len = 0;
      int pid;

      if (!g_ascii_isdigit (*name))
        continue;
      pid = atoi (name);
      if (pid == self)
        continue;
      path = g_strdup_printf ("/proc/%d/environ", pid);
      if (!g_file_get_contents (path, &env, &len, NULL))
        continue;
      for (gsize at = 0; at < len; at += strlen (env + at) + 1)
        if (strncmp (env + at, soak.marker, marker_len) == 0 && env[at + marker_len] == '\0')
          {
            g_array_append_val (pids, pid);
            break;
          }
    }

  return pids;
}

static void
kill_marked (void)
{
  g_autoptr(GArray) pids = list_marked ();

  for (guint i = 0; i < pids->len; i++)
    kill (g_array_index (pids, int, i), SIGKILL);
}

/* Iterating without blocking for long: most conditions here change in other
 * threads or processes, which do not wake the context. */
static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
iterate_once (void)
{
  GSource *tick = g_timeout_source_new (10);

  g_source_set_callback (tick, tick_cb, NULL, NULL);
  g_source_attach (tick, soak.context);
  g_main_context_iteration (soak.context, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
}

static char *
describe_pids (GArray *pids)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < pids->len && i < 10; i++)
    {
      g_autofree char *one = proc_describe (g_array_index (pids, int, i));

      g_string_append_printf (text, "%s%s", i > 0 ? "; " : "", one);
    }
  if (pids->len > 10)
    g_string_append_printf (text, "; and %u more", pids->len - 10);

  return g_string_free (text, FALSE);
}

/* Marked processes that stay (iterating meanwhile, up to the deadline) are
 * orphans: their task is over. @allow_children: our own children (idle
 * workers) are not counted. */
static void
check_orphans (const char *when,
               gboolean    allow_children)
{
  gint64 deadline = g_get_monotonic_time () + ORPHAN_DEADLINE_S * G_USEC_PER_SEC;
  g_autoptr(GArray) left = NULL;

  for (;;)
    {
      g_autoptr(GArray) marked = list_marked ();
      int self = getpid ();

      g_clear_pointer (&left, g_array_unref);
      left = g_array_new (FALSE, FALSE, sizeof (int));
      for (guint i = 0; i < marked->len; i++)
        {
          int pid = g_array_index (marked, int, i);
          int ppid = 0;
          char state = proc_state (pid, &ppid);

          if (state == 0 || state == 'Z' || (allow_children && ppid == self))
            continue;
          g_array_append_val (left, pid);
        }
      if (left->len == 0 || g_get_monotonic_time () > deadline)
        break;
      iterate_once ();
    }

  if (left->len > 0)
    {
      g_autofree char *text = describe_pids (left);

      violation ("%u process(es) of this run outlived their task (%s, %d s later): %s",
                 left->len, when, ORPHAN_DEADLINE_S, text);
    }
}

/* A zombie child seen again ZOMBIE_DEADLINE_S later is not being reaped. */
static void
check_zombies (void)
{
  g_autoptr(GArray) children = list_children ();
  g_autoptr(GHashTable) now_zombies = g_hash_table_new (NULL, NULL);
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < children->len; i++)
    {
      int pid = g_array_index (children, int, i);

      if (proc_state (pid, NULL) != 'Z')
        continue;
      g_hash_table_add (now_zombies, GINT_TO_POINTER (pid));
      if (!g_hash_table_contains (soak.zombies, GINT_TO_POINTER (pid)))
        g_hash_table_insert (soak.zombies, GINT_TO_POINTER (pid), g_memdup2 (&now, sizeof now));
    }

  g_hash_table_iter_init (&iter, soak.zombies);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (!g_hash_table_contains (now_zombies, key))
        g_hash_table_iter_remove (&iter);
      else if (*(gint64 *) value != G_MAXINT64 &&
               now - *(gint64 *) value > ZOMBIE_DEADLINE_S * G_USEC_PER_SEC)
        {
          g_autofree char *text = proc_describe (GPOINTER_TO_INT (key));

          violation ("a child stayed a zombie for more than %d s: %s", ZOMBIE_DEADLINE_S, text);
          /* Reported once. */
          *(gint64 *) value = G_MAXINT64;
        }
    }
}

/* Bookkeeping --------------------------------------------------------------- */

static guint8 *
seen_byte (guint64 id)
{
  if (id >= soak.seen->len)
    {
      guint old = soak.seen->len;

      g_byte_array_set_size (soak.seen, MAX (id + 1, old * 2));
      memset (soak.seen->data + old, 0, soak.seen->len - old);
    }

  return &soak.seen->data[id];
}

static int
outcome_index (TaskerTaskStatus status)
{
  switch (status)
    {
    case TASKER_TASK_STATUS_COMPLETED: return 0;
    case TASKER_TASK_STATUS_FAILED: return 1;
    case TASKER_TASK_STATUS_CANCELLED: return 2;
    case TASKER_TASK_STATUS_PENDING:
    case TASKER_TASK_STATUS_RUNNING:
    default: return -1;
    }
}

static const char *
status_name (TaskerTaskStatus status)
{
  static const char * const names[] = { "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED" };

  return status < G_N_ELEMENTS (names) ? names[status] : "?";
}

static void
in_flight_remove (TaskInfo *info)
{
  guint last = soak.in_flight->len - 1;

  if (info->index != last)
    {
      TaskInfo *moved = g_ptr_array_index (soak.in_flight, last);

      soak.in_flight->pdata[info->index] = moved;
      moved->index = info->index;
    }
  g_ptr_array_set_size (soak.in_flight, last);
}

static void
check_outcome (TaskInfo   *info,
               TaskerTask *task)
{
  const Variant *v = &variants[info->variant];
  TaskerTaskStatus status = tasker_task_get_status (task);
  const GError *error = tasker_task_get_error (task);
  const char *message = error != NULL ? error->message : "";
  guint attempt = tasker_task_get_attempt (task);

  if (status == TASKER_TASK_STATUS_FAILED && strstr (message, "SOAK-RAN-AGAIN-EARLY") != NULL)
    violation ("task %" G_GUINT64_FORMAT " (%s) ran again after it completed: %s",
               info->id, v->name, message);
  else if (status == TASKER_TASK_STATUS_FAILED && strstr (message, "SOAK-RAN-AGAIN") != NULL)
    soak.n_reruns_seen++;
  if (info->variant == V_C_ONCE && status == TASKER_TASK_STATUS_FAILED &&
      strstr (message, "status 99") != NULL)
    soak.n_reruns_seen++;

  /* What a final status comes with (§4 Status, Cancellation). */
  if (status == TASKER_TASK_STATUS_COMPLETED &&
      (error != NULL || tasker_task_get_progress (task) != 1.0))
    violation ("task %" G_GUINT64_FORMAT " (%s) COMPLETED with progress %g and error “%s”",
               info->id, v->name, tasker_task_get_progress (task), message);
  else if (status == TASKER_TASK_STATUS_FAILED && error == NULL)
    violation ("task %" G_GUINT64_FORMAT " (%s) FAILED without an error", info->id, v->name);
  else if (status == TASKER_TASK_STATUS_CANCELLED &&
           !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    violation ("task %" G_GUINT64_FORMAT " (%s) CANCELLED with error “%s” (%s, %d), not G_IO_ERROR_CANCELLED",
               info->id, v->name, message, error != NULL ? g_quark_to_string (error->domain) : "none",
               error != NULL ? error->code : 0);

  /* Attempt 0: cancelled before it ever started. */
  if ((attempt == 0 && status != TASKER_TASK_STATUS_CANCELLED) || attempt > info->max_attempts)
    violation ("task %" G_GUINT64_FORMAT " (%s) ended at attempt %u of %u",
               info->id, v->name, attempt, info->max_attempts);

  if (info->disturbed || v->expect == EXPECT_ANY)
    return;

  if (v->expect == EXPECT_COMPLETED && status != TASKER_TASK_STATUS_COMPLETED)
    violation ("task %" G_GUINT64_FORMAT " (%s), neither cancelled nor timed, ended %s (attempt %u): %s",
               info->id, v->name, status_name (status), attempt, message);
  else if (v->expect == EXPECT_FAILED && status != TASKER_TASK_STATUS_FAILED)
    violation ("task %" G_GUINT64_FORMAT " (%s) should have failed, ended %s: %s",
               info->id, v->name, status_name (status), message);
  else if (v->expect == EXPECT_FAILED && v->error_prefix != NULL &&
           !g_str_has_prefix (message, v->error_prefix))
    violation ("task %" G_GUINT64_FORMAT " (%s) failed with “%s”, expected “%s…”",
               info->id, v->name, message, v->error_prefix);
  else if (v->expect == EXPECT_COMPLETED && attempt != 1)
    violation ("task %" G_GUINT64_FORMAT " (%s) completed at attempt %u: nothing failed before",
               info->id, v->name, attempt);
  else if (v->expect == EXPECT_FAILED && attempt != info->max_attempts)
    violation ("task %" G_GUINT64_FORMAT " (%s) failed at attempt %u of %u: every failure is retried",
               info->id, v->name, attempt, info->max_attempts);
}

static void
done_cb (TaskerTask *task,
         gpointer    user_data)
{
  guint64 id = tasker_task_get_id (task);
  guint8 *seen = seen_byte (id);
  TaskerTaskStatus status = tasker_task_get_status (task);
  TaskInfo *info;
  int outcome;

  if (!g_main_context_is_owner (soak.context))
    violation ("when_done of task %" G_GUINT64_FORMAT " ran outside the manager's context", id);
  if (!tasker_task_is_final (task) || outcome_index (status) < 0)
    violation ("when_done of task %" G_GUINT64_FORMAT " ran while it was %s", id, status_name (status));
  if (!(*seen & SEEN_SUBMITTED))
    violation ("when_done for task %" G_GUINT64_FORMAT ", which was never submitted", id);
  if (*seen & SEEN_DONE)
    {
      violation ("when_done of task %" G_GUINT64_FORMAT " ran a second time (first %s, now %s)",
                 id, status_name (SEEN_STATUS (*seen)), status_name (status));
      return;
    }
  *seen |= SEEN_DONE | (status << 2);
  soak.n_done++;

  info = g_hash_table_lookup (soak.infos, &id);
  if (info == NULL)
    return;
  if (soak.phase == PHASE_END)
    info->disturbed = TRUE;

  outcome = outcome_index (status);
  if (outcome >= 0)
    {
      soak.by_kind[variants[info->variant].kind][outcome]++;
      soak.by_variant[info->variant][outcome]++;
    }
  check_outcome (info, task);

  g_hash_table_remove (soak.infos, &id);
  in_flight_remove (info);
  g_object_unref (info->task);
  g_free (info);
}

static void
event_cb (TaskerTask *task,
          const char *name,
          GVariant   *data,
          gpointer    user_data)
{
  guint64 id = tasker_task_get_id (task);

  guint64 key = id;
  TaskInfo *info;

  if (*seen_byte (id) & SEEN_DONE)
    {
      violation ("event “%s” of task %" G_GUINT64_FORMAT " came after its when_done", name, id);
      return;
    }
  /* Each attempt sends step 0, 1, 2…: in order, none lost in between. */
  info = g_hash_table_lookup (soak.infos, &key);
  if (info != NULL && g_strcmp0 (name, "step") == 0 && data != NULL &&
      g_variant_is_of_type (data, G_VARIANT_TYPE ("(i)")))
    {
      int step;

      g_variant_get (data, "(i)", &step);
      if (step != 0 && step != info->last_step + 1)
        violation ("task %" G_GUINT64_FORMAT " (%s): event step %d came after step %d",
                   id, variants[info->variant].name, step, info->last_step);
      info->last_step = step;
    }
}

/* Thread tasks -------------------------------------------------------------- */

typedef struct
{
  guint ms;
  gboolean events;
} WorkArgs;

static gboolean
work_for (TaskerContext *context,
          guint          ms,
          gboolean       report)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
  guint step = 0;

  while (g_get_monotonic_time () < end)
    {
      if (tasker_context_is_cancelled (context))
        return FALSE;
      g_usleep (2000);
      if (report && (++step % 5) == 0)
        {
          tasker_context_set_progress (context, 1.0 - (double) (end - g_get_monotonic_time ()) / (ms * 1000.0));
          tasker_context_set_message (context, "working");
        }
    }

  return !tasker_context_is_cancelled (context);
}

static void
thread_quick (TaskerContext *context,
              gpointer       data)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 42);
  tasker_context_return_value (context, &value);
}

static void
thread_work (TaskerContext *context,
             gpointer       data)
{
  WorkArgs *args = data;
  g_autoptr(TaskerContext) sub = tasker_context_sub_context (context, 0.0, 0.5, 10);

  tasker_context_log (context, "thread work started");
  tasker_context_set_progress (sub, 3);
  if (args->events)
    for (int i = 0; i < 4; i++)
      tasker_context_send_event (context, "step", g_variant_new ("(i)", i));
  if (!work_for (context, args->ms, TRUE))
    {
      tasker_context_return_error_if_cancelled (context);
      return;
    }
  tasker_context_log (context, "thread work done");
}

static void
thread_fail (TaskerContext *context,
             gpointer       data)
{
  tasker_context_return_new_error (context, SOAK_ERROR, 3, "soak thread failure %d", 3);
}

/* thread-near-timeout: works for about its timeout and succeeds unless
 * cancelled. Each run watches its cancellable, so a later run can tell
 * whether the timeout that caused it fired after an attempt had returned. */
typedef struct Once Once;

typedef struct
{
  Once         *once;
  GCancellable *cancellable;   /* (owned) */
  gulong        handler;
  gint64        cancel_time;   /* under once->lock */
} OnceRun;

struct Once
{
  GMutex   lock;
  guint64  task_id;
  guint    ms;
  guint    runs;
  OnceRun  run[MAX_ATTEMPTS_SLOTS];
  OnceRun *succeeded;          /* the run that returned a result */
  gint64   return_time;
  char    *rerun;              /* what a later run found */
};

static void
once_cancelled_cb (GCancellable *cancellable,
                   gpointer      data)
{
  OnceRun *run = data;

  g_mutex_lock (&run->once->lock);
  if (run->cancel_time == 0)
    run->cancel_time = g_get_monotonic_time ();
  g_mutex_unlock (&run->once->lock);
}

static void
thread_once (TaskerContext *context,
             gpointer       data)
{
  Once *once = data;
  GCancellable *cancellable = tasker_context_get_cancellable (context);
  OnceRun *run;
  GValue value = G_VALUE_INIT;
  guint n;

  g_mutex_lock (&once->lock);
  n = once->runs++;
  g_mutex_unlock (&once->lock);

  run = &once->run[MIN (n, MAX_ATTEMPTS_SLOTS - 1)];
  if (run->cancellable == NULL && cancellable != NULL)
    {
      run->once = once;
      run->cancellable = g_object_ref (cancellable);
      /* (May call back at once, so not under the lock.) */
      run->handler = g_cancellable_connect (cancellable, G_CALLBACK (once_cancelled_cb), run, NULL);
    }

  g_mutex_lock (&once->lock);
  if (once->succeeded != NULL && once->rerun == NULL)
    {
      gint64 cancel_time = once->succeeded->cancel_time;

      if (cancel_time == 0)
        once->rerun = g_strdup_printf ("run %u started though run %u had returned its result and "
                                       "was never cancelled", n + 1, (guint) (once->succeeded - once->run) + 1);
      else if (cancel_time - once->return_time > RERUN_MARGIN_US)
        once->rerun = g_strdup_printf ("run %u started though run %u had returned its result %"
                                       G_GINT64_FORMAT " ms before its timeout (or cancel) fired",
                                       n + 1, (guint) (once->succeeded - once->run) + 1,
                                       (cancel_time - once->return_time) / 1000);
    }
  g_mutex_unlock (&once->lock);

  if (!work_for (context, once->ms, FALSE))
    {
      tasker_context_return_error_if_cancelled (context);
      return;
    }

  g_value_init (&value, G_TYPE_UINT);
  g_value_set_uint (&value, n + 1);
  tasker_context_return_value (context, &value);

  g_mutex_lock (&once->lock);
  once->succeeded = run;
  once->return_time = g_get_monotonic_time ();
  g_mutex_unlock (&once->lock);
}

/* Called on the manager's context once the task has ended. */
static void
once_free (gpointer data)
{
  Once *once = data;

  for (guint i = 0; i < MAX_ATTEMPTS_SLOTS; i++)
    if (once->run[i].cancellable != NULL)
      {
        g_cancellable_disconnect (once->run[i].cancellable, once->run[i].handler);
        g_object_unref (once->run[i].cancellable);
      }
  if (once->rerun != NULL)
    violation ("task %" G_GUINT64_FORMAT " (thread-near-timeout) ran again after it completed: %s",
               once->task_id, once->rerun);
  g_free (once->rerun);
  g_mutex_clear (&once->lock);
  g_free (once);
}

/* Coroutine tasks ----------------------------------------------------------- */

typedef struct
{
  TaskerContext *context;      /* (owned) */
  GCancellable  *cancellable;  /* (owned) */
  GSource       *timer;        /* (owned) (nullable) */
  GSource       *cancel_source; /* (owned) (nullable) */
  GSubprocess   *process;      /* (owned) (nullable) */
  gboolean       fail;
} Coro;

static void
coro_finish (Coro   *coro,
             GError *error)
{
  if (coro->timer != NULL)
    g_source_destroy (coro->timer);
  if (coro->cancel_source != NULL)
    g_source_destroy (coro->cancel_source);
  g_clear_pointer (&coro->timer, g_source_unref);
  g_clear_pointer (&coro->cancel_source, g_source_unref);

  if (error != NULL)
    tasker_context_return_error (coro->context, error);
  else
    {
      GValue value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_BOOLEAN);
      g_value_set_boolean (&value, TRUE);
      tasker_context_return_value (coro->context, &value);
    }

  g_clear_object (&coro->process);
  g_clear_object (&coro->cancellable);
  g_clear_object (&coro->context);
  g_free (coro);
}

static gboolean
coro_timer_cb (gpointer data)
{
  Coro *coro = data;

  if (coro->fail)
    coro_finish (coro, g_error_new (SOAK_ERROR, 5, "soak coroutine failure %d", 5));
  else
    coro_finish (coro, NULL);

  return G_SOURCE_REMOVE;
}

static gboolean
coro_cancelled_cb (GCancellable *cancellable,
                   gpointer      data)
{
  coro_finish (data, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled"));

  return G_SOURCE_REMOVE;
}

static void
coroutine_timer (TaskerContext *context,
                 gpointer       data)
{
  Coro *coro = g_new0 (Coro, 1);
  guint ms = GPOINTER_TO_UINT (data) & 0xffff;

  coro->context = g_object_ref (context);
  coro->cancellable = g_object_ref (tasker_context_get_cancellable (context));
  coro->fail = (GPOINTER_TO_UINT (data) & 0x10000) != 0;

  coro->timer = g_timeout_source_new (ms);
  g_source_set_callback (coro->timer, coro_timer_cb, coro, NULL);
  g_source_attach (coro->timer, g_main_context_get_thread_default ());
  coro->cancel_source = g_cancellable_source_new (coro->cancellable);
  g_source_set_callback (coro->cancel_source, G_SOURCE_FUNC (coro_cancelled_cb), coro, NULL);
  g_source_attach (coro->cancel_source, g_main_context_get_thread_default ());
}

static void
coro_wait_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  Coro *coro = data;
  GError *error = NULL;

  if (!g_subprocess_wait_check_finish (G_SUBPROCESS (object), result, &error))
    /* Cancelled: the child is ours to end (GLib reaps it). */
    g_subprocess_force_exit (G_SUBPROCESS (object));
  coro_finish (coro, error);
}

static void
coroutine_subprocess (TaskerContext *context,
                      gpointer       data)
{
  const char *argv[] = { "sleep", data, NULL };
  Coro *coro;
  GError *error = NULL;
  GSubprocess *process;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  if (process == NULL)
    {
      tasker_context_return_error (context, error);
      return;
    }
  coro = g_new0 (Coro, 1);
  coro->context = g_object_ref (context);
  coro->process = process;
  g_subprocess_wait_check_async (process, tasker_context_get_cancellable (context), coro_wait_cb, coro);
}

static void
coroutine_immediate (TaskerContext *context,
                     gpointer       data)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_static_string (&value, "at once");
  tasker_context_return_value (context, &value);
}

/* Submitting ---------------------------------------------------------------- */

static guint
rand_range (guint lo,
            guint hi)
{
  return (guint) g_rand_int_range (soak.rand, (gint32) lo, (gint32) hi + 1);
}

static gboolean
chance (double p)
{
  return g_rand_double (soak.rand) < p;
}

static gboolean
variant_skipped (VariantId id)
{
  for (guint i = 0; soak.skip != NULL && soak.skip[i] != NULL; i++)
    if (g_str_has_prefix (variants[id].name, soak.skip[i]))
      return TRUE;

  return FALSE;
}

static VariantId
pick_variant (gboolean allow_tree)
{
  for (;;)
    {
      guint r = rand_range (0, soak.variant_weight_total - 1);
      VariantId id;

      for (id = 0; id < N_VARIANTS; id++)
        {
          if (r < variants[id].weight)
            break;
          r -= variants[id].weight;
        }
      if (id < N_VARIANTS && !variant_skipped (id) && (allow_tree || id != V_T_TREE))
        return id;
    }
}

static char *
once_path (void)
{
  static guint n;

  return g_strdup_printf ("%s/once-%u", soak.tmpdir, ++n);
}

static TaskerTask *
submit (VariantId  id,
        TaskerTask *parent,
        gboolean   *disturbed,
        guint      *max_attempts,
        GError    **error)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autofree char *key = NULL;
  g_autofree char *name = g_strdup_printf ("soak %s", variants[id].name);
  TaskerManager *m = soak.manager;
  guint attempts = 1;

  tasker_task_options_set_name (options, name);
  tasker_task_options_set_done_func (options, done_cb, NULL, NULL);
  tasker_task_options_set_event_func (options, event_cb, NULL, NULL);
  if (parent != NULL)
    {
      tasker_task_options_set_parent (options, parent);
      *disturbed = TRUE;
    }
  else if (id != V_T_TREE && chance (0.2))
    {
      /* Another task may take this key and cancel this one. */
      key = g_strdup_printf ("k%u", rand_range (0, N_KEYS - 1));
      *disturbed = TRUE;
    }

  if (id == V_T_QUICK || id == V_T_WORK || id == V_T_FAIL ||
      id == V_R_TIMER || id == V_R_FAIL || id == V_R_IMMEDIATE)
    {
      if (chance (0.2))
        {
          tasker_task_options_set_queue (options, "soak-q");
          tasker_task_options_set_priority (options, (int) rand_range (0, 20) - 10);
        }
    }
  else if (id == V_P_HANG || id == V_C_LONG_CHILDREN || id == V_C_IGNORE_TERM)
    tasker_task_options_set_timeout_ms (options, rand_range (200, 800));
  if (variants[id].kind == TASKER_TASK_KIND_COMMAND)
    tasker_task_options_set_queue (options, "soak-cmd");

  /* Retries: failures are tried again; a few successes carry a retry policy too. */
  if ((variants[id].expect == EXPECT_FAILED && chance (0.4)) ||
      (variants[id].expect == EXPECT_COMPLETED && chance (0.1)))
    attempts = rand_range (2, 3);
  if (id == V_T_ONCE || id == V_P_ONCE || id == V_C_ONCE)
    attempts = rand_range (2, 3);
  if (variants[id].expect == EXPECT_FAILED && id == V_P_HANG)
    attempts = MIN (attempts, 2);
  if (attempts > 1)
    tasker_task_options_set_retry (options, attempts, rand_range (5, 40), 2.0, 200, 0.2);
  *max_attempts = attempts;

  switch (id)
    {
    case V_T_QUICK:
      return tasker_manager_run_thread (m, key, options, thread_quick, NULL, NULL, error);
    case V_T_WORK:
    case V_T_TREE:
      {
        WorkArgs *args = g_new0 (WorkArgs, 1);

        args->ms = id == V_T_TREE ? rand_range (20, 300) : rand_range (5, 250);
        args->events = chance (0.5);
        return tasker_manager_run_thread (m, key, options, thread_work, args, g_free, error);
      }
    case V_T_FAIL:
      return tasker_manager_run_thread (m, key, options, thread_fail, NULL, NULL, error);
    case V_T_ONCE:
      {
        Once *once = g_new0 (Once, 1);
        guint timeout = rand_range (100, 300);
        TaskerTask *task;

        g_mutex_init (&once->lock);
        once->ms = timeout - MIN (timeout, rand_range (0, 150));
        tasker_task_options_set_timeout_ms (options, timeout);
        task = tasker_manager_run_thread (m, key, options, thread_once, once, once_free, error);
        if (task != NULL)
          once->task_id = tasker_task_get_id (task);
        return task;
      }

    case V_P_QUICK:
      return tasker_manager_run_process (m, key, options, EP ("soak_quick"), NULL, error);
    case V_P_WORK:
      return tasker_manager_run_process (m, key, options, EP ("soak_work"),
                                         g_variant_new ("(u)", rand_range (5, 300)), error);
    case V_P_FAIL:
      return tasker_manager_run_process (m, key, options, EP ("soak_fail"), NULL, error);
    case V_P_SEGV:
      return tasker_manager_run_process (m, key, options, EP ("soak_segv"), NULL, error);
    case V_P_ABORT:
      return tasker_manager_run_process (m, key, options, EP ("soak_abort"), NULL, error);
    case V_P_HANG:
      return tasker_manager_run_process (m, key, options, EP ("soak_hang"), NULL, error);
    case V_P_ONCE:
      {
        g_autofree char *path = once_path ();
        guint timeout = rand_range (100, 300);

        /* Some return well before the deadline: those must never run again. */
        tasker_task_options_set_timeout_ms (options, timeout);
        return tasker_manager_run_process (m, key, options, EP ("soak_once"),
                                           g_variant_new ("(suu)", path,
                                                          timeout - MIN (timeout, rand_range (0, 150)),
                                                          timeout),
                                           error);
      }
    case V_P_SPAWN_BG:
      return tasker_manager_run_process (m, key, options, EP ("soak_spawn_bg"), NULL, error);

    case V_C_ECHO:
      {
        const char *argv[] = { "sh", "-c", "echo out; echo err >&2; echo \"$SOAK_VAR\"", NULL };
        g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "SOAK_VAR", "set", TRUE);

        return tasker_manager_run_command (m, key, options, argv, soak.tmpdir,
                                           (const char * const *) envp, error);
      }
    case V_C_LINES:
      {
        const char *argv[] = { "sh", "-c",
                               "i=0; while [ $i -lt 200 ]; do echo \"line $i of some output\"; "
                               "printf 'crlf %d\\r\\n' $i >&2; i=$((i+1)); done", NULL };

        return tasker_manager_run_command (m, key, options, argv, NULL, NULL, error);
      }
    case V_C_PROGRESS:
      {
        const char *argv[] = { "sh", "-c",
                               "echo 'TASKER-PROGRESS 0.25 a quarter'; printf '50%%\\r60%%\\r'; "
                               "echo 'TASKER-PROGRESS 90% nearly'", NULL };

        return tasker_manager_run_command (m, key, options, argv, NULL, NULL, error);
      }
    case V_C_EXIT3:
      {
        const char *argv[] = { "sh", "-c", "echo bye; exit 3", NULL };

        return tasker_manager_run_command (m, key, options, argv, NULL, NULL, error);
      }
    case V_C_CHILDREN:
      {
        const char *argv[] = { "sh", "-c", "sleep 0.1 & sleep 0.2 & (sleep 0.15; echo sub) & wait", NULL };

        return tasker_manager_run_command (m, key, options, argv, NULL, NULL, error);
      }
    case V_C_LONG_CHILDREN:
      {
        const char *argv[] = { "sh", "-c", "sleep 30 & sleep 31 & echo started; wait", NULL };

        return tasker_manager_run_command (m, key, options, argv, NULL, NULL, error);
      }
    case V_C_IGNORE_TERM:
      {
        const char *argv[] = { "sh", "-c", "(trap '' TERM; exec sleep 32) & wait", NULL };

        return tasker_manager_run_command (m, key, options, argv, NULL, NULL, error);
      }
    case V_C_ONCE:
      {
        g_autofree char *path = once_path ();
        guint timeout = rand_range (150, 350);
        g_autofree char *script =
          g_strdup_printf ("if [ -e \"$1\" ]; then echo SOAK-RAN-AGAIN; exit 99; fi; "
                           "sleep %.3f; : > \"$1\"",
                           (timeout - MIN (timeout, rand_range (0, 40))) / 1000.0);
        const char *argv[] = { "sh", "-c", script, "soak", path, NULL };

        tasker_task_options_set_timeout_ms (options, timeout);
        return tasker_manager_run_command (m, key, options, argv, NULL, NULL, error);
      }
    case V_C_MISSING:
      {
        const char *argv[] = { "/nonexistent/tasker-soak-program", NULL };

        return tasker_manager_run_command (m, key, options, argv, NULL, NULL, error);
      }

    case V_R_TIMER:
      return tasker_manager_run_coroutine (m, key, options, coroutine_timer,
                                           GUINT_TO_POINTER (rand_range (1, 200)), NULL, error);
    case V_R_FAIL:
      return tasker_manager_run_coroutine (m, key, options, coroutine_timer,
                                           GUINT_TO_POINTER (rand_range (1, 100) | 0x10000), NULL, error);
    case V_R_SUBPROCESS:
      {
        static const char * const durations[] = { "0", "0.02", "0.05", "0.1", "0.3" };

        return tasker_manager_run_coroutine (m, key, options, coroutine_subprocess,
                                             (gpointer) durations[rand_range (0, G_N_ELEMENTS (durations) - 1)],
                                             NULL, error);
      }
    case V_R_IMMEDIATE:
      return tasker_manager_run_coroutine (m, key, options, coroutine_immediate, NULL, NULL, error);

    case N_VARIANTS:
    default:
      g_assert_not_reached ();
    }
}

static TaskerTask *
submit_tracked (VariantId   id,
                TaskerTask *parent)
{
  g_autoptr(GError) error = NULL;
  gboolean disturbed = FALSE;
  guint max_attempts = 1;
  TaskerTask *task;
  TaskInfo *info;

  task = submit (id, parent, &disturbed, &max_attempts, &error);
  if (task == NULL)
    {
      if (g_error_matches (error, TASKER_ERROR, TASKER_ERROR_QUEUE_FULL))
        soak.n_refused_queue++;
      else if (parent != NULL && g_error_matches (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT))
        soak.n_refused_parent++;
      else
        {
          soak.n_refused_other++;
          violation ("submitting a %s task was refused: %s", variants[id].name,
                     error != NULL ? error->message : "(no error)");
        }
      return NULL;
    }

  info = g_new0 (TaskInfo, 1);
  info->task = task;
  info->id = tasker_task_get_id (task);
  info->variant = id;
  info->max_attempts = max_attempts;
  info->disturbed = disturbed;
  info->index = soak.in_flight->len;
  info->last_step = -1;
  g_ptr_array_add (soak.in_flight, info);
  g_hash_table_insert (soak.infos, &info->id, info);

  if (*seen_byte (info->id) & SEEN_SUBMITTED)
    violation ("task id %" G_GUINT64_FORMAT " was given twice", info->id);
  *seen_byte (info->id) |= SEEN_SUBMITTED;
  soak.n_submitted++;

  return task;
}

static void
submit_some (void)
{
  for (guint i = 0; i < 8 && soak.in_flight->len < soak.max_in_flight; i++)
    {
      VariantId id = pick_variant (TRUE);
      TaskerTask *parent = submit_tracked (id, NULL);

      if (parent != NULL && id == V_T_TREE)
        {
          guint n = rand_range (1, 4);

          if (chance (0.5))
            {
              /* A tree two deep: the first child is a parent too. */
              TaskerTask *child = submit_tracked (V_T_TREE, parent);

              if (child != NULL)
                submit_tracked (pick_variant (FALSE), child);
            }
          for (guint c = 0; c < n; c++)
            submit_tracked (pick_variant (FALSE), parent);
        }
    }
}

static void
cancel_some (void)
{
  if (soak.in_flight->len > 0 && chance (0.3))
    {
      TaskInfo *info = g_ptr_array_index (soak.in_flight, rand_range (0, soak.in_flight->len - 1));

      info->disturbed = TRUE;
      tasker_task_cancel (info->task);
      soak.n_cancels++;
    }
  if (chance (0.05))
    {
      g_autofree char *key = g_strdup_printf ("k%u", rand_range (0, N_KEYS - 1));

      if (tasker_manager_cancel_task (soak.manager, key))
        soak.n_key_cancels++;
    }
}

/* Tree members count as disturbed through their parent: a child's own
 * cancel cancels nothing else, but a parent's cancel reaches every child. */

/* Quiet points -------------------------------------------------------------- */

/* --inject: a fault of this program's own at each quiet point, to show the
 * check that must catch it does. */
static gboolean
injecting (const char *what)
{
  return soak.inject != NULL && g_strv_contains ((const char * const *) soak.inject, what);
}

static void
inject_faults (void)
{
  if (injecting ("fd"))
    {
      /* Leaked on purpose. */
      int fd = g_open ("/dev/null", O_RDONLY, 0);

      (void) fd;
    }
  if (injecting ("rss"))
    {
      gsize size = 4 * 1024 * 1024;
      char *leak = g_malloc (size);

      memset (leak, 1, size);
    }
  if (injecting ("zombie"))
    {
      /* A child nobody reaps. */
      pid_t pid = fork ();

      if (pid == 0)
        _exit (0);
    }
  if (injecting ("orphan"))
    {
      const char *argv[] = { "sleep", "34", NULL };

      /* Double fork: reparented at once, and it carries our marker. */
      g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL);
    }
}

static void
take_sample (void)
{
  Sample s;

  s.when_us = g_get_monotonic_time () - soak.start_us;
  s.rss_kib = read_rss_kib ();
  s.n_fds = count_fds ();
  g_array_append_val (soak.samples, s);
  if (soak.verbose)
    printf ("soak: %5.1f s  sample: rss %" G_GINT64_FORMAT " KiB, %d fds, %" G_GUINT64_FORMAT
            " tasks ended\n", s.when_us / 1e6, s.rss_kib, s.n_fds, soak.n_done);
}

static char *
describe_in_flight (void)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < soak.in_flight->len && i < 10; i++)
    {
      TaskInfo *info = g_ptr_array_index (soak.in_flight, i);
      g_autofree char *message = tasker_task_dup_message (info->task);

      g_string_append_printf (text, "%s%" G_GUINT64_FORMAT " %s %s attempt %u “%s”",
                              i > 0 ? "; " : "", info->id, variants[info->variant].name,
                              status_name (tasker_task_get_status (info->task)),
                              tasker_task_get_attempt (info->task), message ? message : "");
    }
  if (soak.in_flight->len > 10)
    g_string_append_printf (text, "; and %u more", soak.in_flight->len - 10);

  return g_string_free (text, FALSE);
}

static gboolean
main_tick_cb (gpointer data)
{
  gint64 now = g_get_monotonic_time ();

  if (now >= soak.next_zombie_check_us)
    {
      check_zombies ();
      soak.next_zombie_check_us = now + 2 * G_USEC_PER_SEC;
    }

  switch (soak.phase)
    {
    case PHASE_RUN:
      if (now >= soak.end_us)
        {
          soak.active_us += now - soak.phase_since_us;
          soak.phase = PHASE_END;
          return G_SOURCE_REMOVE;
        }
      /* No quiet point just before the end: the shutdown is to meet tasks
       * in flight. */
      if (now >= soak.next_sample_us && soak.end_us - now > soak.sample_interval_us / 2)
        {
          soak.active_us += now - soak.phase_since_us;
          soak.phase = PHASE_DRAIN;
          soak.phase_since_us = now;
          break;
        }
      submit_some ();
      cancel_some ();
      break;

    case PHASE_DRAIN:
      if (soak.in_flight->len == 0)
        {
          soak.phase = PHASE_IDLE;
          soak.phase_since_us = now;
        }
      else if (now - soak.phase_since_us > DRAIN_DEADLINE_S * G_USEC_PER_SEC)
        {
          g_autofree char *text = describe_in_flight ();

          violation ("stuck: %u task(s) still unfinished %d s after submitting paused: %s",
                     soak.in_flight->len, DRAIN_DEADLINE_S, text);
          /* (With --keep-going) on to the shutdown, which must end them. */
          soak.phase = PHASE_END;
          return G_SOURCE_REMOVE;
        }
      break;

    case PHASE_IDLE:
      {
        /* Every worker exits after its idle timeout; then the process is as
         * quiet as it gets, and comparable from one sample to the next. */
        g_autoptr(GArray) children = list_children ();

        if (children->len > 0 && now - soak.phase_since_us <= IDLE_DEADLINE_S * G_USEC_PER_SEC)
          break;
        if (children->len > 0)
          {
            g_autofree char *text = describe_pids (children);

            violation ("%u child process(es) still there %d s after every task ended "
                       "(worker-idle-timeout is 1 s): %s", children->len, IDLE_DEADLINE_S, text);
          }
        check_orphans ("at a quiet point", FALSE);
        take_sample ();
        inject_faults ();
        soak.n_quiet_points++;
        soak.phase = PHASE_RUN;
        soak.phase_since_us = g_get_monotonic_time ();
        soak.next_sample_us = soak.phase_since_us + soak.sample_interval_us;
      }
      break;

    case PHASE_END:
    default:
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

/* The growth of RSS and fds from the first sample at or after a third of
 * the run (the warm-up) to the last one. */
static void
check_growth (void)
{
  /* (At least 15 s: the first seconds fill the pools, caches and arenas.) */
  gint64 warm_us = MAX ((gint64) soak.duration_s * G_USEC_PER_SEC / 3, 15 * G_USEC_PER_SEC);
  Sample *first = NULL, *last = NULL;

  for (guint i = 0; i < soak.samples->len; i++)
    {
      Sample *s = &g_array_index (soak.samples, Sample, i);

      if (s->when_us >= warm_us && first == NULL)
        first = s;
      last = s;
    }

  if (first == NULL || first == last)
    {
      printf ("soak: note: too few samples after warm-up to judge RSS and fd growth\n");
      return;
    }

#ifdef __SANITIZE_ADDRESS__
  /* ASan's quarantine holds freed memory (256 MiB by default): RSS grows. */
  printf ("soak: note: built with AddressSanitizer: RSS growth is not checked\n");
#else
  if (last->rss_kib * 10 >= first->rss_kib * 11)
    violation ("RSS grew by %.1f %% after warm-up: %" G_GINT64_FORMAT " KiB at %.0f s, %"
               G_GINT64_FORMAT " KiB at %.0f s (limit 10 %%)",
               100.0 * (last->rss_kib - first->rss_kib) / first->rss_kib,
               first->rss_kib, first->when_us / 1e6, last->rss_kib, last->when_us / 1e6);
#endif
  if (last->n_fds * 10 >= first->n_fds * 11)
    violation ("open fds grew by %.1f %% after warm-up: %d at %.0f s, %d at %.0f s (limit 10 %%)",
               100.0 * (last->n_fds - first->n_fds) / first->n_fds,
               first->n_fds, first->when_us / 1e6, last->n_fds, last->when_us / 1e6);
}

/* History ------------------------------------------------------------------- */

/* Compares the database with the tasks whose when_done ran: each of @ids
 * (a copy of soak.seen, or soak.seen itself) that is SEEN_DONE must have
 * exactly one record with its status; with @exact, no other record. */
static void
check_history (GByteArray *ids,
               gboolean    exact,
               const char *when)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GByteArray) counts = g_byte_array_new ();
  guint64 n_missing = 0, n_dup = 0, n_unknown = 0, n_status = 0, n_rows = 0;
  guint64 first_missing = 0, first_dup = 0, first_unknown = 0, first_status = 0;
  int rc;

  g_byte_array_set_size (counts, soak.seen->len);
  memset (counts->data, 0, counts->len);

  rc = sqlite3_open_v2 (soak.db_path, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, 10000);
      rc = sqlite3_prepare_v2 (db, "SELECT task_id, status, interrupted FROM tasks", -1, &stmt, NULL);
    }
  if (rc != SQLITE_OK)
    {
      violation ("cannot read the history %s (%s): %s", soak.db_path, when,
                 db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint64 id = (guint64) sqlite3_column_int64 (stmt, 0);
      int status = sqlite3_column_int (stmt, 1);

      n_rows++;
      if (id == 0 || id >= soak.seen->len || !(soak.seen->data[id] & SEEN_SUBMITTED))
        {
          if (n_unknown++ == 0)
            first_unknown = id;
          continue;
        }
      if (counts->data[id] < 255)
        counts->data[id]++;
      if (counts->data[id] == 2 && n_dup++ == 0)
        first_dup = id;
      if ((soak.seen->data[id] & SEEN_DONE) && SEEN_STATUS (soak.seen->data[id]) != status &&
          n_status++ == 0)
        first_status = id;
    }
  if (rc != SQLITE_DONE)
    violation ("reading the history failed (%s): %s", when, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  for (guint64 id = 1; id < ids->len; id++)
    if ((ids->data[id] & SEEN_DONE) && counts->data[id] == 0 && n_missing++ == 0)
      first_missing = id;

  if (soak.verbose)
    printf ("soak: history %s: %" G_GUINT64_FORMAT " records\n", when, n_rows);
  if (n_missing > 0)
    violation ("history %s: %" G_GUINT64_FORMAT " ended task(s) have no record (the first: task %"
               G_GUINT64_FORMAT ", %s); %" G_GUINT64_FORMAT " records in all", when, n_missing,
               first_missing, status_name (SEEN_STATUS (soak.seen->data[first_missing])), n_rows);
  if (n_dup > 0)
    violation ("history %s: %" G_GUINT64_FORMAT " task(s) have more than one record (the first: task %"
               G_GUINT64_FORMAT ")", when, n_dup, first_dup);
  if (exact && n_unknown > 0)
    violation ("history %s: %" G_GUINT64_FORMAT " record(s) of tasks never submitted (the first: id %"
               G_GUINT64_FORMAT ")", when, n_unknown, first_unknown);
  if (n_status > 0)
    violation ("history %s: %" G_GUINT64_FORMAT " record(s) with another status than the task's "
               "(the first: task %" G_GUINT64_FORMAT ")", when, n_status, first_status);
}

/* The end ------------------------------------------------------------------- */

typedef struct
{
  GMutex lock;
  GCond  cond;
  gboolean returned;
} ShutdownCall;

static gpointer
shutdown_thread_func (gpointer data)
{
  ShutdownCall *call = data;

  tasker_manager_shutdown (soak.manager, SHUTDOWN_GRACE_MS);
  g_mutex_lock (&call->lock);
  call->returned = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);

  return NULL;
}

static void
shut_down (void)
{
  ShutdownCall call = { 0 };
  GThread *thread;
  gint64 deadline = g_get_monotonic_time () + SHUTDOWN_DEADLINE_S * G_USEC_PER_SEC;
  gboolean returned;

  if (soak.shutdown_mode == SHUTDOWN_MAIN)
    {
      tasker_manager_shutdown (soak.manager, SHUTDOWN_GRACE_MS);
      return;
    }

  g_mutex_init (&call.lock);
  g_cond_init (&call.cond);
  if (soak.shutdown_mode == SHUTDOWN_THREAD_BLOCKED)
    {
      /* Held, so no one iterates it until the shutdown returns. */
      if (!g_main_context_acquire (soak.context))
        g_error ("cannot acquire the main context");
      thread = g_thread_new ("soak-shutdown", shutdown_thread_func, &call);
      g_mutex_lock (&call.lock);
      while (!call.returned)
        if (!g_cond_wait_until (&call.cond, &call.lock, deadline))
          break;
      returned = call.returned;
      g_mutex_unlock (&call.lock);
      g_main_context_release (soak.context);
    }
  else
    {
      thread = g_thread_new ("soak-shutdown", shutdown_thread_func, &call);
      for (;;)
        {
          g_mutex_lock (&call.lock);
          returned = call.returned;
          g_mutex_unlock (&call.lock);
          if (returned || g_get_monotonic_time () > deadline)
            break;
          iterate_once ();
        }
    }

  if (!returned)
    {
      violation ("shutdown(%d) from another thread (%s) did not return within %d s",
                 SHUTDOWN_GRACE_MS, shutdown_names[soak.shutdown_mode], SHUTDOWN_DEADLINE_S);
      /* It may still use @call: never returns from here. */
      finish_and_exit (1);
    }
  g_thread_join (thread);
  g_mutex_clear (&call.lock);
  g_cond_clear (&call.cond);
}

static void
remove_tmpdir (void)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (soak.tmpdir == NULL)
    return;
  dir = g_dir_open (soak.tmpdir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (soak.tmpdir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (soak.tmpdir);
}

static void
print_summary (gboolean pass)
{
  double active_s = MAX (soak.active_us, 1) / 1e6;
  GString *line = g_string_new (NULL);

  for (guint v = 0; soak.verbose && v < N_VARIANTS; v++)
    printf ("soak:   %-22s completed %-6" G_GUINT64_FORMAT " failed %-6" G_GUINT64_FORMAT
            " cancelled %" G_GUINT64_FORMAT "\n", variants[v].name, soak.by_variant[v][0],
            soak.by_variant[v][1], soak.by_variant[v][2]);

  g_string_append_printf (line, "soak: seed %u, %u s, shutdown %s: %" G_GUINT64_FORMAT " submitted, %"
                          G_GUINT64_FORMAT " ended, %.1f tasks/s;", soak.seed, soak.duration_s,
                          shutdown_names[soak.shutdown_mode], soak.n_submitted, soak.n_done,
                          soak.n_done / active_s);
  for (guint k = 0; k < N_KINDS; k++)
    {
      g_string_append_printf (line, " %s", kind_names[k]);
      for (guint o = 0; o < N_OUTCOMES; o++)
        g_string_append_printf (line, "%s%s %" G_GUINT64_FORMAT, o == 0 ? " " : "/",
                                outcome_names[o], soak.by_kind[k][o]);
      g_string_append_c (line, ';');
    }
  g_string_append_printf (line, " refused: queue full %" G_GUINT64_FORMAT ", parent final %"
                          G_GUINT64_FORMAT "; cancels %" G_GUINT64_FORMAT " by task, %"
                          G_GUINT64_FORMAT " by key; %" G_GUINT64_FORMAT " quiet points; %d warnings; re-runs of process/command attempts after "
                          "a success %" G_GUINT64_FORMAT " (timing-dependent, not a check)",
                          soak.n_refused_queue, soak.n_refused_parent, soak.n_cancels,
                          soak.n_key_cancels, soak.n_quiet_points, soak.n_warnings, soak.n_reruns_seen);
  printf ("%s\n", line->str);
  g_string_free (line, TRUE);

  line = g_string_new ("soak: samples (s: RSS KiB/fds):");
  for (guint i = 0; i < soak.samples->len; i++)
    {
      Sample *s = &g_array_index (soak.samples, Sample, i);

      g_string_append_printf (line, " %.0f: %" G_GINT64_FORMAT "/%d", s->when_us / 1e6, s->rss_kib, s->n_fds);
    }
  printf ("%s\n", line->str);
  g_string_free (line, TRUE);

  if (pass)
    printf ("soak: PASS\n");
  else
    printf ("soak: FAIL: %u violation(s)\n", soak.n_violations);
  fflush (stdout);
}

/* On a failure: leaves nothing behind and exits without tearing the manager
 * down (its threads may be in any state). */
static void
finish_and_exit (int status)
{
  static gboolean exiting;

  if (!exiting)
    {
      exiting = TRUE;
      print_summary (FALSE);
    }
  kill_marked ();
  remove_tmpdir ();
  fflush (stdout);
  fflush (stderr);
  _exit (status);
}

/* Stopped from outside (meson's timeout, Ctrl-C): leave nothing behind. */
static gboolean
signal_cb (gpointer data)
{
  soak.n_violations++;
  printf ("soak: FAIL: stopped by signal %d\n", GPOINTER_TO_INT (data));
  finish_and_exit (1);

  return G_SOURCE_REMOVE;
}

static gboolean
parse_end (const char  *option,
           const char  *value,
           gpointer     data,
           GError     **error)
{
  if (g_strcmp0 (value, "settled") == 0 || g_strcmp0 (value, "in-flight") == 0)
    {
      soak.settle_first = g_strcmp0 (value, "settled") == 0;
      soak.end_given = TRUE;
      return TRUE;
    }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--end: settled or in-flight");

  return FALSE;
}

static gboolean
parse_shutdown_mode (const char  *option,
                     const char  *value,
                     gpointer     data,
                     GError     **error)
{
  for (guint i = 0; i < N_SHUTDOWN_MODES; i++)
    if (g_strcmp0 (value, shutdown_names[i]) == 0)
      {
        soak.shutdown_mode = i;
        return TRUE;
      }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--shutdown: one of main, thread, thread-blocked");

  return FALSE;
}

int
main (int    argc,
      char **argv)
{
  gint64 seed = -1;
  int duration = -1;
  int max_in_flight = 200;
  gboolean shutdown_given = FALSE;
  g_autofree char *skip = NULL;
  g_autofree char *inject = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GByteArray) ended_before_shutdown = NULL;
  g_autoptr(GArray) children = NULL;
  GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the random choices (default: random)", "N" },
    { "duration", 0, 0, G_OPTION_ARG_INT, &duration,
      "Seconds of submitting (default: $SOAK_SECONDS, else 60)", "S" },
    { "max-in-flight", 0, 0, G_OPTION_ARG_INT, &max_in_flight, "Tasks in flight at most (200)", "N" },
    { "shutdown", 0, 0, G_OPTION_ARG_CALLBACK, parse_shutdown_mode,
      "How to shut down: main, thread or thread-blocked (default: from the seed)", "MODE" },
    { "end", 0, 0, G_OPTION_ARG_CALLBACK, parse_end,
      "Shut down with tasks in flight, or once every task has ended: in-flight or settled "
      "(default: from the seed)", "HOW" },
    { "skip", 0, 0, G_OPTION_ARG_STRING, &skip,
      "Comma-separated kinds of work not to submit (prefixes of their names, e.g. command-ignore,process-spawn)", "LIST" },
    { "inject", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &inject,
      "Faults of its own at each quiet point, to see the checks fire: fd,rss,zombie,orphan", "LIST" },
    { "keep-going", 'k', 0, G_OPTION_ARG_NONE, &soak.keep_going, "Report every violation, not only the first", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &soak.verbose, "Print each sample and a line per kind of work", NULL },
    { NULL }
  };

  /* Each line as it comes, also into a pipe or a file (meson, CI logs). */
  setvbuf (stdout, NULL, _IOLBF, 0);

  soak.shutdown_mode = N_SHUTDOWN_MODES;
  options = g_option_context_new ("— soak test of libtasker");
  g_option_context_add_main_entries (options, entries, NULL);

  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      fprintf (stderr, "tasker-soak: %s\n", error->message);
      return 2;
    }
  shutdown_given = soak.shutdown_mode != N_SHUTDOWN_MODES;
  if (duration < 0)
    duration = g_getenv ("SOAK_SECONDS") != NULL ? atoi (g_getenv ("SOAK_SECONDS")) : 60;
  soak.duration_s = MAX (duration, 1);
  soak.max_in_flight = MAX (max_in_flight, 1);
  soak.seed = seed >= 0 ? (guint32) seed : g_random_int ();
  soak.rand = g_rand_new_with_seed (soak.seed);
  if (!shutdown_given)
    soak.shutdown_mode = soak.seed % N_SHUTDOWN_MODES;
  if (!soak.end_given)
    soak.settle_first = (soak.seed / N_SHUTDOWN_MODES) % 2 == 0;
  if (skip != NULL)
    soak.skip = g_strsplit (skip, ",", -1);
  if (inject != NULL)
    soak.inject = g_strsplit (inject, ",", -1);
  for (guint i = 0; i < N_VARIANTS; i++)
    soak.variant_weight_total += variants[i].weight;

  g_log_set_writer_func (log_writer, NULL, NULL);

  /* Every process of this run carries the marker: workers, commands and
   * what they start inherit it. */
  soak.run_id = g_uuid_string_random ();
  soak.marker = g_strdup_printf ("SOAK_RUN_ID=%s", soak.run_id);
  g_setenv ("SOAK_RUN_ID", soak.run_id, TRUE);

  soak.tmpdir = g_dir_make_tmp ("tasker-soak-XXXXXX", &error);
  if (soak.tmpdir == NULL)
    g_error ("temporary directory: %s", error->message);
  soak.db_path = g_build_filename (soak.tmpdir, "history.db", NULL);

  soak.in_flight = g_ptr_array_new ();
  soak.infos = g_hash_table_new (g_int64_hash, g_int64_equal);
  soak.seen = g_byte_array_new ();
  g_byte_array_set_size (soak.seen, 4096);
  memset (soak.seen->data, 0, soak.seen->len);
  soak.zombies = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  soak.samples = g_array_new (FALSE, FALSE, sizeof (Sample));

  printf ("soak: seed %u, %u s, up to %u in flight, shutdown from %s with tasks %s, run id %s\n",
          soak.seed, soak.duration_s, soak.max_in_flight, shutdown_names[soak.shutdown_mode],
          soak.settle_first ? "settled" : "in flight", soak.run_id);
  printf ("soak: reproduce with: tasker-soak --seed %u --duration %u\n", soak.seed, soak.duration_s);
  fflush (stdout);

  soak.context = g_main_context_default ();
  g_unix_signal_add (SIGTERM, signal_cb, GINT_TO_POINTER (SIGTERM));
  g_unix_signal_add (SIGINT, signal_cb, GINT_TO_POINTER (SIGINT));
  soak.manager = tasker_manager_new (soak.context);
  tasker_manager_set_max_threads (soak.manager, 4);
  tasker_manager_set_max_workers (soak.manager, 3);
  tasker_manager_set_cancel_grace (soak.manager, 300);
  tasker_manager_set_worker_max_tasks (soak.manager, 25);
  tasker_manager_set_worker_idle_timeout (soak.manager, 1000);
  tasker_manager_configure_queue (soak.manager, "soak-q", 2, 30);
  tasker_manager_configure_queue (soak.manager, "soak-cmd", 6, 0);
  g_object_set (soak.manager, "history-max-count", 0, NULL);
  tasker_manager_set_history_path (soak.manager, soak.db_path);

  soak.start_us = g_get_monotonic_time ();
  soak.phase_since_us = soak.start_us;
  soak.end_us = soak.start_us + (gint64) soak.duration_s * G_USEC_PER_SEC;
  soak.sample_interval_us = CLAMP ((gint64) soak.duration_s * G_USEC_PER_SEC / 12,
                                   2 * G_USEC_PER_SEC, 30 * G_USEC_PER_SEC);
  soak.next_sample_us = soak.start_us + soak.sample_interval_us;

  {
    GSource *tick = g_timeout_source_new (5);

    g_source_set_callback (tick, main_tick_cb, NULL, NULL);
    g_source_attach (tick, soak.context);
    g_source_unref (tick);
  }
  while (soak.phase != PHASE_END)
    g_main_context_iteration (soak.context, TRUE);

  check_growth ();

  /* The tasks that ended before shutdown() was called must be on disk when
   * it returns (DESIGN.md §4 "Durability"). */
  ended_before_shutdown = g_byte_array_sized_new (soak.seen->len);
  g_byte_array_append (ended_before_shutdown, soak.seen->data, soak.seen->len);
  for (guint i = 0; i < soak.in_flight->len; i++)
    ((TaskInfo *) g_ptr_array_index (soak.in_flight, i))->disturbed = TRUE;
  if (soak.settle_first)
    {
      /* shutdown() then has nothing to end: it returns at once, and what
       * ended just before must be on disk all the same. */
      if (!tasker_manager_wait_until_settled (soak.manager, SETTLE_DEADLINE_MS))
        {
          g_autofree char *text = describe_in_flight ();

          violation ("stuck: wait_until_settled() before shutdown() did not return TRUE within %d ms; "
                     "unfinished: %s", SETTLE_DEADLINE_MS, text);
        }
      g_byte_array_set_size (ended_before_shutdown, 0);
      g_byte_array_append (ended_before_shutdown, soak.seen->data, soak.seen->len);
    }
  if (soak.verbose)
    printf ("soak: shutting down with %u task(s) in flight\n", soak.in_flight->len);

  shut_down ();
  check_history (ended_before_shutdown, FALSE, "when shutdown() returned");
  if (soak.shutdown_mode == SHUTDOWN_MAIN)
    /* It ran the when_done of the tasks it ended itself too. */
    check_history (soak.seen, FALSE, "when shutdown() returned, tasks it ended");

  if (!tasker_manager_wait_until_settled (soak.manager, SETTLE_DEADLINE_MS))
    {
      g_autofree char *text = describe_in_flight ();

      violation ("wait_until_settled() after shutdown() did not return TRUE within %d ms; "
                 "unfinished: %s", SETTLE_DEADLINE_MS, text);
    }
  if (soak.in_flight->len > 0)
    {
      g_autofree char *text = describe_in_flight ();

      violation ("stuck: %u task(s) without when_done after shutdown() and settling: %s",
                 soak.in_flight->len, text);
    }
  for (guint64 id = 1; id < soak.seen->len; id++)
    if ((soak.seen->data[id] & SEEN_SUBMITTED) && !(soak.seen->data[id] & SEEN_DONE))
      violation ("task %" G_GUINT64_FORMAT " never had its when_done", id);

  g_clear_object (&soak.manager);

  /* Nothing left: no child (reaped), no process of this run anywhere. */
  {
    gint64 deadline = g_get_monotonic_time () + ZOMBIE_DEADLINE_S * G_USEC_PER_SEC;

    for (;;)
      {
        g_clear_pointer (&children, g_array_unref);
        children = list_children ();
        if (children->len == 0 || g_get_monotonic_time () > deadline)
          break;
        iterate_once ();
      }
    if (children->len > 0)
      {
        g_autofree char *text = describe_pids (children);

        violation ("%u child process(es) left after shutdown() and the manager's end: %s",
                   children->len, text);
      }
  }
  check_orphans ("after shutdown()", FALSE);
  check_history (soak.seen, TRUE, "at the end");

  print_summary (soak.n_violations == 0);
  kill_marked ();
  remove_tmpdir ();

  return soak.n_violations == 0 ? 0 : 1;
}
