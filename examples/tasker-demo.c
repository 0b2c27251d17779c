/* tasker-demo.c — thread and coroutine tasks with nested progress, drawn in a terminal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This program submits five tasks to a TaskerManager and draws one progress
 * bar per task, redrawn from the manager's "tasks-updated" signal and from the
 * tasks' "notify::status":
 *
 *   scan-photos    thread     two phases, the first split into one sub-context per album
 *   compress-logs  thread     gzip with GZlibCompressor, then decompress to verify
 *   feed           thread     writes numbered chunks into a pipe, one at a time
 *   checksum       coroutine  reads this program's own executable with
 *                             g_input_stream_read_bytes_async() and hashes it
 *   download       coroutine  reads the feed's chunks from the pipe with
 *                             g_data_input_stream_read_line_async()
 *
 * Half-way through, the demo cancels "download" by its key. Its pending
 * read_line_async() is interrupted at once with G_IO_ERROR_CANCELLED, and the
 * task ends CANCELLED; every other task ends COMPLETED.
 *
 * When standard output is a terminal, the table is redrawn in place with ANSI
 * escapes. Otherwise (or with --plain) it prints one plain line whenever a
 * task's status or progress decile changes. Either way it ends with one line
 * per task, "summary: NAME KIND STATUS PERCENT TIME DETAIL", and exits 0 only
 * if every task ended as expected.
 */

#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib-unix.h>

#include <tasker.h>

#define BAR_WIDTH     24
#define N_FEED_CHUNKS 40

typedef struct _Demo Demo;

typedef enum
{
  RESULT_NONE,
  RESULT_UINT,   /* a GValue holding a guint: "N photos" */
  RESULT_STRING, /* a string given with tasker_context_return_pointer() */
} ResultKind;

typedef struct
{
  Demo             *demo;            /* (unowned) */
  TaskerTask       *task;            /* (owned) */
  ResultKind        result_kind;
  TaskerTaskStatus  expected_status;

  /* What the plain output printed last, to print only changes */
  gboolean          printed;
  TaskerTaskStatus  printed_status;
  int               printed_decile;

  gboolean          done;
  char             *detail;          /* (owned) (nullable) result or error, set when done */
} DemoRow;

struct _Demo
{
  TaskerManager     *manager;        /* (owned) */
  GMainLoop         *loop;           /* (owned) */
  GPtrArray         *rows;           /* (owned) (element-type DemoRow) */
  GDataInputStream  *feed_in;        /* (owned) read end of the feed pipe, main context only */
  double             speed;          /* multiplies every delay */
  gboolean           fancy;          /* redraw in place with ANSI escapes */
  gboolean           cancel;         /* cancel "download" half-way */
  gboolean           cancel_sent;
  gboolean           interrupted;    /* SIGINT/SIGTERM */
  gboolean           timed_out;
  gboolean           finished;       /* the summary is printed: draw nothing more */
  guint              n_done;
  guint              n_lines_drawn;
  double             overall;
  gint64             start_time;
  guint              timeout_id;
  guint              sigint_id;
  guint              sigterm_id;
};

/* Data given to every task function (immutable, shared by all of them) */
typedef struct
{
  double speed;
} JobConfig;

static guint
scaled_ms (double speed,
           guint  ms)
{
  return (guint) MAX (1.0, ms * speed);
}

static void
nap (const JobConfig *config,
     guint            ms)
{
  g_usleep ((gulong) scaled_ms (config->speed, ms) * 1000);
}

/* ------------------------------------------------------------------------- */
/* A cancellable sleep in the GIO style: the coroutines pace themselves with it */

static gboolean
sleep_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;

  /* GTask checks the cancellable itself: if it fired (that is what woke us,
   * through the child source), demo_sleep_finish() fails with
   * G_IO_ERROR_CANCELLED. */
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);

  return G_SOURCE_REMOVE;
}

static gboolean
sleep_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  /* Only here so that the cancellable source wakes its parent */
  return G_SOURCE_CONTINUE;
}

static void
demo_sleep_async (guint               ms,
                  GCancellable       *cancellable,
                  GAsyncReadyCallback callback,
                  gpointer            user_data)
{
  GTask *task;
  g_autoptr(GSource) source = NULL;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, demo_sleep_async);

  source = g_timeout_source_new (ms);
  if (cancellable != NULL)
    {
      g_autoptr(GSource) cancel_source = g_cancellable_source_new (cancellable);

      g_source_set_callback (cancel_source, G_SOURCE_FUNC (sleep_cancelled_cb), NULL, NULL);
      g_source_add_child_source (source, cancel_source);
    }

  /* The task owns itself until sleep_timeout_cb() returns it */
  g_task_attach_source (task, source, sleep_timeout_cb);
}

static gboolean
demo_sleep_finish (GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */
/* Thread task: scan-photos — three phases, the first split per album */

static guint64
fake_decode_photo (guint album,
                   guint photo)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA1);
  g_autoptr(GRand) rand = g_rand_new_with_seed (album * 1000 + photo);
  guint32 pixels[4096];
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  guint64 value = 0;

  for (guint i = 0; i < G_N_ELEMENTS (pixels); i++)
    pixels[i] = g_rand_int (rand);

  g_checksum_update (checksum, (const guchar *) pixels, sizeof pixels);
  g_checksum_get_digest (checksum, digest, &digest_len);
  memcpy (&value, digest, sizeof value);

  return value;
}

