/* tasker-task-log.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "tasker-task-private.h"

/* A task's log: lines stamped with the local time and the task's trace id,
 * kept within the bounds set at submit (older lines dropped, with one
 * marker; long lines cut), under the task's lock, readable from any thread.
 * In a worker process the lines go to the task's sink instead. */

/* The longest prefix of @text (@len bytes) that has at most @max bytes and
 * does not end inside a UTF-8 sequence. */
gsize
_tasker_utf8_cut (const char *text,
                  gsize       len,
                  gsize       max)
{
  gsize cut;

  if (len <= max)
    return len;

  /* Back over continuation bytes to the start of the cut character. */
  cut = max;
  for (guint i = 0; i < 3 && cut > 0 && ((guchar) text[cut] & 0xC0) == 0x80; i++)
    cut--;

  return cut;
}

/* "HH:MM:SS.mmm [trace id] text", and a marker for what a line longer than
 * TASKER_TASK_LOG_LINE_MAX lost. The trace ties lines of several tasks,
 * processes and programs together. */
static char *
format_log_line (GDateTime  *now,
                 guint64     trace_id,
                 const char *text,
                 gsize       len,
                 gsize       cut)
{
  g_autofree char *valid = NULL;
  gsize keep = _tasker_utf8_cut (text, len, TASKER_TASK_LOG_LINE_MAX);

  cut += len - keep;
  if (!g_utf8_validate_len (text, keep, NULL))
    text = valid = g_utf8_make_valid (text, keep), keep = strlen (valid);

  if (cut > 0)
    return g_strdup_printf ("%02d:%02d:%02d.%03d [%016" G_GINT64_MODIFIER "x] %.*s … [cut %"
                            G_GSIZE_FORMAT " bytes]",
                            g_date_time_get_hour (now),
                            g_date_time_get_minute (now),
                            g_date_time_get_second (now),
                            g_date_time_get_microsecond (now) / 1000,
                            trace_id, (int) keep, text, cut);

  return g_strdup_printf ("%02d:%02d:%02d.%03d [%016" G_GINT64_MODIFIER "x] %.*s",
                          g_date_time_get_hour (now),
                          g_date_time_get_minute (now),
                          g_date_time_get_second (now),
                          g_date_time_get_microsecond (now) / 1000,
                          trace_id, (int) keep, text);
}

/* Keeps the newest lines within the task's bounds; what goes is counted for
 * the one marker line tasker_task_dup_log() shows. The newest line always
 * stays. */
static void
push_log_line_locked (TaskerTask *self,
                      char       *line)
{
  TaskerTaskLogLines *log = self->log;

  if (log == NULL)
    log = self->log = g_new0 (TaskerTaskLogLines, 1);

  g_queue_push_tail (&log->lines, line);
  log->bytes += strlen (line);

  while (log->lines.length > 1 &&
         ((self->log_max_lines > 0 && log->lines.length > self->log_max_lines) ||
          (self->log_max_bytes > 0 && log->bytes > self->log_max_bytes)))
    {
      char *oldest = g_queue_pop_head (&log->lines);

      log->bytes -= strlen (oldest);
      log->dropped++;
      g_free (oldest);
    }
}

/* The task's lines, or none. */
static const TaskerTaskLogLines *
peek_log_locked (TaskerTask *self)
{
  static const TaskerTaskLogLines no_lines = { G_QUEUE_INIT, 0, 0 };

  return self->log != NULL ? self->log : &no_lines;
}

void
_tasker_task_log_free (TaskerTaskLogLines *log)
{
  g_queue_clear_full (&log->lines, g_free);
  g_free (log);
}

void
_tasker_task_append_log (TaskerTask *self,
                         const char *text)
{
  g_autoptr(GDateTime) now = NULL;
  const char *line = text;

  /* In a worker, the manager's side stamps and keeps the lines. */
  if (self->sink->log != NULL)
    {
      self->sink->log (self, text);
      return;
    }

  now = g_date_time_new_now_local ();

  g_mutex_lock (&self->lock);
  /* An external task's owner may log after the task ended (its cancel's
   * grace passed): what it ended with stays as it was. */
  if (self->final && self->kind == TASKER_TASK_KIND_EXTERNAL)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  do
    {
      const char *end = strchr (line, '\n');
      gsize len = end != NULL ? (gsize) (end - line) : strlen (line);
      gsize shown = len > 0 && line[len - 1] == '\r' ? len - 1 : len;

      /* A trailing newline does not make an empty line; \r\n ends one too. */
      if (end == NULL || end[1] != '\0' || len > 0)
        push_log_line_locked (self, format_log_line (now, self->trace_id, line, shown, 0));
      line = end != NULL ? end + 1 : NULL;
    }
  while (line != NULL && *line != '\0');
  g_mutex_unlock (&self->lock);
}

/* One line of output (@len bytes, any bytes but newlines), of which @cut
 * more were already dropped by whoever read it. */
void
_tasker_task_append_log_line (TaskerTask *self,
                              const char *line,
                              gsize       len,
                              gsize       cut)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  char *formatted = format_log_line (now, self->trace_id, line, len, cut);

  g_mutex_lock (&self->lock);
  push_log_line_locked (self, formatted);
  g_mutex_unlock (&self->lock);
}

