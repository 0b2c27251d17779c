/* test-entry-points.c — process-task entry points used by the process tests
 *
 * Built as a shared module that tasker-worker loads by path: each function
 * below is a TaskerProcessFunc named by "<module path>:<symbol>". They run on
 * a worker's main thread, never in the test process.
 *
 * Functions that stay running log a line "pid <pid>" and flush first, so a
 * test learns which worker runs them and that they started.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <tasker.h>
#include <gmodule.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define EXPORT_ENTRY(name)                                  \
  G_MODULE_EXPORT GVariant *name (TaskerContext  *context,  \
                                  GVariant       *args,     \
                                  GError        **error)

EXPORT_ENTRY (trivial);
EXPORT_ENTRY (return_null);
EXPORT_ENTRY (args_type);
EXPORT_ENTRY (pid);
EXPORT_ENTRY (sleep_ms);
EXPORT_ENTRY (touch);
EXPORT_ENTRY (progress);
EXPORT_ENTRY (progress_wait);
EXPORT_ENTRY (progress_then_fail);
EXPORT_ENTRY (progress_spam);
EXPORT_ENTRY (fail_gerror);
EXPORT_ENTRY (fail_custom);
EXPORT_ENTRY (segv);
EXPORT_ENTRY (do_abort);
EXPORT_ENTRY (exit3);
EXPORT_ENTRY (garbage);
EXPORT_ENTRY (hang);
EXPORT_ENTRY (hang_ignore_term);
EXPORT_ENTRY (wait_cancel);
EXPORT_ENTRY (wait_cancellable);
EXPORT_ENTRY (big_result);
EXPORT_ENTRY (sized_result);
EXPORT_ENTRY (print);
EXPORT_ENTRY (print_return);
EXPORT_ENTRY (print_shapes);
EXPORT_ENTRY (event_flood);
EXPORT_ENTRY (load_gtk_check);
EXPORT_ENTRY (spawn_sleeper);
EXPORT_ENTRY (fail_domain);
EXPORT_ENTRY (return_on_term);

#define TEST_ERROR_DOMAIN "tasker-test-entry-error-quark"

/* Keeps the compiler from calling the crashing entry points noreturn. */
static volatile gboolean really = TRUE;

/* Crashes on purpose should not leave core files behind, nor wait for a
 * core-dump handler. */
static void
no_core_dumps (void)
{
  struct rlimit limit = { 0, 0 };

  setrlimit (RLIMIT_CORE, &limit);
}

static void
log_pid_and_flush (TaskerContext *context)
{
  g_autofree char *line = g_strdup_printf ("pid %d", (int) getpid ());

  tasker_context_log (context, line);
  tasker_context_flush (context);
}

/* Returns its arguments unchanged, or () for none. */
GVariant *
trivial (TaskerContext  *context,
         GVariant       *args,
         GError        **error)
{
  if (args == NULL)
    return g_variant_new ("()");

  return g_variant_ref (args);
}

/* Returns NULL without an error: the task's result is (). */
GVariant *
return_null (TaskerContext  *context,
             GVariant       *args,
             GError        **error)
{
  return NULL;
}

/* Returns (s) the type of its arguments, or "NULL". */
GVariant *
args_type (TaskerContext  *context,
           GVariant       *args,
           GError        **error)
{
  return g_variant_new ("(s)", args != NULL ? g_variant_get_type_string (args) : "NULL");
}

/* Returns (i) the worker's pid. */
GVariant *
pid (TaskerContext  *context,
     GVariant       *args,
     GError        **error)
{
  return g_variant_new ("(i)", (int) getpid ());
}

/* args (u): sleeps that many milliseconds (cooperatively: returns early when
 * cancelled), then returns (i) the worker's pid. */
GVariant *
sleep_ms (TaskerContext  *context,
          GVariant       *args,
          GError        **error)
{
  guint32 ms = 0;
  gint64 end;

  if (args != NULL && g_variant_is_of_type (args, G_VARIANT_TYPE ("(u)")))
    g_variant_get (args, "(u)", &ms);

  end = g_get_monotonic_time () + (gint64) ms * 1000;
  while (g_get_monotonic_time () < end && !tasker_context_is_cancelled (context))
    g_usleep (1000);

  return g_variant_new ("(i)", (int) getpid ());
}

