/* tasker-app-service-command.c: the command and schedule of an AddCommand or AddSchedule call
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tasker-app-schedules.h"
#include "tasker-app-service-private.h"
#include "tasker-app-variant.h"
#include "tasker-dbus-error.h"

/* A call's argv, cwd, env and options (data/io.github.tasker.Tasker1.xml)
 * become a TaskerAppCommand checked as far as it can be before it runs: a
 * command that would fail at once (no such program or directory, an unknown
 * queue, a bad option) is refused with an InvalidArgument error that names
 * the offending value, and nothing is queued. Part of TaskerAppService. */

/* The options of the command itself, which AddCommand and AddSchedule share. */
#define COMMAND_OPTIONS \
  { "name", "s" }, \
  { "queue", "s" }, \
  { "timeout", "u" }, \
  { "retries", "u" }, \
  { "shell", "b" }, \
  { "key", "s" }

static const TaskerAppOptionSpec add_command_options[] = {
  COMMAND_OPTIONS,
  { "after", "at" },
  { "after-any-outcome", "b" },
  { "start-at", "x" },
  { "start-delay", "u" },
  { "schedule", "s" },
};

static const TaskerAppOptionSpec add_schedule_options[] = {
  COMMAND_OPTIONS,
  { "overlap", "s" },
  { "catch-up", "b" },
};

/* Every key of @options (an a{sv}) is one of @specs, with its type. */
gboolean
_tasker_app_service_check_options (GVariant                   *options,
                                   const TaskerAppOptionSpec  *specs,
                                   guint                       n_specs,
                                   GError                    **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;
      guint i;

      for (i = 0; i < n_specs; i++)
        if (strcmp (specs[i].name, key) == 0)
          break;
      if (i == n_specs)
        {
          g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                       _("unknown option “%s”"), key);
          return FALSE;
        }
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE (specs[i].type)))
        {
          g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                       _("option “%s” must be of type %s, not %s"),
                       key, specs[i].type, g_variant_get_type_string (value));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
check_queue (TaskerAppService  *self,
             const char        *queue,
             GError           **error)
{
  g_auto(GStrv) names = tasker_app_application_dup_queue_names (_tasker_app_service_get_app (self));

  if (g_strv_contains ((const char * const *) names, queue))
    return TRUE;
  g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
               _("unknown queue “%s”"), queue);
  return FALSE;
}

/* The command of an AddCommand or AddSchedule call (@dict: its options,
 * already checked), checked as far as it can be before it runs: a command
 * that would fail at once is refused. */
