/* test-delivery.c — coalesced updates, flush, tasks-updated, batch progress
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-util.h"

#include <string.h>

#include "tasker-task-private.h"

typedef struct
{
  TestGate gate;
  TestGate done_updating;
  guint    n_updates;
} Spammer;

static void
spam_func (TaskerContext *context,
           gpointer       data)
{
  Spammer *spammer = data;

  for (guint i = 0; i < spammer->n_updates; i++)
    tasker_context_set_progress (context, (double) i / spammer->n_updates);
  tasker_context_set_message (context, "last message");
  test_gate_open (&spammer->done_updating);
  test_gate_wait (&spammer->gate);
}

static gboolean
gate_is_open (gpointer data)
{
  TestGate *gate = data;
  gboolean open;

  g_mutex_lock (&gate->mutex);
  open = gate->open;
  g_mutex_unlock (&gate->mutex);

  return open;
}

static void
updates_are_coalesced (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  TaskerTask *tasks[4] = { NULL };
  Spammer spammers[4];
  const guint interval_ms = 200;
  guint64 wakeups_before;
  gint64 start;
  double elapsed_ms;
  guint64 wakeups;

  tasker_manager_set_update_interval (manager, interval_ms);
  g_assert_cmpuint (tasker_manager_get_update_interval (manager), ==, interval_ms);
  tasker_manager_set_max_threads (manager, 4);

  /* Let the submits and starts be delivered first. */
  for (guint i = 0; i < G_N_ELEMENTS (spammers); i++)
    {
      test_gate_init (&spammers[i].gate);
      test_gate_init (&spammers[i].done_updating);
      spammers[i].n_updates = g_getenv ("TASKER_UNDER_VALGRIND") ? 20000 : 1000000;
    }

  wakeups_before = _tasker_manager_get_n_wakeups (manager);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (spammers); i++)
    tasks[i] = tasker_manager_run_thread (manager, NULL, NULL, spam_func, &spammers[i], NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (spammers); i++)
    test_wait_for (tasker_manager_get_context (manager), gate_is_open, &spammers[i].done_updating);
  test_spin (tasker_manager_get_context (manager), interval_ms + 50);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000.0;
  wakeups = _tasker_manager_get_n_wakeups (manager) - wakeups_before;

  /* Four tasks, millions of updates: the submit wake-up, then at most one
   * per interval, however many tasks update. */
  g_test_message ("%" G_GUINT64_FORMAT " wake-ups in %.0f ms", wakeups, elapsed_ms);
  g_assert_cmpuint (wakeups, <=, 2 + (guint64) (elapsed_ms / interval_ms) + 1);

  /* The last update is delivered, not lost. */
  for (guint i = 0; i < G_N_ELEMENTS (spammers); i++)
    {
      g_assert_cmpfloat_with_epsilon (tasker_task_get_progress (tasks[i]),
                                      (spammers[i].n_updates - 1.0) / spammers[i].n_updates, 1e-12);
      g_assert_cmpstr (tasker_task_get_message (tasks[i]), ==, "last message");
      test_gate_open (&spammers[i].gate);
    }
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  for (guint i = 0; i < G_N_ELEMENTS (spammers); i++)
    {
      g_object_unref (tasks[i]);
      test_gate_clear (&spammers[i].gate);
      test_gate_clear (&spammers[i].done_updating);
    }
}

typedef struct
{
  TestGate flushed;
  TestGate release;
} Flusher;

static void
flush_func (TaskerContext *context,
            gpointer       data)
{
  Flusher *flusher = data;

  tasker_context_set_message (context, "now, please");
  tasker_context_flush (context);
  test_gate_open (&flusher->flushed);
  test_gate_wait (&flusher->release);
}

static gboolean
has_message (gpointer task)
{
  return tasker_task_get_message (task) != NULL;
}

