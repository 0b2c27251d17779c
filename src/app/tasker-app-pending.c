/* tasker-app-pending.c: the commands the last run left unfinished
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-app-pending.h"

/* TaskerAppPending: nothing the user queued is lost when Tasker quits or
 * crashes.
 *
 * Commands run as durable tasks (TaskerTaskOptions:durable): the history
 * database holds a record of each from its submission on, which its end
 * replaces. A command that Tasker quit or died before seeing end keeps its
 * record, marked interrupted, with its command line, working directory,
 * queue, timeout and retries in the record's descriptions.
 *
 * At the next start, restore() looks them up. A command that had not
 * started goes back in the queue, in its original order (the "requeue"
 * signal: the application runs it, as a new durable task whose first record
 * replaces the old one in the same transaction — TaskerTaskOptions:
 * replaces-record — so a crash at any moment leaves one record of it, and
 * it runs once). One that was running cannot be resumed half-way: it goes to
 * the "interrupted" model, which the window lists with Re-run and Dismiss;
 * its record stays until the user does either, so it is offered again after
 * another restart.
 *
 * Main thread only. */

struct _TaskerAppPending
{
  GObject        parent_instance;

  TaskerManager *manager;      /* (owned) */
  GListStore    *interrupted;  /* (owned) (element-type TaskerAppCommand), each with its "record" */
  GCancellable  *cancellable;  /* (owned) */
  gboolean       restored;
};

enum {
  REQUEUE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TaskerAppPending, tasker_app_pending, G_TYPE_OBJECT)

static void
deleted_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tasker_manager_delete_history_record_finish (TASKER_MANAGER (object), result, &error))
    g_warning ("Cannot forget an interrupted command: %s", error->message);
}

static void
forget (TaskerAppPending    *self,
        TaskerHistoryRecord *record)
{
  tasker_manager_delete_history_record_async (self->manager, record, NULL, deleted_cb, NULL);
}

/* Submission order: the shutdown ends waiting tasks newest first, so their
 * records' finished times are no guide. */
static int
compare_created (gconstpointer a,
                 gconstpointer b)
{
  TaskerHistoryRecord *ra = *(TaskerHistoryRecord **) a;
  TaskerHistoryRecord *rb = *(TaskerHistoryRecord **) b;
  gint64 ca = tasker_history_record_get_created_time (ra);
  gint64 cb = tasker_history_record_get_created_time (rb);
  guint64 ia = tasker_history_record_get_task_id (ra);
  guint64 ib = tasker_history_record_get_task_id (rb);

  if (ca != cb)
    return ca < cb ? -1 : 1;
  return ia < ib ? -1 : ia > ib;
}

static void
restored_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TaskerAppPending) self = user_data;
  g_autoptr(GListModel) records = NULL;
  g_autoptr(GPtrArray) sorted = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;

  records = tasker_manager_query_history_finish (TASKER_MANAGER (object), result, &error);
  if (records == NULL)
    {
      self->restored = TRUE;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN))
        g_warning ("Cannot look for the commands the last run left unfinished: %s", error->message);
      return;
    }

  for (guint i = 0; i < g_list_model_get_n_items (records); i++)
    g_ptr_array_add (sorted, g_list_model_get_item (records, i));
  g_ptr_array_sort (sorted, compare_created);

  for (guint i = 0; i < sorted->len; i++)
    {
      TaskerHistoryRecord *record = sorted->pdata[i];
      g_autoptr(TaskerAppCommand) command = NULL;
      g_autoptr(GError) command_error = NULL;

      command = tasker_app_command_new_from_record (record, &command_error);
      if (command == NULL)
        {
          /* Not one of ours (another program's durable task): leave it. */
          g_debug ("Interrupted task %s: %s", tasker_history_record_get_name (record), command_error->message);
          continue;
        }

      if (tasker_history_record_get_status (record) == TASKER_TASK_STATUS_PENDING)
        {
          g_autoptr(TaskerTask) task = NULL;

          tasker_app_command_set_replaces_record (command, record);
          g_signal_emit (self, signals[REQUEUE], 0, command, &task);
        }
      else
        {
          g_object_set_data_full (G_OBJECT (command), "record", g_object_ref (record), g_object_unref);
          g_list_store_append (self->interrupted, command);
        }
    }

  self->restored = TRUE;
}

