/* tasker.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TASKER_INSIDE
# include "tasker-version.h"
# include "tasker-version-macros.h"
# include "tasker-enums.h"
# include "tasker-error.h"
# include "tasker-task.h"
# include "tasker-context.h"
# include "tasker-task-options.h"
# include "tasker-history-record.h"
# include "tasker-history-query.h"
# include "tasker-manager.h"
# include "tasker-remote-task.h"
# include "tasker-clock.h"
# include "tasker-schedule.h"
#undef TASKER_INSIDE

G_END_DECLS
