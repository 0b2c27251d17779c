/* test-threads.c — the thread contract
 *
 * Every callback, signal handler and property notification runs on the
 * thread that runs the manager's context, never inline inside a submit call;
 * thread functions run on pool threads, at most max-threads at once; every
 * public method may be called from any thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "tasker-test.h"

#define TEST_ERROR (g_quark_from_static_string ("tasker-test-error-quark"))

/* Counts every callback the manager makes, and the ones that broke the
 * contract. Touched from any thread. */
typedef struct
{
  GThread *owner;
  int      n_tasks_updated;   /* (atomic) */
  int      n_task_started;    /* (atomic) */
  int      n_task_finished;   /* (atomic) */
  int      n_notify;          /* (atomic) */
  int      n_items_changed;   /* (atomic) */
  int      n_coroutine_calls; /* (atomic) */
  int      n_wrong_thread;    /* (atomic) */
  int      n_inline;          /* (atomic) */
} Watcher;

static void
watch_check (Watcher *w)
{
  if (g_thread_self () != w->owner)
    g_atomic_int_inc (&w->n_wrong_thread);
  if (test_in_submit ())
    g_atomic_int_inc (&w->n_inline);
}

static void
watch_tasks_updated_cb (TaskerManager *manager,
                        GListModel    *tasks,
                        double         progress,
                        gpointer       data)
{
  Watcher *w = data;

  watch_check (w);
  g_atomic_int_inc (&w->n_tasks_updated);
}

static void
watch_task_started_cb (TaskerManager *manager,
                       TaskerTask    *task,
                       gpointer       data)
{
  Watcher *w = data;

  watch_check (w);
  g_atomic_int_inc (&w->n_task_started);
}

static void
watch_task_finished_cb (TaskerManager *manager,
                        TaskerTask    *task,
                        gpointer       data)
{
  Watcher *w = data;

  watch_check (w);
  g_atomic_int_inc (&w->n_task_finished);
}

static void
watch_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    data)
{
  Watcher *w = data;

  watch_check (w);
  g_atomic_int_inc (&w->n_notify);
}

static void
watch_items_changed_cb (GListModel *model,
                        guint       position,
                        guint       removed,
                        guint       added,
                        gpointer    data)
{
  Watcher *w = data;

  watch_check (w);
  g_atomic_int_inc (&w->n_items_changed);
}

static void
watch_manager (Watcher       *w,
               TaskerManager *manager,
               GListModel    *list)
{
  g_signal_connect (manager, "tasks-updated", G_CALLBACK (watch_tasks_updated_cb), w);
  g_signal_connect (manager, "task-started", G_CALLBACK (watch_task_started_cb), w);
  g_signal_connect (manager, "task-finished", G_CALLBACK (watch_task_finished_cb), w);
  g_signal_connect (list, "items-changed", G_CALLBACK (watch_items_changed_cb), w);
}

static void
unwatch_manager (Watcher       *w,
                 TaskerManager *manager,
                 GListModel    *list)
{
  g_signal_handlers_disconnect_by_data (manager, w);
  g_signal_handlers_disconnect_by_data (list, w);
}

/* The work, submitted from whichever thread calls run_workload(). */
typedef struct
{
  Watcher           *watcher;
  TaskerManager     *manager;
  TaskerTaskOptions *options;
  GPtrArray         *tasks;       /* (element-type TaskerTask) */
  TestGate           gate;        /* thread tasks wait here */
  TestGate           arrivals;    /* coroutines arrive here */
  GMainContext      *iterate;     /* (nullable): the context to run while waiting, if ours */
  gboolean           exact;       /* submits and cancels cannot race with the context */
} Workload;

static void
busy_thread_cb (TaskerContext *context,
                gpointer       data)
{
  Workload *load = data;
  GValue value = G_VALUE_INIT;

  tasker_context_set_progress (context, 0.5);
  tasker_context_set_message (context, "busy");
  tasker_context_send_event (context, "busy", g_variant_new_int32 (1));
  tasker_context_log (context, "busy");
  tasker_context_flush (context);

  test_gate_wait (&load->gate, tasker_context_get_cancellable (context));

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 1);
  tasker_context_return_value (context, &value);
  g_value_unset (&value);
}

static void
failing_thread_cb (TaskerContext *context,
                   gpointer       data)
{
  tasker_context_send_event (context, "failing", NULL);
  tasker_context_return_new_error (context, TEST_ERROR, 1, "failed");
}

static gpointer
return_later_thread (gpointer data)
{
  g_autoptr(TaskerContext) context = data;

  tasker_context_set_message (context, "returned from a thread");
  tasker_context_send_event (context, "from-thread", NULL);
  tasker_context_return_pointer (context, NULL, NULL);

  return NULL;
}

static void
coroutine_cb (TaskerContext *context,
              gpointer       data)
{
  Workload *load = data;

  watch_check (load->watcher);
  g_atomic_int_inc (&load->watcher->n_coroutine_calls);
  tasker_context_set_progress (context, 0.25);
  g_thread_unref (g_thread_new ("return-later", return_later_thread, g_object_ref (context)));
  test_gate_arrive (&load->arrivals);
}

static gboolean
coroutine_poll_cancelled_cb (gpointer data)
{
  if (!tasker_context_is_cancelled (data))
    return G_SOURCE_CONTINUE;

  tasker_context_return_error_if_cancelled (data);
  return G_SOURCE_REMOVE;
}

