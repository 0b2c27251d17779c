/* tasker-app-log-followers.c: the clients that follow a task's log, and their LogLines
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tasker-app-log-followers.h"

/* TaskerAppLogFollowers: who follows which task's log (FollowLog of the
 * io.github.tasker.Tasker1 interface). A follower is a client's unique bus
 * name and a task, with its own read position in the task's log, so that
 * each client gets every line once whenever it started following. A timer
 * that runs only while someone follows sends each follower the lines it has
 * not been sent, at most once per task per interval, through the send
 * function; it knows nothing of the bus. Main thread only. */

struct _TaskerAppLogFollowers
{
  GObject               parent_instance;

  /* (owned) TaskerTask (owned) → GPtrArray (owned) of Follower; no array is empty */
  GHashTable           *follows;
  guint                 interval_ms;
  guint                 timer_id;     /* runs while follows is not empty */
  TaskerAppLogSendFunc  send;
  gpointer              send_data;    /* (unowned) it owns this */
};

typedef struct
{
  char    *name;                      /* (owned) the follower's unique bus name */
  guint64  position;                  /* the next log line it has not been sent */
} Follower;

G_DEFINE_FINAL_TYPE (TaskerAppLogFollowers, tasker_app_log_followers, G_TYPE_OBJECT)

static void
follower_free (Follower *follower)
{
  g_free (follower->name);
  g_free (follower);
}

/* The lines of @task's log from @position on, with a marker first for
 * those the log dropped before they could be read; @position moves on. */
static char **
read_log (TaskerTask *task,
          guint64    *position)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) lines = NULL;
  guint64 next = 0, n_dropped = 0;

  lines = tasker_task_dup_log_since (task, *position, &next, &n_dropped);
  if (n_dropped > *position)
    {
      g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, n_dropped - *position);
      g_autofree char *marker = g_strdup_printf (_("[%s lines dropped]"), count);

      g_strv_builder_add (builder, marker);
    }
  g_strv_builder_addv (builder, (const char **) lines);
  *position = next;

  return g_strv_builder_end (builder);
}

static void
send_new_lines (TaskerAppLogFollowers *self,
                TaskerTask            *task,
                Follower              *follower)
{
  g_auto(GStrv) lines = read_log (task, &follower->position);

  if (lines[0] != NULL)
    self->send (follower->name, task, (const char * const *) lines, self->send_data);
}

static gboolean
timer_cb (gpointer user_data)
{
  TaskerAppLogFollowers *self = user_data;
  GHashTableIter iter;
  gpointer task, followers;

  g_hash_table_iter_init (&iter, self->follows);
  while (g_hash_table_iter_next (&iter, &task, &followers))
    for (guint i = 0; i < ((GPtrArray *) followers)->len; i++)
      send_new_lines (self, task, g_ptr_array_index ((GPtrArray *) followers, i));

  return G_SOURCE_CONTINUE;
}

static void
update_timer (TaskerAppLogFollowers *self)
{
  if (g_hash_table_size (self->follows) == 0)
    g_clear_handle_id (&self->timer_id, g_source_remove);
  else if (self->timer_id == 0)
    self->timer_id = g_timeout_add (self->interval_ms, timer_cb, self);
}

static guint
find_follower (GPtrArray  *followers,
               const char *name)
{
  for (guint i = 0; i < followers->len; i++)
    if (strcmp (((Follower *) g_ptr_array_index (followers, i))->name, name) == 0)
      return i;
  return G_MAXUINT;
}

/* Returns whether @followers is empty once @name is not in it. */
static gboolean
remove_follower (GPtrArray  *followers,
                 const char *name)
{
  guint i = find_follower (followers, name);

  if (i != G_MAXUINT)
    g_ptr_array_remove_index_fast (followers, i);
  return followers->len == 0;
}

static void
tasker_app_log_followers_dispose (GObject *object)
{
  TaskerAppLogFollowers *self = (TaskerAppLogFollowers *) object;

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_hash_table_remove_all (self->follows);

  G_OBJECT_CLASS (tasker_app_log_followers_parent_class)->dispose (object);
}

static void
tasker_app_log_followers_finalize (GObject *object)
{
  TaskerAppLogFollowers *self = (TaskerAppLogFollowers *) object;

  g_clear_pointer (&self->follows, g_hash_table_unref);

  G_OBJECT_CLASS (tasker_app_log_followers_parent_class)->finalize (object);
}

static void
tasker_app_log_followers_class_init (TaskerAppLogFollowersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tasker_app_log_followers_dispose;
  object_class->finalize = tasker_app_log_followers_finalize;
}

