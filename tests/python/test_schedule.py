# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tasker.Schedule and Tasker.Clock from Python (issue 17): a schedule on a fake clock
submits a fresh task per run through a Python function, linked to its schedule; bad specs
raise GLib.Error with the message of the C parser. No test waits real minutes."""

import gc

import pytest

from conftest import SETTLE_MS, is_tasker_error, iterate_until, nick
from gi.repository import GLib, Tasker

MINUTE = 60 * 1_000_000
START = 1_796_000_000 * 1_000_000   # 2026-11-29, a whole second


def make_schedule(manager, spec, clock, seen):
    schedule = Tasker.Schedule.new(spec, clock)

    def submit(sched, options):
        assert sched is schedule
        seen.append(clock.get_now())
        return manager.run_thread(lambda ctx, n: n * 2, len(seen), options=options)

    schedule.set_func(submit)
    return schedule


def test_every_minute_on_a_fake_clock(manager, ctx):
    clock = Tasker.Clock.new_fake(START)
    assert clock.is_fake()
    seen, runs = [], []
    schedule = make_schedule(manager, "every 1m", clock, seen)
    schedule.connect("run", lambda sched, task: runs.append(task))
    schedule.start()
    assert schedule.props.next_run == START + MINUTE

    for _ in range(3):
        clock.advance(MINUTE)
        assert manager.wait_until_settled(SETTLE_MS)

    assert seen == [START + MINUTE, START + 2 * MINUTE, START + 3 * MINUTE]
    assert len(runs) == 3 and len({t.get_id() for t in runs}) == 3
    assert [nick(t) for t in runs] == ["completed"] * 3
    assert [t.result() for t in runs] == [2, 4, 6]
    assert {t.get_description("schedule") for t in runs} == {schedule.get_id()}
    assert schedule.props.last_run == START + 3 * MINUTE
    assert schedule.props.next_run == START + 4 * MINUTE
    assert schedule.get_last_task() is runs[-1]


def test_returned_task_outlives_the_callback(manager, ctx):
    """The task a Python function returns (transfer full) stays valid in the schedule."""
    clock = Tasker.Clock.new_fake(START)
    seen = []
    schedule = make_schedule(manager, "every 30s", clock, seen)
    schedule.start()
    clock.advance(MINUTE)
    gc.collect()
    assert manager.wait_until_settled(SETTLE_MS)
    task = schedule.props.last_task
    assert task is not None and nick(task) == "completed"
    del task, schedule
    gc.collect()


def test_overlap_and_catch_up_policies(manager, ctx):
    clock = Tasker.Clock.new_fake(START)
    seen = []
    schedule = make_schedule(manager, "daily 03:00", clock, seen)
    assert schedule.props.overlap_policy == Tasker.OverlapPolicy.SKIP
    assert schedule.props.catch_up_policy == Tasker.CatchUpPolicy.ONE_RUN
    schedule.props.overlap_policy = Tasker.OverlapPolicy.QUEUE_ONE
    schedule.set_catch_up_policy(Tasker.CatchUpPolicy.SKIP)
    schedule.set_last_run(START - 10 * 24 * 60 * MINUTE)
    schedule.start()
    # Ten days missed, skipped: nothing ran, the next run is ahead.
    assert seen == []
    assert schedule.props.next_run > START

    # Run now, paused or not.
    schedule.props.paused = True
    assert schedule.run_now()
    assert seen == [START]
    assert manager.wait_until_settled(SETTLE_MS)


def test_run_failed_when_the_function_raises(manager, ctx):
    clock = Tasker.Clock.new_fake(START)
    schedule = Tasker.Schedule.new("every 1m", clock)
    failures = []

    def submit(sched, options):
        raise ValueError("no task today")

    schedule.set_func(submit)
    schedule.connect("run-failed", lambda sched, error: failures.append(error))
    schedule.start()
    clock.advance(MINUTE)
    assert len(failures) == 1
    assert is_tasker_error(failures[0], Tasker.Error.FAILED)
    assert "submitted no task" in failures[0].message
    with pytest.raises(GLib.Error):
        schedule.run_now()


@pytest.mark.parametrize("spec, message", [
    ("Mun 09:00", "“Mun” is not a weekday (Mon, Tue, …)"),
    ("every 15x", "“15x” is not an interval: a number and a unit (s, m, h or d), as in “15m”"),
    ("daily 25:00", "“25” is not an hour (0–23)"),
])
def test_bad_spec(spec, message):
    with pytest.raises(GLib.Error) as info:
        Tasker.Schedule.new(spec, None)
    assert is_tasker_error(info.value, Tasker.Error.INVALID_ARGUMENT)
    assert info.value.message == message
    with pytest.raises(GLib.Error):
        Tasker.Schedule.validate_spec(spec)
    assert Tasker.Schedule.validate_spec("Mon..Fri 09:00")


def test_new_defaults_to_the_real_clock(manager, ctx):
    schedule = Tasker.Schedule.new("every 1h", func=lambda s, o: manager.run_thread(lambda c: None, options=o))
    assert schedule.get_clock() is Tasker.Clock.get_default()
    assert schedule.props.spec == "every 1h"
    assert schedule.run_now()
    assert manager.wait_until_settled(SETTLE_MS)
    assert schedule.get_last_task().get_description("schedule") == schedule.get_id()


def test_constructed_with_properties(manager, ctx):
    clock = Tasker.Clock.new_fake(START)
    schedule = Tasker.Schedule(spec="every 1m", clock=clock, id="nightly")
    assert schedule.props.next_run == START + MINUTE
    seen = []
    schedule.set_func(lambda s, o: seen.append(o.get_description("schedule")) or
                      manager.run_thread(lambda c: None, options=o))
    schedule.start()
    clock.advance(MINUTE)
    assert seen == ["nightly"]
    assert manager.wait_until_settled(SETTLE_MS)


def test_real_clock_alarm(ctx):
    clock = Tasker.Clock.get_default()
    assert not clock.is_fake()
    fired = []
    clock.add_alarm(clock.get_now() + 10_000, lambda c: fired.append(c.get_now()))
    assert iterate_until(ctx, lambda: fired)