static void
coroutine_until_cancelled_cb (TaskerContext *context,
                              gpointer       data)
{
  Workload *load = data;
  /* Polled, not a GCancellableSource: GLib 2.74 sometimes never frees one
   * that another thread cancels while its own context dispatches it (the
   * source resurrects itself for a handler that has already run). */
  GSource *source = g_timeout_source_new (1);

  watch_check (load->watcher);
  g_atomic_int_inc (&load->watcher->n_coroutine_calls);
  g_source_set_callback (source, coroutine_poll_cancelled_cb, g_object_ref (context), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  test_gate_arrive (&load->arrivals);
}

static TaskerTask *
submit (Workload         *load,
        gboolean          coroutine,
        const char       *key,
        TaskerThreadFunc  func)
{
  TaskerTask *task;

  if (coroutine)
    task = test_add_coroutine (load->manager, key, load->options, func, load);
  else
    task = test_run_thread (load->manager, key, load->options, func, load);

  /* Connected after the submit returned: nothing may have been notified yet
   * on this thread, and what comes later must come on the owner. */
  g_signal_connect (task, "notify", G_CALLBACK (watch_notify_cb), load->watcher);
  g_ptr_array_add (load->tasks, task);

  return task;
}

static void
workload_init (Workload          *load,
               Watcher           *watcher,
               TaskerManager     *manager,
               TaskerTaskOptions *options,
               GMainContext      *iterate)
{
  load->iterate = iterate;
  load->exact = iterate != NULL;
  load->watcher = watcher;
  load->manager = manager;
  load->options = options;
  load->tasks = g_ptr_array_new_with_free_func (g_object_unref);
  test_gate_init (&load->gate);
  test_gate_init (&load->arrivals);
}

static void
workload_clear (Workload *load)
{
  for (guint i = 0; i < load->tasks->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (load->tasks, i), load->watcher);
  g_ptr_array_unref (load->tasks);
  test_gate_clear (&load->gate);
  test_gate_clear (&load->arrivals);
}

/* Blocks only on gates, never on the manager's context, so it may run on
 * any thread. */
static void
run_workload (Workload *load)
{
  TaskerTask *cancelled_running;
  TaskerTask *task;

  tasker_manager_set_max_threads (load->manager, 2);

  submit (load, FALSE, "busy", busy_thread_cb);
  cancelled_running = submit (load, FALSE, NULL, busy_thread_cb);
  test_gate_block_until_waiting (&load->gate, 2);

  /* The pool is busy: these wait. */
  submit (load, FALSE, NULL, failing_thread_cb);
  task = submit (load, FALSE, NULL, busy_thread_cb);
  tasker_task_cancel (task);
  /* Replaces the first one, by key. */
  submit (load, FALSE, "busy", busy_thread_cb);

  submit (load, TRUE, NULL, coroutine_cb);
  submit (load, TRUE, "coroutine", coroutine_until_cancelled_cb);
  task = submit (load, TRUE, NULL, coroutine_cb);
  tasker_task_cancel (task);
  if (load->iterate != NULL)
    TEST_WAIT_UNTIL (load->iterate, test_gate_get_arrived (&load->arrivals) >= 2);
  else
    test_gate_block_until_arrived (&load->arrivals, 2);

  tasker_task_cancel (cancelled_running);
  g_assert_true (tasker_manager_cancel_task (load->manager, "coroutine"));
  test_gate_open (&load->gate);
}

static void
assert_workload_outcome (Workload *load,
                         guint     n_other_tasks)
{
  Watcher *w = load->watcher;

  for (guint i = 0; i < load->tasks->len; i++)
    g_assert_true (tasker_task_is_final (g_ptr_array_index (load->tasks, i)));

  g_assert_cmpint (g_atomic_int_get (&w->n_wrong_thread), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&w->n_inline), ==, 0);

  /* Every kind of callback was made, so the checks above mean something. */
  g_assert_cmpint (g_atomic_int_get (&w->n_tasks_updated), >, 0);
  g_assert_cmpint (g_atomic_int_get (&w->n_task_started), >, 0);
  g_assert_cmpint (g_atomic_int_get (&w->n_task_finished), ==, load->tasks->len + n_other_tasks);
  g_assert_cmpint (g_atomic_int_get (&w->n_notify), >, 0);
  g_assert_cmpint (g_atomic_int_get (&w->n_items_changed), >, 0);
  /* The third coroutine was cancelled before it could start, unless the
   * owner thread got to it between the submit and the cancel. */
  if (load->exact)
    g_assert_cmpint (g_atomic_int_get (&w->n_coroutine_calls), ==, 2);
  else
    g_assert_cmpint (g_atomic_int_get (&w->n_coroutine_calls), >=, 2);
}

/* A manager on GLib's default context, driven by this (the main) thread. */
static void
test_contract_default_context (void)
{
  TaskerManager *manager = tasker_manager_get_default ();
  g_autoptr(GListModel) list = tasker_manager_list_tasks (manager);
  guint max_threads = tasker_manager_get_max_threads (manager);
  Watcher w = { g_thread_self (), 0, };
  TestRecorder rec;
  g_autoptr(TaskerTaskOptions) options = NULL;
  Workload load;

  g_assert_true (tasker_manager_get_context (manager) == g_main_context_default ());
  g_assert_true (g_main_context_get_thread_default () == NULL);

  test_recorder_init (&rec, g_thread_self ());
  options = test_recorder_options (&rec);
  watch_manager (&w, manager, list);
  workload_init (&load, &w, manager, options, g_main_context_default ());

  run_workload (&load);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

  assert_workload_outcome (&load, 0);
  test_recorder_assert_ok (&rec);
  g_assert_cmpuint (test_recorder_n_done (&rec), ==, load.tasks->len);

  unwatch_manager (&w, manager, list);
  workload_clear (&load);
  tasker_manager_set_max_threads (manager, max_threads);
  test_recorder_clear (&rec);
}

/* A manager on a private context run by a thread of its own. */
typedef struct
{
  GMainContext  *context;
  GMainLoop     *loop;
  TaskerManager *manager;
  Watcher       *watcher;
  TestRecorder  *rec;
  GMutex         lock;
  GCond          cond;
  gboolean       ready;
  gboolean       own_submits_done;
  GPtrArray     *own_tasks;
} ContextThread;

static void
own_thread_cb (TaskerContext *context,
               gpointer       data)
{
}

static void
own_coroutine_cb (TaskerContext *context,
                  gpointer       data)
{
  ContextThread *ct = data;

  watch_check (ct->watcher);
  tasker_context_return_pointer (context, NULL, NULL);
}

/* Submits from the owner thread itself, inside a callback of its context. */
static gboolean
submit_from_owner_cb (gpointer data)
{
  ContextThread *ct = data;
  g_autoptr(TaskerTaskOptions) options = test_recorder_options (ct->rec);

  for (guint i = 0; i < 10; i++)
    {
      TaskerTask *task;

      if (i % 2 == 0)
        task = test_run_thread (ct->manager, "own", options, own_thread_cb, ct);
      else
        task = test_add_coroutine (ct->manager, NULL, options, own_coroutine_cb, ct);
      g_signal_connect (task, "notify", G_CALLBACK (watch_notify_cb), ct->watcher);
      g_ptr_array_add (ct->own_tasks, task);
    }

  g_mutex_lock (&ct->lock);
  ct->own_submits_done = TRUE;
  g_cond_broadcast (&ct->cond);
  g_mutex_unlock (&ct->lock);

  return G_SOURCE_REMOVE;
}

static gpointer
context_thread_func (gpointer data)
{
  ContextThread *ct = data;

  g_main_context_push_thread_default (ct->context);

  /* NULL: the thread-default context of the calling thread. */
  ct->manager = tasker_manager_new (NULL);
  g_assert_true (tasker_manager_get_context (ct->manager) == ct->context);

  g_mutex_lock (&ct->lock);
  ct->ready = TRUE;
  g_cond_broadcast (&ct->cond);
  g_mutex_unlock (&ct->lock);

  g_main_loop_run (ct->loop);

  g_main_context_pop_thread_default (ct->context);

  return NULL;
}