static void
scan_photos_thread (TaskerContext *context,
                    gpointer       user_data)
{
  const JobConfig *config = user_data;
  static const guint photos_per_album[] = { 8, 12, 6 };
  const guint n_albums = G_N_ELEMENTS (photos_per_album);
  g_autoptr(TaskerContext) index_phase = NULL;
  g_autoptr(TaskerContext) write_phase = NULL;
  guint64 fingerprint = 0;
  guint n_photos = 0;
  GValue result = G_VALUE_INIT;

  /* Phase 1 (0 → 80 %): index every album; each album gets an equal share */
  index_phase = tasker_context_sub_context (context, 0.0, 0.8, 1.0);
  for (guint album = 0; album < n_albums; album++)
    {
      g_autoptr(TaskerContext) album_context = NULL;

      album_context = tasker_context_sub_context (index_phase,
                                                  (double) album / n_albums,
                                                  1.0 / n_albums,
                                                  photos_per_album[album]);
      for (guint photo = 0; photo < photos_per_album[album]; photo++)
        {
          g_autofree char *message = NULL;

          if (tasker_context_is_cancelled (context))
            return;

          message = g_strdup_printf ("Album %u/%u: photo %u/%u",
                                     album + 1, n_albums, photo + 1, photos_per_album[album]);
          tasker_context_set_message (album_context, message);
          fingerprint ^= fake_decode_photo (album, photo);
          nap (config, 45);
          tasker_context_set_progress (album_context, photo + 1);
          n_photos++;
        }
      tasker_context_log (context, "album indexed");
    }

  /* Phase 2 (80 → 100 %): write the catalogue */
  write_phase = tasker_context_sub_context (context, 0.8, 0.2, 5);
  tasker_context_set_message (write_phase, "Writing the catalogue");
  for (guint step = 1; step <= 5; step++)
    {
      if (tasker_context_is_cancelled (context))
        return;
      nap (config, 40);
      tasker_context_set_progress (write_phase, step);
    }

  {
    g_autofree char *message = g_strdup_printf ("Indexed %u photos (fingerprint %08x)",
                                                n_photos, (guint) (fingerprint & 0xffffffff));
    tasker_context_set_message (context, message);
  }

  g_value_init (&result, G_TYPE_UINT);
  g_value_set_uint (&result, n_photos);
  tasker_context_return_value (context, &result);
  g_value_unset (&result);
}

/* ------------------------------------------------------------------------- */
/* Thread task: compress-logs — generate, compress with GZlibCompressor, verify */

static void
compress_logs_thread (TaskerContext *context,
                      gpointer       user_data)
{
  const JobConfig *config = user_data;
  GCancellable *cancellable = tasker_context_get_cancellable (context);
  const guint n_generate = 8;
  const guint n_chunks = 16;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(TaskerContext) phase = NULL;
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GOutputStream) memory_out = NULL;
  g_autoptr(GOutputStream) gzip_out = NULL;
  g_autoptr(GBytes) compressed = NULL;
  g_autoptr(GInputStream) memory_in = NULL;
  g_autoptr(GZlibDecompressor) decompressor = NULL;
  g_autoptr(GInputStream) gunzip_in = NULL;
  g_autoptr(GOutputStream) check_out = NULL;
  g_autoptr(GBytes) roundtrip = NULL;
  g_autoptr(GError) error = NULL;
  gsize chunk_size;

  /* Phase 1 (0 → 25 %): make up a log */
  phase = tasker_context_sub_context (context, 0.0, 0.25, n_generate);
  tasker_context_set_message (phase, "Collecting log lines");
  for (guint step = 0; step < n_generate; step++)
    {
      if (tasker_context_is_cancelled (context))
        return;
      for (guint line = 0; line < 500; line++)
        g_string_append_printf (text, "2024-05-%02u 12:%02u:%02u worker[%u]: job %u done\n",
                                1 + step, line % 60, (line * 7) % 60, line % 4, step * 500 + line);
      nap (config, 25);
      tasker_context_set_progress (phase, step + 1);
    }
  g_clear_object (&phase);

  /* Phase 2 (25 → 85 %): compress it chunk by chunk */
  phase = tasker_context_sub_context (context, 0.25, 0.6, n_chunks);
  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  memory_out = g_memory_output_stream_new_resizable ();
  gzip_out = g_converter_output_stream_new (memory_out, G_CONVERTER (compressor));
  chunk_size = (text->len + n_chunks - 1) / n_chunks;
  for (guint chunk = 0; chunk < n_chunks; chunk++)
    {
      gsize offset = chunk * chunk_size;
      gsize len = MIN (chunk_size, text->len - offset);
      g_autofree char *message = g_strdup_printf ("Compressing chunk %u/%u", chunk + 1, n_chunks);

      tasker_context_set_message (phase, message);
      if (!g_output_stream_write_all (gzip_out, text->str + offset, len, NULL, cancellable, &error))
        {
          tasker_context_return_error (context, g_steal_pointer (&error));
          return;
        }
      nap (config, 30);
      tasker_context_set_progress (phase, chunk + 1);
    }
  if (!g_output_stream_close (gzip_out, cancellable, &error))
    {
      tasker_context_return_error (context, g_steal_pointer (&error));
      return;
    }
  compressed = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory_out));
  g_clear_object (&phase);

  {
    double ratio = (double) g_bytes_get_size (compressed) / text->len;

    tasker_context_send_event (context, "ratio", g_variant_new_double (ratio));
  }

  /* Phase 3 (85 → 100 %): decompress and compare */
  phase = tasker_context_sub_context (context, 0.85, 0.15, 1.0);
  tasker_context_set_message (phase, "Verifying the archive");
  memory_in = g_memory_input_stream_new_from_bytes (compressed);
  decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  gunzip_in = g_converter_input_stream_new (memory_in, G_CONVERTER (decompressor));
  check_out = g_memory_output_stream_new_resizable ();
  if (g_output_stream_splice (check_out, gunzip_in,
                              G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                              cancellable, &error) < 0)
    {
      tasker_context_return_error (context, g_steal_pointer (&error));
      return;
    }
  nap (config, 60);
  tasker_context_set_progress (phase, 0.5);
  roundtrip = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (check_out));
  if (g_bytes_get_size (roundtrip) != text->len ||
      memcmp (g_bytes_get_data (roundtrip, NULL), text->str, text->len) != 0)
    {
      tasker_context_return_new_error (context, TASKER_ERROR, TASKER_ERROR_FAILED,
                                       "the archive does not decompress to the original");
      return;
    }
  nap (config, 60);
  tasker_context_set_progress (phase, 1.0);

  {
    g_autofree char *summary = g_strdup_printf ("%zu -> %zu bytes",
                                                text->len, g_bytes_get_size (compressed));

    tasker_context_set_message (context, "Archive verified");
    tasker_context_return_pointer (context, g_steal_pointer (&summary), g_free);
  }
}

