/* tasker-clock.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-clock-private.h"

/**
 * TaskerClock:
 *
 * The wall clock that schedules read and wait on.
 *
 * [func@Tasker.Clock.get_default] is the real clock: its time is
 * g_get_real_time() and its alarms go off on the thread-default main context
 * of the thread that added them. An alarm never sleeps more than one minute
 * at a time: each time it wakes it reads the wall clock again, so a suspend or
 * a change of the system clock is noticed within a minute, and
 * [signal@Tasker.Clock::jumped] is emitted.
 *
 * A fake clock ([ctor@Tasker.Clock.new_fake]) stands still until a test moves
 * it: [method@Tasker.Clock.advance] lets time pass and fires each alarm that
 * falls due at its own time, in order; [method@Tasker.Clock.set_now] moves
 * the clock at once, as a suspend or a changed system clock would, emits
 * [signal@Tasker.Clock::jumped] and fires every alarm that is then due, late.
 * A fake clock fires its alarms inside these calls, on the calling thread.
 *
 * A clock is safe to use from any thread.
 *
 * Since: 1.0
 */

/* The longest the real clock sleeps before it reads the wall clock again. */
#define CHUNK_US (60 * G_USEC_PER_SEC)
/* A wall clock that moved this much against the monotonic one jumped. */
#define JUMP_US (2 * G_USEC_PER_SEC)

typedef struct
{
  TaskerClock    *clock;     /* (unowned): alarms go before their clock */
  guint           id;
  gint64          at;
  TaskerClockFunc func;
  gpointer        data;      /* (owned) by destroy */
  GDestroyNotify  destroy;
  GSource        *source;    /* (owned) (nullable): real clock only */
} Alarm;

struct _TaskerClock
{
  GObject     parent_instance;

  GMutex      mutex;
  gboolean    fake;          /* immutable */
  gint64      now;           /* fake clock's time, protected by @mutex */
  gint64      drift;         /* real clock: real - monotonic when last read, protected by @mutex */
  guint       last_id;       /* protected by @mutex */
  GHashTable *alarms;        /* (owned) (element-type guint Alarm), protected by @mutex */
};

enum {
  JUMPED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (TaskerClock, tasker_clock, G_TYPE_OBJECT)

static guint signals[N_SIGNALS];

static void
alarm_free (Alarm *alarm)
{
  if (alarm->source != NULL)
    {
      g_source_destroy (alarm->source);
      g_source_unref (alarm->source);
    }
  if (alarm->destroy != NULL)
    alarm->destroy (alarm->data);
  g_free (alarm);
}

static void
fire (TaskerClock *self,
      Alarm       *alarm)
{
  alarm->func (self, alarm->data);
  alarm_free (alarm);
}

/* Takes @id out of the table: whoever gets it fires or frees it. */
static Alarm *
steal_alarm_locked (TaskerClock *self,
                    guint        id)
{
  Alarm *alarm = NULL;

  g_hash_table_steal_extended (self->alarms, GUINT_TO_POINTER (id), NULL, (gpointer *) &alarm);
  return alarm;
}

static void
emit_jumped (TaskerClock *self,
             gint64       delta)
{
  g_signal_emit (self, signals[JUMPED], 0, delta);
}

/* Real clock: whether the wall clock moved against the monotonic one since
 * the last look; returns by how much. */
static gint64
check_drift (TaskerClock *self)
{
  gint64 drift = g_get_real_time () - g_get_monotonic_time ();
  gint64 delta;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  delta = drift - self->drift;
  self->drift = drift;
  return ABS (delta) > JUMP_US ? delta : 0;
}

static gboolean
real_alarm_cb (gpointer data)
{
  Alarm *alarm = data;
  TaskerClock *self = g_object_ref (alarm->clock);
  guint id = alarm->id;
  gint64 jumped = check_drift (self);
  gint64 now = g_get_real_time ();

  if (jumped != 0)
    emit_jumped (self, jumped);

  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

    /* Removed (perhaps by a jumped handler) while we were out of the lock. */
    if (g_hash_table_lookup (self->alarms, GUINT_TO_POINTER (id)) != alarm)
      {
        g_object_unref (self);
        return G_SOURCE_REMOVE;
      }
    if (now < alarm->at)
      {
        g_source_set_ready_time (alarm->source,
                                 g_get_monotonic_time () + MIN (alarm->at - now, CHUNK_US));
        g_object_unref (self);
        return G_SOURCE_CONTINUE;
      }
    steal_alarm_locked (self, id);
  }

