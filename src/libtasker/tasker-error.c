/* tasker-error.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-error.h"

G_DEFINE_QUARK (tasker-error-quark, tasker_error)
