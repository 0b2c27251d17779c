/* main.c: the tasker executable
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "tasker-app-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TaskerAppApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, TASKER_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Tasker"));

  app = tasker_app_application_new (TASKER_APP_ID, G_APPLICATION_DEFAULT_FLAGS, NULL);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