/* ------------------------------------------------------------------------- */
/* Thread task: feed — writes numbered chunks into a pipe, paced */

typedef struct
{
  const JobConfig *config;   /* (unowned) */
  GOutputStream   *out;      /* (owned) write end of the pipe */
} FeedData;

static void
feed_data_free (gpointer data)
{
  FeedData *feed = data;

  g_clear_object (&feed->out);
  g_free (feed);
}

static gboolean
feed_write_line (GOutputStream  *out,
                 GCancellable   *cancellable,
                 const char     *line,
                 GError        **error)
{
  return g_output_stream_write_all (out, line, strlen (line), NULL, cancellable, error);
}

static void
feed_thread (TaskerContext *context,
             gpointer       user_data)
{
  FeedData *feed = user_data;
  GCancellable *cancellable = tasker_context_get_cancellable (context);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GError) error = NULL;
  g_autofree char *hello = g_strdup_printf ("HELLO %u\n", N_FEED_CHUNKS);
  g_autofree char *end = NULL;

  tasker_context_set_total (context, N_FEED_CHUNKS);
  if (!feed_write_line (feed->out, cancellable, hello, &error))
    goto failed;

  for (guint i = 1; i <= N_FEED_CHUNKS; i++)
    {
      g_autofree char *payload = g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) &i, sizeof i);
      g_autofree char *line = g_strdup_printf ("CHUNK %u %s\n", i, payload);
      g_autofree char *message = g_strdup_printf ("Sent chunk %u/%u", i, N_FEED_CHUNKS);

      nap (feed->config, 25);
      g_checksum_update (checksum, (const guchar *) payload, -1);
      if (!feed_write_line (feed->out, cancellable, line, &error))
        goto failed;

      /* Report half-way to the next chunk, so that the display does not
       * always update at the moment a chunk lands in the download */
      nap (feed->config, 20);
      tasker_context_set_message (context, message);
      tasker_context_set_progress (context, i);
    }

  end = g_strdup_printf ("END %s\n", g_checksum_get_string (checksum));
  if (!feed_write_line (feed->out, cancellable, end, &error) ||
      !g_output_stream_close (feed->out, cancellable, &error))
    goto failed;

  tasker_context_set_message (context, "All chunks sent");
  return;

failed:
  tasker_context_return_error (context, g_steal_pointer (&error));
}

/* ------------------------------------------------------------------------- */
/* Coroutine task: checksum — async reads of a file, paced with demo_sleep_async() */

typedef struct
{
  const JobConfig *config;      /* (unowned) */
  TaskerContext   *context;     /* (owned) */
  TaskerContext   *phase;       /* (owned) (nullable) the current phase */
  GFile           *file;        /* (owned) */
  GInputStream    *stream;      /* (owned) (nullable) */
  GChecksum       *checksum;    /* (owned) */
  goffset          size;
  goffset          done;
  gsize            chunk_size;
} ChecksumJob;

static void
checksum_job_free (gpointer data)
{
  ChecksumJob *job = data;

  g_clear_object (&job->context);
  g_clear_object (&job->phase);
  g_clear_object (&job->file);
  g_clear_object (&job->stream);
  g_clear_pointer (&job->checksum, g_checksum_free);
  g_free (job);
}

static void checksum_read_next (ChecksumJob *job);

static void
checksum_fail (ChecksumJob *job,
               GError      *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    tasker_context_set_message (job->context, "Interrupted");
  tasker_context_return_error (job->context, error);
}

static void
checksum_closed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ChecksumJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *message = NULL;

  if (!g_input_stream_close_finish (G_INPUT_STREAM (object), result, &error))
    {
      checksum_fail (job, g_steal_pointer (&error));
      return;
    }

  digest = g_strdup (g_checksum_get_string (job->checksum));
  tasker_context_set_progress (job->phase, 1.0);
  tasker_context_send_event (job->context, "digest", g_variant_new_string (digest));
  message = g_strdup_printf ("Hashed %" G_GOFFSET_FORMAT " bytes", job->done);
  tasker_context_set_message (job->context, message);
  digest[16] = '\0';
  tasker_context_return_pointer (job->context, g_strdup_printf ("sha256 %s...", digest), g_free);
}

static void
checksum_paced_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ChecksumJob *job = user_data;
  g_autoptr(GError) error = NULL;

  if (!demo_sleep_finish (result, &error))
    checksum_fail (job, g_steal_pointer (&error));
  else
    checksum_read_next (job);
}