static void
flush_delivers_now (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  Flusher flusher;
  gint64 start;

  test_gate_init (&flusher.flushed);
  test_gate_init (&flusher.release);
  /* Without a flush this would not arrive for a minute. */
  tasker_manager_set_update_interval (manager, 60000);
  task = tasker_manager_run_thread (manager, NULL, NULL, flush_func, &flusher, NULL, NULL);
  test_gate_wait (&flusher.flushed);
  start = g_get_monotonic_time ();
  test_wait_for (tasker_manager_get_context (manager), has_message, task);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 30 * G_USEC_PER_SEC);
  g_assert_cmpstr (tasker_task_get_message (task), ==, "now, please");

  test_gate_open (&flusher.release);
  tasker_manager_set_update_interval (manager, 16);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  test_gate_clear (&flusher.flushed);
  test_gate_clear (&flusher.release);
}

typedef struct
{
  gint64    last_time;
  gint64    min_gap;
  guint     n_emissions;
  guint     last_n_items;
  double    last_progress;
  GArray   *progress;       /* (element-type double) */
  gboolean  saw_final;
  gboolean  model_matches;
  TaskerManager *manager;
} Updates;

static void
tasks_updated_cb (TaskerManager *manager,
                  GListModel    *tasks,
                  double         progress,
                  Updates       *updates)
{
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GListModel) live = tasker_manager_list_tasks (manager);

  if (updates->n_emissions > 0)
    updates->min_gap = MIN (updates->min_gap, now - updates->last_time);
  updates->last_time = now;
  updates->n_emissions++;
  updates->last_n_items = g_list_model_get_n_items (tasks);
  updates->last_progress = progress;
  g_array_append_val (updates->progress, progress);
  updates->model_matches &= (tasks == live);
  g_assert_cmpfloat (progress, ==, tasker_manager_get_overall_progress (manager));

  /* Every item is an unfinished task. */
  for (guint i = 0; i < updates->last_n_items; i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (tasks, i);
      g_assert_false (tasker_task_is_final (task));
    }
}

typedef struct
{
  TestGate gate;
  double   progress;
} Holder;

static void
hold_func (TaskerContext *context,
           gpointer       data)
{
  Holder *holder = data;

  tasker_context_set_progress (context, holder->progress);
  tasker_context_flush (context);
  test_gate_wait (&holder->gate);
}

static gboolean
n_items_is (TaskerManager *manager,
            guint          n)
{
  g_autoptr(GListModel) live = tasker_manager_list_tasks (manager);

  return g_list_model_get_n_items (live) == n;
}

static gboolean
three_live (gpointer manager)
{
  return n_items_is (manager, 3);
}

static gboolean
progress_reached (gpointer data)
{
  Updates *updates = data;

  return updates->last_n_items == 2 &&
         G_APPROX_VALUE (updates->last_progress, (1.0 + 0.5 + 0.5) / 3.0, 1e-9);
}

static gboolean
two_thirds_or_more (gpointer data)
{
  Updates *updates = data;

  return updates->last_n_items == 2 && updates->last_progress > 0.5;
}

