/* test-schedule.c — TaskerSchedule and TaskerClock: runs at the right times on a
 * fake clock, overlap policies, pause, run now, catch-up after a jump or a
 * restart, daylight-saving days. No test waits real minutes.
 *
 * The local time zone is Europe/Kyiv (set in main()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "tasker-test.h"

#define MINUTE ((gint64) 60 * G_USEC_PER_SEC)
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)
#define N_GATES 8

typedef struct
{
  GMainContext   *context;
  TaskerManager  *manager;
  TaskerClock    *clock;
  TaskerSchedule *schedule;
  TestGate        gates[N_GATES];  /* run k waits at gates[k] when @gated */
  gboolean        gated;
  gboolean        refuse;          /* the function submits nothing */
  GPtrArray      *tasks;           /* (element-type TaskerTask) submitted, in order */
  GArray         *times;           /* (element-type gint64) the clock at each submit */
  GArray         *previous_final;  /* (element-type gboolean) whether the run before was final */
  guint           n_run_signals;
  guint           n_failed;
  char           *failure;         /* (owned) (nullable) the last run-failed message */
} Fixture;

/* In local (Kyiv) time: "2026-12-07 10:00:00", "2026-10-25 03:30:00 +0200". */
static gint64
local_time (const char *text)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();

  return test_parse_time (tz, text);
}

static char *
format_time (gint64 us)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();

  return test_format_time (tz, us);
}

/* The submit times, formatted and joined by ", ". */
static char *
run_times (Fixture *f)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < f->times->len; i++)
    {
      g_autofree char *t = format_time (g_array_index (f->times, gint64, i));

      g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", t);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
run_cb (TaskerContext *context,
        gpointer       user_data)
{
  TestGate *gate = user_data;

  if (gate != NULL)
    test_gate_wait (gate, tasker_context_get_cancellable (context));
}

static TaskerTask *
submit_cb (TaskerSchedule    *schedule,
           TaskerTaskOptions *options,
           gpointer           user_data)
{
  Fixture *f = user_data;
  gint64 now = tasker_clock_get_now (f->clock);
  gboolean previous_final = f->tasks->len == 0
    || tasker_task_is_final (g_ptr_array_index (f->tasks, f->tasks->len - 1));
  TaskerTask *task;

  g_assert_true (schedule == f->schedule);
  g_assert_cmpstr (tasker_task_options_get_description (options, "schedule"), ==,
                   tasker_schedule_get_id (schedule));
  if (f->refuse)
    return NULL;

  g_assert_cmpuint (f->tasks->len, <, N_GATES);
  task = test_run_thread (f->manager, NULL, options, run_cb,
                          f->gated ? &f->gates[f->tasks->len] : NULL);
  g_ptr_array_add (f->tasks, g_object_ref (task));
  g_array_append_val (f->times, now);
  g_array_append_val (f->previous_final, previous_final);
  return task;
}

static void
schedule_run_cb (TaskerSchedule *schedule,
                 TaskerTask     *task,
                 Fixture        *f)
{
  /* After last-task and last-run changed. */
  g_assert_true (tasker_schedule_get_last_task (schedule) == task);
  g_assert_cmpint (tasker_schedule_get_last_run (schedule), ==, tasker_clock_get_now (f->clock));
  f->n_run_signals++;
}

static void
schedule_failed_cb (TaskerSchedule *schedule,
                    GError         *error,
                    Fixture        *f)
{
  f->n_failed++;
  g_free (f->failure);
  f->failure = g_strdup (error->message);
}

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->manager = tasker_manager_new (f->context);
  f->clock = tasker_clock_new_fake (local_time ("2026-12-07 10:00:30"));
  for (guint i = 0; i < N_GATES; i++)
    test_gate_init (&f->gates[i]);
  f->tasks = g_ptr_array_new_with_free_func (g_object_unref);
  f->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  f->previous_final = g_array_new (FALSE, FALSE, sizeof (gboolean));
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  for (guint i = 0; i < N_GATES; i++)
    test_gate_open (&f->gates[i]);
  test_settle (f->manager);
  if (f->schedule != NULL)
    g_assert_finalize_object (f->schedule);
  tasker_manager_shutdown (f->manager, 2000);
  g_clear_pointer (&f->tasks, g_ptr_array_unref);
  test_unref_and_wait (f->context, f->manager);
  for (guint i = 0; i < N_GATES; i++)
    test_gate_clear (&f->gates[i]);
  g_assert_finalize_object (f->clock);
  g_array_unref (f->times);
  g_array_unref (f->previous_final);
  g_free (f->failure);
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
}

