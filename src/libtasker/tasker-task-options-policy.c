/* tasker-task-options-policy.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-task-options-private.h"

/* The accessors of the options that make a task's policy (DESIGN.md §4):
 * timeout, retry, queue and priority, one getter and one setter per
 * property, named after it. They read the options' policy and write through
 * the properties, whose setter refuses changes once the options are sealed
 * and records which policies were given. */

/**
 * tasker_task_options_get_timeout_ms:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:timeout-ms].
 *
 * Returns: the timeout in milliseconds, 0 for none
 *
 * Since: 1.0
 */
guint
tasker_task_options_get_timeout_ms (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), 0);

  return _tasker_task_options_get_policy (self)->timeout_ms;
}

/**
 * tasker_task_options_set_timeout_ms:
 * @self: a #TaskerTaskOptions
 * @timeout_ms: how long an attempt may run, in milliseconds; 0 for no limit
 *
 * Sets [property@Tasker.TaskOptions:timeout-ms].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_timeout_ms (TaskerTaskOptions *self,
                                    guint              timeout_ms)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  g_object_set (self, "timeout-ms", timeout_ms, NULL);
}

/**
 * tasker_task_options_get_max_attempts:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:max-attempts].
 *
 * Returns: how many attempts in all, counting the first
 *
 * Since: 1.0
 */
guint
tasker_task_options_get_max_attempts (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), 0);

  return _tasker_task_options_get_policy (self)->max_attempts;
}

/**
 * tasker_task_options_set_max_attempts:
 * @self: a #TaskerTaskOptions
 * @max_attempts: how many attempts in all, counting the first; at least 1
 *
 * Sets [property@Tasker.TaskOptions:max-attempts].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_max_attempts (TaskerTaskOptions *self,
                                      guint              max_attempts)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));
  g_return_if_fail (max_attempts >= 1);

  g_object_set (self, "max-attempts", max_attempts, NULL);
}

/**
 * tasker_task_options_get_retry_delay_ms:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:retry-delay-ms].
 *
 * Returns: the delay before the second attempt, in milliseconds
 *
 * Since: 1.0
 */
guint
tasker_task_options_get_retry_delay_ms (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), 0);

  return _tasker_task_options_get_policy (self)->retry_delay_ms;
}

/**
 * tasker_task_options_set_retry_delay_ms:
 * @self: a #TaskerTaskOptions
 * @retry_delay_ms: the delay before the second attempt, in milliseconds
 *
 * Sets [property@Tasker.TaskOptions:retry-delay-ms].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_retry_delay_ms (TaskerTaskOptions *self,
                                        guint              retry_delay_ms)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  g_object_set (self, "retry-delay-ms", retry_delay_ms, NULL);
}

/**
 * tasker_task_options_get_retry_factor:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:retry-factor].
 *
 * Returns: what each further delay is multiplied by
 *
 * Since: 1.0
 */
double
tasker_task_options_get_retry_factor (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), 0.0);

  return _tasker_task_options_get_policy (self)->retry_factor;
}

/**
 * tasker_task_options_set_retry_factor:
 * @self: a #TaskerTaskOptions
 * @retry_factor: what each further delay is multiplied by, from 1 to 1000
 *
 * Sets [property@Tasker.TaskOptions:retry-factor].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_retry_factor (TaskerTaskOptions *self,
                                      double             retry_factor)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));
  g_return_if_fail (retry_factor >= 1.0 && retry_factor <= 1000.0);

  g_object_set (self, "retry-factor", retry_factor, NULL);
}

/**
 * tasker_task_options_get_retry_max_delay_ms:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:retry-max-delay-ms].
 *
 * Returns: the longest delay, in milliseconds; 0 for no cap
 *
 * Since: 1.0
 */
guint
tasker_task_options_get_retry_max_delay_ms (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), 0);

  return _tasker_task_options_get_policy (self)->retry_max_delay_ms;
}