static void
checksum_read_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ChecksumJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *message = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (bytes == NULL)
    {
      checksum_fail (job, g_steal_pointer (&error));
      return;
    }

  if (g_bytes_get_size (bytes) == 0)
    {
      /* End of file. Phase 3 (95 → 100 %): close the stream */
      g_clear_object (&job->phase);
      job->phase = tasker_context_sub_context (job->context, 0.95, 0.05, 1.0);
      tasker_context_set_message (job->phase, "Closing");
      g_input_stream_close_async (job->stream, G_PRIORITY_DEFAULT,
                                  tasker_context_get_cancellable (job->context),
                                  checksum_closed_cb, job);
      return;
    }

  g_checksum_update (job->checksum, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  job->done += g_bytes_get_size (bytes);
  tasker_context_set_progress (job->phase, (double) job->done);
  message = g_strdup_printf ("Read %" G_GOFFSET_FORMAT " KiB of %" G_GOFFSET_FORMAT " KiB",
                             job->done / 1024, job->size / 1024);
  tasker_context_set_message (job->phase, message);

  demo_sleep_async (scaled_ms (job->config->speed, 40),
                    tasker_context_get_cancellable (job->context),
                    checksum_paced_cb, job);
}

static void
checksum_read_next (ChecksumJob *job)
{
  g_input_stream_read_bytes_async (job->stream, job->chunk_size, G_PRIORITY_DEFAULT,
                                   tasker_context_get_cancellable (job->context),
                                   checksum_read_cb, job);
}

static void
checksum_opened_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ChecksumJob *job = user_data;
  g_autoptr(GError) error = NULL;

  job->stream = G_INPUT_STREAM (g_file_read_finish (G_FILE (object), result, &error));
  if (job->stream == NULL)
    {
      checksum_fail (job, g_steal_pointer (&error));
      return;
    }

  tasker_context_set_progress (job->phase, 1.0);
  g_clear_object (&job->phase);

  /* Phase 2 (5 → 95 %): read it, in units of bytes */
  job->phase = tasker_context_sub_context (job->context, 0.05, 0.9, (double) MAX (job->size, 1));
  checksum_read_next (job);
}

static void
checksum_info_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ChecksumJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = NULL;

  info = g_file_query_info_finish (G_FILE (object), result, &error);
  if (info == NULL)
    {
      checksum_fail (job, g_steal_pointer (&error));
      return;
    }

  job->size = g_file_info_get_size (info);
  job->chunk_size = (gsize) MAX (4096, (job->size + 23) / 24);
  tasker_context_set_progress (job->phase, 0.5);
  g_file_read_async (job->file, G_PRIORITY_DEFAULT,
                     tasker_context_get_cancellable (job->context),
                     checksum_opened_cb, job);
}

static void
checksum_coroutine (TaskerContext *context,
                    gpointer       user_data)
{
  ChecksumJob *job = user_data;
  g_autofree char *basename = NULL;
  g_autofree char *message = NULL;

  job->context = g_object_ref (context);

  /* Phase 1 (0 → 5 %): find the file's size and open it */
  job->phase = tasker_context_sub_context (context, 0.0, 0.05, 1.0);
  basename = g_file_get_basename (job->file);
  message = g_strdup_printf ("Opening %s", basename);
  tasker_context_set_message (job->phase, message);
  g_file_query_info_async (job->file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                           G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                           tasker_context_get_cancellable (context),
                           checksum_info_cb, job);
}

/* ------------------------------------------------------------------------- */
/* Coroutine task: download — async line reads from the feed's pipe */

typedef struct
{
  const JobConfig  *config;     /* (unowned) */
  TaskerContext    *context;    /* (owned) */
  TaskerContext    *phase;      /* (owned) (nullable) */
  GDataInputStream *in;         /* (owned) */
  GChecksum        *checksum;   /* (owned) */
  guint             n_chunks;
  guint             received;
} DownloadJob;

static void
download_job_free (gpointer data)
{
  DownloadJob *job = data;

  g_clear_object (&job->context);
  g_clear_object (&job->phase);
  g_clear_object (&job->in);
  g_clear_pointer (&job->checksum, g_checksum_free);
  g_free (job);
}

static void download_line_cb (GObject      *object,
                              GAsyncResult *result,
                              gpointer      user_data);

static void
download_read_line (DownloadJob *job)
{
  g_data_input_stream_read_line_async (job->in, G_PRIORITY_DEFAULT,
                                       tasker_context_get_cancellable (job->context),
                                       download_line_cb, job);
}

