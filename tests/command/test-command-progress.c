/* test-command-progress.c — progress read from a command's output lines
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include "tasker-command-progress-private.h"

#include "command-progress-reference.h"

#define NO_PROGRESS (-1.0)

typedef struct
{
  const char *line;
  gsize       len;      /* the line may hold NUL bytes */
  double      fraction; /* NO_PROGRESS: the parser must return FALSE */
  const char *message;  /* expected message, or NULL */
} Case;

#define LINE(s) s, sizeof s - 1

/* clang-format off */
static const Case cases[] = {
  /* Rule 1: TASKER-PROGRESS <value> [message] */
  { LINE ("TASKER-PROGRESS 0.42"),                      0.42,  NULL },
  { LINE ("TASKER-PROGRESS 1"),                         1.0,   NULL },
  { LINE ("TASKER-PROGRESS 0"),                         0.0,   NULL },
  { LINE ("TASKER-PROGRESS .5"),                        0.5,   NULL },
  { LINE ("TASKER-PROGRESS 5."),                        1.0,   NULL },
  { LINE ("TASKER-PROGRESS +.25"),                      0.25,  NULL },
  { LINE ("TASKER-PROGRESS 1e-3"),                      0.001, NULL },
  { LINE ("TASKER-PROGRESS 2.5E-1"),                    0.25,  NULL },
  { LINE ("TASKER-PROGRESS 1e-400"),                    0.0,   NULL },
  { LINE ("TASKER-PROGRESS 42%"),                       0.42,  NULL },
  { LINE ("TASKER-PROGRESS 12.5%"),                     0.125, NULL },
  { LINE ("TASKER-PROGRESS .5%"),                       0.005, NULL },
  { LINE ("TASKER-PROGRESS 100%"),                      1.0,   NULL },
  /* clamped */
  { LINE ("TASKER-PROGRESS 1.5"),                       1.0,   NULL },
  { LINE ("TASKER-PROGRESS 250%"),                      1.0,   NULL },
  { LINE ("TASKER-PROGRESS -0.5"),                      0.0,   NULL },
  { LINE ("TASKER-PROGRESS -0"),                        0.0,   NULL },
  { LINE ("TASKER-PROGRESS -5%"),                       0.0,   NULL },
  { LINE ("TASKER-PROGRESS 1e300"),                     1.0,   NULL },
  /* white space and messages */
  { LINE ("  \t TASKER-PROGRESS 0.5"),                  0.5,   NULL },
  { LINE ("TASKER-PROGRESS\t0.5\tCopying files"),       0.5,   "Copying files" },
  { LINE ("TASKER-PROGRESS   0.5   Copying  files \r"), 0.5,   "Copying  files" },
  { LINE ("TASKER-PROGRESS 0.5 \t \r"),                 0.5,   NULL },
  { LINE ("TASKER-PROGRESS 0.5 x"),                     0.5,   "x" },
  { LINE ("TASKER-PROGRESS 0.5 50% done"),              0.5,   "50% done" },
  { LINE ("TASKER-PROGRESS 30% Kopiere „ünïcödé“"),     0.3,   "Kopiere „ünïcödé“" },
  { LINE ("\v\fTASKER-PROGRESS\r0.5\nmsg\n"),           0.5,   "msg" },
  /* invalid UTF-8 and NUL bytes in the message are replaced by U+FFFD */
  { LINE ("TASKER-PROGRESS 0.5 caf\xe9"),               0.5,   "caf\xef\xbf\xbd" },
  { LINE ("TASKER-PROGRESS 0.5 \xff\xfe ok"),           0.5,   "\xef\xbf\xbd\xef\xbf\xbd ok" },
  { LINE ("TASKER-PROGRESS 0.5 a\0b"),                  0.5,   "a\xef\xbf\xbd" "b" },
  { LINE ("TASKER-PROGRESS 0.5 \xe2\x80"),              0.5,   "\xef\xbf\xbd\xef\xbf\xbd" },
  /* a bad value: no progress, and rule 2 is not tried */
  { LINE ("TASKER-PROGRESS"),                           NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS "),                          NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS \t "),                       NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS abc"),                       NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS abc 50%"),                   NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS 0.5x"),                      NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS 0,5"),                       NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS 0x10"),                      NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS 0x1p-1"),                    NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS nan"),                       NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS NaN%"),                      NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS inf"),                       NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS -Infinity"),                 NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS 1e999"),                     NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS -1e999%"),                   NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS %"),                         NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS 50%%"),                      NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS %50"),                       NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS ."),                         NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS -"),                         NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS +-1"),                       NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS 1.2.3"),                     NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS 1e"),                        NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS e5"),                        NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS 0.5\0"),                     NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRESS \0" "0.5"),                  NO_PROGRESS, NULL },
  /* not the keyword: rule 2 applies */
  { LINE ("tasker-progress 0.5"),                       NO_PROGRESS, NULL },
  { LINE ("tasker-progress 0.5 30%"),                   0.3,   NULL },
  { LINE ("TASKER-PROGRESSX 0.5 30%"),                  0.3,   NULL },
  { LINE ("TASKER-PROGRESS:0.5 30%"),                   0.3,   NULL },
  { LINE ("xTASKER-PROGRESS 0.5"),                      NO_PROGRESS, NULL },
  { LINE ("copy TASKER-PROGRESS 0.5 30%"),              0.3,   NULL },
  { LINE ("\0TASKER-PROGRESS 0.5"),                     NO_PROGRESS, NULL },
  { LINE ("TASKER-PROGRES 0.5 30%"),                    0.3,   NULL },

  /* Rule 2: the last percentage on the line */
  { LINE ("45%"),                                       0.45,  NULL },
  { LINE ("  45%"),                                     0.45,  NULL },
  { LINE ("[ 12.5%]"),                                  0.125, NULL },
  { LINE ("copied 3 of 10 (30%) 45% done"),             0.45,  NULL },
  { LINE ("100%"),                                      1.0,   NULL },
  { LINE ("100.0%"),                                    1.0,   NULL },
  { LINE ("100.000000000000000000000000000000000000000000000%"), 1.0, NULL },
  { LINE ("0%"),                                        0.0,   NULL },
  { LINE ("0.0%"),                                      0.0,   NULL },
  { LINE ("000%"),                                      0.0,   NULL },
  { LINE ("005%"),                                      0.05,  NULL },
  { LINE ("9%"),                                        0.09,  NULL },
  { LINE ("99.9%"),                                     0.999, NULL },
  { LINE ("33.333333333333333333333333333333333333333333%"), 0.33333333333333333, NULL },
  { LINE ("10%\r20%\r30%"),                             0.3,   NULL },
  { LINE ("45% v1.2%"),                                 0.45,  NULL },
  { LINE ("45% abc45%"),                                0.45,  NULL },
  { LINE ("45% 1234%"),                                 0.45,  NULL },
  { LINE ("45% 50 %"),                                  0.45,  NULL },
  { LINE ("150% 50%"),                                  0.5,   NULL },
  { LINE ("50%%"),                                      0.5,   NULL },
  { LINE ("45%abc"),                                    0.45,  NULL },
  { LINE ("_45%"),                                      0.45,  NULL },
  { LINE ("-45%"),                                      0.45,  NULL },
  { LINE ("é45%"),                                      0.45,  NULL },
  { LINE ("x 45%\xff"),                                 0.45,  NULL },
  { LINE ("a\0 45%"),                                   0.45,  NULL },
  { LINE ("\0" "45%"),                                  0.45,  NULL },
  { LINE ("45%\0"),                                     0.45,  NULL },
  { LINE ("12,5%"),                                     0.05,  NULL },
  /* not progress */
  { LINE (""),                                          NO_PROGRESS, NULL },
  { LINE ("   "),                                       NO_PROGRESS, NULL },
  { LINE ("no progress here"),                          NO_PROGRESS, NULL },
  { LINE ("%"),                                         NO_PROGRESS, NULL },
  { LINE ("%%%"),                                       NO_PROGRESS, NULL },
  { LINE ("50 %"),                                      NO_PROGRESS, NULL },
  { LINE ("150%"),                                      NO_PROGRESS, NULL },
  { LINE ("101%"),                                      NO_PROGRESS, NULL },
  { LINE ("100.01%"),                                   NO_PROGRESS, NULL },
  { LINE ("100.000000000000000000000000000000000000001%"), NO_PROGRESS, NULL },
  { LINE ("999.9%"),                                    NO_PROGRESS, NULL },
  { LINE ("50% 150%"),                                  NO_PROGRESS, NULL },
  { LINE ("v1.2%"),                                     NO_PROGRESS, NULL },
  { LINE ("abc45%"),                                    NO_PROGRESS, NULL },
  { LINE ("ABC45%"),                                    NO_PROGRESS, NULL },
  { LINE ("1234%"),                                     NO_PROGRESS, NULL },
  { LINE (".5%"),                                       NO_PROGRESS, NULL },
  { LINE ("x.5%"),                                      NO_PROGRESS, NULL },
  { LINE ("1.2.3%"),                                    NO_PROGRESS, NULL },
  { LINE ("12.%"),                                      NO_PROGRESS, NULL },
  { LINE ("1.5e3%"),                                    NO_PROGRESS, NULL },
  { LINE ("45\0%"),                                     NO_PROGRESS, NULL },
  { LINE ("0x45%"),                                     NO_PROGRESS, NULL },
};
/* clang-format on */

