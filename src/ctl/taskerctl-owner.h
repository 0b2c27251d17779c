/* taskerctl-owner.h: which process a task of `taskerctl report create`
 * belongs to
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

pid_t taskerctl_owner_pid (pid_t parent);

G_END_DECLS
