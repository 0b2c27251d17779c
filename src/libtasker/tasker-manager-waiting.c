/* tasker-manager-waiting.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-i18n-private.h"

#include "tasker-error.h"
#include "tasker-manager-private.h"
#include "tasker-task-options-private.h"
#include "tasker-task-private.h"

/* Waiting (DESIGN.md §10): a task submitted with a start time
 * (start-at, start-delay-ms) or dependencies (add_after) is held: PENDING,
 * in no queue, on no runner, its message saying what it waits for. A timer
 * on the manager's context and its dependencies' ends release it into its
 * queue, as a retry is (_tasker_manager_admit_locked); the first dependency
 * that fails or is cancelled fails it instead (MSG_DEPENDENCY_FAILED),
 * unless after-any-outcome. What a task failed so needs to run again is
 * kept on the dependency that failed it (its slot's @rearms), for
 * tasker_manager_rearm_dependants(): it lives as long as that task, and
 * holds the tasks it names weakly, so no cycle keeps tasks or the manager
 * alive.
 *
 * Everything here is under the manager's lock (the slot fields of
 * tasker-task-private.h), but for the timer and the dependency failure,
 * which run on the manager's context. */

/* A dependant that failed only because a dependency did: on that
 * dependency, until it is re-armed or the dependency is finalized. Every task
 * it references ended after the dependency that holds it, or had not ended
 * yet (they are the dependant, and the dependant's other dependencies still
 * running), so these references never form a cycle. */
typedef struct
{
  TaskerTask        *task;           /* (owned) the dependant, failed */
  TaskerTaskOptions *options;        /* (owned) (nullable) its options */
  gpointer           func_data;      /* (owned) by func_data_destroy: its function's, never used */
  GDestroyNotify     func_data_destroy;
  GPtrArray         *after;          /* (owned) (element-type TaskerTask) its other dependencies,
                                      * not ended then */
} Rearm;

static void
rearm_free (Rearm *rearm)
{
  g_clear_object (&rearm->task);
  g_clear_object (&rearm->options);
  if (rearm->func_data_destroy != NULL && rearm->func_data != NULL)
    rearm->func_data_destroy (rearm->func_data);
  g_clear_pointer (&rearm->after, g_ptr_array_unref);
  g_free (rearm);
}

/* “Starts at 03:00”, “Starts at 14:05:30”, “Starts on 2026-12-08 at 03:00”:
 * local time, the seconds only when they are not 0. */
static char *
format_start (gint64 start_at)
{
  gint64 seconds = (start_at + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (seconds);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = NULL;
  g_autofree char *date = NULL;
  int y1, m1, d1, y2, m2, d2;

  if (when == NULL || now == NULL)
    return g_strdup (_("Starts later"));

  time = g_date_time_format (when, g_date_time_get_second (when) != 0 ? "%H:%M:%S" : "%H:%M");
  g_date_time_get_ymd (when, &y1, &m1, &d1);
  g_date_time_get_ymd (now, &y2, &m2, &d2);
  if (y1 == y2 && m1 == m2 && d1 == d2)
    /* Translators: %s is a time of today, such as 03:00 */
    return g_strdup_printf (_("Starts at %s"), time);

  date = g_date_time_format (when, "%Y-%m-%d");
  /* Translators: a date such as 2026-12-08, then a time such as 03:00 */
  return g_strdup_printf (_("Starts on %s at %s"), date, time);
}

/* What a held task waits for, as its message says: its dependencies first. */
static void
update_message_locked (TaskerManager *self,
                       TaskerTask    *task)
{
  g_autofree char *message = NULL;
  guint n = task->slot.after != NULL ? task->slot.after->len : 0;
  TaskerTask *first = n > 0 ? g_ptr_array_index (task->slot.after, 0) : NULL;

  if (n == 1)
    /* Translators: %llu is a task's id */
    message = g_strdup_printf (_("Waiting for task %llu"), (unsigned long long) first->id);
  else if (n > 1)
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "Waiting for %u task", "Waiting for %u tasks", n),
                               n);
  else if (task->slot.start_source != NULL)
    message = format_start (task->slot.start_at);
  else
    return;

  _tasker_manager_set_message_locked (self, task, message);
}

