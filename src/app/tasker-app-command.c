/* tasker-app-command.c: a command line the user asked Tasker to run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tasker-app-command.h"

/* TaskerAppCommand: what the New Task dialog, `tasker -- …`, a history re-run
 * and a restart's restore all hand to the manager. It is also stored on the
 * task as descriptions ("command", "shell", ".environ", "cwd", "queue",
 * "timeout", "retries"), so a history record holds everything needed to run
 * it again as it ran: through the shell or not, in the environment it was
 * given (a command forwarded from a terminal keeps that terminal's; one
 * without runs in the application's). The environment may hold secrets: the
 * history database is private to the user (see tasker-app-application.c),
 * no view lists it, and its key's dot keeps the history search out of it.
 * Main thread only. */

struct _TaskerAppCommand
{
  GObject   parent_instance;

  char    **argv;          /* (owned) (array zero-terminated=1) never empty */
  char     *command_line;  /* (owned) as typed, or argv quoted */
  char    **envp;          /* (owned) (nullable) NULL: the application's environment */
  gboolean  shell;         /* argv is sh -c command_line */
  char     *cwd;           /* (owned) (nullable) NULL: the app's directory */
  char     *queue;         /* (owned) (nullable) NULL: the manager's default */
  guint     timeout_s;     /* 0: none */
  guint     retries;       /* attempts after the first */
  TaskerHistoryRecord *replaces; /* (owned) (nullable) the interrupted record it runs again */
  gint64    start_at;      /* µs since the epoch, 0: at once (not kept for a re-run) */
  guint     start_delay_ms;
  char     *schedule_id;   /* (owned) (nullable) the schedule whose run it is */
  char     *key;           /* (owned) (nullable) the task's key (DESIGN.md §4 Key) */
  char     *name;          /* (owned) (nullable) NULL: the command line */
  GPtrArray *after;        /* (owned) (nullable) (element-type TaskerTask) tasks to wait for
                            * (not kept for a re-run) */
  gboolean  after_any_outcome;
};

G_DEFINE_FINAL_TYPE (TaskerAppCommand, tasker_app_command, G_TYPE_OBJECT)

/* Retry backoff for commands: 2 s, doubling, at most a minute, ±10 %. */
#define RETRY_DELAY_MS     2000
#define RETRY_FACTOR       2.0
#define RETRY_MAX_DELAY_MS 60000
#define RETRY_JITTER       0.1

static void
tasker_app_command_finalize (GObject *object)
{
  TaskerAppCommand *self = (TaskerAppCommand *) object;

  g_clear_pointer (&self->argv, g_strfreev);
  g_clear_pointer (&self->command_line, g_free);
  g_clear_pointer (&self->envp, g_strfreev);
  g_clear_pointer (&self->cwd, g_free);
  g_clear_pointer (&self->queue, g_free);
  g_clear_object (&self->replaces);
  g_clear_pointer (&self->schedule_id, g_free);
  g_clear_pointer (&self->key, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->after, g_ptr_array_unref);

  G_OBJECT_CLASS (tasker_app_command_parent_class)->finalize (object);
}

static void
tasker_app_command_class_init (TaskerAppCommandClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tasker_app_command_finalize;
}

static void
tasker_app_command_init (TaskerAppCommand *self)
{
}

static char *
quote_argv (const char * const *argv)
{
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    {
      const char *arg = argv[i];
      gboolean plain = *arg != '\0';

      /* Quote only what the shell would split or expand, so the line reads
       * as the user would type it. */
      for (const char *p = arg; *p != '\0' && plain; p++)
        plain = g_ascii_isalnum (*p) || strchr ("-_./:=,+@%", *p) != NULL;

      if (i > 0)
        g_string_append_c (line, ' ');
      if (plain)
        g_string_append (line, arg);
      else
        {
          g_autofree char *quoted = g_shell_quote (arg);
          g_string_append (line, quoted);
        }
    }

  return g_string_free (g_steal_pointer (&line), FALSE);
}

TaskerAppCommand *
tasker_app_command_new (const char * const *argv)
{
  TaskerAppCommand *self;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  self = g_object_new (TASKER_APP_TYPE_COMMAND, NULL);
  self->argv = g_strdupv ((char **) argv);
  self->command_line = quote_argv (argv);

  return self;
}

