/* tasker-remote-flusher-private.h: one UpdateTasks call per interval for the
 * remote tasks of a connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "tasker-remote-flusher-private.h is private to libtasker"
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

#define TASKER_DBUS_INTERFACE "io.github.tasker.Tasker1"
#define TASKER_DBUS_TASK_INTERFACE "io.github.tasker.Tasker1.Task"
#define TASKER_DBUS_PATH "/io/github/tasker/Tasker"

/* What one task holds back for its next flush (DESIGN.md §9): at most
 * this many log lines and bytes; older lines are dropped with a marker. */
#define TASKER_REMOTE_MAX_PENDING_LINES 1000
#define TASKER_REMOTE_MAX_PENDING_BYTES (1024 * 1024)
/* Log text one UpdateTasks call carries at most; the rest follows in the
 * next call, right after the reply. */
#define TASKER_REMOTE_MAX_CALL_BYTES (4 * 1024 * 1024)

#define TASKER_TYPE_REMOTE_FLUSHER (_tasker_remote_flusher_get_type ())

G_DECLARE_FINAL_TYPE (TaskerRemoteFlusher, _tasker_remote_flusher, TASKER, REMOTE_FLUSHER, GObject)

/* A task's pending changes, owned by its flusher. */
typedef struct _TaskerRemoteUpdate TaskerRemoteUpdate;

/* Called on the flusher's context when the application sets a task's
 * CancelRequested; @owner is the object given to _tasker_remote_flusher_add(). */
typedef void (*TaskerRemoteCancelFunc) (GObject *owner);

TaskerRemoteFlusher *_tasker_remote_flusher_acquire      (GDBusConnection        *connection,
                                                          const char             *bus_name,
                                                          GMainContext           *context,
                                                          TaskerRemoteCancelFunc  cancel_func);
GDBusConnection     *_tasker_remote_flusher_get_connection (TaskerRemoteFlusher  *self);
const char          *_tasker_remote_flusher_get_bus_name (TaskerRemoteFlusher    *self);
TaskerRemoteUpdate  *_tasker_remote_flusher_add          (TaskerRemoteFlusher    *self,
                                                          guint64                 id,
                                                          const char             *object_path,
                                                          GObject                *owner,
                                                          guint                   interval_ms);
void                 _tasker_remote_flusher_remove       (TaskerRemoteFlusher    *self,
                                                          TaskerRemoteUpdate     *update);
void                 _tasker_remote_flusher_set_interval (TaskerRemoteFlusher    *self,
                                                          TaskerRemoteUpdate     *update,
                                                          guint                   interval_ms);
void                 _tasker_remote_flusher_set_progress (TaskerRemoteFlusher    *self,
                                                          TaskerRemoteUpdate     *update,
                                                          double                  progress);
void                 _tasker_remote_flusher_set_total    (TaskerRemoteFlusher    *self,
                                                          TaskerRemoteUpdate     *update,
                                                          double                  total);
void                 _tasker_remote_flusher_set_message  (TaskerRemoteFlusher    *self,
                                                          TaskerRemoteUpdate     *update,
                                                          const char             *message);
void                 _tasker_remote_flusher_log          (TaskerRemoteFlusher    *self,
                                                          TaskerRemoteUpdate     *update,
                                                          const char             *text);
void                 _tasker_remote_flusher_end          (TaskerRemoteFlusher    *self,
                                                          TaskerRemoteUpdate     *update);

G_END_DECLS