static gboolean
under_valgrind (void)
{
  return g_getenv ("TASKER_UNDER_VALGRIND") != NULL;
}

static char *
describe (const char *line,
          gsize       len)
{
  g_autofree char *escaped = NULL;
  g_autoptr(GString) s = g_string_new (NULL);

  /* g_strescape stops at NUL: escape byte by byte */
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) line[i];

      if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
        g_string_append_c (s, (char) c);
      else
        g_string_append_printf (s, "\\x%02x", c);
    }

  return g_strdup_printf ("\"%s\" (%" G_GSIZE_FORMAT " bytes)", s->str, len);
}

/* Parses @len bytes copied to a buffer of exactly that size, so that reading
 * past the end is caught by ASan and valgrind. */
static gboolean
parse_exact (const char  *line,
             gsize        len,
             double      *fraction,
             char       **message)
{
  g_autofree char *copy = g_memdup2 (line, len);

  /* g_memdup2 (…, 0) is NULL: the parser accepts that with length 0 */
  return _tasker_command_progress_parse (copy, len, fraction, message);
}

/* What every result must satisfy, whatever the line. */
static void
check_invariants (const char *line,
                  gsize       len,
                  gboolean    ok,
                  double      fraction,
                  const char *message)
{
  if (!ok)
    {
      g_assert_null (message);
      return;
    }

  g_assert_false (isnan (fraction));
  g_assert_cmpfloat (fraction, >=, 0.0);
  g_assert_cmpfloat (fraction, <=, 1.0);
  g_assert_false (signbit (fraction));

  if (message != NULL)
    {
      g_assert_true (g_utf8_validate (message, -1, NULL));
      g_assert_cmpuint (strlen (message), >, 0);
      g_assert_false (is_space (message[0]));
      g_assert_false (is_space (message[strlen (message) - 1]));
      /* only a progress line has a message */
      g_assert_nonnull (g_strstr_len (line, len, "TASKER-PROGRESS"));
    }
}

