/* taskerctl-task.c: a task's a{sv} as a row, a status block or JSON
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The task dictionary of io.github.tasker.Tasker1 (its keys are in the
 * interface's XML): `list` and `history` rows, the "Key: value" block of
 * `status`, and the JSON object of --json, which keeps every key as sent.
 */

#include "config.h"

#include <json-glib/json-glib.h>

#include <glib/gi18n.h>

#include "taskerctl-table.h"
#include "taskerctl-task.h"

gboolean
taskerctl_task_is_finished (const char *status)
{
  return g_strcmp0 (status, "completed") == 0 ||
         g_strcmp0 (status, "failed") == 0 ||
         g_strcmp0 (status, "cancelled") == 0;
}

/**
 * taskerctl_format_elapsed:
 * @us: a duration in µs
 *
 * Returns: (transfer full): "4:05" (minutes and seconds) or "1:02:03".
 */
char *
taskerctl_format_elapsed (gint64 us)
{
  gint64 s = MAX (us, 0) / G_USEC_PER_SEC;

  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60), (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

/**
 * taskerctl_format_time:
 * @us: µs since the epoch
 *
 * Returns: (transfer full): the local date and time, to the second.
 */
char *
taskerctl_format_time (gint64 us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);

  if (time == NULL)
    return g_strdup ("?");
  return g_date_time_format (time, "%Y-%m-%d %H:%M:%S");
}

static const char *
lookup_string (GVariantDict *dict,
               const char   *key,
               const char   *fallback)
{
  const char *value = NULL;

  if (g_variant_dict_lookup (dict, key, "&s", &value) && value[0] != '\0')
    return value;
  return fallback;
}

static gboolean
lookup_time (GVariantDict *dict,
             const char   *key,
             gint64       *us)
{
  return g_variant_dict_lookup (dict, key, "x", us) && *us > 0;
}

/* "42%", or "-" for a task that reports no progress. */
static char *
format_progress (double progress)
{
  if (progress < 0)
    return g_strdup ("-");
  return g_strdup_printf ("%d%%", (int) (CLAMP (progress, 0, 1) * 100));
}

/* How long it ran (or has run so far); NULL before it started. */
static char *
format_task_elapsed (gint64 started,
                     gint64 finished)
{
  if (started <= 0)
    return NULL;
  if (finished <= 0)
    finished = g_get_real_time ();
  return taskerctl_format_elapsed (finished - started);
}

/* What a row shows of a task, read in one pass over its entries rather
 * than through a GVariantDict: `list` formats 1,000 tasks in about half
 * the time. The strings point into the task's GVariant, which owns them. */
typedef struct
{
  guint64     id;
  const char *status;     /* (nullable) borrowed from the task, as are the strings below */
  const char *name;       /* (nullable) */
  const char *command;    /* (nullable) */
  const char *queue;      /* (nullable) */
  double      progress;
  gint64      started;
  gint64      finished;
} Row;

static const char *
nonempty (GVariant *value)
{
  const char *text;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return NULL;
  text = g_variant_get_string (value, NULL);
  return text[0] != '\0' ? text : NULL;
}

/* The keys read_row() reads: what `list` and `history` ask the
 * application for when they print a table. */
const char * const taskerctl_task_row_keys[] = {
  "id", "status", "name", "command", "queue", "progress", "started", "finished", NULL,
};