/* Parses @command_line as a shell would split it (no expansion). */
TaskerAppCommand *
tasker_app_command_new_from_line (const char  *command_line,
                                  GError     **error)
{
  g_auto(GStrv) argv = NULL;
  TaskerAppCommand *self;

  g_return_val_if_fail (command_line != NULL, NULL);

  if (!g_shell_parse_argv (command_line, NULL, &argv, error))
    return NULL;

  self = g_object_new (TASKER_APP_TYPE_COMMAND, NULL);
  self->argv = g_steal_pointer (&argv);
  self->command_line = g_strstrip (g_strdup (command_line));

  return self;
}

/* Runs @command_line through `sh -c`, so pipes, `&&`, globs and `~` work;
 * it is the task's name as typed. */
TaskerAppCommand *
tasker_app_command_new_shell (const char  *command_line,
                              GError     **error)
{
  g_autofree char *line = NULL;
  TaskerAppCommand *self;

  g_return_val_if_fail (command_line != NULL, NULL);

  line = g_strstrip (g_strdup (command_line));
  if (*line == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("no command given"));
      return NULL;
    }

  self = g_object_new (TASKER_APP_TYPE_COMMAND, NULL);
  self->argv = g_new0 (char *, 4);
  self->argv[0] = g_strdup ("/bin/sh");
  self->argv[1] = g_strdup ("-c");
  self->argv[2] = g_strdup (line);
  self->command_line = g_steal_pointer (&line);
  self->shell = TRUE;

  return self;
}

/* The environment as a description: GVariant text of an array of byte
 * strings, which keeps any byte a variable may hold. */
static char *
environ_to_text (const char * const *envp)
{
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_bytestring_array (envp, -1));

  return g_variant_print (value, FALSE);
}

static char **
environ_from_text (const char *text)
{
  g_autoptr(GVariant) value = NULL;

  if (text == NULL)
    return NULL;
  value = g_variant_parse (G_VARIANT_TYPE_BYTESTRING_ARRAY, text, NULL, NULL, NULL);
  if (value == NULL)
    {
      g_warning ("A command's stored environment does not parse: it runs in Tasker's");
      return NULL;
    }
  return g_variant_dup_bytestring_array (value, NULL);
}

static guint
parse_uint (const char *text)
{
  guint64 value = 0;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &value, NULL))
    return 0;
  return (guint) value;
}

typedef const char *(*DescriptionFunc) (gpointer    object,
                                        const char *key);

/* Only tasks Tasker ran as commands can run again: a thread or process
 * task of another program has no command line to repeat. */
static TaskerAppCommand *
new_from_descriptions (gpointer          object,
                       DescriptionFunc   describe,
                       GError          **error)
{
  const char *line = describe (object, "command");
  TaskerAppCommand *self;

  if (line == NULL)
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                   _("This task has no command line to run again"));
      return NULL;
    }

  if (g_strcmp0 (describe (object, "shell"), "true") == 0)
    self = tasker_app_command_new_shell (line, error);
  else
    self = tasker_app_command_new_from_line (line, error);
  if (self == NULL)
    return NULL;

  self->envp = environ_from_text (describe (object, ".environ"));
  tasker_app_command_set_cwd (self, describe (object, "cwd"));
  tasker_app_command_set_queue (self, describe (object, "queue"));
  self->timeout_s = parse_uint (describe (object, "timeout"));
  self->retries = parse_uint (describe (object, "retries"));
  tasker_app_command_set_name (self, describe (object, "name"));

  return self;
}

TaskerAppCommand *
tasker_app_command_new_from_task (TaskerTask  *task,
                                  GError     **error)
{
  TaskerAppCommand *self;

  g_return_val_if_fail (TASKER_IS_TASK (task), NULL);

  self = new_from_descriptions (task, (DescriptionFunc) tasker_task_get_description, error);
  if (self != NULL)
    tasker_app_command_set_key (self, tasker_task_get_key (task));
  return self;
}

TaskerAppCommand *
tasker_app_command_new_from_record (TaskerHistoryRecord  *record,
                                    GError              **error)
{
  TaskerAppCommand *self;

  g_return_val_if_fail (TASKER_IS_HISTORY_RECORD (record), NULL);

  self = new_from_descriptions (record, (DescriptionFunc) tasker_history_record_get_description, error);
  if (self != NULL)
    tasker_app_command_set_key (self, tasker_history_record_get_key (record));
  return self;
}

const char * const *
tasker_app_command_get_argv (TaskerAppCommand *self)
{
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (self), NULL);
  return (const char * const *) self->argv;
}

const char *
tasker_app_command_get_command_line (TaskerAppCommand *self)
{
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (self), NULL);
  return self->command_line;
}

gboolean
tasker_app_command_get_shell (TaskerAppCommand *self)
{
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (self), FALSE);
  return self->shell;
}

