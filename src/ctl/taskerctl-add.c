/* taskerctl-add.c: `taskerctl add` and `taskerctl run`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Their options into AddCommand's (or, with --every, AddSchedule's), with
 * the caller's environment and working directory: the command runs as if
 * started from this shell. Every value is checked here first, so that a
 * mistake is named before anything is queued.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "taskerctl-add.h"
#include "taskerctl-bus.h"
#include "taskerctl-follow.h"
#include "taskerctl-private.h"
#include "taskerctl-time.h"

typedef struct
{
  char     *name;
  char     *queue;
  char     *timeout;
  char     *retries;
  gboolean  shell;
  char     *key;
  char    **after;
  gboolean  after_any;
  char     *at;
  char     *in;
  char     *every;
  char     *overlap;
  gboolean  catch_up;
  gboolean  no_catch_up;
} AddOptions;

static void
add_options_clear (AddOptions *self)
{
  g_free (self->name);
  g_free (self->queue);
  g_free (self->timeout);
  g_free (self->retries);
  g_free (self->key);
  g_strfreev (self->after);
  g_free (self->at);
  g_free (self->in);
  g_free (self->every);
  g_free (self->overlap);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AddOptions, add_options_clear)

/* "15m" means "every 15m"; a calendar spec ("daily 03:00") is as given. */
static char *
schedule_spec (const char *every)
{
  if (g_ascii_isdigit (every[0]))
    return g_strconcat ("every ", every, NULL);
  return g_strdup (every);
}

/* The a{sv} of AddCommand or AddSchedule from @self. */
static GVariant *
build_options (AddOptions  *self,
               GError     **error)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  guint n;

  if (self->at != NULL && self->in != NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("--at “%s” and --in “%s”: give one start time, not both"), self->at, self->in);
      return NULL;
    }
  if (self->every != NULL && (self->at != NULL || self->in != NULL || self->after != NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("--every “%s” starts its runs itself: it takes no --at, --in or --after"), self->every);
      return NULL;
    }
  if (self->every == NULL && (self->overlap != NULL || self->catch_up || self->no_catch_up))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("--overlap, --catch-up and --no-catch-up are for a schedule: add --every SPEC"));
      return NULL;
    }
  if (self->catch_up && self->no_catch_up)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("--catch-up and --no-catch-up: give one of them"));
      return NULL;
    }
  if (self->after_any && self->after == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("--after-any needs the tasks to wait for: add --after ID"));
      return NULL;
    }

  if (self->name != NULL)
    g_variant_dict_insert (&dict, "name", "s", self->name);
  if (self->queue != NULL)
    g_variant_dict_insert (&dict, "queue", "s", self->queue);
  if (self->key != NULL)
    g_variant_dict_insert (&dict, "key", "s", self->key);
  if (self->shell)
    g_variant_dict_insert (&dict, "shell", "b", TRUE);
  if (self->timeout != NULL)
    {
      if (!taskerctl_parse_uint ("--timeout", self->timeout, &n, error))
        return NULL;
      g_variant_dict_insert (&dict, "timeout", "u", n);
    }
  if (self->retries != NULL)
    {
      if (!taskerctl_parse_uint ("--retries", self->retries, &n, error))
        return NULL;
      g_variant_dict_insert (&dict, "retries", "u", n);
    }
  if (self->after != NULL)
    {
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));

      for (guint i = 0; self->after[i] != NULL; i++)
        {
          guint64 id;

          if (!taskerctl_parse_id ("--after", self->after[i], &id, error))
            return NULL;
          g_array_append_val (ids, id);
        }
      g_variant_dict_insert_value (&dict, "after",
                                   g_variant_new_fixed_array (G_VARIANT_TYPE_UINT64, ids->data,
                                                              ids->len, sizeof (guint64)));
      if (self->after_any)
        g_variant_dict_insert (&dict, "after-any-outcome", "b", TRUE);
    }
  if (self->at != NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      gint64 us;

      if (!taskerctl_parse_at (self->at, now, &us, error))
        return NULL;
      g_variant_dict_insert (&dict, "start-at", "x", us);
    }
  if (self->in != NULL)
    {
      guint64 seconds;

      if (!taskerctl_parse_duration (self->in, &seconds, error))
        return NULL;
      g_variant_dict_insert (&dict, "start-delay", "u", (guint32) seconds);
    }
  if (self->overlap != NULL)
    {
      if (!g_strv_contains ((const char *[]) { "skip", "queue", "replace", NULL }, self->overlap))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--overlap “%s” is not a policy: give skip, queue or replace"), self->overlap);
          return NULL;
        }
      g_variant_dict_insert (&dict, "overlap", "s", self->overlap);
    }
  if (self->catch_up || self->no_catch_up)
    g_variant_dict_insert (&dict, "catch-up", "b", self->catch_up);

  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