/* A held task whose wait is over enters its queue. */
static void
release_locked (TaskerManager *self,
                TaskerTask    *task)
{
  if (!task->slot.held || task->slot.after_error != NULL)
    return;

  if (task->slot.start_source != NULL || (task->slot.after != NULL && task->slot.after->len > 0))
    {
      update_message_locked (self, task);
      return;
    }

  task->slot.held = FALSE;
  g_clear_pointer (&task->slot.after, g_ptr_array_unref);

  /* A cancel on its way ends it without a slot. */
  if (!g_atomic_int_get (&task->cancel_requested))
    _tasker_manager_admit_locked (self, task);
}

/* A start time is wall-clock time, but timeouts follow the monotonic clock,
 * which stops while the machine sleeps: the wait is cut into pieces of at
 * most a minute, each checking the wall clock, so a start after a suspend
 * (or a clock change) is at most a minute late. */
#define START_CHECK_MS 60000

static gboolean start_due_cb (gpointer data);

static void
arm_start_locked (TaskerManager *self,
                  TaskerTask    *task,
                  gint64         now)
{
  gint64 wait_ms = CLAMP ((task->slot.start_at - now + 999) / 1000, 0, START_CHECK_MS);

  task->slot.start_source = g_timeout_source_new ((guint) wait_ms);
  g_source_set_callback (task->slot.start_source, start_due_cb, task, NULL);
  g_source_set_static_name (task->slot.start_source, "[tasker-start]");
  g_source_attach (task->slot.start_source, self->context);
}

static gboolean
start_due_cb (gpointer data)
{
  TaskerTask *task = data;
  TaskerManager *self = task->manager;
  gint64 now = g_get_real_time ();

  g_mutex_lock (&self->lock);
  g_clear_pointer (&task->slot.start_source, g_source_unref);
  if (task->slot.start_at - now >= 1000)
    arm_start_locked (self, task, now);
  else
    release_locked (self, task);
  g_mutex_unlock (&self->lock);

  return G_SOURCE_REMOVE;
}

static GError *
dependency_error (TaskerTask *dependency)
{
  unsigned long long id = dependency->id;

  /* Translators: %llu is a task's id (of a task another one waited for) */
  if (dependency->status == TASKER_TASK_STATUS_CANCELLED)
    return g_error_new (TASKER_ERROR, TASKER_ERROR_DEPENDENCY_FAILED,
                        _("task %llu was cancelled"), id);
  /* Translators: %llu is a task's id (of a task another one waited for) */
  return g_error_new (TASKER_ERROR, TASKER_ERROR_DEPENDENCY_FAILED, _("task %llu failed"), id);
}

/* @dependency (final, not completed) fails @task, soon, on the manager's context. */
static void
fail_locked (TaskerManager *self,
             TaskerTask    *task,
             TaskerTask    *dependency)
{
  task->slot.after_error = dependency_error (dependency);
  task->slot.after_failed_by = g_object_ref (dependency);
  _tasker_manager_push_msg_locked (self, MSG_DEPENDENCY_FAILED, task, NULL, NULL);
}

/* Whether @task may only end after one of @ancestors: it is one, or waits
 * for one through its dependencies or children. A walk with a stack of its
 * own, as a chain of dependencies may be long. */
static gboolean
waits_for_any (TaskerTask *task,
               GPtrArray  *ancestors,
               GHashTable *seen)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();

  g_ptr_array_add (stack, task);
  while (stack->len > 0)
    {
      TaskerTask *t = g_ptr_array_steal_index_fast (stack, stack->len - 1);

      if (g_ptr_array_find (ancestors, t, NULL))
        return TRUE;
      if (!t->slot.unfinished || !g_hash_table_add (seen, t))
        continue;

      for (guint i = 0; t->slot.after != NULL && i < t->slot.after->len; i++)
        g_ptr_array_add (stack, g_ptr_array_index (t->slot.after, i));
      for (guint i = 0; t->tree.children != NULL && i < t->tree.children->len; i++)
        g_ptr_array_add (stack, g_ptr_array_index (t->tree.children, i));
    }

  return FALSE;
}

