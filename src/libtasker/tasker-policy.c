/* tasker-policy.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>

#include "tasker-task-options-private.h"

/* A task's policies (DESIGN.md §4): resolved at submit from its options,
 * the manager's defaults and the built-in ones; the retry delay. */

void
_tasker_policy_clear (TaskerPolicy *self)
{
  g_clear_pointer (&self->queue, g_free);
}

void
_tasker_policy_resolve (const TaskerPolicy *self,
                        const TaskerPolicy *defaults,
                        TaskerPolicy       *out)
{
  const TaskerPolicy builtin = {
    .max_attempts = 1,
    .retry_delay_ms = 1000,
    .retry_factor = 2.0,
  };
  const TaskerPolicy *layers[] = { self, defaults, &builtin };
  TaskerPolicy result = builtin;

  /* Most tasks and managers set nothing: the built-in policy, no copy. */
  if ((self == NULL || self->set == 0) && (defaults == NULL || defaults->set == 0))
    {
      *out = builtin;
      return;
    }

  /* The first layer that gives a field wins. */
#define PICK(bit, field)                                                        \
  for (guint i = 0; i < G_N_ELEMENTS (layers); i++)                             \
    if (layers[i] != NULL && (layers[i] == &builtin || (layers[i]->set & (bit)))) \
      {                                                                         \
        result.field = layers[i]->field;                                        \
        break;                                                                  \
      }
  PICK (TASKER_POLICY_TIMEOUT, timeout_ms)
  PICK (TASKER_POLICY_MAX_ATTEMPTS, max_attempts)
  PICK (TASKER_POLICY_RETRY_DELAY, retry_delay_ms)
  PICK (TASKER_POLICY_RETRY_FACTOR, retry_factor)
  PICK (TASKER_POLICY_RETRY_MAX_DELAY, retry_max_delay_ms)
  PICK (TASKER_POLICY_RETRY_JITTER, retry_jitter)
  PICK (TASKER_POLICY_QUEUE, queue)
  PICK (TASKER_POLICY_PRIORITY, priority)
#undef PICK

  result.set = 0;
  result.queue = g_strdup (result.queue);
  *out = result;
}

/* The delay before the attempt after @attempt (1 for the first), in ms:
 * delay × factor^(attempt − 1), capped, then moved by up to ± jitter × it,
 * @random (in [0, 1)) saying where in that span. */
guint
_tasker_policy_retry_delay (const TaskerPolicy *self,
                            guint               attempt,
                            double              random)
{
  double delay = self->retry_delay_ms * pow (self->retry_factor, attempt > 0 ? attempt - 1 : 0);

  if (self->retry_max_delay_ms > 0 && delay > self->retry_max_delay_ms)
    delay = self->retry_max_delay_ms;
  delay *= 1.0 + self->retry_jitter * (2.0 * random - 1.0);

  return (guint) CLAMP (delay + 0.5, 0.0, (double) G_MAXUINT);
}
