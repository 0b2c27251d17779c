/* tasker-schedule.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-i18n-private.h"

#include "tasker-calendar-private.h"
#include "tasker-clock-private.h"
#include "tasker-enums.h"
#include "tasker-error.h"
#include "tasker-schedule.h"

/**
 * TaskerSchedule:
 *
 * Runs a task again and again: at the times of a calendar spec (`daily 03:00`,
 * `Mon..Fri 09:00`, `*-*-01 00:00`) read in local time, or at a fixed
 * interval of real time (`every 15m`). The specs accepted (docs/scheduling.md
 * has the full reference and every error message):
 *
 * | Spec | Means |
 * |---|---|
 * | `every N` + `s`, `m`, `h` or `d` | a fixed interval of real time |
 * | `minutely`, `hourly`, `daily`, `weekly`, `monthly`, `yearly` | systemd's shorthands (`weekly`: Mondays at 00:00) |
 * | `daily HH:MM[:SS]` | every day at that time |
 * | `[WEEKDAYS] [DATE] [TIME]` | systemd's calendar form, in that order: WEEKDAYS a comma list of `Mon`…`Sun` or ranges `Mon..Fri`; DATE `YYYY-MM-DD` or `MM-DD`; TIME `HH:MM[:SS]` |
 *
 * Each date and time component is `*`, a number, a range `A..B` or a comma
 * list of those, each optionally followed by `/STEP`. A left-out DATE is any
 * day, a left-out TIME midnight. Examples: `Mon,Wed,Fri 18:30`, `Sat 10:00`,
 * `*-*-* 03:00:00`, `*-*-01 00:00` (the first of each month),
 * `*-02-29 12:00` (leap days), `*:0/15`.
 *
 * Each run is a fresh task with its own status and history record, submitted
 * by the schedule's [callback@Tasker.ScheduleFunc] with options whose
 * description `schedule` is the schedule's [property@Tasker.Schedule:id]: that
 * description links a task, and its history record, to its schedule.
 *
 * When a run falls due while the previous one has not ended, the
 * [property@Tasker.Schedule:overlap-policy] decides (skip it, queue one, or
 * replace the running one). Runs missed while the program was not running
 * (from the [property@Tasker.Schedule:last-run] its owner restored before
 * [method@Tasker.Schedule.start]), while the machine slept or because the
 * clock was moved forward are caught up with one run, or skipped, per the
 * [property@Tasker.Schedule:catch-up-policy]. A run the schedule notices more
 * than two minutes after its time counts as missed.
 *
 * Time comes from a [class@Tasker.Clock]: the real one, or a fake one in
 * tests.
 *
 * Wall times that a daylight-saving change skips run at the change itself
 * (with Europe/Kyiv, `daily 03:30` runs at 04:00 on 29 March 2026); wall
 * times it repeats run once, at their first occurrence. `every N` is a fixed
 * interval of real time, whatever the wall clock says.
 *
 * A schedule is not thread-safe: use it from the thread that iterates the
 * main context it was started on (the thread-default context of the caller of
 * [method@Tasker.Schedule.start]); with the real clock its function, signals
 * and notifications run there. Task status changes come from the manager's
 * context, so that should be the same one.
 *
 * Since: 1.0
 */

/* A run noticed later than this after its time was missed. */
#define MISSED_US (2 * 60 * G_USEC_PER_SEC)

struct _TaskerSchedule
{
  GObject             parent_instance;

  char               *spec;          /* (owned) */
  char               *id;            /* (owned) */
  TaskerCalendar     *calendar;      /* (owned) (nullable): NULL until initialised */
  TaskerClock        *clock;         /* (owned) */
  GMainContext       *context;       /* (owned) (nullable): the thread-default one at start */
  gulong              jumped_id;

  TaskerScheduleFunc  func;
  gpointer            func_data;     /* (owned) by func_destroy */
  GDestroyNotify      func_destroy;

  gboolean            started;
  gboolean            paused;
  TaskerOverlapPolicy overlap_policy;
  TaskerCatchUpPolicy catch_up_policy;
  gint64              last_run;      /* µs, 0 = never */
  gint64              next_run;      /* µs, 0 = never */
  gint64              checked;       /* the clock's time when last looked at */
  guint               alarm_id;

