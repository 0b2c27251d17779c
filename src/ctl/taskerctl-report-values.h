/* taskerctl-report-values.h: what `taskerctl report` reads from its command
 * line and its standard input
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A progress as `taskerctl report progress` takes it: @value for
 * SetProgress, after @total for SetTotal when @has_total. */
typedef struct
{
  double   value;
  double   total;
  gboolean has_total;
} TaskerctlProgress;

gboolean taskerctl_parse_progress (const char         *text,
                                   TaskerctlProgress  *out,
                                   GError            **error);
gboolean taskerctl_parse_total    (const char         *option,
                                   const char         *text,
                                   double             *out,
                                   GError            **error);

typedef struct _TaskerctlLogBatch TaskerctlLogBatch;

TaskerctlLogBatch *taskerctl_log_batch_new      (void);
void               taskerctl_log_batch_free     (TaskerctlLogBatch *self);
void               taskerctl_log_batch_add      (TaskerctlLogBatch *self,
                                                 const char        *data,
                                                 gsize              len);
gsize              taskerctl_log_batch_pending  (TaskerctlLogBatch *self);
gboolean           taskerctl_log_batch_has_line (TaskerctlLogBatch *self);
char              *taskerctl_log_batch_take     (TaskerctlLogBatch *self,
                                                 gboolean           at_end);

/* The most a batch holds, and so a Log call carries. */
#define TASKERCTL_LOG_BATCH_MAX (256 * 1024)
/* A line longer than this is sent in pieces (the application cuts a log
 * line there anyway). */
#define TASKERCTL_LOG_LINE_MAX (64 * 1024)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TaskerctlLogBatch, taskerctl_log_batch_free)

G_END_DECLS
