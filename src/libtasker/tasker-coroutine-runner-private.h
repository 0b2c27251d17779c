/* tasker-coroutine-runner-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#ifndef TASKER_COMPILATION
# error "This header is private to libtasker and its tests."
#endif

#include "tasker-task.h"

G_BEGIN_DECLS

void _tasker_coroutine_runner_start (TaskerTask *task);

G_END_DECLS
