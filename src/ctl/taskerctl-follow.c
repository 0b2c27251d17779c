/* taskerctl-follow.c: following a task's log, and waiting for tasks to end
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `log -f`, `run`, `wait` and `report done`. The handlers of LogLines and
 * TaskFinished are connected before FollowLog and GetTask are called, so
 * an end that comes in between is seen. FollowLog's reply is the log so far and its LogLines
 * are what follows; LogLines received before the reply (another client's
 * following) are lines the reply holds, and are dropped. GDBus hands the
 * reply and the signals to this main context in the order they came.
 * The application leaving the bus (it crashed, or quit) ends the wait with
 * a failure.
 */

#include "config.h"

#include <signal.h>
#include <stdio.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "tasker-dbus-error.h"

#include "taskerctl-bus.h"
#include "taskerctl-follow.h"
#include "taskerctl-task.h"

typedef struct
{
  TaskerDBusTasker1 *proxy;         /* (unowned) */
  GMainLoop         *loop;          /* (owned) */
  GHashTable        *finished;      /* (owned) id (guint64 *) → status name (owned) */
  GHashTable        *waiting;       /* (owned) the ids waited for (guint64 *) */
  guint64            log_id;        /* the followed task, or 0 */
  guint              tail;          /* of the log so far, the last lines shown; 0: all */
  gboolean           log_ready;     /* FollowLog replied: LogLines are new lines */
  gboolean           checked;       /* GetTask of each waited id replied */
  guint              n_checks;      /* GetTask calls still to reply */
  int                status;        /* the exit status, once failed (-1: none yet) */
  gboolean           cancelling;    /* Ctrl-C was pressed during `run` */
  gboolean           output_only;   /* the command's output, without time and trace id */
} Watch;

static void
watch_quit_if_done (Watch *watch)
{
  if (watch->status >= 0)
    {
      g_main_loop_quit (watch->loop);
      return;
    }
  if (!watch->checked || (watch->log_id != 0 && !watch->log_ready))
    return;
  if (g_hash_table_size (watch->finished) >= g_hash_table_size (watch->waiting))
    g_main_loop_quit (watch->loop);
}

static void
watch_fail (Watch *watch,
            int    status)
{
  if (watch->status < 0)
    watch->status = status;
  watch_quit_if_done (watch);
}

static void
set_finished (Watch      *watch,
              guint64     id,
              const char *status)
{
  if (!g_hash_table_contains (watch->waiting, &id) || g_hash_table_contains (watch->finished, &id))
    return;
  g_hash_table_insert (watch->finished, g_memdup2 (&id, sizeof id), g_strdup (status));
}

static void
task_finished_cb (TaskerDBusTasker1 *proxy,
                  guint64            id,
                  const char        *status,
                  const char        *error,
                  Watch             *watch)
{
  set_finished (watch, id, status);
  watch_quit_if_done (watch);
}

/* The text of a log line, after the "HH:MM:SS.mmm [trace id] " that the
 * application puts before each; other lines ("[3 lines dropped]") whole. */
static const char *
line_text (const char *line)
{
  static const char shape[] = "99:99:99.999 [xxxxxxxxxxxxxxxx] ";

  for (guint i = 0; i < sizeof shape - 1; i++)
    {
      gboolean fits;

      switch (shape[i])
        {
        case '9':
          fits = g_ascii_isdigit (line[i]);
          break;
        case 'x':
          fits = g_ascii_isxdigit (line[i]);
          break;
        default:
          fits = line[i] == shape[i];
          break;
        }
      if (!fits)
        return line;
    }
  return line + sizeof shape - 1;
}

static void
print_lines (Watch              *watch,
             const char * const *lines,
             guint               tail)
{
  guint n = g_strv_length ((char **) lines);
  guint first = tail > 0 && n > tail ? n - tail : 0;

  for (guint i = first; i < n; i++)
    {
      fputs (watch->output_only ? line_text (lines[i]) : lines[i], stdout);
      fputc ('\n', stdout);
    }
  fflush (stdout);
}

static void
log_lines_cb (TaskerDBusTasker1  *proxy,
              guint64             id,
              const char * const *lines,
              Watch              *watch)
{
  /* Before the reply: lines that the reply holds. After the end: none come. */
  if (id != watch->log_id || !watch->log_ready || g_hash_table_contains (watch->finished, &id))
    return;
  print_lines (watch, lines, 0);
}