  TaskerTask         *last_task;     /* (owned) (nullable) */
  gulong              last_task_id;  /* its notify::status handler */
  gboolean            queued;        /* a run waits for last_task to end */
};

static void tasker_schedule_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TaskerSchedule, tasker_schedule, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      tasker_schedule_initable_iface_init))

enum {
  PROP_0,
  PROP_SPEC,
  PROP_ID,
  PROP_CLOCK,
  PROP_PAUSED,
  PROP_OVERLAP_POLICY,
  PROP_CATCH_UP_POLICY,
  PROP_LAST_RUN,
  PROP_NEXT_RUN,
  PROP_LAST_TASK,
  N_PROPS
};

enum {
  RUN,
  RUN_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void evaluate (TaskerSchedule *self);

static gint64
next_after (TaskerSchedule *self,
            gint64          after)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();

  return _tasker_calendar_next (self->calendar, tz, after);
}

static gboolean
is_interval (TaskerSchedule *self)
{
  return _tasker_calendar_get_interval (self->calendar) > 0;
}

static void
set_next_run (TaskerSchedule *self,
              gint64          next_run)
{
  if (self->next_run == next_run)
    return;
  self->next_run = next_run;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEXT_RUN]);
}

static void
set_last_run (TaskerSchedule *self,
              gint64          last_run)
{
  if (self->last_run == last_run)
    return;
  self->last_run = last_run;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_RUN]);
}

static void
alarm_cb (TaskerClock *clock,
          gpointer     user_data)
{
  TaskerSchedule *self = user_data;

  self->alarm_id = 0;
  evaluate (self);
}

static void
arm (TaskerSchedule *self)
{
  if (self->alarm_id != 0)
    tasker_clock_remove_alarm (self->clock, self->alarm_id);
  self->alarm_id = 0;
  if (self->started && !self->paused && self->next_run > 0)
    self->alarm_id = _tasker_clock_add_alarm_on (self->clock, self->context, self->next_run,
                                                 alarm_cb, self, NULL);
}

static gboolean
is_active (TaskerSchedule *self)
{
  return self->last_task != NULL && !tasker_task_is_final (self->last_task);
}

static gboolean submit (TaskerSchedule *self,
                        GError        **error);

static void
last_task_status_cb (TaskerTask     *task,
                     GParamSpec     *pspec,
                     TaskerSchedule *self)
{
  if (!tasker_task_is_final (task) || !self->queued)
    return;
  self->queued = FALSE;
  submit (self, NULL);
}

static void
take_last_task (TaskerSchedule *self,
                TaskerTask     *task)
{
  if (self->last_task != NULL)
    g_clear_signal_handler (&self->last_task_id, self->last_task);
  g_clear_object (&self->last_task);
  self->last_task = task;
  if (task != NULL)
    self->last_task_id = g_signal_connect_object (task, "notify::status",
                                                  G_CALLBACK (last_task_status_cb), self, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_TASK]);
}

