/* tasker-worker-protocol.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "tasker-error.h"
#include "tasker-worker-protocol-private.h"

/* The codec of the frames between a manager and its workers (see
 * docs/worker-protocol.md). A frame is a 32-bit little-endian payload length
 * followed by the payload: a GVariant of type (uuv) in normal form holding
 * the message type, flags (0) and the body.
 *
 * Because only the last member of (uuv) has a variable size, its layout is
 * fixed: the two integers at offsets 0 and 4, then the variant at offset 8,
 * which is the body's data, a NUL byte and the body's type string. The
 * decoder reads that layout directly instead of building the outer tuple and
 * its children: it compares the body's type string with the one the message
 * type expects before any GVariant is made, then copies the body out (to an
 * aligned buffer) and has GLib check it is in normal form, at the nesting
 * depth the frame gives it. Together these accept exactly the payloads that
 * are a normal-form (uuv) with a body of the right type; the tests and the
 * fuzzer check that against GLib's own verdict on the whole frame.
 *
 * The encoder writes the same layout straight into the caller's buffer, so a
 * writer can batch any number of frames into one write.
 *
 * Neither side keeps global state; a decoder belongs to one reader. */

struct _TaskerWorkerDecoder
{
  guint8 *buf;   /* (owned) (nullable) */
  gsize   start; /* offset of the first byte not yet decoded */
  gsize   end;   /* offset one past the last byte fed */
  gsize   alloc; /* size of @buf */
  GError *error; /* (owned) (nullable) the first error; once set, the decoder is failed */
  guint32 flags; /* of the message last taken */

  /* One empty value of each body type, never read: GLib frees a container
   * type's description when no value uses it any more and rebuilds it for
   * the next, so these keep them alive while the decoder lives. That is
   * most of the cost of a small frame otherwise. */
  GVariant *type_anchors[TASKER_WORKER_N_MSGS]; /* (owned) (nullable) */
  GVariant *wrapper_anchor;                     /* (owned) a (v) */
};

/* A buffer bigger than this is given back once it is empty. */
#define DECODER_KEEP_SIZE (64 * 1024)

/* How much of a peer's string goes into an error message. */
#define EXCERPT_CHARS 64

typedef struct
{
  const char *name;
  const char *body_type;
  gsize       type_len;   /* strlen (body_type) */
  gsize       plain_size; /* if not 0: the body has this fixed size, and any
                           * bytes of that size are in normal form */
  gboolean    nests;      /* the body holds a variant, so any depth */
} MsgInfo;

/* clang-format off */
#define MSG(name, type, plain_size, nests) { name, type, sizeof type - 1, plain_size, nests }

static const MsgInfo msg_info[TASKER_WORKER_N_MSGS] = {
  [TASKER_WORKER_MSG_HELLO]    = MSG ("HELLO",    "(ui)",   8,  FALSE),
  [TASKER_WORKER_MSG_RUN]      = MSG ("RUN",      "(tsvt)", 0,  TRUE),
  [TASKER_WORKER_MSG_CANCEL]   = MSG ("CANCEL",   "(t)",    8,  FALSE),
  [TASKER_WORKER_MSG_STARTED]  = MSG ("STARTED",  "(t)",    8,  FALSE),
  [TASKER_WORKER_MSG_PROGRESS] = MSG ("PROGRESS", "(td)",   16, FALSE),
  [TASKER_WORKER_MSG_MESSAGE]  = MSG ("MESSAGE",  "(tms)",  0,  FALSE),
  [TASKER_WORKER_MSG_EVENT]    = MSG ("EVENT",    "(tsmv)", 0,  TRUE),
  [TASKER_WORKER_MSG_LOG]      = MSG ("LOG",      "(ts)",   0,  FALSE),
  [TASKER_WORKER_MSG_RESULT]   = MSG ("RESULT",   "(tv)",   0,  TRUE),
  [TASKER_WORKER_MSG_ERROR]    = MSG ("ERROR",    "(tsis)", 0,  FALSE),
  [TASKER_WORKER_MSG_EXIT]     = MSG ("EXIT",     "()",     0,  FALSE),  /* one byte, 0 */
};

#undef MSG
/* clang-format on */

static inline gboolean
msg_is_valid (guint32 type)
{
  return type > 0 && type < TASKER_WORKER_N_MSGS;
}

const char *
_tasker_worker_msg_get_name (TaskerWorkerMsg type)
{
  g_return_val_if_fail (msg_is_valid (type), NULL);

  return msg_info[type].name;
}

const GVariantType *
_tasker_worker_msg_get_body_type (TaskerWorkerMsg type)
{
  g_return_val_if_fail (msg_is_valid (type), NULL);

  return (const GVariantType *) msg_info[type].body_type;
}

/* A copy of the valid UTF-8 @str cut to EXCERPT_CHARS characters, for an
 * error message. */