static void
check_case (const Case *c,
            gboolean    verbose)
{
  g_autofree char *what = describe (c->line, c->len);
  g_autofree char *message = NULL;
  double fraction = -42.0;
  gboolean ok;

  if (verbose)
    g_test_message ("%s", what);

  ok = parse_exact (c->line, c->len, &fraction, &message);
  check_invariants (c->line, c->len, ok, fraction, message);

  if (c->fraction == NO_PROGRESS)
    {
      if (ok)
        g_error ("%s: expected no progress, got %g", what, fraction);
      g_assert_cmpfloat (fraction, ==, -42.0); /* not written */
    }
  else
    {
      if (!ok)
        g_error ("%s: expected %g, got no progress", what, c->fraction);
      g_assert_cmpfloat_with_epsilon (fraction, c->fraction, 1e-12);
    }

  g_assert_cmpstr (message, ==, c->message);
}

static void
test_table (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    check_case (&cases[i], TRUE);
}

/* The out arguments are optional. */
static void
test_optional_out (void)
{
  double fraction = -1.0;
  g_autofree char *message = NULL;

  g_assert_true (_tasker_command_progress_parse (LINE ("TASKER-PROGRESS 0.5 hi"), NULL, NULL));
  g_assert_true (_tasker_command_progress_parse (LINE ("TASKER-PROGRESS 0.5 hi"), &fraction, NULL));
  g_assert_cmpfloat (fraction, ==, 0.5);
  g_assert_true (_tasker_command_progress_parse (LINE ("45%"), NULL, NULL));
  g_assert_false (_tasker_command_progress_parse (LINE ("45 %"), NULL, NULL));
  g_assert_true (_tasker_command_progress_parse (LINE ("TASKER-PROGRESS 1 hi"), NULL, &message));
  g_assert_cmpstr (message, ==, "hi");
  g_clear_pointer (&message, g_free);

  /* a stale pointer in *message is overwritten, not freed, on every path */
  message = (char *) "stale";
  g_assert_false (_tasker_command_progress_parse (LINE ("nothing"), NULL, &message));
  g_assert_null (message);
  message = (char *) "stale";
  g_assert_true (_tasker_command_progress_parse (LINE ("TASKER-PROGRESS 1"), NULL, &message));
  g_assert_null (message);
  message = (char *) "stale";
  g_assert_true (_tasker_command_progress_parse (LINE ("7%"), NULL, &message));
  g_assert_null (message);

  /* an empty line may be NULL */
  g_assert_false (_tasker_command_progress_parse (NULL, 0, &fraction, &message));
  g_assert_null (message);
}

