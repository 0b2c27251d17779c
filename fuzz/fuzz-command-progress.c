/* fuzz-command-progress.c — libFuzzer target for the command-progress parser
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is a command's output; each of its '\n'-separated lines, and the
 * whole input as one line, goes through _tasker_command_progress_parse().
 * Beyond "no crash, no leak, no undefined behaviour, no read past @len"
 * (ASan/UBSan; the line is copied to a buffer of exactly its length) it checks
 * the rules of tasker-command-progress.c:
 *  - a fraction is in [0, 1]; only a TASKER-PROGRESS line has a message, and it
 *    is valid UTF-8, not empty, with no white space at either end;
 *  - the result does not depend on which out-parameters are asked for;
 *  - rule 2 agrees with a slow reference that tries every '%' from the end
 *    (the same as test_random in tests/command/test-command-progress.c).
 */

#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tasker-command-progress-private.h"

#include "command-progress-reference.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_line (const char *data,
            gsize       len)
{
  /* Exactly @len bytes on the heap, so ASan sees any read past them. */
  char *line = g_malloc (MAX (len, 1));
  g_autofree char *message = NULL;
  double fraction = -42.0;
  double fraction2 = -42.0;
  gboolean ok;

  memcpy (line, data, len);
  ok = _tasker_command_progress_parse (line, len, &fraction, &message);

  g_assert (ok == _tasker_command_progress_parse (line, len, NULL, NULL));
  g_assert (ok == _tasker_command_progress_parse (line, len, &fraction2, NULL));

  if (ok)
    {
      g_assert (fraction >= 0.0 && fraction <= 1.0);
      g_assert (fraction == fraction2);
    }
  else
    {
      g_assert (fraction == -42.0);
      g_assert (message == NULL);
    }

  if (message != NULL)
    {
      gsize n = strlen (message);

      g_assert (is_progress_line (line, len));
      g_assert (n > 0);
      g_assert (g_utf8_validate (message, n, NULL));
      g_assert (!is_space (message[0]) && !is_space (message[n - 1]));
    }

  if (!is_progress_line (line, len))
    {
      double expected = -42.0;
      gboolean expected_ok = reference_percentage (line, len, &expected);

      g_assert (expected_ok == ok);
      g_assert (!ok || fabs (expected - fraction) <= 1e-12);
    }

  g_free (line);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* A critical (a failed precondition) is a bug: make it a crash. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  gsize start = 0;

  check_line (text, size);

  /* Line by line, as the manager reads a command's output */
  for (gsize i = 0; i <= size; i++)
    if (i == size || text[i] == '\n')
      {
        if (start > 0 || i < size)
          check_line (text + start, i - start);
        start = i + 1;
      }

  return 0;
}
