/* test-worker-protocol.c — the frames between the manager and its workers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "tasker-error.h"
#include "tasker-worker-protocol-private.h"

#define MAX_FRAME         TASKER_WORKER_PROTOCOL_MAX_FRAME
#define GARBLED           "garbled frame: not a (uuv) variant in normal form"
#define NOT_NORMAL_RESULT "garbled frame: RESULT body is not in normal form"

static gboolean
under_valgrind (void)
{
  return g_getenv ("TASKER_UNDER_VALGRIND") != NULL;
}

/* One message of each type, with values that exercise every field. */
static GVariant *
sample_body (TaskerWorkerMsg type,
             guint64         id)
{
  switch (type)
    {
    case TASKER_WORKER_MSG_HELLO:
      return g_variant_new ("(ui)", TASKER_WORKER_PROTOCOL_VERSION, 4242);
    case TASKER_WORKER_MSG_RUN:
      return g_variant_new ("(tsvt)", id, "libdemo.so:demo_sum",
                            g_variant_new ("(ias)", 7, NULL), G_GUINT64_CONSTANT (0x0001abcd00020003));
    case TASKER_WORKER_MSG_CANCEL:
    case TASKER_WORKER_MSG_STARTED:
      return g_variant_new ("(t)", id);
    case TASKER_WORKER_MSG_PROGRESS:
      return g_variant_new ("(td)", id, 0.25);
    case TASKER_WORKER_MSG_MESSAGE:
      return g_variant_new ("(tms)", id, "Copying “ünïcödé” files");
    case TASKER_WORKER_MSG_EVENT:
      return g_variant_new ("(tsmv)", id, "chunk", g_variant_new_string ("data"));
    case TASKER_WORKER_MSG_LOG:
      return g_variant_new ("(ts)", id, "a line of output");
    case TASKER_WORKER_MSG_RESULT:
      return g_variant_new ("(tv)", id, g_variant_new ("a{sv}", NULL));
    case TASKER_WORKER_MSG_ERROR:
      return g_variant_new ("(tsis)", id, "g-io-error-quark", 24, "Operation was cancelled");
    case TASKER_WORKER_MSG_EXIT:
      return g_variant_new ("()");
    case TASKER_WORKER_N_MSGS:
    default:
      g_assert_not_reached ();
    }
}

static GByteArray *
encode_all_types (guint64 id)
{
  GByteArray *out = g_byte_array_new ();

  for (TaskerWorkerMsg t = TASKER_WORKER_MSG_HELLO; t < TASKER_WORKER_N_MSGS; t++)
    g_assert_true (_tasker_worker_protocol_append (out, t, sample_body (t, id), NULL));

  return out;
}

/* A frame whose payload GLib serialises from a (uuv) of our choosing. */
static void
append_glib_frame (GByteArray *out,
                   guint32     type,
                   guint32     flags,
                   GVariant   *body)
{
  g_autoptr(GVariant) frame = g_variant_ref_sink (g_variant_new ("(uuv)", type, flags, body));
  guint32 len = GUINT32_TO_LE ((guint32) g_variant_get_size (frame));

  g_byte_array_append (out, (const guint8 *) &len, sizeof len);
  g_byte_array_append (out, g_variant_get_data (frame), g_variant_get_size (frame));
}

/* A frame around raw payload bytes. */
static void
append_raw_frame (GByteArray   *out,
                  const guint8 *payload,
                  gsize         size)
{
  guint32 len = GUINT32_TO_LE ((guint32) size);

  g_byte_array_append (out, (const guint8 *) &len, sizeof len);
  g_byte_array_append (out, payload, size);
}

typedef struct
{
  TaskerWorkerMsg type;
  guint32         flags;
  GVariant       *body; /* (owned) */
} Msg;

static void
msg_free (gpointer data)
{
  Msg *msg = data;

  g_variant_unref (msg->body);
  g_free (msg);
}

/* Feeds @data in chunks of @chunk bytes (0: all at once), draining after
 * each; returns the messages and sets @error if the stream went bad. */
static GPtrArray *
decode_all (const guint8 *data,
            gsize         len,
            gsize         chunk,
            GError      **error)
{
  g_autoptr(TaskerWorkerDecoder) dec = _tasker_worker_decoder_new ();
  GPtrArray *msgs = g_ptr_array_new_with_free_func (msg_free);
  gsize      off = 0;

  if (chunk == 0)
    chunk = MAX (len, 1);

  do
    {
      gsize           n = MIN (chunk, len - off);
      TaskerWorkerMsg type;
      GVariant       *body;

      _tasker_worker_decoder_feed (dec, data + off, n);
      off += n;

      while (_tasker_worker_decoder_next (dec, &type, &body, error))
        {
          Msg *msg = g_new0 (Msg, 1);

          g_assert_true (g_variant_is_of_type (body, _tasker_worker_msg_get_body_type (type)));
          msg->type = type;
          msg->flags = _tasker_worker_decoder_get_flags (dec);
          msg->body = body;
          g_ptr_array_add (msgs, msg);
        }

      if (error != NULL && *error != NULL)
        break;
    }
  while (off < len);

  return msgs;
}

/* Decodes one stream that must end in an error, and returns its message. */
static char *
decode_error (const guint8 *data,
              gsize         len)
{
  g_autoptr(GError) error = NULL;

  g_ptr_array_unref (decode_all (data, len, 0, &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED);
  return g_strdup (error->message);
}

static void
assert_frame_error (guint32     type,
                    guint32     flags,
                    GVariant   *body,
                    const char *expected)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autofree char *message = NULL;

  append_glib_frame (bytes, type, flags, body);
  message = decode_error (bytes->data, bytes->len);
  g_assert_cmpstr (message, ==, expected);
}

static void
assert_payload_error (const guint8 *payload,
                      gsize         size,
                      const char   *expected)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autofree char *message = NULL;

  append_raw_frame (bytes, payload, size);
  message = decode_error (bytes->data, bytes->len);
  g_assert_cmpstr (message, ==, expected);
}

static void
assert_all_types (GPtrArray *msgs,
                  guint      first,
                  guint64    id)
{
  g_assert_cmpuint (msgs->len, >=, first + TASKER_WORKER_N_MSGS - 1);

  for (guint i = 0; i < TASKER_WORKER_N_MSGS - 1; i++)
    {
      Msg *msg = g_ptr_array_index (msgs, first + i);
      g_autoptr(GVariant) expected = g_variant_ref_sink (sample_body (i + 1, id));

      g_assert_cmpint (msg->type, ==, i + 1);
      g_assert_true (g_variant_equal (msg->body, expected));
    }
}