/* Every line of the table cut at every length: the result must depend only
 * on the @len bytes given. Each prefix is parsed from a buffer of exactly its
 * size (an overread is an ASan/valgrind error), then from a longer buffer
 * whose bytes after the prefix would change the answer if they were read. */
static void
test_cut (void)
{
  static const struct
  {
    const char *bytes;
    gsize       len;
  } tails[] = { { LINE ("7%") }, { LINE (" 0.5 msg") }, { LINE ("0") }, { LINE ("\0" "99%") } };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];

      for (gsize len = 0; len <= c->len; len++)
        {
          g_autofree char *message = NULL;
          double fraction = -42.0;
          gboolean ok;

          ok = parse_exact (c->line, len, &fraction, &message);
          check_invariants (c->line, len, ok, fraction, message);
          if (!ok)
            g_assert_cmpfloat (fraction, ==, -42.0);

          for (gsize t = 0; t < G_N_ELEMENTS (tails); t++)
            {
              gsize tail_len = tails[t].len;
              g_autofree char *buf = g_malloc (len + tail_len);
              g_autofree char *message2 = NULL;
              double fraction2 = -42.0;
              gboolean ok2;

              if (len > 0)
                memcpy (buf, c->line, len);
              memcpy (buf + len, tails[t].bytes, tail_len);

              ok2 = _tasker_command_progress_parse (buf, len, &fraction2, &message2);
              if (ok2 != ok || fraction2 != fraction || g_strcmp0 (message, message2) != 0)
                {
                  g_autofree char *what = describe (c->line, len);
                  g_error ("%s gives a different answer when followed by tail %" G_GSIZE_FORMAT,
                           what, t);
                }
            }
        }

      /* the whole line, the same way, gives the table's answer */
      check_case (c, FALSE);
    }
}