/* args (s): creates the file at that path; shows whether the function ran. */
GVariant *
touch (TaskerContext  *context,
       GVariant       *args,
       GError        **error)
{
  const char *path = NULL;

  g_variant_get (args, "(&s)", &path);
  if (!g_file_set_contents (path, "ran\n", -1, error))
    return NULL;

  return g_variant_new ("(i)", (int) getpid ());
}

/* Reports progress 0/10 … 5/10 with messages, log lines and "step" events,
 * then 0.75 and "from sub" through a sub context. */
static void
report_progress (TaskerContext *context)
{
  g_autoptr(TaskerContext) sub = NULL;

  tasker_context_set_total (context, 10);
  for (int i = 0; i <= 5; i++)
    {
      g_autofree char *message = g_strdup_printf ("step %d", i);
      g_autofree char *line = g_strdup_printf ("line %d", i);

      tasker_context_set_progress (context, i);
      tasker_context_set_message (context, message);
      tasker_context_log (context, line);
      tasker_context_send_event (context, "step", g_variant_new ("(i)", i));
      if (i % 2 == 0)
        tasker_context_flush (context);
    }

  /* The second half of the task: 2 of 4 → 0.5 + 0.5 × 0.5. */
  sub = tasker_context_sub_context (context, 0.5, 0.5, 4);
  tasker_context_set_progress (sub, 2);
  tasker_context_set_message (sub, "from sub");
  tasker_context_log (sub, "line sub");
  tasker_context_send_event (sub, "step", g_variant_new ("(i)", 99));
  tasker_context_send_event (context, "last", NULL);
  tasker_context_flush (context);
}

/* Reports progress (see report_progress), then returns (i) 10. */
GVariant *
progress (TaskerContext  *context,
          GVariant       *args,
          GError        **error)
{
  report_progress (context);

  return g_variant_new ("(i)", 10);
}

/* Reports progress (see report_progress), then waits up to 30 s for
 * cancellation and returns. */
GVariant *
progress_wait (TaskerContext  *context,
               GVariant       *args,
               GError        **error)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  report_progress (context);

  while (!tasker_context_is_cancelled (context) && g_get_monotonic_time () < end)
    g_usleep (1000);

  return NULL;
}

/* Sets progress 0.37 and message "almost" without flushing, then fails. */
GVariant *
progress_then_fail (TaskerContext  *context,
                    GVariant       *args,
                    GError        **error)
{
  tasker_context_set_progress (context, 0.37);
  tasker_context_set_message (context, "almost");
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "gave up");

  return NULL;
}

/* args (u): sets progress in a tight loop for that many milliseconds. */
GVariant *
progress_spam (TaskerContext  *context,
               GVariant       *args,
               GError        **error)
{
  guint32 ms = 300;
  gint64 start = g_get_monotonic_time ();
  gint64 end;
  guint64 n = 0;

  if (args != NULL && g_variant_is_of_type (args, G_VARIANT_TYPE ("(u)")))
    g_variant_get (args, "(u)", &ms);
  end = start + (gint64) ms * 1000;

  for (gint64 now = start; now < end; now = g_get_monotonic_time ())
    for (int i = 0; i < 1000; i++, n++)
      tasker_context_set_progress (context, 0.9 * (double) (now - start) / (double) (end - start));

  return g_variant_new ("(t)", n);
}

/* Fails with G_IO_ERROR_NOT_FOUND "no such thing". */
GVariant *
fail_gerror (TaskerContext  *context,
             GVariant       *args,
             GError        **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such thing");

  return NULL;
}

/* Fails with a domain the test process may not know yet, code 42. */
GVariant *
fail_custom (TaskerContext  *context,
             GVariant       *args,
             GError        **error)
{
  g_set_error (error, g_quark_from_static_string (TEST_ERROR_DOMAIN), 42,
               "custom failure %d", 42);

  return NULL;
}

