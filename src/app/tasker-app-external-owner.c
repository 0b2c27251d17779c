/* tasker-app-external-owner.c: the program an external task belongs to
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "tasker-app-external-owner.h"
#include "tasker-app-proc.h"
#include "tasker-dbus-error.h"

/* An owner of external tasks (DESIGN.md §9) is either a connection to the
 * bus (its unique name, watched with one name watch) or a process (a pid,
 * watched with a pidfd, which unlike the pid cannot be reused by another
 * process while it is open). Every live task of the owner shares it; it
 * calls @gone once when the owner goes away, and stops watching when it
 * has no task left (tasker_app_external_owner_stop_watching()).
 *
 * Who may report: the owning connection; for a process owner, also the
 * connection that created the task and any connection whose process is
 * the owner or one of its descendants (a script whose child reports).
 * Main thread only. */

struct _TaskerAppExternalOwner
{
  gatomicrefcount                 ref_count;
  char                           *key;          /* (owned) "name:…" or "pid:…" */
  char                           *name;         /* (owned) (nullable) the owning connection's unique name */
  guint32                         pid;          /* the owning process, or the connection's (0: unknown) */
  char                           *program;      /* (owned) (nullable) its /proc/PID/comm */
  guint                           n_tasks;      /* its live tasks */
  guint                           watch_id;     /* the name watch, or 0 */
  int                             pidfd;        /* (owned) or -1 */
  guint                           pidfd_source; /* the pidfd's watch, or 0 */
  TaskerAppExternalOwnerGoneFunc  gone;
  gpointer                        user_data;
};

char *
tasker_app_external_owner_key_for_name (const char *name)
{
  return g_strconcat ("name:", name, NULL);
}

char *
tasker_app_external_owner_key_for_pid (guint32 pid)
{
  return g_strdup_printf ("pid:%u", pid);
}

static TaskerAppExternalOwner *
owner_new (guint32                        pid,
           TaskerAppExternalOwnerGoneFunc gone,
           gpointer                       user_data)
{
  TaskerAppExternalOwner *self = g_new0 (TaskerAppExternalOwner, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->pid = pid;
  self->program = pid != 0 ? tasker_app_proc_dup_comm (pid) : NULL;
  self->pidfd = -1;
  self->gone = gone;
  self->user_data = user_data;
  return self;
}

/* Once: the watches end first, so that nothing calls it again. */
static void
owner_gone (TaskerAppExternalOwner *self)
{
  g_autoptr(TaskerAppExternalOwner) hold = tasker_app_external_owner_ref (self);

  tasker_app_external_owner_stop_watching (self);
  self->gone (self, self->user_data);
}

static void
name_vanished_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  owner_gone (user_data);
}

static gboolean
pidfd_readable_cb (int          fd,
                   GIOCondition condition,
                   gpointer     user_data)
{
  TaskerAppExternalOwner *self = user_data;

  self->pidfd_source = 0;  /* removed by returning G_SOURCE_REMOVE */
  owner_gone (self);
  return G_SOURCE_REMOVE;
}

/**
 * tasker_app_external_owner_new_for_name:
 * @name: a unique bus name
 * @pid: its process (for the window and GetTask), or 0 when unknown
 *
 * An owner that is a connection; @gone follows when it leaves the bus
 * (also when it has left already).
 */
TaskerAppExternalOwner *
tasker_app_external_owner_new_for_name (GDBusConnection                *connection,
                                        const char                     *name,
                                        guint32                         pid,
                                        TaskerAppExternalOwnerGoneFunc  gone,
                                        gpointer                        user_data)
{
  TaskerAppExternalOwner *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (name != NULL && *name == ':', NULL);

  self = owner_new (pid, gone, user_data);
  self->key = tasker_app_external_owner_key_for_name (name);
  self->name = g_strdup (name);
  self->watch_id = g_bus_watch_name_on_connection (connection, name, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   NULL, name_vanished_cb, self, NULL);
  return self;
}

/**
 * tasker_app_external_owner_new_for_pid:
 * @caller_uid: the user of the connection that names @pid
 *
 * An owner that is a process of @caller_uid's; @gone follows when it exits.
 *
 * Returns: the owner, or %NULL with @error set: InvalidArgument when there
 *   is no such process, AccessDenied when it is another user's
 */