/* Parses add's (or run's) command line: @options and the command. */
static int
parse_add (const char  *command,
           const char  *summary,
           gboolean     schedules,
           int          argc,
           char       **argv,
           AddOptions  *options,
           char      ***out_command,
           GVariant   **out_dict)
{
  const GOptionEntry common_entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &options->name, N_("The task's name (default: the command)"), N_("NAME") },
    { "queue", 0, 0, G_OPTION_ARG_STRING, &options->queue, N_("The queue to run it in"), N_("QUEUE") },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &options->timeout, N_("Fail it after SECONDS"), N_("SECONDS") },
    { "retries", 0, 0, G_OPTION_ARG_STRING, &options->retries, N_("Run it again up to N times when it fails"), N_("N") },
    { "shell", 0, 0, G_OPTION_ARG_NONE, &options->shell, N_("The command is one line for sh -c"), NULL },
    { "key", 0, 0, G_OPTION_ARG_STRING, &options->key, N_("A key: a task with the same key is cancelled first"), N_("KEY") },
    { "after", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->after, N_("Start once task ID has completed (repeatable)"), N_("ID") },
    { "after-any", 0, 0, G_OPTION_ARG_NONE, &options->after_any, N_("Start once the --after tasks ended, however they ended"), NULL },
    { "at", 0, 0, G_OPTION_ARG_STRING, &options->at, N_("Start at TIME: HH:MM, “YYYY-MM-DD HH:MM” or ISO 8601"), N_("TIME") },
    { "in", 0, 0, G_OPTION_ARG_STRING, &options->in, N_("Start after DURATION: 90s, 15m, 2h, 1h30m"), N_("DURATION") },
    G_OPTION_ENTRY_NULL
  };
  const GOptionEntry schedule_entries[] = {
    { "every", 0, 0, G_OPTION_ARG_STRING, &options->every,
      N_("Run it periodically: an interval (15m) or a calendar spec (“daily 03:00”); prints the schedule's id"), N_("SPEC") },
    { "overlap", 0, 0, G_OPTION_ARG_STRING, &options->overlap,
      N_("When a run is still going: skip (default), queue or replace"), N_("POLICY") },
    { "catch-up", 0, 0, G_OPTION_ARG_NONE, &options->catch_up, N_("One run for the runs missed (default)"), NULL },
    { "no-catch-up", 0, 0, G_OPTION_ARG_NONE, &options->no_catch_up, N_("Skip the runs missed"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = taskerctl_option_context_new (command, _("-- COMMAND [ARG…]"), summary);
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  int split = argc;
  int n_options;
  int status;

  g_option_context_add_main_entries (context, common_entries, GETTEXT_PACKAGE);
  if (schedules)
    g_option_context_add_main_entries (context, schedule_entries, GETTEXT_PACKAGE);
  /* The command's own options are its own: the first word that is not an
   * option of ours, or what follows "--", starts it. */
  g_option_context_set_strict_posix (context, TRUE);
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--"))
      {
        split = i;
        break;
      }
  argv[split] = NULL;
  n_options = split;
  if ((status = taskerctl_parse_options (context, &n_options, &argv)) >= 0)
    return status;
  for (int i = 1; i < n_options; i++)
    g_strv_builder_add (builder, argv[i]);
  for (int i = split + 1; i < argc; i++)
    g_strv_builder_add (builder, argv[i]);
  *out_command = g_strv_builder_end (builder);
  for (guint i = 0; (*out_command)[i] != NULL; i++)
    if (!g_utf8_validate ((*out_command)[i], -1, NULL))
      {
        g_autofree char *shown = g_utf8_make_valid ((*out_command)[i], -1);

        return taskerctl_usage (command, _("the command's word “%s” is not UTF-8 text, which D-Bus cannot carry"), shown);
      }
  if ((*out_command)[0] == NULL)
    return taskerctl_usage (command, _("no command: give it after --, as in taskerctl %s -- make -j4"), command);
  if (options->shell && (*out_command)[1] != NULL)
    return taskerctl_usage (command, _("--shell takes the command as one line: quote it, as in --shell -- 'make && make install'"));
  if ((*out_dict = build_options (options, &error)) == NULL)
    return taskerctl_usage (command, "%s", error->message);

  return -1;
}

/* The caller's environment, but the variables that are not UTF-8 text
 * (D-Bus carries nothing else): those are left out, with a warning. */
static char **
dup_environment (void)
{
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; env[i] != NULL; i++)
    if (g_utf8_validate (env[i], -1, NULL))
      g_strv_builder_add (builder, env[i]);
    else
      {
        g_autofree char *shown = g_utf8_make_valid (env[i], strcspn (env[i], "="));

        taskerctl_message (_("leaving %s out of the command's environment: its value is not UTF-8 text"), shown);
      }
  return g_strv_builder_end (builder);
}

/* AddCommand or AddSchedule; prints nothing. */
static int
send_add (TaskerDBusTasker1  *proxy,
          AddOptions         *options,
          char              **command,
          GVariant           *dict,
          guint64            *out_id,
          char              **out_schedule)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = dup_environment ();
  g_autofree char *cwd = g_get_current_dir ();

  if (options->every != NULL)
    {
      g_autofree char *spec = schedule_spec (options->every);

      if (!tasker_dbus_tasker1_call_add_schedule_sync (proxy, (const char * const *) command, cwd,
                                                       (const char * const *) env, spec, dict,
                                                       out_schedule, NULL, &error))
        return taskerctl_fail (error, 0);
    }
  else if (!tasker_dbus_tasker1_call_add_command_sync (proxy, (const char * const *) command, cwd,
                                                       (const char * const *) env, dict, out_id,
                                                       NULL, &error))
    return taskerctl_fail (error, 0);

  return 0;
}