/* args (s): fails with that domain, code 7. */
GVariant *
fail_domain (TaskerContext  *context,
             GVariant       *args,
             GError        **error)
{
  const char *domain = "tasker-test-fallback-quark";

  if (args != NULL && g_variant_is_of_type (args, G_VARIANT_TYPE ("(s)")))
    g_variant_get (args, "(&s)", &domain);
  g_set_error_literal (error, g_quark_from_string (domain), 7, "failure in its own domain");

  return NULL;
}

GVariant *
segv (TaskerContext  *context,
      GVariant       *args,
      GError        **error)
{
  no_core_dumps ();
  raise (SIGSEGV);

  return NULL;
}

GVariant *
do_abort (TaskerContext  *context,
          GVariant       *args,
          GError        **error)
{
  no_core_dumps ();
  if (really)
    abort ();

  return NULL;
}

GVariant *
exit3 (TaskerContext  *context,
       GVariant       *args,
       GError        **error)
{
  if (really)
    exit (3);

  return NULL;
}

/* Writes a frame the manager cannot decode to the worker's socket (always
 * fd 3), then waits up to 30 s for cancellation. */
GVariant *
garbage (TaskerContext  *context,
         GVariant       *args,
         GError        **error)
{
  /* A length of 8, then 8 bytes that are not a (uuv) in normal form. */
  static const char frame[] = "\x08\x00\x00\x00" "garbage!";
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  gsize done = 0;

  while (done < sizeof frame - 1)
    {
      gssize n = write (3, frame + done, sizeof frame - 1 - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += n;
    }

  while (!tasker_context_is_cancelled (context) && g_get_monotonic_time () < end)
    g_usleep (1000);

  return NULL;
}

static void
new_session (gpointer data)
{
  setsid ();
}

/* Starts `sleep 306` in a session of its own (as a daemon would), leaves it
 * running and returns (i) its pid. */
GVariant *
spawn_sleeper (TaskerContext  *context,
               GVariant       *args,
               GError        **error)
{
  const char *argv[] = { "sleep", "306", NULL };
  GPid child;

  if (!g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                      new_session, NULL, &child, error))
    return NULL;

  return g_variant_new ("(i)", (int) child);
}

static volatile sig_atomic_t term_seen;

static void
term_handler (int signum)
{
  term_seen = 1;
}

/* Ignores cancellation, and returns () once its worker gets SIGTERM (which
 * stays handled: only SIGKILL ends that worker then). Up to 60 s. */
GVariant *
return_on_term (TaskerContext  *context,
                GVariant       *args,
                GError        **error)
{
  struct sigaction action = { .sa_handler = term_handler };
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  sigemptyset (&action.sa_mask);
  sigaction (SIGTERM, &action, NULL);
  log_pid_and_flush (context);

  while (!term_seen && g_get_monotonic_time () < end)
    g_usleep (1000);

  return g_variant_new ("()");
}

/* Ignores cancellation: sleeps in 10 ms steps for up to 60 s. */
GVariant *
hang (TaskerContext  *context,
      GVariant       *args,
      GError        **error)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  log_pid_and_flush (context);

  while (g_get_monotonic_time () < end)
    g_usleep (10 * 1000);

  return g_variant_new ("()");
}

/* Ignores cancellation and SIGTERM: only SIGKILL stops it. */
GVariant *
hang_ignore_term (TaskerContext  *context,
                  GVariant       *args,
                  GError        **error)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  signal (SIGTERM, SIG_IGN);
  log_pid_and_flush (context);

  while (g_get_monotonic_time () < end)
    g_usleep (10 * 1000);

  return g_variant_new ("()");
}

/* Polls is_cancelled() every millisecond for up to 30 s; logs "saw cancel"
 * if it was cancelled, then returns (b) whether it was. */
GVariant *
wait_cancel (TaskerContext  *context,
             GVariant       *args,
             GError        **error)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  gboolean cancelled;

  log_pid_and_flush (context);

  while (!(cancelled = tasker_context_is_cancelled (context)) && g_get_monotonic_time () < end)
    g_usleep (1000);

  if (cancelled)
    tasker_context_log (context, "saw cancel");

  return g_variant_new ("(b)", cancelled);
}

/* Waits for its cancellable to fire (polling its fd), for up to 30 s; logs
 * "saw cancellable" and fails with the cancellation error if it fired. */
