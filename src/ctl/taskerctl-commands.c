/* taskerctl-commands.c: the subcommands about tasks that exist
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * list, status, log, wait, cancel, retry and history: each parses its
 * command line, checks it before the application is reached, calls it and
 * prints the answer (taskerctl-task.c's rows, blocks and JSON lines).
 */

#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>

#include "tasker-dbus-error.h"

#include "taskerctl-bus.h"
#include "taskerctl-follow.h"
#include "taskerctl-private.h"
#include "taskerctl-task.h"

static const char * const status_names[] = {
  "pending", "running", "completed", "failed", "cancelled", NULL,
};

/* The ids that follow the options; at least one, at most @max (0: any). */
static int
parse_ids (const char  *command,
           int          argc,
           char       **argv,
           guint        max,
           GArray     **out_ids)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GError) error = NULL;

  if (argc < 2)
    return taskerctl_usage (command, _("give the id of a task (`taskerctl list` shows them)"));
  if (max > 0 && (guint) argc - 1 > max)
    return taskerctl_usage (command, _("“%s”: give one task id"), argv[2]);
  for (int i = 1; i < argc; i++)
    {
      guint64 id;

      if (!taskerctl_parse_id (_("task id"), argv[i], &id, &error))
        return taskerctl_usage (command, "%s", error->message);
      g_array_append_val (ids, id);
    }
  *out_ids = g_steal_pointer (&ids);
  return -1;
}

/* Parses @context's options and then the task ids (at most @max_ids; 0:
 * any number), and reaches the application: what status, log, wait, cancel
 * and retry begin with. Returns -1 when all went well, else the exit status. */
static int
start_with_ids (GOptionContext     *context,
                const char         *command,
                int                 argc,
                char              **argv,
                guint               max_ids,
                GArray            **out_ids,
                TaskerDBusTasker1 **out_proxy)
{
  int status;

  if ((status = taskerctl_parse_options (context, &argc, &argv)) >= 0 ||
      (status = parse_ids (command, argc, argv, max_ids, out_ids)) >= 0)
    return status;
  if ((*out_proxy = taskerctl_connect ()) == NULL)
    return 1;
  return -1;
}

static void
print_json_line (GVariant *dict)
{
  g_autofree char *line = taskerctl_task_to_json (dict);

  printf ("%s\n", line);
}

/* The tasks of a ListTasks reply as they are. */
static GPtrArray *
all_tasks (GVariant *reply)
{
  GPtrArray *tasks = g_ptr_array_new_full (g_variant_n_children (reply), (GDestroyNotify) g_variant_unref);
  GVariantIter iter;
  GVariant *task;

  g_variant_iter_init (&iter, reply);
  while ((task = g_variant_iter_next_value (&iter)) != NULL)
    g_ptr_array_add (tasks, task);
  return tasks;
}

/* The tasks of a ListTasks reply, each once (a live task that is also in
 * the history is shown as the live one), keeping only @status if given. */
static GPtrArray *
unique_tasks (GVariant   *reply,
              const char *status)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  GPtrArray *tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  GVariantIter iter;
  GVariant *task;

  g_variant_iter_init (&iter, reply);
  while ((task = g_variant_iter_next_value (&iter)) != NULL)
    {
      guint64 id = 0;
      const char *task_status = NULL;

      g_variant_lookup (task, "id", "t", &id);
      g_variant_lookup (task, "status", "&s", &task_status);
      if (g_hash_table_contains (seen, &id) || (status != NULL && g_strcmp0 (task_status, status) != 0))
        {
          g_variant_unref (task);
          continue;
        }
      g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
      g_ptr_array_add (tasks, task);
    }
  return tasks;
}

static void
print_tasks (GPtrArray *tasks,
             gboolean   json,
             gboolean   history)
{
  if (json)
    {
      for (guint i = 0; i < tasks->len; i++)
        print_json_line (g_ptr_array_index (tasks, i));
    }
  else
    {
      g_autofree char *text = taskerctl_tasks_format (tasks, history);

      fputs (text, stdout);
    }
}