/* Returns: (nullable): the environment it runs in; %NULL for the
 * application's own */
const char * const *
tasker_app_command_get_environ (TaskerAppCommand *self)
{
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (self), NULL);
  return (const char * const *) self->envp;
}

/* @envp: (nullable): the whole environment to run in (a terminal's, for a
 * forwarded command), kept in its record for a re-run; %NULL: the
 * application's own. */
void
tasker_app_command_set_environ (TaskerAppCommand   *self,
                                const char * const *envp)
{
  g_return_if_fail (TASKER_APP_IS_COMMAND (self));

  g_strfreev (self->envp);
  self->envp = g_strdupv ((char **) envp);
}

const char *
tasker_app_command_get_cwd (TaskerAppCommand *self)
{
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (self), NULL);
  return self->cwd;
}

void
tasker_app_command_set_cwd (TaskerAppCommand *self,
                            const char       *cwd)
{
  g_return_if_fail (TASKER_APP_IS_COMMAND (self));

  g_free (self->cwd);
  self->cwd = cwd != NULL && *cwd != '\0' ? g_strdup (cwd) : NULL;
}

const char *
tasker_app_command_get_queue (TaskerAppCommand *self)
{
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (self), NULL);
  return self->queue;
}

void
tasker_app_command_set_queue (TaskerAppCommand *self,
                              const char       *queue)
{
  g_return_if_fail (TASKER_APP_IS_COMMAND (self));

  g_free (self->queue);
  self->queue = queue != NULL && *queue != '\0' ? g_strdup (queue) : NULL;
}

guint
tasker_app_command_get_timeout (TaskerAppCommand *self)
{
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (self), 0);
  return self->timeout_s;
}

void
tasker_app_command_set_timeout (TaskerAppCommand *self,
                                guint             timeout_s)
{
  g_return_if_fail (TASKER_APP_IS_COMMAND (self));
  self->timeout_s = MIN (timeout_s, G_MAXUINT / 1000);
}

guint
tasker_app_command_get_retries (TaskerAppCommand *self)
{
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (self), 0);
  return self->retries;
}

void
tasker_app_command_set_retries (TaskerAppCommand *self,
                                guint             retries)
{
  g_return_if_fail (TASKER_APP_IS_COMMAND (self));
  self->retries = MIN (retries, 1000);
}

static void
describe_uint (TaskerTaskOptions *options,
               const char        *key,
               guint              value)
{
  char text[16];

  g_snprintf (text, sizeof text, "%u", value);
  tasker_task_options_set_description (options, key, text);
}

TaskerTaskOptions *
tasker_app_command_make_options (TaskerAppCommand *self)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();

  g_return_val_if_fail (TASKER_APP_IS_COMMAND (self), NULL);

  tasker_task_options_set_name (options, self->name != NULL ? self->name : self->command_line);
  if (self->name != NULL)
    tasker_task_options_set_description (options, "name", self->name);
  /* A restart finds it in the history if it has not ended (tasker-app-pending.c). */
  tasker_task_options_set_durable (options, TRUE);
  tasker_task_options_set_description (options, "command", self->command_line);
  if (self->shell)
    tasker_task_options_set_description (options, "shell", "true");
  if (self->envp != NULL)
    {
      g_autofree char *text = environ_to_text ((const char * const *) self->envp);

      tasker_task_options_set_description (options, ".environ", text);
    }
  if (self->cwd != NULL)
    tasker_task_options_set_description (options, "cwd", self->cwd);
  if (self->queue != NULL)
    {
      tasker_task_options_set_queue (options, self->queue);
      tasker_task_options_set_description (options, "queue", self->queue);
    }
  if (self->timeout_s > 0)
    {
      tasker_task_options_set_timeout_ms (options, self->timeout_s * 1000);
      describe_uint (options, "timeout", self->timeout_s);
    }
  if (self->retries > 0)
    {
      tasker_task_options_set_retry (options, self->retries + 1, RETRY_DELAY_MS,
                                     RETRY_FACTOR, RETRY_MAX_DELAY_MS, RETRY_JITTER);
      describe_uint (options, "retries", self->retries);
    }
  /* Its record takes the old one's place in one transaction: a crash at
   * any moment leaves one of them, so the job never runs twice. */
  tasker_task_options_set_replaces_record (options, self->replaces);
  if (self->start_at > 0)
    tasker_task_options_set_start_at (options, self->start_at);
  else if (self->start_delay_ms > 0)
    tasker_task_options_set_start_delay_ms (options, self->start_delay_ms);
  if (self->schedule_id != NULL)
    tasker_task_options_set_description (options, "schedule", self->schedule_id);
  for (guint i = 0; self->after != NULL && i < self->after->len; i++)
    tasker_task_options_add_after (options, g_ptr_array_index (self->after, i));
  tasker_task_options_set_after_any_outcome (options, self->after_any_outcome);

  return g_steal_pointer (&options);
}