static void
block_until (ContextThread *ct,
             gboolean      *flag)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) test_timeout_ms () * 1000;

  g_mutex_lock (&ct->lock);
  while (!*flag)
    if (!g_cond_wait_until (&ct->cond, &ct->lock, deadline))
      break;
  g_mutex_unlock (&ct->lock);

  g_assert_true (*flag);
}

static void
test_contract_private_context_thread (void)
{
  ContextThread ct = { 0, };
  Watcher w = { NULL, 0, };
  TestRecorder rec;
  g_autoptr(TaskerTaskOptions) options = NULL;
  g_autoptr(GListModel) list = NULL;
  GThread *thread;
  GSource *idle;
  Workload load;

  ct.context = g_main_context_new ();
  ct.loop = g_main_loop_new (ct.context, FALSE);
  ct.own_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_init (&ct.lock);
  g_cond_init (&ct.cond);

  thread = g_thread_new ("manager-context", context_thread_func, &ct);
  block_until (&ct, &ct.ready);

  w.owner = thread;
  ct.watcher = &w;
  test_recorder_init (&rec, thread);
  ct.rec = &rec;
  options = test_recorder_options (&rec);
  list = tasker_manager_list_tasks (ct.manager);
  watch_manager (&w, ct.manager, list);

  /* Submitted from this thread, which does not run the manager's context. */
  workload_init (&load, &w, ct.manager, options, NULL);
  run_workload (&load);

  /* And from the owner thread, inside its own main loop. */
  idle = g_idle_source_new ();
  g_source_set_callback (idle, submit_from_owner_cb, &ct, NULL);
  g_source_attach (idle, ct.context);
  g_source_unref (idle);
  block_until (&ct, &ct.own_submits_done);

  /* From a thread that cannot acquire the context, this blocks until the
   * owner settles the manager. */
  g_assert_false (g_main_context_is_owner (ct.context));
  g_assert_true (tasker_manager_wait_until_settled (ct.manager, test_timeout_ms ()));

  assert_workload_outcome (&load, ct.own_tasks->len);
  for (guint i = 0; i < ct.own_tasks->len; i++)
    g_assert_true (tasker_task_is_final (g_ptr_array_index (ct.own_tasks, i)));
  test_recorder_assert_ok (&rec);
  g_assert_cmpuint (test_recorder_n_done (&rec), ==, load.tasks->len + ct.own_tasks->len);

  g_main_loop_quit (ct.loop);
  g_thread_join (thread);

  unwatch_manager (&w, ct.manager, list);
  for (guint i = 0; i < ct.own_tasks->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (ct.own_tasks, i), &w);
  g_clear_pointer (&ct.own_tasks, g_ptr_array_unref);
  workload_clear (&load);
  g_clear_object (&list);

  /* Now nobody runs the context: this thread may. */
  test_unref_and_wait (ct.context, g_steal_pointer (&ct.manager));

  test_recorder_clear (&rec);
  g_main_loop_unref (ct.loop);
  g_main_context_unref (ct.context);
  g_mutex_clear (&ct.lock);
  g_cond_clear (&ct.cond);
}

/* Many threads submitting and cancelling at once. */
typedef struct
{
  TestFixture *f;
  guint        index;
  guint        n;
  GPtrArray   *tasks;   /* (element-type TaskerTask) */
} Submitter;

static int n_submitters_done;

static void
trivial_cb (TaskerContext *context,
            gpointer       data)
{
  tasker_context_set_progress (context, 0.5);
}

static void
trivial_coroutine_cb (TaskerContext *context,
                      gpointer       data)
{
  tasker_context_return_pointer (context, NULL, NULL);
}

static gpointer
submitter_thread (gpointer data)
{
  Submitter *s = data;
  g_autofree char *key = g_strdup_printf ("submitter-%u", s->index);

  for (guint i = 0; i < s->n; i++)
    {
      TaskerTask *task;

      switch (i % 4)
        {
        case 0:
          task = test_run_thread (s->f->manager, NULL, s->f->options, trivial_cb, NULL);
          break;
        case 1:
          task = test_add_coroutine (s->f->manager, NULL, s->f->options, trivial_coroutine_cb, NULL);
          break;
        case 2:
          task = test_run_thread (s->f->manager, key, s->f->options, trivial_cb, NULL);
          break;
        case 3:
        default:
          task = test_run_thread (s->f->manager, NULL, s->f->options, trivial_cb, NULL);
          tasker_task_cancel (task);
          tasker_manager_cancel_task (s->f->manager, key);
          break;
        }
      g_ptr_array_add (s->tasks, task);
    }

  g_atomic_int_inc (&n_submitters_done);

  return NULL;
}

static void
test_concurrent_submit (TestFixture   *f,
                        gconstpointer  data)
{
  const guint n_threads = 8;
  const guint per_thread = test_scale (250);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  Submitter submitters[8];
  GThread *threads[8];
  guint total = 0;

  n_submitters_done = 0;
  for (guint i = 0; i < n_threads; i++)
    {
      submitters[i] = (Submitter) { f, i, per_thread, g_ptr_array_new_with_free_func (g_object_unref) };
      threads[i] = g_thread_new ("submitter", submitter_thread, &submitters[i]);
    }

  /* Deliver meanwhile: callbacks run here, while the others submit. */
  TEST_WAIT_UNTIL (f->context, g_atomic_int_get (&n_submitters_done) == (int) n_threads);
  for (guint i = 0; i < n_threads; i++)
    g_thread_join (threads[i]);
  test_settle (f->manager);

  for (guint i = 0; i < n_threads; i++)
    {
      for (guint j = 0; j < submitters[i].tasks->len; j++)
        {
          TaskerTask *task = g_ptr_array_index (submitters[i].tasks, j);
          gint64 *id = g_new (gint64, 1);

          g_assert_true (tasker_task_is_final (task));
          g_assert_cmpuint (test_recorder_done_count (&f->rec, task), ==, 1);

          /* Ids are unique, whichever thread submitted. */
          *id = tasker_task_get_id (task);
          g_assert_false (g_hash_table_contains (ids, id));
          g_hash_table_add (ids, id);
          total++;
        }
      g_ptr_array_unref (submitters[i].tasks);
    }

  g_assert_cmpuint (total, ==, n_threads * per_thread);
  g_assert_cmpuint (test_recorder_n_done (&f->rec), ==, total);
  test_recorder_assert_ok (&f->rec);
}