static void
read_row (GVariant *task,
          Row      *row)
{
  gsize n = g_variant_n_children (task);

  *row = (Row) { .progress = -1 };
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (task, i);
      g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
      g_autoptr(GVariant) boxed = g_variant_get_child_value (entry, 1);
      g_autoptr(GVariant) value = g_variant_get_variant (boxed);
      const char *name = g_variant_get_string (key, NULL);

      if (g_str_equal (name, "id") && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
        row->id = g_variant_get_uint64 (value);
      else if (g_str_equal (name, "status"))
        row->status = nonempty (value);
      else if (g_str_equal (name, "name"))
        row->name = nonempty (value);
      else if (g_str_equal (name, "command"))
        row->command = nonempty (value);
      else if (g_str_equal (name, "queue"))
        row->queue = nonempty (value);
      else if (g_str_equal (name, "progress") && g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
        row->progress = g_variant_get_double (value);
      else if (g_str_equal (name, "started") && g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
        row->started = g_variant_get_int64 (value);
      else if (g_str_equal (name, "finished") && g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
        row->finished = g_variant_get_int64 (value);
    }
}

/**
 * taskerctl_task_to_json:
 * @task: an a{sv}
 *
 * Returns: (transfer full): one line of JSON (without its newline).
 */
char *
taskerctl_task_to_json (GVariant *task)
{
  /* json-glib: D-Bus strings are valid UTF-8 and its doubles finite (the
   * service sends progress -1 for none), which is all it needs. */
  g_autoptr(JsonNode) node = json_gvariant_serialize (task);

  return json_to_string (node, FALSE);
}

/* The "Label: value" lines of `status`. Every label, shown or not, widens
 * the label column, so that values line up at the same column whatever
 * lines a task has, and in any language. */
typedef struct
{
  GPtrArray *labels;  /* (element-type utf8) (unowned) */
  GPtrArray *values;  /* (element-type utf8) (owned) (nullable): not shown */
} Block;

static void
add_line (Block      *block,
          const char *label,
          const char *value)
{
  g_ptr_array_add (block->labels, (gpointer) label);
  g_ptr_array_add (block->values, value != NULL ? taskerctl_printable (value) : NULL);
}

static void
add_time_line (Block        *block,
               GVariantDict *dict,
               const char   *label,
               const char   *key)
{
  gint64 us;
  g_autofree char *text = NULL;

  if (lookup_time (dict, key, &us))
    text = taskerctl_format_time (us);
  add_line (block, label, text);
}

static char *
block_format (Block *block)
{
  GString *out = g_string_new (NULL);
  guint width = 0;

  for (guint i = 0; i < block->labels->len; i++)
    width = MAX (width, taskerctl_display_width (g_ptr_array_index (block->labels, i)));

  for (guint i = 0; i < block->labels->len; i++)
    {
      const char *label = g_ptr_array_index (block->labels, i);
      const char *value = g_ptr_array_index (block->values, i);

      /* Two spaces after the widest label, as in "Exit status:  0". */
      if (value != NULL)
        g_string_append_printf (out, "%s%*s %s\n", label,
                                (int) (width + 1 - taskerctl_display_width (label)), "", value);
    }
  return g_string_free (out, FALSE);
}

/**
 * taskerctl_task_format_block:
 * @task: an a{sv}
 *
 * Returns: (transfer full): `status`'s "Key: value" lines, only those the
 *   task has, and how to see its log.
 */
char *
taskerctl_task_format_block (GVariant *task)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (task);
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  Block block = { labels, values };
  guint64 id = 0, parent = 0;
  gint32 exit_status;
  guint32 attempt, owner_pid;
  g_autofree char *id_text = NULL;
  g_autofree char *text = NULL;
  double progress_value = -1;
  gint64 started = 0, finished = 0;
  g_autofree char *progress = NULL;
  g_autofree char *elapsed = NULL;

  g_variant_dict_lookup (&dict, "progress", "d", &progress_value);
  g_variant_dict_lookup (&dict, "started", "x", &started);
  g_variant_dict_lookup (&dict, "finished", "x", &finished);
  progress = format_progress (progress_value);
  elapsed = format_task_elapsed (started, finished);
  g_variant_dict_lookup (&dict, "id", "t", &id);
  id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);
  add_line (&block, _("ID:"), id_text);
  add_line (&block, _("Name:"), lookup_string (&dict, "name", NULL));
  add_line (&block, _("Status:"), lookup_string (&dict, "status", NULL));
  add_line (&block, _("Kind:"), lookup_string (&dict, "kind", NULL));
  /* Another program's task, while it lives: who reports it. */
  if (g_variant_dict_lookup (&dict, "owner-pid", "u", &owner_pid))
    /* TRANSLATORS: the program that reports a task, and its process id */
    text = g_strdup_printf (_("%s (pid %u)"), lookup_string (&dict, "owner-name", "?"), owner_pid);
  add_line (&block, _("Program:"), text);
  g_clear_pointer (&text, g_free);
  add_line (&block, _("Command:"), lookup_string (&dict, "command", NULL));
  add_line (&block, _("Directory:"), lookup_string (&dict, "cwd", NULL));
  add_line (&block, _("Queue:"), lookup_string (&dict, "queue", NULL));
  add_line (&block, _("Key:"), lookup_string (&dict, "key", NULL));
  add_line (&block, _("Schedule:"), lookup_string (&dict, "schedule", NULL));
  if (g_variant_dict_lookup (&dict, "parent", "t", &parent) && parent != 0)
    text = g_strdup_printf ("%" G_GUINT64_FORMAT, parent);
  add_line (&block, _("Parent:"), text);
  add_line (&block, _("Progress:"), progress);
  add_line (&block, _("Message:"), lookup_string (&dict, "message", NULL));
  add_time_line (&block, &dict, _("Created:"), "created");
  add_time_line (&block, &dict, _("Started:"), "started");
  add_time_line (&block, &dict, _("Finished:"), "finished");
  add_line (&block, _("Elapsed:"), elapsed);
  g_clear_pointer (&text, g_free);
  if (g_variant_dict_lookup (&dict, "attempt", "u", &attempt) && attempt > 1)
    text = g_strdup_printf ("%u", attempt);
  add_line (&block, _("Attempt:"), text);
  g_clear_pointer (&text, g_free);
  if (g_variant_dict_lookup (&dict, "exit-status", "i", &exit_status))
    text = g_strdup_printf ("%d", exit_status);
  add_line (&block, _("Exit status:"), text);
  add_line (&block, _("Error:"), lookup_string (&dict, "error", NULL));
  add_line (&block, _("Trace id:"), lookup_string (&dict, "trace-id", NULL));
  g_clear_pointer (&text, g_free);
  /* TRANSLATORS: %s is the task's id in the commands that show its log. */
  text = g_strdup_printf (taskerctl_task_is_finished (lookup_string (&dict, "status", NULL))
                          ? _("taskerctl log %s (-n 20 for its last lines)")
                          : _("taskerctl log -f %s (to follow it)"),
                          id_text);
  add_line (&block, _("Log:"), text);

  return block_format (&block);
}

/**
 * taskerctl_tasks_format:
 * @tasks: (element-type GVariant): a{sv} of each task
 * @history: the columns of `history` (FINISHED) instead of `list`'s
 *   (PROGRESS)
 *
 * Returns: (transfer full): aligned rows under a header.
 */
char *
taskerctl_tasks_format (GPtrArray *tasks,
                        gboolean   history)
{
  /* Headers in their own context: the same words are --help's placeholders
   * (--queue=QUEUE), which a language may leave as they are. */
  const char *list_headers[] = {
    C_("column", "ID"), C_("column", "STATUS"), C_("column", "PROGRESS"),
    C_("column", "ELAPSED"), C_("column", "QUEUE"), C_("column", "NAME"), NULL,
  };
  const char *history_headers[] = {
    C_("column", "ID"), C_("column", "STATUS"), C_("column", "FINISHED"),
    C_("column", "ELAPSED"), C_("column", "QUEUE"), C_("column", "NAME"), NULL,
  };
  g_autoptr(TaskerctlTable) table = taskerctl_table_new (history ? history_headers : list_headers);

  taskerctl_table_set_right (table, 0);
  taskerctl_table_set_right (table, 3);
  if (!history)
    taskerctl_table_set_right (table, 2);

  for (guint i = 0; i < tasks->len; i++)
    {
      Row row;
      g_autofree char *id_text = NULL;
      g_autofree char *third = NULL;
      g_autofree char *elapsed = NULL;

      read_row (g_ptr_array_index (tasks, i), &row);
      id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, row.id);
      elapsed = format_task_elapsed (row.started, row.finished);
      if (!history)
        third = format_progress (row.progress);
      else if (row.finished > 0)
        third = taskerctl_format_time (row.finished);
      else
        third = g_strdup ("-");

      taskerctl_table_add_row (table, (const char *[]) {
        id_text,
        row.status != NULL ? row.status : "?",
        third,
        elapsed != NULL ? elapsed : "-",
        row.queue != NULL ? row.queue : "-",
        row.name != NULL ? row.name : row.command != NULL ? row.command : "-",
        NULL,
      });
    }

  return taskerctl_table_format (table);
}