/* A few cuts whose answer is known. */
static void
test_cut_known (void)
{
  static const struct
  {
    const char *line;
    gsize       len;
    double      fraction;
    const char *message;
  } cuts[] = {
    { "45%", 2, NO_PROGRESS, NULL },
    { "45%", 1, NO_PROGRESS, NULL },
    { "12.5%", 4, NO_PROGRESS, NULL },
    { "30% 45%", 6, 0.3, NULL },
    { "30% 150%", 7, 0.3, NULL },
    { "TASKER-PROGRESS 42% msg", 18, 1.0, NULL },
    { "TASKER-PROGRESS 42% msg", 19, 0.42, NULL },
    { "TASKER-PROGRESS 42% msg", 20, 0.42, NULL },
    { "TASKER-PROGRESS 42% msg", 21, 0.42, "m" },
    { "TASKER-PROGRESS 0.5", 16, NO_PROGRESS, NULL },
    { "TASKER-PROGRESS 0.5", 17, 0.0, NULL },
    { "TASKER-PROGRESS 1e-2", 17, 1.0, NULL },
    { "TASKER-PROGRESS 1e-2", 18, NO_PROGRESS, NULL },
    { "TASKER-PROGRESS 1e-2", 19, NO_PROGRESS, NULL },
    { "TASKER-PROGRESS 1e-2", 20, 0.01, NULL },
    { "TASKER-PROGRESS 0.5 caf\xc3\xa9", 24, 0.5, "caf\xef\xbf\xbd" },
    { "TASKER-PROGRESS 0.5 caf\xc3\xa9", 25, 0.5, "caf\xc3\xa9" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      Case c = { cuts[i].line, cuts[i].len, cuts[i].fraction, cuts[i].message };

      check_case (&c, TRUE);
    }
}

/* A value of at most 64 bytes, with its '%', is read; a longer one is not. */
static void
test_value_length (void)
{
  /* the shortest such values are 0.25 and 25.% */
  for (gsize len = 4; len <= 70; len++)
    {
      g_autoptr(GString) fraction_line = g_string_new ("TASKER-PROGRESS ");
      g_autoptr(GString) percent_line = g_string_new ("TASKER-PROGRESS ");
      gboolean fits = len <= 64;
      Case fraction_case;
      Case percent_case;

      /* 0.25000… and 25.000…% of exactly @len bytes */
      g_string_append (fraction_line, "0.25");
      g_string_append (percent_line, "25.");
      while (fraction_line->len < 16 + len)
        g_string_append_c (fraction_line, '0');
      while (percent_line->len < 16 + len - 1)
        g_string_append_c (percent_line, '0');
      g_string_append_c (percent_line, '%');
      g_string_append (fraction_line, " message");
      g_string_append (percent_line, " message");

      fraction_case = (Case) { fraction_line->str, fraction_line->len,
                               fits ? 0.25 : NO_PROGRESS, fits ? "message" : NULL };
      percent_case = (Case) { percent_line->str, percent_line->len,
                              fits ? 0.25 : NO_PROGRESS, fits ? "message" : NULL };

      check_case (&fraction_case, FALSE);
      check_case (&percent_case, FALSE);
    }
}

/* Numbers are read the same in a locale whose decimal separator is ',' */
static void
test_locale (void)
{
  static const char *const locales[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "fr_FR", "ru_RU.UTF-8" };
  g_autofree char *saved = g_strdup (setlocale (LC_NUMERIC, NULL));
  const char *found = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (locales) && found == NULL; i++)
    if (setlocale (LC_NUMERIC, locales[i]) != NULL)
      found = locales[i];

  if (found == NULL)
    {
      g_test_skip ("no locale with a decimal comma is installed");
      return;
    }

  g_test_message ("LC_NUMERIC=%s", found);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    check_case (&cases[i], FALSE);

  setlocale (LC_NUMERIC, saved);
}

/* Lines that would make a naive scan quadratic: each must take linear time
 * (a quadratic parser would not finish within the test's timeout). */
