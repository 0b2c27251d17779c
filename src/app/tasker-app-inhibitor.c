/* tasker-app-inhibitor.c: no suspend while tasks run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tasker-app-inhibitor.h"

/* TaskerAppInhibitor: while the manager has unfinished tasks (running or
 * waiting for their turn), asks the session not to suspend
 * (gtk_application_inhibit with GTK_APPLICATION_INHIBIT_SUSPEND), with a
 * reason that names them ("Running 2 tasks: backup.sh, make"); lets go
 * (gtk_application_uninhibit) when none is left. When the set of tasks
 * changes, the new reason is taken before the old one is released, at most
 * once per TASKER_APP_INHIBITOR_MIN_INTERVAL_MS. Follows the manager's
 * coalesced tasks-updated; nothing runs while nothing changes. Main thread
 * only. */

/* How many names the reason lists, and how many characters of each. */
#define MAX_NAMES 3
#define MAX_NAME_CHARS 40

struct _TaskerAppInhibitor
{
  GObject         parent_instance;

  GtkApplication *application;  /* (unowned) it owns the inhibitor */
  TaskerManager  *manager;      /* (owned) */
  GArray         *ids;          /* (owned) (element-type guint64) the unfinished top-level tasks */
  char           *wanted;       /* (owned) (nullable) the reason for @ids, NULL for none */
  char           *reason;       /* (owned) (nullable) the reason of @cookie */
  guint           cookie;       /* the inhibition held, or 0 */
  gint64          last_us;      /* monotonic time of the last gtk_application_inhibit */
  guint           update_id;    /* a new reason waiting for the interval to end, or 0 */
};

G_DEFINE_FINAL_TYPE (TaskerAppInhibitor, tasker_app_inhibitor, G_TYPE_OBJECT)

static void
release (TaskerAppInhibitor *self)
{
  g_clear_handle_id (&self->update_id, g_source_remove);
  if (self->cookie != 0)
    gtk_application_uninhibit (self->application, self->cookie);
  self->cookie = 0;
  g_clear_pointer (&self->reason, g_free);
}

static void
inhibit_now (TaskerAppInhibitor *self)
{
  GtkWindow *window = gtk_application_get_active_window (self->application);
  guint cookie;

  g_clear_handle_id (&self->update_id, g_source_remove);

  /* The new inhibition first, so that there is no gap between the two. */
  cookie = gtk_application_inhibit (self->application, window, GTK_APPLICATION_INHIBIT_SUSPEND,
                                    self->wanted);
  self->last_us = g_get_monotonic_time ();
  if (self->cookie != 0)
    gtk_application_uninhibit (self->application, self->cookie);
  /* 0 when there is no session manager to ask: tried again when the tasks
   * change. */
  self->cookie = cookie;
  g_free (self->reason);
  self->reason = cookie != 0 ? g_strdup (self->wanted) : NULL;
}

static gboolean
update_cb (gpointer user_data)
{
  TaskerAppInhibitor *self = user_data;

  self->update_id = 0;
  if (self->wanted != NULL && g_strcmp0 (self->wanted, self->reason) != 0)
    inhibit_now (self);

  return G_SOURCE_REMOVE;
}

static void
apply (TaskerAppInhibitor *self)
{
  gint64 wait_us;

  if (self->wanted == NULL)
    {
      release (self);
      return;
    }
  if (g_strcmp0 (self->wanted, self->reason) == 0)
    {
      g_clear_handle_id (&self->update_id, g_source_remove);
      return;
    }
  if (self->cookie == 0)
    {
      inhibit_now (self);
      return;
    }

  /* Only the reason changes: not more than once per interval. */
  wait_us = self->last_us + TASKER_APP_INHIBITOR_MIN_INTERVAL_MS * 1000 - g_get_monotonic_time ();
  if (wait_us <= 0)
    inhibit_now (self);
  else if (self->update_id == 0)
    self->update_id = g_timeout_add ((guint) ((wait_us + 999) / 1000), update_cb, self);
}