static char *
excerpt (const char *str)
{
  const char *cut = str;

  for (guint i = 0; i < EXCERPT_CHARS && *cut != '\0'; i++)
    cut = g_utf8_next_char (cut);

  if (*cut == '\0')
    return g_strdup (str);

  return g_strdup_printf ("%.*s…", (int) (cut - str), str);
}

/* Whether @body, the data of a RESULT body, is in normal form because its
 * result is an array of fixed-size numbers (such as the "ay" of a pickle)
 * of a whole number of elements. GLib checks such an array element by
 * element, about 30 ns a byte: 0.5 s for 16 MiB.
 *
 * A (tv) is the id's 8 bytes, then the variant: the child's data, a NUL
 * and the child's type; "a" and a number type hold no NUL, so the NUL
 * before them is the variant's separator. Every byte pattern of such an
 * array is in normal form, so only the size needs checking. */
static gboolean
is_plain_array_result (const guint8 *body,
                       gsize         size)
{
  static const char   numbers[] = "ynqiuxthd";
  static const guint8 sizes[] = { 1, 2, 2, 4, 4, 8, 8, 4, 8 };
  const char         *number;

  if (size < sizeof (guint64) + 3 || body[size - 3] != '\0' || body[size - 2] != 'a' ||
      body[size - 1] == '\0' || (number = strchr (numbers, body[size - 1])) == NULL)
    return FALSE;

  return (size - sizeof (guint64) - 3) % sizes[number - numbers] == 0;
}

/**
 * _tasker_worker_protocol_get_result:
 * @body: a RESULT body, `(tv)`, as the decoder gives it
 *
 * The result a RESULT body carries. A result of numbers (the "ay" of a
 * pickle) is read from @body's own bytes, in one value instead of two.
 *
 * Returns: (transfer full): the result
 */
GVariant *
_tasker_worker_protocol_get_result (GVariant *body)
{
  static const char *const array_types[] = { "ay", "an", "aq", "ai", "au", "ax", "at", "ah", "ad" };
  static const char        numbers[] = "ynqiuxthd";
  const guint8            *data = g_variant_get_data (body);
  gsize                    size = g_variant_get_size (body);
  g_autoptr(GVariant)      boxed = NULL;

  if (data != NULL && is_plain_array_result (data, size))
    {
      g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (body);
      g_autoptr(GBytes) array = g_bytes_new_from_bytes (bytes, sizeof (guint64), size - sizeof (guint64) - 3);
      const char *type = array_types[strchr (numbers, data[size - 1]) - numbers];

      return g_variant_ref_sink (g_variant_new_from_bytes ((const GVariantType *) type, array, TRUE));
    }

  boxed = g_variant_get_child_value (body, 1);
  return g_variant_get_variant (boxed);
}

/* Appends a frame around a body's serialised data, which must be in normal
 * form and of the message's body type. */
static void
append_frame (GByteArray     *out,
              TaskerWorkerMsg type,
              gconstpointer   body_data,
              gsize           body_size)
{
  const MsgInfo *info = &msg_info[type];
  gsize          payload_size = 2 * sizeof (guint32) + body_size + 1 + info->type_len;
  guint32        header[3];
  guint8        *p;

  g_assert (payload_size <= TASKER_WORKER_PROTOCOL_MAX_FRAME);

  /* Length (little-endian), then the (uuv): type and flags in GVariant's
   * host byte order, the body at offset 8, a NUL and the body's type. */
  header[0] = GUINT32_TO_LE ((guint32) payload_size);
  header[1] = type;
  header[2] = 0;

  g_byte_array_set_size (out, out->len + TASKER_WORKER_PROTOCOL_HEADER_SIZE + payload_size);
  p = out->data + out->len - (TASKER_WORKER_PROTOCOL_HEADER_SIZE + payload_size);
  memcpy (p, header, sizeof header);
  p += sizeof header;
  if (body_size > 0)
    memcpy (p, body_data, body_size);
  p += body_size;
  *p++ = '\0';
  memcpy (p, info->body_type, info->type_len);
}

/**
 * _tasker_worker_protocol_append:
 * @out: the buffer to append to
 * @type: the message type
 * @body: (transfer floating): the body, of the type @type expects
 * @error: return location for a #GError
 *
 * Appends one frame to @out. Frames appended one after the other form a
 * stream, so a writer batches by appending several before one write.
 *
 * Returns: %TRUE, or %FALSE with %TASKER_ERROR_SERIALIZATION set (and @out
 *   unchanged) if the frame would exceed %TASKER_WORKER_PROTOCOL_MAX_FRAME
 */
