/* taskerctl-json.c: GVariant dictionaries as JSON objects
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What --json prints (RFC 8259): integers as numbers (a 64-bit id stays
 * exact: the digits are written, not a double), strings escaped, with every
 * control character as \uXXXX and bytes that are not UTF-8 as U+FFFD, so any
 * JSON parser reads every line.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "taskerctl-json.h"

/**
 * taskerctl_json_append_string:
 * @out: where to append
 * @text: any bytes, NUL-terminated
 *
 * Appends @text as a JSON string: quoted, escaped, and valid UTF-8.
 */
void
taskerctl_json_append_string (GString    *out,
                              const char *text)
{
  const char *p = text;
  const char *end = text + strlen (text);

  g_string_append_c (out, '"');
  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* One byte that does not start a character. */
          g_string_append (out, "\\ufffd");
          p++;
          continue;
        }
      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_len (out, p, g_utf8_next_char (p) - p);
          break;
        }
      p = g_utf8_next_char (p);
    }
  g_string_append_c (out, '"');
}

static void
append_double (GString *out,
               double   d)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  /* JSON has no NaN or infinity. */
  if (!isfinite (d))
    g_string_append (out, "null");
  else
    g_string_append (out, g_ascii_dtostr (buffer, sizeof buffer, d));
}

/**
 * taskerctl_json_append_value:
 * @out: where to append
 * @value: any GVariant
 *
 * Appends @value as JSON: numbers, booleans and strings as themselves, a
 * dictionary with string keys as an object, other containers as arrays, a
 * variant as what it holds.
 */
void
taskerctl_json_append_value (GString  *out,
                             GVariant *value)
{
  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_BOOLEAN:
      g_string_append (out, g_variant_get_boolean (value) ? "true" : "false");
      break;
    case G_VARIANT_CLASS_BYTE:
      g_string_append_printf (out, "%u", g_variant_get_byte (value));
      break;
    case G_VARIANT_CLASS_INT16:
      g_string_append_printf (out, "%d", g_variant_get_int16 (value));
      break;
    case G_VARIANT_CLASS_UINT16:
      g_string_append_printf (out, "%u", g_variant_get_uint16 (value));
      break;
    case G_VARIANT_CLASS_INT32:
      g_string_append_printf (out, "%" G_GINT32_FORMAT, g_variant_get_int32 (value));
      break;
    case G_VARIANT_CLASS_UINT32:
      g_string_append_printf (out, "%" G_GUINT32_FORMAT, g_variant_get_uint32 (value));
      break;
    case G_VARIANT_CLASS_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (value));
      break;
    case G_VARIANT_CLASS_UINT64:
      g_string_append_printf (out, "%" G_GUINT64_FORMAT, g_variant_get_uint64 (value));
      break;
    case G_VARIANT_CLASS_HANDLE:
      g_string_append_printf (out, "%" G_GINT32_FORMAT, g_variant_get_handle (value));
      break;
    case G_VARIANT_CLASS_DOUBLE:
      append_double (out, g_variant_get_double (value));
      break;
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      taskerctl_json_append_string (out, g_variant_get_string (value, NULL));
      break;
    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr(GVariant) inner = g_variant_get_variant (value);

        taskerctl_json_append_value (out, inner);
      }
      break;
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr(GVariant) inner = g_variant_get_maybe (value);

        if (inner == NULL)
          g_string_append (out, "null");
        else
          taskerctl_json_append_value (out, inner);
      }
      break;
    case G_VARIANT_CLASS_ARRAY:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE ("a{s*}")))
        {
          gsize n = g_variant_n_children (value);

          /* Children by index, not g_variant_iter_next() with a format
           * string: `list --json` walks 1,000 tasks of 15 keys each. */
          g_string_append_c (out, '{');
          for (gsize i = 0; i < n; i++)
            {
              g_autoptr(GVariant) entry = g_variant_get_child_value (value, i);
              g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
              g_autoptr(GVariant) item = g_variant_get_child_value (entry, 1);

              if (i > 0)
                g_string_append_c (out, ',');
              taskerctl_json_append_string (out, g_variant_get_string (key, NULL));
              g_string_append_c (out, ':');
              taskerctl_json_append_value (out, item);
            }
          g_string_append_c (out, '}');
          break;
        }
      G_GNUC_FALLTHROUGH;
    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
      {
        gsize n = g_variant_n_children (value);

        g_string_append_c (out, '[');
        for (gsize i = 0; i < n; i++)
          {
            g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

            if (i > 0)
              g_string_append_c (out, ',');
            taskerctl_json_append_value (out, child);
          }
        g_string_append_c (out, ']');
      }
      break;
    default:
      g_assert_not_reached ();
    }
}