static void
name_owner_cb (GObject    *proxy,
               GParamSpec *pspec,
               Watch      *watch)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));

  if (owner != NULL)
    return;
  taskerctl_message (_("Tasker left the session bus (it quit or crashed) before the task ended"));
  watch_fail (watch, 1);
}

/* One GetTask call. */
typedef struct
{
  Watch   *watch;
  guint64  id;
} Check;

static void
get_task_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autofree Check *check = user_data;
  Watch *watch = check->watch;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) task = NULL;
  const char *status = NULL;

  watch->n_checks--;
  if (!tasker_dbus_tasker1_call_get_task_finish (TASKER_DBUS_TASKER1 (object), &task, result, &error))
    {
      taskerctl_fail (error, check->id);
      watch_fail (watch, 1);
      return;
    }
  if (g_variant_lookup (task, "status", "&s", &status) && taskerctl_task_is_finished (status))
    set_finished (watch, check->id, status);
  if (watch->n_checks == 0)
    watch->checked = TRUE;
  watch_quit_if_done (watch);
}

static void
check_tasks (Watch *watch)
{
  GHashTableIter iter;
  guint64 *id;

  watch->n_checks = g_hash_table_size (watch->waiting);
  g_hash_table_iter_init (&iter, watch->waiting);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    {
      Check *check = g_new (Check, 1);

      *check = (Check) { watch, *id };
      tasker_dbus_tasker1_call_get_task (watch->proxy, *id, NULL, get_task_cb, check);
    }
}

static void
follow_log_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Watch *watch = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;

  if (!tasker_dbus_tasker1_call_follow_log_finish (TASKER_DBUS_TASKER1 (object), &lines, result, &error))
    {
      taskerctl_fail (error, watch->log_id);
      watch_fail (watch, 1);
      return;
    }
  print_lines (watch, (const char * const *) lines, watch->tail);
  watch->log_ready = TRUE;
  /* Its status after the follow began: finished then, no LogLines are to
   * come. */
  check_tasks (watch);
}

static void
watch_init (Watch             *watch,
            TaskerDBusTasker1 *proxy)
{
  *watch = (Watch) {
    .proxy = proxy,
    .loop = g_main_loop_new (NULL, FALSE),
    .finished = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free),
    .waiting = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL),
    .status = -1,
  };
  g_signal_connect (proxy, "task-finished", G_CALLBACK (task_finished_cb), watch);
  g_signal_connect (proxy, "log-lines", G_CALLBACK (log_lines_cb), watch);
  g_signal_connect (proxy, "notify::g-name-owner", G_CALLBACK (name_owner_cb), watch);
}

static void
watch_add (Watch   *watch,
           guint64  id)
{
  g_hash_table_add (watch->waiting, g_memdup2 (&id, sizeof id));
}

static void
watch_run (Watch *watch)
{
  if (watch->log_id != 0)
    tasker_dbus_tasker1_call_follow_log (watch->proxy, watch->log_id, NULL, follow_log_cb, watch);
  else
    check_tasks (watch);
  g_main_loop_run (watch->loop);
}

static void
watch_clear (Watch *watch)
{
  g_signal_handlers_disconnect_by_data (watch->proxy, watch);
  g_clear_pointer (&watch->loop, g_main_loop_unref);
  g_clear_pointer (&watch->finished, g_hash_table_unref);
  g_clear_pointer (&watch->waiting, g_hash_table_unref);
}

/**
 * taskerctl_follow_log:
 * @id: the task
 * @tail: how many of the lines so far to print; 0 for all
 *
 * Prints the log of @id and then its lines as they come, until it ends.
 *
 * Returns: the exit status: 0, or 1 when the log could not be followed.
 */
int
taskerctl_follow_log (TaskerDBusTasker1 *proxy,
                      guint64            id,
                      guint              tail)
{
  Watch watch;
  int status;

  watch_init (&watch, proxy);
  watch.log_id = id;
  watch.tail = tail;
  watch_add (&watch, id);
  watch_run (&watch);
  status = MAX (watch.status, 0);
  watch_clear (&watch);

  return status;
}

static void
cancel_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Watch *watch = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id_text = NULL;

  /* Already ended: its own status stands. */
  if (!tasker_dbus_tasker1_call_cancel_finish (TASKER_DBUS_TASKER1 (object), result, &error))
    return;
  id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, watch->log_id);
  /* Translators: %s is a task's number. */
  taskerctl_message (_("cancelled task %s"), id_text);
  watch_fail (watch, 130);
}

