/* tasker-manager-history.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-coroutine-runner-private.h"
#include "tasker-enums.h"
#include "tasker-error.h"
#include "tasker-history-private.h"
#include "tasker-manager-private.h"
#include "tasker-process-runner-private.h"
#include "tasker-queue-private.h"
#include "tasker-trace-private.h"
#include "tasker-task-list-private.h"
#include "tasker-task-options-private.h"
#include "tasker-task-private.h"
#include "tasker-thread-runner-private.h"

/* The manager's history facade: the history it owns (swapped when its path
 * changes, its limits applied on its writer) and the asynchronous queries. */

static gpointer
free_history_thread (gpointer data)
{
  _tasker_history_free (data);
  return NULL;
}

/* On the manager's context, where records are added: a history replaced by
 * another goes only once nothing can be adding to it; its last flush runs
 * on a thread of its own, so nobody waits for the disk. */
static gboolean
swap_history_cb (gpointer data)
{
  TaskerManager *self = data;
  TaskerHistory *old;
  TaskerHistory *history = NULL;
  g_autofree char *path = NULL;
  guint max_age_days, max_count;

  g_mutex_lock (&self->lock);
  path = g_strdup (self->history_path);
  max_age_days = self->history_max_age_days;
  max_count = self->history_max_count;
  g_mutex_unlock (&self->lock);

  if (path != NULL)
    history = _tasker_history_new (path, max_age_days, max_count);
  /* Under @lock: shutdown() takes it from any thread, and flushes the
   * replaced ones until they are closed. */
  g_mutex_lock (&self->lock);
  old = self->history;
  self->history = history;
  if (self->closing_histories != NULL)
    {
      for (guint i = self->closing_histories->len; i-- > 0; )
        {
          if (_tasker_history_is_closed (self->closing_histories->pdata[i]))
            g_ptr_array_remove_index_fast (self->closing_histories, i);
        }
    }
  if (old != NULL)
    {
      if (self->closing_histories == NULL)
        self->closing_histories = g_ptr_array_new_with_free_func ((GDestroyNotify) _tasker_history_unref);
      g_ptr_array_add (self->closing_histories, _tasker_history_ref (old));
    }
  g_mutex_unlock (&self->lock);

  if (old != NULL)
    g_thread_unref (g_thread_new ("tasker-history-close", free_history_thread, old));

  return G_SOURCE_REMOVE;
}

static void
schedule_on_context (TaskerManager *self,
                     GSourceFunc    func)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, g_object_ref (self), g_object_unref);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/**
 * tasker_manager_dup_history_path:
 * @self: a #TaskerManager
 *
 * Gets [property@Tasker.Manager:history-path]. Safe from any thread.
 *
 * Returns: (transfer full) (nullable) (type filename): the history database, or %NULL
 *
 * Since: 1.0
 */
char *
tasker_manager_dup_history_path (TaskerManager *self)
{
  char *path;

  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);

  g_mutex_lock (&self->lock);
  path = g_strdup (self->history_path);
  g_mutex_unlock (&self->lock);

  return path;
}

/**
 * tasker_manager_set_history_path:
 * @self: a #TaskerManager
 * @path: (nullable) (type filename): the history database, or %NULL for none
 *
 * Sets [property@Tasker.Manager:history-path]. The database is opened on a
 * thread of its own; tasks that end after this call are recorded (when
 * another thread is running the manager's context at that moment, from its
 * next iteration on).
 *
 * Since: 1.0
 */
void
tasker_manager_set_history_path (TaskerManager *self,
                                 const char    *path)
{
  gboolean changed;

  g_return_if_fail (TASKER_IS_MANAGER (self));

  g_mutex_lock (&self->lock);
  changed = g_strcmp0 (self->history_path, path) != 0;
  if (changed)
    {
      g_free (self->history_path);
      self->history_path = g_strdup (path);
    }
  g_mutex_unlock (&self->lock);

  if (!changed)
    return;

  /* Right away when nobody else can be recording tasks meanwhile (the
   * context is ours, or free), so no task that ends after this call is
   * missed; else on the context, soon. */
  if (g_main_context_is_owner (self->context))
    swap_history_cb (self);
  else if (g_main_context_acquire (self->context))
    {
      swap_history_cb (self);
      g_main_context_release (self->context);
    }
  else
    schedule_on_context (self, swap_history_cb);
  _tasker_manager_notify_on_context (self, PROP_HISTORY_PATH);
}

static gboolean
apply_history_limits_cb (gpointer data)
{
  TaskerManager *self = data;
  guint max_age_days, max_count;

  g_mutex_lock (&self->lock);
  max_age_days = self->history_max_age_days;
  max_count = self->history_max_count;
  g_mutex_unlock (&self->lock);

  if (self->history != NULL)
    _tasker_history_set_limits (self->history, max_age_days, max_count);

  return G_SOURCE_REMOVE;
}