static void
test_round_trip (void)
{
  for (TaskerWorkerMsg t = TASKER_WORKER_MSG_HELLO; t < TASKER_WORKER_N_MSGS; t++)
    {
      g_autoptr(GByteArray) ours = g_byte_array_new ();
      g_autoptr(GByteArray) glibs = g_byte_array_new ();
      g_autoptr(GPtrArray) msgs = NULL;
      g_autoptr(GVariant) body = g_variant_ref_sink (sample_body (t, 77));
      g_autoptr(GError) error = NULL;
      Msg *msg;

      g_assert_nonnull (_tasker_worker_msg_get_name (t));
      g_assert_true (_tasker_worker_protocol_append (ours, t, body, &error));
      g_assert_no_error (error);

      /* Byte for byte what GLib makes of the (uuv). */
      append_glib_frame (glibs, t, 0, body);
      g_assert_cmpmem (ours->data, ours->len, glibs->data, glibs->len);

      msgs = decode_all (ours->data, ours->len, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (msgs->len, ==, 1);
      msg = g_ptr_array_index (msgs, 0);
      g_assert_cmpint (msg->type, ==, t);
      g_assert_true (g_variant_equal (msg->body, body));
      g_assert_true (g_variant_is_normal_form (msg->body));
    }
}

/* The builders that make no GVariant write what the generic encoder does. */
static void
test_fast_builders (void)
{
  g_autoptr(GByteArray) fast = g_byte_array_new ();
  g_autoptr(GByteArray) generic = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) msgs = NULL;

  _tasker_worker_protocol_append_id (fast, TASKER_WORKER_MSG_STARTED, 11);
  _tasker_worker_protocol_append_id (fast, TASKER_WORKER_MSG_CANCEL, G_MAXUINT64);
  _tasker_worker_protocol_append_progress (fast, 11, 0.0);
  _tasker_worker_protocol_append_progress (fast, 11, 1.0 / 3.0);
  _tasker_worker_protocol_append_progress (fast, 11, 1.0);

  _tasker_worker_protocol_append (generic, TASKER_WORKER_MSG_STARTED,
                                  g_variant_new ("(t)", (guint64) 11), NULL);
  _tasker_worker_protocol_append (generic, TASKER_WORKER_MSG_CANCEL,
                                  g_variant_new ("(t)", G_MAXUINT64), NULL);
  _tasker_worker_protocol_append (generic, TASKER_WORKER_MSG_PROGRESS,
                                  g_variant_new ("(td)", (guint64) 11, 0.0), NULL);
  _tasker_worker_protocol_append (generic, TASKER_WORKER_MSG_PROGRESS,
                                  g_variant_new ("(td)", (guint64) 11, 1.0 / 3.0), NULL);
  _tasker_worker_protocol_append (generic, TASKER_WORKER_MSG_PROGRESS,
                                  g_variant_new ("(td)", (guint64) 11, 1.0), NULL);

  g_assert_cmpmem (fast->data, fast->len, generic->data, generic->len);
  msgs = decode_all (fast->data, fast->len, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msgs->len, ==, 5);
}

/* RUN and RESULT, written without a GVariant, are byte for byte what the
 * generic encoder makes, whatever the width of the framing offsets (1, 2
 * or 4 bytes) and whatever the arguments' alignment. */
static void
test_run_and_result_builders (void)
{
  const gsize entry_lengths[] = { 3, 7, 8, 9, 200, 250, 300, 65500, 70000 };
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autofree guint8 *junk = g_malloc0 (70000);

  g_ptr_array_add (values, g_variant_ref_sink (g_variant_new ("()")));
  g_ptr_array_add (values, g_variant_ref_sink (g_variant_new ("(s)", "hi")));
  g_ptr_array_add (values, g_variant_ref_sink (g_variant_new ("y", 7)));
  g_ptr_array_add (values, g_variant_ref_sink (g_variant_new ("(ta{sv}d)", (guint64) 5, NULL, 2.5)));
  g_ptr_array_add (values, g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, junk, 70000, 1)));
  g_ptr_array_add (values, g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, junk, 240, 1)));
  /* Not in normal form: both encoders normalise it. */
  g_ptr_array_add (values, g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE ("(yu)"),
                                                                        "\1\1\1\1\0\0\0\0", 8,
                                                                        FALSE, NULL, NULL)));

  for (guint e = 0; e < G_N_ELEMENTS (entry_lengths); e++)
    {
      g_autofree char *entry = g_strnfill (entry_lengths[e], 'm');

      entry[entry_lengths[e] / 2] = ':';
      for (guint v = 0; v < values->len; v++)
        {
          GVariant *value = g_ptr_array_index (values, v);
          g_autoptr(GByteArray) fast = g_byte_array_new ();
          g_autoptr(GByteArray) generic = g_byte_array_new ();
          g_autoptr(GError) error = NULL;
          g_autoptr(GPtrArray) msgs = NULL;

          g_assert_true (_tasker_worker_protocol_append_run (fast, 42, entry, value, G_GUINT64_CONSTANT (0x0102030405060708), &error));
          g_assert_no_error (error);
          g_assert_true (_tasker_worker_protocol_append_result (fast, 42, value, &error));
          g_assert_no_error (error);
          g_assert_true (_tasker_worker_protocol_append (generic, TASKER_WORKER_MSG_RUN,
                                                         g_variant_new ("(tsvt)", (guint64) 42, entry, value,
                                                                        G_GUINT64_CONSTANT (0x0102030405060708)),
                                                         NULL));
          g_assert_true (_tasker_worker_protocol_append (generic, TASKER_WORKER_MSG_RESULT,
                                                         g_variant_new ("(tv)", (guint64) 42, value), NULL));
          g_assert_cmpmem (fast->data, fast->len, generic->data, generic->len);

          msgs = decode_all (fast->data, fast->len, 0, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (msgs->len, ==, 2);
        }
    }
}