int
taskerctl_list (int    argc,
                char **argv)
{
  gboolean all = FALSE, json = FALSE;
  const GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, N_("Finished tasks from the history too"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per task and line"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = taskerctl_option_context_new ("list", NULL,
                                                                    _("List the live tasks, oldest first (with --all, "
                                                                      "then the finished ones, newest first)."));
  g_autoptr(TaskerDBusTasker1) proxy = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GPtrArray) tasks = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GVariantDict) filter = G_VARIANT_DICT_INIT (NULL);
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = taskerctl_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc > 1)
    return taskerctl_usage ("list", _("“%s”: list takes no arguments"), argv[1]);
  if ((proxy = taskerctl_connect ()) == NULL)
    return 1;

  if (all)
    g_variant_dict_insert (&filter, "history", "b", TRUE);
  /* The table's columns only: with a thousand tasks, the bus's work on the
   * keys left out is most of the call's time. */
  if (!json)
    g_variant_dict_insert (&filter, "keys", "^as", (char **) taskerctl_task_row_keys);
  if (!tasker_dbus_tasker1_call_list_tasks_sync (proxy, g_variant_dict_end (&filter), &reply, NULL, &error))
    return taskerctl_fail (error, 0);
  /* Live tasks are each there once: no need to look (1,000 of them cost). */
  tasks = all ? unique_tasks (reply, NULL) : all_tasks (reply);
  print_tasks (tasks, json, FALSE);
  return 0;
}

static gint
compare_finished (gconstpointer a,
                  gconstpointer b)
{
  gint64 fa = 0, fb = 0;

  g_variant_lookup (*(GVariant **) a, "finished", "x", &fa);
  g_variant_lookup (*(GVariant **) b, "finished", "x", &fb);
  return fa < fb ? 1 : fa > fb ? -1 : 0;
}

int
taskerctl_history (int    argc,
                   char **argv)
{
  g_autofree char *search = NULL;
  g_autofree char *status_name = NULL;
  g_autofree char *limit = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "search", 's', 0, G_OPTION_ARG_STRING, &search, N_("Only those with TEXT in their name, command, message or log"), N_("TEXT") },
    { "status", 0, 0, G_OPTION_ARG_STRING, &status_name, N_("Only those that ended so: completed, failed or cancelled"), N_("STATUS") },
    { "limit", 'n', 0, G_OPTION_ARG_STRING, &limit, N_("At most N (default 100)"), N_("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per task and line"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = taskerctl_option_context_new ("history", NULL,
                                                                    _("List the finished tasks, newest first."));
  g_autoptr(TaskerDBusTasker1) proxy = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GPtrArray) tasks = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GVariantDict) filter = G_VARIANT_DICT_INIT (NULL);
  guint n = 100;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = taskerctl_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc > 1)
    return taskerctl_usage ("history", _("“%s”: history takes no arguments (to search: --search TEXT)"), argv[1]);
  if (status_name != NULL && !g_strv_contains (status_names + 2, status_name))
    return taskerctl_usage ("history", _("--status “%s” is not the status of a finished task: give completed, failed or cancelled"),
                            status_name);
  if (limit != NULL && !taskerctl_parse_uint ("--limit", limit, &n, &error))
    return taskerctl_usage ("history", "%s", error->message);
  if ((proxy = taskerctl_connect ()) == NULL)
    return 1;

  g_variant_dict_insert (&filter, "history", "b", TRUE);
  g_variant_dict_insert (&filter, "limit", "u", n);
  if (search != NULL)
    g_variant_dict_insert (&filter, "search", "s", search);
  if (status_name != NULL)
    g_variant_dict_insert (&filter, "status", "s", status_name);
  if (!json)
    g_variant_dict_insert (&filter, "keys", "^as", (char **) taskerctl_task_row_keys);
  if (!tasker_dbus_tasker1_call_list_tasks_sync (proxy, g_variant_dict_end (&filter), &reply, NULL, &error))
    return taskerctl_fail (error, 0);
  tasks = unique_tasks (reply, status_name);
  /* The history holds finished tasks only; the live ones came first. */
  for (guint i = tasks->len; i > 0; i--)
    {
      const char *task_status = NULL;

      g_variant_lookup (g_ptr_array_index (tasks, i - 1), "status", "&s", &task_status);
      if (!taskerctl_task_is_finished (task_status))
        g_ptr_array_remove_index (tasks, i - 1);
    }
  g_ptr_array_sort (tasks, compare_finished);
  if (tasks->len > n)
    g_ptr_array_set_size (tasks, n);
  print_tasks (tasks, json, TRUE);
  return 0;
}

int
taskerctl_status (int    argc,
                  char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = taskerctl_option_context_new ("status", _("ID"),
                                                                    _("Show a task, live or from the history."));
  g_autoptr(TaskerDBusTasker1) proxy = NULL;
  g_autoptr(GVariant) task = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  guint64 id;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = start_with_ids (context, "status", argc, argv, 1, &ids, &proxy)) >= 0)
    return status;

  id = g_array_index (ids, guint64, 0);
  if (!tasker_dbus_tasker1_call_get_task_sync (proxy, id, &task, NULL, &error))
    return taskerctl_fail (error, id);
  if (json)
    print_json_line (task);
  else
    {
      g_autofree char *text = taskerctl_task_format_block (task);

      fputs (text, stdout);
    }
  return 0;
}