static void
make_schedule (Fixture    *f,
               const char *spec)
{
  g_autoptr(GError) error = NULL;

  f->schedule = tasker_schedule_new (spec, f->clock, &error);
  g_assert_no_error (error);
  tasker_schedule_set_func (f->schedule, submit_cb, f, NULL);
  g_signal_connect (f->schedule, "run", G_CALLBACK (schedule_run_cb), f);
  g_signal_connect (f->schedule, "run-failed", G_CALLBACK (schedule_failed_cb), f);
}

/* Lets @us pass in steps of @step, letting each run end before the next
 * step (tasks run for real; only the schedule's time is fake). */
static void
advance_settled (Fixture *f,
                 gint64   us,
                 gint64   step)
{
  for (gint64 done = 0; done < us; done += step)
    {
      tasker_clock_advance (f->clock, MIN (step, us - done));
      test_settle (f->manager);
    }
}

static void
assert_next_run (Fixture    *f,
                 const char *expected)
{
  g_autofree char *next = format_time (tasker_schedule_get_next_run (f->schedule));

  g_assert_cmpstr (next, ==, expected);
}

static void
assert_run_times (Fixture    *f,
                  const char *expected)
{
  g_autofree char *times = run_times (f);

  g_assert_cmpstr (times, ==, expected);
}

/* ── The clock ───────────────────────────────────────────────────────────── */

typedef struct
{
  GArray *fired;   /* (element-type gint64): the alarm's time, then the clock's */
  gint64  delta;
  guint   n_jumped;
} Alarms;

static void
alarm_cb (TaskerClock *clock,
          gpointer     user_data)
{
  Alarms *alarms = user_data;
  gint64 now = tasker_clock_get_now (clock);

  g_array_append_val (alarms->fired, now);
}

static void
jumped_cb (TaskerClock *clock,
           gint64       delta,
           Alarms      *alarms)
{
  alarms->delta = delta;
  alarms->n_jumped++;
}

static void
destroy_cb (gpointer data)
{
  (*(guint *) data)++;
}

static void
test_fake_clock (void)
{
  g_autoptr(TaskerClock) clock = tasker_clock_new_fake (1000);
  Alarms alarms = { g_array_new (FALSE, FALSE, sizeof (gint64)), 0, 0 };
  guint destroyed = 0;
  guint removed;

  g_assert_true (tasker_clock_is_fake (clock));
  g_assert_false (tasker_clock_is_fake (tasker_clock_get_default ()));
  g_assert_cmpint (tasker_clock_get_now (clock), ==, 1000);
  g_signal_connect (clock, "jumped", G_CALLBACK (jumped_cb), &alarms);

  /* Added out of order; each fires at its own time, in time order. */
  tasker_clock_add_alarm (clock, 1300, alarm_cb, &alarms, NULL);
  tasker_clock_add_alarm (clock, 1100, alarm_cb, &alarms, NULL);
  tasker_clock_add_alarm (clock, 1450, alarm_cb, &alarms, NULL);
  tasker_clock_add_alarm (clock, 1200, alarm_cb, &alarms, NULL);
  removed = tasker_clock_add_alarm (clock, 1200, alarm_cb, &destroyed, destroy_cb);
  tasker_clock_add_alarm (clock, 5000, alarm_cb, &alarms, NULL);
  g_assert_cmpuint (removed, !=, 0);
  tasker_clock_remove_alarm (clock, removed);
  g_assert_cmpuint (destroyed, ==, 1);
  tasker_clock_remove_alarm (clock, removed);   /* twice: ignored */
  g_assert_cmpuint (destroyed, ==, 1);

  tasker_clock_advance (clock, 1000);
  g_assert_cmpuint (alarms.fired->len, ==, 4);
  g_assert_cmpint (g_array_index (alarms.fired, gint64, 0), ==, 1100);
  g_assert_cmpint (g_array_index (alarms.fired, gint64, 1), ==, 1200);
  g_assert_cmpint (g_array_index (alarms.fired, gint64, 2), ==, 1300);
  g_assert_cmpint (g_array_index (alarms.fired, gint64, 3), ==, 1450);
  g_assert_cmpint (tasker_clock_get_now (clock), ==, 2000);
  g_assert_cmpuint (alarms.n_jumped, ==, 0);

  /* A jump: ::jumped, then the alarm fires late, at the new time. */
  tasker_clock_set_now (clock, 10000);
  g_assert_cmpuint (alarms.n_jumped, ==, 1);
  g_assert_cmpint (alarms.delta, ==, 8000);
  g_assert_cmpuint (alarms.fired->len, ==, 5);
  g_assert_cmpint (g_array_index (alarms.fired, gint64, 4), ==, 10000);

  /* Set back. */
  tasker_clock_set_now (clock, 4000);
  g_assert_cmpuint (alarms.n_jumped, ==, 2);
  g_assert_cmpint (alarms.delta, ==, -6000);
  g_assert_cmpint (tasker_clock_get_now (clock), ==, 4000);

  /* An alarm whose time has passed fires at the next advance, even 0. */
  tasker_clock_add_alarm (clock, 3000, alarm_cb, &alarms, NULL);
  g_assert_cmpuint (alarms.fired->len, ==, 5);
  tasker_clock_advance (clock, 0);
  g_assert_cmpuint (alarms.fired->len, ==, 6);
  g_assert_cmpint (g_array_index (alarms.fired, gint64, 5), ==, 4000);

  g_array_unref (alarms.fired);
}