gboolean
_tasker_worker_protocol_append (GByteArray     *out,
                                TaskerWorkerMsg type,
                                GVariant       *body,
                                GError        **error)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) normal = NULL;
  gsize body_size;
  gsize payload_size;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (msg_is_valid (type), FALSE);
  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  owned = g_variant_ref_sink (body);
  g_return_val_if_fail (g_variant_is_of_type (body, _tasker_worker_msg_get_body_type (type)), FALSE);

  /* Free for the values we build (they are trusted); a value that came
   * from untrusted data is normalised so the peer does not reject it. A
   * result of numbers (g_variant_new_fixed_array() makes untrusted ones)
   * is always normal, and GLib would check it byte by byte. */
  if (!(type == TASKER_WORKER_MSG_RESULT &&
        is_plain_array_result (g_variant_get_data (body), g_variant_get_size (body))) &&
      !g_variant_is_normal_form (body))
    body = normal = g_variant_get_normal_form (body);

  body_size = g_variant_get_size (body);
  payload_size = 2 * sizeof (guint32) + body_size + 1 + msg_info[type].type_len;

  if (payload_size > TASKER_WORKER_PROTOCOL_MAX_FRAME)
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_SERIALIZATION,
                   "cannot serialise %s message: %" G_GSIZE_FORMAT " bytes exceed "
                   "the frame limit of %u bytes",
                   msg_info[type].name, payload_size, TASKER_WORKER_PROTOCOL_MAX_FRAME);
      return FALSE;
    }

  /* Not g_variant_store(): it wants an aligned destination, and a frame
   * may start anywhere in @out. */
  append_frame (out, type, g_variant_get_data (body), body_size);
  return TRUE;
}

/* The flags a message type may carry. */
static guint32
allowed_flags (guint32 type)
{
  return type == TASKER_WORKER_MSG_RESULT || type == TASKER_WORKER_MSG_ERROR
         ? TASKER_WORKER_FLAG_BEFORE_CANCEL : 0;
}

/**
 * _tasker_worker_protocol_set_flags:
 * @out: a buffer
 * @frame_offset: where a frame appended to @out starts
 * @flags: flags that frame's message type may carry
 *
 * Sets the flags of a frame already in @out (appended by any of the
 * functions above): only %TASKER_WORKER_FLAG_BEFORE_CANCEL, on a RESULT or
 * an ERROR.
 */
void
_tasker_worker_protocol_set_flags (GByteArray *out,
                                   gsize       frame_offset,
                                   guint32     flags)
{
  guint32 type;

  g_return_if_fail (out != NULL);
  g_return_if_fail (frame_offset + TASKER_WORKER_PROTOCOL_HEADER_SIZE + 2 * sizeof (guint32) <= out->len);

  memcpy (&type, out->data + frame_offset + TASKER_WORKER_PROTOCOL_HEADER_SIZE, sizeof type);
  g_return_if_fail ((flags & ~allowed_flags (type)) == 0);

  memcpy (out->data + frame_offset + TASKER_WORKER_PROTOCOL_HEADER_SIZE + sizeof type,
          &flags, sizeof flags);
}

/**
 * _tasker_worker_protocol_append_id:
 * @out: the buffer to append to
 * @type: %TASKER_WORKER_MSG_CANCEL or %TASKER_WORKER_MSG_STARTED
 * @task_id: the task's id, not 0
 *
 * Appends a frame with a (t) body, as _tasker_worker_protocol_append()
 * would, without making a GVariant (about 30 times faster).
 */
void
_tasker_worker_protocol_append_id (GByteArray     *out,
                                   TaskerWorkerMsg type,
                                   guint64         task_id)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (type == TASKER_WORKER_MSG_CANCEL || type == TASKER_WORKER_MSG_STARTED);
  g_return_if_fail (task_id != 0);

  append_frame (out, type, &task_id, sizeof task_id);
}

/**
 * _tasker_worker_protocol_append_progress:
 * @out: the buffer to append to
 * @task_id: the task's id, not 0
 * @fraction: the task's progress, in [0, 1]
 *
 * Appends a PROGRESS frame, as _tasker_worker_protocol_append() would,
 * without making a GVariant.
 */
void
_tasker_worker_protocol_append_progress (GByteArray *out,
                                         guint64     task_id,
                                         gdouble     fraction)
{
  guint8 body[sizeof (guint64) + sizeof (gdouble)];

  g_return_if_fail (out != NULL);
  g_return_if_fail (task_id != 0);
  g_return_if_fail (fraction >= 0.0 && fraction <= 1.0);

  /* A (td) is its two members side by side, in host byte order. */
  memcpy (body, &task_id, sizeof task_id);
  memcpy (body + sizeof task_id, &fraction, sizeof fraction);
  append_frame (out, TASKER_WORKER_MSG_PROGRESS, body, sizeof body);
}

/* Reserves a frame of @type with a body of @body_size bytes in @out and
 * returns where the body goes; the NUL and type string are written. */
static guint8 *
reserve_frame (GByteArray     *out,
               TaskerWorkerMsg type,
               gsize           body_size)
{
  const MsgInfo *info = &msg_info[type];
  gsize          payload_size = 2 * sizeof (guint32) + body_size + 1 + info->type_len;
  guint32        header[3];
  guint8        *p;

  header[0] = GUINT32_TO_LE ((guint32) payload_size);
  header[1] = type;
  header[2] = 0;

  g_byte_array_set_size (out, out->len + TASKER_WORKER_PROTOCOL_HEADER_SIZE + payload_size);
  p = out->data + out->len - (TASKER_WORKER_PROTOCOL_HEADER_SIZE + payload_size);
  memcpy (p, header, sizeof header);
  p[sizeof header + body_size] = '\0';
  memcpy (p + sizeof header + body_size + 1, info->body_type, info->type_len);

  return p + sizeof header;
}

