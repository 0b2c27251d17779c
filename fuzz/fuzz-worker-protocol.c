/* fuzz-worker-protocol.c — libFuzzer target for the worker protocol decoder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is a stream of bytes as a worker could write it. Beyond "no
 * crash, no leak, no undefined behaviour" (ASan/UBSan) it checks that:
 *  - decoding is the same whether the input comes in one piece or in chunks
 *    of any size (messages, and the error if any);
 *  - every accepted frame is canonical: encoding the decoded message again
 *    gives back the input's bytes exactly;
 *  - every accepted payload is, for GLib too, a (uuv) in normal form.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tasker-error.h"
#include "tasker-worker-protocol-private.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef struct
{
  GPtrArray *types;  /* (element-type guint) */
  GPtrArray *bodies; /* (element-type GVariant) (owned) */
  char      *error;  /* (owned) (nullable) */
  gboolean   ended;  /* whether the stream ended between frames */
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_ptr_array_unref (o->types);
  g_ptr_array_unref (o->bodies);
  g_free (o->error);
}

/* A small deterministic generator for chunk sizes, seeded by the input. */
static guint32
next_rand (guint32 *state)
{
  *state ^= *state << 13;
  *state ^= *state >> 17;
  *state ^= *state << 5;
  return *state;
}

static void
decode (const guint8 *data,
        gsize         size,
        gboolean      chunked,
        Outcome      *o)
{
  g_autoptr(TaskerWorkerDecoder) dec = _tasker_worker_decoder_new ();
  g_autoptr(GError) error = NULL;
  guint32 state = 0x9e3779b9u ^ (guint32) size;
  gsize   off = 0;

  o->types = g_ptr_array_new ();
  o->bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  o->error = NULL;

  for (gsize i = 0; i < MIN (size, 16); i++)
    state = state * 31 + data[i] + 1;

  while (error == NULL)
    {
      gsize           n = size - off;
      TaskerWorkerMsg type;
      GVariant       *body;

      if (chunked && n > 0)
        {
          guint32 r = next_rand (&state);

          n = MIN (n, (r & 3) == 0 ? 1 + (r >> 8) % 4096 : 1 + (r >> 8) % 24);
        }

      _tasker_worker_decoder_feed (dec, data + off, n);
      off += n;

      while (_tasker_worker_decoder_next (dec, &type, &body, &error))
        {
          g_assert (type > 0 && type < TASKER_WORKER_N_MSGS);
          g_assert (g_variant_is_of_type (body, _tasker_worker_msg_get_body_type (type)));
          g_assert (g_variant_is_normal_form (body));
          /* The type, and its flags above it. */
          g_ptr_array_add (o->types, GUINT_TO_POINTER (type | (_tasker_worker_decoder_get_flags (dec) << 8)));
          g_ptr_array_add (o->bodies, body);
        }

      if (off == size)
        break;
    }

  if (error == NULL)
    o->ended = _tasker_worker_decoder_end (dec, &error);
  else
    o->ended = FALSE;

  if (error != NULL)
    {
      g_assert (g_error_matches (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED));
      o->error = g_strdup (error->message);
    }
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
  g_autoptr(GByteArray) again = g_byte_array_new ();
  Outcome whole, chunked;
  gsize   off = 0;

  decode (data, size, FALSE, &whole);
  decode (data, size, TRUE, &chunked);

  /* The same, however the input was cut. */
  g_assert (whole.types->len == chunked.types->len);
  for (guint i = 0; i < whole.types->len; i++)
    {
      g_assert (whole.types->pdata[i] == chunked.types->pdata[i]);
      g_assert (g_variant_equal (whole.bodies->pdata[i], chunked.bodies->pdata[i]));
    }
  g_assert (g_strcmp0 (whole.error, chunked.error) == 0);
  g_assert (whole.ended == chunked.ended);

  /* Accepted frames are canonical, and GLib agrees they are (uuv)s in
   * normal form. */
  for (guint i = 0; i < whole.types->len; i++)
    {
      GVariant *body = whole.bodies->pdata[i];
      guint     type_flags = GPOINTER_TO_UINT (whole.types->pdata[i]);
      guint32   len;
      g_autoptr(GBytes) payload = NULL;
      g_autoptr(GVariant) frame = NULL;

      g_byte_array_set_size (again, 0);
      g_assert (_tasker_worker_protocol_append (again, type_flags & 0xff, body, NULL));
      _tasker_worker_protocol_set_flags (again, 0, type_flags >> 8);
      g_assert (off + again->len <= size);
      g_assert (memcmp (data + off, again->data, again->len) == 0);

      memcpy (&len, data + off, sizeof len);
      payload = g_bytes_new (data + off + sizeof len, GUINT32_FROM_LE (len));
      frame = g_variant_new_from_bytes (G_VARIANT_TYPE ("(uuv)"), payload, FALSE);
      g_variant_ref_sink (frame);
      g_assert (g_variant_is_normal_form (frame));
      off += again->len;
    }

  /* Without an error, the whole input was used up. */
  g_assert (whole.error != NULL || (whole.ended && off == size));

  outcome_clear (&whole);
  outcome_clear (&chunked);
  return 0;
}
