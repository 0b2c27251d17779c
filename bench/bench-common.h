/* bench-common.h: helpers shared by the benchmark programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every benchmark prints one tab-separated row per metric on stdout:
 *
 *   metric  value  unit  target  baseline-name  baseline-value  ratio  verdict
 *
 * where target is "<op><number>" (op is >=, <=, > or <) applied to the value, or
 * "ratio<op><number>" applied to value / baseline-value; verdict is "ok" or "MISS",
 * and an empty field is "-". Lines starting with '#' are comments for humans.
 * build-aux/bench.sh turns the rows of every program into one table.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  BENCH_GE,
  BENCH_GT,
  BENCH_LE,
  BENCH_LT,
} BenchOp;

typedef enum
{
  BENCH_ON_VALUE,
  BENCH_ON_RATIO,
} BenchTargetOn;

/* Parses --quick (and --help); arms a watchdog that aborts a hung run. */
void      bench_init             (int            *argc,
                                  char         ***argv,
                                  const char     *description,
                                  guint           watchdog_seconds);
gboolean  bench_is_quick         (void);
/* The size of a run: @quick with --quick, else @full; the environment
 * variable TASKER_BENCH_N overrides both (for profiling). Same for the number
 * of repetitions with TASKER_BENCH_REPS. */
guint     bench_get_n            (guint           full,
                                  guint           quick);
guint     bench_get_reps         (guint           full,
                                  guint           quick);

/* Prints one row; returns TRUE when the target is met. baseline_name may be
 * NULL (no baseline: baseline-value and ratio are "-"). */
gboolean  bench_row              (const char     *metric,
                                  double          value,
                                  const char     *unit,
                                  BenchTargetOn   on,
                                  BenchOp         op,
                                  double          target,
                                  const char     *baseline_name,
                                  double          baseline_value);
/* A row with no target: verdict "-". */
void      bench_info_row         (const char     *metric,
                                  double          value,
                                  const char     *unit,
                                  const char     *baseline_name,
                                  double          baseline_value);
void      bench_comment          (const char     *format,
                                  ...) G_GNUC_PRINTF (1, 2);

/* Statistics; values is sorted in place. */
double    bench_median           (double         *values,
                                  gsize           n);
double    bench_percentile       (double         *values,
                                  gsize           n,
                                  double          p);
double    bench_max              (const double   *values,
                                  gsize           n);

/* Resident set size of this process, in bytes (from /proc/self/statm). */
gsize     bench_rss_bytes        (void);

/* Iterates @context until *flag becomes non-zero (read atomically) or
 * timeout_ms passes; returns whether the flag was set. */
gboolean  bench_iterate_until    (GMainContext   *context,
                                  const int      *flag,
                                  guint           timeout_ms);

/* Fails the program (exit status 1) with a message: for functional errors
 * (a wrong status, a missing completion), never for a missed target. */
void      bench_fail             (const char     *format,
                                  ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

G_END_DECLS