static gsize
align8 (gsize offset)
{
  return (offset + 7) & ~(gsize) 7;
}

/* The smallest framing-offset width GVariant uses for a container of
 * @content bytes with @n_offsets offsets. */
static gsize
offset_width (gsize content,
              gsize n_offsets)
{
  if (content + n_offsets <= G_MAXUINT8)
    return 1;
  if (content + 2 * n_offsets <= G_MAXUINT16)
    return 2;
  if (content + 4 * n_offsets <= G_MAXUINT32)
    return 4;
  return 8;
}

static void
write_offset (guint8 *p,
              gsize   value,
              gsize   width)
{
  guint64 le = GUINT64_TO_LE ((guint64) value);

  memcpy (p, &le, width);
}

/* An array of fixed-size numbers, of whole elements: always normal. */
static gboolean
is_number_array (GVariant *value)
{
  static const char   numbers[] = "ynqiuxthd";
  static const guint8 sizes[] = { 1, 2, 2, 4, 4, 8, 8, 4, 8 };
  const char *type = g_variant_get_type_string (value);
  const char *number;

  if (type[0] != 'a' || type[1] == '\0' || type[2] != '\0' ||
      (number = strchr (numbers, type[1])) == NULL)
    return FALSE;

  return g_variant_get_size (value) % sizes[number - numbers] == 0;
}

static GVariant *
normal_form (GVariant *value)
{
  /* Free for values built in this process: GLib trusts them. */
  if (g_variant_is_normal_form (value))
    return g_variant_ref (value);
  return g_variant_get_normal_form (value);
}

static gboolean
check_payload_size (TaskerWorkerMsg   type,
                    gsize             body_size,
                    GError          **error)
{
  gsize payload_size = 2 * sizeof (guint32) + body_size + 1 + msg_info[type].type_len;

  if (payload_size <= TASKER_WORKER_PROTOCOL_MAX_FRAME)
    return TRUE;

  g_set_error (error, TASKER_ERROR, TASKER_ERROR_SERIALIZATION,
               "cannot serialise %s message: %" G_GSIZE_FORMAT " bytes exceed "
               "the frame limit of %u bytes",
               msg_info[type].name, payload_size, TASKER_WORKER_PROTOCOL_MAX_FRAME);
  return FALSE;
}

/**
 * _tasker_worker_protocol_append_run:
 * @out: the buffer to append to
 * @task_id: the task's id, not 0
 * @entry_point: `module:symbol`
 * @args: the arguments
 * @trace_id: the task's trace id
 * @error: return location for a #GError
 *
 * Appends a RUN frame, byte for byte what _tasker_worker_protocol_append()
 * makes of `g_variant_new ("(tsvt)", …)`, without building that variant:
 * the manager sends one per task.
 *
 * Returns: %TRUE, or %FALSE with %TASKER_ERROR_SERIALIZATION (and @out
 *   unchanged) if the frame would exceed the limit
 */
gboolean
_tasker_worker_protocol_append_run (GByteArray  *out,
                                    guint64      task_id,
                                    const char  *entry_point,
                                    GVariant    *args,
                                    guint64      trace_id,
                                    GError     **error)
{
  g_autoptr(GVariant) normal = NULL;
  const char *type_string;
  gsize entry_size, args_size, type_size;
  gsize s_end, v_start, v_end, t_start, content, width, body_size;
  guint8 *p;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (task_id != 0, FALSE);
  g_return_val_if_fail (entry_point != NULL, FALSE);
  g_return_val_if_fail (args != NULL, FALSE);

  normal = normal_form (args);
  type_string = g_variant_get_type_string (normal);
  entry_size = strlen (entry_point) + 1;
  args_size = g_variant_get_size (normal);
  type_size = strlen (type_string);

  /* (tsvt): t at 0, s after it, v at the next multiple of 8 (its data, a
   * NUL, its type), t at the next multiple of 8; then the end offsets of
   * the two variable-sized members that are not last, last one first. */
  s_end = 8 + entry_size;
  v_start = align8 (s_end);
  v_end = v_start + args_size + 1 + type_size;
  t_start = align8 (v_end);
  content = t_start + 8;
  width = offset_width (content, 2);
  body_size = content + 2 * width;

  if (!check_payload_size (TASKER_WORKER_MSG_RUN, body_size, error))
    return FALSE;

  p = reserve_frame (out, TASKER_WORKER_MSG_RUN, body_size);
  memset (p, 0, body_size);
  memcpy (p, &task_id, 8);
  memcpy (p + 8, entry_point, entry_size);
  /* Not g_variant_store(): @p need not be aligned. */
  if (args_size > 0)
    memcpy (p + v_start, g_variant_get_data (normal), args_size);
  memcpy (p + v_start + args_size + 1, type_string, type_size);
  memcpy (p + t_start, &trace_id, 8);
  write_offset (p + content, v_end, width);
  write_offset (p + content + width, s_end, width);

  return TRUE;
}