/* Too big for a frame: refused with a clear error, the buffer untouched. */
static void
test_run_and_result_too_big (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize big = TASKER_WORKER_PROTOCOL_MAX_FRAME + 1;
  g_autofree guint8 *bytes = g_malloc0 (big);
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes, big, 1));

  g_assert_false (_tasker_worker_protocol_append_run (out, 1, "m:s", value, 0, &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_SERIALIZATION);
  g_assert_true (g_str_has_prefix (error->message, "cannot serialise RUN message: "));
  g_clear_error (&error);
  g_assert_false (_tasker_worker_protocol_append_result (out, 1, value, &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_SERIALIZATION);
  g_assert_cmpuint (out->len, ==, 0);
}

static void
test_hello (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) good = g_variant_ref_sink (sample_body (TASKER_WORKER_MSG_HELLO, 0));
  g_autoptr(GVariant) newer = g_variant_ref_sink (g_variant_new ("(ui)", 2, 10));
  gint32 pid = 0;

  g_assert_true (_tasker_worker_protocol_check_hello (good, &pid, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pid, ==, 4242);

  g_assert_false (_tasker_worker_protocol_check_hello (newer, &pid, &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED);
  g_assert_cmpstr (error->message, ==, "worker speaks protocol version 2; this library speaks version 1");
}

/* Split everywhere: one byte at a time, and in two at every offset. */
static void
test_split (void)
{
  g_autoptr(GByteArray) bytes = encode_all_types (5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) msgs = decode_all (bytes->data, bytes->len, 1, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (msgs->len, ==, TASKER_WORKER_N_MSGS - 1);
  assert_all_types (msgs, 0, 5);

  for (gsize cut = 0; cut <= bytes->len; cut++)
    {
      g_autoptr(TaskerWorkerDecoder) dec = _tasker_worker_decoder_new ();
      TaskerWorkerMsg type;
      GVariant       *body;
      guint           n = 0;

      _tasker_worker_decoder_feed (dec, bytes->data, cut);
      while (_tasker_worker_decoder_next (dec, &type, &body, &error))
        {
          g_variant_unref (body);
          n++;
        }
      g_assert_no_error (error);

      _tasker_worker_decoder_feed (dec, bytes->data + cut, bytes->len - cut);
      while (_tasker_worker_decoder_next (dec, &type, &body, &error))
        {
          g_assert_cmpint (type, ==, n + 1);
          g_variant_unref (body);
          n++;
        }
      g_assert_no_error (error);
      g_assert_cmpuint (n, ==, TASKER_WORKER_N_MSGS - 1);
      g_assert_cmpuint (_tasker_worker_decoder_get_buffered_size (dec), ==, 0);
      g_assert_true (_tasker_worker_decoder_end (dec, &error));
    }
}

static void
test_many_in_one_chunk (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GPtrArray) msgs = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 1; i <= 1000; i++)
    g_assert_true (_tasker_worker_protocol_append (bytes, TASKER_WORKER_MSG_PROGRESS,
                                                   g_variant_new ("(td)", (guint64) i, i / 1000.0),
                                                   NULL));

  msgs = decode_all (bytes->data, bytes->len, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msgs->len, ==, 1000);

  for (guint i = 1; i <= 1000; i++)
    {
      Msg    *msg = g_ptr_array_index (msgs, i - 1);
      guint64 id;
      gdouble fraction;

      g_assert_cmpint (msg->type, ==, TASKER_WORKER_MSG_PROGRESS);
      g_variant_get (msg->body, "(td)", &id, &fraction);
      g_assert_cmpuint (id, ==, i);
      g_assert_cmpfloat (fraction, ==, i / 1000.0);
    }

  /* Mixed chunk sizes that straddle frames. */
  g_clear_pointer (&msgs, g_ptr_array_unref);
  msgs = decode_all (bytes->data, bytes->len, 37, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msgs->len, ==, 1000);
}

static void
test_truncated (void)
{
  g_autoptr(GByteArray) bytes = encode_all_types (9);
  g_autoptr(GError) error = NULL;
  TaskerWorkerMsg type;
  GVariant       *body;

  /* Every prefix needs more and is no error, until the stream ends. */
  for (gsize cut = 1; cut < bytes->len; cut++)
    {
      g_autoptr(TaskerWorkerDecoder) dec = _tasker_worker_decoder_new ();
      gsize frame_start = 0;

      _tasker_worker_decoder_feed (dec, bytes->data, cut);
      while (_tasker_worker_decoder_next (dec, &type, &body, &error))
        g_variant_unref (body);
      g_assert_no_error (error);

      /* Where the frame the cut falls into (or after) starts. */
      for (;;)
        {
          guint32 len;

          memcpy (&len, bytes->data + frame_start, sizeof len);
          if (frame_start + sizeof len + GUINT32_FROM_LE (len) > cut)
            break;
          frame_start += sizeof len + GUINT32_FROM_LE (len);
        }
      g_assert_cmpuint (_tasker_worker_decoder_get_buffered_size (dec), ==, cut - frame_start);

      if (cut == frame_start)
        {
          g_assert_true (_tasker_worker_decoder_end (dec, &error));
          g_assert_no_error (error);
        }
      else
        {
          g_assert_false (_tasker_worker_decoder_end (dec, &error));
          g_assert_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED);
          g_assert_true (g_str_has_prefix (error->message, "truncated frame: stream ended after "));
          g_clear_error (&error);
        }
    }

  {
    g_autoptr(TaskerWorkerDecoder) dec = _tasker_worker_decoder_new ();

    _tasker_worker_decoder_feed (dec, bytes->data, 2);
    g_assert_false (_tasker_worker_decoder_next (dec, &type, &body, &error));
    g_assert_no_error (error);
    g_assert_false (_tasker_worker_decoder_end (dec, &error));
    g_assert_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED);
    g_assert_cmpstr (error->message, ==, "truncated frame: stream ended after 2 bytes of a frame header");
    g_clear_error (&error);
  }

  {
    g_autoptr(TaskerWorkerDecoder) dec = _tasker_worker_decoder_new ();
    guint32 len;

    memcpy (&len, bytes->data, sizeof len);
    _tasker_worker_decoder_feed (dec, bytes->data, 10);
    g_assert_false (_tasker_worker_decoder_next (dec, &type, &body, &error));
    g_assert_no_error (error);
    g_assert_false (_tasker_worker_decoder_end (dec, &error));
    g_assert_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED);
    {
      g_autofree char *expected = g_strdup_printf ("truncated frame: stream ended after 6 of %u bytes",
                                                   GUINT32_FROM_LE (len));
      g_assert_cmpstr (error->message, ==, expected);
    }
  }
}

static void
test_oversized (void)
{
  static const guint32 sizes[] = { MAX_FRAME + 1, 0x7fffffff, 0xffffffff };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(TaskerWorkerDecoder) dec = _tasker_worker_decoder_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *expected = NULL;
      guint32          len = GUINT32_TO_LE (sizes[i]);
      TaskerWorkerMsg  type;
      GVariant        *body;

      /* Rejected on the header alone, before the payload arrives. */
      _tasker_worker_decoder_feed (dec, (const guint8 *) &len, sizeof len);
      g_assert_false (_tasker_worker_decoder_next (dec, &type, &body, &error));
      expected = g_strdup_printf ("frame of %u bytes exceeds the limit of %u bytes", sizes[i], MAX_FRAME);
      g_assert_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED);
      g_assert_cmpstr (error->message, ==, expected);
      g_assert_cmpuint (_tasker_worker_decoder_get_buffered_size (dec), ==, 0);
    }
}

/* The biggest frame passes both ways; one byte more is refused by the
 * encoder without touching its buffer. */
static void
test_limit (void)
{
  gsize              n = MAX_FRAME - 24; /* (uuv) + (tv) + ay around n bytes: n + 24 */
  g_autofree guint8 *blob = g_malloc0 (n + 1);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) msgs = NULL;
  GVariant *ay;

  ay = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, blob, n, 1);
  g_assert_true (_tasker_worker_protocol_append (out, TASKER_WORKER_MSG_RESULT,
                                                 g_variant_new ("(tv)", (guint64) 3, ay), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, ==, 4 + (gsize) MAX_FRAME);

  msgs = decode_all (out->data, out->len, 1 << 20, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msgs->len, ==, 1);

  ay = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, blob, n + 1, 1);
  g_assert_false (_tasker_worker_protocol_append (out, TASKER_WORKER_MSG_RESULT,
                                                  g_variant_new ("(tv)", (guint64) 3, ay), &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_SERIALIZATION);
  g_assert_cmpstr (error->message, ==,
                   "cannot serialise RESULT message: 16777217 bytes exceed "
                   "the frame limit of 16777216 bytes");
  g_assert_cmpuint (out->len, ==, 4 + (gsize) MAX_FRAME);
}