  /* The source is being dispatched: alarm_free() must not destroy it again
   * under the dispatch, returning REMOVE does. */
  g_clear_pointer (&alarm->source, g_source_unref);
  fire (self, alarm);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static gboolean
alarm_source_dispatch (GSource    *source,
                       GSourceFunc callback,
                       gpointer    user_data)
{
  return callback (user_data);
}

static GSourceFuncs alarm_source_funcs = {
  NULL, NULL, alarm_source_dispatch, NULL, NULL, NULL,
};

static void
tasker_clock_finalize (GObject *object)
{
  TaskerClock *self = TASKER_CLOCK (object);

  g_hash_table_unref (self->alarms);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (tasker_clock_parent_class)->finalize (object);
}

static void
tasker_clock_class_init (TaskerClockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tasker_clock_finalize;

  /**
   * TaskerClock::jumped:
   * @self: a #TaskerClock
   * @delta_us: how far the wall clock moved beyond the time that passed, in
   *   microseconds (negative: it was set back)
   *
   * Emitted when the wall clock moved other than by time passing: after a
   * suspend or a change of the system clock (the real clock, within a minute,
   * on the main context of one of its alarms), or by
   * [method@Tasker.Clock.set_now] (a fake clock, on the calling thread, before
   * the alarms that became due fire).
   *
   * Since: 1.0
   */
  signals[JUMPED] =
    g_signal_new ("jumped",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
tasker_clock_init (TaskerClock *self)
{
  g_mutex_init (&self->mutex);
  self->alarms = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) alarm_free);
  self->drift = g_get_real_time () - g_get_monotonic_time ();
}

/**
 * tasker_clock_get_default:
 *
 * Gets the real clock, shared by the whole process.
 *
 * Returns: (transfer none): the real clock
 *
 * Since: 1.0
 */
TaskerClock *
tasker_clock_get_default (void)
{
  static TaskerClock *clock;

  if (g_once_init_enter (&clock))
    g_once_init_leave (&clock, g_object_new (TASKER_TYPE_CLOCK, NULL));
  return clock;
}

/**
 * tasker_clock_new_fake:
 * @start_us: the fake clock's time, in microseconds since the epoch
 *
 * Makes a clock that stands still at @start_us until
 * [method@Tasker.Clock.advance] or [method@Tasker.Clock.set_now] moves it:
 * for tests, which then never wait real time.
 *
 * Returns: (transfer full): a new fake clock
 *
 * Since: 1.0
 */
TaskerClock *
tasker_clock_new_fake (gint64 start_us)
{
  TaskerClock *self = g_object_new (TASKER_TYPE_CLOCK, NULL);

  self->fake = TRUE;
  self->now = start_us;
  return self;
}

/**
 * tasker_clock_is_fake:
 * @self: a #TaskerClock
 *
 * Tells a fake clock from the real one.
 *
 * Returns: whether @self was made by [ctor@Tasker.Clock.new_fake]
 *
 * Since: 1.0
 */
gboolean
tasker_clock_is_fake (TaskerClock *self)
{
  g_return_val_if_fail (TASKER_IS_CLOCK (self), FALSE);

  return self->fake;
}

/**
 * tasker_clock_get_now:
 * @self: a #TaskerClock
 *
 * Reads the clock.
 *
 * Returns: the wall-clock time in microseconds since the epoch
 *
 * Since: 1.0
 */
gint64
tasker_clock_get_now (TaskerClock *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (TASKER_IS_CLOCK (self), 0);

  if (!self->fake)
    return g_get_real_time ();
  locker = g_mutex_locker_new (&self->mutex);
  return self->now;
}

/**
 * tasker_clock_add_alarm:
 * @self: a #TaskerClock
 * @at_us: when to call @func, wall-clock time in microseconds since the epoch
 * @func: (scope notified) (closure user_data): the function to call
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once @func ran or the alarm was removed
 *
 * Calls @func once, when the clock reads @at_us or later. The real clock
 * calls it on the thread-default main context of the calling thread (soon,
 * never inside this call, if @at_us has passed); a fake clock inside the next
 * [method@Tasker.Clock.advance] or [method@Tasker.Clock.set_now] that reaches
 * @at_us (`advance (clock, 0)` fires an alarm whose time has passed).
 *
 * Returns: the alarm's id, for [method@Tasker.Clock.remove_alarm]; never 0
 *
 * Since: 1.0
 */
guint
tasker_clock_add_alarm (TaskerClock    *self,
                        gint64          at_us,
                        TaskerClockFunc func,
                        gpointer        user_data,
                        GDestroyNotify  destroy)
{
  g_autoptr(GMainContext) context = NULL;

  g_return_val_if_fail (TASKER_IS_CLOCK (self), 0);
  g_return_val_if_fail (func != NULL, 0);

  context = g_main_context_ref_thread_default ();
  return _tasker_clock_add_alarm_on (self, context, at_us, func, user_data, destroy);
}

/* tasker_clock_add_alarm() on a given context rather than the caller's
 * thread-default one: a schedule re-arms from its alarms' dispatch, where the
 * thread-default context need not be the one it was started on. */
guint
_tasker_clock_add_alarm_on (TaskerClock    *self,
                            GMainContext   *context,
                            gint64          at_us,
                            TaskerClockFunc func,
                            gpointer        user_data,
                            GDestroyNotify  destroy)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Alarm *alarm;