/**
 * tasker_task_options_set_retry_max_delay_ms:
 * @self: a #TaskerTaskOptions
 * @max_delay_ms: the longest delay, in milliseconds; 0 for no cap
 *
 * Sets [property@Tasker.TaskOptions:retry-max-delay-ms].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_retry_max_delay_ms (TaskerTaskOptions *self,
                                            guint              max_delay_ms)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  g_object_set (self, "retry-max-delay-ms", max_delay_ms, NULL);
}

/**
 * tasker_task_options_get_retry_jitter:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:retry-jitter].
 *
 * Returns: how much a delay may vary at random, a fraction from 0 to 1
 *
 * Since: 1.0
 */
double
tasker_task_options_get_retry_jitter (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), 0.0);

  return _tasker_task_options_get_policy (self)->retry_jitter;
}

/**
 * tasker_task_options_set_retry_jitter:
 * @self: a #TaskerTaskOptions
 * @retry_jitter: how much a delay may vary at random, a fraction from 0 to 1
 *
 * Sets [property@Tasker.TaskOptions:retry-jitter].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_retry_jitter (TaskerTaskOptions *self,
                                      double             retry_jitter)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));
  g_return_if_fail (retry_jitter >= 0.0 && retry_jitter <= 1.0);

  g_object_set (self, "retry-jitter", retry_jitter, NULL);
}

/**
 * tasker_task_options_get_queue:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:queue].
 *
 * Returns: (nullable): the queue's name, or %NULL for the default queue
 *
 * Since: 1.0
 */
const char *
tasker_task_options_get_queue (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), NULL);

  return _tasker_task_options_get_policy (self)->queue;
}

/**
 * tasker_task_options_set_queue:
 * @self: a #TaskerTaskOptions
 * @queue: (nullable): the queue's name, or %NULL for the default queue
 *
 * Sets [property@Tasker.TaskOptions:queue].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_queue (TaskerTaskOptions *self,
                               const char        *queue)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  g_object_set (self, "queue", queue, NULL);
}

/**
 * tasker_task_options_get_priority:
 * @self: a #TaskerTaskOptions
 *
 * Gets [property@Tasker.TaskOptions:priority].
 *
 * Returns: the task's place among those waiting: lower runs first
 *
 * Since: 1.0
 */
int
tasker_task_options_get_priority (TaskerTaskOptions *self)
{
  g_return_val_if_fail (TASKER_IS_TASK_OPTIONS (self), 0);

  return _tasker_task_options_get_policy (self)->priority;
}

/**
 * tasker_task_options_set_priority:
 * @self: a #TaskerTaskOptions
 * @priority: the task's place among those waiting: lower runs first
 *
 * Sets [property@Tasker.TaskOptions:priority].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_priority (TaskerTaskOptions *self,
                                  int                priority)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));

  g_object_set (self, "priority", priority, NULL);
}

/**
 * tasker_task_options_set_retry:
 * @self: a #TaskerTaskOptions
 * @max_attempts: how many attempts in all, at least 1
 * @delay_ms: the delay before the second attempt, in milliseconds
 * @factor: what each further delay is multiplied by, at least 1
 * @max_delay_ms: the longest delay, in milliseconds; 0 for no cap
 * @jitter: how much a delay may vary at random, a fraction from 0 to 1
 *
 * Sets the whole retry policy at once: [property@Tasker.TaskOptions:max-attempts],
 * [property@Tasker.TaskOptions:retry-delay-ms],
 * [property@Tasker.TaskOptions:retry-factor],
 * [property@Tasker.TaskOptions:retry-max-delay-ms] and
 * [property@Tasker.TaskOptions:retry-jitter].
 *
 * Since: 1.0
 */
void
tasker_task_options_set_retry (TaskerTaskOptions *self,
                               guint              max_attempts,
                               guint              delay_ms,
                               double             factor,
                               guint              max_delay_ms,
                               double             jitter)
{
  g_return_if_fail (TASKER_IS_TASK_OPTIONS (self));
  g_return_if_fail (max_attempts >= 1);
  g_return_if_fail (factor >= 1.0);
  g_return_if_fail (jitter >= 0.0 && jitter <= 1.0);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_set (self,
                "max-attempts", max_attempts,
                "retry-delay-ms", delay_ms,
                "retry-factor", factor,
                "retry-max-delay-ms", max_delay_ms,
                "retry-jitter", jitter,
                NULL);
  g_object_thaw_notify (G_OBJECT (self));
}