GVariant *
wait_cancellable (TaskerContext  *context,
                  GVariant       *args,
                  GError        **error)
{
  GCancellable *cancellable = tasker_context_get_cancellable (context);
  GPollFD pollfd;

  log_pid_and_flush (context);

  if (g_cancellable_make_pollfd (cancellable, &pollfd))
    {
      gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

      while (!g_cancellable_is_cancelled (cancellable) && g_get_monotonic_time () < end)
        g_poll (&pollfd, 1, 100);
      g_cancellable_release_fd (cancellable);
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      tasker_context_log (context, "saw cancellable");
      return NULL;
    }

  return g_variant_new ("(b)", FALSE);
}

/* Returns a 17 MiB "ay": over the 16 MiB frame limit. */
GVariant *
big_result (TaskerContext  *context,
            GVariant       *args,
            GError        **error)
{
  gsize size = 17 * 1024 * 1024;
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_malloc0 (size), size);

  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

/* args (u): returns an "ay" of that many bytes, byte i being i % 251. */
GVariant *
sized_result (TaskerContext  *context,
              GVariant       *args,
              GError        **error)
{
  guint32 size = 0;
  guint8 *data;

  g_variant_get (args, "(u)", &size);
  data = g_malloc (size);
  for (guint32 i = 0; i < size; i++)
    data[i] = i % 251;

  return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, data, size, TRUE, g_free, data);
}

/* Prints lines to stdout and stderr, then waits up to 30 s for
 * cancellation, so the lines reach the log while it runs. */
GVariant *
print (TaskerContext  *context,
       GVariant       *args,
       GError        **error)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  printf ("out line 1\n");
  printf ("out line 2\n");
  fflush (stdout);
  fprintf (stderr, "err line 1\n");
  fflush (stderr);

  log_pid_and_flush (context);

  while (!tasker_context_is_cancelled (context) && g_get_monotonic_time () < end)
    g_usleep (1000);

  return g_variant_new ("()");
}

/* args (s): prints "<s> out" to stdout and "<s> err" to stderr, then returns
 * at once. */
GVariant *
print_return (TaskerContext  *context,
              GVariant       *args,
              GError        **error)
{
  const char *tag = NULL;

  g_variant_get (args, "(&s)", &tag);
  printf ("%s out\n", tag);
  fflush (stdout);
  fprintf (stderr, "%s err\n", tag);
  fflush (stderr);

  return g_variant_new ("(i)", (int) getpid ());
}

/* Prints lines of every shape to stdout (CRLF, a bar redrawn with \r, a
 * 100,000-byte line, one never ended) and logs a 100,000-byte line, then
 * returns. */
GVariant *
print_shapes (TaskerContext  *context,
              GVariant       *args,
              GError        **error)
{
  g_autofree char *long_line = g_strnfill (100000, 'y');
  g_autofree char *long_log = g_strnfill (100000, 'z');

  printf ("crlf\r\n");
  printf ("bar 10%%\r");
  fflush (stdout);
  printf ("bar 20%%\rbar 30%%\r\n");
  printf ("%s\n", long_line);
  fflush (stdout);
  tasker_context_log (context, long_log);
  printf ("unended");
  fflush (stdout);

  return g_variant_new ("()");
}

/* args (u) n: sends n events "n" with data u, 0 to n-1, as fast as it can;
 * returns (u) n. */
GVariant *
event_flood (TaskerContext  *context,
             GVariant       *args,
             GError        **error)
{
  guint32 n = 0;

  g_variant_get (args, "(u)", &n);
  for (guint32 i = 0; i < n; i++)
    tasker_context_send_event (context, "n", g_variant_new_uint32 (i));

  return g_variant_new ("(u)", n);
}

/* Returns (b) whether any GTK library is mapped into the worker. */
GVariant *
load_gtk_check (TaskerContext  *context,
                GVariant       *args,
                GError        **error)
{
  g_autofree char *maps = NULL;

  if (!g_file_get_contents ("/proc/self/maps", &maps, NULL, error))
    return NULL;

  return g_variant_new ("(b)", strstr (maps, "libgtk") != NULL);
}