static char *
format_marker (const TaskerTaskLogLines *log)
{
  const char *oldest = log->lines.head->data;

  return g_strdup_printf ("%.12s … %u earlier lines dropped", oldest, log->dropped);
}

/**
 * tasker_task_dup_log:
 * @self: a #TaskerTask
 *
 * Copies the task's log: one line per entry, each a local time
 * (`HH:MM:SS.mmm`), the task's trace id in brackets (16 hex digits, see
 * [method@Tasker.Task.get_trace_id]) and the text, separated by spaces:
 * `12:04:33.016 [0000a1c3002a0000] copying`. The log keeps the newest lines
 * within [property@Tasker.Manager:log-max-lines] and
 * [property@Tasker.Manager:log-max-bytes] (as they were when the task was
 * submitted); when older ones were dropped, the first line says how many
 * (`… 12 earlier lines dropped`). A line longer than 64 KiB is cut and ends
 * with `… [cut N bytes]`. Safe from any thread.
 *
 * Returns: (transfer full) (array zero-terminated=1): the log lines
 *
 * Since: 1.0
 */
char **
tasker_task_dup_log (TaskerTask *self)
{
  const TaskerTaskLogLines *log;
  GPtrArray *lines;

  g_return_val_if_fail (TASKER_IS_TASK (self), NULL);

  g_mutex_lock (&self->lock);
  log = peek_log_locked (self);
  lines = g_ptr_array_sized_new (log->lines.length + 2);
  if (log->dropped > 0)
    g_ptr_array_add (lines, format_marker (log));
  for (const GList *l = log->lines.head; l != NULL; l = l->next)
    g_ptr_array_add (lines, g_strdup (l->data));
  g_mutex_unlock (&self->lock);

  g_ptr_array_add (lines, NULL);

  return (char **) g_ptr_array_free (lines, FALSE);
}

/**
 * tasker_task_dup_log_since:
 * @self: a #TaskerTask
 * @position: how many lines of the log were read before: 0 the first time,
 *   then the @next_position of the last call
 * @next_position: (out): where the next call starts: the number of lines
 *   the task has logged so far
 * @n_dropped: (out) (optional): how many of the oldest lines the log has
 *   dropped so far (line numbers below it are gone)
 *
 * Copies the lines logged since @position that the log still holds, as
 * [method@Tasker.Task.dup_log] gives them but without the marker line: a
 * view that follows a running task's log reads only what is new at each
 * refresh, and drops from its own start what the task dropped. Line `i`
 * (counting from 0 since the task started) is `i - @position` in the result
 * when @position is at least @n_dropped; lines dropped before they were read
 * are skipped, and the result then starts at line @n_dropped. Safe from any
 * thread.
 *
 * Returns: (transfer full) (array zero-terminated=1): the new lines
 *
 * Since: 1.0
 */
char **
tasker_task_dup_log_since (TaskerTask *self,
                           guint64     position,
                           guint64    *next_position,
                           guint64    *n_dropped)
{
  const TaskerTaskLogLines *log;
  GPtrArray *lines;
  guint64 first, total;
  const GList *l;

  g_return_val_if_fail (TASKER_IS_TASK (self), NULL);
  g_return_val_if_fail (next_position != NULL, NULL);

  g_mutex_lock (&self->lock);
  log = peek_log_locked (self);
  first = log->dropped;
  total = first + log->lines.length;
  position = CLAMP (position, first, total);
  lines = g_ptr_array_sized_new (total - position + 1);
  /* The new lines are at the end: walk back to the first of them. */
  l = log->lines.tail;
  for (guint64 i = total; i > position + 1 && l != NULL; i--)
    l = l->prev;
  for (; position < total && l != NULL; l = l->next)
    g_ptr_array_add (lines, g_strdup (l->data));
  g_mutex_unlock (&self->lock);

  g_ptr_array_add (lines, NULL);
  *next_position = total;
  if (n_dropped != NULL)
    *n_dropped = first;

  return (char **) g_ptr_array_free (lines, FALSE);
}

/* The log as tasker_task_dup_log() gives it, joined with newlines in one
 * copy (at most the task's byte bound); %NULL when there is none. */
char *
_tasker_task_dup_log_text (TaskerTask *self)
{
  const TaskerTaskLogLines *log;
  GString *text;

  g_mutex_lock (&self->lock);
  log = peek_log_locked (self);
  if (log->lines.length == 0)
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  text = g_string_sized_new (log->bytes + log->lines.length + 64);
  if (log->dropped > 0)
    {
      g_autofree char *marker = format_marker (log);

      g_string_append (text, marker);
      g_string_append_c (text, '\n');
    }
  for (const GList *l = log->lines.head; l != NULL; l = l->next)
    {
      g_string_append (text, l->data);
      if (l->next != NULL)
        g_string_append_c (text, '\n');
    }
  g_mutex_unlock (&self->lock);

  return g_string_free (text, FALSE);
}