static void
tasker_app_log_followers_init (TaskerAppLogFollowers *self)
{
  self->follows = g_hash_table_new_full (NULL, NULL, g_object_unref, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * tasker_app_log_followers_new:
 * @interval_ms: the time between two sends to a follower
 * @send: sends new lines to a follower
 * @user_data: for @send; it must outlive the followers
 */
TaskerAppLogFollowers *
tasker_app_log_followers_new (guint                interval_ms,
                              TaskerAppLogSendFunc send,
                              gpointer             user_data)
{
  TaskerAppLogFollowers *self;

  g_return_val_if_fail (send != NULL, NULL);

  self = g_object_new (TASKER_APP_TYPE_LOG_FOLLOWERS, NULL);
  self->interval_ms = interval_ms;
  self->send = send;
  self->send_data = user_data;
  return self;
}

/**
 * tasker_app_log_followers_follow:
 * @name: the follower's unique bus name
 *
 * @name follows @task's log from now on; when it already did, it starts
 * over.
 *
 * Returns: (transfer full): the log so far, which @name will not be sent
 */
char **
tasker_app_log_followers_follow (TaskerAppLogFollowers *self,
                                 TaskerTask            *task,
                                 const char            *name)
{
  GPtrArray *followers;
  Follower *follower;
  guint i;
  char **lines;

  g_return_val_if_fail (TASKER_APP_IS_LOG_FOLLOWERS (self), NULL);
  g_return_val_if_fail (TASKER_IS_TASK (task), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  followers = g_hash_table_lookup (self->follows, task);
  if (followers == NULL)
    {
      followers = g_ptr_array_new_with_free_func ((GDestroyNotify) follower_free);
      g_hash_table_insert (self->follows, g_object_ref (task), followers);
    }
  i = find_follower (followers, name);
  if (i != G_MAXUINT)
    follower = g_ptr_array_index (followers, i);
  else
    {
      follower = g_new0 (Follower, 1);
      follower->name = g_strdup (name);
      g_ptr_array_add (followers, follower);
    }
  follower->position = 0;
  lines = read_log (task, &follower->position);
  update_timer (self);

  return lines;
}

/**
 * tasker_app_log_followers_unfollow:
 *
 * @name no longer follows @task's log; no error when it did not.
 */
void
tasker_app_log_followers_unfollow (TaskerAppLogFollowers *self,
                                   TaskerTask            *task,
                                   const char            *name)
{
  GPtrArray *followers;

  g_return_if_fail (TASKER_APP_IS_LOG_FOLLOWERS (self));
  g_return_if_fail (TASKER_IS_TASK (task));
  g_return_if_fail (name != NULL);

  followers = g_hash_table_lookup (self->follows, task);
  if (followers != NULL && remove_follower (followers, name))
    g_hash_table_remove (self->follows, task);
  update_timer (self);
}

/**
 * tasker_app_log_followers_forget_name:
 *
 * @name (which left the bus) follows nothing any more.
 */
void
tasker_app_log_followers_forget_name (TaskerAppLogFollowers *self,
                                      const char            *name)
{
  GHashTableIter iter;
  gpointer followers;

  g_return_if_fail (TASKER_APP_IS_LOG_FOLLOWERS (self));
  g_return_if_fail (name != NULL);

  g_hash_table_iter_init (&iter, self->follows);
  while (g_hash_table_iter_next (&iter, NULL, &followers))
    if (remove_follower (followers, name))
      g_hash_table_iter_remove (&iter);
  update_timer (self);
}

/**
 * tasker_app_log_followers_flush_task:
 *
 * @task has ended: its followers are sent its last lines, then forgotten.
 */
void
tasker_app_log_followers_flush_task (TaskerAppLogFollowers *self,
                                     TaskerTask            *task)
{
  GPtrArray *followers;

  g_return_if_fail (TASKER_APP_IS_LOG_FOLLOWERS (self));
  g_return_if_fail (TASKER_IS_TASK (task));

  followers = g_hash_table_lookup (self->follows, task);
  for (guint i = 0; followers != NULL && i < followers->len; i++)
    send_new_lines (self, task, g_ptr_array_index (followers, i));
  g_hash_table_remove (self->follows, task);
  update_timer (self);
}

/**
 * tasker_app_log_followers_clear:
 *
 * Forgets every follower, sending nothing (the bus is gone).
 */
void
tasker_app_log_followers_clear (TaskerAppLogFollowers *self)
{
  g_return_if_fail (TASKER_APP_IS_LOG_FOLLOWERS (self));

  g_hash_table_remove_all (self->follows);
  update_timer (self);
}

/**
 * tasker_app_log_followers_get_n_followers:
 *
 * Returns: how many (name, task) pairs follow a log
 */
guint
tasker_app_log_followers_get_n_followers (TaskerAppLogFollowers *self)
{
  GHashTableIter iter;
  gpointer followers;
  guint n = 0;

  g_return_val_if_fail (TASKER_APP_IS_LOG_FOLLOWERS (self), 0);

  g_hash_table_iter_init (&iter, self->follows);
  while (g_hash_table_iter_next (&iter, NULL, &followers))
    n += ((GPtrArray *) followers)->len;
  return n;
}
