/* taskerctl-private.h: what the subcommands of taskerctl share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdio.h>

#include "tasker-dbus-generated.h"

G_BEGIN_DECLS

/* The exit status of a mistake in the command line. */
#define TASKERCTL_EXIT_USAGE 2

/* A subcommand: `taskerctl NAME …` or `taskerctl report NAME …`. */
typedef struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;  /* untranslated (N_) */
} TaskerctlCommand;

void               taskerctl_print_commands     (FILE                    *out,
                                                 const TaskerctlCommand  *commands,
                                                 guint                    n_commands);
int                taskerctl_run_command        (const char              *program,
                                                 const TaskerctlCommand  *commands,
                                                 guint                    n_commands,
                                                 int                      argc,
                                                 char                   **argv);

GOptionContext    *taskerctl_option_context_new (const char      *command,
                                                 const char      *parameters,
                                                 const char      *summary);
int                taskerctl_parse_options      (GOptionContext  *context,
                                                 int             *argc,
                                                 char          ***argv);
int                taskerctl_usage              (const char      *command,
                                                 const char      *format,
                                                 ...) G_GNUC_PRINTF (2, 3);
gboolean           taskerctl_parse_id           (const char      *what,
                                                 const char      *text,
                                                 guint64         *out_id,
                                                 GError         **error);
gboolean           taskerctl_parse_uint         (const char      *option,
                                                 const char      *text,
                                                 guint           *out,
                                                 GError         **error);
TaskerDBusTasker1 *taskerctl_connect            (void);

int taskerctl_list      (int argc, char **argv);
int taskerctl_status    (int argc, char **argv);
int taskerctl_log       (int argc, char **argv);
int taskerctl_wait_cmd  (int argc, char **argv);
int taskerctl_cancel    (int argc, char **argv);
int taskerctl_retry     (int argc, char **argv);
int taskerctl_history   (int argc, char **argv);
int taskerctl_schedules (int argc, char **argv);

G_END_DECLS
