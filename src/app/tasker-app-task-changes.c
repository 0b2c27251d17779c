/* tasker-app-task-changes.c: which tasks a TasksChanged signal carries
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-app-task-changes.h"
#include "tasker-app-variant.h"

/* TaskerAppTaskChanges: what the io.github.tasker.Tasker1 interface last
 * said of each task in a TasksChanged, so that the next one carries only the
 * tasks whose status, progress or message changed since, and those that
 * ended. The manager's tasks-updated already comes at most once per update
 * interval, with every unfinished task; this keeps those a client would see
 * changed. Main thread only. */

struct _TaskerAppTaskChanges
{
  GObject     parent_instance;

  GHashTable *sent;                /* (owned) TaskerTask (owned) → Sent (owned): as last collected */
  GVariant   *progress_key;        /* (owned) "progress", shared by the deltas */
  GVariant   *message_key;         /* (owned) "message" */
  GPtrArray  *ended;               /* (owned) TaskerTask (owned) ended since last collected */
  guint       next_live;           /* where the next collect starts looking in the live tasks */
  gboolean    has_more;            /* the last collect stopped at MAX_PER_SIGNAL */
};

/* At most this many tasks per TasksChanged: ten thousand tasks submitted at
 * once would make one signal (and the main loop's time to build and send
 * it) that large. The rest follow in the next ones; each collect starts
 * where the last stopped, so no task waits behind busier ones for long. */
#define MAX_PER_SIGNAL 500

/* What a TasksChanged said of a task. */
typedef struct
{
  TaskerTaskStatus status;
  double           progress;
  char            *message;        /* (owned) (nullable) */
  GVariant        *id_entry;       /* (owned) (nullable) {"id": <id>}, made once */
} Sent;

/* The keys of a task that change while it lives: a TasksChanged carries
 * only these (GetTask has the rest). With ten thousand busy tasks, whole
 * dicts made each signal cost the main loop tens of milliseconds. */
static const char * const changing_keys[] = {
  "id", "status", "progress", "message", "started", "finished", "error", "exit-status", NULL,
};

G_DEFINE_FINAL_TYPE (TaskerAppTaskChanges, tasker_app_task_changes, G_TYPE_OBJECT)

static void
sent_free (Sent *sent)
{
  g_free (sent->message);
  g_clear_pointer (&sent->id_entry, g_variant_unref);
  g_free (sent);
}

static gboolean
sent_differs (Sent       *sent,
              TaskerTask *task)
{
  return sent == NULL
         || sent->status != tasker_task_get_status (task)
         || sent->progress != tasker_task_get_progress (task)
         || g_strcmp0 (sent->message, tasker_task_get_message (task)) != 0;
}

static void
remember_sent (TaskerAppTaskChanges *self,
               TaskerTask           *task)
{
  Sent *sent = g_hash_table_lookup (self->sent, task);
  const char *message = tasker_task_get_message (task);

  /* Updated in place: a busy task changes every interval. */
  if (sent == NULL)
    {
      sent = g_new0 (Sent, 1);
      g_hash_table_insert (self->sent, g_object_ref (task), sent);
    }
  sent->status = tasker_task_get_status (task);
  sent->progress = tasker_task_get_progress (task);
  if (g_strcmp0 (sent->message, message) != 0)
    {
      g_free (sent->message);
      sent->message = g_strdup (message);
    }
}

/* A task whose status is what was last sent: its id and what changed of
 * its progress and message (a message cleared is ""). A thousand busy tasks
 * make this the common case, so it is made of as few new values as it can
 * be: the id's entry and the keys are made once and shared. */
static GVariant *
new_delta (TaskerAppTaskChanges *self,
           Sent                 *sent,
           TaskerTask           *task)
{
  const char *message = tasker_task_get_message (task);
  double progress = tasker_task_get_progress (task);
  GVariant *entries[3];
  guint n = 0;

  if (sent->id_entry == NULL)
    sent->id_entry = g_variant_ref_sink (g_variant_new ("{sv}", "id", g_variant_new_uint64 (tasker_task_get_id (task))));
  entries[n++] = sent->id_entry;
  if (sent->progress != progress)
    entries[n++] = g_variant_new_dict_entry (self->progress_key,
                                             g_variant_new_variant (g_variant_new_double (progress)));
  if (g_strcmp0 (sent->message, message) != 0)
    entries[n++] = g_variant_new_dict_entry (self->message_key,
                                             g_variant_new_variant (g_variant_new_string (message != NULL ? message : "")));

  return g_variant_new_array (G_VARIANT_TYPE ("{sv}"), entries, n);
}

