/* tasker-error.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-error.h"

/**
 * tasker_error_quark:
 *
 * Gets the quark of the %TASKER_ERROR domain.
 *
 * Returns: the error domain's quark
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (tasker-error-quark, tasker_error)
