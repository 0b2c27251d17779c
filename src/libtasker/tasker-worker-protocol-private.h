/* tasker-worker-protocol-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* The frames a manager and its tasker-worker processes exchange over their
 * socketpair. docs/worker-protocol.md describes the wire format. */

/* The version a worker announces in HELLO; bump it on any change of a body. */
#define TASKER_WORKER_PROTOCOL_VERSION 1

/* The largest payload of one frame, in bytes (the 4-byte length excluded). */
#define TASKER_WORKER_PROTOCOL_MAX_FRAME (16 * 1024 * 1024)

/* The bytes before a frame's payload: its length, 32 bits little-endian. */
#define TASKER_WORKER_PROTOCOL_HEADER_SIZE 4

typedef enum
{
  TASKER_WORKER_MSG_HELLO = 1, /* (ui)   worker → manager: version, pid */
  TASKER_WORKER_MSG_RUN,       /* (tsvt) manager → worker: id, "module:symbol", args, trace id */
  TASKER_WORKER_MSG_CANCEL,    /* (t)    manager → worker: task id */
  TASKER_WORKER_MSG_STARTED,   /* (t)    task id */
  TASKER_WORKER_MSG_PROGRESS,  /* (td)   task id, fraction in [0, 1] */
  TASKER_WORKER_MSG_MESSAGE,   /* (tms)  task id, message or nothing */
  TASKER_WORKER_MSG_EVENT,     /* (tsmv) task id, name, data */
  TASKER_WORKER_MSG_LOG,       /* (ts)   task id, line */
  TASKER_WORKER_MSG_RESULT,    /* (tv)   task id, result */
  TASKER_WORKER_MSG_ERROR,     /* (tsis) task id, error domain, code, message */
  TASKER_WORKER_MSG_EXIT,      /* ()     either way: the sender is leaving / leave now */
  TASKER_WORKER_N_MSGS
} TaskerWorkerMsg;

/* The only flag version 1 defines, on RESULT and ERROR frames alone: the
 * task's function returned before any cancel reached it in the worker, so
 * the result stands even if the manager cancelled the task (or it timed out)
 * meanwhile (DESIGN.md §4, Completion wins). */
#define TASKER_WORKER_FLAG_BEFORE_CANCEL (1u << 0)

typedef struct _TaskerWorkerDecoder TaskerWorkerDecoder;

const char          *_tasker_worker_msg_get_name              (TaskerWorkerMsg       type);
const GVariantType  *_tasker_worker_msg_get_body_type         (TaskerWorkerMsg       type);

gboolean             _tasker_worker_protocol_append           (GByteArray           *out,
                                                               TaskerWorkerMsg       type,
                                                               GVariant             *body,
                                                               GError              **error);
void                 _tasker_worker_protocol_append_id        (GByteArray           *out,
                                                               TaskerWorkerMsg       type,
                                                               guint64               task_id);
void                 _tasker_worker_protocol_append_progress  (GByteArray           *out,
                                                               guint64               task_id,
                                                               gdouble               fraction);
gboolean             _tasker_worker_protocol_append_run       (GByteArray           *out,
                                                               guint64               task_id,
                                                               const char           *entry_point,
                                                               GVariant             *args,
                                                               guint64               trace_id,
                                                               GError              **error);
GVariant            *_tasker_worker_protocol_get_result       (GVariant             *body);
gboolean             _tasker_worker_protocol_append_result    (GByteArray           *out,
                                                               guint64               task_id,
                                                               GVariant             *value,
                                                               GError              **error);
void                 _tasker_worker_protocol_set_flags        (GByteArray           *out,
                                                               gsize                 frame_offset,
                                                               guint32               flags);
gboolean             _tasker_worker_protocol_check_hello      (GVariant             *body,
                                                               gint32               *pid,
                                                               GError              **error);

TaskerWorkerDecoder *_tasker_worker_decoder_new               (void);
void                 _tasker_worker_decoder_free              (TaskerWorkerDecoder  *self);
void                 _tasker_worker_decoder_feed              (TaskerWorkerDecoder  *self,
                                                               const guint8         *data,
                                                               gsize                 len);
gboolean             _tasker_worker_decoder_next              (TaskerWorkerDecoder  *self,
                                                               TaskerWorkerMsg      *type,
                                                               GVariant            **body,
                                                               GError              **error);
gboolean             _tasker_worker_decoder_end               (TaskerWorkerDecoder  *self,
                                                               GError              **error);
gsize                _tasker_worker_decoder_get_buffered_size (TaskerWorkerDecoder  *self);
guint32              _tasker_worker_decoder_get_flags         (TaskerWorkerDecoder  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TaskerWorkerDecoder, _tasker_worker_decoder_free)

G_END_DECLS