static void
tasks_updated_reports_live_tasks_and_batch_progress (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) quick = NULL;
  g_autoptr(TaskerTask) half_a = NULL;
  g_autoptr(TaskerTask) half_b = NULL;
  Holder quick_holder = { .progress = 0.0 };
  Holder a = { .progress = 0.5 };
  Holder b = { .progress = 0.5 };
  Updates updates = { .min_gap = G_MAXINT64, .model_matches = TRUE };
  const guint interval_ms = 100;

  updates.progress = g_array_new (FALSE, FALSE, sizeof (double));
  test_gate_init (&quick_holder.gate);
  test_gate_init (&a.gate);
  test_gate_init (&b.gate);

  /* Idle, never used: progress 1, settled. */
  g_assert_cmpfloat (tasker_manager_get_overall_progress (manager), ==, 1.0);
  g_assert_true (tasker_manager_wait_until_settled (manager, 0));

  tasker_manager_set_update_interval (manager, interval_ms);
  tasker_manager_set_max_threads (manager, 3);
  g_signal_connect (manager, "tasks-updated", G_CALLBACK (tasks_updated_cb), &updates);

  quick = tasker_manager_run_thread (manager, NULL, NULL, hold_func, &quick_holder, NULL, NULL);
  half_a = tasker_manager_run_thread (manager, NULL, NULL, hold_func, &a, NULL, NULL);
  half_b = tasker_manager_run_thread (manager, NULL, NULL, hold_func, &b, NULL, NULL);
  g_assert_false (tasker_manager_wait_until_settled (manager, 0));
  test_wait_for (tasker_manager_get_context (manager), three_live, manager);

  /* One ends: the batch is the mean of 1, 0.5 and 0.5 over the three seen. */
  test_gate_open (&quick_holder.gate);
  test_wait_for (tasker_manager_get_context (manager), two_thirds_or_more, &updates);
  test_wait_for (tasker_manager_get_context (manager), progress_reached, &updates);

  test_gate_open (&a.gate);
  test_gate_open (&b.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));

  /* The last emission of the batch: an empty list and exactly 1. */
  g_assert_cmpuint (updates.last_n_items, ==, 0);
  g_assert_cmpfloat (updates.last_progress, ==, 1.0);
  g_assert_cmpfloat (tasker_manager_get_overall_progress (manager), ==, 1.0);
  g_assert_true (updates.model_matches);
  /* At most once per interval (a little slack for timer rounding). */
  g_assert_cmpuint (updates.n_emissions, >=, 2);
  g_assert_cmpint (updates.min_gap, >=, (interval_ms - 5) * 1000);
  /* Batch progress never goes backwards within a batch here. */
  for (guint i = 1; i < updates.progress->len; i++)
    g_assert_cmpfloat (g_array_index (updates.progress, double, i), >=,
                       g_array_index (updates.progress, double, i - 1));

  g_array_unref (updates.progress);
  test_gate_clear (&quick_holder.gate);
  test_gate_clear (&a.gate);
  test_gate_clear (&b.gate);
}

static void
noop_func (TaskerContext *context,
           gpointer       data)
{
}

typedef struct
{
  guint n_done;
  guint n_done_at_final;   /* done functions that had run at the empty emission */
  guint n_final;
} Settle;

static void
settle_done_cb (TaskerTask *task,
                gpointer    data)
{
  ((Settle *) data)->n_done++;
}

static void
settle_updated_cb (TaskerManager *manager,
                   GListModel    *tasks,
                   double         progress,
                   Settle        *settle)
{
  if (g_list_model_get_n_items (tasks) == 0)
    {
      g_assert_cmpfloat (progress, ==, 1.0);
      settle->n_final++;
      settle->n_done_at_final = settle->n_done;
    }
}

static void
settled_means_everything_delivered (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  Settle settle = { 0 };
  const guint n = 200;

  tasker_task_options_set_done_func (options, settle_done_cb, &settle, NULL);
  g_signal_connect (manager, "tasks-updated", G_CALLBACK (settle_updated_cb), &settle);

  for (guint i = 0; i < n; i++)
    g_object_unref (tasker_manager_run_thread (manager, NULL, options, noop_func, NULL, NULL, NULL));

  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  /* Every done function ran before the batch's last, empty emission. */
  g_assert_cmpuint (settle.n_done, ==, n);
  g_assert_cmpuint (settle.n_final, ==, 1);
  g_assert_cmpuint (settle.n_done_at_final, ==, n);
  /* Settled stays settled, and checking with 0 does not wait. */
  g_assert_true (tasker_manager_wait_until_settled (manager, 0));
}

static void
wait_times_out (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  Holder holder = { .progress = 0.1 };
  gint64 start;

  test_gate_init (&holder.gate);
  task = tasker_manager_run_thread (manager, NULL, NULL, hold_func, &holder, NULL, NULL);
  g_assert_false (tasker_manager_wait_until_settled (manager, 0));
  start = g_get_monotonic_time ();
  g_assert_false (tasker_manager_wait_until_settled (manager, 100));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 90 * 1000);
  test_gate_open (&holder.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, -1));
  test_gate_clear (&holder.gate);
}