/**
 * _tasker_worker_protocol_append_result:
 * @out: the buffer to append to
 * @task_id: the task's id, not 0
 * @value: the task's result
 * @error: return location for a #GError
 *
 * Appends a RESULT frame, byte for byte what _tasker_worker_protocol_append()
 * makes of `g_variant_new ("(tv)", …)`, without building that variant.
 *
 * Returns: %TRUE, or %FALSE with %TASKER_ERROR_SERIALIZATION (and @out
 *   unchanged) if the frame would exceed the limit
 */
gboolean
_tasker_worker_protocol_append_result (GByteArray  *out,
                                       guint64      task_id,
                                       GVariant    *value,
                                       GError     **error)
{
  g_autoptr(GVariant) normal = NULL;
  const char *type_string;
  gsize value_size, type_size, body_size;
  guint8 *p;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (task_id != 0, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  /* A result of numbers is normal if it is whole elements; GLib would check
   * it byte by byte. */
  if (is_number_array (value))
    normal = g_variant_ref (value);
  else
    normal = normal_form (value);
  type_string = g_variant_get_type_string (normal);
  value_size = g_variant_get_size (normal);
  type_size = strlen (type_string);

  /* (tv): the t, then the variant (its data, a NUL, its type); the last
   * member needs no offset. */
  body_size = 8 + value_size + 1 + type_size;
  if (!check_payload_size (TASKER_WORKER_MSG_RESULT, body_size, error))
    return FALSE;

  p = reserve_frame (out, TASKER_WORKER_MSG_RESULT, body_size);
  memcpy (p, &task_id, 8);
  if (value_size > 0)
    memcpy (p + 8, g_variant_get_data (normal), value_size);
  p[8 + value_size] = '\0';
  memcpy (p + 8 + value_size + 1, type_string, type_size);

  return TRUE;
}

/**
 * _tasker_worker_protocol_check_hello:
 * @body: the body of a HELLO message
 * @pid: (out) (optional): the worker's process id
 * @error: return location for a #GError
 *
 * Checks that a worker speaks this library's protocol version. HELLO and
 * the framing never change between versions, so a worker of any version
 * can say which version it speaks.
 *
 * Returns: %TRUE if it does; %FALSE with %TASKER_ERROR_WORKER_FAILED if not
 */
gboolean
_tasker_worker_protocol_check_hello (GVariant *body,
                                     gint32   *pid,
                                     GError  **error)
{
  guint32 version;
  gint32  worker_pid;

  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (g_variant_is_of_type (body, G_VARIANT_TYPE ("(ui)")), FALSE);

  g_variant_get (body, "(ui)", &version, &worker_pid);

  if (version != TASKER_WORKER_PROTOCOL_VERSION)
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                   "worker speaks protocol version %u; this library speaks version %u",
                   version, TASKER_WORKER_PROTOCOL_VERSION);
      return FALSE;
    }

  if (pid != NULL)
    *pid = worker_pid;

  return TRUE;
}

/**
 * _tasker_worker_decoder_new:
 *
 * Creates a decoder for one stream of frames.
 *
 * Returns: (transfer full): a new decoder
 */
TaskerWorkerDecoder *
_tasker_worker_decoder_new (void)
{
  TaskerWorkerDecoder *self = g_new0 (TaskerWorkerDecoder, 1);

  for (guint i = TASKER_WORKER_MSG_HELLO; i < TASKER_WORKER_N_MSGS; i++)
    {
      const GVariantType *type = (const GVariantType *) msg_info[i].body_type;

      self->type_anchors[i] = g_variant_new_from_data (type, NULL, 0, TRUE, NULL, NULL);
      g_variant_ref_sink (self->type_anchors[i]);
    }
  self->wrapper_anchor = g_variant_new_from_data (G_VARIANT_TYPE ("(v)"), NULL, 0, TRUE, NULL, NULL);
  g_variant_ref_sink (self->wrapper_anchor);

  return self;
}

void
_tasker_worker_decoder_free (TaskerWorkerDecoder *self)
{
  if (self == NULL)
    return;

  g_free (self->buf);
  g_clear_error (&self->error);
  for (guint i = 0; i < TASKER_WORKER_N_MSGS; i++)
    g_clear_pointer (&self->type_anchors[i], g_variant_unref);
  g_clear_pointer (&self->wrapper_anchor, g_variant_unref);
  g_free (self);
}

static void
decoder_release_buffer (TaskerWorkerDecoder *self)
{
  g_clear_pointer (&self->buf, g_free);
  self->start = self->end = self->alloc = 0;
}