static void
test_garbage (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1234);
  static const guint8 short_payloads[][9] = {
    { 0 },
    { 1, 0, 0, 0, 0, 0, 0, 0, 0 },
  };

  /* Empty and too short to hold a (uuv). */
  assert_payload_error (short_payloads[0], 0, GARBLED);
  assert_payload_error (short_payloads[1], 9, GARBLED);

  for (guint i = 0; i < 200; i++)
    {
      guint8 payload[64];
      gsize  size = g_rand_int_range (rand, 0, sizeof payload);
      g_autoptr(GByteArray) bytes = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) msgs = NULL;

      for (gsize j = 0; j < size; j++)
        payload[j] = g_rand_int_range (rand, 1, 256); /* no NUL: never a variant */
      append_raw_frame (bytes, payload, size);
      msgs = decode_all (bytes->data, bytes->len, 0, &error);
      g_assert_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED);
      g_assert_cmpstr (error->message, ==, GARBLED);
      g_assert_cmpuint (msgs->len, ==, 0);
    }
}

/* Valid GVariants, but not of the (uuv) type. */
static void
test_wrong_outer_type (void)
{
  const char *texts[] = { "(s)", "(tt)", "as", "(uu)" };
  GVariant   *values[] = {
      g_variant_new ("(s)", "hello, world"),
      g_variant_new ("(tt)", (guint64) 5, (guint64) 6),
      g_variant_new_strv ((const char *const[]){ "a", "b", NULL }, -1),
      g_variant_new ("(uu)", 5, 0),
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GVariant) value = g_variant_ref_sink (values[i]);

      g_test_message ("payload of type %s", texts[i]);
      assert_payload_error (g_variant_get_data (value), g_variant_get_size (value),
                            GARBLED);
    }

  /* A (uuv) whose variant holds an indefinite or invalid type. */
  {
    static const guint8 indefinite[] = { 5, 0, 0, 0, 0, 0, 0, 0, 1, 0, '*' };
    static const guint8 invalid[] = { 5, 0, 0, 0, 0, 0, 0, 0, 1, 0, '(', 't' };
    static const guint8 no_type[] = { 5, 0, 0, 0, 0, 0, 0, 0, 1, 0 };

    assert_payload_error (indefinite, sizeof indefinite, GARBLED);
    assert_payload_error (invalid, sizeof invalid, GARBLED);
    assert_payload_error (no_type, sizeof no_type, GARBLED);
  }
}

static void
test_wrong_body_type (void)
{
  g_autofree char *long_type = NULL;
  GString         *s;

  assert_frame_error (TASKER_WORKER_MSG_PROGRESS, 0, g_variant_new ("(s)", "half"),
                      "PROGRESS body has type (s) instead of (td)");
  assert_frame_error (TASKER_WORKER_MSG_RESULT, 0, g_variant_new_uint64 (5),
                      "RESULT body has type t instead of (tv)");
  assert_frame_error (TASKER_WORKER_MSG_EXIT, 0, g_variant_new ("(t)", (guint64) 1),
                      "EXIT body has type (t) instead of ()");

  /* A long type is cut in the message. */
  s = g_string_new ("(");
  for (guint i = 0; i < 100; i++)
    g_string_append_c (s, 'y');
  g_string_append_c (s, ')');
  {
    GVariantBuilder b;

    g_variant_builder_init (&b, G_VARIANT_TYPE (s->str));
    for (guint i = 0; i < 100; i++)
      g_variant_builder_add (&b, "y", (guchar) i);
    long_type = g_strdup_printf ("LOG body has type %.64s… instead of (ts)", s->str);
    assert_frame_error (TASKER_WORKER_MSG_LOG, 0, g_variant_builder_end (&b), long_type);
  }
  g_string_free (s, TRUE);
}

static void
test_unknown_type (void)
{
  assert_frame_error (99, 0, g_variant_new ("(t)", (guint64) 1), "unknown message type 99");
  assert_frame_error (0, 0, g_variant_new ("(t)", (guint64) 1), "unknown message type 0");
  assert_frame_error (TASKER_WORKER_N_MSGS, 0, g_variant_new ("()"), "unknown message type 12");
}

static void
test_flags (void)
{
  assert_frame_error (TASKER_WORKER_MSG_STARTED, 0x10, g_variant_new ("(t)", (guint64) 1),
                      "STARTED has flags 0x10, but none are defined");
  assert_frame_error (TASKER_WORKER_MSG_STARTED, TASKER_WORKER_FLAG_BEFORE_CANCEL,
                      g_variant_new ("(t)", (guint64) 1),
                      "STARTED has flags 0x1, but none are defined");
  assert_frame_error (TASKER_WORKER_MSG_RESULT, 0x2,
                      g_variant_new ("(tv)", (guint64) 1, g_variant_new ("()")),
                      "RESULT has flags 0x2, but only 0x1 is defined");
  assert_frame_error (TASKER_WORKER_MSG_ERROR, 0x3,
                      g_variant_new ("(tsis)", (guint64) 1, "d", 1, "m"),
                      "ERROR has flags 0x3, but only 0x1 is defined");
}

/* RESULT and ERROR may say that their task returned before any cancel
 * reached it: byte for byte GLib's (uuv) with flags 1, and decoded with
 * those flags (docs/worker-protocol.md). */
static void
test_flag_before_cancel (void)
{
  const TaskerWorkerMsg types[] = { TASKER_WORKER_MSG_RESULT, TASKER_WORKER_MSG_ERROR };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GByteArray) ours = g_byte_array_new ();
      g_autoptr(GByteArray) glibs = g_byte_array_new ();
      g_autoptr(GPtrArray) msgs = NULL;
      g_autoptr(GError) error = NULL;
      GVariant *body = types[i] == TASKER_WORKER_MSG_RESULT
                       ? g_variant_new ("(tv)", (guint64) 7, g_variant_new ("(i)", 3))
                       : g_variant_new ("(tsis)", (guint64) 7, "g-io-error-quark", 19, "no");
      gsize offset;
      Msg *msg;

      g_variant_ref_sink (body);

      /* The frame before it keeps its flags: only the one at the offset
       * changes. */
      _tasker_worker_protocol_append_id (ours, TASKER_WORKER_MSG_STARTED, 7);
      offset = ours->len;
      g_assert_true (_tasker_worker_protocol_append (ours, types[i], body, NULL));
      _tasker_worker_protocol_set_flags (ours, offset, TASKER_WORKER_FLAG_BEFORE_CANCEL);
      append_glib_frame (glibs, TASKER_WORKER_MSG_STARTED, 0, g_variant_new ("(t)", (guint64) 7));
      append_glib_frame (glibs, types[i], TASKER_WORKER_FLAG_BEFORE_CANCEL, body);
      g_assert_cmpmem (ours->data, ours->len, glibs->data, glibs->len);

      msgs = decode_all (ours->data, ours->len, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (msgs->len, ==, 2);
      msg = g_ptr_array_index (msgs, 0);
      g_assert_cmpuint (msg->flags, ==, 0);
      msg = g_ptr_array_index (msgs, 1);
      g_assert_cmpint (msg->type, ==, types[i]);
      g_assert_cmpuint (msg->flags, ==, TASKER_WORKER_FLAG_BEFORE_CANCEL);
      g_assert_true (g_variant_equal (msg->body, body));

      g_variant_unref (body);
    }
}