/* Parses the command line of add or run, and adds the task (or schedule).
 * Returns -1 when it was added, else the exit status. */
static int
add_task (const char         *command_name,
          const char         *summary,
          gboolean            schedules,
          int                 argc,
          char              **argv,
          TaskerDBusTasker1 **out_proxy,
          guint64            *out_id,
          char              **out_schedule)
{
  g_auto(AddOptions) options = { 0 };
  g_auto(GStrv) command = NULL;
  g_autoptr(GVariant) dict = NULL;
  int status;

  if ((status = parse_add (command_name, summary, schedules, argc, argv, &options, &command, &dict)) >= 0)
    return status;
  if ((*out_proxy = taskerctl_connect ()) == NULL)
    return 1;
  if ((status = send_add (*out_proxy, &options, command, dict, out_id, out_schedule)) != 0)
    return status;
  return -1;
}

int
taskerctl_add (int    argc,
               char **argv)
{
  g_autoptr(TaskerDBusTasker1) proxy = NULL;
  g_autofree char *schedule = NULL;
  guint64 id = 0;
  int status;

  if ((status = add_task ("add", _("Queue a command in Tasker and print its id."), TRUE,
                          argc, argv, &proxy, &id, &schedule)) >= 0)
    return status;
  if (schedule != NULL)
    printf ("%s\n", schedule);
  else
    printf ("%" G_GUINT64_FORMAT "\n", id);
  return 0;
}

int
taskerctl_run (int    argc,
               char **argv)
{
  g_autoptr(TaskerDBusTasker1) proxy = NULL;
  guint64 id = 0;
  int status;

  if ((status = add_task ("run", _("Run a command in Tasker, print its output as it comes, and exit with its "
                                   "exit status (130 when cancelled; Ctrl-C cancels it)."), FALSE,
                          argc, argv, &proxy, &id, NULL)) >= 0)
    return status;
  return taskerctl_follow_run (proxy, id);
}