/**
 * _tasker_worker_decoder_feed:
 * @self: a decoder
 * @data: (array length=len): bytes read from the stream
 * @len: the number of bytes
 *
 * Adds bytes to the decoder, in any chunks: a frame may be split anywhere
 * and a chunk may hold many frames. Drain the decoder with
 * _tasker_worker_decoder_next() after each feed; then it holds at most one
 * incomplete frame besides the chunk. A failed decoder drops what it is fed.
 */
void
_tasker_worker_decoder_feed (TaskerWorkerDecoder *self,
                             const guint8        *data,
                             gsize                len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || len == 0);

  if (self->error != NULL || len == 0)
    return;

  if (self->alloc - self->end < len)
    {
      gsize kept = self->end - self->start;

      /* Move the incomplete frame to the front, then grow if need be. */
      if (self->start > 0)
        {
          memmove (self->buf, self->buf + self->start, kept);
          self->start = 0;
          self->end = kept;
        }

      if (self->alloc - self->end < len)
        {
          gsize want = MAX (self->alloc, 4096);

          while (want < kept + len)
            want *= 2;

          self->buf = g_realloc (self->buf, want);
          self->alloc = want;
        }
    }

  memcpy (self->buf + self->end, data, len);
  self->end += len;
}

static gboolean
garbled (GError **error)
{
  g_set_error_literal (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                       "garbled frame: not a (uuv) variant in normal form");
  return FALSE;
}

/* The task id every body but HELLO's and EXIT's starts with. A 't' at the
 * start of a normal-form tuple is its first 8 bytes, and @body's data is
 * our own aligned copy; reading it directly saves a child GVariant. */
static guint64
body_task_id (GVariant *body)
{
  guint64 id;

  memcpy (&id, g_variant_get_data (body), sizeof id);
  return id;
}

/* The checks a body's GVariant type cannot express. */
static gboolean
check_body (TaskerWorkerMsg type,
            GVariant       *body,
            GError        **error)
{
  const char *name = msg_info[type].name;

  switch (type)
    {
    case TASKER_WORKER_MSG_HELLO:
      {
        guint32 version;
        gint32  pid;

        g_variant_get (body, "(ui)", &version, &pid);
        if (version == 0 || pid <= 0)
          {
            g_set_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                         "HELLO has protocol version %u and pid %d", version, pid);
            return FALSE;
          }
        return TRUE;
      }

    case TASKER_WORKER_MSG_EXIT:
      return TRUE;

    case TASKER_WORKER_MSG_RUN:
    case TASKER_WORKER_MSG_CANCEL:
    case TASKER_WORKER_MSG_STARTED:
    case TASKER_WORKER_MSG_PROGRESS:
    case TASKER_WORKER_MSG_MESSAGE:
    case TASKER_WORKER_MSG_EVENT:
    case TASKER_WORKER_MSG_LOG:
    case TASKER_WORKER_MSG_RESULT:
    case TASKER_WORKER_MSG_ERROR:
      if (body_task_id (body) == 0)
        {
          g_set_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                       "%s has task id 0", name);
          return FALSE;
        }
      break;

    case TASKER_WORKER_N_MSGS:
    default:
      g_assert_not_reached ();
    }

  switch (type)
    {
    case TASKER_WORKER_MSG_RUN:
      {
        g_autoptr(GVariant) child = g_variant_get_child_value (body, 1);
        const char *entry = g_variant_get_string (child, NULL);
        const char *colon = strchr (entry, ':');

        if (colon == NULL || colon == entry || colon[1] == '\0')
          {
            g_autofree char *shown = excerpt (entry);

            g_set_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                         "RUN entry point “%s” is not of the form module:symbol", shown);
            return FALSE;
          }
      }
      break;

    case TASKER_WORKER_MSG_PROGRESS:
      {
        gdouble fraction;

        /* The double of a normal-form (td) is its bytes 8 to 15. */
        memcpy (&fraction, (const guint8 *) g_variant_get_data (body) + sizeof (guint64),
                sizeof fraction);
        if (!(fraction >= 0.0 && fraction <= 1.0))
          {
            g_set_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                         "PROGRESS fraction %g is outside [0, 1]", fraction);
            return FALSE;
          }
      }
      break;

    case TASKER_WORKER_MSG_EVENT:
    case TASKER_WORKER_MSG_ERROR:
      {
        g_autoptr(GVariant) child = g_variant_get_child_value (body, 1);

        if (g_variant_get_size (child) <= 1)
          {
            g_set_error_literal (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                                 type == TASKER_WORKER_MSG_EVENT ? "EVENT has an empty name"
                                                                 : "ERROR has an empty domain");
            return FALSE;
          }
      }
      break;

    case TASKER_WORKER_MSG_HELLO:
    case TASKER_WORKER_MSG_CANCEL:
    case TASKER_WORKER_MSG_STARTED:
    case TASKER_WORKER_MSG_MESSAGE:
    case TASKER_WORKER_MSG_LOG:
    case TASKER_WORKER_MSG_RESULT:
    case TASKER_WORKER_MSG_EXIT:
    case TASKER_WORKER_N_MSGS:
    default:
      break;
    }

  return TRUE;
}