typedef struct
{
  GMutex     lock;
  GPtrArray *threads;     /* (element-type GThread) (unowned) */
  TestGate   gate;
  int        running;     /* (atomic) */
  int        max_seen;    /* (atomic) */
} Concurrency;

static void
concurrency_cb (TaskerContext *context,
                gpointer       data)
{
  Concurrency *c = data;
  int now = g_atomic_int_add (&c->running, 1) + 1;
  int seen;

  do
    seen = g_atomic_int_get (&c->max_seen);
  while (now > seen && !g_atomic_int_compare_and_exchange (&c->max_seen, seen, now));

  g_mutex_lock (&c->lock);
  g_ptr_array_add (c->threads, g_thread_self ());
  g_mutex_unlock (&c->lock);

  test_gate_wait (&c->gate, NULL);
  g_atomic_int_add (&c->running, -1);
}

static guint
count_status (GPtrArray        *tasks,
              TaskerTaskStatus  status)
{
  guint n = 0;

  for (guint i = 0; i < tasks->len; i++)
    if (tasker_task_get_status (g_ptr_array_index (tasks, i)) == status)
      n++;

  return n;
}

static void
concurrency_init (Concurrency *c)
{
  g_mutex_init (&c->lock);
  c->threads = g_ptr_array_new ();
  test_gate_init (&c->gate);
  c->running = 0;
  c->max_seen = 0;
}

static void
concurrency_clear (Concurrency *c)
{
  g_mutex_clear (&c->lock);
  g_ptr_array_unref (c->threads);
  test_gate_clear (&c->gate);
}

static void
test_max_threads_bounds (TestFixture   *f,
                         gconstpointer  data)
{
  for (guint max = 1; max <= 3; max++)
    {
      g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
      Concurrency c;

      concurrency_init (&c);
      tasker_manager_set_max_threads (f->manager, max);

      for (guint i = 0; i < 3 * max + 2; i++)
        g_ptr_array_add (tasks, test_run_thread (f->manager, NULL, f->options, concurrency_cb, &c));

      TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&c.gate) == max);
      TEST_WAIT_UNTIL (f->context, count_status (tasks, TASKER_TASK_STATUS_RUNNING) == max);
      /* No more start while they hold their threads. */
      test_spin_for (f->context, 50);
      g_assert_cmpuint (test_gate_get_waiting (&c.gate), ==, max);
      g_assert_cmpint (g_atomic_int_get (&c.running), ==, (int) max);
      g_assert_cmpuint (count_status (tasks, TASKER_TASK_STATUS_RUNNING), ==, max);
      g_assert_cmpuint (count_status (tasks, TASKER_TASK_STATUS_PENDING), ==, tasks->len - max);

      test_gate_open (&c.gate);
      test_settle (f->manager);
      g_assert_cmpuint (count_status (tasks, TASKER_TASK_STATUS_COMPLETED), ==, tasks->len);
      g_assert_cmpint (g_atomic_int_get (&c.max_seen), ==, (int) max);

      /* Pool threads, never this one. */
      for (guint i = 0; i < c.threads->len; i++)
        g_assert_true (g_ptr_array_index (c.threads, i) != g_thread_self ());

      concurrency_clear (&c);
    }
}

typedef struct
{
  TestGate       gate;
  TaskerContext *first;   /* not a reference: only compared */
  TaskerContext *kept;    /* (owned) */
} KeptContext;

static void
gated_first_cb (TaskerContext *context,
                gpointer       data)
{
  KeptContext *k = data;

  k->first = context;
  test_gate_wait (&k->gate, NULL);
}

/* Who holds a thread task: its runner from the push until it starts, then
 * the mark that makes the manager see it running (or nobody, if a mark was
 * pending already: a retried task admitted again and started before the
 * manager's context synced it), besides the manager's own reference until
 * it ends. Retried, cancelled while waiting, or run once: every task is
 * finalized once the test lets go of it, none before it ended. */

typedef struct
{
  int calls;
} Calls;

static void
gate_wait_cb (TaskerContext *context,
              gpointer       user_data)
{
  test_gate_wait (user_data, NULL);
}

static void
fail_first_call_cb (TaskerContext *context,
                    gpointer       user_data)
{
  Calls *calls = user_data;

  if (g_atomic_int_add (&calls->calls, 1) == 0)
    tasker_context_return_new_error (context, G_IO_ERROR, G_IO_ERROR_FAILED, "first call fails");
}

static guint
count_alive (TaskerTask **tasks,
             guint        n)
{
  guint n_alive = 0;

  for (guint i = 0; i < n; i++)
    n_alive += tasks[i] != NULL;

  return n_alive;
}

static void
test_task_references_released (TestFixture   *f,
                               gconstpointer  data)
{
  enum { N = 40 };
  g_autoptr(TaskerTaskOptions) retried = tasker_task_options_new ();
  TaskerTask *blocker;
  TaskerTask *retries[N];
  TaskerTask *cancelled[N];
  Calls calls[N] = { { 0 } };
  TestGate gate;

  test_gate_init (&gate);
  tasker_manager_set_max_threads (f->manager, 1);
  tasker_task_options_set_retry (retried, 2, 1, 1.0, 0, 0.0);

  /* One thread, held: everything else waits for it. */
  blocker = test_run_thread (f->manager, NULL, f->options, gate_wait_cb, &gate);
  test_gate_block_until_waiting (&gate, 1);
  for (guint i = 0; i < N; i++)
    {
      retries[i] = test_run_thread (f->manager, NULL, retried, fail_first_call_cb, &calls[i]);
      cancelled[i] = test_run_thread (f->manager, NULL, f->options, gate_wait_cb, &gate);
      tasker_task_cancel (cancelled[i]);
    }
  test_gate_open (&gate);
  test_settle (f->manager);

  test_assert_status (blocker, TASKER_TASK_STATUS_COMPLETED);
  for (guint i = 0; i < N; i++)
    {
      test_assert_status (retries[i], TASKER_TASK_STATUS_COMPLETED);
      g_assert_cmpuint (tasker_task_get_attempt (retries[i]), ==, 2);
      g_assert_cmpint (g_atomic_int_get (&calls[i].calls), ==, 2);
      test_assert_status (cancelled[i], TASKER_TASK_STATUS_CANCELLED);
    }

  /* Once the test lets go, the manager lets go of each within a dispatch or two. */
  g_object_add_weak_pointer (G_OBJECT (blocker), (gpointer *) &blocker);
  g_object_unref (blocker);
  for (guint i = 0; i < N; i++)
    {
      g_object_add_weak_pointer (G_OBJECT (retries[i]), (gpointer *) &retries[i]);
      g_object_add_weak_pointer (G_OBJECT (cancelled[i]), (gpointer *) &cancelled[i]);
      g_object_unref (retries[i]);
      g_object_unref (cancelled[i]);
    }
  TEST_WAIT_UNTIL (f->context, blocker == NULL &&
                               count_alive (retries, N) == 0 && count_alive (cancelled, N) == 0);

  test_gate_clear (&gate);
}