int
taskerctl_log (int    argc,
               char **argv)
{
  gboolean follow = FALSE;
  g_autofree char *lines_text = NULL;
  const GOptionEntry entries[] = {
    { "follow", 'f', 0, G_OPTION_ARG_NONE, &follow, N_("Then print its lines as they come, until it ends"), NULL },
    { "lines", 'n', 0, G_OPTION_ARG_STRING, &lines_text, N_("Only its last LINES lines"), N_("LINES") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = taskerctl_option_context_new ("log", _("ID"),
                                                                    _("Show the output of a task (what Tasker keeps of it)."));
  g_autoptr(TaskerDBusTasker1) proxy = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;
  guint64 id;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = taskerctl_parse_options (context, &argc, &argv)) >= 0 ||
      (status = parse_ids ("log", argc, argv, 1, &ids)) >= 0)
    return status;
  if (lines_text != NULL && !taskerctl_parse_uint ("-n", lines_text, &n, &error))
    return taskerctl_usage ("log", "%s", error->message);
  if ((proxy = taskerctl_connect ()) == NULL)
    return 1;

  id = g_array_index (ids, guint64, 0);
  if (follow)
    return taskerctl_follow_log (proxy, id, n);
  if (!tasker_dbus_tasker1_call_get_log_sync (proxy, id, n, &lines, NULL, &error))
    return taskerctl_fail (error, id);
  for (guint i = 0; lines[i] != NULL; i++)
    printf ("%s\n", lines[i]);
  return 0;
}

int
taskerctl_wait_cmd (int    argc,
                    char **argv)
{
  g_autoptr(GOptionContext) context = taskerctl_option_context_new ("wait", _("ID…"),
                                                                    _("Wait until the tasks have ended. Exit status: 0 if all "
                                                                      "completed, 1 if any failed, 2 if any was cancelled."));
  g_autoptr(TaskerDBusTasker1) proxy = NULL;
  g_autoptr(GArray) ids = NULL;
  int status;

  if ((status = start_with_ids (context, "wait", argc, argv, 0, &ids, &proxy)) >= 0)
    return status;

  return taskerctl_wait (proxy, (const guint64 *) (gpointer) ids->data, ids->len);
}

/* Cancel said NoSuchTask: a task that ended has nothing to cancel. */
static int
fail_cancel (TaskerDBusTasker1 *proxy,
             const GError      *error,
             guint64            id)
{
  g_autoptr(GVariant) task = NULL;
  const char *status = NULL;

  if (g_error_matches (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_NO_SUCH_TASK) &&
      tasker_dbus_tasker1_call_get_task_sync (proxy, id, &task, NULL, NULL) &&
      g_variant_lookup (task, "status", "&s", &status))
    {
      g_autofree char *id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);

      /* Translators: a task's number, then its status (completed, failed
       * or cancelled, as the interface names it). */
      return taskerctl_message (_("task %s has already ended (%s): nothing to cancel"), id_text, status);
    }
  return taskerctl_fail (error, id);
}

int
taskerctl_cancel (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = taskerctl_option_context_new ("cancel", _("ID…"),
                                                                    _("Cancel live tasks (and the tasks they started)."));
  g_autoptr(TaskerDBusTasker1) proxy = NULL;
  g_autoptr(GArray) ids = NULL;
  int status;

  if ((status = start_with_ids (context, "cancel", argc, argv, 0, &ids, &proxy)) >= 0)
    return status;

  status = 0;
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 id = g_array_index (ids, guint64, i);

      if (!tasker_dbus_tasker1_call_cancel_sync (proxy, id, NULL, &error))
        status = fail_cancel (proxy, error, id);
    }
  return status;
}

int
taskerctl_retry (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = taskerctl_option_context_new ("retry", _("ID"),
                                                                    _("Run a finished command again, as a new task; print its id."));
  g_autoptr(TaskerDBusTasker1) proxy = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  guint64 id, new_id;
  int status;

  if ((status = start_with_ids (context, "retry", argc, argv, 1, &ids, &proxy)) >= 0)
    return status;

  id = g_array_index (ids, guint64, 0);
  if (!tasker_dbus_tasker1_call_retry_sync (proxy, id, &new_id, NULL, &error))
    return taskerctl_fail (error, id);
  printf ("%" G_GUINT64_FORMAT "\n", new_id);
  return 0;
}