/* Finds what is wrong with a payload that is not a known message type with
 * no flags and the body type that type expects, in the order the design
 * gives: the (uuv) first, then its fields. */
static gboolean
diagnose_payload (const guint8 *payload,
                  gsize         size,
                  GError      **error)
{
  const guint8  *end = payload + size;
  const guint8  *sep;
  const char    *type_string;
  const char    *type_end;
  const MsgInfo *info;
  gsize          type_len;
  guint32        header[2];

  /* The (uuv): 8 bytes of integers, then the variant: the body's data, a
   * NUL, and a single complete definite type that ends the payload. The
   * separator is the last NUL, since a type string holds none. */
  if (size < sizeof header + 2)
    return garbled (error);

  for (sep = end - 1; sep >= payload + sizeof header && *sep != '\0'; sep--)
    ;
  if (sep < payload + sizeof header)
    return garbled (error);

  type_string = (const char *) sep + 1;
  if (!g_variant_type_string_scan (type_string, (const char *) end, &type_end) ||
      type_end != (const char *) end)
    return garbled (error);

  type_len = (const char *) end - type_string;
  if (memchr (type_string, '*', type_len) != NULL ||
      memchr (type_string, '?', type_len) != NULL ||
      memchr (type_string, 'r', type_len) != NULL)
    return garbled (error);

  memcpy (header, payload, sizeof header);

  if (!msg_is_valid (header[0]))
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                   "unknown message type %u", header[0]);
      return FALSE;
    }

  info = &msg_info[header[0]];

  if ((header[1] & ~allowed_flags (header[0])) != 0)
    {
      if (allowed_flags (header[0]) == 0)
        g_set_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                     "%s has flags 0x%x, but none are defined", info->name, header[1]);
      else
        g_set_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                     "%s has flags 0x%x, but only 0x%x is defined", info->name, header[1],
                     allowed_flags (header[0]));
      return FALSE;
    }

  /* Had the type been right, decode_payload() would not have asked. */
  g_assert (type_len != info->type_len || memcmp (type_string, info->body_type, type_len) != 0);

  g_set_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
               "%s body has type %.*s%s instead of %s",
               info->name,
               (int) MIN (type_len, EXCERPT_CHARS), type_string,
               type_len > EXCERPT_CHARS ? "…" : "",
               info->body_type);
  return FALSE;
}

/* Decodes the payload of one complete frame. */
static gboolean
decode_payload (const guint8    *payload,
                gsize            size,
                guint32         *out_flags,
                TaskerWorkerMsg *out_type,
                GVariant       **out_body,
                GError         **error)
{
  const MsgInfo *info;
  guint32        header[2];
  gsize          body_size;
  gboolean       trusted;
  gboolean       normal;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) body = NULL;

  if (size < sizeof header)
    return garbled (error);

  /* The way a good frame goes: a known type, only its flags, and a payload that
   * ends in a NUL and exactly the body type of that message. Then that NUL
   * is the variant's separator (a type string holds no NUL) and the
   * (uuv) is in normal form if and only if the body is. */
  memcpy (header, payload, sizeof header);
  if (!msg_is_valid (header[0]) || (header[1] & ~allowed_flags (header[0])) != 0)
    return diagnose_payload (payload, size, error);
  *out_flags = header[1];

  info = &msg_info[header[0]];
  if (size < sizeof header + 1 + info->type_len ||
      payload[size - info->type_len - 1] != '\0' ||
      memcmp (payload + size - info->type_len, info->body_type, info->type_len) != 0)
    return diagnose_payload (payload, size, error);

  /* Copied, so the body is aligned and outlives the buffer. A body whose
   * every byte pattern is normal needs only its size checked, and GLib
   * checks the rest. */
  body_size = size - sizeof header - 1 - info->type_len;
  trusted = (info->plain_size != 0 && body_size == info->plain_size) ||
            (header[0] == TASKER_WORKER_MSG_RESULT &&
             is_plain_array_result (payload + sizeof header, body_size));

  /* A RESULT of numbers nests no deeper than (tv), v, array: read as it
   * is, without the (v) wrapper below (three values fewer per task). */
  if (!info->nests || (trusted && header[0] == TASKER_WORKER_MSG_RESULT))
    {
      bytes = g_bytes_new (payload + sizeof header, body_size);
      body = g_variant_new_from_bytes ((const GVariantType *) info->body_type, bytes, trusted);
      g_variant_ref_sink (body);
      normal = g_variant_is_normal_form (body);
    }
  else
    {
      g_autoptr(GVariant) wrapper = NULL;

      /* GLib limits nesting (to 128 levels) counting from the outermost
       * value, and in the frame the body sits two levels down: (uuv), v,
       * body. A (v) is serialised as the variant alone, so the payload from
       * offset 8 is a (v) whose body is checked at the depth the frame gives
       * it. The body then shares the copy. */
      bytes = g_bytes_new (payload + sizeof header, size - sizeof header);
      wrapper = g_variant_new_from_bytes ((const GVariantType *) "(v)", bytes, trusted);
      g_variant_ref_sink (wrapper);
      normal = g_variant_is_normal_form (wrapper);
      if (normal)
        {
          g_autoptr(GVariant) variant = g_variant_get_child_value (wrapper, 0);

          body = g_variant_get_variant (variant);
        }
    }

  if (!normal)
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                   "garbled frame: %s body is not in normal form", info->name);
      return FALSE;
    }

  if (!check_body (header[0], body, error))
    return FALSE;

  *out_type = header[0];
  *out_body = g_steal_pointer (&body);
  return TRUE;
}