typedef struct
{
  TestGate started;
  TestGate release;
} Once;

static void
progress_once_func (TaskerContext *context,
                    gpointer       data)
{
  Once *once = data;

  tasker_context_set_progress (context, 0.3);
  test_gate_open (&once->started);
  test_gate_wait (&once->release);
}

/* Plays the store-buffering race: a value stored by the task's thread just
 * as the manager cleared the dirty mark and read the old value, so nothing
 * marks the task again. */
static void
store_behind_the_sync (GObject    *object,
                       GParamSpec *pspec,
                       gpointer    data)
{
  TaskerTask *task = TASKER_TASK (object);
  double late = 0.7;
  guint64 bits;

  if (tasker_task_get_progress (task) != 0.3)
    return;

  memcpy (&bits, &late, sizeof bits);
  __atomic_store_n (&task->shared_progress, bits, __ATOMIC_RELAXED);
}

static gboolean
progress_is_late_value (gpointer data)
{
  return tasker_task_get_progress (data) == 0.7;
}

/* A progress that misses its sync by a hair is still delivered, a dispatch
 * later, though the task says nothing more and does not end. */
static void
progress_stored_during_a_sync_is_not_lost (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTask) task = NULL;
  Once once;

  test_gate_init (&once.started);
  test_gate_init (&once.release);
  tasker_manager_set_update_interval (manager, 20);

  task = tasker_manager_run_thread (manager, NULL, NULL, progress_once_func, &once, NULL, NULL);
  g_signal_connect (task, "notify::progress", G_CALLBACK (store_behind_the_sync), NULL);
  test_gate_wait (&once.started);

  test_wait_for (tasker_manager_get_context (manager), progress_is_late_value, task);
  g_assert_cmpint (tasker_task_get_status (task), ==, TASKER_TASK_STATUS_RUNNING);

  test_gate_open (&once.release);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
  test_gate_clear (&once.started);
  test_gate_clear (&once.release);
}

typedef struct
{
  TaskerManager *manager;
  guint          n;            /* events to send */
  int            sent;         /* (atomic) send_event calls returned */
  guint          delivered;
  guint          out_of_order;
  guint          max_waiting;  /* most undelivered events seen at once */
  guint          at_done;      /* delivered when when_done ran */
  gboolean       done;
  guint          idle_runs;
  guint          delivered_at_idle; /* delivered when the idle source first ran */
  gboolean       idle_attached;
  gboolean       count_waiting;
} Flood;

static void
flood_func (TaskerContext *context,
            gpointer       data)
{
  Flood *flood = data;

  for (guint i = 0; i < flood->n; i++)
    {
      tasker_context_send_event (context, "n", g_variant_new_uint32 (i));
      g_atomic_int_inc (&flood->sent);
    }
}

static gboolean
idle_cb (gpointer data)
{
  Flood *flood = data;

  if (flood->idle_runs++ == 0)
    flood->delivered_at_idle = flood->delivered;

  return G_SOURCE_REMOVE;
}

