/* taskerctl-schedules.c: `taskerctl schedules`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The schedules of ListSchedules (DESIGN.md §10): aligned rows, or with
 * --json one object per schedule and line with the keys as sent.
 */

#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>

#include "taskerctl-bus.h"
#include "taskerctl-private.h"
#include "taskerctl-table.h"
#include "taskerctl-task.h"

static char *
format_schedules (GVariant *schedules)
{
  /* As in taskerctl_tasks_format(), headers have their own context. */
  const char *headers[] = {
    C_("column", "ID"), C_("column", "NEXT RUN"), C_("column", "LAST RESULT"),
    C_("column", "SPEC"), C_("column", "COMMAND"), NULL,
  };
  g_autoptr(TaskerctlTable) table = taskerctl_table_new (headers);
  GVariantIter iter;
  GVariant *schedule;

  g_variant_iter_init (&iter, schedules);
  while ((schedule = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (schedule);
      const char *id = "?", *spec = "", *command = "", *last = "-";
      gboolean paused = FALSE;
      gint64 next;
      g_autofree char *next_text = NULL;

      g_variant_dict_lookup (&dict, "id", "&s", &id);
      g_variant_dict_lookup (&dict, "spec", "&s", &spec);
      g_variant_dict_lookup (&dict, "command", "&s", &command);
      if (!g_variant_dict_lookup (&dict, "last-result", "&s", &last) || last[0] == '\0')
        last = "-";
      g_variant_dict_lookup (&dict, "paused", "b", &paused);
      if (paused)
        next_text = g_strdup (_("paused"));
      else if (g_variant_dict_lookup (&dict, "next-run", "x", &next))
        next_text = taskerctl_format_time (next);
      else
        next_text = g_strdup ("-");

      taskerctl_table_add_row (table, (const char *[]) { id, next_text, last, spec, command, NULL });
      g_variant_unref (schedule);
    }
  return taskerctl_table_format (table);
}

int
taskerctl_schedules (int    argc,
                     char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per schedule and line"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = taskerctl_option_context_new ("schedules", NULL,
                                                                    _("List the schedules: their next run and last result."));
  g_autoptr(TaskerDBusTasker1) proxy = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = taskerctl_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc > 1)
    return taskerctl_usage ("schedules", _("“%s”: schedules takes no arguments"), argv[1]);
  if ((proxy = taskerctl_connect ()) == NULL)
    return 1;

  if (!tasker_dbus_tasker1_call_list_schedules_sync (proxy, &reply, NULL, &error))
    return taskerctl_fail (error, 0);
  if (json)
    {
      GVariantIter iter;
      GVariant *schedule;

      g_variant_iter_init (&iter, reply);
      while ((schedule = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_autofree char *line = taskerctl_task_to_json (schedule);

          printf ("%s\n", line);
          g_variant_unref (schedule);
        }
    }
  else
    {
      g_autofree char *text = format_schedules (reply);

      fputs (text, stdout);
    }
  return 0;
}
