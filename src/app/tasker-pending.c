/* tasker-pending.c: the journal of unfinished commands, kept across restarts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>

#include "tasker-pending.h"

/* TaskerPending: nothing the user queued is lost when Tasker quits or
 * crashes.
 *
 * The history database only records tasks that ended, so unfinished
 * commands are kept in a small journal of their own,
 * `$XDG_DATA_HOME/tasker/pending.ini` (a GKeyFile, one group per command:
 * its command line, argv, working directory, queue, timeout, retries and
 * whether it had started). The file is rewritten atomically
 * (g_file_set_contents writes a temporary file and renames it) shortly after
 * the set of unfinished commands changes: a command is submitted (track),
 * starts (TaskerManager::task-started) or ends (TaskerManager::task-finished).
 * Writes are coalesced over WRITE_DELAY_MS, so a burst of changes costs one
 * write, and a crash loses at most that much.
 *
 * At the next start, restore() reads it back: commands that had not started
 * are returned for the application to submit again; commands that were
 * running cannot be resumed half-way, so they go to the "interrupted" model,
 * which the window lists with a Re-run button. Interrupted commands stay in
 * the journal until the user re-runs or dismisses them.
 *
 * Quitting cancels every task, and those cancellations must not empty the
 * journal: the application calls stop() first, which writes the file one last
 * time and stops following the manager.
 *
 * Main thread only (the manager's signals arrive on its context). */

#define WRITE_DELAY_MS 100

typedef struct
{
  TaskerCommand *command;  /* (owned) */
  gboolean       started;
} Entry;

struct _TaskerPending
{
  GObject        parent_instance;

  TaskerManager *manager;      /* (owned) */
  char          *path;         /* (owned) */
  GHashTable    *tracked;      /* (owned) TaskerTask (owned) → Entry (owned) */
  GListStore    *interrupted;  /* (owned) (element-type TaskerCommand) */
  guint          write_id;     /* coalesced write, or 0 */
  gulong         started_id;
  gulong         finished_id;
  gboolean       stopped;
};

G_DEFINE_FINAL_TYPE (TaskerPending, tasker_pending, G_TYPE_OBJECT)

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_clear_object (&entry->command);
  g_free (entry);
}

static void
add_group (GKeyFile      *file,
           guint          n,
           TaskerCommand *command,
           gboolean       started)
{
  char group[32];
  const char * const *argv = tasker_command_get_argv (command);

  g_snprintf (group, sizeof group, "command-%u", n);
  g_key_file_set_string (file, group, "command", tasker_command_get_command_line (command));
  g_key_file_set_string_list (file, group, "argv", argv, g_strv_length ((char **) argv));
  if (tasker_command_get_cwd (command) != NULL)
    g_key_file_set_string (file, group, "cwd", tasker_command_get_cwd (command));
  if (tasker_command_get_queue (command) != NULL)
    g_key_file_set_string (file, group, "queue", tasker_command_get_queue (command));
  g_key_file_set_uint64 (file, group, "timeout", tasker_command_get_timeout (command));
  g_key_file_set_uint64 (file, group, "retries", tasker_command_get_retries (command));
  g_key_file_set_boolean (file, group, "started", started);
}

static gint
compare_task_ids (gconstpointer a,
                  gconstpointer b)
{
  guint64 ida = tasker_task_get_id (*(TaskerTask **) a);
  guint64 idb = tasker_task_get_id (*(TaskerTask **) b);

  return ida < idb ? -1 : ida > idb;
}