  g_return_val_if_fail (TASKER_IS_CLOCK (self), 0);
  g_return_val_if_fail (context != NULL, 0);
  g_return_val_if_fail (func != NULL, 0);

  alarm = g_new0 (Alarm, 1);
  alarm->clock = self;
  alarm->at = at_us;
  alarm->func = func;
  alarm->data = user_data;
  alarm->destroy = destroy;

  locker = g_mutex_locker_new (&self->mutex);
  alarm->id = ++self->last_id;
  if (alarm->id == 0)
    alarm->id = ++self->last_id;
  g_hash_table_insert (self->alarms, GUINT_TO_POINTER (alarm->id), alarm);

  if (!self->fake)
    {
      gint64 wait = CLAMP (at_us - g_get_real_time (), 0, CHUNK_US);

      alarm->source = g_source_new (&alarm_source_funcs, sizeof (GSource));
      g_source_set_static_name (alarm->source, "[tasker] clock alarm");
      g_source_set_callback (alarm->source, real_alarm_cb, alarm, NULL);
      g_source_set_ready_time (alarm->source, g_get_monotonic_time () + wait);
      g_source_attach (alarm->source, context);
    }

  return alarm->id;
}

/**
 * tasker_clock_remove_alarm:
 * @self: a #TaskerClock
 * @alarm_id: an id from [method@Tasker.Clock.add_alarm]
 *
 * Cancels an alarm that has not gone off yet, freeing its data. An alarm
 * that already went off or was removed is ignored.
 *
 * Since: 1.0
 */
void
tasker_clock_remove_alarm (TaskerClock *self,
                           guint        alarm_id)
{
  Alarm *alarm;

  g_return_if_fail (TASKER_IS_CLOCK (self));

  g_mutex_lock (&self->mutex);
  alarm = steal_alarm_locked (self, alarm_id);
  g_mutex_unlock (&self->mutex);

  if (alarm != NULL)
    alarm_free (alarm);
}

/* Fake clock: the earliest alarm due at or before @until, out of the table;
 * ties go in the order they were added. */
static Alarm *
steal_first_due (TaskerClock *self,
                 gint64       until)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  GHashTableIter iter;
  Alarm *alarm, *first = NULL;

  g_hash_table_iter_init (&iter, self->alarms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &alarm))
    if (alarm->at <= until
        && (first == NULL || alarm->at < first->at
            || (alarm->at == first->at && alarm->id < first->id)))
      first = alarm;

  if (first == NULL)
    return NULL;
  self->now = MAX (self->now, first->at);
  return steal_alarm_locked (self, first->id);
}

/**
 * tasker_clock_advance:
 * @self: a fake #TaskerClock
 * @us: how much time passes, in microseconds (not negative)
 *
 * Lets @us of time pass on a fake clock. Each alarm that falls due on the way
 * fires in turn, with the clock reading its own time while it runs; an alarm
 * added by one of them fires too if it falls due before the end.
 *
 * Since: 1.0
 */
void
tasker_clock_advance (TaskerClock *self,
                      gint64       us)
{
  gint64 until;
  Alarm *alarm;

  g_return_if_fail (TASKER_IS_CLOCK (self));
  g_return_if_fail (self->fake);
  g_return_if_fail (us >= 0);

  g_object_ref (self);
  g_mutex_lock (&self->mutex);
  until = self->now + us;
  g_mutex_unlock (&self->mutex);

  while ((alarm = steal_first_due (self, until)) != NULL)
    fire (self, alarm);

  g_mutex_lock (&self->mutex);
  self->now = MAX (self->now, until);
  g_mutex_unlock (&self->mutex);
  g_object_unref (self);
}

/**
 * tasker_clock_set_now:
 * @self: a fake #TaskerClock
 * @now_us: the new time, in microseconds since the epoch
 *
 * Moves a fake clock to @now_us at once, forwards or back, as a suspend or a
 * change of the system clock would: emits [signal@Tasker.Clock::jumped], then
 * fires every alarm due at @now_us, earliest first, each one late.
 *
 * Since: 1.0
 */
void
tasker_clock_set_now (TaskerClock *self,
                      gint64       now_us)
{
  gint64 delta;
  Alarm *alarm;

  g_return_if_fail (TASKER_IS_CLOCK (self));
  g_return_if_fail (self->fake);

  g_object_ref (self);
  g_mutex_lock (&self->mutex);
  delta = now_us - self->now;
  self->now = now_us;
  g_mutex_unlock (&self->mutex);

  if (delta != 0)
    emit_jumped (self, delta);

  while ((alarm = steal_first_due (self, now_us)) != NULL)
    fire (self, alarm);
  g_object_unref (self);
}
