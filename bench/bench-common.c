/* bench-common.c: helpers shared by the benchmark programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench-common.h"

static gboolean quick;

G_GNUC_NORETURN static void
watchdog_cb (int signum)
{
  static const char msg[] = "# benchmark watchdog expired: aborting\n";

  (void) !write (STDERR_FILENO, msg, sizeof msg - 1);
  abort ();
}

void
bench_init (int          *argc,
            char       ***argv,
            const char   *description,
            guint         watchdog_seconds)
{
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
      "Small sizes, for the test suite (numbers are meaningless)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;

  options = g_option_context_new (NULL);
  g_option_context_set_summary (options, description);
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, argc, argv, &error))
    {
      g_printerr ("%s\n", error->message);
      exit (2);
    }

  signal (SIGALRM, watchdog_cb);
  alarm (watchdog_seconds);

  /* Rows must reach a pipe even if the program dies later. */
  setvbuf (stdout, NULL, _IOLBF, 0);
}

gboolean
bench_is_quick (void)
{
  return quick;
}

static guint
env_or (const char *name,
        guint       fallback)
{
  const char *value = g_getenv (name);

  if (value == NULL || *value == '\0')
    return fallback;

  return MAX (1, (guint) g_ascii_strtoull (value, NULL, 10));
}

guint
bench_get_n (guint full,
             guint quick_n)
{
  return env_or ("TASKER_BENCH_N", quick ? quick_n : full);
}

guint
bench_get_reps (guint full,
                guint quick_reps)
{
  return env_or ("TASKER_BENCH_REPS", quick ? quick_reps : full);
}

static const char *
op_to_string (BenchOp op)
{
  switch (op)
    {
    case BENCH_GE:
      return ">=";
    case BENCH_GT:
      return ">";
    case BENCH_LE:
      return "<=";
    case BENCH_LT:
      return "<";
    default:
      g_assert_not_reached ();
    }
}

static gboolean
op_holds (BenchOp op,
          double  a,
          double  b)
{
  switch (op)
    {
    case BENCH_GE:
      return a >= b;
    case BENCH_GT:
      return a > b;
    case BENCH_LE:
      return a <= b;
    case BENCH_LT:
      return a < b;
    default:
      g_assert_not_reached ();
    }
}

/* Enough digits to read, no exponent for the magnitudes we print. */
static void
format_number (char   *buf,
               gsize   len,
               double  v)
{
  double a = fabs (v);

  if (isnan (v))
    g_snprintf (buf, len, "nan");
  else if (a >= 1000)
    g_snprintf (buf, len, "%.0f", v);
  else if (a >= 100)
    g_snprintf (buf, len, "%.1f", v);
  else if (a >= 1 || a == 0)
    g_snprintf (buf, len, "%.2f", v);
  else if (a >= 0.01)
    g_snprintf (buf, len, "%.3f", v);
  else
    g_snprintf (buf, len, "%.2g", v);
}

static void
print_row (const char *metric,
           double      value,
           const char *unit,
           const char *target,
           const char *baseline_name,
           double      baseline_value,
           const char *verdict)
{
  char value_s[64], baseline_s[64] = "-", ratio_s[64] = "-";

  format_number (value_s, sizeof value_s, value);
  if (baseline_name != NULL)
    {
      format_number (baseline_s, sizeof baseline_s, baseline_value);
      if (baseline_value != 0)
        g_snprintf (ratio_s, sizeof ratio_s, "%.2f", value / baseline_value);
    }

  printf ("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
          metric, value_s, unit, target,
          baseline_name != NULL ? baseline_name : "-", baseline_s, ratio_s, verdict);
}

gboolean
bench_row (const char    *metric,
           double         value,
           const char    *unit,
           BenchTargetOn  on,
           BenchOp        op,
           double         target,
           const char    *baseline_name,
           double         baseline_value)
{
  char target_num[64], target_s[96];
  double subject;
  gboolean ok;

  g_snprintf (target_num, sizeof target_num, "%g", target);
  if (on == BENCH_ON_RATIO)
    {
      g_assert (baseline_name != NULL);
      subject = baseline_value != 0 ? value / baseline_value : NAN;
      g_snprintf (target_s, sizeof target_s, "ratio%s%s", op_to_string (op), target_num);
    }
  else
    {
      subject = value;
      g_snprintf (target_s, sizeof target_s, "%s%s", op_to_string (op), target_num);
    }

  ok = !isnan (subject) && op_holds (op, subject, target);
  print_row (metric, value, unit, target_s, baseline_name, baseline_value, ok ? "ok" : "MISS");

  return ok;
}

void
bench_info_row (const char *metric,
                double      value,
                const char *unit,
                const char *baseline_name,
                double      baseline_value)
{
  print_row (metric, value, unit, "-", baseline_name, baseline_value, "-");
}

void
bench_comment (const char *format,
               ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  printf ("# %s\n", text);
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

double
bench_percentile (double *values,
                  gsize   n,
                  double  p)
{
  double rank;
  gsize lo;

  g_assert (n > 0);

  qsort (values, n, sizeof (double), compare_doubles);

  /* Linear interpolation between closest ranks. */
  rank = p / 100.0 * (n - 1);
  lo = (gsize) floor (rank);
  if (lo + 1 >= n)
    return values[n - 1];

  return values[lo] + (rank - lo) * (values[lo + 1] - values[lo]);
}

double
bench_median (double *values,
              gsize   n)
{
  return bench_percentile (values, n, 50);
}

double
bench_max (const double *values,
           gsize         n)
{
  double m = -INFINITY;

  for (gsize i = 0; i < n; i++)
    m = MAX (m, values[i]);

  return m;
}

gsize
bench_rss_bytes (void)
{
  unsigned long size = 0, resident = 0;
  FILE *f;

  f = fopen ("/proc/self/statm", "r");
  if (f == NULL)
    bench_fail ("cannot open /proc/self/statm");
  if (fscanf (f, "%lu %lu", &size, &resident) != 2)
    bench_fail ("cannot parse /proc/self/statm");
  fclose (f);

  return (gsize) resident * (gsize) sysconf (_SC_PAGESIZE);
}

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;

  return G_SOURCE_REMOVE;
}

gboolean
bench_iterate_until (GMainContext *context,
                     const int    *flag,
                     guint         timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *timeout;

  if (g_atomic_int_get (flag))
    return TRUE;

  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, set_flag_cb, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!g_atomic_int_get (flag) && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);

  return g_atomic_int_get (flag);
}

void
bench_fail (const char *format,
            ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  fflush (stdout);
  g_printerr ("benchmark failed: %s\n", text);
  exit (1);
}