static gboolean
decoder_fail (TaskerWorkerDecoder *self,
              GError              *local_error,
              GError             **error)
{
  self->error = local_error;
  decoder_release_buffer (self);
  g_propagate_error (error, g_error_copy (local_error));
  return FALSE;
}

/**
 * _tasker_worker_decoder_next:
 * @self: a decoder
 * @type: (out): the message type
 * @body: (out) (transfer full): the message body, of the type @type expects
 * @error: return location for a #GError
 *
 * Takes the next complete message from what was fed.
 *
 * Returns: %TRUE with a message; %FALSE without an error when more bytes
 *   are needed; %FALSE with %TASKER_ERROR_WORKER_FAILED when the stream is
 *   bad, which it then stays (every later call fails the same way)
 */
gboolean
_tasker_worker_decoder_next (TaskerWorkerDecoder *self,
                             TaskerWorkerMsg     *type,
                             GVariant           **body,
                             GError             **error)
{
  GError       *local_error = NULL;
  guint32       size;
  gsize         avail;
  const guint8 *payload;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (type != NULL, FALSE);
  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;
    }

  avail = self->end - self->start;
  if (avail < TASKER_WORKER_PROTOCOL_HEADER_SIZE)
    {
      if (avail == 0 && self->alloc > DECODER_KEEP_SIZE)
        decoder_release_buffer (self);
      return FALSE;
    }

  memcpy (&size, self->buf + self->start, sizeof size);
  size = GUINT32_FROM_LE (size);

  if (size > TASKER_WORKER_PROTOCOL_MAX_FRAME)
    {
      local_error = g_error_new (TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                                 "frame of %u bytes exceeds the limit of %u bytes",
                                 size, TASKER_WORKER_PROTOCOL_MAX_FRAME);
      return decoder_fail (self, local_error, error);
    }

  if (avail - TASKER_WORKER_PROTOCOL_HEADER_SIZE < size)
    return FALSE;

  payload = self->buf + self->start + TASKER_WORKER_PROTOCOL_HEADER_SIZE;
  self->start += TASKER_WORKER_PROTOCOL_HEADER_SIZE + size;

  if (!decode_payload (payload, size, &self->flags, type, body, &local_error))
    return decoder_fail (self, local_error, error);

  return TRUE;
}

/**
 * _tasker_worker_decoder_end:
 * @self: a decoder
 * @error: return location for a #GError
 *
 * Tells the decoder the stream has ended (the peer closed it), after it
 * was drained with _tasker_worker_decoder_next().
 *
 * Returns: %TRUE if the stream ended between frames; %FALSE with
 *   %TASKER_ERROR_WORKER_FAILED if it ended inside one or had failed
 */
gboolean
_tasker_worker_decoder_end (TaskerWorkerDecoder *self,
                            GError             **error)
{
  GError *local_error;
  gsize   avail;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;
    }

  avail = self->end - self->start;
  if (avail == 0)
    return TRUE;

  if (avail < TASKER_WORKER_PROTOCOL_HEADER_SIZE)
    {
      local_error = g_error_new (TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                                 "truncated frame: stream ended after %" G_GSIZE_FORMAT
                                 " bytes of a frame header",
                                 avail);
    }
  else
    {
      guint32 size;

      memcpy (&size, self->buf + self->start, sizeof size);
      local_error = g_error_new (TASKER_ERROR, TASKER_ERROR_WORKER_FAILED,
                                 "truncated frame: stream ended after %" G_GSIZE_FORMAT
                                 " of %u bytes",
                                 avail - TASKER_WORKER_PROTOCOL_HEADER_SIZE,
                                 GUINT32_FROM_LE (size));
    }

  return decoder_fail (self, local_error, error);
}

/**
 * _tasker_worker_decoder_get_buffered_size:
 * @self: a decoder
 *
 * Returns: how many bytes were fed and not yet decoded
 */
gsize
_tasker_worker_decoder_get_buffered_size (TaskerWorkerDecoder *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->end - self->start;
}

/**
 * _tasker_worker_decoder_get_flags:
 * @self: a decoder
 *
 * Returns: the flags of the message _tasker_worker_decoder_next() returned
 *   last (0 for all but %TASKER_WORKER_FLAG_BEFORE_CANCEL on a RESULT or an
 *   ERROR)
 */
guint32
_tasker_worker_decoder_get_flags (TaskerWorkerDecoder *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->flags;
}