static void
download_interrupted (DownloadJob *job,
                      GError      *error,
                      const char  *doing,
                      guint        chunk)
{
  /* A cancel lands here at once: the read waiting for the next chunk (or the
   * pause while catching up) is interrupted with G_IO_ERROR_CANCELLED. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf ("Interrupted while %s chunk %u/%u",
                                 doing, chunk, job->n_chunks);
      tasker_context_set_message (job->context, message);
      tasker_context_log (job->context, message);
    }
  tasker_context_return_error (job->context, error);
}

static void
download_paced_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  DownloadJob *job = user_data;
  g_autoptr(GError) error = NULL;

  if (!demo_sleep_finish (result, &error))
    download_interrupted (job, g_steal_pointer (&error), "catching up after", job->received);
  else
    download_read_line (job);
}

static void
download_line_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  DownloadJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *message = NULL;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (object), result, NULL, &error);
  if (error != NULL)
    {
      download_interrupted (job, g_steal_pointer (&error), "waiting for", job->received + 1);
      return;
    }
  if (line == NULL)
    {
      tasker_context_return_new_error (job->context, G_IO_ERROR, G_IO_ERROR_CLOSED,
                                       "the feed closed after %u of %u chunks",
                                       job->received, job->n_chunks);
      return;
    }

  if (g_str_has_prefix (line, "HELLO "))
    {
      job->n_chunks = (guint) g_ascii_strtoull (line + 6, NULL, 10);
      tasker_context_set_progress (job->phase, 1.0);
      g_clear_object (&job->phase);

      /* Phase 2 (5 → 95 %): receive the chunks, in units of chunks */
      job->phase = tasker_context_sub_context (job->context, 0.05, 0.9, MAX (job->n_chunks, 1));
      message = g_strdup_printf ("Connected, expecting %u chunks", job->n_chunks);
      tasker_context_set_message (job->phase, message);
    }
  else if (g_str_has_prefix (line, "CHUNK "))
    {
      const char *payload = strchr (line + 6, ' ');

      if (payload != NULL)
        g_checksum_update (job->checksum, (const guchar *) payload + 1, -1);
      job->received++;
      message = g_strdup_printf ("Received chunk %u/%u", job->received, job->n_chunks);
      tasker_context_set_message (job->phase, message);
      tasker_context_set_progress (job->phase, job->received);

      /* Normally the next read waits for the feed. If chunks have piled up
       * (the main loop was held up), pause between them so that the display
       * keeps up, instead of swallowing the backlog between two updates. */
      if (g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (job->in)) > 0)
        {
          demo_sleep_async (scaled_ms (job->config->speed, 8),
                            tasker_context_get_cancellable (job->context),
                            download_paced_cb, job);
          return;
        }
    }
  else if (g_str_has_prefix (line, "END "))
    {
      g_clear_object (&job->phase);
      if (job->received != job->n_chunks ||
          g_strcmp0 (line + 4, g_checksum_get_string (job->checksum)) != 0)
        {
          tasker_context_return_new_error (job->context, TASKER_ERROR, TASKER_ERROR_FAILED,
                                           "checksum mismatch after %u chunks", job->received);
          return;
        }
      message = g_strdup_printf ("Received and verified %u chunks", job->received);
      tasker_context_set_message (job->context, message);
      tasker_context_return_pointer (job->context, g_strdup ("verified"), g_free);
      return;
    }

  download_read_line (job);
}

static void
download_coroutine (TaskerContext *context,
                    gpointer       user_data)
{
  DownloadJob *job = user_data;

  job->context = g_object_ref (context);

  /* Phase 1 (0 → 5 %): wait for the feed's greeting */
  job->phase = tasker_context_sub_context (context, 0.0, 0.05, 1.0);
  tasker_context_set_message (job->phase, "Connecting to the feed");
  download_read_line (job);
}

/* ------------------------------------------------------------------------- */
/* Drawing */

static const char *
status_to_string (TaskerTaskStatus status)
{
  switch (status)
    {
    case TASKER_TASK_STATUS_PENDING:
      return "PENDING";
    case TASKER_TASK_STATUS_RUNNING:
      return "RUNNING";
    case TASKER_TASK_STATUS_COMPLETED:
      return "COMPLETED";
    case TASKER_TASK_STATUS_FAILED:
      return "FAILED";
    case TASKER_TASK_STATUS_CANCELLED:
      return "CANCELLED";
    default:
      return "UNKNOWN";
    }
}

static const char *
kind_to_string (TaskerTaskKind kind)
{
  switch (kind)
    {
    case TASKER_TASK_KIND_THREAD:
      return "thread";
    case TASKER_TASK_KIND_PROCESS:
      return "process";
    case TASKER_TASK_KIND_COROUTINE:
      return "coroutine";
    case TASKER_TASK_KIND_COMMAND:
      return "command";
    case TASKER_TASK_KIND_EXTERNAL:
      return "external";
    default:
      return "unknown";
    }
}

static const char *
status_colour (TaskerTaskStatus status)
{
  switch (status)
    {
    case TASKER_TASK_STATUS_PENDING:
      return "\033[2m";
    case TASKER_TASK_STATUS_RUNNING:
      return "\033[36m";
    case TASKER_TASK_STATUS_COMPLETED:
      return "\033[32m";
    case TASKER_TASK_STATUS_FAILED:
      return "\033[31m";
    case TASKER_TASK_STATUS_CANCELLED:
      return "\033[33m";
    default:
      return "";
    }
}

/* Whole percent, rounded down (a bar never shows 100 % before the end), but
 * tolerant of rounding errors such as 0.99999999999999967 */
static int
to_percent (double fraction)
{
  return (int) floor (CLAMP (fraction, 0.0, 1.0) * 100.0 + 1e-6);
}

static void
append_bar (GString *out,
            double   fraction)
{
  int filled = (int) floor (CLAMP (fraction, 0.0, 1.0) * BAR_WIDTH + 1e-6);

  g_string_append_c (out, '[');
  for (int i = 0; i < BAR_WIDTH; i++)
    g_string_append_c (out, i < filled ? '#' : '.');
  g_string_append_printf (out, "] %3d%%", to_percent (fraction));
}

static double
elapsed_seconds (Demo *demo)
{
  return (g_get_monotonic_time () - demo->start_time) / (double) G_USEC_PER_SEC;
}

