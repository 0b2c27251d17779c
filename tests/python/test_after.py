# SPDX-License-Identifier: LGPL-2.1-or-later
"""Delayed start and dependencies (DESIGN.md §10) through the reserved `options` keyword:
start-delay-ms, start-at, add_after, after-any-outcome, and Manager.rearm_dependants."""

import time

import pyfuncs
from conftest import SETTLE_MS, is_tasker_error, iterate_until, nick
from gi.repository import GLib, Tasker


def test_start_delay_ms(ctx, manager):
    opts = Tasker.TaskOptions(start_delay_ms=150)
    started = []
    submitted = time.monotonic()
    t = manager.run_thread(lambda c: started.append(time.monotonic()) or "late", options=opts)
    assert iterate_until(ctx, lambda: t.get_message() is not None)
    assert t.get_message().startswith("Starts at "), t.get_message()
    assert nick(t) == "pending" and not started
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == "late"
    assert started[0] - submitted >= 0.15
    assert t.get_message() is None


def test_start_at(ctx, manager):
    past = manager.run_thread(lambda c: "now",
                              options=Tasker.TaskOptions(start_at=GLib.get_real_time() - 10**6))
    later_at = GLib.get_real_time() + 150 * 1000
    later = manager.run_thread(lambda c: GLib.get_real_time(),
                               options=Tasker.TaskOptions(start_at=later_at))
    assert iterate_until(ctx, lambda: nick(past) == "completed")
    assert nick(later) == "pending"
    assert manager.wait_until_settled(SETTLE_MS)
    assert past.result() == "now"
    assert later.result() >= later_at


def test_both_start_options_refused(manager):
    opts = Tasker.TaskOptions(start_at=GLib.get_real_time() + 10**6, start_delay_ms=10)
    try:
        manager.run_thread(lambda c: None, options=opts)
    except GLib.Error as e:
        assert is_tasker_error(e, Tasker.Error.INVALID_ARGUMENT), e
        assert "start-at" in e.message and "start-delay-ms" in e.message
    else:
        raise AssertionError("both start options were accepted")


def test_add_after_runs_in_order(ctx, manager, gate):
    order = []
    a = manager.run_thread(lambda c: (order.append("a"), gate.wait_released()))
    opts = Tasker.TaskOptions()
    opts.add_after(a)
    b = manager.run_thread(lambda c: order.append("b"), options=opts)
    assert gate.reached.wait(10)
    assert iterate_until(ctx, lambda: b.get_message() == "Waiting for task %d" % a.get_id())
    assert nick(b) == "pending"
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert order == ["a", "b"]
    assert nick(b) == "completed"


def test_failed_dependency_fails_dependant(manager):
    def fail(c):
        raise ValueError("no")

    a = manager.run_thread(fail)
    opts = Tasker.TaskOptions()
    opts.add_after(a)
    ran = []
    b = manager.run_thread(lambda c: ran.append(1), options=opts)
    any_opts = Tasker.TaskOptions(after_any_outcome=True)
    any_opts.add_after(a)
    c = manager.run_thread(lambda c: "ran anyway", options=any_opts)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(b) == "failed" and not ran
    err = b.get_error()
    assert is_tasker_error(err, Tasker.Error.DEPENDENCY_FAILED), err
    assert err.message == "task %d failed" % a.get_id()
    assert c.result() == "ran anyway"


def test_rearm_dependants(manager):
    def fail(c):
        raise ValueError("no")

    a = manager.run_thread(fail)
    opts = Tasker.TaskOptions()
    opts.add_after(a)
    ran, done = [], []
    b = manager.run_thread(lambda c, x: ran.append(x) or "b ran", 7, options=opts,
                           when_done=done.append)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(b) == "failed" and not ran and done == [b]

    a2 = manager.run_thread(lambda c: "a ran")
    rearmed = manager.rearm_dependants(a, a2)
    assert len(rearmed) == 1
    assert manager.wait_until_settled(SETTLE_MS)
    b2 = rearmed[0]
    assert nick(b2) == "completed" and ran == [7]
    assert b2.result() == "b ran"
    assert done == [b, b2]
    assert a2.result() == "a ran"
    assert manager.rearm_dependants(a, a2) == []


def test_rearm_process_dependant(manager):
    """A process task failed by its dependency is kept for a rearm, which runs
    it with its function and arguments; one submitted without options has
    nothing to wait for and ends as it ran."""
    def fail(c):
        raise ValueError("no")

    a = manager.run_thread(fail)
    opts = Tasker.TaskOptions()
    opts.add_after(a)
    done = []
    b = manager.run_process(pyfuncs.quick, "b ran", options=opts, when_done=done.append)
    plain = manager.run_process(pyfuncs.quick, "plain ran", when_done=done.append)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(b) == "failed"
    assert is_tasker_error(b.get_error(), Tasker.Error.DEPENDENCY_FAILED), b.get_error()
    assert plain.result() == "plain ran"

    a2 = manager.run_thread(lambda c: "a ran")
    rearmed = manager.rearm_dependants(a, a2)
    assert len(rearmed) == 1
    assert manager.wait_until_settled(SETTLE_MS)
    assert rearmed[0].result() == "b ran"
    assert sorted(t.get_id() for t in done) == sorted([b.get_id(), plain.get_id(),
                                                       rearmed[0].get_id()])


def test_process_and_coroutine_wait(ctx, manager, gate):
    """A process task and a coroutine wait like a thread task."""
    a = manager.run_thread(lambda c: gate.wait_released())
    opts = Tasker.TaskOptions()
    opts.add_after(a)

    async def coro(c):
        return "coroutine ran"

    p = manager.run_process(pyfuncs.quick, "process ran", options=opts)
    c = manager.add_coroutine(coro, options=opts)
    delayed = manager.run_process(pyfuncs.quick, "delayed",
                                  options=Tasker.TaskOptions(start_delay_ms=100))
    assert gate.reached.wait(10)
    waiting = "Waiting for task %d" % a.get_id()
    assert iterate_until(ctx, lambda: p.get_message() == waiting and c.get_message() == waiting)
    assert nick(p) == "pending" and nick(c) == "pending"
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert p.result() == "process ran"
    assert c.result() == "coroutine ran"
    assert delayed.result() == "delayed"
