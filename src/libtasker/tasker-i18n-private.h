/* tasker-i18n-private.h: the library's own translations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib/gi18n-lib.h>

G_BEGIN_DECLS

/* The few messages the library makes for people (a schedule's spec errors,
 * "Starts at 03:00") are in the "tasker" domain, which a program that is not
 * the application has not bound: the library binds it itself, once. */
static inline void
_tasker_i18n_init (void)
{
  static gsize bound;

  if (g_once_init_enter (&bound))
    {
      bindtextdomain (GETTEXT_PACKAGE, TASKER_LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&bound, 1);
    }
}

G_END_DECLS