/* What is refused at submit (DESIGN.md §10): both start options; a
 * dependency of another manager, or one the new task could never outlive. */
gboolean
_tasker_manager_check_waiting_locked (TaskerManager      *self,
                                      TaskerTaskOptions  *options,
                                      GPtrArray          *after,
                                      TaskerTask         *parent,
                                      GError            **error)
{
  g_autoptr(GPtrArray) ancestors = NULL;
  g_autoptr(GHashTable) seen = NULL;

  if (options != NULL && tasker_task_options_get_start_at (options) != 0 &&
      tasker_task_options_get_start_delay_ms (options) != 0)
    {
      g_set_error_literal (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                           "the options start-at and start-delay-ms cannot both be set");
      return FALSE;
    }

  for (guint i = 0; after != NULL && i < after->len; i++)
    {
      TaskerTask *dependency = g_ptr_array_index (after, i);

      if (dependency->manager != self)
        {
          g_set_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                       "the task %" G_GUINT64_FORMAT " to wait for (after) belongs to another manager",
                       dependency->id);
          return FALSE;
        }

      if (parent == NULL)
        continue;

      /* The new task's parent and its ancestors end after it: waiting for
       * them, or for what waits for them, would never end. */
      if (ancestors == NULL)
        {
          ancestors = g_ptr_array_new ();
          for (TaskerTask *t = parent; t != NULL; t = t->tree.parent)
            g_ptr_array_add (ancestors, t);
          seen = g_hash_table_new (NULL, NULL);
        }
      if (waits_for_any (dependency, ancestors, seen))
        {
          g_set_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                       "waiting for task %" G_GUINT64_FORMAT " (after) would never end: it is, or waits for, "
                       "the new task's parent task %" G_GUINT64_FORMAT " or one of its ancestors",
                       dependency->id, parent->id);
          return FALSE;
        }
    }

  return TRUE;
}

/* At submit, with @task registered: holds it if it must wait. Returns
 * whether it does (else the caller admits it). */
gboolean
_tasker_manager_hold_locked (TaskerManager     *self,
                             TaskerTask        *task,
                             TaskerTaskOptions *options,
                             GPtrArray         *after)
{
  TaskerTask *failed = NULL;
  guint delay_ms = 0;

  if (options != NULL)
    {
      gint64 start_at = tasker_task_options_get_start_at (options);
      gint64 now = g_get_real_time ();

      task->slot.after_any_outcome = tasker_task_options_get_after_any_outcome (options);
      if (tasker_task_options_get_start_delay_ms (options) != 0)
        {
          delay_ms = tasker_task_options_get_start_delay_ms (options);
          task->slot.start_at = now + (gint64) delay_ms * 1000;
        }
      else if (start_at > now)
        {
          delay_ms = (guint) MIN ((start_at - now + 999) / 1000, (gint64) G_MAXUINT);
          task->slot.start_at = start_at;
        }
    }

  for (guint i = 0; after != NULL && i < after->len; i++)
    {
      TaskerTask *dependency = g_ptr_array_index (after, i);

      if (dependency->slot.unfinished)
        {
          if (task->slot.after == NULL)
            task->slot.after = g_ptr_array_new_with_free_func (g_object_unref);
          g_ptr_array_add (task->slot.after, g_object_ref (dependency));
          if (dependency->slot.dependants == NULL)
            dependency->slot.dependants = g_hash_table_new (NULL, NULL);
          g_hash_table_add (dependency->slot.dependants, task);
        }
      /* Ended already: it counts at once (its status was set before it
       * left the unfinished list, under this lock). */
      else if (failed == NULL && dependency->status != TASKER_TASK_STATUS_COMPLETED &&
               !task->slot.after_any_outcome)
        failed = dependency;
    }

  if (failed == NULL && delay_ms == 0 && task->slot.after == NULL)
    return FALSE;

  task->slot.held = TRUE;
  if (failed != NULL)
    {
      fail_locked (self, task, failed);
      return TRUE;
    }

  if (delay_ms > 0)
    arm_start_locked (self, task, task->slot.start_at - (gint64) delay_ms * 1000);
  update_message_locked (self, task);

  return TRUE;
}