static void
tasks_updated_cb (TaskerAppInhibitor *self,
                  GListModel         *tasks,
                  double              progress)
{
  guint n = g_list_model_get_n_items (tasks);
  g_autoptr(GArray) ids = g_array_sized_new (FALSE, FALSE, sizeof (guint64), n);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  /* The user's tasks, not the steps a task splits into. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TaskerTask) task = g_list_model_get_item (tasks, i);
      guint64 id;

      if (tasker_task_get_parent (task) != NULL)
        continue;
      id = tasker_task_get_id (task);
      g_array_append_val (ids, id);
    }

  if (ids->len == self->ids->len &&
      memcmp (ids->data, self->ids->data, ids->len * sizeof (guint64)) == 0)
    return;
  g_array_unref (self->ids);
  self->ids = g_steal_pointer (&ids);

  g_clear_pointer (&self->wanted, g_free);
  if (self->ids->len > 0)
    {
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(TaskerTask) task = g_list_model_get_item (tasks, i);

          if (tasker_task_get_parent (task) == NULL)
            {
              const char *name = tasker_task_get_name (task);

              g_ptr_array_add (names, g_strdup (name != NULL ? name : ""));
            }
        }
      g_ptr_array_add (names, NULL);
      self->wanted = tasker_app_inhibitor_format_reason ((const char * const *) names->pdata);
    }

  apply (self);
}

static void
tasker_app_inhibitor_dispose (GObject *object)
{
  TaskerAppInhibitor *self = (TaskerAppInhibitor *) object;

  if (self->application != NULL)
    release (self);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->manager);
  self->application = NULL;

  G_OBJECT_CLASS (tasker_app_inhibitor_parent_class)->dispose (object);
}

static void
tasker_app_inhibitor_finalize (GObject *object)
{
  TaskerAppInhibitor *self = (TaskerAppInhibitor *) object;

  g_clear_pointer (&self->ids, g_array_unref);
  g_clear_pointer (&self->wanted, g_free);
  g_clear_pointer (&self->reason, g_free);

  G_OBJECT_CLASS (tasker_app_inhibitor_parent_class)->finalize (object);
}

static void
tasker_app_inhibitor_class_init (TaskerAppInhibitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tasker_app_inhibitor_dispose;
  object_class->finalize = tasker_app_inhibitor_finalize;
}

static void
tasker_app_inhibitor_init (TaskerAppInhibitor *self)
{
  self->ids = g_array_new (FALSE, FALSE, sizeof (guint64));
}

/**
 * tasker_app_inhibitor_new:
 * @application: the application, which keeps the inhibitor no longer than
 *   itself
 * @manager: the manager whose tasks keep the computer awake
 *
 * Returns: (transfer full): a new inhibitor, following @manager from now on
 */
TaskerAppInhibitor *
tasker_app_inhibitor_new (GtkApplication *application,
                          TaskerManager  *manager)
{
  TaskerAppInhibitor *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (TASKER_IS_MANAGER (manager), NULL);

  self = g_object_new (TASKER_APP_TYPE_INHIBITOR, NULL);
  self->application = application;
  self->manager = g_object_ref (manager);
  g_signal_connect_swapped (manager, "tasks-updated", G_CALLBACK (tasks_updated_cb), self);

  return self;
}

/**
 * tasker_app_inhibitor_get_reason:
 *
 * Returns: (nullable): the reason given with the inhibition held, or %NULL
 *   when none is held
 */
const char *
tasker_app_inhibitor_get_reason (TaskerAppInhibitor *self)
{
  g_return_val_if_fail (TASKER_APP_IS_INHIBITOR (self), NULL);
  return self->reason;
}

/**
 * tasker_app_inhibitor_format_reason:
 * @names: (array zero-terminated=1): the tasks' names, at least one
 *
 * Returns: (transfer full): "Running 2 tasks: backup.sh, make", the first
 *   names only when there are many, the start of a long one
 */
char *
tasker_app_inhibitor_format_reason (const char * const *names)
{
  g_autoptr(GString) list = g_string_new (NULL);
  guint n;

  g_return_val_if_fail (names != NULL && names[0] != NULL, NULL);

  n = g_strv_length ((char **) names);
  for (guint i = 0; i < n && i < MAX_NAMES; i++)
    {
      if (i > 0)
        /* Translators: between two task names in the reason given for inhibiting suspend */
        g_string_append (list, _(", "));
      if (names[i] == NULL || names[i][0] == '\0')
        g_string_append (list, _("Unnamed task"));
      else if (g_utf8_strlen (names[i], -1) > MAX_NAME_CHARS)
        {
          /* A long command line: its start says enough. */
          g_autofree char *start = g_utf8_substring (names[i], 0, MAX_NAME_CHARS - 1);

          g_string_append (list, start);
          g_string_append (list, "…");
        }
      else
        g_string_append (list, names[i]);
    }
  if (n > MAX_NAMES)
    g_string_append (list, "…");

  /* Translators: why Tasker keeps the computer from suspending; %u is how
   * many tasks, %s their names, e.g. "Running 2 tasks: backup.sh, make" */
  return g_strdup_printf (ngettext ("Running %u task: %s", "Running %u tasks: %s", n), n, list->str);
}