static gboolean
interrupt_cb (gpointer user_data)
{
  Watch *watch = user_data;

  /* A second Ctrl-C does not wait for the application. */
  if (watch->cancelling)
    {
      watch_fail (watch, 130);
      return G_SOURCE_REMOVE;
    }
  watch->cancelling = TRUE;
  tasker_dbus_tasker1_call_cancel (watch->proxy, watch->log_id, NULL, cancel_cb, watch);
  return G_SOURCE_CONTINUE;
}

/**
 * taskerctl_follow_run:
 * @id: the task `run` added
 *
 * Prints the output of @id as it comes (the log's lines without their time
 * and trace id, as the command wrote them), until it ends; Ctrl-C cancels it.
 *
 * Returns: the exit status of `run`: 0 when it completed, the command's exit
 *   status when it failed with one, 1 for another failure, 130 when it was
 *   cancelled.
 */
int
taskerctl_follow_run (TaskerDBusTasker1 *proxy,
                      guint64            id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) task = NULL;
  Watch watch;
  guint interrupt;
  int status;
  const char *name = NULL;
  const char *message = NULL;
  g_autofree char *id_text = NULL;
  gint32 exit_status;

  watch_init (&watch, proxy);
  watch.log_id = id;
  watch.output_only = TRUE;
  watch_add (&watch, id);
  interrupt = g_unix_signal_add (SIGINT, interrupt_cb, &watch);
  watch_run (&watch);
  g_source_remove (interrupt);
  status = watch.status;
  watch_clear (&watch);
  if (status >= 0)
    return status;

  /* TaskFinished has no exit status. */
  if (!tasker_dbus_tasker1_call_get_task_sync (proxy, id, &task, NULL, &error))
    return taskerctl_fail (error, id);
  g_variant_lookup (task, "status", "&s", &name);
  if (g_strcmp0 (name, "completed") == 0)
    return 0;
  id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);
  /* Translators: the task's number, its status (failed or cancelled, as
   * the interface names it), then why. */
  if (g_variant_lookup (task, "error", "&s", &message) && message[0] != '\0')
    taskerctl_message (_("task %s %s: %s"), id_text, name, message);
  else
    /* Translators: the task's number, then its status (failed or
     * cancelled, as the interface names it). */
    taskerctl_message (_("task %s %s"), id_text, name);
  if (g_strcmp0 (name, "cancelled") == 0)
    return 130;
  if (g_variant_lookup (task, "exit-status", "i", &exit_status) && exit_status > 0 && exit_status < 256)
    return exit_status;
  return 1;
}

/**
 * taskerctl_wait:
 * @ids: the tasks
 *
 * Waits until every task of @ids has ended.
 *
 * Returns: the exit status of `wait`: 0 if all completed, 1 if any failed
 *   (or is unknown), else 2 if any was cancelled.
 */
int
taskerctl_wait (TaskerDBusTasker1 *proxy,
                const guint64     *ids,
                guint              n_ids)
{
  Watch watch;
  int status;

  watch_init (&watch, proxy);
  for (guint i = 0; i < n_ids; i++)
    watch_add (&watch, ids[i]);
  watch_run (&watch);
  status = watch.status;
  if (status < 0)
    {
      GHashTableIter iter;
      const char *name;

      status = 0;
      g_hash_table_iter_init (&iter, watch.finished);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &name))
        if (g_strcmp0 (name, "failed") == 0)
          status = 1;
        else if (g_strcmp0 (name, "cancelled") == 0 && status == 0)
          status = 2;
    }
  watch_clear (&watch);

  return status;
}

/**
 * taskerctl_wait_ended:
 * @id: the task
 * @out_status: (out): its final status, as the interface names it
 *
 * Waits until @id has ended, and says how.
 *
 * Returns: -1 when it has ended, else the exit status of the failure to
 *   wait (said on stderr).
 */
int
taskerctl_wait_ended (TaskerDBusTasker1  *proxy,
                      guint64             id,
                      char              **out_status)
{
  Watch watch;
  int status;

  watch_init (&watch, proxy);
  watch_add (&watch, id);
  watch_run (&watch);
  status = watch.status;
  if (status < 0)
    *out_status = g_strdup (g_hash_table_lookup (watch.finished, &id));
  watch_clear (&watch);

  return status;
}
