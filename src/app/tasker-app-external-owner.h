/* tasker-app-external-owner.h: the program an external task belongs to
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _TaskerAppExternalOwner TaskerAppExternalOwner;

/* The owner has gone (left the bus, or exited); called once, in the main
 * context. */
typedef void (*TaskerAppExternalOwnerGoneFunc) (TaskerAppExternalOwner *owner,
                                                gpointer                user_data);

TaskerAppExternalOwner *tasker_app_external_owner_new_for_name (GDBusConnection                *connection,
                                                                const char                     *name,
                                                                guint32                         pid,
                                                                TaskerAppExternalOwnerGoneFunc  gone,
                                                                gpointer                        user_data);
TaskerAppExternalOwner *tasker_app_external_owner_new_for_pid  (guint32                         pid,
                                                                guint32                         caller_uid,
                                                                TaskerAppExternalOwnerGoneFunc  gone,
                                                                gpointer                        user_data,
                                                                GError                        **error);
TaskerAppExternalOwner *tasker_app_external_owner_ref          (TaskerAppExternalOwner         *self);
void                    tasker_app_external_owner_unref        (TaskerAppExternalOwner         *self);
void                    tasker_app_external_owner_stop_watching (TaskerAppExternalOwner        *self);
const char             *tasker_app_external_owner_get_key      (TaskerAppExternalOwner         *self);
const char             *tasker_app_external_owner_get_name     (TaskerAppExternalOwner         *self);
guint32                 tasker_app_external_owner_get_pid      (TaskerAppExternalOwner         *self);
const char             *tasker_app_external_owner_get_program  (TaskerAppExternalOwner         *self);
guint                   tasker_app_external_owner_get_n_tasks  (TaskerAppExternalOwner         *self);
void                    tasker_app_external_owner_add_task     (TaskerAppExternalOwner         *self);
guint                   tasker_app_external_owner_remove_task  (TaskerAppExternalOwner         *self);
gboolean                tasker_app_external_owner_needs_pid    (TaskerAppExternalOwner         *self,
                                                                const char                     *sender,
                                                                const char                     *creator);
gboolean                tasker_app_external_owner_accepts      (TaskerAppExternalOwner         *self,
                                                                const char                     *sender,
                                                                const char                     *creator,
                                                                guint32                         sender_pid);
char                   *tasker_app_external_owner_key_for_name (const char                     *name) G_GNUC_WARN_UNUSED_RESULT;
char                   *tasker_app_external_owner_key_for_pid  (guint32                         pid) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TaskerAppExternalOwner, tasker_app_external_owner_unref)

G_END_DECLS