/* Start Later: the task waits until @start_at (µs since the epoch, wall
 * clock), or @delay_ms after it is submitted; 0 and 0 for at once. A re-run
 * starts at once. */
void
tasker_app_command_set_start (TaskerAppCommand *self,
                              gint64            start_at,
                              guint             delay_ms)
{
  g_return_if_fail (TASKER_APP_IS_COMMAND (self));
  g_return_if_fail (start_at >= 0);

  self->start_at = start_at;
  self->start_delay_ms = start_at > 0 ? 0 : delay_ms;
}

/* @schedule_id: (nullable): the schedule whose runs this command makes: each
 * task has it as its description "schedule". */
void
tasker_app_command_set_schedule_id (TaskerAppCommand *self,
                                    const char       *schedule_id)
{
  g_return_if_fail (TASKER_APP_IS_COMMAND (self));

  g_free (self->schedule_id);
  self->schedule_id = g_strdup (schedule_id);
}

/* The command in @group of @key_file (a stored schedule's), with the keys
 * and values of its task's descriptions. */
void
tasker_app_command_save_to_key_file (TaskerAppCommand *self,
                                     GKeyFile         *key_file,
                                     const char       *group)
{
  g_return_if_fail (TASKER_APP_IS_COMMAND (self));

  g_key_file_set_string (key_file, group, "command", self->command_line);
  g_key_file_set_boolean (key_file, group, "shell", self->shell);
  if (self->envp != NULL)
    {
      g_autofree char *text = environ_to_text ((const char * const *) self->envp);

      g_key_file_set_string (key_file, group, ".environ", text);
    }
  if (self->cwd != NULL)
    g_key_file_set_string (key_file, group, "cwd", self->cwd);
  if (self->queue != NULL)
    g_key_file_set_string (key_file, group, "queue", self->queue);
  g_key_file_set_uint64 (key_file, group, "timeout", self->timeout_s);
  g_key_file_set_uint64 (key_file, group, "retries", self->retries);
  if (self->name != NULL)
    g_key_file_set_string (key_file, group, "name", self->name);
  if (self->key != NULL)
    g_key_file_set_string (key_file, group, "key", self->key);
}

typedef struct
{
  GKeyFile   *key_file;
  const char *group;
  GPtrArray  *values;    /* (owned) what describe_key_file returned */
} KeyFileGroup;

static const char *
describe_key_file (gpointer    object,
                   const char *key)
{
  KeyFileGroup *kg = object;
  char *value = g_key_file_get_string (kg->key_file, kg->group, key, NULL);

  if (value != NULL)
    g_ptr_array_add (kg->values, value);
  return value;
}

TaskerAppCommand *
tasker_app_command_new_from_key_file (GKeyFile    *key_file,
                                      const char  *group,
                                      GError     **error)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  KeyFileGroup kg = { key_file, group, values };
  TaskerAppCommand *self;

  g_return_val_if_fail (key_file != NULL && group != NULL, NULL);

  self = new_from_descriptions (&kg, describe_key_file, error);
  if (self != NULL)
    tasker_app_command_set_key (self, describe_key_file (&kg, "key"));
  return self;
}

/* The interrupted record whose command this one runs again (see
 * TaskerTaskOptions:replaces-record). */
void
tasker_app_command_set_replaces_record (TaskerAppCommand    *self,
                                        TaskerHistoryRecord *record)
{
  g_return_if_fail (TASKER_APP_IS_COMMAND (self));
  g_return_if_fail (record == NULL || TASKER_IS_HISTORY_RECORD (record));

  g_set_object (&self->replaces, record);
}

static gboolean
is_executable_file (const char *path)
{
  return g_file_test (path, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test (path, G_FILE_TEST_IS_DIR);
}

/* @program (no '/') in the directories of @path, as execvp looks (an empty
 * entry is the current directory: @cwd). */
static gboolean
found_in_path (const char *program,
               const char *path,
               const char *cwd)
{
  g_auto(GStrv) dirs = g_strsplit (path, G_SEARCHPATH_SEPARATOR_S, -1);

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      const char *dir = *dirs[i] != '\0' ? dirs[i] : ".";
      g_autofree char *file = NULL;

      if (!g_path_is_absolute (dir) && cwd != NULL)
        file = g_build_filename (cwd, dir, program, NULL);
      else
        file = g_build_filename (dir, program, NULL);
      if (is_executable_file (file))
        return TRUE;
    }

  return FALSE;
}