TaskerAppExternalOwner *
tasker_app_external_owner_new_for_pid (guint32                          pid,
                                       guint32                          caller_uid,
                                       TaskerAppExternalOwnerGoneFunc   gone,
                                       gpointer                         user_data,
                                       GError                         **error)
{
  g_autoptr(TaskerAppExternalOwner) self = NULL;
  guint32 uid;
  int fd = -1;

  if (pid == 0 || (fd = tasker_app_proc_open_pidfd (pid)) < 0)
    {
      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                   _("no process %u"), pid);
      return NULL;
    }
  /* Checked after the pidfd is open: the pid cannot name another process
   * from now on. */
  if (!tasker_app_proc_get_uid (pid, &uid) || uid != caller_uid)
    {
      close (fd);
      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_ACCESS_DENIED,
                   _("process %u belongs to another user"), pid);
      return NULL;
    }

  self = owner_new (pid, gone, user_data);
  self->key = tasker_app_external_owner_key_for_pid (pid);
  self->pidfd = fd;
  self->pidfd_source = g_unix_fd_add (fd, G_IO_IN, pidfd_readable_cb, self);
  return g_steal_pointer (&self);
}

TaskerAppExternalOwner *
tasker_app_external_owner_ref (TaskerAppExternalOwner *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tasker_app_external_owner_unref (TaskerAppExternalOwner *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  tasker_app_external_owner_stop_watching (self);
  g_free (self->key);
  g_free (self->name);
  g_free (self->program);
  g_free (self);
}

/* Idempotent: @gone is not called after this. */
void
tasker_app_external_owner_stop_watching (TaskerAppExternalOwner *self)
{
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  g_clear_handle_id (&self->pidfd_source, g_source_remove);
  if (self->pidfd >= 0)
    {
      close (self->pidfd);
      self->pidfd = -1;
    }
}

/* The key of the owners' table: one owner per connection or process. */
const char *
tasker_app_external_owner_get_key (TaskerAppExternalOwner *self)
{
  return self->key;
}

/* (nullable): the owning connection's unique name; NULL for a process owner */
const char *
tasker_app_external_owner_get_name (TaskerAppExternalOwner *self)
{
  return self->name;
}

guint32
tasker_app_external_owner_get_pid (TaskerAppExternalOwner *self)
{
  return self->pid;
}

/* (nullable) */
const char *
tasker_app_external_owner_get_program (TaskerAppExternalOwner *self)
{
  return self->program;
}

/* Its live tasks, for the limit per owner. */
guint
tasker_app_external_owner_get_n_tasks (TaskerAppExternalOwner *self)
{
  return self->n_tasks;
}

void
tasker_app_external_owner_add_task (TaskerAppExternalOwner *self)
{
  self->n_tasks++;
}

/* Returns: how many are left */
guint
tasker_app_external_owner_remove_task (TaskerAppExternalOwner *self)
{
  g_return_val_if_fail (self->n_tasks > 0, 0);

  return --self->n_tasks;
}

/* Whether tasker_app_external_owner_accepts() needs the process of
 * @sender: only a process owner's, for a connection that did not create
 * the task. */
gboolean
tasker_app_external_owner_needs_pid (TaskerAppExternalOwner *self,
                                     const char             *sender,
                                     const char             *creator)
{
  return self->name == NULL && g_strcmp0 (sender, creator) != 0;
}

/**
 * tasker_app_external_owner_accepts:
 * @sender: the reporting connection's unique name
 * @creator: the unique name of the connection that created the task
 * @sender_pid: @sender's process, or 0 when unknown
 *
 * Returns: whether @sender may report to a task of this owner
 */
gboolean
tasker_app_external_owner_accepts (TaskerAppExternalOwner *self,
                                   const char             *sender,
                                   const char             *creator,
                                   guint32                 sender_pid)
{
  if (sender == NULL)
    return FALSE;
  if (self->name != NULL)
    return g_strcmp0 (sender, self->name) == 0;
  if (g_strcmp0 (sender, creator) == 0)
    return TRUE;
  return sender_pid != 0 && tasker_app_proc_is_descendant (sender_pid, self->pid);
}