/* The real clock: an alarm fires on the thread-default context, not inside
 * add_alarm, once its wall time has come. */
static void
test_real_clock (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  TaskerClock *clock = tasker_clock_get_default ();
  Alarms alarms = { g_array_new (FALSE, FALSE, sizeof (gint64)), 0, 0 };
  gint64 at = g_get_real_time () + 20 * 1000;
  guint destroyed = 0;

  g_main_context_push_thread_default (context);
  g_assert_true (tasker_clock_get_default () == clock);
  g_assert_cmpint (ABS (tasker_clock_get_now (clock) - g_get_real_time ()), <, G_USEC_PER_SEC);

  tasker_clock_add_alarm (clock, at, alarm_cb, &alarms, NULL);
  tasker_clock_add_alarm (clock, g_get_real_time () - 1, alarm_cb, &alarms, NULL);
  tasker_clock_remove_alarm (clock,
                             tasker_clock_add_alarm (clock, at, alarm_cb, &destroyed, destroy_cb));
  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_cmpuint (alarms.fired->len, ==, 0);

  TEST_WAIT_UNTIL (context, alarms.fired->len == 2);
  g_assert_cmpint (g_array_index (alarms.fired, gint64, 1), >=, at);

  g_main_context_pop_thread_default (context);
  g_array_unref (alarms.fired);
}

/* ── Schedules ───────────────────────────────────────────────────────────── */

static void
test_runs_at_times (Fixture      *f,
                    gconstpointer data)
{
  make_schedule (f, "every 1m");
  g_assert_cmpstr (tasker_schedule_get_spec (f->schedule), ==, "every 1m");
  g_assert_true (tasker_schedule_get_clock (f->schedule) == f->clock);
  g_assert_null (tasker_schedule_get_last_task (f->schedule));
  g_assert_cmpint (tasker_schedule_get_last_run (f->schedule), ==, 0);

  /* Nothing runs before start. */
  tasker_clock_advance (f->clock, 5 * MINUTE);
  g_assert_cmpuint (f->tasks->len, ==, 0);

  tasker_schedule_start (f->schedule);
  assert_next_run (f, "2026-12-07 10:06:30 +0200");
  advance_settled (f, 5 * MINUTE, 30 * G_USEC_PER_SEC);
  assert_run_times (f, "2026-12-07 10:06:30 +0200, 2026-12-07 10:07:30 +0200, "
                       "2026-12-07 10:08:30 +0200, 2026-12-07 10:09:30 +0200, "
                       "2026-12-07 10:10:30 +0200");
  assert_next_run (f, "2026-12-07 10:11:30 +0200");
  g_assert_cmpuint (f->n_run_signals, ==, 5);

  /* Each run is its own task, linked to its schedule, and ended. */
  for (guint i = 0; i < f->tasks->len; i++)
    {
      TaskerTask *task = g_ptr_array_index (f->tasks, i);

      test_assert_status (task, TASKER_TASK_STATUS_COMPLETED);
      g_assert_cmpstr (tasker_task_get_description (task, "schedule"), ==,
                       tasker_schedule_get_id (f->schedule));
    }
  g_assert_true (tasker_schedule_get_last_task (f->schedule) == g_ptr_array_index (f->tasks, 4));
  g_assert_cmpint (tasker_schedule_get_last_run (f->schedule), ==, local_time ("2026-12-07 10:10:30"));
}