/* A pool thread hands its next task the context the last one left, which
 * lends that task rather than referencing it; a function that keeps its
 * context keeps its task alive with it, after the end and after everyone
 * else let go of the task. */
static void
test_kept_recycled_context_holds_task (TestFixture   *f,
                                       gconstpointer  data)
{
  g_autoptr(TaskerTask) first = NULL;
  TaskerTask *task;
  KeptContext k = { .first = NULL };

  test_gate_init (&k.gate);
  tasker_manager_set_max_threads (f->manager, 1);

  /* Both run in one drain of the one thread: the second gets the first's context. */
  first = test_run_thread (f->manager, NULL, f->options, gated_first_cb, &k);
  task = test_run_thread (f->manager, NULL, f->options, test_capture_context_cb, &k.kept);
  g_object_add_weak_pointer (G_OBJECT (task), (gpointer *) &task);
  test_gate_block_until_waiting (&k.gate, 1);
  test_gate_open (&k.gate);
  test_settle (f->manager);
  g_assert_nonnull (k.kept);
  g_assert_true (k.kept == k.first);
  test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);

  /* The manager is done with it and the test lets go: the context holds it. */
  g_object_unref (task);
  g_assert_nonnull (task);
  tasker_context_set_progress (k.kept, 0.5);
  tasker_context_log (k.kept, "after the end");
  g_assert_false (tasker_context_is_cancelled (k.kept));
  g_assert_cmpfloat (tasker_task_get_progress (task), ==, 1.0);

  /* Once the manager has dropped what those calls queued, the context is the last. */
  test_flush_and_wait (f, k.kept);
  g_assert_nonnull (task);
  g_clear_object (&k.kept);
  g_assert_null (task);
  test_gate_clear (&k.gate);
}

static void
count_call_cb (TaskerContext *context,
               gpointer       data)
{
  g_atomic_int_inc ((int *) data);
}

static gboolean
all_final (GPtrArray *tasks)
{
  for (guint i = 0; i < tasks->len; i++)
    if (!test_task_is_final (g_ptr_array_index (tasks, i)))
      return FALSE;

  return TRUE;
}

/* A pool thread that ran out of tasks looks for more for a moment before it
 * sleeps, and a submission that finds it looking wakes no other thread: a
 * task submitted at any point of that moment still starts (none is left
 * queued with every thread asleep). Submissions of one to three tasks, each
 * after the last ones ended, land all over it. */
static void
test_lingering_thread_misses_nothing (TestFixture   *f,
                                      gconstpointer  data)
{
  guint rounds = test_scale (1500);
  int calls = 0;
  guint n = 0;

  for (guint max = 1; max <= 2; max++)
    {
      tasker_manager_set_max_threads (f->manager, max);
      for (guint round = 0; round < rounds; round++)
        {
          g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);

          for (guint i = 0; i <= round % 3; i++, n++)
            g_ptr_array_add (tasks, test_run_thread (f->manager, NULL, f->options, count_call_cb, &calls));
          TEST_WAIT_UNTIL (f->context, all_final (tasks));
          for (guint i = 0; i < tasks->len; i++)
            test_assert_status (g_ptr_array_index (tasks, i), TASKER_TASK_STATUS_COMPLETED);
        }
    }
  g_assert_cmpint (g_atomic_int_get (&calls), ==, (int) n);
}

/* The pool threads report returns on a stack that the manager's context
 * takes whole: the done functions still run in the order the functions
 * returned, here the order of submission (one thread). All of them return
 * while this thread stays away from the main loop, so that one dispatch
 * finds most of them at once. */
static void
test_done_in_return_order (TestFixture   *f,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 deadline = g_get_monotonic_time () + (gint64) test_timeout_ms () * 1000;
  guint n = 64;
  int calls = 0;

  tasker_manager_set_max_threads (f->manager, 1);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (tasks, test_run_thread (f->manager, NULL, f->options, count_call_cb, &calls));
  while (g_atomic_int_get (&calls) < (int) n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_thread_yield ();
    }
  TEST_WAIT_UNTIL (f->context, all_final (tasks));

  g_mutex_lock (&f->rec.lock);
  g_assert_cmpuint (f->rec.done->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (g_array_index (f->rec.done, guint64, i), ==,
                      tasker_task_get_id (g_ptr_array_index (tasks, i)));
  g_mutex_unlock (&f->rec.lock);
}

/* Raising max-threads puts waiting tasks to work at once. */
static void
test_max_threads_raised (TestFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  Concurrency c;

  concurrency_init (&c);
  tasker_manager_set_max_threads (f->manager, 1);
  for (guint i = 0; i < 5; i++)
    g_ptr_array_add (tasks, test_run_thread (f->manager, NULL, f->options, concurrency_cb, &c));
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&c.gate) == 1);

  tasker_manager_set_max_threads (f->manager, 3);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&c.gate) == 3);
  test_spin_for (f->context, 30);
  g_assert_cmpint (g_atomic_int_get (&c.max_seen), ==, 3);

  test_gate_open (&c.gate);
  test_settle (f->manager);
  g_assert_cmpuint (count_status (tasks, TASKER_TASK_STATUS_COMPLETED), ==, 5);
  g_assert_cmpint (g_atomic_int_get (&c.max_seen), ==, 3);
  concurrency_clear (&c);
}

typedef struct
{
  GThread *thread;
  gboolean in_submit;
} WhereRan;

static void
where_cb (TaskerContext *context,
          gpointer       data)
{
  WhereRan *where = data;

  where->thread = g_thread_self ();
  where->in_submit = test_in_submit ();
}

static void
where_coroutine_cb (TaskerContext *context,
                    gpointer       data)
{
  WhereRan *where = data;

  where->thread = g_thread_self ();
  where->in_submit = test_in_submit ();
  tasker_context_return_pointer (context, NULL, NULL);
}