static guint
terminal_columns (void)
{
  struct winsize size;

  if (ioctl (STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 20)
    return size.ws_col;
  return 80;
}

/* One table row: "NAME KIND [bar] NN%  STATUS  message". In fancy mode the
 * status is coloured and the message cut so that the line never wraps (a
 * wrapped line would break the cursor arithmetic of the redraw). */
static void
format_row (DemoRow *row,
            GString *line,
            gboolean fancy,
            guint    columns)
{
  TaskerTask *task = row->task;
  TaskerTaskStatus status = tasker_task_get_status (task);
  const char *message = tasker_task_get_message (task);
  gsize visible;

  g_string_append_printf (line, "%-14s %-9s ", tasker_task_get_name (task),
                          kind_to_string (tasker_task_get_kind (task)));
  append_bar (line, tasker_task_get_progress (task));
  visible = line->len + 2 + 9;
  if (fancy)
    g_string_append_printf (line, "  %s%-9s\033[0m", status_colour (status), status_to_string (status));
  else
    g_string_append_printf (line, "  %-9s", status_to_string (status));

  if (message == NULL)
    return;

  if (!fancy)
    {
      g_string_append_printf (line, "  %s", message);
    }
  else if (visible + 2 + 1 < columns)
    {
      glong room = columns - 1 - visible - 2;
      glong len = g_utf8_strlen (message, -1);

      g_string_append (line, "  ");
      if (len <= room)
        g_string_append (line, message);
      else
        g_string_append_len (line, message, g_utf8_offset_to_pointer (message, room) - message);
    }
}

static void
render_fancy (Demo *demo)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint columns = terminal_columns ();
  g_autoptr(GString) line = g_string_new (NULL);

  if (demo->n_lines_drawn > 0)
    g_string_append_printf (out, "\033[%uA", demo->n_lines_drawn);

  for (guint i = 0; i < demo->rows->len; i++)
    {
      g_string_truncate (line, 0);
      format_row (g_ptr_array_index (demo->rows, i), line, TRUE, columns);
      g_string_append_printf (out, "\r\033[2K%s\n", line->str);
    }

  g_string_truncate (line, 0);
  g_string_append_printf (line, "%-14s %-9s ", "overall", "");
  append_bar (line, demo->overall);
  g_string_append_printf (line, "  %.1f s", elapsed_seconds (demo));
  if (demo->cancel_sent && line->len + 26 < columns)
    g_string_append (line, "  (cancelled \"download\")");
  g_string_append_printf (out, "\r\033[2K\033[1m%s\033[0m\n", line->str);

  demo->n_lines_drawn = demo->rows->len + 1;
  fputs (out->str, stdout);
  fflush (stdout);
}

static void
render_plain (Demo *demo)
{
  for (guint i = 0; i < demo->rows->len; i++)
    {
      DemoRow *row = g_ptr_array_index (demo->rows, i);
      TaskerTaskStatus status = tasker_task_get_status (row->task);
      int decile = to_percent (tasker_task_get_progress (row->task)) / 10;
      g_autoptr(GString) line = NULL;

      if (row->printed && row->printed_status == status && row->printed_decile == decile)
        continue;

      row->printed = TRUE;
      row->printed_status = status;
      row->printed_decile = decile;

      line = g_string_new (NULL);
      g_string_append_printf (line, "[%5.2fs] ", elapsed_seconds (demo));
      format_row (row, line, FALSE, 0);
      printf ("%s\n", line->str);
    }
  fflush (stdout);
}

static void
render (Demo *demo)
{
  if (demo->finished)
    return;
  if (demo->fancy)
    render_fancy (demo);
  else
    render_plain (demo);
}

/* ------------------------------------------------------------------------- */
/* Manager and task callbacks, all on the main context */

static DemoRow *
find_row (Demo       *demo,
          TaskerTask *task)
{
  for (guint i = 0; i < demo->rows->len; i++)
    {
      DemoRow *row = g_ptr_array_index (demo->rows, i);

      if (row->task == task)
        return row;
    }
  return NULL;
}

static void
maybe_cancel_download (Demo *demo)
{
  g_autoptr(TaskerTask) download = NULL;

  if (!demo->cancel || demo->cancel_sent)
    return;

  download = tasker_manager_dup_task (demo->manager, "download");
  if (download == NULL || tasker_task_get_progress (download) < 0.5)
    return;

  demo->cancel_sent = TRUE;
  if (!demo->fancy)
    printf ("[%5.2fs] cancelling \"download\" at %d%%\n",
            elapsed_seconds (demo), to_percent (tasker_task_get_progress (download)));
  if (!tasker_manager_cancel_task (demo->manager, "download"))
    g_printerr ("tasker-demo: no live task with the key \"download\"\n");
}

static void
tasks_updated_cb (TaskerManager *manager,
                  GListModel    *tasks,
                  double         progress,
                  gpointer       user_data)
{
  Demo *demo = user_data;

  demo->overall = progress;
  maybe_cancel_download (demo);
  render (demo);
}

static void
task_status_changed_cb (TaskerTask *task,
                        GParamSpec *pspec,
                        gpointer    user_data)
{
  render (user_data);
}

static void
task_event_cb (TaskerTask *task,
               const char *name,
               GVariant   *data,
               gpointer    user_data)
{
  Demo *demo = user_data;
  g_autofree char *text = NULL;

  if (demo->fancy || demo->finished)
    return;

  text = data != NULL ? g_variant_print (data, TRUE) : g_strdup ("(none)");
  printf ("[%5.2fs] event from %s: %s = %s\n",
          elapsed_seconds (demo), tasker_task_get_name (task), name, text);
}