static TaskerAppCommand *
command_from_call (TaskerAppService       *self,
                   GDBusMethodInvocation  *invocation,
                   const char * const     *argv,
                   const char * const     *env,
                   GVariantDict           *dict,
                   GError                **error)
{
  g_autoptr(GVariant) cwd_bytes = NULL;
  g_autofree char *cwd = NULL;
  g_autoptr(TaskerAppCommand) command = NULL;
  gboolean shell = FALSE;
  const char *value;
  guint number;
  gsize n_bytes;
  const char *bytes;

  /* The directory as bytes, with or without its trailing NUL. */
  cwd_bytes = g_variant_get_child_value (g_dbus_method_invocation_get_parameters (invocation), 1);
  bytes = g_variant_get_fixed_array (cwd_bytes, &n_bytes, 1);
  if (n_bytes > 0 && bytes[n_bytes - 1] == '\0')
    n_bytes--;
  if (n_bytes > 0)
    {
      if (memchr (bytes, '\0', n_bytes) != NULL)
        {
          g_set_error_literal (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                               _("the working directory holds a NUL byte"));
          return NULL;
        }
      cwd = g_strndup (bytes, n_bytes);
    }

  for (guint i = 0; env[i] != NULL; i++)
    {
      const char *equals = strchr (env[i], '=');

      if (equals == NULL || equals == env[i])
        {
          g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                       _("environment entry “%s” is not NAME=VALUE"), env[i]);
          return NULL;
        }
    }

  g_variant_dict_lookup (dict, "shell", "b", &shell);
  if (argv[0] == NULL)
    {
      g_set_error_literal (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                           _("no command given"));
      return NULL;
    }
  if (shell)
    {
      g_autofree char *line = g_strjoinv (" ", (char **) argv);

      command = tasker_app_command_new_shell (line, error);
      if (command == NULL)
        return NULL;
    }
  else
    command = tasker_app_command_new (argv);

  if (!tasker_app_command_check_runnable (tasker_app_command_get_argv (command), cwd,
                                          env[0] != NULL ? env : NULL, error))
    return NULL;
  tasker_app_command_set_cwd (command, cwd);
  tasker_app_command_set_environ (command, env[0] != NULL ? env : NULL);

  if (g_variant_dict_lookup (dict, "queue", "&s", &value))
    {
      if (!check_queue (self, value, error))
        return NULL;
      tasker_app_command_set_queue (command, value);
    }
  else
    {
      /* The first of Preferences' queues, as in New Task: a script adding
       * ten commands gets that queue's parallelism, not ten at once. */
      g_auto(GStrv) names = tasker_app_application_dup_queue_names (_tasker_app_service_get_app (self));

      tasker_app_command_set_queue (command, names[0]);
    }
  if (g_variant_dict_lookup (dict, "name", "&s", &value))
    tasker_app_command_set_name (command, value);
  if (g_variant_dict_lookup (dict, "key", "&s", &value))
    {
      if (*value == '\0')
        {
          g_set_error_literal (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                               _("option “key” must not be empty"));
          return NULL;
        }
      tasker_app_command_set_key (command, value);
    }
  if (g_variant_dict_lookup (dict, "timeout", "u", &number))
    tasker_app_command_set_timeout (command, number);
  if (g_variant_dict_lookup (dict, "retries", "u", &number))
    tasker_app_command_set_retries (command, number);

  return g_steal_pointer (&command);
}

/* after, after-any-outcome, start-at and start-delay of AddCommand. */
static gboolean
set_command_start (TaskerAppService  *self,
                   TaskerAppCommand  *command,
                   GVariantDict      *dict,
                   GError           **error)
{
  g_autoptr(GVariant) after = g_variant_dict_lookup_value (dict, "after", G_VARIANT_TYPE ("at"));
  gboolean any_outcome = FALSE, has_start_at, has_delay;
  gint64 start_at = 0;
  guint delay_s = 0;

  has_start_at = g_variant_dict_lookup (dict, "start-at", "x", &start_at);
  has_delay = g_variant_dict_lookup (dict, "start-delay", "u", &delay_s);
  if (has_start_at && has_delay)
    {
      g_set_error_literal (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                           _("options “start-at” and “start-delay” cannot be given together"));
      return FALSE;
    }
  if (has_start_at && start_at <= 0)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, start_at);

      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                   _("option “start-at” must be a time after 1970, not %s"), text);
      return FALSE;
    }
  if (delay_s > G_MAXUINT / 1000)
    {
      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                   _("option “start-delay” is too long: %u s"), delay_s);
      return FALSE;
    }
  tasker_app_command_set_start (command, start_at, delay_s * 1000);

  for (gsize i = 0; after != NULL && i < g_variant_n_children (after); i++)
    {
      guint64 id;
      TaskerTask *task;

      g_variant_get_child (after, i, "t", &id);
      task = _tasker_app_service_find_task (self, id);
      if (task == NULL)
        {
          g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);

          g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                       _("option “after”: no task %s"), text);
          return FALSE;
        }
      tasker_app_command_add_after (command, task);
    }
  g_variant_dict_lookup (dict, "after-any-outcome", "b", &any_outcome);
  tasker_app_command_set_after_any_outcome (command, any_outcome);

  return TRUE;
}

/* AddCommand's command, with when it starts; or, with the option
 * "schedule", @schedule_spec set to the spec of the schedule to add it to
 * (_tasker_app_service_add_schedule()). */