static void
write_now (TaskerPending *self)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tasks = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;
  GHashTableIter iter;
  gpointer key;
  guint n = 0;
  guint n_interrupted;

  g_clear_handle_id (&self->write_id, g_source_remove);

  n_interrupted = g_list_model_get_n_items (G_LIST_MODEL (self->interrupted));
  for (guint i = 0; i < n_interrupted; i++)
    {
      g_autoptr(TaskerCommand) command = g_list_model_get_item (G_LIST_MODEL (self->interrupted), i);
      add_group (file, n++, command, TRUE);
    }

  /* In submission order, so a restart queues them as they were. */
  tasks = g_ptr_array_sized_new (g_hash_table_size (self->tracked));
  g_hash_table_iter_init (&iter, self->tracked);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (tasks, key);
  g_ptr_array_sort (tasks, compare_task_ids);
  for (guint i = 0; i < tasks->len; i++)
    {
      Entry *entry = g_hash_table_lookup (self->tracked, tasks->pdata[i]);
      add_group (file, n++, entry->command, entry->started);
    }

  if (n == 0)
    {
      if (g_unlink (self->path) != 0 && errno != ENOENT)
        g_warning ("Cannot remove %s: %s", self->path, g_strerror (errno));
      return;
    }

  dir = g_path_get_dirname (self->path);
  g_mkdir_with_parents (dir, 0700);
  data = g_key_file_to_data (file, &length, NULL);
  if (!g_file_set_contents_full (self->path, data, length,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_warning ("Cannot save the unfinished commands: %s", error->message);
}

static gboolean
write_cb (gpointer user_data)
{
  TaskerPending *self = user_data;

  self->write_id = 0;
  write_now (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_write (TaskerPending *self)
{
  if (self->write_id == 0 && !self->stopped)
    self->write_id = g_timeout_add (WRITE_DELAY_MS, write_cb, self);
}

static void
task_started_cb (TaskerPending *self,
                 TaskerTask    *task)
{
  Entry *entry = g_hash_table_lookup (self->tracked, task);

  if (entry != NULL && !entry->started)
    {
      entry->started = TRUE;
      schedule_write (self);
    }
}

static void
task_finished_cb (TaskerPending *self,
                  TaskerTask    *task)
{
  if (g_hash_table_remove (self->tracked, task))
    schedule_write (self);
}

static void
tasker_pending_dispose (GObject *object)
{
  TaskerPending *self = (TaskerPending *) object;

  tasker_pending_stop (self);
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (tasker_pending_parent_class)->dispose (object);
}

static void
tasker_pending_finalize (GObject *object)
{
  TaskerPending *self = (TaskerPending *) object;

  g_clear_pointer (&self->tracked, g_hash_table_unref);
  g_clear_object (&self->interrupted);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (tasker_pending_parent_class)->finalize (object);
}

static void
tasker_pending_class_init (TaskerPendingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tasker_pending_dispose;
  object_class->finalize = tasker_pending_finalize;
}

static void
tasker_pending_init (TaskerPending *self)
{
  self->tracked = g_hash_table_new_full (NULL, NULL, g_object_unref, entry_free);
  self->interrupted = g_list_store_new (TASKER_TYPE_COMMAND);
}

TaskerPending *
tasker_pending_new (TaskerManager *manager,
                    const char    *path)
{
  TaskerPending *self;

  g_return_val_if_fail (TASKER_IS_MANAGER (manager), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (TASKER_TYPE_PENDING, NULL);
  self->manager = g_object_ref (manager);
  self->path = g_strdup (path);
  self->started_id = g_signal_connect_swapped (manager, "task-started",
                                               G_CALLBACK (task_started_cb), self);
  self->finished_id = g_signal_connect_swapped (manager, "task-finished",
                                                G_CALLBACK (task_finished_cb), self);

  return self;
}

const char *
tasker_pending_get_path (TaskerPending *self)
{
  g_return_val_if_fail (TASKER_IS_PENDING (self), NULL);
  return self->path;
}

static TaskerCommand *
read_group (GKeyFile   *file,
            const char *group)
{
  g_auto(GStrv) argv = g_key_file_get_string_list (file, group, "argv", NULL, NULL);
  g_autofree char *cwd = g_key_file_get_string (file, group, "cwd", NULL);
  g_autofree char *queue = g_key_file_get_string (file, group, "queue", NULL);
  g_autofree char *line = g_key_file_get_string (file, group, "command", NULL);
  TaskerCommand *command;

  if (argv != NULL && argv[0] != NULL)
    command = tasker_command_new ((const char * const *) argv);
  else if (line != NULL)
    command = tasker_command_new_from_line (line, NULL);
  else
    command = NULL;
  if (command == NULL)
    return NULL;

  tasker_command_set_cwd (command, cwd);
  tasker_command_set_queue (command, queue);
  tasker_command_set_timeout (command, (guint) MIN (g_key_file_get_uint64 (file, group, "timeout", NULL), G_MAXUINT));
  tasker_command_set_retries (command, (guint) MIN (g_key_file_get_uint64 (file, group, "retries", NULL), G_MAXUINT));

  return command;
}

/**
 * tasker_pending_restore:
 *
 * Reads the journal the previous run left. Commands that had started are
 * added to the interrupted model; the ones that had not are returned, in
 * their original order, for the caller to submit and track again.
 *
 * Returns: (transfer full) (element-type TaskerCommand): the queued commands
 */
GPtrArray *
tasker_pending_restore (TaskerPending *self)
{
  g_autoptr(GPtrArray) queued = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (TASKER_IS_PENDING (self), NULL);

  if (!g_key_file_load_from_file (file, self->path, G_KEY_FILE_NONE, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("Cannot read the unfinished commands from %s: %s", self->path, error->message);
      return g_steal_pointer (&queued);
    }

  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr(TaskerCommand) command = read_group (file, groups[i]);

      if (command == NULL)
        continue;
      if (g_key_file_get_boolean (file, groups[i], "started", NULL))
        g_list_store_append (self->interrupted, command);
      else
        g_ptr_array_add (queued, g_steal_pointer (&command));
    }

  /* Until the caller tracks the queued ones again, only the interrupted ones
   * are known; keep the file as it is rather than rewriting it. */
  return g_steal_pointer (&queued);
}

void
tasker_pending_track (TaskerPending *self,
                      TaskerTask    *task,
                      TaskerCommand *command)
{
  Entry *entry;

  g_return_if_fail (TASKER_IS_PENDING (self));
  g_return_if_fail (TASKER_IS_TASK (task));
  g_return_if_fail (TASKER_IS_COMMAND (command));

  if (self->stopped || tasker_task_is_final (task))
    return;

  entry = g_new0 (Entry, 1);
  entry->command = g_object_ref (command);
  entry->started = tasker_task_get_status (task) != TASKER_TASK_STATUS_PENDING;
  g_hash_table_replace (self->tracked, g_object_ref (task), entry);
  schedule_write (self);
}

/* (element-type TaskerCommand) the commands that were running when Tasker
 * last quit. */
GListModel *
tasker_pending_get_interrupted (TaskerPending *self)
{
  g_return_val_if_fail (TASKER_IS_PENDING (self), NULL);
  return G_LIST_MODEL (self->interrupted);
}

/* Forgets an interrupted command: the user re-ran or dismissed it. */
void
tasker_pending_dismiss (TaskerPending *self,
                        TaskerCommand *command)
{
  guint position;

  g_return_if_fail (TASKER_IS_PENDING (self));

  if (g_list_store_find (self->interrupted, command, &position))
    {
      g_list_store_remove (self->interrupted, position);
      schedule_write (self);
    }
}

void
tasker_pending_flush (TaskerPending *self)
{
  g_return_if_fail (TASKER_IS_PENDING (self));

  if (!self->stopped)
    write_now (self);
}

/* Writes the journal and stops following the manager: what is unfinished
 * now stays in the file, whatever happens to the tasks afterwards. */
void
tasker_pending_stop (TaskerPending *self)
{
  g_return_if_fail (TASKER_IS_PENDING (self));

  if (self->stopped)
    return;

  write_now (self);
  self->stopped = TRUE;
  if (self->manager != NULL)
    {
      g_clear_signal_handler (&self->started_id, self->manager);
      g_clear_signal_handler (&self->finished_id, self->manager);
    }
}