static int
compare_ids (gconstpointer a,
             gconstpointer b,
             gpointer      user_data)
{
  guint64 id_a = (*(TaskerTask * const *) a)->id;
  guint64 id_b = (*(TaskerTask * const *) b)->id;

  return id_a < id_b ? -1 : id_a > id_b;
}

/* @task has ended (final, under the lock in finish_task): it leaves what it
 * waited in, and the tasks waiting for it hear of it. Its start timer goes
 * to @start_source, for the caller to destroy once unlocked. */
void
_tasker_manager_waiting_ended_locked (TaskerManager  *self,
                                      TaskerTask     *task,
                                      GSource       **start_source)
{
  g_autoptr(GHashTable) waiting_set = g_steal_pointer (&task->slot.dependants);
  g_autofree gpointer *dependants = NULL;
  guint n_dependants = 0;

  *start_source = g_steal_pointer (&task->slot.start_source);
  task->slot.held = FALSE;

  if (task->slot.after != NULL)
    {
      for (guint i = 0; i < task->slot.after->len; i++)
        {
          TaskerTask *dependency = g_ptr_array_index (task->slot.after, i);

          g_hash_table_remove (dependency->slot.dependants, task);
        }
      g_clear_pointer (&task->slot.after, g_ptr_array_unref);
    }

  /* Released in the order they were submitted. */
  if (waiting_set != NULL)
    {
      dependants = g_hash_table_get_keys_as_array (waiting_set, &n_dependants);
      g_qsort_with_data (dependants, n_dependants, sizeof (gpointer), compare_ids, NULL);
    }
  for (guint i = 0; i < n_dependants; i++)
    {
      TaskerTask *waiting = dependants[i];

      g_ptr_array_remove_fast (waiting->slot.after, task);
      if (waiting->slot.after_error != NULL)
        continue;
      if (task->status != TASKER_TASK_STATUS_COMPLETED && !waiting->slot.after_any_outcome)
        fail_locked (self, waiting, task);
      else
        release_locked (self, waiting);
    }
}

/* Manager's context: a held task one of whose dependencies failed or was
 * cancelled fails, unless a cancel got to it first. What it needs to run
 * again goes to that dependency, for tasker_manager_rearm_dependants(). */
void
_tasker_manager_handle_dependency_failed (TaskerManager *self,
                                          TaskerTask    *task)
{
  g_autoptr(TaskerTask) dependency = NULL;
  Rearm *rearm;
  GError *error;

  if (_tasker_task_is_final (task) ||
      !g_atomic_int_compare_and_exchange (&task->run_state, TASKER_RUN_STATE_WAITING,
                                          TASKER_RUN_STATE_CLAIMED))
    return;

  rearm = g_new0 (Rearm, 1);
  rearm->task = g_object_ref (task);
  rearm->options = task->options != NULL ? g_object_ref (task->options) : NULL;
  rearm->after = g_ptr_array_new_with_free_func (g_object_unref);

  g_mutex_lock (&self->lock);
  error = g_error_copy (task->slot.after_error);
  dependency = g_steal_pointer (&task->slot.after_failed_by);
  for (guint i = 0; task->slot.after != NULL && i < task->slot.after->len; i++)
    g_ptr_array_add (rearm->after, g_object_ref (g_ptr_array_index (task->slot.after, i)));
  if (dependency->slot.rearms == NULL)
    dependency->slot.rearms = g_ptr_array_new_with_free_func ((GDestroyNotify) rearm_free);
  g_mutex_unlock (&self->lock);

  /* It never ran: its function's data (which its done function may read)
   * moves to the rearm once it has ended; a resubmit takes it. */
  task->slot.keeps_func_data = TRUE;
  _tasker_manager_finish_task (self, task, TASKER_TASK_STATUS_FAILED, error);
  rearm->func_data = g_steal_pointer (&task->func_data);
  rearm->func_data_destroy = g_steal_pointer (&task->func_data_destroy);

  g_mutex_lock (&self->lock);
  g_ptr_array_add (dependency->slot.rearms, rearm);
  g_mutex_unlock (&self->lock);
}