TaskerAppCommand *
_tasker_app_service_command_for_add_command (TaskerAppService       *self,
                                             GDBusMethodInvocation  *invocation,
                                             const char * const     *argv,
                                             const char * const     *env,
                                             GVariant               *options,
                                             char                  **schedule_spec,
                                             GError                **error)
{
  static const char *not_with_schedule[] = { "after", "after-any-outcome", "start-at", "start-delay" };
  g_autoptr(GVariantDict) dict = g_variant_dict_new (options);
  g_autoptr(TaskerAppCommand) command = NULL;
  g_autofree char *spec = NULL;

  if (!_tasker_app_service_check_options (options, add_command_options,
                                          G_N_ELEMENTS (add_command_options), error) ||
      !(command = command_from_call (self, invocation, argv, env, dict, error)))
    return NULL;

  if (g_variant_dict_lookup (dict, "schedule", "s", &spec))
    {
      for (guint i = 0; i < G_N_ELEMENTS (not_with_schedule); i++)
        if (g_variant_dict_contains (dict, not_with_schedule[i]))
          {
            g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                         _("option “%s” cannot be given with “schedule”"), not_with_schedule[i]);
            return NULL;
          }
    }
  else if (!set_command_start (self, command, dict, error))
    return NULL;

  *schedule_spec = g_steal_pointer (&spec);
  return g_steal_pointer (&command);
}

/* AddSchedule's command. */
TaskerAppCommand *
_tasker_app_service_command_for_add_schedule (TaskerAppService       *self,
                                              GDBusMethodInvocation  *invocation,
                                              const char * const     *argv,
                                              const char * const     *env,
                                              GVariant               *options,
                                              GError                **error)
{
  g_autoptr(GVariantDict) dict = g_variant_dict_new (options);

  if (!_tasker_app_service_check_options (options, add_schedule_options,
                                          G_N_ELEMENTS (add_schedule_options), error))
    return NULL;
  return command_from_call (self, invocation, argv, env, dict, error);
}

/* Adds the schedule of an AddCommand with "schedule", or of an AddSchedule
 * (@options: the call's, already checked).
 *
 * Returns: (transfer none): the schedule */
TaskerSchedule *
_tasker_app_service_add_schedule (TaskerAppService  *self,
                                  const char        *spec,
                                  TaskerAppCommand  *command,
                                  GVariant          *options,
                                  GError           **error)
{
  TaskerAppApplication *app = _tasker_app_service_get_app (self);
  TaskerAppSchedules *schedules = tasker_app_application_get_schedules (app);
  g_autoptr(GVariantDict) dict = g_variant_dict_new (options);
  TaskerOverlapPolicy overlap = TASKER_OVERLAP_SKIP;
  gboolean catch_up = TRUE;
  const char *value;
  g_autoptr(GError) local_error = NULL;
  TaskerSchedule *schedule;

  if (g_variant_dict_lookup (dict, "overlap", "&s", &value) &&
      !tasker_app_variant_parse_overlap (value, &overlap))
    {
      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                   _("option “overlap” must be skip, queue or replace, not “%s”"), value);
      return NULL;
    }
  g_variant_dict_lookup (dict, "catch-up", "b", &catch_up);

  if (schedules == NULL)
    {
      g_set_error_literal (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_SHUTTING_DOWN,
                           _("Tasker is shutting down"));
      return NULL;
    }
  schedule = tasker_app_schedules_add (schedules, spec, command, &local_error);
  if (schedule == NULL)
    {
      g_set_error (error, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_INVALID_ARGUMENT,
                   _("invalid schedule “%s”: %s"), spec, local_error->message);
      return NULL;
    }
  tasker_schedule_set_overlap_policy (schedule, overlap);
  tasker_schedule_set_catch_up_policy (schedule, catch_up ? TASKER_CATCH_UP_ONE_RUN : TASKER_CATCH_UP_SKIP);

  return schedule;
}