static void
test_zero_task_id (void)
{
  for (TaskerWorkerMsg t = TASKER_WORKER_MSG_RUN; t <= TASKER_WORKER_MSG_ERROR; t++)
    {
      g_autofree char *expected = g_strdup_printf ("%s has task id 0", _tasker_worker_msg_get_name (t));

      assert_frame_error (t, 0, sample_body (t, 0), expected);
    }
}

static void
test_bad_fields (void)
{
  assert_frame_error (TASKER_WORKER_MSG_PROGRESS, 0, g_variant_new ("(td)", (guint64) 1, 1.5),
                      "PROGRESS fraction 1.5 is outside [0, 1]");
  assert_frame_error (TASKER_WORKER_MSG_PROGRESS, 0, g_variant_new ("(td)", (guint64) 1, -0.25),
                      "PROGRESS fraction -0.25 is outside [0, 1]");
  assert_frame_error (TASKER_WORKER_MSG_PROGRESS, 0, g_variant_new ("(td)", (guint64) 1, NAN),
                      "PROGRESS fraction nan is outside [0, 1]");
  assert_frame_error (TASKER_WORKER_MSG_EVENT, 0, g_variant_new ("(tsmv)", (guint64) 1, "", NULL),
                      "EVENT has an empty name");
  assert_frame_error (TASKER_WORKER_MSG_ERROR, 0, g_variant_new ("(tsis)", (guint64) 1, "", 1, "x"),
                      "ERROR has an empty domain");
  assert_frame_error (TASKER_WORKER_MSG_RUN, 0,
                      g_variant_new ("(tsvt)", (guint64) 1, "nocolon", g_variant_new ("()"), (guint64) 0),
                      "RUN entry point “nocolon” is not of the form module:symbol");
  assert_frame_error (TASKER_WORKER_MSG_RUN, 0,
                      g_variant_new ("(tsvt)", (guint64) 1, ":sym", g_variant_new ("()"), (guint64) 0),
                      "RUN entry point “:sym” is not of the form module:symbol");
  assert_frame_error (TASKER_WORKER_MSG_RUN, 0,
                      g_variant_new ("(tsvt)", (guint64) 1,
                                     "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé:",
                                     g_variant_new ("()"), (guint64) 0),
                      "RUN entry point “éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé…” "
                      "is not of the form module:symbol");
  assert_frame_error (TASKER_WORKER_MSG_HELLO, 0, g_variant_new ("(ui)", 1, 0),
                      "HELLO has protocol version 1 and pid 0");
  assert_frame_error (TASKER_WORKER_MSG_HELLO, 0, g_variant_new ("(ui)", 0, 12),
                      "HELLO has protocol version 0 and pid 12");
}

/* The payload of a (uuv) around a body given as raw bytes and its type. */
static void
assert_body_bytes_error (guint32       type,
                         const guint8 *body,
                         gsize         body_size,
                         const char   *body_type,
                         const char   *expected)
{
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  guint32 header[2] = { type, 0 };

  g_byte_array_append (payload, (const guint8 *) header, sizeof header);
  g_byte_array_append (payload, body, body_size);
  g_byte_array_append (payload, (const guint8 *) "", 1);
  g_byte_array_append (payload, (const guint8 *) body_type, strlen (body_type));
  assert_payload_error (payload->data, payload->len, expected);
}

static void
test_not_normal (void)
{
  /* (td) of the wrong size. */
  {
    guint8 body[17] = { 1 };

    assert_body_bytes_error (TASKER_WORKER_MSG_PROGRESS, body, sizeof body, "(td)",
                             "garbled frame: PROGRESS body is not in normal form");
    assert_body_bytes_error (TASKER_WORKER_MSG_PROGRESS, body, 15, "(td)",
                             "garbled frame: PROGRESS body is not in normal form");
  }

  /* A boolean that is 2. */
  {
    guint8 body[] = { 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 'b' };

    assert_body_bytes_error (TASKER_WORKER_MSG_RESULT, body, sizeof body, "(tv)",
                             NOT_NORMAL_RESULT);
  }

  /* Invalid UTF-8, and a string without its NUL. */
  {
    guint8 bad_utf8[] = { 1, 0, 0, 0, 0, 0, 0, 0, 'a', 0xff, 'b', 0 };
    guint8 no_nul[] = { 1, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c' };

    assert_body_bytes_error (TASKER_WORKER_MSG_LOG, bad_utf8, sizeof bad_utf8, "(ts)",
                             "garbled frame: LOG body is not in normal form");
    assert_body_bytes_error (TASKER_WORKER_MSG_LOG, no_nul, sizeof no_nul, "(ts)",
                             "garbled frame: LOG body is not in normal form");
  }

  /* Non-zero padding: in a (tsvt) of "m:s" and a byte, the s ends at 12
   * and the v starts at 16. */
  {
    g_autoptr(GVariant) run = g_variant_ref_sink (g_variant_new ("(tsvt)", (guint64) 1, "m:s",
                                                                  g_variant_new_byte (9), (guint64) 2));
    g_autofree guint8 *body = g_memdup2 (g_variant_get_data (run), g_variant_get_size (run));

    g_assert_cmpuint (body[13], ==, 0);
    body[13] = 7;
    assert_body_bytes_error (TASKER_WORKER_MSG_RUN, body, g_variant_get_size (run), "(tsvt)",
                             "garbled frame: RUN body is not in normal form");
  }

  /* An EXIT body that is empty instead of one zero byte. */
  assert_body_bytes_error (TASKER_WORKER_MSG_EXIT, NULL, 0, "()",
                           "garbled frame: EXIT body is not in normal form");
}

/* The raw-body helper makes frames the decoder accepts when the body is
 * right, so the cases above fail for the reason they claim. */
static void
test_raw_body_ok (void)
{
  g_autoptr(GVariant) run = g_variant_ref_sink (g_variant_new ("(tsvt)", (guint64) 1, "m:s",
                                                                g_variant_new_byte (9), (guint64) 2));
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) msgs = NULL;
  guint32 header[2] = { TASKER_WORKER_MSG_RUN, 0 };

  g_byte_array_append (payload, (const guint8 *) header, sizeof header);
  g_byte_array_append (payload, g_variant_get_data (run), g_variant_get_size (run));
  g_byte_array_append (payload, (const guint8 *) "\0(tsvt)", 7);
  append_raw_frame (bytes, payload->data, payload->len);
  msgs = decode_all (bytes->data, bytes->len, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msgs->len, ==, 1);
}

/* A result that is an array of numbers is checked by its size alone (GLib
 * takes ~30 ns a byte); anything else still gets GLib's check. */