/* Submits one run now; FALSE (and ::run-failed) if the function gave no task. */
static gboolean
submit (TaskerSchedule *self,
        GError        **error)
{
  g_autoptr(TaskerTaskOptions) options = tasker_task_options_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GObject) keep = g_object_ref (G_OBJECT (self));
  TaskerTask *task;

  tasker_task_options_set_description (options, "schedule", self->id);
  set_last_run (self, tasker_clock_get_now (self->clock));

  task = self->func != NULL ? self->func (self, options, self->func_data) : NULL;
  if (task == NULL)
    {
      if (self->func == NULL)
        local_error = g_error_new (TASKER_ERROR, TASKER_ERROR_FAILED,
                                   _("Schedule “%s” has no function to run"), self->id);
      else
        local_error = g_error_new (TASKER_ERROR, TASKER_ERROR_FAILED,
                                   _("The function of schedule “%s” submitted no task"), self->id);
      g_signal_emit (self, signals[RUN_FAILED], 0, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  take_last_task (self, task);
  g_signal_emit (self, signals[RUN], 0, task);
  return TRUE;
}

/* A run fell due: start it, or let the overlap policy decide. */
static void
run_due (TaskerSchedule *self)
{
  if (!is_active (self))
    {
      submit (self, NULL);
      return;
    }

  switch (self->overlap_policy)
    {
    case TASKER_OVERLAP_SKIP:
      g_debug ("Schedule %s: a run is skipped, the previous one has not ended", self->id);
      break;
    case TASKER_OVERLAP_REPLACE:
      self->queued = TRUE;
      tasker_task_cancel (self->last_task);
      break;
    case TASKER_OVERLAP_QUEUE_ONE:
      self->queued = TRUE;
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Looks at the clock: runs what is due, catches up or skips what was missed,
 * and sets the alarm for the next run. */
static void
evaluate (TaskerSchedule *self)
{
  g_autoptr(GObject) keep = g_object_ref (G_OBJECT (self));
  gint64 now;

  if (!self->started || self->paused)
    return;

  now = tasker_clock_get_now (self->clock);
  /* The clock was set back: the next run is the next one from now. */
  if (now < self->checked)
    {
      gint64 next = next_after (self, now);

      if (next != 0 && (self->next_run == 0 || next < self->next_run))
        set_next_run (self, next);
    }
  self->checked = now;

  if (self->next_run > 0 && self->next_run <= now)
    {
      gint64 due = self->next_run;
      gboolean missed = now - due > MISSED_US;
      gint64 next;

      if (!missed || self->catch_up_policy == TASKER_CATCH_UP_ONE_RUN)
        run_due (self);
      else
        g_debug ("Schedule %s: missed runs are skipped", self->id);

      if (self->paused || !self->started)
        return;
      if (is_interval (self))
        next = missed ? now + _tasker_calendar_get_interval (self->calendar)
                      : due + _tasker_calendar_get_interval (self->calendar);
      else
        next = next_after (self, now);
      set_next_run (self, next);
    }

  arm (self);
}

static gboolean
evaluate_in_context_cb (gpointer data)
{
  g_autoptr(TaskerSchedule) self = g_weak_ref_get (data);

  if (self != NULL)
    evaluate (self);
  return G_SOURCE_REMOVE;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static void
jumped_cb (TaskerClock    *clock,
           gint64          delta,
           TaskerSchedule *self)
{
  g_autoptr(GSource) source = NULL;
  GWeakRef *ref;

  /* The real clock notices a jump in whichever alarm wakes first, perhaps
   * one of another thread's context: look again from our own. */
  if (tasker_clock_is_fake (clock) || g_main_context_is_owner (self->context))
    {
      evaluate (self);
      return;
    }
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  source = g_idle_source_new ();
  g_source_set_static_name (source, "[tasker] schedule clock jump");
  g_source_set_callback (source, evaluate_in_context_cb, ref, weak_ref_free);
  g_source_attach (source, self->context);
}

static gboolean
tasker_schedule_initable_init (GInitable    *initable,
                               GCancellable *cancellable,
                               GError      **error)
{
  TaskerSchedule *self = TASKER_SCHEDULE (initable);

  if (self->calendar != NULL)
    return TRUE;
  if (self->spec == NULL)
    {
      g_set_error_literal (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT,
                           _("A schedule needs a spec"));
      return FALSE;
    }
  self->calendar = _tasker_calendar_parse (self->spec, error);
  if (self->calendar == NULL)
    return FALSE;
  self->next_run = next_after (self, tasker_clock_get_now (self->clock));
  return TRUE;
}

static void
tasker_schedule_initable_iface_init (GInitableIface *iface)
{
  iface->init = tasker_schedule_initable_init;
}

static void
tasker_schedule_constructed (GObject *object)
{
  TaskerSchedule *self = TASKER_SCHEDULE (object);
  static guint last_id;

  G_OBJECT_CLASS (tasker_schedule_parent_class)->constructed (object);

  if (self->clock == NULL)
    self->clock = g_object_ref (tasker_clock_get_default ());
  if (self->id == NULL)
    self->id = g_strdup_printf ("%u", g_atomic_int_add (&last_id, 1) + 1);
  /* g_object_new() with a good spec makes a usable schedule too (a binding
   * may not call g_initable_init()); a bad one is reported by the init. */
  if (self->spec != NULL)
    self->calendar = _tasker_calendar_parse (self->spec, NULL);
  if (self->calendar != NULL)
    self->next_run = next_after (self, tasker_clock_get_now (self->clock));
}

static void
tasker_schedule_dispose (GObject *object)
{
  TaskerSchedule *self = TASKER_SCHEDULE (object);

  self->started = FALSE;
  if (self->clock != NULL)
    {
      if (self->alarm_id != 0)
        tasker_clock_remove_alarm (self->clock, self->alarm_id);
      self->alarm_id = 0;
      g_clear_signal_handler (&self->jumped_id, self->clock);
    }
  if (self->last_task != NULL)
    g_clear_signal_handler (&self->last_task_id, self->last_task);
  g_clear_object (&self->last_task);
  if (self->func_destroy != NULL)
    g_clear_pointer (&self->func_data, self->func_destroy);
  self->func = NULL;

  G_OBJECT_CLASS (tasker_schedule_parent_class)->dispose (object);
}

static void
tasker_schedule_finalize (GObject *object)
{
  TaskerSchedule *self = TASKER_SCHEDULE (object);

  g_clear_object (&self->clock);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->calendar, _tasker_calendar_free);
  g_free (self->spec);
  g_free (self->id);

  G_OBJECT_CLASS (tasker_schedule_parent_class)->finalize (object);
}

static void
tasker_schedule_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TaskerSchedule *self = TASKER_SCHEDULE (object);

  switch (prop_id)
    {
    case PROP_SPEC:
      g_value_set_string (value, self->spec);
      break;
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_CLOCK:
      g_value_set_object (value, self->clock);
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, self->paused);
      break;
    case PROP_OVERLAP_POLICY:
      g_value_set_enum (value, self->overlap_policy);
      break;
    case PROP_CATCH_UP_POLICY:
      g_value_set_enum (value, self->catch_up_policy);
      break;
    case PROP_LAST_RUN:
      g_value_set_int64 (value, self->last_run);
      break;
    case PROP_NEXT_RUN:
      g_value_set_int64 (value, self->next_run);
      break;
    case PROP_LAST_TASK:
      g_value_set_object (value, self->last_task);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_schedule_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TaskerSchedule *self = TASKER_SCHEDULE (object);

  switch (prop_id)
    {
    case PROP_SPEC:
      self->spec = g_value_dup_string (value);
      break;
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_CLOCK:
      self->clock = g_value_dup_object (value);
      break;
    case PROP_PAUSED:
      tasker_schedule_set_paused (self, g_value_get_boolean (value));
      break;
    case PROP_OVERLAP_POLICY:
      tasker_schedule_set_overlap_policy (self, g_value_get_enum (value));
      break;
    case PROP_CATCH_UP_POLICY:
      tasker_schedule_set_catch_up_policy (self, g_value_get_enum (value));
      break;
    case PROP_LAST_RUN:
      tasker_schedule_set_last_run (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_schedule_class_init (TaskerScheduleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tasker_schedule_constructed;
  object_class->dispose = tasker_schedule_dispose;
  object_class->finalize = tasker_schedule_finalize;
  object_class->get_property = tasker_schedule_get_property;
  object_class->set_property = tasker_schedule_set_property;

  /**
   * TaskerSchedule:spec:
   *
   * When the schedule runs: a calendar spec or an interval
   * (docs/scheduling.md).
   *
   * Since: 1.0
   */
  properties[PROP_SPEC] =
    g_param_spec_string ("spec", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerSchedule:id:
   *
   * The schedule's identifier, which its runs' tasks carry as their
   * description `schedule`. An owner that stores schedules sets its own (a
   * database row's id); by default a number unique in the process.
   *
   * Since: 1.0
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerSchedule:clock:
   *
   * The clock the schedule reads and waits on; %NULL at construction means
   * the real one ([func@Tasker.Clock.get_default]).
   *
   * Since: 1.0
   */
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL, TASKER_TYPE_CLOCK,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerSchedule:paused:
   *
   * Whether runs are held. Runs that fall due while paused are skipped, not
   * caught up on resume; a run queued by the overlap policy is dropped.
   * [method@Tasker.Schedule.run_now] still runs.
   *
   * Since: 1.0
   */
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerSchedule:overlap-policy:
   *
   * What happens when a run falls due while the previous run has not ended.
   *
   * Since: 1.0
   */
  properties[PROP_OVERLAP_POLICY] =
    g_param_spec_enum ("overlap-policy", NULL, NULL,
                       TASKER_TYPE_OVERLAP_POLICY, TASKER_OVERLAP_SKIP,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerSchedule:catch-up-policy:
   *
   * What happens to runs that were missed.
   *
   * Since: 1.0
   */
  properties[PROP_CATCH_UP_POLICY] =
    g_param_spec_enum ("catch-up-policy", NULL, NULL,
                       TASKER_TYPE_CATCH_UP_POLICY, TASKER_CATCH_UP_ONE_RUN,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerSchedule:last-run:
   *
   * When the schedule last submitted a run, in microseconds since the epoch
   * (0: never). An owner that stores schedules saves it and sets it back
   * before [method@Tasker.Schedule.start], which catches up on the runs missed
   * since.
   *
   * Since: 1.0
   */
  properties[PROP_LAST_RUN] =
    g_param_spec_int64 ("last-run", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerSchedule:next-run:
   *
   * When the next run falls due, in microseconds since the epoch; 0 when the
   * spec never matches again. While paused, the time it would have run.
   *
   * Since: 1.0
   */
  properties[PROP_NEXT_RUN] =
    g_param_spec_int64 ("next-run", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * TaskerSchedule:last-task:
   *
   * The task of the latest run, or %NULL before the first: its status is the
   * last result.
   *
   * Since: 1.0
   */
  properties[PROP_LAST_TASK] =
    g_param_spec_object ("last-task", NULL, NULL, TASKER_TYPE_TASK,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TaskerSchedule::run:
   * @self: a #TaskerSchedule
   * @task: the task just submitted
   *
   * Emitted on the schedule's main context each time a run was submitted,
   * after [property@Tasker.Schedule:last-task] and
   * [property@Tasker.Schedule:last-run] changed.
   *
   * Since: 1.0
   */
  signals[RUN] =
    g_signal_new ("run",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 1, TASKER_TYPE_TASK);

  /**
   * TaskerSchedule::run-failed:
   * @self: a #TaskerSchedule
   * @error: why no task was submitted
   *
   * Emitted on the schedule's main context when a run fell due but its
   * function submitted no task.
   *
   * Since: 1.0
   */
  signals[RUN_FAILED] =
    g_signal_new ("run-failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
tasker_schedule_init (TaskerSchedule *self)
{
  self->overlap_policy = TASKER_OVERLAP_SKIP;
  self->catch_up_policy = TASKER_CATCH_UP_ONE_RUN;
}

/**
 * tasker_schedule_new:
 * @spec: when to run (docs/scheduling.md): `every 15m`, `daily 03:00`,
 *   `Mon..Fri 09:00`, `*-*-01 00:00`…
 * @clock: (nullable): the clock to read and wait on; %NULL for the real one
 * @error: return location for a #GError
 *
 * Makes a schedule, not started yet: set its function
 * ([method@Tasker.Schedule.set_func]), policies and restored
 * [property@Tasker.Schedule:last-run], then call
 * [method@Tasker.Schedule.start].
 *
 * Returns: (transfer full): a new schedule, or %NULL with
 *   %TASKER_ERROR_INVALID_ARGUMENT and a message naming the bad part of @spec
 *
 * Since: 1.0
 */
TaskerSchedule *
tasker_schedule_new (const char  *spec,
                     TaskerClock *clock,
                     GError     **error)
{
  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (clock == NULL || TASKER_IS_CLOCK (clock), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (TASKER_TYPE_SCHEDULE, NULL, error,
                         "spec", spec,
                         "clock", clock,
                         NULL);
}

/**
 * tasker_schedule_validate_spec:
 * @spec: a schedule spec
 * @error: return location for a #GError
 *
 * Checks a spec as [ctor@Tasker.Schedule.new] would.
 *
 * Returns: %TRUE if @spec is accepted; %FALSE with
 *   %TASKER_ERROR_INVALID_ARGUMENT and a message naming its bad part
 *
 * Since: 1.0
 */
gboolean
tasker_schedule_validate_spec (const char *spec,
                               GError    **error)
{
  g_autoptr(TaskerCalendar) calendar = NULL;

  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  calendar = _tasker_calendar_parse (spec, error);
  return calendar != NULL;
}

/**
 * tasker_schedule_set_func:
 * @self: a #TaskerSchedule
 * @func: (scope notified) (closure user_data) (nullable): submits one run
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the function is replaced or
 *   the schedule is disposed
 *
 * Sets the function that submits each run.
 *
 * Since: 1.0
 */
void
tasker_schedule_set_func (TaskerSchedule    *self,
                          TaskerScheduleFunc func,
                          gpointer           user_data,
                          GDestroyNotify     destroy)
{
  gpointer old_data;
  GDestroyNotify old_destroy;

  g_return_if_fail (TASKER_IS_SCHEDULE (self));

  old_data = self->func_data;
  old_destroy = self->func_destroy;
  self->func = func;
  self->func_data = user_data;
  self->func_destroy = destroy;
  if (old_destroy != NULL)
    old_destroy (old_data);
}

/**
 * tasker_schedule_start:
 * @self: a #TaskerSchedule
 *
 * Starts the schedule on the calling thread's thread-default main context.
 * If runs were missed since [property@Tasker.Schedule:last-run], the
 * [property@Tasker.Schedule:catch-up-policy] decides at once whether one
 * runs now. Starting twice does nothing.
 *
 * Since: 1.0
 */
void
tasker_schedule_start (TaskerSchedule *self)
{
  gint64 now;

  g_return_if_fail (TASKER_IS_SCHEDULE (self));
  g_return_if_fail (self->calendar != NULL);

  if (self->started)
    return;
  self->started = TRUE;
  self->context = g_main_context_ref_thread_default ();
  self->jumped_id = g_signal_connect_object (self->clock, "jumped",
                                             G_CALLBACK (jumped_cb), self, 0);

  now = tasker_clock_get_now (self->clock);
  self->checked = now;
  /* A last run in the future: the clock was set back since. */
  if (self->last_run > 0)
    set_next_run (self, next_after (self, MIN (self->last_run, now)));
  else
    set_next_run (self, next_after (self, now));
  evaluate (self);
}

/**
 * tasker_schedule_run_now:
 * @self: a #TaskerSchedule
 * @error: return location for a #GError
 *
 * Submits a run now, even while paused, without moving the next run. If the
 * previous run has not ended, the overlap policy applies: with
 * %TASKER_OVERLAP_SKIP nothing runs and this fails; otherwise the run is
 * queued (and with %TASKER_OVERLAP_REPLACE the running one is cancelled).
 *
 * Returns: %TRUE if a run was submitted or queued; %FALSE with
 *   %TASKER_ERROR_FAILED if a run is still going and the policy is to skip,
 *   or if the function submitted no task
 *
 * Since: 1.0
 */
gboolean
tasker_schedule_run_now (TaskerSchedule *self,
                         GError        **error)
{
  g_return_val_if_fail (TASKER_IS_SCHEDULE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!is_active (self))
    return submit (self, error);

  if (self->overlap_policy == TASKER_OVERLAP_SKIP)
    {
      g_set_error (error, TASKER_ERROR, TASKER_ERROR_FAILED,
                   _("The previous run of schedule “%s” has not ended"), self->id);
      return FALSE;
    }
  run_due (self);
  return TRUE;
}

/**
 * tasker_schedule_get_spec:
 * @self: a #TaskerSchedule
 *
 * Gets the spec the schedule was made with.
 *
 * Returns: the schedule's [property@Tasker.Schedule:spec]
 *
 * Since: 1.0
 */
const char *
tasker_schedule_get_spec (TaskerSchedule *self)
{
  g_return_val_if_fail (TASKER_IS_SCHEDULE (self), NULL);

  return self->spec;
}

/**
 * tasker_schedule_get_id:
 * @self: a #TaskerSchedule
 *
 * Gets the identifier that the schedule's runs carry as their description `schedule`.
 *
 * Returns: the schedule's [property@Tasker.Schedule:id]
 *
 * Since: 1.0
 */
const char *
tasker_schedule_get_id (TaskerSchedule *self)
{
  g_return_val_if_fail (TASKER_IS_SCHEDULE (self), NULL);

  return self->id;
}

/**
 * tasker_schedule_get_clock:
 * @self: a #TaskerSchedule
 *
 * Gets the clock the schedule reads and waits on.
 *
 * Returns: (transfer none): the clock the schedule reads
 *
 * Since: 1.0
 */
TaskerClock *
tasker_schedule_get_clock (TaskerSchedule *self)
{
  g_return_val_if_fail (TASKER_IS_SCHEDULE (self), NULL);

  return self->clock;
}

/**
 * tasker_schedule_get_paused:
 * @self: a #TaskerSchedule
 *
 * Gets whether the schedule holds its runs.
 *
 * Returns: whether the schedule is [property@Tasker.Schedule:paused]
 *
 * Since: 1.0
 */
gboolean
tasker_schedule_get_paused (TaskerSchedule *self)
{
  g_return_val_if_fail (TASKER_IS_SCHEDULE (self), FALSE);

  return self->paused;
}

/**
 * tasker_schedule_set_paused:
 * @self: a #TaskerSchedule
 * @paused: whether to hold runs
 *
 * Pauses or resumes the schedule. On resume, runs that fell due while it
 * was paused are skipped: the next run is the next one from now.
 *
 * Since: 1.0
 */
void
tasker_schedule_set_paused (TaskerSchedule *self,
                            gboolean        paused)
{
  g_return_if_fail (TASKER_IS_SCHEDULE (self));

  paused = !!paused;
  if (self->paused == paused)
    return;
  self->paused = paused;

  if (paused)
    self->queued = FALSE;
  else if (self->started)
    {
      gint64 now = tasker_clock_get_now (self->clock);

      self->checked = now;
      if (self->next_run > 0 && self->next_run <= now)
        set_next_run (self, next_after (self, now));
    }
  arm (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

/**
 * tasker_schedule_get_overlap_policy:
 * @self: a #TaskerSchedule
 *
 * Gets what the schedule does when a run falls due while the previous one goes on.
 *
 * Returns: the schedule's [property@Tasker.Schedule:overlap-policy]
 *
 * Since: 1.0
 */
TaskerOverlapPolicy
tasker_schedule_get_overlap_policy (TaskerSchedule *self)
{
  g_return_val_if_fail (TASKER_IS_SCHEDULE (self), TASKER_OVERLAP_SKIP);

  return self->overlap_policy;
}

/**
 * tasker_schedule_set_overlap_policy:
 * @self: a #TaskerSchedule
 * @policy: what to do when a run falls due while the previous one goes on
 *
 * Sets the [property@Tasker.Schedule:overlap-policy].
 *
 * Since: 1.0
 */
void
tasker_schedule_set_overlap_policy (TaskerSchedule     *self,
                                    TaskerOverlapPolicy policy)
{
  g_return_if_fail (TASKER_IS_SCHEDULE (self));
  g_return_if_fail (policy <= TASKER_OVERLAP_REPLACE);

  if (self->overlap_policy == policy)
    return;
  self->overlap_policy = policy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OVERLAP_POLICY]);
}

/**
 * tasker_schedule_get_catch_up_policy:
 * @self: a #TaskerSchedule
 *
 * Gets what the schedule does about missed runs.
 *
 * Returns: the schedule's [property@Tasker.Schedule:catch-up-policy]
 *
 * Since: 1.0
 */
TaskerCatchUpPolicy
tasker_schedule_get_catch_up_policy (TaskerSchedule *self)
{
  g_return_val_if_fail (TASKER_IS_SCHEDULE (self), TASKER_CATCH_UP_ONE_RUN);

  return self->catch_up_policy;
}

/**
 * tasker_schedule_set_catch_up_policy:
 * @self: a #TaskerSchedule
 * @policy: what to do about missed runs
 *
 * Sets the [property@Tasker.Schedule:catch-up-policy].
 *
 * Since: 1.0
 */
void
tasker_schedule_set_catch_up_policy (TaskerSchedule     *self,
                                     TaskerCatchUpPolicy policy)
{
  g_return_if_fail (TASKER_IS_SCHEDULE (self));
  g_return_if_fail (policy <= TASKER_CATCH_UP_SKIP);

  if (self->catch_up_policy == policy)
    return;
  self->catch_up_policy = policy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CATCH_UP_POLICY]);
}

/**
 * tasker_schedule_get_last_run:
 * @self: a #TaskerSchedule
 *
 * Gets when the schedule last submitted a run.
 *
 * Returns: the schedule's [property@Tasker.Schedule:last-run], in
 *   microseconds since the epoch; 0 if it never ran
 *
 * Since: 1.0
 */
gint64
tasker_schedule_get_last_run (TaskerSchedule *self)
{
  g_return_val_if_fail (TASKER_IS_SCHEDULE (self), 0);

  return self->last_run;
}

/**
 * tasker_schedule_set_last_run:
 * @self: a #TaskerSchedule
 * @last_run_us: when the schedule last ran, in microseconds since the
 *   epoch; 0 for never
 *
 * Restores when the schedule last ran, before [method@Tasker.Schedule.start]
 * (which then catches up on the runs missed since). Once started, the
 * schedule keeps this up to date itself.
 *
 * Since: 1.0
 */
void
tasker_schedule_set_last_run (TaskerSchedule *self,
                              gint64          last_run_us)
{
  g_return_if_fail (TASKER_IS_SCHEDULE (self));
  g_return_if_fail (last_run_us >= 0);

  set_last_run (self, last_run_us);
  if (!self->started && self->calendar != NULL && last_run_us > 0)
    set_next_run (self, next_after (self, last_run_us));
}

/**
 * tasker_schedule_get_next_run:
 * @self: a #TaskerSchedule
 *
 * Gets when the next run falls due.
 *
 * Returns: the schedule's [property@Tasker.Schedule:next-run], in
 *   microseconds since the epoch; 0 if it never runs again
 *
 * Since: 1.0
 */
gint64
tasker_schedule_get_next_run (TaskerSchedule *self)
{
  g_return_val_if_fail (TASKER_IS_SCHEDULE (self), 0);

  return self->next_run;
}

/**
 * tasker_schedule_get_next_run_after:
 * @self: a #TaskerSchedule
 * @after_us: a time, in microseconds since the epoch
 *
 * Computes when the spec matches next, strictly after @after_us, in local
 * time (for `every N`: @after_us plus the interval). Useful to preview a
 * spec's next runs.
 *
 * Returns: the time in microseconds since the epoch; 0 if the spec never
 *   matches after @after_us
 *
 * Since: 1.0
 */
gint64
tasker_schedule_get_next_run_after (TaskerSchedule *self,
                                    gint64          after_us)
{
  g_return_val_if_fail (TASKER_IS_SCHEDULE (self), 0);
  g_return_val_if_fail (self->calendar != NULL, 0);

  return next_after (self, after_us);
}

/**
 * tasker_schedule_get_last_task:
 * @self: a #TaskerSchedule
 *
 * Gets the task of the latest run; its status is the last result.
 *
 * Returns: (transfer none) (nullable): the task of the latest run
 *
 * Since: 1.0
 */
TaskerTask *
tasker_schedule_get_last_task (TaskerSchedule *self)
{
  g_return_val_if_fail (TASKER_IS_SCHEDULE (self), NULL);

  return self->last_task;
}
