/* tasker-app-clock.c: the one-second clock of elapsed times
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-app-clock.h"

/* TaskerAppClock: emits ::tick once a second while anything watches it.
 * Elapsed times and ETAs change with the clock rather than with their task,
 * so a task row or the details pane connects to the clock while it shows an
 * unfinished task and disconnects when the task ends or the row is unbound;
 * with no watcher the timer stops. One clock for the process
 * (tasker_app_clock_get_default()). Main thread only. */

#define TICK_MS 1000

struct _TaskerAppClock
{
  GObject parent_instance;

  guint   n_watchers;   /* handlers connected through tasker_app_clock_connect() */
  guint   timeout_id;   /* runs while n_watchers > 0 */
};

enum {
  TICK,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (TaskerAppClock, tasker_app_clock, G_TYPE_OBJECT)

static guint signals[N_SIGNALS];

static gboolean
timeout_cb (gpointer user_data)
{
  TaskerAppClock *self = user_data;

  g_signal_emit (self, signals[TICK], 0, g_get_real_time ());

  return G_SOURCE_CONTINUE;
}

static void
tasker_app_clock_dispose (GObject *object)
{
  TaskerAppClock *self = (TaskerAppClock *) object;

  g_clear_handle_id (&self->timeout_id, g_source_remove);

  G_OBJECT_CLASS (tasker_app_clock_parent_class)->dispose (object);
}

static void
tasker_app_clock_class_init (TaskerAppClockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tasker_app_clock_dispose;

  /**
   * TaskerAppClock::tick:
   * @self: the clock
   * @now: the wall-clock time, in microseconds (g_get_real_time())
   *
   * Once a second while anything is connected through
   * tasker_app_clock_connect(), in the main context.
   */
  signals[TICK] =
    g_signal_new ("tick",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
tasker_app_clock_init (TaskerAppClock *self)
{
}

/**
 * tasker_app_clock_get_default:
 *
 * Returns: (transfer none): the clock of the process
 */
TaskerAppClock *
tasker_app_clock_get_default (void)
{
  static TaskerAppClock *clock;

  if (clock == NULL)
    clock = g_object_new (TASKER_APP_TYPE_CLOCK, NULL);
  return clock;
}

/**
 * tasker_app_clock_connect:
 * @tick_cb: called as `void tick_cb (gpointer instance, gint64 now)`
 * @instance: the object @tick_cb is for, which disconnects before it goes
 *
 * Connects @tick_cb to ::tick and keeps the clock running until
 * tasker_app_clock_disconnect().
 *
 * Returns: the handler id
 */
gulong
tasker_app_clock_connect (TaskerAppClock *self,
                          GCallback       tick_cb,
                          gpointer        instance)
{
  g_return_val_if_fail (TASKER_APP_IS_CLOCK (self), 0);
  g_return_val_if_fail (G_IS_OBJECT (instance), 0);

  if (self->n_watchers++ == 0)
    self->timeout_id = g_timeout_add (TICK_MS, timeout_cb, self);

  return g_signal_connect_swapped (self, "tick", tick_cb, instance);
}

/**
 * tasker_app_clock_disconnect:
 * @handler_id: (inout): a handler from tasker_app_clock_connect(), or 0
 *
 * Disconnects it and sets it to 0; the last one stops the clock.
 */
void
tasker_app_clock_disconnect (TaskerAppClock *self,
                             gulong         *handler_id)
{
  g_return_if_fail (TASKER_APP_IS_CLOCK (self));
  g_return_if_fail (handler_id != NULL);

  if (*handler_id == 0)
    return;

  g_clear_signal_handler (handler_id, self);
  g_assert (self->n_watchers > 0);
  if (--self->n_watchers == 0)
    g_clear_handle_id (&self->timeout_id, g_source_remove);
}

/**
 * tasker_app_clock_follow:
 * @handler_id: (inout): the handler of @instance, or 0
 * @follow: whether @instance wants the ticks
 * @tick_cb: as for tasker_app_clock_connect()
 * @instance: as for tasker_app_clock_connect()
 *
 * Connects @tick_cb when @follow and @handler_id is 0, disconnects it when
 * not @follow: what a widget showing a task calls whenever the task or its
 * status changes (it follows the clock while the task is unfinished).
 */
void
tasker_app_clock_follow (TaskerAppClock *self,
                         gulong         *handler_id,
                         gboolean        follow,
                         GCallback       tick_cb,
                         gpointer        instance)
{
  g_return_if_fail (TASKER_APP_IS_CLOCK (self));
  g_return_if_fail (handler_id != NULL);

  if (follow && *handler_id == 0)
    *handler_id = tasker_app_clock_connect (self, tick_cb, instance);
  else if (!follow)
    tasker_app_clock_disconnect (self, handler_id);
}

/* How many handlers keep the clock running (the tests look). */
guint
tasker_app_clock_get_n_watchers (TaskerAppClock *self)
{
  g_return_val_if_fail (TASKER_APP_IS_CLOCK (self), 0);
  return self->n_watchers;
}