static void
test_number_arrays (void)
{
  gsize              n = under_valgrind () ? 1 << 16 : 1 << 22;
  g_autofree guint8 *blob = g_malloc (n);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GPtrArray) msgs = NULL;
  g_autoptr(GError) error = NULL;
  gint64 t0;

  for (gsize i = 0; i < n; i++)
    blob[i] = i * 7;
  g_assert_true (_tasker_worker_protocol_append (
      out, TASKER_WORKER_MSG_RESULT,
      g_variant_new ("(tv)", (guint64) 1, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, blob, n, 1)),
      NULL));
  t0 = g_get_monotonic_time ();
  msgs = decode_all (out->data, out->len, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msgs->len, ==, 1);
  g_test_message ("RESULT of %" G_GSIZE_FORMAT " bytes (ay): decoded in %.2f ms",
                  n, (g_get_monotonic_time () - t0) / 1000.0);

  /* Sizes that are not a whole number of elements, and a boolean array. */
  {
    guint8 odd_at[8 + 12] = { 1 };
    guint8 odd_an[8 + 3] = { 1 };
    guint8 bad_ab[8 + 2] = { 1, 0, 0, 0, 0, 0, 0, 0, 1, 2 };
    guint8 good_ab[8 + 2] = { 1, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    g_autoptr(GByteArray) payload = g_byte_array_new ();
    g_autoptr(GByteArray) bytes = g_byte_array_new ();
    guint32 header[2] = { TASKER_WORKER_MSG_RESULT, 0 };

    g_byte_array_append (payload, (const guint8 *) header, sizeof header);
    g_byte_array_append (payload, odd_at, sizeof odd_at);
    g_byte_array_append (payload, (const guint8 *) "\0at\0(tv)", 8);
    assert_payload_error (payload->data, payload->len, NOT_NORMAL_RESULT);

    g_byte_array_set_size (payload, 0);
    g_byte_array_append (payload, (const guint8 *) header, sizeof header);
    g_byte_array_append (payload, odd_an, sizeof odd_an);
    g_byte_array_append (payload, (const guint8 *) "\0an\0(tv)", 8);
    assert_payload_error (payload->data, payload->len, NOT_NORMAL_RESULT);

    g_byte_array_set_size (payload, 0);
    g_byte_array_append (payload, (const guint8 *) header, sizeof header);
    g_byte_array_append (payload, bad_ab, sizeof bad_ab);
    g_byte_array_append (payload, (const guint8 *) "\0ab\0(tv)", 8);
    assert_payload_error (payload->data, payload->len, NOT_NORMAL_RESULT);

    g_byte_array_set_size (payload, 0);
    g_byte_array_append (payload, (const guint8 *) header, sizeof header);
    g_byte_array_append (payload, good_ab, sizeof good_ab);
    g_byte_array_append (payload, (const guint8 *) "\0ab\0(tv)", 8);
    append_raw_frame (bytes, payload->data, payload->len);
    g_clear_pointer (&msgs, g_ptr_array_unref);
    msgs = decode_all (bytes->data, bytes->len, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (msgs->len, ==, 1);
  }
}

/* The result a decoded RESULT carries is the one sent, whether it is read
 * from the body's own bytes (an array of numbers: the "ay" of a pickle) or
 * taken apart through GLib (anything else). */
static void
test_result_of_decoded_body (void)
{
  static const guint8 blob[] = { 0x80, 5, 'N', '.' };
  static const gdouble doubles[] = { 0.5, -2.25 };
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GPtrArray) msgs = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (results, g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, blob, sizeof blob, 1)));
  g_ptr_array_add (results, g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1)));
  g_ptr_array_add (results, g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_DOUBLE, doubles,
                                                                           G_N_ELEMENTS (doubles), sizeof (gdouble))));
  g_ptr_array_add (results, g_variant_ref_sink (g_variant_new ("(sa{sv})", "nested", NULL)));
  g_ptr_array_add (results, g_variant_ref_sink (g_variant_new ("ab", NULL)));

  for (guint i = 0; i < results->len; i++)
    g_assert_true (_tasker_worker_protocol_append (out, TASKER_WORKER_MSG_RESULT,
                                                   g_variant_new ("(tv)", (guint64) i + 1, g_ptr_array_index (results, i)),
                                                   NULL));

  msgs = decode_all (out->data, out->len, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msgs->len, ==, results->len);
  for (guint i = 0; i < msgs->len; i++)
    {
      Msg *msg = g_ptr_array_index (msgs, i);
      g_autoptr(GVariant) result = _tasker_worker_protocol_get_result (msg->body);
      GVariant *sent = g_ptr_array_index (results, i);
      guint64 id;

      g_assert_cmpint (msg->type, ==, TASKER_WORKER_MSG_RESULT);
      g_variant_get_child (msg->body, 0, "t", &id);
      g_assert_cmpuint (id, ==, i + 1);
      g_assert_cmpstr (g_variant_get_type_string (result), ==, g_variant_get_type_string (sent));
      g_assert_true (g_variant_equal (result, sent));
      g_assert_false (g_variant_is_floating (result));
    }
}

/* The encoder normalises a body made from untrusted data. */
static void
test_encoder_normalises (void)
{
  static const guint8 data[] = { 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 'b' }; /* (tv) with a boolean 2 */
  g_autoptr(GVariant) body = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) msgs = NULL;

  body = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE ("(tv)"), data, sizeof data,
                                                      FALSE, NULL, NULL));
  g_assert_false (g_variant_is_normal_form (body));
  g_assert_true (_tasker_worker_protocol_append (out, TASKER_WORKER_MSG_RESULT, body, &error));
  g_assert_no_error (error);
  msgs = decode_all (out->data, out->len, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msgs->len, ==, 1);
}

/* After an error, everything fails the same way, whatever is fed. */
static void
test_stays_failed (void)
{
  g_autoptr(TaskerWorkerDecoder) dec = _tasker_worker_decoder_new ();
  g_autoptr(GByteArray) good = encode_all_types (3);
  g_autoptr(GByteArray) bad = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  TaskerWorkerMsg type;
  GVariant       *body;
  guint           n = 0;

  append_glib_frame (bad, 99, 0, g_variant_new ("()"));

  /* Good frames, a bad one, then good ones in the same chunk. */
  _tasker_worker_decoder_feed (dec, good->data, good->len);
  _tasker_worker_decoder_feed (dec, bad->data, bad->len);
  _tasker_worker_decoder_feed (dec, good->data, good->len);

  while (_tasker_worker_decoder_next (dec, &type, &body, &error))
    {
      g_variant_unref (body);
      n++;
    }
  g_assert_cmpuint (n, ==, TASKER_WORKER_N_MSGS - 1);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED);
  g_assert_cmpstr (error->message, ==, "unknown message type 99");
  g_clear_error (&error);

  for (guint i = 0; i < 3; i++)
    {
      _tasker_worker_decoder_feed (dec, good->data, good->len);
      g_assert_cmpuint (_tasker_worker_decoder_get_buffered_size (dec), ==, 0);
      g_assert_false (_tasker_worker_decoder_next (dec, &type, &body, &error));
      g_assert_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED);
      g_assert_cmpstr (error->message, ==, "unknown message type 99");
      g_clear_error (&error);
    }

  g_assert_false (_tasker_worker_decoder_end (dec, &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED);
  g_assert_cmpstr (error->message, ==, "unknown message type 99");
}