/* Whether @argv names a program that can start in @cwd (NULL: this process's
 * directory) with @envp (NULL: this process's environment): not empty, @cwd
 * a directory, the program found in the environment's PATH (or, with a '/',
 * relative to @cwd) and executable. A command that would fail at once is
 * refused before it is added, with a message for the user. The manager
 * looks a command up in the PATH of the environment it runs in, as this
 * does. */
gboolean
tasker_app_command_check_runnable (const char * const  *argv,
                                   const char          *cwd,
                                   const char * const  *envp,
                                   GError             **error)
{
  g_autofree char *found = NULL;
  const char *c = argv != NULL && argv[0] != NULL ? argv[0] : "";

  while (g_ascii_isspace (*c))
    c++;
  if (*c == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("no command given"));
      return FALSE;
    }

  if (cwd != NULL && !g_file_test (cwd, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("directory “%s” does not exist"), cwd);
      return FALSE;
    }

  if (strchr (argv[0], '/') != NULL)
    {
      g_autofree char *path = g_path_is_absolute (argv[0]) || cwd == NULL
                              ? g_strdup (argv[0]) : g_build_filename (cwd, argv[0], NULL);

      if (is_executable_file (path))
        return TRUE;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("cannot run “%s”: no such executable file"), argv[0]);
      return FALSE;
    }

  if (envp != NULL)
    {
      const char *path = g_environ_getenv ((char **) envp, "PATH");

      /* execvp's default without a PATH. */
      if (found_in_path (argv[0], path != NULL ? path : "/bin:/usr/bin", cwd))
        return TRUE;
    }
  else
    found = g_find_program_in_path (argv[0]);
  if (found == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("cannot run “%s”: not found in PATH"), argv[0]);
      return FALSE;
    }

  return TRUE;
}

TaskerTask *
tasker_app_command_run (TaskerAppCommand  *self,
                        TaskerManager     *manager,
                        GError           **error)
{
  g_autoptr(TaskerTaskOptions) options = NULL;
  TaskerTask *task;

  g_return_val_if_fail (TASKER_APP_IS_COMMAND (self), NULL);
  g_return_val_if_fail (TASKER_IS_MANAGER (manager), NULL);

  options = tasker_app_command_make_options (self);
  task = tasker_manager_run_command (manager, self->key, options,
                                     (const char * const *) self->argv,
                                     self->cwd, (const char * const *) self->envp, error);
  if (task == NULL && error != NULL && *error == NULL)
    g_set_error (error, TASKER_ERROR, TASKER_ERROR_SHUT_DOWN, _("Tasker is shutting down"));

  return task;
}

/* @key: (nullable): the task's key: a live task with the same key is
 * cancelled when this one is submitted (DESIGN.md §4 Key). */
void
tasker_app_command_set_key (TaskerAppCommand *self,
                            const char       *key)
{
  g_return_if_fail (TASKER_APP_IS_COMMAND (self));

  g_free (self->key);
  self->key = g_strdup (key);
}

const char *
tasker_app_command_get_key (TaskerAppCommand *self)
{
  g_return_val_if_fail (TASKER_APP_IS_COMMAND (self), NULL);
  return self->key;
}

/* @name: (nullable): the task's name; NULL for its command line. */
void
tasker_app_command_set_name (TaskerAppCommand *self,
                             const char       *name)
{
  g_return_if_fail (TASKER_APP_IS_COMMAND (self));

  g_free (self->name);
  self->name = g_strdup (name);
}

/* Its task waits for @task to end (tasker_task_options_add_after()): it
 * starts if @task completed, or whatever @task ended with when
 * @any_outcome is set on it. A re-run does not wait again. */
void
tasker_app_command_add_after (TaskerAppCommand *self,
                              TaskerTask       *task)
{
  g_return_if_fail (TASKER_APP_IS_COMMAND (self));
  g_return_if_fail (TASKER_IS_TASK (task));

  if (self->after == NULL)
    self->after = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->after, g_object_ref (task));
}

void
tasker_app_command_set_after_any_outcome (TaskerAppCommand *self,
                                          gboolean          any_outcome)
{
  g_return_if_fail (TASKER_APP_IS_COMMAND (self));
  self->after_any_outcome = any_outcome;
}