static void
test_calendar_runs (Fixture      *f,
                    gconstpointer data)
{
  g_autofree char *id = NULL;

  f->schedule = g_initable_new (TASKER_TYPE_SCHEDULE, NULL, NULL,
                                "spec", "*:0/15", "clock", f->clock, "id", "backup-7", NULL);
  tasker_schedule_set_func (f->schedule, submit_cb, f, NULL);
  g_object_get (f->schedule, "id", &id, NULL);
  g_assert_cmpstr (id, ==, "backup-7");
  tasker_schedule_start (f->schedule);
  assert_next_run (f, "2026-12-07 10:15:00 +0200");

  advance_settled (f, HOUR, MINUTE);
  assert_run_times (f, "2026-12-07 10:15:00 +0200, 2026-12-07 10:30:00 +0200, "
                       "2026-12-07 10:45:00 +0200, 2026-12-07 11:00:00 +0200");
  g_assert_cmpstr (tasker_task_get_description (g_ptr_array_index (f->tasks, 0), "schedule"), ==,
                   "backup-7");
}

/* A run that outlives its period: the runs due meanwhile are skipped. */
static void
test_overlap_skip (Fixture      *f,
                   gconstpointer data)
{
  f->gated = TRUE;
  make_schedule (f, "every 1m");
  g_assert_cmpint (tasker_schedule_get_overlap_policy (f->schedule), ==, TASKER_OVERLAP_SKIP);
  tasker_schedule_start (f->schedule);

  tasker_clock_advance (f->clock, MINUTE);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&f->gates[0]) == 1);
  tasker_clock_advance (f->clock, 4 * MINUTE);
  test_spin_for (f->context, 50);
  g_assert_cmpuint (f->tasks->len, ==, 1);
  assert_next_run (f, "2026-12-07 10:06:30 +0200");

  test_gate_open (&f->gates[0]);
  test_settle (f->manager);
  g_assert_cmpuint (f->tasks->len, ==, 1);    /* nothing was queued */
  tasker_clock_advance (f->clock, MINUTE);
  test_gate_open (&f->gates[1]);
  test_settle (f->manager);
  assert_run_times (f, "2026-12-07 10:01:30 +0200, 2026-12-07 10:06:30 +0200");
}

/* One run waits for the running one and starts when it ends; others due
 * meanwhile are dropped. */
static void
test_overlap_queue_one (Fixture      *f,
                        gconstpointer data)
{
  f->gated = TRUE;
  make_schedule (f, "every 1m");
  tasker_schedule_set_overlap_policy (f->schedule, TASKER_OVERLAP_QUEUE_ONE);
  tasker_schedule_start (f->schedule);

  tasker_clock_advance (f->clock, MINUTE);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&f->gates[0]) == 1);
  tasker_clock_advance (f->clock, 4 * MINUTE);
  test_spin_for (f->context, 50);
  g_assert_cmpuint (f->tasks->len, ==, 1);

  tasker_clock_advance (f->clock, 30 * G_USEC_PER_SEC);
  test_gate_open (&f->gates[0]);
  TEST_WAIT_UNTIL (f->context, f->tasks->len == 2);
  /* It started when the first ended, not at a due time. */
  g_assert_true (g_array_index (f->previous_final, gboolean, 1));
  test_assert_status (g_ptr_array_index (f->tasks, 0), TASKER_TASK_STATUS_COMPLETED);
  test_gate_open (&f->gates[1]);
  test_settle (f->manager);
  test_spin_for (f->context, 50);
  g_assert_cmpuint (f->tasks->len, ==, 2);
  assert_run_times (f, "2026-12-07 10:01:30 +0200, 2026-12-07 10:06:00 +0200");
}