static gboolean
glib_says_normal (const guint8 *payload,
                  gsize         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (payload, size);
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE ("(uuv)"),
                                                                             bytes, FALSE));

  return g_variant_is_normal_form (value);
}

/* Random damage to valid frames: whatever the decoder accepts, GLib calls a
 * normal-form (uuv) and our encoder writes back byte for byte; whatever it
 * calls garbled, GLib does not call normal. */
static void
test_differential (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GByteArray) all = encode_all_types (0x0102030405060708);
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  guint      rounds = under_valgrind () ? 2000 : 40000;
  guint      accepted = 0, garbled = 0;

  /* Results of number arrays, which the decoder checks by their size. */
  {
    static const guint8   three[] = { 1, 2, 3 };
    static const guint64  two[] = { 5, 0x8000000000000000 };
    static const gboolean bools[] = { TRUE, FALSE };

    _tasker_worker_protocol_append (all, TASKER_WORKER_MSG_RESULT,
                                    g_variant_new ("(tv)", (guint64) 3,
                                                   g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, three, 3, 1)),
                                    NULL);
    _tasker_worker_protocol_append (all, TASKER_WORKER_MSG_RESULT,
                                    g_variant_new ("(tv)", (guint64) 3,
                                                   g_variant_new_fixed_array (G_VARIANT_TYPE_UINT64, two, 2, 8)),
                                    NULL);
    _tasker_worker_protocol_append (all, TASKER_WORKER_MSG_RESULT,
                                    g_variant_new ("(tv)", (guint64) 3,
                                                   g_variant_new ("ab", NULL)),
                                    NULL);
    for (guint i = 0; i < G_N_ELEMENTS (bools); i++)
      _tasker_worker_protocol_append (all, TASKER_WORKER_MSG_RESULT,
                                      g_variant_new ("(tv)", (guint64) 3, g_variant_new ("(b)", bools[i])),
                                      NULL);
  }

  for (gsize off = 0; off < all->len;)
    {
      guint32     len;
      GByteArray *payload = g_byte_array_new ();

      memcpy (&len, all->data + off, sizeof len);
      len = GUINT32_FROM_LE (len);
      g_byte_array_append (payload, all->data + off + 4, len);
      g_ptr_array_add (frames, payload);
      off += 4 + len;
    }

  for (guint r = 0; r < rounds; r++)
    {
      GByteArray *orig = g_ptr_array_index (frames, g_rand_int_range (rand, 0, frames->len));
      g_autoptr(GByteArray) payload = g_byte_array_new ();
      g_autoptr(GByteArray) bytes = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) msgs = NULL;
      guint n_flips = g_rand_int_range (rand, 1, 4);

      g_byte_array_append (payload, orig->data, orig->len);
      for (guint i = 0; i < n_flips; i++)
        {
          guint pos = g_rand_int_range (rand, 0, payload->len);

          switch (g_rand_int_range (rand, 0, 4))
            {
            case 0:
              payload->data[pos] ^= 1 << g_rand_int_range (rand, 0, 8);
              break;
            case 1:
              payload->data[pos] = g_rand_int_range (rand, 0, 256);
              break;
            case 2:
              g_byte_array_remove_index (payload, pos);
              break;
            default:
              g_byte_array_set_size (payload, pos);
              break;
            }
          if (payload->len == 0)
            break;
        }

      append_raw_frame (bytes, payload->data, payload->len);
      msgs = decode_all (bytes->data, bytes->len, 0, &error);

      if (error == NULL)
        {
          g_autoptr(GByteArray) again = g_byte_array_new ();
          Msg *msg;

          g_assert_cmpuint (msgs->len, ==, 1);
          msg = g_ptr_array_index (msgs, 0);
          g_assert_true (glib_says_normal (payload->data, payload->len));
          g_assert_true (_tasker_worker_protocol_append (again, msg->type, msg->body, NULL));
          _tasker_worker_protocol_set_flags (again, 0, msg->flags);
          g_assert_cmpmem (again->data, again->len, bytes->data, bytes->len);
          accepted++;
        }
      else if (g_str_has_prefix (error->message, "garbled frame"))
        {
          g_assert_false (glib_says_normal (payload->data, payload->len));
          garbled++;
        }
    }

  g_test_message ("%u damaged frames: %u accepted, %u garbled", rounds, accepted, garbled);
  g_assert_cmpuint (accepted, >, 0);
  g_assert_cmpuint (garbled, >, 0);
  g_ptr_array_unref (frames);
}

/* GLib limits GVariant nesting counting from the outermost value; the
 * decoder agrees with its verdict on the whole (uuv) at every depth. */
static void
test_nesting_limit (void)
{
  guint n_accepted = 0;

  for (guint depth = 100; depth <= 140; depth++)
    {
      g_autoptr(GByteArray) payload = g_byte_array_new ();
      g_autoptr(GByteArray) bytes = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) msgs = NULL;
      guint32 header[2] = { TASKER_WORKER_MSG_RESULT, 0 };
      guint64 id = 1;
      gboolean normal;

      /* (tv) whose value is a byte in @depth variants. */
      g_byte_array_append (payload, (const guint8 *) header, sizeof header);
      g_byte_array_append (payload, (const guint8 *) &id, sizeof id);
      g_byte_array_append (payload, (const guint8 *) "\x09\0y", 3);
      for (guint i = 0; i < depth; i++)
        g_byte_array_append (payload, (const guint8 *) "\0v", 2);
      g_byte_array_append (payload, (const guint8 *) "\0(tv)", 5);

      normal = glib_says_normal (payload->data, payload->len);
      append_raw_frame (bytes, payload->data, payload->len);
      msgs = decode_all (bytes->data, bytes->len, 0, &error);
      if (normal)
        {
          g_assert_no_error (error);
          n_accepted++;
        }
      else
        {
          g_assert_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED);
          g_assert_cmpstr (error->message, ==, NOT_NORMAL_RESULT);
        }
    }

  g_assert_cmpuint (n_accepted, >, 0);
  g_assert_cmpuint (n_accepted, <, 41);
}

/* What decoding one corpus file gives, as corpus-outcomes.txt records it
 * for this decoder and the Python worker's (tests/python,
 * test_decoder_over_the_fuzz_corpus): its name, then one line per message
 * (type and body as g_variant_print() shows it), then the error if any. */