static void
task_done_cb (TaskerTask *task,
              gpointer    user_data)
{
  Demo *demo = user_data;
  DemoRow *row = find_row (demo, task);
  const GError *error;

  g_return_if_fail (row != NULL);
  g_return_if_fail (!row->done);

  row->done = TRUE;
  demo->n_done++;

  switch (tasker_task_get_status (task))
    {
    case TASKER_TASK_STATUS_COMPLETED:
      if (row->result_kind == RESULT_UINT)
        {
          GValue value = G_VALUE_INIT;
          g_autoptr(GError) local_error = NULL;

          if (tasker_task_propagate_value (task, &value, &local_error))
            {
              if (G_VALUE_HOLDS_UINT (&value))
                row->detail = g_strdup_printf ("%u photos", g_value_get_uint (&value));
              else
                row->detail = g_strdup ("(unexpected result type)");
              if (G_IS_VALUE (&value))
                g_value_unset (&value);
            }
          else
            row->detail = g_strdup (local_error->message);
        }
      else if (row->result_kind == RESULT_STRING)
        row->detail = g_strdup (tasker_task_get_result_pointer (task));
      else
        row->detail = g_strdup ("(no result)");
      break;

    case TASKER_TASK_STATUS_FAILED:
    case TASKER_TASK_STATUS_CANCELLED:
      error = tasker_task_get_error (task);
      row->detail = g_strdup (error != NULL ? error->message : "(no error)");
      break;

    case TASKER_TASK_STATUS_PENDING:
    case TASKER_TASK_STATUS_RUNNING:
    default:
      row->detail = g_strdup ("when_done called on an unfinished task");
      break;
    }

  render (demo);

  if (demo->n_done == demo->rows->len)
    g_main_loop_quit (demo->loop);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Demo *demo = user_data;

  demo->timed_out = TRUE;
  demo->timeout_id = 0;
  g_main_loop_quit (demo->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
interrupt_cb (gpointer user_data)
{
  Demo *demo = user_data;

  /* Cancel everything; the loop quits once every when_done has run */
  demo->interrupted = TRUE;
  for (guint i = 0; i < demo->rows->len; i++)
    tasker_task_cancel (((DemoRow *) g_ptr_array_index (demo->rows, i))->task);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------- */
/* Setup */

static void
demo_row_free (gpointer data)
{
  DemoRow *row = data;

  g_clear_object (&row->task);
  g_free (row->detail);
  g_free (row);
}

typedef TaskerTask *(*SubmitFunc) (TaskerManager      *self,
                                   const char         *key,
                                   TaskerTaskOptions  *options,
                                   TaskerTaskFunc      func,
                                   gpointer            user_data,
                                   GDestroyNotify      user_data_destroy,
                                   GError            **error);

static gboolean
demo_submit (Demo             *demo,
             SubmitFunc        submit,
             const char       *name,
             TaskerTaskFunc    func,
             gpointer          user_data,
             GDestroyNotify    user_data_destroy,
             ResultKind        result_kind,
             TaskerTaskStatus  expected_status,
             GError          **error)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  DemoRow *row;
  TaskerTask *task;

  tasker_task_options_set_name (options, name);
  tasker_task_options_set_description (options, "program", "tasker-demo");
  tasker_task_options_set_done_func (options, task_done_cb, demo, NULL);
  tasker_task_options_set_event_func (options, task_event_cb, demo, NULL);

  /* The key is the name, so that the demo can cancel "download" by key */
  task = submit (demo->manager, name, options, func, user_data, user_data_destroy, error);
  if (task == NULL)
    return FALSE;

  row = g_new0 (DemoRow, 1);
  row->demo = demo;
  row->task = task;
  row->result_kind = result_kind;
  row->expected_status = expected_status;
  g_ptr_array_add (demo->rows, row);

  g_signal_connect (task, "notify::status", G_CALLBACK (task_status_changed_cb), demo);

  return TRUE;
}

static gboolean
demo_start (Demo            *demo,
            const JobConfig *config,
            const char      *file_to_hash,
            GError         **error)
{
  int fds[2];
  FeedData *feed;
  ChecksumJob *checksum;
  DownloadJob *download;
  g_autoptr(GInputStream) pipe_in = NULL;

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
    return FALSE;

  pipe_in = g_unix_input_stream_new (fds[0], TRUE);
  demo->feed_in = g_data_input_stream_new (pipe_in);

  if (!demo_submit (demo, tasker_manager_run_thread, "scan-photos",
                    scan_photos_thread, (gpointer) config, NULL,
                    RESULT_UINT, TASKER_TASK_STATUS_COMPLETED, error) ||
      !demo_submit (demo, tasker_manager_run_thread, "compress-logs",
                    compress_logs_thread, (gpointer) config, NULL,
                    RESULT_STRING, TASKER_TASK_STATUS_COMPLETED, error))
    {
      close (fds[1]);
      return FALSE;
    }

  feed = g_new0 (FeedData, 1);
  feed->config = config;
  feed->out = g_unix_output_stream_new (fds[1], TRUE);
  if (!demo_submit (demo, tasker_manager_run_thread, "feed",
                    feed_thread, feed, feed_data_free,
                    RESULT_NONE, TASKER_TASK_STATUS_COMPLETED, error))
    return FALSE;

  checksum = g_new0 (ChecksumJob, 1);
  checksum->config = config;
  checksum->file = g_file_new_for_path (file_to_hash);
  checksum->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  if (!demo_submit (demo, tasker_manager_add_coroutine, "checksum",
                    checksum_coroutine, checksum, checksum_job_free,
                    RESULT_STRING, TASKER_TASK_STATUS_COMPLETED, error))
    return FALSE;

  download = g_new0 (DownloadJob, 1);
  download->config = config;
  download->in = g_object_ref (demo->feed_in);
  download->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  if (!demo_submit (demo, tasker_manager_add_coroutine, "download",
                    download_coroutine, download, download_job_free,
                    RESULT_STRING,
                    demo->cancel ? TASKER_TASK_STATUS_CANCELLED : TASKER_TASK_STATUS_COMPLETED,
                    error))
    return FALSE;

  return TRUE;
}

static gboolean
demo_print_summary (Demo *demo)
{
  gboolean ok = !demo->timed_out && !demo->interrupted;

  if (demo->fancy)
    printf ("\n");

  for (guint i = 0; i < demo->rows->len; i++)
    {
      DemoRow *row = g_ptr_array_index (demo->rows, i);
      TaskerTask *task = row->task;
      TaskerTaskStatus status = tasker_task_get_status (task);
      gint64 started = tasker_task_get_started_time (task);
      gint64 finished = tasker_task_get_finished_time (task);
      double seconds = started > 0 && finished >= started ? (finished - started) / 1e6 : 0.0;
      gboolean as_expected = row->done && status == row->expected_status;

      printf ("summary: %-14s %-9s %-9s %3d%%  %5.2f s  %s%s\n",
              tasker_task_get_name (task),
              kind_to_string (tasker_task_get_kind (task)),
              status_to_string (status),
              to_percent (tasker_task_get_progress (task)),
              seconds,
              row->detail != NULL ? row->detail : "",
              as_expected ? "" : "  (UNEXPECTED)");
      if (!as_expected)
        ok = FALSE;
    }

  if (demo->timed_out)
    printf ("result: timed out waiting for the tasks\n");
  else if (demo->interrupted)
    printf ("result: interrupted\n");
  else
    printf ("result: %s after %.2f s\n",
            ok ? "every task ended as expected" : "some tasks did NOT end as expected",
            elapsed_seconds (demo));
  fflush (stdout);

  return ok;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) option_context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *file_to_hash = NULL;
  gboolean quick = FALSE;
  gboolean plain = FALSE;
  gboolean no_cancel = FALSE;
  double speed = 1.0;
  double timeout_s = 30.0;
  JobConfig config;
  Demo demo = { 0 };
  gboolean ok;
  const char *term;
  const GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "Run about four times faster (for tests)", NULL },
    { "speed", 's', 0, G_OPTION_ARG_DOUBLE, &speed, "Multiply every delay by FACTOR (default 1.0)", "FACTOR" },
    { "plain", 'p', 0, G_OPTION_ARG_NONE, &plain, "Print plain lines even on a terminal", NULL },
    { "no-cancel", 0, 0, G_OPTION_ARG_NONE, &no_cancel, "Let \"download\" complete instead of cancelling it", NULL },
    { "file", 'f', 0, G_OPTION_ARG_FILENAME, &file_to_hash, "The file the checksum task reads (default: this program)", "PATH" },
    { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &timeout_s, "Give up after SECONDS (default 30)", "SECONDS" },
    { NULL }
  };

  setlocale (LC_ALL, "");

  option_context = g_option_context_new ("- run a few Tasker tasks and draw their progress");
  g_option_context_add_main_entries (option_context, entries, NULL);
  if (!g_option_context_parse (option_context, &argc, &argv, &error))
    {
      g_printerr ("tasker-demo: %s\n", error->message);
      return 2;
    }
  if (quick)
    speed *= 0.25;
  if (!(speed > 0.0 && speed <= 100.0))
    {
      g_printerr ("tasker-demo: --speed must be in (0, 100]\n");
      return 2;
    }
  if (file_to_hash == NULL)
    file_to_hash = g_strdup ("/proc/self/exe");

  /* The feed writes into a pipe: never die of SIGPIPE */
  signal (SIGPIPE, SIG_IGN);

  term = g_getenv ("TERM");
  config.speed = speed;
  demo.speed = speed;
  demo.fancy = !plain && isatty (STDOUT_FILENO) && g_strcmp0 (term, "dumb") != 0 && term != NULL;
  demo.cancel = !no_cancel;
  demo.rows = rows = g_ptr_array_new_with_free_func (demo_row_free);
  demo.loop = g_main_loop_new (NULL, FALSE);
  demo.manager = tasker_manager_new (NULL);
  demo.start_time = g_get_monotonic_time ();

  /* Three thread tasks run at once; the coroutines need no thread */
  tasker_manager_set_max_threads (demo.manager, 3);
  g_signal_connect (demo.manager, "tasks-updated", G_CALLBACK (tasks_updated_cb), &demo);

  if (demo.fancy)
    printf ("\033[?25l"); /* hide the cursor while drawing */

  if (!demo_start (&demo, &config, file_to_hash, &error))
    {
      g_printerr ("tasker-demo: cannot submit a task: %s\n", error->message);
      /* Let whatever was submitted end before tearing down */
      demo.interrupted = TRUE;
      interrupt_cb (&demo);
      tasker_manager_wait_until_settled (demo.manager, 5000);
      tasker_manager_shutdown (demo.manager, 1000);
      g_clear_object (&demo.manager);
      if (demo.fancy)
        printf ("\033[?25h");
      return 1;
    }

  render (&demo);

  demo.timeout_id = g_timeout_add ((guint) (timeout_s * 1000), timeout_cb, &demo);
  demo.sigint_id = g_unix_signal_add (SIGINT, interrupt_cb, &demo);
  demo.sigterm_id = g_unix_signal_add (SIGTERM, interrupt_cb, &demo);

  g_main_loop_run (demo.loop);

  g_clear_handle_id (&demo.timeout_id, g_source_remove);
  g_clear_handle_id (&demo.sigint_id, g_source_remove);
  g_clear_handle_id (&demo.sigterm_id, g_source_remove);

  /* Deliver the final "tasks-updated" (empty list, 1.0) before the summary */
  if (!demo.timed_out)
    tasker_manager_wait_until_settled (demo.manager, 2000);
  if (demo.fancy)
    render (&demo);

  ok = demo_print_summary (&demo);
  demo.finished = TRUE;

  if (demo.fancy)
    printf ("\033[?25h");
  fflush (stdout);

  tasker_manager_shutdown (demo.manager, 1000);
  g_signal_handlers_disconnect_by_data (demo.manager, &demo);
  for (guint i = 0; i < demo.rows->len; i++)
    g_signal_handlers_disconnect_by_data (((DemoRow *) g_ptr_array_index (demo.rows, i))->task, &demo);
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_object (&demo.manager);
  g_clear_object (&demo.feed_in);
  g_clear_pointer (&demo.loop, g_main_loop_unref);

  return ok ? 0 : 1;
}