/* The running one is cancelled, and the new one starts once it has ended. */
static void
test_overlap_replace (Fixture      *f,
                      gconstpointer data)
{
  f->gated = TRUE;
  make_schedule (f, "every 1m");
  g_object_set (f->schedule, "overlap-policy", TASKER_OVERLAP_REPLACE, NULL);
  tasker_schedule_start (f->schedule);

  tasker_clock_advance (f->clock, MINUTE);
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&f->gates[0]) == 1);
  tasker_clock_advance (f->clock, MINUTE);
  TEST_WAIT_UNTIL (f->context, f->tasks->len == 2);
  test_assert_status (g_ptr_array_index (f->tasks, 0), TASKER_TASK_STATUS_CANCELLED);
  g_assert_true (g_array_index (f->previous_final, gboolean, 1));
  TEST_WAIT_UNTIL (f->context, test_gate_get_waiting (&f->gates[1]) == 1);
  TEST_WAIT_UNTIL (f->context, test_task_is_running (g_ptr_array_index (f->tasks, 1)));
  assert_run_times (f, "2026-12-07 10:01:30 +0200, 2026-12-07 10:02:30 +0200");
}

static void
test_pause_resume (Fixture      *f,
                   gconstpointer data)
{
  guint n_notify = 0;

  make_schedule (f, "every 1m");
  g_signal_connect_swapped (f->schedule, "notify::paused", G_CALLBACK (destroy_cb), &n_notify);
  tasker_schedule_start (f->schedule);
  advance_settled (f, MINUTE, MINUTE);
  g_assert_cmpuint (f->tasks->len, ==, 1);

  tasker_schedule_set_paused (f->schedule, TRUE);
  tasker_schedule_set_paused (f->schedule, TRUE);
  g_assert_true (tasker_schedule_get_paused (f->schedule));
  g_assert_cmpuint (n_notify, ==, 1);
  advance_settled (f, 5 * MINUTE, 30 * G_USEC_PER_SEC);
  g_assert_cmpuint (f->tasks->len, ==, 1);

  /* Runs missed while paused are not caught up: the next is a period on. */
  advance_settled (f, 15 * G_USEC_PER_SEC, 15 * G_USEC_PER_SEC);
  g_object_set (f->schedule, "paused", FALSE, NULL);
  g_assert_cmpuint (n_notify, ==, 2);
  g_assert_cmpuint (f->tasks->len, ==, 1);
  assert_next_run (f, "2026-12-07 10:07:45 +0200");
  advance_settled (f, 2 * MINUTE, 15 * G_USEC_PER_SEC);
  assert_run_times (f, "2026-12-07 10:01:30 +0200, 2026-12-07 10:07:45 +0200, "
                       "2026-12-07 10:08:45 +0200");
}