static void
tasker_app_task_changes_finalize (GObject *object)
{
  TaskerAppTaskChanges *self = (TaskerAppTaskChanges *) object;

  g_clear_pointer (&self->sent, g_hash_table_unref);
  g_clear_pointer (&self->progress_key, g_variant_unref);
  g_clear_pointer (&self->message_key, g_variant_unref);
  g_clear_pointer (&self->ended, g_ptr_array_unref);

  G_OBJECT_CLASS (tasker_app_task_changes_parent_class)->finalize (object);
}

static void
tasker_app_task_changes_class_init (TaskerAppTaskChangesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tasker_app_task_changes_finalize;
}

static void
tasker_app_task_changes_init (TaskerAppTaskChanges *self)
{
  self->sent = g_hash_table_new_full (NULL, NULL, g_object_unref, (GDestroyNotify) sent_free);
  self->ended = g_ptr_array_new_with_free_func (g_object_unref);
  self->progress_key = g_variant_ref_sink (g_variant_new_string ("progress"));
  self->message_key = g_variant_ref_sink (g_variant_new_string ("message"));
}

TaskerAppTaskChanges *
tasker_app_task_changes_new (void)
{
  return g_object_new (TASKER_APP_TYPE_TASK_CHANGES, NULL);
}

/**
 * tasker_app_task_changes_add_ended:
 *
 * @task has ended: the next collect carries it, whatever it says of it.
 */
void
tasker_app_task_changes_add_ended (TaskerAppTaskChanges *self,
                                   TaskerTask           *task)
{
  g_return_if_fail (TASKER_APP_IS_TASK_CHANGES (self));
  g_return_if_fail (TASKER_IS_TASK (task));

  g_ptr_array_add (self->ended, g_object_ref (task));
}

/**
 * tasker_app_task_changes_collect:
 * @live: (element-type TaskerTask): the unfinished tasks, as the
 *   manager's tasks-updated gives them
 *
 * The tasks that ended since the last collect (then forgotten), and those
 * of @live that changed since they were last collected: at most
 * MAX_PER_SIGNAL, the rest left for the next collects.
 *
 * Returns: (transfer floating) (nullable): their aa{sv}, or %NULL when
 *   there is none: for a task first seen, or whose status changed, the keys
 *   that change (id, status, progress, message, started, finished, error
 *   and exit-status); for one whose status did not, its id and those of
 *   progress and message that changed
 */
GVariant *
tasker_app_task_changes_collect (TaskerAppTaskChanges *self,
                                 GListModel           *live)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  guint n_changed = 0;
  guint i, n, start;

  g_return_val_if_fail (TASKER_APP_IS_TASK_CHANGES (self), NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (live), NULL);

  /* Ended ones first: theirs is the state a client must not miss. */
  for (i = 0; i < self->ended->len && n_changed < MAX_PER_SIGNAL; i++, n_changed++)
    {
      TaskerTask *task = g_ptr_array_index (self->ended, i);

      g_hash_table_remove (self->sent, task);
      g_variant_builder_add_value (&builder, tasker_app_variant_new_task (task, changing_keys));
    }
  g_ptr_array_remove_range (self->ended, 0, i);

  n = g_list_model_get_n_items (live);
  start = self->next_live < n ? self->next_live : 0;
  for (i = 0; i < n && n_changed < MAX_PER_SIGNAL; i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (live, (start + i) % n);

      Sent *sent = g_hash_table_lookup (self->sent, task);

      if (!sent_differs (sent, task))
        continue;
      if (sent == NULL || sent->status != tasker_task_get_status (task))
        g_variant_builder_add_value (&builder, tasker_app_variant_new_task (task, changing_keys));
      else
        g_variant_builder_add_value (&builder, new_delta (self, sent, task));
      remember_sent (self, task);
      n_changed++;
    }
  self->next_live = n > 0 ? (start + i) % n : 0;
  self->has_more = n_changed >= MAX_PER_SIGNAL;

  return n_changed > 0 ? g_variant_builder_end (&builder) : NULL;
}

/**
 * tasker_app_task_changes_has_more:
 *
 * Returns: whether the last collect stopped at its bound, so that another
 *   may find more
 */
gboolean
tasker_app_task_changes_has_more (TaskerAppTaskChanges *self)
{
  g_return_val_if_fail (TASKER_APP_IS_TASK_CHANGES (self), FALSE);

  return self->has_more;
}