static void
append_outcome (GString    *out,
                const char *name,
                GPtrArray  *msgs,
                GError     *error)
{
  g_string_append_printf (out, "%s\n", name);
  for (guint i = 0; i < msgs->len; i++)
    {
      Msg *msg = g_ptr_array_index (msgs, i);
      g_autofree char *body = g_variant_print (msg->body, TRUE);

      g_string_append_printf (out, "  %s %s\n", _tasker_worker_msg_get_name (msg->type), body);
    }
  if (error != NULL)
    g_string_append_printf (out, "  error: %s\n", error->message);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The fuzzer's seed corpus decodes the same whole and in pieces, and as
 * corpus-outcomes.txt says (set TASKER_UPDATE_CORPUS_OUTCOMES to rewrite it
 * after adding a seed). */
static void
test_corpus (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "corpus", NULL);
  g_autofree char *outcomes_path = g_test_build_filename (G_TEST_DIST, "corpus-outcomes.txt", NULL);
  g_autofree char *expected = NULL;
  g_auto(GStrv) got = NULL;
  g_auto(GStrv) want = NULL;
  g_autoptr(GString) outcomes = g_string_new (NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;

  dir = g_dir_open (path, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *file = g_build_filename (path, names->pdata[i], NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GError) whole_error = NULL;
      g_autoptr(GError) split_error = NULL;
      g_autoptr(GPtrArray) whole = NULL;
      g_autoptr(GPtrArray) split = NULL;
      gsize len;

      name = names->pdata[i];
      g_file_get_contents (file, &contents, &len, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (len, <, 4096);

      whole = decode_all ((const guint8 *) contents, len, 0, &whole_error);
      split = decode_all ((const guint8 *) contents, len, 3, &split_error);
      g_assert_cmpuint (whole->len, ==, split->len);
      g_assert_cmpstr (whole_error ? whole_error->message : NULL, ==,
                       split_error ? split_error->message : NULL);
      g_test_message ("%s: %u messages, %s", name, whole->len,
                      whole_error ? whole_error->message : "no error");
      append_outcome (outcomes, name, whole, whole_error);
    }

  g_assert_cmpuint (names->len, >, 0);

  if (g_getenv ("TASKER_UPDATE_CORPUS_OUTCOMES") != NULL)
    {
      g_file_set_contents (outcomes_path, outcomes->str, outcomes->len, &error);
      g_assert_no_error (error);
    }
  g_file_get_contents (outcomes_path, &expected, NULL, &error);
  g_assert_no_error (error);

  /* Line by line, so a failure shows the line that differs. */
  got = g_strsplit (outcomes->str, "\n", -1);
  want = g_strsplit (expected, "\n", -1);
  for (guint i = 0; got[i] != NULL && want[i] != NULL; i++)
    {
      if (g_strcmp0 (got[i], want[i]) != 0)
        g_test_message ("corpus-outcomes.txt, line %u", i + 1);
      g_assert_cmpstr (got[i], ==, want[i]);
    }
  g_assert_cmpuint (g_strv_length (got), ==, g_strv_length (want));
}

/* Not an assertion: the figures go to the TAP log. Batches of 100 frames
 * through one reused buffer, as a writer and a reader would. */
static void
test_speed (void)
{
  guint n_batches = under_valgrind () ? 10 : 2000;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GByteArray) fast = g_byte_array_new ();
  g_autoptr(TaskerWorkerDecoder) dec = _tasker_worker_decoder_new ();
  g_autoptr(GError) error = NULL;
  gint64  generic_us = 0, fast_us = 0, decode_us = 0;
  guint64 id = 1;
  guint   decoded = 0;

  for (guint b = 0; b < n_batches; b++)
    {
      TaskerWorkerMsg type;
      GVariant       *body;
      gint64          t0, t1, t2, t3;

      g_byte_array_set_size (bytes, 0);
      g_byte_array_set_size (fast, 0);

      t0 = g_get_monotonic_time ();
      for (guint i = 0; i < 100; i++)
        _tasker_worker_protocol_append (bytes, TASKER_WORKER_MSG_PROGRESS,
                                        g_variant_new ("(td)", id + i, 0.5), NULL);
      t1 = g_get_monotonic_time ();
      for (guint i = 0; i < 100; i++)
        _tasker_worker_protocol_append_progress (fast, id + i, 0.5);
      t2 = g_get_monotonic_time ();
      _tasker_worker_decoder_feed (dec, bytes->data, bytes->len);
      while (_tasker_worker_decoder_next (dec, &type, &body, &error))
        {
          g_variant_unref (body);
          decoded++;
        }
      t3 = g_get_monotonic_time ();

      g_assert_no_error (error);
      g_assert_cmpmem (bytes->data, bytes->len, fast->data, fast->len);
      generic_us += t1 - t0;
      fast_us += t2 - t1;
      decode_us += t3 - t2;
      id += 100;
    }

  g_assert_cmpuint (decoded, ==, n_batches * 100);
  g_test_message ("PROGRESS frame of %u bytes: encode %.0f ns (g_variant_new + append), "
                  "%.0f ns (append_progress); decode %.0f ns (next + g_variant_unref)",
                  bytes->len / 100, generic_us * 1000.0 / decoded, fast_us * 1000.0 / decoded,
                  decode_us * 1000.0 / decoded);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tasker/WorkerProtocol/round-trip", test_round_trip);
  g_test_add_func ("/Tasker/WorkerProtocol/fast-builders", test_fast_builders);
  g_test_add_func ("/Tasker/WorkerProtocol/run-and-result-builders", test_run_and_result_builders);
  g_test_add_func ("/Tasker/WorkerProtocol/result-of-decoded-body", test_result_of_decoded_body);
  g_test_add_func ("/Tasker/WorkerProtocol/run-and-result-too-big", test_run_and_result_too_big);
  g_test_add_func ("/Tasker/WorkerProtocol/hello", test_hello);
  g_test_add_func ("/Tasker/WorkerProtocol/split", test_split);
  g_test_add_func ("/Tasker/WorkerProtocol/many-in-one-chunk", test_many_in_one_chunk);
  g_test_add_func ("/Tasker/WorkerProtocol/truncated", test_truncated);
  g_test_add_func ("/Tasker/WorkerProtocol/oversized", test_oversized);
  g_test_add_func ("/Tasker/WorkerProtocol/limit", test_limit);
  g_test_add_func ("/Tasker/WorkerProtocol/garbage", test_garbage);
  g_test_add_func ("/Tasker/WorkerProtocol/wrong-outer-type", test_wrong_outer_type);
  g_test_add_func ("/Tasker/WorkerProtocol/wrong-body-type", test_wrong_body_type);
  g_test_add_func ("/Tasker/WorkerProtocol/unknown-type", test_unknown_type);
  g_test_add_func ("/Tasker/WorkerProtocol/flags", test_flags);
  g_test_add_func ("/Tasker/WorkerProtocol/flag-before-cancel", test_flag_before_cancel);
  g_test_add_func ("/Tasker/WorkerProtocol/zero-task-id", test_zero_task_id);
  g_test_add_func ("/Tasker/WorkerProtocol/bad-fields", test_bad_fields);
  g_test_add_func ("/Tasker/WorkerProtocol/not-normal", test_not_normal);
  g_test_add_func ("/Tasker/WorkerProtocol/raw-body", test_raw_body_ok);
  g_test_add_func ("/Tasker/WorkerProtocol/number-arrays", test_number_arrays);
  g_test_add_func ("/Tasker/WorkerProtocol/encoder-normalises", test_encoder_normalises);
  g_test_add_func ("/Tasker/WorkerProtocol/stays-failed", test_stays_failed);
  g_test_add_func ("/Tasker/WorkerProtocol/differential", test_differential);
  g_test_add_func ("/Tasker/WorkerProtocol/nesting-limit", test_nesting_limit);
  g_test_add_func ("/Tasker/WorkerProtocol/corpus", test_corpus);
  g_test_add_func ("/Tasker/WorkerProtocol/speed", test_speed);

  return g_test_run ();
}
