/* test-threads.c — where everything runs: the threading contract
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-util.h"

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
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));

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

  g_assert_true (tasker_manager_wait_until_settled (remote->manager, TEST_TIMEOUT_MS));
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
} Submitter;

static gpointer
submitter_thread (gpointer data)
{
  Submitter *submitter = data;

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
  Submitter submitters[4];
  GThread *threads[4];
  GThread *loop_thread;
  const guint per_thread = 100;

  test_gate_init (&remote.ready);
  remote.expected = G_N_ELEMENTS (submitters) * per_thread;
  loop_thread = g_thread_new ("manager-loop", remote_thread, &remote);
  test_gate_wait (&remote.ready);

  /* Several threads submit at once; none of them runs the manager's context. */
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      submitters[i] = (Submitter) { &remote, options, per_thread };
      threads[i] = g_thread_new ("submitter", submitter_thread, &submitters[i]);
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
} Concurrency;

static void
concurrency_func (TaskerContext *context,
                  gpointer       data)
{
  Concurrency *c = data;
  int now = g_atomic_int_add (&c->running, 1) + 1;
  int max;

  while ((max = g_atomic_int_get (&c->max_running)) < now &&
         !g_atomic_int_compare_and_exchange (&c->max_running, max, now))
    ;
  test_gate_wait (&c->gate);
  g_atomic_int_add (&c->running, -1);
}

static gboolean
two_running (gpointer data)
{
  return g_atomic_int_get (&((Concurrency *) data)->running) == 2;
}

static void
max_threads_bounds_concurrency (void)
{
  g_autoptr(TaskerManager) manager = tasker_manager_new (NULL);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  Concurrency c = { 0 };
  guint n_running = 0;

  test_gate_init (&c.gate);
  g_assert_cmpuint (tasker_manager_get_max_threads (manager), ==, g_get_num_processors ());
  tasker_manager_set_max_threads (manager, 2);
  g_assert_cmpuint (tasker_manager_get_max_threads (manager), ==, 2);

  for (guint i = 0; i < 8; i++)
    g_ptr_array_add (tasks, tasker_manager_run_thread (manager, NULL, NULL, concurrency_func, &c, NULL, NULL));
  test_wait_for (tasker_manager_get_context (manager), two_running, &c);
  test_spin (tasker_manager_get_context (manager), 50);

  g_assert_cmpint (g_atomic_int_get (&c.max_running), ==, 2);
  for (guint i = 0; i < tasks->len; i++)
    n_running += tasker_task_get_status (g_ptr_array_index (tasks, i)) == TASKER_TASK_STATUS_RUNNING;
  g_assert_cmpuint (n_running, ==, 2);

  /* Raising the limit puts waiting tasks to work at once. */
  tasker_manager_set_max_threads (manager, 4);
  test_gate_open (&c.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));
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
  Concurrency c = { 0 };

  test_gate_init (&c.gate);
  tasker_manager_set_max_threads (manager, 1);

  first = tasker_manager_run_thread (manager, NULL, NULL, concurrency_func, &c, NULL, NULL);
  g_signal_connect (first, "notify::message", G_CALLBACK (record_message_cb), first_seen);
  test_wait_for (context, test_task_is_running, first);

  waiter = tasker_manager_run_thread (manager, NULL, NULL, says_own_message, NULL, NULL, NULL);
  g_signal_connect (waiter, "notify::message", G_CALLBACK (record_message_cb), waiter_seen);
  cancelled = tasker_manager_run_thread (manager, NULL, NULL, says_own_message, NULL, NULL, NULL);
  test_wait_for (context, task_is_pending_with_message, waiter);
  test_wait_for (context, task_is_pending_with_message, cancelled);
  g_assert_cmpstr (tasker_task_get_message (waiter), ==, "Waiting for a free thread");
  g_assert_cmpstr (tasker_task_get_message (cancelled), ==, "Waiting for a free thread");
  {
    g_autofree char *dup = tasker_task_dup_message (waiter);

    g_assert_cmpstr (dup, ==, "Waiting for a free thread");
  }

  tasker_task_cancel (cancelled);
  test_wait_for (context, test_task_is_final, cancelled);
  g_assert_null (tasker_task_get_message (cancelled));

  test_gate_open (&c.gate);
  g_assert_true (tasker_manager_wait_until_settled (manager, TEST_TIMEOUT_MS));

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

  test_wait_for (tasker_manager_get_context (manager), notified, &seen);
  g_assert_true (seen.thread == g_thread_self ());
  g_assert_cmpuint (seen.n_notified, ==, 1);

  /* From the main thread too, once the context runs. */
  seen.n_notified = 0;
  seen.thread = NULL;
  tasker_manager_set_max_workers (manager, 2);
  test_wait_for (tasker_manager_get_context (manager), notified, &seen);
  g_assert_true (seen.thread == g_thread_self ());
  g_assert_cmpuint (seen.n_notified, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tasker/Threads/default-context", callbacks_run_on_the_default_context);
  g_test_add_func ("/Tasker/Threads/own-context-other-thread", callbacks_run_on_the_managers_own_context);
  g_test_add_func ("/Tasker/Threads/max-threads", max_threads_bounds_concurrency);
  g_test_add_func ("/Tasker/Threads/waiting-for-a-thread-message", waiting_for_a_thread_has_a_message);
  g_test_add_func ("/Tasker/Threads/property-notify-on-context", property_notify_runs_on_the_context);

  return g_test_run ();
}
