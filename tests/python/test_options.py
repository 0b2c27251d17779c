# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tasker.TaskOptions (DESIGN.md §5) through the reserved `options` keyword: name,
timeout-ms, set_description, and the policies of issue 5 (retry, queue, priority, parent,
trace id, ignore-child-failures)."""

import re
import threading
import time

import pytest

from conftest import (ISSUE_5, SETTLE_MS, Gate, is_cancelled_error, is_tasker_error,
                      iterate_until, nick)
from gi.repository import GLib, Tasker

import pyfuncs


def make_options(**props):
    opts = Tasker.TaskOptions.new()
    for name, value in props.items():
        opts.set_property(name.replace("_", "-"), value)
    return opts


def test_defaults_of_implemented_properties():
    opts = Tasker.TaskOptions.new()
    assert opts.props.name is None
    assert opts.props.timeout_ms == 0


@pytest.mark.parametrize("kind", ["thread", "coroutine", "process"])
def test_name_and_description(manager, kind):
    opts = make_options(name="named task")
    opts.set_description("origin", "pytest")

    async def coro(c):
        return "c"

    submit = {
        "thread": lambda: manager.run_thread(lambda c: "t", options=opts),
        "coroutine": lambda: manager.add_coroutine(coro, options=opts),
        "process": lambda: manager.run_process(pyfuncs.quick, "p", options=opts),
    }[kind]
    t = submit()
    assert t.get_name() == "named task"
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "completed", t.get_error()
    assert t.get_description("origin") == "pytest"


def test_options_object_reusable(manager, recorder):
    """The same options object may serve several submits, each with its own when_done."""
    opts = make_options(name="shared")
    done_a, done_b = [], []
    a = manager.run_thread(lambda c: "a", options=opts, when_done=done_a.append)
    b = manager.run_thread(lambda c: "b", options=opts, when_done=done_b.append)
    assert manager.wait_until_settled(SETTLE_MS)
    assert len(done_a) == 1 and done_a[0] is a
    assert len(done_b) == 1 and done_b[0] is b


def test_timeout_ms_fails_with_timed_out(manager, recorder):
    started = {}

    def slow(c):
        started["at"] = time.monotonic()
        deadline = time.monotonic() + 10
        while not c.is_cancelled() and time.monotonic() < deadline:
            time.sleep(0.001)
        started["end"] = time.monotonic()
        return "too late"

    t = manager.run_thread(slow, options=make_options(timeout_ms=100),
                           when_done=recorder.when_done)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "failed"
    err = t.get_error()
    assert is_tasker_error(err, Tasker.Error.TIMED_OUT)
    assert err.message == "timed out after 100 ms"
    assert 0.09 <= started["end"] - started["at"] < 5.0
    with pytest.raises(GLib.Error) as info:
        t.result()
    assert is_tasker_error(info.value, Tasker.Error.TIMED_OUT)
    assert recorder.done_count(t) == 1


def test_timeout_counts_from_start_not_submit(ctx, manager, gate):
    manager.props.max_threads = 1
    blocker = manager.run_thread(lambda c: gate.wait_released())
    t = manager.run_thread(lambda c: "in time", options=make_options(timeout_ms=150))
    assert gate.reached.wait(10)
    # Hold t PENDING for longer than its timeout.
    assert not iterate_until(ctx, lambda: t.is_final(), timeout=0.3)
    assert nick(t) == "pending"
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "completed" and t.result() == "in time"
    assert nick(blocker) == "completed"


# --------------------------------------------------------------------------- issue 5

@ISSUE_5
def test_retry_property_defaults():
    opts = Tasker.TaskOptions.new()
    # Defaults §5 states; retry-delay-ms, retry-max-delay-ms and retry-jitter have none.
    assert opts.get_property("max-attempts") == 1
    assert opts.get_property("retry-delay-ms") >= 0
    assert opts.get_property("retry-factor") == 2.0
    assert opts.get_property("retry-max-delay-ms") >= 0
    assert 0.0 <= opts.get_property("retry-jitter") <= 1.0
    assert opts.get_property("queue") is None
    assert opts.get_property("priority") == 0
    assert opts.get_property("parent") is None
    assert opts.get_property("trace-id") == 0
    assert opts.get_property("ignore-child-failures") is False


@ISSUE_5
def test_retry_properties_writable():
    opts = make_options(max_attempts=3, retry_delay_ms=10, retry_factor=1.5,
                        retry_max_delay_ms=100, retry_jitter=0.25)
    assert opts.get_property("max-attempts") == 3
    assert opts.get_property("retry-delay-ms") == 10
    assert opts.get_property("retry-factor") == 1.5
    assert opts.get_property("retry-max-delay-ms") == 100
    assert opts.get_property("retry-jitter") == 0.25


@ISSUE_5
def test_max_attempts_retries_a_failure(manager):
    calls = []

    def flaky(c):
        calls.append(1)
        if len(calls) < 2:
            raise RuntimeError("first attempt fails")
        return "second attempt"

    t = manager.run_thread(flaky, options=make_options(max_attempts=3, retry_delay_ms=10))
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == "second attempt"
    assert t.get_attempt() == 2
    assert len(calls) == 2


@ISSUE_5
def test_no_retry_after_user_cancel(ctx, manager, recorder):
    started = threading.Event()

    def work(c):
        started.set()
        while not c.is_cancelled():
            time.sleep(0.001)

    t = manager.run_thread(work, options=make_options(max_attempts=3),
                           when_done=recorder.when_done)
    assert iterate_until(ctx, started.is_set)
    t.cancel()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "cancelled" and t.get_attempt() == 1
    assert is_cancelled_error(t.get_error())


@ISSUE_5
def test_queue_option(ctx, manager, gate):
    manager.configure_queue("one", 1, 0)
    order = []
    first = manager.run_thread(lambda c: (order.append(1), gate.wait_released()),
                               options=make_options(queue="one"))
    second = manager.run_thread(lambda c: order.append(2), options=make_options(queue="one"))
    assert gate.reached.wait(10)
    assert iterate_until(ctx, lambda: nick(first) == "running")
    assert nick(second) == "pending"
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert order == [1, 2]


@ISSUE_5
def test_priority_lower_runs_first_in_a_queue(ctx, manager, gate):
    manager.configure_queue("prio", 1, 0)
    order = []
    manager.run_thread(lambda c: gate.wait_released(), options=make_options(queue="prio"))
    assert gate.reached.wait(10)
    manager.run_thread(lambda c: order.append("low"),
                       options=make_options(queue="prio", priority=10))
    manager.run_thread(lambda c: order.append("default"), options=make_options(queue="prio"))
    manager.run_thread(lambda c: order.append("high"),
                       options=make_options(queue="prio", priority=GLib.PRIORITY_HIGH))
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert order == ["high", "default", "low"]


@ISSUE_5
def test_priority_lower_runs_first_waiting_for_a_thread(ctx, manager, gate):
    """Tasks held by max-threads (default queue) wait in priority order too."""
    manager.props.max_threads = 1
    order = []
    manager.run_thread(lambda c: gate.wait_released())
    assert gate.reached.wait(10)
    manager.run_thread(lambda c: order.append("low"), options=make_options(priority=10))
    manager.run_thread(lambda c: order.append("default"))
    manager.run_thread(lambda c: order.append("high"),
                       options=make_options(priority=GLib.PRIORITY_HIGH))
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert order == ["high", "default", "low"]


@ISSUE_5
def test_parent_option(ctx, manager, recorder):
    g = Gate()
    parent = manager.run_thread(lambda c: g.wait_released(), when_done=recorder.when_done)
    opts = make_options()
    opts.set_property("parent", parent)
    child_started = threading.Event()

    def child_fn(c):
        child_started.set()
        while not c.is_cancelled():
            time.sleep(0.001)

    child = manager.run_thread(child_fn, options=opts, when_done=recorder.when_done)
    assert child.get_parent() is parent
    assert parent.get_parent() is None
    assert iterate_until(ctx, child_started.is_set)
    parent.cancel()
    g.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(child) == "cancelled" and nick(parent) == "cancelled"
    assert parent.get_trace_id() >> 16 == child.get_trace_id() >> 16


@ISSUE_5
def test_final_parent_refused(manager):
    parent = manager.run_thread(lambda c: None)
    assert manager.wait_until_settled(SETTLE_MS)
    opts = make_options()
    opts.set_property("parent", parent)
    with pytest.raises(GLib.Error) as info:
        manager.run_thread(lambda c: None, options=opts)
    assert is_tasker_error(info.value, Tasker.Error.INVALID_ARGUMENT)


@ISSUE_5
def test_trace_id(manager):
    given = 0x1234_5678_9ABC_0000
    t = manager.run_thread(lambda c: None, options=make_options(trace_id=given))
    u = manager.run_thread(lambda c: None)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.get_trace_id() >> 16 == given >> 16
    assert u.get_trace_id() != 0


@ISSUE_5
def test_ignore_child_failures(manager):
    opts = make_options(ignore_child_failures=True)
    assert opts.get_property("ignore-child-failures") is True
    g = Gate()
    parent = manager.run_thread(lambda c: g.wait_released(), options=opts)
    child_opts = make_options()
    child_opts.set_property("parent", parent)

    def failing(c):
        raise ValueError("child fails")

    child = manager.run_thread(failing, options=child_opts)
    g.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(child) == "failed"
    assert nick(parent) == "completed"


@ISSUE_5
def test_task_get_parent_and_trace_id_exist(manager):
    t = manager.run_thread(lambda c: None)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.get_parent() is None
    assert isinstance(t.get_trace_id(), int) and t.get_trace_id() != 0


@ISSUE_5
def test_retry_exhausted_keeps_last_exception(ctx, manager, recorder):
    calls = []

    def always(c):
        calls.append(threading.get_ident())
        raise ValueError(f"attempt {len(calls)}")

    t = manager.run_thread(always, options=make_options(max_attempts=3, retry_delay_ms=5),
                           when_done=recorder.when_done)
    assert manager.wait_until_settled(SETTLE_MS)
    assert len(calls) == 3
    assert nick(t) == "failed" and t.get_attempt() == 3
    with pytest.raises(ValueError, match="attempt 3"):
        t.result()
    assert recorder.done_count(t) == 1, "when_done once, after the last attempt"


@ISSUE_5
def test_retry_waits_pending_with_message(ctx, manager):
    calls = []

    def flaky(c):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("once")
        return "ok"

    t = manager.run_thread(flaky, options=make_options(max_attempts=3, retry_delay_ms=400))
    assert iterate_until(ctx, lambda: (t.get_message() or "").startswith("Retrying"))
    assert re.match(r"Retrying in .*attempt 2 of 3", t.get_message()), t.get_message()
    assert nick(t) == "pending"
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == "ok" and t.get_attempt() == 2
    assert t.get_message() is None, "the manager's message is cleared when the task starts"


@ISSUE_5
def test_retry_process_task(manager, tmp_path):
    """Retries count for process tasks too: the function fails until a file exists."""
    marker = tmp_path / "marker"
    t = manager.run_process(pyfuncs.fail_until_marker, str(marker),
                            options=make_options(max_attempts=2, retry_delay_ms=10))
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == "second time"
    assert t.get_attempt() == 2


@ISSUE_5
def test_timeout_then_retry(manager):
    attempts = []

    def slow_first(c):
        attempts.append(1)
        if len(attempts) == 1:
            while not c.is_cancelled():
                time.sleep(0.001)
        return len(attempts)

    t = manager.run_thread(slow_first, options=make_options(timeout_ms=100, max_attempts=2,
                                                            retry_delay_ms=10))
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == 2 and t.get_attempt() == 2


@ISSUE_5
def test_queue_messages(ctx, manager, gate):
    manager.configure_queue("msgq", 1, 1)
    first = manager.run_thread(lambda c: gate.wait_released(), options=make_options(queue="msgq"))
    waiting = manager.run_thread(lambda c: None, options=make_options(queue="msgq"))
    assert first.get_message() is None, "no message at submit when a slot is free"
    assert iterate_until(ctx, lambda: waiting.get_message() == "Waiting for a free slot")
    with pytest.raises(GLib.Error) as info:
        manager.run_thread(lambda c: None, options=make_options(queue="msgq"))
    assert is_tasker_error(info.value, Tasker.Error.QUEUE_FULL)
    assert info.value.message == "queue \u201cmsgq\u201d is full"
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(waiting) == "completed"
    assert waiting.get_message() is None, "cleared when the task starts"


@ISSUE_5
def test_parent_ends_after_its_children(ctx, manager, recorder):
    g = Gate()
    parent = manager.run_thread(lambda c: "parent returned", when_done=recorder.when_done)
    opts = make_options()
    opts.set_property("parent", parent)
    child = manager.run_thread(lambda c: g.wait_released(), options=opts,
                               when_done=recorder.when_done)
    assert g.reached.wait(10)
    assert not iterate_until(ctx, lambda: parent.is_final(), timeout=0.2)
    assert nick(parent) == "running", "a parent whose function returned waits for children"
    g.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert [t for t, _ in recorder.done] == [child, parent]
    assert nick(parent) == "completed" and parent.result() == "parent returned"


@ISSUE_5
def test_failed_child_fails_parent(manager):
    g = Gate()
    parent = manager.run_thread(lambda c: g.wait_released())
    opts = make_options()
    opts.set_property("parent", parent)

    def failing(c):
        raise ValueError("child fails")

    child = manager.run_thread(failing, options=opts)
    g.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(child) == "failed"
    assert nick(parent) == "failed"
