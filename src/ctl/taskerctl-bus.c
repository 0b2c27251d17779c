/* taskerctl-bus.c: the proxy of the application, and what its errors mean
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * taskerctl talks to io.github.tasker.Tasker1 under the build's application
 * id on the session bus. The proxy does not start the application when it is
 * made (so `--help` paths and a name watch cost nothing), but every call may:
 * the bus activates `tasker --gapplication-service`, which opens no window.
 * Errors are turned into sentences that say what to do.
 */

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "tasker-dbus-error.h"

#include "taskerctl-bus.h"

/* A call may wait for the application to start (a GTK application on a
 * loaded machine): longer than GDBus' 25 s. */
#define CALL_TIMEOUT_MS 120000

/**
 * taskerctl_message:
 *
 * Prints "taskerctl: MESSAGE" on stderr.
 *
 * Returns: 1, the exit status of a failure.
 */
int
taskerctl_message (const char *format,
                   ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "taskerctl: %s\n", text);

  return 1;
}

/**
 * taskerctl_bus_connect:
 *
 * Returns: (transfer full): the proxy, or NULL with @error saying why the
 *   session bus cannot be reached.
 */
TaskerDBusTasker1 *
taskerctl_bus_connect (GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  TaskerDBusTasker1 *proxy;

  /* Registers the application's error names, so they come back as
   * TASKER_DBUS_ERROR. */
  g_type_ensure (G_TYPE_DBUS_ERROR);
  (void) tasker_dbus_error_quark ();

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &local_error);
  if (bus == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("cannot reach the D-Bus session bus (%s); taskerctl talks to Tasker over it: "
                     "run it inside a desktop session, or set DBUS_SESSION_BUS_ADDRESS "
                     "(over SSH: to the session's bus, as in unix:path=/run/user/%u/bus)"),
                   local_error->message, (guint) getuid ());
      return NULL;
    }

  proxy = tasker_dbus_tasker1_proxy_new_sync (bus,
                                              G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START_AT_CONSTRUCTION |
                                              G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                              TASKERCTL_APP_ID, TASKER_DBUS_OBJECT_PATH,
                                              NULL, &local_error);
  if (proxy == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("cannot talk to Tasker on the session bus: %s"), local_error->message);
      return NULL;
    }
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), CALL_TIMEOUT_MS);

  return proxy;
}

/**
 * taskerctl_bus_task_proxy:
 * @proxy: the application's proxy
 * @id: an external task (kind "external", made by CreateTask)
 *
 * The proxy of @id's object (io.github.tasker.Tasker1.Task), on @proxy's
 * connection: no call is made until a report.
 *
 * Returns: (transfer full): the proxy, or NULL with @error.
 */
TaskerDBusTasker1Task *
taskerctl_bus_task_proxy (TaskerDBusTasker1  *proxy,
                          guint64             id,
                          GError            **error)
{
  g_autofree char *path = g_strdup_printf (TASKER_DBUS_TASK_PATH_PREFIX "%" G_GUINT64_FORMAT, id);
  TaskerDBusTasker1Task *task;

  task = tasker_dbus_tasker1_task_proxy_new_sync (g_dbus_proxy_get_connection (G_DBUS_PROXY (proxy)),
                                                  G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START_AT_CONSTRUCTION |
                                                  G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                                  G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                                  TASKERCTL_APP_ID, path, NULL, error);
  if (task != NULL)
    g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (task), CALL_TIMEOUT_MS);
  return task;
}

/**
 * taskerctl_fail:
 * @error: what a call of the application, or taskerctl_bus_connect(), failed with
 * @id: the task the call was about, or 0
 *
 * Prints @error on stderr in words that say what to do, without the remote
 * error's D-Bus name.
 *
 * Returns: 1, the exit status of a failure.
 */
int
taskerctl_fail (const GError *error,
                guint64       id)
{
  g_autoptr(GError) copy = g_error_copy (error);

  g_dbus_error_strip_remote_error (copy);

  if (g_error_matches (copy, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_NO_SUCH_TASK) && id != 0)
    {
      g_autofree char *id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);

      /* Translators: %s is a task's number. */
      return taskerctl_message (_("no task %s; `taskerctl list --all` shows finished ones"), id_text);
    }
  if (g_error_matches (copy, TASKER_DBUS_ERROR, TASKER_DBUS_ERROR_SHUTTING_DOWN))
    return taskerctl_message (_("Tasker is quitting (%s); try again once it has"), copy->message);
  if (copy->domain == G_DBUS_ERROR)
    switch (copy->code)
      {
      case G_DBUS_ERROR_SERVICE_UNKNOWN:
      case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
        return taskerctl_message (_("Tasker is not running and the session bus cannot start it (%s); "
                                    "is Tasker installed, with its D-Bus service file %s.service?"),
                                  copy->message, TASKERCTL_APP_ID);
      case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
      case G_DBUS_ERROR_SPAWN_FORK_FAILED:
      case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
      case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
      case G_DBUS_ERROR_SPAWN_FAILED:
      case G_DBUS_ERROR_SPAWN_SETUP_FAILED:
      case G_DBUS_ERROR_SPAWN_CONFIG_INVALID:
      case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
      case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
      case G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID:
      case G_DBUS_ERROR_SPAWN_FILE_INVALID:
      case G_DBUS_ERROR_SPAWN_NO_MEMORY:
        return taskerctl_message (_("the session bus failed to start Tasker (%s); "
                                    "try starting it yourself: tasker --gapplication-service"),
                                  copy->message);
      case G_DBUS_ERROR_NO_REPLY:
        /* Also what a just-activated Tasker that could not open the
         * display gives: it owned the name, then exited. */
        return taskerctl_message (_("Tasker did not answer (%s); it may have quit, or be busy or stuck. "
                                    "If the call started it, `tasker --gapplication-service` shows why "
                                    "it could not run (it needs a display: DISPLAY or WAYLAND_DISPLAY "
                                    "in the session bus's environment, see dbus-update-activation-environment)"),
                                  copy->message);
      case G_DBUS_ERROR_TIMEOUT:
      case G_DBUS_ERROR_TIMED_OUT:
        return taskerctl_message (_("Tasker did not answer (%s); it may be busy or stuck"), copy->message);
      case G_DBUS_ERROR_UNKNOWN_METHOD:
      case G_DBUS_ERROR_UNKNOWN_OBJECT:
      case G_DBUS_ERROR_UNKNOWN_INTERFACE:
        return taskerctl_message (_("the running Tasker does not offer io.github.tasker.Tasker1 (%s); "
                                    "is it an older version? Quit it and try again"),
                                  copy->message);
      case G_DBUS_ERROR_DISCONNECTED:
        return taskerctl_message (_("lost the session bus (%s)"), copy->message);
      default:
        break;
      }
  if (g_error_matches (copy, G_IO_ERROR, G_IO_ERROR_CLOSED))
    return taskerctl_message (_("lost the session bus (%s)"), copy->message);

  return taskerctl_message ("%s", copy->message);
}