/* Thread functions run on pool threads; coroutines on the context's thread. */
static void
test_where_functions_run (TestFixture   *f,
                          gconstpointer  data)
{
  WhereRan thread_where = { NULL, FALSE };
  WhereRan coroutine_where = { NULL, FALSE };
  g_autoptr(TaskerTask) thread_task = NULL;
  g_autoptr(TaskerTask) coroutine = NULL;

  thread_task = test_run_thread (f->manager, NULL, f->options, where_cb, &thread_where);
  coroutine = test_add_coroutine (f->manager, NULL, f->options, where_coroutine_cb, &coroutine_where);
  test_settle (f->manager);

  g_assert_nonnull (thread_where.thread);
  g_assert_true (thread_where.thread != g_thread_self ());
  g_assert_false (thread_where.in_submit);
  g_assert_true (coroutine_where.thread == g_thread_self ());
  g_assert_false (coroutine_where.in_submit);
}

/* dup_message() is safe from any thread while the message changes. */
typedef struct
{
  TaskerTask *task;
  int         stop;      /* (atomic) */
  guint       n_reads;
  guint       n_bad;
} Reader;

static gpointer
read_messages_thread (gpointer data)
{
  Reader *r = data;

  do
    {
      g_autofree char *message = tasker_task_dup_message (r->task);

      if (message != NULL && !g_str_has_prefix (message, "message "))
        r->n_bad++;
      r->n_reads++;
    }
  while (!g_atomic_int_get (&r->stop));

  return NULL;
}

static void
many_messages_cb (TaskerContext *context,
                  gpointer       data)
{
  guint n = GPOINTER_TO_UINT (data);

  for (guint i = 0; i < n; i++)
    {
      char message[32];

      g_snprintf (message, sizeof message, "message %u", i);
      tasker_context_set_message (context, message);
      if (i % 16 == 0)
        tasker_context_flush (context);
    }
}

static void
test_dup_message_any_thread (TestFixture   *f,
                             gconstpointer  data)
{
  const guint n = test_scale (20000);
  g_autoptr(TaskerTask) task = NULL;
  Reader r = { NULL, 0, 0, 0 };
  GThread *reader;

  task = test_run_thread (f->manager, NULL, f->options, many_messages_cb, GUINT_TO_POINTER (n));
  r.task = task;
  reader = g_thread_new ("message-reader", read_messages_thread, &r);
  test_settle (f->manager);
  g_atomic_int_set (&r.stop, TRUE);
  g_thread_join (reader);

  g_assert_cmpuint (r.n_reads, >, 0);
  g_assert_cmpuint (r.n_bad, ==, 0);
  {
    g_autofree char *last = g_strdup_printf ("message %u", n - 1);
    g_autofree char *message = tasker_task_dup_message (task);

    g_assert_cmpstr (message, ==, last);
    g_assert_cmpstr (tasker_task_get_message (task), ==, last);
  }
}

/* Tests without a fixture: each sets up its own manager, most on GLib's
 * default main context, and checks what it needs itself. */

typedef struct
{
  TestThreadCheck check;
  GThread        *main_thread;
  int             n_func_on_main;   /* (atomic) */
  int             n_func;           /* (atomic) */
  guint           n_done;
} Contract;

static void
contract_func (TaskerContext *context,
               gpointer       data)
{
  Contract *contract = data;

  g_atomic_int_inc (&contract->n_func);
  if (g_thread_self () == contract->main_thread)
    g_atomic_int_inc (&contract->n_func_on_main);

  tasker_context_set_progress (context, 0.5);
  tasker_context_set_message (context, "busy");
  tasker_context_send_event (context, "tick", NULL);
  tasker_context_flush (context);
}

static void
contract_coroutine (TaskerContext *context,
                    gpointer       data)
{
  Contract *contract = data;

  /* Coroutines run on the manager's context. */
  test_thread_check (&contract->check);
  tasker_context_set_progress (context, 0.5);
  tasker_context_send_event (context, "tick", NULL);
  tasker_context_return_pointer (context, NULL, NULL);
}

static void
contract_done_cb (TaskerTask *task,
                  gpointer    data)
{
  Contract *contract = data;

  test_thread_check (&contract->check);
  contract->n_done++;
}

static void
contract_event_cb (TaskerTask *task,
                   const char *name,
                   GVariant   *value,
                   gpointer    data)
{
  test_thread_check (&((Contract *) data)->check);
}

static void
contract_notify_cb (GObject    *object,
                    GParamSpec *pspec,
                    gpointer    data)
{
  test_thread_check (&((Contract *) data)->check);
}

static void
contract_updated_cb (TaskerManager *manager,
                     GListModel    *tasks,
                     double         progress,
                     gpointer       data)
{
  test_thread_check (&((Contract *) data)->check);
}

static void
contract_task_cb (TaskerManager *manager,
                  TaskerTask    *task,
                  gpointer       data)
{
  test_thread_check (&((Contract *) data)->check);
}

static void
contract_items_changed_cb (GListModel *model,
                           guint       position,
                           guint       removed,
                           guint       added,
                           gpointer    data)
{
  test_thread_check (&((Contract *) data)->check);
}

static TaskerTaskOptions *
contract_options (Contract *contract)
{
  TaskerTaskOptions *options = tasker_task_options_new ();

  tasker_task_options_set_done_func (options, contract_done_cb, contract, NULL);
  tasker_task_options_set_event_func (options, contract_event_cb, contract, NULL);
  return options;
}

static void
connect_manager (TaskerManager *manager,
                 Contract      *contract)
{
  g_autoptr(GListModel) live = tasker_manager_list_tasks (manager);

  g_signal_connect (manager, "tasks-updated", G_CALLBACK (contract_updated_cb), contract);
  g_signal_connect (manager, "task-started", G_CALLBACK (contract_task_cb), contract);
  g_signal_connect (manager, "task-finished", G_CALLBACK (contract_task_cb), contract);
  g_signal_connect (live, "items-changed", G_CALLBACK (contract_items_changed_cb), contract);
}

/* Submits on the calling thread, connecting every notification of each task. */
static void
submit_some (TaskerManager     *manager,
             Contract          *contract,
             TaskerTaskOptions *options,
             guint              n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TaskerTask) task = NULL;
      g_autofree char *key = g_strdup_printf ("key-%u", i % 7);

      contract->check.in_submit = TRUE;
      if (i % 3 == 0)
        task = tasker_manager_run_coroutine (manager, NULL, options, contract_coroutine, contract, NULL, NULL);
      else
        task = tasker_manager_run_thread (manager, i % 5 == 0 ? key : NULL, options,
                                          contract_func, contract, NULL, NULL);
      contract->check.in_submit = FALSE;
      g_signal_connect (task, "notify", G_CALLBACK (contract_notify_cb), contract);
    }
}

