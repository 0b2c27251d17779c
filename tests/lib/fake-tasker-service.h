/* fake-tasker-service.h: the application's CreateTask, UpdateTasks and Task
 * objects, recorded, for TaskerRemoteTask's tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A second connection to the session bus (a GTestDBus in the tests), owning
 * @bus_name on a thread of its own, so that a client's sync calls on the test's
 * thread get their answers. It implements the contract's signatures (read
 * from data/io.github.tasker.Tasker1.xml), records every call, and answers:
 *   CreateTask "limit" → LimitExceeded; otherwise a new task, ids from 1;
 *   Complete/Fail on a task named "deny" → AccessDenied, "nosuch" →
 *   NoSuchTask, a task that ended → TaskEnded. */
typedef struct _FakeService FakeService;

typedef struct
{
  char     *method;       /* (owned) */
  char     *object_path;  /* (owned) */
  GVariant *parameters;   /* (owned) */
} FakeCall;

FakeService *fake_service_new              (const char  *bus_name);
void         fake_service_free             (FakeService *self);
guint        fake_service_count            (FakeService *self,
                                            const char  *method);
/* A copy of the calls so far, in order. Returns: (element-type FakeCall) */
GPtrArray   *fake_service_dup_calls        (FakeService *self);
/* Emits PropertiesChanged(CancelRequested = @value) for task @id. */
void         fake_service_set_cancel_requested (FakeService *self,
                                                guint64      id,
                                                gboolean     value);
/* The `log` lines UpdateTasks carried for task @id, in order. */
GPtrArray   *fake_service_dup_log          (FakeService *self,
                                            guint64      id);
/* The last `progress` UpdateTasks carried for task @id (-1: none). */
double       fake_service_last_progress    (FakeService *self,
                                            guint64      id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeService, fake_service_free)

G_END_DECLS