static void
test_linear (void)
{
  static const char *const patterns[] = {
    "1%", "1.", "1", "9.9", "%", ".", "a1.1%", "1111.%", "v1.2%", "1234%",
  };
  gsize size = under_valgrind () ? 64 * 1024 : 4 * 1024 * 1024;

  for (gsize p = 0; p < G_N_ELEMENTS (patterns); p++)
    {
      gsize plen = strlen (patterns[p]);
      g_autofree char *line = g_malloc (size);
      g_autofree char *message = NULL;
      gint64 start;
      gint64 elapsed;
      double fraction = -1.0;
      gboolean ok;

      for (gsize i = 0; i < size; i++)
        line[i] = patterns[p][i % plen];

      start = g_get_monotonic_time ();
      ok = _tasker_command_progress_parse (line, size, &fraction, &message);
      check_invariants (line, size, ok, fraction, message);

      /* the same with the keyword first (rule 1 sees one long value) */
      memcpy (line, "TASKER-PROGRESS ", 16);
      ok = _tasker_command_progress_parse (line, size, &fraction, &message);
      check_invariants (line, size, ok, fraction, message);
      g_clear_pointer (&message, g_free);

      /* … and a long message */
      memcpy (line, "TASKER-PROGRESS 1 ", 18);
      g_assert_true (_tasker_command_progress_parse (line, size, &fraction, &message));
      g_assert_nonnull (message);
      check_invariants (line, size, TRUE, fraction, message);
      elapsed = g_get_monotonic_time () - start;

      g_test_message ("pattern \"%s\", %" G_GSIZE_FORMAT " bytes: %" G_GINT64_FORMAT " us",
                      patterns[p], size, elapsed);
    }
}

/* Random lines over an alphabet that hits every branch, checked for the
 * invariants, for independence from the bytes after @len, and for rule 2
 * against the slow reference. */
static void
test_random (void)
{
  static const char *const atoms[] = {
    "0", "1", "5", "9", "10", "100", "%", ".", " ", "\t", "\r", "a", "v", "e", "-", "+",
    "\xff", "\xc3\xa9", "\0", "TASKER-PROGRESS", "TASKER-PROGRESS ", "  TASKER-PROGRESS\t",
  };
  guint n = under_valgrind () ? 2000 : 200000;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GByteArray) line = g_byte_array_new ();
      guint atoms_in_line = g_test_rand_int_range (0, 16);
      g_autofree char *message = NULL;
      g_autofree char *message2 = NULL;
      double fraction = -42.0;
      double fraction2 = -42.0;
      gboolean ok;
      gboolean ok2;

      for (guint a = 0; a < atoms_in_line; a++)
        {
          const char *atom = atoms[g_test_rand_int_range (0, G_N_ELEMENTS (atoms))];

          g_byte_array_append (line, (const guint8 *) atom, MAX (strlen (atom), 1));
        }

      ok = parse_exact ((const char *) line->data, line->len, &fraction, &message);
      check_invariants ((const char *) line->data, line->len, ok, fraction, message);

      g_byte_array_append (line, (const guint8 *) " 7%", 3);
      ok2 = _tasker_command_progress_parse ((const char *) line->data, line->len - 3,
                                            &fraction2, &message2);
      g_assert_true (ok == ok2);
      g_assert_true (fraction == fraction2);
      g_assert_cmpstr (message, ==, message2);

      if (!is_progress_line ((const char *) line->data, line->len - 3))
        {
          double expected = -42.0;
          gboolean expected_ok = reference_percentage ((const char *) line->data, line->len - 3,
                                                       &expected);

          if (expected_ok != ok || (ok && fabs (expected - fraction) > 1e-12))
            {
              g_autofree char *what = describe ((const char *) line->data, line->len - 3);

              g_error ("%s: got %s %g, the reference says %s %g", what,
                       ok ? "progress" : "no progress", fraction,
                       expected_ok ? "progress" : "no progress", expected);
            }
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tasker/CommandProgress/table", test_table);
  g_test_add_func ("/Tasker/CommandProgress/optional-out", test_optional_out);
  g_test_add_func ("/Tasker/CommandProgress/cut", test_cut);
  g_test_add_func ("/Tasker/CommandProgress/cut-known", test_cut_known);
  g_test_add_func ("/Tasker/CommandProgress/value-length", test_value_length);
  g_test_add_func ("/Tasker/CommandProgress/locale", test_locale);
  g_test_add_func ("/Tasker/CommandProgress/linear", test_linear);
  g_test_add_func ("/Tasker/CommandProgress/random", test_random);

  return g_test_run ();
}