static void
callbacks_run_on_the_default_context (void)
{
  TaskerManager *manager = tasker_manager_get_default ();
  Contract contract = { .check.owner = g_thread_self (), .main_thread = g_thread_self () };
  g_autoptr(TaskerTaskOptions) options = contract_options (&contract);
  const guint n = 300;

  g_assert_true (tasker_manager_get_default () == manager);
  g_assert_true (tasker_manager_get_context (manager) == g_main_context_default ());

  connect_manager (manager, &contract);
  submit_some (manager, &contract, options, n);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

  g_assert_cmpuint (contract.n_done, ==, n);
  g_assert_cmpuint (contract.check.n_calls, >, n);
  g_assert_cmpuint (contract.check.n_wrong_thread, ==, 0);
  g_assert_cmpuint (contract.check.n_inline, ==, 0);
  /* Thread functions never run on the main thread. */
  g_assert_cmpint (g_atomic_int_get (&contract.n_func), >, 0);
  g_assert_cmpint (g_atomic_int_get (&contract.n_func_on_main), ==, 0);

  g_signal_handlers_disconnect_by_data (manager, &contract);
  {
    g_autoptr(GListModel) live = tasker_manager_list_tasks (manager);
    g_signal_handlers_disconnect_by_data (live, &contract);
  }
}

/* A manager whose context is run by another thread. */
typedef struct
{
  Contract       contract;
  GMainContext  *context;
  GMainLoop     *loop;
  TaskerManager *manager;
  TestGate       ready;
  guint          expected;
} Remote;

static gboolean
remote_check_done (gpointer data)
{
  Remote *remote = data;

  if (remote->contract.n_done == remote->expected)
    g_main_loop_quit (remote->loop);
  return remote->contract.n_done == remote->expected ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static gpointer
remote_thread (gpointer data)
{
  Remote *remote = data;
  GSource *poll;

  remote->context = g_main_context_new ();
  g_main_context_push_thread_default (remote->context);
  remote->loop = g_main_loop_new (remote->context, FALSE);
  remote->contract.check.owner = g_thread_self ();
  /* NULL: the thread-default context, which is this thread's own. */
  remote->manager = tasker_manager_new (NULL);
  g_assert_true (tasker_manager_get_context (remote->manager) == remote->context);
  connect_manager (remote->manager, &remote->contract);

  poll = g_timeout_source_new (5);
  g_source_set_callback (poll, remote_check_done, remote, NULL);
  g_source_attach (poll, remote->context);
  g_source_unref (poll);

  test_gate_open (&remote->ready);
  g_main_loop_run (remote->loop);

  g_assert_true (tasker_manager_wait_until_settled (remote->manager, test_timeout_ms ()));
  g_signal_handlers_disconnect_by_data (remote->manager, &remote->contract);
  g_clear_object (&remote->manager);
  g_main_loop_unref (remote->loop);
  g_main_context_pop_thread_default (remote->context);
  g_main_context_unref (remote->context);

  return NULL;
}

typedef struct
{
  Remote            *remote;
  TaskerTaskOptions *options;
  guint              n;
} RemoteSubmitter;

static gpointer
remote_submitter_thread (gpointer data)
{
  RemoteSubmitter *submitter = data;

  for (guint i = 0; i < submitter->n; i++)
    g_object_unref (tasker_manager_run_thread (submitter->remote->manager, NULL, submitter->options,
                                               contract_func, &submitter->remote->contract, NULL, NULL));
  return NULL;
}

static void
callbacks_run_on_the_managers_own_context (void)
{
  Remote remote = { .contract.main_thread = g_thread_self () };
  g_autoptr(TaskerTaskOptions) options = contract_options (&remote.contract);
  RemoteSubmitter submitters[4];
  GThread *threads[4];
  GThread *loop_thread;
  const guint per_thread = 100;

  test_gate_init (&remote.ready);
  remote.expected = G_N_ELEMENTS (submitters) * per_thread;
  loop_thread = g_thread_new ("manager-loop", remote_thread, &remote);
  test_gate_wait (&remote.ready, NULL);

  /* Several threads submit at once; none of them runs the manager's context. */
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      submitters[i] = (RemoteSubmitter) { &remote, options, per_thread };
      threads[i] = g_thread_new ("submitter", remote_submitter_thread, &submitters[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_thread_join (loop_thread);

  g_assert_cmpuint (remote.contract.n_done, ==, remote.expected);
  g_assert_cmpuint (remote.contract.check.n_calls, >, remote.expected);
  g_assert_cmpuint (remote.contract.check.n_wrong_thread, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&remote.contract.n_func), ==, (int) remote.expected);
  test_gate_clear (&remote.ready);
}

typedef struct
{
  TestGate gate;
  int      running;      /* (atomic) */
  int      max_running;  /* (atomic) */
} Bounded;

static void
bounded_func (TaskerContext *context,
                  gpointer       data)
{
  Bounded *c = data;
  int now = g_atomic_int_add (&c->running, 1) + 1;
  int max;

  while ((max = g_atomic_int_get (&c->max_running)) < now &&
         !g_atomic_int_compare_and_exchange (&c->max_running, max, now))
    ;
  test_gate_wait (&c->gate, NULL);
  g_atomic_int_add (&c->running, -1);
}

static gboolean
two_running (gpointer data)
{
  return g_atomic_int_get (&((Bounded *) data)->running) == 2;
}

static void
max_threads_bounds_concurrency (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  Bounded c = { 0 };
  guint n_running = 0;

  test_gate_init (&c.gate);
  g_assert_cmpuint (tasker_manager_get_max_threads (manager), ==, g_get_num_processors ());
  tasker_manager_set_max_threads (manager, 2);
  g_assert_cmpuint (tasker_manager_get_max_threads (manager), ==, 2);

  for (guint i = 0; i < 8; i++)
    g_ptr_array_add (tasks, tasker_manager_run_thread (manager, NULL, NULL, bounded_func, &c, NULL, NULL));
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), two_running (&c));
  test_spin_for (tasker_manager_get_context (manager), 50);

  g_assert_cmpint (g_atomic_int_get (&c.max_running), ==, 2);
  for (guint i = 0; i < tasks->len; i++)
    n_running += tasker_task_get_status (g_ptr_array_index (tasks, i)) == TASKER_TASK_STATUS_RUNNING;
  g_assert_cmpuint (n_running, ==, 2);

  /* Raising the limit puts waiting tasks to work at once. */
  tasker_manager_set_max_threads (manager, 4);
  test_gate_open (&c.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));
  g_assert_cmpint (g_atomic_int_get (&c.max_running), <=, 4);
  test_gate_clear (&c.gate);
}

/* Every message a task showed, in order ("" for none). */
static void
record_message_cb (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    data)
{
  const char *message = tasker_task_get_message (TASKER_TASK (object));

  g_ptr_array_add (data, g_strdup (message != NULL ? message : ""));
}