static void
test_run_now (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  f->gated = TRUE;
  make_schedule (f, "daily 03:00");
  tasker_schedule_start (f->schedule);
  assert_next_run (f, "2026-12-08 03:00:00 +0200");

  g_assert_true (tasker_schedule_run_now (f->schedule, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->tasks->len, ==, 1);
  g_assert_cmpuint (f->n_run_signals, ==, 1);
  assert_next_run (f, "2026-12-08 03:00:00 +0200");
  g_assert_cmpint (tasker_schedule_get_last_run (f->schedule), ==, local_time ("2026-12-07 10:00:30"));

  /* Still running, overlap skip: refused, with the reason. */
  g_assert_false (tasker_schedule_run_now (f->schedule, &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_FAILED);
  expected = g_strdup_printf ("The previous run of schedule “%s” has not ended",
                              tasker_schedule_get_id (f->schedule));
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  /* Paused: run now still runs. */
  test_gate_open (&f->gates[0]);
  test_settle (f->manager);
  tasker_schedule_set_paused (f->schedule, TRUE);
  g_assert_true (tasker_schedule_run_now (f->schedule, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->tasks->len, ==, 2);

  /* Queue one: queued behind the running run. */
  tasker_schedule_set_overlap_policy (f->schedule, TASKER_OVERLAP_QUEUE_ONE);
  g_assert_true (tasker_schedule_run_now (f->schedule, &error));
  g_assert_cmpuint (f->tasks->len, ==, 2);
  test_gate_open (&f->gates[1]);
  TEST_WAIT_UNTIL (f->context, f->tasks->len == 3);
  test_gate_open (&f->gates[2]);
  test_settle (f->manager);
}

/* The function submits nothing: ::run-failed, and the schedule goes on. */
static void
test_run_failed (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  make_schedule (f, "every 1m");
  f->refuse = TRUE;
  tasker_schedule_start (f->schedule);
  advance_settled (f, MINUTE, MINUTE);
  g_assert_cmpuint (f->n_failed, ==, 1);
  g_assert_cmpuint (f->n_run_signals, ==, 0);
  g_assert_nonnull (strstr (f->failure, "submitted no task"));
  g_assert_cmpint (tasker_schedule_get_last_run (f->schedule), ==, local_time ("2026-12-07 10:01:30"));
  assert_next_run (f, "2026-12-07 10:02:30 +0200");

  g_assert_false (tasker_schedule_run_now (f->schedule, &error));
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_FAILED);
  g_assert_cmpuint (f->n_failed, ==, 2);

  f->refuse = FALSE;
  advance_settled (f, MINUTE, MINUTE);
  g_assert_cmpuint (f->n_run_signals, ==, 1);
}

/* The program was not running for days: at start, one run now, or none. */
static void
test_catch_up_at_start (Fixture      *f,
                        gconstpointer data)
{
  gboolean skip = GPOINTER_TO_INT (data);

  make_schedule (f, "daily 03:00");
  if (skip)
    tasker_schedule_set_catch_up_policy (f->schedule, TASKER_CATCH_UP_SKIP);
  tasker_schedule_set_last_run (f->schedule, local_time ("2026-12-01 03:00:00"));
  assert_next_run (f, "2026-12-02 03:00:00 +0200");

  tasker_schedule_start (f->schedule);
  if (skip)
    assert_run_times (f, "");
  else
    assert_run_times (f, "2026-12-07 10:00:30 +0200");
  assert_next_run (f, "2026-12-08 03:00:00 +0200");
  test_settle (f->manager);

  advance_settled (f, DAY, HOUR);
  if (skip)
    assert_run_times (f, "2026-12-08 03:00:00 +0200");
  else
    assert_run_times (f, "2026-12-07 10:00:30 +0200, 2026-12-08 03:00:00 +0200");
}

/* Last run yesterday, nothing missed: no catch-up run. */
static void
test_catch_up_nothing_missed (Fixture      *f,
                              gconstpointer data)
{
  make_schedule (f, "daily 03:00");
  tasker_schedule_set_last_run (f->schedule, local_time ("2026-12-07 03:00:00"));
  tasker_schedule_start (f->schedule);
  assert_run_times (f, "");
  assert_next_run (f, "2026-12-08 03:00:00 +0200");
}

/* Last run restored from the future (the clock was set back since): the
 * next run is the next one from now, not from then. */
static void
test_last_run_in_the_future (Fixture      *f,
                             gconstpointer data)
{
  make_schedule (f, "daily 03:00");
  tasker_schedule_set_last_run (f->schedule, local_time ("2026-12-20 03:00:00"));
  tasker_schedule_start (f->schedule);
  assert_run_times (f, "");
  assert_next_run (f, "2026-12-08 03:00:00 +0200");
}

/* The machine slept for days (the clock jumped): one run at wake-up, or
 * none, and the next run is the next one due. */
static void
test_catch_up_after_jump (Fixture      *f,
                          gconstpointer data)
{
  gboolean skip = GPOINTER_TO_INT (data);

  make_schedule (f, "daily 03:00");
  tasker_schedule_set_catch_up_policy (f->schedule,
                                       skip ? TASKER_CATCH_UP_SKIP : TASKER_CATCH_UP_ONE_RUN);
  tasker_schedule_start (f->schedule);
  assert_run_times (f, "");

  /* On time, a run is not missed, whatever the policy. */
  advance_settled (f, DAY, HOUR);
  assert_run_times (f, "2026-12-08 03:00:00 +0200");

  tasker_clock_set_now (f->clock, local_time ("2026-12-11 09:00:00"));
  test_settle (f->manager);
  if (skip)
    assert_run_times (f, "2026-12-08 03:00:00 +0200");
  else
    assert_run_times (f, "2026-12-08 03:00:00 +0200, 2026-12-11 09:00:00 +0200");
  assert_next_run (f, "2026-12-12 03:00:00 +0200");

  /* The clock set back two days: the next run is the next one from then. */
  tasker_clock_set_now (f->clock, local_time ("2026-12-09 09:00:00"));
  assert_next_run (f, "2026-12-10 03:00:00 +0200");
  g_assert_cmpuint (f->tasks->len, ==, skip ? 1 : 2);
}

static void
test_catch_up_interval (Fixture      *f,
                        gconstpointer data)
{
  make_schedule (f, "every 1h");
  tasker_schedule_start (f->schedule);
  tasker_clock_set_now (f->clock, local_time ("2026-12-10 10:00:00"));
  test_settle (f->manager);
  assert_run_times (f, "2026-12-10 10:00:00 +0200");
  /* Real time from the catch-up run. */
  assert_next_run (f, "2026-12-10 11:00:00 +0200");
}

typedef struct
{
  const char *spec;
  const char *start;
  gint64      length;
  gint64      step;
  const char *runs;
} DstCase;

static const DstCase dst_cases[] = {
  /* 03:30 does not exist on 29 March: the run is at the change, 04:00 EEST. */
  { "daily 03:30", "2026-03-28 12:00:00", 3 * DAY, HOUR,
    "2026-03-29 04:00:00 +0300, 2026-03-30 03:30:00 +0300, 2026-03-31 03:30:00 +0300" },
  /* 03:30 occurs twice on 25 October: one run, the first. */
  { "daily 03:30", "2026-10-24 12:00:00", 3 * DAY, 10 * MINUTE,
    "2026-10-25 03:30:00 +0300, 2026-10-26 03:30:00 +0200, 2026-10-27 03:30:00 +0200" },
  /* every 1h is real time: 03:00 twice on the wall clock. */
  { "every 1h", "2026-10-25 01:00:00", 4 * HOUR, 10 * MINUTE,
    "2026-10-25 02:00:00 +0300, 2026-10-25 03:00:00 +0300, 2026-10-25 03:00:00 +0200, "
    "2026-10-25 04:00:00 +0200" },
  { "every 1h", "2026-03-29 01:00:00", 3 * HOUR, 10 * MINUTE,
    "2026-03-29 02:00:00 +0200, 2026-03-29 04:00:00 +0300, 2026-03-29 05:00:00 +0300" },
};

static void
test_dst_days (Fixture      *f,
               gconstpointer data)
{
  const DstCase *c = data;

  tasker_clock_set_now (f->clock, local_time (c->start));
  make_schedule (f, c->spec);
  tasker_schedule_start (f->schedule);
  advance_settled (f, c->length, c->step);
  assert_run_times (f, c->runs);
}

static void
test_bad_spec (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TaskerSchedule) schedule = tasker_schedule_new ("Mun 09:00", NULL, &error);

  g_assert_null (schedule);
  g_assert_error (error, TASKER_ERROR, TASKER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "“Mun” is not a weekday (Mon, Tue, …)");
}

/* A schedule on the real clock waits for its time: nothing runs at start. */
static void
test_real_clock_schedule (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TaskerSchedule) schedule = tasker_schedule_new ("every 1h", NULL, &error);
  gint64 now = g_get_real_time ();

  g_assert_no_error (error);
  g_assert_true (tasker_schedule_get_clock (schedule) == tasker_clock_get_default ());
  tasker_schedule_start (schedule);
  g_assert_cmpint (tasker_schedule_get_next_run (schedule), >=, now + HOUR);
  g_assert_cmpint (tasker_schedule_get_next_run (schedule), <, now + HOUR + 10 * G_USEC_PER_SEC);
  g_assert_cmpint (tasker_schedule_get_next_run_after (schedule, 5), ==, 5 + HOUR);
}

