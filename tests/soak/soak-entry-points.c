/* soak-entry-points.c — the process-task entry points of the soak test
 *
 * Built as a shared module that tasker-worker loads by path
 * ("<module>:<symbol>"); each function runs on a worker's main thread.
 * They end by themselves within a few seconds, unless they are meant to hang
 * (the soak then always gives them a timeout).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <tasker.h>
#include <gmodule.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#define EXPORT_ENTRY(name)                                  \
  G_MODULE_EXPORT GVariant *name (TaskerContext  *context,  \
                                  GVariant       *args,     \
                                  GError        **error)

EXPORT_ENTRY (soak_quick);
EXPORT_ENTRY (soak_work);
EXPORT_ENTRY (soak_fail);
EXPORT_ENTRY (soak_segv);
EXPORT_ENTRY (soak_abort);
EXPORT_ENTRY (soak_hang);
EXPORT_ENTRY (soak_once);
EXPORT_ENTRY (soak_spawn_bg);

#define SOAK_ERROR (g_quark_from_static_string ("tasker-soak-error-quark"))

/* Keeps the compiler from treating the crashing entry points as noreturn. */
static volatile gboolean really = TRUE;

/* Crashes on purpose leave no core files behind. */
static void
no_core_dumps (void)
{
  struct rlimit limit = { 0, 0 };

  setrlimit (RLIMIT_CORE, &limit);
}

static guint
arg_uint (GVariant *args,
          guint     fallback)
{
  guint value = fallback;

  if (args != NULL && g_variant_is_of_type (args, G_VARIANT_TYPE ("(u)")))
    g_variant_get (args, "(u)", &value);

  return value;
}

/* Sleeps @ms in small steps; FALSE if cancelled meanwhile. */
static gboolean
work_for (TaskerContext *context,
          guint          ms,
          gboolean       report)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
  guint step = 0;

  while (g_get_monotonic_time () < end)
    {
      if (tasker_context_is_cancelled (context))
        return FALSE;
      g_usleep (5000);
      if (report && (++step % 4) == 0)
        tasker_context_set_progress (context, 1.0 - (double) (end - g_get_monotonic_time ()) / (ms * 1000.0));
    }

  return !tasker_context_is_cancelled (context);
}

GVariant *
soak_quick (TaskerContext  *context,
            GVariant       *args,
            GError        **error)
{
  return g_variant_new ("(i)", (int) getpid ());
}

/* Progress, a message, events, log lines and prints, for (u) ms. */
GVariant *
soak_work (TaskerContext  *context,
           GVariant       *args,
           GError        **error)
{
  guint ms = arg_uint (args, 100);

  tasker_context_set_message (context, "working");
  tasker_context_log (context, "soak work started");
  printf ("soak work stdout line\n");
  fflush (stdout);
  fprintf (stderr, "soak work stderr line\n");
  for (int i = 0; i < 3; i++)
    tasker_context_send_event (context, "step", g_variant_new ("(i)", i));
  if (!work_for (context, ms, TRUE))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      return NULL;
    }
  for (int i = 0; i < 20; i++)
    printf ("soak output line %d\n", i);
  fflush (stdout);

  return g_variant_new ("(i)", (int) getpid ());
}

GVariant *
soak_fail (TaskerContext  *context,
           GVariant       *args,
           GError        **error)
{
  g_set_error (error, SOAK_ERROR, 7, "soak failure %d", 7);
  return NULL;
}

GVariant *
soak_segv (TaskerContext  *context,
           GVariant       *args,
           GError        **error)
{
  no_core_dumps ();
  if (really)
    raise (SIGSEGV);
  return NULL;
}

GVariant *
soak_abort (TaskerContext  *context,
            GVariant       *args,
            GError        **error)
{
  no_core_dumps ();
  if (really)
    abort ();
  return NULL;
}

/* Ignores cancellation: only the worker's replacement ends it. */
GVariant *
soak_hang (TaskerContext  *context,
           GVariant       *args,
           GError        **error)
{
  while (really)
    g_usleep (10000);
  return NULL;
}

/* (su): works for u ms, then creates the file s and succeeds. Finding the
 * file already there means an attempt of this task already succeeded, and
 * this one should never have run: it fails with SOAK-RAN-AGAIN. */
GVariant *
soak_once (TaskerContext  *context,
           GVariant       *args,
           GError        **error)
{
  const char *path = NULL;
  guint ms = 0;

  g_variant_get (args, "(&su)", &path, &ms);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, SOAK_ERROR, 99, "SOAK-RAN-AGAIN: an attempt already succeeded (%s)", path);
      return NULL;
    }
  if (!work_for (context, ms, FALSE))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      return NULL;
    }
  if (!g_file_set_contents (path, "", 0, error))
    return NULL;

  return g_variant_new ("(i)", (int) getpid ());
}

/* Starts a `sleep 30` that leaves this worker (GLib's double fork: it is
 * reparented at once), and returns: the task owns it, so it must end with
 * the task (DESIGN.md §4 "Process trees"). */
GVariant *
soak_spawn_bg (TaskerContext  *context,
               GVariant       *args,
               GError        **error)
{
  const char *argv[] = { "sleep", "30", NULL };

  if (!g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, NULL, error))
    return NULL;

  return g_variant_new ("(i)", (int) getpid ());
}