static void
says_own_message (TaskerContext *context,
                  gpointer       data)
{
  tasker_context_set_message (context, "working");
}

static gboolean
task_is_pending_with_message (gpointer data)
{
  return tasker_task_get_status (data) == TASKER_TASK_STATUS_PENDING &&
         tasker_task_get_message (data) != NULL;
}

/* A task that finds every pool thread busy says "Waiting for a free thread"
 * until it starts; one that finds a free thread never says it; one cancelled
 * while it waits ends with no message (DESIGN.md §4 Messages). */
static void
waiting_for_a_thread_has_a_message (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  GMainContext *context = tasker_manager_get_context (manager);
  g_autoptr(GPtrArray) first_seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) waiter_seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TaskerTask) first = NULL;
  g_autoptr(TaskerTask) waiter = NULL;
  g_autoptr(TaskerTask) cancelled = NULL;
  Bounded c = { 0 };

  test_gate_init (&c.gate);
  tasker_manager_set_max_threads (manager, 1);

  first = tasker_manager_run_thread (manager, NULL, NULL, bounded_func, &c, NULL, NULL);
  g_signal_connect (first, "notify::message", G_CALLBACK (record_message_cb), first_seen);
  TEST_WAIT_UNTIL (context, test_task_is_running (first));

  waiter = tasker_manager_run_thread (manager, NULL, NULL, says_own_message, NULL, NULL, NULL);
  g_signal_connect (waiter, "notify::message", G_CALLBACK (record_message_cb), waiter_seen);
  cancelled = tasker_manager_run_thread (manager, NULL, NULL, says_own_message, NULL, NULL, NULL);
  TEST_WAIT_UNTIL (context, task_is_pending_with_message (waiter));
  TEST_WAIT_UNTIL (context, task_is_pending_with_message (cancelled));
  g_assert_cmpstr (tasker_task_get_message (waiter), ==, "Waiting for a free thread");
  g_assert_cmpstr (tasker_task_get_message (cancelled), ==, "Waiting for a free thread");
  {
    g_autofree char *dup = tasker_task_dup_message (waiter);

    g_assert_cmpstr (dup, ==, "Waiting for a free thread");
  }

  tasker_task_cancel (cancelled);
  TEST_WAIT_UNTIL (context, test_task_is_final (cancelled));
  g_assert_null (tasker_task_get_message (cancelled));

  test_gate_open (&c.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, test_timeout_ms ()));

  /* The first found the thread free: no message at all. */
  g_assert_cmpuint (first_seen->len, ==, 0);
  g_assert_null (tasker_task_get_message (first));
  /* The waiter's message went as it started; its own stays after it ends. */
  g_assert_cmpstr (tasker_task_get_message (waiter), ==, "working");
  g_assert_cmpuint (waiter_seen->len, >=, 2);
  g_assert_cmpstr (g_ptr_array_index (waiter_seen, 0), ==, "Waiting for a free thread");
  g_assert_cmpstr (g_ptr_array_index (waiter_seen, waiter_seen->len - 1), ==, "working");
  for (guint i = 1; i < waiter_seen->len; i++)
    g_assert_cmpstr (g_ptr_array_index (waiter_seen, i), !=, "Waiting for a free thread");
  test_gate_clear (&c.gate);
}

typedef struct
{
  GThread *thread;      /* where notify::max-workers ran */
  guint    n_notified;
} NotifySeen;

static void
notified_cb (GObject    *object,
             GParamSpec *pspec,
             gpointer    data)
{
  NotifySeen *seen = data;

  seen->thread = g_thread_self ();
  seen->n_notified++;
}

static gpointer
set_max_workers_thread (gpointer data)
{
  tasker_manager_set_max_workers (data, 3);
  return NULL;
}

static gboolean
notified (gpointer data)
{
  return ((NotifySeen *) data)->n_notified > 0;
}

/* A property set from another thread is notified on the manager's context,
 * never on the setter's thread. */
static void
property_notify_runs_on_the_context (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  NotifySeen seen = { 0 };

  g_signal_connect (manager, "notify::max-workers", G_CALLBACK (notified_cb), &seen);
  g_thread_join (g_thread_new ("setter", set_max_workers_thread, manager));
  g_assert_cmpuint (tasker_manager_get_max_workers (manager), ==, 3);
  g_assert_cmpuint (seen.n_notified, ==, 0);

  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), notified (&seen));
  g_assert_true (seen.thread == g_thread_self ());
  g_assert_cmpuint (seen.n_notified, ==, 1);

  /* From the main thread too, once the context runs. */
  seen.n_notified = 0;
  seen.thread = NULL;
  tasker_manager_set_max_workers (manager, 2);
  TEST_WAIT_UNTIL (tasker_manager_get_context (manager), notified (&seen));
  g_assert_true (seen.thread == g_thread_self ());
  g_assert_cmpuint (seen.n_notified, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tasker/Threads/contract-default-context", test_contract_default_context);
  g_test_add_func ("/Tasker/Threads/contract-private-context-thread", test_contract_private_context_thread);
  TEST_ADD ("/Tasker/Threads/concurrent-submit", test_concurrent_submit);
  TEST_ADD ("/Tasker/Threads/max-threads-bounds", test_max_threads_bounds);
  TEST_ADD ("/Tasker/Threads/max-threads-raised", test_max_threads_raised);
  TEST_ADD ("/Tasker/Threads/kept-recycled-context-holds-task", test_kept_recycled_context_holds_task);
  TEST_ADD ("/Tasker/Threads/lingering-thread-misses-nothing", test_lingering_thread_misses_nothing);
  TEST_ADD ("/Tasker/Threads/done-in-return-order", test_done_in_return_order);
  TEST_ADD ("/Tasker/Threads/task-references-released", test_task_references_released);
  TEST_ADD ("/Tasker/Threads/where-functions-run", test_where_functions_run);
  TEST_ADD ("/Tasker/Threads/dup-message-any-thread", test_dup_message_any_thread);
  g_test_add_func ("/Tasker/Threads/default-context", callbacks_run_on_the_default_context);
  g_test_add_func ("/Tasker/Threads/own-context-other-thread", callbacks_run_on_the_managers_own_context);
  g_test_add_func ("/Tasker/Threads/max-threads", max_threads_bounds_concurrency);
  g_test_add_func ("/Tasker/Threads/waiting-for-a-thread-message", waiting_for_a_thread_has_a_message);
  g_test_add_func ("/Tasker/Threads/property-notify-on-context", property_notify_runs_on_the_context);

  return g_test_run ();
}