static TaskerTask *
submit_quick_cb (TaskerSchedule    *schedule,
                 TaskerTaskOptions *options,
                 gpointer           user_data)
{
  TaskerManager *manager = user_data;

  return test_run_thread (manager, NULL, options, run_cb, NULL);
}

static void
count_run_cb (TaskerSchedule *schedule,
              TaskerTask     *task,
              guint          *n_runs)
{
  (*n_runs)++;
}

/* On the real clock, every second: the runs keep coming on the context the
 * schedule was started on, after that context stopped being the thread's
 * default (each run re-arms from an alarm's dispatch). About 2 s. */
static void
test_real_clock_context (void)
{
  GMainContext *context = g_main_context_new ();
  TaskerManager *manager = tasker_manager_new (context);
  g_autoptr(GError) error = NULL;
  TaskerSchedule *schedule = tasker_schedule_new ("*:*:*", NULL, &error);
  guint n_runs = 0;

  g_assert_no_error (error);
  tasker_schedule_set_func (schedule, submit_quick_cb, manager, NULL);
  g_signal_connect (schedule, "run", G_CALLBACK (count_run_cb), &n_runs);
  g_main_context_push_thread_default (context);
  tasker_schedule_start (schedule);
  g_main_context_pop_thread_default (context);

  TEST_WAIT_UNTIL (context, n_runs == 2);
  g_assert_cmpint (tasker_schedule_get_next_run (schedule) % G_USEC_PER_SEC, ==, 0);

  g_assert_finalize_object (schedule);
  test_settle (manager);
  tasker_manager_shutdown (manager, 2000);
  test_unref_and_wait (context, manager);
  g_main_context_unref (context);
}