static void
tasker_app_pending_dispose (GObject *object)
{
  TaskerAppPending *self = (TaskerAppPending *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (tasker_app_pending_parent_class)->dispose (object);
}

static void
tasker_app_pending_finalize (GObject *object)
{
  TaskerAppPending *self = (TaskerAppPending *) object;

  g_clear_object (&self->interrupted);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (tasker_app_pending_parent_class)->finalize (object);
}

static void
tasker_app_pending_class_init (TaskerAppPendingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tasker_app_pending_dispose;
  object_class->finalize = tasker_app_pending_finalize;

  /**
   * TaskerAppPending::requeue:
   * @command: a command that was queued, not started, when Tasker last quit
   *
   * Asks for @command to be run again; emitted by restore(), oldest first.
   *
   * Returns: (transfer full) (nullable): the new task
   */
  signals[REQUEUE] =
    g_signal_new ("requeue",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, g_signal_accumulator_first_wins, NULL, NULL,
                  TASKER_TYPE_TASK, 1, TASKER_APP_TYPE_COMMAND);
}

static void
tasker_app_pending_init (TaskerAppPending *self)
{
  self->interrupted = g_list_store_new (TASKER_APP_TYPE_COMMAND);
  self->cancellable = g_cancellable_new ();
}

TaskerAppPending *
tasker_app_pending_new (TaskerManager *manager)
{
  TaskerAppPending *self;

  g_return_val_if_fail (TASKER_IS_MANAGER (manager), NULL);

  self = g_object_new (TASKER_APP_TYPE_PENDING, NULL);
  self->manager = g_object_ref (manager);

  return self;
}

/**
 * tasker_app_pending_restore:
 *
 * Looks up, in the background, the commands the last run left unfinished:
 * emits TaskerAppPending::requeue for those that had not started, and adds
 * those that were running to the interrupted model. The manager's history
 * must be set.
 */
void
tasker_app_pending_restore (TaskerAppPending *self)
{
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();

  g_return_if_fail (TASKER_APP_IS_PENDING (self));

  tasker_history_query_set_interrupted (query, TRUE);
  tasker_history_query_set_limit (query, 0);
  tasker_manager_query_history_async (self->manager, query, self->cancellable,
                                      restored_cb, g_object_ref (self));
}

/**
 * tasker_app_pending_stop:
 *
 * Ends a restore still looking (the application quits): nothing is queued
 * again after this, and the records stay as they are for the next start.
 */
void
tasker_app_pending_stop (TaskerAppPending *self)
{
  g_return_if_fail (TASKER_APP_IS_PENDING (self));

  g_cancellable_cancel (self->cancellable);
}

/* Whether restore() has finished its work. */
gboolean
tasker_app_pending_is_restored (TaskerAppPending *self)
{
  g_return_val_if_fail (TASKER_APP_IS_PENDING (self), FALSE);
  return self->restored;
}

/* (element-type TaskerAppCommand) the commands that were running when Tasker
 * last quit. */
GListModel *
tasker_app_pending_get_interrupted (TaskerAppPending *self)
{
  g_return_val_if_fail (TASKER_APP_IS_PENDING (self), NULL);
  return G_LIST_MODEL (self->interrupted);
}

static gboolean
same_run (TaskerHistoryRecord *a,
          TaskerHistoryRecord *b)
{
  return tasker_history_record_get_trace_id (a) == tasker_history_record_get_trace_id (b)
      && tasker_history_record_get_created_time (a) == tasker_history_record_get_created_time (b);
}

/* The user re-ran an interrupted command from the History page: it is dealt
 * with, as if re-run from the list. Other records are left alone. */
void
tasker_app_pending_dismiss_record (TaskerAppPending    *self,
                                   TaskerHistoryRecord *record)
{
  g_return_if_fail (TASKER_APP_IS_PENDING (self));
  g_return_if_fail (TASKER_IS_HISTORY_RECORD (record));

  if (!tasker_history_record_get_interrupted (record))
    return;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->interrupted)); i++)
    {
      g_autoptr(TaskerAppCommand) command = g_list_model_get_item (G_LIST_MODEL (self->interrupted), i);
      TaskerHistoryRecord *listed = g_object_get_data (G_OBJECT (command), "record");

      if (listed != NULL && same_run (listed, record))
        {
          g_list_store_remove (self->interrupted, i);
          break;
        }
    }
  forget (self, record);
}

/* Forgets an interrupted command, here and in the history: the user re-ran
 * or dismissed it. */
void
tasker_app_pending_dismiss (TaskerAppPending *self,
                            TaskerAppCommand *command)
{
  guint position;

  g_return_if_fail (TASKER_APP_IS_PENDING (self));
  g_return_if_fail (TASKER_APP_IS_COMMAND (command));

  if (g_list_store_find (self->interrupted, command, &position))
    {
      TaskerHistoryRecord *record = g_object_get_data (G_OBJECT (command), "record");

      if (record != NULL)
        forget (self, record);
      g_list_store_remove (self->interrupted, position);
    }
}