void
_tasker_manager_set_history_limit (TaskerManager *self,
                                   guint          prop_id,
                                   guint          value)
{
  guint *field = prop_id == PROP_HISTORY_MAX_COUNT ? &self->history_max_count
                                                   : &self->history_max_age_days;
  gboolean changed;

  g_mutex_lock (&self->lock);
  changed = *field != value;
  *field = value;
  g_mutex_unlock (&self->lock);

  if (!changed)
    return;

  schedule_on_context (self, apply_history_limits_cb);
  _tasker_manager_notify_on_context (self, prop_id);
}

static void
query_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GListModel *records;

  records = _tasker_history_query_finish (g_task_get_task_data (task), result, &error);
  if (records != NULL)
    g_task_return_pointer (task, records, g_object_unref);
  else
    g_task_return_error (task, error);
}

/**
 * tasker_manager_query_history_async:
 * @self: a #TaskerManager
 * @query: what to look for
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: data for @callback
 *
 * Looks up finished tasks in the history (see
 * [property@Tasker.Manager:history-path]): newest first, one page as @query
 * says. The database is read on the history's own thread; @callback runs on
 * the thread-default main context of the caller. Call it on the manager's
 * main context.
 *
 * Since: 1.0
 */
void
tasker_manager_query_history_async (TaskerManager       *self,
                                    TaskerHistoryQuery  *query,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TASKER_IS_MANAGER (self));
  g_return_if_fail (TASKER_IS_HISTORY_QUERY (query));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tasker_manager_query_history_async);

  /* The history changes only on the manager's context: query from there. */
  if (self->history == NULL)
    {
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_FAILED,
                               "The task history is off: history-path is not set");
      return;
    }

  g_task_set_task_data (task, self->history, NULL);
  _tasker_history_query_async (self->history, query, cancellable, query_done_cb, g_steal_pointer (&task));
}

static void
clear_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (_tasker_history_clear_finish (g_task_get_task_data (task), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * tasker_manager_clear_history_async:
 * @self: a #TaskerManager
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the finished tasks' records are gone
 * @user_data: data for @callback
 *
 * Deletes the records of every finished task (tasks that end later are
 * recorded as usual), on the history's own thread. The records of durable
 * tasks that have not ended — still running or waiting here, or interrupted
 * ([property@Tasker.HistoryRecord:interrupted]) — stay: they are what a
 * restart trusts. Call it on the manager's main context.
 *
 * Since: 1.0
 */
void
tasker_manager_clear_history_async (TaskerManager       *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TASKER_IS_MANAGER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tasker_manager_clear_history_async);

  if (self->history == NULL)
    {
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_FAILED,
                               "The task history is off: history-path is not set");
      return;
    }

  g_task_set_task_data (task, self->history, NULL);
  _tasker_history_clear_async (self->history, cancellable, clear_done_cb, g_steal_pointer (&task));
}

/**
 * tasker_manager_clear_history_finish:
 * @self: a #TaskerManager
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Tasker.Manager.clear_history_async].
 *
 * Returns: whether the history was cleared
 *
 * Since: 1.0
 */
gboolean
tasker_manager_clear_history_finish (TaskerManager  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * tasker_manager_delete_history_record_async:
 * @self: a #TaskerManager
 * @record: a record a query of this manager's history returned
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the record is gone
 * @user_data: data for @callback
 *
 * Deletes one record from the history, on the history's own thread: an
 * interrupted task that was dealt with, say. Deleting a record that is
 * already gone succeeds. Call it on the manager's main context.
 *
 * Since: 1.0
 */
void
tasker_manager_delete_history_record_async (TaskerManager       *self,
                                            TaskerHistoryRecord *record,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TASKER_IS_MANAGER (self));
  g_return_if_fail (TASKER_IS_HISTORY_RECORD (record));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tasker_manager_delete_history_record_async);

  if (self->history == NULL)
    {
      g_task_return_new_error (task, TASKER_ERROR, TASKER_ERROR_FAILED,
                               "The task history is off: history-path is not set");
      return;
    }

  g_task_set_task_data (task, self->history, NULL);
  _tasker_history_delete_async (self->history, record, cancellable, clear_done_cb, g_steal_pointer (&task));
}

/**
 * tasker_manager_delete_history_record_finish:
 * @self: a #TaskerManager
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Tasker.Manager.delete_history_record_async].
 *
 * Returns: whether the record is no longer in the history
 *
 * Since: 1.0
 */
gboolean
tasker_manager_delete_history_record_finish (TaskerManager  *self,
                                             GAsyncResult   *result,
                                             GError        **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * tasker_manager_query_history_finish:
 * @self: a #TaskerManager
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Tasker.Manager.query_history_async].
 *
 * Returns: (transfer full): a #GListModel of [class@Tasker.HistoryRecord],
 *   newest first
 *
 * Since: 1.0
 */
GListModel *
tasker_manager_query_history_finish (TaskerManager  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (TASKER_IS_MANAGER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