/**
 * tasker_manager_rearm_dependants:
 * @self: a #TaskerManager
 * @old_task: a task of @self that failed or was cancelled
 * @new_task: the task that runs it again
 * @error: return location for an error
 *
 * Re-arms what waited for a task that is being run again: every task that
 * waited for @old_task ([method@Tasker.TaskOptions.add_after]) and failed
 * only because @old_task failed or was cancelled
 * (%TASKER_ERROR_DEPENDENCY_FAILED) is submitted again, as a new task with
 * the same kind, key, function and data (or command, or entry point and
 * arguments) and options, that waits for @new_task and for its other
 * dependencies that had not ended when it failed. What failed because such
 * a dependant failed is re-armed the same way, waiting for the dependant's
 * new task, and so on down the chain. A program calls this when it runs a
 * failed task again as a new task (Retry); it keeps @old_task for that,
 * since what the dependants need is kept on it, and freed with it — their
 * functions' data included. Each failed dependant is re-armed at most once:
 * a second call with the same @old_task returns no task. A dependant whose
 * resubmission is refused (its parent has ended, its queue is full) is
 * skipped and let go. Thread and coroutine tasks are re-armed too: a
 * dependant that never ran never used its function's data, which passes to
 * the new task. Safe from any thread.
 *
 * Returns: (transfer container) (element-type TaskerTask) (nullable): the
 *   new tasks, in the order they were submitted, possibly none; %NULL with @error set if @old_task or
 *   @new_task belongs to another manager (%TASKER_ERROR_INVALID_ARGUMENT) or
 *   the manager was shut down (%TASKER_ERROR_SHUT_DOWN)
 *
 * Since: 1.0
 */
/* Resubmits the dependants @old_task's failure failed, each waiting for
 * @new_task, then theirs, each waiting for its own new task. */
static void
rearm (TaskerManager *self,
       TaskerTask    *old_task,
       TaskerTask    *new_task,
       GPtrArray     *tasks)
{
  g_autoptr(GPtrArray) rearms = NULL;

  g_mutex_lock (&self->lock);
  rearms = g_steal_pointer (&old_task->slot.rearms);
  g_mutex_unlock (&self->lock);

  for (guint i = 0; rearms != NULL && i < rearms->len; i++)
    {
      Rearm *r = g_ptr_array_index (rearms, i);
      TaskerTask *old = r->task;
      g_autoptr(GError) local_error = NULL;
      TaskerTask *task;

      g_ptr_array_add (r->after, g_object_ref (new_task));
      /* The resubmitted task owns the function's data from here on. */
      task = _tasker_manager_resubmit (self, old->kind, old->key, r->options, old->func,
                                       g_steal_pointer (&r->func_data),
                                       g_steal_pointer (&r->func_data_destroy),
                                       old->call, r->after, &local_error);
      if (task == NULL)
        {
          g_debug ("Task %" G_GUINT64_FORMAT ", which waited for task %" G_GUINT64_FORMAT
                   ", was not re-armed: %s", old->id, old_task->id, local_error->message);
          continue;
        }
      g_ptr_array_add (tasks, task);
      rearm (self, old, task, tasks);
    }
}

GPtrArray *
tasker_manager_rearm_dependants (TaskerManager  *self,
                                 TaskerTask     *old_task,
                                 TaskerTask     *new_task,
                                 GError        **error)
{
  g_autoptr(GPtrArray) tasks = NULL;
  gboolean shut_down;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (TASKER_IS_TASK (old_task), NULL);
  g_return_val_if_fail (TASKER_IS_TASK (new_task), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (old_task->manager != self || new_task->manager != self)
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                   "the task %" G_GUINT64_FORMAT " belongs to another manager",
                   old_task->manager != self ? old_task->id : new_task->id);
      return NULL;
    }

  g_mutex_lock (&self->lock);
  shut_down = self->shut_down;
  g_mutex_unlock (&self->lock);
  if (shut_down)
    {
      g_set_error_literal (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN,
                           "The task manager has been shut down");
      return NULL;
    }

  tasks = g_ptr_array_new_with_free_func (g_object_unref);
  rearm (self, old_task, new_task, tasks);

  return g_steal_pointer (&tasks);
}