#define ADD(path, func, data) \
  g_test_add ("/Tasker/Schedule/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GTimeZone) kyiv = NULL;

  g_setenv ("TZ", "Europe/Kyiv", TRUE);
  g_test_init (&argc, &argv, NULL);

  kyiv = g_time_zone_new_identifier ("Europe/Kyiv");
  if (kyiv == NULL)
    {
      g_test_skip ("no tzdata for Europe/Kyiv");
      return g_test_run ();
    }

  g_test_add_func ("/Tasker/Clock/fake", test_fake_clock);
  g_test_add_func ("/Tasker/Clock/real", test_real_clock);
  g_test_add_func ("/Tasker/Schedule/bad-spec", test_bad_spec);
  g_test_add_func ("/Tasker/Schedule/real-clock", test_real_clock_schedule);
  g_test_add_func ("/Tasker/Schedule/real-clock-context", test_real_clock_context);
  ADD ("runs-at-times", test_runs_at_times, NULL);
  ADD ("calendar-runs", test_calendar_runs, NULL);
  ADD ("overlap-skip", test_overlap_skip, NULL);
  ADD ("overlap-queue-one", test_overlap_queue_one, NULL);
  ADD ("overlap-replace", test_overlap_replace, NULL);
  ADD ("pause-resume", test_pause_resume, NULL);
  ADD ("run-now", test_run_now, NULL);
  ADD ("run-failed", test_run_failed, NULL);
  ADD ("catch-up-at-start-one-run", test_catch_up_at_start, GINT_TO_POINTER (FALSE));
  ADD ("catch-up-at-start-skip", test_catch_up_at_start, GINT_TO_POINTER (TRUE));
  ADD ("catch-up-nothing-missed", test_catch_up_nothing_missed, NULL);
  ADD ("last-run-in-the-future", test_last_run_in_the_future, NULL);
  ADD ("catch-up-after-jump-one-run", test_catch_up_after_jump, GINT_TO_POINTER (FALSE));
  ADD ("catch-up-after-jump-skip", test_catch_up_after_jump, GINT_TO_POINTER (TRUE));
  ADD ("catch-up-interval", test_catch_up_interval, NULL);
  ADD ("dst-spring-daily", test_dst_days, &dst_cases[0]);
  ADD ("dst-fall-daily", test_dst_days, &dst_cases[1]);
  ADD ("dst-fall-interval", test_dst_days, &dst_cases[2]);
  ADD ("dst-spring-interval", test_dst_days, &dst_cases[3]);

  return g_test_run ();
}