static void
flood_event_cb (TaskerTask *task,
                const char *name,
                GVariant   *data,
                gpointer    user_data)
{
  Flood *flood = user_data;
  /* (A scan of the inbox: only where it is bounded.) */
  guint waiting = flood->count_waiting ? _tasker_manager_count_events (flood->manager, task) : 0;

  if (g_variant_get_uint32 (data) != flood->delivered)
    flood->out_of_order++;
  flood->delivered++;
  flood->max_waiting = MAX (flood->max_waiting, waiting);

  /* Well into the flood: an idle source of the program's must still get
   * its turn before the flood is over. */
  if (flood->delivered == 1000 && !flood->idle_attached)
    {
      GSource *idle = g_idle_source_new ();

      flood->idle_attached = TRUE;
      g_source_set_priority (idle, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (idle, idle_cb, flood, NULL);
      g_source_attach (idle, tasker_manager_get_context (flood->manager));
      g_source_unref (idle);
    }
}

static void
flood_done_cb (TaskerTask *task,
               gpointer    user_data)
{
  Flood *flood = user_data;

  flood->at_done = flood->delivered;
  flood->done = TRUE;
}

static gboolean
flood_is_done (gpointer data)
{
  return ((Flood *) data)->done;
}

/* A task sending events as fast as it can: at most TASKER_TASK_EVENTS_MAX
 * wait for delivery at any time (the sender waits), all arrive in order and
 * before when_done, and the flood does not keep an idle source of
 * G_PRIORITY_DEFAULT_IDLE from running (DESIGN.md §4 Bounds, Events). */
static void
event_flood_is_bounded_and_yields (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;
  Flood flood = { manager, 100000 };

  flood.count_waiting = TRUE;
  tasker_task_options_set_event_func (options, flood_event_cb, &flood, NULL);
  tasker_task_options_set_done_func (options, flood_done_cb, &flood, NULL);
  task = tasker_manager_run_thread (manager, NULL, options, flood_func, &flood, NULL, NULL);
  test_wait_for (tasker_manager_get_context (manager), flood_is_done, &flood);

  g_assert_cmpuint (flood.delivered, ==, flood.n);
  g_assert_cmpuint (flood.at_done, ==, flood.n);
  g_assert_cmpuint (flood.out_of_order, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&flood.sent), ==, flood.n);
  /* The one being delivered, and at most the bound behind it. */
  g_assert_cmpuint (flood.max_waiting, <=, TASKER_TASK_EVENTS_MAX + 1);
  g_assert_true (flood.idle_attached);
  g_assert_cmpuint (flood.idle_runs, ==, 1);
  g_assert_cmpuint (flood.delivered_at_idle, <, flood.n);
}

static void
flood_coroutine (TaskerContext *context,
                 gpointer       data)
{
  flood_func (context, data);
  tasker_context_return_value (context, NULL);
}

/* A coroutine on the manager's own thread cannot wait for room: its whole
 * flood is queued at once. Delivering it still leaves the main loop to
 * lower priorities within a frame's worth of work (the manager's source
 * yields), so the idle source runs long before the flood is over. */
static void
event_flood_on_the_main_thread_yields (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(TaskerTask) task = NULL;
  Flood flood = { manager, 100000 };

  tasker_task_options_set_event_func (options, flood_event_cb, &flood, NULL);
  tasker_task_options_set_done_func (options, flood_done_cb, &flood, NULL);
  task = tasker_manager_run_coroutine (manager, NULL, options, flood_coroutine, &flood, NULL, NULL);
  test_wait_for (tasker_manager_get_context (manager), flood_is_done, &flood);

  g_assert_cmpuint (flood.delivered, ==, flood.n);
  g_assert_cmpuint (flood.at_done, ==, flood.n);
  g_assert_cmpuint (flood.out_of_order, ==, 0);
  g_assert_true (flood.idle_attached);
  g_assert_cmpuint (flood.idle_runs, ==, 1);
  g_assert_cmpuint (flood.delivered_at_idle, <, flood.n);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tasker/Delivery/updates-coalesced", updates_are_coalesced);
  g_test_add_func ("/Tasker/Delivery/flush-delivers-now", flush_delivers_now);
  g_test_add_func ("/Tasker/Delivery/tasks-updated", tasks_updated_reports_live_tasks_and_batch_progress);
  g_test_add_func ("/Tasker/Delivery/settled-means-delivered", settled_means_everything_delivered);
  g_test_add_func ("/Tasker/Delivery/wait-times-out", wait_times_out);
  g_test_add_func ("/Tasker/Delivery/progress-stored-during-sync", progress_stored_during_a_sync_is_not_lost);
  g_test_add_func ("/Tasker/Delivery/event-flood-bounded-and-yields", event_flood_is_bounded_and_yields);
  g_test_add_func ("/Tasker/Delivery/event-flood-main-thread-yields", event_flood_on_the_main_thread_yields);

  return g_test_run ();
}
