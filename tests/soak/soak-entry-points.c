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
/* As in tasker-soak.c: returning this long before the deadline is no race. */
#define SOAK_RERUN_MARGIN_US (100 * 1000)

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

/* (suu): works for the first u ms (unless cancelled), then writes the file s
 * and succeeds; the second u is the attempt's timeout. The file holds when
 * this attempt returned and the earliest its deadline can be (the manager
 * starts the timeout once it hears STARTED, which is sent before the function
 * runs). Finding the file means an earlier attempt succeeded and this one
 * runs again: an error SOAK-RAN-AGAIN-EARLY if that attempt returned well
 * before its deadline (Completion wins was broken), else SOAK-RAN-AGAIN (the
 * timeout may really have fired first). */
GVariant *
soak_once (TaskerContext  *context,
           GVariant       *args,
           GError        **error)
{
  gint64 start = g_get_monotonic_time ();
  g_autofree char *text = NULL;
  g_autofree char *mark = NULL;
  const char *path = NULL;
  guint ms = 0, timeout_ms = 0;

  g_variant_get (args, "(&suu)", &path, &ms, &timeout_ms);
  if (g_file_get_contents (path, &text, NULL, NULL))
    {
      gint64 returned = 0, deadline = 0;

      if (sscanf (text, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &returned, &deadline) == 2 &&
          returned + SOAK_RERUN_MARGIN_US < deadline)
        g_set_error (error, SOAK_ERROR, 98,
                     "SOAK-RAN-AGAIN-EARLY: an earlier attempt returned %" G_GINT64_FORMAT
                     " ms before its deadline", (deadline - returned) / 1000);
      else
        g_set_error (error, SOAK_ERROR, 99, "SOAK-RAN-AGAIN: an earlier attempt succeeded");
      return NULL;
    }
  if (!work_for (context, ms, FALSE))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      return NULL;
    }
  mark = g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                          g_get_monotonic_time (), start + (gint64) timeout_ms * 1000);
  if (!g_file_set_contents (path, mark, -1, error))
    return NULL;

  return g_variant_new ("(i)", (int) getpid ());
}

/* Starts a `sleep 33` that leaves this worker (GLib's double fork: it is
 * reparented at once), and returns: the task owns it, so it must end with
 * the task (DESIGN.md §4 "Process trees"). */
GVariant *
soak_spawn_bg (TaskerContext  *context,
               GVariant       *args,
               GError        **error)
{
  const char *argv[] = { "sleep", "33", NULL };

  if (!g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, NULL, error))
    return NULL;

  return g_variant_new ("(i)", (int) getpid ());
}
